/* A Batsim workload runs on the machine it describes: without --cluster,
 * nb_res one-processor nodes (Batsim's resources are hosts a job holds
 * whole), or --procs / --nodes of them; through the capsim binary. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NJOBS 7

static const char *queue4(void)
{
	static char b[1024];
	snprintf(b, sizeof b, "%s/tests/data/jsontrace/batsim_queue4.json", th_root());
	return b;
}

/* Run capsim with args (ending in "--out", dir is added) and read the start
 * of jobs 1..NJOBS from jobs.csv (-1: the job is not in it). Returns the
 * summary printed on stdout (malloc'ed). */
static char *run_starts(const char *const *args, long long start[NJOBS + 1])
{
	char dir[] = "/tmp/capsim-bsm-XXXXXX";
	th_mkdtemp(dir);
	const char *argv[32];
	size_t n = 0;
	for (; args[n]; n++)
		argv[n] = args[n];
	argv[n++] = "--out";
	argv[n++] = dir;
	argv[n] = NULL;
	char *out, *err;
	int rc = th_exec(argv, &out, &err);
	cr_assert_eq(rc, 0, "exit %d: %s", rc, err);
	free(err);
	char path[512];
	th_in(path, sizeof path, dir, "jobs.csv");
	char *csv = th_slurp(path, NULL);
	cr_assert_not_null(csv);
	for (int i = 0; i <= NJOBS; i++)
		start[i] = -1;
	for (char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
		long long id, submit, st;
		cr_assert_eq(sscanf(line + 1, "%lld,%lld,%lld", &id, &submit, &st), 3, "%s", line + 1);
		cr_assert(id >= 1 && id <= NJOBS);
		start[id] = st;
	}
	free(csv);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	cr_assert_eq(system(path), 0);
	return out;
}

/* tests/data/jsontrace/batsim_queue4.json, nb_res 4:
 *
 *   job  submit  res  run (= walltime)
 *   A=1     0     3   100
 *   B=2    10     2    50
 *   C=3    20     1    50
 *   D=4    30     3    20
 *   E=5    40     1   200
 *   F=6    50     1   100
 *   G=7    60     1    40
 *
 * EASY (hold for the head of the queue, backfill what does not delay it):
 *   0   A starts (1 host free).
 *   10  B waits: A ends at 100, then 4 free, B takes 2: shadow 100, extra 2.
 *   20  C (1 host, ends 70 <= 100) backfills on the free host.
 *   70  C ends; E (1 host, ends 270 > 100) fits the extra 2: backfills.
 *       D (3) does not fit the one free host; F and G: nothing free.
 *   100 A ends: B starts (1 host left). Head D: B ends at 150 and gives
 *       3 free, D takes 3: shadow 150, extra 0. F (ends 200 > 150) may not
 *       backfill; G (ends 140 <= 150) does.
 *   150 B ends: D starts on its 3 hosts (E holds the 4th).
 *   170 D ends: F starts.
 * FCFS (strict order):
 *   100 A ends: B and C start (3 hosts); D waits for 3.
 *   150 B, C end: D (3) and E (1) start.
 *   170 D ends: F and G start.
 */
Test(batsim_machine, a_workload_queues_on_its_nb_res_hosts_under_easy)
{
	long long s[NJOBS + 1];
	char *out = run_starts(ARGS("run", "--workload", queue4(), "--policy", "easy"), s);
	cr_assert(strstr(out, "batsim-nb_res, node by node: 4 nodes, 0 GPUs, 4 cores (fit best; from Batsim nb_res)"),
		  "%s", out);
	free(out);
	const long long want[NJOBS + 1] = { -1, 0, 100, 20, 150, 70, 170, 100 };
	for (int i = 1; i <= NJOBS; i++)
		cr_assert_eq(s[i], want[i], "job %d starts at %lld, not %lld", i, s[i], want[i]);
}

Test(batsim_machine, fcfs_keeps_the_order_on_the_same_hosts)
{
	long long s[NJOBS + 1];
	free(run_starts(ARGS("run", "--workload", queue4(), "--policy", "fcfs"), s));
	const long long want[NJOBS + 1] = { -1, 0, 100, 100, 150, 150, 170, 170 };
	for (int i = 1; i <= NJOBS; i++)
		cr_assert_eq(s[i], want[i], "job %d starts at %lld, not %lld", i, s[i], want[i]);
}

/* --procs 5 (or --nodes 5): B (2) fits beside A (3) at once. --procs 2:
 * A and D (3 hosts each) are larger than the machine, dropped and
 * counted; B then has both hosts at 10. */
Test(batsim_machine, procs_or_nodes_override_nb_res)
{
	long long s[NJOBS + 1];
	char *out = run_starts(ARGS("run", "--workload", queue4(), "--policy", "fcfs", "--procs", "5"), s);
	cr_assert(strstr(out, "5 nodes, 0 GPUs, 5 cores (fit best; from --procs)"), "%s", out);
	free(out);
	cr_assert_eq(s[1], 0);
	cr_assert_eq(s[2], 10);
	long long t[NJOBS + 1];
	free(run_starts(ARGS("run", "--workload", queue4(), "--policy", "fcfs", "--nodes", "5"), t));
	cr_assert_arr_eq(s, t, sizeof s, "--nodes 5 is --procs 5");
	out = run_starts(ARGS("run", "--workload", queue4(), "--procs", "2"), s);
	cr_assert(strstr(out, "5 simulated of 7 records; 2 dropped (larger_than_machine 2)"), "%s", out);
	free(out);
	cr_assert_eq(s[1], -1);
	cr_assert_eq(s[4], -1);
	cr_assert_eq(s[2], 10, "B takes both hosts at once");
}

/* With --cluster the jobs ask for res nodes x 1 core of that cluster, as
 * before: on the default data centre's 128-core nodes every job starts at
 * its submission. */
Test(batsim_machine, a_cluster_config_replaces_the_hosts)
{
	long long s[NJOBS + 1];
	char *out = run_starts(ARGS("run", "--workload", queue4(), "--cluster", "default"), s);
	cr_assert(strstr(out, "national-ai-dc, node by node: 354 nodes"), "%s", out);
	free(out);
	const long long submit[NJOBS + 1] = { -1, 0, 10, 20, 30, 40, 50, 60 };
	cr_assert_arr_eq(s, submit, sizeof s);
}

Test(batsim_machine, contradictory_sizes_are_refused)
{
	char want[2048];
	snprintf(want, sizeof want, "%s: --procs 8 contradicts --nodes 4: a Batsim workload's resources are "
		 "one-processor nodes", queue4());
	th_expect_usage_error(ARGS("run", "--workload", queue4(), "--procs", "8", "--nodes", "4"), want);
	snprintf(want, sizeof want, "%s: --procs-per-node 2: a Batsim workload's resources are one-processor nodes",
		 queue4());
	th_expect_usage_error(ARGS("run", "--workload", queue4(), "--procs-per-node", "2"), want);
	th_expect_usage_error(ARGS("run", "--workload", queue4(), "--cluster", "default", "--procs", "4"),
		     "--cluster sets the machine: drop --procs, --nodes and --procs-per-node");
	char *p = th_write_tmp("{\"nb_res\": 100000000, \"jobs\": [{\"id\": 1, \"subtime\": 0, \"res\": 1, "
			       "\"profile\": \"p\"}], \"profiles\": {\"p\": {\"type\": \"delay\", \"delay\": 5}}}",
			       ".json");
	snprintf(want, sizeof want, "%s: field nb_res: 100000000 resources: capsim models at most 67108864 nodes", p);
	th_expect_usage_error(ARGS("run", "--workload", p), want);
	th_unlink(p);
	/* the sizes of a trace's own machine mean nothing on a cluster config */
	p = th_write_tmp("id,submit,nodes,gpus_per_node,runtime,time_limit\n1,0,1,1,10,10\n", ".csv");
	th_expect_usage_error(ARGS("run", "--workload", p, "--procs", "4"),
		     "--procs, --nodes and --procs-per-node size an SWF or Batsim workload's own machine");
	th_unlink(p);
}

Test(batsim_machine, two_runs_give_byte_identical_outputs)
{
	char d1[] = "/tmp/capsim-bsm-XXXXXX", d2[] = "/tmp/capsim-bsm-XXXXXX";
	th_mkdtemp(d1);
	th_mkdtemp(d2);
	char *o1, *e1, *o2, *e2;
	cr_assert_eq(th_exec(ARGS("run", "--workload", queue4(), "--out", d1), &o1, &e1), 0, "%s", e1);
	cr_assert_eq(th_exec(ARGS("run", "--workload", queue4(), "--out", d2), &o2, &e2), 0, "%s", e2);
	cr_assert_str_eq(o1, o2);
	const char *files[] = { "summary.json", "jobs.csv", "batsim_jobs.csv", "timeseries.csv", "occupancy.csv" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		th_expect_same_file(d1, d2, files[i]);
	}
	free(o1), free(e1), free(o2), free(e2);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", d1, d2);
	cr_assert_eq(system(cmd), 0);
}
