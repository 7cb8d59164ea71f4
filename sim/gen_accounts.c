/* capsim: the accounts file of a generated workload (`capsim workload
 * generate --accounts FILE`): the fair-share tree organisation type ->
 * organisation -> project -> user that sim/accounts.c reads, with every
 * project and user of the trace in it, so that Fair Tree ranks them all. */
#include "capsim/gen.h"

#include <math.h>
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

int cs_gen_accounts_write(FILE *f, const cs_gen_model *m, const cs_trace *t, const cs_gen_project *projects,
			  char *err, size_t errlen)
{
	const cs_gen_spec *s = cs_gen_model_spec(m);
	size_t np = t->projects.n, nref = 0, npu = 0;
	pref *refs = malloc((np ? np : 1) * sizeof *refs);
	pu *pairs = malloc((t->n ? t->n : 1) * sizeof *pairs);
	uint8_t *has = calloc(np ? np : 1, 1);
	cs_names taken = { 0 };
	int rc = 0;
	if (!refs || !pairs || !has)
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

	fprintf(f, "# The accounts of a generated workload: `capsim workload generate` with model %s (%s), "
		   "seed %s, %s days, projects scale %s.\n",
		s->name, cs_gen_model_path(m), cs_trace_meta_get(t, "seed") ? cs_trace_meta_get(t, "seed") : "?",
		cs_trace_meta_get(t, "days") ? cs_trace_meta_get(t, "days") : "?",
		cs_trace_meta_get(t, "projects_scale") ? cs_trace_meta_get(t, "projects_scale") : "?");
	fputs("# Organisation type -> organisation -> project -> user (docs/gen.md). Shares: a type's from the\n"
	      "# model; an organisation's, the sum of its projects'; a project's, its demand weight x 100 (its\n"
	      "# award); each user 1. Only projects and users with jobs in the workload appear.\n",
	      f);
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
				fprintf(f, "\n            shares: %lld\n            users:\n",
					project_shares(&projects[p]));
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
	cs_names_free(&taken);
	return rc;
nomem:
	snprintf(err, errlen, "out of memory");
	rc = -CS_ENOMEM;
	goto out;
}
