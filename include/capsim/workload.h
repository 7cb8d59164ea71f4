/* capsim: turning trace records into jobs under the documented conventions
 * (sim/workload.c). Every job dropped by a rule is counted by reason; every
 * fallback is counted. */
#ifndef CAPSIM_WORKLOAD_H
#define CAPSIM_WORKLOAD_H

#include "capsim/job.h"
#include "capsim/swf.h"

typedef enum { CS_SIZE_ALLOCATED, CS_SIZE_REQUESTED, CS_SIZE_MAX } cs_size_field;
typedef enum { CS_EST_REQUESTED, CS_EST_EXACT } cs_estimates;
/* A missing requested time: use the runtime; drop the job; or, under
 * --convert pyss only, pyss's arithmetic on -1 (the job runs 1 s, estimated
 * at its trace runtime). */
typedef enum { CS_MISSING_RUNTIME, CS_MISSING_DROP, CS_MISSING_PYSS } cs_missing_reqtime;
/* A runtime past the requested time: cut to it (kill); run it all, the
 * scheduler expecting it to end at its request (continue); run it all, the
 * estimate raised to the runtime so the scheduler sees its real end
 * (raise). */
typedef enum { CS_OVERRUN_KILL, CS_OVERRUN_CONTINUE, CS_OVERRUN_RAISE } cs_overrun;
/* How records become jobs: capsim's rules (docs/conventions.md), or
 * pyss's _job_input_to_job, which keeps every record (see cs_workload_add). */
typedef enum { CS_CONVERT_CAPSIM, CS_CONVERT_PYSS } cs_conversion;

typedef struct cs_workload_conv {
	cs_conversion conversion;
	cs_size_field size_field;
	cs_estimates estimates;
	cs_missing_reqtime missing_reqtime;
	cs_overrun overrun;
} cs_workload_conv;

/* Reasons a job is dropped, checked in this order; each job is counted once,
 * under the first rule it breaks. */
typedef enum {
	CS_DROP_NEGATIVE_SUBMIT, /* submit time < 0 */
	CS_DROP_RUNTIME,         /* run time <= 0 or missing */
	CS_DROP_SIZE,            /* size (after fallback) <= 0 or missing */
	CS_DROP_TOO_LARGE,       /* size > processors of the machine */
	CS_DROP_REQTIME,         /* requested time missing and --missing-reqtime drop */
	CS_DROP_TOPOLOGY,        /* node model: fits the empty machine, but not under its
				  * topology rule (no leaf or block big enough) */
	CS_DROP_GPU_KIND,        /* node model: a GPU job without a partition of the cluster
				  * that fits the empty machine only on node types whose GPUs
				  * it may not use (gpumap.h) */
	CS_DROP_N
} cs_drop_reason;

extern const char *const cs_drop_names[CS_DROP_N];

typedef struct cs_workload_stats {
	size_t records;               /* job lines read */
	size_t dropped[CS_DROP_N];
	size_t size_fallback;         /* chosen size field missing: used the other */
	size_t reqtime_fallback;      /* requested time missing: estimate = runtime */
	size_t killed;                /* runtime cut at the requested time */
	size_t overran;               /* runtime > requested time (killed or not) */
	size_t unsorted;              /* records whose submit time is below the previous one */
	size_t placeholders;          /* pyss conversion: invalid records run as 1 s jobs */
	size_t clamped;               /* pyss conversion: size cut to the machine */
	size_t any_partition;         /* node model: partition not in the cluster (or none): any node
				       * type, or for a GPU job those its GPUs may use */
	size_t gpu_held;              /* node model: of those, GPU jobs held to the node types of
				       * their GPU model (gpumap.h; not all node types with GPUs) */
} cs_workload_stats;

/* Incremental form, for streaming a trace: begin, add each record, finish
 * once the machine size is known (the size rule needs it). */
typedef struct cs_workload_builder {
	cs_workload_conv cv;
	cs_job *jobs;
	size_t n, cap;
	cs_workload_stats st;
	int64_t prev_submit; /* previous record's submit time, for `unsorted` */
} cs_workload_builder;

/* The record rules a conversion starts from: capsim's (size allocated,
 * estimates requested, missing-reqtime runtime, overrun kill) or pyss's
 * (size requested, estimates requested, missing-reqtime pyss, overrun
 * kill). Options given explicitly are applied after this. */
void cs_workload_conv_defaults(cs_workload_conv *cv, cs_conversion conversion);
void cs_workload_begin(cs_workload_builder *b, const cs_workload_conv *cv);
int cs_workload_add(cs_workload_builder *b, const cs_swf_rec *r); /* 0 or -CS_ENOMEM */
/* Room for n jobs in one allocation (a trace header's job count), so that
 * the table does not grow by copies; where that cannot be had it grows as
 * before (a hint: no error, no change to the jobs). */
void cs_workload_reserve(cs_workload_builder *b, size_t n);
/* Apply the rules that need the machine, sort, hand over the jobs. */
int cs_workload_finish(cs_workload_builder *b, uint32_t procs, cs_job **jobs, size_t *njobs,
		       cs_workload_stats *st);
void cs_workload_abort(cs_workload_builder *b);

/* Build jobs from records for a machine of `procs` processors. Jobs come out
 * sorted by (submit time, file order) and submit times are kept as in the
 * trace. *jobs is malloc'ed; the caller frees it. */
int cs_workload_from_swf(const cs_swf *s, const cs_workload_conv *cv, uint32_t procs,
			 cs_job **jobs, size_t *njobs, cs_workload_stats *st,
			 char *err, size_t errlen);

/* Jobs for a node model from a trace (include/capsim/trace.h), under the
 * same rules: a record is dropped if its run time is unknown or <= 0
 * (CS_DROP_RUNTIME), it has no node count (CS_DROP_SIZE), it could not run
 * on the empty machine (CS_DROP_TOO_LARGE: more nodes, or more GPUs, cores
 * or memory per node than its partition's node types have), or its time
 * limit is unknown under --missing-reqtime drop (CS_DROP_REQTIME). The
 * estimate is the time limit (else the run time); a run time over the limit
 * is cut to it under --overrun kill. A partition named in the record is
 * looked up in the cluster's (names_of_partitions[0..npartitions)); one not
 * found, or none, may use any node type (counted in any_partition), except
 * that a GPU job then takes the partition gpu_part gives for its trace
 * partition (gpu_part[t->partitions.n] for none; gpumap.h): the node types
 * of its GPU model (counted in gpu_held), or -1, any. A job that fits only
 * when any node type is allowed is dropped as CS_DROP_GPU_KIND. gpu_part
 * may be NULL (no GPU rule). Jobs come out sorted by (submit, file line).
 * `fits(ctx, job)` tells whether a job could run on the empty machine; it
 * may look only at the job's shape (partition, nodes, GPUs, cores and
 * memory per node, topo, max_leaves): its answer is asked once per shape.
 *
 * A record's partition may be a list "a,b,..." (Slurm's --partition=a,b):
 * with sets (its base set by the caller: the engine's partition count),
 * the list's partitions in which the job could run on the empty machine
 * make its set (each once, in the list's order; sets->n of them, the
 * caller frees them with cs_partsets_free); if that leaves one, the job is
 * of that partition; none, it is dropped as it would be in the first. A
 * list none of whose names is the cluster's is an unknown partition, as
 * one such name is; a list naming the cluster's and one it lacks, or more
 * than CS_PARTSET_MAX, is an error (-CS_EINVAL, "FILE:LINE: partition:
 * ..."). Without sets a list is one name. */
struct cs_trace;
typedef int (*cs_fits_fn)(void *ctx, const cs_job *j);
int cs_workload_from_trace(const struct cs_trace *t, const cs_workload_conv *cv,
			   const char *const *partition_names, size_t npartitions, const int32_t *gpu_part,
			   cs_partsets *sets, cs_fits_fn fits, void *fits_ctx,
			   cs_job **jobs, size_t *njobs, cs_workload_stats *st, char *err, size_t errlen);
/* The same, and in *rec_of (malloc'ed; NULL: not wanted) each job's record:
 * jobs[i] came from t->jobs[(*rec_of)[i]]. */
int cs_workload_from_trace_recs(const struct cs_trace *t, const cs_workload_conv *cv,
				const char *const *partition_names, size_t npartitions, const int32_t *gpu_part,
				cs_partsets *sets, cs_fits_fn fits, void *fits_ctx, cs_job **jobs, size_t *njobs,
				uint32_t **rec_of, cs_workload_stats *st, char *err, size_t errlen);
void cs_partsets_free(cs_partsets *ps);
/* The index in ps of the set parts[0 .. k) (*cap entries of room in
 * ps->parts, grown as needed), added at the end if new: 0, or -CS_ENOMEM
 * (ps as it was). */
int cs_partsets_intern(cs_partsets *ps, const int32_t *parts, uint32_t k, size_t *cap, uint32_t *out);
/* dst a copy of src with its own arrays: 0, or -CS_ENOMEM (dst empty). */
int cs_partsets_copy(cs_partsets *dst, const cs_partsets *src);

#endif
