/* capsim: the event queue (sim/evq.c).
 *
 * A binary min-heap over a flat array of fixed-size entries: no malloc per
 * event (the array grows by doubling, so pushes are amortised O(1) in
 * allocations and O(log n) in compares).
 *
 * Order (deterministic, documented): by time, then by class (a small
 * integer the engine assigns per event type: lower first), then by
 * insertion sequence (a counter the queue stamps at push). Nothing else,
 * never a pointer or a hash, decides the order of two events.
 */
#ifndef CAPSIM_EVQ_H
#define CAPSIM_EVQ_H

#include "capsim/types.h"

typedef struct cs_event {
	cs_time time;   /* when, in simulated seconds */
	uint64_t order; /* (class << 48) | insertion sequence: set by push */
	uint32_t type;  /* what happened (engine-defined) */
	uint32_t data;  /* payload, e.g. a job index */
} cs_event;

typedef struct cs_evq {
	cs_event *heap;
	size_t len, cap;
	uint64_t seq;
} cs_evq;

#define CS_EVQ_MAX_CLASS 255u

int cs_evq_init(cs_evq *q, size_t cap_hint);
void cs_evq_free(cs_evq *q);
/* Push an event; class orders events of equal time (lower first). */
int cs_evq_push(cs_evq *q, cs_time time, unsigned cls, uint32_t type, uint32_t data);
/* Pop the first event into *out; returns 0, or -1 when empty. */
int cs_evq_pop(cs_evq *q, cs_event *out);
static inline size_t cs_evq_len(const cs_evq *q) { return q->len; }
/* The first event, or NULL when empty. */
static inline const cs_event *cs_evq_peek(const cs_evq *q) { return q->len ? &q->heap[0] : NULL; }

#endif
