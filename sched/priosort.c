/* capsim: sorting a queue by priority. See priosort.h. */
#include "priosort.h"

#include <stdlib.h>
#include <string.h>

int cs_prio_cmp(const void *a, const void *b)
{
	const cs_ranked *x = a, *y = b;
	if (x->prio != y->prio)
		return x->prio > y->prio ? -1 : 1;
	return x->jid < y->jid ? -1 : x->jid > y->jid;
}

/* A priority as an unsigned key that sorts the other way: higher
 * priority, smaller key (IEEE order made unsigned; -0 taken as 0). */
static inline uint64_t prio_key(double d)
{
	uint64_t b;
	if (d == 0)
		d = 0;
	memcpy(&b, &d, sizeof b);
	b = b >> 63 ? ~b : b | 1ULL << 63;
	return ~b;
}

/* An entry's radix key: its priority's, or its jid. */
static inline uint64_t radix_key(const cs_ranked *r, int by_jid) { return by_jid ? r->jid : prio_key(r->prio); }

/* Stable LSD radix sort of o[0 .. n) by the key's low `bits` bits, 11
 * bits at a time; a digit all entries share is skipped. */
static void radix(cs_ranked *o, cs_ranked *tmp, size_t n, int by_jid, unsigned bits)
{
	enum { BITS = 11, BINS = 1 << BITS };
	static _Thread_local uint32_t cnt[BINS];
	cs_ranked *src = o, *dst = tmp;
	for (unsigned shift = 0; shift < bits; shift += BITS) {
		memset(cnt, 0, sizeof cnt);
		for (size_t i = 0; i < n; i++)
			cnt[(radix_key(&src[i], by_jid) >> shift) & (BINS - 1)]++;
		if (cnt[(radix_key(&src[0], by_jid) >> shift) & (BINS - 1)] == n)
			continue;
		uint32_t sum = 0;
		for (unsigned b = 0; b < BINS; b++) {
			uint32_t c = cnt[b];
			cnt[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[cnt[(radix_key(&src[i], by_jid) >> shift) & (BINS - 1)]++] = src[i];
		cs_ranked *t = src;
		src = dst;
		dst = t;
	}
	if (src != o)
		memcpy(o, src, n * sizeof *o);
}

void cs_prio_sort(cs_ranked *o, cs_ranked *tmp, size_t n)
{
	if (n < 1024) {
		qsort(o, n, sizeof *o, cs_prio_cmp);
		return;
	}
	radix(o, tmp, n, 0, 64);
}

/* (in jid order first, as cs_prio_sort's radix sort needs) */
static void sort_any(cs_ranked *o, cs_ranked *tmp, size_t n)
{
	if (n >= 1024)
		radix(o, tmp, n, 1, 32);
	cs_prio_sort(o, tmp, n);
}

int cs_prio_hint_init(cs_prio_hint *h, size_t njobs)
{
	size_t n = njobs ? njobs : 1;
	*h = (cs_prio_hint){ 0 };
	h->at = calloc(n, sizeof *h->at);
	h->slot = malloc(n * sizeof *h->slot);
	if (!h->at || !h->slot) {
		cs_prio_hint_free(h);
		return -1;
	}
	return 0;
}

void cs_prio_hint_free(cs_prio_hint *h)
{
	free(h->at);
	free(h->slot);
	*h = (cs_prio_hint){ 0 };
}

static inline int goes_before(const cs_ranked *x, const cs_ranked *y)
{
	return x->prio > y->prio || (x->prio == y->prio && x->jid < y->jid);
}

/* Insertion sort of a[0..n), a[0..from) already in order, within a
 * budget of moves (4 a job): 1 done, 0 over budget (a[] then in no known
 * order). */
static int insertion_within(cs_ranked *a, size_t n, size_t from)
{
	size_t moves = 0, budget = 4 * n + 64;
	for (size_t i = from; i < n && moves <= budget; i++) {
		if (i > 0 && a[i].prio < a[i - 1].prio)
			continue; /* (in place: it goes after) */
		cs_ranked x = a[i];
		size_t k = i;
		for (; k > 0 && goes_before(&x, &a[k - 1]); k--)
			a[k] = a[k - 1];
		a[k] = x;
		moves += i - k;
	}
	return moves <= budget;
}

void cs_prio_sort_hinted(cs_prio_hint *h, cs_ranked *o, cs_ranked *tmp, size_t n)
{
	/* the jobs of the last order in its order (each placed in its old
	 * place's slot: one look-up a job), then the others in jid order */
	uint64_t last = h->gen++;
	memset(h->slot, 0, h->nprev * sizeof *h->slot);
	size_t m = 0, fresh = n;
	for (size_t i = 0; i < n; i++) {
		uint64_t a = h->at[o[i].jid];
		if (last && a >> 32 == last && (a & 0xffffffffu) < h->nprev)
			h->slot[a & 0xffffffffu] = (uint32_t)i + 1;
		else
			tmp[--fresh] = o[i]; /* (from the end: reversed below) */
	}
	for (size_t k = 0; k < h->nprev; k++)
		if (h->slot[k])
			tmp[m++] = o[h->slot[k] - 1];
	for (size_t lo = fresh, hi = n; lo + 1 < hi; lo++, hi--) {
		cs_ranked t = tmp[lo];
		tmp[lo] = tmp[hi - 1];
		tmp[hi - 1] = t;
	}
	/* (m == fresh: every job placed once) insertion sort, within a
	 * budget of moves */
	if (!insertion_within(tmp, n, 1))
		cs_prio_sort(o, tmp, n); /* o is as it came */
	else
		memcpy(o, tmp, n * sizeof *o);
	uint64_t here = h->gen << 32;
	for (size_t i = 0; i < n; i++)
		h->at[o[i].jid] = here | i;
	h->nprev = n;
}

void cs_prio_sort_kept(cs_ranked *o, cs_ranked *tmp, size_t n)
{
	/* insertion sort in place from the first entry out of order (the
	 * last order's jobs mostly keep theirs), within a budget of moves */
	size_t i = 1;
	while (i < n && (o[i].prio < o[i - 1].prio || !goes_before(&o[i], &o[i - 1])))
		i++;
	if (!insertion_within(o, n, i))
		sort_any(o, tmp, n);
}
