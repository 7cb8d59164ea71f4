/* capsim: multifactor priority with fair-share, and EASY backfilling under
 * it (after Slurm's priority/multifactor plugin).
 *
 * priority = weight_age x age + weight_fairshare x fairshare + weight_size x size
 *            + weight_qos x qos + weight_partition x partition
 *   age       = min(1, waited / max_age)
 *   size      = job processors / machine processors
 *   fairshare = 2^(-U / S), Slurm's classic formula: U is the account's
 *               share of all usage, S its share of all shares; with an
 *               accounts file (cs_policy_env.accounts), Slurm's Fair Tree
 *               over its tree (capsim/fairtree.h), recomputed at most
 *               every calc_period seconds (Slurm's PriorityCalcPeriod)
 *   qos, partition = the job's QoS and partition factors from the
 *               accounts file (priority / the table's largest), 0 without
 * Usage is processor-seconds, decayed with a half-life: at each pass every
 * account's usage is multiplied by 2^(-dt / half_life) and every running job
 * adds its processors times the decayed interval, size x (1 - 2^(-dt/h)) x
 * h / ln 2; with TRESBillingWeights on the cluster's partitions
 * (cs_policy_env.billing) its billing rate replaces size: usage is then
 * billing-seconds, as Slurm's fair-share counts them. Without an accounts file, accounts are the SWF group ids
 * (projects on a node model; the user id where the group is missing), with
 * equal shares unless `shares` says otherwise ("ACCOUNT:WEIGHT,...").
 * With one, usage is kept per user node of the tree, and the per-account
 * limits and budgets count per project (the account node a job's project
 * names). Ties in priority go to the earlier arrival.
 *
 * Each pass works out every waiting job's priority and sorts them from
 * the last pass's order (sched/priosort.c); the charge is worked out once
 * per rate class (sched/rateclass.c), and the jobs that stopped running
 * are the engine's report (cs_ctx_left), not a walk of the running set;
 * Fair Tree is updated along the charged users' paths (sched/fairtree.c);
 * a backfill whose request shape the pass has learnt cannot start is
 * refused without asking the engine.
 */
#include "capsim/fairtree.h"
#include "capsim/sched.h"
#include "fifo.h"
#include "assoc.h"
#include "partq.h"
#include "priosort.h"
#include "rateclass.h"
#include "shapeq.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mf {
	cs_fifo q;
	cs_partq pq;        /* per partition (queue=partition on a node model) */
	int per_partition;
	cs_resv_budget rb;
	const cs_job *jobs;
	size_t njobs;
	uint32_t total;
	double w_age, w_fs, w_size, max_age, half_life;
	double preempt_exempt; /* seconds a job runs before it may be preempted (Slurm's PreemptExemptTime) */
	/* association limits and budgets (sched/assoc.h): the accounts
	 * file's, with the global parameters as defaults */
	cs_limits lim;
	uint8_t *admitted;      /* per job: passed the submit limits */
	int reject_over_budget;
	cs_time woken_for;      /* the period start a wakeup was asked for */
	cs_time *started;       /* per job: when this policy started it */
	uint32_t *acct;       /* per job: account index */
	uint32_t nacct;
	int64_t *acct_id;     /* per account: its group (or user) id */
	/* Decay multiplies every account's usage by the same factor, so usage is
	 * kept as usage[a] x scale: a decay only updates scale, and the
	 * fair-share factor needs only usage[a] / usage_total, where scale
	 * cancels. */
	double *usage, usage_total, scale;
	double *share;        /* per account; normalised to sum 1 */
	double *fs;           /* per account: fair-share factor, valid when fs_pass == pass (with a
			       * tree, per user: its Fair Tree factor, valid when fs_pass == ncalc) */
	uint64_t *fs_pass;
	uint64_t pass;
	cs_time last;         /* time of the last usage update */
	/* jobs this policy started and believes running, with what the
	 * charge of each pass reads (kept here: no job record to fetch), in
	 * the order they started; one that stopped running keeps its place
	 * with user GONE until the list is packed (when half of it is gone),
	 * so a job leaves in O(1) and the charges keep their order */
	struct running { double rate; uint32_t cls, jid, user; } *run; /* cls: CS_NO_CLASS if none */
	size_t nrun;          /* entries, gone ones included */
	size_t ngone;         /* of those, gone */
	uint32_t *run_at;     /* per job: its entry in run while it runs */
	cs_rateclass rc;      /* the running jobs' rates */
	/* per job, what its priority adds up, in one record: submission,
	 * the size term, the QoS and partition terms (0 without a tree) and
	 * the account its fair-share is read for */
	struct prio_in { cs_time submit, estimate; double size, extra; uint32_t fs_acct, key; } *pin;
	/* Refusals a pass has learnt (cs_ctx_nofit_bound) per request shape
	 * (sched/shapeq.h; node model), so the later jobs of a shape that
	 * cannot start now are refused without asking the engine: a job's
	 * shape (NO_SHAPE: of several partitions), and per shape the pass,
	 * fit generation and estimate bound of the last refusal learnt. */
	uint32_t *shape;
	struct nofit { uint64_t pass; uint32_t gen; cs_time est_max; } *nofit;
	uint32_t *wkeys;      /* scratch: the partition keys with waiting jobs */
	cs_ranked *order;          /* queued jobs (aux: the job's partition key, prio_in's); between
				    * passes the last pass's order (started jobs' jids kept, or UINT32_MAX) */
	cs_ranked *order2;         /* scratch: the radix sort's other buffer */
	/* Without limits the pass reads the queue from the last order: its
	 * jobs still waiting, then the jobs submitted since (arrived, each
	 * once: fresh); with limits, the queue in arrival order (its holds
	 * and admissions are made in that order) and the last order as a
	 * hint. */
	int keep_order;
	size_t nkept;              /* the last order's length */
	uint32_t *arrived;
	size_t narrived;
	uint8_t *fresh;
	cs_prio_hint hint;
	/* with an accounts file: accounts are the tree's nodes; a job's
	 * limits and budget count on its project's node (acct), its usage on
	 * its user's node (uacct); without, uacct is acct */
	const cs_account_tree *tree;
	uint32_t *uacct;      /* per job: the account its usage is charged to */
	cs_fairtree *ft;      /* its factors (cs_fairtree_factor) are the last computation's */
	uint32_t *changed;    /* users whose usage grew since the last computation */
	uint32_t nchanged;
	uint64_t *changed_at; /* per node: the computation it was listed for (+1) */
	uint64_t ncalc;       /* computations so far */
	int all_changed;      /* every usage moved (the scale was folded in) */
	double calc_period;
	int preempt_mode;     /* 0 off, 1 + CS_PREEMPT_REQUEUE / CS_PREEMPT_KILL */
	cs_time preempt_grace; /* seconds a victim runs on when its QoS gives no grace_time (Slurm's GraceTime) */
	cs_time *stop_at;     /* per job: the end of its grace once signalled (-1: not signalled) */
	struct victim { cs_time started; uint32_t jid; } *victims; /* scratch: running jobs a head may preempt */
	uint32_t *chosen;     /* scratch: the what-if set (signalled victims, then the chosen ones); at
			       * a pass's start, the entries of the jobs that stopped running */
	uint8_t *on_nodes;    /* scratch: which of them the head's placement meets */
	cs_time last_calc;
	double w_qos, w_part;
	const double *billing; /* per job: usage charged per second of run (cs_policy_env.billing); NULL: size */
} mf;

static int64_t account_of(const cs_job *j) { return j->group >= 0 ? j->group : j->user; }

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static uint32_t acct_index(const mf *p, int64_t id)
{
	size_t lo = 0, hi = p->nacct;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (p->acct_id[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

static void mf_destroy(void *state)
{
	mf *p = state;
	if (!p)
		return;
	cs_fifo_free(&p->q);
	cs_partq_free(&p->pq);
	cs_resv_budget_free(&p->rb);
	cs_limits_free(&p->lim);
	if (p->uacct != p->acct)
		free(p->uacct);
	cs_fairtree_free(p->ft);
	free(p->changed);
	free(p->changed_at);
	free(p->acct);
	free(p->acct_id);
	free(p->usage);
	free(p->share);
	free(p->fs);
	free(p->fs_pass);
	free(p->admitted);
	free(p->started);
	free(p->run);
	cs_rateclass_free(&p->rc);
	free(p->run_at);
	free(p->order);
	free(p->order2);
	free(p->pin);
	free(p->shape);
	free(p->nofit);
	free(p->wkeys);
	cs_prio_hint_free(&p->hint);
	free(p->arrived);
	free(p->fresh);
	free(p->victims);
	free(p->chosen);
	free(p->on_nodes);
	free(p->stop_at);
	free(p);
}

static int num_param(const cs_policy_env *env, const char *key, double def, double min, double *out,
		     char *err, size_t errlen)
{
	const char *v = cs_policy_param_get(env, key);
	*out = def;
	if (!v)
		return 0;
	char *end;
	double d = strtod(v, &end);
	if (!*v || *end || !(d >= min) || !isfinite(d)) {
		snprintf(err, errlen, "policy multifactor: %s: '%s' is not a number >= %g", key, v, min);
		return -CS_EINVAL;
	}
	*out = d;
	return 0;
}

/* The global limit parameters, as defaults of every association's limits:
 * max_jobs and max_submit_jobs as MaxJobs and MaxSubmitJobs of the root
 * (inherited by every association), the running and budget limits as
 * GrpTRES and GrpTRESMins of every project (a flat account without an
 * accounts file). grp_tres_mins are TRES-seconds here. */
typedef struct defaults {
	cs_assoc_limit root, project;
} defaults;

static void limit_unset(cs_assoc_limit *m)
{
	m->grp_jobs = m->grp_submit = m->max_jobs = m->max_submit = CS_LIMIT_UNSET;
	for (int t = 0; t < CS_TRES_N; t++)
		m->grp_tres[t] = m->grp_tres_mins[t] = m->max_tres_per_job[t] = CS_LIMIT_UNSET;
}

/* One limit given twice (its processor and GPU forms): an error. */
static int one_of(const cs_policy_env *env, const char *a, const char *b, const char *what, char *err, size_t errlen)
{
	if (cs_policy_param_get(env, a) && cs_policy_param_get(env, b)) {
		snprintf(err, errlen, "policy multifactor: %s and %s are the same %s: give one", a, b, what);
		return -CS_EINVAL;
	}
	return 0;
}

static int limit_params(const cs_policy_env *env, defaults *d, double *period, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		int tres, mins;
		double scale; /* to the internal unit: TRES, or TRES-seconds */
	} map[] = { { "max_running_procs", CS_TRES_CPU, 0, 1 }, { "max_running_gpus", CS_TRES_GPU, 0, 1 },
		    { "budget_procsec", CS_TRES_CPU, 1, 1 }, { "budget_gpu_hours", CS_TRES_GPU, 1, 3600 },
		    { "budget_billing_hours", CS_TRES_BILLING, 1, 3600 } };
	double v;
	int rc;
	limit_unset(&d->root);
	limit_unset(&d->project);
	if ((rc = one_of(env, "max_running_gpus", "max_running_procs", "limit", err, errlen)) < 0 ||
	    (rc = one_of(env, "budget_gpu_hours", "budget_procsec", "budget", err, errlen)) < 0 ||
	    (rc = num_param(env, "budget_period", 2592000, 1, period, err, errlen)) < 0)
		return rc;
	for (size_t k = 0; k < sizeof map / sizeof *map; k++) {
		if ((rc = num_param(env, map[k].key, 0, 0, &v, err, errlen)) < 0)
			return rc;
		if (v > 0)
			(map[k].mins ? d->project.grp_tres_mins : d->project.grp_tres)[map[k].tres] = v * map[k].scale;
	}
	if ((rc = num_param(env, "max_jobs", 0, 0, &v, err, errlen)) < 0)
		return rc;
	if (v > 0)
		d->root.max_jobs = v;
	if ((rc = num_param(env, "max_submit_jobs", 0, 0, &v, err, errlen)) < 0)
		return rc;
	if (v > 0)
		d->root.max_submit = v;
	return 0;
}

/* Where the file sets no value, the default's. */
static void fill(cs_assoc_limit *m, const cs_assoc_limit *d)
{
	if (m->grp_jobs < 0)
		m->grp_jobs = d->grp_jobs;
	if (m->grp_submit < 0)
		m->grp_submit = d->grp_submit;
	if (m->max_jobs < 0)
		m->max_jobs = d->max_jobs;
	if (m->max_submit < 0)
		m->max_submit = d->max_submit;
	for (int t = 0; t < CS_TRES_N; t++) {
		if (m->grp_tres[t] < 0)
			m->grp_tres[t] = d->grp_tres[t];
		if (m->grp_tres_mins[t] < 0)
			m->grp_tres_mins[t] = d->grp_tres_mins[t];
		if (m->max_tres_per_job[t] < 0)
			m->max_tres_per_job[t] = d->max_tres_per_job[t];
	}
}

/* The associations' limits: the file's (its minutes as seconds) over the
 * defaults, for the tree or the flat accounts. */
static int limits_setup(mf *p, const cs_policy_env *env, char *err, size_t errlen)
{
	defaults d;
	double period;
	int rc = limit_params(env, &d, &period, err, errlen);
	if (rc < 0)
		return rc;
	uint32_t n = p->nacct;
	cs_assoc_limit *lim = malloc((n ? n : 1) * sizeof *lim);
	uint8_t *project = calloc(n ? n : 1, 1);
	if (!lim || !project) {
		free(lim);
		free(project);
		return -CS_ENOMEM;
	}
	const cs_account_tree *t = p->tree;
	for (uint32_t v = 0; v < n; v++) {
		if (t && t->limits) {
			lim[v] = t->limits[v];
			for (int k = 0; k < CS_TRES_N; k++)
				if (lim[v].grp_tres_mins[k] >= 0 && lim[v].grp_tres_mins[k] < INFINITY)
					lim[v].grp_tres_mins[k] *= 60;
		} else {
			limit_unset(&lim[v]);
		}
	}
	for (size_t i = 0; i < env->njobs; i++)
		project[p->acct[i]] = 1;
	for (uint32_t v = 0; v < n; v++) {
		if (!t || v == 0)
			fill(&lim[v], &d.root);
		if (project[v])
			fill(&lim[v], &d.project);
	}
	rc = cs_limits_init(&p->lim, env, t ? t->parent : NULL, n, lim, p->uacct, period, "multifactor", err, errlen);
	free(lim);
	free(project);
	return rc;
}

static int parse_shares(mf *p, const char *spec, char *err, size_t errlen)
{
	for (uint32_t a = 0; a < p->nacct; a++)
		p->share[a] = 1.0;
	if (spec) {
		const char *s = spec;
		while (*s) {
			char *end;
			long long id = strtoll(s, &end, 10);
			if (end == s || *end != ':') {
				snprintf(err, errlen, "policy multifactor: shares: '%s' is not ACCOUNT:WEIGHT,...", spec);
				return -CS_EINVAL;
			}
			s = end + 1;
			double w = strtod(s, &end);
			if (end == s || !(w > 0) || !isfinite(w) || (*end && *end != ',')) {
				snprintf(err, errlen, "policy multifactor: shares: account %lld: weight must be a number > 0", id);
				return -CS_EINVAL;
			}
			uint32_t a = acct_index(p, id);
			if (a < p->nacct && p->acct_id[a] == id)
				p->share[a] = w;
			s = *end ? end + 1 : end;
		}
	}
	double sum = 0;
	for (uint32_t a = 0; a < p->nacct; a++)
		sum += p->share[a];
	for (uint32_t a = 0; a < p->nacct; a++)
		p->share[a] /= sum;
	return 0;
}

/* Accounts from the accounts file: every node of the tree is an account
 * (limits on a job's project node, usage on its user node). */
static int tree_accounts(mf *p, const cs_policy_env *env, char *err, size_t errlen)
{
	const cs_account_tree *t = env->accounts;
	if (cs_policy_param_get(env, "shares")) {
		snprintf(err, errlen, "policy multifactor: shares: with an accounts file the shares are the file's");
		return -CS_EINVAL;
	}
	if (t->njobs != env->njobs || t->nnodes == 0) {
		snprintf(err, errlen, "policy multifactor: the accounts tree is not bound to this job table");
		return -CS_EINVAL;
	}
	p->tree = t;
	p->nacct = t->nnodes;
	size_t n = env->njobs ? env->njobs : 1;
	if (!(p->uacct = malloc(n * sizeof *p->uacct)) ||
	    !(p->changed = malloc(t->nnodes * sizeof *p->changed)) ||
	    !(p->changed_at = calloc(t->nnodes, sizeof *p->changed_at)) || cs_fairtree_new(&p->ft, t) < 0)
		return -CS_ENOMEM;
	for (size_t i = 0; i < env->njobs; i++) {
		p->acct[i] = t->job_account[i];
		p->uacct[i] = t->job_user[i];
	}
	return 0;
}

/* preempt_mode=suspend, refused (slurm.conf(5), PreemptMode=SUSPEND):
 * Slurm's suspended jobs keep their memory and "will not release GRES",
 * so on a node model a suspended job frees nothing a GPU job needs; on a
 * pooled machine processors would come free, but with preempt/qos Slurm
 * time-slices a preemptor and the jobs it suspends in the same partition
 * (gang scheduling, SchedulerTimeSlice) rather than holding them
 * suspended until it ends, and capsim does not model gang scheduling nor
 * a job that stops and resumes (docs/policies.md). */
static int refuse_suspend(const cs_policy_env *env, char *err, size_t errlen)
{
	if (env->node_model)
		snprintf(err, errlen, "policy multifactor: preempt_mode=suspend: a suspended job keeps its GPUs and "
			 "memory (Slurm releases neither), so it frees nothing for a GPU job; use requeue or kill");
	else
		snprintf(err, errlen, "policy multifactor: preempt_mode=suspend: with QoS preemption Slurm time-slices "
			 "a preemptor and the jobs it suspends (gang scheduling), which capsim does not model; use "
			 "requeue or kill");
	return -CS_EINVAL;
}

static int preempt_param(mf *p, const cs_policy_env *env, char *err, size_t errlen)
{
	const char *v = cs_policy_param_get(env, "preempt_mode");
	double grace;
	int rc = num_param(env, "preempt_exempt_time", 0, 0, &p->preempt_exempt, err, errlen);
	if (rc < 0 || (rc = num_param(env, "preempt_grace_time", 0, 0, &grace, err, errlen)) < 0)
		return rc;
	if (grace > (double)CS_TIME_LIMIT) {
		snprintf(err, errlen, "policy multifactor: preempt_grace_time: '%s' is more than 2^40 s",
			 cs_policy_param_get(env, "preempt_grace_time"));
		return -CS_EINVAL;
	}
	p->preempt_grace = (cs_time)ceil(grace);
	if (v && strcmp(v, "suspend") == 0)
		return refuse_suspend(env, err, errlen);
	const char *only = cs_policy_param_get(env, "preempt_exempt_time") ? "preempt_exempt_time"
			   : cs_policy_param_get(env, "preempt_grace_time") ? "preempt_grace_time" : NULL;
	if ((!v || strcmp(v, "off") == 0) && only) {
		snprintf(err, errlen, "policy multifactor: %s applies with preempt_mode=requeue or kill", only);
		return -CS_EINVAL;
	}
	if (!v || strcmp(v, "off") == 0)
		return 0;
	if (strcmp(v, "requeue") == 0 || strcmp(v, "kill") == 0) {
		if (!env->accounts) {
			snprintf(err, errlen, "policy multifactor: preempt_mode=%s needs --accounts (its qos table says "
				 "which QoS preempts which)", v);
			return -CS_EINVAL;
		}
		p->preempt_mode = 1 + (strcmp(v, "kill") == 0 ? CS_PREEMPT_KILL : CS_PREEMPT_REQUEUE);
		return 0;
	}
	snprintf(err, errlen, "policy multifactor: preempt_mode: '%s' is not one of off, requeue, kill", v);
	return -CS_EINVAL;
}

/* Each job's priority terms that do not move (the same expressions as
 * the pass's, so the same doubles). */
static void prio_inputs(mf *p)
{
	for (size_t k = 0; k < p->njobs; k++) {
		const cs_job *j = &p->jobs[k];
		struct prio_in *x = &p->pin[k];
		x->submit = j->submit_s;
		x->size = p->w_size * (double)j->size / p->total;
		x->extra = p->tree ? p->w_qos * p->tree->job_qos[k] + p->w_part * p->tree->job_partition[k] : 0;
		x->fs_acct = p->tree ? p->uacct[k] : p->acct[k];
		x->estimate = j->estimate_s;
		/* one partition: its key (a job of several may change its
		 * partition when it starts) */
		x->key = cs_partset_of(p->pq.sets, j->partition) < 0 ? cs_partq_key(&p->pq, (uint32_t)k) : UINT32_MAX;
	}
}

enum { NO_SHAPE = UINT32_MAX };

/* The jobs' request shapes (cs_shapeq's), and a refusal memo per shape. */
static int shapes_setup(mf *p)
{
	cs_shapeq q;
	if (cs_shapeq_init(&q, p->jobs, p->njobs) < 0)
		return -CS_ENOMEM;
	p->shape = q.shape; /* kept; the rest goes */
	q.shape = NULL;
	p->nofit = calloc((size_t)q.nshapes + 1, sizeof *p->nofit);
	cs_shapeq_free(&q);
	if (!p->nofit)
		return -CS_ENOMEM;
	for (size_t k = 0; k < p->njobs; k++)
		if (p->pin[k].key == UINT32_MAX)
			p->shape[k] = NO_SHAPE;
	return 0;
}

static int mf_init(void **state, const cs_policy_env *env, char *err, size_t errlen)
{
	mf *p = calloc(1, sizeof *p);
	if (!p)
		return -CS_ENOMEM;
	size_t n = env->njobs ? env->njobs : 1;
	p->jobs = env->jobs;
	p->njobs = env->njobs;
	p->billing = env->billing;
	p->total = env->total_procs ? env->total_procs : 1;
	int rc = 0;
	if ((rc = num_param(env, "weight_age", 1000, 0, &p->w_age, err, errlen)) < 0 ||
	    (rc = num_param(env, "weight_fairshare", 10000, 0, &p->w_fs, err, errlen)) < 0 ||
	    (rc = num_param(env, "weight_size", 0, 0, &p->w_size, err, errlen)) < 0 ||
	    (rc = num_param(env, "max_age", 604800, 1, &p->max_age, err, errlen)) < 0 ||
	    (rc = num_param(env, "half_life", 604800, 1, &p->half_life, err, errlen)) < 0 ||
	    (rc = num_param(env, "weight_qos", 0, 0, &p->w_qos, err, errlen)) < 0 ||
	    (rc = num_param(env, "weight_partition", 0, 0, &p->w_part, err, errlen)) < 0 ||
	    (rc = num_param(env, "calc_period", 300, 1, &p->calc_period, err, errlen)) < 0 ||
	    (rc = preempt_param(p, env, err, errlen)) < 0) {
		mf_destroy(p);
		return rc;
	}
	p->acct = malloc(n * sizeof *p->acct);
	p->acct_id = malloc(n * sizeof *p->acct_id);
	p->run = malloc(n * sizeof *p->run);
	p->run_at = malloc(n * sizeof *p->run_at);
	p->order = malloc(n * sizeof *p->order);
	p->order2 = malloc(n * sizeof *p->order2);
	p->victims = malloc(n * sizeof *p->victims);
	p->chosen = malloc(n * sizeof *p->chosen);
	p->on_nodes = malloc(n);
	p->stop_at = malloc(n * sizeof *p->stop_at);
	if (!p->acct || !p->acct_id || !p->run || cs_rateclass_init(&p->rc) < 0 || !p->run_at || !p->order || !p->order2 || !p->victims || !p->stop_at ||
	    !p->chosen || !p->on_nodes || cs_fifo_init(&p->q, env->njobs) < 0) {
		mf_destroy(p);
		return -CS_ENOMEM;
	}
	if (env->accounts) {
		if ((rc = tree_accounts(p, env, err, errlen)) < 0) {
			mf_destroy(p);
			return rc;
		}
	} else {
		for (size_t i = 0; i < env->njobs; i++)
			p->acct_id[i] = account_of(&env->jobs[i]);
		qsort(p->acct_id, env->njobs, sizeof *p->acct_id, cmp_i64);
		for (size_t i = 0; i < env->njobs; i++)
			if (i == 0 || p->acct_id[i] != p->acct_id[p->nacct - 1])
				p->acct_id[p->nacct++] = p->acct_id[i];
		for (size_t i = 0; i < env->njobs; i++)
			p->acct[i] = acct_index(p, account_of(&env->jobs[i]));
		p->uacct = p->acct;
	}
	p->usage = calloc(p->nacct ? p->nacct : 1, sizeof *p->usage);
	p->share = calloc(p->nacct ? p->nacct : 1, sizeof *p->share);
	p->fs = calloc(p->nacct ? p->nacct : 1, sizeof *p->fs);
	p->fs_pass = calloc(p->nacct ? p->nacct : 1, sizeof *p->fs_pass);
	p->scale = 1;
	p->admitted = calloc(n, 1);
	p->started = malloc(n * sizeof *p->started);
	p->pin = malloc(n * sizeof *p->pin);
	if (!p->usage || !p->share || !p->fs || !p->fs_pass || !p->admitted || !p->started || !p->pin) {
		mf_destroy(p);
		return -CS_ENOMEM;
	}
	if ((!p->tree && (rc = parse_shares(p, cs_policy_param_get(env, "shares"), err, errlen)) < 0) ||
	    (rc = limits_setup(p, env, err, errlen)) < 0) {
		mf_destroy(p);
		return rc;
	}
	p->keep_order = !p->lim.any;
	if (p->keep_order ? !(p->arrived = malloc(n * sizeof *p->arrived)) || !(p->fresh = calloc(n, 1))
			  : cs_prio_hint_init(&p->hint, env->njobs) < 0) {
		mf_destroy(p);
		return -CS_ENOMEM;
	}
	const char *ob = cs_policy_param_get(env, "over_budget");
	if (ob && strcmp(ob, "reject") == 0)
		p->reject_over_budget = 1;
	else if (ob && strcmp(ob, "wait") != 0) {
		snprintf(err, errlen, "policy multifactor: over_budget: '%s' is not one of wait, reject", ob);
		mf_destroy(p);
		return -CS_EINVAL;
	}
	if (cs_partq_init(&p->pq, env->jobs, env->njobs, env->partsets) < 0) {
		mf_destroy(p);
		return -CS_ENOMEM;
	}
	int m = cs_resv_budget_init(&p->rb, env, &p->pq, "multifactor", err, errlen);
	if (m < 0) {
		mf_destroy(p);
		return m;
	}
	p->per_partition = m;
	for (size_t i = 0; i < n; i++)
		p->stop_at[i] = -1;
	prio_inputs(p);
	if ((env->node_model && shapes_setup(p) < 0) || !(p->wkeys = malloc((p->pq.nkeys + 1) * sizeof *p->wkeys))) {
		mf_destroy(p);
		return -CS_ENOMEM;
	}
	p->woken_for = -1;
	p->last = -1;
	p->last_calc = -1;
	*state = p;
	return 0;
}

static void mf_submit(void *state, uint32_t jid)
{
	mf *p = state;
	if (p->admitted[jid]) /* back after a requeue: waiting again */
		cs_limits_resubmit(&p->lim, jid);
	p->stop_at[jid] = -1;
	if (p->keep_order && !p->fresh[jid]) {
		p->fresh[jid] = 1;
		p->arrived[p->narrived++] = jid;
	}
	cs_fifo_push(&p->q, jid);
	cs_partq_push(&p->pq, jid);
}

/* An admitted job no longer counts against its association's submit
 * limits (MaxSubmitJobs, GrpSubmitJobs), as when Slurm cancels it. */
static void mf_cancel(void *state, uint32_t jid)
{
	mf *p = state;
	cs_fifo_remove(&p->q, jid);
	if (p->admitted[jid])
		cs_limits_drop(&p->lim, jid);
}

/* What a running job adds to its account's usage per second: its billing
 * rate (Slurm's billing TRES from the partition's TRESBillingWeights), or
 * its size without weights. */
static double usage_rate(const mf *p, uint32_t jid)
{
	return p->billing ? p->billing[jid] : (double)p->jobs[jid].size;
}

/* What running job r adds to its usage in this pass: its rate class's
 * charge (its own without a class). */
static inline double run_charge(mf *p, const struct running *r, double charge, double scale, uint64_t stamp)
{
	return r->cls == CS_NO_CLASS ? r->rate * charge / scale
				     : cs_rateclass_charge(&p->rc, r->cls, charge, scale, stamp);
}

enum { GONE = UINT32_MAX };

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Is jid in this policy's running list? */
static int running_here(const mf *p, uint32_t jid)
{
	uint32_t i = p->run_at[jid];
	return i < p->nrun && p->run[i].jid == jid && p->run[i].user != GONE;
}

/* jid (running_here) stopped running now: its entry gone, its limits
 * counted off. */
static void run_drop(mf *p, uint32_t jid, cs_time now)
{
	p->run[p->run_at[jid]].user = GONE;
	p->ngone++;
	cs_limits_stop(&p->lim, jid, now, p->started[jid]);
}

/* Running entry i, not gone, moves to k <= i as the list is packed. */
static inline void keep(mf *p, size_t i, size_t k)
{
	if (k < i) {
		p->run_at[p->run[i].jid] = (uint32_t)k;
		p->run[k] = p->run[i];
	}
}

/* The running list without its gone entries, in order. */
static void pack(mf *p)
{
	size_t k = 0;
	for (size_t i = 0; i < p->nrun; i++)
		if (p->run[i].user != GONE)
			keep(p, i, k++);
	p->nrun = k;
	p->ngone = 0;
}

/* Pack the running list once half of it is gone (a pass's charges pack
 * it as they walk it; this is for the passes without a charge). */
static void run_pack(mf *p)
{
	if (2 * p->ngone > p->nrun)
		pack(p);
}

/* Charge each running job, in the list's order, its class's charge of
 * this pass: with a tree (Fair Tree reads no total; it is told who was
 * charged), or into *total. With packing (some entry is gone) the walk
 * packs the list as it goes; returns the entries kept. Written once and
 * inlined for each case as constants, so the walk holds no test of them;
 * the list, usage and total in locals (the same additions in the same
 * order, without reloads through p). */
static inline __attribute__((always_inline)) size_t charge_walk(mf *p, double charge, double scale, uint64_t stamp,
								int tree, int packing, double *total)
{
	struct running *run = p->run;
	double *usage = p->usage, t = *total;
	size_t n = p->nrun, k = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t u = run[i].user;
		if (u == GONE)
			continue;
		double c = run_charge(p, &run[i], charge, scale, stamp);
		usage[u] += c;
		if (tree) {
			if (p->changed_at[u] != p->ncalc + 1) {
				p->changed_at[u] = p->ncalc + 1;
				p->changed[p->nchanged++] = u;
			}
		} else {
			t += c;
		}
		if (packing)
			keep(p, i, k++);
	}
	*total = t;
	return k;
}

/* Decay all usage to now and charge the jobs that ran since the last pass. */
static void account(mf *p, cs_sched_ctx *ctx, cs_time now)
{
	if (p->last >= 0 && now > p->last) {
		double dt = (double)(now - p->last);
		double d = exp2(-dt / p->half_life);
		double charge = (1.0 - d) * p->half_life / M_LN2; /* decayed seconds in [last, now) */
		p->scale *= d;
		double scale = p->scale;
		uint64_t stamp = p->pass + 1;
		double total = p->usage_total;
		if (p->ngone > 0) {
			p->nrun = p->tree ? charge_walk(p, charge, scale, stamp, 1, 1, &total)
					  : charge_walk(p, charge, scale, stamp, 0, 1, &total);
			p->ngone = 0;
		} else if (p->tree) {
			charge_walk(p, charge, scale, stamp, 1, 0, &total);
		} else {
			charge_walk(p, charge, scale, stamp, 0, 0, &total);
		}
		p->usage_total = total;
		if (p->scale < 1e-100) { /* fold the scale in before it underflows */
			for (uint32_t a = 0; a < p->nacct; a++)
				p->usage[a] *= p->scale;
			p->all_changed = 1;
			p->usage_total *= p->scale;
			p->scale = 1;
		}
	}
	p->last = now;
	p->pass++;
	/* drop the jobs that left the running set since the last pass (they
	 * ended, or were stopped at a grace's end), in the list's order (as
	 * their limits count them off) */
	size_t nl = cs_ctx_nleft(ctx), ng = 0;
	uint32_t *at = p->chosen;
	for (size_t i = 0; i < nl; i++) {
		uint32_t jid = cs_ctx_left(ctx, i);
		if (running_here(p, jid))
			at[ng++] = p->run_at[jid];
	}
	qsort(at, ng, sizeof *at, cmp_u32);
	for (size_t i = 0; i < ng; i++)
		run_drop(p, p->run[at[i]].jid, now);
	run_pack(p);
}

/* Slurm's classic fair-share factor of account a, 2^(-U/S), once a pass. */
static double fairshare(mf *p, uint32_t a)
{
	if (p->fs_pass[a] != p->pass) {
		double u = p->usage_total > 0 ? p->usage[a] / p->usage_total : 0;
		p->fs[a] = exp2(-u / p->share[a]);
		p->fs_pass[a] = p->pass;
	}
	return p->fs[a];
}

/* User u's Fair Tree factor in the last computation, read once a
 * computation (here: the pass reads it for every waiting job). */
static inline double tree_factor(mf *p, uint32_t u)
{
	if (p->fs_pass[u] != p->ncalc) {
		p->fs[u] = cs_fairtree_factor(p->ft, u);
		p->fs_pass[u] = p->ncalc;
	}
	return p->fs[u];
}

/* The limit starting jid would break (CS_WAIT_*), or 0 (at once
 * without limits: asked of every waiting job in every pass). */
static inline unsigned over_limit(const mf *p, uint32_t jid)
{
	return p->lim.any ? cs_limits_check(&p->lim, jid) : 0;
}

/* Keep jid waiting for a limit; a budget frees up only when the next
 * period starts, and nothing else may happen before then: ask for a pass
 * at that time. */
static void hold(mf *p, cs_sched_ctx *ctx, uint32_t jid, unsigned lim)
{
	cs_ctx_pending(ctx, jid, lim);
	cs_time next = cs_limits_next_period(&p->lim);
	if (cs_limits_is_budget(lim) && p->woken_for != next) {
		p->woken_for = next;
		cs_ctx_wakeup(ctx, next);
	}
}

/* Start jid in the first of the partitions `which` chooses where it fits
 * (cs_ctx_start_in), and book it. */
static int start_in(mf *p, cs_sched_ctx *ctx, uint32_t jid, uint64_t which, unsigned how)
{
	if (cs_ctx_start_in(ctx, jid, which, how) < 0)
		return -1;
	cs_fifo_remove(&p->q, jid);
	double r = usage_rate(p, jid); /* (as billed where it started) */
	if (p->nrun == p->njobs) /* (full: some entry is gone, as at most every job runs) */
		pack(p);
	p->run_at[jid] = (uint32_t)p->nrun;
	p->run[p->nrun++] = (struct running){ r, cs_rateclass_of(&p->rc, r), jid, p->uacct[jid] };
	p->started[jid] = cs_ctx_now(ctx);
	cs_limits_start(&p->lim, jid, p->started[jid]);
	return 0;
}

static int start(mf *p, cs_sched_ctx *ctx, uint32_t jid, unsigned how)
{
	return start_in(p, ctx, jid, ~0ull, how);
}

/* Victim order: the latest started first (they lose the least work), then
 * the higher job index. */
static int by_youngest(const void *a, const void *b)
{
	const struct victim *x = a, *y = b;
	if (x->started != y->started)
		return x->started > y->started ? -1 : 1;
	return x->jid > y->jid ? -1 : x->jid < y->jid;
}

/* This policy's books for a job the engine stopped now, as at its end (a
 * requeued one counts as waiting again when it is resubmitted, mf_submit;
 * one stopped at its grace's end is taken off by account(), as ended). */
static void stopped(mf *p, uint32_t jid, cs_time now)
{
	run_drop(p, jid, now);
	run_pack(p);
}

/* A victim's grace: its QoS's grace_time, else preempt_grace_time. */
static cs_time grace_of(const mf *p, uint32_t v)
{
	int32_t q = p->tree->job_qos_id[v];
	if (q >= 0 && p->tree->qos_grace && p->tree->qos_grace[q] >= 0)
		return p->tree->qos_grace[q];
	return p->preempt_grace;
}

/* Would the head fit were the first n jobs of p->chosen stopped
 * (cs_ctx_fits_without)? */
static int fits_without(mf *p, cs_sched_ctx *ctx, uint32_t head, size_t n, uint8_t *on_nodes)
{
	return cs_ctx_fits_without(ctx, head, p->chosen, n, on_nodes) == 1;
}

/* QoS preemption (Slurm's preempt/qos with select/cons_tres's choice of
 * preemptees): the head, if its QoS may preempt others (the accounts
 * file's qos preempt lists), may stop running jobs of those QoS in its
 * partition; the candidates are taken the latest started first. Victims
 * are stopped only as a set whose release lets the head be placed, tested
 * on the real allocator before anyone is stopped (cs_ctx_fits_without),
 * and nothing is stopped if no such set exists:
 *   1. jobs signalled already (under grace) count as freed: if they make
 *      room the head waits for them and none more is chosen; if the head
 *      would fit with nothing stopped (only the pass's holds keep it off)
 *      none is chosen either;
 *   2. the fewest candidates, in their order, whose release with the
 *      signalled ones lets the head fit (by bisection on the count; none
 *      if all of them do not);
 *   3. of those, only the ones on the nodes the head would then be placed
 *      on (Slurm preempts the candidates whose resources the preemptor
 *      uses), if the head still fits without the others;
 *   4. then each one the head does not need is spared, the earliest
 *      started first (it would lose the most run): what is stopped is a
 *      set every member of which the head needs.
 * A victim with a grace (its QoS's grace_time, else preempt_grace_time;
 * Slurm's GraceTime) is signalled and runs on until its grace ends
 * (cs_ctx_preempt_after), the head reserved for then; one without stops
 * now. If none of the victims chosen now has a grace, the head tries to
 * start. 0 if the head started. */
static int preempt_for(mf *p, cs_sched_ctx *ctx, uint32_t head)
{
	const cs_account_tree *t = p->tree;
	if (!t || !t->qos_preempts || t->job_qos_id[head] < 0)
		return -1;
	uint32_t qa = (uint32_t)t->job_qos_id[head], nq = t->nqos;
	const cs_job *h = &p->jobs[head];
	size_t nv = 0, nsig = 0;
	cs_time now = cs_ctx_now(ctx), exempt_until = -1;
	for (size_t i = 0; i < p->nrun; i++) {
		uint32_t v = p->run[i].jid;
		if (p->run[i].user == GONE)
			continue;
		int32_t qb = t->job_qos_id[v];
		if (qb < 0 || !t->qos_preempts[(size_t)qa * nq + (uint32_t)qb])
			continue;
		if (h->partition >= 0 && p->jobs[v].partition != h->partition)
			continue;
		if (p->stop_at[v] >= 0) { /* signalled: its grace runs */
			p->chosen[nsig++] = v;
			continue;
		}
		if ((double)(now - p->started[v]) < p->preempt_exempt) {
			/* not yet: it may be preempted from started + exempt on */
			cs_time at = p->started[v] + (cs_time)ceil(p->preempt_exempt);
			if (exempt_until < 0 || at < exempt_until)
				exempt_until = at;
			continue;
		}
		p->victims[nv++] = (struct victim){ p->started[v], v };
	}
	/* a pass when the first exempt victim may go, should this one fail */
	if (exempt_until > now)
		cs_ctx_wakeup(ctx, exempt_until);
	if (!nv || fits_without(p, ctx, head, nsig, NULL))
		return -1; /* 1: the victims under grace make room, or none is in the way */
	qsort(p->victims, nv, sizeof *p->victims, by_youngest);
	uint32_t *set = p->chosen + nsig;
	for (size_t i = 0; i < nv; i++)
		set[i] = p->victims[i].jid;
	if (!fits_without(p, ctx, head, nsig + nv, NULL))
		return -1; /* 2: not even all of them make room */
	size_t lo = 0, hi = nv; /* lo does not fit, hi does */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (fits_without(p, ctx, head, nsig + mid, NULL))
			hi = mid;
		else
			lo = mid;
	}
	size_t m = hi;
	/* 3: only those on the head's nodes */
	fits_without(p, ctx, head, nsig + m, p->on_nodes);
	size_t k = 0;
	for (size_t i = 0; i < m; i++)
		if (p->on_nodes[nsig + i])
			set[k++] = set[i];
	if (k < m && (k == 0 || !fits_without(p, ctx, head, nsig + k, NULL))) {
		for (size_t i = 0; i < m; i++) /* (cannot happen: the head's place is free) */
			set[i] = p->victims[i].jid;
		k = m;
	}
	m = k;
	/* 4: spare whom the head does not need, the earliest started first */
	for (size_t i = m; i-- > 0 && m > 1;) {
		uint32_t v = set[i];
		memmove(&set[i], &set[i + 1], (m - i - 1) * sizeof *set);
		if (fits_without(p, ctx, head, nsig + m - 1, NULL)) {
			m--;
			continue;
		}
		memmove(&set[i + 1], &set[i], (m - i - 1) * sizeof *set);
		set[i] = v;
	}
	unsigned how = (unsigned)(p->preempt_mode - 1);
	int waits = 0;
	for (size_t i = 0; i < m; i++) {
		uint32_t v = set[i];
		cs_time g = grace_of(p, v);
		if (g > 0) {
			if (cs_ctx_preempt_after(ctx, v, how, g) == 0) {
				p->stop_at[v] = now + g;
				waits = 1;
			}
		} else if (cs_ctx_preempt(ctx, v, how) == 0) {
			stopped(p, v, now);
		}
	}
	if (waits)
		return -1; /* the head's hold lands on the graces' ends */
	return start(p, ctx, head, CS_START_HEAD) == 0 ? 0 : -1;
}

/* Every key of p->wkeys[0 .. nw) blocked in this pass? (Not known
 * without any.) */
static int all_blocked(const mf *p, size_t nw)
{
	if (!nw)
		return 0;
	for (size_t k = 0; k < nw; k++)
		if (!p->pq.blocked[p->wkeys[k]])
			return 0;
	return 1;
}

/* Could cs_resv_budget_hold give a job of partition key k (its
 * prio_in's) a hold (as it first checks: its partition's budget not used
 * up; asked for a job of several)? */
static int may_hold(const mf *p, uint32_t k)
{
	return k == UINT32_MAX || p->pq.reserved[k] < p->rb.per_part;
}

/* Would backfill refuse jid without a try (fit generation gen)? */
static inline int refused(const mf *p, uint32_t jid, uint32_t gen)
{
	uint32_t s = p->shape ? p->shape[jid] : NO_SHAPE;
	const struct nofit *m = s != NO_SHAPE ? &p->nofit[s] : NULL;
	return m && m->pass == p->pass && m->gen == gen && (m->est_max < 0 || p->pin[jid].estimate > m->est_max);
}

/* Start jid as a backfill (may it delay no hold): 0 if it started, -1 if
 * not; a refused try teaches the pass its shape's bound. The callers ask
 * refused() first: a refusal the pass has learnt for the shape
 * (cs_ctx_nofit_bound, under the same fit generation: its answer is
 * cs_ctx_start's) refuses the job without a try. */
static int backfill(mf *p, cs_sched_ctx *ctx, uint32_t jid)
{
	uint32_t s = p->shape ? p->shape[jid] : NO_SHAPE;
	struct nofit *m = s != NO_SHAPE ? &p->nofit[s] : NULL;
	if (start(p, ctx, jid, CS_START_BACKFILL) == 0)
		return 0;
	cs_time est;
	if (m && cs_ctx_nofit_bound(ctx, jid, &est)) {
		m->pass = p->pass;
		m->gen = cs_ctx_fit_gen(ctx);
		m->est_max = est;
	}
	return -1;
}

/* Per partition, over the n jobs of p->order (priority order): first the
 * jobs of the partitions not yet blocked, each partition's first that
 * cannot start (after preempting, if its QoS may) blocking it and holding
 * its reservation; then every other job may start if it delays no hold,
 * with more reservations as the budget allows (docs/policies.md#partitions).
 * A job submitted to several partitions is a candidate in those not yet
 * blocked: it starts in the first where it fits, or blocks them all. */
static void pass_partitions(mf *p, cs_sched_ctx *ctx, size_t n)
{
	cs_partq *pq = &p->pq;
	cs_partq_pass(pq);
	cs_resv_budget_pass(&p->rb);
	/* once every key with a waiting job is blocked, no later job has a
	 * partition open: the first loop is over */
	size_t nw = 0;
	for (uint32_t k = 0; k < pq->nkeys; k++)
		if (cs_partq_head(pq, &p->q, k) >= 0)
			p->wkeys[nw++] = k;
	int done = all_blocked(p, nw); /* (only a block below changes it) */
	for (size_t i = 0; i < n && !done; i++) {
		uint32_t jid = p->order[i].jid;
		uint64_t open = cs_partq_open(pq, jid);
		if (!open)
			continue;
		unsigned lim = over_limit(p, jid);
		if (lim) { /* its account reached a limit in this pass */
			hold(p, ctx, jid, lim);
			p->order[i].jid = UINT32_MAX;
			continue;
		}
		if (start_in(p, ctx, jid, open, CS_START_HEAD) == 0 ||
		    (p->preempt_mode && preempt_for(p, ctx, jid) == 0)) {
			p->order[i].jid = UINT32_MAX;
			continue;
		}
		cs_ctx_pending(ctx, jid, CS_WAIT_RESOURCES);
		cs_partq_block(pq, jid, open);
		cs_resv_budget_hold(&p->rb, pq, ctx, jid);
		done = all_blocked(p, nw);
	}
	/* (a job refused() without a try that could not hold either is
	 * passed over before the checks, which change nothing) */
	uint32_t gen = cs_ctx_fit_gen(ctx);
	for (size_t i = 0; i < n; i++) {
		uint32_t jid = p->order[i].jid;
		if (jid == UINT32_MAX)
			continue;
		int no = refused(p, jid, gen);
		if ((no && !may_hold(p, p->order[i].aux)) || cs_resv_budget_holds(&p->rb, jid) || over_limit(p, jid))
			continue;
		if ((no || backfill(p, ctx, jid) < 0) && may_hold(p, p->order[i].aux))
			cs_resv_budget_hold(&p->rb, pq, ctx, jid);
		gen = cs_ctx_fit_gen(ctx);
	}
}

/* Job k's priority now. */
static inline double priority(mf *p, uint32_t k, cs_time now)
{
	const struct prio_in *x = &p->pin[k];
	double age = (double)(now - x->submit) / p->max_age;
	double fs = p->tree ? tree_factor(p, x->fs_acct) : fairshare(p, x->fs_acct);
	double prio = p->w_age * (age < 1 ? age : 1) + p->w_fs * fs + x->size;
	if (p->tree)
		prio += x->extra;
	return prio;
}

/* Waiting job k, first seen in this pass, through the submit limits
 * (which count the association's running and admitted waiting jobs; a
 * job larger than a limit or a whole period's budget on its own could
 * never run): 0 if admitted, -1 if rejected. */
static int admit(mf *p, cs_sched_ctx *ctx, uint32_t k)
{
	unsigned why = cs_limits_admit(&p->lim, k);
	if (why) {
		cs_ctx_reject(ctx, k, why);
		cs_fifo_remove(&p->q, k);
		return -1;
	}
	p->admitted[k] = 1;
	return 0;
}

/* The queue into p->order in priority order, walked in arrival order:
 * the jobs first seen are admitted, those held by a limit neither run
 * nor block others (or are rejected when over budget). Its length. */
static size_t queue_walk(mf *p, cs_sched_ctx *ctx, cs_time now)
{
	size_t n = 0;
	for (long kk = cs_fifo_head(&p->q); kk >= 0; kk = cs_fifo_next(&p->q, (uint32_t)kk + 1)) {
		uint32_t k = (uint32_t)kk;
		if (!p->admitted[k] && admit(p, ctx, k) < 0)
			continue;
		unsigned lim = over_limit(p, k);
		if (lim && p->reject_over_budget && cs_limits_is_budget(lim)) {
			cs_ctx_reject(ctx, k, lim);
			cs_fifo_remove(&p->q, k);
			cs_limits_drop(&p->lim, k);
			continue;
		}
		if (lim) {
			hold(p, ctx, k, lim);
			continue;
		}
		p->order[n++] = (cs_ranked){ priority(p, k, now), k, p->pin[k].key };
	}
	cs_prio_sort_hinted(&p->hint, p->order, p->order2, n);
	return n;
}

/* The jobs submitted since the last pass are seen. */
static void drop_arrived(mf *p)
{
	for (size_t i = 0; i < p->narrived; i++)
		p->fresh[p->arrived[i]] = 0;
	p->narrived = 0;
}

/* queue_walk's order without limits (no holds; admission rejects none,
 * still asked in arrival order), from the last pass's: its jobs still
 * waiting in its order, then the jobs submitted since in jid order (a
 * job requeued since comes back among them), sorted from there. Its
 * length. */
static size_t queue_kept(mf *p, cs_sched_ctx *ctx, cs_time now)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nkept; i++) {
		uint32_t k = p->order[i].jid;
		if (k != UINT32_MAX && !p->fresh[k] && cs_fifo_has(&p->q, k))
			p->order[n++] = (cs_ranked){ priority(p, k, now), k, p->pin[k].key };
	}
	qsort(p->arrived, p->narrived, sizeof *p->arrived, cmp_u32);
	for (size_t i = 0; i < p->narrived; i++) {
		uint32_t k = p->arrived[i];
		if (cs_fifo_has(&p->q, k) && (p->admitted[k] || admit(p, ctx, k) == 0))
			p->order[n++] = (cs_ranked){ priority(p, k, now), k, p->pin[k].key };
	}
	drop_arrived(p);
	cs_prio_sort_kept(p->order, p->order2, n);
	p->nkept = n;
	return n;
}

static void mf_pass(void *state, cs_sched_ctx *ctx)
{
	mf *p = state;
	cs_time now = cs_ctx_now(ctx);
	account(p, ctx, now);
	cs_limits_period(&p->lim, now); /* a new period: every budget starts from zero */
	if (!p->q.count) {
		drop_arrived(p); /* (none waits) */
		return;
	}
	if (p->tree && (p->last_calc < 0 || (double)(now - p->last_calc) >= p->calc_period)) {
		/* only the users charged since the last computation moved */
		cs_fairtree_update(p->ft, p->usage, NULL, p->all_changed ? NULL : p->changed, p->nchanged);
		p->ncalc++;
		p->nchanged = 0;
		p->all_changed = 0;
		p->last_calc = now;
	}
	size_t n = p->keep_order ? queue_kept(p, ctx, now) : queue_walk(p, ctx, now);
	if (p->per_partition) {
		pass_partitions(p, ctx, n);
		return;
	}
	size_t i = 0;
again:
	for (; i < n; i++) {
		uint32_t jid = p->order[i].jid;
		unsigned lim = over_limit(p, jid);
		if (lim) { /* its account reached a limit in this pass */
			hold(p, ctx, jid, lim);
			p->order[i].jid = UINT32_MAX;
			continue;
		}
		if (start(p, ctx, jid, CS_START_HEAD) < 0)
			break;
	}
	if (i == n)
		return;
	uint32_t head = p->order[i].jid;
	if (p->preempt_mode && preempt_for(p, ctx, head) == 0) {
		i++;
		goto again;
	}
	cs_ctx_pending(ctx, head, CS_WAIT_RESOURCES);
	/* EASY under priority order: the head holds what it needs at its
	 * reservation (node-level on a node model); a later job may start now
	 * if it fits and, should it still run then, does not use that. */
	if (cs_ctx_hold(ctx, head, NULL) < 0)
		return;
	int node_model = cs_ctx_node_model(ctx);
	uint32_t gen = cs_ctx_fit_gen(ctx);
	for (size_t k = i + 1; k < n; k++) {
		uint32_t jid = p->order[k].jid;
		if (!node_model && cs_ctx_free(ctx) == 0)
			break;
		if (jid == UINT32_MAX || refused(p, jid, gen) || over_limit(p, jid))
			continue;
		backfill(p, ctx, jid);
		gen = cs_ctx_fit_gen(ctx);
	}
}

static const cs_policy_param mf_params[] = {
	{ "preempt_mode", "off", "off, requeue or kill: a head job whose QoS may preempt others (--accounts qos "
				 "preempt lists) stops the fewest of their running jobs (the latest started first) "
				 "whose release lets it be placed, and none if none do (suspend: refused, "
				 "docs/policies.md)" },
	{ "preempt_grace_time", "0", "seconds a chosen victim runs on, holding its resources, before it is "
				     "stopped (Slurm's GraceTime), for a QoS without grace_time in --accounts; the "
				     "head is reserved for the stop" },
	{ "preempt_exempt_time", "0", "seconds a job must have run before it may be preempted (Slurm's "
				      "PreemptExemptTime); a pass comes when the first such job may go" },
	{ "weight_age", "1000", "weight of the age factor, min(1, waited / max_age)" },
	{ "weight_fairshare", "10000", "weight of the fair-share factor, 2^(-usage share / share); with --accounts "
				       "Slurm's Fair Tree (rank / users)" },
	{ "weight_size", "0", "weight of the size factor, processors / machine" },
	{ "max_age", "604800", "seconds of waiting at which the age factor reaches 1" },
	{ "half_life", "604800", "seconds in which past usage loses half its weight" },
	{ "shares", "", "ACCOUNT:WEIGHT,... (accounts are SWF group ids); others weigh 1 "
			"(not with --accounts: the file gives the shares)" },
	{ "weight_qos", "0", "weight of the QoS factor (the QoS's priority in --accounts / the largest)" },
	{ "weight_partition", "0", "weight of the partition factor (the partition's priority in --accounts / the largest)" },
	{ "calc_period", "300", "with --accounts: seconds between Fair Tree computations (Slurm's PriorityCalcPeriod)" },
	{ "max_running_procs", "0", "per project (account without --accounts): most processors (cores) its running "
				    "jobs may hold, the default GrpTRES=cpu (0: none); a larger job is rejected" },
	{ "max_running_gpus", "0", "per project: most GPUs its running jobs may hold, the default GrpTRES=gres/gpu "
				   "(AssocGrpGRES; node model only)" },
	{ "max_jobs", "0", "per association (user with --accounts, else account): most running jobs, the default "
			   "MaxJobs (0: none); others wait (AssocMaxJobsLimit)" },
	{ "max_submit_jobs", "0", "per association: most running + waiting jobs, the default MaxSubmitJobs (0: none); "
				  "beyond, jobs are rejected (AssocMaxSubmitJobLimit)" },
	{ "budget_procsec", "0", "per project and period: processor-seconds it may be billed, the default "
				 "GrpTRESMins=cpu in seconds (0: none); a job is billed cores x estimate at its start, "
				 "refunded the unused part at its end" },
	{ "budget_gpu_hours", "0", "per project and period: GPU-hours, the default GrpTRESMins=gres/gpu in hours "
				   "(AssocGrpGRESMinutes; node model only)" },
	{ "budget_billing_hours", "0", "per project and period: billing units x hours, the default "
				       "GrpTRESMins=billing in hours (AssocGrpBillingMinutes)" },
	{ "budget_period", "2592000", "length of an allocation period, seconds (periods start at time 0)" },
	{ "over_budget", "wait", "a job the budget cannot cover: wait (for the next period) or reject" },
	CS_PARTITION_PARAMS,
	{ NULL, NULL, NULL },
};

const cs_policy_ops cs_policy_multifactor = {
	.abi = CS_POLICY_ABI,
	.name = "multifactor",
	.summary = "Slurm-like multifactor priority (age, fair-share, size, QoS, partition) with EASY backfilling",
	.params = mf_params,
	.init = mf_init,
	.submit = mf_submit,
	.pass = mf_pass,
	.destroy = mf_destroy,
	.cancel = mf_cancel,
};
