/* capsim: workload transforms. See transform.h. */
#include "capsim/transform.h"
#include "capsim/swf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cs_transform_default(cs_transform *tf)
{
	*tf = (cs_transform){ .id_min = INT64_MIN, .id_max = INT64_MAX, .from = 0, .to = CS_TIME_MAX,
			      .projects_scale = 1, .load_scale = 1, .seed = 1 };
}

int cs_transform_is_identity(const cs_transform *tf)
{
	return tf->id_min == INT64_MIN && tf->id_max == INT64_MAX && tf->from <= 0 && tf->to == CS_TIME_MAX &&
	       tf->projects_scale == 1 && tf->load_scale == 1;
}

/* splitmix64 over (seed, FNV-1a of the name): a uniform draw in [0, 1). */
static double name_draw(const char *s, uint64_t seed)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	uint64_t z = h + seed * 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) * 0x1.0p-53;
}


static int check(const cs_transform *tf, char *err, size_t errlen)
{
	if (!(tf->projects_scale > 0) || !(tf->load_scale > 0) || !isfinite(tf->projects_scale) ||
	    !isfinite(tf->load_scale)) {
		snprintf(err, errlen, "transform: --projects-scale and --load-scale must be > 0");
		return -CS_EINVAL;
	}
	if (tf->from >= tf->to || tf->id_min > tf->id_max) {
		snprintf(err, errlen, "transform: empty %s", tf->from >= tf->to ? "time window (--from >= --to)"
									: "job-id range");
		return -CS_EINVAL;
	}
	return 0;
}

int cs_transform_apply(cs_trace *t, const cs_transform *tf, char *err, size_t errlen)
{
	int rc = check(tf, err, errlen);
	if (rc < 0)
		return rc;
	if (cs_transform_is_identity(tf))
		return 0;
	size_t n0 = t->n, k = 0;
	int64_t max_id = INT64_MIN;
	for (size_t i = 0; i < t->n; i++)
		if (t->jobs[i].id > max_id)
			max_id = t->jobs[i].id;
	/* copies per project */
	size_t np = t->projects.n;
	uint32_t *copies = malloc((np + 1) * sizeof *copies);
	if (!copies)
		goto oom;
	double whole = floor(tf->projects_scale), frac = tf->projects_scale - whole;
	for (size_t p = 0; p < np; p++)
		copies[p] = (uint32_t)whole + (name_draw(t->projects.v[p], tf->seed) < frac ? 1u : 0u);
	uint32_t none_copies = (uint32_t)whole + (name_draw("", tf->seed) < frac ? 1u : 0u);
	for (size_t i = 0; i < t->n; i++) {
		const cs_jrec *r = &t->jobs[i];
		if (r->id < tf->id_min || r->id > tf->id_max || r->submit_s < tf->from || r->submit_s >= tf->to)
			continue;
		if ((r->project >= 0 ? copies[r->project] : none_copies) == 0)
			continue;
		t->jobs[k++] = *r;
	}
	size_t kept = k;
	t->n = k;
	/* the extra copies, project by project */
	int64_t next_id = max_id < 0 ? 1 : max_id + 1;
	char name[512];
	for (size_t i = 0; i < kept; i++) {
		int32_t p = t->jobs[i].project;
		uint32_t c = p >= 0 ? copies[p] : none_copies;
		for (uint32_t q = 1; q < c; q++) {
			cs_jrec r = t->jobs[i];
			r.id = next_id++;
			int len = snprintf(name, sizeof name, "%s~%u", cs_names_get(&t->projects, p), q);
			if ((r.project = cs_names_intern(&t->projects, name, (size_t)len)) < 0 || cs_trace_push(t, &r) < 0)
				goto oom;
		}
	}
	free(copies);
	copies = NULL;
	if (tf->load_scale != 1)
		for (size_t i = 0; i < t->n; i++)
			t->jobs[i].submit_s = (cs_time)floor((double)t->jobs[i].submit_s / tf->load_scale);
	cs_trace_sort(t);
	if (cs_trace_meta_count(t, "transform_dropped", n0 - kept) < 0 ||
	    cs_trace_meta_count(t, "transform_added", t->n - kept) < 0)
		goto oom;
	return 0;
oom:
	free(copies);
	snprintf(err, errlen, "out of memory");
	return -CS_ENOMEM;
}

static int rec_cmp(const void *a, const void *b)
{
	const cs_swf_rec *x = a, *y = b;
	if (x->submit != y->submit)
		return x->submit < y->submit ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->job > y->job) - (x->job < y->job);
}

int cs_transform_swf(cs_swf *s, const cs_transform *tf, char *err, size_t errlen)
{
	int rc = check(tf, err, errlen);
	if (rc < 0)
		return rc;
	if (cs_transform_is_identity(tf))
		return 0;
	int64_t max_id = INT64_MIN;
	for (size_t i = 0; i < s->n; i++)
		if (s->recs[i].job > max_id)
			max_id = s->recs[i].job;
	double whole = floor(tf->projects_scale), frac = tf->projects_scale - whole;
	char name[32];
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		cs_swf_rec *r = &s->recs[i];
		if (r->job < tf->id_min || r->job > tf->id_max || r->submit < tf->from || r->submit >= tf->to)
			continue;
		if (r->group >= 0)
			snprintf(name, sizeof name, "g%lld", (long long)r->group);
		else
			name[0] = '\0';
		uint32_t c = (uint32_t)whole + (name_draw(name, tf->seed) < frac ? 1u : 0u);
		if (c == 0)
			continue;
		/* keep the copy count in an unused field until the copies are made */
		r->think = c;
		s->recs[k++] = *r;
	}
	size_t kept = k;
	s->n = k;
	int64_t next_id = max_id < 0 ? 1 : max_id + 1;
	for (size_t i = 0; i < kept; i++) {
		for (int64_t q = 1; q < s->recs[i].think; q++) {
			if (s->n == s->cap) {
				size_t cap = s->cap ? s->cap * 2 : 1024;
				cs_swf_rec *nr = realloc(s->recs, cap * sizeof *nr);
				if (!nr) {
					snprintf(err, errlen, "out of memory");
					return -CS_ENOMEM;
				}
				s->recs = nr;
				s->cap = cap;
			}
			cs_swf_rec r = s->recs[i];
			r.job = next_id++;
			/* copy q of group G is group G + q * 1000000 (SWF ids are numbers) */
			r.group = r.group >= 0 ? r.group + q * 1000000 : -1;
			r.think = -1;
			s->recs[s->n++] = r;
		}
		s->recs[i].think = -1;
	}
	if (tf->load_scale != 1)
		for (size_t i = 0; i < s->n; i++)
			s->recs[i].submit = (int64_t)floor((double)s->recs[i].submit / tf->load_scale);
	qsort(s->recs, s->n, sizeof *s->recs, rec_cmp);
	return 0;
}
