/* capsim tests: what the engine keeps between passes on a node model
 * (holds, request shapes that did not fit, conservative plans) and where
 * it looks (a job's own node types) give the schedule of the plain engine
 * (cs_engine_plain), which keeps nothing and searches everything. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/engine.h"
#include "helpers.h"

/* Run path under policy with the fit and parameters given, then again on
 * the plain engine: every job starts, ends, reserves, runs in its
 * partition, waits for its reason and is placed on the same GPUs, cores
 * and memory of the same nodes. */
static void same_as_plain(const char *path, const char *policy, cs_fit fit, const char *const *params,
			  const char *const *resv)
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
	for (size_t i = 0; i < r[0].njobs; i++) {
		const cs_job *a = &r[0].jobs[i], *b = &r[1].jobs[i];
		diff += a->start_s != b->start_s || a->end_s != b->end_s || a->reservation_s != b->reservation_s ||
			a->partition != b->partition || a->reason != b->reason || a->flags != b->flags;
		if (a->start_s < 0 || a->nodes != b->nodes)
			continue;
		const cs_slot *sa = r[0].placements + r[0].placement_off[i], *sb = r[1].placements + r[1].placement_off[i];
		for (uint32_t k = 0; k < a->nodes; k++)
			diff += sa[k].node != sb[k].node || sa[k].gpu_mask != sb[k].gpu_mask || sa[k].cores != sb[k].cores ||
				sa[k].mem_mib != sb[k].mem_mib ||
				memcmp(sa[k].core_mask, sb[k].core_mask, sizeof sa[k].core_mask) != 0;
		placed++;
	}
	cr_assert_gt(placed, 0);
	cr_assert_eq(diff, 0, "%s, fit %d%s%s: %zu differences", policy, (int)fit, params && params[0] ? ", " : "",
		     params && params[0] ? params[0] : "", diff);
	cs_run_result_free(&r[0]);
	cs_run_result_free(&r[1]);
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
