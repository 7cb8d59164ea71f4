/* capsim: a set of running jobs sorted by estimated end (internal to
 * sim/): the engine's running set (c->run) and each machine partition's
 * list of it (hold.c's c->prun).
 *
 * Entries are in order of est_end, ties in the order they entered: an
 * insert goes after every entry whose est_end is at most its own. They lie
 * in blocks of CS_RUNSET_BLK, in order, none empty: block k's entries are
 * b[k]->e[lo .. lo + n), each block from an offset, so an insert or a
 * removal moves the shorter side of one block, not of the whole set, and
 * costs the same at any size of the set. last[k] is the est_end of block
 * k's last entry: an insert or a removal finds its block by a search over
 * last (one by one among a few blocks, else by halves), then its place in
 * the block by halves. Inserts and removals are inline: a start or an end
 * costs about what the flat array it replaced cost at 1x, where moving
 * half the set was cheap (blocks of 32 entries: fewer instructions than
 * 64 or 128 at 1x and at 10x).
 *
 * An insert goes into the first block whose last entry comes after it
 * (else into the last block); a full block is split in halves first. A
 * removal that leaves a block and the next with at most half a block of
 * entries between them joins the two; a block left empty goes. Which
 * block an entry lies in never changes the order.
 *
 * Readers walk the set in order with an iterator (cs_runset_begin,
 * cs_runset_next), or read the first entry's est_end (first_end); the i-th
 * entry (cs_runset_at) walks the blocks, from where the last look-up
 * stopped when that is not past i. */
#ifndef CAPSIM_RUNSET_H
#define CAPSIM_RUNSET_H

#include "capsim/types.h"
#include "isort.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A running job as the scheduler sees it. */
typedef struct run_ent {
	cs_time est_end;
	uint32_t jid;
	uint32_t size;
} run_ent;

#define CS_RUNSET_BLK 32u

typedef struct cs_runset_blk {
	uint32_t lo, n;
	run_ent e[CS_RUNSET_BLK];
} cs_runset_blk;

/* Where cs_runset_at's last look-up stopped: block b starts at entry
 * base, while the set's changes count ver. */
struct cs_runset_seek {
	size_t base;
	uint32_t b, ver;
};

typedef struct cs_runset {
	cs_runset_blk **b;
	cs_time *last;      /* last[k]: est_end of b[k]'s last entry */
	uint32_t nb, bcap;  /* blocks, and room for them in b and last */
	size_t n;           /* entries */
	uint32_t ver;       /* changes so far (mod 2^32) */
	cs_time first_end;  /* est_end of the first entry; CS_TIME_MAX: none */
	cs_runset_blk *spare; /* a block that went, kept for the next split */
	/* cs_runset_at's place (it may move through a const set); NULL: none
	 * kept, each look-up walks from the first block */
	struct cs_runset_seek *seek;
} cs_runset;

/* An empty set: 0 or -1 out of memory. CS_RUNSET_EMPTY is one too,
 * without a kept place for cs_runset_at (nothing to allocate). */
int cs_runset_init(cs_runset *r);
#define CS_RUNSET_EMPTY ((cs_runset){ .first_end = CS_TIME_MAX })
void cs_runset_free(cs_runset *r);

/* The inline insert's and removal's way out of line (runset.c): room for
 * an entry in block b (a first block when the set has none, else b, full,
 * split in halves): 0, or -1 out of memory (then nothing changed); block b
 * after a removal, empty (it goes) or with the next one at most half a
 * block (they join). */
int cs_runset_split(cs_runset *r, uint32_t b);
void cs_runset_shrunk(cs_runset *r, uint32_t b);

/* The first of the n entries e after every one with est_end <= t (a
 * search without branches on the entries: CS_SEARCH_FIRST). */
static inline uint32_t cs_runset_ents_after(const run_ent *e, uint32_t n, cs_time t)
{
	uint32_t lo;
#define ENT_BY_(i) (e[i].est_end <= t)
	CS_SEARCH_FIRST(lo, n, ENT_BY_);
#undef ENT_BY_
	return lo;
}

/* The first block whose last entry comes after t, or r->nb: a few blocks
 * counted (the blocks' last entries are in order, so those <= t come
 * first; a count has no exit to mispredict), more by halves. */
static inline uint32_t cs_runset_blk_after(const cs_runset *r, cs_time t)
{
	uint32_t lo = 0, hi = r->nb;
	if (hi <= 8) {
		for (uint32_t i = 0; i < hi; i++)
			lo += r->last[i] <= t;
		return lo;
	}
#define BLK_BY_(i) (r->last[i] <= t)
	CS_SEARCH_FIRST(lo, hi, BLK_BY_);
#undef BLK_BY_
	return lo;
}

/* v in after every entry with est_end <= v.est_end: 0, or -1 out of
 * memory (then the set is as it was). */
static inline __attribute__((always_inline)) int cs_runset_insert(cs_runset *r, run_ent v)
{
	uint32_t b = 0;
	if (r->nb) {
		b = cs_runset_blk_after(r, v.est_end);
		b -= b == r->nb;
	} else if (cs_runset_split(r, 0) < 0) {
		return -1;
	}
	cs_runset_blk *k = r->b[b];
	uint32_t i = cs_runset_ents_after(k->e + k->lo, k->n, v.est_end);
	if (k->n == CS_RUNSET_BLK) {
		if (cs_runset_split(r, b) < 0)
			return -1;
		if (i > CS_RUNSET_BLK / 2) {
			i -= CS_RUNSET_BLK / 2;
			k = r->b[++b];
		}
	}
	if (k->lo && (i < k->n - i || k->lo + k->n == CS_RUNSET_BLK)) {
		memmove(k->e + k->lo - 1, k->e + k->lo, i * sizeof *k->e);
		k->lo--;
	} else {
		memmove(k->e + k->lo + i + 1, k->e + k->lo + i, (k->n - i) * sizeof *k->e);
	}
	k->e[k->lo + i] = v;
	if (i == k->n)
		r->last[b] = v.est_end;
	if (!b && !i)
		r->first_end = v.est_end;
	k->n++;
	r->n++;
	r->ver++;
	return 0;
}

/* The entry i of block *b out; *b and *i then name the entry after it
 * (*b == r->nb: none). */
static inline void cs_runset_remove_at(cs_runset *r, uint32_t *b, uint32_t *i)
{
	cs_runset_blk *k = r->b[*b];
	if (*i < k->n - 1 - *i) {
		memmove(k->e + k->lo + 1, k->e + k->lo, *i * sizeof *k->e);
		k->lo++;
	} else {
		memmove(k->e + k->lo + *i, k->e + k->lo + *i + 1, (k->n - *i - 1) * sizeof *k->e);
	}
	k->n--;
	r->n--;
	r->ver++;
	if (!*b && !*i)
		r->first_end = !r->n ? CS_TIME_MAX : k->n ? k->e[k->lo].est_end : r->b[1]->e[r->b[1]->lo].est_end;
	if (k->n && *i == k->n)
		r->last[*b] = k->e[k->lo + k->n - 1].est_end;
	if (!k->n || (k->n < CS_RUNSET_BLK / 2 && *b + 1 < r->nb && k->n + r->b[*b + 1]->n <= CS_RUNSET_BLK / 2))
		cs_runset_shrunk(r, *b);
	if (*b < r->nb && *i == r->b[*b]->n) {
		++*b;
		*i = 0;
	}
}

/* The entry of job jid, entered at est_end, out: 1, or 0 if not there. */
static inline int cs_runset_remove(cs_runset *r, cs_time est_end, uint32_t jid)
{
	/* from the first entry with est_end >= its own */
	uint32_t b = cs_runset_blk_after(r, est_end - 1);
	if (b == r->nb)
		return 0;
	cs_runset_blk *k = r->b[b];
	uint32_t i = cs_runset_ents_after(k->e + k->lo, k->n, est_end - 1);
	while (k->e[k->lo + i].jid != jid)
		if (++i == k->n) {
			if (++b == r->nb)
				return 0;
			k = r->b[b];
			i = 0;
		}
	cs_runset_remove_at(r, &b, &i);
	return 1;
}

/* The i-th entry (i < r->n). */
const run_ent *cs_runset_at(const cs_runset *r, size_t i);

/* A walk through the set in order: e is the entry at hand (NULL past the
 * last), end the end of its block's entries. The set must not change
 * during a walk except through cs_runset_erase. */
typedef struct cs_runset_it {
	const cs_runset *r;
	const run_ent *e, *end;
	uint32_t b;
} cs_runset_it;

/* The first entry (NULL: none), the walk set on it. */
static inline const run_ent *cs_runset_begin(cs_runset_it *w, const cs_runset *r)
{
	w->r = r;
	w->b = 0;
	if (!r->nb)
		return w->e = w->end = NULL;
	w->e = r->b[0]->e + r->b[0]->lo;
	w->end = w->e + r->b[0]->n;
	return w->e;
}

/* The next entry (NULL: none left); not called once the walk returned NULL. */
static inline const run_ent *cs_runset_next(cs_runset_it *w)
{
	if (++w->e < w->end)
		return w->e;
	if (++w->b == w->r->nb)
		return w->e = w->end = NULL;
	const cs_runset_blk *k = w->r->b[w->b];
	w->e = k->e + k->lo;
	w->end = w->e + k->n;
	return w->e;
}

/* The entry at hand in w's walk through r out; the walk goes on to the
 * entry after it: that one, or NULL if none. */
const run_ent *cs_runset_erase(cs_runset *r, cs_runset_it *w);

#endif
