/* capsim: the job-record table, interned names, the line reader and the
 * native CSV format. */
#include "capsim/alloc.h"
#include "capsim/trace.h"
#include "field.h"
#include "idset.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

const char *const cs_state_names[CS_STATE_N] = { "unknown", "completed", "failed", "cancelled",
						  "timeout", "node_fail", "out_of_memory", "preempted" };

const char *const cs_format_names[CS_FMT_N] = { "auto", "native", "swf", "sacct",
						"batsim", "pai", "helios", "philly" };

int cs_state_lookup(const char *s, size_t len)
{
	for (int i = 0; i < CS_STATE_N; i++)
		if (strlen(cs_state_names[i]) == len && strncasecmp(cs_state_names[i], s, len) == 0)
			return i;
	return -1;
}

/* --- interned names --- */

static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static int names_rehash(cs_names *ns, size_t hcap)
{
	uint32_t *h = calloc(hcap, sizeof *h);
	if (!h)
		return -CS_ENOMEM;
	for (size_t i = 0; i < ns->n; i++) {
		size_t k = name_hash(ns->v[i], strlen(ns->v[i])) & (hcap - 1);
		while (h[k])
			k = (k + 1) & (hcap - 1);
		h[k] = (uint32_t)i + 1;
	}
	free(ns->hash);
	ns->hash = h;
	ns->hcap = hcap;
	return 0;
}

static int32_t names_lookup(const cs_names *ns, const char *s, size_t len, size_t *slot)
{
	if (!ns->hcap)
		return -1;
	size_t k = name_hash(s, len) & (ns->hcap - 1);
	while (ns->hash[k]) {
		const char *v = ns->v[ns->hash[k] - 1];
		if (strncmp(v, s, len) == 0 && v[len] == '\0')
			return (int32_t)ns->hash[k] - 1;
		k = (k + 1) & (ns->hcap - 1);
	}
	if (slot)
		*slot = k;
	return -1;
}

int32_t cs_names_intern(cs_names *ns, const char *s, size_t len)
{
	int32_t i = names_lookup(ns, s, len, NULL);
	if (i >= 0)
		return i;
	if (ns->n >= INT32_MAX - 1)
		return -CS_ENOMEM;
	if ((ns->n + 1) * 2 > ns->hcap && names_rehash(ns, ns->hcap ? ns->hcap * 2 : 64) < 0)
		return -CS_ENOMEM;
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 16;
		char **v = realloc(ns->v, cap * sizeof *v);
		if (!v)
			return -CS_ENOMEM;
		ns->v = v;
		ns->cap = cap;
	}
	char *copy = malloc(len + 1);
	if (!copy)
		return -CS_ENOMEM;
	memcpy(copy, s, len);
	copy[len] = '\0';
	size_t slot;
	names_lookup(ns, s, len, &slot);
	ns->v[ns->n] = copy;
	ns->hash[slot] = (uint32_t)ns->n + 1;
	return (int32_t)ns->n++;
}

int32_t cs_names_find(const cs_names *ns, const char *s)
{
	return names_lookup(ns, s, strlen(s), NULL);
}

const char *cs_names_get(const cs_names *ns, int32_t i)
{
	return i >= 0 && (size_t)i < ns->n ? ns->v[i] : "";
}

void cs_names_free(cs_names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	free(ns->hash);
	memset(ns, 0, sizeof *ns);
}

/* --- the table --- */

void cs_trace_init(cs_trace *t) { memset(t, 0, sizeof *t); }

void cs_trace_free(cs_trace *t)
{
	free(t->jobs);
	cs_names_free(&t->projects);
	cs_names_free(&t->users);
	cs_names_free(&t->qos);
	cs_names_free(&t->partitions);
	cs_names_free(&t->meta_keys);
	cs_names_free(&t->meta_vals);
	memset(t, 0, sizeof *t);
}

int cs_trace_push(cs_trace *t, const cs_jrec *r)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		cs_jrec *j = realloc(t->jobs, cap * sizeof *j);
		if (!j)
			return -CS_ENOMEM;
		t->jobs = j;
		t->cap = cap;
	}
	t->jobs[t->n++] = *r;
	return 0;
}

/* Metadata values are kept as a parallel list (not interned: a value may
 * repeat), so meta_vals is used as a plain vector. */
int cs_trace_meta_set(cs_trace *t, const char *key, const char *val)
{
	int32_t k = cs_names_find(&t->meta_keys, key);
	char *copy = strdup(val);
	if (!copy)
		return -CS_ENOMEM;
	if (k >= 0) {
		free(t->meta_vals.v[k]);
		t->meta_vals.v[k] = copy;
		return 0;
	}
	cs_names *v = &t->meta_vals;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		char **nv = realloc(v->v, cap * sizeof *nv);
		if (!nv) {
			free(copy);
			return -CS_ENOMEM;
		}
		v->v = nv;
		v->cap = cap;
	}
	if (cs_names_intern(&t->meta_keys, key, strlen(key)) < 0) {
		free(copy);
		return -CS_ENOMEM;
	}
	v->v[v->n++] = copy;
	return 0;
}

int cs_trace_meta_count(cs_trace *t, const char *key, uint64_t v)
{
	char b[32];
	snprintf(b, sizeof b, "%" PRIu64, v);
	return cs_trace_meta_set(t, key, b);
}

const char *cs_trace_meta_get(const cs_trace *t, const char *key)
{
	int32_t k = cs_names_find(&t->meta_keys, key);
	return k >= 0 ? t->meta_vals.v[k] : NULL;
}

static int jrec_cmp(const void *a, const void *b)
{
	const cs_jrec *x = a, *y = b;
	if (x->submit_s != y->submit_s)
		return x->submit_s < y->submit_s ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

void cs_trace_sort(cs_trace *t)
{
	if (t->n > 1)
		qsort(t->jobs, t->n, sizeof *t->jobs, jrec_cmp);
}

/* --- lines --- */

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

size_t cs_csv_split(char *line, char sep, char **fields, size_t max)
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

/* --- the native CSV format --- */

enum { NC_ID, NC_PROJECT, NC_USER, NC_SUBMIT, NC_NODES, NC_GPUS, NC_CORES, NC_MEM, NC_LIMIT,
       NC_RUNTIME, NC_QOS, NC_PARTITION, NC_STATE, NC_START, NC_TOPOLOGY, NC_N };
static const char *const nc_names[NC_N] = { "id", "project", "user", "submit", "nodes",
					     "gpus_per_node", "cores_per_node", "mem_per_node",
					     "time_limit", "runtime", "qos", "partition", "state",
					     "start", "topology" };
#define NC_REQUIRED NC_START /* columns before this one are required */

/* A topology column's value: empty or "any", "leaf", "leaves:K" (K >= 1;
 * 1 is "leaf"), "block". 0, or -1 if it is none of these. */
static int parse_topology(const char *v, uint8_t *rule, uint16_t *k)
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

#define NERR(col, ...)                                                                          \
	do {                                                                                    \
		int o_ = snprintf(err, errlen, "%s:%u: column %s: ", path, l.lineno, nc_names[col]); \
		if (o_ > 0 && (size_t)o_ < errlen)                                              \
			snprintf(err + o_, errlen - (size_t)o_, __VA_ARGS__);                   \
		rc = -CS_EPARSE;                                                                \
		goto out;                                                                       \
	} while (0)

int cs_native_read(cs_trace *t, const char *path, char *err, size_t errlen)
{
	cs_lines l;
	int rc = cs_lines_open(&l, path, err, errlen);
	if (rc < 0)
		return rc;
	int col[NC_N]; /* field index of each column, -1 absent */
	size_t ncols = 0;
	char *f[64];
	char *line;
	size_t len;
	int have_header = 0;
	cs_idset ids = { 0 };
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
			size_t n = cs_csv_split(line, ',', f, 64);
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
						 "time_limit, runtime, qos, partition, state, and optionally start and "
						 "topology)",
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
			have_header = 1;
			continue;
		}
		size_t n = cs_csv_split(line, ',', f, 64);
		if (n != ncols) {
			snprintf(err, errlen, "%s:%u: %zu fields, the header has %zu", path, l.lineno,
				 n > 64 ? (size_t)65 : n, ncols);
			rc = -CS_EPARSE;
			goto out;
		}
		cs_jrec r = { .start_s = -1, .line = l.lineno };
		int64_t v;
		if (cs_field_int(f[col[NC_ID]], &r.id) < 0)
			NERR(NC_ID, "not an integer: \"%s\"", f[col[NC_ID]]);
		if (cs_field_int(f[col[NC_SUBMIT]], &r.submit_s) < 0 || r.submit_s < 0 || r.submit_s > CS_TIME_LIMIT)
			NERR(NC_SUBMIT, "not a time in seconds in 0..2^40: \"%s\"", f[col[NC_SUBMIT]]);
		if (cs_field_int(f[col[NC_NODES]], &v) < 0 || v < 1 || v > INT32_MAX)
			NERR(NC_NODES, "not a node count >= 1: \"%s\"", f[col[NC_NODES]]);
		r.nodes = (uint32_t)v;
		if (cs_field_int(f[col[NC_GPUS]], &v) < 0 || v < 0 || v > 1024)
			NERR(NC_GPUS, "not a GPU count in 0..1024: \"%s\"", f[col[NC_GPUS]]);
		r.gpus_per_node = (uint32_t)v;
		if (cs_field_int(f[col[NC_CORES]], &v) < 0 || v < 0 || v > 1 << 20)
			NERR(NC_CORES, "not a core count >= 0 (0: unknown): \"%s\"", f[col[NC_CORES]]);
		r.cores_per_node = (uint32_t)v;
		if (cs_field_int(f[col[NC_MEM]], &v) < 0 || v < 0)
			NERR(NC_MEM, "not a memory size in MiB >= 0 (0: unknown): \"%s\"", f[col[NC_MEM]]);
		r.mem_per_node_mib = (uint64_t)v;
		if (cs_field_int(f[col[NC_LIMIT]], &r.time_limit_s) < 0 || r.time_limit_s == 0 || r.time_limit_s < -1 ||
		    r.time_limit_s > CS_TIME_LIMIT)
			NERR(NC_LIMIT, "not a time limit in seconds in 1..2^40 (-1: unknown): \"%s\"", f[col[NC_LIMIT]]);
		if (cs_field_int(f[col[NC_RUNTIME]], &r.runtime_s) < 0 || r.runtime_s < -1 || r.runtime_s > CS_TIME_LIMIT)
			NERR(NC_RUNTIME, "not a run time in seconds in 0..2^40 (-1: unknown): \"%s\"", f[col[NC_RUNTIME]]);
		int s = cs_state_lookup(f[col[NC_STATE]], strlen(f[col[NC_STATE]]));
		if (s < 0)
			NERR(NC_STATE, "unknown state \"%s\" (expected completed, failed, cancelled, timeout, "
			     "node_fail, out_of_memory, preempted or unknown)", f[col[NC_STATE]]);
		r.state = (uint8_t)s;
		if (col[NC_START] >= 0 && (cs_field_int(f[col[NC_START]], &r.start_s) < 0 ||
					   (r.start_s != -1 && (r.start_s < r.submit_s || r.start_s > CS_TIME_LIMIT))))
			NERR(NC_START, "not a time >= submit (-1: unknown): \"%s\"", f[col[NC_START]]);
		if (col[NC_TOPOLOGY] >= 0 && parse_topology(f[col[NC_TOPOLOGY]], &r.topo, &r.max_leaves) < 0)
			NERR(NC_TOPOLOGY, "not a placement rule (empty or any, leaf, leaves:K with K >= 1, block): \"%s\"",
			     f[col[NC_TOPOLOGY]]);
		struct { int c; cs_names *ns; int32_t *dst; } strs[] = {
			{ NC_PROJECT, &t->projects, &r.project }, { NC_USER, &t->users, &r.user },
			{ NC_QOS, &t->qos, &r.qos }, { NC_PARTITION, &t->partitions, &r.partition } };
		for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
			const char *sv = f[col[strs[i].c]];
			*strs[i].dst = -1;
			if (*sv && (*strs[i].dst = cs_names_intern(strs[i].ns, sv, strlen(sv))) < 0)
				goto oom;
		}
		if (cs_trace_push(t, &r) < 0 || cs_idset_push(&ids, r.id, r.line) < 0)
			goto oom;
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

static int names_csv_safe(const cs_names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strpbrk(ns->v[i], ",\r\n"))
			return 0;
	return 1;
}

int cs_native_write(const cs_trace *t, FILE *f)
{
	if (!names_csv_safe(&t->projects) || !names_csv_safe(&t->users) || !names_csv_safe(&t->qos) ||
	    !names_csv_safe(&t->partitions))
		return -CS_EINVAL;
	for (size_t i = 0; i < t->meta_keys.n; i++)
		fprintf(f, "# %s: %s\n", t->meta_keys.v[i], t->meta_vals.v[i]);
	if (t->epoch && !cs_trace_meta_get(t, "epoch"))
		fprintf(f, "# epoch: %lld\n", (long long)t->epoch);
	int with_start = 0, with_topo = 0;
	for (size_t i = 0; i < t->n; i++) {
		with_start |= t->jobs[i].start_s >= 0;
		with_topo |= t->jobs[i].topo != CS_TOPO_ANY;
	}
	fputs("id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,"
	      "runtime,qos,partition,state", f);
	fputs(with_start ? ",start" : "", f);
	fputs(with_topo ? ",topology\n" : "\n", f);
	for (size_t i = 0; i < t->n; i++) {
		const cs_jrec *r = &t->jobs[i];
		fprintf(f, "%" PRId64 ",%s,%s,%" PRId64 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu64
			",%" PRId64 ",%" PRId64 ",%s,%s,%s",
			r->id, cs_names_get(&t->projects, r->project), cs_names_get(&t->users, r->user),
			r->submit_s, r->nodes, r->gpus_per_node, r->cores_per_node, r->mem_per_node_mib,
			r->time_limit_s, r->runtime_s, cs_names_get(&t->qos, r->qos),
			cs_names_get(&t->partitions, r->partition),
			cs_state_names[r->state < CS_STATE_N ? r->state : 0]);
		if (with_start)
			fprintf(f, ",%" PRId64, r->start_s);
		if (with_topo) {
			if (r->topo == CS_TOPO_ONE_LEAF)
				fputs(",leaf", f);
			else if (r->topo == CS_TOPO_MAX_LEAVES)
				fprintf(f, ",leaves:%u", (unsigned)r->max_leaves);
			else if (r->topo == CS_TOPO_ONE_BLOCK)
				fputs(",block", f);
			else
				fputc(',', f);
		}
		fputc('\n', f);
	}
	return ferror(f) ? -CS_EIO : 0;
}
