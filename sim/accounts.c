/* capsim: the accounts file (fair-share tree, QoS and partition
 * priorities), loaded with libfyaml, and its binding to a job table. The
 * YAML access follows sim/cluster.c: every mistake is "FILE:LINE:COL:
 * key: what is wrong". */
#include "capsim/accounts.h"
#include "yaml.h"

#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct anode {
	char *name;
	double shares;
	int32_t parent;
	uint8_t kind;
	int32_t lim; /* index into cs_accounts.lims, -1: the entry sets no limit */
	cs_grant grant; /* hours < 0: none */
} anode;

typedef struct prio {
	cs_names names; /* index = entry */
	double *factor; /* priority / the largest */
	uint8_t *preempts; /* qos only: [a * n + b] = 1 if a may preempt b */
	cs_time *grace;    /* qos only: grace_time, seconds (-1: not given) */
} prio;

struct cs_accounts {
	anode *nodes; /* preorder: a parent before its children; 0 is the root */
	uint32_t n, cap;
	cs_names accounts; /* account names -> index into acct_node */
	uint32_t *acct_node;
	prio qos, parts;
	cs_assoc_limit *lims; /* the entries' limits */
	uint32_t nlims, caplims;
	int lim_line;         /* the first line that sets one */
	uint32_t ngrants;
	cs_storage_alloc *stor; /* storage_tb entries, in file order (tiers owned) */
	uint32_t nstor, capstor;
};

const char *const cs_tres_names[CS_TRES_N] = { "cpu", "mem", "node", "gres/gpu", "billing" };

/* ---- YAML access (as sim/cluster.c) ---------------------------------------- */

typedef struct ld {
	const char *file;
	char *err;
	size_t errlen;
	cs_accounts *a;
	cs_yaml y;
} ld;

typedef cs_yfield fld;

#define fail(l, ...) cs_yaml_fail(&(l)->y, __VA_ARGS__)
#define oom(l) cs_yaml_oom(&(l)->y)
#define kind(n) cs_yaml_kind(n)
#define check_keys(l, map, path, keys) cs_yaml_check_keys(&(l)->y, map, path, "accounts file", keys)
/* key in map: 1 found, 0 absent (never an error: nothing is required) */
#define field(map, path, key, f) cs_yaml_field(NULL, map, NULL, path, key, 0, f)
#define need_list(l, f) cs_yaml_need_list(&(l)->y, f, 0)
#define need_map(l, f) cs_yaml_need_map(&(l)->y, f)
#define get_nonneg(l, f, out) cs_yaml_num(&(l)->y, f, 0, 0, INFINITY, out)
#define item(list, it, i, out) cs_yaml_item(list, it, i, out)
#define line_of(n) cs_yaml_line_of(n)

/* A non-empty string, not copied (it lives as long as the document). */
static int get_name(ld *l, const fld *f, const char **out, size_t *len)
{
	if (f->val && !fy_node_is_scalar(f->val))
		return cs_yaml_failv(&l->y, -CS_EPARSE, f, "expected a string, got %s", kind(f->val));
	const char *s = cs_yaml_text(f, len);
	if (!s)
		return cs_yaml_failv(&l->y, -CS_EPARSE, f, "expected a non-empty string, got nothing");
	*out = s;
	return 0;
}

static int add_node(ld *l, const char *name, size_t len, double shares, int32_t parent, uint8_t k)
{
	cs_accounts *a = l->a;
	if (a->n == a->cap) {
		uint32_t cap = a->cap ? 2 * a->cap : 64;
		anode *v = realloc(a->nodes, cap * sizeof *v);
		if (!v)
			return oom(l);
		a->nodes = v;
		a->cap = cap;
	}
	char *s = strndup(name, len);
	if (!s)
		return oom(l);
	a->nodes[a->n++] = (anode){ s, shares, parent, k, -1, { -1, 0, 0 } };
	return 0;
}

/* ---- association limits ----------------------------------------------------- */

static const char *const limit_keys[] = { "GrpTRES", "GrpTRESMins", "GrpJobs", "GrpSubmitJobs",
					  "MaxJobs", "MaxSubmitJobs", "MaxTRESPerJob", NULL };

/* A count limit: an integer >= -1 (-1: no limit, INFINITY). */
static int limit_count(ld *l, const fld *f, double *out)
{
	int64_t v;
	int rc = cs_yaml_i64(&l->y, f, -1, INT64_MAX, &v);
	if (rc < 0)
		return rc;
	*out = v < 0 ? INFINITY : (double)v;
	return 0;
}

/* "cpu=100,gres/gpu=8,mem=500G" (sacctmgr's form) into out[CS_TRES_*]:
 * entries not named stay as they are; -1 is no limit (INFINITY). mem is
 * in MB, with an optional K, M, G or T suffix (powers of 1024). */
static int limit_tres(ld *l, const fld *f, double out[CS_TRES_N])
{
	size_t len = 0;
	if (f->val && !fy_node_is_scalar(f->val))
		return cs_yaml_failv(&l->y, -CS_EPARSE, f, "expected a string like \"cpu=64,gres/gpu=8\", got %s",
				     kind(f->val));
	const char *s = cs_yaml_text(f, &len), *end = s + len;
	if (!s)
		return cs_yaml_failv(&l->y, -CS_EPARSE, f, "expected a string like \"cpu=64,gres/gpu=8\", got nothing");
	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s)), *eq;
		if (!comma)
			comma = end;
		if (!(eq = memchr(s, '=', (size_t)(comma - s))))
			return cs_yaml_failv(&l->y, -CS_EPARSE, f, "'%.*s' is not TRES=COUNT", (int)(comma - s), s);
		int t = -1;
		for (int k = 0; k < CS_TRES_N; k++)
			if ((size_t)(eq - s) == strlen(cs_tres_names[k]) && strncasecmp(s, cs_tres_names[k], (size_t)(eq - s)) == 0)
				t = k;
		if (t < 0)
			return cs_yaml_failv(&l->y, -CS_EINVAL, f, "'%.*s' is not a TRES capsim models (cpu, mem, node, "
					     "gres/gpu, billing)", (int)(eq - s), s);
		char buf[32], *e;
		size_t vl = (size_t)(comma - eq - 1);
		if (vl == 0 || vl >= sizeof buf)
			return cs_yaml_failv(&l->y, -CS_EPARSE, f, "%s: '%.*s' is not a count", cs_tres_names[t],
					     (int)(vl < 24 ? vl : 24), eq + 1);
		memcpy(buf, eq + 1, vl);
		buf[vl] = '\0';
		errno = 0;
		long long v = strtoll(buf, &e, 10);
		double mul = 1;
		if (t == CS_TRES_MEM && *e && !e[1]) {
			const char *u = strchr("KMGT", *e >= 'a' ? *e - 32 : *e);
			mul = u ? (*u == 'K' ? 1.0 / 1024 : *u == 'M' ? 1 : *u == 'G' ? 1024 : 1048576.0) : 0;
			e += mul > 0;
		}
		if (e == buf || *e || errno || v < -1 || (v == -1 && mul != 1))
			return cs_yaml_failv(&l->y, -CS_EPARSE, f, "%s: '%s' is not a count >= 0 (or -1: no limit)%s",
					     cs_tres_names[t], buf, t == CS_TRES_MEM ? "; mem takes K, M, G or T" : "");
		out[t] = v < 0 ? INFINITY : (double)v * mul;
		s = comma + (comma < end);
	}
	return 0;
}

/* The limits entry g sets, if any, onto node `self`. */
static int load_limits(ld *l, const fld *g, uint32_t self)
{
	fld h;
	int any = 0;
	for (int k = 0; limit_keys[k] && !any; k++)
		any = field(g->val, g->path, limit_keys[k], &h);
	if (!any)
		return 0;
	cs_accounts *a = l->a;
	if (a->nlims == a->caplims) {
		uint32_t cap = a->caplims ? 2 * a->caplims : 16;
		cs_assoc_limit *v = realloc(a->lims, cap * sizeof *v);
		if (!v)
			return oom(l);
		a->lims = v;
		a->caplims = cap;
	}
	cs_assoc_limit *m = &a->lims[a->nlims];
	m->grp_jobs = m->grp_submit = m->max_jobs = m->max_submit = CS_LIMIT_UNSET;
	for (int t = 0; t < CS_TRES_N; t++)
		m->grp_tres[t] = m->grp_tres_mins[t] = m->max_tres_per_job[t] = CS_LIMIT_UNSET;
	int rc = 0;
	if (field(g->val, g->path, "GrpTRES", &h))
		rc = limit_tres(l, &h, m->grp_tres);
	if (rc == 0 && field(g->val, g->path, "GrpTRESMins", &h))
		rc = limit_tres(l, &h, m->grp_tres_mins);
	if (rc == 0 && field(g->val, g->path, "MaxTRESPerJob", &h))
		rc = limit_tres(l, &h, m->max_tres_per_job);
	if (rc == 0 && field(g->val, g->path, "GrpJobs", &h))
		rc = limit_count(l, &h, &m->grp_jobs);
	if (rc == 0 && field(g->val, g->path, "GrpSubmitJobs", &h))
		rc = limit_count(l, &h, &m->grp_submit);
	if (rc == 0 && field(g->val, g->path, "MaxJobs", &h))
		rc = limit_count(l, &h, &m->max_jobs);
	if (rc == 0 && field(g->val, g->path, "MaxSubmitJobs", &h))
		rc = limit_count(l, &h, &m->max_submit);
	if (rc < 0)
		return rc;
	if (!a->lim_line)
		a->lim_line = line_of(g->val);
	a->nodes[self].lim = (int32_t)a->nlims++;
	return 0;
}

/* An account's grant: {hours, from, to}. */
static int load_grant(ld *l, const fld *g, uint32_t self)
{
	static const char *const keys[] = { "hours", "from", "to", NULL };
	fld f, h;
	if (!field(g->val, g->path, "grant", &f))
		return 0;
	int rc = need_map(l, &f);
	if (rc < 0 || (rc = check_keys(l, f.val, f.path, keys)) < 0)
		return rc;
	cs_grant gr = { 0, -CS_TIME_LIMIT, CS_TIME_LIMIT };
	int64_t t;
	if (!field(f.val, f.path, "hours", &h))
		return fail(l, -CS_EPARSE, f.val, f.key, h.path, "missing required key");
	if ((rc = get_nonneg(l, &h, &gr.hours)) < 0)
		return rc;
	if (field(f.val, f.path, "from", &h)) {
		if ((rc = cs_yaml_i64(&l->y, &h, -CS_TIME_LIMIT, CS_TIME_LIMIT, &t)) < 0)
			return rc;
		gr.from = t;
	}
	if (field(f.val, f.path, "to", &h)) {
		if ((rc = cs_yaml_i64(&l->y, &h, -CS_TIME_LIMIT, CS_TIME_LIMIT, &t)) < 0)
			return rc;
		if (t <= gr.from)
			return cs_yaml_failv(&l->y, -CS_EINVAL, &h, "must be after from (%lld), got %lld",
					     (long long)gr.from, (long long)t);
		gr.to = t;
	}
	for (int32_t v = l->a->nodes[self].parent; v >= 0; v = l->a->nodes[v].parent)
		if (l->a->nodes[v].grant.hours >= 0)
			return fail(l, -CS_EINVAL, f.val, f.key, f.path, "account '%s' has a grant inside granted account "
				    "'%s': grants do not nest", l->a->nodes[self].name, l->a->nodes[v].name);
	l->a->nodes[self].grant = gr;
	l->a->ngrants++;
	return 0;
}

/* An account's storage allocations: storage_tb: {TIER: TB, ...}, each TB
 * >= 0; the tiers are checked against the cluster's when a run binds them
 * (capsim/storage.h). */
static int load_storage_tb(ld *l, const fld *g, uint32_t self)
{
	fld f;
	if (!field(g->val, g->path, "storage_tb", &f))
		return 0;
	int rc = need_map(l, &f);
	if (rc < 0)
		return rc;
	void *it = NULL;
	struct fy_node_pair *p;
	cs_accounts *a = l->a;
	while ((p = fy_node_mapping_iterate(f.val, &it))) {
		fld v = { .key = fy_node_pair_key(p), .val = fy_node_pair_value(p) };
		const char *tier = v.key && fy_node_is_scalar(v.key) ? fy_node_get_scalar0(v.key) : NULL;
		if (!tier || !*tier)
			return fail(l, -CS_EPARSE, v.key, f.val, f.path, "expected a storage tier's name as the key");
		cs_yaml_join(v.path, sizeof v.path, f.path, tier);
		double tb;
		if ((rc = get_nonneg(l, &v, &tb)) < 0)
			return rc;
		if (a->nstor == a->capstor) {
			uint32_t cap = a->capstor ? 2 * a->capstor : 16;
			cs_storage_alloc *ns = realloc(a->stor, cap * sizeof *ns);
			if (!ns)
				return oom(l);
			a->stor = ns;
			a->capstor = cap;
		}
		char *name = strdup(tier);
		if (!name)
			return oom(l);
		cs_storage_alloc *e = &a->stor[a->nstor++];
		*e = (cs_storage_alloc){ .node = self, .tier = name, .tb = tb };
		cs_yaml_where(v.key, &e->line, &e->col);
	}
	return 0;
}

/* Shares of entry f (default 1). */
static int shares_of(ld *l, const fld *f, double *out)
{
	fld g;
	*out = 1;
	return field(f->val, f->path, "shares", &g) ? get_nonneg(l, &g, out) : 0;
}

static int load_users(ld *l, const fld *f, int32_t parent)
{
	static const char *const keys[] = { "name", "shares", "GrpTRES", "GrpTRESMins", "GrpJobs", "GrpSubmitJobs",
					    "MaxJobs", "MaxSubmitJobs", "MaxTRESPerJob", NULL };
	int rc = need_list(l, f);
	if (rc < 0)
		return rc;
	uint32_t first = l->a->n;
	void *it = NULL;
	struct fy_node *e;
	fld g, h;
	for (int i = 0; (e = fy_node_sequence_iterate(f->val, &it)); i++) {
		item(f, e, i, &g);
		const char *name;
		size_t len;
		double sh;
		if ((rc = need_map(l, &g)) < 0 || (rc = check_keys(l, g.val, g.path, keys)) < 0)
			return rc;
		if (!field(g.val, g.path, "name", &h))
			return fail(l, -CS_EPARSE, g.val, g.key, h.path, "missing required key");
		if ((rc = get_name(l, &h, &name, &len)) < 0 || (rc = shares_of(l, &g, &sh)) < 0)
			return rc;
		for (uint32_t k = first; k < l->a->n; k++)
			if (strlen(l->a->nodes[k].name) == len && memcmp(l->a->nodes[k].name, name, len) == 0)
				return fail(l, -CS_EINVAL, h.val, NULL, h.path, "duplicate user name '%.*s' in this account",
					    (int)len, name);
		if ((rc = add_node(l, name, len, sh, parent, CS_ACCT_USER)) < 0 ||
		    (rc = load_limits(l, &g, l->a->n - 1)) < 0)
			return rc;
	}
	return 0;
}

/* The accounts of list f, children of parent; name_nodes[account index]
 * keeps each name's node for duplicate messages. */
static int load_accounts(ld *l, const fld *f, int32_t parent, struct fy_node ***name_nodes, size_t *nn_cap)
{
	static const char *const keys[] = { "name", "shares", "accounts", "users", "grant", "GrpTRES", "GrpTRESMins",
					    "GrpJobs", "GrpSubmitJobs", "MaxJobs", "MaxSubmitJobs", "MaxTRESPerJob",
					    "storage_tb", NULL };
	int rc = need_list(l, f);
	if (rc < 0)
		return rc;
	void *it = NULL;
	struct fy_node *e;
	fld g, h;
	for (int i = 0; (e = fy_node_sequence_iterate(f->val, &it)); i++) {
		item(f, e, i, &g);
		const char *name;
		size_t len;
		double sh;
		if ((rc = need_map(l, &g)) < 0 || (rc = check_keys(l, g.val, g.path, keys)) < 0)
			return rc;
		if (!field(g.val, g.path, "name", &h))
			return fail(l, -CS_EPARSE, g.val, g.key, h.path, "missing required key");
		if ((rc = get_name(l, &h, &name, &len)) < 0 || (rc = shares_of(l, &g, &sh)) < 0)
			return rc;
		size_t before = l->a->accounts.n;
		int32_t ai = cs_names_intern(&l->a->accounts, name, len);
		if (ai < 0)
			return oom(l);
		if ((size_t)ai < before)
			return fail(l, -CS_EINVAL, h.val, NULL, h.path, "duplicate account name '%.*s' (first at line %d)",
				    (int)len, name, line_of((*name_nodes)[ai]));
		if ((size_t)ai >= *nn_cap) {
			size_t cap = *nn_cap ? 2 * *nn_cap : 64;
			struct fy_node **v = realloc(*name_nodes, cap * sizeof *v);
			uint32_t *an = realloc(l->a->acct_node, cap * sizeof *an);
			if (v)
				*name_nodes = v;
			if (an)
				l->a->acct_node = an;
			if (!v || !an)
				return oom(l);
			*nn_cap = cap;
		}
		(*name_nodes)[ai] = h.val;
		int32_t self = (int32_t)l->a->n;
		l->a->acct_node[ai] = (uint32_t)self;
		if ((rc = add_node(l, name, len, sh, parent, CS_ACCT_ACCOUNT)) < 0 ||
		    (rc = load_limits(l, &g, (uint32_t)self)) < 0 || (rc = load_grant(l, &g, (uint32_t)self)) < 0 ||
		    (rc = load_storage_tb(l, &g, (uint32_t)self)) < 0)
			return rc;
		if (field(g.val, g.path, "users", &h) && (rc = load_users(l, &h, self)) < 0)
			return rc;
		if (field(g.val, g.path, "accounts", &h) && (rc = load_accounts(l, &h, self, name_nodes, nn_cap)) < 0)
			return rc;
	}
	return 0;
}

/* Each qos entry's `preempt` list, by name, into p->preempts. */
static int load_preempt(ld *l, const fld *list, prio *p)
{
	size_t n = p->names.n;
	if (!(p->preempts = calloc(n * n + 1, 1)))
		return oom(l);
	void *it = NULL;
	struct fy_node *e;
	fld g, h, x;
	for (int i = 0; (e = fy_node_sequence_iterate(list->val, &it)); i++) {
		item(list, e, i, &g);
		if (!field(g.val, g.path, "preempt", &h))
			continue;
		int m = need_list(l, &h);
		if (m < 0)
			return m;
		void *jt = NULL;
		struct fy_node *q;
		for (int k = 0; (q = fy_node_sequence_iterate(h.val, &jt)); k++) {
			item(&h, q, k, &x);
			const char *name;
			size_t len;
			int rc = get_name(l, &x, &name, &len);
			if (rc < 0)
				return rc;
			char buf[128];
			snprintf(buf, sizeof buf, "%.*s", (int)(len < 127 ? len : 127), name);
			int32_t b = cs_names_find(&p->names, buf);
			if (b < 0)
				return fail(l, -CS_EINVAL, x.val, NULL, x.path, "'%s' is not a QoS of this table", buf);
			if ((size_t)b == (size_t)i)
				return fail(l, -CS_EINVAL, x.val, NULL, x.path, "a QoS cannot preempt itself");
			p->preempts[(size_t)i * n + (size_t)b] = 1;
		}
	}
	return 0;
}

/* qos or partitions: [{name, priority}], and for qos an optional
 * `preempt: [names]`, resolved once every name is known, and an optional
 * `grace_time: SECONDS` (a whole number, 0 .. CS_TIME_LIMIT). */
static int load_prio(ld *l, struct fy_node *root, const char *key, prio *p)
{
	static const char *const keys_qos[] = { "name", "priority", "preempt", "grace_time", NULL };
	static const char *const keys_part[] = { "name", "priority", NULL };
	int is_qos = strcmp(key, "qos") == 0;
	const char *const *keys = is_qos ? keys_qos : keys_part;
	fld f, g, h;
	if (!field(root, "", key, &f))
		return 0;
	int rc = need_list(l, &f);
	if (rc < 0)
		return rc;
	if (!(p->factor = calloc((size_t)rc + 1, sizeof *p->factor)))
		return oom(l);
	if (is_qos && !(p->grace = malloc(((size_t)rc + 1) * sizeof *p->grace)))
		return oom(l);
	struct fy_node **seen = calloc((size_t)rc + 1, sizeof *seen);
	if (!seen)
		return oom(l);
	void *it = NULL;
	struct fy_node *e;
	double max = 0;
	for (int i = 0; rc >= 0 && (e = fy_node_sequence_iterate(f.val, &it)); i++) {
		item(&f, e, i, &g);
		const char *name;
		size_t len;
		double v = 0;
		if ((rc = need_map(l, &g)) < 0 || (rc = check_keys(l, g.val, g.path, keys)) < 0)
			break;
		if (!field(g.val, g.path, "name", &h)) {
			rc = fail(l, -CS_EPARSE, g.val, g.key, h.path, "missing required key");
			break;
		}
		if ((rc = get_name(l, &h, &name, &len)) < 0)
			break;
		size_t before = p->names.n;
		int32_t k = cs_names_intern(&p->names, name, len);
		if (k < 0) {
			rc = oom(l);
			break;
		}
		if ((size_t)k < before) {
			rc = fail(l, -CS_EINVAL, h.val, NULL, h.path, "duplicate name '%.*s' (first at line %d)", (int)len,
				  name, line_of(seen[k]));
			break;
		}
		seen[k] = h.val;
		fld pr;
		if (!field(g.val, g.path, "priority", &pr)) {
			rc = fail(l, -CS_EPARSE, g.val, g.key, pr.path, "missing required key");
			break;
		}
		if ((rc = get_nonneg(l, &pr, &v)) < 0)
			break;
		p->factor[k] = v;
		if (is_qos) {
			int64_t sec = -1;
			if (field(g.val, g.path, "grace_time", &pr) &&
			    (rc = cs_yaml_i64(&l->y, &pr, 0, CS_TIME_LIMIT, &sec)) < 0)
				break;
			p->grace[k] = sec;
		}
		max = v > max ? v : max;
	}
	free(seen);
	if (rc < 0)
		return rc;
	if (is_qos && (rc = load_preempt(l, &f, p)) < 0)
		return rc;
	for (size_t k = 0; k < p->names.n; k++)
		p->factor[k] = max > 0 ? p->factor[k] / max : 0;
	return 0;
}

static int load(cs_accounts **out, ld *l, const char *text, size_t len)
{
	static const char *const keys[] = { "site", "accounts", "qos", "partitions", NULL };
	*out = NULL;
	l->y = (cs_yaml){ .file = l->file, .err = l->err, .errlen = l->errlen };
	if (!(l->a = calloc(1, sizeof *l->a)))
		return oom(l);
	int rc = 0;
	struct fy_document *doc = cs_yaml_parse(&l->y, text, len, "accounts file: empty, expected a mapping with accounts",
						&rc);
	struct fy_node **name_nodes = NULL;
	size_t nn_cap = 0;
	if (doc) {
		struct fy_node *root = fy_document_root(doc);
		fld f;
		const char *site = "root";
		size_t slen = 4;
		if (!root || !fy_node_is_mapping(root))
			rc = fail(l, -CS_EPARSE, root, NULL, "accounts file", "expected a mapping with site, accounts, qos, "
				  "partitions, got %s", root ? kind(root) : "an empty document");
		else if ((rc = check_keys(l, root, "", keys)) == 0 &&
			 (!field(root, "", "site", &f) || (rc = get_name(l, &f, &site, &slen)) == 0) &&
			 (rc = add_node(l, site, slen, 1, -1, CS_ACCT_ACCOUNT)) == 0 &&
			 (!field(root, "", "accounts", &f) || (rc = load_accounts(l, &f, 0, &name_nodes, &nn_cap)) == 0) &&
			 (rc = load_prio(l, root, "qos", &l->a->qos)) == 0)
			rc = load_prio(l, root, "partitions", &l->a->parts);
		fy_document_destroy(doc);
	}
	free(name_nodes);
	if (rc < 0) {
		cs_accounts_free(l->a);
		return rc;
	}
	*out = l->a;
	return 0;
}

int cs_accounts_load(cs_accounts **out, const char *path, char *err, size_t errlen)
{
	*out = NULL;
	ld l = { .file = path, .err = err, .errlen = errlen };
	int rc = cs_yaml_openable(path, err, errlen);
	if (rc < 0)
		return rc;
	return load(out, &l, NULL, 0);
}

int cs_accounts_load_text(cs_accounts **out, const char *text, size_t len, const char *name, char *err,
			  size_t errlen)
{
	ld l = { .file = name, .err = err, .errlen = errlen };
	return load(out, &l, text, len);
}

static void prio_free(prio *p)
{
	cs_names_free(&p->names);
	free(p->factor);
	free(p->preempts);
	free(p->grace);
}

void cs_accounts_free(cs_accounts *a)
{
	if (!a)
		return;
	for (uint32_t i = 0; i < a->n; i++)
		free(a->nodes[i].name);
	free(a->nodes);
	cs_names_free(&a->accounts);
	free(a->acct_node);
	prio_free(&a->qos);
	prio_free(&a->parts);
	free(a->lims);
	for (uint32_t i = 0; i < a->nstor; i++)
		free((void *)a->stor[i].tier);
	free(a->stor);
	free(a);
}

uint32_t cs_accounts_nnodes(const cs_accounts *a) { return a->n; }

/* ---- binding to a job table ----------------------------------------------- */

/* A job's name from a list, or the SWF number with a prefix; "" for none. */
static const char *name_of(const cs_names *ns, int32_t i, char prefix, char *buf, size_t len)
{
	if (ns)
		return cs_names_get(ns, i);
	if (i < 0)
		return "";
	snprintf(buf, len, "%c%ld", prefix, (long)i);
	return buf;
}

typedef struct builder {
	anode *nodes;
	uint32_t n, cap;
} builder;

static int push(builder *b, const char *name, double shares, int32_t parent, uint8_t k)
{
	if (b->n == b->cap) {
		uint32_t cap = b->cap ? 2 * b->cap : 64;
		anode *v = realloc(b->nodes, cap * sizeof *v);
		if (!v)
			return -CS_ENOMEM;
		b->nodes = v;
		b->cap = cap;
	}
	char *s = strdup(name);
	if (!s)
		return -CS_ENOMEM;
	b->nodes[b->n++] = (anode){ s, shares, parent, k, -1, { -1, 0, 0 } };
	return 0;
}

void cs_account_tree_free(cs_account_tree *t)
{
	if (!t)
		return;
	if (t->name)
		for (uint32_t i = 0; i < t->nnodes; i++)
			free((void *)t->name[i]);
	free((void *)t->name);
	free((void *)t->parent);
	free((void *)t->kind);
	free((void *)t->shares);
	free((void *)t->share_level);
	free((void *)t->share_norm);
	free((void *)t->child_off);
	free((void *)t->child);
	free((void *)t->job_user);
	free((void *)t->job_account);
	free((void *)t->job_qos);
	free((void *)t->job_partition);
	free((void *)t->job_qos_id);
	free((void *)t->qos_preempts);
	free((void *)t->limits);
	free((void *)t->qos_grace);
	free((void *)t->grants);
	free((void *)t->storage);
	memset(t, 0, sizeof *t);
}

/* The plain tree from the builder's nodes (taking their names). */
static int finish(builder *b, cs_account_tree *t)
{
	uint32_t n = b->n;
	int32_t *parent = malloc(n * sizeof *parent);
	const char **name = calloc(n, sizeof *name);
	uint8_t *kd = malloc(n);
	double *sh = malloc(n * sizeof *sh), *lv = malloc(n * sizeof *lv), *nm = malloc(n * sizeof *nm);
	double *sib = calloc(n, sizeof *sib);
	uint32_t *off = calloc(n + 2, sizeof *off), *child = malloc((n ? n : 1) * sizeof *child);
	t->nnodes = n;
	t->parent = parent;
	t->name = name;
	t->kind = kd;
	t->shares = sh;
	t->share_level = lv;
	t->share_norm = nm;
	t->child_off = off;
	t->child = child;
	if (!parent || !name || !kd || !sh || !lv || !nm || !sib || !off || !child) {
		free(sib);
		return -CS_ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		parent[i] = b->nodes[i].parent;
		name[i] = b->nodes[i].name;
		b->nodes[i].name = NULL;
		kd[i] = b->nodes[i].kind;
		sh[i] = b->nodes[i].shares;
		t->nusers += kd[i] == CS_ACCT_USER;
		if (i > 0) {
			sib[parent[i]] += sh[i];
			off[parent[i] + 2]++;
		}
	}
	lv[0] = nm[0] = 1;
	for (uint32_t i = 1; i < n; i++) {
		lv[i] = sib[parent[i]] > 0 ? sh[i] / sib[parent[i]] : 0;
		nm[i] = nm[parent[i]] * lv[i]; /* parent[i] < i */
	}
	free(sib);
	/* children in node order: counting sort by parent */
	for (uint32_t i = 0; i < n; i++)
		off[i + 2] += off[i + 1];
	for (uint32_t i = 1; i < n; i++)
		child[off[parent[i] + 1]++] = i;
	return 0;
}

/* "PARENT/NAME", the key of a user under its account node, into key (room
 * for strlen(name) + 16); its length. (Without snprintf: a key per job.) */
static size_t user_key(char *key, int32_t parent, const char *name)
{
	char d[12], *e = d + sizeof d, *c = e;
	uint32_t v = parent < 0 ? 0u - (uint32_t)parent : (uint32_t)parent;
	do
		*--c = (char)('0' + v % 10);
	while (v /= 10);
	if (parent < 0)
		*--c = '-';
	size_t n = (size_t)(e - c), l = strlen(name);
	memcpy(key, c, n);
	key[n] = '/';
	memcpy(key + n + 1, name, l + 1);
	return n + 1 + l;
}

int cs_accounts_bind(const cs_accounts *a, const cs_job *jobs, size_t njobs, const cs_account_names *nm,
		     cs_account_tree *out, cs_account_stats *st, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	memset(st, 0, sizeof *st);
	builder b = { 0 };
	cs_names acct = { 0 }; /* account names of the bound tree, as in the file, then added projects */
	uint32_t *acct_node = NULL;
	cs_names users = { 0 }; /* "ACCOUNT-NODE/USER" -> user_node */
	uint32_t *user_node = NULL;
	uint32_t *ju = malloc((njobs ? njobs : 1) * sizeof *ju), *ja = malloc((njobs ? njobs : 1) * sizeof *ja);
	double *jq = calloc(njobs ? njobs : 1, sizeof *jq), *jp = calloc(njobs ? njobs : 1, sizeof *jp);
	int32_t *jqi = malloc((njobs ? njobs : 1) * sizeof *jqi);
	size_t nq = a->qos.names.n;
	uint8_t *qp = calloc(nq * nq + 1, 1);
	cs_time *qg = malloc((nq + 1) * sizeof *qg);
	size_t ucap = 0, acap = 0;
	char *key = NULL;
	size_t keycap = 0;
	/* what a job's project, user, QoS and partition numbers gave, by
	 * number (each a function of the number and of what came before, so
	 * the first job of a number works it out and the others reuse it):
	 * project -> account (-1: not yet); user -> its node under the
	 * account it was last met in (UINT32_MAX: not yet); QoS and partition
	 * -> their index in the file (-2: not yet) */
	int32_t ng = 0, nu = 0, nqi = 0, npi = 0;
	for (size_t j = 0; j < njobs; j++) {
		ng = jobs[j].group >= ng ? jobs[j].group + 1 : ng;
		nu = jobs[j].user >= nu ? jobs[j].user + 1 : nu;
		nqi = jobs[j].queue >= nqi ? jobs[j].queue + 1 : nqi;
		npi = jobs[j].partition >= npi ? jobs[j].partition + 1 : npi;
	}
	int32_t *g_acct = malloc(((size_t)ng + 1) * sizeof *g_acct), *q_idx = malloc(((size_t)nqi + 1) * sizeof *q_idx);
	int32_t *p_idx = malloc(((size_t)npi + 1) * sizeof *p_idx);
	uint32_t *u_acct = malloc(((size_t)nu + 1) * sizeof *u_acct), *u_name = malloc(((size_t)nu + 1) * sizeof *u_name);
	int rc = -CS_ENOMEM;
	if (!ju || !ja || !jq || !jp || !jqi || !qp || !qg || !g_acct || !q_idx || !p_idx || !u_acct || !u_name)
		goto out;
	for (int32_t i = 0; i < ng; i++)
		g_acct[i] = -1;
	for (int32_t i = 0; i < nu; i++)
		u_acct[i] = UINT32_MAX;
	for (int32_t i = 0; i < nqi; i++)
		q_idx[i] = -2;
	for (int32_t i = 0; i < npi; i++)
		p_idx[i] = -2;
	if (a->qos.preempts)
		memcpy(qp, a->qos.preempts, nq * nq);
	for (size_t k = 0; k < nq; k++)
		qg[k] = a->qos.grace ? a->qos.grace[k] : -1;
	/* the file's nodes, users indexed by account and name */
	for (uint32_t i = 0; i < a->n; i++) {
		const anode *v = &a->nodes[i];
		if (push(&b, v->name, v->shares, v->parent, v->kind) < 0)
			goto out;
		b.nodes[b.n - 1].lim = v->lim;
		b.nodes[b.n - 1].grant = v->grant;
	}
	for (size_t k = 0; k < a->accounts.n; k++) {
		if (cs_names_intern(&acct, a->accounts.v[k], strlen(a->accounts.v[k])) < 0)
			goto out;
	}
	acap = acct.n + 64;
	if (!(acct_node = malloc(acap * sizeof *acct_node)))
		goto out;
	for (size_t k = 0; k < a->accounts.n; k++)
		acct_node[k] = a->acct_node[k];
	/* register the file's users */
	for (uint32_t i = 0; i < a->n; i++) {
		if (a->nodes[i].kind != CS_ACCT_USER)
			continue;
		size_t need = strlen(a->nodes[i].name) + 16;
		if (need > keycap) {
			char *k2 = realloc(key, need);
			if (!k2)
				goto out;
			key = k2;
			keycap = need;
		}
		size_t len = user_key(key, a->nodes[i].parent, a->nodes[i].name);
		int32_t u = cs_names_intern(&users, key, len);
		if (u < 0)
			goto out;
		if ((size_t)u >= ucap) {
			size_t cap = ucap ? 2 * ucap : 256;
			uint32_t *v = realloc(user_node, cap * sizeof *v);
			if (!v)
				goto out;
			user_node = v;
			ucap = cap;
		}
		user_node[u] = i;
	}
	uint32_t file_users = (uint32_t)users.n;
	for (size_t j = 0; j < njobs; j++) {
		const cs_job *jb = &jobs[j];
		char pb[32], ub[32], qb[32];
		int32_t ai = jb->group >= 0 ? g_acct[jb->group] : -1;
		size_t before = acct.n;
		const char *pn = NULL;
		if (ai < 0) {
			pn = name_of(nm->projects, jb->group, 'g', pb, sizeof pb);
			ai = cs_names_intern(&acct, pn, strlen(pn));
			if (ai < 0)
				goto out;
			if (jb->group >= 0)
				g_acct[jb->group] = ai;
		}
		if ((size_t)ai >= before) { /* a project the file does not name: under the root */
			if ((size_t)ai >= acap) {
				acap *= 2;
				uint32_t *v = realloc(acct_node, acap * sizeof *v);
				if (!v)
					goto out;
				acct_node = v;
			}
			acct_node[ai] = b.n;
			if (push(&b, pn, 1, 0, CS_ACCT_ACCOUNT) < 0)
				goto out;
			st->projects_added++;
		}
		uint32_t an = acct_node[ai];
		if (jb->user >= 0 && u_acct[jb->user] == an) {
			ju[j] = u_name[jb->user];
			ja[j] = an;
			goto qos;
		}
		const char *un = name_of(nm->users, jb->user, 'u', ub, sizeof ub);
		size_t need = strlen(un) + 16;
		if (need > keycap) {
			char *k2 = realloc(key, need);
			if (!k2)
				goto out;
			key = k2;
			keycap = need;
		}
		size_t len = user_key(key, (int32_t)an, un);
		before = users.n;
		int32_t u = cs_names_intern(&users, key, len);
		if (u < 0)
			goto out;
		if ((size_t)u >= before) { /* a user the file does not list: shares 1 */
			if ((size_t)u >= ucap) {
				size_t cap = ucap ? 2 * ucap : 256;
				uint32_t *v = realloc(user_node, cap * sizeof *v);
				if (!v)
					goto out;
				user_node = v;
				ucap = cap;
			}
			user_node[u] = b.n;
			if (push(&b, un, 1, (int32_t)an, CS_ACCT_USER) < 0)
				goto out;
		}
		ju[j] = user_node[u];
		ja[j] = an;
		if (jb->user >= 0) {
			u_acct[jb->user] = an;
			u_name[jb->user] = user_node[u];
		}
	qos:;
		int32_t q = jb->queue >= 0 ? q_idx[jb->queue] : -2;
		if (q == -2) {
			q = cs_names_find(&a->qos.names, name_of(nm->qos, jb->queue, 'q', qb, sizeof qb));
			if (jb->queue >= 0)
				q_idx[jb->queue] = q;
		}
		jqi[j] = q;
		if (q >= 0)
			jq[j] = a->qos.factor[q];
		else
			st->jobs_qos_unlisted++;
		int32_t pi = jb->partition >= 0 ? p_idx[jb->partition] : -2;
		if (pi == -2) {
			const char *part = "";
			if (nm->partitions) {
				if (jb->partition >= 0 && (size_t)jb->partition < nm->npartitions)
					part = nm->partitions[jb->partition];
			} else {
				part = name_of(NULL, jb->partition, 'p', qb, sizeof qb);
			}
			pi = cs_names_find(&a->parts.names, part);
			if (jb->partition >= 0)
				p_idx[jb->partition] = pi;
		}
		if (pi >= 0)
			jp[j] = a->parts.factor[pi];
		else
			st->jobs_partition_unlisted++;
	}
	st->users_added = (uint32_t)(users.n - file_users);
	if (finish(&b, out) < 0)
		goto out;
	out->njobs = njobs;
	out->job_user = ju;
	out->job_account = ja;
	out->job_qos = jq;
	out->job_partition = jp;
	out->nqos = (uint32_t)nq;
	out->job_qos_id = jqi;
	out->qos_preempts = qp;
	out->qos_grace = qg;
	ju = ja = NULL; /* out owns them now: cs_account_tree_free frees them on error */
	jq = jp = NULL;
	jqi = NULL;
	qp = NULL;
	qg = NULL;
	if (a->nlims) {
		cs_assoc_limit *lim = malloc(out->nnodes * sizeof *lim);
		if (!lim)
			goto out;
		for (uint32_t i = 0; i < out->nnodes; i++) {
			int32_t k = i < b.n ? b.nodes[i].lim : -1;
			if (k >= 0) {
				lim[i] = a->lims[k];
				continue;
			}
			lim[i].grp_jobs = lim[i].grp_submit = lim[i].max_jobs = lim[i].max_submit = CS_LIMIT_UNSET;
			for (int t = 0; t < CS_TRES_N; t++)
				lim[i].grp_tres[t] = lim[i].grp_tres_mins[t] = lim[i].max_tres_per_job[t] = CS_LIMIT_UNSET;
		}
		out->limits = lim;
		out->limits_line = a->lim_line;
	}
	if (a->ngrants) {
		cs_grant *gr = malloc(out->nnodes * sizeof *gr);
		if (!gr)
			goto out;
		for (uint32_t i = 0; i < out->nnodes; i++)
			gr[i] = i < b.n ? b.nodes[i].grant : (cs_grant){ -1, 0, 0 };
		out->grants = gr;
	}
	if (a->nstor) { /* the file's nodes keep their numbers in the bound tree */
		cs_storage_alloc *sa = malloc(a->nstor * sizeof *sa);
		if (!sa)
			goto out;
		memcpy(sa, a->stor, a->nstor * sizeof *sa);
		out->storage = sa;
		out->nstorage = a->nstor;
	}
	st->nodes = out->nnodes;
	st->users = out->nusers;
	st->accounts = out->nnodes - out->nusers;
	rc = 0;
out:
	for (uint32_t i = 0; i < b.n; i++)
		free(b.nodes[i].name);
	free(b.nodes);
	cs_names_free(&acct);
	cs_names_free(&users);
	free(acct_node);
	free(user_node);
	free(key);
	free(ju);
	free(ja);
	free(jq);
	free(jp);
	free(jqi);
	free(qp);
	free(qg);
	free(g_acct);
	free(q_idx);
	free(p_idx);
	free(u_acct);
	free(u_name);
	if (rc < 0) {
		cs_account_tree_free(out);
		snprintf(err, errlen, "out of memory");
	}
	return rc;
}
