/* capsim: the allocator's choices: which node or nodes a request gets.
 * See include/capsim/alloc.h and the indexes in alloc_int.h. */
#include "alloc_int.h"

#include <stdlib.h>

/* --- choosing --- */

static int type_ok(const cs_alloc *a, uint32_t n, int32_t type)
{
	return type < 0 || a->ns[n].type == (uint32_t)type;
}

static int fits_node(const cs_alloc *a, uint32_t n, unsigned g, unsigned c, uint32_t m, int32_t type)
{
	const node_st *s = &a->ns[n];
	return type_ok(a, n, type) && s->nfree >= g && s->cores >= c && s->mem >= m;
}

/* Does an idle node of type t hold (g, c, m)? */
static int type_holds(const cs_alloc *a, uint32_t t, unsigned g, unsigned c, uint32_t m)
{
	const cs_alloc_type *ty = &a->types[t];
	return ty->gpus >= g && ty->cores >= c && ty->mem_mib >= m;
}

/* Busy-node bucket f (of one node type, or of all for type < 0), and its bounds. */
static inline const cs_hbm *bucket(const cs_alloc *a, int32_t type, unsigned f)
{
	return type >= 0 ? &a->byfree_t[(size_t)type * (MAXG + 1) + f] : &a->byfree_own[f];
}
static inline bucket_ub *bucket_bounds(cs_alloc *a, int32_t type, unsigned f)
{
	return type >= 0 ? &a->ub_t[(size_t)type * (MAXG + 1) + f] : &a->ub_own[f];
}

/* First node >= from in bucket f (as bucket()) that fits, or -1. None
 * when the bucket's bounds say so; a walk of the whole bucket that finds
 * none sets them to what its nodes have free. */
static long first_fit_in(cs_alloc *a, int32_t type, unsigned f, uint32_t from, unsigned g, unsigned c, uint32_t m)
{
	bucket_ub *u = bucket_bounds(a, type, f);
	if (c > u->cores || m > u->mem)
		return -1;
	const cs_hbm *b = bucket(a, type, f);
	uint32_t mc = 0, mm = 0;
	for (long n = cs_hbm_next(b, from); n >= 0; n = cs_hbm_next(b, (uint32_t)n + 1)) {
		const node_st *s = &a->ns[n];
		if (fits_node(a, (uint32_t)n, g, c, m, type))
			return n;
		mc = s->cores > mc ? s->cores : mc;
		mm = s->mem > mm ? s->mem : mm;
	}
	if (from == 0)
		*u = (bucket_ub){ mc, mm };
	return -1;
}

/* The smallest idle count >= from that some leaf has, or -1; the largest
 * <= from, or -1 (after cs_al_sync_leaves). */
static long cnt_up(const cs_alloc *a, uint32_t from)
{
	for (uint32_t w = from >> 6; w < 4; w++) {
		uint64_t x = a->leaf_cnts[w] & (w == from >> 6 ? ~0ULL << (from & 63) : ~0ULL);
		if (x)
			return (long)(w * 64 + (uint32_t)__builtin_ctzll(x));
	}
	return -1;
}
static long cnt_down(const cs_alloc *a, uint32_t from)
{
	for (long w = from >> 6; w >= 0; w--) {
		uint64_t x = a->leaf_cnts[w];
		if (w == (long)(from >> 6) && (from & 63) != 63)
			x &= (2ULL << (from & 63)) - 1;
		if (x)
			return w * 64 + 63 - __builtin_clzll(x);
	}
	return -1;
}

/* An idle node that holds (g, c, m), taken from the leaf with the fewest
 * idle nodes: whole leaves stay whole for big jobs. */
static long idle_from_smallest_leaf(cs_alloc *a, unsigned g, unsigned c, uint32_t m, int32_t type)
{
	cs_al_sync_leaves(a);
	for (long k = cnt_up(a, 1); k >= 0; k = cnt_up(a, (uint32_t)k + 1)) {
		const cs_hbm *b = &a->leaf_by_idle[k];
		for (long lf = cs_hbm_next(b, 0); lf >= 0; lf = cs_hbm_next(b, (uint32_t)lf + 1)) {
			uint32_t lo = a->leaf_first[lf], hi = a->leaf_first[lf + 1];
			for (long n = cs_hbm_next(&a->idle_own, lo); n >= 0 && n < hi;
			     n = cs_hbm_next(&a->idle_own, (uint32_t)n + 1))
				if (fits_node(a, (uint32_t)n, g, c, m, type))
					return n;
		}
	}
	return -1;
}

/* Busy-node buckets f >= g that are not empty, as a bit mask (of one node
 * type, or of all for type < 0). */
static inline uint32_t busy_from(const cs_alloc *a, unsigned g, int32_t type)
{
	return (type >= 0 ? a->busy_mask_t[type] : a->busy_mask_own) & (~0u << g);
}

/* The fragmentation-aware fit's rank of a node for a job (lower is
 * better): a partial node the job leaves with `left` free GPUs ranks by
 * frag_rank(left): none left (the job fills it), then a power of two left,
 * fewest first (jobs of power-of-two sizes, the common ones, can still fill
 * it exactly), then any other count, fewest first; every idle node ranks
 * after all of them, at FRAG_IDLE plus its type's GPU count. */
enum { FRAG_POW2 = 1u << 8, FRAG_OTHER = 2u << 8, FRAG_IDLE = 3u << 8 };
static inline unsigned frag_rank(unsigned left)
{
	return left == 0 ? 0 : (left & (left - 1)) == 0 ? FRAG_POW2 + left : FRAG_OTHER + left;
}

/* An idle node for (g, c, m) of the node type with the fewest GPUs that
 * holds it (the lowest such type), in the leaf with the fewest idle nodes,
 * or -1; *gpus: that type's GPU count. A small node left idle is free
 * capacity no big job can use: small jobs break it first. */
static long frag_idle(cs_alloc *a, unsigned g, unsigned c, uint32_t m, int32_t type, unsigned *gpus)
{
	uint32_t t0 = type >= 0 ? (uint32_t)type : 0, t1 = type >= 0 ? t0 + 1 : a->ntypes;
	long bt = -1;
	for (uint32_t t = t0; t < t1; t++)
		if (a->idle_by_type[t] && type_holds(a, t, g, c, m) &&
		    (bt < 0 || a->types[t].gpus < a->types[bt].gpus))
			bt = t;
	if (bt < 0)
		return -1;
	*gpus = a->types[bt].gpus;
	return idle_from_smallest_leaf(a, g, c, m, (int32_t)bt);
}

/* One node for (g, c, m) under the fragmentation-aware fit, or -1, and
 * its rank: the partial node of the lowest frag_rank (the lowest-numbered
 * of that rank), else frag_idle's. An idle node is never broken while a
 * partial one fits. */
static __attribute__((noinline)) long frag_pick(cs_alloc *a, unsigned g, unsigned c, uint32_t m, int32_t type,
						unsigned *rank)
{
	long best = -1;
	unsigned br = FRAG_IDLE;
	for (uint32_t b = busy_from(a, g, type); b && br; b &= b - 1) {
		unsigned f = (unsigned)__builtin_ctz(b), r = frag_rank(f - g);
		if (r >= br)
			continue;
		long n = first_fit_in(a, type, f, 0, g, c, m);
		if (n >= 0) {
			best = n;
			br = r;
		}
	}
	if (best < 0) {
		unsigned G = 0;
		best = frag_idle(a, g, c, m, type, &G);
		br = FRAG_IDLE + G;
	}
	*rank = br;
	return best;
}

/* One node for (g, c, m) by the allocator's strategy, or -1. */
static long pick_one(cs_alloc *a, unsigned g, unsigned c, uint32_t m, int32_t type)
{
	long best = -1;
	uint32_t bm = busy_from(a, g, type);
	uint32_t t0 = type >= 0 ? (uint32_t)type : 0, t1 = type >= 0 ? t0 + 1 : a->ntypes;
	switch (a->fit) {
	case CS_FIT_FIRST:
		for (uint32_t b = bm; b; b &= b - 1) {
			unsigned f = (unsigned)__builtin_ctz(b);
			long n = first_fit_in(a, type, f, 0, g, c, m);
			if (n >= 0 && (best < 0 || n < best))
				best = n;
		}
		for (uint32_t t = t0; t < t1; t++) {
			if (!a->idle_by_type[t] || !type_holds(a, t, g, c, m))
				continue;
			long n = cs_hbm_next(&a->idle_t[t], 0);
			if (n >= 0 && (best < 0 || n < best))
				best = n;
		}
		return best;
	case CS_FIT_BEST: {
		/* fewest free GPUs left over; at equal counts the lowest node.
		 * Idle nodes sit at their type's GPU count. */
		uint32_t im = 0;
		for (uint32_t t = t0; t < t1; t++)
			if (a->idle_by_type[t] && a->types[t].gpus >= g)
				im |= 1u << a->types[t].gpus;
		for (uint32_t b = bm | im; b; b &= b - 1) {
			unsigned f = (unsigned)__builtin_ctz(b);
			best = (bm >> f & 1) ? first_fit_in(a, type, f, 0, g, c, m) : -1;
			for (uint32_t t = t0; (im >> f & 1) && t < t1; t++) {
				if (a->types[t].gpus != f || !a->idle_by_type[t] || !type_holds(a, t, g, c, m))
					continue;
				long n = cs_hbm_next(&a->idle_t[t], 0);
				if (n >= 0 && (best < 0 || n < best))
					best = n;
			}
			if (best >= 0)
				return best;
		}
		return -1;
	}
	case CS_FIT_FRAG: {
		unsigned rank;
		return frag_pick(a, g, c, m, type, &rank);
	}
	case CS_FIT_TOPO:
		/* busy nodes first, fewest free GPUs first; then break an idle
		 * node in the leaf with the fewest idle nodes */
		for (uint32_t b = bm; b; b &= b - 1) {
			unsigned f = (unsigned)__builtin_ctz(b);
			long n = first_fit_in(a, type, f, 0, g, c, m);
			if (n >= 0)
				return n;
		}
		return idle_from_smallest_leaf(a, g, c, m, type);
	}
	return -1;
}

/* Is a slot of (g, c, m) on node s, or of everything free there (whole),
 * all its free GPUs and cores (the choice inside the node: all of them)?
 * Then *sl is that slot, but its node. */
static inline __attribute__((always_inline)) int slot_all_free(const node_st *s, cs_slot *sl, unsigned g,
								unsigned c, uint32_t m, int whole)
{
	if (!whole && !(s->cores == c && s->nfree == g))
		return 0;
	sl->gpu_mask = s->gmask;
	sl->cores = s->cores;
	sl->mem_mib = whole ? s->mem : m;
	memcpy(sl->core_mask, s->cmask, sizeof sl->core_mask);
	return 1;
}

/* Take (g, c, m) on node n, or everything free there (whole), as the
 * next slot of p (`first`, a constant: p holds no slot yet). `glob` as in
 * set_node_x; `bmi` as in cs_nodepick_take. */
static inline __attribute__((always_inline)) void place_x(cs_alloc *a, cs_placement *p, uint32_t n, unsigned g,
							  unsigned c, uint32_t m, int whole, int glob, int bmi,
							  int first)
{
	node_st *s = &a->ns[n];
	cs_slot *sl = first ? p->slots : &p->slots[p->n];
	p->n = first ? 1 : p->n + 1;
	sl->node = n;
	unsigned nf = 0;
	if (slot_all_free(s, sl, g, c, m, whole)) {
		memset(s->cmask, 0, sizeof s->cmask);
	} else {
		const cs_nodepick *np = glob ? &a->groups[s->type] : &a->group0;
		sl->cores = c;
		sl->mem_mib = m;
		sl->gpu_mask = cs_nodepick_choose(np, s->gmask, g, s->cmask, c, sl->core_mask, bmi);
		nf = s->nfree - g; /* the choice took exactly g of the free GPUs */
	}
	if (whole ? !(sl->gpu_mask | sl->cores | sl->mem_mib) : !(g | c | m))
		return; /* nothing taken (g GPUs were chosen: none iff g is 0) */
	set_node_x(a, n, (uint16_t)(s->gmask & ~sl->gpu_mask), nf, node_cm(s) - slot_cm(sl), glob, SET_TAKE);
}

/* place_x's slot, nothing taken (cs_alloc_find_types): the nodes of a
 * placement are distinct, so each slot is what place_x would make. */
static void place_dry(cs_alloc *a, cs_placement *p, uint32_t n, unsigned g, unsigned c, uint32_t m, int whole)
{
	const node_st *s = &a->ns[n];
	cs_slot *sl = &p->slots[p->n++];
	sl->node = n;
	if (slot_all_free(s, sl, g, c, m, whole))
		return;
	sl->cores = c;
	sl->mem_mib = m;
	uint64_t cfree[CW];
	memcpy(cfree, s->cmask, sizeof cfree);
	const cs_nodepick *np = a->glob ? &a->groups[s->type] : &a->group0;
	sl->gpu_mask = cs_nodepick_choose(np, s->gmask, g, cfree, c, sl->core_mask, 0);
}

static void place(cs_alloc *a, cs_placement *p, uint32_t n, unsigned g, unsigned c, uint32_t m, int whole)
{
	if (a->dry == 2)
		p->n++; /* only whether it fits: the slot is not asked for */
	else if (a->dry)
		place_dry(a, p, n, g, c, m, whole);
	else if (a->glob)
		place_x(a, p, n, g, c, m, whole, 1, 0, 0);
	else
		place_x(a, p, n, g, c, m, whole, 0, 0, 0);
}

static uint32_t leaf_idle_of(const cs_alloc *a, uint32_t lf, int32_t type)
{
	return type < 0 ? a->leaf_idle[lf] : a->leaf_type_idle[(size_t)lf * a->ntypes + (uint32_t)type];
}

/* Append up to k idle nodes of leaf lf that hold (g, c, m) to a->pick. */
static uint32_t take_from_leaf(cs_alloc *a, uint32_t lf, uint32_t k, uint32_t at, unsigned g, unsigned c,
			       uint32_t m, int32_t type)
{
	uint32_t got = 0, hi = a->leaf_first[lf + 1];
	const cs_hbm *b = type >= 0 ? &a->idle_t[type] : &a->idle_own;
	for (long n = cs_hbm_next(b, a->leaf_first[lf]); n >= 0 && n < hi && got < k;
	     n = cs_hbm_next(b, (uint32_t)n + 1))
		if (fits_node(a, (uint32_t)n, g, c, m, type))
			a->pick[at + got++] = (uint32_t)n;
	return got;
}

/* N idle nodes (each holding g, c, m) under the topology rule, into
 * a->pick; returns 0 or -CS_ENOFIT. */
static int pick_idle(cs_alloc *a, uint32_t N, unsigned g, unsigned c, uint32_t m, int32_t type,
		     unsigned topo, unsigned max_leaves)
{
	cs_al_sync_leaves(a);
	if (a->fit == CS_FIT_FIRST && topo == CS_TOPO_ANY) {
		uint32_t got = 0;
		const cs_hbm *b = type >= 0 ? &a->idle_t[type] : &a->idle_own;
		for (long n = cs_hbm_next(b, 0); n >= 0 && got < N; n = cs_hbm_next(b, (uint32_t)n + 1))
			if (fits_node(a, (uint32_t)n, g, c, m, type))
				a->pick[got++] = (uint32_t)n;
		return got == N ? 0 : -CS_ENOFIT;
	}
	if (topo == CS_TOPO_ONE_BLOCK) {
		if (!a->lpb)
			return -CS_ENOFIT;
		/* the block with the fewest idle nodes that can hold N (first
		 * such block under first fit), leaves largest first inside */
		long bb = -1;
		for (uint32_t bl = 0; bl < a->nblocks; bl++) {
			if (a->block_idle[bl] < N)
				continue;
			if (bb < 0 || (a->fit != CS_FIT_FIRST && a->block_idle[bl] < a->block_idle[bb]))
				bb = bl;
			if (a->fit == CS_FIT_FIRST)
				break;
		}
		/* the preferred block, then every other one in order */
		for (long k = -1; k < (long)a->nblocks; k++) {
			long bl = k < 0 ? bb : k;
			if (bl < 0 || (k >= 0 && bl == bb) || a->block_idle[bl] < N)
				continue;
			uint32_t l0 = (uint32_t)bl * a->lpb, l1 = l0 + a->lpb;
			if (l1 > a->nleaves)
				l1 = a->nleaves;
			uint32_t nl = 0;
			for (uint32_t lf = l0; lf < l1; lf++)
				a->lscratch[nl++] = lf;
			/* selection by idle count, descending */
			uint32_t got = 0;
			for (uint32_t i = 0; i < nl && got < N; i++) {
				uint32_t mx = i;
				for (uint32_t j = i + 1; j < nl; j++)
					if (leaf_idle_of(a, a->lscratch[j], type) > leaf_idle_of(a, a->lscratch[mx], type))
						mx = j;
				uint32_t tmp = a->lscratch[i];
				a->lscratch[i] = a->lscratch[mx];
				a->lscratch[mx] = tmp;
				got += take_from_leaf(a, a->lscratch[i], N - got, got, g, c, m, type);
			}
			if (got == N)
				return 0;
		}
		return -CS_ENOFIT;
	}
	/* one leaf: the first (first fit) or the tightest (others) that holds N */
	long chosen = -1, picked = -1; /* picked: the leaf whose nodes a->pick holds */
	for (long kc = N <= a->maxc ? cnt_up(a, N) : -1; kc >= 0 && (chosen < 0 || a->fit == CS_FIT_FIRST);
	     kc = cnt_up(a, (uint32_t)kc + 1)) {
		const cs_hbm *b = &a->leaf_by_idle[kc];
		for (long lf = cs_hbm_next(b, 0); lf >= 0; lf = cs_hbm_next(b, (uint32_t)lf + 1)) {
			if (leaf_idle_of(a, (uint32_t)lf, type) < N)
				continue;
			uint32_t got = take_from_leaf(a, (uint32_t)lf, N, 0, g, c, m, type);
			picked = lf;
			if (got == N) {
				if (chosen < 0 || lf < chosen)
					chosen = lf;
				break;
			}
		}
	}
	if (chosen >= 0 && chosen == picked)
		return 0;
	if (chosen >= 0)
		return take_from_leaf(a, (uint32_t)chosen, N, 0, g, c, m, type) == N ? 0 : -CS_ENOFIT;
	if (topo == CS_TOPO_ONE_LEAF)
		return -CS_ENOFIT;
	/* several leaves, the largest first: the fewest leaves that hold N */
	uint32_t got = 0, leaves = 0;
	for (long kc = cnt_down(a, a->maxc); kc >= 1 && got < N; kc = cnt_down(a, (uint32_t)kc - 1)) {
		const cs_hbm *b = &a->leaf_by_idle[kc];
		for (long lf = cs_hbm_next(b, 0); lf >= 0 && got < N; lf = cs_hbm_next(b, (uint32_t)lf + 1)) {
			uint32_t k = take_from_leaf(a, (uint32_t)lf, N - got, got, g, c, m, type);
			if (k) {
				got += k;
				leaves++;
			}
		}
	}
	if (got < N || (topo == CS_TOPO_MAX_LEAVES && leaves > max_leaves))
		return -CS_ENOFIT;
	return 0;
}

/* a->lcount[lf] for every leaf: its nodes that hold (g, c, m) now. */
static void count_fitting(cs_alloc *a, unsigned g, unsigned c, uint32_t m, int32_t type)
{
	cs_al_sync_leaves(a);
	uint32_t t0 = type >= 0 ? (uint32_t)type : 0, t1 = type >= 0 ? t0 + 1 : a->ntypes;
	for (uint32_t lf = 0; lf < a->nleaves; lf++)
		a->lcount[lf] = 0;
	for (uint32_t t = t0; t < t1; t++) {
		if (!a->idle_by_type[t] || !type_holds(a, t, g, c, m))
			continue;
		for (uint32_t lf = 0; lf < a->nleaves; lf++)
			a->lcount[lf] += a->glob ? a->leaf_type_idle[(size_t)lf * a->ntypes + t] : a->leaf_idle[lf];
	}
	for (uint32_t b = busy_from(a, g, type); b; b &= b - 1) {
		unsigned f = (unsigned)__builtin_ctz(b);
		for (long n = first_fit_in(a, type, f, 0, g, c, m); n >= 0;
		     n = first_fit_in(a, type, f, (uint32_t)n + 1, g, c, m))
			a->lcount[a->ns[n].leaf]++;
	}
}

/* The idle nodes that hold (g, c, m), of type `type` (-1: any): each
 * fits such a request. When that alone answers whether a request fits
 * (cs_alloc_fits_types), the buckets of busy nodes are not walked; their
 * bounds (first_fit_in) are then left as they were, which costs at most
 * a later walk. */
static uint32_t idle_holding(const cs_alloc *a, unsigned g, unsigned c, uint32_t m, int32_t type)
{
	uint32_t k = 0;
	for (uint32_t t = 0; t < a->ntypes; t++)
		if (!(type >= 0 && t != (uint32_t)type) && type_holds(a, t, g, c, m))
			k += a->idle_by_type[t];
	return k;
}

/* Non-exclusive nodes, N of them, each holding (g, c, m). */
static int pick_shared(cs_alloc *a, uint32_t N, unsigned g, unsigned c, uint32_t m, int32_t type,
		       unsigned topo, unsigned max_leaves)
{
	if (topo == CS_TOPO_ANY) {
		/* only whether N nodes fit (cs_alloc_fits_types): the idle
		 * nodes, collected last below, may be enough by their count */
		if (a->dry == 2 && idle_holding(a, g, c, m, type) >= N)
			return 0;
		/* strategy order, distinct nodes: collect in the order pick_one
		 * would prefer them, by scanning the buckets it scans */
		uint32_t got = 0;
		for (unsigned f = g; f <= MAXG && got < N; f++)
			for (long n = first_fit_in(a, type, f, 0, g, c, m); n >= 0 && got < N;
			     n = first_fit_in(a, type, f, (uint32_t)n + 1, g, c, m))
				a->pick[got++] = (uint32_t)n;
		for (uint32_t t = 0; t < a->ntypes && got < N; t++) {
			if ((type >= 0 && t != (uint32_t)type) || !type_holds(a, t, g, c, m))
				continue;
			for (long n = cs_hbm_next(&a->idle_t[t], 0); n >= 0 && got < N;
			     n = cs_hbm_next(&a->idle_t[t], (uint32_t)n + 1))
				a->pick[got++] = (uint32_t)n;
		}
		return got == N ? 0 : -CS_ENOFIT;
	}
	/* count the fitting nodes of every leaf: its idle nodes of a type
	 * that holds the request, from the per-leaf counts, plus its busy
	 * nodes with g or more GPUs free that have the cores and memory, from
	 * the buckets (no walk over the other nodes) */
	count_fitting(a, g, c, m, type);
	uint32_t lo_leaf = 0, hi_leaf = a->nleaves;
	for (uint32_t bl = 0; bl < (topo == CS_TOPO_ONE_BLOCK ? a->nblocks : 1); bl++) {
		if (topo == CS_TOPO_ONE_BLOCK) {
			lo_leaf = bl * a->lpb;
			hi_leaf = lo_leaf + a->lpb < a->nleaves ? lo_leaf + a->lpb : a->nleaves;
		}
		if (topo == CS_TOPO_ONE_LEAF) {
			for (uint32_t lf = lo_leaf; lf < hi_leaf; lf++) {
				if (a->lcount[lf] < N)
					continue;
				uint32_t got = 0;
				for (uint32_t n = a->leaf_first[lf]; n < a->leaf_first[lf + 1] && got < N; n++)
					if (fits_node(a, n, g, c, m, type))
						a->pick[got++] = n;
				return 0;
			}
			return -CS_ENOFIT;
		}
		/* leaves largest first */
		uint32_t nl = 0, total = 0;
		for (uint32_t lf = lo_leaf; lf < hi_leaf; lf++) {
			uint32_t k = a->lcount[lf];
			if (k) {
				a->lscratch[nl++] = lf;
				total += k;
			}
		}
		if (total < N)
			continue;
		uint32_t got = 0, leaves = 0;
		for (uint32_t i = 0; i < nl && got < N; i++) {
			uint32_t mx = i;
			for (uint32_t j = i + 1; j < nl; j++)
				if (a->lcount[a->lscratch[j]] > a->lcount[a->lscratch[mx]])
					mx = j;
			uint32_t lf = a->lscratch[mx];
			a->lscratch[mx] = a->lscratch[i];
			a->lscratch[i] = lf;
			for (uint32_t n = a->leaf_first[lf]; n < a->leaf_first[lf + 1] && got < N; n++)
				if (fits_node(a, n, g, c, m, type))
					a->pick[got++] = n;
			leaves++;
		}
		if (topo != CS_TOPO_MAX_LEAVES || leaves <= max_leaves)
			return 0;
	}
	return -CS_ENOFIT;
}

/* --- the single-node fast path ---
 * One node type (its indexes are the global ones), one node, shared, no
 * block rule: the request the scheduling passes ask most. It makes the
 * choices pick_one() and place() make, with the tests that cannot fail for
 * one type left out: every node is of type 0, and a request that passed
 * the type's size check fits any idle node. */

/* First node of bucket f that has c cores and m MiB free, or -1. */
static inline __attribute__((always_inline)) long first_room(cs_alloc *a, unsigned f, unsigned c, uint32_t m)
{
	cs_hbm *b = &a->byfree_own[f];
	for (long n = cs_hbm_first(b); n >= 0; n = cs_hbm_next(b, (uint32_t)n + 1)) {
		const node_st *s = &a->ns[n];
		if (s->cores >= c && s->mem >= m)
			return n;
	}
	return -1;
}

/* The other strategies' choice with one node type, out of line: the fast
 * path keeps to best fit's registers. */
static __attribute__((noinline)) long pick_one1_other(cs_alloc *a, unsigned g, unsigned c, uint32_t m)
{
	uint32_t bm = a->busy_mask_own & (~0u << g);
	if (a->fit == CS_FIT_FIRST) {
		long best = cs_hbm_first(&a->idle_own); /* -1 when there is none */
		for (; bm; bm &= bm - 1) {
			long n = first_room(a, (unsigned)__builtin_ctz(bm), c, m);
			if (n >= 0 && (best < 0 || n < best))
				best = n;
		}
		return best;
	}
	return pick_one(a, g, c, m, 0);
}

static inline __attribute__((always_inline)) long pick_one1(cs_alloc *a, unsigned g, unsigned c, uint32_t m)
{
	uint32_t bm = a->busy_mask_own & (~0u << g);
	if (__builtin_expect(a->fit == CS_FIT_BEST, 1)) {
		/* fewest free GPUs left over; idle nodes sit at the type's count,
		 * so they are looked up only when no busy node with fewer fits */
		unsigned G = a->gpus0;
		for (; bm; bm &= bm - 1) {
			unsigned f = (unsigned)__builtin_ctz(bm);
			if (f == G)
				break;
			long n = first_room(a, f, c, m);
			if (n >= 0)
				return n;
		}
		long idle = cs_hbm_first(&a->idle_own); /* -1 when there is none */
		if (!bm)
			return idle;
		long n = first_room(a, G, c, m);
		return n >= 0 && (idle < 0 || n < idle) ? n : idle;
	}
	return pick_one1_other(a, g, c, m);
}

static inline __attribute__((always_inline)) int try_one1_x(cs_alloc *a, const cs_request *rq, cs_placement *p,
							    int bmi)
{
	unsigned g = rq->gpus_per_node, c = rq->cores_per_node;
	uint32_t m = rq->mem_per_node_mib;
	if (g > a->gpus0 || c > a->cores0 || m > a->mem0 || p->cap < 1)
		return -CS_EINVAL;
	/* no quick test of the free GPU count: the buckets from g up are empty
	 * then, and an idle node has the type's GPUs */
	long ln = pick_one1(a, g, c, m);
	if (ln < 0)
		return -CS_ENOFIT;
	place_x(a, p, (uint32_t)ln, g, c, m, 0, 0, bmi, 1); /* cs_alloc_try set p->n = 0 */
	return 0;
}
static __attribute__((noinline)) int try_one1(cs_alloc *a, const cs_request *rq, cs_placement *p)
{
	return try_one1_x(a, rq, p, 0);
}
static FAST_BMI2 int try_one1_bmi2(cs_alloc *a, const cs_request *rq, cs_placement *p)
{
	return try_one1_x(a, rq, p, 1);
}

static int can_ever(const cs_alloc *a, unsigned g, unsigned c, uint32_t m, int32_t type)
{
	if (type >= 0)
		return type_holds(a, (uint32_t)type, g, c, m);
	for (uint32_t t = 0; t < a->ntypes; t++)
		if ((type < 0 || t == (uint32_t)type) && type_holds(a, t, g, c, m))
			return 1;
	return 0;
}

/* Every request but the fast path's. */
/* A request's node type as the indexes know it (-1: any), or -2 for one
 * the allocator does not have. */
static int32_t index_type(const cs_alloc *a, int32_t type)
{
	if (type >= (int32_t)a->ntypes)
		return -2;
	return type < 0 && !a->glob ? 0 : type; /* one node type: its indexes are the global ones */
}

static __attribute__((noinline)) int try_any(cs_alloc *a, const cs_request *rq, cs_placement *p)
{
	int32_t type = index_type(a, rq->type);
	if (type == -2)
		return -CS_EINVAL;
	if (rq->nodes == 0) {
		/* pack total_gpus onto as few nodes as possible; cores and
		 * memory per node are per GPU here */
		if (rq->total_gpus == 0)
			return -CS_EINVAL;
		if (type < 0) {
			for (uint32_t t = 0; t < a->ntypes; t++)
				if (type < 0 || a->types[t].gpus > a->types[type].gpus)
					type = (int32_t)t;
		}
		unsigned G = a->types[type].gpus;
		if (G == 0)
			return -CS_EINVAL;
		if (rq->total_gpus > a->free_gpus)
			return -CS_ENOFIT;
		uint32_t whole = rq->total_gpus / G, rem = rq->total_gpus % G;
		unsigned cg = rq->cores_per_node, mg = rq->mem_per_node_mib;
		if (!can_ever(a, G, cg * G, (uint32_t)mg * G, type))
			return -CS_EINVAL;
		uint32_t nn = whole + (rem ? 1 : 0);
		if (p->cap < nn)
			return -CS_EINVAL;
		if (whole == 0) {
			long n = pick_one(a, rem, cg * rem, (uint32_t)mg * rem, type);
			if (n < 0)
				return -CS_ENOFIT;
			place(a, p, (uint32_t)n, rem, cg * rem, (uint32_t)mg * rem, 0);
			return 0;
		}
		if (rq->topo != CS_TOPO_ANY) {
			/* the remainder on one more idle node of the same domain */
			int rc = pick_idle(a, nn, G, cg * G, (uint32_t)mg * G, type, rq->topo, rq->max_leaves);
			if (rc < 0)
				return rc;
			for (uint32_t i = 0; i < nn; i++) {
				unsigned gi = i < whole ? G : rem;
				place(a, p, a->pick[i], gi, cg * gi, (uint32_t)mg * gi, 0);
			}
			return 0;
		}
		int rc = pick_idle(a, whole, G, cg * G, (uint32_t)mg * G, type, CS_TOPO_ANY, 0);
		if (rc < 0)
			return rc;
		for (uint32_t i = 0; i < whole; i++)
			place(a, p, a->pick[i], G, cg * G, (uint32_t)mg * G, 0);
		if (rem) {
			long n = pick_one(a, rem, cg * rem, (uint32_t)mg * rem, type);
			if (n < 0) {
				cs_alloc_release(a, p);
				p->n = 0;
				return -CS_ENOFIT;
			}
			place(a, p, (uint32_t)n, rem, cg * rem, (uint32_t)mg * rem, 0);
		}
		return 0;
	}
	unsigned g = rq->gpus_per_node, c = rq->cores_per_node;
	uint32_t m = rq->mem_per_node_mib, N = rq->nodes;
	if (g > MAXG || N > a->nnodes || !can_ever(a, g, c, m, type) || p->cap < N)
		return -CS_EINVAL;
	if ((uint64_t)g * N > (type >= 0 && a->glob ? a->free_gpus_t[type] : a->free_gpus) ||
	    (rq->exclusive && N > (type >= 0 ? a->idle_by_type[type] : a->nidle)))
		return -CS_ENOFIT;
	int rc;
	if (rq->exclusive) {
		if (N == 1 && rq->topo != CS_TOPO_ONE_BLOCK) {
			long n;
			if (a->fit == CS_FIT_TOPO) {
				n = idle_from_smallest_leaf(a, g, c, m, type);
			} else if (a->fit == CS_FIT_FRAG) {
				unsigned gpus;
				n = frag_idle(a, g, c, m, type, &gpus);
			} else {
				/* first: lowest idle node; best: of the smallest type that holds it */
				n = -1;
				long best_t = -1;
				for (uint32_t t = 0; t < a->ntypes; t++) {
					if ((type >= 0 && t != (uint32_t)type) || !type_holds(a, t, g, c, m))
						continue;
					long k = cs_hbm_next(&a->idle_t[t], 0);
					if (k < 0)
						continue;
					int better = n < 0 ||
						     (a->fit == CS_FIT_FIRST ? k < n
						      : a->types[t].gpus < a->types[best_t].gpus ||
							(a->types[t].gpus == a->types[best_t].gpus && k < n));
					if (better) {
						n = k;
						best_t = t;
					}
				}
			}
			if (n < 0)
				return -CS_ENOFIT;
			place(a, p, (uint32_t)n, 0, 0, 0, 1);
			return 0;
		}
		rc = pick_idle(a, N, g, c, m, type, rq->topo, rq->max_leaves);
		if (rc < 0)
			return rc;
		for (uint32_t i = 0; i < N; i++)
			place(a, p, a->pick[i], 0, 0, 0, 1);
		return 0;
	}
	if (N == 1 && rq->topo != CS_TOPO_ONE_BLOCK) {
		long n = pick_one(a, g, c, m, type);
		if (n < 0)
			return -CS_ENOFIT;
		place(a, p, (uint32_t)n, g, c, m, 0);
		return 0;
	}
	rc = pick_shared(a, N, g, c, m, type, rq->topo, rq->max_leaves);
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < N; i++)
		place(a, p, a->pick[i], g, c, m, 0);
	return 0;
}

int cs_alloc_try(cs_alloc *a, const cs_request *rq, cs_placement *p)
{
	p->n = 0;
	/* the fast path and the rest are functions of their own, so the fast
	 * path saves and restores only the registers it uses */
	if (rq->nodes == 1 && !rq->exclusive && rq->topo != CS_TOPO_ONE_BLOCK && !a->glob && rq->type <= 0)
		return cs_have_bmi2 ? try_one1_bmi2(a, rq, p) : try_one1(a, rq, p);
	return try_any(a, rq, p);
}

/* One shared node under the fragmentation-aware fit, on the type of the
 * list whose node ranks best (frag_pick; at equal ranks the earlier type). */
static int try_types_frag(cs_alloc *a, const cs_request *rq, const int32_t *types, uint32_t ntypes,
			  cs_placement *p)
{
	unsigned g = rq->gpus_per_node, c = rq->cores_per_node;
	uint32_t m = rq->mem_per_node_mib;
	int rc = -CS_EINVAL;
	long best = -1;
	unsigned br = ~0u;
	if (g > MAXG || p->cap < 1)
		return rc;
	for (uint32_t k = 0; k < ntypes; k++) {
		int32_t t = index_type(a, types[k]);
		if (t == -2 || !can_ever(a, g, c, m, t))
			continue;
		rc = -CS_ENOFIT;
		unsigned r;
		long n = frag_pick(a, g, c, m, t, &r);
		if (n >= 0 && r < br) {
			best = n;
			br = r;
		}
	}
	if (best < 0)
		return rc;
	place(a, p, (uint32_t)best, g, c, m, 0);
	return 0;
}

int cs_alloc_try_types(cs_alloc *a, const cs_request *rq, const int32_t *types, uint32_t ntypes, cs_placement *p)
{
	p->n = 0;
	if (a->fit == CS_FIT_FRAG && ntypes > 1 && rq->nodes == 1 && !rq->exclusive && rq->topo != CS_TOPO_ONE_BLOCK)
		return try_types_frag(a, rq, types, ntypes, p);
	cs_request r = *rq;
	int rc = -CS_EINVAL;
	for (uint32_t k = 0; k < ntypes; k++) {
		r.type = types[k];
		int e = cs_alloc_try(a, &r, p);
		if (e == 0 || (e != -CS_EINVAL && e != -CS_ENOFIT))
			return e;
		if (e == -CS_ENOFIT)
			rc = e;
	}
	return rc;
}

int cs_alloc_find_types(cs_alloc *a, const cs_request *rq, const int32_t *types, uint32_t ntypes, cs_placement *p)
{
	/* the one-type fast path, and a request by GPU count (which may take
	 * and give back on the way): a try given back */
	if (rq->nodes == 0 ||
	    (rq->nodes == 1 && !rq->exclusive && rq->topo != CS_TOPO_ONE_BLOCK && !a->glob)) {
		int rc = cs_alloc_try_types(a, rq, types, ntypes, p);
		if (rc == 0)
			cs_alloc_release(a, p);
		return rc;
	}
	a->dry = 1;
	int rc = cs_alloc_try_types(a, rq, types, ntypes, p);
	a->dry = 0;
	return rc;
}

int cs_alloc_fits_types(cs_alloc *a, const cs_request *rq, const int32_t *types, uint32_t ntypes, cs_placement *p)
{
	/* the tries given back at once: as cs_alloc_find_types */
	if (rq->nodes == 0 ||
	    (rq->nodes == 1 && !rq->exclusive && rq->topo != CS_TOPO_ONE_BLOCK && !a->glob))
		return cs_alloc_find_types(a, rq, types, ntypes, p);
	a->dry = 2;
	int rc = cs_alloc_try_types(a, rq, types, ntypes, p);
	a->dry = 0;
	return rc;
}

int cs_alloc_fits_on(const cs_alloc *a, const cs_request *rq, const uint32_t *nodes, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (nodes[i] >= a->nnodes)
			return 0;
		if (rq->exclusive ? !a->ns[nodes[i]].idle || !type_ok(a, nodes[i], rq->type)
				  : !fits_node(a, nodes[i], rq->gpus_per_node, rq->cores_per_node,
					       rq->mem_per_node_mib, rq->type))
			return 0;
	}
	return 1;
}

int cs_alloc_try_on(cs_alloc *a, const cs_request *rq, const uint32_t *nodes, uint32_t n, cs_placement *p)
{
	p->n = 0;
	if (p->cap < n || rq->exclusive)
		return -CS_EINVAL;
	for (uint32_t i = 0; i < n; i++) {
		if (nodes[i] >= a->nnodes)
			return -CS_EINVAL;
		for (uint32_t k = 0; k < i; k++)
			if (nodes[k] == nodes[i])
				return -CS_EINVAL;
	}
	if (!cs_alloc_fits_on(a, rq, nodes, n))
		return -CS_ENOFIT;
	for (uint32_t i = 0; i < n; i++)
		place(a, p, nodes[i], rq->gpus_per_node, rq->cores_per_node, rq->mem_per_node_mib, 0);
	return 0;
}

/* A candidate's place in the order a try of rq takes candidates in under
 * first and best fit, lower first (see cs_alloc_choice_stands): one node,
 * best fit: fewest free GPUs, then the lowest node (an idle node sits at
 * its type's count); one node, first fit: the lowest node; several nodes
 * (pick_shared without a topology rule): busy nodes by free GPUs, then
 * node, before idle nodes by type, then node. nfree and idle as after a
 * change. */
static uint64_t choice_key(const cs_alloc *a, int one, uint32_t n, unsigned nfree, int idle)
{
	if (one)
		return a->fit == CS_FIT_FIRST ? n : (uint64_t)nfree << 32 | n;
	return idle ? (uint64_t)1 << 48 | (uint64_t)a->ns[n].type << 32 | n : (uint64_t)nfree << 32 | n;
}

int cs_alloc_choice_stands(const cs_alloc *a, const cs_request *rq, const cs_placement *q, const cs_slot *less,
			   uint32_t n)
{
	if (!n)
		return 1; /* the same state: the same choice */
	if ((a->fit != CS_FIT_FIRST && a->fit != CS_FIT_BEST) || rq->exclusive || !rq->nodes || q->n != rq->nodes)
		return 0;
	int one = rq->nodes == 1 && rq->topo != CS_TOPO_ONE_BLOCK;
	if (!one && rq->topo != CS_TOPO_ANY)
		return 0; /* leaves chosen by their counts of fitting nodes */
	unsigned g = rq->gpus_per_node, c = rq->cores_per_node;
	uint32_t m = rq->mem_per_node_mib;
	uint32_t last = q->slots[q->n - 1].node;
	uint64_t lk = choice_key(a, one, last, a->ns[last].nfree, a->ns[last].idle);
	for (uint32_t i = 0; i < n; i++) {
		const cs_slot *x = &less[i];
		const node_st *s = &a->ns[x->node];
		if (!(x->gpu_mask | x->cores | x->mem_mib) || s->nfree < g || s->cores < c || s->mem < m)
			continue; /* nothing taken, or not a candidate now: none after */
		/* a candidate now after q's last node, so not in q ... */
		if (choice_key(a, one, x->node, s->nfree, s->idle) <= lk)
			return 0;
		/* ... and after it still, if one then (a take leaves it busy) */
		unsigned nf = s->nfree - cs_slot_gpus(x);
		if (nf >= g && s->cores - x->cores >= c && s->mem - x->mem_mib >= m &&
		    choice_key(a, one, x->node, nf, 0) <= lk)
			return 0;
	}
	return 1;
}

int cs_alloc_among_ok(const cs_alloc *a, const cs_request *rq)
{
	return (a->fit == CS_FIT_FIRST || a->fit == CS_FIT_BEST) && !rq->exclusive && rq->nodes > 0 &&
	       (rq->topo == CS_TOPO_ANY || (rq->nodes == 1 && rq->topo != CS_TOPO_ONE_BLOCK)) &&
	       (rq->gpus_per_node | rq->cores_per_node | rq->mem_per_node_mib) != 0;
}

static int among_cmp(const void *x, const void *y)
{
	uint64_t a = ((const struct among_ent *)x)->key, b = ((const struct among_ent *)y)->key;
	return (a > b) - (a < b);
}

/* cs_alloc_find_among's slots: place_dry's on the first N candidates
 * (a->among), each from its node's free masks. The choice inside a node is
 * the same with BMI2 or without (tested); where the request asks for all
 * the node's free GPUs and cores (holds of whole nodes, nearly all), the
 * choice of g of g free GPUs and c of c free cores is every one of them. */
static inline __attribute__((always_inline)) void among_place_x(const cs_alloc *a, const cs_slot *const *fr,
								uint32_t N, unsigned g, unsigned c, uint32_t m,
								cs_placement *p, int bmi)
{
	for (uint32_t i = 0; i < N; i++) {
		const cs_slot *s = fr[a->among[i].i];
		cs_slot *sl = &p->slots[i];
		sl->node = s->node;
		sl->cores = c;
		sl->mem_mib = m;
		if (s->cores == c && cs_pop16(s->gpu_mask) == g) {
			sl->gpu_mask = s->gpu_mask;
			memcpy(sl->core_mask, s->core_mask, sizeof sl->core_mask);
			continue;
		}
		const cs_nodepick *np = a->glob ? &a->groups[a->ns[s->node].type] : &a->group0;
		uint64_t cfree[CW];
		memcpy(cfree, s->core_mask, sizeof cfree);
		sl->gpu_mask = cs_nodepick_choose(np, s->gpu_mask, g, cfree, c, sl->core_mask, bmi);
	}
	p->n = N;
}
static __attribute__((noinline)) void among_place(const cs_alloc *a, const cs_slot *const *fr, uint32_t N,
						  unsigned g, unsigned c, uint32_t m, cs_placement *p)
{
	among_place_x(a, fr, N, g, c, m, p, 0);
}
static FAST_BMI2 void among_place_bmi2(const cs_alloc *a, const cs_slot *const *fr, uint32_t N, unsigned g,
				       unsigned c, uint32_t m, cs_placement *p)
{
	among_place_x(a, fr, N, g, c, m, p, 1);
}

/* Under first and best fit, a shared request without a topology rule takes
 * its candidates in a fixed order (choice_key: pick_one's, the fast path's
 * and pick_shared's), and a node is a candidate by its own free counts; a
 * node with nothing free is none (something is asked). So the try's
 * placement is the first N candidates of fr in that order, each slot as
 * place_dry makes it from that node's free masks. The error is the try's:
 * -CS_EINVAL where no type of the list could ever hold rq. */
int cs_alloc_find_among(cs_alloc *a, const cs_request *rq, const int32_t *types, uint32_t ntypes,
			const cs_slot *const *fr, uint32_t nfr, cs_placement *p)
{
	unsigned g = rq->gpus_per_node, c = rq->cores_per_node;
	uint32_t m = rq->mem_per_node_mib, N = rq->nodes;
	int one = N == 1 && rq->topo != CS_TOPO_ONE_BLOCK;
	int rc = -CS_EINVAL;
	p->n = 0;
	for (uint32_t k = 0; k < ntypes; k++) {
		int32_t type = index_type(a, types[k]);
		if (type == -2 || g > MAXG || N > a->nnodes || !can_ever(a, g, c, m, type) || p->cap < N)
			continue;
		rc = -CS_ENOFIT;
		struct among_ent *e = a->among;
		uint32_t nc = 0;
		for (uint32_t i = 0; i < nfr; i++) {
			const cs_slot *s = fr[i];
			unsigned ty = a->ns[s->node].type;
			unsigned nf = cs_pop16(s->gpu_mask);
			if ((type >= 0 && ty != (unsigned)type) || nf < g || s->cores < c || s->mem_mib < m)
				continue;
			int idle = nf == a->types[ty].gpus && slot_cm(s) == a->full_cm[ty];
			e[nc++] = (struct among_ent){ choice_key(a, one, s->node, nf, idle), i };
		}
		if (nc < N)
			continue;
		if (N == 1) {
			for (uint32_t i = 1; i < nc; i++)
				if (e[i].key < e[0].key)
					e[0] = e[i];
		} else if (nc <= 64) {
			for (uint32_t i = 1; i < nc; i++) {
				struct among_ent x = e[i];
				uint32_t q = i;
				for (; q > 0 && e[q - 1].key > x.key; q--)
					e[q] = e[q - 1];
				e[q] = x;
			}
		} else {
			qsort(e, nc, sizeof *e, among_cmp); /* keys differ: nodes differ */
		}
		if (cs_have_bmi2)
			among_place_bmi2(a, fr, N, g, c, m, p);
		else
			among_place(a, fr, N, g, c, m, p);
		return 0;
	}
	return rc;
}
