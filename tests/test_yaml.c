/* capsim tests: the YAML helpers' field paths (sim/yaml.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/yaml.h"
#include "capsim/types.h"

/* cs_yaml_join against the snprintf it stands for, at every buffer size
 * from 1 to past the whole path, with and without a parent path. */
Test(yaml, join_is_snprintf_of_path_dot_key_cut_to_the_buffer)
{
	const char *paths[] = { "", "a", "accounts", "accounts.tree.p0001" };
	const char *keys[] = { "", "k", "limits", "grp_tres_mins" };
	int checks = 0;
	for (size_t p = 0; p < sizeof paths / sizeof *paths; p++)
		for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
			for (size_t len = 1; len <= 40; len++) {
				char want[64], got[64];
				memset(got, 'x', sizeof got);
				snprintf(want, len, "%s%s%s", paths[p], *paths[p] ? "." : "", keys[k]);
				cs_yaml_join(got, len, paths[p], keys[k]);
				cr_assert_str_eq(got, want, "path '%s' key '%s' len %zu", paths[p], keys[k], len);
				cr_assert_eq(got[len], 'x', "wrote past the buffer (len %zu)", len);
				checks++;
			}
	cr_assert_eq(checks, 4 * 4 * 40);
}

/* cs_yaml_item's path against the snprintf it stands for ("%s[%d]" cut to
 * the path's buffer), for list paths of every length up to past the
 * buffer and indices of one to ten digits. */
Test(yaml, item_path_is_snprintf_of_path_and_index_cut_to_the_buffer)
{
	const int idx[] = { 0, 7, 42, 999, 123456, 2147483647 };
	int checks = 0;
	for (size_t plen = 0; plen < sizeof ((cs_yfield *)0)->path; plen++)
		for (size_t k = 0; k < sizeof idx / sizeof *idx; k++) {
			cs_yfield list = { 0 }, got;
			memset(list.path, 'p', plen);
			list.path[plen] = '\0';
			char want[sizeof list.path + 16]; /* cut below as snprintf to the path's size cuts */
			snprintf(want, sizeof want, "%s[%d]", list.path, idx[k]);
			want[sizeof list.path - 1] = '\0';
			cs_yaml_item(&list, NULL, idx[k], &got);
			cr_assert_str_eq(got.path, want, "path of %zu bytes, item %d", plen, idx[k]);
			checks++;
		}
	cr_assert_eq(checks, 192 * 6);
}

/* cs_yaml_key_is and cs_yaml_key_text compare a key as strcmp compares
 * fy_node_get_scalar0's text: up to an escaped NUL in it, and a key that
 * is no scalar is no key. */
Test(yaml, key_is_compares_as_the_nul_terminated_text)
{
	static const char doc[] = "{name: 1, \"na\\0me\": 2, [x]: 3, \"\": 4}";
	struct fy_document *d = fy_document_build_from_string(NULL, doc, sizeof doc - 1);
	cr_assert_not_null(d);
	void *it = NULL;
	struct fy_node_pair *p;
	int n = 0;
	while ((p = fy_node_mapping_iterate(fy_document_root(d), &it))) {
		struct fy_node *k = fy_node_pair_key(p);
		const char *z = fy_node_get_scalar0(k);
		size_t len;
		const char *s = cs_yaml_key_text(k, &len);
		cr_assert_eq(!s, !z, "key %d", n);
		if (z) {
			cr_assert_eq(len, strlen(z), "key %d", n);
			cr_assert(memcmp(s, z, len) == 0, "key %d", n);
		}
		const char *names[] = { "name", "na", "", "x" };
		for (size_t i = 0; i < sizeof names / sizeof *names; i++)
			cr_assert_eq(cs_yaml_key_is(k, names[i]), z && strcmp(z, names[i]) == 0, "key %d, '%s'", n,
				     names[i]);
		n++;
	}
	cr_assert_eq(n, 4);
	fy_document_destroy(d);
}

/* cs_yaml_pick, from the pairs cs_yaml_check_keys_at noted, answers as
 * cs_yaml_field's look-up in the map: the same nodes, path and answer for
 * a key present, absent, with no value, and for two keys of the same text
 * (up to an escaped NUL: the first). */
Test(yaml, pick_from_checked_keys_is_field)
{
	static const char doc[] = "{shares: 2, \"na\\0me\": 3, name: a, na: 5, grant: }";
	static const char *const keys[] = { "name", "shares", "grant", "na", "x", NULL };
	struct fy_document *d = fy_document_build_from_string(NULL, doc, sizeof doc - 1);
	cr_assert_not_null(d);
	struct fy_node *map = fy_document_root(d), *pair[10] = { NULL };
	char err[256] = "";
	cs_yaml y = { .file = "t.yaml", .err = err, .errlen = sizeof err };
	cr_assert_eq(cs_yaml_check_keys_at(&y, map, "accounts[3]", "accounts file", keys, pair), 0, "%s", err);
	for (int k = 0; keys[k]; k++) {
		cs_yfield want, got;
		memset(&got, 'x', sizeof got);
		int w = cs_yaml_field(NULL, map, NULL, "accounts[3]", keys[k], 0, &want);
		cr_assert_eq(cs_yaml_pick(pair, keys, k, "accounts[3]", &got), w, "key %s", keys[k]);
		cr_assert_eq(got.key, want.key, "key %s", keys[k]);
		cr_assert_eq(got.val, want.val, "key %s", keys[k]);
		cr_assert_str_eq(got.path, want.path, "key %s", keys[k]);
		cr_assert_eq(w, k < 4, "key %s", keys[k]);
	}
	cr_assert_eq(cs_yaml_line_of(pair[2 * 3 + 1]), 1);
	cr_assert_str_eq(fy_node_get_scalar0(pair[2 * 3 + 1]), "3"); /* "na\0me", not na: 5 */
	fy_document_destroy(d);
}

/* cs_yaml_num reads up to 15 digits itself: the value strtod gives, and
 * longer or other numbers still go to strtod, errors as before. */
Test(yaml, num_of_digits_is_strtod)
{
	static const char doc[] = "[0, 007, 86, 999999999999999, 1234567890123456, 12345678901234567890, 1e3, "
				  "-5, 0x10, 1.5, 12a, '12']";
	struct fy_document *d = fy_document_build_from_string(NULL, doc, sizeof doc - 1);
	cr_assert_not_null(d);
	void *it = NULL;
	struct fy_node *n;
	int i = 0;
	while ((n = fy_node_sequence_iterate(fy_document_root(d), &it))) {
		char err[256] = "";
		cs_yaml y = { .file = "t.yaml", .err = err, .errlen = sizeof err };
		cs_yfield f = { .key = NULL, .val = n, .path = "x" };
		const char *s = fy_node_get_scalar0(n);
		char *end;
		double want = strtod(s, &end), got = -1;
		int rc = cs_yaml_num(&y, &f, -INFINITY, 0, INFINITY, &got);
		if (i < 10) {
			cr_assert_eq(rc, 0, "%s: %s", s, err);
			cr_assert(got == want, "%s: %.17g, strtod %.17g", s, got, want);
		} else {
			cr_assert_eq(rc, -CS_EPARSE, "%s", s);
		}
		i++;
	}
	cr_assert_eq(i, 12);
	fy_document_destroy(d);
}
