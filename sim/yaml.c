/* capsim: reading YAML configs with libfyaml. See yaml.h. */
#include "yaml.h"
#include "utf8.h"
#include "child.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "capsim/types.h"

/* libfyaml 0.7 has no start mark for a node, only for a token: a scalar's
 * comes from its token, a collection's from its first scalar. */
int cs_yaml_where(struct fy_node *n, int *line, int *col)
{
	if (!n)
		return -1;
	void *it = NULL;
	if (fy_node_is_mapping(n)) {
		struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
		return p ? cs_yaml_where(fy_node_pair_key(p), line, col) : -1;
	}
	if (fy_node_is_sequence(n))
		return cs_yaml_where(fy_node_sequence_iterate(n, &it), line, col);
	struct fy_token *t = fy_node_get_scalar_token(n);
	const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
	if (!m)
		return -1;
	*line = m->line + 1;
	*col = m->column + 1;
	return 0;
}

int cs_yaml_line_of(struct fy_node *n)
{
	int line = 0, col;
	return cs_yaml_where(n, &line, &col) == 0 ? line : 0;
}

static int vfail(cs_yaml *y, int rc, struct fy_node *at, struct fy_node *fallback, const char *key,
		 const char *fmt, va_list ap)
{
	char msg[384];
	vsnprintf(msg, sizeof msg, fmt, ap);
	int line, col;
	if (cs_yaml_where(at, &line, &col) == 0 || cs_yaml_where(fallback, &line, &col) == 0)
		snprintf(y->err, y->errlen, "%s:%d:%d: %s: %s", y->file, line, col, key, msg);
	else
		snprintf(y->err, y->errlen, "%s: %s: %s", y->file, key, msg);
	return rc;
}

int cs_yaml_fail(cs_yaml *y, int rc, struct fy_node *at, struct fy_node *fallback, const char *key,
		 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rc = vfail(y, rc, at, fallback, key, fmt, ap);
	va_end(ap);
	return rc;
}

int cs_yaml_failv(cs_yaml *y, int rc, const cs_yfield *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rc = vfail(y, rc, f->val, f->key, f->path, fmt, ap);
	va_end(ap);
	return rc;
}

int cs_yaml_oom(cs_yaml *y)
{
	snprintf(y->err, y->errlen, "%s: out of memory", y->file);
	return -CS_ENOMEM;
}

void *cs_yaml_own(cs_yaml *y, void *p)
{
	if (!p)
		return NULL;
	if (*y->nowned == *y->capowned) {
		size_t cap = *y->capowned ? 2 * *y->capowned : 32;
		void **o = realloc(*y->owned, cap * sizeof *o);
		if (!o) {
			free(p);
			return NULL;
		}
		*y->owned = o;
		*y->capowned = cap;
	}
	(*y->owned)[(*y->nowned)++] = p;
	return p;
}

const char *cs_yaml_kind(struct fy_node *n)
{
	return !n ? "nothing" : fy_node_is_mapping(n) ? "a mapping" : fy_node_is_sequence(n) ? "a list" : "a scalar";
}

/* (every field looked up builds its path, for an error that seldom comes:
 * copied, not formatted) */
void cs_yaml_join(char *out, size_t len, const char *path, const char *key)
{
	size_t room = len - 1, a = strlen(path), b = strlen(key);
	size_t n = a < room ? a : room;
	memmove(out, path, n);
	if (a && n < room)
		out[n++] = '.';
	size_t k = b < room - n ? b : room - n;
	memmove(out + n, key, k);
	out[n + k] = '\0';
}

const char *cs_yaml_key_text(struct fy_node *n, size_t *len)
{
	const char *s = fy_node_get_scalar(n, len), *z = s ? memchr(s, 0, *len) : NULL;
	if (z)
		*len = (size_t)(z - s);
	return s;
}

int cs_yaml_key_is(struct fy_node *n, const char *key)
{
	size_t len, kl = strlen(key);
	const char *s = cs_yaml_key_text(n, &len);
	return s && len == kl && memcmp(s, key, kl) == 0;
}

int cs_yaml_check_keys(cs_yaml *y, struct fy_node *map, const char *path, const char *what,
		       const char *const *keys)
{
	return cs_yaml_check_keys_at(y, map, path, what, keys, NULL);
}

int cs_yaml_pick(struct fy_node *const *pair, const char *const *keys, int k, const char *path, cs_yfield *f)
{
	f->key = pair[2 * k];
	f->val = pair[2 * k + 1];
	cs_yaml_join(f->path, sizeof f->path, path, keys[k]);
	return f->key != NULL;
}

int cs_yaml_check_keys_at(cs_yaml *y, struct fy_node *map, const char *path, const char *what,
			  const char *const *keys, struct fy_node **pair)
{
	void *it = NULL;
	struct fy_node_pair *p;
	while ((p = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *k = fy_node_pair_key(p);
		size_t len;
		const char *s = k && fy_node_is_scalar(k) ? cs_yaml_key_text(k, &len) : NULL;
		if (!s)
			return cs_yaml_fail(y, -CS_EPARSE, k, map, *path ? path : what, "expected string keys, got %s",
					    k ? cs_yaml_kind(k) : "an empty key");
		int known = 0, j = 0;
		for (; keys[j] && !known; j++)
			known = strlen(keys[j]) == len && memcmp(keys[j], s, len) == 0;
		if (known && pair && !pair[2 * (j - 1)]) {
			pair[2 * (j - 1)] = k;
			pair[2 * (j - 1) + 1] = fy_node_pair_value(p);
		}
		if (!known) {
			s = fy_node_get_scalar0(k);
			char full[192], list[256] = "";
			cs_yaml_join(full, sizeof full, path, s);
			for (const char *const *kk = keys; *kk; kk++)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", kk == keys ? "" : ", ", *kk);
			return cs_yaml_fail(y, -CS_EPARSE, k, NULL, full, "unknown key, expected one of: %s", list);
		}
	}
	return 0;
}

int cs_yaml_field(cs_yaml *y, struct fy_node *map, struct fy_node *at, const char *path, const char *key,
		  int required, cs_yfield *f)
{
	memset(f, 0, sizeof *f);
	cs_yaml_join(f->path, sizeof f->path, path, key);
	void *it = NULL;
	struct fy_node_pair *p;
	while ((p = fy_node_mapping_iterate(map, &it))) {
		if (cs_yaml_key_is(fy_node_pair_key(p), key)) {
			f->key = fy_node_pair_key(p);
			f->val = fy_node_pair_value(p);
			return 1;
		}
	}
	if (!required)
		return 0;
	return cs_yaml_fail(y, -CS_EPARSE, map, at, f->path, "missing required key");
}

/* An empty value (`key:` alone) is a null scalar: treated as absent text. */
const char *cs_yaml_text(const cs_yfield *f, size_t *len)
{
	if (!f->val || !fy_node_is_scalar(f->val))
		return NULL;
	const char *s = fy_node_get_scalar(f->val, len);
	return s && *len ? s : NULL;
}

int cs_yaml_str(cs_yaml *y, const cs_yfield *f, const char **out)
{
	size_t len = 0;
	if (f->val && !fy_node_is_scalar(f->val))
		return cs_yaml_failv(y, -CS_EPARSE, f, "expected a string, got %s", cs_yaml_kind(f->val));
	const char *s = cs_yaml_text(f, &len);
	if (!s)
		return cs_yaml_failv(y, -CS_EPARSE, f, "expected a non-empty string, got nothing");
	char *d = cs_yaml_own(y, strndup(s, len));
	if (!d)
		return cs_yaml_oom(y);
	*out = d;
	return 0;
}

/* Numbers must be plain scalars: `count: "4"` is a string in YAML. */
static int number_text(cs_yaml *y, const cs_yfield *f, const char *what, char *buf, size_t buflen)
{
	size_t len = 0;
	if (f->val && !fy_node_is_scalar(f->val))
		return cs_yaml_failv(y, -CS_EPARSE, f, "expected %s, got %s", what, cs_yaml_kind(f->val));
	const char *s = cs_yaml_text(f, &len);
	if (!s)
		return cs_yaml_failv(y, -CS_EPARSE, f, "expected %s, got nothing", what);
	if (fy_node_get_style(f->val) != FYNS_PLAIN)
		return cs_yaml_failv(y, -CS_EPARSE, f, "expected %s, got the quoted string \"%.*s\"", what,
				     (int)(len > 64 ? 64 : len), s);
	if (len >= buflen)
		return cs_yaml_failv(y, -CS_EPARSE, f, "expected %s, got '%.32s...'", what, s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

int cs_yaml_i64(cs_yaml *y, const cs_yfield *f, int64_t lo, int64_t hi, int64_t *out)
{
	char buf[64], *end;
	int rc = number_text(y, f, "an integer", buf, sizeof buf);
	if (rc < 0)
		return rc;
	errno = 0;
	long long v = strtoll(buf, &end, 10);
	if (end == buf || *end || errno)
		return cs_yaml_failv(y, -CS_EPARSE, f, "expected an integer, got '%s'", buf);
	if (v < lo)
		return cs_yaml_failv(y, -CS_EINVAL, f, "must be >= %lld, got %lld", (long long)lo, v);
	if (v > hi)
		return cs_yaml_failv(y, -CS_EINVAL, f, "must be <= %lld, got %lld", (long long)hi, v);
	*out = v;
	return 0;
}

int cs_yaml_num(cs_yaml *y, const cs_yfield *f, double lo, int strict, double hi, double *out)
{
	char buf[64], *end;
	int rc = number_text(y, f, "a number", buf, sizeof buf);
	if (rc < 0)
		return rc;
	/* up to 15 digits: the integer, which strtod gives exactly (most
	 * numbers of a config: shares, TB, hours) */
	size_t nd = 0;
	double v = 0;
	while (nd < 16 && buf[nd] >= '0' && buf[nd] <= '9')
		v = v * 10 + (buf[nd++] - '0');
	errno = 0;
	if (nd && nd < 16 && !buf[nd])
		end = buf + nd;
	else
		v = strtod(buf, &end);
	if (end == buf || *end || errno || !isfinite(v))
		return cs_yaml_failv(y, -CS_EPARSE, f, "expected a number, got '%s'", buf);
	if (strict ? !(v > lo) : !(v >= lo))
		return cs_yaml_failv(y, -CS_EINVAL, f, "must be %s %g, got %s", strict ? ">" : ">=", lo, buf);
	if (v > hi)
		return cs_yaml_failv(y, -CS_EINVAL, f, "must be <= %g, got %s", hi, buf);
	*out = v;
	return 0;
}

const char *cs_yaml_got(const cs_yfield *f)
{
	size_t len = 0;
	if (!f->val || (fy_node_is_scalar(f->val) && !cs_yaml_text(f, &len)))
		return "nothing";
	return cs_yaml_kind(f->val);
}

int cs_yaml_need_map(cs_yaml *y, const cs_yfield *f)
{
	if (f->val && fy_node_is_mapping(f->val))
		return 0;
	return cs_yaml_failv(y, -CS_EPARSE, f, "expected a mapping, got %s", cs_yaml_got(f));
}

int cs_yaml_need_list(cs_yaml *y, const cs_yfield *f, int min)
{
	if (!f->val || !fy_node_is_sequence(f->val))
		return cs_yaml_failv(y, -CS_EPARSE, f, "expected a list, got %s", cs_yaml_got(f));
	int n = fy_node_sequence_item_count(f->val);
	if (n < min && min == 1)
		return cs_yaml_failv(y, -CS_EPARSE, f, "expected a non-empty list");
	if (n < min)
		return cs_yaml_failv(y, -CS_EPARSE, f, "expected a list of at least %d items, got %d", min, n);
	return n;
}

void cs_yaml_item(const cs_yfield *list, struct fy_node *it, int i, cs_yfield *out)
{
	memset(out, 0, sizeof *out);
	out->key = list->key; /* where to point if the item is empty */
	out->val = it;
	/* "%s[%d]" of list's path and i, copied rather than formatted (every
	 * item of a 600 KB accounts file has one); a path too long for the
	 * buffer is cut, as snprintf cuts it: it is only a message */
	char idx[16], *e = idx + sizeof idx, *d = e;
	*--d = ']';
	unsigned u = (unsigned)i;
	do
		*--d = (char)('0' + u % 10);
	while (u /= 10);
	*--d = '[';
	size_t room = sizeof out->path - 1, a = strlen(list->path), b = (size_t)(e - d);
	size_t n = a < room ? a : room, k = b < room - n ? b : room - n;
	memcpy(out->path, list->path, n);
	memcpy(out->path + n, d, k);
	out->path[n + k] = '\0';
}

static void quiet(struct fy_diag *d, void *user, const char *buf, size_t len)
{
	(void)d, (void)user, (void)buf, (void)len;
}

/* YAML is UTF-8 (and capsim reads no UTF-16 config): check the bytes before
 * libfyaml sees them, since some invalid ones make it loop forever
 * (0.7.12). Refused: malformed, overlong or surrogate sequences, code points
 * above U+10FFFF, and control characters YAML does not allow (all of C0 but
 * tab, line feed and carriage return; DEL). 0, or -CS_EPARSE with
 * "FILE:LINE:COL: ..." (COL counts bytes from 1). */
static int check_text(cs_yaml *y, const unsigned char *s, size_t len)
{
	int line = 1;
	size_t bol = 0;
	for (size_t i = 0; i < len;) {
		unsigned c = s[i];
		if (c >= 0x20 && c < 0x7f) { /* printable ASCII: one byte, allowed, no line break */
			i++;
			continue;
		}
		uint32_t cp = 0;
		size_t n = cs_utf8_seq(s + i, len - i, &cp);
		if (!n) {
			snprintf(y->err, y->errlen, "%s:%d:%zu: invalid UTF-8 (byte 0x%02x): a YAML config is UTF-8 text",
				 y->file, line, i - bol + 1, c);
			return -CS_EPARSE;
		}
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7f) {
			snprintf(y->err, y->errlen, "%s:%d:%zu: control character 0x%02x: not allowed in YAML",
				 y->file, line, i - bol + 1, (unsigned)cp);
			return -CS_EPARSE;
		}
		if (c == '\n' || (c == '\r' && (i + 1 == len || s[i + 1] != '\n'))) {
			line++;
			bol = i + 1;
		}
		i += n;
	}
	return 0;
}

/* The whole file, at most CS_YAML_MAX bytes, NUL-terminated (malloc'ed). */
static char *slurp(cs_yaml *y, size_t *len, int *rc)
{
	FILE *f = fopen(y->file, "rb");
	if (!f) {
		snprintf(y->err, y->errlen, "%s: cannot open: %s", y->file, strerror(errno));
		*rc = -CS_EIO;
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		size_t k = fread(buf + n, 1, cap - n, f);
		n += k;
		if (n < cap)
			break;
		if (cap > CS_YAML_MAX) {
			snprintf(y->err, y->errlen, "%s: larger than %d MiB: not a capsim config", y->file,
				 CS_YAML_MAX >> 20);
			*rc = -CS_EPARSE;
			free(buf);
			fclose(f);
			return NULL;
		}
		cap *= 2;
		char *b = realloc(buf, cap + 1);
		if (!b)
			free(buf);
		buf = b;
	}
	int bad = ferror(f), e = errno;
	fclose(f);
	if (!buf) {
		*rc = cs_yaml_oom(y);
		return NULL;
	}
	if (bad) {
		snprintf(y->err, y->errlen, "%s: read error: %s", y->file, strerror(e));
		*rc = -CS_EIO;
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

/* capsim configs have no use for aliases, and libfyaml would expand every
 * one ("billion laughs"): the first alias found is an error. */
static int no_alias(cs_yaml *y, struct fy_node *n, struct fy_node *key)
{
	if (!n)
		return 0;
	if (fy_node_is_alias(n)) {
		int line, col;
		/* at the key that holds it (an alias token's own mark is not
		 * reliable in libfyaml 0.7) */
		if (cs_yaml_where(key, &line, &col) == 0 || cs_yaml_where(n, &line, &col) == 0)
			snprintf(y->err, y->errlen, "%s:%d:%d: YAML alias: capsim configs take no aliases (*name); "
				 "write the value out", y->file, line, col);
		else
			snprintf(y->err, y->errlen, "%s: YAML alias: capsim configs take no aliases (*name); "
				 "write the value out", y->file);
		return -CS_EPARSE;
	}
	void *it = NULL;
	if (fy_node_is_mapping(n)) {
		struct fy_node_pair *p;
		while ((p = fy_node_mapping_iterate(n, &it))) {
			int rc = no_alias(y, fy_node_pair_key(p), fy_node_pair_key(p));
			if (rc == 0)
				rc = no_alias(y, fy_node_pair_value(p), fy_node_pair_key(p));
			if (rc < 0)
				return rc;
		}
	} else if (fy_node_is_sequence(n)) {
		struct fy_node *c;
		while ((c = fy_node_sequence_iterate(n, &it)))
			if (no_alias(y, c, key) < 0)
				return -CS_EPARSE;
	}
	return 0;
}

/* For the tests: a crash where a file's first parse runs. */
static void fault(void)
{
	const char *f = getenv("CAPSIM_YAML_CHILD_FAULT");
	if (f && !strcmp(f, "segv"))
		raise(SIGSEGV);
}

/* libfyaml 0.7.12 crashes on some valid UTF-8 (a SEGV in
 * fy_indent_vacuum_internal, found by fuzzing), so a user's file is first
 * parsed in a child process; only if that parse ends, whatever its
 * verdict, is the same text parsed here. The child runs libfyaml's parser
 * over every event without building the document; only if the text has
 * an error does it also build the document, whose error path is where
 * that crash lies (the bare parser stops cleanly there). A valid 600 KB
 * file costs the child 0.02 s of CPU and 240 page faults, not the 0.13 s
 * and 7,000 of building and freeing its document. (The accounts file is
 * loaded whole in a child of its own instead: sim/accounts_child.c.) 0,
 * or -CS_EPARSE naming the file. */
static int parse_in_child(cs_yaml *y, const char *text, size_t len, const struct fy_parse_cfg *cfg)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(y->err, y->errlen, "%s: cannot start the YAML parser's process: %s", y->file, strerror(errno));
		return -CS_ENOMEM;
	}
	if (pid == 0) {
		cs_child_limits(CS_YAML_CPU_S, CS_YAML_MEM_MIB);
		fault();
		struct fy_parser *p = fy_parser_create(cfg);
		int bad = !p || fy_parser_set_string(p, text, len) != 0;
		struct fy_event *e;
		while (!bad && (e = fy_parser_parse(p)))
			fy_parser_event_free(p, e);
		if (bad || fy_parser_get_stream_error(p))
			fy_document_build_from_string(cfg, text, len); /* the builder's error path */
		_exit(0); /* the parent reads the verdict from its own parse */
	}
	char why[128];
	if (cs_child_wait(pid, CS_YAML_CPU_S, why, sizeof why) == 0)
		return 0;
	snprintf(y->err, y->errlen, "%s: the YAML parser (libfyaml) %s on this file: not YAML capsim can read",
		 y->file, why);
	return -CS_EPARSE;
}

struct fy_document *cs_yaml_parse(cs_yaml *y, const char *text, size_t len, const char *empty_msg, int *rc)
{
	char *own = NULL;
	if (!text && !(text = own = slurp(y, &len, rc)))
		return NULL;
	if (len > CS_YAML_MAX) {
		snprintf(y->err, y->errlen, "%s: larger than %d MiB: not a capsim config", y->file, CS_YAML_MAX >> 20);
		*rc = -CS_EPARSE;
		free(own);
		return NULL;
	}
	if ((*rc = check_text(y, (const unsigned char *)text, len)) < 0) {
		free(own);
		return NULL;
	}
	struct fy_diag_cfg dcfg;
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL; /* libfyaml prints to stderr by default: only the command layer prints */
	dcfg.output_fn = quiet;
	dcfg.colorize = false;
	struct fy_diag *diag = fy_diag_create(&dcfg);
	if (!diag) {
		free(own);
		*rc = cs_yaml_oom(y);
		return NULL;
	}
	fy_diag_set_collect_errors(diag, true);
	/* not FYPCF_RESOLVE_DOCUMENT: aliases are refused below, not expanded */
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET, .diag = diag };
	if (own && y->contained)
		fault();
	else if (own && (*rc = parse_in_child(y, own, len, &cfg)) < 0) {
		fy_diag_destroy(diag);
		free(own);
		return NULL;
	}
	/* an alias is a token at a '*': text without one has none for
	 * no_alias to look for (a 600 KB accounts file's walk: 6.6 M
	 * instructions) */
	int stars = memchr(text, '*', len) != NULL;
	/* the document refers to its text: a file's goes to libfyaml, which
	 * frees it with the document (or on failure) */
	struct fy_document *doc = own ? fy_document_build_from_malloc_string(&cfg, own, len)
				      : fy_document_build_from_string(&cfg, text, len);
	own = NULL;
	if (!doc) {
		void *it = NULL;
		struct fy_diag_error *e = fy_diag_errors_iterate(diag, &it);
		char msg[256];
		/* one line: the first line of libfyaml's message */
		snprintf(msg, sizeof msg, "%s", e && e->msg ? e->msg : "invalid YAML");
		msg[strcspn(msg, "\r\n")] = 0;
		if (e && e->line > 0)
			snprintf(y->err, y->errlen, "%s:%d:%d: YAML syntax error: %s", y->file, e->line, e->column, msg);
		else if (e)
			snprintf(y->err, y->errlen, "%s: YAML syntax error: %s", y->file, msg);
		else /* libfyaml builds no document from an empty stream, silently */
			snprintf(y->err, y->errlen, "%s: %s", y->file, empty_msg);
		*rc = -CS_EPARSE;
	} else if (stars && (*rc = no_alias(y, fy_document_root(doc), NULL)) < 0) {
		fy_document_destroy(doc);
		doc = NULL;
	}
	fy_diag_destroy(diag);
	free(own);
	return doc;
}

int cs_yaml_openable(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int e = stat(path, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
	if (e) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
		return -CS_EIO;
	}
	return 0;
}
