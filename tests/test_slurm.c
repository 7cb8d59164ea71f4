/* A real one-node Slurm on localhost (tests/slurm/slurm-up.sh) runs the
 * README's job-array script: a sweep's shards (capsim sweep --shard I/N),
 * one an array task, and capsim sweep merge after them give byte for byte
 * the sweep run here on one machine (docs/sweep-slurm.md). Needs root and Debian's slurmctld, slurmd,
 * slurm-client and munge (make slurm-deps); skipped without them. Whatever
 * the test started is stopped in its .fini, which Criterion runs after a
 * failed assertion too. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

#define TASKS 3
#define ARRAY_TIMEOUT_S 180

static char dir[64];   /* the cluster's directory, "" when none */
static int cluster_up; /* slurm-up.sh ran: slurm-down.sh owes a run */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The first of the programs Slurm on localhost needs that is not
 * installed, or NULL. */
static const char *missing_program(void)
{
	static const char *const need[] = { "munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo" };
	for (size_t i = 0; i < sizeof need / sizeof *need; i++)
		if (th_sh(NULL, "PATH=$PATH:/usr/sbin:/sbin command -v %s", need[i]) != 0)
			return need[i];
	return NULL;
}

static int slurm_down(void)
{
	cluster_up = 0;
	return th_sh(NULL, "sh '%s/tests/slurm/slurm-down.sh' '%s' >&2", th_root(), dir);
}

static void teardown(void)
{
	if (cluster_up)
		slurm_down();
	if (dir[0])
		th_sh(NULL, "rm -rf '%s'", dir);
	dir[0] = 0;
}

/* Print a file of the cluster's directory to stderr (a failure's evidence). */
static void show(const char *name)
{
	th_sh(NULL, "for f in %s/%s; do [ -f \"$f\" ] && { echo \"---- $f\"; tail -n 30 \"$f\"; }; done >&2", dir, name);
}

Test(slurm, the_readme_job_array_of_sweep_shards_merges_to_the_sweep_run_here, .fini = teardown)
{
	/* make test-slurm sets CAPSIM_REQUIRE_SLURM: there a skip is a failure */
	int required = getenv("CAPSIM_REQUIRE_SLURM") != NULL;
	if (getuid() != 0) {
		cr_assert(!required, "Slurm on localhost needs root");
		fprintf(stderr, "slurm: skipped: Slurm on localhost needs root\n");
		cr_skip_test("Slurm on localhost needs root (slurmd starts jobs as their user): not checked");
	}
	const char *miss = missing_program();
	if (miss) {
		cr_assert(!required, "%s is not installed (make slurm-deps)", miss);
		/* Criterion lists a skip only under --verbose: say it on stderr too */
		fprintf(stderr, "slurm: skipped: %s is not installed (make test-slurm installs Slurm and runs it)\n",
			miss);
		cr_skip_test("%s is not installed (make slurm-deps installs slurmctld slurmd slurm-client munge): "
			     "Slurm job arrays not checked",
			     miss);
	}

	char bin[4096];
	cr_assert_not_null(realpath(th_bin(), bin), "%s", th_bin());
	*strrchr(bin, '/') = 0; /* the directory put first in the jobs' PATH */
	snprintf(dir, sizeof dir, "/tmp/capsim-slurm-XXXXXX");
	th_mkdtemp(dir);

	double t0 = now_s();
	char *log;
	cluster_up = 1;
	int rc = th_sh(&log, "PATH=$PATH:/usr/sbin:/sbin sh '%s/tests/slurm/slurm-up.sh' '%s'", th_root(), dir);
	cr_assert_eq(rc, 0, "slurm-up.sh failed (%d):\n%s", rc, log);
	free(log);
	double t_up = now_s() - t0;

	/* The sweep: 2 scales x 2 policies x 2 seeds = 8 points of a day of
	 * the default workload at a fifth of its projects. */
	char path[300];
	th_in(path, sizeof path, dir, "spec.yaml");
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("workload: {generate: {days: 1, projects_scale: 0.2}}\n"
	      "scale: [{h100: 0.5}, {}]\n"
	      "policies: [{name: fcfs}, {name: easy}]\n"
	      "seeds: [1, 2]\n",
	      f);
	fclose(f);

	/* The README's job-array script, as printed there (the block that
	 * starts with #!/bin/sh), submitted with a smaller array and one CPU
	 * a task (command-line options override #SBATCH lines). */
	rc = th_sh(&log, "awk '/^```/ { if (on) exit; next } /^#!\\/bin\\/sh$/ { on = 1 } on' '%s/README.md' "
		   ">%s/sweep-shards.sbatch && grep -q '^#SBATCH --array' %s/sweep-shards.sbatch",
		   th_root(), dir, dir);
	cr_assert_eq(rc, 0, "README.md has no job-array script (a ```sh block starting #!/bin/sh): %s", log);
	free(log);
	/* docs/sweep-slurm.md explains the same script line by line: the same lines but its comments */
	rc = th_sh(&log, "awk '/^```/ { if (on) exit; next } /^#!\\/bin\\/sh$/ { on = 1 } on' "
		   "'%s/docs/sweep-slurm.md' | grep -v '^# ' | cmp - %s/sweep-shards.sbatch",
		   th_root(), dir);
	cr_assert_eq(rc, 0, "docs/sweep-slurm.md's job-array script is not README.md's: %s", log);
	free(log);

	/* Submitted as the README submits it: the array, then the merge after
	 * it (afterok on an array waits for all its tasks; too early, merge
	 * finds a point missing and fails). */
	t0 = now_s();
	char *id;
	rc = th_sh(&id, "cd %s && mkdir -p logs shards && PATH='%s':$PATH SLURM_CONF=%s/slurm.conf "
		     "sbatch --parsable --array=1-%d --cpus-per-task=1 sweep-shards.sbatch",
		   dir, bin, dir, TASKS);
	cr_assert_eq(rc, 0, "sbatch failed: %s", id);
	id[strcspn(id, "\n;")] = 0;
	cr_assert(id[0] && strspn(id, "0123456789") == strlen(id), "sbatch printed '%s', not a job id", id);
	char *mid;
	rc = th_sh(&mid, "cd %s && PATH='%s':$PATH SLURM_CONF=%s/slurm.conf sbatch --parsable "
		      "--dependency=afterok:%s --output=logs/merge.out "
		      "--wrap 'capsim sweep merge shards/* --out result'",
		   dir, bin, dir, id);
	cr_assert_eq(rc, 0, "sbatch failed: %s", mid);
	mid[strcspn(mid, "\n;")] = 0;

	/* squeue lists the jobs until the last ends */
	char *q = NULL;
	for (;;) {
		free(q);
		rc = th_sh(&q, "SLURM_CONF=%s/slurm.conf squeue -h -j %s,%s -o '%%i %%T'", dir, id, mid);
		cr_assert_eq(rc, 0, "squeue failed: %s", q);
		if (!q[0])
			break;
		if (now_s() - t0 > ARRAY_TIMEOUT_S) {
			show("logs/*.out");
			show("log/slurm*.log");
			cr_assert_fail("the jobs still run after %d s:\n%s", ARRAY_TIMEOUT_S, q);
		}
		usleep(200 * 1000);
	}
	free(q);
	double t_array = now_s() - t0;

	char *states;
	rc = th_sh(&states, "SLURM_CONF=%s/slurm.conf squeue -h -t all -j %s -o '%%K %%T' | sort -n", dir, id);
	cr_assert_eq(rc, 0, "squeue failed: %s", states);
	char want[128] = "";
	for (int t = 1; t <= TASKS; t++)
		snprintf(want + strlen(want), sizeof want - strlen(want), "%d COMPLETED\n", t);
	if (strcmp(states, want) != 0) {
		show("logs/*.out");
		show("log/slurmd.log");
	}
	cr_assert_str_eq(states, want, "the array's tasks ended so:\n%s", states);
	free(states);
	rc = th_sh(&states, "SLURM_CONF=%s/slurm.conf squeue -h -t all -j %s -o %%T", dir, mid);
	if (strcmp(states, "COMPLETED\n") != 0)
		show("logs/merge.out");
	cr_assert_str_eq(states, "COMPLETED\n", "the merge job ended so: %s", states);
	free(states);

	/* Each shard holds its slice (points K with K mod 3 = I - 1), and the
	 * merge is byte for byte the sweep run here on one machine. */
	static const char *const slices[TASKS] = { "000000 000003 000006", "000001 000004 000007",
						   "000002 000005" };
	for (int t = 1; t <= TASKS; t++) {
		char *ls;
		th_sh(&ls, "cd %s/shards/%d/points && ls | sed 's/.json$//' | paste -sd' '", dir, t);
		ls[strcspn(ls, "\n")] = 0;
		cr_assert_str_eq(ls, slices[t - 1], "shard %d/%d holds points %s", t, TASKS, ls);
		free(ls);
	}
	t0 = now_s();
	char spec[300], local[300], *out, *err;
	th_in(spec, sizeof spec, dir, "spec.yaml");
	th_in(local, sizeof local, dir, "local");
	rc = th_exec((const char *const[]){ "sweep", spec, "--out", local, "-j", "2", "--no-progress", NULL }, &out,
		     &err);
	cr_assert_eq(rc, 0, "%s", err);
	free(out), free(err);
	double t_local = now_s() - t0;
	th_in(path, sizeof path, dir, "result");
	static const char *const files[] = { "sweep.json", "results.csv", "results.json", "sweep.html",
					     "points/000000.json", "points/000007.json" };
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		cr_assert_gt(th_expect_same_file(path, local, files[i]), 100, "%s", files[i]);
	free(mid);

	/* Down, and nothing it started outlives it (the daemons remove their
	 * pid files as they exit: read them first). */
	char *pids;
	cr_assert_eq(th_sh(&pids, "cat %s/munge.pid %s/slurmctld.pid %s/slurmd.pid", dir, dir, dir), 0, "%s", pids);
	for (char *c = pids; *c; c++)
		*c = *c == '\n' ? ' ' : *c;
	t0 = now_s();
	cr_assert_eq(slurm_down(), 0, "slurm-down.sh failed");
	double t_down = now_s() - t0;
	char *left;
	/* alive: a State line (the process exists) that is not Z (a zombie
	 * init has not reaped yet), then the name (not a reused pid) */
	th_sh(&left, "for pid in %s; do s=$(grep -s '^State:' /proc/$pid/status) || continue; "
		  "case $s in *Z*) continue ;; esac; "
		  "grep -qsxE 'munged|slurmctld|slurmd' /proc/$pid/comm && echo $pid; done; true",
	   pids);
	cr_assert_str_empty(left, "still running after slurm-down.sh: %s", left);
	free(left);
	free(pids);
	fprintf(stderr, "slurm: up %.1f s, an 8-point sweep as a %d-task array and its merge %.1f s, "
			"the same sweep here (-j 2) %.1f s, down %.1f s\n",
		t_up, TASKS, t_array, t_local, t_down);
	free(id);
}
