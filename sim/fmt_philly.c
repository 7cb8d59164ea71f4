/* capsim: Microsoft's Philly trace (msr-fiddle/philly-traces,
 * cluster_job_log). Rules: docs/jsontrace.md. */
#include "capsim/jsontrace.h"
#include "civil.h"

#include <inttypes.h>
#include <stdint.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* --- time: US Pacific wall clock to Unix time, without the TZ environment --- */

/* Day of the month of the first Sunday of y-m. 1970-01-01 was a Thursday. */
static int first_sunday(int64_t y, int m)
{
	int64_t z = cs_civil_days(y, m, 1);
	int wd = (int)(((z + 4) % 7 + 7) % 7); /* 0: Sunday */
	return 1 + (7 - wd) % 7;
}

static int digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int cs_philly_time(const char *s, int64_t *unix_s)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, se;
	if (strlen(s) != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' ||
	    s[16] != ':' || digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
		return -1;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) ||
	    h > 23 || mi > 59 || se > 59)
		return -1;
	/* US daylight saving time since 2007: PDT (UTC-7) from 02:00 on the second
	 * Sunday of March to 02:00 on the first Sunday of November, else PST
	 * (UTC-8). The hour repeated in November reads as PDT. */
	int64_t local = cs_civil_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	int64_t dst_on = cs_civil_days(y, 3, first_sunday(y, 3) + 7) * 86400 + 2 * 3600;
	int64_t dst_off = cs_civil_days(y, 11, first_sunday(y, 11)) * 86400 + 2 * 3600;
	*unix_s = local + (local >= dst_on && local < dst_off ? 7 : 8) * 3600;
	return 0;
}

/* --- reading --- */

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct {
	int64_t id;
	size_t idx;
} id_ix;

static int idix_cmp(const void *a, const void *b)
{
	const id_ix *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* "application_T_N" -> T * 10^6 + N (T < 9 * 10^12, N < 10^6): 0 or -1. */
static int jobid_number(const char *s, int64_t *v)
{
	static const char pre[] = "application_";
	if (strncmp(s, pre, sizeof pre - 1) != 0)
		return -1;
	s += sizeof pre - 1;
	int64_t part[2] = { 0, 0 };
	const int64_t max[2] = { 9000000000000LL, 1000000 };
	for (int k = 0; k < 2; k++) {
		if (*s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9'; s++) {
			part[k] = part[k] * 10 + (*s - '0');
			if (part[k] >= max[k])
				return -1;
		}
		if (*s != (k == 0 ? '_' : '\0'))
			return -1;
		s++;
	}
	*v = part[0] * 1000000 + part[1];
	return 0;
}

/* A time field: absent, null or "None" -> *v = -1 (unknown); 0 or -1 malformed. */
static int time_field(const json_t *o, const char *key, int64_t *v)
{
	json_t *x = json_object_get(o, key);
	*v = -1;
	if (!x || json_is_null(x))
		return 0;
	if (!json_is_string(x))
		return -1;
	if (strcmp(json_string_value(x), "None") == 0)
		return 0;
	return cs_philly_time(json_string_value(x), v);
}

static const char *const time_fmt = "not a time \"YYYY-MM-DD HH:MM:SS\" (or \"None\", null)";

enum { C_NO_ATTEMPTS, C_SIZE_DEFAULTED, C_MULTI_ATTEMPT, C_START_UNKNOWN, C_START_BEFORE_SUBMIT,
       C_RUNTIME_UNKNOWN, C_END_BEFORE_START, C_GPUS_ROUNDED_UP, C_SUBMIT_FROM_START, C_SKIPPED, C_N };
static const char *const count_keys[C_N] = {
	"jobs_without_attempts", "jobs_size_defaulted", "jobs_with_several_attempts",
	"jobs_start_unknown", "jobs_start_before_submit", "jobs_runtime_unknown",
	"jobs_end_before_start", "jobs_gpus_rounded_up", "jobs_submit_from_start",
	"jobs_skipped_no_time" };

#define JERR(field, ...)                                                                   \
	do {                                                                               \
		rc = cs_json_job_error(err, errlen, path, i, idstr, field, __VA_ARGS__);  \
		goto out;                                                                  \
	} while (0)

int cs_philly_read(cs_trace *t, const char *path, char *err, size_t errlen)
{
	int rc = 0;
	json_t *root = cs_json_load(path, &rc, err, errlen);
	if (!root)
		return rc;
	cs_trace tr;
	cs_trace_init(&tr);
	uint64_t count[C_N] = { 0 };
	const char **ips = NULL;
	size_t ipcap = 0;
	id_ix *ids = NULL;
	size_t i = 0;
	const char *idstr = NULL;
	char field[96];

	if (!json_is_array(root)) {
		snprintf(err, errlen, "%s: not a Philly cluster_job_log: expected a JSON array of jobs", path);
		rc = -CS_EPARSE;
		goto out;
	}
	if (json_array_size(root) == 0) {
		snprintf(err, errlen, "%s: no jobs", path);
		rc = -CS_EPARSE;
		goto out;
	}
	json_t *j;
	json_array_foreach(root, i, j) {
		idstr = NULL;
		if (!json_is_object(j)) {
			snprintf(err, errlen, "%s: jobs[%zu]: not an object", path, i);
			rc = -CS_EPARSE;
			goto out;
		}
		cs_jrec r = { .start_s = -1, .runtime_s = -1, .time_limit_s = -1, .qos = -1,
			      .partition = -1, .line = (uint32_t)i + 1 };
		int hit[C_N] = { 0 }; /* the counts this job adds if kept */
		json_t *v = json_object_get(j, "jobid");
		if (!json_is_string(v))
			JERR("jobid", "%s", v ? "not a string" : "missing");
		idstr = json_string_value(v);
		if (jobid_number(idstr, &r.id) < 0)
			JERR("jobid", "not of the form application_<T>_<N> (T < 9e12, N < 1e6)");

		v = json_object_get(j, "status");
		if (!json_is_string(v))
			JERR("status", "%s", v ? "not a string" : "missing");
		const char *st = json_string_value(v);
		if (strcmp(st, "Pass") == 0)
			r.state = CS_STATE_COMPLETED;
		else if (strcmp(st, "Killed") == 0)
			r.state = CS_STATE_CANCELLED;
		else if (strcmp(st, "Failed") == 0)
			r.state = CS_STATE_FAILED;
		else
			JERR("status", "unknown status \"%s\" (expected Pass, Killed or Failed)", st);

		const char *nm[2]; /* vc, user: interned once the job is kept */
		static const char *const nm_key[2] = { "vc", "user" };
		for (int k = 0; k < 2; k++) {
			v = json_object_get(j, nm_key[k]);
			if (!json_is_string(v))
				JERR(nm_key[k], "%s", v ? "not a string" : "missing");
			nm[k] = json_string_value(v);
		}

		if (!json_object_get(j, "submitted_time"))
			JERR("submitted_time", "missing");
		if (time_field(j, "submitted_time", &r.submit_s) < 0)
			JERR("submitted_time", "%s", time_fmt);

		json_t *att = json_object_get(j, "attempts");
		if (!json_is_array(att))
			JERR("attempts", "%s", att ? "not an array" : "missing");
		size_t na = json_array_size(att);
		int64_t last_start = -1, last_end = -1;
		size_t k;
		json_t *a;
		json_array_foreach(att, k, a) {
			snprintf(field, sizeof field, "attempts[%zu]", k);
			if (!json_is_object(a))
				JERR(field, "not an object");
			int64_t s, e;
			snprintf(field, sizeof field, "attempts[%zu].start_time", k);
			if (time_field(a, "start_time", &s) < 0)
				JERR(field, "%s", time_fmt);
			snprintf(field, sizeof field, "attempts[%zu].end_time", k);
			if (time_field(a, "end_time", &e) < 0)
				JERR(field, "%s", time_fmt);
			if (r.start_s < 0)
				r.start_s = s; /* the first recorded start */
			last_start = s;
			last_end = e;

			json_t *det = json_object_get(a, "detail");
			snprintf(field, sizeof field, "attempts[%zu].detail", k);
			if (!json_is_array(det))
				JERR(field, "%s", det ? "not an array" : "missing");
			size_t nd = json_array_size(det), gpus = 0;
			if (nd > ipcap) {
				const char **p = realloc(ips, nd * sizeof *p);
				if (!p)
					goto oom;
				ips = p;
				ipcap = nd;
			}
			size_t m;
			json_t *dd;
			json_array_foreach(det, m, dd) {
				snprintf(field, sizeof field, "attempts[%zu].detail[%zu]", k, m);
				if (!json_is_object(dd))
					JERR(field, "not an object");
				json_t *ip = json_object_get(dd, "ip"), *g = json_object_get(dd, "gpus");
				snprintf(field, sizeof field, "attempts[%zu].detail[%zu].ip", k, m);
				if (!json_is_string(ip))
					JERR(field, "%s", ip ? "not a string" : "missing");
				snprintf(field, sizeof field, "attempts[%zu].detail[%zu].gpus", k, m);
				if (!json_is_array(g))
					JERR(field, "%s", g ? "not an array" : "missing");
				for (size_t q = 0; q < json_array_size(g); q++)
					if (!json_is_string(json_array_get(g, q)))
						JERR(field, "element %zu is not a string", q);
				ips[m] = json_string_value(ip);
				gpus += json_array_size(g);
			}
			if (k + 1 < na)
				continue;
			/* the last attempt sets the size */
			if (nd == 0) {
				r.nodes = 1;
				r.gpus_per_node = 1;
				hit[C_SIZE_DEFAULTED] = 1;
				continue;
			}
			qsort(ips, nd, sizeof *ips, str_cmp);
			size_t nodes = 1;
			for (m = 1; m < nd; m++)
				nodes += strcmp(ips[m], ips[m - 1]) != 0;
			size_t per = (gpus + nodes - 1) / nodes;
			snprintf(field, sizeof field, "attempts[%zu].detail", k);
			if (per > 1024 || nodes > INT32_MAX)
				JERR(field, "%zu GPUs on %zu nodes: more than 1024 per node or 2^31-1 nodes",
				     gpus, nodes);
			r.nodes = (uint32_t)nodes;
			r.gpus_per_node = (uint32_t)per;
			hit[C_GPUS_ROUNDED_UP] = per * nodes != gpus;
		}
		if (na == 0) {
			r.nodes = 1;
			r.gpus_per_node = 1;
			hit[C_NO_ATTEMPTS] = hit[C_SIZE_DEFAULTED] = 1;
		}
		hit[C_MULTI_ATTEMPT] = na > 1;
		if (last_start >= 0 && last_end >= 0) {
			if (last_end >= last_start)
				r.runtime_s = last_end - last_start;
			else
				hit[C_END_BEFORE_START] = 1;
		}
		if (r.submit_s < 0) {
			if (r.start_s < 0) {
				count[C_SKIPPED]++;
				continue;
			}
			r.submit_s = r.start_s;
			hit[C_SUBMIT_FROM_START] = 1;
		}
		if (r.start_s >= 0 && r.start_s < r.submit_s) {
			r.start_s = -1;
			hit[C_START_BEFORE_SUBMIT] = 1;
		}
		hit[C_START_UNKNOWN] = r.start_s < 0;
		hit[C_RUNTIME_UNKNOWN] = r.runtime_s < 0;
		for (int c = 0; c < C_N; c++)
			count[c] += (uint64_t)hit[c];
		r.project = r.user = -1;
		if ((*nm[0] && (r.project = cs_names_intern(&tr.projects, nm[0], strlen(nm[0]))) < 0) ||
		    (*nm[1] && (r.user = cs_names_intern(&tr.users, nm[1], strlen(nm[1]))) < 0))
			goto oom;
		if (cs_trace_push(&tr, &r) < 0)
			goto oom;
	}
	idstr = NULL;
	if (tr.n == 0) {
		snprintf(err, errlen, "%s: no job has a submission or start time", path);
		rc = -CS_EPARSE;
		goto out;
	}

	/* distinct jobids (the id rule is one-to-one, so compare the numbers) */
	ids = malloc(tr.n * sizeof *ids);
	if (!ids)
		goto oom;
	for (size_t q = 0; q < tr.n; q++)
		ids[q] = (id_ix){ tr.jobs[q].id, tr.jobs[q].line - 1 };
	qsort(ids, tr.n, sizeof *ids, idix_cmp);
	for (size_t q = 1; q < tr.n; q++) {
		if (ids[q].id == ids[q - 1].id) {
			i = ids[q].idx;
			idstr = json_string_value(json_object_get(json_array_get(root, i), "jobid"));
			JERR("jobid", "duplicate of jobs[%zu]", ids[q - 1].idx);
		}
	}

	/* epoch: the earliest submission */
	int64_t epoch = tr.jobs[0].submit_s;
	for (size_t q = 1; q < tr.n; q++)
		if (tr.jobs[q].submit_s < epoch)
			epoch = tr.jobs[q].submit_s;
	for (size_t q = 0; q < tr.n; q++) {
		tr.jobs[q].submit_s -= epoch;
		if (tr.jobs[q].start_s >= 0)
			tr.jobs[q].start_s -= epoch;
	}
	tr.epoch = epoch;
	char b[32];
	snprintf(b, sizeof b, "%" PRId64, tr.epoch);
	if (cs_trace_meta_set(&tr, "source", path) < 0 || cs_trace_meta_set(&tr, "format", "philly") < 0 ||
	    cs_trace_meta_set(&tr, "epoch", b) < 0 ||
	    cs_trace_meta_set(&tr, "time_zone", "US Pacific (PST/PDT)") < 0)
		goto oom;
	for (int c = 0; c < C_N; c++)
		if (cs_trace_meta_count(&tr, count_keys[c], count[c]) < 0)
			goto oom;
	*t = tr;
	cs_trace_init(&tr);
	rc = 0;
out:
	cs_trace_free(&tr);
	free(ips);
	free(ids);
	json_decref(root);
	return rc;
oom:
	snprintf(err, errlen, "out of memory");
	rc = -CS_ENOMEM;
	goto out;
}
