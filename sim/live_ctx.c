/* capsim: what a live run does to the engine beyond a policy's context
 * (engine_int.h; used by sim/live.c): start a job on nodes an external
 * scheduler names. */
#include "engine_int.h"
#include "live_int.h"

#include <stdio.h>

int cs_live_ctx_waiting(const cs_sched_ctx *c, uint32_t jid) { return !cs_ctx_not_waiting(c, jid); }

/* A job of set s (several partitions) runs in one of them: the first, in
 * its order, whose node types hold every one of nodes[0..n), or -1. */
static int32_t set_partition_of(const cs_sched_ctx *c, int32_t s, const uint32_t *nodes, uint32_t n)
{
	const cs_partsets *ps = c->sets;
	uint32_t k = ps->first[s + 1] - ps->first[s];
	uint64_t which = k < 64 ? (1ull << k) - 1 : ~0ull;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t on = 0;
		for (uint32_t m = 0; m < k; m++)
			if (cs_place_member(c, s, 1ull << m, nodes[i]) == (int)m)
				on |= 1ull << m;
		which &= on;
	}
	return which ? ps->parts[ps->first[s] + (uint32_t)__builtin_ctzll(which)] : -1;
}

int cs_live_ctx_start_on(cs_sched_ctx *c, uint32_t jid, const uint32_t *nodes, uint32_t n, unsigned how, char *why,
			 size_t len)
{
	cs_job *j = &c->jobs[jid];
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
	int32_t s = cs_partset_of(c->sets, j->partition), part = j->partition;
	if (s >= 0 && (part = set_partition_of(c, s, nodes, n)) < 0) {
		snprintf(why, len, "nodes: a job of several partitions runs in one of them: none of its partitions "
			 "holds all these nodes");
		return -CS_EINVAL;
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
	j->partition = part; /* the one it starts in (commit bills it there) */
	return cs_ctx_commit_start(c, jid, how, 0);
}

cs_alloc *cs_live_ctx_alloc(const cs_sched_ctx *c) { return c->A; }

