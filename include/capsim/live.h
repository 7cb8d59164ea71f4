/* capsim: a live run (sim/live.c): the engine of `capsim run` on a cluster
 * config's node model, driven in steps while jobs keep arriving. What
 * `capsim serve` puts behind a socket (capsim/serve.h).
 *
 * The clock: every event before `now` has happened, none at or after it.
 * A job may be submitted at `now` or later (never in the past), in any
 * order; advancing to T handles every event before T, each time's pass
 * after its events, exactly as a batch run of the same jobs would.
 *
 * Jobs arrive while the run goes on, but a policy sizes and keys its
 * indexes on the whole job table when it starts (capsim/sched.h). So a
 * new job makes the run start again from time 0 over the larger table, at
 * the next advance (the "rebuild"); the past it replays is checked against
 * what already happened (every start, end and placement before now), so a
 * policy whose past would change with a later job is reported, never
 * hidden. What a rebuild replays: the submissions, the cancellations (as
 * events at their times) and an external scheduler's decisions (at their
 * passes). Its cost is the run so far; advancing without new jobs
 * costs only the events handled.
 *
 * Errors: 0 or -CS_E* with "FIELD: what is wrong" in err (FIELD a job
 * field or a request's), nothing changed.
 */
#ifndef CAPSIM_LIVE_H
#define CAPSIM_LIVE_H

#include "capsim/alloc.h"
#include "capsim/engine.h"
#include "capsim/run.h"
#include "capsim/workload.h"

typedef struct cs_live cs_live;

#define CS_LIVE_MAX_JOBS_DEFAULT 1000000u

typedef struct cs_live_opts {
	const char *cluster;          /* config, "default" (NULL) or a slurm.conf */
	const char *policy;           /* built-in name or a .so; ignored with external */
	size_t nparams;               /* policy parameters KEY=VAL */
	const char *keys[CS_MAX_PARAMS], *vals[CS_MAX_PARAMS];
	int external;                 /* 1: every pass waits for cs_live_decide */
	const char *accounts;         /* accounts file for the policy, or NULL */
	cs_fit fit;
	cs_workload_conv wconv;       /* how a submission becomes a job (capsim's rules) */
	cs_engine_conv econv;
	size_t max_jobs;              /* submissions accepted in all (CS_LIVE_MAX_JOBS_DEFAULT) */
} cs_live_opts;

void cs_live_opts_default(cs_live_opts *o);

/* A submission: the columns of capsim's CSV (docs/workloads.md). */
typedef struct cs_live_job {
	int64_t id;                   /* -1: the next free number (one more than the largest yet) */
	cs_time submit_s;             /* -1: now */
	uint32_t nodes, gpus_per_node, cores_per_node;
	uint64_t mem_per_node_mib;
	cs_time time_limit_s;         /* -1: unknown (the run time is the estimate) */
	cs_time runtime_s;            /* how long it runs once started (> 0) */
	const char *project, *user, *qos, *partition; /* NULL or "": none */
	int state;                    /* cs_state: how the trace says it ended (outputs only) */
	uint8_t topo;                 /* cs_topo_rule */
	uint16_t max_leaves;
} cs_live_job;

/* A job as a query sees it. */
typedef enum { CS_LIVE_PENDING, CS_LIVE_WAITING, CS_LIVE_RUNNING, CS_LIVE_DONE, CS_LIVE_CANCELLED,
	       CS_LIVE_REJECTED, CS_LIVE_NSTATES } cs_live_state;
/* "pending" (submitted for a time not reached), "waiting", "running", "done", "cancelled", "rejected" */
extern const char *const cs_live_state_names[CS_LIVE_NSTATES];

typedef struct cs_live_info {
	int64_t id;
	cs_live_state state;
	cs_time submit_s, start_s, end_s; /* -1 until known; a running job's end is the one it will have */
	cs_time estimate_s, runtime_s, reservation_s;
	uint32_t nodes, gpus_per_node, cores_per_node, mem_per_node_mib;
	const char *reason;           /* why it waits (cs_wait_names) */
	const char *project, *user, *qos, *partition; /* "" for none */
	const cs_slot *slots;         /* running or done: where (nodes entries), else NULL */
} cs_live_info;

int cs_live_new(cs_live **out, const cs_live_opts *o, char *err, size_t errlen);
void cs_live_free(cs_live *L);

cs_time cs_live_now(const cs_live *L);
/* Submit; *id the job's id. -CS_EINVAL for a bad field or a job that
 * could not run on the empty machine. */
int cs_live_submit(cs_live *L, const cs_live_job *j, int64_t *id, char *err, size_t errlen);
/* Cancel job `id`: one submitted for a time not reached is dropped;
 * otherwise the run gets a cancellation at now (cs_cancel, capsim/engine.h,
 * handled when the clock moves): a waiting job leaves the queue, a running
 * one ends now. -CS_EINVAL for a job that has ended, one whose run ends at
 * now, a waiting job under a policy without a cancel op (cs_policy_ops),
 * or while a pass waits for the external scheduler. */
int cs_live_cancel(cs_live *L, int64_t id, char *err, size_t errlen);
/* Handle every event before `until` (> now, at most CS_TIME_LIMIT): 0;
 * 1 if a pass waits for the external scheduler (now is then the pass's
 * time + 1: cs_live_decide, then advance again); -CS_E*. */
int cs_live_advance(cs_live *L, cs_time until, char *err, size_t errlen);
/* When the next event happens (CS_TIME_MAX: none), after any rebuild. */
int cs_live_next_event(cs_live *L, cs_time *t, char *err, size_t errlen);
/* 1 if a pass waits for the external scheduler. */
int cs_live_waiting_pass(const cs_live *L);
/* The passes made so far (the number of the one waiting, if one is). */
uint64_t cs_live_passes(const cs_live *L);

/* Queries: 0, or -CS_EINVAL for an unknown id. */
int cs_live_info_of(const cs_live *L, int64_t id, cs_live_info *out);
/* Waiting jobs in submission order; running jobs in order of start.
 * ids[] filled up to max; returns how many there are. */
size_t cs_live_waiting(const cs_live *L, int64_t *ids, size_t max);
size_t cs_live_running(const cs_live *L, int64_t *ids, size_t max);
/* Jobs submitted in all (any state). */
size_t cs_live_njobs(const cs_live *L);

/* The machine. */
typedef struct cs_live_usage {
	uint64_t gpus, gpus_busy, cores, cores_busy;
	uint32_t nodes, nodes_busy;   /* busy: holding any job */
	size_t waiting, running;
} cs_live_usage;
void cs_live_usage_of(const cs_live *L, cs_live_usage *u);
uint32_t cs_live_nnodes(const cs_live *L);
/* Node n's name (`TYPE-K`, docs/hostlist) into buf; its free GPUs, cores,
 * memory now; its type's totals. */
void cs_live_node(const cs_live *L, uint32_t n, char *buf, size_t len, uint32_t *free_gpus, uint32_t *free_cores,
		  uint32_t *free_mem_mib, uint32_t *gpus, uint32_t *cores, uint32_t *mem_mib);
/* The nodes of slots[0..n) as a Slurm host list into buf (capsim/hostlist.h):
 * the length it needs, or -CS_ENOMEM. */
long cs_live_node_list(const cs_live *L, const cs_slot *slots, uint32_t n, char *buf, size_t len);
/* Node index by name, or -1. */
int64_t cs_live_node_find(const cs_live *L, const char *name);
const char *cs_live_cluster_name(const cs_live *L);
const char *cs_live_cluster_spec(const cs_live *L); /* as opts.cluster gave it ("default") */
const char *cs_live_policy_name(const cs_live *L);

/* Every change to a job as it happens (muted during rebuilds' replays):
 * what is CS_OBS_SUBMIT, START, END, REJECT, PREEMPT (capsim/engine.h) or
 * CS_LIVE_OBS_CANCEL. */
enum { CS_LIVE_OBS_CANCEL = 100 };
typedef void (*cs_live_observer)(void *ctx, cs_time now, unsigned what, int64_t id);
void cs_live_observe(cs_live *L, cs_live_observer fn, void *ctx);

/* --- an external scheduler (opts.external) ---
 * At every pass with jobs waiting the run stops (cs_live_advance returns
 * 1); the scheduler reads the queue and the free resources (the queries
 * above) and answers with decisions, applied in order, each refused with
 * its reason and no effect if invalid. done != 0 ends the pass. */
typedef enum { CS_LIVE_START, CS_LIVE_REJECT, CS_LIVE_RESERVE, CS_LIVE_PENDING_REASON } cs_live_verb;
typedef struct cs_live_decision {
	cs_live_verb verb;
	int64_t id;
	unsigned how;                 /* START: CS_START_HEAD, or CS_START_BACKFILL (jobs.csv's backfilled) */
	const uint32_t *nodes;        /* START: exactly these nodes (node indices), or NULL: the allocator's */
	uint32_t nnodes;
	cs_time time;                 /* RESERVE: when */
	unsigned reason;              /* PENDING_REASON: CS_WAIT_* */
} cs_live_decision;
/* Apply d[0..n) to the waiting pass; ok[i] 1 if applied, else why[i]
 * holds the reason (CS_ERRLEN bytes each). With stop_at_refusal, the
 * decisions after the first refused one are not tried (ok 0, why
 * "skipped"). Returns how many were applied, or -CS_EINVAL if no pass
 * waits. */
int cs_live_decide(cs_live *L, const cs_live_decision *d, size_t n, int stop_at_refusal, int done, uint8_t *ok,
		   char (*why)[CS_ERRLEN], char *err, size_t errlen);

/* --- what-if ---
 * When would job j start if it were submitted (at j->submit_s, else now)?
 * A copy of the run goes forward until it starts (the live run does not
 * change). *start, or -1 if it would never (a policy rejected it); *end. */
int cs_live_whatif(cs_live *L, const cs_live_job *j, cs_time *start, cs_time *end, char *err, size_t errlen);

/* --- state on disk (JSON; docs/serve.md) ---
 * Everything a rebuild replays, and now: restored into a run made with
 * the same options, it continues exactly as the saved one would. */
int cs_live_save(cs_live *L, const char *path, char *err, size_t errlen);
int cs_live_restore(cs_live *L, const char *path, char *err, size_t errlen);

/* --- outputs ---
 * The run so far as a batch run's result (summary.json, jobs.csv and
 * batsim_jobs.csv through cs_run_write_outputs; trace_line is a job's
 * submission number + 1: its line in a capsim CSV of the submissions in
 * order). Free with cs_run_result_free. */
int cs_live_result(cs_live *L, cs_run_result *r, char *err, size_t errlen);

/* --- a twin of a real cluster ---
 * Replace the whole state by a snapshot at time now: running jobs (start
 * time, time limit, nodes by index: pinned where they are, ending at
 * their limit) and waiting jobs, in the order given, all submitted at
 * now. */
typedef struct cs_live_snap_job {
	cs_live_job job;              /* runtime_s: its time limit (what it may still run) */
	int running;
	cs_time start_s;              /* running: when it started */
	const uint32_t *nodes;        /* running: its nodes */
	uint32_t nnodes;
} cs_live_snap_job;
int cs_live_load_snapshot(cs_live *L, cs_time now, const cs_live_snap_job *jobs, size_t n, char *err,
			  size_t errlen);

#endif
