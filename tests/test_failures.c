/* Failures, checkpoints and maintenance (capsim/failures.h,
 * docs/failures.md): cases worked out by hand on a cluster of two 4-GPU
 * nodes, failure counts against configured rates on a large one, and the
 * config's errors. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/failures.h"
#include "capsim/report.h"
#include "capsim/run.h"
#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Two nodes, g4-0 and g4-1, of 4 GPUs each; best fit puts a job on the
 * lowest-numbered node that fits. */
#define TWO                                                                   \
	"name: two\n"                                                         \
	"site: {pue: 1}\n"                                                    \
	"node_types:\n"                                                       \
	"  - name: g4\n"                                                      \
	"    count: 2\n"                                                      \
	"    topology: \"pack:2 numa:1 core:4 pu:1\"\n"                       \
	"    memory_gib: 64\n"                                                \
	"    gpus: {model: H100-SXM5-80GB, count: 4, per_package: 2}\n"      \
	"    power_w: {idle: 1000, peak: 5000}\n"                             \
	"partitions:\n"                                                       \
	"  - {name: gpu, node_types: [g4], max_time_s: 86400}\n"

#define HDR TH_CSV_HDR

/* The config TWO + extra, with %s in extra replaced by the trace file
 * holding `trace` (NULL: none); run under policy with requeue (1/0). */
static void run_fail(const char *extra, const char *trace, const char *csv, const char *policy, int requeue,
		     cs_run_result *r)
{
	char *tp = trace ? th_write_tmp(trace, ".csv") : NULL;
	char yaml[8192], more[4096];
	snprintf(more, sizeof more, extra, tp ? tp : "");
	snprintf(yaml, sizeof yaml, "%s%s", TWO, more);
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = policy;
	o.requeue_on_failure = requeue;
	th_run_on(yaml, csv, ".csv", &o, r);
	th_unlink(tp);
}

/* The job's jobs.csv row's failures, failure_lost_s and checkpoint_s. */
static void csv_cols(const cs_run_result *r, int64_t id, long long *fails, long long *lost, long long *ckpt)
{
	size_t i = (size_t)(th_job(r, id) - r->jobs);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cs_failsim_csv_row(f, r->fail, i);
	fclose(f);
	cr_assert_eq(sscanf(buf, ",%lld,%lld,%lld", fails, lost, ckpt), 3, "%s", buf);
	free(buf);
}

#define CKPT "checkpoints:\n  - {qos: train, interval_s: 3600, cost_s: 60}\n"
#define TRACE_AT "failures: {trace: %s}\n"

/* One job of 4 GPUs, 10,000 s of work, checkpointing every 3,600 s at
 * 60 s each: n(10,000) = (10,000 - 1) / 3,600 = 2 checkpoints, a run of
 * 10,120 s; its estimate 20,000 s grows by 60 x (19,999 / 3,600 = 5) to
 * 20,300. It starts at 0 on g4-0. g4-0 fails at 5,000 (repair 1,000 s):
 * k = min(5,000 / 3,660, 2) = 1 checkpoint written (at 3,660 s), 3,600 s of
 * work kept, 5,000 - 3,660 = 1,340 s lost. Requeued, it restarts at once
 * on g4-1 with 6,400 s of work: n(6,400) = 1, a run of 6,460 s, 5,000 ..
 * 11,460. GPU-hours: delivered 4 x (5,000 + 6,460) = 45,840 GPU-s; lost
 * 4 x 1,340 = 5,360; checkpoints 4 x (60 + 60) = 480; useful 45,840 -
 * 5,360 - 480 = 40,000 = 4 x 10,000, the work. */
Test(failures, a_failure_loses_the_work_since_the_last_checkpoint)
{
	cs_run_result r;
	run_fail(CKPT TRACE_AT, "time_s,node,component,repair_s\n5000,g4-0,node,1000\n",
		 HDR "1,p,u,0,1,4,0,0,20000,10000,train,gpu,completed\n", "easy", -1, &r);
	const cs_job *j = th_job(&r, 1);
	cr_assert_eq(j->start_s, 5000);
	cr_assert_eq(j->end_s, 11460);
	cr_assert_eq(j->runtime_s, 6460);
	cr_assert_eq(j->estimate_s, 20300);
	cr_assert_eq(j->preempted_s, 5000);
	cr_assert_eq(j->preemptions, 0, "a failure is not a preemption");
	cr_assert_eq(r.placements[r.placement_off[0]].node, 1);
	long long fails, lost, ckpt;
	csv_cols(&r, 1, &fails, &lost, &ckpt);
	cr_assert_eq(fails, 1);
	cr_assert_eq(lost, 1340);
	cr_assert_eq(ckpt, 120);
	json_t *s = th_summary_json(&r);
	cr_assert_float_eq(th_num_at(s, "reliability.gpu_hours.delivered"), 45840 / 3600.0, 1e-9);
	cr_assert_float_eq(th_num_at(s, "reliability.gpu_hours.lost_to_failures"), 5360 / 3600.0, 1e-9);
	cr_assert_float_eq(th_num_at(s, "reliability.gpu_hours.checkpoints"), 480 / 3600.0, 1e-9);
	cr_assert_float_eq(th_num_at(s, "reliability.gpu_hours.useful"), 40000 / 3600.0, 1e-9);
	cr_assert_float_eq(th_num_at(s, "reliability.goodput"), 40000.0 / 45840, 1e-9);
	cr_assert_eq(th_num_at(s, "reliability.failures.total"), 1);
	cr_assert_eq(th_num_at(s, "reliability.failures.components.node.failures"), 1);
	cr_assert_eq(th_num_at(s, "reliability.checkpoints.taken"), 2);
	/* g4-0 was down 5,000 .. 6,000: 4 GPUs x 1,000 s */
	cr_assert_float_eq(th_num_at(s, "reliability.gpu_hours.down_for_repair"), 4000 / 3600.0, 1e-9);
	json_decref(s);
	cs_run_result_free(&r);
}

/* The same without a requeue: the job ends NODE_FAIL at 5,000, its run
 * 5,000 s; of it 3,600 s of work were checkpointed (useful), 60 s went to
 * the checkpoint and 1,340 s were lost. */
Test(failures, without_requeue_the_job_ends_node_fail)
{
	cs_run_result r;
	run_fail(CKPT TRACE_AT, "5000,g4-0,node,1000\n", HDR "1,p,u,0,1,4,0,0,20000,10000,train,gpu,completed\n",
		 "easy", 0, &r);
	const cs_job *j = th_job(&r, 1);
	cr_assert_eq(j->start_s, 0);
	cr_assert_eq(j->end_s, 5000);
	cr_assert_eq(j->runtime_s, 5000);
	cr_assert(j->flags & CS_JOB_NODE_FAIL);
	long long fails, lost, ckpt;
	csv_cols(&r, 1, &fails, &lost, &ckpt);
	cr_assert_eq(fails, 1);
	cr_assert_eq(lost, 1340);
	cr_assert_eq(ckpt, 60);
	json_t *s = th_summary_json(&r);
	cr_assert_float_eq(th_num_at(s, "reliability.gpu_hours.useful"), 4 * 3600 / 3600.0, 1e-9);
	cr_assert_eq(th_num_at(s, "reliability.failures.jobs_node_fail"), 1);
	cr_assert_eq(th_num_at(s, "reliability.failures.jobs_requeued"), 0);
	json_decref(s);
	cs_run_result_free(&r);
}

/* Without checkpoints a stopped job starts over: job 1 (4 GPUs, 100 s)
 * starts at 50 on g4-1 (job 2 holds g4-0 0 .. 10,000); g4-1 fails at 100
 * until 1,100, so job 1 runs again 1,100 .. 1,200, having lost 50 s. */
Test(failures, a_job_without_checkpoints_starts_over)
{
	cs_run_result r;
	run_fail(TRACE_AT, "100,g4-1,link,1000\n",
		 HDR "2,p,u,0,1,4,0,0,10000,10000,x,gpu,completed\n"
		     "1,p,u,50,1,4,0,0,100,100,x,gpu,completed\n",
		 "easy", -1, &r);
	cr_assert_eq(th_start(&r, 1), 1100);
	cr_assert_eq(th_job(&r, 1)->end_s, 1200);
	cr_assert_eq(th_job(&r, 1)->preempted_s, 50);
	cr_assert_eq(th_job(&r, 2)->end_s, 10000);
	long long fails, lost, ckpt;
	csv_cols(&r, 1, &fails, &lost, &ckpt);
	cr_assert(fails == 1 && lost == 50 && ckpt == 0);
	cs_run_result_free(&r);
}

/* g4-1 is down 100 .. 1,100. Job 2 holds g4-0 from 0 to 5,000; job 1 (4
 * GPUs) comes at 200 and fits only on g4-1: it waits for the repair, and
 * its reservation (EASY's hold, conservative's plan) is the repair's end. */
static void down_node_waits(const char *policy)
{
	cs_run_result r;
	run_fail(TRACE_AT, "100,g4-1,node,1000\n",
		 HDR "2,p,u,0,1,4,0,0,5000,5000,x,gpu,completed\n"
		     "1,p,u,200,1,4,0,0,100,100,x,gpu,completed\n",
		 policy, -1, &r);
	cr_assert_eq(th_start(&r, 1), 1100, "%s", policy);
	cr_assert_eq(th_job(&r, 1)->reservation_s, 1100, "%s", policy);
	cr_assert_eq(r.placements[r.placement_off[1]].node, 1);
	cs_run_result_free(&r);
}

Test(failures, a_down_node_is_not_used_until_repaired) { down_node_waits("easy"); }
Test(failures, a_down_node_is_not_used_until_repaired_conservative) { down_node_waits("conservative"); }
Test(failures, a_down_node_is_not_used_until_repaired_multifactor) { down_node_waits("multifactor"); }

/* Two 2-GPU jobs share g4-0 from 0 (10,000 s each). GPU 0 of g4-0 fails at
 * 100: only the job holding it stops; it restarts at 100 on g4-1 (g4-0
 * has one GPU left), the other runs on. */
Test(failures, a_gpu_failure_stops_only_the_job_on_that_gpu)
{
	const char *jobs = HDR "1,p,u,0,1,2,0,0,10000,10000,x,gpu,completed\n"
			       "2,p,u,0,1,2,0,0,10000,10000,x,gpu,completed\n";
	cs_run_result r0, r;
	run_fail("", NULL, jobs, "easy", -1, &r0);
	/* which job held GPU 0 of g4-0, without the failure */
	int64_t hit = (r0.placements[r0.placement_off[0]].gpu_mask & 1) ? 1 : 2, other = 3 - hit;
	cr_assert_eq(r0.placements[r0.placement_off[0]].node, 0);
	cr_assert_eq(r0.placements[r0.placement_off[1]].node, 0);
	run_fail(TRACE_AT, "100,g4-0,gpu:0,50000\n", jobs, "easy", -1, &r);
	cr_assert_eq(th_start(&r, hit), 100);
	cr_assert_eq(th_job(&r, hit)->end_s, 10100);
	cr_assert_eq(r.placements[r.placement_off[hit - 1]].node, 1);
	cr_assert_eq(th_start(&r, other), 0);
	cr_assert_eq(th_job(&r, other)->end_s, 10000);
	cr_assert_eq(th_job(&r, other)->preempted_s, 0);
	cs_run_result_free(&r0);
	cs_run_result_free(&r);
}

/* Checkpoints every 10 s at no cost: job 1 (100 s of work) starts at 0 on
 * g4-0, which fails at 50; 5 checkpoints kept 50 s, so it resumes at 50
 * on g4-1 with 50 s: its new end, 100, is the time of the stopped run's
 * end event, which is not taken for this one's. Events: its submission,
 * the failure, the repair and its end: 4 (the stopped run's end is not
 * counted). */
Test(failures, the_stopped_runs_end_event_is_not_the_new_runs)
{
	cs_run_result r;
	run_fail("checkpoints: [{interval_s: 10, cost_s: 0}]\n" TRACE_AT, "50,g4-0,node,10\n",
		 HDR "1,p,u,0,1,4,0,0,1000,100,x,gpu,completed\n", "easy", -1, &r);
	cr_assert_eq(th_start(&r, 1), 50);
	cr_assert_eq(th_job(&r, 1)->end_s, 100);
	cr_assert_eq(r.est.events, 4);
	cs_run_result_free(&r);
}

/* young_daly: a 2-node job of 4 GPUs per node with a GPU MTBF of 1,000 h
 * and a node MTBF of 2,000 h fails 2 x (4 / 1,000 + 1 / 2,000) = 0.009
 * times an hour: M = 400,000 s; at 50 s a checkpoint, the interval is
 * sqrt(2 x 50 x 400,000) = 6,324.6, so 6,325 s; its 30,000 s estimate
 * grows by 50 x (29,999 / 6,325 = 4) = 200. */
Test(failures, young_daly_interval_from_the_jobs_failure_rate)
{
	cs_run_result r;
	run_fail("failures:\n  processes:\n"
		 "    - {component: gpu, mtbf_h: 1000, repair: {distribution: fixed, mean_h: 1}}\n"
		 "    - {component: node, mtbf_h: 2000, repair: {distribution: fixed, mean_h: 1}}\n"
		 "checkpoints: [{qos: train, interval: young_daly, cost_s: 50}]\n",
		 NULL, HDR "1,p,u,0,2,4,0,0,30000,20000,train,gpu,completed\n", "easy", -1, &r);
	cr_assert_eq(th_job(&r, 1)->estimate_s, 30200);
	json_t *s = th_summary_json(&r);
	cr_assert_eq(th_num_at(s, "reliability.checkpoints.jobs"), 1);
	json_t *rule = json_array_get(json_object_get(json_object_get(json_object_get(s, "reliability"), "checkpoints"),
						      "rules"), 0);
	cr_assert_eq(json_integer_value(json_object_get(rule, "mean_interval_s")), 6325);
	json_decref(s);
	cs_run_result_free(&r);
}

/* Windows on g4-1 at 1,000, 3,000 and 5,000 for 500 s (count 3): 3 x 500 s x
 * 4 GPUs = 6,000 GPU-s. Job 2 holds g4-0 0 .. 8,000; job 1 (4 GPUs, 1,000
 * s) comes at 900: [900, 1,900) would meet the first window, so it starts
 * when it ends, at 1,500 ([1,500, 2,500) misses the next). Without count
 * the windows go on to the last submission (9,000): 1,000, 3,000, 5,000,
 * 7,000 and 9,000, 5 of them. */
Test(failures, maintenance_windows_hold_their_nodes_and_their_gpu_hours)
{
	const char *jobs = HDR "2,p,u,0,1,4,0,0,8000,8000,x,gpu,completed\n"
			       "1,p,u,900,1,4,0,0,1000,1000,x,gpu,completed\n"
			       "3,p,u,9000,1,1,0,0,100,100,x,gpu,completed\n";
	cs_run_result r;
	run_fail("maintenance:\n  - {name: m, start_s: 1000, duration_s: 500, every_s: 2000, count: 3, nodes: g4-1}\n",
		 NULL, jobs, "easy", -1, &r);
	cr_assert_eq(th_start(&r, 1), 1500);
	json_t *s = th_summary_json(&r);
	cr_assert_eq(th_num_at(s, "reliability.maintenance.windows"), 3);
	cr_assert_float_eq(th_num_at(s, "reliability.gpu_hours.maintenance"), 6000 / 3600.0, 1e-9);
	cr_assert_float_eq(th_num_at(s, "reliability.maintenance.node_hours"), 1500 / 3600.0, 1e-9);
	json_decref(s);
	cs_run_result_free(&r);
	run_fail("maintenance:\n  - {name: m, start_s: 1000, duration_s: 500, every_s: 2000, partition: gpu}\n", NULL,
		 jobs, "easy", -1, &r);
	s = th_summary_json(&r);
	/* 5 windows on both nodes: job 2's 8,000 s fit in no gap between them,
	 * so it starts after the last, at 9,500, and the span runs to 17,500:
	 * 5 x 500 s x 8 GPUs = 20,000 GPU-s */
	cr_assert_eq(th_start(&r, 2), 9500);
	cr_assert_eq(th_num_at(s, "reliability.maintenance.windows"), 5);
	cr_assert_float_eq(th_num_at(s, "reliability.gpu_hours.maintenance"), 20000 / 3600.0, 1e-9);
	json_decref(s);
	cs_run_result_free(&r);
}

/* ---- failure counts against the configured rates ------------------------------ */

/* 1,250 nodes of 8 GPUs for a year (two tiny jobs at 0 and at 365 days
 * hold the span open). Repairs take 1 s, so the components are up all
 * the year but for seconds. With a fixed seed the counts are what they
 * are; the bounds say they agree with the rates:
 *   exponential: the count over U component-hours up is Poisson with mean
 *     U / MTBF; allowed: within 4 sigma, sqrt(mean);
 *   weibull (a renewal process): the count's variance is about mean x CV^2
 *     (CV the law's coefficient of variation) and its mean about U / MTBF +
 *     components x (CV^2 - 1) / 2; allowed: within 4 sqrt(mean x CV^2) of that. */
Test(failures, observed_failures_match_the_configured_rates)
{
	const char *big = "name: big\n"
			  "site: {pue: 1}\n"
			  "node_types:\n"
			  "  - {name: n, count: 1250, topology: \"pack:1 core:2 pu:1\", memory_gib: 8,\n"
			  "     gpus: {model: H100, count: 8}, power_w: {idle: 0, peak: 0}}\n"
			  "partitions: [{name: p, node_types: [n]}]\n"
			  "failures:\n"
			  "  seed: 7\n"
			  "  processes:\n"
			  "    - {component: gpu, mtbf_h: 10000, repair: {distribution: fixed, mean_h: 0.0002778}}\n"
			  "    - {component: node, mtbf_h: 1000, repair: {distribution: exponential, mean_h: 0.0002778}}\n"
			  "    - {component: link, node_types: [n], mtbf_h: 100, distribution: weibull, shape: 0.7,\n"
			  "       repair: {distribution: fixed, mean_h: 0.0002778}}\n"
			  "    - {component: link, mtbf_h: 200, distribution: weibull, shape: 1.5,\n"
			  "       repair: {distribution: lognormal, mean_h: 0.0002778, sigma: 0.5}}\n";
	cs_run_result r;
	cs_run_opts o;
	cs_run_opts_default(&o);
	th_run_on(big, HDR "1,p,u,0,1,1,0,0,10,10,x,p,completed\n2,p,u,31536000,1,1,0,0,10,10,x,p,completed\n", ".csv",
		  &o, &r);
	json_t *s = th_summary_json(&r);
	json_t *procs = json_object_get(json_object_get(json_object_get(s, "reliability"), "failures"), "processes");
	cr_assert_eq(json_array_size(procs), 4);
	const double shape[] = { 1, 1, 0.7, 1.5 }, comps[] = { 10000, 1250, 1250, 1250 };
	const double mtbf[] = { 10000, 1000, 100, 200 };
	for (size_t p = 0; p < 4; p++) {
		json_t *x = json_array_get(procs, p);
		double n = (double)json_integer_value(json_object_get(x, "failures"));
		double exp_n = json_real_value(json_object_get(x, "expected"));
		/* up all year but for the repairs: components x 8,760 h / MTBF, to 0.1 % */
		cr_assert_float_eq(exp_n, comps[p] * 8760 / mtbf[p], comps[p] * 8760 / mtbf[p] * 1e-3, "process %zu", p);
		double cv2 = tgamma(1 + 2 / shape[p]) / pow(tgamma(1 + 1 / shape[p]), 2) - 1;
		double mean = exp_n + (shape[p] == 1 ? 0 : comps[p] * (cv2 - 1) / 2);
		double tol = 4 * sqrt(mean * cv2);
		cr_assert(fabs(n - mean) <= tol, "process %zu: %.0f failures, expected %.1f +- %.1f", p, n, mean, tol);
	}
	json_decref(s);
	cs_run_result_free(&r);
}

/* timeseries.csv's gpus_down, from a failure trace, sampled hourly. GPU 1
 * of g4-0 is down 1,800 .. 5,400 and all of g4-1 (4 GPUs) 3,600 .. 5,400;
 * the job (1 GPU, 0 .. 10,000 on GPU 0 of g4-0) is not hit. Hour 0: 1 GPU
 * x 1,800 s = 1,800 GPU-s, a mean of 0.5; hour 1: 1 x 1,800 + 4 x 1,800 =
 * 9,000 GPU-s, 2.5; the last interval (7,200 .. 10,000): 0. The node type
 * g4, the partition gpu and (any) hold the same GPUs as the machine. */
Test(failures, timeseries_shows_the_gpus_down_for_repair)
{
	char dir[] = "/tmp/capsim-failures-XXXXXX";
	th_mkdtemp(dir);
	char *tp = th_write_tmp("time_s,node,component,repair_s\n1800,g4-0,gpu:1,3600\n3600,g4-1,node,1800\n", ".csv");
	char yaml[4096];
	snprintf(yaml, sizeof yaml, "%s" TRACE_AT, TWO, tp);
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.out_dir = dir;
	cs_run_result r;
	th_run_on(yaml, HDR "1,p,u,0,1,1,0,0,20000,10000,x,gpu,completed\n", ".csv", &o, &r);
	cr_assert_eq(th_job(&r, 1)->end_s, 10000, "not hit");
	char path[128];
	th_in(path, sizeof path, dir, "timeseries.csv");
	char *ts = th_slurp(path, NULL);
	cr_assert_not_null(ts);
	char *save = NULL, *line = strtok_r(ts, "\n", &save);
	char *f[32];
	size_t n = th_csv_split(line, f, 32);
	cr_assert_str_eq(f[n - 1], "gpus_down", "the last column, only with a failure model");
	static const char *const want[] = { "0.500", "2.500", "0.000" };
	size_t rows = 0;
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		cr_assert_eq(th_csv_split(line, f, 32), n);
		long long t = atoll(f[0]);
		cr_assert(t == 0 || t == 3600 || t == 7200, "%s", line);
		cr_assert_str_eq(f[n - 1], want[t / 3600], "%s", line);
		rows++;
	}
	cr_assert_eq(rows, 3 * 4, "3 intervals x (machine, g4, gpu, (any))");
	free(ts);
	cs_run_result_free(&r);
	th_unlink(tp);
	th_sh(NULL, "rm -rf %s", dir);
}

/* Without a failure model timeseries.csv has no gpus_down column. */
Test(failures, timeseries_has_no_gpus_down_without_a_failure_model)
{
	char dir[] = "/tmp/capsim-failures-XXXXXX";
	th_mkdtemp(dir);
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.out_dir = dir;
	cs_run_result r;
	th_run_on(TWO, HDR "1,p,u,0,1,1,0,0,20000,10000,x,gpu,completed\n", ".csv", &o, &r);
	char path[128];
	th_in(path, sizeof path, dir, "timeseries.csv");
	char *ts = th_slurp(path, NULL);
	cr_assert_not_null(ts);
	*strchr(ts, '\n') = 0;
	cr_assert_null(strstr(ts, "gpus_down"), "%s", ts);
	free(ts);
	cs_run_result_free(&r);
	th_sh(NULL, "rm -rf %s", dir);
}

/* ---- earlier results hold; the same seed, the same failures ------------------- */

static void same_outputs(const char *d1, const char *d2)
{
	static const char *const files[] = { "summary.json", "jobs.csv", "batsim_jobs.csv", "timeseries.csv",
					     "projects.csv", "fairness.csv", "occupancy.csv", NULL };
	for (size_t i = 0; files[i]; i++)
		th_expect_same_file(d1, d2, files[i]);
}

/* A week of the default workload on the default cluster, and on a config
 * that extends it with nothing: the same files. And with a failure model
 * whose components never fail in the run (MTBF 10^12 h) plus a maintenance
 * window after the end: the same schedule. */
Test(failures, without_failures_every_result_is_unchanged)
{
	char dir[] = "/tmp/capsim-failures-XXXXXX";
	th_mkdtemp(dir);
	char *out;
	cr_assert_eq(th_sh(&out, "cd %s && %s workload generate --seed 3 --days 7 --out w.csv && "
			   "printf 'extends: default\\n' > plain.yaml && "
			   "printf 'extends: default\\nfailures: {processes: [{component: node, mtbf_h: 1e12, "
			   "repair: {distribution: fixed, mean_h: 1}}]}\\n"
			   "maintenance: [{name: late, start_s: 100000000, duration_s: 10, nodes: all}]\\n' > idle.yaml && "
			   "mkdir a b && %s run --workload w.csv --out a/o > /dev/null && "
			   "%s run --workload w.csv --cluster plain.yaml --out b/o > /dev/null && "
			   "%s run --workload w.csv --cluster idle.yaml --out c > /dev/null && "
			   "cut -d, -f1-31 a/o/jobs.csv > a.cut && cut -d, -f1-31 c/jobs.csv > c.cut && cmp a.cut c.cut",
			   dir, th_bin(), th_bin(), th_bin(), th_bin()),
		     0, "%s", out);
	free(out);
	char a[64], b[64];
	th_in(a, sizeof a, dir, "a/o");
	th_in(b, sizeof b, dir, "b/o");
	/* summary.json names the config given (as the run's cluster, in its
	 * inputs and in the command): those three lines differ, nothing else */
	cr_assert_eq(th_sh(&out, "cd %s && for d in a b; do grep -v -E '^  \"cluster\": |^    \"(cluster|command)\": ' "
			   "$d/o/summary.json > $d.json; done && cmp a.json b.json && diff a/o/summary.json "
			   "b/o/summary.json | grep -c '^<'", dir), 0, "%s", out);
	cr_assert_str_eq(out, "3\n");
	free(out);
	static const char *const files[] = { "jobs.csv", "batsim_jobs.csv", "timeseries.csv", "projects.csv",
					     "fairness.csv", "occupancy.csv", NULL };
	for (size_t i = 0; files[i]; i++)
		th_expect_same_file(a, b, files[i]);
	th_sh(NULL, "rm -rf %s", dir);
}

Test(failures, the_same_seed_gives_the_same_failures)
{
	char dir[] = "/tmp/capsim-failures-XXXXXX";
	th_mkdtemp(dir);
	char *out;
	char cfg[512];
	snprintf(cfg, sizeof cfg, "%s/configs/clusters/national-ai-dc-failures.yaml", th_root());
	cr_assert_eq(th_sh(&out, "cd %s && %s workload generate --seed 2 --days 7 --out w.csv && mkdir a b c && "
			   "%s run --workload w.csv --cluster %s --out a/o > /dev/null && "
			   "%s run --workload w.csv --cluster %s --out b/o > /dev/null && "
			   "%s run --workload w.csv --cluster %s --failure-seed 2 --out c/o > /dev/null",
			   dir, th_bin(), th_bin(), cfg, th_bin(), cfg, th_bin(), cfg),
		     0, "%s", out);
	free(out);
	char a[64], b[64], c[64];
	th_in(a, sizeof a, dir, "a/o");
	th_in(b, sizeof b, dir, "b/o");
	th_in(c, sizeof c, dir, "c/o");
	same_outputs(a, b);
	cr_assert_neq(th_sh(NULL, "cmp -s %s/jobs.csv %s/jobs.csv", a, c), 0, "another seed, other failures");
	th_sh(NULL, "rm -rf %s", dir);
}

/* ---- the config's mistakes --------------------------------------------------- */

/* Load TWO + extra (%s: a trace file holding trace) and expect an error
 * starting "FILE:" + want (FILE the config, or the trace if at_trace). */
static void expect_error(const char *extra, const char *trace, int at_trace, const char *want)
{
	char *tp = trace ? th_write_tmp(trace, ".csv") : NULL;
	char yaml[8192], more[2048];
	snprintf(more, sizeof more, extra, tp ? tp : "");
	snprintf(yaml, sizeof yaml, "%s%s", TWO, more);
	char *path = th_write_tmp(yaml, ".yaml");
	char err[CS_ERRLEN] = "", full[CS_ERRLEN];
	cs_cluster *c = NULL;
	int rc = cs_cluster_load(&c, path, err, sizeof err);
	snprintf(full, sizeof full, "%s:%s", at_trace ? tp : path, want);
	cr_expect_lt(rc, 0);
	cr_expect_null(c);
	cr_expect(strncmp(err, full, strlen(full)) == 0, "got:      %s\nexpected: %s...", err, full);
	cr_expect_null(strchr(err, '\n'), "one line: %s", err);
	/* the command: exit 2, one line */
	const char *args[] = { "cluster", "show", path, NULL };
	th_expect_usage_error(args, want);
	th_unlink(path);
	th_unlink(tp);
}

/* TWO has 11 lines: "failures:" is line 12, "  processes:" 13, the item 14. */
#define PROC(x) "failures:\n  processes:\n    - {" x "}\n"

Test(failures, a_negative_mtbf_is_refused)
{
	expect_error(PROC("component: gpu, mtbf_h: -5, repair: {distribution: fixed, mean_h: 1}"), NULL, 0,
		     "14:32: failures.processes[0].mtbf_h: must be > 0, got -5");
}

Test(failures, a_zero_mtbf_is_refused)
{
	expect_error(PROC("component: gpu, mtbf_h: 0, repair: {distribution: fixed, mean_h: 1}"), NULL, 0,
		     "14:32: failures.processes[0].mtbf_h: must be > 0, got 0");
}

Test(failures, an_unknown_component_is_refused)
{
	expect_error(PROC("component: disk, mtbf_h: 5, repair: {distribution: fixed, mean_h: 1}"), NULL, 0,
		     "14:19: failures.processes[0].component: unknown value 'disk', expected one of: gpu, node, link");
}

Test(failures, a_weibull_shape_of_zero_is_refused)
{
	expect_error(PROC("component: node, mtbf_h: 5, distribution: weibull, shape: 0, repair: {distribution: fixed, "
			  "mean_h: 1}"),
		     NULL, 0, "14:66: failures.processes[0].shape: must be > 0, got 0");
}

Test(failures, a_weibull_law_needs_its_shape)
{
	expect_error(PROC("component: node, mtbf_h: 5, distribution: weibull, repair: {distribution: fixed, mean_h: 1}"),
		     NULL, 0, "14:8: failures.processes[0].shape: missing required key");
}

Test(failures, a_repair_sigma_on_a_weibull_law_is_refused)
{
	expect_error(PROC("component: node, mtbf_h: 5, repair: {distribution: weibull, mean_h: 1, shape: 2, sigma: 1}"),
		     NULL, 0, "14:96: failures.processes[0].repair.sigma: 'sigma' belongs to a lognormal law");
}

Test(failures, a_process_on_an_unknown_node_type_is_refused)
{
	expect_error(PROC("component: gpu, node_types: [gpu], mtbf_h: 5, repair: {distribution: fixed, mean_h: 1}"),
		     NULL, 0, "14:37: failures.processes[0].node_types[0]: unknown node type 'gpu'");
}

Test(failures, a_trace_and_processes_together_are_refused)
{
	expect_error("failures:\n  trace: %s\n  processes: []\n", "1,g4-0,node,1\n", 0,
		     "13:10: failures.trace: give failure processes or a failure trace, not both");
}

/* Trace lines: the header, then the bad line at line 2. */
Test(failures, a_malformed_trace_time_is_refused)
{
	expect_error(TRACE_AT, "time_s,node,component,repair_s\nsoon,g4-0,node,10\n", 1,
		     "2:1: time_s: 'soon' is not a whole number of seconds");
}

Test(failures, a_trace_node_past_its_type_is_refused)
{
	expect_error(TRACE_AT, "time_s,node,component,repair_s\n10,g4-2,node,10\n", 1,
		     "2:4: node: node 'g4-2': node type g4 has 2 nodes (indices 0 to 1)");
}

Test(failures, a_trace_gpu_past_the_nodes_is_refused)
{
	expect_error(TRACE_AT, "10,g4-1,gpu:4,10\n", 1, "1:9: component: 'gpu:4': a node of type g4 has 4 GPUs");
}

Test(failures, a_trace_component_must_be_known)
{
	expect_error(TRACE_AT, "10,g4-1,gpu,10\n", 1, "1:9: component: 'gpu' is not node, link or gpu:K");
}

Test(failures, a_trace_line_needs_four_fields)
{
	expect_error(TRACE_AT, "# a comment\n\n10,g4-1,node\n", 1, "3:1: line: 3 fields, expected 4");
}

Test(failures, a_trace_repair_of_zero_is_refused)
{
	expect_error(TRACE_AT, "10,g4-1,node,0\n", 1, "1:14: repair_s: '0' is not a whole number of seconds from 1");
}

Test(failures, young_daly_needs_failure_processes)
{
	expect_error(TRACE_AT "checkpoints:\n  - {interval: young_daly, cost_s: 10}\n", "1,g4-0,node,1\n", 0,
		     "14:16: checkpoints[0].interval: young_daly works the interval out from the failure processes'");
}

Test(failures, a_checkpoint_rule_needs_an_interval)
{
	expect_error("checkpoints:\n  - {qos: x, cost_s: 10}\n", NULL, 0,
		     "13:6: checkpoints[0]: expected interval_s (seconds of work between checkpoints) or interval");
}

Test(failures, a_maintenance_window_on_an_unknown_node_is_refused)
{
	expect_error("maintenance:\n  - {name: m, start_s: 0, duration_s: 10, nodes: \"g4-[0-2]\"}\n", NULL, 0,
		     "13:51: maintenance[0].nodes: 'g4-[0-2]': '0-2' is not an index or a range");
}

Test(failures, extends_takes_only_the_reliability_sections)
{
	char yaml[256];
	snprintf(yaml, sizeof yaml, "extends: default\nfabric: {levels: []}\n");
	char *path = th_write_tmp(yaml, ".yaml");
	char err[CS_ERRLEN] = "";
	cs_cluster *c = NULL;
	cr_assert_lt(cs_cluster_load(&c, path, err, sizeof err), 0);
	cr_assert(strstr(err, ":2:1: fabric: unknown key"), "%s", err);
	th_unlink(path);
}

/* A trace names a node that --scale removed: refused when the run starts. */
Test(failures, a_trace_node_a_scale_removed_is_refused)
{
	char *tp = th_write_tmp("10,g4-1,node,10\n", ".csv");
	char yaml[4096];
	snprintf(yaml, sizeof yaml, TWO TRACE_AT, tp);
	char *y = th_write_tmp(yaml, ".yaml"), *w = th_write_tmp(HDR "1,p,u,0,1,1,0,0,10,10,x,gpu,completed\n", ".csv");
	char *out, *err;
	int rc = th_exec(ARGS("run", "--workload", w, "--cluster", y, "--scale", "g4:=1"), &out, &err);
	cr_assert_eq(rc, 2, "%s", err);
	cr_assert(strstr(err, ":1: node: g4-1 is not a node of this run's cluster (two scaled by g4:=1)"), "%s", err);
	free(out);
	free(err);
	rc = th_exec(ARGS("run", "--workload", w, "--requeue-on-failure", "no"), &out, &err);
	cr_assert_eq(rc, 2, "%s", err);
	cr_assert(strstr(err, "--requeue-on-failure and --failure-seed apply to a failure model"), "%s", err);
	free(out);
	free(err);
	/* an SWF trace replayed pooled on the config's cores has no nodes to fail */
	char *swf = th_write_tmp(SWF_JOB(1, 0, 10, 1, 10), ".swf");
	rc = th_exec(ARGS("run", "--workload", swf, "--cluster", y), &out, &err);
	cr_assert_eq(rc, 2, "%s", err);
	cr_assert(strstr(err, "failures, checkpoints and maintenance take nodes and GPUs down: they need the node "
			      "model (--node-model)"), "%s", err);
	free(out);
	free(err);
	th_unlink(swf);
	th_unlink(tp);
	th_unlink(y);
	th_unlink(w);
}

/* ---- no job on a node while it is down, on a generated week --------------- */

typedef struct down_iv {
	uint32_t node;
	cs_time a, b;
} down_iv;

typedef struct nodes_seen {
	uint32_t v[512];
	size_t n;
} nodes_seen;

static void seen(void *ctx, uint32_t node)
{
	nodes_seen *s = ctx;
	if (s->n < 512)
		s->v[s->n++] = node;
}

/* 40 node and link failures of 4 to 12 h on the H100 and A100 nodes
 * (numbered 0-109 and 110-208 in the default cluster) over a generated
 * week: no job's run (its last, as jobs.csv gives it) meets a node of its
 * while that node is down. */
static void no_job_on_a_down_node(const char *policy)
{
	char dir[] = "/tmp/capsim-failures-XXXXXX";
	th_mkdtemp(dir);
	char path[256], line[128], *out;
	th_in(path, sizeof path, dir, "trace.csv");
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	down_iv iv[40];
	for (uint32_t i = 0; i < 40; i++) {
		uint32_t k = (i * 37u + 11u) % 209u;
		iv[i] = (down_iv){ k, (cs_time)((i * 7919u * 131u) % (6u * 86400u)), 0 };
		iv[i].b = iv[i].a + 3600 * (4 + i % 9);
		if (k < 110)
			snprintf(line, sizeof line, "h100-%03u", k);
		else
			snprintf(line, sizeof line, "a100-%02u", k - 110);
		fprintf(f, "%lld,%s,%s,%lld\n", (long long)iv[i].a, line, i % 2 ? "link" : "node",
			(long long)(iv[i].b - iv[i].a));
	}
	fclose(f);
	cr_assert_eq(th_sh(&out, "cd %s && printf 'extends: default\\nfailures: {trace: trace.csv}\\n' > c.yaml && "
			   "%s workload generate --seed 4 --days 7 --out w.csv && "
			   "%s run --workload w.csv --cluster c.yaml --policy %s --out o > run.txt",
			   dir, th_bin(), th_bin(), policy),
		     0, "%s", out);
	free(out);
	cs_cluster *c;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_cluster_load_default(&c, err, sizeof err), 0, "%s", err);
	th_in(path, sizeof path, dir, "o/jobs.csv");
	size_t len;
	char *csv = th_slurp(path, &len);
	cr_assert_not_null(csv);
	size_t rows = 0, hit = 0;
	int cstart = -1, cend = -1, clist = -1, cfail = -1;
	for (char *l = csv, *e; (e = strchr(l, '\n')); l = e + 1) {
		*e = 0;
		char *fl[64];
		size_t nf = th_csv_split(l, fl, 64);
		if (cstart < 0) {
			for (size_t k = 0; k < nf; k++) {
				cstart = !strcmp(fl[k], "start") ? (int)k : cstart;
				cend = !strcmp(fl[k], "end") ? (int)k : cend;
				clist = !strcmp(fl[k], "node_list") ? (int)k : clist;
				cfail = !strcmp(fl[k], "failures") ? (int)k : cfail;
			}
			cr_assert(cstart >= 0 && cend >= 0 && clist >= 0 && cfail >= 0);
			continue;
		}
		cs_time a = atoll(fl[cstart]), b = atoll(fl[cend]);
		hit += atoi(fl[cfail]) > 0;
		if (a < 0 || !*fl[clist])
			continue;
		nodes_seen ns = { .n = 0 };
		cr_assert_eq(cs_fail_hostlist(c, fl[clist], seen, &ns, err, sizeof err), 0, "%s", err);
		for (size_t k = 0; k < ns.n; k++)
			for (size_t i = 0; i < 40; i++)
				cr_assert(ns.v[k] != iv[i].node || b <= iv[i].a || a >= iv[i].b,
					  "%s: a job ran [%lld, %lld) on node %u, down [%lld, %lld)", policy, (long long)a,
					  (long long)b, ns.v[k], (long long)iv[i].a, (long long)iv[i].b);
		rows++;
	}
	cr_assert_gt(rows, 1000);
	cr_assert_gt(hit, 0, "%s: the failures stopped no job", policy);
	free(csv);
	cs_cluster_free(c);
	th_sh(NULL, "rm -rf %s", dir);
}

Test(failures, no_job_runs_on_a_down_node_easy) { no_job_on_a_down_node("easy"); }
Test(failures, no_job_runs_on_a_down_node_conservative) { no_job_on_a_down_node("conservative"); }
Test(failures, no_job_runs_on_a_down_node_multifactor) { no_job_on_a_down_node("multifactor"); }
