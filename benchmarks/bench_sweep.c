/* capsim benchmark: a sweep (docs/sweep.md) and a plan (docs/plan.md).
 *
 * A spec of 8 points (2 cluster scales x 2 policies x 2 seeds; 2 days of
 * the default workload at half its projects, generated per point, on the
 * default cluster) run by the whole `capsim sweep` process ($CAPSIM_BIN,
 * default build/capsim) with -j 1 and with -j 2, each into a fresh
 * directory: the wall times, the speed-up, and the cost per simulated
 * point. Baseline alongside: the same 8 points run one after another as
 * `capsim sweep --point K` processes, each starting capsim, reading the
 * spec, opening the cluster and calibrating the generator (which the
 * sweep does once, before forking its points).
 * The -j 1 and -j 2 results.csv are compared byte for byte.
 *
 * The plan: the worked example's demo version,
 * configs/plans/h100-growth-demo.yaml (12 searches: 4 growth levels x 3
 * seeds, five days of the default workload per count run), by `capsim plan`
 * with -j 1 and -j 2: the wall times, the speed-up, the cost per count run
 * (point); baseline alongside: the 12 searches run one after another as
 * `capsim plan --search K` processes. plan.csv compared byte for byte.
 * (The cost per point is wall or CPU time over the points simulated.)
 * Exit status 1 if a run fails or the results differ.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define NPOINTS 8

static const char spec_text[] =
	"workload: {generate: {days: 2, projects_scale: 0.5}}\n"
	"scale: [{h100: 0.5}, {}]\n"
	"policies: [{name: easy}, {name: multifactor}]\n"
	"seeds: [1, 2]\n";

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_last; /* the last run's CPU seconds, user + system, its workers included */

/* argv run to completion, stdout and stderr to /dev/null; its wall time, or -1 */
static double run(char *const *argv)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	double t0 = now_s();
	pid_t pid;
	int st;
	struct rusage ru;
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0 || wait4(pid, &st, 0, &ru) < 0 ||
	    !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	/* wait4's usage holds the child's own and its reaped children's */
	cpu_last = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		   (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
	return now_s() - t0;
}

static int same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int same = fa && fb;
	while (same) {
		int ca = fgetc(fa), cb = fgetc(fb);
		same = ca == cb;
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/* files in dir/points */
static int count_points(const char *dir)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "ls '%s/points' | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (!p || fscanf(p, "%d", &n) != 1)
		n = -1;
	if (p)
		pclose(p);
	return n;
}

/* A command over a grid: capsim sweep (its units points, run by
 * `--point K`) or capsim plan (its units searches, `--search K`). */
typedef struct grid {
	const char *cmd, *spec, *one, *unit, *table; /* "sweep", the spec, "--point", "points", "results.csv" */
	int nunits;
} grid;

/* g with -j 1 and -j 2 and the baseline, in a fresh directory; the figures
 * on stdout; 0, or 1 if a run fails or the tables differ */
static int bench_grid(const char *bin, const grid *g)
{
	char dir[] = "/tmp/capsim-bench-grid-XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char d1[128], d2[128], d0[128], cmd[256];
	snprintf(d1, sizeof d1, "%s/j1", dir);
	snprintf(d2, sizeof d2, "%s/j2", dir);
	snprintf(d0, sizeof d0, "%s/base", dir);
	char *spec = (char *)g->spec, *c = (char *)g->cmd;
	double j1 = run((char *const[]){ (char *)bin, c, spec, "--out", d1, "-j", "1", "--no-progress", NULL });
	double cpu1 = cpu_last;
	double j2 = run((char *const[]){ (char *)bin, c, spec, "--out", d2, "-j", "2", "--no-progress", NULL });
	double cpu2 = cpu_last;
	/* baseline: prepare the directory (shard 1 of many runs one unit),
	 * then each unit by hand, one after another */
	int rc = 0;
	double base = 0, cpub = 0;
	if (run((char *const[]){ (char *)bin, c, spec, "--out", d0, "--shard", "1/1000", "-j", "1", "--no-progress",
				 NULL }) < 0)
		rc = 1;
	for (int k = 0; k < g->nunits && !rc; k++) {
		char ks[16];
		snprintf(ks, sizeof ks, "%d", k);
		double t = run((char *const[]){ (char *)bin, c, spec, "--out", d0, (char *)g->one, ks, NULL });
		if (t < 0)
			rc = 1;
		base += t;
		cpub += cpu_last;
	}
	int np = count_points(d1);
	if (j1 < 0 || j2 < 0 || rc || np <= 0) {
		fprintf(stderr, "bench_sweep: a run of %s %s failed\n", bin, g->cmd);
		return 1;
	}
	char c1[160], c2[160];
	snprintf(c1, sizeof c1, "%s/%s", d1, g->table);
	snprintf(c2, sizeof c2, "%s/%s", d2, g->table);
	int same = same_file(c1, c2);
	printf("  %d points simulated\n  -j 1: %.2f s wall   -j 2: %.2f s wall   speed-up %.2fx   %s identical: %s\n", np,
	       j1, j2, j1 / j2, g->table, same ? "yes" : "NO");
	printf("  cost per point: %.3f s wall (-j 1), %.3f s wall (-j 2); CPU (user + system, workers included) "
	       "%.3f s (-j 1), %.3f s (-j 2)\n", j1 / np, j2 / np, cpu1 / np, cpu2 / np);
	printf("  baseline, the %d %s as `capsim %s %s K` one after another: %.2f s wall, %.3f s CPU a point; "
	       "-j 1 / baseline: wall %.2f, CPU %.2f\n", g->nunits, g->unit, g->cmd, g->one, base, cpub / np, j1 / base,
	       cpu1 / cpub);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_sweep: could not remove %s\n", dir);
	return same ? 0 : 1;
}

int main(void)
{
	const char *bin = getenv("CAPSIM_BIN") ? getenv("CAPSIM_BIN") : "build/capsim";
	const char *root = getenv("CAPSIM_ROOT") ? getenv("CAPSIM_ROOT") : ".";
	char spec[] = "/tmp/capsim-bench-sweep-XXXXXX.yaml", plan[4200];
	int fd = mkstemps(spec, 5);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f || fputs(spec_text, f) < 0 || fclose(f) != 0) {
		perror(spec);
		return 1;
	}
	printf("== sweep: %d points (2 scales x 2 policies x 2 seeds; 2 days of the default workload at 0.5 "
	       "projects_scale, generated per point) ==\n", NPOINTS);
	int rc = bench_grid(bin, &(grid){ "sweep", spec, "--point", "points", "results.csv", NPOINTS });
	remove(spec);
	snprintf(plan, sizeof plan, "%s/configs/plans/h100-growth-demo.yaml", root);
	printf("== plan: configs/plans/h100-growth-demo.yaml, 12 searches (4 growth levels x 3 seeds; five days of "
	       "the default workload per count) ==\n");
	return rc | bench_grid(bin, &(grid){ "plan", plan, "--search", "searches", "plan.csv", 12 });
}
