/* capsim: workload statistics (sim/wstats.c): the metrics of a trace that a
 * workload model's targets are checked with, and the report `capsim
 * workload stats` prints. */
#ifndef CAPSIM_WSTATS_H
#define CAPSIM_WSTATS_H

#include <stdio.h>

#include "capsim/cluster.h"
#include "capsim/gen.h"
#include "capsim/trace.h"

/* The metric names cs_wstats_metric knows, NULL-terminated. */
extern const char *const cs_wstats_metric_names[];

/* A metric over the jobs of t matching partition / qos (NULL: any), with
 * capacity from c (or from m, or neither). Metrics:
 *   jobs, gpu_job_share, single_gpu_share (of GPU jobs), gpus_p50, gpus_mean
 *   (GPU jobs), nodes_p50, runtime_p50, runtime_p90, runtime_mean (s),
 *   overestimate_p50 (time limit / run time of completed jobs),
 *   completed_share, failed_share, cancelled_share, timeout_share,
 *   load (GPU-hours, or node-hours without GPUs, over capacity x span),
 *   projects (with >= 1 job), users_per_project (distinct users of a
 *   project with jobs, mean), active_projects (mean over days of projects
 *   between their first and last submission), top1pct_projects_share, top10pct_projects_share (of
 *   GPU-hours), workhours_share (submitted 09-18), weekend_share.
 * 0 and *out, or -CS_EINVAL (unknown metric, or not computable: no jobs,
 * no capacity) with err. */
int cs_wstats_metric(const cs_trace *t, const cs_cluster *c, const cs_gen_model *m, const char *metric,
		     const char *partition, const char *qos, double *out, char *err, size_t errlen);

/* Keep the jobs of t submitted in [from_s, to_s) (seconds from its origin)
 * and make that window the trace's span, for statistics of a slice: submit
 * times then count from from_s (the epoch moves with them, so hours and
 * weekdays stay), and metadata "days" is the window's length (to_s capped
 * at the end of the trace's span: its "days", else its last submission).
 * 0, or -CS_EINVAL (an empty window) / -CS_ENOMEM with err. */
int cs_wstats_window(cs_trace *t, int64_t from_s, int64_t to_s, char *err, size_t errlen);

/* Print a trace's statistics (see `capsim workload stats --help`); with m,
 * the targets side by side. json: one JSON object. 0 or -CS_E*. */
int cs_wstats_print(FILE *f, const cs_trace *t, const cs_cluster *c, const cs_gen_model *m, int json, char *err,
		    size_t errlen);

#endif
