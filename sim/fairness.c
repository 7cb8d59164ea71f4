/* capsim: fair share over time windows (include/capsim/fairness.h). */
#include "capsim/fairness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- water-filling --------------------------------------------------------- */

static _Thread_local const double *wf_d, *wf_w; /* for qsort: the claimants (set around the call) */

/* By demand per weight, then index: the order in which claimants are
 * satisfied whole as the level rises. */
static int by_level(const void *a, const void *b)
{
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	double x = wf_d[i] * wf_w[j], y = wf_d[j] * wf_w[i];
	if (x != y)
		return x < y ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* by_level's answer for claimants i and j, inlined. */
static inline int level_cmp(uint32_t i, uint32_t j, const double *d, const double *w)
{
	double x = d[i] * w[j], y = d[j] * w[i];
	if (x != y)
		return x < y ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* b[0..n) by level_cmp, as the C library's qsort orders them with
 * by_level: its merge sort step for step (halves of n / 2 and the rest,
 * each sorted, then merged taking the first half's on a tie), so the
 * order is the same whatever the cross products do; tmp: room for n. */
static void level_sort(uint32_t *b, size_t n, uint32_t *tmp, const double *d, const double *w)
{
	if (n <= 1)
		return;
	size_t n1 = n / 2, n2 = n - n1;
	uint32_t *b1 = b, *b2 = b + n1, *t = tmp;
	level_sort(b1, n1, tmp, d, w);
	level_sort(b2, n2, tmp, d, w);
	while (n1 > 0 && n2 > 0) {
		if (level_cmp(*b1, *b2, d, w) <= 0) {
			*t++ = *b1++;
			n1--;
		} else {
			*t++ = *b2++;
			n2--;
		}
	}
	if (n1 > 0)
		memcpy(t, b1, n1 * sizeof *t);
	memcpy(b, tmp, (n - n2) * sizeof *b);
}

void cs_fair_waterfill(size_t k, const double *demand, const double *weight, double amount, double *ent,
		       uint32_t *order)
{
	double total = 0, wsum = 0;
	for (size_t i = 0; i < k; i++) {
		total += demand[i];
		wsum += weight[i];
	}
	if (total <= amount) {
		memcpy(ent, demand, k * sizeof *ent);
		return;
	}
	for (size_t i = 0; i < k; i++)
		order[i] = (uint32_t)i;
	uint32_t *tmp = k > 1 ? malloc(k * sizeof *tmp) : NULL;
	if (tmp) {
		level_sort(order, k, tmp, demand, weight);
		free(tmp);
	} else {
		wf_d = demand;
		wf_w = weight;
		qsort(order, k, sizeof *order, by_level);
	}
	/* the level rises until the claimant with the least demand per weight
	 * is satisfied whole; it leaves with its demand, the rest share what is
	 * left; once the level stays below the next one's demand, it is final */
	double left = amount;
	size_t i = 0;
	for (; i < k; i++) {
		uint32_t c = order[i];
		if (demand[c] * wsum > left * weight[c])
			break;
		ent[c] = demand[c];
		left -= demand[c];
		wsum -= weight[c];
	}
	for (; i < k; i++) {
		uint32_t c = order[i];
		ent[c] = left * weight[c] / wsum;
	}
}

/* ---- windows ------------------------------------------------------------- */

/* A change of a project's rates at a time: a job submitted, started or
 * ended, a thrown-away run begun or ended. */
enum { EV_SUBMIT, EV_START, EV_END, EV_LOST_FROM, EV_LOST_TO };
typedef struct ev {
	uint32_t id;   /* job, or lost run */
	uint32_t kind;
} ev;

static inline int counts(const cs_fair_in *in, const cs_job *j, size_t i)
{
	return j->start_s >= 0 && j->end_s >= j->start_s && !cs_job_never_ran(j) &&
	       in->project[i] != CS_FAIR_NONE && in->project[i] < in->nprojects && in->units[i] > 0;
}

static size_t window_of(const cs_fair_in *in, cs_time t, size_t nwin)
{
	if (t <= in->t0)
		return 0;
	size_t k = (size_t)((t - in->t0) / in->window_s);
	return k < nwin ? k : nwin - 1;
}

static cs_time clamp(const cs_fair_in *in, cs_time t) { return t < in->t0 ? in->t0 : t > in->t1 ? in->t1 : t; }

static int by_index(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

void cs_fair_free(cs_fair *f)
{
	free(f->proj);
	free(f->win);
	memset(f, 0, sizeof *f);
}

/* Working state: per project, the rates now (resources present, held) and
 * their integrals over the current window; the projects with either. */
typedef struct sweep {
	int64_t *rate_d, *rate_u, *acc_d, *acc_u;
	uint8_t *listed;
	uint32_t *list;
	size_t nlist, nsorted; /* list[0 .. nsorted): in increasing order */
	double *dem, *wt, *ent;
	uint32_t *order, *who;
} sweep;

static void sweep_free(sweep *s)
{
	free(s->rate_d);
	free(s->rate_u);
	free(s->acc_d);
	free(s->acc_u);
	free(s->listed);
	free(s->list);
	free(s->dem);
	free(s->wt);
	free(s->ent);
	free(s->order);
	free(s->who);
}

static int sweep_new(sweep *s, size_t np)
{
	memset(s, 0, sizeof *s);
	size_t m = np + 1;
	s->rate_d = calloc(m, sizeof *s->rate_d);
	s->rate_u = calloc(m, sizeof *s->rate_u);
	s->acc_d = calloc(m, sizeof *s->acc_d);
	s->acc_u = calloc(m, sizeof *s->acc_u);
	s->listed = calloc(m, 1);
	s->list = malloc(m * sizeof *s->list);
	s->dem = malloc(m * sizeof *s->dem);
	s->wt = malloc(m * sizeof *s->wt);
	s->ent = malloc(m * sizeof *s->ent);
	s->order = malloc(m * sizeof *s->order);
	s->who = malloc(m * sizeof *s->who);
	return s->rate_d && s->rate_u && s->acc_d && s->acc_u && s->listed && s->list && s->dem && s->wt && s->ent &&
	       s->order && s->who ? 0 : -CS_ENOMEM;
}

/* Project p changes at time t by du resources (rate of `which`): the
 * integral to the window's end `we` moves by du x (we - t). */
static inline void change(sweep *s, uint32_t p, int64_t du, cs_time t, cs_time we, int which)
{
	if (!s->listed[p]) {
		s->listed[p] = 1;
		s->list[s->nlist++] = p;
	}
	if (which == 0) {
		s->rate_d[p] += du;
		s->acc_d[p] += du * (we - t);
	} else {
		s->rate_u[p] += du;
		s->acc_u[p] += du * (we - t);
	}
}

/* The projects listed in increasing order. The last window's close left
 * list[0 .. nsorted) in order, and most of a window's projects were
 * present in the window before: those listed since (the tail) are sorted
 * and merged into the rest (s->who the scratch); when they are many, the
 * listed flags read in order cost less. np: the projects. */
static void sort_list(sweep *s, size_t np)
{
	size_t a = s->nsorted, b = s->nlist - a;
	if (!b)
		return;
	if (b >= np / 64) {
		size_t m = 0;
		for (uint32_t p = 0; p < np; p++)
			if (s->listed[p])
				s->list[m++] = p;
	} else {
		uint32_t *tail = s->who;
		memcpy(tail, s->list + a, b * sizeof *tail);
		qsort(tail, b, sizeof *tail, by_index);
		/* from the back: the larger of the two ends goes last */
		for (size_t at = a + b; b;) {
			if (a && s->list[a - 1] > tail[b - 1])
				s->list[--at] = s->list[--a];
			else
				s->list[--at] = tail[--b];
		}
	}
	s->nsorted = s->nlist;
}

/* Close window w: entitlements, the projects' and the window's sums. */
static void close_window(const cs_fair_in *in, sweep *s, cs_fair *out, cs_fair_window *w, cs_fair_visit_fn visit,
			 void *ctx)
{
	sort_list(s, in->nprojects);
	size_t k = 0;
	for (size_t i = 0; i < s->nlist; i++) {
		uint32_t p = s->list[i];
		if (s->acc_d[p] <= 0)
			continue;
		s->who[k] = p;
		s->dem[k] = (double)s->acc_d[p];
		s->wt[k] = in->weight[p];
		w->demand_s += s->acc_d[p];
		w->delivered_s += s->acc_u[p];
		k++;
	}
	w->projects = (uint32_t)k;
	cs_fair_waterfill(k, s->dem, s->wt, (double)w->delivered_s, s->ent, s->order);
	double sx = 0, sx2 = 0;
	size_t nx = 0;
	for (size_t i = 0; i < k; i++) {
		uint32_t p = s->who[i];
		cs_fair_project *fp = &out->proj[p];
		double e = s->ent[i], u = (double)s->acc_u[p];
		fp->demand_s += s->acc_d[p];
		fp->delivered_s += s->acc_u[p];
		fp->entitled_s += e;
		fp->windows++;
		if (e > u) {
			fp->shortfall_s += e - u;
			w->shortfall_s += e - u;
		}
		if (u < CS_FAIR_UNDER * e) {
			fp->short_windows++;
			w->under_served++;
		}
		if (e > 0) {
			sx += u / e;
			sx2 += (u / e) * (u / e);
			nx++;
		}
	}
	w->distance = w->delivered_s > 0 ? w->shortfall_s / (double)w->delivered_s : 0;
	w->jain = !nx ? -1 : sx2 > 0 ? sx * sx / ((double)nx * sx2) : 1;
	if (visit) {
		visit(ctx, w, CS_FAIR_NONE, w->demand_s, w->delivered_s, (double)w->delivered_s);
		for (size_t i = 0; i < k; i++)
			visit(ctx, w, s->who[i], s->acc_d[s->who[i]], s->acc_u[s->who[i]], s->ent[i]);
	}
	/* the next window starts with the projects still present */
	size_t m = 0;
	for (size_t i = 0; i < s->nlist; i++) {
		uint32_t p = s->list[i];
		s->acc_d[p] = s->acc_u[p] = 0;
		if (s->rate_d[p] > 0 || s->rate_u[p] > 0)
			s->list[m++] = p;
		else
			s->listed[p] = 0;
	}
	s->nlist = s->nsorted = m;
}

/* The run's figures over the projects entitled to something. */
static int run_figures(cs_fair *out)
{
	double s = 0, s2 = 0, ent = 0, shortfall = 0, wshort = 0, went = 0;
	size_t under = 0, n = 0;
	double *xs = malloc((out->nproj + 1) * sizeof *xs);
	if (!xs)
		return -CS_ENOMEM;
	for (size_t i = 0; i < out->nproj; i++) {
		const cs_fair_project *p = &out->proj[i];
		if (p->entitled_s <= 0)
			continue;
		double x = (double)p->delivered_s / p->entitled_s;
		xs[n++] = x;
		s += x;
		s2 += x * x;
		ent += p->entitled_s;
		if (p->entitled_s > (double)p->delivered_s)
			shortfall += p->entitled_s - (double)p->delivered_s;
		under += x < CS_FAIR_UNDER;
	}
	for (size_t k = 0; k < out->nwin; k++) {
		wshort += out->win[k].shortfall_s;
		went += (double)out->win[k].delivered_s;
	}
	out->counted = n;
	out->jain = n && s2 > 0 ? s * s / ((double)n * s2) : 1;
	out->distance = ent > 0 ? shortfall / ent : 0;
	out->window_distance = went > 0 ? wshort / went : 0;
	out->under_served = n ? (double)under / (double)n : 0;
	qsort(xs, n, sizeof *xs, by_double);
	out->median_service = !n ? 0 : n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
	free(xs);
	return 0;
}

int cs_fair_compute(const cs_fair_in *in, cs_fair *out, cs_fair_visit_fn visit, void *ctx, char *err,
		    size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (in->window_s <= 0 || in->t1 < in->t0 || (in->nlost && !in->lost)) {
		snprintf(err, errlen, "fairness: needs a window > 0 (got %lld s) and t1 >= t0", (long long)in->window_s);
		return -CS_EINVAL;
	}
	size_t nwin = (size_t)((in->t1 - in->t0 + in->window_s - 1) / in->window_s);
	out->window_s = in->window_s;
	out->nproj = in->nprojects;
	out->proj = calloc(in->nprojects + 1, sizeof *out->proj);
	out->win = calloc(nwin + 1, sizeof *out->win);
	/* the changes bucketed by window (a counting sort: first the counts) */
	size_t *first = calloc(nwin + 2, sizeof *first);
	size_t nev = 0;
	ev *evs = NULL;
	sweep s;
	int rc = sweep_new(&s, in->nprojects);
	if (rc < 0 || !out->proj || !out->win || !first)
		goto oom;
	out->nwin = nwin;
	if (nwin == 0)
		goto done;
	for (size_t i = 0; i < in->n; i++) {
		const cs_job *j = &in->jobs[i];
		if (!counts(in, j, i))
			continue;
		first[window_of(in, j->submit_s, nwin) + 1]++;
		first[window_of(in, j->start_s, nwin) + 1]++;
		first[window_of(in, j->end_s, nwin) + 1]++;
	}
	for (size_t i = 0; i < in->nlost; i++) {
		const cs_fair_run *l = &in->lost[i];
		if (l->job >= in->n || !counts(in, &in->jobs[l->job], l->job))
			continue;
		first[window_of(in, l->from, nwin) + 1]++;
		first[window_of(in, l->to, nwin) + 1]++;
	}
	for (size_t k = 0; k < nwin; k++)
		first[k + 1] += first[k];
	nev = first[nwin];
	evs = malloc((nev + 1) * sizeof *evs);
	if (!evs)
		goto oom;
	for (size_t i = 0; i < in->n; i++) {
		const cs_job *j = &in->jobs[i];
		if (!counts(in, j, i))
			continue;
		evs[first[window_of(in, j->submit_s, nwin)]++] = (ev){ (uint32_t)i, EV_SUBMIT };
		evs[first[window_of(in, j->start_s, nwin)]++] = (ev){ (uint32_t)i, EV_START };
		evs[first[window_of(in, j->end_s, nwin)]++] = (ev){ (uint32_t)i, EV_END };
	}
	for (size_t i = 0; i < in->nlost; i++) {
		const cs_fair_run *l = &in->lost[i];
		if (l->job >= in->n || !counts(in, &in->jobs[l->job], l->job))
			continue;
		evs[first[window_of(in, l->from, nwin)]++] = (ev){ (uint32_t)i, EV_LOST_FROM };
		evs[first[window_of(in, l->to, nwin)]++] = (ev){ (uint32_t)i, EV_LOST_TO };
	}
	/* first[k] is now window k's end in evs (its start is first[k - 1]) */
	for (size_t k = 0, e = 0; k < nwin; k++) {
		cs_fair_window *w = &out->win[k];
		w->t = in->t0 + (cs_time)k * in->window_s;
		cs_time we = w->t + in->window_s < in->t1 ? w->t + in->window_s : in->t1;
		w->len = we - w->t;
		w->capacity_s = (int64_t)in->capacity * w->len;
		for (size_t i = 0; i < s.nlist; i++) {
			uint32_t p = s.list[i];
			s.acc_d[p] = s.rate_d[p] * w->len;
			s.acc_u[p] = s.rate_u[p] * w->len;
		}
		for (; e < first[k]; e++) {
			const ev *x = &evs[e];
			uint32_t jid = x->kind >= EV_LOST_FROM ? in->lost[x->id].job : x->id;
			const cs_job *j = &in->jobs[jid];
			uint32_t p = in->project[jid];
			int64_t u = in->units[jid];
			switch (x->kind) {
			case EV_SUBMIT: change(&s, p, u, clamp(in, j->submit_s), we, 0); break;
			case EV_START: change(&s, p, u, clamp(in, j->start_s), we, 1); break;
			case EV_END:
				change(&s, p, -u, clamp(in, j->end_s), we, 0);
				change(&s, p, -u, clamp(in, j->end_s), we, 1);
				break;
			case EV_LOST_FROM: change(&s, p, u, clamp(in, in->lost[x->id].from), we, 1); break;
			case EV_LOST_TO: change(&s, p, -u, clamp(in, in->lost[x->id].to), we, 1); break;
			default: break;
			}
		}
		close_window(in, &s, out, w, visit, ctx);
	}
done:
	if (run_figures(out) < 0)
		goto oom;
	free(first);
	free(evs);
	sweep_free(&s);
	return 0;
oom:
	free(first);
	free(evs);
	sweep_free(&s);
	cs_fair_free(out);
	snprintf(err, errlen, "out of memory");
	return -CS_ENOMEM;
}
