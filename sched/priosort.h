/* capsim: sorting a queue by priority (sched/priosort.c), private to
 * sched/ (multifactor's pass). */
#ifndef CAPSIM_SCHED_PRIOSORT_H
#define CAPSIM_SCHED_PRIOSORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct cs_ranked {
	double prio;
	uint32_t jid;
	uint32_t aux; /* the caller's, carried along (in what would be padding) */
} cs_ranked;

/* The order: higher priority first, then lower jid. */
int cs_prio_cmp(const void *a, const void *b);
/* Sort o[0 .. n) in that order; tmp holds n entries of scratch. The input
 * must be in ascending jid order: above 1,024 entries the sort is a stable
 * LSD radix sort on the priority alone. */
void cs_prio_sort(cs_ranked *o, cs_ranked *tmp, size_t n);

/* The last pass's order as a hint: passes mostly see the same jobs in
 * the same order (age grows alike for all; fair-share factors move only
 * at recomputations), so sorting from it is an insertion sort of few
 * moves. */
typedef struct cs_prio_hint {
	uint64_t *at;     /* per job: gen << 32 | its place in the last order (another gen: none) */
	uint32_t *slot;   /* scratch, per place of the last order: the job's index in o + 1, 0 if gone */
	size_t nprev;     /* the last order's length */
	uint64_t gen;     /* calls so far */
} cs_prio_hint;

/* For jobs 0 .. njobs-1: 0 or -1 (out of memory). */
int cs_prio_hint_init(cs_prio_hint *h, size_t njobs);
void cs_prio_hint_free(cs_prio_hint *h);
/* cs_prio_sort's order of o[0 .. n) (ascending jid order; tmp n entries
 * of scratch), found from the last call's order (the jobs still in o in
 * that order, then the others in jid order) by an insertion sort, or by
 * cs_prio_sort when that would take more than a few moves a job. */
void cs_prio_sort_hinted(cs_prio_hint *h, cs_ranked *o, cs_ranked *tmp, size_t n);

/* The same order of o[0 .. n) when the caller keeps the last order: o
 * holds the last order's jobs still queued in that order, then the others
 * (tmp n entries of scratch). An insertion sort, or within a few moves a
 * job a full sort (by jid, then cs_prio_sort). */
void cs_prio_sort_kept(cs_ranked *o, cs_ranked *tmp, size_t n);

#endif
