/* capsim: the conservative planner's state (cs_plan_on, cs_plan_free), its
 * node availability profile (the running jobs' give-backs, the plans,
 * what is down; a plan muted for a search of an earlier one), the
 * nodes given capacity back by epoch, and the plans a pass visits
 * (cs_ctx_plan_next). cs_ctx_plan is plan.c's. */
#include "plan_int.h"
#include "plan_heap.h"

#include <string.h>

void cs_plan_free(struct planner *pl)
{
	if (!pl)
		return;
	cs_plan_nowin_free(pl); /* (it reads the profile's node count) */
	cs_nprof_free(&pl->prof);
	free(pl->epoch_of);
	free(pl->open_max);
	free(pl->pstart);
	free(pl->pmask);
	free(pl->pbits);
	for (size_t i = 0; pl->near_of && i < pl->njobs; i++)
		free(pl->near_of[i]);
	free(pl->near_of);
	free(pl->near_n);
	free(pl->near);
	free(pl->only);
	free(pl->type_freed_epoch);
	free(pl->type_first);
	free(pl->type_nodes);
	free(pl->resv_first);
	free(pl->resv_of);
	free(pl->win);
	free(pl->wa);
	free(pl->wz);
	free(pl->nodes);
	free(pl->old_nodes);
	free(pl->muted);
	free(pl->mver);
	free(pl->cand);
	free(pl->pn);
	free(pl->freed);
	free(pl->fnodes);
	free(pl->fs_nodes);
	free(pl->fs_ep);
	free(pl->lb);
	free(pl->lb_dirty);
	free(pl->nlb_dirty);
	free(pl->lb_stale);
	free(pl->lb_listed);
	free(pl->lb_pend);
	free(pl->lb_tlist);
	free(pl->lb_cores);
	free(pl->lb_leaf);
	free(pl->lb_job);
	free(pl->sh);
	free(pl->h1);
	free(pl->h2);
	free(pl->mark);
	free(pl->pver);
	free(pl->nowin);
	free(pl->aside);
	free(pl->lcnt);
	free(pl->bcnt);
	free(pl->ltouch);
	free(pl->lorder);
	free(pl->tnodes);
	for (uint32_t t = 0; pl->tplan && t < pl->ntypes; t++)
		cs_hbm_free(&pl->tplan[t]);
	free(pl->tplan);
	cs_hbm_free(&pl->allp);
	cs_hbm_free(&pl->tovisit);
	free(pl->dheap);
	free(pl->tlast);
	free(pl->flast);
	free(pl->fpend);
	free(pl->fpend_in);
	free(pl->fpend_t);
	free(pl->fpend_f);
	free(pl->pvis);
	cs_plan_ix_free(pl);
	free(pl);
}

/* Every row of node's bounds to be worked out again, listed in the rows
 * of its type it is not listed in. */
static void lb_stale_all(cs_sched_ctx *c, uint32_t node)
{
	struct planner *pl = c->pl;
	uint32_t y = c->node_type[node];
	for (uint32_t m = LB_ROWS & ~pl->lb_listed[node]; m; m &= m - 1) {
		unsigned r = (unsigned)__builtin_ctz(m);
		pl->lb_dirty[(size_t)r * pl->nlb_nodes + pl->type_first[y] + pl->nlb_dirty[r * pl->ntypes + y]++] = node;
	}
	pl->lb_stale[node] = LB_ALL;
	pl->lb_listed[node] = LB_ROWS;
}

/* Node's profile changed: its runs (cs_plan_nowin) are to be made again,
 * and a kept least over it (fs_before) read again. */
static inline __attribute__((always_inline)) void prof_touched(cs_sched_ctx *c, struct planner *pl, uint32_t node)
{
	pl->pver[node] = ++pl->pclock;
	if (pl->lb_stale)
		pl->fs_touch += !pl->tlast || fs_listed(c, node);
}

/* The same, and its bounds to be worked out again. */
static inline __attribute__((always_inline)) void lb_touch(cs_sched_ctx *c, struct planner *pl, uint32_t node)
{
	prof_touched(c, pl, node);
	if (pl->lb_stale && pl->lb_stale[node] != LB_ALL)
		lb_stale_all(c, node);
}

/* Add (add != 0) or remove the profile events of one slot's share. */
static inline __attribute__((always_inline)) void prof_event(cs_sched_ctx *c, const cs_slot *s, cs_time t, int sign,
							     uint32_t running, int add)
{
	cs_nprof_ev e = { t, sign * (int32_t)cs_slot_gpus(s), sign * (int32_t)s->cores,
			  sign * (int32_t)s->mem_mib, running };
	if (add) {
		if (cs_nprof_add_in(&c->pl->prof, s->node, &e) < 0)
			c->failed = -CS_ENOMEM;
	} else {
		cs_nprof_remove_in(&c->pl->prof, s->node, &e);
	}
	lb_touch(c, c->pl, s->node);
}

/* A running job's give-backs at its estimated end. */
void cs_plan_running(cs_sched_ctx *c, uint32_t jid, int add)
{
	cs_placement p = placement_of(c, jid);
	cs_time e = cs_run_est_end(c, jid);
	for (uint32_t k = 0; k < p.n; k++)
		prof_event(c, &p.slots[k], e, +1, 1, add);
}

/* A plan's take at its start and give-back at its end. */
void cs_plan_prof(cs_sched_ctx *c, uint32_t jid, int add)
{
	const cs_job *j = &c->jobs[jid];
	cs_placement p = placement_of(c, jid);
	cs_time s = c->plan_start[jid];
	for (uint32_t k = 0; k < p.n; k++) {
		prof_event(c, &p.slots[k], s, -1, 0, add);
		prof_event(c, &p.slots[k], s + plan_len(j), +1, 0, add);
	}
}

/* Mute (mute != 0) jid's plan's events in the profile, in place, for a
 * search of an earlier plan (the profile as with the plan dropped), or
 * give them back: a search that finds none leaves the plan and the
 * profile as they were, without a drop and the same plan made again. A
 * search of some nodes only (only[0 .. n), only != NULL) reads no other
 * node's profile: the plan's other nodes are left as they are. */
void cs_plan_mute(cs_sched_ctx *c, uint32_t jid, int mute, const uint32_t *only, uint32_t n)
{
	struct planner *pl = c->pl;
	const cs_job *j = &c->jobs[jid];
	cs_placement p = placement_of(c, jid);
	cs_time s = c->plan_start[jid];
	if (mute && only) {
		new_marks(c);
		for (uint32_t i = 0; i < n; i++)
			pl->mark[only[i]] = pl->gen;
	}
	for (uint32_t k = 0; k < p.n; k++) {
		const cs_slot *sl = &p.slots[k];
		uint32_t *at = &pl->muted[2 * k];
		if (mute ? only && pl->mark[sl->node] != pl->gen : at[0] == UINT32_MAX) {
			at[0] = at[1] = UINT32_MAX; /* a node the search does not read */
			continue;
		}
		for (int end = 0; end < 2; end++) {
			int sign = end ? +1 : -1;
			cs_nprof_ev e = { end ? s + plan_len(j) : s, sign * (int32_t)cs_slot_gpus(sl), sign * (int32_t)sl->cores,
					  sign * (int32_t)sl->mem_mib, 0 };
			if (mute) {
				long i = cs_nprof_mute_in(&pl->prof, sl->node, &e);
				at[end] = i < 0 ? UINT32_MAX : (uint32_t)i; /* (it is there) */
			} else if (at[end] != UINT32_MAX) {
				cs_nprof_unmute(&pl->prof, sl->node, at[end], &e);
			}
		}
		if (mute)
			pl->mver[k] = pl->pver[sl->node];
		lb_touch(c, pl, sl->node);
		if (!mute)
			pl->pver[sl->node] = pl->mver[k];
	}
}

void cs_plan_down(cs_sched_ctx *c, int add)
{
	struct cs_fail_piece *pc;
	size_t n = cs_fail_pieces(c, &pc);
	for (size_t i = 0; i < n; i++)
		prof_event(c, &pc[i].s, pc[i].t, +1, 0, add);
}

void cs_plan_broken(cs_sched_ctx *c)
{
	if (!c->pl)
		return;
	c->pl->epoch++;
	c->pl->worse_epoch = c->pl->epoch;
}

/* jid's plan in the sets a walk reads (cs_ctx_plan_next), or out. */
void cs_plan_visit(cs_sched_ctx *c, uint32_t jid, uint64_t mask, int add)
{
	struct planner *pl = c->pl;
	if (!pl->tplan)
		return;
	if (pl->ix_type)
		cs_plan_ix_plan(c, jid, mask, add);
	for (uint32_t t = 0; t < pl->ntypes; t++)
		if (mask >> t & 1)
			(add ? cs_hbm_set : cs_hbm_clear)(&pl->tplan[t], jid);
	if (add) {
		cs_hbm_set(&pl->allp, jid);
	} else {
		cs_hbm_clear(&pl->allp, jid);
		cs_hbm_clear(&pl->tovisit, jid);
	}
}

/* cs_plan_drop less the plan's profile events (taken out already). */
static void drop_rest(cs_sched_ctx *c, uint32_t jid)
{
	if (c->pc)
		cs_pcap_plan(c, jid, 0);
	if (c->pl)
		cs_plan_visit(c, jid, c->pl->pmask[c->plan_pos[jid]], 0);
	size_t i = c->plan_pos[jid], last = --c->nplanned;
	c->planned[i] = c->planned[last];
	c->plan_pos[c->planned[i]] = (uint32_t)i;
	if (c->pl) {
		cs_plan_pbits(c->pl, i, c->pl->pmask[i], 0);
		cs_plan_pbits(c->pl, last, c->pl->pmask[last], 0);
		if (i != last)
			cs_plan_pbits(c->pl, i, c->pl->pmask[last], 1);
		c->pl->pstart[i] = c->pl->pstart[last];
		c->pl->pmask[i] = c->pl->pmask[last];
	}
	c->plan_start[jid] = -1;
}

void cs_plan_drop(cs_sched_ctx *c, uint32_t jid)
{
	if (c->pl)
		cs_plan_prof(c, jid, 0);
	drop_rest(c, jid);
}

/* cs_plan_mute(c, jid, 0, ..) then cs_plan_drop(c, jid), the same
 * profiles, stamps and clock: a muted event is taken out at the index
 * cs_nprof_mute found, the one cs_nprof_remove finds once it is given
 * back (the last equal one at its time; the profile did not change
 * since). A slot's end is after its start (plan_len > 0), so its start's
 * removal moves its end back by one; a placement's nodes differ. */
void cs_plan_unmute_drop(cs_sched_ctx *c, uint32_t jid)
{
	struct planner *pl = c->pl;
	cs_placement p = placement_of(c, jid);
	for (uint32_t k = 0; k < p.n; k++) {
		const uint32_t *at = &pl->muted[2 * k];
		if ((at[0] == UINT32_MAX) != (at[1] == UINT32_MAX) || plan_len(&c->jobs[jid]) <= 0) {
			cs_plan_mute(c, jid, 0, NULL, 0);
			cs_plan_drop(c, jid);
			return;
		}
	}
	/* a muted event's amounts are none: taken out, no bound moves (those
	 * worked out while muted are of the profile without the plan) */
	for (uint32_t k = 0; k < p.n; k++) /* the give-back's stamps */
		if (pl->muted[2 * k] != UINT32_MAX)
			prof_touched(c, pl, p.slots[k].node);
	cs_time s = c->plan_start[jid], e = s + plan_len(&c->jobs[jid]);
	for (uint32_t k = 0; k < p.n; k++) {
		const uint32_t *at = &pl->muted[2 * k];
		uint32_t node = p.slots[k].node;
		if (at[0] == UINT32_MAX) {
			prof_event(c, &p.slots[k], s, -1, 0, 0);
			prof_event(c, &p.slots[k], e, +1, 0, 0);
			continue;
		}
		cs_nprof_remove_at_in(&pl->prof, node, at[0]);
		prof_touched(c, pl, node);
		cs_nprof_remove_at_in(&pl->prof, node, at[1] - 1);
		prof_touched(c, pl, node);
	}
	drop_rest(c, jid);
}

/* node freed in epoch: to the front of its type's list (pl->flast). */
static void freed_to_front(cs_sched_ctx *c, uint32_t node, uint64_t epoch)
{
	struct planner *pl = c->pl;
	if (!pl->tlast)
		return;
	uint32_t t = c->node_type[node];
	struct pflast *x = &pl->flast[node];
	if (!x->seq || pl->tlast[t] != node) {
		if (x->seq) { /* out of its place (behind the front: a newer one) */
			pl->flast[x->newer].older = x->older;
			if (x->older != c->nnodes)
				pl->flast[x->older].newer = x->newer;
		}
		x->older = pl->tlast[t]; /* at the front */
		x->newer = UINT32_MAX;
		if (x->older != c->nnodes)
			pl->flast[x->older].newer = node;
		pl->tlast[t] = node;
	}
	x->epoch = epoch;
	x->seq = ++pl->fseq;
}

/* Capacity came back on these nodes (slots, or node numbers): a new
 * epoch, in which plans may move earlier, onto one of them. */
void cs_plan_freed(cs_sched_ctx *c, const cs_slot *slots, const uint32_t *nodes, uint32_t n)
{
	struct planner *pl = c->pl;
	if (!pl)
		return;
	pl->epoch++;
	if (pl->nfreed + n > pl->freed_cap) {
		/* what every plan has seen is not needed any more */
		uint64_t lo = pl->epoch;
		for (size_t i = 0; i < c->nplanned; i++)
			lo = pl->epoch_of[c->planned[i]] < lo ? pl->epoch_of[c->planned[i]] : lo;
		size_t k = 0;
		for (size_t i = 0; i < pl->nfreed; i++)
			if (pl->freed[i].epoch > lo)
				pl->freed[k++] = pl->freed[i];
		pl->nfreed = k;
		if (grow((void **)&pl->freed, &pl->freed_cap, pl->nfreed + n, sizeof *pl->freed) < 0) {
			c->failed = -CS_ENOMEM;
			return;
		}
	}
	uint64_t types = 0;
	/* the plans these nodes may move are found when the next walk starts
	 * or, in a walk, at its next step, by the sets (plan_index.c,
	 * visits_of_freed: under a backlog a moved plan's freeing may move
	 * few of the hundreds of plans on its types); where every plan is
	 * visited, each plan on their types is to visit */
	int later = pl->fpend && !c->plain && !c->pc && !c->nm->nresv && !c->plan_all;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t node = slots ? slots[i].node : nodes[i];
		pl->freed[pl->nfreed++] = (struct pfreed){ pl->epoch, node };
		freed_to_front(c, node, pl->epoch);
		pl->type_freed_epoch[c->node_type[node]] = pl->epoch;
		if (later) {
			if (!pl->fpend_in[node]) {
				pl->fpend_in[node] = 1;
				pl->fpend[pl->nfpend++] = node;
			}
		} else if (pl->tplan) {
			types |= 1ull << c->node_type[node];
		}
	}
	/* every plan on those types is older than this epoch: to visit */
	for (; types; types &= types - 1)
		cs_hbm_or(&pl->tovisit, &pl->tplan[__builtin_ctzll(types)]);
}

/* How many of the listed nodes of type t (their free amounts f now), freed
 * since jid's plan (visited in tovisit's mode: its epoch at least the
 * worse one) was made or last visited, may count as holding it earlier?
 * Its own among them (a plan of one node: where it may), and those whose
 * runs show a window for it before the plan; UINT32_MAX where its last
 * search saw enough open (nothing_earlier searches) or it is not known.
 * The others hold it no more now, or at a later visit, unless freed
 * again (capacity comes back on a node only by a freeing; the time
 * moving on takes windows away), so nothing_earlier counts no more of
 * them than these. */
static inline uint32_t may_move_onto(cs_sched_ctx *c, uint32_t jid, uint32_t t, const uint32_t *nodes,
				     const cs_nprof_amt *f, uint32_t n, uint64_t fbloom)
{
	struct planner *pl = c->pl;
	const struct pvis *v = &pl->pvis[jid];
	if ((v->nodes > 1 && pl->open_max[jid] >= v->nodes) || v->lv <= 0)
		return UINT32_MAX;
	uint32_t got = 0;
	if (v->bloom & fbloom) {
		/* (one of its nodes may be listed) */
		cs_placement p = placement_of(c, jid);
		for (uint32_t k = 0; k < p.n; k++) {
			uint32_t node = p.slots[k].node;
			got += pl->fpend_in[node] && c->node_type[node] == t &&
			       (v->nodes > 1 || own_window_before(c, node, v->lv, v->d, c->plan_start[jid]));
		}
	}
	cs_time s = c->plan_start[jid];
	for (uint32_t i = 0; i < n; i++)
		got += !cs_plan_nowin(c, nodes[i], v->lv, v->d, &f[i], s);
	return got;
}

/* (tests: each plan on a freed type asked one by one too, as before the
 * sets of plan_index.c, and the answers compared) */
static _Thread_local int ix_check;
static _Thread_local uint64_t ix_asked, ix_differ;
void cs_plan_ix_check(int on) { ix_check = on; }
uint64_t cs_plan_ix_asked(void) { return ix_asked; }
uint64_t cs_plan_ix_differ(void) { return ix_differ; }

/* The check's per-job scratch (ix_want, ix_mark, ix_sum), made when it
 * is first asked (a run without the check has none): 0 if out of
 * memory (c->failed). (Out of line: inlined in the walk's step it cost
 * 2.9 M on the year under conservative.) */
static __attribute__((noinline, cold)) int ix_scratch(cs_sched_ctx *c)
{
	struct planner *pl = c->pl;
	if (pl->ix_mark)
		return 1;
	pl->ix_want = malloc((pl->njobs + 1) * sizeof *pl->ix_want);
	pl->ix_sum = malloc((pl->njobs + 1) * sizeof *pl->ix_sum);
	pl->ix_mark = calloc(pl->njobs + 1, sizeof *pl->ix_mark);
	if (pl->ix_want && pl->ix_sum && pl->ix_mark)
		return 1;
	free(pl->ix_want);
	free(pl->ix_sum);
	free(pl->ix_mark);
	pl->ix_want = pl->ix_sum = NULL;
	pl->ix_mark = NULL;
	c->failed = -CS_ENOMEM;
	return 0;
}

/* The freed nodes[0 .. n) of type t into pl->fpend_t and their free
 * amounts now into f: their count. */
static inline __attribute__((always_inline)) uint32_t freed_of_type(cs_sched_ctx *c, uint32_t t, const uint32_t *nodes,
									uint32_t n, cs_nprof_amt *f)
{
	struct planner *pl = c->pl;
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++)
		if (c->node_type[nodes[i]] == t) {
			pl->fpend_t[k] = nodes[i];
			f[k++] = node_free_now(c, nodes[i]);
		}
	return k;
}

/* (tests) may_move_onto's counts for the plans on t (its k freed nodes in
 * fpend_t), asked one by one as before the sets and added up over the
 * freed types in ix_sum; in ix_mark whether the plan may move (2: the
 * counts so far reach its ix_left, as may_hold asks; 1 stands), those
 * first asked listed in ix_want from na: the new count. */
static uint32_t ask_each_marked(cs_sched_ctx *c, uint32_t t, const cs_nprof_amt *f, uint32_t k, uint64_t fbloom,
				uint32_t na)
{
	struct planner *pl = c->pl;
	const cs_hbm *tp = &pl->tplan[t];
	for (long j = cs_hbm_next(tp, 0); j >= 0; j = cs_hbm_next(tp, (uint32_t)j + 1))
		if (!cs_hbm_test(&pl->tovisit, (uint32_t)j) && pl->ix_mark[j] != 2) {
			if (!pl->ix_mark[j]) {
				pl->ix_want[na++] = (uint32_t)j;
				pl->ix_sum[j] = 0;
			}
			uint64_t got = may_move_onto(c, (uint32_t)j, t, pl->fpend_t, f, k, fbloom);
			got = got == UINT32_MAX ? got : got + pl->ix_sum[j];
			pl->ix_sum[j] = got > UINT32_MAX ? UINT32_MAX : (uint32_t)got;
			pl->ix_mark[j] = (uint8_t)(1 + (got >= pl->ix_left[j]));
		}
	return na;
}

/* At a walk's start, and at its next step after a freeing in it: the
 * plans on the types of the nodes freed since that may move onto them
 * (may_move_onto's counts, kept since each plan was made or last visited
 * and found by plan_index.c's sets, reach its node count less its
 * open_max), into tovisit. Every other plan on those types would stand
 * when this walk visits it (nothing_earlier: fewer of the nodes freed
 * since it was made or last visited than it needs hold it before its
 * start, and no more of the others do than then), and at any later
 * visit, so the walk visits the plans that change, in the same order.
 * Those left out keep their epoch: a later visit asks about these nodes
 * again, and finds no more (none was freed again) and the same plan. */
static void visits_of_freed(cs_sched_ctx *c)
{
	struct planner *pl = c->pl;
	uint32_t *nodes = pl->fpend, n = pl->nfpend, na = 0;
	cs_nprof_amt *f = pl->fpend_f;
	uint64_t types = 0, fbloom = 0;
	for (uint32_t i = 0; i < n; i++) {
		types |= 1ull << c->node_type[nodes[i]];
		fbloom |= 1ull << (nodes[i] & 63);
	}
	int check = ix_check && pl->ix_type && ix_scratch(c); /* (tests: first each plan asked one by one, as without the sets) */
	for (uint64_t ts = check ? types : 0; ts; ts &= ts - 1) {
		uint32_t t = (uint32_t)__builtin_ctzll(ts);
		na = ask_each_marked(c, t, f, freed_of_type(c, t, nodes, n, f), fbloom, na);
	}
	for (uint64_t ts = types; ts; ts &= ts - 1) {
		uint32_t t = (uint32_t)__builtin_ctzll(ts), k = freed_of_type(c, t, nodes, n, f);
		cs_plan_ix_visits(c, t, pl->fpend_t, f, k);
	}
	for (uint32_t i = 0; i < na; i++) {
		uint32_t j = pl->ix_want[i];
		ix_differ += (pl->ix_mark[j] == 2) != (cs_hbm_test(&pl->tovisit, j) != 0);
		pl->ix_mark[j] = 0;
	}
	ix_asked += na;
	for (uint32_t i = 0; i < n; i++)
		pl->fpend_in[nodes[i]] = 0;
	pl->nfpend = 0;
}

int cs_plan_on(cs_sched_ctx *c)
{
	struct planner *pl = calloc(1, sizeof *pl);
	if (!pl)
		return -CS_ENOMEM;
	c->pl = pl;
	uint32_t nn = c->nnodes, maxn = 1;
	for (size_t i = 0; i < c->njobs; i++)
		maxn = c->jobs[i].nodes > maxn ? c->jobs[i].nodes : maxn;
	for (uint32_t i = 0; i < nn; i++) {
		uint32_t t = cs_alloc_node_type(c->A, i);
		pl->ntypes = t + 1 > pl->ntypes ? t + 1 : pl->ntypes;
	}
	const cs_node_machine *m = c->nm;
	size_t nref = 0;
	for (size_t r = 0; r < m->nresv; r++)
		nref += m->resv[r].nnodes;
	pl->epoch_of = calloc(c->njobs + 1, sizeof *pl->epoch_of);
	pl->open_max = calloc(c->njobs + 1, sizeof *pl->open_max);
	pl->pstart = malloc((c->njobs + 1) * sizeof *pl->pstart);
	pl->njobs = c->njobs;
	pl->near_of = calloc(c->njobs + 1, sizeof *pl->near_of);
	pl->near_n = calloc(c->njobs + 1, sizeof *pl->near_n);
	pl->near = malloc(((size_t)nn + 1) * sizeof *pl->near);
	pl->only = malloc(((size_t)nn + 1) * sizeof *pl->only);
	pl->pmask = malloc((c->njobs + 1) * sizeof *pl->pmask);
	pl->type_freed_epoch = calloc((size_t)pl->ntypes + 1, sizeof *pl->type_freed_epoch);
	pl->type_first = calloc((size_t)pl->ntypes + 2, sizeof *pl->type_first);
	pl->type_nodes = malloc(((size_t)nn + 1) * sizeof *pl->type_nodes);
	pl->resv_first = calloc((size_t)nn + 2, sizeof *pl->resv_first);
	pl->resv_of = malloc((nref + 1) * sizeof *pl->resv_of);
	pl->nodes = malloc(maxn * sizeof *pl->nodes);
	pl->old_nodes = malloc(maxn * sizeof *pl->old_nodes);
	pl->muted = malloc(2 * (size_t)maxn * sizeof *pl->muted);
	pl->mver = malloc(maxn * sizeof *pl->mver);
	pl->cand = malloc(((size_t)nn + 1) * sizeof *pl->cand);
	pl->pn = malloc(((size_t)nn + 1) * sizeof *pl->pn);
	pl->fnodes = malloc(((size_t)nn + 1) * sizeof *pl->fnodes);
	pl->fs_nodes = malloc(((size_t)nn + 1) * sizeof *pl->fs_nodes);
	pl->fs_ep = malloc(((size_t)nn + 1) * sizeof *pl->fs_ep);
	pl->fs_ver = 1;
	int lb_on = c->plan_bounds < 0 ? nn >= LB_MIN_NODES : c->plan_bounds;
	for (pl->P = 1; pl->P < nn; pl->P *= 2)
		;
	if (lb_on) {
		pl->lb = malloc((size_t)LB_TREES * 2 * pl->P * sizeof *pl->lb);
		pl->lb_dirty = malloc(((size_t)nn * LB_LEVELS + 1) * sizeof *pl->lb_dirty);
		pl->nlb_dirty = calloc((size_t)LB_LEVELS * pl->ntypes + 1, sizeof *pl->nlb_dirty);
		pl->lb_stale = calloc((size_t)nn + 1, sizeof *pl->lb_stale);
		pl->lb_listed = calloc((size_t)nn + 1, 1);
		pl->lb_pend = calloc((size_t)nn + 1, sizeof *pl->lb_pend);
		pl->nlb_nodes = nn;
		pl->lb_tlist = malloc(((size_t)nn * LB_TREES + 1) * sizeof *pl->lb_tlist);
		pl->lb_cores = calloc((size_t)pl->ntypes + 1, 1);
		pl->lb_leaf = malloc(((size_t)nn + 1) * sizeof *pl->lb_leaf);
		pl->lb_job = malloc(c->njobs + 1);
	}
	pl->sh = malloc((2 * (size_t)pl->P + 1) * sizeof *pl->sh);
	pl->h1 = malloc(((size_t)nn + 1) * sizeof *pl->h1);
	pl->h2 = malloc((2 * (size_t)nn + 1) * sizeof *pl->h2);
	pl->mark = calloc((size_t)nn + 1, sizeof *pl->mark);
	pl->pver = calloc((size_t)nn + 1, sizeof *pl->pver);
	/* (in whole lines: a look-up reads one, and a slot's) */
	pl->nw = aligned_alloc(_Alignof(struct nwnode), ((size_t)nn + 1) * sizeof *pl->nw);
	if (pl->nw)
		memset(pl->nw, 0, ((size_t)nn + 1) * sizeof *pl->nw);
	pl->nowin = calloc((size_t)nn + 1, sizeof *pl->nowin);
	pl->aside = malloc(((size_t)nn + 1) * sizeof *pl->aside);
	pl->nleaves = cs_alloc_nleaves(c->A);
	pl->lpb = cs_alloc_leaves_per_block(c->A);
	pl->lcnt = calloc((size_t)pl->nleaves + 1, sizeof *pl->lcnt);
	pl->bcnt = calloc((size_t)pl->nleaves + 1, sizeof *pl->bcnt);
	pl->ltouch = malloc(((size_t)pl->nleaves + 1) * sizeof *pl->ltouch);
	pl->lorder = malloc(((size_t)pl->nleaves + 1) * sizeof *pl->lorder);
	pl->tnodes = malloc(((size_t)nn + 1) * sizeof *pl->tnodes);
	if (!pl->lcnt || !pl->bcnt || !pl->ltouch || !pl->lorder || !pl->tnodes)
		return -CS_ENOMEM;
	if (cs_nprof_init(&pl->prof, nn) < 0 || !pl->epoch_of || !pl->open_max || !pl->pstart || !pl->pmask || !pl->near_of || !pl->near_n || !pl->near || !pl->only || !pl->type_freed_epoch || !pl->type_first || !pl->type_nodes ||
	    !pl->resv_first || !pl->resv_of || !pl->nodes || !pl->old_nodes || !pl->muted || !pl->mver || !pl->cand || !pl->pn || !pl->fnodes || !pl->fs_nodes || !pl->fs_ep ||
	    (lb_on && (!pl->lb || !pl->lb_dirty || !pl->nlb_dirty || !pl->lb_stale || !pl->lb_listed || !pl->lb_pend || !pl->lb_tlist || !pl->lb_cores || !pl->lb_leaf || !pl->lb_job)) || !pl->sh || !pl->h1 || !pl->h2 || !pl->mark || !pl->pver || !pl->nw || !pl->nowin || !pl->aside)
		return -CS_ENOMEM;
	if (pl->ntypes <= 64) {
		pl->tplan = calloc(pl->ntypes ? pl->ntypes : 1, sizeof *pl->tplan);
		pl->tlast = malloc(((size_t)pl->ntypes + 1) * sizeof *pl->tlast);
		pl->flast = calloc((size_t)nn + 1, sizeof *pl->flast);
		pl->pwords = (c->njobs + 64) / 64;
		pl->pbits = calloc((pl->ntypes ? pl->ntypes : 1) * pl->pwords, sizeof *pl->pbits);
		if (!pl->tplan || !pl->tlast || !pl->flast || !pl->pbits)
			return -CS_ENOMEM;
		for (uint32_t t = 0; t < pl->ntypes; t++)
			pl->tlast[t] = nn; /* (the lists' end: flast[nn], zeroed) */
		for (uint32_t t = 0; t < pl->ntypes; t++)
			if (cs_hbm_init(&pl->tplan[t], (uint32_t)c->njobs + 1) < 0)
				return -CS_ENOMEM;
		if (cs_hbm_init(&pl->allp, (uint32_t)c->njobs + 1) < 0 || cs_hbm_init(&pl->tovisit, (uint32_t)c->njobs + 1) < 0)
			return -CS_ENOMEM;
		pl->fpend = malloc(((size_t)nn + 1) * sizeof *pl->fpend);
		pl->fpend_in = calloc((size_t)nn + 1, 1);
		pl->fpend_t = malloc(((size_t)nn + 1) * sizeof *pl->fpend_t);
		pl->fpend_f = malloc(((size_t)nn + 1) * sizeof *pl->fpend_f);
		pl->pvis = malloc((c->njobs + 1) * sizeof *pl->pvis);
		if (!pl->fpend || !pl->fpend_in || !pl->fpend_t || !pl->fpend_f || !pl->pvis ||
		    cs_plan_ix_on(pl, nn) < 0)
			return -CS_ENOMEM;
	}
	pl->overdue_pass = UINT64_MAX;
	/* nodes by type, ascending within a type */
	for (uint32_t i = 0; i < nn; i++)
		pl->type_first[cs_alloc_node_type(c->A, i) + 2]++;
	for (uint32_t t = 0; t < pl->ntypes; t++)
		pl->type_first[t + 2] += pl->type_first[t + 1];
	for (uint32_t i = 0; i < nn; i++)
		pl->type_nodes[pl->type_first[cs_alloc_node_type(c->A, i) + 1]++] = i;
	for (uint32_t k = 0; lb_on && k < nn; k++) {
		pl->lb_leaf[pl->type_nodes[k]] = (pl->P + k) * 2; /* (its kind below, once known) */
		pl->lb_stale[k] = LB_ALL; /* every bound to be worked out */
		pl->lb_listed[k] = LB_ROWS;
		for (unsigned r = 0; r < LB_LEVELS; r++)
			pl->lb_dirty[(size_t)r * nn + k] = pl->type_nodes[k];
	}
	for (uint32_t y = 0; lb_on && y < pl->ntypes; y++)
		for (unsigned r = 0; r < LB_LEVELS; r++)
			pl->nlb_dirty[r * pl->ntypes + y] = pl->type_first[y + 1] - pl->type_first[y];
	for (size_t k = 0; lb_on && k < (size_t)LB_TREES * 2 * pl->P; k++)
		pl->lb[k] = CS_TIME_MAX;
	for (size_t i = 0; lb_on && i < c->njobs; i++)
		pl->lb_job[i] = cs_plan_lb_job(&c->jobs[i]);
	/* reservations by node */
	for (size_t r = 0; r < m->nresv; r++)
		for (uint32_t i = 0; i < m->resv[r].nnodes; i++)
			pl->resv_first[m->resv[r].nodes[i] + 2]++;
	for (uint32_t i = 0; i < nn; i++)
		pl->resv_first[i + 2] += pl->resv_first[i + 1];
	for (size_t r = 0; r < m->nresv; r++)
		for (uint32_t i = 0; i < m->resv[r].nnodes; i++)
			pl->resv_of[pl->resv_first[m->resv[r].nodes[i] + 1]++] = (uint32_t)r;
	cs_runset_it w;
	for (const run_ent *re = cs_runset_begin(&w, &c->run); re; re = cs_runset_next(&w))
		cs_plan_running(c, re->jid, 1);
	if (c->fs)
		cs_plan_down(c, 1);
	if (lb_on) {
		/* a node type without GPUs: none free now, none given back */
		for (uint32_t t = 0; t < pl->ntypes; t++)
			pl->lb_cores[t] = 1;
		for (uint32_t i = 0; i < nn; i++) {
			const cs_nprof_node *nd = &pl->prof.node[i];
			int64_t g = node_free_now(c, i).g;
			for (uint32_t k = 0; k < nd->n; k++)
				g += nd->ev[k].g;
			if (g > 0)
				pl->lb_cores[c->node_type[i]] = 0;
		}
		for (uint32_t i = 0; i < nn; i++)
			pl->lb_leaf[i] |= pl->lb_cores[c->node_type[i]];
	}
	return c->failed ? -CS_ENOMEM : 0;
}

void cs_ctx_plan_search(cs_sched_ctx *c, int all) { c->plan_all = all != 0; }
void cs_ctx_plan_bounds(cs_sched_ctx *c, int mode) { c->plan_bounds = mode < 0 ? -1 : mode != 0; }

/* Plans by start time: a min-heap (dheap_push, dheap_pop). Ties in t pop
 * in some order: a walk takes every plan due by now at once, into a set
 * (tovisit). */
static inline int due_before(const struct pdue *a, const struct pdue *b) { return a->t < b->t; }
PLAN_HEAP(dheap_, struct pdue, due_before)

int cs_plan_due(struct planner *pl, cs_time t, uint32_t jid)
{
	if (grow((void **)&pl->dheap, &pl->dheap_cap, pl->ndheap + 1, sizeof *pl->dheap) < 0)
		return -1;
	dheap_push(pl->dheap, &pl->ndheap, (struct pdue){ t, jid });
	return 0;
}

long cs_ctx_plan_next(cs_sched_ctx *c, uint32_t from)
{
	struct planner *pl = c->pl;
	if (!pl)
		return -1; /* no plan made yet */
	if (pl->nx_pass != c->st->passes || from < pl->nx_from) {
		/* a new walk */
		pl->nx_pass = c->st->passes;
		overdue(c);
		while (pl->ndheap && pl->dheap[0].t <= c->now) {
			struct pdue d = dheap_pop(pl->dheap, &pl->ndheap);
			if (c->plan_start[d.jid] == d.t)
				cs_hbm_set(&pl->tovisit, d.jid);
		}
		long lo = cs_hbm_next(&pl->allp, 0);
		pl->nx_full = lo < 0 || (uint32_t)lo >= from;
		pl->wsnap = pl->worse_epoch;
	}
	pl->nx_from = from;
	if (pl->nfpend)
		visits_of_freed(c);
	long best;
	if (!pl->tplan || c->nm->nresv || c->plan_all || c->plain || c->pc || pl->worse_epoch != pl->swept_worse) {
		best = cs_hbm_next(&pl->allp, from);
	} else {
		best = cs_hbm_next(&pl->tovisit, from);
	}
	if (best < 0 && pl->nx_full)
		pl->swept_worse = pl->wsnap; /* the walk passed every plan */
	return best;
}
