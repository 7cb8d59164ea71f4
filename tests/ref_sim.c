/* capsim tests: the reference simulator (see ref_sim.h). */
#include "ref_sim.h"

#include <stdlib.h>
#include <string.h>

typedef struct ref {
	const cs_job *jobs;
	size_t n;
	const cs_engine_conv *cv;
	ref_policy pol;
	cs_time now;
	int64_t free;
	cs_time *start;
	cs_time *end;
	char *released;  /* processors returned */
	char *ended;     /* end event handled */
	size_t *queue;   /* waiting jobs in arrival order */
	size_t nq;
	size_t *running; /* started, end event not yet handled, in start order */
	size_t nr;
} ref;

static cs_time est_end(const ref *r, size_t j) { return r->start[j] + r->jobs[j].estimate_s; }

static void start_job(ref *r, size_t qi)
{
	size_t j = r->queue[qi];
	r->start[j] = r->now;
	r->end[j] = r->now + r->jobs[j].runtime_s;
	r->free -= r->jobs[j].size;
	memmove(&r->queue[qi], &r->queue[qi + 1], (r->nq - qi - 1) * sizeof *r->queue);
	r->nq--;
	r->running[r->nr++] = j;
}

static void early_release(ref *r)
{
	if (r->cv->release != CS_RELEASE_ESTIMATE)
		return;
	for (size_t i = 0; i < r->nr; i++) {
		size_t j = r->running[i];
		if (!r->released[j] && est_end(r, j) <= r->now && r->end[j] == r->now) {
			r->released[j] = 1;
			r->free += r->jobs[j].size;
		}
	}
}

typedef struct { cs_time t; int64_t size; } rel;
static int rel_cmp(const void *a, const void *b)
{
	const rel *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t;
}

static const cs_job *cmp_jobs;
static int by_est(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	if (cmp_jobs[x].estimate_s != cmp_jobs[y].estimate_s)
		return cmp_jobs[x].estimate_s < cmp_jobs[y].estimate_s ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void pass(ref *r)
{
	early_release(r);
	if (r->pol == REF_SJF) {
		/* the shortest estimate waiting, ties by arrival, while it fits */
		for (;;) {
			size_t best = 0;
			if (!r->nq)
				return;
			for (size_t i = 1; i < r->nq; i++) {
				const cs_job *a = &r->jobs[r->queue[i]], *b = &r->jobs[r->queue[best]];
				if (a->estimate_s < b->estimate_s ||
				    (a->estimate_s == b->estimate_s && r->queue[i] < r->queue[best]))
					best = i;
			}
			if ((int64_t)r->jobs[r->queue[best]].size > r->free)
				return;
			start_job(r, best);
		}
	}
	while (r->nq && (int64_t)r->jobs[r->queue[0]].size <= r->free)
		start_job(r, 0);
	if (r->pol == REF_FCFS || r->nq < 2 || r->free == 0)
		return;
	/* shadow time of the head from running jobs' estimated ends */
	size_t head = r->queue[0];
	rel *rs = malloc((r->nr + 1) * sizeof *rs);
	size_t k = 0;
	for (size_t i = 0; i < r->nr; i++) {
		size_t j = r->running[i];
		if (r->released[j])
			continue;
		cs_time t = est_end(r, j);
		rs[k++] = (rel){ t < r->now ? r->now : t, r->jobs[j].size };
	}
	qsort(rs, k, sizeof *rs, rel_cmp);
	int64_t f = r->free;
	cs_time shadow = -1;
	for (size_t i = 0; i < k; i++) {
		f += rs[i].size;
		if (shadow < 0 && f >= (int64_t)r->jobs[head].size)
			shadow = rs[i].t;
		if (shadow >= 0 && (i + 1 == k || rs[i + 1].t != shadow))
			break;
	}
	free(rs);
	int64_t extra = f - r->jobs[head].size;
	/* candidates: the rest of the queue, in queue order or by estimate */
	size_t nc = r->nq - 1;
	size_t *cand = malloc(nc * sizeof *cand);
	memcpy(cand, r->queue + 1, nc * sizeof *cand);
	if (r->pol == REF_EASY_SJBF) {
		cmp_jobs = r->jobs;
		qsort(cand, nc, sizeof *cand, by_est);
	}
	for (size_t c = 0; c < nc && r->free > 0; c++) {
		const cs_job *j = &r->jobs[cand[c]];
		if ((int64_t)j->size > r->free)
			continue;
		int ends_by_shadow = r->now + j->estimate_s <= shadow;
		if (!ends_by_shadow && (int64_t)j->size > extra)
			continue;
		size_t qi = 0;
		while (r->queue[qi] != cand[c])
			qi++;
		start_job(r, qi);
		if (!ends_by_shadow)
			extra -= j->size;
	}
	free(cand);
}

/* handle the end event of running[i] */
static void end_job(ref *r, size_t i)
{
	size_t j = r->running[i];
	if (!r->released[j]) {
		r->released[j] = 1;
		r->free += r->jobs[j].size;
	}
	r->ended[j] = 1;
	memmove(&r->running[i], &r->running[i + 1], (r->nr - i - 1) * sizeof *r->running);
	r->nr--;
}

void ref_run(const cs_job *jobs, size_t n, uint32_t procs, const cs_engine_conv *cv,
	     ref_policy pol, cs_time *start)
{
	ref r = { .jobs = jobs, .n = n, .cv = cv, .pol = pol, .free = procs, .start = start };
	r.end = malloc(n * sizeof *r.end);
	r.released = calloc(n, 1);
	r.ended = calloc(n, 1);
	r.queue = malloc(n * sizeof *r.queue);
	r.running = malloc(n * sizeof *r.running);
	for (size_t i = 0; i < n; i++)
		start[i] = -1;
	size_t next = 0;
	int per_event = cv->pass == CS_PASS_PER_EVENT;
	int if_fits = cv->submit_pass == CS_SUBMIT_IF_FITS;
	for (;;) {
		cs_time t = CS_TIME_MAX;
		if (next < n)
			t = jobs[next].submit_s;
		for (size_t i = 0; i < r.nr; i++)
			if (r.end[r.running[i]] < t)
				t = r.end[r.running[i]];
		if (t == CS_TIME_MAX)
			break;
		r.now = t;
		/* the events of this time, fixed now: later starts end later */
		size_t *ends = malloc((r.nr + 1) * sizeof *ends), ne = 0;
		for (size_t i = 0; i < r.nr; i++)
			if (r.end[r.running[i]] == t)
				ends[ne++] = r.running[i]; /* start order */
		size_t sub_lo = next;
		while (next < n && jobs[next].submit_s == t)
			next++;
		size_t sub_hi = next;
		int trigger = 0;
		for (int phase = 0; phase < 2; phase++) {
			int do_ends = (phase == 0) == (cv->same_time == CS_SAME_END_FIRST);
			if (do_ends) {
				for (size_t e = 0; e < ne; e++) {
					size_t i = 0;
					while (r.running[i] != ends[e])
						i++;
					end_job(&r, i);
					if (per_event)
						pass(&r);
					trigger = 1;
				}
			} else {
				for (size_t s = sub_lo; s < sub_hi; s++) {
					r.queue[r.nq++] = s;
					if (per_event) {
						early_release(&r);
						if (!if_fits || (int64_t)jobs[s].size <= r.free)
							pass(&r);
					}
				}
			}
		}
		if (!per_event) {
			early_release(&r);
			if (sub_hi > sub_lo && !if_fits)
				trigger = 1;
			for (size_t s = sub_lo; s < sub_hi && if_fits; s++)
				if ((int64_t)jobs[s].size <= r.free)
					trigger = 1;
			if (trigger)
				pass(&r);
		}
		free(ends);
	}
	free(r.end);
	free(r.released);
	free(r.ended);
	free(r.queue);
	free(r.running);
}
