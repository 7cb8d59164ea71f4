/* capsim: the fields of a text record as the readers parse them
 * (sim/field.c): a header row's columns, integers, missing values, and the
 * error that names a column. Private to sim/. */
#ifndef CAPSIM_SIM_FIELD_H
#define CAPSIM_SIM_FIELD_H

#include <stddef.h>
#include <stdint.h>

/* "PATH:LINE: column COL: <fmt...>" into err; returns -CS_EPARSE. */
int cs_field_err(char *err, size_t errlen, const char *path, uint32_t line, const char *col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* An empty field, or pandas' / Python's marks for a missing value (None,
 * NaN, nan). */
int cs_field_missing(const char *s);

/* A decimal integer, optionally negative, nothing around it: 0 or -1. */
int cs_field_int(const char *s, int64_t *v);

/* The 8 bytes at p, the first the lowest (one load where the compiler
 * makes it one). */
static inline uint64_t cs_field_word(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return (uint64_t)u[0] | (uint64_t)u[1] << 8 | (uint64_t)u[2] << 16 | (uint64_t)u[3] << 24 |
	       (uint64_t)u[4] << 32 | (uint64_t)u[5] << 40 | (uint64_t)u[6] << 48 | (uint64_t)u[7] << 56;
}

/* cs_field_int of s, len bytes before its NUL, with 8 bytes readable past
 * that NUL (a field of a line cs_lines_next returned): up to 8 digits read
 * as a word. */
static inline int cs_field_int_len(const char *s, size_t len, int64_t *v)
{
	int neg = *s == '-';
	size_t n = len - (size_t)neg;
	if (n == 0 || n > 8)
		return cs_field_int(s, v);
	uint64_t w = cs_field_word(s + neg);
	/* the n digits to the top bytes, the first highest after the lowest
	 * zeros: as if written with leading zeros to 8 */
	unsigned shift = 8 * (8 - (unsigned)n);
	w <<= shift;
	const uint64_t f0 = 0xF0F0F0F0F0F0F0F0u, z = 0x3030303030303030u;
	/* a byte b is a digit iff b & 0xF0 == 0x30 and (b + 6) & 0xF0 == 0x30
	 * (a carry out of a byte >= 0xFA reaches only bytes after it) */
	uint64_t bad = ((w & f0) ^ z) | (((w + 0x0606060606060606u) & f0) ^ z);
	if (bad & ~(uint64_t)0 << shift)
		return -1;
	w &= 0x0F0F0F0F0F0F0F0Fu;
	w = (w * 10 + (w >> 8)) & 0x00FF00FF00FF00FFu;
	w = (w * 100 + (w >> 16)) & 0x0000FFFF0000FFFFu;
	w = (w * 10000 + (w >> 32)) & 0xFFFFFFFFu;
	*v = neg ? -(int64_t)w : (int64_t)w;
	return 0;
}

/* s[0 .. n) as [-]digits[.digits] with at most 15 digits: 0 and *v, the
 * double strtod reads from it; else -1 (*v left), and strtod must read it.
 * (strtod's general path is most of reading a file of decimals.) */
int cs_field_decimal(const char *s, size_t n, double *v);

/* A header row f[0 .. n) of file path at line: col[c] = the field named
 * names[c] (c < nnames). Every name must be there once; a field naming
 * none of them is an error unless allow_unknown. Errors read "PATH:LINE:
 * header: column X is missing (HAS)", "... appears twice" and "unknown
 * column "X" (HAS)", where HAS says what the format's header holds.
 * 0 or -CS_EPARSE. */
int cs_field_columns(const char *path, uint32_t line, char *const *f, size_t n, const char *const *names,
		     int nnames, int allow_unknown, const char *has, int *col, char *err, size_t errlen);

#endif
