/* Partition-aware scheduling (docs/policies.md#partitions): on a node
 * model with several partitions fcfs, easy and multifactor block and
 * reserve per partition; queue=global keeps one queue. Two-partition
 * cases worked out by hand, through the binary. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define HDR "id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,runtime,qos,partition,state\n"

/* Start times by job id (index id - 1), from jobs.csv of a run of `jobs`
 * under `policy` with the extra options; n jobs. */
static void starts(const char *jobs, const char *const *extra, long long *st, size_t n)
{
	char dir[] = "/tmp/capsim-part-XXXXXX", od[600];
	th_run_two_partitions(dir, jobs, extra, od, sizeof od);
	char p[700];
	th_in(p, sizeof p, od, "jobs.csv");
	char *csv = th_slurp(p, NULL);
	cr_assert_not_null(csv);
	for (size_t i = 0; i < n; i++)
		st[i] = -2;
	for (char *l = strchr(csv, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
		long long id, sub, s;
		cr_assert_eq(sscanf(l + 1, "%lld,%lld,%lld", &id, &sub, &s), 3);
		cr_assert(id >= 1 && (size_t)id <= n);
		st[id - 1] = s;
	}
	free(csv);
	snprintf(p, sizeof p, "rm -rf '%s'", dir);
	cr_assert_eq(system(p), 0);
}

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Job 1 fills the gpu partition until 100; job 2 (gpu) must wait for it;
 * job 3 (cpu) has a free partition; job 4 (gpu) is behind job 2. */
static const char fcfs_case[] = HDR
	"1,p,u,0,3,4,8,0,100,100,normal,gpu,completed\n"
	"2,p,u,1,1,4,8,0,10,10,normal,gpu,completed\n"
	"3,p,u,2,1,0,16,0,10,10,normal,cpu,completed\n"
	"4,p,u,3,1,4,8,0,10,10,normal,gpu,completed\n";

Test(partitions, fcfs_blocks_only_the_partition_of_the_job_that_cannot_start)
{
	long long st[4];
	starts(fcfs_case, ARGV("--policy", "fcfs"), st, 4);
	cr_expect_eq(st[0], 0);
	cr_expect_eq(st[1], 100);
	cr_expect_eq(st[2], 2, "the cpu job does not wait for the gpu partition");
	cr_expect_eq(st[3], 100, "job 4 stays behind job 2 in its partition");
	/* one queue: job 3 waits behind job 2 */
	starts(fcfs_case, ARGV("--policy", "fcfs", "--policy-opt", "queue=global"), st, 4);
	cr_expect_eq(st[2], 100);
	cr_expect_eq(st[3], 100);
}

/* The gpu partition's head (job 3) holds all three a nodes from 100; the
 * cpu partition's head (job 4, both b nodes for 10 s) can only start when
 * job 2 leaves b-0 at 100. Job 6 (a-2, ends at 54) backfills in both
 * modes. Job 7 (one cpu node for 200 s) fits now on b-1: per partition it
 * would delay job 4's reservation, so it waits for 110; with one queue
 * only job 3 holds anything, job 7 starts at 5 and job 4 waits for it
 * until 205. */
static const char easy_case[] = HDR
	"1,p,u,0,2,4,8,0,100,100,normal,gpu,completed\n"
	"2,p,u,0,1,0,16,0,100,100,normal,cpu,completed\n"
	"3,p,u,1,3,4,8,0,50,50,normal,gpu,completed\n"
	"4,p,u,2,2,0,16,0,10,10,normal,cpu,completed\n"
	"5,p,u,3,1,4,8,0,200,200,normal,gpu,completed\n"
	"6,p,u,4,1,4,8,0,50,50,normal,gpu,completed\n"
	"7,p,u,5,1,0,16,0,200,200,normal,cpu,completed\n";

static void expect_easy_case(const char *policy)
{
	long long st[7];
	starts(easy_case, ARGV("--policy", policy), st, 7);
	const long long per_partition[7] = { 0, 0, 100, 100, 150, 4, 110 };
	for (int i = 0; i < 7; i++)
		cr_expect_eq(st[i], per_partition[i], "%s per partition: job %d starts at %lld, not %lld", policy, i + 1,
			     st[i], per_partition[i]);
	starts(easy_case, ARGV("--policy", policy, "--policy-opt", "queue=global"), st, 7);
	const long long global[7] = { 0, 0, 100, 205, 150, 4, 5 };
	for (int i = 0; i < 7; i++)
		cr_expect_eq(st[i], global[i], "%s, one queue: job %d starts at %lld, not %lld", policy, i + 1, st[i],
			     global[i]);
}

Test(partitions, easy_reserves_for_the_head_of_each_partition)
{
	expect_easy_case("easy");
}

/* One project, so priority is age: the order is arrival order and
 * multifactor's EASY under it gives easy's schedule. */
Test(partitions, multifactor_reserves_for_the_head_of_each_partition)
{
	expect_easy_case("multifactor");
}

/* reserve=2: the second waiting job of a partition holds a reservation
 * too. a-0 is busy until 100, a-1 until 300; job 3 (all three nodes)
 * holds from 300. Job 4 (two nodes, 100 s) could start at 100 on a-0 and
 * a-2; job 5 (one node, 150 s) fits now on a-2 and ends by 300. With one
 * reservation job 5 starts at 3 and job 4 waits for a-2 until 153; with
 * two, job 4 holds a-2 from 100, so job 5 waits (at 200 it would meet job
 * 3's hold) until job 3 ends at 350. */
static const char depth_case[] = HDR
	"1,p,u,0,1,4,8,0,100,100,normal,gpu,completed\n"
	"2,p,u,0,1,4,8,0,300,300,normal,gpu,completed\n"
	"3,p,u,1,3,4,8,0,50,50,normal,gpu,completed\n"
	"4,p,u,2,2,4,8,0,100,100,normal,gpu,completed\n"
	"5,p,u,3,1,4,8,0,150,150,normal,gpu,completed\n";

Test(partitions, reserve_gives_more_jobs_a_reservation)
{
	long long st[5];
	starts(depth_case, ARGV("--policy", "easy"), st, 5);
	const long long one[5] = { 0, 0, 300, 153, 3 };
	for (int i = 0; i < 5; i++)
		cr_expect_eq(st[i], one[i], "reserve=1: job %d starts at %lld, not %lld", i + 1, st[i], one[i]);
	starts(depth_case, ARGV("--policy", "easy", "--policy-opt", "reserve=2"), st, 5);
	const long long two[5] = { 0, 0, 300, 100, 350 };
	for (int i = 0; i < 5; i++)
		cr_expect_eq(st[i], two[i], "reserve=2: job %d starts at %lld, not %lld", i + 1, st[i], two[i]);
	/* the same with multifactor (age order), and reserve_total=1 brings it back to one */
	starts(depth_case, ARGV("--policy", "multifactor", "--policy-opt", "reserve=2"), st, 5);
	for (int i = 0; i < 5; i++)
		cr_expect_eq(st[i], two[i], "multifactor reserve=2: job %d starts at %lld", i + 1, st[i]);
	starts(depth_case, ARGV("--policy", "easy", "--policy-opt", "reserve=2", "--policy-opt", "reserve_total=1"), st,
	       5);
	for (int i = 0; i < 5; i++)
		cr_expect_eq(st[i], one[i], "reserve_total=1: job %d starts at %lld", i + 1, st[i]);
}

Test(partitions, bad_or_inapplicable_queue_options_are_refused)
{
	char *w = th_write_tmp(fcfs_case, ".csv"), *out, *err;
	cr_assert_eq(th_exec(ARGV("run", "--workload", w, "--policy", "easy", "--policy-opt", "queue=each"), &out, &err),
		     2);
	cr_expect(strstr(err, "policy easy: queue: 'each' is not one of partition, global"), "%s", err);
	free(out), free(err);
	cr_assert_eq(th_exec(ARGV("run", "--workload", w, "--policy", "easy", "--policy-opt", "reserve=0"), &out, &err),
		     2);
	cr_expect(strstr(err, "policy easy: reserve: '0' is not a whole number from 1 to 1000000"), "%s", err);
	free(out), free(err);
	cr_assert_eq(th_exec(ARGV("run", "--workload", w, "--policy", "multifactor", "--policy-opt", "queue=global",
				  "--policy-opt", "reserve=3"), &out, &err), 2);
	cr_expect(strstr(err, "apply on a node model with queue=partition"), "%s", err);
	free(out), free(err);
	th_unlink(w);
	/* a pooled SWF replay has one head */
	char *swf = th_write_tmp("; MaxProcs: 4\n" SWF_JOB(1, 0, 100, 3, 100), ".swf");
	cr_assert_eq(th_exec(ARGV("run", "--workload", swf, "--policy", "easy", "--policy-opt", "reserve=2"), &out, &err),
		     2);
	cr_expect(strstr(err, "a pooled machine has one head"), "%s", err);
	free(out), free(err);
	th_unlink(swf);
}

/* Mean wait of each partition's jobs in DIR/jobs.csv, by name. */
static double part_wait(const char *dir, const char *part)
{
	char p[700];
	th_in(p, sizeof p, dir, "jobs.csv");
	char *csv = th_slurp(p, NULL);
	cr_assert_not_null(csv);
	char *l = strchr(csv, '\n') + 1, *f[40];
	double sum = 0;
	size_t n = 0;
	int cw = -1, cp = -1;
	char hdr[1024];
	snprintf(hdr, sizeof hdr, "%.*s", (int)(l - csv - 1), csv);
	size_t nh = th_csv_split(hdr, f, 40);
	for (size_t k = 0; k < nh; k++) {
		if (strcmp(f[k], "wait") == 0)
			cw = (int)k;
		if (strcmp(f[k], "partition") == 0)
			cp = (int)k;
	}
	cr_assert(cw >= 0 && cp >= 0);
	while (*l) {
		char *e = strchr(l, '\n');
		*e = 0;
		th_csv_split(l, f, 40);
		if (strcmp(f[cp], part) == 0) {
			sum += atof(f[cw]);
			n++;
		}
		l = e + 1;
	}
	free(csv);
	cr_assert_gt(n, 0, "no %s jobs", part);
	return sum / (double)n;
}

/* A generated month on the default cluster under FCFS: per partition the
 * t4 jobs wait far less than the h100 jobs (their partition is lightly
 * loaded); with one queue every partition waits behind the same heads and
 * the means come out alike. */
Test(partitions, a_generated_month_waits_differ_by_partition)
{
	char dir[] = "/tmp/capsim-part-XXXXXX";
	th_mkdtemp(dir);
	char w[600], a[600], b[600];
	th_in(w, sizeof w, dir, "w.csv");
	th_in(a, sizeof a, dir, "part");
	th_in(b, sizeof b, dir, "global");
	char *out, *err;
	cr_assert_eq(th_exec(ARGV("workload", "generate", "--seed", "1", "--days", "30", "--out", w), &out, &err), 0);
	free(out), free(err);
	cr_assert_eq(th_exec(ARGV("run", "--workload", w, "--policy", "fcfs", "--out", a, "--no-progress"), &out, &err), 0,
		     "%s", err);
	free(out), free(err);
	cr_assert_eq(th_exec(ARGV("run", "--workload", w, "--policy", "fcfs", "--policy-opt", "queue=global", "--out", b,
				  "--no-progress"), &out, &err), 0, "%s", err);
	free(out), free(err);
	double t4 = part_wait(a, "t4"), h100 = part_wait(a, "h100");
	cr_expect_lt(t4 * 3, h100, "per partition: t4 %.0f s, h100 %.0f s", t4, h100);
	double gt4 = part_wait(b, "t4"), gh100 = part_wait(b, "h100");
	cr_expect_lt(gt4, gh100 * 1.2, "one queue: t4 %.0f s, h100 %.0f s", gt4, gh100);
	cr_expect_gt(gt4, gh100 * 0.8, "one queue: t4 %.0f s, h100 %.0f s", gt4, gh100);
	cr_expect_gt(gt4, t4 * 10);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}
