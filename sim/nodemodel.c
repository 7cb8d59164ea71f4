/* capsim: a cluster config as the allocator's layout. See nodemodel.h. */
#include "capsim/nodemodel.h"
#include "capsim/hostlist.h"
#include "capsim/topo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cs_nodemodel_free(cs_nodemodel *m)
{
	free(m->types);
	free(m->node_type);
	free(m->leaf_first);
	free(m->type_first);
	free(m->part_first);
	free(m->part_types);
	memset(m, 0, sizeof *m);
}

/* Each GPU's and each core's locality group, numbered alike: NUMA domains
 * when every GPU has one (or there are none), else packages (a GPU whose
 * locality spans NUMA domains, or GPUs placed only by the config's
 * per-package count). Cores that fit neither rule share group 255. */
static void groups(const cs_cluster_node_type *t, cs_alloc_type *a)
{
	const cs_topo *topo = t->topo;
	int from_topo = cs_topo_ngpus(topo) == t->gpus, all_numa = 1, all_pkg = 1;
	for (int g = 0; g < t->gpus; g++) {
		int grp = 0;
		if (from_topo) {
			const cs_topo_gpu_info *gi = cs_topo_gpu(topo, g);
			grp = gi->numa >= 0 ? gi->numa : gi->package >= 0 ? gi->package : 0;
			all_numa &= gi->numa >= 0;
			all_pkg &= gi->numa < 0 && gi->package >= 0;
		} else if (t->gpus_per_package > 0) {
			grp = g / t->gpus_per_package;
		}
		a->gpu_group[g] = (uint8_t)(grp < 255 ? grp : 255);
	}
	int ncores = cs_topo_ncores(topo);
	for (int k = 0; k < ncores && k < (int)CS_ALLOC_MAX_CORES; k++) {
		int grp = 255;
		if (from_topo && all_numa)
			grp = cs_topo_core_numa(topo, k);
		else if ((from_topo && all_pkg) || (!from_topo && t->gpus_per_package > 0))
			grp = cs_topo_core_package(topo, k);
		else if (!from_topo)
			grp = 0; /* the GPUs are all in group 0 */
		a->core_group[k] = (uint8_t)(grp >= 0 && grp < 255 ? grp : 255);
	}
}

int cs_nodemodel_build(cs_nodemodel *m, const cs_cluster *c, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	int nt = cs_cluster_nnode_types(c);
	const cs_cluster_totals *tot = cs_cluster_totals_of(c);
	if (nt <= 0 || nt > UINT16_MAX || tot->nodes <= 0 || tot->nodes > (1 << 26)) {
		snprintf(err, errlen, "%s: %lld nodes of %d types: not a machine capsim can model node by node",
			 cs_cluster_path(c), (long long)tot->nodes, nt);
		return -CS_EINVAL;
	}
	uint32_t nn = (uint32_t)tot->nodes;
	int per_leaf = cs_cluster_leaf_nodes(c);
	if (per_leaf <= 0 || per_leaf > (int)CS_ALLOC_MAX_LEAF_NODES)
		per_leaf = (int)CS_ALLOC_MAX_LEAF_NODES;
	uint32_t nleaves = (nn + (uint32_t)per_leaf - 1) / (uint32_t)per_leaf;
	int np = cs_cluster_npartitions(c);
	size_t npt = 0;
	for (int p = 0; p < np; p++)
		npt += (size_t)cs_cluster_partition_at(c, p)->nnode_types;
	m->types = calloc((size_t)nt, sizeof *m->types);
	m->node_type = malloc(nn * sizeof *m->node_type);
	m->leaf_first = malloc((nleaves + 1) * sizeof *m->leaf_first);
	m->type_first = malloc(((size_t)nt + 1) * sizeof *m->type_first);
	m->part_first = malloc(((size_t)np + 1) * sizeof *m->part_first);
	m->part_types = malloc((npt + 1) * sizeof *m->part_types);
	if (!m->types || !m->node_type || !m->leaf_first || !m->type_first || !m->part_first || !m->part_types) {
		cs_nodemodel_free(m);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	uint32_t k = 0;
	for (int t = 0; t < nt; t++) {
		const cs_cluster_node_type *ty = cs_cluster_node_type_at(c, t);
		if (ty->gpus > (int)CS_ALLOC_MAX_GPUS) {
			snprintf(err, errlen, "%s: node type %s: %d GPUs per node; the allocator holds at most %u",
				 cs_cluster_path(c), ty->name, ty->gpus, CS_ALLOC_MAX_GPUS);
			cs_nodemodel_free(m);
			return -CS_EINVAL;
		}
		cs_alloc_type *a = &m->types[t];
		a->gpus = (uint16_t)ty->gpus;
		a->cores = (uint32_t)cs_topo_ncores(ty->topo);
		double mib = ty->memory_gib * 1024.0;
		a->mem_mib = mib >= 4294967295.0 ? UINT32_MAX : (uint32_t)mib;
		groups(ty, a);
		m->type_first[t] = k;
		for (int i = 0; i < ty->count; i++)
			m->node_type[k++] = (uint16_t)t;
		m->total_gpus += (uint64_t)ty->gpus * (uint64_t)ty->count;
		m->total_cores += (uint64_t)a->cores * (uint64_t)ty->count;
	}
	m->type_first[nt] = k;
	for (uint32_t l = 0; l < nleaves; l++)
		m->leaf_first[l] = l * (uint32_t)per_leaf;
	m->leaf_first[nleaves] = nn;
	size_t q = 0;
	for (int p = 0; p < np; p++) {
		const cs_cluster_partition *pt = cs_cluster_partition_at(c, p);
		m->part_first[p] = (uint32_t)q;
		for (int i = 0; i < pt->nnode_types; i++)
			m->part_types[q++] = pt->node_types[i];
	}
	m->part_first[np] = (uint32_t)q;
	m->npartitions = (uint32_t)np;
	int block = cs_cluster_fabric_block_nodes(c);
	m->layout = (cs_alloc_layout){ .nnodes = nn, .ntypes = (uint32_t)nt, .types = m->types,
				       .node_type = m->node_type, .nleaves = nleaves,
				       .leaf_first = m->leaf_first,
				       .leaves_per_block = block > 0 && block % per_leaf == 0
							   ? (uint32_t)(block / per_leaf) : 0 };
	return 0;
}

cs_node_machine cs_nodemodel_machine(const cs_nodemodel *m, cs_alloc *a)
{
	return (cs_node_machine){ .alloc = a, .npartitions = m->npartitions, .part_first = m->part_first,
				  .part_types = m->part_types,
				  .total_gpus = m->total_gpus ? m->total_gpus : m->total_cores };
}

int cs_nodemodel_hostnames(const cs_nodemodel *nm, const cs_cluster *c, cs_hostnames *h, char *err, size_t errlen)
{
	uint32_t T = nm->layout.ntypes;
	const char **tn = malloc((T + 1) * sizeof *tn);
	int rc = tn ? 0 : -CS_ENOMEM;
	for (uint32_t t = 0; rc == 0 && t < T; t++)
		tn[t] = cs_cluster_node_type_at(c, (int)t)->name;
	if (rc == 0)
		rc = cs_hostnames_init(h, T, tn, nm->type_first);
	free(tn);
	if (rc < 0)
		snprintf(err, errlen, rc == -CS_ENOMEM ? "out of memory" : "node types out of order");
	return rc;
}
