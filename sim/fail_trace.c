/* capsim: node names in a cluster config's failure sections
 * (capsim/failures.h): a failure trace's lines and maintenance windows'
 * host lists, both naming nodes TYPE-K as jobs.csv's node_list does. */
#include "capsim/failures.h"
#include "capsim/lines.h"
#include "cluster_int.h"
#include "yaml.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* The most lines a failure trace may have. */
#define TRACE_MAX_RECS (1u << 24)

/* ---- the failure trace ------------------------------------------------------ */

/* TYPE-K of cluster c: its type's index and K; 0 or -1 with why in err. */
static int node_name(const cs_cluster *c, const char *s, size_t len, int *type, uint32_t *k, char *err,
		     size_t errlen)
{
	size_t dash = len;
	while (dash > 0 && s[dash - 1] != '-')
		dash--;
	size_t nd = len - dash;
	int digits = dash > 1 && nd >= 1 && nd <= 9;
	for (size_t i = dash; digits && i < len; i++)
		digits = isdigit((unsigned char)s[i]);
	if (!digits) {
		snprintf(err, errlen, "'%.*s' is not a node name TYPE-K (K its index, as jobs.csv's node_list writes it)",
			 (int)(len > 80 ? 80 : len), s);
		return -1;
	}
	char name[CS_CLUSTER_SCALE_NAME_MAX];
	snprintf(name, sizeof name, "%.*s", (int)(dash - 1 < sizeof name ? dash - 1 : sizeof name - 1), s);
	*type = cs_cluster_node_type_find(c, name);
	if (*type < 0) {
		snprintf(err, errlen, "node '%.*s': no node type '%s' in cluster %s", (int)(len > 80 ? 80 : len), s, name,
			 cs_cluster_name(c));
		return -1;
	}
	*k = (uint32_t)strtoul(s + dash, NULL, 10);
	int count = cs_cluster_node_type_at(c, *type)->count;
	if (*k >= (uint32_t)count) {
		snprintf(err, errlen, "node '%.*s': node type %s has %d node%s (indices 0 to %d)",
			 (int)(len > 80 ? 80 : len), s, name, count, count == 1 ? "" : "s", count - 1);
		return -1;
	}
	return 0;
}

/* A whole number in [lo, CS_TIME_LIMIT]: 0, or -1. */
static int trace_time(const char *s, int64_t lo, int64_t *out)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return -1;
	long long v = strtoll(s, &end, 10);
	if (*end || v < lo || v > CS_TIME_LIMIT)
		return -1;
	*out = v;
	return 0;
}

/* A field without the blanks around it. */
static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

#define TRACE_HEADER "time_s,node,component,repair_s"

/* One line, its fields f[0..4): into *r, or a message naming the field
 * and its column (base: the line's start, for columns). */
static int trace_line(const cs_cluster *c, const char *path, uint32_t lineno, const char *base, char **f,
		      cs_fail_rec *r, char *err, size_t errlen)
{
	static const char *const names[] = { "time_s", "node", "component", "repair_s" };
	char why[320];
	int bad = -1, type = -1;
	for (int i = 0; i < 4; i++)
		f[i] = trim(f[i]);
	*r = (cs_fail_rec){ .gpu = -1, .line = lineno };
	if (trace_time(f[0], 0, &r->t) < 0) {
		bad = 0;
		snprintf(why, sizeof why, "'%.40s' is not a whole number of seconds from 0 to 2^40", f[0]);
	} else if (node_name(c, f[1], strlen(f[1]), &type, &r->index, why, sizeof why) < 0) {
		bad = 1;
	} else if (strncmp(f[2], "gpu:", 4) == 0) {
		int gpus = cs_cluster_node_type_at(c, type)->gpus;
		char *end;
		long g = isdigit((unsigned char)f[2][4]) ? strtol(f[2] + 4, &end, 10) : -1;
		r->comp = CS_FAIL_GPU;
		r->gpu = (int)g;
		if (g < 0 || *end || g >= gpus) {
			bad = 2;
			snprintf(why, sizeof why, "'%.40s': a node of type %s has %d GPU%s (gpu:0 to gpu:%d)", f[2],
				 cs_cluster_node_type_at(c, type)->name, gpus, gpus == 1 ? "" : "s", gpus - 1);
		}
	} else {
		int k = !strcmp(f[2], "node") ? CS_FAIL_NODE : !strcmp(f[2], "link") ? CS_FAIL_LINK : -1;
		if (k < 0) {
			bad = 2;
			snprintf(why, sizeof why, "'%.40s' is not node, link or gpu:K (K the GPU's index on the node)", f[2]);
		}
		r->comp = (cs_fail_comp)k;
	}
	if (bad < 0 && trace_time(f[3], 1, &r->repair_s) < 0) {
		bad = 3;
		snprintf(why, sizeof why, "'%.40s' is not a whole number of seconds from 1 to 2^40", f[3]);
	}
	if (bad >= 0) {
		snprintf(err, errlen, "%s:%u:%d: %s: %s", path, lineno, (int)(f[bad] - base) + 1, names[bad], why);
		return -CS_EPARSE;
	}
	r->type = cs_cluster_node_type_at(c, type)->name;
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const cs_fail_rec *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Read a failure trace (docs/failures.md): lines TIME,NODE,COMPONENT,REPAIR,
 * '#' comments and blank lines skipped, a header line allowed first. */
int cs_cluster__load_trace(cs_yaml *y, const cs_cluster *c, const char *path, cs_fail_config *cfg)
{
	cs_lines L;
	int rc = cs_lines_open(&L, path, y->err, y->errlen);
	if (rc < 0)
		return rc;
	cs_fail_rec *recs = NULL;
	size_t n = 0, cap = 0;
	char *line;
	size_t len;
	int seen = 0;
	while ((rc = cs_lines_next(&L, &line, &len, y->err, y->errlen)) == 1) {
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		if (!seen++ && strcmp(trim(s), TRACE_HEADER) == 0)
			continue;
		char *f[5];
		size_t nf = cs_lines_split(line, ',', f, 4);
		if (nf != 4) {
			snprintf(y->err, y->errlen, "%s:%u:1: line: %zu field%s, expected 4: " TRACE_HEADER, path, L.lineno,
				 nf > 4 ? (size_t)5 : nf, nf == 1 ? "" : "s");
			rc = -CS_EPARSE;
			break;
		}
		if (n == cap) {
			size_t nc = cap ? 2 * cap : 256;
			cs_fail_rec *nr = nc > TRACE_MAX_RECS ? NULL : realloc(recs, nc * sizeof *nr);
			if (!nr) {
				rc = nc > TRACE_MAX_RECS ? -CS_EINVAL : -CS_ENOMEM;
				snprintf(y->err, y->errlen, rc == -CS_ENOMEM ? "%s: out of memory"
					 : "%s: more than %u failures", path, TRACE_MAX_RECS);
				break;
			}
			recs = nr;
			cap = nc;
		}
		if ((rc = trace_line(c, path, L.lineno, line, f, &recs[n], y->err, y->errlen)) < 0)
			break;
		n++;
	}
	cs_lines_close(&L);
	if (rc < 0) {
		free(recs);
		return rc;
	}
	qsort(recs, n, sizeof *recs, by_time);
	if (n && !(recs = cs_yaml_own(y, recs)))
		return cs_yaml_oom(y);
	cfg->recs = n ? recs : NULL;
	cfg->nrecs = n;
	return 0;
}

/* ---- host lists -------------------------------------------------------------- */

uint32_t cs_cluster__first_node(const cs_cluster *c, int t)
{
	uint32_t n = 0;
	for (int i = 0; i < t; i++)
		n += (uint32_t)cs_cluster_node_type_at(c, i)->count;
	return n;
}

/* "A" or "A-B" in [s, e): the bounds; 0 or -1. */
static int range_of(const char *s, const char *e, uint32_t *a, uint32_t *b)
{
	const char *dash = memchr(s, '-', (size_t)(e - s));
	const char *p = s;
	for (; p < e; p++)
		if (!isdigit((unsigned char)*p) && p != dash)
			return -1;
	if (s == e || dash == s || dash == e - 1 || (e - s) > 19)
		return -1;
	*a = (uint32_t)strtoul(s, NULL, 10);
	*b = dash ? (uint32_t)strtoul(dash + 1, NULL, 10) : *a;
	return *a <= *b ? 0 : -1;
}

/* One item TYPE-K or TYPE-[ranges] in [s, e). */
static int host_item(const cs_cluster *c, const char *s, const char *e, void (*fn)(void *, uint32_t), void *ctx,
		     char *err, size_t errlen)
{
	const char *br = memchr(s, '[', (size_t)(e - s));
	int t;
	uint32_t k;
	if (!br)
		return node_name(c, s, (size_t)(e - s), &t, &k, err, errlen) < 0 ? -CS_EINVAL
		       : (fn(ctx, cs_cluster__first_node(c, t) + k), 0);
	if (e[-1] != ']' || br == s || br[-1] != '-') {
		snprintf(err, errlen, "'%.*s' is not TYPE-K or TYPE-[A-B,C]", (int)(e - s > 80 ? 80 : e - s), s);
		return -CS_EINVAL;
	}
	char name[CS_CLUSTER_SCALE_NAME_MAX];
	snprintf(name, sizeof name, "%.*s", (int)(br - 1 - s < (long)sizeof name ? br - 1 - s : (long)sizeof name - 1), s);
	t = cs_cluster_node_type_find(c, name);
	if (t < 0) {
		snprintf(err, errlen, "'%.*s': no node type '%s' in cluster %s", (int)(e - s > 80 ? 80 : e - s), s, name,
			 cs_cluster_name(c));
		return -CS_EINVAL;
	}
	uint32_t count = (uint32_t)cs_cluster_node_type_at(c, t)->count;
	for (const char *p = br + 1; p < e - 1;) {
		const char *q = memchr(p, ',', (size_t)(e - 1 - p));
		q = q ? q : e - 1;
		uint32_t a, b;
		if (range_of(p, q, &a, &b) < 0 || b >= count) {
			snprintf(err, errlen, "'%.*s': '%.*s' is not an index or a range A-B (A <= B) of %s's %u nodes "
				 "(0 to %u)", (int)(e - s > 80 ? 80 : e - s), s, (int)(q - p > 40 ? 40 : q - p), p, name,
				 count, count - 1);
			return -CS_EINVAL;
		}
		for (uint32_t i = a; i <= b; i++)
			fn(ctx, cs_cluster__first_node(c, t) + i);
		p = q + 1;
	}
	return 0;
}

int cs_fail_hostlist(const cs_cluster *c, const char *list, void (*fn)(void *ctx, uint32_t node), void *ctx,
		     char *err, size_t errlen)
{
	if (strcmp(list, "all") == 0) {
		uint32_t n = cs_cluster__first_node(c, cs_cluster_nnode_types(c));
		for (uint32_t i = 0; i < n; i++)
			fn(ctx, i);
		return 0;
	}
	const char *s = list;
	while (*s) {
		const char *e = s;
		int depth = 0;
		while (*e && (*e != ',' || depth)) {
			depth += *e == '[' ? 1 : *e == ']' ? -1 : 0;
			e++;
		}
		if (e == s || depth) {
			snprintf(err, errlen, "'%s' is not a host list: TYPE-K or TYPE-[A-B,C] items joined by ','", list);
			return -CS_EINVAL;
		}
		int rc = host_item(c, s, e, fn, ctx, err, errlen);
		if (rc < 0)
			return rc;
		s = *e ? e + 1 : e;
		if (*e && !*s) {
			snprintf(err, errlen, "'%s' ends with ','", list);
			return -CS_EINVAL;
		}
	}
	return 0;
}

