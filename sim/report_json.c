/* capsim: the report pages' data as jansson's json_dumps writes it with the
 * page's flags (report_data.h: cs_report_page_json), without a printf per
 * real: the page's charts hold some fifteen thousand reals a year, and
 * jansson formats each with snprintf's "%.6g". */
#include "report_data.h"
#include "csvout_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The text json_dumps gives for a real that "%.6g" writes exponent-style
 * or that this file does not work out itself: snprintf's, a ".0" added
 * where there is neither a point nor an exponent, and the exponent's '+'
 * and leading zeros dropped (jansson 2.14's jsonp_dtostr). */
static size_t real6_printf(char *buf, double v)
{
	char t[64];
	int n = snprintf(t, sizeof t, "%.6g", v);
	if (n < 0 || (size_t)n >= sizeof t)
		return 0;
	size_t len = (size_t)n;
	if (!strchr(t, '.') && !strchr(t, 'e')) {
		memcpy(t + len, ".0", 3);
		len += 2;
	}
	char *start = strchr(t, 'e');
	if (start) {
		start++;
		char *end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, len - (size_t)(end - t) + 1);
			len -= (size_t)(end - start);
		}
	}
	memcpy(buf, t, len);
	return len;
}

size_t cs_report_real6(char *buf, double v)
{
	/* "%.6g" of |v| in [1e-4, 1e6) whose six digits' exponent X is in
	 * -4..5 is "%.(5 - X)f" without its fraction's trailing zeros: q =
	 * |v| 10^p rounded (p = 5 - X, 0..9: cs_fixed_scaled's precisions)
	 * has six digits exactly when X is the exponent of v rounded to six
	 * digits, as printf chooses it */
	double a = v < 0 ? -v : v;
	if (v == 0) { /* "0" or "-0", and ".0" */
		uint64_t bits;
		memcpy(&bits, &v, sizeof bits);
		size_t neg = bits >> 63;
		memcpy(buf, "-0.0" + 1 - neg, 3 + neg);
		return 3 + neg;
	}
	if (!(a >= 1e-4 && a < 1e6))
		return real6_printf(buf, v);
	static const double tens[] = { 1e-4, 1e-3, 1e-2, 1e-1, 1, 1e1, 1e2, 1e3, 1e4, 1e5 };
	int x = 9;
	while (x > 0 && a < tens[x])
		x--;
	int p = 9 - x; /* 5 - X for X = x - 4: a first guess */
	uint64_t q = 0;
	int neg = 0;
	for (int tries = 0;; tries++) {
		if (tries == 3 || p < 0 || p > 9 || cs_fixed_scaled(a, p, &q, &neg) < 0)
			return real6_printf(buf, v);
		if (q >= 1000000)
			p--;
		else if (q < 100000)
			p++;
		else
			break;
	}
	char *o = buf;
	if (v < 0)
		*o++ = '-';
	uint32_t pw = cs_pow10_u32(p), frac = (uint32_t)(q % pw);
	o = cs_put_u64_in(o, q / pw);
	if (!frac) {
		memcpy(o, ".0", 2);
		return (size_t)(o + 2 - buf);
	}
	int keep = p;
	while (frac % 10 == 0) {
		frac /= 10;
		keep--;
	}
	*o++ = '.';
	cs_put_width(o + keep, frac, keep);
	return (size_t)(o + keep - buf);
}

/* The text as it grows. */
typedef struct jbuf {
	char *p;
	size_t len, cap;
} jbuf;

/* Room for n more bytes: where they go, or NULL out of memory. */
static char *room(jbuf *b, size_t n)
{
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? 2 * b->cap : 1 << 16;
		while (cap - b->len < n)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np)
			return NULL;
		b->p = np;
		b->cap = cap;
	}
	return b->p + b->len;
}

/* s (len bytes) as jansson's dump_string writes it with JSON_ESCAPE_SLASH;
 * -1 for a byte past ASCII (jansson checks its UTF-8: left to it). */
static int put_string(jbuf *b, const char *s, size_t len)
{
	char *o = room(b, 6 * len + 2);
	if (!o)
		return -1;
	*o++ = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80)
			return -1;
		if (c >= 0x20 && c != '"' && c != '\\' && c != '/') {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"':
		case '\\':
		case '/':
			*o++ = (char)c;
			break;
		case '\b':
			*o++ = 'b';
			break;
		case '\f':
			*o++ = 'f';
			break;
		case '\n':
			*o++ = 'n';
			break;
		case '\r':
			*o++ = 'r';
			break;
		case '\t':
			*o++ = 't';
			break;
		default: /* "\\u%04X" */
			memcpy(o, "u00", 3);
			o[3] = "0123456789ABCDEF"[c >> 4];
			o[4] = "0123456789ABCDEF"[c & 15];
			o += 5;
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
	return 0;
}

/* v into b as do_dump writes it (compact): 0, or -1 where this file
 * leaves it to jansson. */
static int put_value(jbuf *b, const json_t *v, int depth)
{
	char *o;
	if (!v || depth > 64)
		return -1;
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_TRUE:
		if (!(o = room(b, 4)))
			return -1;
		memcpy(o, json_is_null(v) ? "null" : "true", 4);
		b->len += 4;
		return 0;
	case JSON_FALSE:
		if (!(o = room(b, 5)))
			return -1;
		memcpy(o, "false", 5);
		b->len += 5;
		return 0;
	case JSON_INTEGER: /* "%" JSON_INTEGER_FORMAT: "%lld" */
		if (!(o = room(b, CS_PUT_INT_MAX)))
			return -1;
		b->len = (size_t)(cs_put_int_in(o, json_integer_value(v)) - b->p);
		return 0;
	case JSON_REAL: {
		if (!(o = room(b, 64)))
			return -1;
		size_t n = cs_report_real6(o, json_real_value(v));
		b->len += n;
		return n ? 0 : -1;
	}
	case JSON_STRING:
		return put_string(b, json_string_value(v), json_string_length(v));
	case JSON_ARRAY: {
		size_t n = json_array_size(v);
		if (!(o = room(b, 1)))
			return -1;
		*o = '[';
		b->len++;
		for (size_t i = 0; i < n; i++) {
			if (i) {
				if (!(o = room(b, 1)))
					return -1;
				*o = ',';
				b->len++;
			}
			if (put_value(b, json_array_get(v, i), depth + 1) < 0)
				return -1;
		}
		if (!(o = room(b, 1)))
			return -1;
		*o = ']';
		b->len++;
		return 0;
	}
	case JSON_OBJECT: {
		if (!(o = room(b, 1)))
			return -1;
		*o = '{';
		b->len++;
		int first = 1;
		for (void *it = json_object_iter((json_t *)v); it; it = json_object_iter_next((json_t *)v, it)) {
			if (!first) {
				if (!(o = room(b, 1)))
					return -1;
				*o = ',';
				b->len++;
			}
			first = 0;
			if (put_string(b, json_object_iter_key(it), json_object_iter_key_len(it)) < 0 ||
			    !(o = room(b, 1)))
				return -1;
			*o = ':';
			b->len++;
			if (put_value(b, json_object_iter_value(it), depth + 1) < 0)
				return -1;
		}
		if (!(o = room(b, 1)))
			return -1;
		*o = '}';
		b->len++;
		return 0;
	}
	default:
		return -1;
	}
}

char *cs_report_page_json(const json_t *v, size_t *len)
{
	jbuf b = { 0 };
	if (put_value(&b, v, 0) == 0 && room(&b, 1)) {
		b.p[b.len] = 0;
		*len = b.len;
		return b.p;
	}
	free(b.p);
	/* jansson's own text (and its verdict) */
	char *s = json_dumps(v, CS_PAGE_JSON | JSON_ENCODE_ANY);
	*len = s ? strlen(s) : 0;
	return s;
}
