/* The workload commands (sim/cli/cli_workload.c, cli_convert.c) through the
 * binary: generate, stats and convert, their output and their errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

Test(cli_workload, generate_then_stats_shows_every_target_met)
{
	char *out = th_write_tmp("", ".csv"), *o, *e;
	const char *gen_args[] = { "workload", "generate", "--seed", "1", "--days", "365", "--out", out, NULL };
	cr_assert_eq(th_exec(gen_args, &o, &e), 0, "%s", e);
	free(o), free(e);
	const char *st[] = { "workload", "stats", out, NULL };
	cr_assert_eq(th_exec(st, &o, &e), 0, "%s", e);
	cr_assert(strstr(o, "targets of model ai-dc-2200 (<built-in>)"), "%s", o);
	cr_assert(strstr(o, "23 of 23 targets met"), "%s", o);
	cr_assert(strstr(o, "offered load against cluster national-ai-dc"), "%s", o);
	cr_assert_null(strstr(o, "MISS"), "%s", o);
	free(o), free(e);
	const char *js[] = { "workload", "stats", out, "--json", NULL };
	cr_assert_eq(th_exec(js, &o, &e), 0, "%s", e);
	cr_assert(strstr(o, "\"targets_missed\": 0"), "%s", o);
	free(o), free(e);
	th_unlink(out);
}

/* generate --accounts: the same bytes twice, the workload unchanged by it,
 * and a Fair Tree run over it adds no project or user under the root. */
Test(cli_workload, generate_accounts_and_run_fair_tree_over_every_project)
{
	char d1[] = "/tmp/capsim-test-XXXXXX", d2[] = "/tmp/capsim-test-XXXXXX";
	char w1[64], w2[64], a1[64], a2[64], w0[64], *o, *e;
	th_mkdtemp(d1);
	th_mkdtemp(d2);
	snprintf(w1, sizeof w1, "%s/w.csv", d1), th_in(a1, sizeof a1, d1, "a.yaml");
	snprintf(w2, sizeof w2, "%s/w.csv", d2), th_in(a2, sizeof a2, d2, "a.yaml");
	th_in(w0, sizeof w0, d2, "w0.csv");
	const char *g1[] = { "workload", "generate", "--seed", "3", "--days", "20", "--out", w1, "--accounts", a1, NULL };
	const char *g2[] = { "workload", "generate", "--seed", "3", "--days", "20", "--accounts", a2, "--out", w2, NULL };
	const char *g0[] = { "workload", "generate", "--seed", "3", "--days", "20", "--out", w0, NULL };
	for (const char *const *g[] = { g1, g2, g0 }, *const **x = g; x < g + 3; x++) {
		cr_assert_eq(th_exec(*x, &o, &e), 0, "%s", e);
		free(o), free(e);
	}
	th_expect_same_file(d1, d2, "w.csv");
	th_expect_same_file(d1, d2, "a.yaml");
	char *t1 = th_slurp(w1, NULL), *t0 = th_slurp(w0, NULL);
	cr_assert_str_eq(t1, t0);
	free(t1), free(t0);
	const char *run[] = { "run", "--workload", w1, "--policy", "multifactor", "--accounts", a1, NULL };
	cr_assert_eq(th_exec(run, &o, &e), 0, "%s", e);
	cr_assert(strstr(o, "added from the workload: 0 projects (under the root, shares 1), 0 users"), "%s", o);
	free(o), free(e);
	/* stdout cannot take both */
	const char *both[] = { "workload", "generate", "--seed", "3", "--days", "2", "--out", "-", "--accounts", "-",
			       NULL };
	th_expect_usage_error(both, "cannot both be standard output");
	remove(w1), remove(a1), remove(w2), remove(a2), remove(w0), rmdir(d1), rmdir(d2);
}

/* stats --from/--to: the window's jobs over the window's span. */
Test(cli_workload, stats_of_a_window)
{
	char *out = th_write_tmp("", ".csv"), *o, *e;
	const char *g[] = { "workload", "generate", "--seed", "2", "--days", "60", "--out", out, NULL };
	cr_assert_eq(th_exec(g, &o, &e), 0, "%s", e);
	free(o), free(e);
	const char *st[] = { "workload", "stats", out, "--from", "2592000", "--to", "5184000", NULL };
	cr_assert_eq(th_exec(st, &o, &e), 0, "%s", e);
	cr_assert(strstr(o, " over 30.0 days"), "%s", o);
	cr_assert_null(strstr(o, "MISS (load"), "%s", o);
	free(o), free(e);
	const char *empty[] = { "workload", "stats", out, "--from", "6000000", NULL };
	cr_assert_eq(th_exec(empty, &o, &e), 2, "%s", e);
	cr_assert(strstr(e, "window: empty"), "%s", e);
	free(o), free(e);
	th_unlink(out);
}

Test(cli_workload, generate_to_stdout_is_deterministic)
{
	char *o1, *e1, *o2, *e2;
	const char *a[] = { "workload", "generate", "--seed", "42", "--days", "3", "--out", "-", NULL };
	cr_assert_eq(th_exec(a, &o1, &e1), 0, "%s", e1);
	cr_assert_eq(th_exec(a, &o2, &e2), 0, "%s", e2);
	cr_assert(!strncmp(o1, "# generator: capsim\n# model: <built-in>\n", 40), "%.200s", o1);
	cr_assert_str_eq(o1, o2);
	free(o1), free(e1), free(o2), free(e2);
}

Test(cli_workload, bad_usage_exits_2_with_a_message)
{
	const char *cases[][12] = {
		{ "workload", NULL },
		{ "workload", "generate", "--days", "3", "--out", "-", NULL },
		{ "workload", "generate", "--seed", "x", "--days", "3", "--out", "-", NULL },
		{ "workload", "generate", "--seed", "1", "--days", "0", "--out", "-", NULL },
		{ "workload", "generate", "--seed", "1", "--days", "3", "--out", "-", "--bogus", NULL },
		{ "workload", "generate", "--seed", "1", "--days", "3", "--out", "-", "--model", "/nonexistent.yaml", NULL },
		{ "workload", "stats", NULL },
		{ "workload", "stats", "/nonexistent.csv", NULL },
		{ "workload", "stats", "x.csv", "--format", "nope", NULL },
		{ "workload", "stats", "x.csv", "--from", "x", NULL },
		{ "workload", "generate", "--seed", "1", "--days", "3", "--out", "-", "--accounts", "/nonexistent/a.yaml",
		  NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *o, *e;
		cr_assert_eq(th_exec(cases[i], &o, &e), 2, "case %zu: %s", i, e);
		cr_assert(!strncmp(e, "capsim: ", 8), "case %zu: '%s'", i, e);
		free(o), free(e);
	}
}

Test(cli_workload, stats_of_an_swf_trace_works_without_a_model)
{
	char path[1024], *o, *e;
	snprintf(path, sizeof path, "%s/configs/traces/KTH-SP2-1996-2.swf.gz", th_root());
	const char *a[] = { "workload", "stats", path, NULL };
	cr_assert_eq(th_exec(a, &o, &e), 0, "%s", e);
	cr_assert(strstr(o, "jobs: 28"), "%.300s", o);
	cr_assert_null(strstr(o, "targets of model"));
	free(o), free(e);
}

Test(cli_workload, convert_errors)
{
	char *out, *err;
	cr_assert_eq(th_exec((const char *const[]){ "workload", "convert", "/nonexistent.csv", "--out", "-", NULL },
			     &out, &err), 2);
	cr_assert(strstr(err, "/nonexistent.csv: cannot open"), "%s", err);
	free(out);
	free(err);
	cr_assert_eq(th_exec((const char *const[]){ "workload", "convert", "a.csv", "--out", "b.txt", NULL }, &out,
			     &err), 2);
	cr_assert(strstr(err, "give --as"), "%s", err);
	free(out);
	free(err);
	cr_assert_eq(th_exec((const char *const[]){ "workload", "convert", "a.csv", "--out", "-", "--load-scale", "0",
						    NULL }, &out, &err), 2);
	cr_assert(strstr(err, "--load-scale"), "%s", err);
	free(out);
	free(err);
}
