/* capsim: the recorder (include/capsim/recorder.h): the run recorded as
 * it goes, interval by interval (sim/recorder_int.h). */
#include "recorder_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	int64_t u = (int64_t)cs_rec_job_units(r, j), c = (int64_t)cs_rec_job_cores(r, j);
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
	int64_t u = (int64_t)cs_rec_job_units(r, j);
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

/* An event at a job (not a pass), recorded, after the progress line's
 * tick as ever. Out of line so that a pass goes through on_event without a
 * register saved. */
static __attribute__((noinline)) void record(cs_recorder *r, cs_time now, unsigned what, uint32_t jid)
{
	if (r->progress && (r->events & 4095) == 0)
		tick_progress(r, now, 0);
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

static void on_event(void *ctx, cs_time now, unsigned what, uint32_t jid)
{
	cs_recorder *r = ctx;
	r->events++;
	if (what != CS_OBS_PASS && jid < r->n)
		record(r, now, what, jid);
	else if (r->progress && (r->events & 4095) == 0)
		tick_progress(r, now, 0);
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
