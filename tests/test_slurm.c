/* A real one-node Slurm on localhost (tests/slurm/slurm-up.sh): a job
 * array whose tasks each generate and replay a workload with capsim gives,
 * task for task, byte-identical files to the same commands run here. The
 * planner's shards (capsim sweep --shard I/N) run on Slurm job arrays the
 * same way (docs/sweep-slurm.md). Needs root and Debian's slurmctld, slurmd,
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

Test(slurm, a_job_array_of_capsim_runs_matches_the_same_runs_here, .fini = teardown)
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
	snprintf(dir, sizeof dir, "/tmp/capsim-slurm-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));

	double t0 = now_s();
	char *log;
	cluster_up = 1;
	int rc = th_sh(&log, "PATH=$PATH:/usr/sbin:/sbin sh '%s/tests/slurm/slurm-up.sh' '%s'", th_root(), dir);
	cr_assert_eq(rc, 0, "slurm-up.sh failed (%d):\n%s", rc, log);
	free(log);
	double t_up = now_s() - t0;

	/* Each task: its array job id and its I/N (what capsim sweep --shard
	 * takes), a 2-day workload seeded by I, that workload replayed under
	 * EASY, all in tasks/I. */
	char script[256];
	snprintf(script, sizeof script, "%s/task.sh", dir);
	FILE *f = fopen(script, "w");
	cr_assert_not_null(f);
	fprintf(f,
		"#!/bin/sh\n"
		"set -eu\n"
		"d=%s/tasks/$SLURM_ARRAY_TASK_ID\n"
		"mkdir -p \"$d\"\n"
		"echo \"$SLURM_ARRAY_JOB_ID $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT\" >\"$d/task\"\n"
		"'%s' workload generate --seed \"$SLURM_ARRAY_TASK_ID\" --days 2 --out \"$d/workload.csv\"\n"
		"'%s' run --workload \"$d/workload.csv\" --policy easy --out \"$d/run\" --no-progress\n",
		dir, bin, bin);
	fclose(f);

	t0 = now_s();
	char *id;
	rc = th_sh(&id, "mkdir -p %s/tasks && SLURM_CONF=%s/slurm.conf sbatch --parsable --array=1-%d "
		     "--chdir=%s/tasks --output=%s/tasks/slurm-%%A_%%a.out %s",
		dir, dir, TASKS, dir, dir, script);
	cr_assert_eq(rc, 0, "sbatch failed: %s", id);
	id[strcspn(id, "\n;")] = 0;
	cr_assert(id[0] && strspn(id, "0123456789") == strlen(id), "sbatch printed '%s', not a job id", id);

	/* The stand-in for capsim sweep merge, as docs/sweep-slurm.md submits
	 * it: a job after the whole array (afterok), joining the tasks' files
	 * in task order; too early, it finds one missing and fails. */
	char cat[512] = "cat";
	for (int t = 1; t <= TASKS; t++)
		snprintf(cat + strlen(cat), sizeof cat - strlen(cat), " %d/run/jobs.csv", t);
	char *mid;
	rc = th_sh(&mid, "SLURM_CONF=%s/slurm.conf sbatch --parsable --dependency=afterok:%s --chdir=%s/tasks "
		      "--output=%s/tasks/merge.out --wrap '%s >../merged.csv'",
		dir, id, dir, dir, cat);
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
			show("tasks/slurm-*.out");
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
		show("tasks/slurm-*.out");
		show("log/slurmd.log");
	}
	cr_assert_str_eq(states, want, "the array's tasks ended so:\n%s", states);
	free(states);
	rc = th_sh(&states, "SLURM_CONF=%s/slurm.conf squeue -h -t all -j %s -o %%T", dir, mid);
	if (strcmp(states, "COMPLETED\n") != 0)
		show("tasks/merge.out");
	cr_assert_str_eq(states, "COMPLETED\n", "the merge job ended so: %s", states);
	free(states);

	/* The same commands here, and each task's files against them. */
	t0 = now_s();
	for (int t = 1; t <= TASKS; t++) {
		char tdir[256], ldir[256], w[300], o[300], seed[16], path[300];
		snprintf(tdir, sizeof tdir, "%s/tasks/%d", dir, t);
		snprintf(ldir, sizeof ldir, "%s/local/%d", dir, t);
		cr_assert_eq(th_sh(NULL, "mkdir -p %s", ldir), 0);
		snprintf(w, sizeof w, "%s/workload.csv", ldir);
		snprintf(o, sizeof o, "%s/run", ldir);
		snprintf(seed, sizeof seed, "%d", t);
		char *out, *err;
		rc = th_exec((const char *const[]){ "workload", "generate", "--seed", seed, "--days", "2", "--out", w,
						    NULL },
			     &out, &err);
		cr_assert_eq(rc, 0, "%s", err);
		free(out), free(err);
		rc = th_exec((const char *const[]){ "run", "--workload", w, "--policy", "easy", "--out", o,
						    "--no-progress", NULL },
			     &out, &err);
		cr_assert_eq(rc, 0, "%s", err);
		free(out), free(err);

		snprintf(path, sizeof path, "%s/task", tdir);
		char *task = th_slurp(path, NULL), line[64];
		cr_assert_not_null(task, "task %d wrote no %s", t, path);
		snprintf(line, sizeof line, "%s %d/%d\n", id, t, TASKS); /* docs/sweep-slurm.md's --shard I/N */
		cr_assert_str_eq(task, line, "task %d of array %s", t, id);
		free(task);
		cr_assert_gt(th_expect_same_file(tdir, ldir, "workload.csv"), 10000, "task %d", t);
		cr_assert_gt(th_expect_same_file(tdir, ldir, "run/jobs.csv"), 10000, "task %d", t);
	}
	double t_local = now_s() - t0;
	char *diff;
	rc = th_sh(&diff, "cd %s/local && %s | cmp - %s/merged.csv", dir, cat, dir);
	cr_assert_eq(rc, 0, "the merge job's file is not the tasks' jobs.csv in order: %s", diff);
	free(diff);
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
	fprintf(stderr, "slurm: up %.1f s, %d-task array and its merge %.1f s, the same runs here %.1f s, down %.1f s\n", t_up,
		TASKS, t_array, t_local, t_down);
	free(id);
}
