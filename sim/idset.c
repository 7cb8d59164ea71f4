/* capsim: job ids as read, to refuse duplicates. See idset.h. */
#include "capsim/types.h"
#include "idset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cs_idset_push(cs_idset *s, int64_t id, uint32_t line)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 4096;
		struct cs_idline *nv = realloc(s->v, nc * sizeof *nv);
		if (!nv)
			return -CS_ENOMEM;
		s->v = nv;
		s->cap = nc;
	}
	s->v[s->n++] = (struct cs_idline){ id, line };
	return 0;
}

static int idline_cmp(const void *a, const void *b)
{
	const struct cs_idline *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

int cs_idset_check(cs_idset *s, const char *path, const char *field, char *err, size_t errlen)
{
	size_t up = 1; /* ids rising in file order (most files): no duplicates, no sort */
	while (up < s->n && s->v[up].id > s->v[up - 1].id)
		up++;
	if (up < s->n)
		qsort(s->v, s->n, sizeof *s->v, idline_cmp);
	size_t at = 0;
	for (size_t i = 1; i < s->n; i++)
		if (s->v[i].id == s->v[i - 1].id && (!at || s->v[i].line < s->v[at].line))
			at = i;
	int rc = 0;
	if (at) {
		size_t first = at - 1;
		while (first && s->v[first - 1].id == s->v[at].id)
			first--;
		snprintf(err, errlen, "%s:%u: %s: job id %lld already on line %u: job ids must be unique", path,
			 s->v[at].line, field, (long long)s->v[at].id, s->v[first].line);
		rc = -CS_EPARSE;
	}
	cs_idset_free(s);
	return rc;
}

void cs_idset_free(cs_idset *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}
