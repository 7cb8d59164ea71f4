/* capsim: the report's waits (report_data_int.h): the wait-time CDF and
 * the waits by partition, and the largest projects' waits and bounded
 * slowdowns, from jobs.csv or the run's jobs in memory. */
#include "report_data_int.h"
#include "radix.h"
#include "capsim/metrics.h"

/* One group's waits (seconds, sorted) as the page shows them: jobs, mean,
 * median, p90, p95, p99, max, and the box [p5, p25, p50, p75, p95]:
 * percentiles as the metrics compute them (cs_percentile_sorted). */
static json_t *wait_stats(const char *name, const cs_time *w, size_t n)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (double)w[i];
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "jobs", json_integer((json_int_t)n));
	json_object_set_new(o, "mean", jr(n ? sum / (double)n : 0));
	static const double qs[] = { 0.5, 0.9, 0.95, 0.99 };
	static const char *const qn[] = { "p50", "p90", "p95", "p99" };
	for (size_t k = 0; k < 4; k++)
		json_object_set_new(o, qn[k], jr(cs_percentile_sorted(w, n, qs[k])));
	json_object_set_new(o, "max", jr(n ? (double)w[n - 1] : 0));
	json_t *box = json_array();
	static const double bq[] = { 0.05, 0.25, 0.5, 0.75, 0.95 };
	for (size_t k = 0; k < 5; k++)
		json_array_append_new(box, jr(cs_percentile_sorted(w, n, bq[k])));
	json_object_set_new(o, "box", box);
	return o;
}

/* A started job as the pages draw it: jobs.csv's wait, runtime,
 * partition and project columns. */
typedef struct jrow {
	double wait, runtime;
	const char *part, *proj;
} jrow;

/* A job's wait and its partition (its index among those seen). */
typedef struct pwait {
	size_t part_ix;
	cs_time wait;
} pwait;

/* Keys whose unsigned order is the order of the values: a wait's, and a
 * double's (NaN aside); sorted as the difference from the least, so a
 * radix sort needs only the passes the spread takes. */
static uint64_t time_key(cs_time t) { return (uint64_t)t ^ (UINT64_C(1) << 63); }
static uint64_t double_key(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}
static double key_double(uint64_t k)
{
	uint64_t u = k >> 63 ? k & ~(UINT64_C(1) << 63) : ~k;
	double d;
	memcpy(&d, &u, sizeof d);
	return d;
}

/* key[0..n) and val[0..n) (key and val each with room for 2n) by key,
 * stably: a radix sort (these sorts take every started job). */
static void sort_keyed(uint64_t *key, uint32_t *val, size_t n)
{
	uint64_t min = UINT64_MAX;
	for (size_t i = 0; i < n; i++)
		min = key[i] < min ? key[i] : min;
	for (size_t i = 0; i < n; i++)
		key[i] -= min;
	cs_radix_pairs(key, val, key + n, val + n, n);
	for (size_t i = 0; i < n; i++)
		key[i] += min;
}

/* A pointer's slot among 2^bits (malloc'd names lie 16 or 32 bytes
 * apart: their low bits alone would leave most slots unused). */
static size_t ptr_slot(const void *p, unsigned bits)
{
	return (size_t)(((uint64_t)(uintptr_t)p * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - bits));
}

/* A project name and its place among the largest. */
typedef struct pname {
	const char *name;
	size_t k;
} pname;

static int pname_cmp(const void *a, const void *b)
{
	const pname *x = a, *y = b;
	int c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
	return c ? c : (x->k > y->k) - (x->k < y->k);
}

/* The first (lowest) place of name among v[0 .. n) (sorted by pname_cmp),
 * or n. */
static size_t name_place(const pname *v, size_t n, const char *name)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid].name ? v[mid].name : "", name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcmp(v[lo].name ? v[lo].name : "", name) == 0 ? v[lo].k : n;
}

/* Percentile q of n values sorted (at rank (n - 1) q, between the two
 * order statistics around it), from their keys (double_key) with those two
 * in place (cs_select_u64 of cs_select_pct_ranks). */
static double pct_key(const uint64_t *k, size_t n, double q)
{
	if (!n)
		return 0;
	double h = (double)(n - 1) * q;
	size_t lo = (size_t)h;
	double a = key_double(k[lo]);
	if (lo + 1 >= n)
		return a;
	double b = key_double(k[lo + 1]);
	return a + (h - (double)lo) * (b - a);
}

/* Boxes [p5, p25, p50, p75, p95] of the waits (s) and bounded slowdowns of
 * the projects named in D.projects.names (the largest), from jobs.csv:
 * D.pboxes. tau: the run's bounded-slowdown threshold. key: the caller's
 * scratch, with room for nrows. Each field's values are counted out by
 * project as keys (double_key), and each project's order statistics the
 * box reads are selected among them (cs_select_u64): a sort's values, not
 * a sort. */
static int project_boxes(run_data *rd, const jrow *rows, size_t nrows, int have_proj, double tau, uint64_t *key)
{
	const json_t *names = json_object_get(json_object_get(rd->d, "projects"), "names");
	size_t np = json_array_size(names);
	if (!np || !have_proj)
		return 0;
	uint32_t *proj = malloc((nrows + 1) * sizeof *proj), *row = malloc((nrows + 1) * sizeof *row);
	pname *byname = malloc((np + 1) * sizeof *byname);
	size_t *at = calloc(np + 1, sizeof *at), *to = malloc((np + 1) * sizeof *to);
	if (!proj || !row || !byname || !at || !to) {
		free(proj);
		free(row);
		free(byname);
		free(at);
		free(to);
		return -CS_ENOMEM;
	}
	for (size_t k = 0; k < np; k++)
		byname[k] = (pname){ json_string_value(json_array_get(names, k)), k };
	qsort(byname, np, sizeof *byname, pname_cmp);
	/* each name's place, kept by its pointer (a run's rows share the
	 * trace's names: one pointer a project) */
	struct {
		const char *name;
		size_t k;
	} seen[4096] = { { 0 } };
	size_t n = 0;
	for (size_t i = 0; i < nrows; i++) {
		size_t h = ptr_slot(rows[i].proj, 12);
		if (seen[h].name != rows[i].proj) {
			seen[h].name = rows[i].proj;
			seen[h].k = name_place(byname, np, rows[i].proj);
		}
		size_t k = seen[h].k;
		if (k == np)
			continue;
		proj[n] = (uint32_t)k;
		row[n++] = (uint32_t)i;
		at[k + 1]++;
	}
	for (size_t k = 0; k < np; k++)
		at[k + 1] += at[k]; /* project k's values: key[at[k] .. at[k + 1]) */
	static const double bq[] = { 0.05, 0.25, 0.5, 0.75, 0.95 };
	json_t *wb = json_array(), *bb = json_array(), *jobs = json_array();
	for (int pass = 0; pass < 2; pass++) {
		memcpy(to, at, np * sizeof *to);
		for (size_t i = 0; i < n; i++) {
			const jrow *x = &rows[row[i]];
			double w = x->wait, run = x->runtime, b = (w + run) / (run > tau ? run : tau);
			key[to[proj[i]]++] = double_key(pass ? (b > 1 ? b : 1) : w);
		}
		for (size_t k = 0; k < np; k++) {
			size_t a = at[k], m = at[k + 1] - a, r[10];
			cs_select_u64(key + a, m, r, cs_select_pct_ranks(m, bq, 5, r));
			json_t *box = json_array();
			for (size_t q = 0; q < 5; q++)
				json_array_append_new(box, jr(pct_key(key + a, m, bq[q])));
			json_array_append_new(pass ? bb : wb, box);
			if (!pass)
				json_array_append_new(jobs, json_integer((json_int_t)m));
		}
	}
	json_t *o = json_object();
	json_object_set_new(o, "jobs", jobs);
	json_object_set_new(o, "wait", wb);
	json_object_set_new(o, "bsld", bb);
	json_object_set_new(o, "tau", json_real(tau));
	json_object_set_new(rd->d, "pboxes", o);
	free(proj);
	free(row);
	free(byname);
	free(at);
	free(to);
	return 0;
}

/* The partitions seen, by first appearance; a name's index among them
 * (added if new: -1 out of memory). Jobs come in runs of one partition,
 * so the last one found is tried first. */
typedef struct parts_seen {
	pname *v;
	size_t n, cap, last;
	struct {
		const char *name;
		size_t k;
	} seen[256]; /* names met, by pointer (ptr_slot) */
} parts_seen;

static long part_index(parts_seen *ps, const char *p)
{
	/* (a run's names are the trace's: one pointer a name, mostly; so
	 * pointers are tried before the last name's text) */
	if (ps->n && ps->v[ps->last].name == p)
		return (long)ps->last;
	size_t h = ptr_slot(p, 8);
	if (ps->seen[h].name == p)
		return (long)(ps->last = ps->seen[h].k);
	if (ps->n && strcmp(ps->v[ps->last].name, p) == 0)
		return (long)ps->last;
	size_t k = 0;
	while (k < ps->n && ps->v[k].name != p && strcmp(ps->v[k].name, p) != 0)
		k++;
	if (k == ps->n) {
		if (ps->n == ps->cap) {
			size_t cap = ps->cap ? 2 * ps->cap : 16;
			pname *nv = realloc(ps->v, cap * sizeof *nv);
			if (!nv)
				return -1;
			ps->v = nv;
			ps->cap = cap;
		}
		ps->v[ps->n++] = (pname){ p, k };
	}
	ps->seen[h].name = p;
	ps->seen[h].k = k;
	ps->last = k;
	return (long)k;
}

/* The per-partition rows of the waits table: the whole machine's sorted
 * waits pw[0 .. n) grouped by partition name (a stable counting sort by
 * the name's rank, so each group stays sorted), into parts. w: n entries
 * of scratch. 0 or -CS_ENOMEM. */
static int waits_by_partition(json_t *parts, parts_seen *ps, const pwait *pw, size_t n, cs_time *w)
{
	size_t *rank = malloc((ps->n + 1) * sizeof *rank), *at = calloc(ps->n + 1, sizeof *at);
	pwait *by = malloc((n + 1) * sizeof *by);
	if (!rank || !at || !by) {
		free(rank);
		free(at);
		free(by);
		return -CS_ENOMEM;
	}
	qsort(ps->v, ps->n, sizeof *ps->v, pname_cmp);
	for (size_t r = 0; r < ps->n; r++)
		rank[ps->v[r].k] = r;
	for (size_t i = 0; i < n; i++)
		at[rank[pw[i].part_ix] + 1]++;
	for (size_t r = 0; r < ps->n; r++)
		at[r + 1] += at[r];
	for (size_t i = 0; i < n; i++)
		by[at[rank[pw[i].part_ix]]++] = pw[i];
	for (size_t r = 0, a = 0; r < ps->n; r++) {
		size_t b = a;
		for (; b < n && rank[by[b].part_ix] == r; b++)
			w[b - a] = by[b].wait;
		json_array_append_new(parts, wait_stats(ps->v[r].name, w, b - a));
		a = b;
	}
	free(rank);
	free(at);
	free(by);
	return 0;
}

/* The started jobs' rows: from the run (rows) or read back from
 * jobs.csv into c (its text, which the rows point into); *n of them.
 * *have_proj 0 when the file has no project column. NULL with rc: 0 no
 * jobs.csv, -CS_E* an error. */
static jrow *job_rows(const cs_report_rows *rows, const char *dir, csv *c, size_t *n, int *have_proj, int *rc,
		      char *err, size_t errlen)
{
	*n = 0;
	*have_proj = 1;
	memset(c, 0, sizeof *c);
	if (rows && rows->row) {
		jrow *v = malloc((rows->n + 1) * sizeof *v);
		if (!v) {
			*rc = -CS_ENOMEM;
			return NULL;
		}
		for (size_t i = 0; i < rows->n; i++) {
			cs_time w, run;
			const char *part, *proj;
			if (rows->row(rows->ctx, i, &w, &run, &part, &proj))
				v[(*n)++] = (jrow){ (double)w, (double)run, part, proj };
		}
		*rc = 0;
		return v;
	}
	static const char *const cols[] = { "wait", "start", "partition", "project", "runtime", NULL };
	if ((*rc = cs_report_csv_read_cols(c, dir, "jobs.csv", cols, err, errlen)) <= 0)
		return NULL;
	int cw = csv_col(c, "wait"), cs = csv_col(c, "start"), cpart = csv_col(c, "partition"),
	    cp = csv_col(c, "project"), cr = csv_col(c, "runtime");
	*have_proj = cp >= 0;
	jrow *v = malloc((c->n + 1) * sizeof *v);
	if (!v) {
		cs_report_csv_free(c);
		*rc = -CS_ENOMEM;
		return NULL;
	}
	for (size_t i = 1; i < c->n; i++)
		if (c->nf[i] > 1 && num(fld(c, i, cs)) >= 0)
			v[(*n)++] = (jrow){ num(fld(c, i, cw)), num(fld(c, i, cr)), fld(c, i, cpart), fld(c, i, cp) };
	*rc = 1;
	return v;
}

/* The wait-time CDF from jobs.csv (at most 400 points, quantiles), and
 * the waits of each partition (jobs.csv's partition column; "(none)" when
 * empty). Jobs that never started have no wait. With full, the largest
 * projects' waits and bounded slowdowns (project_boxes). rows: the run's
 * jobs in memory, instead of its jobs.csv. */
int cs_report_load_waits(run_data *rd, const char *dir, int full, const cs_report_rows *rows, char *err,
			 size_t errlen)
{
	csv c;
	size_t nr;
	int rc, have_proj;
	jrow *rs = job_rows(rows, dir, &c, &nr, &have_proj, &rc, err, errlen);
	if (!rs) {
		if (rc == -CS_ENOMEM)
			snprintf(err, errlen, "out of memory");
		return rc;
	}
	uint64_t *key = malloc((2 * nr + 1) * sizeof *key);
	uint32_t *idx = malloc((2 * nr + 1) * sizeof *idx);
	double tau = 10;
	cs_report_json_num(rd->summary, "conventions.bsld_tau", &tau);
	rc = key && idx && (!full || project_boxes(rd, rs, nr, have_proj, tau, key) >= 0) ? 0 : -CS_ENOMEM;
	/* (after the boxes, in the pages they freed) */
	cs_time *w = rc == 0 ? malloc((nr + 1) * sizeof *w) : NULL;
	pwait *pw = rc == 0 ? malloc((nr + 1) * sizeof *pw) : NULL;
	parts_seen ps = { 0 };
	if (rc == 0 && (!w || !pw))
		rc = -CS_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; rc == 0 && i < nr; i++) {
		long k = part_index(&ps, *rs[i].part ? rs[i].part : "(none)");
		if (k < 0)
			rc = -CS_ENOMEM;
		pw[n++] = (pwait){ (size_t)k, (cs_time)rs[i].wait };
	}
	json_t *parts = NULL;
	if (rc == 0) {
		for (size_t i = 0; i < n; i++) {
			key[i] = time_key(pw[i].wait);
			idx[i] = (uint32_t)pw[i].part_ix;
		}
		sort_keyed(key, idx, n);
		for (size_t i = 0; i < n; i++) {
			pw[i] = (pwait){ idx[i], (cs_time)(key[i] ^ (UINT64_C(1) << 63)) };
			w[i] = pw[i].wait;
		}
		free(key); /* (before waits_by_partition's copy) */
		free(idx);
		key = NULL;
		idx = NULL;
		json_t *pts = json_array();
		size_t npts = n < 400 ? n : 400;
		for (size_t k = 0; k < npts; k++) {
			size_t i = npts > 1 ? k * (n - 1) / (npts - 1) : 0;
			json_t *p = json_array();
			json_array_append_new(p, jr((double)w[i] / 3600.0));
			json_array_append_new(p, jr((double)(i + 1) / (double)n));
			json_array_append_new(pts, p);
		}
		json_object_set_new(rd->d, "cdf", pts);
		/* by partition: the whole machine first, then each partition by name */
		parts = json_array();
		json_array_append_new(parts, wait_stats("all", w, n));
		rc = waits_by_partition(parts, &ps, pw, n, w);
	}
	if (rc == 0) {
		if (ps.n == 1) /* one partition only: it is the machine */
			json_array_remove(parts, 1);
		json_object_set_new(rd->d, "waits", parts);
	} else {
		json_decref(parts);
		snprintf(err, errlen, "out of memory");
	}
	free(w);
	free(pw);
	free(key);
	free(idx);
	free(ps.v);
	free(rs);
	cs_report_csv_free(&c);
	return rc;
}
