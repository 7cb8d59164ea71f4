/* capsim: the recorder (sim/recorder.c; its projects sim/recorder_projects.c,
 * its files sim/recorder_out.c): watches every state change of a
 * replay through the engine's observer and keeps, per sampling interval,
 * what a person wants to see over time: resources allocated and busy,
 * queue length and queued demand, running jobs, power, fragmentation, for
 * the whole machine, per node type and per partition (node model).
 *
 * Cost per event: O(1) per scope touched (the machine, the job's partition)
 * plus O(nodes of the job) on the node model (the engine pays the same to
 * place it); per interval O(scopes x node types). Nothing is allocated per
 * event except the interval rows and, on a requeue, its lost run (both
 * amortized, doubling).
 *
 * Outputs (docs/outputs.md): timeseries.csv, projects.csv, fairness.csv
 * (fair share over windows, capsim/fairness.h, computed from the job table
 * when written), occupancy.csv (node model) and a "recorder" object for
 * summary.json.
 */
#ifndef CAPSIM_RECORDER_H
#define CAPSIM_RECORDER_H

#include <stdint.h>
#include <stdio.h>

#include "capsim/alloc.h"
#include "capsim/engine.h"
#include "capsim/hostlist.h"
#include "capsim/job.h"
#include "capsim/trace.h"

#define CS_RECORDER_SAMPLE_S 3600   /* default sampling interval, seconds */

typedef struct cs_recorder cs_recorder; /* opaque */

/* The node model as the recorder needs it (plain data, copied by
 * cs_recorder_new). Node types and partitions in config order. */
typedef struct cs_rec_machine {
	uint32_t nnodes, ntypes, npartitions;
	const uint16_t *node_type;          /* per node */
	const char *const *type_names;      /* per type */
	const uint32_t *type_gpus;          /* per node of the type */
	const uint32_t *type_cores;         /* per node of the type */
	const double *type_idle_w, *type_peak_w; /* per node of the type (cluster config) */
	const char *const *part_names;      /* per partition */
	const uint32_t *part_first;         /* npartitions + 1 */
	const int32_t *part_types;          /* partition p's node types: [part_first[p], part_first[p+1]) */
	const cs_hostnames *hosts;          /* the nodes' names (hostlist.h), for occupancy.csv; not
					     * copied: it must outlive the recorder */
} cs_rec_machine;

/* What the progress callback is told (about every half second of wall time). */
typedef struct cs_progress {
	cs_time now, first;   /* simulated time reached; the first submission */
	size_t done, njobs;   /* jobs ended or rejected, of all */
	uint64_t events;      /* observed so far */
	double events_per_s;  /* since the start, wall clock */
	int final;            /* 1 on the last call (the replay is over) */
} cs_progress;
typedef void (*cs_progress_fn)(void *ctx, const cs_progress *p);

/* A recorder for jobs[0..n) (sorted by submit). Pooled machine: m NULL,
 * capacity = processors. Node model: m given, placements/placement_off the
 * arrays the engine fills (cs_node_machine), capacity = GPUs. sample_s > 0.
 * 0 or -CS_EINVAL / -CS_ENOMEM with err. */
int cs_recorder_new(cs_recorder **out, const cs_job *jobs, size_t n, uint64_t capacity,
		    const cs_rec_machine *m, const cs_slot *placements, const size_t *placement_off,
		    cs_time sample_s, char *err, size_t errlen);
void cs_recorder_free(cs_recorder *r);
/* The observer to give the engine (valid while r lives). */
const cs_observer *cs_recorder_observer(cs_recorder *r);
/* Report progress through fn (NULL: none). */
void cs_recorder_set_progress(cs_recorder *r, cs_progress_fn fn, void *ctx);
/* Count fair share in billing units (docs/fairshare.md#billing): rate per
 * job, billing units per second of run (not copied: it must outlive the
 * recorder), capacity the machine's per second. NULL: GPUs (cores on a
 * pooled machine), as without. */
void cs_recorder_set_billing(cs_recorder *r, const double *rate, double capacity);
/* Per job, its IT energy in joules (capsim/power.h's meter; not copied:
 * it must outlive the recorder), for projects.csv's energy_kwh. NULL:
 * none (the column is empty). */
void cs_recorder_set_energy(cs_recorder *r, const double *energy_j);
/* GPUs out of service for repair (capsim/failures.h), changes per node in
 * time order (not copied: they must outlive the recorder): timeseries.csv
 * gains a gpus_down column (not called, the default: no failure model,
 * no column). */
struct cs_fail_down;
void cs_recorder_set_down(cs_recorder *r, const struct cs_fail_down *changes, size_t n);
/* After the replay: close the last interval at the last event. 0 or -CS_ENOMEM. */
int cs_recorder_finish(cs_recorder *r, char *err, size_t errlen);

/* Whole-run figures (after cs_recorder_finish). */
typedef struct cs_rec_totals {
	cs_time first, last;       /* first submission, last event */
	int64_t used_s;            /* resource-seconds allocated (GPU-seconds, or processor-seconds) */
	int64_t core_s;            /* node model: core-seconds allocated */
	double energy_j;           /* node model: IT energy, joules (0 if no power figures) */
	size_t intervals;
} cs_rec_totals;
void cs_recorder_totals(const cs_recorder *r, cs_rec_totals *t);

/* Write DIR/timeseries.csv, DIR/projects.csv, DIR/fairness.csv and (node
 * model) DIR/occupancy.csv. names: the workload's names (projects), or NULL for a
 * pooled SWF replay (projects are then "g<group>", or "u<user>" when the
 * group is missing). shares: multifactor's `shares` spec
 * ("ACCOUNT:WEIGHT,...", accounts as the policy counts them) or NULL.
 * epoch: Unix time of the workload's time 0, for timeseries.csv's calendar
 * column (0: none). */
int cs_recorder_write(const cs_recorder *r, const char *dir, const cs_trace *names, const char *shares,
		      cs_time bsld_tau, int64_t epoch, char *err, size_t errlen);

/* Row i (0 <= i < cs_recorder_nrows) of timeseries.csv, its columns as
 * numbers before they are written (docs/outputs.md): busy GPUs and cores
 * are written with 3 decimals, power with 1. The report reads them here
 * rather than from the file. */
enum { CS_REC_MACHINE, CS_REC_NODE_TYPE, CS_REC_PARTITION };
typedef struct cs_rec_row {
	int scope;                  /* CS_REC_* */
	const char *kind, *name;    /* the scope and name columns (the recorder's) */
	int64_t t, len;
	int64_t gpus, cores, gpu_seconds, core_seconds, gpus_allocated, cores_allocated;
	double gpus_busy, cores_busy;
	int queue;                  /* the queue columns hold numbers (empty on a node type's row) */
	int64_t running, queued_jobs, queued_gpus, queued_cores;
	int frag_in_gpus;           /* fragmented_gpus holds frag_gpus and fragmented_cores is empty (node
				     * model), else fragmented_gpus is 0 and fragmented_cores frag_cores */
	int64_t frag_gpus, frag_cores;
	int power;                  /* power_w is written (else empty) */
	double power_w;
} cs_rec_row;
size_t cs_recorder_nrows(const cs_recorder *r);
void cs_recorder_row(const cs_recorder *r, size_t i, cs_rec_row *out);

/* summary.json's "recorder" object (a jansson json_t *, new reference); the
 * same shares and bounded-slowdown threshold as cs_recorder_write. NULL on allocation failure. */
struct json_t;
struct json_t *cs_recorder_summary_json(const cs_recorder *r, const char *shares, cs_time bsld_tau);

/* The run's projects (projects.csv) and fair-share windows (fairness.csv),
 * worked out once for both summary.json and the files: names, shares and
 * bsld_tau as cs_recorder_write takes them. 0, or -CS_ENOMEM with err. */
typedef struct cs_rec_projects cs_rec_projects;
int cs_recorder_projects_new(cs_rec_projects **out, const cs_recorder *r, const cs_trace *names, const char *shares,
			     cs_time bsld_tau, char *err, size_t errlen);
void cs_rec_projects_free(cs_rec_projects *p);
/* cs_recorder_write and cs_recorder_summary_json on projects worked out before. */
int cs_recorder_write_with(const cs_recorder *r, const cs_rec_projects *p, const char *dir, int64_t epoch, char *err,
			   size_t errlen);
struct json_t *cs_recorder_summary_json_with(const cs_recorder *r, const cs_rec_projects *p);

#endif
