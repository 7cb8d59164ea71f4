/* capsim: loading a workload model (YAML through libfyaml; schema in
 * include/capsim/gen.h). Every error is one line, FILE:LINE:COL: KEY: what. */
#include "capsim/gen.h"

#include <errno.h>
#include <libfyaml.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct cs_gen_model {
	char *path;
	cs_gen_spec s;
	void **owned; /* every string and array of s */
	size_t nowned, capowned;
};

typedef struct ld {
	const char *file;
	char *err;
	size_t errlen;
	cs_gen_model *m;
} ld;

typedef struct fld {
	struct fy_node *key, *val;
	char path[160];
} fld;

/* 1-based position of a node: a scalar's token, else its first scalar. */
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
	const struct fy_mark *mk = t ? fy_token_start_mark(t) : NULL;
	if (!mk)
		return -1;
	*line = mk->line + 1;
	*col = mk->column + 1;
	return 0;
}

__attribute__((format(printf, 6, 7)))
static int fail(ld *l, int rc, struct fy_node *at, struct fy_node *fallback, const char *key, const char *fmt, ...)
{
	char msg[320];
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
#define FAILV(l, rc, f, ...) fail(l, rc, (f)->val, (f)->key, (f)->path, __VA_ARGS__)

static int oom(ld *l)
{
	snprintf(l->err, l->errlen, "%s: out of memory", l->file);
	return -CS_ENOMEM;
}

static void *own(ld *l, void *p)
{
	cs_gen_model *m = l->m;
	if (!p)
		return NULL;
	if (m->nowned == m->capowned) {
		size_t cap = m->capowned ? 2 * m->capowned : 64;
		void **o = realloc(m->owned, cap * sizeof *o);
		if (!o) {
			free(p);
			return NULL;
		}
		m->owned = o;
		m->capowned = cap;
	}
	m->owned[m->nowned++] = p;
	return p;
}

static const char *kind(struct fy_node *n)
{
	return !n ? "nothing" : fy_node_is_mapping(n) ? "a mapping" : fy_node_is_sequence(n) ? "a list" : "a scalar";
}

static void join(char *out, size_t len, const char *path, const char *key)
{
	if (snprintf(out, len, "%s%s%s", path, *path ? "." : "", key) >= (int)len)
		out[len - 1] = '\0';
}

static int check_keys(ld *l, struct fy_node *map, const char *path, const char *const *keys)
{
	void *it = NULL;
	struct fy_node_pair *p;
	while ((p = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *k = fy_node_pair_key(p);
		const char *s = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
		if (!s)
			return fail(l, -CS_EPARSE, k, map, *path ? path : "model", "expected string keys, got %s", kind(k));
		int known = 0;
		for (const char *const *kk = keys; *kk && !known; kk++)
			known = strcmp(*kk, s) == 0;
		if (!known) {
			char full[160], list[256] = "";
			join(full, sizeof full, path, s);
			for (const char *const *kk = keys; *kk; kk++)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", kk == keys ? "" : ", ", *kk);
			return fail(l, -CS_EPARSE, k, NULL, full, "unknown key, expected one of: %s", list);
		}
	}
	return 0;
}

/* 1 found, 0 absent (optional), or an error (absent, required). */
static int field(ld *l, struct fy_node *map, const char *path, const char *key, int required, fld *f)
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
	return fail(l, -CS_EPARSE, map, NULL, f->path, "missing required key");
}

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
	const char *s = text_of(f, &len);
	if (!s)
		return FAILV(l, -CS_EPARSE, f, "expected a non-empty string, got %s", kind(f->val));
	char *d = own(l, strndup(s, len));
	if (!d)
		return oom(l);
	*out = d;
	return 0;
}

static int number_text(ld *l, const fld *f, const char *what, char *buf, size_t buflen)
{
	size_t len = 0;
	const char *s = text_of(f, &len);
	if (!s)
		return FAILV(l, -CS_EPARSE, f, "expected %s, got %s", what, kind(f->val));
	if (fy_node_get_style(f->val) != FYNS_PLAIN)
		return FAILV(l, -CS_EPARSE, f, "expected %s, got the quoted string \"%.*s\"", what,
			     (int)(len > 40 ? 40 : len), s);
	if (len >= buflen)
		return FAILV(l, -CS_EPARSE, f, "expected %s, got '%.32s...'", what, s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

static int get_i64(ld *l, const fld *f, int64_t lo, int64_t hi, int64_t *out)
{
	char buf[64], *end;
	int rc = number_text(l, f, "an integer", buf, sizeof buf);
	if (rc < 0)
		return rc;
	errno = 0;
	long long v = strtoll(buf, &end, 10);
	if (end == buf || *end || errno)
		return FAILV(l, -CS_EPARSE, f, "expected an integer, got '%s'", buf);
	if (v < lo || v > hi)
		return FAILV(l, -CS_EINVAL, f, "must be in %lld..%lld, got %lld", (long long)lo, (long long)hi, v);
	*out = v;
	return 0;
}

static int get_int(ld *l, const fld *f, int lo, int hi, int *out)
{
	int64_t v = 0;
	int rc = get_i64(l, f, lo, hi, &v);
	*out = (int)v;
	return rc;
}

static int get_num(ld *l, const fld *f, double lo, int strict, double hi, double *out)
{
	char buf[64], *end;
	int rc = number_text(l, f, "a number", buf, sizeof buf);
	if (rc < 0)
		return rc;
	errno = 0;
	double v = strtod(buf, &end);
	if (end == buf || *end || errno || !isfinite(v))
		return FAILV(l, -CS_EPARSE, f, "expected a number, got '%s'", buf);
	if (strict ? !(v > lo) : !(v >= lo))
		return FAILV(l, -CS_EINVAL, f, "must be %s %g, got %s", strict ? ">" : ">=", lo, buf);
	if (v > hi)
		return FAILV(l, -CS_EINVAL, f, "must be <= %g, got %s", hi, buf);
	*out = v;
	return 0;
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
	if (!f->val || !fy_node_is_mapping(f->val))
		return FAILV(l, -CS_EPARSE, f, "expected a mapping, got %s", kind(f->val));
	return keys ? check_keys(l, f->val, f->path, keys) : 0;
}

static int need_list(ld *l, const fld *f, int min)
{
	if (!f->val || !fy_node_is_sequence(f->val))
		return FAILV(l, -CS_EPARSE, f, "expected a list, got %s", kind(f->val));
	int n = fy_node_sequence_item_count(f->val);
	if (n < min)
		return FAILV(l, -CS_EPARSE, f, "expected a list of at least %d items, got %d", min, n);
	return n;
}

static void item(const fld *list, struct fy_node *it, int i, fld *out)
{
	memset(out, 0, sizeof *out);
	out->key = list->key;
	out->val = it;
	if (snprintf(out->path, sizeof out->path, "%s[%d]", list->path, i) >= (int)sizeof out->path)
		out->path[sizeof out->path - 1] = '\0';
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
		const char *ks = text_of(&k, &len);
		char kname[64];
		snprintf(kname, sizeof kname, "%.*s", ks ? (int)(len > 40 ? 40 : len) : 0, ks ? ks : "");
		join(k.path, sizeof k.path, f->path, kname);
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
	static const char *const keys[] = { "active", "lifetime_days", "weight_sigma", "users", "cpu_share", NULL };
	static const char *const mm[] = { "min", "max", NULL };
	cs_gen_spec *s = &l->m->s;
	fld f, g;
	int rc;
	if ((rc = field(l, root, "", "projects", 1, &f)) < 0 || (rc = need_map(l, &f, keys)) < 0)
		return rc;
	if ((rc = req_int(l, f.val, f.path, "active", 1, 10000000, &s->active)) < 0 ||
	    (rc = req_num(l, f.val, f.path, "weight_sigma", 0, 0, 10, &s->weight_sigma)) < 0 ||
	    (rc = req_num(l, f.val, f.path, "cpu_share", 0, 0, 1, &s->cpu_share)) < 0)
		return rc;
	if ((rc = field(l, f.val, f.path, "lifetime_days", 1, &g)) < 0 || (rc = need_map(l, &g, mm)) < 0 ||
	    (rc = req_int(l, g.val, g.path, "min", 1, 36600, &s->life_min_days)) < 0 ||
	    (rc = req_int(l, g.val, g.path, "max", s->life_min_days, 36600, &s->life_max_days)) < 0)
		return rc;
	if ((rc = field(l, f.val, f.path, "users", 1, &g)) < 0 || (rc = need_map(l, &g, mm)) < 0 ||
	    (rc = req_int(l, g.val, g.path, "min", 1, 100000, &s->users_min)) < 0 ||
	    (rc = req_int(l, g.val, g.path, "max", s->users_min, 100000, &s->users_max)) < 0)
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

static int load_class(ld *l, const fld *f, int i)
{
	static const char *const keys[] = { "name", "qos", "gpus", "nodes", "runtime", "limit", "failed", "cancelled",
					    NULL };
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
	return 0;
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
	for (const char *const *k = cs_trace_metric_names; *k && !known; k++)
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
	where(f->val, &t->line, &col);
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

static void quiet(struct fy_diag *d, void *user, const char *buf, size_t len)
{
	(void)d, (void)user, (void)buf, (void)len;
}

static struct fy_document *parse(ld *l, const char *text, size_t len, int *rc)
{
	struct fy_diag_cfg dcfg;
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
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
		else
			snprintf(l->err, l->errlen, "%s: model: empty or not YAML, expected a mapping with name, "
				 "start_epoch, projects, arrivals, classes, partitions, targets", l->file);
		*rc = -CS_EPARSE;
	}
	fy_diag_destroy(diag);
	return doc;
}

static int load_lists(ld *l, struct fy_node *root)
{
	cs_gen_spec *s = &l->m->s;
	fld f;
	int n;
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
	static const char *const keys[] = { "name", "start_epoch", "projects", "arrivals", "classes", "partitions",
					    "targets", NULL };
	if (!(l->m = calloc(1, sizeof *l->m)) || !(l->m->path = strdup(l->file))) {
		cs_gen_model_free(l->m);
		return oom(l);
	}
	cs_gen_spec *s = &l->m->s;
	int rc = 0;
	struct fy_document *doc = parse(l, text, len, &rc);
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
	struct stat st;
	int e = stat(path, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
	if (e) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
		return -CS_EIO;
	}
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
	free(m);
}

const char *cs_gen_model_path(const cs_gen_model *m) { return m->path; }
const cs_gen_spec *cs_gen_model_spec(const cs_gen_model *m) { return &m->s; }
