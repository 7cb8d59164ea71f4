/* capsim tests: a `capsim serve` started for a test, and a client of it
 * over its Unix socket (tests/serve_client.c). */
#ifndef CAPSIM_TESTS_SERVE_CLIENT_H
#define CAPSIM_TESTS_SERVE_CLIENT_H

#include <stddef.h>
#include <sys/types.h>

typedef struct th_server {
	pid_t pid;
	char dir[64];     /* a temporary directory: the socket, the log */
	char sock[128];
	char log[128];    /* its stderr */
} th_server;

/* Start `capsim serve --listen unix:DIR/s.sock ARGS...` (args
 * NULL-terminated) and wait until it listens. */
void th_serve_start(th_server *s, const char *const *args);
/* SIGTERM it and wait: its exit status (128 + signal if killed). The
 * directory stays (th_serve_clean removes it). */
int th_serve_stop(th_server *s);
void th_serve_clean(th_server *s);
/* A new connection (a file descriptor). */
int th_connect(const th_server *s);
/* Close a connection (and forget what was read of it). */
void th_disconnect(int fd);
/* Write all of buf[0..n). */
void th_send(int fd, const char *buf, size_t n);
/* One line from fd (without its '\n'; malloc'ed), or NULL at the end or
 * after timeout_ms without one. */
char *th_recv(int fd, int timeout_ms);
/* Send a request line and return the reply (the first line that is not
 * an event; malloc'ed), events before it skipped. */
char *th_request(int fd, const char *json);

#endif
