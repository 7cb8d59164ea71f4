/* Fair share over time windows (sim/fairness.c, docs/fairshare.md): the
 * water-filling, a two-project example worked out by hand window by
 * window, runs a requeue threw away, and the same example through `capsim
 * run` on a pooled machine and on the node model, with equal shares and
 * with multifactor's. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsim/fairness.h"
#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

Test(fairness, waterfill_gives_the_small_their_demand_and_the_rest_equal_parts)
{
	/* 9 among demands 1, 4, 10 (weights 1): the level rises to 3 (1 whole,
	 * 8 left for two), past 4 (4 whole, 4 left for one): 1, 4, 4 */
	double d[] = { 10, 1, 4 }, w[] = { 1, 1, 1 }, e[3];
	uint32_t order[3];
	cs_fair_waterfill(3, d, w, 9, e, order);
	cr_assert(NEAR(e[0], 4) && NEAR(e[1], 1) && NEAR(e[2], 4), "%g %g %g", e[0], e[1], e[2]);
	/* 6 among two demands of 6 weighing 1 and 2: 2 and 4 */
	double d2[] = { 6, 6 }, w2[] = { 1, 2 };
	cs_fair_waterfill(2, d2, w2, 6, e, order);
	cr_assert(NEAR(e[0], 2) && NEAR(e[1], 4), "%g %g", e[0], e[1]);
	/* enough for every demand: each gets its own */
	cs_fair_waterfill(3, d, w, 100, e, order);
	cr_assert(NEAR(e[0], 10) && NEAR(e[1], 1) && NEAR(e[2], 4));
}

/* The water-filling's order is the C library's qsort's with the
 * comparator the code had (demand x the other's weight, then index): its
 * entitlements bit for bit against that, on random claimants with many
 * equal demands and weights whose cross products round, every size to
 * 300 and a few of thousands. */
static const double *ref_d, *ref_w;
static int ref_by_level(const void *a, const void *b)
{
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	double x = ref_d[i] * ref_w[j], y = ref_d[j] * ref_w[i];
	if (x != y)
		return x < y ? -1 : 1;
	return i < j ? -1 : i > j;
}

static void ref_waterfill(size_t k, const double *demand, const double *weight, double amount, double *ent)
{
	double total = 0, wsum = 0;
	for (size_t i = 0; i < k; i++) {
		total += demand[i];
		wsum += weight[i];
	}
	if (total <= amount) {
		memcpy(ent, demand, k * sizeof *ent);
		return;
	}
	uint32_t *order = malloc((k + 1) * sizeof *order);
	cr_assert_not_null(order);
	for (size_t i = 0; i < k; i++)
		order[i] = (uint32_t)i;
	ref_d = demand;
	ref_w = weight;
	qsort(order, k, sizeof *order, ref_by_level);
	double left = amount;
	size_t i = 0;
	for (; i < k; i++) {
		uint32_t c = order[i];
		if (demand[c] * wsum > left * weight[c])
			break;
		ent[c] = demand[c];
		left -= demand[c];
		wsum -= weight[c];
	}
	for (; i < k; i++)
		ent[order[i]] = left * weight[order[i]] / wsum;
	free(order);
}

Test(fairness, waterfill_orders_claimants_as_qsort_did)
{
	unsigned long long x = 5;
	size_t cap = 6000; /* (the last k: 1000 + 13 x 319) */
	double *d = malloc(cap * sizeof *d), *w = malloc(cap * sizeof *w), *e = malloc(cap * sizeof *e),
	       *f = malloc(cap * sizeof *f);
	uint32_t *order = malloc(cap * sizeof *order);
	cr_assert(d && w && e && f && order);
	for (size_t round = 0; round < 320; round++) {
		size_t k = round < 300 ? round : 1000 + 13 * round;
		double total = 0;
		for (size_t i = 0; i < k; i++) {
			unsigned r = th_xorshift(&x, 4);
			d[i] = r == 0 ? 3600.0 * (1 + th_xorshift(&x, 5)) : r == 1 ? 0.1 * th_xorshift(&x, 1000) + 0.1
										   : (double)(1 + th_xorshift(&x, 1u << 24));
			w[i] = th_xorshift(&x, 3) == 0 ? 1.0 : (1 + th_xorshift(&x, 1000)) / 7.0;
			total += d[i];
		}
		double amount = total * (0.05 + 0.9 * th_xorshift(&x, 1000) / 1000.0);
		cs_fair_waterfill(k, d, w, amount, e, order);
		ref_waterfill(k, d, w, amount, f);
		for (size_t i = 0; i < k; i++)
			cr_assert(memcmp(&e[i], &f[i], sizeof e[i]) == 0, "k %zu claimant %zu: %.17g, qsort's %.17g", k, i,
				  e[i], f[i]);
	}
	free(d);
	free(w);
	free(e);
	free(f);
	free(order);
}

/* The example of docs/fairshare.md: 2 GPUs, windows of 100 s, projects A
 * (0) and B (1) of weight 1.
 *   J1: A, 2 GPUs, submitted 0, runs 0..100 (the whole machine)
 *   J2: B, 1 GPU, submitted 0, waits, runs 100..200
 *   J3: A, 1 GPU, submitted 50, waits, runs 100..200
 * Window [0,100): demand A 2x100 + 1x50 = 250, B 100; delivered A 200, B 0
 * (200 in all). Water-filling 200: B's 100 fits under the level (2 x 100 <=
 * 200), A gets the other 100. B is 100 short; distance 100 / 200 = 0.5;
 * service A 2, B 0: Jain 2^2 / (2 x 4) = 0.5; B under-served.
 * Window [100,200): demand A 100, B 100, both delivered: entitled as
 * delivered, distance 0, Jain 1.
 * Run: A delivered 300 of 200 entitled (service 1.5), B 100 of 200 (0.5):
 * Jain (1.5 + 0.5)^2 / (2 x (2.25 + 0.25)) = 0.8; distance (0 + 100) / 400
 * = 0.25 (= (100 + 100) / (2 x 400)); window by window (100 + 0) / 400 =
 * 0.25; under-served 1 of 2; median service (0.5 + 1.5) / 2 = 1. */
typedef struct seen {
	int n;
	long long rows[8][4]; /* window start, project (-1: machine), demand, delivered */
	double ent[8];
} seen;

static void record(void *ctx, const cs_fair_window *w, uint32_t project, int64_t demand_s, int64_t delivered_s,
		   double entitled_s)
{
	seen *s = ctx;
	cr_assert_lt(s->n, 8);
	long long *r = s->rows[s->n];
	r[0] = w->t;
	r[1] = project == CS_FAIR_NONE ? -1 : (long long)project;
	r[2] = demand_s;
	r[3] = delivered_s;
	s->ent[s->n++] = entitled_s;
}

static cs_job job(cs_time submit, cs_time start, cs_time end)
{
	return (cs_job){ .submit_s = submit, .start_s = start, .end_s = end };
}

Test(fairness, two_projects_on_two_gpus_worked_by_hand)
{
	cs_job jobs[] = { job(0, 0, 100), job(0, 100, 200), job(50, 100, 200) };
	uint32_t project[] = { 0, 1, 0 };
	uint64_t units[] = { 2, 1, 1 };
	double weight[] = { 1, 1 };
	cs_fair_in in = { .jobs = jobs, .n = 3, .project = project, .units = units, .weight = weight, .nprojects = 2,
			  .capacity = 2, .t0 = 0, .t1 = 200, .window_s = 100 };
	cs_fair f;
	seen s = { 0 };
	char err[CS_ERRLEN];
	cr_assert_eq(cs_fair_compute(&in, &f, record, &s, err, sizeof err), 0, "%s", err);
	/* per window: the machine, then A, then B */
	static const long long want[6][4] = { { 0, -1, 350, 200 },  { 0, 0, 250, 200 },	  { 0, 1, 100, 0 },
					      { 100, -1, 200, 200 }, { 100, 0, 100, 100 }, { 100, 1, 100, 100 } };
	static const double want_ent[6] = { 200, 100, 100, 200, 100, 100 };
	cr_assert_eq(s.n, 6);
	for (int i = 0; i < 6; i++) {
		cr_assert(!memcmp(s.rows[i], want[i], sizeof want[i]), "row %d: %lld %lld %lld %lld", i, s.rows[i][0],
			  s.rows[i][1], s.rows[i][2], s.rows[i][3]);
		cr_assert(NEAR(s.ent[i], want_ent[i]), "row %d entitled %g", i, s.ent[i]);
	}
	cr_assert_eq(f.nwin, 2);
	const cs_fair_window *w0 = &f.win[0], *w1 = &f.win[1];
	cr_assert(w0->t == 0 && w0->len == 100 && w0->capacity_s == 200 && w0->demand_s == 350 &&
		  w0->delivered_s == 200 && w0->projects == 2 && w0->under_served == 1);
	cr_assert(NEAR(w0->shortfall_s, 100) && NEAR(w0->distance, 0.5) && NEAR(w0->jain, 0.5));
	cr_assert(w1->t == 100 && w1->demand_s == 200 && w1->delivered_s == 200 && w1->under_served == 0);
	cr_assert(NEAR(w1->shortfall_s, 0) && NEAR(w1->distance, 0) && NEAR(w1->jain, 1));
	const cs_fair_project *a = &f.proj[0], *b = &f.proj[1];
	cr_assert(a->demand_s == 350 && a->delivered_s == 300 && NEAR(a->entitled_s, 200) && NEAR(a->shortfall_s, 0) &&
		  a->windows == 2 && a->short_windows == 0);
	cr_assert(b->demand_s == 200 && b->delivered_s == 100 && NEAR(b->entitled_s, 200) &&
		  NEAR(b->shortfall_s, 100) && b->windows == 2 && b->short_windows == 1);
	cr_assert_eq(f.counted, 2);
	cr_assert(NEAR(f.jain, 0.8) && NEAR(f.distance, 0.25) && NEAR(f.window_distance, 0.25) &&
			  NEAR(f.under_served, 0.5) && NEAR(f.median_service, 1.0),
		  "jain %g distance %g window %g under %g median %g", f.jain, f.distance, f.window_distance,
		  f.under_served, f.median_service);
	cs_fair_free(&f);
}

/* The projects of a window visited in increasing order when new ones
 * come in decreasing order and the earlier ones stay: window k has
 * projects P - 1 - k .. P - 1 present (each one's job runs from its
 * submission to the end), so each window's newcomer sorts before every
 * project kept from the window before, and one GPU a project means all
 * are served. Of np projects (np >= P): few of many merge the newcomers
 * into the rest, a window's newcomer among few projects reads the listed
 * flags. */
typedef struct order_seen {
	long long last_p;
	int n, bad;
} order_seen;

static void check_order(void *ctx, const cs_fair_window *w, uint32_t project, int64_t demand_s, int64_t delivered_s,
			double entitled_s)
{
	order_seen *o = ctx;
	(void)w;
	(void)demand_s;
	(void)delivered_s;
	(void)entitled_s;
	if (project == CS_FAIR_NONE) {
		o->last_p = -1;
		return;
	}
	o->bad += (long long)project <= o->last_p;
	o->last_p = project;
	o->n++;
}

static void newcomers_in_order(size_t np)
{
	enum { P = 6 };
	cs_job jobs[P];
	uint32_t project[P];
	uint64_t units[P];
	double *weight = malloc(np * sizeof *weight);
	cr_assert(weight);
	for (size_t p = 0; p < np; p++)
		weight[p] = 1;
	for (int k = 0; k < P; k++) {
		jobs[k] = job(100 * k, 100 * k, 100 * P);
		project[k] = (uint32_t)(np - 1 - (size_t)k);
		units[k] = 1;
	}
	cs_fair_in in = { .jobs = jobs, .n = P, .project = project, .units = units, .weight = weight, .nprojects = np,
			  .capacity = P, .t0 = 0, .t1 = 100 * P, .window_s = 100 };
	cs_fair f;
	order_seen o = { .last_p = -1 };
	char err[CS_ERRLEN];
	cr_assert_eq(cs_fair_compute(&in, &f, check_order, &o, err, sizeof err), 0, "%s", err);
	cr_assert_eq(o.n, P * (P + 1) / 2, "visited %d", o.n);
	cr_assert_eq(o.bad, 0, "%d visits out of order", o.bad);
	for (int k = 0; k < P; k++)
		cr_assert(f.win[k].projects == (uint32_t)(k + 1) && f.win[k].under_served == 0, "window %d", k);
	cs_fair_free(&f);
	free(weight);
}

Test(fairness, newcomers_of_many_projects_merge_in_order) { newcomers_in_order(1000); }
Test(fairness, newcomers_of_few_projects_read_in_order) { newcomers_in_order(6); }

/* One GPU, one window [0,200). A's job, submitted at 0, ran 0..50, was
 * requeued when B's job (submitted 50) took the GPU for 50..150, and ran
 * again 150..200. A was delivered 50 + 50 = 100 of a demand of 200, B 100
 * of 100; the 200 delivered split as B 100 (under the level), A 100:
 * both served their fair share. Without the lost run A would show 50. */
Test(fairness, a_run_a_requeue_threw_away_was_delivered)
{
	cs_job jobs[] = { job(0, 150, 200), job(50, 50, 150) };
	jobs[0].preempted_s = 50;
	uint32_t project[] = { 0, 1 };
	uint64_t units[] = { 1, 1 };
	double weight[] = { 1, 1 };
	cs_fair_run lost[] = { { .job = 0, .from = 0, .to = 50 } };
	cs_fair_in in = { .jobs = jobs, .n = 2, .project = project, .units = units, .weight = weight, .nprojects = 2,
			  .lost = lost, .nlost = 1, .capacity = 1, .t0 = 0, .t1 = 200, .window_s = CS_FAIR_WINDOW_S };
	cs_fair f;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_fair_compute(&in, &f, NULL, NULL, err, sizeof err), 0, "%s", err);
	cr_assert_eq(f.nwin, 1);
	cr_assert(f.proj[0].demand_s == 200 && f.proj[0].delivered_s == 100 && NEAR(f.proj[0].entitled_s, 100));
	cr_assert(f.proj[1].demand_s == 100 && f.proj[1].delivered_s == 100 && NEAR(f.proj[1].entitled_s, 100));
	cr_assert(NEAR(f.jain, 1) && NEAR(f.distance, 0) && NEAR(f.under_served, 0));
	cs_fair_free(&f);
}

/* ---- through capsim run ----------------------------------------------------- */

static json_t *fairness_of(const char *dir)
{
	char p[700];
	th_in(p, sizeof p, dir, "summary.json");
	json_t *s = json_load_file(p, 0, NULL);
	cr_assert_not_null(s, "%s", p);
	json_t *f = json_object_get(json_object_get(s, "recorder"), "fairness");
	cr_assert_not_null(f);
	json_incref(f);
	json_decref(s);
	return f;
}

static double jreal(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	cr_assert(json_is_number(v), "no %s", k);
	return json_number_value(v);
}

/* The example above on a pooled SWF machine of 2 processors (groups 1 and
 * 2), FCFS gives the same schedule. The window is a day, so [0,200) is one
 * window holding both of the example's: demand A 350, B 200; delivered A
 * 300, B 100; water-filling 400: B's 200 fits (2 x 200 <= 400), A 200. The
 * run's figures are the example's: Jain 0.8, distance 0.25, under-served
 * 0.5, median service 1. */
static const char pooled[] = "; MaxProcs: 2\n"
			     "1 0 -1 100 2 -1 -1 2 100 -1 1 1 1 -1 -1 -1 -1 -1\n"
			     "2 0 -1 100 1 -1 -1 1 100 -1 1 2 2 -1 -1 -1 -1 -1\n"
			     "3 50 -1 100 1 -1 -1 1 100 -1 1 1 1 -1 -1 -1 -1 -1\n";

static void run_pooled(char *dir, const char *policy, const char *opt)
{
	th_mkdtemp(dir);
	char wl[TH_PATH], od[TH_PATH];
	th_swf_in(dir, pooled, wl, od, "run");
	char *out, *err;
	int rc = opt ? th_exec(ARGS("run", "--workload", wl, "--policy", policy, "--policy-opt", opt, "--out", od), &out,
			       &err)
		     : th_exec(ARGS("run", "--workload", wl, "--policy", policy, "--out", od), &out, &err);
	cr_assert_eq(rc, 0, "%s", err);
	free(out);
	free(err);
}

Test(fairness, pooled_run_gives_the_worked_figures)
{
	char dir[] = "/tmp/capsim-fair-XXXXXX";
	run_pooled(dir, "fcfs", NULL);
	char od[600];
	th_in(od, sizeof od, dir, "run");
	json_t *f = fairness_of(od);
	cr_assert_str_eq(json_string_value(json_object_get(f, "entitlement")), "equal shares");
	cr_assert_eq(json_integer_value(json_object_get(f, "window_s")), 86400);
	cr_assert_eq(json_integer_value(json_object_get(f, "windows")), 1);
	cr_assert_eq(json_integer_value(json_object_get(f, "projects")), 2);
	cr_assert(NEAR(jreal(f, "jain_service"), 0.8) && NEAR(jreal(f, "distance"), 0.25) &&
		  NEAR(jreal(f, "window_distance"), 0.25) && NEAR(jreal(f, "under_served"), 0.5) &&
		  NEAR(jreal(f, "median_service"), 1.0));
	json_decref(f);
	/* no epoch on this SWF: no calendar time; capacity 2 x 200, demand 550,
	 * delivered 400, 100 short */
	char *fc = th_slurp_in(od, "fairness.csv");
	cr_assert_str_eq(fc, "t,time,length_s,capacity_seconds,demand_seconds,delivered_seconds,shortfall_seconds,"
			     "distance,jain,projects,under_served_projects\n"
			     "0,,200,400,550,400,100.0,0.250000,0.800000,2,1\n");
	/* g1: waits 0 and 50 (median 25), bounded slowdowns 1 and 1.5 (median
	 * 1.25, p95 1 + 0.95 x 0.5 = 1.475), demand 350 s = 0.097222 h, fair
	 * 200 s = 0.055556 h, service 1.5; g2: waited 100, slowdown 2, demand
	 * and fair 200 s, service 0.5, 100 s = 0.027778 h short */
	char *pj = th_slurp_in(od, "projects.csv");
	const char *g1 = strstr(pj, "\ng1,2,"), *g2 = strstr(pj, "\ng2,1,");
	cr_assert(g1 && g2 && g1 < g2, "%s", pj);
	/* billed_hours without weights: size x seconds, the core-seconds 300 and 100 */
	cr_assert(strstr(g1, ",25.0,1.2500,1.4750,0.097222,0.055556,1.5000,0.000000,1,0,0.083333,\n"), "%s", pj);
	cr_assert(strstr(g2, ",100.0,2.0000,2.0000,0.055556,0.055556,0.5000,0.027778,1,1,0.027778,\n"), "%s", pj);
	free(fc);
	free(pj);
	th_rm_rf(dir);
}

/* The same schedule under multifactor with shares 3 (group 1) : 1 (group
 * 2): water-filling 400 by weight, A's 350 / 3 is below B's 200 / 1 but
 * above the level (350 x 4 > 400 x 3), so both share: A 300, B 100,
 * exactly what each was delivered. With those shares the run was fair. */
Test(fairness, multifactor_shares_weigh_the_fair_share)
{
	char dir[] = "/tmp/capsim-fair-XXXXXX";
	run_pooled(dir, "multifactor", "shares=1:3,2:1");
	char od[600];
	th_in(od, sizeof od, dir, "run");
	json_t *f = fairness_of(od);
	cr_assert_str_eq(json_string_value(json_object_get(f, "entitlement")), "multifactor shares");
	cr_assert(NEAR(jreal(f, "jain_service"), 1) && NEAR(jreal(f, "distance"), 0) &&
			  NEAR(jreal(f, "under_served"), 0),
		  "jain %g distance %g", jreal(f, "jain_service"), jreal(f, "distance"));
	json_decref(f);
	char *pj = th_slurp_in(od, "projects.csv");
	cr_assert(strstr(pj, "\ng1,2,0,300,") && strstr(pj, ",0.083333,1.0000,0.000000,1,0,0.083333,\n"), "%s", pj);
	free(pj);
	th_rm_rf(dir);
}

/* The example on the node model: one node of 2 GPUs (partition gpu) and a
 * CPU node (partition cpu) on which project C runs a CPU job from 0 to
 * 100. C holds no GPU, so it has no GPU demand and no fair share: the
 * figures are the pooled run's, over GPUs, and the time column is the
 * calendar's. */
static const char node_cluster[] = "name: small\n"
				   "site: {pue: 1}\n"
				   "node_types:\n"
				   "  - name: g\n"
				   "    count: 1\n"
				   "    topology: \"pack:1 core:8 pu:1\"\n"
				   "    memory_gib: 64\n"
				   "    gpus: {model: H100-SXM5-80GB, count: 2, per_package: 2, peak_tflops: {fp64: 34}}\n"
				   "    power_w: {idle: 100, peak: 500}\n"
				   "  - name: c\n"
				   "    count: 1\n"
				   "    topology: \"pack:1 core:4 pu:1\"\n"
				   "    memory_gib: 64\n"
				   "    power_w: {idle: 50, peak: 250}\n"
				   "partitions:\n"
				   "  - {name: gpu, node_types: [g]}\n"
				   "  - {name: cpu, node_types: [c]}\n";

static const char node_jobs[] =
	"# epoch: 1704067200\n"
	"id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,runtime,qos,partition,state\n"
	"4,C,u3,0,1,0,4,0,100,100,normal,cpu,completed\n"
	"1,A,u1,0,1,2,2,0,100,100,normal,gpu,completed\n"
	"2,B,u2,0,1,1,1,0,100,100,normal,gpu,completed\n"
	"3,A,u1,50,1,1,1,0,100,100,normal,gpu,completed\n";

Test(fairness, node_model_counts_gpus)
{
	char dir[] = "/tmp/capsim-fair-XXXXXX", od[600];
	th_run_cli_on(dir, node_cluster, node_jobs, ARGS("--policy", "fcfs"), od, sizeof od, NULL);
	json_t *fj = fairness_of(od);
	cr_assert_eq(json_integer_value(json_object_get(fj, "projects")), 2);
	cr_assert(NEAR(jreal(fj, "jain_service"), 0.8) && NEAR(jreal(fj, "distance"), 0.25) &&
		  NEAR(jreal(fj, "under_served"), 0.5));
	json_decref(fj);
	char *fc = th_slurp_in(od, "fairness.csv");
	cr_assert(strstr(fc, "\n0,2024-01-01T00:00:00Z,200,400,550,400,100.0,0.250000,0.800000,2,1\n"), "%s", fc);
	char *pj = th_slurp_in(od, "projects.csv");
	cr_assert(strstr(pj, "\nA,2,300,") && strstr(pj, "\nB,1,100,") && strstr(pj, "\nC,1,0,400,"), "%s", pj);
	/* C billed its size (cores) x seconds: 400 core-seconds; its energy, its 4
	 * of the node's 4 cores at peak 250 W for 100 s: 25 kJ = 0.006944 kWh */
	cr_assert(strstr(pj, ",0.000000,0.000000,,0.000000,0,0,0.111111,0.006944\n"), "C has no fair share of GPUs: %s",
		  pj);
	free(fc);
	free(pj);
	th_rm_rf(dir);
}

Test(fairness, same_run_gives_the_same_files)
{
	char d1[] = "/tmp/capsim-fair-XXXXXX", d2[] = "/tmp/capsim-fair-XXXXXX";
	run_pooled(d1, "easy", NULL);
	run_pooled(d2, "easy", NULL);
	char a[600], b[600];
	th_in(a, sizeof a, d1, "run");
	th_in(b, sizeof b, d2, "run");
	th_expect_same_file(a, b, "fairness.csv");
	th_expect_same_file(a, b, "projects.csv");
	th_rm_rf(d1);
	th_rm_rf(d2);
}

/* With TRESBillingWeights the windows count billing units. Two one-node
 * partitions of 2 GPUs: big (10 per GPU-second), small (1). Under FCFS:
 * A1 (project A, big) 0..100 at 20 per second, B1 (B, small) 0..100 at 2,
 * A2 (A, small, submitted 10) 100..150 at 2, B2 (B, small, submitted 20)
 * 150..200 at 2. One window [0, 200): capacity 22 x 200 = 4,400; demand
 * A 20 x 100 + 2 x 140 = 2,280, B 2 x 100 + 2 x 180 = 560; delivered A
 * 2,000 + 100 = 2,100, B 200 + 100 = 300, 2,400 in all. Water-filling
 * 2,400 with equal weights: B's 560 is under the level 1,200, so B is
 * entitled to 560 and A to 1,840. B is 260 short: distance 260 / 2,400 =
 * 0.108333; x_A = 2,100 / 1,840 = 1.141304, x_B = 300 / 560 = 0.535714,
 * Jain (x_A + x_B)^2 / (2 (x_A^2 + x_B^2)) = 0.884642; B under 80 %.
 * Counted in GPUs the same run gives A 2 x 100 + 2 x 50 = 300 and B 300:
 * no one short. */
Test(fairness, billing_weights_count_billed_amounts)
{
	static const char yaml[] =
		"name: billed\n"
		"site: {pue: 1}\n"
		"node_types:\n"
		"  - {name: x, count: 1, topology: \"pack:1 numa:1 core:4 pu:1\", memory_gib: 64,\n"
		"     gpus: {model: X100, count: 2}, power_w: {idle: 0, peak: 0}}\n"
		"  - {name: y, count: 1, topology: \"pack:1 numa:1 core:4 pu:1\", memory_gib: 64,\n"
		"     gpus: {model: Y10, count: 2}, power_w: {idle: 0, peak: 0}}\n"
		"partitions:\n"
		"  - {name: big, node_types: [x], tres_billing_weights: \"GRES/gpu=10\"}\n"
		"  - {name: small, node_types: [y], tres_billing_weights: \"GRES/gpu=1\"}\n";
	char dir[] = "/tmp/capsim-fair-XXXXXX";
	th_mkdtemp(dir);
	char od[600];
	th_in(od, sizeof od, dir, "out");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "fcfs";
	o.out_dir = od;
	cs_run_result r;
	th_run_on(yaml,
		  TH_CSV_HDR "1,A,ua,0,1,2,1,0,100,100,normal,big,completed\n"
			     "2,B,ub,0,1,2,1,0,100,100,normal,small,completed\n"
			     "3,A,ua,10,1,2,1,0,50,50,normal,small,completed\n"
			     "4,B,ub,20,1,2,1,0,50,50,normal,small,completed\n",
		  ".csv", &o, &r);
	cr_assert_eq(th_start(&r, 3), 100);
	cr_assert_eq(th_start(&r, 4), 150);
	cs_run_result_free(&r);
	char *fc = th_slurp_in(od, "fairness.csv");
	cr_assert(strstr(fc, "\n0,,200,4400.000000,2840.000000,2400.000000,260.000000,0.108333,0.884642,2,1\n"), "%s",
		  fc);
	json_t *f = fairness_of(od);
	cr_assert_str_eq(json_string_value(json_object_get(f, "unit")), "billing");
	cr_assert(NEAR(jreal(f, "jain_service"), 0.8846416382252559) && NEAR(jreal(f, "distance"), 260.0 / 2400) &&
			  NEAR(jreal(f, "under_served"), 0.5),
		  "jain %g distance %g", jreal(f, "jain_service"), jreal(f, "distance"));
	json_decref(f);
	/* projects.csv: A's fair share 1,840 s = 0.511111 h, B 560 s = 0.155556 h,
	 * B's shortfall 260 s = 0.072222 h; billed 2,100 and 300 s */
	char *pj = th_slurp_in(od, "projects.csv");
	cr_assert(strstr(pj, ",0.633333,0.511111,1.1413,0.000000,1,0,0.583333,0.000000\n"), "%s", pj); /* 0 W nodes */
	cr_assert(strstr(pj, ",0.155556,0.155556,0.5357,0.072222,1,1,0.083333,0.000000\n"), "%s", pj);
	free(pj);
	free(fc);
	th_rm_rf(dir);
}

/* 150 projects (groups), job i of group i, 1 processor for 10 x i s, all
 * at 0 on 150 processors: projects.csv has a row for each (its table
 * grows past its first 64 rows as the projects come), each with its one
 * job, its own core-seconds and the same entitled hours (the total 113,250
 * s / 150 = 755 s = 0.209722 h). */
Test(fairness, projects_past_the_first_rows_of_the_table_each_get_their_own_figures)
{
	char dir[] = "/tmp/capsim-fair-XXXXXX";
	th_mkdtemp(dir);
	char swf[16384], wl[TH_PATH], od[TH_PATH];
	size_t at = (size_t)snprintf(swf, sizeof swf, "; MaxProcs: 150\n");
	for (int i = 1; i <= 150; i++) {
		at += (size_t)snprintf(swf + at, sizeof swf - at, "%d 0 -1 %d 1 -1 -1 1 %d -1 1 %d %d -1 -1 -1 -1 -1\n", i,
				       10 * i, 10 * i, i, i);
		cr_assert_lt(at, sizeof swf);
	}
	th_swf_in(dir, swf, wl, od, "run");
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("run", "--workload", wl, "--policy", "fcfs", "--out", od), &out, &err), 0, "%s", err);
	free(out);
	free(err);
	char *pj = th_slurp_in(od, "projects.csv");
	size_t rows = 0;
	for (const char *l = strchr(pj, '\n'); l && l[1]; l = strchr(l + 1, '\n'))
		rows++;
	cr_assert_eq(rows, 150, "%s", pj);
	for (int i = 1; i <= 150; i++) {
		char want[64];
		snprintf(want, sizeof want, "\ng%d,1,0,%d,", i, 10 * i);
		const char *row = strstr(pj, want);
		cr_assert_not_null(row, "no row %s in\n%s", want + 1, pj);
		const char *end = strchr(row + 1, '\n');
		const char *ent = strstr(row, ",0.209722,");
		cr_assert(ent && (!end || ent < end), "g%d's entitled hours: %.*s", i, (int)(end ? end - row : 80), row);
	}
	free(pj);
	th_rm_rf(dir);
}
