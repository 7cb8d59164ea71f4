/* capsim: node topology (sim/topo.c).
 *
 * One node type's internals, read with hwloc from an hwloc XML export or an
 * hwloc synthetic description, then compiled into flat arrays: packages,
 * NUMA domains, cores, PUs, memory, and the physical GPUs with their
 * locality, PCIe grouping and GPU-to-GPU link bandwidths. Nothing of hwloc
 * survives cs_topo_load: the hwloc topology is destroyed once compiled, so
 * a cs_topo is cheap to query and owns only plain memory.
 *
 * Indices are hwloc's logical indices (0-based, in topology order) for
 * packages, NUMA domains and cores; GPUs are numbered in PCI bus-id order
 * (as nvidia-smi and CUDA_DEVICE_ORDER=PCI_BUS_ID number them).
 */
#ifndef CAPSIM_TOPO_H
#define CAPSIM_TOPO_H

#include <stdio.h>

#include "capsim/types.h"

typedef struct cs_topo cs_topo; /* opaque: arrays sized by the counts */

/* One physical GPU: a PCI function of a GPU vendor with a display class
 * (see sim/topo.c for the exact rule), counted once however many OS devices
 * (cuda, nvml, opencl, DRM) hwloc shows below it. */
typedef struct cs_topo_gpu_info {
	int package;        /* package holding its PCI locality, -1 if it spans several or none */
	int numa;           /* NUMA domain local to it, -1 if its locality spans several or none */
	int bridge;         /* PCIe group, numbered from 0 in GPU order: GPUs behind the same
			     * PCIe switch share it, a GPU on its own root port is alone;
			     * -1 if hwloc shows no bridge above the GPU */
	uint16_t vendor_id; /* PCI vendor, e.g. 0x10de */
	uint16_t device_id; /* PCI device, e.g. 0x20b0 */
	uint16_t class_id;  /* PCI class and subclass, 0x0300 or 0x0302 */
	char busid[16];     /* PCI address "dddd:bb:dd.f" */
	char model[64];     /* the XML's GPUModel, else "pci 10de:20b0" */
} cs_topo_gpu_info;

/* Bounds on what a topology may ask of hwloc: processing units of a
 * synthetic description, the size of an XML file, and the CPU time and
 * address space of the child process hwloc runs in (a crash or an overrun
 * there is an error, never capsim's). */
#define CS_TOPO_MAX_PUS 4096
#define CS_TOPO_MAX_XML_MIB 64
#define CS_TOPO_CPU_S 10
#define CS_TOPO_MEM_MIB 4096

/* Load a topology. spec is an hwloc XML file if it names an existing file
 * or ends in ".xml", else an hwloc synthetic description such as
 * "pack:2 numa:2 core:14 pu:2" (each arity is per parent: that is 56
 * cores). Returns 0, or -CS_EIO (missing or unreadable file), -CS_EPARSE
 * (hwloc rejects the XML or the description), -CS_ENOMEM, with a one-line
 * message naming spec and hwloc's reason in err; *out is NULL on error. */
int cs_topo_load(cs_topo **out, const char *spec, char *err, size_t errlen);
void cs_topo_free(cs_topo *t);

/* Several topologies loaded ahead by one hwloc child (a cluster's node
 * types), then taken one by one: cs_topo_set_take(s, ...) returns what
 * cs_topo_load would for spec, the same topology or the same error and
 * message; a spec not given to cs_topo_set_new (or given fewer times) is
 * loaded alone, as with a NULL set. specs are copied. -CS_ENOMEM only
 * when out of memory; no error of a spec's shows before it is taken. */
typedef struct cs_topo_set cs_topo_set;
int cs_topo_set_new(cs_topo_set **out, const char *const *specs, size_t n);
int cs_topo_set_take(cs_topo_set *s, cs_topo **out, const char *spec, char *err, size_t errlen);
void cs_topo_set_free(cs_topo_set *s); /* stops its child if it is still at work */

const char *cs_topo_spec(const cs_topo *t); /* as given to cs_topo_load */
int cs_topo_is_synthetic(const cs_topo *t);

int cs_topo_npackages(const cs_topo *t);
int cs_topo_nnuma(const cs_topo *t);
int cs_topo_ncores(const cs_topo *t);
int cs_topo_npus(const cs_topo *t);
int cs_topo_ngpus(const cs_topo *t);
/* Sum of the NUMA domains' local memory, bytes. */
uint64_t cs_topo_mem_bytes(const cs_topo *t);

/* Per core (0 <= core < ncores): package and NUMA domain (-1 if none), PUs. */
int cs_topo_core_package(const cs_topo *t, int core);
int cs_topo_core_numa(const cs_topo *t, int core);
int cs_topo_core_npus(const cs_topo *t, int core);
/* Per NUMA domain: package (-1 if it spans several or none), memory, cores. */
int cs_topo_numa_package(const cs_topo *t, int numa);
uint64_t cs_topo_numa_mem_bytes(const cs_topo *t, int numa);
int cs_topo_numa_ncores(const cs_topo *t, int numa);
/* Per package: cores, GPUs whose package is this one. */
int cs_topo_package_ncores(const cs_topo *t, int pkg);
int cs_topo_package_ngpus(const cs_topo *t, int pkg);

/* GPU i (0 <= i < ngpus), or NULL if out of range. */
const cs_topo_gpu_info *cs_topo_gpu(const cs_topo *t, int i);

/* GPU-to-GPU links, from an hwloc bandwidth distances matrix that covers
 * every GPU (e.g. "NVLinkBandwidth"): its name, or NULL if the topology has
 * none. Across NVSwitches the bandwidth is hwloc's transitive closure
 * (min of the two GPUs' bandwidths to the switches). */
const char *cs_topo_gpu_links_name(const cs_topo *t);
/* Link bandwidth from GPU i to GPU j, MB/s; 0 if no direct link, if i == j,
 * or if there is no matrix. */
uint64_t cs_topo_gpu_link_mbs(const cs_topo *t, int i, int j);

/* What capsim extracted, for `capsim topo show`: a few lines of text, or
 * one JSON object. 0 or -CS_EIO / -CS_ENOMEM. */
int cs_topo_print(FILE *f, const cs_topo *t);
int cs_topo_print_json(FILE *f, const cs_topo *t);

#endif
