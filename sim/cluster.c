/* capsim: the cluster model, loaded from a YAML config with libfyaml. */
#include "capsim/cluster.h"
#include "cluster_int.h"
#include "yaml.h"

#include <ctype.h>
#include <errno.h>
#include <libfyaml.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char *const prec_names[CS_PREC_COUNT] = {
	"fp64", "fp64_tensor", "fp32", "tf32", "bf16", "fp16", "fp8",
};

const char *cs_cluster_prec_name(int prec)
{
	return prec >= 0 && prec < CS_PREC_COUNT ? prec_names[prec] : NULL;
}

/* ---- loader state and error reporting -------------------------------------- */

typedef struct ld {
	const char *file; /* the config, as given */
	char dir[PATH_MAX];
	char *err;
	size_t errlen;
	cs_cluster *c;
	cs_yaml y;
	cs_yfield cap;     /* site.power_cap_kw, if given: checked against the idle draw */
	cs_topo_set *topos; /* the node types' topologies, loaded ahead (NULL: each alone) */
} ld;

typedef cs_yfield fld;

#define fail(l, ...) cs_yaml_fail(&(l)->y, __VA_ARGS__)
#define fail_val(l, ...) cs_yaml_failv(&(l)->y, __VA_ARGS__)
#define own(l, p) cs_yaml_own(&(l)->y, p)
#define oom(l) cs_yaml_oom(&(l)->y)
#define kind(n) cs_yaml_kind(n)
#define check_keys(l, map, path, keys) cs_yaml_check_keys(&(l)->y, map, path, "config", keys)
#define field(l, ...) cs_yaml_field(&(l)->y, __VA_ARGS__)
#define get_str(l, f, out) cs_yaml_str(&(l)->y, f, out)
#define get_int(l, f, lo, hi, out) cs_yaml_i64(&(l)->y, f, lo, hi, out)
#define get_num(l, f, lo, strict, out) cs_yaml_num(&(l)->y, f, lo, strict, INFINITY, out)
#define need_map(l, f) cs_yaml_need_map(&(l)->y, f)
#define need_list(l, f) cs_yaml_need_list(&(l)->y, f, 1)
#define item(list, it, i, out) cs_yaml_item(list, it, i, out)
#define line_of(n) cs_yaml_line_of(n)

static void *own_array(ld *l, size_t n, size_t size) { return own(l, calloc(n ? n : 1, size)); }

static int get_int32(ld *l, const fld *f, int lo, int *out)
{
	int64_t v;
	int rc = get_int(l, f, lo, INT_MAX, &v);
	if (rc == 0)
		*out = (int)v;
	return rc;
}

/* Optional number: leaves *out alone if the key is absent. */
static int opt_num(ld *l, struct fy_node *map, const char *path, const char *key, double lo, int strict, double *out)
{
	fld f;
	int rc = field(l, map, NULL, path, key, 0, &f);
	return rc <= 0 ? rc : get_num(l, &f, lo, strict, out);
}

/* ---- sections ------------------------------------------------------------- */

static int load_site(ld *l, struct fy_node *root)
{
	static const char *const keys[] = { "pue", "power_cap_kw", "energy_price_per_kwh", "currency", NULL };
	cs_cluster_site *s = &l->c->site;
	fld f, g;
	int rc = field(l, root, NULL, "", "site", 1, &f);
	if (rc < 0 || (rc = need_map(l, &f)) < 0 || (rc = check_keys(l, f.val, "site", keys)) < 0)
		return rc;
	s->currency = "";
	if ((rc = field(l, f.val, f.key, "site", "pue", 1, &g)) < 0 || (rc = get_num(l, &g, 1, 0, &s->pue)) < 0)
		return rc;
	/* facility power; the engine enforces it (capsim/power.h, docs/energy.md) */
	if ((rc = field(l, f.val, f.key, "site", "power_cap_kw", 0, &l->cap)) == 1)
		rc = get_num(l, &l->cap, 0, 1, &s->power_cap_kw);
	if (rc < 0 || (rc = opt_num(l, f.val, "site", "energy_price_per_kwh", 0, 0, &s->energy_price_per_kwh)) < 0)
		return rc;
	if ((rc = field(l, f.val, f.key, "site", "currency", 0, &g)) == 1)
		rc = get_str(l, &g, &s->currency);
	return rc < 0 ? rc : 0;
}

/* A relative topology that names a file is relative to the config's
 * directory; otherwise it is a synthetic description (or an XML path that
 * cs_topo_load will report missing). */
static const char *resolve_topology(ld *l, const char *spec, char *buf, size_t len)
{
	if (spec[0] == '/')
		return spec;
	snprintf(buf, len, "%s/%s", l->dir, spec);
	struct stat st;
	size_t n = strlen(spec);
	if (stat(buf, &st) == 0 || (n > 4 && strcmp(spec + n - 4, ".xml") == 0))
		return buf;
	return spec;
}

/* ---- GPU vendors ------------------------------------------------------------ */

/* What gpus.vendor may say. A GPU job of the published traces (CUDA code)
 * may use only "nvidia" by default (include/capsim/gpumap.h). */
const char *const cs_gpu_vendor_names[CS_GPU_VENDOR_N] = { "nvidia", "amd", "intel", "graphcore", "habana",
							   "other" };

/* Words in a model name that tell its vendor: the names vendors give their
 * devices (NVIDIA's need none: they are the default). */
static const struct { const char *word; const char *vendor; } vendor_words[] = {
	{ "graphcore", "graphcore" }, { "ipu", "graphcore" }, { "bow", "graphcore" }, { "gc200", "graphcore" },
	{ "colossus", "graphcore" },  { "amd", "amd" },       { "instinct", "amd" },   { "radeon", "amd" },
	{ "habana", "habana" },       { "gaudi", "habana" },  { "gaudi2", "habana" },  { "gaudi3", "habana" },
	{ "intel", "intel" },         { "ponte", "intel" },   { "pvc", "intel" },      { "tpu", "other" },
	{ "cerebras", "other" },      { "sambanova", "other" }, { "trainium", "other" }, { "inferentia", "other" },
	{ "groq", "other" },
};

/* A model name's vendor, word by word (split on anything but letters and
 * digits, case ignored): a word of vendor_words, or MI<digits>... (AMD
 * Instinct MI100, MI250X, MI300X); else "nvidia". */
static const char *vendor_of_model(const char *model)
{
	for (const char *p = model; *p;) {
		char w[32];
		size_t n = 0;
		while (*p && !isalnum((unsigned char)*p))
			p++;
		while (isalnum((unsigned char)*p)) {
			if (n + 1 < sizeof w)
				w[n++] = (char)tolower((unsigned char)*p);
			p++;
		}
		w[n] = '\0';
		if (n >= 3 && w[0] == 'm' && w[1] == 'i' && isdigit((unsigned char)w[2]))
			return "amd";
		for (size_t k = 0; n && k < sizeof vendor_words / sizeof vendor_words[0]; k++)
			if (strcmp(w, vendor_words[k].word) == 0)
				return vendor_words[k].vendor;
	}
	return "nvidia";
}

/* The default vendor of a node type with GPUs: an XML topology's PCI vendor
 * of its first GPU, else the model name's. */
static const char *default_vendor(const cs_cluster_node_type *t)
{
	const cs_topo_gpu_info *g = cs_topo_is_synthetic(t->topo) ? NULL : cs_topo_gpu(t->topo, 0);
	switch (g ? g->vendor_id : 0) {
	case 0x10de: return "nvidia";
	case 0x1002: return "amd";
	case 0x8086: return "intel";
	default: return vendor_of_model(t->gpu_model);
	}
}

static int load_gpus(ld *l, const fld *f, cs_cluster_node_type *t)
{
	static const char *const keys[] = { "model", "vendor", "count", "per_package", "peak_tflops", NULL };
	const cs_topo *topo = t->topo;
	int xml = !cs_topo_is_synthetic(topo), xml_gpus = cs_topo_ngpus(topo);
	fld g;
	int rc;
	if ((rc = need_map(l, f)) < 0 || (rc = check_keys(l, f->val, f->path, keys)) < 0)
		return rc;
	if ((rc = field(l, f->val, f->key, f->path, "model", 1, &g)) < 0 || (rc = get_str(l, &g, &t->gpu_model)) < 0)
		return rc;
	t->gpus = xml_gpus;
	if ((rc = field(l, f->val, f->key, f->path, "count", !xml, &g)) < 0)
		return rc;
	if (rc == 1) {
		if ((rc = get_int32(l, &g, 0, &t->gpus)) < 0)
			return rc;
		if (xml && t->gpus != xml_gpus)
			return fail_val(l, -CS_EINVAL, &g, "%d GPUs, but the topology %s has %d", t->gpus,
					cs_topo_spec(topo), xml_gpus);
	}
	if ((rc = field(l, f->val, f->key, f->path, "per_package", 0, &g)) == 1) {
		if ((rc = get_int32(l, &g, 0, &t->gpus_per_package)) < 0)
			return rc;
		int npkg = cs_topo_npackages(topo);
		if (t->gpus_per_package * npkg != t->gpus)
			return fail_val(l, -CS_EINVAL, &g, "%d per package x %d packages (%s) is not the count %d",
					t->gpus_per_package, npkg, cs_topo_spec(topo), t->gpus);
	}
	if (rc < 0)
		return rc;
	if ((rc = field(l, f->val, f->key, f->path, "vendor", 0, &g)) == 1) {
		const char *v;
		if ((rc = get_str(l, &g, &v)) < 0)
			return rc;
		int k = 0;
		while (k < CS_GPU_VENDOR_N && strcmp(v, cs_gpu_vendor_names[k]) != 0)
			k++;
		if (k == CS_GPU_VENDOR_N)
			return fail_val(l, -CS_EINVAL, &g, "'%s' is not one of nvidia amd intel graphcore habana other", v);
		t->gpu_vendor = cs_gpu_vendor_names[k];
	} else if (rc < 0) {
		return rc;
	} else {
		t->gpu_vendor = default_vendor(t);
	}
	if (!t->gpus)
		t->gpu_vendor = "";
	if ((rc = field(l, f->val, f->key, f->path, "peak_tflops", 0, &g)) == 1) {
		const char *keys_p[CS_PREC_COUNT + 1];
		for (int p = 0; p < CS_PREC_COUNT; p++)
			keys_p[p] = prec_names[p];
		keys_p[CS_PREC_COUNT] = NULL;
		if ((rc = need_map(l, &g)) < 0 || (rc = check_keys(l, g.val, g.path, keys_p)) < 0)
			return rc;
		for (int p = 0; p < CS_PREC_COUNT && rc >= 0; p++)
			rc = opt_num(l, g.val, g.path, prec_names[p], 0, 0, &t->gpu_peak_tflops[p]);
	}
	return rc < 0 ? rc : 0;
}

/* The `name` of list entry i, which must differ from the names of entries
 * 0..i-1 (their name nodes kept in name_nodes, for the error's line). */
static int unique_name(ld *l, const fld *f, int i, struct fy_node **name_nodes, const char *what,
		       const char **name, fld *g)
{
	int rc;
	if ((rc = field(l, f->val, f->key, f->path, "name", 1, g)) < 0 || (rc = get_str(l, g, name)) < 0)
		return rc;
	name_nodes[i] = g->val;
	for (int j = 0; j < i; j++) {
		size_t len;
		const char *other = fy_node_get_scalar(name_nodes[j], &len);
		if (other && len == strlen(*name) && memcmp(other, *name, len) == 0)
			return fail_val(l, -CS_EINVAL, g, "duplicate %s name '%s' (first at line %d)", what, *name,
					line_of(name_nodes[j]));
	}
	return 0;
}

static int load_node_type(ld *l, const fld *f, int i, struct fy_node **name_nodes)
{
	static const char *const keys[] = { "name", "count", "topology", "memory_gib", "gpus",
					    "cpu_peak_tflops_fp64", "power_w", "cost", "storage_gbs", NULL };
	cs_cluster *c = l->c;
	cs_cluster_node_type *t = &c->types[i];
	fld g;
	int rc;
	if ((rc = need_map(l, f)) < 0 || (rc = check_keys(l, f->val, f->path, keys)) < 0)
		return rc;
	if ((rc = unique_name(l, f, i, name_nodes, "node type", &t->name, &g)) < 0)
		return rc;
	if ((rc = field(l, f->val, f->key, f->path, "count", 1, &g)) < 0 || (rc = get_int32(l, &g, 1, &t->count)) < 0)
		return rc;

	fld tf;
	const char *spec;
	if ((rc = field(l, f->val, f->key, f->path, "topology", 1, &tf)) < 0 || (rc = get_str(l, &tf, &spec)) < 0)
		return rc;
	char buf[PATH_MAX + 256], terr[CS_ERRLEN];
	rc = cs_topo_set_take(l->topos, &c->topos[i], resolve_topology(l, spec, buf, sizeof buf), terr, sizeof terr);
	if (rc < 0)
		return fail_val(l, rc, &tf, "%s", terr);
	t->topo = c->topos[i];
	t->gpu_model = "";
	t->gpu_vendor = "";

	t->memory_gib = (double)cs_topo_mem_bytes(t->topo) / (1024.0 * 1024.0 * 1024.0);
	if ((rc = opt_num(l, f->val, f->path, "memory_gib", 0, 1, &t->memory_gib)) < 0)
		return rc;
	if ((rc = field(l, f->val, f->key, f->path, "gpus", 0, &g)) < 0)
		return rc;
	if (rc == 1) {
		if ((rc = load_gpus(l, &g, t)) < 0)
			return rc;
	} else {
		t->gpus = cs_topo_ngpus(t->topo);
		if (t->gpus > 0) {
			t->gpu_model = cs_topo_gpu(t->topo, 0)->model;
			t->gpu_vendor = default_vendor(t);
		}
	}
	if ((rc = opt_num(l, f->val, f->path, "cpu_peak_tflops_fp64", 0, 0, &t->cpu_peak_tflops_fp64)) < 0 ||
	    (rc = opt_num(l, f->val, f->path, "storage_gbs", 0, 1, &t->storage_gbs)) < 0)
		return rc;

	static const char *const power_keys[] = { "idle", "peak", NULL };
	fld pw, h;
	if ((rc = field(l, f->val, f->key, f->path, "power_w", 1, &pw)) < 0 || (rc = need_map(l, &pw)) < 0 ||
	    (rc = check_keys(l, pw.val, pw.path, power_keys)) < 0)
		return rc;
	if ((rc = field(l, pw.val, pw.key, pw.path, "idle", 1, &h)) < 0 || (rc = get_num(l, &h, 0, 0, &t->idle_w)) < 0)
		return rc;
	if ((rc = field(l, pw.val, pw.key, pw.path, "peak", 1, &h)) < 0 || (rc = get_num(l, &h, 0, 0, &t->peak_w)) < 0)
		return rc;
	if (t->peak_w < t->idle_w)
		return fail_val(l, -CS_EINVAL, &h, "peak %g W is below idle %g W", t->peak_w, t->idle_w);
	return opt_num(l, f->val, f->path, "cost", 0, 0, &t->cost);
}

/* Every node type's topology as load_node_type will ask for it, loaded
 * ahead by one hwloc child; one not found here (not a string, say) is
 * loaded alone when asked for, and its error reported then. NULL if none
 * or out of memory. */
static cs_topo_set *topologies_ahead(ld *l, struct fy_node *list)
{
	size_t n = (size_t)fy_node_sequence_item_count(list), k = 0;
	char **specs = calloc(n + 1, sizeof *specs);
	void *it = NULL;
	struct fy_node *e;
	while (specs && (e = fy_node_sequence_iterate(list, &it))) {
		fld g;
		size_t len;
		const char *s;
		if (!fy_node_is_mapping(e) || field(l, e, NULL, "", "topology", 0, &g) != 1 ||
		    !(s = cs_yaml_text(&g, &len)))
			continue;
		char spec[PATH_MAX + 256], buf[PATH_MAX + 256];
		snprintf(spec, sizeof spec, "%.*s", (int)len, s);
		if (strlen(spec) == len && !(specs[k++] = strdup(resolve_topology(l, spec, buf, sizeof buf))))
			break;
	}
	cs_topo_set *set = NULL;
	if (specs && (k == 0 || specs[k - 1]))
		cs_topo_set_new(&set, (const char *const *)specs, k);
	for (size_t i = 0; specs && i < k; i++)
		free(specs[i]);
	free(specs);
	return set;
}

static int load_node_types(ld *l, struct fy_node *root)
{
	cs_cluster *c = l->c;
	fld f, g;
	int rc = field(l, root, NULL, "", "node_types", 1, &f);
	if (rc < 0 || (rc = need_list(l, &f)) < 0)
		return rc;
	int n = rc;
	struct fy_node **name_nodes = calloc((size_t)n, sizeof *name_nodes);
	if (!name_nodes || !(c->types = own_array(l, (size_t)n, sizeof *c->types)) ||
	    !(c->topos = calloc((size_t)n, sizeof *c->topos))) {
		free(name_nodes);
		return oom(l);
	}
	void *it = NULL;
	struct fy_node *e;
	rc = 0;
	l->topos = topologies_ahead(l, f.val);
	for (int i = 0; rc == 0 && (e = fy_node_sequence_iterate(f.val, &it)); i++) {
		item(&f, e, i, &g);
		c->ntypes = i + 1; /* so that cs_cluster_free frees a loaded topology */
		rc = load_node_type(l, &g, i, name_nodes);
	}
	cs_topo_set_free(l->topos);
	l->topos = NULL;
	free(name_nodes);
	return rc;
}

/* A partition's tres_billing_weights (capsim/billing.h): a GRES/gpu:TYPE
 * must name one of its node types' GPU models, and its node types with
 * GPUs must all bill the same per GPU, since a job's rate is fixed before
 * it is placed. */
static int load_billing(ld *l, const fld *g, cs_cluster_partition *p)
{
	const cs_cluster *c = l->c;
	const char *spec;
	char msg[512];
	int rc = get_str(l, g, &spec);
	if (rc < 0)
		return rc;
	if (cs_billing_parse(spec, &p->billing, msg, sizeof msg) < 0)
		return fail_val(l, -CS_EPARSE, g, "%s", msg);
	for (int k = 0; k < p->billing.ntypes; k++) {
		int found = 0;
		char models[256] = "";
		for (int i = 0; i < p->nnode_types; i++) {
			const cs_cluster_node_type *t = &c->types[p->node_types[i]];
			if (!t->gpus)
				continue;
			found |= strcasecmp(t->gpu_model, p->billing.type[k]) == 0;
			snprintf(models + strlen(models), sizeof models - strlen(models), "%s%s", models[0] ? ", " : "",
				 t->gpu_model);
		}
		if (!found)
			return fail_val(l, -CS_EINVAL, g, "GRES/gpu:%s: no node type of partition '%s' has GPUs of that "
					"model (its GPU models: %s)", p->billing.type[k], p->name,
					models[0] ? models : "none");
	}
	const cs_cluster_node_type *first = NULL;
	for (int i = 0; i < p->nnode_types; i++) {
		const cs_cluster_node_type *t = &c->types[p->node_types[i]];
		if (!t->gpus)
			continue;
		if (!first) {
			first = t;
			p->billing_gpu_model = t->gpu_model;
		} else if (cs_billing_gpu_weight(&p->billing, t->gpu_model) !=
			   cs_billing_gpu_weight(&p->billing, first->gpu_model)) {
			return fail_val(l, -CS_EINVAL, g, "node types '%s' (%s) and '%s' (%s) of partition '%s' bill "
					"%g and %g per GPU: capsim bills a job before it knows which it lands on; give "
					"them one weight, or put them in separate partitions", first->name,
					first->gpu_model, t->name, t->gpu_model, p->name,
					cs_billing_gpu_weight(&p->billing, first->gpu_model),
					cs_billing_gpu_weight(&p->billing, t->gpu_model));
		}
	}
	return 0;
}

static int load_partition(ld *l, const fld *f, int i, struct fy_node **name_nodes)
{
	static const char *const keys[] = { "name", "node_types", "max_time_s", "max_nodes", "tres_billing_weights",
					    NULL };
	cs_cluster *c = l->c;
	cs_cluster_partition *p = &c->parts[i];
	fld g, h;
	int rc;
	if ((rc = need_map(l, f)) < 0 || (rc = check_keys(l, f->val, f->path, keys)) < 0)
		return rc;
	if ((rc = unique_name(l, f, i, name_nodes, "partition", &p->name, &g)) < 0)
		return rc;
	if ((rc = field(l, f->val, f->key, f->path, "node_types", 1, &g)) < 0 || (rc = need_list(l, &g)) < 0)
		return rc;
	int *idx = own_array(l, (size_t)rc, sizeof *idx);
	if (!idx)
		return oom(l);
	p->node_types = idx;
	void *it = NULL;
	struct fy_node *e;
	for (int k = 0; (e = fy_node_sequence_iterate(g.val, &it)); k++) {
		const char *name;
		item(&g, e, k, &h);
		if ((rc = get_str(l, &h, &name)) < 0)
			return rc;
		if ((idx[k] = cs_cluster_node_type_find(c, name)) < 0) {
			char list[256] = "";
			for (int j = 0; j < c->ntypes; j++)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", j ? ", " : "",
					 c->types[j].name);
			return fail_val(l, -CS_EINVAL, &h, "unknown node type '%s', expected one of: %s", name, list);
		}
		p->nnode_types = k + 1;
	}
	if ((rc = field(l, f->val, f->key, f->path, "max_time_s", 0, &g)) == 1)
		rc = get_int(l, &g, 1, INT64_MAX, &p->max_time_s);
	if (rc < 0)
		return rc;
	if ((rc = field(l, f->val, f->key, f->path, "max_nodes", 0, &g)) == 1)
		rc = get_int32(l, &g, 1, &p->max_nodes);
	if (rc < 0)
		return rc;
	p->billing_gpu_model = "";
	if ((rc = field(l, f->val, f->key, f->path, "tres_billing_weights", 0, &g)) == 1)
		rc = load_billing(l, &g, p);
	return rc < 0 ? rc : 0;
}

static int load_partitions(ld *l, struct fy_node *root)
{
	cs_cluster *c = l->c;
	fld f, g;
	int rc = field(l, root, NULL, "", "partitions", 1, &f);
	if (rc < 0 || (rc = need_list(l, &f)) < 0)
		return rc;
	int n = rc;
	struct fy_node **name_nodes = calloc((size_t)n, sizeof *name_nodes);
	if (!name_nodes || !(c->parts = own_array(l, (size_t)n, sizeof *c->parts))) {
		free(name_nodes);
		return oom(l);
	}
	void *it = NULL;
	struct fy_node *e;
	rc = 0;
	for (int i = 0; rc == 0 && (e = fy_node_sequence_iterate(f.val, &it)); i++) {
		item(&f, e, i, &g);
		rc = load_partition(l, &g, i, name_nodes);
		c->nparts = i + 1;
	}
	free(name_nodes);
	return rc;
}

static int load_fabric(ld *l, struct fy_node *root)
{
	static const char *const keys[] = { "levels", "blocks", NULL };
	static const char *const level_keys[] = { "name", "radix", "oversubscription", NULL };
	static const char *const block_keys[] = { "size_nodes", NULL };
	cs_cluster *c = l->c;
	fld f, g, h, k;
	int rc = field(l, root, NULL, "", "fabric", 0, &f);
	if (rc <= 0)
		return rc;
	if ((rc = need_map(l, &f)) < 0 || (rc = check_keys(l, f.val, "fabric", keys)) < 0)
		return rc;
	if ((rc = field(l, f.val, f.key, "fabric", "levels", 1, &g)) < 0 || (rc = need_list(l, &g)) < 0)
		return rc;
	if (!(c->levels = own_array(l, (size_t)rc, sizeof *c->levels)))
		return oom(l);
	void *it = NULL;
	struct fy_node *e;
	for (int i = 0; (e = fy_node_sequence_iterate(g.val, &it)); i++) {
		cs_cluster_fabric_level *v = &c->levels[i];
		item(&g, e, i, &h);
		if ((rc = need_map(l, &h)) < 0 || (rc = check_keys(l, h.val, h.path, level_keys)) < 0)
			return rc;
		if ((rc = field(l, h.val, h.key, h.path, "name", 1, &k)) < 0 || (rc = get_str(l, &k, &v->name)) < 0 ||
		    (rc = field(l, h.val, h.key, h.path, "radix", 1, &k)) < 0 || (rc = get_int32(l, &k, 2, &v->radix)) < 0 ||
		    (rc = field(l, h.val, h.key, h.path, "oversubscription", 1, &k)) < 0 ||
		    (rc = get_num(l, &k, 1, 0, &v->oversubscription)) < 0)
			return rc;
		c->nlevels = i + 1;
	}
	if ((rc = field(l, f.val, f.key, "fabric", "blocks", 0, &g)) <= 0)
		return rc;
	if ((rc = need_map(l, &g)) < 0 || (rc = check_keys(l, g.val, g.path, block_keys)) < 0 ||
	    (rc = field(l, g.val, g.key, g.path, "size_nodes", 1, &h)) < 0 ||
	    (rc = get_int32(l, &h, 1, &c->block_nodes)) < 0)
		return rc;
	return 0;
}

static int load_storage(ld *l, struct fy_node *root)
{
	static const char *const keys[] = { "name", "capacity_pb", "bandwidth_gbs", "used_pb", "tb_per_gpu_hour",
					    "tb_per_core_hour", "retention_days", NULL };
	cs_cluster *c = l->c;
	fld f, g, k;
	int rc = field(l, root, NULL, "", "storage", 0, &f);
	if (rc <= 0 || (rc = need_list(l, &f)) < 0)
		return rc;
	if (!(c->storage = own_array(l, (size_t)rc, sizeof *c->storage)))
		return oom(l);
	void *it = NULL;
	struct fy_node *e;
	for (int i = 0; (e = fy_node_sequence_iterate(f.val, &it)); i++) {
		cs_cluster_storage *s = &c->storage[i];
		item(&f, e, i, &g);
		if ((rc = need_map(l, &g)) < 0 || (rc = check_keys(l, g.val, g.path, keys)) < 0)
			return rc;
		if ((rc = field(l, g.val, g.key, g.path, "name", 1, &k)) < 0 || (rc = get_str(l, &k, &s->name)) < 0)
			return rc;
		for (int j = 0; j < i; j++)
			if (strcmp(c->storage[j].name, s->name) == 0)
				return fail_val(l, -CS_EINVAL, &k, "duplicate storage name '%s'", s->name);
		if ((rc = field(l, g.val, g.key, g.path, "capacity_pb", 1, &k)) < 0 ||
		    (rc = get_num(l, &k, 0, 1, &s->capacity_pb)) < 0 ||
		    (rc = opt_num(l, g.val, g.path, "bandwidth_gbs", 0, 1, &s->bandwidth_gbs)) < 0 ||
		    (rc = opt_num(l, g.val, g.path, "tb_per_gpu_hour", 0, 0, &s->tb_per_gpu_hour)) < 0 ||
		    (rc = opt_num(l, g.val, g.path, "tb_per_core_hour", 0, 0, &s->tb_per_core_hour)) < 0 ||
		    (rc = opt_num(l, g.val, g.path, "retention_days", 0, 1, &s->retention_days)) < 0)
			return rc;
		/* what it holds at the start fits in it */
		if ((rc = field(l, g.val, g.key, g.path, "used_pb", 0, &k)) == 1)
			rc = cs_yaml_num(&l->y, &k, 0, 0, s->capacity_pb, &s->used_pb);
		if (rc < 0)
			return rc;
		c->nstorage = i + 1;
	}
	return 0;
}

void *cs_cluster__own(cs_cluster *c, void *p)
{
	cs_yaml y = { .owned = &c->owned, .nowned = &c->nowned, .capowned = &c->capowned };
	return cs_yaml_own(&y, p);
}

int cs_cluster__totals(cs_cluster *c)
{
	cs_cluster_totals *s = &c->totals;
	*s = (cs_cluster_totals){ 0 };
	c->ngpu_models = 0;
	if (!(c->gpu_models = cs_cluster__own(c, calloc((size_t)c->ntypes + 1, sizeof *c->gpu_models))))
		return -CS_ENOMEM;
	for (int i = 0; i < c->ntypes; i++) {
		const cs_cluster_node_type *t = &c->types[i];
		double n = t->count;
		s->nodes += t->count;
		s->cores += (int64_t)t->count * cs_topo_ncores(t->topo);
		s->gpus += (int64_t)t->count * t->gpus;
		s->memory_gib += n * t->memory_gib;
		for (int p = 0; p < CS_PREC_COUNT; p++)
			s->peak_pflops[p] += n * t->gpus * t->gpu_peak_tflops[p] / 1000.0;
		s->peak_pflops[CS_PREC_FP64] += n * t->cpu_peak_tflops_fp64 / 1000.0;
		s->idle_kw += n * t->idle_w / 1000.0;
		s->peak_kw += n * t->peak_w / 1000.0;
		s->cost += n * t->cost;
		if (t->gpus == 0)
			continue;
		int m = 0;
		while (m < c->ngpu_models && strcmp(c->gpu_models[m].model, t->gpu_model) != 0)
			m++;
		if (m == c->ngpu_models)
			c->gpu_models[c->ngpu_models++].model = t->gpu_model;
		c->gpu_models[m].count += (int64_t)t->count * t->gpus;
	}
	for (int i = 0; i < c->nstorage; i++)
		s->storage_pb += c->storage[i].capacity_pb;
	s->facility_idle_kw = s->idle_kw * c->site.pue;
	s->facility_peak_kw = s->peak_kw * c->site.pue;
	return 0;
}

static int compute_totals(ld *l)
{
	cs_cluster *c = l->c;
	if (cs_cluster__totals(c) < 0)
		return oom(l);
	if (c->site.power_cap_kw > 0 && c->site.power_cap_kw <= c->totals.facility_idle_kw)
		return fail_val(l, -CS_EINVAL, &l->cap, "%g kW is not above the site's idle draw, %.6g kW IT x PUE %g = "
				"%.6g kW: no job could start", c->site.power_cap_kw, c->totals.idle_kw, c->site.pue,
				c->totals.facility_idle_kw);
	return 0;
}

/* ---- load ----------------------------------------------------------------- */

/* Load from the file l->file, or from text if not NULL; l->dir is set. */
static int load(cs_cluster **out, ld *l, const char *text, size_t len)
{
	static const char *const keys[] = { "name", "site", "node_types", "partitions", "fabric", "storage", "failures",
					    "checkpoints", "maintenance", "extends", NULL };
	if ((l->c = calloc(1, sizeof *l->c)))
		atomic_init(&l->c->refs, 1);
	if (!l->c || !(l->c->path = strdup(l->file))) {
		cs_cluster_free(l->c);
		snprintf(l->err, l->errlen, "%s: out of memory", l->file);
		return -CS_ENOMEM;
	}
	l->y = (cs_yaml){ .file = l->file, .err = l->err, .errlen = l->errlen, .owned = &l->c->owned,
			  .nowned = &l->c->nowned, .capowned = &l->c->capowned };
	int rc = 0;
	struct fy_document *doc = cs_yaml_parse(&l->y, text, len, "config: empty, expected a mapping with name, site, "
						"node_types, partitions", &rc);
	if (doc) {
		struct fy_node *root = fy_document_root(doc);
		fld f;
		if (!root || !fy_node_is_mapping(root)) {
			rc = fail(l, -CS_EPARSE, root, NULL, "config", "expected a mapping with name, site, node_types, "
				  "partitions, got %s", root ? kind(root) : "an empty document");
		} else if ((rc = field(l, root, NULL, "", "extends", 0, &f)) != 0) {
			/* another config, with this one's failures, checkpoints and maintenance */
			if (rc > 0)
				rc = cs_cluster__extend(&l->c, &l->y, root, &f, l->dir);
		} else if ((rc = check_keys(l, root, "", keys)) == 0 && (rc = field(l, root, NULL, "", "name", 1, &f)) > 0 &&
			   (rc = get_str(l, &f, &l->c->name)) == 0 && (rc = load_site(l, root)) == 0 &&
			   (rc = load_node_types(l, root)) == 0 && (rc = load_partitions(l, root)) == 0 &&
			   (rc = load_fabric(l, root)) == 0 && (rc = load_storage(l, root)) == 0) {
			rc = compute_totals(l);
		}
		if (rc == 0)
			rc = cs_cluster__load_reliability(l->c, &l->y, root, l->dir);
		fy_document_destroy(doc);
	}
	if (rc < 0) {
		cs_cluster_free(l->c);
		return rc;
	}
	*out = l->c;
	return 0;
}

int cs_cluster_load(cs_cluster **out, const char *path, char *err, size_t errlen)
{
	*out = NULL;
	ld l = { .file = path, .err = err, .errlen = errlen };
	int rc = cs_yaml_openable(path, err, errlen);
	if (rc < 0)
		return rc;
	const char *slash = strrchr(path, '/');
	if (slash) /* "/x.yaml" is in "/" */
		snprintf(l.dir, sizeof l.dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	else
		snprintf(l.dir, sizeof l.dir, ".");
	return load(out, &l, NULL, 0);
}

int cs_cluster_load_text(cs_cluster **out, const char *text, size_t len, const char *name, const char *base_dir,
			 char *err, size_t errlen)
{
	*out = NULL;
	ld l = { .file = name, .err = err, .errlen = errlen };
	snprintf(l.dir, sizeof l.dir, "%s", base_dir ? base_dir : ".");
	return load(out, &l, text, len);
}

/* configs/clusters/national-ai-dc.yaml, embedded by the Makefile
 * ($(BUILD)/gen/default_cluster.c); NUL-terminated, len excludes the NUL. */
extern const unsigned char cs_default_cluster_yaml[];
extern const size_t cs_default_cluster_yaml_len;

const char *cs_cluster_default_text(size_t *len)
{
	if (len)
		*len = cs_default_cluster_yaml_len;
	return (const char *)cs_default_cluster_yaml;
}

int cs_cluster_load_default(cs_cluster **out, char *err, size_t errlen)
{
	return cs_cluster_load_text(out, (const char *)cs_default_cluster_yaml, cs_default_cluster_yaml_len,
				    CS_CLUSTER_DEFAULT_NAME, NULL, err, errlen);
}

cs_cluster *cs_cluster_share(const cs_cluster *c)
{
	cs_cluster *o = (cs_cluster *)c; /* the reference count is not part of the value */
	atomic_fetch_add(&o->refs, 1);
	return o;
}

void cs_cluster_free(cs_cluster *c)
{
	if (!c || atomic_fetch_sub(&c->refs, 1) > 1)
		return;
	for (int i = 0; c->topos && i < c->ntypes; i++)
		cs_topo_free(c->topos[i]);
	free(c->topos);
	for (size_t i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	free(c->owned);
	free(c->path);
	cs_cluster *base = c->base;
	free(c);
	cs_cluster_free(base);
}

/* ---- accessors ------------------------------------------------------------ */

static int in(int i, int n) { return i >= 0 && i < n; }

const char *cs_cluster_name(const cs_cluster *c) { return c->name; }
const char *cs_cluster_path(const cs_cluster *c) { return c->path; }
const char *cs_cluster_scaled_by(const cs_cluster *c) { return c->scaled_by ? c->scaled_by : ""; }
const cs_cluster *cs_cluster_scale_base(const cs_cluster *c) { return c->base; }
const cs_cluster_site *cs_cluster_site_info(const cs_cluster *c) { return &c->site; }
int cs_cluster_nnode_types(const cs_cluster *c) { return c->ntypes; }
const cs_cluster_node_type *cs_cluster_node_type_at(const cs_cluster *c, int i)
{
	return in(i, c->ntypes) ? &c->types[i] : NULL;
}
int cs_cluster_npartitions(const cs_cluster *c) { return c->nparts; }
const cs_cluster_partition *cs_cluster_partition_at(const cs_cluster *c, int i)
{
	return in(i, c->nparts) ? &c->parts[i] : NULL;
}
int cs_cluster_nfabric_levels(const cs_cluster *c) { return c->nlevels; }
const cs_cluster_fabric_level *cs_cluster_fabric_level_at(const cs_cluster *c, int i)
{
	return in(i, c->nlevels) ? &c->levels[i] : NULL;
}
int cs_cluster_fabric_block_nodes(const cs_cluster *c) { return c->block_nodes; }
int cs_cluster_nstorage(const cs_cluster *c) { return c->nstorage; }
const cs_cluster_storage *cs_cluster_storage_at(const cs_cluster *c, int i)
{
	return in(i, c->nstorage) ? &c->storage[i] : NULL;
}
int cs_cluster_ngpu_models(const cs_cluster *c) { return c->ngpu_models; }
const cs_cluster_gpu_count *cs_cluster_gpu_model_at(const cs_cluster *c, int i)
{
	return in(i, c->ngpu_models) ? &c->gpu_models[i] : NULL;
}
const cs_cluster_totals *cs_cluster_totals_of(const cs_cluster *c) { return &c->totals; }

int cs_cluster_node_type_find(const cs_cluster *c, const char *name)
{
	for (int i = 0; i < c->ntypes; i++)
		if (c->types[i].name && strcmp(c->types[i].name, name) == 0)
			return i;
	return -1;
}

/* ---- billing -------------------------------------------------------------- */

int cs_cluster_has_billing(const cs_cluster *c)
{
	for (int p = 0; p < c->nparts; p++)
		if (c->parts[p].billing.given)
			return 1;
	return 0;
}

double cs_cluster_billing_rate(const cs_cluster *c, int p, uint32_t nodes, uint32_t gpus_per_node,
			       uint32_t cores_per_node, uint32_t mem_per_node_mib, uint32_t size)
{
	if (!in(p, c->nparts) || !c->parts[p].billing.given)
		return size;
	const cs_cluster_partition *pt = &c->parts[p];
	return cs_billing_rate(&pt->billing, nodes, gpus_per_node, cores_per_node, mem_per_node_mib,
			       pt->billing_gpu_model);
}

double cs_cluster_node_billing_rate(const cs_cluster *c, int t)
{
	if (!in(t, c->ntypes))
		return 0;
	const cs_cluster_node_type *nt = &c->types[t];
	uint32_t cores = (uint32_t)cs_topo_ncores(nt->topo);
	for (int p = 0; p < c->nparts; p++)
		for (int k = 0; k < c->parts[p].nnode_types; k++)
			if (c->parts[p].node_types[k] == t)
				return cs_cluster_billing_rate(c, p, 1, (uint32_t)nt->gpus, cores,
							       (uint32_t)(nt->memory_gib * 1024.0),
							       nt->gpus ? (uint32_t)nt->gpus : cores);
	return 0;
}
