/* The hierarchical bitmap's union (cs_hbm_or, sched/hbm.c) against
 * setting the source's items one by one. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "capsim/hbm.h"

static void step(unsigned long long *x) { *x = *x * 6364136223846793005ULL + 1442695040888963407ULL; }

/* Random clustered sets on bitmaps of one, several and more than 64
 * summary words: after dst |= src, dst holds exactly the items of
 * either, cs_hbm_next finds them from every start, and clearing them
 * one by one empties it (its summaries agree with its words). */
Test(hbm, or_is_the_union_of_the_items)
{
	const uint32_t sizes[] = { 1, 63, 64, 65, 4095, 4096, 4097, 70000, 262144, 262145, 300000 };
	unsigned long long x = 11;
	for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
		uint32_t n = sizes[si];
		for (int round = 0; round < 8; round++) {
			cs_hbm a, b;
			cr_assert_eq(cs_hbm_init(&a, n), 0);
			cr_assert_eq(cs_hbm_init(&b, n), 0);
			uint8_t *ref = calloc(n, 1);
			cr_assert_not_null(ref);
			for (int k = 0; k < 300; k++) {
				step(&x);
				/* clustered, in a few places, so that whole words and
				 * summary words are empty or not */
				uint32_t base = (uint32_t)((x >> 33) % 5) * (n / 5);
				uint32_t i = base + (uint32_t)(x >> 20) % (n < 300 ? n : 300);
				if (i >= n)
					i = n - 1;
				cs_hbm *to = (x >> 50) % 2 ? &a : &b;
				if (round % 4 == 0 && to == &a)
					continue; /* an empty destination */
				if (round % 4 == 1 && to == &b)
					continue; /* an empty source */
				cs_hbm_set(to, i);
				ref[i] = 1;
			}
			cs_hbm_or(&a, &b);
			for (int k = 0; k < 200; k++) {
				step(&x);
				uint32_t from = (uint32_t)((x >> 40) % (n + 1));
				long want = -1;
				for (uint32_t j = from; j < n && want < 0; j++)
					if (ref[j])
						want = j;
				cr_assert_eq(cs_hbm_next(&a, from), want, "size %u round %d: next from %u", n, round, from);
			}
			uint32_t pop = 0;
			for (uint32_t j = 0; j < n; j++)
				pop += ref[j];
			cr_assert_eq(cs_hbm_count(&a), pop, "size %u round %d", n, round);
			for (uint32_t j = 0; j < n; j++)
				if (ref[j]) {
					cr_assert_eq(cs_hbm_first(&a), (long)j, "size %u round %d: first", n, round);
					cr_assert_eq(cs_hbm_clear_last(&a, j), --pop == 0, "size %u round %d", n, round);
				}
			free(ref);
			cs_hbm_free(&a);
			cs_hbm_free(&b);
		}
	}
}

/* cs_hbm_word_next gives every non-zero word of l0, in order, and no
 * other, on sets of one, several and more than 64 summary words, with
 * items set and some cleared again (emptied words drop out). */
Test(hbm, words_are_the_non_zero_words_in_order)
{
	const uint32_t sizes[] = { 1, 64, 65, 4096, 4097, 70000, 262144, 300000 };
	unsigned long long x = 5;
	for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
		uint32_t n = sizes[si];
		for (int round = 0; round < 6; round++) {
			cs_hbm a;
			cr_assert_eq(cs_hbm_init(&a, n), 0);
			for (int k = 0; k < 40 * round; k++) {
				step(&x);
				uint32_t base = (uint32_t)((x >> 33) % 7) * (n / 7);
				uint32_t i = base + (uint32_t)(x >> 20) % (n < 500 ? n : 500);
				if (i >= n)
					i = n - 1;
				if ((x >> 52) % 4 == 0)
					cs_hbm_clear(&a, i);
				else
					cs_hbm_set(&a, i);
			}
			cs_hbm_words it = cs_hbm_words_of(&a);
			uint32_t next = 0;
			for (long w; (w = cs_hbm_word_next(&it)) >= 0; next = (uint32_t)w + 1) {
				cr_assert_lt((uint32_t)w, a.n0, "size %u round %d", n, round);
				cr_assert_geq((uint32_t)w, next, "size %u round %d: in order", n, round);
				for (uint32_t v = next; v < (uint32_t)w; v++)
					cr_assert_eq(a.l0[v], 0, "size %u round %d: word %u left out", n, round, v);
				cr_assert_neq(a.l0[w], 0, "size %u round %d: empty word %ld", n, round, w);
			}
			for (uint32_t v = next; v < a.n0; v++)
				cr_assert_eq(a.l0[v], 0, "size %u round %d: word %u left out at the end", n, round, v);
			cs_hbm_free(&a);
		}
	}
}
