/* capsim: Slurm's Fair Tree fair-share factor (see capsim/fairtree.h). */
#include "capsim/fairtree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* What a computation reads and writes of a node, in one record (32 bytes:
 * an update touches a few thousand nodes spread over the tree, and
 * between updates the simulation evicts them: one line a node). */
typedef struct ftnode {
	double lfs;      /* Level Fairshare */
	double sum;      /* usage of its subtree */
	double sh;       /* its share_level */
	uint32_t before; /* see below */
	uint32_t nbelow; /* the users in its subtree */
} ftnode;

enum { F_USER = 1, F_DIRTY = 2, F_AVALID = 4, F_LEAF = 8, F_RVALID = 16 };

struct cs_fairtree {
	const cs_account_tree *t;
	ftnode *n;
	/* per node: F_USER; F_DIRTY, some usage below it changed in this
	 * compute; F_AVALID (an account), the befores below it are relative
	 * to its own visit alone; F_LEAF, an account whose children are all
	 * users (at least one); F_RVALID (an account), the befores below it
	 * are relative to the merged list of the run `run` says */
	uint8_t *fl;
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
	/* Between computes only the users with running jobs gain usage, so
	 * most subtrees are as they were. Ranks are kept relative: a node's
	 * `before` counts the users ranked ahead of it within the list it is
	 * visited in (its parent's children, or a merged list of cousins; an
	 * account's includes the users of its own run, who come first), so
	 * a user's rank is nusers minus the befores on its path to the root.
	 * An account visited alone whose subtree's usage did not change keeps
	 * every before below it whatever its own place: it is skipped. */
	double *prev;    /* per user: usage at the last compute (NaN: none yet) */
	int sorted;      /* every account's children were sorted once */
	uint32_t *dlist; /* the nodes dirty in an update */
	uint32_t *depth;    /* per node: 0 for the root */
	uint32_t maxdepth;
	uint32_t *dcount;   /* per depth (maxdepth + 2): the dirty nodes' counting sort */
	/* per account with F_RVALID: the run of several accounts of equal
	 * Level Fairshare it was last visited in, one id a visit of a run
	 * (from 1), and the run's length. A run of the same accounts none of
	 * which had usage change below keeps every before below them: the
	 * merged visit would find the same lists in the same order. */
	struct run { uint64_t id; uint32_t len; } *run;
	uint64_t nruns;     /* runs visited so far */
	uint64_t gen;       /* computations that moved something, from 1 */
	uint64_t *fstamp;   /* per user: the gen of fcache */
	double *fcache;     /* per user: its factor, worked out from the befores once a gen */
};

/* Level Fairshare, highest first, then node order. */
static int before(const cs_fairtree *f, uint32_t x, uint32_t y)
{
	double a = f->n[x].lfs, b = f->n[y].lfs;
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
	if (!f || !(f->n = calloc(n, sizeof *f->n)) || !(f->fl = calloc(n, sizeof *f->fl)) ||
	    !(f->ord = malloc(n * sizeof *f->ord)) || !(f->buf = malloc((2 * n + 1) * sizeof *f->buf)) ||
	    !(f->tmp = malloc(n * sizeof *f->tmp)) || !(f->prev = malloc(n * sizeof *f->prev)) ||
	    !(f->dlist = malloc(n * sizeof *f->dlist)) || !(f->fstamp = calloc(n, sizeof *f->fstamp)) ||
	    !(f->fcache = calloc(n, sizeof *f->fcache)) || !(f->depth = calloc(n, sizeof *f->depth)) ||
	    !(f->run = calloc(n, sizeof *f->run))) {
		cs_fairtree_free(f);
		return -CS_ENOMEM;
	}
	f->t = t;
	for (uint32_t i = 0; t->nnodes && i < t->child_off[t->nnodes]; i++)
		f->ord[i] = t->child[i];
	for (uint32_t a = 0; a < t->nnodes; a++) {
		f->prev[a] = NAN;
		f->n[a].sh = t->share_level[a];
		int leaf = t->kind[a] != CS_ACCT_USER && t->child_off[a + 1] > t->child_off[a];
		for (uint32_t k = t->child_off[a]; leaf && k < t->child_off[a + 1]; k++)
			leaf = t->kind[t->child[k]] == CS_ACCT_USER;
		f->fl[a] = (uint8_t)((t->kind[a] == CS_ACCT_USER ? F_USER : 0) | (leaf ? F_LEAF : 0));
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
		f->n[i].nbelow += t->kind[i] == CS_ACCT_USER;
		if (i)
			f->n[t->parent[i]].nbelow += f->n[i].nbelow;
	}
	*out = f;
	return 0;
}

void cs_fairtree_free(cs_fairtree *f)
{
	if (!f)
		return;
	free(f->n);
	free(f->fl);
	free(f->ord);
	free(f->buf);
	free(f->tmp);
	free(f->prev);
	free(f->dlist);
	free(f->fstamp);
	free(f->fcache);
	free(f->depth);
	free(f->dcount);
	free(f->run);
	free(f);
}

double cs_fairtree_level_fs(const cs_fairtree *f, uint32_t node) { return f->n[node].lfs; }

static int all_leaves(const cs_fairtree *f, const uint32_t *a, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!(f->fl[a[k]] & F_LEAF))
			return 0;
	return 1;
}

/* Were the accounts a[0 .. n) (n > 1) visited last as one run, that
 * run's every account, none with usage changed below since? */
static int same_run(const cs_fairtree *f, const uint32_t *a, size_t n)
{
	uint64_t id = f->run[a[0]].id;
	for (size_t k = 0; k < n; k++)
		if ((f->fl[a[k]] & (F_RVALID | F_DIRTY)) != F_RVALID || f->run[a[k]].id != id ||
		    f->run[a[k]].len != n)
			return 0;
	return 1;
}

/* The accounts a[0 .. n) were visited as one run: the befores below them
 * are the run's. */
static void mark_run(cs_fairtree *f, const uint32_t *a, size_t n)
{
	uint64_t id = ++f->nruns;
	for (size_t k = 0; k < n; k++) {
		f->fl[a[k]] = (uint8_t)((f->fl[a[k]] & ~F_AVALID) | F_RVALID);
		f->run[a[k]] = (struct run){ id, (uint32_t)n };
	}
}

static uint32_t visit(cs_fairtree *f, const uint32_t *list, size_t n, size_t top, uint32_t cnt);

/* Visit the children of the accounts acc[0 .. na) (at buf[top - na ..
 * top)) merged: their list, built at buf[top ..), sorted together unless
 * it is in Level Fairshare order already. */
static uint32_t visit_merged(cs_fairtree *f, const uint32_t *acc, size_t na, size_t top, uint32_t cnt)
{
	const cs_account_tree *t = f->t;
	uint32_t *list = f->buf + top;
	size_t n = 0;
	for (size_t g = 0; g < na; g++)
		for (uint32_t k = t->child_off[acc[g]]; k < t->child_off[acc[g] + 1]; k++)
			list[n++] = f->ord[k];
	for (size_t k = 1; k < n; k++)
		if (f->n[list[k]].lfs > f->n[list[k - 1]].lfs) {
			sort_nodes(f, list, n);
			break;
		}
	return visit(f, list, n, top + n, cnt);
}

/* Visit list[0 .. n), siblings or merged cousins in Level Fairshare
 * order (buf[top ..) free for scratch), the first rank cnt (the count
 * goes down by one a user; returned where it ends), setting each one's
 * before from the rank the list starts at. Within a run of equal Level
 * Fairshare the order does not change the result (its users share a
 * rank, its accounts are merged). One account's children need no list:
 * its order (ord) is sorted whenever its Level Fairshares moved. */
static uint32_t visit(cs_fairtree *f, const uint32_t *list, size_t n, size_t top, uint32_t cnt)
{
	const cs_account_tree *t = f->t;
	ftnode *N = f->n;
	uint8_t *fl = f->fl;
	uint32_t *acc = f->buf + top; /* a run's accounts */
	uint32_t ltop = cnt;
	size_t i = 0;
	while (i < n) {
		double l = N[list[i]].lfs;
		if (i + 1 == n || N[list[i + 1]].lfs != l) {
			/* a run of one, the most common: a user, or an
			 * account visited alone (as below) */
			uint32_t c = list[i++];
			N[c].before = ltop - cnt;
			if (fl[c] & F_USER) {
				cnt--;
			} else if ((fl[c] & (F_AVALID | F_DIRTY)) == F_AVALID) {
				cnt -= N[c].nbelow;
			} else {
				cnt = visit(f, f->ord + t->child_off[c], t->child_off[c + 1] - t->child_off[c], top + 1, cnt);
				fl[c] = (uint8_t)((fl[c] & ~F_RVALID) | F_AVALID);
			}
			continue;
		}
		size_t j = i + 2;
		while (j < n && N[list[j]].lfs == l)
			j++;
		/* a run of equal Level Fairshare: its users share one rank and
		 * come first, then its accounts are visited together */
		uint32_t rank = ltop - cnt; /* the users ahead of the run */
		size_t na = 0;
		for (size_t k = i; k < j; k++) {
			uint32_t c = list[k];
			if (fl[c] & F_USER) {
				N[c].before = rank;
				cnt--;
			} else {
				acc[na++] = c;
			}
		}
		uint32_t off = ltop - cnt;
		if (na == 1) {
			/* an account visited alone: the befores below it depend
			 * only on its subtree, so with no usage below it changed
			 * they stand wherever it ranks */
			uint32_t a = acc[0];
			N[a].before = off;
			if ((fl[a] & (F_AVALID | F_DIRTY)) == F_AVALID) {
				cnt -= N[a].nbelow;
			} else {
				cnt = visit(f, f->ord + t->child_off[a], t->child_off[a + 1] - t->child_off[a], top + 1, cnt);
				fl[a] = (uint8_t)((fl[a] & ~F_RVALID) | F_AVALID);
			}
		} else if (na > 1 && same_run(f, acc, na)) {
			/* the run of last time, nothing changed below it: the
			 * befores below stand */
			for (size_t k = 0; k < na; k++) {
				N[acc[k]].before = off;
				cnt -= N[acc[k]].nbelow;
			}
		} else if (na > 1 && l == INFINITY && all_leaves(f, acc, na)) {
			/* accounts without usage: every user with shares is
			 * infinite, one run sharing the first rank (a user
			 * without shares gets 0 whatever its rank) */
			for (size_t k = 0; k < na; k++) {
				uint32_t a = acc[k];
				N[a].before = off;
				for (uint32_t m = t->child_off[a]; m < t->child_off[a + 1]; m++)
					N[t->child[m]].before = 0;
				cnt -= t->child_off[a + 1] - t->child_off[a];
			}
			mark_run(f, acc, na);
		} else if (na) {
			for (size_t k = 0; k < na; k++)
				N[acc[k]].before = off;
			mark_run(f, acc, na);
			cnt = visit_merged(f, acc, na, top + na, cnt);
		}
		i = j;
	}
	return cnt;
}

/* The root's children, from the first rank down; the factors move. */
static void visit_root(cs_fairtree *f)
{
	const cs_account_tree *t = f->t;
	visit(f, f->ord + t->child_off[0], t->child_off[1] - t->child_off[0], 0, t->nusers);
	f->gen++;
}

double cs_fairtree_factor(cs_fairtree *f, uint32_t u)
{
	if (f->fstamp[u] != f->gen) {
		const cs_account_tree *t = f->t;
		uint32_t rank = t->nusers;
		for (int32_t x = (int32_t)u; x > 0; x = t->parent[x])
			rank -= f->n[x].before;
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

/* Level Fairshare of a node whose parent's usage is up. */
static inline double lfs_at(const ftnode *x, double up)
{
	if (!(x->sh > 0))
		return 0;
	if (!(up > 0) || !(x->sum > 0))
		return INFINITY;
	return x->sh / (x->sum / up);
}

/* a's children's Level Fairshares (its usage moved), and their order
 * insertion-sorted from the last when it no longer holds. */
static void refresh_children(cs_fairtree *f, uint32_t a)
{
	const cs_account_tree *t = f->t;
	ftnode *N = f->n;
	uint32_t lo = t->child_off[a], hi = t->child_off[a + 1];
	double up = N[a].sum;
	if (lo == hi)
		return;
	uint32_t lastc = f->ord[lo];
	double last = N[lastc].lfs = lfs_at(&N[lastc], up);
	int sorted = 1;
	for (uint32_t k = lo + 1; k < hi; k++) {
		uint32_t c = f->ord[k];
		double l = N[c].lfs = lfs_at(&N[c], up);
		sorted &= l < last || (l == last && lastc < c);
		last = l;
		lastc = c;
	}
	for (uint32_t k = lo + 1; !sorted && k < hi; k++) {
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
	ftnode *N = f->n;
	if (!changed || !f->sorted) {
		cs_fairtree_compute(f, usage, factor);
		return;
	}
	/* the users whose usage changed, and their ancestors */
	size_t nd = 0;
	for (size_t k = 0; k < nch; k++) {
		uint32_t u = changed[k];
		if (u >= t->nnodes || !(f->fl[u] & F_USER) || f->prev[u] == usage[u])
			continue;
		f->prev[u] = N[u].sum = usage[u];
		for (int32_t x = (int32_t)u; x >= 0 && !(f->fl[x] & F_DIRTY); x = t->parent[x]) {
			f->fl[x] |= F_DIRTY;
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
		if (f->fl[a] & F_USER)
			continue;
		double sum = 0;
		for (uint32_t m = t->child_off[a + 1]; m-- > t->child_off[a];)
			sum += N[t->child[m]].sum;
		N[a].sum = sum;
	}
	/* the Level Fairshares of every child of a dirty account (its usage
	 * moved; every dirty node but the root is one) and their orders */
	for (size_t k = 0; k < nd; k++)
		if (!(f->fl[f->dlist[k]] & F_USER))
			refresh_children(f, f->dlist[k]);
	visit_root(f);
	write_factors(f, factor);
	for (size_t k = 0; k < nd; k++)
		f->fl[f->dlist[k]] &= (uint8_t)~F_DIRTY;
}

void cs_fairtree_compute(cs_fairtree *f, const double *usage, double *factor)
{
	const cs_account_tree *t = f->t;
	ftnode *N = f->n;
	uint32_t n = t->nnodes;
	if (n == 0)
		return;
	for (uint32_t i = 0; i < n; i++) {
		int dirty = !f->sorted;
		N[i].sum = 0;
		if (f->fl[i] & F_USER) {
			N[i].sum = usage[i];
			if (!(f->prev[i] == usage[i])) { /* NaN the first time */
				f->prev[i] = usage[i];
				dirty = 1;
			}
		}
		/* every befores below to be worked out again */
		f->fl[i] = (uint8_t)((f->fl[i] & (F_USER | F_LEAF)) | (dirty ? F_DIRTY : 0));
	}
	for (uint32_t i = n - 1; i > 0; i--) {
		N[t->parent[i]].sum += N[i].sum;
		f->fl[t->parent[i]] |= f->fl[i] & F_DIRTY;
	}
	f->sorted = 1;
	N[0].lfs = INFINITY;
	/* each account's children, insertion-sorted from the last order
	 * (unchanged where no usage below it is) */
	for (uint32_t a = 0; a < n; a++)
		if (!(f->fl[a] & F_USER)) {
			if (f->fl[a] & F_DIRTY) {
				refresh_children(f, a);
			} else {
				for (uint32_t m = t->child_off[a]; m < t->child_off[a + 1]; m++)
					N[t->child[m]].lfs = lfs_at(&N[t->child[m]], N[a].sum);
			}
		}
	visit_root(f);
	write_factors(f, factor);
	for (uint32_t i = 0; i < n; i++)
		f->fl[i] &= (uint8_t)~F_DIRTY;
}
