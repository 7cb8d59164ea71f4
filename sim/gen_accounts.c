/* capsim: the accounts file of a generated workload (`capsim workload
 * generate --accounts FILE`): the fair-share tree organisation type ->
 * organisation -> project -> user that sim/accounts.c reads, with every
 * project and user of the trace in it, so that Fair Tree ranks them all. */
#include "capsim/gen.h"
#include "capsim/cluster.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pref {
	int type, org;
	int32_t project;
} pref;

static int pref_cmp(const void *a, const void *b)
{
	const pref *x = a, *y = b;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->org != y->org)
		return x->org < y->org ? -1 : 1;
	return (x->project > y->project) - (x->project < y->project);
}

typedef struct pu {
	int32_t project, user;
} pu;

static int pu_cmp(const void *a, const void *b)
{
	const pu *x = a, *y = b;
	if (x->project != y->project)
		return x->project < y->project ? -1 : 1;
	return (x->user > y->user) - (x->user < y->user);
}

/* A name as a YAML scalar: plain if it is only [A-Za-z0-9._-] and starts
 * with a letter or digit, else double-quoted with escapes. */
static void put_name(FILE *f, const char *s)
{
	int plain = *s && (s[0] != '-' && s[0] != '.');
	for (const char *c = s; *c && plain; c++)
		plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' ||
			*c == '_' || *c == '-';
	if (plain) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(f, "\\x%02x", *c);
		else
			fputc(*c, f);
	fputc('"', f);
}

/* A project's shares: its weight x 100, rounded, at least 1. */
static long long project_shares(const cs_gen_project *p)
{
	double v = round(p->weight * 100);
	return v < 1 ? 1 : v > 1e15 ? (long long)1e15 : (long long)v;
}

/* Every account name once: 0, or -CS_EINVAL with err if it is taken. */
static int claim(cs_names *taken, const cs_trace *t, const char *name, const char *what, char *err, size_t errlen)
{
	size_t before = taken->n;
	int32_t i = cs_names_intern(taken, name, strlen(name));
	if (i < 0) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	if ((size_t)i < before || (what && cs_names_find(&t->projects, name) >= 0)) {
		snprintf(err, errlen, "accounts: %s '%s' has the name of another account; rename the model's "
			 "organisation type", what ? what : "name", name);
		return -CS_EINVAL;
	}
	return 0;
}

/* Each project's grant (hours, [from, to) in seconds) with jobs in t:
 * the trace's billed total / grant_use, shared by weight x days inside
 * the trace, rounded up to whole hours. */
static int grants(const cs_gen_spec *s, const cs_trace *t, const cs_gen_project *projects, const uint8_t *has,
		  const double *billed_h, double *hours, int64_t *from, int64_t *to)
{
	const char *ds = cs_trace_meta_get(t, "days");
	double days = ds ? atof(ds) : 0, total = 0, wsum = 0;
	if (!(days > 0))
		return -CS_EINVAL;
	for (size_t i = 0; i < t->n; i++)
		if (t->jobs[i].project >= 0)
			total += billed_h[i];
	size_t np = t->projects.n;
	for (size_t p = 0; p < np; p++) {
		double a = projects[p].start_day > 0 ? projects[p].start_day : 0;
		double b = projects[p].end_day < days ? projects[p].end_day : days;
		from[p] = (int64_t)floor(a * 86400);
		to[p] = (int64_t)ceil(b * 86400);
		if (to[p] <= from[p])
			to[p] = from[p] + 1;
		hours[p] = has[p] ? projects[p].weight * (double)(to[p] - from[p]) : 0;
		wsum += hours[p];
	}
	for (size_t p = 0; p < np; p++) {
		double h = wsum > 0 ? ceil(total / s->grant_use * hours[p] / wsum) : 0;
		hours[p] = h < 1 ? 1 : h;
	}
	return 0;
}

/* Does storage tier k keep what jobs write there (a rate, no retention)? */
static int keeps(const cs_cluster_storage *k)
{
	return (k->tb_per_gpu_hour > 0 || k->tb_per_core_hour > 0) && !(k->retention_days > 0);
}

/* Each project's storage allocation on each of c's tiers that keep what
 * jobs write: what its jobs in t would write there if they all ran for
 * their recorded time (capsim/storage.h's rates) / storage_use, rounded up
 * to whole TB, at least 1; [p * ntiers + k], 0 where none. NULL if out of
 * memory. */
static double *storage_tb(const cs_gen_spec *s, const cs_cluster *c, const cs_trace *t, const uint8_t *has)
{
	size_t np = t->projects.n, T = (size_t)cs_cluster_nstorage(c);
	double *v = calloc(np * T + 1, sizeof *v);
	if (!v)
		return NULL;
	for (size_t i = 0; i < t->n; i++) {
		const cs_jrec *r = &t->jobs[i];
		if (r->project < 0 || r->runtime_s <= 0)
			continue;
		for (size_t k = 0; k < T; k++) {
			const cs_cluster_storage *st = cs_cluster_storage_at(c, (int)k);
			double per = r->gpus_per_node ? r->gpus_per_node * st->tb_per_gpu_hour
						      : r->cores_per_node * st->tb_per_core_hour;
			v[(size_t)r->project * T + k] += (double)r->nodes * per * (double)r->runtime_s / 3600.0;
		}
	}
	for (size_t p = 0; p < np; p++)
		for (size_t k = 0; k < T; k++) {
			double *x = &v[p * T + k];
			*x = has[p] && keeps(cs_cluster_storage_at(c, (int)k)) ? fmax(1, ceil(*x / s->storage_use - 1e-9)) : 0;
		}
	return v;
}

static void put_storage(FILE *f, const cs_cluster *c, const double *tb)
{
	int any = 0;
	for (int k = 0; k < cs_cluster_nstorage(c); k++) {
		if (tb[k] <= 0)
			continue;
		fputs(any ? ", " : "            storage_tb: {", f);
		put_name(f, cs_cluster_storage_at(c, k)->name);
		fprintf(f, ": %.0f", tb[k]);
		any = 1;
	}
	if (any)
		fputs("}\n", f);
}

int cs_gen_accounts_write(FILE *f, const cs_gen_model *m, const cs_trace *t, const cs_gen_project *projects,
			  const double *billed_h, const cs_cluster *storage, char *err, size_t errlen)
{
	const cs_gen_spec *s = cs_gen_model_spec(m);
	size_t np = t->projects.n, nref = 0, npu = 0;
	pref *refs = malloc((np ? np : 1) * sizeof *refs);
	pu *pairs = malloc((t->n ? t->n : 1) * sizeof *pairs);
	uint8_t *has = calloc(np ? np : 1, 1);
	double *gh = billed_h ? malloc((np ? np : 1) * sizeof *gh) : NULL;
	int64_t *gf = billed_h ? malloc((np ? np : 1) * sizeof *gf) : NULL;
	int64_t *gt = billed_h ? malloc((np ? np : 1) * sizeof *gt) : NULL;
	cs_names taken = { 0 };
	double *stb = NULL;
	int rc = 0;
	if (!refs || !pairs || !has || (billed_h && (!gh || !gf || !gt)))
		goto nomem;
	for (size_t i = 0; i < t->n; i++) {
		const cs_jrec *r = &t->jobs[i];
		if (r->project < 0 || r->user < 0)
			continue;
		has[r->project] = 1;
		pairs[npu++] = (pu){ r->project, r->user };
	}
	qsort(pairs, npu, sizeof *pairs, pu_cmp);
	for (size_t p = 0; p < np; p++)
		if (has[p]) {
			if (projects[p].type < 0 || projects[p].type >= s->norgs) {
				snprintf(err, errlen, "accounts: project %s has no organisation type", t->projects.v[p]);
				rc = -CS_EINVAL;
				goto out;
			}
			refs[nref++] = (pref){ projects[p].type, projects[p].org, (int32_t)p };
		}
	qsort(refs, nref, sizeof *refs, pref_cmp);
	if (billed_h && grants(s, t, projects, has, billed_h, gh, gf, gt) < 0) {
		snprintf(err, errlen, "accounts: the trace does not say how many days it spans");
		rc = -CS_EINVAL;
		goto out;
	}
	int any_keeps = 0;
	for (int k = 0; storage && k < cs_cluster_nstorage(storage); k++)
		any_keeps |= keeps(cs_cluster_storage_at(storage, k));
	if (any_keeps && !(stb = storage_tb(s, storage, t, has)))
		goto nomem;

	fprintf(f, "# The accounts of a generated workload: `capsim workload generate` with model %s (%s), "
		   "seed %s, %s days, projects scale %s.\n",
		s->name, cs_gen_model_path(m), cs_trace_meta_get(t, "seed") ? cs_trace_meta_get(t, "seed") : "?",
		cs_trace_meta_get(t, "days") ? cs_trace_meta_get(t, "days") : "?",
		cs_trace_meta_get(t, "projects_scale") ? cs_trace_meta_get(t, "projects_scale") : "?");
	fputs("# Organisation type -> organisation -> project -> user (docs/gen.md). Shares: a type's from the\n"
	      "# model; an organisation's, the sum of its projects'; a project's, its demand weight x 100 (its\n"
	      "# award); each user 1. Only projects and users with jobs in the workload appear.\n",
	      f);
	if (billed_h)
		fprintf(f, "# A project's grant: billing-unit-hours on the cluster it was priced on, over the part of its\n"
			   "# life inside the workload (seconds on its clock): the workload's billed total / grant_use\n"
			   "# (%g), shared by weight x days inside, rounded up to whole hours.\n",
			s->grant_use);
	if (stb)
		fprintf(f, "# A project's storage allocation (storage_tb), on each of cluster %s's tiers that keeps what\n"
			   "# jobs write: what its jobs would write there at the tier's rates / storage_use (%g), rounded\n"
			   "# up to whole TB, at least 1 (docs/storage.md).\n",
			cs_cluster_name(storage), s->storage_use);
	fputs("site: ", f);
	put_name(f, s->name);
	fputs("\naccounts:\n", f);
	size_t i = 0;
	char name[256];
	for (int ty = 0; ty < s->norgs; ty++) {
		if (i >= nref || refs[i].type != ty)
			continue;
		if ((rc = claim(&taken, t, s->orgs[ty].type, "organisation type", err, errlen)) < 0)
			goto out;
		fputs("  - name: ", f);
		put_name(f, s->orgs[ty].type);
		fprintf(f, "\n    shares: %.17g\n    accounts:\n", s->orgs[ty].shares);
		while (i < nref && refs[i].type == ty) {
			size_t j = i;
			long long sum = 0;
			for (; j < nref && refs[j].type == ty && refs[j].org == refs[i].org; j++)
				sum += project_shares(&projects[refs[j].project]);
			snprintf(name, sizeof name, "%s-%03d", s->orgs[ty].type, refs[i].org + 1);
			if ((rc = claim(&taken, t, name, "organisation", err, errlen)) < 0)
				goto out;
			fputs("      - name: ", f);
			put_name(f, name);
			fprintf(f, "\n        shares: %lld\n        accounts:\n", sum);
			for (; i < j; i++) {
				int32_t p = refs[i].project;
				if ((rc = claim(&taken, t, t->projects.v[p], NULL, err, errlen)) < 0)
					goto out;
				fputs("          - name: ", f);
				put_name(f, t->projects.v[p]);
				fprintf(f, "\n            shares: %lld\n", project_shares(&projects[p]));
				if (billed_h)
					fprintf(f, "            grant: {hours: %.0f, from: %lld, to: %lld}\n", gh[p],
						(long long)gf[p], (long long)gt[p]);
				if (stb)
					put_storage(f, storage, stb + (size_t)p * (size_t)cs_cluster_nstorage(storage));
				fputs("            users:\n", f);
				/* the project's users: a run of pairs (sorted), duplicates skipped */
				size_t lo = 0, hi = npu;
				while (lo < hi) {
					size_t mid = (lo + hi) / 2;
					if (pairs[mid].project < p)
						lo = mid + 1;
					else
						hi = mid;
				}
				for (size_t k = lo; k < npu && pairs[k].project == p; k++) {
					if (k > lo && pairs[k].user == pairs[k - 1].user)
						continue;
					fputs("              - {name: ", f);
					put_name(f, t->users.v[pairs[k].user]);
					fputs("}\n", f);
				}
			}
		}
	}
	if (nref == 0)
		fputs("  []\n", f);
	if (ferror(f)) {
		snprintf(err, errlen, "accounts: cannot write");
		rc = -CS_EIO;
	}
out:
	free(refs);
	free(pairs);
	free(has);
	free(gh);
	free(gf);
	free(gt);
	free(stb);
	cs_names_free(&taken);
	return rc;
nomem:
	snprintf(err, errlen, "out of memory");
	rc = -CS_ENOMEM;
	goto out;
}

/* Each job's billing-unit-hours on cluster c (its partition's weights,
 * its size without). -CS_EINVAL if a partition is not the cluster's. */
int cs_gen_billed_hours(const cs_cluster *c, const cs_trace *t, double **out, char *err, size_t errlen)
{
	double *b = malloc((t->n ? t->n : 1) * sizeof *b);
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	int np = cs_cluster_npartitions(c);
	for (size_t i = 0; i < t->n; i++) {
		const cs_jrec *j = &t->jobs[i];
		const char *name = j->partition >= 0 ? cs_names_get(&t->partitions, j->partition) : "";
		int p = 0;
		while (p < np && strcmp(cs_cluster_partition_at(c, p)->name, name) != 0)
			p++;
		if (p == np) {
			snprintf(err, errlen, "the model's partition '%s' is not one of "
				 "cluster %s's, whose billing weights price the grants", name, cs_cluster_name(c));
			free(b);
			return -CS_EINVAL;
		}
		uint32_t size = j->nodes * (j->gpus_per_node ? j->gpus_per_node : j->cores_per_node);
		double rate = cs_cluster_billing_rate(c, p, j->nodes, j->gpus_per_node, j->cores_per_node,
						      j->mem_per_node_mib, size);
		b[i] = rate * (double)j->runtime_s / 3600.0;
	}
	*out = b;
	return 0;
}
