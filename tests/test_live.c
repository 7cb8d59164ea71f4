/* A live run (sim/live.c): the same schedule as the batch run of the same
 * jobs however they arrive, cancellations, what-if, saved and restored
 * state, an external scheduler's decisions. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/live.h"
#include "capsim/native.h"
#include "capsim/report.h"
#include "capsim/trace.h"
#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Two days of the default workload model (seed 1; about 2,200 jobs), as a
 * capsim CSV without its metadata lines (so a job's line is its number + 1,
 * as a live run numbers its submissions), every job runnable. */
static char *two_days(void)
{
	char *out = NULL, *err = NULL;
	cr_assert_eq(th_exec(ARGS("workload", "generate", "--seed", "1", "--days", "2", "--out", "-"), &out, &err), 0,
		     "%s", err);
	char *w = out;
	for (char *r = out; *r;) {
		char *nl = strchr(r, '\n');
		size_t len = nl ? (size_t)(nl - r) + 1 : strlen(r);
		if (*r != '#') {
			memmove(w, r, len);
			w += len;
		}
		r += len;
	}
	*w = 0;
	free(err);
	return out;
}

static cs_live *live_new(const char *policy, const char *const *params)
{
	cs_live_opts o;
	cs_live_opts_default(&o);
	o.policy = policy;
	for (size_t i = 0; params && params[i]; i += 2) {
		o.keys[o.nparams] = params[i];
		o.vals[o.nparams++] = params[i + 1];
	}
	cs_live *L;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_live_new(&L, &o, err, sizeof err), 0, "%s", err);
	return L;
}

/* Record r of t as a submission. */
static cs_live_job job_of(const cs_trace *t, const cs_jrec *r)
{
	return (cs_live_job){ .id = r->id, .submit_s = r->submit_s, .nodes = r->nodes, .gpus_per_node = r->gpus_per_node,
			      .cores_per_node = r->cores_per_node, .mem_per_node_mib = r->mem_per_node_mib,
			      .time_limit_s = r->time_limit_s, .runtime_s = r->runtime_s,
			      .project = cs_names_get(&t->projects, r->project), .user = cs_names_get(&t->users, r->user),
			      .qos = cs_names_get(&t->qos, r->qos), .partition = cs_names_get(&t->partitions, r->partition),
			      .state = r->state, .topo = r->topo, .max_leaves = r->max_leaves };
}

static void submit(cs_live *L, const cs_live_job *j)
{
	char err[CS_ERRLEN];
	int64_t id;
	cr_assert_eq(cs_live_submit(L, j, &id, err, sizeof err), 0, "job %lld: %s", (long long)j->id, err);
	cr_assert_eq(id, j->id);
}

/* Advance until nothing is left to happen. */
static void run_out(cs_live *L)
{
	char err[CS_ERRLEN];
	cs_time t;
	for (;;) {
		cr_assert_eq(cs_live_next_event(L, &t, err, sizeof err), 0, "%s", err);
		if (t == CS_TIME_MAX)
			return;
		cr_assert_eq(cs_live_advance(L, t + 1, err, sizeof err), 0, "%s", err);
	}
}

/* The live run's outputs and the batch run's of csv (the same text) in two
 * directories of dir; jobs.csv and batsim_jobs.csv byte for byte the same. */
static void expect_batch_schedule(cs_live *L, const char *csv, const char *policy, const char *const *params)
{
	char dir[] = "/tmp/capsim-live-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char a[64], b[64], kv[CS_MAX_PARAMS][64];
	snprintf(a, sizeof a, "%s/live", dir);
	snprintf(b, sizeof b, "%s/batch", dir);
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = policy;
	th_params(&o, params, kv);
	o.out_dir = a;
	cs_run_result r;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_live_result(L, &r, err, sizeof err), 0, "%s", err);
	o.workload = "(live)";
	cr_assert_eq(cs_run_write_outputs(&o, &r, err, sizeof err), 0, "%s", err);
	cs_run_result_free(&r);
	char *w = th_write_tmp(csv, ".csv");
	o.workload = w;
	o.out_dir = b;
	cr_assert_eq(cs_run(&o, &r, err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_run_write_outputs(&o, &r, err, sizeof err), 0, "%s", err);
	cs_run_result_free(&r);
	th_unlink(w);
	th_expect_same_file(a, b, "jobs.csv");
	th_expect_same_file(a, b, "batsim_jobs.csv");
	th_sh(NULL, "rm -rf '%s'", dir);
}

static void read_csv(const char *csv, cs_trace *t)
{
	char err[CS_ERRLEN];
	cr_assert_eq(th_read_native(csv, t, err), 0, "%s", err);
}

static void all_at_once(const char *policy, const char *const *params)
{
	char *csv = two_days();
	cs_trace t;
	read_csv(csv, &t);
	cs_live *L = live_new(policy, params);
	for (size_t i = 0; i < t.n; i++) {
		cs_live_job j = job_of(&t, &t.jobs[i]);
		submit(L, &j);
	}
	run_out(L);
	expect_batch_schedule(L, csv, policy, params);
	cs_live_free(L);
	cs_trace_free(&t);
	free(csv);
}

Test(live, jobs_all_submitted_then_run_give_the_batch_schedule_fcfs) { all_at_once("fcfs", NULL); }
Test(live, jobs_all_submitted_then_run_give_the_batch_schedule_easy) { all_at_once("easy", NULL); }
Test(live, jobs_all_submitted_then_run_give_the_batch_schedule_conservative) { all_at_once("conservative", NULL); }
Test(live, jobs_all_submitted_then_run_give_the_batch_schedule_sjf) { all_at_once("sjf", NULL); }
