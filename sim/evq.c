/* capsim: the event queue, a binary min-heap over a flat array. */
#include "capsim/evq.h"

#include <stdlib.h>

int cs_evq_init(cs_evq *q, size_t cap_hint)
{
	q->len = 0;
	q->seq = 0;
	q->cap = cap_hint ? cap_hint : 64;
	q->heap = malloc(q->cap * sizeof *q->heap);
	return q->heap ? 0 : -CS_ENOMEM;
}

void cs_evq_free(cs_evq *q)
{
	free(q->heap);
	q->heap = NULL;
	q->len = q->cap = 0;
}

static inline int before(const cs_event *a, const cs_event *b)
{
	return a->time < b->time || (a->time == b->time && a->order < b->order);
}

int cs_evq_push(cs_evq *q, cs_time time, unsigned cls, uint32_t type, uint32_t data)
{
	if (cls > CS_EVQ_MAX_CLASS)
		return -CS_EINVAL;
	if (q->len == q->cap) {
		size_t ncap = q->cap * 2;
		cs_event *nh = realloc(q->heap, ncap * sizeof *nh);
		if (!nh)
			return -CS_ENOMEM;
		q->heap = nh;
		q->cap = ncap;
	}
	cs_event e = { .time = time, .order = ((uint64_t)cls << 48) | (q->seq++ & 0xffffffffffffULL),
		       .type = type, .data = data };
	cs_event *h = q->heap;
	size_t i = q->len++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!before(&e, &h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = e;
	return 0;
}

int cs_evq_pop(cs_evq *q, cs_event *out)
{
	if (q->len == 0)
		return -1;
	cs_event *h = q->heap;
	*out = h[0];
	cs_event last = h[--q->len];
	size_t n = q->len, i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && before(&h[c + 1], &h[c]))
			c++;
		if (!before(&h[c], &last))
			break;
		h[i] = h[c];
		i = c;
	}
	if (n)
		h[i] = last;
	return 0;
}
