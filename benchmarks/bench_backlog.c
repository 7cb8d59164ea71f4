/* capsim benchmark: EASY, multifactor and conservative under a backlog.
 *
 * The same generated jobs at load 1.0, 1.25 and 1.5 (60 days of the
 * default AI workload, seed 1, with projects_scale 1.0, 1.25, 1.5: 50 %
 * more projects builds a queue of thousands, mean wait over a week) on the
 * default cluster (node model), through cs_run() under easy as built
 * (node model, queue order: the backfill scan visits request shapes,
 * sched/shapeq.c) and, as the simple baseline in the same run, easy with
 * scan=linear (every waiting job tried in every pass); then under
 * multifactor with the workload's accounts tree (Fair Tree), as built and
 * on the plain engine (cs_engine_plain: every search from scratch, the
 * baseline); then under conservative backfilling, as built and on the
 * plain engine. Each pair must give the same schedule (checked: exit status
 * 1 if any job starts at another time). CPU time of the whole cs_run
 * (read, simulate, metrics): as built the least of --runs N runs (default
 * 3; the passes' own CPU too, each figure its own least), every load's
 * runs in turn, once a round, the baseline one run.
 *
 * Printed per load: CPU seconds, passes, microseconds per pass and per job,
 * the queue (time-averaged jobs waiting, and the longest), the speed-up
 * over the baseline, and the growth of CPU per pass from load 1.0 against
 * the growth of log(queue): the target is that CPU per pass grows no
 * faster than the log of the queue (growth ratio <= 1). Two readings of
 * CPU per pass: "us/pass" is the whole run's CPU over its passes (reading
 * the workload and handling every job's events included: these grow with
 * the jobs, not the queue, so they damp the growth), "pass us" the passes'
 * own CPU (cs_engine_time_passes: the thread's CPU clock around each pass)
 * over their number, the stricter one; "growth" and "pass gr" are their
 * growths against log(queue). Both runs of a pair read the pass clock, so
 * its cost (two clock reads a pass) is in both CPU figures. For
 * conservative, the plans moved a pass (cs_engine_stats.plan_moves: the
 * reservations made again at another start, the schedule's own changes)
 * and their growth against log(queue)'s ("moves/p", "moves gr").
 * Usage: bench_backlog [--days N] [--runs N] [--only easy|multifactor|conservative]
 * (days: default 60, 1..365; runs: default 3, 1..20)
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "capsim/engine.h"
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
	double pass_cpu;    /* the passes' own CPU (cs_engine_stats.pass_cpu_ns) */
	uint64_t passes;
	uint64_t moves;     /* plans moved (cs_engine_stats.plan_moves) */
	size_t njobs, max_queue;
	double mean_queue;  /* job-seconds waited / the span from the first submit to the last end */
	cs_time *start;     /* per job, to compare the two schedules */
} outcome;

enum { EASY, MULTIFACTOR, CONSERVATIVE };
static const char *const policy_names[] = { "easy", "multifactor", "conservative" };

/* The policy's run of workload: easy (base: scan=linear) and conservative
 * (base: the plain engine) without accounts, multifactor with them (base:
 * the plain engine). */
static int run(const char *workload, int policy, const char *accounts, int base, outcome *o)
{
	cs_run_opts opt;
	cs_run_opts_default(&opt);
	opt.workload = workload;
	opt.policy = policy_names[policy];
	opt.accounts = policy == MULTIFACTOR ? accounts : NULL;
	if (base && policy == EASY) {
		opt.keys[0] = "scan";
		opt.vals[0] = "linear";
		opt.nparams = 1;
	}
	cs_engine_plain(base && policy != EASY);
	cs_engine_time_passes(1);
	cs_run_result r;
	char err[CS_ERRLEN];
	double t = cpu_s();
	int rc = cs_run(&opt, &r, err, sizeof err);
	cs_engine_plain(0);
	cs_engine_time_passes(0);
	if (rc < 0) {
		fprintf(stderr, "bench_backlog: %s: %s\n", workload, err);
		return -1;
	}
	o->cpu = cpu_s() - t;
	o->passes = r.est.passes;
	o->moves = r.est.plan_moves;
	o->pass_cpu = (double)r.est.pass_cpu_ns * 1e-9;
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

/* The generated days at each load, with their accounts trees. */
enum { NL = 3 };
static const double loads[NL] = { 1.0, 1.25, 1.5 };
static char wl[NL][64], acctf[NL][64];

static int generate(int days)
{
	for (int l = 0; l < NL; l++) {
		char err[CS_ERRLEN];
		cs_gen_model *m;
		cs_gen_project *projects = NULL;
		cs_trace t;
		cs_trace_init(&t);
		if (cs_gen_model_load(&m, NULL, err, sizeof err) < 0 ||
		    cs_gen_generate_projects(m, 1, days, loads[l], &t, &projects, err, sizeof err) < 0) {
			fprintf(stderr, "bench_backlog: %s\n", err);
			return -1;
		}
		snprintf(wl[l], sizeof wl[l], "/tmp/capsim-bench-backlog-XXXXXX.csv");
		snprintf(acctf[l], sizeof acctf[l], "/tmp/capsim-bench-backlog-XXXXXX.yaml");
		int fd = mkstemps(wl[l], 4), fa = mkstemps(acctf[l], 5);
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL, *g = fa >= 0 ? fdopen(fa, "w") : NULL;
		int bad = !f || !g || cs_native_write(&t, f) < 0 ||
			  cs_gen_accounts_write(g, m, &t, projects, NULL, NULL, err, sizeof err) < 0;
		int fbad = f && fclose(f) != 0, gbad = g && fclose(g) != 0; /* (both closed) */
		bad |= fbad | gbad;
		cs_gen_model_free(m);
		free(projects);
		cs_trace_free(&t);
		if (bad) {
			fprintf(stderr, "bench_backlog: cannot write %s or %s\n", wl[l], acctf[l]);
			return -1;
		}
	}
	return 0;
}

/* Rounds as built (--runs): each round runs every load once, so that
 * the runs a growth compares are spread over the same stretch of time
 * (this virtual machine's speed moves by half over minutes). A CPU figure
 * is the least of its runs (the clock's noise at the short loads
 * otherwise moves it by a third); a growth is of two such figures. */
static int runs = 3;

/* One policy's table: as built against its baseline at each load. */
static int table(int policy)
{
	printf("  %-5s %7s %8s %9s %9s %10s %10s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n", "load", "jobs", "passes",
	       "queue", "longest", "cpu s", "base cpu", "us/pass", "base", "us/job", "speedup", "growth", "base gr",
	       "pass us", "pass gr", "moves/p", "moves gr");
	/* per load: the first round's outcome (its schedule), and every
	 * round's CPU and passes' CPU */
	outcome a[NL];
	double cpu[NL][20], pcpu[NL][20];
	int rc = 0, done = 0;
	for (int r = 0; rc == 0 && r < runs; r++)
		for (int l = 0; rc == 0 && l < NL; l++) {
			outcome x;
			if ((rc = run(wl[l], policy, acctf[l], 0, &x)) < 0)
				break;
			cpu[l][r] = x.cpu;
			pcpu[l][r] = x.pass_cpu;
			if (r == 0) {
				a[l] = x;
				done++;
			} else {
				free(x.start);
			}
		}
	double pass0 = 0, base0 = 0, own0 = 0, logq0 = 0, moves0 = 0;
	int bad = 0;
	for (int l = 0; rc == 0 && l < NL; l++) {
		outcome b;
		if ((rc = run(wl[l], policy, acctf[l], 1, &b)) < 0)
			break;
		if (a[l].njobs != b.njobs || memcmp(a[l].start, b.start, a[l].njobs * sizeof *a[l].start) != 0) {
			fprintf(stderr, "bench_backlog: load %.2f: the schedule differs from the baseline's\n", loads[l]);
			bad = 1;
		}
		double least = cpu[l][0], pleast = pcpu[l][0];
		for (int k = 1; k < runs; k++) {
			least = cpu[l][k] < least ? cpu[l][k] : least;
			pleast = pcpu[l][k] < pleast ? pcpu[l][k] : pleast;
		}
		double np = (double)(a[l].passes ? a[l].passes : 1);
		double per_pass = least / np * 1e6;
		double base_pass = b.cpu / (double)(b.passes ? b.passes : 1) * 1e6;
		double own_pass = pleast / np * 1e6;
		double logq = log(a[l].mean_queue > 2 ? a[l].mean_queue : 2);
		double moves = (double)a[l].moves / np;
		char growth[32] = "-", bgrowth[32] = "-", ogrowth[32] = "-", mv[32] = "-", mgrowth[32] = "-";
		if (a[l].moves)
			snprintf(mv, sizeof mv, "%.2f", moves);
		if (l == 0) {
			pass0 = per_pass;
			own0 = own_pass;
			base0 = base_pass;
			logq0 = logq;
			moves0 = moves;
		} else {
			if (a[l].moves && moves0 > 0)
				snprintf(mgrowth, sizeof mgrowth, "%.2f", (moves / moves0) / (logq / logq0));
			/* CPU per pass's growth over log(queue)'s: <= 1 meets the target */
			snprintf(growth, sizeof growth, "%.2f", (per_pass / pass0) / (logq / logq0));
			snprintf(bgrowth, sizeof bgrowth, "%.2f", (base_pass / base0) / (logq / logq0));
			snprintf(ogrowth, sizeof ogrowth, "%.2f", (own_pass / own0) / (logq / logq0));
		}
		printf("  %-5.2f %7zu %8llu %9.0f %9zu %10.2f %10.2f %8.1f %8.1f %8.1f %7.1fx %8s %8s %8.1f %8s %8s %8s\n",
		       loads[l], a[l].njobs, (unsigned long long)a[l].passes, a[l].mean_queue, a[l].max_queue, least, b.cpu,
		       per_pass, base_pass, least / (double)(a[l].njobs ? a[l].njobs : 1) * 1e6, b.cpu / least, growth,
		       bgrowth, own_pass, ogrowth, mv, mgrowth);
		fflush(stdout);
		free(b.start);
	}
	for (int l = 0; l < done; l++)
		free(a[l].start);
	return rc < 0 ? -1 : bad;
}

int main(int argc, char **argv)
{
	int days = 60, only = -1; /* -1: every policy, else EASY, MULTIFACTOR or CONSERVATIVE */
	for (int i = 1; i < argc; i++) {
		int k = -1;
		if (strcmp(argv[i], "--days") == 0 && i + 1 < argc) {
			days = atoi(argv[++i]);
			continue;
		}
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			runs = atoi(argv[++i]);
			if (runs < 1 || runs > 20) {
				fprintf(stderr, "bench_backlog: --runs: 1..20\n");
				return 2;
			}
			continue;
		}
		for (int p = 0; strcmp(argv[i], "--only") == 0 && i + 1 < argc && p < 3; p++)
			k = strcmp(argv[i + 1], policy_names[p]) == 0 ? p : k;
		if (k < 0) {
			fprintf(stderr, "usage: bench_backlog [--days N] [--runs N] [--only easy|multifactor|conservative]\n");
			return 2;
		}
		only = k;
		i++;
	}
	if (days < 1 || days > 365) {
		fprintf(stderr, "bench_backlog: --days: 1..365\n");
		return 2;
	}
	if (generate(days) < 0)
		return 1;
	int bad = 0;
	if (only < 0 || only == EASY) {
		printf("bench_backlog: EASY, %d generated days (seed 1) at load 1.0/1.25/1.5 (projects_scale), default "
		       "cluster;\n  CPU of cs_run, easy (shape scan) against easy scan=linear (every waiting job tried) in "
		       "the same run\n",
		       days);
		bad = table(EASY);
	}
	if ((only < 0 || only == MULTIFACTOR) && bad >= 0) {
		printf("bench_backlog: multifactor with the workload's accounts tree (Fair Tree), %d generated days as\n"
		       "  above; base: the plain engine (CAPSIM_ENGINE_PLAIN: every search from scratch)\n",
		       days);
		int b = table(MULTIFACTOR);
		bad = b < 0 ? b : bad | b;
	}
	if ((only < 0 || only == CONSERVATIVE) && bad >= 0) {
		printf("bench_backlog: conservative backfilling, %d generated days as above; base: the plain engine\n",
		       days);
		int b = table(CONSERVATIVE);
		bad = b < 0 ? b : bad | b;
	}
	for (int l = 0; l < NL; l++) {
		unlink(wl[l]);
		unlink(acctf[l]);
	}
	printf("  queue: jobs waiting, time-averaged; cpu s, us/pass, pass us: the least of %d runs, every load's in\n"
	       "  turn, once a round; growth: (us/pass / us/pass at 1.0) / (log queue / log queue at 1.0) (pass gr: the\n"
	       "  same of pass us); target <= 1 (CPU per pass grows no faster than the log of the queue); base gr: the\n"
	       "  baseline's (one run a load);\n"
	       "  moves/p: plans moved a pass (conservative: reservations made again at another start, the schedule's\n"
	       "  own changes, which no exact pass can skip); moves gr: their growth against log(queue)'s, a floor\n"
	       "  under pass gr\n",
	       runs);
	return bad < 0 ? 1 : bad;
}
