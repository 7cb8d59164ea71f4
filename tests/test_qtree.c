/* The backfill index's search (cs_qtree_find, cs_qtree_find_in,
 * sched/qtree.c) against a scan of its leaves. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "helpers.h"
#include "../sched/qtree.h"

/* A tree and, beside it, what was set at each position. */
typedef struct model {
	size_t n;
	uint32_t *size;
	cs_time *est;
	cs_qtree t;
} model;

static void model_init(model *m, size_t n)
{
	m->n = n;
	m->size = malloc(n * sizeof *m->size);
	m->est = malloc(n * sizeof *m->est);
	cr_assert(m->size && m->est);
	cr_assert_eq(cs_qtree_init(&m->t, n), 0);
	for (size_t i = 0; i < n; i++) {
		m->size[i] = UINT32_MAX;
		m->est[i] = CS_TIME_MAX;
	}
}

static void model_free(model *m)
{
	cs_qtree_free(&m->t);
	free(m->size);
	free(m->est);
}

static void model_set(model *m, size_t i, uint32_t size, cs_time est)
{
	m->size[i] = size;
	m->est[i] = est;
	cs_qtree_set(&m->t, i, size, est);
}

static void model_clear(model *m, size_t i)
{
	m->size[i] = UINT32_MAX;
	m->est[i] = CS_TIME_MAX;
	cs_qtree_clear(&m->t, i);
}

/* The first leaf in [from, to) (to past n: n) whose job matches, or -1. */
static long scan(const model *m, size_t from, size_t to, uint32_t fit, uint32_t extra, cs_time lim)
{
	for (size_t i = from; i < to && i < m->n; i++)
		if (m->size[i] <= fit && (m->size[i] <= extra || m->est[i] <= lim))
			return (long)i;
	return -1;
}

/* Every inner child's keys are the minima of its group below (set and
 * clear keep them tight, not only lower bounds: a stale one would cost
 * searches, not answers). */
static void minima_are_tight(const cs_qtree *t)
{
	size_t groups = (t->n + CS_QTREE_FAN - 1) / CS_QTREE_FAN;
	for (unsigned k = 1; k <= t->top; k++) {
		for (size_t g = 0; g < groups; g++) {
			int32_t ms = INT32_MAX, me = INT32_MAX;
			for (unsigned l = 0; l < CS_QTREE_FAN; l++) {
				ms = t->lv[k - 1][g].size[l] < ms ? t->lv[k - 1][g].size[l] : ms;
				me = t->lv[k - 1][g].est[l] < me ? t->lv[k - 1][g].est[l] : me;
			}
			cr_assert_eq(t->lv[k][g >> 4].size[g & 15], ms, "level %u group %zu", k, g);
			cr_assert_eq(t->lv[k][g >> 4].est[g & 15], me, "level %u group %zu", k, g);
		}
		groups = (groups + CS_QTREE_FAN - 1) / CS_QTREE_FAN;
	}
}

/* n changes at random positions: a set (size < 8, estimate < 100) one
 * time in fill, else a clear (every other time only, with keep_some). */
static void churn(model *m, unsigned long long *x, unsigned fill, int keep_some)
{
	for (size_t k = 0; k < m->n; k++) {
		size_t i = th_xorshift(x, (unsigned)m->n);
		if (th_xorshift(x, fill) == 0)
			model_set(m, i, th_xorshift(x, 8), th_xorshift(x, 100));
		else if (!keep_some || th_xorshift(x, 2))
			model_clear(m, i);
	}
}

/* Rounds of churn on trees of each size, then searches from starts
 * against the scan: from every start to every end near and far (all), or
 * from starts spread over the tree and every group's edge, to an end up to
 * 5,000 on (spread, for deep trees). */
static void rounds_match_the_scan(const size_t *sizes, size_t nsizes, int rounds, unsigned long long x, int spread)
{
	for (size_t si = 0; si < nsizes; si++) {
		size_t n = sizes[si];
		model m;
		model_init(&m, n);
		for (int round = 0; round < rounds; round++) {
			churn(&m, &x, spread ? 1 + (unsigned)round % 3 * 40 : 1 + (unsigned)round % 4, spread);
			minima_are_tight(&m.t);
			uint32_t fit = th_xorshift(&x, 9), extra = th_xorshift(&x, 9);
			cs_time lim = th_xorshift(&x, 110);
			for (size_t from = 0; from <= n + 1;
			     from += !spread || from % 16 == 15 ? 1 : 1 + th_xorshift(&x, 300)) {
				cr_assert_eq(cs_qtree_find(&m.t, from, fit, extra, lim), scan(&m, from, n, fit, extra, lim),
					     "n %zu from %zu", n, from);
				size_t to0 = spread ? from + th_xorshift(&x, 5000) : from, to1 = spread ? to0 : from + 5;
				for (size_t to = to0; to <= to1; to++)
					cr_assert_eq(cs_qtree_find_in(&m.t, from, to, fit, extra, lim),
						     scan(&m, from, to, fit, extra, lim), "n %zu [%zu, %zu)", n, from, to);
				cr_assert_eq(cs_qtree_find_in(&m.t, from, SIZE_MAX, fit, extra, lim),
					     scan(&m, from, n, fit, extra, lim), "n %zu from %zu", n, from);
			}
		}
		model_free(&m);
	}
}

/* Trees of one position, one group of sixteen and one past it, two levels
 * and one past, filled sparsely and densely with sizes and estimates set
 * and cleared at random: every search from every start, to every end near
 * and far, with bounds that make the subtrees' minima match where no leaf
 * does (a small size with a long estimate beside a big size with a short
 * one), is the scan's. */
Test(qtree, find_is_the_first_matching_leaf)
{
	static const size_t sizes[] = { 1, 2, 3, 16, 17, 64, 65, 200, 256, 257 };
	rounds_match_the_scan(sizes, sizeof sizes / sizeof *sizes, 60, 7, 0);
}

/* Trees of three and four levels (4,096 positions and one past, 70,000),
 * sparse and dense. */
Test(qtree, deep_trees_find_the_first_matching_leaf)
{
	static const size_t sizes[] = { 4096, 4097, 70000 };
	rounds_match_the_scan(sizes, sizeof sizes / sizeof *sizes, 12, 11, 1);
}

/* Estimates and limits past the 32-bit keys' range (below 0, at and past
 * UINT32_MAX, up to 2^40 and CS_TIME_MAX): where two clamp alike the leaf
 * is checked on its estimate as set, so every search is still the scan's. */
Test(qtree, estimates_past_32_bits_are_exact)
{
	static const cs_time ends[] = { -7, -1, 0, 1, 2, 4294967294ll, 4294967295ll, 4294967296ll, 4294967300ll,
					(cs_time)1 << 40, CS_TIME_MAX - 1 };
	enum { NE = sizeof ends / sizeof *ends };
	unsigned long long x = 5;
	model m;
	model_init(&m, 300);
	for (int round = 0; round < 200; round++) {
		for (size_t k = 0; k < 40; k++) {
			size_t i = th_xorshift(&x, (unsigned)m.n);
			if (th_xorshift(&x, 3))
				model_set(&m, i, th_xorshift(&x, 4), ends[th_xorshift(&x, NE)]);
			else
				model_clear(&m, i);
		}
		uint32_t fit = 1 + th_xorshift(&x, 4), extra = th_xorshift(&x, 2);
		cs_time lim = ends[th_xorshift(&x, NE)];
		for (size_t from = 0; from <= m.n; from += 1 + th_xorshift(&x, 20))
			cr_assert_eq(cs_qtree_find(&m.t, from, fit, extra, lim), scan(&m, from, m.n, fit, extra, lim),
				     "from %zu lim %lld", from, (long long)lim);
	}
	model_free(&m);
}

/* The search's sixteen-at-once test (SSE2 where there is) against the
 * plain one, on keys at and near both ends of the 32-bit range. */
Test(qtree, mask_is_the_plain_mask)
{
	static const int32_t edge[] = { INT32_MIN, INT32_MIN + 1, -1, 0, 1, 2, 3, INT32_MAX - 1, INT32_MAX };
	enum { NK = sizeof edge / sizeof *edge };
	unsigned long long x = 3;
	cs_qtree_grp g;
	for (int round = 0; round < 20000; round++) {
		for (unsigned l = 0; l < CS_QTREE_FAN; l++) {
			g.size[l] = edge[th_xorshift(&x, NK)];
			g.est[l] = edge[th_xorshift(&x, NK)];
		}
		int32_t fit = edge[th_xorshift(&x, NK)], extra = edge[th_xorshift(&x, NK)], lim = edge[th_xorshift(&x, NK)];
		cr_assert_eq(cs_qtree_mask(&g, fit, extra, lim), cs_qtree_mask_plain(&g, fit, extra, lim));
	}
}
