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
