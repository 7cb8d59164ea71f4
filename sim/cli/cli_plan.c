/* capsim: `capsim plan SPEC` (the searches, in parallel worker processes,
 * into a results directory; the answer) and `capsim plan merge` (shard
 * directories joined). docs/plan.md. */
#include "capsim/capplan.h"
#include "capsim/sweep.h"
#include "capsim/types.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

enum { O_OUT = CS_CLI_GRID_OUT, O_JOBS = CS_CLI_GRID_JOBS, O_SHARD = CS_CLI_GRID_SHARD,
       O_NOPROGRESS = CS_CLI_GRID_NOPROGRESS, O_SEARCH = CS_CLI_GRID_ONE };

static int plan_main(int argc, char **argv);
static int merge_main(int argc, char **argv);

static const cs_cli_opt plan_opts[] = {
	{ .name = "out", .arg = "DIR", .id = O_OUT,
	  .help = "the results directory (required; its parent must exist): points/K.json per count run, then "
		  "plan.json, plan.csv, plan_points.csv and plan.html. Run again into it to finish an interrupted plan" },
	{ .name = "jobs", .short_name = 'j', .arg = "N", .id = O_JOBS,
	  .help = "searches run at once, each in a worker process (default: the processors available); the "
		  "results are the same whatever N" },
	{ .name = "shard", .arg = "I/N", .id = O_SHARD,
	  .help = "run only the searches K with K mod N = I - 1 (1 <= I <= N); join the shards' directories "
		  "with capsim plan merge" },
	{ .name = "no-progress", .id = O_NOPROGRESS,
	  .help = "no progress line on stderr (shown only when it is a terminal)" },
	{ .name = "search", .arg = "K", .id = O_SEARCH,
	  .help = "run search K alone into --out (what each worker, forked from the plan, runs; the directory must have been "
		  "prepared by a plan of the same spec)" },
	{ 0 },
};

static const cs_cli_opt merge_opts[] = {
	{ .name = "out", .arg = "DIR", .id = O_OUT,
	  .help = "the merged directory (required; new, or empty): every point once, and the results" },
	{ 0 },
};

const cs_cli_cmd cs_cli_plan_merge_cmd = {
	.name = "plan merge",
	.synopsis = "capsim plan merge DIR... --out DIR",
	.summary = "join the directories of a plan's shards into one, and give its answer",
	.about = "Joins the results directories of a plan's shards (capsim plan --shard I/N)\n"
		 "into one, refusing directories of different plans or a point in two of them,\n"
		 "and writes the plan's results and answer, refusing a search whose points are\n"
		 "missing. The merged directory is byte for byte what one machine running the\n"
		 "whole plan writes.\n",
	.opts = merge_opts,
	.main = merge_main,
};

static const cs_cli_cmd *const plan_subs[] = { &cs_cli_plan_merge_cmd, NULL };

const cs_cli_cmd cs_cli_plan_cmd = {
	.name = "plan",
	.synopsis = "capsim plan SPEC.yaml --out DIR [-j N] [--shard I/N]\ncapsim plan merge DIR... --out DIR",
	.summary = "find the nodes needed per growth level to meet targets (a YAML spec)",
	.about = "For each growth level x policy x seed of a plan spec (YAML, docs/plan.md),\n"
		 "finds by bisection the smallest count of one node type that meets every\n"
		 "target (bounds on summary metrics: p95_wait <= 4h, grants.delivery >= 0.95),\n"
		 "the searches in parallel worker processes; then per level and policy the mean\n"
		 "of the seeds' answers with its confidence interval, the count recommended, and\n"
		 "its capital cost, power and energy: a table on stdout, and plan.json, plan.csv,\n"
		 "plan_points.csv and plan.html in DIR. Each count run is kept as it ends: run\n"
		 "again to finish an interrupted plan. A spec with an error is refused before any\n"
		 "run; a target no count in the range meets is named with its spec line (exit 2,\n"
		 "after the results are written).\n",
	.opts = plan_opts,
	.main = plan_main,
	.subs = plan_subs,
};

/* The results and the answer; the exit status. */
static int answer(int rc, const char *err)
{
	if (rc < 0)
		return cs_cli_die(cs_cli_exit_of(rc), err);
	return rc ? 2 : 0;
}

/* The searches of shard si/sn not done yet into todo; how many in the shard. */
static size_t searches_to_run(const cs_capplan *p, const char *out, size_t si, size_t sn, size_t *todo, size_t *ntodo)
{
	size_t nshard = 0;
	*ntodo = 0;
	for (size_t k = 0; k < cs_capplan_nsearches(p); k++)
		if (cs_capplan_in_shard(k, si, sn)) {
			nshard++;
			if (!cs_capplan_search_done(p, out, k))
				todo[(*ntodo)++] = k;
		}
	return nshard;
}

typedef struct search_ctx {
	const cs_capplan *pl;
	const char *out;
} search_ctx;

static int run_search(void *ctx, size_t k, char *err, size_t errlen)
{
	search_ctx *sc = ctx;
	return cs_capplan_search_run(sc->pl, sc->out, k, err, errlen);
}

/* a search's generated workload, made once for the searches of its level
 * and seed, which run one after another (cs_capplan_order_by_inputs) */
static int search_inputs(void *ctx, size_t k, char *err, size_t errlen)
{
	search_ctx *sc = ctx;
	return cs_capplan_search_inputs(sc->pl, k, err, errlen);
}

static int plan_main(int argc, char **argv)
{
	cs_cli_grid g;
	int rc = cs_cli_grid_args(&cs_cli_plan_cmd, "--search", argc, argv, &g);
	if (rc >= 0)
		return rc;
	const char *spec = g.spec, *out = g.out;
	size_t si = g.si, sn = g.sn;
	char err[CS_ERRLEN];
	cs_capplan *pl;
	rc = cs_capplan_load(&pl, spec, err, sizeof err);
	if (rc < 0)
		return cs_cli_die(rc == -CS_ENOMEM ? 1 : 2, err);
	if (g.one >= 0) {
		cs_cli_worker_start();
		/* a search not of the plan is refused first, by the run */
		if ((size_t)g.one >= cs_capplan_nsearches(pl) || (rc = cs_capplan_dir_check(pl, out, err, sizeof err)) == 0)
			rc = cs_capplan_search_run(pl, out, (size_t)g.one, err, sizeof err);
		cs_capplan_free(pl);
		return rc < 0 ? cs_cli_die(rc == -CS_ENOMEM ? 1 : 2, err) : 0;
	}
	int lock = -1;
	if ((rc = cs_capplan_dir_prepare(pl, out, &lock, err, sizeof err)) < 0) {
		cs_capplan_free(pl);
		return cs_cli_die(2, err);
	}
	size_t ns = cs_capplan_nsearches(pl), ntodo, ran = 0;
	size_t *todo = malloc(ns * sizeof *todo);
	if (!todo) {
		cs_capplan_free(pl);
		close(lock);
		return cs_cli_die(1, "out of memory");
	}
	size_t nshard = searches_to_run(pl, out, si, sn, todo, &ntodo);
	cs_capplan_order_by_inputs(pl, todo, ntodo);
	search_ctx sc = { .pl = pl, .out = out };
	if (ntodo && cs_capplan_search_prepare(pl) < 0)
		rc = -CS_ENOMEM, snprintf(err, sizeof err, "out of memory");
	else
		rc = cs_cli_workers(run_search, search_inputs, &sc, "search", todo, ntodo, g.jobs, g.progress,
				    "plan: %zu of %zu searches done", &ran, err, sizeof err);
	free(todo);
	cs_capplan_free(pl);
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s/tmp", out);
	rmdir(tmp); /* empty once every worker has ended */
	if (rc < 0) {
		close(lock);
		return cs_cli_die(rc == -CS_EINVAL ? 2 : 1, err);
	}
	if (sn > 1) {
		close(lock);
		printf("plan: %zu search%s, shard %zu/%zu: %zu of them (%zu run now, %zu done before) in %s: join the "
		       "shards with capsim plan merge\n", ns, ns == 1 ? "" : "es", si, sn, nshard, ran, nshard - ntodo, out);
		return 0;
	}
	rc = cs_capplan_results_write(out, stdout, stderr, err, sizeof err);
	close(lock);
	if (rc >= 0)
		printf("plan: %zu search%s (%zu run now, %zu done before) in %s: plan.json, plan.csv, plan_points.csv, "
		       "plan.html\n", ns, ns == 1 ? "" : "es", ran, ns - ntodo, out);
	return answer(rc, err);
}

static int merge_main(int argc, char **argv)
{
	const char **dirs, *out;
	size_t n;
	char err[CS_ERRLEN];
	int rc = cs_cli_merge_args(&cs_cli_plan_merge_cmd, argc, argv, &dirs, &n, &out);
	if (rc < 0) {
		rc = cs_capplan_merge(dirs, n, out, stdout, stderr, err, sizeof err);
		if (rc >= 0)
			printf("plan merge: %zu directories into %s: plan.json, plan.csv, plan_points.csv, plan.html\n", n,
			       out);
		rc = answer(rc, err);
	}
	free(dirs);
	return rc;
}
