/* capsim: the allocator's own declarations, shared by its files:
 *   sched/alloc/alloc.c   construction, state changes (taking and giving
 *                         back), queries;
 *   sched/alloc/choose.c  choosing: one node, N idle nodes under the
 *                         topology rule, N shared nodes, the single-node
 *                         fast path, the cs_alloc_try* entry points.
 * Not part of the library's interface (see include/capsim/alloc.h).
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
 *  - somefree: the nodes with any GPU, core or memory free (a hold's
 *    search reads what is free now from these alone);
 *  - per leaf (and per leaf and type) the number of idle nodes, the leaves
 *    bucketed by that number (leaf_by_idle[c]) and the idle nodes per
 *    block, all lazily: a node turning idle or busy only marks its leaf,
 *    and cs_al_sync_leaves() counts the marked leaves' idle nodes in the idle
 *    bitmaps and moves them before a search that uses them, so a node
 *    toggling between idle and busy costs one bit and one counter.
 * A request looks only at the buckets it can use: O(GPU counts + node
 * types) bitmap steps for one node, O(leaf buckets + nodes placed) for
 * whole-node jobs. Non-exclusive multi-node jobs under a topology rule count
 * each leaf's fitting nodes from its idle nodes and the free-GPU buckets.
 * Cores: fitting is on the free count; which cores is nodepick.h's. */
#ifndef CAPSIM_ALLOC_INT_H
#define CAPSIM_ALLOC_INT_H

#include "capsim/alloc.h"
#include "capsim/hbm.h"
#include "nodepick.h"

#include <stddef.h>
#include <stdint.h>
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
_Static_assert(sizeof(node_st) == CS_ALLOC_REC_SIZE && offsetof(node_st, cores) == CS_ALLOC_REC_CORES &&
		       offsetof(node_st, mem) == CS_ALLOC_REC_MEM && offsetof(node_st, nfree) == CS_ALLOC_REC_GPUS,
	       "cs_alloc_rec_counts reads a node's record at these offsets");

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
	cs_hbm somefree;
	uint32_t busy_mask_own;   /* bit f: byfree_own[f] is not empty */
	bucket_ub ub_own[MAXG + 1];
	bucket_ub *ub_t;          /* [type * (MAXG + 1) + f] (ub_own with one type) */
	cs_hbm *idle_t;
	cs_hbm *leaf_by_idle;     /* [maxc + 1], over leaves, by leaf_idle */
	uint64_t leaf_cnts[4];    /* bit c: leaf_by_idle[c] is not empty (c <= 255) */
	uint32_t *leaf_idle;      /* per leaf, as of the last cs_al_sync_leaves */
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
	struct among_ent { uint64_t key; uint32_t i; } *among; /* scratch: cs_alloc_find_among's candidates */
	int dry;                  /* cs_alloc_find_types: place() takes nothing; 2 (cs_alloc_fits_types):
				   * nor does it fill the slot */
};

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
	unsigned had = (of != 0) | (s->cores != 0) | (s->mem != 0), has = (nf != 0) | (cm != 0);
	if (has != had) {
		if (has)
			cs_hbm_set(&a->somefree, n);
		else
			cs_hbm_clear(&a->somefree, n);
	}
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
		 * search needs them (cs_al_sync_leaves) */
		uint32_t lf = s->leaf;
		a->leaf_dirty[lf >> 6] |= 1ULL << (lf & 63);
		a->nidle += idle ? 1u : (uint32_t)-1;
	}
	a->free_gpus += (uint64_t)nf - of;
	if (glob)
		a->free_gpus_t[ty] += (uint64_t)nf - of;
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

/* The marked leaves' idle counts brought up to date (alloc.c). */
void cs_al_sync_leaves(cs_alloc *a);

#endif
