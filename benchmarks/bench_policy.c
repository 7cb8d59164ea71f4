/* capsim benchmark: one scheduling pass, per policy, with 1k, 10k and 50k
 * queued jobs, on the default cluster and on a 10,000-node cluster (node
 * model), and EASY on a pooled machine of as many processors (SWF-style);
 * beside a straightforward implementation of each policy written here as
 * an ops table, run through the same engine on the same workload, which
 * must give the same schedule.
 *
 * The workload (real passes through cs_engine_run_nodes / cs_engine_run):
 *   t=0  fillers fill every GPU exactly: single-node jobs of 8, 4, 2, 1 GPUs
 *        (first-fit decreasing, so best fit packs them with nothing left)
 *        after some whole-node multi-node jobs; estimates of 1e6 s and more,
 *        increasing with the job index (so SJF starts them in the same
 *        order). One 1-GPU filler, the seed, ends at t=2.
 *   t=1  Q queued jobs: the head asks for 4 whole nodes; the rest are
 *        single-node 2-8 GPU jobs, 2-16 whole-node jobs and short 2-GPU
 *        jobs, over the GPU partitions by their share of GPUs. None fits
 *        while the machine is full, and none fits the one GPU that frees.
 *   t=1+k (k = 1..M) one 1-GPU job of runtime = estimate = 1 s: it takes the
 *        GPU the previous one (or the seed) gives back at that moment, as a
 *        backfill (SJF: as its shortest job). So each pass at t = 2..M+1
 *        considers the Q queued jobs, computes the head's hold, and starts
 *        one job; the queue stays at Q (FCFS starts nothing: its queue grows
 *        by one a pass, and its pass looks only at the head).
 * The policy runs inside a wrapper that reads the clock when the pass at
 * t=2 begins and when the first pass after t=M+1 begins, so the figure is
 * M passes plus the engine's work on the events between them (one end and
 * one submission each); setup (the job table, the engine's fit checks, the
 * t=0 and t=1 passes) is outside it. That first pass after t=M+1 rejects
 * every waiting job, so the run ends without draining the queue.
 *
 * On the pooled machine (as many processors as the cluster has GPUs, EASY
 * only) the same: fillers of 1-64 processors summing to the machine, queued
 * jobs of 2 processors or more (the head a quarter of the machine), the
 * 1-processor stream.
 *
 * M is chosen per case so the timed part takes about 0.25 s (--quick:
 * 0.02 s), at least 16 and at most M_MAX passes; the whole run takes 30-50 s
 * on the 2-core development machine. Exit status 1 if a straightforward
 * policy's schedule differs from the built-in's.
 * Usage: bench_policy [--json] [--quick] [--only POLICY] [--full] (POLICY: a
 * label of the table, e.g. easy-sjbf or conservative; --full: also the
 * straightforward twins whose passes take seconds to minutes: conservative
 * with 50k queued on the default cluster and 10k and 50k on 10k nodes,
 * about 8 minutes more)
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "capsim/cluster.h"
#include "capsim/engine.h"
#include "capsim/nodemodel.h"
#include "capsim/sched.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static unsigned long long rng;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fprintf(stderr, "bench_policy: out of memory\n");
		exit(1);
	}
	return p;
}

#define FILL_EST 1000000 /* fillers' estimates start here: none ends while passes are timed */
#define M_MAX 100000u    /* most timed passes a case may take */

/* ====================================================================== */
/* The straightforward policies. Each keeps the queue as an array in     */
/* arrival order and does the obvious thing every pass.                  */
/* ====================================================================== */

typedef struct naive {
	const cs_job *jobs;
	uint32_t *q;        /* waiting jobs, arrival order */
	size_t nq;
	uint8_t *started;   /* per job: started by this policy (dropped from q at the pass's end) */
	int sjbf;
	uint32_t *scratch;
	/* multifactor (defaults only: no limits, no budget, equal shares) */
	uint32_t total;
	uint32_t *acct;
	int64_t *acct_id;
	uint32_t nacct;
	double *usage, usage_total, scale, *share;
	uint32_t *run;
	size_t nrun;
	uint64_t *seen, pass;
	cs_time last;
	struct ranked { double prio; uint32_t jid; } *order;
} naive;

static void naive_destroy(void *state)
{
	naive *p = state;
	if (!p)
		return;
	free(p->q);
	free(p->started);
	free(p->scratch);
	free(p->acct);
	free(p->acct_id);
	free(p->usage);
	free(p->share);
	free(p->run);
	free(p->seen);
	free(p->order);
	free(p);
}

static int naive_init(void **state, const cs_policy_env *env, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	naive *p = calloc(1, sizeof *p);
	if (!p)
		return -CS_ENOMEM;
	size_t n = env->njobs ? env->njobs : 1;
	p->jobs = env->jobs;
	p->q = malloc(n * sizeof *p->q);
	p->started = calloc(n, 1);
	p->scratch = malloc(n * sizeof *p->scratch);
	const char *order = cs_policy_param_get(env, "order");
	p->sjbf = order && strcmp(order, "sjbf") == 0;
	if (!p->q || !p->started || !p->scratch) {
		naive_destroy(p);
		return -CS_ENOMEM;
	}
	*state = p;
	return 0;
}

static void naive_submit(void *state, uint32_t jid)
{
	naive *p = state;
	p->q[p->nq++] = jid;
}

static int naive_start(naive *p, cs_sched_ctx *ctx, uint32_t jid, unsigned how)
{
	if (cs_ctx_start(ctx, jid, how) < 0)
		return -1;
	p->started[jid] = 1;
	if (p->run)
		p->run[p->nrun++] = jid;
	return 0;
}

/* Drop the jobs started this pass, keeping arrival order. */
static void naive_compact(naive *p)
{
	size_t w = 0;
	for (size_t i = 0; i < p->nq; i++)
		if (!p->started[p->q[i]])
			p->q[w++] = p->q[i];
	p->nq = w;
}

/* Start jobs in arrival order while the oldest fits; the index of the
 * first that does not (p->nq if none). */
static size_t naive_heads(naive *p, cs_sched_ctx *ctx)
{
	size_t k = 0;
	while (k < p->nq && naive_start(p, ctx, p->q[k], CS_START_HEAD) == 0)
		k++;
	if (k < p->nq)
		cs_ctx_pending(ctx, p->q[k], CS_WAIT_RESOURCES);
	return k;
}

static void nfcfs_pass(void *state, cs_sched_ctx *ctx)
{
	naive *p = state;
	if (naive_heads(p, ctx) > 0)
		naive_compact(p);
}

static int shorter(const cs_job *jobs, uint32_t a, uint32_t b)
{
	return jobs[a].estimate_s < jobs[b].estimate_s || (jobs[a].estimate_s == jobs[b].estimate_s && a < b);
}

/* SJF: look through the whole queue for the shortest estimate, each time. */
static void nsjf_pass(void *state, cs_sched_ctx *ctx)
{
	naive *p = state;
	int any = 0;
	for (;;) {
		long best = -1;
		for (size_t i = 0; i < p->nq; i++)
			if (!p->started[p->q[i]] && (best < 0 || shorter(p->jobs, p->q[i], (uint32_t)best)))
				best = p->q[i];
		if (best < 0)
			break;
		if (naive_start(p, ctx, (uint32_t)best, CS_START_HEAD) < 0) {
			cs_ctx_pending(ctx, (uint32_t)best, CS_WAIT_RESOURCES);
			break;
		}
		any = 1;
	}
	if (any)
		naive_compact(p);
}

static const cs_job *sort_jobs; /* qsort has no context argument */
static int by_estimate(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return shorter(sort_jobs, x, y) ? -1 : shorter(sort_jobs, y, x);
}

/* EASY: the head's reservation worked out from scratch every pass, and every
 * waiting job looked at. On a pooled machine the policy does it all: the
 * shadow time from the running jobs' estimated ends, the extra processors,
 * and the test of each job. On a node model only the engine knows the nodes:
 * the hold is asked for eagerly (cs_ctx_hold with a time), and each job is
 * offered to cs_ctx_start. Backfill order: queue order, or (order=sjbf) the
 * queue sorted by (estimate, arrival) every pass. */
static void neasy_pass(void *state, cs_sched_ctx *ctx)
{
	naive *p = state;
	size_t k = naive_heads(p, ctx);
	if (k == p->nq) {
		naive_compact(p);
		return;
	}
	uint32_t h = p->q[k];
	const cs_job *head = &p->jobs[h];
	cs_time now = cs_ctx_now(ctx);
	int node_model = cs_ctx_node_model(ctx);
	cs_time shadow = now;
	uint64_t extra = 0;
	if (node_model) {
		if (cs_ctx_hold(ctx, h, &shadow) < 0)
			return;
	} else {
		/* earliest estimated end by which enough processors are free, a job
		 * past its estimate counted as ending now; then every job ending then */
		uint64_t f = cs_ctx_free(ctx);
		size_t nr = cs_ctx_nrunning(ctx), i = 0;
		cs_time e;
		uint32_t sz;
		for (; i < nr && f < head->size; i++) {
			cs_ctx_running(ctx, i, &e, &sz, NULL);
			shadow = e > now ? e : now;
			f += sz;
		}
		for (; i < nr; i++) {
			cs_ctx_running(ctx, i, &e, &sz, NULL);
			if ((e > now ? e : now) != shadow)
				break;
			f += sz;
		}
		cs_ctx_reserve(ctx, h, shadow);
		extra = f - head->size;
	}
	size_t n = 0;
	for (size_t i = k + 1; i < p->nq; i++)
		p->scratch[n++] = p->q[i];
	if (p->sjbf) {
		sort_jobs = p->jobs;
		qsort(p->scratch, n, sizeof *p->scratch, by_estimate);
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t jid = p->scratch[i];
		const cs_job *j = &p->jobs[jid];
		if (node_model) {
			naive_start(p, ctx, jid, CS_START_BACKFILL);
			continue;
		}
		uint32_t free_now = cs_ctx_free(ctx);
		if (free_now == 0)
			break;
		int by_shadow = now + j->estimate_s <= shadow;
		if (j->size > free_now || (!by_shadow && j->size > extra))
			continue;
		if (naive_start(p, ctx, jid, CS_START_BACKFILL) == 0 && !by_shadow)
			extra -= j->size;
	}
	naive_compact(p);
}

/* --- multifactor, as sched/multifactor.c states it, with its defaults --- */

static int64_t account_of(const cs_job *j) { return j->group >= 0 ? j->group : j->user; }

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int nmf_init(void **state, const cs_policy_env *env, char *err, size_t errlen)
{
	int rc = naive_init(state, env, err, errlen);
	if (rc < 0)
		return rc;
	naive *p = *state;
	size_t n = env->njobs ? env->njobs : 1;
	p->total = env->total_procs ? env->total_procs : 1;
	p->acct = malloc(n * sizeof *p->acct);
	p->acct_id = malloc(n * sizeof *p->acct_id);
	p->run = malloc(n * sizeof *p->run);
	p->seen = calloc(n, sizeof *p->seen);
	p->order = malloc(n * sizeof *p->order);
	if (!p->acct || !p->acct_id || !p->run || !p->seen || !p->order) {
		naive_destroy(p);
		return -CS_ENOMEM;
	}
	for (size_t i = 0; i < env->njobs; i++)
		p->acct_id[i] = account_of(&env->jobs[i]);
	qsort(p->acct_id, env->njobs, sizeof *p->acct_id, cmp_i64);
	for (size_t i = 0; i < env->njobs; i++)
		if (i == 0 || p->acct_id[i] != p->acct_id[p->nacct - 1])
			p->acct_id[p->nacct++] = p->acct_id[i];
	for (size_t i = 0; i < env->njobs; i++) {
		int64_t id = account_of(&env->jobs[i]);
		uint32_t a = 0;
		while (p->acct_id[a] != id) /* straightforward: a linear search, once per job */
			a++;
		p->acct[i] = a;
	}
	p->usage = calloc(p->nacct ? p->nacct : 1, sizeof *p->usage);
	p->share = malloc((p->nacct ? p->nacct : 1) * sizeof *p->share);
	if (!p->usage || !p->share) {
		naive_destroy(p);
		return -CS_ENOMEM;
	}
	for (uint32_t a = 0; a < p->nacct; a++)
		p->share[a] = 1.0 / (double)p->nacct;
	p->scale = 1;
	p->last = -1;
	return 0;
}

static int by_priority(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->prio != y->prio)
		return x->prio > y->prio ? -1 : 1;
	return x->jid < y->jid ? -1 : x->jid > y->jid;
}

/* Every pass: decay and charge usage, then the priority of every waiting job
 * from scratch (its account's fair-share factor recomputed per job), a full
 * sort, start in order, EASY backfilling under it. */
static void nmf_pass(void *state, cs_sched_ctx *ctx)
{
	naive *p = state;
	const double w_age = 1000, w_fs = 10000, w_size = 0, max_age = 604800, half_life = 604800;
	cs_time now = cs_ctx_now(ctx);
	if (p->last >= 0 && now > p->last) {
		double dt = (double)(now - p->last);
		double d = exp2(-dt / half_life);
		double charge = (1.0 - d) * half_life / M_LN2;
		p->scale *= d;
		for (size_t i = 0; i < p->nrun; i++) {
			double c = p->jobs[p->run[i]].size * charge / p->scale;
			p->usage[p->acct[p->run[i]]] += c;
			p->usage_total += c;
		}
		if (p->scale < 1e-100) {
			for (uint32_t a = 0; a < p->nacct; a++)
				p->usage[a] *= p->scale;
			p->usage_total *= p->scale;
			p->scale = 1;
		}
	}
	p->last = now;
	p->pass++;
	size_t nr = cs_ctx_nrunning(ctx);
	for (size_t i = 0; i < nr; i++) {
		cs_time e;
		uint32_t size, jid;
		cs_ctx_running(ctx, i, &e, &size, &jid);
		p->seen[jid] = p->pass;
	}
	size_t k = 0;
	for (size_t i = 0; i < p->nrun; i++)
		if (p->seen[p->run[i]] == p->pass)
			p->run[k++] = p->run[i];
	p->nrun = k;
	size_t n = 0;
	for (size_t i = 0; i < p->nq; i++) {
		uint32_t jid = p->q[i];
		const cs_job *j = &p->jobs[jid];
		uint32_t a = p->acct[jid];
		double u = p->usage_total > 0 ? p->usage[a] / p->usage_total : 0;
		double fs = exp2(-u / p->share[a]);
		double age = (double)(now - j->submit_s) / max_age;
		double prio = w_age * (age < 1 ? age : 1) + w_fs * fs + w_size * (double)j->size / p->total;
		p->order[n++] = (struct ranked){ prio, jid };
	}
	qsort(p->order, n, sizeof *p->order, by_priority);
	size_t i = 0;
	while (i < n && naive_start(p, ctx, p->order[i].jid, CS_START_HEAD) == 0)
		i++;
	if (i < n) {
		uint32_t head = p->order[i].jid;
		cs_ctx_pending(ctx, head, CS_WAIT_RESOURCES);
		cs_time when;
		int node_model = cs_ctx_node_model(ctx);
		if (cs_ctx_hold(ctx, head, &when) == 0)
			for (size_t b = i + 1; b < n; b++) {
				if (!node_model && cs_ctx_free(ctx) == 0)
					break;
				naive_start(p, ctx, p->order[b].jid, CS_START_BACKFILL);
			}
	}
	naive_compact(p);
}

static const cs_policy_param naive_params[] = { { "order", "fcfs", "fcfs or sjbf (easy)" }, { NULL, NULL, NULL } };

static const cs_policy_ops naive_fcfs = {
	.abi = CS_POLICY_ABI, .name = "naive-fcfs", .params = naive_params,
	.init = naive_init, .submit = naive_submit, .pass = nfcfs_pass, .destroy = naive_destroy,
};
static const cs_policy_ops naive_sjf = {
	.abi = CS_POLICY_ABI, .name = "naive-sjf", .params = naive_params,
	.init = naive_init, .submit = naive_submit, .pass = nsjf_pass, .destroy = naive_destroy,
};
static const cs_policy_ops naive_easy = {
	.abi = CS_POLICY_ABI, .name = "naive-easy", .params = naive_params,
	.init = naive_init, .submit = naive_submit, .pass = neasy_pass, .destroy = naive_destroy,
};
static const cs_policy_ops naive_mf = {
	.abi = CS_POLICY_ABI, .name = "naive-multifactor", .params = naive_params,
	.init = nmf_init, .submit = naive_submit, .pass = nmf_pass, .destroy = naive_destroy,
};

/* ====================================================================== */
/* The timing wrapper                                                     */
/* ====================================================================== */

typedef struct timed {
	const cs_policy_ops *inner;
	void *st;
	cs_time first, last;   /* passes at first..last are timed */
	double t0, t1;
	uint64_t passes;       /* timed passes */
	uint32_t *sub;         /* jobs submitted, to reject at the end */
	size_t nsub;
	int stopped;
} timed;

static void timed_submit(void *state, uint32_t jid)
{
	timed *w = state;
	w->sub[w->nsub++] = jid;
	w->inner->submit(w->st, jid);
}

static void timed_pass(void *state, cs_sched_ctx *ctx)
{
	timed *w = state;
	cs_time now = cs_ctx_now(ctx);
	if (w->stopped)
		return;
	if (now > w->last) {
		w->t1 = now_s();
		w->stopped = 1;
		for (size_t i = 0; i < w->nsub; i++) /* a no-op for jobs that started */
			cs_ctx_reject(ctx, w->sub[i], CS_WAIT_PRIORITY);
		return;
	}
	if (now == w->first)
		w->t0 = now_s();
	if (now >= w->first)
		w->passes++;
	w->inner->pass(w->st, ctx);
}

static const cs_policy_ops timed_ops = {
	.abi = CS_POLICY_ABI, .name = "timed", .submit = timed_submit, .pass = timed_pass,
};

/* ====================================================================== */
/* Workloads                                                              */
/* ====================================================================== */

typedef struct machine {
	const char *name;
	int pooled;            /* 1: cs_engine_run on procs processors */
	uint32_t procs;        /* GPUs (node model) or processors */
	uint32_t nodes;
	cs_nodemodel nm;       /* node model */
} machine;

typedef struct workload {
	cs_job *jobs;          /* base + M_MAX jobs */
	size_t base;           /* fillers + queued */
	size_t nfill;
} workload;

static cs_job mkjob(size_t idx, cs_time submit, cs_time run, cs_time est, int32_t part, uint32_t nodes,
		    uint32_t gpn, uint32_t cpn, uint32_t mem, int32_t acct)
{
	return (cs_job){ .id = (int64_t)idx + 1, .submit_s = submit, .runtime_s = run, .trace_runtime_s = run,
			 .estimate_s = est, .reqtime_s = est, .size = nodes * gpn, .nodes = nodes,
			 .gpus_per_node = gpn, .cores_per_node = cpn, .mem_per_node_mib = mem, .line = (uint32_t)idx + 1,
			 .user = acct, .group = acct, .queue = -1, .partition = part,
			 .start_s = -1, .end_s = -1, .reservation_s = -1 };
}

/* Per GPU partition of the node model: its first node type's shape, its
 * nodes of that most-GPU type, and its GPUs. Partitions must not share node
 * types (true of both clusters here). */
typedef struct gpart {
	int32_t part;
	uint32_t gpn, cpn, mem_mib, full_nodes; /* full_nodes: nodes with gpn GPUs */
	uint64_t gpus;
} gpart;

static size_t gpu_parts(const cs_nodemodel *nm, gpart *out, size_t cap)
{
	size_t n = 0;
	for (uint32_t p = 0; p < nm->npartitions && n < cap; p++) {
		gpart g = { .part = (int32_t)p };
		for (uint32_t k = nm->part_first[p]; k < nm->part_first[p + 1]; k++) {
			int32_t t = nm->part_types[k];
			const cs_alloc_type *ty = &nm->types[t];
			uint32_t cnt = nm->type_first[t + 1] - nm->type_first[t];
			if (ty->gpus > g.gpn) {
				g.gpn = ty->gpus;
				g.cpn = ty->cores;
				g.mem_mib = ty->mem_mib;
				g.full_nodes = 0;
			}
			if (ty->gpus == g.gpn)
				g.full_nodes += cnt;
			g.gpus += (uint64_t)ty->gpus * cnt;
		}
		if (g.gpn > 0)
			out[n++] = g;
	}
	return n;
}

static void build_nodes(const machine *m, uint32_t Q, workload *w)
{
	gpart gp[64];
	size_t np = gpu_parts(&m->nm, gp, 64);
	uint64_t total = 0;
	for (size_t i = 0; i < np; i++)
		total += gp[i].gpus;
	size_t cap = (size_t)total + Q + M_MAX + 1;
	w->jobs = xmalloc(cap * sizeof *w->jobs);
	size_t n = 0;
	rng = 0x9e3779b97f4a7c15ull;
	/* fillers, partition by partition: whole-node multi-node jobs over about
	 * a third of the full nodes, then single-node jobs of gpn, gpn/2, ..., 1
	 * GPUs summing to the rest (first-fit decreasing packs them exactly) */
	for (size_t i = 0; i < np; i++) {
		const gpart *g = &gp[i];
		uint64_t left = g->gpus;
		uint32_t multi = g->full_nodes / 3;
		while (multi >= 2) {
			uint32_t k = 2 + rnd(7);
			if (k > multi)
				k = multi;
			w->jobs[n] = mkjob(n, 0, 0, 0, g->part, k, g->gpn, g->cpn / g->gpn * g->gpn, 0, 0);
			n++;
			multi -= k;
			left -= (uint64_t)k * g->gpn;
		}
		uint32_t cnt[17] = { 0 };
		cnt[1] = i == 0; /* the seed */
		left -= cnt[1];
		while (left > 0) {
			uint32_t s = g->gpn >> rnd(4);
			if (s == 0 || s > left)
				s = 1;
			cnt[s]++;
			left -= s;
		}
		for (uint32_t s = g->gpn; s >= 1; s--)
			for (uint32_t c = 0; c < cnt[s]; c++) {
				w->jobs[n] = mkjob(n, 0, 0, 0, g->part, 1, s, g->cpn / g->gpn * s, 0,
						   rnd(2) ? 0 : (int32_t)(1 + rnd(63)));
				n++;
			}
	}
	w->nfill = n;
	for (size_t i = 0; i < n; i++) {
		/* estimates increase with the index: SJF starts fillers in this order too */
		cs_time e = FILL_EST + 16 * (cs_time)i + rnd(16);
		w->jobs[i].estimate_s = w->jobs[i].reqtime_s = e;
		w->jobs[i].runtime_s = w->jobs[i].trace_runtime_s = e;
	}
	/* the seed: the first 1-GPU filler of the first partition ends at t=2
	 * (its estimate stays in sequence, so SJF still packs the fillers) */
	for (size_t i = 0; i < n; i++)
		if (w->jobs[i].size == 1) {
			w->jobs[i].runtime_s = w->jobs[i].trace_runtime_s = 2;
			break;
		}
	/* queued: over the GPU partitions by their GPUs */
	for (uint32_t q = 0; q < Q; q++) {
		uint64_t r = ((uint64_t)rnd(1u << 30) * total) >> 30;
		size_t pi = 0;
		while (pi + 1 < np && r >= gp[pi].gpus) {
			r -= gp[pi].gpus;
			pi++;
		}
		const gpart *g = q == 0 ? &gp[0] : &gp[pi];
		uint32_t kind = rnd(10), nodes = 1, gpn = g->gpn;
		cs_time est = 3600 * (1 + (cs_time)rnd(72));
		if (q == 0) {
			nodes = 4;
		} else if (kind < 4) {
			gpn = g->gpn >> rnd(3);
			if (gpn < 2)
				gpn = 2;
		} else if (kind < 8) {
			nodes = 2 + rnd(15);
			if (nodes > g->full_nodes)
				nodes = g->full_nodes;
		} else {
			gpn = 2;
			est = 600 + (cs_time)rnd(3000);
		}
		uint32_t mem = (uint32_t)((uint64_t)g->mem_mib / g->gpn * gpn * (1 + rnd(8)) / 8);
		w->jobs[n] = mkjob(n, 1, est, est, g->part, nodes, gpn, g->cpn / g->gpn * gpn, mem,
				   (int32_t)(1 + rnd(63)));
		n++;
	}
	w->base = n;
	/* the timed stream: 1 GPU for 1 s, account 0 (the fillers' heaviest) */
	for (uint32_t k = 1; k <= M_MAX; k++) {
		w->jobs[n] = mkjob(n, 1 + (cs_time)k, 1, 1, gp[0].part, 1, 1, gp[0].cpn / gp[0].gpn, 0, 0);
		n++;
	}
}

/* The same on pooled processors: fillers of 1-64 processors summing to the
 * machine, queued jobs of 2 processors or more (the head a quarter of the
 * machine), the 1-processor stream. */
static void build_pooled(const machine *m, uint32_t Q, workload *w)
{
	size_t cap = (size_t)m->procs + Q + M_MAX + 1;
	w->jobs = xmalloc(cap * sizeof *w->jobs);
	size_t n = 0;
	rng = 0x2545f4914f6cdd1dull;
	uint32_t left = m->procs - 1;
	w->jobs[n] = mkjob(n, 0, 2, FILL_EST, -1, 0, 0, 0, 0, 0); /* the seed, ends at t=2 */
	w->jobs[n++].size = 1;
	while (left > 0) {
		uint32_t s = 1 + rnd(64);
		if (s > left)
			s = left;
		cs_time e = FILL_EST + 16 * (cs_time)n + rnd(16);
		w->jobs[n] = mkjob(n, 0, e, e, -1, 0, 0, 0, 0, rnd(2) ? 0 : (int32_t)(1 + rnd(63)));
		w->jobs[n++].size = s;
		left -= s;
	}
	w->nfill = n;
	for (uint32_t q = 0; q < Q; q++) {
		uint32_t kind = rnd(10), s;
		cs_time est = 3600 * (1 + (cs_time)rnd(72));
		if (q == 0)
			s = m->procs / 4;
		else if (kind < 8)
			s = 2 + rnd(m->procs / 16);
		else {
			s = 2 + rnd(7);
			est = 600 + (cs_time)rnd(3000);
		}
		w->jobs[n] = mkjob(n, 1, est, est, -1, 0, 0, 0, 0, (int32_t)(1 + rnd(63)));
		w->jobs[n++].size = s;
	}
	w->base = n;
	for (uint32_t k = 1; k <= M_MAX; k++) {
		w->jobs[n] = mkjob(n, 1 + (cs_time)k, 1, 1, -1, 0, 0, 0, 0, 0);
		w->jobs[n++].size = 1;
	}
}

/* ====================================================================== */
/* Runs                                                                   */
/* ====================================================================== */

typedef struct result {
	double per_pass_s;
	uint32_t M;
	cs_time *start, *resv; /* the schedule, base + M jobs */
	size_t n;
	size_t started_stream; /* stream jobs that started */
} result;

static void result_free(result *r)
{
	free(r->start);
	free(r->resv);
	memset(r, 0, sizeof *r);
}

/* One run with M timed passes; exits on error. */
static void run_once(const machine *m, const workload *w, const cs_policy_ops *ops, const char *key,
		     const char *val, uint32_t M, result *r)
{
	size_t n = w->base + M;
	char err[CS_ERRLEN];
	const char *keys[1] = { key }, *vals[1] = { val };
	cs_policy_env env = { .jobs = w->jobs, .njobs = n, .total_procs = m->procs, .nparams = val ? 1 : 0,
			      .keys = keys, .vals = vals, .node_model = !m->pooled };
	timed tw = { .inner = ops, .first = 2, .last = 1 + (cs_time)M };
	tw.sub = xmalloc(n * sizeof *tw.sub);
	if (ops->init(&tw.st, &env, err, sizeof err) < 0) {
		fprintf(stderr, "bench_policy: %s: init: %s\n", ops->name, err);
		exit(1);
	}
	cs_engine_stats st;
	cs_engine_conv cv = { CS_SAME_END_FIRST, CS_PASS_PER_TIME, CS_SUBMIT_ALWAYS, CS_RELEASE_EVENT };
	int rc;
	if (m->pooled) {
		rc = cs_engine_run(w->jobs, n, m->procs, &cv, &timed_ops, &tw, &st, err, sizeof err);
	} else {
		cs_alloc *A;
		if (cs_alloc_new(&A, &m->nm.layout, CS_FIT_BEST, err, sizeof err) < 0) {
			fprintf(stderr, "bench_policy: %s\n", err);
			exit(1);
		}
		cs_node_machine nmach = cs_nodemodel_machine(&m->nm, A);
		rc = cs_engine_run_nodes(w->jobs, n, &nmach, &cv, &timed_ops, &tw, &st, err, sizeof err);
		cs_alloc_free(A);
	}
	ops->destroy(tw.st);
	free(tw.sub);
	if (rc < 0) {
		fprintf(stderr, "bench_policy: %s on %s: %s\n", ops->name, m->name, err);
		exit(1);
	}
	if (tw.passes != M || !tw.stopped) {
		fprintf(stderr, "bench_policy: %s on %s: %llu timed passes, expected %u\n", ops->name, m->name,
			(unsigned long long)tw.passes, M);
		exit(1);
	}
	result_free(r);
	r->M = M;
	r->per_pass_s = M ? (tw.t1 - tw.t0) / M : 0;
	r->n = n;
	r->start = xmalloc(n * sizeof *r->start);
	r->resv = xmalloc(n * sizeof *r->resv);
	for (size_t i = 0; i < n; i++) {
		r->start[i] = w->jobs[i].start_s;
		r->resv[i] = w->jobs[i].reservation_s;
		if (i >= w->base && w->jobs[i].start_s >= 0)
			r->started_stream++;
	}
}

static double target_s = 0.25;

/* Calibrate M on a short run of M0 passes, then time about target_s of passes. */
static void run_timed(const machine *m, const workload *w, const cs_policy_ops *ops, const char *key,
		      const char *val, uint32_t M0, result *r)
{
	uint32_t M = M0;
	for (;;) {
		run_once(m, w, ops, key, val, M, r);
		double spent = r->per_pass_s * M;
		if (spent >= target_s * 0.5 || M >= M_MAX)
			return;
		double want = r->per_pass_s > 0 ? target_s / r->per_pass_s : (double)M_MAX;
		uint32_t next = want > M_MAX ? M_MAX : (uint32_t)want;
		if (next <= M * 2)
			next = M * 4 < M_MAX ? M * 4 : M_MAX;
		M = next;
	}
}

/* The two schedules agree on every job both ran: a start at or before the
 * shorter run's last timed pass is the same in both (later ones were
 * rejected in the shorter run); reservations agree where both have one. */
static int same_schedule(const result *a, const result *b)
{
	const result *s = a->M <= b->M ? a : b, *l = a->M <= b->M ? b : a;
	cs_time end = 1 + (cs_time)s->M + 1; /* the shorter run's cutoff pass */
	for (size_t i = 0; i < s->n; i++) {
		cs_time want = l->start[i] >= 0 && l->start[i] < end ? l->start[i] : -1;
		if (s->start[i] != want)
			return 0;
		if (s->resv[i] >= 0 && l->resv[i] >= 0 && s->resv[i] != l->resv[i])
			return 0;
	}
	return 1;
}

typedef struct pol {
	const char *label, *builtin, *key, *val; /* the built-in and its parameter */
	const cs_policy_ops *naive;              /* NULL: the built-in with nkey=nval */
	const char *nkey, *nval;
	int pooled;          /* runs on the pooled machine (1) or the node model (0) */
	uint32_t naive_max;  /* beyond this queue (on the 10k-node cluster: a tenth) the twin is slow: it
			      * runs only with --full, 2 timed passes; 0: never slow */
} pol;

/* conservative's straightforward twin is itself with search=all: every
 * plan searched again, over every node, every pass (a policy outside the
 * engine cannot hold node-level plans). Each of its passes searches every
 * queued job's plan again: with 50k queued on the default cluster and 10k
 * or 50k on 10k nodes a pass takes 8-100 s, so there it runs only with
 * --full, for 2 timed passes (the built-in alone otherwise). */
static const pol pols[] = {
	{ "fcfs", "fcfs", NULL, NULL, &naive_fcfs, NULL, NULL, 0, 0 },
	{ "sjf", "sjf", NULL, NULL, &naive_sjf, NULL, NULL, 0, 0 },
	{ "easy", "easy", NULL, NULL, &naive_easy, NULL, NULL, 0, 0 },
	{ "easy-sjbf", "easy", "order", "sjbf", &naive_easy, "order", "sjbf", 0, 0 },
	{ "multifactor", "multifactor", NULL, NULL, &naive_mf, NULL, NULL, 0, 0 },
	{ "conservative", "conservative", NULL, NULL, NULL, "search", "all", 0, 10000 },
	{ "easy", "easy", NULL, NULL, &naive_easy, NULL, NULL, 1, 0 },
	{ "easy-sjbf", "easy", "order", "sjbf", &naive_easy, "order", "sjbf", 1, 0 },
};
#define NPOLS (sizeof pols / sizeof pols[0])

static const char ten_k_yaml[] =
	"name: bench-10k\n"
	"site: {pue: 1}\n"
	"node_types:\n"
	"  - name: gpu\n"
	"    count: 10000\n"
	"    topology: \"pack:2 numa:2 core:28 pu:2\"\n"
	"    memory_gib: 2048\n"
	"    gpus: {model: H100, count: 8, per_package: 4}\n"
	"    power_w: {idle: 0, peak: 0}\n"
	"partitions:\n"
	"  - {name: gpu, node_types: [gpu]}\n"
	"fabric:\n"
	"  levels:\n"
	"    - {name: leaf, radix: 64, oversubscription: 1}\n"
	"    - {name: spine, radix: 64, oversubscription: 1}\n";

static void load_machine(machine *m, int ten_k)
{
	cs_cluster *c;
	char err[CS_ERRLEN];
	int rc = ten_k ? cs_cluster_load_text(&c, ten_k_yaml, sizeof ten_k_yaml - 1, "<bench-10k>", ".", err, sizeof err)
		       : cs_cluster_load_default(&c, err, sizeof err);
	if (rc == 0)
		rc = cs_nodemodel_build(&m->nm, c, err, sizeof err);
	if (rc < 0) {
		fprintf(stderr, "bench_policy: %s\n", err);
		exit(1);
	}
	cs_cluster_free(c);
	m->name = ten_k ? "10k-nodes" : "default";
	m->nodes = m->nm.layout.nnodes;
	m->procs = (uint32_t)m->nm.total_gpus;
}

int main(int argc, char **argv)
{
	int json = 0;
	const char *only = NULL;
	int full = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			only = argv[++i];
		else if (strcmp(argv[i], "--full") == 0)
			full = 1;
		else if (strcmp(argv[i], "--quick") == 0)
			target_s = 0.02;
		else {
			fprintf(stderr, "usage: bench_policy [--json] [--quick] [--only POLICY] [--full]\n");
			return 2;
		}
	}
	const uint32_t queued[3] = { 1000, 10000, 50000 };
	machine mach[2] = { { 0 } };
	load_machine(&mach[0], 0);
	load_machine(&mach[1], 1);
	if (!json) {
		printf("bench_policy: one scheduling pass (a full machine, one GPU freed and one 1-GPU job backfilled a "
		       "pass), built-in policy vs a straightforward one in this file, same schedule required\n");
		printf("  ns/job = pass time / queued jobs; naive /s = the straightforward policy's passes/s; "
		       "ratio = built-in / naive\n");
		printf("%-16s %-12s %6s %7s %6s %11s %10s %9s %11s %8s %5s\n", "policy", "machine", "nodes", "queued",
		       "passes", "passes/s", "us/pass", "ns/job", "naive /s", "ratio", "same");
	}
	double t_all = now_s();
	int all_same = 1;
	for (int pooled = 0; pooled < 2; pooled++)
		for (int mi = 0; mi < 2; mi++)
			for (int qi = 0; qi < 3; qi++) {
				machine pm = mach[mi];
				pm.pooled = pooled;
				workload w;
				if (pooled)
					build_pooled(&pm, queued[qi], &w);
				else
					build_nodes(&pm, queued[qi], &w);
				if (!json && qi == 0)
					printf("# %s%s: %u %s, %zu jobs running during the passes\n", pooled ? "pooled " : "",
					       pm.name, pm.procs, pooled ? "processors" : "GPUs", w.nfill);
				for (size_t k = 0; k < NPOLS; k++) {
					if (pols[k].pooled != pooled || (only && strcmp(only, pols[k].label) != 0))
						continue;
					/* a slow twin runs only with --full, and times 2 passes */
					int slow = pols[k].naive_max && queued[qi] > pols[k].naive_max / (mi ? 10 : 1);
					int twin = !slow || full;
					const cs_policy_ops *ops = cs_policy_find(pols[k].builtin);
					result rb = { 0 }, rn = { 0 };
					run_timed(&pm, &w, ops, pols[k].key, pols[k].val, 16, &rb);
					if (twin)
						run_timed(&pm, &w, pols[k].naive ? pols[k].naive : ops, pols[k].nkey, pols[k].nval,
							  slow ? 2 : 16, &rn);
					else
						rn.per_pass_s = NAN;
					int same = !twin || same_schedule(&rb, &rn);
					all_same &= same;
					double pps = 1.0 / rb.per_pass_s, bpps = 1.0 / rn.per_pass_s;
					double ns_job = rb.per_pass_s * 1e9 / queued[qi];
					char name[64], mname[32], nodes[16] = "-";
					if (!pooled)
						snprintf(nodes, sizeof nodes, "%u", pm.nodes);
					snprintf(name, sizeof name, "%s%s", pooled ? "pooled-" : "", pols[k].label);
					if (pooled)
						snprintf(mname, sizeof mname, "%u procs", pm.procs);
					else
						snprintf(mname, sizeof mname, "%s", pm.name);
					char base[32] = "null", ratio[32] = "null";
					if (twin) {
						snprintf(base, sizeof base, "%.0f", bpps);
						snprintf(ratio, sizeof ratio, "%.2f", pps / bpps);
					}
					if (json)
						printf("{\"name\": \"%s\", \"machine\": \"%s\", \"nodes\": %u, \"procs\": %u, "
						       "\"queued\": %u, \"passes\": %u, \"passes_per_s\": %.0f, "
						       "\"us_per_pass\": %.3f, \"us_per_job\": %.5f, "
						       "\"baseline_passes_per_s\": %s, \"ratio\": %s, "
						       "\"same_schedule\": %s, \"stream_started\": %zu}\n",
						       name, mname, pooled ? 0 : pm.nodes, pm.procs, queued[qi], rb.M, pps,
						       rb.per_pass_s * 1e6, rb.per_pass_s * 1e6 / queued[qi], base, ratio,
						       twin ? (same ? "true" : "false") : "null", rb.started_stream);
					else if (twin)
						printf("%-16s %-12s %6s %7u %6u %11.0f %10.2f %9.2f %11.0f %7.1fx %5s\n",
						       name, mname, nodes, queued[qi], rb.M, pps,
						       rb.per_pass_s * 1e6, ns_job, bpps, pps / bpps, same ? "yes" : "NO");
					else
						printf("%-16s %-12s %6s %7u %6u %11.0f %10.2f %9.2f %11s %8s %5s\n", name, mname,
						       nodes, queued[qi], rb.M, pps, rb.per_pass_s * 1e6, ns_job, "not run", "-",
						       "-");
					fflush(stdout);
					result_free(&rb);
					result_free(&rn);
				}
				free(w.jobs);
			}
	if (!json)
		printf("same schedule: %s (%.1f s in all)\n", all_same ? "yes" : "NO", now_s() - t_all);
	cs_nodemodel_free(&mach[0].nm);
	cs_nodemodel_free(&mach[1].nm);
	return all_same ? 0 : 1;
}
