/* capsim: association limits (sched/assoc.h). */
#include "assoc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned grp_reason[CS_TRES_N] = { CS_WAIT_CPU_LIMIT, CS_WAIT_MEM_LIMIT, CS_WAIT_NODE_LIMIT,
						CS_WAIT_GRES_LIMIT, CS_WAIT_BILLING_LIMIT };
static const unsigned mins_reason[CS_TRES_N] = { CS_WAIT_BUDGET, CS_WAIT_MEM_BUDGET, CS_WAIT_NODE_BUDGET,
						 CS_WAIT_GRES_BUDGET, CS_WAIT_BILLING_BUDGET };
static const unsigned per_job_reason[CS_TRES_N] = { CS_WAIT_MAX_CPU_PER_JOB, CS_WAIT_MAX_MEM_PER_JOB,
						    CS_WAIT_MAX_NODE_PER_JOB, CS_WAIT_MAX_GRES_PER_JOB,
						    CS_WAIT_MAX_BILLING_PER_JOB };

static int set(double v) { return v >= 0 && v < INFINITY; }

/* What job j holds of each TRES while it runs. */
static void amounts(const cs_limits *L, uint32_t jid, double a[CS_TRES_N])
{
	const cs_job *j = &L->jobs[jid];
	double n = j->nodes;
	a[CS_TRES_CPU] = j->nodes ? n * j->cores_per_node : (double)j->size;
	a[CS_TRES_MEM] = n * j->mem_per_node_mib;
	a[CS_TRES_NODE] = n;
	a[CS_TRES_GPU] = n * j->gpus_per_node;
	a[CS_TRES_BILLING] = L->billing ? L->billing[jid] : (double)j->size;
}

static int32_t up(const cs_limits *L, uint32_t v) { return L->parent ? L->parent[v] : -1; }

int cs_limits_init(cs_limits *L, const cs_policy_env *env, const int32_t *parent, uint32_t nnodes,
		   const cs_assoc_limit *lim, const uint32_t *assoc, double period, const char *policy, char *err,
		   size_t errlen)
{
	memset(L, 0, sizeof *L);
	L->nnodes = nnodes;
	L->parent = parent;
	L->assoc = assoc;
	L->jobs = env->jobs;
	L->billing = env->billing;
	L->period = period;
	L->cur_period = -1;
	size_t n = nnodes ? nnodes : 1;
	L->lim = malloc(n * sizeof *L->lim);
	L->has_grp = calloc(n, 1);
	L->run = calloc(n, sizeof *L->run);
	L->used = calloc(n, sizeof *L->used);
	L->njobs = calloc(n, sizeof *L->njobs);
	L->nsub = calloc(n, sizeof *L->nsub);
	if (!L->lim || !L->has_grp || !L->run || !L->used || !L->njobs || !L->nsub) {
		cs_limits_free(L);
		return -CS_ENOMEM;
	}
	memcpy(L->lim, lim, nnodes * sizeof *L->lim);
	for (uint32_t v = 0; v < nnodes; v++) {
		cs_assoc_limit *m = &L->lim[v];
		/* Max* from the nearest ancestor that sets it (parents come first) */
		int32_t p = up(L, v);
		if (p >= 0) {
			const cs_assoc_limit *q = &L->lim[p];
			if (m->max_jobs < 0)
				m->max_jobs = q->max_jobs;
			if (m->max_submit < 0)
				m->max_submit = q->max_submit;
			for (int t = 0; t < CS_TRES_N; t++)
				if (m->max_tres_per_job[t] < 0)
					m->max_tres_per_job[t] = q->max_tres_per_job[t];
		}
		int g = set(m->grp_jobs) || set(m->grp_submit);
		for (int t = 0; t < CS_TRES_N; t++) {
			g |= set(m->grp_tres[t]) || set(m->grp_tres_mins[t]);
			L->any_mins |= set(m->grp_tres_mins[t]);
			L->any |= set(m->max_tres_per_job[t]);
			if (!env->node_model && t != CS_TRES_CPU && t != CS_TRES_BILLING &&
			    (set(m->grp_tres[t]) || set(m->grp_tres_mins[t]) || set(m->max_tres_per_job[t]))) {
				snprintf(err, errlen, "policy %s: a %s limit needs the node model (jobs on pooled "
					 "processors hold no %s); give cpu or billing limits, or run with a cluster "
					 "config", policy, cs_tres_names[t], t == CS_TRES_MEM ? "memory" : cs_tres_names[t]);
				cs_limits_free(L);
				return -CS_EINVAL;
			}
		}
		L->has_grp[v] = (uint8_t)g;
		L->any |= g || set(m->max_jobs) || set(m->max_submit);
	}
	return 0;
}

void cs_limits_free(cs_limits *L)
{
	free(L->lim);
	free(L->has_grp);
	free(L->run);
	free(L->used);
	free(L->njobs);
	free(L->nsub);
	memset(L, 0, sizeof *L);
}

unsigned cs_limits_admit(cs_limits *L, uint32_t jid)
{
	if (!L->any)
		return 0;
	double a[CS_TRES_N], est = (double)L->jobs[jid].estimate_s;
	amounts(L, jid, a);
	uint32_t leaf = L->assoc[jid];
	const cs_assoc_limit *m = &L->lim[leaf];
	if (set(m->max_submit) && (double)L->nsub[leaf] + 1 > m->max_submit)
		return CS_WAIT_SUBMIT_LIMIT;
	for (int32_t v = (int32_t)leaf; v >= 0; v = up(L, (uint32_t)v))
		if (L->has_grp[v] && set(L->lim[v].grp_submit) && (double)L->nsub[v] + 1 > L->lim[v].grp_submit)
			return CS_WAIT_GRP_SUBMIT;
	/* what it could never be given, alone */
	for (int t = 0; t < CS_TRES_N; t++)
		if (set(m->max_tres_per_job[t]) && a[t] > m->max_tres_per_job[t])
			return per_job_reason[t];
	for (int32_t v = (int32_t)leaf; v >= 0; v = up(L, (uint32_t)v)) {
		if (!L->has_grp[v])
			continue;
		for (int t = 0; t < CS_TRES_N; t++) {
			if (set(L->lim[v].grp_tres[t]) && a[t] > L->lim[v].grp_tres[t])
				return grp_reason[t];
			if (set(L->lim[v].grp_tres_mins[t]) && a[t] * est > L->lim[v].grp_tres_mins[t])
				return mins_reason[t];
		}
		if (set(L->lim[v].grp_jobs) && L->lim[v].grp_jobs < 1)
			return CS_WAIT_GRP_JOBS;
	}
	if (set(m->max_jobs) && m->max_jobs < 1)
		return CS_WAIT_JOBS_LIMIT;
	for (int32_t v = (int32_t)leaf; v >= 0; v = up(L, (uint32_t)v))
		L->nsub[v]++;
	return 0;
}

unsigned cs_limits_check(const cs_limits *L, uint32_t jid)
{
	if (!L->any)
		return 0;
	double a[CS_TRES_N], est = (double)L->jobs[jid].estimate_s;
	amounts(L, jid, a);
	uint32_t leaf = L->assoc[jid];
	/* per period first, then running amounts, then job counts (each
	 * from the association up to the root) */
	if (L->any_mins)
		for (int32_t v = (int32_t)leaf; v >= 0; v = up(L, (uint32_t)v))
			if (L->has_grp[v])
				for (int t = 0; t < CS_TRES_N; t++)
					if (set(L->lim[v].grp_tres_mins[t]) &&
					    L->used[v][t] + a[t] * est > L->lim[v].grp_tres_mins[t])
						return mins_reason[t];
	for (int32_t v = (int32_t)leaf; v >= 0; v = up(L, (uint32_t)v))
		if (L->has_grp[v])
			for (int t = 0; t < CS_TRES_N; t++)
				if (set(L->lim[v].grp_tres[t]) && L->run[v][t] + a[t] > L->lim[v].grp_tres[t])
					return grp_reason[t];
	for (int32_t v = (int32_t)leaf; v >= 0; v = up(L, (uint32_t)v))
		if (L->has_grp[v] && set(L->lim[v].grp_jobs) && (double)L->njobs[v] + 1 > L->lim[v].grp_jobs)
			return CS_WAIT_GRP_JOBS;
	if (set(L->lim[leaf].max_jobs) && (double)L->njobs[leaf] + 1 > L->lim[leaf].max_jobs)
		return CS_WAIT_JOBS_LIMIT;
	return 0;
}

int cs_limits_is_budget(unsigned reason)
{
	for (int t = 0; t < CS_TRES_N; t++)
		if (reason == mins_reason[t])
			return 1;
	return 0;
}

void cs_limits_start(cs_limits *L, uint32_t jid, cs_time now)
{
	if (!L->any)
		return;
	double a[CS_TRES_N], est = (double)L->jobs[jid].estimate_s;
	amounts(L, jid, a);
	int billed = L->any_mins && now / (cs_time)L->period == L->cur_period;
	for (int32_t v = (int32_t)L->assoc[jid]; v >= 0; v = up(L, (uint32_t)v)) {
		L->njobs[v]++;
		for (int t = 0; t < CS_TRES_N; t++) {
			L->run[v][t] += a[t];
			if (billed)
				L->used[v][t] += a[t] * est;
		}
	}
}

void cs_limits_stop(cs_limits *L, uint32_t jid, cs_time now, cs_time started)
{
	if (!L->any)
		return;
	double a[CS_TRES_N];
	amounts(L, jid, a);
	const cs_job *j = &L->jobs[jid];
	/* it was billed its estimate in the period it started in: refund what
	 * it did not use, if that period is still the current one */
	cs_time unused = j->estimate_s - (now - started);
	int refund = L->any_mins && started / (cs_time)L->period == L->cur_period && unused > 0;
	for (int32_t v = (int32_t)L->assoc[jid]; v >= 0; v = up(L, (uint32_t)v)) {
		L->njobs[v]--;
		L->nsub[v]--;
		for (int t = 0; t < CS_TRES_N; t++) {
			L->run[v][t] -= a[t];
			if (refund)
				L->used[v][t] -= a[t] * (double)unused;
		}
	}
}

void cs_limits_resubmit(cs_limits *L, uint32_t jid)
{
	if (!L->any)
		return;
	for (int32_t v = (int32_t)L->assoc[jid]; v >= 0; v = up(L, (uint32_t)v))
		L->nsub[v]++;
}

void cs_limits_drop(cs_limits *L, uint32_t jid)
{
	if (!L->any)
		return;
	for (int32_t v = (int32_t)L->assoc[jid]; v >= 0; v = up(L, (uint32_t)v))
		L->nsub[v]--;
}

int cs_limits_period(cs_limits *L, cs_time now)
{
	if (!L->any_mins || now / (cs_time)L->period == L->cur_period)
		return 0;
	L->cur_period = now / (cs_time)L->period;
	memset(L->used, 0, L->nnodes * sizeof *L->used);
	return 1;
}

cs_time cs_limits_next_period(const cs_limits *L) { return (cs_time)(L->cur_period + 1) * (cs_time)L->period; }
