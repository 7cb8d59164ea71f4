/* capsim: the SenseTime Helios job log (HeliosData cluster_log.csv, SC'21)
 * into a cs_trace. One record per job; the rules are in docs/gputrace.md. */
#include "capsim/gputrace.h"
#include "capsim/lines.h"
#include "capsim/native.h"
#include "civil.h"
#include "field.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The columns read, found by header name (HeliosData README, "Schema"). */
enum { HC_ID, HC_USER, HC_VC, HC_GPU, HC_CPU, HC_NODE, HC_STATE, HC_SUBMIT, HC_START, HC_DURATION, HC_N };
static const char *const hc_names[HC_N] = { "job_id", "user", "vc", "gpu_num", "cpu_num", "node_num",
					     "state", "submit_time", "start_time", "duration" };
#define HELIOS_MAX_COLS 64

/* What the documented rules defaulted, recorded as metadata. */
enum { HK_NODES_DEFAULTED, HK_GPUS_ROUNDED, HK_CORES_ROUNDED, HK_START_UNKNOWN, HK_RUNTIME_UNKNOWN,
       HK_STATE_UNKNOWN, HK_N };
static const char *const hk_keys[HK_N] = { "helios.nodes_defaulted", "helios.gpus_rounded_up",
					    "helios.cores_rounded_up", "helios.start_unknown",
					    "helios.runtime_unknown", "helios.state_unknown" };

/* The bounds the native format accepts, so every trace read writes back. */
#define MAX_GPUS_PER_NODE CS_NATIVE_MAX_GPUS_PER_NODE
#define MAX_CORES_PER_NODE CS_NATIVE_MAX_CORES_PER_NODE

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* "YYYY-MM-DD HH:MM:SS" (or with a 'T'), a wall-clock time taken as UTC,
 * to Unix seconds. Years 1970..9999. */
static int parse_date(const char *s, int64_t *out)
{
	static const char pat[] = "dddd-dd-dd dd:dd:dd";
	if (strlen(s) != sizeof pat - 1)
		return -1;
	for (size_t i = 0; i < sizeof pat - 1; i++) {
		if (pat[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pat[i] && !(i == 10 && s[i] == 'T'))
			return -1;
	}
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	int h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > cs_civil_month_days(y, mo) || h > 23 ||
	    mi > 59 || sec > 59)
		return -1;
	*out = cs_civil_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	return 0;
}

/* A Helios state: Slurm's final states by name (COMPLETED, FAILED,
 * CANCELLED, TIMEOUT, NODE_FAIL, also OUT_OF_MEMORY, PREEMPTED), and the
 * non-final SUSPENDED, RUNNING, PENDING as unknown. -1 if none. */
static int helios_state(const char *s)
{
	int st = cs_state_lookup(s, strlen(s));
	if (st >= 0)
		return st;
	static const char *const open[] = { "SUSPENDED", "RUNNING", "PENDING" };
	for (size_t i = 0; i < sizeof open / sizeof *open; i++)
		if (strcmp(s, open[i]) == 0)
			return CS_STATE_UNKNOWN;
	return -1;
}

/* A count >= 0 in column c, or an error. */
static int parse_count(const char *path, uint32_t line, int c, const char *v, int64_t *x, char *err,
		       size_t errlen)
{
	if (cs_field_int(v, x) < 0)
		return cs_field_err(err, errlen, path, line, hc_names[c], "not an integer: \"%s\"", v);
	if (*x < 0)
		return cs_field_err(err, errlen, path, line, hc_names[c], "negative: \"%s\"", v);
	return 0;
}

/* One data line (fields f, columns col) into r with absolute times. */
static int helios_record(cs_trace *t, const char *path, uint32_t line, char **f, const int *col, cs_jrec *r,
			 uint64_t *cnt, char *err, size_t errlen)
{
	const char *v = f[col[HC_ID]];
	if (cs_field_int(v, &r->id) < 0)
		return cs_field_err(err, errlen, path, line, "job_id", "not an integer: \"%s\"", v);

	int64_t gpus, cpus, nodes;
	int rc;
	if ((rc = parse_count(path, line, HC_GPU, f[col[HC_GPU]], &gpus, err, errlen)) < 0 ||
	    (rc = parse_count(path, line, HC_CPU, f[col[HC_CPU]], &cpus, err, errlen)) < 0 ||
	    (rc = parse_count(path, line, HC_NODE, f[col[HC_NODE]], &nodes, err, errlen)) < 0)
		return rc;
	if (nodes > INT32_MAX)
		return cs_field_err(err, errlen, path, line, "node_num", "more than %d nodes: \"%s\"", INT32_MAX,
			       f[col[HC_NODE]]);
	if (nodes == 0) { /* a job that never got nodes still asked for one */
		nodes = 1;
		cnt[HK_NODES_DEFAULTED]++;
	}
	int64_t gpn = gpus / nodes + (gpus % nodes != 0), cpn = cpus / nodes + (cpus % nodes != 0);
	if (gpn > MAX_GPUS_PER_NODE)
		return cs_field_err(err, errlen, path, line, "gpu_num", "more than %d GPUs per node: \"%s\" on %" PRId64
			       " nodes", MAX_GPUS_PER_NODE, f[col[HC_GPU]], nodes);
	if (cpn > MAX_CORES_PER_NODE)
		return cs_field_err(err, errlen, path, line, "cpu_num", "more than %d CPUs per node: \"%s\" on %" PRId64
			       " nodes", MAX_CORES_PER_NODE, f[col[HC_CPU]], nodes);
	cnt[HK_GPUS_ROUNDED] += gpus % nodes != 0;
	cnt[HK_CORES_ROUNDED] += cpus % nodes != 0;
	r->nodes = (uint32_t)nodes;
	r->gpus_per_node = (uint32_t)gpn;
	r->cores_per_node = (uint32_t)cpn;

	v = f[col[HC_STATE]];
	int st = helios_state(v);
	if (st < 0)
		return cs_field_err(err, errlen, path, line, "state", "unknown state \"%s\" (expected COMPLETED, FAILED, "
			       "CANCELLED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, PREEMPTED, SUSPENDED, RUNNING or "
			       "PENDING)", v);
	r->state = (uint8_t)st;
	cnt[HK_STATE_UNKNOWN] += st == CS_STATE_UNKNOWN;

	v = f[col[HC_SUBMIT]];
	if (parse_date(v, &r->submit_s) < 0)
		return cs_field_err(err, errlen, path, line, "submit_time", "not a date \"YYYY-MM-DD HH:MM:SS\" "
			       "(1970..9999): \"%s\"", v);
	v = f[col[HC_START]];
	if (cs_field_missing(v)) {
		r->start_s = -1;
		cnt[HK_START_UNKNOWN]++;
	} else if (parse_date(v, &r->start_s) < 0) {
		return cs_field_err(err, errlen, path, line, "start_time", "not a date \"YYYY-MM-DD HH:MM:SS\" "
			       "(1970..9999), empty or None: \"%s\"", v);
	} else if (r->start_s < r->submit_s) {
		return cs_field_err(err, errlen, path, line, "start_time", "\"%s\" is before submit_time \"%s\"", v,
			       f[col[HC_SUBMIT]]);
	}
	v = f[col[HC_DURATION]];
	if (cs_field_missing(v)) {
		r->runtime_s = -1;
		cnt[HK_RUNTIME_UNKNOWN]++;
	} else if (cs_field_int(v, &r->runtime_s) < 0 || r->runtime_s < 0) {
		return cs_field_err(err, errlen, path, line, "duration", "not a number of seconds >= 0, empty or "
			       "None: \"%s\"", v);
	}

	struct { int c; cs_names *ns; int32_t *dst; } strs[] = { { HC_VC, &t->projects, &r->project },
								 { HC_USER, &t->users, &r->user } };
	for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
		v = f[col[strs[i].c]];
		*strs[i].dst = -1;
		if (!cs_field_missing(v) && (*strs[i].dst = cs_names_intern(strs[i].ns, v, strlen(v))) < 0) {
			snprintf(err, errlen, "out of memory");
			return -CS_ENOMEM;
		}
	}
	return 0;
}

/* Map the header's names to columns; the unused names, space-separated,
 * into *ignored (malloc'ed). */
static int helios_header(const char *path, uint32_t line, char **f, size_t n, int *col, char **ignored,
			 char *err, size_t errlen)
{
	if (n > HELIOS_MAX_COLS) {
		snprintf(err, errlen, "%s:%" PRIu32 ": header: more than %d columns", path, line, HELIOS_MAX_COLS);
		return -CS_EPARSE;
	}
	int rc = cs_field_columns(path, line, f, n, hc_names, HC_N, 1,
				  "a Helios cluster_log.csv has job_id, user, vc, gpu_num, cpu_num, node_num, state, "
				  "submit_time, start_time, end_time, duration, queue",
				  col, err, errlen);
	if (rc < 0)
		return rc;
	size_t total = 1;
	for (size_t i = 0; i < n; i++)
		total += (*f[i] ? strlen(f[i]) : 2) + 1; /* "" names an unnamed column */
	char *s = malloc(total);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	*s = '\0';
	for (size_t i = 0; i < n; i++) {
		int used = 0;
		for (int c = 0; c < HC_N; c++)
			used |= col[c] == (int)i;
		if (!used) {
			if (*s)
				strcat(s, " ");
			strcat(s, *f[i] ? f[i] : "\"\"");
		}
	}
	*ignored = s;
	return 0;
}

int cs_helios_read(cs_trace *t, const char *path, char *err, size_t errlen)
{
	cs_lines l;
	int rc = cs_lines_open(&l, path, err, errlen);
	if (rc < 0)
		return rc;
	int col[HC_N];
	size_t ncols = 0;
	uint64_t cnt[HK_N] = { 0 };
	char *ignored = NULL;
	char *f[HELIOS_MAX_COLS + 1];
	char *line;
	size_t len;
	int64_t epoch = INT64_MAX;
	while ((rc = cs_lines_next(&l, &line, &len, err, errlen)) == 1) {
		if (len == 0)
			continue;
		size_t n = cs_lines_split(line, ',', f, HELIOS_MAX_COLS);
		if (!ignored) {
			if ((rc = helios_header(path, l.lineno, f, n, col, &ignored, err, errlen)) < 0)
				goto out;
			ncols = n;
			continue;
		}
		if (n != ncols) {
			snprintf(err, errlen, "%s:%" PRIu32 ": %s%zu fields, the header has %zu", path, l.lineno,
				 n > HELIOS_MAX_COLS ? "more than " : "", n > HELIOS_MAX_COLS ? (size_t)HELIOS_MAX_COLS : n,
				 ncols);
			rc = -CS_EPARSE;
			goto out;
		}
		cs_jrec r = { .time_limit_s = -1, .qos = -1, .partition = -1, .line = l.lineno };
		if ((rc = helios_record(t, path, l.lineno, f, col, &r, cnt, err, errlen)) < 0)
			goto out;
		if (r.submit_s < epoch)
			epoch = r.submit_s;
		if (cs_trace_push(t, &r) < 0)
			goto oom;
	}
	if (rc < 0)
		goto out;
	if (!ignored) {
		snprintf(err, errlen, "%s: no header line: not a Helios cluster_log.csv (expected a line "
			 "\"job_id,user,vc,gpu_num,...\")", path);
		rc = -CS_EPARSE;
		goto out;
	}
	if (t->n == 0) {
		snprintf(err, errlen, "%s: no job records after the header", path);
		rc = -CS_EPARSE;
		goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		t->jobs[i].submit_s -= epoch;
		if (t->jobs[i].start_s >= 0)
			t->jobs[i].start_s -= epoch;
	}
	t->epoch = epoch;
	char num[32];
	snprintf(num, sizeof num, "%" PRId64, epoch);
	if (cs_trace_meta_set(t, "source", path) < 0 || cs_trace_meta_set(t, "format", "helios") < 0 ||
	    cs_trace_meta_set(t, "epoch", num) < 0)
		goto oom;
	for (int k = 0; k < HK_N; k++)
		if (cs_trace_meta_count(t, hk_keys[k], cnt[k]) < 0)
			goto oom;
	if (cs_trace_meta_set(t, "helios.ignored_columns", *ignored ? ignored : "none") < 0)
		goto oom;
	rc = 0;
out:
	free(ignored);
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
