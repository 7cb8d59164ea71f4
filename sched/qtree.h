/* capsim: the backfill index (sched/qtree.c), private to sched/.
 *
 * A tree of sixteen children a node over queue positions holding, per
 * subtree, the smallest size and the smallest estimate of the jobs
 * present. It answers "first position >= from whose job fits now and
 * either fits the extra processors or ends by the shadow time" by
 * descending only into subtrees that can hold such a job, so a backfill
 * pass costs O((k+1) log n) for k candidates looked at in the usual case
 * instead of a scan of the queue. A node's sixteen children are tested at
 * once (SSE2 where there is: four compares a field) into a bit mask.
 */
#ifndef CAPSIM_SCHED_QTREE_H
#define CAPSIM_SCHED_QTREE_H

#include "capsim/job.h"

enum { CS_QTREE_FAN = 16, CS_QTREE_MAXLV = 9 };

/* One node's children: their minima as 32-bit keys, each value v stored
 * as (int32_t)(v ^ 0x80000000) so that a signed compare orders them as
 * unsigned; an estimate clamped to [0, UINT32_MAX] first (exact leaves:
 * cs_qtree.est). An empty child: both UINT32_MAX. 128 bytes, two lines,
 * aligned (the search reads them sixteen bytes at a time). */
typedef struct cs_qtree_grp {
	_Alignas(64) int32_t size[CS_QTREE_FAN];
	int32_t est[CS_QTREE_FAN];
} cs_qtree_grp;

typedef struct cs_qtree {
	cs_qtree_grp *lv[CS_QTREE_MAXLV]; /* lv[0]: the positions' groups; lv[top]: one group */
	cs_time *est;                     /* per position set its estimate (for the clamped keys) */
	unsigned top;
	size_t n;
} cs_qtree;

int cs_qtree_init(cs_qtree *t, size_t n);
void cs_qtree_free(cs_qtree *t);
void cs_qtree_set(cs_qtree *t, size_t pos, uint32_t size, cs_time est);
void cs_qtree_clear(cs_qtree *t, size_t pos);
/* Is a job set at pos (not cleared)? */
int cs_qtree_present(const cs_qtree *t, size_t pos);
/* First pos >= from with size <= fit && (size <= extra || est <= est_limit);
 * -1 if none. A size of UINT32_MAX is never found (it marks the empty). */
long cs_qtree_find(const cs_qtree *t, size_t from, uint32_t fit, uint32_t extra, cs_time est_limit);
/* The same within [from, to): no look past `to`. */
long cs_qtree_find_in(const cs_qtree *t, size_t from, size_t to, uint32_t fit, uint32_t extra, cs_time est_limit);
/* The mask of the children of g that may hold a match for the keys (bit
 * c: child c): the search's (SSE2 where there is), and the plain form
 * (tests/test_qtree.c checks one against the other). */
unsigned cs_qtree_mask(const cs_qtree_grp *g, int32_t fit, int32_t extra, int32_t lim);
unsigned cs_qtree_mask_plain(const cs_qtree_grp *g, int32_t fit, int32_t extra, int32_t lim);

/* at[k] = the job of rank k by (estimate, index): the shortest-estimate-
 * first order with ties in arrival order. 0 or -CS_ENOMEM. */
int cs_rank_by_estimate(const cs_job *jobs, size_t n, uint32_t *at);

#endif
