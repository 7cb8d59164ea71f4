/* capsim: sorting a queue by priority (sched/priosort.c), private to
 * sched/ (multifactor's pass). */
#ifndef CAPSIM_SCHED_PRIOSORT_H
#define CAPSIM_SCHED_PRIOSORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct cs_ranked {
	double prio;
	uint32_t jid;
} cs_ranked;

/* The order: higher priority first, then lower jid. */
int cs_prio_cmp(const void *a, const void *b);
/* Sort o[0 .. n) in that order; tmp holds n entries of scratch. The input
 * must be in ascending jid order: above 1,024 entries the sort is a stable
 * LSD radix sort on the priority alone. */
void cs_prio_sort(cs_ranked *o, cs_ranked *tmp, size_t n);

#endif
