/* Scheduling metrics (sim/metrics.c): percentiles, and the wait
 * percentiles' radix sort against a plain one. */
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
