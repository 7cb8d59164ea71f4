/* capsim: a sweep's points run in parallel, each in a worker process that
 * libuv spawns and supervises (capsim/sweep.h; why processes and not
 * libuv's thread pool: docs/sweep.md). One loop: a worker's exit starts
 * the next point; a timer reports progress every second. Which worker
 * ends first changes nothing written: each point has its own file. */
#include "capsim/sweep.h"
#include "capsim/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

typedef struct ex {
	uv_loop_t loop;
	uv_timer_t timer;
	const char *const *argv;
	size_t argc;
	const char *flag;
	const size_t *todo;
	size_t ntodo, next, running, done;
	int jobs, failed; /* failed: 2 a worker exited 2 (bad input), 1 otherwise */
	char *err;
	size_t errlen;
	void (*progress)(void *ctx, const cs_sweep_progress *p);
	void *ctx;
	uint64_t t0_ms;
} ex;

typedef struct worker {
	uv_process_t proc;
	ex *e;
	size_t k;
} worker;

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

static void closed(uv_handle_t *h) { free(h->data); }

static void launch(ex *e);

static void exited(uv_process_t *proc, int64_t status, int term_signal)
{
	worker *w = proc->data;
	ex *e = w->e;
	e->running--;
	if (status == 0 && term_signal == 0)
		e->done++;
	else if (!e->failed) {
		e->failed = status == 2 ? 2 : 1;
		if (term_signal)
			snprintf(e->err, e->errlen, "%s %zu: its worker was killed by signal %d", e->flag + 2, w->k,
				 term_signal);
		else
			snprintf(e->err, e->errlen, "%s %zu: its worker failed (exit status %lld; its message above)",
				 e->flag + 2, w->k, (long long)status);
	}
	uv_close((uv_handle_t *)proc, closed);
	report(e, 0);
	launch(e);
}

static void launch(ex *e)
{
	while (!e->failed && e->running < (size_t)e->jobs && e->next < e->ntodo) {
		worker *w = calloc(1, sizeof *w);
		char kbuf[32];
		const char **args = calloc(e->argc + 3, sizeof *args);
		if (!w || !args) {
			free(w);
			free(args);
			e->failed = 1;
			snprintf(e->err, e->errlen, "out of memory");
			break;
		}
		w->e = e;
		w->k = e->todo[e->next];
		snprintf(kbuf, sizeof kbuf, "%zu", w->k);
		memcpy(args, e->argv, e->argc * sizeof *args);
		args[e->argc] = e->flag;
		args[e->argc + 1] = kbuf;
		uv_stdio_container_t io[3] = {
			{ .flags = UV_IGNORE }, { .flags = UV_INHERIT_FD, .data.fd = 1 }, { .flags = UV_INHERIT_FD, .data.fd = 2 }
		};
		uv_process_options_t o = { .exit_cb = exited, .file = args[0], .args = (char **)args,
					   .stdio = io, .stdio_count = 3 };
		w->proc.data = w;
		int rc = uv_spawn(&e->loop, &w->proc, &o);
		free(args);
		if (rc < 0) {
			e->failed = 1;
			snprintf(e->err, e->errlen, "%s: cannot start a worker: %s", e->argv[0], uv_strerror(rc));
			uv_close((uv_handle_t *)&w->proc, closed);
			break;
		}
		e->next++;
		e->running++;
	}
	if (e->running == 0)
		uv_timer_stop(&e->timer);
}

static void tick(uv_timer_t *t) { report(t->data, 0); }

int cs_sweep_exec(const char *const *argv, size_t argc, const char *flag, const size_t *todo, size_t ntodo, int jobs,
		  void (*progress)(void *ctx, const cs_sweep_progress *p), void *ctx, size_t *ran, char *err,
		  size_t errlen)
{
	ex e = { .argv = argv, .argc = argc, .flag = flag, .todo = todo, .ntodo = ntodo, .jobs = jobs > 0 ? jobs : 1, .err = err,
		 .errlen = errlen, .progress = progress, .ctx = ctx };
	*ran = 0;
	int rc = uv_loop_init(&e.loop);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start the event loop: %s", uv_strerror(rc));
		return -CS_EIO;
	}
	e.t0_ms = uv_now(&e.loop);
	uv_timer_init(&e.loop, &e.timer);
	e.timer.data = &e;
	uv_timer_start(&e.timer, tick, 1000, 1000);
	report(&e, 0);
	launch(&e);
	uv_run(&e.loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&e.timer, NULL);
	uv_run(&e.loop, UV_RUN_DEFAULT);
	uv_loop_close(&e.loop);
	report(&e, 1);
	*ran = e.done;
	return e.failed == 2 ? -CS_EINVAL : e.failed ? -CS_EIO : 0;
}
