/* Interned names (sim/names.c). */
#include <criterion/criterion.h>
#include <stdio.h>

#include "capsim/names.h"

Test(names, intern_and_grow)
{
	cs_names ns = { 0 };
	char b[32];
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(b, sizeof b, "project-%d", i);
		cr_assert_eq(cs_names_intern(&ns, b, (size_t)n), i);
	}
	cr_assert_eq(cs_names_intern(&ns, "project-1234", 12), 1234);
	cr_assert_eq(cs_names_find(&ns, "project-4999"), 4999);
	cr_assert_eq(cs_names_find(&ns, "project-5000"), -1);
	cr_assert_str_eq(cs_names_get(&ns, 42), "project-42");
	cr_assert_str_eq(cs_names_get(&ns, -1), "");
	cs_names_free(&ns);
}

/* Names that are prefixes of each other, of every length from 0 to 40
 * (across the hash's 8-byte words), interned from longer text by length:
 * each is its own name, found again by intern and by find. */
Test(names, prefixes_and_lengths_are_distinct_names)
{
	static const char text[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH";
	cs_names ns = { 0 };
	for (int round = 0; round < 2; round++)
		for (size_t len = 0; len <= 40; len++)
			cr_assert_eq(cs_names_intern(&ns, text, len), (int32_t)len, "length %zu, round %d", len, round);
	cr_assert_eq(ns.n, 41);
	char b[48];
	for (size_t len = 0; len <= 40; len++) {
		snprintf(b, sizeof b, "%.*s", (int)len, text);
		cr_assert_eq(cs_names_find(&ns, b), (int32_t)len);
		cr_assert_str_eq(cs_names_get(&ns, (int32_t)len), b);
		b[len ? len - 1 : 0] ^= 1; /* one byte off: not a name (or, for "", "\x01") */
		cr_assert_eq(cs_names_find(&ns, b), -1, "%zu", len);
	}
	cs_names_free(&ns);
}
