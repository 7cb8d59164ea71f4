/* capsim: the backfill index, a segment tree of (min size, min estimate). */
#include "qtree.h"

#include <stdlib.h>

int cs_qtree_init(cs_qtree *t, size_t n)
{
	size_t l = 1;
	while (l < n)
		l <<= 1;
	t->leaves = l;
	t->n = n;
	t->min_size = malloc(2 * l * sizeof *t->min_size);
	t->min_est = malloc(2 * l * sizeof *t->min_est);
	if (!t->min_size || !t->min_est) {
		cs_qtree_free(t);
		return -CS_ENOMEM;
	}
	for (size_t i = 0; i < 2 * l; i++) {
		t->min_size[i] = UINT32_MAX;
		t->min_est[i] = CS_TIME_MAX;
	}
	return 0;
}

void cs_qtree_free(cs_qtree *t)
{
	free(t->min_size);
	free(t->min_est);
	t->min_size = NULL;
	t->min_est = NULL;
}

static void pull(cs_qtree *t, size_t i)
{
	for (i >>= 1; i; i >>= 1) {
		uint32_t s = t->min_size[2 * i] < t->min_size[2 * i + 1] ? t->min_size[2 * i] : t->min_size[2 * i + 1];
		cs_time e = t->min_est[2 * i] < t->min_est[2 * i + 1] ? t->min_est[2 * i] : t->min_est[2 * i + 1];
		if (t->min_size[i] == s && t->min_est[i] == e)
			break;
		t->min_size[i] = s;
		t->min_est[i] = e;
	}
}

void cs_qtree_set(cs_qtree *t, size_t pos, uint32_t size, cs_time est)
{
	size_t i = pos + t->leaves;
	t->min_size[i] = size;
	t->min_est[i] = est;
	pull(t, i);
}

void cs_qtree_clear(cs_qtree *t, size_t pos) { cs_qtree_set(t, pos, UINT32_MAX, CS_TIME_MAX); }

static inline int may_hold(const cs_qtree *t, size_t i, uint32_t fit, uint32_t extra, cs_time lim)
{
	uint32_t s = t->min_size[i];
	return s <= fit && (s <= extra || t->min_est[i] <= lim);
}

long cs_qtree_find(const cs_qtree *t, size_t from, uint32_t fit, uint32_t extra, cs_time lim)
{
	return cs_qtree_find_in(t, from, t->leaves, fit, extra, lim);
}

long cs_qtree_find_in(const cs_qtree *t, size_t from, size_t to, uint32_t fit, uint32_t extra, cs_time lim)
{
	size_t nl = t->leaves;
	to = to < nl ? to : nl;
	if (from >= to || !may_hold(t, 1, fit, extra, lim))
		return -1;
	/* Left to right from leaf `from`: node i covers [i * span - nl, (i + 1)
	 * * span - nl). Past a node, on to the one right after its range (up
	 * while it is a right child, then its sibling); a node that may hold a
	 * match is gone down into, left child first, back to the climb when
	 * neither child may (may_hold is a bound: exact at a leaf only). */
	size_t i = from + nl, span = 1;
	if (may_hold(t, i, fit, extra, lim))
		return (long)from;
	for (;;) {
		while (i & 1) {
			i >>= 1;
			span <<= 1;
		}
		if (!i)
			return -1; /* past the root */
		i++;
		if (i * span - nl >= to)
			return -1;
		int ok = may_hold(t, i, fit, extra, lim);
		while (ok && span > 1) {
			i *= 2;
			span >>= 1;
			if (!may_hold(t, i, fit, extra, lim)) {
				i++;
				if (i * span - nl >= to)
					return -1;
				ok = may_hold(t, i, fit, extra, lim);
			}
		}
		if (ok)
			return (long)(i - nl);
	}
}

typedef struct est_key {
	cs_time est;
	uint32_t jid;
} est_key;

static int by_estimate(const void *a, const void *b)
{
	const est_key *x = a, *y = b;
	if (x->est != y->est)
		return x->est < y->est ? -1 : 1;
	return x->jid < y->jid ? -1 : x->jid > y->jid;
}

int cs_rank_by_estimate(const cs_job *jobs, size_t n, uint32_t *at)
{
	est_key *k = malloc((n ? n : 1) * sizeof *k);
	if (!k)
		return -CS_ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		k[i] = (est_key){ jobs[i].estimate_s, i };
	qsort(k, n, sizeof *k, by_estimate);
	for (uint32_t i = 0; i < n; i++)
		at[i] = k[i].jid;
	free(k);
	return 0;
}
