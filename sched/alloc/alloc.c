/* capsim: the hot-path allocator. See include/capsim/alloc.h.
 *
 * Indexes, all updated by set_node_x() whenever a node's free counts change:
 *  - byfree_own[f]: busy (not idle) nodes with exactly f free GPUs, and
 *    the same per node type (byfree_t), so a request for one type never
 *    walks the nodes of another; a mask per type (and one for all) has bit
 *    f set exactly when that bucket is not empty (the bitmap's clear says
 *    when it emptied, so no bucket keeps a count);
 *  - per busy-node bucket (each of byfree_own and byfree_t), an upper
 *    bound on its nodes' free cores and free memory (bucket_ub): raised as
 *    a node enters the bucket or gains there, lowered to the exact maxima
 *    by a search that walked the whole bucket and found nothing, so a
 *    search that asks for more skips the bucket (a type whose nodes have
 *    no GPUs keeps every busy node in bucket 0: a request for a whole
 *    node's cores walked all of them every time);
 *  - idle_t[t]: idle nodes of type t; idle_own: idle nodes of any type (with
 *    one node type the global indexes are that type's, kept once);
 *  - per leaf (and per leaf and type) the number of idle nodes, the leaves
 *    bucketed by that number (leaf_by_idle[c]) and the idle nodes per
 *    block, all lazily: a node turning idle or busy only marks its leaf,
 *    and sync_leaves() counts the marked leaves' idle nodes in the idle
 *    bitmaps and moves them before a search that uses them, so a node
 *    toggling between idle and busy costs one bit and one counter.
 * A request looks only at the buckets it can use: O(GPU counts + node
 * types) bitmap steps for one node, O(leaf buckets + nodes placed) for
 * whole-node jobs. Non-exclusive multi-node jobs under a topology rule count
 * each leaf's fitting nodes from its idle nodes and the free-GPU buckets.
 * Cores: fitting is on the free count; which cores is nodepick.h's.
 */
#include "capsim/alloc.h"
#include "capsim/hbm.h"
#include "nodepick.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXG CS_ALLOC_MAX_GPUS
#define CW CS_ALLOC_CORE_WORDS

/* A node's free state (44 bytes) and its place in the topology (6), padded to
 * a cache line: one line per node, and an index is a shift. */
typedef struct __attribute__((aligned(64))) node_st {
	uint64_t cmask[CW]; /* free cores, on node types with a core mask (else zero) */
	uint32_t cores;     /* free cores */
	uint32_t mem;       /* free memory, MiB */
	uint32_t leaf;
	uint16_t gmask;     /* free GPUs */
	uint16_t type;
	uint8_t nfree;      /* popcount(gmask) */
	uint8_t idle;       /* everything free */
} node_st;
_Static_assert(sizeof(node_st) == 64, "a node's record is one 64-byte line");

/* Free cores and memory as one 64-bit value: the two 32-bit fields side by
 * side (a node's cores and mem, a slot's cores and mem_mib), read and
 * written with memcpy. Adding or subtracting such pairs is exact as long as
 * neither half overflows, which holds for free and taken amounts (each at
 * most the node type's own), on either byte order; the hot path moves and
 * compares the pair as one value. */
typedef struct cm_pair { uint32_t cores, mem; } cm_pair;
_Static_assert(offsetof(node_st, mem) == offsetof(node_st, cores) + 4, "a node's cores and memory are a pair");
_Static_assert(offsetof(cs_slot, mem_mib) == offsetof(cs_slot, cores) + 4, "a slot's cores and memory are a pair");

static inline uint64_t cm_of(uint32_t cores, uint32_t mem)
{
	cm_pair p = { cores, mem };
	uint64_t v;
	memcpy(&v, &p, sizeof v);
	return v;
}
static inline uint64_t node_cm(const node_st *s)
{
	uint64_t v;
	memcpy(&v, (const char *)s + offsetof(node_st, cores), sizeof v);
	return v;
}
static inline uint64_t slot_cm(const cs_slot *sl)
{
	uint64_t v;
	memcpy(&v, (const char *)sl + offsetof(cs_slot, cores), sizeof v);
	return v;
}

/* What a busy-node bucket's nodes may have free at most (see above). */
typedef struct bucket_ub {
	uint32_t cores, mem;
} bucket_ub;

struct cs_alloc {
	cs_fit fit;
	uint32_t nnodes, ntypes, nleaves, lpb, nblocks, maxc;
	int glob;                 /* several node types: the global indexes are kept apart */
	cs_alloc_type *types;
	uint64_t *full_cm;        /* per type: cm_of(cores, mem_mib), an idle node's */
	/* type 0's sizes, read by the one-type fast path at fixed offsets */
	uint64_t full_cm0;
	uint32_t gpus0, cores0, mem0;
	cs_nodepick *groups;      /* per type (group0 with one type) */
	cs_nodepick group0;
	uint32_t *leaf_first;
	node_st *ns;
	/* the indexes over all node types; with one node type they are that
	 * type's (byfree_t, idle_t and busy_mask_t point here), so the fast
	 * path finds them at fixed offsets */
	cs_hbm byfree_own[MAXG + 1];
	cs_hbm idle_own;
	uint32_t busy_mask_own;   /* bit f: byfree_own[f] is not empty */
	bucket_ub ub_own[MAXG + 1];
	bucket_ub *ub_t;          /* [type * (MAXG + 1) + f] (ub_own with one type) */
	cs_hbm *idle_t;
	cs_hbm *leaf_by_idle;     /* [maxc + 1], over leaves, by leaf_idle */
	uint64_t leaf_cnts[4];    /* bit c: leaf_by_idle[c] is not empty (c <= 255) */
	uint32_t *leaf_idle;      /* per leaf, as of the last sync_leaves */
	uint64_t *leaf_dirty;     /* bit per leaf: its idle nodes changed since */
	uint32_t *leaf_type_idle; /* per leaf x type (leaf_idle itself with one type) */
	uint32_t *block_idle;     /* by leaf_idle */
	cs_hbm *byfree_t;                 /* [type * (MAXG + 1) + f] */
	uint32_t *busy_mask_t;            /* per type: bit f, byfree_t[type][f] is not empty */
	uint64_t *free_gpus_t;            /* per type (several types) */
	uint32_t *idle_by_type;           /* population of idle_t[t] (&nidle with one type) */
	uint64_t free_gpus;
	uint32_t nidle;
	uint32_t *pick;           /* scratch: chosen nodes */
	uint32_t *lscratch;       /* scratch: leaf order */
	uint32_t *lcount;         /* scratch: fitting nodes per leaf */
	int dry;                  /* cs_alloc_find_types: place() takes nothing */
};

/* --- state changes --- */

/* Bring leaf_idle (and per type), leaf_by_idle and block_idle up to date
 * for the marked leaves: their idle nodes counted in the idle bitmaps. */
static void sync_leaves(cs_alloc *a)
{
	for (uint32_t w = 0; w < (a->nleaves + 63) / 64; w++) {
		for (uint64_t x = a->leaf_dirty[w]; x; x &= x - 1) {
			uint32_t lf = w * 64 + (uint32_t)__builtin_ctzll(x);
			uint32_t lo = a->leaf_first[lf], hi = a->leaf_first[lf + 1];
			uint32_t cur = 0, rec = a->leaf_idle[lf];
			if (!a->glob) {
				cur = cs_hbm_count_range(&a->idle_own, lo, hi);
			} else {
				/* per type, and the leaf's count their sum */
				for (uint32_t t = 0; t < a->ntypes; t++) {
					uint32_t k = cs_hbm_count_range(&a->idle_t[t], lo, hi);
					a->leaf_type_idle[(size_t)lf * a->ntypes + t] = k;
					cur += k;
				}
			}
			a->leaf_idle[lf] = cur;
			if (cur == rec)
				continue;
			if (cs_hbm_clear_last(&a->leaf_by_idle[rec], lf))
				a->leaf_cnts[rec >> 6] &= ~(1ULL << (rec & 63));
			cs_hbm_set(&a->leaf_by_idle[cur], lf);
			a->leaf_cnts[cur >> 6] |= 1ULL << (cur & 63);
			if (a->lpb)
				a->block_idle[lf / a->lpb] += cur - rec;
		}
		a->leaf_dirty[w] = 0;
	}
}

static inline void ub_raise(bucket_ub *u, uint32_t cores, uint32_t mem)
{
	u->cores = cores > u->cores ? cores : u->cores;
	u->mem = mem > u->mem ? mem : u->mem;
}

/* How a state change came about, a compile-time constant of set_node_x:
 * anything (construction, cs_alloc_take), a take of something, or a give
 * back of something. A take leaves the node busy and a give finds it busy,
 * so each of those skips a test of the general case. */
enum { SET_ANY, SET_TAKE, SET_GIVE };

/* A node's new free state, nf = popcount(gmask), cm its free cores and
 * memory (cm_of). `glob` is a->glob, passed as a constant so each caller
 * gets a copy without the other case's tests. */
static inline __attribute__((always_inline)) void set_node_x(cs_alloc *a, uint32_t n, uint16_t gmask, unsigned nf,
							     uint64_t cm, int glob, int how)
{
	node_st *s = &a->ns[n];
	const unsigned ty = glob ? s->type : 0; /* one node type: every node is type 0 */
	unsigned G = glob ? a->types[ty].gpus : a->gpus0;
	uint64_t full = glob ? a->full_cm[ty] : a->full_cm0;
	unsigned idle = how == SET_TAKE ? 0 : (nf == G) & (cm == full); /* no branches */
	unsigned was = how == SET_GIVE ? 0 : s->idle;
	unsigned of = s->nfree;
	s->gmask = gmask;
	cm_pair q; /* stored as the two typed fields: a byte-wise store could alias anything */
	memcpy(&q, &cm, sizeof q);
	s->cores = q.cores;
	s->mem = q.mem;
	if (!idle) {
		/* in bucket nf now with these free: its bounds cover them */
		ub_raise(glob ? &a->ub_t[(size_t)ty * (MAXG + 1) + nf] : &a->ub_own[nf], q.cores, q.mem);
		if (glob)
			ub_raise(&a->ub_own[nf], q.cores, q.mem);
	}
	if (idle == was && nf == of)
		return; /* only cores or memory changed: no index moves */
	s->nfree = (uint8_t)nf;
	s->idle = (uint8_t)idle;
	/* the type's indexes: with one type, the struct's own */
	cs_hbm *bt = glob ? &a->byfree_t[(size_t)ty * (MAXG + 1)] : a->byfree_own;
	cs_hbm *it = glob ? &a->idle_t[ty] : &a->idle_own;
	uint32_t *mt = glob ? &a->busy_mask_t[ty] : &a->busy_mask_own;
	if (was) {
		cs_hbm_clear(it, n);
		if (glob) { /* one type: idle_by_type is nidle */
			a->idle_by_type[ty]--;
			cs_hbm_clear(&a->idle_own, n);
		}
	} else {
		if (cs_hbm_clear_last(&bt[of], n))
			*mt &= ~(1u << of);
		if (glob && cs_hbm_clear_last(&a->byfree_own[of], n))
			a->busy_mask_own &= ~(1u << of);
	}
	if (idle) {
		cs_hbm_set(it, n);
		if (glob) {
			a->idle_by_type[ty]++;
			cs_hbm_set(&a->idle_own, n);
		}
	} else {
		cs_hbm_set(&bt[nf], n);
		*mt |= 1u << nf;
		if (glob) {
			cs_hbm_set(&a->byfree_own[nf], n);
			a->busy_mask_own |= 1u << nf;
		}
	}
	if (idle != was) {
		/* the leaf's counts are worked out from the idle bitmaps when a
		 * search needs them (sync_leaves) */
		uint32_t lf = s->leaf;
		a->leaf_dirty[lf >> 6] |= 1ULL << (lf & 63);
		a->nidle += idle ? 1u : (uint32_t)-1;
	}
	a->free_gpus += (uint64_t)nf - of;
	if (glob)
		a->free_gpus_t[ty] += (uint64_t)nf - of;
}

/* The same, counting the free GPUs (construction and cs_alloc_take). */
static void set_node(cs_alloc *a, uint32_t n, uint16_t gmask, uint32_t cores, uint32_t mem)
{
	if (a->glob)
		set_node_x(a, n, gmask, cs_pop16(gmask), cm_of(cores, mem), 1, SET_ANY);
	else
		set_node_x(a, n, gmask, cs_pop16(gmask), cm_of(cores, mem), 0, SET_ANY);
}

/* --- construction --- */

void cs_alloc_free(cs_alloc *a)
{
	if (!a)
		return;
	for (unsigned f = 0; f <= MAXG; f++)
		cs_hbm_free(&a->byfree_own[f]);
	cs_hbm_free(&a->idle_own);
	if (a->glob) { /* with one type these are the struct's own */
		for (uint32_t t = 0; a->idle_t && t < a->ntypes; t++)
			cs_hbm_free(&a->idle_t[t]);
		for (size_t k = 0; a->byfree_t && k < (size_t)a->ntypes * (MAXG + 1); k++)
			cs_hbm_free(&a->byfree_t[k]);
		free(a->byfree_t);
		free(a->ub_t);
		free(a->busy_mask_t);
		free(a->idle_t);
	}
	for (uint32_t t = 0; a->groups && t < a->ntypes; t++)
		cs_nodepick_free(&a->groups[t]);
	free(a->free_gpus_t);
	for (uint32_t c = 0; a->leaf_by_idle && c <= a->maxc; c++)
		cs_hbm_free(&a->leaf_by_idle[c]);
	free(a->leaf_by_idle);
	free(a->types);
	free(a->full_cm);
	if (a->groups != &a->group0)
		free(a->groups);
	free(a->leaf_first);
	free(a->ns);
	free(a->leaf_idle);
	free(a->leaf_dirty);
	if (a->leaf_type_idle != a->leaf_idle)
		free(a->leaf_type_idle);
	free(a->block_idle);
	free(a->pick);
	free(a->lscratch);
	free(a->lcount);
	if (a->idle_by_type != &a->nidle)
		free(a->idle_by_type);
	free(a);
}

int cs_alloc_new(cs_alloc **out, const cs_alloc_layout *l, cs_fit fit, char *err, size_t errlen)
{
	*out = NULL;
	if (l->nnodes == 0 || l->ntypes == 0 || l->nleaves == 0 || l->leaf_first[0] != 0 ||
	    l->leaf_first[l->nleaves] != l->nnodes) {
		snprintf(err, errlen, "allocator layout: need nodes, node types and leaves covering the nodes");
		return -CS_EINVAL;
	}
	uint32_t maxc = 0;
	for (uint32_t i = 0; i < l->nleaves; i++) {
		if (l->leaf_first[i + 1] < l->leaf_first[i]) {
			snprintf(err, errlen, "allocator layout: leaf %u: node range goes backwards", i);
			return -CS_EINVAL;
		}
		uint32_t c = l->leaf_first[i + 1] - l->leaf_first[i];
		if (c > CS_ALLOC_MAX_LEAF_NODES) {
			snprintf(err, errlen, "allocator layout: leaf %u has %u nodes (at most %u)", i, c,
				 CS_ALLOC_MAX_LEAF_NODES);
			return -CS_EINVAL;
		}
		if (c > maxc)
			maxc = c;
	}
	for (uint32_t t = 0; t < l->ntypes; t++)
		if (l->types[t].gpus > MAXG) {
			snprintf(err, errlen, "allocator layout: node type %u has %u GPUs (at most %u)", t,
				 l->types[t].gpus, MAXG);
			return -CS_EINVAL;
		}
	cs_alloc *a = calloc(1, sizeof *a);
	if (!a)
		return -CS_ENOMEM;
	a->fit = fit;
	a->nnodes = l->nnodes;
	a->ntypes = l->ntypes;
	a->glob = l->ntypes > 1;
	a->nleaves = l->nleaves;
	a->lpb = l->leaves_per_block;
	a->nblocks = a->lpb ? (a->nleaves + a->lpb - 1) / a->lpb : 0;
	a->maxc = maxc;
	a->types = malloc(l->ntypes * sizeof *a->types);
	a->full_cm = malloc(l->ntypes * sizeof *a->full_cm);
	a->groups = a->glob ? calloc(l->ntypes, sizeof *a->groups) : &a->group0;
	a->leaf_first = malloc((l->nleaves + 1) * sizeof *a->leaf_first);
	a->ns = aligned_alloc(64, (size_t)l->nnodes * sizeof *a->ns);
	a->idle_t = a->glob ? calloc(l->ntypes, sizeof *a->idle_t) : &a->idle_own;
	a->leaf_by_idle = calloc(maxc + 1, sizeof *a->leaf_by_idle);
	a->leaf_idle = calloc(l->nleaves, sizeof *a->leaf_idle);
	a->leaf_dirty = calloc((l->nleaves + 63) / 64, sizeof *a->leaf_dirty);
	a->leaf_type_idle = a->glob ? calloc((size_t)l->nleaves * l->ntypes, sizeof *a->leaf_type_idle)
				    : a->leaf_idle;
	a->block_idle = calloc(a->nblocks ? a->nblocks : 1, sizeof *a->block_idle);
	a->pick = malloc(l->nnodes * sizeof *a->pick);
	a->lscratch = malloc(l->nleaves * sizeof *a->lscratch);
	a->lcount = malloc(l->nleaves * sizeof *a->lcount);
	a->idle_by_type = a->glob ? calloc(l->ntypes, sizeof *a->idle_by_type) : &a->nidle;
	size_t nb = (size_t)l->ntypes * (MAXG + 1);
	a->byfree_t = a->glob ? calloc(nb, sizeof *a->byfree_t) : a->byfree_own;
	a->ub_t = a->glob ? calloc(nb, sizeof *a->ub_t) : a->ub_own;
	a->busy_mask_t = a->glob ? calloc(l->ntypes, sizeof *a->busy_mask_t) : &a->busy_mask_own;
	a->free_gpus_t = calloc(l->ntypes, sizeof *a->free_gpus_t);
	int bad = !a->byfree_t || !a->ub_t || !a->busy_mask_t || !a->free_gpus_t || !a->types || !a->full_cm ||
		  !a->groups || !a->leaf_first || !a->ns || !a->idle_t || !a->leaf_by_idle || !a->leaf_idle ||
		  !a->leaf_dirty || !a->leaf_type_idle || !a->block_idle ||
		  !a->pick || !a->lscratch || !a->lcount || !a->idle_by_type;
	for (unsigned f = 0; !bad && f <= MAXG; f++)
		bad = cs_hbm_init(&a->byfree_own[f], l->nnodes) < 0;
	if (!bad)
		bad = cs_hbm_init(&a->idle_own, l->nnodes) < 0;
	for (uint32_t t = 0; !bad && t < l->ntypes; t++)
		bad = (a->glob && cs_hbm_init(&a->idle_t[t], l->nnodes) < 0) ||
		      cs_nodepick_init(&a->groups[t], &l->types[t]) < 0;
	for (size_t k = 0; !bad && a->glob && k < nb; k++)
		bad = cs_hbm_init(&a->byfree_t[k], l->nnodes) < 0;
	for (uint32_t c = 0; !bad && c <= maxc; c++)
		bad = cs_hbm_init(&a->leaf_by_idle[c], l->nleaves) < 0;
	if (bad) {
		cs_alloc_free(a);
		return -CS_ENOMEM;
	}
	memcpy(a->types, l->types, l->ntypes * sizeof *a->types);
	for (uint32_t t = 0; t < l->ntypes; t++)
		a->full_cm[t] = cm_of(l->types[t].cores, l->types[t].mem_mib);
	a->full_cm0 = a->full_cm[0];
	a->gpus0 = l->types[0].gpus;
	a->cores0 = l->types[0].cores;
	a->mem0 = l->types[0].mem_mib;
	memcpy(a->leaf_first, l->leaf_first, (l->nleaves + 1) * sizeof *a->leaf_first);
	for (uint32_t lf = 0; lf < l->nleaves; lf++) {
		cs_hbm_set(&a->leaf_by_idle[0], lf);
		a->leaf_cnts[0] |= 1;
		for (uint32_t n = l->leaf_first[lf]; n < l->leaf_first[lf + 1]; n++) {
			uint16_t t = l->node_type[n];
			if (t >= l->ntypes) {
				snprintf(err, errlen, "allocator layout: node %u has type %u of %u", n, t, l->ntypes);
				cs_alloc_free(a);
				return -CS_EINVAL;
			}
			/* start busy with nothing free, then free everything */
			a->ns[n] = (node_st){ .leaf = lf, .type = t };
			memcpy(a->ns[n].cmask, a->groups[t].all, sizeof a->ns[n].cmask);
			size_t k0 = (size_t)t * (MAXG + 1);
			cs_hbm_set(&a->byfree_t[k0], n);
			a->busy_mask_t[t] |= 1u;
			if (a->glob) {
				cs_hbm_set(&a->byfree_own[0], n);
				a->busy_mask_own |= 1u;
			}
			const cs_alloc_type *ty = &a->types[t];
			set_node(a, n, (uint16_t)((1u << ty->gpus) - 1u), ty->cores, ty->mem_mib);
		}
	}
	sync_leaves(a);
	*out = a;
	return 0;
}

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
 * <= from, or -1 (after sync_leaves). */
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
	sync_leaves(a);
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
	if (whole) {
		sl->gpu_mask = s->gmask;
		sl->cores = s->cores;
		sl->mem_mib = s->mem;
		memcpy(sl->core_mask, s->cmask, sizeof sl->core_mask);
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
	if (whole) {
		sl->gpu_mask = s->gmask;
		sl->cores = s->cores;
		sl->mem_mib = s->mem;
		memcpy(sl->core_mask, s->cmask, sizeof sl->core_mask);
		return;
	}
	uint64_t cfree[CW];
	memcpy(cfree, s->cmask, sizeof cfree);
	const cs_nodepick *np = a->glob ? &a->groups[s->type] : &a->group0;
	sl->cores = c;
	sl->mem_mib = m;
	sl->gpu_mask = cs_nodepick_choose(np, s->gmask, g, cfree, c, sl->core_mask, 0);
}

static void place(cs_alloc *a, cs_placement *p, uint32_t n, unsigned g, unsigned c, uint32_t m, int whole)
{
	if (a->dry)
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
	sync_leaves(a);
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
	sync_leaves(a);
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

/* Non-exclusive nodes, N of them, each holding (g, c, m). */
static int pick_shared(cs_alloc *a, uint32_t N, unsigned g, unsigned c, uint32_t m, int32_t type,
		       unsigned topo, unsigned max_leaves)
{
	if (topo == CS_TOPO_ANY) {
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

/* The fast path twice: compiled for baseline x86-64, and for CPUs with
 * BMI1, BMI2 and POPCNT (cs_have_bmi2), where shifts by a variable count,
 * and-not and bit scans are single instructions without register
 * constraints. The same source; the dispatch reads cs_have_bmi2. */
#if CS_HAVE_X86_TARGETS
#define FAST_BMI2 __attribute__((noinline, target("bmi,bmi2,popcnt")))
#else
#define FAST_BMI2 __attribute__((noinline))
#endif
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

/* Give back one slot. A slot's core mask has no bits outside its node's
 * cores (the allocator made it, or cs_alloc_take checked it), so every
 * word is or-ed in without looking at the node type. */
static inline __attribute__((always_inline)) void give_x(cs_alloc *a, const cs_slot *sl, int glob, int bmi)
{
	node_st *s = &a->ns[sl->node];
	uint64_t cm = slot_cm(sl);
	if (!(sl->gpu_mask | cm))
		return; /* nothing to give: the node may be idle */
	_Static_assert(CW == 4, "the core mask is or-ed word by word below");
	s->cmask[0] |= sl->core_mask[0]; /* written out: a loop of four is not unrolled at -O2 */
	s->cmask[1] |= sl->core_mask[1];
	s->cmask[2] |= sl->core_mask[2];
	s->cmask[3] |= sl->core_mask[3];
	unsigned back = bmi ? cs_popcnt_asm(sl->gpu_mask) : cs_pop16(sl->gpu_mask);
	set_node_x(a, sl->node, (uint16_t)(s->gmask | sl->gpu_mask), s->nfree + back, node_cm(s) + cm, glob,
		   SET_GIVE);
}

static __attribute__((noinline)) void release_n(cs_alloc *a, const cs_placement *p)
{
	for (uint32_t i = 0; i < p->n; i++) {
		if (a->glob)
			give_x(a, &p->slots[i], 1, 0);
		else
			give_x(a, &p->slots[i], 0, 0);
	}
}

static __attribute__((noinline)) void give1(cs_alloc *a, const cs_slot *sl) { give_x(a, sl, 0, 0); }
static FAST_BMI2 void give1_bmi2(cs_alloc *a, const cs_slot *sl) { give_x(a, sl, 0, 1); }

void cs_alloc_release(cs_alloc *a, const cs_placement *p)
{
	if (p->n != 1 || a->glob)
		release_n(a, p);
	else if (cs_have_bmi2) /* one slot, one node type: the fast path's give back */
		give1_bmi2(a, p->slots);
	else
		give1(a, p->slots);
}

int cs_alloc_take(cs_alloc *a, const cs_placement *p)
{
	for (uint32_t i = 0; i < p->n; i++) {
		const cs_slot *sl = &p->slots[i];
		if (sl->node >= a->nnodes)
			return -CS_EINVAL;
		const cs_nodepick *np = &a->groups[a->ns[sl->node].type];
		if (np->cw && cs_pop_mask(sl->core_mask, np->cw) != sl->cores)
			return -CS_EINVAL;
		for (unsigned w = 0; w < CW; w++)
			if (sl->core_mask[w] & ~np->all[w])
				return -CS_EINVAL; /* a core the node does not have (any, without a core mask) */
	}
	/* a node may appear in several slots: check as we apply, and undo on
	 * the first shortfall */
	for (uint32_t i = 0; i < p->n; i++) {
		const cs_slot *sl = &p->slots[i];
		node_st *s = &a->ns[sl->node];
		unsigned cw = a->groups[s->type].cw;
		uint64_t over = 0;
		for (unsigned w = 0; w < cw; w++)
			over |= sl->core_mask[w] & ~s->cmask[w];
		if ((sl->gpu_mask & ~s->gmask) || sl->cores > s->cores || sl->mem_mib > s->mem || over) {
			cs_placement done = { p->slots, p->n, i };
			cs_alloc_release(a, &done);
			return -CS_ENOFIT;
		}
		for (unsigned w = 0; w < cw; w++)
			s->cmask[w] &= ~sl->core_mask[w];
		set_node(a, sl->node, (uint16_t)(s->gmask & ~sl->gpu_mask), s->cores - sl->cores,
			 s->mem - sl->mem_mib);
	}
	return 0;
}

/* One slot known to be free now: its GPUs, cores and memory off node
 * sl->node, without cs_alloc_take's checks. */
static inline __attribute__((always_inline)) void take_known_x(cs_alloc *a, const cs_slot *sl, int glob)
{
	node_st *s = &a->ns[sl->node];
	uint64_t cm = slot_cm(sl);
	if (!(sl->gpu_mask | cm))
		return; /* nothing to take (cs_alloc_take would change nothing) */
	_Static_assert(CW == 4, "the core mask is cleared word by word below");
	s->cmask[0] &= ~sl->core_mask[0]; /* no bits outside the node's cores: see give_x */
	s->cmask[1] &= ~sl->core_mask[1];
	s->cmask[2] &= ~sl->core_mask[2];
	s->cmask[3] &= ~sl->core_mask[3];
	set_node_x(a, sl->node, (uint16_t)(s->gmask & ~sl->gpu_mask), s->nfree - cs_pop16(sl->gpu_mask),
		   node_cm(s) - cm, glob, SET_TAKE);
}

void cs_alloc_take_known(cs_alloc *a, const cs_placement *p)
{
	for (uint32_t i = 0; i < p->n; i++) {
		if (a->glob)
			take_known_x(a, &p->slots[i], 1);
		else
			take_known_x(a, &p->slots[i], 0);
	}
}

int cs_alloc_take_free_part(cs_alloc *a, const cs_slot *want, cs_slot *out)
{
	cs_alloc_free_part(a, want, out);
	if (!(out->gpu_mask | out->cores | out->mem_mib))
		return 0;
	cs_placement one = { out, 1, 1 };
	cs_alloc_take_known(a, &one);
	return 1;
}

/* --- queries --- */

void cs_alloc_portable(int on) { cs_nodepick_portable(on); }

uint32_t cs_alloc_nnodes(const cs_alloc *a) { return a->nnodes; }
uint64_t cs_alloc_free_gpus(const cs_alloc *a) { return a->free_gpus; }
uint32_t cs_alloc_idle_nodes(const cs_alloc *a) { return a->nidle; }
uint32_t cs_alloc_nodes_with_free_gpus(const cs_alloc *a, unsigned f)
{
	if (f > MAXG)
		return 0;
	uint32_t k = cs_hbm_count(&a->byfree_own[f]);
	for (uint32_t t = 0; t < a->ntypes; t++)
		k += a->types[t].gpus == f ? a->idle_by_type[t] : 0;
	return k;
}
uint32_t cs_alloc_leaf_idle(const cs_alloc *a, uint32_t l)
{
	return l < a->nleaves ? cs_hbm_count_range(&a->idle_own, a->leaf_first[l], a->leaf_first[l + 1]) : 0;
}
uint32_t cs_alloc_leaf_free_gpus(const cs_alloc *a, uint32_t l)
{
	uint32_t k = 0;
	for (uint32_t n = l < a->nleaves ? a->leaf_first[l] : 0; l < a->nleaves && n < a->leaf_first[l + 1]; n++)
		k += a->ns[n].nfree;
	return k;
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

uint32_t cs_alloc_node_type(const cs_alloc *a, uint32_t node) { return node < a->nnodes ? a->ns[node].type : 0; }
int cs_alloc_types_apart(const cs_alloc *a) { return a->fit == CS_FIT_FIRST || a->fit == CS_FIT_BEST; }
uint32_t cs_alloc_node_leaf(const cs_alloc *a, uint32_t node) { return node < a->nnodes ? a->ns[node].leaf : 0; }
uint32_t cs_alloc_nleaves(const cs_alloc *a) { return a->nleaves; }
uint32_t cs_alloc_leaves_per_block(const cs_alloc *a) { return a->lpb; }

void cs_alloc_node_state(const cs_alloc *a, uint32_t node, uint16_t *gpu_mask, uint32_t *cores,
			 uint32_t *mem_mib)
{
	*gpu_mask = a->ns[node].gmask;
	*cores = a->ns[node].cores;
	*mem_mib = a->ns[node].mem;
}

void cs_alloc_node_counts(const cs_alloc *a, uint32_t node, uint32_t *gpus, uint32_t *cores, uint32_t *mem_mib)
{
	const node_st *s = &a->ns[node];
	*gpus = s->nfree;
	*cores = s->cores;
	*mem_mib = s->mem;
}

void cs_alloc_node_free(const cs_alloc *a, uint32_t node, cs_slot *out)
{
	const node_st *s = &a->ns[node];
	*out = (cs_slot){ .node = node, .gpu_mask = s->gmask, .cores = s->cores, .mem_mib = s->mem };
	memcpy(out->core_mask, s->cmask, sizeof out->core_mask);
}

void cs_alloc_free_part(const cs_alloc *a, const cs_slot *want, cs_slot *out)
{
	const node_st *s = &a->ns[want->node];
	unsigned cw = a->groups[s->type].cw;
	*out = (cs_slot){ .node = want->node, .gpu_mask = (uint16_t)(want->gpu_mask & s->gmask),
			  .cores = want->cores < s->cores ? want->cores : s->cores,
			  .mem_mib = want->mem_mib < s->mem ? want->mem_mib : s->mem };
	if (!cw)
		return;
	uint64_t rest[CW];
	for (unsigned w = 0; w < cw; w++) {
		out->core_mask[w] = want->core_mask[w] & s->cmask[w];
		rest[w] = s->cmask[w] & ~want->core_mask[w];
	}
	unsigned own = cs_pop_mask(out->core_mask, cw);
	if (own < out->cores)
		cs_take_low(rest, cw, out->cores - own, out->core_mask);
}
