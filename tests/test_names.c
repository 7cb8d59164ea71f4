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
