/* capsim: capsim's native CSV workload format (sim/native.c), read and
 * written; its columns are in docs/workloads.md. */
#ifndef CAPSIM_NATIVE_H
#define CAPSIM_NATIVE_H

#include <stdint.h>
#include <stdio.h>

#include "capsim/trace.h"

/* The most GPUs and cores per node the format accepts: a reader of another
 * format holds its records to them, so that every trace it reads writes
 * back. */
#define CS_NATIVE_MAX_GPUS_PER_NODE 1024
#define CS_NATIVE_MAX_CORES_PER_NODE (1 << 20)

/* Read into t (empty, from cs_trace_init). A partition a|b (a job
 * submitted to several partitions) is held as Slurm spells it, "a,b".
 * Errors: "FILE:LINE: column NAME: reason", -CS_EPARSE. */
int cs_native_read(cs_trace *t, const char *path, char *err, size_t errlen);
/* Writes t->epoch as "# epoch: N" (when non-zero and not already in the
 * metadata), and a partition list "a,b" as a|b. -CS_EINVAL if a name holds
 * a comma (a partition: a '|') or a line break (the format has no
 * quoting), -CS_EIO on a write error. */
int cs_native_write(const cs_trace *t, FILE *f);
/* t made what cs_native_write then cs_native_read would give back, without
 * the file: the names renumbered in the order the records first use them
 * (names no record uses dropped, "" as none), each record's line number in
 * the file, the epoch as its "# epoch" line, and every value the format
 * writes one way as it reads back (no start column when no job has a
 * start; topology and staging as their columns hold them). 0; -CS_EINVAL
 * with err for a trace the reader would refuse or change otherwise (a name
 * or metadata the format cannot hold, a value out of a column's range, a
 * duplicate id): write it out and read it back instead, for the reader's
 * own verdict; -CS_ENOMEM. */
int cs_native_as_read(cs_trace *t, char *err, size_t errlen);
/* A stage_in_gb / stage_out_gb value (decimal GB, 10^9 bytes, below 10^9
 * GB, at most 9 decimals) in bytes: 0, or -1 if it is not one. */
int cs_native_gb(const char *v, int64_t *bytes);
/* bytes as the column writes them (GB, no trailing zeros: "1.5", "0"). */
const char *cs_native_gb_text(int64_t bytes, char *buf, size_t len);
/* A topology column's value: empty or "any", "leaf", "leaves:K" (K >= 1;
 * 1 is "leaf"), "block", as a cs_topo_rule (capsim/alloc.h) and K. 0, or
 * -1 if it is none of these. */
int cs_native_topology(const char *v, uint8_t *rule, uint16_t *k);
/* The column's value for a rule and K ("" for any; buf for leaves:K). */
const char *cs_native_topology_text(uint8_t rule, uint16_t k, char *buf, size_t len);

#endif
