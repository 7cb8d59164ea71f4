/* capsim: loading a workload model (YAML through libfyaml; schema in
 * include/capsim/gen.h). Every error is one line, FILE:LINE:COL: KEY: what. */
#include "capsim/gen.h"
#include "gen_int.h"
#include "capsim/wstats.h"
#include "yaml.h"

#include <libfyaml.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ld {
	const char *file;
	char *err;
	size_t errlen;
	cs_gen_model *m;
	cs_yaml y;
} ld;

typedef cs_yfield fld;

#define fail(l, ...) cs_yaml_fail(&(l)->y, __VA_ARGS__)
#define FAILV(l, ...) cs_yaml_failv(&(l)->y, __VA_ARGS__)
#define own(l, p) cs_yaml_own(&(l)->y, p)
#define oom(l) cs_yaml_oom(&(l)->y)
#define kind(n) cs_yaml_kind(n)
#define check_keys(l, map, path, keys) cs_yaml_check_keys(&(l)->y, map, path, "model", keys)
#define field(l, map, path, key, required, f) cs_yaml_field(&(l)->y, map, NULL, path, key, required, f)
#define get_str(l, f, out) cs_yaml_str(&(l)->y, f, out)
#define get_i64(l, f, lo, hi, out) cs_yaml_i64(&(l)->y, f, lo, hi, out)
#define get_num(l, f, lo, strict, hi, out) cs_yaml_num(&(l)->y, f, lo, strict, hi, out)
#define need_list(l, f, min) cs_yaml_need_list(&(l)->y, f, min)
#define item(list, it, i, out) cs_yaml_item(list, it, i, out)

static int get_int(ld *l, const fld *f, int lo, int hi, int *out)
{
	int64_t v = 0;
	int rc = get_i64(l, f, lo, hi, &v);
	*out = (int)v;
	return rc;
}

/* Required sub-key helpers: key of map at path. */
static int req_int(ld *l, struct fy_node *map, const char *path, const char *key, int lo, int hi, int *out)
{
	fld f;
	int rc = field(l, map, path, key, 1, &f);
	return rc < 0 ? rc : get_int(l, &f, lo, hi, out);
}
static int req_i64(ld *l, struct fy_node *map, const char *path, const char *key, int64_t lo, int64_t hi,
		   int64_t *out)
{
	fld f;
	int rc = field(l, map, path, key, 1, &f);
	return rc < 0 ? rc : get_i64(l, &f, lo, hi, out);
}
static int req_num(ld *l, struct fy_node *map, const char *path, const char *key, double lo, int strict, double hi,
		   double *out)
{
	fld f;
	int rc = field(l, map, path, key, 1, &f);
	return rc < 0 ? rc : get_num(l, &f, lo, strict, hi, out);
}
static int req_str(ld *l, struct fy_node *map, const char *path, const char *key, const char **out)
{
	fld f;
	int rc = field(l, map, path, key, 1, &f);
	return rc < 0 ? rc : get_str(l, &f, out);
}

static int need_map(ld *l, const fld *f, const char *const *keys)
{
	int rc = cs_yaml_need_map(&l->y, f);
	return rc < 0 || !keys ? rc : check_keys(l, f->val, f->path, keys);
}

/* A weight list: exactly n numbers >= 0 with a positive sum. */
static int weights(ld *l, struct fy_node *map, const char *path, const char *key, int n, double *out)
{
	fld f, e;
	int rc = field(l, map, path, key, 1, &f);
	if (rc < 0 || (rc = need_list(l, &f, 0)) < 0)
		return rc;
	if (rc != n)
		return FAILV(l, -CS_EINVAL, &f, "expected %d weights, got %d", n, rc);
	void *it = NULL;
	struct fy_node *x;
	double sum = 0;
	for (int i = 0; (x = fy_node_sequence_iterate(f.val, &it)); i++) {
		item(&f, x, i, &e);
		if ((rc = get_num(l, &e, 0, 0, 1e9, &out[i])) < 0)
			return rc;
		sum += out[i];
	}
	return sum > 0 ? 0 : FAILV(l, -CS_EINVAL, &f, "the weights must not all be 0");
}

/* {KEY: weight, ...} with KEY an integer in lo..hi (keys_int) or a name
 * resolved by resolve (returns an index or -1). */
static int dist(ld *l, const fld *f, int lo, int hi, int (*resolve)(const cs_gen_spec *, const char *),
		cs_gen_dist *d)
{
	int rc = need_map(l, f, NULL);
	if (rc < 0)
		return rc;
	int n = fy_node_mapping_item_count(f->val);
	if (n < 1)
		return FAILV(l, -CS_EPARSE, f, "expected a non-empty mapping");
	d->v = own(l, calloc((size_t)n, sizeof *d->v));
	d->w = own(l, calloc((size_t)n, sizeof *d->w));
	if (!d->v || !d->w)
		return oom(l);
	void *it = NULL;
	struct fy_node_pair *p;
	d->wsum = 0;
	for (int i = 0; (p = fy_node_mapping_iterate(f->val, &it)); i++) {
		fld k = { .key = fy_node_pair_key(p), .val = fy_node_pair_key(p) }, w;
		size_t len = 0;
		const char *ks = cs_yaml_text(&k, &len);
		char kname[64];
		snprintf(kname, sizeof kname, "%.*s", ks ? (int)(len > 40 ? 40 : len) : 0, ks ? ks : "");
		cs_yaml_join(k.path, sizeof k.path, f->path, kname);
		w = k;
		w.val = fy_node_pair_value(p);
		if (resolve) {
			if (!ks)
				return FAILV(l, -CS_EPARSE, &k, "expected a name as key");
			int idx = resolve(&l->m->s, kname);
			if (idx < 0)
				return FAILV(l, -CS_EINVAL, &k, "no class named '%s'", kname);
			d->v[i] = idx;
		} else if ((rc = get_int(l, &k, lo, hi, &d->v[i])) < 0) {
			return rc;
		}
		for (int j = 0; j < i; j++)
			if (d->v[j] == d->v[i])
				return FAILV(l, -CS_EINVAL, &k, "appears twice");
		if ((rc = get_num(l, &w, 0, 0, 1e9, &d->w[i])) < 0)
			return rc;
		d->wsum += d->w[i];
	}
	d->n = n;
	return d->wsum > 0 ? 0 : FAILV(l, -CS_EINVAL, f, "the weights must not all be 0");
}

/* ---- sections ---- */

static int load_projects(ld *l, struct fy_node *root)
{
	static const char *const keys[] = { "per_year", "active", "lifetime_days", "renewal", "weight_sigma", "users",
					    "cpu_share", "grant_use", "storage_use", NULL };
	static const char *const mm[] = { "min", "max", NULL };
	static const char *const rk[] = { "share", "max", NULL };
	cs_gen_spec *s = &l->m->s;
	fld f, g, h;
	int rc;
	if ((rc = field(l, root, "", "projects", 1, &f)) < 0 || (rc = need_map(l, &f, keys)) < 0)
		return rc;
	int hy = field(l, f.val, f.path, "per_year", 0, &g), ha = field(l, f.val, f.path, "active", 0, &h);
	if (hy == ha)
		return fail(l, -CS_EPARSE, hy ? h.key : f.val, NULL, f.path, "give exactly one of per_year, active");
	if ((hy && (rc = get_int(l, &g, 1, 10000000, &s->per_year)) < 0) ||
	    (ha && (rc = get_int(l, &h, 1, 10000000, &s->active)) < 0))
		return rc;
	if ((rc = req_num(l, f.val, f.path, "weight_sigma", 0, 0, 10, &s->weight_sigma)) < 0 ||
	    (rc = req_num(l, f.val, f.path, "cpu_share", 0, 0, 1, &s->cpu_share)) < 0)
		return rc;
	s->grant_use = 0.8;
	if (field(l, f.val, f.path, "grant_use", 0, &g) > 0 && (rc = req_num(l, f.val, f.path, "grant_use", 0, 1, 1,
									    &s->grant_use)) < 0)
		return rc;
	s->storage_use = 0.8;
	if (field(l, f.val, f.path, "storage_use", 0, &g) > 0 &&
	    (rc = req_num(l, f.val, f.path, "storage_use", 0, 1, 1, &s->storage_use)) < 0)
		return rc;
	if ((rc = field(l, f.val, f.path, "lifetime_days", 1, &g)) < 0 || (rc = need_map(l, &g, mm)) < 0 ||
	    (rc = req_int(l, g.val, g.path, "min", 1, 36600, &s->life_min_days)) < 0 ||
	    (rc = req_int(l, g.val, g.path, "max", s->life_min_days, 36600, &s->life_max_days)) < 0)
		return rc;
	if ((rc = field(l, f.val, f.path, "renewal", 1, &g)) < 0 || (rc = need_map(l, &g, rk)) < 0 ||
	    (rc = req_num(l, g.val, g.path, "share", 0, 0, 0.99, &s->renew_share)) < 0 ||
	    (rc = req_int(l, g.val, g.path, "max", 0, 100, &s->renew_max)) < 0)
		return rc;
	if ((rc = field(l, f.val, f.path, "users", 1, &g)) < 0 || (rc = dist(l, &g, 1, 100000, NULL, &s->users)) < 0)
		return rc;
	return 0;
}

/* organisations: the types of organisation projects belong to. */
static int load_org(ld *l, const fld *f, int i)
{
	static const char *const keys[] = { "type", "count", "projects", "shares", "zipf", NULL };
	cs_gen_spec *s = &l->m->s;
	cs_gen_orgtype *o = &s->orgs[i];
	fld g;
	int rc;
	if ((rc = need_map(l, f, keys)) < 0 || (rc = req_str(l, f->val, f->path, "type", &o->type)) < 0)
		return rc;
	for (int k = 0; k < i; k++)
		if (strcmp(s->orgs[k].type, o->type) == 0) {
			field(l, f->val, f->path, "type", 1, &g);
			return FAILV(l, -CS_EINVAL, &g, "organisation type '%s' is defined twice", o->type);
		}
	if ((rc = req_int(l, f->val, f->path, "count", 1, 1000000, &o->count)) < 0 ||
	    (rc = req_num(l, f->val, f->path, "projects", 0, 0, 1e9, &o->projects)) < 0 ||
	    (rc = req_num(l, f->val, f->path, "shares", 0, 0, 1e15, &o->shares)) < 0 ||
	    (rc = req_num(l, f->val, f->path, "zipf", 0, 0, 10, &o->zipf)) < 0)
		return rc;
	return 0;
}

static int load_arrivals(ld *l, struct fy_node *root)
{
	static const char *const keys[] = { "hour_weights", "day_weights", NULL };
	cs_gen_spec *s = &l->m->s;
	fld f;
	int rc;
	if ((rc = field(l, root, "", "arrivals", 1, &f)) < 0 || (rc = need_map(l, &f, keys)) < 0 ||
	    (rc = weights(l, f.val, f.path, "hour_weights", 24, s->hour_w)) < 0 ||
	    (rc = weights(l, f.val, f.path, "day_weights", 7, s->day_w)) < 0)
		return rc;
	return 0;
}

static int class_find(const cs_gen_spec *s, const char *name)
{
	for (int i = 0; i < s->nclasses; i++)
		if (strcmp(s->classes[i].name, name) == 0)
			return i;
	return -1;
}

/* One of a class's data sizes (data.in, data.out). */
static int data_size(ld *l, struct fy_node *map, const char *path, const char *key, cs_gen_size *z)
{
	static const char *const keys[] = { "median_gb", "sigma", "per", NULL };
	static const char *const pers[] = { "job", "gpu", "node" };
	fld g, h;
	const char *per = "job";
	int rc;
	if ((rc = field(l, map, path, key, 1, &g)) < 0 || (rc = need_map(l, &g, keys)) < 0 ||
	    (rc = req_num(l, g.val, g.path, "median_gb", 0, 0, 1e6, &z->median_gb)) < 0 ||
	    (rc = req_num(l, g.val, g.path, "sigma", 0, 0, 5, &z->sigma)) < 0)
		return rc;
	if ((rc = field(l, g.val, g.path, "per", 0, &h)) == 1 && (rc = get_str(l, &h, &per)) < 0)
		return rc;
	for (z->per = 0; z->per < 3 && strcmp(per, pers[z->per]) != 0; z->per++)
		;
	return z->per < 3 ? 0 : FAILV(l, -CS_EINVAL, &h, "expected job, gpu or node, got '%s'", per);
}

/* A class's optional data: section. */
static int class_data(ld *l, const fld *f, cs_gen_class *c)
{
	static const char *const keys[] = { "tier", "in", "out", NULL };
	fld g, h;
	int rc = field(l, f->val, f->path, "data", 0, &g);
	if (rc <= 0)
		return rc;
	if ((rc = need_map(l, &g, keys)) < 0 || (rc = req_str(l, g.val, g.path, "tier", &c->data_tier)) < 0 ||
	    (rc = data_size(l, g.val, g.path, "in", &c->data_in)) < 0 ||
	    (rc = data_size(l, g.val, g.path, "out", &c->data_out)) < 0)
		return rc;
	if (!*c->data_tier || strpbrk(c->data_tier, ",\r\n")) {
		field(l, g.val, g.path, "tier", 1, &h);
		return FAILV(l, -CS_EINVAL, &h, "'%s' is not a tier name (empty, or a comma or line break in it)",
			     c->data_tier);
	}
	return 0;
}

static int load_class(ld *l, const fld *f, int i)
{
	static const char *const keys[] = { "name", "qos", "gpus", "nodes", "runtime", "limit", "failed", "cancelled",
					    "data", NULL };
	static const char *const rk[] = { "median_s", "sigma", "min_s", NULL };
	static const char *const lk[] = { "factor_median", "factor_sigma", "round_s", NULL };
	cs_gen_spec *s = &l->m->s;
	cs_gen_class *c = &s->classes[i];
	fld g, h;
	int rc;
	if ((rc = need_map(l, f, keys)) < 0 || (rc = req_str(l, f->val, f->path, "name", &c->name)) < 0 ||
	    (rc = req_str(l, f->val, f->path, "qos", &c->qos)) < 0)
		return rc;
	if (class_find(s, c->name) < i) {
		field(l, f->val, f->path, "name", 1, &g);
		return FAILV(l, -CS_EINVAL, &g, "class '%s' is defined twice", c->name);
	}
	int hg = field(l, f->val, f->path, "gpus", 0, &g), hn = field(l, f->val, f->path, "nodes", 0, &h);
	if (hg == hn)
		return fail(l, -CS_EPARSE, hg ? h.key : f->val, NULL, f->path, "give exactly one of gpus, nodes");
	c->cpu = hn;
	if ((rc = dist(l, hn ? &h : &g, 1, 1 << 20, NULL, &c->counts)) < 0)
		return rc;
	if ((rc = field(l, f->val, f->path, "runtime", 1, &g)) < 0 || (rc = need_map(l, &g, rk)) < 0 ||
	    (rc = req_num(l, g.val, g.path, "median_s", 0, 1, 1e8, &c->runtime_median_s)) < 0 ||
	    (rc = req_num(l, g.val, g.path, "sigma", 0, 0, 5, &c->runtime_sigma)) < 0 ||
	    (rc = req_i64(l, g.val, g.path, "min_s", 1, 100000000, &c->runtime_min_s)) < 0)
		return rc;
	if ((rc = field(l, f->val, f->path, "limit", 1, &g)) < 0 || (rc = need_map(l, &g, lk)) < 0 ||
	    (rc = req_num(l, g.val, g.path, "factor_median", 0, 1, 1000, &c->limit_factor_median)) < 0 ||
	    (rc = req_num(l, g.val, g.path, "factor_sigma", 0, 0, 5, &c->limit_factor_sigma)) < 0 ||
	    (rc = req_i64(l, g.val, g.path, "round_s", 1, 86400, &c->limit_round_s)) < 0)
		return rc;
	if ((rc = req_num(l, f->val, f->path, "failed", 0, 0, 1, &c->failed)) < 0 ||
	    (rc = req_num(l, f->val, f->path, "cancelled", 0, 0, 1, &c->cancelled)) < 0)
		return rc;
	if (c->failed + c->cancelled > 1) {
		field(l, f->val, f->path, "cancelled", 1, &g);
		return FAILV(l, -CS_EINVAL, &g, "failed + cancelled must be <= 1, got %g", c->failed + c->cancelled);
	}
	return class_data(l, f, c);
}

static int part_find(const cs_gen_spec *s, const char *name)
{
	for (int i = 0; i < s->nparts; i++)
		if (strcmp(s->parts[i].name, name) == 0)
			return i;
	return -1;
}

/* Every count of every class in the mix must fit the partition. */
static int check_fit(ld *l, const fld *mixf, const cs_gen_partition *p)
{
	cs_gen_spec *s = &l->m->s;
	for (int k = 0; k < p->nmix; k++) {
		const cs_gen_class *c = &s->classes[p->mix_class[k]];
		if (c->cpu != (p->gpus_per_node == 0))
			return FAILV(l, -CS_EINVAL, mixf, "class %s is a %s class, partition %s has %s", c->name,
				     c->cpu ? "CPU" : "GPU", p->name, p->gpus_per_node ? "GPUs" : "no GPUs");
		for (int j = 0; j < c->counts.n; j++) {
			int v = c->counts.v[j];
			if (c->cpu ? v > p->nodes
				   : v > p->gpus_per_node &&
					     (v % p->gpus_per_node || v / p->gpus_per_node > p->nodes))
				return FAILV(l, -CS_EINVAL, mixf,
					     "class %s: %d %s do not fit partition %s (%d nodes x %d GPUs; above one "
					     "node a GPU count must be whole nodes)",
					     c->name, v, c->cpu ? "nodes" : "GPUs", p->name, p->nodes, p->gpus_per_node);
		}
	}
	return 0;
}

static int load_partition(ld *l, const fld *f, int i)
{
	static const char *const keys[] = { "name", "nodes", "gpus_per_node", "cores_per_node", "mem_per_node_gib",
					    "max_time_s", "load", "mix", NULL };
	cs_gen_spec *s = &l->m->s;
	cs_gen_partition *p = &s->parts[i];
	fld g;
	int rc;
	if ((rc = need_map(l, f, keys)) < 0 || (rc = req_str(l, f->val, f->path, "name", &p->name)) < 0)
		return rc;
	if (part_find(s, p->name) < i) {
		field(l, f->val, f->path, "name", 1, &g);
		return FAILV(l, -CS_EINVAL, &g, "partition '%s' is defined twice", p->name);
	}
	if ((rc = req_int(l, f->val, f->path, "nodes", 1, 1000000, &p->nodes)) < 0 ||
	    (rc = req_int(l, f->val, f->path, "gpus_per_node", 0, 1024, &p->gpus_per_node)) < 0 ||
	    (rc = req_int(l, f->val, f->path, "cores_per_node", 1, 1 << 20, &p->cores_per_node)) < 0 ||
	    (rc = req_int(l, f->val, f->path, "mem_per_node_gib", 1, 1 << 24, &p->mem_per_node_gib)) < 0 ||
	    (rc = req_i64(l, f->val, f->path, "max_time_s", 1, 100000000, &p->max_time_s)) < 0 ||
	    (rc = req_num(l, f->val, f->path, "load", 0, 1, 1.5, &p->load)) < 0)
		return rc;
	cs_gen_dist d;
	if ((rc = field(l, f->val, f->path, "mix", 1, &g)) < 0 || (rc = dist(l, &g, 0, 0, class_find, &d)) < 0)
		return rc;
	p->nmix = d.n;
	p->mix_class = d.v;
	p->mix_w = d.w;
	p->mix_wsum = d.wsum;
	return check_fit(l, &g, p);
}

static int qos_known(const cs_gen_spec *s, const char *q)
{
	for (int i = 0; i < s->nclasses; i++)
		if (strcmp(s->classes[i].qos, q) == 0)
			return 1;
	return 0;
}

static int load_target(ld *l, const fld *f, int i)
{
	static const char *const keys[] = { "metric", "partition", "qos", "value", "tol", "tol_rel", NULL };
	cs_gen_spec *s = &l->m->s;
	cs_gen_target *t = &s->targets[i];
	fld g, h;
	int rc;
	if ((rc = need_map(l, f, keys)) < 0 || (rc = req_str(l, f->val, f->path, "metric", &t->metric)) < 0)
		return rc;
	int known = 0;
	for (const char *const *k = cs_wstats_metric_names; *k && !known; k++)
		known = strcmp(*k, t->metric) == 0;
	if (!known) {
		field(l, f->val, f->path, "metric", 1, &g);
		return FAILV(l, -CS_EINVAL, &g, "unknown metric '%s' (see include/capsim/gen.h)", t->metric);
	}
	if ((rc = field(l, f->val, f->path, "partition", 0, &g)) < 0 || (rc && (rc = get_str(l, &g, &t->partition)) < 0))
		return rc;
	if (t->partition && part_find(s, t->partition) < 0)
		return FAILV(l, -CS_EINVAL, &g, "no partition named '%s'", t->partition);
	if ((rc = field(l, f->val, f->path, "qos", 0, &g)) < 0 || (rc && (rc = get_str(l, &g, &t->qos)) < 0))
		return rc;
	if (t->qos && !qos_known(s, t->qos))
		return FAILV(l, -CS_EINVAL, &g, "no class has qos '%s'", t->qos);
	if ((rc = req_num(l, f->val, f->path, "value", -1e15, 0, 1e15, &t->value)) < 0)
		return rc;
	int ha = field(l, f->val, f->path, "tol", 0, &g), hr = field(l, f->val, f->path, "tol_rel", 0, &h);
	if (ha == hr)
		return fail(l, -CS_EPARSE, f->val, NULL, f->path, "give exactly one of tol, tol_rel");
	if (ha && (rc = get_num(l, &g, 0, 0, 1e15, &t->tol)) < 0)
		return rc;
	if (hr) {
		if ((rc = get_num(l, &h, 0, 0, 100, &t->tol)) < 0)
			return rc;
		t->tol *= fabs(t->value);
	}
	int col;
	t->line = 0;
	cs_yaml_where(f->val, &t->line, &col);
	return 0;
}

/* A list section: n items, or an error. */
static int list_begin(ld *l, struct fy_node *root, const char *key, int min, fld *f)
{
	int rc = field(l, root, "", key, 1, f);
	return rc < 0 ? rc : need_list(l, f, min);
}

/* Load each item with fn; *n counts the items loaded so far (fn may look
 * at the earlier ones). */
static int list_each(ld *l, const fld *f, int *n, int (*fn)(ld *, const fld *, int))
{
	fld e;
	void *it = NULL;
	struct fy_node *x;
	for (int i = 0; (x = fy_node_sequence_iterate(f->val, &it)); i++) {
		item(f, x, i, &e);
		*n = i + 1;
		int rc = fn(l, &e, i);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int load_lists(ld *l, struct fy_node *root)
{
	cs_gen_spec *s = &l->m->s;
	fld f;
	int n;
	if ((n = list_begin(l, root, "organisations", 1, &f)) < 0)
		return n;
	if (!(s->orgs = own(l, calloc((size_t)n, sizeof *s->orgs))))
		return oom(l);
	if ((n = list_each(l, &f, &s->norgs, load_org)) < 0)
		return n;
	double wsum = 0;
	for (int i = 0; i < s->norgs; i++)
		wsum += s->orgs[i].projects;
	if (wsum <= 0)
		return FAILV(l, -CS_EINVAL, &f, "the projects shares must not all be 0");
	if ((n = list_begin(l, root, "classes", 1, &f)) < 0)
		return n;
	if (!(s->classes = own(l, calloc((size_t)n, sizeof *s->classes))))
		return oom(l);
	if ((n = list_each(l, &f, &s->nclasses, load_class)) < 0)
		return n;
	if ((n = list_begin(l, root, "partitions", 1, &f)) < 0)
		return n;
	if (!(s->parts = own(l, calloc((size_t)n, sizeof *s->parts))))
		return oom(l);
	if ((n = list_each(l, &f, &s->nparts, load_partition)) < 0)
		return n;
	if ((n = list_begin(l, root, "targets", 0, &f)) < 0)
		return n;
	if (!(s->targets = own(l, calloc(n ? (size_t)n : 1, sizeof *s->targets))))
		return oom(l);
	return list_each(l, &f, &s->ntargets, load_target);
}

static int load(cs_gen_model **out, ld *l, const char *text, size_t len)
{
	static const char *const keys[] = { "name", "start_epoch", "projects", "organisations", "arrivals", "classes",
					    "partitions", "targets", NULL };
	if (!(l->m = calloc(1, sizeof *l->m)) || !(l->m->path = strdup(l->file))) {
		cs_gen_model_free(l->m);
		snprintf(l->err, l->errlen, "%s: out of memory", l->file);
		return -CS_ENOMEM;
	}
	l->y = (cs_yaml){ .file = l->file, .err = l->err, .errlen = l->errlen, .owned = &l->m->owned,
			  .nowned = &l->m->nowned, .capowned = &l->m->capowned };
	cs_gen_spec *s = &l->m->s;
	int rc = 0;
	struct fy_document *doc = cs_yaml_parse(&l->y, text, len, "model: empty or not YAML, expected a mapping with "
						"name, start_epoch, projects, organisations, arrivals, classes, partitions, "
						"targets", &rc);
	if (doc) {
		struct fy_node *root = fy_document_root(doc);
		if (!root || !fy_node_is_mapping(root))
			rc = fail(l, -CS_EPARSE, root, NULL, "model", "expected a mapping, got %s", kind(root));
		else if ((rc = check_keys(l, root, "", keys)) == 0 &&
			 (rc = req_str(l, root, "", "name", &s->name)) == 0 &&
			 (rc = req_i64(l, root, "", "start_epoch", 0, INT64_C(1) << 40, &s->start_epoch)) == 0 &&
			 (rc = load_projects(l, root)) == 0 && (rc = load_arrivals(l, root)) == 0)
			rc = load_lists(l, root);
		fy_document_destroy(doc);
	}
	if (rc < 0) {
		cs_gen_model_free(l->m);
		return rc;
	}
	*out = l->m;
	return 0;
}

/* configs/workloads/ai-dc-2200.yaml, embedded by the Makefile. */
extern const unsigned char cs_default_workload_yaml[];
extern const size_t cs_default_workload_yaml_len;

const char *cs_gen_default_text(size_t *len)
{
	if (len)
		*len = cs_default_workload_yaml_len;
	return (const char *)cs_default_workload_yaml;
}

int cs_gen_model_load(cs_gen_model **m, const char *path, char *err, size_t errlen)
{
	*m = NULL;
	if (!path || strcmp(path, CS_GEN_DEFAULT_NAME) == 0) {
		ld l = { .file = CS_GEN_DEFAULT_NAME, .err = err, .errlen = errlen };
		return load(m, &l, (const char *)cs_default_workload_yaml, cs_default_workload_yaml_len);
	}
	ld l = { .file = path, .err = err, .errlen = errlen };
	int rc = cs_yaml_openable(path, err, errlen);
	if (rc < 0)
		return rc;
	return load(m, &l, NULL, 0);
}

void cs_gen_model_free(cs_gen_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nowned; i++)
		free(m->owned[i]);
	free(m->owned);
	free(m->path);
	free(m->mean_hours);
	free(m);
}

const char *cs_gen_model_path(const cs_gen_model *m) { return m->path; }
const cs_gen_spec *cs_gen_model_spec(const cs_gen_model *m) { return &m->s; }
