/* The cluster model: configs/clusters/small-test.yaml and one defect per bad config. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/cluster.h"
#include "helpers.h"

static cs_cluster *load_small(void)
{
	char path[4096], err[CS_ERRLEN] = "";
	snprintf(path, sizeof path, "%s/configs/clusters/small-test.yaml", th_root());
	cs_cluster *c = NULL;
	int rc = cs_cluster_load(&c, path, err, sizeof err);
	cr_assert_eq(rc, 0, "cs_cluster_load(%s): %s", path, err);
	cr_assert_not_null(c);
	return c;
}

#define NEAR(a, b) cr_expect(fabs((a) - (b)) < 1e-6, "%s = %.9g, expected %.9g", #a, (double)(a), (double)(b))

Test(cluster, small_test_totals_equal_the_figures_computed_by_hand)
{
	cs_cluster *c = load_small();
	const cs_cluster_totals *t = cs_cluster_totals_of(c);
	cr_expect_str_eq(cs_cluster_name(c), "small-test");
	/* 4 h100 + 2 p100 + 2 cpu */
	cr_expect_eq(t->nodes, 8);
	/* h100 "pack:2 numa:2 core:8" = 32 cores, p100 XML = 8, cpu "pack:2 numa:2 core:16" = 64:
	 * 4 x 32 + 2 x 8 + 2 x 64 = 272 */
	cr_expect_eq(t->cores, 272);
	/* 4 x 4 H100 + 2 x 4 P100 (count from the XML) */
	cr_expect_eq(t->gpus, 24);
	cr_assert_eq(cs_cluster_ngpu_models(c), 2);
	cr_expect_str_eq(cs_cluster_gpu_model_at(c, 0)->model, "H100-SXM5-80GB");
	cr_expect_eq(cs_cluster_gpu_model_at(c, 0)->count, 16);
	cr_expect_str_eq(cs_cluster_gpu_model_at(c, 1)->model, "P100-SXM2-16GB");
	cr_expect_eq(cs_cluster_gpu_model_at(c, 1)->count, 8);
	/* 4 x 512 + 2 x 127.6 (the XML's, PROVENANCE rounds to 0.1) + 2 x 256 = 2815.2 GiB */
	cr_expect(fabs(t->memory_gib - 2815.2) < 0.2, "memory %.2f GiB", t->memory_gib);
	/* fp64: 16 x 34 + 8 x 5.3 GPU + (4 x 3.0 + 2 x 0.5 + 2 x 2.5) CPU = 544 + 42.4 + 18 = 604.4 TF */
	NEAR(t->peak_pflops[CS_PREC_FP64], 0.6044);
	/* fp64_tensor: 16 x 67 = 1072 TF (no CPU share outside fp64) */
	NEAR(t->peak_pflops[CS_PREC_FP64_TENSOR], 1.072);
	/* fp32: 16 x 67 + 8 x 10.6 = 1072 + 84.8 = 1156.8 TF */
	NEAR(t->peak_pflops[CS_PREC_FP32], 1.1568);
	/* fp16: 16 x 989.5 + 8 x 21.2 = 15832 + 169.6 = 16001.6 TF */
	NEAR(t->peak_pflops[CS_PREC_FP16], 16.0016);
	/* fp8: 16 x 1979 = 31664 TF; the P100 gives none */
	NEAR(t->peak_pflops[CS_PREC_FP8], 31.664);
	/* idle 4 x 1200 + 2 x 400 + 2 x 200 = 6000 W; peak 4 x 5600 + 2 x 2200 + 2 x 700 = 28200 W;
	 * x PUE 1.25: 7.5 and 35.25 kW */
	NEAR(t->idle_kw, 6.0);
	NEAR(t->peak_kw, 28.2);
	NEAR(t->facility_idle_kw, 7.5);
	NEAR(t->facility_peak_kw, 35.25);
	/* 2.0 + 0.5 PB; cost 4 x 250000 + 2 x 20000 + 2 x 15000 */
	NEAR(t->storage_pb, 2.5);
	NEAR(t->cost, 1070000);
	cs_cluster_free(c);
}

Test(cluster, small_test_keeps_what_each_section_says)
{
	cs_cluster *c = load_small();
	const cs_cluster_site *s = cs_cluster_site_info(c);
	NEAR(s->pue, 1.25);
	NEAR(s->power_cap_kw, 50);
	cr_expect_str_eq(s->currency, "EUR");

	cr_assert_eq(cs_cluster_nnode_types(c), 3);
	const cs_cluster_node_type *h = cs_cluster_node_type_at(c, 0), *p = cs_cluster_node_type_at(c, 1);
	cr_expect_str_eq(h->name, "h100");
	cr_expect(cs_topo_is_synthetic(h->topo));
	cr_expect_eq(h->gpus, 4);
	cr_expect_eq(h->gpus_per_package, 2);
	NEAR(h->gpu_peak_tflops[CS_PREC_TF32], 494.5);
	/* the XML is resolved relative to the config: configs/topologies/ */
	cr_expect_not(cs_topo_is_synthetic(p->topo));
	cr_expect(strstr(cs_topo_spec(p->topo), "configs/clusters/../topologies/power8-minsky-4xP100.xml"),
		  "%s", cs_topo_spec(p->topo));
	cr_expect_eq(cs_topo_ngpus(p->topo), 4);
	cr_expect_eq(p->gpus, 4);
	NEAR(p->memory_gib, (double)cs_topo_mem_bytes(p->topo) / (1024.0 * 1024 * 1024));
	cr_expect_eq(cs_cluster_node_type_find(c, "cpu"), 2);
	cr_expect_eq(cs_cluster_node_type_find(c, "nope"), -1);
	cr_expect_null(cs_cluster_node_type_at(c, 3));

	cr_assert_eq(cs_cluster_npartitions(c), 3);
	const cs_cluster_partition *g = cs_cluster_partition_at(c, 0), *all = cs_cluster_partition_at(c, 2);
	cr_expect_str_eq(g->name, "gpu");
	cr_expect_eq(g->nnode_types, 2);
	cr_expect_eq(g->node_types[1], 1);
	cr_expect_eq(g->max_time_s, 86400);
	cr_expect_eq(g->max_nodes, 4);
	cr_expect_eq(all->nnode_types, 3);
	cr_expect_eq(all->max_time_s, 0);

	cr_assert_eq(cs_cluster_nfabric_levels(c), 2);
	cr_expect_str_eq(cs_cluster_fabric_level_at(c, 0)->name, "leaf");
	cr_expect_eq(cs_cluster_fabric_level_at(c, 1)->radix, 64);
	NEAR(cs_cluster_fabric_level_at(c, 0)->oversubscription, 2);
	cr_expect_eq(cs_cluster_fabric_block_nodes(c), 4);
	cr_assert_eq(cs_cluster_nstorage(c), 2);
	cr_expect_str_eq(cs_cluster_storage_at(c, 1)->name, "home");
	NEAR(cs_cluster_storage_at(c, 0)->bandwidth_gbs, 400);
	cs_cluster_free(c);
}

/* ---- one defect per config ------------------------------------------------ */

/* A valid config; each test below changes one line. Lines:
 *  1 name        4 - name: gpu     7 power_w
 *  2 site        5 count           8 partitions:
 *  3 node_types: 6 topology        9 - name: p, 10 node_types: [gpu] */
#define GOOD                                      \
	"name: t\n"                               \
	"site: {pue: 1.2}\n"                      \
	"node_types:\n"                           \
	"  - name: gpu\n"                         \
	"    count: 2\n"                          \
	"    topology: \"pack:1 core:4 pu:1\"\n"  \
	"    power_w: {idle: 100, peak: 300}\n"   \
	"partitions:\n"                           \
	"  - name: p\n"                           \
	"    node_types: [gpu]\n"

/* Replace the first `from` in GOOD by `to`, load it, and check that the
 * error starts with "FILE:" + prefix and contains `also` (may be NULL). */
static void expect_error(const char *from, const char *to, int code, const char *prefix, const char *also)
{
	char text[2048];
	const char *at = strstr(GOOD, from);
	cr_assert_not_null(at, "'%s' not in GOOD", from);
	snprintf(text, sizeof text, "%.*s%s%s", (int)(at - GOOD), GOOD, to, at + strlen(from));
	char *path = th_write_tmp(text, ".yaml");
	char err[CS_ERRLEN] = "", want[CS_ERRLEN];
	cs_cluster *c = (cs_cluster *)&err; /* must be reset to NULL on error */
	int rc = cs_cluster_load(&c, path, err, sizeof err);
	snprintf(want, sizeof want, "%s:%s", path, prefix);
	cr_expect_eq(rc, -code, "rc %d, expected %d: %s", rc, -code, err);
	cr_expect_null(c);
	cr_expect(strncmp(err, want, strlen(want)) == 0, "got:      %s\nexpected: %s...", err, want);
	cr_expect(!also || strstr(err, also), "'%s' not in: %s", also, err);
	cr_expect_null(strchr(err, '\n'), "one line: %s", err);
	th_unlink(path);
}

Test(cluster, the_good_base_config_loads)
{
	char *path = th_write_tmp(GOOD, ".yaml");
	char err[CS_ERRLEN] = "";
	cs_cluster *c = NULL;
	cr_assert_eq(cs_cluster_load(&c, path, err, sizeof err), 0, "%s", err);
	cr_expect_eq(cs_cluster_totals_of(c)->cores, 8);
	cr_expect_eq(cs_cluster_totals_of(c)->gpus, 0);
	cs_cluster_free(c);
	th_unlink(path);
}

Test(cluster, an_unknown_key_is_reported_at_the_key)
{
	expect_error("count: 2", "cuont: 2", CS_EPARSE, "5:5: node_types[0].cuont: unknown key", "expected one of");
}

Test(cluster, a_string_where_an_integer_is_expected_is_a_type_error)
{
	expect_error("count: 2", "count: two", CS_EPARSE, "5:12: node_types[0].count: expected an integer", NULL);
}

Test(cluster, a_mapping_where_a_list_is_expected_is_a_type_error)
{
	expect_error("node_types: [gpu]", "node_types: {gpu: 1}", CS_EPARSE,
		     "10:18: partitions[0].node_types: expected a list, got a mapping", NULL);
}

Test(cluster, a_negative_count_is_an_impossible_value)
{
	expect_error("count: 2", "count: -2", CS_EINVAL, "5:12: node_types[0].count: must be >= 1", NULL);
}

Test(cluster, a_pue_below_one_is_an_impossible_value)
{
	expect_error("pue: 1.2", "pue: 0.9", CS_EINVAL, "2:13: site.pue: must be >= 1", NULL);
}

Test(cluster, a_missing_key_is_reported_at_its_mapping)
{
	expect_error("    count: 2\n", "", CS_EPARSE, "4:5: node_types[0].count: missing required key", NULL);
}

Test(cluster, a_duplicate_node_type_name_points_at_the_second)
{
	expect_error("partitions:", "  - {name: gpu, count: 1, topology: \"pack:1 core:2 pu:1\", "
				     "power_w: {idle: 1, peak: 2}}\npartitions:",
		     CS_EINVAL, "8:12: node_types[1].name: duplicate node type name 'gpu' (first at line 4)", NULL);
}

Test(cluster, a_partition_naming_an_unknown_node_type_points_at_the_name)
{
	expect_error("[gpu]", "[gpu, gpx]", CS_EINVAL, "10:23: partitions[0].node_types[1]: unknown node type 'gpx'",
		     "expected one of: gpu");
}

Test(cluster, a_missing_xml_is_an_io_error_resolved_next_to_the_config)
{
	/* the config is in /tmp, so the relative XML is looked for there */
	expect_error("\"pack:1 core:4 pu:1\"", "nosuch-topology.xml", CS_EIO,
		     "6:15: node_types[0].topology: /tmp/nosuch-topology.xml: cannot open", NULL);
}

Test(cluster, an_xml_hwloc_rejects_gives_the_topology_reason)
{
	char *xml = th_write_tmp("<topology>this is not hwloc\n", ".xml");
	char to[256];
	snprintf(to, sizeof to, "%s", xml);
	expect_error("\"pack:1 core:4 pu:1\"", to, CS_EPARSE, "6:15: node_types[0].topology: ", "hwloc rejects this XML");
	th_unlink(xml);
}

Test(cluster, an_xml_gpu_count_that_disagrees_with_the_xml_is_an_error)
{
	char to[4096];
	snprintf(to, sizeof to, "%s/configs/topologies/power8-minsky-4xP100.xml\n    gpus: {model: P100, count: 2}",
		 th_root());
	expect_error("\"pack:1 core:4 pu:1\"", to, CS_EINVAL, "7:32: node_types[0].gpus.count: 2 GPUs, but", "has 4");
}

Test(cluster, idle_power_above_peak_is_reported_at_peak)
{
	expect_error("idle: 100", "idle: 500", CS_EINVAL,
		     "7:32: node_types[0].power_w.peak: peak 300 W is below idle 500 W", NULL);
}

Test(cluster, a_yaml_syntax_error_gives_libfyamls_position)
{
	/* the unclosed flow sequence is noticed at the end of the stream, line 11 */
	expect_error("[gpu]", "[gpu", CS_EPARSE, "11:1: YAML syntax error: flow sequence without a closing bracket",
		     NULL);
}

Test(cluster, a_duplicate_key_is_a_yaml_error)
{
	expect_error("    count: 2\n", "    count: 2\n    count: 3\n", CS_EPARSE, "6:5: YAML syntax error: duplicate key",
		     NULL);
}

Test(cluster, a_missing_config_is_an_io_error)
{
	char err[CS_ERRLEN] = "";
	cs_cluster *c = NULL;
	cr_expect_eq(cs_cluster_load(&c, "/nonexistent/cluster.yaml", err, sizeof err), -CS_EIO);
	cr_expect_null(c);
	cr_expect_str_eq(err, "/nonexistent/cluster.yaml: cannot open: No such file or directory");
}
