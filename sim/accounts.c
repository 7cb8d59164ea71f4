/* capsim: the accounts file (fair-share tree, QoS and partition
 * priorities), loaded with libfyaml; its binding to a job table is
 * sim/accounts_bind.c. The YAML access follows sim/cluster.c: every
 * mistake is "FILE:LINE:COL: key: what is wrong". */
#include "accounts_int.h"
#include "yaml.h"

#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cs_tres_names[CS_TRES_N] = { "cpu", "mem", "node", "gres/gpu", "billing" };

/* ---- YAML access (as sim/cluster.c) ---------------------------------------- */

typedef struct ld {
	const char *file;
	char *err;
	size_t errlen;
	cs_accounts *a;
	int contained; /* in the loader's child (sim/accounts_child.c) */
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

/* An entry of an accounts or users list: its keys (checked), and where
 * each is in it (cs_yaml_check_keys_at), read by pick without another
 * pass over the entry. keys[lim0 + k] is limit_keys[k]. */
typedef struct ent {
	const char *const *keys;
	int lim0;
	struct fy_node *pair[2 * 16];
} ent;

/* indices in load_accounts' keys */
enum { A_ACCOUNTS = 2, A_USERS = 3, A_GRANT = 4, A_STORAGE = 12 };

#define pick(e, g, k, f) cs_yaml_pick((e)->pair, (e)->keys, k, (g)->path, f)

/* Has entry e a key of limit_keys? (most entries of a large tree have none) */
static int has_limits(const ent *e)
{
	for (int k = 0; limit_keys[k]; k++)
		if (e->pair[2 * (e->lim0 + k)])
			return 1;
	return 0;
}

/* The limits entry g sets, if any, onto node `self`. */
static int load_limits(ld *l, const fld *g, const ent *e, uint32_t self)
{
	fld h;
	if (!has_limits(e))
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
	int rc = 0, k = e->lim0; /* limit_keys' order */
	if (pick(e, g, k + 0, &h))
		rc = limit_tres(l, &h, m->grp_tres);
	if (rc == 0 && pick(e, g, k + 1, &h))
		rc = limit_tres(l, &h, m->grp_tres_mins);
	if (rc == 0 && pick(e, g, k + 6, &h))
		rc = limit_tres(l, &h, m->max_tres_per_job);
	if (rc == 0 && pick(e, g, k + 2, &h))
		rc = limit_count(l, &h, &m->grp_jobs);
	if (rc == 0 && pick(e, g, k + 3, &h))
		rc = limit_count(l, &h, &m->grp_submit);
	if (rc == 0 && pick(e, g, k + 4, &h))
		rc = limit_count(l, &h, &m->max_jobs);
	if (rc == 0 && pick(e, g, k + 5, &h))
		rc = limit_count(l, &h, &m->max_submit);
	if (rc < 0)
		return rc;
	if (!a->lim_line)
		a->lim_line = line_of(g->val);
	a->nodes[self].lim = (int32_t)a->nlims++;
	return 0;
}

/* An account's grant: {hours, from, to}. */
static int load_grant(ld *l, const fld *g, const ent *e, uint32_t self)
{
	static const char *const keys[] = { "hours", "from", "to", NULL };
	fld f, h;
	if (!pick(e, g, A_GRANT, &f))
		return 0;
	struct fy_node *pair[6] = { NULL };
	int rc = need_map(l, &f);
	if (rc < 0 || (rc = cs_yaml_check_keys_at(&l->y, f.val, f.path, "accounts file", keys, pair)) < 0)
		return rc;
	cs_grant gr = { 0, -CS_TIME_LIMIT, CS_TIME_LIMIT };
	int64_t t;
	if (!cs_yaml_pick(pair, keys, 0, f.path, &h))
		return fail(l, -CS_EPARSE, f.val, f.key, h.path, "missing required key");
	if ((rc = get_nonneg(l, &h, &gr.hours)) < 0)
		return rc;
	if (cs_yaml_pick(pair, keys, 1, f.path, &h)) {
		if ((rc = cs_yaml_i64(&l->y, &h, -CS_TIME_LIMIT, CS_TIME_LIMIT, &t)) < 0)
			return rc;
		gr.from = t;
	}
	if (cs_yaml_pick(pair, keys, 2, f.path, &h)) {
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
static int load_storage_tb(ld *l, const fld *g, const ent *en, uint32_t self)
{
	fld f;
	if (!pick(en, g, A_STORAGE, &f))
		return 0;
	int rc = need_map(l, &f);
	if (rc < 0)
		return rc;
	void *it = NULL;
	struct fy_node_pair *p;
	cs_accounts *a = l->a;
	while ((p = fy_node_mapping_iterate(f.val, &it))) {
		fld v = { .key = fy_node_pair_key(p), .val = fy_node_pair_value(p) };
		/* the key's text up to a NUL, as fy_node_get_scalar0's (which
		 * copies it) */
		size_t tl = 0;
		const char *tier = v.key && fy_node_is_scalar(v.key) ? cs_yaml_key_text(v.key, &tl) : NULL;
		if (!tier || !tl)
			return fail(l, -CS_EPARSE, v.key, f.val, f.path, "expected a storage tier's name as the key");
		char tn[sizeof v.path]; /* (the path holds no more of it) */
		size_t tc = tl < sizeof tn - 1 ? tl : sizeof tn - 1;
		memcpy(tn, tier, tc);
		tn[tc] = '\0';
		cs_yaml_join(v.path, sizeof v.path, f.path, tn);
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
		char *name = strndup(tier, tl);
		if (!name)
			return oom(l);
		cs_storage_alloc *e = &a->stor[a->nstor++];
		*e = (cs_storage_alloc){ .node = self, .tier = name, .tb = tb };
		cs_yaml_where(v.key, &e->line, &e->col);
	}
	return 0;
}

/* Shares of entry f (default 1): keys[1] of each list's entries. */
static int shares_of(ld *l, const fld *f, const ent *e, double *out)
{
	fld g;
	*out = 1;
	return pick(e, f, 1, &g) ? get_nonneg(l, &g, out) : 0;
}

static int load_users(ld *l, const fld *f, int32_t parent)
{
	static const char *const keys[] = { "name", "shares", "GrpTRES", "GrpTRESMins", "GrpJobs", "GrpSubmitJobs",
					    "MaxJobs", "MaxSubmitJobs", "MaxTRESPerJob", NULL };
	int rc = need_list(l, f);
	ent en = { .keys = keys, .lim0 = 2 };
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
		memset(en.pair, 0, sizeof en.pair);
		if ((rc = need_map(l, &g)) < 0 ||
		    (rc = cs_yaml_check_keys_at(&l->y, g.val, g.path, "accounts file", keys, en.pair)) < 0)
			return rc;
		if (!pick(&en, &g, 0, &h))
			return fail(l, -CS_EPARSE, g.val, g.key, h.path, "missing required key");
		if ((rc = get_name(l, &h, &name, &len)) < 0 || (rc = shares_of(l, &g, &en, &sh)) < 0)
			return rc;
		for (uint32_t k = first; k < l->a->n; k++)
			if (strlen(l->a->nodes[k].name) == len && memcmp(l->a->nodes[k].name, name, len) == 0)
				return fail(l, -CS_EINVAL, h.val, NULL, h.path, "duplicate user name '%.*s' in this account",
					    (int)len, name);
		if ((rc = add_node(l, name, len, sh, parent, CS_ACCT_USER)) < 0 ||
		    (rc = load_limits(l, &g, &en, l->a->n - 1)) < 0)
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
	ent en = { .keys = keys, .lim0 = 5 };
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
		memset(en.pair, 0, sizeof en.pair);
		if ((rc = need_map(l, &g)) < 0 ||
		    (rc = cs_yaml_check_keys_at(&l->y, g.val, g.path, "accounts file", keys, en.pair)) < 0)
			return rc;
		if (!pick(&en, &g, 0, &h))
			return fail(l, -CS_EPARSE, g.val, g.key, h.path, "missing required key");
		if ((rc = get_name(l, &h, &name, &len)) < 0 || (rc = shares_of(l, &g, &en, &sh)) < 0)
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
		    (rc = load_limits(l, &g, &en, (uint32_t)self)) < 0 ||
		    (rc = load_grant(l, &g, &en, (uint32_t)self)) < 0 || (rc = load_storage_tb(l, &g, &en, (uint32_t)self)) < 0)
			return rc;
		if (pick(&en, &g, A_USERS, &h) && (rc = load_users(l, &h, self)) < 0)
			return rc;
		if (pick(&en, &g, A_ACCOUNTS, &h) && (rc = load_accounts(l, &h, self, name_nodes, nn_cap)) < 0)
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
	l->y = (cs_yaml){ .file = l->file, .err = l->err, .errlen = l->errlen, .contained = l->contained };
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
		if (!l->contained) /* (a child's memory goes when it exits) */
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

int cs_accounts_load_here(cs_accounts **out, const char *path, int contained, char *err, size_t errlen)
{
	*out = NULL;
	ld l = { .file = path, .err = err, .errlen = errlen, .contained = contained };
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
