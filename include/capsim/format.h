/* capsim: the workload formats (sim/format.c): their names, the one a file
 * name implies, and reading a workload in any of them into a cs_trace. */
#ifndef CAPSIM_FORMAT_H
#define CAPSIM_FORMAT_H

#include "capsim/trace.h"

typedef enum {
	CS_FMT_AUTO,   /* by extension: .swf(.gz) swf, .csv(.gz) native, .json batsim,
			* .sacct / .txt sacct; else an error naming --format */
	CS_FMT_NATIVE, /* capsim's CSV (docs/workloads.md) */
	CS_FMT_SWF,
	CS_FMT_SACCT,  /* sacct --parsable2 output */
	CS_FMT_BATSIM, /* Batsim JSON workload */
	CS_FMT_PAI,    /* Alibaba PAI (cluster-trace-gpu-v2020) pai_job/task table */
	CS_FMT_HELIOS, /* SenseTime Helios cluster_log.csv */
	CS_FMT_PHILLY, /* Microsoft Philly cluster_job_log (JSON) */
	CS_FMT_N
} cs_format;
extern const char *const cs_format_names[CS_FMT_N]; /* "auto", "native", "swf", ... */

/* Read a workload in any format into t (which must be empty, from
 * cs_trace_init). CS_FMT_AUTO picks by extension. SWF records become
 * CPU-only jobs: nodes = processors (allocated, else requested), one core
 * each, group -> project "g<N>", user "u<N>", queue -> qos "q<N>",
 * partition "p<N>", status 1/0/5 -> completed/failed/cancelled, epoch from
 * the UnixStartTime header. 0 or -CS_E* with err. */
int cs_format_read(cs_trace *t, const char *path, cs_format fmt, char *err, size_t errlen);
/* The format CS_FMT_AUTO picks for path, or CS_FMT_AUTO if none. */
cs_format cs_format_guess(const char *path);

#endif
