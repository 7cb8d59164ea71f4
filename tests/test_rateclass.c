/* capsim tests: multifactor's rate classes (sched/rateclass.c): each
 * distinct rate one class, kept as the table grows, the classes with
 * running jobs (live) tracked, and a class's charge the same double as the
 * running job's own rate x charge / scale; the total of the live charges
 * by class the double that adding them one by one gives. */
#include <criterion/criterion.h>

#include "rateclass.h"

#include <math.h>
#include <string.h>

/* 1,000 rates (the table starts at 64 classes: it grows four times, each
 * time entering the classes again), each given twice in a different
 * order: the second time every rate finds the class it got first. */
Test(rateclass, every_rate_keeps_its_class_as_the_table_grows)
{
	enum { N = 1000 };
	static uint32_t first[N];
	cs_rateclass c;
	cr_assert_eq(cs_rateclass_init(&c), 0);
	for (uint32_t i = 0; i < N; i++) {
		first[i] = cs_rateclass_of(&c, 0.5 + i * 0.25);
		cr_assert_eq(first[i], i, "rate %u: class %u, want %u (new classes in order)", i, first[i], i);
	}
	cr_assert_eq(c.n, N);
	cr_assert_geq(c.cap, N);
	for (uint32_t k = 0; k < N; k++) {
		uint32_t i = (k * 7919u) % N; /* 7919 is prime: every i once */
		cr_assert_eq(cs_rateclass_of(&c, 0.5 + i * 0.25), first[i], "rate %u found again", i);
	}
	cr_assert_eq(c.n, N, "no class added for a rate seen before");
	cs_rateclass_free(&c);
}

/* Rates are told apart by their bits: 1 and the next double up are two
 * classes. A live class's charge is the same double as the expression a
 * running job would give; one never live charges 0. */
Test(rateclass, charge_is_the_rates_own)
{
	cs_rateclass c;
	cr_assert_eq(cs_rateclass_init(&c), 0);
	uint32_t a = cs_rateclass_of(&c, 1.0), b = cs_rateclass_of(&c, 1.0000000000000002);
	cr_assert_neq(a, b);
	double rate = 3.7, charge = 112.3, scale = 0.917;
	uint32_t k = cs_rateclass_of(&c, rate);
	cs_rateclass_enter(&c, k);
	cs_rateclass_charge_live(&c, charge, scale);
	cr_assert(c.charge[k] == rate * charge / scale);
	cs_rateclass_charge_live(&c, 5, 7);
	cr_assert(c.charge[k] == rate * 5 / 7, "worked out again");
	/* a class never live charges 0 (multifactor's gone entries may read
	 * it), also past the table's growth */
	for (int i = 0; i < 200; i++) {
		uint32_t m = cs_rateclass_of(&c, 10.0 + i);
		cs_rateclass_charge_live(&c, charge, scale);
		cr_assert(c.charge[m] == 0, "class %u never live", m);
	}
	cs_rateclass_free(&c);
}

/* The live classes against a count per class: random starts and stops of
 * jobs over 300 classes (the table grows under them); after each, the
 * live set holds exactly the classes with a job running, each once, and
 * cs_rateclass_charge_live gives each of them its rate x charge / scale. */
Test(rateclass, live_classes_are_those_with_running_jobs)
{
	enum { K = 300, STEPS = 20000 };
	static uint32_t running[K], seen[K];
	static double rate[K];
	cs_rateclass c;
	cr_assert_eq(cs_rateclass_init(&c), 0);
	unsigned long long r = 11;
#define RND(n) (r ^= r << 13, r ^= r >> 7, r ^= r << 17, (uint32_t)(r % (n)))
	uint32_t nk = 0;
	for (int step = 0; step < STEPS; step++) {
		if (nk < K && RND(20) == 0) {
			rate[nk] = 0.25 + nk * 1.5;
			cr_assert_eq(cs_rateclass_of(&c, rate[nk]), nk);
			nk++;
		}
		if (!nk)
			continue;
		uint32_t k = RND(nk);
		if (running[k] && RND(2)) {
			running[k]--;
			cs_rateclass_leave(&c, k);
		} else {
			running[k]++;
			cs_rateclass_enter(&c, k);
		}
		double charge = 1 + RND(1000) / 3.0, scale = 1.0 / (1 + RND(9));
		cs_rateclass_charge_live(&c, charge, scale);
		memset(seen, 0, sizeof seen);
		for (uint32_t i = 0; i < c.nlive; i++) {
			uint32_t q = c.live[i];
			cr_assert_lt(q, nk);
			cr_assert_eq(seen[q]++, 0, "step %d: class %u live twice", step, q);
			cr_assert(c.charge[q] == rate[q] * charge / scale, "step %d: class %u's charge", step, q);
		}
		for (uint32_t q = 0; q < nk; q++)
			cr_assert_eq(seen[q], running[q] > 0, "step %d: class %u with %u running", step, q,
				     running[q]);
	}
#undef RND
	cs_rateclass_free(&c);
}

/* t plus, for each live class (in live order), its charge once per
 * running job: the additions one by one. */
static double one_by_one(const cs_rateclass *c, double t, int reversed)
{
	for (uint32_t i = 0; i < c->nlive; i++) {
		uint32_t k = c->live[reversed ? c->nlive - 1 - i : i];
		for (uint32_t j = 0; j < c->nrun[k]; j++)
			t += c->charge[k];
	}
	return t;
}

/* One class of charge ch with n running jobs, added to t. */
static int total_of_one(double t, double ch, uint32_t n, double *out)
{
	cs_rateclass c;
	cr_assert_eq(cs_rateclass_init(&c), 0);
	uint32_t k = cs_rateclass_of(&c, ch);
	for (uint32_t j = 0; j < n; j++)
		cs_rateclass_enter(&c, k);
	cs_rateclass_charge_live(&c, 1, 1);
	*out = t;
	int r = cs_rateclass_total(&c, out);
	if (r == 0)
		cr_assert(*out == one_by_one(&c, t, 0), "t %a + %u x %a: %a, one by one %a", t, n, ch, *out,
			  one_by_one(&c, t, 0));
	cs_rateclass_free(&c);
	return r;
}

/* The total by class against the additions one by one (in the live
 * order and reversed), on random totals, rates and counts over a wide
 * range of sizes (charges from far below the total's spacing to near
 * the total); most are worked out by class. A tie (a charge halfway
 * between two multiples of the total's spacing) and a sum leaving the
 * total's binade give -1 where by class would be wrong; zero too. */
Test(rateclass, total_by_class_is_the_additions_one_by_one)
{
	enum { CASES = 3000, K = 40 };
	unsigned long long r = 29;
#define RND(n) (r ^= r << 13, r ^= r >> 7, r ^= r << 17, (uint32_t)(r % (n)))
	int fast = 0;
	for (int cs = 0; cs < CASES; cs++) {
		cs_rateclass c;
		cr_assert_eq(cs_rateclass_init(&c), 0);
		uint32_t nk = 1 + RND(K);
		for (uint32_t q = 0; q < nk; q++) {
			uint32_t k = cs_rateclass_of(&c, (1 + RND(100000)) / 7.0);
			for (uint32_t j = RND(30); j > 0; j--)
				cs_rateclass_enter(&c, k);
		}
		double charge = 1 + RND(100000) / 3.0, scale = 1 + RND(1000) / 997.0;
		scale = ldexp(scale, -(int)RND(20));
		cs_rateclass_charge_live(&c, charge, scale);
		double t = 1 + RND(1u << 30) / 1073741824.0;
		t = ldexp(t, 20 + (int)RND(60));
		double by = t;
		if (cs_rateclass_total(&c, &by) == 0) {
			fast++;
			cr_assert(by == one_by_one(&c, t, 0), "case %d: %a, one by one %a", cs, by, one_by_one(&c, t, 0));
			cr_assert(by == one_by_one(&c, t, 1), "case %d: reversed", cs);
		} else {
			cr_assert(by == t, "case %d: left as it was", cs);
		}
		cs_rateclass_free(&c);
	}
#undef RND
	cr_assert_gt(fast, CASES / 2, "%d of %d by class", fast, CASES);
	double out;
	/* a tie: 2^52 + 1 (odd) + 0.5 rounds up to even, 2^52 + 2 + 0.5 down */
	cr_assert_eq(total_of_one(0x1p52 + 1, 0.5, 2, &out), -1);
	/* 2^53 - 2 + 5 x 1: 2^53 and then the spacing is 2, each 1 a tie */
	cr_assert_eq(total_of_one(0x1p53 - 2, 1.0, 5, &out), -1);
	cr_assert_eq(total_of_one(0, 1.0, 3, &out), -1, "zero: its spacing is not the sums'");
	cr_assert_eq(total_of_one(0x1p53 - 8, 1.0, 7, &out), 0);
	cr_assert(out == 0x1p53 - 1);
	cr_assert_eq(total_of_one(0x1p52, 0.75, 3, &out), 0);
	cr_assert(out == 0x1p52 + 3);
}
