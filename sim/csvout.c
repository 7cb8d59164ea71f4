/* capsim: writing the CSV outputs' fields (include/capsim/csvout.h). */
#include "capsim/csvout.h"
#include "capsim/types.h"

#include <errno.h>
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
