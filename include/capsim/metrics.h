/* capsim: scheduling metrics (sim/metrics.c). Formulas: docs/outputs.md. */
#ifndef CAPSIM_METRICS_H
#define CAPSIM_METRICS_H

#include "capsim/job.h"

typedef struct cs_metrics {
	size_t jobs;
	cs_time first_submit, last_end;
	cs_time makespan;          /* last end - first submit */
	double utilization;        /* sum(size*runtime) / (procs * makespan) */
	double mean_wait, median_wait, p95_wait, p99_wait;
	cs_time max_wait;
	double mean_response;
	double mean_slowdown;      /* (wait+runtime)/runtime */
	double mean_bounded_slowdown; /* max(1, (wait+runtime)/max(runtime, tau)) */
	double max_bounded_slowdown;
	size_t backfilled;
} cs_metrics;

/* Percentile q in [0,1] of sorted values, linear interpolation between
 * closest ranks (numpy's default): h = (n-1)q. */
double cs_percentile_sorted(const cs_time *v, size_t n, double q);
/* The place of the lower of the values it reads, floor(h) (n > 0; the
 * other is the next place, where there is one): what a selection of the
 * ranks a percentile needs asks for (sim/radix.c cs_select_pct_ranks). */
size_t cs_percentile_lo(size_t n, double q);

int cs_metrics_compute(const cs_job *jobs, size_t n, uint32_t procs, cs_time bsld_tau,
		       cs_metrics *m);

/* One partition's waits, over its jobs that were simulated (not rejected). */
typedef struct cs_wait_stats {
	size_t jobs;
	double mean_wait, median_wait, p95_wait, p99_wait; /* 0 without jobs */
	cs_time max_wait;
} cs_wait_stats;

/* The waits of the jobs of each partition 0..npart-1 (a job's partition
 * field; jobs of none, -1, count in no partition), percentiles as
 * cs_metrics_compute's. out[npart]. 0 or -CS_ENOMEM. */
int cs_metrics_by_partition(const cs_job *jobs, size_t n, size_t npart, cs_wait_stats *out);

#endif
