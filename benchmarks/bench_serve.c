/* capsim benchmark: `capsim serve` (docs/serve.md) over a Unix socket.
 *
 * A server ($CAPSIM_BIN, default build/capsim, policy easy, the default
 * cluster) is started for each figure; 1, 10 and 100 clients each keep one
 * request outstanding (the next sent when its reply is in), from one
 * thread polling them all:
 *  - submissions: `submit` of one 1-GPU job (submitted for a time far
 *    ahead, so nothing is scheduled), 20,000 in all;
 *  - scheduling round trips: `step` on a run of 20,000 jobs submitted
 *    beforehand (ten seconds apart): each step handles the next event time
 *    and its EASY pass, then replies; 5,000 in all (the first, which
 *    builds the run, not timed);
 *  - an external scheduler's passes (--external): the scheduler answers
 *    each pass's event with one decide (start the queue's jobs in order,
 *    stop at the first refused), 5,000 passes, one scheduler client.
 * Baseline alongside: the same work in-process on a cs_live (cs_live_submit,
 * cs_live_advance to the next event, cs_live_decide), no socket, no JSON,
 * best of 3. The ratio is in-process rate / socket rate.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "capsim/live.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSUBMIT 20000
#define NJOBS 20000
#define NSTEPS 5000
#define NPASSES 5000

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_serve: %s\n", what);
	exit(1);
}

/* --- the server --- */

static char bin[4096], dir[64], sock[128];
static pid_t server;

static void serve(const char *const *extra)
{
	snprintf(dir, sizeof dir, "/tmp/capsim-bench-serve-XXXXXX");
	if (!mkdtemp(dir))
		die("mkdtemp");
	snprintf(sock, sizeof sock, "%s/s.sock", dir);
	char listen[160], log[128];
	snprintf(listen, sizeof listen, "unix:%s", sock);
	snprintf(log, sizeof log, "%s/log", dir);
	server = fork();
	if (server == 0) {
		int fe = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fe, 2);
		const char *argv[16] = { bin, "serve", "--listen", listen };
		int n = 4;
		for (; extra[n - 4]; n++)
			argv[n] = extra[n - 4];
		argv[n] = NULL;
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 3000; i++) {
		if (access(sock, F_OK) == 0)
			return;
		usleep(10000);
	}
	die("the server did not listen");
}

static void unserve(void)
{
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		die("rm");
}

/* --- clients --- */

typedef struct conn {
	int fd;
	char *buf;
	size_t len, cap;
} conn;

static conn connect_one(void)
{
	conn c = { .fd = socket(AF_UNIX, SOCK_STREAM, 0), .cap = 1 << 16 };
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof a.sun_path, "%.100s", sock);
	if (c.fd < 0 || connect(c.fd, (struct sockaddr *)&a, sizeof a) < 0 || !(c.buf = malloc(c.cap)))
		die("connect");
	return c;
}

static void send_all(const conn *c, const char *s, size_t n)
{
	while (n) {
		ssize_t k = send(c->fd, s, n, MSG_NOSIGNAL);
		if (k <= 0)
			die("send");
		s += k;
		n -= (size_t)k;
	}
}

/* Read what is there; then the next whole line (into line, NUL-terminated), 1 if there was one. */
static int next_line(conn *c, char *line, size_t max, int block)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		if (nl) {
			size_t k = (size_t)(nl - c->buf);
			if (k >= max)
				die("reply too long");
			memcpy(line, c->buf, k);
			line[k] = 0;
			memmove(c->buf, nl + 1, c->len - k - 1);
			c->len -= k + 1;
			return 1;
		}
		if (c->len + 65536 > c->cap && !(c->buf = realloc(c->buf, c->cap *= 2)))
			die("realloc");
		ssize_t k = recv(c->fd, c->buf + c->len, 65536, block ? 0 : MSG_DONTWAIT);
		if (k == 0)
			die("the server closed a connection");
		if (k < 0) {
			if (!block && (errno == EAGAIN || errno == EWOULDBLOCK))
				return 0;
			die("recv");
		}
		c->len += (size_t)k;
	}
}

/* n clients, each with one request outstanding, until total requests are
 * answered: make(i, buf) writes request i; the wall time. */
static double lockstep(int nclients, int total, void (*make)(int i, char *buf, size_t len))
{
	conn *c = calloc((size_t)nclients, sizeof *c);
	struct pollfd *p = calloc((size_t)nclients, sizeof *p);
	char req[512], *line = malloc(1 << 20);
	if (!c || !p || !line)
		die("out of memory");
	for (int i = 0; i < nclients; i++) {
		c[i] = connect_one();
		p[i] = (struct pollfd){ c[i].fd, POLLIN, 0 };
	}
	int sent = 0, done = 0;
	double t0 = now_s();
	for (int i = 0; i < nclients && sent < total; i++, sent++) {
		make(sent, req, sizeof req);
		send_all(&c[i], req, strlen(req));
	}
	while (done < total) {
		if (poll(p, (nfds_t)nclients, 60000) <= 0)
			die("no reply in 60 s");
		for (int i = 0; i < nclients; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			while (next_line(&c[i], line, 1 << 20, 0)) {
				if (strstr(line, "\"error\""))
					die(line);
				done++;
				if (sent < total) {
					make(sent++, req, sizeof req);
					send_all(&c[i], req, strlen(req));
				}
			}
		}
	}
	double t = now_s() - t0;
	for (int i = 0; i < nclients; i++) {
		close(c[i].fd);
		free(c[i].buf);
	}
	free(c);
	free(p);
	free(line);
	return t;
}

static void submit_req(int i, char *buf, size_t len)
{
	snprintf(buf, len, "{\"id\":%d,\"op\":\"submit\",\"job\":{\"submit\":1000000000,\"nodes\":1,\"gpus_per_node\":1,"
			   "\"cores_per_node\":4,\"runtime\":600,\"time_limit\":900,\"partition\":\"h100\"}}\n", i);
}

static void step_req(int i, char *buf, size_t len) { snprintf(buf, len, "{\"id\":%d,\"op\":\"step\"}\n", i); }

/* The jobs the steps run over: one every 10 s, 1 to 4 GPUs, 10 to 60
 * minutes (about 60 % of the default cluster's H100s: a short queue). */
static cs_live_job bench_job(int i)
{
	return (cs_live_job){ .id = i + 1, .submit_s = 10 * (cs_time)i, .nodes = 1, .gpus_per_node = 1 + (uint32_t)(i % 4),
			      .cores_per_node = 4, .runtime_s = 600 + i * 37 % 3000, .time_limit_s = 3600,
			      .partition = "h100" };
}

/* The NJOBS jobs in one submit request; with step, a step after it (the
 * run built before the timing starts). */
static void submit_jobs(int step)
{
	conn c = connect_one();
	size_t cap = 64 + (size_t)NJOBS * 160, w;
	char *req = malloc(cap), *line = malloc(1 << 22);
	if (!req || !line)
		die("out of memory");
	w = (size_t)snprintf(req, cap, "{\"id\":0,\"op\":\"submit\",\"jobs\":[");
	for (int i = 0; i < NJOBS; i++) {
		cs_live_job j = bench_job(i);
		w += (size_t)snprintf(req + w, cap - w, "%s{\"id\":%lld,\"submit\":%lld,\"nodes\":1,\"gpus_per_node\":%u,"
				      "\"cores_per_node\":4,\"runtime\":%lld,\"time_limit\":3600,\"partition\":\"h100\"}",
				      i ? "," : "", (long long)j.id, (long long)j.submit_s, j.gpus_per_node,
				      (long long)j.runtime_s);
	}
	w += (size_t)snprintf(req + w, cap - w, "]}\n%s", step ? "{\"id\":1,\"op\":\"step\"}\n" : "");
	send_all(&c, req, w);
	for (int k = 0; k < 1 + step; k++)
		if (!next_line(&c, line, 1 << 22, 1) || strstr(line, "\"error\""))
			die(line);
	close(c.fd);
	free(c.buf);
	free(req);
	free(line);
}

/* --- in process --- */

static cs_live *live(int external)
{
	cs_live_opts o;
	cs_live_opts_default(&o);
	o.external = external;
	cs_live *L;
	char err[CS_ERRLEN];
	if (cs_live_new(&L, &o, err, sizeof err) < 0)
		die(err);
	return L;
}

static double inproc_submit(void)
{
	cs_live *L = live(0);
	char err[CS_ERRLEN];
	double t0 = now_s();
	for (int i = 0; i < NSUBMIT; i++) {
		cs_live_job j = { .id = -1, .submit_s = 1000000000, .nodes = 1, .gpus_per_node = 1, .cores_per_node = 4,
				  .runtime_s = 600, .time_limit_s = 900, .partition = "h100" };
		int64_t id;
		if (cs_live_submit(L, &j, &id, err, sizeof err) < 0)
			die(err);
	}
	double t = now_s() - t0;
	cs_live_free(L);
	return t;
}

static void step(cs_live *L)
{
	char err[CS_ERRLEN];
	cs_time t;
	if (cs_live_next_event(L, &t, err, sizeof err) < 0 || t == CS_TIME_MAX || cs_live_advance(L, t + 1, err, sizeof err) < 0)
		die("in-process step");
}

/* A live run with the NJOBS jobs submitted. */
static cs_live *live_with_jobs(int external)
{
	cs_live *L = live(external);
	char err[CS_ERRLEN];
	for (int i = 0; i < NJOBS; i++) {
		cs_live_job j = bench_job(i);
		int64_t id;
		if (cs_live_submit(L, &j, &id, err, sizeof err) < 0)
			die(err);
	}
	return L;
}

static double inproc_steps(void)
{
	cs_live *L = live_with_jobs(0);
	step(L); /* builds the run */
	double t0 = now_s();
	for (int i = 0; i < NSTEPS; i++)
		step(L);
	double t = now_s() - t0;
	cs_live_free(L);
	return t;
}

/* --- an external scheduler --- */

/* What the scheduler sends for a pass: the queue's jobs started in order,
 * to the first refused. */
static size_t decide_for(const char *event, char *req, size_t cap)
{
	size_t w = (size_t)snprintf(req, cap, "{\"id\":\"d\",\"op\":\"decide\",\"stop_at_refusal\":true,\"decisions\":[");
	const char *q = strstr(event, "\"queue\":[");
	int first = 1;
	for (const char *p = q; p && (p = strstr(p, "{\"job\":")) && w + 64 < cap; p += 7) {
		w += (size_t)snprintf(req + w, cap - w, "%s{\"start\":%ld}", first ? "" : ",", strtol(p + 7, NULL, 10));
		first = 0;
	}
	w += (size_t)snprintf(req + w, cap - w, "]}\n");
	return w;
}

static double external_passes(int *passes)
{
	submit_jobs(0);
	conn s = connect_one();
	char *line = malloc(1 << 22), *req = malloc(1 << 20);
	if (!line || !req)
		die("out of memory");
	send_all(&s, "{\"id\":\"s\",\"op\":\"scheduler\"}\n", 28);
	conn drv = connect_one();
	send_all(&drv, "{\"id\":\"t\",\"op\":\"run_until\",\"time\":4611686018427387904}\n", 55);
	double t0 = 0;
	int n = 0;
	while (n <= NPASSES) {
		if (!next_line(&s, line, 1 << 22, 1))
			die("scheduler");
		if (strncmp(line, "{\"event\":\"schedule\"", 19) != 0)
			continue;
		if (n == 0)
			t0 = now_s();
		n++;
		send_all(&s, req, decide_for(line, req, 1 << 20));
	}
	double t = now_s() - t0;
	*passes = n - 1;
	close(s.fd);
	close(drv.fd);
	free(s.buf);
	free(drv.buf);
	free(line);
	free(req);
	return t;
}

static double inproc_passes(void)
{
	cs_live *L = live_with_jobs(1);
	char err[CS_ERRLEN];
	int64_t *ids = malloc((NJOBS + 1) * sizeof *ids);
	cs_live_decision *d = malloc((NJOBS + 1) * sizeof *d);
	uint8_t *ok = malloc(NJOBS + 1);
	char(*why)[CS_ERRLEN] = malloc((NJOBS + 1) * sizeof *why);
	if (!ids || !d || !ok || !why)
		die("out of memory");
	double t0 = 0;
	for (int n = 0; n <= NPASSES;) {
		int rc = cs_live_waiting_pass(L) ? 1 : cs_live_advance(L, (cs_time)1 << 62, err, sizeof err);
		if (rc < 0)
			die(err);
		if (rc == 0)
			die("the run ended before the passes");
		if (n++ == 0)
			t0 = now_s();
		size_t k = cs_live_waiting(L, ids, NJOBS);
		for (size_t i = 0; i < k; i++)
			d[i] = (cs_live_decision){ .verb = CS_LIVE_START, .id = ids[i] };
		if (cs_live_decide(L, d, k, 1, 1, ok, why, err, sizeof err) < 0)
			die(err);
	}
	double t = now_s() - t0;
	free(ids);
	free(d);
	free(ok);
	free(why);
	cs_live_free(L);
	return t;
}

static double best_of_3(double (*f)(void))
{
	double best = f();
	for (int k = 0; k < 2; k++) {
		double t = f();
		best = t < best ? t : best;
	}
	return best;
}

int main(int argc, char **argv)
{
	(void)argc;
	const char *b = getenv("CAPSIM_BIN");
	if (b)
		snprintf(bin, sizeof bin, "%s", b);
	else {
		char self[4096];
		snprintf(self, sizeof self, "%s", argv[0]);
		snprintf(bin, sizeof bin, "%s/../capsim", dirname(self));
	}
	if (access(bin, X_OK) != 0) {
		fprintf(stderr, "bench_serve: %s: not found (build it, or set CAPSIM_BIN)\n", bin);
		return 1;
	}
	/* the NJOBS jobs go in one request: a line of about 2.5 MB */
	static const char *const easy[] = { "--policy", "easy", "--max-line", "16777216", NULL };
	static const char *const ext[] = { "--external", "--max-line", "16777216", NULL };
	static const int clients[] = { 1, 10, 100 };

	printf("bench_serve: capsim serve on a Unix socket (default cluster), each client one request at a time\n");
	double base = NSUBMIT / best_of_3(inproc_submit);
	printf("\nsubmissions (one 1-GPU job a request, %d in all): in-process cs_live_submit %.0f /s\n", NSUBMIT, base);
	printf("%8s %14s %10s\n", "clients", "submits/s", "ratio");
	for (int k = 0; k < 3; k++) {
		serve(easy);
		double r = NSUBMIT / lockstep(clients[k], NSUBMIT, submit_req);
		unserve();
		printf("%8d %14.0f %10.1f\n", clients[k], r, base / r);
	}
	base = NSTEPS / best_of_3(inproc_steps);
	printf("\nscheduling round trips (step: the next event time and its EASY pass, %d jobs, %d steps):\n"
	       "in-process cs_live_advance %.0f /s\n", NJOBS, NSTEPS, base);
	printf("%8s %14s %10s\n", "clients", "steps/s", "ratio");
	for (int k = 0; k < 3; k++) {
		serve(easy);
		submit_jobs(1);
		double r = NSTEPS / lockstep(clients[k], NSTEPS, step_req);
		unserve();
		printf("%8d %14.0f %10.1f\n", clients[k], r, base / r);
	}
	base = NPASSES / best_of_3(inproc_passes);
	serve(ext);
	int np;
	double t = external_passes(&np);
	unserve();
	printf("\nan external scheduler's passes (schedule event, decide, reply; %d passes):\n"
	       "in-process cs_live_decide %.0f /s, over the socket %.0f /s, ratio %.1f\n", np, base, np / t,
	       base / (np / t));
	return 0;
}
