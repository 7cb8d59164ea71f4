/* A Slurm site as a cluster: slurm.conf + topology.conf give the same model
 * as their YAML twin written by hand; bad files give FILE:LINE: key:. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/cluster.h"
#include "capsim/topo.h"
#include "helpers.h"

static cs_cluster *load(const char *rel)
{
	char path[1024], err[CS_ERRLEN] = "";
	snprintf(path, sizeof path, "%s/%s", th_root(), rel);
	cs_cluster *c = NULL;
	cr_assert_eq(cs_cluster_open(&c, path, NULL, err, sizeof err), 0, "%s", err);
	return c;
}

Test(cluster_slurm, slurm_conf_and_its_yaml_twin_are_the_same_model)
{
	cs_cluster *s = load("tests/data/slurm/site/slurm.conf");
	cs_cluster *y = load("tests/data/slurm/site/twin.yaml");
	cr_assert_str_eq(cs_cluster_name(s), cs_cluster_name(y));
	const cs_cluster_totals *ts = cs_cluster_totals_of(s), *ty = cs_cluster_totals_of(y);
	cr_assert_eq(ts->nodes, 12);
	cr_assert_eq(ts->nodes, ty->nodes);
	cr_assert_eq(ts->cores, 4 * 112 + 8 * 128);
	cr_assert_eq(ts->cores, ty->cores);
	cr_assert_eq(ts->gpus, 32);
	cr_assert_eq(ts->gpus, ty->gpus);
	cr_assert_float_eq(ts->memory_gib, ty->memory_gib, 1e-6);
	cr_assert_eq(cs_cluster_nnode_types(s), cs_cluster_nnode_types(y));
	for (int i = 0; i < cs_cluster_nnode_types(s); i++) {
		const cs_cluster_node_type *a = cs_cluster_node_type_at(s, i), *b = cs_cluster_node_type_at(y, i);
		cr_assert_eq(a->count, b->count);
		cr_assert_eq(a->gpus, b->gpus);
		cr_assert_str_eq(a->gpu_model, b->gpu_model);
		cr_assert_float_eq(a->memory_gib, b->memory_gib, 1e-6);
		cr_assert_eq(cs_topo_npackages(a->topo), cs_topo_npackages(b->topo));
		cr_assert_eq(cs_topo_ncores(a->topo), cs_topo_ncores(b->topo));
		cr_assert_eq(cs_topo_npus(a->topo), cs_topo_npus(b->topo));
	}
	cr_assert_eq(cs_cluster_npartitions(s), cs_cluster_npartitions(y));
	for (int i = 0; i < cs_cluster_npartitions(s); i++) {
		const cs_cluster_partition *a = cs_cluster_partition_at(s, i), *b = cs_cluster_partition_at(y, i);
		cr_assert_str_eq(a->name, b->name);
		cr_assert_eq(a->nnode_types, b->nnode_types);
		for (int k = 0; k < a->nnode_types; k++)
			cr_assert_eq(a->node_types[k], b->node_types[k]);
		cr_assert_eq(a->max_time_s, b->max_time_s);
		cr_assert_eq(a->max_nodes, b->max_nodes);
	}
	cr_assert_eq(cs_cluster_nfabric_levels(s), cs_cluster_nfabric_levels(y));
	for (int i = 0; i < cs_cluster_nfabric_levels(s); i++)
		cr_assert_eq(cs_cluster_fabric_level_at(s, i)->radix, cs_cluster_fabric_level_at(y, i)->radix);
	cs_cluster_free(s);
	cs_cluster_free(y);
}

Test(cluster_slurm, nodes_split_into_types_by_hardware_and_partitions)
{
	/* 4 identical nodes, but n[3-4] are also in partition "big": two types */
	char *p = th_write_tmp("NodeName=n[1-4] CPUs=8 RealMemory=1024\n"
			       "PartitionName=all Nodes=n[1-4]\nPartitionName=big Nodes=n[3-4]\n", ".conf");
	cs_cluster *c;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_cluster_open(&c, p, NULL, err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_cluster_nnode_types(c), 2);
	cr_assert_eq(cs_cluster_partition_at(c, 1)->nnode_types, 1);
	cr_assert_eq(cs_cluster_node_type_at(c, cs_cluster_partition_at(c, 1)->node_types[0])->count, 2);
	cs_cluster_free(c);
	th_unlink(p);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

Test(cluster_slurm, cli_shows_a_slurm_site_and_reports_bad_lines)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/data/slurm/site/slurm.conf", th_root());
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("cluster", "show", path, "--verbose"), &out, &err), 0, "%s", err);
	cr_assert(strstr(out, "12 nodes, 1472 cores, 32 GPUs (32 h100)"), "%s", out);
	cr_assert(strstr(out, "AuthType: ignored"), "--verbose lists ignored keys: %s", out);
	free(out);
	free(err);
	char *p = th_write_tmp("NodeName=n[1-4] CPUs=eight\nPartitionName=all Nodes=ALL\n", ".conf");
	int rc = th_exec(ARGS("cluster", "show", p), &out, &err);
	cr_assert_eq(rc, 2);
	char want[256];
	snprintf(want, sizeof want, "%s:1: CPUs:", p);
	cr_assert(strstr(err, want), "stderr: %s", err);
	free(out);
	free(err);
	th_unlink(p);
}
