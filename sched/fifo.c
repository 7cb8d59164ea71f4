/* capsim: arrival-order queue over job indices. */
#include "fifo.h"

int cs_fifo_init(cs_fifo *q, size_t n)
{
	q->end = q->count = 0;
	return cs_hbm_init(&q->in, (uint32_t)(n ? n : 1));
}

void cs_fifo_free(cs_fifo *q) { cs_hbm_free(&q->in); }

void cs_fifo_push(cs_fifo *q, uint32_t jid)
{
	if (!cs_hbm_test(&q->in, jid)) {
		cs_hbm_set(&q->in, jid);
		q->count++;
	}
	if (jid + 1u > q->end)
		q->end = jid + 1u;
}

void cs_fifo_remove(cs_fifo *q, uint32_t jid)
{
	if (cs_hbm_test(&q->in, jid)) {
		cs_hbm_clear(&q->in, jid);
		q->count--;
	}
}

long cs_fifo_head(cs_fifo *q) { return q->count ? cs_hbm_first(&q->in) : -1; }

long cs_fifo_next(const cs_fifo *q, uint32_t from) { return cs_hbm_next(&q->in, from); }
