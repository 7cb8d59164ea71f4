/* capsim: `capsim topo show` and `capsim cluster show`: what capsim reads
 * from a node topology and from a cluster config. */
#include "capsim/cluster.h"
#include "capsim/topo.h"
#include "cli.h"

#include <stdio.h>

enum { O_JSON = CS_CLI_ID0, O_VERBOSE, O_SCALE };

static int topo_show(int argc, char **argv);
static int cluster_show(int argc, char **argv);

static const cs_cli_opt topo_opts[] = {
	{ .name = "json", .id = O_JSON, .help = "print one JSON object instead" },
	{ 0 },
};

const cs_cli_cmd cs_cli_topo_show_cmd = {
	.name = "topo show",
	.synopsis = "capsim topo show SPEC [--json]",
	.summary = "what capsim reads from a node topology (hwloc XML or synthetic)",
	.about = "Loads a node topology with hwloc and prints what capsim extracts: packages,\n"
		 "NUMA domains, cores, PUs, memory, the physical GPUs with their package, NUMA\n"
		 "domain and PCIe group, and GPU-to-GPU link bandwidths when hwloc has them.\n"
		 "SPEC is an hwloc XML file (an existing file, or a name ending in .xml) or an\n"
		 "hwloc synthetic description such as \"pack:2 numa:2 core:14 pu:2\" (arities\n"
		 "are per parent).\n",
	.opts = topo_opts,
	.main = topo_show,
};

static const cs_cli_opt cluster_opts[] = {
	{ .name = "json", .id = O_JSON, .help = "print one JSON object instead" },
	{ .name = "verbose", .id = O_VERBOSE,
	  .help = "for a slurm.conf, first list the keys that do not change the simulation and the YAML twin "
		  "capsim made" },
	{ .name = "scale", .arg = "TYPE=F[,TYPE=F...]", .id = O_SCALE,
	  .help = "show the cluster with other node counts: F times a node type's nodes (rounded, halves up; "
		  "0 removes the type), TYPE:=N for N nodes, TYPE=+N / TYPE=-N to add or remove N; the fabric "
		  "is sized for the new count (docs/clusters.md, \"Scaling\")" },
	{ 0 },
};

const cs_cli_cmd cs_cli_cluster_show_cmd = {
	.name = "cluster show",
	.synopsis = "capsim cluster show [CONFIG] [--scale SPEC] [--json] [--verbose]",
	.summary = "what a cluster config (YAML or slurm.conf) adds up to; without one, the built-in "
		   "default, the national AI data centre",
	.about = "Loads a cluster config (YAML, see include/capsim/cluster.h; or a site's\n"
		 "slurm.conf, with the topology.conf beside it) and prints what it adds up to:\n"
		 "nodes, cores, GPUs by model, memory, storage, peak PF per precision, power\n"
		 "with PUE, then each node type with its internal layout, the partitions, the\n"
		 "fabric and the storage tiers. Without CONFIG: the built-in default, the\n"
		 "national AI data centre (configs/clusters/national-ai-dc.yaml as built).\n"
		 "With --scale, the cluster with those node counts (as capsim run --scale\n"
		 "runs it), and what the scaling changed.\n",
	.opts = cluster_opts,
	.main = cluster_show,
};

/* A show command's one argument and its flags: -1 to go on, else the exit
 * status to stop with. */
static int parse_show(const cs_cli_cmd *cmd, int argc, char **argv, const char **arg, int *json, int *verbose,
		      const char **scale)
{
	cs_cli_parser p;
	cs_cli_begin(&p, cmd, argc, argv);
	int c;
	while ((c = cs_cli_next(&p)) > 0) {
		if (c == O_JSON)
			*json = 1;
		else if (c == O_VERBOSE)
			*verbose = 1;
		else if (c == O_SCALE)
			*scale = p.arg;
		else if (*arg)
			return cs_cli_usage(cmd, "unexpected argument '%s'", p.arg);
		else
			*arg = p.arg;
	}
	return c < 0 ? p.status : -1;
}

static int topo_show(int argc, char **argv)
{
	const char *spec = NULL;
	int json = 0, verbose = 0;
	char err[CS_ERRLEN];
	const char *scale = NULL;
	int st = parse_show(&cs_cli_topo_show_cmd, argc, argv, &spec, &json, &verbose, &scale);
	if (st >= 0)
		return st;
	if (!spec)
		return cs_cli_usage(&cs_cli_topo_show_cmd, "SPEC is required");
	cs_topo *t;
	int rc = cs_topo_load(&t, spec, err, sizeof err);
	if (rc < 0)
		return cs_cli_die(rc == -CS_ENOMEM ? 1 : 2, err);
	rc = json ? cs_topo_print_json(stdout, t) : cs_topo_print(stdout, t);
	cs_topo_free(t);
	return rc < 0 ? cs_cli_die(1, "topo show: cannot write the output") : 0;
}

static int cluster_show(int argc, char **argv)
{
	const char *config = NULL, *scale = NULL;
	int json = 0, verbose = 0;
	char err[CS_ERRLEN];
	int st = parse_show(&cs_cli_cluster_show_cmd, argc, argv, &config, &json, &verbose, &scale);
	if (st >= 0)
		return st;
	cs_cluster_scale_spec spec;
	if (scale && cs_cluster_scale_parse(scale, &spec, err, sizeof err) < 0)
		return cs_cli_die(2, err);
	cs_cluster *c;
	int rc = cs_cluster_open(&c, config ? config : "default", verbose ? stdout : NULL, err, sizeof err);
	if (rc == 0 && scale) {
		cs_cluster *s;
		rc = cs_cluster_scale(c, &spec, &s, err, sizeof err);
		cs_cluster_free(c);
		c = s;
	}
	if (rc < 0)
		return cs_cli_die(rc == -CS_ENOMEM ? 1 : 2, err);
	rc = json ? cs_cluster_print_json(stdout, c) : cs_cluster_print(stdout, c);
	cs_cluster_free(c);
	return rc < 0 ? cs_cli_die(1, "cluster show: cannot write the output") : 0;
}
