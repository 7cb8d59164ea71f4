/* capsim: which node types a GPU job may use. See gpumap.h. */
#include "capsim/gpumap.h"
#include "capsim/engine.h"
#include "capsim/job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One rule of --gpu-map, pointing into a copy of its value. */
typedef struct rule {
	const char *item;   /* "MODEL=TYPE+TYPE" as given, for messages */
	const char *model;
	const char *types;  /* "TYPE+TYPE" */
	int used;           /* some job's model took it */
} rule;

typedef struct rules {
	rule *v;
	size_t n;
	char *buf;          /* the values, split in place */
} rules;

static void rules_free(rules *r)
{
	free(r->v);
	free(r->buf);
	*r = (rules){ 0 };
}

/* Split the values into rules; items are separated by ',' within a value. */
static int rules_parse(rules *r, const char *const *specs, size_t nspecs, char *err, size_t errlen)
{
	*r = (rules){ 0 };
	size_t len = 0, cap = 1;
	for (size_t i = 0; i < nspecs; i++) {
		len += strlen(specs[i]) + 1;
		for (const char *p = specs[i]; *p; p++)
			cap += *p == ',';
		cap++;
	}
	/* each item twice: as given, and split at '=' */
	r->buf = malloc(2 * len + 1);
	r->v = malloc(cap * sizeof *r->v);
	if (!r->buf || !r->v) {
		rules_free(r);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	char *w = r->buf;
	for (size_t i = 0; i < nspecs; i++) {
		const char *s = specs[i];
		for (;;) {
			size_t k = strcspn(s, ",");
			char *item = w, *model = w + k + 1;
			memcpy(item, s, k);
			item[k] = '\0';
			memcpy(model, s, k);
			model[k] = '\0';
			w = model + k + 1;
			char *eq = strchr(model, '=');
			const char *bad = NULL;
			if (!eq || eq == model || !eq[1])
				bad = "expected MODEL=TYPE[+TYPE...]";
			else if (strchr(eq + 1, '=') || strstr(eq + 1, "++") || eq[1] == '+' || item[k - 1] == '+')
				bad = "expected MODEL=TYPE[+TYPE...], node type names separated by '+'";
			if (bad) {
				snprintf(err, errlen, "--gpu-map '%s': %s", item, bad);
				rules_free(r);
				return -CS_EINVAL;
			}
			*eq = '\0';
			for (size_t j = 0; j < r->n; j++)
				if (strcmp(r->v[j].model, model) == 0) {
					snprintf(err, errlen, "--gpu-map '%s': model '%s' already has a rule ('%s')", item,
						 model, r->v[j].item);
					rules_free(r);
					return -CS_EINVAL;
				}
			r->v[r->n++] = (rule){ item, model, eq + 1, 0 };
			if (!s[k])
				break;
			s += k + 1;
		}
	}
	return 0;
}

int cs_gpumap_check(const char *const *specs, size_t nspecs, char *err, size_t errlen)
{
	rules r;
	int rc = rules_parse(&r, specs, nspecs, err, errlen);
	rules_free(&r);
	return rc;
}

void cs_gpumap_free(cs_gpumap *m)
{
	free(m->part_first);
	free(m->part_types);
	free(m->gpu_part);
	for (size_t i = 0; i < m->nused; i++) {
		free(m->used[i].model);
		free(m->used[i].types);
	}
	free(m->used);
	*m = (cs_gpumap){ 0 };
}

/* The node types of a rule (at most nt), checked against the cluster. */
static int rule_types(const rule *ru, const cs_cluster *c, int32_t *out, uint32_t *n, char *err, size_t errlen)
{
	*n = 0;
	for (const char *p = ru->types; *p;) {
		size_t k = strcspn(p, "+");
		int t = -1;
		for (int i = 0; i < cs_cluster_nnode_types(c) && t < 0; i++) {
			const char *name = cs_cluster_node_type_at(c, i)->name;
			if (strlen(name) == k && memcmp(name, p, k) == 0)
				t = i;
		}
		if (t < 0) {
			char list[512] = "";
			for (int i = 0, w = 0; i < cs_cluster_nnode_types(c) && (size_t)w < sizeof list; i++)
				w += snprintf(list + w, sizeof list - (size_t)w, "%s%s", i ? ", " : "",
					      cs_cluster_node_type_at(c, i)->name);
			snprintf(err, errlen, "--gpu-map '%s': '%.*s' is not a node type of %s (node types: %s)", ru->item,
				 (int)k, p, cs_cluster_path(c), list);
			return -CS_EINVAL;
		}
		if (!cs_cluster_node_type_at(c, t)->gpus) {
			snprintf(err, errlen, "--gpu-map '%s': node type '%.*s' has no GPUs", ru->item, (int)k, p);
			return -CS_EINVAL;
		}
		for (uint32_t j = 0; j < *n; j++)
			if (out[j] == t) {
				snprintf(err, errlen, "--gpu-map '%s': node type '%.*s' is listed twice", ru->item, (int)k, p);
				return -CS_EINVAL;
			}
		out[(*n)++] = t;
		p += k + (p[k] == '+');
	}
	return 0;
}

/* "a+b" for the node types list[0..n). */
static char *join_types(const cs_cluster *c, const int32_t *list, uint32_t n)
{
	size_t len = 1;
	for (uint32_t i = 0; i < n; i++)
		len += strlen(cs_cluster_node_type_at(c, list[i])->name) + 1;
	char *s = malloc(len), *w = s;
	if (!s)
		return NULL;
	*w = '\0';
	for (uint32_t i = 0; i < n; i++)
		w += sprintf(w, "%s%s", i ? "+" : "", cs_cluster_node_type_at(c, list[i])->name);
	return s;
}

/* The partition of list[0..n): an existing derived one with the same node
 * types in the same order, else a new one. */
static uint32_t derived_part(cs_gpumap *m, const int32_t *list, uint32_t n)
{
	for (uint32_t p = m->ncluster; p < m->npartitions; p++)
		if (m->part_first[p + 1] - m->part_first[p] == n &&
		    memcmp(m->part_types + m->part_first[p], list, n * sizeof *list) == 0)
			return p;
	uint32_t q = m->part_first[m->npartitions];
	memcpy(m->part_types + q, list, n * sizeof *list);
	m->part_first[++m->npartitions] = q + n;
	return m->npartitions - 1;
}

/* Is v the partition name pn, or a list a,b,... with pn in it? */
static int names_partition(const char *v, const char *pn)
{
	size_t len = strlen(pn);
	for (const char *e = v; e; e = strchr(e, ',') ? strchr(e, ',') + 1 : NULL)
		if (strncmp(e, pn, len) == 0 && (e[len] == ',' || e[len] == '\0'))
			return 1;
	return 0;
}

int cs_gpumap_build(cs_gpumap *m, const cs_cluster *c, const cs_trace *t, const char *workload,
		    const char *const *specs, size_t nspecs, char *err, size_t errlen)
{
	*m = (cs_gpumap){ 0 };
	rules rs;
	int rc = rules_parse(&rs, specs, nspecs, err, errlen);
	if (rc < 0)
		return rc;
	uint32_t nt = (uint32_t)cs_cluster_nnode_types(c), np = (uint32_t)cs_cluster_npartitions(c);
	size_t ntp = t->partitions.n, npt = 0;
	for (uint32_t p = 0; p < np; p++)
		npt += (size_t)cs_cluster_partition_at(c, p)->nnode_types;
	/* per trace partition (and none, last): a model of a GPU job? */
	uint8_t *is_model = calloc(ntp + 1, 1), *used = calloc(ntp + 1, 1);
	int32_t *list = malloc((nt + 1) * sizeof *list), *nvidia = malloc((nt + 1) * sizeof *nvidia);
	m->gpu_part = malloc((ntp + 1) * sizeof *m->gpu_part);
	m->part_first = malloc(((size_t)np + ntp + 2) * sizeof *m->part_first);
	m->part_types = malloc((npt + (ntp + 1) * nt + 1) * sizeof *m->part_types);
	m->used = calloc(ntp + 1, sizeof *m->used);
	if (!is_model || !used || !list || !nvidia || !m->gpu_part || !m->part_first || !m->part_types || !m->used)
		goto oom;
	size_t q = 0;
	for (uint32_t p = 0; p < np; p++) {
		const cs_cluster_partition *pt = cs_cluster_partition_at(c, (int)p);
		m->part_first[p] = (uint32_t)q;
		for (int i = 0; i < pt->nnode_types; i++)
			m->part_types[q++] = pt->node_types[i];
	}
	m->part_first[np] = (uint32_t)q;
	m->ncluster = m->npartitions = np;
	is_model[ntp] = 1;
	for (size_t i = 0; i < ntp; i++) {
		/* a list a,b,... (Slurm's --partition=a,b) naming one of the
		 * cluster's partitions is a set of them (workload.h), not a model */
		is_model[i] = 1;
		for (uint32_t p = 0; p < np && is_model[i]; p++)
			is_model[i] = !names_partition(t->partitions.v[i], cs_cluster_partition_at(c, (int)p)->name);
	}
	for (size_t i = 0; i < t->n; i++) {
		const cs_jrec *r = &t->jobs[i];
		size_t k = r->partition >= 0 ? (size_t)r->partition : ntp;
		if (r->gpus_per_node && is_model[k])
			used[k] = 1;
	}
	/* the default: NVIDIA's node types, unless they are all of those with GPUs */
	uint32_t nnv = 0, ngpu = 0;
	for (uint32_t i = 0; i < nt; i++) {
		const cs_cluster_node_type *ty = cs_cluster_node_type_at(c, (int)i);
		ngpu += ty->gpus > 0;
		if (ty->gpus > 0 && strcmp(ty->gpu_vendor, "nvidia") == 0)
			nvidia[nnv++] = (int32_t)i;
	}
	for (size_t k = 0; k <= ntp; k++) {
		const char *model = k < ntp ? t->partitions.v[k] : "*";
		rule *own = NULL, *star = NULL;
		for (size_t j = 0; j < rs.n; j++) {
			if (strcmp(rs.v[j].model, "*") == 0)
				star = &rs.v[j];
			else if (k < ntp && strcmp(rs.v[j].model, model) == 0)
				own = &rs.v[j];
		}
		rule *ru = own ? own : star;
		uint32_t n = 0;
		const int32_t *types = nvidia;
		if (ru) {
			if ((rc = rule_types(ru, c, list, &n, err, errlen)) < 0)
				goto out;
			types = list;
			ru->used |= used[k];
		} else {
			n = nnv;
		}
		m->gpu_part[k] = !is_model[k] || (!ru && nnv == ngpu) ? -1 : (int32_t)derived_part(m, types, n);
		if (!used[k])
			continue;
		cs_gpumap_use *u = &m->used[m->nused++];
		u->model = strdup(model);
		u->types = join_types(c, types, n);
		u->rule = ru != NULL;
		if (!u->model || !u->types)
			goto oom;
	}
	for (size_t j = 0; j < rs.n; j++) {
		const rule *ru = &rs.v[j];
		if (ru->used || strcmp(ru->model, "*") == 0)
			continue;
		char models[512] = "";
		int w = 0;
		for (size_t k = 0; k < ntp && (size_t)w < sizeof models; k++)
			if (used[k])
				w += snprintf(models + w, sizeof models - (size_t)w, "%s%s", w ? ", " : "",
					      t->partitions.v[k]);
		snprintf(err, errlen, "--gpu-map '%s': no GPU job of %s names GPU model '%s' (%s%s; '*' stands for "
			 "the rest)", ru->item, workload, ru->model, w ? "its models: " : "it names none",
			 models);
		rc = -CS_EINVAL;
		goto out;
	}
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
	rc = -CS_ENOMEM;
out:
	free(is_model);
	free(used);
	free(list);
	free(nvidia);
	rules_free(&rs);
	if (rc < 0)
		cs_gpumap_free(m);
	return rc;
}

int cs_gpumap_fits_empty(void *ctx, const cs_job *j)
{
	cs_gpumap_fit *f = ctx;
	if (j->nodes > f->cap || j->gpus_per_node > CS_ALLOC_MAX_GPUS)
		return 0;
	cs_request rq = cs_job_request(j);
	uint32_t a = 0, b = 1;
	if (j->partition >= 0) {
		a = f->gm->part_first[j->partition];
		b = f->gm->part_first[j->partition + 1];
	}
	for (uint32_t k = a; k < b; k++) {
		if (j->partition >= 0)
			rq.type = f->gm->part_types[k];
		cs_placement p = { f->slots, f->cap, 0 };
		if (cs_alloc_try(f->empty, &rq, &p) == 0) {
			cs_alloc_release(f->empty, &p);
			return 1;
		}
	}
	return 0;
}

int cs_gpumap_billing_partition(const cs_cluster *c, const cs_gpumap *gm, const cs_partsets *sets, const cs_job *j)
{
	int np = cs_cluster_npartitions(c);
	if (j->partition >= 0 && j->partition < np)
		return j->partition;
	int32_t s = cs_partset_of(sets, j->partition);
	if (s >= 0)
		return sets->parts[sets->first[s]];
	if (j->partition < 0 || (uint32_t)j->partition >= gm->npartitions)
		return 0;
	for (int p = 0; p < np; p++) {
		const cs_cluster_partition *pt = cs_cluster_partition_at(c, p);
		for (uint32_t k = gm->part_first[j->partition]; k < gm->part_first[j->partition + 1]; k++)
			for (int i = 0; i < pt->nnode_types; i++)
				if (pt->node_types[i] == gm->part_types[k])
					return p;
	}
	return 0;
}
