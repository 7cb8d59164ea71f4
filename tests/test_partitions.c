/* Partition-aware scheduling (docs/policies.md#partitions): on a node
 * model with several partitions fcfs, easy and multifactor block and
 * reserve per partition; queue=global keeps one queue. Two-partition
 * cases worked out by hand, through the binary. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* gpu: a-0..a-2, 4 GPUs and 8 cores each; cpu: b-0, b-1, 16 cores each */
static const char two_parts[] =
	"name: two\n"
	"site: {pue: 1}\n"
	"node_types:\n"
	"  - name: a\n"
	"    count: 3\n"
	"    topology: \"pack:1 core:8 pu:1\"\n"
	"    memory_gib: 64\n"
	"    gpus: {model: H100-SXM5-80GB, count: 4, per_package: 4, peak_tflops: {fp64: 34}}\n"
	"    power_w: {idle: 100, peak: 500}\n"
	"  - name: b\n"
	"    count: 2\n"
	"    topology: \"pack:1 core:16 pu:1\"\n"
	"    memory_gib: 64\n"
	"    power_w: {idle: 50, peak: 250}\n"
	"partitions:\n"
	"  - {name: gpu, node_types: [a]}\n"
	"  - {name: cpu, node_types: [b]}\n";

#define HDR "id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,runtime,qos,partition,state\n"

/* Start times by job id (index id - 1), from jobs.csv of a run of `jobs`
 * under `policy` with the extra options; n jobs. */
static void starts(const char *jobs, const char *const *extra, long long *st, size_t n)
{
	char dir[] = "/tmp/capsim-part-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char y[600], w[600], od[600];
	snprintf(y, sizeof y, "%s/c.yaml", dir);
	snprintf(w, sizeof w, "%s/w.csv", dir);
	snprintf(od, sizeof od, "%s/out", dir);
	FILE *f = fopen(y, "w");
	fputs(two_parts, f);
	fclose(f);
	f = fopen(w, "w");
	fputs(jobs, f);
	fclose(f);
	const char *args[32] = { "run", "--workload", w, "--cluster", y, "--out", od, "--no-progress" };
	size_t k = 8;
	for (size_t i = 0; extra[i]; i++)
		args[k++] = extra[i];
	args[k] = NULL;
	char *out, *err;
	cr_assert_eq(th_exec(args, &out, &err), 0, "%s", err);
	free(out);
	free(err);
	char p[700];
	snprintf(p, sizeof p, "%s/jobs.csv", od);
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
