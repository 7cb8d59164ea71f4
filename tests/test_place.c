/* capsim tests: what the node model's placement keeps between tries
 * (sim/place.c, sim/shape.c), checked against the allocator on a busy
 * generated workload. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/trace.h"
#include "helpers.h"
#include "../sim/engine_int.h"

/* The policy under test: its own pass, then the check. */
static void (*policy_pass)(void *state, cs_sched_ctx *ctx);
static size_t fits_kept, fits_wrong;

/* After each pass, every waiting job whose shape is said to fit what is
 * free (cs_shape_fits at its node types' version now) fits: the
 * allocator's answer alone (c->dry 2). */
static void fits_check(void *state, cs_sched_ctx *ctx)
{
	policy_pass(state, ctx);
	cs_slot s[64];
	for (uint32_t jid = 0; jid < ctx->njobs; jid++) {
		const cs_job *j = &ctx->jobs[jid];
		if (cs_ctx_not_waiting(ctx, jid) || j->nodes > 64 ||
		    !cs_shape_fits(ctx, j, cs_place_ver(ctx, cs_place_mask(ctx, jid))))
			continue;
		cs_placement p = { s, 64, 0 };
		int dry = ctx->dry;
		ctx->dry = 2;
		fits_wrong += cs_place_types(ctx, jid, &p) != 0;
		ctx->dry = dry;
		fits_kept++;
	}
}

/* A shape that fitted what was free is not tried again while nothing
 * changed on its node types (place.c fits_now): every such fit kept still
 * stands, under EASY with several holds and under multifactor, on three
 * days of a backlog. Fails (1,249,802 of EASY's 1,520,299 wrong) when a
 * kept fit is read without its version. */
Test(place, a_kept_fit_is_a_fit_now)
{
	char *path = th_backlog_csv(3, 0);
	static const char *const pol[] = { "easy", "multifactor" };
	for (size_t i = 0; i < sizeof pol / sizeof *pol; i++) {
		const cs_policy_ops *ops = cs_policy_find(pol[i]);
		cr_assert(ops);
		cs_policy_ops checked = *ops;
		policy_pass = ops->pass;
		checked.pass = fits_check;
		fits_kept = fits_wrong = 0;
		cs_run_opts o;
		cs_run_opts_default(&o);
		o.workload = path;
		o.test_ops = &checked;
		if (i == 0) {
			o.keys[0] = "reserve";
			o.vals[0] = "3";
			o.nparams = 1;
		}
		cs_run_result r;
		char err[CS_ERRLEN] = "";
		cr_assert_eq(cs_run(&o, &r, err, sizeof err), 0, "%s", err);
		cr_assert_gt(fits_kept, 1000, "%s: %zu fits kept", pol[i], fits_kept);
		cr_assert_eq(fits_wrong, 0, "%s: %zu of %zu kept fits do not fit", pol[i], fits_wrong, fits_kept);
		cs_run_result_free(&r);
	}
	th_unlink(path);
}

/* A check switch of the engine's (on while a run is made) and its counts
 * so far in this thread: what it kept, and of those what differed from
 * what a search made afresh finds. */
struct check_sw {
	void (*on)(int);
	uint64_t (*kept)(void);
	uint64_t (*differ)(void);
	const char *what;
};

/* One run of policy over path (fit; reserve: EASY's reserve=3) with the
 * switch on: more than 100 kept in the run, none differing. */
static void run_checked(const char *path, const char *policy, cs_fit fit, int reserve, const struct check_sw *sw)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = path;
	o.policy = policy;
	o.fit = fit;
	if (reserve) {
		o.keys[0] = "reserve";
		o.vals[0] = "3";
		o.nparams = 1;
	}
	uint64_t kept0 = sw->kept(), differ0 = sw->differ();
	cs_run_result r;
	char err[CS_ERRLEN] = "";
	sw->on(1);
	int rc = cs_run(&o, &r, err, sizeof err);
	sw->on(0);
	cr_assert_eq(rc, 0, "%s", err);
	uint64_t kept = sw->kept() - kept0, differ = sw->differ() - differ0;
	cr_assert_gt(kept, 100, "%s: %llu %s", policy, (unsigned long long)kept, sw->what);
	cr_assert_eq(differ, 0, "%s: %llu of %llu %s differ", policy, (unsigned long long)differ,
		     (unsigned long long)kept, sw->what);
	cs_run_result_free(&r);
}

/* A start's what-if entries beside the holds (place.c wi_aside) are kept
 * from the last start's while the machine's version, the job's partition
 * and the holds set aside (their stamps, in order) are the same: each
 * entry kept so is the one made afresh, under multifactor's partitions and
 * EASY's several holds, on three days of a backlog. Fails when the
 * version is not read (entries kept past a start or an end: 147 of
 * multifactor's 4,905 differ), or the stamps (past a hold placed again
 * elsewhere: 5 of EASY's 160,534). */
Test(place, kept_what_if_entries_are_the_entries_made_afresh)
{
	char *path = th_backlog_csv(3, 0);
	static const struct check_sw sw = { cs_place_aw_check, cs_place_aw_kept, cs_place_aw_differ, "entries" };
	run_checked(path, "multifactor", CS_FIT_FIRST, 0, &sw);
	run_checked(path, "easy", CS_FIT_FIRST, 1, &sw);
	th_unlink(path);
}

/* A hold kept past jobs started since on its node types (hold.c
 * hold_past: each expected back after the hold's time, on nodes after the
 * free-now ones its search handed back) is the hold a search finds now:
 * each one so kept is searched for as well and compared (time, nodes,
 * GPUs, cores, memory), under multifactor and under EASY with several
 * holds, with first and best fit, on three days of a backlog. */
Test(place, holds_kept_past_starts_are_the_holds_searched)
{
	char *path = th_backlog_csv(3, 0);
	static const struct check_sw sw = { cs_hold_past_check, cs_hold_past_kept, cs_hold_past_differ,
					    "holds kept past starts" };
	for (int fit = 0; fit < 2; fit++) {
		run_checked(path, "multifactor", fit ? CS_FIT_BEST : CS_FIT_FIRST, 0, &sw);
		run_checked(path, "easy", fit ? CS_FIT_BEST : CS_FIT_FIRST, 1, &sw);
	}
	th_unlink(path);
}

/* The runs of dom_refusals_are_failures: a policy, a fit, parameters. */
struct dom_run {
	const char *policy;
	cs_fit fit;
	const char *key, *val;
};

/* A shape refused because one of its partition and topology rule that
 * asks no more of anything did not fit what was free, nothing given back
 * on the partition since (shape.c dom_failed), does not fit what is free:
 * each refusal tried as well, dry (cs_shape_dom_check), under multifactor
 * and EASY with best fit, and multifactor with the fragmentation-aware
 * fit, on three days of a backlog; and EASY under the topology-aware fit
 * with every third multi-node job held to one leaf switch and every third
 * to at most two, on a backlog of four days. Fails when the nodes are
 * compared the wrong way (5,837 of multifactor's 9,748 refusals fit), or
 * the rule not at all (128 of the topology run's 15,515). */
Test(place, dom_refusals_are_failures)
{
	char *path = th_backlog_csv(3, 0);
	char err[CS_ERRLEN] = "";
	char *ruled = th_ruled_csv(1.5, NULL);
	static const struct dom_run runs[] = {
		{ "multifactor", CS_FIT_BEST, NULL, NULL },
		{ "easy", CS_FIT_BEST, "reserve", "3" },
		{ "multifactor", CS_FIT_FRAG, NULL, NULL },
		{ "easy", CS_FIT_TOPO, NULL, NULL },
	};
	for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
		cs_run_opts o;
		cs_run_opts_default(&o);
		o.workload = i == 3 ? ruled : path;
		o.policy = runs[i].policy;
		o.fit = runs[i].fit;
		if (runs[i].key) {
			o.keys[0] = runs[i].key;
			o.vals[0] = runs[i].val;
			o.nparams = 1;
		}
		uint64_t refused0 = cs_shape_dom_refused(), differ0 = cs_shape_dom_differ();
		cs_run_result r;
		cs_shape_dom_check(1);
		int rc = cs_run(&o, &r, err, sizeof err);
		cs_shape_dom_check(0);
		cr_assert_eq(rc, 0, "%s", err);
		uint64_t refused = cs_shape_dom_refused() - refused0, differ = cs_shape_dom_differ() - differ0;
		cr_assert_gt(refused, 100, "%s (%zu): %llu refused", runs[i].policy, i, (unsigned long long)refused);
		cr_assert_eq(differ, 0, "%s (%zu): %llu of %llu refused fit", runs[i].policy, i,
			     (unsigned long long)differ, (unsigned long long)refused);
		cs_run_result_free(&r);
	}
	th_unlink(path);
	th_unlink(ruled);
}
