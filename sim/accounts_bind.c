/* capsim: the accounts file (as sim/accounts.c loads it) bound to a job
 * table: each job's project and user found in the tree, or added with
 * shares 1 where the file does not name them, its QoS and partition
 * factors, and the plain tree (cs_account_tree) the policies read. See
 * include/capsim/accounts.h. */
#include "accounts_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Room for n elements of `size` bytes in the array at *(void **)arrp of
 * capacity *cap, which grows by doubling (from `first`): 0 or -CS_ENOMEM. */
static int room(void *arrp, size_t *cap, size_t n, size_t size, size_t first)
{
	void **arr = arrp;
	if (n <= *cap)
		return 0;
	size_t c = *cap ? *cap : first;
	while (c < n)
		c *= 2;
	void *v = realloc(*arr, c * size);
	if (!v)
		return -CS_ENOMEM;
	*arr = v;
	*cap = c;
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
		if (room(&key, &keycap, strlen(a->nodes[i].name) + 16, 1, 64) < 0)
			goto out;
		size_t len = user_key(key, a->nodes[i].parent, a->nodes[i].name);
		int32_t u = cs_names_intern(&users, key, len);
		if (u < 0)
			goto out;
		if (room(&user_node, &ucap, (size_t)u + 1, sizeof *user_node, 256) < 0)
			goto out;
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
			if (room(&acct_node, &acap, (size_t)ai + 1, sizeof *acct_node, 64) < 0)
				goto out;
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
		if (room(&key, &keycap, strlen(un) + 16, 1, 64) < 0)
			goto out;
		size_t len = user_key(key, (int32_t)an, un);
		before = users.n;
		int32_t u = cs_names_intern(&users, key, len);
		if (u < 0)
			goto out;
		if ((size_t)u >= before) { /* a user the file does not list: shares 1 */
			if (room(&user_node, &ucap, (size_t)u + 1, sizeof *user_node, 256) < 0)
				goto out;
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
