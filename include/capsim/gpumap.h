/* capsim: which node types a GPU job may use (sim/gpumap.c).
 *
 * On a node model a job whose partition is one of the cluster's runs on
 * that partition's node types, as the trace says. A GPU job
 * (gpus_per_node > 0) without one, as every job of the Philly, Helios and
 * PAI traces is, runs only on node types whose GPUs it can use:
 *
 *  - Its GPU model is its partition's name in the trace when the cluster
 *    has no partition of that name (PAI's gpu_type, read as the partition:
 *    MISC, P100, T4, V100, V100M32), else it has none (Philly and Helios
 *    name no model).
 *  - A rule MODEL=TYPE[+TYPE...] (capsim run --gpu-map) sends the jobs of
 *    MODEL to those node types, tried in that order as a partition's are;
 *    MODEL `*` stands for every model without a rule of its own and for
 *    jobs without a model.
 *  - Without a rule, the node types whose GPUs are NVIDIA's (cluster.h,
 *    gpus.vendor), in config order: the three traces come from NVIDIA
 *    clusters (Philly's per-GPU log is nvidia-smi's; Helios's nodes are
 *    Tesla V100s; PAI's gpu_type names only NVIDIA GPUs), so their jobs
 *    are CUDA programs that an IPU, a Gaudi or an AMD GPU does not run.
 *    PAI's gpu_type records where a task ran, not what it asked for (the
 *    trace's group tag table holds the few explicit requests), so any
 *    NVIDIA GPU will do. When those are all the node types with GPUs,
 *    nothing is restricted: the placement strategy picks among them, as
 *    it does for any job without a partition.
 *
 * A GPU job whose model leads to no node type that could hold it, while
 * some other node type could, is dropped as CS_DROP_GPU_KIND (workload.h).
 *
 * The node-type lists are partitions for the engine: the cluster's first,
 * then one per distinct list, so a job's partition index past the
 * cluster's names its list (outputs show such a job without a partition).
 */
#ifndef CAPSIM_GPUMAP_H
#define CAPSIM_GPUMAP_H

#include "capsim/alloc.h"
#include "capsim/cluster.h"
#include "capsim/trace.h"

/* A model the workload's GPU jobs use and the node types it leads to. */
typedef struct cs_gpumap_use {
	char *model;  /* a trace's model name, or "*" (jobs without a model) */
	char *types;  /* node type names joined by '+', as --gpu-map spells them; "" for none */
	int rule;     /* 1: a --gpu-map rule (its own or `*`) gave them; 0: the default */
} cs_gpumap_use;

typedef struct cs_gpumap {
	uint32_t ncluster;      /* the cluster's partitions */
	uint32_t npartitions;   /* those, then one per node-type list the rules made */
	uint32_t *part_first;   /* npartitions + 1: partition p's node types are */
	int32_t *part_types;    /* part_types[part_first[p] .. part_first[p + 1]) */
	int32_t *gpu_part;      /* per trace partition, then one for none: the partition a GPU
				 * job of it gets if the cluster has no partition of that name,
				 * >= ncluster, or -1 (any node type) */
	cs_gpumap_use *used;    /* in order of first appearance, "*" last */
	size_t nused;
} cs_gpumap;

/* Check --gpu-map values (each MODEL=TYPE[+TYPE...][,MODEL=...]) before
 * any file is read: 0, or -CS_EINVAL with "--gpu-map 'ITEM': reason". */
int cs_gpumap_check(const char *const *specs, size_t nspecs, char *err, size_t errlen);

/* The lists for cluster c (partitions in config order) and the jobs of t,
 * under the rules in specs (none: the defaults). 0, or -CS_EINVAL (a
 * model no GPU job of t names, a node type c does not have or one without
 * GPUs; workload names t in the message), -CS_ENOMEM; m is empty then. */
int cs_gpumap_build(cs_gpumap *m, const cs_cluster *c, const cs_trace *t, const char *workload,
		    const char *const *specs, size_t nspecs, char *err, size_t errlen);
void cs_gpumap_free(cs_gpumap *m);

/* Could a job run on the empty machine, on one of the node types its
 * partition (m's: the cluster's, then the GPU rules' lists; -1: any type)
 * allows? The cs_fits_fn of cs_workload_from_trace (capsim/workload.h),
 * ctx a cs_gpumap_fit. */
typedef struct cs_gpumap_fit {
	cs_alloc *empty;              /* an allocator nothing runs on */
	const cs_gpumap *gm;
	cs_slot *slots;               /* room for cap slots: the machine's nodes */
	uint32_t cap;
} cs_gpumap_fit;
struct cs_job;
int cs_gpumap_fits_empty(void *ctx, const struct cs_job *j);

/* The cluster partition whose weights bill job j: its own; for a job
 * submitted to several (sets, may be NULL), the first of its list (the
 * rate is fixed before the run, not by where it starts); for a job of no
 * cluster partition (any, or a GPU rule's node types), the first in
 * config order holding a node type it may use. */
struct cs_partsets;
int cs_gpumap_billing_partition(const cs_cluster *c, const cs_gpumap *m, const struct cs_partsets *sets,
				const struct cs_job *j);

#endif
