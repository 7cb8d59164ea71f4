/* capsim: Slurm's value syntax: numbers, times ([D-]HH:MM:SS) and host
 * lists (n[01-04,7]). See include/capsim/slurmconf.h. */
#include "slurmconf_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define HOSTLIST_MAX (1 << 20) /* a typo like n[1-999999999] must not eat the memory */

/* ---- numbers and times ----------------------------------------------------- */

/* Decimal digits only, into [lo, hi]. */
int cs_slurm_uint(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	if (!isdigit((unsigned char)*s))
		return -CS_EPARSE;
	int64_t v = 0;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return -CS_EPARSE;
		v = v * 10 + (*s - '0');
	}
	if (*s || v < lo || v > hi)
		return -CS_EPARSE;
	*out = v;
	return 0;
}

int cs_slurm_unlimited(const char *s)
{
	return strcasecmp(s, "UNLIMITED") == 0 || strcasecmp(s, "INFINITE") == 0;
}

int cs_slurm_time_parse(const char *s, int64_t *out_s)
{
	if (cs_slurm_unlimited(s) || strcmp(s, "-1") == 0) {
		*out_s = -1;
		return 0;
	}
	/* Up to four numbers: [D-]a[:b[:c]]. Slurm reads "a" as minutes, "a:b"
	 * as minutes:seconds, "a:b:c" as hours:minutes:seconds, and after "D-"
	 * the first number is always hours. */
	int64_t f[3] = { 0, 0, 0 }, days = 0;
	int nf = 0, has_days = 0;
	const char *p = s;
	for (;;) {
		if (!isdigit((unsigned char)*p))
			return -CS_EPARSE;
		int64_t v = 0;
		for (; isdigit((unsigned char)*p); p++) {
			if (v > 100000000)
				return -CS_EPARSE;
			v = v * 10 + (*p - '0');
		}
		if (*p == '-') {
			if (has_days || nf)
				return -CS_EPARSE;
			has_days = 1;
			days = v;
			p++;
			continue;
		}
		f[nf++] = v;
		if (*p == '\0')
			break;
		if (*p != ':' || nf == 3)
			return -CS_EPARSE;
		p++;
	}
	int64_t h = 0, m = 0, sec = 0;
	if (has_days) {
		h = f[0];
		m = nf > 1 ? f[1] : 0;
		sec = nf > 2 ? f[2] : 0;
	} else if (nf == 1) {
		m = f[0];
	} else if (nf == 2) {
		m = f[0];
		sec = f[1];
	} else {
		h = f[0];
		m = f[1];
		sec = f[2];
	}
	*out_s = ((days * 24 + h) * 60 + m) * 60 + sec;
	return 0;
}

/* ---- hostlists -------------------------------------------------------------- */

typedef struct range {
	int64_t lo, hi;
	int width; /* digits of the lower bound as written: zero padding */
} range;

typedef struct hl {
	char **names;
	int n, cap;
	char *err;
	size_t errlen;
} hl;

static int hl_fail(hl *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int hl_fail(hl *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->err, h->errlen, fmt, ap);
	va_end(ap);
	return -CS_EPARSE;
}

/* One bracket group's ranges, from just after '[' to its ']'. */
static int hl_group(hl *h, const char *item, const char *p, const char **end, range **out, int *nout)
{
	range *r = NULL;
	int n = 0, cap = 0;
	for (;;) {
		range x;
		const char *q = p;
		int64_t v = 0;
		while (isdigit((unsigned char)*q) && v < 1000000000)
			v = v * 10 + (*q++ - '0');
		if (q == p || isdigit((unsigned char)*q)) {
			free(r);
			return hl_fail(h, "%s: expected a number or a range in brackets at \"%s\"", item, p);
		}
		x.lo = x.hi = v;
		x.width = (int)(q - p);
		if (*q == '-') {
			const char *s = ++q;
			v = 0;
			while (isdigit((unsigned char)*q) && v < 1000000000)
				v = v * 10 + (*q++ - '0');
			if (q == s || isdigit((unsigned char)*q)) {
				free(r);
				if (!*q)
					return hl_fail(h, "%s: '[' without a closing ']'", item);
				return hl_fail(h, "%s: expected the upper bound of a range at \"%s\"", item, s);
			}
			x.hi = v;
			if (x.hi < x.lo) {
				free(r);
				return hl_fail(h, "%s: range %.*s runs backwards", item, (int)(q - p), p);
			}
		}
		if (cs_sc_grow(&r, &cap, n, sizeof *r)) {
			free(r);
			return -CS_ENOMEM;
		}
		r[n++] = x;
		if (*q == ',') {
			p = q + 1;
			continue;
		}
		if (*q != ']') {
			free(r);
			return *q ? hl_fail(h, "%s: unexpected '%c' in brackets", item, *q)
				  : hl_fail(h, "%s: '[' without a closing ']'", item);
		}
		*end = q + 1;
		*out = r;
		*nout = n;
		return 0;
	}
}

/* Append every name of item[pos..] to h, prefix holding what is fixed so far. */
static int hl_product(hl *h, const char *item, const char *pos, char *prefix, size_t plen, size_t pcap)
{
	const char *open = strchr(pos, '[');
	const char *close = strchr(pos, ']');
	if (close && (!open || close < open))
		return hl_fail(h, "%s: ']' without an opening '['", item);
	if (!open) {
		size_t tail = strlen(pos);
		if (plen + tail + 1 > pcap)
			return hl_fail(h, "%s: name too long", item);
		if (h->n >= HOSTLIST_MAX)
			return hl_fail(h, "more than %d names", HOSTLIST_MAX);
		if (cs_sc_grow(&h->names, &h->cap, h->n, sizeof *h->names))
			return -CS_ENOMEM;
		char *name = malloc(plen + tail + 1);
		if (!name)
			return -CS_ENOMEM;
		memcpy(name, prefix, plen);
		memcpy(name + plen, pos, tail + 1);
		h->names[h->n++] = name;
		return 0;
	}
	size_t lit = (size_t)(open - pos);
	if (plen + lit + 24 > pcap)
		return hl_fail(h, "%s: name too long", item);
	memcpy(prefix + plen, pos, lit);
	range *r = NULL;
	int nr = 0;
	const char *after;
	int rc = hl_group(h, item, open + 1, &after, &r, &nr);
	int64_t total = 0;
	for (int i = 0; rc == 0 && i < nr; i++)
		total += r[i].hi - r[i].lo + 1;
	if (rc == 0 && total > HOSTLIST_MAX - h->n) /* fail before building a million names */
		rc = hl_fail(h, "more than %d names", HOSTLIST_MAX);
	for (int i = 0; rc == 0 && i < nr; i++)
		for (int64_t v = r[i].lo; rc == 0 && v <= r[i].hi; v++) {
			int w = snprintf(prefix + plen + lit, pcap - plen - lit, "%0*lld", r[i].width, (long long)v);
			rc = hl_product(h, item, after, prefix, plen + lit + (size_t)w, pcap);
		}
	free(r);
	return rc;
}

int cs_slurm_hostlist_expand(const char *expr, char ***names, int *n, char *err, size_t errlen)
{
	hl h = { .err = err, .errlen = errlen };
	*names = NULL;
	*n = 0;
	size_t len = strlen(expr);
	char *item = malloc(len + 1), prefix[1024];
	if (!item)
		return -CS_ENOMEM;
	int rc = 0;
	/* Items are split at commas outside brackets. */
	for (const char *p = expr; rc == 0;) {
		const char *q = p;
		int depth = 0;
		for (; *q && !(*q == ',' && depth == 0); q++)
			depth += *q == '[' ? 1 : *q == ']' ? -1 : 0;
		memcpy(item, p, (size_t)(q - p));
		item[q - p] = '\0';
		if (!*item)
			rc = hl_fail(&h, "\"%s\": empty name in the list", expr);
		else
			rc = hl_product(&h, item, item, prefix, 0, sizeof prefix);
		if (!*q)
			break;
		p = q + 1;
	}
	free(item);
	if (rc) {
		if (rc == -CS_ENOMEM)
			snprintf(err, errlen, "out of memory");
		cs_slurm_hostlist_free(h.names, h.n);
		return rc;
	}
	*names = h.names;
	*n = h.n;
	return 0;
}

void cs_slurm_hostlist_free(char **names, int n)
{
	for (int i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}
