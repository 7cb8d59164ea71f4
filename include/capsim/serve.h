/* capsim: a live run behind sockets (sim/serve.c: the libuv loop, clients
 * and their buffers; sim/serve_proto.c: the line-delimited JSON protocol;
 * sim/twin.c: a twin of a real Slurm). The protocol, its limits and the
 * twin are in docs/serve.md. */
#ifndef CAPSIM_SERVE_H
#define CAPSIM_SERVE_H

#include "capsim/live.h"

#define CS_SERVE_MAX_LISTEN 8
#define CS_SERVE_MAX_LINE (1u << 20)         /* bytes in a request line, its '\n' not counted */
#define CS_SERVE_OUT_SOFT (4u << 20)         /* a client's unsent replies: read no more of its requests */
#define CS_SERVE_OUT_HARD (64u << 20)        /* ... and with this much unsent (events), drop it */
#define CS_SERVE_MAX_CLIENTS 1024u
#define CS_SERVE_TICK_MS 100u                /* real-time mode: the clock moves this often */

typedef struct cs_serve_opts {
	const char *listen[CS_SERVE_MAX_LISTEN]; /* HOST:PORT (IPv4, or [IPv6]:PORT; port 0: any free) or
						  * unix:PATH */
	size_t nlisten;
	size_t max_line, out_soft, out_hard, max_clients;
	unsigned tick_ms;
	const char *save;        /* on SIGINT/SIGTERM: the state into this file (cs_live_save) */
	const char *out_dir;     /* on SIGINT/SIGTERM: the run's outputs there (cs_live_result) */
	const cs_run_opts *out_opts; /* what summary.json records of the run (workload, policy, ...) */
	/* a twin (sim/twin.c): every follow_s seconds of wall time, the
	 * snapshot of the real cluster from `follow` (a shell command whose
	 * output, or a file whose content, is squeue's) */
	const char *follow;
	int follow_is_file;
	double follow_s;
	FILE *log;               /* where the server says what it does (stderr), or NULL */
} cs_serve_opts;

void cs_serve_opts_default(cs_serve_opts *o);

/* Serve L until SIGINT or SIGTERM: 0 after a clean stop (the state saved
 * and the outputs written if asked), or -CS_E* with err (a listen address
 * that cannot be used, a failed save). The addresses listened on are told
 * on o->log as "capsim serve: listening on ADDRESS", one line each. */
int cs_serve_run(cs_live *L, const cs_serve_opts *o, char *err, size_t errlen);

#endif
