/* capsim: multifactor's kept order from certificates (with an accounts
 * tree, between two Fair Tree computations).
 *
 * What is certified: that a pair of neighbours in the kept order, a
 * before b, still goes in that order (cs_prio_cmp's: the higher priority
 * first, ties to the lower jid) at every time before until[] of its
 * place, the priorities being the bits prio_sum works out then. Between
 * computations a job's priority moves only with its age, so from the
 * pair's gap at the time it was compared, its ages and a bound on the
 * rounding (cert_e) the time is known until which the gap cannot close
 * (the case analysis is at the certificates below).
 *
 * Why the order is exact (the very order mf_queue_kept's full sort gives):
 * that sort orders by a strict total order, so an order in which every
 * pair of neighbours is in order now is the one sorted order. The pass
 * keeps that true: a pair whose certificate stands is in order now; one
 * whose certificate ran out (found by the blocks of certificates whose
 * bound is not later than now: ubound, below) is compared on the
 * priorities worked out now and mended (fix_pair); a job that left joins
 * its two neighbours, whose
 * pair takes the sooner certificate (both in order now: so is the pair);
 * after a new computation the jobs whose fair-share term stands keep
 * their certificates (the same inputs), one whose term moved but that
 * still goes between its neighbours stays with its two pairs' ended (so
 * mended as above), the others are taken out (refresh_terms); those and
 * the jobs submitted since are put back by a search over the order
 * sorted now (insert_now: binary, or from a job's old place by doubling
 * steps), each pair made certified. The comparisons are of the doubles mf_queue_kept would sort
 * (prio_sum, the same operands), so no rounding can tell the two orders
 * apart. Where mending would cost more than a sort (more than
 * CERT_ARRIVALS jobs submitted since, too many terms moved) or the bound
 * does not hold (a factor above 1, T not finite), the pass takes
 * mf_queue_kept's sort and certifies its order (certify_all). mf_certs_check
 * (for tests) compares every certified order pair by pair with the
 * priorities worked out. */
#include "mf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The kept order's certificates (with a tree). Between two Fair Tree
 * computations a job's priority is p(t) = fl(fl(fl(w_age x fl(min(1,
 * (t - submit) / max_age))) + wfs) + size) + extra) and its real value
 * R(t) (the same sum, exact) moves only with its age: w_age / max_age a
 * second until t = submit + max_age, then not at all. The pass's order
 * sorts the p's (ties to the lower jid). Each p is within 5.2 u T of its
 * R (u = 2^-53, T = |w_age| + |wfs| + |size| + |extra|); E = 2^-48 T over
 * every job (cert_e) is more than six times that. A pair a before b
 * (compared at tau) is certified to stay in that order at every time
 * before until[], as of this computation:
 *   - both capped at tau (prio_sum's age test): forever, their p's are
 *     the same bits from then on;
 *   - twins (the same submit, wfs, size and extra): forever, the same
 *     bits at every time, and a has the lower jid;
 *   - g = p_a - p_b > 16E: R_a - R_b > g - 2E/6 at tau, and it shrinks
 *     only while a is capped and b not, at w_age / max_age a second, so
 *     it stays above 2E/6 (p_a > p_b) for (g - 16E) x max_age / w_age
 *     seconds of that (less 2^-20 of it and 2 s for the rounding);
 *   - else: only at tau (until = tau + 1).
 * An order whose neighbours are all in order at t is sorted at t. Across
 * a job that left, the pair takes the sooner of its two certificates
 * (both in order at t: so is the pair). */
static _Thread_local int certs_on = 1, certs_checked;
static _Thread_local uint64_t certs_used, certs_wrong;
void mf_certs(int on) { certs_on = on; }
uint64_t mf_certified(void) { return certs_used; }
void mf_certs_check(int on) { certs_checked = on; }
uint64_t mf_certs_wrong(void) { return certs_wrong; }

enum { CERT_ARRIVALS = 32 }; /* more jobs submitted since: the full sort */

/* Job k's priority now (its fair-share term current: with a tree). */
static inline double prio_now(const mf *p, uint32_t k, cs_time now)
{
	return prio_sum(p->w_age, p->max_age, now, &p->pin[k], p->pin[k].wfs, 1);
}

/* Does a (priority pa) go before b (pb)? (cs_prio_cmp's order) */
static inline int before(uint32_t a, double pa, uint32_t b, double pb)
{
	return pa > pb || (pa == pb && a < b);
}

/* cert_e, worked out once: 2^-48 T (see above), or -1 where it is not
 * finite (no certificates). */
static void cert_bound(mf *p)
{
	double size = 0, extra = 0;
	for (size_t k = 0; k < p->njobs; k++) {
		double s = fabs(p->pin[k].size), e = fabs(p->pin[k].extra);
		size = s > size ? s : size;
		extra = e > extra ? e : extra;
	}
	double t = fabs(p->w_age) + fabs(p->w_fs) + size + extra;
	p->cert_e = isfinite(t) && p->max_age > 0 ? (t > 0 ? ldexp(t, -48) : 0x1p-1000) : -1;
}

/* Is x capped at tau (prio_sum's age test)? */
static inline int capped(const mf *p, const struct prio_in *x, cs_time tau)
{
	return !((double)(tau - x->submit) / p->max_age < 1);
}

/* certify_pair's, x and y a's and b's inputs, ca and cb capped(). */
static cs_time certify_at(const mf *p, cs_time tau, const struct prio_in *x, double pa, int ca, const struct prio_in *y,
			  double pb, int cb)
{
	double g = pa - pb, e16 = 16 * p->cert_e;
	if (ca && cb) /* both capped: their p's stand (the age term is w_age x 1 from now on) */
		return INT64_MAX;
	if (!(g > e16)) {
		if (x->submit == y->submit && x->wfs == y->wfs && x->size == y->size && x->extra == y->extra)
			return INT64_MAX;
		return tau + 1;
	}
	if (p->w_age == 0)
		return INT64_MAX;
	double cap_a = (double)x->submit + p->max_age, cap_b = (double)y->submit + p->max_age;
	double start = cap_a > (double)tau ? cap_a : (double)tau;
	if (start >= cap_b)
		return INT64_MAX;
	double end = start + (g - e16) / p->w_age * p->max_age * (1 - 0x1p-20) - 2;
	if (!(end < 0x1p62))
		return INT64_MAX;
	/* (end >= tau + 1 >= 1: the conversion is floor) */
	return end >= (double)tau + 1 ? (cs_time)end : tau + 1;
}

/* The certificate of a (priority pa) before b (pb), both worked out at
 * tau and in that order: until when the pair keeps it (above). */
static cs_time certify_pair(const mf *p, cs_time tau, uint32_t a, double pa, uint32_t b, double pb)
{
	const struct prio_in *x = &p->pin[a], *y = &p->pin[b];
	return certify_at(p, tau, x, pa, capped(p, x, tau), y, pb, capped(p, y, tau));
}

cs_time mf_certify(mf *p, cs_time tau, uint32_t a, uint32_t b)
{
	if (p->cert_e == 0)
		cert_bound(p);
	return certify_pair(p, tau, a, prio_now(p, a, tau), b, prio_now(p, b, tau));
}

/* certify_pair's, kept in the bound p->min_until (no certificate ends
 * before it). */
static inline cs_time certify(mf *p, cs_time tau, uint32_t a, double pa, uint32_t b, double pb)
{
	cs_time t = certify_pair(p, tau, a, pa, b, pb);
	p->min_until = t < p->min_until ? t : p->min_until;
	return t;
}

/* The bounds (p->ubound): block k's is a time before which no
 * certificate of until_mem[k x UNTIL_BLOCK ..) in the order's part
 * until[0 .. n - 1) ends (until[n - 1] is no pair's). A write lowers its
 * block's (set_until); a move lowers each block it moves entries into by
 * those that came from another block (move_until: those from the same
 * block were under its bound already), so a certificate moves with its
 * entry and no bound is ever later than one of its block's. A pass reads
 * the certificates of the blocks whose bound is not later than now only,
 * and raises each of those bounds to the least certificate left in it. */
static inline void set_until(mf *p, size_t i, cs_time t)
{
	cs_time *b = &p->ubound[(p->base + i) / UNTIL_BLOCK];
	p->until[i] = t;
	*b = t < *b ? t : *b;
}

/* move_until's moves by a block or more: block k's entries came from the
 * one or two blocks of from + (q - to) for its first and last q; the
 * source's bounds read before they are lowered. */
static void move_far(cs_time *b, size_t to, size_t from, size_t end, size_t k0, size_t k1)
{
	for (size_t j = 0; j <= k1 - k0; j++) {
		size_t k = to > from ? k1 - j : k0 + j;
		size_t q = k * UNTIL_BLOCK > to ? k * UNTIL_BLOCK : to,
		       qe = (k + 1) * UNTIL_BLOCK < end ? (k + 1) * UNTIL_BLOCK : end;
		cs_time x = b[(from + (q - to)) / UNTIL_BLOCK], y = b[(from + (qe - 1 - to)) / UNTIL_BLOCK];
		x = x < y ? x : y;
		b[k] = x < b[k] ? x : b[k];
	}
}

/* until_mem[from .. from + len) moved to [to ..), the bounds kept (inline:
 * most moves are by fewer places than a block, at insert_now's and
 * pack_gaps' every block). */
static inline __attribute__((always_inline)) void move_until(mf *p, size_t to, size_t from, size_t len)
{
	cs_time *u = p->until_mem, *b = p->ubound;
	if (!len || to == from)
		return;
	memmove(&u[to], &u[from], len * sizeof *u);
	size_t end = to + len, k0 = to / UNTIL_BLOCK, k1 = (end - 1) / UNTIL_BLOCK;
	if (to > from && to - from < UNTIL_BLOCK) {
		/* block k's entries from another block came from k - 1 */
		for (size_t k = k1; k > k0; k--)
			b[k] = b[k - 1] < b[k] ? b[k - 1] : b[k];
		if (from / UNTIL_BLOCK < k0)
			b[k0] = b[k0 - 1] < b[k0] ? b[k0 - 1] : b[k0];
	} else if (to < from && from - to < UNTIL_BLOCK) {
		/* from k + 1 */
		for (size_t k = k0; k < k1; k++)
			b[k] = b[k + 1] < b[k] ? b[k + 1] : b[k];
		if ((from + len - 1) / UNTIL_BLOCK > k1)
			b[k1] = b[k1 + 1] < b[k1] ? b[k1 + 1] : b[k1];
	} else {
		move_far(b, to, from, end, k0, k1);
	}
}

/* The bounds of o[i0 .. n)'s certificates' blocks worked out again from
 * them (the whole of each block in o): the least of those. */
static cs_time bound_from(mf *p, size_t i0, size_t n)
{
	const cs_time *u = p->until_mem;
	cs_time least = INT64_MAX;
	size_t s = p->base, e = n > 1 ? s + n - 1 : s;
	for (size_t k = (s + i0) / UNTIL_BLOCK; k * UNTIL_BLOCK < e; k++) {
		size_t q = k * UNTIL_BLOCK > s ? k * UNTIL_BLOCK : s, qe = (k + 1) * UNTIL_BLOCK < e ? (k + 1) * UNTIL_BLOCK : e;
		cs_time m = INT64_MAX;
		for (; q < qe; q++)
			m = u[q] < m ? u[q] : m;
		p->ubound[k] = m;
		least = m < least ? m : least;
	}
	return least;
}

/* After mf_queue_kept (every o[].prio worked out now): certify every pair. */
static void certify_all(mf *p, cs_time now, size_t n)
{
	const cs_ranked *o = p->order;
	if (p->cert_e == 0)
		cert_bound(p);
	p->cert_calc = 0;
	if (p->cert_e < 0)
		return;
	const double wfs_max = fabs(p->w_fs);
	cs_time *until = p->until;
	const struct prio_in *y = n ? &p->pin[o[0].jid] : NULL;
	int cb = n ? capped(p, y, now) : 0;
	for (size_t i = 0; i < n; i++) {
		const struct prio_in *x = y;
		int ca = cb;
		if (fabs(x->wfs) > wfs_max) { /* (a factor above 1: T is not a bound) */
			p->cert_e = -1;
			return;
		}
		if (i + 1 == n)
			break;
		y = &p->pin[o[i + 1].jid];
		cb = capped(p, y, now);
		until[i] = certify_at(p, now, x, o[i].prio, ca, y, o[i + 1].prio, cb);
	}
	p->min_until = bound_from(p, 0, n);
	p->cert_calc = p->ncalc;
}

/* Pair i - 1, i of o[0 .. n) is not certified now: compare it, and move
 * o[i] up where it goes before o[i - 1]; the pairs made are certified now
 * (those passed over keep theirs: certified now, as fixes go up the
 * order). 1 if o[i] moved: then the pair i, i + 1 (if any) is not known
 * to be in order, and must be fixed next. */
static int fix_pair(mf *p, cs_time now, size_t i)
{
	cs_ranked *o = p->order;
	uint32_t a = o[i - 1].jid, x = o[i].jid;
	double pa = prio_now(p, a, now), px = prio_now(p, x, now);
	if (before(a, pa, x, px)) {
		set_until(p, i - 1, certify(p, now, a, pa, x, px));
		return 0;
	}
	cs_ranked xe = o[i];
	size_t k = i - 1;
	double pk = pa; /* o[k]'s, x goes before it */
	while (k > 0) {
		double pb = prio_now(p, o[k - 1].jid, now);
		if (before(o[k - 1].jid, pb, x, px)) {
			set_until(p, k - 1, certify(p, now, o[k - 1].jid, pb, x, px));
			break;
		}
		pk = pb;
		k--;
	}
	memmove(&o[k + 1], &o[k], (i - k) * sizeof *o);
	if (i - 1 > k)
		move_until(p, p->base + k + 1, p->base + k, i - 1 - k);
	o[k] = xe;
	set_until(p, k, certify(p, now, x, px, o[k + 1].jid, pk));
	return 1; /* (o[i] is the old o[i - 1], next to o[i + 1] for the first time) */
}

/* (tests: mf.h) */
static _Thread_local size_t order_room = ORDER_ROOM;
static _Thread_local uint64_t order_rebased, order_up, order_down;
void mf_order_room(size_t room) { order_room = room && room < ORDER_ROOM ? room : ORDER_ROOM; }
uint64_t mf_order_rebased(void) { return order_rebased; }
uint64_t mf_order_up(void) { return order_up; }
uint64_t mf_order_down(void) { return order_down; }

/* a[0 .. k) in cs_prio_cmp's order: by insertion where there are few
 * (usually one or two), else by a merge sort through p->sort_tmp (grown
 * to the most asked; qsort where it cannot grow). The order is strict and
 * total over finite priorities, which certificates imply, so the sorted
 * order is one. */
static __attribute__((noinline)) void sort_few(mf *p, cs_ranked *a, size_t k)
{
#define RANKED_BEFORE(x, y) before((x).jid, (x).prio, (y).jid, (y).prio)
	if (k <= 16) {
		CS_ISORT(cs_ranked, a, k, RANKED_BEFORE);
		return;
	}
	if (k > p->sort_cap) {
		cs_ranked *t = realloc(p->sort_tmp, 2 * k * sizeof *t);
		if (!t) {
			qsort(a, k, sizeof *a, cs_prio_cmp);
			return;
		}
		p->sort_tmp = t;
		p->sort_cap = 2 * k;
	}
	CS_MSORT(cs_ranked, a, p->sort_tmp, k, 8, RANKED_BEFORE);
#undef RANKED_BEFORE
}

/* Put the k waiting jobs of add[] (priorities now) into o[0 .. n),
 * sorted now: add[] sorted, each place found by a binary search in o (at
 * or after the last one's), then the blocks between moved once, from the
 * end; the pairs made are certified. The new length. */
static size_t insert_now(mf *p, cs_time now, cs_ranked *add, size_t k, size_t n)
{
	cs_ranked *o = p->order;
	if (!k)
		return n;
	sort_few(p, add, k);
	uint32_t *at = p->fixes; /* (scratch: done with) */
	for (size_t j = 0, lo = 0; j < k; j++) {
		size_t hi = n; /* the first place add[j] goes before */
		uint32_t s = p->near[add[j].jid];
		if (s != UINT32_MAX) {
			/* a job taken out at a computation mostly goes back
			 * near where it was: [lo, hi) narrowed from there by
			 * steps that double (any start gives the one place) */
			p->near[add[j].jid] = UINT32_MAX;
			size_t q = s < lo ? lo : s > n ? n : s;
			if (q < n && before(o[q].jid, prio_now(p, o[q].jid, now), add[j].jid, add[j].prio)) {
				lo = q + 1;
				for (size_t d = 1; q + d < hi; d *= 2) {
					if (!before(o[q + d].jid, prio_now(p, o[q + d].jid, now), add[j].jid, add[j].prio)) {
						hi = q + d;
						break;
					}
					lo = q + d + 1;
				}
			} else {
				hi = q;
				for (size_t d = 1; d <= q - lo; d *= 2) {
					if (before(o[q - d].jid, prio_now(p, o[q - d].jid, now), add[j].jid, add[j].prio)) {
						lo = q - d + 1;
						break;
					}
					hi = q - d;
				}
			}
		}
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (before(o[mid].jid, prio_now(p, o[mid].jid, now), add[j].jid, add[j].prio))
				lo = mid + 1;
			else
				hi = mid;
		}
		at[j] = (uint32_t)lo;
	}
	/* add[0 .. h) go in by moving the entries before them down (the
	 * order's start moves down by h, at most base), the others by moving
	 * those after them up; h moves the fewest. In d (the new start's
	 * places), old entry i of the block before at[j] (j < h) goes to i + j,
	 * of the block from at[j] (j >= h) to i + j + 1, and add[j] to at[j] + j. */
	size_t h = 0, best = n - at[0];
	for (size_t j = 0; j < k && j < p->base; j++) {
		size_t cost = at[j] + (j + 1 < k ? n - at[j + 1] : 0);
		if (cost < best) {
			best = cost;
			h = j + 1;
		}
	}
	cs_ranked *d = o - h;
	size_t b = p->base, db = b - h; /* (until's and du's places in until_mem) */
	for (size_t j = 0; j < h; j++) {
		size_t from = j ? at[j - 1] : 0;
		memmove(&d[from + j], &o[from], (at[j] - from) * sizeof *o);
		move_until(p, db + from + j, b + from, at[j] - from);
	}
	for (size_t j = k, end = n; j-- > h; end = at[j]) {
		memmove(&d[at[j] + j + 1], &o[at[j]], (end - at[j]) * sizeof *o);
		move_until(p, db + at[j] + j + 1, b + at[j], end - at[j]);
	}
	for (size_t j = 0; j < k; j++)
		d[at[j] + j] = add[j];
	order_down += h;
	p->base -= h;
	p->order = o = d;
	p->until -= h;
	n += k;
	for (size_t j = 0; j < k; j++) {
		size_t q = at[j] + j;
		if (q > 0)
			set_until(p, q - 1, certify(p, now, o[q - 1].jid, prio_now(p, o[q - 1].jid, now), o[q].jid, add[j].prio));
		if (q + 1 < n)
			set_until(p, q, certify(p, now, o[q].jid, add[j].prio, o[q + 1].jid, prio_now(p, o[q + 1].jid, now)));
	}
	return n;
}

/* The order o[0 .. nk) (with until) without the walk's gaps, p->gaps[0
 * .. m) (ascending, each a place of a job started, or of one whose term
 * moved: refresh_terms): the length left.
 * A pair across a gap takes the sooner certificate (each gap's until is
 * folded into the last entry kept before it). Each gap is closed from
 * its shorter side: the gaps g[0 .. h) by moving the blocks before them
 * up (the order's start, p->base, moves up by h), the others by moving
 * the blocks after them down, h chosen to move the fewest entries; once
 * the start has no room left (ORDER_ROOM) the whole order goes back to
 * the allocation's start first (and h is at most the room). */
static size_t pack_gaps(mf *p, size_t nk)
{
	const uint32_t *g = p->gaps;
	size_t m = p->ngaps;
	if (!m)
		return nk;
	if (p->base + m > order_room) {
		order_rebased++;
		memmove(p->order_mem, p->order, nk * sizeof *p->order);
		move_until(p, 0, p->base, nk);
		p->order = p->order_mem;
		p->until = p->until_mem;
		p->base = 0;
	}
	cs_ranked *o = p->order;
	cs_time *until = p->until;
	/* the certificates across gaps; h: the kept entries before g[h - 1]
	 * plus those after g[h], least */
	size_t last = SIZE_MAX; /* the last entry kept before g[j] */
	size_t h = 0, best = nk - g[0] - 1 - (m - 1), room = order_room > p->base ? order_room - p->base : 0;
	for (size_t j = 0; j < m; j++) {
		if (g[j] > 0 && !(j > 0 && g[j - 1] == g[j] - 1))
			last = g[j] - 1;
		if (last != SIZE_MAX && until[g[j]] < until[last])
			set_until(p, last, until[g[j]]);
		size_t cost = g[j] - j + (j + 1 < m ? nk - g[j + 1] - 1 - (m - 2 - j) : 0);
		if (cost < best && j < room) {
			best = cost;
			h = j + 1;
		}
	}
	/* up: the block before g[j] by h - j (from the last, g[-1] = -1) */
	for (size_t j = h; j-- > 0;) {
		size_t from = j ? g[j - 1] + 1 : 0, len = g[j] - from;
		memmove(&o[from + h - j], &o[from], len * sizeof *o);
		move_until(p, p->base + from + h - j, p->base + from, len);
	}
	/* down: the block after g[j] by j - h + 1 (g[m] = nk) */
	for (size_t j = h; j < m; j++) {
		size_t from = g[j] + 1, len = (j + 1 < m ? g[j + 1] : nk) - from;
		memmove(&o[from - (j - h + 1)], &o[from], len * sizeof *o);
		move_until(p, p->base + from - (j - h + 1), p->base + from, len);
	}
	order_up += h;
	p->base += h;
	p->order += h;
	p->until += h;
	return nk - m;
}

/* Does o[i], its term new, go between o[l] and o[r] now (SIZE_MAX:
 * none)? */
static int stays(const mf *p, cs_time now, size_t i, size_t l, size_t r)
{
	const cs_ranked *o = p->order;
	uint32_t x = o[i].jid;
	double px = prio_now(p, x, now);
	return (l == SIZE_MAX || before(o[l].jid, prio_now(p, o[l].jid, now), x, px)) &&
	       (r == SIZE_MAX || before(x, px, o[r].jid, prio_now(p, o[r].jid, now)));
}

/* After a new computation, o[0 .. n) (the kept jobs, each certified with
 * its fair-share term as it was): every job's term brought up to date;
 * of those whose term moved, one that still goes between its neighbours
 * now stays, its two pairs' certificates ended (the pass compares them,
 * fix_pair, as any pair whose certificate ran out), and the others are
 * taken out into p->moved, their places packed as the walk's gaps are
 * (pack_gaps: a pair across one takes the sooner certificate; the
 * others' stand, their inputs being the same). The jobs left (p->order
 * and p->until may have moved); a factor above 1 (T is not a bound) turns
 * the certificates off (cert_e < 0). */
static size_t refresh_terms(mf *p, cs_time now, size_t n, size_t *nmoved)
{
	const cs_ranked *o = p->order;
	const double w_fs = p->w_fs, wfs_max = fabs(w_fs);
	const uint64_t calc = p->ncalc;
	struct prio_in *pin = p->pin;
	uint32_t *g = p->gaps;
	size_t m = 0;
	/* each waiting user's term, fs_term's product (w_fs x its factor):
	 * where it is its last refresh's and that refresh was the
	 * certificates' computation, every job of the user in o has it (o's
	 * terms are of cert_calc: refreshed then, or given since by fs_term
	 * in that computation), and none is read; else each of its waiting
	 * jobs is compared, and one whose term moved written and marked
	 * (wmark; one whose term stands is not written, its calc left
	 * behind: fs_term would write the same double) */
	uint64_t *mark = p->wmark;
	size_t nmarked = 0, nch = 0;
	cs_fairtree_factors(p->ft, p->wusers, p->nwusers, p->wfac);
	for (uint32_t i = 0; i < p->nwusers; i++) {
		uint32_t u = p->wusers[i];
		if (i + 8 < p->nwusers)
			__builtin_prefetch(&p->uterm[p->wusers[i + 8]]);
		struct uterm *ut = &p->uterm[u];
		double t = w_fs * p->wfac[i];
		int stood = ut->calc == p->cert_calc && ut->term == t;
		*ut = (struct uterm){ calc, t };
		if (stood)
			continue;
		p->wuchg[nch++] = u;
		for (uint32_t j = p->wu_first[u]; j != UINT32_MAX; j = p->wj_next[j]) {
			struct prio_in *x = &pin[j];
			if (t == x->wfs)
				continue;
			x->wfs = t;
			x->calc = calc;
			mark[j / 64] |= (uint64_t)1 << (j % 64);
			nmarked++;
		}
	}
	/* the places of the marked jobs in o, listed in g (a marked job
	 * not in o, submitted since, is one fs_term will find current) */
	for (const cs_ranked *e = o, *end = o + n; nmarked && e < end; e++) {
		uint32_t j = e->jid;
		uint64_t b = (uint64_t)1 << (j % 64);
		if (!(mark[j / 64] & b))
			continue;
		mark[j / 64] &= ~b;
		nmarked--;
		g[m++] = (uint32_t)(e - o);
	}
	for (size_t c = 0; nmarked && c < nch; c++)
		for (uint32_t j = p->wu_first[p->wuchg[c]]; j != UINT32_MAX; j = p->wj_next[j])
			mark[j / 64] &= ~((uint64_t)1 << (j % 64));
	/* a moved job stays if it goes between the last job kept before it
	 * (one whose term stands, or one that stays) and the next whose term
	 * stands (else a run of one user's jobs, each in order with the next,
	 * would stay where it all should move) */
	uint32_t *rn = p->fixes; /* (scratch until the fixes) rn[j]: the next place after g[j] whose term stands */
	for (size_t j = m; j-- > 0;)
		rn[j] = j + 1 < m && g[j + 1] == g[j] + 1 ? rn[j + 1] : g[j] + 1;
	size_t k = 0, l = SIZE_MAX, prev = SIZE_MAX; /* l: the last place kept before g[j] */
	for (size_t j = 0; j < m; j++) {
		size_t i = g[j];
		if (fabs(pin[o[i].jid].wfs) > wfs_max)
			p->cert_e = -1;
		if (prev != i - 1)
			l = i - 1; /* (a term that stands, or none from 0: SIZE_MAX) */
		prev = i;
		if (stays(p, now, i, l, rn[j] < n ? rn[j] : SIZE_MAX)) {
			if (i > 0)
				set_until(p, i - 1, now);
			if (i + 1 < n)
				set_until(p, i, now);
			p->min_until = now < p->min_until ? now : p->min_until;
			l = i;
			continue;
		}
		p->moved[k] = o[i].jid;
		p->near[o[i].jid] = (uint32_t)(i - k); /* (its place once packed) */
		g[k++] = (uint32_t)i; /* (the walk's, packed already) */
	}
	*nmoved = p->ngaps = k;
	return pack_gaps(p, n);
}

/* mf_queue_kept's order from the certificates (few jobs submitted since):
 * the jobs still waiting in the last order; after a new computation,
 * those whose fair-share term moved taken out; the pairs whose
 * certificate ran out compared and mended; then each job taken out, and
 * each submitted since (in jid order, admitted as mf_queue_kept admits), put
 * in its place by a binary search. No other priority is worked out. Its
 * length, or SIZE_MAX where too many terms moved (then o[0 .. nkept)
 * holds every waiting job but those submitted since, for mf_queue_kept). */
static size_t queue_certified(mf *p, cs_sched_ctx *ctx, cs_time now, int walked)
{
	cs_ranked *o = p->order;
	cs_time *until = p->until;
	const uint8_t *fresh = p->fresh;
	size_t n = 0, nfix = 0, nk = p->nkept;
	/* after the walk: if the order's entries but its gaps are as many as
	 * the jobs waiting but those submitted since, they are those jobs
	 * (they hold every one of them, each once) */
	size_t nfresh = 0;
	for (size_t i = 0; i < p->narrived; i++)
		nfresh += cs_fifo_has(&p->q, p->arrived[i]);
	if (walked && nk - p->ngaps + nfresh == p->q.count) {
		n = pack_gaps(p, nk);
		o = p->order;
		until = p->until;
	} else {
		cs_time acc = INT64_MAX; /* acc: from o[n - 1] to the next job kept */
		for (size_t i = 0; i < nk; i++) {
			uint32_t k = o[i].jid;
			cs_time u = until[i];
			if (k == UINT32_MAX || fresh[k] || !cs_fifo_has(&p->q, k)) {
				acc = u < acc ? u : acc;
				continue;
			}
			if (n)
				until[n - 1] = acc;
			o[n++] = o[i];
			acc = u;
		}
		p->min_until = bound_from(p, 0, n);
	}
	size_t nmoved = 0;
	if (p->cert_calc != p->ncalc) {
		size_t m = refresh_terms(p, now, n, &nmoved);
		o = p->order;
		until = p->until;
		if (p->cert_e < 0 || nmoved > CERT_ARRIVALS + m) { /* (mf_queue_kept's then) */
			for (size_t i = 0; i < nmoved; i++)
				o[m + i] = (cs_ranked){ 0, p->moved[i], p->pin[p->moved[i]].key };
			p->nkept = m + nmoved;
			return SIZE_MAX;
		}
		n = m;
		p->kept_calc = p->cert_calc = p->ncalc;
	}
	/* only the pairs whose certificate ended need a look: those of the
	 * blocks whose bound is not later than now (the bound of each of
	 * those raised to the least certificate left in it) */
	if (p->min_until <= now && n > 1) {
		const cs_time *u = p->until_mem;
		cs_time *ub = p->ubound, lo = INT64_MAX;
		size_t s = p->base, e = s + n - 1;
		for (size_t k = s / UNTIL_BLOCK; k * UNTIL_BLOCK < e; k++) {
			if (ub[k] > now) {
				lo = ub[k] < lo ? ub[k] : lo;
				continue;
			}
			size_t q = k * UNTIL_BLOCK > s ? k * UNTIL_BLOCK : s,
			       qe = (k + 1) * UNTIL_BLOCK < e ? (k + 1) * UNTIL_BLOCK : e;
			cs_time m = INT64_MAX;
			for (; q < qe; q++) {
				if (q + 4 <= qe) { /* (four at a time where none of them ended) */
					cs_time a = u[q] < u[q + 1] ? u[q] : u[q + 1], c = u[q + 2] < u[q + 3] ? u[q + 2] : u[q + 3];
					a = a < c ? a : c;
					if (a > now) {
						m = a < m ? a : m;
						q += 3;
						continue;
					}
				}
				if (u[q] <= now)
					p->fixes[nfix++] = (uint32_t)(q - s + 1);
				else
					m = u[q] < m ? u[q] : m;
			}
			ub[k] = m;
			lo = m < lo ? m : lo;
		}
		p->min_until = lo; /* (and the fixes' new ones) */
	}
	for (size_t f = 0; f < nfix; f++)
		for (size_t i = p->fixes[f]; fix_pair(p, now, i) && ++i < n;)
			if (f + 1 < nfix && p->fixes[f + 1] == i)
				f++; /* (fixed here) */
	cs_ranked *add = p->order2;
	size_t nadd = 0;
	for (size_t i = 0; i < nmoved; i++) {
		uint32_t k = p->moved[i];
		add[nadd++] = (cs_ranked){ prio_now(p, k, now), k, p->pin[k].key };
	}
	nadd = take_arrived(p, ctx, now, add, nadd);
	n = insert_now(p, now, add, nadd, n);
	p->nkept = n;
	certs_used++;
	return n;
}

/* The pass's order with the kept order: from its certificates where
 * they stand, else mf_queue_kept's full sort (certified for the next). */
size_t mfcert_queue_ordered(mf *p, cs_sched_ctx *ctx, cs_time now)
{
	int walked = p->walked;
	p->walked = 0; /* (until this pass's walk) */
	if (p->tree && certs_on && p->cert_calc && p->cert_e > 0 && p->narrived <= CERT_ARRIVALS) {
		size_t n = queue_certified(p, ctx, now, walked);
		for (size_t i = 1; certs_checked && n != SIZE_MAX && i < n; i++) /* (tests) */
			certs_wrong += !before(p->order[i - 1].jid, prio_now(p, p->order[i - 1].jid, now), p->order[i].jid,
					       prio_now(p, p->order[i].jid, now)) ||
				       p->until[i - 1] <= now || p->ubound[(p->base + i - 1) / UNTIL_BLOCK] > p->until[i - 1];
		for (size_t i = 0; certs_checked && n != SIZE_MAX && i < n; i++) { /* (tests: the terms read) */
			const struct prio_in *x = &p->pin[p->order[i].jid];
			certs_wrong += !(x->wfs == p->w_fs * cs_fairtree_factor(p->ft, x->fs_acct));
		}
		if (certs_checked) { /* (tests: the users' lists hold the queue, no mark is left) */
			size_t listed = 0;
			for (uint32_t i = 0; i < p->nwusers; i++) {
				uint32_t u = p->wusers[i];
				certs_wrong += p->wu_at[u] != i || p->wu_first[u] == UINT32_MAX;
				for (uint32_t j = p->wu_first[u]; j != UINT32_MAX; j = p->wj_next[j], listed++)
					certs_wrong += !cs_fifo_has(&p->q, j) || p->pin[j].fs_acct != u ||
						       (p->wmark[j / 64] >> (j % 64) & 1);
			}
			certs_wrong += listed != p->q.count;
		}
		if (n != SIZE_MAX)
			return n;
	}
	size_t n = mf_queue_kept(p, ctx, now);
	if (p->tree && certs_on)
		certify_all(p, now, n);
	else
		p->cert_calc = 0;
	return n;
}
