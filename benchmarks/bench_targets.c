/* capsim benchmark: the speed targets of a site-year (docs/performance.md,
 * "Targets"), each printed beside its target and a baseline measured in the
 * same run.
 *
 * 1. The default year: `capsim workload generate --seed 1 --days 365
 *    --accounts`, then per policy (fcfs, easy, sjf, conservative, and
 *    multifactor with the accounts tree) the CPU (user + system: the
 *    system part is mostly page faults, shown apart) of the whole process
 *    `capsim run --workload Y --accounts A --policy P --out DIR
 *    --no-progress` and its children, and the same without --out. Targets: at most 2 s, and
 *    at most 3x fcfs's, judged both without --out (the simulation, as the
 *    issue's own figures were measured) and with it. Baseline: the plain engine (CAPSIM_ENGINE_PLAIN=1,
 *    cs_engine_plain: nothing kept between passes, everything searched),
 *    with --out; its jobs.csv must be byte for byte the built engine's
 *    (exit status 1 otherwise).
 * 2. Cluster and workload scaled together: D generated days (default 30)
 *    at --projects-scale F, with their accounts trees (the site model, as
 *    the year), on the default cluster with every node type's count
 *    times F (--scale), F = 1, 4, 10: CPU (user + system) per job of
 *    `capsim run --accounts A` (no --out) per policy, less that of a run
 *    of the first job alone (the cluster's and tree's set-up, the same
 *    for any workload). Target: within 1.5x of the 1x figure. A last
 *    row, multifactor without the tree (flat fair-share), is shown
 *    beside them.
 *    Baseline: the plain engine's growth on the same runs.
 * The load target (CPU per pass against the log of the queue) is
 * bench_backlog's; the trace replays against the decompression floor are
 * bench_replay's.
 *
 * The runs go in rounds (--runs N, default 3): each round runs every
 * command of a table once, one after another, so that the runs of the
 * commands a ratio compares are spread over the same stretch of time
 * (this virtual machine's speed moves by half over minutes: a policy's
 * runs made after fcfs's gave ratios off by as much). Every figure is the
 * least of its N runs, which takes out the noise of a single run (the
 * clock's ticks, the host's page faults); a ratio is of two such figures.
 * The plain engine's baselines are the least of N runs each, after the
 * rounds.
 *
 * Usage: bench_targets [--quick] [--runs N] [--days D] [--year-days N] [--only year|scale]
 *   --quick: no baselines. $CAPSIM_BIN: the binary (default build/capsim).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *bin;
static char tmpdir[] = "/tmp/capsim-bench-targets-XXXXXX";

static const char *const policies[] = { "fcfs", "easy", "sjf", "conservative", "multifactor" };
enum { NPOL = sizeof policies / sizeof policies[0] };

/* The environment, with CAPSIM_ENGINE_PLAIN=1 added when plain. */
static char **env_of(int plain)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **e = malloc((n + 2) * sizeof *e);
	if (!e)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "CAPSIM_ENGINE_PLAIN=", 20) != 0)
			e[k++] = environ[i];
	if (plain)
		e[k++] = (char *)"CAPSIM_ENGINE_PLAIN=1";
	e[k] = NULL;
	return e;
}

/* Run bin with argv (stdout to /dev/null); its CPU seconds, user and
 * system, or -1; *sys (if not NULL) the system part. */
static double run_cpu(char *const *argv, int plain, double *sys)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	char **env = env_of(plain);
	pid_t pid;
	int e = env ? posix_spawn(&pid, bin, &fa, NULL, argv, env) : -1;
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	if (e != 0) {
		fprintf(stderr, "bench_targets: cannot run %s\n", bin);
		return -1;
	}
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench_targets: %s", bin);
		for (size_t i = 1; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, ": failed\n");
		return -1;
	}
	double s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
	if (sys)
		*sys = s;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + s;
}

/* Rounds (--runs): every command runs once a round, so every figure is
 * the least of as many runs, the same number at every size and with and
 * without --out. */
static int runs = 3;

/* The least of `runs` runs' CPU, or -1; *sys (if not NULL) the system
 * part of that run. */
static double best_cpu(char *const *argv, int plain, double *sys)
{
	double best = -1;
	for (int r = 0; r < runs; r++) {
		double s = 0, t = run_cpu(argv, plain, &s);
		if (t < 0)
			return -1;
		if (best < 0 || t < best) {
			best = t;
			if (sys)
				*sys = s;
		}
	}
	return best;
}

/* The least of x[0 .. n) (n >= 1) and its index in *at. */
static double least(const double *x, int n, int *at)
{
	int k = 0;
	for (int i = 1; i < n; i++)
		if (x[i] < x[k])
			k = i;
	if (at)
		*at = k;
	return x[k];
}

/* Jobs in a generated CSV: its lines but the comments and the header. */
static long count_jobs(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long n = 0;
	int c, bol = 1, skip = 0;
	while ((c = fgetc(f)) != EOF) {
		if (bol)
			skip = c == '#';
		if (c == '\n' && !skip)
			n++;
		bol = c == '\n';
	}
	fclose(f);
	return n - 1; /* the header */
}

/* The first job of a generated CSV alone (its comments and header too),
 * into out: a run of it costs what every run costs before its jobs. */
static int first_job(const char *in, const char *out)
{
	FILE *f = fopen(in, "r"), *g = fopen(out, "w");
	char line[4096];
	int header = 0, ok = f && g;
	while (ok && fgets(line, sizeof line, f)) {
		fputs(line, g);
		if (line[0] != '#' && header++)
			break; /* the header, then one job */
	}
	if (f)
		fclose(f);
	if (g && fclose(g) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

/* Are two files byte for byte the same? */
static int same_file(const char *a, const char *b)
{
	FILE *x = fopen(a, "rb"), *y = fopen(b, "rb");
	int same = x && y;
	while (same) {
		int p = fgetc(x), q = fgetc(y);
		same = p == q;
		if (p == EOF || q == EOF)
			break;
	}
	if (x)
		fclose(x);
	if (y)
		fclose(y);
	return same;
}

static int generate(const char *out, const char *accounts, int days, const char *scale)
{
	char d[16];
	snprintf(d, sizeof d, "%d", days);
	char *argv[] = { (char *)"capsim", (char *)"workload", (char *)"generate", (char *)"--seed", (char *)"1",
			 (char *)"--days", d, (char *)"--projects-scale", (char *)scale, (char *)"--out",
			 (char *)out, accounts ? (char *)"--accounts" : NULL, (char *)accounts, NULL };
	return run_cpu(argv, 0, NULL) < 0 ? -1 : 0;
}

/* A year's figure t (s) and its ratio x to fcfs's against the targets. */
static const char *verdict(double t, double x)
{
	return t <= 2 && x <= 3 ? "meets both" : t <= 2 ? "misses 3x fcfs" : x <= 3 ? "misses 2 s" : "misses both";
}

static int year(int days, int quick)
{
	char wl[256], acct[256];
	snprintf(wl, sizeof wl, "%s/year.csv", tmpdir);
	snprintf(acct, sizeof acct, "%s/accounts.yaml", tmpdir);
	if (generate(wl, acct, days, "1") < 0)
		return -1;
	printf("bench_targets: the default year (%d days, seed 1, %ld jobs, with its accounts tree), CPU s (user + system,\n"
	       "  the least of %d runs) of capsim run --workload Y --accounts A --policy P [--out DIR] --no-progress,\n"
	       "  every policy's runs in turn, once a round;\n"
	       "  targets: <= 2 s and <= 3x fcfs's; baseline: the plain engine (CAPSIM_ENGINE_PLAIN=1), --out\n",
	       days, count_jobs(wl), runs);
	printf("  %-13s %9s %6s %8s %8s %9s %6s %8s %9s %8s %9s %s\n", "policy", "with out", "sys", "target", "x fcfs",
	       "no out", "sys", "x fcfs", "plain", "speedup", "same", "");
	/* per policy and round: CPU with and without --out, and their system parts */
	double with[NPOL][20], with_sys[NPOL][20], without[NPOL][20], without_sys[NPOL][20];
	char out[NPOL][256];
	for (int k = 0; k < NPOL; k++)
		snprintf(out[k], sizeof out[k], "%s/%s", tmpdir, policies[k]);
	for (int r = 0; r < runs; r++)
		for (int k = 0; k < NPOL; k++) {
			char *argv[] = { (char *)"capsim", (char *)"run", (char *)"--workload", wl, (char *)"--accounts", acct,
					 (char *)"--policy", (char *)policies[k], (char *)"--no-progress", (char *)"--out", out[k],
					 NULL };
			if ((with[k][r] = run_cpu(argv, 0, &with_sys[k][r])) < 0)
				return -1;
			argv[9] = NULL;
			if ((without[k][r] = run_cpu(argv, 0, &without_sys[k][r])) < 0)
				return -1;
		}
	int bad = 0;
	for (int k = 0; k < NPOL; k++) {
		char pout[256], a[300], b[300];
		snprintf(pout, sizeof pout, "%s/%s-plain", tmpdir, policies[k]);
		char *argv[] = { (char *)"capsim", (char *)"run", (char *)"--workload", wl, (char *)"--accounts", acct,
				 (char *)"--policy", (char *)policies[k], (char *)"--no-progress", (char *)"--out", pout,
				 NULL };
		double plain = quick ? 0 : best_cpu(argv, 1, NULL);
		if (plain < 0)
			return -1;
		int aw, an;
		double w = least(with[k], runs, &aw), n = least(without[k], runs, &an);
		double rw = w / least(with[0], runs, NULL), rn = n / least(without[0], runs, NULL);
		snprintf(a, sizeof a, "%s/jobs.csv", out[k]);
		snprintf(b, sizeof b, "%s/jobs.csv", pout);
		int same = quick || same_file(a, b);
		bad |= !same;
		char ps[32] = "-", sp[32] = "-";
		if (!quick) {
			snprintf(ps, sizeof ps, "%.2f", plain);
			snprintf(sp, sizeof sp, "%.1fx", plain / w);
		}
		printf("  %-13s %9.2f %6.2f %8s %7.1fx %9.2f %6.2f %7.1fx %9s %8s %9s %s / %s\n", policies[k], w,
		       with_sys[k][aw], "2", rw, n, without_sys[k][an], rn, ps, sp, quick ? "-" : same ? "jobs.csv" : "DIFFERS",
		       verdict(n, rn), verdict(w, rw));
		fflush(stdout);
	}
	printf("  with out: the command above; sys: the system part of the figure before it (page faults, mostly);\n"
	       "  x fcfs: against fcfs's, with and without out, their runs made in the same rounds (target <= 3);\n"
	       "  plain: the plain engine with out; same: its jobs.csv byte for byte the built engine's;\n"
	       "  verdicts: without out (the simulation, as the issue's own figures, fcfs 1.2 s, were measured) / with\n"
	       "  out (the files written too)\n");
	return bad;
}

/* The default cluster's node types, each times f (its --scale). */
static void scale_spec(char *buf, size_t len, const char *f)
{
	snprintf(buf, len, "h100=%s,a100=%s,t4=%s,ipu=%s,cpu=%s", f, f, f, f, f);
}

/* One row of the scale table: policy P with the accounts trees acct[s]
 * (NULL: none) on the workloads wl[s] and their first jobs one[s], every
 * size's two runs in turn, once a round. */
static int scale_row(const char *label, const char *policy, char wl[][256], char one[][256], char spec[][128],
		     char (*acct)[256], const long *jobs, int quick)
{
	enum { NF = 3 };
	double t0s[NF][20], ts[NF][20], us[NF], pus[NF];
	for (int r = 0; r < runs; r++)
		for (int s = 0; s < NF; s++) {
			char *argv[] = { (char *)"capsim", (char *)"run", (char *)"--workload", one[s], (char *)"--policy",
					 (char *)policy, (char *)"--scale", spec[s], (char *)"--no-progress", NULL, NULL, NULL };
			if (acct) {
				argv[9] = (char *)"--accounts";
				argv[10] = acct[s];
			}
			if ((t0s[s][r] = run_cpu(argv, 0, NULL)) < 0)
				return -1;
			argv[3] = wl[s];
			if ((ts[s][r] = run_cpu(argv, 0, NULL)) < 0)
				return -1;
		}
	for (int s = 0; s < NF; s++) {
		us[s] = (least(ts[s], runs, NULL) - least(t0s[s], runs, NULL)) / (double)(jobs[s] - 1) * 1e6;
		pus[s] = 0;
		if (quick)
			continue;
		char *argv[] = { (char *)"capsim", (char *)"run", (char *)"--workload", one[s], (char *)"--policy",
				 (char *)policy, (char *)"--scale", spec[s], (char *)"--no-progress", NULL, NULL, NULL };
		if (acct) {
			argv[9] = (char *)"--accounts";
			argv[10] = acct[s];
		}
		double t0 = best_cpu(argv, 1, NULL);
		argv[3] = wl[s];
		double p = t0 < 0 ? -1 : best_cpu(argv, 1, NULL);
		if (p < 0)
			return -1;
		pus[s] = (p - t0) / (double)(jobs[s] - 1) * 1e6;
	}
	char p4[32] = "-", p10[32] = "-";
	if (!quick) {
		snprintf(p4, sizeof p4, "%.2fx", pus[1] / pus[0]);
		snprintf(p10, sizeof p10, "%.2fx", pus[2] / pus[0]);
	}
	double worst = us[1] / us[0] > us[2] / us[0] ? us[1] / us[0] : us[2] / us[0];
	printf("  %-17s %8.1f %8.1f %8.1f %7.2fx %7.2fx %9s %9s %s\n", label, us[0], us[1], us[2], us[1] / us[0],
	       us[2] / us[0], p4, p10, worst <= 1.5 ? "meets target" : "misses target");
	fflush(stdout);
	return 0;
}

static int scaling(int days, int quick)
{
	static const char *const factors[] = { "1", "4", "10" };
	enum { NF = 3 };
	char wl[NF][256], one[NF][256], acct[NF][256], spec[NF][128];
	long jobs[NF];
	for (int s = 0; s < NF; s++) {
		snprintf(wl[s], sizeof wl[s], "%s/scale%s.csv", tmpdir, factors[s]);
		snprintf(one[s], sizeof one[s], "%s/scale%s-one.csv", tmpdir, factors[s]);
		snprintf(acct[s], sizeof acct[s], "%s/scale%s-accounts.yaml", tmpdir, factors[s]);
		if (generate(wl[s], acct[s], days, factors[s]) < 0 || first_job(wl[s], one[s]) < 0)
			return -1;
		jobs[s] = count_jobs(wl[s]);
		scale_spec(spec[s], sizeof spec[s], factors[s]);
	}
	printf("\nbench_targets: cluster and workload scaled together (%d days, seed 1, --projects-scale F, with its\n"
	       "  accounts tree; every node type of the default cluster times F), CPU per job (us, user + system, the\n"
	       "  least of %d runs, every size's in turn, once a round) of capsim run --accounts A (no --out), less a\n"
	       "  run of the first job alone on the same cluster and tree (what every run costs first), the least of\n"
	       "  as many; jobs %ld / %ld / %ld;\n"
	       "  target: per job within 1.5x of 1x's; baseline: the plain engine's\n",
	       days, runs, jobs[0], jobs[1], jobs[2]);
	printf("  %-17s %8s %8s %8s %8s %8s %9s %9s %s\n", "policy", "1x", "4x", "10x", "4x/1x", "10x/1x", "plain 4x",
	       "plain 10x", "");
	for (int k = 0; k < NPOL; k++)
		if (scale_row(policies[k], policies[k], wl, one, spec, acct, jobs, quick) < 0)
			return -1;
	if (scale_row("multifactor, flat", "multifactor", wl, one, spec, NULL, jobs, quick) < 0)
		return -1;
	printf("  4x/1x, 10x/1x: CPU per job against 1x's (target <= 1.5x); plain: the plain engine's ratios;\n"
	       "  multifactor, flat: without the tree (fair-share per project, 2^(-U/S), whose usage every pass\n"
	       "  charges and reads), beside the site model's rows\n");
	return 0;
}

static void cleanup(void)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_targets: could not remove %s\n", tmpdir);
}

int main(int argc, char **argv)
{
	int quick = 0, days = 30, ydays = 365, only = 0; /* only: 1 year, 2 scale */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			quick = 1;
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc)
			days = atoi(argv[++i]);
		else if (strcmp(argv[i], "--year-days") == 0 && i + 1 < argc)
			ydays = atoi(argv[++i]);
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc && strcmp(argv[i + 1], "year") == 0)
			only = 1, i++;
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc && strcmp(argv[i + 1], "scale") == 0)
			only = 2, i++;
		else {
			fprintf(stderr, "usage: bench_targets [--quick] [--runs N] [--days D] [--year-days N] [--only year|scale]\n");
			return 2;
		}
	}
	if (days < 1 || days > 365 || ydays < 1 || ydays > 365) {
		fprintf(stderr, "bench_targets: --days and --year-days: 1..365\n");
		return 2;
	}
	if (runs < 1 || runs > 20) {
		fprintf(stderr, "bench_targets: --runs: 1..20\n");
		return 2;
	}
	bin = getenv("CAPSIM_BIN");
	if (!bin || !*bin)
		bin = "build/capsim";
	if (!mkdtemp(tmpdir)) {
		perror("bench_targets: mkdtemp");
		return 1;
	}
	int rc = 0;
	if (only != 2)
		rc = year(ydays, quick);
	if (rc >= 0 && only != 1 && scaling(days, quick) < 0)
		rc = -1;
	cleanup();
	return rc != 0;
}
