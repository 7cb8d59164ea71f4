/* capsim: the discrete-event engine's loop. What a pass may do to the
 * machine (the policy context, node placement, the conservative planner)
 * is in the engine's other files: see engine_int.h.
 *
 * The event types: SUBMIT (job enters the policy's queue), END (job
 * leaves the machine), WAKE (a pass a policy asked for, or the end of an
 * advance reservation), STOP (the end of a preempted job's grace,
 * cs_ctx_preempt_after), CANCEL (cs_cancel) and the failure model's FAIL
 * and REPAIR (failures.c). Submissions are fed lazily: one pending SUBMIT
 * sits in the queue at a time, the next pushed when it pops, so the heap
 * holds at most (running jobs + 1) events besides wakeups and stops (it
 * grows as needed). Because the class decides order before the insertion
 * sequence, this gives exactly the order of pushing all submissions up
 * front.
 */
#include "engine_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int time_passes; /* cs_engine_time_passes */

void cs_engine_time_passes(int on) { time_passes = on != 0; }

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A job's end: its resources back, the observer told. */
static void give_back(cs_sched_ctx *c, uint32_t jid)
{
	cs_ctx_free_resources(c, jid);
	observe(c, CS_OBS_END, jid);
}

static void release(cs_sched_ctx *c, uint32_t jid)
{
	give_back(c, jid);
	cs_ctx_run_remove(c, jid);
}

/* release=estimate: before the scheduler looks, count as finished every
 * running job whose estimated end has been reached and whose end event is
 * due now but not yet handled. */
static void early_release(cs_sched_ctx *c)
{
	/* Once per time is enough: a job started now ends later, and end events
	 * only remove running jobs, so a second scan at the same time would find
	 * nothing new (it would only walk past the overdue jobs again). */
	if (c->released_at == c->now)
		return;
	c->released_at = c->now;
	cs_runset_it w;
	const run_ent *re = cs_runset_begin(&w, &c->run);
	while (re && re->est_end <= c->now) {
		uint32_t jid = re->jid;
		if (c->jobs[jid].end_s == c->now) {
			give_back(c, jid);
			re = cs_ctx_run_erase(c, &w);
			c->st->early_releases++;
		} else {
			re = cs_runset_next(&w);
		}
	}
}

static void reset_results(cs_job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		jobs[i].start_s = jobs[i].end_s = jobs[i].reservation_s = -1;
		jobs[i].reason = CS_WAIT_NONE;
		jobs[i].preemptions = 0;
		jobs[i].preempted_s = 0;
		jobs[i].flags &= ~(uint32_t)(CS_JOB_BACKFILLED | CS_JOB_RELEASED | CS_JOB_REJECTED |
					     CS_JOB_PREEMPT_KILLED | CS_JOB_NODE_FAIL | CS_JOB_CANCELLED);
	}
}

/* The loop's state between calls, for a run set up by cs_engine_run or
 * cs_engine_run_nodes (run and evq sized for the most jobs that can run at
 * once) or cs_engine_open_nodes. */
static void loop_begin(cs_sched_ctx *c, const cs_engine_conv *cv, const cs_policy_ops *ops, void *ps)
{
	struct cs_loop *L = &c->loop;
	L->cv = cv;
	L->ops = ops;
	L->ps = ps;
	L->submit_cls = cv->same_time == CS_SAME_SUBMIT_FIRST ? 0 : 1;
	c->end_cls = 1 - L->submit_cls;
	/* on a node model a new job's fit is the allocator's to tell: the
	 * if-fits submission rule falls back to always */
	L->submit_pass = c->nm ? CS_SUBMIT_ALWAYS : cv->submit_pass;
	L->next_submit = 0;
	L->pending = 0;
	L->min_new_size = UINT32_MAX;
	L->deferred = 0;
	if (c->njobs && cs_evq_push(&c->evq, c->jobs[0].submit_s, L->submit_cls, EV_SUBMIT, 0) < 0)
		c->failed = -CS_ENOMEM;
}

/* Jobs stopped and requeued (by a preemption in a pass, or a failure) go
 * back to the policy's queue. */
static void resubmit(cs_sched_ctx *c)
{
	const struct cs_loop *L = &c->loop;
	for (size_t i = 0; i < c->nrequeued; i++) {
		observe(c, CS_OBS_SUBMIT, c->requeued[i]);
		L->ops->submit(L->ps, c->requeued[i]);
	}
	c->nrequeued = 0;
}

/* What follows a pass: the holds end, requeued jobs come back. */
static int pass_end(cs_sched_ctx *c)
{
	c->hold_on = 0;
	c->hold_lazy = 0;
	c->nxh = c->xh_nslots = 0;
	c->nleft = 0;
	resubmit(c);
	return c->failed ? -CS_ENOMEM : 0;
}

/* Handle one event (just popped as e); 1 if it calls for a pass now. */
static int handle(cs_sched_ctx *c, const cs_event *e)
{
	struct cs_loop *L = &c->loop;
	const cs_engine_conv *cv = L->cv;
	cs_job *jobs = c->jobs;
	cs_engine_stats *st = c->st;
	int trigger = 0;
	if (e->type == EV_SUBMIT) {
		L->next_submit++;
		if (L->next_submit < c->njobs &&
		    cs_evq_push(&c->evq, jobs[L->next_submit].submit_s, L->submit_cls, EV_SUBMIT,
				(uint32_t)L->next_submit) < 0)
			c->failed = -CS_ENOMEM;
		if (c->pc && cs_pcap_refuse(c, e->data))
			goto decided; /* its draw alone is over the power cap: never queued */
		c->waiting++;
		jobs[e->data].reason = CS_WAIT_PRIORITY;
		if (c->waiting > st->max_queue)
			st->max_queue = c->waiting;
		observe(c, CS_OBS_SUBMIT, e->data);
		L->ops->submit(L->ps, e->data);
		if (L->submit_pass == CS_SUBMIT_ALWAYS) {
			trigger = 1;
		} else if (cv->pass == CS_PASS_PER_EVENT) {
			if (cv->release == CS_RELEASE_ESTIMATE)
				early_release(c);
			trigger = jobs[e->data].size <= c->free;
		} else if (jobs[e->data].size < L->min_new_size) {
			L->min_new_size = jobs[e->data].size;
		}
	} else if (e->type == EV_END) {
		if ((c->fs && cs_fail_stale_end(c, e->data, e->time)) || jobs[e->data].end_s != e->time) {
			/* the end of a run a preemption or a failure stopped: nothing
			 * happens, and it triggers nothing; but, last at its
			 * time, it still closes the time: a pass owed by the
			 * time's other events is made below */
			st->events--;
		} else {
			if (!(jobs[e->data].flags & CS_JOB_RELEASED))
				release(c, e->data);
			if (c->stop_at && c->stop_at[e->data] >= 0) {
				/* signalled, it ended on its own within its grace */
				c->stop_at[e->data] = -1;
				st->grace_ends++;
			}
			trigger = 1;
		}
	} else if (e->type == EV_STOP) {
		trigger = cs_ctx_stop_due(c, e->data);
	} else if (e->type == EV_XFER || e->type == EV_WORK || e->type == EV_LIMIT) {
		cs_stage_event(c, e); /* a run that is over gets its END: that triggers the pass */
		if (c->failed)
			return 0;
	} else if (e->type == EV_CANCEL) {
		trigger = cs_ctx_cancel_due(c, e->data);
	} else if (e->type == EV_FAIL || e->type == EV_REPAIR) {
		trigger = cs_fail_event(c, e, L->next_submit >= c->njobs);
		resubmit(c); /* before the pass their failure owes */
		if (c->failed)
			return 0;
	} else {
		st->wakeups++;
		trigger = c->waiting > 0;
	}
decided:
	if (cv->pass == CS_PASS_PER_EVENT)
		return trigger;
	L->pending |= trigger;
	const cs_event *nx = cs_evq_peek(&c->evq);
	if (nx && nx->time == c->now)
		return 0;
	if (cv->release == CS_RELEASE_ESTIMATE)
		early_release(c);
	if (L->min_new_size <= c->free)
		L->pending = 1;
	L->min_new_size = UINT32_MAX;
	if (!L->pending)
		return 0;
	L->pending = 0;
	return 1;
}

/* Handle every event before `until`, each time's pass after its events:
 * 0, 1 when a pass was deferred (cs_ctx_defer: the loop stops inside it,
 * cs_loop_resume goes on), or -CS_ENOMEM. Times are never split: the
 * events of one time are all before `until` or none is. */
static int loop_advance(cs_sched_ctx *c, cs_time until)
{
	struct cs_loop *L = &c->loop;
	const cs_event *nx;
	cs_event e;
	if (L->deferred)
		return 1;
	while (!c->failed && (nx = cs_evq_peek(&c->evq)) && nx->time < until) {
		cs_evq_pop(&c->evq, &e);
		c->now = e.time;
		c->st->events++;
		if (!handle(c, &e))
			continue;
		if (L->cv->release == CS_RELEASE_ESTIMATE)
			early_release(c);
		c->st->passes++;
		uint64_t t0 = time_passes ? thread_cpu_ns() : 0;
		if (c->nm)
			cs_shape_memo_reset(c);
		observe(c, CS_OBS_PASS, 0);
		L->ops->pass(L->ps, c);
		if (L->deferred)
			return 1;
		int rc = pass_end(c);
		if (time_passes)
			c->st->pass_cpu_ns += thread_cpu_ns() - t0;
		if (rc < 0)
			return -CS_ENOMEM;
	}
	return c->failed ? -CS_ENOMEM : 0;
}

int cs_loop_resume(cs_sched_ctx *c)
{
	struct cs_loop *L = &c->loop;
	if (!L->deferred)
		return 0;
	L->deferred = 0;
	L->ops->pass(L->ps, c);
	if (L->deferred)
		return 1;
	return pass_end(c);
}

void cs_ctx_defer(cs_sched_ctx *c) { c->loop.deferred = 1; }

int cs_engine_cancel(cs_sched_ctx *c, uint32_t jid, cs_time t)
{
	return cs_evq_push(&c->evq, t, WAKE_CLASS, EV_CANCEL, jid) < 0 ? -CS_ENOMEM : 0;
}

/* The run's cancellations queued, each checked; a run with any needs a
 * policy that can take a waiting job out of its queue. 0 or -CS_E* with
 * err. */
static int queue_cancels(cs_sched_ctx *c, const cs_policy_ops *ops, const cs_cancel *cancels, size_t n, char *err,
			 size_t errlen)
{
	if (n && !cs_policy_cancel_op(ops)) {
		snprintf(err, errlen, "policy %s cannot cancel a waiting job (its ops table has no cancel, "
			 "include/capsim/sched.h): a run with cancellations needs one", ops->name);
		return -CS_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (cancels[i].jid >= c->njobs || cancels[i].t < -CS_TIME_LIMIT || cancels[i].t > CS_TIME_LIMIT) {
			snprintf(err, errlen, "cancellation %zu: job %u of %zu, at %lld: no such job, or a time beyond "
				 "2^40 s", i, cancels[i].jid, c->njobs, (long long)cancels[i].t);
			return -CS_EINVAL;
		}
		if (cs_engine_cancel(c, cancels[i].jid, cancels[i].t) < 0) {
			snprintf(err, errlen, "out of memory");
			return -CS_ENOMEM;
		}
	}
	return 0;
}

/* The whole run on a context set up by cs_engine_run or
 * cs_engine_run_nodes: every event, then every job must have started or
 * been rejected or cancelled. */
static int run_loop(cs_sched_ctx *c, const cs_engine_conv *cv, const cs_policy_ops *ops, void *ps,
		    char *err, size_t errlen)
{
	loop_begin(c, cv, ops, ps);
	/* every time is below 2^62 (check_time_sum): CS_TIME_MAX is past them all */
	int rc = loop_advance(c, CS_TIME_MAX);
	if (rc == 1) {
		snprintf(err, errlen, "policy %s deferred a pass, which only a live run can take", ops->name);
		return -CS_EINVAL;
	}
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	for (size_t i = 0; i < c->njobs; i++) {
		cs_job *j = &c->jobs[i];
		if (j->start_s < 0 && !cs_job_never_ran(j)) {
			snprintf(err, errlen, "policy %s never started job %lld (line %u): "
				 "the queue was left non-empty", ops->name, (long long)j->id, j->line);
			return -CS_EINVAL;
		}
	}
	return 0;
}

int cs_engine_run(cs_job *jobs, size_t n, uint32_t procs, const cs_engine_conv *cv,
		  const cs_policy_ops *ops, void *ps, cs_engine_stats *st,
		  char *err, size_t errlen)
{
	return cs_engine_run_observed(jobs, n, procs, cv, ops, ps, NULL, st, err, errlen);
}

/* Every time the engine computes is at most the last submission plus the
 * jobs' run times (or estimates, if longer) one after another: refuse a
 * workload where that could come near overflow. The readers bound each
 * time (CS_TIME_LIMIT); this bounds their sum. */
static int check_time_sum(const cs_job *jobs, size_t n, char *err, size_t errlen)
{
	const int64_t lim = INT64_MAX / 4;
	int64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t d = jobs[i].runtime_s > jobs[i].estimate_s ? jobs[i].runtime_s : jobs[i].estimate_s;
		if (jobs[i].submit_s > lim || d > lim || __builtin_add_overflow(sum, d, &sum) || sum > lim ||
		    jobs[i].submit_s > lim - sum) {
			snprintf(err, errlen, "job %lld (line %u): the workload's submissions and run times add up to "
				 "more than 2^61 s, beyond what the engine can add safely", (long long)jobs[i].id,
				 jobs[i].line);
			return -CS_EINVAL;
		}
	}
	return 0;
}

int cs_engine_run_observed(cs_job *jobs, size_t n, uint32_t procs, const cs_engine_conv *cv,
			   const cs_policy_ops *ops, void *ps, const cs_observer *obs,
			   cs_engine_stats *st, char *err, size_t errlen)
{
	return cs_engine_run_cancels(jobs, n, procs, cv, ops, ps, obs, NULL, 0, st, err, errlen);
}

int cs_engine_run_cancels(cs_job *jobs, size_t n, uint32_t procs, const cs_engine_conv *cv,
			  const cs_policy_ops *ops, void *ps, const cs_observer *obs,
			  const cs_cancel *cancels, size_t ncancels, cs_engine_stats *st, char *err, size_t errlen)
{
	memset(st, 0, sizeof *st);
	if (n > UINT32_MAX - 1) {
		snprintf(err, errlen, "too many jobs (%zu)", n);
		return -CS_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].size == 0 || jobs[i].size > procs || jobs[i].runtime_s <= 0 ||
		    jobs[i].estimate_s <= 0 || (i && jobs[i].submit_s < jobs[i - 1].submit_s)) {
			snprintf(err, errlen, "job %lld (line %u): not runnable on %u processors "
				 "(size %u, runtime %lld, estimate %lld) or out of submit order",
				 (long long)jobs[i].id, jobs[i].line, procs, jobs[i].size,
				 (long long)jobs[i].runtime_s, (long long)jobs[i].estimate_s);
			return -CS_EINVAL;
		}
	}
	if (check_time_sum(jobs, n, err, errlen) < 0)
		return -CS_EINVAL;
	reset_results(jobs, n);
	cs_sched_ctx c = { .jobs = jobs, .njobs = n, .total = procs, .free = procs, .st = st, .released_at = -1,
			   .obs = obs };
	/* at most one running job per processor */
	int run_ok = cs_runset_init(&c.run) == 0;
	c.requeued = malloc((n + 1) * sizeof *c.requeued);
	if (!run_ok || !c.requeued || cs_evq_init(&c.evq, (size_t)procs + 2) < 0) {
		cs_runset_free(&c.run);
		free(c.requeued);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	int rc = queue_cancels(&c, ops, cancels, ncancels, err, errlen);
	if (rc == 0)
		rc = run_loop(&c, cv, ops, ps, err, errlen);
	cs_evq_free(&c.evq);
	cs_runset_free(&c.run);
	free(c.left);
	free(c.requeued);
	free(c.stop_at);
	free(c.stop_how);
	free(c.wi_slots);
	free(c.wi_jobs);
	free(c.wi_took);
	return rc;
}

/* A node-model run's context (into *cp), every job checked, the results
 * reset: 0, or -CS_E* with err (what was allocated is for nodes_close). */
static int nodes_open(cs_sched_ctx *cp, cs_job *jobs, size_t n, const cs_node_machine *m, cs_engine_stats *st,
		      char *err, size_t errlen)
{
	memset(st, 0, sizeof *st);
	*cp = (cs_sched_ctx){ .nm = m };
	if (n > UINT32_MAX - 1) {
		snprintf(err, errlen, "too many jobs (%zu)", n);
		return -CS_EINVAL;
	}
	if (check_time_sum(jobs, n, err, errlen) < 0)
		return -CS_EINVAL;
	cs_sched_ctx c = { .jobs = jobs, .njobs = n, .st = st, .released_at = -1, .plan_bounds = -1, .nm = m, .A = m->alloc, .memo_gen = 1,
			   .obs = m->obs, .total = m->total_gpus > UINT32_MAX ? UINT32_MAX : (uint32_t)m->total_gpus,
			   .fs = m->fail, .sg = m->stage };
	c.arec = cs_alloc_records(c.A);
	int rc = -CS_ENOMEM;
	int own = !m->placements || !m->placement_off;
	c.off = own ? malloc((n + 1) * sizeof *c.off) : m->placement_off;
	if (!c.off)
		goto done;
	uint32_t maxn = 1;
	c.off[0] = 0;
	for (size_t i = 0; i < n; i++) {
		c.off[i + 1] = c.off[i] + jobs[i].nodes;
		if (jobs[i].nodes > maxn)
			maxn = jobs[i].nodes;
	}
	size_t rcap = 0;
	for (size_t r = 0; r < m->nresv; r++)
		rcap += m->resv[r].nnodes;
	c.resv_cap = (uint32_t)rcap;
	c.nnodes = cs_alloc_nnodes(c.A);
	c.slots = own ? malloc((c.off[n] + 1) * sizeof *c.slots) : m->placements;
	for (uint32_t s = 0; m->sets && s < m->sets->n; s++) {
		uint32_t a = m->sets->first[s], b = m->sets->first[s + 1];
		int bad = m->sets->base != m->npartitions || b < a + 2 || b - a > CS_PARTSET_MAX;
		for (uint32_t i = a; i < b && !bad; i++)
			bad = m->sets->parts[i] < 0 || (uint32_t)m->sets->parts[i] >= m->npartitions;
		if (bad) {
			snprintf(err, errlen, "partition set %u: not 2 to %d of the machine's %u partitions, numbered "
				 "from %u", s, CS_PARTSET_MAX, m->npartitions, m->sets->base);
			rc = -CS_EINVAL;
			goto done;
		}
	}
	if (cs_place_masks(&c) < 0 || cs_pcap_init(&c) < 0)
		goto done;
	if (c.sets) {
		c.set_part = malloc((n + 1) * sizeof *c.set_part);
		if (!c.set_part)
			goto done;
		for (size_t i = 0; i < n; i++)
			c.set_part[i] = cs_partset_of(c.sets, jobs[i].partition) >= 0 ? jobs[i].partition : -1;
		c.billing = m->billing;
		c.bill_cluster = m->bill_cluster;
	}
	c.hold_slots = malloc(maxn * sizeof *c.hold_slots);
	c.tmp_slots = malloc(maxn * sizeof *c.tmp_slots);
	int run_ok = cs_runset_init(&c.run) == 0;
	c.requeued = malloc((n + 1) * sizeof *c.requeued);
	c.snap = malloc(((size_t)c.nnodes + 1) * sizeof *c.snap);
	c.resv_slots = malloc((rcap + 1) * sizeof *c.resv_slots);
	c.plan_start = malloc((n + 1) * sizeof *c.plan_start);
	c.planned = malloc((n + 1) * sizeof *c.planned);
	c.plan_pos = malloc((n + 1) * sizeof *c.plan_pos);
	c.resv_block = calloc(n + 1, sizeof *c.resv_block);
	c.tmp_slots2 = malloc(maxn * sizeof *c.tmp_slots2);
	c.resv_ends = malloc((m->nresv + 1) * sizeof *c.resv_ends);
	if (!c.slots || !c.hold_slots || !c.tmp_slots || !run_ok || !c.requeued || !c.snap ||
	    !c.resv_slots || !c.resv_ends || !c.plan_start || !c.planned || !c.plan_pos ||
	    !c.resv_block || !c.tmp_slots2 || cs_evq_init(&c.evq, n + 2) < 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		c.plan_start[i] = -1;
	rc = 0;
	for (size_t r = 0; r < m->nresv && rc == 0; r++) {
		const cs_resv *v = &m->resv[r];
		int bad = v->start >= v->end || v->start < 0;
		for (uint32_t i = 0; i < v->nnodes && !bad; i++)
			bad = v->nodes[i] >= c.nnodes;
		if (bad) {
			snprintf(err, errlen, "reservation %s: empty window [%lld, %lld) or a node out of range",
				 v->name ? v->name : "?", (long long)v->start, (long long)v->end);
			rc = -CS_EINVAL;
			break;
		}
		/* insertion: reservations are few */
		size_t k = c.nresv_ends++;
		while (k > 0 && c.resv_ends[k - 1] > v->end) {
			c.resv_ends[k] = c.resv_ends[k - 1];
			k--;
		}
		c.resv_ends[k] = v->end;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		int r = jobs[i].nodes == 0 || jobs[i].size == 0 ? -CS_EINVAL : cs_shape_fits_empty(&c, (uint32_t)i);
		if (r < 0 || jobs[i].runtime_s <= 0 || jobs[i].estimate_s <= 0 ||
		    (i && jobs[i].submit_s < jobs[i - 1].submit_s)) {
			snprintf(err, errlen, "job %lld (line %u): not runnable on the empty machine "
				 "(%u nodes x %u GPUs, %u cores, %u MiB; runtime %lld, estimate %lld) "
				 "or out of submit order", (long long)jobs[i].id, jobs[i].line, jobs[i].nodes,
				 jobs[i].gpus_per_node, jobs[i].cores_per_node, jobs[i].mem_per_node_mib,
				 (long long)jobs[i].runtime_s, (long long)jobs[i].estimate_s);
			rc = -CS_EINVAL;
		}
	}
	cs_shape_memo_reset(&c); /* what cs_shape_fits_empty kept */
	/* a pass when each reservation ends: its nodes come back */
	for (size_t r = 0; rc == 0 && r < c.nresv_ends; r++)
		if (cs_evq_push(&c.evq, c.resv_ends[r], WAKE_CLASS, EV_WAKE, 0) < 0)
			rc = -CS_ENOMEM;
	if (rc == 0 && c.fs && cs_fail_begin(&c) < 0)
		rc = -CS_ENOMEM;
	if (rc == 0)
		reset_results(jobs, n);
done:
	if (rc == -CS_ENOMEM)
		snprintf(err, errlen, "out of memory");
	*cp = c;
	return rc;
}

/* Everything nodes_open allocated, and the plans' profile. */
static void nodes_close(cs_sched_ctx *cp)
{
	cs_sched_ctx c = *cp;
	int own = c.off != c.nm->placement_off || c.slots != c.nm->placements;
	cs_evq_free(&c.evq);
	if (own) {
		free(c.off);
		free(c.slots);
	}
	free(c.hold_slots);
	free(c.xh);
	free(c.part_mask);
	cs_place_free_memo(&c);
	free(c.pfirst_own);
	free(c.ptypes_own);
	free(c.set_part);
	free(c.xh_slots);
	free(c.xh_aside);
	free(c.xh_ends);
	free(c.tmp_slots);
	cs_runset_free(&c.run);
	free(c.left);
	free(c.requeued);
	free(c.snap);
	free(c.resv_slots);
	free(c.resv_ends);
	free(c.plan_start);
	free(c.planned);
	free(c.plan_pos);
	cs_plan_free(c.pl);
	free(c.resv_block);
	free(c.tmp_slots2);
	free(c.stop_at);
	free(c.stop_how);
	free(c.wi_slots);
	free(c.wi_jobs);
	free(c.wi_took);
	cs_pcap_free(&c);
}

int cs_engine_run_nodes(cs_job *jobs, size_t n, const cs_node_machine *m, const cs_engine_conv *cv,
			const cs_policy_ops *ops, void *ps, cs_engine_stats *st,
			char *err, size_t errlen)
{
	cs_sched_ctx c;
	int rc = nodes_open(&c, jobs, n, m, st, err, errlen);
	if (rc == 0)
		rc = queue_cancels(&c, ops, m->cancels, m->ncancels, err, errlen);
	if (rc == 0)
		rc = run_loop(&c, cv, ops, ps, err, errlen);
	nodes_close(&c);
	return rc;
}

/* --- a run in steps (engine_int.h) --- */

int cs_engine_open_nodes(cs_sched_ctx **out, cs_job *jobs, size_t n, const cs_node_machine *m,
			 const cs_engine_conv *cv, const cs_policy_ops *ops, void *ps, cs_engine_stats *st,
			 char *err, size_t errlen)
{
	cs_sched_ctx *c = malloc(sizeof *c);
	*out = NULL;
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	int rc = nodes_open(c, jobs, n, m, st, err, errlen);
	if (rc == 0) {
		loop_begin(c, cv, ops, ps);
		if (c->failed) {
			snprintf(err, errlen, "out of memory");
			rc = -CS_ENOMEM;
		}
	}
	if (rc < 0) {
		nodes_close(c);
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int cs_engine_advance(cs_sched_ctx *c, cs_time until) { return loop_advance(c, until); }

cs_time cs_engine_next_time(const cs_sched_ctx *c)
{
	const cs_event *e = cs_evq_peek(&c->evq);
	return e ? e->time : CS_TIME_MAX;
}

void cs_engine_close(cs_sched_ctx *c)
{
	if (!c)
		return;
	nodes_close(c);
	free(c);
}
