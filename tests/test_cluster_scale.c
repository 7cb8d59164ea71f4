/* Scaling a cluster (sim/cluster_scale.c): the --scale spec parser, counts,
 * totals and fabric of a scaled config worked out by hand, the refusals,
 * `capsim cluster show --scale`, and runs on a scaled cluster against a
 * config written with the same counts. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsim/cluster.h"
#include "capsim/nodemodel.h"
#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NEAR(a, b) cr_expect(fabs((a) - (b)) < 1e-6, "%s = %.9g, expected %.9g", #a, (double)(a), (double)(b))

static cs_cluster *load_small(void)
{
	char path[4096], err[CS_ERRLEN] = "";
	snprintf(path, sizeof path, "%s/configs/clusters/small-test.yaml", th_root());
	cs_cluster *c = NULL;
	cr_assert_eq(cs_cluster_load(&c, path, err, sizeof err), 0, "%s", err);
	return c;
}

static cs_cluster_scale_spec parse_ok(const char *text)
{
	cs_cluster_scale_spec s;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_cluster_scale_parse(text, &s, err, sizeof err), 0, "%s: %s", text, err);
	return s;
}

/* small-test scaled by text: 0 and the cluster, or the error in err. */
static int scale_small(const char *text, cs_cluster **out, char *err)
{
	cs_cluster *c = load_small();
	cs_cluster_scale_spec s = parse_ok(text);
	int rc = cs_cluster_scale(c, &s, out, err, CS_ERRLEN);
	cs_cluster_free(c);
	return rc;
}

/* ---- the spec ---------------------------------------------------------------- */

Test(cluster_scale, parses_factors_counts_and_additions_in_order)
{
	cs_cluster_scale_spec s = parse_ok("h100=1.5,a100=0,t4:=12,cpu=+8,ipu=-2,x=2e0");
	cr_assert_eq(s.n, 6);
	cr_expect_str_eq(s.item[0].type, "h100");
	cr_expect_eq(s.item[0].op, CS_SCALE_FACTOR);
	NEAR(s.item[0].value, 1.5);
	cr_expect_eq(s.item[1].op, CS_SCALE_FACTOR);
	NEAR(s.item[1].value, 0);
	cr_expect_str_eq(s.item[2].type, "t4");
	cr_expect_eq(s.item[2].op, CS_SCALE_SET);
	NEAR(s.item[2].value, 12);
	cr_expect_eq(s.item[3].op, CS_SCALE_ADD);
	NEAR(s.item[3].value, 8);
	cr_expect_eq(s.item[4].op, CS_SCALE_ADD);
	NEAR(s.item[4].value, -2);
	NEAR(s.item[5].value, 2);
	char buf[256];
	cs_cluster_scale_format(&s, buf, sizeof buf);
	cr_expect_str_eq(buf, "h100=1.5,a100=0,t4:=12,cpu=+8,ipu=-2,x=2");
	/* a slurm.conf's node type names hold dots and dashes */
	s = parse_ok("cpu001..cpu008=2");
	cr_expect_str_eq(s.item[0].type, "cpu001..cpu008");
}

static void expect_parse_error(const char *text, const char *want)
{
	cs_cluster_scale_spec s;
	char err[CS_ERRLEN] = "";
	cr_expect_eq(cs_cluster_scale_parse(text, &s, err, sizeof err), -CS_EINVAL, "'%s' was accepted", text);
	cr_expect(strncmp(err, "--scale: ", 9) == 0, "'%s': %s", text, err);
	cr_expect(strstr(err, want), "'%s': '%s' should contain '%s'", text, err, want);
	cr_expect_null(strchr(err, '\n'), "%s", err);
}

Test(cluster_scale, refuses_a_bad_spec_naming_the_bad_part)
{
	expect_parse_error("", "--scale: empty, expected TYPE=F");
	expect_parse_error("h100=2,,a100=1", "'h100=2,,a100=1': part 2 is empty");
	expect_parse_error("h100=2,", "part 2 is empty");
	expect_parse_error("h100", "'h100': no '='");
	expect_parse_error("=2", "'=2': no node type before '='");
	expect_parse_error(":=2", "':=2': no node type before ':='");
	expect_parse_error("h100=-0.5", "'h100=-0.5': '-0.5' is not a whole number of nodes to add or remove");
	expect_parse_error("h100=abc", "'h100=abc': 'abc' is not a factor");
	expect_parse_error("h100=inf", "'h100=inf': 'inf' is not a factor");
	expect_parse_error("h100=nan", "'nan' is not a factor");
	expect_parse_error("h100=1e999", "'1e999' is not a factor");
	expect_parse_error("h100=0x10", "'0x10' is not a factor");
	expect_parse_error("h100=", "'h100=': '' is not a factor");
	expect_parse_error("h100=1.5x", "'1.5x' is not a factor");
	expect_parse_error("h100:=1.5", "'h100:=1.5': '1.5' is not a node count");
	expect_parse_error("h100:=-3", "'-3' is not a node count");
	expect_parse_error("h100=+", "'+' is not a whole number");
	expect_parse_error("h100=2,a100=1,h100=3", "'h100=3': node type 'h100' is named twice (part 1 and part 3)");
}

/* ---- the scaled cluster ---------------------------------------------------- */

Test(cluster_scale, counts_totals_and_fabric_follow_the_new_counts)
{
	/* small-test: h100 x4 (32 cores, 4 H100, 512 GiB, 1200-5600 W, 250000),
	 * p100 x2 (XML: 8 cores, 4 P100), cpu x2 (64 cores, 256 GiB, 200-700 W,
	 * 15000); PUE 1.25; fabric leaf radix 32 o 2, spine radix 64 o 1.
	 * h100:=100, p100=0 (removed), cpu=20: 40 nodes. */
	cs_cluster *c;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(scale_small("h100:=100,p100=0,cpu=20", &c, err), 0, "%s", err);
	cr_expect_str_eq(cs_cluster_scaled_by(c), "h100:=100,p100=0,cpu=20");
	cr_assert_eq(cs_cluster_nnode_types(c), 2);
	cr_expect_str_eq(cs_cluster_node_type_at(c, 0)->name, "h100");
	cr_expect_eq(cs_cluster_node_type_at(c, 0)->count, 100);
	cr_expect_str_eq(cs_cluster_node_type_at(c, 1)->name, "cpu");
	cr_expect_eq(cs_cluster_node_type_at(c, 1)->count, 40);
	cr_expect_eq(cs_cluster_node_type_find(c, "p100"), -1);
	const cs_cluster_totals *t = cs_cluster_totals_of(c);
	cr_expect_eq(t->nodes, 140);
	cr_expect_eq(t->cores, 100 * 32 + 40 * 64);      /* 5760 */
	cr_expect_eq(t->gpus, 400);
	cr_assert_eq(cs_cluster_ngpu_models(c), 1);       /* the P100s are gone */
	cr_expect_str_eq(cs_cluster_gpu_model_at(c, 0)->model, "H100-SXM5-80GB");
	cr_expect_eq(cs_cluster_gpu_model_at(c, 0)->count, 400);
	NEAR(t->memory_gib, 100 * 512 + 40 * 256);        /* 61440 GiB */
	/* fp64: 400 x 34 TF + CPUs 100 x 3.0 + 40 x 2.5 = 13600 + 400 = 14000 TF */
	NEAR(t->peak_pflops[CS_PREC_FP64], 14.0);
	NEAR(t->peak_pflops[CS_PREC_FP8], 400 * 1979 / 1000.0);
	/* idle 100 x 1200 + 40 x 200 = 128 kW, peak 100 x 5600 + 40 x 700 = 588 kW, x 1.25 */
	NEAR(t->idle_kw, 128);
	NEAR(t->peak_kw, 588);
	NEAR(t->facility_idle_kw, 160);
	NEAR(t->facility_peak_kw, 735);
	NEAR(t->cost, 100 * 250000.0 + 40 * 15000.0);
	NEAR(t->storage_pb, 2.5);
	/* partitions keep their names, losing the removed type */
	cr_assert_eq(cs_cluster_npartitions(c), 3);
	const cs_cluster_partition *gpu = cs_cluster_partition_at(c, 0), *all = cs_cluster_partition_at(c, 2);
	cr_expect_eq(gpu->nnode_types, 1);
	cr_expect_eq(gpu->node_types[0], 0);
	cr_expect_eq(all->nnode_types, 2);
	cr_expect_eq(all->node_types[1], 1);
	cr_expect_eq(cs_cluster_partition_at(c, 1)->node_types[0], 1);
	/* fabric: a leaf has floor(32 x 2 / 3) = 21 nodes down, 11 up: ceil(140 / 21)
	 * = 7 leaves, 77 uplinks, ceil(77 / 64) = 2 spines; the node model builds
	 * the same 7 leaves and keeps blocks of 4 nodes */
	cr_expect_eq(cs_cluster_leaf_nodes(c), 21);
	cr_expect_eq(cs_cluster_fabric_block_nodes(c), 4);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cr_assert_eq(cs_cluster_print(f, c), 0);
	fclose(f);
	cr_expect(strstr(text, "fabric level 0: leaf, radix 32, oversubscription 2.00: 7 switches, 21 nodes down each"),
		  "%s", text);
	cr_expect(strstr(text, "fabric level 1: spine, radix 64, oversubscription 1.00: 2 switches, 64 ports down each"),
		  "%s", text);
	cr_expect(strstr(text, "  scaled by --scale h100:=100,p100=0,cpu=20: h100 4 -> 100, p100 2 -> 0 (removed), "
			       "cpu 2 -> 40\n"), "%s", text);
	free(text);
	cs_nodemodel nm;
	cr_assert_eq(cs_nodemodel_build(&nm, c, err, sizeof err), 0, "%s", err);
	cr_expect_eq(nm.layout.nnodes, 140);
	cr_expect_eq(nm.layout.nleaves, 7);
	cr_expect_eq(nm.layout.leaf_first[6], 126);
	cr_expect_eq(nm.type_first[1], 100);
	cs_nodemodel_free(&nm);
	cs_cluster_free(c);
}

Test(cluster_scale, factors_round_to_the_nearest_with_halves_up)
{
	cs_cluster *c;
	char err[CS_ERRLEN] = "";
	/* h100 4 x 0.375 = 1.5 -> 2; p100 2 x 0.2 = 0.4 -> 0, removed (its
	 * partitions gpu and all keep h100); cpu 2 x 0.75 = 1.5 -> 2 */
	cr_assert_eq(scale_small("h100=0.375,p100=0.2,cpu=0.75", &c, err), 0, "%s", err);
	cr_expect_eq(cs_cluster_node_type_at(c, 0)->count, 2);
	cr_expect_eq(cs_cluster_node_type_find(c, "p100"), -1);
	cr_expect_eq(cs_cluster_node_type_at(c, 1)->count, 2);
	cs_cluster_free(c);
	/* 4 x 0.3 = 1.2 -> 1; 2 x 0.25 = 0.5 -> 1 */
	cr_assert_eq(scale_small("h100=0.3,cpu=0.25", &c, err), 0, "%s", err);
	cr_expect_eq(cs_cluster_node_type_at(c, 0)->count, 1);
	cr_expect_eq(cs_cluster_node_type_at(c, 2)->count, 1);
	/* scaled again: 45 x 0.7 is 31.499999999999996 in binary, a half on paper -> 32 */
	cr_assert_lt(45 * 0.7, 31.5);
	cs_cluster *d, *e;
	cs_cluster_scale_spec s = parse_ok("h100:=45");
	cr_assert_eq(cs_cluster_scale(c, &s, &d, err, sizeof err), 0, "%s", err);
	s = parse_ok("h100=0.7");
	cr_assert_eq(cs_cluster_scale(d, &s, &e, err, sizeof err), 0, "%s", err);
	cr_expect_eq(cs_cluster_node_type_at(e, 0)->count, 32);
	cr_expect_str_eq(cs_cluster_scaled_by(e), "h100=0.3,cpu=0.25 then h100:=45 then h100=0.7");
	/* each holds its base: freed in any order, the last one still reads */
	cs_cluster_free(c);
	cs_cluster_free(d);
	cr_expect_str_eq(cs_cluster_name(e), "small-test");
	cr_expect_str_eq(cs_cluster_node_type_at(e, 0)->gpu_model, "H100-SXM5-80GB");
	cr_expect_eq(cs_topo_ncores(cs_cluster_node_type_at(e, 1)->topo), 8);
	cr_expect_eq(cs_cluster_totals_of(e)->nodes, 32 + 2 + 1);
	cs_cluster_free(e);
}

Test(cluster_scale, factor_one_and_an_empty_spec_change_no_count)
{
	cs_cluster *base = load_small(), *c;
	char err[CS_ERRLEN] = "";
	cs_cluster_scale_spec s = parse_ok("h100=1,p100=+0,cpu:=2");
	cr_assert_eq(cs_cluster_scale(base, &s, &c, err, sizeof err), 0, "%s", err);
	const cs_cluster_totals *a = cs_cluster_totals_of(base), *b = cs_cluster_totals_of(c);
	cr_expect_eq(memcmp(a, b, sizeof *a), 0);
	cr_expect_eq(cs_cluster_nnode_types(c), 3);
	cs_cluster_free(c);
	s.n = 0;
	cr_assert_eq(cs_cluster_scale(base, &s, &c, err, sizeof err), 0, "%s", err);
	cr_expect_eq(cs_cluster_totals_of(c)->nodes, 8);
	cr_expect_str_eq(cs_cluster_scaled_by(c), "");
	cs_cluster_free(c);
	cs_cluster_free(base);
}

static void expect_scale_error(const char *text, const char *want)
{
	cs_cluster *c = (cs_cluster *)1;
	char err[CS_ERRLEN] = "";
	cr_expect_eq(scale_small(text, &c, err), -CS_EINVAL, "'%s' was accepted", text);
	cr_expect_null(c);
	cr_expect(strncmp(err, "--scale: ", 9) == 0, "'%s': %s", text, err);
	cr_expect(strstr(err, want), "'%s': '%s' should contain '%s'", text, err, want);
}

Test(cluster_scale, refuses_an_unknown_type_an_empty_partition_and_bad_counts)
{
	expect_scale_error("h100=2,x100=2", "no node type 'x100' in cluster small-test");
	expect_scale_error("x100=2", "its node types: h100, p100, cpu");
	expect_scale_error("cpu=0", "partition 'cpu' would have no nodes (its node type cpu is scaled to 0) and its "
				   "jobs could never start: keep a node of it");
	expect_scale_error("h100=0,p100:=0", "partition 'gpu' would have no nodes (its node types h100, p100 are "
					     "all scaled to 0)");
	expect_scale_error("h100=0,p100=0,cpu=0", "every node type of cluster small-test is scaled to 0 nodes");
	expect_scale_error("h100=-5", "'h100=-5': -1 nodes of h100 (it has 4): a count must be 0 to 67108864");
	expect_scale_error("h100=1e9", "4000000000 nodes of h100 (it has 4)");
	expect_scale_error("h100:=67108865", "67108865 nodes of h100");
}

/* ---- capsim cluster show --scale ------------------------------------------- */

Test(cluster_scale, cluster_show_prints_the_scaled_default)
{
	char *out, *err;
	int rc = th_exec(ARGS("cluster", "show", "--scale", "h100=1.5,a100=0"), &out, &err);
	cr_assert_eq(rc, 0, "%s", err);
	cr_expect_str_empty(err);
	/* h100 110 x 1.5 = 165; a100 gone, a100-4gpu (1 node) keeps partition a100:
	 * 165 + 1 + 48 + 32 + 64 = 310 nodes; cores 165 x 112 + 128 + 48 x 48 +
	 * 32 x 32 + 64 x 112 = 29104; GPUs 1320 + 4 + 384 + 128 = 1836; IT idle
	 * 165 x 2 + 1.1 + 48 x 0.35 + 32 x 0.6 + 64 x 0.25 = 383.1 kW. Fabric:
	 * leaves of 32 nodes, ceil(310 / 32) = 10; 320 uplinks, 5 spines. */
	cr_expect(strstr(out, "cluster national-ai-dc (<built-in>/national-ai-dc.yaml)\n"
			      "  scaled by --scale h100=1.5,a100=0: h100 110 -> 165, a100 99 -> 0 (removed)\n"
			      "  310 nodes, 29104 cores, 1836 GPUs (1320 H100-SXM5-80GB, 4 A100-SXM4-80GB, 384 T4, "
			      "128 Graphcore-Bow-IPU)"), "%s", out);
	cr_expect(strstr(out, "power: IT 383.1 kW idle"), "%s", out);
	cr_expect(strstr(out, "  h100         x165 "), "%s", out);
	cr_expect_null(strstr(out, "  a100         x"), "%s", out);
	cr_expect(strstr(out, "  a100         a100-4gpu  max time"), "%s", out);
	cr_expect(strstr(out, "leaf, radix 64, oversubscription 1.00: 10 switches, 32 nodes down each"), "%s", out);
	cr_expect(strstr(out, "spine, radix 64, oversubscription 1.00: 5 switches, 64 ports down each"), "%s", out);
	free(out);
	free(err);

	rc = th_exec(ARGS("cluster", "show", "--json", "--scale", "h100=2"), &out, &err);
	cr_assert_eq(rc, 0, "%s", err);
	json_error_t je;
	json_t *root = json_loads(out, 0, &je);
	cr_assert_not_null(root, "line %d: %s", je.line, je.text);
	json_t *sc = json_object_get(root, "scale"), *h = json_array_get(json_object_get(sc, "node_types"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(sc, "spec")), "h100=2");
	cr_expect_str_eq(json_string_value(json_object_get(h, "name")), "h100");
	cr_expect_eq(json_integer_value(json_object_get(h, "count_before")), 110);
	cr_expect_eq(json_integer_value(json_object_get(h, "count")), 220);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(root, "totals"), "nodes")), 464);
	json_decref(root);
	free(out);
	free(err);

	/* not scaled: "scale" is null */
	rc = th_exec(ARGS("cluster", "show", "--json"), &out, &err);
	cr_assert_eq(rc, 0, "%s", err);
	root = json_loads(out, 0, &je);
	cr_assert_not_null(root);
	cr_expect(json_is_null(json_object_get(root, "scale")));
	json_decref(root);
	free(out);
	free(err);
}

Test(cluster_scale, cluster_show_refuses_a_bad_spec_with_exit_2)
{
	th_expect_usage_error(ARGS("cluster", "show", "--scale", "h100=-1.5"),
			      "--scale: 'h100=-1.5': '-1.5' is not a whole number of nodes to add or remove");
	th_expect_usage_error(ARGS("cluster", "show", "--scale", "h200=2"),
			      "--scale: no node type 'h200' in cluster national-ai-dc");
	th_expect_usage_error(ARGS("cluster", "show", "--scale", "t4=0"), "--scale: partition 't4' would have no nodes");
}

Test(cluster_scale, cluster_show_scales_a_slurm_conf)
{
	char conf[4096];
	snprintf(conf, sizeof conf, "%s/tests/data/slurm/site/slurm.conf", th_root());
	char *out, *err;
	int rc = th_exec(ARGS("cluster", "show", conf, "--scale", "cpu001..cpu008=0.5"), &out, &err);
	cr_assert_eq(rc, 0, "%s", err);
	cr_expect(strstr(out, "scaled by --scale cpu001..cpu008=0.5: cpu001..cpu008 8 -> 4\n"
			      "  8 nodes, 960 cores, 32 GPUs"), "%s", out);
	free(out);
	free(err);
}

/* ---- runs ------------------------------------------------------------------ */

/* Two GPU nodes types' worth of contention: g (4 GPUs, 8 cores) and c (16
 * cores), under a fabric of 4-node leaves (radix 8, oversubscription 1). */
static const char scale_yaml[] =
	"name: sc\n"
	"site: {pue: 1.2}\n"
	"node_types:\n"
	"  - name: g\n"
	"    count: %d\n"
	"    topology: \"pack:2 core:4 pu:1\"\n"
	"    memory_gib: 64\n"
	"    gpus: {model: H100-SXM5-80GB, count: 4, per_package: 2}\n"
	"    power_w: {idle: 100, peak: 500}\n"
	"  - name: c\n"
	"    count: %d\n"
	"    topology: \"pack:1 core:16 pu:1\"\n"
	"    memory_gib: 64\n"
	"    power_w: {idle: 50, peak: 250}\n"
	"partitions:\n"
	"  - {name: gpu, node_types: [g]}\n"
	"  - {name: cpu, node_types: [c]}\n"
	"fabric:\n"
	"  levels:\n"
	"    - {name: leaf, radix: 8, oversubscription: 1}\n"
	"    - {name: spine, radix: 8, oversubscription: 1}\n";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

/* 60 jobs that contend for both partitions, some held to one leaf switch. */
static void write_jobs(const char *path)
{
	char buf[16384];
	size_t k = (size_t)snprintf(buf, sizeof buf, "id,project,user,submit,nodes,gpus_per_node,cores_per_node,"
				    "mem_per_node,time_limit,runtime,qos,partition,state,topology\n");
	for (int i = 0; i < 60; i++) {
		int gpu = i % 3 != 2, nodes = 1 + (i * 7) % 4, run = 300 + (i * 131) % 2000;
		k += (size_t)snprintf(buf + k, sizeof buf - k, "%d,p%d,u%d,%d,%d,%d,%d,0,%d,%d,,%s,COMPLETED,%s\n",
				      i + 1, i % 5, i % 7, i * 60, gpu ? nodes : 1 + nodes % 2, gpu ? 1 + i % 4 : 0,
				      gpu ? 2 : 4 + i % 12, run + 100, run, gpu ? "gpu" : "cpu",
				      i % 4 == 0 ? "leaf" : "");
	}
	write_file(path, buf);
}

static void run_case(const char *dir, const char *name, const char *cluster, const char *scale)
{
	char w[600], od[600];
	th_in(w, sizeof w, dir, "w.csv");
	th_in(od, sizeof od, dir, name);
	const char *args[16] = { "run", "--workload", w, "--cluster", cluster, "--out", od, "--no-progress",
				 "--fit", "topo" };
	size_t n = 10;
	if (scale) {
		args[n++] = "--scale";
		args[n++] = scale;
	}
	args[n] = NULL;
	char *out, *err;
	cr_assert_eq(th_exec(args, &out, &err), 0, "%s", err);
	free(out);
	free(err);
}

static const char *const csv_files[] = { "jobs.csv", "batsim_jobs.csv", "timeseries.csv", "projects.csv",
					 "occupancy.csv" };

Test(cluster_scale, a_run_at_scale_2_is_a_run_on_the_doubled_config)
{
	char dir[] = "/tmp/capsim-scale-XXXXXX", y1[600], y2[600], text[2048];
	th_mkdtemp(dir);
	th_in(y1, sizeof y1, dir, "c.yaml");
	th_in(y2, sizeof y2, dir, "c2.yaml");
	snprintf(text, sizeof text, scale_yaml, 3, 2);
	write_file(y1, text);
	snprintf(text, sizeof text, scale_yaml, 6, 4);
	write_file(y2, text);
	char w[600];
	th_in(w, sizeof w, dir, "w.csv");
	write_jobs(w);
	run_case(dir, "scaled", y1, "g=2,c=2");
	run_case(dir, "doubled", y2, NULL);
	run_case(dir, "base", y1, NULL);
	run_case(dir, "one", y1, "g=1,c:=2");
	char a[700], b[700], c[700], d[700];
	th_in(a, sizeof a, dir, "scaled");
	th_in(b, sizeof b, dir, "doubled");
	th_in(c, sizeof c, dir, "base");
	th_in(d, sizeof d, dir, "one");
	for (size_t i = 0; i < sizeof csv_files / sizeof *csv_files; i++) {
		th_expect_same_file(a, b, csv_files[i]);
		th_expect_same_file(c, d, csv_files[i]);
	}
	/* and doubling changed the schedule: the base run has waits the scaled one has not */
	char p1[800], p2[800];
	th_in(p1, sizeof p1, a, "jobs.csv");
	th_in(p2, sizeof p2, c, "jobs.csv");
	char *j1 = th_slurp(p1, NULL), *j2 = th_slurp(p2, NULL);
	cr_assert(j1 && j2);
	cr_expect_str_neq(j1, j2);
	free(j1);
	free(j2);
	/* summary.json records the spec, canonical, and the command repeats it */
	th_in(p1, sizeof p1, a, "summary.json");
	json_error_t je;
	json_t *s = json_load_file(p1, 0, &je);
	cr_assert_not_null(s, "%s", je.text);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(s, "machine"), "scale")), "g=2,c=2");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(s, "machine"), "nodes")), 10);
	json_t *in = json_object_get(json_object_get(s, "recorder"), "inputs");
	if (!in)
		in = json_object_get(s, "inputs");
	cr_expect_str_eq(json_string_value(json_object_get(in, "scale")), "g=2,c=2");
	cr_expect(strstr(json_string_value(json_object_get(in, "command")), " --scale 'g=2,c=2'"));
	json_decref(s);
	th_in(p1, sizeof p1, c, "summary.json");
	s = json_load_file(p1, 0, &je);
	cr_assert_not_null(s, "%s", je.text);
	cr_expect(json_is_null(json_object_get(json_object_get(s, "machine"), "scale")));
	json_decref(s);
	/* the report's summary table says so too (only when scaled) */
	th_in(p1, sizeof p1, a, "report.html");
	th_in(p2, sizeof p2, c, "report.html");
	j1 = th_slurp(p1, NULL), j2 = th_slurp(p2, NULL);
	cr_assert(j1 && j2);
	cr_expect(strstr(j1, "<tr><th>cluster scaled by --scale</th><td>g=2,c=2</td></tr>"));
	cr_expect_null(strstr(j2, "cluster scaled by"));
	free(j1);
	free(j2);
	char cmd[800];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

Test(cluster_scale, the_library_path_runs_the_scaled_cluster)
{
	/* cs_run with opts.scale: the machine has the scaled counts */
	char yaml[2048];
	snprintf(yaml, sizeof yaml, scale_yaml, 3, 2);
	cs_cluster_scale_spec s = parse_ok("g:=8,c=-1");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.scale = &s;
	cs_run_result r;
	th_run_on(yaml, TH_CSV_HDR "1,p,u,0,8,4,1,0,100,50,,gpu,COMPLETED\n", ".csv", &o, &r);
	cr_expect_eq(r.machine.nodes, 9);
	cr_expect_eq(r.machine.gpus, 32);
	cr_expect_eq(th_start(&r, 1), 0); /* 8 nodes of g: only on the scaled cluster */
	cs_run_result_free(&r);
}

Test(cluster_scale, run_refuses_scale_on_a_workloads_own_machine)
{
	char swf[4096];
	snprintf(swf, sizeof swf, "%s/configs/traces/KTH-SP2-1996-2.swf.gz", th_root());
	th_expect_usage_error(ARGS("run", "--workload", swf, "--scale", "h100=2"),
			      "--scale scales a cluster config's node types");
	th_expect_usage_error(ARGS("run", "--workload", swf, "--scale", "h100=2", "--scale", "a100=1"),
			      "--scale: given twice");
	th_expect_usage_error(ARGS("run", "--workload", swf, "--scale", "h100"), "--scale: 'h100': no '='");
	th_expect_usage_error(ARGS("run", "--workload", swf, "--cluster", "default", "--scale", "v100=2"),
			      "--scale: no node type 'v100' in cluster national-ai-dc");
}

/* workload stats --scale: the offered load is measured against the scaled
 * cluster. Two jobs of 11 nodes x 8 H100 for a day each over a one-day
 * span: 4224 GPU-hours; 880 H100 offer 21120 GPU-hours a day (load 0.2),
 * 1760 at h100=2 twice that (0.1). */
static double h100_load(const char *const *args, const char **scale)
{
	char *out, *err;
	int rc = th_exec(args, &out, &err);
	cr_assert_eq(rc, 0, "%s", err);
	json_error_t je;
	json_t *root = json_loads(out, 0, &je);
	cr_assert_not_null(root, "%s", je.text);
	json_t *p = json_array_get(json_object_get(root, "partitions"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(p, "name")), "h100");
	double load = json_real_value(json_object_get(p, "load"));
	json_t *sc = json_object_get(root, "cluster_scale");
	*scale = json_is_string(sc) ? strdup(json_string_value(sc)) : NULL;
	json_decref(root);
	free(out);
	free(err);
	return load;
}

Test(cluster_scale, workload_stats_measures_the_load_against_the_scaled_cluster)
{
	char *w = th_write_tmp(TH_CSV_HDR "1,p,u,0,11,8,0,0,86400,86400,,h100,COMPLETED\n"
					  "2,p,u,86400,11,8,0,0,86400,86400,,h100,COMPLETED\n", ".csv");
	const char *scale;
	NEAR(h100_load(ARGS("workload", "stats", w, "--json"), &scale), 0.2);
	cr_expect_null(scale);
	NEAR(h100_load(ARGS("workload", "stats", w, "--json", "--scale", "h100=2"), &scale), 0.1);
	cr_expect_str_eq(scale, "h100=2");
	free((char *)scale);
	th_expect_usage_error(ARGS("workload", "stats", w, "--scale", "h100=2,"), "--scale: 'h100=2,': part 2 is empty");
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("workload", "stats", w, "--scale", "h100:=220"), &out, &err), 0, "%s", err);
	cr_expect(strstr(out, "offered load against cluster national-ai-dc scaled by --scale h100:=220\n"), "%s", out);
	free(out);
	free(err);
	th_unlink(w);
}
