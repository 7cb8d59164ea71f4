/* capsim: jobs for a node model from a cs_trace. See workload.h. */
#include "capsim/trace.h"
#include "capsim/workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_job(const void *a, const void *b)
{
	const cs_job *x = a, *y = b;
	if (x->submit_s != y->submit_s)
		return x->submit_s < y->submit_s ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static uint32_t state_flags(uint8_t state)
{
	switch (state) {
	case CS_STATE_FAILED:
	case CS_STATE_NODE_FAIL:
	case CS_STATE_OUT_OF_MEMORY:
		return CS_JOB_TRACE_FAILED;
	case CS_STATE_CANCELLED:
	case CS_STATE_PREEMPTED:
		return CS_JOB_TRACE_CANCELLED;
	case CS_STATE_TIMEOUT:
		return CS_JOB_TRACE_TIMEOUT;
	default:
		return 0;
	}
}

int cs_workload_from_trace(const cs_trace *t, const cs_workload_conv *cv,
			   const char *const *partition_names, size_t npartitions, const int32_t *gpu_part,
			   cs_fits_fn fits, void *fits_ctx,
			   cs_job **jobs, size_t *njobs, cs_workload_stats *st, char *err, size_t errlen)
{
	memset(st, 0, sizeof *st);
	*jobs = NULL;
	*njobs = 0;
	/* trace partition index -> cluster partition index, or -1 */
	int32_t *pmap = malloc((t->partitions.n + 1) * sizeof *pmap);
	cs_job *out = malloc((t->n + 1) * sizeof *out);
	if (!pmap || !out) {
		free(pmap);
		free(out);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	for (size_t i = 0; i < t->partitions.n; i++) {
		pmap[i] = -1;
		for (size_t k = 0; k < npartitions; k++)
			if (strcmp(t->partitions.v[i], partition_names[k]) == 0)
				pmap[i] = (int32_t)k;
	}
	size_t n = 0;
	cs_time prev = INT64_MIN;
	for (size_t i = 0; i < t->n; i++) {
		const cs_jrec *r = &t->jobs[i];
		/* every reader bounds its times; this holds for any trace */
		const char *big = r->submit_s > CS_TIME_LIMIT ? "submit" : r->runtime_s > CS_TIME_LIMIT ? "runtime"
				  : r->time_limit_s > CS_TIME_LIMIT ? "time_limit" : NULL;
		if (big) {
			const char *src = cs_trace_meta_get(t, "source");
			snprintf(err, errlen, "%s:%u: %s: more than 2^40 s (about 34,800 years), capsim's limit for a time",
				 src ? src : "workload", r->line, big);
			free(pmap);
			free(out);
			return -CS_EPARSE;
		}
		st->records++;
		if (r->submit_s < prev)
			st->unsorted++;
		prev = r->submit_s;
		if (r->submit_s < 0) {
			st->dropped[CS_DROP_NEGATIVE_SUBMIT]++;
			continue;
		}
		if (r->runtime_s <= 0) {
			st->dropped[CS_DROP_RUNTIME]++;
			continue;
		}
		if (r->nodes == 0) {
			st->dropped[CS_DROP_SIZE]++;
			continue;
		}
		uint32_t cores = r->cores_per_node ? r->cores_per_node : (r->gpus_per_node ? 0 : 1);
		uint64_t mem = r->mem_per_node_mib;
		int32_t part = r->partition >= 0 ? pmap[r->partition] : -1;
		int any_partition = part < 0, held = 0;
		if (any_partition && r->gpus_per_node && gpu_part) {
			part = gpu_part[r->partition >= 0 ? (size_t)r->partition : t->partitions.n];
			held = part >= 0;
		}
		cs_job j = { .id = r->id, .submit_s = r->submit_s, .trace_runtime_s = r->runtime_s,
			     .reqtime_s = r->time_limit_s, .line = r->line, .nodes = r->nodes,
			     .gpus_per_node = r->gpus_per_node, .cores_per_node = cores,
			     .mem_per_node_mib = mem > UINT32_MAX ? UINT32_MAX : (uint32_t)mem,
			     .user = r->user, .group = r->project, .queue = r->qos,
			     .partition = part,
			     .start_s = -1, .end_s = -1, .reservation_s = -1, .topo = r->topo,
			     .max_leaves = r->max_leaves, .flags = state_flags(r->state) };
		uint64_t size = r->gpus_per_node ? (uint64_t)r->nodes * r->gpus_per_node
						 : (uint64_t)r->nodes * cores;
		j.size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
		if (mem > UINT32_MAX || !fits(fits_ctx, &j)) {
			/* the first rule it breaks: its topology, its GPUs' kind, its size */
			cs_job any = j;
			any.topo = 0;
			any.max_leaves = 0;
			int why = CS_DROP_TOO_LARGE;
			if (mem <= UINT32_MAX && j.topo && fits(fits_ctx, &any)) {
				why = CS_DROP_TOPOLOGY;
			} else if (mem <= UINT32_MAX && held) {
				any.partition = -1;
				if (fits(fits_ctx, &any))
					why = CS_DROP_GPU_KIND;
			}
			st->dropped[why]++;
			continue;
		}
		st->any_partition += any_partition;
		st->gpu_held += held;
		if (r->time_limit_s <= 0) {
			if (cv->missing_reqtime == CS_MISSING_DROP) {
				st->dropped[CS_DROP_REQTIME]++;
				continue;
			}
			st->reqtime_fallback++;
			j.flags |= CS_JOB_REQTIME_FALLBACK;
		}
		j.runtime_s = r->runtime_s;
		if (r->time_limit_s > 0 && r->runtime_s > r->time_limit_s) {
			st->overran++;
			j.flags |= CS_JOB_OVERRAN;
			if (cv->overrun == CS_OVERRUN_KILL) {
				j.runtime_s = r->time_limit_s;
				j.flags |= CS_JOB_KILLED;
				st->killed++;
			}
		}
		/* the estimate: the time limit; the runtime when exact, when the
		 * limit is unknown, or when --overrun raise lifts it to a longer run */
		j.estimate_s = cv->estimates == CS_EST_EXACT || r->time_limit_s <= 0 ||
			       (cv->overrun == CS_OVERRUN_RAISE && j.runtime_s > r->time_limit_s)
			? j.runtime_s : r->time_limit_s;
		out[n++] = j;
	}
	free(pmap);
	qsort(out, n, sizeof *out, cmp_job);
	*jobs = out;
	*njobs = n;
	return 0;
}
