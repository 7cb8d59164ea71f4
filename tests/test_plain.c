/* capsim tests: what the engine keeps between passes on a node model
 * (holds, request shapes that did not fit, conservative plans) and where
 * it looks (a job's own node types) give the schedule of the plain engine
 * (cs_engine_plain), which keeps nothing and searches everything. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/engine.h"
#include "helpers.h"

/* Run path under policy with the fit and parameters given (on the
 * cluster config at cluster_path, NULL: the default), then again on the
 * plain engine: every job starts, ends, reserves, runs in its partition for
 * as long, loses as much to stops, waits for its reason and is placed on
 * the same GPUs, cores and memory of the same nodes. Returns how many jobs
 * waited last for the power cap and how many a stop (a failure) set back. */
struct plain_seen {
	size_t powercap, stopped;
};

static struct plain_seen same_as_plain_on(const char *cluster_path, const char *path, const char *policy, cs_fit fit,
					  const char *const *params, const char *const *resv)
{
	cs_run_result r[2];
	for (int k = 0; k < 2; k++) {
		cs_run_opts o;
		cs_run_opts_default(&o);
		char kv[CS_MAX_PARAMS][64];
		th_params(&o, params, kv);
		for (size_t i = 0; resv && resv[i]; i++)
			o.reserve[o.nreserve++] = resv[i];
		o.workload = path;
		o.cluster = cluster_path;
		o.policy = policy;
		o.fit = fit;
		char err[CS_ERRLEN] = "";
		cs_engine_plain(k);
		int rc = cs_run(&o, &r[k], err, sizeof err);
		cs_engine_plain(0);
		cr_assert_eq(rc, 0, "%s", err);
	}
	cr_assert_eq(r[0].njobs, r[1].njobs);
	cr_assert_gt(r[0].est.max_queue, 50, "%s: a queue builds: %zu", policy, r[0].est.max_queue);
	size_t diff = 0, placed = 0;
	struct plain_seen seen = { 0, 0 };
	for (size_t i = 0; i < r[0].njobs; i++) {
		const cs_job *a = &r[0].jobs[i], *b = &r[1].jobs[i];
		diff += a->start_s != b->start_s || a->end_s != b->end_s || a->reservation_s != b->reservation_s ||
			a->partition != b->partition || a->reason != b->reason || a->flags != b->flags ||
			a->runtime_s != b->runtime_s || a->preempted_s != b->preempted_s;
		seen.powercap += a->reason == CS_WAIT_POWERCAP;
		seen.stopped += a->preempted_s > 0 || (a->flags & CS_JOB_NODE_FAIL);
		if (a->start_s < 0 || a->nodes != b->nodes)
			continue;
		const cs_slot *sa = r[0].placements + r[0].placement_off[i], *sb = r[1].placements + r[1].placement_off[i];
		for (uint32_t k = 0; k < a->nodes; k++)
			diff += !cs_slot_same(&sa[k], &sb[k]);
		placed++;
	}
	cr_assert_gt(placed, 0);
	cr_assert_eq(diff, 0, "%s, fit %d%s%s: %zu differences", policy, (int)fit, params && params[0] ? ", " : "",
		     params && params[0] ? params[0] : "", diff);
	cs_run_result_free(&r[0]);
	cs_run_result_free(&r[1]);
	return seen;
}

static void same_as_plain(const char *path, const char *policy, cs_fit fit, const char *const *params,
			  const char *const *resv)
{
	same_as_plain_on(NULL, path, policy, fit, params, resv);
}

Test(plain, kept_holds_and_fits_give_the_plain_engines_schedule)
{
	char *path = th_backlog_csv(4, 0);
	static const char *const pol[] = { "easy", "multifactor", "fcfs", "sjf" };
	for (size_t i = 0; i < sizeof pol / sizeof *pol; i++)
		same_as_plain(path, pol[i], CS_FIT_BEST, NULL, NULL);
	same_as_plain(path, "easy", CS_FIT_FIRST, NULL, NULL);
	same_as_plain(path, "easy", CS_FIT_TOPO, NULL, NULL);
	same_as_plain(path, "multifactor", CS_FIT_FRAG, NULL, NULL);
	same_as_plain(path, "easy", CS_FIT_BEST, (const char *const[]){ "reserve=3", "reserve_user=1", NULL }, NULL);
	same_as_plain(path, "multifactor", CS_FIT_BEST, (const char *const[]){ "queue=global", NULL }, NULL);
	/* advance reservations: holds and fits are then made afresh */
	same_as_plain(path, "easy", CS_FIT_BEST, NULL,
		      (const char *const[]){ "r1:20000-200000:h100*16", "r2:50000-250000:a100*8", NULL });
	th_unlink(path);
	path = th_backlog_csv(4, 1); /* jobs of several partitions */
	same_as_plain(path, "easy", CS_FIT_BEST, NULL, NULL);
	same_as_plain(path, "multifactor", CS_FIT_BEST, NULL, NULL);
	th_unlink(path);
}

/* A start beside the holds it meets is tried on what is free less their
 * free parts, as a what-if (place.c wi_aside, wi_try_start), and a shape
 * that fitted what was free is not tried again while nothing changed on
 * its node types (cs_shape_fits): under first and best fit, with the
 * holds of multifactor's partitions and with several of EASY's (reserve),
 * the plain engine's schedule. */
Test(plain, starts_beside_holds_and_kept_fits_give_the_plain_engines_schedule)
{
	char *path = th_backlog_csv(3, 0);
	same_as_plain(path, "multifactor", CS_FIT_FIRST, NULL, NULL);
	same_as_plain(path, "easy", CS_FIT_FIRST, (const char *const[]){ "reserve=3", NULL }, NULL);
	same_as_plain(path, "easy", CS_FIT_BEST, (const char *const[]){ "reserve=4", "reserve_user=1", NULL }, NULL);
	th_unlink(path);
}

Test(plain, kept_plans_give_the_plain_engines_schedule)
{
	char *path = th_backlog_csv(2, 0);
	same_as_plain(path, "conservative", CS_FIT_BEST, NULL, NULL);
	same_as_plain(path, "conservative", CS_FIT_FIRST, NULL, NULL);
	same_as_plain(path, "conservative", CS_FIT_TOPO, NULL, NULL);
	same_as_plain(path, "conservative", CS_FIT_BEST, NULL, (const char *const[]){ "r1:20000-100000:h100*16", NULL });
	th_unlink(path);
	path = th_backlog_csv(2, 1);
	same_as_plain(path, "conservative", CS_FIT_BEST, NULL, NULL);
	th_unlink(path);
}

/* Under a backlog most searches for an earlier plan find none and give
 * the plan back, its profile as it was: what was known of its nodes'
 * runs before the search holds again (plan_prof.c's stamps), and the
 * schedule stays the plain engine's over days of deep queues. */
Test(plain, plans_given_back_after_a_search_keep_the_plain_engines_schedule)
{
	char *path = th_backlog_csv(5, 0);
	same_as_plain(path, "conservative", CS_FIT_BEST, NULL, NULL);
	th_unlink(path);
}

/* With bounds kept (bounds=on: the default cluster has fewer than 1,024
 * nodes, where they are off), a plan none of whose own nodes was freed
 * since it was made and whose freed nodes' bounds are all at or after its
 * start stands without a look at them (plan.c none_freed_before), and its
 * kept nodes lose the freed ones: the schedule stays the plain engine's. */
Test(plain, plans_whose_freed_nodes_are_bounded_after_them_keep_the_plain_engines_schedule)
{
	char *path = th_backlog_csv(3, 0);
	static const char *const on[] = { "bounds=on", NULL };
	same_as_plain(path, "conservative", CS_FIT_BEST, on, NULL);
	same_as_plain(path, "conservative", CS_FIT_FIRST, on, NULL);
	th_unlink(path);
	path = th_backlog_csv(3, 1);
	same_as_plain(path, "conservative", CS_FIT_BEST, on, NULL);
	th_unlink(path);
}

/* The default cluster with a failure model of rates high enough to take
 * GPUs and nodes down many times in a few days (no maintenance windows:
 * they are advance reservations, under which nothing is kept). */
static char *failing_cluster(void)
{
	char yaml[1024];
	snprintf(yaml, sizeof yaml,
		 "name: failing\n"
		 "extends: %s/configs/clusters/national-ai-dc.yaml\n"
		 "failures:\n"
		 "  seed: 3\n"
		 "  processes:\n"
		 "    - {component: gpu, node_types: [h100, a100], mtbf_h: 1000, repair: {distribution: exponential, mean_h: 12}}\n"
		 "    - {component: node, mtbf_h: 2000, repair: {distribution: exponential, mean_h: 6}}\n"
		 "checkpoints:\n"
		 "  - {qos: high, interval_s: 7200, cost_s: 120}\n",
		 th_root());
	return th_write_tmp(yaml, ".yaml");
}

/* The default cluster's config with site.power_cap_kw set (after its pue
 * line), and its failure model appended if failing. */
static char *capped_cluster(double kw, int failing)
{
	char path[1100];
	snprintf(path, sizeof path, "%s/configs/clusters/national-ai-dc.yaml", th_root());
	size_t len;
	char *text = th_slurp(path, &len);
	cr_assert(text);
	char *pue = strstr(text, "\n  pue: ");
	cr_assert(pue);
	char *eol = strchr(pue + 1, '\n');
	cr_assert(eol);
	size_t cap = len + 1024;
	char *yaml = malloc(cap);
	cr_assert(yaml);
	int n = snprintf(yaml, cap, "%.*s\n  power_cap_kw: %g%s", (int)(eol - text), text, kw, eol);
	if (failing)
		snprintf(yaml + n, cap - (size_t)n,
			 "failures:\n"
			 "  seed: 5\n"
			 "  processes:\n"
			 "    - {component: gpu, node_types: [h100, a100], mtbf_h: 1000, repair: {distribution: exponential, mean_h: 12}}\n");
	char *out = th_write_tmp(yaml, ".yaml");
	free(yaml);
	free(text);
	return out;
}

/* Failures take resources down and give them back between passes: kept
 * holds, shapes that did not fit and standing plans must follow. */
Test(plain, under_failures_the_kept_state_gives_the_plain_engines_schedule)
{
	char *cl = failing_cluster();
	char *path = th_backlog_csv(3, 0);
	static const char *const pol[] = { "easy", "multifactor", "conservative" };
	for (size_t i = 0; i < sizeof pol / sizeof *pol; i++) {
		struct plain_seen s = same_as_plain_on(cl, path, pol[i], CS_FIT_BEST, NULL, NULL);
		cr_assert_gt(s.stopped, 0, "%s: failures stopped no job", pol[i]);
	}
	same_as_plain_on(cl, path, "easy", CS_FIT_BEST, (const char *const[]){ "reserve=3", NULL }, NULL);
	th_unlink(path);
	th_unlink(cl);
}

/* Under the power cap a hold or a plan depends on the site's draw: none is
 * kept across passes (and every time of a hold's search is tried). */
Test(plain, under_a_power_cap_the_schedule_is_the_plain_engines)
{
	char *cl = capped_cluster(1900, 0), *clf = capped_cluster(1900, 1);
	char *path = th_backlog_csv(3, 0);
	static const char *const pol[] = { "easy", "multifactor", "conservative", "fcfs" };
	for (size_t i = 0; i < sizeof pol / sizeof *pol; i++) {
		struct plain_seen s = same_as_plain_on(cl, path, pol[i], CS_FIT_BEST, NULL, NULL);
		cr_assert_gt(s.powercap, 0, "%s: no job waited for the cap", pol[i]);
	}
	same_as_plain_on(cl, path, "easy", CS_FIT_BEST, (const char *const[]){ "reserve=3", NULL }, NULL);
	struct plain_seen s = same_as_plain_on(clf, path, "easy", CS_FIT_BEST, NULL, NULL);
	cr_assert_gt(s.stopped, 0);
	same_as_plain_on(clf, path, "conservative", CS_FIT_BEST, NULL, NULL);
	th_unlink(path);
	th_unlink(cl);
	th_unlink(clf);
}

/* Two partitions (a on x-0, x-1; b on y-0, y-1; 4 GPUs each) and both x
 * nodes kept for project p over [100, 1000); best fit. Job 1 (p) fills x-0
 * until 50, so job 2 (p, 1 GPU, long) runs on x-1; job 3 (q) runs on y-0
 * until 500. Job 4 (q, 2 GPUs) waits for the window's end: its hold at
 * 1000, where only job 3, of the other partition, came back before it.
 * The hold still prefers what running jobs give back, so it hands back the
 * fewest of the nodes free now in node order: x-0 (best fit over all of
 * them would take x-1). Under EASY job 5 (p, 1 GPU, running past 1000)
 * then backfills on x-0 beside the hold. A search that walks only its
 * partition's running jobs must still see that job 3 came back; the plain
 * engine walks them all. */
Test(plain, a_hold_after_another_partitions_end_hands_back_the_fewest_nodes)
{
	static const char csv[] = "id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,"
				  "runtime,qos,partition,state\n"
				  "1,p,u,0,1,4,1,0,50,50,,a,completed\n"
				  "2,p,u,0,1,1,1,0,100000,100000,,a,completed\n"
				  "3,q,v,0,1,4,1,0,500,500,,b,completed\n"
				  "4,q,v,200,1,2,1,0,100,100,,a,completed\n"
				  "5,p,u,300,1,1,1,0,5000,5000,,a,completed\n";
	static const char *const pol[] = { "easy", "multifactor" };
	for (size_t i = 0; i < sizeof pol / sizeof *pol; i++) {
		cs_run_result r[2];
		for (int k = 0; k < 2; k++) {
			cs_run_opts o;
			cs_run_opts_default(&o);
			o.policy = pol[i];
			o.fit = CS_FIT_BEST;
			o.reserve[o.nreserve++] = "r:100-1000:x*2:p";
			cs_engine_plain(k);
			th_run_on(th_two_gpu_partitions_yaml, csv, ".csv", &o, &r[k]);
			cs_engine_plain(0);
			cr_assert_eq(r[k].placements[r[k].placement_off[1]].node, 1, "%s: job 2 on x-1", pol[i]);
			cr_assert_eq(th_job(&r[k], 4)->reservation_s, 1000, "%s, plain %d", pol[i], k);
			cr_assert_eq(th_start(&r[k], 5), 300, "%s, plain %d", pol[i], k);
		}
		for (size_t j = 3; j < 5; j++) {
			const cs_slot *a = &r[0].placements[r[0].placement_off[j]], *b = &r[1].placements[r[1].placement_off[j]];
			cr_assert(a->node == b->node && a->gpu_mask == b->gpu_mask, "%s: job %zu as on the plain engine",
				  pol[i], j + 1);
		}
		if (i == 0)
			cr_assert_eq(r[0].placements[r[0].placement_off[4]].node, 0, "easy: job 5 on x-0");
		cs_run_result_free(&r[0]);
		cs_run_result_free(&r[1]);
	}
}
