/* capsim serve --follow against a real one-node Slurm on localhost
 * (tests/slurm/slurm-up.sh): jobs submitted there with sbatch, the twin
 * shows the same running and pending jobs as squeue, answers what-if about
 * them, and follows a cancellation. Needs root and Debian's slurmctld,
 * slurmd, slurm-client and munge (make slurm-deps); skipped without them,
 * as tests/test_slurm.c is. Whatever the test started is stopped in its
 * .fini. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "serve_client.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static char dir[64];   /* the cluster's directory, "" when none */
static int cluster_up; /* slurm-up.sh ran: slurm-down.sh owes a run */
static th_server srv;

static void teardown(void)
{
	if (srv.pid > 0)
		th_serve_clean(&srv);
	if (cluster_up)
		th_sh(NULL, "sh '%s/tests/slurm/slurm-down.sh' '%s' >&2", th_root(), dir);
	cluster_up = 0;
	if (dir[0])
		th_sh(NULL, "rm -rf '%s'", dir);
	dir[0] = 0;
}

static void skip_without_slurm(void)
{
	int required = getenv("CAPSIM_REQUIRE_SLURM") != NULL;
	if (getuid() != 0) {
		cr_assert(!required, "Slurm on localhost needs root");
		fprintf(stderr, "serve_slurm: skipped: Slurm on localhost needs root\n");
		cr_skip_test("Slurm on localhost needs root: the twin not checked");
	}
	static const char *const need[] = { "munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel" };
	for (size_t i = 0; i < sizeof need / sizeof *need; i++)
		if (th_sh(NULL, "PATH=$PATH:/usr/sbin:/sbin command -v %s", need[i]) != 0) {
			cr_assert(!required, "%s is not installed (make slurm-deps)", need[i]);
			fprintf(stderr, "serve_slurm: skipped: %s is not installed (make test-slurm installs Slurm)\n",
				need[i]);
			cr_skip_test("%s is not installed: the twin not checked", need[i]);
		}
}

/* squeue's job ids in state st ("RUNNING", "PENDING"), ascending, as "1 2 ". */
static void slurm_ids(const char *st, char *buf, size_t len)
{
	char *out;
	cr_assert_eq(th_sh(&out, "squeue -h -t %s -o %%i | sort -n | tr '\\n' ' '", st), 0);
	snprintf(buf, len, "%s", out);
	free(out);
}

/* The twin's ids of the jobs in its queue reply's list `key`, as "1 2 ". */
static void twin_ids(const char *reply, const char *key, char *buf, size_t len)
{
	char k[32];
	snprintf(k, sizeof k, "\"%s\":[", key);
	const char *p = strstr(reply, k);
	cr_assert_not_null(p, "%s", reply);
	p += strlen(k);
	size_t w = 0;
	buf[0] = 0;
	int depth = 1;
	for (; *p && depth; p++) {
		if (*p == '[' || *p == '{')
			depth++;
		else if (*p == ']' || *p == '}')
			depth--;
		else if (depth == 2 && strncmp(p, "\"job\":", 6) == 0)
			w += (size_t)snprintf(buf + w, len - w, "%ld ", strtol(p + 6, NULL, 10));
	}
}

/* Poll the twin until its running and pending jobs are squeue's (the
 * twin reads squeue every second): 1 when they are, 0 after 20 s. */
static int twin_matches(int fd, char *why, size_t len)
{
	char sr[200], sp[200], tr[200], tp[200];
	for (int i = 0; i < 100; i++) {
		slurm_ids("RUNNING", sr, sizeof sr);
		slurm_ids("PENDING", sp, sizeof sp);
		char *q = th_request(fd, "{\"id\":1,\"op\":\"queue\"}");
		twin_ids(q, "running", tr, sizeof tr);
		twin_ids(q, "waiting", tp, sizeof tp);
		free(q);
		snprintf(why, len, "squeue: running '%s' pending '%s'; twin: running '%s' waiting '%s'", sr, sp, tr, tp);
		if (strcmp(sr, tr) == 0 && strcmp(sp, tp) == 0)
			return 1;
		usleep(200000);
	}
	return 0;
}

Test(serve_slurm, the_twin_shows_the_real_queue_and_running_set, .fini = teardown)
{
	skip_without_slurm();
	snprintf(dir, sizeof dir, "/tmp/capsim-twin-XXXXXX");
	th_mkdtemp(dir);
	char *log, conf[128];
	cluster_up = 1;
	int rc = th_sh(&log, "PATH=$PATH:/usr/sbin:/sbin sh '%s/tests/slurm/slurm-up.sh' '%s'", th_root(), dir);
	cr_assert_eq(rc, 0, "slurm-up.sh failed (%d):\n%s", rc, log);
	free(log);
	th_in(conf, sizeof conf, dir, "slurm.conf");
	setenv("SLURM_CONF", conf, 1);
	/* one CPU each for 3 minutes, sleeping longer: on the node's CPUs (as
	 * `slurmd -C` found them) the first ones run, the rest wait */
	char *out;
	cr_assert_eq(th_sh(&out, "nproc"), 0);
	int cpus = atoi(out);
	free(out);
	for (int i = 0; i < cpus + 2; i++)
		cr_assert_eq(th_sh(NULL, "sbatch -Q --time=3 -o /dev/null --chdir=/tmp --wrap 'sleep 300'"), 0);
	/* Slurm's scheduler starts the first ones within a few seconds */
	char sr[256] = "";
	for (int i = 0; i < 200 && !strchr(sr, ' '); i++) {
		usleep(100000);
		slurm_ids("RUNNING", sr, sizeof sr);
	}
	cr_assert(strchr(sr, ' '), "no job started on the Slurm");

	th_serve_start(&srv, ARGS("--cluster", conf, "--policy", "fcfs", "--follow", "squeue", "--interval", "1"));
	int fd = th_connect(&srv);
	char why[1024];
	cr_assert(twin_matches(fd, why, sizeof why), "%s", why);

	/* what-if: a 1-CPU job of 1 minute waits behind the two pending ones
	 * (FCFS); they start as the running ones reach their 3-minute limits
	 * (the twin's ends) and take 3 minutes each: worked out here from the
	 * running jobs' ends, each CPU free at the earliest one not taken */
	char *q = th_request(fd, "{\"id\":2,\"op\":\"queue\"}");
	long free_at[64];
	int nf = 0;
	for (char *p = strstr(q, "\"running\":["); p && (p = strstr(p, "\"end\":")) && nf < 64; p += 6)
		free_at[nf++] = strtol(p + 6, NULL, 10);
	free(q);
	cr_assert_eq(nf, cpus);
	long p2 = 0;
	for (int k = 0; k < 3; k++) {
		int m = 0; /* the earliest free CPU */
		for (int i = 1; i < nf; i++)
			if (free_at[i] < free_at[m])
				m = i;
		long start = k == 2 && free_at[m] < p2 ? p2 : free_at[m];
		if (k == 2) {
			char *w = th_request(fd, "{\"id\":3,\"op\":\"whatif\",\"job\":{\"nodes\":1,\"cores_per_node\":1,"
						 "\"runtime\":60,\"time_limit\":60,\"partition\":\"test\"}}");
			char *st = strstr(w, "\"start\":");
			cr_assert_not_null(st, "%s", w);
			cr_assert_eq(strtol(st + 8, NULL, 10), start, "%s: expected to start at %ld", w, start);
			free(w);
		}
		p2 = start;
		free_at[m] = start + 180;
	}

	/* cancelled there, gone here at the next poll */
	char pending[200];
	slurm_ids("PENDING", pending, sizeof pending);
	cr_assert_eq(th_sh(NULL, "scancel %ld", strtol(pending, NULL, 10)), 0);
	cr_assert(twin_matches(fd, why, sizeof why), "%s", why);
	cr_assert(!strstr(why, "running '' "), "%s", why);
	th_disconnect(fd);
	cr_assert_eq(th_serve_stop(&srv), 0);
	th_sh(NULL, "scancel --user=root");
	unsetenv("SLURM_CONF");
}
