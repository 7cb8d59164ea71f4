/* capsim: Slurm's Fair Tree fair-share factor (see capsim/fairtree.h). */
#include "capsim/fairtree.h"
#include "isort.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* What a computation reads and writes of a node, in one record of one
 * cache line (an update touches a few thousand nodes spread over the
 * tree, and between updates the simulation evicts them: an update reads,
 * of a user it moves, its usage, flags, parent and slot, and of that
 * parent its flags, depth and dirty list, all in the two records). */
typedef struct ftnode {
	/* its shares over its usage, sh / sum (see order_holds); a dirty
	 * node's is worked out when its parent's children are put in order
	 * (refresh_children), not by each update that moves its usage: of
	 * the q's the updates of a site's year moved, a read needed 2 in 5 */
	double q;
	double sum;      /* usage of its subtree */
	double sh;       /* its share_level */
	uint32_t before; /* see below */
	uint32_t nbelow; /* the users in its subtree */
	int32_t parent;  /* -1: the root */
	uint32_t slot;   /* its place in the tree's child array (the root: 0) */
	/* the next in its parent's dirty list, and (but the root) its place
	 * in ord (see dhead, pos) */
	uint32_t next, pos;
	/* an account dirty in an update: its first dirty child (its dirty
	 * children, a list through next; NONE ends it; a node not dirty has
	 * none to read) */
	uint32_t dhead;
	/* its children's places in ord and csum, [clo, chi) (the tree's
	 * child_off[x] and child_off[x + 1], read here with the rest) */
	uint32_t clo, chi;
	uint16_t depth;  /* 0 for the root; DEEP, at least DEEP (see deep) */
	uint8_t fl;      /* F_USER, ... (see cs_fairtree) */
	uint8_t pf;      /* P_VISIT, P_SUM (see cs_fairtree) */
} __attribute__((aligned(64))) ftnode;

_Static_assert(sizeof(ftnode) == 64, "an ftnode is one cache line");

/* A node's read record (cs_fairtree's rd). */
struct fread {
	uint64_t stamp;
	double factor;
	uint32_t rank, pos;
} __attribute__((aligned(32)));

_Static_assert(sizeof(struct fread) == 32, "a read record is half a line");

/* PREFETCH. On 30 days of the default site at 10x (32,300 accounts and
 * users, 2 MB of records) the records an update or a read of the order
 * touches are rarely in cache, and the loops that walk them (the users
 * changed, the accounts to sum, a dirty list, a visited list) would take
 * one miss after another: each asks for the record a few steps on
 * (__builtin_prefetch), so that the misses overlap. A hint: no result
 * changes (docs/performance.md, step 127). */

enum { F_USER = 1, F_DIRTY = 2, F_AVALID = 4, F_LEAF = 8, F_RVALID = 16, F_KEPT = 32, F_RANGE = 64, F_MOVE = 128 };

/* What tie[k] says of ord[k] and ord[k + 1]: T_TIE, their Level
 * Fairshares are equal (a run); T_HOLDS, order_holds for their q's; and
 * in refresh_children's nt[k] only, T_IN: ord[k] still ranks ahead */
enum { T_TIE = 1, T_HOLDS = 2, T_IN = 4 };

enum { NONE = UINT32_MAX, DEEP = UINT16_MAX };

enum { P_VISIT = 1, P_SUM = 2, P_LOUD = 4 };

struct cs_fairtree {
	const cs_account_tree *t;
	ftnode *n;       /* per node (one line each: aligned_alloc) */
	/* n[x].fl, per node: F_USER; F_DIRTY, some usage below it changed in this
	 * compute; F_AVALID (an account), the befores below it are relative
	 * to its own visit alone; F_LEAF, an account whose children are all
	 * users (at least one); F_RVALID (an account), the befores below it
	 * are relative to the merged list of the run `run` says; F_KEPT (a
	 * dirty account), this update left its children's order and ties
	 * as they were, and none of its dirty children ties a neighbour;
	 * F_RANGE (a dirty account), this update moved only its children in
	 * the spans of places its span list says, none at either end of a
	 * span ties its outer neighbour, before or after the update, and the
	 * child ahead of a span ties none (a dirty child in no span stays
	 * and ties none, before or after: ins NONE); F_MOVE, within relocate: a dirty
	 * child that may move (the others stay between their neighbours) */
	/* ord[child_off[a] .. child_off[a + 1]): a's children sorted by the
	 * last compute; usage moves little between computes, so an insertion
	 * sort from the previous order costs about one scan */
	uint32_t *ord;
	uint8_t *tie;     /* per place of ord: T_TIE, T_HOLDS of it and the next */
	uint32_t *nfrag;  /* per account: places of its list without T_HOLDS */
	/* per account with F_RANGE: the first place of its first span; per
	 * place starting a span ord[s .. send[s]), the next one's start
	 * (NONE ends); spans are in order, apart */
	uint32_t *sfirst, *send, *snext;
	/* relocate's, per dirty child: the place of the first child not
	 * moving that it goes before (one that stays: the next place; NONE,
	 * one that stays in no span, read by visit_alone with F_RANGE) */
	uint32_t *ins;
	/* per place of the tree's child array: that child's sum (csum[n[x].slot]
	 * is n[x].sum), so an account's sum reads its children's in a row
	 * (4 more: an update's sum compares against a place 4 on) */
	double *csum;
	/* per node: its Level Fairshare where a sort worked it out (an
	 * update works out only those it compares: refresh_children) */
	double *lfs;
	/* The depth-first visit stacks, per level, the sorted list of the
	 * merged children and then the accounts of the run being visited.
	 * Lists at live levels hold distinct nodes and a run's accounts are
	 * part of its list, so 2 x nodes + 1 positions suffice. */
	uint32_t *buf;
	uint8_t *tbuf;   /* the ties of the merged lists in buf, at the same places (the same) */
	uint32_t *tmp;   /* merge sort scratch, nodes entries (and relocate's, between sorts) */
	/* Between computes only the users with running jobs gain usage, so
	 * most subtrees are as they were. Ranks are kept relative: a node's
	 * `before` counts the users ranked ahead of it within the list it is
	 * visited in (its parent's children, or a merged list of cousins; an
	 * account's includes the users of its own run, who come first), so
	 * a user's rank is nusers minus the befores on its path to the root.
	 * An account visited alone whose subtree's usage did not change keeps
	 * every before below it whatever its own place: it is skipped. */
	int sorted;      /* every account's children were sorted once */
	uint32_t *dlist; /* the accounts an update works out the sums of */
	uint32_t maxdepth;
	uint32_t *deep;     /* per node, if maxdepth >= DEEP: its depth (else NULL) */
	/* per depth: where its accounts go in dlist as an update marks
	 * them (the deepest depth's place first; room for every node of each
	 * depth), and the next free place there */
	uint32_t *doff, *dfill;
	/* per account with F_RVALID: the run of several accounts of equal
	 * Level Fairshare it was last visited in, one id a visit of a run
	 * (from 1), and the run's length. A run of the same accounts none of
	 * which had usage change below keeps every before below them: the
	 * merged visit would find the same lists in the same order. */
	struct run { uint64_t id; uint32_t len; } *run;
	uint64_t nruns;     /* runs visited so far */
	uint64_t gen;       /* computations that moved something, from 1 */
	/* Whether an update may keep the order of the children whose usage
	 * did not change (refresh_children): every share_level is 0 or in
	 * [2^-100, 2^100] (shares_ok), every usage seen since the last
	 * compute was >= 0 and finite (wild: not), and minpos is at most
	 * every user's positive usage */
	int shares_ok, wild;
	double minpos;
	/* n[x].pf. The befores below an account are worked out when a factor below it
	 * is first read (cs_fairtree_factor), as are its children's order
	 * and ties if some child's usage moved: an update works out only the
	 * sums, each visit of a list leaves the accounts it would visit alone
	 * P_VISIT, and a read settles the P_VISIT accounts on its path from
	 * the root down (settle). A child stays F_DIRTY, in its parent's
	 * dirty list, from the update that moved its usage to its parent's
	 * refresh_children; those of several updates are refreshed together
	 * (the unchanged children's q, and so T_HOLDS, stand between). The
	 * accounts visited in a run are visited at once (visit: their
	 * children are merged), settled, as every account whose befores
	 * their visit reaches. P_SUM: an ancestor of a user this update
	 * moved (its sum to work out). P_LOUD: a dirty child in loud, within
	 * refresh_children. */
	int fast;           /* fast_ok as the last update left the sums */
	uint32_t *path;     /* cs_fairtree_factor's scratch: a user's ancestors */
	/* refresh_children's scratch, apart from the visit's (a visit
	 * settles accounts as it goes) */
	uint32_t *rbuf;
	uint8_t *rtbuf;
	/* per place next to a dirty child, refresh_children's tie of it and
	 * the next, with T_IN when they are in order */
	uint8_t *nt;
	uint64_t *bits;     /* relocate's, one bit a place: the dirty ones but the quiet */
	/* refresh_children's: the dirty children next to a place its common
	 * case did not decide (check_place), each once (P_LOUD), and those
	 * relocate makes move too (move_too) */
	uint32_t *loud;
	/* per node, what a factor read keeps (cs_fairtree_factor), in one
	 * record (half a line: a read takes the user's and its parent's):
	 * stamp, the gen of factor (a user) or rank (an account); a user's
	 * factor, worked out from the befores once a gen; an account's rank
	 * once read through (settled) since the computation stamp says:
	 * nusers minus the befores on its path, its own included (the users
	 * of its path's siblings ahead; its users' reads start there); pos,
	 * the node's share_norm is positive (set once) */
	struct fread *rd;
};

/* Level Fairshare, highest first, then node order. */
static int before(const cs_fairtree *f, uint32_t x, uint32_t y)
{
	double a = f->lfs[x], b = f->lfs[y];
	return a > b || (a == b && x < y);
}

/* Sort v[0..n) by `before`: bottom-up merge sort through f->tmp (qsort's
 * comparator would need the tree in a global, and runs may be threads). */
#define BEFORE(x, y) before(f, (x), (y))
static void sort_nodes(cs_fairtree *f, uint32_t *v, size_t n)
{
	CS_MSORT(uint32_t, v, f->tmp, n, 1, BEFORE);
}
#undef BEFORE

int cs_fairtree_new(cs_fairtree **out, const cs_account_tree *t)
{
	cs_fairtree *f = calloc(1, sizeof *f);
	size_t n = t->nnodes ? t->nnodes : 1;
	if (!f || !(f->n = aligned_alloc(64, n * sizeof *f->n)) ||
	    !(f->ord = malloc(n * sizeof *f->ord)) || !(f->buf = malloc((2 * n + 1) * sizeof *f->buf)) ||
	    !(f->tie = calloc(n, sizeof *f->tie)) || !(f->lfs = calloc(n, sizeof *f->lfs)) ||
	    !(f->tbuf = calloc(2 * n + 1, sizeof *f->tbuf)) ||
	    !(f->nfrag = calloc(n, sizeof *f->nfrag)) ||
	    !(f->sfirst = calloc(n, sizeof *f->sfirst)) ||
	    !(f->tmp = malloc(n * sizeof *f->tmp)) ||
	    !(f->dlist = malloc(n * sizeof *f->dlist)) || !(f->rd = aligned_alloc(sizeof *f->rd, n * sizeof *f->rd)) ||
	    !(f->run = calloc(n, sizeof *f->run)) || !(f->ins = malloc(n * sizeof *f->ins)) ||
	    !(f->csum = calloc(n + 4, sizeof *f->csum)) ||
	    !(f->rbuf = malloc((2 * n + 1) * sizeof *f->rbuf)) ||
	    !(f->rtbuf = calloc(n, sizeof *f->rtbuf)) || !(f->send = calloc(n, sizeof *f->send)) ||
	    !(f->snext = calloc(n, sizeof *f->snext)) || !(f->nt = calloc(n, sizeof *f->nt)) ||
	    !(f->bits = calloc(n / 64 + 2, sizeof *f->bits)) || !(f->loud = malloc(n * sizeof *f->loud))) {
		cs_fairtree_free(f);
		return -CS_ENOMEM;
	}
	memset(f->n, 0, n * sizeof *f->n);
	memset(f->rd, 0, n * sizeof *f->rd);
	for (uint32_t a = 0; a < t->nnodes; a++)
		f->rd[a].pos = t->share_norm[a] > 0;
	f->t = t;
	f->shares_ok = 1;
	for (uint32_t i = 0; t->nnodes && i < t->child_off[t->nnodes]; i++) {
		f->ord[i] = t->child[i];
		f->n[t->child[i]].slot = i;
	}
	for (uint32_t a = 0; a < t->nnodes; a++) {
		f->n[a].dhead = f->n[a].next = NONE;
		f->n[a].clo = t->child_off[a];
		f->n[a].chi = t->child_off[a + 1];
		f->n[a].parent = t->parent[a];
		f->n[a].sh = t->share_level[a];
		if (f->n[a].sh > 0 && !(f->n[a].sh >= 0x1p-100 && f->n[a].sh <= 0x1p100))
			f->shares_ok = 0;
		int leaf = t->kind[a] != CS_ACCT_USER && t->child_off[a + 1] > t->child_off[a];
		for (uint32_t k = t->child_off[a]; leaf && k < t->child_off[a + 1]; k++)
			leaf = t->kind[t->child[k]] == CS_ACCT_USER;
		f->n[a].fl = (uint8_t)((t->kind[a] == CS_ACCT_USER ? F_USER : 0) | (leaf ? F_LEAF : 0));
	}
	uint32_t *dep = f->tmp; /* (scratch: each node's depth) */
	dep[0] = 0;
	for (uint32_t i = 1; i < t->nnodes; i++) { /* parents before their children */
		dep[i] = dep[t->parent[i]] + 1;
		f->maxdepth = dep[i] > f->maxdepth ? dep[i] : f->maxdepth;
	}
	for (uint32_t i = 0; i < t->nnodes; i++)
		f->n[i].depth = (uint16_t)(dep[i] < DEEP ? dep[i] : DEEP);
	if (f->maxdepth >= DEEP) {
		if (!(f->deep = malloc(n * sizeof *f->deep))) {
			cs_fairtree_free(f);
			return -CS_ENOMEM;
		}
		memcpy(f->deep, dep, t->nnodes * sizeof *dep);
	}
	if (!(f->doff = calloc((size_t)f->maxdepth + 1, sizeof *f->doff)) ||
	    !(f->dfill = calloc((size_t)f->maxdepth + 1, sizeof *f->dfill)) ||
	    !(f->path = calloc((size_t)f->maxdepth + 1, sizeof *f->path))) {
		cs_fairtree_free(f);
		return -CS_ENOMEM;
	}
	for (uint32_t i = 0; i < t->nnodes; i++) /* (each depth's count, then the offsets) */
		f->dfill[dep[i]]++;
	for (uint32_t d = f->maxdepth + 1, at = 0; d-- > 0;) {
		f->doff[d] = at;
		at += f->dfill[d];
		f->dfill[d] = f->doff[d];
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
	free(f->ord);
	free(f->tie);
	free(f->lfs);
	free(f->tbuf);
	free(f->nfrag);
	free(f->sfirst);
	free(f->send);
	free(f->snext);
	free(f->ins);
	free(f->csum);
	free(f->buf);
	free(f->tmp);
	free(f->dlist);
	free(f->rd);
	free(f->doff);
	free(f->dfill);
	free(f->run);
	free(f->path);
	free(f->rbuf);
	free(f->rtbuf);
	free(f->nt);
	free(f->deep);
	free(f->bits);
	free(f->loud);
	free(f);
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

/* A node's q: 0 without shares, infinite without usage (as its Level
 * Fairshare, whatever its parent's usage), else sh / sum. */
static inline double q_of(const ftnode *x)
{
	if (!(x->sh > 0))
		return 0;
	if (!(x->sum > 0))
		return INFINITY;
	return x->sh / x->sum;
}

double cs_fairtree_level_fs(const cs_fairtree *f, uint32_t node)
{
	return node == 0 ? INFINITY : lfs_at(&f->n[node], f->n[f->t->parent[node]].sum);
}

static int all_leaves(const cs_fairtree *f, const uint32_t *a, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!(f->n[a[k]].fl & F_LEAF))
			return 0;
	return 1;
}

/* Were the accounts a[0 .. n) (n > 1) visited last as one run, that
 * run's every account, none with usage changed below since? */
static int same_run(const cs_fairtree *f, const uint32_t *a, size_t n)
{
	uint64_t id = f->run[a[0]].id;
	for (size_t k = 0; k < n; k++)
		if ((f->n[a[k]].fl & (F_RVALID | F_DIRTY)) != F_RVALID || (f->n[a[k]].pf & P_VISIT) ||
		    f->run[a[k]].id != id || f->run[a[k]].len != n)
			return 0;
	return 1;
}

/* The accounts a[0 .. n) were visited as one run: the befores below them
 * are the run's. */
static void mark_run(cs_fairtree *f, const uint32_t *a, size_t n)
{
	uint64_t id = ++f->nruns;
	for (size_t k = 0; k < n; k++) {
		f->n[a[k]].fl = (uint8_t)((f->n[a[k]].fl & ~F_AVALID) | F_RVALID);
		f->run[a[k]] = (struct run){ id, (uint32_t)n };
	}
}

static uint32_t visit(cs_fairtree *f, const uint32_t *list, const uint8_t *tie, size_t n, size_t top,
		      uint32_t cnt, uint32_t ltop, int lazy);
static void refresh_children(cs_fairtree *f, uint32_t a, int fast);

/* Account a's children visited (visit_alone, run or merged): its dirty
 * list is taken in, its F_KEPT and F_RANGE used, and it is settled. */
static void consume(cs_fairtree *f, uint32_t a)
{
	for (uint32_t x = f->n[a].dhead; x != NONE; x = f->n[x].next)
		f->n[x].fl &= (uint8_t)~F_DIRTY;
	f->n[a].dhead = NONE;
	f->n[a].fl &= (uint8_t)~(F_KEPT | F_RANGE);
	f->n[a].pf &= (uint8_t)~P_VISIT;
}

/* Account a's children in order again if some child's usage moved. */
static inline void refresh(cs_fairtree *f, uint32_t a)
{
	if (f->n[a].dhead != NONE)
		refresh_children(f, a, f->fast);
}

static uint32_t visit_alone(cs_fairtree *f, uint32_t a, size_t top, uint32_t cnt, int lazy);

/* descend's visit, apart so that its lazy case inlines into the visits */
static uint32_t descend_now(cs_fairtree *f, uint32_t a, size_t top, uint32_t cnt)
{
	refresh(f, a);
	cnt = visit_alone(f, a, top, cnt, 0);
	consume(f, a);
	return cnt;
}

/* Account a, visited alone from rank cnt, whose befores below are out of
 * date: with lazy, left P_VISIT for a read (its users' count passed);
 * else refreshed and visited, settling what its visit reaches. */
static inline uint32_t descend(cs_fairtree *f, uint32_t a, size_t top, uint32_t cnt, int lazy)
{
	if (lazy) {
		f->n[a].pf |= P_VISIT;
		return cnt - f->n[a].nbelow;
	}
	return descend_now(f, a, top, cnt);
}

/* May account c's befores below stand (visited alone, nothing moved
 * below it since, not waiting for a read)? */
static inline int stands(const cs_fairtree *f, uint32_t c)
{
	return (f->n[c].fl & (F_AVALID | F_DIRTY)) == F_AVALID && !(f->n[c].pf & P_VISIT);
}

/* Visit the children of the accounts acc[0 .. na) (at buf[top - na ..
 * top)) merged: their list, built at buf[top ..) with their Level
 * Fairshares, sorted together unless it is in Level Fairshare order
 * already, and its ties at tbuf[top ..). */
static uint32_t visit_merged(cs_fairtree *f, const uint32_t *acc, size_t na, size_t top, uint32_t cnt)
{
	const cs_account_tree *t = f->t;
	uint32_t *list = f->buf + top;
	uint8_t *tie = f->tbuf + top;
	size_t n = 0;
	for (size_t g = 0; g < na; g++) {
		double up = f->n[acc[g]].sum;
		for (uint32_t k = t->child_off[acc[g]]; k < t->child_off[acc[g] + 1]; k++) {
			uint32_t c = f->ord[k];
			f->lfs[c] = lfs_at(&f->n[c], up);
			list[n++] = c;
		}
	}
	for (size_t k = 1; k < n; k++)
		if (f->lfs[list[k]] > f->lfs[list[k - 1]]) {
			sort_nodes(f, list, n);
			break;
		}
	for (size_t k = 0; k + 1 < n; k++)
		tie[k] = f->lfs[list[k]] == f->lfs[list[k + 1]] ? T_TIE : 0;
	return visit(f, list, tie, n, top + n, cnt, cnt, 0);
}

/* Account a visited alone (its befores are set) from rank cnt: its
 * children's list. When the update kept their order and ties (F_KEPT)
 * and the befores below a are its own visit's (F_AVALID), every child
 * keeps its before, and so does every subtree below a child whose usage
 * did not change: only the dirty children's lists are visited again
 * (the befores are relative, so from any rank; none when all are users,
 * F_LEAF). With F_RANGE, only the
 * children in its spans are visited. With lazy, the accounts among them
 * it would visit alone are left P_VISIT (descend). */
static uint32_t visit_alone(cs_fairtree *f, uint32_t a, size_t top, uint32_t cnt, int lazy)
{
	ftnode *N = f->n;
	if ((N[a].fl & (F_KEPT | F_AVALID)) == (F_KEPT | F_AVALID)) {
		for (uint32_t x = N[a].fl & F_LEAF ? NONE : N[a].dhead; x != NONE; x = N[x].next)
			if (!(N[x].fl & F_USER))
				descend(f, x, top, cnt, lazy);
		cnt -= N[a].nbelow;
	} else if ((N[a].fl & (F_RANGE | F_AVALID)) == (F_RANGE | F_AVALID)) {
		/* the children outside the spans keep their places and
		 * befores; those in a span come after the users ahead of
		 * its start */
		for (uint32_t s = f->sfirst[a]; s != NONE; s = f->snext[s]) {
			uint32_t ahead = 0;
			if (s > N[a].clo) {
				const ftnode *b = &f->n[f->ord[s - 1]];
				ahead = b->before + b->nbelow;
			}
			if (f->send[s] - s == 1) { /* (visit's run of one) */
				uint32_t c = f->ord[s];
				f->n[c].before = ahead;
				if (!(N[c].fl & F_USER) && !stands(f, c))
					descend(f, c, top + 1, cnt, lazy);
				continue;
			}
			visit(f, f->ord + s, f->tie + s, f->send[s] - s, top, cnt, cnt + ahead, lazy);
		}
		/* the dirty accounts that stay in no span (ins NONE) */
		for (uint32_t x = N[a].fl & F_LEAF ? NONE : N[a].dhead; x != NONE; x = N[x].next)
			if (f->ins[x] == NONE && !(N[x].fl & F_USER))
				descend(f, x, top, cnt, lazy);
		cnt -= N[a].nbelow;
	} else {
		cnt = visit(f, f->ord + N[a].clo, f->tie + N[a].clo, N[a].chi - N[a].clo, top, cnt, cnt, lazy);
	}
	N[a].fl = (uint8_t)((N[a].fl & ~F_RVALID) | F_AVALID);
	return cnt;
}

/* Visit list[0 .. n), siblings or merged cousins in Level Fairshare
 * order, tie[k] telling whether list[k] and list[k + 1] have the same
 * (buf[top ..) free for scratch), the first rank cnt, ltop - cnt users
 * of the list ahead of it (the count
 * goes down by one a user; returned where it ends), setting each one's
 * before from the rank the list starts at. Within a run of equal Level
 * Fairshare the order does not change the result (its users share a
 * rank, its accounts are merged). One account's children need no list:
 * its order (ord) and ties are kept whenever its Level Fairshares move.
 * An account visited alone whose befores below are out of date is
 * visited (or, with lazy, left P_VISIT: descend); a run's accounts are
 * visited at once, whatever lazy says. */
static uint32_t visit(cs_fairtree *f, const uint32_t *list, const uint8_t *tie, size_t n, size_t top,
		      uint32_t cnt, uint32_t ltop, int lazy)
{
	const cs_account_tree *t = f->t;
	ftnode *N = f->n;
	uint32_t *acc = f->buf + top; /* a run's accounts */
	size_t i = 0;
	while (i < n) {
		/* (the record 8 places on asked for ahead: see PREFETCH) */
		if (i + 8 < n)
			__builtin_prefetch(&N[list[i + 8]], 1);
		if (i + 1 == n || !(tie[i] & T_TIE)) {
			/* a run of one, the most common: a user, or an
			 * account visited alone (as below) */
			uint32_t c = list[i++];
			N[c].before = ltop - cnt;
			if (N[c].fl & F_USER) {
				cnt--;
			} else if (stands(f, c)) {
				cnt -= N[c].nbelow;
			} else {
				cnt = descend(f, c, top + 1, cnt, lazy);
			}
			continue;
		}
		size_t j = i + 2;
		while (j < n && (tie[j - 1] & T_TIE))
			j++;
		/* a run of equal Level Fairshare: its users share one rank and
		 * come first, then its accounts are visited together */
		uint32_t rank = ltop - cnt; /* the users ahead of the run */
		size_t na = 0;
		for (size_t k = i; k < j; k++) {
			uint32_t c = list[k];
			if (N[c].fl & F_USER) {
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
			if (stands(f, a)) {
				cnt -= N[a].nbelow;
			} else {
				cnt = descend(f, a, top + 1, cnt, lazy);
			}
		} else if (na > 1 && same_run(f, acc, na)) {
			/* the run of last time, nothing changed below it: the
			 * befores below stand */
			for (size_t k = 0; k < na; k++) {
				N[acc[k]].before = off;
				cnt -= N[acc[k]].nbelow;
			}
		} else if (na > 1) {
			/* visited now, with their children's orders up to date */
			for (size_t k = 0; k < na; k++)
				refresh(f, acc[k]);
			if (N[list[i]].q == INFINITY && all_leaves(f, acc, na)) {
				/* accounts without usage: every user with shares
				 * is infinite, one run sharing the first rank (a
				 * user without shares gets 0 whatever its rank) */
				for (size_t k = 0; k < na; k++) {
					uint32_t a = acc[k];
					N[a].before = off;
					for (uint32_t m = t->child_off[a]; m < t->child_off[a + 1]; m++)
						N[t->child[m]].before = 0;
					cnt -= t->child_off[a + 1] - t->child_off[a];
				}
				mark_run(f, acc, na);
			} else {
				for (size_t k = 0; k < na; k++)
					N[acc[k]].before = off;
				mark_run(f, acc, na);
				cnt = visit_merged(f, acc, na, top + na, cnt);
			}
			for (size_t k = 0; k < na; k++)
				consume(f, acc[k]);
		}
		i = j;
	}
	return cnt;
}

/* The root's children, from the first rank down, every account whose
 * befores below are out of date visited; the factors move. */
static void visit_root(cs_fairtree *f)
{
	const cs_account_tree *t = f->t;
	visit(f, f->ord + t->child_off[0], f->tie + t->child_off[0], t->child_off[1] - t->child_off[0], 0, t->nusers,
	      t->nusers, 0);
	f->gen++;
}

/* P_VISIT account a (visited alone) settled: its children's order, its
 * list visited, the accounts below left P_VISIT. */
static void settle(cs_fairtree *f, uint32_t a)
{
	refresh(f, a);
	visit_alone(f, a, 0, f->n[a].nbelow, 1);
	consume(f, a);
}

double cs_fairtree_factor(cs_fairtree *f, uint32_t u)
{
	struct fread *rd = f->rd;
	if (rd[u].stamp != f->gen) {
		const cs_account_tree *t = f->t;
		uint32_t np = 0;
		int32_t x = f->n[u].parent; /* (t->parent's, in the record read below) */
		for (; x >= 0 && rd[x].stamp != f->gen; x = f->n[x].parent)
			f->path[np++] = (uint32_t)x;
		/* from the nearest ancestor read since the computation (or the
		 * root) down: a visit sets its children's befores, and a settle
		 * only those below the account, so each before on the path is
		 * taken once its parent is settled; settled, an account's
		 * befores and those above it stand until the next computation */
		uint32_t rank = x >= 0 ? rd[x].rank : t->nusers;
		while (np-- > 0) {
			uint32_t a = f->path[np];
			if (a)
				rank -= f->n[a].before;
			if (f->n[a].pf & P_VISIT)
				settle(f, a);
			rd[a].rank = rank;
			rd[a].stamp = f->gen;
		}
		rank -= f->n[u].before;
		rd[u].factor = rd[u].pos ? (double)rank / (double)t->nusers : 0;
		rd[u].stamp = f->gen;
	}
	return rd[u].factor;
}

/* (PREFETCH: a user's two records, and its parent's read record, the
 * parent read from the user's record asked for eight reads before) */
void cs_fairtree_factors(cs_fairtree *f, const uint32_t *users, size_t n, double *out)
{
	const ftnode *N = f->n;
	for (size_t i = 0; i < n; i++) {
		if (i + 16 < n) {
			uint32_t v = users[i + 16];
			__builtin_prefetch(&N[v]);
			__builtin_prefetch(&f->rd[v]);
		}
		if (i + 8 < n) {
			int32_t x = N[users[i + 8]].parent;
			if (x >= 0)
				__builtin_prefetch(&f->rd[x]);
		}
		out[i] = cs_fairtree_factor(f, users[i]);
	}
}

/* Every user's factor into factor[], if asked for. */
static void write_factors(cs_fairtree *f, double *factor)
{
	const cs_account_tree *t = f->t;
	for (uint32_t u = 0; factor && u < t->nnodes; u++)
		if (t->kind[u] == CS_ACCT_USER)
			factor[u] = cs_fairtree_factor(f, u);
}

/* Does x, ahead of y, stay ahead (or tied) whatever their parent's usage
 * while neither's usage changes? Their Level Fairshares are up x q
 * rounded twice (sh / (sum / up)), each within a factor 1 +- 2^-52 of the
 * exact value while every step stays in the normal range (fast_ok), and q
 * is within 2^-53 of sh / sum: q's more than 2^-40 apart keep their
 * order strictly. Without usage (infinite) or shares (0) the value does
 * not depend on up: equal ones stay equal, one run in node order. */
static inline int order_holds(double qx, double qy)
{
	return qx > qy * (1 + 0x1p-40) || (qx == qy && (qx == INFINITY || qx == 0));
}

/* tie[] of x ahead of y, their Level Fairshares lx and ly. */
static inline uint8_t tie_of(const cs_fairtree *f, uint32_t x, uint32_t y, double lx, double ly)
{
	return (uint8_t)((lx == ly ? T_TIE : 0) | (order_holds(f->n[x].q, f->n[y].q) ? T_HOLDS : 0));
}

/* a's children's Level Fairshares worked out, their order insertion-sorted
 * from the one they are in, their places and ties. */
static void sort_children(cs_fairtree *f, uint32_t a)
{
	ftnode *N = f->n;
	uint32_t *ord = f->ord;
	uint32_t lo = N[a].clo, hi = N[a].chi;
	double up = N[a].sum;
	if (lo == hi)
		return;
	uint32_t lastc = ord[lo];
	double last = f->lfs[lastc] = lfs_at(&N[lastc], up);
	int sorted = 1;
	for (uint32_t k = lo + 1; k < hi; k++) {
		uint32_t c = ord[k];
		double l = f->lfs[c] = lfs_at(&N[c], up);
		sorted &= l < last || (l == last && lastc < c);
		last = l;
		lastc = c;
	}
	for (uint32_t k = lo + 1; !sorted && k < hi; k++) {
		uint32_t c = ord[k], m = k;
		while (m > lo && before(f, c, ord[m - 1])) {
			ord[m] = ord[m - 1];
			m--;
		}
		ord[m] = c;
	}
	uint32_t frag = 0;
	for (uint32_t k = lo; k < hi; k++) {
		f->n[ord[k]].pos = k;
		if (k + 1 < hi) {
			f->tie[k] = tie_of(f, ord[k], ord[k + 1], f->lfs[ord[k]], f->lfs[ord[k + 1]]);
			frag += !(f->tie[k] & T_HOLDS);
		}
	}
	f->nfrag[a] = frag;
}

/* May an update keep the order of unchanged children (order_holds)? Every
 * positive sum lies in [minpos, root's sum] (sums of usage >= 0 grow up
 * the tree): with those and the shares in range, sh / sum, sum / up and
 * sh / (sum / up) are normal doubles. */
static int fast_ok(const cs_fairtree *f)
{
	double r = f->n[0].sum;
	return f->shares_ok && !f->wild && r <= 0x1p900 &&
	       (f->minpos == INFINITY || (f->minpos >= 0x1p-900 && f->minpos >= r * 0x1p-900));
}

/* tie[] of x ahead of y under a parent of usage up (fast_ok), as
 * tie_of on their Level Fairshares, and in *in whether x ranks ahead of
 * y (before). From their q's alone when order_holds either way: their
 * Level Fairshares are then in the same order, or equal (both 0 or both
 * infinite); else from their Level Fairshares. */
static inline uint8_t pair_at(const cs_fairtree *f, uint32_t x, uint32_t y, double up, int *in)
{
	double qx = f->n[x].q, qy = f->n[y].q;
	if (qx > qy * (1 + 0x1p-40)) { /* (order_holds, apart: the most common) */
		*in = 1;
		return T_HOLDS;
	}
	if (qx == qy && (qx == INFINITY || qx == 0)) { /* (order_holds, equal) */
		*in = x < y;
		return T_HOLDS | T_TIE;
	}
	if (order_holds(qy, qx)) { /* (apart: equal ones hold either way) */
		*in = 0;
		return 0;
	}
	double lx = lfs_at(&f->n[x], up), ly = lfs_at(&f->n[y], up);
	*in = lx > ly || (lx == ly && x < y);
	return lx == ly ? T_TIE : 0;
}

/* tie[] of the neighbours x ahead of y under a parent of usage up,
 * counted in *frag without T_HOLDS. */
static inline uint8_t tie_at(const cs_fairtree *f, uint32_t x, uint32_t y, double up, uint32_t *frag)
{
	int in;
	uint8_t st = pair_at(f, x, y, up, &in);
	*frag += !(st & T_HOLDS);
	return st;
}

/* Does dirty x rank ahead of unchanged c under a parent of usage up? */
static inline int ahead(const cs_fairtree *f, uint32_t x, uint32_t c, double up)
{
	int in;
	pair_at(f, x, c, up, &in);
	return in;
}

/* The place of the first child of ord[lo .. hi) not moving (F_MOVE) that
 * moving x ranks ahead of (hi: none), x being in the run of moving places
 * [p0, p1): those not moving are in order, so from x's old place a walk
 * right or left finds it, passing only those x passes. */
static uint32_t place_of(cs_fairtree *f, uint32_t x, uint32_t lo, uint32_t hi, uint32_t p0, uint32_t p1, double up)
{
	const uint32_t *ord = f->ord;
	uint32_t p = p1;
	if (p < hi && !ahead(f, x, ord[p], up)) {
		do {
			p++;
			while (p < hi && (f->n[ord[p]].fl & F_MOVE))
				p++;
		} while (p < hi && !ahead(f, x, ord[p], up));
		return p;
	}
	for (uint32_t q = p0; q > lo;) {
		q--;
		if (f->n[ord[q]].fl & F_MOVE)
			continue;
		if (!ahead(f, x, ord[q], up))
			break;
		p = q;
	}
	return p;
}

/* The tie of prev ahead of x once relocated, their old places po and xo
 * (NONE: moving): worked out next to a moving one (counted in *frag
 * without T_HOLDS); for neighbours that were, refresh_children's (nt)
 * next to a dirty one that stays, else kept; else that of unchanged ones
 * that become neighbours (their order holds: checked). */
static inline uint8_t link_tie(const cs_fairtree *f, uint32_t prev, uint32_t po, uint32_t x, uint32_t xo,
			       const uint8_t *was, double up, uint32_t *frag)
{
	if (po == NONE || xo == NONE)
		return tie_at(f, prev, x, up, frag);
	if (xo == po + 1)
		return (f->n[prev].fl | f->n[x].fl) & F_DIRTY ? (uint8_t)(f->nt[po] & (T_TIE | T_HOLDS)) : was[po];
	return (uint8_t)(T_HOLDS | (f->n[prev].q == f->n[x].q ? T_TIE : 0));
}

/* Is the span of places [r0, r1) of a list [lo, hi) rewritten by a
 * relocation (its old ties at was[r0 - 1 .. r1), those ahead of r0 - 1
 * as they were) apart from the children outside it: no child at either
 * end ties its outer neighbour, before or after, and the child ahead
 * ties none? */
static inline int apart(const uint8_t *was, const uint8_t *tie, uint32_t lo, uint32_t hi, uint32_t r0, uint32_t r1)
{
	return (r0 == lo || (!((was[r0 - 1] | tie[r0 - 1]) & T_TIE) && (r0 - 1 == lo || !(tie[r0 - 2] & T_TIE)))) &&
	       (r1 == hi || !((was[r1 - 1] | tie[r1 - 1]) & T_TIE));
}

/* Bits [s, e) of bits set (s < e). */
static inline void set_bits(uint64_t *bits, uint32_t s, uint32_t e)
{
	uint32_t ws = s >> 6, we = (e - 1) >> 6;
	uint64_t lo = ~0ull << (s & 63), hi = ~0ull >> (63 - ((e - 1) & 63));
	if (ws == we) {
		bits[ws] |= lo & hi;
		return;
	}
	bits[ws] |= lo;
	for (uint32_t w = ws + 1; w < we; w++)
		bits[w] = ~0ull;
	bits[we] |= hi;
}

/* Dirty child ord[p] of a list from lo, not moving, made to move: at
 * bypos[k] (the dirty ones by place, nd), put there if not there, its
 * place in bits. */
static void move_too(cs_fairtree *f, uint32_t *bypos, uint32_t *nd, uint32_t k, uint32_t p, uint32_t lo)
{
	uint32_t y = f->ord[p];
	if (k == *nd || bypos[k] != y) {
		memmove(bypos + k + 1, bypos + k, (*nd - k) * sizeof *bypos);
		bypos[k] = y;
		++*nd;
		f->bits[(p - lo) >> 6] |= 1ull << ((p - lo) & 63);
	}
	f->n[y].fl |= F_MOVE;
}

/* The next run of moving places among bypos[*s ..) (the dirty ones by
 * place; a moving one at the next place joins the run): *s moved to its
 * first entry and [*p0, *p1) its places; the index after its last entry,
 * or *s itself (nd) where no moving one is left. */
static inline uint32_t next_run(const ftnode *N, const uint32_t *bypos, uint32_t nd, uint32_t *s, uint32_t *p0,
				uint32_t *p1)
{
	uint32_t b = *s;
	while (b < nd && !(N[bypos[b]].fl & F_MOVE))
		b++;
	*s = b;
	if (b == nd)
		return b;
	uint32_t e = b + 1;
	while (e < nd && (N[bypos[e]].fl & F_MOVE) && N[bypos[e]].pos == N[bypos[e - 1]].pos + 1)
		e++;
	*p0 = N[bypos[b]].pos;
	*p1 = N[bypos[e - 1]].pos + 1;
	return e;
}

/* Dirty account a's children in order again where some dirty child is out
 * of order and every two unchanged neighbours hold theirs (T_HOLDS). A
 * dirty child that stays (between neighbours it is still in order with:
 * its places hold theirs, refresh_children's nt T_IN and T_HOLDS) keeps
 * its place among the others; the rest move (F_MOVE). Those not moving
 * keep their order, each next to the next: a dirty neighbour either stays
 * (their place is in order) or moves, and two of them separated by moving
 * ones only must hold theirs too (they may become neighbours; else a dirty
 * one of them moves too, move_too, and the run's new ends are asked; else
 * sort_children). Each moving one (its Level Fairshare worked out) goes
 * before the first of them it ranks ahead of (place_of, ins[]); sorted,
 * they keep their order within a place. Only the places between a dirty
 * child's old place and its new one (one that stays: its own), merged
 * where they meet or touch, are rewritten (every child outside keeps its
 * place and ties): there the moving ones are merged in before their place,
 * the ties next to a moving child are worked out, those next to one that
 * stays are refresh_children's, and two unchanged ones that were
 * neighbours keep theirs. A dirty child that stays and ties none, before
 * or after (quiet), keeps its before unless a moving one's range passes
 * its place (the same children are ahead of it, none tied to it): its ties
 * are rewritten, it has no place in bits and is no span, whatever its
 * neighbours (a span that ends beside it checks the tie there as it does
 * an unchanged neighbour's: apart). (Not inlined: refresh_children's
 * common path, which keeps the order, then saves fewer registers a call.) */
static __attribute__((noinline)) void relocate(cs_fairtree *f, uint32_t a, double up, uint32_t nloud)
{
	ftnode *N = f->n;
	uint32_t *ord = f->ord, *bypos = f->tmp, *bybef = f->rbuf, *ins = f->ins;
	uint8_t *tie = f->tie, *was = f->rtbuf; /* the ties of the order before, at their places */
	const uint8_t *nt = f->nt;
	uint64_t *bits = f->bits;
	uint32_t lo = N[a].clo, hi = N[a].chi, nd = 0, nm = 0, frag = 0, pmin = hi, pmax = lo;
	uint32_t *loud = f->loud;
	/* each dirty one stays (its place: before the next) or moves; the
	 * places of those that move and of those that stay beside a tie, before
	 * or after, in bits, from lo. One that stays tying none (quiet) takes
	 * its ties (refresh_children's) now and is in no span (ins NONE)
	 * unless a moving one's range passes its place (below): the same
	 * children are ahead of it, so its before stands, as step 58's lone
	 * child's (its bit would have made it a span of its own, or joined it
	 * to a neighbour's, only to be visited with the same before). Only
	 * those in loud are looked at: every other dirty child
	 * is quiet, both its places having held apart and in order
	 * (refresh_children's common case: its ties T_HOLDS, before and
	 * after), so its ties stand as they are; it is in no span (ins NONE)
	 * unless a span's rewrite passes it (below). Its was is not written:
	 * only the fallback's one range reads was next to a place it does not
	 * rewrite (below). pmin and pmax: the places of those looked at and
	 * of those made to move (move_too, which may take any dirty child). */
	for (uint32_t x = N[a].dhead; x != NONE; x = N[x].next)
		ins[x] = NONE;
	const uint8_t both = T_IN | T_HOLDS;
	for (uint32_t k = 0; k < nloud; k++) {
		uint32_t x = loud[k], p = N[x].pos;
		N[x].pf &= (uint8_t)~P_LOUD;
		pmin = p < pmin ? p : pmin;
		pmax = p > pmax ? p : pmax;
		/* its places' ties, new (nt) and old (a list's end: in order,
		 * holding, tying none) */
		uint8_t nl = both, nr = both, tl = 0, tr = 0;
		if (p > lo) {
			nl = nt[p - 1];
			tl = tie[p - 1];
		}
		if (p + 1 < hi) {
			nr = nt[p];
			tr = tie[p];
		}
		if ((nl & nr & both) == both) {
			if (!((nl | nr | tl | tr) & T_TIE)) { /* (quiet: its new ties T_HOLDS) */
				if (p > lo) {
					was[p - 1] = tl;
					tie[p - 1] = T_HOLDS;
				}
				if (p + 1 < hi) {
					was[p] = tr;
					tie[p] = T_HOLDS;
				}
				ins[x] = NONE;
				continue;
			}
			ins[x] = p + 1;
		} else {
			N[x].fl |= F_MOVE;
		}
		bits[(p - lo) >> 6] |= 1ull << ((p - lo) & 63);
	}
	/* the dirty ones by place (their bits stay: the spans' places) */
	for (uint32_t w = (pmin - lo) >> 6; w <= (pmax - lo) >> 6; w++)
		for (uint64_t b = bits[w]; b; b &= b - 1)
			bypos[nd++] = ord[lo + (w << 6) + (uint32_t)__builtin_ctzll(b)];
	/* per run of moving places [p0, p1): the two not moving around it
	 * hold their order (they may become neighbours), else a dirty one of
	 * them moves too, joining the run (whose ends are then asked again),
	 * else (both unchanged) sort_children */
	for (uint32_t s = 0, e, p0 = 0, p1 = 0; (e = next_run(N, bypos, nd, &s, &p0, &p1)) != s; s = e) {
		if (p0 == lo || p1 == hi || order_holds(N[ord[p0 - 1]].q, N[ord[p1]].q))
			continue;
		if (N[ord[p0 - 1]].fl & F_DIRTY) {
			/* (at s - 1, or put there; then from the start of
			 * the run it may join) */
			e = s > 0 && bypos[s - 1] == ord[p0 - 1] ? s - 1 : s;
			move_too(f, bypos, &nd, e, p0 - 1, lo);
			pmin = p0 - 1 < pmin ? p0 - 1 : pmin;
			while (e > 0 && (N[bypos[e - 1]].fl & F_MOVE) && N[bypos[e - 1]].pos + 1 == N[bypos[e]].pos)
				e--;
		} else if (N[ord[p1]].fl & F_DIRTY) {
			move_too(f, bypos, &nd, e, p1, lo);
			pmax = p1 > pmax ? p1 : pmax;
			e = s;
		} else {
			for (uint32_t m = 0; m < nd; m++)
				N[bypos[m]].fl &= (uint8_t)~F_MOVE;
			memset(bits + ((pmin - lo) >> 6), 0, (((pmax - lo) >> 6) - ((pmin - lo) >> 6) + 1) * sizeof *bits);
			sort_children(f, a);
			return;
		}
	}
	/* per run of moving places [p0, p1) (their ends hold): each moving
	 * one's place, its span's places (from its place to the one before
	 * which it goes) and the moving ones by rank */
	uint32_t cmin = pmin, cmax = pmax + 1; /* the places in bits */
	for (uint32_t s = 0, e, p0 = 0, p1 = 0; (e = next_run(N, bypos, nd, &s, &p0, &p1)) != s; s = e) {
		for (uint32_t m = s; m < e; m++) {
			uint32_t x = bypos[m], j = nm++, p = N[x].pos;
			f->lfs[x] = lfs_at(&f->n[x], up);
			uint32_t in = ins[x] = place_of(f, x, lo, hi, p0, p1, up);
			if (in < p) {
				set_bits(bits, in - lo, p - lo);
				cmin = in < cmin ? in : cmin;
			} else if (in > p + 1) {
				set_bits(bits, p + 1 - lo, in - lo);
				cmax = in > cmax ? in : cmax;
			}
			while (j > 0 && before(f, x, bybef[j - 1])) {
				bybef[j] = bybef[j - 1];
				j--;
			}
			bybef[j] = x;
		}
	}
	/* the spans: the runs of places in bits (merged where they meet or
	 * touch), each rewritten */
	uint32_t *sc = f->rbuf + nm; /* a span's old children */
	uint32_t next = 0, first = NONE, ls = NONE, wd = (cmin - lo) >> 6, wend = (cmax - 1 - lo) >> 6;
	uint64_t cur = bits[wd];
	for (;;) {
		while (!cur && wd < wend)
			cur = bits[++wd];
		if (!cur)
			break;
		uint32_t A = (wd << 6) + (uint32_t)__builtin_ctzll(cur);
		uint64_t gap = ~cur & (~0ull << (A & 63));
		while (!gap)
			gap = ~bits[++wd]; /* (a zero word follows the last) */
		uint32_t B = (wd << 6) + (uint32_t)__builtin_ctzll(gap);
		cur = bits[wd] & (~0ull << (B & 63));
		A += lo;
		B += lo;
		if (B - A == 1) {
			/* a dirty child alone (one that moves to its own place,
			 * or stays beside a tie, before or after: a span): its
			 * ties */
			uint32_t x = ord[A];
			int moving = N[x].fl & F_MOVE;
			next += moving != 0;
			if (A > lo) {
				was[A - 1] = tie[A - 1];
				tie[A - 1] = moving ? tie_at(f, ord[A - 1], x, up, &frag)
						    : (uint8_t)(nt[A - 1] & (T_TIE | T_HOLDS));
			}
			was[A] = tie[A];
			if (B < hi)
				tie[A] = moving ? tie_at(f, x, ord[B], up, &frag) : (uint8_t)(nt[A] & (T_TIE | T_HOLDS));
		}
		int still = B - A > 1; /* a run of dirty children that all stay */
		for (uint32_t P = A; still && P < B; P++)
			still = !(N[ord[P]].fl & F_MOVE);
		if (still) {
			/* their ties (refresh_children's); each of them ties a
			 * neighbour, before or after (else it is quiet), so the
			 * run is a span */
			for (uint32_t k = A > lo ? A - 1 : A, kend = B < hi ? B : B - 1; k < kend; k++) {
				was[k] = tie[k];
				tie[k] = (uint8_t)(nt[k] & (T_TIE | T_HOLDS));
			}
		}
		/* the span listed for the visit */
		*(ls != NONE ? &f->snext[ls] : &first) = A;
		f->send[A] = B;
		ls = A;
		if (B - A == 1 || still)
			continue;
		/* ord[A .. B) again: those not moving in order, each moving one
		 * before its place (at B: last) */
		memcpy(sc, ord + A, (B - A) * sizeof *ord);
		uint32_t w0 = A > lo ? A - 1 : A;
		memcpy(was + w0, tie + w0, B - w0);
		uint32_t prev = A > lo ? ord[A - 1] : NONE, po = A - 1, w = A;
		uint32_t nins = next < nm ? ins[bybef[next]] : NONE; /* the next moving one's place */
		for (uint32_t P = A;;) {
			/* the next child placed: a moving one that goes before the
			 * one at P, else that one (its old place xo) */
			uint32_t x, xo = NONE;
			if (nins == P) {
				x = bybef[next++];
				nins = next < nm ? ins[bybef[next]] : NONE;
			} else if (P == B) {
				break;
			} else {
				x = sc[P - A];
				xo = P++;
				if (N[x].fl & F_MOVE)
					continue;
				if (N[x].fl & F_DIRTY)
					ins[x] = xo + 1; /* (one that stays, quiet ones a range passes included: in this span) */
			}
			ord[w] = x;
			N[x].pos = w;
			if (w > lo)
				tie[w - 1] = link_tie(f, prev, po, x, xo, was, up, &frag);
			prev = x;
			po = xo;
			w++;
		}
		if (B < hi)
			tie[B - 1] = link_tie(f, prev, po, ord[B], B, was, up, &frag);
	}
	memset(bits + ((cmin - lo) >> 6), 0, (wend - ((cmin - lo) >> 6) + 1) * sizeof *bits);
	f->nfrag[a] = frag;
	if (ls != NONE)
		f->snext[ls] = NONE;
	/* what moved: the spans, or from the first dirty or first placed to
	 * the last (the same children, before and after); none of them ties
	 * a child outside, before or after, and the child ahead ties none
	 * (its before and count give the users ahead; a tie of it that a
	 * span one place ahead rewrote is that span's end); or the first
	 * span from the list's first place on, when only its start ties
	 * (a child that leaves the run ahead of it: at a type of a 10x site,
	 * an organisation's first usage takes it out of the run of those
	 * without, at the list's head), the children ahead of it visited
	 * with it (their ins no longer NONE) rather than the whole list */
	int spans = 1;
	for (uint32_t A = first; A != NONE && spans; A = f->snext[A])
		spans = apart(was, tie, lo, hi, A, f->send[A]);
	if (!spans && first > lo && apart(was, tie, lo, hi, lo, f->send[first])) {
		spans = 1;
		for (uint32_t A = f->snext[first]; A != NONE && spans; A = f->snext[A])
			spans = apart(was, tie, lo, hi, A, f->send[A]);
		if (spans) {
			for (uint32_t x = N[a].dhead; x != NONE; x = N[x].next)
				if (ins[x] == NONE && N[x].pos < first)
					ins[x] = 0;
			f->send[lo] = f->send[first];
			f->snext[lo] = f->snext[first];
			first = lo;
		}
	}
	if (spans) {
		for (uint32_t m = 0; m < nm; m++)
			N[bybef[m]].fl &= (uint8_t)~F_MOVE;
		f->sfirst[a] = first;
		f->n[a].fl |= F_RANGE;
		return;
	}
	/* pmin and pmax over every dirty child's old place: one that does
	 * not move is where it was unless in a span, which its ins says (its
	 * old place + 1); those that move were looked at */
	for (uint32_t x = N[a].dhead; x != NONE; x = N[x].next) {
		if (N[x].fl & F_MOVE)
			continue;
		uint32_t p = ins[x] == NONE ? N[x].pos : ins[x] - 1;
		pmin = p < pmin ? p : pmin;
		pmax = p > pmax ? p : pmax;
	}
	for (uint32_t m = 0; m < nm; m++)
		N[bybef[m]].fl &= (uint8_t)~F_MOVE;
	uint32_t f0 = N[bybef[0]].pos, f1 = N[bybef[nm - 1]].pos + 1;
	uint32_t r0 = pmin < f0 ? pmin : f0, r1 = f1 > pmax + 1 ? f1 : pmax + 1;
	/* the one range's outer places: next to a quiet child in no span
	 * (no span reaches past r0 or r1), its old tie, which ties none (the
	 * first loop writes was there only for a quiet one it looked at) */
	if (r0 > lo && (N[ord[r0]].fl & F_DIRTY) && ins[ord[r0]] == NONE)
		was[r0 - 1] = T_HOLDS;
	if (r1 < hi && (N[ord[r1 - 1]].fl & F_DIRTY) && ins[ord[r1 - 1]] == NONE)
		was[r1 - 1] = T_HOLDS;
	for (uint32_t x = N[a].dhead; x != NONE; x = N[x].next) /* (all in the one span) */
		if (ins[x] == NONE)
			ins[x] = 0;
	if (apart(was, tie, lo, hi, r0, r1)) {
		f->sfirst[a] = r0;
		f->send[r0] = r1;
		f->snext[r0] = NONE;
		f->n[a].fl |= F_RANGE;
	}
}

/* refresh_children's count of the places without T_HOLDS next to a dirty
 * child (frag, taken off the account's count), their new ties (nt, with
 * T_IN where in order; rtbuf, at the places in rbuf, those that differ
 * from the tie there; np), whether every
 * one is in order (in_order), those without T_HOLDS (nfrag), whether
 * no tie is among them, before or after (kept), and the dirty children
 * next to them in loud (nloud). */
struct check {
	uint32_t frag, nfrag, np, nloud;
	int in_order, kept;
};

/* Place i of refresh_children's list (ord[i] ahead of ord[i + 1], one of
 * them dirty) counted in c; past its first case, its dirty children are
 * listed in loud (each once, P_LOUD: nloud). (Not inlined: refresh_children works out the
 * most common case itself, and its loop then keeps its locals in
 * registers.) */
static __attribute__((noinline)) void check_place(cs_fairtree *f, struct check *c, uint32_t i, double up)
{
	uint8_t old = f->tie[i];
	if (old == T_HOLDS && f->n[f->ord[i]].q > f->n[f->ord[i + 1]].q * (1 + 0x1p-40)) {
		/* apart and in order, as it was (pair_at's first case): its
		 * tie and the counts stand (the most common) */
		f->nt[i] = T_HOLDS | T_IN;
		return;
	}
	int in;
	uint32_t x = f->ord[i], y = f->ord[i + 1];
	uint8_t now = pair_at(f, x, y, up, &in);
	if ((f->n[x].fl & F_DIRTY) && !(f->n[x].pf & P_LOUD)) {
		f->n[x].pf |= P_LOUD;
		f->loud[c->nloud++] = x;
	}
	if ((f->n[y].fl & F_DIRTY) && !(f->n[y].pf & P_LOUD)) {
		f->n[y].pf |= P_LOUD;
		f->loud[c->nloud++] = y;
	}
	c->frag -= !(old & T_HOLDS);
	c->in_order &= in;
	c->nfrag += !(now & T_HOLDS);
	c->kept &= !((old | now) & T_TIE);
	f->nt[i] = (uint8_t)(now | (in ? T_IN : 0));
	if (now != old) { /* (most stand) */
		f->rbuf[c->np] = i;
		f->rtbuf[c->np++] = now;
	}
}

/* Dirty account a's children in order again, with their ties, as
 * sort_children gives them. With fast (fast_ok), when every two
 * neighbours whose usage did not change hold their order (T_HOLDS: none
 * of a's places without it is theirs): if each dirty child is still in
 * order with its neighbours, the order stands and only the places next to
 * a dirty child are worked out (their ties, from the q's where those are
 * apart: pair_at), F_KEPT
 * saying whether the ties stand too with no dirty child in a run; else
 * relocate. Else sort_children. */
static void refresh_children(cs_fairtree *f, uint32_t a, int fast)
{
	ftnode *N = f->n;
	const uint32_t *ord = f->ord;
	uint32_t lo = N[a].clo, hi = N[a].chi;
	double up = N[a].sum;
	N[a].fl &= (uint8_t)~(F_KEPT | F_RANGE);
	/* the dirty children's q's are worked out here (see ftnode), before
	 * any is compared: each with its left neighbour, dirty or not */
	if (!fast || !(up > 0)) {
		for (uint32_t x = N[a].dhead; x != NONE; x = N[x].next)
			N[x].q = q_of(&N[x]);
		sort_children(f, a);
		return;
	}
	/* the places next to a dirty child, each once: its left one, and its
	 * right one unless the next child is dirty (its left one). A place
	 * that held apart (T_HOLDS alone) and is still apart by check_place's
	 * first case (the q ahead more than 2^-40 above the other, order_holds)
	 * is worked out here (the tie arrays in locals), the most common */
	struct check c = { f->nfrag[a], 0, 0, 0, 1, 1 };
	const uint8_t *tie = f->tie;
	uint8_t *nt = f->nt;
	for (uint32_t x = N[a].dhead; x != NONE; x = N[x].next) {
		uint32_t p = N[x].pos, nx = N[x].next;
		/* (the dirty child two on asked for ahead, and the neighbours
		 * of the next, whose record the turn before asked for: see
		 * PREFETCH) */
		if (nx != NONE) {
			const ftnode *y = &N[nx];
			if (y->next != NONE)
				__builtin_prefetch(&N[y->next]);
			if (y->pos > lo)
				__builtin_prefetch(&N[ord[y->pos - 1]]);
			if (y->pos + 1 < hi)
				__builtin_prefetch(&N[ord[y->pos + 1]]);
		}
		double q = N[x].q = q_of(&N[x]);
		if (p > lo) {
			ftnode *w = &N[ord[p - 1]];
			if (w->fl & F_DIRTY) /* (the list may come to it later) */
				w->q = q_of(w);
			if (tie[p - 1] == T_HOLDS && w->q > q * (1 + 0x1p-40))
				nt[p - 1] = T_HOLDS | T_IN;
			else
				check_place(f, &c, p - 1, up);
		}
		if (p + 1 < hi) {
			const ftnode *y = &N[ord[p + 1]];
			if (!(y->fl & F_DIRTY)) {
				if (tie[p] == T_HOLDS && q > y->q * (1 + 0x1p-40))
					nt[p] = T_HOLDS | T_IN;
				else
					check_place(f, &c, p, up);
			}
		}
	}
	if (c.nloud) { /* (else check_place's counts stand: in order) */
		if (!c.frag && !c.in_order) {
			relocate(f, a, up, c.nloud);
			return;
		}
		for (uint32_t k = 0; k < c.nloud; k++)
			N[f->loud[k]].pf &= (uint8_t)~P_LOUD;
	}
	if (c.frag) { /* two unchanged neighbours may not hold */
		sort_children(f, a);
		return;
	}
	for (uint32_t k = 0; k < c.np; k++)
		f->tie[f->rbuf[k]] = f->rtbuf[k];
	f->nfrag[a] = c.nfrag;
	if (c.kept)
		N[a].fl |= F_KEPT;
}

/* The sum of the m children's sums at cs, from the last as the full
 * compute adds them (eight a step, in the same order). */
static inline double children_sum(const double *cs, uint32_t m)
{
	const double *e = cs + m;
	double sum = 0;
	if (m >= 8) {
		const double *stop = cs + (m & 7);
		do {
			e -= 8;
			sum = sum + e[7] + e[6] + e[5] + e[4] + e[3] + e[2] + e[1] + e[0];
		} while (e != stop);
	}
	switch (m & 7) { /* (the first m & 7, from the last) */
	case 7:
		sum += cs[6];
		/* fall through */
	case 6:
		sum += cs[5];
		/* fall through */
	case 5:
		sum += cs[4];
		/* fall through */
	case 4:
		sum += cs[3];
		/* fall through */
	case 3:
		sum += cs[2];
		/* fall through */
	case 2:
		sum += cs[1];
		/* fall through */
	case 1:
		sum += cs[0];
	}
	return sum;
}

/* A user's usage seen: fast_ok's bounds. */
static void note_usage(cs_fairtree *f, double u)
{
	if (!(u >= 0 && u < INFINITY))
		f->wild = 1;
	else if (u > 0 && u < f->minpos)
		f->minpos = u;
}

void cs_fairtree_update(cs_fairtree *f, const double *usage, double *factor, const uint32_t *changed, size_t nch)
{
	const cs_account_tree *t = f->t;
	ftnode *N = f->n;
	if (!changed || !f->sorted) {
		cs_fairtree_compute(f, usage, factor);
		return;
	}
	/* the users whose usage changed (a user listed twice finds its usage
	 * seen), each listed among its parent's dirty children (dhead) unless
	 * it is already, from an update whose list was not read since, and
	 * its parent marked (P_SUM) and put in dlist, at its depth (what
	 * this reads of a user and of its parent is in their two records) */
	uint32_t *dlist = f->dlist, *dfill = f->dfill;
	double *csum = f->csum;
	const uint32_t nn = t->nnodes;
	double minpos = f->minpos; /* (note_usage's, in locals) */
	int wild = f->wild;
	for (size_t k = 0; k < nch; k++) {
		uint32_t u = changed[k];
		/* (the user 16 on and its usage, and the parent of the one 8
		 * on, whose record was, asked for ahead: see PREFETCH) */
		if (k + 16 < nch && changed[k + 16] < nn) {
			__builtin_prefetch(&N[changed[k + 16]], 1);
			__builtin_prefetch(&usage[changed[k + 16]]);
		}
		if (k + 8 < nch && changed[k + 8] < nn && N[changed[k + 8]].parent >= 0)
			__builtin_prefetch(&N[N[changed[k + 8]].parent], 1);
		if (u >= nn)
			continue;
		uint8_t fu = N[u].fl;
		if (!(fu & F_USER))
			continue;
		double v = usage[u];
		ftnode *x = &N[u];
		if (x->sum == v)
			continue;
		x->sum = csum[N[u].slot] = v;
		if (!(v >= minpos && v < INFINITY)) {
			/* (else finite and at least minpos, > 0: note_usage
			 * would change nothing) */
			if (!(v >= 0 && v < INFINITY))
				wild = 1;
			else if (v > 0 && v < minpos)
				minpos = v;
		}
		int32_t pu = N[u].parent;
		if (pu < 0)
			continue;
		if (!(fu & F_DIRTY)) {
			N[u].fl = fu | F_DIRTY;
			N[u].next = N[pu].dhead;
			N[pu].dhead = u;
		}
		if (!(N[pu].pf & P_SUM)) {
			N[pu].pf |= P_SUM;
			uint32_t d = N[pu].depth;
			if (d == DEEP)
				d = f->deep[pu];
			dlist[dfill[d]++] = (uint32_t)pu;
		}
	}
	f->minpos = minpos;
	f->wild = wild;
	/* sums bottom-up, each adding its children (csum) from the last as the full
	 * compute does, so every sum is the same double (each account's sum
	 * after its children's: the deepest depth's accounts first); each
	 * summed account lists itself among its parent's dirty children and
	 * puts its parent in dlist, one depth up, as the users did */
	size_t nd = 0;
	for (uint32_t d = f->maxdepth + 1; d-- > 1;) {
		const uint32_t *dl = dlist + f->doff[d], *end = dlist + dfill[d];
		nd += (size_t)(end - dl);
		dfill[d] = f->doff[d];
		uint32_t *up = dfill + d - 1;
		for (; dl < end; dl++) {
			uint32_t a = *dl;
			/* (as the users': see PREFETCH) */
			if (end - dl > 8)
				__builtin_prefetch(&N[dl[8]], 1);
			if (end - dl > 4 && N[dl[4]].parent >= 0)
				__builtin_prefetch(&N[N[dl[4]].parent], 1);
			N[a].pf &= (uint8_t)~P_SUM;
			double sum = children_sum(csum + N[a].clo, N[a].chi - N[a].clo);
			N[a].sum = sum;
			int32_t pa = N[a].parent;
			csum[N[a].slot] = sum;
			if (!(N[a].fl & F_DIRTY)) {
				N[a].fl |= F_DIRTY;
				N[a].next = N[pa].dhead;
				N[pa].dhead = a;
			}
			if (!(N[pa].pf & P_SUM)) {
				N[pa].pf |= P_SUM;
				dlist[(*up)++] = (uint32_t)pa;
			}
		}
	}
	if (dfill[0] != f->doff[0]) { /* the root (depth 0), no parent to tell */
		nd++;
		dfill[0] = f->doff[0];
		N[0].pf &= (uint8_t)~P_SUM;
		N[0].sum = children_sum(csum + N[0].clo, N[0].chi - N[0].clo);
	}
	if (nd == 0)
		return; /* nothing moved: the factors stand */
	/* the orders, ties and befores as the factors are read (settle) */
	f->fast = fast_ok(f);
	N[0].pf |= P_VISIT;
	f->gen++;
	write_factors(f, factor);
}

void cs_fairtree_compute(cs_fairtree *f, const double *usage, double *factor)
{
	const cs_account_tree *t = f->t;
	ftnode *N = f->n;
	uint32_t n = t->nnodes;
	if (n == 0)
		return;
	f->wild = 0;
	f->minpos = INFINITY;
	for (uint32_t i = 0; i < n; i++) {
		/* (a child whose usage an update moved, its parent's list not
		 * read since, is dirty too) */
		int dirty = !f->sorted || (f->n[i].fl & F_DIRTY);
		double was = N[i].sum; /* (a user's: its usage at the last compute or update) */
		N[i].sum = 0;
		f->n[i].dhead = f->n[i].next = NONE;
		f->n[i].pf = 0;
		if (f->n[i].fl & F_USER) {
			note_usage(f, usage[i]);
			N[i].sum = usage[i];
			dirty |= !(was == usage[i]);
		}
		/* every befores below to be worked out again */
		f->n[i].fl = (uint8_t)((f->n[i].fl & (F_USER | F_LEAF)) | (dirty ? F_DIRTY : 0));
	}
	for (uint32_t i = n - 1; i > 0; i--) {
		N[t->parent[i]].sum += N[i].sum;
		f->n[t->parent[i]].fl |= f->n[i].fl & F_DIRTY;
	}
	for (uint32_t i = 1; i < n; i++)
		f->csum[f->n[i].slot] = N[i].sum;
	f->sorted = 1;
	/* each account's children, insertion-sorted from the last order
	 * (unchanged, with their ties, where no usage below it is) */
	for (uint32_t i = 0; i < n; i++)
		N[i].q = q_of(&N[i]);
	for (uint32_t a = 0; a < n; a++)
		if ((f->n[a].fl & (F_USER | F_DIRTY)) == F_DIRTY)
			sort_children(f, a);
	visit_root(f);
	write_factors(f, factor);
	for (uint32_t i = 0; i < n; i++)
		f->n[i].fl &= (uint8_t)~F_DIRTY;
}
