/* capsim: `capsim serve`: the engine behind a socket (docs/serve.md). */
#include "capsim/report.h"
#include "capsim/serve.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

enum {
	O_CLUSTER = CS_CLI_ID0, O_LISTEN, O_POLICY, O_POPT, O_EXTERNAL, O_ACCOUNTS, O_FIT, O_SAVE, O_RESTORE, O_OUT,
	O_MAXJOBS, O_MAXLINE, O_MAXOUT, O_FOLLOW, O_FOLLOWFILE, O_INTERVAL
};

static const cs_cli_opt serve_opts[] = {
	{ .name = "listen", .arg = "HOST:PORT|unix:PATH", .id = O_LISTEN,
	  .help = "where clients connect (required; may be given again): an IPv4 address and port, "
		  "[IPv6]:PORT (port 0: any free one, told on stderr), or a Unix socket's path (a new file)" },
	{ .name = "cluster", .arg = "CONFIG", .id = O_CLUSTER,
	  .help = "the cluster: a config (YAML), \"default\" (the built-in data centre, the default) or a "
		  "slurm.conf" },
	{ .name = "policy", .arg = "NAME|FILE.so", .id = O_POLICY,
	  .help = "fcfs | sjf | easy | conservative | multifactor (default easy), or a plugin" },
	{ .name = "policy-opt", .arg = "KEY=VAL", .id = O_POPT,
	  .help = "a policy parameter (capsim policies lists them); may be given again" },
	{ .name = "external", .id = O_EXTERNAL,
	  .help = "no policy of capsim's: every pass with jobs waiting goes to the client that asks to be the "
		  "scheduler (op scheduler), and waits for its decisions" },
	{ .name = "accounts", .arg = "FILE", .id = O_ACCOUNTS,
	  .help = "accounts file (YAML) for multifactor (required with it): jobs of projects and users it names" },
	{ .name = "fit", CS_CLI_CHOICES(cs_fit_names), .id = O_FIT, .help = "node placement (default best)" },
	{ .name = "max-jobs", .arg = "N", .id = O_MAXJOBS,
	  .help = "submissions taken in all (default 1000000)" },
	{ .name = "max-line", .arg = "BYTES", .id = O_MAXLINE,
	  .help = "the longest request line (default 1048576)" },
	{ .name = "max-output", .arg = "BYTES", .id = O_MAXOUT,
	  .help = "a client's unsent output at which it is dropped (default 67108864); from a sixteenth of it, "
		  "its requests are not read until it reads its replies" },
	CS_CLI_HEADING("state:"),
	{ .name = "save", .arg = "FILE", .id = O_SAVE,
	  .help = "on SIGINT or SIGTERM, save the state (jobs, time, what runs) into FILE" },
	{ .name = "restore", .arg = "FILE", .id = O_RESTORE,
	  .help = "start from a state --save wrote (with the same --cluster, --policy and --policy-opt): the "
		  "run goes on as the saved one would" },
	{ .name = "out", .arg = "DIR", .id = O_OUT,
	  .help = "on SIGINT or SIGTERM, write the run's summary.json, jobs.csv and batsim_jobs.csv there "
		  "(DIR replaced whole, as by capsim run)" },
	CS_CLI_HEADING("a twin of a real Slurm (docs/serve.md, \"The twin\"):"),
	{ .name = "follow", .arg = "CMD", .id = O_FOLLOW,
	  .help = "every --interval seconds, run CMD (sh -c) and take its output, squeue's in the format "
		  "docs/serve.md gives, as the cluster's jobs; CMD squeue runs squeue so" },
	{ .name = "follow-file", .arg = "FILE", .id = O_FOLLOWFILE,
	  .help = "the same, read from FILE (rewritten by someone else)" },
	{ .name = "interval", .arg = "S", .id = O_INTERVAL,
	  .help = "seconds between two reads of --follow or --follow-file (default 10)" },
	{ 0 },
};

static int serve_main(int argc, char **argv);

const cs_cli_cmd cs_cli_serve_cmd = {
	.name = "serve",
	.synopsis = "capsim serve --listen ADDRESS [--policy NAME | --external] [options]",
	.summary = "the engine behind a socket: jobs submitted live, time advanced on request or in real time, "
		   "external schedulers, what-if, a twin of a real Slurm",
	.about = "Runs the simulator as a server: clients connect over TCP or a Unix socket\n"
		 "and send one JSON request a line (submit, cancel, job, queue, cluster, step,\n"
		 "run_until, drain, run at a speed, pause, subscribe, whatif, and for an external\n"
		 "scheduler scheduler and decide); each gets one reply line with its id. The\n"
		 "protocol is in docs/serve.md. SIGINT or SIGTERM stops it (after --save and\n"
		 "--out).\n",
	.opts = serve_opts,
	.main = serve_main,
};

static int serve_main(int argc, char **argv)
{
	const cs_cli_cmd *cmd = &cs_cli_serve_cmd;
	cs_live_opts lo;
	cs_live_opts_default(&lo);
	cs_serve_opts so;
	cs_serve_opts_default(&so);
	cs_run_opts ro;
	cs_run_opts_default(&ro);
	const char *restore = NULL;
	int policy_given = 0;
	char err[CS_ERRLEN];
	cs_cli_parser p;
	cs_cli_begin(&p, cmd, argc, argv);
	int c;
	while ((c = cs_cli_next(&p)) > 0) {
		int rc = 0;
		int64_t n;
		double d;
		char *a = p.arg;
		switch (c) {
		case CS_CLI_ARG: return cs_cli_usage(cmd, "unexpected argument '%s'", a);
		case O_CLUSTER: lo.cluster = a; break;
		case O_LISTEN:
			if (so.nlisten == CS_SERVE_MAX_LISTEN)
				return cs_cli_die(2, "--listen: at most 8 addresses");
			so.listen[so.nlisten++] = a;
			break;
		case O_POLICY: lo.policy = a; policy_given = 1; break;
		case O_POPT: rc = cs_cli_policy_opt(a, lo.keys, lo.vals, &lo.nparams, err, sizeof err); break;
		case O_EXTERNAL: lo.external = 1; break;
		case O_ACCOUNTS: lo.accounts = a; break;
		case O_FIT: lo.fit = (cs_fit)p.pick; break;
		case O_SAVE: so.save = a; break;
		case O_RESTORE: restore = a; break;
		case O_OUT: so.out_dir = a; break;
		case O_MAXJOBS: rc = cs_cli_i64("--max-jobs", a, 1, &n, err, sizeof err); lo.max_jobs = (size_t)n; break;
		case O_MAXLINE: rc = cs_cli_i64("--max-line", a, 64, &n, err, sizeof err); so.max_line = (size_t)n; break;
		case O_MAXOUT:
			rc = cs_cli_i64("--max-output", a, 65536, &n, err, sizeof err);
			so.out_hard = (size_t)n;
			so.out_soft = (size_t)n / 16;
			break;
		case O_FOLLOW: so.follow = a; so.follow_is_file = 0; break;
		case O_FOLLOWFILE: so.follow = a; so.follow_is_file = 1; break;
		case O_INTERVAL: rc = cs_cli_pos_double("--interval", a, 86400, &d, err, sizeof err); so.follow_s = d; break;
		default: break;
		}
		if (rc < 0)
			return cs_cli_die(2, err);
	}
	if (c < 0)
		return p.status;
	if (!so.nlisten)
		return cs_cli_usage(cmd, "--listen HOST:PORT or unix:PATH is required");
	if (lo.external && policy_given)
		return cs_cli_die(2, "--external: the scheduler is a client's, not --policy's");
	if (so.follow && (restore || so.save || lo.external))
		return cs_cli_die(2, "--follow: a twin reads its state from the real cluster: no --save, --restore or "
				  "--external");
	if (so.out_dir && cs_run_check_out_dir(so.out_dir, err, sizeof err) < 0)
		return cs_cli_die(2, err);
	cs_live *L;
	int rc = cs_live_new(&L, &lo, err, sizeof err);
	if (rc == 0 && restore)
		rc = cs_live_restore(L, restore, err, sizeof err);
	if (rc < 0) {
		cs_live_free(L);
		return cs_cli_die(rc == -CS_ENOMEM ? 1 : 2, err);
	}
	ro.workload = "(capsim serve)";
	ro.policy = cs_live_policy_name(L);
	ro.cluster = lo.cluster;
	ro.accounts = lo.accounts;
	ro.fit = lo.fit;
	ro.nparams = lo.nparams;
	for (size_t i = 0; i < lo.nparams; i++) {
		ro.keys[i] = lo.keys[i];
		ro.vals[i] = lo.vals[i];
	}
	so.out_opts = &ro;
	rc = cs_serve_run(L, &so, err, sizeof err);
	cs_live_free(L);
	if (rc < 0)
		return cs_cli_die(rc == -CS_ENOMEM ? 1 : 2, err);
	return 0;
}
