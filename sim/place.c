/* capsim: node-model placement for the engine (see engine_int.h): a job on
 * the allocator now, on its partition's node types, keeping off the nodes
 * of advance reservations it may not use and what the pass's hold needs;
 * the hold itself; and what is known of each request shape: that it did
 * not fit, in this pass or (while that still stands) in an earlier one. */
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
 * machine without advance reservations, where nothing else enters. */
struct hold_memo {
	uint32_t jid;   /* UINT32_MAX: empty */
	int32_t part;   /* the job's partition then */
	uint64_t ver;   /* the scope's change count then (scope_ver) */
	cs_time time;
	int passed;     /* a running job's estimated end came by time */
	uint32_t n, cap;
	cs_slot *slots;
};

static int engine_plain; /* cs_engine_plain */

void cs_engine_plain(int on) { engine_plain = on != 0; }

static struct shape_key key_of(const cs_job *j)
{
	return (struct shape_key){ j->partition, j->nodes, j->gpus_per_node, j->cores_per_node, j->mem_per_node_mib,
				   j->topo | (uint32_t)j->max_leaves << 8 };
}

static uint32_t key_hash(const struct shape_key *k)
{
	uint32_t h = (uint32_t)k->part * 0x9e3779b1u ^ k->nodes * 0x85ebca6bu ^ k->gpus * 0xc2b2ae35u ^
		     k->cores * 0x27d4eb2fu ^ k->mem * 0x165667b1u ^ k->topo * 0x61c88647u;
	return h ^ h >> 15;
}

static int key_eq(const struct shape_key *a, const struct shape_key *b)
{
	return a->part == b->part && a->nodes == b->nodes && a->gpus == b->gpus && a->cores == b->cores &&
	       a->mem == b->mem && a->topo == b->topo;
}

/* What is known of a request shape. In this pass (gen == c->memo_gen):
 * resources only shrink during a pass, so a shape that did not fit stays
 * unfit until the pass ends; bit 0 of failed: it did not fit what was
 * free (no hold or reservation kept off); bit 1: not beside the one hold
 * on its node types (the hold's parts set aside); bit 2 (before the
 * run): it fits the empty machine.
 *
 * Across passes and memo resets: a shape that did not fit what was free
 * on its node types fits no better while none of those types got
 * anything back (starts only take, and a fit that fails stays failed with
 * less free): freed, type_freed's sum over its node types then. And one
 * that did not fit beside one hold fits no better while, besides, the
 * hold has the same parts: hfreed and the hold's placement, on machines
 * without advance reservations (where a try depends on the job's
 * estimate). Neither for the scratch partition, whose node types change. */
struct shape_ent {
	struct shape_key key;
	uint32_t gen;
	uint8_t failed;
	uint8_t kept;        /* bit 0: freed is kept; bit 1: hfreed and hslots */
	uint64_t freed, hfreed;
	uint32_t hn, hcap;   /* the hold's nodes; room in hslots */
	cs_slot *hslots;
};

/* The entry of job j's shape (made if new), or NULL when out of memory.
 * An entry stays where it is until the next new shape. */
static struct shape_ent *shape_of(cs_sched_ctx *c, const cs_job *j)
{
	uint32_t jid = (uint32_t)(j - c->jobs), id = c->job_shape[jid];
	if (id != UINT32_MAX && c->shp[id].key.part == j->partition)
		return &c->shp[id]; /* (only a job's partition changes in a run) */
	struct shape_key key = key_of(j);
	uint32_t m = c->shp_idx_cap - 1, h = key_hash(&key) & m;
	for (; c->shp_idx[h] != UINT32_MAX; h = (h + 1) & m)
		if (key_eq(&c->shp[c->shp_idx[h]].key, &key)) {
			c->job_shape[jid] = c->shp_idx[h];
			return &c->shp[c->shp_idx[h]];
		}
	if (c->nshp == c->shp_cap) {
		struct shape_ent *q = realloc(c->shp, 2 * c->shp_cap * sizeof *q);
		if (!q)
			return NULL;
		c->shp = q;
		c->shp_cap *= 2;
	}
	if (2 * (c->nshp + 1) > c->shp_idx_cap) {
		uint32_t cap = 2 * c->shp_idx_cap, *x = malloc(cap * sizeof *x);
		if (!x)
			return NULL;
		memset(x, 0xff, cap * sizeof *x);
		for (uint32_t i = 0; i < c->nshp; i++) {
			uint32_t k = key_hash(&c->shp[i].key) & (cap - 1);
			while (x[k] != UINT32_MAX)
				k = (k + 1) & (cap - 1);
			x[k] = i;
		}
		free(c->shp_idx);
		c->shp_idx = x;
		c->shp_idx_cap = cap;
		m = cap - 1;
		for (h = key_hash(&key) & m; x[h] != UINT32_MAX; h = (h + 1) & m)
			;
	}
	id = c->nshp++;
	c->shp_idx[h] = id;
	c->shp[id] = (struct shape_ent){ .key = key };
	c->job_shape[jid] = id;
	return &c->shp[id];
}

/* Set bit on e in this pass's memo. */
static void memo_set(const cs_sched_ctx *c, struct shape_ent *e, unsigned bit)
{
	if (e->gen != c->memo_gen) {
		e->gen = c->memo_gen;
		e->failed = 0;
	}
	e->failed |= (uint8_t)bit;
}

void cs_place_memo_reset(cs_sched_ctx *c) { c->memo_gen++; }

/* type_freed summed over job j's node types (kept per partition until
 * some type gets something back; not for the scratch partition, whose
 * types change, and shape_ent keeps nothing of it). */
static uint64_t freed_count(const cs_sched_ctx *c, const cs_job *j)
{
	int32_t p = j->partition;
	struct freed_sum *f = p >= 0 && (uint32_t)p < c->npart ? &c->part_freed[p] : &c->part_freed[c->npart];
	if (c->sets && p == (int32_t)c->npart - 1)
		f = NULL;
	if (f && f->at == c->freed_all)
		return f->sum;
	uint64_t mask = cs_place_mask(c, (uint32_t)(j - c->jobs));
	uint64_t v = 0;
	for (uint32_t t = 0; t < c->ntypes; t++)
		if (mask == ~0ull || (t < 64 && (mask >> t & 1)))
			v += c->type_freed[t];
	if (f)
		*f = (struct freed_sum){ c->freed_all, v };
	return v;
}

/* May what is known of job j's shape be kept across passes? */
static int keepable(const cs_sched_ctx *c, const cs_job *j)
{
	return !c->plain && !(c->sets && j->partition == (int32_t)c->npart - 1);
}

static int memo_failed(cs_sched_ctx *c, const cs_job *j, unsigned mask)
{
	struct shape_ent *e = shape_of(c, j);
	if (!e)
		return 0;
	if (e->gen == c->memo_gen && (e->failed & mask))
		return 1;
	if (!(mask & 1) || !(e->kept & 1) || e->freed != freed_count(c, j))
		return 0;
	memo_set(c, e, 1); /* found the faster next time in this pass */
	return 1;
}

static void memo_fail(cs_sched_ctx *c, const cs_job *j, unsigned bit)
{
	if (c->resv_hit)
		return; /* the failure depended on the job's estimate, not only its shape */
	struct shape_ent *e = shape_of(c, j);
	if (!e)
		return;
	memo_set(c, e, bit);
	if (bit == 1 && keepable(c, j)) {
		e->kept |= 1;
		e->freed = freed_count(c, j);
	}
}

static int slot_eq(const cs_slot *a, const cs_slot *b)
{
	return a->node == b->node && a->gpu_mask == b->gpu_mask && a->cores == b->cores &&
	       a->mem_mib == b->mem_mib && !memcmp(a->core_mask, b->core_mask, sizeof a->core_mask);
}

/* The one hold on job jid's node types that cs_place_start would set
 * aside for it, placed (its slots, *n of them), or NULL: none, several,
 * one not placed yet, or one of jid's own. */
static const cs_slot *one_hold(const cs_sched_ctx *c, uint32_t jid, uint32_t *n)
{
	if (!c->nxh) {
		if (!c->hold_on || c->hold_lazy || jid == c->hold_jid)
			return NULL;
		*n = c->hold_n;
		return c->hold_slots;
	}
	uint64_t mask = cs_place_mask(c, jid);
	const cs_slot *s = NULL;
	if (c->hold_on && jid != c->hold_jid && (mask & c->hold_mask)) {
		if (c->hold_lazy)
			return NULL;
		s = c->hold_slots;
		*n = c->hold_n;
	}
	for (size_t i = 0; i < c->nxh; i++) {
		const struct xhold *h = &c->xh[i];
		if (h->jid == UINT32_MAX || !(mask & h->mask))
			continue;
		if (h->jid == jid || h->lazy || s)
			return NULL;
		s = c->xh_slots + h->first;
		*n = h->n;
	}
	return s;
}

/* Bit 2 of the memo for job jid (it failed beside the one hold on its
 * node types in this pass), or learnt from an earlier pass (struct
 * hfail_ent), then kept in the pass's memo as a failed try would. */
static int hold_failed(cs_sched_ctx *c, uint32_t jid)
{
	const cs_job *j = &c->jobs[jid];
	if (memo_failed(c, j, 2))
		return 1;
	uint32_t n;
	const cs_slot *s = one_hold(c, jid, &n);
	struct shape_ent *e = s && !c->nm->nresv ? shape_of(c, j) : NULL;
	if (!e || !(e->kept & 2) || e->hn != n || e->hfreed != freed_count(c, j))
		return 0;
	for (uint32_t i = 0; i < n; i++)
		if (!slot_eq(&e->hslots[i], &s[i]))
			return 0;
	memo_set(c, e, 2);
	return 1;
}

/* s[0 .. n) into *buf, grown to hold them (*cap slots): 0, or -1 out of
 * memory with *buf as it was. */
static int copy_slots(cs_slot **buf, uint32_t *cap, const cs_slot *s, uint32_t n)
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

/* Job jid did not fit beside the one hold on its node types: bit 2 of
 * the memo, and kept for later passes. */
static void hold_fail(cs_sched_ctx *c, uint32_t jid)
{
	const cs_job *j = &c->jobs[jid];
	memo_fail(c, j, 2);
	uint32_t n;
	const cs_slot *s = one_hold(c, jid, &n);
	struct shape_ent *e = s && !c->nm->nresv && keepable(c, j) ? shape_of(c, j) : NULL;
	if (!e)
		return;
	e->kept &= (uint8_t)~2u;
	if (copy_slots(&e->hslots, &e->hcap, s, n) < 0)
		return; /* not kept: tried again when asked */
	e->kept |= 2;
	e->hn = n;
	e->hfreed = freed_count(c, j);
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
	return c->dry ? cs_alloc_find_types(c->A, &rq, types, n, p) : cs_alloc_try_types(c->A, &rq, types, n, p);
}

/* Does job jid fit the empty machine (nodes_open asks of every job before
 * the run)? The answer is its shape's: a shape that fitted is kept in the
 * memo (bit 2), which the caller resets after. 0, or the allocator's error. */
int cs_place_fits_empty(cs_sched_ctx *c, uint32_t jid)
{
	const cs_job *j = &c->jobs[jid];
	struct shape_ent *e = shape_of(c, j);
	if (e && e->gen == c->memo_gen && (e->failed & 4))
		return 0;
	cs_placement p = { c->slots + c->off[jid], j->nodes, 0 };
	int rc = cs_place_types(c, jid, &p);
	if (rc == 0) {
		cs_alloc_release(c->A, &p);
		if (e)
			memo_set(c, e, 4);
	}
	return rc;
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
	for (uint32_t n = 0; n < c->nnodes; n++)
		c->ntypes = c->node_type[n] >= c->ntypes ? c->node_type[n] + 1u : c->ntypes;
	c->type_ver = calloc((size_t)c->ntypes + 1, sizeof *c->type_ver);
	c->type_freed = calloc((size_t)c->ntypes + 1, sizeof *c->type_freed);
	c->part_freed = calloc((size_t)c->npart + 1, sizeof *c->part_freed);
	c->hmemo = calloc(HMEMO_SIZE, sizeof *c->hmemo);
	c->shp_cap = 256;
	c->shp_idx_cap = 1024;
	c->shp = malloc(c->shp_cap * sizeof *c->shp);
	c->shp_idx = malloc(c->shp_idx_cap * sizeof *c->shp_idx);
	c->job_shape = malloc((c->njobs + 1) * sizeof *c->job_shape);
	if (!c->type_ver || !c->type_freed || !c->part_freed || !c->hmemo || !c->shp || !c->shp_idx ||
	    !c->job_shape)
		return -CS_ENOMEM;
	memset(c->shp_idx, 0xff, c->shp_idx_cap * sizeof *c->shp_idx);
	memset(c->job_shape, 0xff, (c->njobs + 1) * sizeof *c->job_shape);
	for (uint32_t i = 0; i < HMEMO_SIZE; i++)
		c->hmemo[i].jid = UINT32_MAX;
	for (uint32_t p = 0; p < c->npart; p++)
		c->part_mask[p] = types_mask(c, p);
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

void cs_place_aside_holds(cs_sched_ctx *c, uint32_t jid, cs_time a, cs_time b, cs_placement *aside)
{
	uint64_t mask = cs_place_mask(c, jid);
	if (c->hold_on && !c->hold_lazy && jid != c->hold_jid && (mask & c->hold_mask)) {
		cs_time ha = c->hold_time, hb = ha + c->jobs[c->hold_jid].estimate_s;
		if (a < hb && b > ha)
			take_parts(c, c->hold_slots, c->hold_n, aside);
	}
	size_t upto = c->xh_building ? c->xh_upto : c->nxh;
	for (size_t i = 0; i < upto; i++) {
		const struct xhold *h = &c->xh[i];
		if (h->jid != UINT32_MAX && !h->lazy && h->jid != jid && (mask & h->mask) && a < h->end && b > h->time)
			take_parts(c, c->xh_slots + h->first, h->n, aside);
	}
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
	int rc = cs_place_hold(c, h->jid, c->xh_slots + h->first, &n, &t);
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
		c->dry = 1;
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

/* 0 if jid fits now (nothing taken), else its -CS_ENOFIT (remembered) or error. */
static int fits_now(cs_sched_ctx *c, uint32_t jid, cs_placement *p)
{
	c->dry = 1;
	int rc = node_try(c, jid, p);
	c->dry = 0;
	if (rc < 0) {
		if (rc == -CS_ENOFIT)
			memo_fail(c, &c->jobs[jid], 1);
		return rc;
	}
	p->n = 0;
	return 0;
}

void cs_place_first_hold(cs_sched_ctx *c)
{
	cs_time t;
	if (cs_place_hold(c, c->hold_jid, c->hold_slots, &c->hold_n, &t) < 0) {
		c->hold_on = 0; /* cannot happen: every job fits the empty machine */
	} else {
		c->hold_time = t;
		c->hold_lazy = 0;
	}
}

/* Node model: place jid now, keeping off what the hold needs if the job
 * would still run at the hold's time. */
int cs_place_start(cs_sched_ctx *c, uint32_t jid)
{
	const cs_job *j = &c->jobs[jid];
	cs_placement p = { c->slots + c->off[jid], j->nodes, 0 };
	if (memo_failed(c, j, 1))
		return -CS_ENOFIT;
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
		size_t nint = (size_t)first;
		for (size_t i = 0; i < c->nxh; i++)
			if (c->xh[i].jid != UINT32_MAX && c->xh[i].jid != jid && (mask & c->xh[i].mask)) {
				nint++;
				lazy |= c->xh[i].lazy;
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
		    hold_failed(c, jid))
			return -CS_ENOFIT;
		cs_placement aside = { c->xh_aside, c->xh_aside_cap, 0 };
		cs_place_aside_holds(c, jid, c->now, c->now + j->estimate_s, &aside);
		if (!aside.n) {
			int rc = node_try(c, jid, &p);
			if (rc == -CS_ENOFIT)
				memo_fail(c, j, 1);
			return rc;
		}
		/* with one hold on its types, the hold's memo stands as for one hold */
		if (nint <= 1 && memo_failed(c, j, 2)) {
			cs_alloc_release(c->A, &aside);
			return -CS_ENOFIT;
		}
		int rc = node_try(c, jid, &p);
		cs_alloc_release(c->A, &aside);
		if (rc == -CS_ENOFIT && nint <= 1)
			hold_fail(c, jid);
		return rc;
	}
	if (!c->hold_on || jid == c->hold_jid || c->now + j->estimate_s <= c->hold_time) {
		int rc = node_try(c, jid, &p);
		if (rc == -CS_ENOFIT)
			memo_fail(c, j, 1);
		return rc;
	}
	if (hold_failed(c, jid))
		return -CS_ENOFIT;
	cs_placement aside = { c->tmp_slots, c->hold_n, 0 };
	take_parts(c, c->hold_slots, c->hold_n, &aside);
	int rc = node_try(c, jid, &p);
	cs_alloc_release(c->A, &aside);
	if (rc == -CS_ENOFIT)
		hold_fail(c, jid);
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
	if (memo_failed(c, j, 1)) {
		*est_max = -1;
		return 1;
	}
	if ((c->hold_on && jid == c->hold_jid) || !hold_failed(c, jid))
		return 0; /* (a job that holds sees the holds but its own) */
	if (!c->nxh) {
		if (!c->hold_on || c->hold_lazy)
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
		if (c->xh[i].jid == jid)
			return 0;
		else if (c->xh[i].jid != UINT32_MAX && (mask & c->xh[i].mask)) {
			if (c->xh[i].lazy)
				return 0;
			nint++;
			at = i;
		}
	if (nint != 1 || c->nm->nresv)
		return 0;
	cs_time ht = first ? c->hold_time : c->xh[at].time;
	cs_time he = first ? ht + c->jobs[c->hold_jid].estimate_s : c->xh[at].end;
	if (!(c->now < he))
		return 0;
	*est_max = ht - c->now; /* meets the hold in time: refused before the aside */
	return 1;
}

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
	uint32_t g, cores, mem, nodes;
	uint32_t fit;         /* nodes of those types that fit now (as given back so far) */
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
		cs_alloc_node_counts(c->A, p->slots[i].node, &g, &co, &m);
		h->fit -= scope_has(c, h, p->slots[i].node) && scope_fits(h, g, co, m);
	}
	cs_alloc_release(c->A, p);
	for (uint32_t i = 0; i < p->n; i++) {
		uint32_t g, co, m;
		cs_alloc_node_counts(c->A, p->slots[i].node, &g, &co, &m);
		h->fit += scope_has(c, h, p->slots[i].node) && scope_fits(h, g, co, m);
	}
}

/* Is running job r outside the scope (none of its node types looked at)? */
static int scope_skips(const cs_sched_ctx *c, const struct hold_scope *h, uint32_t r)
{
	return !(cs_place_mask(c, r) & h->mask);
}

/* The free-now snapshot (c->snap) of the scope's nodes, in node order;
 * counts the nodes that fit. Returns the snapshot's length. */
static uint32_t scope_snapshot(cs_sched_ctx *c, struct hold_scope *h)
{
	uint32_t ns = 0;
	h->fit = 0;
	uint32_t end = h->list ? h->nlist : c->nnodes;
	for (uint32_t i = 0; i < end; i++) {
		uint32_t n = h->list ? h->list[i] : i;
		if (!h->list && !scope_has(c, h, n))
			continue;
		cs_slot *s = &c->snap[ns];
		cs_alloc_node_free(c->A, n, s);
		if (!s->gpu_mask && !s->cores && !s->mem_mib)
			continue;
		ns++;
		h->fit += scope_fits(h, cs_slot_gpus(s), s->cores, s->mem_mib);
	}
	return ns;
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
	}
	return h;
}

void cs_place_changed(cs_sched_ctx *c, uint32_t jid, int freed)
{
	uint64_t mask = cs_place_mask(c, jid);
	for (uint32_t t = 0; t < c->ntypes; t++)
		if (mask == ~0ull || (t < 64 && (mask >> t & 1))) {
			c->type_ver[t]++;
			c->type_freed[t] += freed != 0;
			c->freed_all += freed != 0;
		}
}

void cs_place_node_changed(cs_sched_ctx *c, uint32_t node, int freed)
{
	uint32_t t = c->node_type[node];
	c->type_ver[t]++;
	c->type_freed[t] += freed != 0;
	c->freed_all += freed != 0;
}

static uint64_t scope_ver(const cs_sched_ctx *c, const struct hold_scope *h)
{
	uint64_t v = 0;
	for (uint32_t t = 0; t < c->ntypes; t++)
		if (h->mask == ~0ull || (t < 64 && (h->mask >> t & 1)))
			v += c->type_ver[t]; /* counts only grow: a change shows in the sum */
	return v;
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

static struct hold_memo *hold_kept(cs_sched_ctx *c, uint32_t jid, uint64_t ver)
{
	struct hold_memo *e = &c->hmemo[jid % HMEMO_SIZE];
	if (e->jid != jid || e->part != c->jobs[jid].partition || e->ver != ver || c->now > e->time)
		return NULL;
	int passed = c->nrun > 0 && c->run[0].est_end <= e->time;
	return passed == e->passed ? e : NULL;
}

static void hold_keep(cs_sched_ctx *c, uint32_t jid, uint64_t ver, cs_time t, int passed, const cs_slot *s,
		      uint32_t n)
{
	struct hold_memo *e = &c->hmemo[jid % HMEMO_SIZE];
	e->jid = UINT32_MAX;
	if (copy_slots(&e->slots, &e->cap, s, n) < 0)
		return; /* not kept: made again when asked */
	*e = (struct hold_memo){ jid, c->jobs[jid].partition, ver, t, passed, n, e->cap, e->slots };
}

void cs_place_forget(cs_sched_ctx *c, uint32_t jid)
{
	struct hold_memo *e = &c->hmemo[jid % HMEMO_SIZE];
	if (e->jid == jid)
		e->jid = UINT32_MAX;
}

void cs_place_free_memo(cs_sched_ctx *c)
{
	for (uint32_t i = 0; c->hmemo && i < HMEMO_SIZE; i++)
		free(c->hmemo[i].slots);
	free(c->hmemo);
	for (uint32_t i = 0; i < c->nshp; i++)
		free(c->shp[i].hslots);
	free(c->shp);
	free(c->shp_idx);
	free(c->job_shape);
	free(c->type_ver);
	free(c->type_freed);
	free(c->part_freed);
	free(c->node_type);
	free(c->pnodes);
	free(c->pnodes_first);
}

/* cs_place_try_at for a hold of jid at t, under the power cap no earlier
 * than the site leaves room for the most jid could draw: *room is the
 * earliest such time found so far (worked out again once t passes it). */
static int hold_try_at(cs_sched_ctx *c, uint32_t jid, cs_placement *hp, cs_time t, cs_time *room)
{
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
int cs_place_hold(cs_sched_ctx *c, uint32_t jid, cs_slot *out, uint32_t *nout, cs_time *when)
{
	cs_placement hp = { out, c->jobs[jid].nodes, 0 };
	cs_time t = c->now;
	size_t k = 0;
	struct hold_scope sc = hold_scope_of(c, jid);
	int keep = hold_keepable(c, jid);
	uint64_t ver = keep ? scope_ver(c, &sc) : 0;
	const struct hold_memo *e = keep ? hold_kept(c, jid, ver) : NULL;
	if (e) {
		memcpy(out, e->slots, e->n * sizeof *out);
		*nout = e->n;
		*when = e->time;
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
	/* now: not if too few nodes fit, or the shape did not fit what is
	 * free (the holds and reservations a try keeps off only take more) */
	int rc = -CS_ENOFIT;
	if (c->plain || c->pc || (sc.fit >= sc.nodes && !memo_failed(c, &c->jobs[jid], 1)))
		rc = hold_try_at(c, jid, &hp, t, &room);
	size_t nr = 0; /* advance reservations' ends passed (they may free nodes) */
	/* what failures took comes back at each repair's end */
	struct cs_fail_piece *pc = NULL;
	size_t np = c->fs ? cs_fail_pieces(c, &pc) : 0, nd = 0;
	while (rc == -CS_ENOFIT && (k < c->nrun || nr < c->nresv_ends || nh < nhe || nd < np)) {
		cs_time tr = k < c->nrun ? (c->run[k].est_end > c->now ? c->run[k].est_end : c->now) : CS_TIME_MAX;
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
		for (; k < c->nrun && (c->run[k].est_end > c->now ? c->run[k].est_end : c->now) == t; k++) {
			if (scope_skips(c, &sc, c->run[k].jid))
				continue;
			cs_placement p = placement_of(c, c->run[k].jid);
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
		if (c->plain || c->pc || (more && sc.fit >= sc.nodes))
			rc = hold_try_at(c, jid, &hp, t, &room);
	}
	if (rc == -CS_ENOFIT && c->pc && room > t && room < CS_TIME_MAX) {
		/* every job and hold ended by t: the first room the cap leaves (plans aside, it
		 * left room at t already) */
		t = room;
		rc = cs_place_try_at(c, jid, &hp, t);
	}
	if (rc == 0 && (k > 0 || nd > 0) && ns > 0) {
		/* the fewest free-now nodes handed back: lo fails, hi fits, and
		 * hp holds the placement found with hi handed back (with all
		 * ns of them, the one just found) */
		cs_placement tp = { c->tmp_slots, c->jobs[jid].nodes, 0 };
		uint32_t lo = 0, hi = ns, g = ns;
		hand_back(c, g, 0);
		g = 0;
		if (cs_place_try_at(c, jid, &tp, t) == 0) {
			hi = 0;
			keep_found(&hp, &tp);
		}
		while (hi > 0 && hi - lo > 1) {
			uint32_t mid = lo + (hi - lo) / 2;
			hand_back(c, g, mid);
			g = mid;
			tp.n = 0;
			if (cs_place_try_at(c, jid, &tp, t) == 0) {
				hi = mid;
				keep_found(&hp, &tp);
			} else {
				lo = mid;
			}
		}
		hand_back(c, g, ns);
	}
	for (size_t i = 0; i < k; i++) {
		if (scope_skips(c, &sc, c->run[i].jid))
			continue;
		cs_placement p = placement_of(c, c->run[i].jid);
		cs_alloc_take_known(c->A, &p); /* exactly what was given back */
	}
	for (size_t i = 0; i < nd; i++) {
		if (!scope_has(c, &sc, pc[i].s.node))
			continue;
		cs_placement p = { &pc[i].s, 1, 1 };
		cs_alloc_take_known(c->A, &p); /* the same */
	}
	c->dry = dry;
	if (rc < 0)
		return -CS_EINVAL;
	if (keep)
		hold_keep(c, jid, ver, t, k > 0, hp.slots, hp.n);
	*nout = hp.n;
	*when = t;
	return 0;
}
