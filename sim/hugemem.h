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

/* The heap too: malloc's small blocks (names, per-node and per-account
 * tables, the YAML parser's nodes) fill tens of MB of it, 4 KB a fault.
 * Called once at start (capsim's main): malloc is told to grow the heap
 * 256 MB at a time (CS_HUGE_HEAP_PAD) and never to give its top back (M_TOP_PAD,
 * M_TRIM_THRESHOLD), to keep blocks under 32 MB in it (M_MMAP_THRESHOLD:
 * setting the pad stops malloc raising that threshold itself), the heap
 * is grown once, and its whole 2 MB pages are asked for huge pages
 * (cs_huge_hint). Growth past that is hinted by cs_huge_heap_more. With
 * another allocator (AddressSanitizer's) it does nothing. A hint: no
 * result changes. */
void cs_huge_heap(void);

/* The heap's growth at a time: the default year with --out uses about 130
 * MB of it. A growth is touched by the block that made it before
 * cs_huge_heap_more hints it, and once a 2 MB range has a small page the
 * rest of it faults 4 KB at a time (with 64 MB the year's files faulted
 * about 11,500 times, with 256 MB about 2,600). Pages never touched cost
 * nothing, but a touched 2 MB page is resident whole: the peak resident
 * size grows (the year with --out 188 -> 193 MB, 30 days at 10x under
 * EASY with --out 155 -> 238 MB). */
#define CS_HUGE_HEAP_PAD ((size_t)256 << 20)

/* The heap's growth since cs_huge_heap (or the last call) asked for huge
 * pages: called where a run has read its inputs and is about to fill its
 * tables, and before it writes its files. Nothing if cs_huge_heap was not
 * called. */
void cs_huge_heap_more(void);

#endif
