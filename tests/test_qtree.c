/* The backfill index's search (cs_qtree_find, cs_qtree_find_in,
 * sched/qtree.c) against a scan of its leaves. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "helpers.h"
#include "../sched/qtree.h"

/* The first leaf in [from, to) (to past n: n) whose job matches, or -1. */
static long scan(const uint32_t *size, const cs_time *est, size_t n, size_t from, size_t to, uint32_t fit,
		 uint32_t extra, cs_time lim)
{
	for (size_t i = from; i < to && i < n; i++)
		if (size[i] <= fit && (size[i] <= extra || est[i] <= lim))
			return (long)i;
	return -1;
}

/* Trees of one leaf, a power of two and one past it, filled sparsely and
 * densely with sizes and estimates set and cleared at random: every search
 * from every start, to every end near and far, with bounds that make the
 * subtrees' minima match where no leaf does (a small size with a long
 * estimate beside a big size with a short one), is the scan's. */
Test(qtree, find_is_the_first_matching_leaf)
{
	static const size_t sizes[] = { 1, 2, 3, 64, 65, 200 };
	unsigned long long x = 7;
	for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
		size_t n = sizes[si];
		uint32_t *size = malloc(n * sizeof *size);
		cs_time *est = malloc(n * sizeof *est);
		cs_qtree t;
		cr_assert(size && est);
		cr_assert_eq(cs_qtree_init(&t, n), 0);
		for (size_t i = 0; i < n; i++) {
			size[i] = UINT32_MAX;
			est[i] = CS_TIME_MAX;
		}
		for (int round = 0; round < 60; round++) {
			unsigned fill = 1 + round % 4; /* 1 in fill leaves set */
			for (size_t k = 0; k < n; k++) {
				size_t i = th_xorshift(&x, (unsigned)n);
				if (th_xorshift(&x, fill) == 0) {
					size[i] = th_xorshift(&x, 8);
					est[i] = th_xorshift(&x, 100);
					cs_qtree_set(&t, i, size[i], est[i]);
				} else {
					size[i] = UINT32_MAX;
					est[i] = CS_TIME_MAX;
					cs_qtree_clear(&t, i);
				}
			}
			uint32_t fit = th_xorshift(&x, 9), extra = th_xorshift(&x, 9);
			cs_time lim = th_xorshift(&x, 110);
			for (size_t from = 0; from <= n + 1; from++) {
				cr_assert_eq(cs_qtree_find(&t, from, fit, extra, lim), scan(size, est, n, from, n, fit, extra, lim),
					     "n %zu from %zu", n, from);
				for (size_t to = from; to <= from + 5; to++)
					cr_assert_eq(cs_qtree_find_in(&t, from, to, fit, extra, lim),
						     scan(size, est, n, from, to, fit, extra, lim), "n %zu [%zu, %zu)", n, from,
						     to);
				cr_assert_eq(cs_qtree_find_in(&t, from, SIZE_MAX, fit, extra, lim),
					     scan(size, est, n, from, n, fit, extra, lim), "n %zu from %zu", n, from);
			}
		}
		cs_qtree_free(&t);
		free(size);
		free(est);
	}
}
