/* capsim: stage-in and stage-out in the engine (capsim/stage.h).
 *
 * A staging job's run is three phases on the nodes it holds: SP_IN (its
 * input transfer on its tier), SP_WORK (its run time), SP_OUT (its output
 * transfer); then its END event is pushed, at that second. Its end is
 * unknown until then (end_s is CS_TIME_MAX while it runs: it is running).
 *
 * A tier serves its transfers in fluid share: between two changes of its
 * set, over dt seconds, each of its n transfers moves floor(bw x dt / n)
 * bytes (counted when the set changes or a transfer is due: serve()). The
 * next to end is the one with the fewest bytes left, m: it has moved them
 * after ceil(m x n / bw) seconds (then floor(bw x dt / n) >= m), when one
 * EV_XFER event is due for the tier (an event whose time is no longer the
 * tier's due time is stale). Events: EV_XFER (data: the tier) and EV_WORK
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
	free(s->default_tier);
	free(s);
}

static char *dup_or_null(const char *v)
{
	return v ? strdup(v) : NULL;
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
	if (!s->t || !s->j || (su->default_tier && !(s->default_tier = dup_or_null(su->default_tier))))
		goto oom;
	for (uint32_t k = 0; k < su->ntiers; k++) {
		stier *t = &s->t[k];
		t->gbs = su->tier_gbs[k];
		t->due = -1;
		if (!(t->name = strdup(su->tier_names[k])))
			goto oom;
		/* bytes a second, at least one; a tier without bandwidth is 0 here and
		 * refused below if a job stages through it */
		t->bw = t->gbs > 0 ? (t->gbs * 1e9 < 1 ? 1 : t->gbs * 1e9 > 1e18 ? (int64_t)1e18 : (int64_t)(t->gbs * 1e9 + 0.5))
				   : 0;
	}
	double *secs = calloc(su->ntiers + 1, sizeof *secs);
	if (!secs)
		goto oom;
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
		secs[j->tier] += ((double)j->in_b + (double)j->out_b) / (double)s->t[j->tier].bw;
	}
	for (uint32_t k = 0; k < su->ntiers; k++)
		if (secs[k] > (double)CS_TIME_LIMIT) {
			snprintf(err, errlen, "storage tier %s: the jobs stage %.3g s of its bandwidth in all, more "
				 "than 2^40 s (capsim's limit for a time)", s->t[k].name, secs[k]);
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

/* Count tier t's service up to now. */
static void serve(cs_stagesim *s, stier *t, cs_time now)
{
	cs_time dt = now - t->last;
	t->last = now;
	if (dt <= 0 || !t->nact)
		return;
	i128 each = (i128)t->bw * dt / (i128)t->nact;
	int64_t g = each > INT64_MAX ? INT64_MAX : (int64_t)each;
	for (size_t i = 0; i < t->nact; i++) {
		sjob *j = &s->j[t->act[i]];
		j->rem = j->rem > g ? j->rem - g : 0;
	}
	t->busy_s += dt;
	t->conc_s += (double)t->nact * (double)dt;
}

/* The tier's next EV_XFER: when its transfer with the fewest bytes left is
 * done. 0 or -CS_ENOMEM. */
static int reschedule(cs_sched_ctx *c, uint32_t k)
{
	stier *t = &c->sg->t[k];
	if (!t->nact) {
		t->due = -1;
		return 0;
	}
	int64_t m = INT64_MAX;
	for (size_t i = 0; i < t->nact; i++)
		if (c->sg->j[t->act[i]].rem < m)
			m = c->sg->j[t->act[i]].rem;
	i128 dt = ((i128)m * (i128)t->nact + t->bw - 1) / t->bw;
	cs_time due = c->now + (dt < 1 ? 1 : dt > CS_TIME_LIMIT ? CS_TIME_LIMIT : (cs_time)dt);
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

int cs_stage_begin(cs_sched_ctx *c, uint32_t jid)
{
	sjob *j = &c->sg->j[jid];
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
		t->alone_s += (double)(((i128)(in ? j->in_b : j->out_b) + t->bw - 1) / t->bw);
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
