/* The node model: GPU workloads placed node by node (sim/nodemodel.c,
 * the engine's node mode, cs_ctx_hold), on small clusters worked by hand. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/alloc.h"
#include "capsim/cluster.h"
#include "capsim/nodemodel.h"
#include "capsim/topo.h"
#include "capsim/run.h"
#include "capsim/trace.h"
#include "helpers.h"

/* 3 GPU nodes x 4 GPUs (8 cores, 64 GiB) in partition gpu; 1 CPU node. */
static const char tiny_yaml[] =
	"name: tiny\n"
	"site: {pue: 1.2}\n"
	"node_types:\n"
	"  - name: g4\n"
	"    count: 3\n"
	"    topology: \"pack:2 numa:1 core:4 pu:1\"\n"
	"    memory_gib: 64\n"
	"    gpus: {model: H100-SXM5-80GB, count: 4, per_package: 2, peak_tflops: {fp64: 34}}\n"
	"    power_w: {idle: 1000, peak: 5000}\n"
	"  - name: c\n"
	"    count: 1\n"
	"    topology: \"pack:1 numa:1 core:16 pu:1\"\n"
	"    memory_gib: 128\n"
	"    power_w: {idle: 200, peak: 500}\n"
	"partitions:\n"
	"  - {name: gpu, node_types: [g4], max_time_s: 86400}\n"
	"  - {name: cpu, node_types: [c], max_time_s: 86400}\n";

#define HDR "id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,runtime,qos,partition,state\n"

/* Run a native CSV on the tiny cluster. */
static void run_tiny(const char *csv, const char *policy, cs_run_result *r)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = policy;
	th_run_on(tiny_yaml, csv, ".csv", &o, r);
}

Test(nodemodel, layout_from_the_cluster)
{
	char *y = th_write_tmp(tiny_yaml, ".yaml");
	cs_cluster *c;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_cluster_load(&c, y, err, sizeof err), 0, "%s", err);
	cs_nodemodel m;
	cr_assert_eq(cs_nodemodel_build(&m, c, err, sizeof err), 0, "%s", err);
	cr_assert_eq(m.layout.nnodes, 4);
	cr_assert_eq(m.layout.ntypes, 2);
	cr_assert_eq(m.types[0].gpus, 4);
	cr_assert_eq(m.types[0].cores, 8);
	cr_assert_eq(m.types[0].mem_mib, 64 * 1024);
	/* declared 2 GPUs per package: groups 0,0,1,1 */
	cr_assert_eq(m.types[0].gpu_group[1], 0);
	cr_assert_eq(m.types[0].gpu_group[2], 1);
	/* cores by package, like the GPUs: 4 a package */
	cr_assert_eq(m.types[0].core_group[3], 0);
	cr_assert_eq(m.types[0].core_group[4], 1);
	cr_assert_eq(m.types[1].gpus, 0);
	cr_assert_eq(m.types[1].cores, 16);
	cr_assert_eq(m.node_type[2], 0);
	cr_assert_eq(m.node_type[3], 1);
	cr_assert_eq(m.total_gpus, 12);
	cr_assert_eq(m.total_cores, 3 * 8 + 16);
	cr_assert_eq(m.npartitions, 2);
	cr_assert_eq(m.part_types[m.part_first[1]], 1);
	/* no fabric: one leaf of all nodes */
	cr_assert_eq(m.layout.nleaves, 1);
	cs_nodemodel_free(&m);
	cs_cluster_free(c);
	th_unlink(y);
}

/* aws-g4dn-metal (hwloc XML): 8 T4s, GPUs 0-3 on NUMA 0 and 4-7 on NUMA 1,
 * 24 cores each. Each core's group is its NUMA domain, like the GPUs'; a
 * 1-GPU job placed on GPU 5 (GPUs 0-4 taken by a 5-GPU job) gets its cores
 * from NUMA 1. */
Test(nodemodel, a_gpu_jobs_cores_come_from_its_gpus_numa_domain)
{
	char yaml[2048];
	snprintf(yaml, sizeof yaml,
		 "name: g4dn\n"
		 "site: {pue: 1.2}\n"
		 "node_types:\n"
		 "  - name: t4\n"
		 "    count: 1\n"
		 "    topology: %s/topologies/aws-g4dn-metal-8xT4.xml\n"
		 "    memory_gib: 256\n"
		 "    gpus: {model: T4, count: 8}\n"
		 "    power_w: {idle: 100, peak: 1000}\n"
		 "partitions:\n"
		 "  - {name: gpu, node_types: [t4], max_time_s: 86400}\n",
		 th_shared());
	char *y = th_write_tmp(yaml, ".yaml");
	cs_cluster *c;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_cluster_load(&c, y, err, sizeof err), 0, "%s", err);
	cs_nodemodel m;
	cr_assert_eq(cs_nodemodel_build(&m, c, err, sizeof err), 0, "%s", err);
	const cs_topo *topo = cs_cluster_node_type_at(c, 0)->topo;
	cr_assert_eq(m.types[0].cores, 48);
	cr_assert_eq(m.types[0].gpu_group[3], 0);
	cr_assert_eq(m.types[0].gpu_group[5], 1);
	for (int k = 0; k < 48; k++)
		cr_assert_eq(m.types[0].core_group[k], cs_topo_core_numa(topo, k), "core %d", k);
	cs_alloc *a;
	cr_assert_eq(cs_alloc_new(&a, &m.layout, CS_FIT_BEST, err, sizeof err), 0, "%s", err);
	cs_slot s[2];
	cs_placement p5 = { s, 1, 0 }, p1 = { s + 1, 1, 0 };
	cs_request r5 = { .nodes = 1, .gpus_per_node = 5, .cores_per_node = 2, .type = -1 };
	cs_request r1 = { .nodes = 1, .gpus_per_node = 1, .cores_per_node = 6, .type = -1 };
	cr_assert_eq(cs_alloc_try(a, &r5, &p5), 0);
	cr_assert_eq(cs_alloc_try(a, &r1, &p1), 0);
	cr_assert_eq(s[1].gpu_mask, 1u << 5);
	int got = 0;
	for (int k = 0; k < 48; k++)
		if (s[1].core_mask[k / 64] >> (k % 64) & 1) {
			cr_assert_eq(cs_topo_core_numa(topo, k), 1, "core %d", k);
			got++;
		}
	cr_assert_eq(got, 6);
	cs_alloc_free(a);
	cs_nodemodel_free(&m);
	cs_cluster_free(c);
	th_unlink(y);
}

/* J1-J3 each take 3 GPUs of one node: 3 GPUs free, one per node. J4 asks
 * for 1 node x 2 GPUs: enough GPUs in total, but no node has 2, so it waits
 * for J1's end at 100 (its reservation). */
Test(nodemodel, fragmented_gpus_do_not_fit_a_two_gpu_job)
{
	cs_run_result r;
	run_tiny(HDR "1,a,u,0,1,3,0,0,100,100,,gpu,completed\n"
		     "2,a,u,0,1,3,0,0,200,200,,gpu,completed\n"
		     "3,a,u,0,1,3,0,0,300,300,,gpu,completed\n"
		     "4,b,v,1,1,2,0,0,50,50,,gpu,completed\n",
		 "easy", &r);
	cr_assert_eq(th_start(&r, 4), 100);
	cr_assert_eq(th_job(&r, 4)->reservation_s, 100);
	cs_run_result_free(&r);
}

/* Partition gpu lists two 8-GPU nodes (0, 1) before one 4-GPU node (2). */
static const char two_sizes_yaml[] =
	"name: two-sizes\n"
	"site: {pue: 1.2}\n"
	"node_types:\n"
	"  - name: g8\n"
	"    count: 2\n"
	"    topology: \"pack:2 numa:1 core:4 pu:1\"\n"
	"    memory_gib: 64\n"
	"    gpus: {model: H100-SXM5-80GB, count: 8, per_package: 4}\n"
	"    power_w: {idle: 1000, peak: 5000}\n"
	"  - name: g4\n"
	"    count: 1\n"
	"    topology: \"pack:2 numa:1 core:4 pu:1\"\n"
	"    memory_gib: 64\n"
	"    gpus: {model: H100-SXM5-80GB, count: 4, per_package: 2}\n"
	"    power_w: {idle: 600, peak: 2600}\n"
	"partitions:\n"
	"  - {name: gpu, node_types: [g8, g4], max_time_s: 86400}\n";

/* J1 (2 GPUs, 100 s) comes first; J2 and J3 (8 GPUs, 50 s) at 1. Best fit
 * takes the partition's first node type for J1, node 0 (until 100), so J3
 * waits for J2's node 1 until 51; the fragmentation-aware fit breaks the
 * 4-GPU node for J1, the type with the fewest GPUs, and J2 and J3 both
 * start at 1. */
Test(nodemodel, fragmentation_aware_fit_puts_a_small_job_on_the_partitions_smallest_node_type)
{
	const char *csv = HDR "1,a,u,0,1,2,0,0,100,100,,gpu,completed\n"
			      "2,b,v,1,1,8,0,0,50,50,,gpu,completed\n"
			      "3,b,v,1,1,8,0,0,50,50,,gpu,completed\n";
	const cs_fit fits[2] = { CS_FIT_BEST, CS_FIT_FRAG };
	const uint32_t j1_node[2] = { 0, 2 };
	const cs_time j3_start[2] = { 51, 1 };
	for (int k = 0; k < 2; k++) {
		cs_run_opts o;
		cs_run_opts_default(&o);
		o.policy = "easy";
		o.fit = fits[k];
		cs_run_result r;
		th_run_on(two_sizes_yaml, csv, ".csv", &o, &r);
		uint32_t node = r.placements[r.placement_off[0]].node;
		cr_assert_eq(node, j1_node[k], "fit %d: J1 on node %u", fits[k], node);
		cr_assert_eq(th_start(&r, 2), 1);
		cr_assert_eq(th_start(&r, 3), j3_start[k], "fit %d: J3 at %lld", fits[k], (long long)th_start(&r, 3));
		cs_run_result_free(&r);
	}
}

/* Conservative's plan of one node takes, of the nodes that can hold it
 * at its start, the one with the fewest GPUs free then. J1 (4 GPUs until
 * 100) fills node 0; J2 (1 GPU until 1000) and J3 (2 GPUs until 100)
 * take node 1; J4 (3 GPUs until 300) node 2. J5 (3 GPUs) fits nowhere at
 * 1; at 100 nodes 0 (4 GPUs free) and 1 (3) can hold it: node 1, not
 * the lowest numbered. */
Test(nodemodel, conservative_plans_one_node_where_the_fewest_gpus_are_free)
{
	cs_run_result r;
	run_tiny(HDR "1,a,u,0,1,4,0,0,100,100,,gpu,completed\n"
		     "2,a,u,0,1,1,0,0,1000,1000,,gpu,completed\n"
		     "3,a,u,0,1,2,0,0,100,100,,gpu,completed\n"
		     "4,a,u,0,1,3,0,0,300,300,,gpu,completed\n"
		     "5,b,v,1,1,3,0,0,50,50,,gpu,completed\n",
		 "conservative", &r);
	const uint32_t want[5] = { 0, 1, 1, 2, 1 };
	for (uint32_t i = 0; i < 5; i++) {
		uint32_t node = r.placements[r.placement_off[i]].node;
		cr_assert_eq(node, want[i], "J%u on node %u, want %u", i + 1, node, want[i]);
	}
	cr_assert_eq(th_start(&r, 5), 100);
	cr_assert_eq(th_job(&r, 5)->reservation_s, 100);
	cs_run_result_free(&r);
}

/* The same for a plan of two nodes: J4 (3 GPUs) now ends at 100 too, so
 * at 100 all three nodes can hold J5 (2 nodes x 3 GPUs): nodes 1 (3 GPUs
 * free) and 0 (4; before node 2, as free as it, by number). */
Test(nodemodel, conservative_plans_nodes_where_the_fewest_gpus_are_free)
{
	cs_run_result r;
	run_tiny(HDR "1,a,u,0,1,4,0,0,100,100,,gpu,completed\n"
		     "2,a,u,0,1,1,0,0,1000,1000,,gpu,completed\n"
		     "3,a,u,0,1,2,0,0,100,100,,gpu,completed\n"
		     "4,a,u,0,1,3,0,0,100,100,,gpu,completed\n"
		     "5,b,v,1,2,3,0,0,50,50,,gpu,completed\n",
		 "conservative", &r);
	cr_assert_eq(th_start(&r, 5), 100);
	uint32_t used = 0;
	for (size_t m = r.placement_off[4]; m < r.placement_off[5]; m++)
		used |= 1u << r.placements[m].node;
	cr_assert_eq(used, 3u, "J5 on nodes %#x, want 0 and 1", used);
	cs_run_result_free(&r);
}

/* J1-J3 take 3 of the 4 GPUs of each node until 100, 200, 300; J4 wants a
 * whole node; J5-J7 one GPU for 500 s, J8 one GPU for 90 s. */
static const char hold_csv[] = HDR "1,a,u,0,1,3,0,0,100,100,,gpu,completed\n"
				   "2,a,u,0,1,3,0,0,200,200,,gpu,completed\n"
				   "3,a,u,0,1,3,0,0,300,300,,gpu,completed\n"
				   "4,b,v,1,1,4,0,0,50,50,,gpu,completed\n"
				   "5,c,w,2,1,1,0,0,500,500,,gpu,completed\n"
				   "6,c,w,3,1,1,0,0,500,500,,gpu,completed\n"
				   "7,c,w,4,1,1,0,0,500,500,,gpu,completed\n"
				   "8,c,w,5,1,1,0,0,90,90,,gpu,completed\n";

/* The head J4 needs a whole node (4 GPUs) at 100, when J1 ends on node 0:
 * it holds node 0. J5 and J6 (1 GPU, running past 100) backfill on the
 * free GPU of nodes 1 and 2; J7 (the same) finds only node 0's free GPU,
 * which the hold keeps, so it waits: J4 starts at its reservation, and J7
 * at 150 when J4 ends. J8, short (ends by 100), may use node 0's GPU. */
Test(nodemodel, easy_hold_is_node_level)
{
	cs_run_result r;
	run_tiny(hold_csv, "easy", &r);
	cr_assert_eq(th_job(&r, 4)->reservation_s, 100);
	cr_assert_eq(th_start(&r, 4), 100);
	cr_assert_eq(th_start(&r, 5), 2);
	cr_assert_eq(th_start(&r, 6), 3);
	cr_assert_eq(th_start(&r, 8), 5);
	/* J7 becomes the head once J4 runs; J4 ends at 150 and frees node 0 */
	cr_assert_eq(th_start(&r, 7), 150);
	cr_assert_eq(th_job(&r, 7)->reservation_s, 150);
	cs_run_result_free(&r);
}

/* FCFS never backfills. A CPU job in another partition does not wait
 * behind the gpu partition's head (queues per partition, the default);
 * with queue=global it does (one queue). */
Test(nodemodel, fcfs_queues_per_partition_unless_global)
{
	const char *jobs = HDR "1,a,u,0,3,3,0,0,100,100,,gpu,completed\n"
			       "2,b,v,1,1,4,0,0,50,50,,gpu,completed\n"
			       "3,c,w,2,1,0,8,0,10,10,,cpu,completed\n";
	cs_run_result r;
	run_tiny(jobs, "fcfs", &r);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 3), 2);
	cs_run_result_free(&r);
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "fcfs";
	o.nparams = 1;
	o.keys[0] = "queue";
	o.vals[0] = "global";
	th_run_on(tiny_yaml, jobs, ".csv", &o, &r);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 3), 100);
	cs_run_result_free(&r);
	run_tiny(jobs, "easy", &r);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 3), 2); /* backfilled on the CPU node */
	cs_run_result_free(&r);
}

/* Cores and memory bound a node too: two 6-core jobs cannot share an
 * 8-core node even though GPUs are free (J2 waits for 100); J3 (1 core and
 * 40000 MiB on each node, ending by 100) backfills beside J1; J4 then finds
 * no node with 40000 MiB left. */
Test(nodemodel, cores_and_memory_are_per_node_limits)
{
	cs_run_result r;
	run_tiny(HDR "1,a,u,0,3,1,6,0,100,100,,gpu,completed\n"
		     "2,a,u,0,1,1,6,0,100,100,,gpu,completed\n"
		     "3,a,u,0,3,1,1,40000,100,100,,gpu,completed\n"
		     "4,a,u,0,1,1,1,40000,100,100,,gpu,completed\n",
		 "easy", &r);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 3), 0);
	cr_assert_eq(th_start(&r, 4), 100);
	cs_run_result_free(&r);
}

/* Drops: unknown run time, too large for the partition (5 nodes; 8 GPUs
 * per node), kill at the time limit, partition not in the cluster. */
Test(nodemodel, filter_rules_and_unknown_partitions)
{
	cs_run_result r;
	run_tiny(HDR "1,a,u,0,1,1,0,0,100,-1,,gpu,completed\n"
		     "2,a,u,0,4,1,0,0,100,50,,gpu,completed\n"
		     "3,a,u,0,1,8,0,0,100,50,,gpu,completed\n"
		     "4,a,u,0,1,1,0,0,100,150,,gpu,timeout\n"
		     "5,a,u,0,1,2,0,0,100,50,,elsewhere,completed\n"
		     "6,a,u,0,1,0,2,0,100,50,,,completed\n",
		 "fcfs", &r);
	cr_assert_eq(r.wst.records, 6);
	cr_assert_eq(r.wst.dropped[CS_DROP_RUNTIME], 1);
	cr_assert_eq(r.wst.dropped[CS_DROP_TOO_LARGE], 2);
	cr_assert_eq(r.njobs, 3);
	cr_assert_eq(r.wst.killed, 1);
	cr_assert_eq(th_job(&r, 4)->runtime_s, 100);
	cr_assert_eq(r.wst.any_partition, 2);
	cr_assert_eq(th_start(&r, 5), 0);
	cr_assert_eq(th_start(&r, 6), 0);
	cs_run_result_free(&r);
}

/* --overrun on the node model: job 1 asks 100 s and runs 150. kill: runs
 * 100, estimated 100; continue: runs 150, estimated 100; raise: runs 150,
 * estimated 150. */
Test(nodemodel, overrun_kill_continue_or_raise)
{
	struct { cs_overrun ov; cs_time run, est; size_t killed; } cases[] = {
		{ CS_OVERRUN_KILL, 100, 100, 1 },
		{ CS_OVERRUN_CONTINUE, 150, 100, 0 },
		{ CS_OVERRUN_RAISE, 150, 150, 0 },
	};
	for (size_t k = 0; k < 3; k++) {
		cs_run_opts o;
		cs_run_opts_default(&o);
		o.policy = "easy";
		o.wconv.overrun = cases[k].ov;
		cs_run_result r;
		th_run_on(tiny_yaml, HDR "1,a,u,0,1,1,0,0,100,150,,gpu,timeout\n", ".csv", &o, &r);
		cr_assert_eq(th_job(&r, 1)->runtime_s, cases[k].run, "case %zu", k);
		cr_assert_eq(th_job(&r, 1)->estimate_s, cases[k].est, "case %zu", k);
		cr_assert_eq(r.wst.overran, 1, "case %zu", k);
		cr_assert_eq(r.wst.killed, cases[k].killed, "case %zu", k);
		cs_run_result_free(&r);
	}
}

/* Conservative on the node model (plans): the same case as the EASY hold.
 * Every waiting job holds a plan; J4's is node 0 at 100, J7's at 150 (it
 * plans behind J4 on node 0 and may not take node 0's free GPU before, as it
 * would run past 100); J5, J6 and J8 start at once elsewhere or before 100. */
Test(nodemodel, conservative_plans_are_node_level)
{
	cs_run_result r;
	run_tiny(hold_csv, "conservative", &r);
	cr_assert_eq(th_start(&r, 4), 100);
	cr_assert_eq(th_job(&r, 4)->reservation_s, 100);
	cr_assert_eq(th_start(&r, 5), 2);
	cr_assert_eq(th_start(&r, 6), 3);
	cr_assert_eq(th_start(&r, 7), 150);
	cr_assert_eq(th_job(&r, 7)->reservation_s, 150);
	cr_assert_eq(th_start(&r, 8), 5);
	for (size_t i = 0; i < r.njobs; i++)
		cr_assert_leq(r.jobs[i].start_s, r.jobs[i].reservation_s);
	cs_run_result_free(&r);
}

/* On a pooled machine the hold is EASY's shadow and extra processors, and
 * the linear scan gives the indexed scan's schedule job for job. */
static void same_schedule(const char *trace, const char *order)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/traces/pwa/%s", th_shared(), trace);
	cs_run_result a, b;
	cs_run_opts o;
	char err[CS_ERRLEN] = "";
	for (int k = 0; k < 2; k++) {
		cs_run_opts_default(&o);
		o.workload = path;
		o.policy = "easy";
		o.keys[0] = "order";
		o.vals[0] = order;
		o.keys[1] = "scan";
		o.vals[1] = k ? "linear" : "index";
		o.nparams = 2;
		cr_assert_eq(cs_run(&o, k ? &b : &a, err, sizeof err), 0, "%s", err);
	}
	cr_assert_eq(a.njobs, b.njobs);
	size_t diff = 0;
	for (size_t i = 0; i < a.njobs; i++)
		diff += a.jobs[i].start_s != b.jobs[i].start_s;
	cr_assert_eq(diff, 0, "%s %s: %zu jobs start differently", trace, order, diff);
	cr_assert_gt(a.m.backfilled, 1000);
	cs_run_result_free(&a);
	cs_run_result_free(&b);
}

Test(nodemodel, pooled_hold_equals_indexed_easy)
{
	same_schedule("KTH-SP2-1996-2.swf.gz", "fcfs");
	same_schedule("KTH-SP2-1996-2.swf.gz", "sjbf");
	same_schedule("SDSC-SP2-1998-4.2-cln.swf.gz", "fcfs");
}

/* An SWF trace's own machine as a cluster (one core per node on KTH-SP2):
 * node by node, every policy gives the pooled schedule job for job. That
 * checks the node-level hold against EASY's shadow and extra processors:
 * the hold takes what running jobs give back before what is free now. */
static void node_equals_pooled(const char *trace, const char *policy, const char *order)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/traces/pwa/%s", th_shared(), trace);
	cs_run_result a, b;
	cs_run_opts o;
	char err[CS_ERRLEN] = "";
	for (int k = 0; k < 2; k++) {
		cs_run_opts_default(&o);
		o.workload = path;
		o.policy = policy;
		if (order) {
			o.keys[0] = "order";
			o.vals[0] = order;
			o.nparams = 1;
		}
		o.node_model = k;
		cr_assert_eq(cs_run(&o, k ? &b : &a, err, sizeof err), 0, "%s", err);
	}
	cr_assert(b.machine.node_model);
	cr_assert_eq(b.machine.nodes, 100);
	cr_assert_eq(b.machine.cores, 100);
	cr_assert_eq(a.njobs, b.njobs);
	size_t diff = 0;
	for (size_t i = 0; i < a.njobs; i++)
		diff += a.jobs[i].start_s != b.jobs[i].start_s;
	cr_assert_eq(diff, 0, "%s %s: %zu jobs start differently", trace, policy, diff);
	cr_assert_float_eq(a.m.utilization, b.m.utilization, 1e-9);
	cs_run_result_free(&a);
	cs_run_result_free(&b);
}

Test(nodemodel, swf_header_machine_node_by_node_equals_pooled)
{
	node_equals_pooled("KTH-SP2-1996-2.swf.gz", "fcfs", NULL);
	node_equals_pooled("KTH-SP2-1996-2.swf.gz", "easy", NULL);
	node_equals_pooled("KTH-SP2-1996-2.swf.gz", "easy", "sjbf");
	node_equals_pooled("KTH-SP2-1996-2.swf.gz", "multifactor", NULL);
}

/* With 8 cores a node, node boundaries matter: a 9-processor job takes
 * 2 nodes x 5 cores; two such jobs cannot share the 2-node machine. */
Test(nodemodel, swf_jobs_become_nodes_of_cores)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.node_model = 1;
	o.nodes = 2;
	o.ppn = 8;
	o.policy = "fcfs";
	cs_run_result r;
	th_run_text(SWF_JOB(1, 0, 100, 9, 100) SWF_JOB(2, 0, 100, 6, 100) SWF_JOB(3, 0, 100, 1, 100), &o, &r);
	cr_assert_eq(th_job(&r, 1)->nodes, 2);
	cr_assert_eq(th_job(&r, 1)->cores_per_node, 5);
	cr_assert_eq(th_start(&r, 2), 100); /* 3 cores left on each node: 6 on one does not fit */
	cr_assert_eq(th_start(&r, 3), 100); /* FCFS: behind job 2 */
	cs_run_result_free(&r);
}

/* Advance reservations (--reserve): run the tiny cluster with them. */
static void run_tiny_resv(const char *csv, const char *policy, const char *const *resv, size_t nresv,
			  cs_run_result *r)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = policy;
	for (size_t i = 0; i < nresv; i++)
		o.reserve[i] = resv[i];
	o.nreserve = nresv;
	th_run_on(tiny_yaml, csv, ".csv", &o, r);
}

/* Maintenance on node 0 over [100, 200): J1 (150 s) may not run on it and
 * goes to node 1 at once; J2 needs all three GPU nodes: J1 ends at 150,
 * but node 0 is held until 200. J3 (40 s) fits on node 0 before the window.
 * The same under EASY (the head's hold) and conservative (J2's plan is 200
 * on all three nodes; J3 fits before the window and before the plan). */
static void maintenance_case(const char *policy)
{
	const char *resv[] = { "maint:100-200:g4*1" };
	cs_run_result r;
	run_tiny_resv(HDR "1,a,u,0,1,4,0,0,150,150,,gpu,completed\n"
			  "2,a,u,1,3,4,0,0,50,50,,gpu,completed\n"
			  "3,b,v,2,1,4,0,0,40,40,,gpu,completed\n",
		      policy, resv, 1, &r);
	cr_assert_eq(th_start(&r, 1), 0);
	cr_assert_eq(r.placements[r.placement_off[0]].node, 1);
	cr_assert_eq(th_start(&r, 2), 200);
	cr_assert_eq(th_job(&r, 2)->reservation_s, 200); /* the hold or plan respects the window */
	/* at 150 it fitted but for the window: Slurm's "Reservation" */
	cr_assert_str_eq(cs_wait_names[th_job(&r, 2)->reason], "Reservation");
	cr_assert_str_eq(cs_wait_names[th_job(&r, 3)->reason], "None");
	cr_assert_eq(th_start(&r, 3), 2);               /* ends at 42: backfilled on node 0 */
	cr_assert_eq(r.placements[r.placement_off[2]].node, 0);
	cs_run_result_free(&r);
}

Test(nodemodel, maintenance_reservation_keeps_nodes_free) { maintenance_case("easy"); }
Test(nodemodel, maintenance_reservation_under_conservative) { maintenance_case("conservative"); }

/* Compression on the node model. J1-J3 fill the three GPU nodes until 100
 * by their estimates; J4 (2 nodes) plans 100 on nodes 0 and 1, J5 (one
 * node, 80 s) 100 on node 2. J1 ends at 10, 90 s early: J4 still needs
 * two nodes and keeps 100, but J5 now fits on node 0 from 10 to 90, before
 * J4's plan there, and starts at 10: one plan moved (plan_moves; J1-J3
 * started without one, J4's stood). */
Test(nodemodel, conservative_plans_move_earlier_when_jobs_end_early)
{
	cs_run_result r;
	run_tiny(HDR "1,a,u,0,1,4,0,0,100,10,,gpu,completed\n"
		     "2,a,u,0,1,4,0,0,100,100,,gpu,completed\n"
		     "3,a,u,0,1,4,0,0,100,100,,gpu,completed\n"
		     "4,b,v,1,2,4,0,0,50,50,,gpu,completed\n"
		     "5,c,w,2,1,4,0,0,80,80,,gpu,completed\n",
		 "conservative", &r);
	cr_assert_eq(th_start(&r, 4), 100);
	cr_assert_eq(th_job(&r, 4)->reservation_s, 100);
	cr_assert_eq(th_job(&r, 5)->reservation_s, 100);
	cr_assert_eq(th_start(&r, 5), 10);
	cr_assert_eq(r.placements[r.placement_off[4]].node, 0);
	cr_assert_eq(r.est.plan_moves, 1);
	cs_run_result_free(&r);
}

/* A project's dedicated block: nodes 0-1 over [0, 400) for pX. pY's
 * 2-node job finds only node 2 outside it and waits for 400; pX's starts
 * at once inside it. */
Test(nodemodel, project_reservation_is_for_its_project_only)
{
	const char *resv[] = { "block:0-400:0-1:pX" };
	cs_run_result r;
	run_tiny_resv(HDR "1,pY,u,0,2,4,0,0,100,100,,gpu,completed\n"
			  "2,pX,v,5,2,4,0,0,100,100,,gpu,completed\n",
		      "easy", resv, 1, &r);
	cr_assert_eq(th_start(&r, 1), 400);
	cr_assert_eq(th_start(&r, 2), 5);
	cs_run_result_free(&r);
}

Test(nodemodel, reservation_errors)
{
	char *y = th_write_tmp(tiny_yaml, ".yaml");
	char *w = th_write_tmp(HDR "1,a,u,0,1,1,0,0,100,100,,gpu,completed\n", ".csv");
	const char *bad[][2] = { { "x:5-5:g4*1", "START < END" }, { "x:0-5:gpu*1", "node type" },
				 { "x:0-5:g4*4", "node type" }, { "x:0-5:2-9", "FIRST-LAST" },
				 { "x:0-5:g4*1:nobody", "project 'nobody'" }, { "x", "NAME:START-END" } };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *out, *err;
		int st = th_exec((const char *const[]){ "run", "--workload", w, "--cluster", y, "--reserve",
							bad[i][0], NULL }, &out, &err);
		cr_assert_eq(st, 2, "%s", bad[i][0]);
		cr_assert(strstr(err, bad[i][1]), "%s: %s", bad[i][0], err);
		free(out);
		free(err);
	}
	th_unlink(w);
	th_unlink(y);
}

/* SJF on GPUs: at 100 two 3-node jobs wait; the shorter estimate (J3)
 * goes first, J2 when it ends. */
Test(nodemodel, sjf_shortest_estimate_first)
{
	cs_run_result r;
	run_tiny(HDR "1,a,u,0,3,4,0,0,100,100,,gpu,completed\n"
		     "2,a,u,1,3,4,0,0,500,500,,gpu,completed\n"
		     "3,a,u,2,3,4,0,0,50,50,,gpu,completed\n",
		 "sjf", &r);
	cr_assert_eq(th_start(&r, 3), 100);
	cr_assert_eq(th_start(&r, 2), 150);
	cs_run_result_free(&r);
}

/* multifactor: pA used all GPU nodes over 0..100; at 100 its J2 and pB's
 * J3 (both need them all) wait with near-equal age: pB's fair-share factor
 * is 1, pA's 2^(-1/0.5) = 0.25 (all usage is pA's, shares equal), so
 * J3 goes first although J2 came earlier. */
Test(nodemodel, multifactor_fair_share_orders_projects)
{
	cs_run_result r;
	run_tiny(HDR "1,pA,u,0,3,4,0,0,100,100,,gpu,completed\n"
		     "2,pA,u,1,3,4,0,0,100,100,,gpu,completed\n"
		     "3,pB,v,2,3,4,0,0,100,100,,gpu,completed\n",
		 "multifactor", &r);
	cr_assert_eq(th_start(&r, 3), 100);
	cr_assert_eq(th_start(&r, 2), 200);
	cs_run_result_free(&r);
}
