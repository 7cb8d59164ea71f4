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
	free(err);
	return th_strip_meta(out);
}

static const char *accounts_file; /* --accounts for the next live_new, or NULL */
static const char *batch_cluster; /* --cluster of the batch runs compared with, or NULL (the default) */

static cs_live *live_new(const char *policy, const char *const *params)
{
	cs_live_opts o;
	cs_live_opts_default(&o);
	o.policy = policy;
	o.accounts = accounts_file;
	static char kv[CS_MAX_PARAMS][64]; /* "key=value" split, for the run's life */
	for (size_t i = 0; params && params[i]; i++) {
		snprintf(kv[i], sizeof kv[i], "%s", params[i]);
		char *eq = strchr(kv[i], '=');
		*eq = 0;
		o.keys[o.nparams] = kv[i];
		o.vals[o.nparams++] = eq + 1;
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

/* The live run's outputs and the batch run's of csv (the same text, with
 * cancellations cx[0 .. ncx)) in two directories of dir; jobs.csv and
 * batsim_jobs.csv byte for byte the same. */
static void expect_batch_cancels(cs_live *L, const char *csv, const char *policy, const char *const *params,
				 const cs_run_cancel *cx, size_t ncx)
{
	char dir[] = "/tmp/capsim-live-XXXXXX";
	th_mkdtemp(dir);
	char a[64], b[64], kv[CS_MAX_PARAMS][64];
	th_in(a, sizeof a, dir, "live");
	th_in(b, sizeof b, dir, "batch");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = policy;
	o.accounts = accounts_file;
	o.cluster = batch_cluster;
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
	o.cancels = cx;
	o.ncancels = ncx;
	cr_assert_eq(cs_run(&o, &r, err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_run_write_outputs(&o, &r, err, sizeof err), 0, "%s", err);
	cs_run_result_free(&r);
	th_unlink(w);
	th_expect_same_file(a, b, "jobs.csv");
	th_expect_same_file(a, b, "batsim_jobs.csv");
	th_sh(NULL, "rm -rf '%s'", dir);
}

static void expect_batch_schedule(cs_live *L, const char *csv, const char *policy, const char *const *params)
{
	expect_batch_cancels(L, csv, policy, params, NULL, 0);
}

static void read_csv(const char *csv, cs_trace *t)
{
	char err[CS_ERRLEN];
	cr_assert_eq(th_read_native(csv, t, err), 0, "%s", err);
}

/* Every job of t into L. */
static void submit_all(cs_live *L, const cs_trace *t)
{
	for (size_t i = 0; i < t->n; i++) {
		cs_live_job j = job_of(t, &t->jobs[i]);
		submit(L, &j);
	}
}

static void all_at_once(const char *policy, const char *const *params)
{
	char *csv = two_days();
	cs_trace t;
	read_csv(csv, &t);
	cs_live *L = live_new(policy, params);
	submit_all(L, &t);
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
Test(live, jobs_all_submitted_then_run_give_the_batch_schedule_easy_sjbf_global)
{
	all_at_once("easy", ARGS("order=sjbf", "queue=global"));
}

/* The first n jobs of the two days (n + 1 lines with the header). */
static char *first_jobs(const char *csv, size_t n)
{
	char *s = strdup(csv), *p = s;
	for (size_t i = 0; i <= n && p; i++)
		p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
	if (p)
		*p = 0;
	return s;
}

/* Jobs arriving one at a time, `ahead` seconds before their submit time,
 * the run advanced to each arrival between them (each arrival makes the
 * run again and checks its past). */
static void one_by_one(const char *policy, cs_time ahead)
{
	char *all = two_days(), *csv = first_jobs(all, 300);
	cs_trace t;
	read_csv(csv, &t);
	cs_live *L = live_new(policy, NULL);
	char err[CS_ERRLEN];
	for (size_t i = 0; i < t.n; i++) {
		cs_time at = t.jobs[i].submit_s - ahead;
		if (at > cs_live_now(L))
			cr_assert_eq(cs_live_advance(L, at, err, sizeof err), 0, "%s", err);
		cs_live_job j = job_of(&t, &t.jobs[i]);
		submit(L, &j);
	}
	run_out(L);
	expect_batch_schedule(L, csv, policy, NULL);
	cs_live_free(L);
	cs_trace_free(&t);
	free(csv);
	free(all);
}

Test(live, jobs_arriving_one_at_a_time_give_the_batch_schedule_easy) { one_by_one("easy", 0); }

Test(live, jobs_arriving_an_hour_ahead_give_the_batch_schedule_conservative) { one_by_one("conservative", 3600); }

/* --- by hand, on th_two_partitions_yaml (gpu: a-0..a-2, 4 GPUs each) --- */

/* A live run on the cluster yaml_text (its file in *yaml, th_unlink it). */
static cs_live *live_on(const char *yaml_text, const char *policy, int external, char **yaml)
{
	*yaml = th_write_tmp(yaml_text, ".yaml");
	cs_live_opts o;
	cs_live_opts_default(&o);
	o.cluster = *yaml;
	o.policy = policy;
	o.external = external;
	o.accounts = accounts_file;
	cs_live *L;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_live_new(&L, &o, err, sizeof err), 0, "%s", err);
	return L;
}

static cs_live *two_partitions(const char *policy, int external, char **yaml)
{
	return live_on(th_two_partitions_yaml, policy, external, yaml);
}

static cs_live_job gpu_job(int64_t id, cs_time submit, uint32_t nodes, cs_time runtime)
{
	return (cs_live_job){ .id = id, .submit_s = submit, .nodes = nodes, .gpus_per_node = 4, .cores_per_node = 1,
			      .time_limit_s = runtime, .runtime_s = runtime, .partition = "gpu" };
}

static cs_live_info info(const cs_live *L, int64_t id)
{
	cs_live_info i;
	cr_assert_eq(cs_live_info_of(L, id, &i), 0, "job %lld", (long long)id);
	return i;
}

static void advance(cs_live *L, cs_time t)
{
	char err[CS_ERRLEN];
	cr_assert_eq(cs_live_advance(L, t, err, sizeof err), 0, "%s", err);
}

/* 400 jobs on th_two_partitions_yaml (gpu: 3 nodes of 4 GPUs; cpu: 2 of
 * 16 cores), one every 30 s on average, asking for about four times what
 * the machine runs: a queue that grows. Projects p0..p2, users u0..u3
 * (busy_accounts). From xorshift seed `seed`. */
static char *busy_jobs(unsigned long long seed)
{
	size_t cap = 64 * 1024, n = 0;
	char *s = malloc(cap);
	cr_assert_not_null(s);
	n += (size_t)snprintf(s, cap, "%s", TH_CSV_HDR);
	cs_time t = 0;
	for (int i = 1; i <= 400; i++) {
		t += th_xorshift(&seed, 60);
		int cpu = th_xorshift(&seed, 5) == 0;
		cs_time run = 30 + th_xorshift(&seed, 300), limit = run + th_xorshift(&seed, 300);
		n += (size_t)snprintf(s + n, cap - n, "%d,p%u,u%u,%lld,%u,%u,%u,0,%lld,%lld,normal,%s,completed\n", i,
				      th_xorshift(&seed, 3), th_xorshift(&seed, 4), (long long)t,
				      cpu ? 1 : 1 + th_xorshift(&seed, 3), cpu ? 0 : 4, cpu ? 1 + th_xorshift(&seed, 16) : 1,
				      (long long)limit, (long long)run, cpu ? "cpu" : "gpu");
		cr_assert_lt(n, cap);
	}
	return s;
}

/* busy_jobs arriving one at a time as in one_by_one (each arrival makes
 * the run again from time 0, replaying the cancellations so far, and
 * checks its past), and at every fifth arrival the oldest waiting job
 * cancelled, at every seventh the latest started running job whose run
 * does not end then: the batch run of the same jobs with the same
 * cancellations (cs_run_opts.cancels) gives the same jobs.csv and
 * batsim_jobs.csv byte for byte. */
static void cancels_as_in_batch(const char *policy)
{
	char *csv = busy_jobs(7);
	cs_trace t;
	read_csv(csv, &t);
	char *yaml;
	cs_live *L = two_partitions(policy, 0, &yaml);
	char err[CS_ERRLEN];
	cs_run_cancel cx[200];
	size_t ncx = 0, waiting = 0, running = 0;
	int64_t ids[500];
	for (size_t i = 0; i < t.n; i++) {
		cs_time at = t.jobs[i].submit_s;
		if (at > cs_live_now(L))
			cr_assert_eq(cs_live_advance(L, at, err, sizeof err), 0, "%s", err);
		size_t nw = cs_live_waiting(L, ids, 500);
		if (i % 5 == 4 && nw) {
			cr_assert_eq(cs_live_cancel(L, ids[0], err, sizeof err), 0, "%s", err);
			cr_assert_eq(info(L, ids[0]).state, CS_LIVE_CANCELLED);
			cx[ncx++] = (cs_run_cancel){ ids[0], cs_live_now(L) };
			waiting++;
		}
		size_t nr = cs_live_running(L, ids, 500);
		for (size_t k = nr < 500 ? nr : 500; i % 7 == 6 && k-- > 0;) {
			if (info(L, ids[k]).end_s <= cs_live_now(L))
				continue; /* its run ends now: nothing left to cancel */
			cr_assert_eq(cs_live_cancel(L, ids[k], err, sizeof err), 0, "%s", err);
			cx[ncx++] = (cs_run_cancel){ ids[k], cs_live_now(L) };
			running++;
			break;
		}
		cs_live_job j = job_of(&t, &t.jobs[i]);
		submit(L, &j);
	}
	cr_assert(waiting > 20 && running > 20, "%s: %zu waiting and %zu running jobs cancelled", policy, waiting, running);
	run_out(L);
	batch_cluster = yaml;
	expect_batch_cancels(L, csv, policy, NULL, cx, ncx);
	batch_cluster = NULL;
	cs_live_free(L);
	cs_trace_free(&t);
	free(csv);
	th_unlink(yaml);
}

Test(live, cancellations_give_the_batch_schedule_fcfs) { cancels_as_in_batch("fcfs"); }
Test(live, cancellations_give_the_batch_schedule_sjf) { cancels_as_in_batch("sjf"); }
Test(live, cancellations_give_the_batch_schedule_easy) { cancels_as_in_batch("easy"); }
Test(live, cancellations_give_the_batch_schedule_conservative) { cancels_as_in_batch("conservative"); }

/* busy_jobs' projects and users (every user in each project, unequal
 * shares), for multifactor. */
static const char busy_accounts[] = "accounts:\n"
				    "  - {name: p0, shares: 3, users: [{name: u0}, {name: u1}, {name: u2}, {name: u3}]}\n"
				    "  - {name: p1, shares: 2, users: [{name: u0}, {name: u1}, {name: u2}, {name: u3}]}\n"
				    "  - {name: p2, shares: 1, users: [{name: u0}, {name: u1}, {name: u2}, {name: u3}]}\n";

Test(live, cancellations_give_the_batch_schedule_multifactor)
{
	char *acc = th_write_tmp(busy_accounts, ".yaml");
	accounts_file = acc;
	cancels_as_in_batch("multifactor");
	accounts_file = NULL;
	th_unlink(acc);
}

Test(live, a_cancelled_running_job_frees_its_nodes_for_the_next)
{
	/* FCFS. Job 1 holds all three GPU nodes over [0, 100); job 2 (one
	 * node) waits. Cancelled at 30, job 1 ends at 30 and job 2 starts
	 * then, to end at 80. Job 3, submitted for 1000, is cancelled before
	 * that and never runs. */
	char *y;
	cs_live *L = two_partitions("fcfs", 0, &y);
	cs_live_job j1 = gpu_job(1, 0, 3, 100), j2 = gpu_job(2, 10, 1, 50), j3 = gpu_job(3, 1000, 1, 10);
	submit(L, &j1);
	submit(L, &j2);
	submit(L, &j3);
	advance(L, 30);
	cr_assert_eq(info(L, 2).state, CS_LIVE_WAITING);
	cr_assert_str_eq(info(L, 2).reason, "Resources");
	char err[CS_ERRLEN];
	cr_assert_eq(cs_live_cancel(L, 1, err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_live_cancel(L, 3, err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_live_cancel(L, 3, err, sizeof err), -CS_EINVAL);
	advance(L, 31);
	cr_assert_eq(info(L, 1).state, CS_LIVE_CANCELLED);
	cr_assert_eq(info(L, 1).end_s, 30);
	cr_assert_eq(info(L, 2).state, CS_LIVE_RUNNING);
	cr_assert_eq(info(L, 2).start_s, 30);
	cr_assert_eq(info(L, 2).end_s, 80);
	run_out(L);
	cr_assert_eq(info(L, 3).state, CS_LIVE_CANCELLED);
	cr_assert_eq(info(L, 3).start_s, -1);
	cs_live_free(L);
	th_unlink(y);
}

Test(live, a_cancelled_waiting_job_leaves_the_queue)
{
	/* FCFS. Job 1 holds the three GPU nodes over [0, 100); job 2 (three
	 * nodes, 50 s) waits from 10, job 3 (one node, 10 s) behind it from
	 * 20. Job 2 cancelled at 30: it is gone from the queue at once, and at
	 * 100 job 3 starts (to 110), where it would have waited for job 2 to
	 * 150. A running job whose end is now has no run left to cancel. */
	char *y;
	cs_live *L = two_partitions("fcfs", 0, &y);
	cs_live_job j1 = gpu_job(1, 0, 3, 100), j2 = gpu_job(2, 10, 3, 50), j3 = gpu_job(3, 20, 1, 10);
	submit(L, &j1);
	submit(L, &j2);
	submit(L, &j3);
	advance(L, 30);
	int64_t w[4];
	cr_assert_eq(cs_live_waiting(L, w, 4), 2);
	char err[CS_ERRLEN];
	cr_assert_eq(cs_live_cancel(L, 2, err, sizeof err), 0, "%s", err);
	cr_assert_eq(info(L, 2).state, CS_LIVE_CANCELLED);
	cr_assert_eq(cs_live_waiting(L, w, 4), 1);
	cr_assert_eq(w[0], 3);
	cr_assert_eq(cs_live_cancel(L, 2, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "job 2 has ended (cancelled)"), "%s", err);
	advance(L, 100);
	cr_assert_eq(cs_live_cancel(L, 1, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "job 1 ends at now (100)"), "%s", err);
	run_out(L);
	cr_assert_eq(info(L, 2).start_s, -1);
	cr_assert_eq(info(L, 3).start_s, 100);
	cr_assert_eq(info(L, 3).end_s, 110);
	cs_live_free(L);
	th_unlink(y);
}

Test(live, a_policy_without_a_cancel_op_keeps_its_waiting_jobs)
{
	/* The example plugin built for ABI 2 (no cancel op): a waiting job's
	 * cancellation is refused naming the policy; a running job's is not
	 * the policy's to do, and goes on. */
	char *y;
	cs_live *L = two_partitions(th_plugin("no_cancel.so"), 0, &y);
	cs_live_job j1 = gpu_job(1, 0, 3, 100), j2 = gpu_job(2, 10, 3, 50);
	submit(L, &j1);
	submit(L, &j2);
	advance(L, 30);
	char err[CS_ERRLEN];
	cr_assert_eq(cs_live_cancel(L, 2, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "job 2 is waiting and policy fcfs-example cannot cancel a waiting job"), "%s", err);
	cr_assert_eq(info(L, 2).state, CS_LIVE_WAITING);
	cr_assert_eq(cs_live_cancel(L, 1, err, sizeof err), 0, "%s", err);
	run_out(L);
	cr_assert_eq(info(L, 1).end_s, 30);
	cr_assert_eq(info(L, 2).start_s, 30);
	cs_live_free(L);
	th_unlink(y);
}

Test(live, whatif_answers_without_changing_the_run)
{
	/* Job 1 holds the three GPU nodes over [0, 100): a one-node job asked
	 * about at 20 would start at 100 and end at 150; submitted then, it
	 * does. */
	char *y;
	cs_live *L = two_partitions("easy", 0, &y);
	cs_live_job j1 = gpu_job(1, 0, 3, 100), q = gpu_job(-1, -1, 1, 50);
	submit(L, &j1);
	advance(L, 20);
	char err[CS_ERRLEN];
	cs_time s, e, next;
	cr_assert_eq(cs_live_whatif(L, &q, &s, &e, err, sizeof err), 0, "%s", err);
	cr_assert_eq(s, 100);
	cr_assert_eq(e, 150);
	cr_assert_eq(cs_live_njobs(L), 1);
	cr_assert_eq(cs_live_next_event(L, &next, err, sizeof err), 0);
	cr_assert_eq(next, 100);
	q.id = 2;
	submit(L, &q);
	run_out(L);
	cr_assert_eq(info(L, 2).start_s, 100);
	cs_live_free(L);
	th_unlink(y);
}

Test(live, a_restored_state_goes_on_as_the_saved_run)
{
	/* The two days under EASY, saved at day 1 after a running job was
	 * cancelled; restored into a new run, both go on to the same
	 * schedule. */
	char *csv = two_days();
	cs_trace t;
	read_csv(csv, &t);
	cs_live *A = live_new("easy", NULL), *B = live_new("easy", NULL);
	submit_all(A, &t);
	advance(A, 86400);
	int64_t run[1];
	cr_assert_geq(cs_live_running(A, run, 1), 1);
	char err[CS_ERRLEN], *path = th_write_tmp("", ".json");
	cr_assert_eq(cs_live_cancel(A, run[0], err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_live_save(A, path, err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_live_restore(B, path, err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_live_now(B), 86400);
	cr_assert_eq(info(B, run[0]).state, CS_LIVE_CANCELLED);
	run_out(A);
	run_out(B);
	char dir[] = "/tmp/capsim-live-XXXXXX";
	th_mkdtemp(dir);
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = "(live)";
	char d[2][64];
	cs_live *L[2] = { A, B };
	for (int k = 0; k < 2; k++) {
		snprintf(d[k], sizeof d[k], "%s/%d", dir, k);
		o.out_dir = d[k];
		cs_run_result r;
		cr_assert_eq(cs_live_result(L[k], &r, err, sizeof err), 0, "%s", err);
		cr_assert_eq(cs_run_write_outputs(&o, &r, err, sizeof err), 0, "%s", err);
		cs_run_result_free(&r);
	}
	th_expect_same_file(d[0], d[1], "jobs.csv");
	th_sh(NULL, "rm -rf '%s'", dir);
	th_unlink(path);
	cs_live_free(A);
	cs_live_free(B);
	cs_trace_free(&t);
	free(csv);
}

/* FCFS as an external scheduler: at each pass, start the waiting jobs in
 * order until one does not fit, and mark that one as waiting for
 * resources (the built-in fcfs with queue=global). */
static void external_fcfs(cs_live *L)
{
	char err[CS_ERRLEN];
	cs_time t;
	size_t cap = cs_live_njobs(L) + 1;
	int64_t *ids = malloc(cap * sizeof *ids);
	cs_live_decision *d = malloc(cap * sizeof *d);
	uint8_t *ok = malloc(cap);
	char(*why)[CS_ERRLEN] = malloc(cap * sizeof *why);
	for (;;) {
		cr_assert_eq(cs_live_next_event(L, &t, err, sizeof err), 0, "%s", err);
		if (t == CS_TIME_MAX)
			break;
		int rc = cs_live_advance(L, t + 1, err, sizeof err);
		cr_assert_geq(rc, 0, "%s", err);
		while (cs_live_waiting_pass(L)) {
			size_t n = cs_live_waiting(L, ids, cap);
			for (size_t i = 0; i < n; i++)
				d[i] = (cs_live_decision){ .verb = CS_LIVE_START, .id = ids[i] };
			int a = cs_live_decide(L, d, n, 1, 0, ok, why, err, sizeof err);
			cr_assert_geq(a, 0, "%s", err);
			size_t k = (size_t)a;
			if (k < n) {
				d[0] = (cs_live_decision){ .verb = CS_LIVE_PENDING_REASON, .id = ids[k], .reason = CS_WAIT_RESOURCES };
				cr_assert_eq(cs_live_decide(L, d, 1, 0, 1, ok, why, err, sizeof err), 1, "%s", why[0]);
			} else {
				cr_assert_eq(cs_live_decide(L, d, 0, 0, 1, ok, why, err, sizeof err), 0, "%s", err);
			}
			if (cs_live_waiting_pass(L))
				continue;
			if (cs_live_now(L) <= t)
				cr_assert_geq(cs_live_advance(L, t + 1, err, sizeof err), 0, "%s", err);
		}
	}
	free(ids);
	free(d);
	free(ok);
	free(why);
}

Test(live, an_external_fcfs_gives_the_built_in_fcfs_schedule)
{
	char *csv = two_days();
	cs_trace t;
	read_csv(csv, &t);
	cs_live_opts o;
	cs_live_opts_default(&o);
	o.external = 1;
	cs_live *L;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_live_new(&L, &o, err, sizeof err), 0, "%s", err);
	submit_all(L, &t);
	external_fcfs(L);
	/* one queue over every partition, as the client keeps it */
	expect_batch_schedule(L, csv, "fcfs", ARGS("queue=global"));
	cs_live_free(L);
	cs_trace_free(&t);
	free(csv);
}

Test(live, an_invalid_decision_is_refused_with_its_reason_and_changes_nothing)
{
	/* External. Jobs 1 (3 GPU nodes) and 2 (1 node) wait at the pass at 0.
	 * Starting job 2 on a CPU node, on a-0 twice, or job 7: refused.
	 * Starting 1 then 2: 2 would overcommit, refused; 1 runs on all three. */
	char *y;
	cs_live *L = two_partitions(NULL, 1, &y);
	cs_live_job j1 = gpu_job(1, 0, 3, 100), j2 = gpu_job(2, 0, 1, 50);
	submit(L, &j1);
	submit(L, &j2);
	char err[CS_ERRLEN], why[4][CS_ERRLEN];
	uint8_t ok[4];
	cr_assert_eq(cs_live_advance(L, 1, err, sizeof err), 1);
	cr_assert_eq(cs_live_now(L), 1);
	uint32_t b0 = (uint32_t)cs_live_node_find(L, "b-0"), a0 = (uint32_t)cs_live_node_find(L, "a-0");
	uint32_t twice[2] = { a0, a0 };
	cs_live_decision d[4] = {
		{ .verb = CS_LIVE_START, .id = 2, .nodes = &b0, .nnodes = 1 },
		{ .verb = CS_LIVE_START, .id = 1, .nodes = twice, .nnodes = 2 },
		{ .verb = CS_LIVE_START, .id = 7 },
		{ .verb = CS_LIVE_START, .id = 1 },
	};
	cr_assert_eq(cs_live_decide(L, d, 4, 0, 0, ok, why, err, sizeof err), 1);
	cr_assert(strstr(why[0], "not in the job's partition"), "%s", why[0]);
	cr_assert(strstr(why[1], "3 given") || strstr(why[1], "2 given"), "%s", why[1]);
	cr_assert(strstr(why[2], "no job 7"), "%s", why[2]);
	cr_assert_eq(ok[3], 1);
	d[0] = (cs_live_decision){ .verb = CS_LIVE_START, .id = 2 };
	cr_assert_eq(cs_live_decide(L, d, 1, 0, 1, ok, why, err, sizeof err), 0);
	cr_assert(strstr(why[0], "does not fit"), "%s", why[0]);
	cr_assert_eq(info(L, 1).state, CS_LIVE_RUNNING);
	cr_assert_eq(info(L, 2).state, CS_LIVE_WAITING);
	cs_live_free(L);
	th_unlink(y);
}

Test(live, multifactor_with_its_accounts_gives_the_batch_schedule)
{
	/* the two days' accounts tree (generate --accounts): every project and
	 * user in it, so the tree does not grow as jobs arrive */
	char *acc = th_write_tmp("", ".yaml"), *out = NULL, *err = NULL;
	cr_assert_eq(th_exec(ARGS("workload", "generate", "--seed", "1", "--days", "2", "--out", "/dev/null", "--accounts",
				  acc), &out, &err), 0, "%s", err);
	free(out);
	free(err);
	cs_live_opts o;
	cs_live_opts_default(&o);
	o.policy = "multifactor";
	cs_live *L;
	char e[CS_ERRLEN];
	cr_assert_eq(cs_live_new(&L, &o, e, sizeof e), -CS_EINVAL);
	cr_assert(strstr(e, "multifactor needs --accounts"), "%s", e);
	accounts_file = acc;
	L = live_new("multifactor", NULL);
	cs_live_job stranger = { .id = 99999999, .nodes = 1, .runtime_s = 10, .time_limit_s = -1, .project = "nobody",
				 .user = "u1" };
	int64_t id;
	cr_assert_eq(cs_live_submit(L, &stranger, &id, e, sizeof e), -CS_EINVAL);
	cr_assert(strstr(e, "project: 'nobody' is not in the accounts file"), "%s", e);
	cs_live_free(L);
	char *csv = two_days();
	cs_trace t;
	read_csv(csv, &t);
	L = live_new("multifactor", NULL);
	submit_all(L, &t);
	run_out(L);
	expect_batch_schedule(L, csv, "multifactor", NULL);
	cs_live_free(L);
	accounts_file = NULL;
	cs_trace_free(&t);
	free(csv);
	th_unlink(acc);
}

/* --- jobs submitted to several partitions --- */

/* Generated days of jobs of which some may run in several partitions
 * (th_backlog_csv's: every fourth h100 job also on a100, every third t4
 * job on a100 and h100, written a|b), as two_days gives its days. */
static char *multi_days(int days)
{
	char *path = th_backlog_csv(days, 1);
	size_t len;
	char *text = th_slurp(path, &len);
	cr_assert_not_null(text);
	th_unlink(path);
	return th_strip_meta(text);
}

/* The jobs of a generated day with partition lists (about 1 in 6 of
 * them), submitted at once or one at a time as the clock reaches them:
 * the batch run's jobs.csv and batsim_jobs.csv byte for byte. */
static void lists_as_in_batch(const char *policy, int one_by_one_)
{
	char *csv = multi_days(1);
	cr_assert(strstr(csv, "h100|a100") && strstr(csv, "t4|a100|h100"));
	cs_trace t;
	read_csv(csv, &t);
	cs_live *L = live_new(policy, NULL);
	char err[CS_ERRLEN];
	for (size_t i = 0; i < t.n; i++) {
		cs_time at = t.jobs[i].submit_s;
		if (one_by_one_ && at > cs_live_now(L))
			cr_assert_eq(cs_live_advance(L, at, err, sizeof err), 0, "%s", err);
		cs_live_job j = job_of(&t, &t.jobs[i]);
		submit(L, &j);
	}
	run_out(L);
	expect_batch_schedule(L, csv, policy, NULL);
	cs_live_free(L);
	cs_trace_free(&t);
	free(csv);
}

Test(live, partition_lists_give_the_batch_schedule_fcfs) { lists_as_in_batch("fcfs", 0); }
Test(live, partition_lists_give_the_batch_schedule_easy) { lists_as_in_batch("easy", 0); }
Test(live, partition_lists_give_the_batch_schedule_conservative) { lists_as_in_batch("conservative", 0); }
Test(live, partition_lists_give_the_batch_schedule_sjf) { lists_as_in_batch("sjf", 0); }
Test(live, partition_lists_arriving_one_at_a_time_give_the_batch_schedule_easy) { lists_as_in_batch("easy", 1); }

static cs_live *on_ab(const char *policy, int external, char **yaml)
{
	return live_on(th_two_gpu_partitions_yaml, policy, external, yaml);
}

static cs_live_job ab_job(int64_t id, cs_time submit, uint32_t nodes, cs_time runtime, const char *partition)
{
	return (cs_live_job){ .id = id, .submit_s = submit, .nodes = nodes, .gpus_per_node = 4, .cores_per_node = 1,
			      .time_limit_s = runtime, .runtime_s = runtime, .partition = partition };
}

Test(live, a_job_of_several_partitions_starts_in_the_first_where_it_fits)
{
	/* FCFS. Job 1 holds a's two nodes over [0, 100). Job 2 (one node,
	 * "a,b") comes at 10: a is full, b is not: it starts at 10 in b, to
	 * 60. Job 3 (two nodes, "b|a", as capsim's CSV writes a list) comes
	 * at 20: a is full, b has one node free: it waits (its partition
	 * shown "b,a", as Slurm spells it); at 60 b is free: it starts there,
	 * to 90. "a,a" is partition a. */
	char *y;
	cs_live *L = on_ab("fcfs", 0, &y);
	cs_live_job j1 = ab_job(1, 0, 2, 100, "a"), j2 = ab_job(2, 10, 1, 50, "a,b"), j3 = ab_job(3, 20, 2, 30, "b|a"),
		    j4 = ab_job(4, 200, 1, 10, "a,a");
	submit(L, &j1);
	submit(L, &j2);
	submit(L, &j3);
	submit(L, &j4);
	advance(L, 30);
	cr_assert_eq(info(L, 2).start_s, 10);
	cr_assert_str_eq(info(L, 2).partition, "b");
	cr_assert_eq(info(L, 3).state, CS_LIVE_WAITING);
	cr_assert_str_eq(info(L, 3).partition, "b,a");
	run_out(L);
	cr_assert_eq(info(L, 3).start_s, 60);
	cr_assert_str_eq(info(L, 3).partition, "b");
	cr_assert_str_eq(info(L, 4).partition, "a");
	cs_live_free(L);
	th_unlink(y);
}

Test(live, a_bad_partition_list_is_refused_naming_the_name)
{
	char *y;
	cs_live *L = on_ab("easy", 0, &y);
	char err[CS_ERRLEN];
	int64_t id;
	cs_live_job j = ab_job(1, 0, 1, 10, "a,x");
	cr_assert_eq(cs_live_submit(L, &j, &id, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "partition: 'x' (in 'a,x') is not a partition of twin (one of: a, b)"), "%s", err);
	j.partition = "a,,b";
	cr_assert_eq(cs_live_submit(L, &j, &id, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "partition: 'a,,b' has an empty name in its list"), "%s", err);
	j.partition = "b|";
	cr_assert_eq(cs_live_submit(L, &j, &id, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "has an empty name"), "%s", err);
	j.partition = "c";
	cr_assert_eq(cs_live_submit(L, &j, &id, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "partition: 'c' is not a partition of twin"), "%s", err);
	cr_assert_eq(cs_live_njobs(L), 0);
	cs_live_free(L);
	th_unlink(y);
}

Test(live, an_external_start_of_a_listed_job_keeps_to_one_partition)
{
	/* Job 1 (one node of a) runs; job 2 (two nodes, "a,b") waits for the
	 * scheduler. On x-1 and y-0 it would span a and b: refused; on y-0
	 * and y-1 it starts in b. */
	char *y;
	cs_live *L = on_ab(NULL, 1, &y);
	cs_live_job j1 = ab_job(1, 0, 1, 100, "a"), j2 = ab_job(2, 0, 2, 50, "a,b");
	submit(L, &j1);
	submit(L, &j2);
	char err[CS_ERRLEN], why[2][CS_ERRLEN];
	uint8_t ok[2];
	cr_assert_eq(cs_live_advance(L, 1, err, sizeof err), 1, "%s", err);
	uint32_t x0 = (uint32_t)cs_live_node_find(L, "x-0"), x1 = (uint32_t)cs_live_node_find(L, "x-1"),
		 y0 = (uint32_t)cs_live_node_find(L, "y-0"), y1 = (uint32_t)cs_live_node_find(L, "y-1");
	cs_live_decision d = { .verb = CS_LIVE_START, .id = 1, .nodes = &x0, .nnodes = 1 };
	cr_assert_eq(cs_live_decide(L, &d, 1, 0, 0, ok, why, err, sizeof err), 1, "%s", why[0]);
	uint32_t span[2] = { x1, y0 }, inb[2] = { y0, y1 };
	d = (cs_live_decision){ .verb = CS_LIVE_START, .id = 2, .nodes = span, .nnodes = 2 };
	cr_assert_eq(cs_live_decide(L, &d, 1, 0, 0, ok, why, err, sizeof err), 0);
	cr_assert(strstr(why[0], "none of its partitions holds all these nodes"), "%s", why[0]);
	d.nodes = inb;
	cr_assert_eq(cs_live_decide(L, &d, 1, 0, 1, ok, why, err, sizeof err), 1, "%s", why[0]);
	cr_assert_eq(info(L, 2).start_s, 0);
	cr_assert_str_eq(info(L, 2).partition, "b");
	cs_live_free(L);
	th_unlink(y);
}

Test(live, a_saved_state_keeps_its_partition_lists)
{
	/* The hand-worked case of a_job_of_several_partitions_starts_in_the_
	 * first_where_it_fits, saved at 30 (job 3, "b|a", waiting) and
	 * restored: both runs end with job 3 started at 60 in b. */
	char *y;
	cs_live *A = on_ab("fcfs", 0, &y), *B;
	cs_live_job j1 = ab_job(1, 0, 2, 100, "a"), j2 = ab_job(2, 10, 1, 50, "a,b"), j3 = ab_job(3, 20, 2, 30, "b|a");
	submit(A, &j1);
	submit(A, &j2);
	submit(A, &j3);
	advance(A, 30);
	char err[CS_ERRLEN], *path = th_write_tmp("", ".json"), *y2;
	cr_assert_eq(cs_live_save(A, path, err, sizeof err), 0, "%s", err);
	B = on_ab("fcfs", 0, &y2);
	cr_assert_eq(cs_live_restore(B, path, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(info(B, 3).partition, "b,a");
	run_out(A);
	run_out(B);
	cr_assert_eq(info(B, 3).start_s, 60);
	cr_assert_str_eq(info(B, 3).partition, "b");
	cr_assert_eq(info(A, 3).start_s, 60);
	cs_live_free(A);
	cs_live_free(B);
	th_unlink(path);
	th_unlink(y);
	th_unlink(y2);
}
