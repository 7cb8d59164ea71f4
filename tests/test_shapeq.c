/* capsim tests: EASY's backfill scan by request shape (sched/shapeq.c,
 * cs_ctx_nofit_bound) against the plain scan of every waiting job. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/gen.h"
#include "capsim/trace.h"
#include "helpers.h"
#include "shapeq.h"

static unsigned long long rng = 88172645463325252ull;
static unsigned rnd(unsigned n) { return th_xorshift(&rng, n); }

/* The reference: the first waiting job of shape s at or after index from
 * (after == 0) or after job from (after == 1) with estimate <= lim, by a
 * scan of the job table. */
static long ref_find(const cs_shapeq *q, const cs_job *jobs, const uint8_t *in, size_t n, uint32_t s,
		     uint32_t from, cs_time lim)
{
	for (size_t i = from; i < n; i++)
		if (in[i] && q->shape[i] == s && jobs[i].estimate_s <= lim)
			return (long)i;
	return -1;
}

Test(shapeq, finds_the_job_a_scan_of_the_table_finds)
{
	enum { N = 3000 };
	cs_job *jobs = calloc(N, sizeof *jobs);
	uint8_t in[N] = { 0 };
	for (size_t i = 0; i < N; i++) {
		jobs[i].partition = (int32_t)rnd(3) - 1;
		jobs[i].nodes = 1 + rnd(2);
		jobs[i].gpus_per_node = 1u << rnd(3);
		jobs[i].cores_per_node = 8;
		jobs[i].mem_per_node_mib = 1024;
		jobs[i].estimate_s = 1 + rnd(1000);
	}
	cs_shapeq q;
	cr_assert_eq(cs_shapeq_init(&q, jobs, N), 0);
	cr_assert_eq(q.nshapes, 3 * 2 * 3);
	for (size_t i = 0; i < N; i++) /* same shape, same memo key */
		for (size_t k = i + 1; k < i + 5 && k < N; k++)
			cr_assert_eq(q.shape[i] == q.shape[k],
				     jobs[i].partition == jobs[k].partition && jobs[i].nodes == jobs[k].nodes &&
					     jobs[i].gpus_per_node == jobs[k].gpus_per_node);
	for (int step = 0; step < 20000; step++) {
		uint32_t j = rnd(N);
		if (in[j] && rnd(2)) {
			cs_shapeq_remove(&q, j);
			in[j] = 0;
		} else if (!in[j]) {
			cs_shapeq_push(&q, j);
			in[j] = 1;
		}
		uint32_t s = q.shape[rnd(N)], from = rnd(N);
		cr_assert_eq(cs_shapeq_first(&q, s, from), ref_find(&q, jobs, in, N, s, from, CS_TIME_MAX));
		uint32_t a = rnd(N);
		cs_time lim = rnd(3) ? (cs_time)rnd(1200) : CS_TIME_MAX;
		cr_assert_eq(cs_shapeq_after(&q, q.shape[a], a, lim), ref_find(&q, jobs, in, N, q.shape[a], a + 1, lim));
	}
	size_t w[18] = { 0 };
	for (size_t i = 0; i < N; i++)
		w[q.shape[i]] += in[i];
	for (uint32_t s = 0; s < q.nshapes; s++)
		cr_assert_eq(q.nwait[s], w[s]);
	/* the merge heap (one entry a shape at most) gives the smallest job first */
	for (int round = 0; round < 50; round++) {
		cs_shapeq_heap_clear(&q);
		uint32_t n = 1 + rnd(q.nshapes);
		for (uint32_t i = 0; i < n; i++)
			cs_shapeq_heap_push(&q, rnd(100), i);
		uint32_t last = 0, jid, s;
		for (uint32_t i = 0; i < n; i++) {
			cr_assert(cs_shapeq_heap_pop(&q, &jid, &s));
			cr_assert_geq(jid, last);
			cr_assert_lt(s, n);
			last = jid;
		}
		cr_assert_not(cs_shapeq_heap_pop(&q, &jid, &s));
	}
	cs_shapeq_free(&q);
	free(jobs);
}

/* Key order of two jobs' shapes (the memo's key), as the slots must keep them. */
static int key_cmp(const cs_job *x, const cs_job *y)
{
	int64_t a[5] = { x->partition, x->nodes, x->gpus_per_node, x->cores_per_node, x->mem_per_node_mib };
	int64_t b[5] = { y->partition, y->nodes, y->gpus_per_node, y->cores_per_node, y->mem_per_node_mib };
	for (int i = 0; i < 5; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* Hundreds of shapes (the shape table grows several times over): slots in
 * (key, index) order, shapes numbered in key order, each a run. */
Test(shapeq, slots_follow_the_key_order_over_many_shapes)
{
	enum { N = 20000 };
	cs_job *jobs = calloc(N, sizeof *jobs);
	for (size_t i = 0; i < N; i++) {
		jobs[i].partition = (int32_t)rnd(4) - 1;
		jobs[i].nodes = 1 + rnd(4);
		jobs[i].gpus_per_node = rnd(9);
		jobs[i].cores_per_node = 8 * (1 + rnd(4));
		jobs[i].mem_per_node_mib = 1024;
	}
	cs_shapeq q;
	cr_assert_eq(cs_shapeq_init(&q, jobs, N), 0);
	cr_assert_gt(q.nshapes, 500);
	cr_assert_eq(q.first[0], 0);
	cr_assert_eq(q.first[q.nshapes], N);
	for (uint32_t k = 0; k < N; k++) {
		uint32_t j = q.jid_at[k];
		cr_assert_eq(q.slot[j], k);
		cr_assert(q.first[q.shape[j]] <= k && k < q.first[q.shape[j] + 1]);
		if (k == 0)
			continue;
		uint32_t i = q.jid_at[k - 1];
		int c = key_cmp(&jobs[i], &jobs[j]);
		cr_assert(c < 0 || (c == 0 && i < j), "slots %u and %u out of order", k - 1, k);
		cr_assert_eq(q.shape[j], q.shape[i] + (c != 0));
	}
	/* the shapes alone (multifactor's) are the queue's, numbered alike */
	uint32_t *shape = malloc(N * sizeof *shape), ns = 0;
	cr_assert_eq(cs_shapeq_shapes(jobs, N, shape, &ns), 0);
	cr_assert_eq(ns, q.nshapes);
	for (size_t i = 0; i < N; i++)
		cr_assert_eq(shape[i], q.shape[i], "job %zu", i);
	free(shape);
	cs_shapeq_free(&q);
	free(jobs);
}

static void same_as_linear(const char *path, const char *const *params)
{
	cs_run_result r[2];
	for (int k = 0; k < 2; k++) {
		cs_run_opts o;
		cs_run_opts_default(&o);
		char kv[CS_MAX_PARAMS][64];
		th_params(&o, params, kv);
		if (k) {
			o.keys[o.nparams] = "scan";
			o.vals[o.nparams++] = "linear";
		}
		o.workload = path;
		o.policy = "easy";
		char err[CS_ERRLEN] = "";
		cr_assert_eq(cs_run(&o, &r[k], err, sizeof err), 0, "%s", err);
	}
	cr_assert_eq(r[0].njobs, r[1].njobs);
	cr_assert_gt(r[0].est.max_queue, 300, "a backlog: %zu", r[0].est.max_queue);
	size_t diff = 0;
	for (size_t i = 0; i < r[0].njobs; i++)
		diff += r[0].jobs[i].start_s != r[1].jobs[i].start_s ||
			r[0].jobs[i].reservation_s != r[1].jobs[i].reservation_s ||
			r[0].jobs[i].partition != r[1].jobs[i].partition || r[0].jobs[i].reason != r[1].jobs[i].reason;
	cr_assert_eq(diff, 0, "%s: %zu jobs start, reserve or wait differently", params[0] ? params[0] : "", diff);
	cr_assert_eq(r[0].m.backfilled, r[1].m.backfilled);
	cs_run_result_free(&r[0]);
	cs_run_result_free(&r[1]);
}

Test(easy, shape_scan_gives_the_plain_scans_schedule_under_a_backlog)
{
	char *path = th_backlog_csv(5, 0);
	same_as_linear(path, (const char *const[]){ NULL });
	same_as_linear(path, (const char *const[]){ "queue=global", NULL });
	same_as_linear(path, (const char *const[]){ "reserve=3", "reserve_user=1", "reserve_total=5", NULL });
	th_unlink(path);
	path = th_backlog_csv(5, 1);
	same_as_linear(path, (const char *const[]){ NULL });
	same_as_linear(path, (const char *const[]){ "queue=global", NULL });
	th_unlink(path);
}

/* A policy that asks cs_ctx_nofit_bound of every backfill before trying
 * it, as multifactor does, and then tries it anyway: per pass in arrival
 * order, each partition's first job that cannot start holds (the first
 * hold, then extra ones), every later job of a blocked partition is a
 * backfill. A refusal from the bound, asked before any try of the job,
 * must be the start's answer (counted in wrong when the job starts). */
typedef struct probe {
	const cs_job *jobs;
	th_waiting w;
	size_t refused, wrong, tried;
	size_t beside; /* refusals beside the one hold on the job's types (m >= 0) */
} probe;

static probe probe_seen; /* the last run's counts, kept by probe_destroy */

static int probe_init(void **state, const cs_policy_env *env, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	probe *p = calloc(1, sizeof *p);
	cr_assert_not_null(p);
	p->jobs = env->jobs;
	th_waiting_init(&p->w, env->njobs);
	*state = p;
	return 0;
}

static void probe_submit(void *state, uint32_t jid) { th_waiting_add(&((probe *)state)->w, jid); }

static void probe_cancel(void *state, uint32_t jid) { ((probe *)state)->w.in[jid] = 0; }

static void probe_pass(void *state, cs_sched_ctx *ctx)
{
	probe *p = state;
	th_waiting *w = &p->w;
	th_waiting_trim(w);
	uint64_t blocked = 0;
	int holds = 0;
	for (size_t k = w->lo; k < w->hi; k++) {
		uint32_t jid = (uint32_t)k;
		if (!w->in[k])
			continue;
		uint64_t bit = 1ull << (p->jobs[k].partition & 63);
		if (!(blocked & bit)) {
			if (cs_ctx_start(ctx, jid, CS_START_HEAD) == 0) {
				w->in[k] = 0;
				continue;
			}
			cs_ctx_pending(ctx, jid, CS_WAIT_RESOURCES);
			blocked |= bit;
			holds += (holds ? cs_ctx_hold_add(ctx, jid, NULL) : cs_ctx_hold(ctx, jid, NULL)) == 0;
			continue;
		}
		cs_time m;
		int no = cs_ctx_nofit_bound(ctx, jid, &m) && (m < 0 || p->jobs[k].estimate_s > m);
		p->refused += (size_t)no;
		p->beside += (size_t)(no && m >= 0);
		p->tried++;
		if (cs_ctx_start(ctx, jid, CS_START_BACKFILL) == 0) {
			w->in[k] = 0;
			p->wrong += (size_t)no;
		}
	}
}

static void probe_destroy(void *state)
{
	probe *p = state;
	probe_seen = *p;
	th_waiting_free(&p->w);
	free(p);
}

static const cs_policy_ops probe_ops = {
	.abi = CS_POLICY_ABI,
	.name = "easy",
	.summary = "test: every backfill asks cs_ctx_nofit_bound, then tries",
	.init = probe_init,
	.submit = probe_submit,
	.pass = probe_pass,
	.destroy = probe_destroy,
	.cancel = probe_cancel,
};

/* What multifactor's backfill relies on to refuse a job before its first
 * try in a pass: the engine's bound (failures kept from earlier passes, a
 * shape's failure beside the one hold on its node types) refuses only
 * jobs whose start would fail, under a backlog with a hold per partition. */
Test(shapeq, a_refusal_asked_before_the_try_is_the_starts)
{
	char *path = th_backlog_csv(3, 0);
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = path;
	o.policy = "easy";
	o.test_ops = &probe_ops;
	cs_run_result r;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_run(&o, &r, err, sizeof err), 0, "%s", err);
	th_unlink(path);
	const probe *p = &probe_seen;
	cr_assert_gt(p->refused, 1000, "refused %zu of %zu", p->refused, p->tried);
	cr_assert_lt(p->refused, p->tried);
	cr_assert_eq(p->wrong, 0, "%zu of %zu refusals started", p->wrong, p->refused);
	/* the bound beside one hold (bit 2, asked once the holds leave one on
	 * the job's types) refuses too, not only the kept failures */
	cr_assert_gt(p->beside, 0, "beside the hold %zu of %zu refusals", p->beside, p->refused);
	cs_run_result_free(&r);
}
