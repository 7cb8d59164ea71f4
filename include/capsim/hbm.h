/* capsim: hierarchical bitmap (sched/hbm.c), a set of item numbers with
 * next-set lookups in a few steps: the allocator's indexes (sched/alloc/),
 * EASY's and conservative's queue indexes, and the engine's reservation
 * planner (sim/plan.c) share it, so it stands here rather than in either
 * room.
 *
 * A bit per item in 64-bit words, plus a summary bit per non-zero word, plus
 * a summary of the summaries: first-set and next-set are three ctz steps
 * for up to 262,144 items (a short loop over the top level beyond that). */
#ifndef CAPSIM_HBM_H
#define CAPSIM_HBM_H

#include "capsim/types.h"

typedef struct cs_hbm {
	uint64_t *l0, *l1, *l2;
	uint32_t n, n0, n1, n2; /* items; words per level */
	uint32_t lo;            /* no bit below lo is set: lookups start there (cs_hbm_first raises it) */
	uint32_t pad_[5];       /* to 64 bytes: an index into an array of bitmaps is a shift */
} cs_hbm;
_Static_assert(sizeof(cs_hbm) == 64, "cs_hbm is 64 bytes");

int cs_hbm_init(cs_hbm *b, uint32_t n);
/* Set bits, of all or of [lo, hi): O(words). */
uint32_t cs_hbm_count(const cs_hbm *b);
uint32_t cs_hbm_count_range(const cs_hbm *b, uint32_t lo, uint32_t hi);
/* dst gets every item of src too (the same size): O(src's non-zero
 * words). */
void cs_hbm_or(cs_hbm *dst, const cs_hbm *src);
void cs_hbm_free(cs_hbm *b);

/* The words of b that hold items, by index into l0, in order, found
 * through the summaries (every non-zero word, and no zero one, as
 * cs_hbm_or walks them): for a walk over one set's items that reads
 * another set's word beside each of its own.
 *   cs_hbm_words it = cs_hbm_words_of(b);
 *   for (long w; (w = cs_hbm_word_next(&it)) >= 0;) ... b->l0[w] ... */
typedef struct cs_hbm_words {
	const cs_hbm *b;
	uint64_t m2, m1; /* summary bits not yet taken: of l2[w2], of l1[w1] */
	uint32_t w2, w1;
} cs_hbm_words;

static inline cs_hbm_words cs_hbm_words_of(const cs_hbm *b)
{
	/* with one summary word the top level is not kept: that word */
	return (cs_hbm_words){ b, b->n2 ? b->n1 == 1 ? 1 : b->l2[0] : 0, 0, 0, 0 };
}

static inline long cs_hbm_word_next(cs_hbm_words *it)
{
	while (!it->m1) {
		while (!it->m2) {
			if (++it->w2 >= it->b->n2)
				return -1;
			it->m2 = it->b->l2[it->w2]; /* (more than one summary word here) */
		}
		it->w1 = it->w2 * 64 + (uint32_t)__builtin_ctzll(it->m2);
		it->m2 &= it->m2 - 1;
		it->m1 = it->b->l1[it->w1];
	}
	long w0 = (long)it->w1 * 64 + __builtin_ctzll(it->m1);
	it->m1 &= it->m1 - 1;
	return w0;
}

static inline int cs_hbm_test(const cs_hbm *b, uint32_t i) { return (int)(b->l0[i >> 6] >> (i & 63)) & 1; }

static inline void cs_hbm_set(cs_hbm *b, uint32_t i)
{
	if (i < b->lo)
		b->lo = i;
	/* a summary bit is set exactly when its word below is not zero */
	uint64_t w = b->l0[i >> 6];
	b->l0[i >> 6] = w | 1ULL << (i & 63);
	if (w)
		return;
	w = b->l1[i >> 12];
	b->l1[i >> 12] = w | 1ULL << ((i >> 6) & 63);
	if (w || b->n1 == 1)
		return; /* with one summary word, the top level is never read */
	b->l2[i >> 18] |= 1ULL << ((i >> 12) & 63);
}

/* cs_hbm_clear that says whether the set is now empty: 1 when it is. Only
 * a clear that empties a summary word looks further. */
static inline int cs_hbm_clear_last(cs_hbm *b, uint32_t i)
{
	if ((b->l0[i >> 6] &= ~(1ULL << (i & 63))) != 0)
		return 0;
	if ((b->l1[i >> 12] &= ~(1ULL << ((i >> 6) & 63))) != 0)
		return 0;
	if (b->n1 == 1)
		return 1;
	if ((b->l2[i >> 18] &= ~(1ULL << ((i >> 12) & 63))) != 0)
		return 0;
	if (b->n2 == 1)
		return 1;
	for (uint32_t w = 0; w < b->n2; w++)
		if (b->l2[w])
			return 0;
	return 1;
}

/* The same without the answer (its last scan is dead code then). */
static inline void cs_hbm_clear(cs_hbm *b, uint32_t i) { (void)cs_hbm_clear_last(b, i); }

/* First set bit >= from, or -1. Inline: it is the allocator's inner loop. */
static inline uint64_t from_bit(uint32_t k) { return ~0ULL << (k & 63); }

static inline long cs_hbm_next(const cs_hbm *b, uint32_t from)
{
	if (from < b->lo)
		from = b->lo; /* nothing is set below it */
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

/* The first set bit, or -1. When the hint's word holds it, that is one
 * read (level 0 has a spare zero word, so a hint at the end reads zero);
 * otherwise it moves the hint up to the answer (clearing leaves the hint
 * below the first set bit, setting lowers it), so the next lookup from
 * below it reads one word. */
static inline long cs_hbm_first(cs_hbm *b)
{
	uint32_t lo = b->lo;
	uint64_t m = b->l0[lo >> 6] & from_bit(lo);
	if (m)
		return (long)(lo & ~63u) + __builtin_ctzll(m);
	long n = cs_hbm_next(b, 0);
	b->lo = n < 0 ? b->n : (uint32_t)n;
	return n;
}

#endif
