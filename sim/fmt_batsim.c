/* capsim: Batsim JSON workloads (read and write), and the JSON file loader
 * the JSON readers share. Rules: docs/jsontrace.md. */
#include "capsim/jsontrace.h"
#include "field.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* --- loading a JSON file (plain or gzip) --- */

struct gz_src {
	gzFile g;
	int failed;
};

static size_t gz_feed(void *buf, size_t len, void *data)
{
	struct gz_src *s = data;
	int n = gzread(s->g, buf, (unsigned)(len < INT_MAX ? len : INT_MAX));
	if (n < 0) {
		s->failed = 1;
		return (size_t)-1;
	}
	return (size_t)n;
}

json_t *cs_json_load(const char *path, int *rc, char *err, size_t errlen)
{
	errno = 0;
	gzFile g = gzopen(path, "rb");
	if (!g) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno ? errno : ENOENT));
		*rc = -CS_EIO;
		return NULL;
	}
	gzbuffer(g, 1 << 17);
	struct gz_src s = { g, 0 };
	json_error_t je;
	json_t *root = json_load_callback(gz_feed, &s, JSON_REJECT_DUPLICATES, &je);
	/* A truncated or corrupt gzip stream can end without gzread failing
	 * (zlib's Z_BUF_ERROR): ask zlib, so such a file is never read as a
	 * shorter, valid document. */
	int ze;
	const char *zm = gzerror(g, &ze);
	if (s.failed || ze != Z_OK) {
		size_t pl = strlen(path);
		if (strncmp(zm, path, pl) == 0 && strncmp(zm + pl, ": ", 2) == 0)
			zm += pl + 2; /* zlib names the file too */
		snprintf(err, errlen, "%s: read error: %s", path, zm);
		*rc = -CS_EIO;
		json_decref(root);
		root = NULL;
	} else if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		*rc = json_error_code(&je) == json_error_out_of_memory ? -CS_ENOMEM : -CS_EPARSE;
	}
	gzclose(g);
	return root;
}

int cs_json_job_error(char *err, size_t errlen, const char *path, size_t idx, const char *id,
		      const char *field, const char *fmt, ...)
{
	int o = id ? snprintf(err, errlen, "%s: jobs[%zu] (id %s): field %s: ", path, idx, id, field)
		   : snprintf(err, errlen, "%s: jobs[%zu]: field %s: ", path, idx, field);
	if (o > 0 && (size_t)o < errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + o, errlen - (size_t)o, fmt, ap);
		va_end(ap);
	}
	return -CS_EPARSE;
}

/* --- reading --- */

/* Times beyond capsim's limit (2^40 s, about 34,800 years; types.h) are
 * refused rather than rounded into nonsense or summed into overflow. */
#define BS_TIME_MAX ((double)CS_TIME_LIMIT)

static int is_delay_type(const char *type)
{
	/* "delay" up to Batsim 4, "DelayProfile" from Batsim 5 */
	return strcmp(type, "delay") == 0 || strcmp(type, "DelayProfile") == 0;
}

/* Check every profile: a type string; delay profiles a delay >= 0. */
static int check_profiles(json_t *profiles, const char *path, char *err, size_t errlen)
{
	const char *name;
	json_t *p;
	json_object_foreach(profiles, name, p) {
		if (!json_is_object(p)) {
			snprintf(err, errlen, "%s: profiles[\"%s\"]: not an object", path, name);
			return -CS_EPARSE;
		}
		json_t *type = json_object_get(p, "type");
		if (!json_is_string(type)) {
			snprintf(err, errlen, "%s: profiles[\"%s\"]: field type: %s", path, name,
				 type ? "not a string" : "missing");
			return -CS_EPARSE;
		}
		if (!is_delay_type(json_string_value(type)))
			continue;
		json_t *d = json_object_get(p, "delay");
		if (!json_is_number(d) || json_number_value(d) < 0 || json_number_value(d) > BS_TIME_MAX) {
			snprintf(err, errlen, "%s: profiles[\"%s\"]: field delay: %s", path, name,
				 !d ? "missing" : !json_is_number(d) ? "not a number"
				 : "not a time in seconds in 0..2^40");
			return -CS_EPARSE;
		}
	}
	return 0;
}

/* The integer in a job id: all of it, or what follows the last '!' (Batsim's
 * "workload!number"); decimal digits only. 0 or -1. */
static int id_number(const char *s, int64_t *v)
{
	const char *bang = strrchr(s, '!');
	if (bang)
		s = bang + 1;
	return *s == '-' ? -1 : cs_field_int(s, v);
}

static int i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* 1 if the n values are distinct (sorts a copy); -1 out of memory. */
static int all_distinct(const int64_t *v, size_t n)
{
	int64_t *c = malloc((n ? n : 1) * sizeof *c);
	if (!c)
		return -1;
	memcpy(c, v, n * sizeof *c);
	qsort(c, n, sizeof *c, i64_cmp);
	int ok = 1;
	for (size_t i = 1; i < n && ok; i++)
		ok = c[i] != c[i - 1];
	free(c);
	return ok;
}

#define JERR(field, ...)                                                                   \
	do {                                                                               \
		rc = cs_json_job_error(err, errlen, path, i, idstr, field, __VA_ARGS__);  \
		goto out;                                                                  \
	} while (0)

int cs_batsim_read(cs_trace *t, const char *path, char *err, size_t errlen)
{
	int rc = 0;
	json_t *root = cs_json_load(path, &rc, err, errlen);
	if (!root)
		return rc;
	cs_trace tr;
	cs_trace_init(&tr);
	cs_names seen = { 0 };  /* job ids as given, in file order */
	int64_t *num = NULL;    /* each job's id as an integer */
	int numeric = 1;        /* every id has an integer form */
	uint64_t no_runtime = 0, rounded = 0;
	size_t i = 0;
	const char *idstr = NULL;

	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s: not a Batsim workload: expected a JSON object with nb_res, "
			 "jobs and profiles", path);
		rc = -CS_EPARSE;
		goto out;
	}
	json_t *nb = json_object_get(root, "nb_res");
	if (!json_is_integer(nb) || json_integer_value(nb) < 1) {
		snprintf(err, errlen, "%s: field nb_res: %s", path,
			 nb ? "not a positive integer" : "missing");
		rc = -CS_EPARSE;
		goto out;
	}
	json_t *jobs = json_object_get(root, "jobs");
	json_t *profiles = json_object_get(root, "profiles");
	if (!json_is_array(jobs) || !json_is_object(profiles)) {
		const char *f = !json_is_array(jobs) ? "jobs" : "profiles";
		snprintf(err, errlen, "%s: field %s: %s", path, f,
			 !json_object_get(root, f) ? "missing"
			 : f[0] == 'j' ? "not an array" : "not an object");
		rc = -CS_EPARSE;
		goto out;
	}
	if (json_array_size(jobs) == 0) {
		snprintf(err, errlen, "%s: field jobs: no jobs", path);
		rc = -CS_EPARSE;
		goto out;
	}
	if ((rc = check_profiles(profiles, path, err, errlen)) < 0)
		goto out;
	num = malloc(json_array_size(jobs) * sizeof *num);
	if (!num)
		goto oom;

	char idbuf[32];
	json_t *j;
	json_array_foreach(jobs, i, j) {
		idstr = NULL;
		if (!json_is_object(j)) {
			snprintf(err, errlen, "%s: jobs[%zu]: not an object", path, i);
			rc = -CS_EPARSE;
			goto out;
		}
		json_t *id = json_object_get(j, "id");
		if (json_is_integer(id)) {
			if (json_integer_value(id) < 0)
				JERR("id", "negative: %" JSON_INTEGER_FORMAT, json_integer_value(id));
			snprintf(idbuf, sizeof idbuf, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
			idstr = idbuf;
		} else if (json_is_string(id) && json_string_length(id) > 0 &&
			   strlen(json_string_value(id)) == json_string_length(id)) {
			idstr = json_string_value(id);
		} else {
			JERR("id", "%s", !id ? "missing" : json_is_string(id) ? "empty or holds a NUL"
				   : "not a string or an integer");
		}
		size_t before = seen.n;
		int32_t first = cs_names_intern(&seen, idstr, strlen(idstr));
		if (first < 0)
			goto oom;
		if (seen.n == before)
			JERR("id", "duplicate of jobs[%d]", first);
		if (numeric && id_number(idstr, &num[i]) < 0)
			numeric = 0;

		cs_jrec r = { .start_s = -1, .time_limit_s = -1, .project = -1, .user = -1, .qos = -1,
			      .partition = -1, .state = CS_STATE_UNKNOWN, .line = (uint32_t)i + 1 };
		int frac = 0;
		json_t *v = json_object_get(j, "subtime");
		if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > BS_TIME_MAX)
			JERR("subtime", "%s", !v ? "missing" : !json_is_number(v) ? "not a number"
				   : json_number_value(v) < 0 ? "negative" : "larger than 2^40 seconds");
		double x = json_number_value(v);
		r.submit_s = llround(x);
		frac |= x != floor(x);

		v = json_object_get(j, "res");
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > INT32_MAX)
			JERR("res", "%s", !v ? "missing" : !json_is_integer(v) ? "not an integer"
				   : json_integer_value(v) < 1 ? "not a positive integer" : "larger than 2^31-1");
		r.nodes = (uint32_t)json_integer_value(v);

		v = json_object_get(j, "walltime");
		if (v) {
			x = json_is_number(v) ? json_number_value(v) : 0;
			if (!json_is_number(v) || (x != -1 && (x <= 0 || x > BS_TIME_MAX)))
				JERR("walltime", "%s", !json_is_number(v) ? "not a number"
				     : "not a time in seconds > 0 (or -1: none)");
			if (x != -1) {
				r.time_limit_s = (cs_time)ceil(x);
				frac |= x != floor(x);
			}
		}

		v = json_object_get(j, "profile");
		if (!json_is_string(v))
			JERR("profile", "%s", v ? "not a string" : "missing");
		json_t *p = json_object_get(profiles, json_string_value(v));
		if (!p)
			JERR("profile", "unknown profile \"%s\"", json_string_value(v));
		if (is_delay_type(json_string_value(json_object_get(p, "type")))) {
			x = json_number_value(json_object_get(p, "delay"));
			r.runtime_s = llround(x);
			frac |= x != floor(x);
		} else {
			r.runtime_s = -1;
			no_runtime++;
		}
		rounded += frac;
		if (cs_trace_push(&tr, &r) < 0)
			goto oom;
	}
	idstr = NULL;

	int distinct = numeric ? all_distinct(num, tr.n) : 0;
	if (distinct < 0)
		goto oom;
	for (i = 0; i < tr.n; i++)
		tr.jobs[i].id = distinct ? num[i] : (int64_t)i + 1;
	snprintf(idbuf, sizeof idbuf, "%" JSON_INTEGER_FORMAT, json_integer_value(nb));
	if (cs_trace_meta_set(&tr, "source", path) < 0 || cs_trace_meta_set(&tr, "format", "batsim") < 0 ||
	    cs_trace_meta_set(&tr, "nb_res", idbuf) < 0 ||
	    cs_trace_meta_set(&tr, "id_rule", distinct ? "as given" : "file order from 1") < 0 ||
	    cs_trace_meta_count(&tr, "jobs_without_delay_profile", no_runtime) < 0 ||
	    cs_trace_meta_count(&tr, "jobs_with_rounded_times", rounded) < 0)
		goto oom;
	*t = tr;
	cs_trace_init(&tr);
	rc = 0;
out:
	cs_trace_free(&tr);
	cs_names_free(&seen);
	free(num);
	json_decref(root);
	return rc;
oom:
	snprintf(err, errlen, "out of memory");
	rc = -CS_ENOMEM;
	goto out;
}

/* --- writing --- */

static void profile_name(char *b, size_t n, cs_time runtime)
{
	if (runtime < 0)
		snprintf(b, n, "runtime_unknown");
	else
		snprintf(b, n, "delay%" PRId64, runtime);
}

int cs_batsim_write(const cs_trace *t, FILE *f)
{
	if (t->n == 0)
		return -CS_EINVAL;
	uint64_t nb_res = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (t->jobs[i].nodes == 0)
			return -CS_EINVAL;
		if (t->jobs[i].nodes > nb_res)
			nb_res = t->jobs[i].nodes;
	}
	const char *m = cs_trace_meta_get(t, "nb_res");
	if (m) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(m, &end, 10);
		if (!errno && !*end && *m >= '0' && *m <= '9' && v > nb_res)
			nb_res = v;
	}
	int64_t *rt = malloc(t->n * sizeof *rt);
	if (!rt)
		return -CS_ENOMEM;
	for (size_t i = 0; i < t->n; i++)
		rt[i] = t->jobs[i].runtime_s < 0 ? -1 : t->jobs[i].runtime_s;
	qsort(rt, t->n, sizeof *rt, i64_cmp);

	char name[48];
	fprintf(f, "{\n  \"nb_res\": %" PRIu64 ",\n  \"jobs\": [\n", nb_res);
	for (size_t i = 0; i < t->n; i++) {
		const cs_jrec *r = &t->jobs[i];
		profile_name(name, sizeof name, r->runtime_s);
		fprintf(f, "    {\"id\": %" PRId64 ", \"subtime\": %" PRId64 ", ", r->id, r->submit_s);
		if (r->time_limit_s > 0)
			fprintf(f, "\"walltime\": %" PRId64 ", ", r->time_limit_s);
		fprintf(f, "\"res\": %" PRIu32 ", \"profile\": \"%s\"}%s\n", r->nodes, name,
			i + 1 < t->n ? "," : "");
	}
	fputs("  ],\n  \"profiles\": {\n", f);
	for (size_t i = 0; i < t->n; i++) {
		if (i > 0 && rt[i] == rt[i - 1])
			continue;
		profile_name(name, sizeof name, rt[i]);
		if (i > 0)
			fputs(",\n", f);
		if (rt[i] < 0)
			fprintf(f, "    \"%s\": {\"type\": \"capsim_runtime_unknown\"}", name);
		else
			fprintf(f, "    \"%s\": {\"type\": \"delay\", \"delay\": %" PRId64 "}", name, rt[i]);
	}
	fputs("\n  }\n}\n", f);
	free(rt);
	return ferror(f) ? -CS_EIO : 0;
}
