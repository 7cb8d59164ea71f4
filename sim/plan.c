/* capsim: the conservative planner (cs_ctx_plan): conservative backfilling
 * on the node model. The search for a plan's time and nodes is
 * plan_find.c's; the planner's state, its profile and the plans a pass
 * visits are plan_prof.c's.
 *
 * Every waiting job's plan is a start time and a set of nodes with its
 * per-node share, kept in the node availability profile (nodeprof.h)
 * beside the running jobs' give-backs. A plan is the earliest time at
 * which the job's nodes can hold it for its whole estimate with every
 * other plan, the running jobs (until their estimated ends) and the
 * advance reservations it may not use kept off.
 *
 * Plans hold while nothing frees capacity: a job ending before its
 * estimate, a job past its estimate (its expected end moves), a plan
 * dropped or moved. Each of those starts a new epoch; a plan made in an
 * older epoch is made again when asked for (in queue order, with every
 * other plan held, so no plan moves later: the compression), and a plan
 * of the current epoch is returned as it is, so a pass in which nothing
 * was freed costs O(queue). */
#include "plan_int.h"
#include "alloc/nodepick.h"
#include "isort.h"

#include <string.h>

/* Has a node job jid may use been freed since its plan was made? If not,
 * a search for an earlier plan finds none (the nodes it may use hold no
 * more than then, when nothing before its plan held it), and the same
 * plan would be made again. */
static int freed_for(const cs_sched_ctx *c, uint32_t jid)
{
	const struct planner *pl = c->pl;
	uint64_t mask = cs_place_mask(c, jid), e = pl->epoch_of[jid];
	if (mask == ~0ull) { /* every type */
		for (uint32_t t = 0; t < pl->ntypes; t++)
			if (pl->type_freed_epoch[t] > e)
				return 1;
		return 0;
	}
	for (mask &= pl->ntypes < 64 ? (1ull << pl->ntypes) - 1 : ~0ull; mask; mask &= mask - 1)
		if (pl->type_freed_epoch[__builtin_ctzll(mask)] > e)
			return 1;
	return 0;
}

/* Under the power cap, may jid start now on p (taken)? 0, or -CS_ENOFIT
 * with p given back. */
static int admit_now(cs_sched_ctx *c, uint32_t jid, cs_placement *p)
{
	if (!c->pc || cs_pcap_admit(c, jid, p->slots) == 0)
		return 0;
	cs_alloc_release(c->A, p);
	p->n = 0;
	return -CS_ENOFIT;
}

/* Can a new job jid not start now even with nothing set aside for the
 * plans? Where the allocator places by node type alone (first and best
 * fit: each node holds the job's share or not), a job that does not fit
 * what is free now fits no better with the plans' parts taken too, so
 * plan_place_now would fail: its walk of the plans is spared. Asked only
 * with plans to walk; the find takes nothing (a one-node try is given
 * back, as cs_alloc_find_types does), and not with advance reservations,
 * which a try keeps off. Where it fits, q->n is its node count and q the
 * placement a try would make now (else q->n is 0). */
static int cannot_fit_now(cs_sched_ctx *c, uint32_t jid, cs_placement *q)
{
	q->n = 0;
	if (!c->types_apart || c->plain || c->nm->nresv || !c->nplanned)
		return 0;
	int dry = c->dry;
	c->dry = 1;
	int rc = cs_place_types(c, jid, q);
	c->dry = dry;
	if (rc != 0)
		q->n = 0;
	return rc != 0;
}

/* What the plans need of node (free amounts f now) before e, set aside
 * (appended to aside): of what is free there, what the profile's least
 * over [now, e) does not leave, the lowest free GPUs and cores as the
 * allocator takes them, and memory; nothing where it leaves all. */
static inline __attribute__((always_inline)) void aside_part(cs_sched_ctx *c, uint32_t node, cs_nprof_amt f,
							     cs_time e, cs_placement *aside)
{
	cs_nprof_amt lo = cs_nprof_min(&c->pl->prof, node, f, c->now, c->now, e);
	int64_t xg = f.g - lo.g, xc = f.c - lo.c, xm = f.m - lo.m;
	if (xg <= 0 && xc <= 0 && xm <= 0)
		return;
	/* that many of the lowest free GPUs and cores, and memory */
	cs_slot part;
	cs_alloc_node_free(c->A, node, &part);
	uint16_t gm = 0;
	for (unsigned b = 0; b < CS_ALLOC_MAX_GPUS && xg > 0; b++)
		if (part.gpu_mask >> b & 1) {
			gm |= (uint16_t)(1u << b);
			xg--;
		}
	part.gpu_mask = gm;
	int masked = 0;
	for (unsigned w = 0; w < CS_ALLOC_CORE_WORDS; w++)
		masked |= part.core_mask[w] != 0;
	if (masked) {
		/* its lowest free cores, as the allocator takes them */
		uint64_t keep[CS_ALLOC_CORE_WORDS] = { 0 };
		unsigned want = xc <= 0 ? 0 : (unsigned)xc;
		part.cores = want - cs_take_low(part.core_mask, CS_ALLOC_CORE_WORDS, want, keep);
		memcpy(part.core_mask, keep, sizeof keep);
	} else {
		part.cores = xc <= 0 ? 0 : (xc < part.cores ? (uint32_t)xc : part.cores);
	}
	part.mem_mib = xm <= 0 ? 0 : (xm < part.mem_mib ? (uint32_t)xm : part.mem_mib);
	aside->slots[aside->n++] = part;
}

/* Into aside, the parts the plans starting before e need of the nodes
 * they hold (each node once: pl->mark, new_marks first): the plans read
 * in their order in planned[]; where the job's types (mask) are known
 * ones, only those of jobs that may use one of them (pl->pbits: the
 * others would be passed over by pmask); apart: only nodes that hold its
 * share (need) now. */
static __attribute__((noinline)) void aside_by_plans(cs_sched_ctx *c, cs_time e, uint64_t mask, int apart,
						     cs_nprof_amt need, cs_placement *aside)
{
	struct planner *pl = c->pl;
	/* read once: the loop's calls and stores change none of them */
	const cs_time *pstart = pl->pstart;
	const uint64_t *pmask = pl->pmask;
	size_t nplanned = c->nplanned, nw = (nplanned + 63) / 64;
	uint64_t known = pl->ntypes < 64 ? (1ull << pl->ntypes) - 1 : ~0ull;
	int by_type = pl->pbits && mask != ~0ull && !(mask & ~known);
	for (size_t pw = 0; pw < nw; pw++) {
		uint64_t bits = ~0ull;
		if (by_type) {
			bits = 0;
			for (uint64_t m = mask; m; m &= m - 1)
				bits |= pl->pbits[(size_t)__builtin_ctzll(m) * pl->pwords + pw];
		}
		if (pw == nw - 1 && nplanned % 64)
			bits &= (1ull << (nplanned % 64)) - 1;
		for (; bits; bits &= bits - 1) {
			size_t i = pw * 64 + (size_t)__builtin_ctzll(bits);
			if (pstart[i] >= e || !(pmask[i] & mask))
				continue;
			cs_placement pq = placement_of(c, c->planned[i]);
			for (uint32_t k = 0; k < pq.n; k++) {
				uint32_t node = pq.slots[k].node;
				/* (a node passed over is passed over each time it is
				 * met: only those taken are marked, taken once) */
				cs_nprof_amt f = node_free_now(c, node);
				if (apart && (f.g < need.g || f.c < need.c || f.m < need.m))
					continue;
				if (pl->mark[node] == pl->gen)
					continue;
				pl->mark[node] = pl->gen;
				aside_part(c, node, f, e, aside);
			}
		}
	}
}

/* Into aside, the parts of nodes[0 .. n) that hold a share need now.
 * (This and aside_by_plans out of line: with both walks inline in
 * plan_place_now, and the tests' copy, gcc called cs_take_low out of line
 * and the run cost 40 M more at 10x.) */
static __attribute__((noinline)) void aside_of_few(cs_sched_ctx *c, const uint32_t *nodes, uint32_t n,
						   cs_nprof_amt need, cs_time e, cs_placement *aside)
{
	for (uint32_t i = 0; i < n; i++) {
		cs_nprof_amt f = node_free_now(c, nodes[i]);
		if (f.g >= need.g && f.c >= need.c && f.m >= need.m)
			aside_part(c, nodes[i], f, e, aside);
	}
}

/* (tests: a plan made again to start now from the nodes with its GPUs
 * free also sets aside by the plans' walk, and the parts on its types are
 * compared, as sets) */
static _Thread_local int now_check;
static _Thread_local uint64_t now_asked, now_differ;
void cs_plan_now_check(int on) { now_check = on; }
uint64_t cs_plan_now_asked(void) { return now_asked; }
uint64_t cs_plan_now_differ(void) { return now_differ; }

static int slot_cmp(const void *x, const void *y)
{
	uint32_t a = ((const cs_slot *)x)->node, b = ((const cs_slot *)y)->node;
	return (a > b) - (a < b);
}

static void now_compare(cs_sched_ctx *c, cs_time e, uint64_t mask, cs_nprof_amt need, const cs_placement *aside)
{
	cs_slot *w = malloc(((size_t)c->nnodes + aside->n) * sizeof *w);
	if (!w) {
		c->failed = -CS_ENOMEM;
		return;
	}
	cs_placement all = { w, c->nnodes, 0 }, got = { w + c->nnodes, aside->n, aside->n };
	memcpy(got.slots, aside->slots, aside->n * sizeof *aside->slots);
	new_marks(c);
	aside_by_plans(c, e, mask, 1, need, &all);
	uint32_t n = 0; /* the parts on its types */
	for (uint32_t i = 0; i < all.n; i++)
		if (c->node_type[all.slots[i].node] < 64 && mask >> c->node_type[all.slots[i].node] & 1)
			all.slots[n++] = all.slots[i];
	qsort(all.slots, n, sizeof *w, slot_cmp);
	qsort(got.slots, got.n, sizeof *w, slot_cmp);
	int differ = n != got.n;
	for (uint32_t i = 0; !differ && i < n; i++) {
		const cs_slot *x = &all.slots[i], *y = &got.slots[i];
		differ = !cs_slot_same(x, y);
	}
	now_asked++;
	now_differ += (uint64_t)differ;
	free(w);
}

/* Place jid now with what other plans need over its estimate kept off,
 * node by node (the allocator's fit strategy chooses among the rest).
 * With q (q->n > 0: cannot_fit_now's placement, nothing changed since),
 * where the allocator proves a try would make q again with those parts
 * taken, q is taken as it is: none is set aside and no try made. */
static int plan_place_now(cs_sched_ctx *c, uint32_t jid, cs_placement *p, const cs_placement *q)
{
	struct planner *pl = c->pl;
	const cs_job *j = &c->jobs[jid];
	cs_time e = c->now + plan_len(j);
	cs_placement aside = { pl->aside, c->nnodes, 0 };
	/* where the allocator places by node type alone, plans on node types
	 * the job may not use change nothing of its placement */
	uint64_t mask = c->types_apart && !c->plain ? cs_place_mask(c, jid) : ~0ull;
	/* and there a node that cannot hold its share now is not chosen,
	 * whatever is set aside on it: nothing is */
	int apart = c->types_apart && !c->plain;
	cs_nprof_amt need = job_need(j);
	uint64_t known = pl->ntypes < 64 ? (1ull << pl->ntypes) - 1 : ~0ull;
	/* A plan made again to start now (no q) of a job with GPUs: under a
	 * backlog few nodes of its types hold its share now (9 at 10x, against
	 * 83 met through 51 plans), and only those take a part (apart); none
	 * takes one without a plan's take there before e (the profile's only
	 * takes), and the nodes of other types those plans meet change nothing
	 * of its placement, as above. So the nodes with its GPUs free now,
	 * listed by the allocator, where there are few: the same parts on its
	 * types, in another order (each on a node of its own: the takes, the
	 * try and the give-backs come to the same). */
	enum { NOW_FEW = 64 };
	uint32_t few[NOW_FEW], nfew = NOW_FEW + 1;
	if (!q && apart && mask != ~0ull && !(mask & ~known) && need.g > 0 && !c->xh_building) {
		nfew = 0;
		for (uint64_t m = mask; m && nfew <= NOW_FEW; m &= m - 1)
			nfew += cs_alloc_nodes_gpus_free(c->A, (uint32_t)__builtin_ctzll(m), (unsigned)need.g, few + nfew,
							 NOW_FEW - nfew);
	}
	if (nfew <= NOW_FEW) {
		aside_of_few(c, few, nfew, need, e, &aside);
		if (now_check)
			now_compare(c, e, mask, need, &aside);
	} else {
		new_marks(c);
		aside_by_plans(c, e, mask, apart, need, &aside);
	}
	if (q && q->n && !c->xh_building) {
		cs_request rq = cs_job_request(j);
		if (cs_alloc_choice_stands(c->A, &rq, q, aside.slots, aside.n)) {
			memcpy(p->slots, q->slots, q->n * sizeof *q->slots);
			p->n = q->n;
			cs_alloc_take_known(c->A, p); /* found just now: free */
			c->resv_hit = 0; /* as the try (no reservations here) */
			return admit_now(c, jid, p);
		}
	}
	cs_alloc_take_known(c->A, &aside); /* each part is free now, on a node of its own */
	int rc = cs_place_try_at(c, jid, p, c->now);
	cs_alloc_release(c->A, &aside);
	return rc == 0 ? admit_now(c, jid, p) : rc;
}

static int same_nodes(const cs_sched_ctx *c, uint32_t jid, const uint32_t *nodes)
{
	cs_placement p = placement_of(c, jid);
	for (uint32_t k = 0; k < p.n; k++)
		if (p.slots[k].node != nodes[k])
			return 0;
	return 1;
}

/* The nodes freed after epoch e, once each, the latest first, in out:
 * of the node types in mask where each type's nodes are listed by their
 * latest freeing (pl->flast: what the callers read of the others they
 * pass over), else of every type. Each one's latest freeing's epoch
 * (they never rise along the list: the nodes are read latest first) is
 * its pl->flast entry's where the types' lists are kept (pl->tlast), and
 * stands while no epoch starts (every freeing starts one); it is written
 * to pl->fs_ep only where it is read from the log of freeings (a store a
 * node in the walk of a type's list spared: 21.5 M in 30 days at 10x). */
static inline __attribute__((always_inline)) uint32_t freed_list_of(cs_sched_ctx *c, uint64_t e, uint64_t mask,
								     uint32_t *out)
{
	struct planner *pl = c->pl;
	uint64_t *ep = pl->fs_ep;
	uint32_t n = 0;
	if (!pl->tlast || c->plain || mask == ~0ull) {
		new_marks(c);
		for (size_t i = pl->nfreed; i-- > 0 && pl->freed[i].epoch > e;) {
			uint32_t node = pl->freed[i].node;
			if (pl->mark[node] != pl->gen) {
				pl->mark[node] = pl->gen;
				ep[n] = pl->freed[i].epoch;
				out[n++] = node;
			}
		}
		return n;
	}
	/* the lists of its types merged, the latest freeing first */
	const struct pflast *fl = pl->flast;
	uint32_t at[64], nt = 0;
	for (uint64_t m = pl->ntypes < 64 ? mask & ((1ull << pl->ntypes) - 1) : mask; m; m &= m - 1)
		if (pl->tlast[__builtin_ctzll(m)] != c->nnodes)
			at[nt++] = pl->tlast[__builtin_ctzll(m)];
	if (nt == 1) { /* one list: as it is (its end's epoch is no plan's) */
		for (uint32_t node = at[0]; fl[node].epoch > e; node = fl[node].older)
			out[n++] = node;
		return n;
	}
	for (;;) {
		uint32_t k = UINT32_MAX;
		uint64_t best = 0;
		for (uint32_t q = 0; q < nt; q++)
			if (fl[at[q]].seq > best) { /* (a list's end: seq 0) */
				k = q;
				best = fl[at[q]].seq;
			}
		if (k == UINT32_MAX || fl[at[k]].epoch <= e)
			break;
		uint32_t node = at[k];
		out[n++] = node;
		at[k] = fl[node].older;
	}
	return n;
}

/* freed_list_of into pl->fnodes (the plain engine, which asks for
 * these, keeps no list). */
static uint32_t freed_list(cs_sched_ctx *c, uint64_t e, uint64_t mask) { return freed_list_of(c, e, mask, c->pl->fnodes); }

/* The kept freed list (pl->fs_nodes, fs_n) made for e and mask if it
 * is not; it stands while no epoch started, and the list for a later
 * epoch e is its first nodes. */
static inline __attribute__((always_inline)) void fs_make(cs_sched_ctx *c, uint64_t e, uint64_t mask)
{
	struct planner *pl = c->pl;
	if (pl->fs_ok && pl->fs_epoch == pl->epoch && pl->fs_mask == mask && e >= pl->fs_eb) {
		if (pl->fs_e == e)
			return;
		/* the list for a later epoch: the first nodes of the longest
		 * one made, those freed after e (freed_list reads the same
		 * entries first, in the same order; each node's epoch as
		 * freed_list_of read it) */
		const struct pflast *fl = pl->flast;
		uint32_t lo = 0, hi = pl->fs_nb;
		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;
			if ((pl->tlast ? fl[pl->fs_nodes[mid]].epoch : pl->fs_ep[mid]) > e)
				lo = mid + 1;
			else
				hi = mid;
		}
		pl->fs_n = lo;
		pl->fs_e = e;
	} else {
		pl->fs_n = pl->fs_nb = freed_list_of(c, e, mask, pl->fs_nodes);
		pl->fs_epoch = pl->epoch;
		pl->fs_e = pl->fs_eb = e;
		pl->fs_mask = mask;
		pl->fs_ok = 1;
	}
	if (!pl->lb)
		return; /* (fs_ver: for fs_before, with bounds only) */
	if (++pl->fs_ver == 0)
		pl->fs_ver = 1;
}

/* freed_list's answer, from its last one while no epoch started and e
 * and mask are the same (not on the plain engine: it makes every one):
 * in *list, the kept list itself (pl->fs_nodes: read it, copy it to
 * change it) or, on the plain engine, pl->fnodes. */
static uint32_t freed_since(cs_sched_ctx *c, uint64_t e, uint64_t mask, const uint32_t **list)
{
	struct planner *pl = c->pl;
	*list = pl->fnodes;
	if (c->plain)
		return freed_list(c, e, mask);
	fs_make(c, e, mask);
	*list = pl->fs_nodes;
	return pl->fs_n;
}

/* Is the least bound (cs_plan_lb) in job trees tr of the nodes of the
 * kept freed list before old (a node without one counts as -1: its bound
 * is the time)? The list is read in order only until one is, and where it
 * stopped is kept per tree with the least so far while the list and its
 * nodes' profiles stand: a node's bound is worked out again only after
 * its profile changed (lb_touch), so the bounds read are those cs_plan_lb
 * would give, and a later question goes on from there. It goes on as well
 * in a list made again for another plan's epoch with the same epoch, mask
 * and profile clock (no freeing, no profile changed): freed_list walks
 * from the latest freeing back to the plan's epoch, so either list is the
 * other's first nodes; where the list is shorter than what was read and
 * none of those was before old, none of its nodes is. */
static __attribute__((noinline)) int fs_before(cs_sched_ctx *c, const cs_time *const tr[2], uint32_t bit,
						 cs_time old)
{
	struct planner *pl = c->pl;
	/* (y, a fresh start, is made only where it is used) */
#define FS_FRESH ((struct fsleast){ pl->fs_touch, pl->fs_epoch, pl->fs_mask, pl->pclock, CS_TIME_MAX, pl->fs_ver, 0 })
	struct fsleast y, *x = &y;
	if (tr[0] || tr[1]) { /* (not both: cs_plan_lb_trees) */
		x = &pl->fsl[tr[0] ? tr[0] - pl->lb : LB_TREES + (tr[1] - pl->lb)];
		if (x->ver != pl->fs_ver || x->touch != pl->fs_touch) {
			/* another list: the same nodes first (freed_list walks
			 * from the latest freeing back to the plan's epoch) */
			if (x->epoch != pl->fs_epoch || x->mask != pl->fs_mask || x->clock != pl->pclock)
				*x = FS_FRESH;
			else if (x->at > pl->fs_n && x->least >= old)
				return 0; /* (more nodes read than it has, none before) */
			else if (x->at > pl->fs_n)
				*x = FS_FRESH;
			else /* (the list's first at nodes, read) */
				x->ver = pl->fs_ver;
			x->touch = pl->fs_touch;
		}
	} else {
		y = FS_FRESH;
	}
#undef FS_FRESH
	cs_time least = x->least;
	uint32_t i = x->at;
	/* cs_plan_lb's steps (pl->lb is set where tr is), the arrays read
	 * once: a leaf worked out changes none of them */
	const uint32_t *fn = pl->fs_nodes, n = pl->fs_n, *leaf = pl->lb_leaf;
	const uint32_t *stale = pl->lb_stale;
	for (; i < n && least >= old; i++) {
		uint32_t node = fn[i], lf = leaf[node];
		const cs_time *t = tr[lf & 1];
		cs_time b = !t ? -1 : stale[node] & bit ? cs_plan_lb_redo(c, t, node) : t[(size_t)(lf >> 1) * LB_TREES];
		least = b < least ? b : least;
	}
	x->least = least;
	x->at = i;
	x->clock = pl->pclock; /* (the bounds' leaves change no profile) */
	return least < old;
}

/* How many of fn[0 .. n) hold a node's share of j for its
 * estimate at some time before bound? Counted up to enough, then stops.
 * A node marked in pl->mark with pl->gen (own != 0: the job's own plan's,
 * still in the profile) counts without a look (a plan of one node's: where
 * own_window_before says it may hold it); then the nodes looked at
 * that hold none are stamped in pl->nowin with pl->nowin_gen (those
 * looked at are fn[0 .. pl->wb_at), the others are not stamped). With lb
 * (n > 0), the bounds kept (pl->lb) pass over those whose bound is at or
 * after bound first. */
static inline __attribute__((always_inline)) uint32_t windows_in(cs_sched_ctx *c, const cs_job *j, const uint32_t *fn, uint32_t n, cs_time bound, uint32_t enough, int own, int lb)
{
	struct planner *pl = c->pl;
	cs_nprof_amt need = job_need(j);
	/* the nodes of types it may not use are left out (freed_since left
	 * them out already where it reads the types' lists) */
	uint64_t mask = c->plain || pl->tlast ? ~0ull : cs_place_mask(c, (uint32_t)(j - c->jobs));
	uint32_t got = 0;
	const cs_time *tr[2] = { NULL, NULL };
	uint32_t bit = lb ? cs_plan_lb_trees(pl, (uint32_t)(j - c->jobs), tr) : 0;
	int64_t lv = cs_plan_nowin_level(need);
	cs_time d = plan_len(j), now = c->now;
	/* read once: the loop's stores (pl->nowin) and calls change none */
	const uint32_t *mark = pl->mark, gen = pl->gen, ngen = pl->nowin_gen;
	uint32_t *nowin = pl->nowin;
	const uint64_t *pver = pl->pver;
	const struct nwnode *nw = pl->nw;
	const uint32_t *leaf = pl->lb_leaf, *stale = pl->lb_stale;
	int runs = !c->plain && lv > 0;
	uint32_t i = 0;
	for (; i < n; i++) {
		uint32_t node = fn[i];
		if (mask != ~0ull) {
			uint32_t t = c->node_type[node];
			if (t >= 64 || !(mask >> t & 1))
				continue; /* a node it may not use */
		}
		if (own && mark[node] == gen) {
			/* its own, counted as holding it; a plan of one node's
			 * where it may (own_window_before) */
			if ((j->nodes > 1 || own_window_before(c, node, lv, d, bound)) && ++got >= enough)
				break;
			continue;
		}
		/* a window before its bound? Not where the node's bounds or its
		 * runs (not on the plain engine) say there is none */
		if (!(lb && cs_plan_lb_of(c, leaf, stale, tr, bit, node) >= bound)) {
			cs_nprof_amt f = node_free_now(c, node);
			const struct nwslot *s = NULL;
			if (runs && !(s = nowin_last(nw, pver, now, node, lv, &f)))
				s = nowin_slot(c, node, lv, &f);
			if (!(s && nowin_first(s, d) >= bound) &&
			    cs_nprof_window_before(&pl->prof, node, f, now, need, d, bound)) {
				if (++got >= enough)
					break;
				continue;
			}
		}
		if (own)
			nowin[node] = ngen;
	}
	pl->wb_at = i < n ? i + 1 : n;
	return got;
}

/* windows_in, its loop made once with the bounds' test and once without,
 * chosen once a call: most runs keep no bounds, and the test in the loop
 * took registers its other steps want (the year: +41 M). */
static inline __attribute__((always_inline)) uint32_t windows_before(cs_sched_ctx *c, const cs_job *j, const uint32_t *fn, uint32_t n, cs_time bound, uint32_t enough, int own)
{
	if (!n)
		return 0;
	return c->pl->lb ? windows_in(c, j, fn, n, bound, enough, own, 1) : windows_in(c, j, fn, n, bound, enough, own, 0);
}

/* Start jid, taken where it is to run: its kept nodes are not needed
 * any more. */
static int start_planned(cs_sched_ctx *c, uint32_t jid, unsigned how)
{
	free(c->pl->near_of[jid]);
	c->pl->near_of[jid] = NULL;
	return cs_ctx_commit_start(c, jid, how, 0) < 0 ? -CS_ENOMEM : 1;
}

/* Keep the nodes of jid's last search that could hold it before its
 * plan (pl->near), if there are few enough. */
static void keep_near(cs_sched_ctx *c, uint32_t jid)
{
	struct planner *pl = c->pl;
	if (c->jobs[jid].nodes < 2 || c->plain)
		return;
	if (pl->nnear > NEAR_CAP) {
		free(pl->near_of[jid]);
		pl->near_of[jid] = NULL;
		return;
	}
	if (!pl->near_of[jid] && !(pl->near_of[jid] = malloc(NEAR_CAP * sizeof **pl->near_of))) {
		c->failed = -CS_ENOMEM;
		return;
	}
	memcpy(pl->near_of[jid], pl->near, pl->nnear * sizeof *pl->near);
	pl->near_n[jid] = pl->nnear;
}

static void forget_near(struct planner *pl, uint32_t jid)
{
	free(pl->near_of[jid]);
	pl->near_of[jid] = NULL;
}

/* jid's kept nodes and the nodes freed since (fl[0 .. nf)) of
 * the types it may use, each once, in pl->only, without those
 * nothing_earlier saw hold none (kept: the plan is to stand without a
 * search, and these are its nodes now; else for the search after
 * nothing_earlier); how many. A node seen to hold none before the plan
 * holds none later unless it is freed again (then it is among the nodes
 * freed since). */
static uint32_t near_and_freed(cs_sched_ctx *c, uint32_t jid, const uint32_t *fl, uint32_t nf, int kept)
{
	struct planner *pl = c->pl;
	new_marks(c);
	uint32_t n = 0;
	/* read once: the loops' stores (marks, only) change none of them */
	uint32_t *mark = pl->mark, *only = pl->only, gen = pl->gen, ngen = pl->nowin_gen;
	const uint32_t *nowin = pl->nowin, *nr = pl->near_of[jid], nn = pl->near_n[jid];
	for (uint32_t i = 0; i < nn; i++) {
		uint32_t node = nr[i];
		mark[node] = gen;
		if (nowin[node] != ngen)
			only[n++] = node;
	}
	uint64_t mask = pl->tlast ? ~0ull : cs_place_mask(c, jid); /* as in windows_before */
	const uint16_t *nt = c->node_type;
	/* (the freed nodes are listed once each: only the kept ones marked;
	 * the marks are not read after, every reader makes new ones) */
	if (mask == ~0ull) { /* (every type: no type read) */
		for (uint32_t i = 0; i < nf; i++) {
			uint32_t node = fl[i];
			if (mark[node] == gen || nowin[node] == ngen)
				continue;
			only[n++] = node;
		}
	} else {
		for (uint32_t i = 0; i < nf; i++) {
			uint32_t node = fl[i], t = nt[node];
			if (mark[node] == gen || nowin[node] == ngen || t >= 64 || !(mask >> t & 1))
				continue;
			only[n++] = node;
		}
	}
	if (kept) {
		if (n > NEAR_CAP) {
			forget_near(pl, jid);
		} else {
			memcpy(pl->near_of[jid], pl->only, n * sizeof *pl->only);
			pl->near_n[jid] = n;
		}
	}
	return n;
}

/* With its plan (at old > now) still in the profile and the nodes freed
 * since it was made in fl[0 .. nf) (pl->fnodes or the kept list): can the job have no earlier
 * plan? An earlier one needs its node count of nodes holding it at once
 * before old; of those not freed since, at most pl->open_max[jid] do
 * (pl->open_max); so it needs enough of the freed ones. Its own nodes
 * among them, under its plan, count as holding it. Then the plan is
 * what a search would make again (nothing earlier: the same time and
 * nodes), and the bound takes in the freed nodes that may hold it. */
static int nothing_earlier(cs_sched_ctx *c, uint32_t jid, const uint32_t *fl, uint32_t *nf, cs_time old)
{
	struct planner *pl = c->pl;
	const cs_job *j = &c->jobs[jid];
	if (++pl->nowin_gen == 0) {
		memset(pl->nowin, 0, c->nnodes * sizeof *pl->nowin);
		pl->nowin_gen = 1;
	}
	uint32_t m = j->nodes == 1 ? 0 : pl->open_max[jid];
	if (m >= j->nodes) {
		if (fl != pl->fnodes)
			memcpy(pl->fnodes, fl, *nf * sizeof *pl->fnodes);
		return 0;
	}
	new_marks(c);
	cs_placement q = placement_of(c, jid);
	for (uint32_t k = 0; k < q.n; k++)
		pl->mark[q.slots[k].node] = pl->gen;
	uint32_t got = windows_before(c, j, fl, *nf, old, j->nodes - m, 1);
	if (m + got >= j->nodes) {
		/* the search to come looks at the freed nodes not seen to hold
		 * none, in pl->fnodes (in place where fl is it: k <= i); those
		 * after the ones looked at were not stamped: moved as they are */
		uint32_t k = 0, at = pl->wb_at;
		for (uint32_t i = 0; i < at; i++)
			if (pl->nowin[fl[i]] != pl->nowin_gen)
				pl->fnodes[k++] = fl[i];
		memmove(pl->fnodes + k, fl + at, (*nf - at) * sizeof *fl);
		*nf = k + (*nf - at);
		return 0;
	}
	pl->open_max[jid] = m + got;
	if (j->nodes > 1 && pl->near_of[jid]) {
		/* the freed nodes are not "freed since" any more: its kept nodes
		 * and the freed ones, less those seen to hold none */
		uint32_t i = 0;
		while (i < *nf && pl->nowin[fl[i]] == pl->nowin_gen)
			i++;
		if (i < *nf) {
			near_and_freed(c, jid, fl, *nf, 1);
		} else { /* every freed node holds none: near_and_freed keeps the others, in order */
			uint32_t *nr = pl->near_of[jid], n = 0;
			for (i = 0; i < pl->near_n[jid]; i++)
				if (pl->nowin[nr[i]] != pl->nowin_gen)
					nr[n++] = nr[i];
			pl->near_n[jid] = n;
		}
	}
	return 1;
}

/* nothing_earlier's answer where the bounds settle it at once: with the
 * plan's node types read by their lists and bounds kept, none of its own
 * nodes among those freed since it was made and every freed node's bound
 * at or after old (the plan's start), none of them holds it before old:
 * nothing_earlier would count none and stamp them all, so its plan
 * stands (1) with open_max as it was and its kept nodes less the freed
 * ones, as near_and_freed would leave them. 0: not settled so, nothing
 * changed. */
static int none_freed_before(cs_sched_ctx *c, uint32_t jid, cs_time old)
{
	struct planner *pl = c->pl;
	const cs_job *j = &c->jobs[jid];
	if (!pl->lb || !pl->tlast || c->plain)
		return 0;
	uint32_t m = j->nodes == 1 ? 0 : pl->open_max[jid];
	if (m >= j->nodes)
		return 0;
	fs_make(c, pl->epoch_of[jid], cs_place_mask(c, jid));
	/* its own nodes first: one look each, where the bounds cost a walk
	 * of the list (and the answer is 0 whichever says so first) */
	cs_placement q = placement_of(c, jid);
	for (uint32_t k = 0; k < q.n; k++)
		if (fs_listed(c, q.slots[k].node))
			return 0;
	const cs_time *tr[2];
	uint32_t bit = cs_plan_lb_trees(pl, jid, tr);
	if (fs_before(c, tr, bit, old))
		return 0;
	pl->open_max[jid] = m;
	if (j->nodes > 1 && pl->near_of[jid]) {
		uint32_t *nr = pl->near_of[jid], n = 0;
		for (uint32_t i = 0; i < pl->near_n[jid]; i++)
			if (!fs_listed(c, nr[i]))
				nr[n++] = nr[i];
		pl->near_n[jid] = n;
	}
	return 1;
}

/* x[0 .. n) ascending: by insertion in runs of SORT_RUN keys (most sorts
 * are one run), merged through tmp (room for n where n > SORT_RUN) for the
 * longer ones (a node type's spans under a backlog: fifty and more), so
 * those cost n log n and not n^2. */
enum { SORT_RUN = 24 };
static void sort_keys(int64_t *x, int64_t *tmp, size_t n)
{
	CS_MSORT(int64_t, x, tmp, n, SORT_RUN, CS_ISORT_LT);
}

/* Can fewer than its node count of pl->only[0 .. n) hold job jid at once
 * before bound, its plan's start (the plan still in the profile)? A node
 * may hold it where its runs allow a window (cs_plan_nowin_spans; a job
 * needing neither GPUs nor cores: at any time, if it has a window); on
 * the plan's own nodes, which the search reads without the plan, a run
 * reaching bound may last for ever (before bound the two profiles are
 * the same). Then a search of them finds nothing earlier (1), and the
 * nodes that may hold it are in pl->near and the most that may at once in
 * pl->search_open, as the search would have left them at most. Else 0
 * with those nodes in pl->near, in their order in pl->only (the others
 * have no window before bound, with the plan or without: a search need
 * not read them), or -1: not known (a job needing neither, or out of
 * memory). */
static int too_few(cs_sched_ctx *c, uint32_t jid, uint32_t n, cs_time bound)
{
	struct planner *pl = c->pl;
	const cs_job *j = &c->jobs[jid];
	cs_nprof_amt need = job_need(j);
	int64_t lv = cs_plan_nowin_level(need);
	if (lv <= 0)
		return -1;
	const cs_time *tr[2] = { NULL, NULL };
	uint32_t bit = pl->lb ? cs_plan_lb_trees(pl, jid, tr) : 0;
	new_marks(c);
	cs_placement q = placement_of(c, jid);
	for (uint32_t k = 0; k < q.n; k++)
		pl->mark[q.slots[k].node] = pl->gen;
	pl->nnear = 0;
	pl->nsp = 0;
	cs_time d = plan_len(j);
	/* read once: the loop's stores and calls change none of them */
	const uint32_t *only = pl->only, *mark = pl->mark, gen = pl->gen, *leaf = pl->lb_leaf, *stale = pl->lb_stale;
	int lb = pl->lb != NULL;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t node = only[i];
		int own = mark[node] == gen;
		if (!own && lb && cs_plan_lb_of(c, leaf, stale, tr, bit, node) >= bound)
			continue;
		cs_nprof_amt f = node_free_now(c, node);
		int rc = cs_plan_nowin_spans(c, node, lv, d, &f, bound, own ? bound : CS_TIME_MAX);
		if (rc < 0)
			return -1;
		if (rc)
			pl->near[pl->nnear++] = node;
	}
	if (pl->nnear < j->nodes) {
		pl->search_open = pl->nnear;
		return 1;
	}
	/* where the latest start is before the earliest end, every span is
	 * open then (and most is their count, as the sweep below finds) */
	int64_t amax = INT64_MIN, zmin = INT64_MAX;
	for (size_t i = 0; i < pl->nsp; i++) {
		amax = pl->sp[i] > amax ? pl->sp[i] : amax;
		zmin = pl->sp_end[i] < zmin ? pl->sp_end[i] : zmin;
	}
	if (amax < zmin) {
		if (pl->nsp >= j->nodes)
			return 0;
		pl->search_open = (uint32_t)pl->nsp;
		return 1;
	}
	/* enough open at the latest start: the sweep would find as many */
	size_t at = 0;
	for (size_t i = 0; i < pl->nsp; i++)
		at += pl->sp_end[i] > amax;
	if (at >= j->nodes)
		return 0;
	/* the most spans open at once: edges by time, an end before a start
	 * (the starts and the ends each sorted, then merged; each span's end
	 * is after its start, so the ends never run out first) */
	if (pl->nsp > SORT_RUN && grow((void **)&pl->sp_tmp, &pl->sp_tmp_cap, pl->nsp, sizeof *pl->sp_tmp) < 0) {
		c->failed = -CS_ENOMEM;
		return -1;
	}
	sort_keys(pl->sp, pl->sp_tmp, pl->nsp);
	sort_keys(pl->sp_end, pl->sp_tmp, pl->nsp);
	int64_t open = 0, most = 0;
	for (size_t a = 0, z = 0; a < pl->nsp && most < j->nodes;) {
		if (pl->sp_end[z] < pl->sp[a]) {
			open--;
			z++;
		} else {
			open++;
			a++;
			most = open > most ? open : most;
		}
	}
	if (most >= j->nodes)
		return 0;
	pl->search_open = (uint32_t)most;
	return 1;
}

int cs_ctx_plan(cs_sched_ctx *c, uint32_t jid, unsigned how, cs_time *when)
{
	if (!c->nm || cs_ctx_not_waiting(c, jid))
		return -CS_EINVAL;
	if (!c->pl && cs_plan_on(c) < 0) {
		c->failed = -CS_ENOMEM;
		return -CS_ENOMEM;
	}
	struct planner *pl = c->pl;
	const cs_job *j = &c->jobs[jid];
	overdue(c);
	cs_time old = c->plan_start[jid];
	uint32_t nf = 0; /* the nodes freed since its plan was made, in pl->fnodes */
	int keep_ok = 0; /* the old plan still holds: only a better one replaces it */
	if (old >= 0) {
		keep_ok = pl->epoch_of[jid] >= pl->worse_epoch;
		/* with advance reservations made again every pass: the pending
		 * reason says whether only a reservation keeps it off now. A plan
		 * of an earlier epoch stands while none of its node types got
		 * anything back, but not under the power cap: power freed
		 * anywhere may bring it earlier. */
		if (old > c->now && !c->nm->nresv && !c->plan_all &&
		    (pl->epoch_of[jid] == pl->epoch || (keep_ok && !c->plain && !c->pc && !freed_for(c, jid)))) {
			seen(pl, jid);
			if (when)
				*when = old;
			return 0;
		}
		/* Only a node freed since the plan was made can take it
		 * earlier: the others (its own old ones too) hold no more than
		 * when it was made, and then nothing before old held it.
		 * (Under the power cap, power freed anywhere may: not used.) */
		if (keep_ok && old > c->now && !c->nm->nresv && !c->plan_all && !c->pc) {
			if (none_freed_before(c, jid, old)) {
				seen(pl, jid);
				if (when)
					*when = old;
				return 0;
			}
			const uint32_t *fl;
			nf = freed_since(c, pl->epoch_of[jid], cs_place_mask(c, jid), &fl);
			/* (then pl->fnodes holds the list, the plain engine's too) */
			if (!c->plain && nothing_earlier(c, jid, fl, &nf, old)) {
				seen(pl, jid);
				if (when)
					*when = old;
				return 0;
			}
		}
	}
	cs_request rq = cs_job_request(j);
	cs_placement p = { c->slots + c->off[jid], j->nodes, 0 };
	/* a search for an earlier plan, with the plan muted (on the nodes the
	 * search reads) rather than dropped (not on the plain engine: it drops
	 * and makes it again) */
	int muted = keep_ok && old > c->now && !c->nm->nresv && !c->plan_all && !c->pc && !c->plain;
	if (old >= 0) {
		cs_placement q = placement_of(c, jid);
		for (uint32_t k = 0; k < q.n; k++)
			pl->old_nodes[k] = q.slots[k].node;
		if (!muted)
			cs_plan_drop(c, jid);
		if (keep_ok && old == c->now &&
		    cs_alloc_try_on(c->A, &rq, pl->old_nodes, j->nodes, &p) == 0 && admit_now(c, jid, &p) == 0) {
			if (when)
				*when = old;
			return start_planned(c, jid, how);
		}
	}
	if (old < 0) {
		/* a new job: now, if it fits now, is the earliest (most do) */
		cs_placement q = { c->tmp_slots2, j->nodes, 0 };
		if (!cannot_fit_now(c, jid, &q) && plan_place_now(c, jid, &p, &q) == 0) {
			cs_ctx_reserve(c, jid, c->now);
			if (when)
				*when = c->now;
			return start_planned(c, jid, how);
		}
		p.n = 0;
	}
	cs_time bound = keep_ok && old > c->now ? old : CS_TIME_MAX;
	cs_time t;
	int mute_on = 0; /* the plan is muted for the search */
	c->pw_deferred = 0;
	if (bound != CS_TIME_MAX && !c->nm->nresv && !c->plan_all && !c->pc) {
		/* the nodes freed since, in pl->fnodes[0 .. nf): the plain
		 * engine searches a plan of several nodes whenever one of them
		 * could help; else nothing_earlier said one may */
		if (j->nodes == 1) {
			if (muted)
				cs_plan_mute(c, jid, 1, pl->fnodes, nf);
			mute_on = muted;
			t = cs_plan_find(c, jid, bound, pl->fnodes, nf);
		} else if (c->plain && !windows_before(c, j, pl->fnodes, nf, bound, 1, 0)) {
			t = CS_TIME_MAX;
		} else {
			/* only the nodes that could hold it before, and those freed
			 * since; no search where too few of them can */
			uint32_t n = !c->plain && pl->near_of[jid] ? near_and_freed(c, jid, pl->fnodes, nf, 0) : 0;
			int few = n ? too_few(c, jid, n, bound) : -1;
			if (few == 1) {
				t = CS_TIME_MAX;
			} else {
				if (few == 0) { /* the search reads those that may hold it */
					n = pl->nnear;
					memcpy(pl->only, pl->near, n * sizeof *pl->near);
				}
				if (muted)
					cs_plan_mute(c, jid, 1, n ? pl->only : NULL, n);
				mute_on = muted;
				t = cs_plan_find(c, jid, bound, n ? pl->only : NULL, n);
			}
			pl->open_max[jid] = pl->search_open;
			keep_near(c, jid);
		}
	} else {
		t = cs_plan_find(c, jid, bound, NULL, 0);
		pl->open_max[jid] = pl->search_open;
		keep_near(c, jid);
	}
	if (muted) {
		if (t == CS_TIME_MAX) { /* nothing earlier: the plan stands */
			if (mute_on)
				cs_plan_mute(c, jid, 0, NULL, 0);
			seen(pl, jid);
			if (when)
				*when = old;
			return c->failed ? -CS_ENOMEM : 0;
		}
		/* a plan made again later in this call (not one that starts
		 * now) keeps its entry by length in the sets */
		if (pl->ix_type && t != c->now)
			pl->ix_moving = jid;
		if (mute_on)
			cs_plan_unmute_drop(c, jid);
		else
			cs_plan_drop(c, jid);
	}
	if (c->failed)
		return -CS_ENOMEM;
	if (t == CS_TIME_MAX && bound != CS_TIME_MAX) {
		t = old; /* nothing earlier: the same plan */
		memcpy(pl->nodes, pl->old_nodes, j->nodes * sizeof *pl->nodes);
	}
	if (t == CS_TIME_MAX)
		return -CS_EINVAL; /* cannot happen: the empty machine holds every job */
	cs_ctx_reserve(c, jid, t);
	c->st->plan_moves += old >= 0 && t != old;
	if (when)
		*when = t;
	if (t == c->now) {
		int rc = plan_place_now(c, jid, &p, NULL);
		if (rc != 0 && (rc = cs_alloc_try_on(c->A, &rq, pl->nodes, j->nodes, &p)) == 0)
			rc = admit_now(c, jid, &p);
		if (rc != 0)
			return -CS_EINVAL; /* cannot happen: the profile says it fits */
		for (uint32_t k = 0; k < p.n; k++)
			pl->nodes[k] = p.slots[k].node;
		if (old >= 0 && (old != t || !same_nodes(c, jid, pl->old_nodes)))
			cs_plan_freed(c, NULL, pl->old_nodes, j->nodes);
		return start_planned(c, jid, how);
	}
	/* the plan: its share on each chosen node */
	cs_slot *s = c->slots + c->off[jid];
	uint64_t bloom = 0;
	for (uint32_t k = 0; k < j->nodes; k++) {
		s[k] = (cs_slot){ .node = pl->nodes[k], .gpu_mask = (uint16_t)((1u << j->gpus_per_node) - 1),
				  .cores = j->cores_per_node, .mem_mib = j->mem_per_node_mib };
		bloom |= 1ull << (pl->nodes[k] & 63);
	}
	if (pl->pvis)
		pl->pvis[jid] = (struct pvis){ bloom, cs_plan_nowin_level(job_need(j)), plan_len(j), j->nodes };
	c->plan_start[jid] = t;
	if (c->pc && (t != old || c->pw_deferred))
		c->pw_late[jid] = (uint8_t)c->pw_deferred; /* for the pending reason */
	c->plan_pos[jid] = (uint32_t)c->nplanned;
	pl->pstart[c->nplanned] = t;
	pl->pmask[c->nplanned] = cs_place_mask(c, jid);
	cs_plan_pbits(pl, c->nplanned, pl->pmask[c->nplanned], 1);
	c->planned[c->nplanned++] = jid;
	cs_plan_visit(c, jid, pl->pmask[c->nplanned - 1], 1);
	if (pl->tplan && cs_plan_due(pl, t, jid) < 0)
		c->failed = -CS_ENOMEM;
	cs_plan_prof(c, jid, 1);
	if (c->pc)
		cs_pcap_plan(c, jid, 1);
	if (old >= 0 && (old != t || !same_nodes(c, jid, pl->old_nodes)))
		cs_plan_freed(c, NULL, pl->old_nodes, j->nodes);
	seen(pl, jid);
	return c->failed ? -CS_ENOMEM : 0;
}
