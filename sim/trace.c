/* capsim: the job-record table. See include/capsim/trace.h. */
#include "capsim/trace.h"
#include "hugemem.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const cs_state_names[CS_STATE_N] = { "unknown", "completed", "failed", "cancelled",
						  "timeout", "node_fail", "out_of_memory", "preempted" };

int cs_state_lookup(const char *s, size_t len)
{
	for (int i = 0; i < CS_STATE_N; i++)
		if (strlen(cs_state_names[i]) == len && strncasecmp(cs_state_names[i], s, len) == 0)
			return i;
	return -1;
}

void cs_trace_init(cs_trace *t) { memset(t, 0, sizeof *t); }

void cs_trace_free(cs_trace *t)
{
	free(t->jobs);
	cs_names_free(&t->projects);
	cs_names_free(&t->users);
	cs_names_free(&t->qos);
	cs_names_free(&t->partitions);
	cs_names_free(&t->tiers);
	cs_names_free(&t->meta_keys);
	cs_names_free(&t->meta_vals);
	memset(t, 0, sizeof *t);
}

static int names_copy(cs_names *dst, const cs_names *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (cs_names_intern(dst, src->v[i], strlen(src->v[i])) < 0)
			return -CS_ENOMEM;
	return 0;
}

int cs_trace_copy(cs_trace *dst, const cs_trace *src)
{
	int rc = 0;
	if (src->n) {
		dst->jobs = cs_huge_grow(NULL, 0, src->n * sizeof *dst->jobs);
		if (!dst->jobs) {
			rc = -CS_ENOMEM;
		} else {
			memcpy(dst->jobs, src->jobs, src->n * sizeof *dst->jobs);
			dst->n = dst->cap = src->n;
		}
	}
	const cs_names *from[] = { &src->projects, &src->users, &src->qos, &src->partitions, &src->tiers };
	cs_names *to[] = { &dst->projects, &dst->users, &dst->qos, &dst->partitions, &dst->tiers };
	for (size_t i = 0; i < sizeof from / sizeof *from && rc == 0; i++)
		rc = names_copy(to[i], from[i]);
	for (size_t i = 0; i < src->meta_keys.n && rc == 0; i++)
		rc = cs_trace_meta_set(dst, src->meta_keys.v[i], src->meta_vals.v[i]);
	dst->epoch = src->epoch;
	if (rc < 0)
		cs_trace_free(dst);
	return rc;
}

int cs_trace_reserve(cs_trace *t, size_t cap)
{
	if (cap <= t->cap)
		return 0;
	if (cap > SIZE_MAX / sizeof *t->jobs)
		return -CS_ENOMEM;
	cs_jrec *j = cs_huge_grow(t->jobs, t->n * sizeof *j, cap * sizeof *j);
	if (!j)
		return -CS_ENOMEM;
	t->jobs = j;
	t->cap = cap;
	return 0;
}

int cs_trace_push(cs_trace *t, const cs_jrec *r)
{
	if (t->n == t->cap && cs_trace_reserve(t, t->cap ? t->cap * 2 : 1024) < 0)
		return -CS_ENOMEM;
	t->jobs[t->n++] = *r;
	return 0;
}

/* Metadata values are kept as a parallel list (not interned: a value may
 * repeat), so meta_vals is used as a plain vector. */
int cs_trace_meta_set(cs_trace *t, const char *key, const char *val)
{
	int32_t k = cs_names_find(&t->meta_keys, key);
	char *copy = strdup(val);
	if (!copy)
		return -CS_ENOMEM;
	if (k >= 0) {
		free(t->meta_vals.v[k]);
		t->meta_vals.v[k] = copy;
		return 0;
	}
	cs_names *v = &t->meta_vals;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		char **nv = realloc(v->v, cap * sizeof *nv);
		if (!nv) {
			free(copy);
			return -CS_ENOMEM;
		}
		v->v = nv;
		v->cap = cap;
	}
	if (cs_names_intern(&t->meta_keys, key, strlen(key)) < 0) {
		free(copy);
		return -CS_ENOMEM;
	}
	v->v[v->n++] = copy;
	return 0;
}

int cs_trace_meta_count(cs_trace *t, const char *key, uint64_t v)
{
	char b[32];
	snprintf(b, sizeof b, "%" PRIu64, v);
	return cs_trace_meta_set(t, key, b);
}

const char *cs_trace_meta_get(const cs_trace *t, const char *key)
{
	int32_t k = cs_names_find(&t->meta_keys, key);
	return k >= 0 ? t->meta_vals.v[k] : NULL;
}

static int jrec_cmp(const void *a, const void *b)
{
	const cs_jrec *x = a, *y = b;
	if (x->submit_s != y->submit_s)
		return x->submit_s < y->submit_s ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

void cs_trace_sort(cs_trace *t)
{
	if (t->n > 1)
		qsort(t->jobs, t->n, sizeof *t->jobs, jrec_cmp);
}
