/* capsim: hierarchical bitmap. */
#include "capsim/hbm.h"
#include "bits.h"

#include <stdlib.h>

int cs_hbm_init(cs_hbm *b, uint32_t n)
{
	b->n = n;
	b->lo = n;
	b->n0 = (n + 63) / 64;
	b->n1 = (b->n0 + 63) / 64;
	b->n2 = (b->n1 + 63) / 64;
	b->l0 = calloc(b->n0 + 1, 8); /* a spare zero word: see cs_hbm_first */
	b->l1 = calloc(b->n1 ? b->n1 : 1, 8);
	b->l2 = calloc(b->n2 ? b->n2 : 1, 8);
	if (!b->l0 || !b->l1 || !b->l2) {
		cs_hbm_free(b);
		return -CS_ENOMEM;
	}
	return 0;
}

uint32_t cs_hbm_count(const cs_hbm *b)
{
	return cs_hbm_count_range(b, 0, b->n);
}

uint32_t cs_hbm_count_range(const cs_hbm *b, uint32_t lo, uint32_t hi)
{
	if (hi > b->n)
		hi = b->n;
	if (lo >= hi)
		return 0;
	uint32_t w0 = lo >> 6, w1 = (hi - 1) >> 6, k = 0;
	for (uint32_t w = w0; w <= w1; w++) {
		uint64_t x = b->l0[w];
		if (w == w0)
			x &= ~0ULL << (lo & 63);
		if (w == w1 && (hi & 63))
			x &= ~(~0ULL << (hi & 63));
		k += x ? cs_pop64(x) : 0;
	}
	return k;
}

void cs_hbm_or(cs_hbm *dst, const cs_hbm *src)
{
	if (src->lo < dst->lo)
		dst->lo = src->lo;
	for (uint32_t w2 = 0; w2 < src->n2; w2++) {
		/* with one summary word the top level is not kept: that word */
		uint64_t m2 = src->n1 == 1 ? 1 : src->l2[w2];
		for (; m2; m2 &= m2 - 1) {
			uint32_t w1 = w2 * 64 + (uint32_t)__builtin_ctzll(m2);
			uint64_t m1 = src->l1[w1];
			if (!m1)
				continue;
			for (uint64_t m = m1; m; m &= m - 1) {
				uint32_t w0 = w1 * 64 + (uint32_t)__builtin_ctzll(m);
				dst->l0[w0] |= src->l0[w0];
			}
			uint64_t was = dst->l1[w1];
			dst->l1[w1] = was | m1;
			if (!was && dst->n1 > 1)
				dst->l2[w1 >> 6] |= 1ULL << (w1 & 63);
		}
	}
}

void cs_hbm_free(cs_hbm *b)
{
	free(b->l0);
	free(b->l1);
	free(b->l2);
	b->l0 = b->l1 = b->l2 = NULL;
}

