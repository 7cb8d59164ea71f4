/* Node availability profiles (sim/nodeprof.c) and conservative plans on
 * the node model, checked against their invariants on a generated
 * workload. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/nodeprof.h"
#include "capsim/alloc.h"
#include "capsim/gen.h"
#include "capsim/trace.h"
#include "helpers.h"

static const cs_nprof_amt ZERO = { 0, 0, 0 };

static void ev(cs_nprof *p, uint32_t node, cs_time t, int32_t g, uint32_t running)
{
	cs_nprof_ev e = { t, g, 0, 0, running };
	cr_assert_eq(cs_nprof_add(p, node, &e), 0);
}

/* Node 0, now 10, 1 GPU free. A running job gives 3 back at 50; a plan
 * takes 4 over [60, 80). Windows for 2 GPUs, 5 s: [50, 55] and [80, inf). */
static void hand_profile(cs_nprof *p, uint32_t nnodes)
{
	cr_assert_eq(cs_nprof_init(p, nnodes), 0);
	ev(p, 0, 60, -4, 0);
	ev(p, 0, 80, +4, 0);
	ev(p, 0, 50, +3, 1);
}

Test(nodeprof, windows_follow_the_free_amounts)
{
	cs_nprof p;
	hand_profile(&p, 2);
	cs_time a[4], z[4];
	cs_nprof_amt f = { 1, 0, 0 }, need = { 2, 0, 0 };
	cr_assert_eq(cs_nprof_windows(&p, 0, f, 10, need, 5, a, z, 4), 2);
	cr_assert_eq(a[0], 50);
	cr_assert_eq(z[0], 55);
	cr_assert_eq(a[1], 80);
	cr_assert_eq(z[1], CS_TIME_MAX);
	/* 10 s do not fit between 50 and 60 */
	cr_assert_eq(cs_nprof_windows(&p, 0, f, 10, need, 11, a, z, 4), 1);
	cr_assert_eq(a[0], 80);
	/* one GPU fits now, until the plan: [10, 55] for 5 s, then from 80 */
	need.g = 1;
	cr_assert_eq(cs_nprof_windows(&p, 0, f, 10, need, 5, a, z, 4), 2);
	cr_assert_eq(a[0], 10);
	cr_assert_eq(z[0], 55);
	/* the least free over [55, 70): 0 (the plan's 4 of 4) */
	cr_assert_eq(cs_nprof_min(&p, 0, f, 10, 55, 70).g, 0);
	cr_assert_eq(cs_nprof_min(&p, 0, f, 10, 10, 50).g, 1);
	cr_assert_eq(cs_nprof_min(&p, 0, f, 10, 80, 90).g, 4);
	/* node 1 has no events: what is free now, for ever */
	cr_assert_eq(cs_nprof_windows(&p, 1, f, 10, need, 5, a, z, 4), 1);
	cr_assert_eq(a[0], 10);
	cr_assert_eq(cs_nprof_windows(&p, 1, ZERO, 10, need, 5, a, z, 4), 0);
	cs_nprof_free(&p);
}

/* The search's lower bounds on the same profile: free 1 over [10, 50), 4
 * over [50, 60), 0 over [60, 80), 4 from 80 on. At least 1 GPU: the run
 * [10, 60) holds 1 s and 10 s, only the open run from 80 holds 100 s; at
 * least 4: [50, 60) holds 10 s but not 11 s; 8: never. */
Test(nodeprof, first_runs_bound_the_windows)
{
	cs_nprof p;
	hand_profile(&p, 1);
	const int64_t g[3] = { 1, 4, 8 };
	const cs_time D[4] = { 1, 10, 11, 100 };
	cs_time out[12];
	cs_nprof_first_runs(&p, 0, (cs_nprof_amt){ 1, 0, 0 }, 10, g, 3, D, 4, out);
	const cs_time want[12] = { 10, 10, 10, 80, 50, 50, 80, 80,
				   CS_TIME_MAX, CS_TIME_MAX, CS_TIME_MAX, CS_TIME_MAX };
	for (unsigned i = 0; i < 12; i++)
		cr_assert_eq(out[i], want[i], "g %lld, D %lld: %lld, want %lld", (long long)g[i / 4],
			     (long long)D[i % 4], (long long)out[i], (long long)want[i]);
	/* each is the first window's start for that many GPUs and seconds */
	for (unsigned i = 0; i < 12; i++) {
		cs_time a[4], z[4];
		size_t k = cs_nprof_windows(&p, 0, (cs_nprof_amt){ 1, 0, 0 }, 10, (cs_nprof_amt){ g[i / 4], 0, 0 },
					    D[i % 4], a, z, 4);
		cr_assert_eq(k ? a[0] : CS_TIME_MAX, want[i]);
	}
	cs_nprof_free(&p);
}

/* A running job past its estimate gives back a second from now; a plan
 * event at or before now counts now. Removing takes one equal event. */
Test(nodeprof, overdue_and_remove)
{
	cs_nprof p;
	cr_assert_eq(cs_nprof_init(&p, 1), 0);
	ev(&p, 0, 40, +2, 1); /* overdue at now 100 */
	ev(&p, 0, 40, +2, 1);
	cs_time a[2], z[2];
	cs_nprof_amt need = { 4, 0, 0 };
	cr_assert_eq(cs_nprof_windows(&p, 0, ZERO, 100, need, 1, a, z, 2), 1);
	cr_assert_eq(a[0], 101);
	cs_nprof_ev e = { 40, +2, 0, 0, 1 };
	cr_assert_eq(cs_nprof_remove(&p, 0, &e), 0);
	cr_assert_eq(cs_nprof_windows(&p, 0, ZERO, 100, need, 1, a, z, 2), 0);
	e.running = 0;
	cr_assert_eq(cs_nprof_remove(&p, 0, &e), -1); /* no such event */
	ev(&p, 0, 90, -1, 0); /* a plan's take before now: counts now */
	cs_nprof_amt f = { 3, 0, 0 };
	need.g = 3;
	cr_assert_eq(cs_nprof_windows(&p, 0, f, 100, need, 1, a, z, 2), 1);
	cr_assert_eq(a[0], 101);
	cs_nprof_free(&p);
}

/* cs_alloc_try_on: exactly the given nodes, or nothing. */
Test(nodeprof, alloc_try_on_places_on_the_given_nodes)
{
	cs_alloc_type ty = { .gpus = 4, .cores = 8, .mem_mib = 1000 };
	uint16_t nt[3] = { 0, 0, 0 };
	uint32_t lf[2] = { 0, 3 };
	cs_alloc_layout l = { 3, 1, &ty, nt, 1, lf, 0 };
	cs_alloc *a;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_alloc_new(&a, &l, CS_FIT_FIRST, err, sizeof err), 0, "%s", err);
	cs_slot s[3];
	cs_placement p = { s, 3, 0 };
	cs_request rq = { .nodes = 2, .gpus_per_node = 3, .cores_per_node = 2, .mem_per_node_mib = 100, .type = -1 };
	uint32_t on[2] = { 2, 0 };
	cr_assert_eq(cs_alloc_try_on(a, &rq, on, 2, &p), 0);
	cr_assert_eq(p.n, 2);
	cr_assert_eq(s[0].node, 2);
	cr_assert_eq(s[1].node, 0);
	cr_assert_eq(__builtin_popcount(s[0].gpu_mask), 3);
	cr_assert_eq(cs_alloc_free_gpus(a), 6);
	/* node 2 has one GPU left: nothing changes */
	uint32_t on2[2] = { 1, 2 };
	cs_placement q = { s + 2, 1, 0 };
	rq.nodes = 1;
	cr_assert_eq(cs_alloc_try_on(a, &rq, on2 + 1, 1, &q), -CS_ENOFIT);
	cr_assert_eq(cs_alloc_free_gpus(a), 6);
	uint32_t dup[2] = { 1, 1 };
	cs_placement r2 = { s + 2, 2, 0 };
	rq.nodes = 2;
	cr_assert_eq(cs_alloc_try_on(a, &rq, dup, 2, &r2), -CS_EINVAL);
	cs_alloc_release(a, &p);
	cr_assert_eq(cs_alloc_free_gpus(a), 12);
	cs_alloc_free(a);
}

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

/* A generated workload on the default centre, as a temporary native CSV. */
static char *generated(int days)
{
	cs_gen_model *m;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_gen_model_load(&m, NULL, err, sizeof err), 0, "%s", err);
	cs_trace t;
	cs_trace_init(&t);
	cr_assert_eq(cs_gen_generate(m, 3, days, 1.0, &t, err, sizeof err), 0, "%s", err);
	char *path = th_trace_tmp(&t);
	cs_trace_free(&t);
	cs_gen_model_free(m);
	return path;
}

/* Searching again only where capacity came back (the default) gives the
 * plans of searching every node for every job every pass, and the search
 * with per-node lower bounds (bounds=on; auto leaves them off on 354
 * nodes) the plans of the search without. */
Test(plans, search_freed_equals_search_all_and_bounds_change_nothing, .timeout = 120)
{
	char *path = generated(4);
	cs_run_result r[3];
	static const char *const key[3] = { "search", "search", "bounds" }, *const val[3] = { "freed", "all", "on" };
	for (int k = 0; k < 3; k++) {
		cs_run_opts o;
		cs_run_opts_default(&o);
		o.workload = path;
		o.policy = "conservative";
		o.keys[0] = key[k];
		o.vals[0] = val[k];
		o.nparams = 1;
		char err[CS_ERRLEN] = "";
		cr_assert_eq(cs_run(&o, &r[k], err, sizeof err), 0, "%s", err);
	}
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

/* A week of the default workload under conservative on the default data
 * centre, with a maintenance window on 8 nodes: no job starts after the
 * reservation it got at submission, no GPU is ever given twice, and no
 * job runs on the maintenance nodes during the window. */
Test(plans, conservative_keeps_every_plan_on_the_default_centre, .timeout = 120)
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
