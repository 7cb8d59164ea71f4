/* capsim: one replay, end to end (sim/run.c, sim/run_nodes.c): read the trace, size the
 * machine, build jobs, run the policy, compute metrics (the outputs it
 * writes: capsim/report.h). The `capsim run` command and the end-to-end
 * tests both go through here. */
#ifndef CAPSIM_RUN_H
#define CAPSIM_RUN_H

#include <stdio.h>

#include "capsim/accounts.h"
#include "capsim/cluster.h"
#include "capsim/grants.h"
#include "capsim/engine.h"
#include "capsim/format.h"
#include "capsim/hostlist.h"
#include "capsim/metrics.h"
#include "capsim/trace.h"
#include "capsim/transform.h"
#include "capsim/workload.h"

#define CS_MAX_PARAMS 16

/* A cancellation of the job whose workload id is `id`, at time t
 * (cs_cancel, capsim/engine.h). */
typedef struct cs_run_cancel {
	int64_t id;
	cs_time t;
} cs_run_cancel;

struct cs_gpumap;
struct cs_progress;
struct cs_recorder;
struct cs_power_meter;
struct cs_storage_run;

typedef struct cs_run_opts {
	const char *workload;        /* the workload's path (any format: `format`) */
	cs_trace *workload_in;       /* or the workload already in memory, as capsim's CSV reads back
				      * (cs_native_as_read): the run takes its records over (leaving it
				      * empty, for cs_trace_free); `workload` then only names it. NULL:
				      * read `workload` */
	const char *policy;          /* built-in policy name, or a path to a policy .so */
	size_t nparams;
	const char *keys[CS_MAX_PARAMS], *vals[CS_MAX_PARAMS];
	cs_workload_conv wconv;
	cs_engine_conv econv;
	cs_time bsld_tau;            /* seconds */
	int64_t procs, nodes, ppn;   /* overrides, -1 = from the trace header */
	const char *cluster;         /* cluster config (YAML): processors = its cores; NULL: none */
	const cs_cluster *cluster_in; /* `cluster` already open, shared by the run (cs_cluster_share);
				      * `cluster` then only names it. NULL: open `cluster` */
	const cs_cluster_scale_spec *scale; /* the cluster (--cluster, else the default) with these node
				      * counts (cluster.h, cs_cluster_scale); NULL: as configured. Refused on
				      * an SWF or Batsim workload's own machine */
	const char *compat;          /* preset applied, or NULL (recorded only) */
	const char *out_dir;         /* NULL: no files */
	cs_format format;            /* CS_FMT_AUTO: by the file name. Anything but SWF runs on a
				      * node model of the cluster (--cluster, else the default) */
	cs_fit fit;                  /* node model: placement strategy (default best fit) */
	int node_model;              /* 1: run an SWF trace on the node model too (as CPU jobs) */
	cs_transform tf;             /* applied to the workload as read (transform.h) */
	const cs_policy_ops *test_ops; /* tests: run this ops table instead of `policy` (NULL) */
	size_t nreserve;             /* advance reservations, NAME:START-END:NODES[:PROJECT] (node model) */
	const char *reserve[CS_MAX_PARAMS];
	size_t ngpu_map;             /* node model: rules MODEL=TYPE[+TYPE...][,...] for GPU jobs
				      * without a partition of the cluster (gpumap.h); none: defaults */
	const char *gpu_map[CS_MAX_PARAMS];
	/* The recorder (recorder.h): on with out_dir, record or progress. */
	cs_time sample_s;            /* timeseries interval, seconds (default 3600) */
	int record;                  /* 1: record even without out_dir */
	void (*progress)(void *ctx, const struct cs_progress *p); /* NULL: none */
	void *progress_ctx;
	const char *accounts;        /* accounts file (accounts.h) for the policy, or NULL */
	const cs_accounts *accounts_in; /* or that file already loaded (used only with accounts, which names it) */
	/* The cluster config's failure model (capsim/failures.h); each refused
	 * on a cluster without one: */
	int requeue_on_failure;      /* 1 (default): a job a failure stops is requeued; 0: it ends
				      * NODE_FAIL; -1 after cs_run_opts_default: not given */
	int64_t failure_seed;        /* the failure processes' seed; -1: the config's */
	/* Stage-in and stage-out (capsim/stage.h; node model): */
	int staging;                 /* 0 (default): on when the workload gives data sizes
				      * (stage_in_gb, stage_out_gb); -1: off (they are not used); 1: on,
				      * refused without them */
	const char *stage_tier;      /* the tier a job stages through when the workload names none */
	const cs_run_cancel *cancels; /* cancellations (NULL: none); an id that names no job of the run
				       * (or several) is an error; the policy needs a cancel op */
	size_t ncancels;
} cs_run_opts;

typedef struct cs_machine {
	uint32_t procs, nodes, ppn;  /* ppn 0: node types differ in cores */
	int node_model;              /* 1: jobs placed node by node (procs counts GPUs) */
	uint64_t gpus, cores;        /* node model: totals */
	char cluster[160];           /* node model: the cluster config (its name, or path) */
	const char *source;          /* "header MaxProcs", "--procs", "cluster config", ... */
	int own;                     /* node model: 1 if the workload's own machine (an SWF header's,
				      * a Batsim workload's nb_res), 0 if a cluster config's */
} cs_machine;

/* What batsim_jobs.csv counts as one resource (sim/report_batsim.c chooses
 * it; its names are in capsim/report.h): the finest unit every job of the
 * run holds, so that jobs running at the same time never share a resource
 * number, when there is one. */
typedef enum {
	CS_BATSIM_PROCESSORS,   /* pooled machine: processors, numbered after the fact */
	CS_BATSIM_NODES,        /* node model, every job held its nodes whole: node indices */
	CS_BATSIM_GPUS,         /* every job held GPUs on each of its nodes: GPU indices */
	CS_BATSIM_CORES,        /* every job held cores on each of its nodes, all nodes with a core
				 * mask: core indices */
	CS_BATSIM_SHARED_NODES, /* none of these: node indices, where jobs sharing a node overlap */
	CS_BATSIM_N
} cs_batsim_unit;

typedef struct cs_run_result {
	cs_machine machine;
	cs_workload_stats wst;
	cs_engine_stats est;
	cs_metrics m;
	double gpu_utilization, core_utilization; /* node model: GPU- and core-seconds used / offered */
	cs_job *jobs;                /* owned; cs_run_result_free */
	size_t njobs;
	cs_slot *placements;         /* node model: where each job ran (cs_node_machine); owned */
	size_t *placement_off;
	cs_trace *trace;             /* node model: the workload as read (names of projects,
				      * users, QoS, partitions); owned; NULL for SWF replays */
	struct cs_recorder *rec;     /* the recorder, or NULL; owned */
	struct cs_gpumap *gpumap;    /* node model: the node types of GPU jobs without a partition
				      * of the cluster (gpumap.h); owned */
	const cs_policy_ops *ops;    /* the policy run (valid until cs_run_result_free) */
	void *policy_handle;         /* a loaded .so, or NULL */
	cs_account_stats acct;       /* with opts.accounts: what binding it to the jobs gave */
	cs_batsim_unit batsim_unit;  /* batsim_jobs.csv's resource */
	cs_hostnames hosts;          /* node model: the nodes' names (hostlist.h); zeroed otherwise */
	int64_t epoch;               /* Unix time of the workload's time 0 (an SWF header's
				      * UnixStartTime, a trace's absolute times), 0 if it has none */
	double *billing;             /* node model with tres_billing_weights: per job, billing units per
				      * second of run (cs_policy_env.billing); owned; NULL: a job bills
				      * its size */
	double billing_capacity;     /* with billing: the machine's whole nodes' billing units per second */
	uint32_t *unit_first;        /* GPUs or cores: node n's are numbered from unit_first[n]
				      * (nodes + 1 entries, the GPUs' or cores' bit order within a
				      * node); owned; NULL otherwise */
	cs_grant_report grants;      /* with --accounts that gives grants: their delivery; owned */
	struct cs_power_meter *power; /* node model, with the recorder: energy and power (power.h); owned */
	struct cs_storage_run *storage; /* node model, with the recorder, on a cluster with storage tiers:
					 * storage over the run (storage.h); owned */
	struct cs_failsim *fail;     /* node model on a cluster with failures, checkpoints or
				      * maintenance (capsim/failures.h); owned; NULL otherwise */
	struct cs_stagesim *stage;   /* node model, staging on (capsim/stage.h); owned; NULL otherwise */
} cs_run_result;

/* Defaults as documented in docs/conventions.md. */
void cs_run_opts_default(cs_run_opts *o);
/* Apply a named preset (pyss) for `policy`; -CS_EINVAL for an unknown name. */
int cs_compat_apply(const char *name, const char *policy, cs_workload_conv *w, cs_engine_conv *e);
/* Machine from header and overrides. */
int cs_machine_resolve(const cs_swf_header *h, const cs_run_opts *o, cs_machine *m,
		       char *err, size_t errlen);

int cs_run(const cs_run_opts *o, cs_run_result *r, char *err, size_t errlen);
/* A node-model result's GPU and core utilization (gpu_utilization,
 * core_utilization) from its jobs' runs and metrics' makespan. */
void cs_run_node_utilization(cs_run_result *r);
void cs_run_result_free(cs_run_result *r);

#endif
