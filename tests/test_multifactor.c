/* multifactor: priority by age and fair-share, EASY under it. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* SWF line with a group (account): id submit runtime procs reqtime group */
static int line(char *b, size_t n, int id, long sub, long run, int procs, long req, int group)
{
	return snprintf(b, n, "%d %ld -1 %ld %d -1 -1 %d %ld -1 1 %d %d -1 -1 -1 -1 -1\n", id, sub, run, procs, procs,
			req, 100 + group, group);
}

/* multifactor with one parameter set (key NULL: none) */
static cs_run_opts mf_opts(const char *key, const char *val)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "multifactor";
	if (key) {
		o.keys[0] = key;
		o.vals[0] = val;
		o.nparams = 1;
	}
	return o;
}

/* 2 processors. A (account 1) runs 0..1000 on both. B (account 1) arrives
 * at 10, C (account 2) at 20. At 1000 account 1 holds all the usage: its
 * fair-share factor is 2^(-1 / 0.5) = 0.25, account 2's is 1. Priorities:
 * B = 1000 x 990/604800 + 10000 x 0.25 = 2501.6, C = 1000 x 980/604800 +
 * 10000 = 10001.6: C runs first (1000..1100), B after (1100). */
Test(multifactor, fair_share_puts_the_lighter_account_first)
{
	char t[1024];
	int k = snprintf(t, sizeof t, "; MaxProcs: 2\n");
	k += line(t + k, sizeof t - (size_t)k, 1, 0, 1000, 2, 1000, 1);
	k += line(t + k, sizeof t - (size_t)k, 2, 10, 100, 2, 100, 1);
	line(t + k, sizeof t - (size_t)k, 3, 20, 100, 2, 100, 2);
	cs_run_opts o = mf_opts(NULL, NULL);
	cs_run_result r;
	th_run_text(t, &o, &r);
	cr_assert_eq(th_start(&r, 3), 1000);
	cr_assert_eq(th_start(&r, 2), 1100);
	cs_run_result_free(&r);
	o.policy = "fcfs";
	th_run_text(t, &o, &r);
	cr_assert_eq(th_start(&r, 2), 1000, "FCFS keeps arrival order");
	cs_run_result_free(&r);
}

/* Saturated demand: 10 processors; every 1000 s account 1 submits `first`
 * one-processor jobs of 1000 s and accounts 2 and 3 submit 4 each, more
 * than the room for 10. Over the second half of 400 periods each account's
 * share of the delivered processor-time must be want[account] +- 0.01. */
static void converges(int first, const char *shares, const double want[4])
{
	size_t cap = 400 * 16 * 96 + 64;
	char *t = malloc(cap);
	size_t k = (size_t)snprintf(t, cap, "; MaxProcs: 10\n");
	int id = 1;
	for (long p = 0; p < 400; p++)
		for (int g = 1; g <= 3; g++)
			for (int i = 0; i < (g == 1 ? first : 4); i++)
				k += (size_t)line(t + k, cap - k, id++, p * 1000 + g, 1000, 1, 1000, g);
	cs_run_opts o = mf_opts("half_life", "86400");
	if (shares) {
		o.keys[1] = "shares";
		o.vals[1] = shares;
		o.nparams = 2;
	}
	cs_run_result r;
	th_run_text(t, &o, &r);
	double got[4] = { 0 }, all = 0;
	for (size_t i = 0; i < r.njobs; i++) {
		const cs_job *j = &r.jobs[i];
		if (j->start_s >= 200000 && j->start_s < 400000) {
			got[j->group] += (double)j->size * (double)j->runtime_s;
			all += (double)j->size * (double)j->runtime_s;
		}
	}
	for (int g = 1; g <= 3; g++)
		cr_assert(got[g] / all > want[g] - 0.01 && got[g] / all < want[g] + 0.01,
			  "account %d got %.4f of the processor-time, want %.4f +- 0.01", g, got[g] / all, want[g]);
	cs_run_result_free(&r);
	free(t);
}

/* Equal shares: 1/3 each, where FCFS would deliver 5:4:4 (38.5 %, 30.8 %,
 * 30.8 %). */
Test(multifactor, delivered_usage_converges_to_the_shares)
{
	converges(5, NULL, (const double[4]){ 0, 1.0 / 3, 1.0 / 3, 1.0 / 3 });
}

/* Shares 2:1:1 give account 1 half. */
Test(multifactor, unequal_shares)
{
	converges(6, "1:2,2:1,3:1", (const double[4]){ 0, 0.5, 0.25, 0.25 });
}

Test(multifactor, bad_parameters_are_errors)
{
	cs_run_opts o = mf_opts("half_life", "soon");
	char *p = th_write_tmp("; MaxProcs: 2\n" SWF_JOB(1, 0, 10, 1, 10), ".swf");
	o.workload = p;
	cs_run_result r;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_run(&o, &r, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "half_life: 'soon' is not a number"), "%s", err);
	o.vals[0] = "1:0";
	o.keys[0] = "shares";
	cr_assert_eq(cs_run(&o, &r, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "weight must be a number > 0"), "%s", err);
	th_unlink(p);
}

/* max_running_procs=2, 4 processors. Account 1 submits three 1-processor
 * jobs of 100 s at 0: two run, the third waits for its account's limit
 * (AssocGrpCpuLimit) although processors are free, and does not block
 * account 2's job at 5, which starts at once. The third starts at 100. */
Test(multifactor, an_account_limit_holds_only_its_own_jobs)
{
	char t[1024];
	int k = snprintf(t, sizeof t, "; MaxProcs: 4\n");
	for (int i = 1; i <= 3; i++)
		k += line(t + k, sizeof t - (size_t)k, i, 0, 100, 1, 100, 1);
	line(t + k, sizeof t - (size_t)k, 4, 5, 100, 1, 100, 2);
	cs_run_opts o = mf_opts("max_running_procs", "2");
	cs_run_result r;
	th_run_text(t, &o, &r);
	cr_assert_eq(th_start(&r, 1), 0);
	cr_assert_eq(th_start(&r, 2), 0);
	cr_assert_eq(th_start(&r, 3), 100);
	cr_assert_eq(th_job(&r, 3)->reason, CS_WAIT_CPU_LIMIT);
	cr_assert_eq(th_start(&r, 4), 5);
	cs_run_result_free(&r);
}

/* On a real trace, no account ever holds more than the limit. */
Test(multifactor, the_limit_holds_on_a_real_trace)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/traces/pwa/KTH-SP2-1996-2.swf.gz", th_shared());
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = path;
	o.policy = "multifactor";
	o.keys[0] = "max_running_procs";
	o.vals[0] = "64";
	o.nparams = 1;
	cs_run_result r;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_run(&o, &r, err, sizeof err), 0, "%s", err);
	/* per account (group, or user where the group is -1), sweep its jobs */
	size_t n = r.njobs, held = 0;
	size_t rejected = 0;
	for (size_t i = 0; i < n; i++) {
		const cs_job *a = &r.jobs[i];
		if (a->flags & CS_JOB_REJECTED) {
			cr_assert_gt(a->size, 64, "only jobs over the limit on their own are rejected");
			cr_assert_eq(a->reason, CS_WAIT_CPU_LIMIT);
			rejected++;
			continue;
		}
		int64_t acct = a->group >= 0 ? a->group : a->user;
		/* processors of the same account running when a starts */
		long long used = a->size;
		for (size_t j = 0; j < n; j++) {
			const cs_job *b = &r.jobs[j];
			if (j != i && !(b->flags & CS_JOB_REJECTED) && (b->group >= 0 ? b->group : b->user) == acct &&
			    b->start_s <= a->start_s &&
			    b->end_s > a->start_s && (b->start_s < a->start_s || j < i))
				used += b->size;
		}
		cr_assert_leq(used, 64, "job %lld starts with its account at %lld processors", (long long)a->id, used);
		held += a->reason == CS_WAIT_CPU_LIMIT;
	}
	cr_assert_gt(held, 0, "the limit should bind on KTH-SP2");
	cr_assert_gt(rejected, 0, "KTH-SP2 has jobs of more than 64 processors");
	cr_assert_eq(rejected, r.est.rejected);
	cr_assert_eq(r.m.jobs + rejected, r.njobs, "rejected jobs are kept out of the metrics");
	cs_run_result_free(&r);
}

/* max_jobs=1: account 1's three jobs run one after another (0, 100, 200;
 * the waiting ones show AssocMaxJobsLimit) while account 2's job starts
 * at once. max_submit_jobs=2: of account 1's three jobs at 0 the third is
 * rejected (AssocMaxSubmitJobLimit); a fourth at 150, once the first two
 * have ended, is taken and runs. */
Test(multifactor, job_count_and_submit_limits)
{
	char t[1024];
	int k = snprintf(t, sizeof t, "; MaxProcs: 4\n");
	for (int i = 1; i <= 3; i++)
		k += line(t + k, sizeof t - (size_t)k, i, 0, 100, 1, 100, 1);
	k += line(t + k, sizeof t - (size_t)k, 4, 5, 100, 1, 100, 2);
	line(t + k, sizeof t - (size_t)k, 5, 150, 100, 1, 100, 1);
	cs_run_opts o = mf_opts("max_jobs", "1");
	cs_run_result r;
	th_run_text(t, &o, &r);
	cr_assert_eq(th_start(&r, 1), 0);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 3), 200);
	cr_assert_eq(th_job(&r, 3)->reason, CS_WAIT_JOBS_LIMIT);
	cr_assert_eq(th_start(&r, 4), 5);
	cr_assert_eq(th_start(&r, 5), 300);
	cs_run_result_free(&r);

	o.keys[0] = "max_submit_jobs";
	o.vals[0] = "2";
	th_run_text(t, &o, &r);
	cr_assert_eq(th_start(&r, 1), 0);
	cr_assert_eq(th_start(&r, 2), 0);
	cr_assert(th_job(&r, 3)->flags & CS_JOB_REJECTED);
	cr_assert_eq(th_job(&r, 3)->reason, CS_WAIT_SUBMIT_LIMIT);
	cr_assert_eq(th_start(&r, 5), 150);
	cr_assert_eq(r.est.rejected, 1);
	cr_assert_eq(r.m.jobs, 4);
	cs_run_result_free(&r);
}

/* Budget 1000 processor-seconds per 10000 s period. Account 1's two
 * 1-processor jobs of 600 s arrive at 0: the first is billed 600 and runs;
 * the second (600 more) would pass 1000, so it waits for the next period
 * and starts at 10000, although the machine is idle (a wakeup brings the
 * pass). Account 2 is not affected. With over_budget=reject the second is
 * rejected instead. A job of 2000 processor-seconds on its own is always
 * rejected. */
Test(multifactor, budgets_per_period)
{
	char t[1024];
	int k = snprintf(t, sizeof t, "; MaxProcs: 4\n");
	k += line(t + k, sizeof t - (size_t)k, 1, 0, 600, 1, 600, 1);
	k += line(t + k, sizeof t - (size_t)k, 2, 0, 600, 1, 600, 1);
	k += line(t + k, sizeof t - (size_t)k, 3, 0, 600, 1, 600, 2);
	line(t + k, sizeof t - (size_t)k, 4, 1, 1000, 2, 1000, 2);
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "multifactor";
	o.keys[0] = "budget_procsec";
	o.vals[0] = "1000";
	o.keys[1] = "budget_period";
	o.vals[1] = "10000";
	o.nparams = 2;
	cs_run_result r;
	th_run_text(t, &o, &r);
	cr_assert_eq(th_start(&r, 1), 0);
	cr_assert_eq(th_start(&r, 2), 10000);
	cr_assert_eq(th_job(&r, 2)->reason, CS_WAIT_BUDGET);
	cr_assert_eq(th_start(&r, 3), 0);
	cr_assert(th_job(&r, 4)->flags & CS_JOB_REJECTED, "2 x 1000 > the whole budget");
	cs_run_result_free(&r);
	o.keys[2] = "over_budget";
	o.vals[2] = "reject";
	o.nparams = 3;
	th_run_text(t, &o, &r);
	cr_assert(th_job(&r, 2)->flags & CS_JOB_REJECTED);
	cr_assert_eq(r.est.rejected, 2);
	cs_run_result_free(&r);
}

/* On KTH-SP2 with a budget of 10^7 processor-seconds per 30 days, what
 * each account is billed in a period (jobs started in it, size x runtime)
 * never exceeds the budget. */
Test(multifactor, budgets_are_never_exceeded_on_a_real_trace)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/traces/pwa/KTH-SP2-1996-2.swf.gz", th_shared());
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = path;
	o.policy = "multifactor";
	o.keys[0] = "budget_procsec";
	o.vals[0] = "10000000";
	o.nparams = 1;
	cs_run_result r;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_run(&o, &r, err, sizeof err), 0, "%s", err);
	/* accounts x periods: group ids are small on KTH; use a sparse map */
	enum { P = 64, A = 512 };
	static double billed[P][A];
	memset(billed, 0, sizeof billed);
	size_t held = 0;
	for (size_t i = 0; i < r.njobs; i++) {
		const cs_job *j = &r.jobs[i];
		held += j->reason == CS_WAIT_BUDGET;
		if (j->flags & CS_JOB_REJECTED)
			continue;
		int64_t acct = j->group >= 0 ? j->group : j->user;
		int64_t per = j->start_s / 2592000;
		cr_assert(per < P && acct >= 0 && acct < A);
		billed[per][acct] += (double)j->size * (double)j->runtime_s;
	}
	for (int p = 0; p < P; p++)
		for (int a = 0; a < A; a++)
			cr_assert_leq(billed[p][a], 1e7, "account %d billed %.0f in period %d", a, billed[p][a], p);
	cr_assert_gt(held, 0, "the budget should bind on KTH-SP2");
	cs_run_result_free(&r);
}

/* The pass's sort (sched/priosort.c): above 1,024 jobs a radix sort on
 * the priority, which must give the comparison sort's order exactly: ties
 * by job number, negative priorities, -0 beside 0, a shared high part. */
#include "priosort.h"

Test(multifactor, radix_sort_gives_the_comparison_order)
{
	enum { N = 5000 };
	static cs_ranked a[N], b[N], tmp[N];
	unsigned long long x = 42;
	for (int round = 0; round < 4; round++) {
		for (uint32_t i = 0; i < N; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			double v;
			switch (round) {
			case 0: v = (double)(x >> 40) / 7.0; break;           /* spread */
			case 1: v = (double)((x >> 33) % 50); break;          /* many ties */
			case 2: v = (double)(int64_t)((x >> 33) % 41) - 20.5; /* negative too */
				if ((x >> 20) % 9 == 0)
					v = (x >> 21) % 2 ? -0.0 : 0.0;
				break;
			default: v = 10000.0 + (double)((x >> 33) % 1000) * 1e-9; break; /* close values */
			}
			a[i] = b[i] = (cs_ranked){ v, i, 0 };
		}
		qsort(a, N, sizeof *a, cs_prio_cmp);
		cs_prio_sort(b, tmp, N);
		for (uint32_t i = 0; i < N; i++)
			cr_assert(a[i].jid == b[i].jid, "round %d, place %u: job %u against %u", round, i, a[i].jid,
				  b[i].jid);
	}
}

/* The hinted sort (cs_prio_sort_hinted) against qsort over a run of
 * passes: jobs arrive and leave, priorities grow alike (age), now and
 * then many move at once (a fair-share recomputation: the hint is mostly
 * wrong, so the budget sends it to cs_prio_sort), ties by job number. */
Test(multifactor, hinted_sort_gives_the_comparison_order)
{
	enum { JOBS = 3000, PASSES = 400 };
	static cs_ranked a[JOBS], b[JOBS], tmp[JOBS];
	static double base[JOBS];
	static uint8_t in[JOBS];
	unsigned long long x = 7;
	cs_prio_hint h;
	cr_assert_eq(cs_prio_hint_init(&h, JOBS), 0);
	for (uint32_t j = 0; j < JOBS; j++)
		base[j] = (double)th_xorshift(&x, 20);
	for (int pass = 0; pass < PASSES; pass++) {
		for (int k = 0; k < 12; k++) /* a few arrive and leave */
			in[th_xorshift(&x, JOBS)] ^= 1;
		if (pass % 50 == 49) /* a recomputation: everyone moves */
			for (uint32_t j = 0; j < JOBS; j++)
				base[j] = (double)th_xorshift(&x, 20);
		else if (pass % 7 == 3) /* one moves */
			base[th_xorshift(&x, JOBS)] += 3;
		size_t n = 0;
		for (uint32_t j = 0; j < JOBS; j++)
			if (in[j] || pass < 3) /* all at first: the radix size */
				a[n] = b[n] = (cs_ranked){ base[j] + (pass % 3 == 0 ? 0.5 : 0.0), j, 0 }, n++;
		qsort(a, n, sizeof *a, cs_prio_cmp);
		cs_prio_sort_hinted(&h, b, tmp, n);
		for (size_t i = 0; i < n; i++)
			cr_assert(a[i].jid == b[i].jid, "pass %d, place %zu: job %u against %u", pass, i, a[i].jid,
				  b[i].jid);
	}
	cs_prio_hint_free(&h);
}

/* Billing (TRESBillingWeights) moves fair-share. Two one-node partitions,
 * each of 2 GPUs: big (X100, GRES/gpu=10) and small (Y10, GRES/gpu=1).
 * Project A runs A1 on big and project B runs B1 on small, both 2 GPUs
 * from 0 to 100; at 10 A submits A2 and at 20 B submits B2, each 2 GPUs
 * for 50 s on small, which is busy until 100. At the pass at 100 both
 * projects have run 2 GPUs x 100 s (decayed alike: only ratios matter).
 * - Without weights (`plain`) usage is size-seconds: U_A = U_B = 1/2,
 *   fair-share 2^(-0.5/0.5) = 0.5 each, a tie; age decides (A2 waited 90 s,
 *   B2 80 s): A2 runs 100..150, B2 150..200.
 * - With the weights A was billed 2 x 10 per second, B 2 x 1: U_A = 20/22,
 *   U_B = 2/22; fair-share 2^(-1.818) = 0.284 against 2^(-0.182) = 0.882,
 *   x 10,000 against an age term under 1: B2 runs 100..150, A2 150..200. */
static const char billed_yaml[] =
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

static const char billed_jobs[] = TH_CSV_HDR "1,A,ua,0,1,2,1,0,100,100,normal,big,completed\n"
					     "2,B,ub,0,1,2,1,0,100,100,normal,small,completed\n"
					     "3,A,ua,10,1,2,1,0,50,50,normal,small,completed\n"
					     "4,B,ub,20,1,2,1,0,50,50,normal,small,completed\n";

Test(multifactor, billing_weights_put_the_cheap_partitions_project_first)
{
	char plain[sizeof billed_yaml];
	/* the same cluster without weights */
	snprintf(plain, sizeof plain, "%s", billed_yaml);
	for (char *w; (w = strstr(plain, ", tres_billing_weights: \""));) {
		char *end = strchr(w + 25, '"');
		memmove(w, end + 1, strlen(end + 1) + 1);
	}
	cr_assert_null(strstr(plain, "tres"), "%s", plain);
	cs_run_opts o = mf_opts(NULL, NULL);
	cs_run_result r;
	th_run_on(plain, billed_jobs, ".csv", &o, &r);
	cr_assert_null(r.billing);
	cr_assert_eq(th_start(&r, 3), 100);
	cr_assert_eq(th_start(&r, 4), 150);
	cs_run_result_free(&r);
	o = mf_opts(NULL, NULL);
	th_run_on(billed_yaml, billed_jobs, ".csv", &o, &r);
	cr_assert_not_null(r.billing);
	cr_assert_eq(th_start(&r, 1), 0);
	cr_assert_eq(th_start(&r, 2), 0);
	cr_assert_eq(th_start(&r, 4), 100);
	cr_assert_eq(th_start(&r, 3), 150);
	cs_run_result_free(&r);
}

/* The kept-order sort (cs_prio_sort_kept) against qsort over a run of
 * passes, its input as multifactor's pass builds it: the last order's
 * jobs still queued in that order, then the arrivals in jid order;
 * priorities grow alike, now and then everyone moves (past the budget:
 * the full sort, whose input is in no jid order), many ties. */
Test(multifactor, kept_order_sort_gives_the_comparison_order)
{
	enum { JOBS = 3000, PASSES = 400 };
	static cs_ranked a[JOBS], b[JOBS], tmp[JOBS];
	static double base[JOBS];
	static uint8_t in[JOBS], was[JOBS];
	unsigned long long x = 11;
	size_t nb = 0;
	for (uint32_t j = 0; j < JOBS; j++)
		base[j] = (double)th_xorshift(&x, 40);
	int full = 0;
	for (int pass = 0; pass < PASSES; pass++) {
		for (int k = 0; k < 12; k++) /* a few arrive and leave */
			in[th_xorshift(&x, JOBS)] ^= 1;
		if (pass % 50 == 49) { /* a recomputation: everyone moves */
			for (uint32_t j = 0; j < JOBS; j++)
				base[j] = (double)th_xorshift(&x, 40);
			full++;
		} else if (pass % 7 == 3) { /* one moves */
			base[th_xorshift(&x, JOBS)] += 3;
		}
		double age = pass % 3 == 0 ? 0.5 : 0.0;
		size_t n = 0, m = 0;
		for (size_t i = 0; i < nb; i++) /* the kept order */
			if (in[b[i].jid] || pass < 3)
				b[m] = (cs_ranked){ base[b[i].jid] + age, b[i].jid, 0 }, m++;
		for (uint32_t j = 0; j < JOBS; j++) {
			if (!(in[j] || pass < 3))
				continue;
			a[n++] = (cs_ranked){ base[j] + age, j, 0 };
			if (!was[j])
				b[m++] = a[n - 1];
		}
		cr_assert_eq(m, n);
		qsort(a, n, sizeof *a, cs_prio_cmp);
		cs_prio_sort_kept(b, tmp, n);
		for (size_t i = 0; i < n; i++)
			cr_assert(a[i].jid == b[i].jid, "pass %d, place %zu: job %u against %u", pass, i, a[i].jid,
				  b[i].jid);
		memset(was, 0, sizeof was);
		for (size_t i = 0; i < n; i++)
			was[b[i].jid] = 1;
		nb = n;
	}
	cr_assert_gt(full, 0);
}

/* multifactor's pass reads its queue from the last pass's order without
 * limits, and walks it in arrival order with them: a limit no job
 * reaches (max_jobs) must give the same schedule on a generated backlog
 * (20 days at 1.5x the projects, Fair Tree over its accounts). */
#include "capsim/gen.h"
#include "capsim/native.h"

/* A generated backlog (seed, days, projects times scale) and its accounts
 * tree, as temporary files *w (native CSV) and *acct (YAML): th_unlink
 * both. */
static void gen_backlog(uint64_t seed, int days, double scale, char **w, char **acct)
{
	char err[CS_ERRLEN] = "";
	cs_gen_model *m;
	cs_gen_project *pr = NULL;
	cs_trace t;
	cs_trace_init(&t);
	cr_assert_eq(cs_gen_model_load(&m, NULL, err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_gen_generate_projects(m, seed, days, scale, &t, &pr, err, sizeof err), 0, "%s", err);
	char *wtext = NULL, *atext = NULL;
	size_t wl, al;
	FILE *f = open_memstream(&wtext, &wl), *g = open_memstream(&atext, &al);
	cr_assert(f && g);
	cr_assert_eq(cs_native_write(&t, f), 0);
	cr_assert_eq(cs_gen_accounts_write(g, m, &t, pr, NULL, NULL, err, sizeof err), 0, "%s", err);
	fclose(f);
	fclose(g);
	*w = th_write_tmp(wtext, ".csv");
	*acct = th_write_tmp(atext, ".yaml");
	free(wtext);
	free(atext);
	free(pr);
	cs_trace_free(&t);
	cs_gen_model_free(m);
}

/* Two runs' schedules the same, job for job (start and reservation);
 * both results freed. */
static void same_schedules(cs_run_result r[2])
{
	cr_assert_eq(r[0].njobs, r[1].njobs);
	size_t diff = 0;
	for (size_t i = 0; i < r[0].njobs; i++)
		diff += r[0].jobs[i].start_s != r[1].jobs[i].start_s || r[0].jobs[i].reservation_s != r[1].jobs[i].reservation_s;
	cr_assert_eq(diff, 0, "%zu jobs start or reserve otherwise", diff);
	cs_run_result_free(&r[0]);
	cs_run_result_free(&r[1]);
}

Test(multifactor, the_kept_order_gives_the_arrival_walks_schedule)
{
	char err[CS_ERRLEN] = "";
	char *w, *acct;
	gen_backlog(1, 20, 1.5, &w, &acct);
	cs_run_result r[2];
	for (int k = 0; k < 2; k++) {
		cs_run_opts o = mf_opts(k ? "max_jobs" : NULL, "1000000000");
		o.workload = w;
		o.accounts = acct;
		cr_assert_eq(cs_run(&o, &r[k], err, sizeof err), 0, "%s", err);
	}
	cr_assert_eq(r[0].njobs, r[1].njobs);
	size_t waited = 0;
	for (size_t i = 0; i < r[0].njobs; i++) {
		cr_assert_eq(r[0].jobs[i].start_s, r[1].jobs[i].start_s, "job %zu", i);
		waited += r[0].jobs[i].start_s > r[0].jobs[i].submit_s + 3600;
	}
	cr_assert_gt(waited, 1000, "a backlog: %zu jobs waited over an hour", waited);
	cs_run_result_free(&r[0]);
	cs_run_result_free(&r[1]);
	th_unlink(w);
	th_unlink(acct);
}

/* (Also: the keys with waiting jobs the first loop reads from multifactor's
 * counts, nwait, are the queue's at every pass; and a shape the engine
 * refused from what it keeps is refused again without asking while its
 * partition's key stands, kept_out, which the marks' oracle does not do;
 * that key is read again only once something was given back, and then
 * is the engine's.)
 * The partitions' backfill walk passes over a shape's later jobs on a
 * mark once one of them was refused for any estimate and could not hold
 * (sched/multifactor.c, backfill_walk; such a refusal stands across the
 * holds made in the walk), and over its later jobs beyond an estimate
 * bound while the fit generation stands (bound marks): with the marks
 * off every job is checked, refusals for any estimate last a generation
 * only, and the schedule must be the same on a generated backlog (10
 * days at 1.5x the projects, Fair Tree over its accounts). */
#include "mf.h"

Test(multifactor, the_backfill_walks_marks_give_the_unmarked_schedule)
{
	char err[CS_ERRLEN] = "";
	char *w, *acct;
	gen_backlog(2, 10, 1.5, &w, &acct);
	cs_run_result r[2];
	for (int k = 0; k < 2; k++) {
		cs_run_opts o = mf_opts(NULL, NULL);
		o.workload = w;
		o.accounts = acct;
		uint64_t marked = mf_walk_marked(), bounded = mf_walk_bounded(), kept = mf_walk_kept(),
			 misses = mf_wait_misses(), reused = mf_key_reused(), kmisses = mf_key_misses();
		mf_walk_marks(!k);
		mf_wait_check(1);
		mf_key_check(1);
		cr_assert_eq(cs_run(&o, &r[k], err, sizeof err), 0, "%s", err);
		mf_key_check(0);
		mf_wait_check(0);
		mf_walk_marks(1);
		cr_assert_eq(mf_wait_misses(), misses, "keys whose waiting count disagreed with the queue: %llu",
			     (unsigned long long)(mf_wait_misses() - misses));
		cr_assert_eq(mf_key_misses(), kmisses, "partition keys kept that the engine no longer gives: %llu",
			     (unsigned long long)(mf_key_misses() - kmisses));
		if (!k)
			cr_assert_gt(mf_key_reused() - reused, 1000, "partition keys kept across passes: %llu",
				     (unsigned long long)(mf_key_reused() - reused));
		if (!k) {
			cr_assert_gt(mf_walk_marked() - marked, 1000, "marks made: %llu",
				     (unsigned long long)(mf_walk_marked() - marked));
			cr_assert_gt(mf_walk_bounded() - bounded, 1000, "bound marks made: %llu",
				     (unsigned long long)(mf_walk_bounded() - bounded));
			cr_assert_gt(mf_walk_kept() - kept, 1000, "refusals from kept keys: %llu",
				     (unsigned long long)(mf_walk_kept() - kept));
		} else {
			cr_assert_eq(mf_walk_marked(), marked);
			cr_assert_eq(mf_walk_bounded(), bounded);
			cr_assert_eq(mf_walk_kept(), kept);
		}
	}
	same_schedules(r);
	th_unlink(w);
	th_unlink(acct);
}

/* A partition's head in the first loop is refused without a try only from
 * what the pass keeps (kept_nofit: a refusal for any estimate learnt in
 * the pass, or one the engine keeps across passes); the engine is not
 * asked before its try, as a refused try has no other effect. With the
 * engine asked first (the oracle, as before) the schedule must be the
 * same on a generated backlog, where its answer refuses hundreds of heads
 * (10 days at 1.5x the projects, Fair Tree over its accounts). */
/* Two runs of a generated backlog (seed, 10 days at 1.5x the projects,
 * Fair Tree over its accounts) with a test switch set to on[k] for run k
 * and to off after it; grew[k]: how much the switch's counter grew in run
 * k. The two schedules must be the same. */
static void backlog_both_ways(unsigned seed, const char *half_life, void (*set)(int), const int on[2], int off,
			      uint64_t (*counter)(void), uint64_t grew[2])
{
	char err[CS_ERRLEN] = "";
	char *w, *acct;
	gen_backlog(seed, 10, 1.5, &w, &acct);
	cs_run_result r[2];
	for (int k = 0; k < 2; k++) {
		cs_run_opts o = mf_opts(half_life ? "half_life" : NULL, half_life);
		o.workload = w;
		o.accounts = acct;
		uint64_t before = counter();
		set(on[k]);
		cr_assert_eq(cs_run(&o, &r[k], err, sizeof err), 0, "%s", err);
		set(off);
		grew[k] = counter() - before;
	}
	same_schedules(r);
	th_unlink(w);
	th_unlink(acct);
}

Test(multifactor, heads_tried_without_asking_give_the_asked_schedule)
{
	uint64_t refused[2];
	backlog_both_ways(2, NULL, mf_head_asks, (const int[]){ 0, 1 }, 0, mf_head_refused, refused);
	cr_assert_eq(refused[0], 0);
	cr_assert_gt(refused[1], 500, "heads the engine's answer refused: %llu", (unsigned long long)refused[1]);
}

/* A failed backfill's try is not asked about after it (backfill): the
 * next job of its shape asks before its own try. With the ask after each
 * failure (the oracle, as before) the schedule must be the same on a
 * generated backlog (10 days at 1.5x the projects, Fair Tree over its
 * accounts), where thousands of tries fail. Fails when a failed try is
 * taken as its shape's refusal for the pass without asking (a later job
 * that would end before the hold it met is not tried). */
Test(multifactor, failed_tries_asked_about_later_give_the_asked_schedule)
{
	uint64_t learnt[2];
	backlog_both_ways(4, NULL, mf_fail_learns, (const int[]){ 0, 1 }, 0, mf_fail_learnt, learnt);
	cr_assert_eq(learnt[0], 0);
	cr_assert_gt(learnt[1], 1000, "failed tries asked about: %llu", (unsigned long long)learnt[1]);
}

/* One multifactor run of backlog w with accounts acct and ages capped
 * after an hour, certificates on or off, the kept order's room (0: its
 * own), every certified pass's order checked pair by pair: none out of
 * order, none whose certificate ended left unmended, none under a block
 * bound later than it (sched/mfcert.c, ubound: a pass reads only the
 * blocks bounded by now), no job's fair-share term other than w_fs x
 * its user's factor now (refresh_terms writes only the terms that moved),
 * and the waiting users' lists holding exactly the queue's jobs, none
 * left marked (refresh_terms reads the jobs of the users whose term
 * moved). */
static void certified_run(const char *w, const char *acct, int certs, size_t room, cs_run_result *r)
{
	char err[CS_ERRLEN] = "";
	cs_run_opts o = mf_opts("max_age", "3600");
	o.workload = w;
	o.accounts = acct;
	uint64_t wrong = mf_certs_wrong();
	mf_certs(certs);
	mf_certs_check(1);
	mf_order_room(room);
	cr_assert_eq(cs_run(&o, r, err, sizeof err), 0, "%s", err);
	mf_order_room(0);
	mf_certs(1);
	mf_certs_check(0);
	cr_assert_eq(mf_certs_wrong(), wrong, "pairs out of order, ended or over their bound, stale terms: %llu",
		     (unsigned long long)(mf_certs_wrong() - wrong));
}

/* The kept order's certificates (sched/mfcert.c, queue_certified):
 * with them off every priority is worked out at every pass, and the
 * schedule must be the same on a generated backlog (10 days at 1.5x the
 * projects, Fair Tree over its accounts) with ages capped after an hour,
 * so that capped jobs are overtaken by younger ones while certified; and
 * every certified pass's order, checked pair by pair against the
 * priorities, must be in order, with no certificate ended and every
 * term the tree's now. Fails when a move or a write leaves a block's
 * bound later than a certificate it covers, when the blocks bounded by
 * now exactly are passed over, when a computation's refresh reads a
 * user's factor cached from an earlier one or leaves a moved term
 * unwritten (as when it takes a user's term for its jobs' that is not
 * theirs), when a job whose term moved stays in its place with one
 * of its two pairs' certificates (or the least, min_until) left standing,
 * or when the search for a taken-out job's place from where it was
 * (insert_now's doubling steps) narrows past that place. */
Test(multifactor, the_kept_orders_certificates_give_the_full_sorts_schedule)
{
	char *w, *acct;
	gen_backlog(3, 10, 1.5, &w, &acct);
	cs_run_result r[2];
	for (int k = 0; k < 2; k++) {
		uint64_t used = mf_certified();
		certified_run(w, acct, !k, 0, &r[k]);
		if (!k)
			cr_assert_gt(mf_certified() - used, 10000, "passes from certificates: %llu",
				     (unsigned long long)(mf_certified() - used));
		else
			cr_assert_eq(mf_certified(), used);
	}
	same_schedules(r);
	th_unlink(w);
	th_unlink(acct);
}

/* The kept order packed from each gap's shorter side (sched/mfcert.c,
 * pack_gaps; insert_now puts jobs in from the shorter side too, moving
 * the start down), with the order's start given room for two entries only, so
 * that it goes back to the allocation's start every few passes and a
 * pass with more gaps than room closes the rest from the far side: the
 * same schedule as the full sort at every pass (as above), every
 * certified order in order. Fails when a block is moved by the wrong
 * count, when a gap's certificate is not folded into the entry before
 * it, or when the start is not moved back. */
Test(multifactor, gaps_packed_from_either_side_give_the_full_sorts_schedule)
{
	char *w, *acct;
	gen_backlog(4, 10, 1.5, &w, &acct);
	cs_run_result r[2];
	for (int k = 0; k < 2; k++) {
		uint64_t rebased = mf_order_rebased(), up = mf_order_up(), down = mf_order_down();
		certified_run(w, acct, !k, 2, &r[k]);
		if (!k) {
			cr_assert_gt(mf_order_rebased() - rebased, 100, "rebased: %llu",
				     (unsigned long long)(mf_order_rebased() - rebased));
			cr_assert_gt(mf_order_up() - up, 1000, "gaps closed from the start: %llu",
				     (unsigned long long)(mf_order_up() - up));
			cr_assert_gt(mf_order_down() - down, 100, "insertions from the start: %llu",
				     (unsigned long long)(mf_order_down() - down));
		}
	}
	same_schedules(r);
	th_unlink(w);
	th_unlink(acct);
}

/* A certificate (sched/mfcert.c, certify) against the priorities
 * themselves: for pairs a little apart (a few ulps to a few hundred
 * seconds of age, near and past their caps, twins too), a before b at
 * tau, the pass's sum must keep a before b at every time from tau to
 * the certificate's end. Fails when pairs within the rounding margin are
 * certified beyond tau, or when a capped job's lead is not seen to
 * shrink. */
Test(multifactor, a_certified_pair_keeps_its_order_until_its_certificate_ends)
{
	enum { TRIALS = 20000 };
	static struct prio_in pin[2];
	mf p = { 0 };
	p.pin = pin;
	p.njobs = 2;
	unsigned long long x = 5;
	size_t longer = 0, near = 0;
	for (int trial = 0; trial < TRIALS; trial++) {
		p.w_age = 1000;
		p.max_age = trial % 2 ? 604800 : 3600;
		p.w_fs = 10000;
		p.cert_e = 0;
		double rate = p.w_age / p.max_age;
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		cs_time sa = (cs_time)(x >> 44) % 100000;
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		cs_time d = (cs_time)((x >> 40) % 400) - 200; /* b's submit after a's */
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		double f = (double)(x >> 11) * 0x1p-53;
		pin[0] = (struct prio_in){ .submit = sa, .wfs = p.w_fs * f, .size = 0.5, .extra = 0 };
		/* b's terms make up d seconds of age, give or take a few ulps or
		 * a few seconds; every tenth is a's twin */
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		int kind = (int)((x >> 33) % 10);
		double off = kind < 5 ? (double)((int)((x >> 40) % 64) - 32) * 0x1p-40 : ((double)((x >> 40) % 2000) - 1000) * rate * 0.01;
		pin[1] = (struct prio_in){ .submit = sa + d, .wfs = pin[0].wfs + (double)d * rate + off, .size = 0.5, .extra = 0 };
		if (kind == 9)
			pin[1] = pin[0];
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		cs_time tau = (sa > sa + d ? sa : sa + d) + (cs_time)((x >> 40) % (2 * (uint64_t)p.max_age));
		double p0 = prio_sum(p.w_age, p.max_age, tau, &pin[0], pin[0].wfs, 1);
		double p1 = prio_sum(p.w_age, p.max_age, tau, &pin[1], pin[1].wfs, 1);
		uint32_t a = 0, b = 1;
		if (!(p0 > p1 || (p0 == p1 && 0 < 1))) {
			a = 1;
			b = 0;
		}
		cs_time until = mf_certify(&p, tau, a, b);
		cr_assert_gt(until, tau);
		near += until == tau + 1;
		longer += until > tau + 1;
		cs_time last = until - 1 < tau + 4 * (cs_time)p.max_age ? until - 1 : tau + 4 * (cs_time)p.max_age;
		for (cs_time t = tau; t <= last; t += 1 + (last - tau) / 3000) {
			double pa = prio_sum(p.w_age, p.max_age, t, &pin[a], pin[a].wfs, 1);
			double pb = prio_sum(p.w_age, p.max_age, t, &pin[b], pin[b].wfs, 1);
			cr_assert(pa > pb || (pa == pb && a < b), "trial %d: at %lld, certified at %lld until %lld: %.17g, %.17g",
				  trial, (long long)t, (long long)tau, (long long)until, pa, pb);
		}
		/* the certificate's last second, where the gap is least */
		if (until < INT64_MAX / 2) {
			double pa = prio_sum(p.w_age, p.max_age, until - 1, &pin[a], pin[a].wfs, 1);
			double pb = prio_sum(p.w_age, p.max_age, until - 1, &pin[b], pin[b].wfs, 1);
			cr_assert(pa > pb || (pa == pb && a < b), "trial %d: at its end", trial);
		}
	}
	cr_assert_gt(near, TRIALS / 20, "pairs certified only at tau: %zu", near);
	cr_assert_gt(longer, TRIALS / 4, "pairs certified beyond tau: %zu", longer);
}

/* A Fair Tree computation lists the users with running jobs from the
 * list kept as jobs start and stop (rusers: a user once, in no particular
 * order), not from the running jobs: the schedule must be the one listing
 * every running job's user (as many starts and stops of one user's jobs
 * interleave), and the kept list must agree with the running jobs at
 * every computation. */
Test(multifactor, the_users_with_running_jobs_give_the_running_lists_schedule)
{
	uint64_t misses[2];
	backlog_both_ways(3, NULL, mf_user_list, (const int[]){ 1, 0 }, 1, mf_user_list_misses, misses);
	cr_assert(misses[0] == 0 && misses[1] == 0, "rusers disagreed %llu times",
		  (unsigned long long)(misses[0] + misses[1]));
}

/* With a tree a running job is charged at each Fair Tree computation and
 * when it stops, its decayed run since its last charge at once, not at
 * every pass: the same usage but for rounding (a sum of each pass's
 * charges before), so the backlog's schedule must be the one charged
 * at every pass, with the default half-life and with one short enough
 * for the decay scale to be folded in several times; the jobs charged
 * late are counted only that way. */
Test(multifactor, charges_at_computations_give_the_schedule_charged_every_pass)
{
	uint64_t late[2];
	backlog_both_ways(4, NULL, mf_charge_each_pass, (const int[]){ 0, 1 }, 0, mf_charged_late, late);
	cr_assert_gt(late[0], 1000, "jobs charged at computations and stops: %llu", (unsigned long long)late[0]);
	cr_assert_eq(late[1], 0);
	/* a half-life of 10 minutes: the scale folded into usage every 55 hours
	 * (below 1e-100), the waiting charges' starts with it */
	backlog_both_ways(4, "600", mf_charge_each_pass, (const int[]){ 0, 1 }, 0, mf_charged_late, late);
	cr_assert_gt(late[0], 1000);
}

/* sort_u32 (a pass's ended and arrived jobs: by insertion up to 16, else
 * qsort) leaves every list as qsort with cmp_u32 does, repeated values
 * and the lengths on both sides of 16 included. */
Test(multifactor, sort_u32_sorts_as_qsort_does)
{
	uint32_t a[40], b[40];
	unsigned seed = 7;
	for (size_t n = 0; n <= 40; n++)
		for (int t = 0; t < 50; t++) {
			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				a[i] = b[i] = (seed >> 8) % (t % 2 ? 8 : 100000);
			}
			sort_u32(a, n);
			qsort(b, n, sizeof *b, cmp_u32);
			cr_assert(n == 0 || memcmp(a, b, n * sizeof *a) == 0, "n %zu, trial %d", n, t);
		}
}

/* An account's classic fair-share factor, 2^(-(usage / total) / share),
 * is worked out at its first read in a pass (mf_fairshare_calc) and the
 * same double is read inline at every later job of the pass; a pass whose
 * usage moved works it out again. Three accounts over 200 passes of
 * charges, each read a few times a pass, against exp2 of the pass's
 * usage bit for bit. */
Test(multifactor, the_fair_share_factor_is_the_passs_own)
{
	double usage[4] = { 0 }, share[3] = { 0.5, 0.25, 0.25 }, fs[3];
	uint64_t fs_pass[3] = { 0 };
	mf p = { .nacct = 3, .usage = usage, .share = share, .fs = fs, .fs_pass = fs_pass, .pass = 1 };
	unsigned seed = 11;
	for (int pass = 0; pass < 200; pass++, p.pass++) {
		for (uint32_t a = 0; a < 3; a++) {
			seed = seed * 1103515245u + 12345u;
			usage[a] += (double)(seed >> 8) / 1024.0;
		}
		p.usage_total = usage[0] + usage[1] + usage[2];
		for (int read = 0; read < 4; read++)
			for (uint32_t a = 0; a < 3; a++) {
				double want = exp2(-(usage[a] / p.usage_total) / share[a]);
				double got = mf_fairshare(&p, a);
				cr_assert(memcmp(&got, &want, sizeof got) == 0, "pass %d, read %d, account %u: %a, want %a",
					  pass, read, a, got, want);
			}
	}
}
