/* capsim: insertion sort for the short lists of the hot paths (a pass's
 * job lists, a certificate's few entries, a plan's few dozen keys), where
 * a call to qsort and its comparator costs more than the sort. Private to
 * sched/ and sim/. */
#ifndef CAPSIM_SCHED_ISORT_H
#define CAPSIM_SCHED_ISORT_H

#include <stddef.h>

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

#endif
