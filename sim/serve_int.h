/* capsim: the server's inside (sim/serve*.c, sim/twin.c), private to them. */
#ifndef CAPSIM_SIM_SERVE_INT_H
#define CAPSIM_SIM_SERVE_INT_H

#include "capsim/serve.h"

#include <jansson.h>
#include <uv.h>

enum { SUB_JOBS = 1, SUB_UTIL = 2 };

typedef struct srv srv;

typedef struct client {
	union {
		uv_stream_t s;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} h;
	srv *S;
	char *buf;          /* the request line being read */
	size_t len, cap;
	int skipping;       /* a line past the limit: dropped up to its end */
	size_t out;         /* bytes written, not yet sent */
	int paused;         /* its requests not read until it reads its replies */
	int closing;
	unsigned subs;      /* SUB_* */
	struct client *prev, *next;
} client;

struct srv {
	uv_loop_t loop;
	cs_live *L;
	const cs_serve_opts *o;
	uv_stream_t *listeners[CS_SERVE_MAX_LISTEN];
	char unix_paths[CS_SERVE_MAX_LISTEN][108]; /* to remove at the end */
	size_t nlisteners;
	uv_signal_t sig[2];
	uv_timer_t tick;    /* real-time mode */
	uv_timer_t follow;  /* a twin's polls */
	client *clients;
	size_t nclients;
	client *scheduler;  /* the external scheduler's connection */
	/* an advance under way: stopped at a pass waiting for the scheduler,
	 * it goes on to `target` once decided, and then replies */
	int adv_on;
	int adv_drain;      /* until nothing is left to happen */
	cs_time adv_target;
	client *adv_client;
	json_t *adv_id;
	int pass_sent;      /* the waiting pass was sent to the scheduler */
	/* real-time mode */
	double speed;       /* 0: paused */
	uint64_t rt_wall0;  /* uv_now when it started (ms) */
	cs_time rt_sim0;
	int util_dirty;     /* jobs changed since the last utilization sample */
	int stopping;
	int rc;
	char err[CS_ERRLEN];
	struct twin *twin;
};

/* --- serve.c --- */
/* Queue msg (stolen) as one line to c: back-pressure and the drop limit
 * apply. */
void cs_srv_send(client *c, json_t *msg);
/* msg (stolen) to every client subscribed to sub. */
void cs_srv_broadcast(srv *S, unsigned sub, json_t *msg);
/* Close c (the server goes on). */
void cs_srv_drop(client *c, const char *why);
/* The clock moves on its own at S->speed (0: stops). */
void cs_srv_realtime(srv *S, double speed);

/* --- serve_proto.c --- */
/* One request line (without its '\n'). */
void cs_srv_request(client *c, const char *line, size_t len);
/* c is going: it no longer schedules, nor waits for a reply. */
void cs_srv_forget(client *c);
/* An error reply to c: id (borrowed; NULL: null), field (NULL: null). */
void cs_srv_error(client *c, json_t *id, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The live run's observer: job events to the subscribers. */
void cs_srv_observe(void *ctx, cs_time now, unsigned what, int64_t id);
/* Real-time mode's tick: the clock to where the wall clock puts it. */
void cs_srv_tick(srv *S);
/* After the run moved: a utilization sample to its subscribers, and a
 * waiting pass to the scheduler. */
void cs_srv_after_advance(srv *S);

/* --- twin.c --- */
/* Poll o->follow every o->follow_s seconds, the first at once. */
int cs_twin_start(srv *S, char *err, size_t errlen);
/* No more polls (the command, if running, is signalled). */
void cs_twin_stop(srv *S);
/* After the loop has closed every handle. */
void cs_twin_free(srv *S);
/* The last poll: when, what it found, its error ("" if none); null without a twin. */
json_t *cs_twin_status(const srv *S);

#endif
