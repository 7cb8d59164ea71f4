/* capsim tests: multifactor's rate classes (sched/rateclass.c): each
 * distinct rate one class, kept as the table grows, the classes with
 * running jobs (live) tracked, and a class's charge the same double as the
 * running job's own rate x charge / scale. */
#include <criterion/criterion.h>

#include "rateclass.h"

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
 * running job would give. */
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
