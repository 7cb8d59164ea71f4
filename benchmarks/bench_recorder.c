/* capsim benchmark: what the recorder adds to a replay.
 *
 * The same replay through cs_run() without and with the recorder (record =
 * 1, no files written: the observer and the interval rows only), best of 3
 * each, alternating, and the ratio. Cases: 90 days of the default AI
 * workload (seed 1, generated here) on the default cluster under
 * multifactor and EASY (node model), and KTH-SP2 (configs/traces) under
 * EASY (pooled; repeated 30 times, being short). Target: ratio < 1.10. Exit status 1 if a run fails.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "capsim/gen.h"
#include "capsim/native.h"
#include "capsim/recorder.h"
#include "capsim/run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REPS 5

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: less noise from other load */
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int timed(const char *workload, const char *policy, int record, double *secs, size_t *jobs)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = workload;
	o.policy = policy;
	o.record = record;
	cs_run_result r;
	char err[CS_ERRLEN];
	double t = now_s();
	if (cs_run(&o, &r, err, sizeof err) < 0) {
		fprintf(stderr, "bench_recorder: %s: %s\n", workload, err);
		return -1;
	}
	t = now_s() - t;
	if (t < *secs)
		*secs = t;
	*jobs = r.njobs;
	cs_run_result_free(&r);
	return 0;
}

static int bench(const char *label, const char *workload, const char *policy, double *worst)
{
	double off = 1e30, on = 1e30;
	size_t jobs = 0;
	/* short replays are noisy: repeat them more (about a second each way) */
	for (int i = 0, reps = REPS; i < reps; i++) {
		if (timed(workload, policy, 0, &off, &jobs) < 0 || timed(workload, policy, 1, &on, &jobs) < 0)
			return -1;
		if (i == 0 && off < 0.1)
			reps = 30;
	}
	double ratio = on / off;
	if (ratio > *worst)
		*worst = ratio;
	printf("  %-34s %8zu jobs  without %7.3f s  with recorder %7.3f s  ratio %.3f\n", label, jobs, off, on,
	       ratio);
	return 0;
}

int main(void)
{
	char err[CS_ERRLEN];
	cs_gen_model *m;
	cs_trace t;
	cs_trace_init(&t);
	if (cs_gen_model_load(&m, NULL, err, sizeof err) < 0 || cs_gen_generate(m, 1, 90, 1.0, &t, err, sizeof err) < 0) {
		fprintf(stderr, "bench_recorder: %s\n", err);
		return 1;
	}
	cs_gen_model_free(m);
	char path[] = "/tmp/capsim-bench-rec-XXXXXX.csv";
	int fd = mkstemps(path, 4);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f || cs_native_write(&t, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "bench_recorder: cannot write %s\n", path);
		return 1;
	}
	cs_trace_free(&t);
	printf("bench_recorder: cs_run without / with the recorder, best of %d (target ratio < 1.10)\n", REPS);
	double worst = 0;
	int rc = bench("AI workload 90 days, multifactor", path, "multifactor", &worst);
	if (rc == 0)
		rc = bench("AI workload 90 days, easy", path, "easy", &worst);
	if (rc == 0 && access("configs/traces/KTH-SP2-1996-2.swf.gz", R_OK) == 0)
		rc = bench("KTH-SP2 (pooled), easy", "configs/traces/KTH-SP2-1996-2.swf.gz", "easy", &worst);
	unlink(path);
	if (rc < 0)
		return 1;
	printf("  worst ratio %.3f (%s)\n", worst, worst < 1.10 ? "within the 10% target" : "OVER the 10% target");
	return 0;
}
