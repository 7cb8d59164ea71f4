/* capsim benchmark: whole-trace replay.
 *
 * 1. cs_run() per trace and policy (read + decompress + parse + simulate +
 *    metrics), best of 3 (best of 1 when a run takes over a second).
 * 2. The whole `capsim run` process, fork/exec of $CAPSIM_BIN (default
 *    build/capsim) with stdout to /dev/null, for the two headline cases,
 *    with their targets.
 * 3. A baseline run alongside: a deliberately simple EASY written here (scan
 *    the whole queue each pass, scan the running jobs for the next end, sort
 *    the running jobs' estimated ends for the shadow time) under the default
 *    conventions (end-first, one pass per time, release at the end event).
 *    It runs on the job array from cs_swf_read + cs_workload_from_swf, and is
 *    compared with cs_engine_run + the built-in easy policy on the same jobs
 *    (simulation only), and with cs_run (read + baseline vs everything). The
 *    count of jobs with the same start time in both is a sanity figure.
 *
 * 4. The decompression floor, two ways: in the process, each trace read
 *    through zlib (gzread; a plain file too) counting its lines, best of 3,
 *    wall and CPU, against cs_run under EASY (section 1's runs); and as
 *    processes, `zcat FILE | wc -l` (cat for a plain file) against the
 *    whole `capsim run --workload FILE --policy easy` (section 2's way),
 *    wall, best of 10 each, a run of one then of the other (so that both
 *    bests come from the same stretch of time). Target: a replay at most
 *    2x the floor.
 *
 * Traces come from $CAPSIM_SHARED/traces (default ../shared); a missing
 * trace is skipped. Exit status 1 if a run fails.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "capsim/engine.h"
#include "capsim/run.h"
#include "capsim/swf.h"
#include "capsim/workload.h"

#include <fcntl.h>
#include <zlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPS 3
#define SLOW_S 1.0 /* a first run slower than this is not repeated */

static const char *const traces[] = {
	"pwa/KTH-SP2-1996-2.swf.gz",
	"pwa/KTH-SP2-1996-2-strong.swf.gz",
	"pwa/SDSC-SP2-1998-4.2-cln.swf.gz",
	"pwa/SDSC-BLUE-2000-4.1-cln.swf.gz",
	"pwa/SDSC-BLUE-2000-4.2-cln.swf.gz",
	"synthetic/lublin_256.swf",
};
#define NTRACES (sizeof traces / sizeof traces[0])

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* --- 1. cs_run per trace and policy --- */

typedef struct pol {
	const char *label, *policy, *order; /* order: NULL or the `order` parameter */
} pol;

static const pol pols[] = {
	{ "fcfs", "fcfs", NULL },
	{ "easy", "easy", NULL },
	{ "easy-sjbf", "easy", "sjbf" },
};
#define NPOLS (sizeof pols / sizeof pols[0])

/* Best time of cs_run over up to REPS runs (and its CPU, the process's:
 * the inflating thread's too, in *cpu when not NULL); jobs in *njobs. */
static int time_cs_run(const char *path, const pol *p, double *best, double *cpu, size_t *njobs)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = path;
	o.policy = p->policy;
	if (p->order) {
		o.keys[0] = "order";
		o.vals[0] = p->order;
		o.nparams = 1;
	}
	*best = 0;
	for (int r = 0; r < REPS; r++) {
		char err[CS_ERRLEN];
		cs_run_result res;
		double t0 = now_s(), c0 = cpu_s();
		int rc = cs_run(&o, &res, err, sizeof err);
		double t = now_s() - t0, c = cpu_s() - c0;
		if (rc < 0) {
			fprintf(stderr, "bench_replay: %s %s: %s\n", path, p->label, err);
			return -1;
		}
		*njobs = res.njobs;
		cs_run_result_free(&res);
		if (r == 0 || t < *best)
			*best = t;
		if (cpu && (r == 0 || c < *cpu))
			*cpu = c;
		if (t > SLOW_S)
			break;
	}
	return 0;
}

extern char **environ;

/* --- 4. the decompression floor --- */

/* Read path through zlib counting its lines, best of REPS: wall and CPU. */
static int time_floor(const char *path, double *wall, double *cpu, long *lines)
{
	static char buf[1 << 17];
	for (int r = 0; r < REPS; r++) {
		double t0 = now_s(), c0 = cpu_s();
		gzFile g = gzopen(path, "rb");
		if (!g) {
			fprintf(stderr, "bench_replay: %s: cannot open\n", path);
			return -1;
		}
		gzbuffer(g, 1 << 17);
		long n = 0;
		int got;
		while ((got = gzread(g, buf, sizeof buf)) > 0)
			for (const char *q = buf; (q = memchr(q, '\n', (size_t)(buf + got - q))) != NULL; q++)
				n++;
		gzclose(g);
		if (got < 0) {
			fprintf(stderr, "bench_replay: %s: read error\n", path);
			return -1;
		}
		double t = now_s() - t0, c = cpu_s() - c0;
		if (r == 0 || t < *wall)
			*wall = t;
		if (r == 0 || c < *cpu)
			*cpu = c;
		*lines = n;
	}
	return 0;
}

/* `zcat path | wc -l` (cat for a file not gzipped) as a process, once:
 * its wall time in *t. */
static int floor_process_once(const char *path, double *t)
{
	char cmd[4300];
	size_t n = strlen(path);
	snprintf(cmd, sizeof cmd, "%s '%s' | wc -l >/dev/null", n > 3 && strcmp(path + n - 3, ".gz") == 0 ? "zcat" : "cat",
		 path);
	char *argv[] = { (char *)"sh", (char *)"-c", cmd, NULL };
	double t0 = now_s();
	pid_t pid;
	int st;
	if (posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ) != 0 || waitpid(pid, &st, 0) < 0 ||
	    !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench_replay: %s: failed\n", cmd);
		return -1;
	}
	*t = now_s() - t0;
	return 0;
}

/* --- 2. the whole process --- */

/* `bin run --workload path --policy easy` as a process, once, stdout to
 * /dev/null: its wall time in *t. posix_spawn (vfork-like): the benchmark
 * holds large arrays by now, and a plain fork() would copy its page tables
 * into every timed run. */
static int process_once(const char *bin, const char *path, double *t)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	char *argv[] = { (char *)"capsim", (char *)"run", (char *)"--workload",
			 (char *)path, (char *)"--policy", (char *)"easy", NULL };
	double t0 = now_s();
	pid_t pid;
	int e = posix_spawn(&pid, bin, &fa, NULL, argv, environ), st = 0;
	posix_spawn_file_actions_destroy(&fa);
	if (e != 0) {
		fprintf(stderr, "bench_replay: cannot run %s: %s\n", bin, strerror(e));
		return -1;
	}
	if (waitpid(pid, &st, 0) < 0) {
		perror("bench_replay: waitpid");
		return -1;
	}
	*t = now_s() - t0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench_replay: %s run --workload %s --policy easy failed (%s %d)\n", bin, path,
			WIFEXITED(st) ? "exit status" : "signal",
			WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? WTERMSIG(st) : st);
		return -1;
	}
	return 0;
}

/* The whole process's best wall time of PROC_REPS runs; with floor (not
 * NULL) the floor process's too, each run of it just before one of the
 * replay, so that both bests come from the same stretch of time. */
#define PROC_REPS 10
static int time_process(const char *bin, const char *path, double *best, double *floor)
{
	for (int r = 0; r < PROC_REPS; r++) {
		double t, f;
		if ((floor && floor_process_once(path, &f) < 0) || process_once(bin, path, &t) < 0)
			return -1;
		if (r == 0 || t < *best)
			*best = t;
		if (floor && (r == 0 || f < *floor))
			*floor = f;
	}
	return 0;
}

/* --- 3. the baseline EASY --- */

typedef struct brun {
	cs_time end, est_end;
	uint32_t size;
} brun;

static int by_est_end(const void *a, const void *b)
{
	cs_time x = ((const brun *)a)->est_end, y = ((const brun *)b)->est_end;
	return (x > y) - (x < y);
}

/* Start job j now: record it, add it to the running set. */
static void base_start(const cs_job *jobs, uint32_t j, cs_time now, cs_time *start,
		       brun *run, size_t *nrun, uint32_t *free_p)
{
	start[j] = now;
	run[(*nrun)++] = (brun){ now + jobs[j].runtime_s, now + jobs[j].estimate_s, jobs[j].size };
	*free_p -= jobs[j].size;
}

/* EASY as docs/policies.md states it: start jobs in arrival order while
 * the head fits; then the head reserves the shadow time S (earliest time enough
 * processors are free by running jobs' estimates, a job past its estimate
 * counted as ending now); a later job starts now if it fits now and ends by
 * S or uses only the extra processors (free at S minus the head's size).
 * Writes start[]; returns 0 or -1 (out of memory). */
static int base_easy(const cs_job *jobs, size_t n, uint32_t procs, cs_time *start)
{
	uint32_t *queue = malloc((n ? n : 1) * sizeof *queue);
	brun *run = malloc(((size_t)procs + 1) * sizeof *run);
	brun *ends = malloc(((size_t)procs + 1) * sizeof *ends);
	if (!queue || !run || !ends) {
		free(queue);
		free(run);
		free(ends);
		return -1;
	}
	size_t nq = 0, nrun = 0, next = 0;
	uint32_t free_p = procs;
	while (next < n || nq > 0 || nrun > 0) {
		/* the next event time: a submission or a job's end */
		cs_time now = next < n ? jobs[next].submit_s : CS_TIME_MAX;
		for (size_t i = 0; i < nrun; i++)
			if (run[i].end < now)
				now = run[i].end;
		if (now == CS_TIME_MAX)
			break; /* cannot happen: with nothing running the head fits */
		/* ends first, then submissions, then one pass */
		for (size_t i = 0; i < nrun;) {
			if (run[i].end == now) {
				free_p += run[i].size;
				run[i] = run[--nrun];
			} else {
				i++;
			}
		}
		while (next < n && jobs[next].submit_s == now)
			queue[nq++] = (uint32_t)next++;
		size_t h = 0;
		while (h < nq && jobs[queue[h]].size <= free_p) {
			base_start(jobs, queue[h], now, start, run, &nrun, &free_p);
			h++;
		}
		if (h < nq && free_p > 0) {
			const cs_job *head = &jobs[queue[h]];
			/* running jobs by estimated end (past-estimate ones end now) */
			for (size_t i = 0; i < nrun; i++)
				ends[i] = (brun){ 0, run[i].est_end > now ? run[i].est_end : now, run[i].size };
			qsort(ends, nrun, sizeof *ends, by_est_end);
			cs_time shadow = now;
			uint64_t f = free_p;
			size_t e = 0;
			while (e < nrun && f < head->size)
				f += ends[e++].size;
			if (e > 0) {
				shadow = ends[e - 1].est_end;
				for (; e < nrun && ends[e].est_end == shadow; e++)
					f += ends[e].size;
			}
			uint32_t extra = (uint32_t)(f - head->size);
			for (size_t i = h + 1; i < nq && free_p > 0; i++) {
				const cs_job *j = &jobs[queue[i]];
				if (j->size > free_p)
					continue;
				int by_shadow = now + j->estimate_s <= shadow;
				if (!by_shadow && j->size > extra)
					continue;
				if (!by_shadow)
					extra -= j->size;
				base_start(jobs, queue[i], now, start, run, &nrun, &free_p);
			}
		}
		/* drop the started jobs from the queue, keeping arrival order */
		size_t w = 0;
		for (size_t i = 0; i < nq; i++)
			if (start[queue[i]] < 0)
				queue[w++] = queue[i];
		nq = w;
	}
	free(queue);
	free(run);
	free(ends);
	return 0;
}

typedef struct loaded {
	cs_job *jobs;
	size_t n;
	uint32_t procs;
	double read_s; /* cs_swf_read + cs_machine_resolve + cs_workload_from_swf */
} loaded;

/* Best of REPS reads; the last one's jobs are kept in L. */
static int load(const char *path, loaded *L)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = path;
	L->jobs = NULL;
	for (int r = 0; r < REPS; r++) {
		char err[CS_ERRLEN];
		cs_swf swf;
		cs_machine m;
		cs_workload_stats ws;
		free(L->jobs);
		L->jobs = NULL;
		double t0 = now_s();
		int rc = cs_swf_read(path, &swf, err, sizeof err);
		if (rc < 0) {
			fprintf(stderr, "bench_replay: %s\n", err);
			return -1;
		}
		rc = cs_machine_resolve(&swf.hdr, &o, &m, err, sizeof err);
		if (rc == 0)
			rc = cs_workload_from_swf(&swf, &o.wconv, m.procs, &L->jobs, &L->n, &ws, err, sizeof err);
		cs_swf_free(&swf);
		double t = now_s() - t0;
		if (rc < 0) {
			fprintf(stderr, "bench_replay: %s\n", err);
			return -1;
		}
		L->procs = m.procs;
		if (r == 0 || t < L->read_s)
			L->read_s = t;
		if (t > SLOW_S)
			break;
	}
	return 0;
}

/* cs_engine_run + the built-in easy policy on L's jobs (starts land in L->jobs). */
static int time_engine_easy(loaded *L, double *best)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	const cs_policy_ops *ops = cs_policy_find("easy");
	if (!ops)
		return -1;
	cs_policy_env env = { .jobs = L->jobs, .njobs = L->n, .total_procs = L->procs };
	*best = 0;
	for (int r = 0; r < REPS; r++) {
		char err[CS_ERRLEN];
		cs_engine_stats st;
		void *ps = NULL;
		double t0 = now_s();
		int rc = ops->init(&ps, &env, err, sizeof err);
		if (rc == 0) {
			rc = cs_engine_run(L->jobs, L->n, L->procs, &o.econv, ops, ps, &st, err, sizeof err);
			ops->destroy(ps);
		}
		double t = now_s() - t0;
		if (rc < 0) {
			fprintf(stderr, "bench_replay: engine: %s\n", err);
			return -1;
		}
		if (r == 0 || t < *best)
			*best = t;
		if (t > SLOW_S)
			break;
	}
	return 0;
}

static int time_base_easy(const loaded *L, cs_time *start, double *best)
{
	*best = 0;
	for (int r = 0; r < REPS; r++) {
		for (size_t i = 0; i < L->n; i++)
			start[i] = -1;
		double t0 = now_s();
		if (base_easy(L->jobs, L->n, L->procs, start) < 0) {
			fprintf(stderr, "bench_replay: baseline: out of memory\n");
			return -1;
		}
		double t = now_s() - t0;
		if (r == 0 || t < *best)
			*best = t;
		if (t > SLOW_S)
			break;
	}
	return 0;
}

int main(void)
{
	const char *shared = getenv("CAPSIM_SHARED");
	if (!shared || !*shared)
		shared = "../shared";
	const char *bin = getenv("CAPSIM_BIN");
	if (!bin || !*bin)
		bin = "build/capsim";
	char path[NTRACES][4096];
	int have[NTRACES];
	for (size_t i = 0; i < NTRACES; i++) {
		snprintf(path[i], sizeof path[i], "%s/traces/%s", shared, traces[i]);
		have[i] = access(path[i], R_OK) == 0;
		if (!have[i])
			fprintf(stderr, "bench_replay: %s: missing, skipped\n", path[i]);
	}
	double easy_run_s[NTRACES] = { 0 }, easy_run_cpu[NTRACES] = { 0 };

	printf("bench_replay: cs_run() end to end (read + decompress + parse + simulate + metrics), best of %d\n", REPS);
	printf("%-32s %-10s %8s %10s %12s\n", "trace", "policy", "jobs", "ms", "jobs/s");
	for (size_t i = 0; i < NTRACES; i++) {
		if (!have[i])
			continue;
		for (size_t k = 0; k < NPOLS; k++) {
			double t, c;
			size_t nj;
			if (time_cs_run(path[i], &pols[k], &t, &c, &nj) < 0)
				return 1;
			if (k == 1) {
				easy_run_s[i] = t;
				easy_run_cpu[i] = c;
			}
			printf("%-32s %-10s %8zu %10.1f %12.0f\n", base_name(traces[i]), pols[k].label, nj,
			       t * 1e3, (double)nj / t);
			fflush(stdout);
		}
	}

	printf("\nbench_replay: whole process, %s run --workload FILE --policy easy >/dev/null, best of %d\n", bin,
	       PROC_REPS);
	printf("%-32s %10s %12s  %s\n", "trace", "ms", "target ms", "");
	static const struct { size_t trace; double target_ms; } heads[] = { { 0, 30 }, { 2, 50 } };
	for (size_t k = 0; k < sizeof heads / sizeof heads[0]; k++) {
		size_t i = heads[k].trace;
		if (!have[i])
			continue;
		double t;
		if (time_process(bin, path[i], &t, NULL) < 0)
			return 1;
		printf("%-32s %10.1f %12.0f  %s\n", base_name(traces[i]), t * 1e3, heads[k].target_ms,
		       t * 1e3 < heads[k].target_ms ? "meets target" : "MISSES target");
		fflush(stdout);
	}

	printf("\nbench_replay: EASY, capsim vs a simple baseline EASY in this file (O(queue) scan per pass)\n");
	printf("  read = cs_swf_read + cs_workload_from_swf; sim = simulation only, same job array;\n");
	printf("  whole = cs_run (with metrics) / (read + baseline sim); ratio < 1: capsim is faster\n");
	printf("%-32s %8s %8s %10s %10s %9s %9s %16s\n", "trace", "jobs", "read ms", "capsim ms",
	       "base ms", "sim ratio", "whole", "same start");
	for (size_t i = 0; i < NTRACES; i++) {
		if (!have[i])
			continue;
		loaded L = { 0 };
		if (load(path[i], &L) < 0)
			return 1;
		cs_time *start = malloc((L.n ? L.n : 1) * sizeof *start);
		double te, tb;
		if (!start || time_engine_easy(&L, &te) < 0 || time_base_easy(&L, start, &tb) < 0) {
			free(start);
			free(L.jobs);
			return 1;
		}
		size_t same = 0;
		for (size_t j = 0; j < L.n; j++)
			same += L.jobs[j].start_s == start[j];
		printf("%-32s %8zu %8.1f %10.1f %10.1f %9.3f %9.3f %8zu (%5.1f%%)\n", base_name(traces[i]),
		       L.n, L.read_s * 1e3, te * 1e3, tb * 1e3, te / tb,
		       easy_run_s[i] / (L.read_s + tb), same, L.n ? 100.0 * (double)same / (double)L.n : 0.0);
		fflush(stdout);
		free(start);
		free(L.jobs);
	}

	printf("\nbench_replay: EASY replays (section 1's cs_run) against the decompression floor: the trace read\n"
	       "  through zlib counting lines (as zcat | wc -l), best of %d; target: replay <= 2x the floor\n", REPS);
	printf("  in the process: the floor read through zlib, the replay cs_run; as processes: zcat | wc -l, and\n"
	       "  %s run --workload FILE --policy easy >/dev/null, wall, best of %d each, one of each in turn\n", bin,
	       PROC_REPS);
	printf("%-32s %8s %9s %9s %9s %9s %7s %7s %9s %9s %7s  %s\n", "trace", "lines", "floor ms", "floor cpu",
	       "run ms", "run cpu", "wall x", "cpu x", "zcat ms", "proc ms", "proc x", "");
	for (size_t i = 0; i < NTRACES; i++) {
		if (!have[i])
			continue;
		double fw = 0, fc = 0, zw = 0, pw = 0;
		long lines = 0;
		if (time_floor(path[i], &fw, &fc, &lines) < 0 || time_process(bin, path[i], &pw, &zw) < 0)
			return 1;
		double xw = easy_run_s[i] / fw, xc = easy_run_cpu[i] / (fc > 0 ? fc : fw), xp = pw / zw;
		printf("%-32s %8ld %9.1f %9.1f %9.1f %9.1f %6.2fx %6.2fx %9.1f %9.1f %6.2fx  %s\n", base_name(traces[i]),
		       lines, fw * 1e3, fc * 1e3, easy_run_s[i] * 1e3, easy_run_cpu[i] * 1e3, xw, xc, zw * 1e3, pw * 1e3,
		       xp, xw <= 2 && xp <= 2 ? "meets target" : xp <= 2 ? "meets target as processes only"
				: xw <= 2 ? "meets target in the process only" : "misses target");
		fflush(stdout);
	}
	return 0;
}
