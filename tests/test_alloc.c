/* The allocator: hand-drawn clusters for each strategy, and random
 * sequences checked against a simple reference (feasibility, legality, no
 * overcommit, exact restore on release). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/alloc.h"
#include "helpers.h"

/* --- a small layout builder --- */
typedef struct lay {
	cs_alloc_type types[4];
	uint16_t node_type[4096];
	uint32_t leaf_first[1025];
	cs_alloc_layout l;
} lay;

/* leaves of `per` nodes; node types given per leaf */
static void build(lay *y, uint32_t nleaves, uint32_t per, const uint16_t *leaf_type, uint32_t lpb)
{
	y->l = (cs_alloc_layout){ .nnodes = nleaves * per, .types = y->types, .node_type = y->node_type,
				  .nleaves = nleaves, .leaf_first = y->leaf_first, .leaves_per_block = lpb };
	uint32_t maxt = 0;
	for (uint32_t lf = 0; lf < nleaves; lf++) {
		y->leaf_first[lf] = lf * per;
		for (uint32_t k = 0; k < per; k++)
			y->node_type[lf * per + k] = leaf_type[lf];
		if (leaf_type[lf] + 1u > maxt)
			maxt = leaf_type[lf] + 1u;
	}
	y->leaf_first[nleaves] = nleaves * per;
	y->l.ntypes = maxt;
}

static cs_alloc_type gpu_type(uint16_t gpus, uint32_t cores, uint32_t mem)
{
	cs_alloc_type t = { .gpus = gpus, .cores = cores, .mem_mib = mem };
	for (unsigned i = 0; i < gpus; i++)
		t.gpu_group[i] = (uint8_t)(i / (gpus > 4 ? gpus / 2 : gpus ? gpus : 1)); /* two groups */
	for (unsigned i = 0; i < cores && i < CS_ALLOC_MAX_CORES; i++)
		t.core_group[i] = (uint8_t)(gpus > 4 ? 2 * i / cores : 0); /* the same two halves */
	return t;
}

static unsigned mask_pop(const uint64_t *m)
{
	unsigned k = 0;
	for (unsigned w = 0; w < CS_ALLOC_CORE_WORDS; w++)
		k += (unsigned)__builtin_popcountll(m[w]);
	return k;
}

/* cores lo..hi-1 as a mask, compared word by word */
static int mask_is(const uint64_t *m, unsigned lo, unsigned hi)
{
	for (unsigned w = 0; w < CS_ALLOC_CORE_WORDS; w++) {
		uint64_t want = 0;
		for (unsigned i = lo; i < hi; i++)
			if (i / 64 == w)
				want |= 1ULL << (i % 64);
		if (m[w] != want)
			return 0;
	}
	return 1;
}

static cs_alloc *mk(lay *y, cs_fit fit)
{
	cs_alloc *a;
	char err[256];
	cr_assert_eq(cs_alloc_new(&a, &y->l, fit, err, sizeof err), 0, "%s", err);
	return a;
}

static cs_slot slots[1024];
static cs_placement pl(void) { return (cs_placement){ .slots = slots, .cap = 1024 }; }

static cs_request shared(uint32_t nodes, uint16_t g, uint32_t c, uint32_t m)
{
	return (cs_request){ .nodes = nodes, .gpus_per_node = g, .cores_per_node = c,
			     .mem_per_node_mib = m, .type = -1 };
}

/* 2 leaves x 4 nodes of 8 GPUs (groups 0-3, 4-7), 64 cores, 512 GiB. */
Test(alloc, best_fit_packs_gpus_onto_one_node_and_one_group)
{
	lay y;
	y.types[0] = gpu_type(8, 64, 512 * 1024);
	build(&y, 2, 4, (const uint16_t[]){ 0, 0 }, 0);
	cs_alloc *a = mk(&y, CS_FIT_BEST);
	cs_placement p = pl();
	cs_request r1 = shared(1, 1, 8, 1024);
	cr_assert_eq(cs_alloc_try(a, &r1, &p), 0);
	cr_assert_eq(p.n, 1);
	cr_assert_eq(p.slots[0].node, 0);
	cr_assert_eq(p.slots[0].gpu_mask, 0x01);
	/* 2 GPUs: node 0 has 7 free (fewest left over); group 0 has 3 free,
	 * group 1 has 4: the tighter group 0 takes it */
	cs_request r2 = shared(1, 2, 8, 1024);
	cr_assert_eq(cs_alloc_try(a, &r2, &p), 0);
	cr_assert_eq(p.slots[0].node, 0);
	cr_assert_eq(p.slots[0].gpu_mask, 0x06);
	cr_assert_eq(cs_alloc_free_gpus(a), 61);
	cr_assert_eq(cs_alloc_idle_nodes(a), 7);
	cr_assert_eq(cs_alloc_nodes_with_free_gpus(a, 5), 1);
	cr_assert_eq(cs_alloc_leaf_free_gpus(a, 0), 29);
	/* a request no node could ever hold */
	cs_request r9 = shared(1, 9, 1, 1);
	cr_assert_eq(cs_alloc_try(a, &r9, &p), -CS_EINVAL);
	cs_alloc_free(a);
}

/* Leaf 0: two 4-GPU nodes (type 0); leaf 1: two 8-GPU nodes (type 1), node
 * 2 with 2 GPUs in use (6 free). A 2-GPU job: best fit takes the idle
 * 4-GPU node 0 (4 left over < 6); fragmentation-aware takes the partial
 * node 2 and keeps both idle nodes whole. */
Test(alloc, fragmentation_aware_prefers_partial_nodes)
{
	lay y;
	y.types[0] = gpu_type(4, 32, 1024);
	y.types[1] = gpu_type(8, 64, 1024);
	build(&y, 2, 2, (const uint16_t[]){ 0, 1 }, 0);
	cs_fit fits[2] = { CS_FIT_BEST, CS_FIT_FRAG };
	uint32_t want[2] = { 0, 2 }, idle_after[2] = { 2, 3 };
	for (int k = 0; k < 2; k++) {
		cs_alloc *a = mk(&y, fits[k]);
		cs_placement p = pl();
		cs_request pre = shared(1, 2, 1, 1);
		pre.type = 1;
		cr_assert_eq(cs_alloc_try(a, &pre, &p), 0);
		cr_assert_eq(p.slots[0].node, 2, "fit %d: the first 8-GPU node", k);
		cs_request r = shared(1, 2, 1, 1);
		cr_assert_eq(cs_alloc_try(a, &r, &p), 0);
		cr_assert_eq(p.slots[0].node, want[k], "fit %d: node %u", k, p.slots[0].node);
		cr_assert_eq(cs_alloc_idle_nodes(a), idle_after[k]);
		cs_alloc_free(a);
	}
}

/* One leaf of three 8-GPU nodes: node 0 with 4 GPUs free, node 1 with 5,
 * node 2 idle. A 1-GPU job: best fit and topology-aware take node 0 (3
 * left, the fewest); fragmentation-aware takes node 1 (4 left, a power of
 * two). Two 4-GPU jobs then: after fragmentation-aware they fill nodes 0
 * and 1 exactly and node 2 stays idle; after the others node 0's 3 free
 * GPUs hold neither, and the second breaks node 2. */
Test(alloc, fragmentation_aware_leaves_a_power_of_two_free_where_best_fit_leaves_three)
{
	lay y;
	y.types[0] = gpu_type(8, 64, 1024);
	build(&y, 1, 3, (const uint16_t[]){ 0 }, 0);
	cs_fit fits[3] = { CS_FIT_BEST, CS_FIT_TOPO, CS_FIT_FRAG };
	uint32_t want[3] = { 0, 0, 1 }, idle_after[3] = { 0, 0, 1 };
	for (int k = 0; k < 3; k++) {
		cs_alloc *a = mk(&y, fits[k]);
		cs_slot busy[2] = { { .node = 0, .gpu_mask = 0x0f }, { .node = 1, .gpu_mask = 0x07 } };
		cs_placement pb = { busy, 2, 2 };
		cr_assert_eq(cs_alloc_take(a, &pb), 0);
		cs_slot s1[1], s4[2];
		cs_placement p = { s1, 1, 0 };
		cs_request one = shared(1, 1, 1, 1), four = shared(1, 4, 1, 1);
		cr_assert_eq(cs_alloc_try(a, &one, &p), 0);
		cr_assert_eq(s1[0].node, want[k], "fit %d: node %u", fits[k], s1[0].node);
		for (int i = 0; i < 2; i++) {
			cs_placement q = { &s4[i], 1, 0 };
			cr_assert_eq(cs_alloc_try(a, &four, &q), 0);
		}
		cr_assert_eq(cs_alloc_idle_nodes(a), idle_after[k], "fit %d", fits[k]);
		cs_alloc_free(a);
	}
}

/* Leaf 0: two idle 8-GPU nodes (type 0); leaf 1: two 4-GPU nodes (type 1),
 * node 2 with 2 GPUs in use. A 2-GPU job of a partition of types {0, 1}:
 * first fit, best fit and topology-aware take the first listed type that
 * holds it, breaking idle node 0; fragmentation-aware takes node 2, which
 * the job fills, and every idle node stays whole. */
Test(alloc, fragmentation_aware_fills_a_partial_node_of_a_later_listed_type_before_breaking_an_idle_one)
{
	lay y;
	y.types[0] = gpu_type(8, 64, 1024);
	y.types[1] = gpu_type(4, 32, 1024);
	build(&y, 2, 2, (const uint16_t[]){ 0, 1 }, 0);
	const int32_t part[2] = { 0, 1 };
	for (int fit = CS_FIT_FIRST; fit <= CS_FIT_FRAG; fit++) {
		cs_alloc *a = mk(&y, (cs_fit)fit);
		cs_slot busy = { .node = 2, .gpu_mask = 0x3 };
		cs_placement pb = { &busy, 1, 1 };
		cr_assert_eq(cs_alloc_take(a, &pb), 0);
		cs_placement p = pl();
		cs_request two = shared(1, 2, 1, 1);
		cr_assert_eq(cs_alloc_try_types(a, &two, part, 2, &p), 0);
		cr_assert_eq(p.slots[0].node, fit == CS_FIT_FRAG ? 2u : 0u, "fit %d: node %u", fit, p.slots[0].node);
		cr_assert_eq(cs_alloc_idle_nodes(a), fit == CS_FIT_FRAG ? 3u : 2u);
		cs_alloc_free(a);
	}
}

/* The same nodes, all idle. A 1-GPU job of the partition {0, 1}: the
 * others take node 0 (the first listed type); fragmentation-aware breaks a
 * 4-GPU node, of the type with the fewest GPUs, and keeps the 8-GPU nodes
 * whole for the jobs only they hold. Asked for any type (cs_alloc_try,
 * type -1), best fit takes node 2 as well (4 left over, not 8) and
 * topology-aware node 0 (both leaves have 2 idle nodes: the lower one). */
Test(alloc, fragmentation_aware_breaks_an_idle_node_of_the_type_with_the_fewest_gpus_first)
{
	lay y;
	y.types[0] = gpu_type(8, 64, 1024);
	y.types[1] = gpu_type(4, 32, 1024);
	build(&y, 2, 2, (const uint16_t[]){ 0, 1 }, 0);
	const int32_t part[2] = { 0, 1 };
	const uint32_t any_want[4] = { 0, 2, 0, 2 }; /* first, best, topo, frag */
	for (int fit = CS_FIT_FIRST; fit <= CS_FIT_FRAG; fit++) {
		cs_alloc *a = mk(&y, (cs_fit)fit);
		cs_placement p = pl();
		cs_request one = shared(1, 1, 1, 1);
		cr_assert_eq(cs_alloc_try_types(a, &one, part, 2, &p), 0);
		cr_assert_eq(p.slots[0].node, fit == CS_FIT_FRAG ? 2u : 0u, "fit %d: node %u", fit, p.slots[0].node);
		cs_alloc_release(a, &p);
		cr_assert_eq(cs_alloc_try(a, &one, &p), 0);
		cr_assert_eq(p.slots[0].node, any_want[fit], "fit %d, any type: node %u", fit, p.slots[0].node);
		cs_alloc_free(a);
	}
}

/* 3 leaves x 4 nodes; nodes 4 and 5 (leaf 1) busy. Two whole nodes under
 * one leaf: first fit takes leaf 0 (the first that holds 2); topology-aware
 * takes leaf 1 (the tightest: 2 idle), keeping leaves 0 and 2 whole. Five
 * nodes: impossible in one leaf; with at most 2 leaves, 4 + 1. */
Test(alloc, topology_aware_picks_the_tightest_leaf)
{
	lay y;
	y.types[0] = gpu_type(8, 64, 1024);
	build(&y, 3, 4, (const uint16_t[]){ 0, 0, 0 }, 0);
	cs_fit fits[2] = { CS_FIT_FIRST, CS_FIT_TOPO };
	for (int k = 0; k < 2; k++) {
		cs_alloc *a = mk(&y, fits[k]);
		/* make nodes 4 and 5 busy: whole leaves 0 and 1, then give back
		 * leaf 0 and nodes 6, 7 */
		cs_slot sa[4], sb[4];
		cs_placement pa = { .slots = sa, .cap = 4 }, pb = { .slots = sb, .cap = 4 };
		cs_request four = { .nodes = 4, .exclusive = 1, .topo = CS_TOPO_ONE_LEAF, .type = -1 };
		cr_assert_eq(cs_alloc_try(a, &four, &pa), 0);
		cr_assert_eq(cs_alloc_try(a, &four, &pb), 0);
		cr_assert_eq(pa.slots[0].node, 0);
		cr_assert_eq(pb.slots[0].node, 4);
		cs_alloc_release(a, &pa);
		cs_placement rel = { .slots = sb + 2, .cap = 2, .n = 2 };
		cs_alloc_release(a, &rel);
		cr_assert_eq(cs_alloc_leaf_idle(a, 0), 4);
		cr_assert_eq(cs_alloc_leaf_idle(a, 1), 2);
		uint32_t busy[2] = { 4, 5 }, free2[2] = { 6, 7 };
		cs_request two = { .nodes = 2, .exclusive = 1, .topo = CS_TOPO_ONE_LEAF, .type = -1 };
		cr_assert_not(cs_alloc_fits_on(a, &two, busy, 2));
		cr_assert(cs_alloc_fits_on(a, &two, free2, 2));
		cs_placement p = pl();
		cr_assert_eq(cs_alloc_try(a, &two, &p), 0);
		cr_assert_eq(p.slots[0].node, fits[k] == CS_FIT_FIRST ? 0u : 6u, "fit %d: node %u", k,
			     p.slots[0].node);
		cs_alloc_release(a, &p);
		cs_request five1 = { .nodes = 5, .exclusive = 1, .topo = CS_TOPO_ONE_LEAF, .type = -1 };
		cr_assert_eq(cs_alloc_try(a, &five1, &p), -CS_ENOFIT);
		cs_request five2 = { .nodes = 5, .exclusive = 1, .topo = CS_TOPO_MAX_LEAVES, .max_leaves = 2,
				     .type = -1 };
		cr_assert_eq(cs_alloc_try(a, &five2, &p), 0);
		cr_assert_eq(p.n, 5);
		cs_alloc_release(a, &p);
		cs_request eleven = { .nodes = 11, .exclusive = 1, .type = -1 };
		cr_assert_eq(cs_alloc_try(a, &eleven, &p), -CS_ENOFIT, "only 10 idle nodes");
		cs_alloc_free(a);
	}
}

Test(alloc, packs_a_gpu_count_onto_whole_nodes_then_the_tightest_partial)
{
	lay y;
	y.types[0] = gpu_type(8, 64, 8192);
	build(&y, 1, 4, (const uint16_t[]){ 0 }, 0);
	cs_alloc *a = mk(&y, CS_FIT_BEST);
	cs_placement p = pl();
	cs_request three = shared(1, 3, 3, 30); /* node 0: 5 free */
	cr_assert_eq(cs_alloc_try(a, &three, &p), 0);
	cs_request pack = { .nodes = 0, .total_gpus = 10, .cores_per_node = 2, .mem_per_node_mib = 10, .type = -1 };
	cs_placement q = { .slots = slots + 8, .cap = 8 };
	cr_assert_eq(cs_alloc_try(a, &pack, &q), 0);
	cr_assert_eq(q.n, 2);
	cr_assert_eq(q.slots[0].node, 1, "8 GPUs on an idle node");
	cr_assert_eq(__builtin_popcount(q.slots[0].gpu_mask), 8);
	cr_assert_eq(q.slots[0].cores, 16, "cores are per GPU when packing");
	cr_assert_eq(q.slots[1].node, 0, "2 GPUs on the partial node 0 (5 free), not an idle one");
	cr_assert_eq(cs_alloc_free_gpus(a), 32 - 13);
	cs_alloc_release(a, &q);
	cs_alloc_release(a, &p);
	cr_assert_eq(cs_alloc_free_gpus(a), 32);
	cr_assert_eq(cs_alloc_idle_nodes(a), 4);
	cs_alloc_free(a);
}

Test(alloc, one_block_keeps_a_job_inside_a_block)
{
	/* 4 leaves of 2 nodes, blocks of 2 leaves: a 3-node job fits block 0 */
	lay y;
	y.types[0] = gpu_type(8, 64, 1024);
	build(&y, 4, 2, (const uint16_t[]){ 0, 0, 0, 0 }, 2);
	cs_alloc *a = mk(&y, CS_FIT_TOPO);
	cs_placement p = pl();
	cs_request r = { .nodes = 3, .exclusive = 1, .topo = CS_TOPO_ONE_BLOCK, .type = -1 };
	cr_assert_eq(cs_alloc_try(a, &r, &p), 0);
	for (uint32_t i = 0; i < p.n; i++)
		cr_assert_eq(p.slots[i].node / 4, p.slots[0].node / 4, "node %u outside the block",
			     p.slots[i].node);
	cs_slot s2[4];
	cs_placement q = { .slots = s2, .cap = 4 };
	cr_assert_eq(cs_alloc_try(a, &r, &q), 0, "block 1 still holds 3");
	cs_slot s3[4];
	cs_placement t = { .slots = s3, .cap = 4 };
	cr_assert_eq(cs_alloc_try(a, &r, &t), -CS_ENOFIT, "1 + 1 idle nodes left in two blocks");
	cs_alloc_free(a);
}

/* One 8-GPU node, 2 NUMA domains: GPUs 0-3 and cores 0-31 in NUMA 0, GPUs
 * 4-7 and cores 32-63 in NUMA 1. A (5 GPUs, 8 cores) takes GPUs 0-4 (no
 * group has 5: the fuller first) and cores 0-7 (both groups are its GPUs').
 * B (1 GPU, 4 cores) gets GPU 5, the tightest group with a free GPU, and
 * cores 32-35 in NUMA 1. C (CPU only, 20 cores) goes whole into the
 * tightest domain that holds 20: NUMA 0 (24 free), cores 8-27. D (1 GPU,
 * 30 cores): GPU 6, NUMA 1's 28 free cores 36-63, then the lowest other
 * free ones, 28 and 29. */
Test(alloc, cores_come_from_the_numa_domain_of_the_gpus)
{
	lay y;
	y.types[0] = gpu_type(8, 64, 1024);
	build(&y, 1, 1, (const uint16_t[]){ 0 }, 0);
	cs_alloc *a = mk(&y, CS_FIT_BEST);
	cs_slot s[4];
	cs_placement pa = { s, 1, 0 }, pb = { s + 1, 1, 0 }, pc = { s + 2, 1, 0 }, pd = { s + 3, 1, 0 };
	cs_request ra = shared(1, 5, 8, 1), rb = shared(1, 1, 4, 1), rc = shared(1, 0, 20, 1),
		   rd = shared(1, 1, 30, 1);
	cr_assert_eq(cs_alloc_try(a, &ra, &pa), 0);
	cr_assert_eq(s[0].gpu_mask, 0x1f);
	cr_assert(mask_is(s[0].core_mask, 0, 8));
	cs_slot before;
	cs_alloc_node_free(a, 0, &before);
	cr_assert_eq(cs_alloc_try(a, &rb, &pb), 0);
	cr_assert_eq(s[1].gpu_mask, 1u << 5, "GPU 5");
	cr_assert(mask_is(s[1].core_mask, 32, 36), "NUMA 1 cores: %llx %llx", (unsigned long long)s[1].core_mask[0],
		  (unsigned long long)s[1].core_mask[1]);
	cr_assert_eq(s[1].cores, 4);
	cr_assert_eq(cs_alloc_try(a, &rc, &pc), 0);
	cr_assert_eq(s[2].gpu_mask, 0);
	cr_assert(mask_is(s[2].core_mask, 8, 28));
	cr_assert_eq(cs_alloc_try(a, &rd, &pd), 0);
	cr_assert_eq(s[3].gpu_mask, 1u << 6);
	cr_assert_eq(s[3].core_mask[0], (0x3ULL << 28) | (~0ULL << 36));
	cr_assert_eq(mask_pop(s[3].core_mask), 30);
	/* no two placements share a core; the free mask is what is left */
	cs_slot now;
	cs_alloc_node_free(a, 0, &now);
	uint64_t seen = now.core_mask[0];
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(seen & s[i].core_mask[0], 0, "placement %d overlaps", i);
		seen |= s[i].core_mask[0];
	}
	cr_assert_eq(seen, ~0ULL);
	cr_assert_eq(now.cores, 2);
	/* giving back C and D, then B, restores the state before B exactly */
	cs_alloc_release(a, &pd);
	cs_alloc_release(a, &pc);
	cs_alloc_release(a, &pb);
	cs_alloc_node_free(a, 0, &now);
	cr_assert_eq(memcmp(&now, &before, sizeof now), 0);
	cs_alloc_free(a);
}

/* The part of a slot that is free now keeps the slot's core count where
 * enough cores are free: its own free cores first, then the lowest others. */
Test(alloc, the_free_part_of_a_slot_keeps_its_core_count)
{
	lay y;
	y.types[0] = gpu_type(8, 64, 1024);
	build(&y, 1, 1, (const uint16_t[]){ 0 }, 0);
	cs_alloc *a = mk(&y, CS_FIT_BEST);
	cs_slot busy = { .node = 0, .gpu_mask = 0x3, .cores = 4, .mem_mib = 1000, .core_mask = { 0xf } };
	cs_placement pb = { &busy, 1, 1 };
	cr_assert_eq(cs_alloc_take(a, &pb), 0);
	/* want GPUs 0-3, cores 0-7, 100 MiB: GPUs 2-3, cores 4-7 and 8-11 */
	cs_slot want = { .node = 0, .gpu_mask = 0xf, .cores = 8, .mem_mib = 100, .core_mask = { 0xff } }, part;
	cs_alloc_free_part(a, &want, &part);
	cr_assert_eq(part.gpu_mask, 0xc);
	cr_assert_eq(part.cores, 8);
	cr_assert_eq(part.core_mask[0], 0xff0);
	cr_assert_eq(part.mem_mib, 24);
	cs_placement pp = { &part, 1, 1 };
	cr_assert_eq(cs_alloc_take(a, &pp), 0, "the free part can be taken");
	cs_alloc_release(a, &pp);
	/* a slot whose core count is not its mask's is refused */
	cs_slot bad = { .node = 0, .cores = 3, .core_mask = { 0x30 } };
	cs_placement px = { &bad, 1, 1 };
	cr_assert_eq(cs_alloc_take(a, &px), -CS_EINVAL);
	/* a core the node does not have (64 cores: none in word 1) is refused:
	 * a release or-s every word of the mask in */
	cs_slot beyond = { .node = 0, .cores = 1, .core_mask = { 0, 0x1 } };
	cs_placement pbd = { &beyond, 1, 1 };
	cr_assert_eq(cs_alloc_take(a, &pbd), -CS_EINVAL);
	/* taking cores that are not free fails and changes nothing */
	cs_slot clash = { .node = 0, .cores = 2, .core_mask = { 0x18 } };
	cs_placement pc = { &clash, 1, 1 };
	cs_slot s0, s1;
	cs_alloc_node_free(a, 0, &s0);
	cr_assert_eq(cs_alloc_take(a, &pc), -CS_ENOFIT);
	cs_alloc_node_free(a, 0, &s1);
	cr_assert_eq(memcmp(&s0, &s1, sizeof s0), 0);
	cs_alloc_release(a, &pb);
	cr_assert_eq(cs_alloc_idle_nodes(a), 1);
	cs_alloc_free(a);
}

/* Above CS_ALLOC_MAX_CORES cores a node's cores are a count: slots carry
 * zero masks, and fitting is unchanged. */
Test(alloc, a_node_over_the_core_cap_counts_cores)
{
	lay y;
	y.types[0] = gpu_type(0, 300, 1024);
	build(&y, 1, 2, (const uint16_t[]){ 0 }, 0);
	cs_alloc *a = mk(&y, CS_FIT_BEST);
	cs_placement p = pl();
	cs_request r = shared(1, 0, 290, 1);
	cr_assert_eq(cs_alloc_try(a, &r, &p), 0);
	cr_assert_eq(p.slots[0].cores, 290);
	cr_assert_eq(mask_pop(p.slots[0].core_mask), 0);
	cs_slot sl[1];
	cs_placement q = { sl, 1, 0 };
	cr_assert_eq(cs_alloc_try(a, &r, &q), 0, "the other node");
	cr_assert_neq(sl[0].node, p.slots[0].node);
	cs_slot none[1];
	cs_placement z = { none, 1, 0 };
	cr_assert_eq(cs_alloc_try(a, &r, &z), -CS_ENOFIT);
	cs_alloc_release(a, &p);
	cs_alloc_release(a, &q);
	cr_assert_eq(cs_alloc_idle_nodes(a), 2);
	cs_alloc_free(a);
}

/* --- the reference: per-node free state, linear scans --- */

typedef struct refn { uint16_t gmask; uint32_t cores, mem; uint64_t cmask[CS_ALLOC_CORE_WORDS]; } refn;

static int ref_idle(const lay *y, const refn *s, uint32_t n)
{
	const cs_alloc_type *t = &y->types[y->node_type[n]];
	return __builtin_popcount(s[n].gmask) == t->gpus && s[n].cores == t->cores && s[n].mem == t->mem_mib;
}

static int ref_node_ok(const lay *y, const refn *s, uint32_t n, const cs_request *r)
{
	const cs_alloc_type *t = &y->types[y->node_type[n]];
	if (r->type >= 0 && y->node_type[n] != (uint32_t)r->type)
		return 0;
	if (r->exclusive)
		return ref_idle(y, s, n) && t->gpus >= r->gpus_per_node && t->cores >= r->cores_per_node &&
		       t->mem_mib >= r->mem_per_node_mib;
	return __builtin_popcount(s[n].gmask) >= r->gpus_per_node && s[n].cores >= r->cores_per_node &&
	       s[n].mem >= r->mem_per_node_mib;
}

static int cmp_desc(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* Can r (nodes >= 1) be placed? */
static int ref_feasible(const lay *y, const refn *s, const cs_request *r)
{
	uint32_t cnt[1024] = { 0 }, total = 0;
	for (uint32_t lf = 0; lf < y->l.nleaves; lf++)
		for (uint32_t n = y->leaf_first[lf]; n < y->leaf_first[lf + 1]; n++)
			if (ref_node_ok(y, s, n, r))
				cnt[lf]++, total++;
	switch (r->topo) {
	case CS_TOPO_ANY:
		return total >= r->nodes;
	case CS_TOPO_ONE_LEAF:
		for (uint32_t lf = 0; lf < y->l.nleaves; lf++)
			if (cnt[lf] >= r->nodes)
				return 1;
		return 0;
	case CS_TOPO_MAX_LEAVES: {
		uint32_t c2[1024];
		memcpy(c2, cnt, y->l.nleaves * sizeof *c2);
		qsort(c2, y->l.nleaves, sizeof *c2, cmp_desc);
		uint32_t sum = 0;
		for (uint32_t i = 0; i < r->max_leaves && i < y->l.nleaves; i++)
			sum += c2[i];
		return sum >= r->nodes;
	}
	case CS_TOPO_ONE_BLOCK:
		for (uint32_t b0 = 0; y->l.leaves_per_block && b0 < y->l.nleaves; b0 += y->l.leaves_per_block) {
			uint32_t sum = 0;
			for (uint32_t lf = b0; lf < b0 + y->l.leaves_per_block && lf < y->l.nleaves; lf++)
				sum += cnt[lf];
			if (sum >= r->nodes)
				return 1;
		}
		return 0;
	}
	return 0;
}

static uint32_t leaf_of(const lay *y, uint32_t n)
{
	uint32_t lf = 0;
	while (y->leaf_first[lf + 1] <= n)
		lf++;
	return lf;
}

/* The placement is legal against the reference state; apply it there. */
static void ref_apply(const lay *y, refn *s, const cs_request *r, const cs_placement *p)
{
	cr_assert_eq(p->n, r->nodes);
	uint32_t leaves[64], nl = 0;
	for (uint32_t i = 0; i < p->n; i++) {
		const cs_slot *sl = &p->slots[i];
		for (uint32_t j = 0; j < i; j++)
			cr_assert_neq(p->slots[j].node, sl->node, "a node twice");
		cr_assert(ref_node_ok(y, s, sl->node, r), "node %u cannot hold the request", sl->node);
		cr_assert_eq(sl->gpu_mask & ~s[sl->node].gmask, 0, "GPU overcommitted");
		cr_assert_leq(sl->cores, s[sl->node].cores);
		cr_assert_leq(sl->mem_mib, s[sl->node].mem);
		const cs_alloc_type *t = &y->types[y->node_type[sl->node]];
		if (t->cores <= CS_ALLOC_MAX_CORES) {
			cr_assert_eq(mask_pop(sl->core_mask), sl->cores, "core count is the mask's");
			for (unsigned w = 0; w < CS_ALLOC_CORE_WORDS; w++) {
				cr_assert_eq(sl->core_mask[w] & ~s[sl->node].cmask[w], 0, "core taken twice");
				s[sl->node].cmask[w] &= ~sl->core_mask[w];
			}
		} else {
			cr_assert_eq(mask_pop(sl->core_mask), 0, "no core mask over the cap");
		}
		if (!r->exclusive)
			cr_assert_eq(__builtin_popcount(sl->gpu_mask), r->gpus_per_node);
		uint32_t lf = leaf_of(y, sl->node), k = 0;
		while (k < nl && leaves[k] != lf)
			k++;
		if (k == nl && nl < 64)
			leaves[nl++] = lf;
		s[sl->node].gmask &= (uint16_t)~sl->gpu_mask;
		s[sl->node].cores -= sl->cores;
		s[sl->node].mem -= sl->mem_mib;
	}
	if (r->topo == CS_TOPO_ONE_LEAF)
		cr_assert_eq(nl, 1);
	if (r->topo == CS_TOPO_MAX_LEAVES)
		cr_assert_leq(nl, r->max_leaves);
	if (r->topo == CS_TOPO_ONE_BLOCK)
		for (uint32_t k = 1; k < nl; k++)
			cr_assert_eq(leaves[k] / y->l.leaves_per_block, leaves[0] / y->l.leaves_per_block);
}

static void ref_release(refn *s, const cs_placement *p)
{
	for (uint32_t i = 0; i < p->n; i++) {
		const cs_slot *sl = &p->slots[i];
		s[sl->node].gmask |= sl->gpu_mask;
		s[sl->node].cores += sl->cores;
		for (unsigned w = 0; w < CS_ALLOC_CORE_WORDS; w++)
			s[sl->node].cmask[w] |= sl->core_mask[w];
		s[sl->node].mem += sl->mem_mib;
	}
}

/* The fragmentation-aware fit's choice for a one-node request r on the
 * nodes of type t (-1: any), by a linear scan: the partial node that
 * holds it and leaves none of its GPUs free, else a power of two free
 * (fewest first), else the fewest free, the lowest-numbered at a rank; else
 * an idle node of the type with the fewest GPUs (the lowest such type),
 * in the leaf with the fewest idle nodes of any type (the lowest such
 * leaf), the lowest-numbered there. *rank orders choices across types:
 * 0x000 filled, 0x100 + left for a power of two, 0x200 + left, 0x300 +
 * the type's GPUs for an idle node. -1 if nothing holds it. */
static long ref_frag_one(const lay *y, const refn *s, const cs_request *r, int32_t t, unsigned *rank)
{
	cs_request q = *r;
	q.type = t;
	long best = -1;
	unsigned br = ~0u;
	for (uint32_t n = 0; n < y->l.nnodes; n++) {
		if (!ref_node_ok(y, s, n, &q) || ref_idle(y, s, n))
			continue;
		unsigned left = (unsigned)__builtin_popcount(s[n].gmask) - q.gpus_per_node;
		unsigned k = left == 0 ? 0 : (left & (left - 1)) == 0 ? 0x100 + left : 0x200 + left;
		if (k < br) {
			br = k;
			best = n;
		}
	}
	if (best >= 0) {
		*rank = br;
		return best;
	}
	long bt = -1;
	for (uint32_t n = 0; n < y->l.nnodes; n++) {
		long ty = y->node_type[n];
		if (!ref_node_ok(y, s, n, &q) || !ref_idle(y, s, n))
			continue;
		if (bt < 0 || y->types[ty].gpus < y->types[bt].gpus ||
		    (y->types[ty].gpus == y->types[bt].gpus && ty < bt))
			bt = ty;
	}
	if (bt < 0)
		return -1;
	uint32_t bc = ~0u;
	for (uint32_t n = 0; n < y->l.nnodes; n++) {
		if (y->node_type[n] != bt || !ref_node_ok(y, s, n, &q) || !ref_idle(y, s, n))
			continue;
		uint32_t lf = leaf_of(y, n), c = 0;
		for (uint32_t k = y->leaf_first[lf]; k < y->leaf_first[lf + 1]; k++)
			c += (uint32_t)ref_idle(y, s, k);
		if (c < bc) {
			bc = c;
			best = n;
		}
	}
	*rank = 0x300 + y->types[bt].gpus;
	return best;
}

/* A second generator for the tests that draw whole 64-bit words (Knuth's
 * MMIX constants), stepped in place. */
static void lcg_step(unsigned long long *x) { *x = *x * 6364136223846793005ULL + 1442695040888963407ULL; }

static unsigned long long rng = 88172645463325252ULL;
static unsigned rnd(unsigned n) { return th_xorshift(&rng, n); }

typedef struct live { cs_slot s[16]; cs_placement p; } live;

static void random_run(cs_fit fit, unsigned long long seed)
{
	rng = seed;
	lay y;
	y.types[0] = gpu_type(8, 64, 1000);
	y.types[1] = gpu_type(4, 32, 500);
	y.types[2] = gpu_type(0, 300, 2000); /* over the core cap: cores are a count */
	/* 12 leaves of 8 nodes, homogeneous per leaf, blocks of 3 leaves */
	build(&y, 12, 8, (const uint16_t[]){ 0, 0, 0, 0, 1, 1, 0, 0, 1, 2, 2, 0 }, 3);
	cs_alloc *a = mk(&y, fit);
	refn s[96];
	for (uint32_t n = 0; n < y.l.nnodes; n++) {
		const cs_alloc_type *t = &y.types[y.node_type[n]];
		s[n] = (refn){ (uint16_t)((1u << t->gpus) - 1u), t->cores, t->mem_mib, { 0 } };
		for (unsigned i = 0; i < t->cores && t->cores <= CS_ALLOC_MAX_CORES; i++)
			s[n].cmask[i / 64] |= 1ULL << (i % 64);
	}
	enum { MAXLIVE = 200 };
	static live lv[MAXLIVE];
	int nlive = 0, ok = 0, nofit = 0, frag_checked = 0, found = 0, nempty = 0;
	for (int step = 0; step < 20000; step++) {
		if (nlive && rnd(10) == 0) {
			/* give a placement back and take exactly it again (the
			 * engine's hold does this): nothing changes */
			int k = (int)rnd((unsigned)nlive);
			cs_alloc_release(a, &lv[k].p);
			cr_assert_eq(cs_alloc_take(a, &lv[k].p), 0, "step %d: retaking a placement", step);
		} else if (nlive && (rnd(3) == 0 || nlive == MAXLIVE)) {
			int k = (int)rnd((unsigned)nlive);
			cs_alloc_release(a, &lv[k].p);
			ref_release(s, &lv[k].p);
			lv[k] = lv[--nlive];
			lv[nlive].p.slots = lv[nlive].s;
			for (int i = 0; i < nlive; i++)
				lv[i].p.slots = lv[i].s;
		} else {
			cs_request r = { .type = -1 };
			r.nodes = 1 + (rnd(4) == 0 ? rnd(6) : 0);
			r.exclusive = rnd(3) == 0;
			r.gpus_per_node = (uint16_t)(rnd(5) == 0 ? 0 : 1u << rnd(4));
			r.cores_per_node = 1 + rnd(32);
			r.mem_per_node_mib = 1 + rnd(400);
			if (rnd(4) == 0)
				r.type = (int32_t)rnd(3);
			r.topo = (uint8_t)(r.nodes > 1 ? rnd(4) : 0);
			r.max_leaves = (uint16_t)(1 + rnd(2));
			/* now and then a one-node request for a list of node types
			 * (-1: any), as the engine places a partition's jobs */
			int32_t list[3];
			uint32_t nlist = r.nodes == 1 && rnd(4) == 0 ? 1 + rnd(3) : 0;
			for (uint32_t k = 0; k < nlist; k++)
				list[k] = (int32_t)rnd(4) - 1;
			/* the allocator's exclusive multi-node search ranks leaves by
			 * idle nodes of any type, which is exact for type-homogeneous
			 * leaves and requests of one type or none */
			lv[nlive].p = (cs_placement){ .slots = lv[nlive].s, .cap = 16 };
			int feasible = nlist ? 0 : ref_feasible(&y, s, &r);
			long first_ok = -1; /* the first listed type that holds it */
			for (uint32_t k = 0; k < nlist; k++) {
				cs_request q = r;
				q.type = list[k];
				if (ref_feasible(&y, s, &q) && first_ok < 0)
					first_ok = k;
			}
			feasible |= first_ok >= 0;
			/* the fragmentation-aware fit's node, by the reference */
			long want = -1;
			unsigned rank, wr = ~0u;
			if (fit == CS_FIT_FRAG && r.nodes == 1 && !nlist)
				want = ref_frag_one(&y, s, &r, r.type, &rank);
			if (fit == CS_FIT_FRAG && nlist && r.exclusive && first_ok >= 0)
				want = ref_frag_one(&y, s, &r, list[first_ok], &rank);
			for (uint32_t k = 0; fit == CS_FIT_FRAG && nlist && !r.exclusive && k < nlist; k++) {
				long n = ref_frag_one(&y, s, &r, list[k], &rank);
				if (n >= 0 && rank < wr) {
					want = n;
					wr = rank;
				}
			}
			/* the placement found without taking anything is the try's */
			cs_slot fs[16];
			cs_placement fp = { .slots = fs, .cap = 16 };
			int frc = nlist ? cs_alloc_find_types(a, &r, list, nlist, &fp)
					: cs_alloc_find_types(a, &r, &r.type, 1, &fp);
			/* and whether it fits, asked alone, is the same answer */
			cs_slot ws[16];
			cs_placement wp = { .slots = ws, .cap = 16 };
			int wrc = nlist ? cs_alloc_fits_types(a, &r, list, nlist, &wp)
					: cs_alloc_fits_types(a, &r, &r.type, 1, &wp);
			int rc = nlist ? cs_alloc_try_types(a, &r, list, nlist, &lv[nlive].p)
				       : cs_alloc_try(a, &r, &lv[nlive].p);
			cr_assert_eq(frc, rc, "step %d: found %d, tried %d", step, frc, rc);
			cr_assert_eq(wrc, rc, "step %d: fits %d, tried %d", step, wrc, rc);
			cr_assert(rc != 0 || wp.n == lv[nlive].p.n, "step %d: fits with %u slots, tried %u", step, wp.n,
				  lv[nlive].p.n);
			for (uint32_t k = 0; rc == 0 && k < fp.n; k++) {
				const cs_slot *x = &fs[k], *z = &lv[nlive].p.slots[k];
				cr_assert(fp.n == lv[nlive].p.n && cs_slot_same(x, z),
					  "step %d: slot %u found is not the one the try made", step, k);
			}
			found += rc == 0;
			if (rc == -CS_EINVAL) {
				/* no node type could ever hold it: the reference agrees */
				cr_assert_not(feasible, "step %d: EINVAL for a feasible request", step);
				continue;
			}
			cr_assert_eq(rc == 0, feasible, "step %d (fit %d): allocator %d, reference %s: nodes %u g %u "
				     "excl %u topo %u maxl %u type %d", step, fit, rc, feasible ? "fits" : "no fit",
				     r.nodes, r.gpus_per_node, r.exclusive, r.topo, r.max_leaves, r.type);
			if (rc == 0) {
				uint32_t got = lv[nlive].p.slots[0].node;
				if (want >= 0) {
					cr_assert_eq(got, (uint32_t)want, "step %d: fragmentation-aware fit took node %u, "
						     "the reference %ld (g %u, excl %u, type %d, %u types listed)", step, got,
						     want, r.gpus_per_node, r.exclusive, r.type, nlist);
					frag_checked++;
				}
				if (nlist && (fit != CS_FIT_FRAG || r.exclusive) && list[first_ok] >= 0)
					cr_assert_eq(y.node_type[got], (uint16_t)list[first_ok],
						     "step %d: not the first listed type that holds it", step);
				if (nlist)
					r.type = y.node_type[got]; /* for ref_apply's check */
				ref_apply(&y, s, &r, &lv[nlive].p);
				nlive++;
				ok++;
			} else {
				nofit++;
			}
		}
		/* the nodes of a type with g GPUs free, listed from the indexes:
		 * those the state says, each once; past a cap, cap + 1 */
		for (uint32_t t = 0; step % 8 == 0 && t < 3; t++)
			for (unsigned g = 1; g <= CS_ALLOC_MAX_GPUS; g++) {
				uint32_t out[96], want = 0, seen[96] = { 0 };
				uint32_t k = cs_alloc_nodes_gpus_free(a, t, g, out, 96);
				for (uint32_t n = 0; n < y.l.nnodes; n++)
					want += y.node_type[n] == t && (unsigned)__builtin_popcount(s[n].gmask) >= g;
				cr_assert_eq(k, want, "step %d type %u g %u: %u listed, %u have it", step, t, g, k, want);
				for (uint32_t i = 0; i < k; i++) {
					cr_assert(out[i] < y.l.nnodes && y.node_type[out[i]] == t &&
							  (unsigned)__builtin_popcount(s[out[i]].gmask) >= g && !seen[out[i]]++,
						  "step %d type %u g %u: node %u", step, t, g, out[i]);
				}
				if (want > 1)
					cr_assert_eq(cs_alloc_nodes_gpus_free(a, t, g, out, want - 1), want, "step %d: past the cap",
						     step);
			}
		for (uint32_t n = 0; n < y.l.nnodes; n++) {
			uint16_t gm;
			uint32_t c, m;
			cs_alloc_node_state(a, n, &gm, &c, &m);
			cr_assert(gm == s[n].gmask && c == s[n].cores && m == s[n].mem, "step %d node %u", step, n);
			/* the counts read in place from the node records, and by call */
			uint32_t rg, rc, rm, ng, nc, nm;
			cs_alloc_rec_counts(cs_alloc_records(a), n, &rg, &rc, &rm);
			cs_alloc_node_counts(a, n, &ng, &nc, &nm);
			cr_assert(rg == (uint32_t)__builtin_popcount(gm) && rc == c && rm == m && ng == rg && nc == rc &&
					  nm == rm,
				  "step %d node %u: counts in place %u %u %u, by call %u %u %u", step, n, rg, rc, rm, ng, nc,
				  nm);
			/* the index of nodes with anything free, against the state */
			long nx = cs_alloc_next_somefree(a, n);
			int any = gm || c || m;
			cr_assert(any ? nx == (long)n : nx != (long)n && (nx < 0 || nx > (long)n),
				  "step %d node %u: next with anything free %ld", step, n, nx);
			nempty += !any;
			cs_slot f;
			cs_alloc_node_free(a, n, &f);
			cr_assert_eq(memcmp(f.core_mask, s[n].cmask, sizeof f.core_mask), 0, "step %d node %u: cores",
				     step, n);
		}
	}
	while (nlive)
		cs_alloc_release(a, &lv[--nlive].p);
	cr_assert_eq(cs_alloc_idle_nodes(a), y.l.nnodes, "releasing everything restores every node");
	for (uint32_t n = 0; n < y.l.nnodes; n++) {
		const cs_alloc_type *t = &y.types[y.node_type[n]];
		cs_slot f;
		cs_alloc_node_free(a, n, &f);
		cr_assert_eq(mask_pop(f.core_mask), t->cores <= CS_ALLOC_MAX_CORES ? t->cores : 0, "node %u", n);
	}
	cr_assert_eq(cs_alloc_free_gpus(a), 7 * 8 * 8 + 3 * 8 * 4);
	cr_assert_gt(ok, 1000);
	cr_assert_gt(nofit, 100);
	cr_assert_eq(found, ok);
	cr_assert_gt(nempty, 100, "nodes seen with nothing free");
	if (fit == CS_FIT_FRAG)
		cr_assert_gt(frag_checked, 1000, "%d choices checked", frag_checked);
	cs_alloc_free(a);
}

Test(alloc, random_first_fit_matches_reference) { random_run(CS_FIT_FIRST, 1); }
Test(alloc, random_best_fit_matches_reference) { random_run(CS_FIT_BEST, 2); }
Test(alloc, random_topology_aware_matches_reference) { random_run(CS_FIT_TOPO, 3); }
Test(alloc, random_fragmentation_aware_matches_reference) { random_run(CS_FIT_FRAG, 4); }

/* --- the fast paths against the general ones --- */

#include "alloc/nodepick.h"

/* The GPU table and the per-GPU-mask preferred cores give exactly what
 * working the choice out gives, for every free mask and count. */
Test(alloc, nodepick_tables_match_the_computed_choice)
{
	cs_alloc_type t = gpu_type(8, 112, 1000);
	t.gpu_group[5] = 2; /* an uneven third group */
	t.core_group[100] = 2;
	cs_nodepick p;
	cr_assert_eq(cs_nodepick_init(&p, &t), 0);
	cr_assert_not_null(p.gtab);
	cr_assert_not_null(p.ptab);
	cs_nodepick bare = p;
	bare.gtab = NULL;
	bare.ptab = NULL;
	uint64_t freec[CS_ALLOC_CORE_WORDS] = { 0x0f0f0f0f0f0f0f0fULL, 0x0000f00ff00fULL };
	for (unsigned f = 0; f < 256; f++)
		for (unsigned g = 1; g <= (unsigned)__builtin_popcount(f); g++) {
			uint16_t want = cs_nodepick_gpus_calc(&p, (uint16_t)f, g);
			cr_assert_eq(cs_nodepick_gpus(&p, (uint16_t)f, g), want, "free %#x, %u GPUs", f, g);
			cr_assert_eq(__builtin_popcount(want), (int)g);
			cr_assert_eq(want & ~f, 0u);
			for (unsigned c = 1; c <= 40; c += 13) {
				uint64_t a[CS_ALLOC_CORE_WORDS], b[CS_ALLOC_CORE_WORDS];
				cs_nodepick_cores(&p, freec, want, c, a);
				cs_nodepick_cores(&bare, freec, want, c, b);
				cr_assert_eq(memcmp(a, b, sizeof a), 0, "free %#x, %u GPUs, %u cores", f, g, c);
				cr_assert_eq(mask_pop(a), c);
			}
		}
	cs_nodepick_free(&p);
}

/* One node type takes the single-node fast path; the same nodes with a
 * second, unused node type take the general one. Both must place every
 * request on the same node, GPUs and cores, under every strategy. Where
 * the CPU has BMI2, the fast path's two compiled copies (BMI2 and
 * baseline) take turns at random, against the general path's baseline
 * form. */
static void fast_vs_general(cs_fit fit, unsigned long long seed)
{
	rng = seed;
	static lay y1, y2;
	y1.types[0] = gpu_type(8, 112, 1000);
	build(&y1, 6, 8, (const uint16_t[]){ 0, 0, 0, 0, 0, 0 }, 2);
	y2 = y1;
	y2.l.types = y2.types;
	y2.l.node_type = y2.node_type;
	y2.l.leaf_first = y2.leaf_first;
	y2.types[1] = gpu_type(4, 16, 100); /* no node has it */
	y2.l.ntypes = 2;
	cs_alloc *a = mk(&y1, fit), *b = mk(&y2, fit);
	enum { MAXLIVE = 64 };
	static live la[MAXLIVE], lb[MAXLIVE];
	int nlive = 0, placed = 0, hw = cs_have_bmi2;
	for (int step = 0; step < 20000; step++) {
		int fast_bmi2 = hw && rnd(2); /* the copy a uses this step */
		if (nlive && (rnd(2) == 0 || nlive == MAXLIVE)) {
			int k = (int)rnd((unsigned)nlive);
			cs_have_bmi2 = fast_bmi2;
			cs_alloc_release(a, &la[k].p);
			cs_have_bmi2 = 0;
			cs_alloc_release(b, &lb[k].p);
			la[k] = la[--nlive];
			lb[k] = lb[nlive];
			la[k].p.slots = la[k].s;
			lb[k].p.slots = lb[k].s;
			continue;
		}
		/* 0-8 GPUs, 0-40 cores, 0-300 MiB: GPU-only, CPU-only and empty
		 * requests too */
		cs_request r = shared(1, (uint16_t)rnd(9), rnd(41), rnd(301));
		if (rnd(8) == 0) /* now and then a bigger job, to vary the state */
			r = (cs_request){ .nodes = 2 + rnd(3), .exclusive = 1, .type = -1 };
		la[nlive].p = (cs_placement){ .slots = la[nlive].s, .cap = 16 };
		lb[nlive].p = (cs_placement){ .slots = lb[nlive].s, .cap = 16 };
		cs_have_bmi2 = fast_bmi2;
		int ra = cs_alloc_try(a, &r, &la[nlive].p);
		cs_have_bmi2 = 0;
		int rb = cs_alloc_try(b, &r, &lb[nlive].p);
		cs_have_bmi2 = hw;
		cr_assert_eq(ra, rb, "step %d (fit %d): %d against %d", step, fit, ra, rb);
		if (ra != 0)
			continue;
		cr_assert_eq(la[nlive].p.n, lb[nlive].p.n);
		for (uint32_t i = 0; i < la[nlive].p.n; i++) {
			const cs_slot *x = &la[nlive].p.slots[i], *z = &lb[nlive].p.slots[i];
			cr_assert(cs_slot_same(x, z),
				  "step %d (fit %d): node %u/%u gpus %#x/%#x", step, fit, x->node, z->node,
				  x->gpu_mask, z->gpu_mask);
		}
		placed++;
		nlive++;
	}
	cs_have_bmi2 = hw;
	cr_assert_gt(placed, 5000);
	cs_alloc_free(a);
	cs_alloc_free(b);
}

Test(alloc, fast_path_first_fit_matches_general) { fast_vs_general(CS_FIT_FIRST, 11); }
Test(alloc, fast_path_best_fit_matches_general) { fast_vs_general(CS_FIT_BEST, 12); }
Test(alloc, fast_path_topology_aware_matches_general) { fast_vs_general(CS_FIT_TOPO, 13); }
Test(alloc, fast_path_fragmentation_aware_matches_general) { fast_vs_general(CS_FIT_FRAG, 14); }

/* Shared multi-node jobs under topology rules, on 3 leaves of 4 nodes
 * (blocks: leaves 0-1, leaf 2), worked by hand. GPUs free: leaf 0: 2, 2,
 * 2, 8 (node 3 idle); leaf 1: 4, 1, 1, 1; leaf 2: 6, 6 (node 9 with 24
 * MiB of memory left), 0, 0. */
Test(alloc, shared_jobs_follow_the_topology_rules)
{
	lay y;
	y.types[0] = gpu_type(8, 64, 1024);
	build(&y, 3, 4, (const uint16_t[]){ 0, 0, 0 }, 2);
	cs_alloc *a = mk(&y, CS_FIT_FIRST);
	static const struct { uint32_t node; uint16_t g; uint32_t mem; } load[] = {
		{ 0, 6, 1 }, { 1, 6, 1 }, { 2, 6, 1 }, { 4, 4, 1 }, { 5, 7, 1 }, { 6, 7, 1 },
		{ 7, 7, 1 }, { 8, 2, 1 }, { 9, 2, 1000 }, { 10, 8, 1 }, { 11, 8, 1 },
	};
	cs_slot ls[16];
	for (unsigned i = 0; i < sizeof load / sizeof load[0]; i++) {
		cs_request r = shared(1, load[i].g, 1, load[i].mem);
		cs_placement p = { .slots = ls + i, .cap = 1 };
		cr_assert_eq(cs_alloc_try_on(a, &r, &load[i].node, 1, &p), 0);
	}
	struct { uint32_t n; uint16_t g; uint32_t mem; uint8_t topo; uint16_t maxl; int rc; uint32_t nodes[3]; } cs[] = {
		/* nodes with 2 free: leaf 0 has 4, the first leaf that holds 3 */
		{ 3, 2, 1, CS_TOPO_ONE_LEAF, 0, 0, { 0, 1, 2 } },
		/* 4 free: leaf 0 has node 3, leaf 1 node 4, leaf 2 nodes 8, 9 */
		{ 3, 4, 1, CS_TOPO_ONE_LEAF, 0, -CS_ENOFIT, { 0 } },
		/* two leaves, the largest first: leaf 2, then the first of the
		 * rest in the selection's order (leaf 1) */
		{ 3, 4, 1, CS_TOPO_MAX_LEAVES, 2, 0, { 8, 9, 4 } },
		{ 3, 4, 1, CS_TOPO_ONE_BLOCK, 0, -CS_ENOFIT, { 0 } },
		{ 2, 4, 1, CS_TOPO_ONE_BLOCK, 0, 0, { 3, 4 } },
		/* with 100 MiB node 9 does not count: no leaf holds 2 */
		{ 2, 4, 100, CS_TOPO_ONE_LEAF, 0, -CS_ENOFIT, { 0 } },
		{ 2, 4, 100, CS_TOPO_MAX_LEAVES, 2, 0, { 3, 4 } },
		{ 4, 4, 100, CS_TOPO_MAX_LEAVES, 3, -CS_ENOFIT, { 0 } },
	};
	for (unsigned k = 0; k < sizeof cs / sizeof cs[0]; k++) {
		cs_request r = shared(cs[k].n, cs[k].g, 1, cs[k].mem);
		r.topo = cs[k].topo;
		r.max_leaves = cs[k].maxl;
		cs_placement p = pl();
		int rc = cs_alloc_try(a, &r, &p);
		cr_assert_eq(rc, cs[k].rc, "case %u: %d", k, rc);
		if (rc)
			continue;
		cr_assert_eq(p.n, cs[k].n);
		for (uint32_t i = 0; i < p.n; i++)
			cr_assert_eq(p.slots[i].node, cs[k].nodes[i], "case %u slot %u: node %u", k, i, p.slots[i].node);
		cs_alloc_release(a, &p);
	}
	cs_alloc_free(a);
}

/* The lowest free cores: the BMI2 form (used where the CPU has it) and the
 * portable one take exactly the same cores. */
Test(alloc, core_select_bmi2_equals_portable)
{
	cs_alloc_type t = gpu_type(8, 112, 1000);
	cs_nodepick np;
	cr_assert_eq(cs_nodepick_init(&np, &t), 0); /* fills the select table, sets cs_have_bmi2 */
	cs_nodepick_free(&np);
	if (!cs_have_bmi2)
		return; /* a CPU without BMI2 never runs the pdep form (nor can it) */
	unsigned long long x = 7;
	for (int k = 0; k < 20000; k++) {
		uint64_t avail[CS_ALLOC_CORE_WORDS], a[CS_ALLOC_CORE_WORDS] = { 0 }, b[CS_ALLOC_CORE_WORDS] = { 0 };
		for (unsigned w = 0; w < CS_ALLOC_CORE_WORDS; w++) {
			lcg_step(&x);
			avail[w] = x & (x >> 7) & (k % 3 ? ~0ULL : x >> 13); /* sparse to dense */
			if (k % 11 == 0)
				avail[w] = w == 1 ? ~0ULL : 0;
		}
		unsigned cw = 1 + (unsigned)(x >> 60) % CS_ALLOC_CORE_WORDS, need = (unsigned)(x >> 40) % 300;
		unsigned ra = cs_take_low_swar(avail, cw, need, a), rb = cs_take_low_bmi2(avail, cw, need, b);
		cr_assert_eq(ra, rb, "case %d: %u left against %u", k, ra, rb);
		cr_assert_eq(memcmp(a, b, sizeof a), 0, "case %d: need %u, cw %u", k, need, cw);
		unsigned have = 0;
		for (unsigned w = 0; w < cw; w++)
			have += (unsigned)__builtin_popcountll(avail[w]);
		cr_assert_eq(mask_pop(a), need < have ? need : have);
	}
}

/* The fast path's core choice (BMI2, no branch on the counts) takes the
 * same cores as the portable choice, and takes them out of the free mask:
 * on 112- and 256-core nodes, with the GPUs' groups holding enough cores
 * and short of them. */
Test(alloc, core_take_bmi2_equals_portable)
{
	const unsigned ncores[2] = { 112, 256 };
	for (int ti = 0; ti < 2; ti++) {
		cs_alloc_type t = gpu_type(8, ncores[ti], 1000);
		cs_nodepick np;
		cr_assert_eq(cs_nodepick_init(&np, &t), 0);
		if (!cs_have_bmi2) {
			cs_nodepick_free(&np);
			return; /* a CPU without BMI2 never runs it */
		}
		cr_assert_not_null(np.ptab);
		unsigned long long x = 11 + (unsigned long long)ti;
		unsigned short_of = 0;
		for (int k = 0; k < 20000; k++) {
			uint64_t freec[CS_ALLOC_CORE_WORDS], f2[CS_ALLOC_CORE_WORDS], a[CS_ALLOC_CORE_WORDS],
				b[CS_ALLOC_CORE_WORDS];
			for (unsigned w = 0; w < CS_ALLOC_CORE_WORDS; w++) {
				lcg_step(&x);
				freec[w] = (x ^ (x >> 17)) & (k % 4 ? ~0ULL : x >> 9) & np.all[w];
			}
			lcg_step(&x);
			uint16_t gpus = (uint16_t)(1 + (x >> 33) % 255);
			unsigned have = cs_pop_mask(freec, np.cw), pref = 0;
			for (unsigned w = 0; w < np.cw; w++)
				pref += (unsigned)__builtin_popcountll(freec[w] & np.ptab[gpus][w]);
			if (have == 0)
				continue;
			unsigned c = 1 + (unsigned)(x >> 45) % have;
			short_of += c > pref;
			memcpy(f2, freec, sizeof f2);
			cs_have_bmi2 = 0;
			cs_nodepick_cores(&np, freec, gpus, c, b); /* the portable choice */
			cs_have_bmi2 = 1;
			cs_nodepick_take(&np, f2, gpus, c, a, 1);
			cr_assert_eq(memcmp(a, b, sizeof a), 0, "%u cores, case %d: GPUs %#x, %u cores", ncores[ti], k,
				     gpus, c);
			for (unsigned w = 0; w < CS_ALLOC_CORE_WORDS; w++)
				cr_assert_eq(f2[w], freec[w] & ~b[w], "case %d word %u: the free mask", k, w);
		}
		cr_assert_gt(short_of, 100u, "the groups short of cores were tried");
		cs_nodepick_free(&np);
	}
}

/* A request for nothing (no GPUs, cores or memory) is placed on a node
 * and changes nothing: an idle node stays idle, and giving the slot back
 * leaves it so (take and give skip their index moves only when nothing
 * moves). */
Test(alloc, a_request_for_nothing_changes_nothing)
{
	lay y;
	y.types[0] = gpu_type(8, 64, 1024);
	build(&y, 1, 2, (const uint16_t[]){ 0 }, 0);
	for (int fit = CS_FIT_FIRST; fit <= CS_FIT_FRAG; fit++) {
		cs_alloc *a = mk(&y, (cs_fit)fit);
		cs_slot sl[1];
		cs_placement p = { sl, 1, 0 };
		cs_request r = { .nodes = 1, .type = -1 };
		cr_assert_eq(cs_alloc_try(a, &r, &p), 0);
		cr_assert_eq(p.n, 1u);
		cr_assert_eq(cs_alloc_idle_nodes(a), 2, "fit %d", fit);
		cr_assert_eq(cs_alloc_free_gpus(a), 16);
		cs_alloc_release(a, &p);
		cr_assert_eq(cs_alloc_idle_nodes(a), 2);
		cr_assert_eq(cs_alloc_nodes_with_free_gpus(a, 8), 2);
		cs_alloc_free(a);
	}
}

/* --- the hierarchical bitmap --- */

#include "capsim/hbm.h"

/* The plain array's answer to cs_hbm_next: the first set item >= from. */
static long ref_next(const uint8_t *ref, uint32_t n, uint32_t from)
{
	for (uint32_t j = from; j < n; j++)
		if (ref[j])
			return j;
	return -1;
}

/* Random sets and clears on bitmaps of one, several and more than 64
 * summary words (4,096 and 262,144 items are where the levels change):
 * cs_hbm_next and cs_hbm_first agree with a plain array from every start,
 * cs_hbm_clear_last says exactly when the set became empty, and the counts
 * agree. */
Test(alloc, hbm_matches_a_plain_array)
{
	const uint32_t sizes[] = { 1, 63, 64, 65, 4095, 4096, 4097, 70000, 262144, 262145, 300000 };
	unsigned long long x = 5;
	for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
		uint32_t n = sizes[si];
		cs_hbm b;
		cr_assert_eq(cs_hbm_init(&b, n), 0);
		uint8_t *ref = calloc(n, 1);
		uint32_t pop = 0;
		for (int step = 0; step < 6000; step++) {
			lcg_step(&x);
			/* clustered indexes, so words and summary words empty and fill */
			uint32_t i = (uint32_t)((x >> 33) % (n < 200 ? n : 200)) * (n < 200 ? 1 : n / 200) +
				     (uint32_t)(x >> 20) % 3;
			if ((x >> 50) % 4 == 0) /* the last words too */
				i = n - 1 - (uint32_t)(x >> 20) % (n < 3 ? n : 3);
			if (i >= n)
				i = n - 1;
			if (ref[i] && (x >> 11) % 2) {
				ref[i] = 0;
				pop--;
				int last = (x >> 12) % 2 ? cs_hbm_clear_last(&b, i) : (cs_hbm_clear(&b, i), pop == 0);
				cr_assert_eq(last, pop == 0, "size %u step %d: emptied %d, left %u", n, step, last, pop);
			} else if (!ref[i]) {
				ref[i] = 1;
				pop++;
				cs_hbm_set(&b, i);
			}
			uint32_t from = (uint32_t)((x >> 40) % (n + 1));
			cr_assert_eq(cs_hbm_next(&b, from), ref_next(ref, n, from), "size %u step %d: next from %u", n,
				     step, from);
			if (step % 97 == 0) {
				cr_assert_eq(cs_hbm_first(&b), ref_next(ref, n, 0), "size %u step %d: first", n, step);
				cr_assert_eq(cs_hbm_count(&b), pop);
				uint32_t lo = from / 2, hi = from, k = 0;
				for (uint32_t j = lo; j < hi; j++)
					k += ref[j];
				cr_assert_eq(cs_hbm_count_range(&b, lo, hi), k, "size %u: count [%u, %u)", n, lo, hi);
			}
		}
		/* emptied from the bottom up, the first bit (and the hint behind
		 * it) moves to the end; an empty set's hint reads the spare word
		 * past a multiple of 64, which stays zero */
		for (uint32_t j = 0; j < n; j++)
			if (ref[j]) {
				cr_assert_eq(cs_hbm_first(&b), (long)j, "size %u: first before clearing %u", n, j);
				cs_hbm_clear(&b, j);
			}
		cr_assert_eq(cs_hbm_first(&b), -1, "size %u: first of an empty set", n);
		cr_assert_eq(cs_hbm_first(&b), -1, "size %u: first again", n);
		cs_hbm_set(&b, n - 1);
		cr_assert_eq(cs_hbm_first(&b), (long)n - 1, "size %u: the last item alone", n);
		free(ref);
		cs_hbm_free(&b);
	}
}

/* cs_alloc_try_on: exactly the given nodes, or nothing. */
Test(alloc, try_on_places_on_the_given_nodes)
{
	cs_alloc_type ty = { .gpus = 4, .cores = 8, .mem_mib = 1000 };
	uint16_t nt[3] = { 0, 0, 0 };
	uint32_t lf[2] = { 0, 3 };
	cs_alloc_layout l = { 3, 1, &ty, nt, 1, lf, 0 };
	cs_alloc *a;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_alloc_new(&a, &l, CS_FIT_FIRST, err, sizeof err), 0, "%s", err);
	cs_slot s[3];
	cs_placement p = { s, 3, 0 };
	cs_request rq = { .nodes = 2, .gpus_per_node = 3, .cores_per_node = 2, .mem_per_node_mib = 100, .type = -1 };
	uint32_t on[2] = { 2, 0 };
	cr_assert_eq(cs_alloc_try_on(a, &rq, on, 2, &p), 0);
	cr_assert_eq(p.n, 2);
	cr_assert_eq(s[0].node, 2);
	cr_assert_eq(s[1].node, 0);
	cr_assert_eq(__builtin_popcount(s[0].gpu_mask), 3);
	cr_assert_eq(cs_alloc_free_gpus(a), 6);
	/* node 2 has one GPU left: nothing changes */
	uint32_t on2[2] = { 1, 2 };
	cs_placement q = { s + 2, 1, 0 };
	rq.nodes = 1;
	cr_assert_eq(cs_alloc_try_on(a, &rq, on2 + 1, 1, &q), -CS_ENOFIT);
	cr_assert_eq(cs_alloc_free_gpus(a), 6);
	uint32_t dup[2] = { 1, 1 };
	cs_placement r2 = { s + 2, 2, 0 };
	rq.nodes = 2;
	cr_assert_eq(cs_alloc_try_on(a, &rq, dup, 2, &r2), -CS_EINVAL);
	cs_alloc_release(a, &p);
	cr_assert_eq(cs_alloc_free_gpus(a), 12);
	cs_alloc_free(a);
}

/* A bucket's bounds on free cores and memory (alloc_int.h, bucket_ub): a
 * failed walk lowers them, and a node that gains free cores or memory in
 * its bucket raises them again, so a later request finds it. Two CPU
 * nodes (no GPUs: every busy one sits in bucket 0) of 8 cores and 1000
 * MiB in one leaf; 2-node requests take the general path. A holds 4 cores
 * and 400 MiB a node, B 2 cores and 300 MiB: 2 cores and 300 MiB free. */
Test(alloc, a_bucket_bound_rises_when_a_node_gains_there)
{
	cs_alloc_type ty = { .gpus = 0, .cores = 8, .mem_mib = 1000 };
	uint16_t nt[2] = { 0, 0 };
	uint32_t lf[2] = { 0, 2 };
	cs_alloc_layout l = { 2, 1, &ty, nt, 1, lf, 0 };
	for (cs_fit fit = CS_FIT_FIRST; fit <= CS_FIT_FRAG; fit++) {
		cs_alloc *a;
		char err[CS_ERRLEN] = "";
		cr_assert_eq(cs_alloc_new(&a, &l, fit, err, sizeof err), 0, "%s", err);
		cs_slot sa[2], sb[2], sc[2];
		cs_placement pa = { sa, 2, 0 }, pb = { sb, 2, 0 }, pc = { sc, 2, 0 };
		cs_request ra = shared(2, 0, 4, 400), rb = shared(2, 0, 2, 300);
		cr_assert_eq(cs_alloc_try(a, &ra, &pa), 0);
		cr_assert_eq(cs_alloc_try(a, &rb, &pb), 0);
		/* 3 cores: neither node (the walk sets the bounds to 2 cores, 300 MiB) */
		cs_request r3 = shared(2, 0, 3, 100), rm = shared(2, 0, 1, 500);
		cr_assert_eq(cs_alloc_try(a, &r3, &pc), -CS_ENOFIT, "fit %d", fit);
		cr_assert_eq(cs_alloc_try(a, &r3, &pc), -CS_ENOFIT, "fit %d", fit);
		cr_assert_eq(cs_alloc_try(a, &rm, &pc), -CS_ENOFIT, "fit %d", fit);
		/* B ends: 4 cores and 600 MiB free on each, still busy with A */
		cs_alloc_release(a, &pb);
		cr_assert_eq(cs_alloc_idle_nodes(a), 0);
		cr_assert_eq(cs_alloc_try(a, &r3, &pc), 0, "fit %d: 3 cores fit again", fit);
		cr_assert_eq(pc.n, 2);
		cs_alloc_release(a, &pc);
		cr_assert_eq(cs_alloc_try(a, &rm, &pc), 0, "fit %d: 500 MiB fit again", fit);
		cs_alloc_release(a, &pc);
		/* 5 cores: no busy node, and no idle one */
		cs_request r5 = shared(2, 0, 5, 100);
		cr_assert_eq(cs_alloc_try(a, &r5, &pc), -CS_ENOFIT, "fit %d", fit);
		cs_alloc_release(a, &pa);
		cr_assert_eq(cs_alloc_try(a, &r5, &pc), 0, "fit %d: the idle nodes", fit);
		cs_alloc_free(a);
	}
}

/* Every node's free state and the counts, equal in a and b. */
static void same_state(const cs_alloc *a, const cs_alloc *b, int step)
{
	cr_assert_eq(cs_alloc_free_gpus(a), cs_alloc_free_gpus(b), "step %d", step);
	cr_assert_eq(cs_alloc_idle_nodes(a), cs_alloc_idle_nodes(b), "step %d", step);
	for (uint32_t n = 0; n < cs_alloc_nnodes(a); n++) {
		cs_slot x, y;
		cs_alloc_node_free(a, n, &x);
		cs_alloc_node_free(b, n, &y);
		cr_assert(x.gpu_mask == y.gpu_mask && x.cores == y.cores && x.mem_mib == y.mem_mib &&
				  !memcmp(x.core_mask, y.core_mask, sizeof x.core_mask),
			  "step %d: node %u", step, n);
	}
}

/* cs_alloc_take_known and cs_alloc_take_free_part leave the state
 * cs_alloc_take leaves: two allocators in step, one taking with the
 * checks, one without, give the same placements and free state. */
Test(alloc, a_known_take_leaves_what_a_checked_take_leaves)
{
	rng = 77;
	lay y;
	y.types[0] = gpu_type(8, 64, 1000);
	y.types[1] = gpu_type(4, 32, 500);
	y.types[2] = gpu_type(0, 300, 2000);
	build(&y, 6, 8, (const uint16_t[]){ 0, 0, 1, 1, 2, 0 }, 3);
	for (cs_fit fit = CS_FIT_FIRST; fit <= CS_FIT_FRAG; fit++) {
		cs_alloc *a = mk(&y, fit), *b = mk(&y, fit);
		enum { MAXLIVE = 60 };
		static live la[MAXLIVE], lb[MAXLIVE];
		int nlive = 0;
		for (int step = 0; step < 4000; step++) {
			unsigned op = rnd(4);
			if (nlive && op == 0) {
				/* give back and take again: checked on a, known on b */
				int k = (int)rnd((unsigned)nlive);
				cs_alloc_release(a, &la[k].p);
				cs_alloc_release(b, &lb[k].p);
				cr_assert_eq(cs_alloc_take(a, &la[k].p), 0);
				cs_alloc_take_known(b, &lb[k].p);
			} else if (nlive && op == 1) {
				/* what is free of a live slot's resources, set aside and back */
				int k = (int)rnd((unsigned)nlive);
				cs_slot want = la[k].p.slots[0], pa, pb;
				cs_alloc_release(a, &la[k].p);
				cs_alloc_release(b, &lb[k].p);
				cs_alloc_free_part(a, &want, &pa);
				int took = pa.gpu_mask || pa.cores || pa.mem_mib;
				cs_placement one = { &pa, 1, 1 };
				if (took)
					cr_assert_eq(cs_alloc_take(a, &one), 0);
				cr_assert_eq(cs_alloc_take_free_part(b, &want, &pb), took, "step %d", step);
				same_state(a, b, step);
				if (took) {
					cs_alloc_release(a, &one);
					cs_placement oneb = { &pb, 1, 1 };
					cs_alloc_release(b, &oneb);
				}
				cr_assert_eq(cs_alloc_take(a, &la[k].p), 0);
				cs_alloc_take_known(b, &lb[k].p);
			} else if (nlive && (op == 2 || nlive == MAXLIVE)) {
				int k = (int)rnd((unsigned)nlive);
				cs_alloc_release(a, &la[k].p);
				cs_alloc_release(b, &lb[k].p);
				la[k] = la[--nlive];
				lb[k] = lb[nlive];
				for (int i = 0; i < nlive; i++) {
					la[i].p.slots = la[i].s;
					lb[i].p.slots = lb[i].s;
				}
			} else {
				cs_request r = { .type = -1 };
				r.nodes = 1 + (rnd(4) == 0 ? rnd(4) : 0);
				r.exclusive = rnd(4) == 0;
				r.gpus_per_node = (uint16_t)(rnd(5) == 0 ? 0 : 1u << rnd(3));
				r.cores_per_node = 1 + rnd(32);
				r.mem_per_node_mib = 1 + rnd(400);
				la[nlive].p = (cs_placement){ .slots = la[nlive].s, .cap = 16 };
				lb[nlive].p = (cs_placement){ .slots = lb[nlive].s, .cap = 16 };
				int ra = cs_alloc_try(a, &r, &la[nlive].p), rb = cs_alloc_try(b, &r, &lb[nlive].p);
				cr_assert_eq(ra, rb, "step %d", step);
				cr_assert_eq(la[nlive].p.n, lb[nlive].p.n);
				for (uint32_t i = 0; i < la[nlive].p.n; i++)
					cr_assert_eq(la[nlive].p.slots[i].node, lb[nlive].p.slots[i].node, "step %d", step);
				nlive += ra == 0;
			}
			same_state(a, b, step);
		}
		cs_alloc_free(a);
		cs_alloc_free(b);
	}
}

/* Three node types (8 GPUs, 4 GPUs, CPU only) on six nodes of eight, or
 * with one_type the first type on all six. */
static void three_types(lay *y, int one_type)
{
	y->types[0] = gpu_type(8, 64, 1000);
	y->types[1] = gpu_type(4, 32, 500);
	y->types[2] = gpu_type(0, 300, 2000);
	build(y, 6, 8, one_type ? (const uint16_t[]){ 0, 0, 0, 0, 0, 0 } : (const uint16_t[]){ 0, 1, 0, 1, 2, 0 },
	      3);
}

/* One of the nlive live jobs, chosen at random, ends. */
static void end_one(cs_alloc *a, live *la, int *nlive)
{
	int k = (int)rnd((unsigned)*nlive);
	cs_alloc_release(a, &la[k].p);
	la[k] = la[--*nlive];
	for (int i = 0; i < *nlive; i++)
		la[i].p.slots = la[i].s;
}

/* The n slots ps are qs, bit for bit. */
static void same_slots(const cs_slot *ps, const cs_slot *qs, uint32_t n, int step, int fit)
{
	for (uint32_t i = 0; i < n; i++)
		cr_assert(cs_slot_same(&ps[i], &qs[i]),
			  "step %d (fit %d): slot %u node %u against %u", step, fit, i, ps[i].node, qs[i].node);
}

/* cs_alloc_choice_stands: wherever it says a try would make the found
 * placement again with some nodes' free parts taken first, take them and
 * try: the same slots, bit for bit. Random states under first and best
 * fit, requests of one to three nodes (a topology rule now and then),
 * parts of random nodes (q's own among them), on three node types tried
 * in a list. */
Test(alloc, a_choice_said_to_stand_is_the_try_after_the_parts_are_taken)
{
	rng = 91;
	lay y;
	three_types(&y, 0);
	static const int32_t lists[3][2] = { { 0, 1 }, { -1, -1 }, { 1, 0 } };
	for (cs_fit fit = CS_FIT_FIRST; fit <= CS_FIT_BEST; fit++) {
		cs_alloc *a = mk(&y, fit);
		enum { MAXLIVE = 60 };
		static live la[MAXLIVE];
		int nlive = 0, stands = 0, stands_taken = 0, not_proved = 0;
		for (int step = 0; step < 6000; step++) {
			cs_request r = { .type = -1 };
			r.nodes = 1 + (rnd(3) == 0 ? rnd(3) : 0);
			r.topo = rnd(6) == 0 ? CS_TOPO_ONE_LEAF : CS_TOPO_ANY;
			r.gpus_per_node = (uint16_t)(rnd(5) == 0 ? 0 : 1u << rnd(3));
			r.cores_per_node = 1 + rnd(32);
			r.mem_per_node_mib = 1 + rnd(400);
			const int32_t *types = lists[rnd(3)];
			uint32_t ntypes = types[0] < 0 ? 1 : 2;
			if (nlive && (rnd(3) == 0 || nlive == MAXLIVE)) {
				end_one(a, la, &nlive);
				continue;
			}
			cs_slot qs[16], ps[16], parts[48];
			cs_placement q = { qs, 16, 0 };
			if (cs_alloc_find_types(a, &r, types, ntypes, &q) == 0) {
				/* parts of a few random nodes, distinct, q's now and then */
				uint32_t n = 0, want = rnd(4);
				for (uint32_t k = 0; k < want; k++) {
					uint32_t node = rnd(8) == 0 ? q.slots[rnd(q.n)].node : rnd(y.l.nnodes);
					int dup = 0;
					for (uint32_t i = 0; i < n; i++)
						dup |= parts[i].node == node;
					if (dup)
						continue;
					cs_slot w = { .node = node, .gpu_mask = (uint16_t)rnd(256), .cores = rnd(40),
						      .mem_mib = rnd(600) };
					cs_alloc_free_part(a, &w, &parts[n]);
					n++;
				}
				if (cs_alloc_choice_stands(a, &r, &q, parts, n)) {
					stands++;
					stands_taken += n > 0;
					cs_placement aside = { parts, 48, n };
					cs_alloc_take_known(a, &aside);
					cs_placement p = { ps, 16, 0 };
					cr_assert_eq(cs_alloc_try_types(a, &r, types, ntypes, &p), 0, "step %d", step);
					cr_assert_eq(p.n, q.n);
					same_slots(ps, qs, p.n, step, fit);
					cs_alloc_release(a, &p);
					cs_alloc_release(a, &aside);
				} else {
					not_proved++;
				}
			}
			/* a job to vary the state */
			la[nlive].p = (cs_placement){ .slots = la[nlive].s, .cap = 16 };
			nlive += cs_alloc_try_types(a, &r, types, ntypes, &la[nlive].p) == 0;
		}
		cr_assert_gt(stands_taken, 500, "fit %d: %d of %d stood with parts taken", fit, stands_taken, stands);
		cr_assert_gt(not_proved, 50, "fit %d", fit);
		cs_alloc_free(a);
	}
}

/* cs_alloc_find_among against the try itself: a random state, parts of a
 * few nodes taken aside (the what-if's state), its free parts listed in a
 * shuffled order and asked with the allocator elsewhere (the parts given
 * back), then the same state's cs_alloc_find_types. On a machine of
 * several node types and of one (the single-node fast path). */
static void among_run(int one_type, unsigned long long seed)
{
	rng = seed;
	lay y;
	three_types(&y, one_type);
	static const int32_t lists[4][2] = { { 0, 1 }, { -1, -1 }, { 1, 0 }, { 2, -1 } };
	for (cs_fit fit = CS_FIT_FIRST; fit <= CS_FIT_BEST; fit++) {
		cs_alloc *a = mk(&y, fit);
		enum { MAXLIVE = 60 };
		static live la[MAXLIVE];
		int nlive = 0, found = 0, several = 0, whole = 0;
		for (int step = 0; step < 6000; step++) {
			cs_request r = { .type = -1 };
			r.nodes = 1 + (rnd(3) == 0 ? rnd(4) : 0);
			r.topo = r.nodes == 1 && rnd(6) == 0 ? CS_TOPO_ONE_LEAF : CS_TOPO_ANY;
			r.gpus_per_node = (uint16_t)(rnd(5) == 0 ? 0 : 1u << rnd(4));
			r.cores_per_node = rnd(8) == 0 ? 0 : 1 + rnd(40);
			r.mem_per_node_mib = 1 + rnd(600);
			uint32_t li = one_type ? 1 : rnd(4);
			const int32_t *types = lists[li];
			uint32_t ntypes = types[1] < 0 ? 1 : 2;
			if (nlive && (rnd(3) == 0 || nlive == MAXLIVE)) {
				end_one(a, la, &nlive);
				continue;
			}
			cr_assert(cs_alloc_among_ok(a, &r));
			/* the what-if's state: parts of a few nodes taken aside */
			cs_slot parts[8], fr[64], ps[16], qs[16];
			uint32_t n = 0, want = rnd(6);
			for (uint32_t k = 0; k < want; k++) {
				cs_slot w = { .node = rnd(y.l.nnodes), .gpu_mask = (uint16_t)rnd(256), .cores = rnd(70),
					      .mem_mib = rnd(1200) };
				n += (uint32_t)cs_alloc_take_free_part(a, &w, &parts[n]);
			}
			uint32_t nf = 0;
			for (uint32_t node = 0; node < y.l.nnodes; node++) {
				cs_alloc_node_free(a, node, &fr[nf]);
				nf += (fr[nf].gpu_mask | fr[nf].cores | fr[nf].mem_mib) != 0;
			}
			if (nf && rnd(3) == 0) {
				/* everything free on a node: every GPU and core of it */
				const cs_slot *w = &fr[rnd(nf)];
				r.gpus_per_node = (uint16_t)__builtin_popcount(w->gpu_mask);
				r.cores_per_node = w->cores;
				whole++;
			}
			for (uint32_t i = nf; i > 1; i--) {
				uint32_t k = rnd(i);
				cs_slot x = fr[i - 1];
				fr[i - 1] = fr[k];
				fr[k] = x;
			}
			const cs_slot *fp[64];
			for (uint32_t i = 0; i < nf; i++)
				fp[i] = &fr[i];
			cs_placement aside = { parts, 8, n };
			cs_alloc_release(a, &aside);
			cs_placement p = { ps, 16, 0 }, q = { qs, 16, 0 };
			int rp = cs_alloc_find_among(a, &r, types, ntypes, fp, nf, &p);
			cs_alloc_take_known(a, &aside);
			int rq = cs_alloc_find_types(a, &r, types, ntypes, &q);
			cs_alloc_release(a, &aside);
			cr_assert_eq(rp, rq, "step %d (fit %d): %d against the try's %d", step, fit, rp, rq);
			if (rq == 0) {
				found++;
				several += q.n > 1;
				cr_assert_eq(p.n, q.n);
				same_slots(ps, qs, p.n, step, fit);
			}
			/* a job to vary the state */
			la[nlive].p = (cs_placement){ .slots = la[nlive].s, .cap = 16 };
			nlive += cs_alloc_try_types(a, &r, types, ntypes, &la[nlive].p) == 0;
		}
		cr_assert_gt(found, 1000, "fit %d: %d found", fit, found);
		cr_assert_gt(several, 200, "fit %d: %d of several nodes", fit, several);
		cr_assert_gt(whole, 800, "fit %d: %d asking a node's all", fit, whole);
		cs_alloc_free(a);
	}
}

Test(alloc, a_what_if_on_free_parts_is_the_try_on_that_state) { among_run(0, 93); }
Test(alloc, a_what_if_on_one_node_type_is_the_fast_paths_try) { among_run(1, 94); }

/* cs_alloc_part_in on what is free on a node, less the parts taken so far
 * (cs_slot_sub): the part cs_alloc_take_free_part takes from the allocator
 * in that state, and what is left is what the node then has free. Wants
 * of random GPUs, memory and cores (on the two node types with a core
 * mask, random cores of the node, some taken: then others make up the
 * count), several on one node, on random states. */
Test(alloc, a_part_in_a_free_slot_is_what_the_take_of_the_free_part_takes)
{
	rng = 95;
	lay y;
	three_types(&y, 0);
	static const int32_t any[1] = { -1 };
	cs_alloc *a = mk(&y, CS_FIT_BEST);
	enum { MAXLIVE = 60 };
	static live la[MAXLIVE];
	int nlive = 0, taken = 0, made_up = 0;
	for (int step = 0; step < 4000; step++) {
		if (nlive && (rnd(3) == 0 || nlive == MAXLIVE)) {
			end_one(a, la, &nlive);
			continue;
		}
		uint32_t node = rnd(y.l.nnodes), ncores = y.types[y.node_type[node]].cores;
		int masked = ncores <= CS_ALLOC_MAX_CORES;
		cs_slot fr, parts[4];
		cs_alloc_node_free(a, node, &fr);
		uint32_t n = 0, nwant = 1 + rnd(4);
		for (uint32_t k = 0; k < nwant; k++) {
			cs_slot w = { .node = node, .gpu_mask = (uint16_t)rnd(256), .mem_mib = rnd(1200) };
			if (masked) {
				for (uint32_t i = 0; i < ncores; i++)
					if (rnd(3) == 0)
						w.core_mask[i / 64] |= 1ull << (i % 64);
				w.cores = mask_pop(w.core_mask);
			} else {
				w.cores = rnd(ncores + 1);
			}
			cs_slot p, q;
			cs_alloc_part_in(a, &fr, &w, &p);
			int some = (p.gpu_mask | p.cores | p.mem_mib) != 0;
			made_up += masked && some && (p.core_mask[0] & ~w.core_mask[0]) != 0;
			cr_assert_eq(cs_alloc_take_free_part(a, &w, &q), some, "step %d", step);
			if (!some)
				continue;
			same_slots(&p, &q, 1, step, CS_FIT_BEST);
			cs_slot_sub(&fr, &p);
			parts[n++] = q;
			taken++;
			cs_slot now;
			cs_alloc_node_free(a, node, &now);
			same_slots(&fr, &now, 1, step, CS_FIT_BEST);
		}
		cs_placement back = { parts, 4, n };
		cs_alloc_release(a, &back);
		/* a job to vary the state */
		cs_request r = shared(1 + (rnd(4) == 0), (uint16_t)(rnd(5) == 0 ? 0 : 1u << rnd(3)), 1 + rnd(32),
				      1 + rnd(400));
		la[nlive].p = (cs_placement){ .slots = la[nlive].s, .cap = 16 };
		nlive += cs_alloc_try_types(a, &r, any, 1, &la[nlive].p) == 0;
	}
	cr_assert_gt(taken, 2000, "%d parts taken", taken);
	cr_assert_gt(made_up, 200, "%d parts of other cores than wanted", made_up);
	cs_alloc_free(a);
}

/* cs_alloc_take_free_part on a node with nothing free takes nothing and
 * finds an empty part; on one with only memory free, it takes that. */
Test(alloc, a_free_part_of_a_full_node_is_empty_and_of_memory_alone_is_taken)
{
	lay y;
	y.types[0] = gpu_type(8, 64, 1000);
	build(&y, 1, 2, (const uint16_t[]){ 0 }, 0);
	cs_alloc *a = mk(&y, CS_FIT_BEST);
	cs_placement p = pl();
	cs_request full = shared(1, 8, 64, 1000), most = shared(1, 8, 64, 600);
	cr_assert_eq(cs_alloc_try(a, &full, &p), 0);
	cs_slot want = p.slots[0], out;
	memset(&out, 0x5a, sizeof out);
	cr_assert_eq(cs_alloc_take_free_part(a, &want, &out), 0);
	cr_assert(out.node == want.node && !out.gpu_mask && !out.cores && !out.mem_mib && mask_pop(out.core_mask) == 0);
	cs_slot s1[4];
	cs_placement q = { s1, 4, 0 };
	cr_assert_eq(cs_alloc_try(a, &most, &q), 0); /* the other node: 400 MiB left */
	cs_slot w2 = { .node = s1[0].node, .gpu_mask = 0xff, .cores = 64, .mem_mib = 1000 };
	memcpy(w2.core_mask, s1[0].core_mask, sizeof w2.core_mask);
	cr_assert_eq(cs_alloc_take_free_part(a, &w2, &out), 1);
	cr_assert(out.node == w2.node && !out.gpu_mask && !out.cores && out.mem_mib == 400);
	uint32_t g, c, m;
	cs_alloc_node_counts(a, w2.node, &g, &c, &m);
	cr_assert(g == 0 && c == 0 && m == 0);
	cs_alloc_free(a);
}
