/* capsim: the recorder (include/capsim/recorder.h). */
#include "capsim/recorder.h"
#include "capsim/fairness.h"
#include "capsim/metrics.h"
#include "capsim/csvout.h"
#include "capsim/failures.h"
#include "capsim/hostlist.h"
#include "radix.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NG (CS_ALLOC_MAX_GPUS + 1) /* free-GPU counts 0..16 */

enum { SC_MACHINE, SC_TYPE, SC_PART };

/* One scope (the machine, a node type, a partition): its state now and
 * its integrals over the current interval since `last`. */
typedef struct scope {
	int64_t alloc, cores, queued, demand, cdemand, running; /* now (demand: GPUs, cdemand: cores) */
	cs_time last;
	int64_t used_s, core_s;                         /* this interval, up to last */
	uint64_t capacity, core_capacity;
	int kind;
	uint32_t index;                                 /* type or partition index */
} scope;

/* One interval of one scope, as timeseries.csv prints it. */
typedef struct row {
	cs_time t, len;
	int64_t used_s, core_s;
	int64_t alloc, cores, queued, demand, cdemand, running, frag; /* at the interval's end */
	double energy_j;                               /* types and the machine; -1: not given */
} row;

struct cs_recorder {
	const cs_job *jobs;
	size_t n;
	const cs_slot *placements;
	const size_t *off;
	int node_model;
	uint64_t capacity;
	cs_time sample_s, t0, istart, iend, last_t;
	/* scopes: 0 the machine, 1..ntypes node types, then partitions, then "(any)" */
	scope *sc;
	uint32_t nsc, ntypes, nparts;
	/* node model, copied */
	uint32_t nnodes;
	uint16_t *node_type;
	const cs_hostnames *hosts; /* the run's node names (cs_rec_machine) */
	const double *billing;     /* per job: billing units per second, or NULL (fair share in resources) */
	double billing_capacity;   /* the machine's billing units per second */
	const double *energy;      /* per job: IT energy, J (capsim/power.h), or NULL */
	const cs_fail_down *down;  /* GPUs out of service for repair, per node, in time order */
	size_t ndown;
	int with_down;             /* a failure model: timeseries.csv's gpus_down */
	char **type_names, **part_names;
	uint32_t *type_gpus, *type_cores, *type_count;
	double *idle_w, *peak_w;
	uint8_t *part_has_type;   /* (nparts + 1) x ntypes: partition p (nparts: any) may use type t */
	/* fragmentation: per node GPUs allocated; per type nodes by free GPUs;
	 * per partition scope queued GPU jobs by GPUs per node */
	uint8_t *node_used;
	uint32_t *fhist;          /* ntypes x NG */
	uint32_t *qhist;          /* (nparts + 1) x NG */
	/* pooled: queued jobs, a doubly linked list (for the smallest queued size) */
	uint32_t *qnext, *qprev, qhead;
	uint32_t *qscope;         /* node model, per job: the partition scope it waits in (a job
				   * of several partitions waits in "(any)" and runs in the one
				   * it started in) */
	int64_t free_procs;
	/* rows */
	row *rows;
	size_t nrows, caprows;
	/* runs a requeue threw away (fairness.h), and per job the preempted
	 * seconds already counted (allocated at the first requeue) */
	cs_fair_run *lost;
	size_t nlost, caplost;
	cs_time *lost_seen;
	int failed;
	cs_observer obs;
	/* progress */
	cs_progress_fn progress;
	void *progress_ctx;
	uint64_t events;
	size_t done;
	double wall0, wall_last;
};

#define QNIL UINT32_MAX

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *dupstr(const char *s)
{
	size_t l = strlen(s ? s : "") + 1;
	char *d = malloc(l);
	if (d)
		memcpy(d, s ? s : "", l);
	return d;
}

static inline uint64_t job_units(const cs_recorder *r, const cs_job *j)
{
	return r->node_model ? (uint64_t)j->nodes * j->gpus_per_node : j->size;
}

/* Cores a job holds: the node model's per-node count on each node; a
 * pooled machine's processors, counted as cores. */
static inline uint64_t job_cores(const cs_recorder *r, const cs_job *j)
{
	return r->node_model ? (uint64_t)j->nodes * j->cores_per_node : j->size;
}

static inline uint32_t part_scope(const cs_recorder *r, const cs_job *j)
{
	uint32_t p = j->partition >= 0 && (uint32_t)j->partition < r->nparts ? (uint32_t)j->partition : r->nparts;
	return 1 + r->ntypes + p;
}

static inline void touch(scope *s, cs_time now)
{
	cs_time dt = now - s->last;
	s->used_s += s->alloc * dt;
	s->core_s += s->cores * dt;
	s->last = now;
}

/* Fragmented GPUs of node type t now: free GPUs on nodes whose free count is
 * below every per-node GPU request of the queued jobs that may use t. */
static int64_t type_frag(const cs_recorder *r, uint32_t t)
{
	unsigned minreq = NG;
	for (uint32_t p = 0; p <= r->nparts; p++) {
		if (!r->part_has_type[(size_t)p * r->ntypes + t])
			continue;
		const uint32_t *q = &r->qhist[(size_t)p * NG];
		for (unsigned g = 1; g < minreq; g++)
			if (q[g]) {
				minreq = g;
				break;
			}
	}
	if (minreq == NG)
		return 0; /* nothing queued wants this type: idle, not fragmented */
	int64_t f = 0;
	const uint32_t *h = &r->fhist[(size_t)t * NG];
	for (unsigned g = 1; g < minreq; g++)
		f += (int64_t)g * h[g];
	return f;
}

static int64_t pooled_frag(const cs_recorder *r)
{
	if (r->qhead == QNIL || r->free_procs <= 0)
		return 0;
	uint32_t mn = UINT32_MAX;
	for (uint32_t j = r->qhead; j != QNIL; j = r->qnext[j])
		if (r->jobs[j].size < mn)
			mn = r->jobs[j].size;
	return r->free_procs < mn ? r->free_procs : 0;
}

static double type_energy(const cs_recorder *r, uint32_t t, cs_time len, int64_t used_s, int64_t core_s)
{
	double e = (double)r->type_count[t] * r->idle_w[t] * (double)len;
	double span = r->peak_w[t] - r->idle_w[t];
	if (r->type_gpus[t])
		e += span * (double)used_s / r->type_gpus[t];
	else if (r->type_cores[t])
		e += span * (double)core_s / r->type_cores[t];
	return e;
}

/* Close the current interval at `end` and emit one row per scope. */
static void emit(cs_recorder *r, cs_time end)
{
	if (r->nrows + r->nsc > r->caprows) {
		size_t cap = r->caprows ? 2 * r->caprows : 64 * (size_t)r->nsc;
		row *nr = realloc(r->rows, cap * sizeof *nr);
		if (!nr) {
			r->failed = 1;
			return;
		}
		r->rows = nr;
		r->caprows = cap;
	}
	row *out = &r->rows[r->nrows];
	cs_time len = end - r->istart;
	int64_t frag_all = 0;
	double e_all = 0;
	for (uint32_t i = 0; i < r->nsc; i++) {
		scope *s = &r->sc[i];
		touch(s, end);
		row *w = &out[i];
		*w = (row){ .t = r->istart, .len = len, .used_s = s->used_s, .core_s = s->core_s, .alloc = s->alloc,
			    .cores = s->cores, .queued = s->queued, .demand = s->demand, .cdemand = s->cdemand,
			    .running = s->running, .energy_j = -1 };
		if (s->kind == SC_TYPE) {
			w->frag = type_frag(r, s->index);
			w->energy_j = type_energy(r, s->index, len, s->used_s, s->core_s);
			frag_all += w->frag;
			e_all += w->energy_j;
		}
		s->used_s = s->core_s = 0;
	}
	if (r->node_model) {
		out[0].frag = frag_all;
		out[0].energy_j = e_all;
		for (uint32_t i = 1 + r->ntypes; i < r->nsc; i++) {
			uint32_t p = r->sc[i].index;
			for (uint32_t t = 0; t < r->ntypes; t++)
				if (r->part_has_type[(size_t)p * r->ntypes + t])
					out[i].frag += out[1 + t].frag;
		}
	} else {
		out[0].frag = pooled_frag(r);
	}
	r->nrows += r->nsc;
}

/* Emit every interval that ends by `now`. */
static void advance(cs_recorder *r, cs_time now)
{
	while (now >= r->iend) {
		emit(r, r->iend);
		r->istart = r->iend;
		r->iend += r->sample_s;
	}
}

static void node_slots(cs_recorder *r, const cs_job *j, uint32_t jid, int sign, cs_time now)
{
	const cs_slot *sl = r->placements + r->off[jid];
	for (uint32_t k = 0; k < j->nodes; k++) {
		uint32_t node = sl[k].node;
		uint32_t t = r->node_type[node];
		scope *s = &r->sc[1 + t];
		touch(s, now);
		int g = (int)cs_slot_gpus(&sl[k]);
		s->alloc += sign * g;
		s->cores += sign * (int64_t)sl[k].cores;
		uint32_t *h = &r->fhist[(size_t)t * NG];
		unsigned used = r->node_used[node];
		h[r->type_gpus[t] - used]--;
		used = (unsigned)((int)used + sign * g);
		r->node_used[node] = (uint8_t)used;
		h[r->type_gpus[t] - used]++;
	}
}

static void queue_change(cs_recorder *r, const cs_job *j, uint32_t jid, int sign, cs_time now)
{
	int64_t u = (int64_t)job_units(r, j), c = (int64_t)job_cores(r, j);
	scope *a = &r->sc[0];
	touch(a, now);
	a->queued += sign;
	a->demand += sign * u;
	a->cdemand += sign * c;
	if (r->node_model) {
		if (sign > 0)
			r->qscope[jid] = part_scope(r, j);
		scope *p = &r->sc[r->qscope[jid]];
		touch(p, now);
		p->queued += sign;
		p->demand += sign * u;
		p->cdemand += sign * c;
		if (j->gpus_per_node && j->gpus_per_node < NG)
			r->qhist[(size_t)(p->index) * NG + j->gpus_per_node] += (uint32_t)sign;
	} else if (sign > 0) {
		r->qprev[jid] = QNIL;
		r->qnext[jid] = r->qhead;
		if (r->qhead != QNIL)
			r->qprev[r->qhead] = jid;
		r->qhead = jid;
	} else {
		if (r->qprev[jid] != QNIL)
			r->qnext[r->qprev[jid]] = r->qnext[jid];
		else
			r->qhead = r->qnext[jid];
		if (r->qnext[jid] != QNIL)
			r->qprev[r->qnext[jid]] = r->qprev[jid];
	}
}

static void run_change(cs_recorder *r, const cs_job *j, uint32_t jid, int sign, cs_time now)
{
	int64_t u = (int64_t)job_units(r, j);
	int64_t c = r->node_model ? (int64_t)j->nodes * j->cores_per_node : 0;
	scope *a = &r->sc[0];
	touch(a, now);
	a->running += sign;
	a->alloc += sign * u;
	a->cores += sign * c;
	if (r->node_model) {
		scope *p = &r->sc[part_scope(r, j)];
		touch(p, now);
		p->running += sign;
		p->alloc += sign * u;
		p->cores += sign * c;
		node_slots(r, j, jid, sign, now);
	} else {
		r->free_procs -= sign * u;
	}
}

static void tick_progress(cs_recorder *r, cs_time now, int final)
{
	double w = wall_s();
	if (!final && w - r->wall_last < 0.5)
		return;
	r->wall_last = w;
	double dt = w - r->wall0;
	cs_progress p = { .now = now, .first = r->t0, .done = r->done, .njobs = r->n, .events = r->events,
			  .events_per_s = dt > 0 ? (double)r->events / dt : 0, .final = final };
	r->progress(r->progress_ctx, &p);
}

/* A requeued job's run [now - its length, now), for the fair-share
 * windows: the job's start is gone by now, its preempted seconds grew by
 * the run's length. */
static void lost_run(cs_recorder *r, const cs_job *j, uint32_t jid, cs_time now)
{
	if (!r->lost_seen && !(r->lost_seen = calloc(r->n, sizeof *r->lost_seen))) {
		r->failed = 1;
		return;
	}
	if (r->nlost == r->caplost) {
		size_t cap = r->caplost ? 2 * r->caplost : 64;
		cs_fair_run *nl = realloc(r->lost, cap * sizeof *nl);
		if (!nl) {
			r->failed = 1;
			return;
		}
		r->lost = nl;
		r->caplost = cap;
	}
	cs_time len = j->preempted_s - r->lost_seen[jid];
	r->lost_seen[jid] = j->preempted_s;
	r->lost[r->nlost++] = (cs_fair_run){ .job = jid, .from = now - len, .to = now };
}

static void on_event(void *ctx, cs_time now, unsigned what, uint32_t jid)
{
	cs_recorder *r = ctx;
	r->events++;
	if (r->progress && (r->events & 4095) == 0)
		tick_progress(r, now, 0);
	if (what == CS_OBS_PASS || jid >= r->n)
		return;
	if (now >= r->iend)
		advance(r, now);
	r->last_t = now;
	const cs_job *j = &r->jobs[jid];
	switch (what) {
	case CS_OBS_SUBMIT: queue_change(r, j, jid, +1, now); break;
	case CS_OBS_REJECT: queue_change(r, j, jid, -1, now); r->done++; break;
	case CS_OBS_CANCEL:
		/* it leaves the queue, or its run ends here */
		if (j->start_s < 0)
			queue_change(r, j, jid, -1, now);
		else
			run_change(r, j, jid, -1, now);
		r->done++;
		break;
	case CS_OBS_START: queue_change(r, j, jid, -1, now); run_change(r, j, jid, +1, now); break;
	case CS_OBS_END: run_change(r, j, jid, -1, now); r->done++; break;
	case CS_OBS_PREEMPT:
		/* its run stops here; a requeued job is submitted again */
		run_change(r, j, jid, -1, now);
		if (j->flags & CS_JOB_PREEMPT_KILLED)
			r->done++;
		else
			lost_run(r, j, jid, now);
		break;
	default: break;
	}
}

void cs_recorder_free(cs_recorder *r)
{
	if (!r)
		return;
	for (uint32_t t = 0; r->type_names && t < r->ntypes; t++)
		free(r->type_names[t]);
	for (uint32_t p = 0; r->part_names && p < r->nparts; p++)
		free(r->part_names[p]);
	free(r->type_names);
	free(r->part_names);
	free(r->lost);
	free(r->lost_seen);
	free(r->sc);
	free(r->node_type);
	free(r->type_gpus);
	free(r->type_cores);
	free(r->type_count);
	free(r->idle_w);
	free(r->peak_w);
	free(r->part_has_type);
	free(r->node_used);
	free(r->fhist);
	free(r->qhist);
	free(r->qnext);
	free(r->qprev);
	free(r->qscope);
	free(r->rows);
	free(r);
}

static int copy_machine(cs_recorder *r, const cs_rec_machine *m)
{
	uint32_t T = m->ntypes, P = m->npartitions, N = m->nnodes;
	r->ntypes = T;
	r->nparts = P;
	r->nnodes = N;
	r->hosts = m->hosts;
	r->node_type = malloc((N + 1) * sizeof *r->node_type);
	r->type_names = calloc(T + 1, sizeof *r->type_names);
	r->part_names = calloc(P + 1, sizeof *r->part_names);
	r->type_gpus = calloc(T + 1, sizeof *r->type_gpus);
	r->type_cores = calloc(T + 1, sizeof *r->type_cores);
	r->type_count = calloc(T + 1, sizeof *r->type_count);
	r->idle_w = calloc(T + 1, sizeof *r->idle_w);
	r->peak_w = calloc(T + 1, sizeof *r->peak_w);
	r->part_has_type = calloc((size_t)(P + 1) * T + 1, 1);
	r->node_used = calloc(N + 1, 1);
	r->fhist = calloc((size_t)T * NG + 1, sizeof *r->fhist);
	r->qhist = calloc((size_t)(P + 1) * NG, sizeof *r->qhist);
	if (!r->node_type || !r->type_names || !r->part_names || !r->type_gpus || !r->type_cores ||
	    !r->type_count || !r->idle_w || !r->peak_w || !r->part_has_type || !r->node_used || !r->fhist ||
	    !r->qhist)
		return -CS_ENOMEM;
	for (uint32_t t = 0; t < T; t++) {
		if (m->type_gpus[t] >= NG)
			return -CS_EINVAL;
		r->type_gpus[t] = m->type_gpus[t];
		r->type_cores[t] = m->type_cores[t];
		r->idle_w[t] = m->type_idle_w ? m->type_idle_w[t] : 0;
		r->peak_w[t] = m->type_peak_w ? m->type_peak_w[t] : 0;
		if (!(r->type_names[t] = dupstr(m->type_names[t])))
			return -CS_ENOMEM;
	}
	for (uint32_t i = 0; i < N; i++) {
		uint16_t t = m->node_type[i];
		if (t >= T)
			return -CS_EINVAL;
		r->node_type[i] = t;
		r->type_count[t]++;
		r->fhist[(size_t)t * NG + r->type_gpus[t]]++;
	}
	for (uint32_t p = 0; p < P; p++) {
		if (!(r->part_names[p] = dupstr(m->part_names[p])))
			return -CS_ENOMEM;
		for (uint32_t k = m->part_first[p]; k < m->part_first[p + 1]; k++)
			if (m->part_types[k] >= 0 && (uint32_t)m->part_types[k] < T)
				r->part_has_type[(size_t)p * T + (uint32_t)m->part_types[k]] = 1;
	}
	memset(r->part_has_type + (size_t)P * T, 1, T); /* a job of no partition may use any type */
	return 0;
}

int cs_recorder_new(cs_recorder **out, const cs_job *jobs, size_t n, uint64_t capacity,
		    const cs_rec_machine *m, const cs_slot *placements, const size_t *placement_off,
		    cs_time sample_s, char *err, size_t errlen)
{
	*out = NULL;
	if (sample_s <= 0 || n == 0 || n >= QNIL || (m && (!placements || !placement_off || !m->hosts))) {
		snprintf(err, errlen, "recorder: needs jobs, a sampling interval > 0 (got %lld s) and, on a node "
			 "model, the placements and the node names", (long long)sample_s);
		return -CS_EINVAL;
	}
	cs_recorder *r = calloc(1, sizeof *r);
	if (!r)
		goto oom;
	r->jobs = jobs;
	r->n = n;
	r->capacity = capacity;
	r->sample_s = sample_s;
	r->t0 = r->istart = r->last_t = jobs[0].submit_s;
	r->iend = r->t0 + sample_s;
	r->qhead = QNIL;
	r->free_procs = (int64_t)capacity;
	if (m) {
		int rc = copy_machine(r, m);
		if (rc == -CS_EINVAL) {
			snprintf(err, errlen, "recorder: a node type with more than %u GPUs per node, or a node "
				 "of no type", CS_ALLOC_MAX_GPUS);
			cs_recorder_free(r);
			return rc;
		}
		if (rc < 0)
			goto oom;
		r->node_model = 1;
		r->qscope = malloc((n + 1) * sizeof *r->qscope);
		if (!r->qscope)
			goto oom;
		r->placements = placements;
		r->off = placement_off;
	} else {
		r->qnext = malloc(n * sizeof *r->qnext);
		r->qprev = malloc(n * sizeof *r->qprev);
		if (!r->qnext || !r->qprev)
			goto oom;
	}
	r->nsc = 1 + (r->node_model ? r->ntypes + r->nparts + 1 : 0);
	r->sc = calloc(r->nsc, sizeof *r->sc);
	if (!r->sc)
		goto oom;
	for (uint32_t i = 0; i < r->nsc; i++) {
		scope *s = &r->sc[i];
		s->last = r->t0;
		if (i == 0) {
			s->kind = SC_MACHINE;
			s->capacity = capacity;
		} else if (i <= r->ntypes) {
			s->kind = SC_TYPE;
			s->index = i - 1;
			s->capacity = (uint64_t)r->type_count[s->index] * r->type_gpus[s->index];
			s->core_capacity = (uint64_t)r->type_count[s->index] * r->type_cores[s->index];
		} else {
			s->kind = SC_PART;
			s->index = i - 1 - r->ntypes;
			for (uint32_t t = 0; t < r->ntypes; t++)
				if (r->part_has_type[(size_t)s->index * r->ntypes + t]) {
					s->capacity += r->sc[1 + t].capacity;
					s->core_capacity += r->sc[1 + t].core_capacity;
				}
		}
	}
	for (uint32_t t = 0; t < r->ntypes; t++)
		r->sc[0].core_capacity += r->sc[1 + t].core_capacity;
	r->obs = (cs_observer){ .ctx = r, .event = on_event };
	r->wall0 = r->wall_last = wall_s();
	*out = r;
	return 0;
oom:
	cs_recorder_free(r);
	snprintf(err, errlen, "out of memory");
	return -CS_ENOMEM;
}

const cs_observer *cs_recorder_observer(cs_recorder *r) { return &r->obs; }

void cs_recorder_set_progress(cs_recorder *r, cs_progress_fn fn, void *ctx)
{
	r->progress = fn;
	r->progress_ctx = ctx;
}

void cs_recorder_set_billing(cs_recorder *r, const double *rate, double capacity)
{
	r->billing = rate;
	r->billing_capacity = capacity;
}

void cs_recorder_set_down(cs_recorder *r, const cs_fail_down *changes, size_t n)
{
	r->down = changes;
	r->ndown = n;
	r->with_down = 1;
}

void cs_recorder_set_energy(cs_recorder *r, const double *energy_j) { r->energy = energy_j; }

/* Fair-share amounts in the unit they are printed in: billing units
 * (counted in millionths), else resources. */
static double fair_amount(const cs_recorder *r, double v)
{
	return r->billing ? v / CS_FAIR_BILLING_SCALE : v;
}

int cs_recorder_finish(cs_recorder *r, char *err, size_t errlen)
{
	advance(r, r->last_t);
	if (r->last_t > r->istart)
		emit(r, r->last_t);
	r->istart = r->iend = CS_TIME_MAX; /* later events are not recorded */
	if (r->progress)
		tick_progress(r, r->last_t, 1);
	if (r->failed) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	return 0;
}

void cs_recorder_totals(const cs_recorder *r, cs_rec_totals *t)
{
	memset(t, 0, sizeof *t);
	t->first = r->t0;
	t->last = r->last_t;
	t->intervals = r->nsc ? r->nrows / r->nsc : 0;
	for (size_t i = 0; i < r->nrows; i += r->nsc) {
		t->used_s += r->rows[i].used_s;
		t->core_s += r->rows[i].core_s;
		if (r->rows[i].energy_j > 0)
			t->energy_j += r->rows[i].energy_j;
	}
}

/* ---- outputs ------------------------------------------------------------ */

/* One project's figures (projects.csv). */
typedef struct proj {
	int64_t key;           /* group x 2, or user x 2 + 1 when the group is missing */
	int64_t account;       /* as multifactor counts accounts: the group, else the user */
	char name[96];
	size_t jobs;
	int64_t used_s, core_s; /* used_s: GPU-seconds on the node model, else core-seconds */
	double weight, entitled_s; /* entitled_s: weight's share of all usage (the whole run) */
	double billed_s;       /* billing-unit-seconds (size-seconds without weights), lost runs included */
	double energy_j;       /* IT energy (with cs_recorder_set_energy), lost runs included */
	double mean_wait, median_wait, p95_wait;
	double mean_bsld, median_bsld, p95_bsld;
	cs_fair_project fair;  /* over the fair-share windows (fairness.h) */
} proj;

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

/* Percentile q of sorted v[0..n), as cs_percentile_sorted computes it. */
static double pct_double(const double *v, size_t n, double q)
{
	if (!n)
		return 0;
	double h = (double)(n - 1) * q;
	size_t lo = (size_t)h;
	return lo + 1 < n ? v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]) : v[lo];
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

/* Each project's bounded slowdowns, bs[first .. first + jobs) in
 * ps[0..np) order (m in all), sorted, and their median and p95: one radix
 * sort of them all, each then put in its project's place in that order.
 * -CS_ENOMEM or 0. */
static int sort_slowdowns(proj *ps, size_t np, double *bs, size_t m)
{
	uint64_t *key = malloc((2 * m + 1) * sizeof *key);
	uint32_t *val = malloc((2 * m + 1) * sizeof *val), *of = malloc((m + 1) * sizeof *of);
	size_t *at = malloc((np + 1) * sizeof *at);
	double *sorted = malloc((m + 1) * sizeof *sorted);
	if (!key || !val || !of || !at || !sorted) {
		free(key);
		free(val);
		free(of);
		free(at);
		free(sorted);
		return -CS_ENOMEM;
	}
	uint64_t min = UINT64_MAX;
	for (size_t k = 0, i = 0; k < np; k++) {
		at[k] = i;
		for (size_t e = i + ps[k].jobs; i < e; i++) {
			uint64_t u;
			memcpy(&u, &bs[i], sizeof u);
			key[i] = u | (UINT64_C(1) << 63); /* (slowdowns are at least 1: their bits order them) */
			min = key[i] < min ? key[i] : min;
			val[i] = (uint32_t)i;
			of[i] = (uint32_t)k;
		}
	}
	for (size_t i = 0; i < m; i++)
		key[i] -= min;
	cs_radix_pairs(key, val, key + m, val + m, m);
	for (size_t i = 0; i < m; i++)
		sorted[at[of[val[i]]]++] = bs[val[i]];
	for (size_t k = 0, i = 0; k < np; i += ps[k++].jobs) {
		ps[k].median_bsld = pct_double(sorted + i, ps[k].jobs, 0.5);
		ps[k].p95_bsld = pct_double(sorted + i, ps[k].jobs, 0.95);
	}
	free(key);
	free(val);
	free(of);
	free(at);
	free(sorted);
	return 0;
}

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
	proj *ps = calloc(r->n + 1, sizeof *ps);
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
		proj *p = &ps[k];
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
			const cs_job *j = &r->jobs[ix[b]];
			pj[ix[b]] = (uint32_t)k;
			cs_time run = j->end_s - j->start_s, wait = j->start_s - j->submit_s;
			/* runs a preemption threw away were used too */
			p->used_s += (int64_t)job_units(r, j) * (run + j->preempted_s);
			p->core_s += (int64_t)job_cores(r, j) * (run + j->preempted_s);
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
				      : job_units(r, &r->jobs[i]);
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
	for (size_t i = 0; i < r->nrows; i++) {
		cs_rec_row rw;
		cs_recorder_row(r, i, &rw);
		size_t kl = strlen(rw.kind), nl = strlen(rw.name);
		/* (each row built in memory: a year has over a hundred thousand) */
		char *p = cs_wbuf_room(&w, kl + nl + 16 * CS_PUT_INT_MAX + CS_PUT_UTC_MAX + 4 * CS_PUT_FIXED_MAX + 32);
		if (!p) {
			rc = -CS_ENOMEM;
			break;
		}
		p = cs_put_int(p, rw.t);
		*p++ = ',';
		p = cs_put_utc(p, epoch, rw.t);
		*p++ = ',';
		p = cs_put_int(p, rw.len);
		*p++ = ',';
		memcpy(p, rw.kind, kl);
		p += kl;
		*p++ = ',';
		memcpy(p, rw.name, nl);
		p += nl;
		const int64_t seconds[] = { rw.gpus, rw.cores, rw.gpu_seconds, rw.core_seconds };
		for (size_t k = 0; k < sizeof seconds / sizeof *seconds; k++) {
			*p++ = ',';
			p = cs_put_int(p, seconds[k]);
		}
		*p++ = ',';
		p = cs_put_fixed(p, rw.gpus_busy, 3);
		*p++ = ',';
		p = cs_put_fixed(p, rw.cores_busy, 3);
		*p++ = ',';
		p = cs_put_int(p, rw.gpus_allocated);
		*p++ = ',';
		p = cs_put_int(p, rw.cores_allocated);
		*p++ = ',';
		if (!rw.queue) {
			memcpy(p, ",,,", 3);
			p += 3;
		} else {
			const int64_t queue[] = { rw.running, rw.queued_jobs, rw.queued_gpus, rw.queued_cores };
			p = cs_put_int(p, queue[0]);
			for (size_t k = 1; k < 4; k++) {
				*p++ = ',';
				p = cs_put_int(p, queue[k]);
			}
		}
		*p++ = ',';
		/* the fragmented resource's column: the other empty on the node
		 * model, 0 on a pooled machine */
		if (rw.frag_in_gpus) {
			p = cs_put_int(p, rw.frag_gpus);
			*p++ = ',';
		} else {
			*p++ = '0';
			*p++ = ',';
			p = cs_put_int(p, rw.frag_cores);
		}
		*p++ = ',';
		if (rw.power)
			p = cs_put_fixed(p, rw.power_w, 1);
		if (down) {
			*p++ = ',';
			p = cs_put_fixed(p, (double)row_down(r, down, i) / (rw.len > 0 ? (double)rw.len : 1), 3);
		}
		*p++ = '\n';
		w.p = p;
	}
	if (cs_wbuf_finish(&w) < 0)
		rc = -CS_ENOMEM;
	free(down);
	int wrc = cs_csv_close(f, path, err, errlen);
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	return wrc;
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
			q = cs_put_int(q, counts[k]);
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
		q = cs_put_int(q, fp->windows);
		*q++ = ',';
		q = cs_put_int(q, fp->short_windows);
		*q++ = ',';
		q = cs_put_fixed(q, p->billed_s / 3600.0, 6);
		*q++ = ',';
		if (r->energy)
			q = cs_put_fixed(q, p->energy_j / 3.6e6, 6);
		*q++ = '\n';
		w.p = q;
	}
	if (cs_wbuf_finish(&w) < 0)
		rc = -CS_ENOMEM;
	int wrc = cs_csv_close(f, path, err, errlen);
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	return wrc;
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
	for (size_t k = 0; k < fair->nwin; k++) {
		const cs_fair_window *w = &fair->win[k];
		fprintf(f, "%lld,", (long long)w->t);
		cs_csv_utc(f, epoch, w->t);
		if (r->billing) /* billing-unit-seconds, counted in millionths */
			fprintf(f, ",%lld,%.6f,%.6f,%.6f,%.6f,%.6f,", (long long)w->len,
				fair_amount(r, (double)w->capacity_s), fair_amount(r, (double)w->demand_s),
				fair_amount(r, (double)w->delivered_s), fair_amount(r, w->shortfall_s), w->distance);
		else
			fprintf(f, ",%lld,%lld,%lld,%lld,%.1f,%.6f,", (long long)w->len, (long long)w->capacity_s,
				(long long)w->demand_s, (long long)w->delivered_s, w->shortfall_s, w->distance);
		if (w->jain >= 0)
			fprintf(f, "%.6f", w->jain);
		fprintf(f, ",%u,%u\n", w->projects, w->under_served);
	}
	return cs_csv_close(f, path, err, errlen);
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
	size_t hlcap = 0;
	char *hl = NULL;
	char path[4096];
	FILE *f = scratch ? cs_csv_open(dir, "occupancy.csv", path, sizeof path, err, errlen) : NULL;
	if (!f) {
		if (!scratch)
			snprintf(err, errlen, "out of memory");
		free(scratch);
		free(cell);
		free(cap);
		return scratch ? -CS_EIO : -CS_ENOMEM;
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
		for (size_t c = 0; c < ncols; c++) {
			cs_time lo = (cs_time)c * width, hi = lo + width < span ? lo + width : span;
			double d = cap[g] * (double)(hi - lo);
			char b[CS_PUT_FIXED_MAX + 1];
			b[0] = ',';
			fwrite(b, 1, (size_t)(cs_put_fixed(b + 1, d > 0 ? cell[g * ncols + c] / d : 0.0, 3) - b), f);
		}
		fputc('\n', f);
	}
	free(scratch);
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

/* The projects and fair-share windows a run's summary and files share. */
struct cs_rec_projects {
	proj *ps; /* by usage, as projects.csv lists them */
	size_t np;
	cs_fair fair;
	int shares; /* entitlements by multifactor's shares */
};

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
