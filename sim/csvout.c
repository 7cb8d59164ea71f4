/* capsim: writing the CSV outputs' fields (include/capsim/csvout.h). */
#include "capsim/csvout.h"

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

void cs_utc_string(char *buf, size_t len, int64_t epoch, int64_t t)
{
	if (len)
		*buf = 0;
	if (!epoch || t < 0)
		return;
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
