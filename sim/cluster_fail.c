/* capsim: the cluster config's failures, checkpoints and maintenance
 * (capsim/failures.h; keys in capsim/cluster.h; a failure trace's lines
 * and host lists are sim/fail_trace.c's), `extends:` (a config that adds
 * these sections to another), and their lines in `capsim cluster show`. */
#include "capsim/failures.h"
#include "cluster_int.h"
#include "yaml.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

const char *const cs_fail_comp_names[CS_FAIL_NCOMP] = { "gpu", "node", "link" };
const char *const cs_law_names[CS_LAW_N] = { "fixed", "exponential", "weibull", "lognormal" };

const cs_fail_config *cs_cluster_failures(const cs_cluster *c) { return c->fail; }

typedef cs_yfield fld;

static int name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/* A string value that must be one of names[0 .. n): its index. */
static int get_choice(cs_yaml *y, const fld *f, const char *const *names, int n, int *out)
{
	const char *s;
	int rc = cs_yaml_str(y, f, &s);
	if (rc < 0)
		return rc;
	int k = name_index(names, n, s);
	if (k < 0) {
		char list[128] = "";
		for (int i = 0; i < n; i++)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", names[i]);
		return cs_yaml_failv(y, -CS_EINVAL, f, "unknown value '%s', expected one of: %s", s, list);
	}
	*out = k;
	return 0;
}

static void pos_of(cs_yaml *y, const fld *f, cs_fail_pos *at)
{
	at->file = y->file;
	if (cs_yaml_where(f->val, &at->line, &at->col) < 0 && cs_yaml_where(f->key, &at->line, &at->col) < 0)
		at->line = at->col = 0;
}

/* An optional time in seconds, lo .. CS_TIME_LIMIT: 1 found, 0 absent. */
static int opt_time(cs_yaml *y, struct fy_node *map, const fld *in, const char *key, int64_t lo, int64_t *out)
{
	fld g;
	int rc = cs_yaml_field(y, map, in->key, in->path, key, 0, &g);
	if (rc <= 0)
		return rc;
	rc = cs_yaml_i64(y, &g, lo, CS_TIME_LIMIT, out);
	return rc < 0 ? rc : 1;
}

/* A path named in a config: as it is if absolute, else in the config's
 * directory dir; into buf, returned. */
static char *beside(char *buf, size_t len, const char *dir, const char *path)
{
	if (path[0] == '/')
		snprintf(buf, len, "%s", path);
	else
		snprintf(buf, len, "%s/%s", dir, path);
	return buf;
}

/* ---- failure processes -------------------------------------------------------- */

/* A law's shape: weibull's `shape` and lognormal's `sigma` (required),
 * neither for the others. */
static int law_shape(cs_yaml *y, const fld *f, cs_law *law)
{
	static const char *const key_of[CS_LAW_N] = { NULL, NULL, "shape", "sigma" };
	const char *own = key_of[law->kind];
	fld g;
	int rc;
	for (int k = CS_LAW_WEIBULL; k <= CS_LAW_LOGNORMAL; k++) {
		if (key_of[k] == own || (rc = cs_yaml_field(y, f->val, f->key, f->path, key_of[k], 0, &g)) == 0)
			continue;
		if (rc < 0)
			return rc;
		return cs_yaml_failv(y, -CS_EINVAL, &g, "'%s' belongs to a %s law, and this one is %s", key_of[k],
				     cs_law_names[k], cs_law_names[law->kind]);
	}
	if (!own)
		return 0;
	if ((rc = cs_yaml_field(y, f->val, f->key, f->path, own, 1, &g)) < 0 ||
	    (rc = cs_yaml_num(y, &g, 0, 1, 1e6, &law->shape)) < 0)
		return rc;
	return 0;
}

/* repair: {distribution: D, mean_h: H, shape: K | sigma: S} */
static int load_repair(cs_yaml *y, const fld *f, cs_law *law)
{
	static const char *const keys[] = { "distribution", "mean_h", "shape", "sigma", NULL };
	fld g;
	int rc, kind;
	double mean_h;
	if ((rc = cs_yaml_need_map(y, f)) < 0 || (rc = cs_yaml_check_keys(y, f->val, f->path, "config", keys)) < 0 ||
	    (rc = cs_yaml_field(y, f->val, f->key, f->path, "distribution", 1, &g)) < 0 ||
	    (rc = get_choice(y, &g, cs_law_names, CS_LAW_N, &kind)) < 0 ||
	    (rc = cs_yaml_field(y, f->val, f->key, f->path, "mean_h", 1, &g)) < 0 ||
	    (rc = cs_yaml_num(y, &g, 0, 1, 1e9, &mean_h)) < 0)
		return rc;
	*law = (cs_law){ .kind = (cs_law_kind)kind, .mean_s = mean_h * 3600 };
	return law_shape(y, f, law);
}

/* A process's node_types: names of the cluster's node types (with GPUs, for gpu). */
static int load_proc_types(cs_yaml *y, const cs_cluster *c, const fld *f, cs_fail_proc *p)
{
	int n = cs_yaml_need_list(y, f, 1);
	if (n < 0)
		return n;
	const char **names = cs_yaml_own(y, calloc((size_t)n, sizeof *names));
	if (!names)
		return cs_yaml_oom(y);
	void *it = NULL;
	struct fy_node *e;
	fld h;
	for (int k = 0; (e = fy_node_sequence_iterate(f->val, &it)); k++) {
		cs_yaml_item(f, e, k, &h);
		int rc = cs_yaml_str(y, &h, &names[k]);
		if (rc < 0)
			return rc;
		int t = cs_cluster_node_type_find(c, names[k]);
		if (t < 0)
			return cs_yaml_failv(y, -CS_EINVAL, &h, "unknown node type '%s'", names[k]);
		if (p->comp == CS_FAIL_GPU && !cs_cluster_node_type_at(c, t)->gpus)
			return cs_yaml_failv(y, -CS_EINVAL, &h, "node type '%s' has no GPUs to fail", names[k]);
	}
	p->types = names;
	p->ntypes = n;
	return 0;
}

static int load_proc(cs_yaml *y, const cs_cluster *c, const fld *f, cs_fail_proc *p)
{
	static const char *const keys[] = { "component", "node_types", "mtbf_h", "distribution", "shape", "repair",
					    NULL };
	static const char *const ttf_names[] = { "exponential", "weibull" };
	fld g;
	int rc, comp, kind = 0;
	double mtbf_h;
	if ((rc = cs_yaml_need_map(y, f)) < 0 || (rc = cs_yaml_check_keys(y, f->val, f->path, "config", keys)) < 0 ||
	    (rc = cs_yaml_field(y, f->val, f->key, f->path, "component", 1, &g)) < 0 ||
	    (rc = get_choice(y, &g, cs_fail_comp_names, CS_FAIL_NCOMP, &comp)) < 0)
		return rc;
	p->comp = (cs_fail_comp)comp;
	pos_of(y, &g, &p->at);
	if ((rc = cs_yaml_field(y, f->val, f->key, f->path, "node_types", 0, &g)) == 1)
		rc = load_proc_types(y, c, &g, p);
	if (rc < 0 || (rc = cs_yaml_field(y, f->val, f->key, f->path, "mtbf_h", 1, &g)) < 0 ||
	    (rc = cs_yaml_num(y, &g, 0, 1, 1e12, &mtbf_h)) < 0)
		return rc;
	if ((rc = cs_yaml_field(y, f->val, f->key, f->path, "distribution", 0, &g)) == 1)
		rc = get_choice(y, &g, ttf_names, 2, &kind);
	if (rc < 0)
		return rc;
	p->ttf = (cs_law){ .kind = kind ? CS_LAW_WEIBULL : CS_LAW_EXPONENTIAL, .mean_s = mtbf_h * 3600 };
	if ((rc = law_shape(y, f, &p->ttf)) < 0)
		return rc;
	if ((rc = cs_yaml_field(y, f->val, f->key, f->path, "repair", 1, &g)) < 0)
		return rc;
	return load_repair(y, &g, &p->repair);
}

/* failures: {seed, processes | trace} */
static int load_failures(cs_yaml *y, const cs_cluster *c, const fld *f, const char *dir, cs_fail_config *cfg)
{
	static const char *const keys[] = { "seed", "processes", "trace", NULL };
	fld g, h;
	int rc;
	if ((rc = cs_yaml_need_map(y, f)) < 0 || (rc = cs_yaml_check_keys(y, f->val, f->path, "config", keys)) < 0)
		return rc;
	cfg->seed = 1;
	cfg->procs = NULL;
	cfg->nprocs = 0;
	cfg->trace = NULL;
	cfg->recs = NULL;
	cfg->nrecs = 0;
	int64_t seed;
	if ((rc = cs_yaml_field(y, f->val, f->key, f->path, "seed", 0, &g)) == 1 &&
	    (rc = cs_yaml_i64(y, &g, 0, INT64_MAX, &seed)) == 0)
		cfg->seed = (uint64_t)seed;
	if (rc < 0)
		return rc;
	fld pf, tf;
	int has_p = cs_yaml_field(y, f->val, f->key, f->path, "processes", 0, &pf);
	int has_t = cs_yaml_field(y, f->val, f->key, f->path, "trace", 0, &tf);
	if (has_p == 1 && has_t == 1)
		return cs_yaml_failv(y, -CS_EINVAL, &tf, "give failure processes or a failure trace, not both");
	if (has_p != 1 && has_t != 1)
		return cs_yaml_fail(y, -CS_EPARSE, f->val, f->key, f->path, "expected processes (a list) or trace (a "
				    "file)");
	if (has_t == 1) {
		const char *path;
		if ((rc = cs_yaml_str(y, &tf, &path)) < 0)
			return rc;
		char *full = cs_yaml_own(y, malloc(strlen(dir) + strlen(path) + 2));
		if (!full)
			return cs_yaml_oom(y);
		cfg->trace = beside(full, strlen(dir) + strlen(path) + 2, dir, path);
		char msg[CS_ERRLEN];
		if ((rc = cs_yaml_openable(full, msg, sizeof msg)) < 0)
			return cs_yaml_failv(y, rc, &tf, "%s", msg);
		return cs_cluster__load_trace(y, c, full, cfg);
	}
	int n = cs_yaml_need_list(y, &pf, 1);
	if (n < 0)
		return n;
	cs_fail_proc *p = cs_yaml_own(y, calloc((size_t)n, sizeof *p));
	if (!p)
		return cs_yaml_oom(y);
	void *it = NULL;
	struct fy_node *e;
	for (int i = 0; (e = fy_node_sequence_iterate(pf.val, &it)); i++) {
		cs_yaml_item(&pf, e, i, &h);
		if ((rc = load_proc(y, c, &h, &p[i])) < 0)
			return rc;
	}
	cfg->procs = p;
	cfg->nprocs = (size_t)n;
	return 0;
}

/* ---- checkpoints -------------------------------------------------------------- */

static int load_rule(cs_yaml *y, const cs_cluster *c, const fld *f, cs_ckpt_rule *r)
{
	static const char *const keys[] = { "qos", "partition", "min_gpus", "interval_s", "interval", "cost_s", NULL };
	static const char *const interval_names[] = { "young_daly" };
	fld g, iv;
	int rc, k;
	int64_t v;
	if ((rc = cs_yaml_need_map(y, f)) < 0 || (rc = cs_yaml_check_keys(y, f->val, f->path, "config", keys)) < 0)
		return rc;
	pos_of(y, f, &r->at);
	if ((rc = cs_yaml_field(y, f->val, f->key, f->path, "qos", 0, &g)) == 1)
		rc = cs_yaml_str(y, &g, &r->qos);
	if (rc < 0 || (rc = cs_yaml_field(y, f->val, f->key, f->path, "partition", 0, &g)) < 0)
		return rc;
	if (rc == 1) {
		if ((rc = cs_yaml_str(y, &g, &r->partition)) < 0)
			return rc;
		int p = 0;
		while (p < cs_cluster_npartitions(c) && strcmp(cs_cluster_partition_at(c, p)->name, r->partition))
			p++;
		if (p == cs_cluster_npartitions(c))
			return cs_yaml_failv(y, -CS_EINVAL, &g, "unknown partition '%s'", r->partition);
	}
	if ((rc = cs_yaml_field(y, f->val, f->key, f->path, "min_gpus", 0, &g)) == 1 &&
	    (rc = cs_yaml_i64(y, &g, 1, UINT32_MAX, &v)) == 0)
		r->min_gpus = (uint32_t)v;
	if (rc < 0)
		return rc;
	int has_s = cs_yaml_field(y, f->val, f->key, f->path, "interval_s", 0, &g);
	int has_i = cs_yaml_field(y, f->val, f->key, f->path, "interval", 0, &iv);
	if (has_s == 1 && has_i == 1)
		return cs_yaml_failv(y, -CS_EINVAL, &iv, "give interval_s (seconds) or interval: young_daly, not both");
	if (has_s != 1 && has_i != 1)
		return cs_yaml_fail(y, -CS_EPARSE, f->val, f->key, f->path, "expected interval_s (seconds of work "
				    "between checkpoints) or interval: young_daly");
	if (has_s == 1 && (rc = cs_yaml_i64(y, &g, 1, CS_TIME_LIMIT, &r->interval_s)) < 0)
		return rc;
	if (has_i == 1 && (rc = get_choice(y, &iv, interval_names, 1, &k)) < 0)
		return rc;
	if (has_i == 1)
		pos_of(y, &iv, &r->at); /* where a config without failure rates is told young_daly needs them */
	r->young_daly = has_i == 1;
	if ((rc = cs_yaml_field(y, f->val, f->key, f->path, "cost_s", 1, &g)) < 0 ||
	    (rc = cs_yaml_i64(y, &g, r->young_daly ? 1 : 0, CS_TIME_LIMIT, &r->cost_s)) < 0)
		return rc;
	return 0;
}

/* ---- maintenance -------------------------------------------------------------- */

static void count_node(void *ctx, uint32_t node)
{
	(void)node;
	(*(size_t *)ctx)++;
}

static int load_window(cs_yaml *y, const cs_cluster *c, const fld *f, cs_maint *w)
{
	static const char *const keys[] = { "name", "start_s", "duration_s", "every_s", "until_s", "count", "nodes",
					    "partition", NULL };
	fld g, nf, pf;
	int rc;
	if ((rc = cs_yaml_need_map(y, f)) < 0 || (rc = cs_yaml_check_keys(y, f->val, f->path, "config", keys)) < 0 ||
	    (rc = cs_yaml_field(y, f->val, f->key, f->path, "name", 1, &g)) < 0 || (rc = cs_yaml_str(y, &g, &w->name)) < 0 ||
	    (rc = cs_yaml_field(y, f->val, f->key, f->path, "start_s", 1, &g)) < 0 ||
	    (rc = cs_yaml_i64(y, &g, 0, CS_TIME_LIMIT, &w->start_s)) < 0 ||
	    (rc = cs_yaml_field(y, f->val, f->key, f->path, "duration_s", 1, &g)) < 0 ||
	    (rc = cs_yaml_i64(y, &g, 1, CS_TIME_LIMIT, &w->duration_s)) < 0)
		return rc;
	w->until_s = -1;
	if ((rc = opt_time(y, f->val, f, "every_s", w->duration_s, &w->every_s)) < 0 ||
	    (rc = opt_time(y, f->val, f, "until_s", w->start_s, &w->until_s)) < 0)
		return rc;
	if ((rc = cs_yaml_field(y, f->val, f->key, f->path, "count", 0, &g)) == 1) {
		if (!w->every_s)
			return cs_yaml_failv(y, -CS_EINVAL, &g, "a count of windows needs every_s (the period)");
		rc = cs_yaml_i64(y, &g, 1, INT32_MAX, &w->count);
	}
	if (rc < 0)
		return rc;
	int has_n = cs_yaml_field(y, f->val, f->key, f->path, "nodes", 0, &nf);
	int has_p = cs_yaml_field(y, f->val, f->key, f->path, "partition", 0, &pf);
	if (has_n == 1 && has_p == 1)
		return cs_yaml_failv(y, -CS_EINVAL, &pf, "give nodes or partition, not both");
	if (has_n != 1 && has_p != 1)
		return cs_yaml_fail(y, -CS_EPARSE, f->val, f->key, f->path, "expected nodes (all, or a host list "
				    "such as h100-[000-007]) or partition");
	if (has_p == 1) {
		pos_of(y, &pf, &w->at);
		if ((rc = cs_yaml_str(y, &pf, &w->partition)) < 0)
			return rc;
		for (int p = 0; p < cs_cluster_npartitions(c); p++)
			if (!strcmp(cs_cluster_partition_at(c, p)->name, w->partition))
				return 0;
		return cs_yaml_failv(y, -CS_EINVAL, &pf, "unknown partition '%s'", w->partition);
	}
	pos_of(y, &nf, &w->at);
	if ((rc = cs_yaml_str(y, &nf, &w->nodes)) < 0)
		return rc;
	char msg[CS_ERRLEN];
	size_t n = 0;
	if (cs_fail_hostlist(c, w->nodes, count_node, &n, msg, sizeof msg) < 0)
		return cs_yaml_failv(y, -CS_EINVAL, &nf, "%s", msg);
	return 0;
}

/* A list section (checkpoints, maintenance) of items of `size` bytes, each
 * read by `one`: the owned array and its length. */
static int load_list(cs_yaml *y, const cs_cluster *c, const fld *f, size_t size,
		     int (*one)(cs_yaml *, const cs_cluster *, const fld *, void *), void **out, size_t *nout)
{
	int n = cs_yaml_need_list(y, f, 1);
	if (n < 0)
		return n;
	char *items = cs_yaml_own(y, calloc((size_t)n, size));
	if (!items)
		return cs_yaml_oom(y);
	void *it = NULL;
	struct fy_node *e;
	fld g;
	for (int i = 0; (e = fy_node_sequence_iterate(f->val, &it)); i++) {
		cs_yaml_item(f, e, i, &g);
		int rc = one(y, c, &g, items + (size_t)i * size);
		if (rc < 0)
			return rc;
	}
	*out = items;
	*nout = (size_t)n;
	return 0;
}

static int one_rule(cs_yaml *y, const cs_cluster *c, const fld *f, void *item) { return load_rule(y, c, f, item); }
static int one_window(cs_yaml *y, const cs_cluster *c, const fld *f, void *item)
{
	return load_window(y, c, f, item);
}

/* young_daly needs failure rates: processes, not a trace. */
static int check_young_daly(cs_yaml *y, const cs_fail_config *cfg)
{
	for (size_t i = 0; i < cfg->nckpt; i++) {
		const cs_ckpt_rule *r = &cfg->ckpt[i];
		if (r->young_daly && !cfg->nprocs) {
			snprintf(y->err, y->errlen, "%s:%d:%d: checkpoints[%zu].interval: young_daly works the interval "
				 "out from the failure processes' rates, and this config has %s", r->at.file, r->at.line,
				 r->at.col, i, cfg->trace ? "a failure trace instead" : "none");
			return -CS_EINVAL;
		}
	}
	return 0;
}

int cs_cluster__load_reliability(cs_cluster *c, cs_yaml *y, struct fy_node *root, const char *dir)
{
	fld ff, cf, mf;
	int rc;
	int has_f = cs_yaml_field(y, root, NULL, "", "failures", 0, &ff);
	int has_c = cs_yaml_field(y, root, NULL, "", "checkpoints", 0, &cf);
	int has_m = cs_yaml_field(y, root, NULL, "", "maintenance", 0, &mf);
	if (has_f != 1 && has_c != 1 && has_m != 1)
		return 0;
	cs_fail_config *cfg = cs_yaml_own(y, calloc(1, sizeof *cfg));
	if (!cfg)
		return cs_yaml_oom(y);
	if (c->fail) /* extends: the base's sections stand where this file gives none */
		*cfg = *c->fail;
	else
		cfg->seed = 1;
	if (has_f == 1 && (rc = load_failures(y, c, &ff, dir, cfg)) < 0)
		return rc;
	void *items;
	if (has_c == 1) {
		if ((rc = load_list(y, c, &cf, sizeof(cs_ckpt_rule), one_rule, &items, &cfg->nckpt)) < 0)
			return rc;
		cfg->ckpt = items;
	}
	if (has_m == 1) {
		if ((rc = load_list(y, c, &mf, sizeof(cs_maint), one_window, &items, &cfg->nmaint)) < 0)
			return rc;
		cfg->maint = items;
	}
	if ((rc = check_young_daly(y, cfg)) < 0)
		return rc;
	c->fail = cfg;
	return 0;
}

/* ---- extends ------------------------------------------------------------------ */

int cs_cluster__extend(cs_cluster **c, cs_yaml *y, struct fy_node *root, const fld *ext, const char *dir)
{
	static const char *const keys[] = { "name", "extends", "failures", "checkpoints", "maintenance", NULL };
	const char *spec;
	int rc;
	if ((rc = cs_yaml_check_keys(y, root, "", "config that extends another", keys)) < 0 ||
	    (rc = cs_yaml_str(y, ext, &spec)) < 0)
		return rc;
	char path[PATH_MAX + 256], msg[CS_ERRLEN];
	cs_cluster *base;
	if (strcmp(spec, "default") == 0) {
		rc = cs_cluster_load_default(&base, msg, sizeof msg);
	} else {
		beside(path, sizeof path, dir, spec);
		if (strcmp(path, y->file) == 0)
			return cs_yaml_failv(y, -CS_EINVAL, ext, "a config cannot extend itself");
		rc = cs_cluster_load(&base, path, msg, sizeof msg);
	}
	if (rc < 0)
		return cs_yaml_failv(y, rc, ext, "%s", msg);
	/* the base becomes this config: its path and, if given, its name this file's */
	cs_cluster *self = *c;
	free(base->path);
	base->path = self->path;
	self->path = NULL;
	for (size_t i = 0; i < self->nowned; i++)
		cs_cluster__own(base, self->owned[i]);
	self->nowned = 0;
	cs_cluster_free(self);
	*c = base;
	y->owned = &base->owned;
	y->nowned = &base->nowned;
	y->capowned = &base->capowned;
	fld f;
	if ((rc = cs_yaml_field(y, root, NULL, "", "name", 0, &f)) == 1)
		rc = cs_yaml_str(y, &f, &base->name);
	return rc < 0 ? rc : 0;
}

/* ---- cluster show ------------------------------------------------------------ */

int cs_fail_proc_covers(const cs_cluster *c, const cs_fail_proc *p, int t)
{
	const cs_cluster_node_type *nt = cs_cluster_node_type_at(c, t);
	if (!nt || (p->comp == CS_FAIL_GPU && !nt->gpus))
		return 0;
	for (int i = 0; i < p->ntypes; i++)
		if (strcmp(p->types[i], nt->name) == 0)
			return 1;
	return !p->ntypes;
}

void cs_fail_print(FILE *f, const cs_cluster *c)
{
	const cs_fail_config *cfg = c->fail;
	if (!cfg)
		return;
	if (cfg->trace)
		fprintf(f, "failures: trace %s, %zu failures\n", cfg->trace, cfg->nrecs);
	double day = 0;
	for (size_t i = 0; i < cfg->nprocs; i++) {
		const cs_fail_proc *p = &cfg->procs[i];
		long long n = 0;
		for (int t = 0; t < cs_cluster_nnode_types(c); t++)
			if (cs_fail_proc_covers(c, p, t))
				n += (long long)cs_cluster_node_type_at(c, t)->count *
				     (p->comp == CS_FAIL_GPU ? cs_cluster_node_type_at(c, t)->gpus : 1);
		double rate = (double)n * 86400 / p->ttf.mean_s;
		day += rate;
		fprintf(f, "failures: %s, %lld components, MTBF %.0f h (%s), repair %.1f h (%s): %.3f a day\n",
			cs_fail_comp_names[p->comp], n, p->ttf.mean_s / 3600, cs_law_names[p->ttf.kind],
			p->repair.mean_s / 3600, cs_law_names[p->repair.kind], rate);
	}
	if (cfg->nprocs)
		fprintf(f, "failures: %.3f a day in all (seed %llu)\n", day, (unsigned long long)cfg->seed);
	for (size_t i = 0; i < cfg->nckpt; i++) {
		const cs_ckpt_rule *r = &cfg->ckpt[i];
		fprintf(f, "checkpoints: qos %s, partition %s, %u+ GPUs: ", r->qos ? r->qos : "any",
			r->partition ? r->partition : "any", r->min_gpus);
		if (r->young_daly)
			fprintf(f, "young_daly");
		else
			fprintf(f, "every %lld s", (long long)r->interval_s);
		fprintf(f, ", %lld s each\n", (long long)r->cost_s);
	}
	for (size_t i = 0; i < cfg->nmaint; i++) {
		const cs_maint *w = &cfg->maint[i];
		fprintf(f, "maintenance %s: %s%s, %.1f h from %lld s", w->name, w->nodes ? w->nodes : "partition ",
			w->nodes ? "" : w->partition, (double)w->duration_s / 3600, (long long)w->start_s);
		if (w->every_s)
			fprintf(f, ", every %.2f days", (double)w->every_s / 86400);
		fputc('\n', f);
	}
}
