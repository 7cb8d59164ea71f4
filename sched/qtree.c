/* capsim: the backfill index, a tree of sixteen children a node holding
 * each subtree's (min size, min estimate). */
#include "qtree.h"

#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define BIAS 0x80000000u
#define EMPTY INT32_MAX /* UINT32_MAX biased */

static inline int32_t key(uint32_t v) { return (int32_t)(v ^ BIAS); }

/* An estimate's key: clamped to [0, UINT32_MAX], so that est <= lim gives
 * key(est) <= key(lim) (never a miss); the converse can fail only where
 * both clamp to the same end, which the search checks at the leaf. */
static inline int32_t key_of_est(cs_time e)
{
	return key(e <= 0 ? 0u : e >= (cs_time)UINT32_MAX ? UINT32_MAX : (uint32_t)e);
}

int cs_qtree_init(cs_qtree *t, size_t n)
{
	memset(t, 0, sizeof *t);
	t->n = n ? n : 1;
	size_t groups[CS_QTREE_MAXLV], total = 0;
	size_t c = (t->n + CS_QTREE_FAN - 1) / CS_QTREE_FAN; /* groups at this level */
	unsigned k = 0;
	for (;;) {
		if (k == CS_QTREE_MAXLV)
			return -CS_ENOMEM; /* (more than 16^9 positions) */
		groups[k] = c;
		total += c;
		if (c == 1)
			break;
		c = (c + CS_QTREE_FAN - 1) / CS_QTREE_FAN;
		k++;
	}
	t->top = k;
	cs_qtree_grp *g = aligned_alloc(64, total * sizeof *g);
	t->est = malloc(t->n * sizeof *t->est);
	if (!g || !t->est) {
		free(g);
		free(t->est);
		memset(t, 0, sizeof *t);
		return -CS_ENOMEM;
	}
	for (size_t i = 0; i < total; i++)
		for (unsigned l = 0; l < CS_QTREE_FAN; l++)
			g[i].size[l] = g[i].est[l] = EMPTY;
	/* (est is read only at a position found, which was set) */
	for (unsigned l = 0; l <= t->top; l++) {
		t->lv[l] = g;
		g += groups[l];
	}
	return 0;
}

void cs_qtree_free(cs_qtree *t)
{
	free(t->lv[0]);
	free(t->est);
	memset(t, 0, sizeof *t);
}

#if defined(__SSE2__)
static inline __m128i min4(__m128i a, __m128i b) /* (SSE4.1's pminsd) */
{
	__m128i gt = _mm_cmpgt_epi32(a, b);
	return _mm_or_si128(_mm_and_si128(gt, b), _mm_andnot_si128(gt, a));
}

/* The least of sixteen keys but lane l's, as a tree of four-wide minima
 * (read before lane l is written: a wide load of a line just written in
 * part waits for the write). */
static inline __m128i but_at(const int32_t *v, unsigned q, __m128i at)
{
	__m128i is = _mm_cmpeq_epi32(_mm_setr_epi32((int)(4 * q), (int)(4 * q + 1), (int)(4 * q + 2), (int)(4 * q + 3)), at);
	return _mm_or_si128(_mm_and_si128(is, _mm_set1_epi32(INT32_MAX)), _mm_andnot_si128(is, _mm_load_si128((const __m128i *)v + q)));
}

static inline int32_t min15(const int32_t *v, unsigned l)
{
	const __m128i at = _mm_set1_epi32((int)l);
	__m128i m = min4(min4(but_at(v, 0, at), but_at(v, 1, at)), min4(but_at(v, 2, at), but_at(v, 3, at)));
	m = min4(m, _mm_shuffle_epi32(m, _MM_SHUFFLE(1, 0, 3, 2)));
	m = min4(m, _mm_shuffle_epi32(m, _MM_SHUFFLE(2, 3, 0, 1)));
	return _mm_cvtsi128_si32(m);
}
#else
static inline int32_t min15(const int32_t *v, unsigned l)
{
	int32_t m = INT32_MAX;
	for (unsigned c = 0; c < CS_QTREE_FAN; c++)
		m = c != l && v[c] < m ? v[c] : m;
	return m;
}
#endif

/* Position pos's keys (s, e), then each parent's minima while they move:
 * a key that fell is the new minimum if below the old; one that rose
 * leaves it unless it was it, when the other fifteen are read. */
static void put(cs_qtree *t, size_t pos, int32_t s, int32_t e)
{
	size_t i = pos;
	for (unsigned k = 0;; k++) {
		cs_qtree_grp *g = t->lv[k] + (i >> 4);
		unsigned l = i & 15;
		int32_t os = g->size[l], oe = g->est[l];
		if (os == s && oe == e)
			return;
		size_t pi = i >> 4;
		int32_t ns = s, ne = e; /* the group's new minima */
		if (k < t->top) {
			const cs_qtree_grp *p = t->lv[k + 1] + (pi >> 4);
			int32_t ps = p->size[pi & 15], pe = p->est[pi & 15];
			ns = s <= ps ? s : os == ps ? min15(g->size, l) : ps;
			ne = e <= pe ? e : oe == pe ? min15(g->est, l) : pe;
		}
		g->size[l] = s;
		g->est[l] = e;
		if (k == t->top)
			return;
		s = ns < s ? ns : s;
		e = ne < e ? ne : e;
		i = pi;
	}
}

void cs_qtree_set(cs_qtree *t, size_t pos, uint32_t size, cs_time est)
{
	t->est[pos] = est;
	put(t, pos, key(size), key_of_est(est));
}

void cs_qtree_clear(cs_qtree *t, size_t pos) { put(t, pos, EMPTY, EMPTY); }

int cs_qtree_present(const cs_qtree *t, size_t pos) { return t->lv[0][pos >> 4].size[pos & 15] != EMPTY; }

/* Child c may hold a match: size <= fit && (size <= extra || est <= lim),
 * on keys (so at an inner node a bound: the two minima may be two jobs'). */
unsigned cs_qtree_mask_plain(const cs_qtree_grp *g, int32_t fit, int32_t extra, int32_t lim)
{
	unsigned m = 0;
	for (unsigned l = 0; l < CS_QTREE_FAN; l++)
		m |= (unsigned)(g->size[l] <= fit && (g->size[l] <= extra || g->est[l] <= lim)) << l;
	return m;
}

#if defined(__SSE2__)
typedef struct keys { __m128i fit, extra, lim; } keys;

static inline keys keys_of(int32_t fit, int32_t extra, int32_t lim)
{
	return (keys){ _mm_set1_epi32(fit), _mm_set1_epi32(extra), _mm_set1_epi32(lim) };
}

/* cs_qtree_mask_plain's, four children a compare: the lanes that cannot
 * hold (size > fit, or size > extra and est > lim), packed to bytes. */
static inline __m128i cannot(const cs_qtree_grp *g, unsigned v, const keys *q)
{
	__m128i s = _mm_load_si128((const __m128i *)g->size + v);
	__m128i e = _mm_load_si128((const __m128i *)g->est + v);
	return _mm_or_si128(_mm_cmpgt_epi32(s, q->fit), _mm_and_si128(_mm_cmpgt_epi32(s, q->extra), _mm_cmpgt_epi32(e, q->lim)));
}

static inline unsigned mask(const cs_qtree_grp *g, const keys *q)
{
	__m128i b = _mm_packs_epi16(_mm_packs_epi32(cannot(g, 0, q), cannot(g, 1, q)),
				    _mm_packs_epi32(cannot(g, 2, q), cannot(g, 3, q)));
	return ~(unsigned)_mm_movemask_epi8(b) & 0xffffu;
}
#else
typedef struct keys { int32_t fit, extra, lim; } keys;

static inline keys keys_of(int32_t fit, int32_t extra, int32_t lim) { return (keys){ fit, extra, lim }; }

static inline unsigned mask(const cs_qtree_grp *g, const keys *q)
{
	return cs_qtree_mask_plain(g, q->fit, q->extra, q->lim);
}
#endif

unsigned cs_qtree_mask(const cs_qtree_grp *g, int32_t fit, int32_t extra, int32_t lim)
{
	keys q = keys_of(fit, extra, lim);
	return mask(g, &q);
}

long cs_qtree_find(const cs_qtree *t, size_t from, uint32_t fit, uint32_t extra, cs_time lim)
{
	return cs_qtree_find_in(t, from, t->n, fit, extra, lim);
}

long cs_qtree_find_in(const cs_qtree *t, size_t from, size_t to, uint32_t fit, uint32_t extra, cs_time lim)
{
	to = to < t->n ? to : t->n;
	if (from >= to)
		return -1;
	/* (UINT32_MAX is the empty's size: never a match) */
	fit = fit < UINT32_MAX ? fit : UINT32_MAX - 1;
	extra = extra < UINT32_MAX ? extra : UINT32_MAX - 1;
	/* a limit inside (0, UINT32_MAX) is its own key: every leaf's test is
	 * exact; else a leaf found is checked on its estimate as set */
	int exact = lim > 0 && lim < (cs_time)UINT32_MAX;
	keys q = keys_of(key(fit), key(extra), key_of_est(lim));
	/* Left to right from position `from`: in group g of level k, the
	 * children in `keep` that may hold a match; the first one's group
	 * below is gone down into (a bound: it may hold none, and then the
	 * climb goes on past it); none: on to the parent's next children.
	 * Child c of group g at level k covers positions from
	 * (16 g + c) x 16^k. */
	unsigned k = 0;
	size_t g = from >> 4;
	unsigned keep = (0xffffu << (from & 15)) & 0xffffu;
	for (;;) {
		unsigned m = mask(t->lv[k] + g, &q) & keep;
		if (m) {
			unsigned c = (unsigned)__builtin_ctz(m);
			uint64_t i = ((uint64_t)g << 4) + c;
			if ((i << (4 * k)) >= to)
				return -1;
			if (k > 0) {
				k--;
				g = (size_t)i;
				keep = 0xffffu;
				continue;
			}
			const cs_qtree_grp *leaf = t->lv[0] + g;
			if (exact || ((uint32_t)leaf->size[c] ^ BIAS) <= extra || t->est[i] <= lim)
				return (long)i;
			keep = (0xfffeu << c) & 0xffffu; /* (clamped alike, and later) */
			continue;
		}
		if (k == t->top)
			return -1;
		unsigned c = g & 15;
		g >>= 4;
		k++;
		keep = (0xfffeu << c) & 0xffffu;
		if ((((uint64_t)g << 4) + c + 1) << (4 * k) >= to)
			return -1;
	}
}

typedef struct est_key {
	cs_time est;
	uint32_t jid;
} est_key;

static int by_estimate(const void *a, const void *b)
{
	const est_key *x = a, *y = b;
	if (x->est != y->est)
		return x->est < y->est ? -1 : 1;
	return x->jid < y->jid ? -1 : x->jid > y->jid;
}

int cs_rank_by_estimate(const cs_job *jobs, size_t n, uint32_t *at)
{
	est_key *k = malloc((n ? n : 1) * sizeof *k);
	if (!k)
		return -CS_ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		k[i] = (est_key){ jobs[i].estimate_s, i };
	qsort(k, n, sizeof *k, by_estimate);
	for (uint32_t i = 0; i < n; i++)
		at[i] = k[i].jid;
	free(k);
	return 0;
}
