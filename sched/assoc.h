/* capsim: association limits as Slurm enforces them (sched/assoc.c),
 * private to sched/: what multifactor checks before it starts a job
 * (docs/fairshare.md#limits).
 *
 * Associations are nodes of a tree (the accounts file's, or flat: one node
 * per account and no parents). A job belongs to one node, its association
 * (a user node of the accounts tree; the account on a flat tree). Grp*
 * limits of a node count every job in its subtree; Max* limits count the
 * job's own association, and a node that sets none takes its nearest
 * ancestor's. Counting walks the job's path to the root, so a check costs
 * O(depth).
 *
 * Amounts of a job: cpu = nodes x cores per node (processors when pooled),
 * mem = nodes x memory per node (MB), node = nodes, gres/gpu = nodes x
 * GPUs per node, billing = its billing rate (size without one). TRES
 * minutes are billed when a job starts, as amount x its estimate, in the
 * budget period it starts in, and what it did not use is refunded when it
 * ends in that period; every node's minutes start from zero each period.
 */
#ifndef CAPSIM_SCHED_ASSOC_H
#define CAPSIM_SCHED_ASSOC_H

#include "capsim/accounts.h"
#include "capsim/sched.h"

typedef struct cs_limits {
	uint32_t nnodes;
	const int32_t *parent;     /* [nnodes], or NULL: every node is a root */
	cs_assoc_limit *lim;       /* [nnodes]: Max* inherited, CS_LIMIT_UNSET or INFINITY: none */
	uint8_t *has_grp;          /* [nnodes]: sets some Grp* limit */
	double (*run)[CS_TRES_N];  /* [nnodes]: amounts of the running jobs of the subtree */
	double (*used)[CS_TRES_N]; /* [nnodes]: TRES-seconds billed in this period */
	uint32_t *njobs, *nsub;    /* [nnodes]: running; running + admitted waiting */
	const uint32_t *assoc;     /* [njobs]: the job's association node */
	const cs_job *jobs;
	const double *billing;     /* [njobs] rate per second of run, or NULL (size) */
	double period;             /* seconds */
	int64_t cur_period;
	int any, any_mins;         /* some limit; some Grp TRES-minutes */
} cs_limits;

/* Take the limits lim[nnodes] (Max* resolved down the tree here; their
 * grp_tres_mins in TRES-seconds, not the file's minutes) for the jobs of
 * env, each job in node assoc[jid]. 0, -CS_ENOMEM, or -CS_EINVAL
 * with err when a limit counts what the run does not have (a GPU, node or
 * memory limit on pooled processors). */
int cs_limits_init(cs_limits *L, const cs_policy_env *env, const int32_t *parent, uint32_t nnodes,
		   const cs_assoc_limit *lim, const uint32_t *assoc, double period, const char *policy, char *err,
		   size_t errlen);
void cs_limits_free(cs_limits *L);

/* A job seen for the first time: the reason it can never run or may not
 * be submitted (a CS_WAIT_* the caller rejects it with), else 0 and it
 * counts as submitted. */
unsigned cs_limits_admit(cs_limits *L, uint32_t jid);
/* The limit starting jid now would break, or 0. */
unsigned cs_limits_check(const cs_limits *L, uint32_t jid);
/* Whether reason is one that only a new budget period lifts. */
int cs_limits_is_budget(unsigned reason);
void cs_limits_start(cs_limits *L, uint32_t jid, cs_time now);
/* jid, started at `started`, stopped running at now (it ended, or a
 * preemption stopped it). */
void cs_limits_stop(cs_limits *L, uint32_t jid, cs_time now, cs_time started);
/* jid, admitted before, is back in the queue (requeued): it counts as
 * submitted again. */
void cs_limits_resubmit(cs_limits *L, uint32_t jid);
/* An admitted waiting job left the queue without running. */
void cs_limits_drop(cs_limits *L, uint32_t jid);
/* Start a new period if now is in one; 1 if it did. */
int cs_limits_period(cs_limits *L, cs_time now);
/* When the next period starts. */
cs_time cs_limits_next_period(const cs_limits *L);

#endif
