/* The JSON workload readers: Batsim (read, write, round trips) and Philly
 * (fields, US Pacific times, the derived sizes and counts), and every kind
 * of bad input. Expected values are worked out by hand in the comments. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "capsim/jsontrace.h"
#include "capsim/native.h"
#include "helpers.h"

static const char *data(const char *name)
{
	static char b[4096];
	snprintf(b, sizeof b, "%s/tests/data/jsontrace/%s", th_root(), name);
	return b;
}

typedef int (*reader)(cs_trace *, const char *, char *, size_t);

static void read_ok(reader rd, const char *path, cs_trace *t)
{
	char err[CS_ERRLEN] = "";
	cs_trace_init(t);
	int rc = rd(t, path, err, sizeof err);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, err);
}

/* id, submit, start, runtime, time limit, nodes, GPUs per node, state, line */
static void check_job(const cs_trace *t, size_t i, int64_t id, cs_time submit, cs_time start,
		      cs_time runtime, cs_time limit, uint32_t nodes, uint32_t gpn, cs_state state,
		      uint32_t line)
{
	cr_assert_lt(i, t->n);
	const cs_jrec *r = &t->jobs[i];
	cr_assert_eq(r->id, id, "job %zu: id %lld", i, (long long)r->id);
	cr_assert_eq(r->submit_s, submit, "job %zu: submit %lld", i, (long long)r->submit_s);
	cr_assert_eq(r->start_s, start, "job %zu: start %lld", i, (long long)r->start_s);
	cr_assert_eq(r->runtime_s, runtime, "job %zu: runtime %lld", i, (long long)r->runtime_s);
	cr_assert_eq(r->time_limit_s, limit, "job %zu: limit %lld", i, (long long)r->time_limit_s);
	cr_assert_eq(r->nodes, nodes, "job %zu: nodes %u", i, r->nodes);
	cr_assert_eq(r->gpus_per_node, gpn, "job %zu: gpus %u", i, r->gpus_per_node);
	cr_assert_eq(r->cores_per_node, 0);
	cr_assert_eq(r->mem_per_node_mib, 0);
	cr_assert_eq(r->qos, -1);
	cr_assert_eq(r->partition, -1);
	cr_assert_eq(r->state, state, "job %zu: state %u", i, r->state);
	cr_assert_eq(r->line, line, "job %zu: line %u", i, r->line);
}

static void check_meta(const cs_trace *t, const char *key, const char *want)
{
	const char *v = cs_trace_meta_get(t, key);
	cr_assert_not_null(v, "no metadata %s", key);
	cr_assert_str_eq(v, want, "metadata %s", key);
}

static void expect_error(reader rd, const char *text, int code, const char *want)
{
	char *p = th_write_tmp(text, ".json");
	cs_trace t;
	cs_trace_init(&t);
	char err[CS_ERRLEN] = "";
	int rc = rd(&t, p, err, sizeof err);
	cr_assert_eq(rc, code, "rc %d, want %d (%s)", rc, code, err);
	cr_assert(strncmp(err, p, strlen(p)) == 0, "message should start with the path: %s", err);
	cr_assert(strstr(err, want), "message '%s' should contain '%s'", err, want);
	cr_assert_eq(t.n, 0);
	cr_assert_null(t.jobs);
	cr_assert_eq(t.meta_keys.n, 0);
	th_unlink(p);
}

/* Every field equal (not memcmp: the padding bytes are unspecified). */
static void same_rec(const cs_jrec *x, const cs_jrec *y, size_t i)
{
	cr_assert(x->id == y->id && x->submit_s == y->submit_s && x->start_s == y->start_s &&
		  x->runtime_s == y->runtime_s && x->time_limit_s == y->time_limit_s &&
		  x->nodes == y->nodes && x->gpus_per_node == y->gpus_per_node &&
		  x->cores_per_node == y->cores_per_node && x->mem_per_node_mib == y->mem_per_node_mib &&
		  x->project == y->project && x->user == y->user && x->qos == y->qos &&
		  x->partition == y->partition && x->state == y->state && x->line == y->line,
		  "job %zu differs", i);
}

static char *gzip_copy(const char *src)
{
	size_t n;
	char *text = th_slurp(src, &n);
	cr_assert_not_null(text);
	char *path = malloc(64);
	snprintf(path, 64, "/tmp/capsim-test-XXXXXX.json.gz");
	int fd = mkstemps(path, 8);
	cr_assert(fd >= 0);
	gzFile g = gzdopen(fd, "wb");
	cr_assert_eq(gzwrite(g, text, (unsigned)n), (int)n);
	gzclose(g);
	free(text);
	return path;
}

/* Write with cs_native_write (or cs_batsim_write) and read back. */
static void round_trip(const cs_trace *a, cs_trace *b, int batsim)
{
	char *p = th_write_tmp("", batsim ? ".json" : ".csv");
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f);
	cr_assert_eq(batsim ? cs_batsim_write(a, f) : cs_native_write(a, f), 0);
	fclose(f);
	read_ok(batsim ? cs_batsim_read : cs_native_read, p, b);
	th_unlink(p);
}

/* ---------------- Batsim ---------------- */

Test(batsim, reads_every_job_of_the_small_workload)
{
	/* job 0: integers as given.
	 * job 1: id "2"; subtime 10.4 -> 10 (nearest); walltime 30.2 -> 31 (up);
	 *        delay 20.5 -> 21 (nearest, halves away from zero).
	 * job 2: id "w0!7" -> 7; subtime 10.5 -> 11; no walltime; a
	 *        parallel_homogeneous profile: run time unknown.
	 * job 3: walltime -1: none; a Batsim 5 "DelayProfile". */
	cs_trace t;
	read_ok(cs_batsim_read, data("batsim_small.json"), &t);
	cr_assert_eq(t.n, 4);
	check_job(&t, 0, 1, 0, -1, 60, 100, 4, 0, CS_STATE_UNKNOWN, 1);
	check_job(&t, 1, 2, 10, -1, 21, 31, 1, 0, CS_STATE_UNKNOWN, 2);
	check_job(&t, 2, 7, 11, -1, -1, -1, 8, 0, CS_STATE_UNKNOWN, 3);
	check_job(&t, 3, 3, 25, -1, 5, -1, 2, 0, CS_STATE_UNKNOWN, 4);
	for (size_t i = 0; i < t.n; i++)
		cr_assert(t.jobs[i].project == -1 && t.jobs[i].user == -1);
	cr_assert_eq(t.epoch, 0);
	check_meta(&t, "source", data("batsim_small.json"));
	check_meta(&t, "format", "batsim");
	check_meta(&t, "nb_res", "8");
	check_meta(&t, "id_rule", "as given");
	check_meta(&t, "jobs_without_delay_profile", "1");
	check_meta(&t, "jobs_with_rounded_times", "2");
	cs_trace_free(&t);
}

Test(batsim, reads_gzip_the_same_as_plain)
{
	char *gz = gzip_copy(data("batsim_small.json"));
	cs_trace a, b;
	read_ok(cs_batsim_read, data("batsim_small.json"), &a);
	read_ok(cs_batsim_read, gz, &b);
	cr_assert_eq(b.n, 4);
	for (size_t i = 0; i < 4; i++)
		same_rec(&a.jobs[i], &b.jobs[i], i);
	check_meta(&b, "nb_res", "8");
	cs_trace_free(&a);
	cs_trace_free(&b);
	th_unlink(gz);
}

Test(batsim, a_truncated_gzip_file_is_a_read_error)
{
	char *gz = gzip_copy(data("batsim_small.json"));
	size_t n;
	char *bytes = th_slurp(gz, &n);
	FILE *f = fopen(gz, "wb");
	cr_assert_eq(fwrite(bytes, 1, n / 2, f), n / 2);
	fclose(f);
	free(bytes);
	cs_trace t;
	cs_trace_init(&t);
	char err[CS_ERRLEN] = "", want[CS_ERRLEN];
	cr_assert_eq(cs_batsim_read(&t, gz, err, sizeof err), -CS_EIO, "%s", err);
	snprintf(want, sizeof want, "%s: read error: unexpected end of file", gz);
	cr_assert_str_eq(err, want);
	cr_assert_eq(t.n, 0);
	th_unlink(gz);
}

static void read_text(reader rd, const char *text, cs_trace *t)
{
	char *p = th_write_tmp(text, ".json");
	read_ok(rd, p, t);
	th_unlink(p);
}

Test(batsim, ids_that_are_not_distinct_integers_are_numbered_in_file_order)
{
	/* "a" has no integer form; "w0!5" and "w1!5" are distinct ids with the
	 * same number: both workloads get ids 1, 2, 3 in file order. */
	const char *texts[] = {
		"{\"nb_res\": 2, \"jobs\": [{\"id\": 9, \"subtime\": 0, \"res\": 1, \"profile\": \"p\"},"
		"{\"id\": \"a\", \"subtime\": 0, \"res\": 1, \"profile\": \"p\"},"
		"{\"id\": 4, \"subtime\": 0, \"res\": 1, \"profile\": \"p\"}],"
		"\"profiles\": {\"p\": {\"type\": \"delay\", \"delay\": 1}}}",
		"{\"nb_res\": 2, \"jobs\": [{\"id\": \"w0!5\", \"subtime\": 0, \"res\": 1, \"profile\": \"p\"},"
		"{\"id\": \"w1!5\", \"subtime\": 0, \"res\": 1, \"profile\": \"p\"},"
		"{\"id\": \"w1!6\", \"subtime\": 0, \"res\": 1, \"profile\": \"p\"}],"
		"\"profiles\": {\"p\": {\"type\": \"delay\", \"delay\": 1}}}" };
	for (int k = 0; k < 2; k++) {
		cs_trace t;
		read_text(cs_batsim_read, texts[k], &t);
		cr_assert_eq(t.n, 3);
		for (int i = 0; i < 3; i++)
			cr_assert_eq(t.jobs[i].id, i + 1);
		check_meta(&t, "id_rule", "file order from 1");
		cs_trace_free(&t);
	}
}

Test(batsim, writes_one_delay_profile_per_distinct_runtime)
{
	/* runtimes 60, unknown, 60, 5; nb_res: metadata 3 < 4 nodes -> 4 */
	cs_trace t;
	cs_trace_init(&t);
	cs_jrec r = { .id = 10, .submit_s = 0, .start_s = -1, .runtime_s = 60, .time_limit_s = 120,
		      .nodes = 2, .project = -1, .user = -1, .qos = -1, .partition = -1 };
	cr_assert_eq(cs_trace_push(&t, &r), 0);
	r.id = 11, r.submit_s = 5, r.runtime_s = -1, r.time_limit_s = -1, r.nodes = 4;
	cr_assert_eq(cs_trace_push(&t, &r), 0);
	r.id = 12, r.submit_s = 7, r.runtime_s = 60, r.nodes = 1;
	cr_assert_eq(cs_trace_push(&t, &r), 0);
	r.id = 13, r.submit_s = 7, r.runtime_s = 5, r.time_limit_s = 5, r.nodes = 3;
	cr_assert_eq(cs_trace_push(&t, &r), 0);
	cr_assert_eq(cs_trace_meta_set(&t, "nb_res", "3"), 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_eq(cs_batsim_write(&t, f), 0);
	fclose(f);
	cr_assert_str_eq(buf,
			 "{\n"
			 "  \"nb_res\": 4,\n"
			 "  \"jobs\": [\n"
			 "    {\"id\": 10, \"subtime\": 0, \"walltime\": 120, \"res\": 2, \"profile\": \"delay60\"},\n"
			 "    {\"id\": 11, \"subtime\": 5, \"res\": 4, \"profile\": \"runtime_unknown\"},\n"
			 "    {\"id\": 12, \"subtime\": 7, \"res\": 1, \"profile\": \"delay60\"},\n"
			 "    {\"id\": 13, \"subtime\": 7, \"walltime\": 5, \"res\": 3, \"profile\": \"delay5\"}\n"
			 "  ],\n"
			 "  \"profiles\": {\n"
			 "    \"runtime_unknown\": {\"type\": \"capsim_runtime_unknown\"},\n"
			 "    \"delay5\": {\"type\": \"delay\", \"delay\": 5},\n"
			 "    \"delay60\": {\"type\": \"delay\", \"delay\": 60}\n"
			 "  }\n"
			 "}\n");
	free(buf);
	/* a larger nb_res in the metadata wins */
	cr_assert_eq(cs_trace_meta_set(&t, "nb_res", "16"), 0);
	f = open_memstream(&buf, &len);
	cr_assert_eq(cs_batsim_write(&t, f), 0);
	fclose(f);
	cr_assert(strncmp(buf, "{\n  \"nb_res\": 16,\n", 18) == 0, "%s", buf);
	free(buf);
	cs_trace_free(&t);
}

Test(batsim, refuses_to_write_an_empty_trace_or_a_job_without_nodes)
{
	cs_trace t;
	cs_trace_init(&t);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_eq(cs_batsim_write(&t, f), -CS_EINVAL);
	cs_jrec r = { .id = 1, .start_s = -1, .runtime_s = 1, .time_limit_s = -1, .nodes = 0 };
	cr_assert_eq(cs_trace_push(&t, &r), 0);
	cr_assert_eq(cs_batsim_write(&t, f), -CS_EINVAL);
	fclose(f);
	cr_assert_eq(len, 0, "nothing written: %s", buf);
	free(buf);
	cs_trace_free(&t);
}

static void same_jobs(const cs_trace *a, const cs_trace *b)
{
	cr_assert_eq(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const cs_jrec *x = &a->jobs[i], *y = &b->jobs[i];
		cr_assert_eq(x->id, y->id, "job %zu", i);
		cr_assert_eq(x->submit_s, y->submit_s, "job %zu", i);
		cr_assert_eq(x->runtime_s, y->runtime_s, "job %zu", i);
		cr_assert_eq(x->time_limit_s, y->time_limit_s, "job %zu", i);
		cr_assert_eq(x->nodes, y->nodes, "job %zu", i);
	}
}

Test(batsim, read_write_read_keeps_submit_runtime_walltime_nodes)
{
	cs_trace a, b;
	read_ok(cs_batsim_read, data("batsim_small.json"), &a);
	round_trip(&a, &b, 1);
	same_jobs(&a, &b);
	check_job(&b, 2, 7, 11, -1, -1, -1, 8, 0, CS_STATE_UNKNOWN, 3);
	check_meta(&b, "nb_res", "8");
	check_meta(&b, "jobs_without_delay_profile", "1");
	check_meta(&b, "jobs_with_rounded_times", "0");
	cs_trace_free(&a);
	cs_trace_free(&b);
}

Test(batsim, native_round_trip_keeps_every_field)
{
	cs_trace a, b;
	read_ok(cs_batsim_read, data("batsim_small.json"), &a);
	round_trip(&a, &b, 0);
	cr_assert_eq(b.n, a.n);
	for (size_t i = 0; i < a.n; i++) {
		b.jobs[i].line = a.jobs[i].line; /* the CSV's own line numbers */
		same_rec(&a.jobs[i], &b.jobs[i], i);
	}
	check_meta(&b, "nb_res", "8");
	check_meta(&b, "id_rule", "as given");
	cs_trace_free(&a);
	cs_trace_free(&b);
}

#define BS_HEAD "{\"nb_res\": 4, \"profiles\": {\"p\": {\"type\": \"delay\", \"delay\": 10}}, \"jobs\": ["
#define BS_TAIL "]}"
#define BS_JOB "{\"id\": 1, \"subtime\": 0, \"res\": 1, \"profile\": \"p\"}"
#define BS_JOB0 BS_JOB ", "

Test(batsim, a_json_syntax_error_names_line_and_column)
{
	expect_error(cs_batsim_read, "{\"nb_res\": 4,\n \"jobs\": [\n  {\"id\": 1,, \"subtime\": 0}\n ]}\n",
		     -CS_EPARSE, ":3:12: string or '}' expected near ','");
}

Test(batsim, a_missing_field_is_an_error)
{
	expect_error(cs_batsim_read, BS_HEAD BS_JOB0 "{\"id\": \"j2\", \"res\": 1, \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[1] (id j2): field subtime: missing");
	expect_error(cs_batsim_read, BS_HEAD "{\"subtime\": 0, \"res\": 1, \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[0]: field id: missing");
	expect_error(cs_batsim_read, BS_HEAD "{\"id\": 1, \"subtime\": 0, \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[0] (id 1): field res: missing");
	expect_error(cs_batsim_read, BS_HEAD "{\"id\": 1, \"subtime\": 0, \"res\": 2}" BS_TAIL,
		     -CS_EPARSE, ": jobs[0] (id 1): field profile: missing");
	expect_error(cs_batsim_read, "{\"jobs\": [], \"profiles\": {}}", -CS_EPARSE, ": field nb_res: missing");
	expect_error(cs_batsim_read, "{\"nb_res\": 1, \"jobs\": []}", -CS_EPARSE, ": field profiles: missing");
}

Test(batsim, a_field_of_the_wrong_type_is_an_error)
{
	expect_error(cs_batsim_read, BS_HEAD "{\"id\": 1, \"subtime\": 0, \"res\": \"4\", \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[0] (id 1): field res: not an integer");
	expect_error(cs_batsim_read, BS_HEAD "{\"id\": 1, \"subtime\": 0, \"res\": 1.5, \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[0] (id 1): field res: not an integer");
	expect_error(cs_batsim_read, BS_HEAD "{\"id\": 1, \"subtime\": \"0\", \"res\": 1, \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[0] (id 1): field subtime: not a number");
	expect_error(cs_batsim_read, BS_HEAD "{\"id\": 1.5, \"subtime\": 0, \"res\": 1, \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[0]: field id: not a string or an integer");
	expect_error(cs_batsim_read, BS_HEAD "{\"id\": 1, \"subtime\": 0, \"walltime\": null, \"res\": 1, \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[0] (id 1): field walltime: not a number");
	expect_error(cs_batsim_read, BS_HEAD "{\"id\": 1, \"subtime\": 0, \"res\": 1, \"profile\": 3}" BS_TAIL,
		     -CS_EPARSE, ": jobs[0] (id 1): field profile: not a string");
	expect_error(cs_batsim_read, BS_HEAD "[1]" BS_TAIL, -CS_EPARSE, ": jobs[0]: not an object");
	expect_error(cs_batsim_read, "{\"nb_res\": 4.0, \"jobs\": [], \"profiles\": {}}", -CS_EPARSE,
		     ": field nb_res: not a positive integer");
	expect_error(cs_batsim_read, "[]", -CS_EPARSE, ": not a Batsim workload");
}

Test(batsim, a_negative_or_zero_value_is_an_error)
{
	expect_error(cs_batsim_read, BS_HEAD BS_JOB0 "{\"id\": 2, \"subtime\": 0, \"res\": -2, \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[1] (id 2): field res: not a positive integer");
	expect_error(cs_batsim_read, BS_HEAD "{\"id\": 1, \"subtime\": 0, \"res\": 0, \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[0] (id 1): field res: not a positive integer");
	expect_error(cs_batsim_read, BS_HEAD "{\"id\": 1, \"subtime\": -0.5, \"res\": 1, \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[0] (id 1): field subtime: negative");
	expect_error(cs_batsim_read, BS_HEAD "{\"id\": 1, \"subtime\": 0, \"walltime\": 0, \"res\": 1, \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[0] (id 1): field walltime: not a time in seconds > 0 (or -1: none)");
	expect_error(cs_batsim_read, BS_HEAD "{\"id\": 1, \"subtime\": 0, \"walltime\": -2, \"res\": 1, \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[0] (id 1): field walltime: not a time in seconds > 0 (or -1: none)");
	expect_error(cs_batsim_read, BS_HEAD "{\"id\": -1, \"subtime\": 0, \"res\": 1, \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[0]: field id: negative: -1");
	expect_error(cs_batsim_read, "{\"nb_res\": 0, \"jobs\": [], \"profiles\": {}}", -CS_EPARSE,
		     ": field nb_res: not a positive integer");
	expect_error(cs_batsim_read, BS_HEAD "{\"id\": 1, \"subtime\": 1e16, \"res\": 1, \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[0] (id 1): field subtime: larger than 2^40 seconds");
	/* just above capsim's time limit (it overflowed the engine's sums before) */
	expect_error(cs_batsim_read, BS_HEAD "{\"id\": 1, \"subtime\": 1099511627777, \"res\": 1, \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[0] (id 1): field subtime: larger than 2^40 seconds");
	expect_error(cs_batsim_read, BS_HEAD "{\"id\": 1, \"subtime\": 0, \"walltime\": 2e12, \"res\": 1, \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[0] (id 1): field walltime");
}

Test(batsim, an_unknown_profile_is_an_error)
{
	expect_error(cs_batsim_read, BS_HEAD BS_JOB0 "{\"id\": 2, \"subtime\": 0, \"res\": 1, \"profile\": \"nope\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[1] (id 2): field profile: unknown profile \"nope\"");
}

Test(batsim, a_bad_profile_is_an_error_even_unused)
{
	expect_error(cs_batsim_read, "{\"nb_res\": 1, \"jobs\": [" BS_JOB "], \"profiles\": {\"p\": {\"type\": \"delay\"}}}",
		     -CS_EPARSE, ": profiles[\"p\"]: field delay: missing");
	expect_error(cs_batsim_read, "{\"nb_res\": 1, \"jobs\": [" BS_JOB "], \"profiles\": {\"p\": {\"type\": \"delay\", \"delay\": 1}, \"q\": {\"type\": \"delay\", \"delay\": -3}}}",
		     -CS_EPARSE, ": profiles[\"q\"]: field delay: not a time in seconds in 0..2^40");
	expect_error(cs_batsim_read, "{\"nb_res\": 1, \"jobs\": [" BS_JOB "], \"profiles\": {\"p\": {\"delay\": 1}}}",
		     -CS_EPARSE, ": profiles[\"p\"]: field type: missing");
}

Test(batsim, a_duplicate_id_is_an_error)
{
	/* 1 and "1" are the same Batsim id */
	expect_error(cs_batsim_read, BS_HEAD BS_JOB0 "{\"id\": \"1\", \"subtime\": 0, \"res\": 1, \"profile\": \"p\"}" BS_TAIL,
		     -CS_EPARSE, ": jobs[1] (id 1): field id: duplicate of jobs[0]");
	/* a duplicate key inside an object */
	expect_error(cs_batsim_read, "{\"nb_res\": 1, \"nb_res\": 2}", -CS_EPARSE, ":1:");
}

Test(batsim, an_empty_workload_or_file_is_an_error)
{
	expect_error(cs_batsim_read, BS_HEAD BS_TAIL, -CS_EPARSE, ": field jobs: no jobs");
	expect_error(cs_batsim_read, "", -CS_EPARSE, ":1:0:");
}

Test(batsim, a_missing_file_is_an_error)
{
	cs_trace t;
	cs_trace_init(&t);
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_batsim_read(&t, "/nonexistent/w.json", err, sizeof err), -CS_EIO);
	cr_assert_str_eq(err, "/nonexistent/w.json: cannot open: No such file or directory");
	cr_assert_eq(t.n, 0);
}

/* ---------------- Philly ---------------- */

Test(philly, times_are_us_pacific_with_daylight_saving)
{
	int64_t u;
	/* PDT (UTC-7): 2017-10-07 01:11:39 = 08:11:39 UTC */
	cr_assert_eq(cs_philly_time("2017-10-07 01:11:39", &u), 0);
	cr_assert_eq(u, 1507363899);
	/* PST (UTC-8): 2017-12-22 10:00:00 = 18:00:00 UTC */
	cr_assert_eq(cs_philly_time("2017-12-22 10:00:00", &u), 0);
	cr_assert_eq(u, 1513965600);
	/* the repeated hour on 2017-11-05 reads as PDT; 02:00 is PST */
	cr_assert_eq(cs_philly_time("2017-11-05 01:30:00", &u), 0);
	cr_assert_eq(u, 1509870600);
	cr_assert_eq(cs_philly_time("2017-11-05 02:00:00", &u), 0);
	cr_assert_eq(u, 1509876000);
	/* DST begins 2017-03-12 at 02:00 PST = 10:00 UTC */
	cr_assert_eq(cs_philly_time("2017-03-12 01:59:59", &u), 0);
	cr_assert_eq(u, 1489312799);
	cr_assert_eq(cs_philly_time("2017-03-12 03:00:00", &u), 0);
	cr_assert_eq(u, 1489312800);
	/* a leap day, PST */
	cr_assert_eq(cs_philly_time("2016-02-29 12:00:00", &u), 0);
	cr_assert_eq(u, 1456776000);
}

Test(philly, malformed_times_are_refused)
{
	const char *bad[] = { "2017-02-29 00:00:00", "2017-13-01 00:00:00", "2017-10-00 00:00:00",
			      "2017-10-07 24:00:00", "2017-10-07 01:60:00", "2017-10-07 01:00:60",
			      "2017-10-07T01:00:00", "2017-10-07 1:00:00", "2017-10-07 01:00:00 PDT",
			      "1969-12-31 23:00:00", "None", "" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int64_t u = 42;
		cr_assert_eq(cs_philly_time(bad[i], &u), -1, "%s", bad[i]);
	}
}

Test(philly, reads_every_job_of_the_small_log)
{
	/* UTC: C submitted 2017-10-01 07:00:00 (1506841200) is the earliest: the epoch.
	 * A: submit 10-07 08:11:39 = +522699, first start 08:12:09 = +522729; last
	 *    attempt 10-07 01:13:30 .. 10-09 06:53:12 (both PDT) = 193182 s;
	 *    m412, m413, m412: 2 nodes, 2+4+2 = 8 GPUs, 4 a node.
	 * B: submit 11-04 23:00 PDT = 11-05 06:00 UTC = +3020400; start 00:30 PDT
	 *    = 07:30 UTC = +3025800; end 03:30 PST = 11:30 UTC: 14400 s (the wall
	 *    clock says 3 h); 3+4 GPUs on 2 nodes -> 4 a node (rounded up).
	 * C: no attempts: 1 node x 1 GPU, start and run time unknown.
	 * D: submit 12-22 10:00 PST = 18:00 UTC = +7124400; start "None", end null.
	 * E: submit "None" -> its start 10-02 12:00 PDT = 19:00 UTC = +129600;
	 *    ends when it starts: 0 s; one node listed with no GPUs; user "".
	 * F: neither submit nor start: skipped.
	 * G: submit 10-03 10:00 PDT = 17:00 UTC = +208800; start 09:00 is before the
	 *    submission (start unknown), end 08:00 before the start (run time unknown). */
	cs_trace t;
	read_ok(cs_philly_read, data("philly_small.json"), &t);
	cr_assert_eq(t.n, 6);
	cr_assert_eq(t.epoch, 1506841200);
	check_job(&t, 0, 1506638472019014199, 522699, 522729, 193182, -1, 2, 4, CS_STATE_COMPLETED, 1);
	check_job(&t, 1, 1506638472019000002, 3020400, 3025800, 14400, -1, 2, 4, CS_STATE_CANCELLED, 2);
	check_job(&t, 2, 1506638472019000010, 0, -1, -1, -1, 1, 1, CS_STATE_FAILED, 3);
	check_job(&t, 3, 1512345678901000001, 7124400, -1, -1, -1, 1, 1, CS_STATE_COMPLETED, 4);
	check_job(&t, 4, 1506638472019000011, 129600, 129600, 0, -1, 1, 0, CS_STATE_COMPLETED, 5);
	check_job(&t, 5, 1506638472019000013, 208800, -1, -1, -1, 1, 2, CS_STATE_FAILED, 7);
	/* vc -> project, user -> user, interned in order of the kept jobs */
	const char *proj[] = { "ee9e8c", "vc2", "ee9e8c", "vc3", "vc2", "ee9e8c" };
	const char *user[] = { "ce2f4c", "u2", "ce2f4c", "u3", "", "u2" };
	for (size_t i = 0; i < 6; i++) {
		cr_assert_str_eq(cs_names_get(&t.projects, t.jobs[i].project), proj[i], "job %zu", i);
		cr_assert_str_eq(cs_names_get(&t.users, t.jobs[i].user), user[i], "job %zu", i);
	}
	cr_assert_eq(t.projects.n, 3, "F's vc is not interned");
	cr_assert_eq(t.users.n, 3);
	cr_assert_eq(t.jobs[4].user, -1);
	check_meta(&t, "format", "philly");
	check_meta(&t, "epoch", "1506841200");
	check_meta(&t, "time_zone", "US Pacific (PST/PDT)");
	check_meta(&t, "jobs_without_attempts", "1");      /* C */
	check_meta(&t, "jobs_size_defaulted", "1");        /* C */
	check_meta(&t, "jobs_with_several_attempts", "1"); /* A */
	check_meta(&t, "jobs_start_unknown", "3");         /* C, D, G */
	check_meta(&t, "jobs_start_before_submit", "1");   /* G */
	check_meta(&t, "jobs_runtime_unknown", "3");       /* C, D, G */
	check_meta(&t, "jobs_end_before_start", "1");      /* G */
	check_meta(&t, "jobs_gpus_rounded_up", "1");       /* B */
	check_meta(&t, "jobs_submit_from_start", "1");     /* E */
	check_meta(&t, "jobs_skipped_no_time", "1");       /* F */
	cs_trace_free(&t);
}

Test(philly, reads_gzip_the_same_as_plain)
{
	char *gz = gzip_copy(data("philly_small.json"));
	cs_trace a, b;
	read_ok(cs_philly_read, data("philly_small.json"), &a);
	read_ok(cs_philly_read, gz, &b);
	cr_assert_eq(b.n, 6);
	for (size_t i = 0; i < 6; i++)
		same_rec(&a.jobs[i], &b.jobs[i], i);
	cr_assert_eq(b.epoch, 1506841200);
	cs_trace_free(&a);
	cs_trace_free(&b);
	th_unlink(gz);
}

Test(philly, a_job_whose_last_attempt_lists_no_machine_gets_one_node_and_one_gpu)
{
	cs_trace t;
	read_text(cs_philly_read,
		  "[{\"status\": \"Pass\", \"vc\": \"v\", \"jobid\": \"application_1_1\", \"user\": \"u\","
		  " \"submitted_time\": \"2017-10-01 00:00:00\", \"attempts\": ["
		  "{\"start_time\": \"2017-10-01 00:00:10\", \"end_time\": \"2017-10-01 00:00:20\","
		  " \"detail\": [{\"ip\": \"m1\", \"gpus\": [\"gpu0\", \"gpu1\"]}]},"
		  "{\"start_time\": \"2017-10-01 00:01:00\", \"end_time\": \"2017-10-01 00:03:00\", \"detail\": []}]}]",
		  &t);
	/* start: the first attempt's (10 s); run time: the last attempt's (120 s) */
	check_job(&t, 0, 1000001, 0, 10, 120, -1, 1, 1, CS_STATE_COMPLETED, 1);
	check_meta(&t, "jobs_size_defaulted", "1");
	check_meta(&t, "jobs_without_attempts", "0");
	check_meta(&t, "jobs_with_several_attempts", "1");
	cs_trace_free(&t);
}

Test(philly, native_round_trip_keeps_every_field_and_the_epoch)
{
	cs_trace a, b;
	read_ok(cs_philly_read, data("philly_small.json"), &a);
	round_trip(&a, &b, 0);
	cr_assert_eq(b.n, a.n);
	cr_assert_eq(b.epoch, 1506841200);
	for (size_t i = 0; i < a.n; i++) {
		const cs_jrec *x = &a.jobs[i], *y = &b.jobs[i];
		cr_assert_eq(x->id, y->id);
		cr_assert_eq(x->submit_s, y->submit_s);
		cr_assert_eq(x->start_s, y->start_s);
		cr_assert_eq(x->runtime_s, y->runtime_s);
		cr_assert_eq(x->time_limit_s, y->time_limit_s);
		cr_assert_eq(x->nodes, y->nodes);
		cr_assert_eq(x->gpus_per_node, y->gpus_per_node);
		cr_assert_eq(x->state, y->state);
		cr_assert_str_eq(cs_names_get(&a.projects, x->project), cs_names_get(&b.projects, y->project));
		cr_assert_str_eq(cs_names_get(&a.users, x->user), cs_names_get(&b.users, y->user));
	}
	check_meta(&b, "jobs_skipped_no_time", "1");
	cs_trace_free(&a);
	cs_trace_free(&b);
}

Test(philly, batsim_round_trip_keeps_submit_runtime_and_nodes)
{
	cs_trace a, b;
	read_ok(cs_philly_read, data("philly_small.json"), &a);
	round_trip(&a, &b, 1);
	same_jobs(&a, &b);
	check_meta(&b, "nb_res", "2");
	check_meta(&b, "jobs_without_delay_profile", "3");
	cs_trace_free(&a);
	cs_trace_free(&b);
}

#define PH_JOB(status, jobid, submit, attempts)                                                  \
	"{\"status\": \"" status "\", \"vc\": \"v\", \"jobid\": \"" jobid "\", \"user\": \"u\", "     \
	"\"submitted_time\": \"" submit "\", \"attempts\": " attempts "}"
#define PH_ATT "[{\"start_time\": \"2017-10-01 00:00:10\", \"end_time\": \"2017-10-01 00:00:20\", " \
	       "\"detail\": [{\"ip\": \"m1\", \"gpus\": [\"gpu0\"]}]}]"
#define PH_OK PH_JOB("Pass", "application_1_1", "2017-10-01 00:00:00", PH_ATT)

Test(philly, a_json_syntax_error_names_line_and_column)
{
	expect_error(cs_philly_read, "[\n" PH_OK ",\n" PH_OK "\n", -CS_EPARSE, ":4:0: ");
}

Test(philly, a_missing_field_is_an_error)
{
	expect_error(cs_philly_read,
		     "[" PH_OK ", {\"status\": \"Pass\", \"vc\": \"v\", \"jobid\": \"application_1_2\","
		     " \"submitted_time\": \"2017-10-01 00:00:00\", \"attempts\": []}]",
		     -CS_EPARSE, ": jobs[1] (id application_1_2): field user: missing");
	expect_error(cs_philly_read, "[{\"status\": \"Pass\"}]", -CS_EPARSE, ": jobs[0]: field jobid: missing");
	expect_error(cs_philly_read,
		     "[{\"status\": \"Pass\", \"vc\": \"v\", \"jobid\": \"application_1_2\", \"user\": \"u\", \"attempts\": []}]",
		     -CS_EPARSE, ": jobs[0] (id application_1_2): field submitted_time: missing");
	expect_error(cs_philly_read, "[" PH_JOB("Pass", "application_1_1", "2017-10-01 00:00:00",
						 "[{\"start_time\": null, \"detail\": [{\"gpus\": []}]}]") "]",
		     -CS_EPARSE, ": jobs[0] (id application_1_1): field attempts[0].detail[0].ip: missing");
	expect_error(cs_philly_read, "[" PH_JOB("Pass", "application_1_1", "2017-10-01 00:00:00",
						 "[{\"start_time\": null}]") "]",
		     -CS_EPARSE, ": jobs[0] (id application_1_1): field attempts[0].detail: missing");
}

Test(philly, a_field_of_the_wrong_type_is_an_error)
{
	expect_error(cs_philly_read, "[" PH_JOB("Pass", "application_1_1", "2017-10-01 00:00:00", "{}") "]",
		     -CS_EPARSE, ": jobs[0] (id application_1_1): field attempts: not an array");
	expect_error(cs_philly_read, "[" PH_JOB("Pass", "application_1_1", "2017-10-01 00:00:00",
						 "[{\"detail\": [{\"ip\": \"m1\", \"gpus\": [\"gpu0\", 1]}]}]") "]",
		     -CS_EPARSE, ": jobs[0] (id application_1_1): field attempts[0].detail[0].gpus: element 1 is not a string");
	expect_error(cs_philly_read, "[" PH_JOB("Pass", "application_1_1", "2017-10-01 00:00:00",
						 "[{\"detail\": [{\"ip\": \"m1\", \"gpus\": 4}]}]") "]",
		     -CS_EPARSE, ": jobs[0] (id application_1_1): field attempts[0].detail[0].gpus: not an array");
	expect_error(cs_philly_read, "[{\"jobid\": 17}]", -CS_EPARSE, ": jobs[0]: field jobid: not a string");
	expect_error(cs_philly_read, "[3]", -CS_EPARSE, ": jobs[0]: not an object");
	expect_error(cs_philly_read, "{\"jobs\": []}", -CS_EPARSE, ": not a Philly cluster_job_log: expected a JSON array of jobs");
}

Test(philly, a_bad_time_is_an_error)
{
	expect_error(cs_philly_read, "[" PH_JOB("Pass", "application_1_1", "2017-10-32 00:00:00", PH_ATT) "]",
		     -CS_EPARSE, ": jobs[0] (id application_1_1): field submitted_time: not a time \"YYYY-MM-DD HH:MM:SS\"");
	expect_error(cs_philly_read, "[" PH_JOB("Pass", "application_1_1", "2017-10-01 00:00:00",
						 "[{\"start_time\": \"2017-10-01\", \"detail\": []}]") "]",
		     -CS_EPARSE, ": jobs[0] (id application_1_1): field attempts[0].start_time: not a time");
	expect_error(cs_philly_read, "[" PH_JOB("Pass", "application_1_1", "2017-10-01 00:00:00",
						 "[{\"end_time\": 1506841200, \"detail\": []}]") "]",
		     -CS_EPARSE, ": jobs[0] (id application_1_1): field attempts[0].end_time: not a time");
}

Test(philly, an_unknown_status_is_an_error)
{
	expect_error(cs_philly_read, "[" PH_OK ", " PH_JOB("Running", "application_1_2", "2017-10-01 00:00:00", "[]") "]",
		     -CS_EPARSE, ": jobs[1] (id application_1_2): field status: unknown status \"Running\" (expected Pass, Killed or Failed)");
}

Test(philly, a_bad_or_duplicate_jobid_is_an_error)
{
	expect_error(cs_philly_read, "[" PH_JOB("Pass", "job_1_1", "2017-10-01 00:00:00", "[]") "]",
		     -CS_EPARSE, ": jobs[0] (id job_1_1): field jobid: not of the form application_<T>_<N>");
	expect_error(cs_philly_read, "[" PH_JOB("Pass", "application_1_1000000", "2017-10-01 00:00:00", "[]") "]",
		     -CS_EPARSE, "field jobid: not of the form");
	expect_error(cs_philly_read, "[" PH_JOB("Pass", "application_9000000000000_1", "2017-10-01 00:00:00", "[]") "]",
		     -CS_EPARSE, "field jobid: not of the form");
	expect_error(cs_philly_read, "[" PH_JOB("Pass", "application_1_", "2017-10-01 00:00:00", "[]") "]",
		     -CS_EPARSE, "field jobid: not of the form");
	expect_error(cs_philly_read, "[" PH_OK ", " PH_JOB("Pass", "application_1_2", "2017-10-01 00:00:00", "[]")
		     ", " PH_OK "]",
		     -CS_EPARSE, ": jobs[2] (id application_1_1): field jobid: duplicate of jobs[0]");
}

Test(philly, an_empty_log_or_one_without_times_is_an_error)
{
	expect_error(cs_philly_read, "[]", -CS_EPARSE, ": no jobs");
	expect_error(cs_philly_read, "[" PH_JOB("Pass", "application_1_1", "None", "[]") "]", -CS_EPARSE,
		     ": no job has a submission or start time");
}
