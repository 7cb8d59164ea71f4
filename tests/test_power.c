/* Power and energy (sim/power.c) and the site's power cap in the engine
 * (sim/powercap.c): hand-worked cases, every policy under a cap, and the
 * cap's refusals (docs/energy.md). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/live.h"
#include "capsim/power.h"
#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NEAR(a, b) (fabs((double)(a) - (double)(b)) <= 1e-9 * (1 + fabs((double)(b))))

static json_t *summary_of(const char *dir)
{
	char p[700];
	th_in(p, sizeof p, dir, "summary.json");
	json_error_t e;
	json_t *j = json_load_file(p, 0, &e);
	cr_assert_not_null(j, "%s: %s", p, e.text);
	return j;
}

static double jnum(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	cr_assert(json_is_number(v), "%s is not a number", key);
	return json_number_value(v);
}

Test(power, share_and_cap_counting_follow_the_rule)
{
	/* type 0: 8 GPUs, idle 2,000 W, peak 10,200 W: 1,025 W a GPU; type 1:
	 * 112 cores, 250 -> 1,000 W: 6.696 W a core, 6,697 mW rounded up */
	uint32_t count[] = { 2, 3 }, gpus[] = { 8, 0 }, cores[] = { 112, 112 };
	double idle[] = { 2000, 250 }, peak[] = { 10200, 1000 };
	cs_power_types pt = { 2, count, gpus, cores, idle, peak };
	cr_expect(NEAR(cs_power_share(&pt, 0, 2, 100), 0.25));
	cr_expect(NEAR(cs_power_share(&pt, 1, 0, 56), 0.5));
	cs_power_cap *pc;
	char err[CS_ERRLEN];
	/* idle 2 x 2,000 + 3 x 250 = 4,750 W; 20 kW at PUE 1.25 = 16,000 W IT */
	cr_assert_eq(cs_power_cap_new(&pc, &pt, 20, 1.25, err, sizeof err), 0, "%s", err);
	cr_expect_eq(pc->idle_mw, 4750000);
	cr_expect_eq(pc->budget_mw, 16000000 - 4750000);
	cr_expect_eq(cs_power_cap_slot_mw(pc, 0, 3, 50), 3 * 1025000);
	cr_expect_eq(cs_power_cap_slot_mw(pc, 1, 0, 10), 10 * 6697);
	cs_power_cap_free(pc);
	/* 5.9375 kW x ... = 4,750 W IT at PUE 1.25: nothing left for a job */
	cr_expect_eq(cs_power_cap_new(&pc, &pt, 5.9375, 1.25, err, sizeof err), -CS_EINVAL);
	cr_expect(strstr(err, "not above the site's idle draw, 4.75 kW IT x PUE 1.25 = 5.9375 kW"), "%s", err);
}

/* Two nodes of 4 GPUs, idle 200 W, peak 1,000 W (200 W a GPU above idle),
 * PUE 1.5, 0.25 a kWh. A holds node x-0 whole from 0 to 3,600 s, B two
 * GPUs of x-1 from 0 to 1,800 s.
 *   IT power: 400 W idle + 800 (A) + 400 (B) = 1,600 W until 1,800, then
 *   1,200 W: 1,600 x 1,800 + 1,200 x 1,800 = 5.04 MJ = 1.4 kWh, 1,400 W
 *   mean; facility 2.1 kWh, cost 0.525; peak 1,600 W IT, 2,400 W facility.
 *   Jobs: A 1,000 W x 3,600 s = 3.6 MJ = 1 kWh; B half of 1,000 W x 1,800
 *   s = 0.9 MJ = 0.25 kWh. Idle draw of what was free: half of x-1 for
 *   1,800 s (100 W) and all of it for 1,800 s (200 W): 0.54 MJ = 0.15 kWh;
 *   1 + 0.25 + 0.15 = 1.4. */
static const char two_nodes[] = "name: two\n"
				"site: {pue: 1.5, energy_price_per_kwh: 0.25, currency: EUR}\n"
				"node_types:\n"
				"  - name: x\n"
				"    count: 2\n"
				"    topology: \"pack:1 core:4 pu:1\"\n"
				"    memory_gib: 64\n"
				"    gpus: {model: H100-SXM5-80GB, count: 4}\n"
				"    power_w: {idle: 200, peak: 1000}\n"
				"partitions:\n"
				"  - {name: p, node_types: [x]}\n";

Test(power, a_two_node_case_by_hand)
{
	char dir[] = "/tmp/capsim-power-XXXXXX";
	th_mkdtemp(dir);
	char od[700];
	th_in(od, sizeof od, dir, "out");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "fcfs";
	o.out_dir = od;
	cs_run_result r;
	th_run_on(two_nodes,
		  "# epoch: 1704067200\n" TH_CSV_HDR "1,P,u,0,1,4,1,0,3600,3600,normal,p,completed\n"
		  "2,Q,v,0,1,2,1,0,1800,1800,normal,p,completed\n",
		  ".csv", &o, &r);
	cs_power_totals t;
	cs_power_meter_totals(r.power, &t);
	cr_expect(NEAR(t.it_j, 5.04e6), "%.17g", t.it_j);
	cr_expect(NEAR(t.jobs_j, 4.5e6) && NEAR(t.idle_free_j, 0.54e6), "%g %g", t.jobs_j, t.idle_free_j);
	cr_expect(NEAR(t.peak_it_w, 1600) && t.peak_t == 0);
	const double *e = cs_power_meter_job_energy(r.power);
	cr_expect(NEAR(e[0], 3.6e6) && NEAR(e[1], 0.9e6), "%g %g", e[0], e[1]);
	cs_run_result_free(&r);
	json_t *s = summary_of(od), *en = json_object_get(s, "energy");
	cr_assert_not_null(en);
	cr_expect(NEAR(jnum(en, "it_energy_kwh"), 1.4) && NEAR(jnum(en, "facility_energy_kwh"), 2.1));
	cr_expect(NEAR(jnum(en, "jobs_energy_kwh"), 1.25) && NEAR(jnum(en, "idle_energy_kwh"), 0.15));
	cr_expect(NEAR(jnum(en, "cost"), 0.525) && NEAR(jnum(en, "price_per_kwh"), 0.25));
	cr_expect_str_eq(json_string_value(json_object_get(en, "currency")), "EUR");
	cr_expect(NEAR(jnum(en, "mean_it_power_kw"), 1.4) && NEAR(jnum(en, "mean_facility_power_kw"), 2.1));
	cr_expect(NEAR(jnum(en, "peak_it_power_kw"), 1.6) && NEAR(jnum(en, "peak_facility_power_kw"), 2.4));
	cr_expect_str_eq(json_string_value(json_object_get(en, "peak_time")), "2024-01-01T00:00:00Z");
	cr_expect(json_is_null(json_object_get(en, "power_cap_kw")));
	json_decref(s);
	/* one interval (the default 3,600 s) ending at the last event */
	char *pw = th_slurp_in(od, "power.csv");
	cr_expect_str_eq(pw, "t,time,length_s,it_power_w,it_peak_w,facility_power_w,facility_peak_w,cap_w\n"
			     "0,2024-01-01T00:00:00Z,3600,1400.0,1600.0,2100.0,2400.0,\n");
	char *jc = th_slurp_in(od, "jobs.csv");
	cr_expect(strstr(jc, ",1.000000\n") && strstr(jc, ",0.250000\n"), "%s", jc);
	char *pj = th_slurp_in(od, "projects.csv");
	cr_expect(strstr(pj, "\nP,1,") && strstr(pj, ",1.000000\n") && strstr(pj, ",0.250000\n"), "%s", pj);
	free(pw);
	free(jc);
	free(pj);
	th_rm_rf(dir);
}

/* The 3-job case of test_outputs.c (a nodes: 4 GPUs, 100 -> 500 W; b
 * nodes: 16 cores, 50 -> 250 W; PUE 1; interval 100 s): IT power 400 W
 * idle; + 800 W from 0 (job 1, two a nodes), + 200 W from 10 (job 2, half
 * of a-2), + 400 W from 20 (job 3, both b nodes); - 200 W at 40, - 800 W
 * at 50, - 400 W at 60: 1,200 x 10 + 1,400 x 10 + 1,800 x 20 + 1,600 x 10
 * + 800 x 10 = 86 kJ over 60 s, 1,433.3 W mean, 1,800 W peak at 20 s. */
Test(power, energy_integrates_two_ways_on_the_three_job_case)
{
	char dir[] = "/tmp/capsim-power-XXXXXX";
	char od[700];
	th_run_two_partitions(dir,
			      "# epoch: 1704067200\n" TH_CSV_HDR "1,p1,u1,0,2,4,8,0,100,50,normal,gpu,completed\n"
			      "2,p1,u2,10,1,2,4,0,30,60,normal,gpu,completed\n"
			      "3,p2,u3,20,2,0,16,0,100,40,normal,cpu,failed\n",
			      ARGS("--policy", "fcfs", "--sample", "100"), od, sizeof od);
	char *pw = th_slurp_in(od, "power.csv");
	cr_expect(strstr(pw, "\n0,2024-01-01T00:00:00Z,60,1433.3,1800.0,1433.3,1800.0,\n"), "%s", pw);
	json_t *s = summary_of(od), *en = json_object_get(s, "energy"), *rec = json_object_get(s, "recorder");
	/* jobs 50 + 7.5 + 20 kJ; what was free drew 8.5 kJ; the recorder's
	 * timeseries gives the same total */
	cr_expect(NEAR(jnum(en, "it_energy_kwh"), 86e3 / 3.6e6));
	cr_expect(NEAR(jnum(en, "jobs_energy_kwh"), 77.5e3 / 3.6e6) && NEAR(jnum(en, "idle_energy_kwh"), 8.5e3 / 3.6e6));
	cr_expect(NEAR(jnum(rec, "energy_kwh"), 86e3 / 3.6e6));
	cr_expect(NEAR(jnum(en, "peak_it_power_kw"), 1.8) && jnum(en, "peak_t") == 20);
	json_decref(s);
	free(pw);
	th_rm_rf(dir);
}

/* The meter fed by hand, the run cut while two jobs hold units: type a (2
 * nodes, 4 GPUs, 100 -> 500 W) and type b (1 node, 16 cores, 50 -> 250 W),
 * idle 250 W. Job 0 takes 2 GPUs of a-0 at 0 and gives them back at 30;
 * job 1 takes 8 cores of b at 10; job 2 takes a-0 and a-1 whole at 40, the
 * last event. IT: 450 x 10 + 550 x 20 + 350 x 10 = 19 kJ; peak 1,150 W at
 * 40. The held units' integrals, each type's brought up to date only when
 * its units change, are whole at the end: a 2 x 30 = 60 GPU-s, b 8 x 30 =
 * 240 core-s (none of it brought up to date before): what was free drew
 * 100 x (2 x 40 - 60 / 4) + 50 x (40 - 240 / 16) = 7,750 J. */
Test(power, the_held_integrals_are_whole_while_units_are_held_at_the_end)
{
	static const uint32_t count[] = { 2, 1 }, gpus[] = { 4, 0 }, cores[] = { 16, 16 };
	static const double idle[] = { 100, 50 }, peak[] = { 500, 250 };
	const cs_power_types pt = { 2, count, gpus, cores, idle, peak };
	const uint16_t node_type[] = { 0, 0, 1 };
	cs_job jobs[3] = { { .id = 1, .submit_s = 0, .nodes = 1 },
			   { .id = 2, .submit_s = 0, .nodes = 1 },
			   { .id = 3, .submit_s = 0, .nodes = 2 } };
	cs_slot sl[4] = { { .node = 0, .gpu_mask = 0x3, .cores = 2 },
			  { .node = 2, .cores = 8 },
			  { .node = 0, .gpu_mask = 0xf, .cores = 16 },
			  { .node = 1, .gpu_mask = 0xf, .cores = 16 } };
	const size_t off[] = { 0, 1, 2, 4 };
	const cs_power_site site = { 1, 0, 0, "" };
	cs_power_meter *m;
	char err[256];
	cr_assert_eq(cs_power_meter_new(&m, jobs, 3, &pt, node_type, 3, sl, off, &site, 3600, err, sizeof err), 0,
		     "%s", err);
	const cs_observer *o = cs_power_meter_observer(m, NULL);
	o->event(o->ctx, 0, CS_OBS_START, 0);
	o->event(o->ctx, 10, CS_OBS_START, 1);
	o->event(o->ctx, 20, CS_OBS_PASS, 0);
	o->event(o->ctx, 30, CS_OBS_END, 0);
	o->event(o->ctx, 40, CS_OBS_START, 2);
	cr_assert_eq(cs_power_meter_finish(m, err, sizeof err), 0, "%s", err);
	cs_power_totals t;
	cs_power_meter_totals(m, &t);
	cr_expect(t.last == 40 && NEAR(t.it_j, 19e3), "%lld %.17g", (long long)t.last, t.it_j);
	cr_expect(NEAR(t.peak_it_w, 1150) && t.peak_t == 40, "%g %lld", t.peak_it_w, (long long)t.peak_t);
	cr_expect(NEAR(t.jobs_j, 7500), "%.17g", t.jobs_j); /* job 0: 500 x 2/4 W for 30 s */
	cr_expect(NEAR(t.idle_free_j, 7750), "%.17g", t.idle_free_j);
	cs_power_meter_free(m);
}

/* ---- the cap --------------------------------------------------------------- */

/* Four nodes of 4 GPUs, 100 W a GPU above an idle 100 W a node; cap 1.4
 * kW at PUE 1: 1,000 W above the 400 W idle draw, ten GPUs' worth. All
 * submitted at 0, in this order:
 *   A 1 node x 4 GPUs (400 W), 100 s;  B 2 x 4 (800 W), 100 s;
 *   C 1 x 4 (400 W), 200 s;            D 1 x 2 (200 W), 50 s;
 *   E 1 x 2 (200 W), 300 s;            F 3 x 4 (1,200 W): over the cap alone.
 * F is rejected at submission (PowerCap). EASY: A starts; B's nodes are
 * free but 400 + 800 > 1,000 (PowerCap): it holds its reservation at 100,
 * when A ends. C would fit now (400 + 400) but would still run at 100,
 * where B's 800 + C's 400 > 1,000: not backfilled. D ends by 50: it
 * starts. E runs past 100 but B's 800 + E's 200 = 1,000: it starts. B
 * starts at 100 as reserved (facility 400 + 800 + 200 = 1,400 W: the cap
 * exactly); C, held off by the cap (PowerCap), at 200 when B ends.
 * Conservative plans the same. FCFS: B at 100, then C, D and E at 200. */
static const char capped[] = "name: capped\n"
			     "site: {pue: 1, power_cap_kw: 1.4}\n"
			     "node_types:\n"
			     "  - name: g\n"
			     "    count: 4\n"
			     "    topology: \"pack:1 core:4 pu:1\"\n"
			     "    memory_gib: 64\n"
			     "    gpus: {model: H100-SXM5-80GB, count: 4}\n"
			     "    power_w: {idle: 100, peak: 500}\n"
			     "partitions:\n"
			     "  - {name: p, node_types: [g]}\n";
static const char capped_jobs[] = "# epoch: 1704067200\n" TH_CSV_HDR "1,P,u,0,1,4,1,0,100,100,normal,p,completed\n"
				  "2,P,u,0,2,4,1,0,100,100,normal,p,completed\n"
				  "3,P,u,0,1,4,1,0,200,200,normal,p,completed\n"
				  "4,P,u,0,1,2,1,0,50,50,normal,p,completed\n"
				  "5,P,u,0,1,2,1,0,300,300,normal,p,completed\n"
				  "6,P,u,0,3,4,1,0,100,100,normal,p,completed\n";

static void run_capped(const char *policy, cs_run_result *r)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = policy;
	o.record = 1;
	th_run_on(capped, capped_jobs, ".csv", &o, r);
}

static void expect_starts(const cs_run_result *r, cs_time b, cs_time c, cs_time d, cs_time e)
{
	cr_expect_eq(th_start(r, 1), 0);
	cr_expect_eq(th_start(r, 2), b, "B at %lld", (long long)th_start(r, 2));
	cr_expect_eq(th_start(r, 3), c, "C at %lld", (long long)th_start(r, 3));
	cr_expect_eq(th_start(r, 4), d, "D at %lld", (long long)th_start(r, 4));
	cr_expect_eq(th_start(r, 5), e, "E at %lld", (long long)th_start(r, 5));
	const cs_job *f = th_job(r, 6);
	cr_expect(f->start_s < 0 && (f->flags & CS_JOB_REJECTED) && f->reason == CS_WAIT_POWERCAP);
	cr_expect_eq(th_job(r, 2)->reason, CS_WAIT_POWERCAP);
	cr_expect_eq(r->est.rejected, 1);
	cs_power_totals t;
	cs_power_meter_totals(r->power, &t);
	cr_expect(t.peak_it_w <= 1400 + 1e-9, "peak %g W", t.peak_it_w);
}

Test(power, easy_keeps_the_reservation_the_cap_allows)
{
	cs_run_result r;
	run_capped("easy", &r);
	expect_starts(&r, 100, 200, 0, 0);
	cr_expect_eq(th_job(&r, 2)->reservation_s, 100);
	cr_expect_eq(th_job(&r, 3)->reason, CS_WAIT_POWERCAP);
	cs_power_totals t;
	cs_power_meter_totals(r.power, &t);
	cr_expect(NEAR(t.peak_it_w, 1400) && t.peak_t == 100, "%g at %lld", t.peak_it_w, (long long)t.peak_t);
	cs_run_result_free(&r);
}

Test(power, conservative_plans_within_the_cap)
{
	cs_run_result r;
	run_capped("conservative", &r);
	expect_starts(&r, 100, 200, 0, 0);
	cs_run_result_free(&r);
}

Test(power, fcfs_waits_for_power)
{
	cs_run_result r;
	run_capped("fcfs", &r);
	expect_starts(&r, 100, 200, 200, 200);
	cs_run_result_free(&r);
}

/* SJF by estimate: D (50), A, B (100), C (200), E (300). D and A start;
 * B's nodes are free but 600 + 800 > 1,000; at 100 (A ends, D ended) B
 * starts; C and E at 200. */
Test(power, sjf_waits_for_power)
{
	cs_run_result r;
	run_capped("sjf", &r);
	expect_starts(&r, 100, 200, 0, 200);
	cs_run_result_free(&r);
}

Test(power, multifactor_stays_under_the_cap)
{
	cs_run_result r;
	run_capped("multifactor", &r);
	cs_power_totals t;
	cs_power_meter_totals(r.power, &t);
	cr_expect(t.peak_it_w <= 1400 + 1e-9, "peak %g W", t.peak_it_w);
	const cs_job *f = th_job(&r, 6);
	cr_expect(f->start_s < 0 && f->reason == CS_WAIT_POWERCAP);
	for (int64_t id = 1; id <= 5; id++)
		cr_expect(th_start(&r, id) >= 0);
	cs_run_result_free(&r);
}

/* F alone draws 1,200 W > the 1,000 W the cap leaves: jobs.csv says so. */
Test(power, a_job_over_the_cap_alone_is_rejected_at_submission)
{
	char dir[] = "/tmp/capsim-power-XXXXXX", od[700], *out;
	th_run_cli_on(dir, capped, capped_jobs, ARGS("--policy", "easy"), od, sizeof od, &out);
	cr_expect(strstr(out, "  power cap   1 of them could each draw more than the site's power cap alone"), "%s", out);
	char *jc = th_slurp_in(od, "jobs.csv");
	cr_expect(strstr(jc, "\n6,0,-1,-1,-1,100,100,100,2024-01-01T00:00:00Z,,,REJECTED,12,3,3,4,1,0,,P,u,normal,p,"
			     "PowerCap,-1,"), "%s", jc);
	json_t *s = summary_of(od);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(s, "last_pending_reason"), "PowerCap")), 3);
	cr_expect(NEAR(jnum(json_object_get(s, "energy"), "power_cap_kw"), 1.4));
	json_decref(s);
	char *pw = th_slurp_in(od, "power.csv");
	cr_expect(strstr(pw, ",1400.0\n"), "%s", pw);
	free(pw);
	free(jc);
	free(out);
	th_rm_rf(dir);
}

/* ---- the default data centre over ten generated days ---------------------- */

static const char *const policies[] = { "fcfs", "sjf", "easy", "conservative", "multifactor" };

/* The default cluster's config with a cap of kw (0: as built). */
static void default_with_cap(const char *path, double kw)
{
	char line[64] = "";
	if (kw > 0)
		snprintf(line, sizeof line, "  power_cap_kw: %.3f\n", kw);
	th_default_cluster_with(path, line);
}

static void run_days(const char *dir, const char *workload, const char *cluster, const char *policy,
		     const char *name, char *od, size_t odlen)
{
	snprintf(od, odlen, "%s/%s-%s", dir, name, policy);
	char *out, *err;
	int rc = th_exec(ARGS("run", "--workload", workload, "--cluster", cluster, "--policy", policy, "--out", od),
			 &out, &err);
	cr_assert_eq(rc, 0, "%s %s: %s", name, policy, err);
	free(out);
	free(err);
}

/* The most facility power in power.csv (W). */
static double max_facility_peak(const char *od)
{
	char *pw = th_slurp_in(od, "power.csv");
	double most = 0;
	for (char *line = strchr(pw, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
		char buf[256], *f[8];
		size_t n = strcspn(line + 1, "\n");
		snprintf(buf, sizeof buf, "%.*s", (int)n, line + 1);
		cr_assert_eq(th_csv_split(buf, f, 8), 8);
		double v = atof(f[6]);
		most = v > most ? v : most;
	}
	free(pw);
	return most;
}

/* Without a cap, with one above the run's peak (the same schedule, byte for
 * byte) and with one at 70 % of it (never exceeded; jobs wait for power);
 * under every policy. The energy adds up both ways on each run. */
Test(power, every_policy_holds_the_cap_and_a_loose_cap_changes_nothing)
{
	char dir[] = "/tmp/capsim-power-XXXXXX";
	th_mkdtemp(dir);
	char w[700], none[700], loose[700], tight[700];
	th_in(w, sizeof w, dir, "w.csv");
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("workload", "generate", "--seed", "3", "--days", "10", "--out", w), &out, &err), 0,
		     "%s", err);
	free(out);
	free(err);
	th_in(none, sizeof none, dir, "none.yaml");
	th_in(loose, sizeof loose, dir, "loose.yaml");
	default_with_cap(none, 0);
	default_with_cap(loose, 1e6);
	for (size_t p = 0; p < sizeof policies / sizeof *policies; p++) {
		char a[700], b[700], c[700];
		run_days(dir, w, none, policies[p], "none", a, sizeof a);
		run_days(dir, w, loose, policies[p], "loose", b, sizeof b);
		th_expect_same_file(a, b, "jobs.csv");
		th_expect_same_file(a, b, "timeseries.csv");
		json_t *s = summary_of(a), *en = json_object_get(s, "energy");
		double peak = jnum(en, "peak_facility_power_kw");
		cr_expect(NEAR(jnum(en, "jobs_energy_kwh") + jnum(en, "idle_energy_kwh"), jnum(en, "it_energy_kwh")));
		cr_expect(NEAR(jnum(json_object_get(s, "recorder"), "energy_kwh"), jnum(en, "it_energy_kwh")));
		json_decref(s);
		double cap = floor(peak * 0.7);
		snprintf(tight, sizeof tight, "%s/tight-%s.yaml", dir, policies[p]);
		default_with_cap(tight, cap);
		run_days(dir, w, tight, policies[p], "tight", c, sizeof c);
		s = summary_of(c);
		en = json_object_get(s, "energy");
		cr_expect(jnum(en, "peak_facility_power_kw") <= cap + 1e-9, "%s: peak %g kW over the cap %g kW",
			  policies[p], jnum(en, "peak_facility_power_kw"), cap);
		cr_expect(max_facility_peak(c) <= cap * 1000 + 0.05, "%s: power.csv over the cap", policies[p]);
		cr_expect(jnum(json_object_get(s, "last_pending_reason"), "PowerCap") > 0, "%s: nobody waited for power",
			  policies[p]);
		cr_expect(NEAR(jnum(en, "jobs_energy_kwh") + jnum(en, "idle_energy_kwh"), jnum(en, "it_energy_kwh")));
		json_decref(s);
	}
	th_rm_rf(dir);
}

/* A live run's engine is not given the cap: refused, not ignored. */
Test(power, a_live_run_refuses_a_capped_site)
{
	char *y = th_write_tmp(capped, ".yaml");
	cs_live_opts o;
	cs_live_opts_default(&o);
	o.cluster = y;
	cs_live *L = NULL;
	char err[CS_ERRLEN] = "";
	cr_expect_eq(cs_live_new(&L, &o, err, sizeof err), -CS_EINVAL);
	cr_expect_null(L);
	cr_expect(strstr(err, ": site.power_cap_kw: the power cap is not enforced by capsim serve"), "%s", err);
	cs_live_free(L);
	th_unlink(y);
}
