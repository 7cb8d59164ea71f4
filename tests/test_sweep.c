/* capsim sweep (sim/sweep*.c, sim/cli/cli_sweep.c; docs/sweep.md), through
 * the binary: a spec's errors before any run, the same results whatever
 * -j, shards merged equal to one run, and a sweep interrupted (point files
 * removed, or the process killed with SIGKILL) finished by running it
 * again, equal to an uninterrupted one. The spec is small: one day of the
 * default workload at a fifth of its projects, on the default cluster. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capsim/sweep.h"
#include "capsim/types.h"
#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* 2 scales x 1 workload x 2 policies x 2 seeds = 8 points */
static const char small_spec[] =
	"workload: {generate: {days: 1, projects_scale: 0.2}}\n"
	"scale: [{h100: 0.5}, {}]\n"
	"policies: [{name: fcfs}, {name: easy, opts: {order: sjbf}}]\n"
	"seeds: [1, 2]\n";

/* A fresh directory holding spec.yaml with text; its path in dir. */
static void setup(char *dir, size_t len, const char *text)
{
	snprintf(dir, len, "/tmp/capsim-sweep-XXXXXX");
	th_mkdtemp(dir);
	char path[512];
	th_in(path, sizeof path, dir, "spec.yaml");
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

/* capsim sweep DIR/spec.yaml --out DIR/NAME [extra...]; asserts exit 0; stdout */
static char *sweep(const char *dir, const char *name, const char *a1, const char *a2)
{
	char spec[512], out[512];
	th_in(spec, sizeof spec, dir, "spec.yaml");
	th_in(out, sizeof out, dir, name);
	char *o, *e;
	int rc = th_exec(a1 ? (a2 ? ARGS("sweep", spec, "--out", out, a1, a2) : ARGS("sweep", spec, "--out", out, a1))
			    : ARGS("sweep", spec, "--out", out),
			 &o, &e);
	cr_assert_eq(rc, 0, "capsim sweep %s: exit %d: %s", name, rc, e);
	free(e);
	return o;
}

static void expect_same_results(const char *dir, const char *a, const char *b, size_t npoints)
{
	char da[512], db[512];
	th_in(da, sizeof da, dir, a);
	th_in(db, sizeof db, dir, b);
	th_expect_same_file(da, db, "results.csv");
	th_expect_same_file(da, db, "results.json");
	th_expect_same_file(da, db, "sweep.html");
	th_expect_same_file(da, db, "sweep.json");
	for (size_t k = 0; k < npoints; k++) {
		char name[64];
		snprintf(name, sizeof name, "points/%06zu.json", k);
		th_expect_same_file(da, db, name);
	}
}

static void cleanup(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

/* The spec's error: exit 2, one line naming the file, line, column and
 * key; the --out directory never made. */
static void expect_spec_error(const char *text, const char *want)
{
	char dir[64], spec[512], out[512];
	setup(dir, sizeof dir, text);
	th_in(spec, sizeof spec, dir, "spec.yaml");
	th_in(out, sizeof out, dir, "out");
	char *o, *e;
	int rc = th_exec(ARGS("sweep", spec, "--out", out), &o, &e);
	cr_expect_eq(rc, 2, "exit %d: %s", rc, e);
	cr_expect(strstr(e, want), "expected '%s' in: %s", want, e);
	cr_expect_eq(th_count_lines(e), 1, "%s", e);
	cr_expect_str_empty(o);
	struct stat st;
	cr_expect_neq(stat(out, &st), 0, "the spec's error came after %s was made", out);
	free(o), free(e);
	cleanup(dir);
}

Test(sweep, an_unknown_metric_is_refused_at_its_line_before_any_run)
{
	expect_spec_error("workload: {generate: {days: 1}}\npolicies: [{name: easy}]\nmetrics: [p95_wait, p90_wait]\n",
			  "spec.yaml:3:21: metrics[1]: unknown metric 'p90_wait'");
}

Test(sweep, an_empty_range_is_refused_with_its_key)
{
	expect_spec_error("workload: {generate: {days: 1}}\npolicies: [{name: easy}]\nseeds: []\n",
			  "spec.yaml:3:1: seeds: empty list");
	expect_spec_error("workload: {generate: {days: 1, projects_scale: []}}\npolicies: [{name: easy}]\n",
			  "spec.yaml:1:32: workload.generate.projects_scale: empty list");
}

Test(sweep, an_unknown_key_is_refused_with_the_keys_it_takes)
{
	expect_spec_error("workload: {generate: {days: 1}}\npolicies: [{name: easy}]\nseedz: [1]\n",
			  "spec.yaml:3:1: seedz: unknown key, expected one of: cluster, workload");
}

Test(sweep, bad_values_are_refused_before_any_run)
{
	/* a node type the cluster lacks, a policy's unknown option and bad value */
	expect_spec_error("workload: {generate: {days: 1}}\npolicies: [{name: easy}]\nscale: [{h200: 2}]\n",
			  "spec.yaml:3:10: scale[0]: --scale: no node type 'h200'");
	expect_spec_error("workload: {generate: {days: 1}}\npolicies: [{name: easy, opts: {foo: 1}}]\n",
			  "spec.yaml:2:32: policies[0].opts.foo: policy easy has no parameter 'foo'");
	expect_spec_error("workload: {generate: {days: 1}}\npolicies: [{name: multifactor, opts: {weight_age: x}}]\n",
			  "spec.yaml:2:39: policies[0].opts: policy multifactor: weight_age");
	expect_spec_error("workload: {file: {path: nope.swf}}\npolicies: [{name: easy}]\n",
			  "spec.yaml:1:25: workload.file.path: ");
}

Test(sweep, gives_the_same_bytes_with_one_worker_or_two)
{
	char dir[64];
	setup(dir, sizeof dir, small_spec);
	char *o1 = sweep(dir, "j1", "-j", "1"), *o2 = sweep(dir, "j2", "-j", "2");
	cr_expect(strstr(o1, "8 points (8 run now, 0 done before)"), "%s", o1);
	expect_same_results(dir, "j1", "j2", 8);
	/* 8 rows and a header; every summary metric a column */
	char path[512];
	th_in(path, sizeof path, dir, "j1/results.csv");
	char *csv = th_slurp(path, NULL);
	cr_assert_not_null(csv);
	cr_expect_eq(th_count_lines(csv), 9);
	cr_expect(!strncmp(csv, "point,scale,workload,projects_scale,load_scale,policy,policy_opts,seed,", 71), "%.80s", csv);
	cr_expect(strstr(csv, ",mean_wait,median_wait,p95_wait,"), "%.400s", csv);
	cr_expect(strstr(csv, "\n7,,projects_scale=0.2 load_scale=1,0.2,1,easy,order=sjbf,2,"), "%s", csv);
	free(csv), free(o1), free(o2);
	cleanup(dir);
}

Test(sweep, a_point_is_what_capsim_run_reports_for_its_config)
{
	char dir[64];
	setup(dir, sizeof dir, "workload: {generate: {days: 1, projects_scale: 0.2}}\nscale: [{h100: 0.5}]\n"
			       "policies: [{name: easy}]\nseeds: [3]\n");
	free(sweep(dir, "s", NULL, NULL));
	char wl[512], run[512], *o, *e;
	th_in(wl, sizeof wl, dir, "w.csv");
	th_in(run, sizeof run, dir, "run");
	cr_assert_eq(th_exec(ARGS("workload", "generate", "--seed", "3", "--days", "1", "--projects-scale", "0.2",
				  "--out", wl), &o, &e), 0, "%s", e);
	free(o), free(e);
	cr_assert_eq(th_exec(ARGS("run", "--workload", wl, "--policy", "easy", "--scale", "h100=0.5", "--out", run),
			     &o, &e), 0, "%s", e);
	free(o), free(e);
	char path[1100];
	th_in(path, sizeof path, run, "summary.json");
	char *sum = th_slurp(path, NULL);
	th_in(path, sizeof path, dir, "s/points/000000.json");
	char *pt = th_slurp(path, NULL);
	cr_assert(sum && pt);
	/* p95_wait and utilization as summary.json prints them (12 digits) */
	const char *keys[] = { "\"p95_wait\": ", "\"utilization\": ", "\"jobs\": " };
	for (size_t i = 0; i < 3; i++) {
		char *a = strstr(sum, keys[i]), *b = strstr(pt, keys[i] + 0);
		cr_assert(a && b, "%s", keys[i]);
		double va = strtod(a + strlen(keys[i]), NULL), vb = strtod(b + strlen(keys[i]), NULL);
		cr_expect(va == vb || (va != 0 && (va - vb) / va < 1e-11 && (vb - va) / va < 1e-11), "%s: run %.17g, sweep %.17g",
			  keys[i], va, vb);
	}
	free(sum), free(pt);
	cleanup(dir);
}

/* The sweep makes a generated workload and its accounts once for the
 * points of that workload and seed, before it forks them, and each point
 * runs on a copy: every point must be byte for byte the point run alone
 * by `--point`, which makes its own. Two scales x two policies share each
 * seed's inputs; the points of seed 2 run after seed 1's. */
Test(sweep, a_point_on_the_inputs_made_for_its_seed_equals_it_run_alone)
{
	char dir[64];
	setup(dir, sizeof dir, "workload: {generate: {days: 1, projects_scale: 0.2}}\naccounts: generate\n"
			       "scale: [{h100: 0.5}, {}]\npolicies: [{name: multifactor}, {name: easy}]\nseeds: [1, 2]\n");
	free(sweep(dir, "s", "-j", "2"));
	char spec[512], out[512], path[600], *o, *e;
	th_in(spec, sizeof spec, dir, "spec.yaml");
	th_in(out, sizeof out, dir, "s");
	for (size_t k = 0; k < 8; k++) {
		char name[32], kk[8];
		snprintf(name, sizeof name, "s/points/%06zu.json", k);
		th_in(path, sizeof path, dir, name);
		char *swept = th_slurp(path, NULL);
		cr_assert_not_null(swept, "%s", path);
		cr_assert_eq(remove(path), 0);
		snprintf(kk, sizeof kk, "%zu", k);
		cr_assert_eq(th_exec(ARGS("sweep", spec, "--out", out, "--point", kk), &o, &e), 0, "%s", e);
		free(o), free(e);
		char *alone = th_slurp(path, NULL);
		cr_assert_not_null(alone, "%s", path);
		cr_expect_str_eq(alone, swept, "point %zu", k);
		free(swept), free(alone);
	}
	cleanup(dir);
}

Test(sweep, shards_merged_equal_the_single_run)
{
	char dir[64];
	setup(dir, sizeof dir, small_spec);
	free(sweep(dir, "all", "-j", "2"));
	char *a = sweep(dir, "s1", "--shard", "1/2"), *b = sweep(dir, "s2", "--shard", "2/2");
	cr_expect(strstr(a, "shard 1/2: 4 of them (4 run now"), "%s", a);
	char s1[512], s2[512], m[512], *o, *e;
	th_in(s1, sizeof s1, dir, "s1");
	th_in(s2, sizeof s2, dir, "s2");
	th_in(m, sizeof m, dir, "merged");
	/* shard 1 holds the even points, shard 2 the odd */
	char p[600];
	th_in(p, sizeof p, s1, "points/000002.json");
	cr_expect_eq(access(p, F_OK), 0);
	th_in(p, sizeof p, s1, "points/000003.json");
	cr_expect_neq(access(p, F_OK), 0);
	/* one shard alone is refused: points missing */
	int rc = th_exec(ARGS("sweep", "merge", s1, "--out", m), &o, &e);
	cr_expect_eq(rc, 2);
	cr_expect(strstr(e, "point 1 is in none of the directories"), "%s", e);
	free(o), free(e);
	/* twice is refused: a point in two */
	rc = th_exec(ARGS("sweep", "merge", s1, s2, s1, "--out", m), &o, &e);
	cr_expect_eq(rc, 2);
	cr_expect(strstr(e, "point 0 is in both"), "%s", e);
	free(o), free(e);
	cr_assert_eq(th_exec(ARGS("sweep", "merge", s2, s1, "--out", m), &o, &e), 0, "%s", e);
	free(o), free(e);
	expect_same_results(dir, "all", "merged", 8);
	free(a), free(b);
	cleanup(dir);
}

Test(sweep, resumed_after_losing_points_reruns_only_those)
{
	char dir[64];
	setup(dir, sizeof dir, small_spec);
	free(sweep(dir, "full", "-j", "2"));
	free(sweep(dir, "part", "-j", "2"));
	/* an interrupted run: three points never written */
	const int lost[] = { 1, 4, 6 };
	for (size_t i = 0; i < 3; i++) {
		char p[600];
		snprintf(p, sizeof p, "%s/part/points/%06d.json", dir, lost[i]);
		cr_assert_eq(unlink(p), 0);
	}
	char *o = sweep(dir, "part", "-j", "2");
	cr_expect(strstr(o, "8 points (3 run now, 5 done before)"), "%s", o);
	free(o);
	expect_same_results(dir, "full", "part", 8);
	/* nothing left to do: nothing runs, nothing changes */
	o = sweep(dir, "part", NULL, NULL);
	cr_expect(strstr(o, "(0 run now, 8 done before)"), "%s", o);
	free(o);
	expect_same_results(dir, "full", "part", 8);
	cleanup(dir);
}

Test(sweep, another_spec_into_the_same_directory_is_refused)
{
	char dir[64];
	setup(dir, sizeof dir, "workload: {generate: {days: 1, projects_scale: 0.2}}\npolicies: [{name: fcfs}]\n");
	free(sweep(dir, "o", NULL, NULL));
	char spec[512], out[512], *o, *e;
	th_in(spec, sizeof spec, dir, "spec.yaml");
	th_in(out, sizeof out, dir, "o");
	FILE *f = fopen(spec, "w");
	fputs("workload: {generate: {days: 1, projects_scale: 0.2}}\npolicies: [{name: easy}]\n", f);
	fclose(f);
	int rc = th_exec(ARGS("sweep", spec, "--out", out), &o, &e);
	cr_expect_eq(rc, 2);
	cr_expect(strstr(e, "holds the results of another sweep"), "%s", e);
	free(o), free(e);
	/* one point by hand: into the other spec's directory, or one no sweep
	 * prepared, refused before it runs */
	rc = th_exec(ARGS("sweep", spec, "--out", out, "--point", "0"), &o, &e);
	cr_expect_eq(rc, 2, "%s", e);
	cr_expect(strstr(e, "holds the results of another sweep"), "%s", e);
	free(o), free(e);
	th_in(out, sizeof out, dir, "fresh");
	rc = th_exec(ARGS("sweep", spec, "--out", out, "--point", "0"), &o, &e);
	cr_expect_eq(rc, 2, "%s", e);
	cr_expect(strstr(e, "/fresh: not a results directory of this sweep spec (no sweep.json): run it without --point "
			    "first"), "%s", e);
	free(o), free(e);
	struct stat st;
	cr_expect_neq(stat(out, &st), 0, "%s was made", out);
	cleanup(dir);
}

Test(sweep, killed_with_sigkill_and_restarted_equals_an_uninterrupted_run)
{
	char dir[64];
	setup(dir, sizeof dir, small_spec);
	free(sweep(dir, "full", "-j", "2"));
	char spec[512], out[512];
	th_in(spec, sizeof spec, dir, "spec.yaml");
	th_in(out, sizeof out, dir, "killed");
	th_kill_at_first_point("sweep", spec, out);
	char *o = sweep(dir, "killed", "-j", "2");
	cr_expect(!strstr(o, "(8 run now"), "%s", o);
	free(o);
	expect_same_results(dir, "full", "killed", 8);
	cleanup(dir);
}

Test(sweep, the_example_spec_loads)
{
	/* configs/sweeps/h100-growth.yaml: 3 x 2 x 2 x 3 points */
	char spec[1024];
	snprintf(spec, sizeof spec, "%s/configs/sweeps/h100-growth.yaml", th_root());
	th_expect_spec_ends_before("sweep", spec, "--point", "36", "--point: 36 is not a point of this sweep (0 to 35)");
}

Test(sweep, a_malformed_trace_is_the_specs_error_before_any_run)
{
	char dir[64], path[512], spec[512], out[512], *o, *e;
	setup(dir, sizeof dir, "workload: {file: {path: bad.csv}}\npolicies: [{name: easy}]\n");
	th_in(path, sizeof path, dir, "bad.csv");
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("id,project\n1,x\n", f);
	fclose(f);
	th_in(spec, sizeof spec, dir, "spec.yaml");
	th_in(out, sizeof out, dir, "out");
	int rc = th_exec(ARGS("sweep", spec, "--out", out), &o, &e);
	cr_expect_eq(rc, 2);
	cr_expect(strstr(e, "spec.yaml:1:25: workload.file.path: ") && strstr(e, "bad.csv:1: header: column user is missing"),
		  "%s", e);
	cr_expect_neq(access(out, F_OK), 0);
	free(o), free(e);
	cleanup(dir);
}

/* cs_sweep_exec itself: each unit runs in a child of its own forked from
 * the caller (what a unit changes never reaches the caller or another
 * unit), a unit's exit status 2 is a bad-input failure naming the unit, a
 * unit killed by a signal is named with the signal, and the units in
 * flight when one fails still end (none is left running or unreaped);
 * what `before` makes in the caller for a unit is what that unit's child
 * sees, and its error fails the unit without starting it.
 * (A unit's return value becoming its exit status is what every sweep
 * through the binary checks.) */
static int exec_counter;
static long exec_made = -1; /* set by exec_before in the caller */

static int exec_before(void *ctx, size_t k, char *err, size_t errlen)
{
	(void)ctx;
	if (k == 12) {
		snprintf(err, errlen, "no inputs for %zu", k);
		return -CS_EINVAL;
	}
	exec_made = (long)k;
	return 0;
}

static int exec_unit(void *ctx, size_t k)
{
	const char *dir = ctx;
	char path[512];
	snprintf(path, sizeof path, "%s/%zu", dir, k);
	FILE *f = fopen(path, "w");
	if (!f)
		return 1;
	fprintf(f, "%ld %d %ld\n", (long)getpid(), ++exec_counter, exec_made);
	fclose(f);
	if (k == 9)
		raise(SIGKILL);
	/* _exit with what the unit would return: the test process has
	 * Criterion's threads, which a leak check at exit in a forked child
	 * (the sanitizers') cannot stop */
	_exit(k == 7 ? 2 : 0);
}

static void exec_read(const char *dir, size_t k, long *pid, int *counter, long *made)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%zu", dir, k);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "unit %zu did not run", k);
	cr_assert_eq(fscanf(f, "%ld %d %ld", pid, counter, made), 3);
	fclose(f);
}

Test(sweep_exec, runs_each_unit_in_a_child_of_its_own_and_names_the_one_that_fails)
{
	char dir[64], err[256];
	snprintf(dir, sizeof dir, "/tmp/capsim-exec-XXXXXX");
	th_mkdtemp(dir);
	size_t todo[6] = { 0, 1, 2, 3, 4, 5 }, ran = 9;
	int rc = cs_sweep_exec(exec_unit, exec_before, dir, "point", todo, 6, 2, NULL, NULL, &ran, err, sizeof err);
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert_eq(ran, 6);
	cr_assert_eq(exec_counter, 0, "a unit's change reached the caller");
	cr_assert_eq(exec_made, 5, "before was not called in the caller");
	long pids[6];
	for (size_t k = 0; k < 6; k++) {
		int counter;
		long made;
		exec_read(dir, k, &pids[k], &counter, &made);
		cr_assert_eq(counter, 1, "unit %zu saw another unit's change", k);
		cr_assert_eq(made, (long)k, "unit %zu saw what before made for unit %ld", k, made);
		cr_assert_neq(pids[k], (long)getpid());
		for (size_t j = 0; j < k; j++)
			cr_assert_neq(pids[j], pids[k], "units %zu and %zu shared a process", j, k);
	}

	size_t bad[3] = { 6, 7, 8 };
	rc = cs_sweep_exec(exec_unit, NULL, dir, "point", bad, 3, 1, NULL, NULL, &ran, err, sizeof err);
	cr_assert_eq(rc, -CS_EINVAL);
	cr_assert_str_eq(err, "point 7: its process failed (exit status 2; its message above)");
	cr_assert_eq(ran, 1, "a unit started after the failure");

	size_t killed[2] = { 9, 10 };
	rc = cs_sweep_exec(exec_unit, NULL, dir, "search", killed, 2, 2, NULL, NULL, &ran, err, sizeof err);
	cr_assert_eq(rc, -CS_EIO);
	cr_assert_str_eq(err, "search 9: its process was killed by signal 9");
	cr_assert_eq(ran, 1, "the unit in flight beside the failed one did not end");
	cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "a child was left unreaped");

	size_t unmade[3] = { 11, 12, 13 };
	rc = cs_sweep_exec(exec_unit, exec_before, dir, "point", unmade, 3, 1, NULL, NULL, &ran, err, sizeof err);
	cr_assert_eq(rc, -CS_EINVAL);
	cr_assert_str_eq(err, "point 12: no inputs for 12");
	cr_assert_eq(ran, 1);
	char path[512];
	th_in(path, sizeof path, dir, "12");
	cr_assert_neq(access(path, F_OK), 0, "the unit whose before failed ran");
	th_in(path, sizeof path, dir, "13");
	cr_assert_neq(access(path, F_OK), 0, "a unit started after the failure");
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}
