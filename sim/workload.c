/* capsim: from trace records to jobs, under the documented conventions. */
#include "capsim/workload.h"
#include "hugemem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cs_drop_names[CS_DROP_N] = {
	"negative_submit", "runtime_not_positive", "size_missing", "larger_than_machine",
	"reqtime_missing", "topology_unmet", "no_node_type_for_gpu",
};

static int cmp_job(const void *a, const void *b)
{
	const cs_job *x = a, *y = b;
	if (x->submit_s != y->submit_s)
		return x->submit_s < y->submit_s ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int32_t clamp32(int64_t v) { return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : (int32_t)v; }

void cs_workload_begin(cs_workload_builder *b, const cs_workload_conv *cv)
{
	memset(b, 0, sizeof *b);
	b->cv = *cv;
	b->prev_submit = INT64_MIN;
}

void cs_workload_abort(cs_workload_builder *b)
{
	free(b->jobs);
	b->jobs = NULL;
	b->n = b->cap = 0;
}

void cs_workload_reserve(cs_workload_builder *b, size_t n)
{
	if (n <= b->cap || n > SIZE_MAX / sizeof *b->jobs)
		return;
	cs_job *nj = realloc(b->jobs, n * sizeof *nj);
	if (!nj)
		return;
	b->jobs = nj;
	b->cap = n;
	cs_huge_hint(nj, n * sizeof *nj);
}

/* SWF status 0 failed, 5 cancelled (1 completed; 2-4 partial executions). */
static uint32_t swf_state_flags(int64_t status)
{
	return status == 0 ? CS_JOB_TRACE_FAILED : status == 5 ? CS_JOB_TRACE_CANCELLED : 0;
}

/* Rules 1-3 and the job's times here; rules 4 (machine size) and 5 (drop on
 * a missing requested time, which must not count a job rule 4 drops) and
 * the counts of adjusted jobs at finish. */
static int push_job(cs_workload_builder *b, const cs_swf_rec *r, cs_time submit, int64_t size,
		    cs_time runtime, cs_time estimate, int64_t reqtime, uint32_t flags)
{
	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 4096;
		cs_job *nj = cs_huge_grow(b->jobs, b->n * sizeof *nj, nc * sizeof *nj);
		if (!nj)
			return -CS_ENOMEM;
		b->jobs = nj;
		b->cap = nc;
	}
	b->jobs[b->n++] = (cs_job){
		.id = r->job,
		.submit_s = submit,
		.runtime_s = runtime,
		.trace_runtime_s = r->runtime,
		.estimate_s = estimate,
		.reqtime_s = reqtime,
		.size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size,
		.line = r->line,
		.user = clamp32(r->user),
		.group = clamp32(r->group),
		.queue = clamp32(r->queue),
		.partition = clamp32(r->partition),
		.flags = flags | swf_state_flags(r->status),
		.start_s = -1,
		.end_s = -1,
		.reservation_s = -1,
	};
	return 0;
}

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

void cs_workload_conv_defaults(cs_workload_conv *cv, cs_conversion conversion)
{
	cv->conversion = conversion;
	cv->size_field = conversion == CS_CONVERT_PYSS ? CS_SIZE_REQUESTED : CS_SIZE_ALLOCATED;
	cv->estimates = CS_EST_REQUESTED;
	cv->missing_reqtime = conversion == CS_CONVERT_PYSS ? CS_MISSING_PYSS : CS_MISSING_RUNTIME;
	cv->overrun = CS_OVERRUN_KILL;
}

/* The size a record asks for under --job-size, and whether that came from
 * the other field. */
static int64_t record_size(const cs_swf_rec *r, cs_size_field f, uint32_t *flags)
{
	int64_t alloc = r->alloc_procs, req = r->req_procs, size = -1;
	switch (f) {
	case CS_SIZE_ALLOCATED:
		size = alloc > 0 ? alloc : req;
		if (alloc <= 0 && req > 0)
			*flags |= CS_JOB_SIZE_FALLBACK;
		break;
	case CS_SIZE_REQUESTED:
		size = req > 0 ? req : alloc;
		if (req <= 0 && alloc > 0)
			*flags |= CS_JOB_SIZE_FALLBACK;
		break;
	case CS_SIZE_MAX:
		size = alloc > req ? alloc : req;
		if ((alloc <= 0) != (req <= 0))
			*flags |= CS_JOB_SIZE_FALLBACK;
		break;
	}
	return size;
}

/* pyss (jad-darrous/predictsim simulation/pyss/src/base/prototype.py,
 * _job_input_to_job, and base/workload_parser.py): a record with run time
 * <= 0, size <= 0 (pyss: requested processors, field 8, else allocated,
 * field 5) or submit < 0 runs as a 1 s job estimated at 1 s on max(1,
 * allocated) processors, submitted at max(submit, 1). Any other record,
 * with pyss's own options (size requested, estimates requested,
 * missing-reqtime pyss, overrun kill): runs min(requested, run) seconds (so
 * 1 s when the requested time is -1), at least 1; estimated at
 * max(requested, run, 1); on its size cut to the machine (at finish).
 * Options given explicitly change their part only:
 *  - --job-size: which field sizes the job (and decides validity);
 *  - --missing-reqtime runtime | drop: a requested time <= 0 becomes the
 *    runtime (counted), or drops the job (counted);
 *  - --overrun continue: the job runs its whole trace runtime, estimated at
 *    its request; raise: runs it all, estimated at max(requested, run);
 *  - --estimates exact: the estimate is the runtime the job will run. */
static int add_pyss(cs_workload_builder *b, const cs_swf_rec *r)
{
	const cs_workload_conv *cv = &b->cv;
	uint32_t flags = 0;
	int64_t size = record_size(r, cv->size_field, &flags);
	if (r->runtime <= 0 || size <= 0 || r->submit < 0) {
		b->st.placeholders++;
		return push_job(b, r, max64(r->submit, 1), max64(1, r->alloc_procs), 1, 1,
				r->req_time > 0 ? r->req_time : -1, 0);
	}
	int64_t req = r->req_time, reqtime = req > 0 ? req : -1;
	if (req <= 0 && cv->missing_reqtime != CS_MISSING_PYSS) {
		if (cv->missing_reqtime == CS_MISSING_DROP)
			flags |= CS_JOB_DROP_REQTIME;
		req = r->runtime;
		flags |= CS_JOB_REQTIME_FALLBACK;
	}
	int64_t run = r->runtime, est = max64(req, r->runtime);
	if (r->runtime > req) {
		flags |= CS_JOB_OVERRAN;
		if (cv->overrun == CS_OVERRUN_KILL) {
			run = req;
			flags |= CS_JOB_KILLED;
		} else if (cv->overrun == CS_OVERRUN_CONTINUE) {
			est = req;
		}
	}
	run = max64(run, 1);
	if (cv->estimates == CS_EST_EXACT)
		est = run;
	return push_job(b, r, r->submit, size, run, max64(est, 1), reqtime, flags | CS_JOB_PYSS_CLAMP);
}

int cs_workload_add(cs_workload_builder *b, const cs_swf_rec *r)
{
	cs_workload_stats *st = &b->st;
	st->records++;
	if (r->submit < b->prev_submit)
		st->unsorted++;
	b->prev_submit = r->submit;
	if (b->cv.conversion == CS_CONVERT_PYSS)
		return add_pyss(b, r);
	if (r->submit < 0) {
		st->dropped[CS_DROP_NEGATIVE_SUBMIT]++;
		return 0;
	}
	if (r->runtime <= 0) {
		st->dropped[CS_DROP_RUNTIME]++;
		return 0;
	}
	uint32_t flags = 0;
	int64_t size = record_size(r, b->cv.size_field, &flags);
	if (size <= 0) {
		st->dropped[CS_DROP_SIZE]++;
		return 0;
	}
	int64_t reqtime = r->req_time > 0 ? r->req_time : -1;
	int64_t limit = reqtime;
	if (reqtime < 0) {
		if (b->cv.missing_reqtime == CS_MISSING_DROP)
			flags |= CS_JOB_DROP_REQTIME;
		limit = r->runtime;
		flags |= CS_JOB_REQTIME_FALLBACK;
	}
	int64_t runtime = r->runtime;
	if (runtime > limit) {
		flags |= CS_JOB_OVERRAN;
		if (b->cv.overrun == CS_OVERRUN_KILL) {
			runtime = limit;
			flags |= CS_JOB_KILLED;
		} else if (b->cv.overrun == CS_OVERRUN_RAISE) {
			limit = runtime;
		}
	}
	return push_job(b, r, r->submit, size, runtime,
			b->cv.estimates == CS_EST_EXACT ? runtime : limit, reqtime, flags);
}

int cs_workload_finish(cs_workload_builder *b, uint32_t procs, cs_job **jobs_out, size_t *njobs,
		       cs_workload_stats *st_out)
{
	cs_workload_stats *st = &b->st;
	size_t k = 0;
	int sorted = 1;
	for (size_t i = 0; i < b->n; i++) {
		cs_job *j = &b->jobs[i];
		if ((j->flags & CS_JOB_PYSS_CLAMP) && j->size > procs) {
			j->size = procs;
			st->clamped++;
		}
		j->flags &= ~(uint32_t)CS_JOB_PYSS_CLAMP;
		if (j->size > procs) {
			st->dropped[CS_DROP_TOO_LARGE]++;
			continue;
		}
		if (j->flags & CS_JOB_DROP_REQTIME) {
			st->dropped[CS_DROP_REQTIME]++;
			continue;
		}
		st->size_fallback += !!(j->flags & CS_JOB_SIZE_FALLBACK);
		st->reqtime_fallback += !!(j->flags & CS_JOB_REQTIME_FALLBACK);
		st->overran += !!(j->flags & CS_JOB_OVERRAN);
		st->killed += !!(j->flags & CS_JOB_KILLED);
		if (k && j->submit_s < b->jobs[k - 1].submit_s)
			sorted = 0;
		if (k != i) /* (a job kept where it is is not copied onto itself) */
			b->jobs[k] = *j;
		k++;
	}
	if (!sorted)
		qsort(b->jobs, k, sizeof *b->jobs, cmp_job);
	*jobs_out = b->jobs;
	*njobs = k;
	*st_out = *st;
	b->jobs = NULL;
	b->n = b->cap = 0;
	return 0;
}

int cs_workload_from_swf(const cs_swf *s, const cs_workload_conv *cv, uint32_t procs,
			 cs_job **jobs, size_t *njobs, cs_workload_stats *st,
			 char *err, size_t errlen)
{
	cs_workload_builder b;
	cs_workload_begin(&b, cv);
	cs_workload_reserve(&b, s->n);
	for (size_t i = 0; i < s->n; i++) {
		if (cs_workload_add(&b, &s->recs[i]) < 0) {
			cs_workload_abort(&b);
			snprintf(err, errlen, "out of memory for %zu jobs", s->n);
			return -CS_ENOMEM;
		}
	}
	return cs_workload_finish(&b, procs, jobs, njobs, st);
}
