/* The huge-page hints (sim/hugemem.c): a hint changes no contents, and
 * the heap is asked for huge pages where malloc's heap is the brk one. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sim/hugemem.h"

/* Whether the mapping holding address a carries VmFlags' "hg" (asked
 * for huge pages), from /proc/self/smaps. */
static int hinted_at(uintptr_t a)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	cr_assert_not_null(f);
	char line[512];
	int in = 0, hg = -1;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = a >= lo && a < hi;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			hg = strstr(line, " hg") != NULL;
			break;
		}
	}
	fclose(f);
	return hg;
}

Test(hugemem, the_heap_is_hinted_from_its_blocks_to_its_break)
{
	void *probe = malloc(64);
	cr_assert_not_null(probe);
	uintptr_t brk_now = (uintptr_t)sbrk(0);
	if ((uintptr_t)probe > brk_now) {
		free(probe);
		cr_skip_test("malloc is not the brk heap's (a sanitizer's allocator)");
	}
	free(probe);
	cs_huge_heap();
	/* the heap grew by the pad: a whole 2 MB page lies inside it, hinted */
	uintptr_t top = (uintptr_t)sbrk(0), huge = (uintptr_t)2 << 20;
	cr_assert_geq(top - brk_now, (uintptr_t)CS_HUGE_HEAP_PAD, "the heap grew by %lu bytes", (unsigned long)(top - brk_now));
	uintptr_t page = ((top - huge) & ~(huge - 1)) - huge;
	cr_assert_eq(hinted_at(page), 1, "the heap's last whole 2 MB pages are not asked for huge pages");
	/* a second call changes nothing */
	cs_huge_heap();
	cr_assert_eq((uintptr_t)sbrk(0), top);
}

Test(hugemem, a_grown_block_keeps_its_bytes)
{
	size_t used = (size_t)5 << 20, len = (size_t)9 << 20;
	unsigned char *p = malloc(used);
	cr_assert_not_null(p);
	for (size_t i = 0; i < used; i++)
		p[i] = (unsigned char)(i * 2654435761u >> 13);
	unsigned char *q = cs_huge_grow(p, used, len);
	cr_assert_not_null(q);
	for (size_t i = 0; i < used; i++)
		if (q[i] != (unsigned char)(i * 2654435761u >> 13))
			cr_assert_fail("byte %zu changed", i);
	q[len - 1] = 1; /* the whole new length is the block's */
	free(q);
}
