/* capsim: slurm.conf and topology.conf read into a plain model: the
 * loader, node and partition lines. slurmconf_int.h lists the other files. */
#include "slurmconf_int.h"
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

/* ---- owned memory ---------------------------------------------------------- */

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
int cs_sc_grow(void *arrp, int *cap, int n, size_t size)
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

int cs_sc_name_cmp(const void *a, const void *b)
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
/* ---- loader state and errors ----------------------------------------------- */

int cs_sc_fail(ld *l, int rc, int line, const char *key, const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(l->err, l->errlen, "%s:%d: %s: %s", l->file, line, key, msg);
	return rc;
}

int cs_sc_oom(ld *l)
{
	snprintf(l->err, l->errlen, "%s: out of memory", l->file ? l->file : l->c->path);
	return -CS_ENOMEM;
}

void *cs_sc_own(ld *l, void *p) { return own_in(l->pv, p); }
char *cs_sc_own_str(ld *l, const char *s) { return cs_sc_own(l, strdup(s)); }
/* ---- values ------------------------------------------------------------------ */

int cs_sc_get_int(ld *l, const pair *p, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	if (cs_slurm_uint(p->val, lo, hi, out) == 0)
		return 0;
	if (hi == INT64_MAX)
		return cs_sc_fail(l, -CS_EPARSE, p->line, key, "expected an integer >= %lld, got \"%s\"", (long long)lo, p->val);
	return cs_sc_fail(l, -CS_EPARSE, p->line, key, "expected an integer from %lld to %lld, got \"%s\"", (long long)lo,
			  (long long)hi, p->val);
}

/* An integer, or UNLIMITED/INFINITE -> -1. */
static int get_int_or_unlimited(ld *l, const pair *p, const char *key, int64_t *out)
{
	if (cs_slurm_unlimited(p->val)) {
		*out = -1;
		return 0;
	}
	if (cs_slurm_uint(p->val, 0, INT64_MAX, out) == 0)
		return 0;
	return cs_sc_fail(l, -CS_EPARSE, p->line, key, "expected an integer >= 0 or UNLIMITED, got \"%s\"", p->val);
}

static int get_yes_no(ld *l, const pair *p, const char *key, int *out)
{
	if (strcasecmp(p->val, "YES") == 0 || strcasecmp(p->val, "NO") == 0) {
		*out = strcasecmp(p->val, "YES") == 0;
		return 0;
	}
	return cs_sc_fail(l, -CS_EPARSE, p->line, key, "expected YES or NO, got \"%s\"", p->val);
}

static int get_time(ld *l, const pair *p, const char *key, int64_t *out)
{
	if (cs_slurm_time_parse(p->val, out) == 0)
		return 0;
	return cs_sc_fail(l, -CS_EPARSE, p->line, key,
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
	if (cs_slurm_uint(buf, 0, INT64_MAX, &v) || (shift && v > (INT64_MAX >> shift)))
		return -CS_EPARSE;
	*out = v << shift;
	return 0;
}

static int get_gres(ld *l, const pair *p, nspec *s)
{
	char *buf = cs_sc_own_str(l, p->val);
	if (!buf)
		return cs_sc_oom(l);
	int cap = 1;
	for (const char *q = buf; *q; q++)
		cap += *q == ',';
	cs_slurm_gres *g = cs_sc_own(l, calloc((size_t)cap, sizeof *g));
	if (!g)
		return cs_sc_oom(l);
	int n = 0;
	char *save = NULL;
	for (char *el = strtok_r(buf, ",", &save); el; el = strtok_r(NULL, ",", &save)) {
		const char *part[8];
		int np = 0;
		char *elem = cs_sc_own_str(l, el), *s2 = NULL;
		if (!elem)
			return cs_sc_oom(l);
		size_t len = strlen(el);
		if (len == 0 || el[0] == ':' || el[len - 1] == ':' || strstr(el, "::"))
			return cs_sc_fail(l, -CS_EPARSE, p->line, "Gres", "\"%s\": empty field, expected NAME[:TYPE][:COUNT]", el);
		for (char *f = strtok_r(elem, ":", &s2); f; f = strtok_r(NULL, ":", &s2)) {
			if (strcasecmp(f, "no_consume") == 0)
				continue;
			if (np == 3)
				return cs_sc_fail(l, -CS_EPARSE, p->line, "Gres", "\"%s\": too many fields, expected NAME[:TYPE][:COUNT]", el);
			part[np++] = f;
		}
		if (np == 0)
			return cs_sc_fail(l, -CS_EPARSE, p->line, "Gres", "\"%s\": no name, expected NAME[:TYPE][:COUNT]", el);
		int64_t count = 1;
		int has_count = np > 1 && gres_count(part[np - 1], &count) == 0;
		if (np == 3 && !has_count)
			return cs_sc_fail(l, -CS_EPARSE, p->line, "Gres", "\"%s\": count \"%s\" is not a number", el, part[2]);
		g[n].type = part[0];
		g[n].model = np - has_count == 2 ? part[1] : "";
		g[n].count = count;
		n++;
	}
	if (n == 0)
		return cs_sc_fail(l, -CS_EPARSE, p->line, "Gres", "empty, expected NAME[:TYPE][:COUNT][,...]");
	s->gres = g;
	s->ngres = n;
	return 0;
}

static int get_features(ld *l, const pair *p, nspec *s)
{
	char *buf = cs_sc_own_str(l, p->val);
	if (!buf)
		return cs_sc_oom(l);
	int cap = 1;
	for (const char *q = buf; *q; q++)
		cap += *q == ',';
	const char **f = cs_sc_own(l, calloc((size_t)cap, sizeof *f));
	if (!f)
		return cs_sc_oom(l);
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
			return cs_sc_get_int(l, p, ints[i].key, 1, 65535, (int64_t *)((char *)s + ints[i].off));
		}
	if (strcasecmp(k, "RealMemory") == 0) {
		s->set |= N_MEM;
		return cs_sc_get_int(l, p, "RealMemory", 0, INT64_MAX, &s->mem);
	}
	if (strcasecmp(k, "Weight") == 0) {
		s->set |= N_WEIGHT;
		return cs_sc_get_int(l, p, "Weight", 0, UINT32_MAX, &s->weight);
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
		return (s->state = cs_sc_own_str(l, p->val)) ? 0 : cs_sc_oom(l);
	}
	for (size_t i = 0; i < sizeof accepted_ints / sizeof *accepted_ints; i++)
		if (strcasecmp(k, accepted_ints[i]) == 0) {
			int64_t v;
			return cs_sc_get_int(l, p, accepted_ints[i], 0, INT64_MAX, &v);
		}
	for (size_t i = 0; i < sizeof accepted / sizeof *accepted; i++)
		if (strcasecmp(k, accepted[i]) == 0)
			return 0;
	return cs_sc_fail(l, -CS_EPARSE, p->line, k, "unknown key on a NodeName line");
}

/* Fill a node from its merged spec by Slurm's rules (see the header). */
static int node_resolve(ld *l, const nspec *s, int line, cs_slurm_node *n)
{
	if ((s->set & N_SOCKETS) && (s->set & N_SPB))
		return cs_sc_fail(l, -CS_EPARSE, line, "Sockets", "Sockets and SocketsPerBoard are mutually exclusive");
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
		return cs_sc_fail(l, -CS_EPARSE, line, "CPUs", "boards x sockets x cores x threads = %lld, more than 65535",
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
		return cs_sc_fail(l, -CS_EPARSE, pr[0].line, "NodeName", "empty, expected a hostlist or DEFAULT");
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
		return rc == -CS_ENOMEM ? cs_sc_oom(l) : cs_sc_fail(l, rc, pr[0].line, "NodeName", "%s", msg);
	for (int i = 0; i < nn && rc == 0; i++) {
		if (cs_sc_grow(&l->nodes, &l->capnodes, l->nnodes, sizeof *l->nodes) ||
		    !(proto.name = cs_sc_own_str(l, names[i]))) {
			rc = cs_sc_oom(l);
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
		s->nodes = cs_sc_own_str(l, p->val);
		s->nodes_file = l->file;
		s->nodes_line = p->line;
		return s->nodes ? 0 : cs_sc_oom(l);
	}
	if (strcasecmp(k, "TRESBillingWeights") == 0) {
		cs_billing b;
		char msg[320];
		if (cs_billing_parse(p->val, &b, msg, sizeof msg) < 0)
			return cs_sc_fail(l, -CS_EPARSE, p->line, "TRESBillingWeights", "%s", msg);
		s->billing = cs_sc_own_str(l, p->val);
		s->billing_file = l->file;
		s->billing_line = p->line;
		return s->billing ? 0 : cs_sc_oom(l);
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
		return cs_sc_get_int(l, p, "MinNodes", 0, INT64_MAX, &s->min_nodes);
	}
	if (strcasecmp(k, "Default") == 0) {
		s->set |= P_DEFAULT;
		return get_yes_no(l, p, "Default", &s->is_default);
	}
	if (strcasecmp(k, "PriorityTier") == 0) {
		s->set |= P_TIER;
		return cs_sc_get_int(l, p, "PriorityTier", 0, 65535, &s->tier);
	}
	if (strcasecmp(k, "PriorityJobFactor") == 0) {
		s->set |= P_JOBFACTOR;
		return cs_sc_get_int(l, p, "PriorityJobFactor", 0, 65535, &s->job_factor);
	}
	if (strcasecmp(k, "State") == 0) {
		static const char *const states[] = { "UP", "DOWN", "DRAIN", "INACTIVE" };
		for (size_t i = 0; i < sizeof states / sizeof *states; i++)
			if (strcasecmp(p->val, states[i]) == 0) {
				s->set |= P_STATE;
				s->state = states[i];
				return 0;
			}
		return cs_sc_fail(l, -CS_EPARSE, p->line, "State", "expected UP, DOWN, DRAIN or INACTIVE, got \"%s\"", p->val);
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
	return cs_sc_fail(l, -CS_EPARSE, p->line, k, "unknown key on a PartitionName line");
}

static int part_line(ld *l, const pair *pr, int np)
{
	if (!*pr[0].val)
		return cs_sc_fail(l, -CS_EPARSE, pr[0].line, "PartitionName", "empty, expected a name or DEFAULT");
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
			return cs_sc_fail(l, -CS_EINVAL, pr[0].line, "PartitionName", "duplicate partition \"%s\" (first at %s:%d)",
					  pr[0].val, l->parts[i].file, l->parts[i].line);
	if (cs_sc_grow(&l->parts, &l->capparts, l->nparts, sizeof *l->parts) ||
	    cs_sc_grow(&l->pspecs, &l->cappspecs, l->nparts, sizeof *l->pspecs))
		return cs_sc_oom(l);
	cs_slurm_partition *p = &l->parts[l->nparts];
	*p = (cs_slurm_partition){
		.name = cs_sc_own_str(l, pr[0].val),
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
		return cs_sc_oom(l);
	l->pspecs[l->nparts++] = s;
	return 0;
}
/* ---- slurm.conf lines ------------------------------------------------------------ */

static int conf_line(ld *l, const pair *pr, int np);

/* slurm.conf(5): "Include FILE", relative to slurm.conf's directory. */
static int include(ld *l, const pair *pr, int np)
{
	if (np != 2 || pr[1].val)
		return cs_sc_fail(l, -CS_EPARSE, pr[0].line, "Include", "expected one file name");
	if (l->depth >= INCLUDE_DEPTH)
		return cs_sc_fail(l, -CS_EPARSE, pr[0].line, "Include", "more than %d nested includes", INCLUDE_DEPTH);
	char inc[PATH_MAX * 2];
	if (pr[1].key[0] == '/')
		snprintf(inc, sizeof inc, "%s", pr[1].key);
	else
		snprintf(inc, sizeof inc, "%s/%s", l->dir, pr[1].key);
	l->depth++;
	int rc = cs_sc_read_file(l, inc, conf_line, pr[0].line);
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
			return cs_sc_fail(l, -CS_EPARSE, pr[i].line, pr[i].key, "expected Key=Value");
	if (strcasecmp(pr[0].key, "NodeName") == 0)
		return node_line(l, pr, np);
	if (strcasecmp(pr[0].key, "PartitionName") == 0)
		return part_line(l, pr, np);
	for (int i = 0; i < np; i++) {
		if (strcasecmp(pr[i].key, "ClusterName") == 0) {
			if (!(l->c->cluster_name = cs_sc_own_str(l, pr[i].val)))
				return cs_sc_oom(l);
			continue;
		}
		if (cs_sc_grow(&l->ign, &l->capign, l->nign, sizeof *l->ign))
			return cs_sc_oom(l);
		cs_slurm_ignored *g = &l->ign[l->nign++];
		*g = (cs_slurm_ignored){ cs_sc_own_str(l, pr[i].key), cs_sc_own_str(l, pr[i].val), l->file, pr[i].line };
		if (!g->key || !g->value)
			return cs_sc_oom(l);
	}
	return 0;
}

/* ---- after slurm.conf: names to indices --------------------------------------- */

/* A sorted (name, index) table; a duplicate is an error at the later one. */
static int index_nodes(ld *l)
{
	cs_slurmconf *c = l->c;
	name_idx *by = cs_sc_own(l, calloc((size_t)(c->nnodes ? c->nnodes : 1), sizeof *by));
	if (!by)
		return cs_sc_oom(l);
	for (int i = 0; i < c->nnodes; i++)
		by[i] = (name_idx){ c->nodes[i].name, i };
	qsort(by, (size_t)c->nnodes, sizeof *by, cs_sc_name_cmp);
	for (int i = 1; i < c->nnodes; i++)
		if (strcmp(by[i].name, by[i - 1].name) == 0) {
			const cs_slurm_node *first = &c->nodes[by[i - 1].idx], *dup = &c->nodes[by[i].idx];
			l->file = dup->file;
			return cs_sc_fail(l, -CS_EINVAL, dup->line, "NodeName", "duplicate node \"%s\" (first at %s:%d)",
					  dup->name, first->file, first->line);
		}
	l->pv->node_by_name = by;
	return 0;
}

/* Expand a hostlist of node names to indices. */
int cs_sc_resolve_nodes(ld *l, const char *expr, int line, const char *key, const int **out, int *nout)
{
	char **names;
	int n;
	char msg[320];
	int rc = cs_slurm_hostlist_expand(expr, &names, &n, msg, sizeof msg);
	if (rc)
		return rc == -CS_ENOMEM ? cs_sc_oom(l) : cs_sc_fail(l, rc, line, key, "%s", msg);
	int *idx = cs_sc_own(l, calloc((size_t)(n ? n : 1), sizeof *idx));
	if (!idx)
		rc = cs_sc_oom(l);
	for (int i = 0; rc == 0 && i < n; i++)
		if ((idx[i] = cs_slurmconf_node_find(l->c, names[i])) < 0)
			rc = cs_sc_fail(l, -CS_EINVAL, line, key, "unknown node \"%s\"", names[i]);
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
			int *idx = cs_sc_own(l, calloc((size_t)(l->nnodes ? l->nnodes : 1), sizeof *idx));
			if (!idx)
				return cs_sc_oom(l);
			for (int j = 0; j < l->nnodes; j++)
				idx[j] = j;
			p->nodes = idx;
			p->nnodes = l->nnodes;
			continue;
		}
		int rc = cs_sc_resolve_nodes(l, s->nodes, s->nodes_line, "Nodes", &p->nodes, &p->nnodes);
		if (rc)
			return rc;
	}
	return 0;
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
	if (rc == 0 && !(c->path = cs_sc_own_str(&l, slurm_conf_path)))
		rc = cs_sc_oom(&l);
	if (rc == 0)
		rc = cs_sc_read_file(&l, slurm_conf_path, conf_line, 0);
	/* hand the growing arrays to the model before anything else can fail */
	if (l.nodes && !cs_sc_own(&l, l.nodes))
		rc = rc ? rc : cs_sc_oom(&l);
	if (l.parts && !cs_sc_own(&l, l.parts))
		rc = rc ? rc : cs_sc_oom(&l);
	if (l.ign && !cs_sc_own(&l, l.ign))
		rc = rc ? rc : cs_sc_oom(&l);
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
		rc = cs_sc_load_topology(&l);
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
