/* Node names and host lists (sim/hostlist.c), worked by hand. */
#include <criterion/criterion.h>
#include <string.h>

#include "capsim/hostlist.h"

/* h100 x110 (nodes 0-109), a100-4gpu x1 (110), cpu x12 (111-122) */
static cs_hostnames site(void)
{
	const char *names[] = { "h100", "a100-4gpu", "cpu" };
	const uint32_t first[] = { 0, 110, 111, 123 };
	cs_hostnames h;
	cr_assert_eq(cs_hostnames_init(&h, 3, names, first), 0);
	return h;
}

static const char *list(const cs_hostnames *h, const uint32_t *nodes, size_t n)
{
	static char buf[256];
	uint32_t scratch[64];
	cr_assert_lt(cs_hostnames_list(h, nodes, n, scratch, buf, sizeof buf), (long)sizeof buf);
	return buf;
}

Test(hostlist, names_pad_to_the_digits_of_the_types_last_index)
{
	cs_hostnames h = site();
	char b[32];
	cs_hostnames_name(&h, 0, b, sizeof b);
	cr_expect_str_eq(b, "h100-000");
	cs_hostnames_name(&h, 109, b, sizeof b);
	cr_expect_str_eq(b, "h100-109");
	cs_hostnames_name(&h, 110, b, sizeof b);
	cr_expect_str_eq(b, "a100-4gpu-0");
	cs_hostnames_name(&h, 122, b, sizeof b);
	cr_expect_str_eq(b, "cpu-11");
	cr_expect_eq(cs_hostnames_name(&h, 123, b, sizeof b), -1);
	cr_expect_eq(cs_hostnames_type(&h, 111), 2);
	cs_hostnames_free(&h);
}

Test(hostlist, lists_ranges_per_type_as_slurm_does)
{
	cs_hostnames h = site();
	/* any order, a duplicate; three ranges of h100, one a100-4gpu, two cpus */
	const uint32_t nodes[] = { 7, 2, 0, 1, 3, 110, 2, 9, 112, 111, 122 };
	cr_expect_str_eq(list(&h, nodes, 11), "h100-[000-003,007,009],a100-4gpu-0,cpu-[00-01,11]");
	const uint32_t one[] = { 42 };
	cr_expect_str_eq(list(&h, one, 1), "h100-042");
	const uint32_t same[] = { 42, 42 };
	cr_expect_str_eq(list(&h, same, 2), "h100-042");
	cr_expect_str_eq(list(&h, one, 0), "");
	/* in order already (the placements' usual case): no sort, same list */
	const uint32_t sorted[] = { 0, 1, 1, 2, 5, 108, 109, 111, 120 };
	cr_expect_str_eq(list(&h, sorted, 9), "h100-[000-002,005,108-109],cpu-[00,09]");
	const uint32_t wide[] = { 100, 109, 110 };
	cr_expect_str_eq(list(&h, wide, 3), "h100-[100,109],a100-4gpu-0");
	const uint32_t bad[] = { 5, 123 };
	char b[64];
	uint32_t scratch[2];
	cr_expect_eq(cs_hostnames_list(&h, bad, 2, scratch, b, sizeof b), -1);
	cs_hostnames_free(&h);
}

Test(hostlist, a_short_buffer_gets_a_truncated_string_and_the_length_needed)
{
	cs_hostnames h = site();
	const uint32_t nodes[] = { 0, 1, 5 };
	char b[8];
	uint32_t scratch[3];
	long need = cs_hostnames_list(&h, nodes, 3, scratch, b, sizeof b);
	cr_expect_eq(need, (long)strlen("h100-[000-001,005]"));
	cr_expect_str_eq(b, "h100-[0");
	char one[1] = "x";
	cr_expect_eq(cs_hostnames_list(&h, nodes, 3, scratch, one, 1), need);
	cr_expect_str_eq(one, "");
	char nine[9];
	cr_expect_eq(cs_hostnames_list(&h, nodes + 2, 1, scratch, nine, sizeof nine), 8);
	cr_expect_str_eq(nine, "h100-005");
	cs_hostnames_free(&h);
}
