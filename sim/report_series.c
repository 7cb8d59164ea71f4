/* capsim: the report's series over time (report_data_int.h): the
 * machine's and node types' from timeseries.csv or the run's recorder, the
 * site's power (power.csv) and the storage tiers' use (storage.csv). */
#include "report_data_int.h"
#include "capsim/csvout.h"
#include "capsim/power.h"
#include "capsim/recorder.h"
#include "capsim/storage.h"

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
	if ((*rc = cs_report_csv_read(c, dir, "timeseries.csv", err, errlen)) <= 0)
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
		cs_report_csv_free(c);
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
int cs_report_load_timeseries(run_data *rd, const char *dir, const cs_recorder *rec, char *err, size_t errlen)
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
		cs_report_csv_free(&c);
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
	cs_report_csv_free(&c);
	return 0;
}

/* A row of power.csv as the page reads it (num() of each text). */
typedef struct pwrow {
	double t, len, fac, peak;
} pwrow;

/* The rows of power.csv: the run's meter's (rows->power, with rows->rec),
 * else read from dir; *cap its cap_w (*has_cap 0: empty). NULL with rc:
 * 0 no file or no rows, -CS_E* an error. */
static pwrow *power_rows(const cs_report_rows *rows, const char *dir, size_t *n, double *cap, int *has_cap, int *rc,
			 char *err, size_t errlen)
{
	*n = 0;
	*cap = 0;
	*has_cap = 0;
	if (rows && rows->rec) {
		size_t nr = rows->power ? cs_power_meter_nrows(rows->power) : 0;
		pwrow *v = nr ? malloc(nr * sizeof *v) : NULL;
		*rc = nr && !v ? -CS_ENOMEM : 0;
		for (size_t i = 0; v && i < nr; i++) {
			cs_time t, len;
			double it, itp, fac, peak, cw;
			cs_power_meter_row(rows->power, i, &t, &len, &it, &itp, &fac, &peak, &cw);
			v[i] = (pwrow){ (double)t, (double)len, fixed_num(fac, 1), fixed_num(peak, 1) };
			if (i == 0 && cw > 0) {
				*has_cap = 1;
				*cap = fixed_num(cw, 1);
			}
		}
		*n = v ? nr : 0;
		return v;
	}
	csv c;
	*rc = cs_report_csv_read(&c, dir, "power.csv", err, errlen);
	if (*rc <= 0 || c.n < 2) {
		if (*rc > 0)
			cs_report_csv_free(&c);
		*rc = *rc < 0 ? *rc : 0;
		return NULL;
	}
	int ct = csv_col(&c, "t"), cl = csv_col(&c, "length_s"), cf = csv_col(&c, "facility_power_w"),
	    cp = csv_col(&c, "facility_peak_w"), cc = csv_col(&c, "cap_w");
	pwrow *v = malloc((c.n - 1) * sizeof *v);
	*rc = v ? 0 : -CS_ENOMEM;
	for (size_t i = 1; v && i < c.n; i++)
		v[i - 1] = (pwrow){ num(fld(&c, i, ct)), num(fld(&c, i, cl)), num(fld(&c, i, cf)), num(fld(&c, i, cp)) };
	if (v) {
		*n = c.n - 1;
		*has_cap = *fld(&c, 1, cc) != 0;
		*cap = num(fld(&c, 1, cc));
	}
	cs_report_csv_free(&c);
	return v;
}

/* The site's facility power over time (power.csv, or the run's meter):
 * means and peaks per bin, and the cap. */
int cs_report_load_power(run_data *rd, const char *dir, const cs_report_rows *rows, char *err, size_t errlen)
{
	size_t n;
	double cap;
	int has_cap, rc;
	pwrow *R = power_rows(rows, dir, &n, &cap, &has_cap, &rc, err, errlen);
	if (!R) {
		if (rc == -CS_ENOMEM)
			snprintf(err, errlen, "out of memory");
		return rc;
	}
	double t0 = R[0].t, sample = R[0].len;
	cs_time bl = bin_length((cs_time)(sample >= 1 ? sample : 1), n);
	size_t nb = (size_t)((R[n - 1].t - t0) / (double)bl) + 1;
	double *mem = calloc(3 * nb + 1, sizeof *mem);
	if (!mem) {
		free(R);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	bins mean = { mem, mem + nb, nb };
	double *peak = mem + 2 * nb;
	for (size_t i = 0; i < n; i++) {
		size_t b = (size_t)((R[i].t - t0) / (double)bl);
		bin_add(&mean, b, R[i].fac / 1000.0, R[i].len);
		if (b < nb && R[i].peak / 1000.0 > peak[b])
			peak[b] = R[i].peak / 1000.0;
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
	json_object_set_new(o, "cap_kw", has_cap ? jr(cap / 1000.0) : json_null());
	json_object_set_new(rd->d, "power", o);
	free(mem);
	free(R);
	return 0;
}

/* A row of storage.csv as the page reads it: its t (num() of its text),
 * the text itself (the file's) or the time it writes (the run's: -1 for
 * the empty text of a time before 0), its tier, use and capacity. */
typedef struct strow {
	double t, used, cap;
	const char *tier, *t_text;
	int64_t t_at;
} strow;

/* Rows a and b have the same t text. */
static int same_t(const strow *a, const strow *b)
{
	return a->t_text ? strcmp(a->t_text, b->t_text) == 0 : a->t_at == b->t_at;
}

/* The rows of storage.csv: the run's storage (rows->storage, with
 * rows->rec), else read from dir into c (the names point into it). NULL
 * with rc: 0 no file, -CS_E* an error; *n 0 with a non-NULL result for a
 * file of no rows. */
static strow *storage_rows(const cs_report_rows *rows, const char *dir, csv *c, size_t *n, int *rc, char *err,
			   size_t errlen)
{
	*n = 0;
	memset(c, 0, sizeof *c);
	if (rows && rows->rec) {
		if (!rows->storage) {
			*rc = 0;
			return NULL;
		}
		size_t nr = cs_storage_nrows(rows->storage);
		strow *v = malloc((nr + 1) * sizeof *v);
		*rc = v ? 0 : -CS_ENOMEM;
		for (size_t i = 0; v && i < nr; i++) {
			cs_time t;
			double u, cap;
			cs_storage_row(rows->storage, i, &t, &v[i].tier, &u, &cap);
			v[i].t = t >= 0 ? (double)t : 0;
			v[i].t_text = NULL;
			v[i].t_at = t >= 0 ? t : -1;
			v[i].used = fixed_num(u, 3);
			v[i].cap = fixed_num(cap, 3);
		}
		*n = v ? nr : 0;
		return v;
	}
	if ((*rc = cs_report_csv_read(c, dir, "storage.csv", err, errlen)) <= 0)
		return NULL;
	int ct = csv_col(c, "t"), cn = csv_col(c, "tier"), cu = csv_col(c, "used_tb"), cc = csv_col(c, "capacity_tb");
	size_t nr = c->n ? c->n - 1 : 0;
	strow *v = malloc((nr + 1) * sizeof *v);
	if (!v) {
		cs_report_csv_free(c);
		*rc = -CS_ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < nr; i++) {
		const char *t = fld(c, i + 1, ct);
		v[i] = (strow){ num(t), num(fld(c, i + 1, cu)), num(fld(c, i + 1, cc)), fld(c, i + 1, cn), t, 0 };
	}
	*n = nr;
	*rc = 1;
	return v;
}

/* Each storage tier's use over time (storage.csv, or the run's storage),
 * at most TS_POINTS samples a tier (every k-th, and the last). */
int cs_report_load_storage(run_data *rd, const char *dir, const cs_report_rows *rows, char *err, size_t errlen)
{
	csv c;
	size_t nr;
	int rc;
	strow *R = storage_rows(rows, dir, &c, &nr, &rc, err, errlen);
	if (!R) {
		if (rc == -CS_ENOMEM)
			snprintf(err, errlen, "out of memory");
		return rc;
	}
	/* the tiers: the rows at the first row's time */
	size_t ntiers = 0;
	while (ntiers < nr && (ntiers == 0 || same_t(&R[ntiers], &R[0])))
		ntiers++;
	size_t ns = ntiers ? nr / ntiers : 0, k = (ns + TS_POINTS - 1) / TS_POINTS;
	json_t *o = json_object(), *t = json_array(), *tiers = json_array();
	for (size_t j = 0; j < ntiers; j++) {
		json_t *x = json_object();
		json_object_set_new(x, "name", json_string(R[j].tier));
		json_object_set_new(x, "capacity_tb", jr(R[j].cap));
		json_object_set_new(x, "used_tb", json_array());
		json_array_append_new(tiers, x);
	}
	for (size_t i = 0; i < ns; i++) {
		if (i % (k ? k : 1) != 0 && i + 1 != ns)
			continue;
		size_t r = i * ntiers;
		json_array_append_new(t, json_integer((json_int_t)R[r].t));
		for (size_t j = 0; j < ntiers; j++)
			json_array_append_new(json_object_get(json_array_get(tiers, j), "used_tb"), jr(R[r + j].used));
	}
	json_object_set_new(o, "t", t);
	json_object_set_new(o, "tiers", tiers);
	json_object_set_new(rd->d, "storage", o);
	free(R);
	cs_report_csv_free(&c);
	return 0;
}
