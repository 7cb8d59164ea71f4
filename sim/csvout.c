/* capsim: writing the CSV outputs' fields (include/capsim/csvout.h). */
#include "capsim/csvout.h"
#include "civil.h"
#include "capsim/types.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

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

/* v's digits ending at end (the sign too); their start. */
static char *digits(char *end, int64_t v)
{
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do
		*--end = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--end = '-';
	return end;
}

void cs_csv_int(FILE *f, int64_t v)
{
	char b[24], *s = digits(b + sizeof b, v);
	fwrite(s, 1, (size_t)(b + sizeof b - s), f);
}

void cs_csv_ints(FILE *f, char sep, const int64_t *v, size_t n)
{
	char b[16 * 21], *e = b + sizeof b;
	while (n) {
		/* from the last field back, as many as the buffer holds */
		size_t k = n < 16 ? n : 16;
		char *s = e;
		for (size_t i = k; i-- > 0;) {
			s = digits(s, v[i]);
			*--s = sep;
		}
		fwrite(s, 1, (size_t)(e - s), f);
		v += k;
		n -= k;
	}
}

__extension__ typedef unsigned __int128 u128;

size_t cs_fmt_fixed(char *buf, double x, int prec)
{
	/* x = m / 2^s exactly (m < 2^53), so x * 10^prec = m * 10^prec / 2^s
	 * is exact in 128 bits; rounding it to an integer half to even is
	 * what printf does with the digits after the last (in the default
	 * rounding mode). NaN, the infinities, |x| >= 2^32 and precisions
	 * outside 0..9 go printf's way. */
	static const uint32_t pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
					  1000000000 };
	if (prec < 0 || prec > 9 || !isfinite(x) || fabs(x) >= 4294967296.0)
		return (size_t)snprintf(buf, CS_FMT_FIXED_LEN, "%.*f", prec, x);
	int e;
	double fr = frexp(fabs(x), &e); /* |x| = fr * 2^e, fr in [0.5, 1) or 0 */
	uint64_t m = (uint64_t)ldexp(fr, 53), q = 0;
	int s = 53 - e; /* s > 20 */
	if (s < 84) {	/* else m * 10^prec < 2^83 is below half of 2^s: 0 */
		u128 p = (u128)m * pow10[prec], one = (u128)1 << s, rem = p & (one - 1), half = one >> 1;
		q = (uint64_t)(p >> s); /* < 2^32 * 10^9 */
		if (rem > half || (rem == half && (q & 1)))
			q++;
	}
	char t[40], *end = t + sizeof t, *c = end;
	uint64_t ip = q / pow10[prec], fp = q % pow10[prec];
	for (int i = 0; i < prec; i++, fp /= 10)
		*--c = (char)('0' + fp % 10);
	if (prec)
		*--c = '.';
	do
		*--c = (char)('0' + ip % 10);
	while (ip /= 10);
	if (signbit(x))
		*--c = '-';
	size_t n = (size_t)(end - c);
	memcpy(buf, c, n);
	buf[n] = 0;
	return n;
}

void cs_csv_fixed(FILE *f, double x, int prec)
{
	char b[CS_FMT_FIXED_LEN];
	fwrite(b, 1, cs_fmt_fixed(b, x, prec), f);
}

/* Two decimal digits of v (0..99) at p. */
static void two(char *p, int64_t v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

void cs_utc_string(char *buf, size_t len, int64_t epoch, int64_t t)
{
	if (len)
		*buf = 0;
	if (!epoch || t < 0)
		return;
	/* the calendar by arithmetic (gmtime_r and strftime for each of a
	 * year's million times were a third of writing jobs.csv); years of
	 * other than four digits go the library's way */
	int64_t s = epoch + t, days = (s >= 0 ? s : s - 86399) / 86400, sec = s - days * 86400, y;
	int m, d;
	cs_civil_from_days(days, &y, &m, &d);
	if (y >= 1000 && y <= 9999 && len >= 21) {
		memcpy(buf, "0000-00-00T00:00:00Z", 21);
		two(buf, y / 100);
		two(buf + 2, y % 100);
		two(buf + 5, m);
		two(buf + 8, d);
		two(buf + 11, sec / 3600);
		two(buf + 14, sec / 60 % 60);
		two(buf + 17, sec % 60);
		return;
	}
	time_t u = (time_t)(epoch + t);
	struct tm tm;
	if (!gmtime_r(&u, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		if (len)
			*buf = 0;
	}
}

void cs_csv_utc(FILE *f, int64_t epoch, int64_t t)
{
	char b[32];
	cs_utc_string(b, sizeof b, epoch, t);
	fputs(b, f);
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
		snprintf(err, errlen, "%s: write failed", path);
		return -CS_EIO;
	}
	return 0;
}
