/* capsim: insertion sort for the short lists of the hot paths (a pass's
 * job lists, a certificate's few entries, a plan's few dozen keys), where
 * a call to qsort and its comparator costs more than the sort, a merge
 * sort on it for the longer ones (Fair Tree's children, a plan's edges
 * under a backlog), and a binary search without branches on the elements
 * (the running set's, the plan index's). Private to sched/ and sim/. */
#ifndef CAPSIM_SCHED_ISORT_H
#define CAPSIM_SCHED_ISORT_H

#include <stddef.h>
#include <stdint.h>

/* a[0 .. n), elements of type T, sorted so that no element is LESS than
 * the one before it; LESS(x, y): is x before y (a strict order). Equal
 * elements keep their order. */
#define CS_ISORT(T, a, n, LESS)                                        \
	do {                                                           \
		for (size_t i_ = 1; i_ < (n); i_++) {                  \
			T x_ = (a)[i_];                                \
			size_t j_ = i_;                                \
			for (; j_ > 0 && LESS(x_, (a)[j_ - 1]); j_--)  \
				(a)[j_] = (a)[j_ - 1];                 \
			(a)[j_] = x_;                                  \
		}                                                      \
	} while (0)

/* LESS for numbers. */
#define CS_ISORT_LT(x, y) ((x) < (y))

/* v[0 .. n), elements of type T, sorted as CS_ISORT sorts them (equal
 * elements keep their order): runs of RUN (>= 1) by insertion, then merged
 * bottom-up through tmp (room for n), the result copied back into v where
 * the last merge left it in tmp. */
#define CS_MSORT(T, v, tmp, n, RUN, LESS)                                                      \
	do {                                                                                   \
		for (size_t lo_ = 0; lo_ < (n); lo_ += (RUN)) {                                \
			size_t m_ = (n) - lo_ < (RUN) ? (n) - lo_ : (RUN);                     \
			CS_ISORT(T, (v) + lo_, m_, LESS);                                      \
		}                                                                              \
		T *a_ = (v), *b_ = (tmp);                                                      \
		for (size_t w_ = (RUN); w_ < (n); w_ *= 2) {                                   \
			for (size_t lo_ = 0; lo_ < (n); lo_ += 2 * w_) {                       \
				size_t mid_ = lo_ + w_ < (n) ? lo_ + w_ : (n);                 \
				size_t hi_ = lo_ + 2 * w_ < (n) ? lo_ + 2 * w_ : (n);          \
				size_t i_ = lo_, j_ = mid_, k_ = lo_;                          \
				while (i_ < mid_ && j_ < hi_)                                  \
					b_[k_++] = LESS(a_[j_], a_[i_]) ? a_[j_++] : a_[i_++]; \
				while (i_ < mid_)                                              \
					b_[k_++] = a_[i_++];                                   \
				while (j_ < hi_)                                               \
					b_[k_++] = a_[j_++];                                   \
			}                                                                      \
			T *t_ = a_;                                                            \
			a_ = b_;                                                               \
			b_ = t_;                                                               \
		}                                                                              \
		if (a_ != (v))                                                                 \
			for (size_t i_ = 0; i_ < (n); i_++)                                    \
				(v)[i_] = a_[i_];                                              \
	} while (0)

/* out = the first of n elements in order that BEFORE(i) (0 or 1: is
 * element i before what is sought?) does not put before, n if none.
 * Without a branch on the elements, whose answers are as likely either
 * way: the first is in lo .. lo + n, each step halves n (so the steps
 * depend on n alone) and adds the half to lo where the element at lo +
 * half - 1 is before, by a mask; the element at lo ends it. */
#define CS_SEARCH_FIRST(out, n, BEFORE)                                              \
	do {                                                                         \
		uint32_t n_ = (n), lo_ = 0;                                          \
		if (n_) {                                                            \
			for (; n_ > 1; n_ -= n_ / 2)                                 \
				lo_ += (n_ / 2) & (0u - (uint32_t)(BEFORE(lo_ + n_ / 2 - 1))); \
			lo_ += (uint32_t)(BEFORE(lo_));                              \
		}                                                                    \
		(out) = lo_;                                                         \
	} while (0)

#endif
