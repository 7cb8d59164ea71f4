/* batsim_jobs.csv (sim/report_batsim.c): the schedule in Batsim's jobs.csv
 * layout, its final states and, for rejected jobs, the empty fields Batsim
 * writes; small workloads worked out by hand. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsim/run.h"
#include "capsim/sched.h"
#include "helpers.h"

/* 1 node x 4 GPUs, 4 cores. */
static const char one_yaml[] =
	"name: one\n"
	"site: {pue: 1}\n"
	"node_types:\n"
	"  - name: g4\n"
	"    count: 1\n"
	"    topology: \"pack:1 core:4 pu:1\"\n"
	"    memory_gib: 64\n"
	"    gpus: {model: H100-SXM5-80GB, count: 4, per_package: 4, peak_tflops: {fp64: 34}}\n"
	"    power_w: {idle: 100, peak: 500}\n"
	"partitions:\n"
	"  - {name: gpu, node_types: [g4]}\n";

#define HDR "id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,runtime,qos,partition,state\n"

/* FCFS that refuses, at its first pass, any job asking for more than 1000
 * s (a site limit), and whose head, when of QoS index 1 ("urgent": the
 * second QoS name in the file) and not fitting, kills the running job with
 * the latest estimated end. */
typedef struct lim {
	uint32_t *q;
	size_t n;
	const cs_job *jobs;
} lim;

static int lim_init(void **state, const cs_policy_env *env, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	lim *p = calloc(1, sizeof *p);
	p->q = calloc(env->njobs + 1, sizeof *p->q);
	p->jobs = env->jobs;
	*state = p;
	return 0;
}

static void lim_submit(void *state, uint32_t jid)
{
	lim *p = state;
	p->q[p->n++] = jid;
}

static void lim_pass(void *state, cs_sched_ctx *ctx)
{
	lim *p = state;
	size_t k = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (p->jobs[p->q[i]].estimate_s > 1000)
			cs_ctx_reject(ctx, p->q[i], CS_WAIT_NONE);
		else
			p->q[k++] = p->q[i];
	}
	p->n = k;
	while (p->n) {
		uint32_t jid = p->q[0];
		if (cs_ctx_start(ctx, jid, CS_START_HEAD) != 0) {
			size_t nr = cs_ctx_nrunning(ctx);
			if (p->jobs[jid].queue != 1 || nr == 0)
				break;
			cs_time end;
			uint32_t size, victim;
			cs_ctx_running(ctx, nr - 1, &end, &size, &victim);
			cr_assert_eq(cs_ctx_preempt(ctx, victim, CS_PREEMPT_KILL), 0);
			continue;
		}
		memmove(p->q, p->q + 1, --p->n * sizeof *p->q);
	}
}

static void lim_destroy(void *state)
{
	lim *p = state;
	free(p->q);
	free(p);
}

static const cs_policy_ops lim_ops = {
	.abi = CS_POLICY_ABI,
	.name = "limit",
	.summary = "test: FCFS refusing jobs over 1000 s; urgent heads kill",
	.init = lim_init,
	.submit = lim_submit,
	.pass = lim_pass,
	.destroy = lim_destroy,
};

/* The run's batsim_jobs.csv (malloc'ed), the workload run on one_yaml
 * under lim_ops. */
static char *batsim_jobs_of(const char *csv)
{
	char dir[] = "/tmp/capsim-bsj-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.test_ops = &lim_ops;
	o.out_dir = dir;
	cs_run_result r;
	th_run_on(one_yaml, csv, ".csv", &o, &r);
	cs_run_result_free(&r);
	char path[512];
	snprintf(path, sizeof path, "%s/batsim_jobs.csv", dir);
	char *b = th_slurp(path, NULL);
	cr_assert_not_null(b);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	cr_assert_eq(system(path), 0);
	return b;
}

/* Column `name` of job `id`'s row (a static copy). */
static const char *col(const char *csv, long long id, const char *name)
{
	static char v[256];
	char key[32];
	snprintf(key, sizeof key, "\n%lld,", id);
	const char *row = strstr(csv, key);
	cr_assert_not_null(row, "no row for job %lld in\n%s", id, csv);
	row++; /* at the id */
	size_t c = 0;
	for (const char *h = csv; *h != '\n'; c++) {
		size_t len = strcspn(h, ",\n");
		if (len == strlen(name) && strncmp(h, name, len) == 0)
			break;
		h += len + (h[len] == ',');
		cr_assert_neq(*h, '\n', "no column %s", name);
	}
	for (size_t k = 0; k < c; k++)
		row += strcspn(row, ",\n") + 1;
	size_t len = strcspn(row, ",\n");
	cr_assert_lt(len, sizeof v);
	memcpy(v, row, len);
	v[len] = 0;
	return v;
}

/* Every job 1 node x 1 GPU x 1 core on the 4-GPU node:
 *   1 completed   0..50                  COMPLETED_SUCCESSFULLY, success 1
 *   2 failed      0..30                  COMPLETED_FAILED
 *   3 cancelled   0..20                  COMPLETED_KILLED
 *   4 timeout     0..100 (its limit)     COMPLETED_WALLTIME_REACHED
 *   5 completed, runs 60 s over a 40 s limit: waits for a GPU (3 ends at
 *                 20), cut at 20 + 40    COMPLETED_WALLTIME_REACHED
 *   6 asks 5000 s: refused at 10         REJECTED
 * The trace's run times stand: 2 and 3 end when the trace says they did. */
Test(batsim_jobs, final_states_follow_the_simulation_then_the_trace)
{
	char *b = batsim_jobs_of(HDR "1,p,u,0,1,1,1,0,100,50,normal,gpu,completed\n"
				     "2,p,u,0,1,1,1,0,100,30,normal,gpu,failed\n"
				     "3,p,u,0,1,1,1,0,100,20,normal,gpu,cancelled\n"
				     "4,p,u,0,1,1,1,0,100,100,normal,gpu,timeout\n"
				     "5,p,u,10,1,1,1,0,40,60,normal,gpu,completed\n"
				     "6,p,u,10,1,1,1,0,5000,10,normal,gpu,completed\n");
	const struct { long long id; const char *state, *success, *start, *exec; } want[] = {
		{ 1, "COMPLETED_SUCCESSFULLY", "1", "0", "50" },
		{ 2, "COMPLETED_FAILED", "0", "0", "30" },
		{ 3, "COMPLETED_KILLED", "0", "0", "20" },
		{ 4, "COMPLETED_WALLTIME_REACHED", "0", "0", "100" },
		{ 5, "COMPLETED_WALLTIME_REACHED", "0", "20", "40" },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		cr_assert_str_eq(col(b, want[i].id, "final_state"), want[i].state, "job %lld", want[i].id);
		cr_assert_str_eq(col(b, want[i].id, "success"), want[i].success, "job %lld", want[i].id);
		cr_assert_str_eq(col(b, want[i].id, "starting_time"), want[i].start, "job %lld", want[i].id);
		cr_assert_str_eq(col(b, want[i].id, "execution_time"), want[i].exec, "job %lld", want[i].id);
	}
	free(b);
}

/* Batsim leaves a rejected job's times, stretch, resources and energy
 * empty (its export.cpp); the request stays. */
Test(batsim_jobs, a_rejected_job_has_empty_times_and_no_resources)
{
	char *b = batsim_jobs_of(HDR "1,p,u,0,1,1,1,0,100,50,normal,gpu,completed\n"
				     "6,p,u,10,1,1,1,0,5000,10,normal,gpu,completed\n");
	cr_assert(strstr(b, "\n6,w0,delay,10,1,5000,0,REJECTED,,,,,,,,,\n"), "%s", b);
	free(b);
}

/* Node states the trace spells otherwise: node_fail and out_of_memory are
 * failures, preempted a kill, unknown a success (nothing says otherwise). */
Test(batsim_jobs, every_trace_state_has_a_batsim_state)
{
	char *b = batsim_jobs_of(HDR "1,p,u,0,1,1,1,0,100,50,normal,gpu,node_fail\n"
				     "2,p,u,0,1,1,1,0,100,50,normal,gpu,out_of_memory\n"
				     "3,p,u,0,1,1,1,0,100,50,normal,gpu,preempted\n"
				     "4,p,u,0,1,1,1,0,100,50,normal,gpu,unknown\n");
	cr_assert_str_eq(col(b, 1, "final_state"), "COMPLETED_FAILED");
	cr_assert_str_eq(col(b, 2, "final_state"), "COMPLETED_FAILED");
	cr_assert_str_eq(col(b, 3, "final_state"), "COMPLETED_KILLED");
	cr_assert_str_eq(col(b, 4, "final_state"), "COMPLETED_SUCCESSFULLY");
	cr_assert_str_eq(col(b, 4, "success"), "1");
	free(b);
}

/* 1 holds 4 GPUs 0..100 (est. 100); 2 (urgent, 4 GPUs) arrives at 10 and
 * kills it: 1 ran 10 s and ends COMPLETED_KILLED, killed by the decision
 * process in Batsim's words; 2 runs 10..20. */
Test(batsim_jobs, a_job_killed_by_preemption_is_completed_killed)
{
	char *b = batsim_jobs_of(HDR "1,p,u,0,1,4,1,0,100,100,normal,gpu,completed\n"
				     "2,p,u,10,1,4,1,0,10,10,urgent,gpu,completed\n");
	cr_assert_str_eq(col(b, 1, "final_state"), "COMPLETED_KILLED");
	cr_assert_str_eq(col(b, 1, "execution_time"), "10");
	cr_assert_str_eq(col(b, 2, "final_state"), "COMPLETED_SUCCESSFULLY");
	cr_assert_str_eq(col(b, 2, "starting_time"), "10");
	free(b);
}

/* An SWF replay (pooled): status 0 is failed, 5 cancelled, 1 completed. */
Test(batsim_jobs, swf_status_gives_the_final_state)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	cs_run_result r;
	th_run_text("; MaxProcs: 4\n"
		    "1 0 -1 10 1 -1 -1 1 20 -1 1 1 1 -1 -1 -1 -1 -1\n"
		    "2 0 -1 10 1 -1 -1 1 20 -1 0 1 1 -1 -1 -1 -1 -1\n"
		    "3 0 -1 10 1 -1 -1 1 20 -1 5 1 1 -1 -1 -1 -1 -1\n", &o, &r);
	char *p = th_write_tmp("", ".csv");
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_run_write_batsim(p, &r, err, sizeof err), 0, "%s", err);
	char *b = th_slurp(p, NULL);
	cr_assert_str_eq(col(b, 1, "final_state"), "COMPLETED_SUCCESSFULLY");
	cr_assert_str_eq(col(b, 2, "final_state"), "COMPLETED_FAILED");
	cr_assert_str_eq(col(b, 3, "final_state"), "COMPLETED_KILLED");
	free(b);
	th_unlink(p);
	cs_run_result_free(&r);
}
