/* capsim: the discrete-event engine (sim/engine.c: its loop; the context a
 * policy's pass acts through, include/capsim/sched.h, is sim/ctx.c, with
 * node placement in sim/place.c, the hold's search in sim/hold.c and
 * conservative plans in sim/plan.c).
 *
 * Events: job submission and job end. Order of events at equal times: by
 * the same-time rule (ends first, or submissions first), then by insertion
 * sequence (submissions in (submit time, file order); ends in the order the
 * jobs were started). The scheduler (a policy) runs after events per the
 * pass rule, as documented in docs/conventions.md ("The engine").
 */
#ifndef CAPSIM_ENGINE_H
#define CAPSIM_ENGINE_H

#include "capsim/alloc.h"
#include "capsim/sched.h"

typedef enum { CS_SAME_END_FIRST, CS_SAME_SUBMIT_FIRST } cs_same_time;
typedef enum { CS_PASS_PER_TIME, CS_PASS_PER_EVENT } cs_pass_rule;
typedef enum { CS_SUBMIT_ALWAYS, CS_SUBMIT_IF_FITS } cs_submit_pass;
typedef enum { CS_RELEASE_EVENT, CS_RELEASE_ESTIMATE } cs_release;

typedef struct cs_engine_conv {
	cs_same_time same_time;
	cs_pass_rule pass;
	cs_submit_pass submit_pass;
	cs_release release;
} cs_engine_conv;

typedef struct cs_engine_stats {
	uint64_t events;       /* events handled */
	uint64_t passes;       /* scheduler passes */
	size_t max_queue;      /* most jobs waiting at once */
	uint64_t early_releases; /* jobs counted finished before their end event */
	size_t rejected;       /* jobs the policy refused (cs_ctx_reject) */
	uint64_t wakeups;      /* wakeups policies asked for (cs_ctx_wakeup) */
	uint64_t preemptions;  /* runs stopped by cs_ctx_preempt */
	uint64_t requeues;     /* of which requeued */
	uint64_t signalled;    /* jobs given a grace before their stop (cs_ctx_preempt_after) */
	uint64_t grace_ends;   /* of which ended on their own within it (not stopped, not preemptions) */
	size_t cancelled_waiting; /* jobs cancelled while they waited (cs_cancel): they never ran */
	size_t cancelled_running; /* jobs cancelled while they ran: their runs end then */
	size_t cancels_missed;    /* cancellations that found their job neither waiting nor running */
	uint64_t pass_cpu_ns;     /* the passes' own CPU time (thread CPU clock), only while
				   * cs_engine_time_passes is on; else 0 */
	/* plans made again at another start (cs_ctx_plan: conservative's
	 * reservations that moved, or started before their planned start):
	 * the schedule's own changes, work no pass can skip */
	uint64_t plan_moves;
} cs_engine_stats;

/* An observer of every state change (the recorder, sim/): called by the
 * engine as it makes each change, in order, at O(1) cost to the engine.
 * START comes after the job's placement is filled (node model); END after
 * its resources are given back (which, under --release estimate, may be
 * before its end event: `now` is then the time the engine freed them). */
enum { CS_OBS_SUBMIT, CS_OBS_START, CS_OBS_END, CS_OBS_REJECT, CS_OBS_PASS, CS_OBS_PREEMPT, CS_OBS_CANCEL };
/* PREEMPT: the job was stopped (requeued or killed, see cs_ctx_preempt); its
 * resources are free; no END follows for that run. A killed job has
 * CS_JOB_PREEMPT_KILLED set by then; a requeued one is SUBMITted again
 * after the pass. */
/* CANCEL: the job was cancelled (cs_cancel): one that waited left the
 * queue and never runs; one that ran ended now, its resources free, and no
 * END follows. */
typedef struct cs_observer {
	void *ctx;
	void (*event)(void *ctx, cs_time now, unsigned what, uint32_t jid); /* jid 0 for PASS */
} cs_observer;

/* A cancellation (Slurm's scancel): job jid is cancelled at time t. If it
 * waits then, the policy takes it out of its queue (cs_policy_ops.cancel)
 * and it never starts; if it runs, its run ends then (its runtime cut to
 * t - start), its resources free at once. Either way it is marked
 * CS_JOB_CANCELLED and a pass follows at t. A cancellation is handled
 * after the submissions and ends of its time (a job submitted at t is
 * waiting by then, a job ending at t has ended) and before the pass; one
 * that finds its job neither waiting nor running changes nothing (counted
 * in cs_engine_stats.cancels_missed). A run given cancellations needs a
 * policy with a cancel op (-CS_EINVAL otherwise, before anything runs). */
typedef struct cs_cancel {
	cs_time t;
	uint32_t jid;
} cs_cancel;

/* Replay jobs[0..n) (sorted by submit, as cs_workload_from_swf gives them)
 * on a machine of `procs` processors under the policy. Fills each job's
 * start_s, end_s and reservation_s. Every job must fit the machine. */
int cs_engine_run(cs_job *jobs, size_t n, uint32_t procs, const cs_engine_conv *cv,
		  const cs_policy_ops *ops, void *policy_state, cs_engine_stats *st,
		  char *err, size_t errlen);
/* The same with an observer (NULL: none). */
int cs_engine_run_observed(cs_job *jobs, size_t n, uint32_t procs, const cs_engine_conv *cv,
			   const cs_policy_ops *ops, void *policy_state, const cs_observer *obs,
			   cs_engine_stats *st, char *err, size_t errlen);
/* The same with cancellations cancels[0 .. ncancels) (any order; NULL, 0:
 * none). */
int cs_engine_run_cancels(cs_job *jobs, size_t n, uint32_t procs, const cs_engine_conv *cv,
			  const cs_policy_ops *ops, void *policy_state, const cs_observer *obs,
			  const cs_cancel *cancels, size_t ncancels, cs_engine_stats *st, char *err, size_t errlen);

/* An advance reservation: nodes held for [start, end) (maintenance, an
 * event, a project's dedicated block). Only jobs of `project` (cs_job.group;
 * -1: none, e.g. maintenance) may run on them in that window: any other job
 * whose estimated run [start, start + estimate) would overlap it may not use
 * them, whether it starts now, backfills, or is reserved for later (EASY's
 * hold respects them too). The engine asks for a pass when each ends. */
typedef struct cs_resv {
	const char *name;
	cs_time start, end;
	const uint32_t *nodes;
	uint32_t nnodes;
	int32_t project;
} cs_resv;

/* A node model: jobs ask for nodes x (GPUs, cores, memory) (cs_job.nodes
 * > 0) and are placed by the allocator. A job of partition p may use the
 * node types part_types[part_first[p] .. part_first[p + 1]), tried in that
 * order (cs_alloc_try_types: under the fragmentation-aware fit a one-node
 * job goes to the type whose node that fit ranks best); a job with
 * partition -1 may use any node type. */
struct cs_cluster;

typedef struct cs_node_machine {
	cs_alloc *alloc;           /* empty at the start; the engine places and releases on it */
	uint32_t npartitions;
	const uint32_t *part_first; /* npartitions + 1 entries */
	const int32_t *part_types;
	uint64_t total_gpus;       /* what cs_ctx_total reports (the caller may give cores
				    * for a machine without GPUs) */
	/* Optional, caller-owned: where each job ran. Job j's nodes are
	 * placements[placement_off[j] .. placement_off[j] + jobs[j].nodes), with
	 * placement_off[0] = 0 and placement_off[j + 1] = placement_off[j] +
	 * jobs[j].nodes (the engine fills both). NULL: kept inside the engine. */
	cs_slot *placements;
	size_t *placement_off;
	const cs_observer *obs;    /* optional */
	const cs_resv *resv;       /* advance reservations (optional) */
	size_t nresv;
	const cs_partsets *sets;   /* jobs submitted to several partitions (optional; its base
				    * must be npartitions) */
	/* with sets: a job of several partitions bills where it starts: billing[jid] becomes
	 * cs_cluster_billing_rate(bill_cluster, its partition, ...) at each start (both
	 * optional; the engine's partitions are the cluster's) */
	double *billing;
	const struct cs_cluster *bill_cluster;
	/* the site's power cap (capsim/power.h; optional): a job starts only if the site's
	 * facility power stays at or under it over its estimated run, reservations kept;
	 * one whose draw alone could exceed it is rejected at submission (CS_WAIT_POWERCAP) */
	const struct cs_power_cap *power;
	/* optional: failures take GPUs and nodes down and stop the jobs on them
	 * (capsim/failures.h; the caller's, made for these jobs) */
	struct cs_failsim *fail;
	/* optional: jobs stage their data in and out through storage tiers while
	 * they hold their nodes (capsim/stage.h; the caller's, made for these jobs) */
	struct cs_stagesim *stage;
	/* optional: cancellations (cs_cancel; any order) */
	const cs_cancel *cancels;
	size_t ncancels;
} cs_node_machine;

/* What a node-model job asks the allocator for: its nodes x (GPUs, cores,
 * memory), shared, under its topology rule, on any node type (the caller
 * sets .type to try one). */
static inline cs_request cs_job_request(const cs_job *j)
{
	return (cs_request){ .nodes = j->nodes, .gpus_per_node = (uint16_t)j->gpus_per_node,
			     .cores_per_node = j->cores_per_node, .mem_per_node_mib = j->mem_per_node_mib,
			     .topo = j->topo, .max_leaves = j->max_leaves, .type = -1 };
}

/* With on != 0, node-model runs keep nothing between passes and search
 * the straightforward way: every hold over every node and running job,
 * trying each of their ends; every request shape's fit found again in each
 * pass; every conservative plan searched again once anything freed
 * capacity, every plan kept off a new job's placement. The same schedules
 * (docs/performance.md); for comparing the two. Call before any run; the
 * capsim binary calls it when the environment sets CAPSIM_ENGINE_PLAIN. */
void cs_engine_plain(int on);

/* With on != 0, every run adds the CPU time of each scheduler pass (the
 * policy's pass and the starts it asks for, from the thread's CPU clock)
 * to its stats' pass_cpu_ns: the pass's own cost, without reading the
 * workload or handling events. Two clock reads a pass (a pass the live
 * service defers is not counted); off by default.
 * For benchmarks (bench_backlog). */
void cs_engine_time_passes(int on);

/* As cs_engine_run, on a node model. Every job must have nodes > 0 and fit
 * the empty machine. A job of a partition set (m->sets) leaves the run with
 * the partition it started in. */
int cs_engine_run_nodes(cs_job *jobs, size_t n, const cs_node_machine *m, const cs_engine_conv *cv,
			const cs_policy_ops *ops, void *policy_state, cs_engine_stats *st,
			char *err, size_t errlen);

#endif
