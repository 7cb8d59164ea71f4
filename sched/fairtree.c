/* capsim: Slurm's Fair Tree fair-share factor (see capsim/fairtree.h). */
#include "capsim/fairtree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
	/* Between computes only the users with running jobs gain usage, so
	 * most subtrees are as they were. Ranks are kept relative: a node's
	 * `before` counts the users ranked ahead of it within the list it is
	 * visited in (its parent's children, or a merged list of cousins; an
	 * account's includes the users of its own run, who come first), so
	 * a user's rank is nusers minus the befores on its path to the root.
	 * An account visited alone whose subtree's usage did not change keeps
	 * every before below it whatever its own place: it is skipped. */
	double *prev;    /* per user: usage at the last compute (NaN: none yet) */
	uint8_t *dirty;  /* per node: some usage below it changed in this compute */
	uint8_t *avalid; /* per account: the befores below it are relative to its own visit alone */
	uint32_t *before; /* per node: see above */
	uint8_t *leaf;   /* per node: an account whose children are all users (at least one) */
	int sorted;      /* every account's children were sorted once */
	uint32_t *dlist; /* the nodes dirty in an update */
	uint32_t *nbelow;   /* per node: the users in its subtree */
	uint32_t *depth;    /* per node: 0 for the root */
	uint32_t maxdepth;
	uint32_t *dcount;   /* per depth (maxdepth + 2): the dirty nodes' counting sort */
	uint64_t gen;       /* computations that moved something, from 1 */
	uint64_t *fstamp;   /* per user: the gen of fcache */
	double *fcache;     /* per user: its factor, worked out from the befores once a gen */
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
	    !(f->tmp = malloc(n * sizeof *f->tmp)) || !(f->prev = malloc(n * sizeof *f->prev)) ||
	    !(f->dirty = calloc(n, sizeof *f->dirty)) || !(f->avalid = calloc(n, sizeof *f->avalid)) ||
	    !(f->before = calloc(n, sizeof *f->before)) || !(f->dlist = malloc(n * sizeof *f->dlist)) ||
	    !(f->fstamp = calloc(n, sizeof *f->fstamp)) || !(f->fcache = calloc(n, sizeof *f->fcache)) ||
	    !(f->nbelow = calloc(n, sizeof *f->nbelow)) ||
	    !(f->depth = calloc(n, sizeof *f->depth)) ||
	    !(f->leaf = calloc(n, sizeof *f->leaf))) {
		cs_fairtree_free(f);
		return -CS_ENOMEM;
	}
	f->t = t;
	for (uint32_t i = 0; t->nnodes && i < t->child_off[t->nnodes]; i++)
		f->ord[i] = t->child[i];
	for (uint32_t a = 0; a < t->nnodes; a++) {
		f->prev[a] = NAN;
		int leaf = t->kind[a] != CS_ACCT_USER && t->child_off[a + 1] > t->child_off[a];
		for (uint32_t k = t->child_off[a]; leaf && k < t->child_off[a + 1]; k++)
			leaf = t->kind[t->child[k]] == CS_ACCT_USER;
		f->leaf[a] = (uint8_t)leaf;
	}
	for (uint32_t i = 1; i < t->nnodes; i++) { /* parents before their children */
		f->depth[i] = f->depth[t->parent[i]] + 1;
		f->maxdepth = f->depth[i] > f->maxdepth ? f->depth[i] : f->maxdepth;
	}
	if (!(f->dcount = calloc((size_t)f->maxdepth + 2, sizeof *f->dcount))) {
		cs_fairtree_free(f);
		return -CS_ENOMEM;
	}
	for (uint32_t i = t->nnodes; i-- > 0;) { /* children after their parent */
		f->nbelow[i] += t->kind[i] == CS_ACCT_USER;
		if (i)
			f->nbelow[t->parent[i]] += f->nbelow[i];
	}
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
	free(f->prev);
	free(f->dirty);
	free(f->dlist);
	free(f->fstamp);
	free(f->fcache);
	free(f->nbelow);
	free(f->depth);
	free(f->dcount);
	free(f->avalid);
	free(f->before);
	free(f->leaf);
	free(f);
}

double cs_fairtree_level_fs(const cs_fairtree *f, uint32_t node) { return f->lfs[node]; }

static int all_leaves(const cs_fairtree *f, const uint32_t *a, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!f->leaf[a[k]])
			return 0;
	return 1;
}

static void visit(cs_fairtree *f, const uint32_t *list, size_t n, size_t top);

/* Visit the children of the accounts acc[0 .. na) (at buf[top - na ..
 * top)) merged: their list, built at buf[top ..), sorted together unless
 * it is in Level Fairshare order already. */
static void visit_merged(cs_fairtree *f, const uint32_t *acc, size_t na, size_t top)
{
	const cs_account_tree *t = f->t;
	uint32_t *list = f->buf + top;
	size_t n = 0;
	for (size_t g = 0; g < na; g++)
		for (uint32_t k = t->child_off[acc[g]]; k < t->child_off[acc[g] + 1]; k++)
			list[n++] = f->ord[k];
	for (size_t k = 1; k < n; k++)
		if (f->lfs[list[k]] > f->lfs[list[k - 1]]) {
			sort_nodes(f, list, n);
			break;
		}
	visit(f, list, n, top + n);
}

/* Visit list[0 .. n), siblings or merged cousins in Level Fairshare
 * order (buf[top ..) free for scratch), setting each one's before from
 * the rank the list starts at. Within a run of equal Level Fairshare the
 * order does not change the result (its users share a rank, its accounts
 * are merged). One account's children need no list: its order (ord) is
 * sorted whenever its Level Fairshares moved. */
static void visit(cs_fairtree *f, const uint32_t *list, size_t n, size_t top)
{
	const cs_account_tree *t = f->t;
	uint32_t *acc = f->buf + top; /* a run's accounts */
	uint32_t ltop = f->counter;
	size_t i = 0;
	while (i < n) {
		size_t j = i + 1;
		while (j < n && f->lfs[list[j]] == f->lfs[list[i]])
			j++;
		/* a run of equal Level Fairshare: its users share one rank and
		 * come first, then its accounts are visited together */
		uint32_t rank = ltop - f->counter; /* the users ahead of the run */
		size_t na = 0;
		for (size_t k = i; k < j; k++) {
			uint32_t c = list[k];
			if (t->kind[c] == CS_ACCT_USER) {
				f->before[c] = rank;
				f->counter--;
			} else {
				acc[na++] = c;
			}
		}
		uint32_t off = ltop - f->counter;
		if (na == 1) {
			/* an account visited alone: the befores below it depend
			 * only on its subtree, so with no usage below it changed
			 * they stand wherever it ranks */
			uint32_t a = acc[0];
			f->before[a] = off;
			if (f->avalid[a] && !f->dirty[a]) {
				f->counter -= f->nbelow[a];
			} else {
				visit(f, f->ord + t->child_off[a], t->child_off[a + 1] - t->child_off[a], top + 1);
				f->avalid[a] = 1;
			}
		} else if (na > 1 && f->lfs[list[i]] == INFINITY && all_leaves(f, acc, na)) {
			/* accounts without usage: every user with shares is
			 * infinite, one run sharing the first rank (a user
			 * without shares gets 0 whatever its rank) */
			for (size_t k = 0; k < na; k++) {
				uint32_t a = acc[k];
				f->before[a] = off;
				f->avalid[a] = 0;
				for (uint32_t m = t->child_off[a]; m < t->child_off[a + 1]; m++)
					f->before[t->child[m]] = 0;
				f->counter -= t->child_off[a + 1] - t->child_off[a];
			}
		} else if (na) {
			for (size_t k = 0; k < na; k++) {
				f->before[acc[k]] = off;
				f->avalid[acc[k]] = 0;
			}
			visit_merged(f, acc, na, top + na);
		}
		i = j;
	}
}

/* The root's children, from the first rank down; the factors move. */
static void visit_root(cs_fairtree *f)
{
	const cs_account_tree *t = f->t;
	f->counter = t->nusers;
	visit(f, f->ord + t->child_off[0], t->child_off[1] - t->child_off[0], 0);
	f->gen++;
}

double cs_fairtree_factor(cs_fairtree *f, uint32_t u)
{
	if (f->fstamp[u] != f->gen) {
		const cs_account_tree *t = f->t;
		uint32_t rank = t->nusers;
		for (int32_t x = (int32_t)u; x > 0; x = t->parent[x])
			rank -= f->before[x];
		f->fcache[u] = t->share_norm[u] > 0 ? (double)rank / (double)t->nusers : 0;
		f->fstamp[u] = f->gen;
	}
	return f->fcache[u];
}

/* Every user's factor into factor[], if asked for. */
static void write_factors(cs_fairtree *f, double *factor)
{
	const cs_account_tree *t = f->t;
	for (uint32_t u = 0; factor && u < t->nnodes; u++)
		if (t->kind[u] == CS_ACCT_USER)
			factor[u] = cs_fairtree_factor(f, u);
}

static void lfs_of(cs_fairtree *f, uint32_t i)
{
	const cs_account_tree *t = f->t;
	double sh = t->share_level[i], up = f->sum[t->parent[i]];
	if (!(sh > 0))
		f->lfs[i] = 0;
	else if (!(up > 0) || !(f->sum[i] > 0))
		f->lfs[i] = INFINITY;
	else
		f->lfs[i] = sh / (f->sum[i] / up);
}

static void sort_children(cs_fairtree *f, uint32_t a)
{
	const cs_account_tree *t = f->t;
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

/* The dirty nodes deepest first (a counting sort by depth into tmp, then
 * back): every node after its children, as the sums bottom-up need. */
static void deepest_first(cs_fairtree *f, uint32_t *v, size_t n)
{
	uint32_t D = f->maxdepth;
	memset(f->dcount, 0, ((size_t)D + 2) * sizeof *f->dcount);
	for (size_t k = 0; k < n; k++)
		f->dcount[D - f->depth[v[k]] + 1]++;
	for (uint32_t d = 1; d <= D + 1; d++)
		f->dcount[d] += f->dcount[d - 1];
	for (size_t k = 0; k < n; k++)
		f->tmp[f->dcount[D - f->depth[v[k]]]++] = v[k];
	memcpy(v, f->tmp, n * sizeof *v);
}

void cs_fairtree_update(cs_fairtree *f, const double *usage, double *factor, const uint32_t *changed, size_t nch)
{
	const cs_account_tree *t = f->t;
	if (!changed || !f->sorted) {
		cs_fairtree_compute(f, usage, factor);
		return;
	}
	/* the users whose usage changed, and their ancestors */
	size_t nd = 0;
	for (size_t k = 0; k < nch; k++) {
		uint32_t u = changed[k];
		if (u >= t->nnodes || t->kind[u] != CS_ACCT_USER || f->prev[u] == usage[u])
			continue;
		f->prev[u] = f->sum[u] = usage[u];
		for (int32_t x = (int32_t)u; x >= 0 && !f->dirty[x]; x = t->parent[x]) {
			f->dirty[x] = 1;
			f->dlist[nd++] = (uint32_t)x;
		}
	}
	if (nd == 0)
		return; /* nothing moved: the factors stand */
	/* sums bottom-up, each adding its children from the last as the full
	 * compute does, so every sum is the same double (each account's sum
	 * after its children's: by depth) */
	deepest_first(f, f->dlist, nd);
	for (size_t k = 0; k < nd; k++) {
		uint32_t a = f->dlist[k];
		if (t->kind[a] == CS_ACCT_USER)
			continue;
		double sum = 0;
		for (uint32_t m = t->child_off[a + 1]; m-- > t->child_off[a];)
			sum += f->sum[t->child[m]];
		f->sum[a] = sum;
	}
	/* Level Fairshare of the dirty nodes and of every child of a dirty
	 * account (its parent's sum moved) */
	for (size_t k = 0; k < nd; k++) {
		uint32_t a = f->dlist[k];
		if (a)
			lfs_of(f, a);
		for (uint32_t m = t->child_off[a]; m < t->child_off[a + 1]; m++)
			if (!f->dirty[t->child[m]])
				lfs_of(f, t->child[m]);
	}
	for (size_t k = 0; k < nd; k++)
		if (t->kind[f->dlist[k]] != CS_ACCT_USER)
			sort_children(f, f->dlist[k]);
	visit_root(f);
	write_factors(f, factor);
	for (size_t k = 0; k < nd; k++)
		f->dirty[f->dlist[k]] = 0;
}

void cs_fairtree_compute(cs_fairtree *f, const double *usage, double *factor)
{
	const cs_account_tree *t = f->t;
	uint32_t n = t->nnodes;
	if (n == 0)
		return;
	for (uint32_t i = 0; i < n; i++) {
		f->dirty[i] = !f->sorted;
		f->sum[i] = 0;
		if (t->kind[i] == CS_ACCT_USER) {
			f->sum[i] = usage[i];
			if (!(f->prev[i] == usage[i])) { /* NaN the first time */
				f->prev[i] = usage[i];
				f->dirty[i] = 1;
			}
		}
	}
	for (uint32_t i = n - 1; i > 0; i--) {
		f->sum[t->parent[i]] += f->sum[i];
		f->dirty[t->parent[i]] |= f->dirty[i];
	}
	f->sorted = 1;
	f->lfs[0] = INFINITY;
	for (uint32_t i = 1; i < n; i++)
		lfs_of(f, i);
	/* each account's children, insertion-sorted from the last order
	 * (unchanged where no usage below it is) */
	for (uint32_t a = 0; a < n; a++)
		if (f->dirty[a] && t->kind[a] != CS_ACCT_USER)
			sort_children(f, a);
	memset(f->avalid, 0, n * sizeof *f->avalid);
	visit_root(f);
	write_factors(f, factor);
	for (uint32_t i = 0; i < n; i++)
		f->dirty[i] = 0;
}
