/* Cancellations (cs_cancel, capsim/engine.h; each policy's cancel op,
 * include/capsim/sched.h): hand-worked schedules per policy on a cluster
 * of 4 nodes x 4 GPUs (every job here holds whole nodes) or a pooled
 * machine of 4 processors, the outputs of a cancelled job, the errors,
 * and runs where cancelling a job at its submit time gives the schedule
 * of the run without it. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "capsim/report.h"
#include "helpers.h"

/* Job ID of project p submitted at S on N whole nodes, running R seconds,
 * its time limit (the estimate) R. */
#define JOB(id, s, n, r) #id ",p,u," #s "," #n ",4,1,0," #r "," #r ",normal,gpu,completed\n"

/* The workload of the fcfs, sjf and multifactor cases: job 1 holds every
 * node over [0, 100); jobs 2 (2 nodes, 100 s), 3 (3 nodes, 100 s) and 4 (2
 * nodes, 50 s) arrive at 10, 20 and 30 and wait for it. */
static const char queue4[] = JOB(1, 0, 4, 100) JOB(2, 10, 2, 100) JOB(3, 20, 3, 100) JOB(4, 30, 2, 50);

/* A list of cancellations as run()'s last two arguments. */
#define CANCELS(...) ((const cs_run_cancel[]){ __VA_ARGS__ }), \
	(sizeof((const cs_run_cancel[]){ __VA_ARGS__ }) / sizeof(cs_run_cancel))
#define NO_CANCELS NULL, 0

static const char *const sjbf[] = { "order=sjbf", NULL };

/* Run native rows under policy (k=v parameters, NULL-terminated, or
 * NULL) with cancellations; asserts success. */
static void run(const char *rows, const char *policy, const char *const *params, const cs_run_cancel *cx, size_t n,
		cs_run_result *r)
{
	char csv[8192];
	snprintf(csv, sizeof csv, "%s%s", TH_CSV_HDR, rows);
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = policy;
	char kv[CS_MAX_PARAMS][64];
	th_params(&o, params, kv);
	o.cancels = cx;
	o.ncancels = n;
	th_run_on(th_cluster16_yaml, csv, ".csv", &o, r);
}

/* The same on a pooled machine of 4 processors: each job's nodes are its
 * processors. */
static void run_pooled(const char *swf, const char *policy, const cs_run_cancel *cx, size_t n, cs_run_result *r)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = policy;
	o.cancels = cx;
	o.ncancels = n;
	th_run_text(swf, &o, r);
}

static void expect_cancelled_waiting(const cs_run_result *r, int64_t id, cs_time t)
{
	const cs_job *j = th_job(r, id);
	cr_assert(j->flags & CS_JOB_CANCELLED, "job %lld is not cancelled", (long long)id);
	cr_assert_eq(j->start_s, -1, "job %lld started at %lld", (long long)id, (long long)j->start_s);
	cr_assert_eq(j->end_s, t);
}

/* ---- fcfs --------------------------------------------------------------- */

/* Without a cancellation: at 100 job 2 starts (2 nodes); 3 needs 3 of the
 * 2 left and 4 waits behind it; at 200 job 3 starts, 4 needs 2 of the 1
 * left; at 300 job 4. */
Test(cancel, fcfs_without_a_cancellation)
{
	cs_run_result r;
	run(queue4, "fcfs", NULL, NO_CANCELS, &r);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 3), 200);
	cr_assert_eq(th_start(&r, 4), 300);
	cr_assert_eq(r.est.cancelled_waiting, 0);
	cs_run_result_free(&r);
}

/* Job 2, the head, cancelled at 50: at 100 job 3 starts (3 nodes), 4 needs
 * 2 of the 1 left; at 200 job 4. */
Test(cancel, fcfs_the_head)
{
	cs_run_result r;
	run(queue4, "fcfs", NULL, CANCELS({ 2, 50 }), &r);
	expect_cancelled_waiting(&r, 2, 50);
	cr_assert_eq(th_start(&r, 3), 100);
	cr_assert_eq(th_start(&r, 4), 200);
	cr_assert_eq(r.est.cancelled_waiting, 1);
	cr_assert_eq(r.est.cancelled_running, 0);
	cs_run_result_free(&r);
}

/* Job 3, in the middle, cancelled at 50: at 100 job 2 (2 nodes) and job 4
 * (the 2 others) start. */
Test(cancel, fcfs_the_middle)
{
	cs_run_result r;
	run(queue4, "fcfs", NULL, CANCELS({ 3, 50 }), &r);
	expect_cancelled_waiting(&r, 3, 50);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 4), 100);
	cs_run_result_free(&r);
}

/* Job 1, running, cancelled at 50: it ends then (its run 50 s) and the pass
 * at 50 starts job 2 (2 nodes, to 150); 3 needs 3, so at 150 job 3 starts
 * and 4 needs 2 of the 1 left: at 250. */
Test(cancel, fcfs_a_running_job_ends_then)
{
	cs_run_result r;
	run(queue4, "fcfs", NULL, CANCELS({ 1, 50 }), &r);
	const cs_job *j = th_job(&r, 1);
	cr_assert(j->flags & CS_JOB_CANCELLED);
	cr_assert_eq(j->start_s, 0);
	cr_assert_eq(j->end_s, 50);
	cr_assert_eq(j->runtime_s, 50);
	cr_assert_eq(th_start(&r, 2), 50);
	cr_assert_eq(th_start(&r, 3), 150);
	cr_assert_eq(th_start(&r, 4), 250);
	cr_assert_eq(r.est.cancelled_running, 1);
	cr_assert_eq(r.est.cancelled_waiting, 0);
	cs_run_result_free(&r);
}

/* A cancellation that finds nothing to cancel changes nothing: job 4 at
 * 400 (it ended at 350), job 3 at 15 (submitted at 20: not yet waiting). */
Test(cancel, one_that_finds_no_waiting_or_running_job_changes_nothing)
{
	cs_run_result r;
	run(queue4, "fcfs", NULL, CANCELS({ 4, 400 }, { 3, 15 }), &r);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 3), 200);
	cr_assert_eq(th_start(&r, 4), 300);
	cr_assert_not(th_job(&r, 3)->flags & CS_JOB_CANCELLED);
	cr_assert_eq(r.est.cancels_missed, 2);
	cr_assert_eq(r.est.cancelled_waiting + r.est.cancelled_running, 0);
	cs_run_result_free(&r);
}

/* A job cancelled in the second it is submitted: the cancellation comes
 * after the submissions of its time, so it waits by then, and it never
 * starts (job 3 at 10, 4 nodes free only at 100: job 2 there). */
Test(cancel, a_job_submitted_and_cancelled_in_the_same_second)
{
	cs_run_result r;
	run(queue4, "fcfs", NULL, CANCELS({ 2, 10 }), &r);
	expect_cancelled_waiting(&r, 2, 10);
	cr_assert_eq(th_start(&r, 3), 100);
	cs_run_result_free(&r);
}

/* ---- sjf ---------------------------------------------------------------- */

/* sjf orders by estimate: without a cancellation, at 100 job 4 (50 s)
 * then 2 (100 s, before 3) start, 3 waits for 3 nodes to 200. Job 2
 * cancelled at 40: at 100 job 4 starts, 3 needs 3 of the 2 left; at 150
 * (4 ends) job 3. */
Test(cancel, sjf_a_waiting_job)
{
	cs_run_result r;
	run(queue4, "sjf", NULL, NO_CANCELS, &r);
	cr_assert_eq(th_start(&r, 4), 100);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 3), 200);
	cs_run_result_free(&r);
	run(queue4, "sjf", NULL, CANCELS({ 2, 40 }), &r);
	expect_cancelled_waiting(&r, 2, 40);
	cr_assert_eq(th_start(&r, 4), 100);
	cr_assert_eq(th_start(&r, 3), 150);
	cs_run_result_free(&r);
}

/* sjf marks its head Resources and the head it displaces Priority: job 4
 * (the shortest) is the head marked from 30; cancelled at 40, it keeps
 * its last reason (Resources) although job 2 is the head marked next. */
Test(cancel, sjf_the_marked_head_keeps_its_reason)
{
	cs_run_result r;
	run(queue4, "sjf", NULL, CANCELS({ 4, 40 }), &r);
	expect_cancelled_waiting(&r, 4, 40);
	cr_assert_eq(th_job(&r, 4)->reason, CS_WAIT_RESOURCES);
	cr_assert_eq(th_job(&r, 2)->reason, CS_WAIT_RESOURCES);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 3), 200);
	cs_run_result_free(&r);
}

/* ---- easy and multifactor: the job holding the reservation --------------- */

/* Job 1 holds 2 nodes over [0, 100). Job 2 (4 nodes, 100 s) is the head
 * from 10: its reservation is 100, on every node. Job 3 (2 nodes, 200 s,
 * at 20) would fit now but run past 100 on nodes job 2 needs: it waits.
 * Job 4 (1 node, 50 s, at 30) ends by 100: it backfills, [30, 80).
 * Without a cancellation job 2 runs [100, 200) and job 3 [200, 400).
 * Job 2 cancelled at 40: its reservation goes; job 3 is the head, with 1
 * node free, and holds from 80 (job 4's end gives it 2); it starts at 80. */
static const char resv4[] = JOB(1, 0, 2, 100) JOB(2, 10, 4, 100) JOB(3, 20, 2, 200) JOB(4, 30, 1, 50);
#define SWF4 "; MaxProcs: 4\n" SWF_JOB(1, 0, 100, 2, 100) SWF_JOB(2, 10, 100, 4, 100) \
	SWF_JOB(3, 20, 200, 2, 200) SWF_JOB(4, 30, 50, 1, 50)

static void reservation_case(const cs_run_result *a, const cs_run_result *b, const char *policy)
{
	cr_assert_eq(th_start(a, 2), 100, "%s", policy);
	cr_assert_eq(th_job(a, 2)->reservation_s, 100, "%s", policy);
	cr_assert_eq(th_start(a, 4), 30, "%s", policy);
	cr_assert_eq(th_start(a, 3), 200, "%s", policy);
	expect_cancelled_waiting(b, 2, 40);
	cr_assert_eq(th_job(b, 2)->reservation_s, 100, "%s: its first reservation stays on record", policy);
	cr_assert_eq(th_start(b, 4), 30, "%s", policy);
	cr_assert_eq(th_start(b, 3), 80, "%s", policy);
}

static void reservation_holder(const char *policy)
{
	cs_run_result a, b;
	run(resv4, policy, NULL, NO_CANCELS, &a);
	run(resv4, policy, NULL, CANCELS({ 2, 40 }), &b);
	reservation_case(&a, &b, policy);
	cs_run_result_free(&a);
	cs_run_result_free(&b);
	run_pooled(SWF4, policy, NO_CANCELS, &a);
	run_pooled(SWF4, policy, CANCELS({ 2, 40 }), &b);
	reservation_case(&a, &b, policy);
	cs_run_result_free(&a);
	cs_run_result_free(&b);
}

Test(cancel, easy_the_job_holding_the_reservation) { reservation_holder("easy"); }
Test(cancel, multifactor_the_job_holding_the_reservation) { reservation_holder("multifactor"); }

/* EASY's backfill in shortest-estimate order (SJBF) keeps its own index:
 * the same case. */
Test(cancel, easy_sjbf_the_job_holding_the_reservation)
{
	cs_run_result a, b;
	run(resv4, "easy", sjbf, NO_CANCELS, &a);
	run(resv4, "easy", sjbf, CANCELS({ 2, 40 }), &b);
	reservation_case(&a, &b, "easy sjbf");
	cs_run_result_free(&a);
	cs_run_result_free(&b);
}

/* multifactor's submit limit (MaxSubmitJobs 2 an association, running
 * plus waiting): job 1 runs and job 2 waits, so job 3 (at 20) is rejected;
 * with job 2 cancelled at 15 it no longer counts and job 3 waits for job
 * 1, to start at 100. */
Test(cancel, multifactor_a_cancelled_job_leaves_the_submit_limit)
{
	static const char *const lim[] = { "max_submit_jobs=2", NULL };
	static const char rows[] = JOB(1, 0, 4, 100) JOB(2, 10, 4, 100) JOB(3, 20, 1, 10);
	cs_run_result r;
	run(rows, "multifactor", lim, NO_CANCELS, &r);
	cr_assert(th_job(&r, 3)->flags & CS_JOB_REJECTED);
	cs_run_result_free(&r);
	run(rows, "multifactor", lim, CANCELS({ 2, 15 }), &r);
	expect_cancelled_waiting(&r, 2, 15);
	cr_assert_not(th_job(&r, 3)->flags & CS_JOB_REJECTED);
	cr_assert_eq(th_start(&r, 3), 100);
	cs_run_result_free(&r);
}

/* ---- conservative: planned jobs ----------------------------------------- */

/* Job 1 holds 2 nodes over [0, 100). Job 2 (4 nodes) is planned at 100;
 * job 3 (2 nodes, 50 s) fits now and ends before: it starts at 20; job 4
 * (3 nodes, 50 s) is planned after job 2, [200, 250); job 5 (2 nodes,
 * 100 s) finds 1 node beside job 4: [250, 350).
 * Job 4 cancelled at 50 (a plan in the middle): job 5 moves to 200.
 * Job 2 cancelled at 50 (the first plan): job 4 moves to 100 (job 1's
 * end frees the 4 nodes), and job 5, 1 node beside job 4 over [100, 150),
 * to 150. */
static const char plans5[] = JOB(1, 0, 2, 100) JOB(2, 10, 4, 100) JOB(3, 20, 2, 50) JOB(4, 30, 3, 50)
	JOB(5, 40, 2, 100);
#define SWF5 "; MaxProcs: 4\n" SWF_JOB(1, 0, 100, 2, 100) SWF_JOB(2, 10, 100, 4, 100) \
	SWF_JOB(3, 20, 50, 2, 50) SWF_JOB(4, 30, 50, 3, 50) SWF_JOB(5, 40, 100, 2, 100)

static void plans_case(int pooled)
{
	cs_run_result r;
	const char *how = pooled ? "pooled" : "node model";
	if (pooled)
		run_pooled(SWF5, "conservative", NO_CANCELS, &r);
	else
		run(plans5, "conservative", NULL, NO_CANCELS, &r);
	cr_assert_eq(th_start(&r, 2), 100, "%s", how);
	cr_assert_eq(th_start(&r, 3), 20, "%s", how);
	cr_assert_eq(th_start(&r, 4), 200, "%s", how);
	cr_assert_eq(th_start(&r, 5), 250, "%s", how);
	cs_run_result_free(&r);
	if (pooled)
		run_pooled(SWF5, "conservative", CANCELS({ 4, 50 }), &r);
	else
		run(plans5, "conservative", NULL, CANCELS({ 4, 50 }), &r);
	expect_cancelled_waiting(&r, 4, 50);
	cr_assert_eq(th_start(&r, 2), 100, "%s", how);
	cr_assert_eq(th_start(&r, 5), 200, "%s", how);
	cs_run_result_free(&r);
	if (pooled)
		run_pooled(SWF5, "conservative", CANCELS({ 2, 50 }), &r);
	else
		run(plans5, "conservative", NULL, CANCELS({ 2, 50 }), &r);
	expect_cancelled_waiting(&r, 2, 50);
	cr_assert_eq(th_start(&r, 4), 100, "%s", how);
	cr_assert_eq(th_start(&r, 5), 150, "%s", how);
	cs_run_result_free(&r);
}

Test(cancel, conservative_planned_jobs) { plans_case(0); }
Test(cancel, conservative_planned_jobs_pooled) { plans_case(1); }

/* ---- outputs ------------------------------------------------------------ */

/* The fcfs workload with job 1 (running) cancelled at 50 and job 3
 * (waiting) at 60: job 2 starts at 50 (2 of the 4 nodes job 1 gave
 * back) and, job 3 gone, job 4 at 60 on the other 2. jobs.csv: job 1
 * CANCELLED, [0, 50), run 50 s; job 3 CANCELLED, start -1, end 60, wait
 * -1, run 0 s (sacct's End and Elapsed for a job cancelled pending). The
 * metrics count jobs 1, 2 and 4: waits 0, 40 and 30. */
Test(cancel, outputs_of_cancelled_jobs)
{
	char dir[] = "/tmp/capsim-cancel-XXXXXX";
	th_mkdtemp(dir);
	char csv[8192];
	snprintf(csv, sizeof csv, "%s%s", TH_CSV_HDR, queue4);
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "fcfs";
	o.out_dir = dir;
	const cs_run_cancel cx[] = { { 1, 50 }, { 3, 60 } };
	o.cancels = cx;
	o.ncancels = 2;
	cs_run_result r;
	th_run_on(th_cluster16_yaml, csv, ".csv", &o, &r);
	cr_assert_eq(th_start(&r, 2), 50);
	cr_assert_eq(th_start(&r, 4), 60);
	cr_assert_float_eq(r.m.mean_wait, (0 + 40 + 30) / 3.0, 1e-9);
	cs_run_result_free(&r);
	char path[256];
	th_in(path, sizeof path, dir, "jobs.csv");
	size_t len;
	char *text = th_slurp(path, &len);
	cr_assert_not_null(text);
	int seen = 0;
	for (char *l = strchr(text, '\n') + 1, *e; (e = strchr(l, '\n')); l = e + 1) {
		*e = 0;
		char *f[64];
		cr_assert_geq(th_csv_split(l, f, 64), 12);
		/* id,submit,start,end,wait,runtime,...,state (the 12th) */
		if (!strcmp(f[0], "1")) {
			cr_assert(!strcmp(f[2], "0") && !strcmp(f[3], "50") && !strcmp(f[4], "0") && !strcmp(f[5], "50"));
			cr_assert_str_eq(f[11], "CANCELLED");
			seen++;
		} else if (!strcmp(f[0], "3")) {
			cr_assert(!strcmp(f[1], "20") && !strcmp(f[2], "-1") && !strcmp(f[3], "60") && !strcmp(f[4], "-1") &&
				  !strcmp(f[5], "0"), "%s,%s,%s,%s,%s", f[1], f[2], f[3], f[4], f[5]);
			cr_assert_str_eq(f[11], "CANCELLED");
			seen++;
		} else {
			cr_assert_str_eq(f[11], "COMPLETED");
		}
	}
	cr_assert_eq(seen, 2);
	free(text);
	json_error_t je;
	th_in(path, sizeof path, dir, "summary.json");
	json_t *s = json_load_file(path, 0, &je);
	cr_assert_not_null(s, "%s", je.text);
	json_t *c = json_object_get(s, "cancelled_jobs");
	cr_assert_eq(json_integer_value(json_object_get(c, "waiting")), 1);
	cr_assert_eq(json_integer_value(json_object_get(c, "running")), 1);
	cr_assert_eq(json_integer_value(json_object_get(c, "missed")), 0);
	cr_assert_eq(json_integer_value(json_object_get(s, "jobs")), 3, "the metrics' jobs");
	/* energy two ways: the power meter stops job 1's draw at its
	 * cancellation, as the recorder's time series does */
	double metered = json_real_value(json_object_get(json_object_get(s, "energy"), "it_energy_kwh"));
	double series = json_real_value(json_object_get(json_object_get(s, "recorder"), "energy_kwh"));
	cr_assert(metered > 0 && fabs(metered - series) <= 1e-9 * series, "metered %.9g, time series %.9g", metered, series);
	json_decref(s);
	th_in(path, sizeof path, dir, "batsim_jobs.csv");
	text = th_slurp(path, &len);
	cr_assert_not_null(text);
	cr_assert(strstr(text, "COMPLETED_KILLED") && strstr(text, "REJECTED"), "%s", text);
	free(text);
	th_sh(NULL, "rm -rf '%s'", dir);
}

/* ---- errors ------------------------------------------------------------- */

static int run_err(const char *policy, const cs_run_cancel *cx, size_t n, char *err)
{
	char csv[8192];
	snprintf(csv, sizeof csv, "%s%s", TH_CSV_HDR, queue4);
	char *y = th_write_tmp(th_cluster16_yaml, ".yaml"), *w = th_write_tmp(csv, ".csv");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = policy;
	o.workload = w;
	o.cluster = y;
	o.cancels = cx;
	o.ncancels = n;
	cs_run_result r;
	int rc = cs_run(&o, &r, err, CS_ERRLEN);
	if (rc == 0)
		cs_run_result_free(&r);
	th_unlink(y);
	th_unlink(w);
	return rc;
}

Test(cancel, an_unknown_job_id_is_refused)
{
	char err[CS_ERRLEN];
	cr_assert_eq(run_err("fcfs", CANCELS({ 9, 50 }), err), -CS_EINVAL);
	cr_assert(strstr(err, "cancel: job id 9 names no job of the run"), "%s", err);
}

/* A plugin of ABI 2 (no cancel op) loads and runs, but not with
 * cancellations: refused before anything runs, naming the policy. */
Test(cancel, a_policy_without_a_cancel_op_is_refused)
{
	char err[CS_ERRLEN];
	const char *so = th_plugin("no_cancel.so");
	cr_assert_eq(run_err(so, NO_CANCELS, err), 0, "%s", err);
	cr_assert_eq(run_err(so, CANCELS({ 3, 50 }), err), -CS_EINVAL);
	cr_assert(strstr(err, "policy fcfs-example cannot cancel a waiting job"), "%s", err);
}

/* ---- cancelling at the submit time -------------------------------------- */

/* Did the run with cancellations (a) give every job not cancelled the
 * start, end, reservation, reason, flags and nodes it has in the run
 * without the cancelled jobs (b)? Both tables are in (submit, file) order. */
static void expect_same_schedule(const cs_run_result *a, const cs_run_result *b, const char *what)
{
	size_t k = 0;
	for (size_t i = 0; i < a->njobs; i++) {
		const cs_job *x = &a->jobs[i];
		if (x->flags & CS_JOB_CANCELLED)
			continue;
		cr_assert_lt(k, b->njobs, "%s", what);
		const cs_job *y = &b->jobs[k];
		cr_assert(x->id == y->id && x->start_s == y->start_s && x->end_s == y->end_s &&
				  x->reservation_s == y->reservation_s && x->reason == y->reason && x->flags == y->flags,
			  "%s: job %lld: start %lld end %lld reservation %lld, without the cancelled jobs job %lld: %lld "
			  "%lld %lld", what, (long long)x->id, (long long)x->start_s, (long long)x->end_s,
			  (long long)x->reservation_s, (long long)y->id, (long long)y->start_s, (long long)y->end_s,
			  (long long)y->reservation_s);
		if (a->placements && x->start_s >= 0) {
			const cs_slot *p = a->placements + a->placement_off[i], *q = b->placements + b->placement_off[k];
			for (uint32_t s = 0; s < x->nodes; s++)
				cr_assert(p[s].node == q[s].node && p[s].gpu_mask == q[s].gpu_mask && p[s].cores == q[s].cores,
					  "%s: job %lld: other nodes", what, (long long)x->id);
		}
		k++;
	}
	cr_assert_eq(k, b->njobs, "%s", what);
}

static void run_file(const char *path, const char *policy, const char *const *params, const cs_run_cancel *cx,
		     size_t n, cs_run_result *r)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = path;
	o.policy = policy;
	char kv[CS_MAX_PARAMS][64];
	th_params(&o, params, kv);
	o.cancels = cx;
	o.ncancels = n;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_run(&o, r, err, sizeof err), 0, "%s: %s", policy, err);
}

#define TWIN_ID 1000000000

/* A copy of workload text (a native CSV, or an SWF trace) at path where
 * every third job the run keeps (kept[id], ids below MAX_ID) has a twin:
 * the same record on the next line with id TWIN_ID + its id. The twins'
 * cancellations at their submit times into cx (room for all); returns how
 * many. */
#define MAX_ID 100000

/* A job line's id and submit time: an SWF record's first two fields, a
 * native CSV row's first and fourth. 0 for a line that is no job (a
 * comment, metadata, the header, blank). */
static int id_and_submit(const char *l, int swf, long long *id, long long *submit)
{
	if (swf ? *l == ';' || !*l : *l == '#' || !strncmp(l, "id,", 3) || !*l)
		return 0;
	if (swf) {
		cr_assert_eq(sscanf(l, "%lld %lld", id, submit), 2, "%s", l);
		return 1;
	}
	char copy[1024], *fl[16];
	snprintf(copy, sizeof copy, "%s", l);
	cr_assert_geq(th_csv_split(copy, fl, 16), 4);
	*id = atoll(fl[0]);
	*submit = atoll(fl[3]);
	return 1;
}

static size_t with_twins(char *text, int swf, const uint8_t *kept, const char *path, cs_run_cancel *cx)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	size_t n = 0, nc = 0;
	for (char *l = text, *e; (e = strchr(l, '\n')); l = e + 1) {
		*e = 0;
		fprintf(f, "%s\n", l);
		long long id, submit;
		if (!id_and_submit(l, swf, &id, &submit))
			continue;
		cr_assert(id >= 0 && id < MAX_ID);
		if (!kept[id] || n++ % 3)
			continue;
		const char *after_id = l + strspn(l, " \t");
		after_id += strcspn(after_id, swf ? " \t" : ",");
		fprintf(f, "%lld%s\n", TWIN_ID + id, after_id);
		cx[nc++] = (cs_run_cancel){ TWIN_ID + id, submit };
	}
	fclose(f);
	return nc;
}

/* Every third job of a workload gets a twin (with_twins: the same request,
 * submitted in the same second, the next line), cancelled at its submit
 * time: each twin enters the policy's queue and leaves it before the pass
 * of its second, a pass its original makes anyway (every submission makes
 * one, the default rule). The other jobs' schedule is then the one of the
 * run without the twins, under every policy: a cancel op leaves the queue
 * as it was. Two generated days at 1.5x the projects (a backlog of
 * hundreds) on the default cluster, and KTH-SP2 on its pooled machine (a
 * backlog of its own). */
static void twins_leave_no_trace(const char *policy, const char *const *params, int swf)
{
	char *path = NULL, *text;
	size_t len;
	if (swf) {
		cr_assert_eq(th_sh(&text, "zcat '%s/traces/pwa/KTH-SP2-1996-2.swf.gz'", th_shared()), 0);
		path = th_write_tmp(text, ".swf");
	} else {
		path = th_backlog_csv(2, 0);
		text = th_slurp(path, &len);
		cr_assert_not_null(text);
	}
	cs_run_result a, b;
	run_file(path, policy, params, NO_CANCELS, &b);
	cs_run_cancel *cx = malloc(40000 * sizeof *cx);
	uint8_t *kept = calloc(MAX_ID, 1);
	cr_assert(cx && kept);
	for (size_t i = 0; i < b.njobs; i++) {
		cr_assert(b.jobs[i].id >= 0 && b.jobs[i].id < MAX_ID);
		kept[b.jobs[i].id] = 1;
	}
	char *twins = th_write_tmp("", swf ? ".swf" : ".csv");
	size_t nc = with_twins(text, swf, kept, twins, cx);
	cr_assert(nc > 1000 && nc < 40000, "%zu twins", nc);
	run_file(twins, policy, params, cx, nc, &a);
	cr_assert_eq(a.est.cancelled_waiting, nc, "%s", policy);
	expect_same_schedule(&a, &b, policy);
	cs_run_result_free(&a);
	cs_run_result_free(&b);
	free(cx);
	free(kept);
	free(text);
	th_unlink(twins);
	th_unlink(path);
}

Test(cancel, twins_cancelled_at_submission_fcfs) { twins_leave_no_trace("fcfs", NULL, 0); }
Test(cancel, twins_cancelled_at_submission_sjf) { twins_leave_no_trace("sjf", NULL, 0); }
Test(cancel, twins_cancelled_at_submission_easy) { twins_leave_no_trace("easy", NULL, 0); }
Test(cancel, twins_cancelled_at_submission_easy_sjbf) { twins_leave_no_trace("easy", sjbf, 0); }
Test(cancel, twins_cancelled_at_submission_conservative) { twins_leave_no_trace("conservative", NULL, 0); }
Test(cancel, twins_cancelled_at_submission_multifactor) { twins_leave_no_trace("multifactor", NULL, 0); }
Test(cancel, twins_cancelled_at_submission_pooled_fcfs) { twins_leave_no_trace("fcfs", NULL, 1); }
Test(cancel, twins_cancelled_at_submission_pooled_sjf) { twins_leave_no_trace("sjf", NULL, 1); }
Test(cancel, twins_cancelled_at_submission_pooled_easy) { twins_leave_no_trace("easy", NULL, 1); }
Test(cancel, twins_cancelled_at_submission_pooled_easy_sjbf) { twins_leave_no_trace("easy", sjbf, 1); }
Test(cancel, twins_cancelled_at_submission_pooled_conservative) { twins_leave_no_trace("conservative", NULL, 1); }
Test(cancel, twins_cancelled_at_submission_pooled_multifactor) { twins_leave_no_trace("multifactor", NULL, 1); }

/* A job cancelled at its own submit time, without a twin: the run has a
 * pass at that second (its submission makes one) that the run without
 * the job may not have. fcfs and sjf do nothing in a pass in which
 * nothing changed (the head still does not fit what is free), so for them
 * the other jobs' schedule is the run's without those jobs; easy,
 * conservative and multifactor decide by the time of the pass too (the
 * reservation's time, overdue jobs, the age factor) and may differ. Every
 * fifth job of the two generated days, dropped from the workload (b) or
 * cancelled at its submission (a). */
static void cancelled_at_submission_as_if_absent(const char *policy)
{
	char *path = th_backlog_csv(2, 0);
	size_t len;
	char *text = th_slurp(path, &len);
	cr_assert_not_null(text);
	char *without = th_write_tmp("", ".csv");
	FILE *f = fopen(without, "w");
	cr_assert_not_null(f);
	cs_run_cancel *cx = malloc(40000 * sizeof *cx);
	cr_assert_not_null(cx);
	size_t n = 0, nc = 0;
	for (char *l = text, *e; (e = strchr(l, '\n')); l = e + 1) {
		*e = 0;
		long long id, submit;
		if (id_and_submit(l, 0, &id, &submit) && n++ % 5 == 0) {
			cx[nc++] = (cs_run_cancel){ id, submit };
			continue;
		}
		fprintf(f, "%s\n", l);
	}
	fclose(f);
	cs_run_result a, b;
	run_file(path, policy, NULL, cx, nc, &a);
	run_file(without, policy, NULL, NO_CANCELS, &b);
	cr_assert_eq(a.est.cancelled_waiting, nc, "%s", policy);
	expect_same_schedule(&a, &b, policy);
	cs_run_result_free(&a);
	cs_run_result_free(&b);
	free(cx);
	free(text);
	th_unlink(without);
	th_unlink(path);
}

Test(cancel, cancelled_at_submission_as_if_absent_fcfs) { cancelled_at_submission_as_if_absent("fcfs"); }
Test(cancel, cancelled_at_submission_as_if_absent_sjf) { cancelled_at_submission_as_if_absent("sjf"); }

/* The example plugin (policies/example) cancels too: with every fourth
 * job of KTH-SP2 cancelled 300 s after its submission (waiting, running
 * or ended by then), it gives the built-in fcfs's schedule. */
Test(cancel, the_example_plugin_cancels_as_fcfs)
{
	char *text;
	cr_assert_eq(th_sh(&text, "zcat '%s/traces/pwa/KTH-SP2-1996-2.swf.gz'", th_shared()), 0);
	char *path = th_write_tmp(text, ".swf");
	cs_run_result a, b;
	run_file(path, "fcfs", NULL, NO_CANCELS, &a);
	cs_run_cancel *cx = malloc(a.njobs * sizeof *cx);
	cr_assert_not_null(cx);
	size_t nc = 0;
	for (size_t i = 0; i < a.njobs; i += 4)
		cx[nc++] = (cs_run_cancel){ a.jobs[i].id, a.jobs[i].submit_s + 300 };
	cs_run_result_free(&a);
	run_file(path, "fcfs", NULL, cx, nc, &a);
	run_file(path, th_plugin("fcfs_example.so"), NULL, cx, nc, &b);
	cr_assert_eq(a.njobs, b.njobs);
	cr_assert(a.est.cancelled_waiting > 100 && a.est.cancelled_running > 100 && a.est.cancels_missed > 100,
		  "waiting %zu, running %zu, missed %zu", a.est.cancelled_waiting, a.est.cancelled_running,
		  a.est.cancels_missed);
	for (size_t i = 0; i < a.njobs; i++)
		cr_assert(a.jobs[i].start_s == b.jobs[i].start_s && a.jobs[i].end_s == b.jobs[i].end_s &&
				  a.jobs[i].flags == b.jobs[i].flags,
			  "job %lld", (long long)a.jobs[i].id);
	cs_run_result_free(&a);
	cs_run_result_free(&b);
	free(cx);
	free(text);
	th_unlink(path);
}
