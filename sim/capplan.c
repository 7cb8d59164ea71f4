/* capsim: a plan spec (capsim/capplan.h, docs/plan.md): a sweep spec's
 * keys read by sim/sweep.c, and the planner's own, search, targets and
 * confidence, read here; every static mistake refused before any run.
 * The settings the results need are kept as plan-spec.json. */
#include "capsim/capplan.h"
#include "capsim/cluster.h"
#include "capsim/failures.h"
#include "capsim/types.h"
#include "capplan_int.h"
#include "sweep_int.h"
#include "yaml.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const cp_op_names[4] = { "<=", ">=", "<", ">" };

/* What a metric is: a wait (seconds), a share in [0, 1], a slowdown (>= 1),
 * a power (kW), an energy (kWh), a volume of storage (TB; a headroom can
 * be below 0 once a tier overflows) or a sum of money (the site's currency). */
enum { K_DUR, K_SHARE, K_SLOW, K_KW, K_KWH, K_TB, K_MONEY };

static const struct {
	const char *name;
	int kind;
} global_metrics[] = {
	{ "mean_wait", K_DUR }, { "median_wait", K_DUR }, { "p95_wait", K_DUR }, { "p99_wait", K_DUR },
	{ "max_wait", K_DUR }, { "mean_response", K_DUR }, { "mean_slowdown", K_SLOW },
	{ "mean_bounded_slowdown", K_SLOW }, { "max_bounded_slowdown", K_SLOW }, { "utilization", K_SHARE },
	{ "gpu_utilization", K_SHARE }, { "core_utilization", K_SHARE }, { "grants.delivery", K_SHARE },
	{ "reliability.goodput", K_SHARE }, { "energy.it_energy_kwh", K_KWH }, { "energy.facility_energy_kwh", K_KWH },
	{ "energy.mean_it_power_kw", K_KW }, { "energy.peak_it_power_kw", K_KW },
	{ "energy.mean_facility_power_kw", K_KW }, { "energy.peak_facility_power_kw", K_KW }, { "energy.cost", K_MONEY },
	{ "storage.used_end_tb", K_TB }, { "storage.headroom_tb", K_TB },
};
static const char *const tier_metrics[] = { "used_end_tb", "peak_tb", "headroom_tb" };
static const char *const part_waits[] = { "mean_wait", "median_wait", "p95_wait", "p99_wait", "max_wait" };

/* The parse of a target's text, before it is checked against the cluster. */
typedef struct parsed {
	char metric[256];
	int op;
	double bound;
	char unit[8];
} parsed;

/* "METRIC OP NUMBER[UNIT]": 0, or -1 with what is wrong in why */
static int parse_target(const char *t, parsed *p, char *why, size_t len)
{
	size_t i = 0, m = 0;
	while (isspace((unsigned char)t[i]))
		i++;
	while (t[i] && (isalnum((unsigned char)t[i]) || strchr("_.-", t[i])) && m + 1 < sizeof p->metric)
		p->metric[m++] = t[i++];
	p->metric[m] = '\0';
	while (isspace((unsigned char)t[i]))
		i++;
	if (!m || !strchr("<>", t[i])) {
		snprintf(why, len, "'%s' is not METRIC OP BOUND (OP one of <=, >=, <, >; e.g. 'p95_wait <= 4h')", t);
		return -1;
	}
	int eq = t[i + 1] == '=';
	p->op = t[i] == '<' ? (eq ? CP_LE : CP_LT) : (eq ? CP_GE : CP_GT);
	i += 1 + (size_t)eq;
	char *end;
	p->bound = strtod(t + i, &end);
	if (end == t + i || !isfinite(p->bound)) {
		snprintf(why, len, "'%s': the bound is not a number", t);
		return -1;
	}
	size_t u = 0;
	while (isalpha((unsigned char)*end) && u + 1 < sizeof p->unit)
		p->unit[u++] = *end++;
	p->unit[u] = '\0';
	while (isspace((unsigned char)*end))
		end++;
	if (*end) {
		snprintf(why, len, "'%s': unexpected '%s' after the bound", t, end);
		return -1;
	}
	return 0;
}

/* kind of metric m on cluster cl, or -1 (with the metrics it could be in why) */
static int metric_kind(const char *m, const cs_cluster *cl, char *why, size_t len)
{
	for (size_t i = 0; i < sizeof global_metrics / sizeof *global_metrics; i++)
		if (!strcmp(m, global_metrics[i].name))
			return global_metrics[i].kind;
	char part[200], rest[200];
	for (int i = 0; i < cs_cluster_npartitions(cl); i++) {
		const char *pn = cs_cluster_partition_at(cl, i)->name;
		for (size_t w = 0; w < sizeof part_waits / sizeof *part_waits; w++) {
			snprintf(part, sizeof part, "partitions.%s.%s", pn, part_waits[w]);
			if (!strcmp(m, part))
				return K_DUR;
		}
		snprintf(rest, sizeof rest, "recorder.partitions.%s.utilization", pn);
		if (!strcmp(m, rest))
			return K_SHARE;
	}
	for (int i = 0; i < cs_cluster_nnode_types(cl); i++) {
		snprintf(rest, sizeof rest, "recorder.node_types.%s.utilization", cs_cluster_node_type_at(cl, i)->name);
		if (!strcmp(m, rest))
			return K_SHARE;
	}
	for (int i = 0; i < cs_cluster_nstorage(cl); i++)
		for (size_t k = 0; k < sizeof tier_metrics / sizeof *tier_metrics; k++) {
			snprintf(rest, sizeof rest, "storage.tiers.%s.%s", cs_cluster_storage_at(cl, i)->name,
				 tier_metrics[k]);
			if (!strcmp(m, rest))
				return K_TB;
		}
	size_t at = (size_t)snprintf(why, len, "unknown metric '%s', expected one of: ", m);
	for (size_t i = 0; i < sizeof global_metrics / sizeof *global_metrics && at < len; i++)
		at += (size_t)snprintf(why + at, len - at, "%s, ", global_metrics[i].name);
	if (at < len)
		snprintf(why + at, len - at, "partitions.P.{mean,median,p95,p99,max}_wait, recorder.partitions.P.utilization "
			 "recorder.node_types.T.utilization or storage.tiers.S.{used_end,peak,headroom}_tb (P a partition, T a "
			 "node type, S a storage tier of the cluster)");
	return -1;
}

/* The units a kind of metric takes, each as a multiple of the summary's
 * own (seconds, kW, kWh, TB); a bare number is the summary's unit. */
typedef struct unit {
	const char *name;
	double mul;
} unit;
static const unit dur_units[] = { { "", 1 }, { "s", 1 }, { "min", 60 }, { "h", 3600 }, { "d", 86400 }, { NULL, 0 } };
static const unit kw_units[] = { { "", 1 }, { "kW", 1 }, { "MW", 1e3 }, { NULL, 0 } };
static const unit kwh_units[] = { { "", 1 }, { "kWh", 1 }, { "MWh", 1e3 }, { "GWh", 1e6 }, { NULL, 0 } };
static const unit tb_units[] = { { "", 1 }, { "TB", 1 }, { "PB", 1e3 }, { NULL, 0 } };

/* A bound no run could meet, or a unit where none belongs: the message, or NULL */
static const char *impossible(const parsed *p, int kind, double *bound)
{
	static const struct {
		const unit *units;
		const char *bad;
	} by_kind[K_MONEY + 1] = {
		[K_DUR] = { dur_units, "unknown unit: expected s, min, h or d (a bare number is seconds)" },
		[K_KW] = { kw_units, "unknown unit: expected kW or MW (a bare number is kW)" },
		[K_KWH] = { kwh_units, "unknown unit: expected kWh, MWh or GWh (a bare number is kWh)" },
		[K_TB] = { tb_units, "unknown unit: expected TB or PB (a bare number is TB)" },
	};
	*bound = p->bound;
	const unit *u = by_kind[kind].units;
	if (!u) {
		if (*p->unit)
			return "a unit on a metric that has none (waits take s, min, h or d; powers kW or MW; energies "
			       "kWh, MWh or GWh; storage TB or PB)";
	} else {
		while (u->name && strcmp(u->name, p->unit))
			u++;
		if (!u->name)
			return by_kind[kind].bad;
		*bound = p->bound * u->mul;
	}
	if (kind == K_TB)
		return NULL; /* a headroom goes below 0 when a tier overflows */
	double lo = kind == K_SLOW ? 1 : 0, hi = kind == K_SHARE ? 1 : INFINITY;
	if ((p->op == CP_LE && *bound < lo) || (p->op == CP_LT && *bound <= lo))
		return kind == K_DUR	? "no wait is below 0: the bound can never be met"
		       : kind == K_SLOW ? "no slowdown is below 1: the bound can never be met"
		       : kind == K_SHARE ? "no share is below 0: the bound can never be met"
					 : "no power, energy or cost is below 0: the bound can never be met";
	if ((p->op == CP_GE && *bound > hi) || (p->op == CP_GT && *bound >= hi))
		return "no share is above 1: the bound can never be met";
	return NULL;
}

typedef struct loadctx {
	cs_capplan *p;
	json_t *targets, *search;
	double confidence;
} loadctx;

static int load_targets(cs_sweep *s, const cs_yfield *f, const cs_cluster *cl, loadctx *lc)
{
	int n = cs_yaml_need_list(&s->y, f, 1);
	if (n < 0)
		return n;
	if (n > CP_MAX_TARGETS)
		return cs_yaml_failv(&s->y, -CS_EINVAL, f, "%d targets, at most %d", n, CP_MAX_TARGETS);
	void *it = NULL;
	struct fy_node *node;
	int i = 0;
	while ((node = fy_node_sequence_iterate(f->val, &it))) {
		cs_yfield e;
		const char *text;
		cs_yaml_item(f, node, i++, &e);
		int rc = cs_yaml_str(&s->y, &e, &text);
		if (rc < 0)
			return rc;
		parsed pt;
		char why[2048];
		double bound;
		if (parse_target(text, &pt, why, sizeof why) < 0)
			return cs_yaml_failv(&s->y, -CS_EPARSE, &e, "%s", why);
		int kind = metric_kind(pt.metric, cl, why, sizeof why);
		if (kind < 0)
			return cs_yaml_failv(&s->y, -CS_EINVAL, &e, "%s", why);
		const char *bad = impossible(&pt, kind, &bound);
		if (bad)
			return cs_yaml_failv(&s->y, -CS_EINVAL, &e, "'%s': %s", text, bad);
		if (!strcmp(pt.metric, "reliability.goodput") && !cs_cluster_failures(cl))
			return cs_yaml_failv(&s->y, -CS_EINVAL, &e, "reliability.goodput needs a failure model: a cluster "
					     "config with failures: or checkpoints: (docs/failures.md)");
		if (!strncmp(pt.metric, "storage.", 8) && !cs_cluster_nstorage(cl))
			return cs_yaml_failv(&s->y, -CS_EINVAL, &e, "%s needs storage: the cluster config has no storage "
					     "tiers (docs/storage.md)", pt.metric);
		if (!strcmp(pt.metric, "grants.delivery") && !s->accounts_text)
			return cs_yaml_failv(&s->y, -CS_EINVAL, &e, "grants.delivery needs grants: give accounts (generate, "
					     "or an accounts file with grants)");
		int line = 0, col = 0;
		cs_yaml_where(e.val, &line, &col);
		char where[4400];
		snprintf(where, sizeof where, "%s:%d:%d: %s", s->path, line, col, e.path);
		json_array_append_new(lc->targets,
				      json_pack("{s:s, s:s, s:s, s:f, s:b, s:s, s:s}", "text", text, "metric", pt.metric, "op",
						cp_op_names[pt.op], "bound", bound, "duration", kind == K_DUR, "unit",
						kind == K_KW ? "kW" : kind == K_KWH ? "kWh" : kind == K_TB ? "TB" : "", "where", where));
		cs_sweep_hash_add(s, pt.metric, strlen(pt.metric) + 1);
		cs_sweep_hash_add(s, &pt.op, sizeof pt.op);
		cs_sweep_hash_add(s, &bound, sizeof bound);
	}
	return 0;
}

/* search: {type: T, min: N, max: M}: the counts the cluster can take;
 * the scale axis, TYPE:=N for N = min..max */
static int load_search(cs_sweep *s, const cs_yfield *f, const cs_cluster *cl, loadctx *lc)
{
	static const char *const keys[] = { "type", "min", "max", "step", NULL };
	cs_yfield ft, fmin, fmax, fstep;
	const char *type;
	int64_t mn, mx, step = 1;
	int rc;
	if ((rc = cs_yaml_need_map(&s->y, f)) < 0 || (rc = cs_yaml_check_keys(&s->y, f->val, f->path, s->what, keys)) < 0 ||
	    (rc = cs_yaml_field(&s->y, f->val, f->key, f->path, "type", 1, &ft)) < 0 ||
	    (rc = cs_yaml_str(&s->y, &ft, &type)) < 0)
		return rc;
	int ti = cs_cluster_node_type_find(cl, type);
	if (ti < 0) {
		char list[1024] = "";
		for (int i = 0; i < cs_cluster_nnode_types(cl); i++)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
				 cs_cluster_node_type_at(cl, i)->name);
		return cs_yaml_failv(&s->y, -CS_EINVAL, &ft, "no node type '%s' in cluster %s (it has: %s)", type,
				     cs_cluster_name(cl), list);
	}
	if ((rc = cs_yaml_field(&s->y, f->val, f->key, f->path, "min", 1, &fmin)) < 0 ||
	    (rc = cs_yaml_i64(&s->y, &fmin, 0, CS_CLUSTER_SCALE_MAX_NODES, &mn)) < 0 ||
	    (rc = cs_yaml_field(&s->y, f->val, f->key, f->path, "max", 1, &fmax)) < 0 ||
	    (rc = cs_yaml_i64(&s->y, &fmax, 0, CS_CLUSTER_SCALE_MAX_NODES, &mx)) < 0)
		return rc;
	if (mn > mx)
		return cs_yaml_failv(&s->y, -CS_EINVAL, &fmax, "empty range: max %lld is below min %lld", (long long)mx,
				     (long long)mn);
	if (cs_yaml_field(NULL, f->val, NULL, f->path, "step", 0, &fstep) &&
	    (rc = cs_yaml_i64(&s->y, &fstep, 1, CS_CLUSTER_SCALE_MAX_NODES, &step)) < 0)
		return rc;
	if ((mx - mn) % step)
		return cs_yaml_failv(&s->y, -CS_EINVAL, &fmax, "max - min = %lld is not a multiple of step %lld: the counts "
				     "searched are min, min + step, ..., max", (long long)(mx - mn), (long long)step);
	/* the ends: what the cluster cannot take at one end it cannot in between */
	const cs_yfield *ends[2] = { &fmin, &fmax };
	int64_t counts[2] = { mn, mx };
	for (int e = 0; e < 2; e++) {
		char text[256], e2[CS_ERRLEN];
		cs_cluster_scale_spec spec;
		cs_cluster *sc;
		snprintf(text, sizeof text, "%s:=%lld", type, (long long)counts[e]);
		if ((rc = cs_cluster_scale_parse(text, &spec, e2, sizeof e2)) < 0 ||
		    (rc = cs_cluster_scale(cl, &spec, &sc, e2, sizeof e2)) < 0)
			return cs_yaml_failv(&s->y, rc, ends[e], "%s", e2);
		cs_cluster_free(sc);
	}
	size_t n = (size_t)(mx - mn + 1);
	if (n > CS_SWEEP_MAX_POINTS)
		return cs_yaml_failv(&s->y, -CS_EINVAL, &fmax, "%zu counts, at most %d", n, CS_SWEEP_MAX_POINTS);
	const char **axis = cs_sweep_own(s, calloc(n, sizeof *axis));
	if (!axis)
		return cs_yaml_oom(&s->y);
	for (size_t i = 0; i < n; i++) {
		char text[256];
		snprintf(text, sizeof text, "%s:=%lld", type, (long long)(mn + (int64_t)i));
		if (!(axis[i] = cs_sweep_own_str(s, text)))
			return cs_yaml_oom(&s->y);
	}
	s->scale_text = axis;
	s->nscales = n;
	cs_sweep_hash_add(s, type, strlen(type) + 1);
	cs_sweep_hash_add(s, &mn, sizeof mn);
	cs_sweep_hash_add(s, &mx, sizeof mx);
	cs_sweep_hash_add(s, &step, sizeof step);
	/* the figures of the results: the type's and the rest's cost and power */
	const cs_cluster_node_type *nt = cs_cluster_node_type_at(cl, ti);
	double other_peak = 0, other_cost = 0;
	for (int i = 0; i < cs_cluster_nnode_types(cl); i++)
		if (i != ti) {
			other_peak += cs_cluster_node_type_at(cl, i)->count * cs_cluster_node_type_at(cl, i)->peak_w;
			other_cost += cs_cluster_node_type_at(cl, i)->count * cs_cluster_node_type_at(cl, i)->cost;
		}
	const cs_cluster_site *site = cs_cluster_site_info(cl);
	lc->search = json_pack("{s:s, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:s}", "type", type, "min",
			       (json_int_t)mn, "max", (json_int_t)mx, "step", (json_int_t)step, "cost_per_node", nt->cost, "idle_w", nt->idle_w,
			       "peak_w", nt->peak_w, "other_peak_w", other_peak, "other_cost", other_cost, "pue", site->pue,
			       "energy_price_per_kwh", site->energy_price_per_kwh, "currency", site->currency);
	return lc->search ? 0 : cs_yaml_oom(&s->y);
}

static int load_ext(cs_sweep *s, struct fy_node *root, const cs_cluster *cl, void *ctx)
{
	loadctx *lc = ctx;
	cs_yfield f;
	int rc;
	if ((rc = cs_yaml_field(&s->y, root, NULL, "", "search", 1, &f)) < 0 || (rc = load_search(s, &f, cl, lc)) < 0)
		return rc;
	if ((rc = cs_yaml_field(&s->y, root, NULL, "", "targets", 1, &f)) < 0 || (rc = load_targets(s, &f, cl, lc)) < 0)
		return rc;
	lc->confidence = 0.95;
	if (cs_yaml_field(NULL, root, NULL, "", "confidence", 0, &f)) {
		if ((rc = cs_yaml_num(&s->y, &f, 0, 1, 1, &lc->confidence)) < 0)
			return rc;
		if (lc->confidence >= 1)
			return cs_yaml_failv(&s->y, -CS_EINVAL, &f, "expected a level in (0, 1), e.g. 0.95, got 1");
	}
	cs_sweep_hash_add(s, &lc->confidence, sizeof lc->confidence);
	return 0;
}

/* plan-spec.json: what the results need, from the loaded spec */
static json_t *spec_json(const cs_sweep *s, const loadctx *lc)
{
	json_t *lev = json_array(), *pol = json_array(), *seeds = json_array();
	for (size_t w = 0; w < s->nwork; w++)
		json_array_append_new(lev, json_pack("{s:s, s:f, s:f}", "label", s->work_label[w], "projects_scale",
						     s->pscale[w % s->npscale], "load_scale", s->lscale[w / s->npscale]));
	for (size_t i = 0; i < s->npol; i++)
		json_array_append_new(pol, json_string(s->pol[i].label));
	for (size_t i = 0; i < s->nseeds; i++)
		json_array_append_new(seeds, json_integer((json_int_t)s->seeds[i]));
	return json_pack("{s:i, s:s, s:s, s:O, s:o, s:o, s:o, s:O, s:f}", "capsim_plan", 1, "spec_hash", s->hash,
			 "cluster", s->cluster_text, "search", lc->search, "levels", lev, "policies", pol, "seeds", seeds,
			 "targets", lc->targets, "confidence", lc->confidence);
}

int cs_capplan_load(cs_capplan **out, const char *path, char *err, size_t errlen)
{
	static const char *const keys[] = { "cluster", "workload", "accounts", "policies", "seeds", "search", "targets",
					    "confidence", NULL };
	*out = NULL;
	cs_capplan *p = calloc(1, sizeof *p);
	loadctx lc = { .p = p, .targets = json_array() };
	cs_sweep_ext ext = { .what = "plan spec", .noun = "plan", .one = "--search", .keys = keys, .load = load_ext,
			     .ctx = &lc };
	if (!p || !lc.targets) {
		free(p);
		json_decref(lc.targets);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	int rc = cs_sweep_load_ext(&p->s, path, &ext, err, errlen);
	if (rc == 0 && !(p->spec = spec_json(p->s, &lc))) {
		snprintf(err, errlen, "out of memory");
		rc = -CS_ENOMEM;
	}
	if (rc == 0)
		rc = cp_def_parse(&p->d, p->spec, err, errlen);
	json_decref(lc.targets);
	json_decref(lc.search);
	if (rc < 0) {
		cs_capplan_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

void cs_capplan_free(cs_capplan *p)
{
	if (!p)
		return;
	cs_sweep_free(p->s);
	json_decref(p->d.json);
	json_decref(p->spec);
	free(p);
}

size_t cs_capplan_nsearches(const cs_capplan *p) { return p->d.nlev * p->d.npol * p->d.nseed; }
int cs_capplan_in_shard(size_t k, size_t i, size_t n) { return k % n == i - 1; }

size_t cp_point(const cp_def *d, int64_t c, size_t k)
{
	/* k = (level * P + policy) * S + seed; the sweep's point puts the
	 * scale (the count) outermost */
	size_t seed = k % d->nseed, lp = k / d->nseed;
	return (((size_t)(c - d->min) * d->nlev + lp / d->npol) * d->npol + lp % d->npol) * d->nseed + seed;
}

int cs_capplan_dir_check(const cs_capplan *p, const char *dir, char *err, size_t errlen)
{
	return cs_sweep_dir_check(p->s, dir, err, errlen);
}

int cs_capplan_dir_prepare(const cs_capplan *p, const char *dir, int *lock_fd, char *err, size_t errlen)
{
	int rc = cs_sweep_dir_prepare(p->s, dir, lock_fd, err, errlen);
	if (rc < 0)
		return rc;
	char path[4200];
	snprintf(path, sizeof path, "%s/plan-spec.json", dir);
	return cs_sweep_dump_atomic(p->spec, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17), err,
				    errlen);
}

/* ---- plan-spec.json read back ---- */

static int bad(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "plan-spec.json: %s missing or malformed: not a plan's results directory?", what);
	return -CS_EINVAL;
}

static double num_of(json_t *o, const char *k) { return json_number_value(json_object_get(o, k)); }

int cp_def_parse(cp_def *d, json_t *j, char *err, size_t errlen)
{
	memset(d, 0, sizeof *d);
	json_t *se = json_object_get(j, "search"), *lev = json_object_get(j, "levels"), *pol = json_object_get(j, "policies"),
	       *seeds = json_object_get(j, "seeds"), *tg = json_object_get(j, "targets");
	d->hash = json_string_value(json_object_get(j, "spec_hash"));
	d->cluster = json_string_value(json_object_get(j, "cluster"));
	d->type = json_string_value(json_object_get(se, "type"));
	if (!d->hash || !d->cluster || !d->type)
		return bad(err, errlen, "spec_hash, cluster or search.type");
	d->min = json_integer_value(json_object_get(se, "min"));
	d->max = json_integer_value(json_object_get(se, "max"));
	d->step = json_integer_value(json_object_get(se, "step"));
	d->nlev = json_array_size(lev), d->npol = json_array_size(pol), d->nseed = json_array_size(seeds);
	d->nt = json_array_size(tg);
	if (d->min < 0 || d->max < d->min || d->step < 1 || (d->max - d->min) % d->step || !d->nlev || d->nlev > 1000 || !d->npol || d->npol > 1000 || !d->nseed ||
	    d->nseed > 1000 || !d->nt || d->nt > CP_MAX_TARGETS)
		return bad(err, errlen, "search, levels, policies, seeds or targets");
	for (size_t i = 0; i < d->nlev; i++)
		if (!(d->lev_label[i] = json_string_value(json_object_get(json_array_get(lev, i), "label"))))
			return bad(err, errlen, "levels");
	for (size_t i = 0; i < d->npol; i++)
		if (!(d->pol_label[i] = json_string_value(json_array_get(pol, i))))
			return bad(err, errlen, "policies");
	for (size_t i = 0; i < d->nseed; i++)
		d->seed[i] = (uint64_t)json_integer_value(json_array_get(seeds, i));
	for (size_t i = 0; i < d->nt; i++) {
		json_t *t = json_array_get(tg, i);
		cp_target *x = &d->t[i];
		x->text = json_string_value(json_object_get(t, "text"));
		x->metric = json_string_value(json_object_get(t, "metric"));
		x->where = json_string_value(json_object_get(t, "where"));
		const char *op = json_string_value(json_object_get(t, "op"));
		x->op = -1;
		for (int o = 0; op && o < 4; o++)
			if (!strcmp(op, cp_op_names[o]))
				x->op = o;
		x->bound = num_of(t, "bound");
		x->duration = json_is_true(json_object_get(t, "duration"));
		x->unit = json_string_value(json_object_get(t, "unit"));
		if (!x->unit)
			x->unit = "";
		if (!x->text || !x->metric || !x->where || x->op < 0)
			return bad(err, errlen, "targets");
	}
	d->confidence = num_of(j, "confidence");
	d->cost = num_of(se, "cost_per_node");
	d->idle_w = num_of(se, "idle_w");
	d->peak_w = num_of(se, "peak_w");
	d->other_peak_w = num_of(se, "other_peak_w");
	d->other_cost = num_of(se, "other_cost");
	d->pue = num_of(se, "pue");
	d->price = num_of(se, "energy_price_per_kwh");
	d->currency = json_string_value(json_object_get(se, "currency"));
	if (!(d->confidence > 0 && d->confidence < 1) || !d->currency)
		return bad(err, errlen, "confidence or search.currency");
	d->json = json_incref(j);
	return 0;
}
