/* capsim: arrival-order queue over job indices. */
#include "fifo.h"

#include <stdlib.h>

int cs_fifo_init(cs_fifo *q, size_t n)
{
	q->in = calloc(n ? n : 1, 1);
	q->n = n;
	q->head = q->end = q->count = 0;
	return q->in ? 0 : -CS_ENOMEM;
}

void cs_fifo_free(cs_fifo *q)
{
	free(q->in);
	q->in = NULL;
}

void cs_fifo_push(cs_fifo *q, uint32_t jid)
{
	q->in[jid] = 1;
	q->count++;
	if (jid + 1u > q->end)
		q->end = jid + 1u;
	if (jid < q->head)
		q->head = jid;
}

void cs_fifo_remove(cs_fifo *q, uint32_t jid)
{
	if (q->in[jid]) {
		q->in[jid] = 0;
		q->count--;
	}
}

long cs_fifo_head(cs_fifo *q)
{
	if (!q->count)
		return -1;
	while (q->head < q->end && !q->in[q->head])
		q->head++;
	return (long)q->head;
}

long cs_fifo_next(const cs_fifo *q, uint32_t from)
{
	for (size_t k = from; k < q->end; k++)
		if (q->in[k])
			return (long)k;
	return -1;
}
