/* capsim: waiting jobs grouped by request shape (sched/shapeq.c), private
 * to sched/. A shape is what the engine's fit memo keys on (partition,
 * nodes, per-node GPUs, cores and memory, topology rule): in a pass, a
 * shape that failed to fit with the free resources unchanged fails again
 * (cs_ctx_nofit_bound), so a backfill scan can visit shapes rather than
 * jobs. Jobs lie in slots sorted by (shape, index), a shape's a run of
 * them, under one segment tree of estimates (cs_qtree): the next waiting
 * job of a shape after a given one, or the next whose estimate is at most
 * a bound, is O(log n). A pass merges the shapes' next jobs in arrival
 * order with a small heap (cs_shapeq_heap_*).
 */
#ifndef CAPSIM_SCHED_SHAPEQ_H
#define CAPSIM_SCHED_SHAPEQ_H

#include "capsim/job.h"
#include "qtree.h"

typedef struct cs_shapeq {
	uint32_t nshapes;
	uint32_t *first;   /* per shape: its first slot; first[nshapes] = jobs */
	uint32_t *shape;   /* per job: its shape */
	uint32_t *slot;    /* per job: its slot */
	uint32_t *jid_at;  /* per slot: the job */
	uint32_t *nwait;   /* per shape: waiting jobs */
	uint32_t *head;    /* per shape: the slot of its first waiting job (UINT32_MAX: to be found) */
	cs_qtree t;        /* per slot: the waiting job's estimate (size 1) */
	uint64_t *heap;    /* a pass's merge: (job << 32 | shape), smallest job on top; one a shape at most */
	size_t nheap;
	const cs_job *jobs;
} cs_shapeq;

/* The shapes of jobs[0..n). 0 or -CS_ENOMEM. */
int cs_shapeq_init(cs_shapeq *q, const cs_job *jobs, size_t n);
/* The shapes alone, numbered as cs_shapeq_init numbers them: shape[i]
 * (n of them, the caller's) and *nshapes. 0 or -CS_ENOMEM. */
int cs_shapeq_shapes(const cs_job *jobs, size_t n, uint32_t *shape, uint32_t *nshapes);
void cs_shapeq_free(cs_shapeq *q);
void cs_shapeq_push(cs_shapeq *q, uint32_t jid);
void cs_shapeq_remove(cs_shapeq *q, uint32_t jid);
/* The first waiting job of shape s with index >= from, or -1 (O(1) when
 * that is the shape's first waiting job). */
long cs_shapeq_first(cs_shapeq *q, uint32_t s, uint32_t from);
/* The first waiting job of shape s after job jid (of shape s) whose
 * estimate is at most est_max (CS_TIME_MAX: any), or -1. */
long cs_shapeq_after(const cs_shapeq *q, uint32_t s, uint32_t jid, cs_time est_max);

void cs_shapeq_heap_clear(cs_shapeq *q);
void cs_shapeq_heap_push(cs_shapeq *q, uint32_t jid, uint32_t s);
/* Pop the smallest job: 1 with *jid and *s, or 0 if empty. */
int cs_shapeq_heap_pop(cs_shapeq *q, uint32_t *jid, uint32_t *s);

#endif
