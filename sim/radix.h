/* capsim: LSD radix sorts for the outputs' and metrics' big sorts, where a
 * qsort comparator's call per comparison is most of the cost (sim/radix.c).
 * Private to sim/. */
#ifndef CAPSIM_SIM_RADIX_H
#define CAPSIM_SIM_RADIX_H

#include <stddef.h>
#include <stdint.h>

/* v[0..n) in increasing order; tmp has room for n (scratch). */
void cs_radix_u64(uint64_t *v, uint64_t *tmp, size_t n);
/* The pairs (key[i], val[i]) by key, stably (equal keys keep their order);
 * tkey and tval have room for n (scratch). */
void cs_radix_pairs(uint64_t *key, uint32_t *val, uint64_t *tkey, uint32_t *tval, size_t n);
/* v[0..n) rearranged so that v[r] is what a sort would put there, for
 * each r of ranks[0..nr) (increasing, each < n): the order statistics a
 * percentile reads, without sorting the rest (a multiple quickselect,
 * three-way so that runs of equal values end it; a heap sort of what is
 * left past a depth of 2 log2 n). */
void cs_select_u64(uint64_t *v, size_t n, const size_t *ranks, size_t nr);
/* The ranks a percentile q of n sorted values reads (cs_percentile_sorted's:
 * cs_percentile_lo and the one after it, where there is one), for q[0..nq)
 * (increasing), increasing and each once, into r (room for 2 nq): how
 * many. */
size_t cs_select_pct_ranks(size_t n, const double *q, size_t nq, size_t *r);
/* Bits needed to hold v (0 for 0). */
unsigned cs_radix_bits(uint64_t v);

#endif
