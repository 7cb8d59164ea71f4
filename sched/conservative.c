/* capsim: conservative backfilling (Mu'alem & Feitelson 2001).
 *
 * Every waiting job holds a reservation: the earliest time at which it
 * fits, for its estimate, in the availability profile made of the running
 * jobs (until their estimated ends) and the reservations of the jobs that
 * arrived before it. A job starts when its reservation is now. When jobs
 * end before their estimates, reservations are compressed: in arrival
 * order, each job gives back its slot and takes the earliest one in the
 * profile that holds every other reservation, so no job ever moves later
 * (as long as jobs end by their estimates: with --overrun continue a
 * running job past its estimate is expected to end one second from now,
 * and reservations that become impossible move later).
 *
 * The profile is rebuilt each pass and compression is O(queue x profile):
 * the straightforward implementation, kept simple on purpose.
 *
 * On a node model the reservations are node-level: the engine keeps each
 * waiting job's plan (its placement at its reserved time, cs_ctx_plan) and
 * the same pass replans every job in arrival order with all other plans
 * held, so none moves later. A pass visits the jobs it has not planned
 * yet and the plans that may change (cs_ctx_plan_next); the others stand
 * as they are.
 */
#include "capsim/sched.h"
#include "fifo.h"
#include "capsim/hbm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct prof {
	cs_time *t;    /* breakpoints, ascending */
	int64_t *f;    /* free processors from t[i] to t[i+1] (to infinity for the last) */
	size_t n, cap;
} prof;

typedef struct cons {
	cs_fifo q;
	const cs_job *jobs;
	cs_time *res;  /* reservation per job, -1: none yet */
	prof p;
	uint32_t total;
	int node_model; /* plans kept by the engine (cs_ctx_plan) */
	int search_all; /* node model: every plan searched again every pass */
	int bounds;     /* node model: cs_ctx_plan_bounds */
	cs_hbm fresh;   /* node model: the waiting jobs without a plan yet */
	/* node model, within a pass: the first of fresh at or after fresh_from
	 * (-1: none), while fresh_ok (a pass only clears jobs it visited) */
	long fresh_at;
	uint32_t fresh_from;
	int fresh_ok;
} cons;

static int prof_reserve(prof *p, size_t n)
{
	if (n <= p->cap)
		return 0;
	size_t c = p->cap ? p->cap : 64;
	while (c < n)
		c *= 2;
	cs_time *t = realloc(p->t, c * sizeof *t);
	if (!t)
		return -1;
	p->t = t;
	int64_t *f = realloc(p->f, c * sizeof *f);
	if (!f)
		return -1;
	p->f = f;
	p->cap = c;
	return 0;
}

/* Index of the segment containing x (x >= t[0]). */
static size_t seg_of(const prof *p, cs_time x)
{
	size_t lo = 0, hi = p->n;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (p->t[mid] <= x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Make x a breakpoint; returns its index. */
static size_t split_at(prof *p, cs_time x)
{
	size_t i = seg_of(p, x);
	if (p->t[i] == x)
		return i;
	memmove(&p->t[i + 2], &p->t[i + 1], (p->n - i - 1) * sizeof *p->t);
	memmove(&p->f[i + 2], &p->f[i + 1], (p->n - i - 1) * sizeof *p->f);
	p->t[i + 1] = x;
	p->f[i + 1] = p->f[i];
	p->n++;
	return i + 1;
}

/* free -= size over [a, b) */
static int prof_take(prof *p, cs_time a, cs_time b, int64_t size)
{
	if (prof_reserve(p, p->n + 2) < 0)
		return -1;
	size_t ia = split_at(p, a), ib = split_at(p, b);
	for (size_t i = ia; i < ib; i++)
		p->f[i] -= size;
	return 0;
}

/* Earliest t >= t[0] with free >= size on [t, t + dur). */
static cs_time prof_fit(const prof *p, int64_t size, cs_time dur)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->f[i] < size)
			continue;
		cs_time start = p->t[i], end = start + dur;
		size_t k = i + 1;
		while (k < p->n && p->t[k] < end && p->f[k] >= size)
			k++;
		if (k == p->n || p->t[k] >= end)
			return start;
		i = k; /* p->f[k] < size: resume after it */
	}
	return CS_TIME_MAX; /* cannot happen: the last segment is all free */
}

static void cons_destroy(void *state)
{
	cons *c = state;
	if (!c)
		return;
	cs_fifo_free(&c->q);
	if (c->node_model)
		cs_hbm_free(&c->fresh);
	free(c->res);
	free(c->p.t);
	free(c->p.f);
	free(c);
}

static int cons_init(void **state, const cs_policy_env *env, char *err, size_t errlen)
{
	const char *search = cs_policy_param_get(env, "search");
	if (search && strcmp(search, "freed") != 0 && strcmp(search, "all") != 0) {
		snprintf(err, errlen, "policy conservative: search: '%s' is not one of freed, all", search);
		return -CS_EINVAL;
	}
	const char *bounds = cs_policy_param_get(env, "bounds");
	if (bounds && strcmp(bounds, "auto") != 0 && strcmp(bounds, "on") != 0 && strcmp(bounds, "off") != 0) {
		snprintf(err, errlen, "policy conservative: bounds: '%s' is not one of auto, on, off", bounds);
		return -CS_EINVAL;
	}
	cons *c = calloc(1, sizeof *c);
	if (!c)
		return -CS_ENOMEM;
	c->jobs = env->jobs;
	c->total = env->total_procs;
	c->node_model = env->node_model;
	c->search_all = search && strcmp(search, "all") == 0;
	c->bounds = !bounds || strcmp(bounds, "auto") == 0 ? -1 : strcmp(bounds, "on") == 0;
	c->res = malloc((env->njobs ? env->njobs : 1) * sizeof *c->res);
	if (!c->res || cs_fifo_init(&c->q, env->njobs) < 0 ||
	    (c->node_model && cs_hbm_init(&c->fresh, (uint32_t)(env->njobs ? env->njobs : 1)) < 0)) {
		cons_destroy(c);
		return -CS_ENOMEM;
	}
	for (size_t i = 0; i < env->njobs; i++)
		c->res[i] = -1;
	*state = c;
	return 0;
}

static void cons_submit(void *state, uint32_t jid)
{
	cons *c = state;
	cs_fifo_push(&c->q, jid);
	if (c->node_model) {
		cs_hbm_set(&c->fresh, jid);
		c->fresh_ok = 0;
	}
}

/* The job's reservation goes with it: the next pass places the later
 * jobs without it (on a node model the engine drops its plan). */
static void cons_cancel(void *state, uint32_t jid)
{
	cons *c = state;
	cs_fifo_remove(&c->q, jid);
	if (c->node_model) {
		cs_hbm_clear(&c->fresh, jid);
		c->fresh_ok = 0;
	}
	c->res[jid] = -1;
}

/* The next waiting job at or after from that the pass visits: the head,
 * a job without a plan yet, or one whose plan may change
 * (cs_ctx_plan_next); the other plans stand as they are. */
static long next_visit(cons *c, cs_sched_ctx *ctx, uint32_t from, long head)
{
	if (from <= head)
		return head;
	/* the first fresh job at or after from: the one found last while it is
	 * not behind from (the pass visits in order and clears only the jobs
	 * it visited, all before from) */
	if (!c->fresh_ok || from < c->fresh_from || (c->fresh_at >= 0 && c->fresh_at < (long)from)) {
		c->fresh_at = cs_hbm_next(&c->fresh, from);
		c->fresh_from = from;
		c->fresh_ok = 1;
	}
	long a = c->fresh_at, b = cs_ctx_plan_next(ctx, from);
	return a < 0 ? b : b < 0 || a < b ? a : b;
}

/* On a node model the engine keeps the plans (cs_ctx_plan): replanning
 * in arrival order with every other plan held is the compression. */
static void cons_pass_nodes(cons *c, cs_sched_ctx *ctx)
{
	long first = cs_fifo_head(&c->q);
	c->fresh_ok = 0;
	cs_ctx_plan_search(ctx, c->search_all);
	cs_ctx_plan_bounds(ctx, c->bounds);
	if (first < 0)
		return;
	for (long kk = next_visit(c, ctx, (uint32_t)first, first); kk >= 0;
	     kk = next_visit(c, ctx, (uint32_t)kk + 1, first)) {
		uint32_t k = (uint32_t)kk;
		int head = kk == first;
		int rc = cs_ctx_plan(ctx, k, head ? CS_START_HEAD : CS_START_BACKFILL, NULL);
		if (rc >= 0 && cs_hbm_test(&c->fresh, k)) /* (most are not: a clear of a bit not set walks up) */
			cs_hbm_clear(&c->fresh, k);
		if (rc == 1)
			cs_fifo_remove(&c->q, k);
		else if (head)
			cs_ctx_pending(ctx, k, CS_WAIT_RESOURCES);
	}
}

static void cons_pass(void *state, cs_sched_ctx *ctx)
{
	cons *c = state;
	if (c->node_model) {
		cons_pass_nodes(c, ctx);
		return;
	}
	prof *p = &c->p;
	cs_time now = cs_ctx_now(ctx);
	if (c->q.count == 0)
		return;
	/* the profile of running jobs and held reservations */
	size_t nr = cs_ctx_nrunning(ctx);
	if (prof_reserve(p, 2 * (nr + c->q.count) + 4) < 0)
		return;
	p->n = 1;
	p->t[0] = now;
	p->f[0] = c->total;
	for (size_t i = 0; i < nr; i++) {
		cs_time e;
		uint32_t size;
		cs_ctx_running(ctx, i, &e, &size, NULL);
		if (e <= now)
			e = now + 1; /* past its estimate and still running */
		if (prof_take(p, now, e, size) < 0)
			return;
	}
	long first = cs_fifo_head(&c->q);
	for (long kk = first; kk >= 0; kk = cs_fifo_next(&c->q, (uint32_t)kk + 1)) {
		uint32_t k = (uint32_t)kk;
		if (c->res[k] < 0)
			continue;
		cs_time r = c->res[k] < now ? now : c->res[k];
		if (prof_take(p, r, r + c->jobs[k].estimate_s, c->jobs[k].size) < 0)
			return;
	}
	/* compress and place, in arrival order; start what is due now */
	for (long kk = first; kk >= 0; kk = cs_fifo_next(&c->q, (uint32_t)kk + 1)) {
		uint32_t k = (uint32_t)kk;
		const cs_job *jb = &c->jobs[k];
		if (c->res[k] >= 0) {
			cs_time r = c->res[k] < now ? now : c->res[k];
			if (prof_take(p, r, r + jb->estimate_s, -(int64_t)jb->size) < 0)
				return;
		}
		cs_time t = prof_fit(p, jb->size, jb->estimate_s);
		if (prof_take(p, t, t + jb->estimate_s, jb->size) < 0)
			return;
		cs_ctx_reserve(ctx, k, t);
		c->res[k] = t;
		int head = cs_fifo_head(&c->q) == (long)k;
		if (t == now && cs_ctx_start(ctx, k, head ? CS_START_HEAD : CS_START_BACKFILL) == 0)
			cs_fifo_remove(&c->q, k);
		else if (head)
			cs_ctx_pending(ctx, k, CS_WAIT_RESOURCES);
	}
}

static const cs_policy_param cons_params[] = {
	{ "search", "freed",
	  "node model: freed (a plan is searched again only where capacity came back) or all (every plan, "
	  "every pass, over every node: the same schedule, slower)" },
	{ "bounds", "auto",
	  "node model: auto, on or off: per-node lower bounds that let a search skip nodes (auto: on from 1,024 "
	  "nodes; the same schedule)" },
	{ NULL, NULL, NULL }
};

const cs_policy_ops cs_policy_conservative = {
	.abi = CS_POLICY_ABI,
	.name = "conservative",
	.summary = "conservative backfilling: every waiting job holds a reservation; none is delayed by a later one",
	.params = cons_params,
	.init = cons_init,
	.submit = cons_submit,
	.pass = cons_pass,
	.destroy = cons_destroy,
	.cancel = cons_cancel,
};
