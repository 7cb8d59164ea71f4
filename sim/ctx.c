/* capsim: the context a policy's pass sees (include/capsim/sched.h): the
 * clock and the machine as the policy may read them, and every decision
 * it makes (start, reject, hold, preempt, wake up, plan: plan.c), kept in
 * the engine's books (engine_int.h): the running set, sorted by estimated
 * end, and each job's resources. */
#include "capsim/cluster.h"
#include "capsim/power.h"
#include "engine_int.h"

#include <string.h>

cs_time cs_ctx_now(const cs_sched_ctx *c) { return c->now; }
uint32_t cs_ctx_free(const cs_sched_ctx *c)
{
	if (c->nm) {
		uint64_t f = cs_alloc_free_gpus(c->A);
		return f > UINT32_MAX ? UINT32_MAX : (uint32_t)f;
	}
	return c->free;
}
uint32_t cs_ctx_total(const cs_sched_ctx *c) { return c->total; }
int cs_ctx_node_model(const cs_sched_ctx *c) { return c->nm != NULL; }

/* Into the running set at est_end, after every entry with est_end <= it:
 * ties keep the order of insertion. 0, or -CS_ENOMEM (c->failed set: the
 * run stops). Inlined: one call a start. */
static inline __attribute__((always_inline)) int run_insert(cs_sched_ctx *c, uint32_t jid, cs_time est_end)
{
	if (cs_runset_insert(&c->run, (run_ent){ est_end, jid, c->jobs[jid].size }) < 0) {
		c->failed = -CS_ENOMEM;
		return -CS_ENOMEM;
	}
	if (c->prun)
		cs_hold_run_in(c, jid, est_end);
	return 0;
}

/* Place a job of several partitions now in the first of those chosen by
 * which where it fits; its partition becomes that one. */
static int place_in_set(cs_sched_ctx *c, uint32_t jid, int32_t s, uint64_t which)
{
	cs_job *j = &c->jobs[jid];
	const cs_partsets *ps = c->sets;
	int32_t set = j->partition;
	int rc = -CS_EINVAL;
	for (uint32_t i = 0; i < ps->first[s + 1] - ps->first[s]; i++) {
		if (!(which >> i & 1))
			continue;
		j->partition = ps->parts[ps->first[s] + i];
		rc = cs_pcap_place_start(c, jid);
		if (rc != -CS_ENOFIT)
			break;
	}
	if (rc < 0)
		j->partition = set;
	return rc;
}

int cs_ctx_start_in(cs_sched_ctx *c, uint32_t jid, uint64_t which, unsigned how)
{
	if (jid >= c->njobs)
		return -CS_EINVAL;
	cs_job *j = &c->jobs[jid];
	if (cs_ctx_not_waiting(c, jid))
		return -CS_EINVAL;
	int32_t s = c->nm ? cs_partset_of(c->sets, j->partition) : -1;
	if (s < 0 && !(which & 1))
		return -CS_EINVAL;
	/* a backfill the cap rules out whatever its nodes: no placement tried
	 * (the head's is, for its pending reason) */
	if (how == CS_START_BACKFILL) {
		c->dom_on = 1; /* (shape.c: the failed shapes' lists kept from now on) */
		if (cs_pcap_hopeless(c, jid))
			return -CS_ENOFIT;
	}
	if (c->plan_start && c->plan_start[jid] >= 0) {
		cs_plan_drop(c, jid); /* started otherwise: its plan's place is free */
		cs_plan_freed(c, c->slots + c->off[jid], NULL, j->nodes);
	}
	/* (whether the job would still run at the hold's time: read by the
	 * pooled model alone, cs_ctx_commit_start) */
	int long_run = 0;
	if (c->nm) {
		/* (without a power cap the start is the placement's) */
		int rc = s >= 0 ? place_in_set(c, jid, s, which) : c->pc ? cs_pcap_place_start(c, jid) : cs_place_start(c, jid);
		if (rc < 0)
			return rc == -CS_ENOFIT ? rc : -CS_EINVAL;
	} else {
		long_run = c->hold_on && !c->hold_lazy && jid != c->hold_jid && c->now + j->estimate_s > c->hold_time;
		if (j->size > c->free || (long_run && j->size > c->hold_extra))
			return -CS_ENOFIT;
	}
	return cs_ctx_commit_start(c, jid, how, long_run);
}

int cs_ctx_start(cs_sched_ctx *c, uint32_t jid, unsigned how)
{
	return cs_ctx_start_in(c, jid, ~0ull, how);
}

/* The bookkeeping of a start whose resources are taken (node model: the
 * job's slots hold its placement). */
int cs_ctx_commit_start(cs_sched_ctx *c, uint32_t jid, unsigned how, int long_run)
{
	cs_job *j = &c->jobs[jid];
	int32_t s = c->nm ? cs_partset_of(c->sets, j->partition) : -1;
	if (s >= 0) /* placed by a plan: in the first of its partitions that has the nodes */
		j->partition = c->sets->parts[c->sets->first[s] +
					      (uint32_t)cs_place_member(c, s, ~0ull, c->slots[c->off[jid]].node)];
	if (c->billing && c->bill_cluster && c->set_part && c->set_part[jid] >= 0) /* bills where it runs */
		c->billing[jid] = cs_cluster_billing_rate(c->bill_cluster, j->partition, j->nodes, j->gpus_per_node,
							  j->cores_per_node, j->mem_per_node_mib, j->size);
	/* a staged run's end is known only when its output is out (stage.c) */
	int staged = c->sg && cs_stage_staged(c, jid);
	if (!staged && cs_evq_push(&c->evq, c->now + j->runtime_s, c->end_cls, EV_END, jid) < 0) {
		if (c->nm) {
			cs_placement p = placement_of(c, jid);
			cs_alloc_release(c->A, &p);
		}
		c->failed = -CS_ENOMEM;
		return -CS_ENOMEM;
	}
	if (!c->nm) {
		c->free -= j->size;
		if (long_run)
			c->hold_extra -= j->size;
	}
	if (jid == c->hold_jid)
		c->hold_on = 0;
	for (size_t i = 0; i < c->nxh; i++)
		if (c->xh[i].jid == jid)
			c->xh[i].jid = UINT32_MAX; /* its hold ends */
	j->start_s = c->now;
	j->flags &= ~(uint32_t)CS_JOB_RELEASED;
	if (j->start_s == j->submit_s)
		j->reason = CS_WAIT_NONE;
	j->end_s = staged ? CS_TIME_MAX : c->now + j->runtime_s;
	if (staged && cs_stage_begin(c, jid) < 0) {
		c->failed = -CS_ENOMEM; /* the run stops: nothing to undo */
		return -CS_ENOMEM;
	}
	if (c->nm)
		cs_place_started(c, jid);
	if (how == CS_START_BACKFILL)
		j->flags |= CS_JOB_BACKFILLED;
	c->waiting--;
	if (run_insert(c, jid, c->now + j->estimate_s) < 0)
		return -CS_ENOMEM; /* (the run stops) */
	if (c->pl)
		cs_plan_running(c, jid, 1);
	if (c->pc)
		cs_pcap_run(c, jid, 1);
	observe(c, CS_OBS_START, jid);
	return 0;
}

int cs_ctx_nofit_bound(cs_sched_ctx *c, uint32_t jid, cs_time *est_max)
{
	if (!c->nm || jid >= c->njobs || cs_partset_of(c->sets, c->jobs[jid].partition) >= 0)
		return 0;
	return cs_place_nofit_bound(c, jid, est_max);
}

uint64_t cs_ctx_nofit_key(cs_sched_ctx *c, uint32_t jid)
{
	if (!c->nm || jid >= c->njobs || cs_partset_of(c->sets, c->jobs[jid].partition) >= 0)
		return 0;
	return cs_shape_kept_key(c, jid);
}

uint64_t cs_ctx_part_key(cs_sched_ctx *c, uint32_t jid)
{
	if (!c->nm || jid >= c->njobs || cs_partset_of(c->sets, c->jobs[jid].partition) >= 0)
		return 0;
	return cs_shape_part_key(c, jid);
}

/* (cs_shape_part_key sums type_freed, which moves only with freed_all;
 * a pooled machine's keys are all 0) */
uint64_t cs_ctx_given_back(const cs_sched_ctx *c) { return c->nm ? c->freed_all : 0; }

uint32_t cs_ctx_fit_gen(const cs_sched_ctx *c) { return c->memo_gen; }

int cs_ctx_shadow(const cs_sched_ctx *c, uint32_t procs, cs_time *when, uint32_t *free_then)
{
	if (c->nm || procs > c->total)
		return -CS_EINVAL;
	uint64_t f = c->free;
	if (procs <= f) {
		*when = c->now;
		*free_then = (uint32_t)f;
		return 0;
	}
	cs_runset_it w;
	const run_ent *re = cs_runset_begin(&w, &c->run);
	for (; re; re = cs_runset_next(&w)) {
		f += re->size;
		if (f >= procs)
			break;
	}
	/* re: the machine can hold procs once all running jobs end */
	cs_time t = re->est_end > c->now ? re->est_end : c->now;
	while ((re = cs_runset_next(&w))) {
		cs_time e = re->est_end > c->now ? re->est_end : c->now;
		if (e != t)
			break;
		f += re->size;
	}
	*when = t;
	*free_then = (uint32_t)f;
	return 0;
}

const char *const cs_wait_names[CS_WAIT_N] = { "None", "Priority", "Resources", "AssocGrpCpuLimit",
						"AssocMaxJobsLimit", "AssocMaxSubmitJobLimit",
						"AssocGrpCPUMinutesLimit", "Reservation", "AssocGrpGRES",
						"AssocGrpGRESMinutes", "AssocGrpMemLimit", "AssocGrpNodeLimit",
						"AssocGrpBilling", "AssocGrpMemMinutes", "AssocGrpNodeMinutes",
						"AssocGrpBillingMinutes", "AssocGrpJobsLimit", "AssocGrpSubmitJobsLimit",
						"AssocMaxCpuPerJobLimit", "AssocMaxMemPerJob", "AssocMaxNodePerJobLimit",
						"AssocMaxGRESPerJob", "AssocMaxBillingPerJob", "PowerCap" };

void cs_ctx_pending(cs_sched_ctx *c, uint32_t jid, unsigned reason)
{
	if (jid >= c->njobs || reason >= CS_WAIT_N || c->jobs[jid].start_s >= 0 ||
	    (c->jobs[jid].flags & CS_JOB_CANCELLED))
		return;
	/* a job held off only by an advance reservation, or by the power cap, in this pass */
	if (reason == CS_WAIT_RESOURCES && c->resv_block && c->resv_block[jid] == c->st->passes)
		reason = CS_WAIT_RESERVATION;
	else if (reason == CS_WAIT_RESOURCES && c->pw_block &&
		 (c->pw_block[jid] == c->st->passes || (c->plan_start && c->plan_start[jid] >= 0 && c->pw_late[jid])))
		reason = CS_WAIT_POWERCAP; /* (a plan the cap put later than its nodes would) */
	c->jobs[jid].reason = (uint8_t)reason;
}

/* Waiting job jid leaves the queue for good (rejected or cancelled,
 * `flag`): a plan it held gives its place back, so the next plans may
 * take it. */
static void leave_queue(cs_sched_ctx *c, uint32_t jid, uint32_t flag)
{
	c->jobs[jid].flags |= flag;
	if (c->plan_start && c->plan_start[jid] >= 0) {
		cs_plan_drop(c, jid);
		cs_plan_freed(c, c->slots + c->off[jid], NULL, c->jobs[jid].nodes);
	}
	c->waiting--;
}

void cs_ctx_reject(cs_sched_ctx *c, uint32_t jid, unsigned reason)
{
	if (cs_ctx_not_waiting(c, jid))
		return;
	leave_queue(c, jid, CS_JOB_REJECTED);
	if (reason < CS_WAIT_N)
		c->jobs[jid].reason = (uint8_t)reason;
	c->st->rejected++;
	observe(c, CS_OBS_REJECT, jid);
}

int cs_ctx_cancel_due(cs_sched_ctx *c, uint32_t jid)
{
	cs_job *j = &c->jobs[jid];
	if (j->start_s >= 0 && !(j->flags & CS_JOB_RELEASED) && j->end_s > c->now) {
		c->st->cancelled_running++;
		cs_ctx_stop_run(c, jid, 0, CS_JOB_CANCELLED, CS_OBS_CANCEL);
		return 1;
	}
	/* jobs are submitted in index order: those below next_submit were */
	if (jid >= c->loop.next_submit || cs_ctx_not_waiting(c, jid)) {
		c->st->cancels_missed++;
		return 0;
	}
	cs_policy_cancel_op(c->loop.ops)(c->loop.ps, jid); /* present: checked before the run */
	leave_queue(c, jid, CS_JOB_CANCELLED);
	j->end_s = c->now;
	if (c->nm)
		cs_hold_forget(c, jid);
	c->st->cancelled_waiting++;
	observe(c, CS_OBS_CANCEL, jid);
	return 1;
}

int cs_ctx_wakeup(cs_sched_ctx *c, cs_time when)
{
	if (when <= c->now)
		return -CS_EINVAL;
	if (cs_evq_push(&c->evq, when, WAKE_CLASS, EV_WAKE, 0) < 0) {
		c->failed = -CS_ENOMEM;
		return -CS_ENOMEM;
	}
	return 0;
}

size_t cs_ctx_nrunning(const cs_sched_ctx *c) { return c->run.n; }

void cs_ctx_running(const cs_sched_ctx *c, size_t i, cs_time *est_end, uint32_t *size, uint32_t *jid)
{
	const run_ent *re = cs_runset_at(&c->run, i);
	*est_end = re->est_end;
	*size = re->size;
	if (jid)
		*jid = re->jid;
}

/* The set a job of several partitions holds for (its own, or the scratch
 * partition's during cs_ctx_hold_in): the set of the job. */
static int32_t set_of_job(const cs_sched_ctx *c, uint32_t jid)
{
	int32_t p = c->set_part ? c->set_part[jid] : -1;
	return cs_partset_of(c->sets, p);
}

/* A job of several partitions holds nodes of one of them: the node types of
 * that one only concern other jobs. */
static uint64_t hold_mask_of(const cs_sched_ctx *c, uint32_t jid, const cs_slot *slots)
{
	int32_t s = set_of_job(c, jid);
	int i = s >= 0 ? cs_place_member(c, s, ~0ull, slots[0].node) : -1;
	return i >= 0 ? c->part_mask[c->sets->parts[c->sets->first[s] + (uint32_t)i]] : cs_place_mask(c, jid);
}

int cs_ctx_hold(cs_sched_ctx *c, uint32_t jid, cs_time *when)
{
	if (cs_ctx_not_waiting(c, jid))
		return -CS_EINVAL;
	c->hold_on = 0;
	c->hold_lazy = 0;
	c->nxh = c->xh_nslots = 0;
	cs_time t;
	if (c->nm) {
		c->hold_mask = cs_place_mask(c, jid);
		cs_shape_memo_reset(c); /* failures against the old hold's aside no longer hold */
		if (!when && c->jobs[jid].reservation_s >= 0 && !cs_place_multi(c, jid) && !c->pc) {
			/* computed when a job that fits now needs it (cs_place_start) */
			c->hold_on = c->hold_lazy = 1;
			c->hold_jid = jid;
			return 0;
		}
		int rc = cs_hold_find(c, jid, c->hold_slots, &c->hold_n, &t, &c->hold_stamp);
		if (rc < 0)
			return rc;
		if (cs_place_multi(c, jid))
			c->hold_mask = hold_mask_of(c, jid, c->hold_slots);
	} else {
		uint32_t f;
		int rc = cs_ctx_shadow(c, c->jobs[jid].size, &t, &f);
		if (rc < 0)
			return rc;
		c->hold_extra = f - c->jobs[jid].size;
	}
	c->hold_on = 1;
	c->hold_jid = jid;
	c->hold_time = t;
	if (when)
		*when = t;
	cs_ctx_reserve(c, jid, t);
	return 0;
}

int cs_ctx_hold_add(cs_sched_ctx *c, uint32_t jid, cs_time *when)
{
	if (cs_ctx_not_waiting(c, jid) || !c->nm)
		return -CS_EINVAL;
	if (!c->hold_on)
		return cs_ctx_hold(c, jid, when);
	if (jid == c->hold_jid)
		return -CS_EINVAL;
	for (size_t i = 0; i < c->nxh; i++)
		if (c->xh[i].jid == jid)
			return -CS_EINVAL;
	uint64_t mask = cs_place_mask(c, jid);
	uint32_t nodes = c->jobs[jid].nodes;
	size_t maxn = c->hold_n > nodes ? c->hold_n : nodes;
	if (grow((void **)&c->xh, &c->xh_cap, c->nxh + 1, sizeof *c->xh) < 0 ||
	    grow((void **)&c->xh_slots, &c->xh_slots_cap, c->xh_nslots + nodes, sizeof *c->xh_slots) < 0 ||
	    grow((void **)&c->xh_aside, &c->xh_aside_cap, maxn + c->xh_nslots + nodes, sizeof *c->xh_aside) < 0 ||
	    grow((void **)&c->xh_ends, &c->xh_ends_cap, c->nxh + 2, sizeof *c->xh_ends) < 0) {
		c->failed = -CS_ENOMEM;
		return -CS_ENOMEM;
	}
	/* the earlier holds on node types it may use must be placed first */
	int meets = 0;
	if (c->hold_on && (mask & c->hold_mask)) {
		meets = 1;
		if (c->hold_lazy) {
			cs_place_first_hold(c);
			if (!c->hold_on)
				return -CS_EINVAL;
		}
	}
	for (size_t i = 0; i < c->nxh; i++)
		if (c->xh[i].jid != UINT32_MAX && (mask & c->xh[i].mask)) {
			meets = 1;
			if (c->xh[i].lazy && cs_place_xhold(c, i) < 0)
				return -CS_EINVAL;
		}
	size_t k = c->nxh++;
	c->xh[k] = (struct xhold){ .jid = jid, .first = c->xh_nslots, .mask = mask };
	c->xh_nslots += nodes;
	cs_shape_memo_reset(c); /* what failed before the hold may fit no longer the same way */
	if (!meets && !when && c->jobs[jid].reservation_s >= 0 && !cs_place_multi(c, jid) && !c->pc) {
		/* alone on its node types, and its reservation recorded: placed
		 * when a job that may use them needs it (as the first hold) */
		c->xh[k].lazy = 1;
		return 0;
	}
	int rc = cs_place_xhold(c, k);
	if (rc < 0) {
		c->nxh--;
		c->xh_nslots -= nodes;
		return rc;
	}
	if (cs_place_multi(c, jid))
		c->xh[k].mask = hold_mask_of(c, jid, c->xh_slots + c->xh[k].first);
	if (when)
		*when = c->xh[k].time;
	cs_ctx_reserve(c, jid, c->xh[k].time);
	return 0;
}

int cs_ctx_hold_in(cs_sched_ctx *c, uint32_t jid, uint64_t which, cs_time *when)
{
	if (jid >= c->njobs || !c->nm)
		return -CS_EINVAL;
	cs_job *j = &c->jobs[jid];
	int32_t s = cs_partset_of(c->sets, j->partition);
	if (s < 0) {
		if (!(which & 1))
			return -CS_EINVAL;
		int rc = cs_ctx_hold_add(c, jid, when);
		return rc < 0 ? rc : 0;
	}
	uint32_t n = c->sets->first[s + 1] - c->sets->first[s];
	uint64_t all = n >= 64 ? ~0ull : (1ull << n) - 1;
	which &= all;
	if (!which)
		return -CS_EINVAL;
	int32_t set = j->partition;
	if (which != all)
		j->partition = cs_place_scratch(c, s, which);
	cs_time t;
	int rc = cs_ctx_hold_add(c, jid, &t);
	j->partition = set;
	if (rc < 0)
		return rc;
	if (when)
		*when = t;
	const cs_slot *slots = c->hold_on && c->hold_jid == jid ? c->hold_slots : c->xh_slots + c->xh[c->nxh - 1].first;
	int i = cs_place_member(c, s, which, slots[0].node);
	return i < 0 ? -CS_EINVAL : i;
}

void cs_ctx_reserve(cs_sched_ctx *c, uint32_t jid, cs_time when)
{
	if (jid < c->njobs && c->jobs[jid].reservation_s < 0)
		c->jobs[jid].reservation_s = when;
}

/* Job jid, entered at est_end, left the running set: out of the
 * partitions' lists too, and noted for cs_ctx_left. */
static void run_left(cs_sched_ctx *c, uint32_t jid, cs_time est_end)
{
	if (c->prun)
		cs_hold_run_out(c, jid, est_end);
	if (c->nleft == c->left_cap) {
		size_t cap = c->left_cap ? 2 * c->left_cap : 64;
		uint32_t *l = realloc(c->left, cap * sizeof *l);
		if (!l) {
			c->failed = -CS_ENOMEM;
			return;
		}
		c->left = l;
		c->left_cap = cap;
	}
	c->left[c->nleft++] = jid;
}

void cs_ctx_run_remove(cs_sched_ctx *c, uint32_t jid)
{
	cs_time e = cs_run_est_end(c, jid);
	if (cs_runset_remove(&c->run, e, jid)) /* (it is there: every started job is) */
		run_left(c, jid, e);
}

const run_ent *cs_ctx_run_erase(cs_sched_ctx *c, cs_runset_it *w)
{
	run_ent v = *w->e;
	const run_ent *next = cs_runset_erase(&c->run, w);
	run_left(c, v.jid, v.est_end);
	return next;
}

size_t cs_ctx_nleft(const cs_sched_ctx *c) { return c->nleft; }

uint32_t cs_ctx_left(const cs_sched_ctx *c, size_t i) { return c->left[i]; }

void cs_ctx_free_resources(cs_sched_ctx *c, uint32_t jid)
{
	cs_job *j = &c->jobs[jid];
	j->flags |= CS_JOB_RELEASED;
	if (c->pc)
		cs_pcap_run(c, jid, 0);
	if (c->nm) {
		cs_placement p = placement_of(c, jid);
		cs_alloc_release(c->A, &p);
		cs_place_changed(c, jid, 1);
		if (c->pl) {
			cs_plan_running(c, jid, 0);
			if (c->now < cs_run_est_end(c, jid))
				cs_plan_freed(c, p.slots, NULL, p.n); /* before its estimated end */
		}
	} else {
		c->free += j->size;
	}
}

void cs_ctx_stop_run(cs_sched_ctx *c, uint32_t jid, int requeue, uint32_t flag, unsigned what)
{
	cs_job *j = &c->jobs[jid];
	if (c->sg && cs_stage_stop(c, jid) < 0)
		c->failed = -CS_ENOMEM;
	cs_ctx_run_remove(c, jid);
	cs_ctx_free_resources(c, jid);
	if (c->stop_at)
		c->stop_at[jid] = -1;
	/* what was free grew: failures remembered in this pass and the hold
	 * no longer stand */
	cs_shape_memo_reset(c);
	c->hold_on = c->hold_lazy = 0;
	c->nxh = c->xh_nslots = 0;
	if (!requeue) {
		j->runtime_s = c->now - j->start_s;
		j->end_s = c->now;
		j->flags |= flag;
		observe(c, what, jid);
		return;
	}
	j->preempted_s += c->now - j->start_s;
	j->start_s = j->end_s = -1;
	j->flags &= ~(uint32_t)CS_JOB_BACKFILLED;
	j->reason = CS_WAIT_PRIORITY;
	c->waiting++;
	c->requeued[c->nrequeued++] = jid;
	observe(c, what, jid);
	if (c->set_part && c->set_part[jid] >= 0)
		j->partition = c->set_part[jid]; /* it may start in any of its partitions again */
}

/* Job jid, running, stops now (cs_ctx_preempt's second half). */
static void stop_now(cs_sched_ctx *c, uint32_t jid, unsigned how)
{
	c->jobs[jid].preemptions++;
	c->st->preemptions++;
	if (how != CS_PREEMPT_KILL)
		c->st->requeues++;
	cs_ctx_stop_run(c, jid, how != CS_PREEMPT_KILL, CS_JOB_PREEMPT_KILLED, CS_OBS_PREEMPT);
}

/* The checks cs_ctx_preempt and cs_ctx_preempt_after share: 0 if jid
 * runs and may be stopped `how`. */
static int preemptible(const cs_sched_ctx *c, uint32_t jid, unsigned how)
{
	if (jid >= c->njobs || how > CS_PREEMPT_KILL)
		return -CS_EINVAL;
	const cs_job *j = &c->jobs[jid];
	if (j->start_s < 0 || (j->flags & CS_JOB_RELEASED) || j->end_s <= c->now)
		return -CS_EINVAL;
	if (how == CS_PREEMPT_REQUEUE && !c->requeued)
		return -CS_ENOMEM;
	return 0;
}

int cs_ctx_preempt(cs_sched_ctx *c, uint32_t jid, unsigned how)
{
	int rc = preemptible(c, jid, how);
	if (rc < 0)
		return rc;
	stop_now(c, jid, how);
	return 0;
}

int cs_ctx_preempt_after(cs_sched_ctx *c, uint32_t jid, unsigned how, cs_time grace)
{
	if (grace < 0 || grace > CS_TIME_LIMIT)
		return -CS_EINVAL;
	if (grace == 0)
		return cs_ctx_preempt(c, jid, how);
	int rc = preemptible(c, jid, how);
	if (rc < 0)
		return rc;
	if (!c->stop_at) {
		c->stop_at = malloc((c->njobs + 1) * sizeof *c->stop_at);
		c->stop_how = malloc(c->njobs + 1);
		if (!c->stop_at || !c->stop_how) {
			free(c->stop_at);
			free(c->stop_how);
			c->stop_at = NULL;
			c->stop_how = NULL;
			c->failed = -CS_ENOMEM;
			return -CS_ENOMEM;
		}
		for (size_t i = 0; i < c->njobs; i++)
			c->stop_at[i] = -1;
	}
	if (c->stop_at[jid] >= 0)
		return -CS_EINVAL; /* signalled already: its grace runs */
	cs_time stop = c->now + grace;
	if (cs_evq_push(&c->evq, stop, WAKE_CLASS, EV_STOP, jid) < 0) {
		c->failed = -CS_ENOMEM;
		return -CS_ENOMEM;
	}
	/* it runs on, expected to end by the grace's end: its place in the
	 * running set (and, with plans, its give-back) moves there */
	cs_time before = cs_run_est_end(c, jid);
	if (c->pl)
		cs_plan_running(c, jid, 0);
	cs_ctx_run_remove(c, jid);
	c->stop_at[jid] = stop;
	c->stop_how[jid] = (uint8_t)how;
	if (c->nm)
		cs_place_changed(c, jid, 0);
	cs_time after = cs_run_est_end(c, jid);
	if (run_insert(c, jid, after) < 0)
		return -CS_ENOMEM; /* (the run stops) */
	if (c->pl) {
		cs_plan_running(c, jid, 1);
		if (after < before)
			cs_plan_freed(c, c->slots + c->off[jid], NULL, c->jobs[jid].nodes);
	}
	c->st->signalled++;
	/* a hold worked out in this pass assumed the old end */
	cs_shape_memo_reset(c);
	c->hold_on = c->hold_lazy = 0;
	c->nxh = c->xh_nslots = 0;
	return 0;
}

int cs_ctx_stop_due(cs_sched_ctx *c, uint32_t jid)
{
	if (!c->stop_at || jid >= c->njobs || c->stop_at[jid] != c->now)
		return 0;
	unsigned how = c->stop_how[jid];
	if (preemptible(c, jid, how) < 0) {
		c->stop_at[jid] = -1;
		return 0; /* it ended (counted at its end) */
	}
	stop_now(c, jid, how); /* (it finds the job in the running set at its grace end) */
	return 1;
}

/* Could running job jid be stopped now (cs_ctx_preempt's test, whatever
 * the mode)? */
static int stoppable(const cs_sched_ctx *c, uint32_t jid)
{
	const cs_job *j = &c->jobs[jid];
	return j->start_s >= 0 && !(j->flags & CS_JOB_RELEASED) && j->end_s > c->now;
}

/* Does job v hold anything on a node of placement p? */
static int meets(const cs_sched_ctx *c, uint32_t v, const cs_placement *p)
{
	const cs_slot *s = c->slots + c->off[v];
	for (uint32_t i = 0; i < c->jobs[v].nodes; i++)
		for (uint32_t k = 0; k < p->n; k++)
			if (s[i].node == p->slots[k].node)
				return 1;
	return 0;
}

int cs_ctx_fits_without(cs_sched_ctx *c, uint32_t jid, const uint32_t *victims, size_t n, uint8_t *on_nodes)
{
	if (jid >= c->njobs || (n && !victims))
		return -CS_EINVAL;
	const cs_job *j = &c->jobs[jid];
	if (cs_ctx_not_waiting(c, jid))
		return -CS_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (victims[i] >= c->njobs)
			return -CS_EINVAL;
	if (grow((void **)&c->wi_jobs, &c->wi_jobs_cap, n + 1, sizeof *c->wi_jobs) < 0 ||
	    grow((void **)&c->wi_took, &c->wi_took_cap, n + 1, 1) < 0 ||
	    (c->nm && grow((void **)&c->wi_slots, &c->wi_slots_cap, j->nodes, sizeof *c->wi_slots) < 0)) {
		c->failed = -CS_ENOMEM;
		return -CS_ENOMEM;
	}
	/* take the victims out, each once (marked released meanwhile) */
	size_t k = 0;
	uint64_t freed = 0;
	int64_t freed_mw = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t v = victims[i];
		c->wi_took[i] = 0;
		if (!stoppable(c, v))
			continue;
		c->wi_took[i] = 1;
		c->wi_jobs[k++] = v;
		if (c->pc)
			freed_mw += c->pw_draw[v];
		c->jobs[v].flags |= CS_JOB_RELEASED;
		if (c->nm) {
			cs_placement p = placement_of(c, v);
			cs_alloc_release(c->A, &p);
		} else {
			freed += c->jobs[v].size;
		}
	}
	int fits;
	cs_placement hp = { c->wi_slots, j->nodes, 0 };
	if (c->nm) {
		/* the placement a start right after the stops would try (no hold
		 * left); its side notes for the pending reason kept as they were */
		int resv_hit = c->resv_hit;
		uint64_t block = c->resv_block[jid];
		int building = c->xh_building;
		c->xh_building = 0;
		int rc = cs_place_try_at(c, jid, &hp, c->now);
		c->xh_building = building;
		c->resv_hit = resv_hit;
		c->resv_block[jid] = block;
		fits = rc == 0;
		/* under the power cap, at the draw left once they stop (the holds end with a stop) */
		if (fits && c->pc && c->pw_used - freed_mw + cs_pcap_draw(c, hp.slots, hp.n) > c->pc->budget_mw) {
			cs_alloc_release(c->A, &hp);
			fits = 0;
		}
	} else {
		fits = j->size <= (uint64_t)c->free + freed;
	}
	if (on_nodes)
		for (size_t i = 0; i < n; i++)
			on_nodes[i] = fits && c->wi_took[i] && (!c->nm || meets(c, victims[i], &hp));
	if (c->nm && fits)
		cs_alloc_release(c->A, &hp);
	for (size_t i = 0; i < k; i++) {
		uint32_t v = c->wi_jobs[i];
		c->jobs[v].flags &= ~(uint32_t)CS_JOB_RELEASED;
		if (c->nm) {
			cs_placement p = placement_of(c, v);
			cs_alloc_take(c->A, &p); /* cannot fail: exactly what was given back */
		}
	}
	return fits;
}
