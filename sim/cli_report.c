/* capsim: `capsim report DIR` and `capsim compare DIR...` (sim/cli.h). */
#include "cli.h"
#include "capsim/recorder.h"

#include <stdio.h>
#include <string.h>

static const char usage_report[] =
	"usage: capsim report DIR\n"
	"\n"
	"Rebuilds DIR/report.html from the files `capsim run --out DIR` wrote\n"
	"(summary.json, timeseries.csv, projects.csv, jobs.csv, occupancy.csv): one\n"
	"self-contained page with the summary table and charts (utilization over\n"
	"time, queue and queued demand, power, wait-time CDF, projects' usage against\n"
	"entitlement, node occupancy). Prints the page's path.\n";

static const char usage_compare[] =
	"usage: capsim compare DIR... [--out FILE]\n"
	"\n"
	"Puts several runs (directories written by capsim run --out) side by side:\n"
	"prints a table (policy, jobs, capacity, utilization, waits, bounded\n"
	"slowdown, Jain's fairness, energy) and, with --out FILE, writes a page with\n"
	"the table and overlaid charts (utilization, queue, wait-time CDF).\n";

int cs_cli_report(int argc, char **argv)
{
	char err[CS_ERRLEN];
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return fputs(usage_report, stdout), 0;
		if (argv[i][0] == '-' && argv[i][1] == '-') {
			snprintf(err, sizeof err, "report: unknown option '%s' (see capsim report --help)", argv[i]);
			return cs_cli_die(2, err);
		}
		if (dir) {
			snprintf(err, sizeof err, "report: unexpected argument '%s' (see capsim report --help)", argv[i]);
			return cs_cli_die(2, err);
		}
		dir = argv[i];
	}
	if (!dir)
		return cs_cli_die(2, "report: DIR is required (see capsim report --help)");
	int rc = cs_report_html(dir, err, sizeof err);
	if (rc < 0)
		return cs_cli_die(rc == -CS_ENOMEM ? 1 : 2, err);
	printf("%s/report.html\n", dir);
	return 0;
}

int cs_cli_compare(int argc, char **argv)
{
	char err[CS_ERRLEN];
	const char *out = NULL;
	const char **dirs = (const char **)argv; /* reuses argv's slots: at most argc - 1 directories */
	size_t n = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return fputs(usage_compare, stdout), 0;
		if (!strcmp(argv[i], "--out")) {
			if (i + 1 >= argc)
				return cs_cli_die(2, "--out needs a value (see capsim compare --help)");
			out = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			snprintf(err, sizeof err, "compare: unknown option '%s' (see capsim compare --help)", argv[i]);
			return cs_cli_die(2, err);
		} else {
			dirs[n++] = argv[i];
		}
	}
	if (n == 0)
		return cs_cli_die(2, "compare: at least one run directory is required (see capsim compare --help)");
	int rc = cs_report_compare(dirs, n, out, stdout, err, sizeof err);
	if (rc < 0)
		return cs_cli_die(rc == -CS_ENOMEM ? 1 : 2, err);
	return 0;
}
