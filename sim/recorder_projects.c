/* capsim: the recorder's projects (projects.csv's rows, the summary's
 * count) and their fair-share windows (include/capsim/recorder.h,
 * sim/recorder_int.h). */
#include "recorder_int.h"
#include "capsim/metrics.h"
#include "radix.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t job_key(const cs_job *j) { return j->group >= 0 ? (int64_t)j->group * 2 : (int64_t)j->user * 2 + 1; }

static _Thread_local const cs_job *sort_jobs; /* for qsort: the job array (set around the call) */
static int by_key(const void *a, const void *b)
{
	const cs_job *x = &sort_jobs[*(const uint32_t *)a], *y = &sort_jobs[*(const uint32_t *)b];
	int64_t kx = job_key(x), ky = job_key(y);
	if (kx != ky)
		return kx < ky ? -1 : 1;
	cs_time wx = x->start_s - x->submit_s, wy = y->start_s - y->submit_s;
	if (wx != wy)
		return wx < wy ? -1 : 1;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1; /* stable */
}

/* The started jobs ix[0..m) (in index order) by project key, then wait,
 * then index: one radix sort of the two packed into 64 bits where they
 * fit (a run's keys and waits do), else qsort. */
static void sort_by_key(const cs_job *jobs, uint32_t *ix, size_t m)
{
	if (!m)
		return;
	int64_t kmin = INT64_MAX, kmax = INT64_MIN, wmin = INT64_MAX, wmax = INT64_MIN;
	for (size_t i = 0; i < m; i++) {
		const cs_job *j = &jobs[ix[i]];
		int64_t k = job_key(j), w = j->start_s - j->submit_s;
		kmin = k < kmin ? k : kmin;
		kmax = k > kmax ? k : kmax;
		wmin = w < wmin ? w : wmin;
		wmax = w > wmax ? w : wmax;
	}
	unsigned wbits = cs_radix_bits((uint64_t)(wmax - wmin));
	uint64_t *key = NULL;
	if (cs_radix_bits((uint64_t)(kmax - kmin)) + wbits <= 64)
		key = malloc(2 * m * sizeof *key);
	uint32_t *tval = key ? malloc(m * sizeof *tval) : NULL;
	if (!tval) {
		free(key);
		sort_jobs = jobs;
		qsort(ix, m, sizeof *ix, by_key);
		return;
	}
	for (size_t i = 0; i < m; i++) {
		const cs_job *j = &jobs[ix[i]];
		uint64_t k = (uint64_t)(job_key(j) - kmin), w = (uint64_t)(j->start_s - j->submit_s - wmin);
		key[i] = (wbits < 64 ? k << wbits : 0) | w;
	}
	cs_radix_pairs(key, ix, key + m, tval, m);
	free(key);
	free(tval);
}
static int by_usage(const void *a, const void *b)
{
	const proj *x = a, *y = b;
	if (x->used_s != y->used_s)
		return x->used_s > y->used_s ? -1 : 1;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->key < y->key ? -1 : x->key > y->key);
}

static double share_of(const char *spec, int64_t account)
{
	for (const char *s = spec; s && *s;) {
		char *end;
		long long id = strtoll(s, &end, 10);
		if (end == s || *end != ':')
			return 1;
		s = end + 1;
		double w = strtod(s, &end);
		if (end == s)
			return 1;
		if (id == account && w > 0)
			return w;
		s = *end ? end + 1 : end;
	}
	return 1;
}

/* Percentile q of n values sorted (at rank (n - 1) q, between the two
 * order statistics around it), from their bits with those two in place
 * (cs_select_u64 of cs_select_pct_ranks). */
static double pct_bits(const uint64_t *v, size_t n, double q)
{
	if (!n)
		return 0;
	double h = (double)(n - 1) * q, a, b;
	size_t lo = (size_t)h;
	memcpy(&a, &v[lo], sizeof a);
	if (lo + 1 >= n)
		return a;
	memcpy(&b, &v[lo + 1], sizeof b);
	return a + (h - (double)lo) * (b - a);
}

/* Each project's bounded slowdowns, bs[first .. first + jobs) in
 * ps[0..np) order (m in all): their median and p95, as of the project's
 * sorted slowdowns. Slowdowns are at least 1, so their bits order them:
 * each project's two pairs of order statistics are selected among its
 * bits (cs_select_u64), not sorted. -CS_ENOMEM or 0. */
static int sort_slowdowns(proj *ps, size_t np, const double *bs, size_t m)
{
	uint64_t *key = malloc((m + 1) * sizeof *key);
	if (!key)
		return -CS_ENOMEM;
	memcpy(key, bs, m * sizeof *key);
	static const double qs[] = { 0.5, 0.95 };
	for (size_t k = 0, i = 0; k < np; i += ps[k++].jobs) {
		size_t r[4], n = ps[k].jobs;
		cs_select_u64(key + i, n, r, cs_select_pct_ranks(n, qs, 2, r));
		ps[k].median_bsld = pct_bits(key + i, n, 0.5);
		ps[k].p95_bsld = pct_bits(key + i, n, 0.95);
	}
	free(key);
	return 0;
}

/* How many jobs ahead a walk out of table order asks for their lines. */
#define PREFETCH_AHEAD 12

/* Projects of the started jobs in key order, *np of them, and per job
 * its project's index there (*pj_out, CS_FAIR_NONE for a job that never
 * started); NULL on failure. */
static proj *projects(const cs_recorder *r, const cs_trace *names, const char *shares, size_t *np,
		      cs_time bsld_tau, uint32_t **pj_out)
{
	uint32_t *ix = malloc((r->n + 1) * sizeof *ix);
	uint32_t *pj = malloc((r->n + 1) * sizeof *pj);
	cs_time *w = malloc((r->n + 1) * sizeof *w);
	double *bs = malloc((r->n + 1) * sizeof *bs);
	/* a few hundred projects: room for a job each (calloc'd, 92 MB on a
	 * year) was zeroed whole where it came from the heap's top */
	size_t pcap = 64;
	proj *ps = malloc(pcap * sizeof *ps);
	size_t m = 0, k = 0;
	if (!ix || !pj || !w || !bs || !ps)
		goto fail;
	for (size_t i = 0; i < r->n; i++) {
		pj[i] = CS_FAIR_NONE;
		if (r->jobs[i].start_s >= 0)
			ix[m++] = (uint32_t)i;
	}
	sort_by_key(r->jobs, ix, m);
	double wsum = 0;
	int64_t total = 0;
	for (size_t a = 0; a < m;) {
		size_t b = a;
		const cs_job *j0 = &r->jobs[ix[a]];
		if (k == pcap) {
			proj *more = realloc(ps, 2 * pcap * sizeof *ps);
			if (!more)
				goto fail;
			ps = more;
			pcap *= 2;
		}
		proj *p = &ps[k];
		memset(p, 0, sizeof *p);
		p->key = job_key(j0);
		p->account = j0->group >= 0 ? j0->group : j0->user;
		if (names && j0->group >= 0)
			snprintf(p->name, sizeof p->name, "%s", cs_names_get(&names->projects, j0->group));
		else if (names)
			snprintf(p->name, sizeof p->name, "user:%s", j0->user >= 0 ? cs_names_get(&names->users, j0->user)
										       : "(none)");
		else
			snprintf(p->name, sizeof p->name, "%c%d", j0->group >= 0 ? 'g' : 'u',
				 j0->group >= 0 ? j0->group : j0->user);
		double ws = 0, bsum = 0;
		size_t nw = 0;
		for (; b < m && job_key(&r->jobs[ix[b]]) == p->key; b++) {
			if (b + PREFETCH_AHEAD < m) {
				/* (the jobs come out of table order: their lines asked for ahead) */
				size_t f = ix[b + PREFETCH_AHEAD];
				__builtin_prefetch(&r->jobs[f]);
				__builtin_prefetch((const char *)&r->jobs[f] + sizeof *r->jobs - 1);
				if (r->billing)
					__builtin_prefetch(&r->billing[f]);
				if (r->energy)
					__builtin_prefetch(&r->energy[f]);
				__builtin_prefetch(&pj[f], 1);
			}
			const cs_job *j = &r->jobs[ix[b]];
			pj[ix[b]] = (uint32_t)k;
			cs_time run = j->end_s - j->start_s, wait = j->start_s - j->submit_s;
			/* runs a preemption threw away were used too */
			p->used_s += (int64_t)cs_rec_job_units(r, j) * (run + j->preempted_s);
			p->core_s += (int64_t)cs_rec_job_cores(r, j) * (run + j->preempted_s);
			p->billed_s += (r->billing ? r->billing[ix[b]] : (double)j->size) * (double)(run + j->preempted_s);
			p->energy_j += r->energy ? r->energy[ix[b]] : 0;
			w[nw] = wait;
			ws += (double)wait;
			double bsld = (double)(wait + run) / (double)(run > bsld_tau ? run : bsld_tau);
			bs[a + nw] = bsld > 1 ? bsld : 1;
			bsum += bs[a + nw++];
		}
		/* waits come sorted (by_key); slowdowns are sorted below */
		p->jobs = nw;
		p->mean_wait = ws / (double)nw;
		p->median_wait = cs_percentile_sorted(w, nw, 0.5);
		p->p95_wait = cs_percentile_sorted(w, nw, 0.95);
		p->mean_bsld = bsum / (double)nw;
		p->weight = share_of(shares, p->account);
		wsum += p->weight;
		total += p->used_s;
		k++;
		a = b;
	}
	for (size_t i = 0; i < k; i++)
		ps[i].entitled_s = wsum > 0 ? (double)total * ps[i].weight / wsum : 0;
	if (sort_slowdowns(ps, k, bs, m) < 0)
		goto fail;
	free(ix);
	free(w);
	free(bs);
	*np = k;
	*pj_out = pj;
	return ps;
fail:
	free(ix);
	free(pj);
	free(w);
	free(bs);
	free(ps);
	return NULL;
}

/* The fair-share windows over ps[0..np) in key order (projects()): *f,
 * and each project's sums in ps[i].fair. visit: as cs_fair_compute's. */
static int fairness(const cs_recorder *r, proj *ps, size_t np, const uint32_t *pj, cs_fair *f,
		    cs_fair_visit_fn visit, void *ctx, char *err, size_t errlen)
{
	uint64_t *units = malloc((r->n + 1) * sizeof *units);
	double *wt = malloc((np + 1) * sizeof *wt);
	if (!units || !wt) {
		free(units);
		free(wt);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	cs_time t1 = r->last_t;
	for (size_t i = 0; i < r->n; i++) {
		units[i] = r->billing ? (uint64_t)llround(r->billing[i] * CS_FAIR_BILLING_SCALE)
				      : cs_rec_job_units(r, &r->jobs[i]);
		if (pj[i] != CS_FAIR_NONE && r->jobs[i].end_s > t1)
			t1 = r->jobs[i].end_s;
	}
	for (size_t i = 0; i < np; i++)
		wt[i] = ps[i].weight;
	cs_fair_in in = { .jobs = r->jobs, .n = r->n, .project = pj, .units = units, .weight = wt, .nprojects = np,
			  .lost = r->lost, .nlost = r->nlost, .t0 = r->t0, .t1 = t1,
			  .capacity = r->billing ? (uint64_t)llround(r->billing_capacity * CS_FAIR_BILLING_SCALE)
						 : r->capacity,
			  .window_s = CS_FAIR_WINDOW_S };
	int rc = cs_fair_compute(&in, f, visit, ctx, err, errlen);
	for (size_t i = 0; rc == 0 && i < np; i++)
		ps[i].fair = f->proj[i];
	free(units);
	free(wt);
	return rc;
}

int cs_recorder_projects_new(cs_rec_projects **out, const cs_recorder *r, const cs_trace *names, const char *shares,
			     cs_time bsld_tau, char *err, size_t errlen)
{
	cs_rec_projects *p = calloc(1, sizeof *p);
	uint32_t *pj = NULL;
	if (!p || !(p->ps = projects(r, names, shares, &p->np, bsld_tau, &pj))) {
		free(p);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	int rc = fairness(r, p->ps, p->np, pj, &p->fair, NULL, NULL, err, errlen);
	free(pj);
	if (rc < 0) {
		free(p->ps);
		free(p);
		return rc;
	}
	qsort(p->ps, p->np, sizeof *p->ps, by_usage);
	p->shares = shares && *shares;
	*out = p;
	return 0;
}

void cs_rec_projects_free(cs_rec_projects *p)
{
	if (!p)
		return;
	cs_fair_free(&p->fair);
	free(p->ps);
	free(p);
}
