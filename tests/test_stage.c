/* Stage-in and stage-out (capsim/stage.h, docs/storage.md "Staging"):
 * transfers worked out by hand on small clusters, the time limit that
 * covers them, a preemption cancelling one, the generator's data sizes,
 * the columns read and written, earlier outputs unchanged without data
 * sizes, and the bad inputs. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/gen.h"
#include "capsim/native.h"
#include "capsim/report.h"
#include "capsim/run.h"
#include "capsim/stage.h"
#include "capsim/trace.h"
#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Three nodes of 4 GPUs (g4-0..g4-2, best fit: the lowest first); tier
 * fast at 10 GB/s, tier cold with no bandwidth. EXTRA goes into the node
 * type (a storage_gbs). */
#define CLUSTER(EXTRA)                                                        \
	"name: stg\n"                                                         \
	"site: {pue: 1}\n"                                                    \
	"node_types:\n"                                                       \
	"  - name: g4\n"                                                      \
	"    count: 3\n"                                                      \
	"    topology: \"pack:2 numa:1 core:4 pu:1\"\n"                       \
	"    memory_gib: 64\n"                                                \
	"    gpus: {model: H100-SXM5-80GB, count: 4, per_package: 2}\n"      \
	"    power_w: {idle: 1000, peak: 5000}\n" EXTRA                       \
	"partitions:\n"                                                       \
	"  - {name: gpu, node_types: [g4], max_time_s: 86400}\n"             \
	"storage:\n"                                                          \
	"  - {name: fast, capacity_pb: 1, bandwidth_gbs: 10}\n"              \
	"  - {name: cold, capacity_pb: 1}\n"

static const char plain[] = CLUSTER("");
static const char limited[] = CLUSTER("    storage_gbs: 4\n");

#define HDR "id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,runtime,qos,partition," \
	    "state,stage_in_gb,stage_out_gb,stage_tier\n"

static void run_on(const char *cluster, const char *csv, cs_run_opts *o, cs_run_result *r)
{
	th_run_on(cluster, csv, ".csv", o, r);
}

static void run(const char *cluster, const char *csv, cs_run_result *r)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	run_on(cluster, csv, &o, r);
}

static json_t *staging_of(const cs_run_result *r)
{
	json_t *j = th_summary_json(r);
	json_t *s = json_incref(json_object_get(j, "staging"));
	json_decref(j);
	cr_assert_not_null(s, "no staging in summary.json");
	return s;
}


/* Job id's jobs.csv staging columns (stage_in_s, stage_out_s). */
static void stage_cols(const cs_run_result *r, int64_t id, long long *in_s, long long *out_s)
{
	size_t i = (size_t)(th_job(r, id) - r->jobs);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cs_stagesim_csv_row(f, r->stage, i);
	fclose(f);
	char tier[64], a[32], b[32];
	cr_assert_eq(sscanf(buf, ",%63[^,],%31[^,],%31[^,],%lld,%lld", tier, a, b, in_s, out_s), 5, "%s", buf);
	free(buf);
}

static void expect_job(const cs_run_result *r, int64_t id, cs_time start, cs_time end, long long in_s,
		       long long out_s)
{
	long long a, b;
	stage_cols(r, id, &a, &b);
	cr_assert_eq(th_start(r, id), start, "job %lld start", (long long)id);
	cr_assert_eq(th_job(r, id)->end_s, end, "job %lld end", (long long)id);
	cr_assert_eq(th_job(r, id)->runtime_s, end - start, "job %lld: its run is its whole allocation",
		     (long long)id);
	cr_assert_eq(a, in_s, "job %lld stage-in", (long long)id);
	cr_assert_eq(b, out_s, "job %lld stage-out", (long long)id);
}

/* One job, 4 GPUs, alone on fast (10 GB/s): 1 TB in takes 1,000 / 10 =
 * 100 s, then its 1,000 s of work, then 500 GB out, 50 s: 0 .. 1,150.
 * GPU-hours while staging: 4 x 150 s = 600 GPU-s; its tier moved 1 TB in
 * and 0.5 TB out, busy 150 s, one transfer at a time, as fast as alone. */
Test(stage, one_job_stages_a_terabyte_in_and_out_at_the_tier_bandwidth)
{
	cs_run_result r;
	run(plain, HDR "1,p,u,0,1,4,0,0,5000,1000,x,gpu,completed,1000,500,fast\n", &r);
	expect_job(&r, 1, 0, 1150, 100, 50);
	json_t *s = staging_of(&r);
	cr_assert_float_eq(th_num_at(s, "gpu_hours"), 600 / 3600.0, 1e-12);
	cr_assert_float_eq(th_num_at(s, "node_hours"), 150 / 3600.0, 1e-12);
	cr_assert_float_eq(th_num_at(s, "share_of_gpu_hours"), 150.0 / 1150, 1e-12);
	cr_assert_float_eq(th_num_at(s, "tiers.fast.in_tb"), 1, 1e-12);
	cr_assert_float_eq(th_num_at(s, "tiers.fast.out_tb"), 0.5, 1e-12);
	cr_assert_float_eq(th_num_at(s, "tiers.fast.busy_h"), 150 / 3600.0, 1e-12);
	cr_assert_float_eq(th_num_at(s, "tiers.fast.mean_transfers"), 1, 1e-12);
	cr_assert_float_eq(th_num_at(s, "tiers.fast.stretch"), 1, 1e-12);
	cr_assert_eq(th_num_at(s, "killed_at_time_limit"), 0);
	cr_assert_null(json_object_get(json_object_get(s, "tiers"), "cold"), "a tier no job used is not listed");
	json_decref(s);
	cs_run_result_free(&r);
}

/* Two jobs start at 0, each with 1 TB in: they share fast, 5 GB/s each,
 * both in at 200; work to 1,200; job 1 then writes 500 GB alone, 50 s:
 * ends 1,250; job 2 writes nothing: ends 1,200. The tier was busy 250 s
 * with 2 x 200 + 1 x 50 = 450 transfer-seconds (1.8 on average); the
 * transfers took 450 s where alone they take 100 + 100 + 50 = 250 (1.8). */
Test(stage, two_jobs_at_once_share_the_tier)
{
	cs_run_result r;
	run(plain, HDR "1,p,u,0,1,4,0,0,5000,1000,x,gpu,completed,1000,500,fast\n"
		       "2,p,u,0,1,4,0,0,5000,1000,x,gpu,completed,1000,0,fast\n",
	    &r);
	expect_job(&r, 1, 0, 1250, 200, 50);
	expect_job(&r, 2, 0, 1200, 200, 0);
	json_t *s = staging_of(&r);
	cr_assert_float_eq(th_num_at(s, "tiers.fast.mean_transfers"), 1.8, 1e-12);
	cr_assert_float_eq(th_num_at(s, "tiers.fast.stretch"), 1.8, 1e-12);
	cr_assert_eq(th_num_at(s, "tiers.fast.peak_transfers"), 2);
	cr_assert_float_eq(th_num_at(s, "gpu_hours"), 4 * (250 + 200) / 3600.0, 1e-12);
	json_decref(s);
	cs_run_result_free(&r);
}

/* Job 1 (1 TB in) is alone on fast from 0 to 50: 500 GB in. Job 2 (1 TB
 * in) starts at 50: 5 GB/s each, so job 1's other 500 GB take 100 s (in
 * at 150); job 2 has 500 GB in by then and the other 500 alone in 50 s
 * (in at 200, 150 s after its start). */
Test(stage, a_transfer_that_begins_later_shares_from_then)
{
	cs_run_result r;
	run(plain, HDR "1,p,u,0,1,4,0,0,5000,1000,x,gpu,completed,1000,0,fast\n"
		       "2,p,u,50,1,4,0,0,5000,1000,x,gpu,completed,1000,0,fast\n",
	    &r);
	expect_job(&r, 1, 0, 1150, 150, 0);
	expect_job(&r, 2, 50, 1200, 150, 0);
	cs_run_result_free(&r);
}

/* Each node moves at most 4 GB/s. Job 1 (1 node, 2 GPUs) and job 2 (2
 * nodes, 2 GPUs each: 8 GB/s) read 600 GB each from 0. An equal share is
 * 5 GB/s: job 1's limit, 4, is below it, so it runs at 4 and job 2 gets
 * the other 6 (below its 8). Job 2 is in after 600 / 6 = 100 s; job 1 has
 * 400 GB in then, and its last 200 at its own 4 GB/s take 50 s more: in
 * at 150. Alone job 1 would take 150 s and job 2 75 s: stretch (150 +
 * 100) / (150 + 75). */
Test(stage, a_nodes_limit_holds_its_job_and_the_others_share_the_rest)
{
	cs_run_result r;
	run(limited, HDR "1,p,u,0,1,2,0,0,5000,1000,x,gpu,completed,600,0,fast\n"
			 "2,p,u,0,2,2,0,0,5000,1000,x,gpu,completed,600,0,fast\n",
	    &r);
	expect_job(&r, 1, 0, 1150, 150, 0);
	expect_job(&r, 2, 0, 1100, 100, 0);
	json_t *s = staging_of(&r);
	cr_assert_float_eq(th_num_at(s, "tiers.fast.stretch"), 250.0 / 225, 1e-12);
	json_decref(s);
	cs_run_result_free(&r);
}

/* The time limit covers the staging: limit 1,120 s; 100 s in, 1,000 s of
 * work (to 1,100), then 500 GB out at 10 GB/s would end at 1,150: the job
 * is killed at 1,120 with 200 GB written (TIMEOUT). Job 2 (all three
 * nodes) waits for it. Under --overrun continue nothing is killed. */
Test(stage, staging_past_the_time_limit_is_killed_at_it)
{
	const char *csv = HDR "1,p,u,0,1,4,0,0,1120,1000,x,gpu,completed,1000,500,fast\n"
			      "2,p,u,10,3,4,0,0,100,50,x,gpu,completed,,,\n";
	cs_run_result r;
	run(plain, csv, &r);
	expect_job(&r, 1, 0, 1120, 100, 20);
	cr_assert(th_job(&r, 1)->flags & CS_JOB_KILLED);
	cr_assert_eq(th_start(&r, 2), 1120);
	json_t *s = staging_of(&r);
	cr_assert_eq(th_num_at(s, "killed_at_time_limit"), 1);
	cr_assert_float_eq(th_num_at(s, "tiers.fast.out_tb"), 0.2, 1e-12);
	cr_assert_eq(th_num_at(s, "jobs"), 1, "job 2 moves nothing");
	json_decref(s);
	cs_run_result_free(&r);
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.wconv.overrun = CS_OVERRUN_CONTINUE;
	run_on(plain, csv, &o, &r);
	expect_job(&r, 1, 0, 1150, 100, 50);
	cr_assert_not(th_job(&r, 1)->flags & CS_JOB_KILLED);
	cs_run_result_free(&r);
}

/* multifactor's QoS preemption. J1 (low, 2 nodes) and J3 (high, 1 node)
 * read 1 TB each from 0, 5 GB/s each. J2 (high, 1 node, no data) comes at
 * 100 and preempts J1, 500 GB in: its transfer stops, and J3 has fast to
 * itself, its last 500 GB in 50 s (in at 150, work to 1,150). J2 runs 100
 * .. 200; J1 starts over at 200, reads its 1 TB alone (300) and works to
 * 1,300. Staging GPU-hours: J1 8 GPUs x (100 + 100) s, J3 4 x 150. */
Test(stage, a_preempted_run_stops_its_transfer)
{
	char *a = th_write_tmp("accounts:\n  - {name: a}\n  - {name: b}\n"
			       "qos:\n  - {name: low, priority: 0}\n  - {name: high, priority: 100, preempt: [low]}\n",
			       ".yaml");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.accounts = a;
	o.policy = "multifactor";
	o.keys[0] = "preempt_mode";
	o.vals[0] = "requeue";
	o.nparams = 1;
	cs_run_result r;
	run_on(plain, HDR "1,a,u,0,2,4,0,0,5000,1000,low,gpu,completed,1000,0,fast\n"
			  "3,b,v,0,1,4,0,0,5000,1000,high,gpu,completed,1000,0,fast\n"
			  "2,b,v,100,1,4,0,0,100,100,high,gpu,completed,,,\n",
	       &o, &r);
	th_unlink(a);
	cr_assert_eq(th_job(&r, 1)->preemptions, 1);
	cr_assert_eq(th_job(&r, 1)->preempted_s, 100);
	expect_job(&r, 3, 0, 1150, 150, 0);
	cr_assert_eq(th_start(&r, 2), 100);
	expect_job(&r, 1, 200, 1300, 100, 0);
	json_t *s = staging_of(&r);
	cr_assert_float_eq(th_num_at(s, "gpu_hours"), (8 * 200 + 4 * 150) / 3600.0, 1e-12);
	cr_assert_float_eq(th_num_at(s, "tiers.fast.in_tb"), 2.5, 1e-12, "the stopped transfer's 500 GB count");
	json_decref(s);
	cs_run_result_free(&r);
}

/* --stage-tier gives the tier of a job whose stage_tier is empty. */
Test(stage, the_default_tier_stands_for_an_empty_column)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.stage_tier = "fast";
	cs_run_result r;
	run_on(plain, HDR "1,p,u,0,1,4,0,0,5000,1000,x,gpu,completed,1000,0,\n", &o, &r);
	expect_job(&r, 1, 0, 1100, 100, 0);
	cs_run_result_free(&r);
}

/* ---- the columns -------------------------------------------------------------- */

Test(stage, sizes_are_read_exactly_and_written_back)
{
	int64_t b;
	cr_assert_eq(cs_native_gb("1.5", &b), 0);
	cr_assert_eq(b, 1500000000);
	cr_assert_eq(cs_native_gb("0.000000001", &b), 0);
	cr_assert_eq(b, 1);
	cr_assert_eq(cs_native_gb("999999999.999999999", &b), 0);
	cr_assert_eq(b, 999999999999999999LL);
	cr_assert_lt(cs_native_gb("-1", &b), 0);
	cr_assert_lt(cs_native_gb("1e3", &b), 0);
	cr_assert_lt(cs_native_gb("1.0000000001", &b), 0, "below a byte");
	cr_assert_lt(cs_native_gb("1000000000", &b), 0, "10^9 GB");
	cr_assert_lt(cs_native_gb(".", &b), 0);
	char buf[32];
	cr_assert_str_eq(cs_native_gb_text(1500000000, buf, sizeof buf), "1.5");
	cr_assert_str_eq(cs_native_gb_text(0, buf, sizeof buf), "0");
	cr_assert_str_eq(cs_native_gb_text(1, buf, sizeof buf), "0.000000001");
	cr_assert_str_eq(cs_native_gb_text(20000000000, buf, sizeof buf), "20");
	/* a workload with the columns goes through the writer unchanged */
	const char *text = HDR "1,p,u,0,1,4,0,0,5000,1000,x,gpu,completed,1000.25,0.5,fast\n"
			       "2,p,u,0,1,4,0,0,5000,1000,x,gpu,completed,,,\n";
	cs_trace t;
	char err[CS_ERRLEN];
	cr_assert_eq(th_read_native(text, &t, err), 0, "%s", err);
	cr_assert_eq(t.jobs[0].stage_in_b, 1000250000000LL);
	cr_assert_eq(t.jobs[0].stage_out_b, 500000000);
	cr_assert_str_eq(cs_names_get(&t.tiers, (int32_t)t.jobs[0].stage_tier - 1), "fast");
	cr_assert_eq(t.jobs[1].stage_tier, 0);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	cr_assert_eq(cs_native_write(&t, f), 0);
	fclose(f);
	cr_assert(strstr(out, ",1000.25,0.5,fast\n") && strstr(out, ",completed,0,0,\n"), "%s", out);
	free(out);
	cs_trace_free(&t);
}

Test(stage, a_negative_size_names_its_line_and_column)
{
	cs_trace t;
	char err[CS_ERRLEN];
	cr_assert_eq(th_read_native(HDR "1,p,u,0,1,4,0,0,5000,1000,x,gpu,completed,-5,0,fast\n", &t, err), -CS_EPARSE);
	cr_assert(strstr(err, ":2: column stage_in_gb: not a size in GB >= 0") != NULL, "%s", err);
	cr_assert_eq(th_read_native(HDR "1,p,u,0,1,4,0,0,5000,1000,x,gpu,completed,5,1.5x,fast\n", &t, err), -CS_EPARSE);
	cr_assert(strstr(err, ":2: column stage_out_gb: ") != NULL, "%s", err);
}

/* ---- bad inputs through capsim run: exit 2, one line naming what is wrong ---- */

/* The cluster (plain, or limited) and the workload csv in dir; capsim run
 * with the extra arguments must fail with want on stderr. */
static void expect_run_error(const char *csv, const char *const *extra, const char *want)
{
	char dir[] = "/tmp/capsim-stage-XXXXXX", y[TH_PATH], w[TH_PATH];
	th_files_in(dir, plain, csv, y, w);
	const char *args[20] = { "run", "--workload", w, "--cluster", y, "--no-progress" };
	size_t k = 6;
	for (size_t i = 0; extra && extra[i]; i++)
		args[k++] = extra[i];
	args[k] = NULL;
	char full[512];
	snprintf(full, sizeof full, want, w);
	th_expect_usage_error(args, full);
	th_rm_rf(dir);
}

#define J1 "1,p,u,0,1,4,0,0,5000,1000,x,gpu,completed,"

Test(stage, an_unknown_tier_is_refused_at_its_line)
{
	expect_run_error(HDR J1 "0,0,\n" "2,p,u,0,1,4,0,0,5000,1000,x,gpu,completed,10,0,nope\n", NULL,
			 "%s:3: column stage_tier: no storage tier 'nope' in cluster stg (its tiers: fast, cold)");
}

Test(stage, a_tier_without_bandwidth_is_refused_at_its_line)
{
	expect_run_error(HDR J1 "10,0,cold\n", NULL,
			 "%s:2: column stage_tier: storage tier 'cold' of cluster stg has no bandwidth_gbs");
}

Test(stage, data_without_a_tier_is_refused)
{
	expect_run_error(HDR J1 "0,3,\n", NULL,
			 "%s:2: column stage_tier: job 1 stages data but names no tier: name one there, or give "
			 "--stage-tier TIER");
}

Test(stage, an_unknown_default_tier_is_refused)
{
	expect_run_error(HDR J1 "10,0,\n", ARGS("--stage-tier", "slow"),
			 "--stage-tier: no storage tier 'slow' in cluster stg (its tiers: fast, cold)");
	expect_run_error(HDR J1 "10,0,\n", ARGS("--stage-tier", "cold"),
			 "--stage-tier: storage tier 'cold' of cluster stg has no bandwidth_gbs");
}

Test(stage, staging_asked_of_a_workload_without_data_is_refused)
{
	expect_run_error(HDR J1 "0,0,fast\n", ARGS("--staging", "yes"),
			 "--staging yes: %s: its jobs move no data (no stage_in_gb or stage_out_gb above 0");
	expect_run_error(HDR J1 "0,0,fast\n", ARGS("--stage-tier", "fast"), "--stage-tier: %s: its jobs move no data");
	expect_run_error(HDR J1 "1,0,fast\n", ARGS("--staging", "no", "--stage-tier", "fast"),
			 "--stage-tier names the tier of staging, which --staging no turns off");
}

Test(stage, staging_with_a_failure_model_is_refused)
{
	char dir[] = "/tmp/capsim-stage-XXXXXX";
	th_mkdtemp(dir);
	char *out;
	cr_assert_eq(th_sh(&out, "cd %s && printf '%%s' '" HDR J1 "10,0,project\n' > w.csv && "
			   "printf 'extends: default\\nmaintenance: [{name: m, start_s: 100000, duration_s: 10, nodes: "
			   "all}]\\n' > c.yaml && %s run --workload w.csv --cluster c.yaml --no-progress; echo \"exit $?\"",
			   dir, th_bin()),
		     0);
	cr_assert(strstr(out, "w.csv: staging on a cluster with failures, checkpoints or maintenance") &&
			  strstr(out, "exit 2"),
		  "%s", out);
	free(out);
	th_sh(NULL, "rm -rf %s", dir);
}

Test(stage, staging_on_a_pooled_replay_is_refused)
{
	char path[600];
	snprintf(path, sizeof path, "%s/configs/traces/KTH-SP2-1996-2.swf.gz", th_root());
	th_expect_usage_error(ARGS("run", "--workload", path, "--staging", "yes"),
			      "--staging and --stage-tier stage jobs' data through a cluster's storage tiers: it needs "
			      "the node model");
}

/* ---- earlier outputs hold; the generator ---------------------------------------- */

/* A generated week with --staging: the same jobs as without (its first 13
 * columns), with data and tiers (its "# staging: yes" line dropped, so
 * that the jobs' lines, which jobs.csv gives, are the same). Replayed with
 * --staging no it gives the files of the week without data (summary.json
 * differs in the workload's name and the command line only); replayed as
 * is, jobs.csv gains the five columns. */
Test(stage, without_staging_every_output_is_unchanged)
{
	char dir[] = "/tmp/capsim-stage-XXXXXX";
	th_mkdtemp(dir);
	char *out;
	cr_assert_eq(th_sh(&out, "cd %s && %s workload generate --seed 2 --days 7 --out w.csv && "
			   "%s workload generate --seed 2 --days 7 --staging --out s0.csv && "
			   "grep -q '^# staging: yes$' s0.csv && grep -v '^# staging: yes$' s0.csv > s.csv && "
			   "grep -v '^#' w.csv > w.body && grep -v '^#' s.csv | cut -d, -f1-13 > s.body && "
			   "cmp w.body s.body && "
			   "grep -q '^id,.*,state,stage_in_gb,stage_out_gb,stage_tier$' s.csv && "
			   "grep -q ',scratch$' s.csv && grep -q ',project$' s.csv && "
			   "mkdir a b c && %s run --workload w.csv --out a/o > /dev/null && "
			   "%s run --workload s.csv --staging no --out b/o > /dev/null && "
			   "%s run --workload s.csv --out c/o > /dev/null && "
			   "head -1 c/o/jobs.csv | grep -q ',stage_tier,stage_in_gb,stage_out_gb,stage_in_s,stage_out_s$' && "
			   "grep -q '\"staging\": {' c/o/summary.json && ! grep -q '\"staging\"' b/o/summary.json && "
			   "grep -q '<table id=\"staging\">' c/o/report.html && ! grep -q '<h2>Staging' b/o/report.html && "
			   "diff a/o/summary.json b/o/summary.json | grep -c '^<'",
			   dir, th_bin(), th_bin(), th_bin(), th_bin(), th_bin()),
		     0, "%s", out);
	/* the workload's name (twice) and the command line */
	cr_assert_str_eq(out, "3\n");
	free(out);
	char a[64], b[64];
	th_in(a, sizeof a, dir, "a/o");
	th_in(b, sizeof b, dir, "b/o");
	static const char *const files[] = { "jobs.csv", "batsim_jobs.csv", "timeseries.csv", "projects.csv",
					     "fairness.csv", "occupancy.csv", "power.csv", "storage.csv", NULL };
	for (size_t i = 0; files[i]; i++)
		th_expect_same_file(a, b, files[i]);
	th_sh(NULL, "rm -rf %s", dir);
}

Test(stage, the_generator_refuses_staging_without_data_sections)
{
	char dir[] = "/tmp/capsim-stage-XXXXXX";
	th_mkdtemp(dir);
	char *out;
	/* the built-in model without its data: lines */
	cr_assert_eq(th_sh(&out, "cd %s && grep -v '^    data: ' %s/configs/workloads/ai-dc-2200.yaml > m.yaml && "
			   "%s workload generate --model m.yaml --seed 1 --days 1 --staging --out w.csv; echo \"exit $?\"",
			   dir, th_root(), th_bin()),
		     0);
	cr_assert(strstr(out, "--staging: no class of model ai-dc-2200 has a data: section") && strstr(out, "exit 2"),
		  "%s", out);
	free(out);
	cr_assert_eq(th_sh(&out, "cd %s && sed 's/per: gpu}, out/per: rack}, out/' %s/configs/workloads/ai-dc-2200.yaml "
			   "> m.yaml && %s workload generate --model m.yaml --seed 1 --days 1 --staging --out w.csv; "
			   "echo \"exit $?\"",
			   dir, th_root(), th_bin()),
		     0);
	cr_assert(strstr(out, "m.yaml:") && strstr(out, "data.in.per: expected job, gpu or node, got 'rack'") &&
			  strstr(out, "exit 2"),
		  "%s", out);
	free(out);
	th_sh(NULL, "rm -rf %s", dir);
}

/* The generator's sizes follow the model: a training job's are per GPU
 * (its median 2.5 GB a GPU in), in whole MB, on the scratch tier. */
Test(stage, the_generator_draws_sizes_from_the_model)
{
	cs_gen_model *m;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_gen_model_load(&m, NULL, err, sizeof err), 0, "%s", err);
	cs_trace t;
	cs_trace_init(&t);
	cr_assert_eq(cs_gen_generate_staged(m, 1, 3, 1.0, 1, &t, NULL, err, sizeof err), 0, "%s", err);
	int32_t high = cs_names_find(&t.qos, "high");
	double lsum = 0;
	size_t n = 0;
	for (size_t i = 0; i < t.n; i++) {
		const cs_jrec *r = &t.jobs[i];
		cr_assert(r->stage_tier > 0, "every class of the model has data");
		cr_assert_eq(r->stage_in_b % 1000000, 0);
		cr_assert_eq(r->stage_out_b % 1000000, 0);
		if (r->qos != high)
			continue;
		cr_assert_str_eq(cs_names_get(&t.tiers, (int32_t)r->stage_tier - 1), "scratch");
		lsum += log((double)r->stage_in_b / 1e9 / ((double)r->nodes * r->gpus_per_node));
		n++;
	}
	/* the log of a size per GPU has mean ln 2.5, sd 0.7: over n jobs the
	 * mean is within 4 sd / sqrt(n) */
	cr_assert_gt(n, 30);
	cr_assert_lt(fabs(lsum / (double)n - log(2.5)), 4 * 0.7 / sqrt((double)n), "%g", exp(lsum / (double)n));
	cs_trace_free(&t);
	cs_gen_model_free(m);
}
