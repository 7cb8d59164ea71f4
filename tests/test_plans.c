/* Conservative plans on the node model (sim/plan.c, sim/plan_find.c),
 * checked against their invariants on a generated workload. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/gen.h"
#include "capsim/trace.h"
#include "helpers.h"
#include "../sim/plan_int.h"
#include "../sim/plan_heap.h"

struct use {
	cs_time s, e;
	uint16_t gmask;
	int64_t project;
	uint32_t node;
};

static int use_cmp(const void *x, const void *y)
{
	const struct use *a = x, *b = y;
	if (a->node != b->node)
		return (a->node > b->node) - (a->node < b->node);
	return (a->s > b->s) - (a->s < b->s);
}

/* A generated workload on the default centre at load `scale`, as a
 * temporary native CSV. */
static char *generated_at(int days, double scale)
{
	cs_gen_model *m;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_gen_model_load(&m, NULL, err, sizeof err), 0, "%s", err);
	cs_trace t;
	cs_trace_init(&t);
	cr_assert_eq(cs_gen_generate(m, 3, days, scale, &t, err, sizeof err), 0, "%s", err);
	char *path = th_trace_tmp(&t);
	cs_trace_free(&t);
	cs_gen_model_free(m);
	return path;
}

static char *generated(int days) { return generated_at(days, 1.0); }

/* A conservative run of workload path with one option key=val (key
 * NULL: none), or of ops instead of the built-in (NULL: the built-in). */
static void run_conservative(const char *path, const char *key, const char *val, const cs_policy_ops *ops,
			     cs_run_result *r)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = path;
	o.policy = "conservative";
	o.test_ops = ops;
	if (key) {
		o.keys[0] = key;
		o.vals[0] = val;
		o.nparams = 1;
	}
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_run(&o, r, err, sizeof err), 0, "%s", err);
}

/* Searching again only where capacity came back (the default) gives the
 * plans of searching every node for every job every pass, and the search
 * with per-node lower bounds (bounds=on; auto leaves them off on 354
 * nodes; GPU counts, and cores on the node type without GPUs) the plans
 * of the search without. (Each runs one of windows_before's two loops,
 * windows_in with the bounds and without: an argument wrong in either
 * fails it.) */
Test(plans, search_freed_equals_search_all_and_bounds_change_nothing)
{
	char *path = generated(4);
	cs_run_result r[3];
	static const char *const key[3] = { "search", "search", "bounds" }, *const val[3] = { "freed", "all", "on" };
	for (int k = 0; k < 3; k++)
		run_conservative(path, key[k], val[k], NULL, &r[k]);
	th_unlink(path);
	for (int k = 1; k < 3; k++) {
		cr_assert_eq(r[0].njobs, r[k].njobs);
		size_t diff = 0, moved = 0;
		for (size_t i = 0; i < r[0].njobs; i++) {
			diff += r[0].jobs[i].start_s != r[k].jobs[i].start_s;
			for (size_t m = r[0].placement_off[i]; m < r[0].placement_off[i + 1]; m++)
				diff += r[0].placements[m].node != r[k].placements[m].node;
			moved += r[0].jobs[i].start_s < r[0].jobs[i].reservation_s;
		}
		cr_assert_eq(diff, 0, "%s=%s", key[k], val[k]);
		cr_assert_gt(moved, 50); /* compression moved plans earlier */
	}
	for (int k = 0; k < 3; k++)
		cs_run_result_free(&r[k]);
}

/* Each tree of bounds is brought up to date above its changed leaves
 * only when a search reads it (plan_find.c lb_refresh): under a backlog,
 * where plans of many shapes read different trees between changes, the
 * plans with bounds are those without. */
Test(plans, trees_of_bounds_brought_up_to_date_when_read_change_nothing)
{
	char *path = generated_at(4, 1.5);
	cs_run_result r[2];
	for (int k = 0; k < 2; k++)
		run_conservative(path, "bounds", k ? "on" : "off", NULL, &r[k]);
	th_unlink(path);
	cr_assert_eq(r[0].njobs, r[1].njobs);
	size_t diff = 0, late = 0;
	for (size_t i = 0; i < r[0].njobs; i++) {
		diff += r[0].jobs[i].start_s != r[1].jobs[i].start_s || r[0].jobs[i].reservation_s != r[1].jobs[i].reservation_s;
		for (size_t m = r[0].placement_off[i]; m < r[0].placement_off[i + 1]; m++)
			diff += r[0].placements[m].node != r[1].placements[m].node;
		late += r[0].jobs[i].start_s > r[0].jobs[i].submit_s + 3600;
	}
	cr_assert_gt(late, 500, "a backlog: %zu jobs wait over an hour", late);
	cr_assert_eq(diff, 0, "%zu differences", diff);
	for (int k = 0; k < 2; k++)
		cs_run_result_free(&r[k]);
}

/* Conservative as it was before cs_ctx_plan_next: every waiting job
 * planned in arrival order every pass, the standing plans too. */
typedef struct every {
	th_waiting w;
} every;

static int every_init(void **state, const cs_policy_env *env, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	every *p = calloc(1, sizeof *p);
	cr_assert_not_null(p);
	th_waiting_init(&p->w, env->njobs);
	*state = p;
	return 0;
}

static void every_submit(void *state, uint32_t jid) { th_waiting_add(&((every *)state)->w, jid); }

static void every_cancel(void *state, uint32_t jid) { ((every *)state)->w.in[jid] = 0; }

/* A test's check after each plan asked for (NULL: none), with the trees
 * of bounds on where every_bounds. */
static void (*every_check)(cs_sched_ctx *ctx);
static int every_bounds;

static void every_pass(void *state, cs_sched_ctx *ctx)
{
	th_waiting *w = &((every *)state)->w;
	if (every_bounds)
		cs_ctx_plan_bounds(ctx, 1);
	th_waiting_trim(w);
	for (size_t k = w->lo; k < w->hi; k++) {
		if (!w->in[k])
			continue;
		int head = k == w->lo;
		int rc = cs_ctx_plan(ctx, (uint32_t)k, head ? CS_START_HEAD : CS_START_BACKFILL, NULL);
		if (every_check)
			every_check(ctx);
		if (rc == 1)
			w->in[k] = 0;
		else if (head)
			cs_ctx_pending(ctx, (uint32_t)k, CS_WAIT_RESOURCES);
	}
}

static void every_destroy(void *state)
{
	every *p = state;
	th_waiting_free(&p->w);
	free(p);
}

static const cs_policy_ops every_ops = {
	.abi = CS_POLICY_ABI,
	.name = "conservative",
	.summary = "test: conservative planning every waiting job every pass",
	.init = every_init,
	.submit = every_submit,
	.pass = every_pass,
	.destroy = every_destroy,
	.cancel = every_cancel,
};

/* A run of `days` generated days at `scale` under every_ops, check called
 * after every plan asked for, with bounds kept or not. */
static void run_every_checked(int days, double scale, void (*check)(cs_sched_ctx *ctx), int bounds,
			      cs_run_result *r)
{
	char *path = generated_at(days, scale);
	every_check = check;
	every_bounds = bounds;
	run_conservative(path, NULL, NULL, &every_ops, r);
	every_check = NULL;
	every_bounds = 0;
	th_unlink(path);
}

/* The built-in conservative visits only the jobs without a plan and the
 * plans that may change (cs_ctx_plan_next; of the plans on the types of
 * nodes freed between passes, those with one of them as their own or with
 * a run on one of them long enough before their start: plan_prof.c
 * visits_of_freed): the same schedule as planning every waiting job every
 * pass, on a busy week (deep queues, plans on node types that get nothing
 * back for many passes). Fails with the own nodes not looked for, or the
 * runs asked about 600 s before the plan's start, or a plan of one node
 * moved only by a run on its own freed node that lasts its length (not
 * one that reaches its start, where its share comes back). */
Test(plans, visiting_the_plans_that_may_change_equals_visiting_every_plan)
{
	char *path = generated_at(7, 1.5);
	cs_run_result r[2];
	for (int k = 0; k < 2; k++)
		run_conservative(path, NULL, NULL, k ? &every_ops : NULL, &r[k]);
	th_unlink(path);
	cr_assert_eq(r[0].njobs, r[1].njobs);
	size_t diff = 0, moved = 0, waited = 0;
	for (size_t i = 0; i < r[0].njobs; i++) {
		diff += r[0].jobs[i].start_s != r[1].jobs[i].start_s ||
			r[0].jobs[i].reservation_s != r[1].jobs[i].reservation_s;
		for (size_t m = r[0].placement_off[i]; m < r[0].placement_off[i + 1]; m++)
			diff += r[0].placements[m].node != r[1].placements[m].node ||
				r[0].placements[m].gpu_mask != r[1].placements[m].gpu_mask;
		moved += r[0].jobs[i].start_s < r[0].jobs[i].reservation_s;
		waited += r[0].jobs[i].start_s > r[0].jobs[i].submit_s;
	}
	cr_assert_eq(diff, 0);
	cr_assert_gt(moved, 100); /* compression moved plans earlier */
	cr_assert_gt(waited, 1000);
	for (int k = 0; k < 2; k++)
		cs_run_result_free(&r[k]);
}

/* The plans a freeing may move (in a walk too: a moved plan's old
 * window) are found by plan_index.c's sets, each node type's plans by
 * their need's level and length and by start, and each node's: on a busy
 * week every plan on a freed type is also asked one by one
 * (may_move_onto, before the sets) and every answer must be the sets'.
 * Fails with a plan as long as the longest gap left unasked, or a freed
 * node's own plans left out; and, with each plan's count of the nodes
 * that may hold it, with one node more asked for than it needs, with a
 * freeing's nodes counted as one, with only one run open for ever
 * counted, or with a group passed over where its first plan by length is
 * to visit (each of these also fails
 * visiting_the_plans_that_may_change_... and four plain tests). */
/* A busy week under conservative (key=val, if key) with a check switch
 * on: more than `least` answers compared, none that differ. */
static void checked_week(void (*check)(int), uint64_t (*asked)(void), uint64_t (*differ)(void), uint64_t least,
			 const char *key, const char *val)
{
	char *path = generated_at(7, 1.5);
	cs_run_result r;
	check(1);
	run_conservative(path, key, val, NULL, &r);
	check(0);
	th_unlink(path);
	cr_assert_gt(asked(), least, "compared: %llu", (unsigned long long)asked());
	cr_assert_eq(differ(), 0, "that differ: %llu of %llu", (unsigned long long)differ(),
		     (unsigned long long)asked());
	cs_run_result_free(&r);
}

static void asked_one_by_one(const char *key, const char *val)
{
	checked_week(cs_plan_ix_check, cs_plan_ix_asked, cs_plan_ix_differ, 100000, key, val);
}

/* A plan made again to start now, of a job with GPUs, sets aside what
 * the other plans need of the nodes the allocator lists with its GPUs free
 * (cs_alloc_nodes_gpus_free), not by a walk of every plan starting before
 * its end: on a busy week each such set is made both ways and the parts on
 * the job's node types must be the same, node by node. Fails with the idle
 * nodes left out of the allocator's list, or a node's part left out where
 * it has just the job's share of GPUs free. */
Test(plans, a_plan_made_again_now_sets_aside_what_the_plans_walk_sets_aside)
{
	checked_week(cs_plan_now_check, cs_plan_now_asked, cs_plan_now_differ, 1000, NULL, NULL);
}

Test(plans, the_plans_a_freeing_may_move_are_those_asked_one_by_one)
{
	asked_one_by_one(NULL, NULL);
}

/* The same with per-node bounds kept (bounds=on: the sets are kept beside
 * them, a freeing in a walk listed for the walk's next step as without
 * them). Fails when the sets are not kept up to date with bounds. */
Test(plans, the_plans_a_freeing_may_move_are_those_asked_one_by_one_with_bounds_kept)
{
	asked_one_by_one("bounds", "on");
}

/* Every kept slot of every node's runs (struct nwnode) after a pass: the
 * first run's start and length and the longest, kept beside the arrays
 * for nowin_first, are the arrays'; the last slot's level is kept as
 * lvl[last]; and a slot that stands now (its profile stamp, time and free
 * amounts the node's) holds the runs and longest lengths made afresh
 * (cs_nprof_runs_len: the walk inline in the planner's fill, and a first
 * run moved on in time, must make the same). Counted: the slots seen, the
 * standing ones compared and those wrong. */
static size_t runs_slots, runs_fresh, runs_bad;

/* Slot s of node (level lv) against its runs made afresh now. */
static void runs_fresh_check(cs_sched_ctx *ctx, uint32_t node, int64_t lv, const struct nwslot *s)
{
	cs_time a[256], z[256], len[256];
	size_t n = cs_nprof_runs_len(&ctx->pl->prof, node, node_free_now(ctx, node), ctx->now, (int)(lv & 1), lv >> 1,
				     a, z, len, 256);
	runs_fresh++;
	if (n > 256 || n != s->n) {
		runs_bad++;
		return;
	}
	for (size_t i = 0; i < n; i++)
		runs_bad += a[i] != s->a[i] || z[i] != s->z[i] || len[i] != s->len[i];
}

static void runs_check(cs_sched_ctx *ctx)
{
	const struct planner *pl = ctx->pl;
	if (!pl || !pl->nw)
		return;
	for (uint32_t node = 0; node < ctx->nnodes; node++) {
		const struct nwnode *w = &pl->nw[node];
		runs_bad += w->lastlv != w->lvl[w->last];
		cs_nprof_amt f = node_free_now(ctx, node);
		int stands = w->ver == pl->pver[node] && w->now == ctx->now && w->f.g == f.g && w->f.c == f.c &&
			     w->f.m == f.m;
		for (unsigned k = 0; k < NW_SLOTS; k++) {
			const struct nwslot *s = &w->s[k];
			if (!w->lvl[k])
				continue;
			runs_slots++;
			if (stands)
				runs_fresh_check(ctx, node, w->lvl[k], s);
			if (!s->n) {
				runs_bad += s->len0 != INT64_MIN || s->lenmax != INT64_MIN;
				continue;
			}
			runs_bad += s->a0 != s->a[0] || s->len0 != s->len[0] || s->lenmax != s->len[s->n - 1];
			/* and nowin_first is the scan of the arrays */
			for (cs_time d = 1; d <= 1 << 20; d *= 4) {
				uint32_t i = 0;
				while (i < s->n && s->len[i] < d)
					i++;
				runs_bad += nowin_first(s, d) != (i < s->n ? s->a[i] : CS_TIME_MAX);
			}
		}
	}
}

static void runs_pass(void *state, cs_sched_ctx *ctx)
{
	every_pass(state, ctx);
	runs_check(ctx);
}

Test(plans, kept_runs_first_run_and_longest_are_the_arrays)
{
	char *path = generated_at(4, 1.5);
	cs_run_result r;
	runs_slots = runs_fresh = runs_bad = 0;
	/* every_ops, with the kept runs checked after each pass */
	cs_policy_ops runs_ops = every_ops;
	runs_ops.summary = "test: conservative planning every waiting job every pass, the kept runs checked";
	runs_ops.pass = runs_pass;
	run_conservative(path, NULL, NULL, &runs_ops, &r);
	th_unlink(path);
	cr_assert_gt(runs_slots, 1000, "%zu slots seen", runs_slots);
	cr_assert_gt(runs_fresh, 1000, "%zu standing slots compared", runs_fresh);
	cr_assert_eq(runs_bad, 0, "%zu wrong of %zu", runs_bad, runs_slots);
	cs_run_result_free(&r);
}

/* After every plan asked for, each set of bounds' kept read of the freed
 * list (struct fsleast, fs_before in plan.c) that stands for the list as
 * it is (its stamp and its nodes' change count) holds the least of the
 * bounds cs_plan_lb gives now of the list's first `at` nodes (a node of
 * the other kind of bounds counts as -1). A read is carried on into a list
 * made again for another plan's epoch only while no profile changed
 * (pclock): a plan made in between changes its nodes' bounds, so a read
 * carried on without that check keeps a stale least. Counted: the reads
 * checked (of at least one node) and those that differ. */
static size_t fsl_checked, fsl_bad;

static void fsl_check(cs_sched_ctx *ctx)
{
	struct planner *pl = ctx->pl;
	if (!pl || !pl->lb || !pl->fs_ok)
		return;
	for (unsigned k = 0; k < 2 * LB_TREES; k++) {
		const struct fsleast *x = &pl->fsl[k];
		if (x->ver != pl->fs_ver || x->touch != pl->fs_touch || !x->at)
			continue;
		fsl_bad += x->at > pl->fs_n;
		const cs_time *tr[2] = { NULL, NULL };
		tr[k >= LB_TREES] = pl->lb + k % LB_TREES;
		cs_time least = CS_TIME_MAX;
		for (uint32_t i = 0; i < x->at && i < pl->fs_n; i++) {
			uint32_t node = pl->fs_nodes[i];
			cs_time b = tr[pl->lb_cores[ctx->node_type[node]]] ? cs_plan_lb(ctx, tr, 1u << k % LB_TREES, node) : -1;
			least = b < least ? b : least;
		}
		fsl_checked++;
		fsl_bad += least != x->least;
	}
}

/* Fails (6,141 of 7.2 M reads) when fs_before carries a read on into
 * another list without its profile-clock check. No schedule changed then
 * in the cases tried: within an epoch nearly every profile change takes
 * capacity (a plan made), so the stale least was always too early, and a
 * plan it does not settle is asked about again by nothing_earlier. */
Test(plans, freed_lists_kept_least_is_the_least_of_the_bounds_read)
{
	cs_run_result r;
	fsl_checked = fsl_bad = 0;
	run_every_checked(4, 1.5, fsl_check, 1, &r);
	cr_assert_gt(fsl_checked, 10000, "%zu reads checked", fsl_checked);
	cr_assert_eq(fsl_bad, 0, "%zu wrong of %zu", fsl_bad, fsl_checked);
	cs_run_result_free(&r);
}

/* After every plan asked for, the rows of bounds to be worked out are
 * listed where a search of their node type finds them (plan_find.c
 * lb_refresh): each node is in row r's list of its type once exactly
 * when its listed bit r is set, and a row whose entries are to be redone
 * (all of its trees' bits, or none) is listed. Counted: the stale rows
 * seen and the entries that break a rule. */
static size_t rows_stale, rows_bad;

static void rows_check(cs_sched_ctx *ctx)
{
	struct planner *pl = ctx->pl;
	if (!pl || !pl->lb)
		return;
	size_t nn = pl->nlb_nodes;
	uint8_t *seen = calloc(nn + 1, 1);
	cr_assert_not_null(seen);
	for (unsigned r = 0; r < LB_LEVELS; r++) {
		memset(seen, 0, nn);
		for (uint32_t y = 0; y < pl->ntypes; y++) {
			uint32_t n = pl->nlb_dirty[r * pl->ntypes + y];
			rows_bad += n > pl->type_first[y + 1] - pl->type_first[y];
			const uint32_t *list = pl->lb_dirty + (size_t)r * nn + pl->type_first[y];
			for (uint32_t k = 0; k < n && k <= pl->type_first[y + 1] - pl->type_first[y]; k++) {
				uint32_t node = list[k];
				rows_bad += node >= nn || ctx->node_type[node] != y || seen[node]++;
			}
		}
		uint32_t row = ((1u << LB_SPANS) - 1) << r * LB_SPANS;
		for (uint32_t node = 0; node < nn; node++) {
			uint32_t st = pl->lb_stale[node] & row;
			rows_bad += (st != 0 && st != row) || seen[node] != (pl->lb_listed[node] >> r & 1) ||
				    (st && !seen[node]);
			rows_stale += st != 0;
		}
	}
	free(seen);
}

/* Fails (all of them) when a node changed is listed in the rows of
 * another node type, or in none of the rows it was taken off. */
Test(plans, stale_rows_of_bounds_are_listed_by_row_and_node_type)
{
	cs_run_result r;
	rows_stale = rows_bad = 0;
	run_every_checked(1, 1.5, rows_check, 1, &r);
	cr_assert_gt(rows_stale, 10000, "%zu stale rows seen", rows_stale);
	cr_assert_eq(rows_bad, 0, "%zu wrong", rows_bad);
	cs_run_result_free(&r);
}

/* After every plan asked for, with bounds kept: each leaf bound not to be
 * worked out again (its tree's bit clear in lb_stale) is at or before the
 * one worked out now from the node's profile (a lower bound, as the
 * searches and fs_before read it). A muted plan's events taken out leave
 * the bounds worked out while it was muted (cs_plan_unmute_drop: the
 * profile is the same), but a plan muted or dropped gives capacity back:
 * its nodes' bounds are to be worked out again. Counted: the bounds
 * checked and those later than now's. */
static size_t lbf_checked, lbf_late, lbf_leaf_bad;
static uint32_t *lbf_pos; /* per node: its place in type_nodes */

static void lb_fresh_check(cs_sched_ctx *ctx)
{
	struct planner *pl = ctx->pl;
	if (!pl || !pl->lb)
		return;
	if (!lbf_pos)
		lbf_pos = malloc(ctx->nnodes * sizeof *lbf_pos);
	cr_assert_not_null(lbf_pos);
	for (uint32_t k = 0; k < ctx->nnodes; k++)
		lbf_pos[pl->type_nodes[k]] = k;
	for (uint32_t node = 0; node < ctx->nnodes; node++) {
		/* the node's read for its bounds: its leaf and its kind */
		lbf_leaf_bad += pl->lb_leaf[node] != (pl->P + lbf_pos[node]) * 2 + pl->lb_cores[ctx->node_type[node]];
		uint32_t fresh = LB_ALL & ~pl->lb_stale[node];
		if (!fresh)
			continue;
		int cores = pl->lb_cores[ctx->node_type[node]];
		cs_nprof_amt f = node_free_now(ctx, node);
		const cs_time *x = pl->lb + ((size_t)pl->P + lbf_pos[node]) * LB_TREES;
		for (unsigned r = 0; r < LB_LEVELS; r++) {
			if (!(fresh >> r * LB_SPANS & ((1u << LB_SPANS) - 1)))
				continue;
			cs_time now[LB_SPANS] = { 0 };
			cs_nprof_first_runs_5(&pl->prof, node, cores ? f.c : f.g, ctx->now, cores,
					      cores ? lb_cores[r] : lb_gpus[r], lb_span, now);
			for (unsigned k = 0; k < LB_SPANS; k++) {
				if (!(fresh >> (r * LB_SPANS + k) & 1))
					continue;
				lbf_checked++;
				lbf_late += x[r * LB_SPANS + k] > now[k];
			}
		}
	}
}

/* Fails (4.84 M of 600.7 M) when a plan muted for a search leaves its nodes'
 * bounds standing; and (the leaves) when a node's kind (lb_cores) is left
 * out of its leaf read (plan_int.h cs_plan_lb). */
Test(plans, a_bound_not_to_be_worked_out_again_is_at_most_the_profiles)
{
	cs_run_result r;
	lbf_checked = lbf_late = lbf_leaf_bad = 0;
	run_every_checked(1, 1.5, lb_fresh_check, 1, &r);
	free(lbf_pos);
	lbf_pos = NULL;
	cr_assert_gt(lbf_checked, 100000, "%zu bounds checked", lbf_checked);
	cr_assert_eq(lbf_late, 0, "%zu of %zu later than the profile's", lbf_late, lbf_checked);
	cr_assert_eq(lbf_leaf_bad, 0, "%zu leaves read wrong", lbf_leaf_bad);
	cs_run_result_free(&r);
}

/* After every plan asked for, the kept freed list (pl->fs_nodes[0 ..
 * fs_n), made for plan epoch fs_e and node types fs_mask) is the nodes
 * freed after fs_e, each once, the latest freeing first: of the types in
 * the mask where each type's nodes are listed (pl->flast), else of every
 * type.
 * Within an epoch a list for a later plan epoch is taken as the first
 * nodes of the one made first (plan.c fs_make). Counted: the lists checked
 * (of at least one node) and those that differ. */
static size_t fl_checked, fl_bad, fl_short;
static uint32_t *fl_seen, fl_gen;

static void fl_check(cs_sched_ctx *ctx)
{
	const struct planner *pl = ctx->pl;
	if (!pl || !pl->fs_ok || pl->fs_epoch != pl->epoch)
		return;
	if (!fl_seen)
		fl_seen = calloc(ctx->nnodes, sizeof *fl_seen);
	cr_assert_not_null(fl_seen);
	fl_gen++;
	int all = !pl->tlast || pl->fs_mask == ~0ull;
	uint32_t n = 0;
	for (size_t i = pl->nfreed; i-- > 0 && pl->freed[i].epoch > pl->fs_e;) {
		uint32_t node = pl->freed[i].node, t = ctx->node_type[node];
		if ((!all && (t >= 64 || !(pl->fs_mask >> t & 1))) || fl_seen[node] == fl_gen)
			continue;
		fl_seen[node] = fl_gen;
		if (n >= pl->fs_n || pl->fs_nodes[n] != node) {
			fl_bad++;
			return;
		}
		n++;
	}
	fl_bad += n != pl->fs_n;
	fl_checked += n > 0;
	fl_short += pl->fs_n < pl->fs_nb;
}

/* Fails with the first nodes taken up to a freeing in the plan's own epoch
 * (341,000 of 2.2 M lists) or one node short (683,148). */
Test(plans, a_kept_freed_list_is_the_nodes_freed_since_its_epoch)
{
	cs_run_result r;
	fl_checked = fl_bad = fl_short = 0;
	run_every_checked(4, 1.5, fl_check, 0, &r);
	free(fl_seen);
	fl_seen = NULL;
	cr_assert_gt(fl_checked, 10000, "%zu lists checked", fl_checked);
	cr_assert_gt(fl_short, 1000, "%zu lists taken as the first nodes of another", fl_short);
	cr_assert_eq(fl_bad, 0, "%zu wrong of %zu", fl_bad, fl_checked);
	cs_run_result_free(&r);
}

/* After every plan asked for, with bounds kept: fs_listed (plan_int.h,
 * read off each node's latest freeing) says yes of the nodes of the kept
 * freed list (pl->fs_nodes[0 .. fs_n)) and of no other node, while the
 * list stands (no freeing since it was made). Counted: the lists checked
 * and the nodes in them. */
static size_t fx_checked, fx_listed, fx_bad;
static uint8_t *fx_in;

static void fx_check(cs_sched_ctx *ctx)
{
	const struct planner *pl = ctx->pl;
	if (!pl || !pl->lb || !pl->tlast || !pl->fs_ok || pl->fs_epoch != pl->epoch)
		return;
	if (!fx_in)
		fx_in = calloc(ctx->nnodes, 1);
	cr_assert_not_null(fx_in);
	for (uint32_t i = 0; i < pl->fs_n; i++)
		fx_in[pl->fs_nodes[i]] = 1;
	for (uint32_t node = 0; node < ctx->nnodes; node++)
		fx_bad += fs_listed(ctx, node) != fx_in[node];
	for (uint32_t i = 0; i < pl->fs_n; i++)
		fx_in[pl->fs_nodes[i]] = 0;
	fx_checked++;
	fx_listed += pl->fs_n;
}

/* Fails with a node freed in the plan's own epoch said to be in it (>= for
 * > in fs_listed), or the node type not asked. */
Test(plans, a_node_is_in_the_kept_freed_list_as_its_latest_freeing_says)
{
	cs_run_result r;
	fx_checked = fx_listed = fx_bad = 0;
	run_every_checked(2, 1.5, fx_check, 1, &r);
	free(fx_in);
	fx_in = NULL;
	cr_assert_gt(fx_checked, 10000, "%zu lists checked", fx_checked);
	cr_assert_gt(fx_listed, 100000, "%zu nodes listed", fx_listed);
	cr_assert_eq(fx_bad, 0, "%zu wrong", fx_bad);
	cs_run_result_free(&r);
}

/* After every 16th plan asked for, each node type's list of freed nodes
 * (pl->flast from tlast[t], each node moved to the front at each of its
 * freedings) is the freed log (pl->freed) read from its end, each node
 * taken once, of that type, with its latest freeing's epoch, as far as the
 * log goes back (its first entry's epoch: older entries were let go), and
 * each node's newer link is the node before it. Counted: the lists checked
 * and the nodes compared. */
static size_t tl_checked, tl_nodes, tl_bad, tl_calls;
static uint32_t *tl_seen, tl_gen;

static void tl_check(cs_sched_ctx *ctx)
{
	const struct planner *pl = ctx->pl;
	if (!pl || !pl->tlast || !pl->nfreed || tl_calls++ % 16)
		return;
	if (!tl_seen)
		tl_seen = calloc(ctx->nnodes, sizeof *tl_seen);
	cr_assert_not_null(tl_seen);
	uint64_t e0 = pl->freed[0].epoch; /* (the log's entries from e0 on are all there) */
	for (uint32_t t = 0; t < pl->ntypes; t++) {
		tl_gen++;
		uint32_t node = pl->tlast[t], before = UINT32_MAX;
		for (size_t i = pl->nfreed; i-- > 0;) {
			uint32_t x = pl->freed[i].node;
			if (ctx->node_type[x] != t || tl_seen[x] == tl_gen)
				continue;
			tl_seen[x] = tl_gen;
			if (node == UINT32_MAX || node != x || pl->flast[node].epoch != pl->freed[i].epoch ||
			    pl->flast[node].newer != before) {
				tl_bad++;
				return;
			}
			tl_nodes++;
			before = node;
			node = pl->flast[node].older;
		}
		/* nothing more in the list from the log's time */
		tl_bad += node != UINT32_MAX && pl->flast[node].epoch >= e0;
		tl_checked++;
	}
}

/* Fails when a freeing puts its node at the front without taking it out
 * of its place (the list then holds it twice and loses those after it),
 * or at its place without moving it (the order is not the latest first). */
Test(plans, a_node_types_freed_nodes_are_the_freed_log_read_latest_first)
{
	cs_run_result r;
	tl_checked = tl_nodes = tl_bad = tl_calls = 0;
	run_every_checked(2, 1.5, tl_check, 0, &r);
	free(tl_seen);
	tl_seen = NULL;
	cr_assert_gt(tl_checked, 10000, "%zu lists checked", tl_checked);
	cr_assert_gt(tl_nodes, 100000, "%zu nodes compared", tl_nodes);
	cr_assert_eq(tl_bad, 0, "%zu wrong of %zu", tl_bad, tl_checked);
	cs_run_result_free(&r);
}

/* After every plan asked for, the sets of plan_index.c hold each plan
 * once in each of its node types' group of its level, by length (its
 * pvis d) and by start (its plan's start), and nothing else: a plan moved
 * later keeps its entry by length across its drop (ix_moving), and one
 * that starts now does not. Counted: the entries checked. */
static size_t ixs_entries, ixs_bad;

static void ixs_arr(cs_sched_ctx *ctx, uint32_t t, const struct ixgroup *g, const struct ixarr *x, int by_start,
		    size_t *n)
{
	const struct planner *pl = ctx->pl;
	for (uint32_t i = 0; i < x->n; i++) {
		uint32_t jid = x->e[i].jid;
		cs_time s = ctx->plan_start[jid];
		if (s < 0 || !(pl->pmask[ctx->plan_pos[jid]] >> t & 1) || pl->pvis[jid].lv != g->lv ||
		    x->e[i].key != (by_start ? s : pl->pvis[jid].d) ||
		    (i && (x->e[i - 1].key > x->e[i].key ||
			   (x->e[i - 1].key == x->e[i].key && x->e[i - 1].jid >= jid))))
			ixs_bad++;
	}
	*n += x->n;
	ixs_entries += x->n;
}

static void ixs_check(cs_sched_ctx *ctx)
{
	const struct planner *pl = ctx->pl;
	if (!pl || !pl->ix_type)
		return;
	for (uint32_t t = 0; t < pl->ntypes; t++) {
		size_t on = 0, nl = 0, ns = 0;
		for (size_t i = 0; i < ctx->nplanned; i++)
			on += pl->pmask[i] >> t & 1;
		const struct ixtype *y = &pl->ix_type[t];
		for (uint32_t g = 0; g < y->n; g++) {
			ixs_arr(ctx, t, &y->g[g], &y->g[g].len, 0, &nl);
			ixs_arr(ctx, t, &y->g[g], &y->g[g].start, 1, &ns);
		}
		ixs_bad += nl != on || ns != on;
	}
	ixs_bad += pl->ix_moving != UINT32_MAX;
}

/* Fails when a plan moved later drops its entry by length (or keeps it
 * and adds another), or when one that starts now keeps it. */
Test(plans, the_sets_hold_each_plan_once_by_length_and_start)
{
	cs_run_result r;
	ixs_entries = ixs_bad = 0;
	run_every_checked(1, 1.5, ixs_check, 0, &r);
	cr_assert_gt(ixs_entries, 1000000, "%zu entries checked", ixs_entries);
	cr_assert_eq(ixs_bad, 0, "%zu wrong of %zu entries", ixs_bad, ixs_entries);
	cs_run_result_free(&r);
}

/* A job's tree of bounds, kept per job when the planner is made
 * (cs_plan_lb_job, read by cs_plan_lb_trees), is the tree of the largest
 * count at most its GPUs (1 to 16), or with no GPUs its cores, and of the
 * longest span at most its estimate (at least 1 s): counted here one by
 * one, for requests around each count and estimates around each span. */
Test(plans, a_jobs_tree_of_bounds_is_of_the_largest_count_and_span_at_most_its_own)
{
	static const int64_t gpus[] = { 0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 64 };
	static const int64_t cores[] = { 0, 1, 2, 7, 8, 9, 31, 32, 33, 63, 64, 65, 127, 128, 129, 512 };
	static const cs_time est[] = { -1, 0, 1, 2, 3599, 3600, 3601, 14399, 14400, 57599, 57600, 230399, 230400, 1000000 };
	size_t checked = 0;
	for (size_t a = 0; a < sizeof gpus / sizeof *gpus; a++)
		for (size_t b = 0; b < sizeof cores / sizeof *cores; b++)
			for (size_t e = 0; e < sizeof est / sizeof *est; e++) {
				cs_job j = { .gpus_per_node = (uint32_t)gpus[a], .cores_per_node = (uint32_t)cores[b],
					     .estimate_s = est[e] };
				cs_time d = est[e] > 0 ? est[e] : 1;
				unsigned s = 0, k = 0;
				while (s + 1 < LB_SPANS && lb_span[s + 1] <= d)
					s++;
				unsigned want = LB_JOB_NONE;
				if (gpus[a] >= 1 && gpus[a] <= 16) {
					while (k + 1 < LB_LEVELS && lb_gpus[k + 1] <= gpus[a])
						k++;
					want = k * LB_SPANS + s;
				} else if (gpus[a] == 0 && cores[b] >= 1) {
					while (k + 1 < LB_LEVELS && lb_cores[k + 1] <= cores[b])
						k++;
					want = LB_TREES + k * LB_SPANS + s;
				}
				cr_assert_eq(cs_plan_lb_job(&j), want, "%lld GPUs, %lld cores, %lld s", (long long)gpus[a],
					     (long long)cores[b], (long long)est[e]);
				checked++;
			}
	cr_assert_eq(checked, 12 * 16 * 14);
}

/* After every plan asked for, pl->pbits holds for each node type a bit at
 * each place in planned[] whose plan's job may use that type (its pmask),
 * and none past the last plan: plan_place_now reads the plans it gives
 * and passes over the rest, as their pmask would. Counted: the places
 * checked and the bits wrong. */
static size_t pb_checked, pb_bad;

static void pb_check(cs_sched_ctx *ctx)
{
	const struct planner *pl = ctx->pl;
	if (!pl || !pl->pbits)
		return;
	for (uint32_t t = 0; t < pl->ntypes && t < 64; t++)
		for (size_t i = 0; i < pl->pwords * 64; i++) {
			int set = pl->pbits[t * pl->pwords + i / 64] >> (i & 63) & 1;
			int want = i < ctx->nplanned && (pl->pmask[i] >> t & 1);
			pb_bad += set != want;
			pb_checked += i < ctx->nplanned;
		}
}

/* Fails with the last place's bits left set when a plan is taken out. */
Test(plans, the_plans_by_node_type_are_those_whose_job_may_use_it)
{
	cs_run_result r;
	pb_checked = pb_bad = 0;
	run_every_checked(1, 1.0, pb_check, 0, &r);
	cr_assert_gt(pb_checked, 10000, "%zu places checked", pb_checked);
	cr_assert_eq(pb_bad, 0, "%zu bits wrong", pb_bad);
	cs_run_result_free(&r);
}

/* A week of the default workload under conservative on the default data
 * centre, with a maintenance window on 8 nodes: no job starts after the
 * reservation it got at submission, no GPU is ever given twice, and no
 * job runs on the maintenance nodes during the window. */
Test(plans, conservative_keeps_every_plan_on_the_default_centre)
{
	char *path = generated(7);
	char err[CS_ERRLEN] = "";
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = path;
	o.policy = "conservative";
	o.reserve[0] = "maint:86400-100800:0-7";
	o.nreserve = 1;
	cs_run_result r;
	cr_assert_eq(cs_run(&o, &r, err, sizeof err), 0, "%s", err);
	th_unlink(path);
	cr_assert_gt(r.njobs, 1000);
	size_t late = 0, nu = 0, waited = 0;
	struct use *u = malloc(r.placement_off[r.njobs] * sizeof *u);
	for (size_t i = 0; i < r.njobs; i++) {
		const cs_job *j = &r.jobs[i];
		cr_assert_geq(j->reservation_s, j->submit_s);
		late += j->start_s > j->reservation_s;
		waited += j->start_s > j->submit_s;
		for (size_t k = r.placement_off[i]; k < r.placement_off[i + 1]; k++) {
			const cs_slot *s = &r.placements[k];
			u[nu++] = (struct use){ j->start_s, j->end_s, s->gpu_mask, j->group, s->node };
			if (s->node < 8)
				cr_assert(j->end_s <= 86400 || j->start_s >= 100800, "job %lld in the window",
					  (long long)j->id);
		}
	}
	cr_assert_eq(late, 0, "%zu jobs started after their reservation", late);
	cr_assert_gt(waited, 100); /* the machine was busy: plans mattered */
	qsort(u, nu, sizeof *u, use_cmp);
	for (size_t i = 0; i < nu; i++)
		for (size_t k = i + 1; k < nu && u[k].node == u[i].node && u[k].s < u[i].e; k++)
			cr_assert(u[k].s >= u[i].e || u[k].e <= u[k].s || !(u[k].gmask & u[i].gmask),
				  "node %u: a GPU given twice", u[i].node);
	free(u);
	cs_run_result_free(&r);
}

Test(plans, bad_search_value_is_an_error)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	char path[1024];
	snprintf(path, sizeof path, "%s/configs/traces/KTH-SP2-1996-2.swf.gz", th_root());
	o.workload = path;
	o.policy = "conservative";
	o.keys[0] = "search";
	o.vals[0] = "some";
	o.nparams = 1;
	cs_run_result r;
	char err[CS_ERRLEN] = "";
	cr_assert_neq(cs_run(&o, &r, err, sizeof err), 0);
	cr_assert(strstr(err, "search: 'some' is not one of freed, all"), "%s", err);
}

/* The search's heaps (plan_heap.h) give what a scan for the least gives:
 * random pushes, pops, builds and replacements of the least (by an entry
 * no less, as a tree's entry by its child) of entries with few distinct
 * keys (ties broken by idx, each idx in one entry at a time), every pop
 * against the least of the entries in, by key and idx, with its other
 * fields. Fails when a pop leaves the last entry where the hole reached
 * (no move up), or compares the children by key alone, or a replacement
 * moves its entry down past a child no less than it. */
/* xorshift64 */
static uint64_t heap_rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* An entry of key base + 0 .. spread - 1, with idx made unique by next
 * (each entry its own, in no order). */
static struct hent heap_ent(uint64_t *x, cs_time base, unsigned spread, cs_time z, uint32_t *next)
{
	cs_time key = base + (cs_time)(heap_rnd(x) % spread);
	cs_time a = (cs_time)(heap_rnd(x) % 1000);
	uint32_t idx = (uint32_t)(heap_rnd(x) % 4096 * 4096 + (*next)++);
	return (struct hent){ key, a, z, idx };
}

Test(plans, the_searchs_heaps_pop_what_a_scan_finds_least)
{
	enum { CAP = 600 };
	static struct hent h[CAP], ref[CAP];
	uint64_t x = 88172645463325252ull;
	size_t pops = 0, replaced = 0;
	for (int round = 0; round < 200; round++) {
		size_t n = 0, nr = 0;
		uint32_t next = 0;
		if (round % 4 == 0) { /* a build of many, as the search of every node starts */
			size_t k = heap_rnd(&x) % 400;
			for (size_t i = 0; i < k; i++) {
				struct hent e = heap_ent(&x, 0, 16, (cs_time)i, &next);
				h[n++] = e;
				ref[nr++] = e;
			}
			hbuild(h, n);
		}
		for (int step = 0; step < 2000; step++) {
			if (n > 0 && heap_rnd(&x) % 5 == 0) { /* the least replaced, as a tree's entry by its child */
				size_t m = 0;
				for (size_t i = 1; i < nr; i++)
					if (ref[i].key < ref[m].key || (ref[i].key == ref[m].key && ref[i].idx < ref[m].idx))
						m = i;
				struct hent e = heap_ent(&x, ref[m].key, 4, step, &next);
				hreplace(h, n, e);
				ref[m] = e;
				replaced++;
			} else if (n < CAP && (n == 0 || heap_rnd(&x) % 3)) {
				struct hent e = heap_ent(&x, 0, 16, step, &next);
				hpush(h, &n, e);
				ref[nr++] = e;
			} else {
				size_t m = 0;
				for (size_t i = 1; i < nr; i++)
					if (ref[i].key < ref[m].key || (ref[i].key == ref[m].key && ref[i].idx < ref[m].idx))
						m = i;
				struct hent got = hpop(h, &n);
				cr_assert(got.key == ref[m].key && got.idx == ref[m].idx && got.a == ref[m].a &&
						  got.z == ref[m].z,
					  "round %d step %d: popped (%lld, %u), the least is (%lld, %u)", round, step,
					  (long long)got.key, got.idx, (long long)ref[m].key, ref[m].idx);
				ref[m] = ref[--nr];
				pops++;
			}
			cr_assert_eq(n, nr);
		}
	}
	cr_assert_gt(pops, 100000);
	cr_assert_gt(replaced, 50000);
}
