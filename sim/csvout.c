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

void cs_csv_utc(FILE *f, int64_t epoch, int64_t t)
{
	if (!epoch || t < 0)
		return;
	time_t u = (time_t)(epoch + t);
	struct tm tm;
	char b[32];
	if (gmtime_r(&u, &tm) && strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm))
		fputs(b, f);
}
