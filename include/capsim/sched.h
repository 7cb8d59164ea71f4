/* capsim: the scheduler plugin interface.
 *
 * A policy is an ops table. It is told when a job enters its queue and is
 * asked to make a pass; during a pass it sees the cluster only through the
 * context (now, free processors, the earliest time N processors will be
 * free by running jobs' estimates) and acts only through it (start a job,
 * note a reservation). It never reads the clock, a file or the engine.
 * Built-in policies sit in a static registry (sched/registry.c).
 */
#ifndef CAPSIM_SCHED_H
#define CAPSIM_SCHED_H

#include "capsim/job.h"

#define CS_POLICY_ABI 3u /* 2: cs_job grew the node-model request; 3: the ops table grew cancel */
#define CS_POLICY_ABI_MIN 2u /* the oldest loaded: a table of ABI 2 is read without cancel */

typedef struct cs_sched_ctx cs_sched_ctx; /* opaque: owned by the engine */
struct cs_account_tree; /* capsim/accounts.h */

/* What a policy is given at init. The job table holds every job of the run;
 * a policy may read a job's fields only once that job has been submitted to
 * it (the table is known in advance only so that policies can size and key
 * their indexes). */
typedef struct cs_policy_env {
	const cs_job *jobs;   /* job table, sorted by (submit, file order) */
	size_t njobs;
	uint32_t total_procs; /* processors in the machine (GPUs on a node model) */
	size_t nparams;       /* policy parameters, key=value */
	const char *const *keys;
	const char *const *vals;
	int node_model;       /* 1: jobs ask for nodes x (GPUs, cores, memory), see cs_ctx_node_model
			       * (appended: older plugins never read it) */
	const struct cs_account_tree *accounts; /* the accounts file bound to the jobs (capsim
						 * run --accounts), or NULL (appended) */
	const double *billing; /* per job: billing units per second of run, from its partition's
				* TRESBillingWeights and what it holds (docs/clusters.md#billing);
				* NULL: none given, a job bills its size (appended: older plugins
				* never read it) */
	const cs_partsets *partsets; /* node model: jobs submitted to several partitions
				      * (capsim/job.h), or NULL (appended) */
} cs_policy_env;

typedef struct cs_policy_param {
	const char *key, *default_value, *help;
} cs_policy_param;

/* A policy's cancel (cs_policy_ops.cancel). */
typedef void cs_policy_cancel_fn(void *state, uint32_t jid);

typedef struct cs_policy_ops {
	uint32_t abi;             /* CS_POLICY_ABI */
	const char *name;
	const char *summary;
	const cs_policy_param *params; /* terminated by {NULL} */
	/* Make the policy's state; 0 or -CS_E* with err filled. */
	int (*init)(void **state, const cs_policy_env *env, char *err, size_t errlen);
	/* Job `jid` (index into env->jobs) entered the queue. */
	void (*submit)(void *state, uint32_t jid);
	/* Start what should start now. */
	void (*pass)(void *state, cs_sched_ctx *ctx);
	void (*destroy)(void *state);
	/* ABI 3, optional. Waiting job jid (submitted, neither started nor
	 * rejected) was cancelled: it leaves the queue for good and must not be
	 * started, marked or counted again. Called between passes (a pass
	 * follows at the cancellation's time). NULL: the policy cannot remove
	 * a waiting job, and capsim refuses to cancel one under it (read it
	 * through cs_policy_cancel_op: a table of ABI 2 has no such field). */
	cs_policy_cancel_fn *cancel;
} cs_policy_ops;

/* ops's cancel, or NULL when it has none (one of ABI 2 never has). */
static inline cs_policy_cancel_fn *cs_policy_cancel_op(const cs_policy_ops *ops)
{
	return ops->abi >= 3 ? ops->cancel : NULL;
}

/* --- the context a pass sees --- */
cs_time cs_ctx_now(const cs_sched_ctx *ctx);
uint32_t cs_ctx_free(const cs_sched_ctx *ctx);
uint32_t cs_ctx_total(const cs_sched_ctx *ctx);
enum { CS_START_HEAD = 0, CS_START_BACKFILL = 1 };
/* Start job jid now on `size` processors; 0, or -CS_ENOFIT (nothing changes). */
int cs_ctx_start(cs_sched_ctx *ctx, uint32_t jid, unsigned how);
/* Earliest time t >= now at which `procs` processors are free if every
 * running job ends at its estimated end (a job past its estimate is
 * expected to end now), and how many are free then (counting every job
 * whose estimated end is <= t). Returns 0, or -CS_EINVAL if procs exceeds
 * the machine. */
int cs_ctx_shadow(const cs_sched_ctx *ctx, uint32_t procs, cs_time *when, uint32_t *free_then);
/* Record why waiting job jid is not starting (CS_WAIT_*). A submitted job
 * starts as CS_WAIT_PRIORITY; a policy marks the job it would start next
 * but cannot as CS_WAIT_RESOURCES. */
void cs_ctx_pending(cs_sched_ctx *ctx, uint32_t jid, unsigned reason);
/* Ask for a pass at time `when` (> now) even if no job arrives or ends
 * then, e.g. when a budget period starts. 0, or -CS_EINVAL for a time not
 * in the future. */
int cs_ctx_wakeup(cs_sched_ctx *ctx, cs_time when);
/* Refuse waiting job jid for good (e.g. it exceeds a limit on its own): it
 * leaves the queue, never runs, and is counted apart from the metrics. */
void cs_ctx_reject(cs_sched_ctx *ctx, uint32_t jid, unsigned reason);
/* Running jobs, in order of estimated end (start + estimate; it may lie in
 * the past for a job that runs past its estimate): i < cs_ctx_nrunning.
 * jid may be NULL. */
size_t cs_ctx_nrunning(const cs_sched_ctx *ctx);
void cs_ctx_running(const cs_sched_ctx *ctx, size_t i, cs_time *est_end, uint32_t *size, uint32_t *jid);
/* The jobs that left the running set (ended, released early, stopped,
 * requeued) since the last pass returned, in the order they left:
 * cs_ctx_left(ctx, i), i < cs_ctx_nleft (appended), so a policy keeping
 * its own list of running jobs finds the ended ones without a walk of the
 * running set. */
size_t cs_ctx_nleft(const cs_sched_ctx *ctx);
uint32_t cs_ctx_left(const cs_sched_ctx *ctx, size_t i);
/* Hold what waiting job jid needs at the earliest time it can start if
 * every running job ends at its estimate (the EASY reservation), for the
 * rest of this pass: a later cs_ctx_start of another job that would still
 * run at that time (now + estimate > *when) may not use what the hold
 * needs. On a node model the hold is node-level (specific nodes, GPUs,
 * cores and memory); on a pooled machine it is the processors the head
 * needs at *when beyond those free then (EASY's "extra" processors). The
 * hold ends with the pass, when jid starts, or at the next cs_ctx_hold.
 * Records the reservation (cs_ctx_reserve). When may be NULL: on a node
 * model the hold's placement is then worked out only once a job that fits
 * now needs it (same schedule, less work). 0, or -CS_EINVAL. */
int cs_ctx_hold(cs_sched_ctx *ctx, uint32_t jid, cs_time *when);
/* Node model: hold what waiting job jid needs beside the pass's other
 * holds (the first one is cs_ctx_hold's; without one this is cs_ctx_hold).
 * Its time is the earliest at which jid fits if every running job ends at
 * its estimate, keeping off every earlier hold of the pass for as long as
 * it lasts (from its time to its time + its job's estimate); a later
 * cs_ctx_start of another job keeps off each hold whose time comes before
 * that job's estimated end. The holds end with the pass or at the next
 * cs_ctx_hold; each when its job starts. Records the reservation. 0, or
 * -CS_EINVAL (a pooled machine, a job not waiting or already holding). */
int cs_ctx_hold_add(cs_sched_ctx *ctx, uint32_t jid, cs_time *when);
/* 1 if the machine is a node model (jobs ask for nodes x GPUs, cores,
 * memory; cs_ctx_free and cs_ctx_total count GPUs, and a job's size is its
 * GPUs or, for a CPU-only job, its cores), 0 for a pooled machine. */
int cs_ctx_node_model(const cs_sched_ctx *ctx);
/* Conservative backfilling on a node model: a plan is a waiting job's
 * reservation with its nodes (each holding the job's per-node share of
 * GPUs, cores and memory over [start, start + estimate)), kept across
 * passes until the job starts or the plan is made again. cs_ctx_plan looks
 * for the earliest time t >= now, before jid's current plan if it has one,
 * at which jid fits for its estimate given the running jobs (until their
 * estimated ends; one past its estimate is expected to end a second from
 * now), every other plan and the advance reservations; without one it
 * keeps its plan. Records the first plan's time as jid's reservation and
 * the plan's time in *when (may be NULL). If the plan is now the job
 * starts (`how` as cs_ctx_start) and 1 is returned; else 0. Planning jobs
 * in arrival order, every pass, with every other plan held, moves no job
 * later than its last plan (as long as jobs end by their estimates).
 * -CS_EINVAL on a pooled machine or for a job not waiting. */
int cs_ctx_plan(cs_sched_ctx *ctx, uint32_t jid, unsigned how, cs_time *when);
/* The first job at or after from whose plan cs_ctx_plan may change in
 * this pass (its start came, or something came back that its job may use
 * since the plan was made), or -1; every other plan stands as it is when
 * asked for. A pass that walks its queue with rising from, starting at or
 * below its oldest waiting job, may call cs_ctx_plan for these jobs and
 * the jobs it has not planned yet alone: the same plans, however long the
 * queue of standing ones. */
long cs_ctx_plan_next(cs_sched_ctx *ctx, uint32_t from);
/* all != 0: cs_ctx_plan searches every node again for every job, even
 * where no capacity came back since the plan was made (by default a plan
 * is searched again only when something freed capacity, and a one-node
 * job's only on the nodes that were freed). The same plans, found the
 * straightforward way: for benchmarks and cross-checks. */
void cs_ctx_plan_search(cs_sched_ctx *ctx, int all);
/* Lower bounds in the search (per node, the first time it has 1, 2, 4, 8,
 * 16 GPUs free, in min trees, so a search starts nodes in that order and
 * stops when none can matter): mode 1 on, 0 off, -1 (the default) on for
 * clusters of 1,024 nodes or more. The same plans; only the speed
 * differs. Takes effect if called before the first cs_ctx_plan. */
void cs_ctx_plan_bounds(cs_sched_ctx *ctx, int mode);
/* Preemption: stop running job jid now to make room. CS_PREEMPT_REQUEUE
 * puts it back in the queue (the policy's submit is called again once the
 * pass returns; it starts over, and the run it loses is added to its
 * preempted_s); CS_PREEMPT_KILL ends it now (its runtime becomes what it
 * ran). Either way its resources are free at once and its preemptions count
 * grows. 0, or -CS_EINVAL if jid is not running. */
enum { CS_PREEMPT_REQUEUE = 0, CS_PREEMPT_KILL = 1 };
int cs_ctx_preempt(cs_sched_ctx *ctx, uint32_t jid, unsigned how);
/* Preemption with a grace (Slurm's GraceTime): running job jid is
 * signalled now and keeps running, holding its resources, for `grace`
 * seconds; then it is stopped as cs_ctx_preempt stops it (`how`), at
 * now + grace: a requeued job's lost run (preempted_s) and a killed job's
 * runtime both run to that stop. If it ends on its own by then (its end
 * at or before now + grace) it simply ends: not a preemption (its
 * preemptions count does not grow; the engine counts it in grace_ends).
 * Meanwhile it stays in the running set with its estimated end moved to
 * now + grace if that is earlier, so cs_ctx_shadow, cs_ctx_hold and the
 * plans see its resources come back then; the hold of this pass ends. The
 * stop comes with a pass. grace 0 is cs_ctx_preempt. 0; -CS_EINVAL if jid
 * is not running, is already signalled or grace is negative or over
 * CS_TIME_LIMIT; -CS_ENOMEM. */
int cs_ctx_preempt_after(cs_sched_ctx *ctx, uint32_t jid, unsigned how, cs_time grace);
/* --- jobs submitted to several partitions (node model) ---
 * For a job whose partition is a set (cs_policy_env.partsets), `which`
 * chooses among the set's partitions: bit i, its i-th (in the job's
 * order); for any other job bit 0 stands for its own partition.
 * cs_ctx_start_in starts the job now in the first chosen partition, in
 * that order, in which it fits (Slurm's main scheduler: the first
 * partition where it can start); the job's partition becomes that one.
 * cs_ctx_start is cs_ctx_start_in with every bit. 0, -CS_ENOFIT, or
 * -CS_EINVAL (no chosen partition). */
int cs_ctx_start_in(cs_sched_ctx *ctx, uint32_t jid, uint64_t which, unsigned how);
/* As cs_ctx_hold_add (cs_ctx_hold if the pass has no hold yet), in the
 * chosen partition where the job can start the earliest (Slurm's
 * backfill: the partition offering the earliest start; at equal times the
 * first in the job's order). Placed at once. Returns the index i of the
 * partition it holds in (0 for a job of one partition), or -CS_E*. */
int cs_ctx_hold_in(cs_sched_ctx *ctx, uint32_t jid, uint64_t which, cs_time *when);
/* Record that job jid holds a reservation at `when` (the engine keeps the
 * first one for the report and the invariant checks). */
void cs_ctx_reserve(cs_sched_ctx *ctx, uint32_t jid, cs_time when);
/* What-if for preemption (appended): would waiting job jid fit now if the
 * running jobs victims[0 .. n) were stopped? Stopping any job ends the
 * pass's holds (cs_ctx_preempt), so the test places jid as cs_ctx_start
 * would right after a stop: on what is free now plus what the victims
 * hold, on its partition's node types, off the advance reservations it
 * may not use, with no hold kept off (a pooled machine: jid's processors
 * against the free ones plus the victims'). A victim that could not be
 * stopped (not running, or ending now) frees nothing; one signalled
 * already (cs_ctx_preempt_after) frees what it holds, as it will at its
 * grace's end; a repeated one counts once. Nothing changes: the
 * victims' resources are given back to the allocator, jid is tried with
 * the real placement, and everything is taken back exactly. With
 * on_nodes (n entries, may be NULL) and a fit, on_nodes[i] is 1 if
 * victims[i] holds something on a node of the placement found (Slurm
 * preempts only the candidates whose resources the preemptor would use),
 * else 0 (every entry 0 without a fit); on a pooled machine 1 for every
 * victim that frees processors.
 * 1 (fits), 0 (does not), or -CS_EINVAL (jid not waiting, a victim out of
 * range). */
int cs_ctx_fits_without(cs_sched_ctx *ctx, uint32_t jid, const uint32_t *victims, size_t n, uint8_t *on_nodes);
/* What the pass has learnt about job jid's request (its partition, nodes,
 * per-node GPUs, cores and memory, topology rule: its shape), to let a
 * policy skip the waiting jobs a start would refuse without trying them.
 * 1 if no waiting job of that shape, other than one holding a reservation
 * in this pass, can start now with an estimate over *est_max (*est_max <
 * 0: none can start at all), as cs_ctx_start would find out (the same
 * answer, and a refused start has no other effect); 0 if nothing is known
 * (always, on a pooled machine and for a job of several partitions). It
 * stands while cs_ctx_fit_gen is unchanged. */
int cs_ctx_nofit_bound(cs_sched_ctx *ctx, uint32_t jid, cs_time *est_max);
/* Where cs_ctx_nofit_bound refuses every job of jid's shape (*est_max < 0)
 * from what the engine keeps across passes: cs_ctx_part_key(ctx, jid) (not
 * 0), and while that stays the same, in this pass or a later one,
 * cs_ctx_nofit_bound refuses them all again (nothing was given back on
 * their node types since). 0 otherwise (nothing kept). */
uint64_t cs_ctx_nofit_key(cs_sched_ctx *ctx, uint32_t jid);
/* A key of job jid's partition that changes whenever its node types get
 * resources back (a job ends, a node is repaired); the same for every job
 * of the partition. 0 where nothing is kept (a pooled machine, a job of
 * several partitions). */
uint64_t cs_ctx_part_key(cs_sched_ctx *ctx, uint32_t jid);
/* A count that grows whenever any node type gets resources back: while
 * it stays the same, so does every job's cs_ctx_part_key. */
uint64_t cs_ctx_given_back(const cs_sched_ctx *ctx);
/* Changes whenever what a pass has learnt no longer stands (a new pass, a
 * hold, a job stopped). */
uint32_t cs_ctx_fit_gen(const cs_sched_ctx *ctx);

/* --- external policies ---
 * A user's policy is a shared object exporting its ops table as
 * `const cs_policy_ops capsim_policy`, with .abi = CS_POLICY_ABI; it calls
 * the cs_ctx_* functions of the capsim binary that loads it (capsim is
 * linked with -rdynamic). See policies/example/. */
#define CS_POLICY_SYMBOL "capsim_policy"
/* Does spec name a file (contains '/' or ends in ".so") rather than a built-in? */
int cs_policy_is_path(const char *spec);
/* A built-in by name, or a policy loaded from a path; *handle is what to
 * cs_policy_unload afterwards (NULL for built-ins). 0 or -CS_E* with err. */
int cs_policy_resolve(const char *spec, const cs_policy_ops **ops, void **handle, char *err, size_t errlen);
void cs_policy_unload(void *handle);

/* --- the registry --- */
const cs_policy_ops *cs_policy_find(const char *name);
/* Built-in policies, NULL-terminated. */
const cs_policy_ops *const *cs_policy_list(void);
/* Look up a parameter in env (NULL if not given). */
const char *cs_policy_param_get(const cs_policy_env *env, const char *key);
/* Check that every key in env is one of ops->params; -CS_EINVAL otherwise,
 * the message naming the key and listing the parameters ops has. */
int cs_policy_check_params(const cs_policy_ops *ops, const cs_policy_env *env,
			   char *err, size_t errlen);

#endif
