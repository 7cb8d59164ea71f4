/* Reports: the page renders in headless Chromium with every chart drawn;
 * compare puts runs side by side; bad directories are usage errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "../sim/report_data.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* A 2-day generated workload replayed under policy into DIR/NAME. */
static void small_run(const char *dir, const char *name, const char *policy)
{
	char wl[600], od[600];
	th_in(wl, sizeof wl, dir, "w.csv");
	th_in(od, sizeof od, dir, name);
	char *out, *err;
	if (access(wl, R_OK) != 0) {
		cr_assert_eq(th_exec(ARGS("workload", "generate", "--seed", "2", "--days", "2", "--out", wl), &out,
				     &err), 0, "%s", err);
		free(out);
		free(err);
	}
	cr_assert_eq(th_exec(ARGS("run", "--workload", wl, "--policy", policy, "--out", od), &out, &err), 0, "%s",
		     err);
	free(out);
	free(err);
}

static const char *chromium(void)
{
	static const char *const cands[] = { "/usr/bin/chromium", "/usr/bin/chromium-browser", NULL };
	for (const char *const *c = cands; *c; c++)
		if (access(*c, X_OK) == 0)
			return *c;
	return NULL;
}

/* ECharts' SVG renderer puts one <svg> inside each chart's div: each of
 * ids[0..n) is in the rendered DOM with an <svg> before the next chart. */
static void expect_drawn(const char *dom, const char *const *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char key[64];
		snprintf(key, sizeof key, "id=\"%s\"", ids[i]);
		const char *at = strstr(dom, key);
		cr_assert_not_null(at, "no %s in the page", ids[i]);
		const char *svg = strstr(at, "<svg"), *next = strstr(at + 1, "id=\"chart-");
		cr_assert(svg && (!next || svg < next), "%s has no chart drawn", ids[i]);
	}
}

Test(report, page_renders_every_chart_in_headless_chromium)
{
	const char *chr = chromium();
	if (!chr) {
		/* `make test` installs chromium as root (DEBS): only a non-root run may lack it */
		cr_assert_neq(getuid(), 0, "chromium is missing although tests run as root: run make deps");
		cr_skip_test("chromium is not installed (apt-get install chromium): report rendering not checked");
	}
	char dir[] = "/tmp/capsim-rep-XXXXXX";
	th_mkdtemp(dir);
	small_run(dir, "run", "multifactor");
	char cmd[2048], dom[700];
	th_in(dom, sizeof dom, dir, "dom.html");
	snprintf(cmd, sizeof cmd,
		 "%s --headless --no-sandbox --disable-gpu --window-size=1100,3000 --dump-dom file://%s/run/report.html "
		 "> %s 2>/dev/null && %s --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,3000 "
		 "--screenshot=%s/shot.png file://%s/run/report.html >/dev/null 2>&1",
		 chr, dir, dom, chr, dir, dir);
	int st = system(cmd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "chromium failed: %s", cmd);
	char *d = th_slurp(dom, NULL);
	cr_assert_not_null(d);
	const char *ids[] = { "chart-util", "chart-type-0", "chart-queue", "chart-power", "chart-waits", "chart-wait",
			      "chart-fair-time", "chart-fair-service", "chart-projects", "chart-fair-waits",
			      "chart-fair-bsld", "chart-heatmap" };
	expect_drawn(d, ids, sizeof ids / sizeof ids[0]);
	cr_assert(strstr(d, "<table id=\"summary\">"));
	/* numbers as a person reads them: no exponents, durations in units,
	 * shares in per cent, the period as dates; waits per partition */
	const char *tab = strstr(d, "<table id=\"summary\">"), *tend = strstr(tab, "</table>");
	cr_assert(tend);
	for (const char *q = tab; q < tend; q++)
		cr_assert(!(q[0] == 'e' && (q[1] == '+' || q[1] == '-') && q[2] >= '0' && q[2] <= '9'),
			  "an exponent in the summary: %.40s", q - 10);
	cr_assert(strstr(tab, "<th>utilization</th><td title=\"0.") && strstr(tab, " %</td>"), "%.2000s", tab);
	cr_assert(strstr(tab, "<th>period (first submission to last end)</th><td>20"), "%.2000s", tab);
	cr_assert(strstr(tab, "<th>mean wait</th><td title=\""), "%.2000s", tab);
	cr_assert(strstr(tab, "<th>Jain's index over service</th><td>0.") &&
			  strstr(tab, "<th>distance from fair share</th><td title=\"0."),
		  "%.2000s", tab);
	cr_assert(strstr(d, "<table id=\"waits\">") && strstr(d, "<tr><td>h100</td>"), "no waits by partition");
	char shot[700];
	th_in(shot, sizeof shot, dir, "shot.png");
	size_t len = 0;
	char *png = th_slurp(shot, &len);
	cr_assert(png && len > 10000 && memcmp(png, "\x89PNG", 4) == 0, "no screenshot");
	free(png);
	free(d);
	th_rm_rf(dir);
}

Test(report, compare_puts_runs_side_by_side)
{
	char dir[] = "/tmp/capsim-rep-XXXXXX";
	th_mkdtemp(dir);
	small_run(dir, "fcfs", "fcfs");
	small_run(dir, "easy", "easy");
	char a[600], b[600], page[600];
	th_in(a, sizeof a, dir, "fcfs");
	th_in(b, sizeof b, dir, "easy");
	th_in(page, sizeof page, dir, "compare.html");
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("compare", a, b, "--out", page), &out, &err), 0, "%s", err);
	cr_assert(strstr(out, "\nfcfs ") && strstr(out, "\neasy "), "%s", out);
	cr_assert(strstr(out, "utilization"));
	/* fairness side by side: Jain's index over service, the distance, the under-served */
	cr_assert(strstr(out, " jain ") && strstr(out, " distance ") && strstr(out, "under-served"), "%s", out);
	char *html = th_slurp(page, NULL);
	cr_assert_not_null(html);
	cr_assert(strstr(html, "id=\"chart-util\"") && strstr(html, "id=\"chart-wait\"") &&
		  strstr(html, "id=\"chart-fair-time\"") && strstr(html, "id=\"chart-fair-service\"") &&
		  strstr(html, "<table id=\"compare\">") && strstr(html, "<th>distance</th>"));
	/* one workload: no warning */
	cr_assert_null(strstr(html, "workload-warning"));
	const char *chr = chromium();
	if (chr) {
		char cmd[2048], dom[700];
		th_in(dom, sizeof dom, dir, "cdom.html");
		snprintf(cmd, sizeof cmd,
			 "%s --headless --no-sandbox --disable-gpu --window-size=1100,3000 --dump-dom file://%s > %s "
			 "2>/dev/null", chr, page, dom);
		int st = system(cmd);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "chromium failed: %s", cmd);
		char *d = th_slurp(dom, NULL);
		cr_assert_not_null(d);
		const char *ids[] = { "chart-util", "chart-queue", "chart-wait", "chart-fair-time", "chart-fair-service" };
		expect_drawn(d, ids, sizeof ids / sizeof ids[0]);
		free(d);
	}
	cr_assert_null(strstr(out, "note:"), "%s", out);
	free(html);
	free(out);
	free(err);
	/* a run of another workload beside them: said so, in the table and the page */
	char w3[600], c[600];
	th_in(w3, sizeof w3, dir, "w3.csv");
	th_in(c, sizeof c, dir, "other");
	cr_assert_eq(th_exec(ARGS("workload", "generate", "--seed", "3", "--days", "1", "--out", w3), &out, &err), 0);
	free(out);
	free(err);
	cr_assert_eq(th_exec(ARGS("run", "--workload", w3, "--policy", "fcfs", "--out", c), &out, &err), 0, "%s", err);
	free(out);
	free(err);
	cr_assert_eq(th_exec(ARGS("compare", a, c, "--out", page), &out, &err), 0, "%s", err);
	cr_assert(strstr(out, "note: these runs replay different workloads (fcfs and other differ"), "%s", out);
	html = th_slurp(page, NULL);
	cr_assert(html && strstr(html, "<p class=\"warn\" id=\"workload-warning\">"));
	free(html);
	free(out);
	free(err);
	cr_assert_eq(th_exec(ARGS("compare", a, "/nonexistent-run"), &out, &err), 2);
	cr_assert(strstr(err, "not a capsim run directory"), "%s", err);
	free(out);
	free(err);
	cr_assert_eq(th_exec(ARGS("report", "/nonexistent-run"), &out, &err), 2);
	free(out);
	free(err);
	th_rm_rf(dir);
}

Test(report, long_series_are_averaged_into_round_bins)
{
	/* 2 days of submissions sampled every 60 s: over 2,880 intervals, more
	 * than the page's 500 points, so they are drawn as hourly means */
	char dir[] = "/tmp/capsim-rep-XXXXXX";
	th_mkdtemp(dir);
	char wl[600], od[600];
	th_in(wl, sizeof wl, dir, "w.csv");
	th_in(od, sizeof od, dir, "run");
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("workload", "generate", "--seed", "2", "--days", "2", "--out", wl), &out, &err), 0);
	free(out);
	free(err);
	cr_assert_eq(th_exec(ARGS("run", "--workload", wl, "--sample", "60", "--out", od), &out, &err), 0, "%s", err);
	free(out);
	free(err);
	char p[700];
	th_in(p, sizeof p, od, "report.html");
	char *html = th_slurp(p, NULL);
	cr_assert(html && strstr(html, "\"bin_s\":3600,\"t\":["), "no hourly bins");
	const char *t = strstr(html, "\"bin_s\":3600,\"t\":[");
	size_t points = 1;
	for (const char *q = strchr(t, '[') + 1; *q != ']'; q++)
		points += *q == ',';
	/* the intervals, 60 s each: one point per 60 */
	th_in(p, sizeof p, od, "timeseries.csv");
	char *ts = th_slurp(p, NULL);
	size_t rows = 0;
	for (const char *q = ts; (q = strstr(q, ",machine,all,")); q++)
		rows++;
	cr_assert_gt(rows, 500);
	cr_assert_eq(points, (rows + 59) / 60, "%zu intervals, %zu points", rows, points);
	free(ts);
	free(html);
	snprintf(p, sizeof p, "rm -rf '%s'", dir);
	cr_assert_eq(system(p), 0);
}

Test(report, swf_runs_report_processors)
{
	char dir[] = "/tmp/capsim-rep-XXXXXX";
	th_mkdtemp(dir);
	char wl[TH_PATH], od[TH_PATH];
	th_swf_in(dir, "; MaxProcs: 4\n" SWF_JOB(1, 0, 100, 2, 100) SWF_JOB(2, 10, 100, 4, 100), wl, od, "run");
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("run", "--workload", wl, "--out", od, "--sample", "60"), &out, &err), 0, "%s", err);
	free(out);
	free(err);
	char p[700];
	th_in(p, sizeof p, od, "timeseries.csv");
	char *ts = th_slurp(p, NULL);
	cr_assert(ts && strstr(ts, "\n0,,60,machine,all,0,4,0,120,"), "%s", ts);
	th_in(p, sizeof p, od, "report.html");
	char *html = th_slurp(p, NULL);
	cr_assert(html && strstr(html, "id=\"chart-util\"") && !strstr(html, "id=\"chart-heatmap\""));
	th_in(p, sizeof p, od, "occupancy.csv");
	cr_assert_neq(access(p, F_OK), 0, "no node occupancy for a pooled machine");
	free(ts);
	free(html);
	th_rm_rf(dir);
}

/* A run's report.html draws its waits and project boxes from the jobs in
 * memory; `capsim report DIR` reads them back from jobs.csv: the same
 * page, byte for byte, on the node model (partitions, a project column
 * with names) and on a pooled SWF replay (which always reads the file). */
Test(report, the_run_and_capsim_report_write_the_same_page)
{
	char dir[] = "/tmp/capsim-rep-XXXXXX";
	th_mkdtemp(dir);
	small_run(dir, "run", "easy");
	char wl[TH_PATH], od[TH_PATH];
	th_swf_in(dir, "; MaxProcs: 4\n" SWF_JOB(1, 0, 100, 2, 100) SWF_JOB(2, 10, 100, 4, 100) SWF_JOB(3, 20, 50, 1, 60), wl,
		  od, "swf");
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("run", "--workload", wl, "--out", od), &out, &err), 0, "%s", err);
	free(out);
	free(err);
	static const char *const runs[] = { "run", "swf" };
	for (size_t i = 0; i < 2; i++) {
		cr_assert_eq(th_sh(&out, "cd '%s/%s' && cp report.html run.html && '%s' report '%s/%s' >/dev/null && "
				   "cmp report.html run.html && grep -c '\"pboxes\"\\|\"waits\"' report.html",
				   dir, runs[i], th_bin(), dir, runs[i]), 0, "%s: %s", runs[i], out);
		free(out);
	}
	th_rm_rf(dir);
}

/* A run's report.html draws its power and storage series from the run's
 * power meter and storage in memory, their values as power.csv and
 * storage.csv write them; `capsim report DIR` reads the files back: the
 * same page, byte for byte, with a power cap (whose cap_w the page draws)
 * of a fraction of a watt. */
Test(report, the_run_draws_power_and_storage_as_capsim_report_reads_them)
{
	char dir[] = "/tmp/capsim-rep-XXXXXX";
	th_mkdtemp(dir);
	char wl[600], cl[600], od[600];
	th_in(wl, sizeof wl, dir, "w.csv");
	th_in(cl, sizeof cl, dir, "capped.yaml");
	th_in(od, sizeof od, dir, "run");
	th_default_cluster_with(cl, "  power_cap_kw: 4321.0987\n");
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("workload", "generate", "--seed", "2", "--days", "2", "--out", wl), &out, &err), 0,
		     "%s", err);
	free(out);
	free(err);
	cr_assert_eq(th_exec(ARGS("run", "--workload", wl, "--cluster", cl, "--policy", "easy", "--out", od), &out,
			     &err),
		     0, "%s", err);
	free(out);
	free(err);
	cr_assert_eq(th_sh(&out, "cd '%s' && cp report.html run.html && '%s' report '%s' >/dev/null && "
			   "cmp report.html run.html && grep -c '\"cap_kw\":4321.1' report.html && "
			   "grep -c '\"storage\":{\"t\":\\[[0-9]' report.html",
			   od, th_bin(), od),
		     0, "%s", out);
	free(out);
	th_rm_rf(dir);
}

/* The page's waits and project boxes, worked by hand. Under FCFS on the
 * two-partition cluster: gpu (3 nodes) job 1 runs 0-100, job 2 (all 3)
 * 100-200, job 3 200-250: waits 0, 90, 180; cpu (2 nodes) job 4 runs 0-30,
 * job 5 30-40, job 6 40-50: waits 0, 25, 34. Sorted, 0 0 25 34 90 180:
 * median at 2.5 of 5 = 29.5, p95 at 4.75 = 90 + 0.75 x 90 = 157.5. p1's
 * jobs 1, 5, 3 wait 0, 25, 180 (p75 at 1.5: 102.5) and have bounded
 * slowdowns (tau 10 s) 1, 3.5, 4.6; p2's jobs 4, 6, 2 wait 0, 34, 90 and
 * have slowdowns 1, 4.4, 1.9, in jobs.csv's order not their own: sorted
 * 1, 1.9, 4.4 (p75 at 1.5: 3.15). */
Test(report, waits_and_project_boxes_are_the_sorted_jobs_quantiles)
{
	static const char jobs[] =
		"id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,runtime,qos,"
		"partition,state\n"
		"1,p1,u1,0,3,4,8,0,100,100,normal,gpu,completed\n"
		"2,p2,u1,10,3,4,8,0,100,100,normal,gpu,completed\n"
		"3,p1,u2,20,1,4,8,0,100,50,normal,gpu,completed\n"
		"4,p2,u3,0,2,0,16,0,100,30,normal,cpu,completed\n"
		"5,p1,u3,5,2,0,16,0,100,10,normal,cpu,completed\n"
		"6,p2,u3,6,1,0,16,0,100,10,normal,cpu,completed\n";
	char dir[] = "/tmp/capsim-report-waits-XXXXXX", od[600];
	th_run_two_partitions(dir, jobs, (const char *const[]){ "--policy", "fcfs", NULL }, od, sizeof od);
	for (int pass = 0; pass < 2; pass++) {
		/* the run's page, from its jobs in memory, then capsim report's,
		 * from jobs.csv */
		if (pass) {
			char *out = NULL;
			cr_assert_eq(th_sh(&out, "'%s' report '%s' >/dev/null", th_bin(), od), 0, "%s", out);
			free(out);
		}
		char *html = th_slurp_in(od, "report.html");
		cr_assert_not_null(strstr(html, "\"pboxes\":{\"jobs\":[3,3],"
						"\"wait\":[[2.5,12.5,25.0,102.5,164.5],[3.4,17.0,34.0,62.0,84.4]],"
						"\"bsld\":[[1.25,2.25,3.5,4.05,4.49],[1.09,1.45,1.9,3.15,4.15]],"
						"\"tau\":10.0}"),
				   "pass %d", pass);
		cr_assert_not_null(strstr(html, "\"waits\":[{\"name\":\"all\",\"jobs\":6,\"mean\":54.8333,\"p50\":29.5,"
						"\"p90\":135.0,\"p95\":157.5,\"p99\":175.5,\"max\":180.0,"
						"\"box\":[0.0,6.25,29.5,76.0,157.5]},"
						"{\"name\":\"cpu\",\"jobs\":3,\"mean\":19.6667,\"p50\":25.0,"
						"\"p90\":32.2,\"p95\":33.1,\"p99\":33.82,\"max\":34.0,"
						"\"box\":[2.5,12.5,25.0,29.5,33.1]},"
						"{\"name\":\"gpu\",\"jobs\":3,\"mean\":90.0,\"p50\":90.0,"
						"\"p90\":162.0,\"p95\":171.0,\"p99\":178.2,\"max\":180.0,"
						"\"box\":[9.0,45.0,90.0,135.0,171.0]}]"),
				   "pass %d", pass);
		cr_assert_not_null(strstr(html, "\"cdf\":[[0.0,0.1667],[0.0,0.3333],[0.0069,0.5],[0.0094,0.6667],"
						"[0.025,0.8333],[0.05,1.0]]"),
				   "pass %d", pass);
		free(html);
	}
	th_rm_rf(dir);
}

/* The heatmap's cells are written as text: a share rounded to hundredths
 * is the text json_dumps gives that real on the page (whole numbers with
 * ".0", one or two decimals), here and past a node's whole (the text
 * jansson's own). */
Test(report, heatmap_shares_are_written_as_jansson_writes_them)
{
	unsigned long long x = 3;
	for (int k = 0; k < 200000; k++) {
		double v = k < 100000 ? k / 100000.0 : k < 100200 ? (k - 100000) * 0.005 :
			   (double)th_xorshift(&x, 1u << 30) / (1 + th_xorshift(&x, 1u << 20));
		json_t *r = json_real((double)(long long)(v / 0.01 + 0.5) * 0.01);
		char *want = json_dumps(r, JSON_ENCODE_ANY | JSON_REAL_PRECISION(6)), got[64];
		size_t n = cs_report_share_json(got, v);
		got[n] = 0;
		cr_assert_str_eq(got, want, "%.17g", v);
		free(want);
		json_decref(r);
	}
}
