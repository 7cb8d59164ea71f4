/* The job-record table and capsim's native CSV format (sim/trace.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "capsim/format.h"
#include "capsim/lines.h"
#include "capsim/native.h"
#include "capsim/trace.h"
#include "helpers.h"

#define HDR "id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,runtime,qos,partition,state\n"

static int read_text(const char *text, cs_trace *t, char *err)
{
	char *p = th_write_tmp(text, ".csv");
	cs_trace_init(t);
	int rc = cs_native_read(t, p, err, CS_ERRLEN);
	th_unlink(p);
	return rc;
}

Test(trace, native_reads_every_column_and_metadata)
{
	cs_trace t;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(read_text("# generator: capsim\n# epoch: 1700000000\n"
			       "state,id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,"
			       "time_limit,runtime,qos,partition,start\n"
			       "completed,7,p1,alice,10,2,8,64,1048576,3600,1200,normal,h100,15\r\n"
			       "\n"
			       "TIMEOUT,8,,bob,20,1,0,4,0,-1,-1,,,-1\n",
			       &t, err), 0, "%s", err);
	cr_assert_eq(t.n, 2);
	cr_assert_eq(t.epoch, 1700000000);
	cr_assert_str_eq(cs_trace_meta_get(&t, "generator"), "capsim");
	const cs_jrec *a = &t.jobs[0], *b = &t.jobs[1];
	cr_assert_eq(a->id, 7);
	cr_assert_eq(a->submit_s, 10);
	cr_assert_eq(a->start_s, 15);
	cr_assert_eq(a->nodes, 2);
	cr_assert_eq(a->gpus_per_node, 8);
	cr_assert_eq(a->cores_per_node, 64);
	cr_assert_eq(a->mem_per_node_mib, 1048576);
	cr_assert_eq(a->time_limit_s, 3600);
	cr_assert_eq(a->runtime_s, 1200);
	cr_assert_str_eq(cs_names_get(&t.projects, a->project), "p1");
	cr_assert_str_eq(cs_names_get(&t.users, a->user), "alice");
	cr_assert_str_eq(cs_names_get(&t.qos, a->qos), "normal");
	cr_assert_str_eq(cs_names_get(&t.partitions, a->partition), "h100");
	cr_assert_eq(a->state, CS_STATE_COMPLETED);
	cr_assert_eq(a->line, 4);
	cr_assert_eq(b->project, -1);
	cr_assert_eq(b->qos, -1);
	cr_assert_eq(b->partition, -1);
	cr_assert_eq(b->time_limit_s, -1);
	cr_assert_eq(b->runtime_s, -1);
	cr_assert_eq(b->state, CS_STATE_TIMEOUT);
	cr_assert_eq(b->line, 6);
	cs_trace_free(&t);
}

Test(trace, native_round_trip_is_byte_identical)
{
	const char *text = "# generator: capsim\n# seed: 3\n" HDR
			   "1,p1,u1,0,1,8,112,2097152,7200,3600,normal,h100,completed\n"
			   "2,p2,u2,5,4,8,112,0,259200,259200,high,h100,timeout\n"
			   "3,,u3,9,1,0,16,0,-1,30,,cpu,failed\n";
	cs_trace t;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(read_text(text, &t, err), 0, "%s", err);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_eq(cs_native_write(&t, f), 0);
	fclose(f);
	cr_assert_str_eq(buf, text);
	free(buf);
	cs_trace_free(&t);
}

static void bad(const char *text, const char *want)
{
	cs_trace t;
	char err[CS_ERRLEN] = "";
	int rc = read_text(text, &t, err);
	cr_assert_eq(rc, -CS_EPARSE, "%s: rc %d (%s)", want, rc, err);
	cr_assert(strstr(err, want), "expected '%s' in: %s", want, err);
	cr_assert(strstr(err, "/tmp/capsim-test-"), "no file name in: %s", err);
	cs_trace_free(&t);
}

Test(trace, native_bad_input_names_file_line_and_column)
{
	bad("", "no header line");
	bad("# only a comment\n", "no header line");
	bad("id,project\n", "header: column user is missing");
	bad("id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,runtime,qos,"
	    "partition,state,colour\n", "unknown column \"colour\"");
	bad("id,id,project\n", "column \"id\" appears twice");
	bad(HDR "1,p,u,0,1,8,0,0,100,50,,h100\n", ":2: 12 fields, the header has 13");
	bad(HDR "x,p,u,0,1,8,0,0,100,50,,h100,completed\n", ":2: column id: not an integer");
	bad(HDR "1,p,u,-5,1,8,0,0,100,50,,h100,completed\n", "column submit");
	bad(HDR "1,p,u,0,0,8,0,0,100,50,,h100,completed\n", "column nodes");
	bad(HDR "1,p,u,0,1,-1,0,0,100,50,,h100,completed\n", "column gpus_per_node");
	bad(HDR "1,p,u,0,1,8,2.5,0,100,50,,h100,completed\n", "column cores_per_node");
	bad(HDR "1,p,u,0,1,8,0,lots,100,50,,h100,completed\n", "column mem_per_node");
	bad(HDR "1,p,u,0,1,8,0,0,0,50,,h100,completed\n", "column time_limit");
	bad(HDR "1,p,u,0,1,8,0,0,100,-7,,h100,completed\n", "column runtime");
	bad(HDR "1,p,u,0,1,8,0,0,100, 50,,h100,completed\n", "column runtime");
	bad(HDR "1,p,u,0,1,8,0,0,100,50,,h100,exploded\n", "column state: unknown state \"exploded\"");
	bad("# epoch: soon\n" HDR, "epoch: not an integer");
	bad(HDR "7,p,u,0,1,8,0,0,100,50,,h100,completed\n8,p,u,0,1,8,0,0,100,50,,h100,completed\n"
		"7,p,u,5,1,8,0,0,100,50,,h100,completed\n",
	    ":4: column id: job id 7 already on line 2: job ids must be unique");
	/* times the engine adds: at most 2^40 s (they overflowed it before) */
	bad(HDR "1,p,u,0,1,8,0,0,-1,9223372036854775807,,h100,completed\n", "column runtime");
	bad(HDR "1,p,u,1099511627777,1,8,0,0,-1,5,,h100,completed\n", "column submit");
	bad(HDR "1,p,u,0,1,8,0,0,1099511627777,5,,h100,completed\n", "column time_limit");
}

Test(trace, missing_file_is_an_io_error)
{
	cs_trace t;
	cs_trace_init(&t);
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_native_read(&t, "/nonexistent/jobs.csv", err, sizeof err), -CS_EIO);
	cr_assert(strstr(err, "/nonexistent/jobs.csv: cannot open"), "%s", err);
	cs_trace_free(&t);
}

/* A gzipped native CSV of 2,000 jobs cut short is an error naming the file
 * and the line where the data ends, never a shorter workload (the line
 * reader is the native, sacct, PAI and Helios readers' one). */
Test(trace, a_truncated_gzip_file_is_an_error_not_a_shorter_workload)
{
	char path[] = "/tmp/capsim-trunc-XXXXXX.csv.gz";
	int fd = mkstemps(path, 7);
	cr_assert_geq(fd, 0);
	gzFile g = gzdopen(fd, "wb");
	gzputs(g, HDR);
	for (int i = 1; i <= 2000; i++)
		gzprintf(g, "%d,p%d,u%d,%d,1,1,0,0,%d,%d,,,completed\n", i, i % 7, i % 13, i * 10, 100 + i, 50 + i);
	cr_assert_eq(gzclose(g), Z_OK);
	cs_trace t;
	char err[CS_ERRLEN] = "";
	cs_trace_init(&t);
	cr_assert_eq(cs_native_read(&t, path, err, sizeof err), 0, "%s", err);
	cr_assert_eq(t.n, 2000);
	cs_trace_free(&t);
	size_t len;
	char *all = th_slurp(path, &len);
	cr_assert_gt(len, 4000);
	size_t cuts[] = { len / 3, len / 2, len - 9, len - 1 }; /* inside the stream, and in its trailer */
	for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
		FILE *f = fopen(path, "wb");
		cr_assert_eq(fwrite(all, 1, cuts[k], f), cuts[k]);
		fclose(f);
		cs_trace_init(&t);
		int rc = cs_native_read(&t, path, err, sizeof err);
		cr_expect_eq(rc, -CS_EIO, "cut at %zu of %zu bytes: rc %d (%zu jobs)", cuts[k], len, rc, t.n);
		cr_expect(strstr(err, path) && strstr(err, "truncated gzip data"), "%s", err);
		cr_expect_eq(t.n, 0, "nothing kept");
		cs_trace_free(&t);
	}
	free(all);
	unlink(path);
}

Test(trace, a_line_longer_than_the_cap_is_an_error)
{
	size_t n = CS_LINE_MAX + 10;
	char *text = malloc(n + 1);
	memset(text, 'x', n);
	text[n] = 0;
	cs_trace t;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(read_text(text, &t, err), -CS_EPARSE);
	cr_assert(strstr(err, ":1: line longer than 1048576 bytes"), "%s", err);
	cs_trace_free(&t);
	free(text);
}

Test(trace, names_intern_and_grow)
{
	cs_names ns = { 0 };
	char b[32];
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(b, sizeof b, "project-%d", i);
		cr_assert_eq(cs_names_intern(&ns, b, (size_t)n), i);
	}
	cr_assert_eq(cs_names_intern(&ns, "project-1234", 12), 1234);
	cr_assert_eq(cs_names_find(&ns, "project-4999"), 4999);
	cr_assert_eq(cs_names_find(&ns, "project-5000"), -1);
	cr_assert_str_eq(cs_names_get(&ns, 42), "project-42");
	cr_assert_str_eq(cs_names_get(&ns, -1), "");
	cs_names_free(&ns);
}

Test(trace, swf_becomes_cpu_jobs)
{
	char *p = th_write_tmp("; UnixStartTime: 893466664\n"
			       "1 0 10 100 8 -1 -1 8 200 2048 1 5 3 -1 2 1 -1 -1\n"
			       "2 5 -1 50 -1 -1 -1 4 -1 -1 5 6 -1 -1 -1 -1 -1 -1\n", ".swf");
	cs_trace t;
	cs_trace_init(&t);
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_format_read(&t, p, CS_FMT_AUTO, err, sizeof err), 0, "%s", err);
	cr_assert_eq(t.n, 2);
	cr_assert_eq(t.epoch, 893466664);
	cr_assert_eq(t.jobs[0].nodes, 8);
	cr_assert_eq(t.jobs[0].cores_per_node, 1);
	cr_assert_eq(t.jobs[0].start_s, 10);
	cr_assert_eq(t.jobs[0].time_limit_s, 200);
	cr_assert_eq(t.jobs[0].mem_per_node_mib, 2);
	cr_assert_str_eq(cs_names_get(&t.projects, t.jobs[0].project), "g3");
	cr_assert_str_eq(cs_names_get(&t.users, t.jobs[0].user), "u5");
	cr_assert_str_eq(cs_names_get(&t.qos, t.jobs[0].qos), "q2");
	cr_assert_eq(t.jobs[0].state, CS_STATE_COMPLETED);
	cr_assert_eq(t.jobs[1].nodes, 4); /* requested, as allocated is missing */
	cr_assert_eq(t.jobs[1].start_s, -1);
	cr_assert_eq(t.jobs[1].project, -1);
	cr_assert_eq(t.jobs[1].state, CS_STATE_CANCELLED);
	cs_trace_free(&t);
	th_unlink(p);
}

Test(trace, format_by_extension)
{
	cr_assert_eq(cs_format_guess("a.swf.gz"), CS_FMT_SWF);
	cr_assert_eq(cs_format_guess("dir.d/a.csv"), CS_FMT_NATIVE);
	cr_assert_eq(cs_format_guess("w.json"), CS_FMT_BATSIM);
	cr_assert_eq(cs_format_guess("acct.sacct.gz"), CS_FMT_SACCT);
	cr_assert_eq(cs_format_guess("cluster_log"), CS_FMT_AUTO);
	cs_trace t;
	cs_trace_init(&t);
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_format_read(&t, "cluster_log", CS_FMT_AUTO, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "--format"), "%s", err);
	cs_trace_free(&t);
}

#include "capsim/transform.h"

static void tf_trace(cs_trace *t)
{
	cs_trace_init(t);
	const char *proj[] = { "alpha", "beta", "gamma", "delta" };
	for (int i = 0; i < 40; i++) {
		cs_jrec r = { .id = 100 + i, .submit_s = 10 * i, .start_s = -1, .runtime_s = 5, .time_limit_s = 9,
			      .nodes = 1, .gpus_per_node = 1, .user = -1, .qos = -1, .partition = -1,
			      .line = (uint32_t)i + 2 };
		r.project = cs_names_intern(&t->projects, proj[i % 4], strlen(proj[i % 4]));
		cr_assert_eq(cs_trace_push(t, &r), 0);
	}
}

Test(transform, window_ids_and_load_scale)
{
	cs_trace t;
	tf_trace(&t);
	cs_transform tf;
	cs_transform_default(&tf);
	cr_assert(cs_transform_is_identity(&tf));
	tf.id_min = 105;          /* submits 50.. */
	tf.id_max = 134;          /* ..340 */
	tf.from = 100;            /* ids 110.. */
	tf.to = 300;              /* ..129 */
	tf.load_scale = 4;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_transform_apply(&t, &tf, err, sizeof err), 0, "%s", err);
	cr_assert_eq(t.n, 20);
	cr_assert_eq(t.jobs[0].id, 110);
	cr_assert_eq(t.jobs[0].submit_s, 25);   /* 100 / 4 */
	cr_assert_eq(t.jobs[19].id, 129);
	cr_assert_eq(t.jobs[19].submit_s, 72);  /* floor(290 / 4) */
	cr_assert_str_eq(cs_trace_meta_get(&t, "transform_dropped"), "20");
	cs_trace_free(&t);
}

Test(transform, projects_scale_copies_whole_projects)
{
	cs_trace t;
	tf_trace(&t);
	cs_transform tf;
	cs_transform_default(&tf);
	tf.projects_scale = 2;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_transform_apply(&t, &tf, err, sizeof err), 0, "%s", err);
	cr_assert_eq(t.n, 80);
	cr_assert_eq(t.projects.n, 8);
	cr_assert_geq(cs_names_find(&t.projects, "gamma~1"), 0);
	/* copies keep submit times, get fresh ids, and the order stays by submit */
	int64_t seen = 0;
	for (size_t i = 0; i < t.n; i++) {
		cr_assert(i == 0 || t.jobs[i - 1].submit_s <= t.jobs[i].submit_s);
		if (t.jobs[i].id >= 140)
			seen++;
	}
	cr_assert_eq(seen, 40);
	cs_trace_free(&t);
	/* 1.5: each project gets a second copy or not, by its name and the seed;
	 * whole projects only, and the same choice every time */
	size_t n1 = 0;
	for (int k = 0; k < 2; k++) {
		tf_trace(&t);
		tf.projects_scale = 1.5;
		cr_assert_eq(cs_transform_apply(&t, &tf, err, sizeof err), 0, "%s", err);
		cr_assert_eq((t.n - 40) % 10, 0);
		if (k)
			cr_assert_eq(t.n, n1);
		n1 = t.n;
		cs_trace_free(&t);
	}
	/* 0.5: sampling whole projects */
	tf_trace(&t);
	tf.projects_scale = 0.5;
	cr_assert_eq(cs_transform_apply(&t, &tf, err, sizeof err), 0, "%s", err);
	cr_assert_eq(t.n % 10, 0);
	cr_assert_lt(t.n, 40);
	cs_trace_free(&t);
}

Test(transform, bad_values_are_refused)
{
	cs_trace t;
	tf_trace(&t);
	cs_transform tf;
	cs_transform_default(&tf);
	tf.load_scale = 0;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_transform_apply(&t, &tf, err, sizeof err), -CS_EINVAL);
	cs_transform_default(&tf);
	tf.from = 50;
	tf.to = 50;
	cr_assert_eq(cs_transform_apply(&t, &tf, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "empty time window"), "%s", err);
	cr_assert_eq(t.n, 40);
	cs_trace_free(&t);
}

/* On an SWF replay: a doubled load halves every submit time. */
Test(transform, swf_replay_load_scale)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.tf.load_scale = 2;
	o.procs = 4;
	cs_run_result r;
	th_run_text(SWF_JOB(1, 0, 100, 4, 100) SWF_JOB(2, 100, 10, 4, 10) SWF_JOB(3, 301, 10, 4, 10), &o, &r);
	cr_assert_eq(th_job(&r, 2)->submit_s, 50);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_job(&r, 3)->submit_s, 150);
	cs_run_result_free(&r);
}

/* SWF -> capsim CSV -> SWF keeps every field the replay uses: the EASY
 * schedule of the round-tripped KTH trace is the original's, job for job. */
Test(trace, swf_native_swf_round_trip_keeps_the_schedule)
{
	char src[1024];
	snprintf(src, sizeof src, "%s/traces/pwa/KTH-SP2-1996-2.swf.gz", th_shared());
	char *csv = th_write_tmp("", ".csv"), *swf = th_write_tmp("", ".swf");
	char *out, *err;
	cr_assert_eq(th_exec((const char *const[]){ "workload", "convert", src, "--out", csv, NULL }, &out, &err), 0,
		     "%s", err);
	free(out);
	free(err);
	cr_assert_eq(th_exec((const char *const[]){ "workload", "convert", csv, "--out", swf, NULL }, &out, &err), 0,
		     "%s", err);
	free(out);
	free(err);
	cs_run_result a, b;
	cs_run_opts o;
	char e[CS_ERRLEN] = "";
	cs_run_opts_default(&o);
	o.workload = src;
	cr_assert_eq(cs_run(&o, &a, e, sizeof e), 0, "%s", e);
	o.workload = swf;
	cr_assert_eq(cs_run(&o, &b, e, sizeof e), 0, "%s", e);
	cr_assert_eq(a.machine.procs, b.machine.procs);
	cr_assert_eq(a.njobs, b.njobs);
	for (size_t i = 0; i < a.njobs; i++) {
		cr_assert_eq(a.jobs[i].id, b.jobs[i].id);
		cr_assert_eq(a.jobs[i].start_s, b.jobs[i].start_s, "job %lld", (long long)a.jobs[i].id);
		cr_assert_eq(a.jobs[i].end_s, b.jobs[i].end_s);
	}
	cs_run_result_free(&a);
	cs_run_result_free(&b);
	th_unlink(csv);
	th_unlink(swf);
}

Test(trace, convert_cli_errors)
{
	char *out, *err;
	cr_assert_eq(th_exec((const char *const[]){ "workload", "convert", "/nonexistent.csv", "--out", "-", NULL },
			     &out, &err), 2);
	cr_assert(strstr(err, "/nonexistent.csv: cannot open"), "%s", err);
	free(out);
	free(err);
	cr_assert_eq(th_exec((const char *const[]){ "workload", "convert", "a.csv", "--out", "b.txt", NULL }, &out,
			     &err), 2);
	cr_assert(strstr(err, "give --as"), "%s", err);
	free(out);
	free(err);
	cr_assert_eq(th_exec((const char *const[]){ "workload", "convert", "a.csv", "--out", "-", "--load-scale", "0",
						    NULL }, &out, &err), 2);
	cr_assert(strstr(err, "--load-scale"), "%s", err);
	free(out);
	free(err);
}
