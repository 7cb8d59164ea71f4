/* capsim: the site's power cap in the engine (capsim/power.h, engine_int.h).
 *
 * The site draws its idle power plus what the running jobs add; the cap
 * leaves `budget` for the latter. The draw above idle only grows when a
 * job starts and only shrinks when one stops, so looking ahead it is a
 * step function: the running jobs' draws until their estimated ends, plus
 * what the pass's holds (EASY's reservations) and the plans (conservative
 * backfilling) reserve over their windows. A job may start now if that
 * function plus its draw stays within the budget over its estimated run;
 * a hold or a plan is placed no earlier than the first time it leaves room
 * for the most its job could draw. So a reservation the cap would break is
 * never made, and a backfilled job never takes the power a reservation
 * counts on (as long as jobs end by their estimates). */
#include "capsim/power.h"
#include "engine_int.h"

#include <string.h>

int64_t cs_pcap_draw(const cs_sched_ctx *c, const cs_slot *slots, uint32_t n)
{
	int64_t d = 0;
	for (uint32_t k = 0; k < n; k++)
		d += cs_power_cap_slot_mw(c->pc, cs_alloc_node_type(c->A, slots[k].node), cs_slot_gpus(&slots[k]),
					  slots[k].cores);
	return d;
}

/* What job j would draw on nodes of type t, or -1 if it cannot run there. */
static int64_t type_draw(const cs_power_cap *pc, uint32_t t, const cs_job *j)
{
	if (t >= pc->ntypes || j->nodes > pc->count[t] || j->gpus_per_node > pc->gpus[t] ||
	    j->cores_per_node > pc->cores[t])
		return -1;
	return (int64_t)j->nodes * cs_power_cap_slot_mw(pc, t, j->gpus_per_node, j->cores_per_node);
}

/* The most and the least job j could draw on a node type its partition
 * allows (any type: partition -1, or a type given as -1). */
static void draws_of(const cs_sched_ctx *c, const cs_job *j, int64_t *most, int64_t *least)
{
	const cs_power_cap *pc = c->pc;
	int32_t p = j->partition;
	int any = p < 0 || (uint32_t)p >= c->npart;
	for (uint32_t k = any ? 0 : c->pfirst[p]; !any && k < c->pfirst[p + 1]; k++)
		any = c->ptypes[k] < 0;
	uint32_t k0 = any ? 0 : c->pfirst[p], k1 = any ? pc->ntypes : c->pfirst[p + 1];
	*most = 0;
	*least = INT64_MAX;
	for (uint32_t k = k0; k < k1; k++) {
		int64_t d = type_draw(pc, any ? k : (uint32_t)c->ptypes[k], j);
		if (d < 0)
			continue;
		*most = d > *most ? d : *most;
		*least = d < *least ? d : *least;
	}
	if (*least == INT64_MAX)
		*least = 0;
}

int cs_pcap_init(cs_sched_ctx *c)
{
	c->pc = c->nm ? c->nm->power : NULL;
	if (!c->pc)
		return 0;
	size_t n = c->njobs + 1;
	c->pw_draw = calloc(n, sizeof *c->pw_draw);
	c->pw_need = malloc(2 * n * sizeof *c->pw_need);
	c->pw_block = calloc(n, sizeof *c->pw_block);
	c->pw_late = calloc(n, 1);
	if (!c->pw_draw || !c->pw_need || !c->pw_block || !c->pw_late)
		return -CS_ENOMEM;
	c->pw_least = c->pw_need + n;
	for (size_t i = 0; i < c->njobs; i++)
		draws_of(c, &c->jobs[i], &c->pw_need[i], &c->pw_least[i]);
	return 0;
}

void cs_pcap_free(cs_sched_ctx *c)
{
	free(c->pw_draw);
	free(c->pw_need);
	free(c->pw_block);
	free(c->pw_late);
	free(c->pw_plans);
	free(c->pw_tmp);
}

int cs_pcap_refuse(cs_sched_ctx *c, uint32_t jid)
{
	if (c->pw_need[jid] <= c->pc->budget_mw)
		return 0;
	cs_job *j = &c->jobs[jid];
	observe(c, CS_OBS_SUBMIT, jid);
	j->flags |= CS_JOB_REJECTED;
	j->reason = CS_WAIT_POWERCAP;
	c->st->rejected++;
	observe(c, CS_OBS_REJECT, jid);
	return 1;
}

void cs_pcap_run(cs_sched_ctx *c, uint32_t jid, int add)
{
	if (add) {
		c->pw_draw[jid] = cs_pcap_draw(c, c->slots + c->off[jid], c->jobs[jid].nodes);
		c->pw_used += c->pw_draw[jid];
	} else {
		c->pw_used -= c->pw_draw[jid];
	}
}

/* ---- the look-ahead: running jobs, holds and plans, merged in time order ---- */

static int ev_grow(struct pw_ev **v, size_t *cap, size_t need)
{
	return grow((void **)v, cap, need, sizeof **v);
}

static void ev_insert_sorted(struct pw_ev *v, size_t *n, struct pw_ev e)
{
	size_t lo = 0, hi = *n;
	while (lo < hi) { /* after every event at or before e.t */
		size_t mid = (lo + hi) / 2;
		if (v[mid].t <= e.t)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&v[lo + 1], &v[lo], (*n - lo) * sizeof *v);
	v[lo] = e;
	(*n)++;
}

static void ev_remove(struct pw_ev *v, size_t *n, struct pw_ev e)
{
	size_t lo = 0, hi = *n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v[mid].t < e.t)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < *n && v[lo].t == e.t; lo++)
		if (v[lo].d == e.d) {
			memmove(&v[lo], &v[lo + 1], (*n - lo - 1) * sizeof *v);
			(*n)--;
			return;
		}
}

void cs_pcap_plan(cs_sched_ctx *c, uint32_t jid, int add)
{
	cs_time s = c->plan_start[jid];
	struct pw_ev a = { s, c->pw_need[jid] }, b = { s + plan_len(&c->jobs[jid]), -c->pw_need[jid] };
	if (!add) {
		ev_remove(c->pw_plans, &c->pw_nplans, a);
		ev_remove(c->pw_plans, &c->pw_nplans, b);
		return;
	}
	if (ev_grow(&c->pw_plans, &c->pw_plans_cap, c->pw_nplans + 2) < 0) {
		c->failed = -CS_ENOMEM;
		return;
	}
	ev_insert_sorted(c->pw_plans, &c->pw_nplans, a);
	ev_insert_sorted(c->pw_plans, &c->pw_nplans, b);
}

/* The pass's holds but jid's, as draws over their windows, into c->pw_tmp
 * (sorted); how many events. */
static size_t hold_events(cs_sched_ctx *c, uint32_t jid)
{
	size_t upto = c->xh_building ? c->xh_upto : c->nxh, n = 0;
	if (ev_grow(&c->pw_tmp, &c->pw_tmp_cap, 2 * (upto + 1)) < 0) {
		c->failed = -CS_ENOMEM;
		return 0;
	}
	if (c->hold_on && !c->hold_lazy && c->hold_jid != jid) {
		int64_t d = c->pw_need[c->hold_jid];
		ev_insert_sorted(c->pw_tmp, &n, (struct pw_ev){ c->hold_time, d });
		ev_insert_sorted(c->pw_tmp, &n,
				 (struct pw_ev){ c->hold_time + c->jobs[c->hold_jid].estimate_s, -d });
	}
	for (size_t i = 0; i < upto; i++) {
		const struct xhold *h = &c->xh[i];
		if (h->jid == UINT32_MAX || h->lazy || h->jid == jid)
			continue;
		ev_insert_sorted(c->pw_tmp, &n, (struct pw_ev){ h->time, c->pw_need[h->jid] });
		ev_insert_sorted(c->pw_tmp, &n, (struct pw_ev){ h->end, -c->pw_need[h->jid] });
	}
	return n;
}

/* A walk through the look-ahead in time order. */
typedef struct walk {
	const cs_sched_ctx *c;
	cs_time late_end;     /* where a running job past its estimate ends */
	cs_runset_it ir;      /* the running jobs, */
	const run_ent *re;    /* the next one to end (NULL: none) */
	size_t ip, ih, nh;
	int64_t v;            /* the draw above idle in the current segment */
} walk;

static cs_time run_end(const walk *w, const run_ent *re)
{
	cs_time e = re->est_end;
	return e > w->c->now ? e : w->late_end;
}

/* The time of the next change, CS_TIME_MAX if none. */
static cs_time walk_next(const walk *w)
{
	const cs_sched_ctx *c = w->c;
	cs_time t = CS_TIME_MAX;
	if (w->re)
		t = run_end(w, w->re);
	if (w->ip < c->pw_nplans && c->pw_plans[w->ip].t < t)
		t = c->pw_plans[w->ip].t;
	if (w->ih < w->nh && c->pw_tmp[w->ih].t < t)
		t = c->pw_tmp[w->ih].t;
	return t;
}

/* Apply every change at or before t. */
static void walk_to(walk *w, cs_time t)
{
	const cs_sched_ctx *c = w->c;
	for (; w->re && run_end(w, w->re) <= t; w->re = cs_runset_next(&w->ir))
		w->v -= c->pw_draw[w->re->jid];
	for (; w->ip < c->pw_nplans && c->pw_plans[w->ip].t <= t; w->ip++)
		w->v += c->pw_plans[w->ip].d;
	for (; w->ih < w->nh && c->pw_tmp[w->ih].t <= t; w->ih++)
		w->v += c->pw_tmp[w->ih].d;
}

/* cs_pcap_earliest; with only_from, CS_TIME_MAX as soon as from is ruled out. */
static cs_time earliest(cs_sched_ctx *c, uint32_t jid, cs_time from, cs_time d, int64_t need, int late, int only_from)
{
	int64_t limit = c->pc->budget_mw - need;
	walk w = { .c = c, .late_end = c->now + late, .v = c->pw_used };
	w.re = cs_runset_begin(&w.ir, &c->run);
	w.nh = hold_events(c, jid);
	walk_to(&w, from);
	cs_time cand = from;
	for (;;) {
		cs_time nt = walk_next(&w);
		if (w.v > limit) {
			if (nt == CS_TIME_MAX || only_from)
				return CS_TIME_MAX;
			cand = nt; /* not before the next change */
		} else if (nt == CS_TIME_MAX || nt - cand >= d) {
			return cand; /* room from cand on for d seconds */
		}
		walk_to(&w, nt);
	}
}

cs_time cs_pcap_earliest(cs_sched_ctx *c, uint32_t jid, cs_time from, cs_time d, int64_t need, int late)
{
	return earliest(c, jid, from, d, need, late, 0);
}

/* The most the pass's holds but jid's, over [a, b), could add: every one
 * that meets it, as if all at once (a bound: the walk is exact). */
static int64_t holds_bound(const cs_sched_ctx *c, uint32_t jid, cs_time a, cs_time b)
{
	int64_t sum = 0;
	if (c->hold_on && !c->hold_lazy && c->hold_jid != jid && c->hold_time < b &&
	    c->hold_time + c->jobs[c->hold_jid].estimate_s > a)
		sum += c->pw_need[c->hold_jid];
	for (size_t i = 0; i < c->nxh; i++) {
		const struct xhold *h = &c->xh[i];
		if (h->jid != UINT32_MAX && !h->lazy && h->jid != jid && h->time < b && h->end > a)
			sum += c->pw_need[h->jid];
	}
	return sum;
}

int cs_pcap_admit(cs_sched_ctx *c, uint32_t jid, const cs_slot *slots)
{
	const cs_job *j = &c->jobs[jid];
	int64_t draw = cs_pcap_draw(c, slots, j->nodes), now = c->pw_used + draw, budget = c->pc->budget_mw;
	int fits;
	/* the running jobs' draw only falls: what is drawn now and what the
	 * reservations meeting the run could add bound the walk either way */
	if (now > budget)
		fits = 0;
	else if (!c->pw_nplans && now + holds_bound(c, jid, c->now, c->now + j->estimate_s) <= budget)
		fits = 1;
	else
		fits = earliest(c, jid, c->now, j->estimate_s, draw, 1, 1) == c->now;
	if (fits)
		return 0;
	c->pw_block[jid] = c->st->passes;
	return -CS_ENOFIT;
}

int cs_pcap_place_start(cs_sched_ctx *c, uint32_t jid)
{
	int rc = cs_place_start(c, jid);
	if (rc < 0 || !c->pc || cs_pcap_admit(c, jid, c->slots + c->off[jid]) == 0)
		return rc;
	cs_placement p = placement_of(c, jid);
	cs_alloc_release(c->A, &p);
	return -CS_ENOFIT;
}
