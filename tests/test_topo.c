/* Node topologies: hwloc XML and synthetic descriptions compiled by sim/topo.c. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capsim/topo.h"
#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* The figures of ../shared/topologies/PROVENANCE.md: its table (packages,
 * NUMA nodes, cores, PUs, memory, physical GPUs) and its "GPU locality"
 * line (GPUs per package). */
static const struct expect {
	const char *file;
	int packages, numa, cores, pus;
	double mem_gib;
	int gpus, gpus_pkg0, gpus_pkg1;
} expected[] = {
	{ "dgx2h-16xV100.xml", 2, 2, 4, 4, 1510.6, 16, 8, 8 },
	{ "dell-xe8640-4xH100.xml", 2, 8, 112, 224, 4031.0, 4, 2, 2 },
	{ "aws-g4dn-metal-8xT4.xml", 2, 2, 48, 96, 377.5, 8, 4, 4 },
	{ "lassen-power9-4xV100.xml", 2, 2, 40, 160, 255.4, 4, 2, 2 },
	{ "power8-minsky-4xP100.xml", 2, 2, 8, 16, 127.6, 4, 2, 2 },
	{ "juwels-booster-4xA100.xml", 2, 8, 48, 96, 503.5, 4, 2, 2 },
	{ "meluxina-gpu-4xA100.xml", 2, 8, 64, 128, 501.7, 4, 2, 2 },
	{ "jureca-dc-cpu-2xEPYC7742.xml", 2, 8, 128, 256, 503.4, 0, 0, 0 },
};
#define NEXPECTED (sizeof expected / sizeof expected[0])

static const char *topo_path(const char *file)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/topologies/%s", th_shared(), file);
	return path;
}

static cs_topo *load(const char *spec)
{
	char err[CS_ERRLEN] = "";
	cs_topo *t = NULL;
	int rc = cs_topo_load(&t, spec, err, sizeof err);
	cr_assert_eq(rc, 0, "cs_topo_load(%s): %s", spec, err);
	cr_assert_not_null(t);
	return t;
}

static cs_topo *load_shared(const char *file) { return load(topo_path(file)); }

static double gib(uint64_t b) { return (double)b / (1024.0 * 1024.0 * 1024.0); }

Test(topo, every_shared_xml_gives_the_counts_and_gpu_split_of_provenance)
{
	for (size_t k = 0; k < NEXPECTED; k++) {
		const struct expect *e = &expected[k];
		cs_topo *t = load_shared(e->file);
		cr_expect_eq(cs_topo_npackages(t), e->packages, "%s packages", e->file);
		cr_expect_eq(cs_topo_nnuma(t), e->numa, "%s NUMA", e->file);
		cr_expect_eq(cs_topo_ncores(t), e->cores, "%s cores", e->file);
		cr_expect_eq(cs_topo_npus(t), e->pus, "%s PUs", e->file);
		double mem = gib(cs_topo_mem_bytes(t));
		cr_expect(mem > e->mem_gib - 0.05 && mem < e->mem_gib + 0.05, "%s memory %.2f GiB, expected %.1f",
			  e->file, mem, e->mem_gib);
		cr_expect_eq(cs_topo_ngpus(t), e->gpus, "%s GPUs: %d", e->file, cs_topo_ngpus(t));
		cr_expect_eq(cs_topo_package_ngpus(t, 0), e->gpus_pkg0, "%s GPUs on package 0", e->file);
		cr_expect_eq(cs_topo_package_ngpus(t, 1), e->gpus_pkg1, "%s GPUs on package 1", e->file);
		/* the split comes from the per-GPU records, not a separate count */
		int per_pkg[2] = { 0, 0 };
		for (int i = 0; i < cs_topo_ngpus(t); i++) {
			const cs_topo_gpu_info *g = cs_topo_gpu(t, i);
			cr_assert(g->package == 0 || g->package == 1, "%s GPU%d package %d", e->file, i, g->package);
			per_pkg[g->package]++;
			cr_expect_eq(g->vendor_id, 0x10de, "%s GPU%d vendor %04x", e->file, i, g->vendor_id);
			cr_expect(g->class_id == 0x0302, "%s GPU%d class %04x", e->file, i, g->class_id);
			cr_expect(g->numa >= 0 && cs_topo_numa_package(t, g->numa) == g->package,
				  "%s GPU%d: NUMA %d is not on its package %d", e->file, i, g->numa, g->package);
		}
		cr_expect_eq(per_pkg[0], e->gpus_pkg0, "%s", e->file);
		cr_expect_eq(per_pkg[1], e->gpus_pkg1, "%s", e->file);
		cr_expect_null(cs_topo_gpu(t, cs_topo_ngpus(t)));
		/* cores per package and per NUMA domain add up */
		int sum_pkg = 0, sum_numa = 0, sum_pus = 0;
		for (int p = 0; p < cs_topo_npackages(t); p++)
			sum_pkg += cs_topo_package_ncores(t, p);
		for (int n = 0; n < cs_topo_nnuma(t); n++)
			sum_numa += cs_topo_numa_ncores(t, n);
		for (int c = 0; c < cs_topo_ncores(t); c++)
			sum_pus += cs_topo_core_npus(t, c);
		cr_expect_eq(sum_pkg, e->cores, "%s", e->file);
		cr_expect_eq(sum_numa, e->cores, "%s", e->file);
		cr_expect_eq(sum_pus, e->pus, "%s", e->file);
		cs_topo_free(t);
	}
}

Test(topo, the_expectations_cover_every_xml_in_the_shared_directory)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/topologies", th_shared());
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "cannot open %s", dir);
	int n = 0;
	for (struct dirent *de; (de = readdir(d));) {
		size_t len = strlen(de->d_name);
		if (len < 4 || strcmp(de->d_name + len - 4, ".xml"))
			continue;
		int known = 0;
		for (size_t k = 0; k < NEXPECTED; k++)
			known |= !strcmp(expected[k].file, de->d_name);
		cr_expect(known, "%s has no expected figures in test_topo.c", de->d_name);
		n++;
	}
	closedir(d);
	cr_expect_eq(n, (int)NEXPECTED);
}

Test(topo, gpus_are_numbered_in_pci_order_with_package_numa_and_model)
{
	/* XE8640: hwloc lists 5f before 4e (by locality); capsim numbers by bus id.
	 * Each H100 hangs below one sub-NUMA cluster of Sapphire Rapids (SNC4). */
	cs_topo *t = load_shared("dell-xe8640-4xH100.xml");
	static const struct { const char *busid; int pkg, numa; } want[] = {
		{ "0000:4e:00.0", 0, 3 }, { "0000:5f:00.0", 0, 1 }, { "0000:cb:00.0", 1, 7 }, { "0000:db:00.0", 1, 5 },
	};
	for (int i = 0; i < 4; i++) {
		const cs_topo_gpu_info *g = cs_topo_gpu(t, i);
		cr_expect_str_eq(g->busid, want[i].busid);
		cr_expect_eq(g->package, want[i].pkg, "GPU%d", i);
		cr_expect_eq(g->numa, want[i].numa, "GPU%d", i);
		cr_expect_eq(g->device_id, 0x2330);
		cr_expect_str_eq(g->model, "NVIDIA H100 80GB HBM3");
	}
	cs_topo_free(t);
}

Test(topo, a_gpu_without_a_model_attribute_is_named_by_its_pci_id)
{
	/* JUWELS Booster: no OS devices at all; MeluXina: only DRM devices,
	 * which carry no GPUModel. */
	const char *files[] = { "juwels-booster-4xA100.xml", "meluxina-gpu-4xA100.xml" };
	for (int k = 0; k < 2; k++) {
		cs_topo *t = load_shared(files[k]);
		for (int i = 0; i < cs_topo_ngpus(t); i++)
			cr_expect_str_eq(cs_topo_gpu(t, i)->model, "pci 10de:20b0", "%s GPU%d", files[k], i);
		cs_topo_free(t);
	}
	cs_topo *t = load_shared("lassen-power9-4xV100.xml");
	cr_expect_str_eq(cs_topo_gpu(t, 0)->model, "Tesla V100-SXM2-16GB");
	cs_topo_free(t);
}

Test(topo, bmc_video_chips_and_nvswitches_are_not_gpus)
{
	/* JURECA-DC: ASPEED VGA with DRM card0 only. DGX-2H: 12 NVSwitches
	 * (class 0680, vendor 10de) beside 16 V100s. */
	cs_topo *t = load_shared("jureca-dc-cpu-2xEPYC7742.xml");
	cr_expect_eq(cs_topo_ngpus(t), 0);
	cr_expect_null(cs_topo_gpu(t, 0));
	cs_topo_free(t);
	t = load_shared("dgx2h-16xV100.xml");
	cr_expect_eq(cs_topo_ngpus(t), 16);
	for (int i = 0; i < 16; i++)
		cr_expect_eq(cs_topo_gpu(t, i)->device_id, 0x1db8, "GPU%d", i);
	cs_topo_free(t);
}

Test(topo, gpus_behind_one_pcie_switch_share_a_bridge_group)
{
	/* DGX-2H: two V100s per PLX switch (upstream port 32:00.0 for 34 and 36). */
	cs_topo *t = load_shared("dgx2h-16xV100.xml");
	for (int i = 0; i < 16; i++)
		cr_expect_eq(cs_topo_gpu(t, i)->bridge, i / 2, "DGX-2H GPU%d", i);
	cs_topo_free(t);
	/* Lassen: 0004:04 and 0004:05 sit on downstream ports of one PLX 8725. */
	t = load_shared("lassen-power9-4xV100.xml");
	int want_lassen[] = { 0, 0, 1, 1 };
	for (int i = 0; i < 4; i++)
		cr_expect_eq(cs_topo_gpu(t, i)->bridge, want_lassen[i], "Lassen GPU%d", i);
	cs_topo_free(t);
	/* g4dn.metal: each T4 on its own root port; XE8640: one switch per H100. */
	const char *alone[] = { "aws-g4dn-metal-8xT4.xml", "dell-xe8640-4xH100.xml", "power8-minsky-4xP100.xml" };
	for (int k = 0; k < 3; k++) {
		t = load_shared(alone[k]);
		for (int i = 0; i < cs_topo_ngpus(t); i++)
			cr_expect_eq(cs_topo_gpu(t, i)->bridge, i, "%s GPU%d", alone[k], i);
		cs_topo_free(t);
	}
}

Test(topo, power8_nvlink_matrix_links_gpus_pairwise_per_socket)
{
	/* power8gpudistances.xml: NVLinkBandwidth over 4 GPU OS devices and the
	 * two POWER8 NVLink ports; GPU pairs on one socket have 40 GB/s. */
	cs_topo *t = load_shared("power8-minsky-4xP100.xml");
	cr_assert_not_null(cs_topo_gpu_links_name(t));
	cr_expect_str_eq(cs_topo_gpu_links_name(t), "NVLinkBandwidth");
	uint64_t want[4][4] = { { 0, 40000, 0, 0 }, { 40000, 0, 0, 0 }, { 0, 0, 0, 40000 }, { 0, 0, 40000, 0 } };
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			cr_expect_eq(cs_topo_gpu_link_mbs(t, i, j), want[i][j], "GPU%d-GPU%d", i, j);
	cs_topo_free(t);
}

Test(topo, dgx2_gpus_link_through_nvswitches_at_150_gbs)
{
	/* nvidiaDGX2.xml: the matrix has GPU-NVSwitch links only (6 x 25 GB/s
	 * per V100); hwloc's transitive closure gives every GPU pair 150 GB/s. */
	cs_topo *t = load_shared("dgx2h-16xV100.xml");
	cr_assert_not_null(cs_topo_gpu_links_name(t));
	cr_expect_str_eq(cs_topo_gpu_links_name(t), "NVLinkBandwidth");
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 16; j++)
			cr_expect_eq(cs_topo_gpu_link_mbs(t, i, j), i == j ? 0u : 150000u, "GPU%d-GPU%d", i, j);
	cs_topo_free(t);
	/* XE8640: a plain GPU-GPU matrix, 6 NVLink4 links (150 GB/s) per pair */
	t = load_shared("dell-xe8640-4xH100.xml");
	cr_assert_not_null(cs_topo_gpu_links_name(t));
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			cr_expect_eq(cs_topo_gpu_link_mbs(t, i, j), i == j ? 0u : 150000u, "GPU%d-GPU%d", i, j);
	cs_topo_free(t);
}

Test(topo, files_without_a_gpu_bandwidth_matrix_report_none)
{
	const char *files[] = { "aws-g4dn-metal-8xT4.xml", "lassen-power9-4xV100.xml", "juwels-booster-4xA100.xml",
				"meluxina-gpu-4xA100.xml", "jureca-dc-cpu-2xEPYC7742.xml" };
	for (int k = 0; k < 5; k++) {
		cs_topo *t = load_shared(files[k]);
		cr_expect_null(cs_topo_gpu_links_name(t), "%s", files[k]);
		cr_expect_eq(cs_topo_gpu_link_mbs(t, 0, 1), 0u, "%s", files[k]);
		cs_topo_free(t);
	}
}

Test(topo, synthetic_arities_are_per_parent_and_cores_know_their_package_and_numa)
{
	/* hwloc multiplies the arities: 2 packages x 2 NUMA x 14 cores x 2 PUs */
	cs_topo *t = load("pack:2 numa:2 core:14 pu:2");
	cr_expect(cs_topo_is_synthetic(t));
	cr_expect_eq(cs_topo_npackages(t), 2);
	cr_expect_eq(cs_topo_nnuma(t), 4);
	cr_expect_eq(cs_topo_ncores(t), 56);
	cr_expect_eq(cs_topo_npus(t), 112);
	cr_expect_eq(cs_topo_ngpus(t), 0);
	cr_expect_null(cs_topo_gpu_links_name(t));
	cr_expect_gt(cs_topo_mem_bytes(t), 0u);
	for (int c = 0; c < 56; c++) {
		cr_expect_eq(cs_topo_core_package(t, c), c / 28, "core %d", c);
		cr_expect_eq(cs_topo_core_numa(t, c), c / 14, "core %d", c);
		cr_expect_eq(cs_topo_core_npus(t, c), 2, "core %d", c);
	}
	for (int n = 0; n < 4; n++)
		cr_expect_eq(cs_topo_numa_package(t, n), n / 2, "NUMA %d", n);
	cr_expect_eq(cs_topo_core_package(t, 56), -1);
	cs_topo_free(t);
	/* so "core:28" under "numa:2" under "pack:2" is 112 cores, not 56 */
	t = load("pack:2 numa:2 core:28 pu:2");
	cr_expect_eq(cs_topo_npackages(t), 2);
	cr_expect_eq(cs_topo_nnuma(t), 4);
	cr_expect_eq(cs_topo_ncores(t), 112);
	cr_expect_eq(cs_topo_npus(t), 224);
	cr_expect_eq(cs_topo_ngpus(t), 0);
	for (int c = 0; c < 112; c++) {
		cr_expect_eq(cs_topo_core_package(t, c), c / 56, "core %d", c);
		cr_expect_eq(cs_topo_core_numa(t, c), c / 28, "core %d", c);
	}
	cs_topo_free(t);
}

static void expect_load_error(const char *spec, int code, const char *want)
{
	char err[CS_ERRLEN] = "";
	cs_topo *t = (cs_topo *)&err; /* must be reset to NULL */
	int rc = cs_topo_load(&t, spec, err, sizeof err);
	cr_expect_eq(rc, code, "cs_topo_load(%s) = %d: %s", spec, rc, err);
	cr_expect_null(t);
	cr_expect(strstr(err, spec), "'%s' should name '%s'", err, spec);
	cr_expect(strstr(err, want), "'%s' should contain '%s'", err, want);
	cr_expect_null(strchr(err, '\n'), "one line: %s", err);
}

Test(topo, bad_specs_are_errors_naming_the_spec_and_the_reason)
{
	expect_load_error("/nonexistent/node.xml", -CS_EIO, "No such file or directory");
	char *p = th_write_tmp("<topology><object type=\"Machine\"", ".xml");
	/* what capsim promises, whichever of hwloc's XML back-ends refused the
	 * file (.ci/run runs this suite under both): the path, that it is not
	 * a topology hwloc reads, and what was expected; one line */
	expect_load_error(p, -CS_EPARSE, "expected an hwloc XML export");
	th_unlink(p);
	p = th_write_tmp("not xml at all\n", ".txt");
	expect_load_error(p, -CS_EPARSE, "XML topology");
	th_unlink(p);
	expect_load_error("pack:2 socket:many", -CS_EPARSE, "rejects it as a synthetic description (Invalid argument)");
	/* bounded before hwloc builds it (this took hwloc half an hour and 5.7 GB) */
	expect_load_error("pack:1000 core:1000 pu:1000", -CS_EPARSE, "more than 4096 processing units");
	expect_load_error("pack:2 core:256 pu:256", -CS_EPARSE, "more than 4096 processing units");
	/* bare arities count too (found by fuzzing: hwloc spun on this one) */
	expect_load_error("1000 pu:1000", -CS_EPARSE, "more than 4096 processing units");
	expect_load_error("64 64 64", -CS_EPARSE, "more than 4096 processing units");
	expect_load_error("1000pu:1000", -CS_EPARSE, "more than 4096 processing units");
	/* 40,000 PUs took hwloc past the child's 10 s limit (a fuzzing find) */
	expect_load_error("40pu:1000", -CS_EPARSE, "more than 4096 processing units");
	/* a FIFO would block hwloc's reader */
	char fifo[] = "/tmp/capsim-fifo-XXXXXX";
	th_mkdtemp(fifo);
	char fp[64];
	th_in(fp, sizeof fp, fifo, "node.xml");
	cr_assert_eq(mkfifo(fp, 0600), 0);
	expect_load_error(fp, -CS_EIO, "not a regular file");
	unlink(fp);
	rmdir(fifo);
	expect_load_error("", -CS_EINVAL, "empty spec");
}

Test(topo, capsim_topo_show_prints_what_it_extracts)
{
	char *out, *err;
	int rc = th_exec(ARGS("topo", "show", topo_path("dell-xe8640-4xH100.xml")), &out, &err);
	cr_assert_eq(rc, 0, "exit %d: %s", rc, err);
	cr_expect_str_empty(err);
	cr_expect(strstr(out, ": 2 packages, 8 NUMA domains, 112 cores (56+56), 224 PUs, 4031.0 GiB\n"), "%s", out);
	cr_expect(strstr(out, "\n4 GPUs (NVIDIA H100 80GB HBM3), per package 2+2\n"), "%s", out);
	cr_expect(strstr(out, "GPU0 0000:4e:00.0 10de:2330 pkg 0 numa 3 bridge 0\n"), "%s", out);
	cr_expect(strstr(out, "GPU links (NVLinkBandwidth, GB/s)"), "%s", out);
	free(out);
	free(err);

	rc = th_exec(ARGS("topo", "show", topo_path("power8-minsky-4xP100.xml"), "--json"), &out, &err);
	cr_assert_eq(rc, 0, "exit %d: %s", rc, err);
	json_error_t jerr;
	json_t *j = json_loads(out, 0, &jerr);
	cr_assert_not_null(j, "not JSON: %s", jerr.text);
	cr_expect_eq(json_integer_value(json_object_get(j, "cores")), 8);
	cr_expect_eq(json_integer_value(json_object_get(j, "pus")), 16);
	json_t *gpus = json_object_get(j, "gpus");
	cr_expect_eq(json_array_size(gpus), 4);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(gpus, 0), "model")), "Tesla P100-SXM2-16GB");
	json_t *bw = json_object_get(json_object_get(j, "gpu_links"), "bandwidth_mbs");
	cr_expect_eq(json_integer_value(json_array_get(json_array_get(bw, 0), 1)), 40000);
	json_decref(j);
	free(out);
	free(err);
}

Test(topo, capsim_topo_show_bad_spec_is_one_line_with_status_2)
{
	char *out, *err;
	int rc = th_exec(ARGS("topo", "show", "pack:2 core:lots"), &out, &err);
	cr_expect_eq(rc, 2, "exit %d", rc);
	cr_expect_str_empty(out);
	cr_expect(strstr(err, "capsim: 'pack:2 core:lots': no such file, and hwloc rejects it"), "%s", err);
	cr_expect(strchr(err, '\n') == err + strlen(err) - 1, "one line: %s", err);
	free(out);
	free(err);
	rc = th_exec(ARGS("topo", "show", "/nonexistent/node.xml"), &out, &err);
	cr_expect_eq(rc, 2, "exit %d", rc);
	cr_expect_str_empty(out);
	cr_expect_str_eq(err, "capsim: /nonexistent/node.xml: cannot open: No such file or directory\n");
	free(out);
	free(err);
}

/* hwloc runs in a child process: when it crashes (as it did on a mutated
 * export, SEGV in hwloc_bitmap_compare_first) or spins, capsim reports the
 * file and goes on. CAPSIM_TOPO_CHILD_FAULT makes the child fail so. */
Test(topo, a_crash_or_a_spin_in_hwloc_is_an_error_not_capsims_death)
{
	char xml[1024];
	snprintf(xml, sizeof xml, "%s/configs/topologies/juwels-booster-4xA100.xml", th_root());
	setenv("CAPSIM_TOPO_CHILD_FAULT", "segv", 1);
	expect_load_error(xml, -CS_EPARSE, "hwloc crashed (signal 11");
	setenv("CAPSIM_TOPO_CHILD_FAULT", "spin", 1);
	expect_load_error(xml, -CS_EPARSE, "hwloc ran out of time (1 s of CPU)");
	unsetenv("CAPSIM_TOPO_CHILD_FAULT");
	cs_topo *t = NULL;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_topo_load(&t, xml, err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_topo_ngpus(t), 4);
	cs_topo_free(t);
}

/* What cs_topo_load gives for spec, as text: its return code and message,
 * or everything `capsim topo show --json` prints of the topology. */
static char *answer_text(int rc, const cs_topo *t, const char *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	fprintf(f, "rc %d: ", rc);
	if (rc == 0)
		cs_topo_print_json(f, t);
	else
		fputs(err, f);
	fclose(f);
	return buf;
}

static char *alone_text(const char *spec)
{
	cs_topo *t = NULL;
	char err[CS_ERRLEN] = "";
	int rc = cs_topo_load(&t, spec, err, sizeof err);
	char *s = answer_text(rc, t, err);
	cs_topo_free(t);
	return s;
}

static char *taken_text(cs_topo_set *s, const char *spec)
{
	cs_topo *t = NULL;
	char err[CS_ERRLEN] = "";
	int rc = cs_topo_set_take(s, &t, spec, err, sizeof err);
	cr_expect(rc == 0 ? t != NULL : t == NULL, "%s: rc %d with topology %p", spec, rc, (void *)t);
	char *text = answer_text(rc, t, err);
	cs_topo_free(t);
	return text;
}

/* A set's one child answers each spec as a child of its own would: the
 * same topology (a spec twice, twice), the same error and message, in the
 * order taken; a spec it was not given, or given fewer times, is loaded
 * alone. */
Test(topo, a_set_gives_each_spec_what_cs_topo_load_gives)
{
	char xml[1024];
	snprintf(xml, sizeof xml, "%s/configs/topologies/juwels-booster-4xA100.xml", th_root());
	char *bad_xml = th_write_tmp("<topology><object type=\"Machine\"", ".xml");
	const char *specs[] = { "pack:2 numa:2 core:28 pu:2", xml, "pack:2 socket:many", "pack:2 numa:2 core:28 pu:2",
				"/nonexistent/node.xml", bad_xml, "pack:1 core:1000 pu:1000", "pack:1 numa:1 core:32 pu:2" };
	size_t n = sizeof specs / sizeof *specs;
	cs_topo_set *s = NULL;
	cr_assert_eq(cs_topo_set_new(&s, specs, n), 0);
	for (size_t i = 0; i < n; i++) {
		char *want = alone_text(specs[i]), *got = taken_text(s, specs[i]);
		cr_expect_str_eq(got, want, "%s", specs[i]);
		free(want);
		free(got);
	}
	/* not in the set, and once more than given */
	const char *more[] = { "pack:1 core:2 pu:1", xml, "pack:2 numa:2 core:28 pu:2" };
	for (size_t i = 0; i < 3; i++) {
		char *want = alone_text(more[i]), *got = taken_text(s, more[i]);
		cr_expect_str_eq(got, want, "%s", more[i]);
		free(want);
		free(got);
	}
	cs_topo_set_free(s);
	/* taken out of order, some never */
	cr_assert_eq(cs_topo_set_new(&s, specs, n), 0);
	char *want = alone_text(xml), *got = taken_text(s, xml);
	cr_expect_str_eq(got, want);
	free(want);
	free(got);
	want = alone_text(specs[0]);
	got = taken_text(s, specs[0]);
	cr_expect_str_eq(got, want);
	free(want);
	free(got);
	cs_topo_set_free(s);
	cs_topo_set_free(NULL);
	th_unlink(bad_xml);
}

/* When hwloc crashes or spins in the set's child on one topology, that one
 * is loaded alone (the same error as alone) and so are those after it. */
Test(topo, a_crash_or_a_spin_in_the_sets_child_is_that_topologys_error_alone)
{
	char xml[1024];
	snprintf(xml, sizeof xml, "%s/configs/topologies/juwels-booster-4xA100.xml", th_root());
	const char *specs[] = { "pack:2 numa:2 core:28 pu:2", xml, "pack:1 numa:1 core:32 pu:2", xml };
	setenv("CAPSIM_TOPO_CHILD_FAULT_SPEC", "juwels", 1);
	const char *faults[] = { "segv", "spin" }, *msgs[] = { "hwloc crashed (signal 11", "hwloc ran out of time (1 s of CPU)" };
	for (int f = 0; f < 2; f++) {
		setenv("CAPSIM_TOPO_CHILD_FAULT", faults[f], 1);
		cs_topo_set *s = NULL;
		cr_assert_eq(cs_topo_set_new(&s, specs, 4), 0);
		for (size_t i = 0; i < 4; i++) {
			char *want = alone_text(specs[i]), *got = taken_text(s, specs[i]);
			cr_expect_str_eq(got, want, "%s", specs[i]);
			cr_expect((strstr(specs[i], "juwels") != NULL) == (strstr(got, msgs[f]) != NULL), "%s: %s", specs[i],
				  got);
			free(want);
			free(got);
		}
		cs_topo_set_free(s);
	}
	unsetenv("CAPSIM_TOPO_CHILD_FAULT");
	unsetenv("CAPSIM_TOPO_CHILD_FAULT_SPEC");
}

/* A set given up before its last topology (the config's error came first)
 * stops its child at once rather than waiting for it: here a spin that
 * would last a second of CPU. */
Test(topo, a_set_freed_early_stops_its_child)
{
	const char *specs[] = { "pack:1 core:2 pu:1", "pack:1 core:4 pu:1" };
	setenv("CAPSIM_TOPO_CHILD_FAULT", "spin", 1);
	setenv("CAPSIM_TOPO_CHILD_FAULT_SPEC", "core:4", 1);
	cs_topo_set *s = NULL;
	cr_assert_eq(cs_topo_set_new(&s, specs, 2), 0);
	char *got = taken_text(s, specs[0]);
	cr_expect(strncmp(got, "rc 0: ", 6) == 0, "%s", got);
	free(got);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	cs_topo_set_free(s);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double s_taken = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
	cr_expect_lt(s_taken, 0.5, "freeing took %.2f s", s_taken);
	unsetenv("CAPSIM_TOPO_CHILD_FAULT");
	unsetenv("CAPSIM_TOPO_CHILD_FAULT_SPEC");
}
