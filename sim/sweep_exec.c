/* capsim: a sweep's points run in parallel, each in a child process forked
 * from the sweep once it has read the spec, loaded the model and opened
 * the cluster, so a point pays none of that again (capsim/sweep.h; why
 * processes and not libuv's thread pool: docs/sweep.md). One libuv loop:
 * SIGCHLD reaps the children and a child's end starts the next point; a
 * timer reports progress every second. Which child ends first changes
 * nothing written: each point has its own file. */
#define _POSIX_C_SOURCE 200809L
#include "capsim/sweep.h"
#include "capsim/types.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

typedef struct child {
	pid_t pid; /* 0: the slot is free */
	size_t k;
} child;

typedef struct ex {
	uv_loop_t loop;
	uv_timer_t timer;
	uv_signal_t sigchld;
	cs_sweep_unit_fn run;
	cs_sweep_before_fn before;
	void *run_ctx;
	const char *unit;
	const size_t *todo;
	size_t ntodo, next, running, done;
	child *kids; /* jobs slots */
	int jobs, failed; /* failed: 2 a child exited 2 (bad input), 1 otherwise */
	char *err;
	size_t errlen;
	void (*progress)(void *ctx, const cs_sweep_progress *p);
	void *ctx;
	uint64_t t0_ms;
} ex;

static void report(ex *e, int final)
{
	if (!e->progress)
		return;
	cs_sweep_progress p = { .done = e->done, .total = e->ntodo, .final = final, .eta_s = -1 };
	p.elapsed_s = (double)(uv_now(&e->loop) - e->t0_ms) / 1000.0;
	if (e->done > 0)
		p.eta_s = p.elapsed_s / (double)e->done * (double)(e->ntodo - e->done);
	e->progress(e->ctx, &p);
}

static void stop_if_idle(ex *e)
{
	if (e->running == 0) {
		uv_timer_stop(&e->timer);
		uv_signal_stop(&e->sigchld);
	}
}

/* The child: back to the default SIGCHLD (its own children, the YAML
 * guard's, are waited for by pid), the unit, its status. exit, not _exit:
 * the sanitizers' leak check runs at exit (the parent flushed its stdio
 * before the fork, so nothing of the parent's is written twice). */
static void run_child(ex *e, size_t k)
{
	signal(SIGCHLD, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int status = e->run(e->run_ctx, k);
	fflush(NULL);
	exit(status);
}

static void launch(ex *e)
{
	while (!e->failed && e->running < (size_t)e->jobs && e->next < e->ntodo) {
		child *c = e->kids;
		while (c->pid)
			c++;
		size_t k = e->todo[e->next];
		char msg[CS_ERRLEN];
		int rc = e->before ? e->before(e->run_ctx, k, msg, sizeof msg) : 0;
		if (rc < 0) {
			e->failed = rc == -CS_EINVAL || rc == -CS_EPARSE ? 2 : 1;
			snprintf(e->err, e->errlen, "%s %zu: %s", e->unit, k, msg);
			break;
		}
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0)
			run_child(e, k);
		if (pid < 0) {
			e->failed = 1;
			snprintf(e->err, e->errlen, "cannot start a process for %s %zu: %s", e->unit, k, strerror(errno));
			break;
		}
		*c = (child){ .pid = pid, .k = k };
		e->next++;
		e->running++;
	}
	stop_if_idle(e);
}

static void ended(ex *e, child *c, int st)
{
	e->running--;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		e->done++;
	else if (!e->failed) {
		e->failed = WIFEXITED(st) && WEXITSTATUS(st) == 2 ? 2 : 1;
		if (WIFSIGNALED(st))
			snprintf(e->err, e->errlen, "%s %zu: its process was killed by signal %d", e->unit, c->k,
				 WTERMSIG(st));
		else
			snprintf(e->err, e->errlen, "%s %zu: its process failed (exit status %d; its message above)",
				 e->unit, c->k, WEXITSTATUS(st)); /* (waitpid reports no stops here) */
	}
	c->pid = 0;
}

/* SIGCHLD: reap each of our children that has ended (by pid: libuv's own
 * children, if any, are not ours to wait for). */
static void reap(uv_signal_t *h, int signum)
{
	(void)signum;
	ex *e = h->data;
	int any = 0;
	for (int i = 0; i < e->jobs; i++) {
		child *c = &e->kids[i];
		int st;
		if (c->pid && waitpid(c->pid, &st, WNOHANG) == c->pid) {
			ended(e, c, st);
			any = 1;
		}
	}
	if (any) {
		report(e, 0);
		launch(e);
	}
}

static void tick(uv_timer_t *t) { report(t->data, 0); }

int cs_sweep_exec(cs_sweep_unit_fn run, cs_sweep_before_fn before, void *run_ctx, const char *unit, const size_t *todo,
		  size_t ntodo, int jobs, void (*progress)(void *ctx, const cs_sweep_progress *p), void *ctx, size_t *ran,
		  char *err, size_t errlen)
{
	ex e = { .run = run, .before = before, .run_ctx = run_ctx, .unit = unit, .todo = todo, .ntodo = ntodo, .jobs = jobs > 0 ? jobs : 1,
		 .err = err, .errlen = errlen, .progress = progress, .ctx = ctx };
	*ran = 0;
	if (!(e.kids = calloc((size_t)e.jobs, sizeof *e.kids))) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	int rc = uv_loop_init(&e.loop);
	if (rc < 0) {
		free(e.kids);
		snprintf(err, errlen, "cannot start the event loop: %s", uv_strerror(rc));
		return -CS_EIO;
	}
	e.t0_ms = uv_now(&e.loop);
	uv_timer_init(&e.loop, &e.timer);
	e.timer.data = &e;
	uv_signal_init(&e.loop, &e.sigchld);
	e.sigchld.data = &e;
	/* before the first fork: a child ending at once still wakes the loop */
	uv_signal_start(&e.sigchld, reap, SIGCHLD);
	uv_timer_start(&e.timer, tick, 1000, 1000);
	report(&e, 0);
	launch(&e);
	uv_run(&e.loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&e.timer, NULL);
	uv_close((uv_handle_t *)&e.sigchld, NULL);
	uv_run(&e.loop, UV_RUN_DEFAULT);
	uv_loop_close(&e.loop);
	free(e.kids);
	report(&e, 1);
	*ran = e.done;
	return e.failed == 2 ? -CS_EINVAL : e.failed ? -CS_EIO : 0;
}
