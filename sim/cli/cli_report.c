/* capsim: `capsim report DIR` and `capsim compare DIR...` (sim/cli/cli.h). */
#include "cli.h"
#include "capsim/report.h"

#include <stdio.h>
#include <stdlib.h>

static int report_main(int argc, char **argv);
static int compare_main(int argc, char **argv);

const cs_cli_cmd cs_cli_report_cmd = {
	.name = "report",
	.synopsis = "capsim report DIR",
	.summary = "rebuild a run's report.html from its files",
	.about = "Rebuilds DIR/report.html from the files capsim run --out DIR wrote\n"
		 "(summary.json, timeseries.csv, projects.csv, jobs.csv, occupancy.csv): one\n"
		 "self-contained page with the summary table and charts (utilization over\n"
		 "time, queue and queued demand, power, wait-time CDF, projects' usage against\n"
		 "entitlement, node occupancy). Prints the page's path.\n",
	.main = report_main,
};

enum { O_OUT = CS_CLI_ID0 };

static const cs_cli_opt compare_opts[] = {
	{ .name = "out", .arg = "FILE", .id = O_OUT, .help = "also write a page with the table and overlaid charts" },
	{ 0 },
};

const cs_cli_cmd cs_cli_compare_cmd = {
	.name = "compare",
	.synopsis = "capsim compare DIR... [--out FILE]",
	.summary = "several runs side by side: a table and overlaid charts",
	.about = "Puts several runs (directories written by capsim run --out) side by side:\n"
		 "prints a table (policy, jobs, capacity, utilization, waits, bounded\n"
		 "slowdown, Jain's fairness, energy) and, with --out FILE, writes a page with\n"
		 "the table and overlaid charts (utilization, queue, wait-time CDF).\n",
	.opts = compare_opts,
	.main = compare_main,
};

static int report_main(int argc, char **argv)
{
	const cs_cli_cmd *cmd = &cs_cli_report_cmd;
	char err[CS_ERRLEN];
	const char *dir = NULL;
	cs_cli_parser p;
	cs_cli_begin(&p, cmd, argc, argv);
	int c;
	while ((c = cs_cli_next(&p)) > 0) {
		if (dir)
			return cs_cli_usage(cmd, "unexpected argument '%s'", p.arg);
		dir = p.arg;
	}
	if (c < 0)
		return p.status;
	if (!dir)
		return cs_cli_usage(cmd, "DIR is required");
	int rc = cs_report_html(dir, err, sizeof err);
	if (rc < 0)
		return cs_cli_die(rc == -CS_ENOMEM ? 1 : 2, err);
	printf("%s/report.html\n", dir);
	return 0;
}

static int compare_main(int argc, char **argv)
{
	const cs_cli_cmd *cmd = &cs_cli_compare_cmd;
	char err[CS_ERRLEN];
	const char *out = NULL;
	const char **dirs = malloc((size_t)argc * sizeof *dirs); /* at most argc - 1 directories */
	size_t n = 0;
	if (!dirs)
		return cs_cli_die(1, "compare: out of memory");
	cs_cli_parser p;
	cs_cli_begin(&p, cmd, argc, argv);
	int c;
	while ((c = cs_cli_next(&p)) > 0) {
		if (c == O_OUT)
			out = p.arg;
		else
			dirs[n++] = p.arg;
	}
	int rc = c < 0 ? p.status : n == 0 ? cs_cli_usage(cmd, "at least one run directory is required") : 0;
	if (c < 0 || n == 0) {
		free(dirs);
		return rc;
	}
	rc = cs_report_compare(dirs, n, out, stdout, err, sizeof err);
	free(dirs);
	if (rc < 0)
		return cs_cli_die(rc == -CS_ENOMEM ? 1 : 2, err);
	return 0;
}
