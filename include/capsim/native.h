/* capsim: capsim's native CSV workload format (sim/native.c), read and
 * written; its columns are in docs/workloads.md. */
#ifndef CAPSIM_NATIVE_H
#define CAPSIM_NATIVE_H

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

#endif
