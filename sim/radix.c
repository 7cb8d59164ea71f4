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

/* Each bucket's first index, from the counts of digit `shift` in v. */
static void offsets(const uint64_t *v, size_t n, unsigned shift, size_t *at)
{
	memset(at, 0, BUCKETS * sizeof *at);
	for (size_t i = 0; i < n; i++)
		at[(v[i] >> shift) & (BUCKETS - 1)]++;
	size_t sum = 0;
	for (size_t d = 0; d < BUCKETS; d++) {
		size_t c = at[d];
		at[d] = sum;
		sum += c;
	}
}

void cs_radix_u64(uint64_t *v, uint64_t *tmp, size_t n)
{
	uint64_t max = max_of(v, n);
	size_t at[BUCKETS];
	for (unsigned shift = 0; shift < 64 && (max >> shift); shift += DIGIT) {
		offsets(v, n, shift, at);
		for (size_t i = 0; i < n; i++)
			tmp[at[(v[i] >> shift) & (BUCKETS - 1)]++] = v[i];
		memcpy(v, tmp, n * sizeof *v);
	}
}

void cs_radix_pairs(uint64_t *key, uint32_t *val, uint64_t *tkey, uint32_t *tval, size_t n)
{
	uint64_t max = max_of(key, n);
	size_t at[BUCKETS];
	for (unsigned shift = 0; shift < 64 && (max >> shift); shift += DIGIT) {
		offsets(key, n, shift, at);
		for (size_t i = 0; i < n; i++) {
			size_t to = at[(key[i] >> shift) & (BUCKETS - 1)]++;
			tkey[to] = key[i];
			tval[to] = val[i];
		}
		memcpy(key, tkey, n * sizeof *key);
		memcpy(val, tval, n * sizeof *val);
	}
}
