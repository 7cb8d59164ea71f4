/* capsim: huge-page hints for big arrays. See hugemem.h. */
#include "hugemem.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void cs_huge_hint(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), b = ((uintptr_t)p + len) & ~(huge - 1);
	if (p && b > a)
		(void)madvise((void *)a, b - a, MADV_HUGEPAGE);
#else
	(void)p;
	(void)len;
#endif
}

void *cs_huge_grow(void *p, size_t used, size_t len)
{
	if (len < (size_t)4 << 20)
		return realloc(p, len); /* no whole huge page to gain */
	void *q = malloc(len);
	if (!q)
		return NULL;
	cs_huge_hint(q, len);
	if (used)
		memcpy(q, p, used);
	free(p);
	return q;
}

/* The heap's lowest block seen by cs_huge_heap (0: not called) and the
 * break already hinted. */
static uintptr_t heap_lo, heap_hinted;

void cs_huge_heap_more(void)
{
	uintptr_t hi = (uintptr_t)sbrk(0);
	if (!heap_lo || hi == (uintptr_t)-1 || hi <= heap_hinted)
		return;
	cs_huge_hint((void *)heap_lo, hi - heap_lo);
	heap_hinted = hi;
}

void cs_huge_heap(void)
{
#if defined(M_TOP_PAD) && defined(M_TRIM_THRESHOLD) && defined(M_MMAP_THRESHOLD)
	const int pad = (int)CS_HUGE_HEAP_PAD;
	/* setting the pad stops malloc raising its mmap threshold as big
	 * blocks are freed (to 32 MB at most), so it is set there: a big
	 * scratch block made and freed again and again is the heap's, not a
	 * new mapping faulted in each time */
	if (heap_lo || !mallopt(M_TOP_PAD, pad) || !mallopt(M_TRIM_THRESHOLD, 2 * pad) ||
	    !mallopt(M_MMAP_THRESHOLD, 32 << 20))
		return;
	/* blocks under the mmap threshold until the heap has grown once by
	 * the pad: the start's heap is about 132 KB, so two suffice */
	void *b[4];
	size_t n = 0;
	uintptr_t lo = UINTPTR_MAX, top = (uintptr_t)sbrk(0);
	while (n < 4 && (b[n] = malloc(96 << 10))) {
		if ((uintptr_t)b[n] < lo)
			lo = (uintptr_t)b[n];
		n++;
		uintptr_t now = (uintptr_t)sbrk(0);
		if (now != (uintptr_t)-1 && now > top && now - top >= (uintptr_t)pad)
			break;
	}
	while (n > 0)
		free(b[--n]);
	/* a block above the break is not the heap's (another allocator) */
	if (lo != UINTPTR_MAX && lo < (uintptr_t)sbrk(0)) {
		heap_lo = lo;
		cs_huge_heap_more();
	}
#endif
}
