/* capsim: readers of published GPU-cluster traces into a cs_trace
 * (sim/fmt_helios.c, sim/fmt_pai.c). The mapping rules are in
 * docs/gputrace.md; in short:
 *
 * SenseTime Helios (HeliosData, SC'21), cluster_log.csv: one record per
 * job; header required, columns by name; dates "YYYY-MM-DD HH:MM:SS" taken
 * as UTC; vc -> project, gpu_num and cpu_num spread over node_num nodes
 * (rounded up per node, counted).
 *
 * Alibaba PAI (cluster-trace-gpu-v2020), pai_task_table.csv: one record per
 * task; with or without the header row; an instance is a node; plan_gpu and
 * plan_cpu in percent (rounded up to whole GPUs and cores, counted),
 * plan_mem in GiB; the task's launch time is its submit time.
 *
 * Both read plain or gzip files, start from an empty trace (cs_trace_init),
 * keep file order, set epoch to the earliest submission (submit_s relative
 * to it) and record "source", "format", "epoch" and one counter per
 * documented default or skip as metadata. They return 0, or -CS_EIO (file),
 * -CS_ENOMEM, or -CS_EPARSE with "FILE:LINE: column NAME: reason" in err;
 * on failure the trace is left empty.
 */
#ifndef CAPSIM_GPUTRACE_H
#define CAPSIM_GPUTRACE_H

#include <stddef.h>

#include "capsim/trace.h"

int cs_helios_read(cs_trace *t, const char *path, char *err, size_t errlen);
int cs_pai_read(cs_trace *t, const char *path, char *err, size_t errlen);

#endif
