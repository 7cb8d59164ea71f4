/* capsim: the command line. Only this layer prints errors and exits. */
#include "capsim/run.h"
#include "capsim/cluster.h"
#include "capsim/gen.h"
#include "capsim/recorder.h"
#include "cli.h"
#include "capsim/topo.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_main[] =
	"usage: capsim COMMAND [OPTIONS]\n"
	"\n"
	"capsim simulates a compute cluster and its batch scheduler.\n"
	"\n"
	"commands:\n"
	"  run        replay a workload (SWF, capsim CSV, sacct, Batsim, GPU traces) under a policy\n"
	"  policies   list the built-in policies and their parameters\n"
	"  topo show  what capsim reads from a node topology (hwloc XML or synthetic)\n"
	"  cluster show  what a cluster config (YAML) adds up to; without one, the\n"
	"             built-in default, the national AI data centre\n"
	"  report     rebuild a run's report.html from its files (capsim report DIR)\n"
	"  compare    several runs side by side: a table and overlaid charts\n"
	"  workload   generate a synthetic AI workload (generate), a workload's statistics\n"
	"             (stats), or convert one to capsim's CSV or SWF with transforms (convert)\n"
	"\n"
	"capsim COMMAND --help shows a command's options. Exit status: 0 success,\n"
	"2 bad input or usage, 1 internal error.\n";

static const char usage_run[] =
	"usage: capsim run --workload FILE [--policy NAME] [options]\n"
	"\n"
	"Replays a Standard Workload Format trace (.swf or .swf.gz) and prints the\n"
	"scheduling metrics. With --out DIR also writes DIR/summary.json and DIR/jobs.csv.\n"
	"\n"
	"  --workload FILE        the workload (required): SWF (.swf, .swf.gz), capsim's CSV\n"
	"                         (.csv), sacct --parsable2 (.sacct), Batsim JSON (.json), or\n"
	"                         any of those by --format\n"
	"  --format F             auto | native | swf | sacct | batsim | pai | helios | philly\n"
	"  --policy NAME|FILE.so  fcfs | sjf | easy | conservative | multifactor (default\n"
	"                         easy), or a plugin\n"
	"                         (a .so exporting capsim_policy; see policies/example)\n"
	"  --backfill-order O     fcfs | sjbf: EASY's backfill scan order (default fcfs)\n"
	"  --policy-opt KEY=VAL   a policy parameter (see capsim policies)\n"
	"  --accounts FILE        accounts file (YAML) for multifactor: fair-share tree with\n"
	"                         shares, QoS and partition priorities (docs/fairshare.md)\n"
	"  --out DIR              write summary.json, jobs.csv, timeseries.csv, projects.csv,\n"
	"                         occupancy.csv (node model) and report.html there\n"
	"  --sample S             timeseries interval, seconds (default 3600)\n"
	"  --no-progress          no progress line on stderr (shown only when it is a terminal)\n"
	"\n"
	"machine (default: an SWF trace header's MaxProcs, else MaxNodes; a Batsim\n"
	"workload's nb_res one-processor nodes; the built-in data centre otherwise):\n"
	"  --cluster CONFIG       a cluster config (YAML, or \"default\" for the built-in data\n"
	"                         centre): one processor per core, pooled\n"
	"  --node-model           place jobs node by node on --cluster (always, for anything\n"
	"                         but SWF)\n"
	"  --fit S                node model placement: best (default) | first | topo | frag\n"
	"  --gpu-map MODEL=TYPE[+TYPE...][,MODEL=TYPE...]\n"
	"                         node model: the node types that GPU jobs without a partition\n"
	"                         of the cluster may use, tried in that order. MODEL is a GPU\n"
	"                         model the trace names (PAI's gpu_type: MISC, P100, T4, V100,\n"
	"                         V100M32), or * for the rest (Philly and Helios name none).\n"
	"                         Default: every node type whose GPUs are NVIDIA's (the traces\n"
	"                         run CUDA code), never IPU, AMD, Gaudi or CPU nodes. A job that\n"
	"                         only other node types could hold is dropped\n"
	"                         (no_node_type_for_gpu). See docs/gputrace.md\n"
	"  --reserve NAME:START-END:NODES[:PROJECT]\n"
	"                         an advance reservation (node model): NODES TYPE*N (the first N\n"
	"                         nodes of a node type) or FIRST-LAST node indices, held over\n"
	"                         [START, END) seconds for PROJECT's jobs only (none: maintenance)\n"
	"  --procs P              total processors (SWF, Batsim without --cluster)\n"
	"  --nodes N              nodes (SWF, Batsim without --cluster)\n"
	"  --procs-per-node K     processors per node (total = N x K; SWF)\n"
	"\n"
	"transforms (applied as the workload is read; docs/workloads.md, \"Transforms\"):\n"
	"  --jobs FIRST-LAST      keep job ids in the range (either end may be left out)\n"
	"  --from S, --to S       keep jobs submitted in [S, S') seconds from the trace origin\n"
	"  --projects-scale F     F times as many projects (copies of projects; F < 1 samples)\n"
	"  --load-scale F         submit times divided by F (F > 1: more load)\n"
	"  --seed N               which projects --projects-scale copies (default 1)\n"
	"\n"
	"conventions (docs/conventions.md says what each does; default first):\n"
	"  --convert capsim|pyss                record rules: capsim's, or pyss's own (keeps invalid\n"
	"                                       records as 1 s jobs; its defaults: job-size requested,\n"
	"                                       missing-reqtime pyss; the next four override them)\n"
	"  --job-size allocated|requested|max   SWF field 5, field 8, or the larger\n"
	"  --estimates requested|exact          scheduler's runtime estimate\n"
	"  --missing-reqtime runtime|drop|pyss  requested time -1: use the runtime, drop the job, or\n"
	"                                       (--convert pyss) run it 1 s as pyss does\n"
	"  --overrun kill|continue|raise        job running past its requested time: killed at it;\n"
	"                                       runs on, expected to end at it; runs on, estimate\n"
	"                                       raised to its runtime\n"
	"  --same-time end-first|submit-first   order of events at equal times\n"
	"  --pass per-time|per-event            scheduler runs once per time, or after every event\n"
	"  --submit-pass always|if-fits         a submission triggers a pass always, or if it fits now\n"
	"  --release event|estimate             a job's processors are free at its end event, or\n"
	"                                       already once its estimated end is reached\n"
	"  --bsld-tau S                         bounded-slowdown threshold, seconds (default 10)\n"
	"  --compat NAME                        preset reproducing a simulator: pyss. Options given\n"
	"                                       explicitly override the preset.\n";

static const char usage_topo[] =
	"usage: capsim topo show SPEC [--json]\n"
	"\n"
	"Loads a node topology with hwloc and prints what capsim extracts: packages,\n"
	"NUMA domains, cores, PUs, memory, the physical GPUs with their package, NUMA\n"
	"domain and PCIe group, and GPU-to-GPU link bandwidths when hwloc has them.\n"
	"SPEC is an hwloc XML file (an existing file, or a name ending in .xml) or an\n"
	"hwloc synthetic description such as \"pack:2 numa:2 core:14 pu:2\" (arities\n"
	"are per parent). --json prints one JSON object instead.\n";


static int cmd_policies(void)
{
	for (const cs_policy_ops *const *p = cs_policy_list(); *p; p++) {
		printf("%-8s %s\n", (*p)->name, (*p)->summary);
		for (const cs_policy_param *q = (*p)->params; q && q->key; q++)
			printf("         %s=%s  %s\n", q->key, q->default_value, q->help);
	}
	return 0;
}

static int cmd_topo(int argc, char **argv)
{
	const char *spec = NULL;
	int json = 0;
	char err[CS_ERRLEN];
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return fputs(usage_topo, stdout), 0;
	if (argc < 2 || strcmp(argv[1], "show") != 0) {
		snprintf(err, sizeof err, "topo: expected 'show SPEC [--json]' (see capsim topo --help)");
		return cs_cli_die(2, err);
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (argv[i][0] == '-' && argv[i][1] == '-') {
			snprintf(err, sizeof err, "unknown option '%s' (see capsim topo --help)", argv[i]);
			return cs_cli_die(2, err);
		} else if (spec) {
			snprintf(err, sizeof err, "unexpected argument '%s' (see capsim topo --help)", argv[i]);
			return cs_cli_die(2, err);
		} else
			spec = argv[i];
	}
	if (!spec)
		return cs_cli_die(2, "topo show: SPEC is required (see capsim topo --help)");
	cs_topo *t;
	int rc = cs_topo_load(&t, spec, err, sizeof err);
	if (rc < 0)
		return cs_cli_die(rc == -CS_ENOMEM ? 1 : 2, err);
	rc = json ? cs_topo_print_json(stdout, t) : cs_topo_print(stdout, t);
	cs_topo_free(t);
	return rc < 0 ? cs_cli_die(1, "topo show: cannot write the output") : 0;
}

enum {
	O_WORKLOAD = 256, O_POLICY, O_ORDER, O_POPT, O_OUT, O_PROCS, O_NODES, O_PPN, O_SIZE, O_EST,
	O_MISSING, O_OVERRUN, O_CONVERT, O_SAME, O_PASS, O_SUBMIT, O_RELEASE, O_TAU, O_COMPAT, O_CLUSTER, O_FORMAT, O_FIT,
	O_NODEMODEL, O_LOADSCALE, O_PROJSCALE, O_FROM, O_TO, O_JOBS, O_SEED, O_RESERVE, O_SAMPLE, O_NOPROGRESS,
	O_ACCOUNTS, O_GPUMAP, O_HELP
};

/* The progress line: rewritten in place on a terminal, cleared at the end. */
static void print_progress(void *ctx, const cs_progress *p)
{
	(void)ctx;
	if (p->final) {
		fputs("\r\033[K", stderr);
		return;
	}
	fprintf(stderr, "\r\033[Kcapsim: simulated day %.1f, %zu of %zu jobs done, %.2fM events/s",
		(double)(p->now - p->first) / 86400.0, p->done, p->njobs, p->events_per_s / 1e6);
	fflush(stderr);
}

static int cmd_run(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "workload", required_argument, 0, O_WORKLOAD },
		{ "policy", required_argument, 0, O_POLICY },
		{ "backfill-order", required_argument, 0, O_ORDER },
		{ "policy-opt", required_argument, 0, O_POPT },
		{ "out", required_argument, 0, O_OUT },
		{ "procs", required_argument, 0, O_PROCS },
		{ "nodes", required_argument, 0, O_NODES },
		{ "procs-per-node", required_argument, 0, O_PPN },
		{ "job-size", required_argument, 0, O_SIZE },
		{ "estimates", required_argument, 0, O_EST },
		{ "missing-reqtime", required_argument, 0, O_MISSING },
		{ "overrun", required_argument, 0, O_OVERRUN },
		{ "convert", required_argument, 0, O_CONVERT },
		{ "same-time", required_argument, 0, O_SAME },
		{ "pass", required_argument, 0, O_PASS },
		{ "submit-pass", required_argument, 0, O_SUBMIT },
		{ "release", required_argument, 0, O_RELEASE },
		{ "bsld-tau", required_argument, 0, O_TAU },
		{ "compat", required_argument, 0, O_COMPAT },
		{ "cluster", required_argument, 0, O_CLUSTER },
		{ "format", required_argument, 0, O_FORMAT },
		{ "fit", required_argument, 0, O_FIT },
		{ "node-model", no_argument, 0, O_NODEMODEL },
		{ "load-scale", required_argument, 0, O_LOADSCALE },
		{ "projects-scale", required_argument, 0, O_PROJSCALE },
		{ "from", required_argument, 0, O_FROM },
		{ "to", required_argument, 0, O_TO },
		{ "jobs", required_argument, 0, O_JOBS },
		{ "seed", required_argument, 0, O_SEED },
		{ "reserve", required_argument, 0, O_RESERVE },
		{ "sample", required_argument, 0, O_SAMPLE },
		{ "no-progress", no_argument, 0, O_NOPROGRESS },
		{ "accounts", required_argument, 0, O_ACCOUNTS },
		{ "gpu-map", required_argument, 0, O_GPUMAP },
		{ "help", no_argument, 0, O_HELP },
		{ 0, 0, 0, 0 },
	};
	cs_run_opts o;
	cs_run_opts_default(&o);
	char err[CS_ERRLEN];
	/* explicit convention values, applied after a --compat preset */
	int set[O_HELP] = { 0 }, val[O_HELP] = { 0 };
	const char *order = NULL;
	int progress = 1;
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		int rc = 0, v = 0;
		int64_t n;
		switch (c) {
		case O_HELP: fputs(usage_run, stdout); return 0;
		case O_WORKLOAD: o.workload = optarg; break;
		case O_POLICY: o.policy = optarg; break;
		case O_ORDER: order = optarg; break;
		case O_OUT: o.out_dir = optarg; break;
		case O_COMPAT: o.compat = optarg; break;
		case O_CLUSTER: o.cluster = optarg; break;
		case O_ACCOUNTS: o.accounts = optarg; break;
		case O_NODEMODEL: o.node_model = 1; break;
		case O_RESERVE:
			if (o.nreserve == CS_MAX_PARAMS)
				return cs_cli_die(2, "--reserve: too many reservations");
			o.reserve[o.nreserve++] = optarg;
			break;
		case O_GPUMAP:
			if (o.ngpu_map == CS_MAX_PARAMS)
				return cs_cli_die(2, "--gpu-map: given too many times (join the rules with ',')");
			o.gpu_map[o.ngpu_map++] = optarg;
			break;
		case O_LOADSCALE: rc = cs_cli_pos_double("--load-scale", optarg, 1e6, &o.tf.load_scale, err, sizeof err); break;
		case O_PROJSCALE: rc = cs_cli_pos_double("--projects-scale", optarg, 100, &o.tf.projects_scale, err, sizeof err); break;
		case O_FROM: rc = cs_cli_i64("--from", optarg, 0, &n, err, sizeof err); o.tf.from = n; break;
		case O_TO: rc = cs_cli_i64("--to", optarg, 1, &n, err, sizeof err); o.tf.to = n; break;
		case O_JOBS: rc = cs_cli_id_range(optarg, &o.tf.id_min, &o.tf.id_max, err, sizeof err); break;
		case O_SEED: rc = cs_cli_i64("--seed", optarg, 0, &n, err, sizeof err); o.tf.seed = (uint64_t)n; break;
		case O_SAMPLE: rc = cs_cli_i64("--sample", optarg, 1, &n, err, sizeof err); o.sample_s = n; break;
		case O_NOPROGRESS: progress = 0; break;
		case O_FORMAT:
			rc = cs_cli_pick("--format", cs_format_names, CS_FMT_N, optarg, &v, err, sizeof err);
			o.format = (cs_format)v;
			break;
		case O_FIT:
			rc = cs_cli_pick("--fit", cs_fit_names, 4, optarg, &v,
				  err, sizeof err);
			o.fit = (cs_fit)v;
			break;
		case O_POPT: {
			char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg) {
				snprintf(err, sizeof err, "--policy-opt: '%s' is not KEY=VALUE", optarg);
				return cs_cli_die(2, err);
			}
			if (o.nparams == CS_MAX_PARAMS)
				return cs_cli_die(2, "--policy-opt: too many parameters");
			*eq = 0;
			o.keys[o.nparams] = optarg;
			o.vals[o.nparams++] = eq + 1;
			break;
		}
		case O_PROCS: rc = cs_cli_i64("--procs", optarg, 1, &n, err, sizeof err); o.procs = n; break;
		case O_NODES: rc = cs_cli_i64("--nodes", optarg, 1, &n, err, sizeof err); o.nodes = n; break;
		case O_PPN: rc = cs_cli_i64("--procs-per-node", optarg, 1, &n, err, sizeof err); o.ppn = n; break;
		case O_TAU: rc = cs_cli_i64("--bsld-tau", optarg, 1, &n, err, sizeof err); o.bsld_tau = n; break;
		case O_SIZE: rc = cs_cli_pick("--job-size", cs_size_names, 3, optarg, &v, err, sizeof err); break;
		case O_EST: rc = cs_cli_pick("--estimates", cs_est_names, 2, optarg, &v, err, sizeof err); break;
		case O_MISSING: rc = cs_cli_pick("--missing-reqtime", cs_missing_names, 3, optarg, &v, err, sizeof err); break;
		case O_OVERRUN: rc = cs_cli_pick("--overrun", cs_overrun_names, 3, optarg, &v, err, sizeof err); break;
		case O_CONVERT: rc = cs_cli_pick("--convert", cs_convert_names, 2, optarg, &v, err, sizeof err); break;
		case O_SAME: rc = cs_cli_pick("--same-time", cs_same_names, 2, optarg, &v, err, sizeof err); break;
		case O_PASS: rc = cs_cli_pick("--pass", cs_pass_names, 2, optarg, &v, err, sizeof err); break;
		case O_SUBMIT: rc = cs_cli_pick("--submit-pass", cs_submit_names, 2, optarg, &v, err, sizeof err); break;
		case O_RELEASE: rc = cs_cli_pick("--release", cs_release_names, 2, optarg, &v, err, sizeof err); break;
		case ':':
			snprintf(err, sizeof err, "%s needs a value (see capsim run --help)", argv[optind - 1]);
			return cs_cli_die(2, err);
		default:
			snprintf(err, sizeof err, "unknown option '%s' (see capsim run --help)", argv[optind - 1]);
			return cs_cli_die(2, err);
		}
		if (rc < 0)
			return cs_cli_die(2, err);
		if (c >= O_SIZE && c <= O_RELEASE) {
			set[c] = 1;
			val[c] = v;
		}
	}
	if (optind < argc) {
		snprintf(err, sizeof err, "unexpected argument '%s' (see capsim run --help)", argv[optind]);
		return cs_cli_die(2, err);
	}
	if (!o.workload)
		return cs_cli_die(2, "run: --workload FILE is required (see capsim run --help)");
	if (!cs_policy_is_path(o.policy) && !cs_policy_find(o.policy)) {
		const cs_policy_ops *ops;
		void *h;
		cs_policy_resolve(o.policy, &ops, &h, err, sizeof err);
		return cs_cli_die(2, err);
	}
	if (order) {
		if (strcmp(o.policy, "easy") != 0)
			return cs_cli_die(2, "--backfill-order applies to --policy easy only");
		if (cs_name_lookup((const char *const[]){ "fcfs", "sjbf" }, 2, order) < 0) {
			snprintf(err, sizeof err, "--backfill-order: '%s' is not one of fcfs sjbf", order);
			return cs_cli_die(2, err);
		}
		if (o.nparams == CS_MAX_PARAMS)
			return cs_cli_die(2, "--policy-opt: too many parameters");
		o.keys[o.nparams] = "order";
		o.vals[o.nparams++] = order;
	}
	if (o.compat && cs_compat_apply(o.compat, o.policy, &o.wconv, &o.econv) < 0) {
		snprintf(err, sizeof err, "--compat: '%s' is not one of pyss", o.compat);
		return cs_cli_die(2, err);
	}
	/* the conversion (the preset's, or --convert) brings its record rules;
	 * then every option given explicitly wins */
	if (set[O_CONVERT])
		cs_workload_conv_defaults(&o.wconv, (cs_conversion)val[O_CONVERT]);
	if (set[O_SIZE]) o.wconv.size_field = (cs_size_field)val[O_SIZE];
	if (set[O_EST]) o.wconv.estimates = (cs_estimates)val[O_EST];
	if (set[O_MISSING]) o.wconv.missing_reqtime = (cs_missing_reqtime)val[O_MISSING];
	if (set[O_OVERRUN]) o.wconv.overrun = (cs_overrun)val[O_OVERRUN];
	if (set[O_SAME]) o.econv.same_time = (cs_same_time)val[O_SAME];
	if (set[O_PASS]) o.econv.pass = (cs_pass_rule)val[O_PASS];
	if (set[O_SUBMIT]) o.econv.submit_pass = (cs_submit_pass)val[O_SUBMIT];
	if (set[O_RELEASE]) o.econv.release = (cs_release)val[O_RELEASE];

	/* an --out that cannot be written is found before the simulation */
	if (o.out_dir && cs_run_check_out_dir(o.out_dir, err, sizeof err) < 0)
		return cs_cli_die(2, err);
	if (progress && isatty(STDERR_FILENO))
		o.progress = print_progress;
	cs_run_result r;
	int rc = cs_run(&o, &r, err, sizeof err);
	if (rc < 0)
		return cs_cli_die(rc == -CS_ENOMEM ? 1 : 2, err);
	cs_run_print_summary(stdout, &o, &r);
	rc = cs_run_write_outputs(&o, &r, err, sizeof err);
	cs_run_result_free(&r);
	if (rc < 0)
		return cs_cli_die(2, err);
	return 0;
}

static const char usage_cluster[] =
	"usage: capsim cluster show [CONFIG] [--json] [--verbose]\n"
	"\n"
	"Loads a cluster config (YAML, see include/capsim/cluster.h; or a site's\n"
	"slurm.conf, with the topology.conf beside it) and prints what it\n"
	"adds up to: nodes, cores, GPUs by model, memory, storage, peak PF per precision,\n"
	"power with PUE, then each node type with its internal layout, the partitions,\n"
	"the fabric and the storage tiers. Without CONFIG: the built-in default, the\n"
	"national AI data centre (configs/clusters/national-ai-dc.yaml as built).\n"
	"--json prints one JSON object instead. --verbose, for a slurm.conf, first lists\n"
	"the keys that do not change the simulation and the YAML twin capsim made.\n";

static int cmd_cluster(int argc, char **argv)
{
	const char *config = NULL;
	int json = 0, verbose = 0;
	char err[CS_ERRLEN];
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return fputs(usage_cluster, stdout), 0;
	if (argc < 2 || strcmp(argv[1], "show") != 0)
		return cs_cli_die(2, "cluster: expected 'show [CONFIG] [--json]' (see capsim cluster --help)");
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--verbose"))
			verbose = 1;
		else if (!strcmp(argv[i], "--verbose"))
			verbose = 1;
		else if (argv[i][0] == '-' && argv[i][1] == '-') {
			snprintf(err, sizeof err, "cluster show: unknown option '%s' (see capsim cluster --help)", argv[i]);
			return cs_cli_die(2, err);
		} else if (config) {
			snprintf(err, sizeof err, "cluster show: unexpected argument '%s'", argv[i]);
			return cs_cli_die(2, err);
		} else
			config = argv[i];
	}
	cs_cluster *c;
	int rc = cs_cluster_open(&c, config ? config : "default", verbose ? stdout : NULL, err, sizeof err);
	if (rc < 0)
		return cs_cli_die(rc == -CS_ENOMEM ? 1 : 2, err);
	rc = json ? cs_cluster_print_json(stdout, c) : cs_cluster_print(stdout, c);
	cs_cluster_free(c);
	return rc < 0 ? cs_cli_die(1, "cluster show: cannot write the output") : 0;
}

static int dispatch(int argc, char **argv);

/* What a command printed must have reached standard output: a full disk
 * or a closed pipe is an error (exit 1), not a silent success. */
int main(int argc, char **argv)
{
	int rc = dispatch(argc, argv);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		char err[CS_ERRLEN];
		snprintf(err, sizeof err, "standard output: write error: %s", strerror(errno ? errno : EIO));
		cs_cli_die(1, err);
		return rc ? rc : 1;
	}
	return rc;
}

static int dispatch(int argc, char **argv)
{
	if (getenv("CAPSIM_NO_BMI2"))
		cs_alloc_portable(1);
	if (argc < 2)
		return fputs(usage_main, stderr), 2;
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help"))
		return fputs(usage_main, stdout), 0;
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "report"))
		return cs_cli_report(argc - 1, argv + 1);
	if (!strcmp(cmd, "compare"))
		return cs_cli_compare(argc - 1, argv + 1);
	if (!strcmp(cmd, "policies"))
		return cmd_policies();
	if (!strcmp(cmd, "cluster"))
		return cmd_cluster(argc - 1, argv + 1);
	if (!strcmp(cmd, "topo"))
		return cmd_topo(argc - 1, argv + 1);
	if (!strcmp(cmd, "workload") && argc > 2 && !strcmp(argv[2], "convert"))
		return cs_cli_convert(argc - 2, argv + 2);
	if (!strcmp(cmd, "workload"))
		return cs_cli_workload(argc - 1, argv + 1);
	char err[CS_ERRLEN];
	snprintf(err, sizeof err, "unknown command '%s' (see capsim --help)", cmd);
	return cs_cli_die(2, err);
}
