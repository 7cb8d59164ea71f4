/* capsim: the cluster model, loaded from a YAML config with libfyaml. */
#include "capsim/cluster.h"

#include <errno.h>
#include <libfyaml.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct cs_cluster {
	char *path;
	const char *name;
	cs_cluster_site site;
	cs_cluster_node_type *types;
	cs_topo **topos; /* [ntypes], owned here; types[i].topo points to the same */
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
	/* every string and array above except topos: freed together, so the
	 * public structs can be plain data with const pointers */
	void **owned;
	size_t nowned, capowned;
};

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
} ld;

/* A key of a mapping and its value; path names it in messages
 * ("node_types[1].count"). */
typedef struct fld {
	struct fy_node *key, *val;
	char path[192];
} fld;

/* 1-based line and column of a node. libfyaml 0.7 has no start mark for a
 * node, only for a token: a scalar's comes from its token, a collection's
 * from its first scalar. -1 for an empty collection or an empty value. */
static int where(struct fy_node *n, int *line, int *col)
{
	if (!n)
		return -1;
	void *it = NULL;
	if (fy_node_is_mapping(n)) {
		struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
		return p ? where(fy_node_pair_key(p), line, col) : -1;
	}
	if (fy_node_is_sequence(n))
		return where(fy_node_sequence_iterate(n, &it), line, col);
	struct fy_token *t = fy_node_get_scalar_token(n);
	const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
	if (!m)
		return -1;
	*line = m->line + 1;
	*col = m->column + 1;
	return 0;
}

/* Write "FILE:LINE:COL: KEY: msg" at node `at`, else at `fallback`, else
 * without a position; returns rc. */
__attribute__((format(printf, 6, 7)))
static int fail(ld *l, int rc, struct fy_node *at, struct fy_node *fallback, const char *key,
		const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int line, col;
	if (where(at, &line, &col) == 0 || where(fallback, &line, &col) == 0)
		snprintf(l->err, l->errlen, "%s:%d:%d: %s: %s", l->file, line, col, key, msg);
	else
		snprintf(l->err, l->errlen, "%s: %s: %s", l->file, key, msg);
	return rc;
}

static int fail_val(ld *l, int rc, const fld *f, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail_val(ld *l, int rc, const fld *f, const char *fmt, ...)
{
	char msg[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return fail(l, rc, f->val, f->key, f->path, "%s", msg);
}

static void *own(ld *l, void *p)
{
	cs_cluster *c = l->c;
	if (!p)
		return NULL;
	if (c->nowned == c->capowned) {
		size_t cap = c->capowned ? 2 * c->capowned : 32;
		void **o = realloc(c->owned, cap * sizeof *o);
		if (!o) {
			free(p);
			return NULL;
		}
		c->owned = o;
		c->capowned = cap;
	}
	c->owned[c->nowned++] = p;
	return p;
}

static int oom(ld *l)
{
	snprintf(l->err, l->errlen, "%s: out of memory", l->file);
	return -CS_ENOMEM;
}

static void *own_array(ld *l, size_t n, size_t size) { return own(l, calloc(n ? n : 1, size)); }

/* ---- typed access to mappings and scalars --------------------------------- */

static const char *kind(struct fy_node *n)
{
	return fy_node_is_mapping(n) ? "a mapping" : fy_node_is_sequence(n) ? "a list" : "a scalar";
}

static void join(char *out, size_t len, const char *path, const char *key)
{
	snprintf(out, len, "%s%s%s", path, *path ? "." : "", key);
}

/* Every key of map must be a string in keys (NULL-terminated). */
static int check_keys(ld *l, struct fy_node *map, const char *path, const char *const *keys)
{
	void *it = NULL;
	struct fy_node_pair *p;
	while ((p = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *k = fy_node_pair_key(p);
		const char *s = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
		if (!s)
			return fail(l, -CS_EPARSE, k, map, *path ? path : "config", "expected string keys, got %s",
				    k ? kind(k) : "an empty key");
		int known = 0;
		for (const char *const *kk = keys; *kk && !known; kk++)
			known = strcmp(*kk, s) == 0;
		if (!known) {
			char full[192], list[256] = "";
			join(full, sizeof full, path, s);
			for (const char *const *kk = keys; *kk; kk++)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", kk == keys ? "" : ", ", *kk);
			return fail(l, -CS_EPARSE, k, NULL, full, "unknown key, expected one of: %s", list);
		}
	}
	return 0;
}

/* Look up key in map (at: where to point if it is missing and map is empty).
 * 1 found, 0 absent and optional, or an error if absent and required. */
static int field(ld *l, struct fy_node *map, struct fy_node *at, const char *path, const char *key, int required,
		 fld *f)
{
	memset(f, 0, sizeof *f);
	join(f->path, sizeof f->path, path, key);
	void *it = NULL;
	struct fy_node_pair *p;
	while ((p = fy_node_mapping_iterate(map, &it))) {
		const char *s = fy_node_get_scalar0(fy_node_pair_key(p));
		if (s && strcmp(s, key) == 0) {
			f->key = fy_node_pair_key(p);
			f->val = fy_node_pair_value(p);
			return 1;
		}
	}
	if (!required)
		return 0;
	return fail(l, -CS_EPARSE, map, at, f->path, "missing required key");
}

/* An empty value (`key:` alone) is a null scalar: treated as absent text. */
static const char *text_of(const fld *f, size_t *len)
{
	if (!f->val || !fy_node_is_scalar(f->val))
		return NULL;
	const char *s = fy_node_get_scalar(f->val, len);
	return s && *len ? s : NULL;
}

static int get_str(ld *l, const fld *f, const char **out)
{
	size_t len = 0;
	if (f->val && !fy_node_is_scalar(f->val))
		return fail_val(l, -CS_EPARSE, f, "expected a string, got %s", kind(f->val));
	const char *s = text_of(f, &len);
	if (!s)
		return fail_val(l, -CS_EPARSE, f, "expected a non-empty string, got nothing");
	char *d = own(l, strndup(s, len));
	if (!d)
		return oom(l);
	*out = d;
	return 0;
}

/* Numbers must be plain scalars: `count: "4"` is a string in YAML. */
static int number_text(ld *l, const fld *f, const char *what, char *buf, size_t buflen)
{
	size_t len = 0;
	if (f->val && !fy_node_is_scalar(f->val))
		return fail_val(l, -CS_EPARSE, f, "expected %s, got %s", what, kind(f->val));
	const char *s = text_of(f, &len);
	if (!s)
		return fail_val(l, -CS_EPARSE, f, "expected %s, got nothing", what);
	if (fy_node_get_style(f->val) != FYNS_PLAIN)
		return fail_val(l, -CS_EPARSE, f, "expected %s, got the quoted string \"%.*s\"", what,
				(int)(len > 64 ? 64 : len), s);
	if (len >= buflen)
		return fail_val(l, -CS_EPARSE, f, "expected %s, got '%.32s...'", what, s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

static int get_int(ld *l, const fld *f, int64_t lo, int64_t hi, int64_t *out)
{
	char buf[64], *end;
	int rc = number_text(l, f, "an integer", buf, sizeof buf);
	if (rc < 0)
		return rc;
	errno = 0;
	long long v = strtoll(buf, &end, 10);
	if (end == buf || *end || errno)
		return fail_val(l, -CS_EPARSE, f, "expected an integer, got '%s'", buf);
	if (v < lo)
		return fail_val(l, -CS_EINVAL, f, "must be >= %lld, got %lld", (long long)lo, v);
	if (v > hi)
		return fail_val(l, -CS_EINVAL, f, "must be <= %lld, got %lld", (long long)hi, v);
	*out = v;
	return 0;
}

static int get_int32(ld *l, const fld *f, int lo, int *out)
{
	int64_t v;
	int rc = get_int(l, f, lo, INT_MAX, &v);
	if (rc == 0)
		*out = (int)v;
	return rc;
}

/* A finite number >= lo (> lo if strict). */
static int get_num(ld *l, const fld *f, double lo, int strict, double *out)
{
	char buf[64], *end;
	int rc = number_text(l, f, "a number", buf, sizeof buf);
	if (rc < 0)
		return rc;
	errno = 0;
	double v = strtod(buf, &end);
	if (end == buf || *end || errno || !isfinite(v))
		return fail_val(l, -CS_EPARSE, f, "expected a number, got '%s'", buf);
	if (strict ? !(v > lo) : !(v >= lo))
		return fail_val(l, -CS_EINVAL, f, "must be %s %g, got %s", strict ? ">" : ">=", lo, buf);
	*out = v;
	return 0;
}

/* Optional number: leaves *out alone if the key is absent. */
static int opt_num(ld *l, struct fy_node *map, const char *path, const char *key, double lo, int strict, double *out)
{
	fld f;
	int rc = field(l, map, NULL, path, key, 0, &f);
	return rc <= 0 ? rc : get_num(l, &f, lo, strict, out);
}

/* What a value is, for "expected X, got Y". */
static const char *got(const fld *f)
{
	size_t len = 0;
	if (!f->val || (fy_node_is_scalar(f->val) && !text_of(f, &len)))
		return "nothing";
	return kind(f->val);
}

static int need_map(ld *l, const fld *f)
{
	if (f->val && fy_node_is_mapping(f->val))
		return 0;
	return fail_val(l, -CS_EPARSE, f, "expected a mapping, got %s", got(f));
}

/* A non-empty list; returns its length or an error. */
static int need_list(ld *l, const fld *f)
{
	if (!f->val || !fy_node_is_sequence(f->val))
		return fail_val(l, -CS_EPARSE, f, "expected a list, got %s", got(f));
	int n = fy_node_sequence_item_count(f->val);
	if (n < 1)
		return fail_val(l, -CS_EPARSE, f, "expected a non-empty list");
	return n;
}

/* Item i of a list field, as a field of its own ("node_types[2]"). */
static void item(const fld *list, struct fy_node *it, int i, fld *out)
{
	memset(out, 0, sizeof *out);
	out->key = list->key; /* where to point if the item is empty */
	out->val = it;
	/* a path too long for the buffer is cut: it is only a message */
	if (snprintf(out->path, sizeof out->path, "%s[%d]", list->path, i) >= (int)sizeof out->path)
		out->path[sizeof out->path - 1] = '\0';
}

/* Line of an earlier definition, for duplicate-name messages. */
static int line_of(struct fy_node *n)
{
	int line = 0, col;
	return where(n, &line, &col) == 0 ? line : 0;
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
	if ((rc = opt_num(l, f.val, "site", "power_cap_kw", 0, 1, &s->power_cap_kw)) < 0 ||
	    (rc = opt_num(l, f.val, "site", "energy_price_per_kwh", 0, 0, &s->energy_price_per_kwh)) < 0)
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

static int load_gpus(ld *l, const fld *f, cs_cluster_node_type *t)
{
	static const char *const keys[] = { "model", "count", "per_package", "peak_tflops", NULL };
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
					    "cpu_peak_tflops_fp64", "power_w", "cost", NULL };
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
	rc = cs_topo_load(&c->topos[i], resolve_topology(l, spec, buf, sizeof buf), terr, sizeof terr);
	if (rc < 0)
		return fail_val(l, rc, &tf, "%s", terr);
	t->topo = c->topos[i];
	t->gpu_model = "";

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
		if (t->gpus > 0)
			t->gpu_model = cs_topo_gpu(t->topo, 0)->model;
	}
	if ((rc = opt_num(l, f->val, f->path, "cpu_peak_tflops_fp64", 0, 0, &t->cpu_peak_tflops_fp64)) < 0)
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
	for (int i = 0; rc == 0 && (e = fy_node_sequence_iterate(f.val, &it)); i++) {
		item(&f, e, i, &g);
		c->ntypes = i + 1; /* so that cs_cluster_free frees a loaded topology */
		rc = load_node_type(l, &g, i, name_nodes);
	}
	free(name_nodes);
	return rc;
}

static int load_partition(ld *l, const fld *f, int i, struct fy_node **name_nodes)
{
	static const char *const keys[] = { "name", "node_types", "max_time_s", "max_nodes", NULL };
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
	static const char *const keys[] = { "name", "capacity_pb", "bandwidth_gbs", NULL };
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
		    (rc = field(l, g.val, g.key, g.path, "bandwidth_gbs", 1, &k)) < 0 ||
		    (rc = get_num(l, &k, 0, 1, &s->bandwidth_gbs)) < 0)
			return rc;
		c->nstorage = i + 1;
	}
	return 0;
}

static int compute_totals(ld *l)
{
	cs_cluster *c = l->c;
	cs_cluster_totals *s = &c->totals;
	if (!(c->gpu_models = own_array(l, (size_t)c->ntypes, sizeof *c->gpu_models)))
		return oom(l);
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

/* ---- load ----------------------------------------------------------------- */

static void quiet(struct fy_diag *d, void *user, const char *buf, size_t len)
{
	(void)d, (void)user, (void)buf, (void)len;
}

/* Parse the YAML, the file l->file or, if text is not NULL, text (named
 * l->file in messages); a syntax error becomes "FILE:LINE:COL: syntax
 * error: ..." from libfyaml's first collected diagnostic (whose marks are
 * 1-based). */
static struct fy_document *parse(ld *l, const char *text, size_t len, int *rc)
{
	struct fy_diag_cfg dcfg;
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL; /* libfyaml prints to stderr by default: only the command layer prints */
	dcfg.output_fn = quiet;
	dcfg.colorize = false;
	struct fy_diag *diag = fy_diag_create(&dcfg);
	if (!diag) {
		*rc = oom(l);
		return NULL;
	}
	fy_diag_set_collect_errors(diag, true);
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_RESOLVE_DOCUMENT, .diag = diag };
	struct fy_document *doc = text ? fy_document_build_from_string(&cfg, text, len)
				       : fy_document_build_from_file(&cfg, l->file);
	if (!doc) {
		void *it = NULL;
		struct fy_diag_error *e = fy_diag_errors_iterate(diag, &it);
		if (e && e->line > 0)
			snprintf(l->err, l->errlen, "%s:%d:%d: YAML syntax error: %s", l->file, e->line, e->column,
				 e->msg ? e->msg : "invalid YAML");
		else if (e)
			snprintf(l->err, l->errlen, "%s: YAML syntax error: %s", l->file, e->msg ? e->msg : "invalid YAML");
		else /* libfyaml builds no document from an empty stream, silently */
			snprintf(l->err, l->errlen, "%s: config: empty, expected a mapping with name, site, "
				 "node_types, partitions", l->file);
		*rc = -CS_EPARSE;
	}
	fy_diag_destroy(diag);
	return doc;
}

/* Load from the file l->file, or from text if not NULL; l->dir is set. */
static int load(cs_cluster **out, ld *l, const char *text, size_t len)
{
	static const char *const keys[] = { "name", "site", "node_types", "partitions", "fabric", "storage", NULL };
	if (!(l->c = calloc(1, sizeof *l->c)) || !(l->c->path = strdup(l->file))) {
		cs_cluster_free(l->c);
		return oom(l);
	}
	int rc = 0;
	struct fy_document *doc = parse(l, text, len, &rc);
	if (doc) {
		struct fy_node *root = fy_document_root(doc);
		fld f;
		if (!root || !fy_node_is_mapping(root)) {
			rc = fail(l, -CS_EPARSE, root, NULL, "config", "expected a mapping with name, site, node_types, "
				  "partitions, got %s", root ? kind(root) : "an empty document");
		} else if ((rc = check_keys(l, root, "", keys)) == 0 && (rc = field(l, root, NULL, "", "name", 1, &f)) > 0 &&
			   (rc = get_str(l, &f, &l->c->name)) == 0 && (rc = load_site(l, root)) == 0 &&
			   (rc = load_node_types(l, root)) == 0 && (rc = load_partitions(l, root)) == 0 &&
			   (rc = load_fabric(l, root)) == 0 && (rc = load_storage(l, root)) == 0) {
			rc = compute_totals(l);
		}
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
	struct stat st;
	int e = stat(path, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
	if (e) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
		return -CS_EIO;
	}
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

void cs_cluster_free(cs_cluster *c)
{
	if (!c)
		return;
	for (int i = 0; c->topos && i < c->ntypes; i++)
		cs_topo_free(c->topos[i]);
	free(c->topos);
	for (size_t i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	free(c->owned);
	free(c->path);
	free(c);
}

/* ---- accessors ------------------------------------------------------------ */

static int in(int i, int n) { return i >= 0 && i < n; }

const char *cs_cluster_name(const cs_cluster *c) { return c->name; }
const char *cs_cluster_path(const cs_cluster *c) { return c->path; }
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
