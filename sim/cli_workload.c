/* capsim: `capsim workload generate|stats`. Only this layer prints errors. */
#include "capsim/gen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_workload[] =
	"usage: capsim workload generate [--model FILE] --seed S --days D [--projects-scale F] --out FILE\n"
	"       capsim workload stats FILE [--format F] [--cluster CONFIG] [--model FILE] [--json]\n"
	"\n"
	"generate: a synthetic AI workload from a model (YAML; without --model the\n"
	"built-in one, configs/workloads/ai-dc-2200.yaml as built), written as capsim's\n"
	"native CSV (\"-\": standard output). --projects-scale multiplies the projects\n"
	"(2: twice as many, and twice the demand). The same model, seed, days and scale\n"
	"give the same file, byte for byte.\n"
	"\n"
	"stats: what a trace (any format capsim reads) contains: jobs per partition and\n"
	"qos, size and duration percentiles, time-limit over-estimation, final states,\n"
	"per-project GPU-hours, the arrival cycle, and the offered load against a\n"
	"cluster (default: the built-in one). For a generated trace, the model named in\n"
	"it (or --model) gives the targets, printed beside the measured values.\n"
	"--format: auto (default, by extension), native, swf. --json: one JSON object.\n";

static int die(int code, const char *msg)
{
	fprintf(stderr, "capsim: %s\n", msg);
	return code;
}

static int exit_of(int rc) { return rc == -CS_ENOMEM ? 1 : 2; }

/* The value of option argv[*i] ("--opt V"), or NULL (usage error in err). */
static const char *value(int argc, char **argv, int *i, char *err, size_t errlen)
{
	if (*i + 1 >= argc) {
		snprintf(err, errlen, "workload: %s needs a value", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

static int cmd_generate(int argc, char **argv)
{
	const char *model = NULL, *out = NULL, *seed_s = NULL, *days_s = NULL, *scale_s = NULL;
	char err[CS_ERRLEN];
	for (int i = 2; i < argc; i++) {
		const char **dst = !strcmp(argv[i], "--model")	 ? &model
				   : !strcmp(argv[i], "--out")	 ? &out
				   : !strcmp(argv[i], "--seed")	 ? &seed_s
				   : !strcmp(argv[i], "--days")	 ? &days_s
				   : !strcmp(argv[i], "--projects-scale") ? &scale_s
									   : NULL;
		if (!dst) {
			snprintf(err, sizeof err, "workload generate: unknown argument '%s' (see capsim workload --help)",
				 argv[i]);
			return die(2, err);
		}
		if (!(*dst = value(argc, argv, &i, err, sizeof err)))
			return die(2, err);
	}
	if (!seed_s || !days_s || !out)
		return die(2, "workload generate: --seed, --days and --out are required (see capsim workload --help)");
	char *end;
	errno = 0;
	unsigned long long seed = strtoull(seed_s, &end, 10);
	if (!*seed_s || *end || errno || seed_s[0] == '-') {
		snprintf(err, sizeof err, "workload generate: --seed: '%s' is not an integer >= 0", seed_s);
		return die(2, err);
	}
	long days = strtol(days_s, &end, 10);
	if (!*days_s || *end || days < 1 || days > 3660) {
		snprintf(err, sizeof err, "workload generate: --days: '%s' is not an integer in 1..3660", days_s);
		return die(2, err);
	}
	double scale = 1;
	if (scale_s) {
		scale = strtod(scale_s, &end);
		if (!*scale_s || *end || !(scale > 0 && scale <= 100)) {
			snprintf(err, sizeof err, "workload generate: --projects-scale: '%s' is not a number in (0, 100]",
				 scale_s);
			return die(2, err);
		}
	}
	cs_gen_model *m;
	int rc = cs_gen_model_load(&m, model, err, sizeof err);
	if (rc < 0)
		return die(exit_of(rc), err);
	cs_trace t;
	cs_trace_init(&t);
	rc = cs_gen_generate(m, seed, (int)days, scale, &t, err, sizeof err);
	cs_gen_model_free(m);
	if (rc < 0) {
		cs_trace_free(&t);
		return die(exit_of(rc), err);
	}
	FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;
	if (!f) {
		snprintf(err, sizeof err, "%s: cannot write: %s", out, strerror(errno));
		cs_trace_free(&t);
		return die(2, err);
	}
	rc = cs_native_write(&t, f);
	cs_trace_free(&t);
	if ((f != stdout && fclose(f) != 0) || (f == stdout && fflush(f) != 0) || rc < 0) {
		snprintf(err, sizeof err, "%s: cannot write", out);
		return die(1, err);
	}
	return 0;
}

static int cmd_stats(int argc, char **argv)
{
	const char *file = NULL, *fmt_s = NULL, *cluster = NULL, *model = NULL;
	int json = 0;
	char err[CS_ERRLEN];
	for (int i = 2; i < argc; i++) {
		const char **dst = !strcmp(argv[i], "--format")	 ? &fmt_s
				   : !strcmp(argv[i], "--cluster") ? &cluster
				   : !strcmp(argv[i], "--model")   ? &model
								   : NULL;
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (dst) {
			if (!(*dst = value(argc, argv, &i, err, sizeof err)))
				return die(2, err);
		} else if (argv[i][0] == '-' && argv[i][1]) {
			snprintf(err, sizeof err, "workload stats: unknown option '%s' (see capsim workload --help)", argv[i]);
			return die(2, err);
		} else if (file) {
			snprintf(err, sizeof err, "workload stats: unexpected argument '%s'", argv[i]);
			return die(2, err);
		} else {
			file = argv[i];
		}
	}
	if (!file)
		return die(2, "workload stats: no trace file given (see capsim workload --help)");
	cs_format fmt = CS_FMT_AUTO;
	if (fmt_s) {
		int k = 0;
		while (k < CS_FMT_N && strcmp(cs_format_names[k], fmt_s) != 0)
			k++;
		if (k == CS_FMT_N) {
			snprintf(err, sizeof err, "workload stats: --format: unknown format '%s'", fmt_s);
			return die(2, err);
		}
		fmt = (cs_format)k;
	}
	cs_trace t;
	cs_trace_init(&t);
	cs_cluster *c = NULL;
	cs_gen_model *m = NULL;
	int rc = cs_trace_read(&t, file, fmt, err, sizeof err);
	if (rc == 0)
		rc = cs_cluster_open(&c, cluster ? cluster : "default", NULL, err, sizeof err);
	const char *gen = cs_trace_meta_get(&t, "generator"), *named = cs_trace_meta_get(&t, "model");
	if (rc == 0 && (model || (gen && !strcmp(gen, "capsim") && named)))
		rc = cs_gen_model_load(&m, model ? model : named, err, sizeof err);
	if (rc == 0)
		rc = cs_trace_stats(stdout, &t, c, m, json, err, sizeof err);
	cs_gen_model_free(m);
	cs_cluster_free(c);
	cs_trace_free(&t);
	return rc < 0 ? die(exit_of(rc), err) : 0;
}

int cs_cli_workload(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return fputs(usage_workload, stdout), 0;
	if (argc >= 2 && !strcmp(argv[1], "generate"))
		return cmd_generate(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "stats"))
		return cmd_stats(argc, argv);
	return die(2, "workload: expected 'generate' or 'stats' (see capsim workload --help)");
}
