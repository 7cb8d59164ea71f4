/* capsim: a cluster config as the allocator's layout and the engine's node
 * machine (sim/nodemodel.c).
 *
 * Nodes are numbered node type by node type, in config order; leaf
 * switches take consecutive nodes (as many as the fabric's leaf level has
 * down ports, at most CS_ALLOC_MAX_LEAF_NODES; without a fabric, that
 * maximum), and blocks consecutive leaves. Per node type: its GPUs, cores
 * (the topology's), memory in MiB, and each GPU's locality group (its NUMA
 * domain from the hwloc topology, else its package, else the declared
 * gpus_per_package). Partitions map to their node types, in config order.
 */
#ifndef CAPSIM_NODEMODEL_H
#define CAPSIM_NODEMODEL_H

#include "capsim/alloc.h"
#include "capsim/cluster.h"
#include "capsim/engine.h"

typedef struct cs_nodemodel {
	cs_alloc_layout layout;
	cs_alloc_type *types;
	uint16_t *node_type;
	uint32_t *leaf_first;
	uint32_t *type_first;  /* ntypes + 1: type t's nodes are [type_first[t], type_first[t+1]) */
	uint32_t npartitions;
	uint32_t *part_first;  /* npartitions + 1 */
	int32_t *part_types;
	uint64_t total_gpus;
	uint64_t total_cores;
} cs_nodemodel;

int cs_nodemodel_build(cs_nodemodel *m, const cs_cluster *c, char *err, size_t errlen);
void cs_nodemodel_free(cs_nodemodel *m);
/* The engine's view, on allocator a (made from m->layout). */
cs_node_machine cs_nodemodel_machine(const cs_nodemodel *m, cs_alloc *a);
/* The nodes' names (capsim/hostlist.h) for m made from cluster c: 0, or
 * -CS_E* with err. */
struct cs_hostnames;
int cs_nodemodel_hostnames(const cs_nodemodel *m, const cs_cluster *c, struct cs_hostnames *h, char *err,
			   size_t errlen);

#endif
