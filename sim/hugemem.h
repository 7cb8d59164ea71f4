/* capsim: the big per-job arrays (a year's records, jobs and placements:
 * tens of MB each) asked to be backed by transparent huge pages, where the
 * kernel offers them on request (THP "madvise" mode, Debian's default):
 * one fault per 2 MB instead of 512, which on a virtual machine is most
 * of the cost of filling them (sim/hugemem.c). Private to sim/. */
#ifndef CAPSIM_SIM_HUGEMEM_H
#define CAPSIM_SIM_HUGEMEM_H

#include <stddef.h>

/* Ask for huge pages over the whole 2 MB pages inside p[0..len); nothing
 * for smaller blocks, and nothing (silently) where the kernel has no THP:
 * a hint, which changes no result. */
void cs_huge_hint(void *p, size_t len);

/* realloc(p, len) for an array that grows (keeping its first `used`
 * bytes), hinted before it is touched: a new block, asked for huge pages,
 * then the copy. realloc itself would move a big block with mremap, whose
 * new pages then fault 4 KB at a time (and a hinted block cannot move
 * that way at all, so realloc copies it into unhinted pages). NULL, with
 * p untouched, when out of memory. */
void *cs_huge_grow(void *p, size_t used, size_t len);

#endif
