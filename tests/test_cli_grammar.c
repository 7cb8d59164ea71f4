/* The command line's one grammar (sim/cli/cli_util.c), through the binary:
 * every command's --help against its option table, -h everywhere,
 * --opt=VAL, unknown options with their suggestions, --version, and the
 * policy-option message. The tests walk the command tree the binary runs
 * (cs_cli_root), so a command or option added later is checked too. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sim/cli/cli.h"
#include "capsim/sched.h"
#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Every command of the tree, the root and the groups included. */
static size_t walk(const cs_cli_cmd *c, const cs_cli_cmd **out, size_t n)
{
	out[n++] = c;
	for (const cs_cli_cmd *const *s = c->subs; s && *s; s++)
		n = walk(*s, out, n);
	return n;
}

static size_t all_commands(const cs_cli_cmd **out) { return walk(&cs_cli_root, out, 0); }

/* argv for `capsim NAME extra...`: the command's words, then extra. */
static const char **argv_of(const cs_cli_cmd *c, const char *const *extra, char *buf, const char **args)
{
	size_t n = 0;
	snprintf(buf, 128, "%s", c->name);
	for (char *w = strtok(buf, " "); w; w = strtok(NULL, " "))
		args[n++] = w;
	for (; extra && *extra; extra++)
		args[n++] = *extra;
	args[n] = NULL;
	return args;
}

static int exec_cmd(const cs_cli_cmd *c, const char *const *extra, char **out, char **err)
{
	char buf[128];
	const char *args[16];
	return th_exec(argv_of(c, extra, buf, args), out, err);
}

static int accepts(const cs_cli_cmd *c, const char *name, size_t len)
{
	if (len == 4 && !strncmp(name, "help", 4))
		return 1;
	for (const cs_cli_opt *o = c->opts; o && (o->name || o->help); o++)
		if (o->name && strlen(o->name) == len && !strncmp(o->name, name, len))
			return 1;
	return 0;
}

/* The command "capsim W1 [W2]" at s names, or NULL. */
static const cs_cli_cmd *named_at(const char *s)
{
	const cs_cli_cmd *c = &cs_cli_root;
	for (int depth = 0; depth < 2 && c->subs; depth++) {
		while (*s == ' ')
			s++;
		size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz");
		const cs_cli_cmd *hit = NULL;
		for (const cs_cli_cmd *const *sub = c->subs; *sub; sub++) {
			const char *w = strrchr((*sub)->name, ' ');
			w = w ? w + 1 : (*sub)->name;
			if (n && strlen(w) == n && !strncmp(w, s, n))
				hit = *sub;
		}
		if (!hit)
			return depth ? c : NULL;
		c = hit;
		s += n;
	}
	return c;
}

/* Each --option the help mentions is one its command accepts: the command
 * whose help it is, or the one a "capsim CMD" earlier on the same line
 * names (as in "the files capsim run --out DIR wrote"). */
static void check_mentions(const cs_cli_cmd *c, const char *help)
{
	const char *line = help;
	for (const char *s = help; *s; s++) {
		if (*s == '\n')
			line = s + 1;
		if (strncmp(s, "--", 2) != 0 || !islower((unsigned char)s[2]) || (s > help && (isalnum((unsigned char)s[-1]) || s[-1] == '-')))
			continue;
		size_t n = strspn(s + 2, "abcdefghijklmnopqrstuvwxyz0123456789-");
		const cs_cli_cmd *owner = c;
		for (const char *k = line; k < s; k++)
			if (!strncmp(k, "capsim ", 7) && named_at(k + 7))
				owner = named_at(k + 7);
		cr_expect(accepts(owner, s + 2, n), "capsim %s --help mentions --%.*s, which capsim %s does not accept",
			  c->name, (int)n, s + 2, owner->name);
	}
}

/* "--name" as a whole word in text */
static int mentions(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *s = strstr(text, "--"); s; s = strstr(s + 1, "--"))
		if (!strncmp(s + 2, name, n) && !isalnum((unsigned char)s[2 + n]) && s[2 + n] != '-')
			return 1;
	return 0;
}

Test(cli_grammar, every_help_lists_exactly_the_options_its_command_accepts)
{
	const cs_cli_cmd *cmds[64];
	size_t n = all_commands(cmds);
	cr_assert_geq(n, 13, "root, run, policies, topo (show), cluster (show), report, compare, workload (3)");
	for (size_t i = 0; i < n; i++) {
		const cs_cli_cmd *c = cmds[i];
		char *out, *err, *out2, *err2;
		cr_assert_eq(exec_cmd(c, ARGS("--help"), &out, &err), 0, "capsim %s --help: %s", c->name, err);
		cr_expect_str_empty(err, "capsim %s --help: %s", c->name, err);
		cr_expect(!strncmp(out, "usage: capsim", 13), "capsim %s --help: %.80s", c->name, out);
		/* -h is --help */
		cr_assert_eq(exec_cmd(c, ARGS("-h"), &out2, &err2), 0, "capsim %s -h: %s", c->name, err2);
		cr_expect_str_eq(out2, out, "capsim %s: -h and --help differ", c->name);
		/* every option of the table is there, and nothing else */
		cr_expect(strstr(out, "-h, --help"), "capsim %s --help lacks -h, --help", c->name);
		for (const cs_cli_opt *o = c->opts; o && (o->name || o->help); o++) {
			if (!o->name)
				continue;
			cr_expect(mentions(out, o->name), "capsim %s --help lacks --%s", c->name, o->name);
			if (o->short_name) {
				char both[64];
				snprintf(both, sizeof both, "-%c, --%s", o->short_name, o->name);
				cr_expect(strstr(out, both), "capsim %s --help lacks %s", c->name, both);
			}
		}
		check_mentions(c, out);
		/* a group lists its commands */
		for (const cs_cli_cmd *const *s = c->subs; s && *s; s++)
			cr_expect(strstr(out, strrchr((*s)->name, ' ') ? strrchr((*s)->name, ' ') + 1 : (*s)->name),
				  "capsim %s --help lacks %s", c->name, (*s)->name);
		/* 80 columns */
		for (const char *l = out; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n'))
			cr_expect_leq(strcspn(l, "\n"), 80, "capsim %s --help: a line over 80 columns: %.*s", c->name,
				      (int)strcspn(l, "\n"), l);
		free(out), free(err), free(out2), free(err2);
	}
}

Test(cli_grammar, an_unknown_option_is_one_line_and_status_2_on_every_command)
{
	const cs_cli_cmd *cmds[64];
	size_t n = all_commands(cmds);
	for (size_t i = 0; i < n; i++) {
		char *out, *err, want[256];
		int rc = exec_cmd(cmds[i], ARGS("--no-such-option"), &out, &err);
		cr_expect_eq(rc, 2, "capsim %s --no-such-option: exit %d", cmds[i]->name, rc);
		cr_expect_str_empty(out);
		cr_expect_eq(th_count_lines(err), 1, "one line: %s", err);
		snprintf(want, sizeof want, "unknown option '--no-such-option' (see capsim %s%s--help)", cmds[i]->name,
			 *cmds[i]->name ? " " : "");
		cr_expect(strstr(err, want), "'%s' should contain '%s'", err, want);
		free(out), free(err);
		/* a value given to a flag, and a single-dash letter */
		rc = exec_cmd(cmds[i], ARGS("--help=yes"), &out, &err);
		cr_expect_eq(rc, 2, "capsim %s --help=yes: exit %d", cmds[i]->name, rc);
		cr_expect(strstr(err, "--help takes no value"), "%s", err);
		free(out), free(err);
		rc = exec_cmd(cmds[i], ARGS("-Q"), &out, &err);
		cr_expect_eq(rc, 2);
		cr_expect(strstr(err, "unknown option '-Q'") && th_count_lines(err) == 1, "%s", err);
		free(out), free(err);
	}
}

static void expect_hint(const char *const *args, const char *want)
{
	char *out, *err;
	int rc = th_exec(args, &out, &err);
	cr_assert_eq(rc, 2, "exit %d: %s", rc, err);
	cr_assert_str_empty(out);
	cr_assert_eq(th_count_lines(err), 1, "one line: %s", err);
	cr_assert(strstr(err, want), "'%s' should contain '%s'", err, want);
	free(out), free(err);
}

Test(cli_grammar, a_near_miss_names_the_option_meant)
{
	expect_hint(ARGS("run", "--polcy", "easy"), "run: unknown option '--polcy': did you mean --policy?");
	expect_hint(ARGS("run", "--workload", "x.swf", "--colour"), "unknown option '--colour' (see capsim run --help)");
	expect_hint(ARGS("cluster", "show", "--jsno"), "unknown option '--jsno': did you mean --json?");
	expect_hint(ARGS("--verison"), "unknown option '--verison': did you mean --version?");
	/* an abbreviation is not taken: it would change meaning when an
	 * option is added; the option it abbreviates is named */
	expect_hint(ARGS("run", "--work", "x.swf"), "unknown option '--work': did you mean --workload?");
	expect_hint(ARGS("run", "--f", "x"), "did you mean --format, --fit or --from?");
	expect_hint(ARGS("run", "-workload", "x.swf"), "unknown option '-workload': did you mean --workload?");
	expect_hint(ARGS("workload", "stats", "--formt=swf", "x"), "did you mean --format?");
	/* commands and subcommands too */
	expect_hint(ARGS("rnu"), "unknown command 'rnu': did you mean run?");
	expect_hint(ARGS("workload", "gen"), "workload: unknown subcommand 'gen': did you mean generate?");
	expect_hint(ARGS("frobnicate"), "unknown command 'frobnicate' (see capsim --help)");

	/* every option of every command, two letters swapped: named back */
	const cs_cli_cmd *cmds[64];
	size_t n = all_commands(cmds);
	for (size_t i = 0; i < n; i++)
		for (const cs_cli_opt *o = cmds[i]->opts; o && (o->name || o->help); o++) {
			if (!o->name || strlen(o->name) < 4)
				continue;
			char typo[64], want[80], *out, *err;
			snprintf(typo, sizeof typo, "--%s", o->name);
			char t = typo[3];
			typo[3] = typo[4], typo[4] = t;
			if (typo[3] == typo[4])
				continue;
			snprintf(want, sizeof want, "--%s", o->name);
			cr_expect_eq(exec_cmd(cmds[i], (const char *const[]){ typo, NULL }, &out, &err), 2);
			cr_expect(strstr(err, "did you mean") && strstr(strstr(err, "did you mean"), want),
				  "capsim %s %s: %s", cmds[i]->name, typo, err);
			free(out), free(err);
		}
}

Test(cli_grammar, a_missing_empty_or_unlisted_value_is_a_usage_error)
{
	expect_hint(ARGS("run", "--workload"), "run: --workload needs a value (see capsim run --help)");
	expect_hint(ARGS("run", "--workload="), "run: --workload needs a value");
	expect_hint(ARGS("workload", "generate", "--seed", "1", "--days", "2", "--out"), "--out needs a value");
	expect_hint(ARGS("workload", "stats", "x.csv", "--format=nope"),
		    "--format: 'nope' is not one of auto native swf sacct batsim pai helios philly");
	expect_hint(ARGS("workload", "convert", "x.csv", "--out", "-", "--as", "yaml"),
		    "--as: 'yaml' is not one of native swf batsim");
	expect_hint(ARGS("cluster", "show", "--verbose=1"), "cluster show: --verbose takes no value");
	/* after --, everything is an argument */
	expect_hint(ARGS("report", "--", "--odd-dir", "x"), "report: unexpected argument 'x'");
	expect_hint(ARGS("policies", "extra"), "policies: unexpected argument 'extra'");
	expect_hint(ARGS("policies", "--bogus"), "policies: unknown option '--bogus'");
	expect_hint(ARGS("workload"), "workload: expected a subcommand: generate, stats or convert");
	expect_hint(ARGS("topo"), "topo: expected a subcommand: show");
}

static void same_output(const char *const *a, const char *const *b, int want_rc)
{
	char *o1, *e1, *o2, *e2;
	cr_assert_eq(th_exec(a, &o1, &e1), want_rc, "%s", e1);
	cr_assert_eq(th_exec(b, &o2, &e2), want_rc, "%s", e2);
	cr_assert_str_eq(o1, o2);
	cr_assert_gt(strlen(o1), 0);
	free(o1), free(e1), free(o2), free(e2);
}

/* --opt=VAL is --opt VAL on every command that takes a value. */
Test(cli_grammar, opt_equals_value_works_on_every_command_that_takes_values)
{
	char dir[] = "/tmp/capsim-grammar-XXXXXX";
	th_mkdtemp(dir);
	char wl[128], run1[128], run2[128], page[128], arg[160], arg2[160], arg3[160];
	th_in(wl, sizeof wl, dir, "w.csv");
	th_in(run1, sizeof run1, dir, "r1");
	th_in(run2, sizeof run2, dir, "r2");
	th_in(page, sizeof page, dir, "cmp.html");

	/* workload generate */
	same_output(ARGS("workload", "generate", "--seed=3", "--days=2", "--projects-scale=0.5", "--out=-"),
		    ARGS("workload", "generate", "--seed", "3", "--days", "2", "--projects-scale", "0.5", "--out", "-"), 0);
	char *out, *err;
	snprintf(arg, sizeof arg, "--out=%s", wl);
	cr_assert_eq(th_exec(ARGS("workload", "generate", "--seed=3", "--days=2", arg), &out, &err), 0, "%s", err);
	free(out), free(err);
	/* workload stats */
	same_output(ARGS("workload", "stats", wl, "--format=native", "--cluster=default", "--json"),
		    ARGS("workload", "stats", wl, "--format", "native", "--cluster", "default", "--json"), 0);
	/* workload convert */
	same_output(ARGS("workload", "convert", wl, "--out=-", "--as=swf", "--from=3600", "--to=90000", "--jobs=1-",
			 "--load-scale=2", "--format=native"),
		    ARGS("workload", "convert", wl, "--out", "-", "--as", "swf", "--from", "3600", "--to", "90000", "--jobs",
			 "1-", "--load-scale", "2", "--format", "native"), 0);
	/* run: the same summary either way */
	snprintf(arg, sizeof arg, "--workload=%s", wl);
	snprintf(arg2, sizeof arg2, "--out=%s", run1);
	cr_assert_eq(th_exec(ARGS("run", arg, "--policy=fcfs", "--sample=1800", "--fit=first", "--node-model",
				  "--cluster=default", arg2), &out, &err), 0, "%s", err);
	char *o2, *e2;
	cr_assert_eq(th_exec(ARGS("run", "--workload", wl, "--policy", "fcfs", "--sample", "1800", "--fit", "first",
				  "--node-model", "--cluster", "default", "--out", run2), &o2, &e2), 0, "%s", e2);
	cr_assert_str_eq(out, o2);
	cr_assert(strstr(out, "fcfs"), "%s", out);
	free(out), free(err), free(o2), free(e2);
	/* compare */
	snprintf(arg3, sizeof arg3, "--out=%s", page);
	cr_assert_eq(th_exec(ARGS("compare", run1, run2, arg3), &out, &err), 0, "%s", err);
	cr_assert_eq(access(page, R_OK), 0, "compare --out=FILE wrote nothing");
	free(out), free(err);
	/* options and arguments in any order */
	same_output(ARGS("workload", "stats", "--json", wl), ARGS("workload", "stats", wl, "--json"), 0);

	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(cli_grammar, version_prints_capsim_and_its_version)
{
	char want[64];
	snprintf(want, sizeof want, "capsim %s\n", CS_VERSION);
	const char *const *forms[] = { ARGS("--version"), ARGS("-V") };
	for (int i = 0; i < 2; i++) {
		char *out, *err;
		cr_assert_eq(th_exec(forms[i], &out, &err), 0, "%s", err);
		cr_assert_str_eq(out, want);
		cr_assert_str_empty(err);
		free(out), free(err);
	}
}

/* An unknown --policy-opt key: the message lists that policy's keys. */
Test(cli_grammar, the_policy_option_error_lists_the_policys_parameters)
{
	char *w = th_write_tmp("; MaxProcs: 4\n" SWF_JOB(1, 0, 10, 2, 20), ".swf");
	for (const cs_policy_ops *const *p = cs_policy_list(); *p; p++) {
		char *out, *err;
		cr_assert_eq(th_exec(ARGS("run", "--workload", w, "--policy", (*p)->name, "--policy-opt", "depth=3"), &out,
				     &err), 2, "%s", err);
		char want[128];
		snprintf(want, sizeof want, "policy %s has no parameter 'depth' (", (*p)->name);
		cr_expect(strstr(err, want), "%s", err);
		cr_expect_eq(th_count_lines(err), 1, "%s", err);
		if (!(*p)->params || !(*p)->params[0].key)
			cr_expect(strstr(err, "(it takes none)"), "%s", err);
		for (const cs_policy_param *q = (*p)->params; q && q->key; q++)
			cr_expect(strstr(err, q->key), "%s lacks %s", err, q->key);
		free(out), free(err);
	}
	expect_hint(ARGS("run", "--workload", w, "--policy-opt", "depth=3"),
		    "policy easy has no parameter 'depth' (its parameters: order, scan, queue, reserve, reserve_user, reserve_total)");
	th_unlink(w);
}

Test(cli_grammar, help_answers_at_every_level)
{
	char *out, *err;
	/* the main usage lists every command, workload's three included */
	cr_assert_eq(th_exec(ARGS("--help"), &out, &err), 0);
	const char *want[] = { "run", "policies", "topo show", "cluster show", "report", "compare", "workload generate",
			       "workload stats", "workload convert", "--version" };
	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		cr_expect(strstr(out, want[i]), "capsim --help lacks %s", want[i]);
	free(out), free(err);
	cr_assert_eq(th_exec(ARGS("workload", "--help"), &out, &err), 0);
	cr_expect(strstr(out, "convert") && strstr(out, "generate") && strstr(out, "stats"), "%s", out);
	free(out), free(err);
	/* "help" as a command, and capsim alone (usage on stderr, status 2) */
	cr_assert_eq(th_exec(ARGS("help"), &out, &err), 0);
	cr_expect(strstr(out, "usage: capsim"), "%s", out);
	free(out), free(err);
	cr_assert_eq(th_exec((const char *const[]){ NULL }, &out, &err), 2);
	cr_expect_str_empty(out);
	cr_expect(strstr(err, "usage: capsim"), "%s", err);
	free(out), free(err);
	/* -h after other options and arguments still answers */
	cr_assert_eq(th_exec(ARGS("run", "--workload", "x.swf", "-h"), &out, &err), 0, "%s", err);
	cr_expect(strstr(out, "usage: capsim run"), "%s", out);
	free(out), free(err);
	/* run --help says what run reads and writes */
	cr_assert_eq(th_exec(ARGS("run", "--help"), &out, &err), 0);
	const char *fmts[] = { "swf", "native", "sacct", "batsim", "pai", "helios", "philly", "batsim_jobs.csv",
			       "report.html", "timeseries.csv" };
	for (size_t i = 0; i < sizeof fmts / sizeof *fmts; i++)
		cr_expect(strstr(out, fmts[i]), "run --help lacks %s", fmts[i]);
	free(out), free(err);
}
