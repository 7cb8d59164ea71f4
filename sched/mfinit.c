/* capsim: multifactor's parameters, association limits, accounts (flat or
 * the accounts tree) and state: its init and destroy (sched/mf.h). */
#include "mf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void mfinit_destroy(void *state)
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
	free(p->rusers);
	free(p->nrunning);
	free(p->rusers_at);
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
	free(p->order_mem);
	free(p->order2);
	free(p->sort_tmp);
	free(p->pin);
	free(p->est);
	free(p->shape);
	free(p->nofit);
	free(p->dead);
	free(p->bound);
	free(p->slot_key);
	free(p->wkeys);
	free(p->nwait);
	free(p->pkeys);
	cs_prio_hint_free(&p->hint);
	free(p->arrived);
	free(p->fresh);
	free(p->until_mem);
	free(p->ubound);
	free(p->fixes);
	free(p->moved);
	free(p->near);
	free(p->wu_first);
	free(p->wu_at);
	free(p->wusers);
	free(p->wj_next);
	free(p->wj_prev);
	free(p->wuchg);
	free(p->uterm);
	free(p->wfac);
	free(p->wmark);
	free(p->gaps);
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
	    !(p->changed = malloc(2 * (size_t)t->nnodes * sizeof *p->changed)) ||
	    !(p->changed_at = calloc(t->nnodes, sizeof *p->changed_at)) ||
	    !(p->rusers = malloc(t->nnodes * sizeof *p->rusers)) ||
	    !(p->nrunning = calloc(t->nnodes, sizeof *p->nrunning)) ||
	    !(p->rusers_at = calloc(t->nnodes, sizeof *p->rusers_at)) || cs_fairtree_new(&p->ft, t) < 0)
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
		x->wfs = 0;
		x->calc = 0; /* (computations count from 1) */
		p->est[k] = j->estimate_s;
		/* one partition: its key (a job of several may change its
		 * partition when it starts) */
		x->key = cs_partset_of(p->pq.sets, j->partition) < 0 ? cs_partq_key(&p->pq, (uint32_t)k) : UINT32_MAX;
	}
}

/* The jobs' request shapes (cs_shapeq's), and a refusal memo per shape. */
static int shapes_setup(mf *p)
{
	uint32_t ns;
	/* the shapes alone: a whole cs_shapeq (its slots and backfill index,
	 * 17 MB filled on a year) was built for them and freed */
	p->shape = malloc((p->njobs ? p->njobs : 1) * sizeof *p->shape);
	if (!p->shape || cs_shapeq_shapes(p->jobs, p->njobs, p->shape, &ns) < 0)
		return -CS_ENOMEM;
	p->nofit = calloc((size_t)ns + 1, sizeof *p->nofit);
	p->dead = calloc((size_t)ns + 1, sizeof *p->dead);
	p->bound = calloc((size_t)ns + 1, sizeof *p->bound);
	p->slot_key = calloc((size_t)ns + 1, sizeof *p->slot_key);
	if (!p->nofit || !p->dead || !p->bound || !p->slot_key)
		return -CS_ENOMEM;
	/* a job's order entries carry its shape's slot; the slot's partition
	 * key is its jobs' (a shape is of one partition) */
	p->slot_key[0] = UINT32_MAX;
	for (size_t k = 0; k < p->njobs; k++) {
		if (p->pin[k].key == UINT32_MAX)
			p->shape[k] = NO_SHAPE;
		else
			p->slot_key[p->shape[k] + 1] = p->pin[k].key;
		p->pin[k].key = p->shape[k] + 1; /* (NO_SHAPE: 0) */
	}
	return 0;
}

int mfinit_init(void **state, const cs_policy_env *env, char *err, size_t errlen)
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
		mfinit_destroy(p);
		return rc;
	}
	p->acct = malloc(n * sizeof *p->acct);
	p->acct_id = malloc(n * sizeof *p->acct_id);
	p->run = malloc(n * sizeof *p->run);
	p->run_at = malloc(n * sizeof *p->run_at);
	/* (and the walk's four sentinels, and room to move the order's start) */
	p->order = p->order_mem = malloc((n + 4 + ORDER_ROOM) * sizeof *p->order);
	p->order2 = malloc(n * sizeof *p->order2);
	p->victims = malloc(n * sizeof *p->victims);
	p->chosen = malloc(n * sizeof *p->chosen);
	p->on_nodes = malloc(n);
	p->stop_at = malloc(n * sizeof *p->stop_at);
	if (!p->acct || !p->acct_id || !p->run || cs_rateclass_init(&p->rc) < 0 || !p->run_at || !p->order || !p->order2 || !p->victims || !p->stop_at ||
	    !p->chosen || !p->on_nodes || cs_fifo_init(&p->q, env->njobs) < 0) {
		mfinit_destroy(p);
		return -CS_ENOMEM;
	}
	if (env->accounts) {
		if ((rc = tree_accounts(p, env, err, errlen)) < 0) {
			mfinit_destroy(p);
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
	p->usage = calloc((size_t)p->nacct + 1, sizeof *p->usage); /* and the gone entries' */
	if (!p->tree) { /* (the flat factor's: Fair Tree keeps its own) */
		p->share = calloc(p->nacct ? p->nacct : 1, sizeof *p->share);
		p->fs = calloc(p->nacct ? p->nacct : 1, sizeof *p->fs);
		p->fs_pass = calloc(p->nacct ? p->nacct : 1, sizeof *p->fs_pass);
	}
	p->scale = 1;
	p->inv = 1;
	p->decay_k = p->half_life / M_LN2;
	p->admitted = calloc(n, 1);
	p->started = malloc(n * sizeof *p->started);
	p->pin = malloc(n * sizeof *p->pin);
	p->est = malloc(n * sizeof *p->est);
	p->late = p->tree && !mf_charging_each_pass();
	if (!p->usage || (!p->tree && (!p->share || !p->fs || !p->fs_pass)) || !p->admitted || !p->started || !p->pin ||
	    !p->est) {
		mfinit_destroy(p);
		return -CS_ENOMEM;
	}
	if ((!p->tree && (rc = parse_shares(p, cs_policy_param_get(env, "shares"), err, errlen)) < 0) ||
	    (rc = limits_setup(p, env, err, errlen)) < 0) {
		mfinit_destroy(p);
		return rc;
	}
	p->keep_order = !p->lim.any;
	if (p->keep_order ? !(p->arrived = malloc(n * sizeof *p->arrived)) || !(p->fresh = calloc(n, 1)) ||
				    !(p->until = p->until_mem = malloc((n + ORDER_ROOM) * sizeof *p->until)) ||
				    !(p->ubound = calloc((n + ORDER_ROOM) / UNTIL_BLOCK + 1, sizeof *p->ubound)) ||
				    !(p->fixes = malloc(n * sizeof *p->fixes)) ||
				    !(p->moved = malloc(n * sizeof *p->moved)) || !(p->gaps = malloc(n * sizeof *p->gaps)) ||
				    !(p->near = malloc(n * sizeof *p->near))
			  : cs_prio_hint_init(&p->hint, env->njobs) < 0) {
		mfinit_destroy(p);
		return -CS_ENOMEM;
	}
	for (size_t i = 0; p->keep_order && i < n + ORDER_ROOM; i++) /* (a bound may read any: sched/mfcert.c) */
		p->until_mem[i] = INT64_MAX;
	for (size_t i = 0; p->keep_order && i < n; i++)
		p->near[i] = UINT32_MAX;
	if (p->keep_order && p->tree) {
		size_t nn = p->tree->nnodes;
		if (!(p->wu_first = malloc(nn * sizeof *p->wu_first)) || !(p->wu_at = malloc(nn * sizeof *p->wu_at)) ||
		    !(p->wusers = malloc(nn * sizeof *p->wusers)) || !(p->wuchg = malloc(nn * sizeof *p->wuchg)) ||
		    !(p->uterm = calloc(nn, sizeof *p->uterm)) || !(p->wfac = malloc(nn * sizeof *p->wfac)) ||
		    !(p->wj_next = malloc(n * sizeof *p->wj_next)) || !(p->wj_prev = malloc(n * sizeof *p->wj_prev)) ||
		    !(p->wmark = calloc(n / 64 + 1, sizeof *p->wmark))) {
			mfinit_destroy(p);
			return -CS_ENOMEM;
		}
		for (size_t u = 0; u < nn; u++)
			p->wu_first[u] = UINT32_MAX;
	}
	const char *ob = cs_policy_param_get(env, "over_budget");
	if (ob && strcmp(ob, "reject") == 0)
		p->reject_over_budget = 1;
	else if (ob && strcmp(ob, "wait") != 0) {
		snprintf(err, errlen, "policy multifactor: over_budget: '%s' is not one of wait, reject", ob);
		mfinit_destroy(p);
		return -CS_EINVAL;
	}
	if (cs_partq_init(&p->pq, env->jobs, env->njobs, env->partsets) < 0) {
		mfinit_destroy(p);
		return -CS_ENOMEM;
	}
	int m = cs_resv_budget_init(&p->rb, env, &p->pq, "multifactor", err, errlen);
	if (m < 0) {
		mfinit_destroy(p);
		return m;
	}
	p->per_partition = m;
	for (size_t i = 0; i < n; i++)
		p->stop_at[i] = -1;
	prio_inputs(p);
	if ((env->node_model && shapes_setup(p) < 0) || !(p->wkeys = malloc((p->pq.nkeys + 1) * sizeof *p->wkeys)) ||
	    !(p->nwait = calloc(p->pq.nkeys + 1, sizeof *p->nwait)) ||
	    !(p->pkeys = calloc(p->pq.nkeys + 1, sizeof *p->pkeys))) {
		mfinit_destroy(p);
		return -CS_ENOMEM;
	}
	p->woken_for = -1;
	p->last = -1;
	p->last_calc = -1;
	*state = p;
	return 0;
}
