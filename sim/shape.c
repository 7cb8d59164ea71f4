/* capsim: what the engine knows of each request shape on a node model
 * (see engine_int.h): that it did not fit what was free, or beside the one
 * hold on its node types, in this pass or (while that still stands) in an
 * earlier one; and that it fits the empty machine. Jobs of one shape fail
 * and fit alike, so a pass tries a shape once. */
#include "engine_int.h"

#include <string.h>

/* A request shape: jobs alike in all of it are placed alike. */
struct shape_key {
	int32_t part;
	uint32_t nodes, gpus, cores, mem;
	uint32_t topo;     /* rule | max_leaves << 8 */
};

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
 * estimate). Neither for the scratch partition, whose node types change.
 * A shape that fitted what was free fits again while nothing changed on its
 * node types: fit_ver. */
struct shape_ent {
	struct shape_key key;
	uint32_t gen;
	uint8_t failed;
	uint8_t kept;        /* bit 0: freed is kept; bit 1: hfreed and hslots */
	uint64_t freed, hfreed;
	/* freed_all when freed (hfreed) was last found to be the sum: the
	 * same sum while freed_all has not moved, and no need to add it up */
	uint64_t freed_at, hfreed_at;
	uint32_t hn, hcap;   /* the hold's nodes; room in hslots */
	cs_slot *hslots;
	/* the stamp of the hold placement hslots was last found equal to
	 * (engine_int.h's hold_stamp): equal while that placement stands,
	 * without comparing the slots */
	uint64_t hstamp;
	uint64_t fit_ver;    /* 1 + its node types' version when it last fitted (cs_shape_fit), 0: none */
	uint32_t dom_seen;   /* c->dom_ver when dom_failed last found no refusal */
};

/* Of a partition (not the scratch one), the shapes that did not fit what
 * was free since it last got anything back (part_freed at freed), none
 * asking no less of everything than another of the same topology rule:
 * a shape of that rule asking no less of anything fits no better (see
 * dom_failed). At most DOM_MAX, the oldest dropped first. */
#define DOM_MAX 8
struct dom_key {
	uint32_t nodes, gpus, cores, mem, topo;
};
struct dom_list {
	uint64_t freed;
	uint64_t at;  /* freed_all when freed was last found to be part_freed */
	uint32_t n;
	struct dom_key k[DOM_MAX];
};

/* What shape entry e asks, as the allocator reads it (cs_job_request:
 * the GPU count in 16 bits; the readers keep it under 1,025). */
static struct dom_key dom_key_of(const struct shape_ent *e)
{
	return (struct dom_key){ e->key.nodes, (uint16_t)e->key.gpus, e->key.cores, e->key.mem, e->key.topo };
}

/* Does a ask no more of anything than b, under the same topology rule? */
static int dom_le(const struct dom_key *a, const struct dom_key *b)
{
	return a->topo == b->topo && a->nodes <= b->nodes && a->gpus <= b->gpus && a->cores <= b->cores &&
	       a->mem <= b->mem;
}

/* shape_of's look-up by key, for a job not met yet under its partition
 * (out of line: shape_of's usual case then needs no registers saved). */
static __attribute__((noinline)) struct shape_ent *shape_find(cs_sched_ctx *c, const cs_job *j)
{
	uint32_t jid = (uint32_t)(j - c->jobs), id;
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

/* The entry of job j's shape (made if new), or NULL when out of memory.
 * An entry stays where it is until the next new shape. */
static inline struct shape_ent *shape_of(cs_sched_ctx *c, const cs_job *j)
{
	uint32_t id = c->job_shape[j - c->jobs];
	if (id != UINT32_MAX && c->shp[id].key.part == j->partition)
		return &c->shp[id]; /* (only a job's partition changes in a run) */
	return shape_find(c, j);
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

void cs_shape_memo_reset(cs_sched_ctx *c) { c->memo_gen++; }

/* type_freed summed over job j's node types. */
static __attribute__((noinline)) uint64_t freed_add(const cs_sched_ctx *c, const cs_job *j)
{
	uint64_t mask = cs_place_mask(c, (uint32_t)(j - c->jobs));
	uint64_t v = 0;
	if (mask == ~0ull) {
		for (uint32_t t = 0; t < c->ntypes; t++)
			v += c->type_freed[t];
	} else {
		/* (its types under 64 that the machine has, one bit at a time) */
		if (c->ntypes < 64)
			mask &= (1ull << c->ntypes) - 1;
		for (; mask; mask &= mask - 1)
			v += c->type_freed[__builtin_ctzll(mask)];
	}
	return v;
}

/* type_freed summed over job j's node types: kept per partition
 * (part_freed), all of them (freed_all) for a job of none; added up for
 * the scratch partition, whose types change (and shape_ent keeps nothing
 * of it). */
static inline uint64_t freed_count(const cs_sched_ctx *c, const cs_job *j)
{
	int32_t p = j->partition;
	if (p < 0 || (uint32_t)p >= c->npart)
		return c->freed_all; /* (cs_place_mask ~0: every type) */
	if (c->sets && p == (int32_t)c->npart - 1)
		return freed_add(c, j);
	return c->part_freed[p];
}

/* Is want (an entry's freed or hfreed, *at its freed_at or hfreed_at)
 * freed_count's sum for job j now? Known without the sum while freed_all
 * has not moved since it last was. */
static int freed_same(const cs_sched_ctx *c, const cs_job *j, uint64_t want, uint64_t *at)
{
	if (*at == c->freed_all)
		return 1;
	if (want != freed_count(c, j))
		return 0;
	*at = c->freed_all;
	return 1;
}

/* May what is known of job j's shape be kept across passes? */
static int keepable(const cs_sched_ctx *c, const cs_job *j)
{
	return !c->plain && !(c->sets && j->partition == (int32_t)c->npart - 1);
}

/* cs_shape_failed where the pass's memo does not answer and e keeps a
 * failure from an earlier pass. (It and failed_find are out of line: the
 * usual answers, from the memo, then need no registers saved.) */
static __attribute__((noinline)) int kept_failed(const cs_sched_ctx *c, const cs_job *j, struct shape_ent *e)
{
	if (!freed_same(c, j, e->freed, &e->freed_at)) {
		/* the sum only grows: never again e->freed, nothing kept */
		e->kept &= (uint8_t)~1u;
		return 0;
	}
	memo_set(c, e, 1); /* found the faster next time in this pass */
	return 1;
}

/* (tests: each dominance refusal tried as well) */
static _Thread_local int dom_check;
static _Thread_local uint64_t dom_refused, dom_differ;
void cs_shape_dom_check(int on) { dom_check = on; }
uint64_t cs_shape_dom_refused(void) { return dom_refused; }
uint64_t cs_shape_dom_differ(void) { return dom_differ; }

/* Does job jid fit what is free now, by the allocator's answer alone? */
static int fits_free(cs_sched_ctx *c, uint32_t jid)
{
	cs_slot *s = malloc(c->jobs[jid].nodes * sizeof *s);
	if (!s)
		return 0;
	cs_placement p = { s, c->jobs[jid].nodes, 0 };
	int dry = c->dry;
	c->dry = 2;
	int rc = cs_place_types(c, jid, &p);
	c->dry = dry;
	free(s);
	return rc == 0;
}

/* dom_failed's refusal of job j (shape entry e), its partition's count
 * at freed (out of line: the usual answer, none, then saves fewer
 * registers). */
static __attribute__((noinline)) int dom_refuse(cs_sched_ctx *c, const cs_job *j, struct shape_ent *e, uint64_t freed)
{
	dom_refused++;
	if (dom_check)
		dom_differ += (uint64_t)fits_free(c, (uint32_t)(j - c->jobs));
	memo_set(c, e, 1);
	e->kept |= 1;
	e->freed = freed;
	e->freed_at = c->freed_all;
	return 1;
}

/* Job j (of shape entry e) asks no less of anything than a shape of its
 * partition and topology rule that did not fit what was free, and its
 * partition got nothing back since: it does not fit either. For the
 * requests the engine makes (nodes > 0, shared, on the partition's node
 * types in order), the allocator fails on a node type only where no
 * placement exists under every fit (choose.c): pick_one and the fast
 * path look at every bucket of g or more free GPUs and every idle node
 * of a type that holds the request (a bucket's bounds only skip what
 * cannot fit), frag_pick and frag_idle the same, and pick_shared counts
 * every fitting node, per leaf or block for a topology rule, taking the
 * leaves largest first (the fewest for max_leaves); a node fits by its
 * free counts alone (which GPUs and cores is nodepick's choice, which
 * cannot fail). N nodes fitting j's shape under its rule hold N' <= N
 * nodes fitting the smaller one, on as few leaves, in the same block;
 * and what is free there only shrank since (as for kept_failed). Then j
 * fails as a try would: in this pass's memo, and kept. */
static __attribute__((noinline)) int dom_failed(cs_sched_ctx *c, const cs_job *j, struct shape_ent *e)
{
	uint32_t p = (uint32_t)j->partition, i = 0;
	struct dom_list *d = p < c->npart ? &c->dom[p] : NULL;
	if (d && d->n && d->at != c->freed_all) {
		if (d->freed != c->part_freed[p])
			d->n = 0; /* the count only grows: none stands again */
		else
			d->at = c->freed_all;
	}
	const struct dom_key k = dom_key_of(e);
	while (d && i < d->n && !dom_le(&d->k[i], &k))
		i++;
	if (!d || i == d->n) {
		/* none refuses it while no list changes (a list whose count
		 * moved refuses nothing) */
		e->dom_seen = c->dom_ver;
		return 0;
	}
	return dom_refuse(c, j, e, d->freed);
}

/* Job j of shape entry e did not fit what was free (no reservation kept
 * off), a shape kept: among its partition's least failed shapes. */
static void dom_add(cs_sched_ctx *c, const cs_job *j, const struct shape_ent *e)
{
	uint32_t p = (uint32_t)j->partition;
	if (p >= c->npart)
		return; /* (a job of none: not kept) */
	struct dom_list *d = &c->dom[p];
	if (d->freed != c->part_freed[p]) {
		d->n = 0;
		d->freed = c->part_freed[p];
	}
	d->at = c->freed_all;
	const struct dom_key k = dom_key_of(e);
	for (uint32_t i = 0; i < d->n; i++)
		if (dom_le(&d->k[i], &k))
			return; /* known already */
	uint32_t w = 0;
	for (uint32_t i = 0; i < d->n; i++)
		if (!dom_le(&k, &d->k[i]))
			d->k[w++] = d->k[i];
	if (w == DOM_MAX) {
		memmove(d->k, d->k + 1, (DOM_MAX - 1) * sizeof *d->k);
		w--;
	}
	d->k[w++] = k;
	d->n = w;
	c->dom_ver++;
}

/* failed_in's kept failure, then its partition's failed shapes. */
static __attribute__((noinline)) int kept_or_dom_failed(cs_sched_ctx *c, const cs_job *j, struct shape_ent *e)
{
	if ((e->kept & 1) && kept_failed(c, j, e))
		return 1;
	return dom_failed(c, j, e);
}

/* cs_shape_failed for job j of shape entry e (the lists asked only where
 * they may refuse: otherwise kept_failed is the last call, made as a
 * jump, and nothing need be kept across it). */
static inline int failed_in(cs_sched_ctx *c, const cs_job *j, struct shape_ent *e, unsigned mask)
{
	if (e->gen == c->memo_gen && (e->failed & mask))
		return 1;
	if (!(mask & 1))
		return 0;
	if (e->dom_seen != c->dom_ver) /* (never before a list is kept: both 0) */
		return kept_or_dom_failed(c, j, e);
	if (!(e->kept & 1))
		return 0;
	return kept_failed(c, j, e); /* (0 or 1) */
}

/* cs_shape_failed for a job whose entry shape_of would look up by key. */
static __attribute__((noinline)) int failed_find(cs_sched_ctx *c, const cs_job *j, unsigned mask)
{
	struct shape_ent *e = shape_find(c, j);
	return e ? failed_in(c, j, e, mask) : 0;
}

int cs_shape_failed(cs_sched_ctx *c, const cs_job *j, unsigned mask)
{
	/* shape_of's usual case */
	uint32_t id = c->job_shape[j - c->jobs];
	if (id == UINT32_MAX || c->shp[id].key.part != j->partition)
		return failed_find(c, j, mask);
	return failed_in(c, j, &c->shp[id], mask);
}

uint64_t cs_shape_kept_key(cs_sched_ctx *c, uint32_t jid)
{
	const cs_job *j = &c->jobs[jid];
	uint32_t id = c->job_shape[jid];
	if (id == UINT32_MAX || c->shp[id].key.part != j->partition)
		return 0; /* not met yet under its partition: nothing kept */
	struct shape_ent *e = &c->shp[id];
	/* kept bit 0 stands while the count is e->freed: it is cleared only
	 * once the count moved, and e->freed is set only to the count then;
	 * the count only grows, so the same count later finds it as now */
	if (!(e->kept & 1) || !keepable(c, j) || !freed_same(c, j, e->freed, &e->freed_at))
		return 0;
	return e->freed + 1;
}

uint64_t cs_shape_part_key(cs_sched_ctx *c, uint32_t jid)
{
	const cs_job *j = &c->jobs[jid];
	return keepable(c, j) ? freed_count(c, j) + 1 : 0;
}

void cs_shape_fail(cs_sched_ctx *c, const cs_job *j, unsigned bit)
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
		e->freed_at = c->freed_all;
		if (c->dom_on)
			dom_add(c, j, e);
	}
}

void cs_shape_fit(cs_sched_ctx *c, const cs_job *j, uint64_t ver)
{
	struct shape_ent *e = keepable(c, j) ? shape_of(c, j) : NULL;
	if (e)
		e->fit_ver = ver + 1;
}

int cs_shape_fits(cs_sched_ctx *c, const cs_job *j, uint64_t ver)
{
	struct shape_ent *e = keepable(c, j) ? shape_of(c, j) : NULL;
	return e && e->fit_ver == ver + 1;
}

/* The one hold on job jid's node types that cs_place_start would set
 * aside for it, placed (its slots, *n of them, the placement's stamp in
 * *stamp), or NULL: none, several, one not placed yet, or one of jid's
 * own. */
static const cs_slot *one_hold(const cs_sched_ctx *c, uint32_t jid, uint32_t *n, uint64_t *stamp)
{
	if (!c->nxh) {
		if (!c->hold_on || c->hold_lazy || jid == c->hold_jid)
			return NULL;
		*n = c->hold_n;
		*stamp = c->hold_stamp;
		return c->hold_slots;
	}
	uint64_t mask = cs_place_mask(c, jid);
	const cs_slot *s = NULL;
	if (c->hold_on && jid != c->hold_jid && (mask & c->hold_mask)) {
		if (c->hold_lazy)
			return NULL;
		s = c->hold_slots;
		*n = c->hold_n;
		*stamp = c->hold_stamp;
	}
	for (size_t i = 0; i < c->nxh; i++) {
		const struct xhold *h = &c->xh[i];
		if (h->jid == UINT32_MAX || !(mask & h->mask))
			continue;
		if (h->jid == jid || h->lazy || s)
			return NULL;
		s = c->xh_slots + h->first;
		*n = h->n;
		*stamp = h->stamp;
	}
	return s;
}

static __attribute__((noinline)) int hold_kept_failed(cs_sched_ctx *c, uint32_t jid, const cs_slot *s, uint32_t n,
						       uint64_t stamp);

/* Bit 1 of the memo (mask 2) for job jid (it failed beside the one hold on its
 * node types in this pass), or learnt from an earlier pass (the shape's
 * hslots, hfreed), then kept in the pass's memo as a failed try would. */
int cs_shape_hold_failed(cs_sched_ctx *c, uint32_t jid)
{
	if (cs_shape_failed(c, &c->jobs[jid], 2))
		return 1;
	uint32_t n = 0;
	uint64_t stamp = 0;
	const cs_slot *s = one_hold(c, jid, &n, &stamp);
	return hold_kept_failed(c, jid, s, n, stamp);
}

int cs_shape_hold_failed_on(cs_sched_ctx *c, uint32_t jid, const cs_slot *s, uint32_t n, uint64_t stamp)
{
	if (cs_shape_failed(c, &c->jobs[jid], 2))
		return 1;
	return hold_kept_failed(c, jid, s, n, stamp);
}

/* cs_shape_hold_failed where the pass's memo does not answer (out of
 * line, as kept_failed), beside one_hold's answer s (n slots, stamp). */
static int hold_kept_failed(cs_sched_ctx *c, uint32_t jid, const cs_slot *s, uint32_t n, uint64_t stamp)
{
	const cs_job *j = &c->jobs[jid];
	struct shape_ent *e = s && !c->nm->nresv ? shape_of(c, j) : NULL;
	if (!e || !(e->kept & 2) || e->hn != n || !freed_same(c, j, e->hfreed, &e->hfreed_at))
		return 0;
	if (e->hstamp != stamp) {
		for (uint32_t i = 0; i < n; i++)
			if (!cs_slot_same(&e->hslots[i], &s[i]))
				return 0;
		e->hstamp = stamp;
	}
	memo_set(c, e, 2);
	return 1;
}

/* Job jid did not fit beside the one hold on its node types: bit 2 of
 * the memo, and kept for later passes. */
void cs_shape_hold_fail(cs_sched_ctx *c, uint32_t jid)
{
	const cs_job *j = &c->jobs[jid];
	cs_shape_fail(c, j, 2);
	uint32_t n;
	uint64_t stamp;
	const cs_slot *s = one_hold(c, jid, &n, &stamp);
	struct shape_ent *e = s && !c->nm->nresv && keepable(c, j) ? shape_of(c, j) : NULL;
	if (!e)
		return;
	e->kept &= (uint8_t)~2u;
	if (cs_place_copy_slots(&e->hslots, &e->hcap, s, n) < 0)
		return; /* not kept: tried again when asked */
	e->kept |= 2;
	e->hn = n;
	e->hstamp = stamp;
	e->hfreed = freed_count(c, j);
	e->hfreed_at = c->freed_all;
}

/* Does job jid fit the empty machine (nodes_open asks of every job before
 * the run)? The answer is its shape's: a shape that fitted is kept in the
 * memo (bit 2), which the caller resets after. 0, or the allocator's error. */
int cs_shape_fits_empty(cs_sched_ctx *c, uint32_t jid)
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

int cs_shape_init(cs_sched_ctx *c)
{
	c->shp_cap = 256;
	c->shp_idx_cap = 1024;
	c->shp = malloc(c->shp_cap * sizeof *c->shp);
	c->shp_idx = malloc(c->shp_idx_cap * sizeof *c->shp_idx);
	c->job_shape = malloc((c->njobs + 1) * sizeof *c->job_shape);
	c->dom = calloc((size_t)c->npart + 1, sizeof *c->dom);
	if (!c->shp || !c->shp_idx || !c->job_shape || !c->dom)
		return -CS_ENOMEM;
	memset(c->shp_idx, 0xff, c->shp_idx_cap * sizeof *c->shp_idx);
	memset(c->job_shape, 0xff, (c->njobs + 1) * sizeof *c->job_shape);
	return 0;
}

void cs_shape_free(cs_sched_ctx *c)
{
	for (uint32_t i = 0; i < c->nshp; i++)
		free(c->shp[i].hslots);
	free(c->shp);
	free(c->shp_idx);
	free(c->job_shape);
	free(c->dom);
}
