/* End-to-end: the capsim binary, its outputs and its errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/wait.h>

#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

Test(cli, help_documents_commands_and_every_run_option)
{
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("--help"), &out, &err), 0);
	cr_assert(strstr(out, "run "));
	free(out);
	free(err);
	cr_assert_eq(th_exec(ARGS("run", "--help"), &out, &err), 0);
	const char *opts[] = { "--workload", "--policy", "--backfill-order", "--job-size", "--estimates",
			       "--missing-reqtime", "--overrun", "--same-time", "--pass", "--submit-pass",
			       "--release", "--compat", "--bsld-tau", "--out", "--nodes", "--procs-per-node", "--cluster",
			       "--procs", "--gpu-map" };
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		cr_assert(strstr(out, opts[i]), "run --help lacks %s", opts[i]);
	free(out);
	free(err);
}

Test(cli, bad_usage_is_a_one_line_error_with_status_2)
{
	th_expect_usage_error(ARGS("frobnicate"), "unknown command 'frobnicate'");
	th_expect_usage_error(ARGS("run"), "--workload FILE is required");
	th_expect_usage_error(ARGS("run", "--workload", "x.swf", "--policy", "lottery"), "unknown policy 'lottery'");
	th_expect_usage_error(ARGS("run", "--workload", "x.swf", "--same-time", "sideways"),
			   "--same-time: 'sideways' is not one of end-first submit-first");
	th_expect_usage_error(ARGS("run", "--workload", "x.swf", "--bsld-tau", "ten"), "--bsld-tau: 'ten' is not an integer");
	th_expect_usage_error(ARGS("run", "--workload", "x.swf", "--procs", "0"), "--procs: '0' is not an integer >= 1");
	th_expect_usage_error(ARGS("run", "--workload", "x.swf", "--colour"), "unknown option '--colour'");
	/* the message gives the range the option takes, not just "> 0" */
	th_expect_usage_error(ARGS("run", "--workload", "x.swf", "--projects-scale", "1e9"),
			   "--projects-scale: '1e9' is not a number in (0, 100]");
	th_expect_usage_error(ARGS("run", "--workload", "x.swf", "--load-scale", "0"),
			   "--load-scale: '0' is not a number in (0, 1e+06]");
	th_expect_usage_error(ARGS("run", "--workload", "x.swf", "--seed", "99999999999999999999"),
			   "--seed: '99999999999999999999' is out of range");
	th_expect_usage_error(ARGS("run", "--workload", "x.swf", "--compat", "slurm"), "--compat: 'slurm' is not one of pyss");
	th_expect_usage_error(ARGS("run", "--workload", "x.swf", "--policy", "fcfs", "--backfill-order", "sjbf"),
			   "--backfill-order applies to --policy easy only");
	th_expect_usage_error(ARGS("run", "--workload", "x.swf", "--policy-opt", "depth=3"), "policy easy has no parameter 'depth'");
	th_expect_usage_error(ARGS("run", "--workload", "/nonexistent.swf"), "/nonexistent.swf: cannot open");
	th_expect_usage_error(ARGS("run", "--workload", "x.swf", "--gpu-map", "*=h100"),
			   "--gpu-map places GPU jobs on node types: it needs the node model");
}

Test(cli, bad_input_names_file_line_and_field)
{
	char *p = th_write_tmp("; MaxProcs: 4\n" SWF_JOB(1, 0, 10, 2, 20) "2 5 -1 ten 4 -1 -1 4 20 -1 1 1 1 -1 -1 -1 -1 -1\n", ".swf");
	char want[256];
	snprintf(want, sizeof want, "%s:3: field 4 (run time): 'ten' is not an integer", p);
	th_expect_usage_error(ARGS("run", "--workload", p), want);
	th_unlink(p);
	p = th_write_tmp("", ".swf");
	snprintf(want, sizeof want, "%s: empty file", p);
	th_expect_usage_error(ARGS("run", "--workload", p), want);
	th_unlink(p);
	/* a trace whose every job is dropped is an error, not an empty report */
	p = th_write_tmp("; MaxProcs: 4\n" SWF_JOB(1, 0, 10, 2, -1), ".swf");
	th_expect_usage_error(ARGS("run", "--workload", p, "--missing-reqtime", "drop"), "every one of its 1 jobs was dropped");
	th_unlink(p);
	p = th_write_tmp(SWF_JOB(1, 0, 10, 2, 20), ".swf");
	th_expect_usage_error(ARGS("run", "--workload", p), "no MaxProcs or MaxNodes header");
	th_unlink(p);
	/* bytes of the input echoed in a message are escaped: one line, text */
	p = th_write_tmp("; MaxProcs: 4\n2 5 -1 1\x01\xff\xc3\xa9 4 -1 -1 4 20 -1 1 1 1 -1 -1 -1 -1 -1\n", ".swf");
	th_expect_usage_error(ARGS("run", "--workload", p), "'1\\x01\\xff\xc3\xa9' is not an integer");
	th_unlink(p);
	/* a multi-line YAML scalar echoed back stays on one line */
	p = th_write_tmp("name: x\nsite: {pue: 1}\nnode_types:\n  - name: a\n    count: 1\n"
			 "    topology: \"pack:1 core:4 pu:1\"\n    memory_gib: 8\n    power_w: {idle: 1, peak: 2}\n"
			 "partitions:\n  - {name: p, node_types: [\"b\\nc\"]}\n", ".yaml");
	th_expect_usage_error(ARGS("cluster", "show", p), "unknown node type 'b\\nc', expected one of: a");
	th_unlink(p);
}

/* The shadow-time example of test_sched.c through the binary: jobs.csv is
 * exactly the schedule worked out by hand. */
Test(cli, writes_the_hand_worked_schedule_to_jobs_csv)
{
	char *p = th_write_tmp("; MaxProcs: 4\n" SWF_JOB(1, 0, 100, 3, 100) SWF_JOB(2, 1, 50, 4, 50)
			       SWF_JOB(3, 2, 50, 1, 50) SWF_JOB(4, 3, 200, 1, 200), ".swf");
	char dir[] = "/tmp/capsim-out-XXXXXX";
	th_mkdtemp(dir);
	char *out, *err;
	int rc = th_exec(ARGS("run", "--workload", p, "--policy", "easy", "--out", dir), &out, &err);
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert(strstr(out, "4 simulated of 4 records; 0 dropped"), "%s", out);
	char path[512];
	th_in(path, sizeof path, dir, "jobs.csv");
	char *csv = th_slurp(path, NULL);
	cr_assert_not_null(csv);
	cr_assert_str_eq(csv,
			 "id,submit,start,end,wait,runtime,estimate,requested_time,submit_time,start_time,end_time,"
			 "state,gpus,cores,nodes,gpus_per_node,cores_per_node,mem_per_node_mib,node_list,project,user,"
			 "qos,partition,reason,reservation,backfilled,killed,preemptions,preempted_s,trace_line,"
			 "billed_hours,energy_kwh\n" /* energy: none on a pooled replay */
			 "1,0,0,100,0,100,100,100,,,,COMPLETED,0,3,,,,,,g1,1,,,None,-1,0,0,0,0,2,0.083333,\n"
			 "2,1,100,150,99,50,50,50,,,,COMPLETED,0,4,,,,,,g1,1,,,Resources,100,0,0,0,0,3,0.055556,\n"
			 "3,2,2,52,0,50,50,50,,,,COMPLETED,0,1,,,,,,g1,1,,,None,-1,1,0,0,0,4,0.013889,\n"
			 "4,3,150,350,147,200,200,200,,,,COMPLETED,0,1,,,,,,g1,1,,,Resources,150,0,0,0,0,5,0.055556,\n");
	th_in(path, sizeof path, dir, "summary.json");
	char *js = th_slurp(path, NULL);
	const char *keys[] = { "\"jobs\": 4", "\"filtered\"", "\"makespan\": 350", "\"utilization\"", "\"mean_wait\": 61.5",
			       "\"median_wait\": 49.5", "\"p95_wait\"", "\"max_wait\": 147", "\"mean_response\"",
			       "\"mean_slowdown\"", "\"mean_bounded_slowdown\"" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		cr_assert(strstr(js, keys[i]), "summary.json lacks %s:\n%s", keys[i], js);
	free(js);
	free(csv);
	free(out);
	free(err);
	th_unlink(p);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	cr_assert_eq(system(path), 0);
}

Test(cli, two_runs_give_byte_identical_outputs)
{
	char trace[1024];
	snprintf(trace, sizeof trace, "%s/traces/pwa/SDSC-SP2-1998-4.2-cln.swf.gz", th_shared());
	char d1[] = "/tmp/capsim-out-XXXXXX", d2[] = "/tmp/capsim-out-XXXXXX";
	th_mkdtemp(d1);
	th_mkdtemp(d2);
	char *o1, *e1, *o2, *e2;
	cr_assert_eq(th_exec(ARGS("run", "--workload", trace, "--out", d1), &o1, &e1), 0, "%s", e1);
	cr_assert_eq(th_exec(ARGS("run", "--workload", trace, "--out", d2), &o2, &e2), 0, "%s", e2);
	cr_assert_str_eq(o1, o2);
	const char *files[] = { "summary.json", "jobs.csv" };
	for (int i = 0; i < 2; i++) {
		cr_assert_gt(th_expect_same_file(d1, d2, files[i]), 100);
	}
	free(o1), free(e1), free(o2), free(e2);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", d1, d2);
	cr_assert_eq(system(cmd), 0);
}

Test(cli, an_unwritable_out_dir_is_an_error)
{
	char *p = th_write_tmp("; MaxProcs: 4\n" SWF_JOB(1, 0, 10, 2, 20), ".swf");
	char *out, *err;
	int rc = th_exec(ARGS("run", "--workload", p, "--out", "/nonexistent/dir/out"), &out, &err);
	cr_assert_eq(rc, 2);
	cr_assert(strstr(err, "/nonexistent/dir/out: cannot create directory: No such file or directory"), "%s", err);
	cr_assert_str_empty(out, "found before the simulation, so no summary: %s", out);
	free(out);
	free(err);
	/* a file where the directory should be, and a directory under a file */
	rc = th_exec(ARGS("run", "--workload", p, "--out", p), &out, &err);
	cr_assert_eq(rc, 2);
	cr_assert(strstr(err, "cannot write into it: Not a directory"), "%s", err);
	cr_assert_str_empty(out);
	free(out);
	free(err);
	char sub[1100];
	th_in(sub, sizeof sub, p, "out");
	rc = th_exec(ARGS("run", "--workload", p, "--out", sub), &out, &err);
	cr_assert_eq(rc, 2);
	cr_assert(strstr(err, "cannot create directory: Not a directory"), "%s", err);
	cr_assert_str_empty(out);
	free(out);
	free(err);
	th_unlink(p);
}

Test(cli, cluster_show_adds_up_a_config)
{
	char cfg[1024];
	snprintf(cfg, sizeof cfg, "%s/configs/clusters/small-test.yaml", th_root());
	char *out, *err;
	int rc = th_exec(ARGS("cluster", "show", cfg), &out, &err);
	cr_assert_eq(rc, 0, "%s", err);
	/* totals worked out in tests/test_cluster.c */
	cr_assert(strstr(out, "8 nodes, 272 cores, 24 GPUs (16 H100-SXM5-80GB, 8 P100-SXM2-16GB)"), "%s", out);
	cr_assert(strstr(out, "fp8 31.664"), "%s", out);
	free(out);
	free(err);
	char *p = th_write_tmp("name: x\nsite: {pue: 0.5}\n", ".yaml");
	char want[256];
	snprintf(want, sizeof want, "%s:2:", p);
	th_expect_usage_error(ARGS("cluster", "show", p), want);
	th_unlink(p);
	th_expect_usage_error(ARGS("cluster", "show", "--jsno"), "unknown option '--jsno'");
	th_expect_usage_error(ARGS("cluster", "show", cfg, cfg), "unexpected argument");
}

Test(cli, run_on_the_default_cluster)
{
	char trace[1024];
	snprintf(trace, sizeof trace, "%s/traces/synthetic/lublin_256.swf", th_shared());
	char *out, *err;
	int rc = th_exec(ARGS("run", "--workload", trace, "--cluster", "default"), &out, &err);
	cr_assert_eq(rc, 0, "%s", err);
	/* 35,616 cores in configs/clusters/national-ai-dc.yaml (see test_cluster.c) */
	cr_assert(strstr(out, "35616 processors (354 nodes"), "%s", out);
	free(out);
	free(err);
	th_expect_usage_error(ARGS("run", "--workload", trace, "--cluster", "default", "--procs", "4"),
			   "--cluster sets the machine");
}

Test(cli, cluster_show_sizes_the_fabric)
{
	/* default: 354 nodes on non-blocking radix-64 leaves, 32 down and 32
	 * up each: ceil(354 / 32) = 12 leaves; their 12 x 32 = 384 uplinks on
	 * radix-64 top-level spines: 6 */
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("cluster", "show"), &out, &err), 0, "%s", err);
	cr_assert(strstr(out, "fabric level 0: leaf, radix 64, oversubscription 1.00: 12 switches, 32 nodes down each"),
		  "%s", out);
	cr_assert(strstr(out, "fabric level 1: spine, radix 64, oversubscription 1.00: 6 switches"), "%s", out);
	free(out);
	free(err);
}

static int count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	if (d)
		closedir(d);
	return n;
}

/* --out is replaced whole, in one rename, only when the run wrote all of
 * it: a run that fails while writing (here: files capped at 64 KiB by
 * ulimit) leaves the earlier run's output as it was and nothing beside
 * it; a directory holding files capsim did not write is refused before
 * the simulation. */
Test(cli, out_is_replaced_whole_or_left_as_it_was)
{
	char *w = th_write_tmp("; MaxProcs: 4\n" SWF_JOB(1, 0, 100, 3, 100) SWF_JOB(2, 1, 50, 4, 50), ".swf");
	char parent[] = "/tmp/capsim-outdir-XXXXXX";
	th_mkdtemp(parent);
	char dir[128], path[256];
	th_in(dir, sizeof dir, parent, "run");
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("run", "--workload", w, "--policy", "fcfs", "--out", dir), &out, &err), 0, "%s", err);
	free(out), free(err);
	th_in(path, sizeof path, dir, "summary.json");
	size_t len1;
	char *before = th_slurp(path, &len1);
	cr_assert(strstr(before, "\"fcfs\""));
	int nfiles = count_entries(dir, "");
	cr_assert_geq(nfiles, 8, "summary, jobs, batsim_jobs, timeseries, projects, report, . and ..");

	/* a run into it that cannot finish writing */
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "trap '' XFSZ; ulimit -f 64; exec '%s' run --workload '%s' --policy easy --out '%s' "
		 ">/dev/null 2>'%s/err.txt'", th_bin(), "%s", dir, parent);
	char cmd2[1200];
	char trace[1024];
	snprintf(trace, sizeof trace, "%s/traces/pwa/KTH-SP2-1996-2.swf.gz", th_shared());
	snprintf(cmd2, sizeof cmd2, cmd, trace);
	int st = system(cmd2);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 0, "the capped run must fail (status %d)", st);
	th_in(path, sizeof path, parent, "err.txt");
	char *msg = th_slurp(path, NULL);
	cr_assert(msg && strstr(msg, dir) && !strstr(msg, ".capsim-"), "the error names --out: %s", msg);
	free(msg);
	unlink(path);
	th_in(path, sizeof path, dir, "summary.json");
	size_t len2;
	char *after = th_slurp(path, &len2);
	cr_assert(after && len1 == len2 && memcmp(before, after, len1) == 0, "--out changed by a failed run");
	free(after);
	cr_assert_eq(count_entries(parent, ".run.capsim-"), 0, "nothing left beside --out");

	/* a run that finishes replaces it */
	cr_assert_eq(th_exec(ARGS("run", "--workload", w, "--policy", "easy", "--out", dir), &out, &err), 0, "%s", err);
	free(out), free(err);
	after = th_slurp(path, NULL);
	cr_assert(strstr(after, "\"easy\""));
	free(after);
	cr_assert_eq(count_entries(dir, ""), nfiles);
	cr_assert_eq(count_entries(parent, ".run.capsim-"), 0);

	/* a file of someone else's in it: refused before the simulation */
	th_in(path, sizeof path, dir, "notes.txt");
	FILE *f = fopen(path, "w");
	fputs("mine\n", f);
	fclose(f);
	cr_assert_eq(th_exec(ARGS("run", "--workload", w, "--out", dir), &out, &err), 2);
	cr_assert_str_empty(out);
	cr_assert(strstr(err, "holds 'notes.txt', which capsim did not write"), "%s", err);
	free(out), free(err);
	free(before);
	th_unlink(w);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", parent);
	cr_assert_eq(system(cmd), 0);
}

Test(cli, a_failed_write_to_standard_output_is_an_error)
{
	char *w = th_write_tmp("; MaxProcs: 4\n" SWF_JOB(1, 0, 100, 3, 100), ".swf");
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "'%s' run --workload '%s' >/dev/full 2>/dev/null", th_bin(), w);
	int st = system(cmd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d", st);
	th_unlink(w);
}
