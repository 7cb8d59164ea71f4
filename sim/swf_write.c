/* capsim: writing a trace as SWF. See include/capsim/swf.h. */
#include "capsim/swf.h"
#include "capsim/trace.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void header_names(FILE *f, const char *what, const cs_names *ns)
{
	if (!ns->n)
		return;
	fprintf(f, "; Note: %s numbers are 1-based indices of:", what);
	for (size_t i = 0; i < ns->n; i++)
		fprintf(f, "%s %zu=%s", i ? "," : "", i + 1, ns->v[i]);
	fputc('\n', f);
}

static uint64_t procs_of(const cs_jrec *r)
{
	uint64_t per = r->gpus_per_node ? r->gpus_per_node : r->cores_per_node ? r->cores_per_node : 1;
	return (uint64_t)r->nodes * per;
}

int cs_swf_write(const cs_trace *t, FILE *f)
{
	uint64_t max_procs = 0;
	uint32_t max_nodes = 0;
	for (size_t i = 0; i < t->n; i++) {
		uint64_t p = procs_of(&t->jobs[i]);
		if (p > max_procs)
			max_procs = p;
		if (t->jobs[i].nodes > max_nodes)
			max_nodes = t->jobs[i].nodes;
	}
	fputs("; Version: 2.2\n; Computer: written by capsim (processors = GPUs for GPU jobs, else cores)\n", f);
	if (t->epoch)
		fprintf(f, "; UnixStartTime: %lld\n", (long long)t->epoch);
	fprintf(f, "; MaxJobs: %zu\n; MaxRecords: %zu\n", t->n, t->n);
	/* the machine's size, as the source SWF header gave it, else the
	 * largest job's */
	const char *mp = cs_trace_meta_get(t, "swf_max_procs"), *mn = cs_trace_meta_get(t, "swf_max_nodes");
	if (mp)
		fprintf(f, "; MaxProcs: %s\n", mp);
	else
		fprintf(f, "; MaxProcs: %" PRIu64 "\n", max_procs);
	if (mn)
		fprintf(f, "; MaxNodes: %s\n", mn);
	else
		fprintf(f, "; MaxNodes: %" PRIu32 "\n", max_nodes);
	for (size_t i = 0; i < t->meta_keys.n; i++)
		if (strncmp(t->meta_keys.v[i], "swf_max_", 8) != 0)
			fprintf(f, "; Note: %s: %s\n", t->meta_keys.v[i], t->meta_vals.v[i]);
	header_names(f, "user", &t->users);
	header_names(f, "group (project)", &t->projects);
	header_names(f, "queue (QoS)", &t->qos);
	header_names(f, "partition", &t->partitions);
	for (size_t i = 0; i < t->n; i++) {
		const cs_jrec *r = &t->jobs[i];
		uint64_t p = procs_of(r);
		long long mem = r->mem_per_node_mib && p ? (long long)(r->mem_per_node_mib * 1024 * r->nodes / p) : -1;
		int status = r->state == CS_STATE_COMPLETED ? 1 : r->state == CS_STATE_FAILED ? 0
			     : r->state == CS_STATE_CANCELLED ? 5 : -1;
		fprintf(f, "%" PRId64 " %lld %lld %lld %" PRIu64 " -1 -1 %" PRIu64 " %lld %lld %d %d %d -1 %d %d -1 -1\n",
			r->id, (long long)r->submit_s, (long long)(r->start_s >= 0 ? r->start_s - r->submit_s : -1),
			(long long)r->runtime_s, p, p, (long long)r->time_limit_s, mem, status,
			r->user >= 0 ? r->user + 1 : -1, r->project >= 0 ? r->project + 1 : -1,
			r->qos >= 0 ? r->qos + 1 : -1, r->partition >= 0 ? r->partition + 1 : -1);
	}
	return ferror(f) ? -CS_EIO : 0;
}
