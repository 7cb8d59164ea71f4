/* The radix sorts behind the outputs' and metrics' big sorts
 * (sim/radix.c), against qsort; and the readers' integer fields
 * (sim/field.c) against strtoll. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "../sim/field.h"
#include "../sim/radix.h"
#include "isort.h"

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* pairs compared by key, then by where they were: a stable sort's order */
typedef struct pair { uint64_t key; uint32_t val; } pair;
static int pair_cmp(const void *a, const void *b)
{
	const pair *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->val > y->val) - (x->val < y->val);
}

/* Keys of up to `bits` bits (0: all zero; 64: the top bit too). */
static void keys(uint64_t *k, size_t n, unsigned bits, unsigned long long seed)
{
	unsigned long long x = seed;
	for (size_t i = 0; i < n; i++) {
		uint64_t v = (uint64_t)th_xorshift(&x, 1u << 30) << 34 ^ (uint64_t)th_xorshift(&x, 1u << 30) << 4 ^
			     (uint64_t)th_xorshift(&x, 16);
		k[i] = bits == 64 ? v : bits ? v & ((1ull << bits) - 1) : 0;
	}
}

Test(radix, sorts_as_qsort_for_every_key_width)
{
	enum { N = 5000 };
	static uint64_t v[N], w[N], tmp[N];
	static const unsigned widths[] = { 0, 1, 5, 11, 12, 22, 23, 33, 40, 63, 64 };
	for (size_t t = 0; t < sizeof widths / sizeof *widths; t++) {
		keys(v, N, widths[t], 11 + t);
		memcpy(w, v, sizeof v);
		cs_radix_u64(v, tmp, N);
		qsort(w, N, sizeof *w, u64_cmp);
		cr_assert(memcmp(v, w, sizeof v) == 0, "%u-bit keys", widths[t]);
	}
	cs_radix_u64(v, tmp, 0); /* nothing to sort */
}

static int i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* CS_MSORT in runs of 24 (the planner's edge sorts, sim/plan.c
 * sort_keys): every length from 0 to 400 (one run, a run and a piece,
 * many runs and merges of unequal halves), with negatives, the extremes
 * and runs of equal keys, as qsort sorts them */
Test(radix, the_planners_merge_sort_sorts_as_qsort_at_every_length)
{
	enum { N = 400 };
	static int64_t v[N], w[N], tmp[N];
	unsigned long long x = 7;
	for (size_t n = 0; n <= N; n++) {
		for (size_t i = 0; i < n; i++) {
			uint64_t r = (uint64_t)th_xorshift(&x, 1u << 30) << 34 ^ (uint64_t)th_xorshift(&x, 1u << 30);
			v[i] = n % 3 == 0 ? (int64_t)(r % 7) - 3 : (int64_t)(r >> 1) - (int64_t)(1ull << 61);
		}
		if (n > 2) {
			v[0] = INT64_MIN;
			v[n / 2] = INT64_MAX;
		}
		memcpy(w, v, n * sizeof *v);
		CS_MSORT(int64_t, v, tmp, n, 24, CS_ISORT_LT);
		qsort(w, n, sizeof *w, i64_cmp);
		cr_assert(memcmp(v, w, n * sizeof *v) == 0, "%zu keys", n);
	}
}

Test(radix, pairs_keep_the_order_of_equal_keys)
{
	enum { N = 4000 };
	static uint64_t k[N], tk[N];
	static uint32_t val[N], tv[N];
	static pair p[N];
	static const unsigned widths[] = { 0, 3, 12, 30, 64 }; /* few keys: many ties */
	for (size_t t = 0; t < sizeof widths / sizeof *widths; t++) {
		keys(k, N, widths[t], 5 + t);
		for (uint32_t i = 0; i < N; i++) {
			val[i] = i;
			p[i] = (pair){ k[i], i };
		}
		cs_radix_pairs(k, val, tk, tv, N);
		qsort(p, N, sizeof *p, pair_cmp);
		for (size_t i = 0; i < N; i++)
			cr_assert(k[i] == p[i].key && val[i] == p[i].val, "%u-bit keys, at %zu", widths[t], i);
	}
	cr_assert_eq(cs_radix_bits(0), 0);
	cr_assert_eq(cs_radix_bits(1), 1);
	cr_assert_eq(cs_radix_bits(2047), 11);
	cr_assert_eq(cs_radix_bits(UINT64_MAX), 64);
}

/* A pass whose digit is the same in every key moves nothing and is
 * skipped, so the sorted keys end in either buffer: keys whose digits
 * (11 bits each) are constant in the low, a middle or every digit but one,
 * for an odd and an even count of passes made, against qsort. */
Test(radix, passes_of_one_digit_are_skipped)
{
	enum { N = 3000 };
	static uint64_t k[N], tk[N], w[N], t[N];
	static uint32_t val[N], tv[N];
	static pair p[N];
	/* (the digits that vary: the rest fixed at the pattern's) */
	static const uint64_t vary[] = { 0x7ffull << 11, 0x7ffull, 0x7ffull << 22 | 0x7ff, 0x3fffffull << 33,
					 0x7ffull << 44 | 0x7ffull << 11, 0x7ffull << 53 };
	for (size_t c = 0; c < sizeof vary / sizeof *vary; c++) {
		unsigned long long x = 31 + c;
		for (uint32_t i = 0; i < N; i++) {
			/* 50 values in the varying digits: ties */
			uint64_t r = (th_xorshift(&x, 50) + 1) * UINT64_C(0x9e3779b97f4a7c15);
			k[i] = (r & vary[c]) | (UINT64_C(0x0123456789abcdef) & ~vary[c]);
			val[i] = i;
			p[i] = (pair){ k[i], i };
			w[i] = k[i];
		}
		cs_radix_pairs(k, val, tk, tv, N);
		qsort(p, N, sizeof *p, pair_cmp);
		for (size_t i = 0; i < N; i++)
			cr_assert(k[i] == p[i].key && val[i] == p[i].val, "pattern %zu, at %zu", c, i);
		cs_radix_u64(w, t, N);
		for (size_t i = 0; i < N; i++)
			cr_assert(w[i] == p[i].key, "pattern %zu, at %zu", c, i);
	}
}

/* cs_field_int takes -?[0-9]+ within int64, as strtoll reads it, and
 * refuses what strtoll would skip, stop at or cut. */
Test(radix, integer_fields_are_strtolls_without_its_leniency)
{
	static const char *const good[] = { "0", "-0", "7", "-7", "0012", "9223372036854775807",
					    "-9223372036854775808", "9223372036854775806", "1000000000000",
					    "123456789012345678", "1234567890123456789", "-999999999999999999",
					    "0000000000000000000012", "-00000000009223372036854775808" };
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		int64_t v = 42;
		cr_assert_eq(cs_field_int(good[i], &v), 0, "%s", good[i]);
		cr_assert_eq(v, strtoll(good[i], NULL, 10), "%s", good[i]);
	}
	static const char *const bad[] = { "", "-", "+1", " 1", "1 ", "1x", "x", "--1", "1.5", "1e3",
					   "9223372036854775808", "-9223372036854775809", "99999999999999999999",
					   "000000000000000000009223372036854775808", "12345678901234567890x", "-x" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int64_t v = 42;
		cr_assert_eq(cs_field_int(bad[i], &v), -1, "%s", bad[i]);
		cr_assert_eq(v, 42, "%s: left as it was", bad[i]);
	}
}

/* cs_field_decimal reads [-]digits[.digits] of up to 15 digits as strtod
 * does, bit for bit, and leaves the rest to strtod. */
Test(radix, decimal_fields_are_strtods_on_its_fast_path)
{
	static const char *const good[] = { "0", "-0", "0.0", "7", "-7.25", "59.981", "0.1", "0.3", ".5", "-.5",
					    "123456789012345", "1.23456789012345", "0.00000000000001", "9007199.25474099",
					    "00012.500" };
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		double v = 42, want = strtod(good[i], NULL);
		cr_assert_eq(cs_field_decimal(good[i], strlen(good[i]), &v), 0, "%s", good[i]);
		cr_assert_eq(memcmp(&v, &want, sizeof v), 0, "%s: %a, strtod %a", good[i], v, want);
	}
	static const char *const other[] = { "", "-", ".", "1.", "1e3", "+1", " 1", "1 ", "nan", "inf", "1.2.3",
					     "1234567890123456", "0.1234567890123456", "0.000000000000001", "0x10" };
	for (size_t i = 0; i < sizeof other / sizeof *other; i++) {
		double v = 42;
		cr_assert_eq(cs_field_decimal(other[i], strlen(other[i]), &v), -1, "%s", other[i]);
		cr_assert_eq(v, 42, "%s: left as it was", other[i]);
	}
	cr_assert_eq(cs_field_decimal("12.5x", 4, &(double){ 0 }), 0, "only n bytes are read");
	unsigned long long x = 5;
	char b[40];
	for (int k = 0; k < 200000; k++) {
		int len = 1 + (int)th_xorshift(&x, 15), dot = (int)th_xorshift(&x, (unsigned)len + 1), n = 0;
		if (th_xorshift(&x, 2))
			b[n++] = '-';
		for (int i = 0; i < len; i++) {
			if (i == dot && i)
				b[n++] = '.';
			b[n++] = (char)('0' + th_xorshift(&x, 10));
		}
		b[n] = 0;
		double v, want = strtod(b, NULL);
		cr_assert_eq(cs_field_decimal(b, (size_t)n, &v), 0, "%s", b);
		cr_assert_eq(memcmp(&v, &want, sizeof v), 0, "%s: %a, strtod %a", b, v, want);
	}
}

/* cs_field_int_len, which reads up to 8 digits as a word, gives
 * cs_field_int's verdict and value on random fields of digits, signs and
 * bytes next to the digits' ('/', ':', 0xfa and above, whose carry the
 * word test must not let through), of every length to 20. */
Test(radix, integer_fields_read_as_words_are_cs_field_ints)
{
	static const char alphabet[] = "0123456789000999-+ x/:\xfa\xff\x01";
	unsigned x = 2024;
	for (int i = 0; i < 200000; i++) {
		char buf[32 + 8] = { 0 };
		x = x * 1103515245u + 12345u;
		size_t len = (x >> 16) % 21;
		int digits_only = i % 3 == 0; /* most fields are well formed */
		for (size_t k = 0; k < len; k++) {
			x = x * 1103515245u + 12345u;
			unsigned r = x >> 16;
			buf[k] = digits_only ? (char)('0' + r % 10) : alphabet[r % (sizeof alphabet - 1)];
		}
		if (digits_only && len && x % 5 == 0)
			buf[0] = '-';
		int64_t a = 42, b = 42;
		int ra = cs_field_int(buf, &a), rb = cs_field_int_len(buf, len, &b);
		cr_assert_eq(rb, ra, "\"%s\"", buf);
		cr_assert_eq(b, a, "\"%s\"", buf);
	}
}

/* cs_select_u64 puts at each rank asked for what a sort puts there, on
 * random arrays of every size to 300 and some of thousands, with values
 * of 1 to 40 bits (many equal: runs end a partition's work), sorted
 * and reversed inputs, and the ranks cs_select_pct_ranks gives for the
 * report's quantiles; the ranks are floor((n - 1) q) and the next. */
Test(radix, selected_ranks_hold_the_sorted_values)
{
	enum { MAX = 6000 };
	static uint64_t v[MAX], w[MAX];
	static const double qs[] = { 0.05, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99 };
	static const unsigned widths[] = { 1, 3, 8, 17, 40 };
	unsigned long long x = 77;
	for (size_t t = 0; t < 1200; t++) {
		size_t n = t < 300 ? t : 1000 + th_xorshift(&x, MAX - 1000);
		keys(v, n, widths[t % 5], 101 + t);
		if (t % 7 == 3)
			qsort(v, n, sizeof *v, u64_cmp);
		if (t % 7 == 5)
			for (size_t i = 0; i < n / 2; i++) {
				uint64_t s = v[i];
				v[i] = v[n - 1 - i];
				v[n - 1 - i] = s;
			}
		memcpy(w, v, n * sizeof *v);
		qsort(w, n, sizeof *w, u64_cmp);
		size_t r[14], nq = 1 + t % 7;
		size_t nr = cs_select_pct_ranks(n, qs + (7 - nq), nq, r);
		for (size_t k = 0; k < nr; k++) {
			cr_assert_lt(r[k], n);
			cr_assert(k == 0 || r[k - 1] < r[k]);
		}
		for (size_t k = 0; n && k < nq; k++) {
			size_t lo = (size_t)((double)(n - 1) * qs[7 - nq + k]), hit = 0;
			for (size_t e = 0; e < nr; e++)
				hit += r[e] == lo || (r[e] == lo + 1);
			cr_assert_eq(hit, lo + 1 < n ? 2u : 1u, "n %zu q %g", n, qs[7 - nq + k]);
		}
		cs_select_u64(v, n, r, nr);
		for (size_t k = 0; k < nr; k++)
			cr_assert_eq(v[r[k]], w[r[k]], "n %zu, width %u, rank %zu", n, widths[t % 5], r[k]);
		qsort(v, n, sizeof *v, u64_cmp); /* the same values, rearranged */
		cr_assert(memcmp(v, w, n * sizeof *v) == 0, "n %zu", n);
	}
}
