/* capsim: failures, checkpoints and maintenance (docs/failures.md).
 *
 * The cluster config's `failures:`, `checkpoints:` and `maintenance:`
 * sections (keys in capsim/cluster.h; read by sim/cluster_fail.c) as plain
 * data, and the run's reliability model (sim/failures.c, opaque): the
 * failure processes or a failure trace taking GPUs and nodes down for
 * their repair and stopping the jobs on them, the checkpoints that decide
 * what a stopped job loses, maintenance windows as advance reservations,
 * and what it all cost (summary.json's "reliability", jobs.csv's extra
 * columns).
 *
 * Components: a `gpu` (one GPU of a node: the jobs holding it stop, the
 * GPU is down), a `node` (its host: every job on it stops, the node is
 * down) and a `link` (the node's link to its leaf switch: its NIC, cable
 * and switch port; the node is off the fabric, so as for a node). Each
 * component of a process fails on its own: up for a time to failure drawn
 * from the process's law, then under repair for a drawn repair time, then
 * up again, so the site's failure rate grows with its count of components.
 */
#ifndef CAPSIM_FAILURES_H
#define CAPSIM_FAILURES_H

#include <stdio.h>

#include "capsim/cluster.h"
#include "capsim/engine.h"
#include "capsim/hostlist.h"
#include "capsim/job.h"
#include "capsim/trace.h"

typedef enum { CS_FAIL_GPU, CS_FAIL_NODE, CS_FAIL_LINK, CS_FAIL_NCOMP } cs_fail_comp;
extern const char *const cs_fail_comp_names[CS_FAIL_NCOMP]; /* "gpu", "node", "link" */

/* A law of times: a failure process's time to failure or a repair time. */
typedef enum { CS_LAW_FIXED, CS_LAW_EXPONENTIAL, CS_LAW_WEIBULL, CS_LAW_LOGNORMAL, CS_LAW_N } cs_law_kind;
extern const char *const cs_law_names[CS_LAW_N]; /* "fixed", "exponential", "weibull", "lognormal" */

typedef struct cs_law {
	cs_law_kind kind;
	double mean_s;  /* its mean, seconds (> 0) */
	double shape;   /* weibull: the shape k (> 0); lognormal: sigma of the log (> 0); else 0 */
} cs_law;

/* Where a config value was (1-based), for errors found when a run
 * resolves it (a node that a --scale removed). */
typedef struct cs_fail_pos {
	const char *file;
	int line, col;
} cs_fail_pos;

/* A failure process: every component of its kind on its node types. */
typedef struct cs_fail_proc {
	cs_fail_comp comp;
	const char *const *types; /* node type names; ntypes 0: every node type */
	int ntypes;
	cs_law ttf;               /* time to failure of one component (its mean: the MTBF) */
	cs_law repair;
	cs_fail_pos at;
} cs_fail_proc;

/* One line of a failure trace. */
typedef struct cs_fail_rec {
	cs_time t, repair_s;      /* seconds on the workload's clock; repair > 0 */
	const char *type;         /* the node TYPE-K: its node type ... */
	uint32_t index;           /* ... and K */
	cs_fail_comp comp;
	int gpu;                  /* the GPU's index (gpu), else -1 */
	uint32_t line;
} cs_fail_rec;

/* A checkpoint rule: the jobs it matches (every criterion given must
 * hold) checkpoint every interval_s seconds of work at cost_s each. */
typedef struct cs_ckpt_rule {
	const char *qos, *partition; /* NULL: any */
	uint32_t min_gpus;           /* 0: any */
	int young_daly;              /* the interval is sqrt(2 x cost x the job's MTBF) */
	cs_time interval_s;          /* > 0 unless young_daly */
	cs_time cost_s;              /* >= 0 (> 0 with young_daly) */
	cs_fail_pos at;
} cs_ckpt_rule;

/* A maintenance window, maybe recurring: nodes held from start_s for
 * duration_s, then every every_s (0: once) while a start is at most
 * until_s (-1: the workload's last submission) and at most count windows
 * (0: no limit). */
typedef struct cs_maint {
	const char *name;
	cs_time start_s, duration_s, every_s, until_s;
	int64_t count;
	const char *nodes;       /* "all" or a host list (TYPE-K, TYPE-[A-B,C], joined by ','), or NULL */
	const char *partition;   /* a partition's nodes, or NULL */
	cs_fail_pos at;          /* of nodes / partition */
} cs_maint;

typedef struct cs_fail_config {
	uint64_t seed;           /* the failure processes' random streams (default 1) */
	const cs_fail_proc *procs;
	size_t nprocs;
	const char *trace;       /* a failure trace file (its path), or NULL */
	const cs_fail_rec *recs; /* its lines, in time order (file order at equal times) */
	size_t nrecs;
	const cs_ckpt_rule *ckpt;
	size_t nckpt;
	const cs_maint *maint;
	size_t nmaint;
} cs_fail_config;

/* The config's failure model, checkpoints and maintenance; NULL if it has
 * none of the three sections. */
const cs_fail_config *cs_cluster_failures(const cs_cluster *c);

/* Does process p cover node type t of cluster c (its node types, or
 * all; for gpu, a type with GPUs)? */
int cs_fail_proc_covers(const cs_cluster *c, const cs_fail_proc *p, int t);
/* `capsim cluster show`'s lines for the failure model, checkpoints and
 * maintenance (nothing for a cluster without them). */
void cs_fail_print(FILE *f, const cs_cluster *c);

/* Resolve a host list of cluster c ("all", or TYPE-K, TYPE-[A-B,C] items
 * joined by ','; K as written in any zero padding) to node numbers
 * (numbered type by type in config order, as the node model does): calls
 * fn for each node in the list's order. 0, or -CS_EINVAL with what is wrong
 * in err (an unknown type, an index past the type's count, a malformed
 * item). */
int cs_fail_hostlist(const cs_cluster *c, const char *list, void (*fn)(void *ctx, uint32_t node), void *ctx,
		     char *err, size_t errlen);

/* ---- the run's model (sim/failures.c) ------------------------------------ */

typedef struct cs_failsim cs_failsim; /* opaque */

/* What a run gives the model: its cluster (possibly scaled) and node
 * model, the jobs (their checkpoint costs are added to runtime_s and
 * estimate_s here), their names (QoS and partitions of checkpoint rules)
 * and the engine's partitions. */
typedef struct cs_fail_setup {
	const cs_fail_config *cfg;
	const cs_cluster *cluster;
	const cs_hostnames *hosts;    /* the nodes' names, the node model's numbering */
	uint32_t nnodes;
	const uint16_t *node_type;    /* per node */
	const uint32_t *type_gpus;    /* per node type */
	cs_job *jobs;
	size_t njobs;
	const cs_trace *names;        /* QoS and partition names; jobs' partitions are the engine's */
	uint32_t npartitions;         /* the engine's: the cluster's, then GPU rules' type lists */
	const uint32_t *part_first;
	const int32_t *part_types;
	const cs_partsets *sets;      /* jobs of several partitions, or NULL */
	int seed_given;               /* 1: seed below, else the config's */
	uint64_t seed;
	int requeue;                  /* 1: a job a failure stops is requeued; 0: it ends NODE_FAIL */
} cs_fail_setup;

/* 0, or -CS_EINVAL (a config value this cluster cannot take: a node a
 * --scale removed) / -CS_ENOMEM with the message in err. The model holds
 * a reference to the cluster (its config is the cluster's) until freed;
 * on failure *out is still to be freed. */
int cs_failsim_new(cs_failsim **out, const cs_fail_setup *s, char *err, size_t errlen);
void cs_failsim_free(cs_failsim *f);
/* The maintenance windows as advance reservations (project -1), after
 * `extra` (the run's --reserve ones, copied first): *resv (owned by f) and
 * *n. 0 or -CS_ENOMEM. */
int cs_failsim_resv(cs_failsim *f, const cs_resv *extra, size_t nextra, const cs_resv **resv, size_t *n);
/* After the run: close the books at the workload's last end. */
void cs_failsim_finish(cs_failsim *f);

/* The outputs (sim/failures_out.c). */
struct json_t;
/* summary.json's "reliability" object (new reference; NULL if out of memory). */
struct json_t *cs_failsim_summary_json(const cs_failsim *f);
/* One line for the printed summary. */
void cs_failsim_print(FILE *out, const cs_failsim *f);
/* A change of the GPUs out of service for repair: `gpus` GPUs of node
 * `node` went down (> 0) or came back (< 0) at t. */
typedef struct cs_fail_down {
	cs_time t;
	uint32_t node;
	int32_t gpus;
} cs_fail_down;
/* Every such change of the run, in time order (*out owned by f): for
 * timeseries.csv's gpus_down (cs_recorder_set_down). */
size_t cs_failsim_down_changes(const cs_failsim *f, const cs_fail_down **out);
/* jobs.csv's extra columns: ",failures,failure_lost_s,checkpoint_s" and job i's values. */
void cs_failsim_csv_header(FILE *out);
void cs_failsim_csv_row(FILE *out, const cs_failsim *f, size_t i);

#endif
