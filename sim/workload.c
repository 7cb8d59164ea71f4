/* capsim: from trace records to jobs, under the documented conventions. */
#include "capsim/workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cs_drop_names[CS_DROP_N] = {
	"negative_submit", "runtime_not_positive", "size_missing", "larger_than_machine",
	"reqtime_missing",
};

static int cmp_job(const void *a, const void *b)
{
	const cs_job *x = a, *y = b;
	if (x->submit_s != y->submit_s)
		return x->submit_s < y->submit_s ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int32_t clamp32(int64_t v) { return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : (int32_t)v; }

int cs_workload_from_swf(const cs_swf *s, const cs_workload_conv *cv, uint32_t procs,
			 cs_job **jobs_out, size_t *njobs, cs_workload_stats *st,
			 char *err, size_t errlen)
{
	memset(st, 0, sizeof *st);
	*jobs_out = NULL;
	*njobs = 0;
	cs_job *jobs = malloc((s->n ? s->n : 1) * sizeof *jobs);
	if (!jobs) {
		snprintf(err, errlen, "out of memory for %zu jobs", s->n);
		return -CS_ENOMEM;
	}
	size_t n = 0;
	int sorted = 1;
	st->records = s->n;
	for (size_t i = 0; i < s->n; i++) {
		const cs_swf_rec *r = &s->recs[i];
		if (i && r->submit < s->recs[i - 1].submit)
			st->unsorted++;
		if (r->submit < 0) {
			st->dropped[CS_DROP_NEGATIVE_SUBMIT]++;
			continue;
		}
		if (r->runtime <= 0) {
			st->dropped[CS_DROP_RUNTIME]++;
			continue;
		}
		int64_t alloc = r->alloc_procs, req = r->req_procs, size = -1;
		uint32_t flags = 0;
		switch (cv->size_field) {
		case CS_SIZE_ALLOCATED:
			size = alloc > 0 ? alloc : req;
			if (alloc <= 0 && req > 0)
				flags |= CS_JOB_SIZE_FALLBACK;
			break;
		case CS_SIZE_REQUESTED:
			size = req > 0 ? req : alloc;
			if (req <= 0 && alloc > 0)
				flags |= CS_JOB_SIZE_FALLBACK;
			break;
		case CS_SIZE_MAX:
			size = alloc > req ? alloc : req;
			if ((alloc <= 0) != (req <= 0))
				flags |= CS_JOB_SIZE_FALLBACK;
			break;
		}
		if (size <= 0) {
			st->dropped[CS_DROP_SIZE]++;
			continue;
		}
		if (size > (int64_t)procs) {
			st->dropped[CS_DROP_TOO_LARGE]++;
			continue;
		}
		int64_t reqtime = r->req_time > 0 ? r->req_time : -1;
		int64_t limit = reqtime;
		if (reqtime < 0) {
			if (cv->missing_reqtime == CS_MISSING_DROP) {
				st->dropped[CS_DROP_REQTIME]++;
				continue;
			}
			limit = r->runtime;
			flags |= CS_JOB_REQTIME_FALLBACK;
		}
		if (flags & CS_JOB_SIZE_FALLBACK)
			st->size_fallback++;
		if (flags & CS_JOB_REQTIME_FALLBACK)
			st->reqtime_fallback++;
		int64_t runtime = r->runtime;
		if (runtime > limit) {
			st->overran++;
			if (cv->overrun == CS_OVERRUN_KILL) {
				runtime = limit;
				flags |= CS_JOB_KILLED;
				st->killed++;
			}
		}
		cs_job *j = &jobs[n++];
		*j = (cs_job){
			.id = r->job,
			.submit_s = r->submit,
			.runtime_s = runtime,
			.trace_runtime_s = r->runtime,
			.estimate_s = cv->estimates == CS_EST_EXACT ? runtime : limit,
			.reqtime_s = reqtime,
			.size = (uint32_t)size,
			.line = r->line,
			.user = clamp32(r->user),
			.group = clamp32(r->group),
			.queue = clamp32(r->queue),
			.partition = clamp32(r->partition),
			.flags = flags,
			.start_s = -1,
			.end_s = -1,
			.reservation_s = -1,
		};
		if (n > 1 && j->submit_s < jobs[n - 2].submit_s)
			sorted = 0;
	}
	if (!sorted)
		qsort(jobs, n, sizeof *jobs, cmp_job);
	*jobs_out = jobs;
	*njobs = n;
	return 0;
}
