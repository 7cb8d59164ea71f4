/* Topology rules on jobs (the native CSV's `topology` column): parsed,
 * written back, and honoured by every policy on the node model, on a small
 * cluster worked by hand. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/alloc.h"
#include "capsim/native.h"
#include "capsim/run.h"
#include "capsim/trace.h"
#include "capsim/workload.h"
#include "helpers.h"

/* 6 nodes x 4 GPUs; leaf switches of 2 nodes (radix 4, 1:1): leaves
 * {0,1} {2,3} {4,5}; blocks of 4 nodes: {0-3} {4,5}. */
static const char leafy_yaml[] =
	"name: leafy\n"
	"site: {pue: 1}\n"
	"node_types:\n"
	"  - name: g4\n"
	"    count: 6\n"
	"    topology: \"pack:2 numa:1 core:4 pu:1\"\n"
	"    memory_gib: 64\n"
	"    gpus: {model: H100-SXM5-80GB, count: 4, per_package: 2}\n"
	"    power_w: {idle: 0, peak: 0}\n"
	"partitions:\n"
	"  - {name: gpu, node_types: [g4]}\n"
	"fabric:\n"
	"  levels:\n"
	"    - {name: leaf, radix: 4, oversubscription: 1}\n"
	"    - {name: spine, radix: 8, oversubscription: 1}\n"
	"  blocks: {size_nodes: 4}\n";

#define HDR "id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,runtime,qos,partition,state,topology\n"

/* J1-J5 take nodes 0-4 at 0 (ending at 100, 200, 300, 400, 400). J6 (2
 * nodes, 50 s, submitted at 10) under rule RULE: at 100 J1's node 0 and
 * node 5 are free, but in leaves 0 and 2 and blocks 0 and 1; at 200 J2
 * gives node 1 back and leaf 0 (block 0) holds J6. J7 (one node, 50 s, at
 * 110) and J8 (one node, 200 s, at 120) come after it. */
static void run_case(const char *rule, const char *policy, cs_run_result *r)
{
	char csv[2048];
	snprintf(csv, sizeof csv,
		 HDR "1,a,u,0,1,4,0,0,100,100,,gpu,completed,\n"
		     "2,a,u,0,1,4,0,0,200,200,,gpu,completed,\n"
		     "3,a,u,0,1,4,0,0,300,300,,gpu,completed,\n"
		     "4,a,u,0,1,4,0,0,400,400,,gpu,completed,\n"
		     "5,a,u,0,1,4,0,0,400,400,,gpu,completed,\n"
		     "6,b,v,10,2,4,0,0,50,50,,gpu,completed,%s\n"
		     "7,c,w,110,1,4,0,0,50,50,,gpu,completed,\n"
		     "8,c,w,120,1,4,0,0,200,200,,gpu,completed,\n",
		 rule);
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = policy;
	th_run_on(leafy_yaml, csv, ".csv", &o, r);
}

static uint32_t node_of(const cs_run_result *r, int64_t id, uint32_t k)
{
	for (size_t i = 0; i < r->njobs; i++)
		if (r->jobs[i].id == id)
			return r->placements[r->placement_off[i] + k].node;
	cr_assert_fail("no job %lld", (long long)id);
	return 0;
}

/* Job id's two nodes are {a, b}, in either order. */
static int nodes_are(const cs_run_result *r, int64_t id, uint32_t a, uint32_t b)
{
	uint32_t x = node_of(r, id, 0), y = node_of(r, id, 1);
	return (x == a && y == b) || (x == b && y == a);
}

/* Without a rule, or with at most 2 leaves, J6 takes nodes 0 and 5 at 100. */
Test(topo_rules, no_rule_spans_leaves)
{
	const char *rules[2] = { "", "leaves:2" };
	for (int k = 0; k < 2; k++) {
		cs_run_result r;
		run_case(rules[k], "fcfs", &r);
		cr_assert_eq(th_start(&r, 6), 100, "rule \"%s\"", rules[k]);
		cr_assert(nodes_are(&r, 6, 0, 5));
		cs_run_result_free(&r);
	}
}

/* One leaf or one block: J6 waits for node 1 and starts at 200 on 0, 1.
 * FCFS: J7 starts with it, on node 5 (the last free one); J8 when J6 ends
 * at 250. */
Test(topo_rules, one_leaf_or_block_waits_for_the_leaf_under_fcfs)
{
	const char *rules[3] = { "leaf", "leaves:1", "block" };
	for (int k = 0; k < 3; k++) {
		cs_run_result r;
		run_case(rules[k], "fcfs", &r);
		cr_assert_eq(th_start(&r, 6), 200, "rule %s", rules[k]);
		cr_assert(nodes_are(&r, 6, 0, 1));
		cr_assert_eq(th_start(&r, 7), 200);
		cr_assert_eq(node_of(&r, 7, 0), 5);
		cr_assert_eq(th_start(&r, 8), 250);
		cs_run_result_free(&r);
	}
}

/* EASY and conservative: J6's reservation is 200 on nodes 0 and 1. J7
 * (ends 160, before it) backfills at 110 on node 0; J8 (ends 320) may not
 * use nodes 0 or 1 and backfills at 120 on node 5. J6 is not delayed. */
Test(topo_rules, backfilling_keeps_the_leaf_for_the_rule)
{
	const char *pol[2] = { "easy", "conservative" };
	for (int k = 0; k < 2; k++) {
		cs_run_result r;
		run_case("leaf", pol[k], &r);
		cr_assert_eq(th_job(&r, 6)->reservation_s, 200, "%s", pol[k]);
		cr_assert_eq(th_start(&r, 6), 200, "%s", pol[k]);
		cr_assert(nodes_are(&r, 6, 0, 1), "%s", pol[k]);
		cr_assert_eq(th_start(&r, 7), 110, "%s", pol[k]);
		cr_assert_eq(node_of(&r, 7, 0), 0, "%s", pol[k]);
		cr_assert_eq(th_start(&r, 8), 120, "%s", pol[k]);
		cr_assert_eq(node_of(&r, 8, 0), 5, "%s", pol[k]);
		cs_run_result_free(&r);
	}
}

/* A rule no leaf or block of the machine can meet drops the job, counted
 * as topology_unmet (a job too large anyway counts as larger_than_machine). */
Test(topo_rules, an_impossible_rule_is_too_large)
{
	cs_run_result r;
	cs_run_opts o;
	cs_run_opts_default(&o);
	th_run_on(leafy_yaml,
		  HDR "1,a,u,0,3,4,0,0,10,10,,gpu,completed,leaf\n"
		      "2,a,u,0,3,4,0,0,10,10,,gpu,completed,block\n"
		      "3,a,u,0,5,4,0,0,10,10,,gpu,completed,block\n"
		      "4,a,u,0,5,4,0,0,10,10,,gpu,completed,leaves:2\n"
		      "5,a,u,0,5,4,0,0,10,10,,gpu,completed,leaves:3\n",
		  ".csv", &o, &r);
	cr_assert_eq(r.njobs, 2, "3 nodes in a block of 4, 5 nodes over 3 leaves");
	cr_assert_eq(r.jobs[0].id, 2);
	cr_assert_eq(r.jobs[1].id, 5);
	cr_assert_eq(r.wst.dropped[CS_DROP_TOPOLOGY], 3);
	cr_assert_eq(r.wst.dropped[CS_DROP_TOO_LARGE], 0);
	cs_run_result_free(&r);
	/* 7 nodes: larger than the machine, whatever the rule */
	th_run_on(leafy_yaml, HDR "1,a,u,0,7,4,0,0,10,10,,gpu,completed,leaf\n"
				  "2,a,u,0,1,4,0,0,10,10,,gpu,completed,\n", ".csv", &o, &r);
	cr_assert_eq(r.wst.dropped[CS_DROP_TOO_LARGE], 1);
	cr_assert_eq(r.wst.dropped[CS_DROP_TOPOLOGY], 0);
	cs_run_result_free(&r);
}

/* The column reads and writes back; a bad value names the file, line and
 * column. */
Test(topo_rules, native_column_round_trips_and_bad_values_fail)
{
	const char *csv = HDR "1,a,u,0,2,4,0,0,10,10,,gpu,completed,leaf\n"
			      "2,a,u,0,2,4,0,0,10,10,,gpu,completed,leaves:3\n"
			      "3,a,u,0,2,4,0,0,10,10,,gpu,completed,block\n"
			      "4,a,u,0,2,4,0,0,10,10,,gpu,completed,any\n"
			      "5,a,u,0,2,4,0,0,10,10,,gpu,completed,\n";
	char *p = th_write_tmp(csv, ".csv");
	cs_trace t;
	cs_trace_init(&t);
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_native_read(&t, p, err, sizeof err), 0, "%s", err);
	cr_assert_eq(t.jobs[0].topo, CS_TOPO_ONE_LEAF);
	cr_assert_eq(t.jobs[1].topo, CS_TOPO_MAX_LEAVES);
	cr_assert_eq(t.jobs[1].max_leaves, 3);
	cr_assert_eq(t.jobs[2].topo, CS_TOPO_ONE_BLOCK);
	cr_assert_eq(t.jobs[3].topo, CS_TOPO_ANY);
	cr_assert_eq(t.jobs[4].topo, CS_TOPO_ANY);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_eq(cs_native_write(&t, f), 0);
	fclose(f);
	cr_assert(strstr(buf, ",topology\n") != NULL);
	cr_assert(strstr(buf, ",completed,leaf\n") != NULL);
	cr_assert(strstr(buf, ",completed,leaves:3\n") != NULL);
	cr_assert(strstr(buf, ",completed,block\n") != NULL);
	cr_assert(strstr(buf, "5,a,u,0,2,4,0,0,10,10,,gpu,completed,\n") != NULL);
	free(buf);
	cs_trace_free(&t);
	th_unlink(p);
	const char *bad[3] = { "leaves:0", "spine", "leaves:x" };
	for (int k = 0; k < 3; k++) {
		char line[512];
		snprintf(line, sizeof line, HDR "1,a,u,0,2,4,0,0,10,10,,gpu,completed,%s\n", bad[k]);
		p = th_write_tmp(line, ".csv");
		cs_trace_init(&t);
		cr_assert_eq(cs_native_read(&t, p, err, sizeof err), -CS_EPARSE, "%s", bad[k]);
		cr_assert(strstr(err, ":2: column topology: not a placement rule") != NULL, "%s", err);
		cs_trace_free(&t);
		th_unlink(p);
	}
}

/* Four generated days on the default centre (32 nodes a leaf switch, no
 * blocks), with every third multi-node job held to one leaf and every
 * third to at most two: each such job runs within its rule, conservative
 * starts no job after its reservation, and its search narrowed to freed
 * nodes gives the plans of the full search (th_ruled_csv). */
Test(topo_rules, rules_hold_on_a_generated_workload)
{
	char err[CS_ERRLEN] = "";
	size_t ruled = 0;
	char *path = th_ruled_csv(1.0, &ruled);
	cr_assert_gt(ruled, 50);
	static const char *const pol[3] = { "easy", "conservative", "conservative" };
	cs_run_result r[3];
	for (int k = 0; k < 3; k++) {
		cs_run_opts o;
		cs_run_opts_default(&o);
		o.workload = path;
		o.policy = pol[k];
		if (k == 2) {
			o.keys[0] = "search";
			o.vals[0] = "all";
			o.nparams = 1;
		}
		cr_assert_eq(cs_run(&o, &r[k], err, sizeof err), 0, "%s", err);
		size_t late = 0, checked = 0;
		for (size_t i = 0; i < r[k].njobs; i++) {
			const cs_job *j = &r[k].jobs[i];
			late += k > 0 && j->start_s > j->reservation_s;
			if (!j->topo || j->start_s < 0)
				continue;
			uint32_t leaves[64], nl = 0;
			for (size_t s = r[k].placement_off[i]; s < r[k].placement_off[i + 1]; s++) {
				uint32_t lf = r[k].placements[s].node / 32, q = 0;
				while (q < nl && leaves[q] != lf)
					q++;
				if (q == nl)
					leaves[nl++] = lf;
			}
			cr_assert_leq(nl, j->topo == CS_TOPO_ONE_LEAF ? 1u : 2u, "%s: job %lld on %u leaves", pol[k],
				      (long long)j->id, nl);
			checked++;
		}
		cr_assert_eq(late, 0, "%s: %zu jobs started after their reservation", pol[k], late);
		cr_assert_gt(checked, 50);
	}
	th_unlink(path);
	cr_assert_eq(r[1].njobs, r[2].njobs);
	for (size_t i = 0; i < r[1].njobs; i++) {
		cr_assert_eq(r[1].jobs[i].start_s, r[2].jobs[i].start_s, "job %lld", (long long)r[1].jobs[i].id);
		for (size_t s = r[1].placement_off[i]; s < r[1].placement_off[i + 1]; s++)
			cr_assert_eq(r[1].placements[s].node, r[2].placements[s].node);
	}
	for (int k = 0; k < 3; k++)
		cs_run_result_free(&r[k]);
}
