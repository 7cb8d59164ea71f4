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
/* Bits needed to hold v (0 for 0). */
unsigned cs_radix_bits(uint64_t v);

#endif
