/* sacct reader: every record of a hand-written export, the documented
 * rules one by one, each kind of malformed input, and a native round trip. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "capsim/native.h"
#include "capsim/sacct.h"
#include "helpers.h"

static char *data_path(const char *name)
{
	static char b[4096];
	snprintf(b, sizeof b, "%s/tests/data/sacct/%s", th_root(), name);
	return b;
}

static void read_ok(cs_trace *t, const char *path)
{
	char err[CS_ERRLEN] = "";
	cs_trace_init(t);
	int rc = cs_sacct_read(t, path, err, sizeof err);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, err);
}

static void read_text_ok(cs_trace *t, const char *text)
{
	char *p = th_write_tmp(text, ".sacct");
	read_ok(t, p);
	th_unlink(p);
}

typedef struct wrec {
	int64_t id;
	cs_time submit, start, runtime, limit;
	uint32_t nodes, gpus, cores;
	uint64_t mem;
	const char *project, *user, *qos, *partition;
	int state;
	uint32_t line;
} wrec;

/* tests/data/sacct/jobs.sacct, worked out by hand. The earliest submit is
 * job 1002's 10:10:00+01:00 = 09:10:00Z = 1709284200 (the epoch); every
 * other time counts from it (10:00:00Z -> 3000). */
static const wrec jobs_sacct[] = {
	/* AllocTRES (started): 8 GPUs, 16 CPUs, 128G over 2 nodes */
	{ 1001, 3000, 3300, 7200, 86400, 2, 4, 8, 65536, "proj_a", "alice", "normal", "gpu",
	  CS_STATE_COMPLETED, 2 },
	/* +01:00 offset; limit 30:00 is MM:SS; no TRES mem: ReqMem 4000Mc x 4 CPUs */
	{ 1002, 0, 1200, 90, 1800, 1, 0, 4, 16000, "proj_b", "bob", "low", "cpu", CS_STATE_FAILED, 6 },
	/* 1003_1: -05:00 offset; limit 2-12 is DD-HH; typed GPUs only: v100 2 + t4 1 */
	{ CS_SACCT_ARRAY_BASE + 1003 * CS_SACCT_SLOT + 1, 28200, 28800, 3600, 216000, 1, 3, 8, 32768,
	  "proj_a", "carol", "normal", "gpu", CS_STATE_TIMEOUT, 7 },
	/* 1003_[2-5%2]: pending range, one record with the first index; ReqTRES */
	{ CS_SACCT_ARRAY_BASE + 1003 * CS_SACCT_SLOT + 2, 28200, -1, -1, 217800, 1, 2, 8, 32768,
	  "proj_a", "carol", "normal", "gpu", CS_STATE_UNKNOWN, 9 },
	/* 1004+0: het component; NNodes 2-4 -> 2; 93.75G = 96000 MiB over 2 nodes */
	{ CS_SACCT_HET_BASE + 1004 * CS_SACCT_SLOT + 0, 600, 605, 1800, -1, 2, 0, 24, 48000, "proj_c",
	  "dave", "high", "cpu", CS_STATE_CANCELLED, 10 },
	/* 1004+1: never started (None); ReqTRES mem 1.5G */
	{ CS_SACCT_HET_BASE + 1004 * CS_SACCT_SLOT + 1, 600, -1, -1, -1, 1, 1, 2, 1536, "proj_c", "dave",
	  "high", "gpu", CS_STATE_CANCELLED, 12 },
	/* running: no run time yet; limit 15 is minutes; the partition list
	 * "cpu,gpu" is kept whole (the job's set of partitions) */
	{ 1005, 13800, 13800, -1, 900, 1, 0, 1, 100, "", "erin", "", "cpu,gpu", CS_STATE_UNKNOWN, 13 },
	/* ReqMem 2048Mn is per node */
	{ 1006, 17400, 17430, 60, 300, 1, 1, 2, 2048, "proj_a", "alice", "normal", "gpu",
	  CS_STATE_OUT_OF_MEMORY, 14 },
	/* 10 CPUs over 3 nodes: ceil -> 4 */
	{ 1007, 21000, 21000, 0, 3600, 3, 0, 4, 0, "proj_b", "bob", "low", "cpu", CS_STATE_FAILED, 15 },
	{ 1008, 24600, -1, -1, -1, 1, 1, 1, 0, "proj_a", "carol", "normal", "gpu", CS_STATE_FAILED, 16 },
	/* no TRES, NCPUS empty: ReqCPUS 6 */
	{ 1009, 26400, 26460, 3600, 3600, 1, 0, 6, 0, "proj_b", "erin", "low", "cpu",
	  CS_STATE_PREEMPTED, 17 },
	/* Elapsed empty: End - Start; NCPUS 8 over 2 nodes; ReqMem 10G (the job's total) over 2 */
	{ 1010, 27000, 27000, 300, 3600, 2, 0, 4, 5120, "proj_b", "bob", "low", "cpu",
	  CS_STATE_NODE_FAIL, 18 },
};
#define NJOBS (sizeof jobs_sacct / sizeof *jobs_sacct)

static void check_record(const cs_trace *t, size_t i, const wrec *w, int check_line)
{
	const cs_jrec *r = &t->jobs[i];
	cr_assert_eq(r->id, w->id, "record %zu: id %lld, want %lld", i, (long long)r->id, (long long)w->id);
	cr_assert_eq(r->submit_s, w->submit, "job %lld: submit %lld", (long long)w->id, (long long)r->submit_s);
	cr_assert_eq(r->start_s, w->start, "job %lld: start %lld", (long long)w->id, (long long)r->start_s);
	cr_assert_eq(r->runtime_s, w->runtime, "job %lld: runtime %lld", (long long)w->id, (long long)r->runtime_s);
	cr_assert_eq(r->time_limit_s, w->limit, "job %lld: limit %lld", (long long)w->id, (long long)r->time_limit_s);
	cr_assert_eq(r->nodes, w->nodes, "job %lld: nodes %u", (long long)w->id, r->nodes);
	cr_assert_eq(r->gpus_per_node, w->gpus, "job %lld: gpus %u", (long long)w->id, r->gpus_per_node);
	cr_assert_eq(r->cores_per_node, w->cores, "job %lld: cores %u", (long long)w->id, r->cores_per_node);
	cr_assert_eq(r->mem_per_node_mib, w->mem, "job %lld: mem %llu", (long long)w->id,
		     (unsigned long long)r->mem_per_node_mib);
	cr_assert_str_eq(cs_names_get(&t->projects, r->project), w->project, "job %lld", (long long)w->id);
	cr_assert_str_eq(cs_names_get(&t->users, r->user), w->user, "job %lld", (long long)w->id);
	cr_assert_str_eq(cs_names_get(&t->qos, r->qos), w->qos, "job %lld", (long long)w->id);
	cr_assert_str_eq(cs_names_get(&t->partitions, r->partition), w->partition, "job %lld", (long long)w->id);
	cr_assert_eq(r->state, w->state, "job %lld: state %s", (long long)w->id, cs_state_names[r->state]);
	if (!*w->project)
		cr_assert_eq(r->project, -1);
	if (!*w->qos)
		cr_assert_eq(r->qos, -1);
	if (check_line)
		cr_assert_eq(r->line, w->line, "job %lld: line %u", (long long)w->id, r->line);
}

static void check_jobs_sacct(const cs_trace *t)
{
	cr_assert_eq(t->n, NJOBS);
	for (size_t i = 0; i < NJOBS; i++)
		check_record(t, i, &jobs_sacct[i], 1);
	cr_assert_eq(t->epoch, 1709284200);
	cr_assert_str_eq(cs_trace_meta_get(t, "skipped_steps"), "5");
	cr_assert_str_eq(cs_trace_meta_get(t, "epoch"), "1709284200");
	cr_assert_str_eq(cs_trace_meta_get(t, "multi_partition_jobs"), "1");
	cr_assert_eq(t->projects.n, 3);
	cr_assert_eq(t->users.n, 5);
}

Test(sacct, reads_every_record_of_a_hand_written_export)
{
	cs_trace t;
	read_ok(&t, data_path("jobs.sacct"));
	check_jobs_sacct(&t);
	cr_assert_str_eq(cs_trace_meta_get(&t, "source"), data_path("jobs.sacct"));
	cs_trace_free(&t);
}

Test(sacct, reads_gzip_the_same_as_plain)
{
	size_t len;
	char *text = th_slurp(data_path("jobs.sacct"), &len);
	cr_assert_not_null(text);
	char gzpath[] = "/tmp/capsim-test-XXXXXX.sacct.gz";
	int fd = mkstemps(gzpath, 9);
	cr_assert(fd >= 0);
	gzFile g = gzdopen(fd, "wb");
	cr_assert_eq(gzwrite(g, text, (unsigned)len), (int)len);
	gzclose(g);
	free(text);
	cs_trace t;
	read_ok(&t, gzpath);
	check_jobs_sacct(&t);
	cs_trace_free(&t);
	remove(gzpath);
}

Test(sacct, round_trips_through_the_native_format)
{
	cs_trace a, b;
	read_ok(&a, data_path("jobs.sacct"));
	char *p = th_write_tmp("", ".csv");
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f);
	cr_assert_eq(cs_native_write(&a, f), 0);
	fclose(f);
	char err[CS_ERRLEN] = "";
	cs_trace_init(&b);
	cr_assert_eq(cs_native_read(&b, p, err, sizeof err), 0, "%s", err);
	cr_assert_eq(b.epoch, a.epoch);
	cr_assert_str_eq(cs_trace_meta_get(&b, "skipped_steps"), "5");
	cr_assert_eq(b.n, NJOBS);
	for (size_t i = 0; i < NJOBS; i++)
		check_record(&b, i, &jobs_sacct[i], 0); /* lines are the CSV's now */
	cs_trace_free(&a);
	cs_trace_free(&b);
	th_unlink(p);
}

/* --- single rules, on small inline files --- */

#define H "JobID|Submit|State|NNodes|Elapsed|Timelimit|AllocTRES\n"

Test(sacct, columns_in_any_order_extra_ones_ignored_and_parsable_trailing_bar)
{
	cs_trace t;
	read_text_ok(&t, "Extra|nnodes|STATE|Elapsed|submit|jobid|\n"
			 "x|3|COMPLETED|1-02:03:04|1970-01-02T00:00:00|7|\n");
	cr_assert_eq(t.n, 1);
	cr_assert_eq(t.jobs[0].id, 7);
	cr_assert_eq(t.jobs[0].nodes, 3);
	cr_assert_eq(t.jobs[0].runtime_s, 93784); /* 1 day 2 h 3 min 4 s */
	cr_assert_eq(t.jobs[0].start_s, -1);      /* no Start column */
	cr_assert_eq(t.epoch, 86400);
	cr_assert_eq(t.jobs[0].time_limit_s, -1);
	cr_assert_eq(t.jobs[0].gpus_per_node, 0);
	cr_assert_eq(t.jobs[0].cores_per_node, 0);
	cr_assert_eq(t.jobs[0].project, -1);
	cs_trace_free(&t);
}

Test(sacct, time_limit_forms)
{
	/* MM, MM:SS, HH:MM:SS, DD-HH, DD-HH:MM, DD-HH:MM:SS, 0 (no limit), UNLIMITED */
	cs_trace t;
	read_text_ok(&t, H "1|2024-01-01T00:00:00|COMPLETED|1|0:1|90|\n"
			   "2|2024-01-01T00:00:00|COMPLETED|1|0:1|90:30|\n"
			   "3|2024-01-01T00:00:00|COMPLETED|1|0:1|36:00:01|\n"
			   "4|2024-01-01T00:00:00|COMPLETED|1|0:1|3-04|\n"
			   "5|2024-01-01T00:00:00|COMPLETED|1|0:1|3-04:05|\n"
			   "6|2024-01-01T00:00:00|COMPLETED|1|0:1|3-04:05:06|\n"
			   "7|2024-01-01T00:00:00|COMPLETED|1|0:1|0|\n"
			   "8|2024-01-01T00:00:00|COMPLETED|1|0:1|UNLIMITED|\n");
	const cs_time want[] = { 5400, 5430, 129601, 273600, 273900, 273906, -1, -1 };
	cr_assert_eq(t.n, 8);
	for (size_t i = 0; i < 8; i++)
		cr_assert_eq(t.jobs[i].time_limit_s, want[i], "job %zu: %lld", i + 1,
			     (long long)t.jobs[i].time_limit_s);
	cr_assert_eq(t.jobs[0].runtime_s, 1); /* Elapsed 0:1 is MM:SS */
	cs_trace_free(&t);
}

Test(sacct, times_are_utc_without_a_zone_and_need_no_tz)
{
	/* leap day, a zone at the day boundary, and "Z" */
	setenv("TZ", "America/New_York", 1);
	cs_trace t;
	read_text_ok(&t, "JobID|Submit|Start|End|State|NNodes\n"
			 "1|2000-02-29T23:59:59|2000-03-01T00:00:00+00:00|2000-03-01T01:00:01+01:00|COMPLETED|1\n"
			 "2|2000-03-01T00:00:00-01:00|2000-03-01T01:00:00Z|2000-03-01T01:00:00Z|COMPLETED|1\n");
	unsetenv("TZ");
	cr_assert_eq(t.epoch, 951868799);
	cr_assert_eq(t.jobs[0].start_s, 1);
	cr_assert_eq(t.jobs[0].runtime_s, 1); /* End - Start, no Elapsed column */
	cr_assert_eq(t.jobs[1].submit_s, 3601);
	cr_assert_eq(t.jobs[1].runtime_s, 0);
	cs_trace_free(&t);
}

Test(sacct, alloc_tres_for_started_jobs_req_tres_otherwise)
{
	cs_trace t;
	read_text_ok(&t, "JobID|Submit|Start|Elapsed|State|NNodes|ReqTRES|AllocTRES\n"
			 "1|2024-01-01T00:00:00|2024-01-01T00:00:00|0:1|COMPLETED|1|cpu=2|cpu=4\n"
			 "2|2024-01-01T00:00:00|Unknown|0:0|CANCELLED|1|cpu=2|cpu=4\n"
			 "3|2024-01-01T00:00:00|2024-01-01T00:00:00|0:1|COMPLETED|1|cpu=2|\n"
			 /* pending: sacct may print an expected start; the job has not started */
			 "4|2024-01-01T00:00:00|2024-01-01T05:00:00|0:0|PENDING|1|cpu=2|cpu=4\n");
	cr_assert_eq(t.jobs[0].cores_per_node, 4);
	cr_assert_eq(t.jobs[1].cores_per_node, 2);
	cr_assert_eq(t.jobs[2].cores_per_node, 2);
	cr_assert_eq(t.jobs[3].cores_per_node, 2);
	cr_assert_eq(t.jobs[3].start_s, -1);
	cr_assert_eq(t.jobs[3].runtime_s, -1);
	cs_trace_free(&t);
}

Test(sacct, gpus_memory_units_and_per_node_rounding)
{
	cs_trace t;
	read_text_ok(&t, H "1|2024-01-01T00:00:00|COMPLETED|3|0:1|1|gres/gpu:a=3,gres/gpu:b=2,mem=1T\n"
			   "2|2024-01-01T00:00:00|COMPLETED|2|0:1|1|gres/gpu=3,gres/gpu:a=8,mem=1025K\n"
			   "3|2024-01-01T00:00:00|COMPLETED|1|0:1|1|mem=2P,cpu=0,gres/gpu=0\n"
			   "4|2024-01-01T00:00:00|COMPLETED|1|0:1|1|mem=1000,energy=5,fs/disk=100,license/x=1\n");
	/* typed only: 5 over 3 nodes -> 2; 1T = 1048576 MiB over 3 -> 349526 */
	cr_assert_eq(t.jobs[0].gpus_per_node, 2);
	cr_assert_eq(t.jobs[0].mem_per_node_mib, 349526);
	/* the untyped total wins; 1025K -> 2 MiB (rounded up) over 2 -> 1 */
	cr_assert_eq(t.jobs[1].gpus_per_node, 2);
	cr_assert_eq(t.jobs[1].mem_per_node_mib, 1);
	cr_assert_eq(t.jobs[2].mem_per_node_mib, 2147483648ULL);
	cr_assert_eq(t.jobs[2].cores_per_node, 0);
	cr_assert_eq(t.jobs[3].mem_per_node_mib, 1000); /* no suffix: M */
	cs_trace_free(&t);
}

Test(sacct, array_and_het_ids_do_not_collide_with_plain_ids)
{
	cs_trace t;
	read_text_ok(&t, "JobID|Submit|State|NNodes|Elapsed\n"
			 "10000001|2024-01-01T00:00:00|COMPLETED|1|0:1\n"
			 "1_1|2024-01-01T00:00:00|COMPLETED|1|0:1\n"
			 "1+1|2024-01-01T00:00:00|COMPLETED|1|0:1\n"
			 "4294967295_4000000|2024-01-01T00:00:00|COMPLETED|1|0:1\n"
			 "1_[2-3]|2024-01-02T00:00:00|PENDING|1|0:0\n"
			 "1.batch|2024-01-01T00:00:00|COMPLETED|1|0:1\n");
	cr_assert_eq(t.n, 5);
	cr_assert_eq(t.jobs[0].id, 10000001);
	cr_assert_eq(t.jobs[1].id, 100000000010000001LL);
	cr_assert_eq(t.jobs[2].id, 200000000010000001LL);
	cr_assert_eq(t.jobs[3].id, 142949672954000000LL); /* the largest: 10^17 + (2^32 - 1) * 10^7 + 4000000 */
	cr_assert_eq(t.jobs[4].id, 100000000010000002LL);
	cr_assert_eq(t.jobs[4].start_s, -1);
	cr_assert_eq(t.jobs[4].runtime_s, -1); /* pending: Elapsed 0:0 is not a run */
	cr_assert_str_eq(cs_trace_meta_get(&t, "skipped_steps"), "1");
	cs_trace_free(&t);
}

Test(sacct, header_only_is_an_empty_trace)
{
	cs_trace t;
	read_text_ok(&t, "\n" H "\n");
	cr_assert_eq(t.n, 0);
	cr_assert_eq(t.epoch, 0);
	cr_assert_str_eq(cs_trace_meta_get(&t, "skipped_steps"), "0");
	cs_trace_free(&t);
}

/* --- malformed input: FILE:LINE: column NAME: reason, -CS_EPARSE, t left empty --- */

static void expect_err(const char *text, const char *want)
{
	char *p = th_write_tmp(text, ".sacct");
	cs_trace t;
	cs_trace_init(&t);
	char err[CS_ERRLEN] = "";
	int rc = cs_sacct_read(&t, p, err, sizeof err);
	cr_assert_eq(rc, -CS_EPARSE, "rc %d (%s) for:\n%s", rc, err, text);
	cr_assert(strncmp(err, p, strlen(p)) == 0, "message should start with the path: %s", err);
	cr_assert(strstr(err, want), "message '%s' should contain '%s'", err, want);
	cr_assert_eq(t.n, 0);
	cr_assert_null(t.jobs);
	cr_assert_null(cs_trace_meta_get(&t, "source"));
	th_unlink(p);
}

#define OK1 "1|2024-01-01T00:00:00|COMPLETED|1|0:1|1|cpu=1\n"

Test(sacct, missing_required_columns)
{
	expect_err("JobID|Submit|State|Elapsed\n" "1|2024-01-01T00:00:00|COMPLETED|0:1\n",
		   ":1: column NNodes: missing from the header");
	expect_err("JobID|State|NNodes|Elapsed\n", ":1: column Submit: missing from the header");
	expect_err("JobID|Submit|State|NNodes|Start\n", ":1: column End: missing from the header");
	expect_err("JobID|Submit|State|NNodes|End\n", ":1: column Start: missing from the header");
	expect_err("JobID|Submit|State|NNodes|Elapsed|jobid\n", ":1: column JobID: appears twice");
}

Test(sacct, empty_file_or_no_header)
{
	expect_err("", ": empty file: no header line");
	expect_err("\n\n", ": empty file: no header line");
}

Test(sacct, wrong_field_count)
{
	expect_err(H OK1 "2|2024-01-01T00:00:00|COMPLETED|1|0:1|1\n", ":3: 6 fields, the header has 7");
	expect_err(H "2|2024-01-01T00:00:00|COMPLETED|1|0:1|1|cpu=1|x\n",
		   ":2: more than 7 fields, the header has 7");
}

Test(sacct, bad_times)
{
	expect_err(H "1|2024-02-30T00:00:00|COMPLETED|1|0:1|1|\n", ":2: column Submit: \"2024-02-30T00:00:00\"");
	expect_err(H "1|2024-01-01 00:00:00|COMPLETED|1|0:1|1|\n", ":2: column Submit:");
	expect_err(H "1|2024-01-01T24:00:00|COMPLETED|1|0:1|1|\n", ":2: column Submit:");
	expect_err(H "1|2024-01-01T00:00:00+1:00|COMPLETED|1|0:1|1|\n", ":2: column Submit:");
	expect_err(H "1|2024-01-01T00:00:00Zx|COMPLETED|1|0:1|1|\n", ":2: column Submit:");
	expect_err(H "1|1970-01-01T00:00:00+01:00|COMPLETED|1|0:1|1|\n", "after 1970");
	expect_err(H "1|Unknown|COMPLETED|1|0:1|1|\n", ":2: column Submit: no submit time");
	expect_err("JobID|Submit|Start|End|State|NNodes\n"
		   "1|2024-01-01T00:00:00|2024-01-01T01:00|2024-01-01T02:00:00|COMPLETED|1\n",
		   ":2: column Start: \"2024-01-01T01:00\" is not a time");
	expect_err("JobID|Submit|Start|End|State|NNodes\n"
		   "1|2024-01-01T00:00:00|2023-12-31T23:59:59|2024-01-01T02:00:00|COMPLETED|1\n",
		   ":2: column Start: \"2023-12-31T23:59:59\" is before the Submit time");
	expect_err("JobID|Submit|Start|End|State|NNodes\n"
		   "1|2024-01-01T00:00:00|2024-01-01T01:00:00|2024-01-01T00:59:59|COMPLETED|1\n",
		   ":2: column End: \"2024-01-01T00:59:59\" is before the Start time");
}

Test(sacct, bad_elapsed_and_time_limit)
{
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|1|90|1|\n", ":2: column Elapsed: \"90\" is not a duration");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|1|01:60:00|1|\n", ":2: column Elapsed:");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|1|1:2:3:4|1|\n", ":2: column Elapsed:");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|1|1-24:00:00|1|\n", ":2: column Elapsed:");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|1|00:01:00.5|1|\n", ":2: column Elapsed:");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|1|-00:01:00|1|\n", ":2: column Elapsed:");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|1|0:1|1h|\n", ":2: column Timelimit: \"1h\"");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|1|0:1|1-|\n", ":2: column Timelimit:");
}

Test(sacct, bad_node_counts)
{
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|-2|0:1|1|\n", ":2: column NNodes: \"-2\" is not a node count");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|two|0:1|1|\n", ":2: column NNodes: \"two\"");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|0|0:1|1|\n", ":2: column NNodes: \"0\"");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|4-2|0:1|1|\n", ":2: column NNodes: \"4-2\"");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED||0:1|1|\n", ":2: column NNodes: \"\"");
}

Test(sacct, bad_tres_entries)
{
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|1|0:1|1|cpu=8,gpu\n",
		   ":2: column AllocTRES: entry \"gpu\" is not name=value");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|1|0:1|1|cpu=8,,mem=1G\n",
		   ":2: column AllocTRES: entry \"\" is not name=value");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|1|0:1|1|cpu=x\n", ":2: column AllocTRES: cpu: \"x\" is not a count");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|1|0:1|1|gres/gpu:a100=-1\n",
		   ":2: column AllocTRES: gres/gpu:a100: \"-1\" is not a count");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|1|0:1|1|mem=12Q\n", ":2: column AllocTRES: mem: \"12Q\"");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|1|0:1|1|=4\n", ":2: column AllocTRES: entry \"=4\"");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED|1|0:1|1|gres/gpu=2000\n",
		   ":2: column AllocTRES: 2000 GPUs on 1 nodes: more than 1024 per node");
	expect_err("JobID|Submit|State|NNodes|Elapsed|ReqTRES\n"
		   "1|2024-01-01T00:00:00|COMPLETED|1|0:1|node=\n", ":2: column ReqTRES: entry \"node=\"");
}

Test(sacct, bad_memory_and_cpu_columns)
{
	expect_err("JobID|Submit|State|NNodes|Elapsed|ReqMem\n"
		   "1|2024-01-01T00:00:00|COMPLETED|1|0:1|4000Mc\n",
		   ":2: column ReqMem: \"4000Mc\" is per CPU but the CPU count is unknown");
	expect_err("JobID|Submit|State|NNodes|Elapsed|ReqMem\n"
		   "1|2024-01-01T00:00:00|COMPLETED|1|0:1|lots\n", ":2: column ReqMem: \"lots\" is not a size");
	expect_err("JobID|Submit|State|NNodes|Elapsed|NCPUS\n"
		   "1|2024-01-01T00:00:00|COMPLETED|1|0:1|4.5\n", ":2: column NCPUS: \"4.5\" is not a count");
}

Test(sacct, unknown_states)
{
	expect_err(H "1|2024-01-01T00:00:00|DONE|1|0:1|1|\n", ":2: column State: unknown state \"DONE\"");
	expect_err(H "1|2024-01-01T00:00:00|COMPLETED by 5|1|0:1|1|\n",
		   ":2: column State: unknown state \"COMPLETED by 5\"");
	expect_err(H "1|2024-01-01T00:00:00|CANCELLED by|1|0:1|1|\n", ":2: column State: unknown state");
	expect_err(H "1|2024-01-01T00:00:00||1|0:1|1|\n", ":2: column State: unknown state \"\"");
}

Test(sacct, bad_job_ids)
{
	expect_err(H "abc|2024-01-01T00:00:00|COMPLETED|1|0:1|1|\n", ":2: column JobID: \"abc\" is not a job id");
	expect_err(H "0|2024-01-01T00:00:00|COMPLETED|1|0:1|1|\n", ":2: column JobID: \"0\"");
	expect_err(H "12_x|2024-01-01T00:00:00|COMPLETED|1|0:1|1|\n", ":2: column JobID: \"12_x\"");
	expect_err(H "12_|2024-01-01T00:00:00|COMPLETED|1|0:1|1|\n", ":2: column JobID: \"12_\"");
	expect_err(H "12_[3-4|2024-01-01T00:00:00|COMPLETED|1|0:1|1|\n", ":2: column JobID:");
	expect_err(H "12_10000000|2024-01-01T00:00:00|COMPLETED|1|0:1|1|\n", ":2: column JobID:");
	expect_err(H "4294967296|2024-01-01T00:00:00|COMPLETED|1|0:1|1|\n", ":2: column JobID:");
	expect_err(H "12.|2024-01-01T00:00:00|COMPLETED|1|0:1|1|\n", ":2: column JobID: \"12.\"");
	expect_err(H "x.batch|2024-01-01T00:00:00|COMPLETED|1|0:1|1|\n", ":2: column JobID: \"x.batch\"");
}

Test(sacct, a_repeated_job_id_is_an_error)
{
	/* sacct -D prints each run of a requeued job under one JobID */
	expect_err(H OK1 "2|2024-01-01T00:00:00|COMPLETED|1|0:1|1|\n" OK1,
		   ":4: column JobID: job id 1 again (first on line 2");
	expect_err(H "5_1|2024-01-01T00:00:00|COMPLETED|1|0:1|1|\n"
		     "5_[1-3]|2024-01-01T00:00:00|PENDING|1|0:0|1|\n",
		   ":3: column JobID: job id 100000000050000001 again (first on line 2");
}

Test(sacct, a_name_with_a_comma_is_an_error_outside_partition)
{
	expect_err("JobID|Submit|State|NNodes|Elapsed|Account\n"
		   "1|2024-01-01T00:00:00|COMPLETED|1|0:1|a,b\n", ":2: column Account: \"a,b\" contains ','");
}

Test(sacct, a_partition_list_with_an_empty_name_is_an_error)
{
	expect_err("JobID|Submit|State|NNodes|Elapsed|Partition\n"
		   "1|2024-01-01T00:00:00|COMPLETED|1|0:1|a,,b\n",
		   ":2: column Partition: \"a,,b\" has an empty name in its list");
	expect_err("JobID|Submit|State|NNodes|Elapsed|Partition\n"
		   "1|2024-01-01T00:00:00|COMPLETED|1|0:1|a,\n",
		   ":2: column Partition: \"a,\" has an empty name in its list");
}

Test(sacct, a_missing_file_is_an_io_error)
{
	cs_trace t;
	cs_trace_init(&t);
	char err[CS_ERRLEN];
	cr_assert_eq(cs_sacct_read(&t, "/nonexistent/x.sacct", err, sizeof err), -CS_EIO);
	cr_assert_str_eq(err, "/nonexistent/x.sacct: cannot open: No such file or directory");
}
