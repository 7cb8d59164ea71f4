/* capsim: what a live run does to the engine beyond a policy's context
 * (engine_int.h; used by sim/live.c): start a job on nodes an external
 * scheduler names, end a running job now (a cancellation). */
#include "engine_int.h"
#include "live_int.h"

#include <stdio.h>

int cs_live_ctx_waiting(const cs_sched_ctx *c, uint32_t jid)
{
	if (jid >= c->njobs)
		return 0;
	const cs_job *j = &c->jobs[jid];
	return j->start_s < 0 && j->submit_s <= c->now && !(j->flags & CS_JOB_REJECTED);
}

int cs_live_ctx_start_on(cs_sched_ctx *c, uint32_t jid, const uint32_t *nodes, uint32_t n, unsigned how, char *why,
			 size_t len)
{
	const cs_job *j = &c->jobs[jid];
	if (n != j->nodes) {
		snprintf(why, len, "nodes: %u given, the job asks for %u", n, j->nodes);
		return -CS_EINVAL;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (nodes[i] >= c->nnodes) {
			snprintf(why, len, "nodes: node %u is not one of the machine's %u", nodes[i], c->nnodes);
			return -CS_EINVAL;
		}
		/* a node of a type its partition does not hold (the mask has a
		 * bit a type for at most 64 types, else every bit) */
		uint32_t t = cs_alloc_node_type(c->A, nodes[i]);
		if (t < 64 && !(cs_place_mask(c, jid) >> t & 1)) {
			snprintf(why, len, "nodes: node %u is not in the job's partition", nodes[i]);
			return -CS_EINVAL;
		}
		for (uint32_t k = 0; k < i; k++)
			if (nodes[k] == nodes[i]) {
				snprintf(why, len, "nodes: node %u is given twice", nodes[i]);
				return -CS_EINVAL;
			}
	}
	cs_request rq = cs_job_request(j);
	cs_placement p = { c->slots + c->off[jid], j->nodes, 0 };
	int rc = cs_alloc_try_on(c->A, &rq, nodes, n, &p);
	if (rc == -CS_ENOFIT) {
		snprintf(why, len, "nodes: the job does not fit on them now (it would overcommit them)");
		return rc;
	}
	if (rc < 0) {
		snprintf(why, len, "nodes: the allocator refuses them for this job");
		return rc;
	}
	return cs_ctx_commit_start(c, jid, how, 0);
}

void cs_live_ctx_stop(cs_sched_ctx *c, uint32_t jid)
{
	cs_job *j = &c->jobs[jid];
	cs_ctx_run_remove(c, jid);
	cs_ctx_free_resources(c, jid);
	if (c->stop_at)
		c->stop_at[jid] = -1;
	/* its end event, still queued at the old end, then finds end_s
	 * changed and does nothing */
	j->runtime_s = c->now - j->start_s;
	j->end_s = c->now;
	/* a pass now, after the time's ends and submissions: what it held is free */
	if (cs_evq_push(&c->evq, c->now, WAKE_CLASS, EV_WAKE, 0) < 0)
		c->failed = -CS_ENOMEM;
}

cs_alloc *cs_live_ctx_alloc(const cs_sched_ctx *c) { return c->A; }

void cs_live_ctx_clock(cs_sched_ctx *c, cs_time now)
{
	if (now > c->now)
		c->now = now;
}
