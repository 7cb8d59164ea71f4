/* capsim: LSD radix sorts, 11 bits a pass, skipping the passes above the
 * largest key; and a selection of a few ranks (radix.h). */
#include "radix.h"
#include "capsim/metrics.h"

#include <string.h>

enum { DIGIT = 11, BUCKETS = 1 << DIGIT };

unsigned cs_radix_bits(uint64_t v)
{
	unsigned b = 0;
	for (; v; v >>= 1)
		b++;
	return b;
}

static uint64_t max_of(const uint64_t *v, size_t n)
{
	uint64_t max = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	return max;
}

/* Each bucket's first index, from the counts of digit `shift` in v;
 * whether every v has the same digit there (the pass would move none). */
static int offsets(const uint64_t *v, size_t n, unsigned shift, size_t *at)
{
	memset(at, 0, BUCKETS * sizeof *at);
	for (size_t i = 0; i < n; i++)
		at[(v[i] >> shift) & (BUCKETS - 1)]++;
	size_t sum = 0;
	int one = 0;
	for (size_t d = 0; d < BUCKETS; d++) {
		size_t c = at[d];
		one |= c == n;
		at[d] = sum;
		sum += c;
	}
	return one;
}

/* Each pass scatters from one buffer into the other, which then holds
 * the order so far; the last copied back if it is the other. */
void cs_radix_u64(uint64_t *v, uint64_t *tmp, size_t n)
{
	uint64_t max = max_of(v, n), *from = v, *to = tmp;
	size_t at[BUCKETS];
	for (unsigned shift = 0; shift < 64 && (max >> shift); shift += DIGIT) {
		if (offsets(from, n, shift, at))
			continue;
		for (size_t i = 0; i < n; i++)
			to[at[(from[i] >> shift) & (BUCKETS - 1)]++] = from[i];
		uint64_t *t = from;
		from = to;
		to = t;
	}
	if (from != v)
		memcpy(v, from, n * sizeof *v);
}

void cs_radix_pairs(uint64_t *key, uint32_t *val, uint64_t *tkey, uint32_t *tval, size_t n)
{
	uint64_t max = max_of(key, n), *kf = key, *kt = tkey;
	uint32_t *vf = val, *vt = tval;
	size_t at[BUCKETS];
	for (unsigned shift = 0; shift < 64 && (max >> shift); shift += DIGIT) {
		if (offsets(kf, n, shift, at))
			continue;
		for (size_t i = 0; i < n; i++) {
			size_t to = at[(kf[i] >> shift) & (BUCKETS - 1)]++;
			kt[to] = kf[i];
			vt[to] = vf[i];
		}
		uint64_t *k = kf;
		kf = kt;
		kt = k;
		uint32_t *w = vf;
		vf = vt;
		vt = w;
	}
	if (kf != key) {
		memcpy(key, kf, n * sizeof *key);
		memcpy(val, vf, n * sizeof *val);
	}
}

static inline void swap_u64(uint64_t *a, uint64_t *b)
{
	uint64_t t = *a;
	*a = *b;
	*b = t;
}

/* v[0..n) sorted by inserting each (short ranges). */
static void insertion_u64(uint64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t k = i;
		for (; k && v[k - 1] > x; k--)
			v[k] = v[k - 1];
		v[k] = x;
	}
}

static void sift_u64(uint64_t *v, size_t i, size_t n)
{
	for (size_t c; (c = 2 * i + 1) < n; i = c) {
		if (c + 1 < n && v[c + 1] > v[c])
			c++;
		if (v[i] >= v[c])
			return;
		swap_u64(&v[i], &v[c]);
	}
}

/* v[0..n) sorted in place (the selection's bound on its work). */
static void heapsort_u64(uint64_t *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_u64(v, i, n);
	for (size_t e = n; e > 1; e--) {
		swap_u64(&v[0], &v[e - 1]);
		sift_u64(v, 0, e - 1);
	}
}

static uint64_t median3_u64(uint64_t a, uint64_t b, uint64_t c)
{
	if (a > b)
		swap_u64(&a, &b);
	return c <= a ? a : c >= b ? b : c;
}

/* Ranks r[0..nr) (increasing) of v[lo..hi), all in that range. */
static void select_in(uint64_t *v, size_t lo, size_t hi, const size_t *r, size_t nr, unsigned depth)
{
	while (nr) {
		size_t n = hi - lo;
		if (n <= 16) {
			insertion_u64(v + lo, n);
			return;
		}
		if (!depth--) {
			heapsort_u64(v + lo, n);
			return;
		}
		uint64_t *w = v + lo;
		uint64_t p = median3_u64(w[0], w[n / 2], w[n - 1]);
		if (n > 128) /* Tukey's ninther */
			p = median3_u64(median3_u64(w[0], w[n / 8], w[n / 4]), median3_u64(w[3 * n / 8], p, w[5 * n / 8]),
					median3_u64(w[3 * n / 4], w[7 * n / 8], w[n - 1]));
		/* [lo, lt) below p, [lt, gt) p, [gt, hi) above */
		size_t lt = lo, i = lo, gt = hi;
		while (i < gt) {
			uint64_t x = v[i];
			if (x < p)
				swap_u64(&v[lt++], &v[i++]);
			else if (x > p)
				swap_u64(&v[i], &v[--gt]);
			else
				i++;
		}
		size_t a = 0;
		while (a < nr && r[a] < lt)
			a++;
		size_t b = a;
		while (b < nr && r[b] < gt)
			b++;
		/* ranks [0, a) below, [b, nr) above; the smaller side by a call */
		if (lt - lo < hi - gt) {
			select_in(v, lo, lt, r, a, depth);
			lo = gt;
			r += b;
			nr -= b;
		} else {
			select_in(v, gt, hi, r + b, nr - b, depth);
			hi = lt;
			nr = a;
		}
	}
}

void cs_select_u64(uint64_t *v, size_t n, const size_t *ranks, size_t nr)
{
	unsigned depth = 2 * cs_radix_bits(n);
	select_in(v, 0, n, ranks, nr, depth);
}

size_t cs_select_pct_ranks(size_t n, const double *q, size_t nq, size_t *r)
{
	size_t nr = 0;
	for (size_t k = 0; n && k < nq; k++) {
		size_t lo = cs_percentile_lo(n, q[k]);
		for (size_t e = lo; e <= lo + 1 && e < n; e++)
			if (!nr || r[nr - 1] < e)
				r[nr++] = e;
	}
	return nr;
}
