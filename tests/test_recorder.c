/* The recorder: its integrals agree with the jobs, its intervals with a
 * worked example, and it changes no schedule. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsim/fairness.h"
#include "capsim/recorder.h"
#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Column k of a CSV line (copied into buf). */
static const char *field(const char *line, int k, char *buf, size_t len)
{
	const char *s = line;
	for (int i = 0; i < k && s; i++) {
		s = strpbrk(s, ",\n");
		s = s && *s == ',' ? s + 1 : NULL;
	}
	if (!s)
		return "";
	size_t n = strcspn(s, ",\n");
	snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), s);
	return buf;
}

static int col_of(const char *text, const char *name)
{
	char b[128];
	for (int k = 0; k < 64; k++) {
		const char *f = field(text, k, b, sizeof b);
		if (!*f)
			return -1;
		if (!strcmp(f, name))
			return k;
	}
	return -1;
}

/* Sum of column `name` over the lines whose column `where` is `is` (NULL: all). */
static long long sum_col(const char *text, const char *name, const char *where, const char *is)
{
	int k = col_of(text, name), w = where ? col_of(text, where) : -1;
	cr_assert(k >= 0, "no column %s", name);
	long long s = 0;
	char b[256];
	for (const char *l = strchr(text, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
		if (w >= 0 && strcmp(field(l + 1, w, b, sizeof b), is) != 0)
			continue;
		s += atoll(field(l + 1, k, b, sizeof b));
	}
	return s;
}

/* A 3-day generated workload replayed on the default cluster into dir. */
static void node_run(char *dir, const char *policy)
{
	th_mkdtemp(dir);
	char wl[600];
	th_in(wl, sizeof wl, dir, "w.csv");
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("workload", "generate", "--seed", "3", "--days", "3", "--out", wl), &out, &err), 0,
		     "%s", err);
	free(out);
	free(err);
	char od[600];
	th_in(od, sizeof od, dir, "run");
	cr_assert_eq(th_exec(ARGS("run", "--workload", wl, "--policy", policy, "--sample", "1800", "--out", od),
			     &out, &err), 0, "%s", err);
	free(out);
	free(err);
}

Test(recorder, gpu_seconds_agree_in_timeseries_projects_and_jobs)
{
	char dir[] = "/tmp/capsim-rec-XXXXXX";
	node_run(dir, "multifactor");
	char od[600];
	th_in(od, sizeof od, dir, "run");
	char *ts = th_slurp_in(od, "timeseries.csv"), *pj = th_slurp_in(od, "projects.csv"), *jb = th_slurp_in(od, "jobs.csv");
	long long t_all = sum_col(ts, "gpu_seconds", "scope", "machine");
	long long t_types = sum_col(ts, "gpu_seconds", "scope", "node_type");
	long long t_parts = sum_col(ts, "gpu_seconds", "scope", "partition");
	long long p_all = sum_col(pj, "gpu_seconds", NULL, NULL);
	/* from jobs.csv: nodes x gpus_per_node x (end - start) */
	int cs = col_of(jb, "start"), ce = col_of(jb, "end"), cn = col_of(jb, "nodes"), cg = col_of(jb, "gpus_per_node");
	long long j_all = 0;
	char b[64];
	for (const char *l = strchr(jb, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
		long long s = atoll(field(l + 1, cs, b, sizeof b));
		if (s < 0)
			continue;
		j_all += (atoll(field(l + 1, ce, b, sizeof b)) - s) * atoll(field(l + 1, cn, b, sizeof b)) *
			 atoll(field(l + 1, cg, b, sizeof b));
	}
	cr_assert_gt(j_all, 0);
	cr_assert_eq(t_all, j_all, "timeseries %lld vs jobs %lld", t_all, j_all);
	cr_assert_eq(t_types, j_all);
	cr_assert_eq(t_parts, j_all);
	cr_assert_eq(p_all, j_all, "projects %lld vs jobs %lld", p_all, j_all);
	/* utilization two ways: the metrics' and the recorder's */
	char p[700];
	th_in(p, sizeof p, od, "summary.json");
	json_t *s = json_load_file(p, 0, NULL);
	cr_assert_not_null(s);
	double u1 = json_real_value(json_object_get(s, "utilization"));
	json_t *rec = json_object_get(s, "recorder");
	double u2 = json_real_value(json_object_get(rec, "utilization"));
	cr_assert(u1 > 0 && fabs(u1 - u2) < 1e-9, "utilization %.12f vs recorder %.12f", u1, u2);
	cr_assert_eq(json_integer_value(json_object_get(rec, "used_seconds")), j_all);
	json_t *fair = json_object_get(rec, "fairness");
	double jf = json_real_value(json_object_get(fair, "jain_service"));
	cr_assert(jf > 0 && jf <= 1.0 + 1e-12, "jain_service %g", jf);
	cr_assert_eq(json_integer_value(json_object_get(fair, "window_s")), CS_FAIR_WINDOW_S);
	json_t *in = json_object_get(s, "inputs");
	cr_assert_str_eq(json_string_value(json_object_get(in, "capsim_version")), CS_VERSION);
	cr_assert(strstr(json_string_value(json_object_get(in, "command")), "--policy multifactor"));
	json_decref(s);
	free(ts);
	free(pj);
	free(jb);
	th_rm_rf(dir);
}

Test(recorder, outputs_are_deterministic_and_report_rebuilds_the_same_page)
{
	char d1[] = "/tmp/capsim-rec-XXXXXX", d2[] = "/tmp/capsim-rec-XXXXXX";
	node_run(d1, "easy");
	node_run(d2, "easy");
	const char *files[] = { "timeseries.csv", "projects.csv", "fairness.csv", "occupancy.csv", "report.html" };
	char a[600], b[600];
	th_in(a, sizeof a, d1, "run");
	th_in(b, sizeof b, d2, "run");
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		size_t la, lb;
		char pa[700], pb[700];
		th_in(pa, sizeof pa, a, files[i]);
		th_in(pb, sizeof pb, b, files[i]);
		char *x = th_slurp(pa, &la), *y = th_slurp(pb, &lb);
		cr_assert(x && y, "%s", files[i]);
		if (strcmp(files[i], "report.html") != 0) /* the page names the workload's path */
			cr_assert(la == lb && memcmp(x, y, la) == 0, "%s differs between runs", files[i]);
		free(x);
		free(y);
	}
	char pa[700];
	th_in(pa, sizeof pa, a, "report.html");
	size_t l1, l2;
	char *before = th_slurp(pa, &l1);
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("report", a), &out, &err), 0, "%s", err);
	char *after = th_slurp(pa, &l2);
	cr_assert(l1 == l2 && memcmp(before, after, l1) == 0, "capsim report rebuilt a different page");
	free(before);
	free(after);
	free(out);
	free(err);
	th_rm_rf(d1);
	th_rm_rf(d2);
}

/* 4 processors, sampled every 50 s. A (2 procs) runs 0..100; B (4 procs,
 * submitted at 10) waits for A and runs 100..200. */
static const char two_jobs[] = "; MaxProcs: 4\n" SWF_JOB(1, 0, 100, 2, 100) SWF_JOB(2, 10, 100, 4, 100);

Test(recorder, pooled_intervals_follow_the_worked_example)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "fcfs";
	o.record = 1;
	o.sample_s = 50;
	cs_run_result r;
	th_run_text(two_jobs, &o, &r);
	cr_assert_not_null(r.rec);
	cs_rec_totals t;
	cs_recorder_totals(r.rec, &t);
	cr_assert_eq(t.used_s, 2 * 100 + 4 * 100);
	cr_assert_eq(t.intervals, 4);
	char dir[] = "/tmp/capsim-rec-XXXXXX";
	th_mkdtemp(dir);
	char err[CS_ERRLEN];
	cr_assert_eq(cs_recorder_write(r.rec, dir, NULL, NULL, 10, 0, err, sizeof err), 0, "%s", err);
	char *ts = th_slurp_in(dir, "timeseries.csv");
	cr_assert_str_eq(ts,
			 "t,time,length_s,scope,name,gpus,cores,gpu_seconds,core_seconds,gpus_busy,cores_busy,"
			 "gpus_allocated,cores_allocated,running_jobs,queued_jobs,queued_gpus,queued_cores,"
			 "fragmented_gpus,fragmented_cores,power_w\n"
			 "0,,50,machine,all,0,4,0,100,0.000,2.000,0,2,1,1,0,4,0,2,\n"
			 "50,,50,machine,all,0,4,0,100,0.000,2.000,0,2,1,1,0,4,0,2,\n"
			 "100,,50,machine,all,0,4,0,200,0.000,4.000,0,4,1,0,0,0,0,0,\n"
			 "150,,50,machine,all,0,4,0,200,0.000,4.000,0,4,1,0,0,0,0,0,\n");
	char *pj = th_slurp_in(dir, "projects.csv");
	cr_assert(strstr(pj, "\ng1,2,0,600,"), "%s", pj);
	free(ts);
	free(pj);
	cs_run_result_free(&r);
	th_rm_rf(dir);
}

Test(recorder, changes_no_schedule)
{
	char wl[] = "/tmp/capsim-rec-XXXXXX";
	th_mkdtemp(wl);
	char path[600];
	th_in(path, sizeof path, wl, "w.csv");
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("workload", "generate", "--seed", "5", "--days", "2", "--out", path), &out, &err), 0);
	free(out);
	free(err);
	cs_run_result a, b;
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = path;
	o.policy = "easy";
	char e[CS_ERRLEN];
	cr_assert_eq(cs_run(&o, &a, e, sizeof e), 0, "%s", e);
	o.record = 1;
	cr_assert_eq(cs_run(&o, &b, e, sizeof e), 0, "%s", e);
	cr_assert_null(a.rec);
	cr_assert_not_null(b.rec);
	cr_assert_eq(a.njobs, b.njobs);
	for (size_t i = 0; i < a.njobs; i++)
		cr_assert(a.jobs[i].start_s == b.jobs[i].start_s && a.jobs[i].end_s == b.jobs[i].end_s);
	cs_run_result_free(&a);
	cs_run_result_free(&b);
	th_rm_rf(wl);
}
