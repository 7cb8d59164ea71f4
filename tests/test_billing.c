/* Slurm's TRESBillingWeights (sim/billing.c): the parser, a partition's
 * weights in a YAML config and in slurm.conf, and what a run bills. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/billing.h"
#include "capsim/cluster.h"
#include "capsim/run.h"
#include "helpers.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-12)
#include <math.h>

Test(billing, sums_weight_times_amount_as_slurm_does)
{
	cs_billing b;
	char err[256] = "";
	cr_assert_eq(cs_billing_parse("cpu=1.0,MEM=0.25G,Node=3,GRES/gpu=2.0,gres/gpu:h100=8", &b, err, sizeof err), 0,
		     "%s", err);
	/* 2 nodes x (4 H100, 16 cores, 64 GiB): 32 cores x 1 + 128 GiB x 0.25
	 * + 2 nodes x 3 + 8 GPUs x (2 + 8) = 32 + 32 + 6 + 80 = 150 */
	cr_assert(NEAR(cs_billing_rate(&b, 2, 4, 16, 64 * 1024, "H100"), 150));
	/* another model: the untyped weight only, 8 x 2 */
	cr_assert(NEAR(cs_billing_rate(&b, 2, 4, 16, 64 * 1024, "A100"), 86));
	/* no suffix: per MB (MiB), Slurm's base unit for memory */
	cr_assert_eq(cs_billing_parse("Mem=0.5", &b, err, sizeof err), 0, "%s", err);
	cr_assert(NEAR(cs_billing_rate(&b, 1, 0, 0, 1024, ""), 512));
	cr_assert_eq(cs_billing_parse("Mem=2T", &b, err, sizeof err), 0, "%s", err);
	cr_assert(NEAR(cs_billing_rate(&b, 1, 0, 0, 1024 * 1024, ""), 2));
}

Test(billing, refuses_unknown_tres_and_malformed_weights)
{
	static const struct { const char *spec, *want; } bad[] = {
		{ "CPU=1,Energy=2", "'Energy=2': unknown or unmodelled TRES" },
		{ "CPU", "'CPU' has no '='" },
		{ "CPU=", "'CPU=': expected a weight" },
		{ "CPU=-1", "'CPU=-1': expected a weight, a number >= 0" },
		{ "CPU=1G", "only Mem takes a unit suffix" },
		{ "Mem=1K", "'Mem=1K': expected a weight with an optional unit M, G, T or P" },
		{ "CPU=1,,Node=1", "an empty entry" },
		{ "GRES/gpu=1,gres/GPU=2", "given twice" },
		{ "License/matlab=1", "unknown or unmodelled TRES" },
		{ "", "empty" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cs_billing b;
		char err[256] = "";
		cr_assert_eq(cs_billing_parse(bad[i].spec, &b, err, sizeof err), -CS_EPARSE, "%s", bad[i].spec);
		cr_assert(strstr(err, bad[i].want), "'%s': %s", bad[i].spec, err);
	}
}

/* Two partitions of one node each: big (2 X100 GPUs, 10 per GPU-second)
 * and small (2 Y10 GPUs, 1 per GPU-second). */
static const char two_yaml[] =
	"name: two\n"
	"site: {pue: 1}\n"
	"node_types:\n"
	"  - {name: x, count: 1, topology: \"pack:1 numa:1 core:4 pu:1\", memory_gib: 64,\n"
	"     gpus: {model: X100, count: 2}, power_w: {idle: 0, peak: 0}}\n"
	"  - {name: y, count: 1, topology: \"pack:1 numa:1 core:4 pu:1\", memory_gib: 64,\n"
	"     gpus: {model: Y10, count: 2}, power_w: {idle: 0, peak: 0}}\n"
	"partitions:\n"
	"  - name: big\n"
	"    node_types: [x]\n"
	"    tres_billing_weights: \"GRES/gpu:x100=10\"\n"
	"  - name: small\n"
	"    node_types: [y]\n"
	"    tres_billing_weights: \"GRES/gpu=1\"\n";

static int load_err(const char *yaml, char *err)
{
	cs_cluster *c = NULL;
	int rc = cs_cluster_load_text(&c, yaml, strlen(yaml), "two.yaml", NULL, err, CS_ERRLEN);
	cs_cluster_free(c);
	return rc;
}

static char *with_weights(const char *small_weights)
{
	static char buf[2048];
	const char *cut = strstr(two_yaml, "    tres_billing_weights: \"GRES/gpu=1\"");
	snprintf(buf, sizeof buf, "%.*s    tres_billing_weights: %s\n", (int)(cut - two_yaml), two_yaml,
		 small_weights);
	return buf;
}

Test(billing, yaml_errors_name_file_line_and_field)
{
	char err[CS_ERRLEN] = "";
	cr_assert_eq(load_err(two_yaml, err), 0, "%s", err);
	/* line 14 is small's tres_billing_weights; column 28 the quoted value's first character */
	cr_assert_eq(load_err(with_weights("\"GRES/gpu=1,Foo=1\""), err), -CS_EPARSE);
	cr_assert(strstr(err, "two.yaml:14:28: partitions[1].tres_billing_weights: 'Foo=1': unknown or unmodelled TRES"),
		  "%s", err);
	cr_assert_eq(load_err(with_weights("\"GRES/gpu:x100=1\""), err), -CS_EINVAL);
	cr_assert(strstr(err, "two.yaml:14:28: partitions[1].tres_billing_weights: GRES/gpu:x100: no node type of "
			      "partition 'small' has GPUs of that model (its GPU models: Y10)"), "%s", err);
	cr_assert_eq(load_err(with_weights("2"), err), -CS_EPARSE);
	cr_assert(strstr(err, "two.yaml:14:27: partitions[1].tres_billing_weights: '2' has no '='"), "%s", err);
}

Test(billing, a_partition_whose_gpu_models_bill_differently_is_refused)
{
	char yaml[2048], err[CS_ERRLEN] = "";
	snprintf(yaml, sizeof yaml, "%s  - {name: both, node_types: [x, y], tres_billing_weights: \"GRES/gpu:y10=1\"}\n",
		 two_yaml);
	cr_assert_eq(load_err(yaml, err), -CS_EINVAL);
	cr_assert(strstr(err, "two.yaml:15:") && strstr(err, "'x' (X100) and 'y' (Y10) of partition 'both' bill 0 and 1 "
							     "per GPU"), "%s", err);
	/* the same weight for both models is fine */
	snprintf(yaml, sizeof yaml, "%s  - {name: both, node_types: [x, y], tres_billing_weights: \"GRES/gpu=3\"}\n",
		 two_yaml);
	cr_assert_eq(load_err(yaml, err), 0, "%s", err);
}

Test(billing, cluster_show_prints_the_weights_and_a_bad_config_exits_2)
{
	char *y = th_write_tmp(two_yaml, ".yaml");
	char *out, *err;
	const char *args[] = { "cluster", "show", y, NULL };
	cr_assert_eq(th_exec(args, &out, &err), 0, "%s", err);
	cr_assert(strstr(out, "big          x  billing GRES/gpu:x100=10 (10 per X100)\n"), "%s", out);
	cr_assert(strstr(out, "small        y  billing GRES/gpu=1 (1 per Y10)\n"), "%s", out);
	free(out);
	free(err);
	th_unlink(y);
	y = th_write_tmp(with_weights("\"GRES/gpu=one\""), ".yaml");
	const char *bad_args[] = { "cluster", "show", y, NULL };
	cr_assert_eq(th_exec(bad_args, &out, &err), 2, "%s", err);
	cr_assert(strstr(err, ":14:28: partitions[1].tres_billing_weights: 'GRES/gpu=one': expected a weight"), "%s",
		  err);
	free(out);
	free(err);
	th_unlink(y);
}

/* slurm.conf: TRESBillingWeights on a PartitionName line (or its DEFAULT)
 * gives the partition the same weights as the YAML key. */
static char *slurm_site(const char *dir, const char *extra_global, const char *big_weights)
{
	static char path[700];
	th_in(path, sizeof path, dir, "slurm.conf");
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "ClusterName=bill\n%s"
		   "NodeName=x[1-2] Sockets=1 CoresPerSocket=4 ThreadsPerCore=1 RealMemory=65536 Gres=gpu:x100:2\n"
		   "NodeName=c1 Sockets=1 CoresPerSocket=8 ThreadsPerCore=1 RealMemory=32768\n"
		   "PartitionName=DEFAULT TRESBillingWeights=CPU=0.5\n"
		   "PartitionName=big Nodes=x[1-2] TRESBillingWeights=%s\n"
		   "PartitionName=cpu Nodes=c1\n",
		extra_global, big_weights);
	fclose(f);
	return path;
}

Test(billing, slurm_conf_weights_are_honoured)
{
	char dir[] = "/tmp/capsim-billing-XXXXXX";
	th_mkdtemp(dir);
	char err[CS_ERRLEN] = "";
	cs_cluster *c = NULL;
	cr_assert_eq(cs_cluster_open(&c, slurm_site(dir, "", "CPU=0.25,gres/gpu:X100=4"), NULL, err, sizeof err), 0,
		     "%s", err);
	const cs_cluster_partition *big = cs_cluster_partition_at(c, 0), *cpu = cs_cluster_partition_at(c, 1);
	cr_assert(big->billing.given && NEAR(big->billing.cpu, 0.25) && big->billing.ntypes == 1);
	/* cpu inherits the DEFAULT line's CPU=0.5: 8 cores bill 4 per second */
	cr_assert(cpu->billing.given && NEAR(cs_cluster_billing_rate(c, 1, 1, 0, 8, 0, 8), 4));
	/* big: 1 node, 2 GPUs, 4 cores: 4 x 0.25 + 2 x 4 = 9 */
	cr_assert(NEAR(cs_cluster_billing_rate(c, 0, 1, 2, 4, 0, 2), 9));
	cs_cluster_free(c);
	/* errors at the slurm.conf line, not the YAML twin's */
	cr_assert_eq(cs_cluster_open(&c, slurm_site(dir, "", "CPU=0.25,Bogus=1"), NULL, err, sizeof err), -CS_EPARSE);
	cr_assert(strstr(err, "slurm.conf:5: TRESBillingWeights: 'Bogus=1': unknown or unmodelled TRES"), "%s", err);
	cr_assert_eq(cs_cluster_open(&c, slurm_site(dir, "", "GRES/gpu:a100=1"), NULL, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "slurm.conf:5: TRESBillingWeights: GRES/gpu:a100: no node of partition big"), "%s", err);
	cr_assert_eq(cs_cluster_open(&c, slurm_site(dir, "PriorityFlags=MAX_TRES\n", "CPU=1"), NULL, err, sizeof err),
		     -CS_EINVAL);
	cr_assert(strstr(err, "slurm.conf:6: TRESBillingWeights: PriorityFlags=MAX_TRES") &&
			  strstr(err, "does not model"), "%s", err);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* A run on two_yaml: A1 (big, 2 GPUs, 100 s) bills 2 x 10 = 20 per second,
 * 2,000 in all = 0.555556 billing-unit-hours; B1 (small, 2 GPUs, 100 s)
 * 2 x 1 x 100 = 200 = 0.055556 h; A2 and B2 (small, 2 GPUs, 50 s) 100 =
 * 0.027778 h each. */
Test(billing, jobs_csv_gives_each_jobs_billed_hours)
{
	char dir[] = "/tmp/capsim-billing-XXXXXX";
	th_mkdtemp(dir);
	char od[600];
	th_in(od, sizeof od, dir, "out");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "fcfs";
	o.out_dir = od;
	cs_run_result r;
	th_run_on(two_yaml,
		  TH_CSV_HDR "1,A,ua,0,1,2,1,0,100,100,normal,big,completed\n"
			     "2,B,ub,0,1,2,1,0,100,100,normal,small,completed\n"
			     "3,A,ua,10,1,2,1,0,50,50,normal,small,completed\n"
			     "4,B,ub,20,1,2,1,0,50,50,normal,small,completed\n",
		  ".csv", &o, &r);
	cr_assert_not_null(r.billing);
	cr_assert(NEAR(r.billing[0], 20) && NEAR(r.billing[1], 2) && NEAR(r.billing[2], 2) && NEAR(r.billing[3], 2));
	/* the machine: 2 GPUs x 10 + 2 GPUs x 1 per second */
	cr_assert(NEAR(r.billing_capacity, 22));
	char path[700];
	th_in(path, sizeof path, od, "jobs.csv");
	char *csv = th_slurp(path, NULL);
	cr_assert_not_null(csv);
	cr_assert(strstr(csv, ",preempted_s,trace_line,billed_hours,energy_kwh\n"), "%s", csv);
	/* energy_kwh: the nodes draw 0 W (power_w 0) */
	const char *want[] = { ",0,0,0,0,2,0.555556,0.000000\n", ",0,0,0,0,3,0.055556,0.000000\n",
			       ",0,0,0,0,4,0.027778,0.000000\n", ",0,0,0,0,5,0.027778,0.000000\n" };
	for (size_t i = 0; i < 4; i++)
		cr_assert(strstr(csv, want[i]), "%s: %s", want[i], csv);
	th_in(path, sizeof path, od, "summary.json");
	char *js = th_slurp(path, NULL);
	cr_assert(strstr(js, "\"weights\": true") && strstr(js, "\"A\": 0.58333") && strstr(js, "\"B\": 0.08333"),
		  "%s", js);
	free(js);
	free(csv);
	cs_run_result_free(&r);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}
