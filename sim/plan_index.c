/* capsim: the plans a freeing may move, found without asking each plan on
 * the freed nodes' type (plan_prof.c's visits_of_freed).
 *
 * A plan may move onto a freed node where the node is one of its own,
 * where its last search saw enough nodes open (open_max), or where the
 * node's runs at its need's level show a window before its start: a run
 * that starts before the plan and lasts its length. A freeing under a
 * backlog gives back a gap between plans, shorter than most plans, or
 * the run open for ever after the node's last plan, later than most: of
 * 27.6 M plans asked one by one in 20 days at load 1.5, 0.97 M were no
 * longer than a gap and 17 k started after an open run. So the plans of
 * each node type are kept by their need's level, each level's by length
 * and by start (sorted arrays: a few hundred plans), and a freeing asks
 * the plans no longer than the longest gap, takes those after the
 * earliest open run, and passes over the rest; each node keeps the plans
 * on it.
 * A plan of several nodes moves only where as many nodes as its node
 * count less its open_max may hold it at once, and most freeings give
 * back one or two: so each plan keeps how many more it needs (ix_left,
 * set when it is made or visited), the nodes found that may count (its own,
 * and those with a window before it: each node, not the first only) are
 * taken off, and it is visited once none are left; a group whose plans
 * are all to visit already reads no runs. */
#include "plan_int.h"

#include <stdlib.h>
#include <string.h>

int cs_plan_ix_on(struct planner *pl, uint32_t nnodes)
{
	pl->ix_type = calloc(pl->ntypes ? pl->ntypes : 1, sizeof *pl->ix_type);
	pl->ix_node = calloc((size_t)nnodes + 1, sizeof *pl->ix_node);
	pl->ix_sl = malloc(((size_t)nnodes + 1) * sizeof *pl->ix_sl);
	pl->ix_left = calloc(pl->njobs + 1, sizeof *pl->ix_left);
	pl->ix_ao = malloc(((size_t)nnodes + 1) * sizeof *pl->ix_ao);
	if (!pl->ix_type || !pl->ix_node || !pl->ix_sl || !pl->ix_left || !pl->ix_ao ||
	    cs_hbm_init(&pl->ix_open, (uint32_t)pl->njobs + 1) < 0)
		return -CS_ENOMEM;
	pl->ix_nnodes = nnodes;
	pl->ix_moving = UINT32_MAX;
	return 0;
}

void cs_plan_ix_free(struct planner *pl)
{
	for (uint32_t t = 0; pl->ix_type && t < pl->ntypes; t++) {
		struct ixtype *y = &pl->ix_type[t];
		for (uint32_t g = 0; g < y->n; g++) {
			free(y->g[g].len.e);
			free(y->g[g].start.e);
		}
		free(y->g);
	}
	free(pl->ix_type);
	for (uint32_t i = 0; pl->ix_node && i <= pl->ix_nnodes; i++)
		free(pl->ix_node[i].j);
	free(pl->ix_node);
	cs_hbm_free(&pl->ix_open);
	free(pl->ix_sl);
	free(pl->ix_want);
	free(pl->ix_mark);
	free(pl->ix_left);
	free(pl->ix_sum);
	free(pl->ix_ao);
}

/* Is m before (key, jid)? 1 or 0, without a branch: a jid before jid
 * takes one from m's key (keys are times and lengths, far above
 * INT64_MIN), which is then before key where it was before it or equal. */
static inline uint32_t ix_before(const struct ixent *m, cs_time key, uint32_t jid)
{
	return (uint32_t)(m->key - (cs_time)(m->jid < jid) < key);
}

/* The first entry of x at or after (key, jid) (a search without branches
 * on the entries: CS_SEARCH_FIRST). */
static inline __attribute__((always_inline)) uint32_t ix_lower(const struct ixarr *x, cs_time key, uint32_t jid)
{
	const struct ixent *e = x->e;
	uint32_t lo;
#define IX_BY_(i) ix_before(&e[i], key, jid)
	CS_SEARCH_FIRST(lo, x->n, IX_BY_);
#undef IX_BY_
	return lo;
}

/* (key, jid) into x (add) or out of it: 0, or -1 out of memory. */
static int ix_put(struct ixarr *x, cs_time key, uint32_t jid, int add)
{
	uint32_t i = ix_lower(x, key, jid);
	if (!add) {
		if (i < x->n && x->e[i].jid == jid && x->e[i].key == key) {
			memmove(&x->e[i], &x->e[i + 1], (x->n - i - 1) * sizeof *x->e);
			x->n--;
		}
		return 0;
	}
	if (grow((void **)&x->e, &x->cap, (size_t)x->n + 1, sizeof *x->e) < 0)
		return -1;
	memmove(&x->e[i + 1], &x->e[i], (x->n - i) * sizeof *x->e);
	x->e[i] = (struct ixent){ key, jid };
	x->n++;
	return 0;
}

/* Level lv's group of type y's plans, made if need be: NULL out of
 * memory. (A type's plans need a few levels.) */
static struct ixgroup *group_of(struct ixtype *y, int64_t lv)
{
	for (uint32_t g = 0; g < y->n; g++)
		if (y->g[g].lv == lv)
			return &y->g[g];
	if (grow((void **)&y->g, &y->cap, (size_t)y->n + 1, sizeof *y->g) < 0)
		return NULL;
	y->g[y->n] = (struct ixgroup){ .lv = lv };
	return &y->g[y->n++];
}

/* jid on node's list (add) or off it: 0, or -1 out of memory. */
static int node_put(struct ixnode *nd, uint32_t jid, int add)
{
	if (add) {
		if (grow((void **)&nd->j, &nd->cap, (size_t)nd->n + 1, sizeof *nd->j) < 0)
			return -1;
		nd->j[nd->n++] = jid;
		return 0;
	}
	for (uint32_t i = 0; i < nd->n; i++)
		if (nd->j[i] == jid) {
			nd->j[i] = nd->j[--nd->n];
			break;
		}
	return 0;
}

void cs_plan_ix_plan(cs_sched_ctx *c, uint32_t jid, uint64_t mask, int add)
{
	struct planner *pl = c->pl;
	const struct pvis *v = &pl->pvis[jid];
	int bad = 0, moving = pl->ix_moving == jid; /* (its level and length stay) */
	for (uint64_t m = pl->ntypes < 64 ? mask & ((1ull << pl->ntypes) - 1) : mask; m; m &= m - 1) {
		struct ixgroup *g = group_of(&pl->ix_type[__builtin_ctzll(m)], v->lv);
		if (!g || (!moving && ix_put(&g->len, v->d, jid, add) < 0) ||
		    ix_put(&g->start, c->plan_start[jid], jid, add) < 0)
			bad = 1;
	}
	if (moving && add)
		pl->ix_moving = UINT32_MAX;
	cs_placement p = placement_of(c, jid);
	for (uint32_t k = 0; k < p.n; k++)
		bad |= node_put(&pl->ix_node[p.slots[k].node], jid, add);
	if (!add && pl->ix_nopen && cs_hbm_test(&pl->ix_open, jid)) {
		cs_hbm_clear(&pl->ix_open, jid);
		pl->ix_nopen--;
	}
	if (bad)
		c->failed = -CS_ENOMEM;
}

/* k more of the nodes freed since jid's plan was made or visited may
 * hold it: into tovisit once ix_left of them are found (nothing_earlier
 * counts each such node once, with the open_max the count started from;
 * the others hold it no more than when they were asked: a plan left out
 * stands). */
static inline void may_hold(struct planner *pl, uint32_t jid, uint32_t k)
{
	uint32_t left = pl->ix_left[jid];
	pl->ix_left[jid] = left > k ? left - k : 0;
	if (left <= k)
		cs_hbm_set(&pl->tovisit, jid);
}

/* The plans of level g->lv that may move onto nodes[0 .. n) (their
 * free amounts f now), into tovisit (may_hold). */
static void group_visits(cs_sched_ctx *c, const struct ixgroup *g, const uint32_t *nodes, const cs_nprof_amt *f,
			 uint32_t n)
{
	struct planner *pl = c->pl;
	cs_hbm *tv = &pl->tovisit;
	const struct nwslot **sl = pl->ix_sl;
	const uint32_t *left = pl->ix_left;
	/* none of its plans left to find (all to visit already): no node's
	 * runs are read */
	uint32_t k0 = 0;
	while (k0 < g->len.n && !left[g->len.e[k0].jid])
		k0++;
	if (k0 == g->len.n)
		return;
	/* each node's runs: the longest that ends (the lengths up to each
	 * run, len, ascend; only the last run may be open for ever) and the
	 * earliest start of one open for ever */
	cs_time lfin = INT64_MIN, *ao = pl->ix_ao;
	uint32_t nao = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (g->lv <= 0 || !(sl[i] = nowin_slot(c, nodes[i], g->lv, &f[i]))) {
			/* not known (a job needing neither GPUs nor cores, or
			 * out of memory): each may move */
			for (uint32_t k = 0; k < g->len.n; k++)
				cs_hbm_set(tv, g->len.e[k].jid);
			return;
		}
		uint32_t m = sl[i]->n;
		if (m && sl[i]->z[m - 1] == CS_TIME_MAX) { /* (its start among ao, ascending) */
			cs_time a = sl[i]->a[--m];
			uint32_t k = nao++;
			for (; k && ao[k - 1] > a; k--)
				ao[k] = ao[k - 1];
			ao[k] = a;
		}
		if (m)
			lfin = sl[i]->len[m - 1] > lfin ? sl[i]->len[m - 1] : lfin;
	}
	/* no longer than a run that ends: asked as cs_plan_nowin asks (the
	 * first run that lasts d starts before the plan), of each node */
	for (uint32_t k = k0; k < g->len.n && g->len.e[k].key <= lfin; k++) {
		uint32_t jid = g->len.e[k].jid, want = left[jid], got = 0;
		if (!want)
			continue; /* (to visit already) */
		cs_time s = c->plan_start[jid], d = g->len.e[k].key;
		for (uint32_t i = 0; i < n && got < want; i++)
			got += nowin_first(sl[i], d) < s;
		if (got)
			may_hold(pl, jid, got);
	}
	/* longer: only a run open for ever lasts it, so those after the
	 * earliest such run's start may move onto the nodes whose run open
	 * for ever starts before theirs, the others not */
	if (nao)
		for (uint32_t k = ix_lower(&g->start, ao[0] + 1, 0), got = 0; k < g->start.n; k++) {
			uint32_t jid = g->start.e[k].jid;
			if (!left[jid] || pl->pvis[jid].d <= lfin)
				continue; /* (to visit already, or asked above) */
			/* the starts ascend: so do the runs that start before them */
			cs_time s = g->start.e[k].key;
			while (got < nao && ao[got] < s)
				got++;
			may_hold(pl, jid, got);
		}
}

void cs_plan_ix_visits(cs_sched_ctx *c, uint32_t t, const uint32_t *nodes, const cs_nprof_amt *f, uint32_t n)
{
	struct planner *pl = c->pl;
	for (uint32_t i = 0; i < n; i++) { /* its own */
		const struct ixnode *nd = &pl->ix_node[nodes[i]];
		for (uint32_t k = 0; k < nd->n; k++) {
			const struct pvis *v = &pl->pvis[nd->j[k]];
			if (pl->ix_left[nd->j[k]] &&
			    (v->nodes > 1 || own_window_before(c, nodes[i], v->lv, v->d, c->plan_start[nd->j[k]])))
				may_hold(pl, nd->j[k], 1);
		}
	}
	for (long j = pl->ix_nopen ? cs_hbm_next(&pl->ix_open, 0) : -1; j >= 0; j = cs_hbm_next(&pl->ix_open, (uint32_t)j + 1))
		if (pl->pmask[c->plan_pos[j]] >> t & 1)
			cs_hbm_set(&pl->tovisit, (uint32_t)j);
	const struct ixtype *y = &pl->ix_type[t];
	for (uint32_t g = 0; g < y->n; g++)
		if (y->g[g].len.n)
			group_visits(c, &y->g[g], nodes, f, n);
}
