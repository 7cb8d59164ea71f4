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
 * h / ln 2. Without an accounts file, accounts are the SWF group ids
 * (projects on a node model; the user id where the group is missing), with
 * equal shares unless `shares` says otherwise ("ACCOUNT:WEIGHT,...").
 * With one, usage is kept per user node of the tree, and the per-account
 * limits and budgets count per project (the account node a job's project
 * names). Ties in priority go to the earlier arrival.
 *
 * Each pass sorts the queue by priority (O(queue log queue)): the
 * straightforward implementation.
 */
#include "capsim/fairtree.h"
#include "capsim/sched.h"
#include "fifo.h"
#include "partq.h"
#include "priosort.h"

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
	double max_running;   /* per account, processors; 0: no limit */
	unsigned why_running, why_budget; /* the reasons the two limits give (GPU forms: Slurm's GRES ones) */
	double preempt_exempt; /* seconds a job runs before it may be preempted (Slurm's PreemptExemptTime) */
	double max_jobs;      /* per account, running jobs; 0: no limit */
	double max_submit;    /* per account, running + waiting jobs; 0: no limit */
	uint64_t *acct_running; /* per account: processors of its running jobs */
	uint32_t *acct_njobs;   /* per account: running jobs */
	uint32_t *acct_waiting; /* per account: admitted waiting jobs */
	uint8_t *admitted;      /* per job: passed the submit limit */
	/* budgets: processor-seconds an account may spend per period. A job is
	 * billed size x estimate when it starts, in the period it starts in,
	 * and refunded what it did not use when it ends. */
	double budget, period;
	int reject_over_budget;
	double *billed;         /* per account, this period */
	int64_t cur_period;
	int64_t woken_for;      /* the period start a wakeup was asked for */
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
	double *fs;           /* per account: fair-share factor, valid when fs_pass == pass */
	uint64_t *fs_pass;
	uint64_t pass;
	cs_time last;         /* time of the last usage update */
	uint32_t *run;        /* jobs this policy started and believes running */
	size_t nrun;
	uint64_t *seen;       /* per job: the pass that found it in the engine's running list */
	cs_ranked *order;          /* scratch: queued jobs */
	cs_ranked *order2;         /* scratch: the radix sort's other buffer */
	/* with an accounts file: accounts are the tree's nodes; a job's
	 * limits and budget count on its project's node (acct), its usage on
	 * its user's node (uacct); without, uacct is acct */
	const cs_account_tree *tree;
	uint32_t *uacct;      /* per job: the account its usage is charged to */
	cs_fairtree *ft;
	double *ft_factor;    /* per node: Fair Tree factor of the last computation */
	uint32_t *changed;    /* users whose usage grew since the last computation */
	uint32_t nchanged;
	uint64_t *changed_at; /* per node: the computation it was listed for (+1) */
	uint64_t ncalc;       /* computations so far */
	int all_changed;      /* every usage moved (the scale was folded in) */
	double calc_period;
	int preempt_mode;     /* 0 off, 1 + CS_PREEMPT_REQUEUE / CS_PREEMPT_KILL */
	struct victim { cs_time started; uint32_t jid; } *victims; /* scratch: running jobs a head may preempt */
	cs_time last_calc;
	double w_qos, w_part;
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
	if (p->uacct != p->acct)
		free(p->uacct);
	cs_fairtree_free(p->ft);
	free(p->ft_factor);
	free(p->changed);
	free(p->changed_at);
	free(p->acct);
	free(p->acct_id);
	free(p->usage);
	free(p->share);
	free(p->fs);
	free(p->fs_pass);
	free(p->acct_running);
	free(p->acct_njobs);
	free(p->acct_waiting);
	free(p->admitted);
	free(p->billed);
	free(p->started);
	free(p->run);
	free(p->seen);
	free(p->order);
	free(p->order2);
	free(p->victims);
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

/* max_running_gpus and budget_gpu_hours: the same limits stated in GPUs
 * and GPU-hours (a job's size is its GPUs on a node model; its cores for a
 * CPU-only job, its processors on a pooled machine). */
static int gpu_aliases(mf *p, const cs_policy_env *env, char *err, size_t errlen)
{
	double v;
	int rc;
	if ((rc = num_param(env, "max_running_gpus", 0, 0, &v, err, errlen)) < 0)
		return rc;
	if (cs_policy_param_get(env, "max_running_gpus")) {
		if (cs_policy_param_get(env, "max_running_procs")) {
			snprintf(err, errlen, "policy multifactor: max_running_gpus and max_running_procs are the same "
				 "limit: give one");
			return -CS_EINVAL;
		}
		p->max_running = v;
		p->why_running = CS_WAIT_GRES_LIMIT;
	}
	if ((rc = num_param(env, "budget_gpu_hours", 0, 0, &v, err, errlen)) < 0)
		return rc;
	if (cs_policy_param_get(env, "budget_gpu_hours")) {
		if (cs_policy_param_get(env, "budget_procsec")) {
			snprintf(err, errlen, "policy multifactor: budget_gpu_hours and budget_procsec are the same "
				 "budget: give one");
			return -CS_EINVAL;
		}
		p->budget = v * 3600.0;
		p->why_budget = CS_WAIT_GRES_BUDGET;
	}
	return 0;
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
	if (!(p->uacct = malloc(n * sizeof *p->uacct)) || !(p->ft_factor = calloc(t->nnodes, sizeof *p->ft_factor)) ||
	    !(p->changed = malloc(t->nnodes * sizeof *p->changed)) ||
	    !(p->changed_at = calloc(t->nnodes, sizeof *p->changed_at)) || cs_fairtree_new(&p->ft, t) < 0)
		return -CS_ENOMEM;
	for (size_t i = 0; i < env->njobs; i++) {
		p->acct[i] = t->job_account[i];
		p->uacct[i] = t->job_user[i];
	}
	return 0;
}

static int preempt_param(mf *p, const cs_policy_env *env, char *err, size_t errlen)
{
	const char *v = cs_policy_param_get(env, "preempt_mode");
	int rc = num_param(env, "preempt_exempt_time", 0, 0, &p->preempt_exempt, err, errlen);
	if (rc < 0)
		return rc;
	if ((!v || strcmp(v, "off") == 0) && cs_policy_param_get(env, "preempt_exempt_time")) {
		snprintf(err, errlen, "policy multifactor: preempt_exempt_time applies with preempt_mode=requeue or kill");
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

static int mf_init(void **state, const cs_policy_env *env, char *err, size_t errlen)
{
	mf *p = calloc(1, sizeof *p);
	if (!p)
		return -CS_ENOMEM;
	size_t n = env->njobs ? env->njobs : 1;
	p->jobs = env->jobs;
	p->njobs = env->njobs;
	p->total = env->total_procs ? env->total_procs : 1;
	p->why_running = CS_WAIT_CPU_LIMIT;
	p->why_budget = CS_WAIT_BUDGET;
	int rc = 0;
	if ((rc = num_param(env, "weight_age", 1000, 0, &p->w_age, err, errlen)) < 0 ||
	    (rc = num_param(env, "weight_fairshare", 10000, 0, &p->w_fs, err, errlen)) < 0 ||
	    (rc = num_param(env, "weight_size", 0, 0, &p->w_size, err, errlen)) < 0 ||
	    (rc = num_param(env, "max_age", 604800, 1, &p->max_age, err, errlen)) < 0 ||
	    (rc = num_param(env, "half_life", 604800, 1, &p->half_life, err, errlen)) < 0 ||
	    (rc = num_param(env, "max_running_procs", 0, 0, &p->max_running, err, errlen)) < 0 ||
	    (rc = num_param(env, "max_jobs", 0, 0, &p->max_jobs, err, errlen)) < 0 ||
	    (rc = num_param(env, "max_submit_jobs", 0, 0, &p->max_submit, err, errlen)) < 0 ||
	    (rc = num_param(env, "budget_procsec", 0, 0, &p->budget, err, errlen)) < 0 ||
	    (rc = num_param(env, "budget_period", 2592000, 1, &p->period, err, errlen)) < 0 ||
	    (rc = num_param(env, "weight_qos", 0, 0, &p->w_qos, err, errlen)) < 0 ||
	    (rc = num_param(env, "weight_partition", 0, 0, &p->w_part, err, errlen)) < 0 ||
	    (rc = num_param(env, "calc_period", 300, 1, &p->calc_period, err, errlen)) < 0 ||
	    (rc = preempt_param(p, env, err, errlen)) < 0 ||
	    (rc = gpu_aliases(p, env, err, errlen)) < 0) {
		mf_destroy(p);
		return rc;
	}
	p->acct = malloc(n * sizeof *p->acct);
	p->acct_id = malloc(n * sizeof *p->acct_id);
	p->run = malloc(n * sizeof *p->run);
	p->seen = calloc(n, sizeof *p->seen);
	p->order = malloc(n * sizeof *p->order);
	p->order2 = malloc(n * sizeof *p->order2);
	p->victims = malloc(n * sizeof *p->victims);
	if (!p->acct || !p->acct_id || !p->run || !p->seen || !p->order || !p->order2 || !p->victims ||
	    cs_fifo_init(&p->q, env->njobs) < 0) {
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
	p->acct_running = calloc(p->nacct ? p->nacct : 1, sizeof *p->acct_running);
	p->acct_njobs = calloc(p->nacct ? p->nacct : 1, sizeof *p->acct_njobs);
	p->acct_waiting = calloc(p->nacct ? p->nacct : 1, sizeof *p->acct_waiting);
	p->admitted = calloc(n, 1);
	p->billed = calloc(p->nacct ? p->nacct : 1, sizeof *p->billed);
	p->started = malloc(n * sizeof *p->started);
	if (!p->usage || !p->share || !p->fs || !p->fs_pass || !p->acct_running || !p->acct_njobs || !p->acct_waiting || !p->admitted ||
	    !p->billed || !p->started) {
		mf_destroy(p);
		return -CS_ENOMEM;
	}
	if (!p->tree && (rc = parse_shares(p, cs_policy_param_get(env, "shares"), err, errlen)) < 0) {
		mf_destroy(p);
		return rc;
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
	p->cur_period = -1;
	p->woken_for = -1;
	p->last = -1;
	p->last_calc = -1;
	*state = p;
	return 0;
}

static void mf_submit(void *state, uint32_t jid)
{
	mf *p = state;
	cs_fifo_push(&p->q, jid);
	cs_partq_push(&p->pq, jid);
}

/* Decay all usage to now and charge the jobs that ran since the last pass. */
static void account(mf *p, cs_sched_ctx *ctx, cs_time now)
{
	if (p->last >= 0 && now > p->last) {
		double dt = (double)(now - p->last);
		double d = exp2(-dt / p->half_life);
		double charge = (1.0 - d) * p->half_life / M_LN2; /* decayed seconds in [last, now) */
		p->scale *= d;
		for (size_t i = 0; i < p->nrun; i++) {
			double c = p->jobs[p->run[i]].size * charge / p->scale;
			uint32_t u = p->uacct[p->run[i]];
			p->usage[u] += c;
			p->usage_total += c;
			if (p->tree && p->changed_at[u] != p->ncalc + 1) {
				p->changed_at[u] = p->ncalc + 1;
				p->changed[p->nchanged++] = u;
			}
		}
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
	/* keep only the jobs still running (the rest ended by now) */
	size_t nr = cs_ctx_nrunning(ctx);
	for (size_t i = 0; i < nr; i++) {
		cs_time e;
		uint32_t size, jid;
		cs_ctx_running(ctx, i, &e, &size, &jid);
		p->seen[jid] = p->pass;
	}
	size_t k = 0;
	for (size_t i = 0; i < p->nrun; i++) {
		if (p->seen[p->run[i]] == p->pass)
			p->run[k++] = p->run[i];
		else {
			uint32_t jid = p->run[i];
			p->acct_running[p->acct[jid]] -= p->jobs[jid].size;
			p->acct_njobs[p->acct[jid]]--;
			/* it ended now: refund the estimate it did not use, if it
			 * was billed in this period */
			if (p->budget > 0 && (int64_t)(p->started[jid] / (cs_time)p->period) == p->cur_period) {
				cs_time used = now - p->started[jid];
				if (used < p->jobs[jid].estimate_s)
					p->billed[p->acct[jid]] -=
						(double)p->jobs[jid].size * (double)(p->jobs[jid].estimate_s - used);
			}
		}
	}
	p->nrun = k;
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

static double bill_of(const mf *p, uint32_t jid)
{
	return (double)p->jobs[jid].size * (double)p->jobs[jid].estimate_s;
}

/* The limit starting jid would break (CS_WAIT_*), or 0. */
static unsigned over_limit(const mf *p, uint32_t jid)
{
	uint32_t a = p->acct[jid];
	if (p->budget > 0 && p->billed[a] + bill_of(p, jid) > p->budget)
		return p->why_budget;
	if (p->max_running > 0 && (double)(p->acct_running[a] + p->jobs[jid].size) > p->max_running)
		return p->why_running;
	if (p->max_jobs > 0 && (double)(p->acct_njobs[a] + 1) > p->max_jobs)
		return CS_WAIT_JOBS_LIMIT;
	return 0;
}

/* Keep jid waiting for a limit; a budget frees up only when the next
 * period starts, and nothing else may happen before then: ask for a pass
 * at that time. */
static void hold(mf *p, cs_sched_ctx *ctx, uint32_t jid, unsigned lim)
{
	cs_ctx_pending(ctx, jid, lim);
	if (lim == p->why_budget && p->woken_for != p->cur_period + 1) {
		p->woken_for = p->cur_period + 1;
		cs_ctx_wakeup(ctx, (cs_time)(p->cur_period + 1) * (cs_time)p->period);
	}
}

/* Start jid in the first of the partitions `which` chooses where it fits
 * (cs_ctx_start_in), and book it. */
static int start_in(mf *p, cs_sched_ctx *ctx, uint32_t jid, uint64_t which, unsigned how)
{
	if (cs_ctx_start_in(ctx, jid, which, how) < 0)
		return -1;
	cs_fifo_remove(&p->q, jid);
	p->run[p->nrun++] = jid;
	p->acct_running[p->acct[jid]] += p->jobs[jid].size;
	p->acct_njobs[p->acct[jid]]++;
	p->acct_waiting[p->acct[jid]]--;
	p->started[jid] = cs_ctx_now(ctx);
	if (p->budget > 0)
		p->billed[p->acct[jid]] += bill_of(p, jid);
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

/* This policy's books for a job the engine stopped (as at its end), and,
 * when requeued, its place among the account's waiting jobs. */
static void stopped(mf *p, uint32_t jid, cs_time now, int requeued)
{
	size_t k = 0;
	for (size_t i = 0; i < p->nrun; i++)
		if (p->run[i] != jid)
			p->run[k++] = p->run[i];
	p->nrun = k;
	p->acct_running[p->acct[jid]] -= p->jobs[jid].size;
	p->acct_njobs[p->acct[jid]]--;
	if (p->budget > 0 && (int64_t)(p->started[jid] / (cs_time)p->period) == p->cur_period) {
		cs_time used = now - p->started[jid];
		if (used < p->jobs[jid].estimate_s)
			p->billed[p->acct[jid]] -= (double)p->jobs[jid].size * (double)(p->jobs[jid].estimate_s - used);
	}
	if (requeued)
		p->acct_waiting[p->acct[jid]]++;
}

/* QoS preemption (Slurm's preempt/qos): the head, if its QoS may preempt
 * others (the accounts file's qos preempt lists), stops running jobs of
 * those QoS in its partition, the latest started first, until it starts.
 * Nothing is stopped unless those jobs and the free resources add up to
 * the head's size (GPUs; for a CPU-only head, its cores are not checked).
 * 0 if the head started. */
static int preempt_for(mf *p, cs_sched_ctx *ctx, uint32_t head)
{
	const cs_account_tree *t = p->tree;
	if (!t || !t->qos_preempts || t->job_qos_id[head] < 0)
		return -1;
	uint32_t qa = (uint32_t)t->job_qos_id[head], nq = t->nqos;
	const cs_job *h = &p->jobs[head];
	size_t nv = 0;
	uint64_t freed = cs_ctx_free(ctx);
	cs_time now = cs_ctx_now(ctx), exempt_until = -1;
	for (size_t i = 0; i < p->nrun; i++) {
		uint32_t v = p->run[i];
		int32_t qb = t->job_qos_id[v];
		if (qb < 0 || !t->qos_preempts[(size_t)qa * nq + (uint32_t)qb])
			continue;
		if (h->partition >= 0 && p->jobs[v].partition != h->partition)
			continue;
		if ((double)(now - p->started[v]) < p->preempt_exempt) {
			/* not yet: it may be preempted from started + exempt on */
			cs_time at = p->started[v] + (cs_time)ceil(p->preempt_exempt);
			if (exempt_until < 0 || at < exempt_until)
				exempt_until = at;
			continue;
		}
		p->victims[nv++] = (struct victim){ p->started[v], v };
		freed += p->jobs[v].size;
	}
	/* a pass when the first exempt victim may go, should this one fail */
	if (exempt_until > now)
		cs_ctx_wakeup(ctx, exempt_until);
	if (!nv || (h->gpus_per_node && freed < h->size))
		return -1;
	qsort(p->victims, nv, sizeof *p->victims, by_youngest);
	unsigned how = (unsigned)(p->preempt_mode - 1);
	for (size_t i = 0; i < nv; i++) {
		if (cs_ctx_preempt(ctx, p->victims[i].jid, how) < 0)
			continue;
		stopped(p, p->victims[i].jid, now, how == CS_PREEMPT_REQUEUE);
		if (start(p, ctx, head, CS_START_HEAD) == 0)
			return 0;
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
	for (size_t i = 0; i < n; i++) {
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
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t jid = p->order[i].jid;
		if (jid == UINT32_MAX || cs_resv_budget_holds(&p->rb, jid) || over_limit(p, jid))
			continue;
		if (start(p, ctx, jid, CS_START_BACKFILL) < 0)
			cs_resv_budget_hold(&p->rb, pq, ctx, jid);
	}
}

static void mf_pass(void *state, cs_sched_ctx *ctx)
{
	mf *p = state;
	cs_time now = cs_ctx_now(ctx);
	account(p, ctx, now);
	if (p->budget > 0 && now / (cs_time)p->period != p->cur_period) {
		/* a new allocation period: every account starts from zero */
		p->cur_period = now / (cs_time)p->period;
		for (uint32_t a = 0; a < p->nacct; a++)
			p->billed[a] = 0;
	}
	if (!p->q.count)
		return;
	if (p->tree && (p->last_calc < 0 || (double)(now - p->last_calc) >= p->calc_period)) {
		/* only the users charged since the last computation moved */
		cs_fairtree_update(p->ft, p->usage, p->ft_factor, p->all_changed ? NULL : p->changed, p->nchanged);
		p->ncalc++;
		p->nchanged = 0;
		p->all_changed = 0;
		p->last_calc = now;
	}
	size_t n = 0;
	for (long kk = cs_fifo_head(&p->q); kk >= 0; kk = cs_fifo_next(&p->q, (uint32_t)kk + 1)) {
		uint32_t k = (uint32_t)kk;
		uint32_t a = p->acct[k];
		if (!p->admitted[k]) {
			/* first seen: the submit limit counts the account's running
			 * and admitted waiting jobs, in arrival order */
			if (p->max_submit > 0 && (double)(p->acct_njobs[a] + p->acct_waiting[a] + 1) > p->max_submit) {
				cs_ctx_reject(ctx, k, CS_WAIT_SUBMIT_LIMIT);
				cs_fifo_remove(&p->q, k);
				continue;
			}
			if (p->max_running > 0 && (double)p->jobs[k].size > p->max_running) {
				/* larger than its account's limit on its own: it could never run */
				cs_ctx_reject(ctx, k, p->why_running);
				cs_fifo_remove(&p->q, k);
				continue;
			}
			if (p->budget > 0 && bill_of(p, k) > p->budget) {
				/* its own estimate exceeds a whole period's budget */
				cs_ctx_reject(ctx, k, p->why_budget);
				cs_fifo_remove(&p->q, k);
				continue;
			}
			p->admitted[k] = 1;
			p->acct_waiting[a]++;
		}
		unsigned lim = over_limit(p, k);
		if (lim == p->why_budget && p->reject_over_budget) {
			cs_ctx_reject(ctx, k, p->why_budget);
			cs_fifo_remove(&p->q, k);
			p->acct_waiting[a]--;
			continue;
		}
		if (lim) {
			/* held by its account's limit: neither runs nor blocks others */
			hold(p, ctx, k, lim);
			continue;
		}
		const cs_job *j = &p->jobs[k];
		double age = (double)(now - j->submit_s) / p->max_age;
		double fs = p->tree ? p->ft_factor[p->uacct[k]] : fairshare(p, a);
		double prio = p->w_age * (age < 1 ? age : 1) + p->w_fs * fs + p->w_size * (double)j->size / p->total;
		if (p->tree)
			prio += p->w_qos * p->tree->job_qos[k] + p->w_part * p->tree->job_partition[k];
		p->order[n++] = (cs_ranked){ prio, k };
	}
	cs_prio_sort(p->order, p->order2, n);
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
	for (size_t k = i + 1; k < n; k++) {
		if (!node_model && cs_ctx_free(ctx) == 0)
			break;
		if (p->order[k].jid == UINT32_MAX || over_limit(p, p->order[k].jid))
			continue;
		start(p, ctx, p->order[k].jid, CS_START_BACKFILL);
	}
}

static const cs_policy_param mf_params[] = {
	{ "preempt_mode", "off", "off, requeue or kill: a head job whose QoS may preempt others (--accounts qos "
				 "preempt lists) stops their running jobs, the latest started first, until it starts" },
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
	{ "max_running_procs", "0", "per account: most processors its running jobs may hold (0: no limit); "
				    "a job larger than that is rejected" },
	{ "max_running_gpus", "0", "max_running_procs in GPUs: on a node model a job's size is its GPUs "
				   "(its cores if CPU-only); give one of the two" },
	{ "max_jobs", "0", "per account: most running jobs (0: no limit); others wait (AssocMaxJobsLimit)" },
	{ "max_submit_jobs", "0", "per account: most running + waiting jobs (0: no limit); "
				  "beyond, jobs are rejected (AssocMaxSubmitJobLimit)" },
	{ "budget_procsec", "0", "per account and period: processor-seconds it may be billed (0: no budget); "
				 "a job is billed size x estimate at its start, refunded the unused part at its end" },
	{ "budget_gpu_hours", "0", "budget_procsec in GPU-hours (size x seconds / 3600; size = GPUs on a node "
				   "model); give one of the two" },
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
};
