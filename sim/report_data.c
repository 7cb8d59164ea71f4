/* capsim: a run's files read into what the report pages draw
 * (report_data.h): summary.json, and from the CSV outputs the series,
 * waits, projects, fair share and occupancy as one JSON object. */
#include "report_data.h"
#include "field.h"
#include "radix.h"
#include "capsim/csvout.h"
#include "capsim/metrics.h"
#include "capsim/recorder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct csv {
	char *buf;
	char ***rows;   /* rows[i]: line i's fields (line 0: the header), by slot */
	size_t *nf;     /* line i's fields */
	size_t n;
	char **fields;  /* every row's field pointers, one array */
	int *slot;      /* per header column: where a data line keeps it (-1: not kept); NULL: all, in order */
	size_t ncols, nslots;
} csv;

static void csv_free(csv *c)
{
	free(c->fields);
	free(c->rows);
	free(c->nf);
	free(c->buf);
	free(c->slot);
	memset(c, 0, sizeof *c);
}

/* The file into c->buf (NUL-terminated): 1, 0 if there is no such file,
 * or -CS_E*. */
static int csv_slurp(csv *c, const char *dir, const char *name, char *err, size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s: %s", path, strerror(errno)), -CS_EIO);
	struct stat st;
	size_t cap = fstat(fileno(f), &st) == 0 && st.st_size > 0 ? (size_t)st.st_size + 1 : 1 << 16, len = 0, got;
	c->buf = malloc(cap + 1); /* (the file's size and one: a read that fills it finds the end) */
	while (c->buf && (got = fread(c->buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			char *nb = realloc(c->buf, 2 * cap + 1);
			if (!nb) {
				free(c->buf);
				c->buf = NULL;
				break;
			}
			c->buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!c->buf) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	c->buf[len] = 0;
	return 1;
}

/* Split the line at s (NUL-terminated) in place: field k into fl[slot[k]]
 * (every field into fl[k] without slots; a field past the slots, or in
 * none, is passed over). A quoted field (RFC 4180: the outputs quote names
 * and host lists holding commas) loses its quotes. Returns the fields;
 * with slots, past the last kept column (last) the rest of the line is
 * not looked at and the count is ncols. */
static size_t split_line(char *s, char **fl, const int *slot, size_t ncols, size_t last)
{
	size_t k = 0;
	char *q = s;
	for (;;) {
		if (slot && k > last)
			return ncols > k ? ncols : k;
		int keep = !slot || (k < ncols && slot[k] >= 0);
		char *w = q;
		if (keep)
			fl[slot ? (size_t)slot[k] : k] = w;
		k++;
		if (*q == '"') {
			for (q++; *q; q++) {
				if (*q == '"' && q[1] == '"')
					q++;
				else if (*q == '"') {
					q++;
					break;
				}
				*w++ = *q;
			}
			while (*q && *q != ',')
				q++;
		} else if (keep) {
			while (*q && *q != ',')
				*w++ = *q++;
		} else {
			while (*q && *q != ',') /* short fields: no call */
				q++;
			w = q;
		}
		int more = *q == ',';
		if (keep)
			*w = 0;
		if (!more)
			return k;
		q++;
	}
}

/* Read a run's CSV file: its header, and of every other line the columns
 * named in want (NULL-terminated; NULL: every column). 1: read; 0: no such
 * file; -CS_E*: error. */
static int csv_read_cols(csv *c, const char *dir, const char *name, const char *const *want, char *err,
			 size_t errlen)
{
	memset(c, 0, sizeof *c);
	int rc = csv_slurp(c, dir, name, err, errlen);
	if (rc <= 0 || !*c->buf)
		return rc; /* (an empty file: no lines) */
	size_t lines = 0, commas = 0, last = 0;
	for (const char *q = c->buf; (q = strchr(q, '\n')) != NULL; q++)
		lines++;
	/* the header: every column, its commas counted */
	char *s = c->buf, *e = strchr(s, '\n');
	if (e)
		*e = 0;
	for (const char *q = s; *q; q++)
		commas += *q == ',';
	char **head = malloc((commas + 1) * sizeof *head);
	c->rows = calloc(lines + 2, sizeof *c->rows);
	c->nf = calloc(lines + 2, sizeof *c->nf);
	if (!head || !c->rows || !c->nf)
		goto oom;
	c->ncols = split_line(s, head, NULL, 0, 0);
	if (want) {
		c->slot = malloc((c->ncols + 1) * sizeof *c->slot);
		if (!c->slot)
			goto oom;
		for (size_t k = 0; k < c->ncols; k++) {
			c->slot[k] = -1;
			for (size_t w = 0; want[w]; w++)
				if (strcmp(head[k], want[w]) == 0) {
					c->slot[k] = (int)c->nslots++;
					last = k;
				}
		}
	} else {
		commas = 0;
		for (const char *q = c->buf + (e ? (size_t)(e - c->buf) + 1 : strlen(c->buf)); *q; q++)
			commas += *q == ',';
		c->nslots = 0; /* every line holds its commas + 1 */
	}
	size_t nfields = want ? (lines + 1) * c->nslots : lines + commas + 2;
	c->fields = malloc((nfields + c->ncols + 1) * sizeof *c->fields);
	if (!c->fields)
		goto oom;
	memcpy(c->fields, head, c->ncols * sizeof *head);
	free(head);
	head = NULL;
	c->rows[0] = c->fields;
	c->nf[0] = c->ncols;
	c->n = 1;
	char **fl = c->fields + c->ncols;
	for (s = e ? e + 1 : NULL; s && *s;) {
		e = strchr(s, '\n');
		if (e)
			*e = 0;
		size_t k = split_line(s, fl, c->slot, c->ncols, last);
		c->rows[c->n] = fl;
		c->nf[c->n++] = k;
		fl += want ? c->nslots : k;
		s = e ? e + 1 : NULL;
	}
	return 1;
oom:
	free(head);
	csv_free(c);
	snprintf(err, errlen, "out of memory");
	return -CS_ENOMEM;
}

static int csv_read(csv *c, const char *dir, const char *name, char *err, size_t errlen)
{
	return csv_read_cols(c, dir, name, NULL, err, errlen);
}

/* Column index of name in the header, or -1. */
static int csv_col(const csv *c, const char *name)
{
	for (size_t k = 0; c->n && k < c->nf[0]; k++)
		if (strcmp(c->rows[0][k], name) == 0)
			return (int)k;
	return -1;
}

static const char *fld(const csv *c, size_t i, int k)
{
	if (k < 0 || (size_t)k >= c->nf[i])
		return "";
	if (!c->slot || i == 0)
		return c->rows[i][k];
	return (size_t)k < c->ncols && c->slot[k] >= 0 ? c->rows[i][c->slot[k]] : "";
}

static double num(const char *s)
{
	double v;
	return !*s ? 0 : cs_field_decimal(s, strlen(s), &v) == 0 ? v : strtod(s, NULL);
}


static double round_to(double v, double q) { return (double)(long long)(v / q + (v < 0 ? -0.5 : 0.5)) * q; }

static json_t *jr(double v) { return json_real(round_to(v, 1e-4)); }

/* Points per time series on a page: intervals are averaged into bins of a
 * round length (an hour, 6 h, 12 h, a day, a week) so that a year draws
 * about 400 points per line, not 8,760. */
#define TS_POINTS 500

static cs_time bin_length(cs_time sample_s, size_t nint)
{
	static const cs_time nice[] = { 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400 };
	size_t k = (nint + TS_POINTS - 1) / TS_POINTS;
	if (k <= 1)
		return sample_s;
	for (size_t i = 0; i < sizeof nice / sizeof nice[0]; i++)
		if (nice[i] >= (cs_time)k * sample_s && nice[i] % sample_s == 0)
			return nice[i];
	return (cs_time)k * sample_s;
}

/* One series being binned: sums weighted by interval length. */
typedef struct bins {
	double *v, *w;
	size_t n;
} bins;

static void bin_add(bins *b, size_t i, double v, double w)
{
	if (i >= b->n)
		return;
	b->v[i] += v * w;
	b->w[i] += w;
}

static json_t *bin_json(const bins *b, double scale)
{
	json_t *a = json_array();
	for (size_t i = 0; i < b->n; i++)
		json_array_append_new(a, b->w[i] > 0 ? jr(b->v[i] / b->w[i] * scale) : json_null());
	return a;
}

/* A row of timeseries.csv as the page reads it: each column's value as
 * num() reads its text (0 for an empty field). */
typedef struct tsrow {
	int scope; /* CS_REC_* (any scope but the machine and node types: CS_REC_PARTITION) */
	const char *name;
	double t, len, gpus, cores, gb, cb, qj, qg, qc, fg, fc, rj, pw;
	int has_pw; /* power_w not empty */
} tsrow;

/* x as timeseries.csv writes it with prec decimals, read back (the text
 * written and read only where cs_fixed_value cannot tell). */
static double fixed_num(double x, int prec)
{
	double v;
	if (cs_fixed_value(x, prec, &v) == 0)
		return v;
	char b[CS_PUT_FIXED_MAX];
	*cs_put_fixed(b, x, prec) = 0;
	return num(b);
}

/* The rows of timeseries.csv: the run's in memory (rec), else read from
 * dir into c (their names point into it). NULL with rc: 0 no file,
 * -CS_E* an error. */
static tsrow *ts_rows(const cs_recorder *rec, const char *dir, csv *c, size_t *n, int *rc, char *err,
		      size_t errlen)
{
	memset(c, 0, sizeof *c);
	if (rec) {
		*n = cs_recorder_nrows(rec);
		tsrow *v = malloc((*n + 1) * sizeof *v);
		for (size_t i = 0; v && i < *n; i++) {
			cs_rec_row r;
			cs_recorder_row(rec, i, &r);
			v[i] = (tsrow){ .scope = r.scope, .name = r.name, .t = (double)r.t, .len = (double)r.len,
					.gpus = (double)r.gpus, .cores = (double)r.cores, .gb = fixed_num(r.gpus_busy, 3),
					.cb = fixed_num(r.cores_busy, 3), .has_pw = r.power,
					.pw = r.power ? fixed_num(r.power_w, 1) : 0 };
			if (r.queue) {
				v[i].rj = (double)r.running;
				v[i].qj = (double)r.queued_jobs;
				v[i].qg = (double)r.queued_gpus;
				v[i].qc = (double)r.queued_cores;
			}
			v[i].fg = r.frag_in_gpus ? (double)r.frag_gpus : 0;
			v[i].fc = r.frag_in_gpus ? 0 : (double)r.frag_cores;
		}
		*rc = v ? 0 : -CS_ENOMEM;
		return v;
	}
	if ((*rc = csv_read(c, dir, "timeseries.csv", err, errlen)) <= 0)
		return NULL;
	int ct = csv_col(c, "t"), cl = csv_col(c, "length_s"), csc = csv_col(c, "scope"), cn = csv_col(c, "name");
	int cg = csv_col(c, "gpus"), ck = csv_col(c, "cores");
	int cgb = csv_col(c, "gpus_busy"), ckb = csv_col(c, "cores_busy");
	int cqj = csv_col(c, "queued_jobs"), cqg = csv_col(c, "queued_gpus"), cqc = csv_col(c, "queued_cores");
	int cfg = csv_col(c, "fragmented_gpus"), cfc = csv_col(c, "fragmented_cores");
	int cr = csv_col(c, "running_jobs"), cp = csv_col(c, "power_w");
	*n = c->n ? c->n - 1 : 0;
	tsrow *v = malloc((*n + 1) * sizeof *v);
	if (!v) {
		csv_free(c);
		*rc = -CS_ENOMEM;
		return NULL;
	}
	for (size_t i = 1; i < c->n; i++) {
		const char *sc = fld(c, i, csc);
		v[i - 1] = (tsrow){ .scope = strcmp(sc, "machine") == 0 ? CS_REC_MACHINE : strcmp(sc, "node_type") == 0
										    ? CS_REC_NODE_TYPE : CS_REC_PARTITION,
				    .name = fld(c, i, cn), .t = num(fld(c, i, ct)), .len = num(fld(c, i, cl)),
				    .gpus = num(fld(c, i, cg)), .cores = num(fld(c, i, ck)), .gb = num(fld(c, i, cgb)),
				    .cb = num(fld(c, i, ckb)), .qj = num(fld(c, i, cqj)), .qg = num(fld(c, i, cqg)),
				    .qc = num(fld(c, i, cqc)), .fg = num(fld(c, i, cfg)), .fc = num(fld(c, i, cfc)),
				    .rj = num(fld(c, i, cr)), .pw = num(fld(c, i, cp)), .has_pw = *fld(c, i, cp) != 0 };
	}
	*rc = 1;
	return v;
}

/* Series of the machine over time (utilization of GPUs and cores, queue,
 * queued demand, fragmentation, power) and the utilization of each node
 * type (of its GPUs, of its cores for a type without GPUs), binned; the
 * rows the run's in memory (rec), else timeseries.csv's. */
static int load_timeseries(run_data *rd, const char *dir, const cs_recorder *rec, char *err, size_t errlen)
{
	csv c;
	size_t nr;
	int rc;
	tsrow *R = ts_rows(rec, dir, &c, &nr, &rc, err, errlen);
	if (!R) {
		if (rc == -CS_ENOMEM)
			snprintf(err, errlen, "out of memory");
		return rc;
	}
	/* the machine's rows: count, sampling interval, capacities */
	size_t nint = 0;
	double t0 = 0, gcap = 0, ccap = 0, sample = 3600;
	int power = 0;
	for (size_t i = 0; i < nr; i++)
		if (R[i].scope == CS_REC_MACHINE) {
			if (nint++ == 0) {
				t0 = R[i].t;
				sample = R[i].len;
				gcap = R[i].gpus;
				ccap = R[i].cores;
			}
			power |= R[i].has_pw;
		}
	if (sample < 1)
		sample = 1;
	cs_time bl = bin_length((cs_time)sample, nint);
	double last_t = t0;
	for (size_t i = 0; i < nr; i++)
		if (R[i].t > last_t)
			last_t = R[i].t;
	size_t nb = (size_t)((last_t - t0) / (double)bl) + 1;
	/* machine series, then one per node type (found as they come) */
	enum { GU, CU, QJ, QG, QC, FG, FC, RJ, PW, NS };
	size_t ntypes = 0;
	for (size_t i = 0; i < nr; i++)
		ntypes += R[i].scope == CS_REC_NODE_TYPE;
	ntypes = nint ? ntypes / nint : 0;
	size_t nser = NS + ntypes;
	double *mem = calloc(2 * nser * nb + 1, sizeof *mem);
	const char **tname = calloc(ntypes + 1, sizeof *tname);
	int *tgpu = calloc(ntypes + 1, sizeof *tgpu);
	bins *B = calloc(nser, sizeof *B);
	if (!mem || !tname || !tgpu || !B) {
		free(B);
		free(mem);
		free(tname);
		free(tgpu);
		free(R);
		csv_free(&c);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	for (size_t k = 0; k < nser; k++)
		B[k] = (bins){ mem + 2 * k * nb, mem + (2 * k + 1) * nb, nb };
	size_t seen = 0;
	for (size_t i = 0; i < nr; i++) {
		const tsrow *x = &R[i];
		double w = x->len;
		size_t b = (size_t)((x->t - t0) / (double)bl);
		if (x->scope == CS_REC_MACHINE) {
			bin_add(&B[GU], b, gcap > 0 ? x->gb / gcap : 0, w);
			bin_add(&B[CU], b, ccap > 0 ? x->cb / ccap : 0, w);
			bin_add(&B[QJ], b, x->qj, w);
			bin_add(&B[QG], b, x->qg, w);
			bin_add(&B[QC], b, x->qc, w);
			bin_add(&B[FG], b, x->fg, w);
			bin_add(&B[FC], b, x->fc, w);
			bin_add(&B[RJ], b, x->rj, w);
			bin_add(&B[PW], b, x->pw / 1000.0, w);
		} else if (x->scope == CS_REC_NODE_TYPE) {
			size_t k = 0;
			while (k < seen && strcmp(tname[k], x->name) != 0)
				k++;
			if (k == seen && seen < ntypes) {
				tname[seen] = x->name;
				tgpu[seen++] = x->gpus > 0;
			}
			if (k >= ntypes)
				continue;
			/* a node type without GPUs: its cores */
			double cap = tgpu[k] ? x->gpus : x->cores;
			bin_add(&B[NS + k], b, cap > 0 ? (tgpu[k] ? x->gb : x->cb) / cap : 0, w);
		}
	}
	json_t *m = json_object(), *t = json_array();
	for (size_t i = 0; i < nb; i++)
		json_array_append_new(t, json_integer((json_int_t)(t0 + (double)i * (double)bl)));
	json_object_set_new(m, "bin_s", json_integer((json_int_t)bl));
	json_object_set_new(m, "t", t);
	json_object_set_new(m, "gpus", json_integer((json_int_t)gcap));
	json_object_set_new(m, "cores", json_integer((json_int_t)ccap));
	json_object_set_new(m, "gpu_util", bin_json(&B[GU], 1));
	json_object_set_new(m, "core_util", bin_json(&B[CU], 1));
	json_object_set_new(m, "queued", bin_json(&B[QJ], 1));
	json_object_set_new(m, "queued_gpus", bin_json(&B[QG], 1));
	json_object_set_new(m, "queued_cores", bin_json(&B[QC], 1));
	json_object_set_new(m, "frag_gpus", bin_json(&B[FG], 1));
	json_object_set_new(m, "frag_cores", bin_json(&B[FC], 1));
	json_object_set_new(m, "running", bin_json(&B[RJ], 1));
	json_object_set_new(m, "power_kw", power ? bin_json(&B[PW], 1) : json_array());
	json_t *types = json_array();
	for (size_t k = 0; k < seen; k++) {
		json_t *ty = json_object();
		json_object_set_new(ty, "name", json_string(tname[k]));
		json_object_set_new(ty, "unit", json_string(tgpu[k] ? "GPUs" : "cores"));
		json_object_set_new(ty, "util", bin_json(&B[NS + k], 1));
		json_array_append_new(types, ty);
	}
	json_object_set_new(m, "types", types);
	json_object_set_new(rd->d, "ts", m);
	free(B);
	free(mem);
	free(tname);
	free(tgpu);
	free(R);
	csv_free(&c);
	return 0;
}

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

/* One job of a project drawn on the page: the project's place among the
 * largest, its wait and bounded slowdown. */
typedef struct pjob {
	size_t proj;
	double wait, bsld;
} pjob;

/* Percentile q of sorted field values v[0..n) (stride: the struct's size). */
static double pct_field(const pjob *v, size_t n, int bsld, double q)
{
	if (!n)
		return 0;
	double h = (double)(n - 1) * q;
	size_t lo = (size_t)h;
	double a = bsld ? v[lo].bsld : v[lo].wait;
	if (lo + 1 >= n)
		return a;
	double b = bsld ? v[lo + 1].bsld : v[lo + 1].wait;
	return a + (h - (double)lo) * (b - a);
}

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

/* Boxes [p5, p25, p50, p75, p95] of the waits (s) and bounded slowdowns of
 * the projects named in D.projects.names (the largest), from jobs.csv:
 * D.pboxes. tau: the run's bounded-slowdown threshold. */
static int project_boxes(run_data *rd, const jrow *rows, size_t nrows, int have_proj, double tau)
{
	const json_t *names = json_object_get(json_object_get(rd->d, "projects"), "names");
	size_t np = json_array_size(names);
	if (!np || !have_proj)
		return 0;
	pjob *v = malloc((nrows + 1) * sizeof *v), *by = malloc((nrows + 1) * sizeof *by);
	pname *byname = malloc((np + 1) * sizeof *byname);
	uint64_t *key = malloc((2 * nrows + 1) * sizeof *key);
	uint32_t *idx = malloc((2 * nrows + 1) * sizeof *idx);
	size_t *at = malloc((np + 1) * sizeof *at);
	if (!v || !by || !byname || !key || !idx || !at) {
		free(v);
		free(by);
		free(byname);
		free(key);
		free(idx);
		free(at);
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
	} seen[1024] = { { 0 } };
	size_t n = 0;
	for (size_t i = 0; i < nrows; i++) {
		size_t h = ((uintptr_t)rows[i].proj >> 3) & 1023;
		if (seen[h].name != rows[i].proj) {
			seen[h].name = rows[i].proj;
			seen[h].k = name_place(byname, np, rows[i].proj);
		}
		size_t k = seen[h].k;
		if (k == np)
			continue;
		double w = rows[i].wait, run = rows[i].runtime;
		double b = (w + run) / (run > tau ? run : tau);
		v[n++] = (pjob){ k, w, b > 1 ? b : 1 };
	}
	static const double bq[] = { 0.05, 0.25, 0.5, 0.75, 0.95 };
	json_t *wb = json_array(), *bb = json_array(), *jobs = json_array();
	for (int pass = 0; pass < 2; pass++) {
		/* by the field, then stably by project: by (project, field) */
		for (size_t i = 0; i < n; i++) {
			key[i] = double_key(pass ? v[i].bsld : v[i].wait);
			idx[i] = (uint32_t)i;
		}
		sort_keyed(key, idx, n);
		memset(at, 0, (np + 1) * sizeof *at);
		for (size_t i = 0; i < n; i++)
			at[v[i].proj + 1]++;
		for (size_t k = 0; k < np; k++)
			at[k + 1] += at[k];
		for (size_t i = 0; i < n; i++) {
			const pjob *x = &v[idx[i]];
			by[at[x->proj]++] = *x;
		}
		pjob *t = v;
		v = by;
		by = t;
		size_t a = 0;
		for (size_t k = 0; k < np; k++) {
			size_t b = a;
			while (b < n && v[b].proj == k)
				b++;
			json_t *box = json_array();
			for (size_t q = 0; q < 5; q++)
				json_array_append_new(box, jr(pct_field(v + a, b - a, pass, bq[q])));
			json_array_append_new(pass ? bb : wb, box);
			if (!pass)
				json_array_append_new(jobs, json_integer((json_int_t)(b - a)));
			a = b;
		}
	}
	json_t *o = json_object();
	json_object_set_new(o, "jobs", jobs);
	json_object_set_new(o, "wait", wb);
	json_object_set_new(o, "bsld", bb);
	json_object_set_new(o, "tau", json_real(tau));
	json_object_set_new(rd->d, "pboxes", o);
	free(v);
	free(by);
	free(byname);
	free(key);
	free(idx);
	free(at);
	return 0;
}

/* The partitions seen, by first appearance; a name's index among them
 * (added if new: -1 out of memory). Jobs come in runs of one partition,
 * so the last one found is tried first. */
typedef struct parts_seen {
	pname *v;
	size_t n, cap, last;
} parts_seen;

static long part_index(parts_seen *ps, const char *p)
{
	/* (a run's names are the trace's: one pointer a name, mostly) */
	if (ps->n && (ps->v[ps->last].name == p || strcmp(ps->v[ps->last].name, p) == 0))
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
	if ((*rc = csv_read_cols(c, dir, "jobs.csv", cols, err, errlen)) <= 0)
		return NULL;
	int cw = csv_col(c, "wait"), cs = csv_col(c, "start"), cpart = csv_col(c, "partition"),
	    cp = csv_col(c, "project"), cr = csv_col(c, "runtime");
	*have_proj = cp >= 0;
	jrow *v = malloc((c->n + 1) * sizeof *v);
	if (!v) {
		csv_free(c);
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
static int load_waits(run_data *rd, const char *dir, int full, const cs_report_rows *rows, char *err,
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
	cs_time *w = malloc((nr + 1) * sizeof *w);
	pwait *pw = malloc((nr + 1) * sizeof *pw);
	uint64_t *key = malloc((2 * nr + 1) * sizeof *key);
	uint32_t *idx = malloc((2 * nr + 1) * sizeof *idx);
	parts_seen ps = { 0 };
	double tau = 10;
	cs_report_json_num(rd->summary, "conventions.bsld_tau", &tau);
	rc = w && pw && key && idx && (!full || project_boxes(rd, rs, nr, have_proj, tau) >= 0) ? 0 : -CS_ENOMEM;
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
	csv_free(&c);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Projects (projects.csv): their service (delivered / fair share) as a
 * CDF over projects (D.service.cdf, at most 400 points) and, with full,
 * per project [fair share, service] for the scatter and the 30 largest
 * projects' delivered and fair-share hours (D.projects). */
static int load_projects(run_data *rd, const char *dir, int full, char *err, size_t errlen)
{
	csv c;
	int rc = csv_read(&c, dir, "projects.csv", err, errlen);
	if (rc <= 0)
		return rc;
	/* shares and entitlements count GPU-hours on a machine with GPUs, else
	 * core-hours (docs/outputs.md) */
	int cg = csv_col(&c, "gpu_hours"), cf = csv_col(&c, "fair_hours"), cx = csv_col(&c, "service");
	double gsum = 0;
	for (size_t i = 1; i < c.n; i++)
		gsum += num(fld(&c, i, cg));
	int cu = gsum > 0 ? cg : csv_col(&c, "core_hours");
	const char *unit = gsum > 0 ? "GPU-hours" : "core-hours";
	/* with TRESBillingWeights the fair shares are billing-unit-hours, and
	 * so is what was delivered (docs/fairshare.md#billing) */
	const json_t *fu = cs_report_json_at(rd->summary, "recorder.fairness.unit");
	if (fu && json_is_string(fu) && strcmp(json_string_value(fu), "billing") == 0 &&
	    csv_col(&c, "billed_hours") >= 0) {
		cu = csv_col(&c, "billed_hours");
		unit = "billing-unit-hours";
	}
	double *xs = malloc((c.n + 1) * sizeof *xs);
	if (!xs) {
		csv_free(&c);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	json_t *names = json_array(), *used = json_array(), *fair = json_array(), *pts = json_array();
	size_t nx = 0;
	for (size_t i = 1; i < c.n; i++) {
		if (c.nf[i] < 2)
			continue;
		if (full && json_array_size(names) < 30) {
			json_array_append_new(names, json_string(fld(&c, i, 0)));
			json_array_append_new(used, jr(num(fld(&c, i, cu))));
			json_array_append_new(fair, jr(num(fld(&c, i, cf))));
		}
		if (cx < 0 || !*fld(&c, i, cx))
			continue; /* no fair share: nothing to serve */
		double x = num(fld(&c, i, cx));
		xs[nx++] = x;
		if (full) {
			json_t *pt = json_array();
			json_array_append_new(pt, jr(num(fld(&c, i, cf))));
			json_array_append_new(pt, jr(x));
			json_array_append_new(pt, json_string(fld(&c, i, 0)));
			json_array_append_new(pts, pt);
		}
	}
	qsort(xs, nx, sizeof *xs, cmp_double);
	json_t *cdf = json_array();
	size_t npts = nx < 400 ? nx : 400;
	for (size_t k = 0; k < npts; k++) {
		size_t i = npts > 1 ? k * (nx - 1) / (npts - 1) : 0;
		json_t *pt = json_array();
		json_array_append_new(pt, jr(xs[i]));
		json_array_append_new(pt, jr((double)(i + 1) / (double)nx));
		json_array_append_new(cdf, pt);
	}
	json_t *sv = json_object();
	json_object_set_new(sv, "cdf", cdf);
	json_object_set_new(sv, "points", pts);
	json_object_set_new(sv, "unit", json_string(unit));
	json_object_set_new(rd->d, "service", sv);
	if (full) {
		json_t *p = json_object();
		json_object_set_new(p, "names", names);
		json_object_set_new(p, "used", used);
		json_object_set_new(p, "fair", fair);
		json_object_set_new(p, "unit", json_string(unit));
		json_object_set_new(rd->d, "projects", p);
	} else {
		json_decref(names);
		json_decref(used);
		json_decref(fair);
	}
	free(xs);
	csv_free(&c);
	return 0;
}

/* The fair-share windows (fairness.csv): per window its start, the
 * distance from fair share, the share of its projects under-served and
 * Jain's index over their service: D.fair. */
static int load_fairness(run_data *rd, const char *dir, char *err, size_t errlen)
{
	csv c;
	int rc = csv_read(&c, dir, "fairness.csv", err, errlen);
	if (rc <= 0)
		return rc;
	int ct = csv_col(&c, "t"), cl = csv_col(&c, "length_s"), cd = csv_col(&c, "distance"),
	    cj = csv_col(&c, "jain"), cp = csv_col(&c, "projects"), cu = csv_col(&c, "under_served_projects");
	json_t *t = json_array(), *dist = json_array(), *under = json_array(), *jain = json_array();
	double len = 0;
	for (size_t i = 1; i < c.n; i++) {
		if (c.nf[i] < 2)
			continue;
		if (i == 1)
			len = num(fld(&c, i, cl));
		double np = num(fld(&c, i, cp));
		json_array_append_new(t, json_integer((json_int_t)num(fld(&c, i, ct))));
		json_array_append_new(dist, np > 0 ? jr(num(fld(&c, i, cd))) : json_null());
		json_array_append_new(under, np > 0 ? jr(num(fld(&c, i, cu)) / np) : json_null());
		json_array_append_new(jain, *fld(&c, i, cj) ? jr(num(fld(&c, i, cj))) : json_null());
	}
	json_t *f = json_object();
	json_object_set_new(f, "window_s", json_integer((json_int_t)len));
	json_object_set_new(f, "t", t);
	json_object_set_new(f, "distance", dist);
	json_object_set_new(f, "under", under);
	json_object_set_new(f, "jain", jain);
	json_object_set_new(rd->d, "fair", f);
	csv_free(&c);
	return 0;
}

size_t cs_report_share_json(char *buf, double v)
{
	double k = (double)(long long)(v / 0.01 + (v < 0 ? -0.5 : 0.5)); /* round_to(v, 0.01) / 0.01 */
	if (!(k >= 0 && k < 1e6)) {
		/* (not a share of a node) jansson's own text */
		json_t *r = json_real(round_to(v, 0.01));
		char *s = json_dumps(r, JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));
		size_t n = s ? strlen(s) : 0;
		memcpy(buf, s ? s : "", n);
		free(s);
		json_decref(r);
		return n;
	}
	/* k hundredths has at most six significant digits, all of them in
	 * "%.6g", which drops trailing zeros; jansson then adds ".0" to a
	 * whole number */
	long long h = (long long)k;
	char *p = cs_put_int(buf, h / 100);
	*p++ = '.';
	*p++ = (char)('0' + h / 10 % 10);
	if (h % 10)
		*p++ = (char)('0' + h % 10);
	return (size_t)(p - buf);
}

/* The node occupancy heatmap: [column, row, share] for non-zero cells,
 * the cells as text (rd->heat_cells) for the page to write as they are:
 * they are most of it (a year: over a hundred thousand). */
static int load_occupancy(run_data *rd, const char *dir, char *err, size_t errlen)
{
	csv c;
	int rc = csv_read(&c, dir, "occupancy.csv", err, errlen);
	if (rc <= 0)
		return rc;
	json_t *cols = json_array(), *rows = json_array(), *types = json_array();
	for (size_t k = 2; k < c.nf[0]; k++)
		json_array_append_new(cols, json_integer((json_int_t)num(c.rows[0][k])));
	size_t cap = 4096, len = 0, nrows = 0;
	char *cells = malloc(cap);
	if (cells)
		cells[len++] = '[';
	for (size_t i = 1; cells && i < c.n; i++) {
		if (c.nf[i] < 2)
			continue;
		json_array_append_new(rows, json_string(fld(&c, i, 0)));
		json_array_append_new(types, json_string(fld(&c, i, 1)));
		for (size_t k = 2; cells && k < c.nf[i]; k++) {
			double v = num(c.rows[i][k]);
			if (v <= 0)
				continue;
			if (cap - len < 3 * CS_PUT_INT_MAX + 400) {
				char *nc = realloc(cells, 2 * cap);
				if (!nc) {
					free(cells);
					cells = NULL;
					break;
				}
				cells = nc;
				cap *= 2;
			}
			char *p = cells + len;
			if (len > 1)
				*p++ = ',';
			*p++ = '[';
			p = cs_put_int(p, (int64_t)(k - 2));
			*p++ = ',';
			p = cs_put_int(p, (int64_t)nrows);
			*p++ = ',';
			p += cs_report_share_json(p, v);
			*p++ = ']';
			len = (size_t)(p - cells);
		}
		nrows++;
	}
	if (!cells) {
		json_decref(cols);
		json_decref(rows);
		json_decref(types);
		csv_free(&c);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	cells[len++] = ']';
	json_t *h = json_object();
	json_object_set_new(h, "cols", cols);
	json_object_set_new(h, "rows", rows);
	json_object_set_new(h, "types", types);
	json_object_set_new(rd->d, "heat", h);
	rd->heat_cells = cells;
	rd->heat_len = len;
	csv_free(&c);
	return 0;
}

/* The site's facility power over time (power.csv): means and peaks per
 * bin, and the cap. */
static int load_power(run_data *rd, const char *dir, char *err, size_t errlen)
{
	csv c;
	int rc = csv_read(&c, dir, "power.csv", err, errlen);
	if (rc <= 0 || c.n < 2) {
		if (rc > 0)
			csv_free(&c);
		return rc < 0 ? rc : 0;
	}
	int ct = csv_col(&c, "t"), cl = csv_col(&c, "length_s"), cf = csv_col(&c, "facility_power_w"),
	    cp = csv_col(&c, "facility_peak_w"), cc = csv_col(&c, "cap_w");
	double t0 = num(fld(&c, 1, ct)), sample = num(fld(&c, 1, cl));
	cs_time bl = bin_length((cs_time)(sample >= 1 ? sample : 1), c.n - 1);
	size_t nb = (size_t)((num(fld(&c, c.n - 1, ct)) - t0) / (double)bl) + 1;
	double *mem = calloc(3 * nb + 1, sizeof *mem);
	if (!mem) {
		csv_free(&c);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	bins mean = { mem, mem + nb, nb };
	double *peak = mem + 2 * nb;
	for (size_t i = 1; i < c.n; i++) {
		size_t b = (size_t)((num(fld(&c, i, ct)) - t0) / (double)bl);
		bin_add(&mean, b, num(fld(&c, i, cf)) / 1000.0, num(fld(&c, i, cl)));
		if (b < nb && num(fld(&c, i, cp)) / 1000.0 > peak[b])
			peak[b] = num(fld(&c, i, cp)) / 1000.0;
	}
	json_t *o = json_object(), *t = json_array(), *pk = json_array();
	for (size_t i = 0; i < nb; i++) {
		json_array_append_new(t, json_integer((json_int_t)(t0 + (double)i * (double)bl)));
		json_array_append_new(pk, mean.w[i] > 0 ? jr(peak[i]) : json_null());
	}
	json_object_set_new(o, "bin_s", json_integer((json_int_t)bl));
	json_object_set_new(o, "t", t);
	json_object_set_new(o, "mean_kw", bin_json(&mean, 1));
	json_object_set_new(o, "peak_kw", pk);
	json_object_set_new(o, "cap_kw", *fld(&c, 1, cc) ? jr(num(fld(&c, 1, cc)) / 1000.0) : json_null());
	json_object_set_new(rd->d, "power", o);
	free(mem);
	csv_free(&c);
	return 0;
}

/* Each storage tier's use over time (storage.csv), at most TS_POINTS
 * samples a tier (every k-th, and the last). */
static int load_storage(run_data *rd, const char *dir, char *err, size_t errlen)
{
	csv c;
	int rc = csv_read(&c, dir, "storage.csv", err, errlen);
	if (rc <= 0)
		return rc;
	int ct = csv_col(&c, "t"), cn = csv_col(&c, "tier"), cu = csv_col(&c, "used_tb"), cc = csv_col(&c, "capacity_tb");
	size_t ntiers = 0;
	while (1 + ntiers < c.n && (ntiers == 0 || strcmp(fld(&c, 1 + ntiers, ct), fld(&c, 1, ct)) == 0))
		ntiers++;
	size_t ns = ntiers ? (c.n - 1) / ntiers : 0, k = (ns + TS_POINTS - 1) / TS_POINTS;
	json_t *o = json_object(), *t = json_array(), *tiers = json_array();
	for (size_t j = 0; j < ntiers; j++) {
		json_t *x = json_object();
		json_object_set_new(x, "name", json_string(fld(&c, 1 + j, cn)));
		json_object_set_new(x, "capacity_tb", jr(num(fld(&c, 1 + j, cc))));
		json_object_set_new(x, "used_tb", json_array());
		json_array_append_new(tiers, x);
	}
	for (size_t i = 0; i < ns; i++) {
		if (i % (k ? k : 1) != 0 && i + 1 != ns)
			continue;
		size_t r = 1 + i * ntiers;
		json_array_append_new(t, json_integer((json_int_t)num(fld(&c, r, ct))));
		for (size_t j = 0; j < ntiers; j++)
			json_array_append_new(json_object_get(json_array_get(tiers, j), "used_tb"),
					      jr(num(fld(&c, r + j, cu))));
	}
	json_object_set_new(o, "t", t);
	json_object_set_new(o, "tiers", tiers);
	json_object_set_new(rd->d, "storage", o);
	csv_free(&c);
	return 0;
}

void cs_run_data_free(run_data *rd)
{
	json_decref(rd->summary);
	json_decref(rd->d);
	free(rd->heat_cells);
	rd->summary = rd->d = NULL;
	rd->heat_cells = NULL;
}

int cs_run_data_load(run_data *rd, const char *dir, const char *name, int full, const cs_report_rows *rows,
		     char *err, size_t errlen)
{
	memset(rd, 0, sizeof *rd);
	char path[4096];
	snprintf(path, sizeof path, "%s/summary.json", dir);
	json_error_t je;
	rd->summary = json_load_file(path, 0, &je);
	if (!rd->summary) {
		snprintf(err, errlen, "%s: not a capsim run directory (summary.json: %s)", dir, je.text);
		return -CS_EIO;
	}
	const char *s = strrchr(dir, '/');
	while (s && s[1] == 0 && s > dir) { /* "dir/" */
		const char *p = s - 1;
		while (p > dir && *p != '/')
			p--;
		s = *p == '/' ? p : NULL;
	}
	snprintf(rd->name, sizeof rd->name, "%s", name ? name : s ? s + 1 : dir);
	size_t l = strlen(rd->name);
	if (l && rd->name[l - 1] == '/')
		rd->name[l - 1] = 0;
	rd->d = json_object();
	json_object_set_new(rd->d, "name", json_string(rd->name));
	/* the calendar: x axes in dates where the workload has an epoch */
	json_t *ep = json_object_get(rd->summary, "epoch");
	json_object_set_new(rd->d, "epoch", json_is_integer(ep) ? json_integer(json_integer_value(ep)) : json_null());
	int rc = load_timeseries(rd, dir, rows ? rows->rec : NULL, err, errlen);
	if (rc == 0)
		rc = load_projects(rd, dir, full, err, errlen);
	if (rc == 0)
		rc = load_waits(rd, dir, full, rows, err, errlen);
	if (rc == 0)
		rc = load_fairness(rd, dir, err, errlen);
	if (rc == 0 && full)
		rc = load_occupancy(rd, dir, err, errlen);
	if (rc == 0 && full)
		rc = load_power(rd, dir, err, errlen);
	if (rc == 0 && full)
		rc = load_storage(rd, dir, err, errlen);
	if (rc < 0)
		cs_run_data_free(rd);
	return rc;
}

/* A value of summary.json at a dotted path, or NULL. */
const json_t *cs_report_json_at(const json_t *root, const char *path)
{
	char key[128];
	const json_t *v = root;
	const char *p = path;
	while (v && *p) {
		const char *dot = strchr(p, '.');
		size_t kl = dot ? (size_t)(dot - p) : strlen(p);
		snprintf(key, sizeof key, "%.*s", (int)kl, p);
		v = json_object_get(v, key);
		p = dot ? dot + 1 : p + kl;
	}
	return v && !json_is_null(v) ? v : NULL;
}

int cs_report_json_num(const json_t *root, const char *path, double *out)
{
	const json_t *v = cs_report_json_at(root, path);
	if (!v || !json_is_number(v))
		return 0;
	*out = json_number_value(v);
	return 1;
}

