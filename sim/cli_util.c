/* capsim: option parsing shared by the commands (sim/cli.h). */
#include "cli.h"
#include "capsim/run.h"
#include "fmtutil.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One line on stderr whatever the message holds: bytes from an input
 * (a field echoed back, a multi-line YAML scalar) that are control
 * characters or not UTF-8 are written as \n, \t, \r or \xNN. */
int cs_cli_die(int code, const char *msg)
{
	const unsigned char *s = (const unsigned char *)msg;
	size_t len = strlen(msg);
	fputs("capsim: ", stderr);
	for (size_t i = 0; i < len;) {
		uint32_t cp = 0;
		size_t n = cs_utf8_seq(s + i, len - i, &cp);
		if (n && cp >= 0x20 && cp != 0x7f) {
			fwrite(s + i, 1, n, stderr);
			i += n;
			continue;
		}
		if (s[i] == '\n')
			fputs("\\n", stderr);
		else if (s[i] == '\t')
			fputs("\\t", stderr);
		else if (s[i] == '\r')
			fputs("\\r", stderr);
		else
			fprintf(stderr, "\\x%02x", s[i]);
		i++;
	}
	fputc('\n', stderr);
	return code;
}

int cs_cli_i64(const char *opt, const char *s, int64_t min, int64_t *out, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*s && !*end && errno == ERANGE) {
		snprintf(err, errlen, "%s: '%s' is out of range (at most %lld)", opt, s, LLONG_MAX);
		return -1;
	}
	if (!*s || *end || errno || v < min) {
		snprintf(err, errlen, "%s: '%s' is not an integer >= %lld", opt, s, (long long)min);
		return -1;
	}
	*out = v;
	return 0;
}

int cs_cli_pos_double(const char *opt, const char *s, double max, double *out, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || *end || errno || !(v > 0) || v > max) {
		snprintf(err, errlen, "%s: '%s' is not a number in (0, %g]", opt, s, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* --jobs A-B: a job-id range (either end may be left out: A-, -B). */
int cs_cli_id_range(const char *s, int64_t *lo, int64_t *hi, char *err, size_t errlen)
{
	const char *dash = strchr(s + (*s == '-' && s[1] == '-' ? 1 : 0), '-');
	char a[32] = "", b[32] = "";
	if (!dash || dash - s >= (long)sizeof a || strlen(dash + 1) >= sizeof b)
		goto bad;
	memcpy(a, s, (size_t)(dash - s));
	strcpy(b, dash + 1);
	char *end;
	*lo = INT64_MIN;
	*hi = INT64_MAX;
	if (*a) {
		errno = 0;
		*lo = strtoll(a, &end, 10);
		if (*end || errno)
			goto bad;
	}
	if (*b) {
		errno = 0;
		*hi = strtoll(b, &end, 10);
		if (*end || errno)
			goto bad;
	}
	if (*lo > *hi)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "--jobs: '%s' is not a job-id range FIRST-LAST (e.g. 100-2000, 500-, -99)", s);
	return -1;
}

int cs_cli_pick(const char *opt, const char *const *names, size_t n, const char *s, int *out,
		char *err, size_t errlen)
{
	int v = cs_name_lookup(names, n, s);
	if (v < 0) {
		int k = snprintf(err, errlen, "%s: '%s' is not one of", opt, s);
		for (size_t i = 0; i < n && k > 0 && (size_t)k < errlen; i++)
			k += snprintf(err + k, errlen - (size_t)k, " %s", names[i]);
		return -1;
	}
	*out = v;
	return 0;
}

