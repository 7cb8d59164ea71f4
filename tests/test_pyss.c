/* --compat pyss reproduces pyss's own schedules job for job on two real
 * traces (the reference checksums in tests/data/pyss_reference.txt). */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "helpers.h"

typedef struct { int64_t id; cs_time start, end; } sched_row;
static int row_cmp(const void *a, const void *b)
{
	const sched_row *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

ParameterizedTestParameters(pyss, same_schedule_as_pyss)
{
	static int lines[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	return cr_make_param_array(int, lines, 8);
}

ParameterizedTest(int *which, pyss, same_schedule_as_pyss)
{
	char path[1024], trace[256], policy[16], want_crc[16];
	size_t want_jobs;
	snprintf(path, sizeof path, "%s/tests/data/pyss_reference.txt", th_root());
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s missing", path);
	char line[512];
	int k = -1;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		if (++k == *which)
			break;
	}
	fclose(f);
	cr_assert_eq(k, *which);
	cr_assert_eq(sscanf(line, "%255s %15s %zu %15s", trace, policy, &want_jobs, want_crc), 4);

	snprintf(path, sizeof path, "%s/traces/%s", th_shared(), trace);
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = path;
	o.policy = strcmp(policy, "fcfs") == 0 ? "fcfs" : "easy";
	if (strncmp(policy, "sjbf", 4) == 0) {
		o.keys[0] = "order";
		o.vals[0] = "sjbf";
		o.nparams = 1;
	}
	cs_compat_apply("pyss", o.policy, &o.wconv, &o.econv);
	if (strstr(policy, "+exact"))
		o.wconv.estimates = CS_EST_EXACT; /* an explicit option over the preset */
	cs_run_result r;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_run(&o, &r, err, sizeof err), 0, "%s", err);
	cr_assert_eq(r.njobs, want_jobs);
	sched_row *rows = malloc(r.njobs * sizeof *rows);
	for (size_t i = 0; i < r.njobs; i++)
		rows[i] = (sched_row){ r.jobs[i].id, r.jobs[i].start_s, r.jobs[i].end_s };
	qsort(rows, r.njobs, sizeof *rows, row_cmp);
	uLong crc = crc32(0L, Z_NULL, 0);
	for (size_t i = 0; i < r.njobs; i++) {
		char b[96];
		int n = snprintf(b, sizeof b, "%lld,%lld,%lld\n", (long long)rows[i].id,
				 (long long)rows[i].start, (long long)rows[i].end);
		crc = crc32(crc, (const Bytef *)b, (uInt)n);
	}
	char got[16];
	snprintf(got, sizeof got, "%08lx", crc);
	cr_assert_str_eq(got, want_crc, "%s %s: schedule differs from pyss's", trace, policy);
	free(rows);
	cs_run_result_free(&r);
}

/* The figures predictsim published for pyss on KTH-SP2 (strongly filtered,
 * 28,481 jobs, 100 processors): experiments/data/KTH-SP2/sim_analysis/
 * metrics at 174c453 (avgft = mean response, avgstretch = mean slowdown,
 * avgbsld with a 10 s threshold), rows easy_backfill_scheduler,
 * easy_sjbf_scheduler, easy_prediction_backfill_scheduler with the
 * clairvoyant predictor, and easy_plus_plus_scheduler with it. */
Test(pyss, published_kth_sp2_figures_come_out_of_the_preset)
{
	struct { const char *order; int exact; double ft, stretch, bsld, maxbsld; } pub[] = {
		{ "fcfs", 0, 15696.7981812436, 198.001775521565, 92.5765397336295, 14805.2 },
		{ "sjbf", 0, 14764.0026684456, 158.867730214708, 69.4054005803035, 14805.2 },
		{ "fcfs", 1, 15187.6077033812, 139.004275796457, 71.7223851124418, 10017.2 },
		{ "sjbf", 1, 14295.9468417542, 103.566267484734, 49.8477189313406, 9941.7 },
	};
	char path[1024];
	snprintf(path, sizeof path, "%s/traces/pwa/KTH-SP2-1996-2-strong.swf.gz", th_shared());
	for (size_t k = 0; k < sizeof pub / sizeof pub[0]; k++) {
		cs_run_opts o;
		cs_run_opts_default(&o);
		o.workload = path;
		o.policy = "easy";
		o.keys[0] = "order";
		o.vals[0] = pub[k].order;
		o.nparams = 1;
		cs_compat_apply("pyss", o.policy, &o.wconv, &o.econv);
		if (pub[k].exact)
			o.wconv.estimates = CS_EST_EXACT;
		cs_run_result r;
		char err[CS_ERRLEN];
		cr_assert_eq(cs_run(&o, &r, err, sizeof err), 0, "%s", err);
		cr_expect_eq(r.njobs, 28481);
		cr_expect_float_eq(r.m.mean_response, pub[k].ft, 1e-9 * pub[k].ft, "row %zu: %.10g", k, r.m.mean_response);
		cr_expect_float_eq(r.m.mean_slowdown, pub[k].stretch, 1e-9 * pub[k].stretch, "row %zu: %.12g", k,
				   r.m.mean_slowdown);
		cr_expect_float_eq(r.m.mean_bounded_slowdown, pub[k].bsld, 1e-9 * pub[k].bsld, "row %zu: %.12g", k,
				   r.m.mean_bounded_slowdown);
		cr_expect_float_eq(r.m.max_bounded_slowdown, pub[k].maxbsld, 1e-9 * pub[k].maxbsld, "row %zu", k);
		cs_run_result_free(&r);
	}
}

/* Every record rule given explicitly wins over the preset, through the
 * command line. 8 processors. Job 1 asks for 4 processors and was given 2
 * (fields 8 and 5), runs 50 of 100 s asked; job 2 runs 300 s of 100 asked;
 * job 3 runs 50 s, requested time -1. pyss's own rules: job 1 on 4
 * processors, run 50, estimate 100; job 2 cut to 100, estimate 300 (pyss
 * never estimates below the trace run time); job 3 runs 1 s (pyss's
 * min(-1, 50), then at least 1), estimate 50. */
static const char override_trace[] = "; MaxProcs: 8\n"
	"1 0 -1 50 2 -1 -1 4 100 -1 1 1 1 -1 -1 -1 -1 -1\n"
	"2 10 -1 300 1 -1 -1 1 100 -1 1 1 1 -1 -1 -1 -1 -1\n"
	"3 20 -1 50 1 -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n";

typedef struct { long long size, run, est; } shape;
#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Run the binary with `extra` options after --workload W --out D; read job
 * id's size, runtime and estimate from jobs.csv (run -1 when it is not
 * there); returns stdout (caller frees). */
static char *run_shapes(const char *w, const char *const *extra, shape got[4])
{
	char dir[] = "/tmp/capsim-pyss-XXXXXX";
	th_mkdtemp(dir);
	const char *args[32] = { "run", "--workload", w, "--out", dir, "--policy", "easy" };
	size_t n = 7;
	for (size_t i = 0; extra[i]; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	char *out, *err;
	int rc = th_exec(args, &out, &err);
	cr_assert_eq(rc, 0, "%s", err);
	free(err);
	char path[512];
	th_in(path, sizeof path, dir, "jobs.csv");
	char *csv = th_slurp(path, NULL);
	cr_assert_not_null(csv);
	for (int i = 0; i < 4; i++)
		got[i] = (shape){ -1, -1, -1 };
	for (char *l = strchr(csv, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
		long long id, sub, st, end, wait, run, est;
		cr_assert_eq(sscanf(l + 1, "%lld,%lld,%lld,%lld,%lld,%lld,%lld", &id, &sub, &st, &end, &wait, &run, &est),
			     7);
		const char *c = l + 1; /* field 13: cores (a pooled run's processors) */
		for (int k = 0; k < 13 && c; k++)
			c = strchr(c, ',') ? strchr(c, ',') + 1 : NULL;
		cr_assert_not_null(c);
		long long size = atoll(c);
		cr_assert(id >= 1 && id <= 3);
		got[id] = (shape){ size, run, est };
	}
	free(csv);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	cr_assert_eq(system(path), 0);
	return out;
}

static void expect_shape(const shape *got, int id, long long size, long long run, long long est, const char *what)
{
	cr_expect_eq(got[id].size, size, "%s: job %d size %lld", what, id, got[id].size);
	cr_expect_eq(got[id].run, run, "%s: job %d runtime %lld", what, id, got[id].run);
	cr_expect_eq(got[id].est, est, "%s: job %d estimate %lld", what, id, got[id].est);
}

Test(pyss, options_given_explicitly_override_the_preset)
{
	char *w = th_write_tmp(override_trace, ".swf");
	shape g[4];
	char *out = run_shapes(w, ARGV("--compat", "pyss"), g);
	cr_expect(strstr(out, "convert=pyss size=requested estimates=requested missing-reqtime=pyss overrun=kill"), "%s", out);
	free(out);
	expect_shape(g, 1, 4, 50, 100, "preset");
	expect_shape(g, 2, 1, 100, 300, "preset");
	expect_shape(g, 3, 1, 1, 50, "preset");

	free(run_shapes(w, ARGV("--convert", "pyss"), g));
	expect_shape(g, 1, 4, 50, 100, "--convert pyss alone brings pyss's record rules");
	expect_shape(g, 3, 1, 1, 50, "--convert pyss alone brings pyss's record rules");

	free(run_shapes(w, ARGV("--compat", "pyss", "--job-size", "allocated"), g));
	expect_shape(g, 1, 2, 50, 100, "--job-size allocated");

	free(run_shapes(w, ARGV("--compat", "pyss", "--estimates", "exact"), g));
	expect_shape(g, 1, 4, 50, 50, "--estimates exact");
	expect_shape(g, 2, 1, 100, 100, "--estimates exact");
	expect_shape(g, 3, 1, 1, 1, "--estimates exact");

	free(run_shapes(w, ARGV("--compat", "pyss", "--overrun", "continue"), g));
	expect_shape(g, 2, 1, 300, 100, "--overrun continue");
	free(run_shapes(w, ARGV("--compat", "pyss", "--overrun", "raise"), g));
	expect_shape(g, 2, 1, 300, 300, "--overrun raise");

	free(run_shapes(w, ARGV("--compat", "pyss", "--missing-reqtime", "runtime"), g));
	expect_shape(g, 3, 1, 50, 50, "--missing-reqtime runtime");
	out = run_shapes(w, ARGV("--compat", "pyss", "--missing-reqtime", "drop"), g);
	expect_shape(g, 3, -1, -1, -1, "--missing-reqtime drop");
	cr_expect(strstr(out, "2 simulated of 3 records; 1 dropped (reqtime_missing 1)"), "%s", out);
	free(out);

	out = run_shapes(w, ARGV("--compat", "pyss", "--convert", "capsim"), g);
	cr_expect(strstr(out, "convert=capsim size=allocated estimates=requested missing-reqtime=runtime overrun=kill"),
		  "%s", out);
	free(out);
	expect_shape(g, 1, 2, 50, 100, "--convert capsim: capsim's record rules");
	expect_shape(g, 2, 1, 100, 100, "--convert capsim: capsim's record rules");
	expect_shape(g, 3, 1, 50, 50, "--convert capsim: capsim's record rules");

	/* the engine's conventions too */
	out = run_shapes(w, ARGV("--compat", "pyss", "--same-time", "end-first", "--pass", "per-time", "--submit-pass",
				 "always", "--release", "event"), g);
	cr_expect(strstr(out, "same-time=end-first pass=per-time submit-pass=always release=event"), "%s", out);
	free(out);

	char *o2, *e2;
	cr_expect_eq(th_exec(ARGV("run", "--workload", w, "--missing-reqtime", "pyss"), &o2, &e2), 2);
	cr_expect(strstr(e2, "--missing-reqtime pyss applies with --convert pyss"), "%s", e2);
	free(o2);
	free(e2);
	th_unlink(w);
}
