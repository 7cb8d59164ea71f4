/* FCFS and EASY on small traces whose schedules were worked out by hand,
 * and each convention option. Times in seconds; "A(3p, 0..100)" is a job
 * of 3 processors running from 0 to 100. */
#include <criterion/criterion.h>
#include <string.h>
#include <time.h>

#include "capsim/engine.h"
#include "helpers.h"

static cs_run_opts opts(const char *policy)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = policy;
	return o;
}

static void sjbf(cs_run_opts *o)
{
	o->keys[0] = "order";
	o->vals[0] = "sjbf";
	o->nparams = 1;
}

/* 4 processors. A(3p, 0..100). B(4p) arrives at 1: shadow = 100, extra = 0.
 * C(1p, est 50) arrives at 2 and ends at 52 <= 100: backfilled at 2.
 * D(1p, est 200) arrives at 3: no free processor; at 52 it would end at 252
 * > 100 and extra is 0, so it waits for B (100..150) and starts at 150. */
static const char shadow_trace[] = "; MaxProcs: 4\n"
	SWF_JOB(1, 0, 100, 3, 100) SWF_JOB(2, 1, 50, 4, 50) SWF_JOB(3, 2, 50, 1, 50)
	SWF_JOB(4, 3, 200, 1, 200);

Test(easy, backfills_a_job_that_ends_before_the_shadow_time)
{
	cs_run_opts o = opts("easy");
	cs_run_result r;
	th_run_text(shadow_trace, &o, &r);
	cr_assert_eq(th_start(&r, 1), 0);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 3), 2);
	cr_assert_eq(th_start(&r, 4), 150);
	cr_assert_eq(th_job(&r, 2)->reservation_s, 100, "B's reservation is A's estimated end");
	cr_assert(th_job(&r, 3)->flags & CS_JOB_BACKFILLED);
	cr_assert_not(th_job(&r, 2)->flags & CS_JOB_BACKFILLED);
	cr_assert_eq(r.m.backfilled, 1);
	cs_run_result_free(&r);
}

Test(fcfs, never_lets_a_later_job_overtake)
{
	/* same trace: C and D wait behind B and both start when B ends */
	cs_run_opts o = opts("fcfs");
	cs_run_result r;
	th_run_text(shadow_trace, &o, &r);
	cr_assert_eq(th_start(&r, 1), 0);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 3), 150);
	cr_assert_eq(th_start(&r, 4), 150);
	cr_assert_eq(r.m.backfilled, 0);
	/* metrics by hand: waits 0, 99, 148, 147; makespan 350 (D ends 350) */
	cr_assert_eq(r.m.makespan, 350);
	cr_assert_float_eq(r.m.mean_wait, (0 + 99 + 148 + 147) / 4.0, 1e-9);
	cr_assert_float_eq(r.m.median_wait, (99 + 147) / 2.0, 1e-9);
	cr_assert_eq(r.m.max_wait, 148);
	/* utilization: (3*100 + 4*50 + 50 + 200) / (4 * 350) */
	cr_assert_float_eq(r.m.utilization, 750.0 / 1400.0, 1e-12);
	cs_run_result_free(&r);
}

/* 4 processors. A(2p, 0..100). B(3p, 10 s) arrives at 1: shadow 100, free
 * then 4, extra 1. C(1p, est 500) at 2 runs past the shadow but fits the
 * extra processor: backfilled at 2, extra drops to 0. D(1p, est 500) at 3
 * fits now (1 free) but neither ends by 100 nor fits the extra: waits.
 * At 100 B starts (A's 2 + 1 free = 3), ends 110; D starts at 110. */
Test(easy, backfills_a_long_job_onto_the_extra_processors_only)
{
	cs_run_opts o = opts("easy");
	cs_run_result r;
	th_run_text("; MaxProcs: 4\n" SWF_JOB(1, 0, 100, 2, 100) SWF_JOB(2, 1, 10, 3, 10)
		    SWF_JOB(3, 2, 500, 1, 500) SWF_JOB(4, 3, 500, 1, 500), &o, &r);
	cr_assert_eq(th_start(&r, 1), 0);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 3), 2);
	cr_assert_eq(th_start(&r, 4), 110);
	cs_run_result_free(&r);
}

/* 4 processors. A(2p, 0..100); B(4p) head from 0, shadow 100, extra 0.
 * At 1 arrive C(2p, est 90) and D(2p, est 50): both end by 100, only one
 * fits. Queue order takes C (1..91), then D cannot end by 100 from 91 and
 * waits for B (100..200): D at 200. SJBF takes D (1..51); C from 51 would
 * end at 141 > 100: C at 200. */
static const char order_trace[] = "; MaxProcs: 4\n"
	SWF_JOB(1, 0, 100, 2, 100) SWF_JOB(2, 0, 100, 4, 100) SWF_JOB(3, 1, 90, 2, 90)
	SWF_JOB(4, 1, 50, 2, 50);

Test(easy, queue_order_backfills_the_older_candidate)
{
	cs_run_opts o = opts("easy");
	cs_run_result r;
	th_run_text(order_trace, &o, &r);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 3), 1);
	cr_assert_eq(th_start(&r, 4), 200);
	cs_run_result_free(&r);
}

Test(easy, sjbf_backfills_the_shortest_estimate_first)
{
	cs_run_opts o = opts("easy");
	sjbf(&o);
	cs_run_result r;
	th_run_text(order_trace, &o, &r);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 3), 200);
	cr_assert_eq(th_start(&r, 4), 1);
	cs_run_result_free(&r);
}

/* --estimates: C(1p) runs 40 s but asks 200. 4 processors, A(3p, 0..100),
 * B(4p) head with shadow 100. With requested estimates C (2+200 > 100)
 * cannot backfill and starts after B (100..150) at 150; with exact
 * estimates it ends at 42 <= 100 and backfills at 2. */
static const char est_trace[] = "; MaxProcs: 4\n"
	SWF_JOB(1, 0, 100, 3, 100) SWF_JOB(2, 1, 50, 4, 50) SWF_JOB(3, 2, 40, 1, 200);

Test(conventions, estimates_requested_or_exact)
{
	cs_run_opts o = opts("easy");
	cs_run_result r;
	th_run_text(est_trace, &o, &r);
	cr_assert_eq(th_start(&r, 3), 150);
	cr_assert_eq(th_job(&r, 3)->estimate_s, 200);
	cs_run_result_free(&r);
	o.wconv.estimates = CS_EST_EXACT;
	th_run_text(est_trace, &o, &r);
	cr_assert_eq(th_start(&r, 3), 2);
	cr_assert_eq(th_job(&r, 3)->estimate_s, 40);
	cs_run_result_free(&r);
}

/* --job-size: job 1 has 2 allocated and 3 requested processors; job 2 has
 * allocated -1 (falls back to requested 1), job 3 requested -1 (falls back
 * to allocated 2). */
static const char size_trace[] = "; MaxProcs: 4\n"
	"1 0 -1 10 2 -1 -1 3 20 -1 1 1 1 -1 -1 -1 -1 -1\n"
	"2 0 -1 10 -1 -1 -1 1 20 -1 1 1 1 -1 -1 -1 -1 -1\n"
	"3 0 -1 10 2 -1 -1 -1 20 -1 1 1 1 -1 -1 -1 -1 -1\n";

Test(conventions, job_size_field_and_its_fallbacks)
{
	const cs_size_field f[3] = { CS_SIZE_ALLOCATED, CS_SIZE_REQUESTED, CS_SIZE_MAX };
	const uint32_t want[3][3] = { { 2, 1, 2 }, { 3, 1, 2 }, { 3, 1, 2 } };
	const size_t fallbacks[3] = { 1, 1, 2 };
	for (int k = 0; k < 3; k++) {
		cs_run_opts o = opts("fcfs");
		o.wconv.size_field = f[k];
		cs_run_result r;
		th_run_text(size_trace, &o, &r);
		for (int id = 1; id <= 3; id++)
			cr_assert_eq(th_job(&r, id)->size, want[k][id - 1], "field %d job %d", k, id);
		cr_assert_eq(r.wst.size_fallback, fallbacks[k], "field %d", k);
		cs_run_result_free(&r);
	}
}

/* Filter rules, each counted: negative submit, runtime 0, no size, larger
 * than the machine, and (with drop) a missing requested time. Job 7 runs
 * 30 s past its 20 s request: killed at 20 by default, runs on with
 * --overrun continue. FCFS on 4 processors: 5 (0..10) and 6 (1..11) fill
 * the machine, so 7 starts at 10 and ends at 30; without 5 (dropped under
 * --missing-reqtime drop) 7 starts at 2 and, running on, ends at 52. */
static const char filter_trace[] = "; MaxProcs: 4\n"
	"1 -5 -1 10 2 -1 -1 2 20 -1 1 1 1 -1 -1 -1 -1 -1\n"
	"2 0 -1 0 2 -1 -1 2 20 -1 1 1 1 -1 -1 -1 -1 -1\n"
	"3 0 -1 10 -1 -1 -1 -1 20 -1 1 1 1 -1 -1 -1 -1 -1\n"
	"4 0 -1 10 8 -1 -1 8 20 -1 1 1 1 -1 -1 -1 -1 -1\n"
	"5 0 -1 10 2 -1 -1 2 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
	"6 1 -1 10 2 -1 -1 2 20 -1 1 1 1 -1 -1 -1 -1 -1\n"
	"7 2 -1 50 2 -1 -1 2 20 -1 1 1 1 -1 -1 -1 -1 -1\n";

Test(conventions, every_dropped_job_is_counted_by_reason)
{
	cs_run_opts o = opts("fcfs");
	cs_run_result r;
	th_run_text(filter_trace, &o, &r);
	cr_assert_eq(r.wst.records, 7);
	cr_assert_eq(r.wst.dropped[CS_DROP_NEGATIVE_SUBMIT], 1);
	cr_assert_eq(r.wst.dropped[CS_DROP_RUNTIME], 1);
	cr_assert_eq(r.wst.dropped[CS_DROP_SIZE], 1);
	cr_assert_eq(r.wst.dropped[CS_DROP_TOO_LARGE], 1);
	cr_assert_eq(r.wst.dropped[CS_DROP_REQTIME], 0);
	cr_assert_eq(r.wst.reqtime_fallback, 1, "job 5: estimate = runtime");
	cr_assert_eq(th_job(&r, 5)->estimate_s, 10);
	cr_assert_eq(r.njobs, 3);
	cr_assert_eq(r.wst.killed, 1);
	cr_assert_eq(th_job(&r, 7)->runtime_s, 20);
	cr_assert_eq(th_job(&r, 7)->end_s, 30);
	cs_run_result_free(&r);

	o.wconv.missing_reqtime = CS_MISSING_DROP;
	o.wconv.overrun = CS_OVERRUN_CONTINUE;
	th_run_text(filter_trace, &o, &r);
	cr_assert_eq(r.wst.dropped[CS_DROP_REQTIME], 1);
	cr_assert_eq(r.njobs, 2);
	cr_assert_eq(r.wst.killed, 0);
	cr_assert_eq(r.wst.overran, 1);
	cr_assert_eq(th_job(&r, 7)->runtime_s, 50);
	cr_assert_eq(th_job(&r, 7)->end_s, 52);
	cs_run_result_free(&r);
}

/* --same-time and --pass, EASY with SJBF. 4 processors. G(2p, 0..1000),
 * E(2p, 0..100). H(4p) arrives at 5: head, shadow 1000, extra 0. O(2p,
 * est 800) arrives at 6: nothing free. At 100 E ends and N(2p, est 300)
 * arrives; either could backfill into E's 2 processors (both end by 1000).
 *  - per-event, ends first: E's pass sees only O: O at 100; N waits until
 *    H (1000..1010) ends: N at 1010.
 *  - per-event, submissions first: N's pass finds nothing free; E's pass
 *    sees O and N and SJBF takes N: N at 100, O (would end 1200 from 400)
 *    at 1010.
 *  - per-time: one pass after both events: N at 100, O at 1010. */
static const char same_time_trace[] = "; MaxProcs: 4\n"
	SWF_JOB(1, 0, 1000, 2, 1000) SWF_JOB(2, 0, 100, 2, 100) SWF_JOB(3, 5, 10, 4, 10)
	SWF_JOB(4, 6, 800, 2, 800) SWF_JOB(5, 100, 300, 2, 300);

Test(conventions, same_time_order_and_pass_rule)
{
	struct { cs_same_time st; cs_pass_rule pass; cs_time o, n; } cases[] = {
		{ CS_SAME_END_FIRST, CS_PASS_PER_EVENT, 100, 1010 },
		{ CS_SAME_SUBMIT_FIRST, CS_PASS_PER_EVENT, 1010, 100 },
		{ CS_SAME_END_FIRST, CS_PASS_PER_TIME, 1010, 100 },
		{ CS_SAME_SUBMIT_FIRST, CS_PASS_PER_TIME, 1010, 100 },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		cs_run_opts o = opts("easy");
		sjbf(&o);
		o.econv.same_time = cases[k].st;
		o.econv.pass = cases[k].pass;
		cs_run_result r;
		th_run_text(same_time_trace, &o, &r);
		cr_assert_eq(th_start(&r, 3), 1000, "case %zu", k);
		cr_assert_eq(th_start(&r, 4), cases[k].o, "case %zu: O", k);
		cr_assert_eq(th_start(&r, 5), cases[k].n, "case %zu: N", k);
		cs_run_result_free(&r);
	}
}

/* --release, per-event, submissions first, EASY. 4 processors. E2(2p, runs
 * 100, asks 1000) starts before E1(2p, runs 100, asks 100). H(4p) arrives at
 * 1 (shadow 1000). X(2p, est 500) arrives at 100, before the two ends.
 *  - release=estimate: X's pass counts E1 (estimated end reached) as
 *    finished; E2 still runs to 1000 by its estimate, so X (100..600) ends by
 *    the shadow and is backfilled. H then waits for X: H at 600.
 *  - release=event: X's pass sees nothing free; E2's end pass computes
 *    shadow 100 (E1 due now): X cannot end by it; E1's end frees all 4: H
 *    at 100 (100..110), X at 110. */
static const char release_trace[] = "; MaxProcs: 4\n"
	SWF_JOB(1, 0, 100, 2, 1000) SWF_JOB(2, 0, 100, 2, 100) SWF_JOB(3, 1, 10, 4, 10)
	SWF_JOB(4, 100, 500, 2, 500);

Test(conventions, release_at_estimate_or_at_end_event)
{
	cs_run_opts o = opts("easy");
	o.econv.same_time = CS_SAME_SUBMIT_FIRST;
	o.econv.pass = CS_PASS_PER_EVENT;
	o.econv.release = CS_RELEASE_ESTIMATE;
	cs_run_result r;
	th_run_text(release_trace, &o, &r);
	cr_assert_eq(th_start(&r, 4), 100);
	cr_assert_eq(th_start(&r, 3), 600);
	cr_assert_eq(r.est.early_releases, 1);
	cs_run_result_free(&r);
	o.econv.release = CS_RELEASE_EVENT;
	th_run_text(release_trace, &o, &r);
	cr_assert_eq(th_start(&r, 3), 100);
	cr_assert_eq(th_start(&r, 4), 110);
	cr_assert_eq(r.est.early_releases, 0);
	cs_run_result_free(&r);
}

/* --submit-pass, EASY, jobs run past their estimates (--overrun continue),
 * per-event. 4 processors. A(2p, runs 1000, asks 100), B(1p, runs 1000,
 * asks 500): 1 free. H(3p) at 1: shadow 100 (A), free then 3, extra 0.
 * O(1p, est 1000) at 2 fits now but neither ends by 100 nor fits extra 0.
 * N(2p) at 600 does not fit. By 600 A and B are both past their estimates
 * and count as ending "now": shadow 600, free then 4, extra 1.
 *  - always: N's pass backfills O onto the extra processor at 600.
 *  - if-fits: N does not fit, so no pass: O waits; at 1000 A ends (H
 *    starts, 1000..1010) and B ends (O is head and fits): O at 1000. */
static const char submit_trace[] = "; MaxProcs: 4\n"
	SWF_JOB(1, 0, 1000, 2, 100) SWF_JOB(2, 0, 1000, 1, 500) SWF_JOB(3, 1, 10, 3, 10)
	SWF_JOB(4, 2, 1000, 1, 1000) SWF_JOB(5, 600, 50, 2, 50);

Test(conventions, submit_pass_always_or_if_it_fits)
{
	cs_run_opts o = opts("easy");
	o.wconv.overrun = CS_OVERRUN_CONTINUE;
	o.econv.pass = CS_PASS_PER_EVENT;
	cs_run_result r;
	th_run_text(submit_trace, &o, &r);
	cr_assert_eq(th_start(&r, 4), 600);
	cr_assert_eq(th_start(&r, 3), 1000);
	cr_assert_eq(th_start(&r, 5), 1010);
	cs_run_result_free(&r);
	o.econv.submit_pass = CS_SUBMIT_IF_FITS;
	th_run_text(submit_trace, &o, &r);
	cr_assert_eq(th_start(&r, 4), 1000);
	cr_assert_eq(th_start(&r, 3), 1000);
	cr_assert_eq(th_start(&r, 5), 1010);
	cs_run_result_free(&r);
}

/* --overrun, EASY. 4 processors. A(2p, runs 300, asks 100) and B(2p,
 * 0..50) start at 0. H(4p, 10 s) arrives at 1: the head. X(2p, 150 s)
 * arrives at 2. At 50 B ends: 2 free, H does not fit.
 *  - kill: A is cut at 100 and estimated to end then: shadow 100; X (50 +
 *    150 > 100, extra 0) is not backfilled. A ends at 100: H 100..110, X
 *    at 110.
 *  - continue: A runs to 300, estimated to end at 100: at 50 the shadow is
 *    100, X waits; no event at 100; A ends at 300: H at 300, X at 310.
 *  - raise: A runs to 300 and its estimate is raised to 300: at 50 the
 *    shadow is 300, X (ends 200) is backfilled at 50; H at 300. */
static const char overrun_trace[] = "; MaxProcs: 4\n"
	SWF_JOB(1, 0, 300, 2, 100) SWF_JOB(2, 0, 50, 2, 50) SWF_JOB(3, 1, 10, 4, 10)
	SWF_JOB(4, 2, 150, 2, 150);

Test(conventions, overrun_kill_continue_or_raise)
{
	struct { cs_overrun ov; cs_time a_end, a_est, h, x; size_t killed; } cases[] = {
		{ CS_OVERRUN_KILL, 100, 100, 100, 110, 1 },
		{ CS_OVERRUN_CONTINUE, 300, 100, 300, 310, 0 },
		{ CS_OVERRUN_RAISE, 300, 300, 300, 50, 0 },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		cs_run_opts o = opts("easy");
		o.wconv.overrun = cases[k].ov;
		cs_run_result r;
		th_run_text(overrun_trace, &o, &r);
		cr_assert_eq(th_job(&r, 1)->end_s, cases[k].a_end, "case %zu: A's end", k);
		cr_assert_eq(th_job(&r, 1)->estimate_s, cases[k].a_est, "case %zu: A's estimate", k);
		cr_assert_eq(th_start(&r, 3), cases[k].h, "case %zu: H", k);
		cr_assert_eq(th_start(&r, 4), cases[k].x, "case %zu: X", k);
		cr_assert_eq(r.wst.overran, 1, "case %zu", k);
		cr_assert_eq(r.wst.killed, cases[k].killed, "case %zu", k);
		cs_run_result_free(&r);
	}
}

Test(conventions, bounded_slowdown_threshold)
{
	/* one processor; A(0..5), B arrives 0, runs 2 s, starts 5: response 7.
	 * tau 10: A max(1, 5/10) = 1, B max(1, 7/10) = 1 -> mean 1.
	 * tau 1: A 5/5 = 1, B 7/2 = 3.5 -> mean 2.25. */
	cs_run_opts o = opts("fcfs");
	cs_run_result r;
	const char *t = "; MaxProcs: 1\n" SWF_JOB(1, 0, 5, 1, 5) SWF_JOB(2, 0, 2, 1, 2);
	th_run_text(t, &o, &r);
	cr_assert_float_eq(r.m.mean_bounded_slowdown, 1.0, 1e-12);
	cr_assert_float_eq(r.m.mean_slowdown, (1.0 + 3.5) / 2, 1e-12);
	cs_run_result_free(&r);
	o.bsld_tau = 1;
	th_run_text(t, &o, &r);
	cr_assert_float_eq(r.m.mean_bounded_slowdown, 2.25, 1e-12);
	cs_run_result_free(&r);
}

Test(conventions, pyss_preset)
{
	cs_workload_conv w = { 0 };
	cs_engine_conv e = { 0 };
	cr_assert_eq(cs_compat_apply("pyss", "easy", &w, &e), 0);
	cr_assert_eq(w.conversion, CS_CONVERT_PYSS);
	cr_assert_eq(w.size_field, CS_SIZE_REQUESTED, "pyss sizes by field 8, else field 5");
	cr_assert_eq(w.estimates, CS_EST_REQUESTED);
	cr_assert_eq(w.missing_reqtime, CS_MISSING_PYSS);
	cr_assert_eq(w.overrun, CS_OVERRUN_KILL);
	cr_assert_eq(e.same_time, CS_SAME_SUBMIT_FIRST);
	cr_assert_eq(e.pass, CS_PASS_PER_EVENT);
	cr_assert_eq(e.submit_pass, CS_SUBMIT_IF_FITS);
	cr_assert_eq(e.release, CS_RELEASE_ESTIMATE);
	cr_assert_eq(cs_compat_apply("pyss", "fcfs", &w, &e), 0);
	cr_assert_eq(e.submit_pass, CS_SUBMIT_ALWAYS);
	cr_assert_eq(cs_compat_apply("batsim", "easy", &w, &e), -CS_EINVAL);
}

Test(machine, header_and_overrides)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = "t";
	cs_swf_header h = { .max_nodes = 144, .max_procs = 1152, .unix_start = -1, .max_jobs = -1 };
	cs_machine m;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_machine_resolve(&h, &o, &m, err, sizeof err), 0);
	cr_assert_eq(m.procs, 1152);
	cr_assert_eq(m.nodes, 144);
	cr_assert_eq(m.ppn, 8);
	h.max_procs = -1;
	h.max_nodes = 256;
	cr_assert_eq(cs_machine_resolve(&h, &o, &m, err, sizeof err), 0);
	cr_assert_eq(m.procs, 256);
	o.nodes = 10;
	o.ppn = 4;
	cr_assert_eq(cs_machine_resolve(&h, &o, &m, err, sizeof err), 0);
	cr_assert_eq(m.procs, 40);
	o.procs = 41;
	cr_assert_eq(cs_machine_resolve(&h, &o, &m, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "contradicts"), "%s", err);
	o.procs = o.nodes = o.ppn = -1;
	h.max_nodes = -1;
	cr_assert_eq(cs_machine_resolve(&h, &o, &m, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "no MaxProcs or MaxNodes"), "%s", err);
}

/* --convert pyss keeps every record. 4 processors. Job 1 has run time 0:
 * a 1 s job, estimate 1, on its 2 processors. Job 2 asks 10 s, runs 30: it
 * runs 10 s with estimate 30. Job 3 has 8 processors: cut to 4. Job 4 has
 * no requested time: runs 1 s (pyss's min(-1, run) then max(.., 1)) and is
 * estimated at its run time 50. Job 5 was submitted at -3: at 1, as 1 s. */
Test(conventions, pyss_record_conversion)
{
	cs_run_opts o = opts("fcfs");
	cs_workload_conv_defaults(&o.wconv, CS_CONVERT_PYSS);
	cs_run_result r;
	th_run_text("; MaxProcs: 4\n"
		    "1 0 -1 0 2 -1 -1 2 20 -1 1 1 1 -1 -1 -1 -1 -1\n"
		    "2 0 -1 30 1 -1 -1 1 10 -1 1 1 1 -1 -1 -1 -1 -1\n"
		    "3 5 -1 7 8 -1 -1 8 9 -1 1 1 1 -1 -1 -1 -1 -1\n"
		    "4 6 -1 50 1 -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
		    "5 -3 -1 4 1 -1 -1 1 9 -1 1 1 1 -1 -1 -1 -1 -1\n", &o, &r);
	cr_assert_eq(r.njobs, 5);
	cr_assert_eq(r.wst.placeholders, 2);
	cr_assert_eq(r.wst.clamped, 1);
	const cs_job *j = th_job(&r, 1);
	cr_assert(j->runtime_s == 1 && j->estimate_s == 1 && j->size == 2);
	j = th_job(&r, 2);
	cr_assert(j->runtime_s == 10 && j->estimate_s == 30);
	cr_assert_eq(th_job(&r, 3)->size, 4);
	j = th_job(&r, 4);
	cr_assert(j->runtime_s == 1 && j->estimate_s == 50);
	j = th_job(&r, 5);
	cr_assert(j->submit_s == 1 && j->runtime_s == 1);
	/* FCFS: 1 (0..1), 2 (0..10), 5 (1..2), 3 needs all 4: 10..17, 4 at 17 */
	cr_assert_eq(th_start(&r, 5), 1);
	cr_assert_eq(th_start(&r, 3), 10);
	cr_assert_eq(th_start(&r, 4), 17);
	cs_run_result_free(&r);
}

/* A cluster config as the machine: processors = its cores (272 in
 * configs/clusters/small-test.yaml: 4 x 32 + 2 x 8 + 2 x 64), pooled. The
 * schedule is the one --procs 272 gives. */
Test(machine, a_cluster_config_gives_one_processor_per_core)
{
	char trace[1024], cfg[1024];
	snprintf(trace, sizeof trace, "%s/traces/synthetic/lublin_256.swf", th_shared());
	snprintf(cfg, sizeof cfg, "%s/configs/clusters/small-test.yaml", th_root());
	cs_run_opts o = opts("easy");
	o.workload = trace;
	o.cluster = cfg;
	cs_run_result a, b;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_run(&o, &a, err, sizeof err), 0, "%s", err);
	cr_assert_eq(a.machine.procs, 272);
	cr_assert_eq(a.machine.nodes, 8);
	cr_assert_eq(a.machine.ppn, 0, "node types differ in cores");
	o.cluster = NULL;
	o.procs = 272;
	cr_assert_eq(cs_run(&o, &b, err, sizeof err), 0, "%s", err);
	cr_assert_eq(a.njobs, b.njobs);
	for (size_t i = 0; i < a.njobs; i++)
		cr_assert_eq(a.jobs[i].start_s, b.jobs[i].start_s);
	cs_run_result_free(&a);
	cs_run_result_free(&b);
	o.cluster = cfg;
	cr_assert_eq(cs_run(&o, &a, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "--cluster sets the machine"), "%s", err);
}

/* SJF, 4 processors: A(4p, 0..100) runs; at 10 B(2p, est 300), at 20
 * C(2p, est 50), at 30 D(4p, est 10) wait. At 100 the shortest is D (10 s,
 * all 4 processors): 100..110; then C and B (50 and 300 s, 2p each) both
 * start at 110. FCFS would run B, C at 100 and D at 400. */
Test(sjf, starts_the_shortest_estimate_first)
{
	cs_run_opts o = opts("sjf");
	cs_run_result r;
	th_run_text("; MaxProcs: 4\n" SWF_JOB(1, 0, 100, 4, 100) SWF_JOB(2, 10, 300, 2, 300)
		    SWF_JOB(3, 20, 50, 2, 50) SWF_JOB(4, 30, 10, 4, 10), &o, &r);
	cr_assert_eq(th_start(&r, 4), 100);
	cr_assert_eq(th_start(&r, 3), 110);
	cr_assert_eq(th_start(&r, 2), 110);
	/* last pending reasons: B was next (Resources) until C arrived, then
	 * behind C and D (Priority); D and C each waited as the next to run */
	cr_assert_eq(th_job(&r, 1)->reason, CS_WAIT_NONE);
	cr_assert_eq(th_job(&r, 2)->reason, CS_WAIT_PRIORITY);
	cr_assert_eq(th_job(&r, 3)->reason, CS_WAIT_RESOURCES);
	cr_assert_eq(th_job(&r, 4)->reason, CS_WAIT_RESOURCES);
	cs_run_result_free(&r);
}

/* Conservative vs EASY, 4 processors. A(2p, 0..100). B(3p, 100 s) at 1:
 * reserved 100..200. C(4p, 100 s) at 2: reserved after B, 200..300.
 * D(1p, 250 s) at 3 fits now, and EASY backfills it (it only needs the one
 * extra processor at B's shadow time), which pushes C to D's end, 253.
 * Conservative sees that D would overlap C's reservation and gives D the
 * first slot that delays nobody: after C, at 300. */
static const char cons_trace[] = "; MaxProcs: 4\n"
	SWF_JOB(1, 0, 100, 2, 100) SWF_JOB(2, 1, 100, 3, 100) SWF_JOB(3, 2, 100, 4, 100)
	SWF_JOB(4, 3, 250, 1, 250);

Test(conservative, no_backfill_delays_any_waiting_job)
{
	cs_run_opts o = opts("easy");
	cs_run_result r;
	th_run_text(cons_trace, &o, &r);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 3), 253, "EASY: C waits for the backfilled D");
	cr_assert_eq(th_start(&r, 4), 3);
	cs_run_result_free(&r);
	o = opts("conservative");
	th_run_text(cons_trace, &o, &r);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 3), 200);
	cr_assert_eq(th_start(&r, 4), 300);
	cr_assert_eq(th_job(&r, 3)->reservation_s, 200, "C's reservation at submission");
	cr_assert_eq(th_job(&r, 4)->reservation_s, 300);
	cs_run_result_free(&r);
}

/* Compression: A(2p) asks 1000 s but ends at 50. B(4p, 100 s) at 1 is
 * reserved at 1000; when A ends at 50 it moves up and starts at 50. */
Test(conservative, early_ends_compress_reservations)
{
	cs_run_opts o = opts("conservative");
	cs_run_result r;
	th_run_text("; MaxProcs: 4\n" SWF_JOB(1, 0, 50, 2, 1000) SWF_JOB(2, 1, 100, 4, 100), &o, &r);
	cr_assert_eq(th_job(&r, 2)->reservation_s, 1000);
	cr_assert_eq(th_start(&r, 2), 50);
	cs_run_result_free(&r);
}

/* The engine refuses a workload whose times could overflow its sums, even
 * when no single time does: three jobs of 2^60 s; the first two, one after
 * another, reach 2^61. Nothing runs. */
Test(conventions, the_engine_refuses_time_sums_near_overflow)
{
	cs_job jobs[3];
	for (int i = 0; i < 3; i++)
		jobs[i] = (cs_job){ .id = i + 1, .submit_s = 0, .runtime_s = (cs_time)1 << 60,
				    .estimate_s = (cs_time)1 << 60, .size = 1, .line = (uint32_t)i + 2 };
	cs_run_opts o = opts("fcfs");
	cs_engine_stats st;
	char err[CS_ERRLEN] = "";
	int rc = cs_engine_run(jobs, 3, 4, &o.econv, cs_policy_find("fcfs"), NULL, &st, err, sizeof err);
	cr_assert_eq(rc, -CS_EINVAL);
	cr_assert(strstr(err, "job 2 (line 3)") && strstr(err, "2^61 s"), "%s", err);
}

/* The pass clock (cs_engine_time_passes, for bench_backlog) reads the
 * thread's CPU time around each pass only while it is on: off, the stats
 * say 0; on, a positive time no longer than the run's own CPU time, and the
 * schedule is the same. */
Test(engine, pass_clock_counts_only_when_asked)
{
	char *path = th_backlog_csv(2, 0);
	cs_run_result r[2];
	uint64_t run_ns = 0;
	for (int k = 0; k < 2; k++) {
		cs_run_opts o = opts("easy");
		o.workload = path;
		char err[CS_ERRLEN] = "";
		struct timespec a, b;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
		cs_engine_time_passes(k);
		int rc = cs_run(&o, &r[k], err, sizeof err);
		cs_engine_time_passes(0);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		cr_assert_eq(rc, 0, "%s", err);
		run_ns = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000u + (uint64_t)b.tv_nsec - (uint64_t)a.tv_nsec;
	}
	cr_assert_gt(r[0].est.passes, 100);
	cr_assert_eq(r[0].est.pass_cpu_ns, 0);
	cr_assert_gt(r[1].est.pass_cpu_ns, 0);
	cr_assert_leq(r[1].est.pass_cpu_ns, run_ns, "%llu > %llu", (unsigned long long)r[1].est.pass_cpu_ns,
		      (unsigned long long)run_ns);
	cr_assert_eq(r[0].njobs, r[1].njobs);
	for (size_t i = 0; i < r[0].njobs; i++)
		cr_assert_eq(r[0].jobs[i].start_s, r[1].jobs[i].start_s, "job %zu", i);
	cs_run_result_free(&r[0]);
	cs_run_result_free(&r[1]);
	th_unlink(path);
}
