/* Storage over a run (sim/storage.c): tiers filling, a retention,
 * accounts' allocations, the generator's allocations and the bad values
 * (docs/storage.md). Every figure is worked out by hand below. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/accounts.h"
#include "capsim/cluster.h"
#include "capsim/gen.h"
#include "capsim/storage.h"
#include "helpers.h"
#include "../sim/storage_int.h"

#define NEAR(a, b) (fabs((double)(a) - (double)(b)) <= 1e-9 * (1 + fabs((double)(b))))

/* Two nodes of 4 GPUs. Tier fast: 0.95 TB, 0.4 TB held at the start, 0.1
 * TB a GPU-hour. Tier tmp: 1 PB, 0.1 TB a GPU-hour, kept 1 hour (1/24
 * day). Tier slow: 1.06 TB, 0.01 TB a GPU-hour. */
static const char cluster[] = "name: st\n"
			      "site: {pue: 1}\n"
			      "node_types:\n"
			      "  - name: g\n"
			      "    count: 2\n"
			      "    topology: \"pack:1 core:4 pu:1\"\n"
			      "    memory_gib: 64\n"
			      "    gpus: {model: H100-SXM5-80GB, count: 4}\n"
			      "    power_w: {idle: 100, peak: 500}\n"
			      "partitions:\n"
			      "  - {name: p, node_types: [g]}\n"
			      "storage:\n"
			      "  - {name: fast, capacity_pb: 0.00095, bandwidth_gbs: 10, used_pb: 0.0004, tb_per_gpu_hour: 0.1}\n"
			      "  - {name: tmp, capacity_pb: 1, bandwidth_gbs: 10, tb_per_gpu_hour: 0.1,\n"
			      "     retention_days: 0.041666666666666667}\n"
			      "  - {name: slow, capacity_pb: 0.00106, bandwidth_gbs: 10, tb_per_gpu_hour: 0.01}\n";

/* A (project P): 1 node x 4 GPUs from 0 to 3,600 s: 0.4 TB an hour on
 * fast and tmp. B (project Q): 1 x 2 from 1,800 to 5,400: 0.2 TB an hour. */
static const char jobs[] = "# epoch: 1704067200\n" TH_CSV_HDR "1,P,u,0,1,4,1,0,3600,3600,normal,p,completed\n"
			   "2,Q,v,1800,1,2,1,0,3600,3600,normal,p,completed\n";

/* P may keep 0.3 TB on fast, Q 1 TB; their organisation O 0.5 TB. */
static const char accounts[] = "accounts:\n"
			       "  - name: O\n"
			       "    storage_tb: {fast: 0.5}\n"
			       "    accounts:\n"
			       "      - {name: P, storage_tb: {fast: 0.3}}\n"
			       "      - {name: Q, storage_tb: {fast: 1, slow: 2}}\n";

static void run(cs_run_result *r, const char *acc_text, char **acc_path)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "fcfs";
	o.record = 1;
	o.sample_s = 1800;
	*acc_path = acc_text ? th_write_tmp(acc_text, ".yaml") : NULL;
	o.accounts = *acc_path;
	th_run_on(cluster, jobs, ".csv", &o, r);
	cr_assert_not_null(r->storage);
}

/* fast: 0.4 TB at 0; + 0.4 TB/h to 0.6 at 1,800; + 0.6 TB/h to 0.9 at
 * 3,600; then + 0.2 TB/h: 0.95 at 3,600 + 0.05 / 0.2 h = 4,500 s. At the
 * run's end (5,400) 1.0 TB. tmp, kept 3,600 s: what was written in the last
 * hour: 0.2 at 1,800; 0.2 + 0.3 = 0.5 at 3,600 (the peak); from 3,600 A's
 * first writes go as B writes: 0.5 - 0.1 = 0.4 at 5,400. slow: 0.04 + 0.02
 * = 0.06 TB over the 5,400 s run; at that rate the other 1.0 TB take
 * 90,000 s: full at 95,400. */
Test(storage, tiers_fill_by_hand)
{
	cs_run_result r;
	char *ap;
	run(&r, NULL, &ap);
	cr_assert_eq(cs_storage_ntiers(r.storage), 3);
	const cs_storage_tier *f = cs_storage_tier_at(r.storage, 0), *t = cs_storage_tier_at(r.storage, 1),
			      *s = cs_storage_tier_at(r.storage, 2);
	cr_expect(NEAR(f->capacity_tb, 0.95) && NEAR(f->used_start_tb, 0.4) && NEAR(f->used_end_tb, 1.0));
	cr_expect_eq(f->full_t, 4500);
	cr_expect_eq(f->forecast_t, -1);
	cr_expect(NEAR(t->used_end_tb, 0.4) && NEAR(t->peak_tb, 0.5), "tmp %g, peak %g", t->used_end_tb, t->peak_tb);
	cr_expect_eq(t->full_t, -1);
	cr_expect_eq(t->forecast_t, -1);
	cr_expect(NEAR(s->used_end_tb, 0.06));
	cr_expect_eq(s->full_t, -1);
	cr_expect_eq(s->forecast_t, 95400, "%lld", (long long)s->forecast_t);
	cs_run_result_free(&r);
}

/* P alone writes 0.4 TB/h: 0.3 TB at 2,700. O (P and Q): 0.2 at 1,800,
 * then 0.6 TB/h: 0.5 at 3,600. Q writes 0.2 TB in all on fast: under its 1
 * TB; 0.02 on slow. */
Test(storage, allocations_fill_by_hand)
{
	cs_run_result r;
	char *ap;
	run(&r, accounts, &ap);
	cr_assert_eq(cs_storage_naccounts(r.storage), 4);
	const cs_storage_account *o = cs_storage_account_at(r.storage, 0), *p = cs_storage_account_at(r.storage, 1),
				 *q = cs_storage_account_at(r.storage, 2), *qs = cs_storage_account_at(r.storage, 3);
	cr_expect_str_eq(o->account, "O");
	cr_expect_eq(o->full_t, 3600);
	cr_expect(NEAR(o->used_end_tb, 0.6));
	cr_expect_str_eq(p->account, "P");
	cr_expect_eq(p->full_t, 2700);
	cr_expect(NEAR(p->used_end_tb, 0.4));
	cr_expect(q->full_t == -1 && NEAR(q->used_end_tb, 0.2) && NEAR(q->allocated_tb, 1));
	cr_expect(qs->full_t == -1 && NEAR(qs->used_end_tb, 0.02) && !strcmp(qs->tier, "slow"));
	const cs_storage_tier *f = cs_storage_tier_at(r.storage, 0);
	cr_expect(NEAR(f->allocated_tb, 1.8) && f->allocations == 3 && f->allocations_full == 2);
	cs_run_result_free(&r);
	th_unlink(ap);
}

/* The files: storage.csv every 1,800 s and at the end; the allocations;
 * summary.json's dates. */
Test(storage, the_files_say_when)
{
	char dir[] = "/tmp/capsim-storage-XXXXXX";
	th_mkdtemp(dir);
	char od[700];
	th_in(od, sizeof od, dir, "out");
	char *ap = th_write_tmp(accounts, ".yaml");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "fcfs";
	o.out_dir = od;
	o.sample_s = 1800;
	o.accounts = ap;
	cs_run_result r;
	th_run_on(cluster, jobs, ".csv", &o, &r);
	cs_run_result_free(&r);
	char p[800];
	th_in(p, sizeof p, od, "storage.csv");
	char *sc = th_slurp(p, NULL);
	cr_assert_not_null(sc);
	cr_expect(strstr(sc, "t,time,tier,used_tb,capacity_tb,used_share\n"
			     "0,2024-01-01T00:00:00Z,fast,0.400,0.950,0.421053\n"), "%s", sc);
	cr_expect(strstr(sc, "\n3600,2024-01-01T01:00:00Z,fast,0.900,0.950,0.947368\n"), "%s", sc);
	cr_expect(strstr(sc, "\n3600,2024-01-01T01:00:00Z,tmp,0.500,1000.000,0.000500\n"), "%s", sc);
	cr_expect(strstr(sc, "\n5400,2024-01-01T01:30:00Z,fast,1.000,0.950,1.052632\n"), "%s", sc);
	th_in(p, sizeof p, od, "storage_allocations.csv");
	char *ac = th_slurp(p, NULL);
	cr_assert_not_null(ac);
	cr_expect_str_eq(ac, "account,tier,allocated_tb,used_end_tb,peak_tb,full_t,full_time\n"
			     "O,fast,0.500,0.600,0.600,3600,2024-01-01T01:00:00Z\n"
			     "P,fast,0.300,0.400,0.400,2700,2024-01-01T00:45:00Z\n"
			     "Q,fast,1.000,0.200,0.200,,\n"
			     "Q,slow,2.000,0.020,0.020,,\n");
	th_in(p, sizeof p, od, "summary.json");
	json_error_t e;
	json_t *s = json_load_file(p, 0, &e);
	cr_assert_not_null(s, "%s", e.text);
	json_t *st = json_object_get(s, "storage"), *tiers = json_object_get(st, "tiers");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(tiers, "fast"), "full_time")),
			 "2024-01-01T01:15:00Z");
	cr_expect(json_is_null(json_object_get(json_object_get(tiers, "tmp"), "full_time")));
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(tiers, "slow"), "forecast_full_time")),
			 "2024-01-02T02:30:00Z");
	/* headroom: 0.95 - 1.0 on fast, 1,000 - 0.4 on tmp, 1.06 - 0.06 on slow */
	cr_expect(NEAR(json_real_value(json_object_get(json_object_get(tiers, "fast"), "headroom_tb")), -0.05));
	cr_expect(NEAR(json_real_value(json_object_get(st, "headroom_tb")), -0.05 + 999.6 + 1.0));
	json_decref(s);
	free(sc);
	free(ac);
	th_unlink(ap);
	snprintf(p, sizeof p, "rm -rf '%s'", dir);
	cr_assert_eq(system(p), 0);
}

/* ---- bad values ---- */

static void bad_cluster(const char *storage_line, const char *want)
{
	char text[2048];
	snprintf(text, sizeof text, "name: st\nsite: {pue: 1}\nnode_types:\n"
		 "  - {name: g, count: 1, topology: \"pack:1 core:4 pu:1\", power_w: {idle: 1, peak: 2}}\n"
		 "partitions:\n  - {name: p, node_types: [g]}\nstorage:\n%s\n", storage_line);
	char err[CS_ERRLEN] = "";
	cs_cluster *c = NULL;
	int rc = cs_cluster_load_text(&c, text, strlen(text), "st.yaml", NULL, err, sizeof err);
	cs_cluster_free(c);
	cr_expect_eq(rc, -CS_EINVAL, "%s", err);
	cr_expect(strstr(err, want), "got '%s', want '%s'", err, want);
}

Test(storage, bad_tier_values_name_file_line_column)
{
	bad_cluster("  - {name: s, capacity_pb: 1, bandwidth_gbs: 1, used_pb: 2}",
		    "st.yaml:8:58: storage[0].used_pb: must be <= 1, got 2");
	bad_cluster("  - {name: s, capacity_pb: 1, bandwidth_gbs: 1, used_pb: -1}",
		    "st.yaml:8:58: storage[0].used_pb: must be >= 0, got -1");
	bad_cluster("  - {name: s, capacity_pb: 1, bandwidth_gbs: 1, tb_per_gpu_hour: -0.5}",
		    "st.yaml:8:66: storage[0].tb_per_gpu_hour: must be >= 0, got -0.5");
	bad_cluster("  - {name: s, capacity_pb: 1, bandwidth_gbs: 1, retention_days: 0}",
		    "st.yaml:8:65: storage[0].retention_days: must be > 0, got 0");
}

Test(storage, a_negative_allocation_names_file_line_column)
{
	const char text[] = "accounts:\n  - name: a\n    storage_tb: {project: -2}\n";
	char err[CS_ERRLEN] = "";
	cs_accounts *a = NULL;
	int rc = cs_accounts_load_text(&a, text, strlen(text), "acc.yaml", err, sizeof err);
	cs_accounts_free(a);
	cr_expect_lt(rc, 0);
	cr_expect(strstr(err, "acc.yaml:3:27: accounts[0].storage_tb.project: must be >= 0, got -2"), "%s", err);
}

/* A tier's name in messages: its key's text up to an escaped NUL, a long
 * one cut with the path; an empty one is no tier. */
Test(storage, a_tier_key_is_named_up_to_a_nul_and_cut_with_its_path)
{
	char text[600], err[CS_ERRLEN], want[256], tier[301];
	memset(tier, 't', 300);
	tier[300] = '\0';
	const char *cases[][2] = { { "\"fa\\0st\": -1", "accounts[0].storage_tb.fa: must be >= 0, got -1" },
				   { "\"\": 1", "accounts[0].storage_tb: expected a storage tier's name as the key" },
				   { tier, want } };
	snprintf(want, sizeof want, "accounts[0].storage_tb.%.168s: must be >= 0", tier); /* 191 characters */
	for (int k = 0; k < 3; k++) {
		snprintf(text, sizeof text, "accounts:\n  - name: a\n    storage_tb: {%s%s}\n", cases[k][0],
			 k == 2 ? ": -1" : "");
		cs_accounts *a = NULL;
		*err = '\0';
		int rc = cs_accounts_load_text(&a, text, strlen(text), "acc.yaml", err, sizeof err);
		cs_accounts_free(a);
		cr_expect_lt(rc, 0, "case %d", k);
		cr_expect(strstr(err, cases[k][1]), "case %d: %s", k, err);
	}
}

/* A tier the cluster does not have: refused where the accounts file names it. */
Test(storage, an_allocation_on_an_unknown_tier_is_refused)
{
	char *y = th_write_tmp(cluster, ".yaml"), *w = th_write_tmp(jobs, ".csv"),
	     *a = th_write_tmp("accounts:\n  - {name: P, storage_tb: {fast: 1, disk: 3}}\n", ".yaml");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "fcfs";
	o.workload = w;
	o.cluster = y;
	o.accounts = a;
	cs_run_result r;
	char err[CS_ERRLEN] = "", want[600];
	cr_expect_eq(cs_run(&o, &r, err, sizeof err), -CS_EINVAL);
	snprintf(want, sizeof want, "%s:2:37: P.storage_tb.disk: no storage tier 'disk' in cluster st (its tiers: fast, "
		 "tmp, slow)", a);
	cr_expect_str_eq(err, want);
	th_unlink(y);
	th_unlink(w);
	th_unlink(a);
}

/* Allocations on a pooled SWF replay (no cluster storage): refused. */
Test(storage, an_allocation_on_a_pooled_run_is_refused)
{
	char *a = th_write_tmp("accounts:\n  - {name: g1, storage_tb: {project: 1}}\n", ".yaml");
	char *p = th_write_tmp("; MaxProcs: 4\n" SWF_JOB(1, 0, 100, 3, 100), ".swf");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "fcfs";
	o.workload = p;
	o.accounts = a;
	cs_run_result r;
	char err[CS_ERRLEN] = "";
	cr_expect_eq(cs_run(&o, &r, err, sizeof err), -CS_EINVAL);
	cr_expect(strstr(err, ":2:29: g1.storage_tb.project: storage is modelled on the node model only"), "%s", err);
	th_unlink(a);
	th_unlink(p);
}

/* The generator: a project's allocation on each tier that keeps data is
 * what its jobs would write there / storage_use (0.8), rounded up, at
 * least 1 TB; none on tiers with a retention (tmp) or without a rate. */
Test(storage, the_generator_allocates_by_what_projects_would_write)
{
	cs_trace t;
	char err[CS_ERRLEN];
	cr_assert_eq(th_read_native(jobs, &t, err), 0, "%s", err);
	cs_cluster *c;
	cr_assert_eq(cs_cluster_load_text(&c, cluster, strlen(cluster), "st.yaml", NULL, err, sizeof err), 0, "%s", err);
	cs_gen_model *m;
	cr_assert_eq(cs_gen_model_load(&m, NULL, err, sizeof err), 0, "%s", err);
	cs_gen_project pr[2] = { { .type = 0, .org = 0, .weight = 1 }, { .type = 0, .org = 0, .weight = 1 } };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cr_assert_eq(cs_gen_accounts_write(f, m, &t, pr, NULL, c, err, sizeof err), 0, "%s", err);
	fclose(f);
	/* P: 4 GPUs x 1 h: fast 0.4 TB / 0.8 = 0.5 -> 1; slow 0.04 / 0.8 -> 1.
	 * Q: 2 GPUs x 1 h: 0.2 / 0.8 -> 1 and 1. A bigger one below. */
	cr_expect(strstr(text, "          - name: P\n            shares: 100\n            storage_tb: {fast: 1, slow: 1}\n"),
		  "%s", text);
	cs_accounts *a;
	cr_expect_eq(cs_accounts_load_text(&a, text, len, "gen.yaml", err, sizeof err), 0, "%s", err);
	cs_accounts_free(a);
	free(text);
	/* P's job 20 hours: 8 TB on fast / 0.8 = 10; 0.8 on slow / 0.8 = 1 */
	t.jobs[0].runtime_s = 72000;
	text = NULL;
	f = open_memstream(&text, &len);
	cr_assert_eq(cs_gen_accounts_write(f, m, &t, pr, NULL, c, err, sizeof err), 0, "%s", err);
	fclose(f);
	cr_expect(strstr(text, "storage_tb: {fast: 10, slow: 1}\n"), "%s", text);
	free(text);
	cs_gen_model_free(m);
	cs_cluster_free(c);
	cs_trace_free(&t);
}

/* ---- the slope changes' order and the walks, against the simple ways ---- */

static int sev_by_time_change(const void *a, const void *b)
{
	const cs_sev *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->d > y->d) - (x->d < y->d);
}

/* A tier's changes from random jobs (coarse times, so many fall together;
 * some never started or ran for no time; GPU and CPU jobs) are those of
 * each job, sorted by time and change, a time's at a time, with and
 * without a retention. */
Test(storage, tier_changes_are_every_jobs_sorted)
{
	srand(7);
	for (int round = 0; round < 40; round++) {
		size_t n = 1 + (size_t)(rand() % 3000);
		cs_job *js = calloc(n, sizeof *js);
		for (size_t j = 0; j < n; j++) {
			js[j].nodes = 1 + (uint32_t)(rand() % 4);
			js[j].gpus_per_node = rand() % 3 ? (uint32_t)(rand() % 9) : 0;
			js[j].cores_per_node = 1 + (uint32_t)(rand() % 64);
			/* every fourth round in 5 minutes: hundreds at a time */
			js[j].start_s = rand() % 10 ? (cs_time)(rand() % (round % 4 == 3 ? 5 : 500)) * 60 : -1;
			js[j].end_s = js[j].start_s >= 0 ? js[j].start_s + (cs_time)(rand() % 40) * 60 : -1;
		}
		/* rates of 0, and rates so small that a few units' changes round
		 * to 0 but more units' do not (so not every entry writes, though
		 * the rate is above 0) */
		const double tiny[] = { 0, 5e-321, 2e-320 };
		cs_cluster_storage k = { .tb_per_gpu_hour = rand() % 4 ? 0.1 * (rand() % 5) : tiny[rand() % 3],
					 .tb_per_core_hour = rand() % 4 ? 0.003 * (rand() % 5) : tiny[rand() % 3] };
		cs_time r = round % 2 ? (cs_time)(rand() % 100) * 60 : 0;
		cs_sev *want = malloc((4 * n + 1) * sizeof *want), *got = malloc((4 * n + 1) * sizeof *got);
		size_t nw = 0;
		for (size_t j = 0; j < n; j++) {
			const cs_job *x = &js[j];
			if (x->start_s < 0 || x->end_s <= x->start_s)
				continue;
			double v = x->gpus_per_node ? (double)x->nodes * x->gpus_per_node * k.tb_per_gpu_hour / 3600.0
						    : (double)x->nodes * x->cores_per_node * k.tb_per_core_hour / 3600.0;
			if (v <= 0)
				continue;
			want[nw++] = (cs_sev){ x->start_s, v, (uint32_t)j };
			want[nw++] = (cs_sev){ x->end_s, -v, (uint32_t)j };
			if (r) {
				want[nw++] = (cs_sev){ x->start_s + r, -v, (uint32_t)j };
				want[nw++] = (cs_sev){ x->end_s + r, v, (uint32_t)j };
			}
		}
		qsort(want, nw, sizeof *want, sev_by_time_change);
		cs_storage_order o;
		cr_assert_eq(cs_storage_order_build(&o, js, n), 0);
		cs_storage_changes ch;
		cs_storage_changes_start(&ch, &k, &o, r);
		size_t ng = 0, m;
		while ((m = cs_storage_changes_next(&ch)) != 0) {
			cr_assert(m != (size_t)-1 && ng + m <= nw);
			for (size_t i = 0; i < m; i++)
				cr_assert_eq(ch.run[i].t, ch.run[0].t, "one time's changes at a time");
			cr_assert(!ng || ch.run[0].t > got[ng - 1].t, "times in order, each once");
			memcpy(got + ng, ch.run, m * sizeof *got);
			ng += m;
		}
		cs_storage_changes_free(&ch);
		cr_assert_eq(ng, nw, "round %d: %zu changes, want %zu", round, ng, nw);
		/* the walk's cursor, a time of one change apart: the same */
		cs_storage_changes_start(&ch, &k, &o, r);
		cs_sev one;
		for (size_t at = 0; (m = cs_storage_time_next(&ch, &one)) != 0; at += m) {
			cr_assert(m != (size_t)-1 && at + m <= nw);
			const cs_sev *run = m == 1 ? &one : ch.run;
			cr_assert_eq(one.t, run[0].t);
			for (size_t i = 0; i < m; i++)
				cr_assert(run[i].t == got[at + i].t && run[i].d == got[at + i].d && run[i].job == got[at + i].job,
					  "round %d, change %zu", round, at + i);
		}
		cs_storage_changes_free(&ch);
		for (size_t i = 0; i < nw; i++) {
			cr_assert(got[i].t == want[i].t && got[i].d == want[i].d, "round %d, change %zu: (%lld, %g), want (%lld, %g)",
				  round, i, (long long)got[i].t, got[i].d, (long long)want[i].t, want[i].d);
			const cs_job *x = &js[got[i].job];
			cr_assert(got[i].t == x->start_s || got[i].t == x->end_s || got[i].t == x->start_s + r ||
				  got[i].t == x->end_s + r);
		}
		cs_storage_order_free(&o);
		free(want);
		free(got);
		free(js);
	}
}

/* A use's walk from u0 at t0 through its sorted slope changes e[0..n) to
 * t1, a time at a time: at the end, at its highest, and the first time it
 * reached level, rounded up to the second (-1: not by t1). */
static cs_storage_use walk_alone(const cs_sev *e, size_t n, double u0, double level, cs_time t0, cs_time t1)
{
	cs_storage_use out = { u0, u0, u0 >= level ? t0 : -1 };
	double u = u0, slope = 0;
	cs_time at = t0;
	for (size_t i = 0;;) {
		cs_time next = i < n && e[i].t < t1 ? e[i].t : t1;
		double v = u + slope * (double)(next - at);
		if (out.full < 0 && slope > 0 && v >= level) {
			cs_time dt = (cs_time)ceil((level - u) / slope - 1e-9);
			out.full = at + (dt < 0 ? 0 : dt > next - at ? next - at : dt);
		}
		u = v;
		at = next;
		if (u > out.peak)
			out.peak = u;
		if (next == t1)
			break;
		for (; i < n && e[i].t == next; i++)
			slope += e[i].d;
		if (out.full < 0 && u >= level)
			out.full = at;
	}
	out.end = u;
	return out;
}

/* Uses walked together, each change as it comes, end where a walk of each
 * one's changes alone ends: the same end, peak and time full, bit for bit
 * (changes at the run's first second and past its end included). */
Test(storage, walks_together_are_walks_alone)
{
	srand(11);
	for (int round = 0; round < 200; round++) {
		size_t n = (size_t)(rand() % 400), W = 1 + (size_t)(rand() % 6);
		cs_time t0 = 100, t1 = t0 + 50 + rand() % 300;
		cs_sev *e = malloc((n + 1) * sizeof *e), *mine = malloc((n + 1) * sizeof *mine);
		uint32_t *to = malloc((n + 1) * sizeof *to);
		for (size_t i = 0; i < n; i++)
			e[i] = (cs_sev){ t0 + rand() % (t1 - t0 + 20), (rand() % 2001 - 1000) / 7.0, 0 };
		qsort(e, n, sizeof *e, sev_by_time_change);
		for (size_t i = 0; i < n; i++)
			to[i] = (uint32_t)(rand() % (int)W);
		for (size_t w = 0; w < W; w++) {
			double level = (rand() % 5000) / 3.0;
			cs_storage_walker wk = cs_storage_walker_start(0, level, t0);
			size_t m = 0;
			for (size_t i = 0; i < n; i++)
				if (to[i] == w) {
					mine[m++] = e[i];
					if (e[i].t < t1)
						cs_storage_walker_take(&wk, e[i].t, e[i].d);
				}
			cs_storage_use got = cs_storage_walker_end(&wk, t1),
				       want = walk_alone(mine, m, 0, level, t0, t1);
			cr_assert(got.end == want.end && got.peak == want.peak && got.full == want.full,
				  "round %d, use %zu: (%.17g, %.17g, %lld), want (%.17g, %.17g, %lld)", round, w, got.end,
				  got.peak, (long long)got.full, want.end, want.peak, (long long)want.full);
		}
		free(e);
		free(mine);
		free(to);
	}
}
