/* capsim: the hold's search on a node model (see engine_int.h): the
 * earliest time and the nodes at which a waiting job fits, given back
 * the running jobs' resources in order of estimated end; and the holds
 * kept across passes while nothing changed on their node types. */
#include "engine_int.h"

#include <string.h>

/* A hold made in an earlier pass (or earlier in this one), kept while
 * nothing changed on its job's node types: the same search would find the
 * same time and placement. It must also still lie ahead: at a later time
 * the jobs whose estimated ends have passed are given back at once, where
 * the search had given them back one by one and failed after each, so it
 * fails after them again; and whether any running job's estimated end
 * comes by the hold's time (the search's test for preferring what running
 * jobs give back) must not have changed. Kept to holds that no other hold
 * of the pass counts in (none on the job's node types is placed) on a
 * machine without advance reservations, where nothing else enters.
 *
 * It stands too past jobs started since on its node types (hold_past),
 * where its search was a what-if (wi_able) that gave running jobs back
 * and took the fewest free-now snapshot nodes, x of them, for a job whose
 * tries find a placement with more resources wherever they find one with
 * fewer (try_fewest's rule), when each such job is expected back after
 * the hold's time and holds nothing on the first x snapshot nodes (on
 * nodes after bnode, the x-th of them, in node order). Such a start took
 * free-now parts of later snapshot nodes only and gives nothing back by
 * the hold's time. Before it every time failed with what was free, so it
 * fails with less. At it, a try with fewer than x snapshot nodes handed
 * back saw on the later ones only what running jobs gave back, which is
 * unchanged, and failed; the try with x saw the same free parts and found
 * the same placement (cs_alloc_find_among orders its candidates by a key
 * that ends in the node: the order of its list does not matter). With
 * such tries the search's answer is the fewest x that fits, however many
 * snapshot nodes there are. */
struct hold_memo {
	uint32_t jid;   /* UINT32_MAX: empty */
	int32_t part;   /* the job's partition then */
	uint64_t ver;   /* the scope's change count then (cs_place_ver of its mask) */
	cs_time time;
	int passed;     /* a running job's estimated end came by time */
	uint32_t n, cap;
	cs_slot *slots;
	uint64_t stamp; /* the placement's (engine_int.h's hold_stamp) */
	uint64_t hseq;  /* the changes counted then (c->hseq) */
	long bnode;     /* the last snapshot node handed back, -1: none */
	int past;       /* it may stand past starts (above) */
};

/* (tests: holds kept past starts searched again too, and compared) */
static _Thread_local int past_check;
static _Thread_local uint64_t past_kept, past_differ;
void cs_hold_past_check(int on) { past_check = on; }
uint64_t cs_hold_past_kept(void) { return past_kept; }
uint64_t cs_hold_past_differ(void) { return past_differ; }

/* The hold's search: free-now snapshot slots [0, g) are handed back, the
 * rest set aside. Moves from g_old to g_new. */
static void hand_back(cs_sched_ctx *c, uint32_t g_old, uint32_t g_new)
{
	if (g_new > g_old) {
		cs_placement p = { c->snap + g_old, g_new - g_old, g_new - g_old };
		cs_alloc_release(c->A, &p);
	} else if (g_new < g_old) {
		cs_placement p = { c->snap + g_new, g_old - g_new, g_old - g_new };
		cs_alloc_take_known(c->A, &p); /* free now, and releases only add */
	}
}

/* What a hold's search for one job looks at. Its placement is on its node
 * types only; where the allocator decides such a placement on those types'
 * nodes alone (cs_alloc_types_apart), the search leaves every other node
 * and the running jobs that cannot be on its types as they are: they
 * change no try's answer. Whether a try can succeed at all is counted
 * first: a node "fits" when its free GPUs, cores and memory each cover the
 * job's per-node amounts, and no try succeeds while fewer than the job's
 * nodes fit (the holds and reservations a try keeps off only take more
 * away). */
struct hold_scope {
	uint64_t mask;        /* node types looked at (all bits: every node) */
	const uint32_t *list; /* the nodes of those types in node order (c->pnodes), or NULL */
	uint32_t nlist;
	uint64_t snap_mask;   /* the node types of list (list: its partition's), else mask */
	uint32_t g, cores, mem, nodes;
	uint32_t fit;         /* nodes of those types that fit now (as given back so far) */
	const cs_runset *run; /* the running jobs on those types (list's partition's), or NULL */
};

static int scope_has(const cs_sched_ctx *c, const struct hold_scope *h, uint32_t node)
{
	uint32_t t = c->node_type[node];
	return h->mask == ~0ull || (t < 64 && (h->mask >> t & 1));
}

static int scope_fits(const struct hold_scope *h, uint32_t gpus, uint32_t cores, uint32_t mem)
{
	return gpus >= h->g && cores >= h->cores && mem >= h->mem;
}

/* Give back p's slots for the search (a running job's, or what a failure
 * took), counting the nodes of the scope they make fit. */
static void scope_release(cs_sched_ctx *c, struct hold_scope *h, const cs_placement *p)
{
	for (uint32_t i = 0; i < p->n; i++) {
		uint32_t g, co, m;
		cs_alloc_rec_counts(c->arec, p->slots[i].node, &g, &co, &m);
		h->fit -= scope_has(c, h, p->slots[i].node) && scope_fits(h, g, co, m);
	}
	cs_alloc_release(c->A, p);
	for (uint32_t i = 0; i < p->n; i++) {
		uint32_t g, co, m;
		cs_alloc_rec_counts(c->arec, p->slots[i].node, &g, &co, &m);
		h->fit += scope_has(c, h, p->slots[i].node) && scope_fits(h, g, co, m);
	}
}

/* Is running job r outside the scope (none of its node types looked at)? */
static int scope_skips(const cs_sched_ctx *c, const struct hold_scope *h, uint32_t r)
{
	return !(cs_place_mask(c, r) & h->mask);
}

/* Node n's free-now slot into the snapshot, if anything is free on it. */
static void snap_node(cs_sched_ctx *c, struct hold_scope *h, uint32_t n, uint32_t *ns)
{
	cs_slot *s = &c->snap[*ns];
	cs_alloc_node_free(c->A, n, s);
	if (!s->gpu_mask && !s->cores && !s->mem_mib)
		return;
	(*ns)++;
	h->fit += scope_fits(h, cs_slot_gpus(s), s->cores, s->mem_mib);
}

/* The free-now snapshot (c->snap) of the scope's nodes, in node order;
 * counts the nodes that fit. Returns the snapshot's length. It visits the
 * nodes with anything free (cs_alloc_next_somefree) of the scope's types;
 * the plain engine every node of the scope. */
static uint32_t scope_snapshot(cs_sched_ctx *c, struct hold_scope *h)
{
	uint32_t ns = 0;
	h->fit = 0;
	if (!c->plain) {
		/* a partition's nodes lie between its first and its last */
		uint32_t from = h->list ? (h->nlist ? h->list[0] : c->nnodes) : 0;
		long last = h->list && h->nlist ? (long)h->list[h->nlist - 1] : (long)c->nnodes - 1;
		for (long n = cs_alloc_next_somefree(c->A, from); n >= 0 && n <= last;
		     n = cs_alloc_next_somefree(c->A, (uint32_t)n + 1)) {
			uint32_t t = c->node_type[n];
			if (h->snap_mask == ~0ull || (t < 64 && (h->snap_mask >> t & 1)))
				snap_node(c, h, (uint32_t)n, &ns);
		}
		return ns;
	}
	uint32_t end = h->list ? h->nlist : c->nnodes;
	for (uint32_t i = 0; i < end; i++) {
		uint32_t n = h->list ? h->list[i] : i;
		if (h->list || scope_has(c, h, n))
			snap_node(c, h, n, &ns);
	}
	return ns;
}

/* For the search's binary search over the free-now snapshot (ns slots,
 * everything handed back): lost[x] counts the snapshot's nodes from x on
 * that fit (struct hold_scope) only with their free-now part, so with
 * slots [0, x) handed back h->fit - lost[x] of the scope's nodes fit.
 * NULL (every try made) under the plain engine or a power cap. */
static const uint32_t *count_lost(cs_sched_ctx *c, const struct hold_scope *h, uint32_t ns)
{
	if (!c->snap_lost || c->pc)
		return NULL;
	uint32_t *lost = c->snap_lost;
	lost[ns] = 0;
	for (uint32_t i = ns; i-- > 0;) {
		const cs_slot *s = &c->snap[i];
		uint32_t g, co, m;
		cs_alloc_rec_counts(c->arec, s->node, &g, &co, &m);
		int only = scope_has(c, h, s->node) && scope_fits(h, g, co, m) &&
			   !scope_fits(h, g - cs_slot_gpus(s), co - s->cores, m - s->mem_mib);
		lost[i] = lost[i + 1] + (uint32_t)only;
	}
	return lost;
}

/* The search without giving back through the allocator (a what-if).
 * Where the allocator answers a try from the nodes' free parts alone
 * (cs_alloc_find_among: first or best fit, no topology rule across nodes)
 * and nothing but the running jobs and the free-now snapshot enters a try
 * (no advance reservations, failures, power cap, or earlier hold on the
 * job's node types to keep off), the search keeps, for each node of its
 * scope it touched, what the node would have free with the jobs given
 * back so far and its snapshot slot handed back (all), and that slot. A
 * try with snapshot slots [0, x) handed back sees on such a node all, or
 * all less its snapshot slot if that is not among them: what the
 * allocator would have free there after those give-backs and hand-backs
 * (what jobs give back and what is free now are apart: one was taken, the
 * other free). Every other node of the job's types would have nothing
 * free. So the tries are answered, and the fits counted, without a
 * give-back, a hand-back or a take-back through the allocator. */
struct wi_ent {
	cs_slot all;   /* what the node would have free with everything handed back */
	uint32_t snap; /* its snapshot slot, UINT32_MAX: none */
	int fits;      /* all fits the job's per-node amounts (struct hold_scope) */
};
struct hold_wi {
	uint32_t *of;       /* per node: its entry, UINT32_MAX: none */
	struct wi_ent *e;   /* the entries, n of them: the snapshot's first, in its order */
	uint32_t n;
	const cs_slot **fr; /* a try's free parts */
	cs_slot *rel;       /* scratch: a snapshot node's free parts less its snapshot slot */
};

static int wi_init(cs_sched_ctx *c)
{
	struct hold_wi *w = calloc(1, sizeof *w);
	if (!w)
		return -CS_ENOMEM;
	c->hwi = w;
	w->of = malloc(((size_t)c->nnodes + 1) * sizeof *w->of);
	w->e = malloc(((size_t)c->nnodes + 1) * sizeof *w->e);
	w->fr = malloc(((size_t)c->nnodes + 1) * sizeof *w->fr);
	w->rel = malloc(((size_t)c->nnodes + 1) * sizeof *w->rel);
	if (!w->of || !w->e || !w->fr || !w->rel)
		return -CS_ENOMEM;
	for (uint32_t n = 0; n < c->nnodes; n++)
		w->of[n] = UINT32_MAX;
	return 0;
}

static void wi_free(cs_sched_ctx *c)
{
	if (!c->hwi)
		return;
	free(c->hwi->of);
	free(c->hwi->e);
	free(c->hwi->fr);
	free(c->hwi->rel);
	free(c->hwi);
	c->hwi = NULL;
}

/* May jid's search be made without the allocator (nhe: earlier holds'
 * ends it meets)? */
static int wi_able(const cs_sched_ctx *c, uint32_t jid, const struct hold_scope *h, size_t nhe)
{
	if (!c->hwi || c->plain || c->pc || c->fs || c->nm->nresv || !h->list || nhe)
		return 0;
	cs_request rq = cs_job_request(&c->jobs[jid]);
	return cs_alloc_among_ok(c->A, &rq);
}

static int slot_fits(const struct hold_scope *h, const cs_slot *s)
{
	return scope_fits(h, cs_slot_gpus(s), s->cores, s->mem_mib);
}

/* The snapshot's nodes, each an entry with nothing given back yet. */
static void wi_snapshot(cs_sched_ctx *c, const struct hold_scope *h, uint32_t ns)
{
	struct hold_wi *w = c->hwi;
	for (uint32_t i = 0; i < ns; i++) {
		uint32_t n = c->snap[i].node;
		w->of[n] = i;
		w->e[i].all = c->snap[i];
		w->e[i].snap = i;
		w->e[i].fits = slot_fits(h, &c->snap[i]);
	}
	w->n = ns;
}

static void wi_end(cs_sched_ctx *c)
{
	struct hold_wi *w = c->hwi;
	for (uint32_t i = 0; i < w->n; i++)
		w->of[w->e[i].all.node] = UINT32_MAX;
	w->n = 0;
}

/* scope_release's give-back, into the entries: the scope's nodes only (no
 * try looks at another), counting the nodes it makes fit. */
static void wi_release(cs_sched_ctx *c, struct hold_scope *h, const cs_placement *p)
{
	struct hold_wi *w = c->hwi;
	for (uint32_t i = 0; i < p->n; i++) {
		const cs_slot *s = &p->slots[i];
		if (!scope_has(c, h, s->node))
			continue;
		uint32_t k = w->of[s->node];
		if (k == UINT32_MAX) {
			/* a new entry: nothing free there but what s gives back */
			struct wi_ent *e = &w->e[w->of[s->node] = w->n++];
			e->all = *s;
			e->snap = UINT32_MAX;
			e->fits = slot_fits(h, s);
			h->fit += (uint32_t)e->fits;
			continue;
		}
		struct wi_ent *e = &w->e[k];
		cs_slot_add(&e->all, s);
		int f = slot_fits(h, &e->all);
		h->fit += (uint32_t)(f - e->fits);
		e->fits = f;
	}
}

/* count_lost from the entries: what a snapshot node has without its
 * snapshot slot is what was given back there (the two are apart). */
static const uint32_t *wi_count_lost(cs_sched_ctx *c, const struct hold_scope *h, uint32_t ns)
{
	uint32_t *lost = c->snap_lost;
	lost[ns] = 0;
	for (uint32_t i = ns; i-- > 0;) {
		const struct wi_ent *e = &c->hwi->e[i];
		const cs_slot *f = &c->snap[i];
		int only = e->fits && scope_has(c, h, f->node) &&
			   !scope_fits(h, cs_slot_gpus(&e->all) - cs_slot_gpus(f), e->all.cores - f->cores,
				       e->all.mem_mib - f->mem_mib);
		lost[i] = lost[i + 1] + (uint32_t)only;
	}
	return lost;
}

/* The try with snapshot slots [0, x) handed back (x <= ns): cs_place_try_at's
 * answer and placement there. */
static int wi_try(cs_sched_ctx *c, uint32_t jid, cs_placement *p, uint32_t x, uint32_t ns)
{
	struct hold_wi *w = c->hwi;
	uint32_t nf = 0;
	for (uint32_t i = 0; i < x; i++)
		w->fr[nf++] = &w->e[i].all;
	for (uint32_t i = x; i < ns; i++) {
		const cs_slot *a = &w->e[i].all, *f = &c->snap[i];
		if (a->cores == f->cores && a->mem_mib == f->mem_mib && a->gpu_mask == f->gpu_mask)
			continue; /* nothing given back there */
		cs_slot *r = &w->rel[i];
		r->node = a->node;
		r->gpu_mask = a->gpu_mask & (uint16_t)~f->gpu_mask;
		r->cores = a->cores - f->cores;
		r->mem_mib = a->mem_mib - f->mem_mib;
		for (unsigned q = 0; q < CS_ALLOC_CORE_WORDS; q++)
			r->core_mask[q] = a->core_mask[q] & ~f->core_mask[q];
		w->fr[nf++] = r;
	}
	for (uint32_t i = ns; i < w->n; i++)
		w->fr[nf++] = &w->e[i].all;
	const cs_job *j = &c->jobs[jid];
	cs_request rq = cs_job_request(j);
	uint32_t pf = c->pfirst[j->partition];
	return cs_alloc_find_among(c->A, &rq, c->ptypes + pf, c->pfirst[j->partition + 1] - pf, w->fr, nf, p);
}

/* The scope of jid's hold. */
static struct hold_scope hold_scope_of(const cs_sched_ctx *c, uint32_t jid)
{
	const cs_job *j = &c->jobs[jid];
	struct hold_scope h = { .mask = c->types_apart && !c->plain ? cs_place_mask(c, jid) : ~0ull,
				.g = j->gpus_per_node, .cores = j->cores_per_node,
				.mem = j->mem_per_node_mib, .nodes = j->nodes };
	int32_t p = j->partition;
	if (h.mask != ~0ull && p >= 0 && (uint32_t)p < c->nm->npartitions) {
		h.list = c->pnodes + c->pnodes_first[p];
		h.nlist = c->pnodes_first[p + 1] - c->pnodes_first[p];
		h.run = c->prun && !c->pc ? &c->prun[p] : NULL;
	}
	h.snap_mask = h.list ? c->part_mask[p] : h.mask;
	return h;
}

/* Would a hold for jid be kept (no other placed hold on its node types
 * when one is being added, no advance reservations, one partition, no
 * power cap: under the cap a hold's time depends on the site's draw, the
 * plans and the other holds, anywhere on the machine)? */
static int hold_keepable(const cs_sched_ctx *c, uint32_t jid)
{
	if (c->plain || c->pc || c->nm->nresv || cs_place_multi(c, jid))
		return 0;
	if (!c->xh_building)
		return 1;
	uint64_t mask = cs_place_mask(c, jid);
	if (c->hold_on && !c->hold_lazy && (mask & c->hold_mask))
		return 0;
	for (size_t i = 0; i < c->xh_upto; i++)
		if (c->xh[i].jid != UINT32_MAX && !c->xh[i].lazy && (mask & c->xh[i].mask))
			return 0;
	return 1;
}

/* Does e stand past the changes on its partition's node types since it
 * was kept: each a start (struct hold_memo), all of them still noted? */
static int hold_past(const cs_sched_ctx *c, const struct hold_memo *e)
{
	if (!e->past || c->hseq - e->hseq > HLOG_SIZE)
		return 0;
	uint64_t mask = c->part_mask[e->part];
	for (uint64_t q = e->hseq + 1; q <= c->hseq; q++) {
		const struct hold_log *l = &c->hlog[q & (HLOG_SIZE - 1)];
		if (!(l->mask & mask))
			continue;
		uint32_t r = l->jid;
		if (r == UINT32_MAX || cs_run_est_end(c, r) <= e->time)
			return 0;
		cs_placement pl = placement_of(c, r);
		for (uint32_t i = 0; i < pl.n; i++)
			if ((long)pl.slots[i].node <= e->bnode)
				return 0;
	}
	return 1;
}

/* jid's kept hold, if it stands (*past: past starts; it is then kept as
 * found with what is there now, at the version and change count now). */
static struct hold_memo *hold_kept(cs_sched_ctx *c, uint32_t jid, uint64_t ver, int *past)
{
	struct hold_memo *e = &c->hmemo[jid % HMEMO_SIZE];
	*past = 0;
	if (e->jid != jid || e->part != c->jobs[jid].partition || c->now > e->time)
		return NULL;
	int passed = c->run.n > 0 && c->run.first_end <= e->time;
	if (passed != e->passed)
		return NULL;
	if (e->ver != ver) {
		if (!hold_past(c, e))
			return NULL;
		*past = 1;
		e->ver = ver;
		e->hseq = c->hseq;
	}
	return e;
}

static void hold_keep(cs_sched_ctx *c, uint32_t jid, uint64_t ver, cs_time t, int passed, const cs_slot *s,
		      uint32_t n, uint64_t stamp, long bnode, int past)
{
	struct hold_memo *e = &c->hmemo[jid % HMEMO_SIZE];
	int32_t p = c->jobs[jid].partition;
	e->jid = UINT32_MAX;
	if (cs_place_copy_slots(&e->slots, &e->cap, s, n) < 0)
		return; /* not kept: made again when asked */
	*e = (struct hold_memo){ jid, p, ver, t, passed, n, e->cap, e->slots, stamp,
				 c->hseq, bnode, past };
}

int cs_hold_init(cs_sched_ctx *c)
{
	c->hmemo = calloc(HMEMO_SIZE, sizeof *c->hmemo);
	if (!c->hmemo)
		return -CS_ENOMEM;
	if (!c->plain) {
		c->snap_lost = malloc(((size_t)c->nnodes + 1) * sizeof *c->snap_lost);
		if (!c->snap_lost)
			return -CS_ENOMEM;
	}
	c->prun_want = !c->plain && c->nm->npartitions; /* made at the first search (prun_build) */
	if (!c->plain && wi_init(c) < 0)
		return -CS_ENOMEM;
	for (uint32_t i = 0; i < HMEMO_SIZE; i++)
		c->hmemo[i].jid = UINT32_MAX;
	return 0;
}

static void prun_drop(cs_sched_ctx *c)
{
	for (uint32_t p = 0; c->prun && p < c->nm->npartitions; p++)
		cs_runset_free(&c->prun[p]);
	free(c->prun);
	c->prun = NULL;
}

void cs_hold_free(cs_sched_ctx *c)
{
	free(c->hlog);
	for (uint32_t i = 0; c->hmemo && i < HMEMO_SIZE; i++)
		free(c->hmemo[i].slots);
	free(c->hmemo);
	free(c->snap_lost);
	wi_free(c);
	prun_drop(c);
}

/* c->prun from the running set, at the first hold search without a power
 * cap (a policy that never searches keeps none): each list gets run's
 * entries of its partition in run's order, as cs_hold_run_in keeps them
 * from then on. Out of memory, none: the searches walk run. */
static void prun_build(cs_sched_ctx *c)
{
	c->prun_want = 0;
	c->prun = malloc(c->nm->npartitions * sizeof *c->prun);
	for (uint32_t p = 0; c->prun && p < c->nm->npartitions; p++)
		c->prun[p] = CS_RUNSET_EMPTY;
	cs_runset_it w;
	for (const run_ent *re = cs_runset_begin(&w, &c->run); c->prun && re; re = cs_runset_next(&w))
		cs_hold_run_in(c, re->jid, re->est_end);
}

/* run_insert's rule on each list (cs_runset_insert): ties keep the order
 * of insertion, as in run, so each list is run's entries of its partition
 * in run's order. */
void cs_hold_run_in(cs_sched_ctx *c, uint32_t jid, cs_time est_end)
{
	uint64_t mask = cs_place_mask(c, jid);
	run_ent v = { est_end, jid, c->jobs[jid].size };
	for (uint32_t p = 0; p < c->nm->npartitions; p++)
		if ((mask & c->part_mask[p]) && cs_runset_insert(&c->prun[p], v) < 0) {
			prun_drop(c); /* the searches walk run instead */
			return;
		}
}

void cs_hold_run_out(cs_sched_ctx *c, uint32_t jid, cs_time est_end)
{
	uint64_t mask = cs_place_mask(c, jid);
	for (uint32_t p = 0; p < c->nm->npartitions; p++)
		if (mask & c->part_mask[p]) /* (it is there: it entered with the same mask) */
			cs_runset_remove(&c->prun[p], est_end, jid);
}

void cs_hold_forget(cs_sched_ctx *c, uint32_t jid)
{
	struct hold_memo *e = &c->hmemo[jid % HMEMO_SIZE];
	if (e->jid == jid)
		e->jid = UINT32_MAX;
}

/* When the running set's first job is expected back (not before now; the
 * set is not empty). */
static cs_time first_back(const cs_sched_ctx *c)
{
	cs_time e = c->run.first_end;
	return e > c->now ? e : c->now;
}

/* cs_place_try_at for a hold of jid at t, under the power cap no earlier
 * than the site leaves room for the most jid could draw: *room is the
 * earliest such time found so far (worked out again once t passes it). */
static int hold_try_at(cs_sched_ctx *c, uint32_t jid, cs_placement *hp, cs_time t, cs_time *room, int wi,
		       uint32_t ns)
{
	if (wi)
		return wi_try(c, jid, hp, ns, ns); /* (never under a cap: wi_able) */
	if (c->pc) {
		if (t > *room)
			*room = cs_pcap_earliest(c, jid, t, c->jobs[jid].estimate_s, c->pw_need[jid], 0);
		if (t < *room)
			return -CS_ENOFIT;
	}
	return cs_place_try_at(c, jid, hp, t);
}

/* The hold's search found placement tp: hp is it (the allocator places
 * the same way on the same free resources, so trying again once the
 * search ends would find it again). */
static void keep_found(cs_placement *hp, const cs_placement *tp)
{
	memcpy(hp->slots, tp->slots, tp->n * sizeof *tp->slots);
	hp->n = tp->n;
}

/* The try with free-now snapshot slots [0, x) handed back: from the
 * entries in a what-if (wi), else through the allocator, what is handed
 * back moved from *g to x. cs_place_try_at's answer and placement. */
static int try_handed(cs_sched_ctx *c, uint32_t jid, cs_placement *p, cs_time t, uint32_t x, uint32_t ns,
		      uint32_t *g, int wi)
{
	if (wi)
		return wi_try(c, jid, p, x, ns);
	hand_back(c, *g, x);
	*g = x;
	p->n = 0;
	return cs_place_try_at(c, jid, p, t);
}

/* count_lost, from the entries in a what-if (wi). */
static const uint32_t *lost_of(cs_sched_ctx *c, const struct hold_scope *h, uint32_t ns, int wi)
{
	return wi ? wi_count_lost(c, h, ns) : count_lost(c, h, ns);
}

/* The hold's try at t, once running jobs came back, when its placement
 * would then be searched for the fewest free-now nodes handed back (rc 1:
 * not here, the caller tries as before). The search's answer is the
 * fewest x for which the job fits with snapshot slots [0, x) handed back:
 * a try finds a placement with more resources wherever it finds one with
 * fewer (a node fits or not by its own free counts; reservations aside,
 * whose keeping off and pending notes depend on the try, and topology
 * rules other than none, whose leaves are chosen greedily), so the binary
 * search's tries fail below that x and succeed from it on. Below x0, the
 * fewest for which enough of the scope's nodes fit (count_lost), they
 * fail, so when x0 fits it is the answer, and the try with everything
 * handed back (which fits too) and the binary search's tries are not
 * made. With x0 = ns the search makes no try: the one with everything
 * handed back is the answer (*fewest set: the search is not needed if
 * that fits). 0: found (hp), -CS_ENOFIT: x0 fails (the caller tries with
 * everything handed back, and searches as before). */
static int try_fewest(cs_sched_ctx *c, uint32_t jid, const struct hold_scope *sc, uint32_t ns, cs_placement *hp,
		      cs_time t, int *fewest, int wi, uint32_t *xat)
{
	const cs_job *j = &c->jobs[jid];
	*fewest = 0;
	if (c->plain || c->pc || ns == 0 || c->nm->nresv || (j->topo != CS_TOPO_ANY && j->nodes > 1))
		return 1;
	const uint32_t *lost = lost_of(c, sc, ns, wi);
	if (!lost)
		return 1;
	uint32_t x = 0;
	while (sc->fit - lost[x] < sc->nodes)
		x++; /* stops by ns: lost[ns] is 0, and sc->fit >= sc->nodes */
	*fewest = 1;
	if (x == ns)
		return 1;
	uint32_t g = ns;
	int rc = try_handed(c, jid, hp, t, x, ns, &g, wi);
	hand_back(c, g, ns);
	*fewest = rc == 0;
	*xat = x;
	return rc;
}

/* Node model: give back running jobs in order of estimated end, a time at
 * a time, until jid fits (under the power cap, until the cap leaves it
 * room too: the times tried include every earlier hold's end): that time
 * is the hold's. Its placement prefers
 * what running jobs give back over what is free now (what is free now is
 * what backfilling can use): with everything free now set aside, node by
 * node in node order, the fewest of those nodes are handed back (a binary
 * search) for jid to fit. Then the running jobs' slots are taken back
 * exactly. A time is tried only if something that could let jid fit came
 * with it (a job given back in the scope, the end of a reservation or of
 * an earlier hold) and enough nodes of the scope fit (struct hold_scope):
 * a try skipped so would have failed. */
int cs_hold_find(cs_sched_ctx *c, uint32_t jid, cs_slot *out, uint32_t *nout, cs_time *when, uint64_t *stamp)
{
	cs_placement hp = { out, c->jobs[jid].nodes, 0 };
	cs_time t = c->now;
	size_t k = 0;
	if (c->prun_want && !c->pc)
		prun_build(c);
	if (!c->hlog && !c->plain && !c->pc && c->nm->npartitions)
		c->hlog = malloc(HLOG_SIZE * sizeof *c->hlog); /* changes noted from now on (none, out of memory) */
	struct hold_scope sc = hold_scope_of(c, jid);
	int keep = hold_keepable(c, jid);
	uint64_t ver = keep ? cs_place_ver(c, sc.mask) : 0;
	int past = 0;
	const struct hold_memo *e = keep ? hold_kept(c, jid, ver, &past) : NULL;
	cs_slot *ck = NULL; /* (past_check: e's placement, its time and count) */
	cs_time ck_t = 0;
	uint32_t ck_n = 0;
	past_kept += (uint64_t)past;
	if (past && past_check && (ck = malloc(e->n * sizeof *ck + 1)) != NULL) {
		memcpy(ck, e->slots, e->n * sizeof *ck);
		ck_t = e->time;
		ck_n = e->n;
		e = NULL;
	}
	*stamp = ++c->stamps;
	if (e) {
		memcpy(out, e->slots, e->n * sizeof *out);
		*nout = e->n;
		*when = e->time;
		*stamp = e->stamp;
		return 0;
	}
	/* the search's tries only find their placements: what one found is
	 * not taken */
	int dry = c->dry;
	c->dry = 1;
	/* what is free now, node by node */
	uint32_t ns = scope_snapshot(c, &sc);
	/* an extra hold: the earlier holds' ends may free nodes too */
	size_t nhe = 0, nh = 0;
	if (c->xh_building) {
		uint64_t mask = cs_place_mask(c, jid);
		if (c->hold_on && !c->hold_lazy && ((mask & c->hold_mask) || c->pc))
			c->xh_ends[nhe++] = c->hold_time + c->jobs[c->hold_jid].estimate_s;
		for (size_t i = 0; i < c->xh_upto; i++)
			if (c->xh[i].jid != UINT32_MAX && !c->xh[i].lazy && ((mask & c->xh[i].mask) || c->pc))
				c->xh_ends[nhe++] = c->xh[i].end;
		for (size_t i = 1; i < nhe; i++) /* a few: insertion sort */
			for (size_t q = i; q > 0 && c->xh_ends[q - 1] > c->xh_ends[q]; q--) {
				cs_time x = c->xh_ends[q];
				c->xh_ends[q] = c->xh_ends[q - 1];
				c->xh_ends[q - 1] = x;
			}
	}
	cs_time room = -1;
	int wi = wi_able(c, jid, &sc, nhe);
	if (wi)
		wi_snapshot(c, &sc, ns);
	/* now: not if too few nodes fit, or the shape did not fit what is
	 * free (the holds and reservations a try keeps off only take more) */
	int rc = -CS_ENOFIT;
	if (c->plain || c->pc || (sc.fit >= sc.nodes && !cs_shape_failed(c, &c->jobs[jid], 1)))
		rc = hold_try_at(c, jid, &hp, t, &room, wi, ns);
	/* the running jobs, in order of estimated end: the scope's only when
	 * kept apart (the others change no try), else every one */
	cs_runset_it w;
	const run_ent *re = cs_runset_begin(&w, sc.run ? sc.run : &c->run);
	int looped = 0, fewest = 0; /* fewest: hp has the fewest free-now nodes handed back */
	uint32_t xfin = ns; /* the free-now nodes handed back for hp */
	size_t nr = 0; /* advance reservations' ends passed (they may free nodes) */
	/* what failures took comes back at each repair's end */
	struct cs_fail_piece *pc = NULL;
	size_t np = c->fs ? cs_fail_pieces(c, &pc) : 0, nd = 0;
	while (rc == -CS_ENOFIT && (re || nr < c->nresv_ends || nh < nhe || nd < np)) {
		looped = 1;
		cs_time tr = re ? (re->est_end > c->now ? re->est_end : c->now) : CS_TIME_MAX;
		while (nr < c->nresv_ends && c->resv_ends[nr] <= t)
			nr++;
		while (nh < nhe && c->xh_ends[nh] <= t)
			nh++;
		cs_time te = nr < c->nresv_ends ? c->resv_ends[nr] : CS_TIME_MAX;
		cs_time th = nh < nhe ? c->xh_ends[nh] : CS_TIME_MAX;
		cs_time td = nd < np ? pc[nd].t : CS_TIME_MAX;
		t = tr < te ? tr : te;
		t = th < t ? th : t;
		t = td < t ? td : t;
		if (t == CS_TIME_MAX)
			break;
		int more = t == te || t == th;
		for (; re && (re->est_end > c->now ? re->est_end : c->now) == t; k++, re = cs_runset_next(&w)) {
			if (!sc.run && scope_skips(c, &sc, re->jid))
				continue;
			cs_placement p = placement_of(c, re->jid);
			if (wi)
				wi_release(c, &sc, &p);
			else
				scope_release(c, &sc, &p);
			more = 1;
		}
		for (; nd < np && pc[nd].t <= t; nd++) {
			if (!scope_has(c, &sc, pc[nd].s.node))
				continue;
			cs_placement p = { &pc[nd].s, 1, 1 };
			scope_release(c, &sc, &p);
			more = 1;
		}
		while (nr < c->nresv_ends && c->resv_ends[nr] <= t)
			nr++;
		/* under the power cap every time is tried: power freed anywhere may
		 * let jid start, and hold_try_at follows the cap's room */
		if (c->plain || c->pc || (more && sc.fit >= sc.nodes)) {
			int gave_now = c->run.n > 0 && first_back(c) <= t;
			rc = (gave_now || nd > 0) ? try_fewest(c, jid, &sc, ns, &hp, t, &fewest, wi, &xfin) : 1;
			if (rc != 0) {
				rc = hold_try_at(c, jid, &hp, t, &room, wi, ns);
				xfin = ns;
			}
		}
	}
	if (rc == -CS_ENOFIT && c->pc && room > t && room < CS_TIME_MAX) {
		/* every job and hold ended by t: the first room the cap leaves (plans aside, it
		 * left room at t already) */
		t = room;
		rc = cs_place_try_at(c, jid, &hp, t);
	}
	/* did any running job (of the scope or not) come back by t? */
	int gave = looped && c->run.n > 0 && first_back(c) <= t;
	if (rc == 0 && (gave || nd > 0) && ns > 0 && !fewest) {
		/* the fewest free-now nodes handed back: lo fails, hi fits, and
		 * hp holds the placement found with hi handed back (with all
		 * ns of them, the one just found) */
		cs_placement tp = { c->tmp_slots, c->jobs[jid].nodes, 0 };
		uint32_t lo = 0, hi = ns, g = ns;
		/* a try with too few of the scope's nodes fitting is skipped: it
		 * would fail (as in the loop above), and what is handed back
		 * moves only for a try */
		const uint32_t *lost = lost_of(c, &sc, ns, wi);
		if (!lost || sc.fit - lost[0] >= sc.nodes) {
			if (try_handed(c, jid, &tp, t, 0, ns, &g, wi) == 0) {
				hi = 0;
				keep_found(&hp, &tp);
			}
		}
		while (hi > 0 && hi - lo > 1) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (lost && sc.fit - lost[mid] < sc.nodes) {
				lo = mid;
				continue;
			}
			if (try_handed(c, jid, &tp, t, mid, ns, &g, wi) == 0) {
				hi = mid;
				keep_found(&hp, &tp);
			} else {
				lo = mid;
			}
		}
		hand_back(c, g, ns); /* (g stays ns in a what-if) */
		xfin = hi;
	}
	/* may it stand past starts (struct hold_memo)? */
	const cs_job *j = &c->jobs[jid];
	int32_t jp = j->partition;
	int may_past = keep && c->hlog && wi && gave && sc.list && (j->topo == CS_TOPO_ANY || j->nodes == 1) &&
		       !(sc.mask & ~c->part_mask[jp]);
	long bnode = xfin ? (long)c->snap[xfin - 1].node : -1;
	if (wi) {
		wi_end(c);
		k = nd = 0; /* nothing was given back through the allocator */
	}
	re = cs_runset_begin(&w, sc.run ? sc.run : &c->run);
	for (size_t i = 0; i < k; i++, re = cs_runset_next(&w)) {
		if (!sc.run && scope_skips(c, &sc, re->jid))
			continue;
		cs_placement p = placement_of(c, re->jid);
		cs_alloc_take_known(c->A, &p); /* exactly what was given back */
	}
	for (size_t i = 0; i < nd; i++) {
		if (!scope_has(c, &sc, pc[i].s.node))
			continue;
		cs_placement p = { &pc[i].s, 1, 1 };
		cs_alloc_take_known(c->A, &p); /* the same */
	}
	c->dry = dry;
	if (ck) {
		int differ = rc < 0 || ck_t != t || ck_n != hp.n;
		for (uint32_t i = 0; !differ && i < hp.n; i++)
			differ = !cs_slot_same(&ck[i], &hp.slots[i]);
		past_differ += (uint64_t)differ;
		free(ck);
	}
	if (rc < 0)
		return -CS_EINVAL;
	if (keep)
		hold_keep(c, jid, ver, t, gave, hp.slots, hp.n, *stamp, bnode, may_past);
	*nout = hp.n;
	*when = t;
	return 0;
}

