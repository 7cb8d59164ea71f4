/* capsim tests: the YAML helpers' field paths (sim/yaml.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../sim/yaml.h"

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
