/* capsim: hierarchical bitmap (sched/hbm.c), private to sched/.
 *
 * A bit per item in 64-bit words, plus a summary bit per non-zero word, plus
 * a summary of the summaries: first-set and next-set are three ctz steps
 * for up to 262,144 items (a short loop over the top level beyond that). */
#ifndef CAPSIM_SCHED_HBM_H
#define CAPSIM_SCHED_HBM_H

#include "capsim/types.h"

typedef struct cs_hbm {
	uint64_t *l0, *l1, *l2;
	uint32_t n, n0, n1, n2; /* items; words per level */
} cs_hbm;

int cs_hbm_init(cs_hbm *b, uint32_t n);
void cs_hbm_free(cs_hbm *b);

static inline int cs_hbm_test(const cs_hbm *b, uint32_t i) { return (int)(b->l0[i >> 6] >> (i & 63)) & 1; }

static inline void cs_hbm_set(cs_hbm *b, uint32_t i)
{
	b->l0[i >> 6] |= 1ULL << (i & 63);
	b->l1[i >> 12] |= 1ULL << ((i >> 6) & 63);
	b->l2[i >> 18] |= 1ULL << ((i >> 12) & 63);
}

static inline void cs_hbm_clear(cs_hbm *b, uint32_t i)
{
	if ((b->l0[i >> 6] &= ~(1ULL << (i & 63))) != 0)
		return;
	if ((b->l1[i >> 12] &= ~(1ULL << ((i >> 6) & 63))) != 0)
		return;
	b->l2[i >> 18] &= ~(1ULL << ((i >> 12) & 63));
}

/* First set bit >= from, or -1. */
long cs_hbm_next(const cs_hbm *b, uint32_t from);

#endif
