/* capsim: reading text files line by line. See include/capsim/lines.h. */
#include "capsim/lines.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int cs_lines_open(cs_lines *l, const char *path, char *err, size_t errlen)
{
	memset(l, 0, sizeof *l);
	l->path = path;
	gzFile g = gzopen(path, "rb");
	if (!g) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno ? errno : ENOENT));
		return -CS_EIO;
	}
	gzbuffer(g, 1 << 17);
	l->gz = g;
	return 0;
}

/* zlib's state after a read that returned less than asked: 0, or
 * -CS_EIO with "FILE:LINE: read error: ..." (a truncated stream is
 * Z_BUF_ERROR, which gzgets and gzeof alone do not report). */
static int lines_zcheck(const cs_lines *l, char *err, size_t errlen)
{
	int e;
	const char *m = gzerror(l->gz, &e);
	if (e == Z_OK)
		return 0;
	snprintf(err, errlen, "%s:%u: read error: %s", l->path, l->lineno + 1,
		 e == Z_BUF_ERROR ? "truncated gzip data (the file ends inside the compressed stream)"
		 : e == Z_ERRNO ? strerror(errno) : m);
	return -CS_EIO;
}

int cs_lines_next(cs_lines *l, char **line, size_t *len, char *err, size_t errlen)
{
	size_t n = 0;
	for (;;) {
		if (l->cap - n < 2) {
			if (l->cap >= CS_LINE_MAX) {
				snprintf(err, errlen, "%s:%u: line longer than %d bytes: not a trace of this format",
					 l->path, l->lineno + 1, CS_LINE_MAX);
				return -CS_EPARSE;
			}
			size_t cap = l->cap ? l->cap * 2 : 4096;
			char *b = realloc(l->buf, cap);
			if (!b) {
				snprintf(err, errlen, "out of memory");
				return -CS_ENOMEM;
			}
			l->buf = b;
			l->cap = cap;
		}
		if (!gzgets(l->gz, l->buf + n, (int)(l->cap - n))) {
			int rc = lines_zcheck(l, err, errlen);
			if (rc < 0)
				return rc;
			if (!n)
				return 0;
			break;
		}
		size_t k = strlen(l->buf + n);
		n += k;
		if (n && l->buf[n - 1] == '\n')
			break;
		if (gzeof(l->gz)) {
			int rc = lines_zcheck(l, err, errlen);
			if (rc < 0)
				return rc;
			break;
		}
		if (k == 0) {
			snprintf(err, errlen, "%s:%u: a NUL byte in the line: not a text file", l->path,
				 l->lineno + 1);
			return -CS_EPARSE;
		}
	}
	l->lineno++;
	if (n && l->buf[n - 1] == '\n')
		n--;
	if (n && l->buf[n - 1] == '\r')
		n--;
	l->buf[n] = '\0';
	*line = l->buf;
	*len = n;
	return 1;
}

void cs_lines_close(cs_lines *l)
{
	if (l->gz)
		gzclose(l->gz);
	free(l->buf);
	memset(l, 0, sizeof *l);
}

size_t cs_lines_split(char *line, char sep, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line;
	for (;;) {
		if (n == max)
			return max + 1;
		fields[n++] = p;
		char *q = strchr(p, sep);
		if (!q)
			return n;
		*q = '\0';
		p = q + 1;
	}
}
