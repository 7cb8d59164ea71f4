/* Node availability profiles (sim/nodeprof.c) by hand. */
#include <criterion/criterion.h>
#include <string.h>

#include "../sim/nodeprof.h"
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
	cs_nprof_first_runs(&p, 0, (cs_nprof_amt){ 1, 0, 0 }, 10, 0, g, 3, D, 4, out);
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

/* The same bounds counted on cores: the hand profile's amounts as cores
 * (GPUs none) give the same times, and no GPU count is ever free. */
Test(nodeprof, first_runs_bound_the_windows_on_cores)
{
	cs_nprof p;
	cr_assert_eq(cs_nprof_init(&p, 1), 0);
	const cs_nprof_ev e[3] = { { 60, 0, -4, 0, 0 }, { 80, 0, +4, 0, 0 }, { 50, 0, +3, 0, 1 } };
	for (int i = 0; i < 3; i++)
		cr_assert_eq(cs_nprof_add(&p, 0, &e[i]), 0);
	const int64_t g[3] = { 1, 4, 8 };
	const cs_time D[4] = { 1, 10, 11, 100 };
	cs_time out[12], gout[12];
	cs_nprof_first_runs(&p, 0, (cs_nprof_amt){ 0, 1, 0 }, 10, 1, g, 3, D, 4, out);
	cs_nprof_first_runs(&p, 0, (cs_nprof_amt){ 0, 1, 0 }, 10, 0, g, 3, D, 4, gout);
	const cs_time want[12] = { 10, 10, 10, 80, 50, 50, 80, 80,
				   CS_TIME_MAX, CS_TIME_MAX, CS_TIME_MAX, CS_TIME_MAX };
	for (unsigned i = 0; i < 12; i++) {
		cr_assert_eq(out[i], want[i], "cores %lld, D %lld: %lld, want %lld", (long long)g[i / 4],
			     (long long)D[i % 4], (long long)out[i], (long long)want[i]);
		cr_assert_eq(gout[i], CS_TIME_MAX);
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

/* The two-step walk on the hand profile (free 1 over [10, 50), 4 over
 * [50, 60), 0 over [60, 80), 4 from 80): for 2 GPUs, 5 s the windows
 * [50, 55] and [80, inf); a find stops at its bound; a find without its
 * end skips the rest of the window (1 GPU, 5 s: [10, 55], then [80, inf)). */
Test(nodeprof, find_then_end)
{
	cs_nprof p;
	hand_profile(&p, 1);
	cs_nprof_amt f = { 1, 0, 0 };
	cs_nprof_iter it;
	cs_time a;
	cs_nprof_iter_start(&it, &p, 0, f, 10, (cs_nprof_amt){ 2, 0, 0 }, 5);
	cr_assert_eq(cs_nprof_iter_find(&it, CS_TIME_MAX, &a), 1);
	cr_assert_eq(a, 50);
	cr_assert_eq(cs_nprof_iter_end(&it), 55);
	cr_assert_eq(cs_nprof_iter_find(&it, CS_TIME_MAX, &a), 1);
	cr_assert_eq(a, 80);
	cr_assert_eq(cs_nprof_iter_end(&it), CS_TIME_MAX);
	cr_assert_eq(cs_nprof_iter_find(&it, CS_TIME_MAX, &a), 0);
	/* a window starting at the bound is not before it */
	cs_nprof_iter_start(&it, &p, 0, f, 10, (cs_nprof_amt){ 2, 0, 0 }, 5);
	cr_assert_eq(cs_nprof_iter_find(&it, 50, &a), 0);
	cr_assert_eq(cs_nprof_iter_find(&it, CS_TIME_MAX, &a), 0); /* spent */
	cs_nprof_iter_start(&it, &p, 0, f, 10, (cs_nprof_amt){ 2, 0, 0 }, 5);
	cr_assert_eq(cs_nprof_iter_find(&it, 51, &a), 1);
	cr_assert_eq(a, 50);
	cr_assert_eq(cs_nprof_iter_find(&it, 80, &a), 0); /* the next one is at 80 */
	cs_nprof_iter_start(&it, &p, 0, f, 10, (cs_nprof_amt){ 1, 0, 0 }, 5);
	cr_assert_eq(cs_nprof_iter_find(&it, 11, &a), 1);
	cr_assert_eq(a, 10);
	cr_assert_eq(cs_nprof_iter_find(&it, CS_TIME_MAX, &a), 1);
	cr_assert_eq(a, 80);
	cs_nprof_free(&p);
}

/* GPUs free at x >= now, second by second, as the profile defines them. */
static int64_t free_at(const cs_nprof_ev *e, size_t n, int64_t free_now, cs_time now, cs_time x)
{
	int64_t f = free_now;
	for (size_t i = 0; i < n; i++) {
		cs_time t = e[i].t <= now ? (e[i].running ? now + 1 : now) : e[i].t;
		if (t <= x)
			f += e[i].g;
	}
	return f;
}

/* Random profiles: the windows the iterator gives (whole, and by find
 * with a bound) are those a second-by-second check finds. */
Test(nodeprof, windows_match_a_brute_force)
{
	uint64_t seed = 12345;
	for (int round = 0; round < 300; round++) {
		cs_nprof p;
		cr_assert_eq(cs_nprof_init(&p, 1), 0);
		cs_nprof_ev e[12];
		size_t n = 0;
		cs_time now = 20;
		int64_t free_now = 2;
		for (int k = 0; k < 6; k++) { /* takes and give-backs that keep free >= 0 */
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			cs_time s = (cs_time)(seed >> 33) % 80, len = 1 + (cs_time)(seed >> 45) % 20;
			int32_t g = 1 + (int32_t)((seed >> 20) % 3);
			int running = (seed >> 10) % 4 == 0;
			if (running) { /* a running job's give-back (its GPUs are not free now) */
				e[n++] = (cs_nprof_ev){ s, g, 0, 0, 1 };
			} else if (s > now) { /* a plan: takes then gives back */
				e[n++] = (cs_nprof_ev){ s, -g, 0, 0, 0 };
				e[n++] = (cs_nprof_ev){ s + len, g, 0, 0, 0 };
			}
		}
		for (size_t i = 0; i < n; i++)
			cr_assert_eq(cs_nprof_add(&p, 0, &e[i]), 0);
		int64_t need = 1 + (int64_t)(seed >> 50) % 4;
		cs_time d = 1 + (cs_time)(seed >> 40) % 15;
		/* every start s in [now, H] (H: after every event, and a window
		 * still open at H lasts for ever) */
		cs_time H = 130;
		cs_time wa[64], wz[64];
		size_t nw = 0;
		for (cs_time s = now; s <= H; s++) {
			int ok = 1;
			for (cs_time x = s; x < s + d && ok; x++)
				ok = free_at(e, n, free_now, now, x) >= need;
			if (ok && (nw == 0 || wz[nw - 1] != s - 1))
				wa[nw++] = s;
			if (ok)
				wz[nw - 1] = s == H ? CS_TIME_MAX : s;
		}
		cs_time a[64], z[64];
		cs_nprof_amt f = { free_now, 0, 0 }, nd = { need, 0, 0 };
		size_t k = cs_nprof_windows(&p, 0, f, now, nd, d, a, z, 64);
		cr_assert_eq(k, nw, "round %d: %zu windows, want %zu", round, k, nw);
		for (size_t i = 0; i < k; i++) {
			cr_assert_eq(a[i], wa[i], "round %d window %zu", round, i);
			cr_assert_eq(z[i], wz[i], "round %d window %zu", round, i);
		}
		/* the GPUs free at each time, summed at once and as the least
		 * over one second */
		for (cs_time x = now; x <= H; x++) {
			int64_t want = free_at(e, n, free_now, now, x);
			cr_assert_eq(cs_nprof_gpus_at(&p, 0, free_now, now, x), want, "round %d: GPUs at %lld", round,
				     (long long)x);
			cr_assert_eq(cs_nprof_min(&p, 0, f, now, x, x + 1).g, want, "round %d: least at %lld", round,
				     (long long)x);
		}
		/* find with a bound: the first window starting before it (and
		 * cs_nprof_window_before: whether there is one) */
		for (cs_time bound = now; bound <= H; bound += 7) {
			cs_nprof_iter it;
			cs_time x;
			cs_nprof_iter_start(&it, &p, 0, f, now, nd, d);
			int got = cs_nprof_iter_find(&it, bound, &x);
			int want = nw > 0 && wa[0] < bound;
			cr_assert_eq(got, want, "round %d bound %lld", round, (long long)bound);
			cr_assert_eq(cs_nprof_window_before(&p, 0, f, now, nd, d, bound), want, "round %d bound %lld: window before",
				     round, (long long)bound);
			/* the runs of need GPUs free: with GPUs alone, one starting
			 * before bound lasts d exactly when a window starts before it */
			cs_time ra[64], rz[64];
			size_t nr = cs_nprof_runs(&p, 0, f, now, 0, need, ra, rz, 64);
			/* each run by brute force: the times from now to H with need
			 * GPUs free, a run open at H for ever */
			size_t nb = 0;
			cs_time ba[64], bz[64];
			int prev = 0;
			for (cs_time y = now; y <= H; y++) {
				int in = free_at(e, n, free_now, now, y) >= need;
				if (in && !prev)
					ba[nb++] = y;
				if (!in && prev)
					bz[nb - 1] = y;
				prev = in;
			}
			if (prev)
				bz[nb - 1] = CS_TIME_MAX;
			cr_assert_eq(nr, nb, "round %d: %zu runs, want %zu", round, nr, nb);
			/* and with each run's longest length up to it */
			cs_time la[64], lz[64], ll[64], most = 0;
			cr_assert_eq(cs_nprof_runs_len(&p, 0, f, now, 0, need, la, lz, ll, 64), nr);
			for (size_t i = 0; i < nr; i++) {
				cs_time l = rz[i] == CS_TIME_MAX ? CS_TIME_MAX : rz[i] - ra[i];
				most = l > most ? l : most;
				cr_assert(la[i] == ra[i] && lz[i] == rz[i], "round %d run %zu", round, i);
				cr_assert_eq(ll[i], most, "round %d run %zu: longest up to it", round, i);
			}
			for (size_t i = 0; i < nr; i++) {
				cr_assert_eq(ra[i], ba[i], "round %d run %zu", round, i);
				cr_assert_eq(rz[i], bz[i], "round %d run %zu", round, i);
			}
			int run = 0;
			for (size_t i = 0; i < nr; i++) {
				cr_assert(i == 0 || ra[i] > rz[i - 1], "round %d: runs %zu, %zu apart", round, i - 1, i);
				run |= ra[i] < bound && (rz[i] == CS_TIME_MAX || rz[i] - ra[i] >= d);
			}
			cr_assert_eq(run, want, "round %d bound %lld: runs", round, (long long)bound);
			if (got) {
				cr_assert_eq(x, wa[0]);
				cr_assert_eq(cs_nprof_iter_end(&it), wz[0]);
			}
		}
		cs_nprof_free(&p);
	}
}

/* Random profiles of GPUs or cores (plans, running jobs' give-backs,
 * overdue ones too): each of the search's lower bounds is the start of
 * the first window of that many for that long, over the bounds' counts
 * and durations as the planner asks them (5 x 5) and over fewer. */
Test(nodeprof, first_runs_are_the_first_windows)
{
	uint64_t seed = 9090;
	const int64_t g[5] = { 1, 2, 4, 8, 16 };
	const cs_time D[5] = { 1, 3, 8, 20, 60 };
	int found = 0, never = 0;
	for (int round = 0; round < 600; round++) {
		cs_nprof p;
		cr_assert_eq(cs_nprof_init(&p, 1), 0);
		cs_time now = 20;
		int cores = round % 2;
		for (int k = 0; k < 8; k++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			cs_time s = 10 + (cs_time)(seed >> 33) % 100, len = 1 + (cs_time)(seed >> 45) % 40;
			int32_t v = 1 + (int32_t)((seed >> 20) % 8);
			cs_nprof_ev e = { s, cores ? 0 : v, cores ? v : 0, 0, 1 };
			if ((seed >> 10) % 3 == 0) {
				cr_assert_eq(cs_nprof_add(&p, 0, &e), 0);
			} else if (s > now) {
				cs_nprof_ev take = e, back = e;
				take.g = -e.g;
				take.c = -e.c;
				take.running = back.running = 0;
				back.t = s + len;
				cr_assert_eq(cs_nprof_add(&p, 0, &take), 0);
				cr_assert_eq(cs_nprof_add(&p, 0, &back), 0);
			}
		}
		int64_t v0 = (int64_t)(seed >> 50) % 12;
		cs_nprof_amt f = { cores ? 0 : v0, cores ? v0 : 0, 0 };
		unsigned ng = round % 3 ? 5 : 1 + (unsigned)(seed >> 56) % 5, nd = round % 3 ? 5 : 1 + (unsigned)(seed >> 59) % 5;
		cs_time out[25];
		cs_nprof_first_runs(&p, 0, f, now, cores, g, ng, D, nd, out);
		for (unsigned i = 0; i < ng; i++)
			for (unsigned k = 0; k < nd; k++) {
				cs_time a[64], z[64];
				cs_nprof_amt need = { cores ? 0 : g[i], cores ? g[i] : 0, 0 };
				size_t n = cs_nprof_windows(&p, 0, f, now, need, D[k], a, z, 64);
				cs_time want = n ? a[0] : CS_TIME_MAX;
				cr_assert_eq(out[i * nd + k], want, "round %d, %lld %s for %lld s: %lld, want %lld", round,
					     (long long)g[i], cores ? "cores" : "GPUs", (long long)D[k],
					     (long long)out[i * nd + k], (long long)want);
				found += n > 0;
				never += n == 0;
			}
		cs_nprof_free(&p);
	}
	cr_assert(found > 1000 && never > 1000, "found %d, never %d", found, never);
}

/* Adds, removes and mutes on short and long profiles (the short ones
 * searched from the end, the long ones by halves) keep the events as a
 * plain list does: by time, equal times in the order added; a remove or
 * a mute takes the last equal event. The same with the planner's inline
 * cases (cs_nprof_add_in, _remove_in, _mute_in, and _remove_at_in at the
 * index a mute found), which call the functions on long profiles. */
static void events_kept_in_order(int inl)
{
	uint64_t seed = 777;
	cs_nprof p;
	cr_assert_eq(cs_nprof_init(&p, 1), 0);
	cs_nprof_ev ref[64];
	uint32_t n = 0;
	int longs = 0, shorts = 0;
	for (int round = 0; round < 20000; round++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		cs_nprof_ev e = { (cs_time)(seed >> 33) % 12, 1 + (int32_t)((seed >> 20) % 3), 0, 0, 0 };
		unsigned op = (unsigned)(seed >> 60) % 4, target = 4 + (unsigned)(round / 1000) % 3 * 20;
		if (n < target && op < 2) {
			cr_assert_eq(inl ? cs_nprof_add_in(&p, 0, &e) : cs_nprof_add(&p, 0, &e), 0);
			uint32_t i = n;
			while (i > 0 && ref[i - 1].t > e.t) {
				ref[i] = ref[i - 1];
				i--;
			}
			ref[i] = e;
			n++;
		} else if (n) {
			e = ref[(seed >> 40) % n];
			long want = -1;
			for (uint32_t i = 0; i < n; i++)
				if (ref[i].t == e.t && ref[i].g == e.g && ref[i].c == e.c && ref[i].m == e.m &&
				    ref[i].running == e.running)
					want = i;
			if (op == 2) {
				cr_assert_eq(inl ? cs_nprof_mute_in(&p, 0, &e) : cs_nprof_mute(&p, 0, &e), want);
				cs_nprof_unmute(&p, 0, (uint32_t)want, &e);
			} else {
				if (inl && round % 2) { /* (as cs_plan_unmute_drop removes) */
					cr_assert_eq(cs_nprof_mute_in(&p, 0, &e), want);
					cs_nprof_remove_at_in(&p, 0, (uint32_t)want);
				} else {
					cr_assert_eq(inl ? cs_nprof_remove_in(&p, 0, &e) : cs_nprof_remove(&p, 0, &e), 0);
				}
				for (uint32_t i = (uint32_t)want; i + 1 < n; i++)
					ref[i] = ref[i + 1];
				n--;
			}
		}
		longs += n >= 16;
		shorts += n < 16;
		cr_assert_eq(p.node[0].n, n);
		for (uint32_t i = 0; i < n; i++)
			cr_assert(p.node[0].ev[i].t == ref[i].t && p.node[0].ev[i].g == ref[i].g, "round %d: event %u",
				  round, i);
	}
	cr_assert(longs > 3000 && shorts > 3000, "long %d, short %d", longs, shorts);
	cs_nprof_free(&p);
}

Test(nodeprof, events_kept_in_order_short_and_long) { events_kept_in_order(0); }

Test(nodeprof, events_kept_in_order_by_the_inline_cases) { events_kept_in_order(1); }

/* The planner's bounds written over the last ones, a row (one count by
 * five durations) at a time: after every change of a random profile
 * (plans, give-backs, overdue ones; up to 60 events), of the free amount
 * and of the time, cs_nprof_first_runs_5 leaves in each row what
 * cs_nprof_first_runs gives for its count and says which entries changed.
 * Rows are worked out in a random order and some not at all in a round
 * (the planner works out only those read). */
Test(nodeprof, first_runs_5_written_over_the_last_say_which_changed)
{
	uint64_t seed = 5555;
	const int64_t g[5] = { 1, 2, 4, 8, 16 };
	const cs_time D[5] = { 1, 3, 8, 20, 60 };
	int changed = 0, kept = 0, never = 0, now_on = 0, skipped = 0, long_ones = 0;
	for (int cores = 0; cores < 2; cores++) {
		cs_nprof p;
		cr_assert_eq(cs_nprof_init(&p, 1), 0);
		cs_time out[25], now = 20;
		for (int i = 0; i < 25; i++)
			out[i] = CS_TIME_MAX;
		for (int round = 0; round < 3000; round++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			cs_time s = now - 10 + (cs_time)(seed >> 33) % 100, len = 1 + (cs_time)(seed >> 45) % 40;
			int32_t v = 1 + (int32_t)((seed >> 20) % 8);
			cs_nprof_node *nd = &p.node[0];
			if (nd->n > 8 + (seed >> 40) % 54) { /* take one out */
				cs_nprof_remove_at(&p, 0, (uint32_t)((seed >> 12) % nd->n));
			} else if ((seed >> 10) % 3 == 0) {
				cs_nprof_ev e = { s, cores ? 0 : v, cores ? v : 0, 0, 1 };
				cr_assert_eq(cs_nprof_add(&p, 0, &e), 0);
			} else {
				cs_nprof_ev take = { s, cores ? 0 : -v, cores ? -v : 0, 0, 0 }, back = take;
				back.t = s + len;
				back.g = -take.g;
				back.c = -take.c;
				cr_assert_eq(cs_nprof_add(&p, 0, &take), 0);
				cr_assert_eq(cs_nprof_add(&p, 0, &back), 0);
			}
			now += (cs_time)(seed >> 58) % 3;
			int64_t have = (int64_t)(seed >> 50) % 20;
			cs_nprof_amt f = { cores ? 0 : have, cores ? have : 0, 0 };
			cs_time want[25];
			cs_nprof_first_runs(&p, 0, f, now, cores, g, 5, D, 5, want);
			long_ones += nd->n > 30;
			for (unsigned q = 0; q < 5; q++) {
				unsigned i = (q + (unsigned)(seed >> 7)) % 5; /* the rows in a random order */
				if ((seed >> (13 + i)) % 4 == 0) {
					skipped++;
					continue;
				}
				cs_time was[5], *o = out + 5 * i;
				memcpy(was, o, sizeof was);
				uint32_t m = cores ? cs_nprof_first_runs_5(&p, 0, have, now, 1, g[i], D, o)
						   : cs_nprof_first_runs_5(&p, 0, have, now, 0, g[i], D, o);
				for (unsigned k = 0; k < 5; k++) {
					cs_time w = want[5 * i + k];
					cr_assert_eq(o[k], w, "cores %d round %d, row %u entry %u: %lld, want %lld", cores,
						     round, i, k, (long long)o[k], (long long)w);
					cr_assert_eq(m >> k & 1, was[k] != w, "cores %d round %d, row %u entry %u: changed bit",
						     cores, round, i, k);
					changed += was[k] != w;
					kept += was[k] == w;
					never += w == CS_TIME_MAX;
					now_on += w == now;
				}
				cr_assert_eq(m >> 5, 0);
			}
		}
		cs_nprof_free(&p);
	}
	cr_assert(changed > 5000 && kept > 5000 && never > 1000 && now_on > 1000 && skipped > 1000 && long_ones > 500,
		  "changed %d, kept %d, never %d, from now %d, skipped %d, long profiles %d", changed, kept, never,
		  now_on, skipped, long_ones);
}

/* The runs made at one time and moved on to a later one are those made
 * then, while no event falls at or before the later time; otherwise the
 * move is refused and leaves them as they were. Random profiles of
 * plans and running jobs' give-backs (overdue ones too), GPUs and cores. */
Test(nodeprof, runs_moved_on_in_time_are_the_runs_made_then)
{
	uint64_t seed = 4242;
	int moved = 0, refused = 0;
	for (int round = 0; round < 400; round++) {
		cs_nprof p;
		cr_assert_eq(cs_nprof_init(&p, 1), 0);
		cs_time now = 20;
		for (int k = 0; k < 5; k++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			cs_time s = 10 + (cs_time)(seed >> 33) % 80, len = 1 + (cs_time)(seed >> 45) % 20;
			int32_t g = 1 + (int32_t)((seed >> 20) % 3), cores = 4 * g;
			cs_nprof_ev e = { s, g, cores, 0, 1 };
			if ((seed >> 10) % 4 == 0) {
				cr_assert_eq(cs_nprof_add(&p, 0, &e), 0);
			} else if (s > now) {
				cs_nprof_ev take = { s, -g, -cores, 0, 0 }, back = { s + len, g, cores, 0, 0 };
				cr_assert_eq(cs_nprof_add(&p, 0, &take), 0);
				cr_assert_eq(cs_nprof_add(&p, 0, &back), 0);
			}
		}
		cs_nprof_amt f = { 2, 8, 0 };
		int cores = (int)(seed >> 50) % 2;
		int64_t v = 1 + (int64_t)(seed >> 52) % (cores ? 12 : 4);
		for (cs_time later = now + 1; later < now + 60; later += 3) {
			cs_time a[64], z[64], a2[64], z2[64];
			size_t n = cs_nprof_runs(&p, 0, f, now, cores, v, a, z, 64);
			cr_assert(n < 64);
			memcpy(a2, a, sizeof a);
			if (!cs_nprof_runs_advance(&p, 0, now, later, a, n)) {
				refused++;
				cr_assert(p.node[0].n && p.node[0].ev[0].t <= later, "round %d: a move refused", round);
				cr_assert(memcmp(a, a2, n * sizeof *a) == 0, "round %d: a refused move changed the runs", round);
				continue;
			}
			moved++;
			size_t n2 = cs_nprof_runs(&p, 0, f, later, cores, v, a2, z2, 64);
			cr_assert_eq(n2, n, "round %d later %lld: %zu runs, want %zu", round, (long long)later, n, n2);
			for (size_t i = 0; i < n; i++) {
				cr_assert_eq(a[i], a2[i], "round %d later %lld: run %zu's start", round, (long long)later, i);
				cr_assert_eq(z[i], z2[i], "round %d later %lld: run %zu's end", round, (long long)later, i);
			}
		}
		cs_nprof_free(&p);
	}
	cr_assert(moved > 100 && refused > 100, "moved %d, refused %d", moved, refused);
}

/* All windows of node 0 for need GPUs over d seconds, in a[] and z[]. */
static size_t all_windows(const cs_nprof *p, int64_t free_now, cs_time now, int64_t need, cs_time d, cs_time *a,
			  cs_time *z)
{
	cs_nprof_amt f = { free_now, 0, 0 }, nd = { need, 0, 0 };
	return cs_nprof_windows(p, 0, f, now, nd, d, a, z, 64);
}

/* A plan's two events muted in place give the windows of the profile
 * without them (every need and duration, and a find with a bound); given
 * back, those of the profile as it was. An event that is not there is
 * not muted. */
Test(nodeprof, a_muted_plan_is_as_dropped_and_comes_back)
{
	uint64_t seed = 777;
	for (int round = 0; round < 200; round++) {
		cs_nprof with, without;
		cr_assert_eq(cs_nprof_init(&with, 1), 0);
		cr_assert_eq(cs_nprof_init(&without, 1), 0);
		cs_time now = 20;
		for (int k = 0; k < 6; k++) { /* other plans and running jobs, in both */
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			cs_time s = now + 1 + (cs_time)(seed >> 33) % 60, len = 1 + (cs_time)(seed >> 45) % 20;
			int32_t g = 1 + (int32_t)((seed >> 20) % 3);
			cs_nprof_ev e[2] = { { s, -g, 0, 0, 0 }, { s + len, g, 0, 0, 0 } };
			if ((seed >> 10) % 4 == 0)
				e[0] = (cs_nprof_ev){ s, g, 0, 0, 1 };
			for (int x = 0; x < ((seed >> 10) % 4 == 0 ? 1 : 2); x++) {
				cr_assert_eq(cs_nprof_add(&with, 0, &e[x]), 0);
				cr_assert_eq(cs_nprof_add(&without, 0, &e[x]), 0);
			}
		}
		/* the plan, in one of them, at a time another event may share */
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		cs_time s = now + 1 + (cs_time)(seed >> 33) % 60, len = 1 + (cs_time)(seed >> 45) % 20;
		int32_t g = 1 + (int32_t)((seed >> 20) % 2);
		cs_nprof_ev take = { s, -g, 0, 0, 0 }, back = { s + len, g, 0, 0, 0 };
		cr_assert_eq(cs_nprof_add(&with, 0, &take), 0);
		cr_assert_eq(cs_nprof_add(&with, 0, &back), 0);
		cs_time a0[64], z0[64], a1[64], z1[64];
		int64_t free_now = 3;
		size_t before[5][6];
		for (int64_t need = 1; need <= 4; need++)
			for (cs_time d = 1; d <= 16; d += 3)
				before[need][d / 3] = all_windows(&with, free_now, now, need, d, a0, z0);
		long i0 = cs_nprof_mute(&with, 0, &take), i1 = cs_nprof_mute(&with, 0, &back);
		cr_assert_geq(i0, 0);
		cr_assert_geq(i1, 0);
		for (int64_t need = 1; need <= 4; need++)
			for (cs_time d = 1; d <= 16; d += 3) {
				size_t k0 = all_windows(&with, free_now, now, need, d, a0, z0);
				size_t k1 = all_windows(&without, free_now, now, need, d, a1, z1);
				cr_assert_eq(k0, k1, "round %d need %lld d %lld", round, (long long)need, (long long)d);
				for (size_t w = 0; w < k0; w++) {
					cr_assert_eq(a0[w], a1[w], "round %d window %zu", round, w);
					cr_assert_eq(z0[w], z1[w], "round %d window %zu", round, w);
				}
				for (cs_time bound = now; bound <= 110; bound += 9) {
					cs_nprof_iter it;
					cs_time x;
					cs_nprof_amt f = { free_now, 0, 0 }, nd = { need, 0, 0 };
					cs_nprof_iter_start(&it, &with, 0, f, now, nd, d);
					int got = cs_nprof_iter_find(&it, bound, &x);
					cr_assert_eq(got, k1 > 0 && a1[0] < bound, "round %d bound %lld", round, (long long)bound);
					if (got)
						cr_assert_eq(x, a1[0]);
				}
			}
		cs_nprof_unmute(&with, 0, (uint32_t)i0, &take);
		cs_nprof_unmute(&with, 0, (uint32_t)i1, &back);
		for (int64_t need = 1; need <= 4; need++)
			for (cs_time d = 1; d <= 16; d += 3)
				cr_assert_eq(all_windows(&with, free_now, now, need, d, a0, z0), before[need][d / 3]);
		cr_assert_eq(cs_nprof_remove(&with, 0, &take), 0); /* back as it was: removed as added */
		cr_assert_eq(cs_nprof_remove(&with, 0, &back), 0);
		cs_nprof_ev none = { s, -9, 0, 0, 0 };
		cr_assert_eq(cs_nprof_mute(&with, 0, &none), -1);
		cs_nprof_free(&with);
		cs_nprof_free(&without);
	}
}
