/* capsim: the command tree, `capsim policies`, and the entry point. */
#include "capsim/alloc.h"
#include "capsim/engine.h"
#include "capsim/sched.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

static int policies_main(int argc, char **argv)
{
	cs_cli_parser p;
	cs_cli_begin(&p, &cs_cli_policies_cmd, argc, argv);
	int c = cs_cli_next(&p);
	if (c < 0)
		return p.status;
	if (c == CS_CLI_ARG)
		return cs_cli_usage(&cs_cli_policies_cmd, "unexpected argument '%s'", p.arg);
	for (const cs_policy_ops *const *o = cs_policy_list(); *o; o++) {
		printf("%-8s %s\n", (*o)->name, (*o)->summary);
		for (const cs_policy_param *q = (*o)->params; q && q->key; q++)
			printf("         %s=%s  %s\n", q->key, q->default_value, q->help);
	}
	return 0;
}

const cs_cli_cmd cs_cli_policies_cmd = {
	.name = "policies",
	.synopsis = "capsim policies",
	.summary = "list the built-in policies and their parameters",
	.about = "Lists the built-in scheduling policies, each with its parameters (KEY=DEFAULT,\n"
		 "set with capsim run --policy-opt KEY=VAL) and what they do.\n",
	.main = policies_main,
};

static const cs_cli_cmd *const topo_cmds[] = { &cs_cli_topo_show_cmd, NULL };
static const cs_cli_cmd *const cluster_cmds[] = { &cs_cli_cluster_show_cmd, NULL };
static const cs_cli_cmd *const workload_cmds[] = { &cs_cli_generate_cmd, &cs_cli_stats_cmd, &cs_cli_convert_cmd,
						   NULL };

static const cs_cli_cmd topo_cmd = {
	.name = "topo",
	.synopsis = "capsim topo show SPEC [--json]",
	.summary = "node topologies",
	.about = "capsim topo show --help gives the details.\n",
	.subs = topo_cmds,
};

static const cs_cli_cmd cluster_cmd = {
	.name = "cluster",
	.synopsis = "capsim cluster show [CONFIG] [--json] [--verbose]",
	.summary = "cluster configs",
	.about = "capsim cluster show --help gives the details.\n",
	.subs = cluster_cmds,
};

static const cs_cli_cmd workload_cmd = {
	.name = "workload",
	.synopsis = "capsim workload SUBCOMMAND [OPTIONS]",
	.summary = "workloads: generate, stats, convert",
	.about = "Synthetic AI workloads, what a workload contains, and conversions between\n"
		 "formats. capsim workload SUBCOMMAND --help shows a subcommand's options.\n",
	.subs = workload_cmds,
};

static const cs_cli_cmd *const root_cmds[] = { &cs_cli_run_cmd, &cs_cli_policies_cmd, &topo_cmd, &cluster_cmd,
					       &cs_cli_report_cmd, &cs_cli_compare_cmd, &workload_cmd, &cs_cli_sweep_cmd,
					       &cs_cli_plan_cmd, &cs_cli_serve_cmd, NULL };

static const cs_cli_opt root_opts[] = {
	{ .name = "version", .short_name = 'V', .id = CS_CLI_VERSION, .help = "print capsim's version and exit" },
	{ 0 },
};

const cs_cli_cmd cs_cli_root = {
	.name = "",
	.synopsis = "capsim COMMAND [OPTIONS]\ncapsim --version",
	.about = "capsim simulates a compute cluster and its batch scheduler.\n"
		 "capsim COMMAND --help shows a command's options. Exit status: 0 success,\n"
		 "2 bad input or usage, 1 internal error.\n",
	.opts = root_opts,
	.subs = root_cmds,
};

int cs_cli_main(int argc, char **argv)
{
	if (getenv("CAPSIM_NO_BMI2"))
		cs_alloc_portable(1);
	if (getenv("CAPSIM_ENGINE_PLAIN"))
		cs_engine_plain(1);
	return cs_cli_group(&cs_cli_root, argc, argv);
}
