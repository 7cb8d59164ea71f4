/* capsim: the cluster model loaded from a YAML config (sim/cluster.c).
 *
 * A cluster is a site, node types (each a count of identical nodes with one
 * topology), partitions over node types, an optional fabric and optional
 * storage tiers. The config schema, every key in it (an unknown key is an
 * error; "optional" keys may be left out, the rest are required):
 *
 *   name: str
 *   site:
 *     pue: float >= 1                    # facility power / IT power
 *     power_cap_kw: float > 0            # optional: facility power cap (capsim/power.h),
 *                                        # above the idle draw x PUE
 *     energy_price_per_kwh: float >= 0   # optional
 *     currency: str                      # optional
 *   node_types:                          # list, >= 1
 *     - name: str                        # unique
 *       count: int >= 1
 *       topology: str       # hwloc XML path (relative to the config file's
 *                           # directory unless absolute) or an hwloc synthetic
 *                           # description such as "pack:2 numa:2 core:28 pu:2"
 *       memory_gib: float > 0            # optional, default: the topology's
 *       gpus:                            # optional
 *         model: str
 *         vendor: str       # optional: nvidia | amd | intel | graphcore | habana | other;
 *                           # default: an XML topology's PCI vendor (10de, 1002, 8086),
 *                           # else by the model's words (see below), else nvidia
 *         count: int >= 0   # required for a synthetic topology; for an XML
 *                           # optional, and if given must equal the XML's GPUs
 *         per_package: int >= 0          # optional; x packages must equal count
 *         peak_tflops: {fp64, fp64_tensor, fp32, tf32, bf16, fp16, fp8}
 *                           # optional, each optional float >= 0, per device, dense
 *       cpu_peak_tflops_fp64: float >= 0 # optional, per node
 *       power_w: {idle: float >= 0, peak: float >= idle}   # per node
 *       cost: float >= 0                 # optional, per node
 *       storage_gbs: float > 0           # optional: the most one node moves to or from a
 *                                        # storage tier, GB/s (staging, capsim/stage.h;
 *                                        # default: no limit of its own)
 *   partitions:                          # list, >= 1
 *     - name: str                        # unique
 *       node_types: [str, ...]           # >= 1, each a node type's name
 *       max_time_s: int > 0              # optional
 *       max_nodes: int > 0               # optional
 *       tres_billing_weights: str        # optional, Slurm's TRESBillingWeights syntax,
 *                           # e.g. "CPU=0.01,Mem=0.001G,GRES/gpu=1.0" (capsim/billing.h);
 *                           # without it a job on the partition bills its size
 *   fabric:                              # optional
 *     levels: [{name: str, radix: int >= 2, oversubscription: float >= 1}, ...]
 *                                        # >= 1, from the leaves up
 *     blocks: {size_nodes: int >= 1}     # optional
 *   storage:                             # optional list
 *     - {name: str (unique), capacity_pb: float > 0,
 *        bandwidth_gbs: float > 0,              # optional: what staging shares (capsim/stage.h);
 *                                               # a tier without it cannot be staged through
 *        used_pb: float in [0, capacity_pb],    # optional: held when a run starts (default 0)
 *        tb_per_gpu_hour: float >= 0,           # optional: what a GPU-hour of a job writes there
 *        tb_per_core_hour: float >= 0,          # optional: a core-hour, for jobs without GPUs
 *        retention_days: float > 0}             # optional: data is deleted at that age
 *                                        # (capsim/storage.h; default: kept)
 *   failures:                            # optional (capsim/failures.h, docs/failures.md)
 *     seed: int >= 0                     # optional, default 1 (capsim run --failure-seed)
 *     processes:                         # a list >= 1, or trace: not both
 *       - component: gpu | node | link
 *         node_types: [str, ...]         # optional, default every node type (with GPUs, for gpu)
 *         mtbf_h: float > 0              # mean time to failure of one component, hours
 *         distribution: exponential | weibull   # optional, default exponential
 *         shape: float > 0               # weibull's (required there, refused elsewhere)
 *         repair: {distribution: fixed | exponential | weibull | lognormal, mean_h: float > 0,
 *                  shape: float > 0 (weibull), sigma: float > 0 (lognormal)}
 *     trace: str                         # a failure trace (relative to the config's directory):
 *                                        # lines time_s,node,component,repair_s
 *   checkpoints:                         # optional list; the first rule a job matches applies
 *     - qos: str                         # optional: the jobs of this QoS
 *       partition: str                   # optional: of this partition
 *       min_gpus: int >= 1               # optional: with at least this many GPUs
 *       interval_s: int >= 1             # seconds of work between checkpoints, or
 *       interval: young_daly             # sqrt(2 x cost x the job's MTBF) (not both)
 *       cost_s: int >= 0                 # seconds a checkpoint takes (> 0 with young_daly)
 *   maintenance:                         # optional list of windows (advance reservations)
 *     - name: str
 *       start_s: int >= 0                # seconds on the workload's clock
 *       duration_s: int >= 1
 *       every_s: int >= duration_s       # optional: again every every_s
 *       until_s: int >= start_s          # optional: no start after it (default: the last submission)
 *       count: int >= 1                  # optional, with every_s: at most this many
 *       nodes: str                       # "all", or a host list: h100-[000-013],a100-4gpu-0
 *       partition: str                   # instead of nodes: a partition's nodes
 *   extends: str                         # another config (a path relative to this one's directory,
 *                                        # or "default"): this one is that one with its own name
 *                                        # (optional then) and failures, checkpoints and
 *                                        # maintenance; no other key may be given with it
 *
 * An XML node type without `gpus` takes its GPU count and model from the
 * XML (and its vendor from the PCI vendor). The vendor says which jobs may
 * use the GPUs (include/capsim/gpumap.h: those of the published GPU traces
 * need nvidia). Read from a model name, a word (split on anything but
 * letters and digits, case ignored) Graphcore, IPU, Bow, GC200 or Colossus
 * is graphcore; AMD, Instinct, Radeon or MI<digits>... amd; Habana or
 * Gaudi[2|3] habana; Intel, Ponte or PVC intel; TPU, Cerebras, SambaNova,
 * Trainium, Inferentia or Groq other; any other name nvidia, the common
 * case (Slurm's untyped `gpu` among them). A partition's
 * tres_billing_weights may name GRES/gpu:TYPE only for a TYPE that is one
 * of its node types' GPU models (case ignored), and its node types with GPUs
 * must then all bill the same per GPU (capsim computes a job's rate before
 * it knows which node type it lands on). Errors are one line, `FILE:LINE:COL: KEY: what is wrong`, with
 * 1-based line and column and KEY a path such as `node_types[1].count`.
 */
#ifndef CAPSIM_CLUSTER_H
#define CAPSIM_CLUSTER_H

#include <stdint.h>
#include <stdio.h>

#include "capsim/billing.h"
#include "capsim/topo.h"
#include "capsim/types.h"

typedef struct cs_cluster cs_cluster; /* opaque: owns every string, array and topology below */

/* Arithmetic precisions of the peak figures, in the config's key order. */
enum {
	CS_PREC_FP64,
	CS_PREC_FP64_TENSOR,
	CS_PREC_FP32,
	CS_PREC_TF32,
	CS_PREC_BF16,
	CS_PREC_FP16,
	CS_PREC_FP8,
	CS_PREC_COUNT
};
const char *cs_cluster_prec_name(int prec); /* "fp64", ..., NULL if out of range */

/* GPU vendors, as gpus.vendor names them: "nvidia", "amd", "intel",
 * "graphcore", "habana", "other". */
#define CS_GPU_VENDOR_N 6
extern const char *const cs_gpu_vendor_names[CS_GPU_VENDOR_N];

typedef struct cs_cluster_site {
	double pue;                  /* >= 1 */
	double power_cap_kw;         /* facility power cap, kW; 0: none given */
	double energy_price_per_kwh; /* 0: none given */
	const char *currency;        /* "" if none given */
} cs_cluster_site;

typedef struct cs_cluster_node_type {
	const char *name;
	int count;                              /* nodes of this type */
	const cs_topo *topo;                    /* loaded once, shared by the count nodes */
	double memory_gib;                      /* per node: given, else the topology's */
	const char *gpu_model;                  /* "" if gpus == 0 */
	const char *gpu_vendor;                 /* one of cs_gpu_vendor_names; "" if gpus == 0 */
	int gpus;                               /* per node */
	int gpus_per_package;                   /* 0: not given */
	double gpu_peak_tflops[CS_PREC_COUNT];  /* per device, dense; 0: not given */
	double cpu_peak_tflops_fp64;            /* per node; 0: not given */
	double idle_w, peak_w;                  /* per node, IT power */
	double cost;                            /* per node, site currency; 0: not given */
	double storage_gbs;                     /* per node, to or from a storage tier; 0: no limit */
} cs_cluster_node_type;

typedef struct cs_cluster_partition {
	const char *name;
	const int *node_types; /* indices into the node types */
	int nnode_types;
	int64_t max_time_s;    /* 0: no limit */
	int max_nodes;         /* 0: no limit */
	cs_billing billing;    /* tres_billing_weights; billing.given 0: none */
	const char *billing_gpu_model; /* the GPU model its GPU weight is for ("" if none) */
} cs_cluster_partition;

typedef struct cs_cluster_fabric_level {
	const char *name;        /* e.g. "leaf", "spine" */
	int radix;               /* ports per switch */
	double oversubscription; /* down / up bandwidth, >= 1 */
} cs_cluster_fabric_level;

typedef struct cs_cluster_storage {
	const char *name;
	double capacity_pb;
	double bandwidth_gbs;    /* GB/s; 0: not given */
	double used_pb;          /* held when a run starts */
	double tb_per_gpu_hour;  /* data a job writes a GPU-hour (capsim/storage.h); 0: none */
	double tb_per_core_hour; /* a core-hour, for a job without GPUs; 0: none */
	double retention_days;   /* 0: kept */
} cs_cluster_storage;

typedef struct cs_cluster_gpu_count {
	const char *model;
	int64_t count; /* devices in the whole cluster */
} cs_cluster_gpu_count;

/* Sums over node types (per-node figures x count). Peaks are dense, in
 * PFLOP/s: GPU peak x devices, plus the CPU peak in fp64 only (the config
 * gives no other CPU precision). */
typedef struct cs_cluster_totals {
	int64_t nodes, cores, gpus;
	double memory_gib;
	double storage_pb;
	double peak_pflops[CS_PREC_COUNT];
	double idle_kw, peak_kw;                   /* IT power */
	double facility_idle_kw, facility_peak_kw; /* x PUE */
	double cost;
} cs_cluster_totals;

/* Load and check a config. Returns 0, or -CS_EIO (config or topology file
 * missing or unreadable), -CS_EPARSE (YAML syntax, unknown or missing key,
 * wrong type, a topology hwloc rejects), -CS_EINVAL (impossible value,
 * duplicate name, unknown node type), -CS_ENOMEM; err holds one line
 * (see above); *out is NULL on error. */
int cs_cluster_load(cs_cluster **out, const char *path, char *err, size_t errlen);
/* The same from YAML text (len bytes, need not be NUL-terminated). name
 * stands for the file in error messages and is what cs_cluster_path
 * returns; relative topology paths are resolved against base_dir (NULL:
 * the current directory). */
int cs_cluster_load_text(cs_cluster **out, const char *text, size_t len, const char *name, const char *base_dir,
			 char *err, size_t errlen);
/* The default cluster, the national AI data centre: the text of
 * configs/clusters/national-ai-dc.yaml as it was at build time, embedded in
 * the library, so it needs no file (its topologies are all synthetic).
 * Its name in messages is CS_CLUSTER_DEFAULT_NAME. */
#define CS_CLUSTER_DEFAULT_NAME "<built-in>/national-ai-dc.yaml"
int cs_cluster_load_default(cs_cluster **out, char *err, size_t errlen);
const char *cs_cluster_default_text(size_t *len); /* the embedded YAML, NUL-terminated */
void cs_cluster_free(cs_cluster *c);
/* c with one more owner (a cluster is not changed once loaded): each owner
 * calls cs_cluster_free. */
cs_cluster *cs_cluster_share(const cs_cluster *c);

const char *cs_cluster_name(const cs_cluster *c);
const char *cs_cluster_path(const cs_cluster *c); /* as given to cs_cluster_load */
const cs_cluster_site *cs_cluster_site_info(const cs_cluster *c);

/* Indexed from 0 in config order; NULL if out of range. */
int cs_cluster_nnode_types(const cs_cluster *c);
const cs_cluster_node_type *cs_cluster_node_type_at(const cs_cluster *c, int i);
int cs_cluster_node_type_find(const cs_cluster *c, const char *name); /* index or -1 */
int cs_cluster_npartitions(const cs_cluster *c);
const cs_cluster_partition *cs_cluster_partition_at(const cs_cluster *c, int i);
int cs_cluster_nfabric_levels(const cs_cluster *c); /* 0: no fabric given */
const cs_cluster_fabric_level *cs_cluster_fabric_level_at(const cs_cluster *c, int i);
int cs_cluster_fabric_block_nodes(const cs_cluster *c); /* 0: no blocks given */
int cs_cluster_nstorage(const cs_cluster *c);
const cs_cluster_storage *cs_cluster_storage_at(const cs_cluster *c, int i);
/* GPUs by model, in order of first appearance among the node types. */
int cs_cluster_ngpu_models(const cs_cluster *c);
const cs_cluster_gpu_count *cs_cluster_gpu_model_at(const cs_cluster *c, int i);

const cs_cluster_totals *cs_cluster_totals_of(const cs_cluster *c);

/* 1 if any partition has tres_billing_weights. */
int cs_cluster_has_billing(const cs_cluster *c);
/* Billing units per second of run of a job on partition p (config order)
 * holding nodes x (gpus_per_node GPUs, cores_per_node cores,
 * mem_per_node_mib MiB): its weights' sum (capsim/billing.h), or `size`
 * (today's charge: GPUs, or cores for a CPU-only job) if p has none. */
double cs_cluster_billing_rate(const cs_cluster *c, int p, uint32_t nodes, uint32_t gpus_per_node,
			       uint32_t cores_per_node, uint32_t mem_per_node_mib, uint32_t size);
/* Billing units per second of a whole node of type t, billed on the first
 * partition (config order) that holds t: all its GPUs, cores and memory
 * (the machine's capacity in billing units is the sum over nodes). */
double cs_cluster_node_billing_rate(const cs_cluster *c, int t);

/* ---- sim/cluster_scale.c: a cluster with other node counts ------------------ *
 *
 * `capsim run --scale` and `capsim cluster show --scale`, and the planner's
 * library path: the same cluster with each named node type's count changed
 * (docs/clusters.md#scaling). A spec is parts joined by ',', each naming a
 * node type (by its name in the config) once:
 *   TYPE=F    F times as many nodes: round(count x F), halves rounded up
 *             (a product within 1e-9 of a half counts as the half), F >= 0;
 *   TYPE:=N   N nodes (N >= 0, an integer);
 *   TYPE=+N   N more nodes, TYPE=-N N fewer (an integer).
 * Types not named keep their count. A type left with 0 nodes is removed
 * (from the node types, its partitions and the GPU models); a partition
 * left with none of its node types, or a cluster left with no nodes, is
 * refused. Totals (nodes, cores, GPUs, memory, peaks, power, cost) follow
 * from the counts; the fabric's switches are sized for the new node count
 * by the same rule (cs_cluster_leaf_nodes; the levels' radix and
 * oversubscription and the block size are the config's). */
#define CS_CLUSTER_SCALE_MAX 64        /* parts in a spec */
#define CS_CLUSTER_SCALE_NAME_MAX 128  /* bytes of a node type name, with the NUL */
#define CS_CLUSTER_SCALE_MAX_NODES (1 << 26) /* a scaled type's count: the node model's bound */

typedef enum {
	CS_SCALE_FACTOR, /* TYPE=F: value is F */
	CS_SCALE_SET,    /* TYPE:=N: value is N */
	CS_SCALE_ADD     /* TYPE=+N / TYPE=-N: value is +N or -N */
} cs_cluster_scale_op;

typedef struct cs_cluster_scale_item {
	char type[CS_CLUSTER_SCALE_NAME_MAX]; /* a node type's name */
	cs_cluster_scale_op op;
	double value;  /* a factor (finite, >= 0), or a whole number of nodes */
} cs_cluster_scale_item;

typedef struct cs_cluster_scale_spec {
	int n;         /* 0: no scaling */
	cs_cluster_scale_item item[CS_CLUSTER_SCALE_MAX];
} cs_cluster_scale_spec;

/* Parse "h100=1.5,a100=0" into *spec. 0, or -CS_EINVAL with a message that
 * starts "--scale: " and quotes the bad part (an empty spec or part, no
 * '=', no name, a value that is not a factor >= 0 or a whole number, a
 * type named twice, too many parts). */
int cs_cluster_scale_parse(const char *text, cs_cluster_scale_spec *spec, char *err, size_t errlen);
/* The spec in its canonical spelling (factors with %.15g): "h100=1.5,a100:=0". */
void cs_cluster_scale_format(const cs_cluster_scale_spec *spec, char *buf, size_t len);
/* in with the spec's counts, as a new cluster in *out (NULL on error). The
 * result shares in's strings and topologies and holds a reference to in:
 * either may be freed first. 0, or -CS_EINVAL (a type not in the cluster,
 * the message listing its types; a count below 0 or above
 * CS_CLUSTER_SCALE_MAX_NODES; an empty partition or cluster), -CS_ENOMEM.
 * Messages start "--scale: ". A spec with n 0 gives a copy of in. */
int cs_cluster_scale(const cs_cluster *in, const cs_cluster_scale_spec *spec, cs_cluster **out, char *err,
		     size_t errlen);
/* What a cluster was scaled by: the canonical spec, "A then B" if scaled
 * twice; "" if not scaled. */
const char *cs_cluster_scaled_by(const cs_cluster *c);
/* The cluster a scaled one was made from, or NULL. */
const cs_cluster *cs_cluster_scale_base(const cs_cluster *c);

/* ---- sim/cluster_print.c: `capsim cluster show` --------------------------- */

/* One node type's internals in a line, e.g. "2 packages, 2x56 cores, 4 NUMA
 * domains, 8 GPUs: 4 per package, declared in the config (synthetic
 * topology)"; for an XML topology, GPU placement and links come from the
 * XML ("NVLinkBandwidth all-to-all, 150.0 GB/s per pair"). */
void cs_cluster_node_layout(const cs_cluster_node_type *t, char *buf, size_t len);
/* What a config adds up to: a few lines of text, or one JSON object with
 * the totals, node types, partitions, fabric and storage. 0 or -CS_EIO /
 * -CS_ENOMEM. */
/* A Slurm site: slurm.conf and the topology.conf beside it (sim/cluster_slurm.c).
 * Nodes of the same hardware and partitions become one node type; power and
 * peaks are not in slurm.conf and stay 0. With verbose, the ignored global
 * keys and the generated YAML twin are written there. */
int cs_cluster_load_slurm(cs_cluster **out, const char *slurm_conf, FILE *verbose, char *err, size_t errlen);
/* The Slurm names of the nodes of cs_cluster_load_slurm's cluster, in its
 * node order (node type by node type, each type's nodes in slurm.conf's
 * order): a malloc'ed array of *n malloc'ed names, freed with
 * cs_slurm_hostlist_free (capsim/slurmconf.h). 0 or -CS_E* with err. */
int cs_cluster_slurm_node_names(const char *slurm_conf, char ***names, int *n, char *err, size_t errlen);
/* "default", a path ending in ".conf" (slurm.conf), or a YAML config. */
int cs_cluster_open(cs_cluster **out, const char *spec, FILE *verbose, char *err, size_t errlen);

/* Nodes under one leaf switch by the fat-tree sizing `cluster show` prints
 * (floor(radix x o / (1 + o)) down ports), or 0 if no fabric is given. */
int cs_cluster_leaf_nodes(const cs_cluster *c);

int cs_cluster_print(FILE *f, const cs_cluster *c);
int cs_cluster_print_json(FILE *f, const cs_cluster *c);

#endif
