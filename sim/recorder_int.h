/* capsim: the recorder's state, shared by its recording (sim/recorder.c),
 * its projects and fair-share windows (sim/recorder_projects.c) and its
 * files and summary (sim/recorder_out.c). Private to sim/. */
#ifndef CAPSIM_SIM_RECORDER_INT_H
#define CAPSIM_SIM_RECORDER_INT_H

#include "capsim/recorder.h"
#include "capsim/fairness.h"
#include "capsim/failures.h"
#include "capsim/hostlist.h"

#include <stdint.h>

#define NG (CS_ALLOC_MAX_GPUS + 1) /* free-GPU counts 0..16 */

enum { SC_MACHINE, SC_TYPE, SC_PART };

/* One scope (the machine, a node type, a partition): its state now and
 * its integrals over the current interval since `last`. */
typedef struct scope {
	int64_t alloc, cores, queued, demand, cdemand, running; /* now (demand: GPUs, cdemand: cores) */
	cs_time last;
	int64_t used_s, core_s;                         /* this interval, up to last */
	uint64_t capacity, core_capacity;
	int kind;
	uint32_t index;                                 /* type or partition index */
} scope;

/* One interval of one scope, as timeseries.csv prints it. */
typedef struct row {
	cs_time t, len;
	int64_t used_s, core_s;
	int64_t alloc, cores, queued, demand, cdemand, running, frag; /* at the interval's end */
	double energy_j;                               /* types and the machine; -1: not given */
} row;

struct cs_recorder {
	const cs_job *jobs;
	size_t n;
	const cs_slot *placements;
	const size_t *off;
	int node_model;
	uint64_t capacity;
	cs_time sample_s, t0, istart, iend, last_t;
	/* scopes: 0 the machine, 1..ntypes node types, then partitions, then "(any)" */
	scope *sc;
	uint32_t nsc, ntypes, nparts;
	/* node model, copied */
	uint32_t nnodes;
	uint16_t *node_type;
	const cs_hostnames *hosts; /* the run's node names (cs_rec_machine) */
	const double *billing;     /* per job: billing units per second, or NULL (fair share in resources) */
	double billing_capacity;   /* the machine's billing units per second */
	const double *energy;      /* per job: IT energy, J (capsim/power.h), or NULL */
	const cs_fail_down *down;  /* GPUs out of service for repair, per node, in time order */
	size_t ndown;
	int with_down;             /* a failure model: timeseries.csv's gpus_down */
	char **type_names, **part_names;
	uint32_t *type_gpus, *type_cores, *type_count;
	double *idle_w, *peak_w;
	uint8_t *part_has_type;   /* (nparts + 1) x ntypes: partition p (nparts: any) may use type t */
	/* fragmentation: per node GPUs allocated; per type nodes by free GPUs;
	 * per partition scope queued GPU jobs by GPUs per node */
	uint8_t *node_used;
	uint32_t *fhist;          /* ntypes x NG */
	uint32_t *qhist;          /* (nparts + 1) x NG */
	/* pooled: queued jobs, a doubly linked list (for the smallest queued size) */
	uint32_t *qnext, *qprev, qhead;
	uint32_t *qscope;         /* node model, per job: the partition scope it waits in (a job
				   * of several partitions waits in "(any)" and runs in the one
				   * it started in) */
	int64_t free_procs;
	/* rows */
	row *rows;
	size_t nrows, caprows;
	/* runs a requeue threw away (fairness.h), and per job the preempted
	 * seconds already counted (allocated at the first requeue) */
	cs_fair_run *lost;
	size_t nlost, caplost;
	cs_time *lost_seen;
	int failed;
	cs_observer obs;
	/* progress */
	cs_progress_fn progress;
	void *progress_ctx;
	uint64_t events;
	size_t done;
	double wall0, wall_last;
};

/* One project's figures (projects.csv). */
typedef struct proj {
	int64_t key;           /* group x 2, or user x 2 + 1 when the group is missing */
	int64_t account;       /* as multifactor counts accounts: the group, else the user */
	char name[96];
	size_t jobs;
	int64_t used_s, core_s; /* used_s: GPU-seconds on the node model, else core-seconds */
	double weight, entitled_s; /* entitled_s: weight's share of all usage (the whole run) */
	double billed_s;       /* billing-unit-seconds (size-seconds without weights), lost runs included */
	double energy_j;       /* IT energy (with cs_recorder_set_energy), lost runs included */
	double mean_wait, median_wait, p95_wait;
	double mean_bsld, median_bsld, p95_bsld;
	cs_fair_project fair;  /* over the fair-share windows (fairness.h) */
} proj;

/* The projects and fair-share windows a run's summary and files share. */
struct cs_rec_projects {
	proj *ps; /* by usage, as projects.csv lists them */
	size_t np;
	cs_fair fair;
	int shares; /* entitlements by multifactor's shares */
};

/* Resources a job holds: GPUs on the node model, else processors. */
static inline uint64_t cs_rec_job_units(const cs_recorder *r, const cs_job *j)
{
	return r->node_model ? (uint64_t)j->nodes * j->gpus_per_node : j->size;
}

/* Cores a job holds: the node model's per-node count on each node; a
 * pooled machine's processors, counted as cores. */
static inline uint64_t cs_rec_job_cores(const cs_recorder *r, const cs_job *j)
{
	return r->node_model ? (uint64_t)j->nodes * j->cores_per_node : j->size;
}

#endif
