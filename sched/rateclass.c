/* capsim: rate classes (see rateclass.h). */
#include "rateclass.h"
#include "dense.h"

#include <stdlib.h>
#include <string.h>

static uint32_t hash(double r, uint32_t mask)
{
	uint64_t b;
	memcpy(&b, &r, sizeof b);
	return (uint32_t)((b * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

/* Arrays for cap classes and a hash of 4 x cap slots, the classes so far
 * entered again. 0, or -1 (nothing changed but the arrays' sizes). */
static int grow(cs_rateclass *c, uint32_t cap)
{
	uint32_t mask = 4 * cap - 1;
	double *rate = realloc(c->rate, cap * sizeof *rate);
	if (rate)
		c->rate = rate;
	double *charge = realloc(c->charge, cap * sizeof *charge);
	if (charge)
		c->charge = charge;
	uint32_t *nrun = realloc(c->nrun, cap * sizeof *nrun);
	if (nrun)
		c->nrun = nrun;
	uint32_t *at = realloc(c->at, cap * sizeof *at);
	if (at)
		c->at = at;
	uint32_t *live = realloc(c->live, cap * sizeof *live);
	if (live)
		c->live = live;
	uint32_t *slot = calloc((size_t)mask + 1, sizeof *slot);
	if (!rate || !charge || !nrun || !at || !live || !slot) {
		free(slot);
		return -1;
	}
	for (uint32_t k = 0; k < c->n; k++) {
		uint32_t g = hash(c->rate[k], mask);
		while (slot[g])
			g = (g + 1) & mask;
		slot[g] = k + 1;
	}
	free(c->slot);
	c->slot = slot;
	c->mask = mask;
	c->cap = cap;
	return 0;
}

int cs_rateclass_init(cs_rateclass *c)
{
	memset(c, 0, sizeof *c);
	if (grow(c, 64) < 0) {
		cs_rateclass_free(c);
		return -1;
	}
	return 0;
}

void cs_rateclass_free(cs_rateclass *c)
{
	free(c->rate);
	free(c->charge);
	free(c->nrun);
	free(c->at);
	free(c->live);
	free(c->slot);
	memset(c, 0, sizeof *c);
}

uint32_t cs_rateclass_of(cs_rateclass *c, double r)
{
	uint32_t h = hash(r, c->mask);
	for (; c->slot[h]; h = (h + 1) & c->mask)
		if (memcmp(&c->rate[c->slot[h] - 1], &r, sizeof r) == 0)
			return c->slot[h] - 1;
	if (c->n == c->cap) {
		if (c->cap > UINT32_MAX / 8 || grow(c, 2 * c->cap) < 0)
			return CS_NO_CLASS;
		for (h = hash(r, c->mask); c->slot[h]; h = (h + 1) & c->mask)
			;
	}
	c->rate[c->n] = r;
	c->charge[c->n] = 0; /* (read for a gone entry before the class is ever live) */
	c->nrun[c->n] = 0;
	c->slot[h] = ++c->n;
	return c->n - 1;
}

void cs_rateclass_enter(cs_rateclass *c, uint32_t k)
{
	if (c->nrun[k]++ == 0)
		cs_dense_add(c->live, c->at, &c->nlive, k);
}

void cs_rateclass_leave(cs_rateclass *c, uint32_t k)
{
	if (--c->nrun[k] == 0)
		cs_dense_remove(c->live, c->at, &c->nlive, k);
}

void cs_rateclass_charge_live(cs_rateclass *c, double charge, double scale)
{
#pragma GCC unroll 4 /* the loop's test once every four classes */
	for (uint32_t i = 0; i < c->nlive; i++) {
		uint32_t k = c->live[i];
		c->charge[k] = c->rate[k] * charge / scale;
	}
}

/* With t a normal double in [2^e, 2^(e+1)) and u = 2^(e-52) its spacing,
 * every sum below 2^(e+1) rounds to a multiple of u, and t + c rounds to
 * t + R x u with R = c / u rounded to the nearest integer, whatever t is,
 * unless c / u lies halfway between two integers (then the tie goes to the
 * even multiple, which depends on t). So as long as the sums stay in t's
 * binade and no live class's charge is a tie, adding the charges one by
 * one, in any order, adds the sum of their R x u: an integer sum. R is
 * read off t itself: fl(t + c) - t is exact (Fast2Sum) and so is the
 * rounding error c - (fl(t + c) - t), which is +-u/2 only at a tie. */
int cs_rateclass_total(const cs_rateclass *c, double *t)
{
	double x = *t;
	if (!(x >= 0x1p-960) || !(x < 0x1p1000))
		return -1; /* zero, subnormal spacing, or near overflow */
	/* u: x's exponent less 52, as bits (x is normal and u too) */
	uint64_t b;
	memcpy(&b, &x, sizeof b);
	b = (b & 0x7ff0000000000000ull) - (52ull << 52);
	double u, inv;
	memcpy(&u, &b, sizeof u);
	inv = 1 / u; /* a power of two: exact */
	double half = u / 2, lim = 0x1p53 * u;
	uint64_t room = (1ull << 53) - 1 - (uint64_t)(x * inv), sum = 0;
	for (uint32_t i = 0; i < c->nlive; i++) {
		uint32_t k = c->live[i];
		double ck = c->charge[k], d = (x + ck) - x, err = ck - d;
		if (!(d >= 0 && d < lim) || err == half || err == -half)
			return -1; /* out of the binade, or a tie */
		uint64_t r;
		if (__builtin_mul_overflow((uint64_t)(d * inv), (uint64_t)c->nrun[k], &r) || r > room - sum)
			return -1;
		sum += r;
	}
	*t = x + (double)sum * u;
	return 0;
}
