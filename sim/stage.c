/* capsim: stage-in and stage-out in the engine (capsim/stage.h).
 *
 * A staging job's run is three phases on the nodes it holds: SP_IN (its
 * input transfer on its tier), SP_WORK (its run time), SP_OUT (its output
 * transfer); then its END event is pushed, at that second. Its end is
 * unknown until then (end_s is CS_TIME_MAX while it runs: it is running).
 *
 * A tier serves its transfers in fluid share (max-min fair, each at most
 * its job's limit): when its set changes, share() finds the transfers
 * whose limit is below the equal share of what the others leave (they run
 * at their limit) and the rest, shared equally by the others. Between two
 * changes, over dt seconds, a limited transfer moves limit x dt bytes and
 * each other floor(rest x dt / nrest) (counted when the set changes or a
 * transfer is due: serve()). A transfer with b bytes left has moved them
 * after ceil(b / limit), or ceil(b x nrest / rest), seconds (then the
 * floor is >= b); the tier's EV_XFER is due at the soonest (an event whose
 * time is no longer the tier's due time is stale). Events: EV_XFER (data: the tier) and EV_WORK
 * (data: the job; its work is done) in the ends' class, so a transfer
 * that ends at t ends before the time's submissions and wakeups as a job's
 * end does; EV_LIMIT (data: the job; its time limit) in the wakeups' class,
 * after them: a job that ends at its limit has ended. */
#include "stage_int.h"

#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 i128;

void cs_stagesim_free(cs_stagesim *s)
{
	if (!s)
		return;
	for (uint32_t k = 0; s->t && k < s->ntiers; k++) {
		free(s->t[k].name);
		free(s->t[k].act);
	}
	free(s->t);
	free(s->j);
	free(s->done);
	free(s->order);
	free(s->node_type);
	free(s->type_bps);
	free(s->default_tier);
	free(s);
}

static char *dup_or_null(const char *v)
{
	return v ? strdup(v) : NULL;
}

/* GB/s as whole bytes a second, 1 to 10^18 (0: none). */
static int64_t bytes_per_s(double gbs)
{
	if (!(gbs > 0))
		return 0;
	double b = gbs * 1e9;
	return b < 1 ? 1 : b > 1e18 ? (int64_t)1e18 : (int64_t)(b + 0.5);
}

/* The node model's node types and their limits, copied. */
static int copy_nodes(cs_stagesim *s, const cs_stage_setup *su)
{
	s->nnodes = su->nnodes;
	s->ntypes = su->ntypes;
	s->node_type = malloc(((size_t)su->nnodes + 1) * sizeof *s->node_type);
	s->type_bps = malloc(((size_t)su->ntypes + 1) * sizeof *s->type_bps);
	if (!s->node_type || !s->type_bps)
		return -CS_ENOMEM;
	if (su->nnodes)
		memcpy(s->node_type, su->node_type, su->nnodes * sizeof *s->node_type);
	for (uint32_t k = 0; k < su->ntypes; k++)
		s->type_bps[k] = bytes_per_s(su->type_gbs ? su->type_gbs[k] : 0);
	return 0;
}

int cs_stagesim_new(cs_stagesim **out, const cs_stage_setup *su, char *err, size_t errlen)
{
	cs_stagesim *s = calloc(1, sizeof *s);
	*out = s;
	if (!s)
		goto oom;
	s->jobs = su->jobs;
	s->njobs = su->njobs;
	s->ntiers = su->ntiers;
	s->t = calloc(su->ntiers + 1, sizeof *s->t);
	s->j = calloc(su->njobs + 1, sizeof *s->j);
	if (!s->t || !s->j || (su->default_tier && !(s->default_tier = dup_or_null(su->default_tier))) ||
	    copy_nodes(s, su) < 0)
		goto oom;
	for (uint32_t k = 0; k < su->ntiers; k++) {
		stier *t = &s->t[k];
		t->gbs = su->tier_gbs[k];
		t->due = -1;
		if (!(t->name = strdup(su->tier_names[k])))
			goto oom;
		/* a tier without bandwidth is 0 here, refused below if a job stages through it */
		t->bw = bytes_per_s(t->gbs);
	}
	double *secs = calloc(su->ntiers + 1, sizeof *secs);
	if (!secs)
		goto oom;
	int64_t least = 0; /* the lowest node limit */
	for (uint32_t k = 0; k < s->ntypes; k++)
		if (s->type_bps[k] && (!least || s->type_bps[k] < least))
			least = s->type_bps[k];
	for (size_t i = 0; i < su->njobs; i++) {
		sjob *j = &s->j[i];
		j->in_b = su->in_b[i];
		j->out_b = su->out_b[i];
		j->tier = su->tier[i];
		j->limit = su->limit_s ? su->limit_s[i] : 0;
		if (!j->in_b && !j->out_b)
			continue;
		const char *bad = j->in_b < 0 || j->out_b < 0 ? "a negative size"
				  : j->tier >= su->ntiers ? "a tier out of range"
				  : !s->t[j->tier].bw ? "a tier without bandwidth" : NULL;
		if (bad) {
			snprintf(err, errlen, "job %lld (line %u): stages through %s", (long long)su->jobs[i].id,
				 su->jobs[i].line, bad);
			free(secs);
			return -CS_EINVAL;
		}
		s->t[j->tier].jobs++;
		/* at the slowest it could go: its tier's bandwidth, or its nodes' limits
		 * on the node type with the lowest */
		double rate = (double)s->t[j->tier].bw;
		if (least > 0 && (double)least * su->jobs[i].nodes < rate)
			rate = (double)least * su->jobs[i].nodes;
		secs[j->tier] += ((double)j->in_b + (double)j->out_b) / rate;
	}
	for (uint32_t k = 0; k < su->ntiers; k++)
		if (secs[k] > (double)CS_TIME_LIMIT) {
			snprintf(err, errlen, "storage tier %s: the jobs' staging through it could take %.3g s in all, "
				 "more than 2^40 s (capsim's limit for a time)", s->t[k].name, secs[k]);
			free(secs);
			return -CS_EINVAL;
		}
	free(secs);
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -CS_ENOMEM;
}

/* ---- the engine's side ------------------------------------------------------ */

int cs_stage_staged(const cs_sched_ctx *c, uint32_t jid)
{
	const sjob *j = &c->sg->j[jid];
	return j->in_b > 0 || j->out_b > 0;
}

/* Count tier t's service up to now, at its share. */
static void serve(cs_stagesim *s, stier *t, cs_time now)
{
	cs_time dt = now - t->last;
	t->last = now;
	if (dt <= 0 || !t->nact)
		return;
	i128 each = t->nrest ? (i128)t->rest * dt / t->nrest : 0;
	for (size_t i = 0; i < t->nact; i++) {
		sjob *j = &s->j[t->act[i]];
		i128 got = j->capped ? (i128)j->cap * dt : each;
		j->rem = got >= j->rem ? 0 : j->rem - (int64_t)got;
	}
	t->busy_s += dt;
	t->conc_s += (double)t->nact * (double)dt;
}

static int by_cap(const void *a, const void *b)
{
	const struct sorder *x = a, *y = b;
	if (x->cap != y->cap)
		return x->cap < y->cap ? -1 : 1;
	return (x->jid > y->jid) - (x->jid < y->jid);
}

/* Tier t's share, its set just changed (max-min fair): by increasing
 * limit, a transfer whose limit is at most an equal share of what is
 * left runs at it; the others share the rest. 0 or -CS_ENOMEM. */
static int share(cs_stagesim *s, stier *t)
{
	if (grow((void **)&s->order, &s->caporder, t->nact + 1, sizeof *s->order) < 0)
		return -CS_ENOMEM;
	for (size_t i = 0; i < t->nact; i++) {
		sjob *j = &s->j[t->act[i]];
		j->capped = 0;
		s->order[i] = (struct sorder){ j->cap > 0 ? j->cap : INT64_MAX, t->act[i] };
	}
	qsort(s->order, t->nact, sizeof *s->order, by_cap);
	int64_t rest = t->bw, n = (int64_t)t->nact;
	for (size_t i = 0; i < t->nact && s->order[i].cap != INT64_MAX && (i128)s->order[i].cap * n <= rest; i++) {
		s->j[s->order[i].jid].capped = 1;
		rest -= s->order[i].cap;
		n--;
	}
	t->rest = rest;
	t->nrest = n;
	return 0;
}

/* The tier's next EV_XFER, its set just changed: its share, and when its
 * first transfer is done. 0 or -CS_ENOMEM. */
static int reschedule(cs_sched_ctx *c, uint32_t k)
{
	stier *t = &c->sg->t[k];
	if (!t->nact) {
		t->due = -1;
		return 0;
	}
	if (share(c->sg, t) < 0)
		return -CS_ENOMEM;
	i128 dt = CS_TIME_LIMIT;
	for (size_t i = 0; i < t->nact; i++) {
		const sjob *j = &c->sg->j[t->act[i]];
		i128 d = j->capped ? ((i128)j->rem + j->cap - 1) / j->cap
				   : ((i128)j->rem * t->nrest + t->rest - 1) / t->rest;
		dt = d < dt ? d : dt;
	}
	cs_time due = c->now + (dt < 1 ? 1 : (cs_time)dt);
	if (due == t->due)
		return 0; /* its event is queued */
	t->due = due;
	return cs_evq_push(&c->evq, due, c->end_cls, EV_XFER, k);
}

/* Job jid's transfer of `bytes` (phase SP_IN or SP_OUT) begins now. */
static int xfer_begin(cs_sched_ctx *c, uint32_t jid, int64_t bytes, uint8_t phase)
{
	cs_stagesim *s = c->sg;
	sjob *j = &s->j[jid];
	stier *t = &s->t[j->tier];
	serve(s, t, c->now);
	if (grow((void **)&t->act, &t->capact, t->nact + 1, sizeof *t->act) < 0)
		return -CS_ENOMEM;
	t->act[t->nact++] = jid;
	if (t->nact > t->peak)
		t->peak = (uint32_t)t->nact;
	t->transfers++;
	j->rem = bytes;
	j->phase = phase;
	j->phase_t = c->now;
	return reschedule(c, j->tier);
}

/* Job jid's transfer stops now, before its end: what it moved is counted. */
static int xfer_cancel(cs_sched_ctx *c, uint32_t jid)
{
	cs_stagesim *s = c->sg;
	sjob *j = &s->j[jid];
	stier *t = &s->t[j->tier];
	serve(s, t, c->now);
	size_t i = 0;
	while (i < t->nact && t->act[i] != jid)
		i++;
	if (i == t->nact)
		return 0;
	memmove(t->act + i, t->act + i + 1, (t->nact - i - 1) * sizeof *t->act);
	t->nact--;
	int64_t moved = (j->phase == SP_IN ? j->in_b : j->out_b) - j->rem;
	*(j->phase == SP_IN ? &t->in_b : &t->out_b) += moved;
	return reschedule(c, j->tier);
}

/* Job jid's run is over now: its END event, at this second. */
static int finish(cs_sched_ctx *c, uint32_t jid)
{
	cs_job *job = &c->jobs[jid];
	c->sg->j[jid].phase = SP_IDLE;
	job->end_s = c->now;
	job->runtime_s = c->now - job->start_s; /* its whole run, staging included */
	return cs_evq_push(&c->evq, c->now, c->end_cls, EV_END, jid);
}

/* Job jid's work begins now (its input is in). */
static int work_begin(cs_sched_ctx *c, uint32_t jid)
{
	sjob *j = &c->sg->j[jid];
	j->phase = SP_WORK;
	j->phase_t = c->now;
	j->work_end = c->now + c->jobs[jid].runtime_s;
	return cs_evq_push(&c->evq, j->work_end, c->end_cls, EV_WORK, jid);
}

/* Job jid's limit on the nodes it holds: the sum of theirs, if every one
 * has one (bytes a second; 0: none). */
static int64_t job_cap(const cs_sched_ctx *c, uint32_t jid)
{
	const cs_stagesim *s = c->sg;
	const cs_slot *sl = c->slots + c->off[jid];
	i128 sum = 0;
	for (uint32_t i = 0; i < c->jobs[jid].nodes; i++) {
		int64_t b = sl[i].node < s->nnodes && s->node_type[sl[i].node] < s->ntypes
				    ? s->type_bps[s->node_type[sl[i].node]] : 0;
		if (!b)
			return 0;
		sum += b;
	}
	return sum > (i128)1e18 ? (int64_t)1e18 : (int64_t)sum;
}

int cs_stage_begin(cs_sched_ctx *c, uint32_t jid)
{
	sjob *j = &c->sg->j[jid];
	j->cap = job_cap(c, jid);
	j->in_s = j->out_s = 0;
	j->killed = 0;
	if (j->limit > 0 && cs_evq_push(&c->evq, c->now + j->limit, WAKE_CLASS, EV_LIMIT, jid) < 0)
		return -CS_ENOMEM;
	return j->in_b > 0 ? xfer_begin(c, jid, j->in_b, SP_IN) : work_begin(c, jid);
}

/* The seconds of the phase under way, now, into the job's books. */
static void phase_seconds(cs_sched_ctx *c, sjob *j)
{
	cs_time d = c->now - j->phase_t;
	if (j->phase == SP_IN)
		j->in_s = d;
	else if (j->phase == SP_OUT)
		j->out_s = d;
	if (j->phase == SP_IN || j->phase == SP_OUT)
		j->staged_s += d;
}

int cs_stage_stop(cs_sched_ctx *c, uint32_t jid)
{
	sjob *j = &c->sg->j[jid];
	int rc = j->phase == SP_IN || j->phase == SP_OUT ? xfer_cancel(c, jid) : 0;
	phase_seconds(c, j);
	j->phase = SP_IDLE;
	return rc;
}

/* Tier k's transfers that are done by now end: a job's input is in (its
 * work begins), or its output is out (it ends). */
static int xfer_due(cs_sched_ctx *c, uint32_t k)
{
	cs_stagesim *s = c->sg;
	stier *t = &s->t[k];
	t->due = -1;
	serve(s, t, c->now);
	if (grow((void **)&s->done, &s->capdone, t->nact + 1, sizeof *s->done) < 0)
		return -CS_ENOMEM;
	size_t nd = 0, keep = 0;
	for (size_t i = 0; i < t->nact; i++) {
		uint32_t jid = t->act[i];
		if (s->j[jid].rem > 0)
			t->act[keep++] = jid;
		else
			s->done[nd++] = jid;
	}
	t->nact = keep;
	int rc = 0;
	for (size_t i = 0; i < nd && rc == 0; i++) {
		uint32_t jid = s->done[i];
		sjob *j = &s->j[jid];
		int in = j->phase == SP_IN;
		*(in ? &t->in_b : &t->out_b) += in ? j->in_b : j->out_b;
		t->took_s += (double)(c->now - j->phase_t);
		int64_t alone = j->cap > 0 && j->cap < t->bw ? j->cap : t->bw; /* its rate alone on the tier */
		t->alone_s += (double)(((i128)(in ? j->in_b : j->out_b) + alone - 1) / alone);
		phase_seconds(c, j);
		rc = in ? work_begin(c, jid) : finish(c, jid);
	}
	return rc < 0 ? rc : reschedule(c, k);
}

void cs_stage_event(cs_sched_ctx *c, const cs_event *e)
{
	cs_stagesim *s = c->sg;
	int rc = 0;
	if (e->type == EV_XFER) {
		if (e->time == s->t[e->data].due)
			rc = xfer_due(c, e->data);
	} else if (e->type == EV_WORK) {
		sjob *j = &s->j[e->data];
		if (j->phase == SP_WORK && j->work_end == e->time)
			rc = j->out_b > 0 ? xfer_begin(c, e->data, j->out_b, SP_OUT) : finish(c, e->data);
	} else {
		/* EV_LIMIT: the run it was set for, if it still runs (a run stopped
		 * and begun again is another run, with its own limit) */
		sjob *j = &s->j[e->data];
		const cs_job *job = &c->jobs[e->data];
		if (j->phase != SP_IDLE && job->start_s >= 0 && job->start_s + j->limit == e->time) {
			rc = cs_stage_stop(c, e->data);
			j->killed = 1;
			s->killed++;
			c->jobs[e->data].flags |= CS_JOB_KILLED;
			if (rc == 0)
				rc = finish(c, e->data);
		}
	}
	if (rc < 0)
		c->failed = -CS_ENOMEM;
}
