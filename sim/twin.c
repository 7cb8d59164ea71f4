/* capsim: a twin of a real Slurm (docs/serve.md, "The twin"): every
 * interval, squeue's view of the cluster (the output of a command, or a
 * file) becomes the live run's state: its running jobs pinned to their
 * nodes until their time limit, its pending jobs waiting in submission
 * order; queries and what-if questions are then about that state. */
#define _XOPEN_SOURCE 700 /* strptime */
#include "capsim/cluster.h"
#include "capsim/slurmconf.h"
#include "serve_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>

/* squeue's fields, in this order, separated by '|' (--format below) */
enum { F_ID, F_STATE, F_PART, F_NODES, F_CPUS, F_GRES, F_MEM, F_LIMIT, F_SUBMIT, F_START, F_USER, F_ACCOUNT,
       F_NODELIST, F_N };
#define SQUEUE_CMD                                                                                     \
	"squeue --noheader --states=PENDING,RUNNING,CONFIGURING,COMPLETING "                           \
	"--format='%i|%T|%P|%D|%C|%b|%m|%l|%V|%S|%u|%a|%N'"
/* A job without a time limit (UNLIMITED) runs this long, as far as the twin knows */
#define NO_LIMIT_S (365 * 86400)

typedef struct nodename {
	const char *name;
	uint32_t node;
} nodename;

struct twin {
	srv *S;
	char **names;        /* slurm.conf's node names in the cluster's node order, or NULL */
	int nnames;
	nodename *sorted;    /* the same, sorted by name */
	time_t epoch;        /* Unix time of the run's time 0 */
	uv_process_t proc;
	uv_pipe_t out;
	int busy;            /* a command runs, or its output is still read */
	int exited, eof;     /* of the command: its exit, its output's end */
	int64_t status;
	char *buf;           /* what it printed */
	size_t len, cap;
	/* the last poll, for op cluster */
	time_t polled;
	size_t running, pending, skipped;
	char error[CS_ERRLEN];
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const nodename *)a)->name, ((const nodename *)b)->name);
}

/* A node of the cluster by its Slurm name (slurm.conf's, else capsim's), or -1. */
static int64_t node_of(const struct twin *T, const char *name)
{
	if (!T->sorted)
		return cs_live_node_find(T->S->L, name);
	nodename key = { name, 0 };
	const nodename *hit = bsearch(&key, T->sorted, (size_t)T->nnames, sizeof key, by_name);
	return hit ? (int64_t)hit->node : -1;
}

/* squeue's local time "YYYY-MM-DDTHH:MM:SS", or -1 (N/A, Unknown). */
static time_t local_time(const char *s)
{
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || *end)
		return -1;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* "0", "1000M", "4G", "1T" (MiB by default), or -1. */
static int64_t mem_mib(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || v < 0)
		return -1;
	if (!*end || strcmp(end, "M") == 0)
		return v;
	if (strcmp(end, "G") == 0)
		return v * 1024;
	if (strcmp(end, "T") == 0)
		return v * 1024 * 1024;
	return -1;
}

/* GPUs a node from a gres request ("gres:gpu:2", "gres/gpu:a100:2",
 * "gpu:1", "N/A"): the last number after "gpu", else 0. */
static uint32_t gpus_of(const char *s)
{
	const char *g = strstr(s, "gpu");
	if (!g)
		return 0;
	const char *colon = strrchr(g, ':');
	return colon ? (uint32_t)strtoul(colon + 1, NULL, 10) : 1;
}

/* The jobs of one snapshot, their strings and nodes owned here. */
typedef struct snap {
	cs_live_snap_job *jobs;
	size_t n;
	size_t *at;          /* per job: its nodes' place in nodes (which moves as it grows) */
	uint32_t *nodes;
	size_t nnodes, capnodes;
} snap;

static int by_submit(const void *a, const void *b)
{
	const cs_live_snap_job *x = a, *y = b;
	if (x->running != y->running)
		return y->running - x->running; /* the running ones first */
	if (x->job.submit_s != y->job.submit_s)
		return x->job.submit_s < y->job.submit_s ? -1 : 1;
	return (x->job.id > y->job.id) - (x->job.id < y->job.id);
}

/* One line of squeue's (split in place) into sp: 1 taken, 0 skipped
 * (not a job the twin models), -1 with the reason in err. */
static int take_line(struct twin *T, char *line, time_t now, snap *sp, char *err, size_t errlen)
{
	char *f[F_N + 1];
	size_t n = 0;
	for (char *p = line; n <= F_N; n++) {
		f[n] = p;
		char *bar = strchr(p, '|');
		if (!bar) {
			n++;
			break;
		}
		*bar = 0;
		p = bar + 1;
	}
	if (n != F_N) {
		snprintf(err, errlen, "%zu fields, not the %d of the twin's squeue --format", n, F_N);
		return -1;
	}
	char *end;
	long long id = strtoll(f[F_ID], &end, 10);
	if (end == f[F_ID] || *end || id < 0)
		return 0; /* an array's or a heterogeneous job's id: not modelled */
	int running = strcmp(f[F_STATE], "RUNNING") == 0 || strcmp(f[F_STATE], "CONFIGURING") == 0 ||
		      strcmp(f[F_STATE], "COMPLETING") == 0;
	if (!running && strcmp(f[F_STATE], "PENDING") != 0)
		return 0;
	long nodes = strtol(f[F_NODES], NULL, 10), cpus = strtol(f[F_CPUS], NULL, 10);
	int64_t limit, mem = mem_mib(f[F_MEM]);
	time_t submit = local_time(f[F_SUBMIT]), start = local_time(f[F_START]);
	if (nodes < 1 || cpus < 0 || mem < 0 || cs_slurm_time_parse(f[F_LIMIT], &limit) < 0 || submit < 0 ||
	    (running && start < 0)) {
		snprintf(err, errlen, "job %lld: a node count, CPUs, memory, time limit or date squeue's format does "
			 "not give", id);
		return -1;
	}
	if (limit <= 0)
		limit = NO_LIMIT_S;
	/* squeue prints a job without an account or user so */
	for (int k = F_USER; k <= F_ACCOUNT; k++)
		if (strcmp(f[k], "(null)") == 0)
			f[k][0] = 0;
	cs_live_snap_job *j = &sp->jobs[sp->n];
	*j = (cs_live_snap_job){ .running = running, .start_s = running ? start - T->epoch : -1 };
	cs_time left = running ? (cs_time)(start + limit - now) : limit;
	j->job = (cs_live_job){ .id = id, .submit_s = submit, .nodes = (uint32_t)nodes,
				.gpus_per_node = gpus_of(f[F_GRES]),
				.cores_per_node = (uint32_t)((cpus + nodes - 1) / nodes), .mem_per_node_mib = (uint64_t)mem,
				.time_limit_s = left > 0 ? left : 1, .runtime_s = left > 0 ? left : 1,
				.project = f[F_ACCOUNT], .user = f[F_USER], .partition = f[F_PART] };
	if (running) {
		char **hosts;
		int nh;
		char e[256];
		if (cs_slurm_hostlist_expand(f[F_NODELIST], &hosts, &nh, e, sizeof e) < 0) {
			snprintf(err, errlen, "job %lld: nodes '%.64s': %s", id, f[F_NODELIST], e);
			return -1;
		}
		if (sp->nnodes + (size_t)nh > sp->capnodes) {
			size_t nc = (sp->nnodes + (size_t)nh) * 2 + 64;
			uint32_t *nn = realloc(sp->nodes, nc * sizeof *nn);
			if (!nn) {
				cs_slurm_hostlist_free(hosts, nh);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			sp->nodes = nn;
			sp->capnodes = nc;
		}
		int bad = nh != nodes;
		for (int k = 0; k < nh && !bad; k++) {
			int64_t x = node_of(T, hosts[k]);
			bad = x < 0;
			sp->nodes[sp->nnodes + (size_t)k] = (uint32_t)x;
		}
		cs_slurm_hostlist_free(hosts, nh);
		if (bad) {
			snprintf(err, errlen, "job %lld: nodes '%s': not %ld nodes of the cluster", id, f[F_NODELIST], nodes);
			return -1;
		}
		j->nnodes = (uint32_t)nh;
		sp->at[sp->n] = sp->nnodes;
		sp->nnodes += (size_t)nh;
	}
	sp->n++;
	return 1;
}

/* squeue's output (text, NUL-terminated, changed in place) as the run's state. */
static void take_snapshot(struct twin *T, char *text)
{
	time_t now = time(NULL);
	size_t lines = 1;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	snap sp = { .jobs = calloc(lines, sizeof *sp.jobs), .at = calloc(lines, sizeof *sp.at) };
	char err[CS_ERRLEN] = "out of memory";
	size_t skipped = 0, lineno = 0;
	int rc = sp.jobs && sp.at ? 0 : -1;
	for (char *line = text; rc == 0 && line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		lineno++;
		if (*line) {
			int k = take_line(T, line, now, &sp, err, sizeof err);
			skipped += k == 0;
			if (k < 0) {
				char e2[CS_ERRLEN];
				snprintf(e2, sizeof e2, "line %zu: %s", lineno, err);
				snprintf(err, sizeof err, "%s", e2);
				rc = -1;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	if (rc == 0) {
		for (size_t i = 0; i < sp.n; i++)
			if (sp.jobs[i].running)
				sp.jobs[i].nodes = sp.nodes + sp.at[i];
		qsort(sp.jobs, sp.n, sizeof *sp.jobs, by_submit);
		cs_time t = now > T->epoch ? (cs_time)(now - T->epoch) : 0;
		rc = cs_live_load_snapshot(T->S->L, t, sp.jobs, sp.n, err, sizeof err);
	}
	T->polled = now;
	T->skipped = skipped;
	T->running = T->pending = 0;
	for (size_t i = 0; rc == 0 && i < sp.n; i++)
		*(sp.jobs[i].running ? &T->running : &T->pending) += 1;
	snprintf(T->error, sizeof T->error, "%s", rc == 0 ? "" : err);
	if (rc < 0 && T->S->o->log)
		fprintf(T->S->o->log, "capsim serve: --follow: %s (the state stays as it was)\n", err);
	free(sp.jobs);
	free(sp.at);
	free(sp.nodes);
	cs_srv_after_advance(T->S);
}

/* --- polling --- */

/* Room for n more bytes (and a NUL) in T->buf: 0, or -1. */
static int room(struct twin *T, size_t n)
{
	if (T->len + n + 1 <= T->cap)
		return 0;
	size_t nc = (T->len + n + 1) * 2;
	char *nb = realloc(T->buf, nc);
	if (!nb)
		return -1;
	T->buf = nb;
	T->cap = nc;
	return 0;
}

static void on_out_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct twin *T = h->data;
	*b = room(T, suggested) < 0 ? uv_buf_init(NULL, 0) : uv_buf_init(T->buf + T->len, (unsigned)suggested);
}

/* The command's output is in once it exited and its pipe ended. */
static void command_done(struct twin *T)
{
	if (!T->exited || !T->eof)
		return;
	T->busy = 0;
	if (T->status != 0) {
		snprintf(T->error, sizeof T->error, "the command failed (exit status %lld)", (long long)T->status);
		if (T->S->o->log)
			fprintf(T->S->o->log, "capsim serve: --follow: %s (the state stays as it was)\n", T->error);
		return;
	}
	if (!T->buf)
		return;
	T->buf[T->len] = 0;
	take_snapshot(T, T->buf);
}

static void on_out_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	(void)b;
	struct twin *T = s->data;
	if (n > 0) {
		T->len += (size_t)n;
	} else if (n < 0) {
		uv_close((uv_handle_t *)s, NULL);
		T->eof = 1;
		command_done(T);
	}
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
	struct twin *T = p->data;
	uv_close((uv_handle_t *)p, NULL);
	T->exited = 1;
	T->status = sig ? 128 + sig : status;
	command_done(T);
}

static void poll_file(struct twin *T)
{
	FILE *f = fopen(T->S->o->follow, "r");
	if (!f) {
		snprintf(T->error, sizeof T->error, "%s: cannot read", T->S->o->follow);
		return;
	}
	T->len = 0;
	size_t k;
	int oom = 0;
	while (!(oom = room(T, 65536) < 0) && (k = fread(T->buf + T->len, 1, 65536, f)) > 0)
		T->len += k;
	fclose(f);
	if (oom) {
		snprintf(T->error, sizeof T->error, "out of memory");
		return;
	}
	T->buf[T->len] = 0;
	take_snapshot(T, T->buf);
}

static void on_poll(uv_timer_t *t)
{
	srv *S = t->data;
	struct twin *T = S->twin;
	if (S->o->follow_is_file) {
		poll_file(T);
		return;
	}
	if (T->busy)
		return; /* the last command still runs */
	const char *cmd = strcmp(S->o->follow, "squeue") == 0 ? SQUEUE_CMD : S->o->follow;
	char *args[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	uv_pipe_init(&S->loop, &T->out, 0);
	T->out.data = T;
	uv_stdio_container_t io[3] = { { .flags = UV_IGNORE },
				       { .flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&T->out },
				       { .flags = UV_INHERIT_FD, .data.fd = 2 } };
	uv_process_options_t po = { .file = "/bin/sh", .args = args, .stdio = io, .stdio_count = 3, .exit_cb = on_exit_cb };
	T->proc.data = T;
	T->len = 0;
	T->exited = T->eof = 0;
	int rc = uv_spawn(&S->loop, &T->proc, &po);
	if (rc < 0) {
		uv_close((uv_handle_t *)&T->out, NULL);
		snprintf(T->error, sizeof T->error, "cannot run the command: %s", uv_strerror(rc));
		return;
	}
	T->busy = 1;
	uv_read_start((uv_stream_t *)&T->out, on_out_alloc, on_out_read);
}

int cs_twin_start(srv *S, char *err, size_t errlen)
{
	struct twin *T = calloc(1, sizeof *T);
	if (!T) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	T->S = S;
	T->epoch = time(NULL);
	S->twin = T;
	const char *conf = cs_live_cluster_spec(S->L);
	size_t cl = conf ? strlen(conf) : 0;
	if (cl > 5 && strcmp(conf + cl - 5, ".conf") == 0) {
		int rc = cs_cluster_slurm_node_names(conf, &T->names, &T->nnames, err, errlen);
		if (rc < 0)
			return rc;
		T->sorted = malloc(((size_t)T->nnames + 1) * sizeof *T->sorted);
		if (!T->sorted) {
			snprintf(err, errlen, "out of memory");
			return -CS_ENOMEM;
		}
		for (int i = 0; i < T->nnames; i++)
			T->sorted[i] = (nodename){ T->names[i], (uint32_t)i };
		qsort(T->sorted, (size_t)T->nnames, sizeof *T->sorted, by_name);
	}
	uint64_t ms = (uint64_t)(S->o->follow_s * 1000);
	uv_timer_start(&S->follow, on_poll, 0, ms ? ms : 1);
	return 0;
}

json_t *cs_twin_status(const srv *S)
{
	const struct twin *T = S->twin;
	if (!T)
		return json_null();
	return json_pack("{ss sI sI sI sI ss}", "follow", S->o->follow, "polled", (json_int_t)T->polled, "running",
			 (json_int_t)T->running, "pending", (json_int_t)T->pending, "skipped", (json_int_t)T->skipped,
			 "error", T->error);
}

void cs_twin_stop(srv *S)
{
	struct twin *T = S->twin;
	if (!T)
		return;
	uv_timer_stop(&S->follow);
	if (T->busy && !T->exited)
		uv_process_kill(&T->proc, SIGTERM);
	/* the handles close with the loop's others (they live in T: freed after) */
}

void cs_twin_free(srv *S)
{
	struct twin *T = S->twin;
	if (!T)
		return;
	cs_slurm_hostlist_free(T->names, T->nnames);
	free(T->sorted);
	free(T->buf);
	free(T);
	S->twin = NULL;
}
