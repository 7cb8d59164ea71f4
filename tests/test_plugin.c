/* External policies: the example plugin in policies/example, loaded with
 * dlopen, gives the built-in fcfs's schedule; bad plugins are refused. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/sched.h"
#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

Test(plugin, the_example_gives_the_builtin_fcfs_schedule)
{
	char so[1024], trace[1024];
	snprintf(so, sizeof so, "%s/fcfs_example.so", th_plugins());
	snprintf(trace, sizeof trace, "%s/traces/pwa/KTH-SP2-1996-2.swf.gz", th_shared());
	char d1[] = "/tmp/capsim-plug-XXXXXX", d2[] = "/tmp/capsim-plug-XXXXXX";
	th_mkdtemp(d1);
	th_mkdtemp(d2);
	char *o1, *e1, *o2, *e2;
	cr_assert_eq(th_exec(ARGS("run", "--workload", trace, "--policy", so, "--out", d1), &o1, &e1), 0, "%s", e1);
	cr_assert_eq(th_exec(ARGS("run", "--workload", trace, "--policy", "fcfs", "--out", d2), &o2, &e2), 0, "%s", e2);
	char p1[1100], p2[1100];
	th_in(p1, sizeof p1, d1, "jobs.csv");
	th_in(p2, sizeof p2, d2, "jobs.csv");
	size_t l1, l2;
	char *a = th_slurp(p1, &l1), *b = th_slurp(p2, &l2);
	cr_assert(a && b && l1 == l2 && memcmp(a, b, l1) == 0, "the plugin's schedule differs from fcfs's");
	cr_assert_gt(l1, 1000);
	free(a), free(b), free(o1), free(e1), free(o2), free(e2);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", d1, d2);
	cr_assert_eq(system(cmd), 0);
}

Test(plugin, loads_by_path_and_refuses_bad_ones)
{
	char so[1024], err[CS_ERRLEN];
	const cs_policy_ops *ops;
	void *h;
	snprintf(so, sizeof so, "%s/fcfs_example.so", th_plugins());
	cr_assert_eq(cs_policy_resolve(so, &ops, &h, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(ops->name, "fcfs-example");
	cr_assert_not_null(h);
	cs_policy_unload(h);

	snprintf(so, sizeof so, "%s/bad_abi.so", th_plugins());
	cr_assert_eq(cs_policy_resolve(so, &ops, &h, err, sizeof err), -CS_EABI);
	cr_assert(strstr(err, "built for policy ABI 999"), "%s", err);
	cr_assert_null(h);

	cr_assert_eq(cs_policy_resolve("./no-such-policy.so", &ops, &h, err, sizeof err), -CS_EIO);
	cr_assert(strstr(err, "./no-such-policy.so: cannot load policy"), "%s", err);

	char *junk = th_write_tmp("not an ELF file\n", ".so");
	cr_assert_eq(cs_policy_resolve(junk, &ops, &h, err, sizeof err), -CS_EIO);
	cr_assert(strstr(err, "cannot load policy"), "%s", err);
	th_unlink(junk);

	cr_assert_eq(cs_policy_resolve("lottery", &ops, &h, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "unknown policy 'lottery': one of fcfs sjf easy"), "%s", err);
	cr_assert_eq(cs_policy_resolve("easy", &ops, &h, err, sizeof err), 0);
	cr_assert_null(h, "built-ins need no handle");
}

Test(plugin, cli_reports_a_wrong_abi_in_one_line)
{
	char so[1024], trace[1024];
	snprintf(so, sizeof so, "%s/bad_abi.so", th_plugins());
	snprintf(trace, sizeof trace, "%s/traces/synthetic/lublin_256.swf", th_shared());
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("run", "--workload", trace, "--policy", so), &out, &err), 2);
	cr_assert(strstr(err, "built for policy ABI 999"), "%s", err);
	free(out);
	free(err);
}
