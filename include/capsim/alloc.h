/* capsim: the hot-path allocator (sched/alloc/: alloc.c, choose.c).
 *
 * Answers "where can this job run right now?" and records allocations and
 * releases, on a cluster described by a plain layout (no files, no engine).
 * Per node it keeps a free-GPU mask, a free-core mask and count, and free
 * memory (44 bytes of free state in a 56-byte record with the node's leaf
 * and type); nodes are indexed by their free-GPU count in hierarchical
 * bitmaps (64-ary, three levels: find-first and find-next in O(1) word
 * operations), idle nodes in another, and per leaf switch the number of
 * idle nodes, with the leaves bucketed by that number, so no request scans
 * every node.
 *
 * Which node fits is decided on counts (any free cores of the needed
 * number); which cores a job gets is then chosen in the locality groups of
 * its GPUs (NUMA domain or package), so cores are masks only in the record
 * of what was taken. A node type with more than CS_ALLOC_MAX_CORES cores
 * has no core mask: its cores are a count, and its slots' core masks are
 * zero.
 *
 * Nodes must be numbered leaf by leaf: the nodes of a leaf switch are a
 * contiguous, ascending range, and blocks are contiguous ranges of leaves.
 * A failed call changes nothing.
 */
#ifndef CAPSIM_ALLOC_H
#define CAPSIM_ALLOC_H

#include "capsim/types.h"

#include <stddef.h>
#include <string.h>

#define CS_ALLOC_MAX_GPUS 16u        /* per node */
#define CS_ALLOC_MAX_LEAF_NODES 255u /* nodes under one leaf switch */
#define CS_ALLOC_MAX_CORES 256u      /* per node with a core mask (above: a count) */
#define CS_ALLOC_CORE_WORDS 4u       /* 64-bit words of a core mask */

typedef struct cs_alloc_type {
	uint16_t gpus;                 /* GPUs per node, <= CS_ALLOC_MAX_GPUS */
	uint32_t cores;                /* cores per node */
	uint32_t mem_mib;              /* memory per node */
	uint8_t gpu_group[CS_ALLOC_MAX_GPUS]; /* locality group of each GPU (NUMA domain or
					       * PCIe switch): GPUs of one job are taken
					       * from as few groups as possible */
	uint8_t core_group[CS_ALLOC_MAX_CORES]; /* locality group of each core, numbered as
						 * gpu_group: a job's cores come from its
						 * GPUs' groups first (unused above
						 * CS_ALLOC_MAX_CORES cores) */
} cs_alloc_type;

typedef struct cs_alloc_layout {
	uint32_t nnodes;
	uint32_t ntypes;
	const cs_alloc_type *types;
	const uint16_t *node_type;     /* per node */
	uint32_t nleaves;
	const uint32_t *leaf_first;    /* nleaves + 1 entries: leaf l holds nodes
					* [leaf_first[l], leaf_first[l+1]) */
	uint32_t leaves_per_block;     /* 0: no blocks */
} cs_alloc_layout;

typedef enum {
	CS_FIT_FIRST,   /* lowest-numbered nodes that fit */
	CS_FIT_BEST,    /* nodes with the least capacity left over */
	CS_FIT_TOPO,    /* fewest leaf switches spanned, then best fit (Slurm topology/tree) */
	CS_FIT_FRAG     /* fragmentation-aware: a job on one shared node goes to a
			 * partial node it fills, else to one it leaves with a power
			 * of two of GPUs free (fewest first), else to the partial
			 * node it leaves with the fewest free; only then is an idle
			 * node broken: of the node type with the fewest GPUs, in the
			 * leaf with the fewest idle nodes (cs_alloc_try_types also
			 * chooses the type so). Other requests as CS_FIT_TOPO, but
			 * one whole node is of the type with the fewest GPUs. */
} cs_fit;

typedef enum {
	CS_TOPO_ANY,        /* no constraint */
	CS_TOPO_ONE_LEAF,   /* all nodes under one leaf switch */
	CS_TOPO_MAX_LEAVES, /* at most max_leaves leaf switches */
	CS_TOPO_ONE_BLOCK   /* all nodes in one block */
} cs_topo_rule;

typedef struct cs_request {
	uint32_t nodes;          /* N nodes x the per-node amounts; 0: pack total_gpus */
	uint32_t total_gpus;     /* with nodes == 0: this many GPUs on as few nodes as possible */
	uint16_t gpus_per_node;
	uint32_t cores_per_node;
	uint32_t mem_per_node_mib;
	uint8_t exclusive;       /* whole nodes (the per-node amounts are then the node's) */
	uint8_t topo;            /* cs_topo_rule */
	uint16_t max_leaves;     /* for CS_TOPO_MAX_LEAVES */
	int32_t type;            /* node type index, or -1 for any */
} cs_request;

typedef struct cs_slot {
	uint32_t node;
	uint16_t gpu_mask;       /* GPUs taken on that node */
	uint32_t cores;          /* cores taken: popcount(core_mask) on a node with a core mask */
	uint32_t mem_mib;
	uint64_t core_mask[CS_ALLOC_CORE_WORDS]; /* bit i: core i (hwloc logical index); all
						  * zero on a node type without a core mask */
} cs_slot;

/* The same part of the same node: node, GPUs, cores, memory, core mask. */
static inline int cs_slot_same(const cs_slot *a, const cs_slot *b)
{
	return a->node == b->node && a->gpu_mask == b->gpu_mask && a->cores == b->cores &&
	       a->mem_mib == b->mem_mib && !memcmp(a->core_mask, b->core_mask, sizeof a->core_mask);
}

/* GPUs a slot holds (a bit count written out: baseline x86-64 has no
 * popcount instruction, and __builtin_popcount becomes a library call). */
static inline unsigned cs_slot_gpus(const cs_slot *s)
{
	uint32_t x = s->gpu_mask;
	x = x - ((x >> 1) & 0x5555u);
	x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
	x = (x + (x >> 4)) & 0x0f0fu;
	return (x + (x >> 8)) & 0x1fu;
}

/* s's resources added to *to, a slot of the same node apart from s. */
static inline void cs_slot_add(cs_slot *to, const cs_slot *s)
{
	to->gpu_mask |= s->gpu_mask;
	to->cores += s->cores;
	to->mem_mib += s->mem_mib;
	for (unsigned w = 0; w < CS_ALLOC_CORE_WORDS; w++)
		to->core_mask[w] |= s->core_mask[w];
}

/* s's resources taken from *from, a slot of the same node that holds them
 * (what a take of s leaves of what is free there). */
static inline void cs_slot_sub(cs_slot *from, const cs_slot *s)
{
	from->gpu_mask &= (uint16_t)~s->gpu_mask;
	from->cores -= s->cores;
	from->mem_mib -= s->mem_mib;
	for (unsigned w = 0; w < CS_ALLOC_CORE_WORDS; w++)
		from->core_mask[w] &= ~s->core_mask[w];
}

typedef struct cs_placement {
	cs_slot *slots;          /* caller's buffer */
	uint32_t cap;            /* its capacity */
	uint32_t n;              /* slots used */
} cs_placement;

typedef struct cs_alloc cs_alloc;

int cs_alloc_new(cs_alloc **out, const cs_alloc_layout *l, cs_fit fit, char *err, size_t errlen);
void cs_alloc_free(cs_alloc *a);
/* Place rq now: 0 and p filled, or -CS_ENOFIT (nothing changes), or
 * -CS_EINVAL for a request no node type could ever hold or p too small. */
int cs_alloc_try(cs_alloc *a, const cs_request *rq, cs_placement *p);
/* Place rq on nodes of one of the node types types[0 .. ntypes) (rq->type
 * is not used; an entry -1 is any type): under first, best and
 * topology-aware fit, the first type of the list on which cs_alloc_try
 * places it; under fragmentation-aware fit a job on one shared node goes to
 * the type whose node ranks best by that fit's order (at equal ranks the
 * earlier type), and other requests as under the others. 0; -CS_ENOFIT if
 * a type of the list could hold it but none can now (nothing changes);
 * -CS_EINVAL if none ever could. */
int cs_alloc_try_types(cs_alloc *a, const cs_request *rq, const int32_t *types, uint32_t ntypes,
		       cs_placement *p);
/* The placement cs_alloc_try_types would make, in p, with nothing taken:
 * what a try given back at once leaves, for less. */
int cs_alloc_find_types(cs_alloc *a, const cs_request *rq, const int32_t *types, uint32_t ntypes,
			cs_placement *p);
/* cs_alloc_find_types's answer only: 0 where it finds a placement (p
 * gets p->n of them but not necessarily their slots: what a caller asking
 * only whether rq fits now needs), else its error. Nothing is taken. */
int cs_alloc_fits_types(cs_alloc *a, const cs_request *rq, const int32_t *types, uint32_t ntypes,
			cs_placement *p);
/* Does cs_alloc_find_among answer for rq (first or best fit; shared;
 * one node, or several without a topology rule; something asked)? */
int cs_alloc_among_ok(const cs_alloc *a, const cs_request *rq);
/* cs_alloc_find_types's answer and placement on another state than the
 * allocator's: the one where *fr[0 .. nfr) (distinct nodes) is everything
 * free on its nodes and every other node of the list's types has nothing
 * free (a what-if: a hold's search, given running jobs back, asks it
 * without giving them back). Only where cs_alloc_among_ok(a, rq). Reads
 * the node types and sizes only; changes nothing. */
int cs_alloc_find_among(cs_alloc *a, const cs_request *rq, const int32_t *types, uint32_t ntypes,
			const cs_slot *const *fr, uint32_t nfr, cs_placement *p);
/* Would a try of rq (cs_alloc_try_types, types of the caller's list)
 * make placement q again, which it makes now (cs_alloc_find_types), if
 * the parts less[0 .. n) were taken first (each the free part of a node
 * of its own)? 1: proved so, under first and best fit for a request of
 * one node or of several without a topology rule: no node a part is taken
 * from is in q, or goes before q's last node in the order the try takes
 * candidates in, now or after the take (a take only removes candidates or
 * moves them earlier). 0: not proved (n == 0: always 1). Reads the state,
 * changes nothing. */
int cs_alloc_choice_stands(const cs_alloc *a, const cs_request *rq, const cs_placement *q, const cs_slot *less,
			   uint32_t n);
/* Take exactly the slots of p (e.g. a placement given back earlier): 0, or
 * -CS_ENOFIT if any of it is not free (nothing changes), -CS_EINVAL for a
 * node out of range, a slot whose core mask names a core its node does not
 * have (any core, on a node type without a core mask) or, on a node with a
 * core mask, a slot whose core count is not its mask's. */
int cs_alloc_take(cs_alloc *a, const cs_placement *p);
/* cs_alloc_take of a placement known to be free now (each slot exactly
 * what was given back since, or what cs_alloc_free_part found free, and
 * no part of a node in two slots beyond what it has free): the same
 * state, without the checks. Anything else corrupts the allocator. */
void cs_alloc_take_known(cs_alloc *a, const cs_placement *p);
/* cs_alloc_free_part of want, taken at once (cs_alloc_take_known): 1 and
 * *out the part taken, or 0 and nothing taken when none of it is free. */
int cs_alloc_take_free_part(cs_alloc *a, const cs_slot *want, cs_slot *out);
/* Give back a placement made by cs_alloc_try or cs_alloc_take. */
void cs_alloc_release(cs_alloc *a, const cs_placement *p);

/* With on != 0, never use CPU-specific instructions (the single-node fast
 * path compiled for BMI1/BMI2/POPCNT, and pdep for choosing cores) even
 * where the CPU has them: the same choices, the portable code. For
 * comparing the two; call before any allocator is in use. The capsim
 * binary, the tests and bench_alloc call it when the environment sets
 * CAPSIM_NO_BMI2. */
void cs_alloc_portable(int on);

/* Queries. */
uint32_t cs_alloc_nnodes(const cs_alloc *a);
uint64_t cs_alloc_free_gpus(const cs_alloc *a);
uint32_t cs_alloc_idle_nodes(const cs_alloc *a);
/* Nodes with exactly f free GPUs (f <= CS_ALLOC_MAX_GPUS). */
uint32_t cs_alloc_nodes_with_free_gpus(const cs_alloc *a, unsigned f);
/* Idle nodes and free GPUs under leaf switch l. */
uint32_t cs_alloc_leaf_idle(const cs_alloc *a, uint32_t l);
uint32_t cs_alloc_leaf_free_gpus(const cs_alloc *a, uint32_t l);
/* Whether rq (nodes x per-node amounts) fits on the given nodes now. */
int cs_alloc_fits_on(const cs_alloc *a, const cs_request *rq, const uint32_t *nodes, uint32_t n);
/* Place rq (nodes x per-node amounts, not exclusive) on exactly the given
 * distinct nodes, one slot each, in that order: 0, or -CS_ENOFIT if any of
 * them cannot hold its share now (nothing changes), -CS_EINVAL for a node
 * out of range, a repeated node or p too small. */
int cs_alloc_try_on(cs_alloc *a, const cs_request *rq, const uint32_t *nodes, uint32_t n, cs_placement *p);
/* A node's type index. */
uint32_t cs_alloc_node_type(const cs_alloc *a, uint32_t node);
/* Is a placement on given node types (a request of nodes > 0, not
 * exclusive, tried on those types) decided by the free state of those
 * types' nodes alone? Under first and best fit, yes; under the
 * topology-aware and fragmentation-aware fits, no: they break an idle
 * node in the leaf with the fewest idle nodes of any type. */
int cs_alloc_types_apart(const cs_alloc *a);
/* A node's leaf switch; the leaves; leaves per block (0: no blocks). */
uint32_t cs_alloc_node_leaf(const cs_alloc *a, uint32_t node);
uint32_t cs_alloc_nleaves(const cs_alloc *a);
uint32_t cs_alloc_leaves_per_block(const cs_alloc *a);
/* A node's free GPUs (count), cores and memory. */
void cs_alloc_node_counts(const cs_alloc *a, uint32_t node, uint32_t *gpus, uint32_t *cores, uint32_t *mem_mib);
/* The same counts read in place, for loops over many nodes: the
 * allocator's per-node records, CS_ALLOC_REC_SIZE bytes each from
 * cs_alloc_records(a) (fixed for the allocator's life), hold a node's
 * free cores and memory (uint32_t) and free GPU count (uint8_t) at the
 * offsets below; read-only. */
#define CS_ALLOC_REC_SIZE 64u
#define CS_ALLOC_REC_CORES 32u
#define CS_ALLOC_REC_MEM 36u
#define CS_ALLOC_REC_GPUS 48u
const unsigned char *cs_alloc_records(const cs_alloc *a);
static inline void cs_alloc_rec_counts(const unsigned char *rec, uint32_t node, uint32_t *gpus, uint32_t *cores,
				       uint32_t *mem_mib)
{
	const unsigned char *r = rec + (size_t)node * CS_ALLOC_REC_SIZE;
	memcpy(cores, r + CS_ALLOC_REC_CORES, sizeof *cores);
	memcpy(mem_mib, r + CS_ALLOC_REC_MEM, sizeof *mem_mib);
	*gpus = r[CS_ALLOC_REC_GPUS];
}
/* Per-node state, for tests: free GPU mask, cores, memory. */
void cs_alloc_node_state(const cs_alloc *a, uint32_t node, uint16_t *gpu_mask, uint32_t *cores,
			 uint32_t *mem_mib);
/* The first node >= from with any GPU, core or memory free, or -1. */
long cs_alloc_next_somefree(const cs_alloc *a, uint32_t from);
/* The nodes of node type `type` with at least g (>= 1) GPUs free now
 * (idle, or busy with g or more free), into out[0 .. cap), by bucket and
 * then by number: how many, or cap + 1 where there are more (out then
 * holds the first cap). Every node with g free is in one bucket: with
 * the planner's test of its free amounts, the nodes that may hold a share
 * of g GPUs, found without a walk of every node of the type. */
uint32_t cs_alloc_nodes_gpus_free(const cs_alloc *a, uint32_t type, unsigned g, uint32_t *out, uint32_t cap);
/* Everything free on a node, as a slot (taking it leaves the node empty). */
void cs_alloc_node_free(const cs_alloc *a, uint32_t node, cs_slot *out);
/* The part of `want` that is free now, on want->node: its free GPUs,
 * min(want->cores, free cores) cores (want's own free cores first, then
 * the lowest-numbered other free ones: a core count is what was asked
 * for), min(want->mem_mib, free memory). Taking it cannot fail. */
void cs_alloc_free_part(const cs_alloc *a, const cs_slot *want, cs_slot *out);
/* cs_alloc_free_part where *free (a slot of want's node) is what is free
 * there: the part a take of want's free part would take in that state (a
 * what-if). */
void cs_alloc_part_in(const cs_alloc *a, const cs_slot *free, const cs_slot *want, cs_slot *out);

#endif
