/* capsim: node availability profiles, for plans (conservative backfilling
 * on the node model). Internal to sim/.
 *
 * Per node, the changes of its free GPUs, cores and memory over future
 * time, on top of what is free now (the allocator's state): a running
 * job gives its share back at its estimated end, a plan takes its share at
 * its start and gives it back at its end. Counts, not identities: which
 * GPUs and cores a job gets is chosen when it starts, and the allocator
 * decides fit on counts too.
 *
 * Events are kept sorted by time per node. A running job's give-back at
 * or before `now` (a job past its estimate) counts at now + 1: it is
 * expected to end a second from now. Any other event at or before now
 * counts now.
 */
#ifndef CAPSIM_NODEPROF_H
#define CAPSIM_NODEPROF_H

#include "capsim/types.h"

#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct cs_nprof_ev {
	cs_time t;
	int32_t g, c, m;  /* change of free GPUs, cores, memory (MiB) at t */
	uint32_t running; /* a running job's give-back */
} cs_nprof_ev;

typedef struct cs_nprof_node {
	cs_nprof_ev *ev;
	uint32_t n, cap;
} cs_nprof_node;

typedef struct cs_nprof {
	cs_nprof_node *node;
	uint32_t nnodes;
} cs_nprof;

int cs_nprof_init(cs_nprof *p, uint32_t nnodes);
void cs_nprof_free(cs_nprof *p);
/* Add an event: 0, or -1 out of memory. */
int cs_nprof_add(cs_nprof *p, uint32_t node, const cs_nprof_ev *e);
/* Profiles are short (a few events a node): below this many events a
 * search from the end and moves one by one beat the binary search and
 * memmove's call. */
#define CS_NPROF_SHORT 16u
/* cs_nprof_add, its common case inline (a short profile with room: the
 * same moves from the end), else the call. Inline: every plan made or
 * dropped and every start adds a node's events. */
static inline int cs_nprof_add_in(cs_nprof *p, uint32_t node, const cs_nprof_ev *e)
{
	cs_nprof_node *nd = &p->node[node];
	uint32_t i = nd->n;
	if (i == nd->cap || i >= CS_NPROF_SHORT)
		return cs_nprof_add(p, node, e);
	cs_nprof_ev *ev = nd->ev;
	for (; i > 0 && ev[i - 1].t > e->t; i--) /* after equal times: insertion order */
		ev[i] = ev[i - 1];
	ev[i] = *e;
	nd->n++;
	return 0;
}
/* Remove one event equal to e: 0, or -1 if there is none. */
int cs_nprof_remove(cs_nprof *p, uint32_t node, const cs_nprof_ev *e);

/* Set the amounts of one event equal to e to zero, in place (the
 * profile as without it, but for a change of nothing at its time): its
 * index, or -1 if there is none. cs_nprof_unmute gives them back; the
 * profile must not change meanwhile. */
long cs_nprof_mute(cs_nprof *p, uint32_t node, const cs_nprof_ev *e);
static inline void cs_nprof_unmute(cs_nprof *p, uint32_t node, uint32_t i, const cs_nprof_ev *e)
{
	cs_nprof_ev *x = &p->node[node].ev[i];
	x->g = e->g;
	x->c = e->c;
	x->m = e->m;
}
/* Remove the event at index i (one cs_nprof_mute answered, muted or
 * given back, the profile unchanged since but for removals before it). */
void cs_nprof_remove_at(cs_nprof *p, uint32_t node, uint32_t i);

/* cs_nprof_remove, cs_nprof_mute and cs_nprof_remove_at inline: a short
 * profile (or a short tail) is searched from the end and moved one event
 * at a time here, a long one takes the calls (binary search, memmove).
 * Inline: a search mutes and gives back its plan's events, and a moved
 * plan's are removed, about a million times a site-year each; the called
 * functions are these. */
/* The index of the last event equal to e among those at e's time, which
 * end before index i (the first later than e), or -1. */
static inline long cs_nprof_last_equal(const cs_nprof_node *nd, uint32_t i, const cs_nprof_ev *e)
{
	for (; i-- > 0 && nd->ev[i].t == e->t;) {
		const cs_nprof_ev *x = &nd->ev[i];
		if (x->g == e->g && x->c == e->c && x->m == e->m && x->running == e->running)
			return i;
	}
	return -1;
}
/* The same over a whole profile: a long one's by binary search (the call),
 * a short one's from the end. */
long cs_nprof_find(const cs_nprof_node *nd, const cs_nprof_ev *e);
static inline long cs_nprof_find_in(const cs_nprof_node *nd, const cs_nprof_ev *e)
{
	if (nd->n >= CS_NPROF_SHORT)
		return cs_nprof_find(nd, e);
	uint32_t i = nd->n;
	while (i > 0 && nd->ev[i - 1].t > e->t)
		i--;
	return cs_nprof_last_equal(nd, i, e);
}

static inline void cs_nprof_remove_at_in(cs_nprof *p, uint32_t node, uint32_t i)
{
	cs_nprof_node *nd = &p->node[node];
	if (nd->n - 1 - i >= CS_NPROF_SHORT) {
		cs_nprof_remove_at(p, node, i);
		return;
	}
	cs_nprof_ev *ev = nd->ev;
	uint32_t n = --nd->n;
	for (; i < n; i++)
		ev[i] = ev[i + 1];
}

static inline int cs_nprof_remove_in(cs_nprof *p, uint32_t node, const cs_nprof_ev *e)
{
	long i = cs_nprof_find_in(&p->node[node], e);
	if (i < 0)
		return -1;
	cs_nprof_remove_at_in(p, node, (uint32_t)i);
	return 0;
}

static inline long cs_nprof_mute_in(cs_nprof *p, uint32_t node, const cs_nprof_ev *e)
{
	cs_nprof_node *nd = &p->node[node];
	long i = cs_nprof_find_in(nd, e);
	if (i >= 0)
		nd->ev[i].g = nd->ev[i].c = nd->ev[i].m = 0;
	return i;
}

/* Free amounts on a node now (the allocator's) and the request per node. */
typedef struct cs_nprof_amt {
	int64_t g, c, m;
} cs_nprof_amt;

/* The same, one window at a time (cs_nprof_iter_next: 1 and the window,
 * or 0 when there are no more). The profile must not change meanwhile. */
typedef struct cs_nprof_iter {
	const cs_nprof_node *nd;
	uint32_t i;
	int has_late;
	cs_time now;
	cs_nprof_amt f;    /* free in the current segment */
	cs_nprof_amt late; /* overdue running jobs' give-backs, due at now + 1 */
	cs_nprof_amt need;
	cs_time d, from;   /* from: the open run's start, or -1 */
	cs_time seg;       /* the current segment's start */
	cs_time zend;      /* a found window's last start, once its run closed (-1: not yet) */
	int found;         /* a window was found (cs_nprof_iter_find), its end not yet asked for */
	int done;
} cs_nprof_iter;

void cs_nprof_iter_start(cs_nprof_iter *it, const cs_nprof *p, uint32_t node, cs_nprof_amt free_now, cs_time now,
			 cs_nprof_amt need, cs_time d);
int cs_nprof_iter_next(cs_nprof_iter *it, cs_time *a, cs_time *z);
/* cs_nprof_iter_next in two steps, walking no further than needed: the
 * next window's start if it is before bound (1 and it in *a; 0 and the
 * iterator is spent if there is none), then, when asked for, its last
 * start (cs_nprof_iter_end, after a 1 only; the next find follows it).
 * A find without its end skips the rest of that window. */
int cs_nprof_iter_find(cs_nprof_iter *it, cs_time bound, cs_time *a);
cs_time cs_nprof_iter_end(cs_nprof_iter *it);
/* Does a window start before bound (cs_nprof_iter_start, then
 * cs_nprof_iter_find with bound: 1 or 0)? In one walk that keeps
 * nothing. */
int cs_nprof_window_before(const cs_nprof *p, uint32_t node, cs_nprof_amt free_now, cs_time now, cs_nprof_amt need,
			   cs_time d, cs_time bound);

/* The start times at which `need` fits on `node` for d seconds (d >= 1):
 * closed intervals [a[i], z[i]] in ascending order (z = CS_TIME_MAX: from
 * a on). Writes at most max of them; returns how many there are. */
size_t cs_nprof_windows(const cs_nprof *p, uint32_t node, cs_nprof_amt free_now, cs_time now,
			cs_nprof_amt need, cs_time d, cs_time *a, cs_time *z, size_t max);
/* Lower bounds for searches: out[i * nd + k] is the first time t >= now
 * at which node has at least g[i] GPUs (cores != 0: cores) free
 * throughout [t, t + D[k]) (CS_TIME_MAX: never), for counts g[0 .. ng)
 * (ng <= CS_NPROF_MAX_COUNTS, ascending) and durations D[0 .. nd) (each
 * >= 1, ascending). A job needing g[i] GPUs (cores) or more for D[k] seconds or
 * more has no window before it. */
#define CS_NPROF_MAX_COUNTS 16u /* ng at most */
void cs_nprof_first_runs(const cs_nprof *p, uint32_t node, cs_nprof_amt free_now, cs_time now, int cores,
			 const int64_t *g, unsigned ng, const cs_time *D, unsigned nd, cs_time *out);
/* The runs of time from now on in which node has at least v GPUs (cores
 * != 0: cores) free: [a[i], z[i]) in ascending order (z = CS_TIME_MAX:
 * for ever). Writes at most max of them; returns how many there are. A
 * job needing v GPUs (cores) or more for d seconds has a window starting
 * before bound only if a run starting before bound lasts d or more. */
size_t cs_nprof_runs(const cs_nprof *p, uint32_t node, cs_nprof_amt free_now, cs_time now, int cores, int64_t v,
		     cs_time *a, cs_time *z, size_t max);
/* cs_nprof_runs, and in len[i] the longest of runs 0 .. i (z - a;
 * CS_TIME_MAX: for ever), for the runs it writes. */
size_t cs_nprof_runs_len(const cs_nprof *p, uint32_t node, cs_nprof_amt free_now, cs_time now, int cores, int64_t v,
			 cs_time *a, cs_time *z, cs_time *len, size_t max);
/* A walk's start (nodeprof.c's walk_start) on one amount (cores != 0:
 * cores, else GPUs), a constant where it is inlined: the events due by
 * now added to *have, the overdue give-backs (running) to *late instead
 * (*has_late set); the index of the first event after now. */
static inline __attribute__((always_inline)) uint32_t cs_nprof_due_of(const cs_nprof_ev *ev, uint32_t n,
								      cs_time now, int cores, int64_t *have, int64_t *late, int *has_late)
{
	uint32_t i = 0;
	for (; i < n && ev[i].t <= now; i++) {
		int64_t x = cores ? ev[i].c : ev[i].g;
		if (ev[i].running) {
			*late += x;
			*has_late = 1;
		} else {
			*have += x;
		}
	}
	return i;
}

/* The bits of o[0 .. 5) that are not v. (With SSE2 two at a time: a
 * 64-bit compare is two 32-bit ones.) */
static inline __attribute__((always_inline)) uint32_t cs_nprof_differ5(const cs_time *o, cs_time v)
{
#if defined(__SSE2__)
	__m128i w = _mm_set1_epi64x(v);
	__m128i e0 = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)o), w);
	__m128i e1 = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(o + 2)), w);
	e0 = _mm_and_si128(e0, _mm_shuffle_epi32(e0, 0xb1));
	e1 = _mm_and_si128(e1, _mm_shuffle_epi32(e1, 0xb1));
	uint32_t same = (uint32_t)_mm_movemask_pd(_mm_castsi128_pd(e0)) |
			(uint32_t)_mm_movemask_pd(_mm_castsi128_pd(e1)) << 2 | (uint32_t)(o[4] == v) << 4;
	return ~same & 31u;
#else
	uint32_t m = 0;
	for (unsigned k = 0; k < 5; k++)
		m |= (uint32_t)(o[k] != v) << k;
	return m;
#endif
}

/* From k on (k <= 5), o[k .. 5) = v: the bits of those that changed. */
static inline __attribute__((always_inline)) uint32_t cs_nprof_put5(cs_time *o, unsigned k, cs_time v)
{
	uint32_t m = cs_nprof_differ5(o, v) & (31u << k);
	switch (k) {
	case 0: o[0] = v; /* fall through */
	case 1: o[1] = v; /* fall through */
	case 2: o[2] = v; /* fall through */
	case 3: o[3] = v; /* fall through */
	case 4: o[4] = v; /* fall through */
	default: break;
	}
	return m;
}

/* cs_nprof_first_runs for one count g by five durations (D[0 .. 5)) with
 * `have` GPUs (cores != 0: cores; a constant where it is inlined) free
 * now, written over out[0 .. 5): returns the entries that changed (bit
 * k). The walk's steps with that amount alone, the runs of at least g
 * free in time order: a run that closes sets the durations from k on
 * that it lasts (D ascending: those set are always the first ones), and
 * once all five are, the walk stops. The planner works out a node's
 * bounds a count at a time, those a search reads (inline: about 5 M rows
 * in 30 days at 10x). */
static inline __attribute__((always_inline)) uint32_t cs_nprof_first_runs_5(const cs_nprof *p, uint32_t node,
									     int64_t have, cs_time now, int cores,
									     int64_t g, const cs_time *D, cs_time *out)
{
	const cs_nprof_node *np = &p->node[node];
	const cs_nprof_ev *ev = np->ev;
	uint32_t ne = np->n;
	int64_t late = 0;
	int has_late = 0;
	uint32_t e = cs_nprof_due_of(ev, ne, now, cores, &have, &late, &has_late);
	cs_time a = have >= g ? now : -1; /* the open run's start, or -1 */
	unsigned k = 0;                   /* out[0 .. k) set */
	uint32_t m = 0;
	/* each step: the segment from t (the overdue give-backs first, at
	 * now + 1, with the events then; then each later time's events) */
	cs_time t = now + 1;
	if (!has_late)
		t = e < ne ? ev[e].t : CS_TIME_MAX;
	have += late;
	while (t != CS_TIME_MAX) {
		for (; e < ne && ev[e].t == t; e++)
			have += cores ? ev[e].c : ev[e].g;
		if (have >= g) {
			if (a < 0)
				a = t;
		} else if (a >= 0) { /* its run closes at t */
			cs_time len = t - a;
			for (; k < 5 && len >= D[k]; k++) {
				m |= (uint32_t)(out[k] != a) << k;
				out[k] = a;
			}
			if (k == 5)
				return m;
			a = -1;
		}
		t = e < ne ? ev[e].t : CS_TIME_MAX;
	}
	/* a run still open lasts for ever; the durations no run lasted, never */
	return m | cs_nprof_put5(out, k, a >= 0 ? a : CS_TIME_MAX);
}

/* cs_nprof_runs_of's step at t where its answer ok (at least v free)
 * differs from the open run's (from < 0: none open): a run opens, or the
 * open one closes and is written (the k-th, if there is room). */
static inline __attribute__((always_inline)) void cs_nprof_runs_turn(int ok, cs_time t, cs_time *from, size_t *k,
								      cs_time *most, cs_time *a, cs_time *z,
								      cs_time *len, size_t max)
{
	if (ok) {
		*from = t;
		return;
	}
	if (*k < max) {
		a[*k] = *from;
		z[*k] = t;
		if (len) {
			*most = t - *from > *most ? t - *from : *most;
			len[*k] = *most;
		}
	}
	(*k)++;
	*from = -1;
}

/* cs_nprof_runs_len on one amount free now, have (cores != 0: cores, else
 * GPUs; a constant where it is inlined): the walk's steps with that
 * amount alone (len may be NULL). Inline: the planner's kept runs
 * (cs_plan_nowin) are made again about 2 M times in a site-year. */
static inline __attribute__((always_inline)) size_t cs_nprof_runs_of(const cs_nprof_node *nd, int64_t have,
								     cs_time now, int cores, int64_t v, cs_time *a,
								     cs_time *z, cs_time *len, size_t max)
{
	cs_time most = 0; /* (len: the longest so far) */
	const cs_nprof_ev *e = nd->ev, *end = nd->ev + nd->n;
	int64_t late = 0;
	int has_late = 0;
	e += cs_nprof_due_of(nd->ev, nd->n, now, cores, &have, &late, &has_late);
	size_t k = 0;
	cs_time from = have >= v ? now : -1; /* the open run's start, or -1 */
	/* each step: the segment from t (every later event is after now, so
	 * the overdue give-backs come first, at now + 1, with the events then;
	 * then each later time's events); a run opens or closes only where
	 * the step's answer (at least v) differs from the open run's */
	have += late;
	if (has_late && (e == end || e->t != now + 1) && (have >= v) == (from < 0)) /* a step of the overdue alone */
		cs_nprof_runs_turn(have >= v, now + 1, &from, &k, &most, a, z, len, max);
	/* One event a turn, the answer asked at the last of its time's (its
	 * next is later, or there is none): a loop over each time's events
	 * ends unpredictably (after one event or two), this test is the
	 * answer's, false between. */
	for (; e < end; e++) {
		have += cores ? e->c : e->g;
		const cs_nprof_ev *nx = e + (e + 1 < end); /* (the last's: itself) */
		int last = (nx == e) | (nx->t != e->t);
		int ok = have >= v;
		if (last & (ok == (from < 0)))
			cs_nprof_runs_turn(ok, e->t, &from, &k, &most, a, z, len, max);
	}
	if (from >= 0) { /* the run lasts for ever */
		if (k < max) {
			a[k] = from;
			z[k] = CS_TIME_MAX;
			if (len)
				len[k] = CS_TIME_MAX;
		}
		k++;
	}
	return k;
}

/* The runs cs_nprof_runs gave at time was (n of them, starts in a), made
 * in place the runs it gives at now > was, with the node's profile and
 * free amounts as they were: 1. Only where no event of the node falls at
 * or before now (then only an open first run's start moves, to now);
 * else 0, a[] as it was. */
static inline int cs_nprof_runs_advance(const cs_nprof *p, uint32_t node, cs_time was, cs_time now, cs_time *a,
					size_t n)
{
	const cs_nprof_node *nd = &p->node[node];
	if (now <= was || (nd->n && nd->ev[0].t <= now))
		return 0;
	/* every event is after now: both walks see the same segments from
	 * now on, and a run that starts at an event starts after now */
	if (n && a[0] == was)
		a[0] = now;
	return 1;
}
/* The GPUs free at t (t >= now): cs_nprof_min(p, node, free_now, now, t,
 * t + 1).g with free_now.g = free_g, in one sum of the GPU changes due by
 * t (a running job's give-back due at or before now counts from now + 1). */
int64_t cs_nprof_gpus_at(const cs_nprof *p, uint32_t node, int64_t free_g, cs_time now, cs_time t);
/* The least free over [from, to) (from >= now). */
cs_nprof_amt cs_nprof_min(const cs_nprof *p, uint32_t node, cs_nprof_amt free_now, cs_time now, cs_time from,
			  cs_time to);

/* The walk and the iterator, inline: the planner's search (plan_find.c)
 * steps a node's windows in its own loop (cs_nprof_iter_start, _find and
 * _end are these, called). A walk over a node's free amounts, segment by
 * segment from now (the iterator's first fields). */
typedef cs_nprof_iter cs_nprof_walk;

static inline void cs_nprof_amt_add(cs_nprof_amt *a, const cs_nprof_ev *e)
{
	a->g += e->g;
	a->c += e->c;
	a->m += e->m;
}

static inline __attribute__((always_inline)) void cs_nprof_walk_start(cs_nprof_walk *w, const cs_nprof_node *nd,
								       cs_nprof_amt free_now, cs_time now)
{
	w->nd = nd;
	w->i = 0;
	w->now = now;
	w->f = free_now;
	w->late = (cs_nprof_amt){ 0, 0, 0 };
	w->has_late = 0;
	for (; w->i < nd->n && nd->ev[w->i].t <= now; w->i++) {
		if (nd->ev[w->i].running) {
			cs_nprof_amt_add(&w->late, &nd->ev[w->i]);
			w->has_late = 1;
		} else {
			cs_nprof_amt_add(&w->f, &nd->ev[w->i]);
		}
	}
}

/* The next segment's start (its amounts in w->f), or CS_TIME_MAX. (Every
 * walk's step: inlined, the walk's fields in registers over its events.) */
static inline __attribute__((always_inline)) cs_time cs_nprof_walk_next(cs_nprof_walk *w)
{
	const cs_nprof_ev *ev = w->nd->ev;
	uint32_t i = w->i, n = w->nd->n;
	cs_time t = i < n ? ev[i].t : CS_TIME_MAX;
	cs_nprof_amt f = w->f;
	if (w->has_late && w->now + 1 <= t) {
		t = w->now + 1;
		f.g += w->late.g;
		f.c += w->late.c;
		f.m += w->late.m;
		w->has_late = 0;
	}
	if (t == CS_TIME_MAX)
		return t;
	for (; i < n && ev[i].t == t; i++) {
		f.g += ev[i].g;
		f.c += ev[i].c;
		f.m += ev[i].m;
	}
	w->i = i;
	w->f = f;
	return t;
}

static inline int cs_nprof_holds(cs_nprof_amt f, cs_nprof_amt need)
{
	return f.g >= need.g && f.c >= need.c && f.m >= need.m;
}

static inline __attribute__((always_inline)) void cs_nprof_iter_start_in(cs_nprof_iter *it, const cs_nprof *p,
									  uint32_t node, cs_nprof_amt free_now,
									  cs_time now, cs_nprof_amt need, cs_time d)
{
	cs_nprof_walk_start(it, &p->node[node], free_now, now);
	it->need = need;
	it->d = d;
	it->from = cs_nprof_holds(it->f, need) ? now : -1;
	it->seg = now;
	it->zend = -1;
	it->found = 0;
	it->done = 0;
}

/* The iterator's walk in locals (its fields are reloaded after every
 * store otherwise: they may alias the events), and back. */
typedef struct cs_nprof_iter_loc {
	const cs_nprof_ev *ev;
	uint32_t i, n;
	int has_late;
	cs_nprof_amt f;
	cs_time from, seg;
} cs_nprof_iter_loc;

static inline __attribute__((always_inline)) cs_nprof_iter_loc cs_nprof_iter_load(const cs_nprof_iter *it)
{
	return (cs_nprof_iter_loc){ it->nd->ev, it->i, it->nd->n, it->has_late, it->f, it->from, it->seg };
}

static inline __attribute__((always_inline)) void cs_nprof_iter_store(cs_nprof_iter *it, const cs_nprof_iter_loc *l)
{
	it->i = l->i;
	it->has_late = l->has_late;
	it->f = l->f;
	it->from = l->from;
	it->seg = l->seg;
}

/* cs_nprof_walk_next on the locals: the next segment's start (its amounts in
 * l->f), or CS_TIME_MAX. */
static inline __attribute__((always_inline)) cs_time cs_nprof_loc_next(cs_nprof_iter_loc *l, const cs_nprof_iter *it)
{
	uint32_t i = l->i;
	cs_time t = i < l->n ? l->ev[i].t : CS_TIME_MAX;
	if (l->has_late && it->now + 1 <= t) {
		t = it->now + 1;
		l->f.g += it->late.g;
		l->f.c += it->late.c;
		l->f.m += it->late.m;
		l->has_late = 0;
	}
	if (t == CS_TIME_MAX)
		return t;
	for (; i < l->n && l->ev[i].t == t; i++) {
		l->f.g += l->ev[i].g;
		l->f.c += l->ev[i].c;
		l->f.m += l->ev[i].m;
	}
	l->i = i;
	return t;
}

/* Between calls the walk is at the segment from it->seg, with it->f
 * free; it->from is the start of the run of segments holding the need
 * that reaches it (-1: it->f does not hold it). */
static inline __attribute__((always_inline)) int cs_nprof_iter_find_in(cs_nprof_iter *it, cs_time bound, cs_time *a)
{
	if (it->found)
		cs_nprof_iter_end(it);
	if (it->done)
		return 0;
	cs_nprof_iter_loc l = cs_nprof_iter_load(it);
	const cs_nprof_amt need = it->need;
	const cs_time d = it->d;
	for (;;) {
		/* a window from here on starts at l.from, or after l.seg */
		if (l.from >= 0 ? l.from >= bound : l.seg >= bound)
			break;
		cs_time t = cs_nprof_loc_next(&l, it);
		if (t == CS_TIME_MAX) {
			cs_nprof_iter_store(it, &l);
			it->done = 1;
			if (l.from < 0)
				return 0;
			it->zend = CS_TIME_MAX; /* the run lasts for ever */
			it->found = 1;
			*a = l.from;
			return 1;
		}
		int ok = cs_nprof_holds(l.f, need);
		cs_time from = l.from;
		l.seg = t;
		if (from >= 0 && t - from >= d) { /* the run held long enough */
			l.from = ok ? from : -1;
			cs_nprof_iter_store(it, &l);
			it->zend = ok ? -1 : t - d;
			it->found = 1;
			*a = from;
			return 1;
		}
		l.from = ok ? (from >= 0 ? from : t) : -1;
	}
	cs_nprof_iter_store(it, &l);
	it->done = 1;
	return 0;
}

static inline __attribute__((always_inline)) cs_time cs_nprof_iter_end_in(cs_nprof_iter *it)
{
	it->found = 0;
	if (it->zend >= 0) { /* the run closed where the window was found */
		cs_time z = it->zend;
		it->zend = -1;
		return z;
	}
	cs_nprof_iter_loc l = cs_nprof_iter_load(it);
	const cs_nprof_amt need = it->need;
	cs_time z;
	for (;;) {
		cs_time t = cs_nprof_loc_next(&l, it);
		if (t == CS_TIME_MAX) {
			it->done = 1;
			z = CS_TIME_MAX;
			break;
		}
		l.seg = t;
		if (!cs_nprof_holds(l.f, need)) {
			z = t - it->d;
			break;
		}
	}
	l.from = -1;
	cs_nprof_iter_store(it, &l);
	return z;
}

#endif
