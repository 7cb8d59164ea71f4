/* capsim: the recorder's files (timeseries.csv, projects.csv,
 * fairness.csv, occupancy.csv) and its part of summary.json
 * (include/capsim/recorder.h, sim/recorder_int.h). */
#include "recorder_int.h"
#include "capsim/csvout.h"
#include "csvout_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fair-share amounts in the unit they are printed in: billing units
 * (counted in millionths), else resources. */
static double fair_amount(const cs_recorder *r, double v)
{
	return r->billing ? v / CS_FAIR_BILLING_SCALE : v;
}

static const char *scope_kind(const scope *s)
{
	return s->kind == SC_MACHINE ? "machine" : s->kind == SC_TYPE ? "node_type" : "partition";
}
static const char *scope_name(const cs_recorder *r, const scope *s)
{
	if (s->kind == SC_MACHINE)
		return "all";
	if (s->kind == SC_TYPE)
		return r->type_names[s->index];
	return s->index < r->nparts ? r->part_names[s->index] : "(any)";
}

/* Per interval k and node type t, the GPU-seconds out of service for
 * repair, at [k * ntypes + t] (r->down's changes integrated over each
 * interval); NULL if out of memory. */
static int64_t *down_seconds(const cs_recorder *r)
{
	size_t nint = r->nrows / r->nsc;
	int64_t *out = calloc(nint * r->ntypes + 1, sizeof *out), *cur = calloc(r->ntypes + 1, sizeof *cur);
	if (!out || !cur) {
		free(out);
		free(cur);
		return NULL;
	}
	size_t i = 0;
	for (size_t k = 0; k < nint; k++) {
		const row *w = &r->rows[k * r->nsc];
		cs_time at = w->t, end = w->t + w->len;
		for (;;) {
			cs_time next = i < r->ndown && r->down[i].t < end ? r->down[i].t : end;
			for (uint32_t t = 0; next > at && t < r->ntypes; t++)
				out[k * r->ntypes + t] += cur[t] * (next - at);
			at = next > at ? next : at;
			if (next == end)
				break;
			cur[r->node_type[r->down[i].node]] += r->down[i].gpus;
			i++;
		}
	}
	free(cur);
	return out;
}

/* Row i's GPU-seconds down (down: per interval and node type): its node
 * type's, or, for a partition, its node types', or the machine's. */
static int64_t row_down(const cs_recorder *r, const int64_t *down, size_t i)
{
	const int64_t *d = down + (i / r->nsc) * r->ntypes;
	const scope *s = &r->sc[i % r->nsc];
	int64_t v = 0;
	for (uint32_t t = 0; t < r->ntypes; t++)
		if (s->kind == SC_MACHINE || (s->kind == SC_TYPE && s->index == t) ||
		    (s->kind == SC_PART && r->part_has_type[(size_t)s->index * r->ntypes + t]))
			v += d[t];
	return v;
}

size_t cs_recorder_nrows(const cs_recorder *r) { return r->nrows; }

void cs_recorder_row(const cs_recorder *r, size_t i, cs_rec_row *out)
{
	const row *w = &r->rows[i];
	const scope *s = &r->sc[i % r->nsc];
	double len = w->len > 0 ? (double)w->len : 1;
	*out = (cs_rec_row){ .scope = s->kind == SC_MACHINE ? CS_REC_MACHINE : s->kind == SC_TYPE ? CS_REC_NODE_TYPE
											       : CS_REC_PARTITION,
			     .kind = scope_kind(s), .name = scope_name(r, s), .t = w->t, .len = w->len,
			     .queue = s->kind != SC_TYPE, .running = w->running, .queued_jobs = w->queued };
	if (r->node_model) {
		out->gpus = (int64_t)s->capacity;
		out->cores = (int64_t)s->core_capacity;
		out->gpu_seconds = w->used_s;
		out->core_seconds = w->core_s;
		out->gpus_allocated = w->alloc;
		out->cores_allocated = w->cores;
		out->queued_gpus = w->demand;
		out->queued_cores = w->cdemand;
		out->frag_gpus = w->frag;
		out->frag_in_gpus = 1;
		out->power = w->energy_j >= 0 && w->len > 0;
		out->power_w = out->power ? w->energy_j / (double)w->len : 0;
	} else {
		/* a pooled machine's processors are its cores, and it has no GPUs */
		out->cores = (int64_t)s->capacity;
		out->core_seconds = w->used_s;
		out->cores_allocated = w->alloc;
		out->queued_cores = w->demand;
		out->frag_cores = w->frag;
	}
	out->gpus_busy = (double)out->gpu_seconds / len;
	out->cores_busy = (double)out->core_seconds / len;
}

/* timeseries.csv: the same columns on every run (docs/outputs.md), and
 * gpus_down with a failure model; its values cs_recorder_row's. */
static int write_timeseries(const cs_recorder *r, const char *dir, int64_t epoch, char *err, size_t errlen)
{
	int64_t *down = NULL;
	if (r->with_down && !(down = down_seconds(r))) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	char path[4096];
	FILE *f = cs_csv_open(dir, "timeseries.csv", path, sizeof path, err, errlen);
	if (!f) {
		free(down);
		return -CS_EIO;
	}
	fputs("t,time,length_s,scope,name,gpus,cores,gpu_seconds,core_seconds,gpus_busy,cores_busy,gpus_allocated,"
	      "cores_allocated,running_jobs,queued_jobs,queued_gpus,queued_cores,fragmented_gpus,fragmented_cores,"
	      "power_w", f);
	fputs(down ? ",gpus_down\n" : "\n", f);
	cs_wbuf w;
	cs_wbuf_init(&w, f);
	int rc = 0;
	cs_utc_day day = { .day = -1 };
	for (size_t i = 0; i < r->nrows; i++) {
		cs_rec_row rw;
		cs_recorder_row(r, i, &rw);
		size_t kl = strlen(rw.kind), nl = strlen(rw.name);
		/* (each row built in memory: a year has over a hundred thousand) */
		char *p = cs_wbuf_room_in(&w, kl + nl + 16 * CS_PUT_INT_MAX + CS_PUT_UTC_MAX + 4 * CS_PUT_FIXED_MAX + 32);
		if (!p) {
			rc = -CS_ENOMEM;
			break;
		}
		p = cs_put_int_in(p, rw.t);
		*p++ = ',';
		p = cs_put_utc_in(p, &day, 1, epoch, rw.t);
		*p++ = ',';
		p = cs_put_int_in(p, rw.len);
		*p++ = ',';
		memcpy(p, rw.kind, kl);
		p += kl;
		*p++ = ',';
		memcpy(p, rw.name, nl);
		p += nl;
		const int64_t seconds[] = { rw.gpus, rw.cores, rw.gpu_seconds, rw.core_seconds };
		_Pragma("GCC unroll 4")
		for (size_t k = 0; k < sizeof seconds / sizeof *seconds; k++) {
			*p++ = ',';
			p = cs_put_int_in(p, seconds[k]);
		}
		*p++ = ',';
		p = cs_put_fixed_in(p, rw.gpus_busy, 3);
		*p++ = ',';
		p = cs_put_fixed_in(p, rw.cores_busy, 3);
		*p++ = ',';
		p = cs_put_int_in(p, rw.gpus_allocated);
		*p++ = ',';
		p = cs_put_int_in(p, rw.cores_allocated);
		*p++ = ',';
		if (!rw.queue) {
			memcpy(p, ",,,", 3);
			p += 3;
		} else {
			const int64_t queue[] = { rw.running, rw.queued_jobs, rw.queued_gpus, rw.queued_cores };
			p = cs_put_int_in(p, queue[0]);
			_Pragma("GCC unroll 3")
			for (size_t k = 1; k < 4; k++) {
				*p++ = ',';
				p = cs_put_int_in(p, queue[k]);
			}
		}
		*p++ = ',';
		/* the fragmented resource's column: the other empty on the node
		 * model, 0 on a pooled machine */
		if (rw.frag_in_gpus) {
			p = cs_put_int_in(p, rw.frag_gpus);
			*p++ = ',';
		} else {
			*p++ = '0';
			*p++ = ',';
			p = cs_put_int_in(p, rw.frag_cores);
		}
		*p++ = ',';
		if (rw.power)
			p = cs_put_fixed_in(p, rw.power_w, 1);
		if (down) {
			*p++ = ',';
			p = cs_put_fixed(p, (double)row_down(r, down, i) / (rw.len > 0 ? (double)rw.len : 1), 3);
		}
		*p++ = '\n';
		w.p = p;
	}
	free(down);
	return cs_wbuf_close(&w, rc, path, err, errlen);
}

/* projects.csv: the same columns on every run (docs/outputs.md). */
static int write_projects(const cs_recorder *r, const char *dir, const proj *ps, size_t np, char *err,
			  size_t errlen)
{
	char path[4096];
	FILE *f = cs_csv_open(dir, "projects.csv", path, sizeof path, err, errlen);
	if (!f)
		return -CS_EIO;
	int64_t total = 0;
	for (size_t i = 0; i < np; i++)
		total += ps[i].used_s;
	fputs("project,jobs,gpu_seconds,core_seconds,gpu_hours,core_hours,share,weight,entitled_hours,"
	      "used_per_entitled,mean_wait_s,p95_wait_s,mean_bounded_slowdown,median_wait_s,"
	      "median_bounded_slowdown,p95_bounded_slowdown,demand_hours,fair_hours,service,shortfall_hours,"
	      "active_windows,short_windows,billed_hours,energy_kwh\n", f);
	cs_wbuf w;
	cs_wbuf_init(&w, f);
	int rc = 0;
	for (size_t i = 0; i < np; i++) {
		const proj *p = &ps[i];
		const cs_fair_project *fp = &p->fair;
		int64_t g = r->node_model ? p->used_s : 0;
		/* the decimals of printf's "%.Nf" (csvout.h), the weight its "%g" */
		const struct {
			double v;
			int prec;
		} dec[] = { { (double)g / 3600.0, 6 }, { (double)p->core_s / 3600.0, 6 },
			    { total ? (double)p->used_s / (double)total : 0.0, 6 }, { 0, -1 },
			    { p->entitled_s / 3600.0, 6 }, { p->entitled_s > 0 ? (double)p->used_s / p->entitled_s : 0.0, 4 },
			    { p->mean_wait, 1 }, { p->p95_wait, 1 }, { p->mean_bsld, 4 }, { p->median_wait, 1 },
			    { p->median_bsld, 4 }, { p->p95_bsld, 4 }, { fair_amount(r, (double)fp->demand_s) / 3600.0, 6 },
			    { fair_amount(r, fp->entitled_s) / 3600.0, 6 } };
		size_t ndec = sizeof dec / sizeof *dec, nl = strlen(p->name);
		char *q = cs_wbuf_room(&w, 2 * nl + 2 + (ndec + 4) * (CS_PUT_FIXED_MAX + 1) + 8 * CS_PUT_INT_MAX);
		if (!q) {
			rc = -CS_ENOMEM;
			break;
		}
		q = cs_put_field(q, p->name, nl);
		const int64_t counts[] = { (int64_t)p->jobs, g, p->core_s };
		for (size_t k = 0; k < 3; k++) {
			*q++ = ',';
			q = cs_put_int_in(q, counts[k]);
		}
		for (size_t k = 0; k < ndec; k++) {
			*q++ = ',';
			q = dec[k].prec < 0 ? q + snprintf(q, CS_PUT_FIXED_MAX, "%g", p->weight)
					    : cs_put_fixed(q, dec[k].v, dec[k].prec);
		}
		*q++ = ',';
		if (fp->entitled_s > 0)
			q = cs_put_fixed(q, (double)fp->delivered_s / fp->entitled_s, 4);
		*q++ = ',';
		q = cs_put_fixed(q, fair_amount(r, fp->shortfall_s) / 3600.0, 6);
		*q++ = ',';
		q = cs_put_int_in(q, fp->windows);
		*q++ = ',';
		q = cs_put_int_in(q, fp->short_windows);
		*q++ = ',';
		q = cs_put_fixed(q, p->billed_s / 3600.0, 6);
		*q++ = ',';
		if (r->energy)
			q = cs_put_fixed(q, p->energy_j / 3.6e6, 6);
		*q++ = '\n';
		w.p = q;
	}
	return cs_wbuf_close(&w, rc, path, err, errlen);
}

/* fairness.csv: one row per fair-share window (docs/outputs.md). */
static int write_fairness(const cs_recorder *r, const cs_fair *fair, const char *dir, int64_t epoch, char *err,
			  size_t errlen)
{
	char path[4096];
	FILE *f = cs_csv_open(dir, "fairness.csv", path, sizeof path, err, errlen);
	if (!f)
		return -CS_EIO;
	fputs("t,time,length_s,capacity_seconds,demand_seconds,delivered_seconds,shortfall_seconds,distance,jain,"
	      "projects,under_served_projects\n", f);
	cs_wbuf wb;
	cs_wbuf_init(&wb, f);
	int rc = 0;
	for (size_t k = 0; k < fair->nwin; k++) {
		const cs_fair_window *w = &fair->win[k];
		/* (each row built in memory: printf's "%lld", "%.6f", "%.1f" and "%u" bytes) */
		char *p = cs_wbuf_room_in(&wb, 8 * (CS_PUT_INT_MAX + 1) + CS_PUT_UTC_MAX + 7 * (CS_PUT_FIXED_MAX + 1));
		if (!p) {
			rc = -CS_ENOMEM;
			break;
		}
		p = cs_put_int_in(p, w->t);
		*p++ = ',';
		p = cs_put_utc(p, epoch, w->t);
		*p++ = ',';
		p = cs_put_int_in(p, w->len);
		*p++ = ',';
		if (r->billing) { /* billing-unit-seconds, counted in millionths */
			const double v[] = { fair_amount(r, (double)w->capacity_s), fair_amount(r, (double)w->demand_s),
					     fair_amount(r, (double)w->delivered_s), fair_amount(r, w->shortfall_s) };
			for (size_t i = 0; i < 4; i++) {
				p = cs_put_fixed(p, v[i], 6);
				*p++ = ',';
			}
		} else {
			const int64_t v[] = { w->capacity_s, w->demand_s, w->delivered_s };
			for (size_t i = 0; i < 3; i++) {
				p = cs_put_int_in(p, v[i]);
				*p++ = ',';
			}
			p = cs_put_fixed(p, w->shortfall_s, 1);
			*p++ = ',';
		}
		p = cs_put_fixed(p, w->distance, 6);
		*p++ = ',';
		if (w->jain >= 0)
			p = cs_put_fixed(p, w->jain, 6);
		*p++ = ',';
		p = cs_put_u64_in(p, w->projects);
		*p++ = ',';
		p = cs_put_u64_in(p, w->under_served);
		*p++ = '\n';
		wb.p = p;
	}
	return cs_wbuf_close(&wb, rc, path, err, errlen);
}

#define HEAT_MAX_ROWS 512
#define HEAT_MAX_COLS 240

/* occupancy.csv: per node (or group of consecutive nodes, at most 512 rows)
 * and time column (at most 240, each a whole number of sampling intervals),
 * the share of its GPUs (cores on a node without GPUs) allocated, from
 * where each job ran. */
static int write_occupancy(const cs_recorder *r, const char *dir, char *err, size_t errlen)
{
	cs_time span = r->last_t - r->t0;
	if (span <= 0)
		return 0;
	cs_time nint = (span + r->sample_s - 1) / r->sample_s;
	cs_time width = r->sample_s * ((nint + HEAT_MAX_COLS - 1) / HEAT_MAX_COLS);
	size_t ncols = (size_t)((span + width - 1) / width);
	uint32_t group = (r->nnodes + HEAT_MAX_ROWS - 1) / HEAT_MAX_ROWS;
	size_t nrows = (r->nnodes + group - 1) / group;
	double *cell = calloc(nrows * ncols + 1, sizeof *cell);
	double *cap = calloc(nrows + 1, sizeof *cap);
	if (!cell || !cap) {
		free(cell);
		free(cap);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	for (uint32_t n = 0; n < r->nnodes; n++) {
		uint32_t t = r->node_type[n];
		cap[n / group] += r->type_gpus[t] ? r->type_gpus[t] : r->type_cores[t];
	}
	for (size_t i = 0; i < r->n; i++) {
		const cs_job *j = &r->jobs[i];
		if (j->start_s < 0)
			continue;
		cs_time a = j->start_s - r->t0, b = j->end_s - r->t0;
		for (uint32_t k = 0; k < j->nodes; k++) {
			const cs_slot *sl = &r->placements[r->off[i] + k];
			uint32_t t = r->node_type[sl->node];
			double amt = r->type_gpus[t] ? cs_slot_gpus(sl) : sl->cores;
			if (amt == 0)
				continue;
			double *rowp = &cell[(size_t)(sl->node / group) * ncols];
			for (cs_time c = a / width; c * width < b && (size_t)c < ncols; c++) {
				cs_time lo = c * width > a ? c * width : a, hi = (c + 1) * width < b ? (c + 1) * width : b;
				rowp[c] += amt * (double)(hi - lo);
			}
		}
	}
	/* rows are named by their nodes' host list (hostlist.h) */
	uint32_t *scratch = malloc(2 * ((size_t)group + 1) * sizeof *scratch);
	char *line = malloc(ncols * (CS_PUT_FIXED_MAX + 1) + 2); /* a row's shares, written at once */
	size_t hlcap = 0;
	char *hl = NULL;
	char path[4096];
	FILE *f = scratch && line ? cs_csv_open(dir, "occupancy.csv", path, sizeof path, err, errlen) : NULL;
	if (!f) {
		int oom = !scratch || !line;
		if (oom)
			snprintf(err, errlen, "out of memory");
		free(scratch);
		free(line);
		free(cell);
		free(cap);
		return oom ? -CS_ENOMEM : -CS_EIO;
	}
	int rc = 0;
	fputs("nodes,node_type", f);
	for (size_t c = 0; c < ncols; c++)
		fprintf(f, ",%lld", (long long)(r->t0 + (cs_time)c * width));
	fputc('\n', f);
	for (size_t g = 0; g < nrows; g++) {
		uint32_t first = (uint32_t)g * group, last = first + group - 1;
		if (last >= r->nnodes)
			last = r->nnodes - 1;
		for (uint32_t k = first; k <= last; k++)
			scratch[k - first] = k;
		if (cs_hostnames_list_grow(r->hosts, scratch, last - first + 1, scratch + group + 1, &hl, &hlcap) < 0) {
			rc = -CS_ENOMEM; /* not -1: every node is the machine's */
			break;
		}
		cs_csv_field(f, hl);
		fprintf(f, ",%s", r->type_names[r->node_type[first]]);
		char *p = line;
		for (size_t c = 0; c < ncols; c++) {
			cs_time lo = (cs_time)c * width, hi = lo + width < span ? lo + width : span;
			double d = cap[g] * (double)(hi - lo);
			*p++ = ',';
			p = cs_put_fixed(p, d > 0 ? cell[g * ncols + c] / d : 0.0, 3);
		}
		*p++ = '\n';
		fwrite(line, 1, (size_t)(p - line), f);
	}
	free(scratch);
	free(line);
	free(hl);
	free(cell);
	free(cap);
	int wrc = cs_csv_close(f, path, err, errlen);
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	return wrc;
}

int cs_recorder_write_with(const cs_recorder *r, const cs_rec_projects *p, const char *dir, int64_t epoch, char *err,
			   size_t errlen)
{
	int rc = write_timeseries(r, dir, epoch, err, errlen);
	if (rc == 0)
		rc = write_fairness(r, &p->fair, dir, epoch, err, errlen);
	if (rc == 0)
		rc = write_projects(r, dir, p->ps, p->np, err, errlen);
	if (rc == 0 && r->node_model)
		rc = write_occupancy(r, dir, err, errlen);
	return rc;
}

int cs_recorder_write(const cs_recorder *r, const char *dir, const cs_trace *names, const char *shares,
		      cs_time bsld_tau, int64_t epoch, char *err, size_t errlen)
{
	cs_rec_projects *p;
	int rc = cs_recorder_projects_new(&p, r, names, shares, bsld_tau, err, errlen);
	if (rc < 0)
		return rc;
	rc = cs_recorder_write_with(r, p, dir, epoch, err, errlen);
	cs_rec_projects_free(p);
	return rc;
}

json_t *cs_recorder_summary_json(const cs_recorder *r, const char *shares, cs_time bsld_tau)
{
	cs_rec_projects *p;
	char err[CS_ERRLEN];
	if (cs_recorder_projects_new(&p, r, NULL, shares, bsld_tau, err, sizeof err) < 0)
		return NULL;
	json_t *o = cs_recorder_summary_json_with(r, p);
	cs_rec_projects_free(p);
	return o;
}

json_t *cs_recorder_summary_json_with(const cs_recorder *r, const cs_rec_projects *p)
{
	const cs_fair *fair = &p->fair;
	cs_rec_totals t;
	cs_recorder_totals(r, &t);
	double span = (double)(t.last - t.first);
	json_t *o = json_object();
	json_object_set_new(o, "sample_s", json_integer(r->sample_s));
	json_object_set_new(o, "resource", json_string(r->node_model ? "gpus" : "cores"));
	json_object_set_new(o, "capacity", json_integer((json_int_t)r->capacity));
	json_object_set_new(o, "intervals", json_integer((json_int_t)t.intervals));
	json_object_set_new(o, "used_seconds", json_integer(t.used_s));
	json_object_set_new(o, "utilization",
			    json_real(span > 0 && r->capacity ? (double)t.used_s / (span * (double)r->capacity) : 0));
	/* fragmentation: means over the intervals' end states */
	double fr = 0, fre = 0;
	for (size_t i = 0; i < r->nrows; i += r->nsc) {
		fr += (double)r->rows[i].frag;
		fre += (double)r->capacity - (double)r->rows[i].alloc;
	}
	double ni = t.intervals ? (double)t.intervals : 1;
	json_t *fj = json_object();
	json_object_set_new(fj, "mean_fragmented", json_real(fr / ni));
	json_object_set_new(fj, "mean_free", json_real(fre / ni));
	json_object_set_new(fj, "fragmented_share_of_free", json_real(fre > 0 ? fr / fre : 0));
	json_object_set_new(o, "fragmentation", fj);
	if (r->node_model) {
		uint64_t cc = r->sc[0].core_capacity;
		json_object_set_new(o, "core_utilization",
				    json_real(span > 0 && cc ? (double)t.core_s / (span * (double)cc) : 0));
		json_object_set_new(o, "energy_kwh", json_real(t.energy_j / 3.6e6));
		json_object_set_new(o, "mean_power_kw", json_real(span > 0 ? t.energy_j / span / 1000.0 : 0));
		json_t *types = json_object(), *parts = json_object();
		for (uint32_t i = 1; i < r->nsc; i++) {
			const scope *s = &r->sc[i];
			int64_t u = 0, c = 0;
			double e = 0;
			for (size_t k = i; k < r->nrows; k += r->nsc) {
				u += r->rows[k].used_s;
				c += r->rows[k].core_s;
				e += r->rows[k].energy_j > 0 ? r->rows[k].energy_j : 0;
			}
			json_t *x = json_object();
			json_object_set_new(x, "gpus", json_integer((json_int_t)s->capacity));
			json_object_set_new(x, "cores", json_integer((json_int_t)s->core_capacity));
			json_object_set_new(x, "gpu_seconds", json_integer(u));
			json_object_set_new(x, "utilization", json_real(span > 0 && s->capacity ?
									(double)u / (span * (double)s->capacity) : 0));
			json_object_set_new(x, "core_utilization", json_real(span > 0 && s->core_capacity ?
									     (double)c / (span * (double)s->core_capacity) : 0));
			if (s->kind == SC_TYPE)
				json_object_set_new(x, "energy_kwh", json_real(e / 3.6e6));
			json_object_set_new(s->kind == SC_TYPE ? types : parts, scope_name(r, s), x);
		}
		json_object_set_new(o, "node_types", types);
		json_object_set_new(o, "partitions", parts);
	}
	json_object_set_new(o, "projects", json_integer((json_int_t)p->np));
	/* fair share over windows (fairness.h, docs/fairshare.md) */
	json_t *fj2 = json_object();
	json_object_set_new(fj2, "window_s", json_integer(fair->window_s));
	json_object_set_new(fj2, "windows", json_integer((json_int_t)fair->nwin));
	json_object_set_new(fj2, "entitlement",
			    json_string(p->shares ? "multifactor shares" : "equal shares"));
	json_object_set_new(fj2, "unit", json_string(r->billing ? "billing" : r->node_model ? "gpus" : "cores"));
	json_object_set_new(fj2, "projects", json_integer((json_int_t)fair->counted));
	json_object_set_new(fj2, "jain_service", json_real(fair->jain));
	json_object_set_new(fj2, "distance", json_real(fair->distance));
	json_object_set_new(fj2, "window_distance", json_real(fair->window_distance));
	json_object_set_new(fj2, "median_service", json_real(fair->median_service));
	json_object_set_new(fj2, "under_served", json_real(fair->under_served));
	json_object_set_new(fj2, "under_served_below", json_real(CS_FAIR_UNDER));
	json_object_set_new(o, "fairness", fj2);
	return o;
}
