/* capsim tests: a `capsim serve` and its clients (serve_client.h). */
#include "serve_client.h"
#include "helpers.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
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

void th_serve_start(th_server *s, const char *const *args)
{
	memset(s, 0, sizeof *s);
	snprintf(s->dir, sizeof s->dir, "/tmp/capsim-serve-XXXXXX");
	th_mkdtemp(s->dir);
	snprintf(s->sock, sizeof s->sock, "%s/s.sock", s->dir);
	snprintf(s->log, sizeof s->log, "%s/log", s->dir);
	char listen[160];
	snprintf(listen, sizeof listen, "unix:%s", s->sock);
	s->pid = fork();
	cr_assert(s->pid >= 0);
	if (s->pid == 0) {
		int fe = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0644), fi = open("/dev/null", O_RDWR);
		dup2(fi, 0);
		dup2(fi, 1);
		dup2(fe, 2);
		const char *argv[64];
		int n = 0;
		argv[n++] = th_bin();
		argv[n++] = "serve";
		argv[n++] = "--listen";
		argv[n++] = listen;
		for (size_t i = 0; args && args[i] && n < 63; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		execv(th_bin(), (char *const *)argv);
		_exit(127);
	}
	/* listening once the log says so (it binds, then tells) */
	for (int i = 0; i < 3000; i++) {
		char *log = th_slurp(s->log, NULL);
		int up = log && strstr(log, "listening on");
		free(log);
		if (up)
			return;
		int st;
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			char *l = th_slurp(s->log, NULL);
			cr_assert_fail("capsim serve exited (%d): %s", st, l ? l : "");
		}
		usleep(10000);
	}
	cr_assert_fail("capsim serve did not listen within 30 s");
}

int th_serve_stop(th_server *s)
{
	if (s->pid <= 0)
		return -1;
	kill(s->pid, SIGTERM);
	int st;
	waitpid(s->pid, &st, 0);
	s->pid = 0;
	/* under make asan the server is the sanitized binary: what its
	 * sanitizers said goes where run-asan looks for it */
	char *log = th_slurp(s->log, NULL);
	if (log && (strstr(log, "Sanitizer") || strstr(log, "runtime error:")))
		fprintf(stderr, "---- %s\n%s", s->log, log);
	free(log);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void th_serve_clean(th_server *s)
{
	if (s->pid > 0)
		th_serve_stop(s);
	th_sh(NULL, "rm -rf '%s'", s->dir);
}

int th_connect(const th_server *s)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert(fd >= 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof a.sun_path, "%.100s", s->sock);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0, "connect %s: %s", s->sock, strerror(errno));
	return fd;
}

void th_send(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t k = send(fd, buf, n, MSG_NOSIGNAL);
		cr_assert(k > 0, "send: %s", strerror(errno));
		buf += k;
		n -= (size_t)k;
	}
}

/* What was read past the last line returned, per descriptor (tests use a
 * few small ones). */
static struct pending {
	char *buf;
	size_t len, cap;
} pend[1024];

void th_disconnect(int fd)
{
	if (fd >= 0 && fd < 1024)
		pend[fd].len = 0;
	close(fd);
}

char *th_recv(int fd, int timeout_ms)
{
	cr_assert(fd >= 0 && fd < 1024);
	struct pending *p = &pend[fd];
	for (;;) {
		char *nl = p->len ? memchr(p->buf, '\n', p->len) : NULL;
		if (nl) {
			size_t k = (size_t)(nl - p->buf);
			char *line = malloc(k + 1);
			memcpy(line, p->buf, k);
			line[k] = 0;
			memmove(p->buf, nl + 1, p->len - k - 1);
			p->len -= k + 1;
			return line;
		}
		struct pollfd q = { fd, POLLIN, 0 };
		if (poll(&q, 1, timeout_ms) <= 0)
			return NULL;
		if (p->len + 65536 > p->cap) {
			p->cap = (p->len + 65536) * 2;
			p->buf = realloc(p->buf, p->cap);
		}
		ssize_t k = recv(fd, p->buf + p->len, 65536, 0);
		if (k <= 0) {
			p->len = 0;
			return NULL;
		}
		p->len += (size_t)k;
	}
}

char *th_request(int fd, const char *json)
{
	size_t n = strlen(json);
	char *line = malloc(n + 2);
	memcpy(line, json, n);
	line[n] = '\n';
	th_send(fd, line, n + 1);
	free(line);
	for (;;) {
		char *r = th_recv(fd, 60000);
		cr_assert_not_null(r, "no reply to %s", json);
		if (strncmp(r, "{\"event\"", 8) != 0)
			return r;
		free(r);
	}
}
