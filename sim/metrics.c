/* capsim: scheduling metrics. */
#include "capsim/metrics.h"

#include "radix.h"

#include <stdlib.h>
#include <string.h>

/* Non-negative times in increasing order (tmp: room for n). */
static void radix_sort(cs_time *v, cs_time *tmp, size_t n)
{
	cs_radix_u64((uint64_t *)v, (uint64_t *)tmp, n);
}

size_t cs_percentile_lo(size_t n, double q) { return (size_t)((double)(n - 1) * q); }

double cs_percentile_sorted(const cs_time *v, size_t n, double q)
{
	if (n == 0)
		return 0.0;
	size_t lo = cs_percentile_lo(n, q);
	if (lo + 1 >= n)
		return (double)v[n - 1];
	double frac = (double)(n - 1) * q - (double)lo;
	return (double)v[lo] + frac * (double)(v[lo + 1] - v[lo]);
}

int cs_metrics_compute(const cs_job *jobs, size_t n, uint32_t procs, cs_time tau, cs_metrics *m)
{
	memset(m, 0, sizeof *m);
	/* jobs the policy rejected never ran: they are counted apart */
	size_t first = 0;
	while (first < n && cs_job_never_ran(&jobs[first]))
		first++;
	if (first == n)
		return 0;
	cs_time *waits = malloc(2 * n * sizeof *waits);
	if (!waits)
		return -CS_ENOMEM;
	/* long double sums: exact for integer seconds far past any trace */
	long double sum_wait = 0, sum_resp = 0, sum_sd = 0, sum_bsd = 0, work = 0;
	m->first_submit = jobs[first].submit_s;
	m->last_end = jobs[first].end_s;
	size_t k = 0;
	for (size_t i = first; i < n; i++) {
		const cs_job *j = &jobs[i];
		if (cs_job_never_ran(j))
			continue;
		cs_time wait = j->start_s - j->submit_s, resp = j->end_s - j->submit_s;
		waits[k++] = wait;
		if (j->submit_s < m->first_submit)
			m->first_submit = j->submit_s;
		if (j->end_s > m->last_end)
			m->last_end = j->end_s;
		if (wait > m->max_wait)
			m->max_wait = wait;
		sum_wait += wait;
		sum_resp += resp;
		sum_sd += (long double)resp / (long double)j->runtime_s;
		cs_time denom = j->runtime_s > tau ? j->runtime_s : tau;
		long double bsd = (long double)resp / (long double)(denom > 0 ? denom : 1);
		if (bsd < 1)
			bsd = 1;
		sum_bsd += bsd;
		if ((double)bsd > m->max_bounded_slowdown)
			m->max_bounded_slowdown = (double)bsd;
		work += (long double)j->size * (long double)j->runtime_s;
		if (j->flags & CS_JOB_BACKFILLED)
			m->backfilled++;
	}
	n = k;
	m->jobs = n;
	m->makespan = m->last_end - m->first_submit;
	m->utilization = m->makespan > 0 ? (double)(work / ((long double)procs * m->makespan)) : 0.0;
	m->mean_wait = (double)(sum_wait / n);
	m->mean_response = (double)(sum_resp / n);
	m->mean_slowdown = (double)(sum_sd / n);
	m->mean_bounded_slowdown = (double)(sum_bsd / n);
	/* waits are >= 0: the engine never starts a job before its submission */
	radix_sort(waits, waits + n, n);
	m->median_wait = cs_percentile_sorted(waits, n, 0.5);
	m->p95_wait = cs_percentile_sorted(waits, n, 0.95);
	m->p99_wait = cs_percentile_sorted(waits, n, 0.99);
	free(waits);
	return 0;
}

int cs_metrics_by_partition(const cs_job *jobs, size_t n, size_t npart, cs_wait_stats *out)
{
	memset(out, 0, npart * sizeof *out);
	/* the jobs' waits grouped by partition: counts, then offsets */
	size_t *at = calloc(npart + 1, sizeof *at);
	cs_time *waits = malloc(2 * (n ? n : 1) * sizeof *waits);
	if (!at || !waits) {
		free(at);
		free(waits);
		return -CS_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (!cs_job_never_ran(&jobs[i]) && jobs[i].partition >= 0 && (size_t)jobs[i].partition < npart)
			out[jobs[i].partition].jobs++;
	for (size_t p = 0; p < npart; p++)
		at[p + 1] = at[p] + out[p].jobs;
	for (size_t i = 0; i < n; i++) {
		const cs_job *j = &jobs[i];
		if (!cs_job_never_ran(j) && j->partition >= 0 && (size_t)j->partition < npart)
			waits[at[j->partition]++] = j->start_s - j->submit_s;
	}
	for (size_t p = 0, from = 0; p < npart; from += out[p].jobs, p++) {
		cs_wait_stats *s = &out[p];
		cs_time *w = waits + from;
		if (!s->jobs)
			continue;
		long double sum = 0;
		for (size_t i = 0; i < s->jobs; i++)
			sum += w[i];
		radix_sort(w, waits + n, s->jobs);
		s->mean_wait = (double)(sum / s->jobs);
		s->median_wait = cs_percentile_sorted(w, s->jobs, 0.5);
		s->p95_wait = cs_percentile_sorted(w, s->jobs, 0.95);
		s->p99_wait = cs_percentile_sorted(w, s->jobs, 0.99);
		s->max_wait = w[s->jobs - 1];
	}
	free(at);
	free(waits);
	return 0;
}
