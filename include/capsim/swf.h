/* capsim: the Standard Workload Format, read (sim/swf.c) and written from a
 * trace (sim/swf_write.c).
 *
 * Reads .swf and .swf.gz (zlib detects gzip by its magic; plain files pass
 * through). Every job line must hold exactly 18 whitespace-separated
 * numbers; -1 means missing. Fields 6 (average CPU time) and 7 (used
 * memory) and 10 (requested memory) may be decimals; all others must be
 * integers. Header comments "; Key: value" are kept (MaxNodes, MaxProcs,
 * UnixStartTime, ...). A malformed line is an error naming
 * FILE:LINE: field N (name): what is wrong.
 */
#ifndef CAPSIM_SWF_H
#define CAPSIM_SWF_H

#include <stdio.h>

#include "capsim/trace.h"
#include "capsim/types.h"

/* One job line, all 18 fields as read (-1 = missing). */
typedef struct cs_swf_rec {
	int64_t job;         /* 1 job number */
	int64_t submit;      /* 2 submit time, s */
	int64_t wait;        /* 3 wait time, s */
	int64_t runtime;     /* 4 run time, s */
	int64_t alloc_procs; /* 5 allocated processors */
	double avg_cpu;      /* 6 average CPU time used, s */
	double used_mem;     /* 7 used memory, KB */
	int64_t req_procs;   /* 8 requested processors */
	int64_t req_time;    /* 9 requested time, s */
	double req_mem;      /* 10 requested memory, KB */
	int64_t status;      /* 11 status */
	int64_t user;        /* 12 user id */
	int64_t group;       /* 13 group id */
	int64_t exe;         /* 14 executable number */
	int64_t queue;       /* 15 queue number */
	int64_t partition;   /* 16 partition number */
	int64_t prev_job;    /* 17 preceding job number */
	int64_t think;       /* 18 think time, s */
	uint32_t line;       /* line number in the file (1-based) */
} cs_swf_rec;

typedef struct cs_swf_header {
	int64_t max_nodes, max_procs, unix_start, max_jobs; /* -1 if absent */
} cs_swf_header;

typedef struct cs_swf {
	cs_swf_header hdr;
	cs_swf_rec *recs;
	size_t n, cap;
} cs_swf;

extern const char *const cs_swf_field_names[18];

/* Called for each job line, in file order; a negative return stops the
 * scan with that code (err filled by the sink). */
typedef int (*cs_swf_sink)(void *ctx, const cs_swf_rec *rec, char *err, size_t errlen);

/* Stream a file: fills *hdr from the header comments and hands each job
 * line to sink without keeping the records. */
int cs_swf_scan(const char *path, cs_swf_header *hdr, cs_swf_sink sink, void *ctx,
		char *err, size_t errlen);

/* Read a whole file. On error returns -CS_E*, fills err, leaves *out empty. */
int cs_swf_read(const char *path, cs_swf *out, char *err, size_t errlen);
/* Parse one job line (no newline) into rec; used by the reader and tests. */
int cs_swf_parse_line(const char *path, uint32_t lineno, const char *s, size_t len,
		      cs_swf_rec *rec, char *err, size_t errlen);
void cs_swf_free(cs_swf *s);

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
