/* capsim: the command line's grammar, shared by every command (sim/cli/cli.h):
 * the getopt_long loop over a command's table, the usage errors with their
 * suggestions, the help printed from the table, the groups' dispatch, and
 * the parsers of numbers the options share. */
#include "cli.h"
#include "capsim/run.h"
#include "../utf8.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* s after what buf holds, cut to fit */
static void append(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);
	if (n + 1 < len)
		snprintf(buf + n, len - n, "%s", s);
}

/* One line on stderr whatever the message holds: bytes from an input
 * (a field echoed back, a multi-line YAML scalar) that are control
 * characters or not UTF-8 are written as \n, \t, \r or \xNN. */
int cs_cli_die(int code, const char *msg)
{
	const unsigned char *s = (const unsigned char *)msg;
	size_t len = strlen(msg);
	fputs("capsim: ", stderr);
	for (size_t i = 0; i < len;) {
		uint32_t cp = 0;
		size_t n = cs_utf8_seq(s + i, len - i, &cp);
		if (n && cp >= 0x20 && cp != 0x7f) {
			fwrite(s + i, 1, n, stderr);
			i += n;
			continue;
		}
		if (s[i] == '\n')
			fputs("\\n", stderr);
		else if (s[i] == '\t')
			fputs("\\t", stderr);
		else if (s[i] == '\r')
			fputs("\\r", stderr);
		else
			fprintf(stderr, "\\x%02x", s[i]);
		i++;
	}
	fputc('\n', stderr);
	return code;
}

int cs_cli_i64(const char *opt, const char *s, int64_t min, int64_t *out, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*s && !*end && errno == ERANGE) {
		snprintf(err, errlen, "%s: '%s' is out of range (at most %lld)", opt, s, LLONG_MAX);
		return -1;
	}
	if (!*s || *end || errno || v < min) {
		snprintf(err, errlen, "%s: '%s' is not an integer >= %lld", opt, s, (long long)min);
		return -1;
	}
	*out = v;
	return 0;
}

int cs_cli_pos_double(const char *opt, const char *s, double max, double *out, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || *end || errno || !(v > 0) || v > max) {
		snprintf(err, errlen, "%s: '%s' is not a number in (0, %g]", opt, s, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* --jobs A-B: a job-id range (either end may be left out: A-, -B). */
int cs_cli_id_range(const char *s, int64_t *lo, int64_t *hi, char *err, size_t errlen)
{
	const char *dash = strchr(s + (*s == '-' && s[1] == '-' ? 1 : 0), '-');
	char a[32] = "", b[32] = "";
	if (!dash || dash - s >= (long)sizeof a || strlen(dash + 1) >= sizeof b)
		goto bad;
	memcpy(a, s, (size_t)(dash - s));
	strcpy(b, dash + 1);
	char *end;
	*lo = INT64_MIN;
	*hi = INT64_MAX;
	if (*a) {
		errno = 0;
		*lo = strtoll(a, &end, 10);
		if (*end || errno)
			goto bad;
	}
	if (*b) {
		errno = 0;
		*hi = strtoll(b, &end, 10);
		if (*end || errno)
			goto bad;
	}
	if (*lo > *hi)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "--jobs: '%s' is not a job-id range FIRST-LAST (e.g. 100-2000, 500-, -99)", s);
	return -1;
}

int cs_cli_transform(int k, const char *s, cs_transform *tf, char *err, size_t errlen)
{
	int64_t n;
	switch (k) {
	case CS_CLI_TF_JOBS: return cs_cli_id_range(s, &tf->id_min, &tf->id_max, err, errlen);
	case CS_CLI_TF_PROJECTS: return cs_cli_pos_double("--projects-scale", s, 100, &tf->projects_scale, err, errlen);
	case CS_CLI_TF_LOAD: return cs_cli_pos_double("--load-scale", s, 1e6, &tf->load_scale, err, errlen);
	case CS_CLI_TF_FROM:
		if (cs_cli_i64("--from", s, 0, &n, err, errlen) < 0)
			return -1;
		tf->from = n;
		return 0;
	case CS_CLI_TF_TO:
		if (cs_cli_i64("--to", s, 1, &n, err, errlen) < 0)
			return -1;
		tf->to = n;
		return 0;
	default:
		if (cs_cli_i64("--seed", s, 0, &n, err, errlen) < 0)
			return -1;
		tf->seed = (uint64_t)n;
		return 0;
	}
}

/* ---- the parser ---- */

static int opt_has_arg(const cs_cli_opt *o) { return o->arg || o->choices; }

/* Entries of a table: skips headings, stops at the end. */
#define FOR_OPTS(o, table) \
	for (const cs_cli_opt *o = (table); o && (o->name || o->help); o++) \
		if (o->name)

static const char *last_word(const char *name)
{
	const char *sp = strrchr(name, ' ');
	return sp ? sp + 1 : name;
}

void cs_cli_begin(cs_cli_parser *p, const cs_cli_cmd *cmd, int argc, char **argv)
{
	memset(p, 0, sizeof *p);
	p->cmd = cmd;
	p->argc = argc;
	p->argv = argv;
	p->rest = -1;
	/* '-': arguments come back in order (code 1), nothing is permuted;
	 * ':': a missing value is told from an unknown option */
	size_t k = 0, s = 0;
	memcpy(p->shorts, "-:h", 3);
	s = 3;
	FOR_OPTS(o, cmd->opts) {
		assert(k < CS_CLI_MAXOPT && o->id >= CS_CLI_VERSION);
		p->lo[k++] = (struct option){ o->name, opt_has_arg(o) ? required_argument : no_argument, NULL, o->id };
		if (o->short_name) {
			assert(s + 3 < sizeof p->shorts);
			p->shorts[s++] = o->short_name;
			if (opt_has_arg(o))
				p->shorts[s++] = ':';
		}
	}
	p->lo[k++] = (struct option){ "help", no_argument, NULL, 'h' };
	p->lo[k] = (struct option){ NULL, 0, NULL, 0 };
	opterr = 0;
	optind = 0; /* glibc: start afresh */
}

int cs_cli_usage(const cs_cli_cmd *cmd, const char *fmt, ...)
{
	char msg[CS_ERRLEN], line[CS_ERRLEN + 128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (*cmd->name)
		snprintf(line, sizeof line, "%s: %s (see capsim %s --help)", cmd->name, msg, cmd->name);
	else
		snprintf(line, sizeof line, "%s (see capsim --help)", msg);
	return cs_cli_die(2, line);
}

static int fail(cs_cli_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(cs_cli_parser *p, const char *fmt, ...)
{
	char msg[CS_ERRLEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	p->status = cs_cli_usage(p->cmd, "%s", msg);
	return -1;
}

/* The optimal string alignment distance (an adjacent transposition costs
 * 1, as a mistyped pair of letters), capped at 9. */
static size_t edit_distance(const char *a, size_t n, const char *b, size_t m)
{
	enum { MAXLEN = 63 };
	if (n > MAXLEN || m > MAXLEN)
		return 9;
	size_t d[MAXLEN + 1][MAXLEN + 1];
	for (size_t i = 0; i <= n; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			size_t v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[n][m] < 9 ? d[n][m] : 9;
}

void cs_cli_suggest(const char *const *names, size_t n, const char *prefix, const char *typed, size_t len,
		    char *out, size_t outlen)
{
	/* score: the distance; a name that typed abbreviates counts as one
	 * letter off ("--form": --format or --from) */
	size_t best = SIZE_MAX, limit = len <= 3 ? 1 : 2, score[CS_CLI_MAXOPT + 2];
	*out = 0;
	if (len == 0)
		return;
	for (size_t i = 0; i < n && i < CS_CLI_MAXOPT + 2; i++) {
		size_t nl = strlen(names[i]);
		score[i] = nl > len && !strncmp(names[i], typed, len) ? 1 : edit_distance(typed, len, names[i], nl);
		if (score[i] > limit)
			score[i] = SIZE_MAX;
		if (score[i] < best)
			best = score[i];
	}
	if (best == SIZE_MAX)
		return;
	/* at most three, in the table's order: "--a, --b or --c" */
	size_t pick[3], np = 0;
	for (size_t i = 0; i < n && i < CS_CLI_MAXOPT + 2 && np < 3; i++)
		if (score[i] == best)
			pick[np++] = i;
	for (size_t j = 0; j < np; j++) {
		append(out, outlen, j == 0 ? "" : j + 1 == np ? " or " : ", ");
		append(out, outlen, prefix);
		append(out, outlen, names[pick[j]]);
	}
}

static int unknown_option(cs_cli_parser *p, const char *shown, const char *typed, size_t len)
{
	const char *names[CS_CLI_MAXOPT + 1];
	size_t n = 0;
	FOR_OPTS(o, p->cmd->opts)
		names[n++] = o->name;
	names[n++] = "help";
	char hint[256];
	cs_cli_suggest(names, n, "--", typed, len, hint, sizeof hint);
	if (*hint)
		return fail(p, "unknown option '%s': did you mean %s?", shown, hint);
	return fail(p, "unknown option '%s'", shown);
}

/* "--name" or "--name=VALUE" as typed, not an abbreviation of name */
static int spelled_out(const char *elem, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(elem, "--", 2) && !strncmp(elem + 2, name, n) && (elem[2 + n] == 0 || elem[2 + n] == '=');
}

static const cs_cli_opt *opt_by_id(const cs_cli_cmd *cmd, int id)
{
	FOR_OPTS(o, cmd->opts)
		if (o->id == id)
			return o;
	return NULL;
}

static const cs_cli_opt *opt_by_short(const cs_cli_cmd *cmd, int c)
{
	FOR_OPTS(o, cmd->opts)
		if (o->short_name && o->short_name == c)
			return o;
	return NULL;
}

/* A long option as typed: the element's text before any '='. */
static int unknown_long(cs_cli_parser *p, const char *elem)
{
	char shown[128];
	size_t len = strcspn(elem, "=");
	snprintf(shown, sizeof shown, "%.*s", (int)(len < 120 ? len : 120), elem);
	return unknown_option(p, shown, elem + 2, len - 2);
}

int cs_cli_next(cs_cli_parser *p)
{
	p->arg = NULL;
	if (p->rest >= 0) {
		if (p->rest >= p->argc)
			return 0;
		p->index = p->rest;
		p->arg = p->argv[p->rest++];
		return CS_CLI_ARG;
	}
	int at = optind ? optind : 1, li = -1;
	int c = getopt_long(p->argc, p->argv, p->shorts, p->lo, &li);
	if (c == -1) { /* the end, or "--": what follows it are arguments */
		p->rest = optind;
		return cs_cli_next(p);
	}
	const char *elem = at < p->argc ? p->argv[at] : "";
	int islong = !strncmp(elem, "--", 2);
	if (c == CS_CLI_ARG) {
		p->index = at;
		p->arg = optarg;
		return CS_CLI_ARG;
	}
	if (li >= 0 && !spelled_out(elem, p->lo[li].name))
		return unknown_long(p, elem);
	if (c == 'h') {
		cs_cli_help(stdout, p->cmd);
		p->status = 0;
		return -1;
	}
	if (c == ':' || c == '?') {
		/* optopt: the option missing its value or given one it does
		 * not take, 0 for a name none has or several begin with */
		const cs_cli_opt *o = optopt >= CS_CLI_VERSION ? opt_by_id(p->cmd, optopt) : NULL;
		const char *name = o ? o->name : optopt == 'h' ? "help" : NULL;
		if (islong && (!name || !spelled_out(elem, name)))
			return unknown_long(p, elem);
		if (c == ':')
			return fail(p, "%s needs a value", elem);
		if (islong)
			return fail(p, "%.*s takes no value", (int)strcspn(elem, "="), elem);
		/* an unknown letter; "-name" is taken for "--name" mistyped */
		if (elem[0] == '-' && strlen(elem) > 2 && elem[1] != '-') {
			char shown[128];
			snprintf(shown, sizeof shown, "%.120s", elem);
			return unknown_option(p, shown, elem + 1, strcspn(elem + 1, "="));
		}
		return fail(p, "unknown option '-%c'", optopt);
	}
	const cs_cli_opt *o = li >= 0 ? opt_by_id(p->cmd, c) : opt_by_short(p->cmd, c);
	if (!o) /* cannot happen: getopt returns only what the table holds */
		return fail(p, "unknown option '%s'", elem);
	p->arg = optarg;
	if (optarg && !*optarg) /* --opt= or --opt '': no value is ever empty */
		return fail(p, "--%s needs a value", o->name);
	if (o->choices) {
		size_t i = 0;
		while (i < o->nchoices && strcmp(o->choices[i], optarg) != 0)
			i++;
		if (i == o->nchoices) {
			char msg[CS_ERRLEN];
			snprintf(msg, sizeof msg, "--%s: '%s' is not one of", o->name, optarg);
			for (size_t j = 0; j < o->nchoices; j++) {
				append(msg, sizeof msg, " ");
				append(msg, sizeof msg, o->choices[j]);
			}
			p->status = cs_cli_die(2, msg);
			return -1;
		}
		p->pick = (int)i;
	}
	return o->id;
}

/* ---- the help, printed from the tables ---- */

enum {
	HELP_WIDTH = 80, /* columns */
	LABEL_MAX = 40   /* a longer label has its text on the next line */
};

/* "  -V, --version", "  --out DIR", "  --fit first|best|topo|frag" */
static size_t opt_label(const cs_cli_opt *o, char *buf, size_t len)
{
	char letter[8] = "";
	if (o->short_name)
		snprintf(letter, sizeof letter, "-%c, ", o->short_name);
	snprintf(buf, len, "  %s--%s", letter, o->name);
	if (o->arg) {
		append(buf, len, " ");
		append(buf, len, o->arg);
	}
	for (size_t i = 0; !o->arg && i < o->nchoices; i++) {
		append(buf, len, i ? "|" : " ");
		append(buf, len, o->choices[i]);
	}
	return strlen(buf);
}

static const cs_cli_opt help_opt = { .name = "help", .short_name = 'h', .help = "print this help and exit" };

/* label, then text from column col, wrapped at HELP_WIDTH ('\n' breaks) */
static void put_item(FILE *f, const char *label, size_t col, const char *text)
{
	size_t pos = strlen(label);
	fputs(label, f);
	if (pos + 2 > col) {
		fputc('\n', f);
		pos = 0;
	}
	for (const char *s = text; *s;) {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (*s == '\n') {
			fputc('\n', f);
			pos = 0;
			s++;
			continue;
		}
		size_t w = strcspn(s, " \n");
		if (pos > col && pos + 1 + w > HELP_WIDTH) {
			fputc('\n', f);
			pos = 0;
		}
		if (pos < col) {
			fprintf(f, "%*s", (int)(col - pos), "");
			pos = col;
		} else {
			fputc(' ', f);
			pos++;
		}
		fwrite(s, 1, w, f);
		pos += w;
		s += w;
	}
	fputc('\n', f);
}

/* The column a section's texts start at: after its longest label that
 * is at most LABEL_MAX wide. */
static size_t section_col(const cs_cli_opt *o, int first)
{
	char buf[256];
	size_t col = first ? opt_label(&help_opt, buf, sizeof buf) : 0;
	for (; o->name; o++) {
		size_t w = opt_label(o, buf, sizeof buf);
		if (w <= LABEL_MAX && w > col)
			col = w;
	}
	return col + 2;
}

static void put_options(FILE *f, const cs_cli_opt *opts)
{
	static const cs_cli_opt none[] = { { 0 } };
	const cs_cli_opt *o = opts ? opts : none;
	char buf[256];
	if (o->name || !o->help) /* the first section has no heading of its own */
		fputs("\noptions:\n", f);
	for (int first = 1; first || o->help; first = 0) {
		if (!o->name && o->help)
			fprintf(f, "\n%s\n", o++->help);
		size_t col = section_col(o, first);
		for (; o->name; o++) {
			opt_label(o, buf, sizeof buf);
			put_item(f, buf, col, o->help);
		}
		if (first) {
			opt_label(&help_opt, buf, sizeof buf);
			put_item(f, buf, col, help_opt.help);
		}
	}
}

/* The commands under g (a group's groups expanded: "topo show"), named
 * relative to g; measure only (f NULL) returns the widest label. */
static size_t put_commands(FILE *f, const cs_cli_cmd *g, const cs_cli_cmd *top, size_t col)
{
	size_t widest = 0, skip = *top->name ? strlen(top->name) + 1 : 0;
	for (const cs_cli_cmd *const *c = g->subs; *c; c++) {
		size_t w = 0;
		/* a command, then its own subcommands (sweep, sweep merge) */
		if (!(*c)->subs || (*c)->main) {
			char label[128];
			w = (size_t)snprintf(label, sizeof label, "  %s", (*c)->name + skip);
			if (f)
				put_item(f, label, col, (*c)->summary);
		}
		if ((*c)->subs) {
			size_t sw = put_commands(f, *c, top, col);
			w = sw > w ? sw : w;
		}
		if (w > widest)
			widest = w;
	}
	return widest;
}

void cs_cli_help(FILE *f, const cs_cli_cmd *cmd)
{
	fputs("usage: ", f);
	for (const char *s = cmd->synopsis; *s;) {
		size_t n = strcspn(s, "\n");
		fprintf(f, "%s%.*s\n", s == cmd->synopsis ? "" : "       ", (int)n, s);
		s += n + (s[n] == '\n');
	}
	if (cmd->about)
		fprintf(f, "\n%s", cmd->about);
	if (cmd->subs) {
		fputs("\ncommands:\n", f);
		put_commands(f, cmd, cmd, put_commands(NULL, cmd, cmd, 0) + 2);
	}
	put_options(f, cmd->opts);
}

/* ---- groups ---- */

int cs_cli_group(const cs_cli_cmd *g, int argc, char **argv)
{
	if (g->main) { /* a command with subcommands: the first argument names one, or not */
		for (const cs_cli_cmd *const *s = g->subs; argc > 1 && *s; s++)
			if (!strcmp(last_word((*s)->name), argv[1]))
				return (*s)->main(argc - 1, argv + 1);
		return g->main(argc, argv);
	}
	cs_cli_parser p;
	cs_cli_begin(&p, g, argc, argv);
	int c;
	while ((c = cs_cli_next(&p)) > 0) {
		if (c == CS_CLI_VERSION) {
			printf("capsim %s\n", CS_VERSION);
			return 0;
		}
		if (c != CS_CLI_ARG)
			continue;
		if (!strcmp(p.arg, "help")) {
			cs_cli_help(stdout, g);
			return 0;
		}
		const char *names[CS_CLI_MAXOPT];
		size_t n = 0;
		for (const cs_cli_cmd *const *s = g->subs; *s; s++) {
			if (!strcmp(last_word((*s)->name), p.arg)) {
				int k = p.index;
				return (*s)->subs ? cs_cli_group(*s, argc - k, argv + k) : (*s)->main(argc - k, argv + k);
			}
			if (n < CS_CLI_MAXOPT)
				names[n++] = last_word((*s)->name);
		}
		char hint[256];
		cs_cli_suggest(names, n, "", p.arg, strlen(p.arg), hint, sizeof hint);
		return cs_cli_usage(g, "unknown %scommand '%s'%s%s%s", *g->name ? "sub" : "", p.arg,
				    *hint ? ": did you mean " : "", hint, *hint ? "?" : "");
	}
	if (c < 0)
		return p.status;
	if (!*g->name) { /* capsim alone: the usage, as an error */
		cs_cli_help(stderr, g);
		return 2;
	}
	char list[256] = "";
	for (const cs_cli_cmd *const *s = g->subs; *s; s++) {
		append(list, sizeof list, s == g->subs ? "" : !s[1] ? " or " : ", ");
		append(list, sizeof list, last_word((*s)->name));
	}
	return cs_cli_usage(g, "expected a subcommand: %s", list);
}

int cs_cli_policy_opt(char *a, const char **keys, const char **vals, size_t *n, char *err, size_t errlen)
{
	char *eq = strchr(a, '=');
	if (!eq || eq == a) {
		snprintf(err, errlen, "--policy-opt: '%s' is not KEY=VALUE", a);
		return -1;
	}
	if (*n == CS_MAX_PARAMS) {
		snprintf(err, errlen, "--policy-opt: too many parameters");
		return -1;
	}
	*eq = 0;
	keys[*n] = a;
	vals[(*n)++] = eq + 1;
	return 0;
}
