/* capsim: the cluster's representation, shared by the loader (sim/cluster.c)
 * and the scaler (sim/cluster_scale.c). Private to the library. */
#ifndef CAPSIM_SIM_CLUSTER_INT_H
#define CAPSIM_SIM_CLUSTER_INT_H

#include "capsim/cluster.h"

#include <stdatomic.h>

struct cs_cluster {
	atomic_int refs; /* owners: the caller, and each cluster scaled from this one */
	char *path;
	const char *name;
	cs_cluster_site site;
	cs_cluster_node_type *types;
	cs_topo **topos; /* [ntypes], owned here; types[i].topo points to the same.
			  * NULL in a scaled cluster: its topologies are its base's */
	int ntypes;
	cs_cluster_partition *parts;
	int nparts;
	cs_cluster_fabric_level *levels;
	int nlevels;
	int block_nodes;
	cs_cluster_storage *storage;
	int nstorage;
	cs_cluster_gpu_count *gpu_models;
	int ngpu_models;
	cs_cluster_totals totals;
	/* A scaled cluster (cs_cluster_scale): the cluster it was scaled from,
	 * whose strings, topologies, fabric levels and storage it shares (one
	 * reference held), and the spec, canonical ("" if not scaled). */
	cs_cluster *base;
	const char *scaled_by;
	/* failures, checkpoints and maintenance (capsim/failures.h), or NULL;
	 * a scaled cluster shares its base's */
	const struct cs_fail_config *fail;
	/* every string and array above except topos: freed together, so the
	 * public structs can be plain data with const pointers */
	void **owned;
	size_t nowned, capowned;
};

/* p, to be freed with c (NULL, p freed, if that cannot be recorded). */
void *cs_cluster__own(cs_cluster *c, void *p);
/* Totals and GPU models from the node types and storage. 0 or -CS_ENOMEM. */
int cs_cluster__totals(cs_cluster *c);

/* sim/cluster_fail.c: the config's failures, checkpoints and maintenance
 * sections into c->fail (relative trace paths against dir); and a config
 * that `extends` another (*c becomes the other, loaded, with this file's
 * path and name). 0 or a negative code with the message in y. */
struct cs_yaml;
struct cs_yfield;
struct fy_node;
int cs_cluster__load_reliability(cs_cluster *c, struct cs_yaml *y, struct fy_node *root, const char *dir);
/* sim/fail_trace.c: a failure trace file into cfg->recs (docs/failures.md);
 * and the number of node type t's first node (nodes numbered type by type
 * in config order, as the node model numbers them). */
struct cs_fail_config;
int cs_cluster__load_trace(struct cs_yaml *y, const cs_cluster *c, const char *path, struct cs_fail_config *cfg);
uint32_t cs_cluster__first_node(const cs_cluster *c, int t);
int cs_cluster__extend(cs_cluster **c, struct cs_yaml *y, struct fy_node *root, const struct cs_yfield *ext,
		       const char *dir);

#endif
