/* Invariants on every trace in ../shared/traces, under FCFS, EASY and
 * EASY-SJBF, with the default conventions and the pyss preset: processors
 * in use never exceed the machine, no job starts before its submission,
 * EASY never starts the head later than its reservation, two runs are
 * identical, and every start time equals the reference simulator's. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "ref_sim.h"

typedef struct { cs_time t; int delta; } step;
static int step_cmp(const void *a, const void *b)
{
	const step *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->delta < y->delta ? -1 : x->delta > y->delta; /* ends (negative) first */
}

static void check_invariants(const cs_run_result *r, int easy)
{
	size_t n = r->njobs;
	step *s = malloc(2 * n * sizeof *s);
	for (size_t i = 0; i < n; i++) {
		const cs_job *j = &r->jobs[i];
		cr_assert_geq(j->start_s, j->submit_s, "job %lld starts before its submission", (long long)j->id);
		cr_assert_eq(j->end_s, j->start_s + j->runtime_s);
		if (easy && j->reservation_s >= 0)
			cr_assert_leq(j->start_s, j->reservation_s,
				      "job %lld started at %lld after its reservation %lld", (long long)j->id,
				      (long long)j->start_s, (long long)j->reservation_s);
		s[2 * i] = (step){ j->start_s, (int)j->size };
		s[2 * i + 1] = (step){ j->end_s, -(int)j->size };
	}
	qsort(s, 2 * n, sizeof *s, step_cmp);
	long long used = 0, peak = 0;
	for (size_t i = 0; i < 2 * n; i++) {
		used += s[i].delta;
		if (used > peak)
			peak = used;
		cr_assert_leq(used, (long long)r->machine.procs, "over the machine at t=%lld", (long long)s[i].t);
	}
	cr_assert_gt(peak, 0);
	free(s);
}

/* Indices, not pointers: Criterion may run each parameter in a fresh
 * process image, where a pointer from the parent means nothing. */
typedef struct { int trace; int policy; int sjbf; int pyss; } tcase;

static const char *traces[] = {
	"pwa/KTH-SP2-1996-2.swf.gz", "pwa/KTH-SP2-1996-2-strong.swf.gz",
	"pwa/SDSC-SP2-1998-4.2-cln.swf.gz", "pwa/SDSC-BLUE-2000-4.1-cln.swf.gz",
	"pwa/SDSC-BLUE-2000-4.2-cln.swf.gz", "synthetic/lublin_256.swf",
};

/* Every start time equals the reference simulator's under the same
 * conventions; `what` names the case in the message. */
static void assert_matches_reference(const cs_run_result *r, const cs_run_opts *o, ref_policy rp, const char *what)
{
	cs_time *ref = malloc(r->njobs * sizeof *ref);
	ref_run(r->jobs, r->njobs, r->machine.procs, &o->econv, rp, ref);
	size_t diff = 0, first = 0;
	for (size_t i = 0; i < r->njobs; i++)
		if (ref[i] != r->jobs[i].start_s && diff++ == 0)
			first = i;
	cr_assert_eq(diff, 0, "%s: %zu of %zu start times differ from the reference; first: job %lld at %lld, "
		     "reference %lld", what, diff, r->njobs, (long long)r->jobs[first].id,
		     (long long)r->jobs[first].start_s, (long long)ref[first]);
	free(ref);
}

/* Run shared trace t under policy with the default conventions. */
static void run_trace(int t, const char *policy, cs_run_opts *o, cs_run_result *r, char *path, size_t pathlen)
{
	snprintf(path, pathlen, "%s/traces/%s", th_shared(), traces[t]);
	cs_run_opts_default(o);
	o->workload = path;
	o->policy = policy;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_run(o, r, err, sizeof err), 0, "%s: %s", path, err);
}

ParameterizedTestParameters(reference, invariants_and_reference)
{
	static tcase cases[6 * 3 * 2];
	size_t k = 0;
	for (size_t t = 0; t < 6; t++)
		for (int p = 0; p < 3; p++)
			for (int c = 0; c < 2; c++)
				cases[k++] = (tcase){ (int)t, p != 0, p == 2, c };
	return cr_make_param_array(tcase, cases, k);
}

ParameterizedTest(tcase *tc, reference, invariants_and_reference)
{
	char path[1024];
	const char *trace = traces[tc->trace], *policy = tc->policy ? "easy" : "fcfs";
	snprintf(path, sizeof path, "%s/traces/%s", th_shared(), trace);
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = path;
	o.policy = policy;
	if (tc->sjbf) {
		o.keys[0] = "order";
		o.vals[0] = "sjbf";
		o.nparams = 1;
	}
	if (tc->pyss)
		cs_compat_apply("pyss", o.policy, &o.wconv, &o.econv);
	cs_run_result r, r2;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_run(&o, &r, err, sizeof err), 0, "%s: %s", path, err);
	cr_assert_gt(r.njobs, 1000);
	check_invariants(&r, tc->policy);

	cr_assert_eq(cs_run(&o, &r2, err, sizeof err), 0, "%s", err);
	cr_assert_eq(r2.njobs, r.njobs);
	for (size_t i = 0; i < r.njobs; i++)
		cr_assert(r.jobs[i].id == r2.jobs[i].id && r.jobs[i].start_s == r2.jobs[i].start_s &&
			  r.jobs[i].end_s == r2.jobs[i].end_s && r.jobs[i].flags == r2.jobs[i].flags &&
			  r.jobs[i].reservation_s == r2.jobs[i].reservation_s, "two runs differ at job %zu", i);
	cr_assert_eq(memcmp(&r.m, &r2.m, sizeof r.m), 0);
	cs_run_result_free(&r2);

	char what[256];
	snprintf(what, sizeof what, "%s %s%s%s", trace, policy, tc->sjbf ? " sjbf" : "", tc->pyss ? " pyss" : "");
	assert_matches_reference(&r, &o, !tc->policy ? REF_FCFS : tc->sjbf ? REF_EASY_SJBF : REF_EASY, what);
	cs_run_result_free(&r);
}

/* The whole grid of engine conventions on one real trace against the
 * reference: 2 x 2 x 2 x 2 settings x 3 policies. */
ParameterizedTestParameters(reference, every_engine_convention_matches_reference)
{
	static int combos[16 * 3];
	for (int i = 0; i < 48; i++)
		combos[i] = i;
	return cr_make_param_array(int, combos, 48);
}

ParameterizedTest(int *combo, reference, every_engine_convention_matches_reference)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/traces/pwa/KTH-SP2-1996-2.swf.gz", th_shared());
	int c = *combo;
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = path;
	int pol = c / 16;
	o.policy = pol == 0 ? "fcfs" : "easy";
	if (pol == 2) {
		o.keys[0] = "order";
		o.vals[0] = "sjbf";
		o.nparams = 1;
	}
	o.econv.same_time = (c & 1) ? CS_SAME_SUBMIT_FIRST : CS_SAME_END_FIRST;
	o.econv.pass = (c & 2) ? CS_PASS_PER_EVENT : CS_PASS_PER_TIME;
	o.econv.submit_pass = (c & 4) ? CS_SUBMIT_IF_FITS : CS_SUBMIT_ALWAYS;
	o.econv.release = (c & 8) ? CS_RELEASE_ESTIMATE : CS_RELEASE_EVENT;
	cs_run_result r;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_run(&o, &r, err, sizeof err), 0, "%s", err);
	check_invariants(&r, pol != 0);
	char what[64];
	snprintf(what, sizeof what, "combo %d", c);
	assert_matches_reference(&r, &o, pol == 0 ? REF_FCFS : pol == 1 ? REF_EASY : REF_EASY_SJBF, what);
	cs_run_result_free(&r);
}

/* SJF on every trace against the reference, default conventions. */
ParameterizedTestParameters(reference, sjf_matches_reference)
{
	static int idx[] = { 0, 1, 2, 3, 4, 5 };
	return cr_make_param_array(int, idx, 6);
}

ParameterizedTest(int *t, reference, sjf_matches_reference)
{
	char path[1024];
	cs_run_opts o;
	cs_run_result r;
	run_trace(*t, "sjf", &o, &r, path, sizeof path);
	check_invariants(&r, 0);
	assert_matches_reference(&r, &o, REF_SJF, traces[*t]);
	cs_run_result_free(&r);
}

/* Conservative on real traces: the invariants, and no job starts later
 * than the reservation it got when it was first considered. */
ParameterizedTestParameters(reference, conservative_keeps_every_reservation)
{
	static int idx[] = { 0, 1, 2, 5 }; /* KTH raw and strong, SDSC-SP2, Lublin */
	return cr_make_param_array(int, idx, 4);
}

ParameterizedTest(int *t, reference, conservative_keeps_every_reservation)
{
	char path[1024];
	cs_run_opts o;
	cs_run_result r;
	run_trace(*t, "conservative", &o, &r, path, sizeof path);
	size_t with = 0;
	for (size_t i = 0; i < r.njobs; i++)
		with += r.jobs[i].reservation_s >= 0;
	cr_assert_eq(with, r.njobs, "every job gets a reservation");
	check_invariants(&r, 1);
	cs_run_result_free(&r);
}
