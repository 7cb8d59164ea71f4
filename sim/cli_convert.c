/* capsim: `capsim workload convert`: read a workload in any format, apply
 * the transforms, write it as capsim's CSV, SWF or a Batsim workload. */
#include "capsim/jsontrace.h"
#include "capsim/run.h"
#include "capsim/trace.h"
#include "capsim/transform.h"
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage_convert[] =
	"usage: capsim workload convert IN --out OUT [--format F] [--as native|swf|batsim]\n"
	"                                 [--jobs A-B] [--from S] [--to S] [--projects-scale F]\n"
	"                                 [--load-scale F] [--seed N]\n"
	"\n"
	"Reads IN (any format capsim reads: see capsim run --help), applies the transforms\n"
	"(docs/workloads.md, \"Transforms\") and writes OUT as capsim's native CSV, SWF or a Batsim JSON\n"
	"workload, by --as or by OUT's extension (.csv, .swf, .json); OUT '-' is standard\n"
	"output (native unless --as).\n";

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n >= k && strcmp(s + n - k, suf) == 0;
}

enum { C_OUT = 256, C_FORMAT, C_AS, C_JOBS, C_FROM, C_TO, C_PROJ, C_LOAD, C_SEED, C_HELP };
enum { AS_NATIVE, AS_SWF, AS_BATSIM, AS_N };
static const char *const as_names[AS_N] = { "native", "swf", "batsim" };

int cs_cli_convert(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "out", required_argument, 0, C_OUT },   { "format", required_argument, 0, C_FORMAT },
		{ "as", required_argument, 0, C_AS },     { "jobs", required_argument, 0, C_JOBS },
		{ "from", required_argument, 0, C_FROM }, { "to", required_argument, 0, C_TO },
		{ "projects-scale", required_argument, 0, C_PROJ },
		{ "load-scale", required_argument, 0, C_LOAD },
		{ "seed", required_argument, 0, C_SEED }, { "help", no_argument, 0, C_HELP },
		{ 0, 0, 0, 0 },
	};
	char err[CS_ERRLEN];
	const char *out = NULL;
	int fmt = CS_FMT_AUTO, as = -1;
	cs_transform tf;
	cs_transform_default(&tf);
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		int rc = 0;
		int64_t n;
		switch (c) {
		case C_HELP: fputs(usage_convert, stdout); return 0;
		case C_OUT: out = optarg; break;
		case C_FORMAT: rc = cs_cli_pick("--format", cs_format_names, CS_FMT_N, optarg, &fmt, err, sizeof err); break;
		case C_AS: rc = cs_cli_pick("--as", as_names, AS_N, optarg, &as, err, sizeof err); break;
		case C_JOBS: rc = cs_cli_id_range(optarg, &tf.id_min, &tf.id_max, err, sizeof err); break;
		case C_FROM: rc = cs_cli_i64("--from", optarg, 0, &n, err, sizeof err); tf.from = n; break;
		case C_TO: rc = cs_cli_i64("--to", optarg, 1, &n, err, sizeof err); tf.to = n; break;
		case C_PROJ: rc = cs_cli_pos_double("--projects-scale", optarg, 100, &tf.projects_scale, err, sizeof err); break;
		case C_LOAD: rc = cs_cli_pos_double("--load-scale", optarg, 1e6, &tf.load_scale, err, sizeof err); break;
		case C_SEED: rc = cs_cli_i64("--seed", optarg, 0, &n, err, sizeof err); tf.seed = (uint64_t)n; break;
		case ':':
			snprintf(err, sizeof err, "%s needs a value (see capsim workload convert --help)", argv[optind - 1]);
			return cs_cli_die(2, err);
		default:
			snprintf(err, sizeof err, "unknown option '%s' (see capsim workload convert --help)",
				 argv[optind - 1]);
			return cs_cli_die(2, err);
		}
		if (rc < 0)
			return cs_cli_die(2, err);
	}
	if (optind != argc - 1 || !out)
		return cs_cli_die(2, "workload convert: expected IN --out OUT (see capsim workload convert --help)");
	const char *in = argv[optind];
	if (as < 0) {
		char base[4096];
		snprintf(base, sizeof base, "%s", out);
		as = ends_with(base, ".swf") ? AS_SWF : ends_with(base, ".json") ? AS_BATSIM
		     : ends_with(base, ".csv") || !strcmp(out, "-") ? AS_NATIVE : -1;
		if (as < 0) {
			snprintf(err, sizeof err, "workload convert: %s: cannot tell the output format from the name "
				 "(.csv, .swf): give --as", out);
			return cs_cli_die(2, err);
		}
	}
	cs_trace t;
	cs_trace_init(&t);
	int rc = cs_trace_read(&t, in, (cs_format)fmt, err, sizeof err);
	if (rc == 0)
		rc = cs_transform_apply(&t, &tf, err, sizeof err);
	if (rc < 0) {
		cs_trace_free(&t);
		return cs_cli_die(rc == -CS_ENOMEM ? 1 : 2, err);
	}
	if (as != AS_NATIVE) {
		/* SWF and Batsim workloads have no field for a placement rule */
		size_t ruled = 0;
		for (size_t i = 0; i < t.n; i++)
			ruled += t.jobs[i].topo != 0;
		if (ruled)
			fprintf(stderr, "workload convert: %zu jobs have a topology rule (one leaf, k leaves, one block), "
				"which %s cannot hold: written without it\n", ruled, as == AS_SWF ? "SWF" : "Batsim JSON");
	}
	FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;
	if (!f) {
		snprintf(err, sizeof err, "%s: cannot write", out);
		cs_trace_free(&t);
		return cs_cli_die(2, err);
	}
	rc = as == AS_SWF ? cs_swf_write(&t, f) : as == AS_BATSIM ? cs_batsim_write(&t, f) : cs_native_write(&t, f);
	int bad = f != stdout ? fclose(f) : fflush(f);
	cs_trace_free(&t);
	if (rc == -CS_EINVAL)
		return cs_cli_die(2, as == AS_BATSIM ? "workload convert: a Batsim workload needs at least one job and "
						       "a node count for every job"
				     : "workload convert: a project, user, QoS or partition name holds a comma or "
				       "a line break: the native CSV cannot hold it");
	if (rc < 0 || bad) {
		snprintf(err, sizeof err, "%s: write failed", out);
		return cs_cli_die(2, err);
	}
	return 0;
}
