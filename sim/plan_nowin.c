/* capsim: what the conservative planner knows of a node's free runs
 * (cs_plan_nowin): per node, the runs of time in which it has at least v
 * GPUs (or cores) free, kept while its profile, its free amounts and the
 * time stand. A job needing v GPUs (or, without GPUs, at least v cores)
 * has no window before a bound on the node unless one of those runs
 * starting before the bound lasts its estimate: one look answers what a
 * walk of the node's profile would, for every plan asking about the same
 * node in a pass (under a backlog, hundreds ask about each freed node, and
 * almost all of them find none). */
#include "plan_int.h"

#include <string.h>

void cs_plan_nowin_free(struct planner *pl)
{
	for (uint32_t i = 0; pl->nw && i < pl->prof.nnodes; i++)
		for (unsigned k = 0; k < NW_SLOTS; k++) {
			free(pl->nw[i].s[k].a);
			free(pl->nw[i].s[k].z);
			free(pl->nw[i].s[k].len);
		}
	free(pl->nw);
	free(pl->sp);
	free(pl->sp_end);
	free(pl->sp_tmp);
}

/* s's first run and longest length, kept in the slot (struct nwslot). */
static void summary(struct nwslot *s)
{
	s->a0 = s->n ? s->a[0] : 0;
	s->len0 = s->n ? s->len[0] : INT64_MIN;
	s->lenmax = s->n ? s->len[s->n - 1] : INT64_MIN;
}

/* Slot s made for level lv: the node's runs, and the longest length up
 * to each (CS_TIME_MAX: for ever; cs_nprof_runs_len). 0, or -1 out of
 * memory. */
static inline __attribute__((always_inline)) int fill(cs_sched_ctx *c, struct nwslot *s, uint32_t node, const cs_nprof_amt *f, int64_t lv)
{
	struct planner *pl = c->pl;
	const cs_nprof_node *nd = &pl->prof.node[node];
	int64_t v = lv >> 1;
	/* (cs_nprof_runs_len's walk inline, on the level's amount) */
	size_t n = lv & 1 ? cs_nprof_runs_of(nd, f->c, c->now, 1, v, s->a, s->z, s->len, s->cap)
			  : cs_nprof_runs_of(nd, f->g, c->now, 0, v, s->a, s->z, s->len, s->cap);
	if (n > s->cap) {
		size_t cap = s->cap, cap2 = s->cap;
		if (grow((void **)&s->a, &cap, n, sizeof *s->a) < 0 || grow((void **)&s->z, &cap2, n, sizeof *s->z) < 0 ||
		    grow((void **)&s->len, &s->cap, n, sizeof *s->len) < 0)
			return -1;
		cs_nprof_runs_len(&pl->prof, node, *f, c->now, (int)(lv & 1), v, s->a, s->z, s->len, s->cap);
	}
	s->n = (uint32_t)n;
	summary(s);
	return 0;
}

/* s's first run was cut short (its start moved later): each run's
 * longest length up to it again, from the first on while it differs
 * (from where it is as it was, the rest is too). */
static void first_cut(struct nwslot *s)
{
	cs_time most = s->z[0] == CS_TIME_MAX ? CS_TIME_MAX : s->z[0] - s->a[0];
	s->len[0] = most;
	for (uint32_t i = 1; i < s->n; i++) {
		cs_time l = s->z[i] == CS_TIME_MAX ? CS_TIME_MAX : s->z[i] - s->a[i];
		most = l > most ? l : most;
		if (s->len[i] == most)
			break;
		s->len[i] = most;
	}
}

/* What the node's slots knew at w->now, made what they would know now
 * (c->now, later), its profile and free amounts the same: 1; 0 where that
 * cannot be known without walking the profile again (an event of the
 * node at or before now), nothing changed. */
static int advance(cs_sched_ctx *c, struct nwnode *w, uint32_t node)
{
	struct planner *pl = c->pl;
	const cs_nprof_node *nd = &pl->prof.node[node];
	if (nd->n && nd->ev[0].t <= c->now)
		return 0; /* (cs_nprof_runs_advance's refusal, the same for every slot) */
	/* only a first run open at w->now moves, to now (still open then) */
	for (uint32_t m = w->open; m; m &= m - 1) {
		struct nwslot *s = &w->s[__builtin_ctz(m)];
		cs_nprof_runs_advance(&pl->prof, node, w->now, c->now, s->a, s->n);
		first_cut(s);
		summary(s);
	}
	return 1;
}

struct nwslot *cs_plan_nowin_slot(cs_sched_ctx *c, uint32_t node, int64_t lv, const cs_nprof_amt *f)
{
	struct planner *pl = c->pl;
	struct nwnode *w = &pl->nw[node];
	int same = w->ver == pl->pver[node] && w->f.g == f->g && w->f.c == f->c && w->f.m == f->m;
	if (same && w->now != c->now && advance(c, w, node)) {
		w->now = c->now; /* only the time moved, and no event came due */
	} else if (!same || w->now != c->now) {
		/* what it knew is void: slot 0 made for lv (every slot is free;
		 * which one takes it changes no answer) */
		w->ver = pl->pver[node];
		w->now = c->now;
		w->f = *f;
		for (unsigned k = 1; k < NW_SLOTS; k++)
			w->lvl[k] = 0;
		w->lvl[0] = 0;
		if (fill(c, &w->s[0], node, f, lv) < 0) {
			w->lastlv = 0;
			w->open = 0;
			c->failed = -CS_ENOMEM;
			return NULL;
		}
		w->lvl[0] = lv;
		w->open = w->s[0].n && w->s[0].a[0] == c->now;
		w->last = 0;
		w->lastlv = lv;
		w->used[0] = ++w->clock;
		return &w->s[0];
	}
	uint32_t k = w->last;
	if (w->lvl[k] != lv) {
		k = nw_level_slot(w, lv);
		if (k == NW_SLOTS) { /* the slot used the longest ago */
			k = 0;
			for (uint32_t i = 1; i < NW_SLOTS; i++)
				if (w->used[i] < w->used[k])
					k = i;
			w->lvl[k] = 0;
			if (k == w->last)
				w->lastlv = 0;
			w->open &= ~(1u << k);
			if (fill(c, &w->s[k], node, f, lv) < 0) {
				c->failed = -CS_ENOMEM;
				return NULL;
			}
			w->lvl[k] = lv;
			if (w->s[k].n && w->s[k].a[0] == c->now)
				w->open |= 1u << k;
		}
		w->last = k;
		w->lastlv = lv;
		w->used[k] = ++w->clock; /* (the slot used last has the latest stamp) */
	}
	return &w->s[k];
}
