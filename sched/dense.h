/* capsim: a dense list of ids, live[0 .. n), each id once and at[id] its
 * place while listed: an id is listed and unlisted in O(1) (the last one
 * takes the place of one unlisted), so a loop over the listed ids reads no
 * other. Private to sched/ (the live rate classes, sched/rateclass.c;
 * multifactor's users with running jobs and with waiting ones). */
#ifndef CAPSIM_SCHED_DENSE_H
#define CAPSIM_SCHED_DENSE_H

#include <stdint.h>

/* Id k (not listed) into the list. */
static inline void cs_dense_add(uint32_t *live, uint32_t *at, uint32_t *n, uint32_t k)
{
	at[k] = *n;
	live[(*n)++] = k;
}

/* Id k (listed) out of it. */
static inline void cs_dense_remove(uint32_t *live, uint32_t *at, uint32_t *n, uint32_t k)
{
	uint32_t last = live[--*n];
	live[at[k]] = last;
	at[last] = at[k];
}

#endif
