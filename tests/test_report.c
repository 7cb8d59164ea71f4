/* Reports: the page renders in headless Chromium with every chart drawn;
 * compare puts runs side by side; bad directories are usage errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* A 2-day generated workload replayed under policy into DIR/NAME. */
static void small_run(const char *dir, const char *name, const char *policy)
{
	char wl[600], od[600];
	snprintf(wl, sizeof wl, "%s/w.csv", dir);
	snprintf(od, sizeof od, "%s/%s", dir, name);
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

Test(report, page_renders_every_chart_in_headless_chromium)
{
	const char *chr = chromium();
	if (!chr) {
		/* `make test` installs chromium as root (DEBS): only a non-root run may lack it */
		cr_assert_neq(getuid(), 0, "chromium is missing although tests run as root: run make deps");
		cr_skip_test("chromium is not installed (apt-get install chromium): report rendering not checked");
	}
	char dir[] = "/tmp/capsim-rep-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	small_run(dir, "run", "multifactor");
	char cmd[2048], dom[700];
	snprintf(dom, sizeof dom, "%s/dom.html", dir);
	snprintf(cmd, sizeof cmd,
		 "%s --headless --no-sandbox --disable-gpu --window-size=1100,3000 --dump-dom file://%s/run/report.html "
		 "> %s 2>/dev/null && %s --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,3000 "
		 "--screenshot=%s/shot.png file://%s/run/report.html >/dev/null 2>&1",
		 chr, dir, dom, chr, dir, dir);
	int st = system(cmd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "chromium failed: %s", cmd);
	char *d = th_slurp(dom, NULL);
	cr_assert_not_null(d);
	/* ECharts' SVG renderer puts one <svg> inside each chart's div */
	const char *ids[] = { "chart-util", "chart-queue", "chart-power", "chart-wait", "chart-projects",
			      "chart-heatmap" };
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		char key[64];
		snprintf(key, sizeof key, "id=\"%s\"", ids[i]);
		const char *at = strstr(d, key);
		cr_assert_not_null(at, "no %s in the page", ids[i]);
		const char *svg = strstr(at, "<svg"), *next = strstr(at + 1, "id=\"chart-");
		cr_assert(svg && (!next || svg < next), "%s has no chart drawn", ids[i]);
	}
	cr_assert(strstr(d, "<table id=\"summary\">"));
	char shot[700];
	snprintf(shot, sizeof shot, "%s/shot.png", dir);
	size_t len = 0;
	char *png = th_slurp(shot, &len);
	cr_assert(png && len > 10000 && memcmp(png, "\x89PNG", 4) == 0, "no screenshot");
	free(png);
	free(d);
}

Test(report, compare_puts_runs_side_by_side)
{
	char dir[] = "/tmp/capsim-rep-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	small_run(dir, "fcfs", "fcfs");
	small_run(dir, "easy", "easy");
	char a[600], b[600], page[600];
	snprintf(a, sizeof a, "%s/fcfs", dir);
	snprintf(b, sizeof b, "%s/easy", dir);
	snprintf(page, sizeof page, "%s/compare.html", dir);
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("compare", a, b, "--out", page), &out, &err), 0, "%s", err);
	cr_assert(strstr(out, "\nfcfs ") && strstr(out, "\neasy "), "%s", out);
	cr_assert(strstr(out, "utilization"));
	char *html = th_slurp(page, NULL);
	cr_assert_not_null(html);
	cr_assert(strstr(html, "id=\"chart-util\"") && strstr(html, "id=\"chart-wait\"") &&
		  strstr(html, "<table id=\"compare\">"));
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
}

Test(report, swf_runs_report_processors)
{
	char dir[] = "/tmp/capsim-rep-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char wl[600], od[600];
	snprintf(wl, sizeof wl, "%s/t.swf", dir);
	snprintf(od, sizeof od, "%s/run", dir);
	FILE *f = fopen(wl, "w");
	cr_assert_not_null(f);
	fputs("; MaxProcs: 4\n" SWF_JOB(1, 0, 100, 2, 100) SWF_JOB(2, 10, 100, 4, 100), f);
	fclose(f);
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("run", "--workload", wl, "--out", od, "--sample", "60"), &out, &err), 0, "%s", err);
	free(out);
	free(err);
	char p[700];
	snprintf(p, sizeof p, "%s/timeseries.csv", od);
	char *ts = th_slurp(p, NULL);
	cr_assert(ts && strstr(ts, "\n0,,60,machine,all,0,4,0,120,"), "%s", ts);
	snprintf(p, sizeof p, "%s/report.html", od);
	char *html = th_slurp(p, NULL);
	cr_assert(html && strstr(html, "id=\"chart-util\"") && !strstr(html, "id=\"chart-heatmap\""));
	snprintf(p, sizeof p, "%s/occupancy.csv", od);
	cr_assert_neq(access(p, F_OK), 0, "no node occupancy for a pooled machine");
	free(ts);
	free(html);
}
