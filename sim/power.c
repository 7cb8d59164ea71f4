/* capsim: power and energy on the node model (include/capsim/power.h):
 * the power rule, the cap's counting for the engine, and the meter, an
 * observer that integrates the site's power and each job's energy. */
#include "capsim/power.h"
#include "capsim/cluster.h"
#include "capsim/csvout.h"
#include "capsim/nodemodel.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The units the power rule counts on a node of a type: its GPUs, or its
 * cores on a type without GPUs. */
static uint32_t rule_units(uint32_t gpus, uint32_t cores)
{
	return gpus ? gpus : cores;
}

/* The share `units` are of a node with `per` of them; 0 on a node with none. */
static double unit_share(double units, uint32_t per)
{
	return per ? units / per : 0;
}

double cs_power_share(const cs_power_types *pt, uint32_t t, uint32_t gpus, uint32_t cores)
{
	if (t >= pt->ntypes)
		return 0;
	return unit_share(pt->gpus[t] ? gpus : cores, rule_units(pt->gpus[t], pt->cores[t]));
}

/* ---- the cap ----------------------------------------------------------------- */

int cs_power_cap_new(cs_power_cap **out, const cs_power_types *pt, double cap_kw, double pue, char *err,
		     size_t errlen)
{
	*out = NULL;
	uint32_t T = pt->ntypes;
	cs_power_cap *pc = calloc(1, sizeof *pc);
	int64_t *unit = calloc(T + 1, sizeof *unit);
	uint32_t *arr = calloc(3 * ((size_t)T + 1), sizeof *arr);
	if (!pc || !unit || !arr) {
		free(pc);
		free(unit);
		free(arr);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	double idle_w = 0;
	for (uint32_t t = 0; t < T; t++) {
		idle_w += (double)pt->count[t] * pt->idle_w[t];
		double span_mw = (pt->peak_w[t] - pt->idle_w[t]) * 1000.0;
		uint32_t per = rule_units(pt->gpus[t], pt->cores[t]);
		/* rounded up, so that the cap's sums are never below the rule's
		 * (less a hair of floating noise above whole milliwatts) */
		unit[t] = per ? (int64_t)ceil(span_mw / per - 1e-9) : 0;
		arr[t] = pt->gpus[t];
		arr[T + 1 + t] = pt->cores[t];
		arr[2 * (T + 1) + t] = pt->count[t];
	}
	*pc = (cs_power_cap){ .cap_kw = cap_kw, .pue = pue, .idle_mw = (int64_t)ceil(idle_w * 1000.0 - 1e-9),
			      .ntypes = T, .unit_mw = unit, .gpus = arr, .cores = arr + T + 1,
			      .count = arr + 2 * (T + 1) };
	pc->budget_mw = (int64_t)floor(cap_kw * 1e6 / pue + 1e-9) - pc->idle_mw;
	if (pc->budget_mw <= 0) {
		snprintf(err, errlen, "site.power_cap_kw: %g kW is not above the site's idle draw, %.6g kW IT x PUE %g "
			 "= %.6g kW: no job could start", cap_kw, idle_w / 1000.0, pue, idle_w * pue / 1000.0);
		cs_power_cap_free(pc);
		return -CS_EINVAL;
	}
	*out = pc;
	return 0;
}

void cs_power_cap_free(cs_power_cap *pc)
{
	if (!pc)
		return;
	free((void *)pc->unit_mw);
	free((void *)pc->gpus);
	free(pc);
}

int64_t cs_power_cap_slot_mw(const cs_power_cap *pc, uint32_t type, uint32_t gpus, uint32_t cores)
{
	if (type >= pc->ntypes)
		return 0;
	return (int64_t)(pc->gpus[type] ? gpus : cores) * pc->unit_mw[type];
}

/* ---- the meter ----------------------------------------------------------------- */

/* One interval of power.csv. */
typedef struct prow {
	cs_time t, len;
	double it_j;     /* IT energy over the interval */
	double peak_w;   /* the most IT power in it */
} prow;

struct cs_power_meter {
	const cs_job *jobs;
	size_t n;
	const cs_slot *placements;
	const size_t *off;
	uint32_t ntypes, nnodes;
	uint32_t *count, *gpus, *cores;
	double *idle_w, *peak_w;
	uint16_t *node_type;
	cs_power_site site;
	char *currency;
	/* per type, the terms of site_power (count x idle, peak - idle, and the
	 * units of a node, GPUs or, on a type without GPUs, cores, as a double;
	 * 0: none), worked out once, and the held units' share of the span,
	 * worked out again only when they change */
	struct ptype {
		double base_w, span_w, per, held_w;
	} *ty;
	/* now: the units jobs hold per type (GPUs; cores on a type without
	 * GPUs), and the site's IT power */
	int64_t *held;
	double power_w;
	/* integrals: per type of the held units, unit-seconds, up to held_t
	 * (brought up to the time in force only when the type's units change) */
	int64_t *held_s;
	cs_time *held_t;
	double it_j;
	double peak_site_w;  /* the most IT power at any time, first reached at peak_t */
	cs_time peak_t;
	/* per job: its rate while it runs (peak x share, W) and its run's
	 * start side by side (a job's start and end each touch one line of
	 * them), and its energy */
	struct prun {
		double rate_w;
		cs_time start;
	} *run;
	double *energy_j;
	/* intervals */
	cs_time sample_s, t0, istart, iend, last_t;
	double int_j, int_peak;
	prow *rows;
	size_t nrows, caprows;
	int failed;
	cs_observer obs;
	const cs_observer *next;
};

/* Type t's held units' share of its span above idle, for site_power. */
static void held_share(cs_power_meter *m, uint32_t t)
{
	struct ptype *y = &m->ty[t];
	if (y->per != 0)
		y->held_w = y->span_w * (double)m->held[t] / y->per;
}

/* Each type's idle draw and its held units' share of its span above idle
 * (the sum in type order, as ever: the same double; a type without units
 * adds its held_w of 0, which leaves the sum as it was). */
static double site_power(const cs_power_meter *m)
{
	double p = 0;
	for (uint32_t t = 0; t < m->ntypes; t++) {
		const struct ptype *y = &m->ty[t];
		p += y->base_w;
		p += y->held_w; /* 0 on a type without units: p + 0 is p (p is never -0) */
	}
	return p;
}

static void emit(cs_power_meter *m, cs_time end)
{
	if (m->nrows == m->caprows) {
		size_t cap = m->caprows ? 2 * m->caprows : 256;
		prow *nr = realloc(m->rows, cap * sizeof *nr);
		if (!nr) {
			m->failed = 1;
			return;
		}
		m->rows = nr;
		m->caprows = cap;
	}
	m->rows[m->nrows++] = (prow){ m->istart, end - m->istart, m->int_j, m->int_peak };
	m->int_j = 0;
	m->int_peak = m->power_w;
}

/* Integrate the power in force up to now, closing every interval that ends by then. */
static void integrate(cs_power_meter *m, cs_time to)
{
	cs_time dt = to - m->last_t;
	if (dt <= 0)
		return;
	m->it_j += m->power_w * (double)dt;
	m->int_j += m->power_w * (double)dt;
	m->last_t = to;
}

static void advance(cs_power_meter *m, cs_time now)
{
	while (now >= m->iend) {
		integrate(m, m->iend);
		emit(m, m->iend);
		m->istart = m->iend;
		m->iend += m->sample_s;
	}
	integrate(m, now);
}

/* Job jid takes (sign +1) or gives back (-1) its nodes now. */
static void hold(cs_power_meter *m, uint32_t jid, int sign, cs_time now)
{
	const cs_job *j = &m->jobs[jid];
	const cs_slot *sl = m->placements + m->off[jid];
	double rate = 0;
	cs_time at = m->last_t; /* the time in force: integrate's last */
	uint32_t prev = UINT32_MAX;
	for (uint32_t k = 0; k < j->nodes; k++) {
		uint32_t t = sl[k].node < m->nnodes ? m->node_type[sl[k].node] : 0;
		uint32_t u = m->gpus[t] ? cs_slot_gpus(&sl[k]) : sl[k].cores;
		if (t != prev) {
			/* the type's units so far, integrated up to now; its
			 * share worked out again once its units are all in */
			if (prev != UINT32_MAX)
				held_share(m, prev);
			m->held_s[t] += m->held[t] * (at - m->held_t[t]);
			m->held_t[t] = at;
			prev = t;
		}
		m->held[t] += sign * (int64_t)u;
		if (sign > 0) /* peak x cs_power_share's share */
			rate += m->peak_w[t] * unit_share(u, m->ty[t].per);
	}
	if (prev != UINT32_MAX)
		held_share(m, prev);
	if (sign > 0) {
		m->run[jid] = (struct prun){ rate, now };
	} else {
		m->energy_j[jid] += m->run[jid].rate_w * (double)(now - m->run[jid].start);
	}
	m->power_w = site_power(m);
	if (m->power_w > m->int_peak)
		m->int_peak = m->power_w;
	if (m->power_w > m->peak_site_w) {
		m->peak_site_w = m->power_w;
		m->peak_t = now;
	}
}

/* An event at a job (not a pass): metered, then handed on. Out of line so
 * that a pass goes through on_event without a register saved. */
static __attribute__((noinline)) void meter(cs_power_meter *m, cs_time now, unsigned what, uint32_t jid)
{
	if (now >= m->iend || now > m->last_t)
		advance(m, now);
	if (what == CS_OBS_START)
		hold(m, jid, +1, now);
	else if (what == CS_OBS_END || what == CS_OBS_PREEMPT ||
		 (what == CS_OBS_CANCEL && m->jobs[jid].start_s >= 0)) /* cancelled while it ran */
		hold(m, jid, -1, now);
	if (m->next)
		m->next->event(m->next->ctx, now, what, jid);
}

static void on_event(void *ctx, cs_time now, unsigned what, uint32_t jid)
{
	cs_power_meter *m = ctx;
	if (what != CS_OBS_PASS && jid < m->n)
		meter(m, now, what, jid);
	else if (m->next)
		m->next->event(m->next->ctx, now, what, jid);
}

void cs_power_meter_free(cs_power_meter *m)
{
	if (!m)
		return;
	free(m->count);
	free(m->idle_w);
	free(m->node_type);
	free(m->held);
	free(m->held_t);
	free(m->ty);
	free(m->run);
	free(m->energy_j);
	free(m->rows);
	free(m->currency);
	free(m);
}

int cs_power_meter_new(cs_power_meter **out, const cs_job *jobs, size_t n, const cs_power_types *pt,
		       const uint16_t *node_type, uint32_t nnodes, const cs_slot *placements,
		       const size_t *placement_off, const cs_power_site *site, cs_time sample_s, char *err,
		       size_t errlen)
{
	*out = NULL;
	if (n == 0 || sample_s <= 0 || !placements || !placement_off || pt->ntypes == 0) {
		snprintf(err, errlen, "power meter: needs jobs, node types, placements and an interval > 0");
		return -CS_EINVAL;
	}
	uint32_t T = pt->ntypes;
	const char *cur = site->currency ? site->currency : "";
	cs_power_meter *m = calloc(1, sizeof *m);
	if (m) {
		m->count = malloc(3 * ((size_t)T + 1) * sizeof *m->count);
		m->idle_w = malloc(2 * ((size_t)T + 1) * sizeof *m->idle_w);
		m->node_type = malloc(((size_t)nnodes + 1) * sizeof *m->node_type);
		m->held = calloc(2 * ((size_t)T + 1), sizeof *m->held);
		m->held_t = malloc(((size_t)T + 1) * sizeof *m->held_t);
		m->ty = malloc(((size_t)T + 1) * sizeof *m->ty);
		m->run = calloc(n + 1, sizeof *m->run);
		m->energy_j = calloc(n + 1, sizeof *m->energy_j);
		m->currency = malloc(strlen(cur) + 1);
	}
	if (!m || !m->count || !m->idle_w || !m->node_type || !m->held || !m->held_t || !m->ty || !m->run || !m->energy_j ||
	    !m->currency) {
		cs_power_meter_free(m);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	m->jobs = jobs;
	m->n = n;
	m->placements = placements;
	m->off = placement_off;
	m->ntypes = T;
	m->nnodes = nnodes;
	m->gpus = m->count + T + 1;
	m->cores = m->gpus + T + 1;
	m->peak_w = m->idle_w + T + 1;
	m->held_s = m->held + T + 1;
	for (uint32_t t = 0; t < T; t++) {
		m->count[t] = pt->count[t];
		m->gpus[t] = pt->gpus[t];
		m->cores[t] = pt->cores[t];
		m->idle_w[t] = pt->idle_w[t];
		m->peak_w[t] = pt->peak_w[t];
		uint32_t per = rule_units(pt->gpus[t], pt->cores[t]);
		m->ty[t] = (struct ptype){ (double)pt->count[t] * pt->idle_w[t], pt->peak_w[t] - pt->idle_w[t], per, 0 };
		held_share(m, t);
	}
	for (uint32_t i = 0; i < nnodes; i++)
		m->node_type[i] = node_type[i] < T ? node_type[i] : 0;
	memcpy(m->currency, cur, strlen(cur) + 1);
	m->site = *site;
	m->site.currency = m->currency;
	m->sample_s = sample_s;
	m->t0 = m->istart = m->last_t = jobs[0].submit_s;
	m->iend = m->t0 + sample_s;
	for (uint32_t t = 0; t < T; t++)
		m->held_t[t] = m->t0;
	m->power_w = m->int_peak = m->peak_site_w = site_power(m);
	m->peak_t = m->t0;
	m->obs = (cs_observer){ .ctx = m, .event = on_event };
	*out = m;
	return 0;
}

const cs_observer *cs_power_meter_observer(cs_power_meter *m, const cs_observer *next)
{
	m->next = next;
	return &m->obs;
}

int cs_power_meter_finish(cs_power_meter *m, char *err, size_t errlen)
{
	cs_time end = m->last_t;
	advance(m, end);
	if (end > m->istart)
		emit(m, end);
	m->istart = m->iend = CS_TIME_MAX; /* later events are not metered */
	if (m->failed) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	return 0;
}

/* A job's start or end as a replay orders them: by time, ends first, then by job. */
typedef struct rev {
	cs_time t;
	uint32_t what; /* 0: end, 1: start */
	uint32_t jid;
} rev;

static int rev_cmp(const void *a, const void *b)
{
	const rev *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->what != y->what)
		return x->what < y->what ? -1 : 1;
	return (x->jid > y->jid) - (x->jid < y->jid);
}

int cs_power_meter_replay(cs_power_meter *m, char *err, size_t errlen)
{
	rev *v = malloc((2 * m->n + 1) * sizeof *v);
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->jobs[i].start_s >= 0) {
			v[k++] = (rev){ m->jobs[i].start_s, 1, (uint32_t)i };
			v[k++] = (rev){ m->jobs[i].end_s, 0, (uint32_t)i };
		}
	qsort(v, k, sizeof *v, rev_cmp);
	const cs_observer *next = m->next;
	m->next = NULL;
	for (size_t i = 0; i < k; i++)
		on_event(m, v[i].t, v[i].what ? CS_OBS_START : CS_OBS_END, v[i].jid);
	m->next = next;
	free(v);
	return cs_power_meter_finish(m, err, errlen);
}

void cs_power_meter_totals(const cs_power_meter *m, cs_power_totals *t)
{
	memset(t, 0, sizeof *t);
	t->first = m->t0;
	t->last = m->last_t;
	t->it_j = m->it_j;
	t->peak_it_w = m->peak_site_w;
	t->peak_t = m->peak_t;
	for (size_t i = 0; i < m->n; i++)
		t->jobs_j += m->energy_j[i];
	/* idle draw of the free part of each type: its nodes' idle power over
	 * the run, less the idle share of what jobs held */
	double span = (double)(m->last_t - m->t0);
	for (uint32_t k = 0; k < m->ntypes; k++) {
		int64_t held_s = m->held_s[k] + m->held[k] * (m->last_t - m->held_t[k]);
		double held = unit_share((double)held_s, m->ty[k].per);
		t->idle_free_j += m->idle_w[k] * ((double)m->count[k] * span - held);
	}
}

const double *cs_power_meter_job_energy(const cs_power_meter *m) { return m->energy_j; }

size_t cs_power_meter_nrows(const cs_power_meter *m) { return m->nrows; }

void cs_power_meter_row(const cs_power_meter *m, size_t i, cs_time *t, cs_time *len, double *it_w, double *it_peak_w,
			double *facility_w, double *facility_peak_w, double *cap_w)
{
	const prow *w = &m->rows[i];
	double mean = w->len > 0 ? w->it_j / (double)w->len : 0, pue = m->site.pue;
	*t = w->t;
	*len = w->len;
	*it_w = mean;
	*it_peak_w = w->peak_w;
	*facility_w = mean * pue;
	*facility_peak_w = w->peak_w * pue;
	*cap_w = m->site.cap_kw > 0 ? m->site.cap_kw * 1000.0 : 0;
}

int cs_power_meter_write(const cs_power_meter *m, const char *dir, int64_t epoch, char *err, size_t errlen)
{
	char path[4096];
	FILE *f = cs_csv_open(dir, "power.csv", path, sizeof path, err, errlen);
	if (!f)
		return -CS_EIO;
	fputs("t,time,length_s,it_power_w,it_peak_w,facility_power_w,facility_peak_w,cap_w\n", f);
	for (size_t i = 0; i < m->nrows; i++) {
		cs_time t, len;
		double v[4], cap;
		cs_power_meter_row(m, i, &t, &len, &v[0], &v[1], &v[2], &v[3], &cap);
		/* (the row built in memory, its decimals printf's "%.1f": csvout.h) */
		char b[2 * CS_PUT_INT_MAX + CS_PUT_UTC_MAX + 5 * CS_PUT_FIXED_MAX + 16], *p = b;
		p = cs_put_int(p, t);
		*p++ = ',';
		p = cs_put_utc(p, epoch, t);
		*p++ = ',';
		p = cs_put_int(p, len);
		for (size_t k = 0; k < 4; k++) {
			*p++ = ',';
			p = cs_put_fixed(p, v[k], 1);
		}
		*p++ = ',';
		if (cap > 0)
			p = cs_put_fixed(p, cap, 1);
		*p++ = '\n';
		fwrite(b, 1, (size_t)(p - b), f);
	}
	return cs_csv_close(f, path, err, errlen);
}

static json_t *utc(int64_t epoch, cs_time t)
{
	char buf[64];
	cs_utc_string(buf, sizeof buf, epoch, t);
	return buf[0] ? json_string(buf) : json_null();
}

json_t *cs_power_meter_json(const cs_power_meter *m, int64_t epoch)
{
	cs_power_totals t;
	cs_power_meter_totals(m, &t);
	double span = (double)(t.last - t.first), pue = m->site.pue;
	double it_kwh = t.it_j / 3.6e6, fac_kwh = it_kwh * pue;
	json_t *o = json_object();
	json_object_set_new(o, "pue", json_real(pue));
	json_object_set_new(o, "it_energy_kwh", json_real(it_kwh));
	json_object_set_new(o, "facility_energy_kwh", json_real(fac_kwh));
	json_object_set_new(o, "jobs_energy_kwh", json_real(t.jobs_j / 3.6e6));
	json_object_set_new(o, "idle_energy_kwh", json_real(t.idle_free_j / 3.6e6));
	json_object_set_new(o, "price_per_kwh",
			    m->site.price_per_kwh > 0 ? json_real(m->site.price_per_kwh) : json_null());
	json_object_set_new(o, "currency", json_string(m->site.currency));
	json_object_set_new(o, "cost", m->site.price_per_kwh > 0 ? json_real(fac_kwh * m->site.price_per_kwh)
								 : json_null());
	json_object_set_new(o, "mean_it_power_kw", json_real(span > 0 ? t.it_j / span / 1000.0 : 0));
	json_object_set_new(o, "peak_it_power_kw", json_real(t.peak_it_w / 1000.0));
	json_object_set_new(o, "mean_facility_power_kw", json_real(span > 0 ? t.it_j / span / 1000.0 * pue : 0));
	json_object_set_new(o, "peak_facility_power_kw", json_real(t.peak_it_w / 1000.0 * pue));
	json_object_set_new(o, "peak_t", json_integer(t.peak_t));
	json_object_set_new(o, "peak_time", utc(epoch, t.peak_t));
	json_object_set_new(o, "power_cap_kw", m->site.cap_kw > 0 ? json_real(m->site.cap_kw) : json_null());
	return o;
}

/* ---- a run ---------------------------------------------------------------------- */

int cs_power_for_run(const cs_cluster *c, const cs_nodemodel *nm, const cs_job *jobs, size_t n,
		     const cs_slot *placements, const size_t *placement_off, int want_meter, cs_time sample_s,
		     cs_power_cap **cap, cs_power_meter **meter, char *err, size_t errlen)
{
	*cap = NULL;
	*meter = NULL;
	const cs_cluster_site *site = cs_cluster_site_info(c);
	if (!want_meter && !(site->power_cap_kw > 0))
		return 0;
	uint32_t T = nm->layout.ntypes;
	uint32_t *u = malloc(3 * ((size_t)T + 1) * sizeof *u);
	double *w = malloc(2 * ((size_t)T + 1) * sizeof *w);
	if (!u || !w) {
		free(u);
		free(w);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	cs_power_types pt = { T, u, u + T + 1, u + 2 * (T + 1), w, w + T + 1 };
	for (uint32_t t = 0; t < T; t++) {
		const cs_cluster_node_type *ct = cs_cluster_node_type_at(c, (int)t);
		u[t] = nm->type_first[t + 1] - nm->type_first[t];
		u[T + 1 + t] = nm->types[t].gpus;
		u[2 * (T + 1) + t] = nm->types[t].cores;
		w[t] = ct->idle_w;
		w[T + 1 + t] = ct->peak_w;
	}
	int rc = 0;
	if (site->power_cap_kw > 0 && (rc = cs_power_cap_new(cap, &pt, site->power_cap_kw, site->pue, err, errlen)) < 0) {
		if (rc == -CS_EINVAL) { /* a scaled site may draw more at idle than its config's */
			char msg[512];
			snprintf(msg, sizeof msg, "%s", err);
			snprintf(err, errlen, "%s%s: %s", cs_cluster_path(c), *cs_cluster_scaled_by(c) ? " (scaled)" : "",
				 msg);
		}
	}
	cs_power_site ps = { site->pue, site->power_cap_kw, site->energy_price_per_kwh, site->currency };
	if (rc == 0 && want_meter)
		rc = cs_power_meter_new(meter, jobs, n, &pt, nm->node_type, nm->layout.nnodes, placements,
					placement_off, &ps, sample_s, err, errlen);
	if (rc < 0) {
		cs_power_cap_free(*cap);
		*cap = NULL;
	}
	free(u);
	free(w);
	return rc;
}
