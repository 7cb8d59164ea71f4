/* capsim plan (sim/capplan*.c, sim/cli/cli_plan.c; docs/plan.md), through
 * the binary: a plan on a small case worked by hand, the spec's errors
 * (static ones before any run), the same bytes whatever -j, shards merged
 * equal to one run, a plan killed with SIGKILL and resumed equal to an
 * uninterrupted one, the monotonicity warning; and the statistics. */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capsim/capplan.h"
#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* The hand-worked case: tests/data/plan: `gpu` nodes of one GPU (idle
 * 200 W, peak 1000 W, 10,000 EUR each) and one `cpu` node (100-500 W,
 * 3,000 EUR); PUE 1.5, 0.2 EUR/kWh. The workload: 10 jobs of one GPU for
 * 3600 s, all submitted at 0. On N nodes FCFS runs them in waves: job i
 * (0-based) starts at floor(i / N) h, so
 *   max wait  = floor(9 / N) h:   N = 1: 9h, 3: 3h, 4: 2h, 5..9: 1h, >= 10: 0
 *   mean wait = mean of floor(i / N) h: N = 4: (4x0 + 4x1 + 2x2)/10 = 0.8h,
 *               5: 0.5h, 6: 0.4h, 7: 0.3h
 *   GPU utilization = 10 / (N x ceil(10 / N)): N = 1: 1, 3: 0.833, 4: 0.833,
 *               5: 1, 6: 0.833, 7: 0.714, 12: 0.833 (not monotone in N).
 * Targets max_wait <= 1h and mean_wait <= 30min, searched in [1, 12]: both
 * fail at 1 and hold at 12 (need at least). Bisection: 6 meets (1h, 0.4h)
 * -> [1, 6]; 3 fails (3h) -> [3, 6]; 4 fails (2h) -> [4, 6]; 5 meets (1h,
 * 0.5h) -> answer 5, counts run 1, 12, 6, 3, 4, 5. One seed (a trace
 * file): no interval, recommended 5. At 5 nodes all five run both hours:
 * mean IT power 5 x 1000 + 100 (the idle cpu node) = 5.1 kW, x 1.5 =
 * 7.65 kW = 0.00765 MW; x 8760 h = 67.014 MWh a year, x 0.2 EUR/kWh =
 * 13,402.8 EUR; peak (500 + 5 x 1000) x 1.5 = 8.25 kW = 0.00825 MW; capital
 * 5 x 10,000 = 50,000 EUR, the whole cluster 53,000. */
static const char hand_targets[] = "targets: [max_wait <= 1h, mean_wait <= 30min]\n";

/* dir/spec.yaml: the hand case's cluster and workload, with `rest`
 * (search, targets, ...) after them */
static void write_spec(const char *dir, const char *workload_extra, const char *rest)
{
	char path[512];
	th_in(path, sizeof path, dir, "spec.yaml");
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "cluster: %s/tests/data/plan/cluster.yaml\nworkload: {file: {path: %s/tests/data/plan/workload.csv%s}}\n%s",
		th_root(), th_root(), workload_extra, rest);
	fclose(f);
}

/* A fresh directory holding that spec.yaml */
static void setup(char *dir, size_t len, const char *workload_extra, const char *rest)
{
	snprintf(dir, len, "/tmp/capsim-plan-XXXXXX");
	th_mkdtemp(dir);
	write_spec(dir, workload_extra, rest);
}

static void cleanup(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

/* A fresh directory holding spec.yaml (its path in spec) with text */
static void setup_text(char *dir, size_t len, char *spec, size_t slen, const char *text)
{
	snprintf(dir, len, "/tmp/capsim-plan-XXXXXX");
	th_mkdtemp(dir);
	snprintf(spec, slen, "%s/spec.yaml", dir);
	FILE *f = fopen(spec, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

/* capsim plan DIR/spec.yaml --out DIR/NAME [a1 a2]; the exit status, stdout and stderr */
static int plan(const char *dir, const char *name, const char *a1, const char *a2, char **o, char **e)
{
	char spec[512], out[512];
	th_in(spec, sizeof spec, dir, "spec.yaml");
	th_in(out, sizeof out, dir, name);
	return th_exec(a1 ? (a2 ? ARGS("plan", spec, "--out", out, a1, a2) : ARGS("plan", spec, "--out", out, a1))
			  : ARGS("plan", spec, "--out", out),
		       o, e);
}

/* the same, asserting exit 0; stdout */
static char *plan_ok(const char *dir, const char *name, const char *a1, const char *a2)
{
	char *o, *e;
	int rc = plan(dir, name, a1, a2, &o, &e);
	cr_assert_eq(rc, 0, "capsim plan %s: exit %d: %s", name, rc, e);
	free(e);
	return o;
}

static char *file_in(const char *dir, const char *name, const char *file)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s/%s", dir, name, file);
	char *s = th_slurp(path, NULL);
	cr_assert_not_null(s, "%s", path);
	return s;
}

static void expect_same_results(const char *dir, const char *a, const char *b)
{
	char da[512], db[512];
	th_in(da, sizeof da, dir, a);
	th_in(db, sizeof db, dir, b);
	static const char *const files[] = { "plan.json", "plan.csv", "plan_points.csv", "plan.html", "plan-spec.json",
					     "sweep.json" };
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		th_expect_same_file(da, db, files[i]);
	/* and the same point files */
	char *o = NULL;
	cr_expect_eq(th_sh(&o, "cd '%s/points' && ls > /tmp/capsim-plan-ls-a.$$ && cd '%s/points' && ls | cmp - "
			       "/tmp/capsim-plan-ls-a.$$; r=$?; rm -f /tmp/capsim-plan-ls-a.$$; exit $r", da, db),
		     0, "the points differ: %s", o);
	free(o);
}

Test(plan, finds_the_hand_worked_answer_with_its_cost_power_and_energy)
{
	char dir[64];
	setup(dir, sizeof dir, "", "policies: [{name: fcfs}]\nsearch: {type: gpu, min: 1, max: 12}\n");
	char path[512];
	th_in(path, sizeof path, dir, "spec.yaml");
	FILE *f = fopen(path, "a");
	fputs(hand_targets, f);
	fclose(f);
	char *o = plan_ok(dir, "out", "-j", "1");
	cr_expect(strstr(o, "projects x1                fcfs         5 "), "%s", o);
	cr_expect(strstr(o, "50000 EUR"), "%s", o);
	cr_expect(strstr(o, "plan: 1 search (1 run now, 0 done before)"), "%s", o);
	char *csv = file_in(dir, "out", "plan.csv");
	cr_expect(strstr(csv, "\nprojects_scale=1 load_scale=1,1,1,fcfs,met,5,5,,,5,5,1,50000,53000,EUR,0.00825,0.00765,"
			      "67.014,13402.8\n"), "%s", csv);
	char *pts = file_in(dir, "out", "plan_points.csv");
	/* the counts run, by count, with their waits and whether they meet both */
	cr_expect(strstr(pts, "point,search,count,level,policy,seed,max_wait,mean_wait,meets,mean_power_kw\n"
			      "0,0,1,projects_scale=1 load_scale=1,fcfs,1,32400,16200,0,1.1\n"
			      "2,0,3,projects_scale=1 load_scale=1,fcfs,1,10800,4320,0,2.7\n"
			      "3,0,4,projects_scale=1 load_scale=1,fcfs,1,7200,2880,0,"), "%s", pts);
	cr_expect(strstr(pts, "\n4,0,5,projects_scale=1 load_scale=1,fcfs,1,3600,1800,1,5.1\n"
			      "5,0,6,projects_scale=1 load_scale=1,fcfs,1,3600,1440,1,5.3\n"
			      "11,0,12,projects_scale=1 load_scale=1,fcfs,1,0,0,1,10.5\n"), "%s", pts);
	cr_expect_eq(th_count_lines(pts), 7);
	char *html = file_in(dir, "out", "plan.html");
	cr_expect(strstr(html, "<svg") && strstr(html, "gpu nodes needed") && !strstr(html, "<script"));
	free(o), free(csv), free(pts), free(html);
	cleanup(dir);
}

Test(plan, searches_only_the_counts_of_its_step)
{
	/* the hand case on the counts 1, 3, 5, 7, 9, 11: runs 1, 11, then by
	 * steps 5 (meets) and 3 (fails): answer 5 */
	char dir[64];
	setup(dir, sizeof dir, "", "policies: [{name: fcfs}]\nsearch: {type: gpu, min: 1, max: 11, step: 2}\n"
				   "targets: [max_wait <= 1h, mean_wait <= 30min]\n");
	char *o = plan_ok(dir, "out", NULL, NULL);
	cr_expect(strstr(o, "searched in [1, 11] by steps of 2") && strstr(o, "fcfs         5 "), "%s", o);
	char *pts = file_in(dir, "out", "plan_points.csv");
	cr_expect_eq(th_count_lines(pts), 5, "%s", pts);
	cr_expect(strstr(pts, "\n2,0,3,") && strstr(pts, "\n4,0,5,") && strstr(pts, "\n10,0,11,"), "%s", pts);
	free(o), free(pts);
	cleanup(dir);
}

Test(plan, bounds_a_partitions_waits)
{
	/* every job of the hand case is in partition gpu: its waits are the
	 * whole run's, and the answer the same, 5 */
	char dir[64];
	setup(dir, sizeof dir, "", "policies: [{name: fcfs}]\nsearch: {type: gpu, min: 1, max: 12}\n"
				   "targets: [partitions.gpu.max_wait <= 1h, partitions.gpu.mean_wait <= 30min]\n");
	char *o = plan_ok(dir, "out", NULL, NULL);
	cr_expect(strstr(o, "fcfs         5 "), "%s", o);
	char *pts = file_in(dir, "out", "plan_points.csv");
	cr_expect(strstr(pts, ",partitions.gpu.max_wait,partitions.gpu.mean_wait,meets,") &&
		  strstr(pts, "\n3,0,4,projects_scale=1 load_scale=1,fcfs,1,7200,2880,0,") &&
		  strstr(pts, "\n4,0,5,projects_scale=1 load_scale=1,fcfs,1,3600,1800,1,"), "%s", pts);
	free(o), free(pts);
	cleanup(dir);
}

/* The error: exit 2, one line naming the spec file, line, column and key;
 * the --out directory never made. */
static void expect_spec_error(const char *rest, const char *want)
{
	char dir[64], out[512], *o, *e;
	setup(dir, sizeof dir, "", rest);
	th_in(out, sizeof out, dir, "out");
	int rc = plan(dir, "out", NULL, NULL, &o, &e);
	cr_expect_eq(rc, 2, "exit %d: %s", rc, e);
	cr_expect(strstr(e, want), "expected '%s' in: %s", want, e);
	cr_expect_eq(th_count_lines(e), 1, "%s", e);
	cr_expect_str_empty(o);
	struct stat st;
	cr_expect_neq(stat(out, &st), 0, "the spec's error came after %s was made", out);
	free(o), free(e);
	cleanup(dir);
}

#define POL "policies: [{name: fcfs}]\n"
#define SEARCH "search: {type: gpu, min: 1, max: 12}\n"

Test(plan, an_unknown_metric_is_refused_at_its_line_before_any_run)
{
	expect_spec_error(POL SEARCH "targets:\n  - p95_wait <= 4h\n  - p97_wait <= 4h\n",
			  "spec.yaml:7:5: targets[1]: unknown metric 'p97_wait', expected one of: mean_wait");
	/* a partition the cluster lacks */
	expect_spec_error(POL SEARCH "targets: [partitions.h100.p95_wait <= 4h]\n",
			  "spec.yaml:5:11: targets[0]: unknown metric 'partitions.h100.p95_wait'");
}

Test(plan, an_empty_range_is_refused_with_its_key)
{
	expect_spec_error(POL "search: {type: gpu, min: 8, max: 3}\n" "targets: [p95_wait <= 4h]\n",
			  "spec.yaml:4:34: search.max: empty range: max 3 is below min 8");
	expect_spec_error(POL "search: {type: gpu, min: 1}\n" "targets: [p95_wait <= 4h]\n",
			  "spec.yaml:4:10: search.max: missing required key");
	expect_spec_error(POL "search: {type: gpu, min: 1, max: 12, step: 2}\n" "targets: [p95_wait <= 4h]\n",
			  "spec.yaml:4:34: search.max: max - min = 11 is not a multiple of step 2");
}

Test(plan, an_impossible_target_is_refused_before_any_run)
{
	expect_spec_error(POL SEARCH "targets: [utilization >= 1.5]\n",
			  "spec.yaml:5:11: targets[0]: 'utilization >= 1.5': no share is above 1");
	expect_spec_error(POL SEARCH "targets: [p95_wait <= -1h]\n",
			  "spec.yaml:5:11: targets[0]: 'p95_wait <= -1h': no wait is below 0");
	expect_spec_error(POL SEARCH "targets: [mean_bounded_slowdown <= 0.5]\n",
			  "spec.yaml:5:11: targets[0]: 'mean_bounded_slowdown <= 0.5': no slowdown is below 1");
	/* grants without accounts */
	expect_spec_error(POL SEARCH "targets: [grants.delivery >= 0.95]\n",
			  "spec.yaml:5:11: targets[0]: grants.delivery needs grants");
	/* goodput without a failure model */
	expect_spec_error(POL SEARCH "targets: [reliability.goodput >= 0.9]\n",
			  "spec.yaml:5:11: targets[0]: reliability.goodput needs a failure model");
}

/* Goodput is a target on a cluster with a failure model: the spec loads
 * (--search past its one search is refused only once it has been read). */
/* A spec of a day of the generated workload under EASY on CLUSTER (a
 * config under configs/clusters), searching h100 in [20, 40] for TARGETS,
 * loads: --search past its one search is refused only once it is read. */
static void expect_loads_on(const char *cluster, const char *targets)
{
	char dir[64], spec[600];
	snprintf(dir, sizeof dir, "/tmp/capsim-plan-XXXXXX");
	th_mkdtemp(dir);
	th_in(spec, sizeof spec, dir, "spec.yaml");
	FILE *f = fopen(spec, "w");
	cr_assert_not_null(f);
	fprintf(f, "cluster: %s/configs/clusters/%s\n"
		   "workload: {generate: {days: 1}}\npolicies: [{name: easy}]\n"
		   "search: {type: h100, min: 20, max: 40}\ntargets: %s\n",
		th_root(), cluster, targets);
	fclose(f);
	th_expect_spec_ends_before("plan", spec, "--search", "1", "--search: 1 is not a search of this plan (0 to 0)");
	th_sh(NULL, "rm -rf '%s'", dir);
}

/* Goodput is a target on a cluster with a failure model. */
Test(plan, goodput_is_a_target_on_a_cluster_with_failures)
{
	expect_loads_on("national-ai-dc-failures.yaml", "[reliability.goodput >= 0.9]");
}

Test(plan, a_bad_duration_or_bound_is_refused_with_its_key)
{
	expect_spec_error(POL SEARCH "targets: [p95_wait <= 4hours]\n",
			  "spec.yaml:5:11: targets[0]: 'p95_wait <= 4hours': unknown unit: expected s, min, h or d");
	expect_spec_error(POL SEARCH "targets: [utilization >= 0.7h]\n",
			  "spec.yaml:5:11: targets[0]: 'utilization >= 0.7h': a unit on a metric that has none");
	expect_spec_error(POL SEARCH "targets: [p95_wait = 4h]\n",
			  "spec.yaml:5:11: targets[0]: 'p95_wait = 4h' is not METRIC OP BOUND");
	expect_spec_error(POL SEARCH "targets: [p95_wait <= soon]\n",
			  "spec.yaml:5:11: targets[0]: 'p95_wait <= soon': the bound is not a number");
	expect_spec_error(POL SEARCH "targets: [p95_wait <= 4h]\nconfidence: 1\n",
			  "spec.yaml:6:13: confidence: expected a level in (0, 1)");
}

Test(plan, an_unknown_node_type_or_key_is_refused)
{
	expect_spec_error(POL "search: {type: h100, min: 1, max: 4}\n" "targets: [p95_wait <= 4h]\n",
			  "spec.yaml:4:16: search.type: no node type 'h100' in cluster plan-test (it has: gpu, cpu)");
	expect_spec_error(POL SEARCH "targets: [p95_wait <= 4h]\nscale: [{}]\n",
			  "spec.yaml:6:1: scale: unknown key, expected one of: cluster, workload");
	/* a count the cluster cannot take: no gpu node left for its partition */
	expect_spec_error(POL "search: {type: gpu, min: 0, max: 4}\n" "targets: [p95_wait <= 4h]\n",
			  "spec.yaml:4:26: search.min: --scale: partition 'gpu' would have no nodes");
}

Test(plan, a_target_no_count_meets_is_named_by_its_spec_line)
{
	/* max_wait <= 1h needs 5 nodes; searched in [1, 4] it is met nowhere */
	char dir[64], *o, *e;
	setup(dir, sizeof dir, "", POL "search: {type: gpu, min: 1, max: 4}\n" "targets: [mean_wait <= 1h, max_wait <= 1h]\n");
	int rc = plan(dir, "out", NULL, NULL, &o, &e);
	cr_expect_eq(rc, 2, "%s", e);
	cr_expect(strstr(e, "spec.yaml:5:28: targets[1]: 'max_wait <= 1h' is met by no gpu count in [1, 4] "
			    "(projects_scale=1 load_scale=1, policy fcfs, seed 1: 9h at 1, 2h at 4)"), "%s", e);
	cr_expect(strstr(o, "not met at max"), "%s", o);
	free(o), free(e);
	char *csv = file_in(dir, "out", "plan.csv");
	cr_expect(strstr(csv, ",fcfs,not met at max,-,"), "%s", csv);
	free(csv);
	cleanup(dir);
}

Test(plan, targets_no_one_count_meets_together_are_a_conflict)
{
	/* mean_wait <= 20min needs 7 nodes (0.3h); gpu_utilization >= 0.95
	 * holds at 1 (1.0), fails at 12 (0.833): at most; at 7 it is 0.714 */
	char dir[64], *o, *e;
	setup(dir, sizeof dir, "", POL SEARCH "targets: [mean_wait <= 20min, gpu_utilization >= 0.95]\n");
	int rc = plan(dir, "out", NULL, NULL, &o, &e);
	cr_expect_eq(rc, 2, "%s", e);
	cr_expect(strstr(e, "targets[1]: 'gpu_utilization >= 0.95' is not met at 7 gpu nodes (0.7143 there), the fewest "
			    "that meet the other targets"), "%s", e);
	cr_expect(strstr(o, "targets conflict"), "%s", o);
	free(o), free(e);
	cleanup(dir);
}

/* Power as a target (the hand case): peak IT power at N <= 10 nodes is N
 * busy GPU nodes at 1000 W + the idle cpu node's 100 W = 1000 N + 100 W.
 * max_wait <= 1h needs 5 nodes; peak <= 0.0051 MW (5.1 kW) holds at 1 and
 * fails at 12 (10 x 1000 + 2 idle x 200 + 100 = 10.5 kW): an "at most"
 * target, met at 5 exactly. Strictly below 5.1 kW it fails at 5: a
 * conflict. */
Test(plan, bounds_peak_power_in_kw_or_mw)
{
	char dir[64], *o, *e;
	setup(dir, sizeof dir, "", POL SEARCH "targets: [max_wait <= 1h, energy.peak_it_power_kw <= 0.0051MW]\n");
	o = plan_ok(dir, "out", NULL, NULL);
	cr_expect(strstr(o, "fcfs         5 "), "%s", o);
	char *pts = file_in(dir, "out", "plan_points.csv");
	cr_expect(strstr(pts, "point,search,count,level,policy,seed,max_wait,energy.peak_it_power_kw,meets,mean_power_kw\n"
			      "0,0,1,projects_scale=1 load_scale=1,fcfs,1,32400,1.1,0,1.1\n"), "%s", pts);
	cr_expect(strstr(pts, "\n4,0,5,projects_scale=1 load_scale=1,fcfs,1,3600,5.1,1,5.1\n") &&
			  strstr(pts, "\n11,0,12,projects_scale=1 load_scale=1,fcfs,1,0,10.5,0,10.5\n"), "%s", pts);
	free(o), free(pts);
	cleanup(dir);
	setup(dir, sizeof dir, "", POL SEARCH "targets: [max_wait <= 1h, energy.peak_it_power_kw < 5.1kW]\n");
	cr_expect_eq(plan(dir, "out", NULL, NULL, &o, &e), 2, "%s", e);
	cr_expect(strstr(e, "targets[1]: 'energy.peak_it_power_kw < 5.1kW' is not met at 5 gpu nodes (5.1 kW there)"),
		  "%s", e);
	free(o), free(e);
	cleanup(dir);
}

/* Energy and storage targets: their units, and storage only on a cluster
 * with storage tiers (the default data centre has three; the plan-test
 * cluster none). */
Test(plan, energy_and_storage_targets_take_their_units)
{
	expect_spec_error(POL SEARCH "targets: [energy.peak_facility_power_kw <= 4h]\n",
			  "spec.yaml:5:11: targets[0]: 'energy.peak_facility_power_kw <= 4h': unknown unit: expected kW or MW");
	expect_spec_error(POL SEARCH "targets: [energy.facility_energy_kwh <= 3TB]\n",
			  "unknown unit: expected kWh, MWh or GWh");
	expect_spec_error(POL SEARCH "targets: [energy.cost <= 5kW]\n", "a unit on a metric that has none");
	expect_spec_error(POL SEARCH "targets: [energy.it_energy_kwh <= -1MWh]\n",
			  "no power, energy or cost is below 0");
	expect_spec_error(POL SEARCH "targets: [storage.headroom_tb >= 1PB]\n",
			  "spec.yaml:5:11: targets[0]: storage.headroom_tb needs storage: the cluster config has no storage "
			  "tiers");
	expect_spec_error(POL SEARCH "targets: [storage.tiers.scratch.headroom_tb >= 1PB]\n",
			  "unknown metric 'storage.tiers.scratch.headroom_tb'");
	/* on the data centre a tier's headroom loads (a bare number is TB) */
	expect_loads_on("national-ai-dc.yaml",
			"[storage.tiers.project.headroom_tb >= 20000, energy.facility_energy_kwh <= 5GWh]");
}

Test(plan, warns_when_a_metric_is_not_monotone_in_the_count)
{
	/* max_wait <= 1h and gpu_utilization <= 0.9, both at least: runs 1,
	 * 12, 6 (meets), 3, 4, 5 (utilization 1: fails) -> answer 6; over the
	 * counts run the utilization goes 1, 0.833, 0.833, 1, 0.833, 0.833 */
	char dir[64], *o, *e;
	setup(dir, sizeof dir, "", POL SEARCH "targets: [max_wait <= 1h, gpu_utilization <= 0.9]\n");
	int rc = plan(dir, "out", NULL, NULL, &o, &e);
	cr_expect_eq(rc, 0, "%s", e);
	cr_expect(strstr(e, "capsim: plan: warning: projects_scale=1 load_scale=1, policy fcfs, seed 1: gpu_utilization "
			    "is 0.8333 at 4 gpu nodes but 1 at 5 (expected never to rise as the count rises)"), "%s", e);
	cr_expect(strstr(o, "fcfs         6 ") && strstr(o, "NO (see stderr)"), "%s", o);
	free(o), free(e);
	char *j = file_in(dir, "out", "plan.json");
	cr_expect(strstr(j, "\"monotone\": false"), "%s", j);
	free(j);
	cleanup(dir);
}

/* 2 levels x 2 policies x 2 seeds = 8 searches; projects_scale 2 doubles
 * the jobs (20: 10 nodes needed), so the seeds run the same jobs */
#define GRID POL_2 SEARCH "targets: [max_wait <= 1h, mean_wait <= 30min]\nseeds: [1, 2]\n"
#define POL_2 "policies: [{name: fcfs}, {name: easy}]\n"

Test(plan, gives_the_same_bytes_with_one_worker_or_two)
{
	char dir[64];
	setup(dir, sizeof dir, ", projects_scale: [1, 2]", GRID);
	char *o1 = plan_ok(dir, "j1", "-j", "1"), *o2 = plan_ok(dir, "j2", "-j", "2");
	cr_expect(strstr(o1, "plan: 8 searches (8 run now, 0 done before)"), "%s", o1);
	cr_expect(strstr(o1, "projects x2                fcfs         10.0 [10.0, 10.0] "), "%s", o1);
	expect_same_results(dir, "j1", "j2");
	free(o1), free(o2);
	cleanup(dir);
}

Test(plan, shards_merged_equal_the_single_run)
{
	char dir[64];
	setup(dir, sizeof dir, ", projects_scale: [1, 2]", GRID);
	free(plan_ok(dir, "all", "-j", "2"));
	char *a = plan_ok(dir, "s1", "--shard", "1/3"), *b = plan_ok(dir, "s2", "--shard", "2/3"),
	     *c = plan_ok(dir, "s3", "--shard", "3/3");
	cr_expect(strstr(a, "plan: 8 searches, shard 1/3: 3 of them (3 run now, 0 done before)"), "%s", a);
	char s1[512], s2[512], s3[512], m[512], *o, *e;
	th_in(s1, sizeof s1, dir, "s1");
	th_in(s2, sizeof s2, dir, "s2");
	th_in(s3, sizeof s3, dir, "s3");
	th_in(m, sizeof m, dir, "merged");
	/* two of three: the searches of the third are unfinished */
	int rc = th_exec(ARGS("plan", "merge", s1, s2, "--out", m), &o, &e);
	cr_expect_eq(rc, 2);
	cr_expect(strstr(e, "search 2 (projects_scale=1 load_scale=1, policy easy, seed 1) is unfinished"), "%s", e);
	free(o), free(e);
	char cmd[1100];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", m);
	cr_assert_eq(system(cmd), 0);
	rc = th_exec(ARGS("plan", "merge", s1, s2, s1, "--out", m), &o, &e);
	cr_expect_eq(rc, 2);
	cr_expect(strstr(e, "is in both"), "%s", e);
	free(o), free(e);
	cr_assert_eq(th_exec(ARGS("plan", "merge", s3, s1, s2, "--out", m), &o, &e), 0, "%s", e);
	cr_expect(strstr(o, "projects x2"), "%s", o);
	free(o), free(e);
	expect_same_results(dir, "all", "merged");
	free(a), free(b), free(c);
	cleanup(dir);
}

Test(plan, killed_with_sigkill_and_resumed_equals_an_uninterrupted_run)
{
	/* a plan slow enough to kill mid-search: a day of the default
	 * workload at a fifth of its projects, h100 searched in [4, 110] */
	char dir[64], spec[512], out[512];
	setup_text(dir, sizeof dir, spec, sizeof spec,
		   "workload: {generate: {days: 1, projects_scale: 0.2}}\npolicies: [{name: easy}]\n"
		   "search: {type: h100, min: 4, max: 110}\ntargets: [partitions.h100.p95_wait <= 1h]\nseeds: [1, 2]\n");
	free(plan_ok(dir, "full", "-j", "2"));
	th_in(out, sizeof out, dir, "killed");
	/* killed once the first search's first count (4), point 0, is written */
	th_kill_at_first_point("plan", spec, out);
	char *o = plan_ok(dir, "killed", "-j", "2");
	cr_expect(strstr(o, "plan: 2 searches (2 run now, 0 done before)"), "%s", o);
	free(o);
	expect_same_results(dir, "full", "killed");
	/* nothing left to run: the same again */
	o = plan_ok(dir, "killed", NULL, NULL);
	cr_expect(strstr(o, "(0 run now, 2 done before)"), "%s", o);
	free(o);
	expect_same_results(dir, "full", "killed");
	cleanup(dir);
}

/* A search's counts run one after another on copies of one generated
 * workload and its loaded accounts (cs_sweep_point_inputs): what a count
 * does to its copy must not reach the next. A count run after others so
 * must be byte for byte the count run first, which a plan run again
 * without that point's file does (its search reads the counts before it
 * from their files). */
Test(plan, a_count_run_on_the_searchs_kept_workload_equals_it_run_alone)
{
	char dir[64], spec[512], pt[600];
	setup_text(dir, sizeof dir, spec, sizeof spec,
		   "workload: {generate: {days: 1, projects_scale: 0.2}}\naccounts: generate\n"
		   "policies: [{name: multifactor}]\nsearch: {type: h100, min: 4, max: 40}\n"
		   "targets: [partitions.h100.p95_wait <= 1h]\nseeds: [1]\n");
	free(plan_ok(dir, "full", "-j", "1"));
	/* one level, policy and seed: point K is count 4 + K; evaluated
	 * first 4 (point 0), then 40 (point 36) on the kept workload */
	char *full36 = file_in(dir, "full", "points/000036.json");
	cr_expect(strstr(full36, "\"policy\": \"multifactor\""), "%s", full36);
	th_in(pt, sizeof pt, dir, "full/points/000036.json");
	cr_assert_eq(remove(pt), 0);
	char *o = plan_ok(dir, "full", "-j", "1");
	cr_expect(strstr(o, "plan: 1 search (1 run now, 0 done before)"), "%s", o);
	char *again36 = file_in(dir, "full", "points/000036.json");
	cr_expect_str_eq(again36, full36);
	free(o), free(full36), free(again36);
	cleanup(dir);
}

Test(plan, one_search_by_hand_needs_the_plans_own_directory)
{
	char dir[64], out[600], *o, *e;
	setup(dir, sizeof dir, "", POL SEARCH "targets: [max_wait <= 1h]\n");
	/* a directory no plan prepared */
	int rc = plan(dir, "fresh", "--search", "0", &o, &e);
	cr_expect_eq(rc, 2, "%s", e);
	cr_expect(strstr(e, "/fresh: not a results directory of this plan spec (no sweep.json): run it without --search "
			    "first"), "%s", e);
	free(o), free(e);
	th_in(out, sizeof out, dir, "fresh");
	struct stat st;
	cr_expect_neq(stat(out, &st), 0, "%s was made", out);
	/* another plan's */
	free(plan_ok(dir, "o", NULL, NULL));
	write_spec(dir, "", POL "search: {type: gpu, min: 1, max: 11}\ntargets: [max_wait <= 1h]\n");
	rc = plan(dir, "o", "--search", "0", &o, &e);
	cr_expect_eq(rc, 2, "%s", e);
	cr_expect(strstr(e, "holds the results of another plan"), "%s", e);
	free(o), free(e);
	cleanup(dir);
}

Test(plan, the_example_specs_load)
{
	/* configs/plans: 4 levels x 1 policy x 5 seeds, and the demo's 4 x 1 x 3 */
	char spec[1024];
	snprintf(spec, sizeof spec, "%s/configs/plans/h100-growth.yaml", th_root());
	th_expect_spec_ends_before("plan", spec, "--search", "20", "--search: 20 is not a search of this plan (0 to 19)");
	snprintf(spec, sizeof spec, "%s/configs/plans/h100-growth-demo.yaml", th_root());
	th_expect_spec_ends_before("plan", spec, "--search", "12", "--search: 12 is not a search of this plan (0 to 11)");
}

Test(plan, t_quantiles_match_the_tables)
{
	/* two-sided 95 %: t(0.975; df) from the standard tables */
	cr_expect(fabs(cs_capplan_t_quantile(0.975, 1) - 12.706205) < 1e-5);
	cr_expect(fabs(cs_capplan_t_quantile(0.975, 2) - 4.302653) < 1e-5);
	cr_expect(fabs(cs_capplan_t_quantile(0.975, 4) - 2.776445) < 1e-5);
	cr_expect(fabs(cs_capplan_t_quantile(0.975, 9) - 2.262157) < 1e-5);
	cr_expect(fabs(cs_capplan_t_quantile(0.95, 30) - 1.697261) < 1e-5);
	cr_expect(fabs(cs_capplan_t_quantile(0.995, 1000) - 2.580755) < 1e-4);
	cr_expect(fabs(cs_capplan_t_quantile(0.025, 4) + 2.776445) < 1e-5);
	cr_expect(fabs(cs_capplan_t_quantile(0.5, 3)) < 1e-9);
}

Test(plan, the_monotonicity_check_finds_the_first_step_against_the_direction)
{
	size_t at = 99;
	const double falling[] = { 9, 5, 5, 2, 0 }, bump[] = { 9, 5, 6, 2 }, flat[] = { 1, 1, 1 };
	cr_expect(cs_capplan_monotone(falling, 5, -1, &at));
	cr_expect(!cs_capplan_monotone(falling, 5, 1, &at));
	cr_expect_eq(at, 0);
	cr_expect(!cs_capplan_monotone(bump, 4, -1, &at));
	cr_expect_eq(at, 1);
	cr_expect(cs_capplan_monotone(flat, 3, 0, &at));
	cr_expect(!cs_capplan_monotone(bump, 4, 0, &at));
	cr_expect_eq(at, 0);
	cr_expect(cs_capplan_monotone(bump, 1, 1, &at));
}
