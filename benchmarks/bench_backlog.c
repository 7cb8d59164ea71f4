/* capsim benchmark: EASY under a backlog.
 *
 * The same generated jobs at load 1.0, 1.25 and 1.5 (60 days of the
 * default AI workload, seed 1, with projects_scale 1.0, 1.25, 1.5: 50 %
 * more projects builds a queue of thousands, mean wait over a week) on the
 * default cluster (node model), through cs_run() under easy as built
 * (node model, queue order: the backfill scan visits request shapes,
 * sched/shapeq.c) and, as the simple baseline in the same run, easy with
 * scan=linear (every waiting job tried in every pass; the same schedule,
 * checked: exit status 1 if any job starts at another time). CPU time of
 * the whole cs_run (read, simulate, metrics), one run each.
 *
 * Printed per load: CPU seconds, passes, microseconds per pass and per job,
 * the queue (time-averaged jobs waiting, and the longest), the speed-up
 * over the baseline, and the growth of CPU per pass from load 1.0 against
 * the growth of log(queue): the target is that CPU per pass grows no
 * faster than the log of the queue (growth ratio <= 1).
 * Usage: bench_backlog [--days N] (default 60; 1..365)
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "capsim/gen.h"
#include "capsim/native.h"
#include "capsim/run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: less noise from other load */
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct outcome {
	double cpu;
	uint64_t passes;
	size_t njobs, max_queue;
	double mean_queue;  /* job-seconds waited / the span from the first submit to the last end */
	cs_time *start;     /* per job, to compare the two schedules */
} outcome;

static int run(const char *workload, int linear, outcome *o)
{
	cs_run_opts opt;
	cs_run_opts_default(&opt);
	opt.workload = workload;
	opt.policy = "easy";
	if (linear) {
		opt.keys[0] = "scan";
		opt.vals[0] = "linear";
		opt.nparams = 1;
	}
	cs_run_result r;
	char err[CS_ERRLEN];
	double t = cpu_s();
	if (cs_run(&opt, &r, err, sizeof err) < 0) {
		fprintf(stderr, "bench_backlog: %s: %s\n", workload, err);
		return -1;
	}
	o->cpu = cpu_s() - t;
	o->passes = r.est.passes;
	o->njobs = r.njobs;
	o->max_queue = r.est.max_queue;
	o->start = malloc((r.njobs ? r.njobs : 1) * sizeof *o->start);
	if (!o->start) {
		cs_run_result_free(&r);
		return -1;
	}
	double waited = 0;
	cs_time lo = CS_TIME_MAX, hi = 0;
	for (size_t i = 0; i < r.njobs; i++) {
		const cs_job *j = &r.jobs[i];
		o->start[i] = j->start_s;
		if (j->start_s < 0)
			continue;
		waited += (double)(j->start_s - j->submit_s);
		lo = j->submit_s < lo ? j->submit_s : lo;
		hi = j->end_s > hi ? j->end_s : hi;
	}
	o->mean_queue = hi > lo ? waited / (double)(hi - lo) : 0;
	cs_run_result_free(&r);
	return 0;
}

int main(int argc, char **argv)
{
	int days = 60;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--days") == 0 && i + 1 < argc) {
			days = atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: bench_backlog [--days N]\n");
			return 2;
		}
	}
	if (days < 1 || days > 365) {
		fprintf(stderr, "bench_backlog: --days: 1..365\n");
		return 2;
	}
	static const double loads[] = { 1.0, 1.25, 1.5 };
	enum { NL = sizeof loads / sizeof loads[0] };
	printf("bench_backlog: EASY, %d generated days (seed 1) at load 1.0/1.25/1.5 (projects_scale), default cluster;\n"
	       "  CPU of cs_run, easy (shape scan) against easy scan=linear (every waiting job tried) in the same run\n",
	       days);
	printf("  %-5s %7s %8s %9s %9s %10s %10s %8s %8s %8s %8s %8s\n", "load", "jobs", "passes", "queue", "longest",
	       "cpu s", "base cpu", "us/pass", "base", "us/job", "speedup", "growth");
	double pass0 = 0, logq0 = 0;
	int bad = 0;
	for (int l = 0; l < NL; l++) {
		char err[CS_ERRLEN];
		cs_gen_model *m;
		cs_trace t;
		cs_trace_init(&t);
		if (cs_gen_model_load(&m, NULL, err, sizeof err) < 0 ||
		    cs_gen_generate(m, 1, days, loads[l], &t, err, sizeof err) < 0) {
			fprintf(stderr, "bench_backlog: %s\n", err);
			return 1;
		}
		cs_gen_model_free(m);
		char path[] = "/tmp/capsim-bench-backlog-XXXXXX.csv";
		int fd = mkstemps(path, 4);
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!f || cs_native_write(&t, f) < 0 || fclose(f) != 0) {
			fprintf(stderr, "bench_backlog: cannot write %s\n", path);
			return 1;
		}
		cs_trace_free(&t);
		outcome a, b;
		int rc = run(path, 0, &a);
		if (rc == 0)
			rc = run(path, 1, &b);
		unlink(path);
		if (rc < 0)
			return 1;
		if (a.njobs != b.njobs || memcmp(a.start, b.start, a.njobs * sizeof *a.start) != 0) {
			fprintf(stderr, "bench_backlog: load %.2f: the shape scan's schedule differs from scan=linear's\n",
				loads[l]);
			bad = 1;
		}
		double per_pass = a.cpu / (double)(a.passes ? a.passes : 1) * 1e6;
		double base_pass = b.cpu / (double)(b.passes ? b.passes : 1) * 1e6;
		double logq = log(a.mean_queue > 2 ? a.mean_queue : 2);
		char growth[32] = "-";
		if (l == 0) {
			pass0 = per_pass;
			logq0 = logq;
		} else {
			/* CPU per pass's growth over log(queue)'s: <= 1 meets the target */
			snprintf(growth, sizeof growth, "%.2f", (per_pass / pass0) / (logq / logq0));
		}
		printf("  %-5.2f %7zu %8llu %9.0f %9zu %10.2f %10.2f %8.1f %8.1f %8.1f %7.1fx %8s\n", loads[l], a.njobs,
		       (unsigned long long)a.passes, a.mean_queue, a.max_queue, a.cpu, b.cpu, per_pass, base_pass,
		       a.cpu / (double)(a.njobs ? a.njobs : 1) * 1e6, b.cpu / a.cpu, growth);
		free(a.start);
		free(b.start);
	}
	printf("  queue: jobs waiting, time-averaged; growth: (us/pass / us/pass at 1.0) / (log queue / log queue at 1.0),\n"
	       "  target <= 1 (CPU per pass grows no faster than the log of the queue)\n");
	return bad;
}
