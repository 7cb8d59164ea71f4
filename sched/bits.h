/* capsim: bit counts on the baseline x86-64 instruction set, private to
 * sched/ (the bitmaps, and the allocator's in-node choice in sched/alloc/)
 * and to the Batsim writer's core counts (sim/report_batsim.c).
 * Written out rather than __builtin_popcountll, which is a library call
 * there. */
#ifndef CAPSIM_SCHED_BITS_H
#define CAPSIM_SCHED_BITS_H

#include <stdint.h>

/* Per-byte bit counts of x. */
static inline uint64_t cs_pop_bytes(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	return (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
}

static inline unsigned cs_pop64(uint64_t x)
{
	return (unsigned)((cs_pop_bytes(x) * 0x0101010101010101ULL) >> 56);
}

#endif
