/* capsim benchmark: the allocator. Allocation + release pairs per second on
 * clusters of 1k, 10k and 100k nodes of 8 GPUs and 112 cores in two NUMA
 * domains (32 nodes a leaf switch, 8 leaves a block), pre-filled to 50% and
 * 90% of their GPUs by random single-node jobs, for (1) single-node
 * 1/2/4/8-GPU requests, with 14 cores and 1 GiB a GPU (cores chosen in
 * the GPUs' NUMA domain) and, as a second case, GPUs alone, and (2) a mix with
 * multi-node 16-256 GPU jobs under topology rules; beside a naive
 * allocator (a linear scan over per-node free counts) in the same process.
 * A pair is one cs_alloc_try plus, when it placed the job, its release.
 * Each case is timed in seven slices of 40 ms of ours and of the naive one
 * in turn, after a warm-up of each; the table gives the medians, and the
 * ratio is the median of the slices' ratios (each measured side by side,
 * so a slow phase of a shared machine slows both). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capsim/alloc.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static unsigned long long rng;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

enum { LEAF = 32, LPB = 8, GPUS = 8, CORES = 112 };

/* --- the naive allocator: free GPUs per node, scans --- */
typedef struct naive {
	uint32_t n;
	uint8_t *free;
} naive;

/* First fit, single node; returns node or -1. */
static long naive_one(naive *z, unsigned g)
{
	for (uint32_t i = 0; i < z->n; i++)
		if (z->free[i] >= g)
			return i;
	return -1;
}

/* k whole nodes under one leaf (or at most two leaves); fills out. */
static int naive_multi(naive *z, unsigned k, int max_leaves, uint32_t *out)
{
	uint32_t nl = z->n / LEAF, best = 0, bestc = 0, second = 0, secondc = 0;
	for (uint32_t lf = 0; lf < nl; lf++) {
		uint32_t c = 0;
		for (uint32_t i = lf * LEAF; i < (lf + 1) * LEAF; i++)
			c += z->free[i] == GPUS;
		if (c >= k && max_leaves == 1) {
			best = lf;
			bestc = c;
			break;
		}
		if (c > bestc) {
			second = best;
			secondc = bestc;
			best = lf;
			bestc = c;
		} else if (c > secondc) {
			second = lf;
			secondc = c;
		}
	}
	if (bestc + (max_leaves > 1 ? secondc : 0) < k)
		return -1;
	uint32_t got = 0;
	uint32_t leaves[2] = { best, second };
	for (int l = 0; l < max_leaves && got < k; l++)
		for (uint32_t i = leaves[l] * LEAF; i < (leaves[l] + 1) * LEAF && got < k; i++)
			if (z->free[i] == GPUS)
				out[got++] = i;
	return got == k ? 0 : -1;
}

typedef struct setup {
	cs_alloc_layout l;
	cs_alloc_type t;
	uint16_t *type;
	uint32_t *leaf_first;
} setup;

static void make_layout(setup *s, uint32_t n)
{
	s->t = (cs_alloc_type){ .gpus = GPUS, .cores = CORES, .mem_mib = 2u << 20 };
	for (unsigned i = 0; i < GPUS; i++)
		s->t.gpu_group[i] = (uint8_t)(i / 4);
	for (unsigned i = 0; i < CORES; i++)
		s->t.core_group[i] = (uint8_t)(i / (CORES / 2)); /* two NUMA domains, 4 GPUs each */
	s->type = calloc(n, sizeof *s->type);
	s->leaf_first = malloc((n / LEAF + 1) * sizeof *s->leaf_first);
	for (uint32_t lf = 0; lf <= n / LEAF; lf++)
		s->leaf_first[lf] = lf * LEAF;
	s->l = (cs_alloc_layout){ .nnodes = n, .ntypes = 1, .types = &s->t, .node_type = s->type,
				  .nleaves = n / LEAF, .leaf_first = s->leaf_first, .leaves_per_block = LPB };
}

/* Fill to the occupancy with random 1-8 GPU single-node jobs, both
 * allocators the same way. */
static void fill(cs_alloc *a, naive *z, uint32_t n, double occ)
{
	static cs_slot sl[1];
	uint64_t target = (uint64_t)((double)n * GPUS * (1.0 - occ));
	rng = 12345;
	while (cs_alloc_free_gpus(a) > target) {
		unsigned g = 1u << rnd(4);
		if (cs_alloc_free_gpus(a) - g < target)
			g = 1;
		cs_request r = { .nodes = 1, .gpus_per_node = (uint16_t)g, .cores_per_node = g * 14,
				 .mem_per_node_mib = g * 1024, .type = -1 };
		cs_placement p = { .slots = sl, .cap = 1 };
		if (cs_alloc_try(a, &r, &p) != 0)
			break;
		z->free[p.slots[0].node] = (uint8_t)(z->free[p.slots[0].node] - g);
	}
}

typedef struct result { double ops, base_ops, ratio; unsigned fit_pct; } result;

enum { NREQ = 4096 };

/* Our allocator on the requests, round after round, for at least secs:
 * pairs per second (a pair: cs_alloc_try, and the release when it placed
 * the job). */
static double slice_ours(cs_alloc *a, const cs_request *rq, cs_placement *p, double secs, uint64_t *placed,
			 uint64_t *ops)
{
	uint64_t n = 0;
	double t0 = now_s(), t;
	do {
		for (int i = 0; i < NREQ; i++) {
			if (cs_alloc_try(a, &rq[i], p) == 0) {
				cs_alloc_release(a, p);
				(*placed)++;
			}
		}
		n += NREQ;
		t = now_s() - t0;
	} while (t < secs);
	*ops += n;
	return (double)n / t;
}

/* keeps the naive allocator's answers observable, so none is optimised away */
static volatile uint64_t sink;

/* The naive allocator on the same requests for about secs: pairs per
 * second. */
static double slice_naive(naive *z, const cs_request *rq, double secs)
{
	uint32_t out[64];
	uint64_t n = 0;
	double t0 = now_s(), t = 0;
	for (int i = 0; t < secs; i = (i + 1) % NREQ) {
		if (rq[i].exclusive) {
			int ml = rq[i].topo == CS_TOPO_ONE_LEAF ? 1 : 2;
			if (naive_multi(z, rq[i].nodes, ml, out) == 0) {
				sink += out[0];
				for (unsigned k = 0; k < rq[i].nodes; k++)
					z->free[out[k]] = 0;
				for (unsigned k = 0; k < rq[i].nodes; k++)
					z->free[out[k]] = GPUS;
			}
		} else {
			long nd = naive_one(z, rq[i].gpus_per_node);
			sink += (uint64_t)nd;
			if (nd >= 0) {
				z->free[nd] = (uint8_t)(z->free[nd] - rq[i].gpus_per_node);
				z->free[nd] = (uint8_t)(z->free[nd] + rq[i].gpus_per_node);
			}
		}
		if ((++n & 63) == 0)
			t = now_s() - t0;
	}
	return (double)n / (now_s() - t0);
}

enum { SLICES = 7 }; /* timed slices of each allocator a case */

/* The median of n <= SLICES values. */
static double median(const double *v, int n)
{
	double w[SLICES];
	for (int i = 0; i < n; i++) {
		int j = i;
		for (; j > 0 && w[j - 1] > v[i]; j--)
			w[j] = w[j - 1];
		w[j] = v[i];
	}
	return w[n / 2];
}

enum { SINGLE, SINGLE_GPUS, MIX }; /* the cases */

static result run_case(uint32_t n, double occ, int kind, cs_fit fit)
{
	setup s;
	make_layout(&s, n);
	cs_alloc *a;
	char err[256];
	if (cs_alloc_new(&a, &s.l, fit, err, sizeof err) < 0) {
		fprintf(stderr, "bench_alloc: %s\n", err);
		exit(1);
	}
	naive z = { .n = n, .free = malloc(n) };
	memset(z.free, GPUS, n);
	fill(a, &z, n, occ);
	cs_request *rq = malloc(NREQ * sizeof *rq);
	rng = 777;
	for (int i = 0; i < NREQ; i++) {
		if (kind == MIX && rnd(10) < 3) {
			unsigned k = 2 + rnd(31); /* 2..32 whole nodes: 16..256 GPUs */
			rq[i] = (cs_request){ .nodes = k, .exclusive = 1, .type = -1,
					      .topo = (uint8_t)(rnd(2) ? CS_TOPO_ONE_LEAF : CS_TOPO_MAX_LEAVES),
					      .max_leaves = 2 };
		} else {
			unsigned g = 1u << rnd(4);
			int gpus_only = kind == SINGLE_GPUS;
			rq[i] = (cs_request){ .nodes = 1, .gpus_per_node = (uint16_t)g,
					      .cores_per_node = gpus_only ? 0 : g * 14,
					      .mem_per_node_mib = gpus_only ? 0 : g * 1024, .type = -1 };
		}
	}
	static cs_slot sl[64];
	cs_placement p = { .slots = sl, .cap = 64 };
	/* a warm-up of each, untimed (every pair leaves the state as it
	 * found it), so the first case is not measured on a cold CPU */
	uint64_t placed = 0, ops = 0;
	slice_ours(a, rq, &p, 0.05, &placed, &ops);
	slice_naive(&z, rq, 0.05);
	/* then slices of each in turn: the ratio of each pair of slices is
	 * measured at the same time, so a slow phase of the machine slows
	 * both; the medians are reported */
	double ours[SLICES], base[SLICES], ratio[SLICES];
	placed = ops = 0;
	for (int k = 0; k < SLICES; k++) {
		ours[k] = slice_ours(a, rq, &p, 0.04, &placed, &ops);
		base[k] = slice_naive(&z, rq, 0.04);
		ratio[k] = ours[k] / base[k];
	}
	result r = { .ops = median(ours, SLICES), .base_ops = median(base, SLICES), .ratio = median(ratio, SLICES),
		     .fit_pct = (unsigned)(100 * placed / ops) };
	cs_alloc_free(a);
	free(z.free);
	free(rq);
	free(s.type);
	free(s.leaf_first);
	return r;
}

int main(int argc, char **argv)
{
	if (getenv("CAPSIM_NO_BMI2"))
		cs_alloc_portable(1);
	int json = argc > 1 && strcmp(argv[1], "--json") == 0;
	const uint32_t sizes[3] = { 1024, 10240, 102400 };
	const double occs[2] = { 0.5, 0.9 };
	if (!json)
		printf("bench_alloc: allocation + release pairs/s (best fit single-node; topology-aware mix), "
		       "naive linear scan beside\n%-22s %7s %5s %12s %9s %14s %8s %6s\n", "case", "nodes", "occ",
		       "pairs/s", "ns/pair", "naive pairs/s", "ratio", "placed");
	static const char *const names[3] = { "single-node-1-8gpu", "single-node-gpus-only", "mix-multinode-topo" };
	run_case(sizes[0], occs[0], SINGLE, CS_FIT_BEST); /* the first case once untimed: the CPU warms up */
	for (int kind = 0; kind < 3; kind++)
		for (int si = 0; si < 3; si++)
			for (int oi = 0; oi < 2; oi++) {
				result r = run_case(sizes[si], occs[oi], kind, kind == MIX ? CS_FIT_TOPO : CS_FIT_BEST);
				const char *name = names[kind];
				if (json)
					printf("{\"name\": \"%s\", \"nodes\": %u, \"occupancy\": %.2f, \"ops_per_s\": %.0f, "
					       "\"ns_per_op\": %.1f, \"baseline_ops_per_s\": %.0f, \"ratio\": %.2f, "
					       "\"placed_pct\": %u}\n", name, sizes[si], occs[oi], r.ops, 1e9 / r.ops,
					       r.base_ops, r.ratio, r.fit_pct);
				else
					printf("%-22s %7u %5.2f %12.0f %9.1f %14.0f %7.1fx %5u%%\n", name, sizes[si],
					       occs[oi], r.ops, 1e9 / r.ops, r.base_ops, r.ratio, r.fit_pct);
			}
	return 0;
}
