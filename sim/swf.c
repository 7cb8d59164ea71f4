/* capsim: Standard Workload Format reader. */
#include "capsim/swf.h"
#include "field.h"
#include "idset.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

const char *const cs_swf_field_names[18] = {
	"job number", "submit time", "wait time", "run time", "allocated processors",
	"average CPU time", "used memory", "requested processors", "requested time",
	"requested memory", "status", "user id", "group id", "executable number",
	"queue number", "partition number", "preceding job number", "think time",
};

/* Fields that may hold decimals (0-based): average CPU time, used memory,
 * requested memory. PWA logs do write decimals there (e.g. SDSC-SP2). */
static int is_decimal_field(int f) { return f == 5 || f == 6 || f == 9; }

/* Blanks between fields: space, tab, and \r \v \f (CRLF files). */
static const unsigned char blank[256] = { [' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\v'] = 1, ['\f'] = 1 };
static inline int is_space(char c) { return blank[(unsigned char)c]; }

static void token_copy(char *dst, size_t dstlen, const char *s, size_t n)
{
	if (n >= dstlen)
		n = dstlen - 4;
	memcpy(dst, s, n);
	dst[n] = 0;
	if (n == dstlen - 4)
		strcat(dst, "...");
}

/* Parse a decimal integer token [s, s+n). 0 or -1. */
static int parse_int(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	if (n && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n || n - i > 18)
		return -1;
	int64_t v = 0;
	for (; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return -1;
		v = v * 10 + d;
	}
	*out = neg ? -v : v;
	return 0;
}

static int parse_double(const char *s, size_t n, double *out)
{
	if (cs_field_decimal(s, n, out) == 0)
		return 0;
	char buf[64];
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	char *end;
	errno = 0;
	double v = strtod(buf, &end);
	if (end != buf + n || errno == ERANGE || v != v)
		return -1;
	*out = v;
	return 0;
}

static int field_error(const char *path, uint32_t lineno, int f, const char *b, const char *e,
		       const char *what, char *err, size_t errlen)
{
	const char *t = b;
	while (t < e && !is_space(*t))
		t++;
	char tok[40];
	token_copy(tok, sizeof tok, b, (size_t)(t - b));
	snprintf(err, errlen, "%s:%u: field %d (%s): '%s' is not %s", path, lineno, f + 1,
		 cs_swf_field_names[f], tok, what);
	return -CS_EPARSE;
}

/* One pass over the line: skip blanks, read a field, check that it ends at
 * a blank or the end of the line. */
int cs_swf_parse_line(const char *path, uint32_t lineno, const char *s, size_t len,
		      cs_swf_rec *rec, char *err, size_t errlen)
{
	int64_t iv[18];
	double dv[18];
	const char *p = s, *e = s + len;
	for (int f = 0; f < 18; f++) {
		while (p < e && is_space(*p))
			p++;
		if (p == e) {
			snprintf(err, errlen, "%s:%u: field %d (%s): missing (the line has %d fields, expected 18)",
				 path, lineno, f + 1, cs_swf_field_names[f], f);
			return -CS_EPARSE;
		}
		const char *b = p;
		if (is_decimal_field(f)) {
			while (p < e && !is_space(*p))
				p++;
			if (parse_double(b, (size_t)(p - b), &dv[f]) < 0)
				return field_error(path, lineno, f, b, e, "a number", err, errlen);
			continue;
		}
		int neg = *p == '-';
		if (neg || *p == '+')
			p++;
		const char *d0 = p, *dmax = e - p > 18 ? p + 18 : e;
		int64_t v = 0;
		unsigned d;
		while (p < dmax && (d = (unsigned)(*p - '0')) <= 9) {
			v = v * 10 + d;
			p++;
		}
		if (p == d0 || (p < e && !is_space(*p)))
			return field_error(path, lineno, f, b, e,
					   p == dmax && (unsigned)(*p - '0') <= 9 ? "an integer of at most 18 digits"
										 : "an integer",
					   err, errlen);
		iv[f] = neg ? -v : v;
	}
	while (p < e && is_space(*p))
		p++;
	if (p < e) {
		snprintf(err, errlen, "%s:%u: 19 fields or more, expected 18", path, lineno);
		return -CS_EPARSE;
	}
	/* times the engine adds and sums: bounded (types.h) */
	static const int tf[] = { 1, 2, 3, 8 };
	for (size_t k = 0; k < sizeof tf / sizeof tf[0]; k++)
		if (iv[tf[k]] > CS_TIME_LIMIT || iv[tf[k]] < -CS_TIME_LIMIT) {
			snprintf(err, errlen, "%s:%u: field %d (%s): %lld is not a time within +-2^40 s "
				 "(about 34,800 years)", path, lineno, tf[k] + 1, cs_swf_field_names[tf[k]],
				 (long long)iv[tf[k]]);
			return -CS_EPARSE;
		}
	rec->job = iv[0];
	rec->submit = iv[1];
	rec->wait = iv[2];
	rec->runtime = iv[3];
	rec->alloc_procs = iv[4];
	rec->avg_cpu = dv[5];
	rec->used_mem = dv[6];
	rec->req_procs = iv[7];
	rec->req_time = iv[8];
	rec->req_mem = dv[9];
	rec->status = iv[10];
	rec->user = iv[11];
	rec->group = iv[12];
	rec->exe = iv[13];
	rec->queue = iv[14];
	rec->partition = iv[15];
	rec->prev_job = iv[16];
	rec->think = iv[17];
	rec->line = lineno;
	return 0;
}

/* "; Key: value" header lines we use. Unknown keys are ignored (they are
 * free-form comments in SWF); a known key with a non-integer value is an
 * error. */
static int parse_header(const char *path, uint32_t lineno, const char *s, size_t len,
			cs_swf_header *h, char *err, size_t errlen)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "MaxNodes", offsetof(cs_swf_header, max_nodes) },
		{ "MaxProcs", offsetof(cs_swf_header, max_procs) },
		{ "UnixStartTime", offsetof(cs_swf_header, unix_start) },
		{ "MaxJobs", offsetof(cs_swf_header, max_jobs) },
	};
	size_t i = 1; /* past ';' */
	while (i < len && is_space(s[i]))
		i++;
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		size_t kl = strlen(keys[k].key);
		if (len - i > kl && memcmp(s + i, keys[k].key, kl) == 0 && s[i + kl] == ':') {
			size_t b = i + kl + 1;
			while (b < len && is_space(s[b]))
				b++;
			size_t e = len;
			while (e > b && is_space(s[e - 1]))
				e--;
			int64_t v;
			if (parse_int(s + b, e - b, &v) < 0) {
				char tok[40];
				token_copy(tok, sizeof tok, s + b, e - b);
				snprintf(err, errlen, "%s:%u: header %s: '%s' is not an integer",
					 path, lineno, keys[k].key, tok);
				return -CS_EPARSE;
			}
			*(int64_t *)((char *)h + keys[k].off) = v;
			return 0;
		}
	}
	return 0;
}

void cs_swf_free(cs_swf *s)
{
	free(s->recs);
	s->recs = NULL;
	s->n = s->cap = 0;
}

typedef struct scan {
	cs_swf_header *hdr;
	cs_swf_sink sink;
	void *ctx;
	size_t jobs;
	cs_idset ids;
} scan;

static int handle_line(const char *path, uint32_t lineno, const char *ls, size_t ll, scan *sc,
		       char *err, size_t errlen)
{
	if (memchr(ls, 0, ll)) {
		snprintf(err, errlen, "%s:%u: NUL byte: not a text SWF file", path, lineno);
		return -CS_EPARSE;
	}
	size_t k = 0;
	while (k < ll && is_space(ls[k]))
		k++;
	if (k == ll)
		return 0; /* blank line */
	if (ls[k] == ';')
		return parse_header(path, lineno, ls + k, ll - k, sc->hdr, err, errlen);
	cs_swf_rec rec;
	int rc = cs_swf_parse_line(path, lineno, ls, ll, &rec, err, errlen);
	if (rc < 0)
		return rc;
	sc->jobs++;
	if (cs_idset_push(&sc->ids, rec.job, lineno) < 0)
		return -CS_ENOMEM;
	return sc->sink(sc->ctx, &rec, err, errlen);
}

static int append_rec(void *ctx, const cs_swf_rec *rec, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	cs_swf *out = ctx;
	if (out->n == out->cap) {
		size_t nc = out->cap ? out->cap * 2 : 4096;
		cs_swf_rec *nr = realloc(out->recs, nc * sizeof *nr);
		if (!nr)
			return -CS_ENOMEM;
		out->recs = nr;
		out->cap = nc;
	}
	out->recs[out->n++] = *rec;
	return 0;
}

int cs_swf_read(const char *path, cs_swf *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	int rc = cs_swf_scan(path, &out->hdr, append_rec, out, err, errlen);
	if (rc < 0)
		cs_swf_free(out);
	return rc;
}

/* Streams the file through a fixed buffer: decompress a chunk, parse its
 * complete lines, carry the partial last line over. */
/* Decompression runs in its own thread, a few chunks ahead of the parser,
 * so on two cores inflating and parsing overlap. The byte stream, and so
 * every result, is the same as reading in one thread. A file that is not
 * gzip, which zlib passes through (gzdirect), is read in this thread,
 * straight into the line buffer: there is nothing to overlap, and the
 * thread's hand-offs and a copy would be a third of a small trace's read. */
enum { CHUNK = 1 << 17, NCHUNK = 4 };

typedef struct inflater {
	gzFile g;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *buf[NCHUNK];
	int len[NCHUNK];      /* bytes, 0 at the end, -1 on error */
	unsigned made, taken; /* chunks produced and consumed, ever */
	int stop;
	int direct;           /* a file zlib passes through (gzdirect): read in the caller's thread */
	char msg[160];        /* the reason, when a chunk says -1 */
} inflater;

/* CHUNK bytes of the stream (fewer at its end) into dst: their count, 0
 * at the end, -1 with the reason in z->msg. */
static int read_chunk(inflater *z, char *dst)
{
	int r = gzread(z->g, dst, CHUNK);
	int zerr = Z_OK;
	const char *m = gzerror(z->g, &zerr);
	if (r < 0 || (r == 0 && zerr != Z_OK)) {
		snprintf(z->msg, sizeof z->msg, "%s", zerr == Z_ERRNO ? strerror(errno)
			 : zerr == Z_BUF_ERROR ? "truncated gzip data" : m);
		r = -1;
	}
	return r;
}

static void *inflate_main(void *arg)
{
	inflater *z = arg;
	for (;;) {
		pthread_mutex_lock(&z->mu);
		while (z->made - z->taken == NCHUNK && !z->stop)
			pthread_cond_wait(&z->cv, &z->mu);
		int stop = z->stop;
		unsigned slot = z->made % NCHUNK;
		pthread_mutex_unlock(&z->mu);
		if (stop)
			break;
		int r = read_chunk(z, z->buf[slot]);
		pthread_mutex_lock(&z->mu);
		z->len[slot] = r;
		z->made++;
		pthread_cond_broadcast(&z->cv);
		pthread_mutex_unlock(&z->mu);
		if (r <= 0)
			break;
	}
	return NULL;
}

/* The reader thread started on chunks (NCHUNK x CHUNK bytes), unless the
 * file is read directly: 0, or -1 (no thread). */
static int inflater_start(inflater *z, char *chunks)
{
	if (z->direct)
		return 0;
	for (int i = 0; i < NCHUNK; i++)
		z->buf[i] = chunks + (size_t)i * CHUNK;
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->cv, NULL);
	if (pthread_create(&z->th, NULL, inflate_main, z) != 0) {
		pthread_mutex_destroy(&z->mu);
		pthread_cond_destroy(&z->cv);
		return -1;
	}
	return 0;
}

/* The stream's next chunk into dst (room for CHUNK bytes): its length, 0
 * at the end, -1 with the reason in z->msg. Read here (direct), else the
 * reader thread's next chunk, copied and its slot handed back. */
static int inflater_read(inflater *z, char *dst)
{
	if (z->direct)
		return read_chunk(z, dst);
	pthread_mutex_lock(&z->mu);
	while (z->made == z->taken)
		pthread_cond_wait(&z->cv, &z->mu);
	unsigned slot = z->taken % NCHUNK;
	pthread_mutex_unlock(&z->mu);
	int r = z->len[slot];
	if (r > 0)
		memcpy(dst, z->buf[slot], (size_t)r);
	pthread_mutex_lock(&z->mu);
	z->taken++;
	pthread_cond_broadcast(&z->cv);
	pthread_mutex_unlock(&z->mu);
	return r;
}

/* The reader thread stopped and joined (none when direct). */
static void inflater_stop(inflater *z)
{
	if (z->direct)
		return;
	pthread_mutex_lock(&z->mu);
	z->stop = 1;
	pthread_cond_broadcast(&z->cv);
	pthread_mutex_unlock(&z->mu);
	pthread_join(z->th, NULL);
	pthread_mutex_destroy(&z->mu);
	pthread_cond_destroy(&z->cv);
}

int cs_swf_scan(const char *path, cs_swf_header *hdr, cs_swf_sink sink, void *ctx,
		char *err, size_t errlen)
{
	enum { BUF = 2 * CHUNK };
	*hdr = (cs_swf_header){ -1, -1, -1, -1 };
	scan sc = { .hdr = hdr, .sink = sink, .ctx = ctx };
	FILE *probe = fopen(path, "rb");
	if (!probe) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -CS_EIO;
	}
	fclose(probe);
	inflater z = { .g = gzopen(path, "rb") };
	if (!z.g) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -CS_EIO;
	}
	/* half a chunk: zlib reads a chunk (at least twice its buffer) into
	 * the caller's memory directly, inflated or passed through */
	gzbuffer(z.g, CHUNK / 2);
	z.direct = gzdirect(z.g);
	char *buf = malloc(BUF + (z.direct ? 0 : (size_t)NCHUNK * CHUNK));
	if (!buf) {
		gzclose(z.g);
		snprintf(err, errlen, "%s: out of memory", path);
		return -CS_ENOMEM;
	}
	if (inflater_start(&z, buf + BUF) < 0) {
		free(buf);
		gzclose(z.g);
		snprintf(err, errlen, "%s: cannot start the reader thread", path);
		return -CS_EIO;
	}
	size_t have = 0, total = 0;
	uint32_t lineno = 0;
	int rc = 0, eof = 0;
	while (!eof) {
		int r = inflater_read(&z, buf + have);
		if (r < 0) {
			snprintf(err, errlen, "%s: cannot read: %s", path, z.msg);
			rc = -CS_EIO;
			break;
		}
		if (r == 0)
			eof = 1;
		have += (size_t)r;
		total += (size_t)r;
		size_t pos = 0;
		for (;;) {
			char *nl = memchr(buf + pos, '\n', have - pos);
			if (!nl && !(eof && pos < have))
				break;
			size_t ll = nl ? (size_t)(nl - (buf + pos)) : have - pos;
			rc = handle_line(path, ++lineno, buf + pos, ll, &sc, err, errlen);
			if (rc < 0)
				break;
			pos += ll + (nl ? 1 : 0);
		}
		if (rc < 0)
			break;
		memmove(buf, buf + pos, have - pos);
		have -= pos;
		if (have > BUF - CHUNK) {
			snprintf(err, errlen, "%s:%u: line longer than %d bytes", path, lineno + 1, BUF - CHUNK);
			rc = -CS_EPARSE;
			break;
		}
	}
	inflater_stop(&z);
	free(buf);
	if (gzclose(z.g) != Z_OK && rc == 0) {
		snprintf(err, errlen, "%s: cannot read: truncated or corrupt gzip data", path);
		rc = -CS_EIO;
	}
	if (rc == 0 && total == 0) {
		snprintf(err, errlen, "%s: empty file", path);
		rc = -CS_EIO;
	} else if (rc == 0 && sc.jobs == 0) {
		snprintf(err, errlen, "%s: no job lines (only comments or blank lines)", path);
		rc = -CS_EPARSE;
	} else if (rc == 0) {
		rc = cs_idset_check(&sc.ids, path, "field 1 (job number)", err, errlen);
	}
	cs_idset_free(&sc.ids);
	if (rc == -CS_ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	return rc;
}
