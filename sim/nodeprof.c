/* capsim: node availability profiles. See nodeprof.h. */
#include "nodeprof.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int cs_nprof_init(cs_nprof *p, uint32_t nnodes)
{
	p->nnodes = nnodes;
	p->node = calloc(nnodes ? nnodes : 1, sizeof *p->node);
	return p->node ? 0 : -1;
}

void cs_nprof_free(cs_nprof *p)
{
	if (p->node)
		for (uint32_t i = 0; i < p->nnodes; i++)
			free(p->node[i].ev);
	free(p->node);
	p->node = NULL;
	p->nnodes = 0;
}

/* First index with time > t. */
static uint32_t upper(const cs_nprof_node *nd, cs_time t)
{
	uint32_t lo = 0, hi = nd->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (nd->ev[mid].t <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The short cases are nodeprof.h's inline functions; these take the long
 * ones (binary search, memmove) and a full profile's growth. */
int cs_nprof_add(cs_nprof *p, uint32_t node, const cs_nprof_ev *e)
{
	cs_nprof_node *nd = &p->node[node];
	if (nd->n == nd->cap) {
		uint32_t cap = nd->cap ? 2 * nd->cap : 8;
		cs_nprof_ev *ev = realloc(nd->ev, cap * sizeof *ev);
		if (!ev)
			return -1;
		nd->ev = ev;
		nd->cap = cap;
	}
	if (nd->n < CS_NPROF_SHORT)
		return cs_nprof_add_in(p, node, e);
	uint32_t i = upper(nd, e->t); /* after equal times: insertion order */
	memmove(&nd->ev[i + 1], &nd->ev[i], (nd->n - i) * sizeof *nd->ev);
	nd->ev[i] = *e;
	nd->n++;
	return 0;
}

void cs_nprof_remove_at(cs_nprof *p, uint32_t node, uint32_t i)
{
	cs_nprof_node *nd = &p->node[node];
	if (nd->n - 1 - i < CS_NPROF_SHORT) {
		cs_nprof_remove_at_in(p, node, i);
		return;
	}
	uint32_t n = --nd->n;
	memmove(&nd->ev[i], &nd->ev[i + 1], (n - i) * sizeof *nd->ev);
}

long cs_nprof_find(const cs_nprof_node *nd, const cs_nprof_ev *e) { return cs_nprof_last_equal(nd, upper(nd, e->t), e); }

int cs_nprof_remove(cs_nprof *p, uint32_t node, const cs_nprof_ev *e) { return cs_nprof_remove_in(p, node, e); }

long cs_nprof_mute(cs_nprof *p, uint32_t node, const cs_nprof_ev *e) { return cs_nprof_mute_in(p, node, e); }

/* (the walk and the iterator are nodeprof.h's, inline there: the
 * planner's search steps them in its own loop) */
void cs_nprof_iter_start(cs_nprof_iter *it, const cs_nprof *p, uint32_t node, cs_nprof_amt free_now, cs_time now,
			 cs_nprof_amt need, cs_time d)
{
	cs_nprof_iter_start_in(it, p, node, free_now, now, need, d);
}

int cs_nprof_iter_find(cs_nprof_iter *it, cs_time bound, cs_time *a) { return cs_nprof_iter_find_in(it, bound, a); }

cs_time cs_nprof_iter_end(cs_nprof_iter *it) { return cs_nprof_iter_end_in(it); }

int cs_nprof_window_before(const cs_nprof *p, uint32_t node, cs_nprof_amt free_now, cs_time now, cs_nprof_amt need,
			   cs_time d, cs_time bound)
{
	cs_nprof_walk w;
	cs_nprof_walk_start(&w, &p->node[node], free_now, now);
	/* as cs_nprof_iter_find: from, the start of the run holding the need
	 * that reaches the segment from seg (-1: none) */
	cs_time from = cs_nprof_holds(w.f, need) ? now : -1, seg = now;
	for (;;) {
		if (from >= 0 ? from >= bound : seg >= bound)
			return 0;
		cs_time t = cs_nprof_walk_next(&w);
		if (t == CS_TIME_MAX)
			return from >= 0; /* a run from `from` on lasts for ever */
		if (from >= 0 && t - from >= d)
			return 1; /* the run held long enough */
		from = cs_nprof_holds(w.f, need) ? (from >= 0 ? from : t) : -1;
		seg = t;
	}
}

int cs_nprof_iter_next(cs_nprof_iter *it, cs_time *a, cs_time *z)
{
	if (!cs_nprof_iter_find(it, CS_TIME_MAX, a))
		return 0;
	*z = cs_nprof_iter_end(it);
	return 1;
}

size_t cs_nprof_windows(const cs_nprof *p, uint32_t node, cs_nprof_amt free_now, cs_time now,
			cs_nprof_amt need, cs_time d, cs_time *a, cs_time *z, size_t max)
{
	cs_nprof_iter it;
	cs_nprof_iter_start(&it, p, node, free_now, now, need, d);
	size_t k = 0;
	cs_time x, y;
	while (cs_nprof_iter_next(&it, &x, &y)) {
		if (k < max) {
			a[k] = x;
			z[k] = y;
		}
		k++;
	}
	return k;
}

/* cs_nprof_first_runs on one amount (cores != 0: cores, else GPUs), a
 * constant where it is inlined: the cs_nprof_walk's steps with that amount alone
 * (the overdue give-backs at now + 1, before every later event). */
static inline __attribute__((always_inline)) void first_runs_of(const cs_nprof_node *np, int64_t have, cs_time now,
								int cores, const int64_t *g, unsigned ng,
								const cs_time *D, unsigned nd, cs_time *out)
{
	cs_time rs[CS_NPROF_MAX_COUNTS]; /* per count: the start of the run with at least g[i] free, or -1 */
	/* per count: out[i * nd + k] is set for k < done[i]. A run that
	 * lasts D[k] lasts every shorter duration too, and the runs come in
	 * time order, so (D ascending) the durations set are always the
	 * first ones: a run that closes sets those from done[i] on that it
	 * lasts. */
	unsigned done[CS_NPROF_MAX_COUNTS];
	unsigned left = nd ? ng : 0; /* counts not done */
	for (unsigned i = 0; i < ng; i++) {
		rs[i] = -1;
		done[i] = 0;
	}
	const cs_nprof_ev *ev = np->ev;
	uint32_t ne = np->n;
	int64_t late = 0;
	int has_late = 0;
	uint32_t e = cs_nprof_due_of(ev, ne, now, cores, &have, &late, &has_late);
	cs_time t = now;
	/* the counts ascend, so those with a run open are a prefix: [0, open) */
	unsigned open = 0;
	for (;;) {
		/* the segment from t has `have` free: the counts it cs_nprof_holds are [0, m) */
		unsigned m = 0;
		while (m < ng && have >= g[m])
			m++;
		for (unsigned i = open; i < m; i++)
			rs[i] = t;
		for (unsigned i = m; i < open; i++) { /* its run closes at t */
			unsigned k = done[i];
			for (; k < nd && t - rs[i] >= D[k]; k++)
				out[i * nd + k] = rs[i];
			if (k != done[i]) {
				done[i] = k;
				left -= k == nd;
			}
			rs[i] = -1;
		}
		open = m;
		if (!left)
			return;
		if (has_late) {
			t = now + 1;
			have += late;
			has_late = 0;
		} else if (e < ne) {
			t = ev[e].t;
		} else {
			break;
		}
		for (; e < ne && ev[e].t == t; e++)
			have += cores ? ev[e].c : ev[e].g;
	}
	/* runs still open last for ever; the durations no run lasted, never */
	for (unsigned i = 0; i < ng; i++) {
		cs_time v = i < open ? rs[i] : CS_TIME_MAX, *o = out + (size_t)i * nd;
		for (unsigned k = done[i]; k < nd; k++)
			o[k] = v;
	}
}

void cs_nprof_first_runs(const cs_nprof *p, uint32_t node, cs_nprof_amt free_now, cs_time now, int cores,
			 const int64_t *g, unsigned ng, const cs_time *D, unsigned nd, cs_time *out)
{
	const cs_nprof_node *np = &p->node[node];
	/* (the planner's rows go through cs_nprof_first_runs_5) */
	if (cores)
		first_runs_of(np, free_now.c, now, 1, g, ng, D, nd, out);
	else
		first_runs_of(np, free_now.g, now, 0, g, ng, D, nd, out);
}

size_t cs_nprof_runs(const cs_nprof *p, uint32_t node, cs_nprof_amt free_now, cs_time now, int cores, int64_t v,
		     cs_time *a, cs_time *z, size_t max)
{
	const cs_nprof_node *nd = &p->node[node];
	return cores ? cs_nprof_runs_of(nd, free_now.c, now, 1, v, a, z, NULL, max)
		     : cs_nprof_runs_of(nd, free_now.g, now, 0, v, a, z, NULL, max);
}

size_t cs_nprof_runs_len(const cs_nprof *p, uint32_t node, cs_nprof_amt free_now, cs_time now, int cores, int64_t v,
			 cs_time *a, cs_time *z, cs_time *len, size_t max)
{
	const cs_nprof_node *nd = &p->node[node];
	return cores ? cs_nprof_runs_of(nd, free_now.c, now, 1, v, a, z, len, max)
		     : cs_nprof_runs_of(nd, free_now.g, now, 0, v, a, z, len, max);
}

int64_t cs_nprof_gpus_at(const cs_nprof *p, uint32_t node, int64_t free_g, cs_time now, cs_time t)
{
	const cs_nprof_node *nd = &p->node[node];
	const cs_nprof_ev *ev = nd->ev;
	uint32_t i = 0, n = nd->n;
	if (t <= now) { /* the overdue give-backs are not due yet */
		for (; i < n && ev[i].t <= now; i++)
			free_g += ev[i].running ? 0 : ev[i].g;
		return free_g;
	}
	for (; i < n && ev[i].t <= t; i++)
		free_g += ev[i].g;
	return free_g;
}

cs_nprof_amt cs_nprof_min(const cs_nprof *p, uint32_t node, cs_nprof_amt free_now, cs_time now, cs_time from,
			  cs_time to)
{
	cs_nprof_walk w;
	cs_nprof_walk_start(&w, &p->node[node], free_now, now);
	cs_nprof_amt lo = { INT64_MAX, INT64_MAX, INT64_MAX };
	cs_time seg = now;
	for (;;) {
		cs_nprof_amt f = w.f;
		cs_time t = cs_nprof_walk_next(&w);
		/* segment [seg, t) had amounts f */
		if (seg < to && t > from) {
			lo.g = f.g < lo.g ? f.g : lo.g;
			lo.c = f.c < lo.c ? f.c : lo.c;
			lo.m = f.m < lo.m ? f.m : lo.m;
		}
		if (t == CS_TIME_MAX || t >= to)
			break;
		seg = t;
	}
	return lo;
}
