/* capsim serve end to end (sim/serve*.c): the protocol over a real
 * socket, every malformed request, many clients, one that vanishes or
 * does not read, a replay against the batch run, SIGTERM with --save and
 * --restore. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "serve_client.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* A server on th_two_partitions_yaml (gpu: a-0..a-2, 4 GPUs each; cpu:
 * b-0, b-1, 16 cores each) under fcfs, with the extra options. */
static char two_yaml[64];
static void start_two(th_server *s, const char *const *extra)
{
	snprintf(two_yaml, sizeof two_yaml, "/tmp/capsim-serve-two-%d.yaml", (int)getpid());
	FILE *f = fopen(two_yaml, "w");
	cr_assert_not_null(f);
	fputs(th_two_partitions_yaml, f);
	fclose(f);
	const char *args[16] = { "--cluster", two_yaml, "--policy", "fcfs" };
	for (size_t i = 0; extra && extra[i] && i < 11; i++)
		args[4 + i] = extra[i];
	th_serve_start(s, args);
}

/* SIGTERM: a clean stop (exit 0), its directory removed. */
static void stop(th_server *s)
{
	cr_assert_eq(th_serve_stop(s), 0);
	th_serve_clean(s);
	if (two_yaml[0])
		unlink(two_yaml);
	two_yaml[0] = 0;
}

/* r contains want (both strings). */
static void expect(char *r, const char *want)
{
	cr_assert_not_null(r);
	cr_assert(strstr(r, want), "reply %s\nwanted %s", r, want);
	free(r);
}

Test(serve, every_malformed_request_gets_an_error_naming_its_field)
{
	th_server s;
	start_two(&s, ARGS("--max-line", "1024"));
	int fd = th_connect(&s);
	expect(th_request(fd, "{not json"), "{\"id\":null,\"error\":{\"field\":null,\"message\":\"malformed JSON at column");
	expect(th_request(fd, "[1,2]"), "\"message\":\"a request is a JSON object\"");
	expect(th_request(fd, "{\"op\":\"queue\"}"), "{\"id\":null,\"error\":{\"field\":\"id\",\"message\":\"id: required");
	expect(th_request(fd, "{\"id\":[1],\"op\":\"queue\"}"), "\"field\":\"id\",\"message\":\"id: must be an integer or a string");
	expect(th_request(fd, "{\"id\":1}"), "{\"id\":1,\"error\":{\"field\":\"op\",\"message\":\"op: required");
	expect(th_request(fd, "{\"id\":2,\"op\":7}"), "\"field\":\"op\",\"message\":\"op: must be a string");
	expect(th_request(fd, "{\"id\":\"x\",\"op\":\"fly\"}"), "{\"id\":\"x\",\"error\":{\"field\":\"op\",\"message\":\"op: unknown op 'fly'");
	expect(th_request(fd, "{\"id\":3,\"op\":\"queue\",\"colour\":1}"), "\"field\":\"colour\",\"message\":\"colour: not a field of op queue");
	expect(th_request(fd, "{\"id\":4,\"op\":\"queue\",\"id\":5}"), "malformed JSON");
	/* jobs: wrong types, ranges, unknown fields, names, partitions */
	expect(th_request(fd, "{\"id\":5,\"op\":\"submit\",\"job\":{\"nodes\":\"2\",\"runtime\":10}}"),
	       "\"field\":\"job.nodes\",\"message\":\"job.nodes: must be an integer");
	expect(th_request(fd, "{\"id\":6,\"op\":\"submit\",\"job\":{\"nodes\":1,\"runtime\":1.5}}"),
	       "\"field\":\"job.runtime\",\"message\":\"job.runtime: must be an integer");
	expect(th_request(fd, "{\"id\":7,\"op\":\"submit\",\"job\":{\"nodes\":1}}"), "\"field\":\"job.runtime\",\"message\":\"job.runtime: required");
	expect(th_request(fd, "{\"id\":8,\"op\":\"submit\",\"job\":{\"nodes\":0,\"runtime\":5}}"), "\"field\":\"job.nodes\"");
	expect(th_request(fd, "{\"id\":9,\"op\":\"submit\",\"job\":{\"nodes\":1,\"runtime\":5,\"colour\":\"red\"}}"),
	       "\"field\":\"job.colour\",\"message\":\"job.colour: not a job field");
	expect(th_request(fd, "{\"id\":10,\"op\":\"submit\",\"job\":{\"nodes\":1,\"runtime\":5,\"partition\":\"tpu\"}}"),
	       "\"field\":\"job.partition\",\"message\":\"job.partition: 'tpu' is not a partition of two");
	expect(th_request(fd, "{\"id\":11,\"op\":\"submit\",\"job\":{\"nodes\":1,\"runtime\":5,\"user\":\"a,b\"}}"),
	       "\"field\":\"job.user\"");
	expect(th_request(fd, "{\"id\":12,\"op\":\"submit\",\"job\":{\"nodes\":1,\"runtime\":5,\"state\":\"gone\"}}"),
	       "\"field\":\"job.state\"");
	expect(th_request(fd, "{\"id\":13,\"op\":\"submit\",\"job\":{\"nodes\":4,\"gpus_per_node\":4,\"runtime\":5,\"partition\":\"gpu\"}}"),
	       "could not run on the empty machine");
	expect(th_request(fd, "{\"id\":14,\"op\":\"submit\",\"job\":{\"id\":5,\"nodes\":1,\"runtime\":5}}"), "{\"id\":14,\"result\":{\"job\":5,\"submit\":0}}");
	expect(th_request(fd, "{\"id\":15,\"op\":\"submit\",\"job\":{\"id\":5,\"nodes\":1,\"runtime\":5}}"),
	       "\"field\":\"job.id\",\"message\":\"job.id: job 5 was submitted already");
	expect(th_request(fd, "{\"id\":16,\"op\":\"submit\",\"job\":{\"nodes\":1,\"runtime\":5},\"jobs\":[]}"), "\"field\":\"job\"");
	expect(th_request(fd, "{\"id\":17,\"op\":\"run_until\",\"time\":100}"), "{\"id\":17,\"result\":{\"time\":100,\"next\":null}}");
	expect(th_request(fd, "{\"id\":18,\"op\":\"submit\",\"job\":{\"nodes\":1,\"runtime\":5,\"submit\":50}}"),
	       "\"field\":\"job.submit\",\"message\":\"job.submit: 50 is before now (100)");
	expect(th_request(fd, "{\"id\":19,\"op\":\"run_until\",\"time\":100}"), "\"field\":\"time\",\"message\":\"time: 100 is out of range");
	expect(th_request(fd, "{\"id\":20,\"op\":\"step\",\"seconds\":-1}"), "\"field\":\"seconds\"");
	expect(th_request(fd, "{\"id\":21,\"op\":\"cancel\",\"job\":99}"), "\"field\":\"job\",\"message\":\"job: no job 99");
	expect(th_request(fd, "{\"id\":22,\"op\":\"cancel\",\"job\":5}"), "\"message\":\"job: job 5 has ended (done)");
	expect(th_request(fd, "{\"id\":23,\"op\":\"job\",\"job\":\"5\"}"), "\"field\":\"job\",\"message\":\"job: must be an integer");
	expect(th_request(fd, "{\"id\":24,\"op\":\"run\",\"speed\":0}"), "\"field\":\"speed\"");
	expect(th_request(fd, "{\"id\":25,\"op\":\"subscribe\",\"events\":[\"weather\"]}"), "\"field\":\"events\"");
	expect(th_request(fd, "{\"id\":26,\"op\":\"scheduler\"}"), "\"message\":\"the server runs policy fcfs");
	expect(th_request(fd, "{\"id\":27,\"op\":\"decide\",\"decisions\":[]}"), "\"message\":\"only the scheduler decides");
	expect(th_request(fd, "{\"id\":28,\"op\":\"whatif\",\"job\":{\"nodes\":1}}"), "\"field\":\"job.runtime\"");
	/* a line past --max-line (1024 bytes): refused, and the next is read */
	char big[3000];
	memset(big, ' ', sizeof big);
	memcpy(big, "{\"id\":29,\"op\":\"queue\"", 21);
	big[sizeof big - 2] = '}';
	big[sizeof big - 1] = '\n';
	th_send(fd, big, sizeof big);
	expect(th_recv(fd, 10000), "\"message\":\"line longer than 1024 bytes: dropped up to its end\"");
	th_send(fd, "\n  \r\n", 5); /* blank lines: no reply */
	expect(th_request(fd, "{\"id\":30,\"op\":\"job\",\"job\":5}"), "{\"id\":30,\"result\":{\"job\":5,\"state\":\"done\",\"submit\":0,\"start\":0,\"end\":5,");
	th_disconnect(fd);
	stop(&s);
}

/* --- cancelling a waiting job --- */

/* FCFS on the two partitions. Job 1 holds the three GPU nodes over [0,
 * 100); job 2 (three nodes, 50 s) waits from 10 and job 3 (one node, 10
 * s) behind it from 20. At 30 job 2 is cancelled: the reply says
 * cancelled, a subscriber is told, the queue holds job 3 alone. At 100
 * job 3 starts (it would have waited for job 2 until 150) and ends at
 * 110. jobs.csv (--out) shows job 2 CANCELLED, start -1, end 30, wait
 * -1, run 0 s, and job 3 [100, 110). */
Test(serve, cancelling_a_waiting_job_gives_the_schedule_without_it)
{
	char out[128];
	th_server s;
	snprintf(out, sizeof out, "/tmp/capsim-serve-cancel-%d", (int)getpid());
	start_two(&s, ARGS("--out", out));
	int fd = th_connect(&s);
	expect(th_request(fd, "{\"id\":1,\"op\":\"submit\",\"jobs\":["
			      "{\"id\":1,\"nodes\":3,\"gpus_per_node\":4,\"runtime\":100,\"partition\":\"gpu\"},"
			      "{\"id\":2,\"submit\":10,\"nodes\":3,\"gpus_per_node\":4,\"runtime\":50,\"partition\":\"gpu\"},"
			      "{\"id\":3,\"submit\":20,\"nodes\":1,\"gpus_per_node\":4,\"runtime\":10,\"partition\":\"gpu\"}]}"),
	       "{\"id\":1,\"result\":{\"jobs\":[1,2,3]}}");
	expect(th_request(fd, "{\"id\":2,\"op\":\"run_until\",\"time\":30}"), "{\"id\":2,\"result\":{\"time\":30,\"next\":100}}");
	expect(th_request(fd, "{\"id\":3,\"op\":\"job\",\"job\":2}"), "\"state\":\"waiting\"");
	expect(th_request(fd, "{\"id\":4,\"op\":\"subscribe\",\"events\":[\"jobs\"]}"), "\"jobs\":true");
	const char *cancel = "{\"id\":5,\"op\":\"cancel\",\"job\":2}\n";
	th_send(fd, cancel, strlen(cancel));
	expect(th_recv(fd, 10000), "{\"event\":\"cancel\",\"time\":30,\"job\":2}");
	expect(th_recv(fd, 10000), "{\"id\":5,\"result\":{\"job\":2,\"state\":\"cancelled\"");
	char *q = th_request(fd, "{\"id\":6,\"op\":\"queue\"}");
	cr_assert(strstr(q, "\"waiting\":[{\"job\":3,") && !strstr(q, "\"job\":2,"), "%s", q);
	free(q);
	expect(th_request(fd, "{\"id\":7,\"op\":\"drain\"}"), "\"result\"");
	expect(th_request(fd, "{\"id\":8,\"op\":\"job\",\"job\":3}"), "\"state\":\"done\",\"submit\":20,\"start\":100,\"end\":110,");
	expect(th_request(fd, "{\"id\":9,\"op\":\"job\",\"job\":2}"), "\"state\":\"cancelled\",\"submit\":10,\"start\":null,");
	th_disconnect(fd);
	stop(&s);
	char path[200];
	th_in(path, sizeof path, out, "jobs.csv");
	char *csv = th_slurp(path, NULL);
	cr_assert_not_null(csv);
	cr_assert(strstr(csv, "\n2,10,-1,30,-1,0,50,-1,,,,CANCELLED,"), "%s", csv);
	cr_assert(strstr(csv, "\n3,20,100,110,80,10,10,-1,,,,COMPLETED,"), "%s", csv);
	free(csv);
	th_sh(NULL, "rm -rf '%s'", out);
}

/* Under a policy without a cancel op (the example plugin built for ABI
 * 2), cancelling a waiting job is refused naming the policy, and nothing
 * changes. */
Test(serve, a_policy_that_cannot_cancel_refuses_with_its_name)
{
	th_server s;
	start_two(&s, ARGS("--policy", th_plugin("no_cancel.so")));
	int fd = th_connect(&s);
	expect(th_request(fd, "{\"id\":1,\"op\":\"submit\",\"jobs\":["
			      "{\"id\":1,\"nodes\":3,\"gpus_per_node\":4,\"runtime\":100,\"partition\":\"gpu\"},"
			      "{\"id\":2,\"submit\":10,\"nodes\":3,\"gpus_per_node\":4,\"runtime\":50,\"partition\":\"gpu\"}]}"),
	       "\"result\"");
	expect(th_request(fd, "{\"id\":2,\"op\":\"run_until\",\"time\":30}"), "\"result\"");
	expect(th_request(fd, "{\"id\":3,\"op\":\"cancel\",\"job\":2}"),
	       "{\"id\":3,\"error\":{\"field\":\"job\",\"message\":\"job: job 2 is waiting and policy fcfs-example cannot "
	       "cancel a waiting job");
	expect(th_request(fd, "{\"id\":4,\"op\":\"job\",\"job\":2}"), "\"state\":\"waiting\"");
	th_disconnect(fd);
	stop(&s);
}

/* --- jobs submitted to several partitions --- */

/* The case of tests/test_live.c by hand through the socket, on two
 * partitions of GPU nodes (a: x-0, x-1; b: y-0, y-1): job 1 holds a over
 * [0, 100); job 2 ("a,b", one node) starts in b at 10, to 60; job 3 ("b|a",
 * two nodes) waits from 20 and starts in b at 60, to 90. A list naming a
 * partition the cluster lacks is refused with its field. */
Test(serve, a_job_of_several_partitions_runs_in_one_of_them)
{
	char *yaml = th_write_tmp(th_two_gpu_partitions_yaml, ".yaml");
	th_server s;
	th_serve_start(&s, ARGS("--cluster", yaml, "--policy", "fcfs"));
	int fd = th_connect(&s);
	expect(th_request(fd, "{\"id\":1,\"op\":\"submit\",\"job\":{\"nodes\":1,\"gpus_per_node\":4,\"runtime\":5,"
			      "\"partition\":\"a,x\"}}"),
	       "{\"id\":1,\"error\":{\"field\":\"job.partition\",\"message\":\"job.partition: 'x' (in 'a,x') is not a "
	       "partition of twin");
	expect(th_request(fd, "{\"id\":2,\"op\":\"submit\",\"jobs\":["
			      "{\"id\":1,\"nodes\":2,\"gpus_per_node\":4,\"runtime\":100,\"partition\":\"a\"},"
			      "{\"id\":2,\"submit\":10,\"nodes\":1,\"gpus_per_node\":4,\"runtime\":50,\"partition\":\"a,b\"},"
			      "{\"id\":3,\"submit\":20,\"nodes\":2,\"gpus_per_node\":4,\"runtime\":30,\"partition\":\"b|a\"}]}"),
	       "{\"id\":2,\"result\":{\"jobs\":[1,2,3]}}");
	expect(th_request(fd, "{\"id\":3,\"op\":\"run_until\",\"time\":30}"), "\"result\"");
	expect(th_request(fd, "{\"id\":4,\"op\":\"job\",\"job\":3}"), "\"state\":\"waiting\"");
	expect(th_request(fd, "{\"id\":5,\"op\":\"job\",\"job\":3}"), "\"partition\":\"b,a\"");
	expect(th_request(fd, "{\"id\":6,\"op\":\"drain\"}"), "\"result\"");
	expect(th_request(fd, "{\"id\":7,\"op\":\"job\",\"job\":2}"), "\"start\":10,\"end\":60,");
	expect(th_request(fd, "{\"id\":8,\"op\":\"job\",\"job\":2}"), "\"node_list\":\"y-");
	expect(th_request(fd, "{\"id\":9,\"op\":\"job\",\"job\":3}"), "\"start\":60,\"end\":90,");
	expect(th_request(fd, "{\"id\":10,\"op\":\"job\",\"job\":3}"), "\"partition\":\"b\"");
	th_disconnect(fd);
	cr_assert_eq(th_serve_stop(&s), 0);
	th_serve_clean(&s);
	th_unlink(yaml);
}

/* --- a replay against the batch run --- */

#include "capsim/trace.h"

/* The first n jobs of two days of the default workload model (seed 1), as
 * a capsim CSV without metadata (a job's line is its number + 1). */
static char *trace_csv(size_t n)
{
	char *out = NULL, *err = NULL;
	cr_assert_eq(th_exec(ARGS("workload", "generate", "--seed", "1", "--days", "2", "--out", "-"), &out, &err), 0,
		     "%s", err);
	free(err);
	char *w = out, *r = out;
	size_t lines = 0;
	while (*r && lines <= n) {
		char *nl = strchr(r, '\n');
		size_t len = nl ? (size_t)(nl - r) + 1 : strlen(r);
		if (*r != '#') {
			memmove(w, r, len);
			w += len;
			lines++;
		}
		r += len;
	}
	*w = 0;
	return out;
}

/* Record i of t as the protocol's job object. */
static void job_json(const cs_trace *t, size_t i, char *buf, size_t len)
{
	const cs_jrec *r = &t->jobs[i];
	snprintf(buf, len,
		 "{\"id\":%lld,\"submit\":%lld,\"nodes\":%u,\"gpus_per_node\":%u,\"cores_per_node\":%u,\"mem_per_node\":%llu,"
		 "\"time_limit\":%lld,\"runtime\":%lld,\"project\":\"%s\",\"user\":\"%s\",\"qos\":\"%s\",\"partition\":\"%s\","
		 "\"state\":\"%s\"}",
		 (long long)r->id, (long long)r->submit_s, r->nodes, r->gpus_per_node, r->cores_per_node,
		 (unsigned long long)r->mem_per_node_mib, (long long)r->time_limit_s, (long long)r->runtime_s,
		 cs_names_get(&t->projects, r->project), cs_names_get(&t->users, r->user), cs_names_get(&t->qos, r->qos),
		 cs_names_get(&t->partitions, r->partition), cs_state_names[r->state]);
}

/* capsim run of csv under policy, its outputs in dir/batch. */
static void batch_run(const char *dir, const char *csv, const char *policy)
{
	char w[128], od[128], *out, *err;
	th_in(w, sizeof w, dir, "w.csv");
	th_in(od, sizeof od, dir, "batch");
	FILE *f = fopen(w, "w");
	cr_assert_not_null(f);
	fputs(csv, f);
	fclose(f);
	cr_assert_eq(th_exec(ARGS("run", "--workload", w, "--policy", policy, "--out", od), &out, &err), 0, "%s", err);
	free(out);
	free(err);
}

static void read_trace(const char *csv, cs_trace *t)
{
	char err[CS_ERRLEN];
	cr_assert_eq(th_read_native(csv, t, err), 0, "%s", err);
}

/* Every job of t in one request (as an array). */
static void submit_trace(int fd, const cs_trace *t)
{
	size_t cap = 64 + t->n * 400;
	char *req = malloc(cap), one[400];
	size_t w = (size_t)snprintf(req, cap, "{\"id\":\"all\",\"op\":\"submit\",\"jobs\":[");
	for (size_t i = 0; i < t->n; i++) {
		job_json(t, i, one, sizeof one);
		w += (size_t)snprintf(req + w, cap - w, "%s%s", i ? "," : "", one);
	}
	snprintf(req + w, cap - w, "]}");
	expect(th_request(fd, req), "{\"id\":\"all\",\"result\":{\"jobs\":[");
	free(req);
}

/* ... then the run drained. */
static void submit_all_and_drain(int fd, const cs_trace *t)
{
	submit_trace(fd, t);
	expect(th_request(fd, "{\"id\":\"d\",\"op\":\"drain\"}"), "{\"id\":\"d\",\"result\":{\"time\":");
}

/* A replay: the first n jobs of the trace, a server with its --out in a
 * directory of its own (its other options: args), stopped, then the batch
 * run of the same CSV under policy beside it, compared file by file. */
typedef struct replay {
	char *csv;
	cs_trace t;
	char dir[32], od[64];
	th_server S;
	int fd;
} replay;

static void replay_begin(replay *r, size_t n, const char *const *args)
{
	r->csv = trace_csv(n);
	read_trace(r->csv, &r->t);
	snprintf(r->dir, sizeof r->dir, "/tmp/capsim-replay-XXXXXX");
	th_mkdtemp(r->dir);
	snprintf(r->od, sizeof r->od, "%s/live", r->dir);
	const char *a[16];
	size_t k = 0;
	for (; args[k] && k < 13; k++)
		a[k] = args[k];
	a[k++] = "--out";
	a[k++] = r->od;
	a[k] = NULL;
	th_serve_start(&r->S, a);
	r->fd = th_connect(&r->S);
}

/* The server stopped (SIGTERM: its outputs written). */
static void replay_stop(replay *r)
{
	th_disconnect(r->fd);
	cr_assert_eq(th_serve_stop(&r->S), 0);
}

static void replay_compare(replay *r, const char *policy)
{
	batch_run(r->dir, r->csv, policy);
	char bd[64];
	th_in(bd, sizeof bd, r->dir, "batch");
	th_expect_same_file(r->od, bd, "jobs.csv");
	th_expect_same_file(r->od, bd, "batsim_jobs.csv");
	th_serve_clean(&r->S);
	th_sh(NULL, "rm -rf '%s'", r->dir);
	cs_trace_free(&r->t);
	free(r->csv);
}

Test(serve, a_replay_through_the_socket_gives_the_batch_schedule)
{
	replay r;
	replay_begin(&r, 300, ARGS("--policy", "easy"));
	submit_all_and_drain(r.fd, &r.t);
	replay_stop(&r);
	replay_compare(&r, "easy");
}

Test(serve, jobs_sent_one_at_a_time_as_the_clock_moves_give_the_batch_schedule)
{
	/* each job sent when the clock reaches its submit time (run_until),
	 * as a live feed would: every arrival makes the run again */
	replay r;
	replay_begin(&r, 120, ARGS("--policy", "conservative"));
	char req[600], one[400];
	cs_time now = 0;
	for (size_t i = 0; i < r.t.n; i++) {
		if (r.t.jobs[i].submit_s > now) {
			now = r.t.jobs[i].submit_s;
			snprintf(req, sizeof req, "{\"id\":%zu,\"op\":\"run_until\",\"time\":%lld}", i, (long long)now);
			expect(th_request(r.fd, req), "\"result\":{\"time\":");
		}
		job_json(&r.t, i, one, sizeof one);
		snprintf(req, sizeof req, "{\"id\":%zu,\"op\":\"submit\",\"job\":%s}", i, one);
		expect(th_request(r.fd, req), "\"result\":{\"job\":");
	}
	expect(th_request(r.fd, "{\"id\":\"d\",\"op\":\"drain\"}"), "\"result\":{\"time\":");
	replay_stop(&r);
	replay_compare(&r, "conservative");
}

/* --- clients that misbehave, and many at once --- */

/* n one-node CPU jobs of 10 s on th_two_partitions_yaml's cpu partition,
 * submitted in one request. */
static void many_cpu_jobs(int fd, size_t n)
{
	size_t cap = 64 + n * 100, w;
	char *req = malloc(cap);
	w = (size_t)snprintf(req, cap, "{\"id\":\"many\",\"op\":\"submit\",\"jobs\":[");
	for (size_t i = 0; i < n; i++)
		w += (size_t)snprintf(req + w, cap - w, "%s{\"nodes\":1,\"cores_per_node\":16,\"runtime\":10,\"partition\":\"cpu\"}",
				      i ? "," : "");
	snprintf(req + w, cap - w, "]}");
	expect(th_request(fd, req), "{\"id\":\"many\",\"result\":{\"jobs\":[1,2,");
	free(req);
}

Test(serve, a_client_killed_mid_line_leaves_the_others_served)
{
	/* a client subscribed to every event sends half a request and is
	 * killed while events stream to it; the other one's 400 jobs (two CPU
	 * nodes, 10 s each: 200 rounds) run to 2,000 s and it is answered,
	 * a what-if among its requests */
	th_server s;
	start_two(&s, NULL);
	pid_t kid = fork();
	cr_assert(kid >= 0);
	if (kid == 0) {
		int k = th_connect(&s);
		th_send(k, "{\"id\":1,\"op\":\"subscribe\",\"events\":[\"jobs\",\"utilization\"]}\n{\"id\":2,\"op\":\"que", 70);
		pause();
		_exit(0);
	}
	int fd = th_connect(&s);
	many_cpu_jobs(fd, 400);
	expect(th_request(fd, "{\"id\":3,\"op\":\"step\",\"seconds\":500}"), "{\"id\":3,\"result\":{\"time\":500,");
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	/* what-if: one more such job waits behind the 400 (FCFS): jobs 399 and
	 * 400 run over [1990, 2000), so it would start at 2000; asking does
	 * not submit it */
	expect(th_request(fd, "{\"id\":\"w\",\"op\":\"whatif\",\"job\":{\"nodes\":1,\"cores_per_node\":16,\"runtime\":10,"
			      "\"partition\":\"cpu\"}}"),
	       "{\"id\":\"w\",\"result\":{\"submit\":500,\"start\":2000,\"end\":2010,\"wait\":1500}}");
	expect(th_request(fd, "{\"id\":4,\"op\":\"drain\"}"), "{\"id\":4,\"result\":{\"time\":2001,\"next\":null}}");
	expect(th_request(fd, "{\"id\":6,\"op\":\"cluster\"}"), "\"jobs\":400,");
	expect(th_request(fd, "{\"id\":5,\"op\":\"job\",\"job\":400}"), "\"state\":\"done\",\"submit\":0,\"start\":1990,\"end\":2000");
	th_disconnect(fd);
	stop(&s);
}

Test(serve, a_client_that_does_not_read_is_dropped_and_the_others_go_on)
{
	/* --max-output 65536: a subscriber that never reads is dropped once
	 * 64 KiB wait for it (beyond what the socket holds); the client that
	 * drives 6,000 jobs is answered throughout */
	th_server s;
	start_two(&s, ARGS("--max-output", "65536"));
	int lazy = th_connect(&s);
	expect(th_request(lazy, "{\"id\":1,\"op\":\"subscribe\",\"events\":[\"jobs\",\"utilization\"]}"), "\"result\"");
	int fd = th_connect(&s);
	many_cpu_jobs(fd, 6000);
	expect(th_request(fd, "{\"id\":2,\"op\":\"drain\"}"), "{\"id\":2,\"result\":{\"time\":30001,\"next\":null}}");
	char *log = th_slurp(s.log, NULL);
	cr_assert(strstr(log, "a client dropped: it does not read what it is sent"), "%s", log);
	free(log);
	/* what the lazy one gets ends: the server closed it */
	char *l;
	size_t lines = 0;
	while ((l = th_recv(lazy, 10000))) {
		lines++;
		free(l);
	}
	cr_assert_gt(lines, 100);
	expect(th_request(fd, "{\"id\":3,\"op\":\"queue\"}"), "{\"id\":3,\"result\":{\"time\":30001,\"waiting\":[],\"running\":[]}}");
	th_disconnect(fd);
	th_disconnect(lazy);
	stop(&s);
}

Test(serve, twenty_clients_at_once_each_get_their_own_replies)
{
	/* 20 connections each send 10 submissions before reading any reply:
	 * each reads its 10 replies, in its order, with its ids */
	th_server s;
	start_two(&s, NULL);
	int fds[20];
	char req[200];
	for (int c = 0; c < 20; c++)
		fds[c] = th_connect(&s);
	for (int k = 0; k < 10; k++)
		for (int c = 0; c < 20; c++) {
			int n = snprintf(req, sizeof req, "{\"id\":\"c%d-%d\",\"op\":\"submit\",\"job\":{\"id\":%d,\"nodes\":1,"
					 "\"runtime\":5,\"partition\":\"cpu\"}}\n", c, k, 1000 + c * 10 + k);
			th_send(fds[c], req, (size_t)n);
		}
	for (int c = 0; c < 20; c++)
		for (int k = 0; k < 10; k++) {
			snprintf(req, sizeof req, "{\"id\":\"c%d-%d\",\"result\":{\"job\":%d,\"submit\":0}}", c, k,
				 1000 + c * 10 + k);
			char *r = th_recv(fds[c], 10000);
			cr_assert_not_null(r);
			cr_assert_str_eq(r, req);
			free(r);
		}
	expect(th_request(fds[7], "{\"id\":1,\"op\":\"cluster\"}"), "\"jobs\":200");
	for (int c = 0; c < 20; c++)
		th_disconnect(fds[c]);
	stop(&s);
}

/* --- stopping, saving, restoring --- */

/* The 300 jobs to day 1 (a running job cancelled there), then to the end,
 * with or without a SIGTERM, --save and --restore at day 1. */
static void to_day_one(int fd, const cs_trace *t, int64_t *cancelled)
{
	submit_trace(fd, t);
	expect(th_request(fd, "{\"id\":1,\"op\":\"run_until\",\"time\":86400}"), "\"result\":{\"time\":86400");
	char *q = th_request(fd, "{\"id\":2,\"op\":\"queue\"}");
	char *run = strstr(q, "\"running\":[{\"job\":");
	cr_assert_not_null(run, "%s", q);
	*cancelled = strtoll(run + 18, NULL, 10);
	free(q);
	char c[100];
	snprintf(c, sizeof c, "{\"id\":3,\"op\":\"cancel\",\"job\":%lld}", (long long)*cancelled);
	expect(th_request(fd, c), "\"state\":\"cancelled\"");
}

Test(serve, sigterm_saves_the_state_and_a_restored_server_goes_on_as_the_first_would)
{
	char *csv = trace_csv(300);
	cs_trace t;
	read_trace(csv, &t);
	char dir[] = "/tmp/capsim-save-XXXXXX", save[128], a[128], b[128];
	th_mkdtemp(dir);
	th_in(save, sizeof save, dir, "state.json");
	th_in(a, sizeof a, dir, "straight");
	th_in(b, sizeof b, dir, "restored");
	int64_t c1, c2;
	/* straight through */
	th_server S;
	th_serve_start(&S, ARGS("--policy", "easy", "--out", a));
	int fd = th_connect(&S);
	to_day_one(fd, &t, &c1);
	expect(th_request(fd, "{\"id\":4,\"op\":\"drain\"}"), "\"result\"");
	th_disconnect(fd);
	cr_assert_eq(th_serve_stop(&S), 0);
	th_serve_clean(&S);
	/* stopped at day 1 with --save, then restored */
	th_serve_start(&S, ARGS("--policy", "easy", "--save", save));
	fd = th_connect(&S);
	to_day_one(fd, &t, &c2);
	cr_assert_eq(c1, c2);
	cr_assert_eq(th_serve_stop(&S), 0);
	char *log = th_slurp(S.log, NULL);
	cr_assert(strstr(log, "SIGTERM: stopping") && strstr(log, "state saved in"), "%s", log);
	free(log);
	th_disconnect(fd);
	th_serve_clean(&S);
	th_serve_start(&S, ARGS("--policy", "easy", "--restore", save, "--out", b));
	fd = th_connect(&S);
	expect(th_request(fd, "{\"id\":1,\"op\":\"cluster\"}"), "\"time\":86400");
	expect(th_request(fd, "{\"id\":2,\"op\":\"drain\"}"), "\"result\"");
	th_disconnect(fd);
	cr_assert_eq(th_serve_stop(&S), 0);
	th_serve_clean(&S);
	th_expect_same_file(a, b, "jobs.csv");
	/* restored under another policy: refused */
	char *out, *err;
	cr_assert_eq(th_exec(ARGS("serve", "--listen", "unix:/tmp/capsim-never.sock", "--policy", "fcfs", "--restore", save),
			     &out, &err), 2);
	cr_assert(strstr(err, "saved on cluster national-ai-dc under policy easy"), "%s", err);
	free(out);
	free(err);
	th_sh(NULL, "rm -rf '%s'", dir);
	cs_trace_free(&t);
	free(csv);
}

/* A config with a failure model, checkpoints or maintenance: capsim run
 * models them, a live run does not, so serve refuses it (exit 2). */
Test(serve, a_cluster_with_a_failure_model_is_refused)
{
	char cfg[600], *out, *err;
	snprintf(cfg, sizeof cfg, "%s/configs/clusters/national-ai-dc-failures.yaml", th_root());
	cr_assert_eq(th_exec(ARGS("serve", "--listen", "unix:/tmp/capsim-never.sock", "--cluster", cfg), &out, &err), 2,
		     "%s", err);
	cr_assert(strstr(err, "national-ai-dc-failures.yaml: failures, checkpoints and maintenance are not "
			      "modelled by capsim serve"),
		  "%s", err);
	free(out);
	free(err);
}

/* --- TCP, real time --- */

Test(serve, listens_on_tcp_and_runs_in_real_time_at_a_speed)
{
	/* port 0: the port chosen is in the log; at speed 1e6 the clock runs
	 * a million seconds a second, the timer moving it every 100 ms; paused,
	 * it stops */
	char dir[] = "/tmp/capsim-tcp-XXXXXX", logp[64];
	th_mkdtemp(dir);
	th_in(logp, sizeof logp, dir, "log");
	pid_t pid = fork();
	if (pid == 0) {
		freopen(logp, "w", stderr);
		execl(th_bin(), th_bin(), "serve", "--listen", "127.0.0.1:0", "--policy", "fcfs", (char *)NULL);
		_exit(127);
	}
	int port = 0;
	for (int i = 0; i < 3000 && !port; i++) {
		char *l = th_slurp(logp, NULL);
		char *at = l ? strstr(l, "listening on 127.0.0.1:") : NULL;
		if (at)
			port = atoi(at + 23);
		free(l);
		usleep(10000);
	}
	cr_assert_gt(port, 0);
	char cmd[512], *out;
	snprintf(cmd, sizeof cmd,
		 "python3 -c 'import socket,json,time\n"
		 "s=socket.create_connection((\"127.0.0.1\",%d)); f=s.makefile(\"rw\")\n"
		 "def rq(o): f.write(json.dumps(o)+\"\\n\"); f.flush(); return json.loads(f.readline())\n"
		 "print(rq({\"id\":1,\"op\":\"run\",\"speed\":1e6})[\"result\"][\"speed\"])\n"
		 "time.sleep(0.5)\n"
		 "print(rq({\"id\":2,\"op\":\"step\"})[\"error\"][\"message\"])\n"
		 "t=rq({\"id\":3,\"op\":\"pause\"})[\"result\"][\"time\"]; print(t > 100000)\n"
		 "time.sleep(0.3); print(rq({\"id\":4,\"op\":\"cluster\"})[\"result\"][\"time\"] == t)'", port);
	cr_assert_eq(th_sh(&out, "%s", cmd), 0, "%s", out);
	cr_assert_str_eq(out, "1000000.0\nthe clock runs in real time: pause first\nTrue\nTrue\n");
	free(out);
	kill(pid, SIGTERM);
	int st;
	waitpid(pid, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	th_sh(NULL, "rm -rf '%s'", dir);
}

/* --- an external scheduler --- */

Test(serve, the_python_fcfs_client_gives_the_built_in_fcfs_schedule)
{
	/* examples/fcfs_client.py as the scheduler of --external; the jobs
	 * (several partitions: one queue each) sent from here */
	replay r;
	replay_begin(&r, 300, ARGS("--external"));
	char client[256], addr[160];
	snprintf(client, sizeof client, "%s/examples/fcfs_client.py", th_root());
	snprintf(addr, sizeof addr, "unix:%s", r.S.sock);
	pid_t py = fork();
	if (py == 0) {
		execlp("python3", "python3", client, addr, (char *)NULL);
		_exit(127);
	}
	/* the passes wait for the scheduler until it has registered */
	submit_all_and_drain(r.fd, &r.t);
	replay_stop(&r);
	int st;
	waitpid(py, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the client exited %d", st);
	replay_compare(&r, "fcfs");
}

/* --- the twin, from a file --- */

#include <time.h>

Test(serve, a_twin_reads_squeue_lines_from_a_file)
{
	/* On th_two_partitions_yaml: job 7 runs on a-0 and a-1 (4 GPUs each),
	 * started 600 s ago with a 1-hour limit: 3,000 s left. Job 9 (2 nodes,
	 * 10 minutes) was submitted before job 8 (1 node, 30 minutes): FCFS
	 * keeps both waiting though a-2 could take job 8. An array task is
	 * skipped. A 1-node job asked about waits behind both: 9 and 8 start
	 * when 7 ends (three nodes free), and the first node back is one of
	 * 9's, 600 s later. */
	char path[64], line[512], start[32];
	snprintf(path, sizeof path, "/tmp/capsim-squeue-%d.txt", (int)getpid());
	time_t t = time(NULL) - 600;
	strftime(start, sizeof start, "%Y-%m-%dT%H:%M:%S", localtime(&t));
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	snprintf(line, sizeof line, "7|RUNNING|gpu|2|16|gres:gpu:4|0|1:00:00|2026-01-01T00:00:00|%s|u1|p1|a-[0-1]\n", start);
	fputs(line, f);
	fputs("8|PENDING|gpu|1|4|gres/gpu:h100:4|0|30:00|2026-01-01T00:01:00|N/A|u2|p1|\n"
	      "9|PENDING|gpu|2|2|gpu:4|1G|10:00|2026-01-01T00:00:30|N/A|u3|(null)|\n"
	      "10_3|PENDING|gpu|1|1|gpu:1|0|10:00|2026-01-01T00:00:30|N/A|u3|(null)|\n", f);
	fclose(f);
	th_server s;
	start_two(&s, ARGS("--follow-file", path, "--interval", "3600"));
	int fd = th_connect(&s);
	char *c = th_request(fd, "{\"id\":1,\"op\":\"cluster\"}");
	cr_assert(strstr(c, "\"running\":1,\"pending\":2,\"skipped\":1,\"error\":\"\""), "%s", c);
	free(c);
	char *q = th_request(fd, "{\"id\":2,\"op\":\"queue\"}");
	cr_assert(strstr(q, "\"waiting\":[{\"job\":9,"), "%s", q);
	cr_assert(strstr(q, "{\"job\":8,"), "%s", q);
	char *run = strstr(q, "\"running\":[{\"job\":7,");
	cr_assert_not_null(run, "%s", q);
	cr_assert(strstr(run, "\"node_list\":\"a-[0-1]\""), "%s", q);
	long end7 = strtol(strstr(run, "\"end\":") + 6, NULL, 10), now = strtol(strstr(q, "\"time\":") + 7, NULL, 10);
	cr_assert(end7 - now >= 2990 && end7 - now <= 3000, "job 7 ends at %ld, now %ld", end7, now);
	free(q);
	char *w = th_request(fd, "{\"id\":3,\"op\":\"whatif\",\"job\":{\"nodes\":1,\"gpus_per_node\":4,\"runtime\":60,"
				 "\"partition\":\"gpu\"}}");
	char want[64];
	snprintf(want, sizeof want, "\"start\":%ld,", end7 + 600);
	cr_assert(strstr(w, want), "%s (wanted %s)", w, want);
	free(w);
	th_disconnect(fd);
	stop(&s);
	/* a file that does not parse: the state stays (empty), the error is told */
	f = fopen(path, "w");
	fputs("7|RUNNING|gpu\n", f);
	fclose(f);
	start_two(&s, ARGS("--follow-file", path, "--interval", "3600"));
	fd = th_connect(&s);
	expect(th_request(fd, "{\"id\":4,\"op\":\"cluster\"}"),
	       "\"error\":\"line 1: 3 fields, not the 13 of the twin's squeue --format\"}");
	th_disconnect(fd);
	stop(&s);
	unlink(path);
}
