/* capsim: writing the CSV outputs' fields (include/capsim/csvout.h). */
#include "capsim/csvout.h"
#include "csvout_int.h"
#include "civil.h"
#include "capsim/types.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "00" to "99": two digits a step, half the divisions of one a step. */
const char cs_digit_pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
				 "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
				 "8081828384858687888990919293949596979899";
#define pairs cs_digit_pairs

/* u's digits ending at end; their start. */
static char *digits_back(char *end, uint64_t u)
{
	while (u >= 100) {
		unsigned r = (unsigned)(u % 100);
		u /= 100;
		end -= 2;
		memcpy(end, pairs + 2 * r, 2);
	}
	if (u >= 10) {
		end -= 2;
		memcpy(end, pairs + 2 * u, 2);
	} else {
		*--end = (char)('0' + u);
	}
	return end;
}

/* How many digits u has (1 for 0): from its bit length (1233 / 4096 just
 * over log10 2), one fewer below the power of ten that guess names. */
static unsigned ndigits(uint64_t u)
{
	static const uint64_t p10[20] = { 1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
					  100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
					  10000000000000ull, 100000000000000ull, 1000000000000000ull,
					  10000000000000000ull, 100000000000000000ull, 1000000000000000000ull,
					  10000000000000000000ull };
	if (u < 10)
		return 1;
	unsigned t = (unsigned)(64 - __builtin_clzll(u)) * 1233 >> 12;
	return t + (u >= p10[t]);
}

/* u in decimal at p, its digits counted first so they go straight to
 * their places. */
char *cs_put_u64_long(char *p, uint64_t u)
{
	char *e = p + ndigits(u);
	digits_back(e, u);
	return e;
}

char *cs_put_int(char *p, int64_t v) { return cs_put_int_in(p, v); }

/* The bytes that end a field's plain run: those that need quotes, and its
 * end. */
static const unsigned char stops[256] = { [0] = 1, [','] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1 };

char *cs_put_field(char *p, const char *s, size_t len)
{
	const unsigned char *q = (const unsigned char *)s;
	while (!stops[*q])
		q++;
	if (!*q) {
		memcpy(p, s, len);
		return p + len;
	}
	/* quoted: each '"' doubled, the spans between them copied whole (a
	 * host list's brackets hold commas, most of them none) */
	*p++ = '"';
	for (const char *e = s + len; s < e;) {
		const char *qt = memchr(s, '"', (size_t)(e - s));
		size_t k = (size_t)((qt ? qt + 1 : e) - s);
		memcpy(p, s, k);
		p += k;
		s += k;
		if (qt)
			*p++ = '"';
	}
	*p++ = '"';
	return p;
}

void cs_csv_field(FILE *f, const char *s)
{
	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void cs_csv_int(FILE *f, int64_t v)
{
	char b[CS_PUT_INT_MAX];
	fwrite(b, 1, (size_t)(cs_put_int(b, v) - b), f);
}

void cs_csv_ints(FILE *f, char sep, const int64_t *v, size_t n)
{
	char b[16 * (CS_PUT_INT_MAX + 1)];
	while (n) {
		size_t k = n < 16 ? n : 16;
		char *p = b;
		for (size_t i = 0; i < k; i++) {
			*p++ = sep;
			p = cs_put_int(p, v[i]);
		}
		fwrite(b, 1, (size_t)(p - b), f);
		v += k;
		n -= k;
	}
}

char *cs_put_fixed(char *p, double x, int prec)
{
	uint64_t q;
	int neg;
	if (cs_fixed_scaled(x, prec, &q, &neg) < 0)
		return p + snprintf(p, CS_FMT_FIXED_LEN, "%.*f", prec, x);
	*p = '-';
	p += neg;
	/* one case a precision: each divides by its power of ten as a constant */
	switch (prec) {
	case 0: return cs_put_scaled(p, q, 0);
	case 1: return cs_put_scaled(p, q, 1);
	case 2: return cs_put_scaled(p, q, 2);
	case 3: return cs_put_scaled(p, q, 3);
	case 4: return cs_put_scaled(p, q, 4);
	case 5: return cs_put_scaled(p, q, 5);
	case 6: return cs_put_scaled(p, q, 6);
	case 7: return cs_put_scaled(p, q, 7);
	case 8: return cs_put_scaled(p, q, 8);
	default: return cs_put_scaled(p, q, 9);
	}
}

int cs_fixed_value(double x, int prec, double *v)
{
	/* the text is q's digits with a point before the last prec: at most
	 * 15 digits (q < 10^15; its whole part's 0 and prec <= 9 below
	 * that), which the reader takes as q / 10^prec, both exact doubles */
	uint64_t q;
	int neg;
	if (cs_fixed_scaled(x, prec, &q, &neg) < 0 || q >= UINT64_C(1000000000000000))
		return -1;
	double d = (double)q / (double)cs_pow10_u32(prec);
	*v = neg ? -d : d;
	return 0;
}

size_t cs_fmt_fixed(char *buf, double x, int prec)
{
	char *e = cs_put_fixed(buf, x, prec);
	*e = 0;
	return (size_t)(e - buf);
}

void cs_csv_fixed(FILE *f, double x, int prec)
{
	char b[CS_FMT_FIXED_LEN];
	fwrite(b, 1, cs_fmt_fixed(b, x, prec), f);
}

/* Two decimal digits of v (0..99) at p. */
static void two(char *p, unsigned v) { memcpy(p, pairs + 2 * v, 2); }

/* The calendar by arithmetic (gmtime_r and strftime for each of a year's
 * million times were a third of writing jobs.csv), a day's "YYYY-MM-DD"
 * kept for the next times on that day (a run's times come in days, a
 * row's three usually in one or two); years of other than four digits go
 * the library's way. len >= 21 for the first; the text's length. */
CS_INLINE size_t utc_text(char *buf, size_t len, int64_t epoch, int64_t t)
{
	static _Thread_local struct {
		int64_t day;
		int set;
		char ymd[10];
	} memo[64];
	/* (the day of a time after 1970 by an unsigned division, the second
	 * of the day in 32 bits: no fix-ups for negative quotients) */
	int64_t s = epoch + t, days = s >= 0 ? (int64_t)((uint64_t)s / 86400) : (s - 86399) / 86400;
	uint32_t sec = (uint32_t)(s - days * 86400);
	unsigned h = (unsigned)days & 63;
	if (len >= 21 && (!memo[h].set || memo[h].day != days)) {
		int64_t y;
		int m, d;
		cs_civil_from_days(days, &y, &m, &d);
		memo[h].set = y >= 1000 && y <= 9999;
		memo[h].day = days;
		if (memo[h].set) {
			memcpy(memo[h].ymd, "0000-00-00", 10);
			two(memo[h].ymd, (unsigned)(y / 100));
			two(memo[h].ymd + 2, (unsigned)(y % 100));
			two(memo[h].ymd + 5, (unsigned)m);
			two(memo[h].ymd + 8, (unsigned)d);
		}
	}
	if (len >= 21 && memo[h].set) {
		memcpy(buf, memo[h].ymd, 10);
		memcpy(buf + 10, "T00:00:00Z", 11);
		two(buf + 11, sec / 3600);
		two(buf + 14, sec % 3600 / 60);
		two(buf + 17, sec % 60);
		return 20;
	}
	time_t u = (time_t)(epoch + t);
	struct tm tm;
	if (!gmtime_r(&u, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		if (len)
			*buf = 0;
		return 0;
	}
	return strlen(buf);
}

void cs_utc_string(char *buf, size_t len, int64_t epoch, int64_t t)
{
	if (len)
		*buf = 0;
	if (!epoch || t < 0)
		return;
	utc_text(buf, len, epoch, t);
}

char *cs_put_utc(char *p, int64_t epoch, int64_t t)
{
	if (!epoch || t < 0)
		return p;
	return p + utc_text(p, CS_PUT_UTC_MAX, epoch, t);
}

void cs_csv_utc(FILE *f, int64_t epoch, int64_t t)
{
	char b[CS_PUT_UTC_MAX];
	fwrite(b, 1, (size_t)(cs_put_utc(b, epoch, t) - b), f);
}

#define WBUF_BLOCK ((size_t)1 << 17)

void cs_wbuf_init(cs_wbuf *w, FILE *f) { *w = (cs_wbuf){ .f = f }; }

char *cs_wbuf_room(cs_wbuf *w, size_t n)
{
	if (w->buf && (size_t)(w->buf + w->cap - w->p) >= n)
		return w->p;
	cs_wbuf_flush(w);
	if (n > w->cap || !w->buf) {
		size_t cap = n > WBUF_BLOCK ? n : WBUF_BLOCK;
		char *nb = realloc(w->buf, cap);
		if (!nb) {
			w->oom = 1;
			w->p = w->buf;
			return NULL;
		}
		w->buf = nb;
		w->cap = cap;
	}
	w->p = w->buf;
	return w->p;
}

void cs_wbuf_flush(cs_wbuf *w)
{
	if (w->buf && w->p > w->buf)
		fwrite(w->buf, 1, (size_t)(w->p - w->buf), w->f);
	w->p = w->buf;
}

int cs_wbuf_finish(cs_wbuf *w)
{
	cs_wbuf_flush(w);
	free(w->buf);
	int oom = w->oom;
	*w = (cs_wbuf){ .f = w->f };
	return oom ? -CS_ENOMEM : 0;
}

FILE *cs_csv_open(const char *dir, const char *name, char *path, size_t plen, char *err, size_t errlen)
{
	snprintf(path, plen, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
	return f;
}

int cs_csv_close(FILE *f, const char *path, char *err, size_t errlen)
{
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
		return -CS_EIO;
	}
	return 0;
}

int cs_wbuf_close(cs_wbuf *w, int rc, const char *path, char *err, size_t errlen)
{
	if (cs_wbuf_finish(w) < 0)
		rc = -CS_ENOMEM;
	int wrc = cs_csv_close(w->f, path, err, errlen);
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	return wrc;
}
