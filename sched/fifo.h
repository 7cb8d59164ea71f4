/* capsim: arrival-order queue over job indices (sched/fifo.c), private to
 * sched/. The waiting jobs are bits of a hierarchical bitmap by index:
 * the head (oldest waiting job) and the next waiting job after any index
 * are a few word operations, however many jobs lie between. */
#ifndef CAPSIM_SCHED_FIFO_H
#define CAPSIM_SCHED_FIFO_H

#include "capsim/types.h"
#include "capsim/hbm.h"

typedef struct cs_fifo {
	cs_hbm in;       /* bit jid: waiting */
	size_t end;      /* one past the highest index submitted */
	size_t count;    /* waiting jobs */
} cs_fifo;

int cs_fifo_init(cs_fifo *q, size_t n);
void cs_fifo_free(cs_fifo *q);
void cs_fifo_push(cs_fifo *q, uint32_t jid);
void cs_fifo_remove(cs_fifo *q, uint32_t jid);
/* Is jid waiting? */
static inline int cs_fifo_has(const cs_fifo *q, uint32_t jid) { return cs_hbm_test(&q->in, jid); }
/* Oldest waiting job, or -1. */
long cs_fifo_head(cs_fifo *q);
/* The first waiting job at or after index `from`, or -1: with cs_fifo_head,
 * walks the queue in arrival order (removing the current job is allowed). */
long cs_fifo_next(const cs_fifo *q, uint32_t from);

#endif
