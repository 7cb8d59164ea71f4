/* capsim: the discrete-event engine.
 *
 * Two event types: SUBMIT (job enters the policy's queue) and END (job
 * leaves the machine). Submissions are fed lazily: one pending SUBMIT sits
 * in the queue at a time, the next pushed when it pops, so the heap holds
 * at most (running jobs + 1) events. Because the class decides order before
 * the insertion sequence, this gives exactly the order of pushing all
 * submissions up front.
 */
#include "capsim/engine.h"
#include "capsim/evq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EV_SUBMIT = 0, EV_END = 1, EV_WAKE = 2 };

/* A wakeup a policy asked for comes after the ends and submissions of its
 * time, so the pass it triggers sees them all. */
#define WAKE_CLASS 2u

/* A running job as the scheduler sees it, kept sorted by estimated end. */
typedef struct run_ent {
	cs_time est_end;
	uint32_t jid;
	uint32_t size;
} run_ent;

struct cs_sched_ctx {
	cs_job *jobs;
	size_t njobs;
	uint32_t total, free;
	cs_time now;
	cs_evq evq;
	unsigned end_cls;
	cs_time released_at; /* release=estimate: the time early_release last ran */
	run_ent *run;    /* sorted by est_end; ties in start order */
	size_t nrun;
	size_t waiting;  /* submitted, not started */
	cs_engine_stats *st;
	int failed;      /* a policy asked for something impossible */
};

cs_time cs_ctx_now(const cs_sched_ctx *c) { return c->now; }
uint32_t cs_ctx_free(const cs_sched_ctx *c) { return c->free; }
uint32_t cs_ctx_total(const cs_sched_ctx *c) { return c->total; }

static size_t run_lower_bound(const cs_sched_ctx *c, cs_time t)
{
	size_t lo = 0, hi = c->nrun;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->run[mid].est_end < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int cs_ctx_start(cs_sched_ctx *c, uint32_t jid, unsigned how)
{
	if (jid >= c->njobs)
		return -CS_EINVAL;
	cs_job *j = &c->jobs[jid];
	if (j->start_s >= 0 || j->submit_s > c->now)
		return -CS_EINVAL;
	if (j->size > c->free)
		return -CS_ENOFIT;
	if (cs_evq_push(&c->evq, c->now + j->runtime_s, c->end_cls, EV_END, jid) < 0) {
		c->failed = -CS_ENOMEM;
		return -CS_ENOMEM;
	}
	c->free -= j->size;
	j->start_s = c->now;
	if (j->start_s == j->submit_s)
		j->reason = CS_WAIT_NONE;
	j->end_s = c->now + j->runtime_s;
	if (how == CS_START_BACKFILL)
		j->flags |= CS_JOB_BACKFILLED;
	c->waiting--;
	/* insert after every entry with est_end <= ours: ties keep start order */
	cs_time est_end = c->now + j->estimate_s;
	size_t pos = run_lower_bound(c, est_end + 1);
	memmove(&c->run[pos + 1], &c->run[pos], (c->nrun - pos) * sizeof *c->run);
	c->run[pos] = (run_ent){ est_end, jid, j->size };
	c->nrun++;
	return 0;
}

int cs_ctx_shadow(const cs_sched_ctx *c, uint32_t procs, cs_time *when, uint32_t *free_then)
{
	if (procs > c->total)
		return -CS_EINVAL;
	uint64_t f = c->free;
	if (procs <= f) {
		*when = c->now;
		*free_then = (uint32_t)f;
		return 0;
	}
	size_t i = 0;
	for (; i < c->nrun; i++) {
		f += c->run[i].size;
		if (f >= procs)
			break;
	}
	/* i < nrun: the machine can hold procs once all running jobs end */
	cs_time t = c->run[i].est_end > c->now ? c->run[i].est_end : c->now;
	for (i++; i < c->nrun; i++) {
		cs_time e = c->run[i].est_end > c->now ? c->run[i].est_end : c->now;
		if (e != t)
			break;
		f += c->run[i].size;
	}
	*when = t;
	*free_then = (uint32_t)f;
	return 0;
}

const char *const cs_wait_names[CS_WAIT_N] = { "None", "Priority", "Resources", "AssocGrpCpuLimit",
						"AssocMaxJobsLimit", "AssocMaxSubmitJobLimit",
						"AssocGrpCPUMinutesLimit" };

void cs_ctx_pending(cs_sched_ctx *c, uint32_t jid, unsigned reason)
{
	if (jid < c->njobs && reason < CS_WAIT_N && c->jobs[jid].start_s < 0)
		c->jobs[jid].reason = (uint8_t)reason;
}

void cs_ctx_reject(cs_sched_ctx *c, uint32_t jid, unsigned reason)
{
	if (jid >= c->njobs || c->jobs[jid].start_s >= 0 || (c->jobs[jid].flags & CS_JOB_REJECTED) ||
	    c->jobs[jid].submit_s > c->now)
		return;
	c->jobs[jid].flags |= CS_JOB_REJECTED;
	if (reason < CS_WAIT_N)
		c->jobs[jid].reason = (uint8_t)reason;
	c->waiting--;
	c->st->rejected++;
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

size_t cs_ctx_nrunning(const cs_sched_ctx *c) { return c->nrun; }

void cs_ctx_running(const cs_sched_ctx *c, size_t i, cs_time *est_end, uint32_t *size, uint32_t *jid)
{
	*est_end = c->run[i].est_end;
	*size = c->run[i].size;
	if (jid)
		*jid = c->run[i].jid;
}

void cs_ctx_reserve(cs_sched_ctx *c, uint32_t jid, cs_time when)
{
	if (jid < c->njobs && c->jobs[jid].reservation_s < 0)
		c->jobs[jid].reservation_s = when;
}

static void run_remove(cs_sched_ctx *c, uint32_t jid)
{
	cs_job *j = &c->jobs[jid];
	size_t i = run_lower_bound(c, j->start_s + j->estimate_s);
	while (i < c->nrun && c->run[i].jid != jid)
		i++;
	if (i == c->nrun)
		return; /* cannot happen: every started job is in the set */
	memmove(&c->run[i], &c->run[i + 1], (c->nrun - i - 1) * sizeof *c->run);
	c->nrun--;
}

static void release(cs_sched_ctx *c, uint32_t jid)
{
	cs_job *j = &c->jobs[jid];
	j->flags |= CS_JOB_RELEASED;
	c->free += j->size;
	run_remove(c, jid);
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
	size_t i = 0;
	while (i < c->nrun && c->run[i].est_end <= c->now) {
		uint32_t jid = c->run[i].jid;
		if (c->jobs[jid].end_s == c->now) {
			c->jobs[jid].flags |= CS_JOB_RELEASED;
			c->free += c->run[i].size;
			memmove(&c->run[i], &c->run[i + 1], (c->nrun - i - 1) * sizeof *c->run);
			c->nrun--;
			c->st->early_releases++;
		} else {
			i++;
		}
	}
}

int cs_engine_run(cs_job *jobs, size_t n, uint32_t procs, const cs_engine_conv *cv,
		  const cs_policy_ops *ops, void *ps, cs_engine_stats *st,
		  char *err, size_t errlen)
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
		jobs[i].start_s = jobs[i].end_s = jobs[i].reservation_s = -1;
		jobs[i].reason = CS_WAIT_NONE;
		jobs[i].flags &= ~(uint32_t)(CS_JOB_BACKFILLED | CS_JOB_RELEASED | CS_JOB_REJECTED);
	}
	cs_sched_ctx c = { .jobs = jobs, .njobs = n, .total = procs, .free = procs, .st = st, .released_at = -1 };
	unsigned submit_cls = cv->same_time == CS_SAME_SUBMIT_FIRST ? 0 : 1;
	c.end_cls = 1 - submit_cls;
	/* at most one running job per processor */
	c.run = malloc(((size_t)procs + 1) * sizeof *c.run);
	if (!c.run || cs_evq_init(&c.evq, (size_t)procs + 2) < 0) {
		free(c.run);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	size_t next_submit = 0;
	if (n)
		cs_evq_push(&c.evq, jobs[0].submit_s, submit_cls, EV_SUBMIT, 0);
	int pending = 0;            /* per-time: a pass is owed at the end of this time */
	uint32_t min_new_size = UINT32_MAX; /* per-time, if-fits: smallest job submitted now */
	cs_event e;
	while (cs_evq_pop(&c.evq, &e) == 0) {
		c.now = e.time;
		st->events++;
		int trigger = 0;
		if (e.type == EV_SUBMIT) {
			next_submit++;
			if (next_submit < n &&
			    cs_evq_push(&c.evq, jobs[next_submit].submit_s, submit_cls, EV_SUBMIT,
					(uint32_t)next_submit) < 0)
				goto oom;
			c.waiting++;
			jobs[e.data].reason = CS_WAIT_PRIORITY;
			if (c.waiting > st->max_queue)
				st->max_queue = c.waiting;
			ops->submit(ps, e.data);
			if (cv->submit_pass == CS_SUBMIT_ALWAYS) {
				trigger = 1;
			} else if (cv->pass == CS_PASS_PER_EVENT) {
				if (cv->release == CS_RELEASE_ESTIMATE)
					early_release(&c);
				trigger = jobs[e.data].size <= c.free;
			} else if (jobs[e.data].size < min_new_size) {
				min_new_size = jobs[e.data].size;
			}
		} else if (e.type == EV_END) {
			if (!(jobs[e.data].flags & CS_JOB_RELEASED))
				release(&c, e.data);
			trigger = 1;
		} else {
			st->wakeups++;
			trigger = c.waiting > 0;
		}
		if (cv->pass == CS_PASS_PER_EVENT) {
			if (!trigger)
				continue;
		} else {
			pending |= trigger;
			const cs_event *nx = cs_evq_peek(&c.evq);
			if (nx && nx->time == c.now)
				continue;
			if (cv->release == CS_RELEASE_ESTIMATE)
				early_release(&c);
			if (min_new_size <= c.free)
				pending = 1;
			min_new_size = UINT32_MAX;
			if (!pending)
				continue;
			pending = 0;
		}
		if (cv->release == CS_RELEASE_ESTIMATE)
			early_release(&c);
		st->passes++;
		ops->pass(ps, &c);
		if (c.failed)
			goto oom;
	}
	cs_evq_free(&c.evq);
	free(c.run);
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].start_s < 0 && !(jobs[i].flags & CS_JOB_REJECTED)) {
			snprintf(err, errlen, "policy %s never started job %lld (line %u): "
				 "the queue was left non-empty", ops->name, (long long)jobs[i].id,
				 jobs[i].line);
			return -CS_EINVAL;
		}
	}
	return 0;
oom:
	cs_evq_free(&c.evq);
	free(c.run);
	snprintf(err, errlen, "out of memory");
	return -CS_ENOMEM;
}
