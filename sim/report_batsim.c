/* capsim: the simulated schedule as Batsim's jobs.csv (so evalys and other
 * Batsim tools read capsim runs).
 *
 * One row per job, in the job table's order, with Batsim's columns.
 * Resources (requested_number_of_resources; allocated_resources in
 * Batsim's interval set syntax "0-3 7") are, on a pooled machine,
 * processors numbered after the fact: replaying starts and ends in time
 * order (ends first at equal times), each job takes the lowest-numbered
 * free processors. On a node model they are the finest unit every job of
 * the run held (cs_run_batsim_units): nodes if every job held its nodes
 * whole, else GPUs if every job held GPUs, else cores, so that no two jobs
 * running at once share a number (the allocator gives GPUs and cores of a
 * node to one job at a time); failing all three, nodes, where jobs sharing
 * a node overlap. GPUs (cores) are numbered node by node, each node's in
 * its own order (GPU index, hwloc logical core index).
 *
 * final_state is Batsim's (final_state_of below); success is 1 for
 * COMPLETED_SUCCESSFULLY only. A rejected job's times, stretch, resources
 * and energy are empty, as Batsim writes them. consumed_energy is -1 (not
 * modelled). */
#include "capsim/nodemodel.h"
#include "capsim/csvout.h"
#include "csvout_int.h"
#include "capsim/report.h"
#include "bits.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ev {
	cs_time t;
	int end;      /* 1: an end (sorts first at equal times) */
	uint32_t jid;
} ev;

static int ev_cmp(const void *a, const void *b)
{
	const ev *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->end != y->end)
		return x->end ? -1 : 1;
	return (x->jid > y->jid) - (x->jid < y->jid);
}

/* Pooled: the first processor of each of a job's runs of consecutive
 * processors, as (first, count) pairs in runs[off[j] .. off[j+1]). */
typedef struct procmap {
	uint32_t *first, *count;
	size_t *off;
} procmap;

static void procmap_free(procmap *pm)
{
	free(pm->first);
	free(pm->count);
	free(pm->off);
}

static int number_processors(const cs_run_result *r, procmap *pm)
{
	size_t n = r->njobs, ne = 0;
	uint32_t P = r->machine.procs;
	size_t words = (size_t)P / 64 + 1;
	ev *e = malloc((2 * n + 1) * sizeof *e);
	uint64_t *busy = calloc(words, sizeof *busy);
	pm->off = calloc(n + 1, sizeof *pm->off);
	size_t cap = n + 16;
	pm->first = malloc(cap * sizeof *pm->first);
	pm->count = malloc(cap * sizeof *pm->count);
	if (!e || !busy || !pm->off || !pm->first || !pm->count)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		if (r->jobs[i].start_s < 0)
			continue;
		e[ne++] = (ev){ r->jobs[i].start_s, 0, (uint32_t)i };
		e[ne++] = (ev){ r->jobs[i].end_s, 1, (uint32_t)i };
	}
	qsort(e, ne, sizeof *e, ev_cmp);
	/* runs are appended in start order; a job's runs are found through
	 * per-job (start index, count) kept in off[] as start << 0 and a
	 * separate count pass below */
	size_t *rstart = calloc(n + 1, sizeof *rstart), *rcount = calloc(n + 1, sizeof *rcount);
	size_t nr = 0;
	if (!rstart || !rcount) {
		free(rstart);
		free(rcount);
		goto oom;
	}
	for (size_t k = 0; k < ne; k++) {
		uint32_t j = e[k].jid;
		if (e[k].end) {
			for (size_t q = rstart[j]; q < rstart[j] + rcount[j]; q++)
				for (uint32_t p = pm->first[q]; p < pm->first[q] + pm->count[q]; p++)
					busy[p / 64] &= ~(1ULL << (p % 64));
			continue;
		}
		uint32_t need = r->jobs[j].size;
		rstart[j] = nr;
		for (uint32_t p = 0; p < P && need; p++) {
			if (busy[p / 64] == ~0ULL) {
				p |= 63;
				continue;
			}
			if (busy[p / 64] >> (p % 64) & 1)
				continue;
			busy[p / 64] |= 1ULL << (p % 64);
			need--;
			if (rcount[j] && pm->first[nr - 1] + pm->count[nr - 1] == p) {
				pm->count[nr - 1]++;
				continue;
			}
			if (nr == cap) {
				cap *= 2;
				uint32_t *a = realloc(pm->first, cap * sizeof *a), *b = a ? realloc(pm->count, cap * sizeof *b) : NULL;
				if (a)
					pm->first = a;
				if (!b) {
					free(rstart);
					free(rcount);
					goto oom;
				}
				pm->count = b;
			}
			pm->first[nr] = p;
			pm->count[nr++] = 1;
			rcount[j]++;
		}
	}
	/* off[j] = rstart[j], with the count in off via a second array: store
	 * (start, count) as off[j] = start and reuse rcount through off[n] */
	for (size_t i = 0; i < n; i++)
		pm->off[i] = rstart[i] | ((size_t)rcount[i] << 40);
	free(rstart);
	free(rcount);
	free(e);
	free(busy);
	return 0;
oom:
	free(e);
	free(busy);
	procmap_free(pm);
	memset(pm, 0, sizeof *pm);
	return -CS_ENOMEM;
}

/* A range of resource ids ("a" or "a-b"), after a space but the first;
 * NULL when out of memory. */
CS_INLINE char *put_range(cs_wbuf *w, char *p, int *first, uint32_t a, uint32_t b)
{
	if ((size_t)(w->buf + w->cap - p) < 2 * CS_PUT_INT_MAX + 2) { /* (p is in w's block) */
		w->p = p;
		if (!(p = cs_wbuf_room(w, 2 * CS_PUT_INT_MAX + 2)))
			return NULL;
	}
	if (!*first)
		*p++ = ' ';
	p = cs_put_int_in(p, a);
	if (b > a) {
		*p++ = '-';
		p = cs_put_int_in(p, b);
	}
	*first = 0;
	return p;
}

static int node_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

const char *const cs_batsim_unit_names[CS_BATSIM_N] = { "processors", "nodes", "gpus", "cores",
							   "shared_nodes" };

int cs_run_batsim_units(cs_run_result *r, const cs_nodemodel *nm)
{
	int whole = 1, gpus = nm->total_gpus > 0, cores = 1;
	for (uint32_t t = 0; t < nm->layout.ntypes; t++)
		cores &= nm->types[t].cores <= CS_ALLOC_MAX_CORES;
	/* each holds while every slot so far has it: all three while whole
	 * nodes or GPUs may still be the unit, then the cores alone */
	size_t i = 0;
	for (; i < r->njobs && (whole | gpus); i++) {
		if (r->jobs[i].start_s < 0)
			continue;
		const cs_slot *s = r->placements + r->placement_off[i];
		for (uint32_t k = 0; k < r->jobs[i].nodes; k++) {
			const cs_alloc_type *ty = &nm->types[nm->node_type[s[k].node]];
			whole &= cs_slot_gpus(&s[k]) == ty->gpus && s[k].cores == ty->cores;
			gpus &= s[k].gpu_mask != 0;
			cores &= s[k].cores > 0;
		}
	}
	for (; i < r->njobs && cores; i++) {
		if (r->jobs[i].start_s < 0)
			continue;
		const cs_slot *s = r->placements + r->placement_off[i];
		for (uint32_t k = 0; k < r->jobs[i].nodes; k++)
			cores &= s[k].cores > 0;
	}
	r->batsim_unit = whole ? CS_BATSIM_NODES : gpus ? CS_BATSIM_GPUS : cores ? CS_BATSIM_CORES
						 : CS_BATSIM_SHARED_NODES;
	if (r->batsim_unit != CS_BATSIM_GPUS && r->batsim_unit != CS_BATSIM_CORES)
		return 0;
	uint32_t n = nm->layout.nnodes;
	r->unit_first = malloc((n + 1) * sizeof *r->unit_first);
	if (!r->unit_first)
		return -CS_ENOMEM;
	uint32_t next = 0;
	for (uint32_t v = 0; v < n; v++) {
		r->unit_first[v] = next;
		const cs_alloc_type *ty = &nm->types[nm->node_type[v]];
		next += r->batsim_unit == CS_BATSIM_GPUS ? ty->gpus : ty->cores;
	}
	r->unit_first[n] = next;
	return 0;
}

/* Job i's resources (node model) in r's unit, sorted, into *ids (grown as
 * needed): its nodes, or unit_first[node] + each GPU's (core's) index on
 * its node. How many, or -1 out of memory. */
static long job_units(const cs_run_result *r, size_t i, uint32_t **ids, size_t *cap)
{
	const cs_job *j = &r->jobs[i];
	const cs_slot *s = r->placements + r->placement_off[i];
	cs_batsim_unit u = r->batsim_unit;
	size_t need = 0;
	for (uint32_t k = 0; k < j->nodes; k++) {
		if (u == CS_BATSIM_GPUS)
			need += cs_slot_gpus(&s[k]);
		else if (u == CS_BATSIM_CORES)
			for (unsigned w = 0; w < CS_ALLOC_CORE_WORDS; w++)
				need += cs_pop64(s[k].core_mask[w]);
		else
			need++;
	}
	if (need > *cap) {
		uint32_t *ni = realloc(*ids, need * 2 * sizeof *ni);
		if (!ni)
			return -1;
		*ids = ni;
		*cap = need * 2;
	}
	size_t m = 0;
	for (uint32_t k = 0; k < j->nodes; k++) {
		uint32_t v = s[k].node;
		if (u == CS_BATSIM_GPUS) {
			for (unsigned g = 0; g < CS_ALLOC_MAX_GPUS; g++)
				if (s[k].gpu_mask >> g & 1)
					(*ids)[m++] = r->unit_first[v] + g;
		} else if (u == CS_BATSIM_CORES) {
			for (unsigned w = 0; w < CS_ALLOC_CORE_WORDS; w++)
				for (uint64_t b = s[k].core_mask[w]; b; b &= b - 1)
					(*ids)[m++] = r->unit_first[v] + 64 * w + (uint32_t)__builtin_ctzll(b);
		} else {
			(*ids)[m++] = v;
		}
	}
	size_t k = 1;
	while (k < m && (*ids)[k - 1] < (*ids)[k])
		k++;
	if (k < m) /* (placements mostly list their nodes in order already) */
		qsort(*ids, m, sizeof **ids, node_cmp);
	return (long)m;
}

/* Job i's cores (node model, r's unit cores) as ranges of unit ids,
 * (first, last) pairs into *rg (grown as needed), without listing each
 * core: how many ranges; 0 when they do not come in increasing order (the
 * caller then sorts job_units'), -1 out of memory. */
static long core_ranges(const cs_run_result *r, size_t i, uint32_t **rg, size_t *cap)
{
	const cs_job *j = &r->jobs[i];
	const cs_slot *s = r->placements + r->placement_off[i];
	/* at most 32 runs a word (a run and a gap at least): room for them
	 * all rather than a count */
	size_t need = (size_t)j->nodes * CS_ALLOC_CORE_WORDS * 32;
	if (2 * need > *cap) {
		uint32_t *nr = realloc(*rg, need * 4 * sizeof *nr);
		if (!nr)
			return -1;
		*rg = nr;
		*cap = need * 4;
	}
	size_t m = 0;
	for (uint32_t k = 0; k < j->nodes; k++) {
		uint32_t base = r->unit_first[s[k].node];
		for (unsigned w = 0; w < CS_ALLOC_CORE_WORDS; w++) {
			for (uint64_t b = s[k].core_mask[w]; b;) {
				unsigned lo = (unsigned)__builtin_ctzll(b), len;
				uint64_t rest = ~(b >> lo);
				len = rest ? (unsigned)__builtin_ctzll(rest) : 64 - lo;
				uint32_t a = base + 64 * w + lo;
				if (m && a <= (*rg)[2 * m - 1])
					return 0;
				(*rg)[2 * m] = a;
				(*rg)[2 * m + 1] = a + len - 1;
				m++;
				b = lo + len >= 64 ? 0 : b & ~((((uint64_t)1 << len) - 1) << lo);
			}
		}
	}
	return (long)m;
}

/* What a job asks for, in r's unit. */
static uint64_t requested_units(const cs_run_result *r, const cs_job *j)
{
	switch (r->batsim_unit) {
	case CS_BATSIM_PROCESSORS:
		return j->size;
	case CS_BATSIM_GPUS:
		return (uint64_t)j->nodes * j->gpus_per_node;
	case CS_BATSIM_CORES:
		return (uint64_t)j->nodes * j->cores_per_node;
	default:
		return j->nodes;
	}
}

/* Batsim's final states (its docs/output-jobs.rst): what the simulation
 * did first (the policy rejected it; a failure stopped it; it was cut at
 * its requested time; a preemption killed it: "killed by the decision
 * process"), then how the
 * trace says it ended (timeout; cancelled or preempted; failed). */
enum { FS_REJECTED, FS_KILLED, FS_FAILED, FS_WALLTIME, FS_SUCCESS, FS_N };
/* Each state's text, in a fixed STATE_COPY bytes copied whole (a row has
 * room), and its length. */
#define STATE_COPY 32
static const struct {
	char text[STATE_COPY];
	size_t len;
} final_states[FS_N] = {
#define STATE(s) { s, sizeof s - 1 }
	STATE("REJECTED"), STATE("COMPLETED_KILLED"), STATE("COMPLETED_FAILED"), STATE("COMPLETED_WALLTIME_REACHED"),
	STATE("COMPLETED_SUCCESSFULLY"),
#undef STATE
};

static int final_state_of(const cs_job *j)
{
	if (j->start_s < 0)
		return FS_REJECTED; /* (Batsim's only state for a job that never ran: cancelled ones too) */
	if (j->flags & CS_JOB_CANCELLED)
		return FS_KILLED;
	if (j->flags & CS_JOB_NODE_FAIL) /* a failure stopped it (capsim/failures.h) */
		return FS_FAILED;
	if (j->flags & CS_JOB_KILLED)
		return FS_WALLTIME;
	if (j->flags & CS_JOB_PREEMPT_KILLED)
		return FS_KILLED;
	if (j->flags & CS_JOB_TRACE_TIMEOUT)
		return FS_WALLTIME;
	if (j->flags & CS_JOB_TRACE_CANCELLED)
		return FS_KILLED;
	if (j->flags & CS_JOB_TRACE_FAILED)
		return FS_FAILED;
	return FS_SUCCESS;
}

int cs_run_write_batsim(const char *path, const cs_run_result *r, char *err, size_t errlen)
{
	procmap pm = { 0 };
	int node = r->machine.node_model && r->placements;
	if (!node && number_processors(r, &pm) < 0) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		procmap_free(&pm);
		return -CS_EIO;
	}
	uint32_t *ids = NULL;
	size_t idcap = 0;
	fputs("job_id,workload_name,profile,submission_time,requested_number_of_resources,requested_time,"
	      "success,final_state,starting_time,execution_time,finish_time,waiting_time,turnaround_time,"
	      "stretch,allocated_resources,consumed_energy,metadata\n", f);
	cs_wbuf w;
	cs_wbuf_init(&w, f);
	for (size_t i = 0; i < r->njobs; i++) {
		const cs_job *j = &r->jobs[i];
		int state = final_state_of(j);
		size_t sl = final_states[state].len;
		/* the row up to its resources: 11 numbers, the state, a stretch */
		char *p = cs_wbuf_room_in(&w, 16 * CS_PUT_INT_MAX + STATE_COPY + CS_PUT_FIXED_MAX);
		if (!p)
			goto oom;
		p = cs_put_int_in(p, j->id);
		memcpy(p, ",w0,delay", 9);
		p += 9;
		const int64_t head[] = { j->submit_s, (int64_t)requested_units(r, j), j->estimate_s,
					 state == FS_SUCCESS };
		_Pragma("GCC unroll 8")
		for (size_t k = 0; k < sizeof head / sizeof *head; k++) {
			*p++ = ',';
			p = cs_put_int_in(p, head[k]);
		}
		*p++ = ',';
		memcpy(p, final_states[state].text, STATE_COPY);
		p += sl;
		*p++ = ',';
		int rejected = j->start_s < 0;
		if (rejected) {
			memcpy(p, ",,,,,,,,\n", 9); /* times, stretch, resources, energy; metadata */
			w.p = p + 9;
			continue;
		}
		cs_time exec = j->end_s - j->start_s, turn = j->end_s - j->submit_s;
		const int64_t times[] = { j->start_s, exec, j->end_s, j->start_s - j->submit_s, turn };
		_Pragma("GCC unroll 8")
		for (size_t k = 0; k < sizeof times / sizeof *times; k++) {
			p = cs_put_int_in(p, times[k]);
			*p++ = ',';
		}
		if (exec > 0) {
			p = cs_put_fixed_in(p, (double)turn / (double)exec, 6);
			*p++ = ',';
		} else {
			memcpy(p, "-1,", 3);
			p += 3;
		}
		int first = 1;
		long nr = node && r->batsim_unit == CS_BATSIM_CORES ? core_ranges(r, i, &ids, &idcap) : 0;
		if (nr < 0)
			goto oom;
		if (nr > 0) {
			/* adjacent ranges joined, as the sorted cores' runs below */
			uint32_t a = ids[0], b = ids[1];
			for (long k = 1; k < nr && p; k++) {
				if (ids[2 * k] == b + 1) {
					b = ids[2 * k + 1];
					continue;
				}
				p = put_range(&w, p, &first, a, b);
				a = ids[2 * k];
				b = ids[2 * k + 1];
			}
			if (p)
				p = put_range(&w, p, &first, a, b);
		} else if (node) {
			long m = job_units(r, i, &ids, &idcap);
			if (m < 0)
				goto oom;
			uint32_t a = m ? ids[0] : 0, b = a;
			for (long k = 1; k < m && p; k++) {
				if (ids[k] == b + 1) {
					b = ids[k];
					continue;
				}
				p = put_range(&w, p, &first, a, b);
				a = b = ids[k];
			}
			if (m && p)
				p = put_range(&w, p, &first, a, b);
		} else {
			size_t s0 = pm.off[i] & (((size_t)1 << 40) - 1), cnt = pm.off[i] >> 40;
			for (size_t q = s0; q < s0 + cnt && p; q++)
				p = put_range(&w, p, &first, pm.first[q], pm.first[q] + pm.count[q] - 1);
		}
		w.p = p;
		if (!p || !(p = cs_wbuf_room_in(&w, 6)))
			goto oom;
		memcpy(p, ",-1,\n", 5);
		w.p = p + 5;
	}
	if (cs_wbuf_finish(&w) < 0)
		goto oom;
	free(ids);
	procmap_free(&pm);
	return cs_csv_close(f, path, err, errlen);
oom:
	cs_wbuf_finish(&w);
	free(ids);
	procmap_free(&pm);
	fclose(f);
	snprintf(err, errlen, "out of memory");
	return -CS_ENOMEM;
}
