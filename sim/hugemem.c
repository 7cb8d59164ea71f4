/* capsim: huge-page hints for big arrays. See hugemem.h. */
#include "hugemem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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
