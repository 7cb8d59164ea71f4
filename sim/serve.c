/* capsim: a live run behind sockets (capsim/serve.h): one libuv loop, its
 * listeners (TCP and Unix), its clients with their line buffers and
 * bounded output, the signals that stop it, the timer of real-time mode.
 * What a line asks for is serve_proto.c's. */
#include "capsim/report.h"
#include "serve_int.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cs_serve_opts_default(cs_serve_opts *o)
{
	memset(o, 0, sizeof *o);
	o->max_line = CS_SERVE_MAX_LINE;
	o->out_soft = CS_SERVE_OUT_SOFT;
	o->out_hard = CS_SERVE_OUT_HARD;
	o->max_clients = CS_SERVE_MAX_CLIENTS;
	o->tick_ms = CS_SERVE_TICK_MS;
	o->follow_s = 10;
	o->log = stderr;
}

static void say(const srv *S, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const srv *S, const char *fmt, ...)
{
	if (!S->o->log)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("capsim serve: ", S->o->log);
	vfprintf(S->o->log, fmt, ap);
	fputc('\n', S->o->log);
	fflush(S->o->log);
	va_end(ap);
}

/* --- clients --- */

static void on_closed(uv_handle_t *h)
{
	client *c = h->data;
	free(c->buf);
	free(c);
}

void cs_srv_drop(client *c, const char *why)
{
	if (c->closing)
		return;
	srv *S = c->S;
	c->closing = 1;
	if (why)
		say(S, "a client dropped: %s", why);
	cs_srv_forget(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		S->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	S->nclients--;
	uv_close((uv_handle_t *)&c->h.s, on_closed);
}

typedef struct wreq {
	uv_write_t w;
	client *c;
	size_t n;
	char data[];
} wreq;

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b);
static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b);

static void on_written(uv_write_t *w, int status)
{
	wreq *r = (wreq *)w;
	client *c = r->c;
	c->out -= r->n;
	free(r);
	if (status < 0) {
		if (status != UV_ECANCELED)
			cs_srv_drop(c, uv_strerror(status));
		return;
	}
	/* back-pressure off once half of the limit is sent */
	if (c->paused && !c->closing && c->out <= c->S->o->out_soft / 2) {
		c->paused = 0;
		uv_read_start(&c->h.s, on_alloc, on_read);
	}
}

void cs_srv_send(client *c, json_t *msg)
{
	if (!msg)
		return;
	if (c->closing) {
		json_decref(msg);
		return;
	}
	char *text = json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(msg);
	if (!text) {
		cs_srv_drop(c, "out of memory");
		return;
	}
	size_t n = strlen(text);
	const srv *S = c->S;
	if (c->out + n + 1 > S->o->out_hard) {
		free(text);
		cs_srv_drop(c, "it does not read what it is sent (the output limit is reached)");
		return;
	}
	wreq *r = malloc(sizeof *r + n + 1);
	if (!r) {
		free(text);
		cs_srv_drop(c, "out of memory");
		return;
	}
	memcpy(r->data, text, n);
	free(text);
	r->data[n] = '\n';
	r->c = c;
	r->n = n + 1;
	uv_buf_t b = uv_buf_init(r->data, (unsigned)(n + 1));
	int rc = uv_write(&r->w, &c->h.s, &b, 1, on_written);
	if (rc < 0) {
		free(r);
		cs_srv_drop(c, uv_strerror(rc));
		return;
	}
	c->out += n + 1;
	if (c->out > S->o->out_soft && !c->paused) {
		c->paused = 1;
		uv_read_stop(&c->h.s);
	}
}

void cs_srv_broadcast(srv *S, unsigned sub, json_t *msg)
{
	for (client *c = S->clients, *next; c; c = next) {
		next = c->next;
		if (c->subs & sub)
			cs_srv_send(c, json_incref(msg));
	}
	json_decref(msg);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	(void)h;
	(void)suggested;
	static char buf[65536]; /* one read at a time: the loop is single-threaded */
	*b = uv_buf_init(buf, sizeof buf);
}

/* Append data to c's line; each complete line is a request. */
static void take(client *c, const char *data, size_t n)
{
	size_t max = c->S->o->max_line;
	while (n && !c->closing) {
		const char *nl = memchr(data, '\n', n);
		size_t k = nl ? (size_t)(nl - data) : n;
		if (c->skipping) {
			c->skipping = !nl;
		} else if (c->len + k > max) {
			cs_srv_error(c, NULL, NULL, "line longer than %zu bytes: dropped up to its end", max);
			c->len = 0;
			c->skipping = !nl;
		} else {
			if (c->len + k + 1 > c->cap) {
				size_t nc = c->cap ? c->cap : 4096;
				while (nc < c->len + k + 1)
					nc *= 2;
				char *nb = realloc(c->buf, nc);
				if (!nb) {
					cs_srv_drop(c, "out of memory");
					return;
				}
				c->buf = nb;
				c->cap = nc;
			}
			memcpy(c->buf + c->len, data, k);
			c->len += k;
			if (nl) {
				c->buf[c->len] = 0;
				size_t len = c->len;
				c->len = 0;
				cs_srv_request(c, c->buf, len);
			}
		}
		if (!nl)
			return;
		data += k + 1;
		n -= k + 1;
	}
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	client *c = s->data;
	if (n > 0) {
		take(c, b->base, (size_t)n);
	} else if (n < 0) {
		/* gone, maybe in the middle of a line: that part is dropped */
		cs_srv_drop(c, n == UV_EOF ? NULL : uv_strerror((int)n));
	}
}

static void on_connection(uv_stream_t *l, int status)
{
	srv *S = l->data;
	if (status < 0)
		return;
	client *c = calloc(1, sizeof *c);
	if (!c)
		return;
	c->S = S;
	if (l->type == UV_TCP)
		uv_tcp_init(&S->loop, &c->h.tcp);
	else
		uv_pipe_init(&S->loop, &c->h.pipe, 0);
	c->h.s.data = c;
	if (uv_accept(l, &c->h.s) < 0) {
		uv_close((uv_handle_t *)&c->h.s, on_closed);
		return;
	}
	c->next = S->clients;
	if (S->clients)
		S->clients->prev = c;
	S->clients = c;
	S->nclients++;
	if (S->nclients > S->o->max_clients) {
		cs_srv_error(c, NULL, NULL, "too many clients (at most %zu)", S->o->max_clients);
		cs_srv_drop(c, "too many clients");
		return;
	}
	uv_read_start(&c->h.s, on_alloc, on_read);
}

/* --- listening --- */

static int listen_on(srv *S, const char *spec, char *err, size_t errlen)
{
	size_t k = S->nlisteners;
	int rc;
	if (strncmp(spec, "unix:", 5) == 0) {
		const char *path = spec + 5;
		if (!*path || strlen(path) >= sizeof S->unix_paths[k]) {
			snprintf(err, errlen, "--listen %s: a Unix socket's path of 1 to %zu bytes", spec,
				 sizeof S->unix_paths[k] - 1);
			return -CS_EINVAL;
		}
		uv_pipe_t *p = malloc(sizeof *p);
		if (!p)
			return -CS_ENOMEM;
		uv_pipe_init(&S->loop, p, 0);
		S->listeners[S->nlisteners++] = (uv_stream_t *)p;
		if ((rc = uv_pipe_bind(p, path)) < 0) {
			snprintf(err, errlen, "--listen %s: %s%s", spec, uv_strerror(rc),
				 rc == UV_EADDRINUSE ? " (remove the file if no server uses it)" : "");
			return -CS_EINVAL;
		}
		snprintf(S->unix_paths[k], sizeof S->unix_paths[k], "%s", path);
	} else {
		char host[256];
		const char *colon = strrchr(spec, ':');
		char *end;
		long port = colon ? strtol(colon + 1, &end, 10) : -1;
		size_t hl = colon ? (size_t)(colon - spec) : 0;
		if (!colon || !colon[1] || *end || port < 0 || port > 65535 || hl == 0 || hl >= sizeof host) {
			snprintf(err, errlen, "--listen %s: expected HOST:PORT, [IPV6]:PORT or unix:PATH", spec);
			return -CS_EINVAL;
		}
		memcpy(host, spec, hl);
		host[hl] = 0;
		struct sockaddr_storage sa;
		int v6 = host[0] == '[' && host[hl - 1] == ']';
		if (v6) {
			host[hl - 1] = 0;
			rc = uv_ip6_addr(host + 1, (int)port, (struct sockaddr_in6 *)&sa);
		} else {
			rc = uv_ip4_addr(host, (int)port, (struct sockaddr_in *)&sa);
		}
		if (rc < 0) {
			snprintf(err, errlen, "--listen %s: '%s' is not an IP address", spec, v6 ? host + 1 : host);
			return -CS_EINVAL;
		}
		uv_tcp_t *t = malloc(sizeof *t);
		if (!t)
			return -CS_ENOMEM;
		uv_tcp_init(&S->loop, t);
		S->listeners[S->nlisteners++] = (uv_stream_t *)t;
		if ((rc = uv_tcp_bind(t, (struct sockaddr *)&sa, 0)) < 0) {
			snprintf(err, errlen, "--listen %s: %s", spec, uv_strerror(rc));
			return -CS_EINVAL;
		}
	}
	uv_stream_t *l = S->listeners[k];
	l->data = S;
	if ((rc = uv_listen(l, 128, on_connection)) < 0) {
		snprintf(err, errlen, "--listen %s: %s", spec, uv_strerror(rc));
		return -CS_EINVAL;
	}
	if (l->type == UV_TCP) {
		struct sockaddr_storage sa;
		int len = sizeof sa;
		char ip[64] = "?";
		uv_tcp_getsockname((uv_tcp_t *)l, (struct sockaddr *)&sa, &len);
		int port = 0;
		if (sa.ss_family == AF_INET6) {
			uv_ip6_name((struct sockaddr_in6 *)&sa, ip, sizeof ip);
			port = ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
			say(S, "listening on [%s]:%d", ip, port);
		} else {
			uv_ip4_name((struct sockaddr_in *)&sa, ip, sizeof ip);
			port = ntohs(((struct sockaddr_in *)&sa)->sin_port);
			say(S, "listening on %s:%d", ip, port);
		}
	} else {
		say(S, "listening on unix:%s", S->unix_paths[k]);
	}
	return 0;
}

/* --- stopping --- */

static void close_one(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/* What a stop leaves: the state saved, the outputs written. */
static int leave(srv *S)
{
	const cs_serve_opts *o = S->o;
	int rc = 0;
	if (o->save && (rc = cs_live_save(S->L, o->save, S->err, sizeof S->err)) == 0)
		say(S, "state saved in %s", o->save);
	if (rc == 0 && o->out_dir) {
		cs_run_result r;
		cs_run_opts ro = *o->out_opts;
		ro.out_dir = o->out_dir;
		if ((rc = cs_live_result(S->L, &r, S->err, sizeof S->err)) == 0) {
			rc = cs_run_write_outputs(&ro, &r, S->err, sizeof S->err);
			cs_run_result_free(&r);
		}
		if (rc == 0)
			say(S, "outputs written in %s", o->out_dir);
	}
	return rc;
}

static void on_signal(uv_signal_t *h, int signum)
{
	srv *S = h->data;
	if (S->stopping)
		return;
	S->stopping = 1;
	say(S, "%s: stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
	S->rc = leave(S);
	while (S->clients)
		cs_srv_drop(S->clients, NULL);
	cs_twin_stop(S);
	uv_walk(&S->loop, close_one, NULL);
}

static void on_tick(uv_timer_t *t) { cs_srv_tick(t->data); }

void cs_srv_realtime(srv *S, double speed)
{
	S->speed = speed;
	if (speed > 0) {
		S->rt_wall0 = uv_now(&S->loop);
		S->rt_sim0 = cs_live_now(S->L);
		uv_timer_start(&S->tick, on_tick, S->o->tick_ms, S->o->tick_ms);
	} else {
		uv_timer_stop(&S->tick);
	}
}

int cs_serve_run(cs_live *L, const cs_serve_opts *o, char *err, size_t errlen)
{
	srv *S = calloc(1, sizeof *S);
	if (!S) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	S->L = L;
	S->o = o;
	int rc = uv_loop_init(&S->loop);
	if (rc < 0) {
		snprintf(err, errlen, "event loop: %s", uv_strerror(rc));
		free(S);
		return -CS_EIO;
	}
	/* a client gone while a reply is written to it: an error to that
	 * write, not a signal to the process */
	signal(SIGPIPE, SIG_IGN);
	uv_timer_init(&S->loop, &S->tick);
	S->tick.data = S;
	uv_timer_init(&S->loop, &S->follow);
	S->follow.data = S;
	int sigs[2] = { SIGINT, SIGTERM };
	for (int i = 0; i < 2; i++) {
		uv_signal_init(&S->loop, &S->sig[i]);
		S->sig[i].data = S;
		uv_signal_start(&S->sig[i], on_signal, sigs[i]);
	}
	cs_live_observe(L, cs_srv_observe, S);
	rc = 0;
	for (size_t i = 0; i < o->nlisten && rc == 0; i++)
		rc = listen_on(S, o->listen[i], err, errlen);
	if (rc == 0 && o->follow)
		rc = cs_twin_start(S, err, errlen);
	if (rc == 0) {
		uv_run(&S->loop, UV_RUN_DEFAULT);
		rc = S->rc;
		if (rc < 0)
			snprintf(err, errlen, "%s", S->err);
	} else {
		cs_twin_stop(S);
		uv_walk(&S->loop, close_one, NULL);
	}
	uv_run(&S->loop, UV_RUN_DEFAULT); /* the closes */
	cs_twin_free(S);
	for (size_t i = 0; i < S->nlisteners; i++) {
		if (S->unix_paths[i][0])
			unlink(S->unix_paths[i]);
		free(S->listeners[i]);
	}
	cs_live_observe(L, NULL, NULL);
	json_decref(S->adv_id);
	uv_loop_close(&S->loop);
	free(S);
	return rc;
}
