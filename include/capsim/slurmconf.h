/* capsim: a site's slurm.conf and the topology.conf beside it, read into a
 * plain model (sim/slurmconf.c and the files sim/slurmconf_int.h lists). A
 * later step turns it into a cs_cluster.
 *
 * Syntax, as slurm.conf(5) and topology.conf(5) define it:
 *   - '#' starts a comment to the end of the line; a line ending in '\'
 *     continues on the next one;
 *   - a line is whitespace-separated Key=Value pairs; keys are
 *     case-insensitive, node, partition and switch names are not; a value
 *     may be double-quoted (Reason="rack 4 down");
 *   - "Include FILE" reads FILE (relative to slurm.conf's directory) in place;
 *   - a line whose first key is NodeName / PartitionName describes nodes / a
 *     partition; NodeName=DEFAULT and PartitionName=DEFAULT set defaults for
 *     the later lines of that kind (several DEFAULT lines merge, a later value
 *     wins); any other line holds global keys: ClusterName is kept, every
 *     other one is recorded in `ignored` (for --verbose) and has no effect;
 *   - topology.conf (topology/tree): SwitchName=S [Switches=HOSTLIST]
 *     [Nodes=HOSTLIST] [LinkSpeed=N]; or topology/block: BlockName=B
 *     Nodes=HOSTLIST, and one line BlockSizes=N[,N...]. Not both kinds.
 *
 * Node keys kept: NodeName (a hostlist: one node per expanded name), Boards,
 * SocketsPerBoard, Sockets, CoresPerSocket, ThreadsPerCore, CPUs, RealMemory,
 * Gres, Feature(s), Weight, State. Accepted and not kept: NodeHostname,
 * NodeAddr, TmpDisk, Port, MemSpecLimit, CoreSpecCount, CpuSpecList, Reason.
 * Partition keys kept: PartitionName, Nodes, MaxTime, DefaultTime, MaxNodes,
 * MinNodes, Default, State, PriorityTier, PriorityJobFactor,
 * TRESBillingWeights (checked as capsim/billing.h parses it). Accepted and
 * not kept: OverSubscribe, AllowAccounts, AllowGroups, AllowQos, QOS,
 * DefMemPerCPU, MaxMemPerNode, Hidden, ExclusiveUser, PreemptMode,
 * GraceTime, LLN, MaxCPUsPerNode. Any other key on a node,
 * partition, switch or block line is an error.
 *
 * Errors are one line, `FILE:LINE: Key: what is wrong` (Key in the
 * spelling of this header), FILE the file the line is in.
 */
#ifndef CAPSIM_SLURMCONF_H
#define CAPSIM_SLURMCONF_H

#include <stdint.h>

#include "capsim/types.h"

/* One Gres element: "gpu:h100:8" -> {"gpu", "h100", 8}; "gpu:8" -> model "";
 * "gpu" -> count 1. A count may carry a K/M/G/T/P suffix (x1024^n); the
 * "no_consume" flag is accepted and dropped. */
typedef struct cs_slurm_gres {
	const char *type;
	const char *model; /* "" if none */
	int64_t count;
} cs_slurm_gres;

/* One node. Slurm's rules fill what the line leaves out: Boards,
 * CoresPerSocket, ThreadsPerCore default to 1; without Boards, Sockets
 * (= SocketsPerBoard) defaults to CPUs / (cores x threads) if CPUs is given,
 * else 1; with Boards, Sockets means sockets per board and CPUs is ignored
 * (as Slurm does); CPUs defaults to sockets x cores x threads. */
typedef struct cs_slurm_node {
	const char *name;
	const char *file; /* where its NodeName line is */
	int line;
	int boards;
	int sockets_per_board;
	int sockets; /* per node: boards x sockets_per_board */
	int cores_per_socket;
	int threads_per_core;
	int cpus;
	int64_t real_memory_mib; /* Slurm's default: 1 */
	const cs_slurm_gres *gres;
	int ngres;
	const char *const *features; /* from Feature/Features, split at ',' */
	int nfeatures;
	int64_t weight;    /* Slurm's default: 1 */
	const char *state; /* as written, "" if not given */
	int leaf_switch;   /* index of the first switch whose Nodes= names it, -1 if none */
	int block;         /* index of the block that names it, -1 if none */
} cs_slurm_node;

typedef struct cs_slurm_partition {
	const char *name;
	const char *file;
	int line;
	const int *nodes; /* indices into nodes[], in the order Nodes= gives them; ALL: every node in order */
	int nnodes;
	int64_t max_time_s;     /* -1: UNLIMITED (also when not given) */
	int64_t default_time_s; /* -1: UNLIMITED; not given: max_time_s (Slurm's rule) */
	int64_t max_nodes;      /* -1: UNLIMITED (also when not given) */
	int64_t min_nodes;      /* default 0 */
	int is_default;         /* Default=YES */
	const char *state;      /* UP (default), DOWN, DRAIN or INACTIVE, upper case */
	int64_t priority_tier;       /* default 1 */
	int64_t priority_job_factor; /* default 1 */
	const char *tres_billing_weights; /* TRESBillingWeights as written, "" if not given */
	const char *billing_file;         /* where it was given (a DEFAULT line's, if from there) */
	int billing_line;
} cs_slurm_partition;

typedef struct cs_slurm_switch {
	const char *name;
	int line;                 /* in topology.conf */
	const int *children;      /* indices into switches[], from Switches= */
	int nchildren;
	const int *nodes;         /* indices into nodes[], from Nodes= */
	int nnodes;
	int64_t link_speed;       /* arbitrary units, Slurm's default 1 */
	int parent;               /* index of the switch that names it, -1 for a root */
	int level;                /* 0 without child switches, else 1 + its highest child's */
} cs_slurm_switch;

typedef struct cs_slurm_block {
	const char *name;
	int line;
	const int *nodes; /* indices into nodes[] */
	int nnodes;
} cs_slurm_block;

/* A global key that does not affect the simulation, for --verbose. */
typedef struct cs_slurm_ignored {
	const char *key;   /* as written */
	const char *value; /* as written, quotes removed */
	const char *file;
	int line;
} cs_slurm_ignored;

/* The whole model; read-only, every pointer owned by it. */
typedef struct cs_slurmconf {
	const char *path;          /* slurm.conf, as given */
	const char *topology_path; /* the topology.conf read, NULL if none beside slurm.conf */
	const char *cluster_name;  /* ClusterName, "" if not given */
	const cs_slurm_node *nodes;
	int nnodes;
	const cs_slurm_partition *partitions;
	int npartitions;
	const cs_slurm_switch *switches; /* topology/tree, in file order */
	int nswitches;
	int nlevels;                     /* 1 + the highest switch level; 0 without switches */
	const cs_slurm_block *blocks;    /* topology/block, in file order */
	int nblocks;
	const int64_t *block_sizes;      /* BlockSizes=, each a power-of-two multiple of the one before */
	int nblock_sizes;
	const cs_slurm_ignored *ignored; /* in file order */
	int nignored;
	void *priv; /* the allocations behind the pointers above */
} cs_slurmconf;

/* Read slurm_conf_path and, if it exists, topology.conf in the same
 * directory. Returns 0, or -CS_EIO (`FILE: cannot open: reason`),
 * -CS_EPARSE (`FILE:LINE: Key: what is wrong`: an unknown key on a node,
 * partition, switch or block line, a malformed value, a bad hostlist), or
 * -CS_EINVAL (same form: a duplicate name, an unknown node or switch, a
 * switch with two parents or in a cycle), -CS_ENOMEM; *out is NULL on
 * error. */
int cs_slurmconf_load(cs_slurmconf **out, const char *slurm_conf_path, char *err, size_t errlen);
void cs_slurmconf_free(cs_slurmconf *c);

/* Index of the node / switch with this name, -1 if none. */
int cs_slurmconf_node_find(const cs_slurmconf *c, const char *name);
int cs_slurmconf_switch_find(const cs_slurmconf *c, const char *name);

/* Expand a Slurm hostlist expression: comma-separated items, each a name
 * with any number of bracket groups "[1-4,7,010-012]" (a group's numbers
 * are zero-padded to its lower bound's width; several groups give their
 * product, the leftmost varying slowest). "a[1-2]b[3-4]" -> a1b3 a1b4 a2b3
 * a2b4. Returns 0 and a malloc'ed array of *n malloc'ed names (free with
 * cs_slurm_hostlist_free), or -CS_EPARSE with `what is wrong` (no file or
 * key: the caller adds them), or -CS_ENOMEM. At most 1,048,576 names. */
int cs_slurm_hostlist_expand(const char *expr, char ***names, int *n, char *err, size_t errlen);
void cs_slurm_hostlist_free(char **names, int n);

/* A Slurm time limit in seconds: "UNLIMITED", "INFINITE" or "-1" -> -1;
 * "M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S". Fields are not range
 * checked (Slurm does not: "90" and "0:90" are 90 minutes and 90 seconds).
 * Slurm itself keeps partition limits in whole minutes, rounding seconds up;
 * this keeps the seconds as written. Returns 0 or -CS_EPARSE. */
int cs_slurm_time_parse(const char *s, int64_t *out_s);

#endif
