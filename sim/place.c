/* capsim: node-model placement for the engine (see engine_int.h): a job on
 * the allocator now, on its partition's node types, keeping off the nodes
 * of advance reservations it may not use and what the pass's holds need;
 * each partition's node types and nodes. The hold's search is hold.c's,
 * what is known of request shapes shape.c's. */
#include "engine_int.h"

#include <string.h>

static int engine_plain; /* cs_engine_plain */

void cs_engine_plain(int on) { engine_plain = on != 0; }

/* s[0 .. n) into *buf, grown to hold them (*cap slots): 0, or -1 out of
 * memory with *buf as it was. */
int cs_place_copy_slots(cs_slot **buf, uint32_t *cap, const cs_slot *s, uint32_t n)
{
	if (n > *cap) {
		cs_slot *q = realloc(*buf, n * sizeof *q);
		if (!q)
			return -1;
		*buf = q;
		*cap = n;
	}
	memcpy(*buf, s, n * sizeof *s);
	return 0;
}

/* Place job jid on the allocator now: on its partition's node types (in
 * order, or as the fragmentation-aware fit ranks them). */
int cs_place_types(cs_sched_ctx *c, uint32_t jid, cs_placement *p)
{
	const cs_job *j = &c->jobs[jid];
	cs_request rq = cs_job_request(j);
	static const int32_t any = -1;
	const int32_t *types = &any;
	uint32_t n = 1;
	if (j->partition >= 0 && (uint32_t)j->partition < c->npart) {
		types = c->ptypes + c->pfirst[j->partition];
		n = c->pfirst[j->partition + 1] - c->pfirst[j->partition];
	} else if (!c->dry) {
		return cs_alloc_try(c->A, &rq, p);
	}
	if (c->dry == 2)
		return cs_alloc_fits_types(c->A, &rq, types, n, p);
	return c->dry ? cs_alloc_find_types(c->A, &rq, types, n, p) : cs_alloc_try_types(c->A, &rq, types, n, p);
}

/* cs_place_types, keeping off the nodes of advance reservations the job may
 * not use if it ran from `at` for its estimate (c->resv_hit says whether
 * any was kept off). */
static void take_parts(cs_sched_ctx *c, const cs_slot *slots, uint32_t n, cs_placement *aside)
{
	for (uint32_t i = 0; i < n; i++)
		aside->n += (uint32_t)cs_alloc_take_free_part(c->A, &slots[i], &aside->slots[aside->n]);
}

static uint64_t types_mask(const cs_sched_ctx *c, uint32_t p)
{
	uint64_t mask = 0;
	for (uint32_t k = c->pfirst[p]; k < c->pfirst[p + 1]; k++) {
		int32_t t = c->ptypes[k];
		if (t < 0 || t >= 64)
			return ~0ull;
		mask |= 1ull << t;
	}
	return mask;
}

/* Does partition p's freed count (part_freed) count node type t? As
 * cs_shape's sum over its mask: every type for ~0, else its types under 64. */
static int counts_type(const cs_sched_ctx *c, uint32_t p, uint32_t t)
{
	uint64_t mask = c->part_mask[p];
	return mask == ~0ull || (t < 64 && (mask >> t & 1));
}

/* type_pfirst and type_parts from part_mask (the scratch partition, whose
 * types change, left out): 0 or -CS_ENOMEM. */
static int type_parts_init(cs_sched_ctx *c)
{
	uint32_t np = c->sets ? c->npart - 1 : c->npart, n = 0;
	c->type_pfirst = malloc(((size_t)c->ntypes + 1) * sizeof *c->type_pfirst);
	for (uint32_t t = 0; t < c->ntypes; t++)
		for (uint32_t p = 0; p < np; p++)
			n += counts_type(c, p, t);
	c->type_parts = malloc(((size_t)n + 1) * sizeof *c->type_parts);
	if (!c->type_pfirst || !c->type_parts)
		return -CS_ENOMEM;
	n = 0;
	for (uint32_t t = 0; t < c->ntypes; t++) {
		c->type_pfirst[t] = n;
		for (uint32_t p = 0; p < np; p++)
			if (counts_type(c, p, t))
				c->type_parts[n++] = p;
	}
	c->type_pfirst[c->ntypes] = n;
	return 0;
}

/* Append partition p's node types not yet among types[from .. *n). */
static void add_types(const cs_sched_ctx *c, int32_t p, int32_t *types, uint32_t from, uint32_t *n)
{
	const cs_node_machine *m = c->nm;
	for (uint32_t k = m->part_first[p]; k < m->part_first[p + 1]; k++) {
		uint32_t i = from;
		while (i < *n && types[i] != m->part_types[k])
			i++;
		if (i == *n)
			types[(*n)++] = m->part_types[k];
	}
}

/* Is node n of a type in mask? */
static int node_in(const cs_sched_ctx *c, uint64_t mask, uint32_t n)
{
	uint32_t t = c->node_type[n];
	return mask == ~0ull || (t < 64 && (mask >> t & 1));
}

int cs_place_masks(cs_sched_ctx *c)
{
	const cs_node_machine *m = c->nm;
	const cs_partsets *ps = m->sets && m->sets->n ? m->sets : NULL;
	c->npart = m->npartitions;
	c->pfirst = m->part_first;
	c->ptypes = m->part_types;
	if (ps) {
		/* each set's node types, then room for the scratch partition's */
		uint32_t base = m->npartitions, nt = m->part_first[base], most = 0;
		for (uint32_t s = 0; s < ps->n; s++) {
			uint32_t k = 0;
			for (uint32_t i = ps->first[s]; i < ps->first[s + 1]; i++)
				k += m->part_first[ps->parts[i] + 1] - m->part_first[ps->parts[i]];
			nt += k;
			most = k > most ? k : most;
		}
		c->pfirst_own = malloc((base + ps->n + 2) * sizeof *c->pfirst_own);
		c->ptypes_own = malloc((nt + most + 1) * sizeof *c->ptypes_own);
		if (!c->pfirst_own || !c->ptypes_own)
			return -CS_ENOMEM;
		memcpy(c->pfirst_own, m->part_first, (base + 1) * sizeof *c->pfirst_own);
		memcpy(c->ptypes_own, m->part_types, m->part_first[base] * sizeof *c->ptypes_own);
		uint32_t n = m->part_first[base];
		for (uint32_t s = 0; s < ps->n; s++) {
			uint32_t from = n;
			for (uint32_t i = ps->first[s]; i < ps->first[s + 1]; i++)
				add_types(c, ps->parts[i], c->ptypes_own, from, &n);
			c->pfirst_own[base + s + 1] = n;
		}
		c->pfirst_own[base + ps->n + 1] = n; /* the scratch partition: empty until used */
		c->npart = base + ps->n + 1;
		c->pfirst = c->pfirst_own;
		c->ptypes = c->ptypes_own;
		c->sets = ps;
	}
	c->part_mask = malloc((c->npart + 1) * sizeof *c->part_mask);
	c->node_type = malloc(((size_t)c->nnodes + 1) * sizeof *c->node_type);
	if (!c->part_mask || !c->node_type)
		return -CS_ENOMEM;
	for (uint32_t n = 0; n < c->nnodes; n++)
		c->node_type[n] = (uint16_t)cs_alloc_node_type(c->A, n);
	c->types_apart = cs_alloc_types_apart(c->A);
	c->plain = engine_plain;
	if (!c->plain) {
		c->aw_of = malloc(((size_t)c->nnodes + 1) * sizeof *c->aw_of);
		c->aw_free = malloc(((size_t)c->nnodes + 1) * sizeof *c->aw_free);
		c->aw_fr = malloc(((size_t)c->nnodes + 1) * sizeof *c->aw_fr);
		if (!c->aw_of || !c->aw_free || !c->aw_fr)
			return -CS_ENOMEM;
		for (uint32_t n = 0; n < c->nnodes; n++)
			c->aw_of[n] = UINT32_MAX;
		c->aw_nkey = UINT32_MAX;
	}
	for (uint32_t n = 0; n < c->nnodes; n++)
		c->ntypes = c->node_type[n] >= c->ntypes ? c->node_type[n] + 1u : c->ntypes;
	c->type_ver = calloc((size_t)c->ntypes + 1, sizeof *c->type_ver);
	c->type_freed = calloc((size_t)c->ntypes + 1, sizeof *c->type_freed);
	c->part_freed = calloc((size_t)c->npart + 1, sizeof *c->part_freed);
	if (!c->type_ver || !c->type_freed || !c->part_freed || cs_shape_init(c) < 0 || cs_hold_init(c) < 0)
		return -CS_ENOMEM;
	for (uint32_t p = 0; p < c->npart; p++)
		c->part_mask[p] = types_mask(c, p);
	if (type_parts_init(c) < 0)
		return -CS_ENOMEM;
	/* the machine's partitions' nodes, each in node order */
	uint32_t np = m->npartitions;
	c->pnodes_first = malloc((np + 1) * sizeof *c->pnodes_first);
	if (!c->pnodes_first)
		return -CS_ENOMEM;
	size_t total = 0;
	for (uint32_t p = 0; p < np; p++)
		for (uint32_t n = 0; n < c->nnodes; n++)
			total += node_in(c, c->part_mask[p], n);
	c->pnodes = malloc((total + 1) * sizeof *c->pnodes);
	if (!c->pnodes)
		return -CS_ENOMEM;
	c->pnodes_first[0] = 0;
	for (uint32_t p = 0; p < np; p++) {
		uint32_t k = c->pnodes_first[p];
		for (uint32_t n = 0; n < c->nnodes; n++)
			if (node_in(c, c->part_mask[p], n))
				c->pnodes[k++] = n;
		c->pnodes_first[p + 1] = k;
	}
	return 0;
}

int cs_place_member(const cs_sched_ctx *c, int32_t s, uint64_t which, uint32_t node)
{
	const cs_partsets *ps = c->sets;
	int32_t t = (int32_t)cs_alloc_node_type(c->A, node);
	for (uint32_t i = 0; i < ps->first[s + 1] - ps->first[s]; i++) {
		int32_t p = ps->parts[ps->first[s] + i];
		if (!(which >> i & 1))
			continue;
		for (uint32_t k = c->pfirst[p]; k < c->pfirst[p + 1]; k++)
			if (c->ptypes[k] < 0 || c->ptypes[k] == t)
				return (int)i;
	}
	return -1;
}

int32_t cs_place_scratch(cs_sched_ctx *c, int32_t s, uint64_t which)
{
	const cs_partsets *ps = c->sets;
	uint32_t S = c->npart - 1, from = c->pfirst_own[S], n = from;
	for (uint32_t i = 0; i < ps->first[s + 1] - ps->first[s]; i++)
		if (which >> i & 1)
			add_types(c, ps->parts[ps->first[s] + i], c->ptypes_own, from, &n);
	c->pfirst_own[S + 1] = n;
	c->part_mask[S] = types_mask(c, S);
	return (int32_t)S;
}

/* What-if entry k: the free part of want in it (as cs_alloc_free_part
 * finds it in that state) set aside. Returns 1 if anything was. */
static int wi_set_aside(cs_sched_ctx *c, uint32_t k, const cs_slot *want)
{
	cs_slot *e = &c->aw_free[k], part;
	if (!(e->gpu_mask | e->cores | e->mem_mib))
		return 0;
	cs_alloc_part_in(c->A, e, want, &part);
	if (!(part.gpu_mask | part.cores | part.mem_mib))
		return 0;
	cs_slot_sub(e, &part);
	return 1;
}

/* Node n's what-if entry, made from what is free there if it has none. */
static uint32_t wi_entry(cs_sched_ctx *c, uint32_t n)
{
	if (c->aw_of[n] == UINT32_MAX) {
		cs_alloc_node_free(c->A, n, &c->aw_free[c->aw_n]);
		c->aw_of[n] = c->aw_n++;
	}
	return c->aw_of[n];
}

/* take_parts into the what-if entries (wi), or through the allocator
 * into aside: the number of parts set aside. */
static uint32_t set_aside(cs_sched_ctx *c, const cs_slot *slots, uint32_t n, cs_placement *aside, int wi)
{
	if (!wi) {
		uint32_t n0 = aside->n;
		take_parts(c, slots, n, aside);
		return aside->n - n0;
	}
	/* (a node with nothing free now gets no entry: none is a candidate) */
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++)
		if (cs_alloc_next_somefree(c->A, slots[i].node) == slots[i].node)
			k += (uint32_t)wi_set_aside(c, wi_entry(c, slots[i].node), &slots[i]);
	return k;
}

/* cs_place_aside_holds, or its what-if (wi, aside unused): the parts set
 * aside. */
static inline uint32_t aside_holds(cs_sched_ctx *c, uint32_t jid, cs_time a, cs_time b, cs_placement *aside, int wi)
{
	uint64_t mask = cs_place_mask(c, jid);
	uint32_t k = 0;
	if (c->hold_on && !c->hold_lazy && jid != c->hold_jid && (mask & c->hold_mask)) {
		cs_time ha = c->hold_time, hb = ha + c->jobs[c->hold_jid].estimate_s;
		if (a < hb && b > ha)
			k += set_aside(c, c->hold_slots, c->hold_n, aside, wi);
	}
	size_t upto = c->xh_building ? c->xh_upto : c->nxh;
	for (size_t i = 0; i < upto; i++) {
		const struct xhold *h = &c->xh[i];
		if (h->jid != UINT32_MAX && !h->lazy && h->jid != jid && (mask & h->mask) && a < h->end && b > h->time)
			k += set_aside(c, c->xh_slots + h->first, h->n, aside, wi);
	}
	return k;
}

void cs_place_aside_holds(cs_sched_ctx *c, uint32_t jid, cs_time a, cs_time b, cs_placement *aside)
{
	(void)aside_holds(c, jid, a, b, aside, 0);
}

/* May cs_place_start's try of jid beside the holds be a what-if? Where the
 * try is the allocator's on the job's partition's node types now (no
 * advance reservations, one of the machine's partitions) and
 * cs_alloc_find_among answers it; not under the plain engine (the
 * oracle), nor with failures (as the hold's search). */
static int wi_start_ok(const cs_sched_ctx *c, uint32_t jid)
{
	const cs_job *j = &c->jobs[jid];
	if (!c->aw_of || c->dry || c->nm->nresv || c->fs || j->partition < 0 ||
	    (uint32_t)j->partition >= c->nm->npartitions)
		return 0;
	cs_request rq = cs_job_request(j);
	return cs_alloc_among_ok(c->A, &rq);
}

/* (tests: kept entries made afresh too, and compared) */
static _Thread_local int aw_check;
static _Thread_local uint64_t aw_kept, aw_differ;
void cs_place_aw_check(int on) { aw_check = on; }
uint64_t cs_place_aw_kept(void) { return aw_kept; }
uint64_t cs_place_aw_differ(void) { return aw_differ; }

/* The stamps of the holds cs_place_aside_holds would set aside for jid
 * running over [a, b), in its order, into st (up to max): how many, or
 * UINT32_MAX if more. */
static uint32_t aside_stamps(const cs_sched_ctx *c, uint32_t jid, cs_time a, cs_time b, uint64_t *st, uint32_t max)
{
	uint64_t mask = cs_place_mask(c, jid);
	uint32_t n = 0;
	if (c->hold_on && !c->hold_lazy && jid != c->hold_jid && (mask & c->hold_mask)) {
		cs_time ha = c->hold_time, hb = ha + c->jobs[c->hold_jid].estimate_s;
		if (a < hb && b > ha)
			st[n++] = c->hold_stamp;
	}
	size_t upto = c->xh_building ? c->xh_upto : c->nxh;
	for (size_t i = 0; i < upto; i++) {
		const struct xhold *h = &c->xh[i];
		if (h->jid != UINT32_MAX && !h->lazy && h->jid != jid && (mask & h->mask) && a < h->end && b > h->time) {
			if (n == max)
				return UINT32_MAX;
			st[n++] = h->stamp;
		}
	}
	return n;
}

/* wi_aside's entries made, kept under the key st (nst stamps) and ver. */
static uint32_t wi_make(cs_sched_ctx *c, uint32_t jid, const uint64_t *st, uint32_t nst, uint64_t ver)
{
	const cs_job *j = &c->jobs[jid];
	c->aw_n = 0;
	uint32_t k = aside_holds(c, jid, c->now, c->now + j->estimate_s, NULL, 1);
	if (k) {
		/* a partition's nodes lie between its first and its last */
		uint32_t p = (uint32_t)j->partition, f = c->pnodes_first[p], l = c->pnodes_first[p + 1];
		uint64_t mask = c->part_mask[p];
		for (long n = f < l ? cs_alloc_next_somefree(c->A, c->pnodes[f]) : -1; n >= 0 && n <= c->pnodes[l - 1];
		     n = cs_alloc_next_somefree(c->A, (uint32_t)n + 1))
			if (node_in(c, mask, (uint32_t)n))
				(void)wi_entry(c, (uint32_t)n);
	}
	for (uint32_t i = 0; i < c->aw_n; i++)
		c->aw_of[c->aw_free[i].node] = UINT32_MAX;
	c->aw_nkey = nst;
	if (nst != UINT32_MAX)
		memcpy(c->aw_key, st, nst * sizeof *st);
	c->aw_ver = ver;
	c->aw_part = j->partition;
	c->aw_k = k;
	return k;
}

/* (tests: wi_aside's kept entries made again, and compared) */
static __attribute__((noinline)) uint32_t wi_remake(cs_sched_ctx *c, uint32_t jid, const uint64_t *st, uint32_t nst,
						     uint64_t ver)
{
	uint32_t n = c->aw_n, k = c->aw_k;
	cs_slot *kept = malloc((n + 1) * sizeof *kept);
	if (!kept)
		return k;
	memcpy(kept, c->aw_free, n * sizeof *kept);
	int same = wi_make(c, jid, st, nst, ver) == k && c->aw_n == n;
	for (uint32_t i = 0; same && i < n; i++)
		same = cs_slot_same(&kept[i], &c->aw_free[i]);
	aw_kept++;
	aw_differ += !same;
	free(kept);
	return c->aw_k;
}

/* The parts the holds jid meets now set aside, as a what-if: each node a
 * hold's slot is on that has anything free (cs_alloc_find_among takes no
 * node with nothing free) gets an entry, what is free there less the parts
 * set aside before (in cs_place_aside_holds' order, each cs_alloc_free_part's
 * of what is left: what its takes would leave). If any was, every other
 * node of jid's partition's types with anything free gets an entry too,
 * what is free there. Returns the parts set aside; the entries are
 * c->aw_free[0 .. c->aw_n).
 *
 * The entries are made of what is free on the machine, the holds' slots
 * and the partition's nodes only: while the machine's version stands
 * (nothing was taken or given back on any node type), and the job's
 * partition and the holds set aside (a stamp names one placement: equal
 * stamps, equal slots) are those of the last entries made, they are the
 * same, and are kept (a failed try leaves everything as it was, so the
 * jobs tried after it in a pass mostly find them). */
static uint32_t wi_aside(cs_sched_ctx *c, uint32_t jid)
{
	const cs_job *j = &c->jobs[jid];
	uint64_t st[8];
	uint32_t nst = aside_stamps(c, jid, c->now, c->now + j->estimate_s, st, 8);
	uint64_t ver = cs_place_ver(c, ~0ull);
	if (nst != UINT32_MAX && nst == c->aw_nkey && ver == c->aw_ver && j->partition == c->aw_part &&
	    !memcmp(st, c->aw_key, nst * sizeof *st))
		return aw_check ? wi_remake(c, jid, st, nst, ver) : c->aw_k;
	return wi_make(c, jid, st, nst, ver);
}

/* The try of jid now on wi_aside's entries (every other node of its types
 * has nothing free there): cs_alloc_find_among's answer is the try's with
 * the holds' parts taken; a placement found is taken, as that try then
 * giving the parts back leaves. 0, or the try's error. */
static int wi_try_start(cs_sched_ctx *c, uint32_t jid, cs_placement *p)
{
	const cs_job *j = &c->jobs[jid];
	cs_request rq = cs_job_request(j);
	for (uint32_t i = 0; i < c->aw_n; i++)
		c->aw_fr[i] = &c->aw_free[i];
	uint32_t pf = c->pfirst[j->partition];
	c->resv_hit = 0; /* (try_at's, without advance reservations) */
	int rc = cs_alloc_find_among(c->A, &rq, c->ptypes + pf, c->pfirst[j->partition + 1] - pf, c->aw_fr, c->aw_n,
				     p);
	if (rc == 0)
		cs_alloc_take_known(c->A, p); /* each slot a part of what is free now, on nodes apart */
	return rc;
}

/* Would cs_place_aside_holds set aside a hold for job jid (node types in
 * mask) running over [a, b), if that hold's parts were free? */
static int meets_hold_in_time(const cs_sched_ctx *c, uint32_t jid, uint64_t mask, cs_time a, cs_time b)
{
	if (c->hold_on && !c->hold_lazy && jid != c->hold_jid && (mask & c->hold_mask)) {
		cs_time ha = c->hold_time, hb = ha + c->jobs[c->hold_jid].estimate_s;
		if (a < hb && b > ha)
			return 1;
	}
	size_t upto = c->xh_building ? c->xh_upto : c->nxh;
	for (size_t i = 0; i < upto; i++) {
		const struct xhold *h = &c->xh[i];
		if (h->jid != UINT32_MAX && !h->lazy && h->jid != jid && (mask & h->mask) && a < h->end && b > h->time)
			return 1;
	}
	return 0;
}

int cs_place_xhold(cs_sched_ctx *c, size_t k)
{
	struct xhold *h = &c->xh[k];
	cs_time t;
	uint32_t n = 0;
	c->xh_building = 1;
	c->xh_upto = k;
	int rc = cs_hold_find(c, h->jid, c->xh_slots + h->first, &n, &t, &h->stamp);
	c->xh_building = 0;
	if (rc < 0)
		return rc;
	h->n = n;
	h->time = t;
	h->end = t + c->jobs[h->jid].estimate_s;
	h->lazy = 0;
	return 0;
}

static int try_at(cs_sched_ctx *c, uint32_t jid, cs_placement *p, cs_time at);

int cs_place_try_at(cs_sched_ctx *c, uint32_t jid, cs_placement *p, cs_time at)
{
	if (!c->xh_building)
		return try_at(c, jid, p, at);
	/* an extra hold being placed keeps off the earlier holds it would meet */
	cs_placement aside = { c->xh_aside, c->xh_aside_cap, 0 };
	cs_place_aside_holds(c, jid, at, at + c->jobs[jid].estimate_s, &aside);
	int rc = try_at(c, jid, p, at);
	cs_alloc_release(c->A, &aside);
	return rc;
}

static int try_at(cs_sched_ctx *c, uint32_t jid, cs_placement *p, cs_time at)
{
	const cs_job *j = &c->jobs[jid];
	const cs_node_machine *m = c->nm;
	c->resv_hit = 0;
	if (!m->nresv)
		return cs_place_types(c, jid, p);
	cs_placement aside = { c->resv_slots, c->resv_cap, 0 };
	for (size_t r = 0; r < m->nresv; r++) {
		const cs_resv *v = &m->resv[r];
		if (v->project >= 0 && v->project == j->group)
			continue;
		if (at >= v->end || at + j->estimate_s <= v->start)
			continue;
		for (uint32_t i = 0; i < v->nnodes; i++) {
			cs_slot s;
			cs_alloc_node_free(c->A, v->nodes[i], &s);
			if (!s.gpu_mask && !s.cores && !s.mem_mib)
				continue;
			cs_placement one = { &s, 1, 1 };
			cs_alloc_take(c->A, &one); /* what is free on it */
			aside.slots[aside.n++] = s;
		}
	}
	c->resv_hit = aside.n > 0;
	int rc = cs_place_types(c, jid, p);
	cs_alloc_release(c->A, &aside);
	if (rc == -CS_ENOFIT && c->resv_hit && at == c->now) {
		/* would it fit but for the reservations? (for the pending reason) */
		cs_placement q = { c->tmp_slots2, j->nodes, 0 };
		int dry = c->dry;
		c->dry = 2;
		if (cs_place_types(c, jid, &q) == 0)
			c->resv_block[jid] = c->st->passes;
		c->dry = dry;
	}
	return rc;
}

static int node_try(cs_sched_ctx *c, uint32_t jid, cs_placement *p)
{
	return cs_place_try_at(c, jid, p, c->now);
}

/* 0 if jid fits now (nothing taken), else its -CS_ENOFIT (remembered) or
 * error. Only the answer is asked for: the try finds no slots (c->dry 2).
 * A shape that fitted fits again while nothing changed on its node types
 * (cs_shape_fits), where the allocator decides by those types' nodes alone
 * and no advance reservation enters the try (it would depend on the job's
 * estimate). */
static int fits_now(cs_sched_ctx *c, uint32_t jid, cs_placement *p)
{
	const cs_job *j = &c->jobs[jid];
	int keep = c->types_apart && !c->nm->nresv;
	uint64_t ver = keep ? cs_place_ver(c, cs_place_mask(c, jid)) : 0;
	p->n = 0;
	if (keep && cs_shape_fits(c, j, ver)) {
		c->resv_hit = 0; /* (as the try leaves it, without advance reservations) */
		return 0;
	}
	c->dry = 2;
	int rc = node_try(c, jid, p);
	c->dry = 0;
	if (rc < 0) {
		if (rc == -CS_ENOFIT)
			cs_shape_fail(c, j, 1);
		return rc;
	}
	if (keep)
		cs_shape_fit(c, j, ver);
	p->n = 0;
	return 0;
}

void cs_place_first_hold(cs_sched_ctx *c)
{
	cs_time t;
	if (cs_hold_find(c, c->hold_jid, c->hold_slots, &c->hold_n, &t, &c->hold_stamp) < 0) {
		c->hold_on = 0; /* cannot happen: every job fits the empty machine */
	} else {
		c->hold_time = t;
		c->hold_lazy = 0;
	}
}

/* May job jid start without the one hold, not placed yet (lazy), being
 * placed first? When the hold's job may use none of jid's node types and
 * the allocator places on a job's node types by those types' nodes alone
 * (types_apart), and nothing but the running jobs enters the hold's search
 * (no advance reservations, failures or power cap): then the search,
 * which looks at its node types' nodes and running jobs only, finds the
 * same hold after jid started as before; and jid's try, on its own node
 * types, is the same with the hold's free parts set aside or not. A
 * failure is then one without the hold (bit 1 of the shape's memo): a job
 * of the shape fails beside any hold too. */
static int lazy_apart(const cs_sched_ctx *c, uint32_t jid)
{
	return c->types_apart && !c->plain && !c->pc && !c->fs && !c->nm->nresv &&
	       !(cs_place_mask(c, jid) & c->hold_mask);
}

/* cs_shape_hold_failed for jid beside its one hold: the first hold (first)
 * or extra hold at, found before anything was placed. Where nothing lazy
 * was placed since (holds placed may have failed and left) and jid holds
 * nothing on its types (again), that is the hold one_hold would find. */
static int hold_failed_of(cs_sched_ctx *c, uint32_t jid, int again, int first, size_t at)
{
	if (again)
		return cs_shape_hold_failed(c, jid);
	if (first)
		return cs_shape_hold_failed_on(c, jid, c->hold_slots, c->hold_n, c->hold_stamp);
	const struct xhold *h = &c->xh[at];
	return cs_shape_hold_failed_on(c, jid, c->xh_slots + h->first, h->n, h->stamp);
}

/* Node model: place jid now, keeping off what the hold needs if the job
 * would still run at the hold's time. */
int cs_place_start(cs_sched_ctx *c, uint32_t jid)
{
	const cs_job *j = &c->jobs[jid];
	cs_placement p = { c->slots + c->off[jid], j->nodes, 0 };
	if (cs_shape_failed(c, j, 1))
		return -CS_ENOFIT;
	if (!c->nxh && c->hold_on && c->hold_lazy && jid != c->hold_jid && lazy_apart(c, jid)) {
		/* the hold not placed yet is on other node types: not placed
		 * for it (as a job of other types leaves one of several) */
		int rc = node_try(c, jid, &p);
		if (rc == -CS_ENOFIT)
			cs_shape_fail(c, j, 1);
		return rc;
	}
	if (!c->nxh && c->hold_on && c->hold_lazy && jid != c->hold_jid) {
		/* the hold matters only to a job that fits now: find out first */
		int rc = fits_now(c, jid, &p);
		if (rc < 0)
			return rc;
		cs_place_first_hold(c);
	}
	if (c->nxh) {
		/* several holds: keep off each one the job would meet on its node
		 * types; the lazy ones it may meet are placed first, once it is
		 * known to fit now */
		uint64_t mask = cs_place_mask(c, jid);
		int first = c->hold_on && jid != c->hold_jid && (mask & c->hold_mask);
		int lazy = first && c->hold_lazy;
		size_t nint = (size_t)first, at = SIZE_MAX;
		int own = 0; /* jid's own hold on its types (one_hold then finds none) */
		for (size_t i = 0; i < c->nxh; i++)
			if (c->xh[i].jid != UINT32_MAX && c->xh[i].jid != jid && (mask & c->xh[i].mask)) {
				nint++;
				lazy |= c->xh[i].lazy;
				at = i;
			} else if (c->xh[i].jid == jid && (mask & c->xh[i].mask)) {
				own = 1;
			}
		if (lazy) {
			int rc = fits_now(c, jid, &p);
			if (rc < 0)
				return rc;
			if (first && c->hold_lazy)
				cs_place_first_hold(c);
			for (size_t i = 0; i < c->nxh; i++)
				if (c->xh[i].lazy && c->xh[i].jid != UINT32_MAX && c->xh[i].jid != jid &&
				    (mask & c->xh[i].mask) && cs_place_xhold(c, i) < 0)
					c->xh[i].jid = UINT32_MAX; /* cannot happen, as above */
		}
		/* One hold on its types that it would meet in time, and the
		 * shape failed beside it already: it fails again (resources only
		 * shrink in a pass, so what is free off the hold only shrinks),
		 * without setting the hold's parts aside to find out. Kept to
		 * machines without advance reservations, where a try has no
		 * side note (the pending reason's resv_block). */
		if (nint == 1 && !c->nm->nresv && meets_hold_in_time(c, jid, mask, c->now, c->now + j->estimate_s) &&
		    hold_failed_of(c, jid, lazy || own, first, at))
			return -CS_ENOFIT;
		/* the holds' parts set aside through the allocator, or as a
		 * what-if (wi) */
		cs_placement aside = { c->xh_aside, c->xh_aside_cap, 0 };
		int wi = wi_start_ok(c, jid);
		if (!(wi ? wi_aside(c, jid) : aside_holds(c, jid, c->now, c->now + j->estimate_s, &aside, 0))) {
			int rc = node_try(c, jid, &p);
			if (rc == -CS_ENOFIT)
				cs_shape_fail(c, j, 1);
			return rc;
		}
		/* with one hold on its types, the hold's memo stands as for one hold */
		if (nint <= 1 && cs_shape_failed(c, j, 2)) {
			cs_alloc_release(c->A, &aside);
			return -CS_ENOFIT;
		}
		int rc = wi ? wi_try_start(c, jid, &p) : node_try(c, jid, &p);
		cs_alloc_release(c->A, &aside);
		if (rc == -CS_ENOFIT && nint <= 1)
			cs_shape_hold_fail(c, jid);
		return rc;
	}
	if (!c->hold_on || jid == c->hold_jid || c->now + j->estimate_s <= c->hold_time) {
		int rc = node_try(c, jid, &p);
		if (rc == -CS_ENOFIT)
			cs_shape_fail(c, j, 1);
		return rc;
	}
	if (cs_shape_hold_failed(c, jid))
		return -CS_ENOFIT;
	cs_placement aside = { c->tmp_slots, c->hold_n, 0 };
	take_parts(c, c->hold_slots, c->hold_n, &aside);
	int rc = node_try(c, jid, &p);
	cs_alloc_release(c->A, &aside);
	if (rc == -CS_ENOFIT)
		cs_shape_hold_fail(c, jid);
	return rc;
}

/* cs_place_start's refusals without a try, for every job of jid's shape
 * that holds nothing: the memo's failure now (bit 1), or beside the one
 * hold on its node types for a job that would meet that hold in time (bit
 * 2). Holds not yet placed (lazy) are placed by a job that fits now, so
 * then only bit 1 is known. */
int cs_place_nofit_bound(cs_sched_ctx *c, uint32_t jid, cs_time *est_max)
{
	const cs_job *j = &c->jobs[jid];
	if (cs_shape_failed(c, j, 1)) {
		*est_max = -1;
		return 1;
	}
	/* Bit 2 (cs_shape_hold_failed) is asked only once the holds leave
	 * one on jid's node types: where they answer 0 without it, it finds
	 * no one hold (one_hold) and changes nothing (the shape's entry was
	 * made above), so the answers and the memos are as when it was asked
	 * first. */
	if (c->hold_on && jid == c->hold_jid)
		return 0; /* (a job that holds sees the holds but its own) */
	/* (its one hold, as one_hold finds it, is known below: the first
	 * hold when no other is made, else the one met, none lazy) */
	if (!c->nxh) {
		if (!c->hold_on || c->hold_lazy || !hold_failed_of(c, jid, 0, 1, 0))
			return 0;
		*est_max = c->hold_time - c->now; /* past it: refused (cs_place_start's last case) */
		return 1;
	}
	uint64_t mask = cs_place_mask(c, jid);
	int first = c->hold_on && jid != c->hold_jid && (mask & c->hold_mask);
	if (first && c->hold_lazy)
		return 0;
	size_t nint = (size_t)first, at = SIZE_MAX;
	for (size_t i = 0; i < c->nxh; i++)
		if (c->xh[i].jid == jid) {
			(void)cs_shape_hold_failed(c, jid); /* its hold may lie off its mask: asked as before */
			return 0;
		} else if (c->xh[i].jid != UINT32_MAX && (mask & c->xh[i].mask)) {
			if (c->xh[i].lazy)
				return 0;
			nint++;
			at = i;
		}
	if (nint != 1 || c->nm->nresv || !hold_failed_of(c, jid, 0, first, at))
		return 0;
	cs_time ht = first ? c->hold_time : c->xh[at].time;
	cs_time he = first ? ht + c->jobs[c->hold_jid].estimate_s : c->xh[at].end;
	if (!(c->now < he))
		return 0;
	*est_max = ht - c->now; /* meets the hold in time: refused before the aside */
	return 1;
}

/* Node type t got resources back: its count, the sum of all, and those
 * of the partitions that hold it. */
static inline void type_gave_back(cs_sched_ctx *c, uint32_t t)
{
	c->type_freed[t]++;
	c->freed_all++;
	for (uint32_t k = c->type_pfirst[t]; k < c->type_pfirst[t + 1]; k++)
		c->part_freed[c->type_parts[k]]++;
}

/* cs_place_changed, noted as a start of started (UINT32_MAX: anything
 * else) for the kept holds (cs_hold_log). */
static inline __attribute__((always_inline)) void changed(cs_sched_ctx *c, uint32_t jid, int freed,
							 uint32_t started)
{
	uint64_t mask = cs_place_mask(c, jid);
	if (c->hlog)
		cs_hold_log(c, mask, started);
	if (mask == ~0ull) {
		for (uint32_t t = 0; t < c->ntypes; t++) {
			c->type_ver[t]++;
			c->ver_all++;
			if (freed)
				type_gave_back(c, t);
		}
		return;
	}
	/* (its types under 64 that the machine has, one bit at a time) */
	if (c->ntypes < 64)
		mask &= (1ull << c->ntypes) - 1;
	for (; mask; mask &= mask - 1) {
		uint32_t t = (uint32_t)__builtin_ctzll(mask);
		c->type_ver[t]++;
		c->ver_all++;
		if (freed)
			type_gave_back(c, t);
	}
}

void cs_place_changed(cs_sched_ctx *c, uint32_t jid, int freed)
{
	changed(c, jid, freed, UINT32_MAX);
}

void cs_place_started(cs_sched_ctx *c, uint32_t jid)
{
	changed(c, jid, 0, jid);
}

void cs_place_node_changed(cs_sched_ctx *c, uint32_t node, int freed)
{
	uint32_t t = c->node_type[node];
	if (c->hlog)
		cs_hold_log(c, t < 64 ? 1ull << t : ~0ull, UINT32_MAX);
	c->type_ver[t]++;
	c->ver_all++;
	if (freed)
		type_gave_back(c, t);
}

void cs_place_free_memo(cs_sched_ctx *c)
{
	cs_hold_free(c);
	cs_shape_free(c);
	free(c->type_ver);
	free(c->type_freed);
	free(c->part_freed);
	free(c->type_pfirst);
	free(c->type_parts);
	free(c->node_type);
	free(c->aw_of);
	free(c->aw_free);
	free(c->aw_fr);
	free(c->pnodes);
	free(c->pnodes_first);
}
