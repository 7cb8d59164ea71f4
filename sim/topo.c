/* capsim: node topology, read with hwloc and compiled into flat arrays. */
#include "capsim/topo.h"
#include "child.h"

#include <errno.h>
#include <hwloc.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct cs_topo {
	char *spec;
	int synthetic;
	int npackages, nnuma, ncores, npus, ngpus;
	uint64_t mem_bytes;
	int *core_package, *core_numa, *core_npus; /* [ncores] */
	int *numa_package, *numa_ncores;           /* [nnuma] */
	uint64_t *numa_mem_bytes;                  /* [nnuma] */
	int *package_ncores, *package_ngpus;       /* [npackages] */
	cs_topo_gpu_info *gpus;                    /* [ngpus] */
	uint64_t *link_mbs;                        /* [ngpus * ngpus], NULL if no matrix */
	char links_name[48];
};

/* ---- the physical GPU rule ------------------------------------------------ */

/* A physical GPU is a PCI function, not an OS device: one NVIDIA GPU shows
 * up to three OS devices (cuda, nvml, opencl), and some XMLs have none at
 * all (../shared/topologies/PROVENANCE.md). Classes 0x0300 (VGA) and 0x0302
 * (3D controller) are what NVIDIA and AMD compute GPUs report; NVSwitches
 * are 0x0680 and a BMC's video chip (ASPEED 0x1a03, Matrox 0x102b) is VGA
 * of another vendor, so both stay out. AMD Instinct and Intel data-centre
 * GPUs (Ponte Vecchio, Flex) report 0x0380 (display controller); Intel's
 * integrated graphics are 0x0300, so Intel counts only with 0x0380. */
static int is_gpu(unsigned vendor, unsigned cls)
{
	switch (vendor) {
	case 0x10de: return cls == 0x0300 || cls == 0x0302;
	case 0x1002: return cls == 0x0300 || cls == 0x0302 || cls == 0x0380;
	case 0x8086: return cls == 0x0380;
	default: return 0;
	}
}

/* ---- helpers over hwloc (used only while compiling) ----------------------- */

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Packages are disjoint, so at most one contains a non-empty set. */
static int package_of(hwloc_topology_t h, hwloc_const_cpuset_t set)
{
	if (!set || hwloc_bitmap_iszero(set))
		return -1;
	for (hwloc_obj_t p = NULL; (p = hwloc_get_next_obj_by_type(h, HWLOC_OBJ_PACKAGE, p));)
		if (hwloc_bitmap_isincluded(set, p->cpuset))
			return (int)p->logical_index;
	return -1;
}

/* The NUMA domain with the smallest locality that contains all of set: for
 * a core, its local memory; for a GPU, the memory local to the CPUs it is
 * attached to. None (-1) when set spans several domains. Domains with the
 * same locality (DRAM and HBM on one die) resolve to the first in hwloc's
 * order, which lists DRAM first. */
static int numa_of(hwloc_topology_t h, hwloc_const_cpuset_t set)
{
	if (!set || hwloc_bitmap_iszero(set))
		return -1;
	int best = -1, best_w = 0;
	for (hwloc_obj_t n = NULL; (n = hwloc_get_next_obj_by_type(h, HWLOC_OBJ_NUMANODE, n));) {
		if (!hwloc_bitmap_isincluded(set, n->cpuset))
			continue;
		int w = hwloc_bitmap_weight(n->cpuset);
		if (best < 0 || w < best_w) {
			best = (int)n->logical_index;
			best_w = w;
		}
	}
	return best;
}

/* The PCIe group of a GPU. Behind a PCIe switch the GPU's parent is a
 * downstream port whose parent is the switch's upstream port (both
 * PCI-to-PCI bridges): GPUs sharing that upstream port can talk peer to
 * peer without crossing the root complex. A GPU directly on a root port or
 * host bridge is alone in its group. NULL when hwloc shows no bridge. */
static hwloc_obj_t pcie_group_of(hwloc_obj_t gpu)
{
	hwloc_obj_t p = gpu->parent;
	if (!p || p->type != HWLOC_OBJ_BRIDGE)
		return NULL;
	hwloc_obj_t up = p->parent;
	if (p->attr->bridge.upstream_type == HWLOC_OBJ_BRIDGE_PCI && up && up->type == HWLOC_OBJ_BRIDGE &&
	    up->attr->bridge.upstream_type == HWLOC_OBJ_BRIDGE_PCI)
		return up;
	return p;
}

static int cmp_pci(const void *a, const void *b)
{
	const struct hwloc_pcidev_attr_s *x = &(*(const hwloc_obj_t *)a)->attr->pcidev;
	const struct hwloc_pcidev_attr_s *y = &(*(const hwloc_obj_t *)b)->attr->pcidev;
	unsigned long kx = ((unsigned long)x->domain << 24) | ((unsigned long)x->bus << 16) |
			   ((unsigned long)x->dev << 8) | x->func;
	unsigned long ky = ((unsigned long)y->domain << 24) | ((unsigned long)y->bus << 16) |
			   ((unsigned long)y->dev << 8) | y->func;
	return (kx > ky) - (kx < ky);
}

/* GPU index of a distances-matrix object: the GPU's PCI device itself or
 * one of its OS devices; -1 for anything else (NVSwitch, CPU port). */
static int gpu_index_of(hwloc_obj_t o, hwloc_obj_t const *pci, int ngpus)
{
	for (; o && hwloc_obj_type_is_io(o->type); o = o->parent)
		if (o->type == HWLOC_OBJ_PCI_DEVICE) {
			for (int i = 0; i < ngpus; i++)
				if (pci[i] == o)
					return i;
			return -1;
		}
	return -1;
}

static int is_nvswitch(hwloc_obj_t o)
{
	return o && o->subtype && strcmp(o->subtype, "NVSwitch") == 0;
}

/* Fill link_mbs from the first bandwidth matrix that covers every GPU.
 * Between GPUs joined only through NVSwitches the raw matrix holds 0 (the
 * links go GPU-switch), so hwloc's transitive closure is applied first. */
static int compile_links(cs_topo *t, hwloc_topology_t h, hwloc_obj_t const *pci)
{
	int ng = t->ngpus;
	unsigned nr = 0;
	if (ng == 0 || hwloc_distances_get(h, &nr, NULL, HWLOC_DISTANCES_KIND_MEANS_BANDWIDTH, 0) < 0 || nr == 0)
		return 0;
	struct hwloc_distances_s **ds = calloc(nr, sizeof *ds);
	int *map = NULL, rc = 0;
	if (!ds)
		return -CS_ENOMEM;
	if (hwloc_distances_get(h, &nr, ds, HWLOC_DISTANCES_KIND_MEANS_BANDWIDTH, 0) < 0)
		nr = 0;
	for (unsigned d = 0; d < nr && !t->link_mbs && rc == 0; d++) {
		struct hwloc_distances_s *m = ds[d];
		unsigned n = m->nbobjs;
		int *nm = realloc(map, n * sizeof *map);
		if (!nm) {
			rc = -CS_ENOMEM;
			break;
		}
		map = nm;
		int covered = 0, has_switch = 0;
		char *seen = calloc((size_t)ng, 1);
		if (!seen) {
			rc = -CS_ENOMEM;
			break;
		}
		for (unsigned k = 0; k < n; k++) {
			map[k] = gpu_index_of(m->objs[k], pci, ng);
			has_switch |= is_nvswitch(m->objs[k]);
			if (map[k] >= 0 && !seen[map[k]]) {
				seen[map[k]] = 1;
				covered++;
			}
		}
		free(seen);
		if (covered < ng)
			continue;
		if (has_switch)
			hwloc_distances_transform(h, m, HWLOC_DISTANCES_TRANSFORM_TRANSITIVE_CLOSURE, NULL, 0);
		t->link_mbs = calloc((size_t)ng * (size_t)ng, sizeof *t->link_mbs);
		if (!t->link_mbs) {
			rc = -CS_ENOMEM;
			break;
		}
		for (unsigned a = 0; a < n; a++)
			for (unsigned b = 0; b < n; b++) {
				int ga = map[a], gb = map[b];
				/* hwloc puts a nominal self bandwidth on the diagonal: not a link */
				if (ga < 0 || gb < 0 || ga == gb)
					continue;
				uint64_t v = m->values[(size_t)a * n + b], *cell = &t->link_mbs[(size_t)ga * ng + gb];
				if (v > *cell)
					*cell = v;
			}
		const char *name = hwloc_distances_get_name(h, m);
		snprintf(t->links_name, sizeof t->links_name, "%s", name ? name : "bandwidth");
	}
	for (unsigned d = 0; d < nr; d++)
		hwloc_distances_release(h, ds[d]);
	free(ds);
	free(map);
	return rc;
}

static int compile_gpus(cs_topo *t, hwloc_topology_t h)
{
	int n = 0;
	for (hwloc_obj_t d = NULL; (d = hwloc_get_next_pcidev(h, d));)
		n += is_gpu(d->attr->pcidev.vendor_id, d->attr->pcidev.class_id);
	if (n == 0)
		return 0;
	hwloc_obj_t *pci = malloc((size_t)n * sizeof *pci), *group = malloc((size_t)n * sizeof *group);
	t->gpus = calloc((size_t)n, sizeof *t->gpus);
	if (!pci || !group || !t->gpus) {
		free(pci);
		free(group);
		return -CS_ENOMEM;
	}
	n = 0;
	for (hwloc_obj_t d = NULL; (d = hwloc_get_next_pcidev(h, d));)
		if (is_gpu(d->attr->pcidev.vendor_id, d->attr->pcidev.class_id))
			pci[n++] = d;
	qsort(pci, (size_t)n, sizeof *pci, cmp_pci);
	t->ngpus = n;
	int ngroups = 0;
	for (int i = 0; i < n; i++) {
		const struct hwloc_pcidev_attr_s *a = &pci[i]->attr->pcidev;
		cs_topo_gpu_info *g = &t->gpus[i];
		g->vendor_id = a->vendor_id;
		g->device_id = a->device_id;
		g->class_id = a->class_id;
		snprintf(g->busid, sizeof g->busid, "%04x:%02x:%02x.%01x", (unsigned)a->domain, (unsigned)a->bus,
			 (unsigned)a->dev, (unsigned)a->func);
		hwloc_obj_t anc = hwloc_get_non_io_ancestor_obj(h, pci[i]);
		g->package = package_of(h, anc ? anc->cpuset : NULL);
		g->numa = numa_of(h, anc ? anc->cpuset : NULL);
		if (g->package >= 0)
			t->package_ngpus[g->package]++;
		snprintf(g->model, sizeof g->model, "pci %04x:%04x", (unsigned)a->vendor_id, (unsigned)a->device_id);
		for (hwloc_obj_t o = pci[i]->io_first_child; o; o = o->next_sibling) {
			const char *model = o->type == HWLOC_OBJ_OS_DEVICE ? hwloc_obj_get_info_by_name(o, "GPUModel") : NULL;
			if (model && *model) {
				snprintf(g->model, sizeof g->model, "%s", model);
				break;
			}
		}
		group[i] = pcie_group_of(pci[i]);
		g->bridge = -1;
		for (int j = 0; j < i && group[i]; j++)
			if (group[j] == group[i])
				g->bridge = t->gpus[j].bridge;
		if (group[i] && g->bridge < 0)
			g->bridge = ngroups++;
	}
	int rc = compile_links(t, h, pci);
	free(pci);
	free(group);
	return rc;
}

static int compile(cs_topo *t, hwloc_topology_t h)
{
	t->npackages = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_PACKAGE);
	t->nnuma = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_NUMANODE);
	t->ncores = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_CORE);
	t->npus = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_PU);
	/* +1: never ask malloc for 0 bytes, so NULL always means out of memory */
	size_t nc = (size_t)t->ncores + 1, nn = (size_t)t->nnuma + 1, np = (size_t)t->npackages + 1;
	t->core_package = calloc(nc, sizeof(int));
	t->core_numa = calloc(nc, sizeof(int));
	t->core_npus = calloc(nc, sizeof(int));
	t->numa_package = calloc(nn, sizeof(int));
	t->numa_ncores = calloc(nn, sizeof(int));
	t->numa_mem_bytes = calloc(nn, sizeof(uint64_t));
	t->package_ncores = calloc(np, sizeof(int));
	t->package_ngpus = calloc(np, sizeof(int));
	if (!t->core_package || !t->core_numa || !t->core_npus || !t->numa_package || !t->numa_ncores ||
	    !t->numa_mem_bytes || !t->package_ncores || !t->package_ngpus)
		return -CS_ENOMEM;
	for (hwloc_obj_t n = NULL; (n = hwloc_get_next_obj_by_type(h, HWLOC_OBJ_NUMANODE, n));) {
		unsigned i = n->logical_index;
		t->numa_package[i] = package_of(h, n->cpuset);
		t->numa_mem_bytes[i] = n->attr->numanode.local_memory;
		t->mem_bytes += n->attr->numanode.local_memory;
	}
	for (hwloc_obj_t c = NULL; (c = hwloc_get_next_obj_by_type(h, HWLOC_OBJ_CORE, c));) {
		unsigned i = c->logical_index;
		t->core_package[i] = package_of(h, c->cpuset);
		t->core_numa[i] = numa_of(h, c->cpuset);
		t->core_npus[i] = hwloc_bitmap_weight(c->cpuset);
		if (t->core_package[i] >= 0)
			t->package_ncores[t->core_package[i]]++;
		if (t->core_numa[i] >= 0)
			t->numa_ncores[t->core_numa[i]]++;
	}
	return compile_gpus(t, h);
}

/* ---- load ------------------------------------------------------------------ */

/* hwloc's work on one spec, in this process: 0, or a negative code with
 * the message in err. */
static int load_here(cs_topo **out, const char *spec, int xml, char *err, size_t errlen)
{
	hwloc_topology_t h;
	if (hwloc_topology_init(&h) < 0) {
		snprintf(err, errlen, "%s: hwloc_topology_init: %s", spec, strerror(errno));
		return -CS_ENOMEM;
	}
	int rc = 0;
	if (xml) {
		/* without this hwloc loads no PCI or OS devices at all, hence no GPUs */
		hwloc_topology_set_io_types_filter(h, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
		/* hwloc's two XML back-ends refuse a bad file at different
		 * stages: libxml2 (libhwloc-plugins) at set_xml, the built-in
		 * parser (HWLOC_LIBXML=0, or no plugins) at load. One message
		 * for either. */
		if (hwloc_topology_set_xml(h, spec) < 0 || hwloc_topology_load(h) < 0) {
			snprintf(err, errlen, "%s: hwloc rejects this XML topology (%s), "
				 "expected an hwloc XML export (format v1 or v2)", spec, strerror(errno));
			rc = -CS_EPARSE;
		}
	} else if (hwloc_topology_set_synthetic(h, spec) < 0) {
		snprintf(err, errlen, "'%s': no such file, and hwloc rejects it as a synthetic description (%s), "
			 "expected e.g. \"pack:2 numa:2 core:14 pu:2\"", spec, strerror(errno));
		rc = -CS_EPARSE;
	} else if (hwloc_topology_load(h) < 0) {
		snprintf(err, errlen, "'%s': hwloc cannot build this synthetic topology (%s)", spec, strerror(errno));
		rc = -CS_EPARSE;
	}
	cs_topo *t = NULL;
	if (rc == 0) {
		t = calloc(1, sizeof *t);
		rc = t && (t->spec = strdup(spec)) ? compile(t, h) : -CS_ENOMEM;
		if (rc == 0)
			t->synthetic = !xml;
		else
			snprintf(err, errlen, "%s: out of memory compiling the topology", spec);
	}
	hwloc_topology_destroy(h);
	if (rc < 0) {
		cs_topo_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

/* A synthetic description's size before hwloc builds it: the product of
 * its levels' arities ("pack:2 core:8 pu:2" is 32 PUs). hwloc would spend
 * half an hour and gigabytes on "pack:1000 core:1000 pu:1000". */
static int check_synthetic(const char *spec, char *err, size_t errlen)
{
	double total = 1;
	for (const char *p = spec; *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *tok = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		/* a level is "type:N" or a bare "N" (hwloc guesses the type);
		 * every number that starts the token or follows a ':' counts, so
		 * "1000pu:1000" is a million whatever hwloc makes of it */
		for (const char *q = tok; q < p; q++) {
			if (*q < '0' || *q > '9' || (q != tok && q[-1] != ':'))
				continue;
			double n = strtod(q, NULL);
			total *= n < 1 ? 1 : n; /* 0 is hwloc's to refuse */
			if (total > CS_TOPO_MAX_PUS)
				break;
		}
		if (total > CS_TOPO_MAX_PUS) {
			snprintf(err, errlen, "'%s': a synthetic topology of more than %d processing units "
				 "(levels multiply: \"pack:2 core:8 pu:2\" is 32)", spec, CS_TOPO_MAX_PUS);
			return -CS_EPARSE;
		}
	}
	return 0;
}

/* ---- hwloc in a child process ------------------------------------------------
 * hwloc can crash on a malformed export (SEGV in hwloc_bitmap_compare_first
 * on an OS device nested in a PU) and can run for long on odd input, so it
 * works in a forked child under CPU-time and address-space limits, and
 * sends the compiled topology back through a pipe: its counts, then each
 * array, then the spec. A child that dies or overruns becomes an error. */

/* The child's answer: its return code and message, then the compiled
 * topology's struct as is (its counts and names; the pointers mean nothing
 * here and only say which arrays follow). */
typedef struct {
	int32_t rc;
	char err[CS_ERRLEN];
	cs_topo t;
} topo_head;

/* The arrays of t in wire order, with their sizes from the counts; the
 * GPU link matrix only if `links`. */
#define TOPO_ARRAYS(t, links, X)                                              \
	X((t)->core_package, (size_t)(t)->ncores + 1, int)                     \
	X((t)->core_numa, (size_t)(t)->ncores + 1, int)                        \
	X((t)->core_npus, (size_t)(t)->ncores + 1, int)                        \
	X((t)->numa_package, (size_t)(t)->nnuma + 1, int)                      \
	X((t)->numa_ncores, (size_t)(t)->nnuma + 1, int)                       \
	X((t)->numa_mem_bytes, (size_t)(t)->nnuma + 1, uint64_t)               \
	X((t)->package_ncores, (size_t)(t)->npackages + 1, int)                \
	X((t)->package_ngpus, (size_t)(t)->npackages + 1, int)                 \
	X((t)->gpus, (size_t)(t)->ngpus, cs_topo_gpu_info)                     \
	X((t)->link_mbs, (links) ? (size_t)(t)->ngpus * (size_t)(t)->ngpus : 0, uint64_t)

static rlim_t cpu_limit_s(void)
{
	const char *fault = getenv("CAPSIM_TOPO_CHILD_FAULT");
	return fault && !strcmp(fault, "spin") ? 1 : CS_TOPO_CPU_S;
}

/* The test faults of CAPSIM_TOPO_CHILD_FAULT (tests/test_topo.c), in the
 * child about to load spec: it dies as a crashing hwloc would ("segv"), or
 * spins past a 1 s CPU limit ("spin"); with CAPSIM_TOPO_CHILD_FAULT_SPEC
 * set, only on a spec that contains it. */
static void child_fault(const char *spec)
{
	const char *fault = getenv("CAPSIM_TOPO_CHILD_FAULT"), *only = getenv("CAPSIM_TOPO_CHILD_FAULT_SPEC");
	if (!fault || (only && !strstr(spec, only)))
		return;
	if (!strcmp(fault, "segv"))
		raise(SIGSEGV);
	for (volatile unsigned long spin = 0; !strcmp(fault, "spin"); spin++)
		;
}

/* One answer down fd: hd, then t's arrays (t NULL: an error). 0 or -1. */
static int send_answer(int fd, const topo_head *hd, const cs_topo *t)
{
	int bad = cs_child_write_all(fd, hd, sizeof *hd) < 0;
#define SEND(a, n, T) bad |= cs_child_write_all(fd, (a), (n) * sizeof(T)) < 0;
	if (t) {
		TOPO_ARRAYS(t, t->link_mbs != NULL, SEND)
	}
#undef SEND
	return bad ? -1 : 0;
}

/* hwloc's work on spec in the child, as its answer. A synthetic topology
 * is hwloc's own: its plugins (the libxml2 XML reader; PCI, OpenCL and GL
 * devices, which add nothing to a topology that is not this machine's)
 * are not loaded, an empty search path. Loading them (libxml2, ICU,
 * libstdc++, X11) was most of a child's cost: the default cluster's six
 * took 0.1 s of CPU and 2,300 page faults, now 0.03 s and 1,000. An XML
 * topology loads them from the path the child was given (plugins: NULL,
 * none). hwloc reads the path at each topology's init, since the one
 * before was destroyed. */
static cs_topo *child_answer(const char *spec, int xml, const char *plugins, topo_head *hd)
{
	if (!xml)
		setenv("HWLOC_PLUGINS_PATH", "", 1);
	else if (plugins)
		setenv("HWLOC_PLUGINS_PATH", plugins, 1);
	else
		unsetenv("HWLOC_PLUGINS_PATH");
	*hd = (topo_head){ 0 };
	cs_topo *t = NULL;
	hd->rc = load_here(&t, spec, xml, hd->err, sizeof hd->err);
	if (t)
		hd->t = *t;
	return t;
}

static void child_load(int fd, const char *spec, int xml)
{
	cs_child_limits((unsigned)cpu_limit_s(), CS_TOPO_MEM_MIB);
	child_fault(spec);
	topo_head hd;
	cs_topo *t = child_answer(spec, xml, getenv("HWLOC_PLUGINS_PATH"), &hd);
	int bad = send_answer(fd, &hd, t) < 0;
	cs_topo_free(t);
	close(fd);
	_exit(bad ? 3 : 0);
}

static int parent_read(int fd, const char *spec, cs_topo **out, char *err, size_t errlen)
{
	topo_head hd;
	if (cs_child_read_all(fd, &hd, sizeof hd) < 0)
		return 1; /* the child died: its status says how */
	if (hd.rc < 0) {
		hd.err[sizeof hd.err - 1] = 0;
		snprintf(err, errlen, "%s", hd.err);
		return hd.rc;
	}
	cs_topo *t = calloc(1, sizeof *t);
	if (!t || !(t->spec = strdup(spec))) {
		free(t);
		snprintf(err, errlen, "%s: out of memory", spec);
		return -CS_ENOMEM;
	}
	char *spec_copy = t->spec;
	*t = hd.t; /* the counts and names; the child's pointers are dropped: */
	t->spec = spec_copy;
	t->links_name[sizeof t->links_name - 1] = 0;
	int links = hd.t.link_mbs != NULL, rc = 0;
#define DROP(a, n, T) (a) = NULL;
	TOPO_ARRAYS(t, 1, DROP)
#undef DROP
#define RECV(a, n, T)                                                     \
	if (rc == 0 && (n) > 0) {                                         \
		(a) = malloc((n) * sizeof(T));                            \
		rc = !(a) ? -CS_ENOMEM : cs_child_read_all(fd, (a), (n) * sizeof(T)) < 0 ? 1 : 0; \
	}
	TOPO_ARRAYS(t, links, RECV)
#undef RECV
	if (rc == 0) {
		*out = t;
		return 0;
	}
	cs_topo_free(t);
	if (rc == -CS_ENOMEM)
		snprintf(err, errlen, "%s: out of memory", spec);
	return rc;
}

/* The message of a child that ended without a whole answer for spec. */
static int child_died(const char *spec, int xml, const char *why, char *err, size_t errlen)
{
	if (xml)
		snprintf(err, errlen, "%s: hwloc %s reading this topology: the file is malformed or too large; "
			 "expected an hwloc XML export (format v1 or v2)", spec, why);
	else
		snprintf(err, errlen, "'%s': hwloc %s building this synthetic topology", spec, why);
	return -CS_EPARSE;
}

static int load_contained(cs_topo **out, const char *spec, int xml, char *err, size_t errlen)
{
	int fds[2];
	if (pipe(fds) < 0) {
		snprintf(err, errlen, "%s: cannot make a pipe for hwloc's process: %s", spec, strerror(errno));
		return -CS_EIO;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		snprintf(err, errlen, "%s: cannot start hwloc's process: %s", spec, strerror(errno));
		return -CS_ENOMEM;
	}
	if (pid == 0) {
		close(fds[0]);
		child_load(fds[1], spec, xml);
	}
	close(fds[1]);
	int rc = parent_read(fds[0], spec, out, err, errlen);
	close(fds[0]);
	char why[128] = "exited without an answer";
	cs_child_wait(pid, (unsigned)cpu_limit_s(), why, sizeof why);
	if (rc != 1)
		return rc; /* a whole answer came: the topology, or hwloc's error */
	/* the child ended without sending a whole topology */
	return child_died(spec, xml, why, err, errlen);
}

/* What cs_topo_load checks before hwloc sees spec: 0 with *xml set, or the
 * error. */
static int check_spec(const char *spec, int *xml, char *err, size_t errlen)
{
	if (!spec || !*spec) {
		snprintf(err, errlen, "topology: empty spec, expected an hwloc XML file or a synthetic description");
		return -CS_EINVAL;
	}
	struct stat st;
	int exists = stat(spec, &st) == 0, stat_errno = errno;
	*xml = exists || ends_with(spec, ".xml");
	if (*xml) {
		/* checked here so that an unreadable file is an I/O error (-CS_EIO),
		 * apart from a file hwloc reads but rejects (-CS_EPARSE); a FIFO or
		 * a device would block hwloc */
		int e = !exists ? stat_errno : S_ISDIR(st.st_mode) ? EISDIR : access(spec, R_OK) ? errno : 0;
		if (e) {
			snprintf(err, errlen, "%s: cannot open: %s", spec, strerror(e));
			return -CS_EIO;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s: not a regular file, expected an hwloc XML export", spec);
			return -CS_EIO;
		}
		if (st.st_size > CS_TOPO_MAX_XML_MIB << 20) {
			snprintf(err, errlen, "%s: larger than %d MiB, expected an hwloc XML export of one node", spec,
				 CS_TOPO_MAX_XML_MIB);
			return -CS_EPARSE;
		}
	} else if (check_synthetic(spec, err, errlen) < 0) {
		return -CS_EPARSE;
	}
	return 0;
}

int cs_topo_load(cs_topo **out, const char *spec, char *err, size_t errlen)
{
	*out = NULL;
	int xml, rc = check_spec(spec, &xml, err, errlen);
	return rc < 0 ? rc : load_contained(out, spec, xml, err, errlen);
}

/* ---- several topologies in one child ----------------------------------------
 * A cluster's node types each name a topology; one child per topology cost
 * a fork, an exit and hwloc's start-up each (the default cluster's six:
 * about 3 ms of CPU apiece). A set's child loads them all, in order, and
 * answers each as a child of its own would; the same spec twice is loaded
 * once and answered twice. The parent reads the answers as it takes them,
 * so an error it meets first (a bad count before the topology) ends it
 * without waiting for the rest. Each topology has the CPU time a child of
 * its own has, or up to a second less (a soft limit moved on at each);
 * when the child dies on one (a crash, its CPU time, its address space),
 * that one and any after it are loaded alone as before, so that what
 * loads and every error and message are what they were. */

enum { ENTRY_UNREAD, ENTRY_ANSWERED, ENTRY_TAKEN, ENTRY_LOST };

struct cs_topo_set {
	size_t n, next;      /* entries; the next answer to read */
	char **spec;         /* [n] */
	int *xml, *rc;       /* [n] */
	unsigned char *state; /* [n] */
	cs_topo **t;         /* [n] an answered topology not yet taken */
	char (*err)[CS_ERRLEN]; /* [n] an answered error */
	int fd;              /* the answers; -1 once the child is done with */
	pid_t pid;
};

/* The child of a set: each entry's answer in order. */
static void set_child(int fd, char *const *spec, const int *xml, size_t n)
{
	rlim_t cpu_s = cpu_limit_s();
	/* the hard limit above every entry's soft one (it cannot be raised) */
	cs_child_limits((unsigned)(n * (cpu_s + 1)), CS_TOPO_MEM_MIB);
	struct rlimit lim;
	getrlimit(RLIMIT_CPU, &lim);
	const char *given = getenv("HWLOC_PLUGINS_PATH");
	char *plugins = given ? strdup(given) : NULL;
	topo_head *hd = malloc(n * sizeof *hd);
	cs_topo **t = calloc(n, sizeof *t);
	if (!hd || !t || (given && !plugins))
		_exit(3);
	for (size_t k = 0; k < n; k++) {
		/* no more than a child of its own (a second less at most): what
		 * loads here would load there */
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		rlim_t used = (rlim_t)((ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
				       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000000);
		lim.rlim_cur = used + cpu_s < lim.rlim_max ? used + cpu_s : lim.rlim_max;
		setrlimit(RLIMIT_CPU, &lim);
		child_fault(spec[k]);
		size_t same = 0;
		while (same < k && (xml[same] != xml[k] || strcmp(spec[same], spec[k]) != 0))
			same++;
		if (same < k) {
			hd[k] = hd[same];
			t[k] = NULL;
		} else {
			t[k] = child_answer(spec[k], xml[k], plugins, &hd[k]);
		}
		if (send_answer(fd, &hd[k], t[same]) < 0)
			_exit(3);
	}
	close(fd);
	_exit(0);
}

int cs_topo_set_new(cs_topo_set **out, const char *const *specs, size_t n)
{
	*out = NULL;
	cs_topo_set *s = calloc(1, sizeof *s);
	if (!s)
		return -CS_ENOMEM;
	s->fd = -1;
	s->spec = calloc(n + 1, sizeof *s->spec);
	s->xml = calloc(n + 1, sizeof *s->xml);
	s->rc = calloc(n + 1, sizeof *s->rc);
	s->state = calloc(n + 1, 1);
	s->t = calloc(n + 1, sizeof *s->t);
	s->err = calloc(n + 1, sizeof *s->err);
	if (!s->spec || !s->xml || !s->rc || !s->state || !s->t || !s->err) {
		cs_topo_set_free(s);
		return -CS_ENOMEM;
	}
	/* the child loads what cs_topo_load would hand hwloc; a spec its
	 * checks refuse is left to cs_topo_set_take, which refuses it alike */
	for (size_t i = 0; i < n; i++) {
		char err[CS_ERRLEN];
		int xml;
		if (check_spec(specs[i], &xml, err, sizeof err) < 0)
			continue;
		if (!(s->spec[s->n] = strdup(specs[i]))) {
			cs_topo_set_free(s);
			return -CS_ENOMEM;
		}
		s->xml[s->n++] = xml;
	}
	*out = s;
	int fds[2];
	if (s->n == 0 || pipe(fds) < 0)
		goto alone;
	fflush(NULL);
	s->pid = fork();
	if (s->pid == 0) {
		close(fds[0]);
		set_child(fds[1], s->spec, s->xml, s->n);
	}
	close(fds[1]);
	if (s->pid > 0) {
		s->fd = fds[0];
		return 0;
	}
	close(fds[0]);
	s->pid = 0;
alone: /* nothing loaded ahead: each is loaded alone, as it fails or not */
	for (size_t i = 0; i < s->n; i++)
		s->state[i] = ENTRY_LOST;
	s->next = s->n;
	return 0;
}

/* Wait for the set's child, which has ended or is to end now. */
static void set_end_child(cs_topo_set *s, int kill_it)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->pid > 0) {
		if (kill_it)
			kill(s->pid, SIGKILL);
		char why[128];
		cs_child_wait(s->pid, (unsigned)cpu_limit_s(), why, sizeof why);
	}
	s->pid = 0;
}

/* The next answer into the set; when none came whole, that entry and all
 * after it are lost (loaded alone when taken). */
static void set_read_next(cs_topo_set *s)
{
	size_t k = s->next++;
	int rc = parent_read(s->fd, s->spec[k], &s->t[k], s->err[k], sizeof s->err[k]);
	if (rc != 1 && rc != -CS_ENOMEM) { /* a whole answer: the topology or hwloc's error */
		s->rc[k] = rc;
		s->state[k] = ENTRY_ANSWERED;
		if (s->next == s->n)
			set_end_child(s, 0);
		return;
	}
	/* the child died (1), or the answer was cut off here (out of memory
	 * here, or hwloc's in the child: alone, it says which): the answers
	 * are lost from k on */
	set_end_child(s, 1);
	for (size_t i = k; i < s->n; i++)
		s->state[i] = ENTRY_LOST;
	s->next = s->n;
}

int cs_topo_set_take(cs_topo_set *s, cs_topo **out, const char *spec, char *err, size_t errlen)
{
	*out = NULL;
	int xml, rc = check_spec(spec, &xml, err, errlen);
	if (rc < 0)
		return rc;
	size_t k = 0;
	while (s && k < s->n &&
	       (s->state[k] == ENTRY_TAKEN || s->xml[k] != xml || strcmp(s->spec[k], spec) != 0))
		k++;
	if (!s || k == s->n)
		return load_contained(out, spec, xml, err, errlen);
	while (s->next <= k)
		set_read_next(s);
	int lost = s->state[k] == ENTRY_LOST;
	s->state[k] = ENTRY_TAKEN;
	if (lost)
		return load_contained(out, spec, xml, err, errlen);
	if (s->rc[k] < 0) {
		snprintf(err, errlen, "%s", s->err[k]);
		return s->rc[k];
	}
	*out = s->t[k];
	s->t[k] = NULL;
	return 0;
}

void cs_topo_set_free(cs_topo_set *s)
{
	if (!s)
		return;
	set_end_child(s, s->next < s->n);
	for (size_t i = 0; i < s->n; i++) {
		free(s->spec[i]);
		cs_topo_free(s->t[i]);
	}
	free(s->spec);
	free(s->xml);
	free(s->rc);
	free(s->state);
	free(s->t);
	free(s->err);
	free(s);
}

void cs_topo_free(cs_topo *t)
{
	if (!t)
		return;
	free(t->spec);
	free(t->core_package);
	free(t->core_numa);
	free(t->core_npus);
	free(t->numa_package);
	free(t->numa_ncores);
	free(t->numa_mem_bytes);
	free(t->package_ncores);
	free(t->package_ngpus);
	free(t->gpus);
	free(t->link_mbs);
	free(t);
}

/* ---- accessors ------------------------------------------------------------- */

const char *cs_topo_spec(const cs_topo *t) { return t->spec; }
int cs_topo_is_synthetic(const cs_topo *t) { return t->synthetic; }
int cs_topo_npackages(const cs_topo *t) { return t->npackages; }
int cs_topo_nnuma(const cs_topo *t) { return t->nnuma; }
int cs_topo_ncores(const cs_topo *t) { return t->ncores; }
int cs_topo_npus(const cs_topo *t) { return t->npus; }
int cs_topo_ngpus(const cs_topo *t) { return t->ngpus; }
uint64_t cs_topo_mem_bytes(const cs_topo *t) { return t->mem_bytes; }

static int in(int i, int n) { return i >= 0 && i < n; }

int cs_topo_core_package(const cs_topo *t, int c) { return in(c, t->ncores) ? t->core_package[c] : -1; }
int cs_topo_core_numa(const cs_topo *t, int c) { return in(c, t->ncores) ? t->core_numa[c] : -1; }
int cs_topo_core_npus(const cs_topo *t, int c) { return in(c, t->ncores) ? t->core_npus[c] : 0; }
int cs_topo_numa_package(const cs_topo *t, int n) { return in(n, t->nnuma) ? t->numa_package[n] : -1; }
uint64_t cs_topo_numa_mem_bytes(const cs_topo *t, int n) { return in(n, t->nnuma) ? t->numa_mem_bytes[n] : 0; }
int cs_topo_numa_ncores(const cs_topo *t, int n) { return in(n, t->nnuma) ? t->numa_ncores[n] : 0; }
int cs_topo_package_ncores(const cs_topo *t, int p) { return in(p, t->npackages) ? t->package_ncores[p] : 0; }
int cs_topo_package_ngpus(const cs_topo *t, int p) { return in(p, t->npackages) ? t->package_ngpus[p] : 0; }
const cs_topo_gpu_info *cs_topo_gpu(const cs_topo *t, int i) { return in(i, t->ngpus) ? &t->gpus[i] : NULL; }
const char *cs_topo_gpu_links_name(const cs_topo *t) { return t->link_mbs ? t->links_name : NULL; }

uint64_t cs_topo_gpu_link_mbs(const cs_topo *t, int i, int j)
{
	if (!t->link_mbs || !in(i, t->ngpus) || !in(j, t->ngpus))
		return 0;
	return t->link_mbs[(size_t)i * (size_t)t->ngpus + (size_t)j];
}

/* ---- `capsim topo show` ---------------------------------------------------- */

#define GIB(b) ((double)(b) / (1024.0 * 1024.0 * 1024.0))

/* "A" or "2x A, 2x B" over the GPUs' model names, in GPU order. */
static void models_text(const cs_topo *t, char *buf, size_t len)
{
	size_t k = 0;
	buf[0] = 0;
	for (int i = 0; i < t->ngpus; i++) {
		int first = 1, count = 0;
		for (int j = 0; j < t->ngpus; j++)
			if (strcmp(t->gpus[i].model, t->gpus[j].model) == 0) {
				first &= j >= i;
				count++;
			}
		if (!first || k >= len)
			continue;
		int w = count == t->ngpus ? snprintf(buf + k, len - k, "%s", t->gpus[i].model)
					  : snprintf(buf + k, len - k, "%s%dx %s", k ? ", " : "", count, t->gpus[i].model);
		k += w > 0 ? (size_t)w : 0;
	}
}

int cs_topo_print(FILE *f, const cs_topo *t)
{
	fprintf(f, "%s%s: %d packages, %d NUMA domains, %d cores (", t->spec, t->synthetic ? " (synthetic)" : "",
		t->npackages, t->nnuma, t->ncores);
	for (int p = 0; p < t->npackages; p++)
		fprintf(f, "%s%d", p ? "+" : "", t->package_ncores[p]);
	fprintf(f, "%s), %d PUs, %.1f GiB\n", t->npackages ? "" : "no packages", t->npus, GIB(t->mem_bytes));
	for (int n = 0; n < t->nnuma; n++)
		fprintf(f, "  NUMA%d pkg %d: %d cores, %.1f GiB\n", n, t->numa_package[n], t->numa_ncores[n],
			GIB(t->numa_mem_bytes[n]));
	char models[256];
	models_text(t, models, sizeof models);
	fprintf(f, "%d GPUs", t->ngpus);
	if (t->ngpus) {
		fprintf(f, " (%s), per package ", models);
		int placed = 0;
		for (int p = 0; p < t->npackages; p++) {
			fprintf(f, "%s%d", p ? "+" : "", t->package_ngpus[p]);
			placed += t->package_ngpus[p];
		}
		if (placed < t->ngpus)
			fprintf(f, ", %d spanning packages", t->ngpus - placed);
	}
	fputc('\n', f);
	for (int i = 0; i < t->ngpus; i++) {
		const cs_topo_gpu_info *g = &t->gpus[i];
		fprintf(f, "  GPU%d %s %04x:%04x pkg %d numa %d bridge %d\n", i, g->busid, (unsigned)g->vendor_id,
			(unsigned)g->device_id, g->package, g->numa, g->bridge);
	}
	if (t->ngpus && !t->link_mbs)
		fprintf(f, "GPU links: none (no hwloc bandwidth matrix over the GPUs)\n");
	if (t->link_mbs) {
		fprintf(f, "GPU links (%s, GB/s):\n%7s", t->links_name, "");
		for (int j = 0; j < t->ngpus; j++) {
			char label[16];
			snprintf(label, sizeof label, "GPU%d", j);
			fprintf(f, " %8s", label);
		}
		fputc('\n', f);
		for (int i = 0; i < t->ngpus; i++) {
			fprintf(f, "  GPU%-3d", i);
			for (int j = 0; j < t->ngpus; j++)
				if (i == j)
					fprintf(f, " %8s", "-");
				else
					fprintf(f, " %8.1f", (double)t->link_mbs[(size_t)i * t->ngpus + j] / 1000.0);
			fputc('\n', f);
		}
	}
	return ferror(f) ? -CS_EIO : 0;
}

static json_t *int_array(const int *v, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

int cs_topo_print_json(FILE *f, const cs_topo *t)
{
	json_t *root = json_object();
	if (!root)
		return -CS_ENOMEM;
	json_object_set_new(root, "spec", json_string(t->spec));
	json_object_set_new(root, "synthetic", json_boolean(t->synthetic));
	json_object_set_new(root, "packages", json_integer(t->npackages));
	json_object_set_new(root, "numa_domains", json_integer(t->nnuma));
	json_object_set_new(root, "cores", json_integer(t->ncores));
	json_object_set_new(root, "pus", json_integer(t->npus));
	json_object_set_new(root, "memory_bytes", json_integer((json_int_t)t->mem_bytes));
	json_object_set_new(root, "cores_per_package", int_array(t->package_ncores, t->npackages));
	json_object_set_new(root, "gpus_per_package", int_array(t->package_ngpus, t->npackages));
	json_t *numa = json_array();
	for (int n = 0; n < t->nnuma; n++)
		json_array_append_new(numa, json_pack("{s:i, s:i, s:I}", "package", t->numa_package[n], "cores",
						      t->numa_ncores[n], "memory_bytes", (json_int_t)t->numa_mem_bytes[n]));
	json_object_set_new(root, "numa", numa);
	json_object_set_new(root, "core_package", int_array(t->core_package, t->ncores));
	json_object_set_new(root, "core_numa", int_array(t->core_numa, t->ncores));
	json_t *gpus = json_array();
	for (int i = 0; i < t->ngpus; i++) {
		const cs_topo_gpu_info *g = &t->gpus[i];
		char vendor[8], device[8], cls[8];
		snprintf(vendor, sizeof vendor, "%04x", (unsigned)g->vendor_id);
		snprintf(device, sizeof device, "%04x", (unsigned)g->device_id);
		snprintf(cls, sizeof cls, "%04x", (unsigned)g->class_id);
		json_array_append_new(gpus, json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i}", "busid", g->busid,
						      "vendor_id", vendor, "device_id", device, "class_id", cls,
						      "model", g->model, "package", g->package, "numa", g->numa,
						      "bridge", g->bridge));
	}
	json_object_set_new(root, "gpus", gpus);
	json_t *links = json_null();
	if (t->link_mbs) {
		json_t *m = json_array();
		for (int i = 0; i < t->ngpus; i++) {
			json_t *row = json_array();
			for (int j = 0; j < t->ngpus; j++)
				json_array_append_new(row, json_integer((json_int_t)t->link_mbs[(size_t)i * t->ngpus + j]));
			json_array_append_new(m, row);
		}
		links = json_pack("{s:s, s:o}", "name", t->links_name, "bandwidth_mbs", m);
	}
	json_object_set_new(root, "gpu_links", links);
	int rc = json_dumpf(root, f, JSON_PRESERVE_ORDER);
	json_decref(root);
	fputc('\n', f);
	return rc < 0 || ferror(f) ? -CS_EIO : 0;
}
