/* capsim: sorting a queue by priority. See priosort.h. */
#include "priosort.h"

#include <stdlib.h>
#include <string.h>

int cs_prio_cmp(const void *a, const void *b)
{
	const cs_ranked *x = a, *y = b;
	if (x->prio != y->prio)
		return x->prio > y->prio ? -1 : 1;
	return x->jid < y->jid ? -1 : x->jid > y->jid;
}

/* A priority as an unsigned key that sorts the other way: higher
 * priority, smaller key (IEEE order made unsigned; -0 taken as 0). */
static inline uint64_t prio_key(double d)
{
	uint64_t b;
	if (d == 0)
		d = 0;
	memcpy(&b, &d, sizeof b);
	b = b >> 63 ? ~b : b | 1ULL << 63;
	return ~b;
}

/* 11 bits at a time; a digit all entries share is skipped. */
void cs_prio_sort(cs_ranked *o, cs_ranked *tmp, size_t n)
{
	if (n < 1024) {
		qsort(o, n, sizeof *o, cs_prio_cmp);
		return;
	}
	enum { BITS = 11, BINS = 1 << BITS };
	static _Thread_local uint32_t cnt[BINS];
	cs_ranked *src = o, *dst = tmp;
	for (unsigned shift = 0; shift < 64; shift += BITS) {
		memset(cnt, 0, sizeof cnt);
		for (size_t i = 0; i < n; i++)
			cnt[(prio_key(src[i].prio) >> shift) & (BINS - 1)]++;
		if (cnt[(prio_key(src[0].prio) >> shift) & (BINS - 1)] == n)
			continue;
		uint32_t sum = 0;
		for (unsigned b = 0; b < BINS; b++) {
			uint32_t c = cnt[b];
			cnt[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[cnt[(prio_key(src[i].prio) >> shift) & (BINS - 1)]++] = src[i];
		cs_ranked *t = src;
		src = dst;
		dst = t;
	}
	if (src != o)
		memcpy(o, src, n * sizeof *o);
}

int cs_prio_hint_init(cs_prio_hint *h, size_t njobs)
{
	size_t n = njobs ? njobs : 1;
	*h = (cs_prio_hint){ 0 };
	h->prev = malloc(n * sizeof *h->prev);
	h->stamp = calloc(n, sizeof *h->stamp);
	h->prio = malloc(n * sizeof *h->prio);
	if (!h->prev || !h->stamp || !h->prio) {
		cs_prio_hint_free(h);
		return -1;
	}
	return 0;
}

void cs_prio_hint_free(cs_prio_hint *h)
{
	free(h->prev);
	free(h->stamp);
	free(h->prio);
	*h = (cs_prio_hint){ 0 };
}

static inline int goes_before(const cs_ranked *x, const cs_ranked *y)
{
	return x->prio > y->prio || (x->prio == y->prio && x->jid < y->jid);
}

void cs_prio_sort_hinted(cs_prio_hint *h, cs_ranked *o, cs_ranked *tmp, size_t n)
{
	uint64_t here = 2 * ++h->gen, placed = here + 1;
	for (size_t i = 0; i < n; i++) {
		h->stamp[o[i].jid] = here;
		h->prio[o[i].jid] = o[i].prio;
	}
	size_t m = 0;
	for (size_t i = 0; i < h->nprev; i++) {
		uint32_t j = h->prev[i];
		if (h->stamp[j] == here) {
			tmp[m++] = (cs_ranked){ h->prio[j], j };
			h->stamp[j] = placed;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (h->stamp[o[i].jid] == here)
			tmp[m++] = o[i];
	/* insertion sort, within a budget of moves */
	size_t moves = 0, budget = 4 * n + 64;
	for (size_t i = 1; i < m && moves <= budget; i++) {
		cs_ranked x = tmp[i];
		size_t k = i;
		for (; k > 0 && goes_before(&x, &tmp[k - 1]); k--)
			tmp[k] = tmp[k - 1];
		tmp[k] = x;
		moves += i - k;
	}
	if (moves > budget)
		cs_prio_sort(o, tmp, n); /* o is as it came */
	else
		memcpy(o, tmp, n * sizeof *o);
	for (size_t i = 0; i < n; i++)
		h->prev[i] = o[i].jid;
	h->nprev = n;
}
