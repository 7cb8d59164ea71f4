/* Association limits (sched/assoc.c) from the accounts file
 * (sim/accounts.c), enforced by multifactor: hand-worked cases on a
 * cluster of 4 nodes x 4 GPUs x 8 cores. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/accounts.h"
#include "helpers.h"

/* Run native CSV rows (after the header) under multifactor with an
 * accounts file and k=v parameters (NULL-terminated, or NULL); asserts
 * success unless err is given, then returns the run's status with the
 * message in err. */
static const char *cluster_yaml = th_cluster16_yaml;

static int run(const char *rows, const char *accounts, const char *const *params, const char *policy,
	       cs_run_result *r, char *err)
{
	char csv[4096];
	snprintf(csv, sizeof csv, "%s%s", TH_CSV_HDR, rows);
	char *y = th_write_tmp(cluster_yaml, ".yaml");
	char *w = th_write_tmp(csv, ".csv");
	char *acc = th_write_tmp(accounts, ".yaml");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = w;
	o.cluster = y;
	o.policy = policy ? policy : "multifactor";
	o.accounts = acc;
	char kv[CS_MAX_PARAMS][64];
	th_params(&o, params, kv);
	char e[CS_ERRLEN] = "";
	int rc = cs_run(&o, r, e, sizeof e);
	if (err)
		snprintf(err, CS_ERRLEN, "%s", e);
	else
		cr_assert_eq(rc, 0, "%s", e);
	th_unlink(y);
	th_unlink(w);
	th_unlink(acc);
	return rc;
}

static void bad(const char *text, const char *want)
{
	char err[CS_ERRLEN] = "";
	cs_accounts *a = NULL;
	int rc = cs_accounts_load_text(&a, text, strlen(text), "acc.yaml", err, CS_ERRLEN);
	cs_accounts_free(a);
	cr_assert_lt(rc, 0, "accepted: %s", text);
	cr_assert(strstr(err, want), "got '%s', want '%s'", err, want);
}

Test(assoc, a_bad_limit_names_file_line_column_and_key)
{
	bad("accounts:\n  - name: a\n    GrpTRES: \"cpu=4,gpu=2\"\n",
	    "acc.yaml:3:15: accounts[0].GrpTRES: 'gpu' is not a TRES capsim models (cpu, mem, node, gres/gpu, billing)");
	bad("accounts:\n  - name: a\n    GrpTRES: \"gres/gpu\"\n", "acc.yaml:3:15: accounts[0].GrpTRES: 'gres/gpu' is not TRES=COUNT");
	bad("accounts:\n  - name: a\n    MaxTRESPerJob: \"node=2x\"\n", "accounts[0].MaxTRESPerJob: node: '2x' is not a count");
	bad("accounts:\n  - name: a\n    GrpTRESMins: \"cpu=-5\"\n", "accounts[0].GrpTRESMins: cpu: '-5' is not a count");
	bad("accounts:\n  - name: a\n    GrpTRES: \"mem=4Q\"\n", "mem takes K, M, G or T");
	bad("accounts:\n  - name: a\n    GrpTRES: [cpu=4]\n", "accounts[0].GrpTRES: expected a string like");
	bad("accounts:\n  - name: a\n    MaxJobs: 2.5\n", "acc.yaml:3:14: accounts[0].MaxJobs: expected an integer, got '2.5'");
	bad("accounts:\n  - name: a\n    GrpJobs: -2\n", "accounts[0].GrpJobs: must be >= -1, got -2");
	bad("accounts:\n  - name: a\n    users:\n      - {name: u, MaxSubmit: 3}\n",
	    "accounts[0].users[0].MaxSubmit: unknown key");
	/* well-formed: case-insensitive TRES names, mem units, -1 */
	cs_accounts *a = NULL;
	char err[CS_ERRLEN] = "";
	const char *ok = "accounts:\n  - name: a\n    GrpTRES: \"CPU=4,Mem=2G,GRES/gpu=-1\"\n    MaxJobs: -1\n";
	cr_assert_eq(cs_accounts_load_text(&a, ok, strlen(ok), "acc.yaml", err, CS_ERRLEN), 0, "%s", err);
	cs_accounts_free(a);
}

/* Organisation org (GrpTRES gres/gpu=8) holds p1 and p2; p3 is apart. At
 * 0 each of four jobs asks for one node of 4 GPUs for 100 s (16 GPUs
 * free): p1's job 1 and p2's job 2 bring org to 8, so p2's job 3 waits
 * with AssocGrpGRES until they end at 100; p3's job 4 starts at 0. */
Test(assoc, grp_tres_counts_the_whole_subtree)
{
	const char *acc = "accounts:\n"
			  "  - name: org\n"
			  "    GrpTRES: \"gres/gpu=8\"\n"
			  "    accounts: [{name: p1}, {name: p2}]\n"
			  "  - name: p3\n";
	cs_run_result r;
	run("1,p1,u1,0,1,4,1,0,100,100,normal,gpu,completed\n"
	    "2,p2,u2,0,1,4,1,0,100,100,normal,gpu,completed\n"
	    "3,p2,u2,0,1,4,1,0,100,100,normal,gpu,completed\n"
	    "4,p3,u3,0,1,4,1,0,100,100,normal,gpu,completed\n",
	    acc, NULL, NULL, &r, NULL);
	cr_assert_eq(th_start(&r, 1), 0);
	cr_assert_eq(th_start(&r, 2), 0);
	cr_assert_eq(th_start(&r, 3), 100);
	cr_assert_eq(th_job(&r, 3)->reason, CS_WAIT_GRES_LIMIT);
	cr_assert_eq(th_start(&r, 4), 0);
	cs_run_result_free(&r);
}

/* MaxJobs: 1 on project p1 is inherited by each of its associations
 * (users): u1's second job waits for its first (AssocMaxJobsLimit, starts
 * at 100), u2's runs at 0; u3, whose entry says MaxJobs: -1, runs both of
 * its jobs at 0. GrpJobs: 3 on p2 caps its subtree: of four jobs of two
 * users the fourth waits until 100 (AssocGrpJobsLimit). */
Test(assoc, max_limits_are_per_association_and_inherited)
{
	const char *acc = "accounts:\n"
			  "  - name: p1\n"
			  "    MaxJobs: 1\n"
			  "    users: [{name: u3, MaxJobs: -1}]\n"
			  "  - name: p2\n"
			  "    GrpJobs: 3\n";
	cs_run_result r;
	run("1,p1,u1,0,1,1,1,0,100,100,normal,gpu,completed\n"
	    "2,p1,u1,0,1,1,1,0,100,100,normal,gpu,completed\n"
	    "3,p1,u2,0,1,1,1,0,100,100,normal,gpu,completed\n"
	    "4,p1,u3,0,1,1,1,0,100,100,normal,gpu,completed\n"
	    "5,p1,u3,0,1,1,1,0,100,100,normal,gpu,completed\n"
	    "6,p2,u4,0,1,1,1,0,100,100,normal,gpu,completed\n"
	    "7,p2,u4,0,1,1,1,0,100,100,normal,gpu,completed\n"
	    "8,p2,u5,0,1,1,1,0,100,100,normal,gpu,completed\n"
	    "9,p2,u5,0,1,1,1,0,100,100,normal,gpu,completed\n",
	    acc, NULL, NULL, &r, NULL);
	const cs_time want[] = { 0, 0, 100, 0, 0, 0, 0, 0, 0, 100 };
	for (int id = 1; id <= 9; id++)
		cr_assert_eq(th_start(&r, id), want[id], "job %d", id);
	cr_assert_eq(th_job(&r, 2)->reason, CS_WAIT_JOBS_LIMIT);
	cr_assert_eq(th_job(&r, 9)->reason, CS_WAIT_GRP_JOBS);
	cs_run_result_free(&r);
}

/* GrpTRESMins gres/gpu=800 (48,000 GPU-seconds) on p1. Jobs of 4 GPUs
 * with a 6,000 s limit are billed 24,000 each at their start: jobs 1 and 2
 * (0) reach 48,000, job 3 waits (AssocGrpGRESMinutes). Both run 3,000 s:
 * each refunds 4 x 3,000 at 3,000, leaving 24,000, and job 3 starts then. */
Test(assoc, grp_tres_mins_bills_the_estimate_and_refunds)
{
	const char *acc = "accounts:\n  - name: p1\n    GrpTRESMins: \"gres/gpu=800\"\n";
	cs_run_result r;
	run("1,p1,u1,0,1,4,1,0,6000,3000,normal,gpu,completed\n"
	    "2,p1,u1,0,1,4,1,0,6000,3000,normal,gpu,completed\n"
	    "3,p1,u1,0,1,4,1,0,6000,3000,normal,gpu,completed\n",
	    acc, NULL, NULL, &r, NULL);
	cr_assert_eq(th_start(&r, 1), 0);
	cr_assert_eq(th_start(&r, 2), 0);
	cr_assert_eq(th_start(&r, 3), 3000);
	cr_assert_eq(th_job(&r, 3)->reason, CS_WAIT_GRES_BUDGET);
	cs_run_result_free(&r);
}

/* What a job could never be given is rejected with its reason:
 * MaxTRESPerJob gres/gpu=4 (inherited from org) against an 8-GPU job
 * (AssocMaxGRESPerJob), GrpSubmitJobs 2 on p2 against its third job
 * (AssocGrpSubmitJobsLimit). */
Test(assoc, jobs_no_limit_would_ever_admit_are_rejected)
{
	const char *acc = "accounts:\n"
			  "  - name: org\n"
			  "    MaxTRESPerJob: \"gres/gpu=4\"\n"
			  "    accounts: [{name: p1}]\n"
			  "  - name: p2\n"
			  "    GrpSubmitJobs: 2\n";
	cs_run_result r;
	run("1,p1,u1,0,2,4,1,0,100,100,normal,gpu,completed\n"
	    "2,p1,u1,0,1,4,1,0,100,100,normal,gpu,completed\n"
	    "3,p2,u2,0,1,1,1,0,100,100,normal,gpu,completed\n"
	    "4,p2,u2,0,1,1,1,0,100,100,normal,gpu,completed\n"
	    "5,p2,u2,0,1,1,1,0,100,100,normal,gpu,completed\n",
	    acc, NULL, NULL, &r, NULL);
	cr_assert(th_job(&r, 1)->flags & CS_JOB_REJECTED);
	cr_assert_eq(th_job(&r, 1)->reason, CS_WAIT_MAX_GRES_PER_JOB);
	cr_assert_eq(th_start(&r, 2), 0);
	cr_assert_eq(th_start(&r, 3), 0);
	cr_assert_eq(th_start(&r, 4), 0);
	cr_assert(th_job(&r, 5)->flags & CS_JOB_REJECTED);
	cr_assert_eq(th_job(&r, 5)->reason, CS_WAIT_GRP_SUBMIT);
	cs_run_result_free(&r);
}

/* --policy-opt max_running_gpus=4 is every project's default GrpTRES;
 * p2's own GrpTRES gres/gpu=8 replaces it: p1's two 4-GPU jobs run one
 * after the other (0, 100), p2's side by side (0, 0). */
Test(assoc, policy_options_are_the_defaults_the_file_overrides)
{
	const char *acc = "accounts:\n  - name: p1\n  - name: p2\n    GrpTRES: \"gres/gpu=8\"\n";
	const char *const params[] = { "max_running_gpus=4", NULL };
	cs_run_result r;
	run("1,p1,u1,0,1,4,1,0,100,100,normal,gpu,completed\n"
	    "2,p1,u1,0,1,4,1,0,100,100,normal,gpu,completed\n"
	    "3,p2,u2,0,1,4,1,0,100,100,normal,gpu,completed\n"
	    "4,p2,u2,0,1,4,1,0,100,100,normal,gpu,completed\n",
	    acc, params, NULL, &r, NULL);
	cr_assert_eq(th_start(&r, 1), 0);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 3), 0);
	cr_assert_eq(th_start(&r, 4), 0);
	cs_run_result_free(&r);
}

/* Cores, nodes and memory count as Slurm's TRES do: GrpTRES cpu=12 on p1
 * lets one 8-core job and one 4-core job run (12), not a third of 1 core
 * (AssocGrpCpuLimit); node=1 on p2 keeps its two one-node jobs apart
 * (AssocGrpNodeLimit); mem=100G on p3 (102,400 MB) holds a second 64 GiB
 * job (AssocGrpMemLimit). */
Test(assoc, cpu_node_and_mem_limits)
{
	const char *acc = "accounts:\n"
			  "  - {name: p1, GrpTRES: \"cpu=12\"}\n"
			  "  - {name: p2, GrpTRES: \"node=1\"}\n"
			  "  - {name: p3, GrpTRES: \"mem=100G\"}\n";
	cs_run_result r;
	run("1,p1,u1,0,1,0,8,0,100,100,normal,gpu,completed\n"
	    "2,p1,u1,0,1,0,4,0,100,100,normal,gpu,completed\n"
	    "3,p1,u1,0,1,0,1,0,100,100,normal,gpu,completed\n"
	    "4,p2,u2,0,1,1,1,0,100,100,normal,gpu,completed\n"
	    "5,p2,u2,0,1,1,1,0,100,100,normal,gpu,completed\n"
	    "6,p3,u3,0,1,1,1,65536,100,100,normal,gpu,completed\n"
	    "7,p3,u3,0,1,1,1,65536,100,100,normal,gpu,completed\n",
	    acc, NULL, NULL, &r, NULL);
	const cs_time want[] = { 0, 0, 0, 100, 0, 100, 0, 100 };
	for (int id = 1; id <= 7; id++)
		cr_assert_eq(th_start(&r, id), want[id], "job %d", id);
	cr_assert_eq(th_job(&r, 3)->reason, CS_WAIT_CPU_LIMIT);
	cr_assert_eq(th_job(&r, 5)->reason, CS_WAIT_NODE_LIMIT);
	cr_assert_eq(th_job(&r, 7)->reason, CS_WAIT_MEM_LIMIT);
	cs_run_result_free(&r);
}

/* Limits another policy would ignore are refused, naming the file and
 * the line that sets the first. */
Test(assoc, limits_under_another_policy_are_refused)
{
	const char *acc = "site: s\naccounts:\n  - name: p1\n  - name: p2\n    MaxJobs: 1\n";
	cs_run_result r;
	char err[CS_ERRLEN];
	int rc = run("1,p1,u1,0,1,1,1,0,100,100,normal,gpu,completed\n", acc, NULL, "easy", &r, err);
	cr_assert_lt(rc, 0);
	cr_assert(strstr(err, ".yaml:4: association limits"), "%s", err);
	cr_assert(strstr(err, "policy easy would ignore them"), "%s", err);
}

/* A grant is {hours, from, to}: hours >= 0 required, to after from. */
Test(assoc, a_bad_grant_names_file_line_and_key)
{
	bad("accounts:\n  - name: a\n    grant: 5\n", "acc.yaml:3:12: accounts[0].grant: expected a mapping");
	bad("accounts:\n  - name: a\n    grant: {from: 0}\n", "accounts[0].grant.hours: missing required key");
	bad("accounts:\n  - name: a\n    grant: {hours: -3}\n", "accounts[0].grant.hours: must be >= 0, got -3");
	bad("accounts:\n  - name: a\n    grant: {hours: 3, from: 100, to: 100}\n",
	    "accounts[0].grant.to: must be after from (100), got 100");
	bad("accounts:\n  - name: a\n    grant: {hours: 3, until: 100}\n", "accounts[0].grant.until: unknown key");
	bad("accounts:\n  - name: a\n    users: [{name: u, grant: {hours: 1}}]\n", "accounts[0].users[0].grant: unknown key");
}

/* Grants under fcfs on 16 GPUs (no billing weights: GPU-hours). p0 (no
 * grant) holds all 16 GPUs 0..3000. p1's grant is 2 GPU-hours over
 * [0, 3600): its 4-GPU job of 1800 s, submitted at 10, asks 2 GPU-hours
 * but starts at 3000 and runs 600 s of the window: 4 x 600 / 3600 = 2/3
 * delivered. p3's grant (1 hour over [5000, 9000)) saw no job: asked 0.
 * Run: granted 3, asked 2, delivered 2/3, delivery 1/3. */
Test(assoc, grant_delivery_counts_what_ran_inside_the_grant)
{
	const char *acc = "accounts:\n"
			  "  - name: p0\n"
			  "  - {name: p1, grant: {hours: 2, from: 0, to: 3600}}\n"
			  "  - {name: p3, grant: {hours: 1, from: 5000, to: 9000}}\n";
	cs_run_result r;
	run("1,p0,u0,0,4,4,1,0,3000,3000,normal,gpu,completed\n"
	    "2,p1,u1,10,1,4,1,0,1800,1800,normal,gpu,completed\n",
	    acc, NULL, "fcfs", &r, NULL);
	cr_assert_eq(th_start(&r, 2), 3000);
	cr_assert_eq(r.grants.n, 2);
	cr_assert_str_eq(r.grants.rows[0].account, "p1");
	cr_assert_float_eq(r.grants.rows[0].demand_h, 2.0, 1e-12);
	cr_assert_float_eq(r.grants.rows[0].delivered_h, 2.0 / 3, 1e-12);
	cr_assert_eq(r.grants.rows[0].jobs, 1);
	cr_assert_eq(r.grants.rows[1].jobs, 0);
	cr_assert_float_eq(r.grants.granted_h, 3.0, 1e-12);
	cr_assert_float_eq(r.grants.asked_h, 2.0, 1e-12);
	cr_assert_float_eq(r.grants.delivered_h, 2.0 / 3, 1e-12);
	cr_assert_float_eq(r.grants.delivery, 1.0 / 3, 1e-12);
	cs_run_result_free(&r);
	bad("accounts:\n  - name: org\n    grant: {hours: 5}\n    accounts:\n      - {name: p, grant: {hours: 1}}\n",
	    "accounts[0].accounts[0].grant: account 'p' has a grant inside granted account 'org': grants do not nest");
}

/* GrpTRES billing=12 on p1 counts billing units per second: with the
 * partition's TRESBillingWeights GRES/gpu=2 a 4-GPU job bills 8, so p1's
 * second such job (16 > 12) waits for the first (AssocGrpBilling, starts at
 * 100); without weights a job bills its size, 4, and both run at 0. */
Test(assoc, billing_limits_count_the_billing_rate)
{
	static const char weighted[] = "name: sixteen\n"
				       "site: {pue: 1}\n"
				       "node_types:\n"
				       "  - name: g\n"
				       "    count: 4\n"
				       "    topology: \"pack:1 core:8 pu:1\"\n"
				       "    memory_gib: 64\n"
				       "    gpus: {model: H100, count: 4}\n"
				       "    power_w: {idle: 100, peak: 1000}\n"
				       "partitions:\n"
				       "  - {name: gpu, node_types: [g], tres_billing_weights: \"GRES/gpu=2.0\"}\n";
	const char *acc = "accounts:\n  - {name: p1, GrpTRES: \"billing=12\"}\n";
	const char *rows = "1,p1,u1,0,1,4,1,0,100,100,normal,gpu,completed\n"
			   "2,p1,u1,0,1,4,1,0,100,100,normal,gpu,completed\n";
	cs_run_result r;
	run(rows, acc, NULL, NULL, &r, NULL);
	cr_assert_eq(th_start(&r, 2), 0, "without weights a job bills its size (4)");
	cs_run_result_free(&r);
	cluster_yaml = weighted;
	run(rows, acc, NULL, NULL, &r, NULL);
	cluster_yaml = th_cluster16_yaml;
	cr_assert_eq(th_start(&r, 1), 0);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_job(&r, 2)->reason, CS_WAIT_BILLING_LIMIT);
	cs_run_result_free(&r);
}
