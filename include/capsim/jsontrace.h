/* capsim: workloads stored as JSON (sim/fmt_batsim.c, sim/fmt_philly.c).
 *
 * Batsim workloads (read and write) and Microsoft's Philly trace
 * (msr-fiddle/philly-traces, cluster_job_log). Either file may be gzip
 * compressed. The field mappings, units, rounding and what is counted in
 * the trace's metadata are in docs/jsontrace.md.
 *
 * The readers fill t, which must be empty (from cs_trace_init); on failure
 * t is left empty. They return 0, -CS_EIO (cannot open or read the file:
 * "FILE: reason") or -CS_EPARSE, with the message
 *   "FILE:LINE:COL: reason"                          (JSON syntax)
 *   "FILE: jobs[IDX] (id X): field NAME: reason"     (a job's field)
 *   "FILE: field NAME: reason"                       (a top-level field)
 * or -CS_ENOMEM. Nothing is printed.
 */
#ifndef CAPSIM_JSONTRACE_H
#define CAPSIM_JSONTRACE_H

#include <stdio.h>

#include "capsim/trace.h"

/* A Batsim workload: {"nb_res": N, "jobs": [...], "profiles": {...}}. */
int cs_batsim_read(cs_trace *t, const char *path, char *err, size_t errlen);
/* Write t as a Batsim workload: one delay profile per distinct run time
 * ("delay<SECONDS>"), jobs with an unknown run time use the profile
 * "runtime_unknown" (type "capsim_runtime_unknown", which Batsim refuses to
 * run and cs_batsim_read reads back as run time -1). nb_res is the larger
 * of the metadata "nb_res" and the largest node count. 0; -CS_EINVAL (no
 * jobs, or a job with 0 nodes: nothing is written); -CS_ENOMEM; -CS_EIO. */
int cs_batsim_write(const cs_trace *t, FILE *f);

/* A Philly cluster_job_log: a JSON array of jobs. */
int cs_philly_read(cs_trace *t, const char *path, char *err, size_t errlen);
/* A Philly time "YYYY-MM-DD HH:MM:SS", US Pacific wall-clock time, as a
 * Unix time (independent of the TZ environment). 0, or -1 if malformed. */
int cs_philly_time(const char *s, int64_t *unix_s);

/* --- shared by the JSON readers --- */
struct json_t;
/* Parse a whole (optionally gzip-compressed) JSON file, rejecting duplicate
 * object keys. NULL on failure with *rc and err set as above. */
struct json_t *cs_json_load(const char *path, int *rc, char *err, size_t errlen);
/* Format "PATH: jobs[IDX] (id ID): field FIELD: ..." (" (id ID)" left out
 * when id is NULL) into err; returns -CS_EPARSE. */
int cs_json_job_error(char *err, size_t errlen, const char *path, size_t idx, const char *id,
		      const char *field, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

#endif
