/* The cluster model: configs/clusters/small-test.yaml, the default data-centre
 * config (on disk and built in), the other shipped configs, one defect per bad
 * config, and `capsim cluster show`. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsim/cluster.h"
#include "capsim/accounts.h"
#include "capsim/gen.h"
#include "helpers.h"

/* configs/clusters/NAME.yaml */
static cs_cluster *load_config(const char *name)
{
	char path[4096], err[CS_ERRLEN] = "";
	snprintf(path, sizeof path, "%s/configs/clusters/%s.yaml", th_root(), name);
	cs_cluster *c = NULL;
	int rc = cs_cluster_load(&c, path, err, sizeof err);
	cr_assert_eq(rc, 0, "cs_cluster_load(%s): %s", path, err);
	cr_assert_not_null(c);
	return c;
}

static cs_cluster *load_small(void) { return load_config("small-test"); }

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
	NEAR(s->power_cap_kw, 0);
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
	expect_error("\"pack:1 core:4 pu:1\"", to, CS_EPARSE, "6:15: node_types[0].topology: ",
		     "expected an hwloc XML export");
	th_unlink(xml);
}

Test(cluster, an_xml_gpu_count_that_disagrees_with_the_xml_is_an_error)
{
	char to[4096];
	snprintf(to, sizeof to, "%s/configs/topologies/power8-minsky-4xP100.xml\n    gpus: {model: P100, count: 2}",
		 th_root());
	expect_error("\"pack:1 core:4 pu:1\"", to, CS_EINVAL, "7:32: node_types[0].gpus.count: 2 GPUs, but", "has 4");
}

Test(cluster, an_unknown_gpu_vendor_is_an_impossible_value)
{
	expect_error("    power_w", "    gpus: {model: X1, vendor: nvdia, count: 1}\n    power_w", CS_EINVAL,
		     "7:31: node_types[0].gpus.vendor: 'nvdia' is not one of nvidia amd intel graphcore habana other",
		     NULL);
}

/* The vendor a node type's GPUs get when the config does not say:
 * the XML's PCI vendor, else the model name's words, else nvidia. */
Test(cluster, a_gpu_vendor_comes_from_the_key_the_xml_or_the_model_name)
{
	static const struct { const char *model, *vendor; } by_name[] = {
		{ "H100-SXM5-80GB", "nvidia" },	    { "T4", "nvidia" },		   { "gpu", "nvidia" },
		{ "Graphcore-Bow-IPU", "graphcore" }, { "GC200 IPU", "graphcore" },  { "MI250X", "amd" },
		{ "AMD Instinct MI300X", "amd" },   { "Gaudi2", "habana" },	   { "Intel Data Center GPU Max 1550 (PVC)", "intel" },
		{ "Google TPU v4", "other" },	    { "Tesla V100-SXM2-32GB", "nvidia" }, { "mi", "nvidia" },
	};
	char text[4096], err[CS_ERRLEN];
	for (size_t i = 0; i < sizeof by_name / sizeof by_name[0]; i++) {
		snprintf(text, sizeof text,
			 "name: t\nsite: {pue: 1}\nnode_types:\n"
			 "  - {name: a, count: 1, topology: \"pack:1 core:4 pu:1\", gpus: {model: \"%s\", count: 2},"
			 " power_w: {idle: 1, peak: 2}}\n"
			 "partitions: [{name: p, node_types: [a]}]\n",
			 by_name[i].model);
		cs_cluster *c = NULL;
		cr_assert_eq(cs_cluster_load_text(&c, text, strlen(text), "t.yaml", NULL, err, sizeof err), 0, "%s", err);
		cr_expect_str_eq(cs_cluster_node_type_at(c, 0)->gpu_vendor, by_name[i].vendor, "model %s",
				 by_name[i].model);
		cs_cluster_free(c);
	}
	/* the key wins over the name; a node type without GPUs has no vendor */
	snprintf(text, sizeof text,
		 "name: t\nsite: {pue: 1}\nnode_types:\n"
		 "  - {name: a, count: 1, topology: \"pack:1 core:4 pu:1\", gpus: {model: X, vendor: amd, count: 2},"
		 " power_w: {idle: 1, peak: 2}}\n"
		 "  - {name: b, count: 1, topology: \"pack:1 core:4 pu:1\", power_w: {idle: 1, peak: 2}}\n"
		 "partitions: [{name: p, node_types: [a, b]}]\n");
	cs_cluster *c = NULL;
	cr_assert_eq(cs_cluster_load_text(&c, text, strlen(text), "t.yaml", NULL, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(cs_cluster_node_type_at(c, 0)->gpu_vendor, "amd");
	cr_expect_str_eq(cs_cluster_node_type_at(c, 1)->gpu_vendor, "");
	cs_cluster_free(c);
	/* small-test's P100s: the XML's PCI vendor 10de; the default config's IPUs say graphcore */
	c = load_small();
	cr_expect_str_eq(cs_cluster_node_type_at(c, 1)->gpu_vendor, "nvidia");
	cs_cluster_free(c);
	cr_assert_eq(cs_cluster_load_default(&c, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(cs_cluster_node_type_at(c, cs_cluster_node_type_find(c, "ipu"))->gpu_vendor, "graphcore");
	cr_expect_str_eq(cs_cluster_node_type_at(c, cs_cluster_node_type_find(c, "t4"))->gpu_vendor, "nvidia");
	cs_cluster_free(c);
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

/* ---- the default cluster: the national AI data centre ---------------------- */

/* GPUs of the model named `model` in c, or -1. */
static int64_t gpus_of(const cs_cluster *c, const char *model)
{
	for (int i = 0; i < cs_cluster_ngpu_models(c); i++)
		if (strcmp(cs_cluster_gpu_model_at(c, i)->model, model) == 0)
			return cs_cluster_gpu_model_at(c, i)->count;
	return -1;
}

/* The figures of configs/clusters/national-ai-dc.yaml, worked out by hand. */
static void expect_national_ai_dc_totals(const cs_cluster *c)
{
	const cs_cluster_totals *t = cs_cluster_totals_of(c);
	cr_expect_str_eq(cs_cluster_name(c), "national-ai-dc");
	/* h100 110 + a100 99 + a100-4gpu 1 + t4 48 + ipu 32 + cpu 64 = 354 */
	cr_expect_eq(t->nodes, 354);
	/* 110 x 112 + 100 x 128 + 48 x 48 + 32 x 32 + 64 x 112
	 * = 12320 + 12800 + 2304 + 1024 + 7168 = 35616 */
	cr_expect_eq(t->cores, 35616);
	/* the published counts: 880 H100, 796 A100 (99 x 8 + 1 x 4), 384 T4 (48 x 8), 128 IPU (32 x 4) */
	cr_assert_eq(cs_cluster_ngpu_models(c), 4);
	cr_expect_eq(gpus_of(c, "H100-SXM5-80GB"), 880);
	cr_expect_eq(gpus_of(c, "A100-SXM4-80GB"), 796);
	cr_expect_eq(gpus_of(c, "T4"), 384);
	cr_expect_eq(gpus_of(c, "Graphcore-Bow-IPU"), 128);
	cr_expect_eq(t->gpus, 880 + 796 + 384 + 128);
	/* the published 107 PB: 7 + 60 + 40 */
	NEAR(t->storage_pb, 107);
	/* 110 x 2048 + 100 x 1024 + 48 x 384 + 32 x 512 + 64 x 512 = 395264 GiB */
	NEAR(t->memory_gib, 395264);
	/* fp64, GPUs: 880 x 34 + 796 x 9.7 + 384 x 0.2544 = 29920 + 7721.2 + 97.6896 = 37738.8896 TF;
	 * CPUs: 110 x 7.168 + 100 x 4.608 + 48 x 3.84 + 64 x 7.168
	 *     = 788.48 + 460.8 + 184.32 + 458.752 = 1892.352 TF; sum 39631.2416 TF */
	NEAR(t->peak_pflops[CS_PREC_FP64], 39.6312416);
	/* fp64_tensor: 880 x 67 + 796 x 19.5 = 58960 + 15522 = 74482 TF (T4 and IPU have none) */
	NEAR(t->peak_pflops[CS_PREC_FP64_TENSOR], 74.482);
	/* fp32, the precision that reproduces the published 88.5 PF:
	 * 58960 + 15522 + 384 x 8.1 + 128 x 87.5 = 58960 + 15522 + 3110.4 + 11200 = 88792.4 TF */
	NEAR(t->peak_pflops[CS_PREC_FP32], 88.7924);
	cr_expect(fabs(t->peak_pflops[CS_PREC_FP32] / 88.5 - 1) < 0.005, "fp32 %.3f PF is not within 0.5 %% of 88.5",
		  t->peak_pflops[CS_PREC_FP32]);
	/* tf32: 880 x 494.5 + 796 x 156 = 435160 + 124176 = 559336 TF */
	NEAR(t->peak_pflops[CS_PREC_TF32], 559.336);
	/* bf16: 880 x 989.5 + 796 x 312 = 870760 + 248352 = 1119112 TF */
	NEAR(t->peak_pflops[CS_PREC_BF16], 1119.112);
	/* fp16: bf16's + 384 x 65 (T4) + 128 x 350 (IPU) = 1119112 + 24960 + 44800 = 1188872 TF */
	NEAR(t->peak_pflops[CS_PREC_FP16], 1188.872);
	/* fp8: 880 x 1979 = 1741520 TF */
	NEAR(t->peak_pflops[CS_PREC_FP8], 1741.52);
	/* idle 110 x 2000 + 99 x 1500 + 1100 + 48 x 350 + 32 x 600 + 64 x 250 = 421600 W;
	 * peak 110 x 10200 + 99 x 6500 + 4900 + 48 x 1200 + 32 x 2000 + 64 x 1000 = 1956000 W; x PUE 1.3 */
	NEAR(t->idle_kw, 421.6);
	NEAR(t->peak_kw, 1956.0);
	NEAR(t->facility_idle_kw, 548.08);
	NEAR(t->facility_peak_kw, 2542.8);
}

Test(cluster, the_default_config_adds_up_to_the_published_counts)
{
	cs_cluster *c = load_config("national-ai-dc");
	expect_national_ai_dc_totals(c);
	/* the built-in default must need no file: only synthetic topologies */
	for (int i = 0; i < cs_cluster_nnode_types(c); i++)
		cr_expect(cs_topo_is_synthetic(cs_cluster_node_type_at(c, i)->topo), "%s",
			  cs_cluster_node_type_at(c, i)->name);
	const cs_cluster_node_type *h = cs_cluster_node_type_at(c, cs_cluster_node_type_find(c, "h100"));
	cr_assert_not_null(h);
	cr_expect_eq(cs_topo_ncores(h->topo), 112);
	cr_expect_eq(h->gpus_per_package, 4);
	cs_cluster_free(c);
}

Test(cluster, the_built_in_default_is_the_config_on_disk)
{
	char path[4096], err[CS_ERRLEN] = "";
	snprintf(path, sizeof path, "%s/configs/clusters/national-ai-dc.yaml", th_root());
	size_t len = 0, file_len = 0;
	const char *text = cs_cluster_default_text(&len);
	char *file = th_slurp(path, &file_len);
	cr_assert_not_null(file);
	cr_expect_eq(len, file_len, "built in %zu bytes, on disk %zu: rebuild", len, file_len);
	cr_expect(len == file_len && memcmp(text, file, len) == 0, "the built-in text differs from %s", path);
	cr_expect_eq(text[len], '\0');
	free(file);

	cs_cluster *c = NULL, *d = load_config("national-ai-dc");
	cr_assert_eq(cs_cluster_load_default(&c, err, sizeof err), 0, "%s", err);
	expect_national_ai_dc_totals(c);
	cr_expect_str_eq(cs_cluster_path(c), CS_CLUSTER_DEFAULT_NAME);
	const cs_cluster_totals *a = cs_cluster_totals_of(c), *b = cs_cluster_totals_of(d);
	cr_expect_eq(a->nodes, b->nodes);
	cr_expect_eq(a->cores, b->cores);
	cr_expect_eq(a->gpus, b->gpus);
	for (int p = 0; p < CS_PREC_COUNT; p++)
		cr_expect_eq(a->peak_pflops[p], b->peak_pflops[p], "%s", cs_cluster_prec_name(p));
	cr_expect_eq(a->memory_gib, b->memory_gib);
	cr_expect_eq(a->storage_pb, b->storage_pb);
	cr_expect_eq(a->facility_peak_kw, b->facility_peak_kw);
	cr_expect_eq(cs_cluster_nnode_types(c), cs_cluster_nnode_types(d));
	cr_expect_eq(cs_cluster_npartitions(c), cs_cluster_npartitions(d));
	cs_cluster_free(c);
	cs_cluster_free(d);
}

Test(cluster, the_superpod_and_juwels_booster_configs_load)
{
	/* 4 scalable units of 32 DGX H100 minus one node (NVIDIA's RA, Table 7): 127 x 8 = 1016 GPUs */
	cs_cluster *c = load_config("h100-superpod");
	cr_expect_eq(cs_cluster_totals_of(c)->nodes, 127);
	cr_expect_eq(gpus_of(c, "H100-SXM5-80GB"), 1016);
	cr_expect_eq(cs_cluster_fabric_block_nodes(c), 32);
	/* fp8: 1016 x 1979 = 2010664 TF */
	NEAR(cs_cluster_totals_of(c)->peak_pflops[CS_PREC_FP8], 2010.664);
	cs_cluster_free(c);

	/* 936 nodes of the real JUWELS Booster XML (48 cores, 4 A100 from the XML) */
	c = load_config("juwels-booster-like");
	const cs_cluster_node_type *n = cs_cluster_node_type_at(c, 0);
	cr_expect_not(cs_topo_is_synthetic(n->topo));
	cr_expect_eq(n->gpus, 4);
	cr_expect_eq(cs_cluster_totals_of(c)->cores, 936 * 48);
	cr_expect_eq(gpus_of(c, "A100-SXM4-40GB"), 3744);
	/* fp64_tensor: 3744 x 19.5 = 73008 TF */
	NEAR(cs_cluster_totals_of(c)->peak_pflops[CS_PREC_FP64_TENSOR], 73.008);
	cs_cluster_free(c);
}

Test(cluster, text_is_named_in_errors_and_resolves_topologies_against_base_dir)
{
	char err[CS_ERRLEN] = "", dir[4096];
	cs_cluster *c = (cs_cluster *)&err;
	const char bad[] = "name: t\nsite: {pue: 0.5}\n";
	cr_expect_eq(cs_cluster_load_text(&c, bad, strlen(bad), "inline.yaml", NULL, err, sizeof err), -CS_EINVAL);
	cr_expect_null(c);
	cr_expect(strncmp(err, "inline.yaml:2:13: site.pue: must be >= 1", 40) == 0, "%s", err);
	/* text need not be NUL-terminated: only len bytes are read */
	const char good[] = "name: t\nsite: {pue: 1}\nnode_types:\n"
			    "  - {name: p, count: 1, topology: power8-minsky-4xP100.xml, power_w: {idle: 1, peak: 2}}\n"
			    "partitions: [{name: all, node_types: [p]}]\nXXX";
	snprintf(dir, sizeof dir, "%s/configs/topologies", th_root());
	cr_assert_eq(cs_cluster_load_text(&c, good, strlen(good) - 3, "inline.yaml", dir, err, sizeof err), 0, "%s",
		     err);
	cr_expect_eq(cs_cluster_totals_of(c)->gpus, 4);
	cr_expect_str_eq(cs_cluster_path(c), "inline.yaml");
	cs_cluster_free(c);
}

Test(cluster, the_layout_line_says_where_gpus_sit_and_how_they_are_linked)
{
	char line[512];
	cs_cluster *c = load_small();
	cs_cluster_node_layout(cs_cluster_node_type_at(c, 0), line, sizeof line);
	cr_expect_str_eq(line, "2 packages, 2x16 cores, 4 NUMA domains, 4 GPUs: 2 per package, declared in the config "
			       "(synthetic topology)");
	/* Minsky: NVLink pairs GPU0-GPU1 and GPU2-GPU3 only */
	cs_cluster_node_layout(cs_cluster_node_type_at(c, 1), line, sizeof line);
	cr_expect_str_eq(line, "2 packages, 2x4 cores, 2 NUMA domains, 4 GPUs: 2 per package, NVLinkBandwidth "
			       "between 2 of 6 GPU pairs, 40.0 GB/s per pair");
	cs_cluster_node_layout(cs_cluster_node_type_at(c, 2), line, sizeof line);
	cr_expect_str_eq(line, "2 packages, 2x32 cores, 4 NUMA domains, no GPUs");
	/* a short buffer is cut, not overrun */
	cs_cluster_node_layout(cs_cluster_node_type_at(c, 1), line, 12);
	cr_expect_str_eq(line, "2 packages,");
	cs_cluster_free(c);
}

/* ---- `capsim cluster show` ------------------------------------------------- */

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

Test(cluster, show_without_a_config_shows_the_built_in_default)
{
	char *out, *err;
	int rc = th_exec(ARGS("cluster", "show"), &out, &err);
	cr_assert_eq(rc, 0, "%s", err);
	cr_expect_str_empty(err);
	cr_expect(strstr(out, "cluster national-ai-dc (<built-in>/national-ai-dc.yaml)"), "%s", out);
	cr_expect(strstr(out, "354 nodes, 35616 cores, 2188 GPUs (880 H100-SXM5-80GB, 796 A100-SXM4-80GB, 384 T4, "
			      "128 Graphcore-Bow-IPU), 386.0 TiB memory, 107.00 PB storage"), "%s", out);
	cr_expect(strstr(out, "fp32 88.792"), "%s", out);
	cr_expect(strstr(out, "2 packages, 2x56 cores, 4 NUMA domains, 8 GPUs: 4 per package"), "%s", out);
	free(out);
	free(err);
}

Test(cluster, show_json_is_one_object_with_the_totals)
{
	char *out, *err;
	int rc = th_exec(ARGS("cluster", "show", "--json"), &out, &err);
	cr_assert_eq(rc, 0, "%s", err);
	json_error_t je;
	json_t *root = json_loads(out, 0, &je);
	cr_assert_not_null(root, "line %d: %s", je.line, je.text);
	json_t *t = json_object_get(root, "totals"), *by = json_object_get(t, "gpus_by_model");
	cr_expect_str_eq(json_string_value(json_object_get(root, "name")), "national-ai-dc");
	cr_expect_eq(json_integer_value(json_object_get(t, "nodes")), 354);
	cr_expect_eq(json_integer_value(json_object_get(t, "gpus")), 2188);
	cr_expect_eq(json_integer_value(json_object_get(by, "H100-SXM5-80GB")), 880);
	cr_expect_eq(json_integer_value(json_object_get(by, "A100-SXM4-80GB")), 796);
	cr_expect_eq(json_integer_value(json_object_get(by, "T4")), 384);
	cr_expect_eq(json_integer_value(json_object_get(by, "Graphcore-Bow-IPU")), 128);
	NEAR(json_real_value(json_object_get(t, "storage_pb")), 107);
	NEAR(json_real_value(json_object_get(json_object_get(t, "peak_pflops"), "fp32")), 88.7924);
	cr_expect_eq(json_array_size(json_object_get(root, "node_types")), 6);
	cr_expect_eq(json_array_size(json_object_get(root, "partitions")), 5);
	cr_expect_eq(json_array_size(json_object_get(root, "storage")), 3);
	cr_expect_eq(json_array_size(json_object_get(json_object_get(root, "fabric"), "levels")), 2);
	json_t *h = json_array_get(json_object_get(root, "node_types"), 0);
	cr_expect_eq(json_integer_value(json_array_get(json_object_get(h, "gpus_per_package"), 1)), 4);
	cr_expect(strstr(json_string_value(json_object_get(h, "layout")), "8 GPUs: 4 per package"));
	json_decref(root);
	free(out);
	free(err);

	/* a config given with --json, in either order */
	char cfg[4096];
	snprintf(cfg, sizeof cfg, "%s/configs/clusters/small-test.yaml", th_root());
	rc = th_exec(ARGS("cluster", "show", "--json", cfg), &out, &err);
	cr_assert_eq(rc, 0, "%s", err);
	root = json_loads(out, 0, &je);
	cr_assert_not_null(root, "line %d: %s", je.line, je.text);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(root, "totals"), "cores")), 272);
	json_decref(root);
	free(out);
	free(err);
}

/* Hostile YAML, for every loader that reads YAML (cluster, accounts,
 * workload model): bytes that made libfyaml 0.7.12 loop forever, a
 * "billion laughs" of aliases that grew to 24 GB, a file over the size cap.
 * Each is refused at once with FILE:LINE:COL and one line. */
typedef int (*yaml_loader)(const char *path, char *err, size_t errlen);
static int load_cluster(const char *p, char *err, size_t n)
{
	cs_cluster *c = NULL;
	int rc = cs_cluster_load(&c, p, err, n);
	cs_cluster_free(c);
	return rc;
}
static int load_accounts(const char *p, char *err, size_t n)
{
	cs_accounts *a = NULL;
	int rc = cs_accounts_load(&a, p, err, n);
	cs_accounts_free(a);
	return rc;
}
static int load_model(const char *p, char *err, size_t n)
{
	cs_gen_model *m = NULL;
	int rc = cs_gen_model_load(&m, p, err, n);
	cs_gen_model_free(m);
	return rc;
}

static void expect_yaml_refused(const char *bytes, size_t len, const char *where, const char *want)
{
	yaml_loader loaders[] = { load_cluster, load_accounts, load_model };
	char path[] = "/tmp/capsim-yaml-XXXXXX.yaml";
	int fd = mkstemps(path, 5);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, bytes, len), (ssize_t)len);
	close(fd);
	for (size_t k = 0; k < 3; k++) {
		char err[CS_ERRLEN] = "", head[600];
		cr_expect_eq(loaders[k](path, err, sizeof err), -CS_EPARSE, "loader %zu: %s", k, err);
		snprintf(head, sizeof head, *where ? "%s:%s: " : "%s: ", path, where);
		cr_expect(strncmp(err, head, strlen(head)) == 0, "loader %zu: '%s' should start '%s'", k, err, head);
		cr_expect(strstr(err, want), "loader %zu: '%s' should contain '%s'", k, err, want);
		cr_expect_null(strchr(err, '\n'), "one line: %s", err);
	}
	unlink(path);
}

Test(cluster, yaml_that_hung_libfyaml_is_refused_as_invalid_utf8)
{
	expect_yaml_refused("%#\xff~", 4, "1:3", "invalid UTF-8 (byte 0xff)");
	char b[64];
	memset(b, '\r', 51);
	b[51] = '%';
	b[52] = (char)0xaf;
	expect_yaml_refused(b, 53, "52:2", "invalid UTF-8 (byte 0xaf)");
	expect_yaml_refused("name: \xc0\xaf\n", 9, "1:7", "invalid UTF-8"); /* overlong */
	expect_yaml_refused("name: \xed\xa0\x80\n", 10, "1:7", "invalid UTF-8"); /* a surrogate */
	expect_yaml_refused("name: a\x01" "b\n", 10, "1:8", "control character 0x01");
	expect_yaml_refused("name: a\0b\n", 10, "1:8", "control character 0x00");
	/* printable ASCII is passed over a byte at a time: DEL is not in it,
	 * and line breaks and multi-byte characters after it still count */
	expect_yaml_refused("name: a~\x7f" "b\n", 11, "1:9", "control character 0x7f");
	expect_yaml_refused("a: b\r\nc: d\re: \xc3\xa9 \x1f\n", 19, "3:7", "control character 0x1f");
}

Test(cluster, yaml_aliases_are_refused_not_expanded)
{
	const char *laughs = "a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
			     "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			     "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			     "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
			     "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
			     "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
			     "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n"
			     "j: &j [*i, *i, *i, *i, *i, *i, *i, *i, *i]\n";
	expect_yaml_refused(laughs, strlen(laughs), "2:1", "YAML alias: capsim configs take no aliases");
	const char *one = "name: &n x\nsite: *n\n";
	expect_yaml_refused(one, strlen(one), "2:1", "YAML alias");
}

Test(cluster, yaml_larger_than_the_cap_is_refused)
{
	size_t n = (16u << 20) + 1;
	char *big = malloc(n);
	memset(big, '#', n);
	big[0] = '#';
	expect_yaml_refused(big, n, "", "larger than 16 MiB");
	free(big);
}

Test(cluster, a_yaml_syntax_error_is_one_line)
{
	const char *bad = "name: [a,\n  b\nsite: {\n";
	yaml_loader loaders[] = { load_cluster, load_accounts, load_model };
	char *p = th_write_tmp(bad, ".yaml");
	for (size_t k = 0; k < 3; k++) {
		char err[CS_ERRLEN] = "";
		cr_expect_eq(loaders[k](p, err, sizeof err), -CS_EPARSE);
		cr_expect(strstr(err, "YAML syntax error"), "%s", err);
		cr_expect_null(strchr(err, '\n'), "one line: %s", err);
	}
	th_unlink(p);
}

/* Valid UTF-8 on which libfyaml 0.7.12 crashes (SEGV in
 * fy_indent_vacuum_internal; found by the accounts fuzz target): every
 * loader refuses it, and capsim lives on. */
Test(cluster, yaml_that_crashes_libfyaml_is_refused)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/data/yaml/libfyaml-segv.yaml", th_root());
	size_t len;
	char *bytes = th_slurp(path, &len);
	cr_assert_not_null(bytes);
	expect_yaml_refused(bytes, len, "", "the YAML parser (libfyaml) crashed (signal 11");
	free(bytes);
	/* and the same path for any crash, by fault injection */
	setenv("CAPSIM_YAML_CHILD_FAULT", "segv", 1);
	char *p = th_write_tmp("name: x\n", ".yaml");
	char err[CS_ERRLEN];
	cr_expect_eq(load_cluster(p, err, sizeof err), -CS_EPARSE);
	cr_expect(strstr(err, "crashed (signal 11"), "%s", err);
	/* the accounts file is loaded whole in its child, which crashes where
	 * the parser's would, after the file's bytes are checked */
	expect_yaml_refused("name: x\n", 8, "", "the YAML parser (libfyaml) crashed (signal 11");
	expect_yaml_refused("name: \xc0\xaf\n", 9, "1:7", "invalid UTF-8");
	unsetenv("CAPSIM_YAML_CHILD_FAULT");
	th_unlink(p);
}

/* The site's power cap (facility kW): read, and refused where it stands
 * when negative, zero, or not above the idle draw (2 nodes x 100 W = 0.2
 * kW IT x PUE 1.2 = 0.24 kW: no job could ever start). */
Test(cluster, a_power_cap_is_read_and_checked_against_the_idle_draw)
{
	expect_error("site: {pue: 1.2}", "site: {pue: 1.2, power_cap_kw: -300}", CS_EINVAL,
		     "2:32: site.power_cap_kw: must be > 0, got -300", NULL);
	expect_error("site: {pue: 1.2}", "site: {pue: 1.2, power_cap_kw: 0}", CS_EINVAL,
		     "2:32: site.power_cap_kw: must be > 0, got 0", NULL);
	expect_error("site: {pue: 1.2}", "site: {pue: 1.2, power_cap_kw: 0.24}", CS_EINVAL,
		     "2:32: site.power_cap_kw: 0.24 kW is not above the site's idle draw, 0.2 kW IT x PUE 1.2 = 0.24 kW",
		     NULL);
	const char *good = "site: {pue: 1.2, power_cap_kw: 0.25}";
	char text[2048];
	const char *at = strstr(GOOD, "site: {pue: 1.2}");
	snprintf(text, sizeof text, "%.*s%s%s", (int)(at - GOOD), GOOD, good, at + strlen("site: {pue: 1.2}"));
	char err[CS_ERRLEN] = "";
	cs_cluster *c = NULL;
	cr_assert_eq(cs_cluster_load_text(&c, text, strlen(text), "cap.yaml", NULL, err, sizeof err), 0, "%s", err);
	cr_expect(cs_cluster_site_info(c)->power_cap_kw == 0.25);
	cs_cluster_free(c);
}

/* The node types' topologies are loaded ahead by one hwloc child, but each
 * error still comes where the loader meets it: a bad count before a
 * topology hwloc crashes on is the count's error, and the crash is the
 * second type's topology's, with the message a child of its own gives. */
Test(cluster, topology_errors_come_in_config_order_with_their_own_messages)
{
	char xml[1024], text[4096], want[CS_ERRLEN], err[CS_ERRLEN];
	snprintf(xml, sizeof xml, "%s/configs/topologies/juwels-booster-4xA100.xml", th_root());
	const char *counts[] = { "0", "2" };
	setenv("CAPSIM_TOPO_CHILD_FAULT", "segv", 1);
	setenv("CAPSIM_TOPO_CHILD_FAULT_SPEC", "juwels", 1);
	cs_topo *t = NULL;
	char alone[CS_ERRLEN];
	cr_assert_eq(cs_topo_load(&t, xml, alone, sizeof alone), -CS_EPARSE);
	for (int k = 0; k < 2; k++) {
		snprintf(text, sizeof text,
			 "name: t\n"
			 "site: {pue: 1.2}\n"
			 "node_types:\n"
			 "  - {name: a, count: 2, topology: \"pack:1 core:4 pu:1\", power_w: {idle: 100, peak: 300}}\n"
			 "  - {name: b, count: %s, topology: \"pack:1 core:8 pu:1\", power_w: {idle: 100, peak: 300}}\n"
			 "  - {name: c, count: 2, topology: \"%s\", power_w: {idle: 100, peak: 300}}\n"
			 "  - {name: d, count: 2, topology: \"pack:1 core:4 pu:1\", power_w: {idle: 100, peak: 300}}\n"
			 "partitions:\n"
			 "  - {name: p, node_types: [a, b, c, d]}\n",
			 counts[k], xml);
		char *path = th_write_tmp(text, ".yaml");
		cr_expect_eq(load_cluster(path, err, sizeof err), k == 0 ? -CS_EINVAL : -CS_EPARSE, "%s", err);
		if (k == 0)
			snprintf(want, sizeof want, "%s:5:", path);
		else
			snprintf(want, sizeof want, "%s:6:", path);
		cr_expect(strncmp(err, want, strlen(want)) == 0, "%s", err);
		cr_expect(k == 0 ? strstr(err, "count") != NULL : strstr(err, alone) != NULL, "%s\nalone: %s", err, alone);
		th_unlink(path);
	}
	unsetenv("CAPSIM_TOPO_CHILD_FAULT");
	unsetenv("CAPSIM_TOPO_CHILD_FAULT_SPEC");
}
