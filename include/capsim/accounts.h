/* capsim: the accounts file (sim/accounts.c; bound to the jobs by
 * sim/accounts_bind.c): a fair-share tree of accounts and users with
 * shares, and QoS and partition priorities, read from YAML with libfyaml;
 * and the plain-data tree a policy is handed (cs_policy_env.accounts), with
 * every job bound to a user node of it.
 *
 * The file (docs/fairshare.md; configs/accounts/ai-dc-example.yaml):
 *
 *   site: national-ai-dc        # optional: the root's name (default "root")
 *   accounts:                   # the root's children, any depth
 *     - name: org-a             # account names are unique in the whole tree
 *       shares: 2               # >= 0, default 1
 *       accounts:
 *         - name: p0001         # a project, named as in the workload
 *           users:              # optional; names unique within the account
 *             - {name: u00001, shares: 2}
 *   qos:                        # optional: Slurm's QoS priority, >= 0
 *     - {name: high, priority: 1000, preempt: [normal, batch]}
 *     - {name: normal, priority: 10, grace_time: 600}
 *   partitions:                 # optional: partition priority, >= 0
 *     - {name: h100, priority: 10}
 *
 *
 * Association limits (Slurm's sacctmgr names; docs/fairshare.md#limits),
 * optional on any account or user entry:
 *       GrpTRES: "cpu=512,gres/gpu=64"   # running, over the entry's subtree
 *       GrpTRESMins: "gres/gpu=600000"   # used per budget period, over the subtree
 *       GrpJobs: 20                      # running jobs over the subtree
 *       GrpSubmitJobs: 100               # running + waiting over the subtree
 *       MaxJobs: 4                       # per association (user), inherited down
 *       MaxSubmitJobs: 50                # per association, inherited down
 *       MaxTRESPerJob: "gres/gpu=32"     # per job of an association, inherited down
 *   TRES are cpu, mem (MB; suffix K, M, G or T), node, gres/gpu and
 *   billing; -1 (or a TRES set to -1) is "no limit", which also stops a
 *   Max* value inherited from above.
 * Storage allocations, optional on any account (docs/storage.md): what
 * its subtree may keep on each of the cluster's storage tiers, in TB:
 *       storage_tb: {project: 120, archive: 40}
 *   each >= 0; a tier the run's cluster does not have is an error when the
 *   run binds them (capsim/storage.h).
 * A grant, optional on any account (docs/fairshare.md#grants): what the
 * site awarded it, for the reports (not a limit: GrpTRESMins is):
 *       grant: {hours: 12000, from: 0, to: 15552000}
 *   hours in billing units x hours (GPU-hours where the cluster has no
 *   billing weights), from/to in seconds on the workload's clock
 *   (optional: the whole run).
 *
 * Mistakes are "FILE:LINE:COL: key: what is wrong" (-CS_EPARSE for a wrong
 * type or unknown key, -CS_EINVAL for a bad value: negative shares,
 * duplicate names).
 *
 * Binding to a workload (cs_accounts_bind): a job's project is looked up
 * among the account names; a project the file does not name becomes a new
 * account under the root with shares 1 (counted: projects_added; a job
 * without a project counts under a project with the empty name). A job's
 * user is a user node of that account: the one the file lists, else a new
 * one with shares 1 (counted: users_added), so users not listed share
 * their account equally. On an SWF replay the names are those the SWF
 * reader gives (group N -> project "gN", user "uN", queue "qN",
 * partition "pN"). A job's QoS factor is its QoS's priority / the largest
 * priority in the table (0 for a QoS not in it, or when every priority is
 * 0); its partition factor likewise. A QoS's `preempt` lists the QoS
 * names (of the same table) whose running jobs its jobs may preempt
 * (Slurm's QOS Preempt=), for multifactor's `preempt_mode`. Its
 * `grace_time` (whole seconds, 0 .. CS_TIME_LIMIT; Slurm's QOS GraceTime,
 * which preempt/qos uses) is how long a job of that QoS, once chosen for
 * preemption, runs on before it is stopped; without it multifactor's
 * `preempt_grace_time` applies.
 */
#ifndef CAPSIM_ACCOUNTS_H
#define CAPSIM_ACCOUNTS_H

#include "capsim/job.h"
#include "capsim/trace.h"

enum { CS_ACCT_ACCOUNT = 0, CS_ACCT_USER = 1 };

/* An account's grant; hours < 0: none. */
typedef struct cs_grant {
	double hours;
	cs_time from, to; /* [from, to) on the workload's clock */
} cs_grant;

/* A storage allocation on an account (`storage_tb: {TIER: TB, ...}`,
 * capsim/storage.h): the account's subtree may keep tb terabytes on the
 * cluster's storage tier named `tier`. */
typedef struct cs_storage_alloc {
	uint32_t node;     /* the account, a node of the tree */
	const char *tier;  /* as the file names it (the cs_accounts' string: valid while it lives) */
	double tb;         /* >= 0 */
	int line, col;     /* where the file names the tier, for messages */
} cs_storage_alloc;

/* Trackable resources of association limits, as Slurm names them. */
enum { CS_TRES_CPU, CS_TRES_MEM, CS_TRES_NODE, CS_TRES_GPU, CS_TRES_BILLING, CS_TRES_N };
extern const char *const cs_tres_names[CS_TRES_N]; /* "cpu", "mem", "node", "gres/gpu", "billing" */

/* One association's limits as the file sets them: < 0 where it sets none
 * (CS_LIMIT_UNSET), INFINITY where it says -1 ("no limit": for a Max*
 * value, stops what would be inherited). */
#define CS_LIMIT_UNSET (-1.0)
typedef struct cs_assoc_limit {
	double grp_tres[CS_TRES_N];      /* running amount over the subtree (mem in MB) */
	double grp_tres_mins[CS_TRES_N]; /* TRES-minutes per budget period over the subtree */
	double grp_jobs, grp_submit;     /* running, running + waiting jobs over the subtree */
	double max_jobs, max_submit;     /* per association */
	double max_tres_per_job[CS_TRES_N];
} cs_assoc_limit;

/* The tree as a policy sees it: plain data, nodes in an order where a
 * parent comes before its children (node 0 is the root). */
typedef struct cs_account_tree {
	uint32_t nnodes;
	const int32_t *parent;      /* [nnodes]; parent[0] = -1, parent[i] < i */
	const char *const *name;    /* [nnodes] */
	const uint8_t *kind;        /* [nnodes]: CS_ACCT_ACCOUNT or CS_ACCT_USER (always a leaf) */
	const double *shares;       /* [nnodes]: raw shares, >= 0 */
	const double *share_level;  /* [nnodes]: shares / the sum of its and its siblings' shares
				     * (0 if that sum is 0); 1 for the root */
	const double *share_norm;   /* [nnodes]: product of share_level from the root down: Slurm's
				     * normalised shares, the node's share of the machine */
	const uint32_t *child_off;  /* [nnodes + 1]: the children of i are */
	const uint32_t *child;      /*   child[child_off[i] .. child_off[i + 1]), in node order */
	uint32_t nusers;            /* user nodes */
	/* per job, indexed like cs_policy_env.jobs */
	size_t njobs;
	const uint32_t *job_user;    /* its user node */
	const uint32_t *job_account; /* that user's account (its project): limits and budgets count here */
	const double *job_qos;       /* QoS factor, 0..1 */
	const double *job_partition; /* partition factor, 0..1 */
	/* QoS preemption (appended) */
	uint32_t nqos;               /* entries of the qos table */
	const int32_t *job_qos_id;   /* [njobs]: the job's entry, -1 if its QoS is not in the table */
	const uint8_t *qos_preempts; /* [nqos * nqos]: [a * nqos + b] = 1 if QoS a may preempt QoS b */
	/* association limits (appended): [nnodes], NULL when the file sets none */
	const cs_assoc_limit *limits;
	int limits_line;             /* the first line that sets one (for messages) */
	const cs_time *qos_grace;    /* [nqos]: seconds a preempted job of the QoS runs on before it is
				      * stopped (Slurm's QOS GraceTime); -1: not given (appended) */
	const cs_grant *grants;      /* [nnodes], NULL when the file gives none (appended) */
	const cs_storage_alloc *storage; /* [nstorage]: storage allocations in file order, NULL when the
					  * file gives none (appended) */
	uint32_t nstorage;
} cs_account_tree;

/* What binding added (for the summary). */
typedef struct cs_account_stats {
	uint32_t nodes, accounts, users; /* in the bound tree */
	uint32_t projects_added;         /* projects of the workload the file does not name */
	uint32_t users_added;            /* users of the workload the file does not list */
	size_t jobs_qos_unlisted;        /* jobs whose QoS is not in the qos table (factor 0) */
	size_t jobs_partition_unlisted;  /* jobs whose partition is not in the partitions table */
} cs_account_stats;

typedef struct cs_accounts cs_accounts; /* opaque: the file as loaded */

/* 0, or -CS_EIO / -CS_EPARSE / -CS_EINVAL / -CS_ENOMEM with err filled. */
int cs_accounts_load(cs_accounts **out, const char *path, char *err, size_t errlen);
/* The same from text (named `name` in messages). */
int cs_accounts_load_text(cs_accounts **out, const char *text, size_t len, const char *name, char *err,
			  size_t errlen);
void cs_accounts_free(cs_accounts *a);
/* Accounts and users the file declares, the root included (for tests and
 * `capsim run`'s summary). */
uint32_t cs_accounts_nnodes(const cs_accounts *a);

/* Where a job's names come from. NULL name lists mean SWF numbers
 * (cs_job.group N -> "gN", .user -> "uN", .queue -> "qN", .partition ->
 * "pN"; -1: no name). */
typedef struct cs_account_names {
	const cs_names *projects, *users, *qos; /* indexed by cs_job.group, .user, .queue */
	const char *const *partitions;          /* indexed by cs_job.partition */
	size_t npartitions;
} cs_account_names;

/* Build the tree for a job table; free it with cs_account_tree_free. 0 or
 * -CS_ENOMEM. */
int cs_accounts_bind(const cs_accounts *a, const cs_job *jobs, size_t njobs, const cs_account_names *names,
		     cs_account_tree *out, cs_account_stats *st, char *err, size_t errlen);
void cs_account_tree_free(cs_account_tree *t);

#endif
