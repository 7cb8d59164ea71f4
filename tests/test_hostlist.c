/* Node names and host lists (sim/hostlist.c), worked by hand. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The Slurm form of sorted nodes by snprintf and "%0*u", node by node: the
 * reference cs_hostnames_list's in-place writer is checked against. */
static size_t slow_list(const cs_hostnames *h, const uint32_t *s, size_t n, char *b, size_t len)
{
	size_t at = 0;
#define ADD(...) at += (size_t)snprintf(b + at, len - at, __VA_ARGS__)
	for (size_t i = 0; i < n;) {
		int32_t t = cs_hostnames_type(h, s[i]);
		size_t e = i, distinct = 1;
		while (e < n && s[e] < h->type_first[t + 1])
			e++;
		for (size_t k = i + 1; k < e; k++)
			distinct += s[k] != s[k - 1];
		int w = h->width[t];
		uint32_t base = h->type_first[t];
		ADD("%s%s-", i ? "," : "", h->type_names[t]);
		if (distinct == 1) {
			ADD("%0*u", w, s[i] - base);
		} else {
			ADD("[");
			for (size_t k = i; k < e;) {
				size_t z = k;
				while (z + 1 < e && s[z + 1] <= s[z] + 1)
					z++;
				ADD("%s%0*u", k > i ? "," : "", w, s[k] - base);
				if (s[z] != s[k])
					ADD("-%0*u", w, s[z] - base);
				k = z + 1;
			}
			ADD("]");
		}
		i = e;
	}
#undef ADD
	return at;
}

static int u32_order(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

Test(hostlist, lists_in_place_and_in_short_buffers_are_the_slurm_form)
{
	/* types of 1, 9, 10, 1000 and 12 nodes (widths 1, 1, 1, 3, 2), a long
	 * name; node sets of every density, each alone in a buffer of exactly
	 * the room it is promised (n x node_room + 1, then guard bytes), in
	 * one of its exact length, and in short ones */
	const char *names[] = { "a", "b", "c", "a-type-with-a-long-name-0123456789", "z" };
	const uint32_t first[] = { 0, 1, 10, 20, 1020, 1032 };
	cs_hostnames h;
	cr_assert_eq(cs_hostnames_init(&h, 5, names, first), 0);
	enum { MAXN = 300, GUARD = 64 };
	static uint32_t nodes[MAXN], sorted[MAXN], scratch[MAXN];
	static char want[MAXN * 64], room[MAXN * 64 + GUARD], got[MAXN * 64];
	unsigned long long r = 88172645463325252ULL;
	for (int round = 0; round < 3000; round++) {
		r ^= r << 13; r ^= r >> 7; r ^= r << 17;
		size_t n = r % MAXN + (round < 10 ? 0 : 1);
		uint32_t span = (uint32_t)(1 + (r >> 20) % 1032);
		uint32_t lo = (uint32_t)((r >> 32) % (1033 - span));
		for (size_t i = 0; i < n; i++) {
			r ^= r << 13; r ^= r >> 7; r ^= r << 17;
			nodes[i] = lo + (uint32_t)(r % span);
		}
		memcpy(sorted, nodes, n * sizeof *sorted);
		qsort(sorted, n, sizeof *sorted, u32_order);
		size_t wl = slow_list(&h, sorted, n, want, sizeof want);
		/* in place: a buffer of just the room promised */
		size_t promised = n * h.node_room + 1;
		memset(room, 0x5a, promised + GUARD);
		cr_assert_eq(cs_hostnames_list(&h, nodes, n, scratch, room, promised), (long)wl, "round %d", round);
		cr_assert_str_eq(room, want, "round %d", round);
		for (size_t g = promised; g < promised + GUARD; g++)
			cr_assert_eq(room[g], 0x5a, "round %d: written past the room promised", round);
		/* written apart: the exact length, and short of it */
		cr_assert_eq(cs_hostnames_list(&h, nodes, n, scratch, got, wl + 1), (long)wl);
		cr_assert_str_eq(got, want);
		size_t cut = wl ? (size_t)(r >> 40) % wl : 0;
		cr_assert_eq(cs_hostnames_list(&h, nodes, n, scratch, got, cut + 1), (long)wl);
		cr_assert_eq(strlen(got), cut);
		cr_assert(!memcmp(got, want, cut));
		cr_assert_eq(cs_hostnames_list(&h, nodes, n, scratch, NULL, 0), (long)wl);
	}
	/* grown: *cap holds the room, the list as ever */
	char *b = NULL;
	size_t cap = 0;
	const uint32_t some[] = { 1029, 25, 24, 23, 0, 1031 };
	cr_assert_eq(cs_hostnames_list_grow(&h, some, 6, scratch, &b, &cap), 58);
	cr_assert_str_eq(b, "a-0,a-type-with-a-long-name-0123456789-[003-005],z-[09,11]");
	cr_assert_geq(cap, 6 * h.node_room + 1);
	free(b);
	cs_hostnames_free(&h);
}
