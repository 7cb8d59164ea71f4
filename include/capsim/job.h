/* capsim: the job record (plain data). */
#ifndef CAPSIM_JOB_H
#define CAPSIM_JOB_H

#include "capsim/types.h"

#include <stddef.h>

enum {
	CS_JOB_KILLED = 1u << 0,         /* runtime was cut at the requested time */
	CS_JOB_SIZE_FALLBACK = 1u << 1,  /* chosen size field was -1: used the other */
	CS_JOB_REQTIME_FALLBACK = 1u << 2, /* requested time was missing: used runtime */
	CS_JOB_BACKFILLED = 1u << 3,     /* started while not at the head of the queue */
	CS_JOB_RELEASED = 1u << 4,       /* engine-internal: resources already returned */
	CS_JOB_OVERRAN = 1u << 5,        /* trace runtime exceeded the requested time */
	CS_JOB_DROP_REQTIME = 1u << 6,   /* workload-internal: to drop (no requested time) */
	CS_JOB_PYSS_CLAMP = 1u << 7,     /* workload-internal: cut size to the machine */
	CS_JOB_REJECTED = 1u << 8,       /* the policy refused it: it never runs (reason says why) */
	CS_JOB_PREEMPT_KILLED = 1u << 9, /* ended early: preempted with CS_PREEMPT_KILL */
	/* How the trace says the job ended (the trace's state: failed, node_fail or
	 * out_of_memory; cancelled or preempted; timeout; SWF status 0 or 5), for
	 * the outputs: the simulation still runs it for its recorded run time. */
	CS_JOB_TRACE_FAILED = 1u << 10,
	CS_JOB_TRACE_CANCELLED = 1u << 11,
	CS_JOB_TRACE_TIMEOUT = 1u << 12,
	CS_JOB_NODE_FAIL = 1u << 13,     /* ended early: a failure stopped it and it was not requeued
					  * (capsim/failures.h) */
	CS_JOB_CANCELLED = 1u << 14      /* cancelled (cs_cancel, capsim/engine.h): while it waited, it
					  * never starts (start_s -1, end_s the cancellation's time); while
					  * it ran, its run ends then */
};

typedef struct cs_job {
	/* input, fixed before the run */
	int64_t id;            /* job number from the trace */
	cs_time submit_s;      /* submission time, seconds */
	cs_time runtime_s;     /* runtime the simulation uses (after the walltime rule) */
	cs_time trace_runtime_s; /* runtime as recorded in the trace */
	cs_time estimate_s;    /* what the scheduler believes the runtime is */
	cs_time reqtime_s;     /* requested time from the trace, -1 if missing */
	uint32_t size;         /* processors; on a node model: GPUs (nodes x gpus_per_node), or
				* cores for a CPU-only job */
	/* On a node model (GPU workloads on a cluster config), what each of
	 * `nodes` nodes must give the job; nodes == 0 for a pooled-processor job. */
	uint32_t nodes;
	uint32_t gpus_per_node;
	uint32_t cores_per_node;
	uint32_t mem_per_node_mib;
	uint32_t line;         /* line in the source file */
	int32_t user, group, queue, partition; /* on a node model: user, project, QoS and
						* cluster partition (-1: any) indices; a partition
						* past the cluster's is a GPU job's list of node
						* types (capsim/gpumap.h), and one past those a
						* set of partitions (cs_partsets) until the job
						* starts: then the one it started in */
	uint32_t flags;        /* CS_JOB_* */
	/* results, filled by the engine */
	cs_time start_s, end_s;  /* -1 until set */
	cs_time reservation_s;   /* first reservation the policy gave it as head, -1 if none */
	uint8_t reason;          /* last pending reason, CS_WAIT_* (CS_WAIT_NONE if it never waited) */
	/* input on a node model, in what was padding (the layout of ABI 2 is
	 * unchanged): where its nodes may lie, cs_topo_rule of capsim/alloc.h
	 * (0: anywhere) and, for at most k leaf switches, k */
	uint8_t topo;
	uint16_t max_leaves;
	uint32_t preemptions;    /* times it was preempted (requeued or killed) */
	cs_time preempted_s;     /* seconds it ran in runs that a requeue threw away */
} cs_job;

/* Did job j leave the queue without running (the policy rejected it, or it
 * was cancelled while it waited)? Such a job is counted apart from the
 * metrics. */
static inline int cs_job_never_ran(const cs_job *j)
{
	return (j->flags & CS_JOB_REJECTED) || ((j->flags & CS_JOB_CANCELLED) && j->start_s < 0);
}

_Static_assert(offsetof(cs_job, topo) == offsetof(cs_job, reason) + 1 &&
		       offsetof(cs_job, preemptions) == offsetof(cs_job, reason) + 4,
	       "the topology fields sit in the padding after reason");

/* Jobs submitted to several partitions (Slurm's --partition=a,b), a plain
 * table per run: a job whose partition is base + s (s < n) may run in any
 * one of set s's partitions, parts[first[s] .. first[s + 1]), in the order
 * the job lists them (2 to CS_PARTSET_MAX of them, each below base). base
 * is the engine's partition count (the cluster's, then the GPU rules'
 * node-type lists), so every single-partition index keeps its meaning.
 * When the job starts, its partition becomes the one it started in. */
#define CS_PARTSET_MAX 64
typedef struct cs_partsets {
	uint32_t base;
	uint32_t n;
	uint32_t *first;  /* n + 1 */
	int32_t *parts;
} cs_partsets;

/* Set s of job partition p, or -1 if p is not a set. */
static inline int32_t cs_partset_of(const cs_partsets *ps, int32_t p)
{
	if (!ps || p < 0 || (uint32_t)p < ps->base || (uint32_t)p - ps->base >= ps->n)
		return -1;
	return (int32_t)((uint32_t)p - ps->base);
}

/* Why a job waited, as Slurm's reason codes: the last one a pass gave it.
 * PRIORITY: jobs ahead of it come first; RESOURCES: it is next, but not
 * enough is free; CPU_LIMIT: its account is at its running-processor limit
 * (Slurm's AssocGrpCpuLimit); JOBS_LIMIT: at its running-job limit
 * (AssocMaxJobsLimit); SUBMIT_LIMIT: rejected, its account had too many jobs
 * (AssocMaxSubmitJobLimit); BUDGET: its account's processor-time budget for
 * the period cannot cover the job (AssocGrpCPUMinutesLimit); RESERVATION:
 * it is next and would fit but for an advance reservation's nodes (the
 * engine turns a policy's RESOURCES into it). GRES_LIMIT and GRES_BUDGET:
 * the same two account limits stated in GPUs and GPU-hours (Slurm's
 * AssocGrpGRES and AssocGrpGRESMinutes). */
enum { CS_WAIT_NONE, CS_WAIT_PRIORITY, CS_WAIT_RESOURCES, CS_WAIT_CPU_LIMIT, CS_WAIT_JOBS_LIMIT,
       CS_WAIT_SUBMIT_LIMIT, CS_WAIT_BUDGET, CS_WAIT_RESERVATION, CS_WAIT_GRES_LIMIT, CS_WAIT_GRES_BUDGET,
       /* the other association limits of the accounts file (docs/fairshare.md#limits), by
	* Slurm's names: AssocGrpMemLimit, AssocGrpNodeLimit, AssocGrpBilling; the same per
	* budget period (AssocGrpMemMinutes, AssocGrpNodeMinutes, AssocGrpBillingMinutes);
	* AssocGrpJobsLimit, AssocGrpSubmitJobsLimit; a job larger than its association
	* allows (AssocMaxCpuPerJobLimit, AssocMaxMemPerJob, AssocMaxNodePerJobLimit,
	* AssocMaxGRESPerJob, AssocMaxBillingPerJob) */
       CS_WAIT_MEM_LIMIT, CS_WAIT_NODE_LIMIT, CS_WAIT_BILLING_LIMIT, CS_WAIT_MEM_BUDGET, CS_WAIT_NODE_BUDGET,
       CS_WAIT_BILLING_BUDGET, CS_WAIT_GRP_JOBS, CS_WAIT_GRP_SUBMIT, CS_WAIT_MAX_CPU_PER_JOB,
       CS_WAIT_MAX_MEM_PER_JOB, CS_WAIT_MAX_NODE_PER_JOB, CS_WAIT_MAX_GRES_PER_JOB, CS_WAIT_MAX_BILLING_PER_JOB,
       /* the site's power cap (capsim/power.h) keeps it waiting: its nodes were free but the
	* power was not; or rejected at submission, its draw alone over the cap (Slurm's
	* nearest reason is PowerNotAvail) */
       CS_WAIT_POWERCAP,
       CS_WAIT_N };
extern const char *const cs_wait_names[CS_WAIT_N];

#endif
