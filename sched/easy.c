/* capsim: EASY backfilling (Lifka 1995; Mu'alem & Feitelson 2001).
 *
 * A pass starts queued jobs in arrival order while the oldest fits. When it
 * does not, the oldest job (the head) gets a reservation at the shadow
 * time S: the earliest time enough processors are free by running jobs'
 * estimates. Let extra = processors free at S minus the head's size. A
 * later job may start now if it fits now and either ends by S (now +
 * estimate <= S) or uses only extra processors (size <= extra; extra then
 * shrinks by its size). Candidates are looked at in queue order, or
 * shortest estimate first (SJBF, ties in queue order), per the `order`
 * parameter. The head is not re-examined after backfilling in the same pass.
 *
 * On a node model the same rule holds node by node: the head holds specific
 * nodes, GPUs, cores and memory at S (cs_ctx_hold), and a later job that
 * would still run at S may not use them.
 *
 * On a node model whose jobs use several partitions (queue=partition, the
 * default; docs/policies.md#partitions) each partition has its head: the
 * pass starts the oldest job of the partitions not yet blocked, in arrival
 * order; a head that cannot start blocks its partition and holds its
 * reservation (cs_ctx_hold_add: every hold of the pass counts the earlier
 * ones). Then every other waiting job may start if it delays no hold, and
 * with reserve=N the first N jobs of a partition that cannot start hold
 * reservations too (Slurm's backfill reserves for each job it tests),
 * bounded per user by reserve_user and in all by reserve_total. A job
 * submitted to several partitions is a head in each of them not yet
 * blocked: it starts in the first (in its order) where it fits, or blocks
 * them all and holds its reservation in the one, with room in the budget,
 * where it can start the earliest (cs_ctx_hold_in); backfilling, it starts
 * in the first where it fits without delaying a hold.
 */
#include "capsim/sched.h"
#include "fifo.h"
#include "capsim/hbm.h"
#include "partq.h"
#include "qtree.h"
#include "shapeq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct easy {
	cs_fifo q;
	cs_qtree t;      /* with use_tree: the pooled machine's indexed scan */
	int use_tree;    /* pooled, scan=index (the only reader of t) */
	cs_hbm occ;      /* with use_occ: the leaves of t that hold a waiting job
			  * (backfill_linear walks them in SJBF order, a word at a time) */
	int use_occ;     /* SJBF order scanned by backfill_linear: node model or scan=linear */
	const cs_job *jobs;
	uint32_t *pos;   /* pos[jid]: leaf in t */
	uint32_t *at;    /* at[leaf]: jid */
	int sjbf;        /* backfill order: 0 queue order, 1 shortest estimate first */
	int linear;      /* scan=linear: try every waiting job (backfill_linear) */
	cs_shapeq sq;    /* node model, queue order, scan=index: the waiting jobs by shape */
	int use_shapes;
	cs_time *lim;    /* per shape, in a pass: only its jobs with estimates up to this may start */
	/* per shape, across passes: out_key[s] (not 0) from cs_ctx_nofit_key
	 * of job out_job[s] (out_q[s] its partition's key) when the engine
	 * refused every job of the shape from what it keeps; while the
	 * partition's cs_ctx_part_key is the same, it still does */
	uint64_t *out_key;
	uint32_t *out_job, *out_q;
	/* per partition key: cs_ctx_part_key as of part_gen[q] == gen (one
	 * look at the shapes, where nothing is given back) */
	uint64_t *part_key;
	uint64_t *part_gen, gen;
	/* per partition (queue=partition on a node model) */
	cs_partq pq;
	int per_partition;
	cs_resv_budget rb;
} easy;

static void easy_destroy(void *state)
{
	easy *p = state;
	if (!p)
		return;
	cs_fifo_free(&p->q);
	cs_qtree_free(&p->t);
	cs_hbm_free(&p->occ);
	cs_partq_free(&p->pq);
	cs_resv_budget_free(&p->rb);
	cs_shapeq_free(&p->sq);
	free(p->lim);
	free(p->out_key);
	free(p->out_job);
	free(p->out_q);
	free(p->part_key);
	free(p->part_gen);
	free(p->pos);
	free(p->at);
	free(p);
}

static int easy_init(void **state, const cs_policy_env *env, char *err, size_t errlen)
{
	const char *order = cs_policy_param_get(env, "order");
	int sjbf = 0;
	if (order && strcmp(order, "sjbf") == 0)
		sjbf = 1;
	else if (order && strcmp(order, "fcfs") != 0) {
		snprintf(err, errlen, "policy easy: order: '%s' is not one of fcfs, sjbf", order);
		return -CS_EINVAL;
	}
	const char *scan = cs_policy_param_get(env, "scan");
	if (scan && strcmp(scan, "index") != 0 && strcmp(scan, "linear") != 0) {
		snprintf(err, errlen, "policy easy: scan: '%s' is not one of index, linear", scan);
		return -CS_EINVAL;
	}
	easy *p = calloc(1, sizeof *p);
	if (!p)
		return -CS_ENOMEM;
	p->linear = scan && strcmp(scan, "linear") == 0;
	p->use_tree = !p->linear && !env->node_model;
	size_t n = env->njobs ? env->njobs : 1;
	p->jobs = env->jobs;
	p->sjbf = sjbf;
	p->pos = malloc(n * sizeof *p->pos);
	p->at = malloc(n * sizeof *p->at);
	if (!p->pos || !p->at || cs_fifo_init(&p->q, env->njobs) < 0 ||
	    (p->use_tree && cs_qtree_init(&p->t, env->njobs) < 0)) {
		easy_destroy(p);
		return -CS_ENOMEM;
	}
	if (cs_partq_init(&p->pq, env->jobs, env->njobs, env->partsets) < 0) {
		easy_destroy(p);
		return -CS_ENOMEM;
	}
	int m = cs_resv_budget_init(&p->rb, env, &p->pq, "easy", err, errlen);
	if (m < 0) {
		easy_destroy(p);
		return m;
	}
	p->per_partition = m;
	p->use_occ = sjbf && (env->node_model || p->linear);
	p->use_shapes = !sjbf && env->node_model && !p->linear;
	if (p->use_shapes && (cs_shapeq_init(&p->sq, env->jobs, env->njobs) < 0 ||
			      !(p->lim = malloc((p->sq.nshapes + 1) * sizeof *p->lim)) ||
			      !(p->out_key = calloc(p->sq.nshapes + 1, sizeof *p->out_key)) ||
			      !(p->out_job = calloc(p->sq.nshapes + 1, sizeof *p->out_job)) ||
			      !(p->out_q = calloc(p->sq.nshapes + 1, sizeof *p->out_q)) ||
			      !(p->part_key = calloc(p->pq.nkeys + 1, sizeof *p->part_key)) ||
			      !(p->part_gen = calloc(p->pq.nkeys + 1, sizeof *p->part_gen)))) {
		easy_destroy(p);
		return -CS_ENOMEM;
	}
	if (p->use_occ && cs_hbm_init(&p->occ, (uint32_t)n) < 0) {
		easy_destroy(p);
		return -CS_ENOMEM;
	}
	if (sjbf) {
		/* SJBF key: (estimate, arrival). Fixed per job, so a static rank
		 * orders any subset of the queue the same way. */
		if (cs_rank_by_estimate(env->jobs, env->njobs, p->at) < 0) {
			easy_destroy(p);
			return -CS_ENOMEM;
		}
	} else {
		for (uint32_t i = 0; i < env->njobs; i++)
			p->at[i] = i;
	}
	for (uint32_t i = 0; i < env->njobs; i++)
		p->pos[p->at[i]] = i;
	*state = p;
	return 0;
}

static void easy_submit(void *state, uint32_t jid)
{
	easy *p = state;
	cs_fifo_push(&p->q, jid);
	cs_partq_push(&p->pq, jid);
	if (p->use_tree)
		cs_qtree_set(&p->t, p->pos[jid], p->jobs[jid].size, p->jobs[jid].estimate_s);
	if (p->use_occ)
		cs_hbm_set(&p->occ, p->pos[jid]);
	if (p->use_shapes)
		cs_shapeq_push(&p->sq, jid);
}

static void take(easy *p, uint32_t jid)
{
	cs_fifo_remove(&p->q, jid);
	if (p->use_tree)
		cs_qtree_clear(&p->t, p->pos[jid]);
	if (p->use_occ)
		cs_hbm_clear(&p->occ, p->pos[jid]);
	if (p->use_shapes)
		cs_shapeq_remove(&p->sq, jid);
}

/* A cancelled job leaves every index take() keeps. The head's hold is the
 * engine's and lasts one pass; the next pass finds the new head. */
static void easy_cancel(void *state, uint32_t jid) { take(state, jid); }

/* Backfill candidate jid: start it; per partition, one that cannot start
 * may hold a reservation too, as the budget allows. 0 once the machine
 * has nothing free (pooled), else 1. */
static int backfill_one(easy *p, cs_sched_ctx *ctx, uint32_t jid, int node_model)
{
	if (!node_model && cs_ctx_free(ctx) == 0)
		return 0;
	if (cs_ctx_start(ctx, jid, CS_START_BACKFILL) == 0)
		take(p, jid);
	else if (p->per_partition)
		cs_resv_budget_hold(&p->rb, &p->pq, ctx, jid);
	return 1;
}

/* Backfilling by trying each waiting job in backfill order against the
 * holds: what a node model needs (whether a job fits is the allocator's
 * answer), and on a pooled machine the plain form of the indexed scan
 * below (`scan=linear`, kept for tests and benchmarks). h: the one head
 * (one queue), or -1 per partition (the jobs that hold are skipped). */
static void backfill_linear(easy *p, cs_sched_ctx *ctx, long h)
{
	int node_model = cs_ctx_node_model(ctx);
	if (!p->sjbf) {
		/* queue order is arrival order: walk the queue itself (before
		 * the one head, every job has started) */
		for (long k = h >= 0 ? cs_fifo_next(&p->q, (uint32_t)h + 1) : cs_fifo_head(&p->q); k >= 0;) {
			uint32_t jid = (uint32_t)k;
			k = cs_fifo_next(&p->q, jid + 1);
			if (!cs_resv_budget_holds(&p->rb, jid) && !backfill_one(p, ctx, jid, node_model))
				break;
		}
		return;
	}
	/* every waiting job in SJBF order: the occupied leaves, in order */
	for (long leaf = cs_hbm_next(&p->occ, 0); leaf >= 0;) {
		uint32_t jid = p->at[leaf];
		leaf = cs_hbm_next(&p->occ, (uint32_t)leaf + 1);
		if ((long)jid == h || cs_resv_budget_holds(&p->rb, jid))
			continue;
		if (!backfill_one(p, ctx, jid, node_model))
			break;
	}
}

/* Could waiting job jid, which cannot start, hold a reservation now? Not
 * once its partition's budget or the pass's is spent (cs_resv_budget_hold's
 * first tests, which change nothing); the same for every job of its shape
 * (one partition). A job of several partitions: assume it could. */
static int may_hold(const easy *p, uint32_t jid)
{
	const cs_resv_budget *b = &p->rb;
	if (!p->per_partition || (b->total && b->nheld >= b->total))
		return 0;
	if (cs_partset_of(p->pq.sets, p->jobs[jid].partition) >= 0)
		return 1;
	return p->pq.reserved[cs_partq_key(&p->pq, jid)] < b->per_part;
}

/* The engine refused every job of shape s (job jid's, of one partition):
 * keep its key. */
static void note_out(easy *p, cs_sched_ctx *ctx, uint32_t s, uint32_t jid)
{
	p->out_key[s] = cs_ctx_nofit_key(ctx, jid);
	p->out_job[s] = jid;
	p->out_q[s] = cs_partq_key(&p->pq, jid);
}

/* Is shape s known out of the pass from the start without a waiting job
 * of it: the key kept from an earlier refusal stands and no job of it
 * could hold (may_hold for a job of one partition, by its key)? */
static int shape_kept_out(easy *p, cs_sched_ctx *ctx, uint32_t s)
{
	if (!p->out_key[s])
		return 0;
	uint32_t q = p->out_q[s];
	const cs_resv_budget *b = &p->rb;
	if (p->per_partition && !(b->total && b->nheld >= b->total) && p->pq.reserved[q] < b->per_part)
		return 0;
	if (p->part_gen[q] != p->gen) {
		p->part_key[q] = cs_ctx_part_key(ctx, p->out_job[s]);
		p->part_gen[q] = p->gen;
	}
	return p->part_key[q] == p->out_key[s];
}

/* Is the shape s of waiting job jid out of the pass from the start: what
 * the engine has learnt refuses every job of it (cs_ctx_nofit_bound) and
 * none could hold? Then trying its jobs would change nothing. */
static int shape_out(easy *p, cs_sched_ctx *ctx, uint32_t s, uint32_t jid)
{
	cs_time m;
	if (may_hold(p, jid) || !cs_ctx_nofit_bound(ctx, jid, &m) || m >= 0)
		return 0;
	note_out(p, ctx, s, jid);
	return 1;
}

/* backfill_linear in queue order on a node model, visiting shapes rather
 * than jobs: the same starts, holds and tries in the same order, leaving
 * out only jobs whose start the engine would refuse from what the pass
 * has learnt (cs_ctx_nofit_bound) and that could not hold either. The
 * shapes' next jobs are merged in arrival order; a shape whose job was
 * refused goes on from its next job within the bound (none if the shape
 * cannot start at all). When what was learnt lapses (a hold made while
 * backfilling), the merge starts again after the job just tried. */
static void backfill_shapes(easy *p, cs_sched_ctx *ctx, long h)
{
	cs_shapeq *sq = &p->sq;
	/* after the one head (every job before it has started), or from the
	 * oldest waiting job */
	long f = h >= 0 ? h + 1 : cs_fifo_head(&p->q);
	if (f < 0)
		return;
	uint32_t from = (uint32_t)f;
restart:
	cs_shapeq_heap_clear(sq);
	p->gen++; /* part_key: looked at again */
	for (uint32_t s = 0; s < sq->nshapes; s++) {
		if (!sq->nwait[s] || shape_kept_out(p, ctx, s))
			continue;
		p->lim[s] = CS_TIME_MAX; /* read only for the shapes pushed below */
		long k = cs_shapeq_first(sq, s, from);
		if (k >= 0 && !shape_out(p, ctx, s, (uint32_t)k))
			cs_shapeq_heap_push(sq, (uint32_t)k, s);
	}
	uint32_t gen = cs_ctx_fit_gen(ctx);
	uint32_t jid, s;
	while (cs_shapeq_heap_pop(sq, &jid, &s)) {
		if (!cs_resv_budget_holds(&p->rb, jid)) {
			int started = cs_ctx_start(ctx, jid, CS_START_BACKFILL) == 0;
			if (started)
				take(p, jid);
			else if (p->per_partition)
				cs_resv_budget_hold(&p->rb, &p->pq, ctx, jid);
			if (cs_ctx_fit_gen(ctx) != gen) {
				from = jid + 1;
				goto restart;
			}
			cs_time m;
			if (!started && !may_hold(p, jid) && cs_ctx_nofit_bound(ctx, jid, &m)) {
				p->lim[s] = m;
				if (m < 0) {
					note_out(p, ctx, s, jid);
					continue; /* no job of the shape starts in this pass */
				}
			}
		}
		long k = cs_shapeq_after(sq, s, jid, p->lim[s]);
		if (k >= 0)
			cs_shapeq_heap_push(sq, (uint32_t)k, s);
	}
}

/* Per partition: the heads of the partitions in arrival order, each
 * holding its reservation when it cannot start; then backfilling against
 * every hold, with more reservations as the budget allows. */
static void easy_pass_partitions(easy *p, cs_sched_ctx *ctx)
{
	cs_partq *pq = &p->pq;
	cs_partq_pass(pq);
	cs_resv_budget_pass(&p->rb);
	long h;
	while ((h = cs_partq_next_unblocked(pq, &p->q)) >= 0) {
		uint32_t jid = (uint32_t)h;
		uint64_t open = cs_partq_open(pq, jid);
		if (cs_ctx_start_in(ctx, jid, open, CS_START_HEAD) == 0) {
			take(p, jid);
			continue;
		}
		cs_ctx_pending(ctx, jid, CS_WAIT_RESOURCES);
		cs_partq_block(pq, jid, open);
		cs_resv_budget_hold(&p->rb, pq, ctx, jid);
	}
	if (p->use_shapes)
		backfill_shapes(p, ctx, -1);
	else
		backfill_linear(p, ctx, -1);
}

static void easy_pass(void *state, cs_sched_ctx *ctx)
{
	easy *p = state;
	long h;
	if (p->per_partition) {
		easy_pass_partitions(p, ctx);
		return;
	}
	while ((h = cs_fifo_head(&p->q)) >= 0) {
		if (cs_ctx_start(ctx, (uint32_t)h, CS_START_HEAD) < 0) {
			cs_ctx_pending(ctx, (uint32_t)h, CS_WAIT_RESOURCES);
			break;
		}
		take(p, (uint32_t)h);
	}
	if (h < 0)
		return;
	if (p->linear || cs_ctx_node_model(ctx)) {
		if (cs_ctx_hold(ctx, (uint32_t)h, NULL) == 0) {
			if (p->use_shapes)
				backfill_shapes(p, ctx, h);
			else
				backfill_linear(p, ctx, h);
		}
		return;
	}
	const cs_job *head = &p->jobs[h];
	cs_time now = cs_ctx_now(ctx), shadow;
	uint32_t free_at_shadow;
	if (cs_ctx_shadow(ctx, head->size, &shadow, &free_at_shadow) < 0)
		return;
	cs_ctx_reserve(ctx, (uint32_t)h, shadow);
	uint32_t fit = cs_ctx_free(ctx);
	if (fit == 0 || p->q.count < 2)
		return;
	uint32_t extra = free_at_shadow - head->size;
	cs_time limit = shadow - now; /* estimate <= limit: ends by the shadow time */
	/* In queue order the head is the leftmost leaf: start past it. In SJBF
	 * order it may sit anywhere, so it leaves the index for the scan. */
	size_t from = p->sjbf ? 0 : p->pos[h] + 1;
	if (p->sjbf)
		cs_qtree_clear(&p->t, p->pos[h]);
	long leaf;
	while (fit > 0 && (leaf = cs_qtree_find(&p->t, from, fit, extra, limit)) >= 0) {
		uint32_t jid = p->at[leaf];
		const cs_job *j = &p->jobs[jid];
		if (cs_ctx_start(ctx, jid, CS_START_BACKFILL) < 0)
			break; /* cannot happen: the index said it fits */
		if (j->estimate_s > limit)
			extra -= j->size;
		take(p, jid);
		fit = cs_ctx_free(ctx);
		from = (size_t)leaf + 1;
	}
	if (p->sjbf)
		cs_qtree_set(&p->t, p->pos[h], head->size, head->estimate_s);
}

static const cs_policy_param easy_params[] = {
	{ "order", "fcfs", "backfill scan order: fcfs (queue order) or sjbf (shortest estimate first)" },
	{ "scan", "index", "index (pooled: a segment tree over the queue; node model, queue order: the "
			   "waiting jobs by request shape) or linear (try each waiting job; same schedule, "
			   "the plain form)" },
	CS_PARTITION_PARAMS,
	{ NULL, NULL, NULL },
};

const cs_policy_ops cs_policy_easy = {
	.abi = CS_POLICY_ABI,
	.name = "easy",
	.summary = "EASY backfilling: the head job holds a reservation; later jobs may start if they do not delay it",
	.params = easy_params,
	.init = easy_init,
	.submit = easy_submit,
	.pass = easy_pass,
	.destroy = easy_destroy,
	.cancel = easy_cancel,
};
