/* capsim: hierarchical bitmap. */
#include "hbm.h"

#include <stdlib.h>

int cs_hbm_init(cs_hbm *b, uint32_t n)
{
	b->n = n;
	b->n0 = (n + 63) / 64;
	b->n1 = (b->n0 + 63) / 64;
	b->n2 = (b->n1 + 63) / 64;
	b->l0 = calloc(b->n0 ? b->n0 : 1, 8);
	b->l1 = calloc(b->n1 ? b->n1 : 1, 8);
	b->l2 = calloc(b->n2 ? b->n2 : 1, 8);
	if (!b->l0 || !b->l1 || !b->l2) {
		cs_hbm_free(b);
		return -CS_ENOMEM;
	}
	return 0;
}

void cs_hbm_free(cs_hbm *b)
{
	free(b->l0);
	free(b->l1);
	free(b->l2);
	b->l0 = b->l1 = b->l2 = NULL;
}

static inline uint64_t from_bit(uint32_t k) { return ~0ULL << (k & 63); }

long cs_hbm_next(const cs_hbm *b, uint32_t from)
{
	if (from >= b->n)
		return -1;
	uint32_t w0 = from >> 6;
	uint64_t m = b->l0[w0] & from_bit(from);
	if (m)
		return (long)w0 * 64 + __builtin_ctzll(m);
	/* the next non-zero level-0 word after w0 */
	uint32_t i1 = w0 + 1;
	if (i1 >= b->n0)
		return -1;
	uint32_t w1 = i1 >> 6;
	m = b->l1[w1] & from_bit(i1);
	if (!m) {
		uint32_t i2 = w1 + 1;
		if (i2 >= b->n1)
			return -1;
		uint32_t w2 = i2 >> 6;
		uint64_t m2 = b->l2[w2] & from_bit(i2);
		while (!m2) {
			if (++w2 >= b->n2)
				return -1;
			m2 = b->l2[w2];
		}
		w1 = w2 * 64 + (uint32_t)__builtin_ctzll(m2);
		m = b->l1[w1];
	}
	w0 = w1 * 64 + (uint32_t)__builtin_ctzll(m);
	return (long)w0 * 64 + __builtin_ctzll(b->l0[w0]);
}
