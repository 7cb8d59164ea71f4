/* capsim: a workload as a table of job records (sim/trace.c).
 *
 * Every reader (native CSV, SWF, Slurm sacct, Batsim JSON, the GPU-cluster
 * traces) produces a cs_trace; the generator produces one; the writers,
 * the transforms, `capsim workload stats` and the replay of GPU workloads
 * read one. Strings (projects, users, QoS, partitions) are interned: a
 * record holds indices into the trace's name lists (-1: none given).
 *
 * Times are integer seconds. submit_s counts from the trace's origin
 * (`epoch`, a Unix time, 0 when the source has none); readers of formats
 * with absolute dates set epoch to the earliest submission and store
 * submit_s relative to it.
 */
#ifndef CAPSIM_TRACE_H
#define CAPSIM_TRACE_H

#include <stdio.h>

#include "capsim/types.h"

/* A job's final state as the source recorded it (Slurm's names, lower case). */
typedef enum {
	CS_STATE_UNKNOWN,
	CS_STATE_COMPLETED,
	CS_STATE_FAILED,
	CS_STATE_CANCELLED,
	CS_STATE_TIMEOUT,
	CS_STATE_NODE_FAIL,
	CS_STATE_OUT_OF_MEMORY,
	CS_STATE_PREEMPTED,
	CS_STATE_N
} cs_state;
/* "unknown", "completed", "failed", "cancelled", "timeout", "node_fail",
 * "out_of_memory", "preempted" */
extern const char *const cs_state_names[CS_STATE_N];
/* A state by name, case-insensitive; -1 if none. */
int cs_state_lookup(const char *s, size_t len);

typedef struct cs_jrec {
	int64_t id;
	cs_time submit_s;          /* from the trace's origin */
	cs_time start_s;           /* recorded start (from the origin), -1 unknown */
	cs_time runtime_s;         /* recorded run time, -1 unknown */
	cs_time time_limit_s;      /* requested walltime, -1 unknown */
	uint32_t nodes;            /* >= 1; 0 only from SWF records without a size */
	uint32_t gpus_per_node;    /* 0: a CPU-only job */
	uint32_t cores_per_node;   /* 0: unknown */
	uint64_t mem_per_node_mib; /* 0: unknown */
	int32_t project, user, qos, partition; /* name indices, -1: none */
	uint8_t state;             /* cs_state */
	uint8_t topo;              /* where its nodes may lie: cs_topo_rule (capsim/alloc.h), 0: anywhere */
	uint16_t max_leaves;       /* with CS_TOPO_MAX_LEAVES: at most this many leaf switches */
	uint32_t line;             /* line (or record number) in the source */
} cs_jrec;

/* An interned list of names: index <-> string. */
typedef struct cs_names {
	char **v;
	size_t n, cap;
	uint32_t *hash; /* open addressing over indices + 1; size hcap (power of 2) */
	size_t hcap;
} cs_names;

typedef struct cs_trace {
	cs_jrec *jobs;
	size_t n, cap;
	cs_names projects, users, qos, partitions;
	int64_t epoch;     /* Unix time of submit_s == 0; 0: none */
	/* Free-form metadata (the generator's model, seed and days; a reader's
	 * source), kept in order; the native writer emits them as "# key: value". */
	cs_names meta_keys, meta_vals;
} cs_trace;

void cs_trace_init(cs_trace *t);
void cs_trace_free(cs_trace *t);
/* Append a record (copied). 0 or -CS_ENOMEM. */
int cs_trace_push(cs_trace *t, const cs_jrec *r);
/* Set (or replace) a metadata entry. 0 or -CS_ENOMEM. */
int cs_trace_meta_set(cs_trace *t, const char *key, const char *val);
/* Set (or replace) metadata entry KEY to the count v. 0 or -CS_ENOMEM. */
int cs_trace_meta_count(cs_trace *t, const char *key, uint64_t v);
const char *cs_trace_meta_get(const cs_trace *t, const char *key); /* NULL if absent */
/* Sort by (submit, id, line): stable and total, so output is reproducible. */
void cs_trace_sort(cs_trace *t);

/* Index of s[0..len) in ns, adding it if new: >= 0, or -CS_ENOMEM. */
int32_t cs_names_intern(cs_names *ns, const char *s, size_t len);
/* Index of s, or -1. */
int32_t cs_names_find(const cs_names *ns, const char *s);
/* The name at i, or "" for i < 0. */
const char *cs_names_get(const cs_names *ns, int32_t i);
void cs_names_free(cs_names *ns);

/* --- reading text files line by line (plain or gzip, through zlib) --- */
typedef struct cs_lines {
	void *gz;          /* gzFile */
	const char *path;
	char *buf;
	size_t cap;
	uint32_t lineno;   /* of the line last returned, from 1 */
} cs_lines;
/* 0, or -CS_EIO with "PATH: reason" in err. */
int cs_lines_open(cs_lines *l, const char *path, char *err, size_t errlen);
/* The longest line the line reader takes (bytes, with its newline). */
#define CS_LINE_MAX (1 << 20)
/* Next line without its "\n" (and "\r"), NUL-terminated, in l->buf; *len its
 * length. 1: a line; 0: end of file; -CS_EIO (read error, a truncated or
 * corrupt gzip stream) or -CS_EPARSE (a NUL byte in the line, a line longer
 * than CS_LINE_MAX) with "PATH:LINE: reason" in err. */
int cs_lines_next(cs_lines *l, char **line, size_t *len, char *err, size_t errlen);
void cs_lines_close(cs_lines *l);

/* Split a CSV line in place on `sep` (no quoting: fields must not contain
 * it); at most max fields; returns the count, or max + 1 if there are more. */
size_t cs_csv_split(char *line, char sep, char **fields, size_t max);

/* --- formats --- */
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
int cs_trace_read(cs_trace *t, const char *path, cs_format fmt, char *err, size_t errlen);
/* The format CS_FMT_AUTO picks for path, or CS_FMT_AUTO if none. */
cs_format cs_format_guess(const char *path);

/* The native CSV format. Errors: "FILE:LINE: column NAME: reason", -CS_EPARSE. */
/* The most GPUs and cores per node it accepts: a reader of another format
 * holds its records to them, so that every trace it reads writes back. */
#define CS_NATIVE_MAX_GPUS_PER_NODE 1024
#define CS_NATIVE_MAX_CORES_PER_NODE (1 << 20)
int cs_native_read(cs_trace *t, const char *path, char *err, size_t errlen);
/* Writes t->epoch as "# epoch: N" (when non-zero and not already in the
 * metadata). -CS_EINVAL if a name holds a comma or a line break (the format
 * has no quoting), -CS_EIO on a write error. */
int cs_native_write(const cs_trace *t, FILE *f);

/* SWF (version 2.2) from a trace. Processors per job: nodes x
 * gpus_per_node for a GPU job, else nodes x cores_per_node (cores unknown:
 * nodes), the same in fields 5 and 8; memory (field 10) in KB per
 * processor; user, group (project), queue (QoS) and partition numbered
 * from 1 in order of first appearance (the header lists the names);
 * status 1 completed, 0 failed, 5 cancelled, -1 otherwise; wait from the
 * recorded start, else -1; think time, preceding job, executable, CPU time
 * and used memory -1. */
int cs_swf_write(const cs_trace *t, FILE *f);

#endif
