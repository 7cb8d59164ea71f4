/* capsim: `capsim workload generate` and `capsim workload stats`. */
#include "capsim/format.h"
#include "capsim/gen.h"
#include "capsim/native.h"
#include "capsim/wstats.h"
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { O_MODEL = CS_CLI_ID0, O_OUT, O_SEED, O_DAYS, O_SCALE, O_FORMAT, O_CLUSTER, O_JSON, O_ACCOUNTS, O_FROM, O_TO,
       O_SCALE_CLUSTER, O_STAGING };

static int generate_main(int argc, char **argv);
static int stats_main(int argc, char **argv);

static const cs_cli_opt generate_opts[] = {
	{ .name = "seed", .arg = "S", .id = O_SEED, .help = "the random seed, an integer >= 0 (required)" },
	{ .name = "days", .arg = "D", .id = O_DAYS, .help = "days of submissions, 1 to 3660 (required)" },
	{ .name = "out", .arg = "FILE", .id = O_OUT, .help = "where to write it, \"-\" for standard output (required)" },
	{ .name = "model", .arg = "FILE", .id = O_MODEL,
	  .help = "the workload model (YAML; default: the built-in one, configs/workloads/ai-dc-2200.yaml as "
		  "built)" },
	{ .name = "projects-scale", .arg = "F", .id = O_SCALE,
	  .help = "F times the projects (2: twice as many, and twice the demand), F in (0, 100]" },
	{ .name = "accounts", .arg = "FILE", .id = O_ACCOUNTS,
	  .help = "also write the accounts tree of its projects (organisation type, organisation, project, "
		  "user) with their grants, for capsim run --accounts" },
	{ .name = "cluster", .arg = "CONFIG", .id = O_CLUSTER,
	  .help = "with --accounts: the cluster whose billing weights price the grants (default: the built-in "
		  "one)" },
	{ .name = "staging", .id = O_STAGING,
	  .help = "also give each job the data it stages in and out and its storage tier (columns stage_in_gb, "
		  "stage_out_gb, stage_tier), from its class's data: in the model (docs/storage.md, \"Staging\"); "
		  "the jobs are the same as without" },
	{ 0 },
};

const cs_cli_cmd cs_cli_generate_cmd = {
	.name = "workload generate",
	.synopsis = "capsim workload generate --seed S --days D --out FILE [options]",
	.summary = "a synthetic AI workload from a model, as capsim's CSV",
	.about = "Generates a synthetic AI workload from a model and writes it as capsim's native\n"
		 "CSV. The same model, seed, days and scale give the same file, byte for byte.\n",
	.opts = generate_opts,
	.main = generate_main,
};

static const cs_cli_opt stats_opts[] = {
	{ .name = "format", CS_CLI_CHOICES(cs_format_names), .id = O_FORMAT,
	  .help = "the trace's format (default auto: by the file's extension)" },
	{ .name = "cluster", .arg = "CONFIG", .id = O_CLUSTER,
	  .help = "the cluster the offered load is measured against (default: the built-in one)" },
	{ .name = "scale", .arg = "TYPE=F[,TYPE=F...]", .id = O_SCALE_CLUSTER,
	  .help = "measure the offered load against that cluster with other node counts, as capsim run "
		  "--scale runs it (docs/clusters.md, \"Scaling\")" },
	{ .name = "model", .arg = "FILE", .id = O_MODEL,
	  .help = "the model whose targets are printed beside the measured values (default: for a generated "
		  "trace, the model named in it)" },
	{ .name = "json", .id = O_JSON, .help = "print one JSON object instead" },
	{ .name = "from", .arg = "S", .id = O_FROM,
	  .help = "only the jobs submitted S seconds or more after the trace origin, over the window's span" },
	{ .name = "to", .arg = "S", .id = O_TO, .help = "only the jobs submitted before S seconds after the origin" },
	{ 0 },
};

const cs_cli_cmd cs_cli_stats_cmd = {
	.name = "workload stats",
	.synopsis = "capsim workload stats FILE [options]",
	.summary = "what a workload contains, and its load on a cluster",
	.about = "Prints what a trace (any format capsim reads) contains: jobs per partition and\n"
		 "qos, size and duration percentiles, time-limit over-estimation, final states,\n"
		 "per-project GPU-hours, the arrival cycle, and the offered load against a\n"
		 "cluster. For a generated trace, the model's targets beside the measured values.\n",
	.opts = stats_opts,
	.main = stats_main,
};

static int exit_of(int rc) { return rc == -CS_ENOMEM ? 1 : 2; }

/* Open path for writing ("-": standard output), or NULL with err. */
static FILE *open_out(const char *path, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!f)
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
	return f;
}

/* Close f (flush standard output); rc, or -CS_EIO with err. */
static int close_out(FILE *f, const char *path, int rc, char *err, size_t errlen)
{
	int bad = f == stdout ? fflush(f) != 0 : fclose(f) != 0;
	if ((bad || rc == -CS_EIO) && rc != -CS_EINVAL && rc != -CS_ENOMEM) {
		snprintf(err, errlen, "%s: cannot write", path);
		return -CS_EIO;
	}
	return rc;
}

static int generate_main(int argc, char **argv)
{
	const cs_cli_cmd *cmd = &cs_cli_generate_cmd;
	const char *model = NULL, *out = NULL, *seed_s = NULL, *days_s = NULL, *scale_s = NULL, *acc = NULL;
	const char *cluster = NULL;
	int staging = 0;
	char err[CS_ERRLEN];
	cs_cli_parser p;
	cs_cli_begin(&p, cmd, argc, argv);
	int c;
	while ((c = cs_cli_next(&p)) > 0)
		switch (c) {
		case O_MODEL: model = p.arg; break;
		case O_OUT: out = p.arg; break;
		case O_SEED: seed_s = p.arg; break;
		case O_DAYS: days_s = p.arg; break;
		case O_SCALE: scale_s = p.arg; break;
		case O_ACCOUNTS: acc = p.arg; break;
		case O_CLUSTER: cluster = p.arg; break;
		case O_STAGING: staging = 1; break;
		default: return cs_cli_usage(cmd, "unexpected argument '%s'", p.arg);
		}
	if (c < 0)
		return p.status;
	if (!seed_s || !days_s || !out)
		return cs_cli_usage(cmd, "--seed, --days and --out are required");
	if (cluster && !acc)
		return cs_cli_usage(cmd, "--cluster prices the grants of --accounts: give --accounts too");
	if (acc && !strcmp(acc, "-") && !strcmp(out, "-"))
		return cs_cli_usage(cmd, "--out and --accounts cannot both be standard output");
	char *end;
	errno = 0;
	unsigned long long seed = strtoull(seed_s, &end, 10);
	if (!*seed_s || *end || errno || seed_s[0] == '-') {
		snprintf(err, sizeof err, "workload generate: --seed: '%s' is not an integer >= 0", seed_s);
		return cs_cli_die(2, err);
	}
	long days = strtol(days_s, &end, 10);
	if (!*days_s || *end || days < 1 || days > 3660) {
		snprintf(err, sizeof err, "workload generate: --days: '%s' is not an integer in 1..3660", days_s);
		return cs_cli_die(2, err);
	}
	double scale = 1;
	if (scale_s) {
		scale = strtod(scale_s, &end);
		if (!*scale_s || *end || !(scale > 0 && scale <= 100)) {
			snprintf(err, sizeof err, "workload generate: --projects-scale: '%s' is not a number in (0, 100]",
				 scale_s);
			return cs_cli_die(2, err);
		}
	}
	cs_gen_model *m;
	int rc = cs_gen_model_load(&m, model, err, sizeof err);
	if (rc < 0)
		return cs_cli_die(exit_of(rc), err);
	cs_cluster *cl = NULL;
	if (acc && (rc = cs_cluster_open(&cl, cluster ? cluster : "default", NULL, err, sizeof err)) < 0) {
		cs_gen_model_free(m);
		return cs_cli_die(exit_of(rc), err);
	}
	/* both outputs open before a year is generated */
	FILE *fo = open_out(out, err, sizeof err), *fa = fo && acc ? open_out(acc, err, sizeof err) : NULL;
	if (!fo || (acc && !fa)) {
		if (fo && fo != stdout)
			fclose(fo);
		cs_gen_model_free(m);
		cs_cluster_free(cl);
		return cs_cli_die(2, err);
	}
	cs_trace t;
	cs_trace_init(&t);
	cs_gen_project *pr = NULL;
	rc = cs_gen_generate_staged(m, seed, (int)days, scale, staging, &t, acc ? &pr : NULL, err, sizeof err);
	if (rc == 0 && cs_native_write(&t, fo) < 0)
		rc = -CS_EIO;
	rc = close_out(fo, out, rc, err, sizeof err);
	if (fa) {
		double *billed = NULL;
		if (rc == 0 && (rc = cs_gen_billed_hours(cl, &t, &billed, err, sizeof err)) == -CS_EINVAL) {
			char msg[CS_ERRLEN];
			snprintf(msg, sizeof msg, "%s", err);
			snprintf(err, sizeof err, "workload generate: --accounts: %.460s", msg);
		}
		if (rc == 0)
			rc = cs_gen_accounts_write(fa, m, &t, pr, billed, cl, err, sizeof err);
		rc = close_out(fa, acc, rc, err, sizeof err);
		free(billed);
	}
	cs_cluster_free(cl);
	free(pr);
	cs_gen_model_free(m);
	cs_trace_free(&t);
	return rc < 0 ? cs_cli_die(rc == -CS_EIO || rc == -CS_ENOMEM ? 1 : 2, err) : 0;
}

static int stats_main(int argc, char **argv)
{
	const cs_cli_cmd *cmd = &cs_cli_stats_cmd;
	const char *file = NULL, *cluster = NULL, *model = NULL, *scale = NULL;
	int64_t from = 0, to = INT64_MAX;
	cs_format fmt = CS_FMT_AUTO;
	int json = 0;
	char err[CS_ERRLEN];
	cs_cli_parser p;
	cs_cli_begin(&p, cmd, argc, argv);
	int c;
	while ((c = cs_cli_next(&p)) > 0)
		switch (c) {
		case O_FORMAT: fmt = (cs_format)p.pick; break;
		case O_CLUSTER: cluster = p.arg; break;
		case O_SCALE_CLUSTER: scale = p.arg; break;
		case O_MODEL: model = p.arg; break;
		case O_JSON: json = 1; break;
		case O_FROM:
		case O_TO:
			if (cs_cli_i64(c == O_FROM ? "--from" : "--to", p.arg, c == O_FROM ? 0 : 1, c == O_FROM ? &from : &to,
				       err, sizeof err) < 0)
				return cs_cli_die(2, err);
			break;
		default:
			if (file)
				return cs_cli_usage(cmd, "unexpected argument '%s'", p.arg);
			file = p.arg;
		}
	if (c < 0)
		return p.status;
	if (!file)
		return cs_cli_usage(cmd, "no trace file given");
	cs_cluster_scale_spec spec;
	if (scale && cs_cluster_scale_parse(scale, &spec, err, sizeof err) < 0)
		return cs_cli_die(2, err);
	cs_trace t;
	cs_trace_init(&t);
	cs_cluster *cl = NULL;
	cs_gen_model *m = NULL;
	int rc = cs_format_read(&t, file, fmt, err, sizeof err);
	if (rc == 0 && (from > 0 || to < INT64_MAX))
		rc = cs_wstats_window(&t, from, to, err, sizeof err);
	if (rc == 0)
		rc = cs_cluster_open(&cl, cluster ? cluster : "default", NULL, err, sizeof err);
	if (rc == 0 && scale) {
		cs_cluster *s;
		rc = cs_cluster_scale(cl, &spec, &s, err, sizeof err);
		cs_cluster_free(cl);
		cl = s;
	}
	const char *gen = cs_trace_meta_get(&t, "generator"), *named = cs_trace_meta_get(&t, "model");
	if (rc == 0 && (model || (gen && !strcmp(gen, "capsim") && named)))
		rc = cs_gen_model_load(&m, model ? model : named, err, sizeof err);
	if (rc == 0)
		rc = cs_wstats_print(stdout, &t, cl, m, json, err, sizeof err);
	cs_gen_model_free(m);
	cs_cluster_free(cl);
	cs_trace_free(&t);
	return rc < 0 ? cs_cli_die(exit_of(rc), err) : 0;
}
