/* capsim: the command line's one grammar (sim/cli/cli_util.c) and its
 * commands. Private to the command (sim/cli/), which is not part of
 * libcapsim: only the capsim binary (and the tests of its grammar) link it.
 *
 * Every command is a cs_cli_cmd: a usage line, a paragraph, and a table of
 * the options it accepts. The table is the single source: the parser
 * (getopt_long over it) accepts exactly those options, as --opt VAL or
 * --opt=VAL, and --help prints them; tests/test_cli_grammar.c walks the
 * tree and checks each command's --help against its table. Every command
 * takes -h/--help (its help on stdout, exit 0); an unknown option, a
 * missing or empty value, or a value outside an option's choices is a
 * one-line error with exit status 2, and an unknown option names the
 * accepted ones close to it ("did you mean --policy?"). Abbreviations are
 * not accepted (an option added later would change what they mean): they
 * are suggested in full. */
#ifndef CAPSIM_SIM_CLI_H
#define CAPSIM_SIM_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capsim/transform.h"

/* One option. A table of them ends with { 0 } (no name, no help); an entry
 * with no name but a help text is a heading that starts a new section. */
typedef struct cs_cli_opt {
	const char *name;            /* long name, without "--" */
	char short_name;             /* a one-letter alias (-V), or 0 */
	const char *arg;             /* the value's name in the help ("FILE"); NULL: a flag, or choices */
	const char *const *choices;  /* the values it takes, when a fixed list (the parser checks them) */
	size_t nchoices;
	int id;                      /* what cs_cli_next returns for it: >= CS_CLI_ID0 */
	const char *help;            /* wrapped to the terminal's 80 columns; '\n' breaks a line */
} cs_cli_opt;

#define CS_CLI_HEADING(text) { .help = (text) }
#define CS_CLI_CHOICES(names) .choices = (names), .nchoices = sizeof(names) / sizeof(names)[0]

/* A command, or a group of subcommands (subs set, main NULL), or a command
 * with subcommands too (both set: a first argument naming a subcommand
 * runs it, anything else runs main; `capsim sweep`). */
typedef struct cs_cli_cmd {
	const char *name;     /* as typed after "capsim": "run", "workload generate"; the root: "" */
	const char *synopsis; /* the usage line(s), from "capsim " on */
	const char *summary;  /* one phrase, for the parent's list */
	const char *about;    /* the help's paragraphs, each line ending in '\n' */
	const cs_cli_opt *opts;
	int (*main)(int argc, char **argv);   /* argv[0]: the command's last word */
	const struct cs_cli_cmd *const *subs; /* a group's commands, NULL-terminated */
} cs_cli_cmd;

enum {
	CS_CLI_ARG = 1,        /* cs_cli_next: a positional argument, in p->arg */
	CS_CLI_VERSION = 256,  /* the root's --version, which cs_cli_group answers */
	CS_CLI_ID0 = 257,      /* the first id of a command's own options */
	CS_CLI_MAXOPT = 64
};

typedef struct cs_cli_parser {
	const cs_cli_cmd *cmd;
	int argc;
	char **argv;
	char *arg;       /* the option's value, or the positional argument */
	int pick;        /* an option with choices: the index of its value */
	int index;       /* argv index of the positional argument just returned */
	int status;      /* cs_cli_next returned -1: the exit status */
	int rest;        /* after "--": the next argument, all positional */
	char shorts[16];
	struct option lo[CS_CLI_MAXOPT + 2];
} cs_cli_parser;

/* Parse argv[1..argc) by cmd's table (argv[0] is the command's word). */
void cs_cli_begin(cs_cli_parser *p, const cs_cli_cmd *cmd, int argc, char **argv);
/* The next option's id, CS_CLI_ARG for a positional argument (in order:
 * options and arguments may be mixed; all after "--" are arguments), 0 at
 * the end, or -1 when the command should exit with p->status: -h/--help
 * printed the help (0) or a usage error was printed (2). */
int cs_cli_next(cs_cli_parser *p);
/* Print "capsim: CMD: MESSAGE (see capsim CMD --help)"; returns 2. */
int cs_cli_usage(const cs_cli_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print cmd's help: usage, about, its commands, its options. */
void cs_cli_help(FILE *f, const cs_cli_cmd *cmd);
/* Run argv (argv[0] the group's word) through a group: its options, then
 * the subcommand named by the first argument. Exit status. */
int cs_cli_group(const cs_cli_cmd *g, int argc, char **argv);
/* The accepted names closest to typed[0..len): those at the smallest edit
 * distance, at most 2 (1 for a typed name of three letters or fewer), a
 * name that typed begins counting as 1; up to three, as "PREFIXa, PREFIXb
 * or PREFIXc" in out ("" if none). */
void cs_cli_suggest(const char *const *names, size_t n, const char *prefix, const char *typed, size_t len,
		    char *out, size_t outlen);

/* The transform options (docs/workloads.md, "Transforms") run and workload convert
 * share: six table entries, ids first .. first + CS_CLI_TF_N - 1, each
 * applied by cs_cli_transform(id - first, ...). */
enum { CS_CLI_TF_JOBS, CS_CLI_TF_FROM, CS_CLI_TF_TO, CS_CLI_TF_PROJECTS, CS_CLI_TF_LOAD, CS_CLI_TF_SEED, CS_CLI_TF_N };
#define CS_CLI_TRANSFORM_OPTS(first) \
	{ .name = "jobs", .arg = "FIRST-LAST", .id = (first) + CS_CLI_TF_JOBS, \
	  .help = "keep job ids in the range (either end may be left out)" }, \
	{ .name = "from", .arg = "S", .id = (first) + CS_CLI_TF_FROM, \
	  .help = "keep jobs submitted S seconds or more after the trace origin" }, \
	{ .name = "to", .arg = "S", .id = (first) + CS_CLI_TF_TO, \
	  .help = "keep jobs submitted before S seconds after the trace origin" }, \
	{ .name = "projects-scale", .arg = "F", .id = (first) + CS_CLI_TF_PROJECTS, \
	  .help = "F times as many projects (copies of projects; F < 1 samples), up to 100" }, \
	{ .name = "load-scale", .arg = "F", .id = (first) + CS_CLI_TF_LOAD, \
	  .help = "submit times divided by F (F > 1: more load)" }, \
	{ .name = "seed", .arg = "N", .id = (first) + CS_CLI_TF_SEED, \
	  .help = "which projects --projects-scale copies (default 1)" }
/* Set transform option k (CS_CLI_TF_*) to s in tf; 0, or -1 with the
 * message in err. */
int cs_cli_transform(int k, const char *s, cs_transform *tf, char *err, size_t errlen);

/* Print "capsim: MSG" on stderr (one line whatever MSG holds); returns code. */
int cs_cli_die(int code, const char *msg);
/* An integer >= min. */
int cs_cli_i64(const char *opt, const char *s, int64_t min, int64_t *out, char *err, size_t errlen);
/* A number in (0, max]. */
int cs_cli_pos_double(const char *opt, const char *s, double max, double *out, char *err, size_t errlen);
/* --policy-opt KEY=VAL (a, split in place) into keys[*n], vals[*n] (room
 * for CS_MAX_PARAMS); 0, or -1 with the message in err. */
int cs_cli_policy_opt(char *a, const char **keys, const char **vals, size_t *n, char *err, size_t errlen);
/* --jobs FIRST-LAST (either end may be left out). */
int cs_cli_id_range(const char *s, int64_t *lo, int64_t *hi, char *err, size_t errlen);

/* The command tree (sim/cli/cli_main.c) and the entry point main() calls. */
extern const cs_cli_cmd cs_cli_root;
int cs_cli_main(int argc, char **argv);

/* The commands, each in its file. */
extern const cs_cli_cmd cs_cli_run_cmd;      /* cli_run.c */
extern const cs_cli_cmd cs_cli_policies_cmd; /* cli_main.c */
extern const cs_cli_cmd cs_cli_topo_show_cmd, cs_cli_cluster_show_cmd; /* cli_show.c */
extern const cs_cli_cmd cs_cli_report_cmd, cs_cli_compare_cmd;       /* cli_report.c */
extern const cs_cli_cmd cs_cli_generate_cmd, cs_cli_stats_cmd;       /* cli_workload.c */
extern const cs_cli_cmd cs_cli_convert_cmd;                          /* cli_convert.c */
extern const cs_cli_cmd cs_cli_sweep_cmd, cs_cli_sweep_merge_cmd;   /* cli_sweep.c */
extern const cs_cli_cmd cs_cli_plan_cmd, cs_cli_plan_merge_cmd;     /* cli_plan.c */

/* What capsim sweep and capsim plan share (cli_sweep.c). */
struct cs_sweep_progress;
/* the progress line; ctx: its format, "sweep: %zu of %zu points done" */
void cs_cli_progress(void *ctx, const struct cs_sweep_progress *p);
/* the exit status of a library error: 1 out of memory or I/O, else 2 */
int cs_cli_exit_of(int rc);
/* --shard I/N: 0, or -1 with the message in err */
int cs_cli_shard(const char *s, size_t *i, size_t *n, char *err, size_t errlen);
/* a worker's first step: it dies with the process that started it (Linux) */
void cs_cli_worker_start(void);
/* The options capsim sweep and capsim plan share: their ids in a command's
 * table, and the parse. */
enum { CS_CLI_GRID_OUT = CS_CLI_ID0, CS_CLI_GRID_JOBS, CS_CLI_GRID_SHARD, CS_CLI_GRID_NOPROGRESS, CS_CLI_GRID_ONE };
typedef struct cs_cli_grid {
	const char *spec, *out;
	int64_t jobs;   /* 0: not given */
	int64_t one;    /* --point K / --search K: K, or -1 */
	size_t si, sn;  /* --shard I/N (1/1) */
	int progress;
} cs_cli_grid;
/* Parse SPEC --out DIR [-j N] [--shard I/N] [--no-progress] [ONE K] (one:
 * "--point"): -1 to go on, or the exit status (help shown, a usage error). */
int cs_cli_grid_args(const cs_cli_cmd *cmd, const char *one, int argc, char **argv, cs_cli_grid *g);
/* Parse DIR... --out DIR: -1 to go on with *dirs (free it) and *n of them,
 * or the exit status (*dirs still to free). */
int cs_cli_merge_args(const cs_cli_cmd *cmd, int argc, char **argv, const char ***dirs, size_t *n, const char **out);
/* Run todo[0..ntodo) in child processes forked from this one
 * (cs_sweep_exec), each calling run(run_ctx, K) after cs_cli_worker_start
 * and exiting with cs_cli_die's status on an error; unit: "point" or
 * "search"; jobs 0: the processors available; the progress line (what:
 * its format) if progress and stderr is a terminal; before (or NULL) as
 * cs_sweep_exec's. */
typedef int (*cs_cli_unit_fn)(void *run_ctx, size_t k, char *err, size_t errlen);
int cs_cli_workers(cs_cli_unit_fn run, cs_cli_unit_fn before, void *run_ctx, const char *unit, const size_t *todo,
		   size_t ntodo, int64_t jobs, int progress, const char *what, size_t *ran, char *err, size_t errlen);
extern const cs_cli_cmd cs_cli_serve_cmd;                            /* cli_serve.c */

#endif
