/* capsim: Slurm's Fair Tree fair-share factor (see capsim/fairtree.h). */
#include "capsim/fairtree.h"

#include <math.h>
#include <stdlib.h>

struct cs_fairtree {
	const cs_account_tree *t;
	double *sum;     /* per node: usage of its subtree */
	double *lfs;     /* per node: Level Fairshare */
	/* ord[child_off[a] .. child_off[a + 1]): a's children sorted by the
	 * last compute; usage moves little between computes, so an insertion
	 * sort from the previous order costs about one scan */
	uint32_t *ord;
	/* The depth-first visit stacks, per level, the sorted list of the
	 * merged children and then the accounts of the run being visited.
	 * Lists at live levels hold distinct nodes and a run's accounts are
	 * part of its list, so 2 x nodes + 1 positions suffice. */
	uint32_t *buf;
	uint32_t *tmp;   /* merge sort scratch, nodes entries */
	uint32_t counter;
};

/* Level Fairshare, highest first, then node order. */
static int before(const cs_fairtree *f, uint32_t x, uint32_t y)
{
	double a = f->lfs[x], b = f->lfs[y];
	return a > b || (a == b && x < y);
}

/* Sort v[0..n) by `before`: bottom-up merge sort through f->tmp (qsort's
 * comparator would need the tree in a global, and runs may be threads). */
static void sort_nodes(cs_fairtree *f, uint32_t *v, size_t n)
{
	uint32_t *a = v, *b = f->tmp;
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				b[k++] = before(f, a[j], a[i]) ? a[j++] : a[i++];
			while (i < mid)
				b[k++] = a[i++];
			while (j < hi)
				b[k++] = a[j++];
		}
		uint32_t *t = a;
		a = b;
		b = t;
	}
	if (a != v)
		for (size_t i = 0; i < n; i++)
			v[i] = a[i];
}

int cs_fairtree_new(cs_fairtree **out, const cs_account_tree *t)
{
	cs_fairtree *f = calloc(1, sizeof *f);
	size_t n = t->nnodes ? t->nnodes : 1;
	if (!f || !(f->sum = malloc(n * sizeof *f->sum)) || !(f->lfs = malloc(n * sizeof *f->lfs)) ||
	    !(f->ord = malloc(n * sizeof *f->ord)) || !(f->buf = malloc((2 * n + 1) * sizeof *f->buf)) ||
	    !(f->tmp = malloc(n * sizeof *f->tmp))) {
		cs_fairtree_free(f);
		return -CS_ENOMEM;
	}
	f->t = t;
	for (uint32_t i = 0; t->nnodes && i < t->child_off[t->nnodes]; i++)
		f->ord[i] = t->child[i];
	*out = f;
	return 0;
}

void cs_fairtree_free(cs_fairtree *f)
{
	if (!f)
		return;
	free(f->sum);
	free(f->lfs);
	free(f->ord);
	free(f->buf);
	free(f->tmp);
	free(f);
}

double cs_fairtree_level_fs(const cs_fairtree *f, uint32_t node) { return f->lfs[node]; }

/* Visit the merged children of the accounts buf[g0 .. g1); their list is
 * built at buf[g1 ..). Within a run of equal Level Fairshare the order
 * does not change the result (its users share a rank, its accounts are
 * merged), so a list already in Level Fairshare order is not sorted. */
static void visit(cs_fairtree *f, size_t g0, size_t g1, double *factor)
{
	const cs_account_tree *t = f->t;
	uint32_t *list = f->buf + g1;
	size_t n = 0;
	for (size_t g = g0; g < g1; g++) {
		uint32_t a = f->buf[g];
		for (uint32_t k = t->child_off[a]; k < t->child_off[a + 1]; k++)
			list[n++] = f->ord[k];
	}
	if (n == 0)
		return;
	for (size_t k = 1; k < n; k++)
		if (f->lfs[list[k]] > f->lfs[list[k - 1]]) { /* merged lists: sort them together */
			sort_nodes(f, list, n);
			break;
		}
	size_t i = 0;
	while (i < n) {
		size_t j = i + 1;
		while (j < n && f->lfs[list[j]] == f->lfs[list[i]])
			j++;
		/* a run of equal Level Fairshare: its users share one rank and
		 * come first, then its accounts are visited together */
		uint32_t rank = f->counter;
		size_t na = 0;
		for (size_t k = i; k < j; k++) {
			uint32_t c = list[k];
			if (t->kind[c] == CS_ACCT_USER) {
				factor[c] = t->share_norm[c] > 0 ? (double)rank / (double)t->nusers : 0;
				f->counter--;
			} else {
				list[n + na++] = c;
			}
		}
		if (na) /* the run's accounts sit past the list; the next list after them */
			visit(f, g1 + n, g1 + n + na, factor);
		i = j;
	}
}

void cs_fairtree_compute(cs_fairtree *f, const double *usage, double *factor)
{
	const cs_account_tree *t = f->t;
	uint32_t n = t->nnodes;
	if (n == 0)
		return;
	for (uint32_t i = 0; i < n; i++)
		f->sum[i] = t->kind[i] == CS_ACCT_USER ? usage[i] : 0;
	for (uint32_t i = n - 1; i > 0; i--)
		f->sum[t->parent[i]] += f->sum[i];
	f->lfs[0] = INFINITY;
	for (uint32_t i = 1; i < n; i++) {
		double s = t->share_level[i], up = f->sum[t->parent[i]];
		if (!(s > 0))
			f->lfs[i] = 0;
		else if (!(up > 0) || !(f->sum[i] > 0))
			f->lfs[i] = INFINITY;
		else
			f->lfs[i] = s / (f->sum[i] / up);
	}
	/* each account's children, insertion-sorted from the last order */
	for (uint32_t a = 0; a < n; a++) {
		uint32_t lo = t->child_off[a], hi = t->child_off[a + 1];
		for (uint32_t k = lo + 1; k < hi; k++) {
			uint32_t c = f->ord[k], m = k;
			while (m > lo && before(f, c, f->ord[m - 1])) {
				f->ord[m] = f->ord[m - 1];
				m--;
			}
			f->ord[m] = c;
		}
	}
	f->counter = t->nusers;
	f->buf[0] = 0;
	visit(f, 0, 1, factor);
}
