/* The workload generator (sim/gen.c) and its model files (sim/gen_model.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	expect_error("  weight_sigma: 1.7", "  weight_sigma: 1.7\n  colour: blue", -CS_EPARSE, line_of("  weight_sigma: 1.7") + 1,
		     "projects.colour", "unknown key");
}

Test(gen_model, wrong_type)
{
	expect_error("  active: 3250", "  active: lots", -CS_EPARSE, line_of("  active: 3250"), "projects.active",
		     "expected an integer");
	expect_error("  active: 3250", "  active: [1, 2]", -CS_EPARSE, line_of("  active: 3250"), "projects.active",
		     "expected an integer");
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

Test(gen_model, missing_key)
{
	expect_error("  cpu_share: 0.15\n", "", -CS_EPARSE, line_of("  active: 3250"), "projects.cpu_share",
		     "missing required key");
}

Test(gen_model, unknown_class_in_a_mix_and_unknown_metric)
{
	expect_error("mix: {dev: 0.10, inference: 0.90}", "mix: {dev: 0.10, infer: 0.90}", -CS_EINVAL,
		     line_of("mix: {dev: 0.10, inference: 0.90}"), "partitions[2].mix.infer", "no class named");
	expect_error("{metric: weekend_share,", "{metric: weekends,", -CS_EINVAL, line_of("{metric: weekend_share,"),
		     "targets[20].metric", "unknown metric");
}

Test(gen_model, missing_file_is_an_io_error)
{
	cs_gen_model *m;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_gen_model_load(&m, "/nonexistent/model.yaml", err, sizeof err), -CS_EIO);
	cr_assert(strstr(err, "/nonexistent/model.yaml: cannot open"), "%s", err);
}


