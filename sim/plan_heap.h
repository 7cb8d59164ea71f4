/* capsim: the planner's binary min-heaps, each in an array the planner
 * keeps: the conservative search's (sim/plan_find.c: its frontier of
 * nodes or trees of bounds, its nodes' next windows by start and its open
 * windows by end, of struct hent) and the plans by start (plan_prof.c,
 * of struct pdue); private (tests/test_plans.c checks the search's
 * against a scan for the least). */
#ifndef CAPSIM_SIM_PLAN_HEAP_H
#define CAPSIM_SIM_PLAN_HEAP_H

#include "engine_int.h"

/* PREFIX##push and PREFIX##pop of a min-heap of T in h[0 .. *n) ordered
 * by LESS (of two const T *), written once for every heap of the planner.
 * A push moves e up from the end. A pop takes the least entry out: the
 * hole it leaves moved down to a leaf by the lesser child (one comparison
 * a level, not two: the last entry, which fills it, belongs near the
 * bottom), then the last entry moved up from there. */
#define PLAN_HEAP(PREFIX, T, LESS)                                                                      \
	static inline __attribute__((always_inline)) void PREFIX##push(T *h, size_t *n, T e)            \
	{                                                                                               \
		size_t i = (*n)++;                                                                      \
		while (i > 0 && LESS(&e, &h[(i - 1) / 2])) {                                            \
			h[i] = h[(i - 1) / 2];                                                          \
			i = (i - 1) / 2;                                                                \
		}                                                                                       \
		h[i] = e;                                                                               \
	}                                                                                               \
	static inline __attribute__((always_inline)) T PREFIX##pop(T *h, size_t *n)                     \
	{                                                                                               \
		T top = h[0];                                                                           \
		size_t m = --*n;                                                                        \
		if (!m)                                                                                 \
			return top;                                                                     \
		T last = h[m];                                                                          \
		size_t i = 0;                                                                           \
		for (size_t l = 1; l < m; l = 2 * i + 1) {                                              \
			size_t k = l + (size_t)(l + 1 < m && LESS(&h[l + 1], &h[l]));                   \
			h[i] = h[k];                                                                    \
			i = k;                                                                          \
		}                                                                                       \
		while (i > 0 && LESS(&last, &h[(i - 1) / 2])) {                                         \
			h[i] = h[(i - 1) / 2];                                                          \
			i = (i - 1) / 2;                                                                \
		}                                                                                       \
		h[i] = last;                                                                            \
		return top;                                                                             \
	}

/* By key, then idx: strict on entries of distinct idx (in each heap an
 * idx is in one entry at a time, or in entries of distinct keys). Every
 * comparison made (| and &, not || and &&): the lesser child of a pop's
 * path is as likely either, so a branch on it is mispredicted half the
 * time, and added to l (PLAN_HEAP) the answer moves no branch. */
static inline int hless(const struct hent *x, const struct hent *y)
{
	return (x->key < y->key) | ((x->key == y->key) & (x->idx < y->idx));
}

/* hpush, hpop (hless is strict on entries of distinct idx, so every pop
 * gives the same entry whichever way the others stand) */
PLAN_HEAP(h, struct hent, hless)

/* The least entry of h[0 .. n) (n > 0) replaced by e: a pop and a push
 * of e in one move down, which stops where e belongs (a tree of bounds'
 * child is near the entry it replaces, its parent: the least). The same
 * entries as the pop and the push leave. */
static inline __attribute__((always_inline)) void hreplace(struct hent *h, size_t n, struct hent e)
{
	size_t i = 0;
	for (size_t l = 1; l < n; l = 2 * i + 1) {
		size_t k = l + (size_t)(l + 1 < n && hless(&h[l + 1], &h[l]));
		if (!hless(&h[k], &e))
			break;
		h[i] = h[k];
		i = k;
	}
	h[i] = e;
}

/* h[0 .. n) made a heap in place (Floyd's: each parent sifted down,
 * the last first). hless orders entries of distinct idx strictly, so the
 * pops give the order pushes one by one would. */
static inline void hbuild(struct hent *h, size_t n)
{
	for (size_t p = n / 2; p-- > 0;) {
		struct hent x = h[p];
		size_t i = p;
		for (;;) {
			size_t l = 2 * i + 1;
			if (l >= n)
				break;
			size_t m = l + (size_t)(l + 1 < n && hless(&h[l + 1], &h[l]));
			if (!hless(&h[m], &x))
				break;
			h[i] = h[m];
			i = m;
		}
		h[i] = x;
	}
}

#endif
