/* capsim: cs_put_int inlined where a writer puts millions of numbers
 * (jobs.csv, batsim_jobs.csv, timeseries.csv): the same bytes as
 * cs_put_int (csvout.h), which is this; and cs_put_fixed's and
 * cs_put_utc's code, for the columns written once a job. */
#ifndef CAPSIM_CSVOUT_INT_H
#define CAPSIM_CSVOUT_INT_H

#include "capsim/csvout.h"

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

/* cs_wbuf_room(w, n) without a call while the block has room (a row's). */
CS_INLINE char *cs_wbuf_room_in(cs_wbuf *w, size_t n)
{
	if (w->buf && (size_t)(w->buf + w->cap - w->p) >= n)
		return w->p;
	return cs_wbuf_room(w, n);
}

/* ---- fixed-point and UTC fields inlined (cs_put_fixed, cs_put_utc) ---- */

__extension__ typedef unsigned __int128 cs_u128;

/* 10^prec (prec 0..9; a constant where prec is). */
CS_INLINE uint32_t cs_pow10_u32(int prec)
{
	static const uint32_t p10[10] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000 };
	return p10[prec];
}

/* x * 10^prec rounded to an integer as printf rounds the digits after
 * the last it writes, into *q, and x's sign bit into *neg: 0, or -1 for
 * what goes printf's way (NaN, the infinities, |x| >= 2^32, precisions
 * outside 0..9). */
CS_INLINE int cs_fixed_scaled(double x, int prec, uint64_t *q, int *neg)
{
	/* x = m / 2^s exactly (m < 2^53), so x * 10^prec = m * 10^prec / 2^s
	 * is exact in 128 bits; rounding it to an integer half to even is
	 * what printf does with the digits after the last (in the default
	 * rounding mode) */
	uint64_t bits;
	memcpy(&bits, &x, sizeof bits);
	unsigned ex = (unsigned)(bits >> 52) & 0x7ff;
	/* |x| < 2^32 is an exponent below 1023 + 32 (NaN and the infinities
	 * have 2047) */
	if ((unsigned)prec > 9 || ex >= 1023 + 32)
		return -1;
	/* m and s from x's bits: a normal x is (2^52 + mantissa) / 2^(1075 -
	 * exponent), a subnormal mantissa / 2^1074 */
	uint64_t m = bits & ((UINT64_C(1) << 52) - 1);
	int s = 1074;
	if (ex) {
		m |= UINT64_C(1) << 52;
		s = 1075 - (int)ex; /* > 20 (|x| < 2^32) */
	}
	*q = 0;
	if (s <= 64) {
		/* the bits below the point are the low word's last s: shifted
		 * to its top, half is 2^63 */
		cs_u128 pr = (cs_u128)m * cs_pow10_u32(prec);
		uint64_t frac = (uint64_t)pr << (64 - s), half = UINT64_C(1) << 63;
		*q = (uint64_t)(pr >> s); /* < 2^32 * 10^9 */
		if (frac > half || (frac == half && (*q & 1)))
			++*q;
	} else if (s < 84) { /* else m * 10^prec < 2^83 is below half of 2^s: 0 */
		cs_u128 pr = (cs_u128)m * cs_pow10_u32(prec), one = (cs_u128)1 << s, rem = pr & (one - 1),
			half = one >> 1;
		*q = (uint64_t)(pr >> s);
		if (rem > half || (rem == half && (*q & 1)))
			++*q;
	}
	*neg = (int)(bits >> 63);
	return 0;
}

/* u (< 10^n) as exactly n digits ending at e, leading zeros kept (n a
 * constant where inlined: divisions by constants). */
CS_INLINE void cs_put_width(char *e, uint32_t u, int n)
{
	for (; n >= 2; n -= 2) {
		e -= 2;
		memcpy(e, cs_digit_pairs + 2 * (u % 100), 2);
		u /= 100;
	}
	if (n)
		e[-1] = (char)('0' + u);
}

/* q / 10^prec with prec decimals at p (prec a constant where inlined). */
CS_INLINE char *cs_put_scaled(char *p, uint64_t q, int prec)
{
	uint32_t pw = cs_pow10_u32(prec);
	p = cs_put_u64_in(p, q / pw);
	if (!prec)
		return p;
	*p = '.';
	cs_put_width(p + 1 + prec, (uint32_t)(q % pw), prec);
	return p + 1 + prec;
}

/* cs_put_fixed(p, x, prec) inlined, for a prec the caller names (a
 * constant: its divisions by constants). */
CS_INLINE char *cs_put_fixed_in(char *p, double x, int prec)
{
	uint64_t q = 0;
	int neg = 0;
	if (cs_fixed_scaled(x, prec, &q, &neg) < 0)
		return cs_put_fixed(p, x, prec);
	*p = '-';
	p += neg;
	return cs_put_scaled(p, q, prec);
}

/* A column of times as cs_put_utc writes them: days' "YYYY-MM-DD" kept by
 * the writer (a row's times mostly fall on a day met just before), each
 * day's in the slot its low bits name; day -1 in each to start. */
typedef struct cs_utc_day {
	int64_t day;
	char ymd[10];
} cs_utc_day;

/* cs_put_utc(p, epoch, t) (CS_PUT_UTC_MAX bytes of room), a time on a
 * kept day without a call, m[0..n) the days kept (n a power of two: 1 for
 * a column of times in order, more where they move back and forth among
 * nearby days, as jobs.csv's starts and ends); another day by cs_put_utc,
 * kept when its year has four digits (the text 20 bytes long). */
CS_INLINE char *cs_put_utc_in(char *p, cs_utc_day *m, unsigned n, int64_t epoch, int64_t t)
{
	if (!epoch || t < 0)
		return p;
	int64_t s = epoch + t;
	if (s < 0)
		return cs_put_utc(p, epoch, t);
	int64_t day = (int64_t)((uint64_t)s / 86400);
	m += (uint64_t)day & (n - 1);
	if (day != m->day) {
		char *e = cs_put_utc(p, epoch, t);
		if (e - p == 20) {
			m->day = day;
			memcpy(m->ymd, p, 10);
		}
		return e;
	}
	uint32_t sec = (uint32_t)(s - day * 86400), h = sec / 3600, r = sec - h * 3600, mi = r / 60;
	memcpy(p, m->ymd, 10);
	p[10] = 'T';
	memcpy(p + 11, cs_digit_pairs + 2 * h, 2);
	p[13] = ':';
	memcpy(p + 14, cs_digit_pairs + 2 * mi, 2);
	p[16] = ':';
	memcpy(p + 17, cs_digit_pairs + 2 * (r - mi * 60), 2);
	p[19] = 'Z';
	return p + 20;
}

#endif
