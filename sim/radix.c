/* capsim: LSD radix sorts, 11 bits a pass, skipping the passes above the
 * largest key. */
#include "radix.h"

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
