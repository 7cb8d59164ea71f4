/* capsim: the hot-path allocator: construction, state changes, queries.
 * See include/capsim/alloc.h; the indexes are described in alloc_int.h,
 * choosing is in choose.c. */
#include "alloc_int.h"

#include <stdio.h>
#include <stdlib.h>

/* --- state changes --- */

/* Bring leaf_idle (and per type), leaf_by_idle and block_idle up to date
 * for the marked leaves: their idle nodes counted in the idle bitmaps. */
void cs_al_sync_leaves(cs_alloc *a)
{
	for (uint32_t w = 0; w < (a->nleaves + 63) / 64; w++) {
		for (uint64_t x = a->leaf_dirty[w]; x; x &= x - 1) {
			uint32_t lf = w * 64 + (uint32_t)__builtin_ctzll(x);
			uint32_t lo = a->leaf_first[lf], hi = a->leaf_first[lf + 1];
			uint32_t cur = 0, rec = a->leaf_idle[lf];
			if (!a->glob) {
				cur = cs_hbm_count_range(&a->idle_own, lo, hi);
			} else {
				/* per type, and the leaf's count their sum */
				for (uint32_t t = 0; t < a->ntypes; t++) {
					uint32_t k = cs_hbm_count_range(&a->idle_t[t], lo, hi);
					a->leaf_type_idle[(size_t)lf * a->ntypes + t] = k;
					cur += k;
				}
			}
			a->leaf_idle[lf] = cur;
			if (cur == rec)
				continue;
			if (cs_hbm_clear_last(&a->leaf_by_idle[rec], lf))
				a->leaf_cnts[rec >> 6] &= ~(1ULL << (rec & 63));
			cs_hbm_set(&a->leaf_by_idle[cur], lf);
			a->leaf_cnts[cur >> 6] |= 1ULL << (cur & 63);
			if (a->lpb)
				a->block_idle[lf / a->lpb] += cur - rec;
		}
		a->leaf_dirty[w] = 0;
	}
}

/* The same, counting the free GPUs (construction and cs_alloc_take). */
static void set_node(cs_alloc *a, uint32_t n, uint16_t gmask, uint32_t cores, uint32_t mem)
{
	if (a->glob)
		set_node_x(a, n, gmask, cs_pop16(gmask), cm_of(cores, mem), 1, SET_ANY);
	else
		set_node_x(a, n, gmask, cs_pop16(gmask), cm_of(cores, mem), 0, SET_ANY);
}

/* --- construction --- */

void cs_alloc_free(cs_alloc *a)
{
	if (!a)
		return;
	for (unsigned f = 0; f <= MAXG; f++)
		cs_hbm_free(&a->byfree_own[f]);
	cs_hbm_free(&a->idle_own);
	cs_hbm_free(&a->somefree);
	if (a->glob) { /* with one type these are the struct's own */
		for (uint32_t t = 0; a->idle_t && t < a->ntypes; t++)
			cs_hbm_free(&a->idle_t[t]);
		for (size_t k = 0; a->byfree_t && k < (size_t)a->ntypes * (MAXG + 1); k++)
			cs_hbm_free(&a->byfree_t[k]);
		free(a->byfree_t);
		free(a->ub_t);
		free(a->busy_mask_t);
		free(a->idle_t);
	}
	for (uint32_t t = 0; a->groups && t < a->ntypes; t++)
		cs_nodepick_free(&a->groups[t]);
	free(a->free_gpus_t);
	for (uint32_t c = 0; a->leaf_by_idle && c <= a->maxc; c++)
		cs_hbm_free(&a->leaf_by_idle[c]);
	free(a->leaf_by_idle);
	free(a->types);
	free(a->full_cm);
	if (a->groups != &a->group0)
		free(a->groups);
	free(a->leaf_first);
	free(a->ns);
	free(a->leaf_idle);
	free(a->leaf_dirty);
	if (a->leaf_type_idle != a->leaf_idle)
		free(a->leaf_type_idle);
	free(a->block_idle);
	free(a->pick);
	free(a->lscratch);
	free(a->lcount);
	free(a->among);
	if (a->idle_by_type != &a->nidle)
		free(a->idle_by_type);
	free(a);
}

int cs_alloc_new(cs_alloc **out, const cs_alloc_layout *l, cs_fit fit, char *err, size_t errlen)
{
	*out = NULL;
	if (l->nnodes == 0 || l->ntypes == 0 || l->nleaves == 0 || l->leaf_first[0] != 0 ||
	    l->leaf_first[l->nleaves] != l->nnodes) {
		snprintf(err, errlen, "allocator layout: need nodes, node types and leaves covering the nodes");
		return -CS_EINVAL;
	}
	uint32_t maxc = 0;
	for (uint32_t i = 0; i < l->nleaves; i++) {
		if (l->leaf_first[i + 1] < l->leaf_first[i]) {
			snprintf(err, errlen, "allocator layout: leaf %u: node range goes backwards", i);
			return -CS_EINVAL;
		}
		uint32_t c = l->leaf_first[i + 1] - l->leaf_first[i];
		if (c > CS_ALLOC_MAX_LEAF_NODES) {
			snprintf(err, errlen, "allocator layout: leaf %u has %u nodes (at most %u)", i, c,
				 CS_ALLOC_MAX_LEAF_NODES);
			return -CS_EINVAL;
		}
		if (c > maxc)
			maxc = c;
	}
	for (uint32_t t = 0; t < l->ntypes; t++)
		if (l->types[t].gpus > MAXG) {
			snprintf(err, errlen, "allocator layout: node type %u has %u GPUs (at most %u)", t,
				 l->types[t].gpus, MAXG);
			return -CS_EINVAL;
		}
	cs_alloc *a = calloc(1, sizeof *a);
	if (!a)
		return -CS_ENOMEM;
	a->fit = fit;
	a->nnodes = l->nnodes;
	a->ntypes = l->ntypes;
	a->glob = l->ntypes > 1;
	a->nleaves = l->nleaves;
	a->lpb = l->leaves_per_block;
	a->nblocks = a->lpb ? (a->nleaves + a->lpb - 1) / a->lpb : 0;
	a->maxc = maxc;
	a->types = malloc(l->ntypes * sizeof *a->types);
	a->full_cm = malloc(l->ntypes * sizeof *a->full_cm);
	a->groups = a->glob ? calloc(l->ntypes, sizeof *a->groups) : &a->group0;
	a->leaf_first = malloc((l->nleaves + 1) * sizeof *a->leaf_first);
	a->ns = aligned_alloc(64, (size_t)l->nnodes * sizeof *a->ns);
	a->idle_t = a->glob ? calloc(l->ntypes, sizeof *a->idle_t) : &a->idle_own;
	a->leaf_by_idle = calloc(maxc + 1, sizeof *a->leaf_by_idle);
	a->leaf_idle = calloc(l->nleaves, sizeof *a->leaf_idle);
	a->leaf_dirty = calloc((l->nleaves + 63) / 64, sizeof *a->leaf_dirty);
	a->leaf_type_idle = a->glob ? calloc((size_t)l->nleaves * l->ntypes, sizeof *a->leaf_type_idle)
				    : a->leaf_idle;
	a->block_idle = calloc(a->nblocks ? a->nblocks : 1, sizeof *a->block_idle);
	a->pick = malloc(l->nnodes * sizeof *a->pick);
	a->lscratch = malloc(l->nleaves * sizeof *a->lscratch);
	a->lcount = malloc(l->nleaves * sizeof *a->lcount);
	a->among = malloc(l->nnodes * sizeof *a->among);
	a->idle_by_type = a->glob ? calloc(l->ntypes, sizeof *a->idle_by_type) : &a->nidle;
	size_t nb = (size_t)l->ntypes * (MAXG + 1);
	a->byfree_t = a->glob ? calloc(nb, sizeof *a->byfree_t) : a->byfree_own;
	a->ub_t = a->glob ? calloc(nb, sizeof *a->ub_t) : a->ub_own;
	a->busy_mask_t = a->glob ? calloc(l->ntypes, sizeof *a->busy_mask_t) : &a->busy_mask_own;
	a->free_gpus_t = calloc(l->ntypes, sizeof *a->free_gpus_t);
	int bad = !a->byfree_t || !a->ub_t || !a->busy_mask_t || !a->free_gpus_t || !a->types || !a->full_cm ||
		  !a->groups || !a->leaf_first || !a->ns || !a->idle_t || !a->leaf_by_idle || !a->leaf_idle ||
		  !a->leaf_dirty || !a->leaf_type_idle || !a->block_idle ||
		  !a->pick || !a->lscratch || !a->lcount || !a->among || !a->idle_by_type;
	for (unsigned f = 0; !bad && f <= MAXG; f++)
		bad = cs_hbm_init(&a->byfree_own[f], l->nnodes) < 0;
	if (!bad)
		bad = cs_hbm_init(&a->idle_own, l->nnodes) < 0 || cs_hbm_init(&a->somefree, l->nnodes) < 0;
	for (uint32_t t = 0; !bad && t < l->ntypes; t++)
		bad = (a->glob && cs_hbm_init(&a->idle_t[t], l->nnodes) < 0) ||
		      cs_nodepick_init(&a->groups[t], &l->types[t]) < 0;
	for (size_t k = 0; !bad && a->glob && k < nb; k++)
		bad = cs_hbm_init(&a->byfree_t[k], l->nnodes) < 0;
	for (uint32_t c = 0; !bad && c <= maxc; c++)
		bad = cs_hbm_init(&a->leaf_by_idle[c], l->nleaves) < 0;
	if (bad) {
		cs_alloc_free(a);
		return -CS_ENOMEM;
	}
	memcpy(a->types, l->types, l->ntypes * sizeof *a->types);
	for (uint32_t t = 0; t < l->ntypes; t++)
		a->full_cm[t] = cm_of(l->types[t].cores, l->types[t].mem_mib);
	a->full_cm0 = a->full_cm[0];
	a->gpus0 = l->types[0].gpus;
	a->cores0 = l->types[0].cores;
	a->mem0 = l->types[0].mem_mib;
	memcpy(a->leaf_first, l->leaf_first, (l->nleaves + 1) * sizeof *a->leaf_first);
	for (uint32_t lf = 0; lf < l->nleaves; lf++) {
		cs_hbm_set(&a->leaf_by_idle[0], lf);
		a->leaf_cnts[0] |= 1;
		for (uint32_t n = l->leaf_first[lf]; n < l->leaf_first[lf + 1]; n++) {
			uint16_t t = l->node_type[n];
			if (t >= l->ntypes) {
				snprintf(err, errlen, "allocator layout: node %u has type %u of %u", n, t, l->ntypes);
				cs_alloc_free(a);
				return -CS_EINVAL;
			}
			/* start busy with nothing free, then free everything */
			a->ns[n] = (node_st){ .leaf = lf, .type = t };
			memcpy(a->ns[n].cmask, a->groups[t].all, sizeof a->ns[n].cmask);
			size_t k0 = (size_t)t * (MAXG + 1);
			cs_hbm_set(&a->byfree_t[k0], n);
			a->busy_mask_t[t] |= 1u;
			if (a->glob) {
				cs_hbm_set(&a->byfree_own[0], n);
				a->busy_mask_own |= 1u;
			}
			const cs_alloc_type *ty = &a->types[t];
			set_node(a, n, (uint16_t)((1u << ty->gpus) - 1u), ty->cores, ty->mem_mib);
		}
	}
	cs_al_sync_leaves(a);
	*out = a;
	return 0;
}
/* Give back one slot. A slot's core mask has no bits outside its node's
 * cores (the allocator made it, or cs_alloc_take checked it), so every
 * word is or-ed in without looking at the node type. */
static inline __attribute__((always_inline)) void give_x(cs_alloc *a, const cs_slot *sl, int glob, int bmi)
{
	node_st *s = &a->ns[sl->node];
	uint64_t cm = slot_cm(sl);
	if (!(sl->gpu_mask | cm))
		return; /* nothing to give: the node may be idle */
	_Static_assert(CW == 4, "the core mask is or-ed word by word below");
	s->cmask[0] |= sl->core_mask[0]; /* written out: a loop of four is not unrolled at -O2 */
	s->cmask[1] |= sl->core_mask[1];
	s->cmask[2] |= sl->core_mask[2];
	s->cmask[3] |= sl->core_mask[3];
	unsigned back = bmi ? cs_popcnt_asm(sl->gpu_mask) : cs_pop16(sl->gpu_mask);
	set_node_x(a, sl->node, (uint16_t)(s->gmask | sl->gpu_mask), s->nfree + back, node_cm(s) + cm, glob,
		   SET_GIVE);
}

static __attribute__((noinline)) void release_n(cs_alloc *a, const cs_placement *p)
{
	for (uint32_t i = 0; i < p->n; i++) {
		if (a->glob)
			give_x(a, &p->slots[i], 1, 0);
		else
			give_x(a, &p->slots[i], 0, 0);
	}
}

static __attribute__((noinline)) void give1(cs_alloc *a, const cs_slot *sl) { give_x(a, sl, 0, 0); }
static FAST_BMI2 void give1_bmi2(cs_alloc *a, const cs_slot *sl) { give_x(a, sl, 0, 1); }

void cs_alloc_release(cs_alloc *a, const cs_placement *p)
{
	if (p->n != 1 || a->glob)
		release_n(a, p);
	else if (cs_have_bmi2) /* one slot, one node type: the fast path's give back */
		give1_bmi2(a, p->slots);
	else
		give1(a, p->slots);
}

int cs_alloc_take(cs_alloc *a, const cs_placement *p)
{
	for (uint32_t i = 0; i < p->n; i++) {
		const cs_slot *sl = &p->slots[i];
		if (sl->node >= a->nnodes)
			return -CS_EINVAL;
		const cs_nodepick *np = &a->groups[a->ns[sl->node].type];
		if (np->cw && cs_pop_mask(sl->core_mask, np->cw) != sl->cores)
			return -CS_EINVAL;
		for (unsigned w = 0; w < CW; w++)
			if (sl->core_mask[w] & ~np->all[w])
				return -CS_EINVAL; /* a core the node does not have (any, without a core mask) */
	}
	/* a node may appear in several slots: check as we apply, and undo on
	 * the first shortfall */
	for (uint32_t i = 0; i < p->n; i++) {
		const cs_slot *sl = &p->slots[i];
		node_st *s = &a->ns[sl->node];
		unsigned cw = a->groups[s->type].cw;
		uint64_t over = 0;
		for (unsigned w = 0; w < cw; w++)
			over |= sl->core_mask[w] & ~s->cmask[w];
		if ((sl->gpu_mask & ~s->gmask) || sl->cores > s->cores || sl->mem_mib > s->mem || over) {
			cs_placement done = { p->slots, p->n, i };
			cs_alloc_release(a, &done);
			return -CS_ENOFIT;
		}
		for (unsigned w = 0; w < cw; w++)
			s->cmask[w] &= ~sl->core_mask[w];
		set_node(a, sl->node, (uint16_t)(s->gmask & ~sl->gpu_mask), s->cores - sl->cores,
			 s->mem - sl->mem_mib);
	}
	return 0;
}

/* One slot known to be free now: its GPUs, cores and memory off node
 * sl->node, without cs_alloc_take's checks. */
static inline __attribute__((always_inline)) void take_known_x(cs_alloc *a, const cs_slot *sl, int glob)
{
	node_st *s = &a->ns[sl->node];
	uint64_t cm = slot_cm(sl);
	if (!(sl->gpu_mask | cm))
		return; /* nothing to take (cs_alloc_take would change nothing) */
	_Static_assert(CW == 4, "the core mask is cleared word by word below");
	s->cmask[0] &= ~sl->core_mask[0]; /* no bits outside the node's cores: see give_x */
	s->cmask[1] &= ~sl->core_mask[1];
	s->cmask[2] &= ~sl->core_mask[2];
	s->cmask[3] &= ~sl->core_mask[3];
	set_node_x(a, sl->node, (uint16_t)(s->gmask & ~sl->gpu_mask), s->nfree - cs_pop16(sl->gpu_mask),
		   node_cm(s) - cm, glob, SET_TAKE);
}

void cs_alloc_take_known(cs_alloc *a, const cs_placement *p)
{
	for (uint32_t i = 0; i < p->n; i++) {
		if (a->glob)
			take_known_x(a, &p->slots[i], 1);
		else
			take_known_x(a, &p->slots[i], 0);
	}
}

int cs_alloc_take_free_part(cs_alloc *a, const cs_slot *want, cs_slot *out)
{
	const node_st *s = &a->ns[want->node];
	if (!(s->gmask | s->cores | s->mem)) {
		/* nothing free there: cs_alloc_free_part's empty part */
		*out = (cs_slot){ .node = want->node };
		return 0;
	}
	cs_alloc_free_part(a, want, out);
	if (!(out->gpu_mask | out->cores | out->mem_mib))
		return 0;
	cs_placement one = { out, 1, 1 };
	cs_alloc_take_known(a, &one);
	return 1;
}

/* --- queries --- */

void cs_alloc_portable(int on) { cs_nodepick_portable(on); }

uint32_t cs_alloc_nnodes(const cs_alloc *a) { return a->nnodes; }
uint64_t cs_alloc_free_gpus(const cs_alloc *a) { return a->free_gpus; }
uint32_t cs_alloc_idle_nodes(const cs_alloc *a) { return a->nidle; }
uint32_t cs_alloc_nodes_with_free_gpus(const cs_alloc *a, unsigned f)
{
	if (f > MAXG)
		return 0;
	uint32_t k = cs_hbm_count(&a->byfree_own[f]);
	for (uint32_t t = 0; t < a->ntypes; t++)
		k += a->types[t].gpus == f ? a->idle_by_type[t] : 0;
	return k;
}
uint32_t cs_alloc_leaf_idle(const cs_alloc *a, uint32_t l)
{
	return l < a->nleaves ? cs_hbm_count_range(&a->idle_own, a->leaf_first[l], a->leaf_first[l + 1]) : 0;
}
uint32_t cs_alloc_leaf_free_gpus(const cs_alloc *a, uint32_t l)
{
	uint32_t k = 0;
	for (uint32_t n = l < a->nleaves ? a->leaf_first[l] : 0; l < a->nleaves && n < a->leaf_first[l + 1]; n++)
		k += a->ns[n].nfree;
	return k;
}
uint32_t cs_alloc_node_type(const cs_alloc *a, uint32_t node) { return node < a->nnodes ? a->ns[node].type : 0; }
int cs_alloc_types_apart(const cs_alloc *a) { return a->fit == CS_FIT_FIRST || a->fit == CS_FIT_BEST; }
uint32_t cs_alloc_node_leaf(const cs_alloc *a, uint32_t node) { return node < a->nnodes ? a->ns[node].leaf : 0; }
uint32_t cs_alloc_nleaves(const cs_alloc *a) { return a->nleaves; }
uint32_t cs_alloc_leaves_per_block(const cs_alloc *a) { return a->lpb; }

void cs_alloc_node_state(const cs_alloc *a, uint32_t node, uint16_t *gpu_mask, uint32_t *cores,
			 uint32_t *mem_mib)
{
	*gpu_mask = a->ns[node].gmask;
	*cores = a->ns[node].cores;
	*mem_mib = a->ns[node].mem;
}

void cs_alloc_node_counts(const cs_alloc *a, uint32_t node, uint32_t *gpus, uint32_t *cores, uint32_t *mem_mib)
{
	const node_st *s = &a->ns[node];
	*gpus = s->nfree;
	*cores = s->cores;
	*mem_mib = s->mem;
}

const unsigned char *cs_alloc_records(const cs_alloc *a) { return (const unsigned char *)a->ns; }

long cs_alloc_next_somefree(const cs_alloc *a, uint32_t from)
{
	return cs_hbm_next(&a->somefree, from);
}

/* The nodes of one bitmap into out from *n on, up to cap: 0, or -1 where
 * there were more. */
static int list_set(const cs_hbm *b, uint32_t *out, uint32_t *n, uint32_t cap)
{
	cs_hbm_words it = cs_hbm_words_of(b);
	for (long w; (w = cs_hbm_word_next(&it)) >= 0;)
		for (uint64_t m = b->l0[w]; m; m &= m - 1) {
			if (*n >= cap)
				return -1;
			out[(*n)++] = (uint32_t)w * 64 + (uint32_t)__builtin_ctzll(m);
		}
	return 0;
}

uint32_t cs_alloc_nodes_gpus_free(const cs_alloc *a, uint32_t type, unsigned g, uint32_t *out, uint32_t cap)
{
	uint32_t n = 0;
	if (!g || g > MAXG || type >= a->ntypes || (a->glob ? a->types[type].gpus : a->gpus0) < g)
		return 0; /* (no node of the type has g) */
	/* with one type, the global indexes are its own */
	const cs_hbm *bt = a->glob ? &a->byfree_t[(size_t)type * (MAXG + 1)] : a->byfree_own;
	uint32_t busy = (a->glob ? a->busy_mask_t[type] : a->busy_mask_own) >> g << g;
	if (list_set(a->glob ? &a->idle_t[type] : &a->idle_own, out, &n, cap) < 0)
		return cap + 1;
	for (; busy; busy &= busy - 1)
		if (list_set(&bt[__builtin_ctz(busy)], out, &n, cap) < 0)
			return cap + 1;
	return n;
}

void cs_alloc_node_free(const cs_alloc *a, uint32_t node, cs_slot *out)
{
	const node_st *s = &a->ns[node];
	*out = (cs_slot){ .node = node, .gpu_mask = s->gmask, .cores = s->cores, .mem_mib = s->mem };
	memcpy(out->core_mask, s->cmask, sizeof out->core_mask);
}

/* The part of want free on its node, where gmask, cores, mem and cmask
 * are what is free there (cs_alloc_free_part's rule). */
static inline void part_of(const cs_alloc *a, uint16_t gmask, uint32_t cores, uint32_t mem, const uint64_t *cmask,
			   const cs_slot *want, cs_slot *out)
{
	unsigned cw = a->groups[a->ns[want->node].type].cw;
	*out = (cs_slot){ .node = want->node, .gpu_mask = (uint16_t)(want->gpu_mask & gmask),
			  .cores = want->cores < cores ? want->cores : cores,
			  .mem_mib = want->mem_mib < mem ? want->mem_mib : mem };
	if (!cw)
		return;
	uint64_t rest[CW];
	for (unsigned w = 0; w < cw; w++) {
		out->core_mask[w] = want->core_mask[w] & cmask[w];
		rest[w] = cmask[w] & ~want->core_mask[w];
	}
	unsigned own = cs_pop_mask(out->core_mask, cw);
	if (own < out->cores)
		cs_take_low(rest, cw, out->cores - own, out->core_mask);
}

void cs_alloc_free_part(const cs_alloc *a, const cs_slot *want, cs_slot *out)
{
	const node_st *s = &a->ns[want->node];
	part_of(a, s->gmask, s->cores, s->mem, s->cmask, want, out);
}

void cs_alloc_part_in(const cs_alloc *a, const cs_slot *free, const cs_slot *want, cs_slot *out)
{
	part_of(a, free->gpu_mask, free->cores, free->mem_mib, free->core_mask, want, out);
}
