/* capsim: the fields of a text record. See field.h. */
#include "capsim/types.h"
#include "field.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cs_field_err(char *err, size_t errlen, const char *path, uint32_t line, const char *col, const char *fmt, ...)
{
	int o = snprintf(err, errlen, "%s:%" PRIu32 ": column %s: ", path, line, col);
	if (o > 0 && (size_t)o < errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + o, errlen - (size_t)o, fmt, ap);
		va_end(ap);
	}
	return -CS_EPARSE;
}

int cs_field_missing(const char *s)
{
	return !*s || strcmp(s, "None") == 0 || strcmp(s, "NaN") == 0 || strcmp(s, "nan") == 0;
}

int cs_field_int(const char *s, int64_t *v)
{
	/* -?[0-9]+ within int64 (as strtoll reads it, refusing what it
	 * would skip or cut: spaces, '+', overflow), by hand: a reader's
	 * commonest call. 18 digits cannot overflow; past them each digit
	 * is checked. */
	int neg = *s == '-';
	const unsigned char *p = (const unsigned char *)s + neg;
	uint64_t x = 0;
	unsigned d;
	size_t n = 0;
	for (; n < 18 && (d = (unsigned)p[n] - '0') <= 9; n++)
		x = x * 10 + d;
	if (n == 0)
		return -1;
	if (n == 18) {
		uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
		for (; (d = (unsigned)p[n] - '0') <= 9; n++) {
			if (x > (lim - d) / 10)
				return -1;
			x = x * 10 + d;
		}
	}
	if (p[n])
		return -1;
	*v = neg ? (int64_t)(0 - x) : (int64_t)x;
	return 0;
}

int cs_field_columns(const char *path, uint32_t line, char *const *f, size_t n, const char *const *names,
		     int nnames, int allow_unknown, const char *has, int *col, char *err, size_t errlen)
{
	for (int c = 0; c < nnames; c++)
		col[c] = -1;
	for (size_t i = 0; i < n; i++) {
		int c = 0;
		while (c < nnames && strcmp(f[i], names[c]) != 0)
			c++;
		if (c == nnames) {
			if (allow_unknown)
				continue;
			snprintf(err, errlen, "%s:%" PRIu32 ": header: unknown column \"%s\" (%s)", path, line, f[i], has);
			return -CS_EPARSE;
		}
		if (col[c] >= 0) {
			snprintf(err, errlen, "%s:%" PRIu32 ": header: column %s appears twice", path, line, f[i]);
			return -CS_EPARSE;
		}
		col[c] = (int)i;
	}
	for (int c = 0; c < nnames; c++) {
		if (col[c] < 0) {
			snprintf(err, errlen, "%s:%" PRIu32 ": header: column %s is missing (%s)", path, line, names[c],
				 has);
			return -CS_EPARSE;
		}
	}
	return 0;
}

int cs_field_decimal(const char *s, size_t n, double *v)
{
	/* m / 10^k of two exactly representable doubles (m < 10^15 < 2^53,
	 * k <= 15), which IEEE division rounds correctly, as strtod would */
	static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
				      1e14, 1e15 };
	size_t i = 0;
	int neg = 0, digits = 0, frac = -1;
	uint64_t m = 0;
	if (n && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	for (; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d <= 9) {
			if (++digits > 15)
				return -1;
			m = m * 10 + d;
			if (frac >= 0)
				frac++;
		} else if (s[i] == '.' && frac < 0) {
			frac = 0;
		} else {
			return -1;
		}
	}
	if (digits == 0 || frac == 0)
		return -1;
	double x = (double)m;
	if (frac > 0)
		x /= p10[frac];
	*v = neg ? -x : x;
	return 0;
}
