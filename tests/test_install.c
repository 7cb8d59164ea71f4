/* Installing capsim (make install, issue 18): the staged tree holds what
 * it should, a policy plugin builds out of tree with pkg-config alone and
 * runs in the installed capsim, make uninstall removes it all; the man
 * page (docs/capsim.1) and the bash completion (sim/cli/capsim.bash) know
 * every command and option the binary's help lists. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capsim/types.h"
#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* The names in a list of lines: does `list` hold the line `name`? */
static int has_line(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == '\n') && (p[n] == '\n' || p[n] == 0))
			return 1;
	return 0;
}

/* The commands `capsim --help` lists ("run", "topo show", ...), each
 * followed by a newline, in buf. */
static void commands(char *buf, size_t len)
{
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("--help"), &out, &err), 0);
	buf[0] = 0;
	char *s = strstr(out, "\ncommands:\n");
	cr_assert_not_null(s);
	for (char *l = strchr(s + 1, '\n') + 1; *l && *l != '\n'; l = strchr(l, '\n') + 1) {
		if (l[0] == ' ' && l[1] == ' ' && l[2] >= 'a' && l[2] <= 'z') {
			char *e = strstr(l + 2, "  ");
			cr_assert_not_null(e);
			snprintf(buf + strlen(buf), len - strlen(buf), "%.*s\n", (int)(e - l - 2), l + 2);
		}
	}
	cr_assert(strlen(buf) > 0);
	free(out), free(err);
}

/* The long options `capsim CMD --help` lists (lines "  --opt ..." or
 * "  -x, --opt ..."), each followed by a newline, in buf. */
static void options(const char *cmd, char *buf, size_t len)
{
	const char *argv[8];
	char words[256];
	int n = 0;
	snprintf(words, sizeof words, "%s", cmd);
	for (char *w = strtok(words, " "); w && n < 6; w = strtok(NULL, " "))
		argv[n++] = w;
	argv[n++] = "--help";
	argv[n] = NULL;
	char *out, *err;
	int rc = th_exec(argv, &out, &err);
	cr_assert_eq(rc, 0, "%s --help: rc %d %s", cmd, rc, err);
	buf[0] = 0;
	for (char *l = out; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, "  -", 3) != 0)
			continue;
		char *o = l + 2;
		if (o[1] != '-')
			o += 4; /* "-h, " */
		size_t k = strspn(o, "-abcdefghijklmnopqrstuvwxyz0123456789");
		snprintf(buf + strlen(buf), len - strlen(buf), "%.*s\n", (int)k, o);
	}
	cr_assert(strlen(buf) > 0, "%s --help lists no options", cmd);
	free(out), free(err);
}

static char *man_page(void)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/docs/capsim.1", th_root());
	char *m = th_slurp(path, NULL);
	cr_assert_not_null(m, "%s", path);
	/* roff's \- is a plain - for these checks */
	char *w = m;
	for (char *r = m; *r; r++)
		if (!(r[0] == '\\' && r[1] == '-'))
			*w++ = *r;
	*w = 0;
	return m;
}

Test(install, the_man_page_has_every_command_and_option)
{
	char cmds[4096], opts[8192];
	commands(cmds, sizeof cmds);
	char *man = man_page();
	char th[128];
	snprintf(th, sizeof th, "\"capsim %s\"", CS_VERSION);
	cr_assert(strstr(man, th), "docs/capsim.1: .TH does not name version %s", CS_VERSION);
	int ncmds = 0;
	for (char *c = cmds, *e; (e = strchr(c, '\n')); c = e + 1, ncmds++) {
		*e = 0;
		/* the command's section: from ".SS capsim CMD" to the next .SS or .SH */
		char head[4200];
		snprintf(head, sizeof head, "\n.SS capsim %s", c);
		char *s = strstr(man, head);
		cr_assert(s && (s[strlen(head)] == ' ' || s[strlen(head)] == '\n'),
			  "docs/capsim.1 has no section for '%s'", c);
		char *end = s + 1;
		while ((end = strchr(end, '\n')) && strncmp(end, "\n.SS", 4) && strncmp(end, "\n.SH", 4))
			end++;
		size_t slen = end ? (size_t)(end - s) : strlen(s);
		char *sec = strndup(s, slen);
		options(c, opts, sizeof opts);
		for (char *o = opts, *oe; (oe = strchr(o, '\n')); o = oe + 1) {
			*oe = 0;
			if (strcmp(o, "--help") == 0)
				continue;
			char *hit = sec;
			size_t ol = strlen(o);
			while ((hit = strstr(hit, o)) && (hit[ol] == '-' || (hit[ol] >= 'a' && hit[ol] <= 'z')))
				hit += ol;
			cr_assert_not_null(hit, "docs/capsim.1: '%s' does not describe %s", c, o);
		}
		free(sec);
		*e = '\n';
	}
	cr_assert_geq(ncmds, 9);
	free(man);
}

/* The completions sim/cli/capsim.bash offers for the words (the binary first). */
static char *complete(const char *words)
{
	char *out;
	cr_assert_eq(th_sh(&out, "bash -c 'source \"$1\"; shift; COMP_WORDS=(\"$@\"); COMP_CWORD=$(($#-1)); _capsim; "
			      "printf \"%%s\\n\" \"${COMPREPLY[@]}\"' x '%s/sim/cli/capsim.bash' '%s' %s",
			 th_root(), th_bin(), words),
		     0, "%s", out);
	return out;
}

Test(install, bash_completion_offers_every_command_and_option)
{
	char cmds[4096], opts[8192];
	commands(cmds, sizeof cmds);
	char *top = complete("''"), *ws = complete("workload ''");
	for (char *c = cmds, *e; (e = strchr(c, '\n')); c = e + 1) {
		*e = 0;
		char first[64], *sp = strchr(c, ' ');
		snprintf(first, sizeof first, "%.*s", sp ? (int)(sp - c) : (int)strlen(c), c);
		cr_assert(has_line(top, first), "capsim <TAB> does not offer %s:\n%s", first, top);
		if (sp) {
			char sub[sizeof first + 8], *got;
			snprintf(sub, sizeof sub, "%s ''", first);
			got = complete(sub);
			cr_assert(has_line(got, sp + 1), "capsim %s <TAB> does not offer %s:\n%s", first, sp + 1, got);
			free(got);
		}
		/* capsim CMD --<TAB>: exactly the long options of CMD --help */
		options(c, opts, sizeof opts);
		char words[sizeof cmds + 8];
		snprintf(words, sizeof words, "%s --", c);
		char *got = complete(words);
		for (char *o = opts, *oe; (oe = strchr(o, '\n')); o = oe + 1) {
			*oe = 0;
			cr_assert(has_line(got, o), "capsim %s --<TAB> does not offer %s:\n%s", c, o, got);
			*oe = '\n';
		}
		for (char *g = got, *ge; (ge = strchr(g, '\n')); g = ge + 1) {
			*ge = 0;
			cr_assert(has_line(opts, g), "capsim %s --<TAB> offers %s, not in its help", c, g);
			*ge = '\n';
		}
		free(got);
		*e = '\n';
	}
	cr_assert(has_line(ws, "generate") && has_line(ws, "stats") && has_line(ws, "convert"), "%s", ws);
	/* option values: a list of words, and the built-in policies */
	char *v = complete("run --workload x.swf --format ''");
	cr_assert(has_line(v, "auto") && has_line(v, "swf") && has_line(v, "philly"), "%s", v);
	free(v);
	v = complete("workload convert in.swf --as ''");
	cr_assert_str_eq(v, "native\nswf\nbatsim\n");
	free(v);
	v = complete("run --policy m");
	cr_assert(has_line(v, "multifactor"), "%s", v);
	free(v);
	free(top), free(ws);
}

/* --scale's value: the node types of the cluster the command names, as
 * "TYPE=" after the parts already typed. */
Test(install, bash_completion_offers_the_node_types_to_scale)
{
	char words[1200];
	snprintf(words, sizeof words, "run --cluster '%s/configs/clusters/small-test.yaml' --scale h100=2,",
		 th_root());
	char *got = complete(words);
	cr_expect(has_line(got, "h100=2,h100=") && has_line(got, "h100=2,p100=") && has_line(got, "h100=2,cpu="),
		  "%s", got);
	free(got);
	got = complete("cluster show --scale ''");
	cr_expect(has_line(got, "h100=") && has_line(got, "a100-4gpu=") && has_line(got, "ipu="), "%s", got);
	cr_expect_eq(th_count_lines(got), 6, "%s", got);
	free(got);
}

Test(install, staged_install_builds_and_runs_a_plugin_out_of_tree)
{
	char d[] = "/tmp/capsim-install-XXXXXX";
	th_mkdtemp(d);
	/* the build directory the suite runs from, relative to the root if under it */
	char build[1024];
	snprintf(build, sizeof build, "%s", th_bin());
	*strrchr(build, '/') = 0;
	const char *root = th_root(), *b = build;
	size_t rl = strlen(root);
	if (strncmp(b, root, rl) == 0 && b[rl] == '/')
		b += rl + 1;
	/* make install from inside make test: not the parent's jobserver */
	const char *mk = "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory";
	char *out;
	cr_assert_eq(th_sh(&out, "cd '%s' && %s BUILD='%s' install DESTDIR='%s/stage' PREFIX=/usr", root, mk, b, d), 0,
		     "make install:\n%s", out);
	free(out);
	const char *files[] = { "bin/capsim", "lib/libcapsim.a", "lib/pkgconfig/capsim.pc", "include/capsim/sched.h",
				"include/capsim/types.h", "share/man/man1/capsim.1",
				"share/bash-completion/completions/capsim" };
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		char p[1200];
		struct stat st;
		snprintf(p, sizeof p, "%s/stage/usr/%s", d, files[i]);
		cr_assert_eq(stat(p, &st), 0, "make install left out %s", p);
	}
	char pc[1200];
	snprintf(pc, sizeof pc, "PKG_CONFIG_PATH='%s/stage/usr/lib/pkgconfig' PKG_CONFIG_SYSROOT_DIR='%s/stage'", d, d);
	cr_assert_eq(th_sh(&out, "%s pkg-config --modversion capsim", pc), 0, "%s", out);
	char want[64];
	snprintf(want, sizeof want, "%s\n", CS_VERSION);
	cr_assert_str_eq(out, want);
	free(out);
	cr_assert_eq(th_sh(&out, "%s pkg-config --cflags capsim", pc), 0, "%s", out);
	char inc[1200];
	snprintf(inc, sizeof inc, "-I%s/stage/usr/include", d);
	cr_assert(strstr(out, inc), "pkg-config --cflags capsim: %s", out);
	free(out);

	/* the example plugin, copied out of the tree, built by its Makefile */
	cr_assert_eq(th_sh(&out, "mkdir '%s/plugin' && cp '%s/policies/example/Makefile' '%s/policies/example/fcfs_example.c' '%s/plugin' && "
			      "%s %s -C '%s/plugin'",
			 d, root, root, d, pc, mk, d),
		     0, "building the example plugin:\n%s", out);
	free(out);
	/* every installed header compiles on its own with those flags */
	cr_assert_eq(th_sh(&out, "cd '%s/stage/usr/include' && for h in capsim/*.h; do echo \"#include <$h>\"; done > '%s/all.c' && "
			      "cc -std=c11 -fsyntax-only $(%s pkg-config --cflags capsim) '%s/all.c'",
			 d, d, pc, d),
		     0, "the installed headers:\n%s", out);
	free(out);

	char swf[1200], so[1200], bin[1200];
	th_in(swf, sizeof swf, d, "tiny.swf");
	th_in(so, sizeof so, d, "plugin/fcfs_example.so");
	th_in(bin, sizeof bin, d, "stage/usr/bin/capsim");
	FILE *f = fopen(swf, "w");
	cr_assert_not_null(f);
	fputs("; MaxProcs: 4\n" SWF_JOB(1, 0, 10, 2, 20) SWF_JOB(2, 1, 5, 4, 10) SWF_JOB(3, 2, 3, 1, 5), f);
	fclose(f);
	cr_assert_eq(th_sh(&out, "'%s' run --workload '%s' --policy '%s' --no-progress", bin, swf, so), 0, "%s", out);
	cr_assert(strstr(out, "3 simulated of 3 records"), "%s", out);
	free(out);

	cr_assert_eq(th_sh(&out, "cd '%s' && %s BUILD='%s' uninstall DESTDIR='%s/stage' PREFIX=/usr && find '%s/stage' -type f",
			 root, mk, b, d, d),
		     0, "make uninstall:\n%s", out);
	cr_assert_str_eq(out, "", "make uninstall left files behind");
	free(out);
	cr_assert_eq(th_sh(NULL, "rm -rf '%s'", d), 0);
}
