/* capsim: the synthetic AI workload generator: its model (sim/gen_model.c),
 * the generation (sim/gen.c) and the accounts tree of a generated trace
 * (sim/gen_accounts.c). The statistics the targets are checked with are
 * capsim/wstats.h's.
 *
 * A model (YAML, configs/workloads/ai-dc-2200.yaml is the built-in default)
 * describes a population of projects (how many are alive at once, their
 * lifetimes, their heavy-tailed demand weights, users per project), the
 * partitions (capacity and the offered load to generate), job classes (GPU
 * or node counts, run times, time-limit over-estimation, failed and
 * cancelled shares), the arrival cycle (hour of day, day of week) and the
 * targets: the statistics the generated workload must show, each with a
 * tolerance, which `capsim workload stats` compares. The schema (every key
 * required unless marked optional; an unknown key is an error):
 *
 *   name: str
 *   start_epoch: int >= 0      # Unix time of submit 0 (a Monday 00:00, site clock)
 *   projects:                  # give exactly one of per_year, active:
 *     per_year: int >= 1       # projects alive during a 365-day year
 *     active: int >= 1         # projects alive at any moment
 *     lifetime_days: {min: int >= 1, max: int >= min}   # one award, uniform
 *     renewal: {share: [0,0.99], max: int >= 0}  # an award is renewed for
 *                              # another with probability share, max times
 *     weight_sigma: float >= 0 # demand weight ~ lognormal(0, sigma)
 *     users: {COUNT: weight, ...}  # users per project
 *     cpu_share: float in [0,1] # share of projects that are CPU-only (HPC)
 *     grant_use: float in (0,1] # optional (default 0.8): the share of their
 *                              # grants projects' jobs use, over all projects
 *                              # (sizes the grants of `generate --accounts`)
 *     storage_use: float in (0,1] # optional (default 0.8): the share of its
 *                              # storage allocation a project's jobs fill
 *                              # (sizes the allocations of `generate --accounts`)
 *   organisations:             # list, >= 1: the accounts tree's levels
 *     - type: str (unique)     # organisation type (an account name)
 *       count: int >= 1        # organisations of this type
 *       projects: float >= 0   # share of projects of this type (weight)
 *       shares: float >= 0     # the type's fair-share shares
 *       zipf: float >= 0       # organisation k of a type gets projects
 *                              # with weight 1 / k^zipf
 *   arrivals:
 *     hour_weights: [24 floats >= 0]   # 00-01 .. 23-24, site clock
 *     day_weights: [7 floats >= 0]     # Monday .. Sunday
 *   classes:                   # list, >= 1
 *     - name: str (unique)
 *       qos: str
 *       gpus: {COUNT: weight, ...}     # GPU classes: total GPUs per job
 *       nodes: {COUNT: weight, ...}    # CPU classes (exactly one of gpus/nodes)
 *       runtime: {median_s: > 0, sigma: >= 0, min_s: int >= 1}   # lognormal work
 *       limit: {factor_median: > 0, factor_sigma: >= 0, round_s: int >= 1}
 *       failed: [0,1]          # share that fail, after a fraction u^2 of the work
 *       cancelled: [0,1]       # share cancelled, after a fraction u of the work
 *       data:                  # optional: what a job stages (generate --staging)
 *         tier: str            # the storage tier it reads from and writes to
 *         in: {median_gb: >= 0, sigma: >= 0, per: job|gpu|node}   # read at its start
 *         out: {median_gb: >= 0, sigma: >= 0, per: job|gpu|node}  # written at its end
 *                              # (per optional, default job: the size is for the
 *                              # job, or for each of its GPUs or nodes)
 *   partitions:                # list, >= 1
 *     - name: str (unique)
 *       nodes: int >= 1
 *       gpus_per_node: int >= 0
 *       cores_per_node: int >= 1
 *       mem_per_node_gib: int >= 1
 *       max_time_s: int >= 1
 *       load: float in (0, 1.5] # GPU-hours (node-hours if no GPUs) / capacity
 *       mix: {CLASS: weight, ...}  # share of this partition's jobs per class
 *   targets:                   # list
 *     - metric: str            # see cs_wstats_metric
 *       partition: str         # optional filter
 *       qos: str               # optional filter
 *       value: float
 *       tol: float >= 0        # absolute; or
 *       tol_rel: float >= 0    # relative to value (exactly one of tol, tol_rel)
 *
 * Errors are one line, `FILE:LINE:COL: KEY: what is wrong`, -CS_EPARSE (YAML,
 * unknown/missing key, wrong type) or -CS_EINVAL (impossible value).
 */
#ifndef CAPSIM_GEN_H
#define CAPSIM_GEN_H

#include <stdint.h>
#include <stdio.h>

#include "capsim/trace.h"
#include "capsim/types.h"

typedef struct cs_gen_model cs_gen_model; /* opaque */

#define CS_GEN_DEFAULT_NAME "<built-in>"

/* Load a model from path, or the built-in default if path is NULL (or
 * CS_GEN_DEFAULT_NAME). 0 or -CS_E* with err; *m is NULL on error. */
int cs_gen_model_load(cs_gen_model **m, const char *path, char *err, size_t errlen);
void cs_gen_model_free(cs_gen_model *m);
/* Work out once what every workload generated from m needs: each
 * partition's mean job size, 100,000 draws from a fixed stream each (about
 * 0.4 G instructions for the default model), for a model that generates
 * many workloads (the points of a plan's search run in one process).
 * Without it each generation works them out again; the workloads are the
 * same either way. 0 or -CS_ENOMEM. */
int cs_gen_model_calibrate(cs_gen_model *m);
const char *cs_gen_model_path(const cs_gen_model *m); /* as given, or "<built-in>" */
const char *cs_gen_default_text(size_t *len);        /* the embedded YAML */

/* Generate days of workload (1..3660) into out (empty, from cs_trace_init):
 * sorted by submit, ids from 1, metadata generator, model, seed, days,
 * projects_scale, epoch. projects_scale (0 < s <= 100) multiplies the
 * projects alive at once and the offered load with them. Deterministic:
 * the same model, seed, days and scale give the same trace. */
int cs_gen_generate(const cs_gen_model *m, uint64_t seed, int days, double projects_scale, cs_trace *out,
		    char *err, size_t errlen);

/* What the generator drew for a project of a trace it made. */
typedef struct cs_gen_project {
	int type;          /* organisation type: index into the model's organisations */
	int org;           /* organisation within the type, from 0 */
	double weight;     /* demand weight: its award, relative to the others' */
	double start_day;  /* its first award begins (days from submit 0; may be < 0) */
	double end_day;    /* its last award ends */
	int renewals;      /* awards after the first */
} cs_gen_project;

/* cs_gen_generate (the same trace), and in *projects (malloc'ed, NULL on
 * error) what was drawn for each project of out, indexed like out->projects. */
int cs_gen_generate_projects(const cs_gen_model *m, uint64_t seed, int days, double projects_scale, cs_trace *out,
			     cs_gen_project **projects, char *err, size_t errlen);
/* cs_gen_generate_projects, and with staging != 0 each job of a class with
 * data gets its data sizes and tier (stage_in_b, stage_out_b, stage_tier;
 * whole MB), drawn from a random stream of their own: the jobs are the
 * same as without. -CS_EINVAL if staging is asked of a model whose classes
 * have no data. */
int cs_gen_generate_staged(const cs_gen_model *m, uint64_t seed, int days, double projects_scale, int staging,
			   cs_trace *out, cs_gen_project **projects, char *err, size_t errlen);

/* ---- sim/gen_accounts.c ---- */

/* Write the accounts file (include/capsim/accounts.h) of a generated trace:
 * root (the model's name) -> organisation type (the model's shares) ->
 * organisation (shares: the sum of its projects') -> project (shares: its
 * weight x 100, at least 1) -> its users in the trace (shares 1). Only
 * what has jobs in t appears; order: types as in the model, organisations
 * by number, projects and users by their index in t. With billed_h (per
 * job of t, its billing-unit-hours on the cluster it is priced on), each
 * project also gets a grant over the part of its life inside the trace's
 * days: grant = total billed / grant_use x its weight x its days inside /
 * the sum of that over the projects, rounded up to whole hours (docs/gen.md).
 * With storage (a cluster; NULL: none), each project also gets a storage
 * allocation (storage_tb) on each of its tiers that keeps what jobs write
 * (a growth rate and no retention, capsim/storage.h): what its jobs would
 * write there if they all ran / storage_use, rounded up to whole TB, at
 * least 1 (docs/storage.md). 0, or -CS_EIO, -CS_ENOMEM, or -CS_EINVAL (an
 * organisation's name is another account's). */
struct cs_cluster;
int cs_gen_accounts_write(FILE *f, const cs_gen_model *m, const cs_trace *t, const cs_gen_project *projects,
			  const double *billed_h, const struct cs_cluster *storage, char *err, size_t errlen);

/* Each job of t's billing-unit-hours on cluster c (its partition's
 * TRESBillingWeights, its size without), the billed_h of
 * cs_gen_accounts_write: *out malloc'ed, one per job. -CS_EINVAL if a job's
 * partition is not one of the cluster's, -CS_ENOMEM. */
int cs_gen_billed_hours(const struct cs_cluster *c, const cs_trace *t, double **out, char *err, size_t errlen);

/* What a model says, as plain data (owned by the model; see the schema). */
typedef struct cs_gen_dist { /* a discrete distribution: value v[i] with weight w[i] */
	int *v;
	double *w;
	int n;
	double wsum; /* > 0 */
} cs_gen_dist;

/* A data size (GB, 10^9 bytes) ~ lognormal(ln median_gb, sigma), for the
 * job, or for each of its GPUs or nodes (per). */
enum { CS_GEN_PER_JOB, CS_GEN_PER_GPU, CS_GEN_PER_NODE };
typedef struct cs_gen_size {
	double median_gb, sigma;
	int per;
} cs_gen_size;

typedef struct cs_gen_class {
	const char *name, *qos;
	/* optional: what its jobs stage (`generate --staging`, capsim/stage.h):
	 * through tier data_tier (NULL: they move nothing) */
	const char *data_tier;
	cs_gen_size data_in, data_out;
	int cpu;              /* 1: counts are nodes (whole CPU nodes); 0: total GPUs */
	cs_gen_dist counts;
	double runtime_median_s, runtime_sigma;
	int64_t runtime_min_s;
	double limit_factor_median, limit_factor_sigma;
	int64_t limit_round_s;
	double failed, cancelled;
} cs_gen_class;

typedef struct cs_gen_partition {
	const char *name;
	int nodes, gpus_per_node, cores_per_node, mem_per_node_gib;
	int64_t max_time_s;
	double load;
	int nmix;
	int *mix_class;       /* indices into classes */
	double *mix_w;
	double mix_wsum;
} cs_gen_partition;

typedef struct cs_gen_orgtype {
	const char *type;
	int count;
	double projects, shares, zipf;
} cs_gen_orgtype;

typedef struct cs_gen_target {
	const char *metric;
	const char *partition; /* NULL: all */
	const char *qos;       /* NULL: all */
	double value;
	double tol;            /* absolute tolerance (tol_rel already applied) */
	int line;              /* in the model file */
} cs_gen_target;

typedef struct cs_gen_spec {
	const char *name;
	int64_t start_epoch;
	int per_year, active;  /* one of them > 0, the other 0 */
	int life_min_days, life_max_days, renew_max;
	double renew_share, weight_sigma, cpu_share;
	double grant_use;      /* projects' jobs use this share of their grants, over all */
	double storage_use;    /* projects' jobs fill this share of their storage allocations */
	cs_gen_dist users;     /* users per project */
	cs_gen_orgtype *orgs;  /* organisation types */
	int norgs;
	double hour_w[24], day_w[7];
	cs_gen_class *classes;
	int nclasses;
	cs_gen_partition *parts;
	int nparts;
	cs_gen_target *targets;
	int ntargets;
} cs_gen_spec;

const cs_gen_spec *cs_gen_model_spec(const cs_gen_model *m);

#endif
