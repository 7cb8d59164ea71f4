/* capsim tests: multifactor's rate classes (sched/rateclass.c): each
 * distinct rate one class, kept as the table grows, and a class's charge
 * the same double as the running job's own rate x charge / scale. */
#include <criterion/criterion.h>

#include "rateclass.h"

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
 * classes. A class's charge is worked out once per stamp: the same stamp
 * gives the first value even with other arguments; a new stamp the new
 * value, the same double as the expression a running job would give. */
Test(rateclass, charge_is_the_rates_own_and_worked_out_once_a_stamp)
{
	cs_rateclass c;
	cr_assert_eq(cs_rateclass_init(&c), 0);
	uint32_t a = cs_rateclass_of(&c, 1.0), b = cs_rateclass_of(&c, 1.0000000000000002);
	cr_assert_neq(a, b);
	double rate = 3.7, charge = 112.3, scale = 0.917;
	uint32_t k = cs_rateclass_of(&c, rate);
	double want = rate * charge / scale;
	cr_assert(cs_rateclass_charge(&c, k, charge, scale, 1) == want);
	cr_assert(cs_rateclass_charge(&c, k, 5, 7, 1) == want, "stamp 1 again: the value of stamp 1");
	cr_assert(cs_rateclass_charge(&c, k, 5, 7, 2) == rate * 5 / 7, "a new stamp: worked out again");
	cs_rateclass_free(&c);
}
