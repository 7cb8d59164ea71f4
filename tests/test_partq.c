/* capsim tests: the waiting jobs by partition (sched/partq.c): each key's
 * oldest waiting job and the oldest of the unblocked keys, against a scan
 * of every waiting job, as jobs arrive, start, come back (requeued) and
 * keys block, with and without jobs of several partitions. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "partq.h"

static unsigned long long rng = 0x9e3779b97f4a7c15ull;
static unsigned rnd(unsigned n) { return th_xorshift(&rng, n); }

/* Does job jid have key k (by its partition, or its set's)? */
static int ref_has(const cs_partsets *ps, const cs_job *j, uint32_t k)
{
	int32_t s = cs_partset_of(ps, j->partition);
	if (s < 0)
		return (j->partition < 0 ? 0u : (uint32_t)j->partition + 1) == k;
	for (uint32_t i = ps->first[s]; i < ps->first[s + 1]; i++)
		if ((uint32_t)ps->parts[i] + 1 == k)
			return 1;
	return 0;
}

static long ref_head(const cs_partsets *ps, const cs_job *jobs, const cs_fifo *f, uint32_t k)
{
	for (size_t i = 0; i < f->end; i++)
		if (cs_fifo_has(f, (uint32_t)i) && ref_has(ps, &jobs[i], k))
			return (long)i;
	return -1;
}

static long ref_next(const cs_partsets *ps, const cs_job *jobs, const cs_fifo *f, const cs_partq *q)
{
	for (size_t i = 0; i < f->end; i++) {
		if (!cs_fifo_has(f, (uint32_t)i))
			continue;
		for (uint32_t k = 0; k < q->nkeys; k++)
			if (!q->blocked[k] && ref_has(ps, &jobs[i], k))
				return (long)i;
	}
	return -1;
}

/* N jobs of partitions -1..3 (with sets: also 4 = {0, 2} and 5 = {1, 2, 3}),
 * arriving in order; each step a pass blocks some keys and starts some
 * oldest unblocked jobs, or a started job comes back. */
static void run(int with_sets)
{
	enum { N = 1500 };
	uint32_t first[] = { 0, 2, 5 };
	int32_t parts[] = { 0, 2, 1, 2, 3 };
	cs_partsets sets = { .base = 4, .n = 2, .first = first, .parts = parts };
	const cs_partsets *ps = with_sets ? &sets : NULL;
	cs_job *jobs = calloc(N, sizeof *jobs);
	cr_assert_not_null(jobs);
	for (size_t i = 0; i < N; i++) /* partition 3 rare: its mark walks far */
		jobs[i].partition = rnd(20) == 0 ? 3 : (int32_t)rnd(with_sets ? 6 : 3) - 1;
	cs_fifo f;
	cs_partq q;
	cr_assert_eq(cs_fifo_init(&f, N), 0);
	cr_assert_eq(cs_partq_init(&q, jobs, N, ps), 0);
	uint32_t *started = malloc(N * sizeof *started);
	size_t nstarted = 0, next = 0, checks = 0;
	while (next < N || f.count) {
		for (unsigned a = rnd(6); a > 0 && next < N; a--, next++) {
			cs_fifo_push(&f, (uint32_t)next);
			cs_partq_push(&q, (uint32_t)next);
		}
		if (nstarted && rnd(8) == 0) { /* a started job is requeued */
			uint32_t i = rnd((unsigned)nstarted), jid = started[i];
			started[i] = started[--nstarted];
			cs_fifo_push(&f, jid);
			cs_partq_push(&q, jid);
		}
		cs_partq_pass(&q);
		for (uint32_t k = 0; k < q.nkeys; k++) {
			cr_assert_eq(cs_partq_head(&q, &f, k), ref_head(ps, jobs, &f, k), "key %u", k);
			checks++;
		}
		long h;
		while ((h = cs_partq_next_unblocked(&q, &f)) >= 0) {
			cr_assert_eq(h, ref_next(ps, jobs, &f, &q));
			checks++;
			uint64_t open = cs_partq_open(&q, (uint32_t)h);
			if (rnd(3) == 0) {
				cs_partq_block(&q, (uint32_t)h, open); /* it cannot start */
			} else {
				cs_fifo_remove(&f, (uint32_t)h);
				started[nstarted++] = (uint32_t)h;
			}
		}
		cr_assert_eq(ref_next(ps, jobs, &f, &q), -1);
	}
	cr_assert_gt(checks, 5000);
	free(started);
	cs_partq_free(&q);
	cs_fifo_free(&f);
	free(jobs);
}

Test(partq, heads_match_a_scan_of_the_waiting_jobs) { run(0); }

Test(partq, heads_match_a_scan_with_jobs_of_several_partitions) { run(1); }
