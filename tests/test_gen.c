/* The workload generator (sim/gen.c), its model files (sim/gen_model.c)
 * and the accounts tree of a generated trace (sim/gen_accounts.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/accounts.h"
#include "capsim/cluster.h"
#include "capsim/gen.h"
#include "capsim/native.h"
#include "capsim/topo.h"
#include "capsim/wstats.h"
#include "helpers.h"

static cs_gen_model *default_model(void)
{
	cs_gen_model *m;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_gen_model_load(&m, NULL, err, sizeof err), 0, "%s", err);
	return m;
}

static void gen(const cs_gen_model *m, uint64_t seed, int days, double scale, cs_trace *t)
{
	char err[CS_ERRLEN] = "";
	cs_trace_init(t);
	cr_assert_eq(cs_gen_generate(m, seed, days, scale, t, err, sizeof err), 0, "%s", err);
}

/* The native CSV of a trace, in memory. */
static char *native_text(const cs_trace *t, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	cr_assert(f);
	cr_assert_eq(cs_native_write(t, f), 0);
	fclose(f);
	return buf;
}

Test(gen, same_seed_gives_the_same_bytes_and_another_seed_differs)
{
	cs_gen_model *m = default_model();
	cs_trace a, b, c;
	gen(m, 7, 20, 1.0, &a);
	gen(m, 7, 20, 1.0, &b);
	gen(m, 8, 20, 1.0, &c);
	size_t la, lb, lc;
	char *ta = native_text(&a, &la), *tb = native_text(&b, &lb), *tc = native_text(&c, &lc);
	cr_assert_gt(a.n, 1000);
	cr_assert_eq(la, lb);
	cr_assert_eq(memcmp(ta, tb, la), 0);
	cr_assert(la != lc || memcmp(ta, tc, la) != 0);
	cr_assert_str_eq(cs_trace_meta_get(&a, "generator"), "capsim");
	cr_assert_str_eq(cs_trace_meta_get(&a, "model"), "<built-in>");
	cr_assert_str_eq(cs_trace_meta_get(&a, "seed"), "7");
	cr_assert_str_eq(cs_trace_meta_get(&a, "days"), "20");
	cr_assert_str_eq(cs_trace_meta_get(&a, "projects_scale"), "1");
	free(ta), free(tb), free(tc);
	cs_trace_free(&a), cs_trace_free(&b), cs_trace_free(&c);
	cs_gen_model_free(m);
}

/* A copy (cs_trace_copy, which a plan's search uses for each count) is the
 * same records with the same name indices and metadata, its own memory. */
Test(gen, a_copy_of_a_trace_is_the_same_trace_on_its_own)
{
	cs_gen_model *m = default_model();
	cs_trace a, b;
	gen(m, 7, 5, 1.0, &a);
	cs_trace_init(&b);
	cr_assert_eq(cs_trace_copy(&b, &a), 0);
	cr_assert_eq(b.n, a.n);
	cr_assert_eq(memcmp(a.jobs, b.jobs, a.n * sizeof *a.jobs), 0);
	cr_assert_eq(b.epoch, a.epoch);
	const cs_names *na[] = { &a.projects, &a.users, &a.qos, &a.partitions, &a.tiers, &a.meta_keys, &a.meta_vals };
	const cs_names *nb[] = { &b.projects, &b.users, &b.qos, &b.partitions, &b.tiers, &b.meta_keys, &b.meta_vals };
	for (size_t l = 0; l < sizeof na / sizeof *na; l++) {
		cr_assert_eq(nb[l]->n, na[l]->n, "name list %zu", l);
		for (size_t i = 0; i < na[l]->n; i++)
			cr_assert_str_eq(nb[l]->v[i], na[l]->v[i]);
	}
	cr_assert_gt(a.projects.n, 100);
	cr_assert_gt(a.meta_keys.n, 3);
	cr_assert_eq(cs_names_find(&b.users, a.users.v[a.users.n - 1]), (int32_t)a.users.n - 1);
	size_t la, lb;
	char *ta = native_text(&a, &la);
	cs_trace_free(&a);
	char *tb = native_text(&b, &lb);
	cr_assert_eq(la, lb);
	cr_assert_eq(memcmp(ta, tb, la), 0);
	free(ta), free(tb);
	cs_trace_free(&b);
	cs_gen_model_free(m);
}

/* Every job fits the built-in cluster: partition, GPUs and cores per node,
 * memory, node count, time limit; run time within the limit; sorted. */
Test(gen, every_job_fits_the_default_cluster)
{
	cs_gen_model *m = default_model();
	cs_cluster *c;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_cluster_load_default(&c, err, sizeof err), 0, "%s", err);
	cs_trace t;
	gen(m, 3, 60, 1.0, &t);
	for (size_t i = 0; i < t.n; i++) {
		const cs_jrec *r = &t.jobs[i];
		const char *pn = cs_names_get(&t.partitions, r->partition);
		const cs_cluster_partition *p = NULL;
		for (int k = 0; k < cs_cluster_npartitions(c); k++)
			if (!strcmp(cs_cluster_partition_at(c, k)->name, pn))
				p = cs_cluster_partition_at(c, k);
		cr_assert(p, "job %zu: partition '%s' not in the cluster", i, pn);
		int nodes = 0, fits_node = 0;
		for (int k = 0; k < p->nnode_types; k++) {
			const cs_cluster_node_type *nt = cs_cluster_node_type_at(c, p->node_types[k]);
			nodes += nt->count;
			fits_node |= (int)r->gpus_per_node <= nt->gpus && (int)r->cores_per_node <= cs_topo_ncores(nt->topo) &&
				     (double)r->mem_per_node_mib <= nt->memory_gib * 1024;
		}
		cr_assert(fits_node, "job %zu does not fit a node of %s", i, pn);
		cr_assert(r->nodes >= 1 && (int)r->nodes <= nodes, "job %zu: %u nodes", i, r->nodes);
		cr_assert(r->time_limit_s >= 1 && r->time_limit_s <= p->max_time_s);
		cr_assert(r->runtime_s >= 1 && r->runtime_s <= r->time_limit_s);
		cr_assert(r->state == CS_STATE_TIMEOUT ? r->runtime_s == r->time_limit_s : 1);
		cr_assert(r->state == CS_STATE_COMPLETED || r->state == CS_STATE_FAILED ||
			  r->state == CS_STATE_CANCELLED || r->state == CS_STATE_TIMEOUT);
		cr_assert(r->project >= 0 && r->user >= 0 && r->qos >= 0);
		cr_assert_eq(r->id, (int64_t)i + 1);
		cr_assert(i == 0 || t.jobs[i - 1].submit_s <= r->submit_s);
		cr_assert(r->submit_s >= 0 && r->submit_s < 60 * 86400);
	}
	cs_trace_free(&t);
	cs_cluster_free(c);
	cs_gen_model_free(m);
}

/* A year of the default model meets every target within its tolerance. */
Test(gen, a_year_of_the_default_model_meets_every_target)
{
	cs_gen_model *m = default_model();
	cs_cluster *c;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_cluster_load_default(&c, err, sizeof err), 0, "%s", err);
	cs_trace t;
	gen(m, 1, 365, 1.0, &t);
	const cs_gen_spec *s = cs_gen_model_spec(m);
	cr_assert_geq(s->ntargets, 20);
	for (int i = 0; i < s->ntargets; i++) {
		const cs_gen_target *g = &s->targets[i];
		double v;
		cr_assert_eq(cs_wstats_metric(&t, c, m, g->metric, g->partition, g->qos, &v, err, sizeof err), 0, "%s",
			     err);
		cr_assert_leq(fabs(v - g->value), g->tol + 1e-9, "%s [%s %s]: measured %g, target %g +- %g", g->metric,
			      g->partition ? g->partition : "", g->qos ? g->qos : "", v, g->value, g->tol);
	}
	cs_trace_free(&t);
	cs_cluster_free(c);
	cs_gen_model_free(m);
}

Test(gen, doubling_the_projects_doubles_jobs_and_active_projects)
{
	cs_gen_model *m = default_model();
	cs_trace a, b;
	gen(m, 5, 60, 1.0, &a);
	gen(m, 5, 60, 2.0, &b);
	char err[CS_ERRLEN];
	double pa, pb;
	cr_assert_eq(cs_wstats_metric(&a, NULL, m, "active_projects", NULL, NULL, &pa, err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_wstats_metric(&b, NULL, m, "active_projects", NULL, NULL, &pb, err, sizeof err), 0, "%s", err);
	cr_assert_float_eq((double)b.n / (double)a.n, 2.0, 0.1);
	cr_assert_float_eq(pb / pa, 2.0, 0.2);
	cr_assert_str_eq(cs_trace_meta_get(&b, "projects_scale"), "2");
	cs_trace_free(&a), cs_trace_free(&b);
	cs_gen_model_free(m);
}

Test(gen, rejects_bad_arguments)
{
	cs_gen_model *m = default_model();
	cs_trace t;
	char err[CS_ERRLEN];
	cs_trace_init(&t);
	cr_assert_eq(cs_gen_generate(m, 1, 0, 1.0, &t, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "days"), "%s", err);
	cr_assert_eq(cs_gen_generate(m, 1, 10, 0.0, &t, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "scale"), "%s", err);
	cr_assert_eq(t.n, 0);
	cs_trace_free(&t);
	cs_gen_model_free(m);
}

/* A year of the default model has about 2,200 projects with jobs (the
 * site's figure) and their users, and fewer at once. */
Test(gen, a_year_has_about_2200_projects_with_jobs)
{
	cs_gen_model *m = default_model();
	cs_trace t;
	gen(m, 1, 365, 1.0, &t);
	char err[CS_ERRLEN] = "";
	double np, upp, act;
	cr_assert_eq(cs_wstats_metric(&t, NULL, m, "projects", NULL, NULL, &np, err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_wstats_metric(&t, NULL, m, "users_per_project", NULL, NULL, &upp, err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_wstats_metric(&t, NULL, m, "active_projects", NULL, NULL, &act, err, sizeof err), 0, "%s", err);
	cr_assert(np >= 2090 && np <= 2310, "%g projects", np);
	cr_assert_eq((size_t)np, t.projects.n); /* a generated trace names only projects with jobs */
	cr_assert(upp > 2 && upp < 3.2, "%g users per project", upp);
	cr_assert(act > 700 && act < 1100, "%g active at once", act);
	const cs_gen_spec *s = cs_gen_model_spec(m);
	int found = 0;
	for (int i = 0; i < s->ntargets; i++)
		if (!strcmp(s->targets[i].metric, "projects")) {
			found = 1;
			cr_assert_float_eq(s->targets[i].value, 2200, 1e-9);
		}
	cr_assert(found, "the model has no projects target");
	cs_trace_free(&t);
	cs_gen_model_free(m);
}

/* A 30-day window of the default model keeps the tolerances docs/gen.md
 * states for windows (measured over 48 windows of seeds 1-4): the year's
 * for most targets, wider ones for the per-partition loads, the top 10 %
 * share, the weekend share and training run times; a month's own figures
 * for the project counts. */
Test(gen, a_30_day_window_keeps_the_window_tolerances)
{
	static const struct {
		const char *metric, *partition, *qos;
		double value, tol;
	} win[] = {
		{ "jobs", NULL, NULL, 355000 * 30 / 365.0, 355000 * 30 / 365.0 * 0.035 },
		{ "projects", NULL, NULL, 975, 65 },
		{ "users_per_project", NULL, NULL, 2.07, 0.2 },
		{ "active_projects", NULL, NULL, 585, 60 },
		{ "runtime_p50", NULL, "high", 24000, 4100 },
		{ "load", "h100", NULL, 0.8, 0.14 },
		{ "load", "a100", NULL, 0.8, 0.2 },
		{ "load", "t4", NULL, 0.7, 0.05 },
		{ "load", "ipu", NULL, 0.7, 0.08 },
		{ "load", "cpu", NULL, 0.8, 0.12 },
		{ "top10pct_projects_share", NULL, NULL, 0.75, 0.09 },
		{ "weekend_share", NULL, NULL, 0.17, 0.04 },
	};
	cs_gen_model *m = default_model();
	cs_cluster *c;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_cluster_load_default(&c, err, sizeof err), 0, "%s", err);
	cs_trace t;
	gen(m, 1, 90, 1.0, &t);
	cr_assert_eq(cs_wstats_window(&t, 30 * 86400, 60 * 86400, err, sizeof err), 0, "%s", err);
	const cs_gen_spec *s = cs_gen_model_spec(m);
	for (int i = 0; i < s->ntargets; i++) {
		const cs_gen_target *g = &s->targets[i];
		double value = g->value, tol = g->tol, v;
		for (size_t k = 0; k < sizeof win / sizeof *win; k++)
			if (!strcmp(win[k].metric, g->metric) && !g->partition == !win[k].partition &&
			    (!g->partition || !strcmp(g->partition, win[k].partition)) && !g->qos == !win[k].qos &&
			    (!g->qos || !strcmp(g->qos, win[k].qos)))
				value = win[k].value, tol = win[k].tol;
		cr_assert_eq(cs_wstats_metric(&t, c, m, g->metric, g->partition, g->qos, &v, err, sizeof err), 0, "%s", err);
		cr_assert_leq(fabs(v - value), tol + 1e-9, "%s [%s %s]: measured %g in days 30-60, window target %g +- %g",
			      g->metric, g->partition ? g->partition : "", g->qos ? g->qos : "", v, value, tol);
	}
	cs_trace_free(&t);
	cs_cluster_free(c);
	cs_gen_model_free(m);
}

/* ---- the accounts tree ---- */

/* The accounts file of a generated trace, in memory. */
static char *accounts_text(const cs_gen_model *m, const cs_trace *t, const cs_gen_project *pr)
{
	char *buf = NULL, err[CS_ERRLEN] = "";
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	cr_assert(f);
	cr_assert_eq(cs_gen_accounts_write(f, m, t, pr, NULL, NULL, err, sizeof err), 0, "%s", err);
	fclose(f);
	return buf;
}

/* Every project of the trace sits under an organisation under its type,
 * with its users; the reader accepts the file. */
Test(gen_accounts, every_project_and_user_is_in_the_tree)
{
	cs_gen_model *m = default_model();
	const cs_gen_spec *s = cs_gen_model_spec(m);
	cs_trace t, u;
	cs_gen_project *pr;
	char err[CS_ERRLEN] = "";
	cs_trace_init(&t);
	cr_assert_eq(cs_gen_generate_projects(m, 4, 30, 1.0, &t, &pr, err, sizeof err), 0, "%s", err);
	gen(m, 4, 30, 1.0, &u); /* the same trace without the table */
	size_t la, lb;
	char *ta = native_text(&t, &la), *tb = native_text(&u, &lb);
	cr_assert(la == lb && !memcmp(ta, tb, la));
	free(ta), free(tb);
	char *text = accounts_text(m, &t, pr);
	/* users per project, counted from the jobs */
	size_t pairs = 0;
	uint8_t *seen = calloc(t.projects.n * t.users.n, 1);
	for (size_t i = 0; i < t.n; i++) {
		size_t k = (size_t)t.jobs[i].project * t.users.n + (size_t)t.jobs[i].user;
		pairs += !seen[k];
		seen[k] = 1;
	}
	free(seen);
	char want[64];
	for (size_t p = 0; p < t.projects.n; p++) {
		cr_assert(pr[p].type >= 0 && pr[p].type < s->norgs && pr[p].org >= 0);
		cr_assert(pr[p].weight > 0 && pr[p].end_day > pr[p].start_day && pr[p].renewals >= 0);
		snprintf(want, sizeof want, "\n          - name: %s\n", t.projects.v[p]);
		cr_assert(strstr(text, want), "project %s is not at depth 3", t.projects.v[p]);
	}
	int types = 0, orgs = 0, projects = 0, users = 0;
	for (const char *c = text; (c = strchr(c, '\n')); c++) {
		types += !strncmp(c, "\n  - name: ", 11);
		orgs += !strncmp(c, "\n      - name: ", 15);
		projects += !strncmp(c, "\n          - name: ", 19);
		users += !strncmp(c, "\n              - {name: ", 24);
	}
	cr_assert_eq(types, s->norgs);
	cr_assert_gt(orgs, 100);
	cr_assert_eq((size_t)projects, t.projects.n);
	cr_assert_eq((size_t)users, pairs);
	cs_accounts *a;
	cr_assert_eq(cs_accounts_load_text(&a, text, strlen(text), "gen.yaml", err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_accounts_nnodes(a), 1 + (uint32_t)(types + orgs + projects + users));
	cs_accounts_free(a);
	free(text);
	free(pr);
	cs_trace_free(&t), cs_trace_free(&u);
	cs_gen_model_free(m);
}

/* ---- model files ---- */

/* The default model's text with `from` replaced by `to` (first occurrence). */
static char *patched(const char *from, const char *to)
{
	size_t len;
	const char *s = cs_gen_default_text(&len);
	const char *at = strstr(s, from);
	cr_assert(at, "'%s' not in the default model", from);
	size_t a = (size_t)(at - s), nf = strlen(from), nt = strlen(to);
	char *o = malloc(len - nf + nt + 1);
	memcpy(o, s, a);
	memcpy(o + a, to, nt);
	memcpy(o + a + nt, at + nf, len - a - nf + 1);
	return o;
}

/* Load a patched default model; expect rc and "FILE:LINE:COL: key: ..." with
 * the given line, key and reason. */
static void expect_error(const char *from, const char *to, int rc, int line, const char *key, const char *reason)
{
	char *text = patched(from, to);
	char *path = th_write_tmp(text, ".yaml");
	cs_gen_model *m;
	char err[CS_ERRLEN] = "", want[256];
	cr_assert_eq(cs_gen_model_load(&m, path, err, sizeof err), rc, "%s", err);
	cr_assert_null(m);
	snprintf(want, sizeof want, "%s:%d:", path, line);
	cr_assert(!strncmp(err, want, strlen(want)), "'%s' does not start with '%s'", err, want);
	snprintf(want, sizeof want, ": %s: ", key);
	cr_assert(strstr(err, want), "'%s' has no '%s'", err, want);
	cr_assert(strstr(err, reason), "'%s' has no '%s'", err, reason);
	char *colon = err + strlen(path) + 1;
	cr_assert(strtol(colon, &colon, 10) == line && *colon == ':' && strtol(colon + 1, NULL, 10) >= 1);
	th_unlink(path);
	free(text);
}

static int line_of(const char *needle)
{
	const char *s = cs_gen_default_text(NULL), *at = strstr(s, needle);
	cr_assert(at);
	int line = 1;
	for (const char *p = s; p < at; p++)
		line += *p == '\n';
	return line;
}

/* A model whose organisation type is named like a project cannot make a
 * tree the reader would refuse: a clear error instead. */
Test(gen_accounts, a_type_named_like_a_project_is_an_error)
{
	char *text = patched("  - {type: university,", "  - {type: p0001,");
	char *path = th_write_tmp(text, ".yaml");
	cs_gen_model *m;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_gen_model_load(&m, path, err, sizeof err), 0, "%s", err);
	cs_trace t;
	cs_gen_project *pr;
	cs_trace_init(&t);
	cr_assert_eq(cs_gen_generate_projects(m, 1, 10, 1.0, &t, &pr, err, sizeof err), 0, "%s", err);
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_eq(cs_gen_accounts_write(f, m, &t, pr, NULL, NULL, err, sizeof err), -CS_EINVAL);
	fclose(f);
	cr_assert(strstr(err, "organisation type 'p0001' has the name of another account"), "%s", err);
	free(buf), free(pr), free(text);
	cs_trace_free(&t);
	cs_gen_model_free(m);
	th_unlink(path);
}

Test(gen_model, the_default_and_the_file_agree)
{
	char path[1024], err[CS_ERRLEN] = "";
	snprintf(path, sizeof path, "%s/configs/workloads/ai-dc-2200.yaml", th_root());
	cs_gen_model *m;
	cr_assert_eq(cs_gen_model_load(&m, path, err, sizeof err), 0, "%s", err);
	const cs_gen_spec *s = cs_gen_model_spec(m);
	cr_assert_str_eq(s->name, "ai-dc-2200");
	cr_assert_eq(s->nparts, 5);
	cr_assert_eq(s->nclasses, 7);
	cr_assert_str_eq(cs_gen_model_path(m), path);
	char *text = th_slurp(path, NULL);
	cr_assert_str_eq(text, cs_gen_default_text(NULL));
	free(text);
	cs_gen_model_free(m);
}

Test(gen_model, unknown_key)
{
	expect_error("  weight_sigma: 1.9", "  weight_sigma: 1.9\n  colour: blue", -CS_EPARSE, line_of("  weight_sigma: 1.9") + 1,
		     "projects.colour", "unknown key");
}

Test(gen_model, wrong_type)
{
	expect_error("  per_year: 2370", "  per_year: lots", -CS_EPARSE, line_of("  per_year: 2370"), "projects.per_year",
		     "expected an integer");
	expect_error("  per_year: 2370", "  per_year: [1, 2]", -CS_EPARSE, line_of("  per_year: 2370"),
		     "projects.per_year", "expected an integer");
	expect_error("  users: {1: 90,", "  users: {one: 90,", -CS_EPARSE, line_of("  users: {1: 90,"),
		     "projects.users.one", "expected an integer");
}

Test(gen_model, negative_and_impossible_values)
{
	expect_error("    failed: 0.33", "    failed: -0.1", -CS_EINVAL, line_of("    failed: 0.33"), "classes[0].failed",
		     "must be >= 0");
	expect_error("    load: 0.8\n    mix: {dev: 0.40", "    load: 2\n    mix: {dev: 0.40", -CS_EINVAL,
		     line_of("    load: 0.8\n    mix: {dev: 0.40"), "partitions[0].load", "must be <= 1.5");
	/* 512 GPUs do not fit the ipu partition's 32 x 4 */
	expect_error("    gpus: {1: 0.40, 2: 0.15, 4: 0.25, 8: 0.12, 16: 0.08}", "    gpus: {1: 0.40, 512: 0.60}",
		     -CS_EINVAL, line_of("    mix: {dev: 0.25, ipu: 0.75}"), "partitions[3].mix", "do not fit");
}

Test(gen_model, projects_give_exactly_one_of_per_year_and_active)
{
	expect_error("  per_year: 2370", "  per_year: 2370\n  active: 900", -CS_EPARSE, line_of("  per_year: 2370") + 1,
		     "projects", "give exactly one of per_year, active");
	expect_error("  per_year: 2370\n", "", -CS_EPARSE, line_of("  lifetime_days:") - 1, "projects",
		     "give exactly one of per_year, active");
}

Test(gen_model, renewals_and_organisations)
{
	expect_error("  renewal: {share: 0.3,", "  renewal: {share: 1.0,", -CS_EINVAL, line_of("  renewal: {share: 0.3,"),
		     "projects.renewal.share", "must be <= 0.99");
	expect_error("  - {type: university,", "  - {type: company,", -CS_EINVAL, line_of("  - {type: university,"),
		     "organisations[1].type", "defined twice");
	expect_error("  - {type: company, count: 700,", "  - {type: company, count: 0,", -CS_EINVAL,
		     line_of("  - {type: company, count: 700,"), "organisations[0].count", "must be >= 1");
}

/* The other reading of the site's figure: a fixed number alive at once. */
Test(gen_model, active_instead_of_per_year)
{
	char *text = patched("  per_year: 2370", "  active: 500");
	char *path = th_write_tmp(text, ".yaml");
	cs_gen_model *m;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_gen_model_load(&m, path, err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_gen_model_spec(m)->active, 500);
	cr_assert_eq(cs_gen_model_spec(m)->per_year, 0);
	cs_trace t;
	gen(m, 1, 10, 1.0, &t);
	cr_assert_gt(t.n, 1000);
	cs_trace_free(&t);
	cs_gen_model_free(m);
	th_unlink(path);
	free(text);
}

Test(gen_model, missing_key)
{
	expect_error("  cpu_share: 0.15\n", "", -CS_EPARSE, line_of("  per_year: 2370"), "projects.cpu_share",
		     "missing required key");
	expect_error("  renewal: {share: 0.3, max: 2}\n", "", -CS_EPARSE, line_of("  per_year: 2370"),
		     "projects.renewal", "missing required key");
}

Test(gen_model, unknown_class_in_a_mix_and_unknown_metric)
{
	expect_error("mix: {dev: 0.10, inference: 0.90}", "mix: {dev: 0.10, infer: 0.90}", -CS_EINVAL,
		     line_of("mix: {dev: 0.10, inference: 0.90}"), "partitions[2].mix.infer", "no class named");
	expect_error("{metric: weekend_share,", "{metric: weekends,", -CS_EINVAL, line_of("{metric: weekend_share,"),
		     "targets[22].metric", "unknown metric");
}

Test(gen_model, missing_file_is_an_io_error)
{
	cs_gen_model *m;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_gen_model_load(&m, "/nonexistent/model.yaml", err, sizeof err), -CS_EIO);
	cr_assert(strstr(err, "/nonexistent/model.yaml: cannot open"), "%s", err);
}

/* With billed hours, every project gets a grant over the part of its life
 * inside the trace's days; the grants add up to the billed total /
 * grant_use (0.8), each rounded up to whole hours (so within one hour per
 * project), and a project's grant goes with its weight x days inside. */
Test(gen_accounts, grants_share_the_billed_total_by_weight_and_days)
{
	cs_gen_model *m = default_model();
	cs_trace t;
	cs_gen_project *pr;
	char err[CS_ERRLEN] = "";
	cs_trace_init(&t);
	cr_assert_eq(cs_gen_generate_projects(m, 4, 30, 1.0, &t, &pr, err, sizeof err), 0, "%s", err);
	double *billed = malloc(t.n * sizeof *billed), total = 0;
	for (size_t i = 0; i < t.n; i++)
		total += billed[i] = (double)(i % 7 + 1); /* any amounts: the shares are what is checked */
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_eq(cs_gen_accounts_write(f, m, &t, pr, billed, NULL, err, sizeof err), 0, "%s", err);
	fclose(f);
	double sum = 0, wd = 0;
	size_t n = 0;
	for (size_t p = 0; p < t.projects.n; p++) {
		char want[64];
		snprintf(want, sizeof want, "\n          - name: %s\n", t.projects.v[p]);
		const char *at = strstr(buf, want);
		cr_assert(at);
		const char *g = strstr(at, "grant: {hours: ");
		cr_assert(g && g < strstr(at, "users:"), "project %s has no grant", t.projects.v[p]);
		double h;
		long long from, to;
		cr_assert_eq(sscanf(g, "grant: {hours: %lf, from: %lld, to: %lld}", &h, &from, &to), 3);
		double a = pr[p].start_day > 0 ? pr[p].start_day : 0, b = pr[p].end_day < 30 ? pr[p].end_day : 30;
		cr_assert_eq(from, (long long)floor(a * 86400));
		cr_assert_eq(to, (long long)ceil(b * 86400));
		cr_assert_geq(h, 1);
		sum += h;
		wd += pr[p].weight * (double)(to - from);
		n++;
	}
	cr_assert_geq(sum, total / 0.8 - 1e-6);
	cr_assert_leq(sum, total / 0.8 + (double)n);
	/* the largest project's grant is its share, rounded up */
	size_t big = 0;
	for (size_t p = 1; p < t.projects.n; p++)
		if (pr[p].weight > pr[big].weight)
			big = p;
	char want[64];
	snprintf(want, sizeof want, "\n          - name: %s\n", t.projects.v[big]);
	double h;
	long long from, to;
	sscanf(strstr(strstr(buf, want), "grant: {"), "grant: {hours: %lf, from: %lld, to: %lld}", &h, &from, &to);
	cr_assert_eq(h, ceil(total / 0.8 * pr[big].weight * (double)(to - from) / wd));
	cs_accounts *acc;
	cr_assert_eq(cs_accounts_load_text(&acc, buf, len, "gen.yaml", err, sizeof err), 0, "%s", err);
	cs_accounts_free(acc);
	free(buf);
	free(billed);
	free(pr);
	cs_trace_free(&t);
	cs_gen_model_free(m);
}

/* A calibrated model (its partitions' mean job sizes worked out once, kept
 * for every later generation) generates the same workloads, byte for byte,
 * as one that works them out each time. */
Test(gen, a_calibrated_model_generates_the_same_workloads)
{
	cs_gen_model *plain = default_model(), *cal = default_model();
	cr_assert_eq(cs_gen_model_calibrate(cal), 0);
	cr_assert_eq(cs_gen_model_calibrate(cal), 0); /* a second call keeps the first's */
	const struct { uint64_t seed; int days; double scale; } cases[] = { { 1, 3, 1.0 }, { 5, 2, 2.5 } };
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		cs_trace a, b;
		gen(plain, cases[c].seed, cases[c].days, cases[c].scale, &a);
		gen(cal, cases[c].seed, cases[c].days, cases[c].scale, &b);
		size_t la, lb;
		char *ta = native_text(&a, &la), *tb = native_text(&b, &lb);
		cr_assert_gt(a.n, 100);
		cr_expect(la == lb && memcmp(ta, tb, la) == 0, "case %zu: %zu jobs against %zu", c, a.n, b.n);
		free(ta);
		free(tb);
		cs_trace_free(&a);
		cs_trace_free(&b);
	}
	cs_gen_model_free(plain);
	cs_gen_model_free(cal);
}
