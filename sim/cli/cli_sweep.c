/* capsim: `capsim sweep SPEC` (the grid's points, in parallel worker
 * processes, into a results directory) and `capsim sweep merge` (shard
 * directories joined). docs/sweep.md. */
#include "capsim/sweep.h"
#include "capsim/types.h"
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

enum { O_OUT = CS_CLI_GRID_OUT, O_JOBS = CS_CLI_GRID_JOBS, O_SHARD = CS_CLI_GRID_SHARD,
       O_NOPROGRESS = CS_CLI_GRID_NOPROGRESS, O_POINT = CS_CLI_GRID_ONE };

static int sweep_main(int argc, char **argv);
static int merge_main(int argc, char **argv);

static const cs_cli_opt sweep_opts[] = {
	{ .name = "out", .arg = "DIR", .id = O_OUT,
	  .help = "the results directory (required; its parent must exist): points/K.json per point, then "
		  "results.csv, results.json and sweep.html. Run again into it to finish an interrupted sweep" },
	{ .name = "jobs", .short_name = 'j', .arg = "N", .id = O_JOBS,
	  .help = "points run at once, each in a worker process (default: the processors available); the "
		  "results are the same whatever N" },
	{ .name = "shard", .arg = "I/N", .id = O_SHARD,
	  .help = "run only the points K with K mod N = I - 1 (1 <= I <= N); join the shards' directories "
		  "with capsim sweep merge" },
	{ .name = "no-progress", .id = O_NOPROGRESS,
	  .help = "no progress line on stderr (shown only when it is a terminal)" },
	{ .name = "point", .arg = "K", .id = O_POINT,
	  .help = "run point K alone into --out (what each worker, forked from the sweep, runs; the directory must have been "
		  "prepared by a sweep of the same spec)" },
	{ 0 },
};

static const cs_cli_opt merge_opts[] = {
	{ .name = "out", .arg = "DIR", .id = O_OUT,
	  .help = "the merged directory (required; new, or empty): every point once, and the results" },
	{ 0 },
};

const cs_cli_cmd cs_cli_sweep_merge_cmd = {
	.name = "sweep merge",
	.synopsis = "capsim sweep merge DIR... --out DIR",
	.summary = "join the directories of a sweep's shards into one",
	.about = "Joins the results directories of a sweep's shards (capsim sweep --shard I/N)\n"
		 "into one, refusing directories of different sweeps, a point missing or a\n"
		 "point in two of them. The merged directory is byte for byte what one\n"
		 "machine running the whole sweep writes.\n",
	.opts = merge_opts,
	.main = merge_main,
};

static const cs_cli_cmd *const sweep_subs[] = { &cs_cli_sweep_merge_cmd, NULL };

const cs_cli_cmd cs_cli_sweep_cmd = {
	.name = "sweep",
	.synopsis = "capsim sweep SPEC.yaml --out DIR [-j N] [--shard I/N]\ncapsim sweep merge DIR... --out DIR",
	.summary = "run a grid of clusters, workloads, policies and seeds (a YAML spec)",
	.about = "Runs every point of a sweep spec (YAML: cluster variants x workload variants x\n"
		 "policies x seeds, docs/sweep.md) in parallel worker processes and writes one\n"
		 "table of every summary metric per point (results.csv, results.json) and a page\n"
		 "of charts (sweep.html). Each point's result is kept as it ends: run again to\n"
		 "finish an interrupted sweep (the points done are skipped). A spec with an error\n"
		 "is refused before any point runs.\n",
	.opts = sweep_opts,
	.main = sweep_main,
	.subs = sweep_subs,
};

void cs_cli_progress(void *ctx, const cs_sweep_progress *p)
{
	const char *what = ctx; /* "sweep: %zu of %zu points done" */
	if (p->final) {
		fputs("\r\033[K", stderr);
		return;
	}
	fputs("\r\033[Kcapsim: ", stderr);
	fprintf(stderr, what, p->done, p->total);
	if (p->eta_s >= 0)
		fprintf(stderr, ", ETA %dm%02ds", (int)(p->eta_s / 60), (int)p->eta_s % 60);
	fflush(stderr);
}

int cs_cli_exit_of(int rc) { return rc == -CS_ENOMEM || rc == -CS_EIO ? 1 : 2; }

int cs_cli_shard(const char *s, size_t *i, size_t *n, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	unsigned long a = strtoul(s, &end, 10), c = 0;
	int ok = end != s && *end == '/' && !errno && s[0] != '-';
	if (ok) {
		const char *b = end + 1;
		c = strtoul(b, &end, 10);
		ok = end != b && !*end && !errno && b[0] != '-' && a >= 1 && c >= 1 && a <= c && c <= CS_SWEEP_MAX_POINTS;
	}
	if (!ok) {
		snprintf(err, errlen, "--shard: '%s' is not I/N with 1 <= I <= N", s);
		return -1;
	}
	*i = a, *n = c;
	return 0;
}

void cs_cli_worker_start(void)
{
#ifdef __linux__
	/* a worker dies with the sweep or plan that started it */
	pid_t parent = getppid();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
#endif
}

typedef struct unit_ctx {
	cs_cli_unit_fn run, before;
	void *run_ctx;
} unit_ctx;

/* in this process: what the unit's child will inherit */
static int before_unit(void *ctx, size_t k, char *err, size_t errlen)
{
	unit_ctx *u = ctx;
	return u->before(u->run_ctx, k, err, errlen);
}

/* in the child: the unit, its error as a worker process would print it */
static int run_unit(void *ctx, size_t k)
{
	unit_ctx *u = ctx;
	char err[CS_ERRLEN];
	cs_cli_worker_start();
	int rc = u->run(u->run_ctx, k, err, sizeof err);
	return rc < 0 ? cs_cli_die(rc == -CS_ENOMEM ? 1 : 2, err) : 0;
}

int cs_cli_workers(cs_cli_unit_fn run, cs_cli_unit_fn before, void *run_ctx, const char *unit, const size_t *todo,
		   size_t ntodo, int64_t jobs, int progress, const char *what, size_t *ran, char *err, size_t errlen)
{
	unit_ctx u = { .run = run, .before = before, .run_ctx = run_ctx };
	if (!jobs)
		jobs = (int64_t)uv_available_parallelism();
	return cs_sweep_exec(run_unit, before ? before_unit : NULL, &u, unit, todo, ntodo, (int)jobs,
			     progress && isatty(STDERR_FILENO) ? cs_cli_progress : NULL, (void *)what, ran, err, errlen);
}

int cs_cli_grid_args(const cs_cli_cmd *cmd, const char *one, int argc, char **argv, cs_cli_grid *g)
{
	char err[CS_ERRLEN];
	cs_cli_parser p;
	*g = (cs_cli_grid){ .one = -1, .si = 1, .sn = 1, .progress = 1 };
	cs_cli_begin(&p, cmd, argc, argv);
	int c;
	while ((c = cs_cli_next(&p)) > 0) {
		switch (c) {
		case CS_CLI_ARG:
			if (g->spec)
				return cs_cli_usage(cmd, "unexpected argument '%s'", p.arg);
			g->spec = p.arg;
			break;
		case CS_CLI_GRID_OUT: g->out = p.arg; break;
		case CS_CLI_GRID_JOBS:
			if (cs_cli_i64("--jobs", p.arg, 1, &g->jobs, err, sizeof err) < 0)
				return cs_cli_die(2, err);
			if (g->jobs > 4096)
				return cs_cli_die(2, "--jobs: at most 4096");
			break;
		case CS_CLI_GRID_SHARD:
			if (cs_cli_shard(p.arg, &g->si, &g->sn, err, sizeof err) < 0)
				return cs_cli_die(2, err);
			break;
		case CS_CLI_GRID_NOPROGRESS: g->progress = 0; break;
		case CS_CLI_GRID_ONE:
			if (cs_cli_i64(one, p.arg, 0, &g->one, err, sizeof err) < 0)
				return cs_cli_die(2, err);
			break;
		}
	}
	if (c < 0)
		return p.status;
	if (!g->spec)
		return cs_cli_usage(cmd, "no spec given");
	if (!g->out)
		return cs_cli_usage(cmd, "--out DIR is required");
	if (g->one >= 0 && (g->sn > 1 || g->jobs))
		return cs_cli_usage(cmd, "%s runs one %s: --shard and --jobs do not apply", one, one + 2);
	return -1;
}

int cs_cli_merge_args(const cs_cli_cmd *cmd, int argc, char **argv, const char ***dirs, size_t *n, const char **out)
{
	*n = 0;
	*out = NULL;
	if (!(*dirs = calloc((size_t)argc + 1, sizeof **dirs)))
		return cs_cli_die(1, "out of memory");
	cs_cli_parser p;
	cs_cli_begin(&p, cmd, argc, argv);
	int c;
	while ((c = cs_cli_next(&p)) > 0) {
		if (c == CS_CLI_ARG)
			(*dirs)[(*n)++] = p.arg;
		else
			*out = p.arg;
	}
	if (c < 0)
		return p.status;
	if (!*n)
		return cs_cli_usage(cmd, "no shard directories given");
	if (!*out)
		return cs_cli_usage(cmd, "--out DIR is required");
	return -1;
}

typedef struct point_ctx {
	const cs_sweep *s;
	const char *out;
} point_ctx;

static int run_point(void *ctx, size_t k, char *err, size_t errlen)
{
	point_ctx *pc = ctx;
	return cs_sweep_point_run(pc->s, pc->out, k, err, errlen);
}

/* a generated point's workload and accounts, made once for the points of
 * its workload and seed, which run one after another
 * (cs_sweep_order_by_inputs) */
static int point_inputs(void *ctx, size_t k, char *err, size_t errlen)
{
	point_ctx *pc = ctx;
	return cs_sweep_point_inputs(pc->s, k, err, errlen);
}

static int sweep_main(int argc, char **argv)
{
	const cs_cli_cmd *cmd = &cs_cli_sweep_cmd;
	cs_cli_grid g;
	int st = cs_cli_grid_args(cmd, "--point", argc, argv, &g);
	if (st >= 0)
		return st;
	const char *spec = g.spec, *out = g.out;
	int64_t jobs = g.jobs, point = g.one;
	size_t si = g.si, sn = g.sn;
	char err[CS_ERRLEN];
	cs_sweep *s;
	int rc = cs_sweep_load(&s, spec, err, sizeof err);
	if (rc < 0)
		return cs_cli_die(rc == -CS_ENOMEM ? 1 : 2, err);
	if (point >= 0) {
		cs_cli_worker_start();
		/* a point not of the sweep is refused first, by the run */
		if ((size_t)point >= cs_sweep_npoints(s) || (rc = cs_sweep_dir_check(s, out, err, sizeof err)) == 0)
			rc = cs_sweep_point_run(s, out, (size_t)point, err, sizeof err);
		cs_sweep_free(s);
		return rc < 0 ? cs_cli_die(rc == -CS_ENOMEM ? 1 : 2, err) : 0;
	}
	int lock = -1;
	if ((rc = cs_sweep_dir_prepare(s, out, &lock, err, sizeof err)) < 0) {
		cs_sweep_free(s);
		return cs_cli_die(2, err);
	}
	size_t np = cs_sweep_npoints(s), ntodo = 0, nshard = 0;
	size_t *todo = malloc(np * sizeof *todo);
	if (!todo) {
		cs_sweep_free(s);
		close(lock);
		return cs_cli_die(1, "out of memory");
	}
	for (size_t k = 0; k < np; k++)
		if (cs_sweep_in_shard(k, si, sn)) {
			nshard++;
			if (!cs_sweep_point_done(out, k))
				todo[ntodo++] = k;
		}
	size_t ran = 0;
	point_ctx pc = { .s = s, .out = out };
	cs_sweep_order_by_inputs(s, todo, ntodo);
	if (ntodo && cs_sweep_point_prepare(s) < 0)
		rc = -CS_ENOMEM, snprintf(err, sizeof err, "out of memory");
	else
		rc = cs_cli_workers(run_point, point_inputs, &pc, "point", todo, ntodo, jobs, g.progress,
				    "sweep: %zu of %zu points done", &ran, err, sizeof err);
	free(todo);
	cs_sweep_free(s);
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s/tmp", out);
	rmdir(tmp); /* empty once every worker has ended */
	size_t have = 0;
	char err2[CS_ERRLEN];
	/* the results of the points done so far, even when one failed */
	int rc2 = cs_sweep_results_write(out, &have, err2, sizeof err2);
	close(lock);
	if (rc < 0)
		return cs_cli_die(rc == -CS_EINVAL ? 2 : 1, err);
	if (rc2 < 0)
		return cs_cli_die(cs_cli_exit_of(rc2), err2);
	printf("sweep: %zu point%s", np, np == 1 ? "" : "s");
	if (sn > 1)
		printf(", shard %zu/%zu: %zu of them", si, sn, nshard);
	printf(" (%zu run now, %zu done before) in %s: results.csv, results.json, sweep.html\n", ran,
	       nshard - ntodo, out);
	return 0;
}

static int merge_main(int argc, char **argv)
{
	const char **dirs, *out;
	size_t n;
	char err[CS_ERRLEN];
	int rc = cs_cli_merge_args(&cs_cli_sweep_merge_cmd, argc, argv, &dirs, &n, &out);
	if (rc < 0) {
		if ((rc = cs_sweep_merge(dirs, n, out, err, sizeof err)) < 0)
			rc = cs_cli_die(cs_cli_exit_of(rc), err);
		else
			printf("sweep merge: %zu directories into %s: results.csv, results.json, sweep.html\n", n, out);
	}
	free(dirs);
	return rc;
}
