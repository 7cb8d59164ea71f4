/* capsim: arrival-order queue over job indices (sched/fifo.c), private to
 * sched/. Jobs are submitted in index order, so the head (oldest waiting
 * job) only moves forward: finding it is amortised O(1). */
#ifndef CAPSIM_SCHED_FIFO_H
#define CAPSIM_SCHED_FIFO_H

#include "capsim/types.h"

typedef struct cs_fifo {
	uint8_t *in;     /* in[jid]: waiting */
	size_t n;        /* capacity (jobs in the table) */
	size_t head;     /* no waiting job below this index */
	size_t end;      /* one past the highest index submitted */
	size_t count;    /* waiting jobs */
} cs_fifo;

int cs_fifo_init(cs_fifo *q, size_t n);
void cs_fifo_free(cs_fifo *q);
void cs_fifo_push(cs_fifo *q, uint32_t jid);
void cs_fifo_remove(cs_fifo *q, uint32_t jid);
/* Oldest waiting job, or -1. */
long cs_fifo_head(cs_fifo *q);
/* The first waiting job at or after index `from`, or -1: with cs_fifo_head,
 * walks the queue in arrival order (removing the current job is allowed). */
long cs_fifo_next(const cs_fifo *q, uint32_t from);

#endif
