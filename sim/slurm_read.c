/* capsim: reading a slurm.conf-style file: comments, continued lines,
 * Key=Value pairs, each logical line handed to a line_fn. */
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

/* The largest file and line read (a slurm.conf is a few kilobytes). */
#define SC_FILE_MAX (16 << 20)
#define SC_LINE_MAX (1 << 20)

/* ---- reading lines ---------------------------------------------------------------- */

/* One logical line: physical lines joined at a trailing '\', comments cut.
 * seg_line[i] is the physical line of the text from seg_off[i] on. */
typedef struct logical {
	char *text;
	size_t len, cap;
	int seg_off[64], seg_line[64], nseg;
} logical;

static int line_at(const logical *lg, size_t off)
{
	int line = lg->seg_line[0];
	for (int i = 0; i < lg->nseg && (size_t)lg->seg_off[i] <= off; i++)
		line = lg->seg_line[i];
	return line;
}

/* Split a logical line into pairs (in place). A value may be double-quoted. */
static int split_pairs(ld *l, logical *lg, pair **out, int *np, int *cap)
{
	char *s = lg->text;
	*np = 0;
	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		pair p = { .key = s, .line = line_at(lg, (size_t)(s - lg->text)) };
		while (*s && *s != '=' && !isspace((unsigned char)*s))
			s++;
		if (*s == '=') {
			*s++ = '\0';
			if (*s == '"') {
				p.val = ++s;
				char *q = strchr(s, '"');
				if (!q)
					return cs_sc_fail(l, -CS_EPARSE, p.line, p.key, "value without its closing '\"'");
				*q = '\0';
				s = q + 1;
				if (*s && !isspace((unsigned char)*s))
					return cs_sc_fail(l, -CS_EPARSE, p.line, p.key, "text right after a closing '\"'");
			} else {
				p.val = s;
				while (*s && !isspace((unsigned char)*s))
					s++;
			}
		} else {
			p.val = NULL;
		}
		if (*s)
			*s++ = '\0';
		if (!*p.key)
			return cs_sc_fail(l, -CS_EPARSE, p.line, "=", "'=' without a key");
		if (cs_sc_grow(out, cap, *np, sizeof **out))
			return cs_sc_oom(l);
		(*out)[(*np)++] = p;
	}
	return 0;
}

/* Read path line by line into fn. include_line > 0: named by an Include
 * on that line of l->file, which a failure to open then points at. */
int cs_sc_read_file(ld *l, const char *path, line_fn fn, int include_line)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (include_line > 0)
			return cs_sc_fail(l, -CS_EIO, include_line, "Include", "%s: cannot open: %s", path, strerror(errno));
		snprintf(l->err, l->errlen, "%s: cannot open: %s", path, strerror(errno));
		return -CS_EIO;
	}
	/* a device or FIFO never ends (Include /dev/zero read 2.1 GB) */
	struct stat st;
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > SC_FILE_MAX) {
		int reg = S_ISREG(st.st_mode);
		fclose(f);
		const char *why = !reg ? "not a regular file" : "larger than 16 MiB: not a slurm.conf";
		if (include_line > 0)
			return cs_sc_fail(l, -CS_EIO, include_line, "Include", "%s: %s", path, why);
		snprintf(l->err, l->errlen, "%s: %s", path, why);
		return -CS_EIO;
	}
	const char *saved = l->file;
	if (!(l->file = cs_sc_own_str(l, path))) {
		fclose(f);
		l->file = saved;
		return cs_sc_oom(l);
	}
	logical lg = { 0 };
	pair *pr = NULL;
	int np = 0, cappr = 0, rc = 0, lineno = 0, cont = 0;
	char *buf = NULL;
	size_t bufcap = 0;
	ssize_t got;
	while (rc == 0 && (got = getline(&buf, &bufcap, f)) >= 0) {
		lineno++;
		if (got > SC_LINE_MAX) {
			rc = cs_sc_fail(l, -CS_EPARSE, lineno, "line", "longer than %d bytes", SC_LINE_MAX);
			break;
		}
		/* '#' outside double quotes starts a comment */
		int inq = 0;
		for (ssize_t i = 0; i < got; i++) {
			if (buf[i] == '"')
				inq = !inq;
			if ((buf[i] == '#' && !inq) || buf[i] == '\n' || buf[i] == '\r') {
				buf[i] = '\0';
				break;
			}
		}
		size_t n = strlen(buf);
		while (n && isspace((unsigned char)buf[n - 1]))
			n--;
		int more = n && buf[n - 1] == '\\';
		if (more)
			buf[--n] = ' ';
		if (!cont) {
			lg.len = 0;
			lg.nseg = 0;
		}
		if (lg.nseg == 64) {
			rc = cs_sc_fail(l, -CS_EPARSE, lineno, "\\", "more than 64 continued lines");
			break;
		}
		lg.seg_off[lg.nseg] = (int)lg.len;
		lg.seg_line[lg.nseg++] = lineno;
		if (lg.len + n + 2 > lg.cap) {
			size_t cap = 2 * (lg.len + n + 2);
			char *t = realloc(lg.text, cap);
			if (!t) {
				rc = cs_sc_oom(l);
				break;
			}
			lg.text = t;
			lg.cap = cap;
		}
		memcpy(lg.text + lg.len, buf, n);
		lg.len += n;
		lg.text[lg.len++] = ' '; /* joined lines stay separate words */
		lg.text[lg.len] = '\0';
		cont = more;
		if (cont)
			continue;
		rc = split_pairs(l, &lg, &pr, &np, &cappr);
		if (rc == 0 && np > 0)
			rc = fn(l, pr, np);
	}
	if (rc == 0 && cont)
		rc = cs_sc_fail(l, -CS_EPARSE, lineno, "\\", "continuation at the end of the file");
	if (rc == 0 && ferror(f)) {
		snprintf(l->err, l->errlen, "%s: read error", path);
		rc = -CS_EIO;
	}
	free(buf);
	free(lg.text);
	free(pr);
	fclose(f);
	if (rc == 0)
		l->file = saved;
	return rc;
}
