/* capsim: the server's protocol (docs/serve.md): one JSON object a line,
 * each with its request id, answered by one line with the same id; events
 * to the clients that subscribed; an external scheduler's passes. */
#include "live_json.h"
#include "serve_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct req {
	client *c;
	srv *S;
	json_t *id;       /* borrowed from the request */
	json_t *o;
} req;

/* --- replies --- */

static json_t *vpack_error(json_t *id, const char *field, const char *fmt, va_list ap)
{
	char msg[CS_ERRLEN + 256];
	vsnprintf(msg, sizeof msg, fmt, ap);
	return json_pack("{sO s{so ss}}", "id", id ? id : json_null(), "error", "field",
			 field ? json_string(field) : json_null(), "message", msg);
}

void cs_srv_error(client *c, json_t *id, const char *field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cs_srv_send(c, vpack_error(id, field, fmt, ap));
	va_end(ap);
}

static int fail(req *r, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(req *r, const char *field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cs_srv_send(r->c, vpack_error(r->id, field, fmt, ap));
	va_end(ap);
	return -1;
}

/* An error whose message is "FIELD: what": the field named apart. */
static int fail_msg(req *r, const char *prefix, const char *msg)
{
	char field[96];
	size_t k = strcspn(msg, ":");
	snprintf(field, sizeof field, "%s%.*s", prefix, (int)(k < 64 ? k : 64), msg);
	return fail(r, field, "%s%s", prefix, msg);
}

static int reply(req *r, json_t *result)
{
	cs_srv_send(r->c, json_pack("{sO so}", "id", r->id, "result", result ? result : json_object()));
	return 0;
}

static json_t *time_or_null(cs_time t) { return t < 0 || t == CS_TIME_MAX ? json_null() : json_integer(t); }

/* A job as queries and events show it. */
static json_t *job_json(const cs_live *L, int64_t id)
{
	cs_live_info i;
	if (cs_live_info_of(L, id, &i) < 0)
		return json_null();
	char nodes[4096] = "";
	if (i.slots && cs_live_node_list(L, i.slots, i.nodes, nodes, sizeof nodes) >= (long)sizeof nodes)
		snprintf(nodes + sizeof nodes - 4, 4, "...");
	return json_pack("{sI ss sI so so sI sI so sI sI sI sI ss ss ss ss ss ss}", "job", (json_int_t)id, "state",
			 cs_live_state_names[i.state], "submit", (json_int_t)i.submit_s, "start", time_or_null(i.start_s),
			 "end", time_or_null(i.end_s), "runtime", (json_int_t)i.runtime_s, "estimate",
			 (json_int_t)i.estimate_s, "reservation", time_or_null(i.reservation_s), "nodes",
			 (json_int_t)i.nodes, "gpus_per_node", (json_int_t)i.gpus_per_node, "cores_per_node",
			 (json_int_t)i.cores_per_node, "mem_per_node", (json_int_t)i.mem_per_node_mib, "reason", i.reason,
			 "node_list", nodes, "project", i.project, "user", i.user, "qos", i.qos, "partition",
			 i.partition);
}

static json_t *jobs_json(const cs_live *L, size_t (*list)(const cs_live *, int64_t *, size_t))
{
	size_t n = list(L, NULL, 0);
	int64_t *ids = malloc((n + 1) * sizeof *ids);
	json_t *a = json_array();
	if (!ids || !a) {
		free(ids);
		return a;
	}
	list(L, ids, n);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, job_json(L, ids[i]));
	free(ids);
	return a;
}

/* Nodes with something free: name, free GPUs, cores, memory. */
static json_t *free_json(const cs_live *L, int all)
{
	json_t *a = json_array();
	char name[128];
	for (uint32_t n = 0; a && n < cs_live_nnodes(L); n++) {
		uint32_t fg, fc, fm, g, c, m;
		cs_live_node(L, n, name, sizeof name, &fg, &fc, &fm, &g, &c, &m);
		if (!all && !fg && !fc)
			continue;
		json_t *x = json_pack("{ss sI sI sI}", "node", name, "gpus", (json_int_t)fg, "cores", (json_int_t)fc,
				      "mem_mib", (json_int_t)fm);
		if (all)
			json_object_update_new(x, json_pack("{sI sI sI}", "gpus_total", (json_int_t)g, "cores_total",
							    (json_int_t)c, "mem_mib_total", (json_int_t)m));
		json_array_append_new(a, x);
	}
	return a;
}

static json_t *usage_json(const cs_live *L)
{
	cs_live_usage u;
	cs_live_usage_of(L, &u);
	return json_pack("{sI sI sI sI sI sI sI sI}", "gpus", (json_int_t)u.gpus, "gpus_busy", (json_int_t)u.gpus_busy,
			 "cores", (json_int_t)u.cores, "cores_busy", (json_int_t)u.cores_busy, "nodes",
			 (json_int_t)u.nodes, "nodes_busy", (json_int_t)u.nodes_busy, "waiting", (json_int_t)u.waiting,
			 "running", (json_int_t)u.running);
}

/* --- events --- */

void cs_srv_observe(void *ctx, cs_time now, unsigned what, int64_t id)
{
	srv *S = ctx;
	static const char *const names[] = { [CS_OBS_SUBMIT] = "submit", [CS_OBS_START] = "start",
					     [CS_OBS_END] = "end", [CS_OBS_REJECT] = "reject",
					     [CS_OBS_PREEMPT] = "preempt" };
	const char *name = what == CS_LIVE_OBS_CANCEL ? "cancel" : what < 6 ? names[what] : NULL;
	if (!name)
		return;
	S->util_dirty = 1;
	int any = 0;
	for (const client *c = S->clients; c && !any; c = c->next)
		any = (c->subs & SUB_JOBS) != 0;
	if (any)
		cs_srv_broadcast(S, SUB_JOBS, json_pack("{ss sI sI}", "event", name, "time", (json_int_t)now, "job",
							(json_int_t)id));
}

/* The waiting pass, to the scheduler: its number, time, queue and what is free. */
static void send_pass(srv *S)
{
	const cs_live *L = S->L;
	json_t *e = json_pack("{ss sI sI so so}", "event", "schedule", "pass", (json_int_t)cs_live_passes(L), "time",
			      (json_int_t)(cs_live_now(L) - 1), "queue", jobs_json(L, cs_live_waiting), "free",
			      free_json(L, 0));
	cs_srv_send(S->scheduler, e);
	S->pass_sent = 1;
}

void cs_srv_after_advance(srv *S)
{
	if (S->util_dirty) {
		S->util_dirty = 0;
		int any = 0;
		for (const client *c = S->clients; c && !any; c = c->next)
			any = (c->subs & SUB_UTIL) != 0;
		if (any) {
			json_t *u = usage_json(S->L);
			json_object_set_new(u, "event", json_string("utilization"));
			json_object_set_new(u, "time", json_integer(cs_live_now(S->L)));
			cs_srv_broadcast(S, SUB_UTIL, u);
		}
	}
	if (cs_live_waiting_pass(S->L) && S->scheduler && !S->pass_sent)
		send_pass(S);
}

void cs_srv_forget(client *c)
{
	srv *S = c->S;
	if (S->scheduler == c) {
		S->scheduler = NULL;
		S->pass_sent = 0; /* the next scheduler gets the waiting pass */
	}
	if (S->adv_client == c)
		S->adv_client = NULL; /* the advance goes on, unanswered */
}

/* --- advancing --- */

/* Go on with the advance under way: to its target, or (drain) until
 * nothing is left to happen; then its reply. It stops at a pass waiting
 * for the scheduler, to go on after its decisions. */
static void go_on(srv *S, int drain)
{
	char err[CS_ERRLEN];
	int rc = 0;
	for (;;) {
		cs_time next = S->adv_target;
		if (drain) {
			if ((rc = cs_live_next_event(S->L, &next, err, sizeof err)) < 0 || next == CS_TIME_MAX)
				break;
			next++;
		}
		if (next > cs_live_now(S->L))
			rc = cs_live_advance(S->L, next, err, sizeof err);
		if (rc != 0 || !drain)
			break;
	}
	if (rc == 1) {
		S->pass_sent = 0;
		cs_srv_after_advance(S);
		return;
	}
	S->adv_on = 0;
	client *c = S->adv_client;
	json_t *id = S->adv_id;
	S->adv_client = NULL;
	S->adv_id = NULL;
	cs_time next = CS_TIME_MAX;
	if (rc == 0)
		rc = cs_live_next_event(S->L, &next, err, sizeof err);
	if (c && rc < 0)
		cs_srv_error(c, id, "state", "%s", err);
	else if (c)
		cs_srv_send(c, json_pack("{sO s{sI so}}", "id", id, "result", "time", (json_int_t)cs_live_now(S->L),
					 "next", time_or_null(next)));
	if (!c && rc < 0 && S->o->log)
		fprintf(S->o->log, "capsim serve: %s\n", err);
	json_decref(id);
	cs_srv_after_advance(S);
}

static void start_advance(req *r, cs_time target, int drain)
{
	srv *S = r->S;
	S->adv_on = 1;
	S->adv_target = target;
	S->adv_client = r->c;
	S->adv_id = json_incref(r->id);
	S->adv_drain = drain;
	go_on(S, drain);
}

static int may_advance(req *r)
{
	if (r->S->speed > 0)
		return fail(r, "op", "the clock runs in real time: pause first");
	if (r->S->adv_on)
		return fail(r, "op", "an advance waits for the external scheduler's decisions");
	return 0;
}

void cs_srv_tick(srv *S)
{
	if (S->adv_on || S->speed <= 0)
		return;
	double dt = (double)(uv_now(&S->loop) - S->rt_wall0) / 1000.0 * S->speed;
	cs_time target = S->rt_sim0 + (cs_time)floor(dt);
	if (target <= cs_live_now(S->L))
		return;
	S->adv_on = 1;
	S->adv_target = target;
	S->adv_drain = 0;
	go_on(S, 0);
}

/* --- the ops --- */

static int op_submit(req *r)
{
	const json_t *one = json_object_get(r->o, "job"), *many = json_object_get(r->o, "jobs");
	if (!one == !many)
		return fail(r, "job", "give job (an object) or jobs (an array of them)");
	char err[CS_ERRLEN], where[64];
	const char *field;
	cs_live_job j;
	int64_t id;
	if (one) {
		if (cs_live_job_parse(one, &j, NULL, &field, err, sizeof err) < 0 ||
		    cs_live_submit(r->S->L, &j, &id, err, sizeof err) < 0)
			return fail_msg(r, "job.", err);
		cs_live_info i;
		cs_live_info_of(r->S->L, id, &i);
		return reply(r, json_pack("{sI sI}", "job", (json_int_t)id, "submit", (json_int_t)i.submit_s));
	}
	if (!json_is_array(many))
		return fail(r, "jobs", "jobs: must be an array of job objects");
	json_t *ids = json_array();
	size_t k;
	const json_t *x;
	json_array_foreach(many, k, x) {
		if (cs_live_job_parse(x, &j, NULL, &field, err, sizeof err) < 0 ||
		    cs_live_submit(r->S->L, &j, &id, err, sizeof err) < 0) {
			json_decref(ids);
			char e2[CS_ERRLEN + 96];
			snprintf(e2, sizeof e2, "%s (the %zu before it were submitted)", err, k);
			snprintf(where, sizeof where, "jobs[%zu].", k);
			return fail_msg(r, where, e2);
		}
		json_array_append_new(ids, json_integer(id));
	}
	return reply(r, json_pack("{so}", "jobs", ids));
}

static int job_id(req *r, const char *key, int64_t *id)
{
	char err[CS_ERRLEN];
	if (cs_live_json_int(r->o, key, 0, INT64_MAX, -1, 1, id, err, sizeof err) < 0)
		return fail_msg(r, "", err);
	return 0;
}

static int op_cancel(req *r)
{
	int64_t id;
	char err[CS_ERRLEN];
	if (job_id(r, "job", &id) < 0)
		return -1;
	if (cs_live_cancel(r->S->L, id, err, sizeof err) < 0)
		return fail_msg(r, "", err);
	cs_srv_after_advance(r->S);
	return reply(r, job_json(r->S->L, id));
}

static int op_job(req *r)
{
	int64_t id;
	if (job_id(r, "job", &id) < 0)
		return -1;
	cs_live_info i;
	if (cs_live_info_of(r->S->L, id, &i) < 0)
		return fail(r, "job", "job: no job %lld", (long long)id);
	return reply(r, job_json(r->S->L, id));
}

static int op_queue(req *r)
{
	const cs_live *L = r->S->L;
	return reply(r, json_pack("{sI so so}", "time", (json_int_t)cs_live_now(L), "waiting", jobs_json(L, cs_live_waiting),
				  "running", jobs_json(L, cs_live_running)));
}

static int op_cluster(req *r)
{
	const srv *S = r->S;
	const cs_live *L = S->L;
	json_t *u = usage_json(L);
	json_object_update_new(u, json_pack("{ss ss sI sI sb sf so so}", "cluster", cs_live_cluster_name(L), "policy",
					    cs_live_policy_name(L), "time", (json_int_t)cs_live_now(L), "jobs",
					    (json_int_t)cs_live_njobs(L), "waiting_pass", cs_live_waiting_pass(L),
					    "speed", S->speed, "twin", cs_twin_status(S), "node_state", free_json(L, 1)));
	return reply(r, u);
}

static int op_step(req *r)
{
	if (may_advance(r) < 0)
		return -1;
	char err[CS_ERRLEN];
	int64_t s;
	if (cs_live_json_int(r->o, "seconds", 1, CS_TIME_LIMIT, 0, 0, &s, err, sizeof err) < 0)
		return fail_msg(r, "", err);
	cs_time target = cs_live_now(r->S->L) + s;
	if (!s) {
		cs_time next;
		if (cs_live_next_event(r->S->L, &next, err, sizeof err) < 0)
			return fail_msg(r, "", err);
		if (next == CS_TIME_MAX)
			return reply(r, json_pack("{sI sn}", "time", (json_int_t)cs_live_now(r->S->L), "next"));
		target = next + 1;
	}
	start_advance(r, target, 0);
	return 0;
}

static int op_run_until(req *r)
{
	if (may_advance(r) < 0)
		return -1;
	char err[CS_ERRLEN];
	int64_t t;
	cs_time now = cs_live_now(r->S->L);
	if (cs_live_json_int(r->o, "time", now + 1, (int64_t)1 << 62, 0, 1, &t, err, sizeof err) < 0)
		return fail_msg(r, "", err);
	start_advance(r, t, 0);
	return 0;
}

static int op_drain(req *r)
{
	if (may_advance(r) < 0)
		return -1;
	start_advance(r, 0, 1);
	return 0;
}

static int op_run(req *r)
{
	const json_t *s = json_object_get(r->o, "speed");
	if (!json_is_number(s) || !(json_number_value(s) > 0) || json_number_value(s) > 1e9)
		return fail(r, "speed", "speed: simulated seconds a wall-clock second, a number in (0, 1e9]");
	if (r->S->adv_on)
		return fail(r, "op", "an advance waits for the external scheduler's decisions");
	cs_srv_realtime(r->S, json_number_value(s));
	return reply(r, json_pack("{sI sf}", "time", (json_int_t)cs_live_now(r->S->L), "speed", r->S->speed));
}

static int op_pause(req *r)
{
	cs_srv_realtime(r->S, 0);
	return reply(r, json_pack("{sI}", "time", (json_int_t)cs_live_now(r->S->L)));
}

static int subs_of(req *r, unsigned *subs)
{
	const json_t *ev = json_object_get(r->o, "events");
	size_t k;
	const json_t *x;
	*subs = 0;
	if (!json_is_array(ev) || !json_array_size(ev))
		return fail(r, "events", "events: an array of \"jobs\" and \"utilization\"");
	json_array_foreach(ev, k, x) {
		const char *s = json_string_value(x);
		if (s && strcmp(s, "jobs") == 0)
			*subs |= SUB_JOBS;
		else if (s && strcmp(s, "utilization") == 0)
			*subs |= SUB_UTIL;
		else
			return fail(r, "events", "events[%zu]: not \"jobs\" or \"utilization\"", k);
	}
	return 0;
}

static int op_subscribe(req *r)
{
	unsigned s;
	if (subs_of(r, &s) < 0)
		return -1;
	r->c->subs |= s;
	return reply(r, json_pack("{sb sb}", "jobs", (r->c->subs & SUB_JOBS) != 0, "utilization",
				  (r->c->subs & SUB_UTIL) != 0));
}

static int op_unsubscribe(req *r)
{
	unsigned s;
	if (subs_of(r, &s) < 0)
		return -1;
	r->c->subs &= ~s;
	return reply(r, json_pack("{sb sb}", "jobs", (r->c->subs & SUB_JOBS) != 0, "utilization",
				  (r->c->subs & SUB_UTIL) != 0));
}

static int op_scheduler(req *r)
{
	srv *S = r->S;
	if (strcmp(cs_live_policy_name(S->L), "external") != 0)
		return fail(r, "op", "the server runs policy %s: start it with --external for a scheduler of "
			    "your own", cs_live_policy_name(S->L));
	if (S->scheduler && S->scheduler != r->c)
		return fail(r, "op", "another connection is the scheduler");
	S->scheduler = r->c;
	reply(r, json_pack("{sb}", "scheduler", 1));
	S->pass_sent = 0;
	cs_srv_after_advance(S);
	return 0;
}

/* One decision object into d (node names into nodes[0..]). */
static int parse_decision(req *r, size_t k, const json_t *x, cs_live_decision *d, uint32_t *nodes, size_t room)
{
	static const char *const verbs[] = { "start", "reject", "reserve", "pending" };
	char where[64], err[CS_ERRLEN];
	snprintf(where, sizeof where, "decisions[%zu]", k);
	if (!json_is_object(x))
		return fail(r, where, "%s: must be an object", where);
	int v = -1;
	for (int i = 0; i < 4 && v < 0; i++)
		if (json_object_get(x, verbs[i]))
			v = i;
	if (v < 0)
		return fail(r, where, "%s: one of start, reject, reserve, pending (with a job id)", where);
	*d = (cs_live_decision){ .verb = (cs_live_verb)v, .how = CS_START_HEAD };
	const char *key;
	const json_t *val;
	static const char *const allowed[4][3] = { { "nodes", "backfill", NULL }, { NULL }, { "time", NULL },
						   { "reason", NULL } };
	json_object_foreach((json_t *)x, key, val) {
		int ok = strcmp(key, verbs[v]) == 0;
		for (int i = 0; !ok && allowed[v][i]; i++)
			ok = strcmp(key, allowed[v][i]) == 0;
		if (!ok)
			return fail(r, where, "%s: %s: not a field of a %s decision", where, key, verbs[v]);
	}
	char pre[80];
	snprintf(pre, sizeof pre, "%s.", where);
	if (cs_live_json_int(x, verbs[v], 0, INT64_MAX, 0, 1, &d->id, err, sizeof err) < 0 ||
	    (v == 2 && cs_live_json_int(x, "time", 0, (int64_t)1 << 62, 0, 1, &d->time, err, sizeof err) < 0))
		return fail_msg(r, pre, err);
	const json_t *b = json_object_get(x, "backfill");
	if (b && !json_is_boolean(b))
		return fail(r, where, "%s.backfill: must be true or false", where);
	if (json_is_true(b))
		d->how = CS_START_BACKFILL;
	if (v == 3) {
		const char *why = json_string_value(json_object_get(x, "reason"));
		unsigned w = 0;
		while (why && w < CS_WAIT_N && strcmp(cs_wait_names[w], why) != 0)
			w++;
		if (!why || w == CS_WAIT_N)
			return fail(r, where, "%s.reason: one of Slurm's reasons (Resources, Priority, ...)", where);
		d->reason = w;
	}
	const json_t *ns = json_object_get(x, "nodes");
	if (!ns)
		return 0;
	if (!json_is_array(ns) || json_array_size(ns) == 0 || json_array_size(ns) > room)
		return fail(r, where, "%s.nodes: an array of node names, at most the machine's", where);
	size_t i;
	const json_t *nm;
	json_array_foreach(ns, i, nm) {
		int64_t n = json_is_string(nm) ? cs_live_node_find(r->S->L, json_string_value(nm)) : -1;
		if (n < 0)
			return fail(r, where, "%s.nodes[%zu]: not a node of the cluster", where, i);
		nodes[i] = (uint32_t)n;
	}
	d->nodes = nodes;
	d->nnodes = (uint32_t)json_array_size(ns);
	return 0;
}

static int op_decide(req *r)
{
	srv *S = r->S;
	if (S->scheduler != r->c)
		return fail(r, "op", "only the scheduler decides (op scheduler, under --external)");
	if (!cs_live_waiting_pass(S->L))
		return fail(r, "op", "no pass waits for decisions");
	const json_t *ds = json_object_get(r->o, "decisions"), *stop = json_object_get(r->o, "stop_at_refusal"),
		     *done = json_object_get(r->o, "done");
	if (!json_is_array(ds))
		return fail(r, "decisions", "decisions: must be an array (maybe empty)");
	if ((stop && !json_is_boolean(stop)) || (done && !json_is_boolean(done)))
		return fail(r, stop && !json_is_boolean(stop) ? "stop_at_refusal" : "done", "must be true or false");
	size_t n = json_array_size(ds), room = cs_live_nnodes(S->L);
	cs_live_decision *d = malloc((n + 1) * sizeof *d);
	uint32_t *nodes = malloc((n * room + 1) * sizeof *nodes);
	uint8_t *ok = malloc(n + 1);
	char(*why)[CS_ERRLEN] = malloc((n + 1) * sizeof *why);
	int rc = d && nodes && ok && why ? 0 : fail(r, NULL, "out of memory");
	for (size_t k = 0; k < n && rc == 0; k++)
		rc = parse_decision(r, k, json_array_get(ds, k), &d[k], nodes + k * room, room);
	char err[CS_ERRLEN];
	int fin = !done || json_is_true(done);
	int a = rc == 0 ? cs_live_decide(S->L, d, n, json_is_true(stop), fin, ok, why, err, sizeof err) : 0;
	if (rc == 0 && a < 0)
		rc = fail(r, "op", "%s", err);
	if (rc == 0) {
		json_t *res = json_array();
		for (size_t k = 0; k < n; k++)
			json_array_append_new(res, ok[k] ? json_pack("{sb}", "ok", 1)
							 : json_pack("{sb ss}", "ok", 0, "error", why[k]));
		reply(r, json_pack("{sI so sb}", "applied", (json_int_t)a, "results", res, "done", fin));
	}
	free(d);
	free(nodes);
	free(ok);
	free(why);
	if (rc == 0 && fin) {
		S->pass_sent = 0;
		if (S->adv_on)
			go_on(S, S->adv_drain);
		else
			cs_srv_after_advance(S);
	}
	return rc;
}

static int op_whatif(req *r)
{
	char err[CS_ERRLEN];
	const char *field;
	cs_live_job j;
	if (cs_live_job_parse(json_object_get(r->o, "job"), &j, NULL, &field, err, sizeof err) < 0)
		return fail_msg(r, "job.", err);
	cs_time s, e;
	if (cs_live_whatif(r->S->L, &j, &s, &e, err, sizeof err) < 0)
		return fail_msg(r, "job.", err);
	cs_time submit = j.submit_s < 0 ? cs_live_now(r->S->L) : j.submit_s;
	return reply(r, json_pack("{sI so so so}", "submit", (json_int_t)submit, "start", time_or_null(s), "end",
				  time_or_null(e), "wait", s >= 0 ? json_integer(s - submit) : json_null()));
}

typedef struct opdef {
	const char *name;
	int (*fn)(req *r);
	const char *fields[4]; /* besides id and op */
} opdef;

static const opdef ops[] = {
	{ "submit", op_submit, { "job", "jobs" } },
	{ "cancel", op_cancel, { "job" } },
	{ "job", op_job, { "job" } },
	{ "queue", op_queue, { NULL } },
	{ "cluster", op_cluster, { NULL } },
	{ "step", op_step, { "seconds" } },
	{ "run_until", op_run_until, { "time" } },
	{ "drain", op_drain, { NULL } },
	{ "run", op_run, { "speed" } },
	{ "pause", op_pause, { NULL } },
	{ "subscribe", op_subscribe, { "events" } },
	{ "unsubscribe", op_unsubscribe, { "events" } },
	{ "scheduler", op_scheduler, { NULL } },
	{ "decide", op_decide, { "decisions", "stop_at_refusal", "done" } },
	{ "whatif", op_whatif, { "job" } },
};

void cs_srv_request(client *c, const char *line, size_t len)
{
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	size_t skip = strspn(line, " \t");
	if (skip >= len)
		return; /* a blank line */
	json_error_t je;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!o) {
		cs_srv_error(c, NULL, NULL, "malformed JSON at column %d: %s", je.column, je.text);
		return;
	}
	req r = { .c = c, .S = c->S, .o = o };
	json_t *id = json_is_object(o) ? json_object_get(o, "id") : NULL;
	if (!json_is_object(o)) {
		cs_srv_error(c, NULL, NULL, "a request is a JSON object");
	} else if (!id || !(json_is_integer(id) || json_is_string(id))) {
		cs_srv_error(c, NULL, "id", "id: %s (an integer or a string, echoed in the reply)",
			     id ? "must be an integer or a string" : "required");
	} else {
		r.id = id;
		const char *op = json_string_value(json_object_get(o, "op"));
		const opdef *d = NULL;
		for (size_t i = 0; op && i < sizeof ops / sizeof ops[0] && !d; i++)
			if (strcmp(ops[i].name, op) == 0)
				d = &ops[i];
		if (!d) {
			char list[512] = "";
			for (size_t i = 0, w = 0; i < sizeof ops / sizeof ops[0] && w < sizeof list; i++)
				w += (size_t)snprintf(list + w, sizeof list - w, "%s%s", i ? ", " : "", ops[i].name);
			if (op)
				fail(&r, "op", "op: unknown op '%s' (one of %s)", op, list);
			else
				fail(&r, "op", "op: %s (a string: one of %s)",
				     json_object_get(o, "op") ? "must be a string" : "required", list);
		} else {
			const char *key;
			json_t *val;
			int bad = 0;
			json_object_foreach(o, key, val) {
				int ok = strcmp(key, "id") == 0 || strcmp(key, "op") == 0;
				for (int i = 0; !ok && i < 4 && d->fields[i]; i++)
					ok = strcmp(key, d->fields[i]) == 0;
				if (!ok && !bad) {
					bad = 1;
					fail(&r, key, "%s: not a field of op %s", key, d->name);
				}
			}
			if (!bad)
				d->fn(&r);
		}
	}
	json_decref(o);
}
