/* capsim: capsim's native CSV format. See include/capsim/native.h and
 * docs/workloads.md. */
#include "capsim/alloc.h"
#include "capsim/lines.h"
#include "capsim/native.h"
#include "field.h"
#include "idset.h"
#include "native_int.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum { NC_ID, NC_PROJECT, NC_USER, NC_SUBMIT, NC_NODES, NC_GPUS, NC_CORES, NC_MEM, NC_LIMIT,
       NC_RUNTIME, NC_QOS, NC_PARTITION, NC_STATE, NC_START, NC_TOPOLOGY, NC_STAGE_IN, NC_STAGE_OUT,
       NC_STAGE_TIER, NC_N };
static const char *const nc_names[NC_N] = { "id", "project", "user", "submit", "nodes",
					     "gpus_per_node", "cores_per_node", "mem_per_node",
					     "time_limit", "runtime", "qos", "partition", "state",
					     "start", "topology", "stage_in_gb", "stage_out_gb", "stage_tier" };
#define NC_REQUIRED NC_START /* columns before this one are required */

const char *cs_native_topology_text(uint8_t rule, uint16_t k, char *buf, size_t len)
{
	if (rule == CS_TOPO_ONE_LEAF)
		return "leaf";
	if (rule == CS_TOPO_ONE_BLOCK)
		return "block";
	if (rule != CS_TOPO_MAX_LEAVES)
		return "";
	snprintf(buf, len, "leaves:%u", (unsigned)k);
	return buf;
}

int cs_native_topology(const char *v, uint8_t *rule, uint16_t *k)
{
	*rule = CS_TOPO_ANY;
	*k = 0;
	if (!*v || strcmp(v, "any") == 0)
		return 0;
	if (strcmp(v, "leaf") == 0) {
		*rule = CS_TOPO_ONE_LEAF;
		return 0;
	}
	if (strcmp(v, "block") == 0) {
		*rule = CS_TOPO_ONE_BLOCK;
		return 0;
	}
	int64_t n;
	if (strncmp(v, "leaves:", 7) == 0 && cs_field_int(v + 7, &n) == 0 && n >= 1 && n <= UINT16_MAX) {
		*rule = n == 1 ? CS_TOPO_ONE_LEAF : CS_TOPO_MAX_LEAVES;
		*k = n == 1 ? 0 : (uint16_t)n;
		return 0;
	}
	return -1;
}

/* The values a record's columns may hold, as the reader checks them (and
 * cs_native_as_read, which must refuse what the reader would). */
static int ok_submit(int64_t v) { return v >= 0 && v <= CS_TIME_LIMIT; }
static int ok_nodes(int64_t v) { return v >= 1 && v <= INT32_MAX; }
static int ok_gpus(int64_t v) { return v >= 0 && v <= CS_NATIVE_MAX_GPUS_PER_NODE; }
static int ok_cores(int64_t v) { return v >= 0 && v <= CS_NATIVE_MAX_CORES_PER_NODE; }
static int ok_limit(int64_t v) { return v != 0 && v >= -1 && v <= CS_TIME_LIMIT; }
static int ok_runtime(int64_t v) { return v >= -1 && v <= CS_TIME_LIMIT; }
static int ok_start(int64_t v, int64_t submit) { return v == -1 || (v >= submit && v <= CS_TIME_LIMIT); }

#define NERR(col, ...)                                                                          \
	do {                                                                                    \
		int o_ = snprintf(err, errlen, "%s:%u: column %s: ", path, l.lineno, nc_names[col]); \
		if (o_ > 0 && (size_t)o_ < errlen)                                              \
			snprintf(err + o_, errlen - (size_t)o_, __VA_ARGS__);                   \
		rc = -CS_EPARSE;                                                                \
		goto out;                                                                       \
	} while (0)

/* Column col's field of a split record as an integer: 0, or -1. */
#define FIELD_INT(col_, out) cs_field_int_len(f[col[col_]], fl[col[col_]], out)

int cs_native_gb(const char *v, int64_t *bytes)
{
	/* decimal GB with at most 9 decimals (a byte), read exactly: digits,
	 * not a double, so that a size written back is the size read */
	int64_t whole = 0, frac = 0;
	int nd = 0, nf = 0;
	const char *p = v;
	for (; *p >= '0' && *p <= '9'; p++, nd++)
		if (nd < 10)
			whole = whole * 10 + (*p - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, nf++)
			if (nf < 9)
				frac = frac * 10 + (*p - '0');
	if (*p || (!nd && !nf) || nd > 9 || nf > 9)
		return -1;
	for (int k = nf; k < 9; k++)
		frac *= 10;
	*bytes = whole * 1000000000 + frac;
	return 0;
}

const char *cs_native_gb_text(int64_t bytes, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%lld.%09lld", (long long)(bytes / 1000000000), (long long)(bytes % 1000000000));
	while (n > 0 && (size_t)n < len && buf[n - 1] == '0')
		buf[--n] = 0;
	if (n > 0 && (size_t)n < len && buf[n - 1] == '.')
		buf[--n] = 0;
	return buf;
}

/* A name list's names of up to 8 bytes by their bytes as one word (zero
 * past the name), in an open-addressed table looked at before the list's
 * own: one compare of words, not a string hash and compare, for the four
 * names of every record. */
typedef struct wordmap {
	uint64_t *key; /* 0: an empty slot (no name here is empty) */
	int32_t *val;
	size_t n, cap; /* cap a power of 2 (0 before the first name), n <= cap / 2 */
	unsigned shift; /* 64 - log2(cap) */
} wordmap;

static size_t wordmap_slot(const wordmap *m, uint64_t w)
{
	size_t k = (size_t)((w * 0x9E3779B97F4A7C15u) >> m->shift);
	while (m->key[k] && m->key[k] != w)
		k = (k + 1) & (m->cap - 1);
	return k;
}

static int wordmap_grow(wordmap *m)
{
	size_t cap = m->cap ? 2 * m->cap : 64;
	wordmap g = { calloc(cap, sizeof *g.key), malloc(cap * sizeof *g.val), m->n, cap, 64 };
	for (size_t c = cap; c > 1; c >>= 1)
		g.shift--;
	if (!g.key || !g.val) {
		free(g.key);
		free(g.val);
		return -CS_ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->key[i]) {
			size_t k = wordmap_slot(&g, m->key[i]);
			g.key[k] = m->key[i];
			g.val[k] = m->val[i];
		}
	free(m->key);
	free(m->val);
	*m = g;
	return 0;
}

/* A field's bytes s[0 .. len), len <= 8, as a word, zero past them (the
 * 8 bytes at s readable). */
static uint64_t field_word(const char *s, size_t len)
{
	uint64_t w = cs_field_word(s);
	return len < 8 ? w & (((uint64_t)1 << 8 * len) - 1) : w;
}

/* The states' names as two words each (zero past the name): a record's
 * state compared as words as the writer spells it, and by cs_state_lookup
 * (any case) if not so. */
typedef struct statewords {
	uint64_t w[CS_STATE_N][2];
	size_t len[CS_STATE_N];
} statewords;

static void statewords_init(statewords *sw)
{
	for (int i = 0; i < CS_STATE_N; i++) {
		char b[16] = { 0 };
		size_t n = strlen(cs_state_names[i]);
		memcpy(b, cs_state_names[i], n < 16 ? n : 16);
		sw->len[i] = n;
		sw->w[i][0] = field_word(b, n < 8 ? n : 8);
		sw->w[i][1] = n > 8 ? field_word(b + 8, n - 8 < 8 ? n - 8 : 8) : 0;
	}
}

/* The state named by field s (len bytes, CS_LINES_PAD bytes readable past
 * its NUL): its index, or -1. */
static int state_of(const statewords *sw, const char *s, size_t len)
{
	if (len <= 16) {
		uint64_t a = field_word(s, len < 8 ? len : 8), b = len > 8 ? field_word(s + 8, len - 8) : 0;
		for (int i = 0; i < CS_STATE_N; i++)
			if (sw->len[i] == len && sw->w[i][0] == a && sw->w[i][1] == b)
				return i;
	}
	return cs_state_lookup(s, len);
}

/* cs_names_intern of the field s (len bytes, not empty, CS_LINES_PAD
 * bytes readable past its NUL) in ns, through m. */
static int32_t intern_field(wordmap *m, cs_names *ns, const char *s, size_t len)
{
	if (len > 8)
		return cs_names_intern(ns, s, len);
	uint64_t w = field_word(s, len);
	size_t k = 0;
	if (m->cap && m->key[k = wordmap_slot(m, w)])
		return m->val[k];
	int32_t i = cs_names_intern(ns, s, len);
	if (i < 0)
		return i;
	if (2 * (m->n + 1) > m->cap) {
		if (wordmap_grow(m) < 0)
			return -CS_ENOMEM;
		k = wordmap_slot(m, w);
	}
	m->key[k] = w;
	m->val[k] = i;
	m->n++;
	return i;
}

/* The bytes of w that are not decimal digits: the first such byte is not
 * zero, the bytes before it are (those after it may be anything: a carry
 * out of a byte >= 0xFA, itself not a digit, reaches only them). */
static inline uint64_t nondigits(uint64_t w)
{
	const uint64_t f0 = 0xF0F0F0F0F0F0F0F0u, z = 0x3030303030303030u;
	return ((w & f0) ^ z) | (((w + 0x0606060606060606u) & f0) ^ z);
}

/* The bytes of w equal to c (a byte repeated) or 0: the high bit of the
 * first such byte, and maybe of bytes after it; 0 if none. */
static inline uint64_t stops(uint64_t w, uint64_t c)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t x = w ^ c;
	return ((w - ones) & ~w & highs) | ((x - ones) & ~x & highs);
}

/* An integer field at *pp of a line cs_lines_next returned: 1 to 8
 * digits, or -1, up to a ',' or the line's end, as cs_field_int reads it
 * (*pp moved to that end); -1 for anything else (which the general path
 * reads, or refuses). */
static inline __attribute__((always_inline)) int fast_int(const char **pp, int64_t *v)
{
	const char *p = *pp;
	if (*p == '-') { /* -1 (unknown) the one negative the columns take, but id's */
		if (p[1] != '1' || (p[2] != ',' && p[2] != '\0'))
			return -1;
		*v = -1;
		*pp = p + 2;
		return 0;
	}
	unsigned d = (unsigned char)p[0] - '0';
	if (d <= 9 && p[1] == ',') { /* one digit (a node, GPU or core count) */
		*v = d;
		*pp = p + 1;
		return 0;
	}
	uint64_t w = cs_field_word(p), bad = nondigits(w);
	unsigned n = bad ? (unsigned)__builtin_ctzll(bad) >> 3 : 8;
	if (n == 0 || (p[n] != ',' && p[n] != '\0'))
		return -1;
	w <<= 8 * (8 - n); /* as if written with leading zeros to 8 */
	w &= 0x0F0F0F0F0F0F0F0Fu;
	w = (w * 10 + (w >> 8)) & 0x00FF00FF00FF00FFu;
	w = (w * 100 + (w >> 16)) & 0x0000FFFF0000FFFFu;
	w = (w * 10000 + (w >> 32)) & 0xFFFFFFFFu;
	*v = (int64_t)w;
	*pp = p + n;
	return 0;
}

/* The length of the name field at p: the bytes up to a ',' or the line's
 * end, or -1 if a byte c (a byte repeated; 0: none) comes first. */
static inline long fast_name(const char *p, uint64_t c)
{
	const uint64_t comma = 0x0101010101010101u * ',';
	const char *q = p;
	uint64_t m;
	while (!(m = stops(cs_field_word(q), comma) | stops(cs_field_word(q), c)))
		q += 8;
	q += __builtin_ctzll(m) >> 3;
	return *q == ',' || *q == '\0' ? (long)(q - p) : -1;
}

/* A record line in one pass, its numbers read as they are met, where the
 * line is one the general path below takes without a question: as many
 * fields as the header (kind[i]: field i's column; no topology or staging
 * column), numbers of at most 8 digits in their ranges, a known state and
 * no partition list. 1: *r holds what the general path would make of it
 * (but the names) and nm[k], nl[k] the project, user, QoS and partition
 * fields; 0: left to the general path, the line as it was. */
static inline __attribute__((always_inline)) int record_fast(const char *p, const int8_t *kind, size_t ncols,
							   int with_start, const statewords *sw, cs_jrec *r,
							   const char **nm, size_t *nl)
{
	const uint64_t none = 0, bar = 0x0101010101010101u * '|';
#pragma GCC unroll 16
	for (size_t i = 0; i < ncols; i++) {
		if (i && *p++ != ',')
			return 0;
		int64_t v;
		long n;
		int k;
		switch (kind[i]) {
		case NC_ID:
			if (fast_int(&p, &r->id) < 0)
				return 0;
			break;
		case NC_SUBMIT:
			if (fast_int(&p, &r->submit_s) < 0 || !ok_submit(r->submit_s))
				return 0;
			break;
		case NC_NODES:
			if (fast_int(&p, &v) < 0 || !ok_nodes(v))
				return 0;
			r->nodes = (uint32_t)v;
			break;
		case NC_GPUS:
			if (fast_int(&p, &v) < 0 || !ok_gpus(v))
				return 0;
			r->gpus_per_node = (uint32_t)v;
			break;
		case NC_CORES:
			if (fast_int(&p, &v) < 0 || !ok_cores(v))
				return 0;
			r->cores_per_node = (uint32_t)v;
			break;
		case NC_MEM:
			if (fast_int(&p, &v) < 0 || v < 0)
				return 0;
			r->mem_per_node_mib = (uint64_t)v;
			break;
		case NC_LIMIT:
			if (fast_int(&p, &r->time_limit_s) < 0 || !ok_limit(r->time_limit_s))
				return 0;
			break;
		case NC_RUNTIME:
			if (fast_int(&p, &r->runtime_s) < 0 || !ok_runtime(r->runtime_s))
				return 0;
			break;
		case NC_START: /* checked against submit after the loop */
			if (fast_int(&p, &r->start_s) < 0)
				return 0;
			break;
		case NC_STATE:
			if ((n = fast_name(p, none)) < 0 || (k = state_of(sw, p, (size_t)n)) < 0)
				return 0;
			r->state = (uint8_t)k;
			p += n;
			break;
		case NC_PROJECT:
		case NC_USER:
		case NC_QOS:
		case NC_PARTITION:
			k = kind[i] == NC_PROJECT ? 0 : kind[i] == NC_USER ? 1 : kind[i] == NC_QOS ? 2 : 3;
			if ((n = fast_name(p, k == 3 ? bar : none)) < 0)
				return 0;
			nm[k] = p;
			nl[k] = (size_t)n;
			p += n;
			break;
		default:
			return 0;
		}
	}
	return *p == '\0' && (!with_start || ok_start(r->start_s, r->submit_s));
}

/* The columns in the writer's order (cs_native_write), the first 13 or
 * all 14: record_fast with its loop unrolled. */
static const int8_t writer_kind[] = { NC_ID, NC_PROJECT, NC_USER, NC_SUBMIT, NC_NODES, NC_GPUS, NC_CORES,
				      NC_MEM, NC_LIMIT, NC_RUNTIME, NC_QOS, NC_PARTITION, NC_STATE, NC_START };

static int record_writer(const char *p, const statewords *sw, cs_jrec *r, const char **nm, size_t *nl)
{
	return record_fast(p, writer_kind, NC_START, 0, sw, r, nm, nl);
}

static int record_writer_start(const char *p, const statewords *sw, cs_jrec *r, const char **nm, size_t *nl)
{
	return record_fast(p, writer_kind, NC_START + 1, 1, sw, r, nm, nl);
}

static int record_any(const char *p, const int8_t *kind, size_t ncols, int with_start, const statewords *sw,
		      cs_jrec *r, const char **nm, size_t *nl)
{
	return record_fast(p, kind, ncols, with_start, sw, r, nm, nl);
}

/* Records read before the table is sized for the whole file. */
#define NATIVE_GUESS_AT 4096

/* The table made room for once, for as many records as the file's bytes
 * left hold at the rate of those read, and 1/16 more: a year's 358,000
 * records were 8 doublings, each a copy into fresh pages (107 MB written
 * for a 40 MB table). A guess: more records than that grow the table
 * by doubling as before, and room never written is never faulted in.
 * Nothing where the size is not known (gzip). */
static void reserve_guess(cs_trace *t, const cs_lines *l)
{
	uint64_t done, left;
	if (cs_lines_progress(l, &done, &left) < 0 || done == 0)
		return;
	double more = (double)left / (double)done * (double)t->n;
	if (more > (double)(1u << 30))
		return;
	size_t n = t->n + (size_t)more;
	(void)cs_trace_reserve(t, n + n / 16 + 1024);
}

int cs_native_read(cs_trace *t, const char *path, char *err, size_t errlen)
{
	return cs_native_read_with(t, path, 1, err, errlen);
}

int cs_native_read_with(cs_trace *t, const char *path, int fast, char *err, size_t errlen)
{
	cs_lines l;
	int rc = cs_lines_open(&l, path, err, errlen);
	if (rc < 0)
		return rc;
	int col[NC_N]; /* field index of each column, -1 absent */
	int8_t kind[64]; /* the column of each field */
	size_t ncols = 0;
	char *f[64];
	size_t fl[64]; /* their lengths */
	char *line;
	size_t len;
	int have_header = 0;
	cs_idset ids = { 0 }; /* the records' ids and lines, from the first whose id does not rise */
	int rising = 1;
	wordmap maps[4] = { { 0 } }; /* projects, users, qos, partitions */
	statewords sw;
	statewords_init(&sw);
	while ((rc = cs_lines_next(&l, &line, &len, err, errlen)) == 1) {
		if (len == 0)
			continue;
		if (line[0] == '#') {
			/* "# key: value" metadata before the header */
			char *c = strchr(line, ':');
			if (!have_header && c) {
				char *k = line + 1;
				while (*k == ' ')
					k++;
				*c = '\0';
				char *v = c + 1;
				while (*v == ' ')
					v++;
				if (*k && cs_trace_meta_set(t, k, v) < 0)
					goto oom;
				if (strcmp(k, "epoch") == 0 && cs_field_int(v, &t->epoch) < 0) {
					snprintf(err, errlen, "%s:%u: epoch: not an integer Unix time: \"%s\"", path,
						 l.lineno, v);
					rc = -CS_EPARSE;
					goto out;
				}
			}
			continue;
		}
		if (!have_header) {
			size_t n = cs_lines_split(line, ',', f, 64);
			if (n > 64) {
				snprintf(err, errlen, "%s:%u: header: more than 64 columns", path, l.lineno);
				rc = -CS_EPARSE;
				goto out;
			}
			for (int c = 0; c < NC_N; c++)
				col[c] = -1;
			for (size_t i = 0; i < n; i++) {
				int c = 0;
				while (c < NC_N && strcmp(f[i], nc_names[c]) != 0)
					c++;
				if (c == NC_N) {
					snprintf(err, errlen, "%s:%u: header: unknown column \"%s\" (expected id, project, "
						 "user, submit, nodes, gpus_per_node, cores_per_node, mem_per_node, "
						 "time_limit, runtime, qos, partition, state, and optionally start, "
						 "topology, stage_in_gb, stage_out_gb and stage_tier)",
						 path, l.lineno, f[i]);
					rc = -CS_EPARSE;
					goto out;
				}
				if (col[c] >= 0) {
					snprintf(err, errlen, "%s:%u: header: column \"%s\" appears twice", path,
						 l.lineno, f[i]);
					rc = -CS_EPARSE;
					goto out;
				}
				col[c] = (int)i;
			}
			for (int c = 0; c < NC_REQUIRED; c++) {
				if (col[c] < 0) {
					snprintf(err, errlen, "%s:%u: header: column %s is missing", path, l.lineno,
						 nc_names[c]);
					rc = -CS_EPARSE;
					goto out;
				}
			}
			ncols = n;
			for (int c = 0; c < NC_N; c++)
				if (col[c] >= 0)
					kind[col[c]] = (int8_t)c;
			fast = fast && col[NC_TOPOLOGY] < 0 && col[NC_STAGE_IN] < 0 && col[NC_STAGE_OUT] < 0 &&
			       col[NC_STAGE_TIER] < 0;
			/* 2, 3: the writer's columns, without and with start */
			if (fast && (ncols == NC_START || ncols == NC_START + 1) &&
			    memcmp(kind, writer_kind, ncols) == 0)
				fast = ncols == NC_START ? 2 : 3;
			have_header = 1;
			continue;
		}
		cs_jrec r = { .start_s = -1, .line = l.lineno };
		const char *nm[4]; /* project, user, qos, partition */
		size_t nl[4];
		int done = fast == 2   ? record_writer(line, &sw, &r, nm, nl)
			   : fast == 3 ? record_writer_start(line, &sw, &r, nm, nl)
			   : fast      ? record_any(line, kind, ncols, col[NC_START] >= 0, &sw, &r, nm, nl)
				       : 0;
		if (!done) {
			r = (cs_jrec){ .start_s = -1, .line = l.lineno };
			size_t n = cs_lines_split_len(line, ',', f, fl, 64);
			if (n != ncols) {
				snprintf(err, errlen, "%s:%u: %zu fields, the header has %zu", path, l.lineno,
					 n > 64 ? (size_t)65 : n, ncols);
				rc = -CS_EPARSE;
				goto out;
			}
			int64_t v;
			if (FIELD_INT(NC_ID, &r.id) < 0)
				NERR(NC_ID, "not an integer: \"%s\"", f[col[NC_ID]]);
			if (FIELD_INT(NC_SUBMIT, &r.submit_s) < 0 || !ok_submit(r.submit_s))
				NERR(NC_SUBMIT, "not a time in seconds in 0..2^40: \"%s\"", f[col[NC_SUBMIT]]);
			if (FIELD_INT(NC_NODES, &v) < 0 || !ok_nodes(v))
				NERR(NC_NODES, "not a node count >= 1: \"%s\"", f[col[NC_NODES]]);
			r.nodes = (uint32_t)v;
			if (FIELD_INT(NC_GPUS, &v) < 0 || !ok_gpus(v))
				NERR(NC_GPUS, "not a GPU count in 0..1024: \"%s\"", f[col[NC_GPUS]]);
			r.gpus_per_node = (uint32_t)v;
			if (FIELD_INT(NC_CORES, &v) < 0 || !ok_cores(v))
				NERR(NC_CORES, "not a core count >= 0 (0: unknown): \"%s\"", f[col[NC_CORES]]);
			r.cores_per_node = (uint32_t)v;
			if (FIELD_INT(NC_MEM, &v) < 0 || v < 0)
				NERR(NC_MEM, "not a memory size in MiB >= 0 (0: unknown): \"%s\"", f[col[NC_MEM]]);
			r.mem_per_node_mib = (uint64_t)v;
			if (FIELD_INT(NC_LIMIT, &r.time_limit_s) < 0 || !ok_limit(r.time_limit_s))
				NERR(NC_LIMIT, "not a time limit in seconds in 1..2^40 (-1: unknown): \"%s\"", f[col[NC_LIMIT]]);
			if (FIELD_INT(NC_RUNTIME, &r.runtime_s) < 0 || !ok_runtime(r.runtime_s))
				NERR(NC_RUNTIME, "not a run time in seconds in 0..2^40 (-1: unknown): \"%s\"", f[col[NC_RUNTIME]]);
			int s = state_of(&sw, f[col[NC_STATE]], fl[col[NC_STATE]]);
			if (s < 0)
				NERR(NC_STATE, "unknown state \"%s\" (expected completed, failed, cancelled, timeout, "
				     "node_fail, out_of_memory, preempted or unknown)", f[col[NC_STATE]]);
			r.state = (uint8_t)s;
			if (col[NC_START] >= 0 && (FIELD_INT(NC_START, &r.start_s) < 0 || !ok_start(r.start_s, r.submit_s)))
				NERR(NC_START, "not a time >= submit (-1: unknown): \"%s\"", f[col[NC_START]]);
			if (col[NC_TOPOLOGY] >= 0 && cs_native_topology(f[col[NC_TOPOLOGY]], &r.topo, &r.max_leaves) < 0)
				NERR(NC_TOPOLOGY, "not a placement rule (empty or any, leaf, leaves:K with K >= 1, block): \"%s\"",
				     f[col[NC_TOPOLOGY]]);
			static const int gbs[] = { NC_STAGE_IN, NC_STAGE_OUT };
			for (size_t i = 0; i < 2; i++) {
				const char *gv = col[gbs[i]] >= 0 ? f[col[gbs[i]]] : "";
				if (*gv && cs_native_gb(gv, i ? &r.stage_out_b : &r.stage_in_b) < 0)
					NERR(gbs[i], "not a size in GB >= 0 (below 10^9, at most 9 decimals; empty: 0): \"%s\"",
					     gv);
			}
			if (col[NC_STAGE_TIER] >= 0 && *f[col[NC_STAGE_TIER]]) {
				const char *tv = f[col[NC_STAGE_TIER]];
				int32_t k = cs_names_intern(&t->tiers, tv, fl[col[NC_STAGE_TIER]]);
				if (k < 0)
					goto oom;
				r.stage_tier = (uint32_t)k + 1;
			}
			/* a partition list a|b (a job submitted to several partitions):
			 * held as Slurm spells it, a,b */
			char *pv = f[col[NC_PARTITION]];
			size_t pn = fl[col[NC_PARTITION]];
			if (memchr(pv, '|', pn)) {
				if (pv[0] == '|' || pv[pn - 1] == '|' || strstr(pv, "||"))
					NERR(NC_PARTITION, "\"%s\" has an empty name in its list (expected a|b|...)", pv);
				for (char *c = pv; (c = strchr(c, '|')) != NULL;)
					*c = ',';
			}
			static const int name_cols[] = { NC_PROJECT, NC_USER, NC_QOS, NC_PARTITION };
			for (size_t i = 0; i < 4; i++) {
				nm[i] = f[col[name_cols[i]]];
				nl[i] = fl[col[name_cols[i]]];
			}
		}
		cs_names *lists[] = { &t->projects, &t->users, &t->qos, &t->partitions };
		int32_t *dst[] = { &r.project, &r.user, &r.qos, &r.partition };
		_Static_assert(sizeof lists / sizeof *lists == sizeof maps / sizeof *maps, "a word map per name list");
		for (size_t i = 0; i < 4; i++) {
			*dst[i] = -1;
			if (nl[i] && (*dst[i] = intern_field(&maps[i], lists[i], nm[i], nl[i])) < 0)
				goto oom;
		}
		if (cs_trace_push(t, &r) < 0)
			goto oom;
		if (rising && (t->n == 1 || r.id > t->jobs[t->n - 2].id)) {
			/* ids rising through the file (most files): none repeats */
		} else {
			/* the set as pushing every record's would have made it */
			for (size_t i = 0; rising && i + 1 < t->n; i++)
				if (cs_idset_push(&ids, t->jobs[i].id, t->jobs[i].line) < 0)
					goto oom;
			rising = 0;
			if (cs_idset_push(&ids, r.id, r.line) < 0)
				goto oom;
		}
		if (t->n == NATIVE_GUESS_AT)
			reserve_guess(t, &l);
	}
	if (rc < 0)
		goto out;
	if ((rc = cs_idset_check(&ids, path, "column id", err, errlen)) < 0)
		goto out;
	if (!have_header) {
		snprintf(err, errlen, "%s: no header line: not a capsim job file (expected a line "
			 "\"id,project,user,submit,...\")", path);
		rc = -CS_EPARSE;
		goto out;
	}
	rc = 0;
out:
	cs_lines_close(&l);
	cs_idset_free(&ids);
	for (size_t i = 0; i < sizeof maps / sizeof *maps; i++) {
		free(maps[i].key);
		free(maps[i].val);
	}
	if (rc < 0) {
		/* nothing kept: never a shorter workload */
		cs_trace_free(t);
		cs_trace_init(t);
	}
	return rc;
oom:
	snprintf(err, errlen, "out of memory");
	rc = -CS_ENOMEM;
	goto out;
}

/* No name holds what would end its field (reject: ",\r\n"; partitions:
 * "|\r\n", their lists' commas being written as '|'). */
static int names_csv_safe(const cs_names *ns, const char *reject)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strpbrk(ns->v[i], reject))
			return 0;
	return 1;
}

/* A partition name, a list a,b written a|b. */
static void put_partition(FILE *f, const char *name)
{
	for (; *name; name++)
		fputc(*name == ',' ? '|' : *name, f);
}

int cs_native_write(const cs_trace *t, FILE *f)
{
	if (!names_csv_safe(&t->projects, ",\r\n") || !names_csv_safe(&t->users, ",\r\n") ||
	    !names_csv_safe(&t->qos, ",\r\n") || !names_csv_safe(&t->tiers, ",\r\n") || !names_csv_safe(&t->partitions, "|\r\n"))
		return -CS_EINVAL;
	for (size_t i = 0; i < t->meta_keys.n; i++)
		fprintf(f, "# %s: %s\n", t->meta_keys.v[i], t->meta_vals.v[i]);
	if (t->epoch && !cs_trace_meta_get(t, "epoch"))
		fprintf(f, "# epoch: %lld\n", (long long)t->epoch);
	int with_start = 0, with_topo = 0, with_stage = 0;
	for (size_t i = 0; i < t->n; i++) {
		with_start |= t->jobs[i].start_s >= 0;
		with_topo |= t->jobs[i].topo != CS_TOPO_ANY;
		with_stage |= t->jobs[i].stage_in_b > 0 || t->jobs[i].stage_out_b > 0 || t->jobs[i].stage_tier;
	}
	fputs("id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,"
	      "runtime,qos,partition,state", f);
	fputs(with_start ? ",start" : "", f);
	fputs(with_topo ? ",topology" : "", f);
	fputs(with_stage ? ",stage_in_gb,stage_out_gb,stage_tier\n" : "\n", f);
	for (size_t i = 0; i < t->n; i++) {
		const cs_jrec *r = &t->jobs[i];
		fprintf(f, "%" PRId64 ",%s,%s,%" PRId64 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu64
			",%" PRId64 ",%" PRId64 ",%s,",
			r->id, cs_names_get(&t->projects, r->project), cs_names_get(&t->users, r->user),
			r->submit_s, r->nodes, r->gpus_per_node, r->cores_per_node, r->mem_per_node_mib,
			r->time_limit_s, r->runtime_s, cs_names_get(&t->qos, r->qos));
		put_partition(f, cs_names_get(&t->partitions, r->partition));
		fprintf(f, ",%s", cs_state_names[r->state < CS_STATE_N ? r->state : 0]);
		if (with_start)
			fprintf(f, ",%" PRId64, r->start_s);
		if (with_topo) {
			char tb[32];
			fprintf(f, ",%s", cs_native_topology_text(r->topo, r->max_leaves, tb, sizeof tb));
		}
		if (with_stage) {
			char a[32], b[32];
			fprintf(f, ",%s,%s,%s", cs_native_gb_text(r->stage_in_b, a, sizeof a),
				cs_native_gb_text(r->stage_out_b, b, sizeof b),
				r->stage_tier ? cs_names_get(&t->tiers, (int32_t)r->stage_tier - 1) : "");
		}
		fputc('\n', f);
	}
	return ferror(f) ? -CS_EIO : 0;
}

/* One of t's name lists rebuilt as the reader builds it: the names in the
 * order the records first use them, "" as none, names no record uses left
 * out. map[k]: name k's new index (-1: none; -2: not met yet). */
typedef struct relist {
	cs_names *ns, out;
	int32_t *map;
} relist;

/* Name k's index in the rebuilt list (-1 for none), or -CS_ENOMEM. */
static int32_t relist_use(relist *l, int32_t k)
{
	if (k < 0 || (size_t)k >= l->ns->n)
		return -1;
	if (l->map[k] == -2) {
		const char *name = l->ns->v[k];
		l->map[k] = *name ? cs_names_intern(&l->out, name, strlen(name)) : -1;
	}
	return l->map[k];
}

/* Metadata the reader reads back as written: "# KEY: VALUE" splits at the
 * first ':' and drops the spaces before KEY and VALUE, and a line ends at
 * a line break. */
static int meta_as_written(const char *k, const char *v)
{
	return *k && *k != ' ' && !strpbrk(k, ":\r\n") && *v != ' ' && !strpbrk(v, "\r\n");
}

/* A partition list "a,b" written a|b reads back: no empty name in it. */
static int list_as_written(const char *p)
{
	size_t n = strlen(p);
	return !n || (p[0] != ',' && p[n - 1] != ',' && !strstr(p, ",,"));
}

int cs_native_as_read(cs_trace *t, char *err, size_t errlen)
{
	const char *why = NULL;
	if (!names_csv_safe(&t->projects, ",\r\n") || !names_csv_safe(&t->users, ",\r\n") ||
	    !names_csv_safe(&t->qos, ",\r\n") || !names_csv_safe(&t->tiers, ",\r\n") ||
	    !names_csv_safe(&t->partitions, "|\r\n"))
		why = "a name holds a comma or a line break (a partition: a '|')";
	for (size_t i = 0; !why && i < t->partitions.n; i++)
		if (!list_as_written(t->partitions.v[i]))
			why = "a partition list with an empty name";
	const cs_names *all[] = { &t->projects, &t->users, &t->qos, &t->partitions, &t->tiers, &t->meta_keys,
				  &t->meta_vals };
	for (size_t k = 0; !why && k < sizeof all / sizeof *all; k++)
		for (size_t i = 0; !why && i < all[k]->n; i++)
			if (strlen(all[k]->v[i]) > CS_LINE_MAX / 8)
				why = "a name or metadata value too long for a line";
	for (size_t i = 0; !why && i < t->meta_keys.n; i++)
		if (!meta_as_written(t->meta_keys.v[i], t->meta_vals.v[i]))
			why = "a metadata key or value the format would change";
	const char *ev = cs_trace_meta_get(t, "epoch");
	if (!why && ev && cs_field_int(ev, &t->epoch) < 0)
		why = "its epoch metadata is not an integer";
	if (why) {
		snprintf(err, errlen, "not held as capsim's CSV would hold it: %s", why);
		return -CS_EINVAL;
	}
	if (t->epoch && !ev) { /* as the writer's "# epoch: N" line reads back */
		char b[32];
		snprintf(b, sizeof b, "%lld", (long long)t->epoch);
		if (cs_trace_meta_set(t, "epoch", b) < 0)
			return -CS_ENOMEM;
	}
	/* the columns the writer adds only when a record needs them (the
	 * topology column reads back as written either way) */
	int with_start = 0, with_stage = 0;
	for (size_t i = 0; i < t->n; i++) {
		with_start |= t->jobs[i].start_s >= 0;
		with_stage |= t->jobs[i].stage_in_b > 0 || t->jobs[i].stage_out_b > 0 || t->jobs[i].stage_tier;
	}
	/* the metadata lines, the header, then a line per record */
	uint32_t line = (uint32_t)t->meta_keys.n + 2;
	cs_idset ids = { 0 };
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < t->n; i++, line++) {
		cs_jrec *r = &t->jobs[i];
		r->line = line;
		r->state = r->state < CS_STATE_N ? r->state : 0;
		if (!with_start)
			r->start_s = -1;
		if (r->topo == CS_TOPO_MAX_LEAVES && r->max_leaves == 1)
			r->topo = CS_TOPO_ONE_LEAF;
		if (r->topo != CS_TOPO_ONE_LEAF && r->topo != CS_TOPO_ONE_BLOCK && r->topo != CS_TOPO_MAX_LEAVES)
			r->topo = CS_TOPO_ANY;
		if (r->topo != CS_TOPO_MAX_LEAVES)
			r->max_leaves = 0;
		if (!with_stage) {
			r->stage_in_b = r->stage_out_b = 0;
			r->stage_tier = 0;
		}
		const char *col = !ok_submit(r->submit_s) ? "submit" : !ok_nodes(r->nodes) ? "nodes"
			: !ok_gpus(r->gpus_per_node) ? "gpus_per_node" : !ok_cores(r->cores_per_node) ? "cores_per_node"
			: r->mem_per_node_mib > INT64_MAX ? "mem_per_node" : !ok_limit(r->time_limit_s) ? "time_limit"
			: !ok_runtime(r->runtime_s) ? "runtime" : !ok_start(r->start_s, r->submit_s) ? "start"
			: r->topo == CS_TOPO_MAX_LEAVES && !r->max_leaves ? "topology"
			: r->stage_in_b < 0 || r->stage_in_b >= (int64_t)1000000000 * 1000000000 ? "stage_in_gb"
			: r->stage_out_b < 0 || r->stage_out_b >= (int64_t)1000000000 * 1000000000 ? "stage_out_gb"
			: r->stage_tier > t->tiers.n ? "stage_tier" : NULL;
		if (col) {
			snprintf(err, errlen, "record %zu (job %lld): column %s: a value capsim's CSV does not hold", i + 1,
				 (long long)r->id, col);
			rc = -CS_EINVAL;
		} else if (cs_idset_push(&ids, r->id, r->line) < 0) {
			rc = -CS_ENOMEM;
		}
	}
	if (rc == 0 && (rc = cs_idset_check(&ids, "workload", "column id", err, errlen)) == -CS_EPARSE)
		rc = -CS_EINVAL; /* a duplicate id: the reader's error, with the file's name */
	cs_idset_free(&ids);
	if (rc < 0)
		return rc;
	/* the name lists rebuilt by first use; stage_tier is 1 + an index */
	cs_names *lists[] = { &t->projects, &t->users, &t->qos, &t->partitions, &t->tiers };
	enum { NL = sizeof lists / sizeof *lists };
	relist rl[NL] = { { 0 } };
	for (size_t k = 0; k < NL; k++) {
		rl[k].ns = lists[k];
		rl[k].map = malloc((lists[k]->n + 1) * sizeof *rl[k].map);
		for (size_t i = 0; rl[k].map && i < lists[k]->n; i++)
			rl[k].map[i] = -2;
		rc = rl[k].map ? rc : -CS_ENOMEM;
	}
	for (size_t i = 0; rc == 0 && i < t->n; i++) {
		cs_jrec *r = &t->jobs[i];
		int32_t v[] = { relist_use(&rl[0], r->project), relist_use(&rl[1], r->user), relist_use(&rl[2], r->qos),
				relist_use(&rl[3], r->partition),
				r->stage_tier ? relist_use(&rl[4], (int32_t)r->stage_tier - 1) : -1 };
		for (size_t k = 0; k < NL; k++)
			rc = v[k] < -1 ? -CS_ENOMEM : rc;
		r->project = v[0];
		r->user = v[1];
		r->qos = v[2];
		r->partition = v[3];
		r->stage_tier = (uint32_t)(v[4] + 1);
	}
	for (size_t k = 0; k < NL; k++) {
		free(rl[k].map);
		if (rc == 0) {
			cs_names_free(lists[k]);
			*lists[k] = rl[k].out;
		} else {
			cs_names_free(&rl[k].out);
		}
	}
	return rc;
}
