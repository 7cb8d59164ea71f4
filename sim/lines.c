/* capsim: reading text files line by line. See include/capsim/lines.h. */
#include "capsim/lines.h"
#include "field.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	/* zlib reads into the caller's buffer directly only when asked for
	 * at least twice its own: half a block, so that a fill of a block or
	 * more (all but after a line near a block long) is not copied */
	gzbuffer(g, CS_LINES_BLOCK / 2);
	l->gz = g;
	return 0;
}

/* zlib's state after a read that returned less than asked: 0, or
 * -CS_EIO with "FILE:LINE: read error: ..." (a truncated stream is
 * Z_BUF_ERROR, which a short gzread alone does not report). */
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

/* Read more of the file after the l->end bytes held, into a buffer
 * of twice CS_LINES_BLOCK (zlib's own is half a block) grown by
 * doubling up to CS_LINE_MAX; the unread bytes [pos, end) move to
 * the front first. 0, or an error for the line being read. */
static int lines_fill(cs_lines *l, char *err, size_t errlen)
{
	if (l->pos) {
		memmove(l->buf, l->buf + l->pos, l->end - l->pos);
		l->end -= l->pos;
		l->pos = 0;
	}
	if (l->cap - l->end < 2) {
		if (l->cap >= CS_LINE_MAX) {
			snprintf(err, errlen, "%s:%u: line longer than %d bytes: not a trace of this format",
				 l->path, l->lineno + 1, CS_LINE_MAX);
			return -CS_EPARSE;
		}
		size_t cap = l->cap ? l->cap * 2 : 2 * CS_LINES_BLOCK;
		char *b = realloc(l->buf, cap + CS_LINES_PAD);
		if (!b) {
			snprintf(err, errlen, "out of memory");
			return -CS_ENOMEM;
		}
		l->buf = b;
		l->cap = cap;
	}
	/* one byte kept for the NUL after a last line without "\n" */
	unsigned want = (unsigned)(l->cap - l->end - 1);
	int got = gzread(l->gz, l->buf + l->end, want);
	if (got < 0 || (unsigned)got < want) {
		int rc = lines_zcheck(l, err, errlen);
		if (rc < 0)
			return rc;
		if (got < 0) {
			snprintf(err, errlen, "%s:%u: read error", l->path, l->lineno + 1);
			return -CS_EIO;
		}
	}
	if (got == 0)
		l->eof = 1;
	l->end += (size_t)got;
	memset(l->buf + l->end, 0, CS_LINES_PAD); /* (a last line's NUL goes at end, before them) */
	return 0;
}

int cs_lines_next(cs_lines *l, char **line, size_t *len, char *err, size_t errlen)
{
	size_t seen = 0; /* bytes of this line already searched for its "\n" */
	char *nl;
	for (;;) {
		size_t have = l->end - l->pos; /* (none, and no buffer, before the first read) */
		nl = have > seen ? memchr(l->buf + l->pos + seen, '\n', have - seen) : NULL;
		if (nl || l->eof)
			break;
		seen = have;
		int rc = lines_fill(l, err, errlen);
		if (rc < 0)
			return rc;
	}
	char *p = l->buf + l->pos;
	size_t n;
	if (nl) {
		n = (size_t)(nl - p);
		l->pos += n + 1;
	} else {
		n = l->end - l->pos;
		if (!n)
			return 0;
		l->pos = l->end;
	}
	l->lineno++;
	if (memchr(p, '\0', n)) {
		snprintf(err, errlen, "%s:%u: a NUL byte in the line: not a text file", l->path, l->lineno);
		return -CS_EPARSE;
	}
	if (n && p[n - 1] == '\r')
		n--;
	p[n] = '\0';
	*line = p;
	*len = n;
	return 1;
}

int cs_lines_progress(const cs_lines *l, uint64_t *done, uint64_t *left)
{
	struct stat st;
	if (!l->gz || !gzdirect(l->gz) || stat(l->path, &st) < 0 || !S_ISREG(st.st_mode))
		return -1;
	z_off_t at = gztell(l->gz); /* the bytes read ahead, [pos, end) of them not yet returned */
	if (at < 0 || (uint64_t)at < l->end - l->pos || (uint64_t)st.st_size < (uint64_t)at)
		return -1;
	*done = (uint64_t)at - (l->end - l->pos);
	*left = (uint64_t)st.st_size - *done;
	return 0;
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

/* The bytes of w equal to c or 0: the high bit of the first such byte
 * (and maybe of bytes after it), 0 if none. */
static uint64_t word_stop(uint64_t w, uint64_t c)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t x = w ^ c;
	return ((w - ones) & ~w & highs) | ((x - ones) & ~x & highs);
}

size_t cs_lines_split_len(char *line, char sep, char **fields, size_t *lens, size_t max)
{
	const uint64_t c = 0x0101010101010101u * (unsigned char)sep;
	size_t n = 0;
	char *p = line;
	for (;;) {
		if (n == max)
			return max + 1;
		fields[n] = p;
		uint64_t m;
		while (!(m = word_stop(cs_field_word(p), c)))
			p += 8;
		p += __builtin_ctzll(m) >> 3;
		lens[n] = (size_t)(p - fields[n]);
		n++;
		if (!*p)
			return n;
		*p++ = '\0';
	}
}
