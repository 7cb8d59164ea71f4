/* capsim: slurm.conf and topology.conf read into a plain model. */
#include "capsim/slurmconf.h"
#include "capsim/billing.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define HOSTLIST_MAX (1 << 20) /* a typo like n[1-999999999] must not eat the memory */
#define INCLUDE_DEPTH 8

/* ---- owned memory ---------------------------------------------------------- */

typedef struct name_idx {
	const char *name;
	int idx;
} name_idx;

typedef struct priv {
	void **owned; /* freed together by cs_slurmconf_free */
	size_t nowned, capowned;
	name_idx *node_by_name, *switch_by_name; /* sorted by name, for the *_find functions */
} priv;

static void *own_in(priv *p, void *mem)
{
	if (!mem)
		return NULL;
	if (p->nowned == p->capowned) {
		size_t cap = p->capowned ? 2 * p->capowned : 64;
		void **o = realloc(p->owned, cap * sizeof *o);
		if (!o) {
			free(mem);
			return NULL;
		}
		p->owned = o;
		p->capowned = cap;
	}
	p->owned[p->nowned++] = mem;
	return mem;
}

/* Make room for one more element in a growing array. */
static int grow(void *arrp, int *cap, int n, size_t size)
{
	void **arr = arrp;
	if (n < *cap)
		return 0;
	int ncap = *cap ? 2 * *cap : 16;
	void *p = realloc(*arr, (size_t)ncap * size);
	if (!p)
		return -CS_ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	const name_idx *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int name_find(const name_idx *by, int n, const char *name)
{
	int lo = 0, hi = n - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		int c = strcmp(by[mid].name, name);
		if (c == 0) {
			while (mid > 0 && strcmp(by[mid - 1].name, name) == 0)
				mid--;
			return by[mid].idx;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* ---- numbers and times ----------------------------------------------------- */

/* Decimal digits only, into [lo, hi]. */
static int parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	if (!isdigit((unsigned char)*s))
		return -CS_EPARSE;
	int64_t v = 0;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return -CS_EPARSE;
		v = v * 10 + (*s - '0');
	}
	if (*s || v < lo || v > hi)
		return -CS_EPARSE;
	*out = v;
	return 0;
}

static int is_unlimited(const char *s)
{
	return strcasecmp(s, "UNLIMITED") == 0 || strcasecmp(s, "INFINITE") == 0;
}

int cs_slurm_time_parse(const char *s, int64_t *out_s)
{
	if (is_unlimited(s) || strcmp(s, "-1") == 0) {
		*out_s = -1;
		return 0;
	}
	/* Up to four numbers: [D-]a[:b[:c]]. Slurm reads "a" as minutes, "a:b"
	 * as minutes:seconds, "a:b:c" as hours:minutes:seconds, and after "D-"
	 * the first number is always hours. */
	int64_t f[3] = { 0, 0, 0 }, days = 0;
	int nf = 0, has_days = 0;
	const char *p = s;
	for (;;) {
		if (!isdigit((unsigned char)*p))
			return -CS_EPARSE;
		int64_t v = 0;
		for (; isdigit((unsigned char)*p); p++) {
			if (v > 100000000)
				return -CS_EPARSE;
			v = v * 10 + (*p - '0');
		}
		if (*p == '-') {
			if (has_days || nf)
				return -CS_EPARSE;
			has_days = 1;
			days = v;
			p++;
			continue;
		}
		f[nf++] = v;
		if (*p == '\0')
			break;
		if (*p != ':' || nf == 3)
			return -CS_EPARSE;
		p++;
	}
	int64_t h = 0, m = 0, sec = 0;
	if (has_days) {
		h = f[0];
		m = nf > 1 ? f[1] : 0;
		sec = nf > 2 ? f[2] : 0;
	} else if (nf == 1) {
		m = f[0];
	} else if (nf == 2) {
		m = f[0];
		sec = f[1];
	} else {
		h = f[0];
		m = f[1];
		sec = f[2];
	}
	*out_s = ((days * 24 + h) * 60 + m) * 60 + sec;
	return 0;
}

/* ---- hostlists -------------------------------------------------------------- */

typedef struct range {
	int64_t lo, hi;
	int width; /* digits of the lower bound as written: zero padding */
} range;

typedef struct hl {
	char **names;
	int n, cap;
	char *err;
	size_t errlen;
} hl;

static int hl_fail(hl *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int hl_fail(hl *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->err, h->errlen, fmt, ap);
	va_end(ap);
	return -CS_EPARSE;
}

/* One bracket group's ranges, from just after '[' to its ']'. */
static int hl_group(hl *h, const char *item, const char *p, const char **end, range **out, int *nout)
{
	range *r = NULL;
	int n = 0, cap = 0;
	for (;;) {
		range x;
		const char *q = p;
		int64_t v = 0;
		while (isdigit((unsigned char)*q) && v < 1000000000)
			v = v * 10 + (*q++ - '0');
		if (q == p || isdigit((unsigned char)*q)) {
			free(r);
			return hl_fail(h, "%s: expected a number or a range in brackets at \"%s\"", item, p);
		}
		x.lo = x.hi = v;
		x.width = (int)(q - p);
		if (*q == '-') {
			const char *s = ++q;
			v = 0;
			while (isdigit((unsigned char)*q) && v < 1000000000)
				v = v * 10 + (*q++ - '0');
			if (q == s || isdigit((unsigned char)*q)) {
				free(r);
				if (!*q)
					return hl_fail(h, "%s: '[' without a closing ']'", item);
				return hl_fail(h, "%s: expected the upper bound of a range at \"%s\"", item, s);
			}
			x.hi = v;
			if (x.hi < x.lo) {
				free(r);
				return hl_fail(h, "%s: range %.*s runs backwards", item, (int)(q - p), p);
			}
		}
		if (grow(&r, &cap, n, sizeof *r)) {
			free(r);
			return -CS_ENOMEM;
		}
		r[n++] = x;
		if (*q == ',') {
			p = q + 1;
			continue;
		}
		if (*q != ']') {
			free(r);
			return *q ? hl_fail(h, "%s: unexpected '%c' in brackets", item, *q)
				  : hl_fail(h, "%s: '[' without a closing ']'", item);
		}
		*end = q + 1;
		*out = r;
		*nout = n;
		return 0;
	}
}

/* Append every name of item[pos..] to h, prefix holding what is fixed so far. */
static int hl_product(hl *h, const char *item, const char *pos, char *prefix, size_t plen, size_t pcap)
{
	const char *open = strchr(pos, '[');
	const char *close = strchr(pos, ']');
	if (close && (!open || close < open))
		return hl_fail(h, "%s: ']' without an opening '['", item);
	if (!open) {
		size_t tail = strlen(pos);
		if (plen + tail + 1 > pcap)
			return hl_fail(h, "%s: name too long", item);
		if (h->n >= HOSTLIST_MAX)
			return hl_fail(h, "more than %d names", HOSTLIST_MAX);
		if (grow(&h->names, &h->cap, h->n, sizeof *h->names))
			return -CS_ENOMEM;
		char *name = malloc(plen + tail + 1);
		if (!name)
			return -CS_ENOMEM;
		memcpy(name, prefix, plen);
		memcpy(name + plen, pos, tail + 1);
		h->names[h->n++] = name;
		return 0;
	}
	size_t lit = (size_t)(open - pos);
	if (plen + lit + 24 > pcap)
		return hl_fail(h, "%s: name too long", item);
	memcpy(prefix + plen, pos, lit);
	range *r = NULL;
	int nr = 0;
	const char *after;
	int rc = hl_group(h, item, open + 1, &after, &r, &nr);
	int64_t total = 0;
	for (int i = 0; rc == 0 && i < nr; i++)
		total += r[i].hi - r[i].lo + 1;
	if (rc == 0 && total > HOSTLIST_MAX - h->n) /* fail before building a million names */
		rc = hl_fail(h, "more than %d names", HOSTLIST_MAX);
	for (int i = 0; rc == 0 && i < nr; i++)
		for (int64_t v = r[i].lo; rc == 0 && v <= r[i].hi; v++) {
			int w = snprintf(prefix + plen + lit, pcap - plen - lit, "%0*lld", r[i].width, (long long)v);
			rc = hl_product(h, item, after, prefix, plen + lit + (size_t)w, pcap);
		}
	free(r);
	return rc;
}

int cs_slurm_hostlist_expand(const char *expr, char ***names, int *n, char *err, size_t errlen)
{
	hl h = { .err = err, .errlen = errlen };
	*names = NULL;
	*n = 0;
	size_t len = strlen(expr);
	char *item = malloc(len + 1), prefix[1024];
	if (!item)
		return -CS_ENOMEM;
	int rc = 0;
	/* Items are split at commas outside brackets. */
	for (const char *p = expr; rc == 0;) {
		const char *q = p;
		int depth = 0;
		for (; *q && !(*q == ',' && depth == 0); q++)
			depth += *q == '[' ? 1 : *q == ']' ? -1 : 0;
		memcpy(item, p, (size_t)(q - p));
		item[q - p] = '\0';
		if (!*item)
			rc = hl_fail(&h, "\"%s\": empty name in the list", expr);
		else
			rc = hl_product(&h, item, item, prefix, 0, sizeof prefix);
		if (!*q)
			break;
		p = q + 1;
	}
	free(item);
	if (rc) {
		if (rc == -CS_ENOMEM)
			snprintf(err, errlen, "out of memory");
		cs_slurm_hostlist_free(h.names, h.n);
		return rc;
	}
	*names = h.names;
	*n = h.n;
	return 0;
}

void cs_slurm_hostlist_free(char **names, int n)
{
	for (int i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

/* ---- loader state and errors ----------------------------------------------- */

typedef struct pair {
	const char *key, *val; /* val NULL: a bare word */
	int line;
} pair;

/* What a NodeName line (or the merged DEFAULT lines) says; unset fields take
 * the DEFAULT's, then Slurm's defaults. */
enum { N_BOARDS = 1, N_SPB = 2, N_SOCKETS = 4, N_CORES = 8, N_THREADS = 16, N_CPUS = 32, N_MEM = 64,
       N_GRES = 128, N_FEAT = 256, N_WEIGHT = 512, N_STATE = 1024 };
typedef struct nspec {
	unsigned set;
	int64_t boards, spb, sockets, cores, threads, cpus, mem, weight;
	const cs_slurm_gres *gres;
	int ngres;
	const char *const *features;
	int nfeatures;
	const char *state;
} nspec;

enum { P_NODES = 1, P_MAXTIME = 2, P_DEFTIME = 4, P_MAXNODES = 8, P_MINNODES = 16, P_DEFAULT = 32,
       P_STATE = 64, P_TIER = 128, P_JOBFACTOR = 256 };
typedef struct pspec {
	unsigned set;
	const char *nodes; /* the hostlist, resolved once every node is known */
	const char *nodes_file;
	int nodes_line;
	int64_t max_time, def_time, max_nodes, min_nodes, tier, job_factor;
	int is_default;
	const char *state;
	const char *billing; /* TRESBillingWeights as written */
	const char *billing_file;
	int billing_line;
} pspec;

typedef struct ld {
	char *err;
	size_t errlen;
	char dir[PATH_MAX]; /* slurm.conf's: Include and topology.conf are found from it */
	cs_slurmconf *c;
	priv *pv;
	const char *file; /* the file being read (owned copy) */
	cs_slurm_node *nodes;
	int nnodes, capnodes;
	cs_slurm_partition *parts;
	pspec *pspecs;
	int nparts, capparts, cappspecs;
	cs_slurm_ignored *ign;
	int nign, capign;
	nspec ndef;
	pspec pdef;
	int depth;        /* of Include */
	struct topo *topo; /* while topology.conf is read */
} ld;

static int fail(ld *l, int rc, int line, const char *key, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail(ld *l, int rc, int line, const char *key, const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(l->err, l->errlen, "%s:%d: %s: %s", l->file, line, key, msg);
	return rc;
}

static int oom(ld *l)
{
	snprintf(l->err, l->errlen, "%s: out of memory", l->file ? l->file : l->c->path);
	return -CS_ENOMEM;
}

static void *own(ld *l, void *p) { return own_in(l->pv, p); }
static char *own_str(ld *l, const char *s) { return own(l, strdup(s)); }

/* ---- values ------------------------------------------------------------------ */

static int get_int(ld *l, const pair *p, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	if (parse_int(p->val, lo, hi, out) == 0)
		return 0;
	if (hi == INT64_MAX)
		return fail(l, -CS_EPARSE, p->line, key, "expected an integer >= %lld, got \"%s\"", (long long)lo, p->val);
	return fail(l, -CS_EPARSE, p->line, key, "expected an integer from %lld to %lld, got \"%s\"", (long long)lo,
		    (long long)hi, p->val);
}

/* An integer, or UNLIMITED/INFINITE -> -1. */
static int get_int_or_unlimited(ld *l, const pair *p, const char *key, int64_t *out)
{
	if (is_unlimited(p->val)) {
		*out = -1;
		return 0;
	}
	if (parse_int(p->val, 0, INT64_MAX, out) == 0)
		return 0;
	return fail(l, -CS_EPARSE, p->line, key, "expected an integer >= 0 or UNLIMITED, got \"%s\"", p->val);
}

static int get_yes_no(ld *l, const pair *p, const char *key, int *out)
{
	if (strcasecmp(p->val, "YES") == 0 || strcasecmp(p->val, "NO") == 0) {
		*out = strcasecmp(p->val, "YES") == 0;
		return 0;
	}
	return fail(l, -CS_EPARSE, p->line, key, "expected YES or NO, got \"%s\"", p->val);
}

static int get_time(ld *l, const pair *p, const char *key, int64_t *out)
{
	if (cs_slurm_time_parse(p->val, out) == 0)
		return 0;
	return fail(l, -CS_EPARSE, p->line, key,
		    "expected UNLIMITED, MINUTES, MINUTES:SECONDS, HOURS:MINUTES:SECONDS, DAYS-HOURS, "
		    "DAYS-HOURS:MINUTES or DAYS-HOURS:MINUTES:SECONDS, got \"%s\"", p->val);
}

/* A Gres count: digits with an optional K/M/G/T/P suffix (powers of 1024). */
static int gres_count(const char *s, int64_t *out)
{
	size_t n = strlen(s);
	int shift = 0;
	const char *sfx = n ? strchr("KMGTP", toupper((unsigned char)s[n - 1])) : NULL;
	if (n > 1 && sfx && s[n - 1]) {
		shift = 10 * (int)(sfx - "KMGTP" + 1);
		n--;
	}
	char buf[32];
	if (n == 0 || n >= sizeof buf)
		return -CS_EPARSE;
	memcpy(buf, s, n);
	buf[n] = '\0';
	int64_t v;
	if (parse_int(buf, 0, INT64_MAX, &v) || (shift && v > (INT64_MAX >> shift)))
		return -CS_EPARSE;
	*out = v << shift;
	return 0;
}

static int get_gres(ld *l, const pair *p, nspec *s)
{
	char *buf = own_str(l, p->val);
	if (!buf)
		return oom(l);
	int cap = 1;
	for (const char *q = buf; *q; q++)
		cap += *q == ',';
	cs_slurm_gres *g = own(l, calloc((size_t)cap, sizeof *g));
	if (!g)
		return oom(l);
	int n = 0;
	char *save = NULL;
	for (char *el = strtok_r(buf, ",", &save); el; el = strtok_r(NULL, ",", &save)) {
		const char *part[8];
		int np = 0;
		char *elem = own_str(l, el), *s2 = NULL;
		if (!elem)
			return oom(l);
		size_t len = strlen(el);
		if (len == 0 || el[0] == ':' || el[len - 1] == ':' || strstr(el, "::"))
			return fail(l, -CS_EPARSE, p->line, "Gres", "\"%s\": empty field, expected NAME[:TYPE][:COUNT]", el);
		for (char *f = strtok_r(elem, ":", &s2); f; f = strtok_r(NULL, ":", &s2)) {
			if (strcasecmp(f, "no_consume") == 0)
				continue;
			if (np == 3)
				return fail(l, -CS_EPARSE, p->line, "Gres", "\"%s\": too many fields, expected NAME[:TYPE][:COUNT]", el);
			part[np++] = f;
		}
		if (np == 0)
			return fail(l, -CS_EPARSE, p->line, "Gres", "\"%s\": no name, expected NAME[:TYPE][:COUNT]", el);
		int64_t count = 1;
		int has_count = np > 1 && gres_count(part[np - 1], &count) == 0;
		if (np == 3 && !has_count)
			return fail(l, -CS_EPARSE, p->line, "Gres", "\"%s\": count \"%s\" is not a number", el, part[2]);
		g[n].type = part[0];
		g[n].model = np - has_count == 2 ? part[1] : "";
		g[n].count = count;
		n++;
	}
	if (n == 0)
		return fail(l, -CS_EPARSE, p->line, "Gres", "empty, expected NAME[:TYPE][:COUNT][,...]");
	s->gres = g;
	s->ngres = n;
	return 0;
}

static int get_features(ld *l, const pair *p, nspec *s)
{
	char *buf = own_str(l, p->val);
	if (!buf)
		return oom(l);
	int cap = 1;
	for (const char *q = buf; *q; q++)
		cap += *q == ',';
	const char **f = own(l, calloc((size_t)cap, sizeof *f));
	if (!f)
		return oom(l);
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		f[n++] = t;
	s->features = f;
	s->nfeatures = n;
	return 0;
}

/* ---- node lines ------------------------------------------------------------ */

static int node_pair(ld *l, const pair *p, nspec *s)
{
	/* uint16 in Slurm's node record */
	static const struct { const char *key; unsigned bit; size_t off; } ints[] = {
		{ "Boards", N_BOARDS, offsetof(nspec, boards) },
		{ "SocketsPerBoard", N_SPB, offsetof(nspec, spb) },
		{ "Sockets", N_SOCKETS, offsetof(nspec, sockets) },
		{ "CoresPerSocket", N_CORES, offsetof(nspec, cores) },
		{ "ThreadsPerCore", N_THREADS, offsetof(nspec, threads) },
		{ "CPUs", N_CPUS, offsetof(nspec, cpus) },
	};
	static const char *const accepted[] = { "NodeHostname", "NodeAddr", "CpuSpecList", "Reason" };
	static const char *const accepted_ints[] = { "TmpDisk", "Port", "MemSpecLimit", "CoreSpecCount" };
	const char *k = p->key;
	for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
		if (strcasecmp(k, ints[i].key) == 0) {
			s->set |= ints[i].bit;
			return get_int(l, p, ints[i].key, 1, 65535, (int64_t *)((char *)s + ints[i].off));
		}
	if (strcasecmp(k, "RealMemory") == 0) {
		s->set |= N_MEM;
		return get_int(l, p, "RealMemory", 0, INT64_MAX, &s->mem);
	}
	if (strcasecmp(k, "Weight") == 0) {
		s->set |= N_WEIGHT;
		return get_int(l, p, "Weight", 0, UINT32_MAX, &s->weight);
	}
	if (strcasecmp(k, "Gres") == 0) {
		s->set |= N_GRES;
		return get_gres(l, p, s);
	}
	if (strcasecmp(k, "Feature") == 0 || strcasecmp(k, "Features") == 0) {
		s->set |= N_FEAT;
		return get_features(l, p, s);
	}
	if (strcasecmp(k, "State") == 0) {
		s->set |= N_STATE;
		return (s->state = own_str(l, p->val)) ? 0 : oom(l);
	}
	for (size_t i = 0; i < sizeof accepted_ints / sizeof *accepted_ints; i++)
		if (strcasecmp(k, accepted_ints[i]) == 0) {
			int64_t v;
			return get_int(l, p, accepted_ints[i], 0, INT64_MAX, &v);
		}
	for (size_t i = 0; i < sizeof accepted / sizeof *accepted; i++)
		if (strcasecmp(k, accepted[i]) == 0)
			return 0;
	return fail(l, -CS_EPARSE, p->line, k, "unknown key on a NodeName line");
}

/* Fill a node from its merged spec by Slurm's rules (see the header). */
static int node_resolve(ld *l, const nspec *s, int line, cs_slurm_node *n)
{
	if ((s->set & N_SOCKETS) && (s->set & N_SPB))
		return fail(l, -CS_EPARSE, line, "Sockets", "Sockets and SocketsPerBoard are mutually exclusive");
	int64_t cores = s->set & N_CORES ? s->cores : 1, threads = s->set & N_THREADS ? s->threads : 1;
	int64_t boards = 1, spb, cpus;
	if (s->set & N_BOARDS) {
		/* Slurm: with Boards, Sockets means per board and CPUs is ignored */
		boards = s->boards;
		spb = s->set & N_SPB ? s->spb : s->set & N_SOCKETS ? s->sockets : 1;
		cpus = boards * spb * cores * threads;
	} else {
		if (s->set & N_SPB)
			spb = s->spb;
		else if (s->set & N_SOCKETS)
			spb = s->sockets;
		else if (s->set & N_CPUS)
			spb = s->cpus / (cores * threads) > 0 ? s->cpus / (cores * threads) : 1;
		else
			spb = 1;
		cpus = s->set & N_CPUS ? s->cpus : spb * cores * threads;
	}
	if (boards * spb * cores * threads > 65535 || boards * spb > 65535)
		return fail(l, -CS_EPARSE, line, "CPUs", "boards x sockets x cores x threads = %lld, more than 65535",
			    (long long)(boards * spb * cores * threads));
	n->boards = (int)boards;
	n->sockets_per_board = (int)spb;
	n->sockets = (int)(boards * spb);
	n->cores_per_socket = (int)cores;
	n->threads_per_core = (int)threads;
	n->cpus = (int)cpus;
	n->real_memory_mib = s->set & N_MEM ? s->mem : 1;
	n->weight = s->set & N_WEIGHT ? s->weight : 1;
	n->gres = s->gres;
	n->ngres = s->ngres;
	n->features = s->features;
	n->nfeatures = s->nfeatures;
	n->state = s->set & N_STATE ? s->state : "";
	n->file = l->file;
	n->line = line;
	n->leaf_switch = -1;
	n->block = -1;
	return 0;
}

static int node_line(ld *l, const pair *pr, int np)
{
	if (!*pr[0].val)
		return fail(l, -CS_EPARSE, pr[0].line, "NodeName", "empty, expected a hostlist or DEFAULT");
	int dflt = strcasecmp(pr[0].val, "DEFAULT") == 0;
	/* The line's keys over the DEFAULT lines' so far; a DEFAULT line's
	 * result becomes the new default, so later DEFAULT values win. */
	nspec s = l->ndef;
	for (int i = 1; i < np; i++) {
		int rc = node_pair(l, &pr[i], &s);
		if (rc)
			return rc;
	}
	if (dflt) {
		l->ndef = s;
		return 0;
	}
	cs_slurm_node proto;
	int rc = node_resolve(l, &s, pr[0].line, &proto);
	if (rc)
		return rc;
	char **names;
	int nn;
	char msg[320];
	rc = cs_slurm_hostlist_expand(pr[0].val, &names, &nn, msg, sizeof msg);
	if (rc)
		return rc == -CS_ENOMEM ? oom(l) : fail(l, rc, pr[0].line, "NodeName", "%s", msg);
	for (int i = 0; i < nn && rc == 0; i++) {
		if (grow(&l->nodes, &l->capnodes, l->nnodes, sizeof *l->nodes) ||
		    !(proto.name = own_str(l, names[i]))) {
			rc = oom(l);
			break;
		}
		l->nodes[l->nnodes++] = proto;
	}
	cs_slurm_hostlist_free(names, nn);
	return rc;
}

/* ---- partition lines --------------------------------------------------------- */

/* Accepted keys that change nothing (listed with --verbose). GraceTime
 * and PreemptMode among them: Slurm uses a partition's GraceTime and
 * PreemptMode with PreemptType=preempt/partition_prio; capsim models
 * preempt/qos only (multifactor's preempt_mode, the grace from the
 * accounts file's qos grace_time), where Slurm takes the QoS's. */
static int part_pair(ld *l, const pair *p, pspec *s)
{
	static const char *const accepted[] = { "OverSubscribe", "AllowAccounts", "AllowGroups", "AllowQos", "QOS",
						"PreemptMode" };
	static const char *const accepted_ints[] = { "DefMemPerCPU", "MaxMemPerNode", "MaxCPUsPerNode", "GraceTime" };
	static const char *const accepted_bools[] = { "Hidden", "ExclusiveUser", "LLN" };
	const char *k = p->key;
	if (strcasecmp(k, "Nodes") == 0) {
		s->set |= P_NODES;
		s->nodes = own_str(l, p->val);
		s->nodes_file = l->file;
		s->nodes_line = p->line;
		return s->nodes ? 0 : oom(l);
	}
	if (strcasecmp(k, "TRESBillingWeights") == 0) {
		cs_billing b;
		char msg[320];
		if (cs_billing_parse(p->val, &b, msg, sizeof msg) < 0)
			return fail(l, -CS_EPARSE, p->line, "TRESBillingWeights", "%s", msg);
		s->billing = own_str(l, p->val);
		s->billing_file = l->file;
		s->billing_line = p->line;
		return s->billing ? 0 : oom(l);
	}
	if (strcasecmp(k, "MaxTime") == 0) {
		s->set |= P_MAXTIME;
		return get_time(l, p, "MaxTime", &s->max_time);
	}
	if (strcasecmp(k, "DefaultTime") == 0) {
		s->set |= P_DEFTIME;
		return get_time(l, p, "DefaultTime", &s->def_time);
	}
	if (strcasecmp(k, "MaxNodes") == 0) {
		s->set |= P_MAXNODES;
		return get_int_or_unlimited(l, p, "MaxNodes", &s->max_nodes);
	}
	if (strcasecmp(k, "MinNodes") == 0) {
		s->set |= P_MINNODES;
		return get_int(l, p, "MinNodes", 0, INT64_MAX, &s->min_nodes);
	}
	if (strcasecmp(k, "Default") == 0) {
		s->set |= P_DEFAULT;
		return get_yes_no(l, p, "Default", &s->is_default);
	}
	if (strcasecmp(k, "PriorityTier") == 0) {
		s->set |= P_TIER;
		return get_int(l, p, "PriorityTier", 0, 65535, &s->tier);
	}
	if (strcasecmp(k, "PriorityJobFactor") == 0) {
		s->set |= P_JOBFACTOR;
		return get_int(l, p, "PriorityJobFactor", 0, 65535, &s->job_factor);
	}
	if (strcasecmp(k, "State") == 0) {
		static const char *const states[] = { "UP", "DOWN", "DRAIN", "INACTIVE" };
		for (size_t i = 0; i < sizeof states / sizeof *states; i++)
			if (strcasecmp(p->val, states[i]) == 0) {
				s->set |= P_STATE;
				s->state = states[i];
				return 0;
			}
		return fail(l, -CS_EPARSE, p->line, "State", "expected UP, DOWN, DRAIN or INACTIVE, got \"%s\"", p->val);
	}
	for (size_t i = 0; i < sizeof accepted_ints / sizeof *accepted_ints; i++)
		if (strcasecmp(k, accepted_ints[i]) == 0) {
			int64_t v;
			return get_int_or_unlimited(l, p, accepted_ints[i], &v);
		}
	for (size_t i = 0; i < sizeof accepted_bools / sizeof *accepted_bools; i++)
		if (strcasecmp(k, accepted_bools[i]) == 0) {
			int v;
			return get_yes_no(l, p, accepted_bools[i], &v);
		}
	for (size_t i = 0; i < sizeof accepted / sizeof *accepted; i++)
		if (strcasecmp(k, accepted[i]) == 0)
			return 0;
	return fail(l, -CS_EPARSE, p->line, k, "unknown key on a PartitionName line");
}

static int part_line(ld *l, const pair *pr, int np)
{
	if (!*pr[0].val)
		return fail(l, -CS_EPARSE, pr[0].line, "PartitionName", "empty, expected a name or DEFAULT");
	int dflt = strcasecmp(pr[0].val, "DEFAULT") == 0;
	pspec s = l->pdef;
	for (int i = 1; i < np; i++) {
		int rc = part_pair(l, &pr[i], &s);
		if (rc)
			return rc;
	}
	if (dflt) {
		l->pdef = s; /* as for nodes: later DEFAULT values win */
		return 0;
	}
	for (int i = 0; i < l->nparts; i++)
		if (strcmp(l->parts[i].name, pr[0].val) == 0)
			return fail(l, -CS_EINVAL, pr[0].line, "PartitionName", "duplicate partition \"%s\" (first at %s:%d)",
				    pr[0].val, l->parts[i].file, l->parts[i].line);
	if (grow(&l->parts, &l->capparts, l->nparts, sizeof *l->parts) ||
	    grow(&l->pspecs, &l->cappspecs, l->nparts, sizeof *l->pspecs))
		return oom(l);
	cs_slurm_partition *p = &l->parts[l->nparts];
	*p = (cs_slurm_partition){
		.name = own_str(l, pr[0].val),
		.file = l->file,
		.line = pr[0].line,
		.max_time_s = s.set & P_MAXTIME ? s.max_time : -1,
		.max_nodes = s.set & P_MAXNODES ? s.max_nodes : -1,
		.min_nodes = s.set & P_MINNODES ? s.min_nodes : 0,
		.is_default = s.set & P_DEFAULT ? s.is_default : 0,
		.state = s.set & P_STATE ? s.state : "UP",
		.priority_tier = s.set & P_TIER ? s.tier : 1,
		.priority_job_factor = s.set & P_JOBFACTOR ? s.job_factor : 1,
		.tres_billing_weights = s.billing ? s.billing : "",
		.billing_file = s.billing ? s.billing_file : l->file,
		.billing_line = s.billing ? s.billing_line : pr[0].line,
	};
	p->default_time_s = s.set & P_DEFTIME ? s.def_time : p->max_time_s;
	if (!p->name)
		return oom(l);
	l->pspecs[l->nparts++] = s;
	return 0;
}

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
					return fail(l, -CS_EPARSE, p.line, p.key, "value without its closing '\"'");
				*q = '\0';
				s = q + 1;
				if (*s && !isspace((unsigned char)*s))
					return fail(l, -CS_EPARSE, p.line, p.key, "text right after a closing '\"'");
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
			return fail(l, -CS_EPARSE, p.line, "=", "'=' without a key");
		if (grow(out, cap, *np, sizeof **out))
			return oom(l);
		(*out)[(*np)++] = p;
	}
	return 0;
}

typedef int (*line_fn)(ld *l, const pair *pr, int np);

static int read_file(ld *l, const char *path, line_fn fn, int include_line);
static int conf_line(ld *l, const pair *pr, int np);

/* The largest file and line read (a slurm.conf is a few kilobytes). */
#define SC_FILE_MAX (16 << 20)
#define SC_LINE_MAX (1 << 20)

/* slurm.conf(5): "Include FILE", relative to slurm.conf's directory. */
static int include(ld *l, const pair *pr, int np)
{
	if (np != 2 || pr[1].val)
		return fail(l, -CS_EPARSE, pr[0].line, "Include", "expected one file name");
	if (l->depth >= INCLUDE_DEPTH)
		return fail(l, -CS_EPARSE, pr[0].line, "Include", "more than %d nested includes", INCLUDE_DEPTH);
	char inc[PATH_MAX * 2];
	if (pr[1].key[0] == '/')
		snprintf(inc, sizeof inc, "%s", pr[1].key);
	else
		snprintf(inc, sizeof inc, "%s/%s", l->dir, pr[1].key);
	l->depth++;
	int rc = read_file(l, inc, conf_line, pr[0].line);
	l->depth--;
	return rc;
}

/* slurm.conf: Include, node, partition and global lines. */
static int conf_line(ld *l, const pair *pr, int np)
{
	if (strcasecmp(pr[0].key, "Include") == 0 && !pr[0].val)
		return include(l, pr, np);
	for (int i = 0; i < np; i++)
		if (!pr[i].val)
			return fail(l, -CS_EPARSE, pr[i].line, pr[i].key, "expected Key=Value");
	if (strcasecmp(pr[0].key, "NodeName") == 0)
		return node_line(l, pr, np);
	if (strcasecmp(pr[0].key, "PartitionName") == 0)
		return part_line(l, pr, np);
	for (int i = 0; i < np; i++) {
		if (strcasecmp(pr[i].key, "ClusterName") == 0) {
			if (!(l->c->cluster_name = own_str(l, pr[i].val)))
				return oom(l);
			continue;
		}
		if (grow(&l->ign, &l->capign, l->nign, sizeof *l->ign))
			return oom(l);
		cs_slurm_ignored *g = &l->ign[l->nign++];
		*g = (cs_slurm_ignored){ own_str(l, pr[i].key), own_str(l, pr[i].val), l->file, pr[i].line };
		if (!g->key || !g->value)
			return oom(l);
	}
	return 0;
}

/* Read path line by line into fn. include_line > 0: named by an Include
 * on that line of l->file, which a failure to open then points at. */
static int read_file(ld *l, const char *path, line_fn fn, int include_line)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (include_line > 0)
			return fail(l, -CS_EIO, include_line, "Include", "%s: cannot open: %s", path, strerror(errno));
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
			return fail(l, -CS_EIO, include_line, "Include", "%s: %s", path, why);
		snprintf(l->err, l->errlen, "%s: %s", path, why);
		return -CS_EIO;
	}
	const char *saved = l->file;
	if (!(l->file = own_str(l, path))) {
		fclose(f);
		l->file = saved;
		return oom(l);
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
			rc = fail(l, -CS_EPARSE, lineno, "line", "longer than %d bytes", SC_LINE_MAX);
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
			rc = fail(l, -CS_EPARSE, lineno, "\\", "more than 64 continued lines");
			break;
		}
		lg.seg_off[lg.nseg] = (int)lg.len;
		lg.seg_line[lg.nseg++] = lineno;
		if (lg.len + n + 2 > lg.cap) {
			size_t cap = 2 * (lg.len + n + 2);
			char *t = realloc(lg.text, cap);
			if (!t) {
				rc = oom(l);
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
		rc = fail(l, -CS_EPARSE, lineno, "\\", "continuation at the end of the file");
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

/* ---- after slurm.conf: names to indices --------------------------------------- */

/* A sorted (name, index) table; a duplicate is an error at the later one. */
static int index_nodes(ld *l)
{
	cs_slurmconf *c = l->c;
	name_idx *by = own(l, calloc((size_t)(c->nnodes ? c->nnodes : 1), sizeof *by));
	if (!by)
		return oom(l);
	for (int i = 0; i < c->nnodes; i++)
		by[i] = (name_idx){ c->nodes[i].name, i };
	qsort(by, (size_t)c->nnodes, sizeof *by, name_cmp);
	for (int i = 1; i < c->nnodes; i++)
		if (strcmp(by[i].name, by[i - 1].name) == 0) {
			const cs_slurm_node *first = &c->nodes[by[i - 1].idx], *dup = &c->nodes[by[i].idx];
			l->file = dup->file;
			return fail(l, -CS_EINVAL, dup->line, "NodeName", "duplicate node \"%s\" (first at %s:%d)",
				    dup->name, first->file, first->line);
		}
	l->pv->node_by_name = by;
	return 0;
}

/* Expand a hostlist of node names to indices. */
static int resolve_nodes(ld *l, const char *expr, int line, const char *key, const int **out, int *nout)
{
	char **names;
	int n;
	char msg[320];
	int rc = cs_slurm_hostlist_expand(expr, &names, &n, msg, sizeof msg);
	if (rc)
		return rc == -CS_ENOMEM ? oom(l) : fail(l, rc, line, key, "%s", msg);
	int *idx = own(l, calloc((size_t)(n ? n : 1), sizeof *idx));
	if (!idx)
		rc = oom(l);
	for (int i = 0; rc == 0 && i < n; i++)
		if ((idx[i] = cs_slurmconf_node_find(l->c, names[i])) < 0)
			rc = fail(l, -CS_EINVAL, line, key, "unknown node \"%s\"", names[i]);
	cs_slurm_hostlist_free(names, n);
	*out = idx;
	*nout = rc ? 0 : n;
	return rc;
}

static int resolve_partitions(ld *l)
{
	for (int i = 0; i < l->nparts; i++) {
		cs_slurm_partition *p = &l->parts[i];
		const pspec *s = &l->pspecs[i];
		if (!(s->set & P_NODES) || !*s->nodes)
			continue;
		l->file = s->nodes_file;
		if (strcasecmp(s->nodes, "ALL") == 0) {
			int *idx = own(l, calloc((size_t)(l->nnodes ? l->nnodes : 1), sizeof *idx));
			if (!idx)
				return oom(l);
			for (int j = 0; j < l->nnodes; j++)
				idx[j] = j;
			p->nodes = idx;
			p->nnodes = l->nnodes;
			continue;
		}
		int rc = resolve_nodes(l, s->nodes, s->nodes_line, "Nodes", &p->nodes, &p->nnodes);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- topology.conf ---------------------------------------------------------------- */

typedef struct topo {
	cs_slurm_switch *sw;
	const char **sw_children; /* Switches= hostlist per switch, NULL if none */
	const char **sw_nodes;
	int nsw, capsw, capchild, capswn;
	cs_slurm_block *bl;
	const char **bl_nodes;
	int nbl, capbl, capbln;
	int64_t *sizes;
	int nsizes, sizes_line;
} topo;

static int switch_line(ld *l, topo *t, const pair *pr, int np)
{
	if (t->nbl || t->nsizes)
		return fail(l, -CS_EPARSE, pr[0].line, "SwitchName",
			    "topology/tree switches mixed with topology/block blocks");
	if (!*pr[0].val)
		return fail(l, -CS_EPARSE, pr[0].line, "SwitchName", "empty, expected a name");
	if (grow(&t->sw, &t->capsw, t->nsw, sizeof *t->sw) ||
	    grow(&t->sw_children, &t->capchild, t->nsw, sizeof *t->sw_children) ||
	    grow(&t->sw_nodes, &t->capswn, t->nsw, sizeof *t->sw_nodes))
		return oom(l);
	cs_slurm_switch *s = &t->sw[t->nsw];
	*s = (cs_slurm_switch){ .name = own_str(l, pr[0].val), .line = pr[0].line, .link_speed = 1, .parent = -1 };
	if (!s->name)
		return oom(l);
	t->sw_children[t->nsw] = t->sw_nodes[t->nsw] = NULL;
	for (int i = 1; i < np; i++) {
		const pair *p = &pr[i];
		if (strcasecmp(p->key, "Switches") == 0)
			t->sw_children[t->nsw] = p->val;
		else if (strcasecmp(p->key, "Nodes") == 0)
			t->sw_nodes[t->nsw] = p->val;
		else if (strcasecmp(p->key, "LinkSpeed") == 0) {
			int rc = get_int(l, p, "LinkSpeed", 0, INT64_MAX, &s->link_speed);
			if (rc)
				return rc;
		} else
			return fail(l, -CS_EPARSE, p->line, p->key, "unknown key on a SwitchName line");
	}
	t->nsw++;
	return 0;
}

static int block_line(ld *l, topo *t, const pair *pr, int np)
{
	if (t->nsw)
		return fail(l, -CS_EPARSE, pr[0].line, pr[0].key[5] == 'S' || pr[0].key[5] == 's' ? "BlockSizes" : "BlockName",
			    "topology/block blocks mixed with topology/tree switches");
	if (strcasecmp(pr[0].key, "BlockSizes") == 0) {
		if (np > 1)
			return fail(l, -CS_EPARSE, pr[1].line, pr[1].key, "unknown key on a BlockSizes line");
		if (t->nsizes)
			return fail(l, -CS_EPARSE, pr[0].line, "BlockSizes", "given twice (first at line %d)", t->sizes_line);
		int cap = 1;
		for (const char *q = pr[0].val; *q; q++)
			cap += *q == ',';
		if (!(t->sizes = own(l, calloc((size_t)cap, sizeof *t->sizes))))
			return oom(l);
		char *buf = own_str(l, pr[0].val), *save = NULL;
		if (!buf)
			return oom(l);
		for (char *s = strtok_r(buf, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
			int64_t v;
			if (parse_int(s, 1, INT_MAX, &v))
				return fail(l, -CS_EPARSE, pr[0].line, "BlockSizes", "expected integers >= 1, got \"%s\"", s);
			/* topology.conf(5): each size is a power-of-two multiple of the one before */
			int64_t prev = t->nsizes ? t->sizes[t->nsizes - 1] : 0;
			if (prev && (v <= prev || v % prev || ((v / prev) & (v / prev - 1))))
				return fail(l, -CS_EPARSE, pr[0].line, "BlockSizes",
					    "%lld is not a power-of-two multiple of %lld", (long long)v, (long long)prev);
			t->sizes[t->nsizes++] = v;
		}
		if (!t->nsizes)
			return fail(l, -CS_EPARSE, pr[0].line, "BlockSizes", "empty, expected N[,N...]");
		t->sizes_line = pr[0].line;
		return 0;
	}
	if (!*pr[0].val)
		return fail(l, -CS_EPARSE, pr[0].line, "BlockName", "empty, expected a name");
	if (grow(&t->bl, &t->capbl, t->nbl, sizeof *t->bl) || grow(&t->bl_nodes, &t->capbln, t->nbl, sizeof *t->bl_nodes))
		return oom(l);
	cs_slurm_block *b = &t->bl[t->nbl];
	*b = (cs_slurm_block){ .name = own_str(l, pr[0].val), .line = pr[0].line };
	if (!b->name)
		return oom(l);
	t->bl_nodes[t->nbl] = NULL;
	for (int i = 1; i < np; i++) {
		if (strcasecmp(pr[i].key, "Nodes") != 0)
			return fail(l, -CS_EPARSE, pr[i].line, pr[i].key, "unknown key on a BlockName line");
		t->bl_nodes[t->nbl] = pr[i].val;
	}
	t->nbl++;
	return 0;
}

static int topo_line(ld *l, const pair *pr, int np)
{
	topo *t = l->topo;
	for (int i = 0; i < np; i++)
		if (!pr[i].val)
			return fail(l, -CS_EPARSE, pr[i].line, pr[i].key, "expected Key=Value");
	/* the hostlists are resolved after the whole file: keep them */
	pair *own_pr = own(l, malloc((size_t)np * sizeof *own_pr));
	if (!own_pr)
		return oom(l);
	for (int i = 0; i < np; i++)
		if (!(own_pr[i].val = own_str(l, pr[i].val)) || !(own_pr[i].key = own_str(l, pr[i].key)))
			return oom(l);
		else
			own_pr[i].line = pr[i].line;
	if (strcasecmp(pr[0].key, "SwitchName") == 0)
		return switch_line(l, t, own_pr, np);
	if (strcasecmp(pr[0].key, "BlockName") == 0 || strcasecmp(pr[0].key, "BlockSizes") == 0)
		return block_line(l, t, own_pr, np);
	return fail(l, -CS_EPARSE, pr[0].line, pr[0].key, "unknown key, expected SwitchName, BlockName or BlockSizes");
}

static int resolve_switches(ld *l, topo *t)
{
	cs_slurmconf *c = l->c;
	name_idx *by = own(l, calloc((size_t)(t->nsw ? t->nsw : 1), sizeof *by));
	if (!by)
		return oom(l);
	for (int i = 0; i < t->nsw; i++)
		by[i] = (name_idx){ t->sw[i].name, i };
	qsort(by, (size_t)t->nsw, sizeof *by, name_cmp);
	for (int i = 1; i < t->nsw; i++)
		if (strcmp(by[i].name, by[i - 1].name) == 0)
			return fail(l, -CS_EINVAL, t->sw[by[i].idx].line, "SwitchName", "duplicate switch \"%s\" (first at line %d)",
				    by[i].name, t->sw[by[i - 1].idx].line);
	l->pv->switch_by_name = by;
	c->switches = t->sw;
	c->nswitches = t->nsw;
	for (int i = 0; i < t->nsw; i++) {
		cs_slurm_switch *s = &t->sw[i];
		if (t->sw_nodes[i]) {
			int rc = resolve_nodes(l, t->sw_nodes[i], s->line, "Nodes", &s->nodes, &s->nnodes);
			if (rc)
				return rc;
			for (int j = 0; j < s->nnodes; j++)
				if (l->nodes[s->nodes[j]].leaf_switch < 0)
					l->nodes[s->nodes[j]].leaf_switch = i;
		}
		if (!t->sw_children[i])
			continue;
		char **names;
		int n;
		char msg[320];
		int rc = cs_slurm_hostlist_expand(t->sw_children[i], &names, &n, msg, sizeof msg);
		if (rc)
			return rc == -CS_ENOMEM ? oom(l) : fail(l, rc, s->line, "Switches", "%s", msg);
		int *kids = own(l, calloc((size_t)(n ? n : 1), sizeof *kids));
		if (!kids)
			rc = oom(l);
		for (int j = 0; rc == 0 && j < n; j++) {
			int k = cs_slurmconf_switch_find(c, names[j]);
			if (k < 0)
				rc = fail(l, -CS_EINVAL, s->line, "Switches", "unknown switch \"%s\"", names[j]);
			else if (k == i)
				rc = fail(l, -CS_EINVAL, s->line, "Switches", "switch \"%s\" is its own child", names[j]);
			else if (t->sw[k].parent >= 0)
				rc = fail(l, -CS_EINVAL, s->line, "Switches", "switch \"%s\" already has parent \"%s\" (line %d)",
					  names[j], t->sw[t->sw[k].parent].name, t->sw[t->sw[k].parent].line);
			else {
				t->sw[k].parent = i;
				kids[j] = k;
			}
		}
		cs_slurm_hostlist_free(names, n);
		if (rc)
			return rc;
		s->children = kids;
		s->nchildren = n;
	}
	/* Levels from the leaves up (Kahn's order): a switch is done once all
	 * its children are; one never done sits on a cycle. */
	int *pending = calloc((size_t)(t->nsw ? t->nsw : 1), sizeof *pending);
	int *queue = calloc((size_t)(t->nsw ? t->nsw : 1), sizeof *queue);
	if (!pending || !queue) {
		free(pending);
		free(queue);
		return oom(l);
	}
	int head = 0, tail = 0;
	for (int i = 0; i < t->nsw; i++)
		if (!(pending[i] = t->sw[i].nchildren))
			queue[tail++] = i;
	while (head < tail) {
		int s = queue[head++], p = t->sw[s].parent;
		if (t->sw[s].level + 1 > c->nlevels)
			c->nlevels = t->sw[s].level + 1;
		if (p < 0)
			continue;
		if (t->sw[p].level < t->sw[s].level + 1)
			t->sw[p].level = t->sw[s].level + 1;
		if (--pending[p] == 0)
			queue[tail++] = p;
	}
	int rc = 0;
	for (int i = 0; i < t->nsw && tail < t->nsw; i++)
		if (pending[i]) {
			rc = fail(l, -CS_EINVAL, t->sw[i].line, "Switches", "switch \"%s\" is on a cycle", t->sw[i].name);
			break;
		}
	free(pending);
	free(queue);
	return rc;
}

static int resolve_blocks(ld *l, topo *t)
{
	for (int i = 0; i < t->nbl; i++) {
		cs_slurm_block *b = &t->bl[i];
		for (int j = 0; j < i; j++)
			if (strcmp(t->bl[j].name, b->name) == 0)
				return fail(l, -CS_EINVAL, b->line, "BlockName", "duplicate block \"%s\" (first at line %d)",
					    b->name, t->bl[j].line);
		if (!t->bl_nodes[i])
			continue;
		int rc = resolve_nodes(l, t->bl_nodes[i], b->line, "Nodes", &b->nodes, &b->nnodes);
		if (rc)
			return rc;
		for (int j = 0; j < b->nnodes; j++) {
			cs_slurm_node *n = &l->nodes[b->nodes[j]];
			if (n->block >= 0)
				return fail(l, -CS_EINVAL, b->line, "Nodes", "node \"%s\" is already in block \"%s\" (line %d)",
					    n->name, t->bl[n->block].name, t->bl[n->block].line);
			n->block = i;
		}
	}
	l->c->blocks = t->bl;
	l->c->nblocks = t->nbl;
	l->c->block_sizes = t->sizes;
	l->c->nblock_sizes = t->nsizes;
	return 0;
}

static int load_topology(ld *l)
{
	char path[PATH_MAX * 2];
	snprintf(path, sizeof path, "%s/topology.conf", l->dir);
	struct stat st;
	if (stat(path, &st) != 0 && errno == ENOENT)
		return 0; /* no topology: a flat network */
	topo t = { 0 };
	l->topo = &t;
	int rc = read_file(l, path, topo_line, 0);
	l->topo = NULL;
	/* the switch and block arrays become the model's whatever happens next */
	if ((t.sw && !own(l, t.sw)) || (t.bl && !own(l, t.bl)))
		rc = rc ? rc : oom(l);
	if (rc == 0) {
		l->c->topology_path = l->file = own_str(l, path);
		rc = l->file ? 0 : oom(l);
	}
	if (rc == 0)
		rc = resolve_switches(l, &t);
	if (rc == 0)
		rc = resolve_blocks(l, &t);
	free(t.sw_children);
	free(t.sw_nodes);
	free(t.bl_nodes);
	return rc;
}

/* ---- load ------------------------------------------------------------------------ */

int cs_slurmconf_load(cs_slurmconf **out, const char *slurm_conf_path, char *err, size_t errlen)
{
	*out = NULL;
	cs_slurmconf *c = calloc(1, sizeof *c);
	priv *pv = calloc(1, sizeof *pv);
	if (!c || !pv) {
		free(c);
		free(pv);
		snprintf(err, errlen, "%s: out of memory", slurm_conf_path);
		return -CS_ENOMEM;
	}
	c->priv = pv;
	ld l = { .err = err, .errlen = errlen, .c = c, .pv = pv };
	const char *slash = strrchr(slurm_conf_path, '/');
	if (slash) /* "/slurm.conf" is in "/" */
		snprintf(l.dir, sizeof l.dir, "%.*s", slash == slurm_conf_path ? 1 : (int)(slash - slurm_conf_path),
			 slurm_conf_path);
	else
		snprintf(l.dir, sizeof l.dir, ".");
	c->cluster_name = "";
	int rc = 0;
	struct stat st;
	if (stat(slurm_conf_path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: cannot open: %s", slurm_conf_path, strerror(EISDIR));
		rc = -CS_EIO;
	}
	if (rc == 0 && !(c->path = own_str(&l, slurm_conf_path)))
		rc = oom(&l);
	if (rc == 0)
		rc = read_file(&l, slurm_conf_path, conf_line, 0);
	/* hand the growing arrays to the model before anything else can fail */
	if (l.nodes && !own(&l, l.nodes))
		rc = rc ? rc : oom(&l);
	if (l.parts && !own(&l, l.parts))
		rc = rc ? rc : oom(&l);
	if (l.ign && !own(&l, l.ign))
		rc = rc ? rc : oom(&l);
	c->nodes = l.nodes;
	c->nnodes = l.nnodes;
	c->partitions = l.parts;
	c->npartitions = l.nparts;
	c->ignored = l.ign;
	c->nignored = l.nign;
	if (rc == 0)
		rc = index_nodes(&l);
	if (rc == 0)
		rc = resolve_partitions(&l);
	if (rc == 0)
		rc = load_topology(&l);
	free(l.pspecs);
	if (rc) {
		cs_slurmconf_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void cs_slurmconf_free(cs_slurmconf *c)
{
	if (!c)
		return;
	priv *pv = c->priv;
	for (size_t i = 0; pv && i < pv->nowned; i++)
		free(pv->owned[i]);
	if (pv)
		free(pv->owned);
	free(pv);
	free(c);
}

int cs_slurmconf_node_find(const cs_slurmconf *c, const char *name)
{
	const priv *pv = c->priv;
	return pv->node_by_name ? name_find(pv->node_by_name, c->nnodes, name) : -1;
}

int cs_slurmconf_switch_find(const cs_slurmconf *c, const char *name)
{
	const priv *pv = c->priv;
	return pv->switch_by_name ? name_find(pv->switch_by_name, c->nswitches, name) : -1;
}
