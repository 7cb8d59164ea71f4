/* capsim: the conservative planner's search (cs_plan_find): the earliest
 * time before a bound at which a job fits for its estimate, and its nodes,
 * given the node availability profile (every running job until its
 * estimated end, every other plan), the advance reservations it may not
 * use and its topology rule. A merge of the nodes' windows in time order,
 * started node by node in the order of per-node lower bounds on large
 * clusters. */
#include "plan_int.h"
#include "plan_heap.h"

/* Tree node i of the tree that starts at tr (the trees interleaved:
 * a node's entries of every tree side by side, one refresh touches them
 * together). */
#define LB(tr, i) ((tr)[(size_t)(i) * LB_TREES])


/* The next window of pn[k]: 1 and it in *a, *z, or 0. From the profile,
 * only a window starting before bound, and its end (*z) is -1 until asked
 * for (pnode_end): most windows in a search are never reached. */
static inline __attribute__((always_inline)) int pnode_next(struct planner *pl, uint32_t k, cs_time bound, cs_time *a,
							     cs_time *z)
{
	struct pnode *q = &pl->pn[k];
	if (!q->eager) {
		*z = -1;
		return cs_nprof_iter_find_in(&q->it, bound, a);
	}
	if (q->wi == q->wn)
		return 0;
	*a = pl->win[q->wi].a;
	*z = pl->win[q->wi].z;
	q->wi++;
	return 1;
}

/* The last start of a window pnode_next gave. */
static cs_time pnode_end(struct planner *pl, const struct hent *e)
{
	return e->z >= 0 ? e->z : cs_nprof_iter_end_in(&pl->pn[e->idx].it);
}

static int win_cmp(const void *x, const void *y)
{
	const struct pwin *a = x, *b = y;
	return (a->a > b->a) - (a->a < b->a);
}


/* All of node's start windows for jid (d seconds) in pl->win, cut by the
 * advance reservations it may not use, ascending. *free_now_but_resv: it
 * would hold the job now but for a reservation. */
static int node_windows(cs_sched_ctx *c, const cs_job *j, uint32_t node, cs_time d, int *free_now_but_resv)
{
	struct planner *pl = c->pl;
	cs_nprof_amt need = job_need(j);
	cs_nprof_amt f = node_free_now(c, node);
	size_t k = cs_nprof_windows(&pl->prof, node, f, c->now, need, d, pl->wa, pl->wz, pl->w_cap);
	if (k > pl->w_cap) {
		size_t cap = pl->w_cap;
		if (grow((void **)&pl->wa, &cap, k, sizeof *pl->wa) < 0 ||
		    grow((void **)&pl->wz, &pl->w_cap, k, sizeof *pl->wz) < 0)
			return -1;
		cs_nprof_windows(&pl->prof, node, f, c->now, need, d, pl->wa, pl->wz, pl->w_cap);
	}
	uint32_t nr = pl->resv_first[node + 1] - pl->resv_first[node];
	if (grow((void **)&pl->win, &pl->win_cap, pl->nwin + k + nr + 1, sizeof *pl->win) < 0)
		return -1;
	size_t w0 = pl->nwin;
	for (size_t i = 0; i < k; i++)
		pl->win[pl->nwin++] = (struct pwin){ pl->wa[i], pl->wz[i], node };
	int cut = 0;
	for (uint32_t q = pl->resv_first[node]; q < pl->resv_first[node + 1]; q++) {
		const cs_resv *v = &c->nm->resv[pl->resv_of[q]];
		if ((v->project >= 0 && v->project == j->group) || v->end <= c->now)
			continue;
		/* no start t with [t, t + d) meeting [start, end) */
		cs_time lo = v->start - d + 1, hi = v->end - 1;
		for (size_t i = w0; i < pl->nwin;) {
			struct pwin *w = &pl->win[i];
			if (w->z < lo || w->a > hi) {
				i++;
				continue;
			}
			cut = 1;
			struct pwin right = { hi + 1, w->z, node };
			int has_left = w->a < lo, has_right = w->z > hi;
			if (has_left) {
				w->z = lo - 1;
				i++;
			} else {
				*w = pl->win[--pl->nwin];
			}
			if (has_right)
				pl->win[pl->nwin++] = right; /* beyond this reservation */
		}
	}
	qsort(pl->win + w0, pl->nwin - w0, sizeof *pl->win, win_cmp);
	if (cut && k && pl->wa[0] == c->now)
		*free_now_but_resv = 1;
	return 0;
}

void cs_plan_lb_row(cs_sched_ctx *c, uint32_t node, unsigned r)
{
	struct planner *pl = c->pl;
	uint32_t leaf = pl->lb_leaf[node];
	int cores = (int)(leaf & 1);
	cs_nprof_amt f = node_free_now(c, node);
	cs_time *x = pl->lb + (size_t)(leaf >> 1) * LB_TREES + (size_t)r * LB_SPANS;
	/* bit t: tree t's entry changed */
	uint32_t changed = cores ? cs_nprof_first_runs_5(&pl->prof, node, f.c, c->now, 1, lb_cores[r], lb_span, x)
				 : cs_nprof_first_runs_5(&pl->prof, node, f.g, c->now, 0, lb_gpus[r], lb_span, x);
	changed <<= r * LB_SPANS;
	pl->lb_stale[node] &= ~(((1u << LB_SPANS) - 1) << r * LB_SPANS);
	/* the trees newly pending above it list it (the lists' arrays read
	 * once: the stores change none of them) */
	uint32_t *tl = pl->lb_tlist, *tn = pl->lb_tn;
	size_t nn = pl->nlb_nodes;
	for (uint32_t m = changed & ~pl->lb_pend[node]; m; m &= m - 1) {
		unsigned t = (unsigned)__builtin_ctz(m);
		tl[(size_t)t * nn + tn[t]++] = node;
	}
	pl->lb_pend[node] |= changed;
}

cs_time cs_plan_lb_redo(cs_sched_ctx *c, const cs_time *t, uint32_t node)
{
	struct planner *pl = c->pl;
	cs_plan_lb_row(c, node, (unsigned)(t - pl->lb) / LB_SPANS);
	return t[(size_t)(pl->lb_leaf[node] >> 1) * LB_TREES];
}

/* Tree t up from each node's leaf pending in it while its entries change
 * (each entry is the least of its two). */
static void lb_up(struct planner *pl, unsigned t)
{
	const uint32_t *list = pl->lb_tlist + (size_t)t * pl->nlb_nodes, *leaf = pl->lb_leaf;
	/* read once: the stores (pending bits, entries) change none of them */
	uint32_t *pend = pl->lb_pend, tn = pl->lb_tn[t];
	cs_time *lb = pl->lb;
	for (uint32_t k = 0; k < tn; k++) {
		uint32_t node = list[k];
		pend[node] &= ~(1u << t);
		for (size_t i = leaf[node] >> 2; i >= 1; i /= 2) { /* (its leaf's parent) */
			const cs_time *l = lb + 2 * i * LB_TREES + t, *r = l + LB_TREES;
			cs_time *x = lb + i * LB_TREES + t;
			cs_time v = *l < *r ? *l : *r;
			if (*x == v)
				break;
			*x = v;
		}
	}
	pl->lb_tn[t] = 0;
}

/* Work out again tree t's row of the bounds of the nodes whose profile
 * changed (the leaves' rows cs_plan_lb did not do since), and tree t
 * above them (each tree's entries above the leaves are brought up to date
 * only when a search reads that tree: the trees are the least of their
 * leaves, whenever that is worked out; a row only when read). */
static __attribute__((noinline)) void lb_refresh(cs_sched_ctx *c, unsigned t, int32_t type)
{
	struct planner *pl = c->pl;
	unsigned r = t / LB_SPANS;
	uint32_t y0 = type < 0 ? 0 : (uint32_t)type, y1 = type < 0 ? pl->ntypes : y0 + 1;
	for (uint32_t y = y0; y < y1; y++) {
		const uint32_t *list = pl->lb_dirty + (size_t)r * pl->nlb_nodes + pl->type_first[y];
		uint32_t *n = &pl->nlb_dirty[r * pl->ntypes + y], nd = *n;
		/* read once: a row worked out does not list the node again here
		 * (it is listed), and the byte stores would have them read again */
		const uint32_t *stale = pl->lb_stale;
		uint8_t *listed = pl->lb_listed;
		for (uint32_t k = 0; k < nd; k++) {
			uint32_t node = list[k];
			if (stale[node] >> t & 1)
				cs_plan_lb_row(c, node, r);
			listed[node] &= (uint8_t)~(1u << r);
		}
		*n = 0;
	}
	lb_up(pl, t);
}

/* --- topology rules in plans ---
 * A job with a rule (one leaf switch, at most k, one block) is planned at
 * the earliest time whose candidate nodes satisfy it, and takes its nodes
 * as the allocator's topology-aware fit would: the tightest leaf (or
 * block) that holds it, else the leaves with the most candidates first;
 * inside, candidates in the usual order. */

/* Count nodes[0 .. n) per leaf (pl->lcnt; the leaves in pl->ltouch) and
 * per block; returns the leaves touched. The caller clears with topo_clear. */
static uint32_t topo_count(cs_sched_ctx *c, const uint32_t *nodes, size_t n)
{
	struct planner *pl = c->pl;
	uint32_t nt = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t lf = cs_alloc_node_leaf(c->A, nodes[i]);
		if (pl->lcnt[lf]++ == 0)
			pl->ltouch[nt++] = lf;
		if (pl->lpb)
			pl->bcnt[lf / pl->lpb]++;
	}
	return nt;
}

static void topo_clear(struct planner *pl, uint32_t nt)
{
	for (uint32_t i = 0; i < nt; i++) {
		pl->lcnt[pl->ltouch[i]] = 0;
		if (pl->lpb)
			pl->bcnt[pl->ltouch[i] / pl->lpb] = 0;
	}
}

static _Thread_local struct planner *sort_pl; /* qsort has no context argument */
static int leaf_more(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	if (sort_pl->lcnt[a] != sort_pl->lcnt[b])
		return sort_pl->lcnt[a] < sort_pl->lcnt[b] ? 1 : -1;
	return (a > b) - (a < b);
}

/* With the counts made: the leaf (ONE_LEAF) or block (ONE_BLOCK) to take
 * from, or 0 for MAX_LEAVES; -1 if the rule cannot be met with N nodes. */
static long topo_pick(struct planner *pl, const cs_job *j, uint32_t nt)
{
	uint32_t N = j->nodes;
	long best = -1;
	switch (j->topo) {
	case CS_TOPO_ONE_LEAF:
		for (uint32_t i = 0; i < nt; i++) {
			uint32_t lf = pl->ltouch[i], k = pl->lcnt[lf];
			if (k >= N && (best < 0 || k < pl->lcnt[best] || (k == pl->lcnt[best] && lf < (uint32_t)best)))
				best = lf;
		}
		return best;
	case CS_TOPO_ONE_BLOCK:
		for (uint32_t i = 0; pl->lpb && i < nt; i++) {
			uint32_t b = pl->ltouch[i] / pl->lpb, k = pl->bcnt[b];
			if (k >= N && (best < 0 || k < pl->bcnt[best] || (k == pl->bcnt[best] && b < (uint32_t)best)))
				best = b;
		}
		return best;
	case CS_TOPO_MAX_LEAVES: {
		/* the k largest counts, by a histogram of counts (a leaf holds
		 * at most CS_ALLOC_MAX_LEAF_NODES): no sort in the search */
		uint32_t hist[CS_ALLOC_MAX_LEAF_NODES + 1] = { 0 };
		for (uint32_t i = 0; i < nt; i++)
			hist[pl->lcnt[pl->ltouch[i]]]++;
		uint64_t got = 0;
		uint32_t left = j->max_leaves;
		for (uint32_t v = CS_ALLOC_MAX_LEAF_NODES; v > 0 && left && got < N; v--) {
			uint32_t take = hist[v] < left ? hist[v] : left;
			got += (uint64_t)take * v;
			left -= take;
		}
		return got >= N ? 0 : -1;
	}
	}
	return 0;
}

/* Do the nodes of the open windows h2[0 .. n) meet jid's rule? */
static int topo_holds(cs_sched_ctx *c, const cs_job *j, size_t n)
{
	struct planner *pl = c->pl;
	for (size_t i = 0; i < n; i++)
		pl->tnodes[i] = pl->pn[pl->h2[i].idx].node;
	uint32_t nt = topo_count(c, pl->tnodes, n);
	long r = topo_pick(pl, j, nt);
	topo_clear(pl, nt);
	return r >= 0;
}

/* The job's nodes from pl->cand[0 .. nc) (sorted) into pl->nodes: the
 * leaves to take from in order (the one leaf; the block's leaves, or for
 * at most k leaves all of them, the most candidates first), and in each
 * its candidates in their order. */
static void topo_choose(cs_sched_ctx *c, const cs_job *j, size_t nc)
{
	struct planner *pl = c->pl;
	for (size_t i = 0; i < nc; i++)
		pl->tnodes[i] = pl->cand[i].node;
	uint32_t nt = topo_count(c, pl->tnodes, nc);
	long r = topo_pick(pl, j, nt); /* >= 0: the search stopped where the rule holds */
	uint32_t nl = 0;
	if (j->topo == CS_TOPO_ONE_LEAF) {
		pl->lorder[nl++] = (uint32_t)r;
	} else {
		for (uint32_t i = 0; i < nt; i++)
			if (j->topo == CS_TOPO_MAX_LEAVES || pl->ltouch[i] / pl->lpb == (uint32_t)r)
				pl->lorder[nl++] = pl->ltouch[i];
		sort_pl = pl;
		qsort(pl->lorder, nl, sizeof *pl->lorder, leaf_more);
	}
	uint32_t got = 0;
	for (uint32_t i = 0; i < nl && got < j->nodes; i++)
		for (size_t k = 0; k < nc && got < j->nodes; k++)
			if (cs_alloc_node_leaf(c->A, pl->cand[k].node) == pl->lorder[i])
				pl->nodes[got++] = pl->cand[k].node;
	topo_clear(pl, nt);
}

/* The nodes of a search for a job of several nodes whose first window
 * starts before limit (its answer, or its bound), in pl->near: no other
 * could have held it before. (Nodes the search did not start had no
 * window before it either.) */
static void note_near(struct planner *pl, const cs_job *j, uint32_t np, cs_time limit)
{
	for (uint32_t q = 0; j->nodes > 1 && q < np; q++)
		if (pl->pn[q].first < limit)
			pl->near[pl->nnear++] = pl->pn[q].node;
}

/* The earliest time before bound at which jid fits on n nodes of a type
 * (type < 0: any), or CS_TIME_MAX; the windows
 * holding that time in pl->h2[0 .. *ncand). A merge of every node's
 * windows in time order that stops at the answer. Under the power cap the
 * answer must also leave the job room for its draw (cs_pcap_earliest): a
 * time when enough nodes are free but the power is not leads to the first
 * time the power is, visited beside the windows' starts. */
static cs_time group_earliest(cs_sched_ctx *c, const cs_job *j, int32_t type, cs_time d, cs_time bound,
			      const uint32_t *only, uint32_t nonly, size_t *ncand, int *but_resv)
{
	struct planner *pl = c->pl;
	uint32_t lo = type < 0 ? 0 : pl->type_first[type], hi = type < 0 ? c->nnodes : pl->type_first[type + 1];
	if (only) {
		lo = 0;
		hi = nonly;
	}
	cs_nprof_amt need = job_need(j);
	size_t n1 = 0, n2 = 0, ns = 0;
	/* windows from bound on are never reached; but with advance
	 * reservations every node's first window is wanted, for whether only
	 * a reservation keeps the job off now */
	cs_time first_bound = c->nm->nresv ? CS_TIME_MAX : bound;
	const cs_time *trs[2]; /* the job's trees (cs_plan_lb_trees) */
	uint32_t bit = cs_plan_lb_trees(pl, (uint32_t)(j - c->jobs), trs);
	uint32_t np = 0, now_ok = 0, now_resv = 0;
	pl->nwin = 0;
	*ncand = 0;
	/* Nodes in the order of their bounds, started only while a bound is
	 * before the next window and before bound (a job with GPUs, or one
	 * without on a node type without GPUs, whose bounds count cores; no
	 * reservations: their windows are cut, and the pending reason wants
	 * every node). */
	const cs_time *tr = NULL;
	if (pl->lb && !only && !c->nm->nresv) {
		/* (any type: the bounds of a job with GPUs, which the nodes of a
		 * type without GPUs never hold) */
		tr = trs[type >= 0 && pl->lb_cores[type]];
	}
	/* Without bounds, a search of every node starts nodes in the order
	 * of their runs' first start that lasts d (no window starts before
	 * it: cs_plan_nowin_first), and only while it could still matter, as
	 * with bounds: most nodes' first window comes after the answer. */
	int64_t lv = !tr && !only && !c->nm->nresv && !c->plain ? cs_plan_nowin_level(need) : 0;
	/* A search of some nodes skips those whose kept runs (none made
	 * here: a walk to the bound costs less) show no window before bound. */
	int64_t only_lv = only && !c->nm->nresv && !c->plain ? cs_plan_nowin_level(need) : 0;
	if (lv > 0) {
		for (uint32_t i = lo; i < hi; i++) {
			uint32_t node = type < 0 ? i : pl->type_nodes[i];
			cs_nprof_amt f = node_free_now(c, node);
			cs_time first = cs_plan_nowin_first(c, node, lv, d, &f);
			if (first < 0)
				return CS_TIME_MAX;
			if (first < bound)
				pl->sh[ns++] = (struct hent){ first, 0, 0, node };
		}
		hbuild(pl->sh, ns);
		lo = hi; /* no eager start below */
	} else if (tr) {
		lb_refresh(c, (unsigned)(tr - pl->lb), type);
		for (uint32_t l = lo + pl->P, r = hi + pl->P; l < r; l /= 2, r /= 2) {
			if ((l & 1) && LB(tr, l) != CS_TIME_MAX)
				hpush(pl->sh, &ns, (struct hent){ LB(tr, l), 0, 0, l });
			if (l & 1)
				l++;
			if (r & 1) {
				r--;
				if (LB(tr, r) != CS_TIME_MAX)
					hpush(pl->sh, &ns, (struct hent){ LB(tr, r), 0, 0, r });
			}
		}
		lo = hi; /* no eager start below */
	}
	/* read once: the loop's stores and calls change none of them */
	int only_lb = only && pl->lb && !c->nm->nresv;
	const uint32_t *leaf = pl->lb_leaf, *stale = pl->lb_stale, *tnodes = pl->type_nodes;
	const uint16_t *nt = c->node_type;
	for (uint32_t i = lo; i < hi; i++) {
		uint32_t node = only ? only[i] : type < 0 ? i : tnodes[i];
		if (only && type >= 0 && nt[node] != (uint32_t)type)
			continue;
		if (only_lb && cs_plan_lb_of(c, leaf, stale, trs, bit, node) >= bound)
			continue; /* no window before bound: as the search in bounds' order leaves it */
		if (only_lv > 0) { /* nor where its kept runs say so */
			cs_nprof_amt f = node_free_now(c, node);
			const struct nwslot *s = nowin_kept(c, node, only_lv, &f);
			if (s && nowin_first(s, d) >= bound)
				continue;
		}

		struct pnode *q = &pl->pn[np];
		q->node = node;
		q->eager = pl->resv_first[node + 1] > pl->resv_first[node];
		if (q->eager) {
			int flag = 0;
			q->wi = (uint32_t)pl->nwin;
			if (node_windows(c, j, node, d, &flag) < 0) {
				c->failed = -CS_ENOMEM;
				return CS_TIME_MAX;
			}
			q->wn = (uint32_t)pl->nwin;
			now_resv += (uint32_t)flag;
		} else {
			cs_nprof_iter_start_in(&q->it, &pl->prof, node, node_free_now(c, node), c->now, need, d);
		}
		cs_time a, z;
		q->first = CS_TIME_MAX;
		if (pnode_next(pl, np, first_bound, &a, &z)) {
			q->first = a;
			hpush(pl->h1, &n1, (struct hent){ a, a, z, np });
			now_ok += a == c->now;
		}
		np++;
	}
	if (now_resv && now_ok + now_resv >= j->nodes)
		*but_resv = 1;
	uint32_t jid = (uint32_t)(j - c->jobs);
	cs_time room = -1;  /* under the cap: no room for the job before room, room at it */
	int visit = 0;      /* room is still to be visited */
	for (;;) {
		while (ns && pl->sh[0].key < bound &&
		       pl->sh[0].key <= (n1 && (!visit || pl->h1[0].key < room) ? pl->h1[0].key
										 : visit ? room : CS_TIME_MAX)) {
			if (tr && pl->sh[0].idx < pl->P) {
				/* a tree's entry: its children in its place (the lesser
				 * there, where it mostly stays: the entry's bound is
				 * its least; the other pushed), or out */
				uint32_t idx = pl->sh[0].idx;
				struct hent x = { LB(tr, 2 * idx), 0, 0, 2 * idx }, y = { LB(tr, 2 * idx + 1), 0, 0, 2 * idx + 1 };
				if (y.key < x.key) {
					struct hent w = x;
					x = y;
					y = w;
				}
				if (x.key == CS_TIME_MAX)
					hpop(pl->sh, &ns);
				else
					hreplace(pl->sh, ns, x);
				if (y.key != CS_TIME_MAX)
					hpush(pl->sh, &ns, y);
				continue;
			}
			struct hent e = hpop(pl->sh, &ns);
			/* a tree's leaf, or a node by its runs */
			uint32_t node = tr ? pl->type_nodes[e.idx - pl->P] : e.idx;
			struct pnode *q = &pl->pn[np];
			q->node = node;
			q->eager = 0;
			cs_nprof_iter_start_in(&q->it, &pl->prof, node, node_free_now(c, node), c->now, need, d);
			cs_time a, z;
			q->first = CS_TIME_MAX;
			if (pnode_next(pl, np, bound, &a, &z)) {
				q->first = a;
				hpush(pl->h1, &n1, (struct hent){ a, a, z, np });
			}
			np++;
		}
		cs_time t = n1 ? pl->h1[0].key : CS_TIME_MAX;
		if (visit && room < t)
			t = room;
		if (t == CS_TIME_MAX || t >= bound)
			break;
		if (t == room)
			visit = 0;
		while (n1 && pl->h1[0].key == t) {
			struct hent e = hpop(pl->h1, &n1);
			cs_time z = pnode_end(pl, &e);
			hpush(pl->h2, &n2, (struct hent){ z, e.a, z, e.idx });
			cs_time a;
			if (pnode_next(pl, e.idx, bound, &a, &z))
				hpush(pl->h1, &n1, (struct hent){ a, a, z, e.idx });
		}
		while (n2 && pl->h2[0].key < t)
			hpop(pl->h2, &n2);
		if (n2 < j->nodes || (j->topo && j->nodes > 1 && !topo_holds(c, j, n2))) {
			if (n2 > pl->search_open)
				pl->search_open = (uint32_t)n2;
		} else {
			if (c->pc && t != room) {
				if (t < room)
					continue;
				room = cs_pcap_earliest(c, jid, t, d, c->pw_need[jid], 1);
				if (room != t)
					c->pw_deferred = 1; /* the nodes, but not the power */
				if (room >= bound)
					break;
				visit = room != t;
				if (visit)
					continue;
			}
			*ncand = n2;
			note_near(pl, j, np, t);
			return t;
		}
	}
	note_near(pl, j, np, bound);
	return CS_TIME_MAX;
}

/* Candidates up to this many are sorted by insertion, with cand_cmp
 * inline; more, by qsort. */
#define CAND_INSERT 24u

static inline int cand_cmp(const void *x, const void *y)
{
	const struct pcand *a = x, *b = y;
	if (a->g != b->g)
		return (a->g > b->g) - (a->g < b->g);
	if (a->a != b->a)
		return (a->a < b->a) - (a->a > b->a); /* free the latest: the earlier free stay for others */
	if (a->z != b->z)
		return (a->z > b->z) - (a->z < b->z);
	return (a->node > b->node) - (a->node < b->node);
}

/* The earliest time before bound at which jid fits, or CS_TIME_MAX; its nodes in pl->nodes: of
 * those that can hold it then, the ones with the fewest GPUs free then,
 * then the ones that become free the latest, then those whose room ends
 * the soonest, then the lowest numbered. */
cs_time cs_plan_find(cs_sched_ctx *c, uint32_t jid, cs_time bound, const uint32_t *only, uint32_t nonly)
{
	struct planner *pl = c->pl;
	const cs_job *j = &c->jobs[jid];
	cs_time d = plan_len(j);
	/* a job of several partitions: their node types (c->pfirst), the
	 * earliest of them */
	int any_part = j->partition < 0 || (uint32_t)j->partition >= c->npart;
	uint32_t g0 = any_part ? 0 : c->pfirst[j->partition];
	uint32_t g1 = any_part ? 1 : c->pfirst[j->partition + 1];
	cs_time best = CS_TIME_MAX;
	size_t nc = 0;
	int but_resv = 0;
	pl->search_open = 0;
	pl->nnear = 0;
	for (uint32_t g = g0; g < g1; g++) {
		int32_t type = any_part ? -1 : c->ptypes[g];
		if (type >= (int32_t)pl->ntypes)
			continue;
		size_t n;
		cs_time t = group_earliest(c, j, type, d, best < bound ? best : bound, only, nonly, &n, &but_resv);
		if (c->failed)
			return CS_TIME_MAX;
		if (t < best) {
			best = t;
			nc = n;
			for (size_t i = 0; i < n; i++) {
				const struct hent *e = &pl->h2[i];
				pl->cand[i] = (struct pcand){ 0, e->a, e->z, pl->pn[e->idx].node };
			}
		}
	}
	if (best > c->now && but_resv)
		c->resv_block[jid] = c->st->passes;
	if (best == CS_TIME_MAX)
		return best;
	if (j->nodes == 1) { /* the first in that order: no sort, and one alone needs no count */
		size_t k = 0;
		for (size_t i = 0; nc > 1 && i < nc; i++) {
			uint32_t node = pl->cand[i].node;
			pl->cand[i].g = cs_nprof_gpus_at(&pl->prof, node, node_free_now(c, node).g, c->now, best);
			if (i && cand_cmp(&pl->cand[i], &pl->cand[k]) < 0)
				k = i;
		}
		pl->nodes[0] = pl->cand[k].node;
		return best;
	}
	{ /* also when there are just enough: their order is the placement's */
		for (size_t i = 0; i < nc; i++) {
			uint32_t node = pl->cand[i].node;
			pl->cand[i].g = cs_nprof_gpus_at(&pl->prof, node, node_free_now(c, node).g, c->now, best);
		}
		if (nc <= CAND_INSERT) { /* (the order is total: either sort gives it) */
			for (size_t i = 1; i < nc; i++) {
				struct pcand x = pl->cand[i];
				size_t k = i;
				for (; k > 0 && cand_cmp(&pl->cand[k - 1], &x) > 0; k--)
					pl->cand[k] = pl->cand[k - 1];
				pl->cand[k] = x;
			}
		} else {
			qsort(pl->cand, nc, sizeof *pl->cand, cand_cmp);
		}
	}
	if (j->topo) {
		topo_choose(c, j, nc);
		return best;
	}
	for (uint32_t k = 0; k < j->nodes; k++)
		pl->nodes[k] = pl->cand[k].node;
	return best;
}
