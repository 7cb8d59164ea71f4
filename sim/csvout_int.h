/* capsim: cs_put_int inlined where a writer puts millions of numbers
 * (jobs.csv, batsim_jobs.csv, timeseries.csv): the same bytes as
 * cs_put_int (csvout.h), which is this. */
#ifndef CAPSIM_CSVOUT_INT_H
#define CAPSIM_CSVOUT_INT_H

#include <stdint.h>
#include <string.h>

extern const char cs_digit_pairs[201]; /* "00" to "99" */
char *cs_put_u64_long(char *p, uint64_t u);

#define CS_INLINE static inline __attribute__((always_inline))

/* u (< 100) at p: one or two digits. */
CS_INLINE char *cs_put_small(char *p, uint32_t u)
{
	if (u < 10) {
		*p = (char)('0' + u);
		return p + 1;
	}
	memcpy(p, cs_digit_pairs + 2 * u, 2);
	return p + 2;
}

/* u (< 10,000) at p: one to four digits. */
CS_INLINE char *cs_put_upto_four(char *p, uint32_t u)
{
	if (u < 100)
		return cs_put_small(p, u);
	p = cs_put_small(p, u / 100);
	memcpy(p, cs_digit_pairs + 2 * (u % 100), 2);
	return p + 2;
}

/* u (< 10,000) at p: exactly four digits. */
CS_INLINE char *cs_put_four(char *p, uint32_t u)
{
	memcpy(p, cs_digit_pairs + 2 * (u / 100), 2);
	memcpy(p + 2, cs_digit_pairs + 2 * (u % 100), 2);
	return p + 4;
}

/* u in decimal at p. Below 10^8 (times in seconds, counts, ids: nearly
 * every number written) in 32 bits, by halves of four digits and pairs,
 * with no count of the digits first; the rest out of line. */
CS_INLINE char *cs_put_u64_in(char *p, uint64_t u)
{
	if (u >= 100000000u)
		return cs_put_u64_long(p, u);
	uint32_t v = (uint32_t)u;
	if (v < 10000)
		return cs_put_upto_four(p, v);
	return cs_put_four(cs_put_upto_four(p, v / 10000), v % 10000);
}

CS_INLINE char *cs_put_int_in(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return cs_put_u64_in(p, 0 - (uint64_t)v);
	}
	return cs_put_u64_in(p, (uint64_t)v);
}

#endif
