/* Scheduling metrics (sim/metrics.c): percentiles, the wait
 * percentiles' radix sort against a plain one, and the waits by partition. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "capsim/metrics.h"

Test(metrics, percentiles_interpolate_between_closest_ranks)
{
	cs_time v[] = { 0, 10, 20, 30, 40 };
	cr_assert_float_eq(cs_percentile_sorted(v, 5, 0.5), 20.0, 1e-12);
	cr_assert_float_eq(cs_percentile_sorted(v, 5, 0.95), 38.0, 1e-12);
	cr_assert_float_eq(cs_percentile_sorted(v, 4, 0.5), 15.0, 1e-12);
	cr_assert_float_eq(cs_percentile_sorted(v, 1, 0.95), 0.0, 1e-12);
}

static int cmp_t(const void *a, const void *b)
{
	cs_time x = *(const cs_time *)a, y = *(const cs_time *)b;
	return x < y ? -1 : x > y;
}

Test(metrics, wait_percentiles_match_a_plain_sort)
{
	/* random waits spanning 0 .. 2^40 s, through cs_metrics_compute's
	 * radix sort, against qsort */
	enum { N = 5001 };
	static cs_job jobs[N];
	static cs_time w[N];
	unsigned long long s = 1234567;
	for (int i = 0; i < N; i++) {
		s ^= s << 13; s ^= s >> 7; s ^= s << 17;
		cs_time wait = (cs_time)(s >> (24 + s % 40));
		jobs[i] = (cs_job){ .submit_s = i, .start_s = i + wait, .runtime_s = 1, .size = 1 };
		jobs[i].end_s = jobs[i].start_s + 1;
		w[i] = wait;
	}
	qsort(w, N, sizeof *w, cmp_t);
	cs_metrics m;
	cr_assert_eq(cs_metrics_compute(jobs, N, 1, 10, &m), 0);
	cr_assert_float_eq(m.median_wait, (double)w[N / 2], 1e-6);
	cr_assert_float_eq(m.p95_wait, cs_percentile_sorted(w, N, 0.95), 1e-6);
	cr_assert_eq(m.max_wait, w[N - 1]);
}

Test(metrics, waits_by_partition_count_each_job_in_the_partition_it_ran_in)
{
	/* partition 0: waits 0, 10, 20, 30, 40 (and a rejected job's 1000,
	 * not counted); partition 1: none; partition 2: 7; a job of no
	 * partition (-1): 500, counted nowhere. Partition 0 by hand: mean 20,
	 * median 20, p95 = 30 + 0.8 x 10 = 38, p99 = 30 + 0.96 x 10 = 39.6, max 40. */
	static const struct {
		int part;
		cs_time wait;
		int rejected;
	} in[] = { { 0, 30, 0 }, { 0, 0, 0 }, { 2, 7, 0 }, { 0, 40, 0 }, { -1, 500, 0 }, { 0, 1000, 1 },
		   { 0, 10, 0 }, { 0, 20, 0 } };
	enum { N = sizeof in / sizeof *in };
	cs_job jobs[N];
	for (int i = 0; i < N; i++) {
		jobs[i] = (cs_job){ .submit_s = 100, .start_s = 100 + in[i].wait, .runtime_s = 5, .size = 1,
				    .partition = in[i].part, .flags = in[i].rejected ? CS_JOB_REJECTED : 0 };
		jobs[i].end_s = jobs[i].start_s + 5;
	}
	cs_wait_stats ws[3];
	cr_assert_eq(cs_metrics_by_partition(jobs, N, 3, ws), 0);
	cr_expect_eq(ws[0].jobs, 5);
	cr_expect_float_eq(ws[0].mean_wait, 20.0, 1e-12);
	cr_expect_float_eq(ws[0].median_wait, 20.0, 1e-12);
	cr_expect_float_eq(ws[0].p95_wait, 38.0, 1e-12);
	cr_expect_float_eq(ws[0].p99_wait, 39.6, 1e-12);
	cr_expect_eq(ws[0].max_wait, 40);
	cr_expect_eq(ws[1].jobs, 0);
	cr_expect_float_eq(ws[1].p95_wait, 0.0, 1e-12);
	cr_expect_eq(ws[1].max_wait, 0);
	cr_expect_eq(ws[2].jobs, 1);
	cr_expect_float_eq(ws[2].p99_wait, 7.0, 1e-12);
	cr_expect_eq(ws[2].max_wait, 7);
}
