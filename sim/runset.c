/* capsim: a set of running jobs sorted by estimated end, in blocks
 * (runset.h). */
#include "runset.h"

#include <stdlib.h>
#include <string.h>

int cs_runset_init(cs_runset *r)
{
	*r = CS_RUNSET_EMPTY;
	r->seek = calloc(1, sizeof *r->seek);
	return r->seek ? 0 : -1;
}

void cs_runset_free(cs_runset *r)
{
	for (uint32_t k = 0; k < r->nb; k++)
		free(r->b[k]);
	free(r->b);
	free(r->last);
	free(r->spare);
	free(r->seek);
	*r = CS_RUNSET_EMPTY;
}

/* A new block at b[at] (its lo, n and last set by the caller): it, or
 * NULL out of memory (then nothing changed). */
static cs_runset_blk *blk_new(cs_runset *r, uint32_t at)
{
	if (r->nb == r->bcap) {
		uint32_t cap = r->bcap ? 2 * r->bcap : 8;
		cs_runset_blk **b = realloc(r->b, cap * sizeof *b);
		if (!b)
			return NULL;
		r->b = b;
		cs_time *l = realloc(r->last, cap * sizeof *l);
		if (!l)
			return NULL;
		r->last = l;
		r->bcap = cap;
	}
	cs_runset_blk *k = r->spare;
	if (k)
		r->spare = NULL;
	else if (!(k = malloc(sizeof *k)))
		return NULL;
	memmove(r->b + at + 1, r->b + at, (r->nb - at) * sizeof *r->b);
	memmove(r->last + at + 1, r->last + at, (r->nb - at) * sizeof *r->last);
	r->b[at] = k;
	r->nb++;
	return k;
}

/* Block at goes (kept as the spare if there is none). */
static void blk_drop(cs_runset *r, uint32_t at)
{
	if (r->spare)
		free(r->b[at]);
	else
		r->spare = r->b[at];
	memmove(r->b + at, r->b + at + 1, (r->nb - at - 1) * sizeof *r->b);
	memmove(r->last + at, r->last + at + 1, (r->nb - at - 1) * sizeof *r->last);
	r->nb--;
}

int cs_runset_split(cs_runset *r, uint32_t b)
{
	cs_runset_blk *h = blk_new(r, r->nb ? b + 1 : 0);
	if (!h)
		return -1;
	if (r->nb == 1) { /* the first block */
		h->lo = CS_RUNSET_BLK / 2;
		h->n = 0;
		return 0;
	}
	/* b is full (its lo is 0): its upper half into h */
	cs_runset_blk *k = r->b[b];
	h->lo = 0;
	h->n = CS_RUNSET_BLK / 2;
	memcpy(h->e, k->e + CS_RUNSET_BLK / 2, h->n * sizeof *h->e);
	r->last[b + 1] = r->last[b];
	k->n = CS_RUNSET_BLK / 2;
	r->last[b] = k->e[k->n - 1].est_end;
	return 0;
}

void cs_runset_shrunk(cs_runset *r, uint32_t b)
{
	cs_runset_blk *k = r->b[b];
	if (!k->n) {
		blk_drop(r, b);
		return;
	}
	/* the next one's entries after k's */
	cs_runset_blk *h = r->b[b + 1];
	if (k->lo + k->n + h->n > CS_RUNSET_BLK) {
		uint32_t lo = (CS_RUNSET_BLK - k->n - h->n) / 2;
		memmove(k->e + lo, k->e + k->lo, k->n * sizeof *k->e);
		k->lo = lo;
	}
	memcpy(k->e + k->lo + k->n, h->e + h->lo, h->n * sizeof *h->e);
	k->n += h->n;
	r->last[b] = r->last[b + 1];
	blk_drop(r, b + 1);
}

const run_ent *cs_runset_at(const cs_runset *r, size_t i)
{
	struct cs_runset_seek *s = r->seek;
	uint32_t b = 0;
	size_t base = 0;
	if (s && s->ver == r->ver && s->base <= i) {
		b = s->b;
		base = s->base;
	}
	while (i - base >= r->b[b]->n) {
		base += r->b[b]->n;
		b++;
	}
	if (s)
		*s = (struct cs_runset_seek){ base, b, r->ver };
	return &r->b[b]->e[r->b[b]->lo + (i - base)];
}

const run_ent *cs_runset_erase(cs_runset *r, cs_runset_it *w)
{
	uint32_t b = w->b, i = (uint32_t)(w->e - (r->b[b]->e + r->b[b]->lo));
	cs_runset_remove_at(r, &b, &i);
	w->b = b;
	if (b == r->nb)
		return w->e = w->end = NULL;
	const cs_runset_blk *k = r->b[b];
	w->e = k->e + k->lo + i;
	w->end = k->e + k->lo + k->n;
	return w->e;
}
