/* capsim: the backfill index (sched/qtree.c), private to sched/.
 *
 * A segment tree over queue positions holding, per subtree, the smallest
 * size and the smallest estimate of the jobs present. It answers "first
 * position >= from whose job fits now and either fits the extra processors
 * or ends by the shadow time" by descending only into subtrees that can
 * hold such a job, so a backfill pass costs O((k+1) log n) for k
 * candidates looked at in the usual case instead of a scan of the queue.
 */
#ifndef CAPSIM_SCHED_QTREE_H
#define CAPSIM_SCHED_QTREE_H

#include "capsim/job.h"

typedef struct cs_qtree {
	uint32_t *min_size; /* UINT32_MAX where empty */
	cs_time *min_est;   /* CS_TIME_MAX where empty */
	size_t leaves;      /* power of two */
	size_t n;
} cs_qtree;

int cs_qtree_init(cs_qtree *t, size_t n);
void cs_qtree_free(cs_qtree *t);
void cs_qtree_set(cs_qtree *t, size_t pos, uint32_t size, cs_time est);
void cs_qtree_clear(cs_qtree *t, size_t pos);
/* First pos >= from with size <= fit && (size <= extra || est <= est_limit);
 * -1 if none. */
long cs_qtree_find(const cs_qtree *t, size_t from, uint32_t fit, uint32_t extra, cs_time est_limit);
/* The same within [from, to): no look past `to`. */
long cs_qtree_find_in(const cs_qtree *t, size_t from, size_t to, uint32_t fit, uint32_t extra, cs_time est_limit);

/* at[k] = the job of rank k by (estimate, index): the shortest-estimate-
 * first order with ties in arrival order. 0 or -CS_ENOMEM. */
int cs_rank_by_estimate(const cs_job *jobs, size_t n, uint32_t *at);

#endif
