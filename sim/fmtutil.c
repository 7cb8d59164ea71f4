/* capsim: helpers the workload readers share. See fmtutil.h. */
#include "fmtutil.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t cs_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                                   /* 0..399 */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* 0..146096 */
	return era * 146097 + doe - 719468;
}

int cs_days_in_month(int64_t y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

int cs_col_err(char *err, size_t errlen, const char *path, uint32_t line, const char *col, const char *fmt, ...)
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

int cs_is_missing(const char *s)
{
	return !*s || strcmp(s, "None") == 0 || strcmp(s, "NaN") == 0 || strcmp(s, "nan") == 0;
}

int cs_parse_int(const char *s, int64_t *v)
{
	const char *p = s + (*s == '-');
	if (!isdigit((unsigned char)*p))
		return -1;
	char *end;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

int cs_header_columns(const char *path, uint32_t line, char *const *f, size_t n, const char *const *names,
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

int cs_meta_count(cs_trace *t, const char *key, uint64_t v)
{
	char b[32];
	snprintf(b, sizeof b, "%" PRIu64, v);
	return cs_trace_meta_set(t, key, b);
}

size_t cs_utf8_seq(const unsigned char *s, size_t len, uint32_t *cp)
{
	if (!len)
		return 0;
	unsigned c = s[0];
	size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 0 || n > len)
		return 0;
	uint32_t v = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
	for (size_t k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[k] & 0x3f);
	}
	if ((n == 2 && v < 0x80) || (n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10ffff ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

int cs_idset_push(cs_idset *s, int64_t id, uint32_t line)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 4096;
		struct cs_idline *nv = realloc(s->v, nc * sizeof *nv);
		if (!nv)
			return -CS_ENOMEM;
		s->v = nv;
		s->cap = nc;
	}
	s->v[s->n++] = (struct cs_idline){ id, line };
	return 0;
}

static int idline_cmp(const void *a, const void *b)
{
	const struct cs_idline *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

int cs_idset_check(cs_idset *s, const char *path, const char *field, char *err, size_t errlen)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof *s->v, idline_cmp);
	size_t at = 0;
	for (size_t i = 1; i < s->n; i++)
		if (s->v[i].id == s->v[i - 1].id && (!at || s->v[i].line < s->v[at].line))
			at = i;
	int rc = 0;
	if (at) {
		size_t first = at - 1;
		while (first && s->v[first - 1].id == s->v[at].id)
			first--;
		snprintf(err, errlen, "%s:%u: %s: job id %lld already on line %u: job ids must be unique", path,
			 s->v[at].line, field, (long long)s->v[at].id, s->v[first].line);
		rc = -CS_EPARSE;
	}
	cs_idset_free(s);
	return rc;
}

void cs_idset_free(cs_idset *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}
