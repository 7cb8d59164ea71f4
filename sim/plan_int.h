/* capsim: the conservative planner's inside, shared by sim/plan.c (making
 * a plan, and when one is searched again) and sim/plan_prof.c (the
 * planner's state, its profile and the plans a pass visits); private. */
#ifndef CAPSIM_SIM_PLAN_INT_H
#define CAPSIM_SIM_PLAN_INT_H

#include "engine_int.h"

#include <string.h>

/* The planner, made on the first cs_ctx_plan: 0 or -CS_ENOMEM. */
int cs_plan_on(cs_sched_ctx *c);
/* Add (add != 0) or remove jid's plan's take at its start and give-back
 * at its end. */
void cs_plan_prof(cs_sched_ctx *c, uint32_t jid, int add);
/* Mute (mute != 0) jid's plan's events in the profile, in place, for a
 * search of an earlier plan (the profile as with the plan dropped), or
 * give them back: a search that finds none leaves the plan and the
 * profile as they were, without a drop and the same plan made again. A
 * search of some nodes only (only[0 .. n), only != NULL) reads no other
 * node's profile: the plan's other nodes are left as they are. */
void cs_plan_mute(cs_sched_ctx *c, uint32_t jid, int mute, const uint32_t *only, uint32_t n);
void cs_plan_unmute_drop(cs_sched_ctx *c, uint32_t jid);
/* jid's plan in the sets a walk reads (cs_ctx_plan_next), or out: its
 * start, pvis and slots set (add), or still (out). */
void cs_plan_visit(cs_sched_ctx *c, uint32_t jid, uint64_t mask, int add);

/* plan_index.c: the plans a freeing may move, by node type, need's level
 * and length or start, and by node. Made with tplan (0 or -CS_ENOMEM). */
int cs_plan_ix_on(struct planner *pl, uint32_t nnodes);
void cs_plan_ix_free(struct planner *pl);
/* jid's plan into the sets (add: made; its start, pvis and slots set), or
 * out of them (its start, pvis and slots still the plan's). */
void cs_plan_ix_plan(cs_sched_ctx *c, uint32_t jid, uint64_t mask, int add);
/* Into tovisit, the plans on node type t that may move onto one of its
 * freed nodes[0 .. n) (their free amounts f now): every plan for which
 * visits_of_freed's may_move_onto says 1, found by the sets. */
void cs_plan_ix_visits(cs_sched_ctx *c, uint32_t t, const uint32_t *nodes, const cs_nprof_amt *f, uint32_t n);
/* (tests: visits_of_freed asks each plan on a freed type one by one too,
 * as before the sets, and compares: the plans asked, and those whose
 * answer differed from the sets', so far in this thread) */
void cs_plan_ix_check(int on);
uint64_t cs_plan_ix_asked(void);
uint64_t cs_plan_ix_differ(void);
/* (tests: a plan made again to start now sets its parts aside from the
 * nodes with its GPUs free now (cs_alloc_nodes_gpus_free) and by the
 * plans' walk too, and compares those on its types: the sets compared,
 * and those that differ, so far in this thread) */
void cs_plan_now_check(int on);
uint64_t cs_plan_now_asked(void);
uint64_t cs_plan_now_differ(void);
/* jid's plan, starting at t, among the plans by start time: 0, or -1 out
 * of memory. */
int cs_plan_due(struct planner *pl, cs_time t, uint32_t jid);

/* Work out again row r of the leaf bounds of a node whose profile
 * changed (the trees r * LB_SPANS .. + LB_SPANS); those that changed are
 * added to its pending trees (pl->lb_pend), for the trees above it.
 * (plan_find.c) */
void cs_plan_lb_row(cs_sched_ctx *c, uint32_t node, unsigned r);
/* cs_plan_lb where node's entry in tree t (the tree's first entry) is to
 * be worked out again: its row worked out, then read. */
cs_time cs_plan_lb_redo(cs_sched_ctx *c, const cs_time *t, uint32_t node);

/* The bounds' GPU counts, core counts (on node types without GPUs) and
 * durations. */
_Static_assert(LB_LEVELS == 5 && LB_SPANS == 5, "cs_plan_lb_job compares five counts and spans");
#define LB_ROWS ((1u << LB_LEVELS) - 1) /* every row of a node's bounds */
#define LB_ALL ((1u << LB_TREES) - 1)   /* every tree */
static const int64_t lb_gpus[LB_LEVELS] = { 1, 2, 4, 8, 16 };
static const int64_t lb_cores[LB_LEVELS] = { 1, 8, 32, 64, 128 };
static const cs_time lb_span[LB_SPANS] = { 1, 3600, 4 * 3600, 16 * 3600, 64 * 3600 };

/* Job j's tree of bounds, as kept in pl->lb_job: k for tree k on nodes
 * whose bounds count GPUs, LB_TREES + k for tree k on those that count
 * cores, LB_JOB_NONE where none applies (a job with GPUs: the most GPUs
 * 2^k <= its, on GPUs; without: the most cores <= its, on cores; the
 * counts ascend, as the spans do, the longest span at most its
 * estimate). Worked out once a job, when the planner is made: a job's
 * request and estimate do not change while it waits. */
#define LB_JOB_NONE 0xffu
static inline uint8_t cs_plan_lb_job(const cs_job *j)
{
	cs_time d = plan_len(j);
	unsigned sp = (lb_span[1] <= d) + (lb_span[2] <= d) + (lb_span[3] <= d) + (lb_span[4] <= d);
	int64_t g = j->gpus_per_node, w = j->cores_per_node;
	if (g && g <= lb_gpus[4])
		return (uint8_t)(((lb_gpus[1] <= g) + (lb_gpus[2] <= g) + (lb_gpus[3] <= g) + (lb_gpus[4] <= g)) * LB_SPANS + sp);
	if (!g && w >= 1)
		return (uint8_t)(LB_TREES + ((lb_cores[1] <= w) + (lb_cores[2] <= w) + (lb_cores[3] <= w) + (lb_cores[4] <= w)) * LB_SPANS + sp);
	return LB_JOB_NONE;
}

/* Job jid's trees of bounds for cs_plan_lb: on nodes whose bounds count
 * GPUs ([0]) and cores ([1]); NULL where none applies (at most one of
 * them is not: a job with GPUs has none on cores). Returns the tree's
 * bit in a node's lb_stale (0: none applies). Inline: asked for every
 * plan a pass visits (the tree kept per job, pl->lb_job). */
static inline uint32_t cs_plan_lb_trees(const struct planner *pl, uint32_t jid, const cs_time *tr[2])
{
	tr[0] = tr[1] = NULL;
	if (!pl->lb)
		return 0;
	unsigned x = pl->lb_job[jid];
	if (x == LB_JOB_NONE)
		return 0;
	unsigned on_cores = x >= LB_TREES, k = x - (on_cores ? LB_TREES : 0);
	tr[on_cores] = pl->lb + k;
	return 1u << k;
}

/* A lower bound on the start of a job's first window on node (its bound
 * in the job's trees tr and their bit, cs_plan_lb_trees, worked out again
 * if the node changed), or now where none applies (none for its request
 * there). Asked only where bounds are kept (pl->lb). Inline: asked of
 * every node a freed-node check or a search of some nodes looks at. */
static inline cs_time cs_plan_lb_of(cs_sched_ctx *c, const uint32_t *leaf, const uint32_t *stale,
				    const cs_time *const tr[2], uint32_t bit, uint32_t node)
{
	uint32_t x = leaf[node];
	const cs_time *t = tr[x & 1];
	if (!t)
		return c->now;
	if (stale[node] & bit)
		return cs_plan_lb_redo(c, t, node); /* (still listed: the trees above it still to do) */
	return t[(size_t)(x >> 1) * LB_TREES];
}
/* (cs_plan_lb_of: the same with pl->lb_leaf and pl->lb_stale read once by
 * a caller that asks of many nodes; neither array moves while the
 * planner stands) */
static inline cs_time cs_plan_lb(cs_sched_ctx *c, const cs_time *const tr[2], uint32_t bit, uint32_t node)
{
	return cs_plan_lb_of(c, c->pl->lb_leaf, c->pl->lb_stale, tr, bit, node);
}

/* The plan at place i of planned[], of a job that may use the node types
 * in pmask, set in (on) or taken out of (!on) pl->pbits. */
static inline void cs_plan_pbits(struct planner *pl, size_t i, uint64_t pmask, int on)
{
	if (!pl->pbits)
		return;
	uint64_t bit = 1ull << (i & 63);
	for (uint64_t m = pl->ntypes < 64 ? pmask & ((1ull << pl->ntypes) - 1) : pmask; m; m &= m - 1) {
		uint64_t *w = &pl->pbits[(size_t)__builtin_ctzll(m) * pl->pwords + i / 64];
		*w = on ? *w | bit : *w & ~bit;
	}
}

/* A new generation of pl->mark: no node marked. */
static inline void new_marks(cs_sched_ctx *c)
{
	struct planner *pl = c->pl;
	if (++pl->gen == 0) {
		memset(pl->mark, 0, c->nnodes * sizeof *pl->mark);
		pl->gen = 1;
	}
}

/* Is node in the kept freed list (pl->fs_nodes, as fs_make made it for
 * fs_e and fs_mask)? Its nodes are those of the mask's types whose latest
 * freeing (pl->flast, kept where pl->tlast is) came after fs_e, as
 * freed_list reads them, and a freeing since starts an epoch, after which
 * the list is made again before it is read: the question is answered by
 * the node, without marks made for each list. (Asked again after a
 * freeing, it says yes of each node in the list then, and of the nodes
 * freed since.) */
static inline int fs_listed(const cs_sched_ctx *c, uint32_t node)
{
	const struct planner *pl = c->pl;
	return pl->flast[node].epoch > pl->fs_e && (pl->fs_mask >> c->node_type[node] & 1);
}

/* jid's plan was made or visited now: it has seen every freeing so far.
 * (Out of the plans to visit only where it is in: a clear of a bit that
 * is not set walks the summary words above an empty word each time.) */
static inline void seen(struct planner *pl, uint32_t jid)
{
	pl->epoch_of[jid] = pl->epoch;
	if (pl->tplan && cs_hbm_test(&pl->tovisit, jid))
		cs_hbm_clear(&pl->tovisit, jid);
	if (pl->ix_type) { /* in ix_open as its open_max now stands (most are not, and none is) */
		const struct pvis *v = &pl->pvis[jid];
		uint32_t m = v->nodes == 1 ? 0 : pl->open_max[jid];
		pl->ix_left[jid] = v->nodes - (m < v->nodes ? m : v->nodes); /* (nothing freed since) */
		int open = v->nodes > 1 && pl->open_max[jid] >= v->nodes;
		if ((open || pl->ix_nopen) && open != cs_hbm_test(&pl->ix_open, jid)) {
			(open ? cs_hbm_set : cs_hbm_clear)(&pl->ix_open, jid);
			pl->ix_nopen += open ? 1 : -1;
		}
	}
}

/* A job past its estimate is expected a second from now, every time: in
 * each pass with one, plans may be broken (once a pass). */
static inline void overdue(cs_sched_ctx *c)
{
	struct planner *pl = c->pl;
	if (c->run.n && c->run.first_end <= c->now && pl->overdue_pass != c->st->passes) {
		pl->overdue_pass = c->st->passes;
		pl->epoch++;
		pl->worse_epoch = pl->epoch;
	}
}

/* The first slot of w whose level is lv, or NW_SLOTS: none. (Each
 * slot's answer in a bit and the first set taken, where a search from
 * slot 0 would stop at an unpredictable slot.) */
static inline uint32_t nw_level_slot(const struct nwnode *w, int64_t lv)
{
	_Static_assert(NW_SLOTS == 4, "four slots' answers");
	uint32_t m = (uint32_t)(w->lvl[0] == lv) | (uint32_t)(w->lvl[1] == lv) << 1 |
		     (uint32_t)(w->lvl[2] == lv) << 2 | (uint32_t)(w->lvl[3] == lv) << 3 | 1u << NW_SLOTS;
	return (uint32_t)__builtin_ctz(m);
}

/* Node's runs for level lv: a level it keeps, while its profile, the
 * time and its free amounts stand, without a call (asked of each freed
 * node by every plan visited, plans of several levels in turn); the slot
 * found as cs_plan_nowin_slot finds it (the last one asked first), or
 * NULL: not kept as they stand. A slot's use is stamped when another was
 * used last (the slot used last has the latest stamp: eviction, the
 * least stamp's, sees the same order). Where only the time moved, no
 * event of the node came due and no slot's first run was open then,
 * what it kept holds now as it is (cs_plan_nowin_slot's advance, which
 * changes nothing else then). */
static inline struct nwslot *nowin_kept(cs_sched_ctx *c, uint32_t node, int64_t lv, const cs_nprof_amt *f)
{
	const struct planner *pl = c->pl;
	struct nwnode *w = &pl->nw[node];
	if (w->ver == pl->pver[node] && w->f.g == f->g && w->f.c == f->c && w->f.m == f->m) {
		if (w->now != c->now) {
			const cs_nprof_node *nd = &pl->prof.node[node];
			if (w->open || (nd->n && nd->ev[0].t <= c->now))
				return NULL; /* cs_plan_nowin_slot tells */
			w->now = c->now;
		}
		if (w->lastlv == lv)
			return &w->s[w->last]; /* the slot used last: the latest use already */
		uint32_t k = nw_level_slot(w, lv);
		if (k < NW_SLOTS) {
			w->last = k;
			w->lastlv = lv;
			w->used[k] = ++w->clock;
			return &w->s[k];
		}
	}
	return NULL;
}

/* nowin_kept's answer where it is the slot asked last, from the nodes'
 * runs nw, profile stamps pver and the time now read once by a caller
 * that asks of many nodes (their stores and calls change none of the
 * three); NULL: nowin_kept or nowin_slot tells. */
static inline const struct nwslot *nowin_last(const struct nwnode *nw, const uint64_t *pver, cs_time now,
					      uint32_t node, int64_t lv, const cs_nprof_amt *f)
{
	const struct nwnode *w = &nw[node];
	return w->ver == pver[node] && w->now == now && w->lastlv == lv && w->f.g == f->g && w->f.c == f->c &&
			       w->f.m == f->m
		       ? &w->s[w->last]
		       : NULL;
}

/* The same, made if need be (NULL: out of memory). */
static inline const struct nwslot *nowin_slot(cs_sched_ctx *c, uint32_t node, int64_t lv, const cs_nprof_amt *f)
{
	const struct nwslot *s = nowin_kept(c, node, lv, f);
	return s ? s : cs_plan_nowin_slot(c, node, lv, f);
}

/* The start of the first of s's runs that lasts d, or CS_TIME_MAX: none
 * does. (A scan from the first: a node has a few runs, and the first
 * often lasts.) */
static inline cs_time nowin_first(const struct nwslot *s, cs_time d)
{
	if (s->len0 >= d) /* (the first run lasts d: there is one) */
		return s->a0;
	if (s->lenmax < d) /* (none does, or there is none) */
		return CS_TIME_MAX;
	const cs_time *len = s->len;
	uint32_t i = 1;
	while (len[i] < d) /* (the last lasts d) */
		i++;
	return s->a[i];
}

/* May the plan of one node that starts at s on node, one of its own,
 * start earlier there (its need at level lv, d seconds)? Only in a run
 * that starts before s and either lasts d or reaches s, where the plan's
 * share comes back once a search mutes it (taken to last for ever, as
 * too_few takes it). 1: it may (or not known), 0: it may not. */
static inline int own_window_before(cs_sched_ctx *c, uint32_t node, int64_t lv, cs_time d, cs_time s)
{
	if (lv <= 0)
		return 1;
	cs_nprof_amt f = node_free_now(c, node);
	const struct nwslot *sl = nowin_slot(c, node, lv, &f);
	if (!sl)
		return 1;
	for (uint32_t i = 0; i < sl->n && sl->a[i] < s; i++)
		if (sl->z[i] >= s || sl->z[i] - sl->a[i] >= d)
			return 1;
	return 0;
}

/* Is it known that node (free amounts f now) has no window for a job
 * whose need is at level lv, for d seconds, starting before bound? 1, or
 * 0 (it may have: cs_nprof_window_before tells). */
static inline int cs_plan_nowin(cs_sched_ctx *c, uint32_t node, int64_t lv, cs_time d, const cs_nprof_amt *f,
				cs_time bound)
{
	if (lv <= 0)
		return 0;
	const struct nwslot *s = nowin_slot(c, node, lv, f);
	/* the first run that lasts d: does it start before bound? */
	return s && nowin_first(s, d) >= bound;
}

/* No window of a job whose need is at level lv (> 0), for d seconds, on
 * node (free amounts f now) starts before this: the start of the first of
 * its runs that lasts d (CS_TIME_MAX: it has none; -1: out of memory,
 * c->failed set). */
static inline cs_time cs_plan_nowin_first(cs_sched_ctx *c, uint32_t node, int64_t lv, cs_time d,
					  const cs_nprof_amt *f)
{
	const struct nwslot *s = nowin_slot(c, node, lv, f);
	return s ? nowin_first(s, d) : -1;
}

/* The start times before bound at which node may hold a job whose need
 * is at level lv (> 0) for d seconds (what its runs allow, a run reaching
 * open taken to last for ever; every window's among them), as spans
 * appended to pl->sp and pl->sp_end: 1 if there are any, 0 if none, -1
 * out of memory (c->failed set). Inline: asked of each node too_few
 * looks at. */
static inline int cs_plan_nowin_spans(cs_sched_ctx *c, uint32_t node, int64_t lv, cs_time d, const cs_nprof_amt *f,
				      cs_time bound, cs_time open)
{
	struct planner *pl = c->pl;
	const struct nwslot *s = nowin_slot(c, node, lv, f);
	if (!s || grow((void **)&pl->sp, &pl->sp_cap, pl->nsp + s->n, sizeof *pl->sp) < 0 ||
	    grow((void **)&pl->sp_end, &pl->sp_end_cap, pl->nsp + s->n, sizeof *pl->sp_end) < 0) {
		c->failed = -CS_ENOMEM;
		return -1;
	}
	int any = 0;
	size_t nsp = pl->nsp;
	for (uint32_t i = 0; i < s->n && s->a[i] < bound; i++) {
		cs_time end = s->z[i] >= open ? CS_TIME_MAX : s->z[i];
		if (end != CS_TIME_MAX && end - s->a[i] < d)
			continue;
		/* starts a .. end - d, before bound */
		cs_time z = end == CS_TIME_MAX || end - d >= bound ? bound - 1 : end - d;
		pl->sp[nsp] = 2 * s->a[i] + 1;
		pl->sp_end[nsp++] = 2 * (z + 1);
		any = 1;
	}
	pl->nsp = nsp;
	return any;
}

#endif
