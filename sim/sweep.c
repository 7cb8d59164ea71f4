/* capsim: a sweep spec (YAML) and its grid of points (capsim/sweep.h,
 * docs/sweep.md). Every check is made here, before any point runs: the
 * cluster opens and takes each scale, the policies exist and know their
 * options, the files open, the metrics are known. */
#include "capsim/sweep.h"
#include "capsim/cluster.h"
#include "capsim/format.h"
#include "capsim/gen.h"
#include "capsim/sched.h"
#include "capsim/types.h"
#include "sweep_int.h"
#include "yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cs_sweep_metric_names[] = {
	"mean_wait", "median_wait", "p95_wait", "p99_wait", "max_wait", "mean_response", "mean_slowdown",
	"mean_bounded_slowdown", "max_bounded_slowdown", "utilization", "gpu_utilization", "core_utilization",
	"makespan", "jobs", "backfilled_jobs", "rejected_by_policy", "grants.delivery",
	/* a cluster with failures, checkpoints or maintenance (docs/failures.md) */
	"reliability.goodput", "reliability.gpu_hours.lost_to_failures", "reliability.gpu_hours.checkpoints",
	"reliability.gpu_hours.maintenance", NULL
};

static const char *const default_metrics[] = { "p95_wait", "mean_wait", "mean_bounded_slowdown", "utilization" };

typedef cs_yfield fld;

#define fail(s, ...) cs_yaml_fail(&(s)->y, __VA_ARGS__)
#define failv(s, ...) cs_yaml_failv(&(s)->y, __VA_ARGS__)

static void *own(cs_sweep *s, void *p) { return cs_yaml_own(&s->y, p); }

static char *own_str(cs_sweep *s, const char *t)
{
	return own(s, strdup(t));
}

char *cs_sweep_own_str(cs_sweep *s, const char *t) { return own_str(s, t); }
void *cs_sweep_own(cs_sweep *s, void *p) { return own(s, p); }

static char *own_printf(cs_sweep *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *own_printf(cs_sweep *s, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return own_str(s, buf);
}

/* FNV-1a, 64 bits */
static void hash_bytes(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		*h ^= b[i];
		*h *= 1099511628211ull;
	}
}

static void hash_str(uint64_t *h, const char *s) { hash_bytes(h, s, strlen(s) + 1); }

void cs_sweep_hash_add(cs_sweep *s, const void *p, size_t n) { hash_bytes(&s->h, p, n); }

/* A file's bytes into the hash; -CS_EIO with "FILE:LINE:COL: key: cannot read" */
static int hash_file(cs_sweep *s, const fld *f, const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return failv(s, -CS_EIO, f, "%s: cannot open: %s", path, strerror(errno));
	unsigned char buf[1 << 16];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		hash_bytes(&s->h, buf, n);
	int bad = ferror(fp);
	fclose(fp);
	if (bad)
		return failv(s, -CS_EIO, f, "%s: cannot read", path);
	return 0;
}

/* path as the spec names it, relative to the spec's directory */
static char *resolve(cs_sweep *s, const char *text)
{
	if (text[0] == '/' || !strcmp(text, "default"))
		return own_str(s, text);
	return own_printf(s, "%s%s", s->dir, text);
}

static int get_str(cs_sweep *s, const fld *f, const char **out) { return cs_yaml_str(&s->y, f, out); }

/* The prologue of a list axis: a non-empty list of at most max items,
 * each `size` bytes, allocated (owned by the spec) into *out with its count
 * in *n; 0 or the error, "empty list: expected at least one ONE" or
 * "K MANY, at most max". */
static int axis_list(cs_sweep *s, const fld *f, const char *one, const char *many, int max, size_t size, void *out,
		     size_t *n)
{
	int k = cs_yaml_need_list(&s->y, f, 0);
	if (k < 0)
		return k;
	if (k == 0)
		return failv(s, -CS_EPARSE, f, "empty list: expected at least one %s", one);
	if (k > max)
		return failv(s, -CS_EINVAL, f, "%d %s, at most %d", k, many, max);
	void *v = own(s, calloc((size_t)k, size));
	if (!v)
		return cs_yaml_oom(&s->y);
	memcpy(out, &v, sizeof v);
	*n = (size_t)k;
	return 0;
}

/* A number, or a non-empty list of numbers, each in (0, max]: the axis. */
static int num_axis(cs_sweep *s, const fld *f, double max, double **out, size_t *n)
{
	if (f->val && fy_node_is_sequence(f->val)) {
		double *v;
		int rc0 = axis_list(s, f, "value", "values", CS_SWEEP_MAX_AXIS, sizeof *v, &v, n);
		if (rc0 < 0)
			return rc0;
		void *it = NULL;
		struct fy_node *node;
		int i = 0;
		while ((node = fy_node_sequence_iterate(f->val, &it))) {
			fld e;
			cs_yaml_item(f, node, i, &e);
			int rc = cs_yaml_num(&s->y, &e, 0, 1, max, &v[i++]);
			if (rc < 0)
				return rc;
		}
		*out = v;
		return 0;
	}
	double *v = own(s, malloc(sizeof *v));
	if (!v)
		return cs_yaml_oom(&s->y);
	int rc = cs_yaml_num(&s->y, f, 0, 1, max, v);
	if (rc < 0)
		return rc;
	*out = v;
	*n = 1;
	return 0;
}

static int load_workload(cs_sweep *s, const fld *wf)
{
	static const char *const keys[] = { "generate", "file", NULL };
	static const char *const gen_keys[] = { "days", "model", "projects_scale", "load_scale", NULL };
	static const char *const file_keys[] = { "path", "projects_scale", "load_scale", NULL };
	int rc = cs_yaml_need_map(&s->y, wf);
	if (rc < 0 || (rc = cs_yaml_check_keys(&s->y, wf->val, wf->path, s->what, keys)) < 0)
		return rc;
	fld g, fi, f;
	int has_gen = cs_yaml_field(NULL, wf->val, NULL, wf->path, "generate", 0, &g);
	int has_file = cs_yaml_field(NULL, wf->val, NULL, wf->path, "file", 0, &fi);
	if (has_gen == has_file)
		return failv(s, -CS_EPARSE, wf, "expected exactly one of generate and file");
	const fld *m = has_gen ? &g : &fi;
	if ((rc = cs_yaml_need_map(&s->y, m)) < 0 ||
	    (rc = cs_yaml_check_keys(&s->y, m->val, m->path, s->what, has_gen ? gen_keys : file_keys)) < 0)
		return rc;
	s->gen = has_gen;
	s->pscale = s->lscale = NULL;
	static double one = 1;
	s->pscale = s->lscale = &one;
	s->npscale = s->nlscale = 1;
	if (has_gen) {
		int64_t days;
		if ((rc = cs_yaml_field(&s->y, m->val, m->key, m->path, "days", 1, &f)) < 0 ||
		    (rc = cs_yaml_i64(&s->y, &f, 1, 3660, &days)) < 0)
			return rc;
		s->days = (int)days;
		hash_str(&s->h, "generate");
		hash_bytes(&s->h, &s->days, sizeof s->days);
		if (cs_yaml_field(NULL, m->val, NULL, m->path, "model", 0, &f)) {
			if ((rc = get_str(s, &f, &s->model_text)) < 0)
				return rc;
			s->model_path = resolve(s, s->model_text);
			if (!s->model_path)
				return cs_yaml_oom(&s->y);
			if ((rc = hash_file(s, &f, s->model_path)) < 0)
				return rc;
			/* the model's own errors, before any point runs */
			char e2[CS_ERRLEN];
			if ((rc = cs_gen_model_load(&s->model, s->model_path, e2, sizeof e2)) < 0)
				return failv(s, rc, &f, "%s", e2);
		} else {
			size_t len;
			const char *t = cs_gen_default_text(&len);
			hash_bytes(&s->h, t, len);
			char e2[CS_ERRLEN];
			if ((rc = cs_gen_model_load(&s->model, NULL, e2, sizeof e2)) < 0)
				return fail(s, rc, m->val, NULL, "generate", "%s", e2);
		}
	} else {
		if ((rc = cs_yaml_field(&s->y, m->val, m->key, m->path, "path", 1, &f)) < 0 ||
		    (rc = get_str(s, &f, &s->trace_text)) < 0)
			return rc;
		if (!(s->trace_path = resolve(s, s->trace_text)))
			return cs_yaml_oom(&s->y);
		hash_str(&s->h, "file");
		if ((rc = hash_file(s, &f, s->trace_path)) < 0)
			return rc;
		/* read once here: a malformed trace is the spec's error, before any point */
		cs_trace t;
		char e2[CS_ERRLEN];
		cs_trace_init(&t);
		rc = cs_format_read(&t, s->trace_path, CS_FMT_AUTO, e2, sizeof e2);
		cs_trace_free(&t);
		if (rc < 0)
			return failv(s, rc, &f, "%s", e2);
	}
	if (cs_yaml_field(NULL, m->val, NULL, m->path, "projects_scale", 0, &f) &&
	    (rc = num_axis(s, &f, 100, &s->pscale, &s->npscale)) < 0)
		return rc;
	if (cs_yaml_field(NULL, m->val, NULL, m->path, "load_scale", 0, &f) &&
	    (rc = num_axis(s, &f, 1e6, &s->lscale, &s->nlscale)) < 0)
		return rc;
	hash_bytes(&s->h, s->pscale, s->npscale * sizeof *s->pscale);
	hash_bytes(&s->h, s->lscale, s->nlscale * sizeof *s->lscale);
	return 0;
}

static int load_scales(cs_sweep *s, const fld *f, const cs_cluster *cl)
{
	int rc0 = axis_list(s, f, "cluster variant ({} for the cluster as configured)", "variants", CS_SWEEP_MAX_AXIS,
			    sizeof *s->scale_text, &s->scale_text, &s->nscales);
	if (rc0 < 0)
		return rc0;
	void *it = NULL;
	struct fy_node *node;
	int i = 0;
	while ((node = fy_node_sequence_iterate(f->val, &it))) {
		fld e;
		cs_yaml_item(f, node, i, &e);
		int rc = cs_yaml_need_map(&s->y, &e);
		if (rc < 0)
			return rc;
		/* {TYPE: F, TYPE: ":=N" | "+N" | "-N"} spelled as --scale */
		char text[4096] = "";
		void *pit = NULL;
		struct fy_node_pair *pr;
		while ((pr = fy_node_mapping_iterate(node, &pit))) {
			fld v = { .key = fy_node_pair_key(pr), .val = fy_node_pair_value(pr) };
			const char *k = fy_node_get_scalar0(v.key);
			cs_yaml_join(v.path, sizeof v.path, e.path, k ? k : "?");
			size_t len;
			const char *t = cs_yaml_text(&v, &len);
			if (!k || !t)
				return failv(s, -CS_EPARSE, &v, "expected TYPE: F (a factor), or \":=N\", \"+N\", \"-N\", "
					     "got %s", cs_yaml_got(&v));
			size_t at = strlen(text);
			snprintf(text + at, sizeof text - at, "%s%s%s%.*s", at ? "," : "", k, t[0] == ':' ? "" : "=",
				 (int)len, t);
		}
		cs_cluster_scale_spec spec;
		char e2[CS_ERRLEN];
		if (*text) {
			cs_cluster *sc;
			if ((rc = cs_cluster_scale_parse(text, &spec, e2, sizeof e2)) < 0 ||
			    (rc = cs_cluster_scale(cl, &spec, &sc, e2, sizeof e2)) < 0)
				return failv(s, rc, &e, "%s", e2);
			cs_cluster_free(sc);
			cs_cluster_scale_format(&spec, text, sizeof text);
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(s->scale_text[j], text))
				return failv(s, -CS_EINVAL, &e, "the same cluster variant as scale[%d] ('%s')", j, text);
		if (!(s->scale_text[i] = own_str(s, text)))
			return cs_yaml_oom(&s->y);
		hash_str(&s->h, text);
		i++;
	}
	return 0;
}

static int load_policies(cs_sweep *s, const fld *f)
{
	static const char *const keys[] = { "name", "opts", NULL };
	int rc0 = axis_list(s, f, "policy ({name: easy})", "policies", CS_SWEEP_MAX_AXIS, sizeof *s->pol, &s->pol,
			    &s->npol);
	if (rc0 < 0)
		return rc0;
	void *it = NULL;
	struct fy_node *node;
	int i = 0;
	while ((node = fy_node_sequence_iterate(f->val, &it))) {
		fld e, nm, o;
		cs_sweep_policy *p = &s->pol[i];
		cs_yaml_item(f, node, i++, &e);
		int rc;
		if ((rc = cs_yaml_need_map(&s->y, &e)) < 0 ||
		    (rc = cs_yaml_check_keys(&s->y, e.val, e.path, s->what, keys)) < 0 ||
		    (rc = cs_yaml_field(&s->y, e.val, e.key, e.path, "name", 1, &nm)) < 0 ||
		    (rc = get_str(s, &nm, &p->name)) < 0)
			return rc;
		const cs_policy_ops *ops = cs_policy_find(p->name);
		if (!ops) {
			char e2[CS_ERRLEN];
			void *h;
			if (cs_policy_is_path(p->name))
				return failv(s, -CS_EINVAL, &nm, "a policy plugin (.so) is not swept: name a built-in "
					     "policy (capsim policies lists them)");
			cs_policy_resolve(p->name, &ops, &h, e2, sizeof e2);
			return failv(s, -CS_EINVAL, &nm, "%s", e2);
		}
		char opts[4096] = "";
		if (cs_yaml_field(NULL, e.val, NULL, e.path, "opts", 0, &o)) {
			if ((rc = cs_yaml_need_map(&s->y, &o)) < 0)
				return rc;
			void *pit = NULL;
			struct fy_node_pair *pr;
			while ((pr = fy_node_mapping_iterate(o.val, &pit))) {
				fld v = { .key = fy_node_pair_key(pr), .val = fy_node_pair_value(pr) };
				const char *k = fy_node_get_scalar0(v.key);
				cs_yaml_join(v.path, sizeof v.path, o.path, k ? k : "?");
				size_t len;
				const char *t = cs_yaml_text(&v, &len);
				if (!k || !t)
					return failv(s, -CS_EPARSE, &v, "expected KEY: VALUE, got %s", cs_yaml_got(&v));
				if (p->nopts == CS_SWEEP_MAX_OPTS)
					return failv(s, -CS_EINVAL, &v, "more than %d options", CS_SWEEP_MAX_OPTS);
				if (!(p->keys[p->nopts] = own_str(s, k)) ||
				    !(p->vals[p->nopts] = own(s, strndup(t, len))))
					return cs_yaml_oom(&s->y);
				p->nopts++;
				cs_policy_env env = { .nparams = 1, .keys = &p->keys[p->nopts - 1],
						      .vals = &p->vals[p->nopts - 1] };
				char e2[CS_ERRLEN];
				if ((rc = cs_policy_check_params(ops, &env, e2, sizeof e2)) < 0)
					return fail(s, rc, v.key, NULL, v.path, "%s", e2);
				size_t at = strlen(opts);
				snprintf(opts + at, sizeof opts - at, "%s%s=%s", at ? ";" : "", k, p->vals[p->nopts - 1]);
			}
		}
		/* the values, as the policy reads them at a run's start: its init
		 * on an empty queue */
		cs_policy_env env = { .nparams = p->nopts, .keys = p->keys, .vals = p->vals, .total_procs = 1,
				      .node_model = 1 };
		void *state = NULL;
		char e2[CS_ERRLEN];
		if (ops->init && (rc = ops->init(&state, &env, e2, sizeof e2)) < 0)
			return failv(s, -CS_EINVAL, p->nopts ? &o : &e, "%s", e2);
		if (state && ops->destroy)
			ops->destroy(state);
		p->opts = own_str(s, opts);
		p->label = *opts ? own_printf(s, "%s(%s)", p->name, opts) : own_str(s, p->name);
		if (!p->opts || !p->label)
			return cs_yaml_oom(&s->y);
		for (int j = 0; j < i - 1; j++)
			if (!strcmp(s->pol[j].label, p->label))
				return failv(s, -CS_EINVAL, &e, "the same policy as policies[%d] (%s)", j, p->label);
		hash_str(&s->h, p->label);
	}
	return 0;
}

static int load_seeds(cs_sweep *s, const fld *f)
{
	int rc0 = axis_list(s, f, "seed", "seeds", CS_SWEEP_MAX_AXIS, sizeof *s->seeds, &s->seeds, &s->nseeds);
	if (rc0 < 0)
		return rc0;
	void *it = NULL;
	struct fy_node *node;
	int i = 0;
	while ((node = fy_node_sequence_iterate(f->val, &it))) {
		fld e;
		int64_t v;
		cs_yaml_item(f, node, i, &e);
		int rc = cs_yaml_i64(&s->y, &e, 0, INT64_MAX, &v);
		if (rc < 0)
			return rc;
		for (int j = 0; j < i; j++)
			if (s->seeds[j] == (uint64_t)v)
				return failv(s, -CS_EINVAL, &e, "seed %lld is also seeds[%d]", (long long)v, j);
		s->seeds[i++] = (uint64_t)v;
	}
	hash_bytes(&s->h, s->seeds, s->nseeds * sizeof *s->seeds);
	return 0;
}

static int load_metrics(cs_sweep *s, const fld *f)
{
	int rc0 = axis_list(s, f, "metric", "metrics", 64, sizeof *s->metrics, &s->metrics, &s->nmetrics);
	if (rc0 < 0)
		return rc0;
	void *it = NULL;
	struct fy_node *node;
	int i = 0;
	while ((node = fy_node_sequence_iterate(f->val, &it))) {
		fld e;
		cs_yaml_item(f, node, i, &e);
		int rc = get_str(s, &e, &s->metrics[i]);
		if (rc < 0)
			return rc;
		const char *const *m = cs_sweep_metric_names;
		while (*m && strcmp(*m, s->metrics[i]))
			m++;
		if (!*m) {
			char list[1024] = "";
			for (m = cs_sweep_metric_names; *m; m++)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
					 m == cs_sweep_metric_names ? "" : ", ", *m);
			return failv(s, -CS_EINVAL, &e, "unknown metric '%s', expected one of: %s", s->metrics[i], list);
		}
		i++;
	}
	return 0;
}

static int load(cs_sweep *s, const char *text, size_t len, const cs_sweep_ext *ext)
{
	static const char *const sweep_keys[] = { "cluster", "workload", "accounts", "scale", "policies", "seeds",
						  "metrics", NULL };
	const char *const *keys = ext ? ext->keys : sweep_keys;
	int rc = 0;
	struct fy_document *doc = cs_yaml_parse(&s->y, text, len, "sweep spec: empty, expected a mapping with "
						"workload and policies", &rc);
	if (!doc)
		return rc;
	struct fy_node *root = fy_document_root(doc);
	cs_cluster *cl = NULL;
	fld f;
	if (!root || !fy_node_is_mapping(root)) {
		rc = fail(s, -CS_EPARSE, root, NULL, s->what, "expected a mapping with workload and policies, "
			  "got %s", root ? cs_yaml_kind(root) : "an empty document");
		goto out;
	}
	if ((rc = cs_yaml_check_keys(&s->y, root, "", s->what, keys)) < 0)
		goto out;
	/* cluster: default, or a config's path */
	s->cluster_text = "default";
	if (cs_yaml_field(NULL, root, NULL, "", "cluster", 0, &f) && (rc = get_str(s, &f, &s->cluster_text)) < 0)
		goto out;
	if (!(s->cluster_path = resolve(s, s->cluster_text))) {
		rc = cs_yaml_oom(&s->y);
		goto out;
	}
	{
		char e2[CS_ERRLEN];
		if ((rc = cs_cluster_open(&cl, s->cluster_path, NULL, e2, sizeof e2)) < 0) {
			rc = f.val ? failv(s, rc, &f, "%s", e2) : fail(s, rc, root, NULL, "cluster", "%s", e2);
			goto out;
		}
		hash_str(&s->h, s->cluster_text);
		if (strcmp(s->cluster_path, "default") == 0)
			hash_str(&s->h, CS_VERSION);
		else if ((rc = hash_file(s, &f, s->cluster_path)) < 0)
			goto out;
	}
	if ((rc = cs_yaml_field(&s->y, root, NULL, "", "workload", 1, &f)) < 0 || (rc = load_workload(s, &f)) < 0)
		goto out;
	if (cs_yaml_field(NULL, root, NULL, "", "accounts", 0, &f)) {
		if ((rc = get_str(s, &f, &s->accounts_text)) < 0)
			goto out;
		if (!strcmp(s->accounts_text, "generate")) {
			if (!s->gen) {
				rc = failv(s, -CS_EINVAL, &f, "'generate' needs a generated workload (workload: {generate: "
					   "...}); name an accounts file for a trace");
				goto out;
			}
			s->accounts_gen = 1;
			hash_str(&s->h, "accounts: generate");
		} else {
			if (!(s->accounts_path = resolve(s, s->accounts_text))) {
				rc = cs_yaml_oom(&s->y);
				goto out;
			}
			if ((rc = hash_file(s, &f, s->accounts_path)) < 0)
				goto out;
		}
	}
	if (!ext && cs_yaml_field(NULL, root, NULL, "", "scale", 0, &f)) {
		if ((rc = load_scales(s, &f, cl)) < 0)
			goto out;
	} else {
		static const char *none[] = { "" };
		s->scale_text = (const char **)none;
		s->nscales = 1;
	}
	if ((rc = cs_yaml_field(&s->y, root, NULL, "", "policies", 1, &f)) < 0 || (rc = load_policies(s, &f)) < 0)
		goto out;
	if (cs_yaml_field(NULL, root, NULL, "", "seeds", 0, &f)) {
		if ((rc = load_seeds(s, &f)) < 0)
			goto out;
		/* a trace's seed is the transform's: it picks the projects copied */
		if (!s->gen && s->nseeds > 1) {
			int copies = 0;
			for (size_t i = 0; i < s->npscale; i++)
				copies |= s->pscale[i] != 1;
			if (!copies) {
				rc = failv(s, -CS_EINVAL, &f, "a trace file uses a seed only to choose the projects "
					   "projects_scale copies, and no projects_scale is not 1: give one seed");
				goto out;
			}
		}
	} else {
		static uint64_t one = 1;
		s->seeds = &one;
		s->nseeds = 1;
		hash_bytes(&s->h, &one, sizeof one);
	}
	/* the rest of an extension's spec, which sets its own scale axis */
	if (ext && (rc = ext->load(s, root, cl, ext->ctx)) < 0)
		goto out;
	if (!ext && cs_yaml_field(NULL, root, NULL, "", "metrics", 0, &f)) {
		if ((rc = load_metrics(s, &f)) < 0)
			goto out;
	} else {
		s->metrics = (const char **)default_metrics;
		s->nmetrics = sizeof default_metrics / sizeof *default_metrics;
	}
	/* the charted metrics are not part of the grid: a spec that only
	 * charts others is the same sweep (its hash) */
	double np = (double)s->nscales * (double)(s->npscale * s->nlscale) * (double)s->npol * (double)s->nseeds;
	if (np > CS_SWEEP_MAX_POINTS) {
		rc = fail(s, -CS_EINVAL, root, NULL, s->what, "%.0f points, at most %d", np, CS_SWEEP_MAX_POINTS);
		goto out;
	}
	s->npoints = (size_t)np;
	snprintf(s->hash, sizeof s->hash, "%016llx", (unsigned long long)s->h);
	/* the workload variants' labels */
	s->nwork = s->npscale * s->nlscale;
	if (!(s->work_label = own(s, calloc(s->nwork, sizeof *s->work_label)))) {
		rc = cs_yaml_oom(&s->y);
		goto out;
	}
	for (size_t w = 0; w < s->nwork; w++) {
		double ls = s->lscale[w / s->npscale], ps = s->pscale[w % s->npscale];
		if (!(s->work_label[w] = own_printf(s, "projects_scale=%g load_scale=%g", ps, ls))) {
			rc = cs_yaml_oom(&s->y);
			goto out;
		}
	}
out:
	if (rc == 0)
		s->cluster = cl; /* kept for the points */
	else
		cs_cluster_free(cl);
	fy_document_destroy(doc);
	return rc;
}

int cs_sweep_load(cs_sweep **out, const char *path, char *err, size_t errlen)
{
	return cs_sweep_load_ext(out, path, NULL, err, errlen);
}

int cs_sweep_load_ext(cs_sweep **out, const char *path, const cs_sweep_ext *ext, char *err, size_t errlen)
{
	*out = NULL;
	cs_sweep *s = calloc(1, sizeof *s);
	if (s && !(s->keep = calloc(1, sizeof *s->keep))) {
		free(s);
		s = NULL;
	}
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	s->y = (cs_yaml){ .file = path, .err = err, .errlen = errlen, .owned = &s->owned, .nowned = &s->nowned,
			  .capowned = &s->capowned };
	s->h = 14695981039346656037ull;
	s->what = ext ? ext->what : "sweep spec";
	s->noun = ext ? ext->noun : "sweep";
	s->one = ext ? ext->one : "--point";
	int rc = cs_yaml_openable(path, err, errlen);
	const char *slash = strrchr(path, '/');
	if (rc == 0 && !(s->dir = own(s, strndup(path, slash ? (size_t)(slash - path + 1) : 0))))
		rc = cs_yaml_oom(&s->y);
	if (rc == 0 && !(s->path = own_str(s, path)))
		rc = cs_yaml_oom(&s->y);
	if (rc == 0)
		rc = load(s, NULL, 0, ext);
	if (rc < 0) {
		cs_sweep_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void cs_sweep_free(cs_sweep *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nowned; i++)
		free(s->owned[i]);
	free(s->owned);
	cs_cluster_free(s->cluster);
	cs_gen_model_free(s->model);
	cs_sweep_inputs_free(s->keep);
	free(s->keep);
	free(s);
}

size_t cs_sweep_npoints(const cs_sweep *s) { return s->npoints; }
const char *cs_sweep_hash(const cs_sweep *s) { return s->hash; }
int cs_sweep_in_shard(size_t k, size_t i, size_t n) { return k % n == i - 1; }

void cs_sweep_point_get(const cs_sweep *s, size_t k, cs_sweep_point *p)
{
	memset(p, 0, sizeof *p);
	p->k = k;
	p->seed_i = k % s->nseeds;
	k /= s->nseeds;
	p->policy_i = k % s->npol;
	k /= s->npol;
	p->workload_i = k % s->nwork;
	p->scale_i = k / s->nwork;
	p->scale = s->scale_text[p->scale_i];
	p->workload = s->work_label[p->workload_i];
	p->load_scale = s->lscale[p->workload_i / s->npscale];
	p->projects_scale = s->pscale[p->workload_i % s->npscale];
	p->policy = s->pol[p->policy_i].name;
	p->policy_opts = s->pol[p->policy_i].opts;
	p->policy_label = s->pol[p->policy_i].label;
	p->seed = s->seeds[p->seed_i];
}
