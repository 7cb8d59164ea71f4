/* capsim: `capsim workload convert`: read a workload in any format, apply
 * the transforms, write it as capsim's CSV, SWF or a Batsim workload. */
#include "capsim/format.h"
#include "capsim/jsontrace.h"
#include "capsim/native.h"
#include "capsim/run.h"
#include "capsim/swf.h"
#include "capsim/trace.h"
#include "capsim/transform.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n >= k && strcmp(s + n - k, suf) == 0;
}

enum { C_OUT = CS_CLI_ID0, C_FORMAT, C_AS, C_TF };
enum { AS_NATIVE, AS_SWF, AS_BATSIM, AS_N };
static const char *const as_names[AS_N] = { "native", "swf", "batsim" };

static int convert_main(int argc, char **argv);

static const cs_cli_opt convert_opts[] = {
	{ .name = "out", .arg = "OUT", .id = C_OUT, .help = "where to write it, \"-\" for standard output (required)" },
	{ .name = "format", CS_CLI_CHOICES(cs_format_names), .id = C_FORMAT,
	  .help = "IN's format (default auto: by the file's extension)" },
	{ .name = "as", CS_CLI_CHOICES(as_names), .id = C_AS,
	  .help = "OUT's format (default: by OUT's extension, .csv, .swf or .json; native for \"-\")" },
	CS_CLI_HEADING("transforms (applied as the workload is read; docs/workloads.md, \"Transforms\"):"),
	CS_CLI_TRANSFORM_OPTS(C_TF),
	{ 0 },
};

const cs_cli_cmd cs_cli_convert_cmd = {
	.name = "workload convert",
	.synopsis = "capsim workload convert IN --out OUT [options]",
	.summary = "a workload in any format to capsim's CSV, SWF or Batsim JSON, with transforms",
	.about = "Reads IN (any format capsim reads: see capsim run --help), applies the\n"
		 "transforms and writes OUT as capsim's native CSV, SWF or a Batsim JSON workload.\n",
	.opts = convert_opts,
	.main = convert_main,
};

static int convert_main(int argc, char **argv)
{
	const cs_cli_cmd *cmd = &cs_cli_convert_cmd;
	char err[CS_ERRLEN];
	const char *in = NULL, *out = NULL;
	int fmt = CS_FMT_AUTO, as = -1;
	cs_transform tf;
	cs_transform_default(&tf);
	cs_cli_parser p;
	cs_cli_begin(&p, cmd, argc, argv);
	int c;
	while ((c = cs_cli_next(&p)) > 0) {
		int rc = 0;
		const char *a = p.arg;
		switch (c) {
		case CS_CLI_ARG:
			if (in)
				return cs_cli_usage(cmd, "unexpected argument '%s'", a);
			in = a;
			break;
		case C_OUT: out = a; break;
		case C_FORMAT: fmt = p.pick; break;
		case C_AS: as = p.pick; break;
		default: rc = cs_cli_transform(c - C_TF, a, &tf, err, sizeof err); break;
		}
		if (rc < 0)
			return cs_cli_die(2, err);
	}
	if (c < 0)
		return p.status;
	if (!in || !out)
		return cs_cli_usage(cmd, "expected IN --out OUT");
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
	int rc = cs_format_read(&t, in, (cs_format)fmt, err, sizeof err);
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
