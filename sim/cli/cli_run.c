/* capsim: `capsim run`: replay a workload under a policy. */
#include "capsim/format.h"
#include "capsim/recorder.h"
#include "capsim/report.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum {
	O_WORKLOAD = CS_CLI_ID0, O_POLICY, O_ORDER, O_POPT, O_OUT, O_PROCS, O_NODES, O_PPN, O_SIZE, O_EST,
	O_MISSING, O_OVERRUN, O_CONVERT, O_SAME, O_PASS, O_SUBMIT, O_RELEASE, O_TAU, O_COMPAT, O_CLUSTER, O_FORMAT,
	O_FIT, O_NODEMODEL, O_RESERVE, O_SCALE, O_SAMPLE, O_NOPROGRESS, O_ACCOUNTS, O_GPUMAP, O_REQUEUE, O_FSEED,
	O_STAGING, O_STAGE_TIER, O_TF, O_END = O_TF + CS_CLI_TF_N
};

static const char *const order_names[] = { "fcfs", "sjbf" };
static const char *const yes_no[] = { "no", "yes" };

static const cs_cli_opt run_opts[] = {
	{ .name = "workload", .arg = "FILE", .id = O_WORKLOAD,
	  .help = "the workload (required): SWF (.swf, .swf.gz), capsim's CSV (.csv), sacct's parsable output "
		  "(.sacct), Batsim JSON (.json), or any of those and the GPU traces by --format" },
	{ .name = "format", CS_CLI_CHOICES(cs_format_names), .id = O_FORMAT,
	  .help = "the workload's format (default auto: by the file's extension; pai, helios and philly: "
		  "GPU cluster traces, docs/gputrace.md)" },
	{ .name = "policy", .arg = "NAME|FILE.so", .id = O_POLICY,
	  .help = "fcfs | sjf | easy | conservative | multifactor (default easy), or a plugin (a .so "
		  "exporting capsim_policy; see policies/example)" },
	{ .name = "backfill-order", CS_CLI_CHOICES(order_names), .id = O_ORDER,
	  .help = "EASY's backfill scan order (default fcfs)" },
	{ .name = "policy-opt", .arg = "KEY=VAL", .id = O_POPT,
	  .help = "a policy parameter (capsim policies lists them); may be given again" },
	{ .name = "accounts", .arg = "FILE", .id = O_ACCOUNTS,
	  .help = "accounts file (YAML) for multifactor: fair-share tree with shares, QoS and partition "
		  "priorities (docs/fairshare.md)" },
	{ .name = "out", .arg = "DIR", .id = O_OUT,
	  .help = "write summary.json, jobs.csv, batsim_jobs.csv, timeseries.csv, projects.csv, fairness.csv, occupancy.csv "
		  "(node model) and report.html there; DIR is replaced whole, and only by a run that succeeds" },
	{ .name = "sample", .arg = "S", .id = O_SAMPLE, .help = "timeseries interval, seconds (default 3600)" },
	{ .name = "no-progress", .id = O_NOPROGRESS,
	  .help = "no progress line on stderr (shown only when it is a terminal)" },
	CS_CLI_HEADING("machine (default: an SWF trace header's MaxProcs, else MaxNodes; a Batsim\n"
		       "workload's nb_res one-processor nodes; the built-in data centre otherwise):"),
	{ .name = "cluster", .arg = "CONFIG", .id = O_CLUSTER,
	  .help = "a cluster config (YAML, or \"default\" for the built-in data centre): one processor per "
		  "core, pooled" },
	{ .name = "scale", .arg = "TYPE=F[,TYPE=F...]", .id = O_SCALE,
	  .help = "the cluster (--cluster, else the default) with other node counts: F times a node type's nodes "
		  "(rounded, halves up; 0 removes the type), TYPE:=N for N nodes, TYPE=+N / TYPE=-N to add or "
		  "remove N; the fabric is sized for the new count (capsim cluster show --scale shows it; "
		  "docs/clusters.md, \"Scaling\")" },
	{ .name = "node-model", .id = O_NODEMODEL,
	  .help = "place jobs node by node on --cluster (always, for anything but SWF)" },
	{ .name = "fit", CS_CLI_CHOICES(cs_fit_names), .id = O_FIT, .help = "node model placement (default best)" },
	{ .name = "gpu-map", .arg = "MODEL=TYPE[+TYPE...][,MODEL=TYPE...]", .id = O_GPUMAP,
	  .help = "node model: the node types that GPU jobs without a partition of the cluster may use, tried "
		  "in that order. MODEL is a GPU model the trace names (PAI's gpu_type: MISC, P100, T4, V100, "
		  "V100M32), or * for the rest (Philly and Helios name none). Default: every node type whose "
		  "GPUs are NVIDIA's (the traces run CUDA code), never IPU, AMD, Gaudi or CPU nodes. A job that "
		  "only other node types could hold is dropped (no_node_type_for_gpu). See docs/gputrace.md" },
	{ .name = "reserve", .arg = "NAME:START-END:NODES[:PROJECT]", .id = O_RESERVE,
	  .help = "an advance reservation (node model): NODES TYPE*N (the first N nodes of a node type) or "
		  "FIRST-LAST node indices, held over [START, END) seconds for PROJECT's jobs only (none: "
		  "maintenance); may be given again" },
	{ .name = "procs", .arg = "P", .id = O_PROCS, .help = "total processors (SWF, Batsim without --cluster)" },
	{ .name = "nodes", .arg = "N", .id = O_NODES, .help = "nodes (SWF, Batsim without --cluster)" },
	{ .name = "procs-per-node", .arg = "K", .id = O_PPN, .help = "processors per node (total = N x K; SWF)" },
	CS_CLI_HEADING("transforms (applied as the workload is read; docs/workloads.md, \"Transforms\"):"),
	CS_CLI_TRANSFORM_OPTS(O_TF),
	CS_CLI_HEADING("conventions (docs/conventions.md says what each does; default first):"),
	{ .name = "convert", CS_CLI_CHOICES(cs_convert_names), .id = O_CONVERT,
	  .help = "record rules: capsim's, or pyss's own (keeps invalid records as 1 s jobs; its defaults: "
		  "job-size requested, missing-reqtime pyss; the next four override them)" },
	{ .name = "job-size", CS_CLI_CHOICES(cs_size_names), .id = O_SIZE,
	  .help = "SWF field 5, field 8, or the larger" },
	{ .name = "estimates", CS_CLI_CHOICES(cs_est_names), .id = O_EST, .help = "scheduler's runtime estimate" },
	{ .name = "missing-reqtime", CS_CLI_CHOICES(cs_missing_names), .id = O_MISSING,
	  .help = "requested time -1: use the runtime, drop the job, or (--convert pyss) run it 1 s as pyss does" },
	{ .name = "overrun", CS_CLI_CHOICES(cs_overrun_names), .id = O_OVERRUN,
	  .help = "job running past its requested time: killed at it; runs on, expected to end at it; runs on, "
		  "estimate raised to its runtime" },
	{ .name = "same-time", CS_CLI_CHOICES(cs_same_names), .id = O_SAME, .help = "order of events at equal times" },
	{ .name = "pass", CS_CLI_CHOICES(cs_pass_names), .id = O_PASS,
	  .help = "scheduler runs once per time, or after every event" },
	{ .name = "submit-pass", CS_CLI_CHOICES(cs_submit_names), .id = O_SUBMIT,
	  .help = "a submission triggers a pass always, or if it fits now" },
	{ .name = "release", CS_CLI_CHOICES(cs_release_names), .id = O_RELEASE,
	  .help = "a job's processors are free at its end event, or already once its estimated end is reached" },
	{ .name = "bsld-tau", .arg = "S", .id = O_TAU, .help = "bounded-slowdown threshold, seconds (default 10)" },
	{ .name = "compat", .arg = "NAME", .id = O_COMPAT,
	  .help = "preset reproducing a simulator: pyss. Options given explicitly override the preset." },
	CS_CLI_HEADING("failures (a cluster config with a failures: section; docs/failures.md):"),
	{ .name = "requeue-on-failure", CS_CLI_CHOICES(yes_no), .id = O_REQUEUE,
	  .help = "a job a failure stops goes back to the queue and resumes from its last checkpoint (yes, "
		  "the default, as Slurm's JobRequeue=1), or ends in state NODE_FAIL (no)" },
	{ .name = "failure-seed", .arg = "N", .id = O_FSEED,
	  .help = "the failure processes' random seed (default: the config's failures.seed, else 1)" },
	CS_CLI_HEADING("staging (a workload with data sizes; docs/storage.md, \"Staging\"):"),
	{ .name = "staging", CS_CLI_CHOICES(yes_no), .id = O_STAGING,
	  .help = "jobs read their input from a storage tier when they start and write their output when "
		  "their work is done, holding their nodes, the tier's bandwidth shared (default: yes when the "
		  "workload gives data sizes; no: they are not used)" },
	{ .name = "stage-tier", .arg = "TIER", .id = O_STAGE_TIER,
	  .help = "the storage tier of the cluster a job stages through when its stage_tier is empty" },
	{ 0 },
};

static int run_main(int argc, char **argv);

const cs_cli_cmd cs_cli_run_cmd = {
	.name = "run",
	.synopsis = "capsim run --workload FILE [--policy NAME] [options]",
	.summary = "replay a workload (SWF, capsim's CSV, sacct, Batsim, GPU traces) under a policy",
	.about = "Replays a workload under a scheduling policy and prints the scheduling metrics;\n"
		 "with --out DIR also writes the schedule, time series, projects' usage and a\n"
		 "report page there.\n",
	.opts = run_opts,
	.main = run_main,
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

static int run_main(int argc, char **argv)
{
	const cs_cli_cmd *cmd = &cs_cli_run_cmd;
	cs_run_opts o;
	cs_run_opts_default(&o);
	char err[CS_ERRLEN];
	/* explicit convention values, applied after a --compat preset */
	int set[O_END] = { 0 }, val[O_END] = { 0 };
	const char *order = NULL;
	int progress = 1;
	cs_cluster_scale_spec scale;
	cs_cli_parser p;
	cs_cli_begin(&p, cmd, argc, argv);
	int c;
	while ((c = cs_cli_next(&p)) > 0) {
		int rc = 0;
		int64_t n;
		char *a = p.arg;
		switch (c) {
		case CS_CLI_ARG: return cs_cli_usage(cmd, "unexpected argument '%s'", a);
		case O_WORKLOAD: o.workload = a; break;
		case O_POLICY: o.policy = a; break;
		case O_ORDER: order = a; break;
		case O_OUT: o.out_dir = a; break;
		case O_COMPAT: o.compat = a; break;
		case O_CLUSTER: o.cluster = a; break;
		case O_SCALE:
			if (o.scale)
				return cs_cli_die(2, "--scale: given twice (name every node type in one, joined by ',')");
			rc = cs_cluster_scale_parse(a, &scale, err, sizeof err);
			o.scale = &scale;
			break;
		case O_ACCOUNTS: o.accounts = a; break;
		case O_NODEMODEL: o.node_model = 1; break;
		case O_RESERVE:
			if (o.nreserve == CS_MAX_PARAMS)
				return cs_cli_die(2, "--reserve: too many reservations");
			o.reserve[o.nreserve++] = a;
			break;
		case O_GPUMAP:
			if (o.ngpu_map == CS_MAX_PARAMS)
				return cs_cli_die(2, "--gpu-map: given too many times (join the rules with ',')");
			o.gpu_map[o.ngpu_map++] = a;
			break;
		case O_SAMPLE: rc = cs_cli_i64("--sample", a, 1, &n, err, sizeof err); o.sample_s = n; break;
		case O_NOPROGRESS: progress = 0; break;
		case O_FORMAT: o.format = (cs_format)p.pick; break;
		case O_FIT: o.fit = (cs_fit)p.pick; break;
		case O_REQUEUE: o.requeue_on_failure = p.pick; break;
		case O_STAGING: o.staging = p.pick ? 1 : -1; break;
		case O_STAGE_TIER: o.stage_tier = a; break;
		case O_FSEED: rc = cs_cli_i64("--failure-seed", a, 0, &n, err, sizeof err); o.failure_seed = n; break;
		case O_POPT: rc = cs_cli_policy_opt(a, o.keys, o.vals, &o.nparams, err, sizeof err); break;
		case O_PROCS: rc = cs_cli_i64("--procs", a, 1, &n, err, sizeof err); o.procs = n; break;
		case O_NODES: rc = cs_cli_i64("--nodes", a, 1, &n, err, sizeof err); o.nodes = n; break;
		case O_PPN: rc = cs_cli_i64("--procs-per-node", a, 1, &n, err, sizeof err); o.ppn = n; break;
		case O_TAU: rc = cs_cli_i64("--bsld-tau", a, 1, &n, err, sizeof err); o.bsld_tau = n; break;
		case O_SIZE: case O_EST: case O_MISSING: case O_OVERRUN: case O_CONVERT: case O_SAME: case O_PASS:
		case O_SUBMIT: case O_RELEASE:
			set[c] = 1;
			val[c] = p.pick;
			break;
		default: rc = cs_cli_transform(c - O_TF, a, &o.tf, err, sizeof err); break;
		}
		if (rc < 0)
			return cs_cli_die(2, err);
	}
	if (c < 0)
		return p.status;
	if (!o.workload)
		return cs_cli_usage(cmd, "--workload FILE is required");
	if (!cs_policy_is_path(o.policy) && !cs_policy_find(o.policy)) {
		const cs_policy_ops *ops;
		void *h;
		cs_policy_resolve(o.policy, &ops, &h, err, sizeof err);
		return cs_cli_die(2, err);
	}
	if (order) {
		if (strcmp(o.policy, "easy") != 0)
			return cs_cli_die(2, "--backfill-order applies to --policy easy only");
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
