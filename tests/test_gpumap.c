/* Where GPU jobs of the published traces may run (include/capsim/gpumap.h),
 * end to end through the capsim binary: Helios, Philly and PAI files written
 * as their documentation shows them, on a small cluster of NVIDIA, IPU and
 * CPU nodes. Placements are read back from batsim_jobs.csv (allocated node
 * indices; nodes are numbered node type by node type, in config order). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/cluster.h"
#include "capsim/gpumap.h"
#include "capsim/gputrace.h"
#include "capsim/nodemodel.h"
#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* tests/data/gpumap/NAME */
static const char *data(const char *name)
{
	static char path[4][4096];
	static int k;
	k = (k + 1) % 4;
	snprintf(path[k], sizeof path[k], "%s/tests/data/gpumap/%s", th_root(), name);
	return path[k];
}

/* The fixtures (tests/data/gpumap), each in its format's documented layout:
 * - gpu-ipu-cpu.yaml: nodes 0-1 v100 (4 GPUs), 2 a100 (8), 3-4 ipu
 *   (4 Graphcore IPUs), 5-6 cpu; ipu-cpu.yaml: 0-1 ipu, 2-3 cpu.
 * - helios_cluster_log.csv (HeliosData README columns): jobs 1-6 with 4
 *   GPUs each submitted together, for an hour (the NVIDIA nodes hold four
 *   at once: one on each v100, two on the a100; the idle IPU nodes could
 *   hold the other two), and 7, a CPU job with 8 cores.
 * - philly_cluster_job_log.json (philly-traces README): the same six
 *   4-GPU jobs, submitted together.
 * - pai_task_table.csv (clusterdata README, no header): rows 1-2 V100
 *   workers with 4 GPUs, 3-4 T4 with 4, 5 MISC with 1, 6 a parameter
 *   server without GPUs, all launched together for an hour. */
#define CLUSTER data("gpu-ipu-cpu.yaml")
#define HELIOS data("helios_cluster_log.csv")
#define PHILLY data("philly_cluster_job_log.json")
#define PAI data("pai_task_table.csv")

/* A run's outputs, read back. */
typedef struct run {
	int rc;
	char *out, *err;
	char dir[64];
	json_t *summary;
	size_t n;
	int64_t id[32];
	long long start[32];
	unsigned nodes[32][8]; /* allocated node indices, in batsim_jobs.csv's order */
	unsigned nnodes[32];
} run;

/* capsim run --workload W --format F --cluster C [extra...] --out DIR, on files */
static void run_files(run *r, const char *cfg, const char *w, const char *format, const char *const *extra)
{
	memset(r, 0, sizeof *r);
	snprintf(r->dir, sizeof r->dir, "/tmp/capsim-gpumap-XXXXXX");
	th_mkdtemp(r->dir);
	const char *args[32] = { "run", "--workload", w, "--format", format, "--cluster", cfg, "--out", r->dir,
				 "--no-progress" };
	size_t k = 10;
	for (size_t i = 0; extra && extra[i]; i++)
		args[k++] = extra[i];
	args[k] = NULL;
	r->rc = th_exec(args, &r->out, &r->err);
	if (r->rc != 0)
		return;
	char path[256];
	th_in(path, sizeof path, r->dir, "summary.json");
	json_error_t je;
	r->summary = json_load_file(path, 0, &je);
	cr_assert_not_null(r->summary, "%s: %s", path, je.text);
	/* batsim_jobs.csv numbers the finest unit every job held (nodes, GPUs
	 * or cores, numbered node by node): back to node indices */
	const char *unit = json_string_value(json_object_get(json_object_get(r->summary, "machine"),
							     "batsim_resources"));
	cr_assert_not_null(unit, "summary.json lacks machine.batsim_resources");
	int per_gpu = strcmp(unit, "gpus") == 0, per_core = strcmp(unit, "cores") == 0;
	cs_cluster *c = NULL;
	cs_nodemodel nm = { 0 };
	char err[CS_ERRLEN];
	cr_assert_eq(cs_cluster_load(&c, cfg, err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_nodemodel_build(&nm, c, err, sizeof err), 0, "%s", err);
	uint32_t nn = nm.layout.nnodes;
	unsigned *first = calloc(nn + 1, sizeof *first);
	for (uint32_t i = 0; i < nn; i++) {
		const cs_alloc_type *ty = &nm.types[nm.node_type[i]];
		first[i + 1] = first[i] + (per_gpu ? ty->gpus : per_core ? ty->cores : 1);
	}
	cs_nodemodel_free(&nm);
	cs_cluster_free(c);
	th_in(path, sizeof path, r->dir, "batsim_jobs.csv");
	char *csv = th_slurp(path, NULL);
	cr_assert_not_null(csv);
	char *line = strchr(csv, '\n') + 1;
	for (char *next; *line && r->n < 32; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		/* job_id, ..., starting_time (field 9), ..., allocated_resources (field 15) */
		char *f[18];
		size_t nf = 0;
		for (char *p = line; nf < 18; p++) {
			f[nf++] = p;
			p = strchr(p, ',');
			if (!p)
				break;
			*p = '\0';
		}
		cr_assert_geq(nf, 15, "batsim_jobs.csv line: %s", line);
		r->id[r->n] = strtoll(f[0], NULL, 10);
		r->start[r->n] = strtoll(f[8], NULL, 10);
		for (char *p = f[14]; *p;) {
			unsigned a = (unsigned)strtoul(p, &p, 10), b = a;
			if (*p == '-')
				b = (unsigned)strtoul(p + 1, &p, 10);
			for (unsigned x = a; x <= b; x++) {
				unsigned node = 0;
				while (node + 1 < nn && first[node + 1] <= x)
					node++;
				int seen = 0;
				for (unsigned q = 0; q < r->nnodes[r->n]; q++)
					seen |= r->nodes[r->n][q] == node;
				if (!seen && r->nnodes[r->n] < 8)
					r->nodes[r->n][r->nnodes[r->n]++] = node;
			}
			p += *p == ' ';
		}
		r->n++;
	}
	free(csv);
	free(first);
}

static void run_free(run *r)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", r->dir);
	cr_assert_eq(system(cmd), 0);
	json_decref(r->summary);
	free(r->out);
	free(r->err);
}

static size_t job_index(const run *r, int64_t id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->id[i] == id)
			return i;
	cr_assert_fail("no job %lld in batsim_jobs.csv", (long long)id);
	return 0;
}

/* Every node of job id lies in [lo, hi]. */
static void expect_nodes_within(const run *r, int64_t id, unsigned lo, unsigned hi)
{
	size_t i = job_index(r, id);
	cr_expect_gt(r->nnodes[i], 0, "job %lld has no nodes", (long long)id);
	for (unsigned k = 0; k < r->nnodes[i]; k++)
		cr_expect(r->nodes[i][k] >= lo && r->nodes[i][k] <= hi, "job %lld on node %u, expected %u..%u",
			  (long long)id, r->nodes[i][k], lo, hi);
}

static long long filtered(const run *r, const char *reason)
{
	return json_integer_value(json_object_get(json_object_get(r->summary, "filtered"), reason));
}

Test(gpumap, helios_gpu_jobs_wait_for_nvidia_nodes_while_ipu_nodes_stay_idle)
{
	run r;
	run_files(&r, CLUSTER, HELIOS, "helios", NULL);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_eq(r.n, 7);
	for (int64_t id = 1; id <= 6; id++)
		expect_nodes_within(&r, id, 0, 2);
	/* v100, v100, a100, a100 (tried in config order); 5 and 6 wait for them */
	cr_expect_eq(r.nodes[job_index(&r, 1)][0], 0);
	cr_expect_eq(r.nodes[job_index(&r, 2)][0], 1);
	cr_expect_eq(r.nodes[job_index(&r, 3)][0], 2);
	cr_expect_eq(r.nodes[job_index(&r, 4)][0], 2);
	cr_expect_eq(r.start[job_index(&r, 4)], 0);
	cr_expect_eq(r.start[job_index(&r, 5)], 3600);
	cr_expect_eq(r.start[job_index(&r, 6)], 3600);
	/* the CPU job is not a GPU job: any node type, at once */
	cr_expect_eq(r.start[job_index(&r, 7)], 0);
	cr_expect_eq(json_integer_value(json_object_get(r.summary, "gpu_held")), 6);
	cr_expect_eq(json_integer_value(json_object_get(r.summary, "any_partition")), 7);
	json_t *use = json_array_get(json_object_get(r.summary, "gpu_map"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(use, "model")), "*");
	cr_expect_str_eq(json_string_value(json_object_get(use, "node_types")), "v100+a100");
	cr_expect_str_eq(json_string_value(json_object_get(use, "from")), "default");
	cr_expect(strstr(r.out, "gpu map     *=v100+a100 (default)"), "%s", r.out);
	run_free(&r);
}

Test(gpumap, philly_gpu_jobs_never_land_on_ipu_nodes)
{
	run r;
	run_files(&r, CLUSTER, PHILLY, "philly", NULL);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_eq(r.n, 6);
	for (size_t i = 0; i < r.n; i++)
		expect_nodes_within(&r, r.id[i], 0, 2);
	int later = 0;
	for (size_t i = 0; i < r.n; i++)
		later += r.start[i] > 0;
	cr_expect_eq(later, 2, "four start at once on the NVIDIA nodes, two wait");
	run_free(&r);
}

Test(gpumap, pai_gpu_types_go_to_nvidia_nodes_by_default_and_where_the_map_says)
{
	/* default: every model to v100 then a100 */
	run r;
	run_files(&r, CLUSTER, PAI, "pai", NULL);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_eq(r.n, 6);
	for (int64_t id = 1; id <= 5; id++)
		expect_nodes_within(&r, id, 0, 2);
	cr_expect_eq(r.nodes[job_index(&r, 1)][0], 0, "the first V100 job on the first v100 node");
	cr_expect(strstr(r.out, "gpu map     V100=v100+a100 (default), T4=v100+a100 (default), "
				"MISC=v100+a100 (default)"), "%s", r.out);
	run_free(&r);

	/* V100 jobs to the a100 only; the rest (T4, MISC) to the v100s only */
	run_files(&r, CLUSTER, PAI, "pai", ARGS("--gpu-map", "V100=a100,*=v100"));
	cr_assert_eq(r.rc, 0, "%s", r.err);
	expect_nodes_within(&r, 1, 2, 2);
	expect_nodes_within(&r, 2, 2, 2);
	for (int64_t id = 3; id <= 5; id++)
		expect_nodes_within(&r, id, 0, 1);
	cr_expect_eq(r.start[job_index(&r, 2)], 0, "the a100 holds both V100 jobs");
	cr_expect_eq(r.start[job_index(&r, 5)], 3600, "two T4 jobs fill the v100s: MISC waits");
	json_t *gm = json_object_get(r.summary, "gpu_map");
	cr_assert_eq(json_array_size(gm), 3);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(gm, 0), "node_types")), "a100");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(gm, 2), "model")), "MISC");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(gm, 2), "from")), "--gpu-map");
	const char *cmd = json_string_value(json_object_get(json_object_get(r.summary, "inputs"), "command"));
	cr_expect(strstr(cmd, " --gpu-map 'V100=a100,*=v100'"), "%s", cmd);
	run_free(&r);

	/* the map may name IPU nodes: the operator says these jobs run there */
	run_files(&r, CLUSTER, PAI, "pai", ARGS("--gpu-map", "T4=ipu"));
	cr_assert_eq(r.rc, 0, "%s", r.err);
	expect_nodes_within(&r, 3, 3, 4);
	expect_nodes_within(&r, 4, 3, 4);
	run_free(&r);
}

Test(gpumap, a_gpu_job_only_other_node_types_could_hold_is_dropped_and_counted)
{
	/* no NVIDIA node: the Helios GPU jobs fit the IPU nodes, which they cannot use */
	run r;
	run_files(&r, data("ipu-cpu.yaml"), HELIOS, "helios", NULL);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_expect_eq(filtered(&r, "no_node_type_for_gpu"), 6);
	cr_expect_eq(filtered(&r, "larger_than_machine"), 0);
	cr_expect_eq(json_integer_value(json_object_get(r.summary, "filtered_total")), 6);
	cr_assert_eq(r.n, 1);
	cr_expect_eq(r.id[0], 7);
	expect_nodes_within(&r, 7, 0, 3);
	cr_expect(strstr(r.out, "no_node_type_for_gpu 6"), "%s", r.out);
	cr_expect(strstr(r.out, "gpu map     *=(none) (default)"), "%s", r.out);
	run_free(&r);

	/* held to the v100s, an 8-GPU job (only the a100 holds 8) is dropped
	 * too; a 16-GPU one no node type holds is larger than the machine */
	char *log = th_slurp(HELIOS, NULL), csv[2048];
	cr_assert_not_null(log);
	snprintf(csv, sizeof csv, "%s%s", log,
		 "8,uA,vc1,8,8,1,COMPLETED,2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-09 19:41:01,3600,0\n"
		 "9,uA,vc1,16,8,1,COMPLETED,2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-09 19:41:01,3600,0\n");
	free(log);
	char *w = th_write_tmp(csv, ".csv");
	run_files(&r, CLUSTER, w, "helios", ARGS("--gpu-map", "*=v100"));
	th_unlink(w);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_expect_eq(filtered(&r, "no_node_type_for_gpu"), 1);
	cr_expect_eq(filtered(&r, "larger_than_machine"), 1);
	cr_expect_eq(r.n, 7);
	for (int64_t id = 1; id <= 6; id++)
		expect_nodes_within(&r, id, 0, 1);
	run_free(&r);
}

Test(gpumap, on_a_cluster_whose_gpus_are_all_nvidia_nothing_is_restricted)
{
	/* small-test: h100 nodes 0-3, p100 4-5, cpu 6-7. The GPU jobs may use
	 * every node type with GPUs, so they are placed as any job without a
	 * partition is (the placement strategy picks among all node types). */
	char cfg[4096];
	snprintf(cfg, sizeof cfg, "%s/configs/clusters/small-test.yaml", th_root());
	run r;
	run_files(&r, cfg, HELIOS, "helios", NULL);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_expect_eq(json_integer_value(json_object_get(r.summary, "gpu_held")), 0);
	cr_expect_eq(json_integer_value(json_object_get(r.summary, "any_partition")), 7);
	for (int64_t id = 1; id <= 6; id++) {
		expect_nodes_within(&r, id, 0, 5);
		cr_expect_eq(r.start[job_index(&r, id)], 0);
	}
	cr_expect(strstr(r.out, "gpu map     *=h100+p100 (default)"), "%s", r.out);
	run_free(&r);
}

Test(gpumap, a_partition_of_the_cluster_named_in_the_trace_is_kept)
{
	/* capsim's CSV: job 1 asks for the ipu partition by name, job 2 names
	 * none; both are 4-GPU jobs */
	char *w = th_write_tmp("id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,"
			       "runtime,qos,partition,state\n"
			       "1,p,u,0,1,4,4,1024,3600,3600,,ipu,completed\n"
			       "2,p,u,0,1,4,4,1024,3600,3600,,,completed\n",
			       ".csv");
	run r;
	run_files(&r, CLUSTER, w, "native", NULL);
	th_unlink(w);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	expect_nodes_within(&r, 1, 3, 4);
	expect_nodes_within(&r, 2, 0, 2);
	run_free(&r);
}

Test(gpumap, two_runs_with_a_map_give_byte_identical_outputs)
{
	const char *const *map = ARGS("--gpu-map", "V100=a100+v100", "--gpu-map", "*=v100");
	run a, b;
	run_files(&a, CLUSTER, PAI, "pai", map);
	run_files(&b, CLUSTER, PAI, "pai", map);
	cr_assert_eq(a.rc, 0, "%s", a.err);
	cr_assert_eq(b.rc, 0, "%s", b.err);
	cr_expect_str_eq(a.out, b.out);
	const char *files[] = { "jobs.csv", "batsim_jobs.csv", "summary.json", "occupancy.csv", "timeseries.csv" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char pa[256], pb[256];
		th_in(pa, sizeof pa, a.dir, files[i]);
		th_in(pb, sizeof pb, b.dir, files[i]);
		size_t la, lb;
		char *x = th_slurp(pa, &la), *y = th_slurp(pb, &lb);
		cr_assert_not_null(x, "%s", pa);
		cr_assert_not_null(y, "%s", pb);
		cr_expect(la == lb && memcmp(x, y, la) == 0, "%s differs", files[i]);
		free(x);
		free(y);
	}
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(a.summary, "gpu_map"), 0),
						       "node_types")), "a100+v100");
	run_free(&a);
	run_free(&b);
}

/* exit 2, nothing on stdout, one line on stderr containing want */
static void expect_map_error(const char *workload, const char *format, const char *map, const char *want)
{
	run r;
	run_files(&r, CLUSTER, workload, format, ARGS("--gpu-map", map));
	cr_expect_eq(r.rc, 2, "--gpu-map %s: exit %d, stderr: %s", map, r.rc, r.err);
	cr_expect_str_empty(r.out);
	cr_expect(strstr(r.err, want), "stderr '%s' should contain '%s'", r.err, want);
	cr_expect_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "one line: %s", r.err);
	run_free(&r);
}

Test(gpumap, a_bad_map_is_a_one_line_error_with_status_2)
{
	expect_map_error(PAI, "pai", "V100",
			 "--gpu-map 'V100': expected MODEL=TYPE[+TYPE...]");
	expect_map_error(PAI, "pai", "V100=a100,V100=v100",
			 "--gpu-map 'V100=v100': model 'V100' already has a rule ('V100=a100')");
	expect_map_error(PAI, "pai", "A100=a100",
			 "names GPU model 'A100' (its models: V100, T4, MISC; '*' stands for the rest)");
	expect_map_error(PHILLY, "philly", "V100=a100",
			 "names GPU model 'V100' (it names none; '*' stands for the rest)");
	expect_map_error(PAI, "pai", "V100=h100",
			 "--gpu-map 'V100=h100': 'h100' is not a node type of");
	expect_map_error(PAI, "pai", "V100=v100+cpu",
			 "--gpu-map 'V100=v100+cpu': node type 'cpu' has no GPUs");
	expect_map_error(PAI, "pai", "*=v100++a100",
			 "--gpu-map '*=v100++a100': expected MODEL=TYPE[+TYPE...], node type names separated by '+'");
	expect_map_error(PAI, "pai", "*=a100+a100",
			 "--gpu-map '*=a100+a100': node type 'a100' is listed twice");
}

/* The library's view: PAI's models V100 and T4 sent to the same node type
 * share one list, after the cluster's partitions; MISC keeps the default. */
Test(gpumap, models_with_the_same_node_types_share_one_partition)
{
	char err[CS_ERRLEN] = "";
	cs_cluster *c = NULL;
	cr_assert_eq(cs_cluster_load(&c, CLUSTER, err, sizeof err), 0, "%s", err);
	cs_trace t;
	cs_trace_init(&t);
	cr_assert_eq(cs_pai_read(&t, PAI, err, sizeof err), 0, "%s", err);
	const char *map[] = { "V100=a100,T4=a100" };
	cs_gpumap m;
	cr_assert_eq(cs_gpumap_build(&m, c, &t, "pai", map, 1, err, sizeof err), 0, "%s", err);
	int32_t v100 = cs_names_find(&t.partitions, "V100"), t4 = cs_names_find(&t.partitions, "T4"),
		misc = cs_names_find(&t.partitions, "MISC");
	cr_expect_eq(m.ncluster, 3);
	cr_expect_eq(m.npartitions, 5, "the cluster's 3, a100, v100+a100");
	cr_expect_eq(m.gpu_part[v100], 3);
	cr_expect_eq(m.gpu_part[t4], 3);
	cr_expect_eq(m.gpu_part[misc], 4);
	cr_expect_eq(m.part_first[4] - m.part_first[3], 1);
	cr_expect_eq(m.part_types[m.part_first[3]], 1, "a100 is node type 1");
	cr_expect_eq(m.part_types[m.part_first[4]], 0);
	cr_expect_eq(m.part_types[m.part_first[4] + 1], 1);
	cr_assert_eq(m.nused, 3);
	cr_expect_str_eq(m.used[2].model, "MISC");
	cr_expect_str_eq(m.used[2].types, "v100+a100");
	cr_expect_eq(m.used[2].rule, 0);
	cs_gpumap_free(&m);
	cs_trace_free(&t);
	cs_cluster_free(c);
}
