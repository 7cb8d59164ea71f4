/* GPU-cluster trace readers: SenseTime Helios cluster_log.csv and the
 * Alibaba PAI task table, record by record, every malformed case, and a
 * round trip through the native format. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "capsim/gputrace.h"
#include "capsim/native.h"
#include "helpers.h"

typedef int (*reader_fn)(cs_trace *, const char *, char *, size_t);

static char *data_path(const char *name)
{
	static char buf[2][1024];
	static int k;
	k ^= 1;
	snprintf(buf[k], sizeof buf[k], "%s/tests/data/gputrace/%s", th_root(), name);
	return buf[k];
}

static void read_ok(reader_fn rd, const char *path, cs_trace *t)
{
	char err[CS_ERRLEN] = "";
	cs_trace_init(t);
	int rc = rd(t, path, err, sizeof err);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, err);
}

typedef struct {
	int64_t id, submit, start, runtime;
	uint32_t nodes, gpus, cores;
	uint64_t mem_mib;
	const char *project, *user, *partition; /* "" for none */
	int state;
	uint32_t line;
} want;

static void check(const cs_trace *t, size_t i, want w)
{
	cr_assert_lt(i, t->n);
	const cs_jrec *r = &t->jobs[i];
	cr_assert_eq(r->id, w.id, "record %zu: id %lld, want %lld", i, (long long)r->id, (long long)w.id);
	cr_assert_eq(r->submit_s, w.submit, "id %lld: submit %lld, want %lld", (long long)w.id,
		     (long long)r->submit_s, (long long)w.submit);
	cr_assert_eq(r->start_s, w.start, "id %lld: start %lld, want %lld", (long long)w.id,
		     (long long)r->start_s, (long long)w.start);
	cr_assert_eq(r->runtime_s, w.runtime, "id %lld: runtime %lld, want %lld", (long long)w.id,
		     (long long)r->runtime_s, (long long)w.runtime);
	cr_assert_eq(r->time_limit_s, -1, "id %lld: no time limit in the trace", (long long)w.id);
	cr_assert_eq(r->nodes, w.nodes, "id %lld: nodes %u, want %u", (long long)w.id, r->nodes, w.nodes);
	cr_assert_eq(r->gpus_per_node, w.gpus, "id %lld: gpus %u, want %u", (long long)w.id, r->gpus_per_node, w.gpus);
	cr_assert_eq(r->cores_per_node, w.cores, "id %lld: cores %u, want %u", (long long)w.id, r->cores_per_node,
		     w.cores);
	cr_assert_eq(r->mem_per_node_mib, w.mem_mib, "id %lld: mem %llu, want %llu", (long long)w.id,
		     (unsigned long long)r->mem_per_node_mib, (unsigned long long)w.mem_mib);
	cr_assert_str_eq(cs_names_get(&t->projects, r->project), w.project, "id %lld", (long long)w.id);
	cr_assert_str_eq(cs_names_get(&t->users, r->user), w.user, "id %lld", (long long)w.id);
	cr_assert_str_eq(cs_names_get(&t->partitions, r->partition), w.partition, "id %lld", (long long)w.id);
	cr_assert_eq(r->qos, -1);
	cr_assert_eq(r->state, w.state, "id %lld: state %s, want %s", (long long)w.id, cs_state_names[r->state],
		     cs_state_names[w.state]);
	cr_assert_eq(r->line, w.line, "id %lld: line %u, want %u", (long long)w.id, r->line, w.line);
}

static void check_meta(const cs_trace *t, const char *key, const char *val)
{
	const char *v = cs_trace_meta_get(t, key);
	cr_assert_not_null(v, "no metadata %s", key);
	cr_assert_str_eq(v, val, "metadata %s", key);
}

/* Both traces hold the same records and names (and lines, if asked). */
static void same_records(const cs_trace *a, const cs_trace *b, int lines)
{
	cr_assert_eq(b->n, a->n);
	cr_assert_eq(b->epoch, a->epoch);
	for (size_t i = 0; i < a->n; i++) {
		const cs_jrec *x = &a->jobs[i], *y = &b->jobs[i];
		cr_assert_eq(y->id, x->id);
		cr_assert_eq(y->submit_s, x->submit_s);
		cr_assert_eq(y->start_s, x->start_s);
		cr_assert_eq(y->runtime_s, x->runtime_s);
		cr_assert_eq(y->time_limit_s, x->time_limit_s);
		cr_assert_eq(y->nodes, x->nodes);
		cr_assert_eq(y->gpus_per_node, x->gpus_per_node);
		cr_assert_eq(y->cores_per_node, x->cores_per_node);
		cr_assert_eq(y->mem_per_node_mib, x->mem_per_node_mib);
		cr_assert_eq(y->state, x->state);
		cr_assert_str_eq(cs_names_get(&b->projects, y->project), cs_names_get(&a->projects, x->project));
		cr_assert_str_eq(cs_names_get(&b->users, y->user), cs_names_get(&a->users, x->user));
		cr_assert_str_eq(cs_names_get(&b->qos, y->qos), cs_names_get(&a->qos, x->qos));
		cr_assert_str_eq(cs_names_get(&b->partitions, y->partition), cs_names_get(&a->partitions, x->partition));
		if (lines)
			cr_assert_eq(y->line, x->line);
	}
}

/* Write t in the native format, read it back, and compare everything but
 * the source line numbers. */
static void round_trip(const cs_trace *a)
{
	char path[] = "/tmp/capsim-test-XXXXXX.csv";
	int fd = mkstemps(path, 4);
	cr_assert(fd >= 0);
	FILE *f = fdopen(fd, "w");
	cr_assert_eq(cs_native_write(a, f), 0);
	fclose(f);
	cs_trace b;
	read_ok(cs_native_read, path, &b);
	same_records(a, &b, 0);
	cr_assert_eq(b.meta_keys.n, a->meta_keys.n);
	for (size_t i = 0; i < a->meta_keys.n; i++) {
		cr_assert_str_eq(b.meta_keys.v[i], a->meta_keys.v[i]);
		cr_assert_str_eq(b.meta_vals.v[i], a->meta_vals.v[i], "metadata %s", a->meta_keys.v[i]);
	}
	cs_trace_free(&b);
	remove(path);
}

/* rd on text must fail with -CS_EPARSE, a message starting with the path
 * and containing want, and leave the trace empty. */
static void expect_error(reader_fn rd, const char *text, const char *want_msg)
{
	char *p = th_write_tmp(text, ".csv");
	cs_trace t;
	cs_trace_init(&t);
	char err[CS_ERRLEN] = "";
	int rc = rd(&t, p, err, sizeof err);
	cr_assert_eq(rc, -CS_EPARSE, "rc %d, want %d (%s)", rc, -CS_EPARSE, err);
	cr_assert(strncmp(err, p, strlen(p)) == 0, "message should start with the path: %s", err);
	cr_assert(strstr(err, want_msg), "message '%s' should contain '%s'", err, want_msg);
	cr_assert_eq(t.n, 0);
	cr_assert_null(t.jobs);
	cr_assert_eq(t.meta_keys.n, 0);
	th_unlink(p);
}

/* ---------------- Helios ---------------- */

#define H_HEADER "job_id,user,vc,gpu_num,cpu_num,node_num,state,submit_time,start_time,end_time,duration,queue\n"
#define H_OK "7,u1,vc1,1,1,1,COMPLETED,2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-10 04:55:09,36848,0\n"

Test(helios, reads_every_record_as_worked_out_by_hand)
{
	/* Dates are UTC. The earliest submission, 2019-12-31 23:59:59 (line 11),
	 * is the epoch: 1970..2019 is 50 years with 12 leap days, 18262 days,
	 * so 18262 * 86400 - 1 = 1577836799. 2020-02-29 23:59:59 is 31 + 29
	 * days later: 5184000. 2020-06-09 is day 31+29+31+30+31+8 = 160 of
	 * 2020: 160 * 86400 + 18:41:01 (67261) + 1 = 13891262. */
	cs_trace t;
	read_ok(cs_helios_read, data_path("helios_cluster_log.csv"), &t);
	cr_assert_eq(t.n, 11);
	cr_assert_eq(t.epoch, 1577836799);
	const int64_t d0609 = 160 * 86400 + 1; /* 2020-06-09 00:00:00 from the epoch */
	/* id, submit, start, runtime, nodes, gpus/node, cores/node, mem, vc, user, -, state, line */
	check(&t, 0, (want){ 1001, d0609 + 67261, d0609 + 67261, 36848, 1, 1, 1, 0, "vc1", "uA", "",
			     CS_STATE_COMPLETED, 2 });
	check(&t, 1, (want){ 1002, d0609 + 67287, d0609 + 67380, 249, 1, 4, 16, 0, "vc2", "uB", "",
			     CS_STATE_FAILED, 3 });
	/* 16 GPUs and 64 CPUs on 2 nodes: 8 and 32 per node */
	check(&t, 2, (want){ 1003, d0609 + 86400, d0609 + 86400 + 3600, 86400, 2, 8, 32, 0, "vc1", "uA", "",
			     CS_STATE_TIMEOUT, 4 });
	/* 3 GPUs on 2 nodes: 2 per node (rounded up); 'T' in the start date */
	check(&t, 3, (want){ 1004, d0609 + 86400 + 43200, d0609 + 86400 + 43205, 600, 2, 2, 3, 0, "vc2", "uC",
			     "", CS_STATE_NODE_FAIL, 5 });
	check(&t, 4, (want){ 1005, d0609 + 2 * 86400 + 30600, d0609 + 2 * 86400 + 30600, 10, 1, 0, 8, 0, "vc3",
			     "uB", "", CS_STATE_COMPLETED, 6 });
	/* node_num 0: one node; no start_time: unknown */
	check(&t, 5, (want){ 1006, d0609 + 2 * 86400 + 32400, -1, 0, 1, 5, 7, 0, "vc3", "uC", "",
			     CS_STATE_CANCELLED, 7 });
	/* SUSPENDED: unknown */
	check(&t, 6, (want){ 1007, d0609 + 3 * 86400, d0609 + 3 * 86400 + 10, 60, 1, 2, 3, 0, "vc1", "uA", "",
			     CS_STATE_UNKNOWN, 8 });
	/* no vc: no project; duration None: unknown run time */
	check(&t, 7, (want){ 1008, d0609 + 3 * 86400 + 36000, d0609 + 3 * 86400 + 36000, -1, 1, 8, 32, 0, "",
			     "uD", "", CS_STATE_COMPLETED, 9 });
	/* across the leap day: 23:59:59 to 00:00:01 is 2 s */
	check(&t, 8, (want){ 1009, 5184000, 5184002, 1, 1, 1, 2, 0, "vc1", "uD", "", CS_STATE_CANCELLED, 10 });
	/* across the new year; 6 GPUs and 4 CPUs on 3 nodes: 2 and 2 (rounded up) */
	check(&t, 9, (want){ 1010, 0, 1, 3600, 3, 2, 2, 0, "vc2", "uE", "", CS_STATE_COMPLETED, 11 });
	check(&t, 10, (want){ 1011, d0609 + 4 * 86400, d0609 + 4 * 86400, 0, 7, 1, 1, 0, "vc2", "uE", "",
			      CS_STATE_FAILED, 12 });
	cr_assert_eq(t.projects.n, 3);
	cr_assert_eq(t.users.n, 5);
	cr_assert_eq(t.partitions.n, 0);
	check_meta(&t, "format", "helios");
	check_meta(&t, "epoch", "1577836799");
	check_meta(&t, "helios.nodes_defaulted", "1");
	check_meta(&t, "helios.gpus_rounded_up", "1");
	check_meta(&t, "helios.cores_rounded_up", "1");
	check_meta(&t, "helios.start_unknown", "1");
	check_meta(&t, "helios.runtime_unknown", "1");
	check_meta(&t, "helios.state_unknown", "1");
	check_meta(&t, "helios.ignored_columns", "jobname end_time queue");
	cr_assert_str_eq(cs_trace_meta_get(&t, "source"), data_path("helios_cluster_log.csv"));
	cs_trace_free(&t);
}

Test(helios, finds_columns_by_name_in_any_order)
{
	char *p = th_write_tmp("queue,end_time,duration,start_time,submit_time,state,node_num,cpu_num,gpu_num,vc,user,"
			       "job_id\n"
			       "5,2020-01-01 00:01:10,60,2020-01-01 00:00:10,2020-01-01 00:00:05,FAILED,2,10,4,vcX,uY,42\n",
			       ".csv");
	cs_trace t;
	read_ok(cs_helios_read, p, &t);
	cr_assert_eq(t.n, 1);
	cr_assert_eq(t.epoch, 1577836805); /* 2020-01-01 00:00:05 */
	check(&t, 0, (want){ 42, 0, 5, 60, 2, 2, 5, 0, "vcX", "uY", "", CS_STATE_FAILED, 2 });
	check_meta(&t, "helios.ignored_columns", "queue end_time");
	cs_trace_free(&t);
	th_unlink(p);
}

Test(helios, reads_gzip_the_same_as_plain)
{
	char gzpath[] = "/tmp/capsim-test-XXXXXX.csv.gz";
	int fd = mkstemps(gzpath, 7);
	cr_assert(fd >= 0);
	gzFile g = gzdopen(fd, "wb");
	size_t len;
	char *text = th_slurp(data_path("helios_cluster_log.csv"), &len);
	cr_assert_not_null(text);
	cr_assert_eq(gzwrite(g, text, (unsigned)len), (int)len);
	gzclose(g);
	free(text);
	cs_trace a, b;
	read_ok(cs_helios_read, data_path("helios_cluster_log.csv"), &a);
	read_ok(cs_helios_read, gzpath, &b);
	cr_assert_eq(b.n, 11);
	same_records(&a, &b, 1);
	cs_trace_free(&a);
	cs_trace_free(&b);
	remove(gzpath);
}

Test(helios, round_trips_through_the_native_format)
{
	cs_trace t;
	read_ok(cs_helios_read, data_path("helios_cluster_log.csv"), &t);
	round_trip(&t);
	cs_trace_free(&t);
}

Test(helios, a_missing_column_is_an_error)
{
	expect_error(cs_helios_read, "job_id,user,gpu_num,cpu_num,node_num,state,submit_time,start_time,duration\n",
		     ":1: header: column vc is missing");
}

Test(helios, a_column_named_twice_is_an_error)
{
	expect_error(cs_helios_read, "job_id,user,vc,vc,gpu_num,cpu_num,node_num,state,submit_time,start_time,duration\n",
		     ":1: header: column vc appears twice");
}

Test(helios, a_file_without_a_header_is_an_error)
{
	expect_error(cs_helios_read, "\n\n", ": no header line");
}

Test(helios, a_header_without_records_is_an_error)
{
	expect_error(cs_helios_read, H_HEADER, ": no job records after the header");
}

Test(helios, a_non_integer_count_is_an_error)
{
	expect_error(cs_helios_read, H_HEADER H_OK
		     "8,u1,vc1,1.5,1,1,COMPLETED,2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-10 04:55:09,36848,0\n",
		     ":3: column gpu_num: not an integer: \"1.5\"");
}

Test(helios, a_non_integer_job_id_is_an_error)
{
	expect_error(cs_helios_read, H_HEADER
		     "j8,u1,vc1,1,1,1,COMPLETED,2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-10 04:55:09,36848,0\n",
		     ":2: column job_id: not an integer: \"j8\"");
}

Test(helios, a_negative_count_is_an_error)
{
	expect_error(cs_helios_read, H_HEADER
		     "8,u1,vc1,1,-4,1,COMPLETED,2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-10 04:55:09,36848,0\n",
		     ":2: column cpu_num: negative: \"-4\"");
}

Test(helios, more_than_1024_gpus_per_node_is_an_error)
{
	expect_error(cs_helios_read, H_HEADER
		     "8,u1,vc1,2050,1,2,COMPLETED,2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-10 04:55:09,36848,0\n",
		     ":2: column gpu_num: more than 1024 GPUs per node: \"2050\" on 2 nodes");
}

Test(helios, a_month_out_of_range_is_an_error)
{
	expect_error(cs_helios_read, H_HEADER
		     "8,u1,vc1,1,1,1,COMPLETED,2020-13-09 18:41:01,2020-06-09 18:41:01,2020-06-10 04:55:09,36848,0\n",
		     ":2: column submit_time: not a date \"YYYY-MM-DD HH:MM:SS\" (1970..9999): \"2020-13-09 18:41:01\"");
}

Test(helios, a_day_past_the_end_of_the_month_is_an_error)
{
	/* 2021 is not a leap year */
	expect_error(cs_helios_read, H_HEADER
		     "8,u1,vc1,1,1,1,COMPLETED,2021-02-28 18:41:01,2021-02-29 18:41:01,2021-03-01 04:55:09,36848,0\n",
		     ":2: column start_time: not a date");
}

Test(helios, a_date_in_another_layout_is_an_error)
{
	expect_error(cs_helios_read, H_HEADER
		     "8,u1,vc1,1,1,1,COMPLETED,2020/06/09 18:41:01,2020-06-09 18:41:01,2020-06-10 04:55:09,36848,0\n",
		     ":2: column submit_time: not a date");
}

Test(helios, a_start_before_the_submission_is_an_error)
{
	expect_error(cs_helios_read, H_HEADER
		     "8,u1,vc1,1,1,1,COMPLETED,2020-06-09 18:41:01,2020-06-09 18:41:00,2020-06-10 04:55:09,36848,0\n",
		     ":2: column start_time: \"2020-06-09 18:41:00\" is before submit_time \"2020-06-09 18:41:01\"");
}

Test(helios, a_negative_duration_is_an_error)
{
	expect_error(cs_helios_read, H_HEADER
		     "8,u1,vc1,1,1,1,COMPLETED,2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-10 04:55:09,-5,0\n",
		     ":2: column duration: not a number of seconds >= 0, empty or None: \"-5\"");
}

Test(helios, an_unknown_state_is_an_error)
{
	expect_error(cs_helios_read, H_HEADER
		     "8,u1,vc1,1,1,1,EXPLODED,2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-10 04:55:09,36848,0\n",
		     ":2: column state: unknown state \"EXPLODED\"");
}

Test(helios, a_wrong_field_count_is_an_error)
{
	expect_error(cs_helios_read, H_HEADER H_OK
		     "8,u1,vc1,1,1,1,COMPLETED,2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-10 04:55:09,36848\n",
		     ":3: 11 fields, the header has 12");
}

/* ---------------- PAI ---------------- */

#define P_OK "4f05,tensorflow,1.0,Terminated,1739162.0,1739200.0,600.0,29.296875,50.0,MISC\n"

/* The published task table (pai_task_table.csv, no header), worked out by
 * hand. One record per task, id = data row number; the earliest start,
 * 1739050.4 -> 1739050 (row 4), is the epoch. */
static void check_pai_fixture(const cs_trace *t, uint32_t line0)
{
	cr_assert_eq(t->n, 9);
	cr_assert_eq(t->epoch, 1739050);
	/* id, submit, start, runtime, nodes, gpus/node, cores/node, mem MiB, -, -, gpu_type, state, line */
	/* 50% GPU: 1 (rounded up); 600% CPU: 6 cores; 29.296875 GiB = 30000 MiB */
	check(t, 0, (want){ 1, 112, -1, 38, 1, 1, 6, 30000, "", "", "MISC", CS_STATE_COMPLETED, line0 + 1 });
	/* a CPU-only parameter server, no gpu_type */
	check(t, 1, (want){ 2, 50, -1, 400, 1, 0, 6, 20480, "", "", "", CS_STATE_COMPLETED, line0 + 2 });
	check(t, 2, (want){ 3, 50, -1, 400, 2, 1, 4, 10240, "", "", "V100", CS_STATE_COMPLETED, line0 + 3 });
	/* 1739050.4 -> 1739050, 1739110.6 -> 1739111: 61 s; 60.5 GiB = 61952 MiB */
	check(t, 3, (want){ 4, 0, -1, 61, 8, 8, 8, 61952, "", "", "V100", CS_STATE_FAILED, line0 + 4 });
	/* Running, no end: unknown; 50% CPU -> 1 core, 25% GPU -> 1 */
	check(t, 4, (want){ 5, 250, -1, -1, 1, 1, 1, 512, "", "", "T4", CS_STATE_UNKNOWN, line0 + 5 });
	/* row 6 (Waiting, start None) is skipped; row 7 has no plan: unknowns */
	check(t, 5, (want){ 7, 350, -1, 0, 1, 0, 0, 0, "", "", "", CS_STATE_COMPLETED, line0 + 7 });
	/* no inst_num: 1; 1739500.5 -> 1739501 (halves up); 150% -> 2 cores;
	 * 0.1 GiB = 102.4 -> 103 MiB */
	check(t, 6, (want){ 8, 451, -1, 100, 1, 2, 2, 103, "", "", "P100", CS_STATE_FAILED, line0 + 8 });
	/* row 9 (start 0.0) is skipped; row 10 in integers */
	check(t, 7, (want){ 10, 550, -1, 100, 4, 4, 12, 65536, "", "", "T4", CS_STATE_COMPLETED, line0 + 10 });
	/* exponents: 1.7392e6 = 1739200 */
	check(t, 8, (want){ 11, 150, -1, 100, 1, 0, 2, 2048, "", "", "MISC", CS_STATE_COMPLETED, line0 + 11 });
	cr_assert_eq(t->projects.n, 0);
	cr_assert_eq(t->users.n, 0);
	cr_assert_eq(t->partitions.n, 4); /* MISC, V100, T4, P100 */
	check_meta(t, "format", "pai");
	check_meta(t, "epoch", "1739050");
	check_meta(t, "pai.jobs", "7"); /* rows 1 and 11, 2 and 3 share a job */
	check_meta(t, "pai.skipped_no_start", "2");
	check_meta(t, "pai.nodes_defaulted", "1");
	check_meta(t, "pai.runtime_unknown", "1");
	check_meta(t, "pai.state_unknown", "1");
	check_meta(t, "pai.gpus_unknown", "1");
	check_meta(t, "pai.gpus_rounded_up", "3");
	check_meta(t, "pai.cores_unknown", "1");
	check_meta(t, "pai.cores_rounded_up", "2");
	check_meta(t, "pai.mem_unknown", "1");
	check_meta(t, "pai.mem_rounded_up", "1");
}

Test(pai, reads_every_task_as_worked_out_by_hand)
{
	cs_trace t;
	read_ok(cs_pai_read, data_path("pai_task_table.csv"), &t);
	check_pai_fixture(&t, 0);
	cr_assert_str_eq(cs_trace_meta_get(&t, "source"), data_path("pai_task_table.csv"));
	cs_trace_free(&t);
}

Test(pai, a_header_row_gives_the_same_records)
{
	cs_trace t;
	read_ok(cs_pai_read, data_path("pai_task_table_header.csv"), &t);
	check_pai_fixture(&t, 1);
	cs_trace_free(&t);
}

Test(pai, header_columns_may_come_in_any_order)
{
	char *p = th_write_tmp("gpu_type,plan_gpu,plan_mem,plan_cpu,end_time,start_time,status,inst_num,task_name,job_name\n"
			       "T4,150.0,1.0,100.0,110.0,10.0,Terminated,3.0,worker,j1\n",
			       ".csv");
	cs_trace t;
	read_ok(cs_pai_read, p, &t);
	check(&t, 0, (want){ 1, 0, -1, 100, 3, 2, 1, 1024, "", "", "T4", CS_STATE_COMPLETED, 2 });
	check_meta(&t, "epoch", "10");
	check_meta(&t, "pai.gpus_rounded_up", "1");
	cs_trace_free(&t);
	th_unlink(p);
}

Test(pai, tasks_that_never_started_are_counted_not_read)
{
	char *p = th_write_tmp("j1,worker,1.0,Waiting,,,100.0,1.0,100.0,T4\nj2,worker,1.0,Waiting,0,0,100.0,1.0,100.0,T4\n",
			       ".csv");
	cs_trace t;
	read_ok(cs_pai_read, p, &t);
	cr_assert_eq(t.n, 0);
	cr_assert_eq(t.epoch, 0);
	check_meta(&t, "pai.skipped_no_start", "2");
	check_meta(&t, "pai.jobs", "0");
	cs_trace_free(&t);
	th_unlink(p);
}

Test(pai, round_trips_through_the_native_format)
{
	cs_trace t;
	read_ok(cs_pai_read, data_path("pai_task_table.csv"), &t);
	round_trip(&t);
	cs_trace_free(&t);
}

Test(pai, an_empty_file_is_an_error)
{
	expect_error(cs_pai_read, "\n", ": no task rows");
}

Test(pai, a_bad_number_is_an_error)
{
	expect_error(cs_pai_read, P_OK "j2,worker,1.0,Terminated,10.0,20.0,600.0,1.0,abc,T4\n",
		     ":2: column plan_gpu: not a number, empty or None: \"abc\"");
}

Test(pai, inf_and_hex_are_not_numbers)
{
	expect_error(cs_pai_read, "j2,worker,1.0,Terminated,inf,20.0,600.0,1.0,100,T4\n",
		     ":1: column start_time: not a number, empty or None: \"inf\"");
	expect_error(cs_pai_read, "j2,worker,1.0,Terminated,10.0,0x20,600.0,1.0,100,T4\n",
		     ":1: column end_time: not a number, empty or None: \"0x20\"");
}

Test(pai, a_negative_size_is_an_error)
{
	expect_error(cs_pai_read, "j2,worker,1.0,Terminated,10.0,20.0,-600.0,1.0,100,T4\n",
		     ":1: column plan_cpu: negative: \"-600.0\"");
}

Test(pai, a_fractional_instance_count_is_an_error)
{
	expect_error(cs_pai_read, "j2,worker,1.5,Terminated,10.0,20.0,600.0,1.0,100,T4\n",
		     ":1: column inst_num: not a whole instance count >= 1: \"1.5\"");
}

Test(pai, zero_instances_is_an_error)
{
	expect_error(cs_pai_read, "j2,worker,0,Terminated,10.0,20.0,600.0,1.0,100,T4\n",
		     ":1: column inst_num: not a whole instance count >= 1: \"0\"");
}

Test(pai, an_end_before_the_start_is_an_error)
{
	expect_error(cs_pai_read, "j2,worker,1,Terminated,30.0,20.0,600.0,1.0,100,T4\n",
		     ":1: column end_time: \"20.0\" is before start_time \"30.0\"");
}

Test(pai, an_unknown_status_is_an_error)
{
	expect_error(cs_pai_read, "j2,worker,1,Exploded,10.0,20.0,600.0,1.0,100,T4\n",
		     ":1: column status: unknown status \"Exploded\" (expected Terminated, Failed, Running or Waiting)");
}

Test(pai, a_missing_job_name_is_an_error)
{
	expect_error(cs_pai_read, "None,worker,1,Terminated,10.0,20.0,600.0,1.0,100,T4\n",
		     ":1: column job_name: missing");
}

Test(pai, a_wrong_field_count_is_an_error)
{
	expect_error(cs_pai_read, P_OK "j2,worker,1,Terminated,10.0,20.0,600.0,1.0,100\n",
		     ":2: 9 fields, expected 10 (job_name, task_name");
}

Test(pai, a_header_missing_a_column_is_an_error)
{
	expect_error(cs_pai_read, "job_name,task_name,inst_num,status,start_time,end_time,plan_cpu,plan_mem,gpu_type\n" P_OK,
		     ":1: header: column plan_gpu is missing");
}

Test(pai, a_header_with_an_unknown_column_is_an_error)
{
	expect_error(cs_pai_read, "job_name,task_name,inst_num,status,start_time,end_time,plan_cpu,plan_mem,plan_gpu,"
		     "gpu_type,user\n",
		     ":1: header: unknown column \"user\"");
}
