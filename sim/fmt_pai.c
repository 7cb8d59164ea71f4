/* capsim: the Alibaba PAI task table (clusterdata cluster-trace-gpu-v2020,
 * pai_task_table.csv) into a cs_trace. One record per task; the rules are
 * in docs/gputrace.md. */
#include "capsim/gputrace.h"
#include "capsim/lines.h"
#include "capsim/native.h"
#include "field.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The published CSV's columns in order (pai_task_table.header). */
enum { PC_JOB, PC_TASK, PC_INST, PC_STATUS, PC_START, PC_END, PC_CPU, PC_MEM, PC_GPU, PC_GPUTYPE, PC_N };
static const char *const pc_names[PC_N] = { "job_name", "task_name", "inst_num", "status", "start_time",
					     "end_time", "plan_cpu", "plan_mem", "plan_gpu", "gpu_type" };
#define PAI_MAX_COLS 64

/* What the documented rules skipped or defaulted, recorded as metadata. */
enum { PK_SKIPPED_NO_START, PK_NODES_DEFAULTED, PK_RUNTIME_UNKNOWN, PK_STATE_UNKNOWN, PK_GPUS_UNKNOWN,
       PK_GPUS_ROUNDED, PK_CORES_UNKNOWN, PK_CORES_ROUNDED, PK_MEM_UNKNOWN, PK_MEM_ROUNDED, PK_N };
static const char *const pk_keys[PK_N] = { "pai.skipped_no_start", "pai.nodes_defaulted",
					    "pai.runtime_unknown", "pai.state_unknown", "pai.gpus_unknown",
					    "pai.gpus_rounded_up", "pai.cores_unknown", "pai.cores_rounded_up",
					    "pai.mem_unknown", "pai.mem_rounded_up" };

/* The bounds the native format accepts, so every trace read writes back. */
#define MAX_GPUS_PER_NODE CS_NATIVE_MAX_GPUS_PER_NODE
#define MAX_CORES_PER_NODE CS_NATIVE_MAX_CORES_PER_NODE
#define MAX_MEM_MIB (1.0 * (1LL << 40))
#define MAX_TIME_S 1e15 /* 31 million years: rounds exactly into int64 */

/* A plain decimal ("600.0", "-3", "29.296875", "1.7e6"): sign, digits,
 * fraction, exponent; no hex, inf or nan (which strtod would take). */
static int parse_dec(const char *s, double *v)
{
	const char *p = s + (*s == '-' || *s == '+');
	int nd = 0;
	while (isdigit((unsigned char)*p))
		p++, nd++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			nd++;
	if (!nd)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p += 1 + (p[1] == '-' || p[1] == '+');
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p)
		return -1;
	*v = strtod(s, NULL);
	return isfinite(*v) ? 0 : -1;
}

/* A non-negative number in column c: 1 if given, 0 if missing, or an error. */
static int field_num(const char *path, uint32_t line, int c, const char *v, double *x, char *err,
		     size_t errlen)
{
	if (cs_field_missing(v))
		return 0;
	if (parse_dec(v, x) < 0)
		return cs_field_err(err, errlen, path, line, pc_names[c], "not a number, empty or None: \"%s\"", v);
	if (*x < 0)
		return cs_field_err(err, errlen, path, line, pc_names[c], "negative: \"%s\"", v);
	return 1;
}

/* A status from the README's list: Terminated (the only success), Failed,
 * and the unfinished Running and Waiting. -1 if none. */
static int pai_state(const char *s)
{
	if (strcmp(s, "Terminated") == 0)
		return CS_STATE_COMPLETED;
	if (strcmp(s, "Failed") == 0)
		return CS_STATE_FAILED;
	if (strcmp(s, "Running") == 0 || strcmp(s, "Waiting") == 0)
		return CS_STATE_UNKNOWN;
	return -1;
}

/* Percent of one GPU or core, rounded up to whole ones; counts a rounding. */
static uint32_t whole_units(double pct, uint64_t *rounded)
{
	double u = ceil(pct / 100.0);
	*rounded += u != pct / 100.0;
	return (uint32_t)u;
}

/* One data line into r (submit_s absolute, from start_time); *keep = 0 if
 * the task has no start time. */
static int pai_record(cs_trace *t, const char *path, uint32_t line, char **f, const int *col, cs_jrec *r,
		      int *keep, uint64_t *total, char *err, size_t errlen)
{
	uint64_t cnt[PK_N] = { 0 }; /* this task's defaults, added to total if it is kept */
	int rc;
	double x;
	const char *v = f[col[PC_JOB]];
	if (cs_field_missing(v))
		return cs_field_err(err, errlen, path, line, "job_name", "missing");

	v = f[col[PC_INST]];
	if ((rc = field_num(path, line, PC_INST, v, &x, err, errlen)) < 0)
		return rc;
	if (rc == 0) {
		r->nodes = 1;
		cnt[PK_NODES_DEFAULTED]++;
	} else if (x < 1 || x != floor(x) || x > INT32_MAX) {
		return cs_field_err(err, errlen, path, line, "inst_num", "not a whole instance count >= 1: \"%s\"", v);
	} else {
		r->nodes = (uint32_t)x;
	}

	v = f[col[PC_STATUS]];
	int st = pai_state(v);
	if (st < 0)
		return cs_field_err(err, errlen, path, line, "status", "unknown status \"%s\" (expected Terminated, "
			       "Failed, Running or Waiting)", v);
	r->state = (uint8_t)st;

	/* 0 marks a task that never launched, as empty does (the trace's own
	 * analysis treats start_time == 0 as missing). */
	double start = 0, end = 0;
	v = f[col[PC_START]];
	if ((rc = field_num(path, line, PC_START, v, &start, err, errlen)) < 0)
		return rc;
	if (start > MAX_TIME_S)
		return cs_field_err(err, errlen, path, line, "start_time", "out of range: \"%s\"", v);
	v = f[col[PC_END]];
	if ((rc = field_num(path, line, PC_END, v, &end, err, errlen)) < 0)
		return rc;
	if (end > MAX_TIME_S)
		return cs_field_err(err, errlen, path, line, "end_time", "out of range: \"%s\"", v);
	int64_t s = llround(start), e = llround(end);
	if (s > 0 && e > 0 && e < s)
		return cs_field_err(err, errlen, path, line, "end_time", "\"%s\" is before start_time \"%s\"", v,
			       f[col[PC_START]]);
	r->submit_s = s;
	r->start_s = -1; /* the launch time is the submit time: no wait is recorded */
	r->runtime_s = s > 0 && e > 0 ? e - s : -1;

	v = f[col[PC_CPU]];
	if ((rc = field_num(path, line, PC_CPU, v, &x, err, errlen)) < 0)
		return rc;
	if (rc && x > 100.0 * MAX_CORES_PER_NODE)
		return cs_field_err(err, errlen, path, line, "plan_cpu", "more than %d cores: \"%s\"", MAX_CORES_PER_NODE, v);
	r->cores_per_node = rc ? whole_units(x, &cnt[PK_CORES_ROUNDED]) : 0;
	cnt[PK_CORES_UNKNOWN] += rc == 0;

	v = f[col[PC_MEM]];
	if ((rc = field_num(path, line, PC_MEM, v, &x, err, errlen)) < 0)
		return rc;
	if (rc && x * 1024 > MAX_MEM_MIB)
		return cs_field_err(err, errlen, path, line, "plan_mem", "more than 2^30 GB: \"%s\"", v);
	if (rc) {
		double mib = ceil(x * 1024);
		cnt[PK_MEM_ROUNDED] += mib != x * 1024;
		r->mem_per_node_mib = (uint64_t)mib;
	}
	cnt[PK_MEM_UNKNOWN] += rc == 0;

	v = f[col[PC_GPU]];
	if ((rc = field_num(path, line, PC_GPU, v, &x, err, errlen)) < 0)
		return rc;
	if (rc && x > 100.0 * MAX_GPUS_PER_NODE)
		return cs_field_err(err, errlen, path, line, "plan_gpu", "more than %d GPUs: \"%s\"", MAX_GPUS_PER_NODE, v);
	r->gpus_per_node = rc ? whole_units(x, &cnt[PK_GPUS_ROUNDED]) : 0;
	cnt[PK_GPUS_UNKNOWN] += rc == 0;

	*keep = s > 0;
	if (!*keep) { /* validated, but nothing to place in time: counted apart */
		total[PK_SKIPPED_NO_START]++;
		return 0;
	}
	cnt[PK_RUNTIME_UNKNOWN] += r->runtime_s < 0;
	cnt[PK_STATE_UNKNOWN] += st == CS_STATE_UNKNOWN;
	for (int k = 0; k < PK_N; k++)
		total[k] += cnt[k];
	v = f[col[PC_GPUTYPE]];
	if (!cs_field_missing(v) && (r->partition = cs_names_intern(&t->partitions, v, strlen(v))) < 0) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	return 0;
}

/* A header row (it names job_name): the ten columns by name, in any order,
 * and no others. */
static int pai_header(const char *path, uint32_t line, char **f, size_t n, int *col, char *err, size_t errlen)
{
	if (n > PAI_MAX_COLS) {
		snprintf(err, errlen, "%s:%" PRIu32 ": header: more than %d columns", path, line, PAI_MAX_COLS);
		return -CS_EPARSE;
	}
	return cs_field_columns(path, line, f, n, pc_names, PC_N, 0,
				"pai_task_table has job_name, task_name, inst_num, status, start_time, end_time, "
				"plan_cpu, plan_mem, plan_gpu, gpu_type",
				col, err, errlen);
}

static int is_header(char **f, size_t n)
{
	for (size_t i = 0; i < n && i < PAI_MAX_COLS; i++)
		if (strcmp(f[i], "job_name") == 0)
			return 1;
	return 0;
}

int cs_pai_read(cs_trace *t, const char *path, char *err, size_t errlen)
{
	cs_lines l;
	int rc = cs_lines_open(&l, path, err, errlen);
	if (rc < 0)
		return rc;
	int col[PC_N];
	size_t ncols = 0, rows = 0;
	uint64_t cnt[PK_N] = { 0 };
	cs_names jobs = { 0 };
	char *f[PAI_MAX_COLS + 1];
	char *line;
	size_t len;
	int header = 0;
	int64_t epoch = INT64_MAX;
	while ((rc = cs_lines_next(&l, &line, &len, err, errlen)) == 1) {
		if (len == 0)
			continue;
		size_t n = cs_lines_split(line, ',', f, PAI_MAX_COLS);
		if (!ncols) {
			if (is_header(f, n)) {
				if ((rc = pai_header(path, l.lineno, f, n, col, err, errlen)) < 0)
					goto out;
				ncols = n;
				header = 1;
				continue;
			}
			for (int c = 0; c < PC_N; c++)
				col[c] = c;
			ncols = PC_N;
		}
		if (n != ncols) {
			snprintf(err, errlen, "%s:%" PRIu32 ": %s%zu fields, expected %zu (%s)", path, l.lineno,
				 n > PAI_MAX_COLS ? "more than " : "", n > PAI_MAX_COLS ? (size_t)PAI_MAX_COLS : n,
				 ncols, header ? "as the header" : "job_name, task_name, inst_num, status, start_time, "
				 "end_time, plan_cpu, plan_mem, plan_gpu, gpu_type");
			rc = -CS_EPARSE;
			goto out;
		}
		rows++;
		cs_jrec r = { .id = (int64_t)rows, .time_limit_s = -1, .project = -1, .user = -1, .qos = -1,
			      .partition = -1, .line = l.lineno };
		int keep = 0;
		if ((rc = pai_record(t, path, l.lineno, f, col, &r, &keep, cnt, err, errlen)) < 0)
			goto out;
		if (!keep)
			continue;
		const char *job = f[col[PC_JOB]];
		if (cs_names_intern(&jobs, job, strlen(job)) < 0 || cs_trace_push(t, &r) < 0)
			goto oom;
		if (r.submit_s < epoch)
			epoch = r.submit_s;
	}
	if (rc < 0)
		goto out;
	if (rows == 0) {
		snprintf(err, errlen, "%s: no task rows: not a PAI pai_task_table.csv", path);
		rc = -CS_EPARSE;
		goto out;
	}
	if (t->n == 0)
		epoch = 0;
	for (size_t i = 0; i < t->n; i++)
		t->jobs[i].submit_s -= epoch;
	t->epoch = epoch;
	char num[32];
	snprintf(num, sizeof num, "%" PRId64, epoch);
	if (cs_trace_meta_set(t, "source", path) < 0 || cs_trace_meta_set(t, "format", "pai") < 0 ||
	    cs_trace_meta_set(t, "epoch", num) < 0)
		goto oom;
	if (cs_trace_meta_count(t, "pai.jobs", jobs.n) < 0)
		goto oom;
	for (int k = 0; k < PK_N; k++)
		if (cs_trace_meta_count(t, pk_keys[k], cnt[k]) < 0)
			goto oom;
	rc = 0;
out:
	cs_names_free(&jobs);
	cs_lines_close(&l);
	if (rc < 0) {
		cs_trace_free(t);
		cs_trace_init(t);
	}
	return rc;
oom:
	snprintf(err, errlen, "out of memory");
	rc = -CS_ENOMEM;
	goto out;
}
