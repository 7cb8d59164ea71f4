/* Jobs submitted to several partitions (Slurm's --partition=a,b;
 * docs/policies.md#jobs-submitted-to-several-partitions): a candidate in
 * each of its partitions, placed in one, recorded in the one it started
 * in. Cases worked out by hand on two partitions a and b of two nodes of
 * 4 GPUs each (a on type x, b on type y), from sacct records. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/job.h"
#include "capsim/sched.h"
#include "helpers.h"

static const char *const twin_yaml = th_two_gpu_partitions_yaml;

#define HDR "JobID|Submit|Elapsed|Timelimit|State|NNodes|ReqTRES|Partition\n"
/* Job ID submitted at minute:second S, for D (its time limit too), on one
 * node (JOB1) or two (JOB2) of 4 GPUs each, in partition list P. */
#define JOB1(id, s, d, p) #id "|2024-01-01T00:" s "|" d "|" d "|COMPLETED|1|cpu=1,gres/gpu=4|" p "\n"
#define JOB2(id, s, d, p) #id "|2024-01-01T00:" s "|" d "|" d "|COMPLETED|2|cpu=2,gres/gpu=8|" p "\n"

static void run(const char *sacct, const char *policy, const char *opt, cs_run_result *r)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = policy;
	if (opt) {
		const char *eq = strchr(opt, '=');
		static char key[64];
		snprintf(key, sizeof key, "%.*s", (int)(eq - opt), opt);
		o.keys[0] = key;
		o.vals[0] = eq + 1;
		o.nparams = 1;
	}
	th_run_on(twin_yaml, sacct, ".sacct", &o, r);
}

/* The partition a job started in, by name. */
static const char *part_of(const cs_run_result *r, int64_t id)
{
	const cs_job *j = th_job(r, id);
	cr_assert(j->partition >= 0 && (size_t)j->partition < r->trace->partitions.n, "job %lld: partition %d",
		  (long long)id, j->partition);
	return r->trace->partitions.v[j->partition];
}

/* A job starts in the first partition of its list where it fits (Slurm
 * tries a job's partitions in order of their PriorityTier; capsim has no
 * tiers, so in the order the job lists them). Job 1 (b,a) starts on b-0 at
 * 0, job 2 (a,b) on a-0. Jobs 3 (a,b) and 4 (b,a) need two nodes: one is
 * free in each partition, so they wait until jobs 1 and 2 end at 10; then
 * job 3 takes a, the first of its list, and job 4 b. Under EASY job 3
 * holds a from 10 (a and b tie: the first of its list) and job 4 b; the
 * conservative planner plans them so; queue=global gives the same. */
static const char order_case[] = HDR
	JOB1(1, "00:00", "00:00:10", "b,a")
	JOB1(2, "00:00", "00:00:10", "a,b")
	JOB2(3, "00:01", "00:00:10", "a,b")
	JOB2(4, "00:01", "00:00:10", "b,a");

Test(multipart, starts_in_the_first_partition_of_its_list_where_it_fits)
{
	const char *policies[] = { "fcfs", "easy", "multifactor", "conservative" };
	for (size_t i = 0; i < sizeof policies / sizeof *policies; i++) {
		for (int global = 0; global < 2; global++) {
			if (global && strcmp(policies[i], "conservative") == 0)
				continue;
			cs_run_result r;
			run(order_case, policies[i], global ? "queue=global" : NULL, &r);
			cr_expect_str_eq(part_of(&r, 1), "b", "%s", policies[i]);
			cr_expect_str_eq(part_of(&r, 2), "a", "%s", policies[i]);
			cr_expect_eq(th_start(&r, 3), 10, "%s", policies[i]);
			cr_expect_str_eq(part_of(&r, 3), "a", "%s", policies[i]);
			cr_expect_eq(th_start(&r, 4), 10, "%s", policies[i]);
			cr_expect_str_eq(part_of(&r, 4), "b", "%s", policies[i]);
			cs_run_result_free(&r);
		}
	}
}

/* FCFS (Slurm's builtin) blocks every partition of a job that fits in
 * none. Job 1 holds a-0 until 100; job 2 both b nodes until 50. Job 3
 * (a,b, two nodes) fits in neither at 1: a and b are blocked, so job 4
 * (a, one node) waits although a-1 is free. At 50 job 3 starts in b (a
 * is still half busy) and job 4 in a. Under EASY and multifactor job 3
 * holds b from 50 (its earliest start: a only from 100); job 4 keeps off
 * that hold's nodes and backfills on a-1 at 2. */
static const char block_case[] = HDR
	JOB1(1, "00:00", "00:01:40", "a")
	JOB2(2, "00:00", "00:00:50", "b")
	JOB2(3, "00:01", "00:00:10", "a,b")
	JOB1(4, "00:02", "00:00:10", "a");

Test(multipart, fcfs_blocks_every_partition_of_a_job_that_fits_in_none)
{
	cs_run_result r;
	run(block_case, "fcfs", NULL, &r);
	cr_expect_eq(th_start(&r, 3), 50);
	cr_expect_str_eq(part_of(&r, 3), "b");
	cr_expect_eq(th_start(&r, 4), 50, "job 4 waits behind job 3, a candidate in a too");
	cr_expect_str_eq(part_of(&r, 4), "a");
	cs_run_result_free(&r);
	const char *bf[] = { "easy", "multifactor" };
	for (int i = 0; i < 2; i++) {
		run(block_case, bf[i], NULL, &r);
		cr_expect_eq(th_start(&r, 3), 50, "%s", bf[i]);
		cr_expect_eq(th_job(&r, 3)->reservation_s, 50, "%s", bf[i]);
		cr_expect_str_eq(part_of(&r, 3), "b", "%s", bf[i]);
		cr_expect_eq(th_start(&r, 4), 2, "%s: job 4 backfills on a-1", bf[i]);
		cr_expect(th_job(&r, 4)->flags & CS_JOB_BACKFILLED, "%s", bf[i]);
		cs_run_result_free(&r);
	}
}

/* Backfill reserves where the job starts the earliest, whatever its list's
 * order (tests/data/sacct/multipart.sacct). Job 1 fills a until 100; job
 * 2 holds b-0 until 50. Job 3 (a,b, two nodes) could start in a at 100,
 * in b at 50: it holds both b nodes from 50 and starts there. Job 4 (b,
 * one node, 60 s) fits now on b-1 but would still run at 50: it waits,
 * and starts when job 3 ends at 60. Job 5 (b, one node, 40 s) ends by 50:
 * it backfills at 3. Conservative backfilling plans job 3 at 50 in b too. */
Test(multipart, backfill_reserves_in_the_partition_where_it_starts_earliest)
{
	char path[600];
	snprintf(path, sizeof path, "%s/tests/data/sacct/multipart.sacct", th_root());
	char *text = th_slurp(path, NULL);
	cr_assert_not_null(text);
	const char *policies[] = { "easy", "multifactor", "conservative" };
	for (size_t i = 0; i < 3; i++) {
		for (int order = 0; order < 2; order++) {
			char *w = strdup(text), *at = strstr(w, "|a,b\n");
			cr_assert_not_null(at);
			if (order)
				memcpy(at, "|b,a", 4);
			cs_run_result r;
			run(w, policies[i], NULL, &r);
			const long long want[5] = { 0, 0, 50, 60, 3 };
			for (int k = 0; k < 5; k++)
				cr_expect_eq(th_start(&r, k + 1), want[k], "%s%s: job %d starts at %lld, not %lld",
					     policies[i], order ? " (b,a)" : "", k + 1, (long long)th_start(&r, k + 1),
					     want[k]);
			cr_expect_eq(th_job(&r, 3)->reservation_s, 50, "%s", policies[i]);
			cr_expect_str_eq(part_of(&r, 3), "b", "%s", policies[i]);
			cs_run_result_free(&r);
			free(w);
		}
	}
	free(text);
}

/* The reservation budget counts per partition. Job 1 fills a until 100,
 * job 2 fills b until 200. Job 3 (a) is a's head: it holds a from 100.
 * Job 4 (a,b) is blocked in a by job 3 and cannot start in b. With
 * reserve=1 a has no room left: job 4 holds in b, from 200. With reserve=2
 * it may hold in a too, where it starts the earliest: from 110, after job
 * 3. Either way it starts in a at 110, when job 3 ends. */
static const char budget_case[] = HDR
	JOB2(1, "00:00", "00:01:40", "a")
	JOB2(2, "00:00", "00:03:20", "b")
	JOB2(3, "00:01", "00:00:10", "a")
	JOB2(4, "00:02", "00:00:10", "a,b");

Test(multipart, a_reservation_counts_in_the_budget_of_the_partition_it_is_in)
{
	const char *policies[] = { "easy", "multifactor" };
	for (int i = 0; i < 2; i++) {
		cs_run_result r;
		run(budget_case, policies[i], NULL, &r);
		cr_expect_eq(th_job(&r, 4)->reservation_s, 200, "%s", policies[i]);
		cr_expect_eq(th_start(&r, 4), 110, "%s", policies[i]);
		cr_expect_str_eq(part_of(&r, 4), "a", "%s", policies[i]);
		cs_run_result_free(&r);
		run(budget_case, policies[i], "reserve=2", &r);
		cr_expect_eq(th_job(&r, 4)->reservation_s, 110, "%s reserve=2", policies[i]);
		cr_expect_eq(th_start(&r, 4), 110, "%s reserve=2", policies[i]);
		cs_run_result_free(&r);
	}
}

/* A partition of the list in which the job could never run leaves its
 * set: on a cluster with a CPU-only partition c, a GPU job of "c,a" is a
 * job of a, and one of "c,a,b" of the set a,b. */
Test(multipart, a_partition_the_job_cannot_fit_leaves_its_set)
{
	char yaml[2048];
	snprintf(yaml, sizeof yaml, "%s",
		 "name: three\n"
		 "site: {pue: 1}\n"
		 "node_types:\n"
		 "  - {name: x, count: 1, topology: \"pack:1 core:8 pu:1\", memory_gib: 64, power_w: {idle: 100, "
		 "peak: 500},\n"
		 "     gpus: {model: H100-SXM5-80GB, count: 4, per_package: 4, peak_tflops: {fp64: 34}}}\n"
		 "  - {name: y, count: 1, topology: \"pack:1 core:8 pu:1\", memory_gib: 64, power_w: {idle: 100, "
		 "peak: 500},\n"
		 "     gpus: {model: H100-SXM5-80GB, count: 4, per_package: 4, peak_tflops: {fp64: 34}}}\n"
		 "  - {name: z, count: 1, topology: \"pack:1 core:8 pu:1\", memory_gib: 64, power_w: {idle: 50, "
		 "peak: 250}}\n"
		 "partitions:\n"
		 "  - {name: a, node_types: [x]}\n"
		 "  - {name: b, node_types: [y]}\n"
		 "  - {name: c, node_types: [z]}\n");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "fcfs";
	cs_run_result r;
	/* job 2 cannot start in a (job 1 holds x until 10): in b at 0 */
	th_run_on(yaml, HDR JOB1(1, "00:00", "00:00:10", "c,a") JOB1(2, "00:00", "00:00:10", "c,a,b"), ".sacct", &o,
		  &r);
	cr_expect_str_eq(part_of(&r, 1), "a");
	cr_expect_str_eq(part_of(&r, 2), "b");
	cr_expect_eq(th_start(&r, 2), 0);
	cs_run_result_free(&r);
}

/* A list naming a partition of the cluster and one it lacks is an error
 * naming the file, the line and the field; a list none of whose names the
 * cluster has is an unknown partition, as one such name is (any node
 * type). */
Test(multipart, a_list_with_a_partition_the_cluster_lacks_is_an_error)
{
	char *y = th_write_tmp(twin_yaml, ".yaml");
	char *w = th_write_tmp(HDR JOB1(1, "00:00", "00:00:10", "a") JOB1(2, "00:01", "00:00:10", "a,zz"), ".sacct");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = w;
	o.cluster = y;
	cs_run_result r;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_run(&o, &r, err, sizeof err), -CS_EINVAL);
	char want[700];
	snprintf(want, sizeof want, "%s:3: partition: \"zz\" (in \"a,zz\") is not a partition of the cluster", w);
	cr_expect_str_eq(err, want);
	cs_run_result_free(&r);
	th_unlink(w);
	th_unlink(y);
	cs_run_result r2;
	run(HDR JOB1(1, "00:00", "00:00:10", "yy,zz"), "fcfs", NULL, &r2);
	cr_expect_eq(th_job(&r2, 1)->partition, -1);
	cr_expect_eq(r2.wst.any_partition, 1);
	cs_run_result_free(&r2);
}

/* capsim's CSV spells the list a|b (its fields are comma-separated): the
 * fcfs case above, from a CSV, gives the same schedule. */
Test(multipart, a_csv_partition_list_is_a_set_too)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "fcfs";
	cs_run_result r;
	th_run_on(twin_yaml,
		  TH_CSV_HDR "1,p,u,0,1,4,1,0,100,100,,a,completed\n"
			     "2,p,u,0,2,4,1,0,50,50,,b,completed\n"
			     "3,p,u,1,2,4,1,0,10,10,,a|b,completed\n"
			     "4,p,u,2,1,4,1,0,10,10,,a,completed\n",
		  ".csv", &o, &r);
	cr_expect_eq(th_start(&r, 3), 50);
	cr_expect_str_eq(part_of(&r, 3), "b");
	cr_expect_eq(th_start(&r, 4), 50);
	cs_run_result_free(&r);
}

/* A preempting FCFS for the requeue case below: a head of QoS 1 that
 * cannot start requeues the running QoS-0 job of its partition started
 * last. */
typedef struct pq_state {
	uint32_t q[16];
	size_t n;
	const cs_job *jobs;
} pq_state;

static int pq_init(void **state, const cs_policy_env *env, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	pq_state *p = calloc(1, sizeof *p);
	p->jobs = env->jobs;
	*state = p;
	return 0;
}

static void pq_submit(void *state, uint32_t jid)
{
	pq_state *p = state;
	p->q[p->n++] = jid;
}

static void pq_pass(void *state, cs_sched_ctx *ctx)
{
	pq_state *p = state;
	while (p->n) {
		uint32_t h = p->q[0];
		if (cs_ctx_start(ctx, h, CS_START_HEAD) < 0) {
			uint32_t victim = UINT32_MAX;
			for (size_t i = 0; p->jobs[h].queue == 1 && i < cs_ctx_nrunning(ctx); i++) {
				cs_time e;
				uint32_t sz, jid;
				cs_ctx_running(ctx, i, &e, &sz, &jid);
				if (p->jobs[jid].queue == 0 && p->jobs[jid].partition == p->jobs[h].partition &&
				    (victim == UINT32_MAX || p->jobs[jid].start_s >= p->jobs[victim].start_s))
					victim = jid;
			}
			if (victim == UINT32_MAX || cs_ctx_preempt(ctx, victim, CS_PREEMPT_REQUEUE) < 0)
				return;
			continue;
		}
		memmove(p->q, p->q + 1, --p->n * sizeof *p->q);
	}
}

static void pq_destroy(void *state) { free(state); }

static const cs_policy_ops pq_ops = { .abi = CS_POLICY_ABI, .name = "pqfcfs", .summary = "test",
				      .params = (const cs_policy_param[]){ { NULL, NULL, NULL } },
				      .init = pq_init, .submit = pq_submit, .pass = pq_pass, .destroy = pq_destroy };

/* A requeued job may start in any of its partitions again. Job 1 (low,
 * a|b, both nodes) starts in a at 0; job 2 (low, b, both nodes) in b until
 * 50. Job 3 (high, a) at 10 requeues job 1 and runs in a until 110. Job 1,
 * of a and b again, starts in b when job 2 ends at 50 (it would wait for a
 * until 110 had it kept a). */
Test(multipart, a_requeued_job_may_start_in_any_of_its_partitions)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.test_ops = &pq_ops;
	cs_run_result r;
	th_run_on(twin_yaml,
		  TH_CSV_HDR "1,p,u,0,2,4,1,0,1000,1000,low,a|b,completed\n"
			     "2,p,u,0,2,4,1,0,50,50,low,b,completed\n"
			     "3,p,u,10,2,4,1,0,100,100,high,a,completed\n",
		  ".csv", &o, &r);
	cr_expect_eq(th_start(&r, 3), 10);
	cr_expect_eq(th_job(&r, 1)->preemptions, 1);
	cr_expect_eq(th_start(&r, 1), 50);
	cr_expect_str_eq(part_of(&r, 1), "b");
	cs_run_result_free(&r);
}

/* A job of several partitions bills where it starts: with a's GPUs at
 * weight 1 and b's at 3 (TRESBillingWeights), job 1 takes both of a's
 * nodes (8 GPUs: 8 units per second), so job 2 (a,b; one node of 4 GPUs)
 * starts in b at 0 and bills 3 x 4 = 12 units per second, not a's 4. */
Test(multipart, a_job_bills_in_the_partition_it_starts_in)
{
	char yaml[2048];
	const char *pa = "  - {name: a, node_types: [x]}\n  - {name: b, node_types: [y]}\n";
	const char *at = strstr(twin_yaml, pa);
	cr_assert_not_null(at);
	snprintf(yaml, sizeof yaml, "%.*s%s", (int)(at - twin_yaml), twin_yaml,
		 "  - {name: a, node_types: [x], tres_billing_weights: \"GRES/gpu=1\"}\n"
		 "  - {name: b, node_types: [y], tres_billing_weights: \"GRES/gpu=3\"}\n");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "fcfs";
	cs_run_result r;
	th_run_on(yaml, HDR JOB2(1, "00:00", "01:00:00", "a") JOB1(2, "00:00", "01:00:00", "a,b"), ".sacct", &o, &r);
	cr_assert_str_eq(part_of(&r, 2), "b");
	size_t k = (size_t)(th_job(&r, 2) - r.jobs);
	cr_assert_float_eq(r.billing[k], 12.0, 1e-12);
	cr_assert_float_eq(r.billing[(size_t)(th_job(&r, 1) - r.jobs)], 8.0, 1e-12);
	cs_run_result_free(&r);
}

/* A partition's key (cs_ctx_part_key) is one more than the times its
 * node types got resources back, counted per node type, over each type
 * it holds: it moves when a job of an overlapping partition stops, and
 * by one a type of that job's partition. Partitions a (type x), b (y) and
 * c (x and y); jobs 1 (a), 2 (b) and 3 (c) of one node start at 0 and end
 * at 100, 200 and 300; job 4 (c) runs from 400 to 410. The keys of jobs 1,
 * 2 and 3 at each pass: at 100 x got something back (a 2, b 1, c 2); at
 * 200 y (2, 2, 3); at 300 job 3's partition's x and y (3, 3, 5); at 410
 * again (4, 4, 7). */
static const char three_partitions_yaml[] =
	"name: three\n"
	TH_TWO_GPU_TYPES_YAML
	"partitions:\n"
	"  - {name: a, node_types: [x]}\n"
	"  - {name: b, node_types: [y]}\n"
	"  - {name: c, node_types: [x, y]}\n";

static struct pk_log {
	cs_time at;
	uint64_t key[3];
} pk_log[16];
static size_t pk_n;

static void pk_pass(void *state, cs_sched_ctx *ctx)
{
	pq_state *p = state;
	while (p->n && cs_ctx_start(ctx, p->q[0], CS_START_HEAD) == 0)
		memmove(p->q, p->q + 1, --p->n * sizeof *p->q);
	if (pk_n < 16) {
		pk_log[pk_n].at = cs_ctx_now(ctx);
		for (uint32_t j = 0; j < 3; j++)
			pk_log[pk_n].key[j] = cs_ctx_part_key(ctx, j);
		pk_n++;
	}
}

static const cs_policy_ops pk_ops = { .abi = CS_POLICY_ABI, .name = "pkfcfs", .summary = "test",
				      .params = (const cs_policy_param[]){ { NULL, NULL, NULL } },
				      .init = pq_init, .submit = pq_submit, .pass = pk_pass, .destroy = pq_destroy };

Test(multipart, a_partitions_key_counts_what_its_node_types_got_back)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.test_ops = &pk_ops;
	cs_run_result r;
	th_run_on(three_partitions_yaml,
		  TH_CSV_HDR "1,p,u,0,1,4,1,0,100,100,,a,completed\n"
			     "2,p,u,0,1,4,1,0,200,200,,b,completed\n"
			     "3,p,u,0,1,4,1,0,300,300,,c,completed\n"
			     "4,p,u,400,1,4,1,0,10,10,,c,completed\n",
		  ".csv", &o, &r);
	static const struct pk_log want[] = { { 0, { 1, 1, 1 } },   { 100, { 2, 1, 2 } }, { 200, { 2, 2, 3 } },
					      { 300, { 3, 3, 5 } }, { 410, { 4, 4, 7 } } };
	size_t w = 0;
	for (size_t i = 0; i < pk_n; i++) {
		if (w < 5 && pk_log[i].at == want[w].at) {
			for (int j = 0; j < 3; j++)
				cr_expect_eq(pk_log[i].key[j], want[w].key[j], "at %lld job %d: %llu, not %llu",
					     (long long)want[w].at, j + 1, (unsigned long long)pk_log[i].key[j],
					     (unsigned long long)want[w].key[j]);
			w++;
		}
	}
	cr_expect_eq(w, 5, "passes at the five times: %zu", w);
	cr_expect_eq(th_start(&r, 4), 400);
	cs_run_result_free(&r);
}
