/* Preemption in the engine (cs_ctx_preempt): a small preempting FCFS
 * written here, on a one-node-type cluster worked out by hand. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/run.h"
#include "capsim/sched.h"
#include "helpers.h"

/* 2 nodes x 4 GPUs. */
static const char two_yaml[] =
	"name: two\n"
	"site: {pue: 1}\n"
	"node_types:\n"
	"  - name: g4\n"
	"    count: 2\n"
	"    topology: \"pack:2 numa:1 core:4 pu:1\"\n"
	"    memory_gib: 64\n"
	"    gpus: {model: H100-SXM5-80GB, count: 4, per_package: 2, peak_tflops: {fp64: 34}}\n"
	"    power_w: {idle: 1000, peak: 5000}\n"
	"partitions:\n"
	"  - {name: gpu, node_types: [g4], max_time_s: 86400}\n";

#define HDR "id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,runtime,qos,partition,state\n"

/* FCFS whose head, if its QoS index is 1 ("high": the second QoS name in
 * the file), preempts running QoS-0 jobs, the latest started first, until
 * it starts. */
typedef struct pf {
	uint32_t *q;
	size_t n;
	const cs_job *jobs;
	unsigned how;
	cs_time grace;  /* > 0: cs_ctx_preempt_after, and the head waits */
	uint8_t *mine;  /* per job: started here, not yet stopped here nor told gone (cs_ctx_left) */
	size_t nmine;
} pf;

static cs_time pf_shadow = -1; /* pooled: the head's shadow time just after it signalled */
static cs_time pf_plan = -1;   /* node model: the head's plan (cs_ctx_plan) just after it signalled */

static int pf_init(void **state, const cs_policy_env *env, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	pf *p = calloc(1, sizeof *p);
	p->q = calloc(env->njobs + 1, sizeof *p->q);
	p->mine = calloc(env->njobs + 1, 1);
	p->jobs = env->jobs;
	const char *how = cs_policy_param_get(env, "how");
	p->how = how && !strcmp(how, "kill") ? CS_PREEMPT_KILL : CS_PREEMPT_REQUEUE;
	const char *grace = cs_policy_param_get(env, "grace");
	p->grace = grace ? atoll(grace) : 0;
	*state = p;
	return 0;
}

static void pf_submit(void *state, uint32_t jid)
{
	pf *p = state;
	p->q[p->n++] = jid;
}

static void pf_pass(void *state, cs_sched_ctx *ctx)
{
	pf *p = state;
	/* the jobs told gone since the last pass were running here; with
	 * them off, the jobs started here are the running set */
	for (size_t i = 0; i < cs_ctx_nleft(ctx); i++) {
		uint32_t jid = cs_ctx_left(ctx, i);
		cr_assert(p->mine[jid], "job %u told gone at %lld", jid, (long long)cs_ctx_now(ctx));
		p->mine[jid] = 0;
		p->nmine--;
	}
	cr_assert_eq(p->nmine, cs_ctx_nrunning(ctx), "at %lld", (long long)cs_ctx_now(ctx));
	/* the running set holds running jobs only (a stopped one has left it) */
	for (size_t i = 0; i < cs_ctx_nrunning(ctx); i++) {
		cs_time e;
		uint32_t sz, jid;
		cs_ctx_running(ctx, i, &e, &sz, &jid);
		cr_assert(p->jobs[jid].start_s >= 0 && !(p->jobs[jid].flags & CS_JOB_RELEASED),
			  "job %u in the running set at %lld", jid, (long long)cs_ctx_now(ctx));
		cr_assert(p->mine[jid], "job %u running, not started here", jid);
	}
	while (p->n) {
		uint32_t h = p->q[0];
		if (cs_ctx_start(ctx, h, CS_START_HEAD) < 0) {
			if (p->jobs[h].queue != 1)
				return;
			/* the latest-started low job */
			uint32_t victim = UINT32_MAX;
			cs_time latest = -1;
			for (size_t i = 0; i < cs_ctx_nrunning(ctx); i++) {
				cs_time e;
				uint32_t sz, jid;
				cs_ctx_running(ctx, i, &e, &sz, &jid);
				if (p->jobs[jid].queue == 0 && p->jobs[jid].start_s > latest) {
					latest = p->jobs[jid].start_s;
					victim = jid;
				}
			}
			if (victim == UINT32_MAX)
				return;
			if (p->grace > 0) {
				/* node model: a plan made before the signal moves earlier with it */
				cs_time before;
				if (cs_ctx_node_model(ctx))
					cr_assert_eq(cs_ctx_plan(ctx, h, CS_START_HEAD, &before), 0);
				/* signalled once; a later pass finds it signalled already */
				if (cs_ctx_preempt_after(ctx, victim, p->how, p->grace) == 0) {
					uint32_t f;
					if (!cs_ctx_node_model(ctx))
						cr_assert_eq(cs_ctx_shadow(ctx, p->jobs[h].size, &pf_shadow, &f), 0);
					else
						cr_assert_eq(cs_ctx_plan(ctx, h, CS_START_HEAD, &pf_plan), 0);
				}
				return;
			}
			cr_assert_eq(cs_ctx_preempt(ctx, victim, p->how), 0);
			p->mine[victim] = 0;
			p->nmine--;
			continue;
		}
		p->mine[h] = 1;
		p->nmine++;
		memmove(p->q, p->q + 1, --p->n * sizeof *p->q);
	}
}

static void pf_destroy(void *state)
{
	pf *p = state;
	free(p->q);
	free(p->mine);
	free(p);
}

static const cs_policy_param pf_params[] = { { "how", "requeue", "requeue or kill" },
					     { "grace", "0", "seconds of grace (cs_ctx_preempt_after)" },
					     { NULL, NULL, NULL } };
static const cs_policy_ops pf_ops = { .abi = CS_POLICY_ABI, .name = "pfcfs", .summary = "test", .params = pf_params,
				      .init = pf_init, .submit = pf_submit, .pass = pf_pass, .destroy = pf_destroy };

/* The run, with pf_ops swapped in for the policy cs_run resolves (fcfs). */
static void run_two(const char *csv, const char *how, cs_run_result *r)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "fcfs";
	o.keys[0] = "how";
	o.vals[0] = how;
	o.nparams = 1;
	o.test_ops = &pf_ops;
	th_run_on(two_yaml, csv, ".csv", &o, r);
}

/* J1 (low, 4 GPUs, 1000 s) starts at 0 on one node, J2 (low, 4 GPUs)
 * at 10 on the other. J3 (high, 4 GPUs) at 100 preempts J2, the latest
 * started: J3 runs 100..600. J2, requeued, waits for the first free node:
 * J3's, at 600, and runs its full 1000 s again: 600..1600; it lost 90 s. */
Test(preempt, requeue_restarts_and_keeps_the_books)
{
	cs_run_result r;
	run_two(HDR "1,a,u,0,1,4,0,0,1000,1000,low,gpu,completed\n"
		    "2,a,u,10,1,4,0,0,1000,1000,low,gpu,completed\n"
		    "3,b,v,100,1,4,0,0,500,500,high,gpu,completed\n",
		"requeue", &r);
	cr_assert_eq(th_start(&r, 3), 100);
	cr_assert_eq(th_job(&r, 3)->end_s, 600);
	cr_assert_eq(th_start(&r, 2), 600);
	cr_assert_eq(th_job(&r, 2)->end_s, 1600);
	cr_assert_eq(th_job(&r, 2)->preemptions, 1);
	cr_assert_eq(th_job(&r, 2)->preempted_s, 90);
	cr_assert_eq(th_job(&r, 1)->preemptions, 0);
	cr_assert_eq(r.est.preemptions, 1);
	cr_assert_eq(r.est.requeues, 1);
	/* GPU-seconds: 4 x (1000 + 90 + 1000 + 500), runs and lost runs alike */
	double gs = 0;
	for (size_t i = 0; i < r.njobs; i++) {
		const cs_job *j = &r.jobs[i];
		gs += (double)j->nodes * j->gpus_per_node * (double)(j->end_s - j->start_s + j->preempted_s);
	}
	cr_assert_float_eq(gs, 4.0 * 2590, 1e-9);
	cs_run_result_free(&r);
}

/* Kill: J2 ends at 100 having run 90 s; it is not run again. */
Test(preempt, kill_ends_the_job)
{
	cs_run_result r;
	run_two(HDR "1,a,u,0,1,4,0,0,1000,1000,low,gpu,completed\n"
		    "2,a,u,10,1,4,0,0,1000,1000,low,gpu,completed\n"
		    "3,b,v,100,1,4,0,0,500,500,high,gpu,completed\n",
		"kill", &r);
	cr_assert_eq(th_start(&r, 3), 100);
	cr_assert_eq(th_start(&r, 2), 10);
	cr_assert_eq(th_job(&r, 2)->end_s, 100);
	cr_assert_eq(th_job(&r, 2)->runtime_s, 90);
	cr_assert(th_job(&r, 2)->flags & CS_JOB_PREEMPT_KILLED);
	cr_assert_eq(th_job(&r, 2)->preempted_s, 0);
	cr_assert_eq(r.est.requeues, 0);
	cs_run_result_free(&r);
}

/* Two high jobs, each preempting one low job: both lows requeue, and the
 * stale end events of the stopped runs change nothing. */
Test(preempt, stale_end_events_are_ignored)
{
	cs_run_result r;
	run_two(HDR "1,a,u,0,1,4,0,0,1000,1000,low,gpu,completed\n"
		    "2,a,u,0,1,4,0,0,1000,1000,low,gpu,completed\n"
		    "3,b,v,100,1,4,0,0,50,50,high,gpu,completed\n"
		    "4,b,v,100,1,4,0,0,50,50,high,gpu,completed\n",
		"requeue", &r);
	cr_assert_eq(th_start(&r, 3), 100);
	cr_assert_eq(th_start(&r, 4), 100);
	cr_assert_eq(th_start(&r, 1), 150);
	cr_assert_eq(th_start(&r, 2), 150);
	cr_assert_eq(th_job(&r, 1)->end_s, 1150);
	cr_assert_eq(r.est.requeues, 2);
	cs_run_result_free(&r);
}

/* The engine's grace on a pooled machine (4 processors; SWF queue 0 is
 * low, 1 high): J1 (4 procs, 0..1000) is signalled at 100 with grace 300;
 * right after, the head J2's shadow time is 400 (J1 counts as ending at
 * its grace's end, not at 1000). J1 is requeued at 400 having run 400 s;
 * J2 runs 400-500, J1 again 500-1500. */
Test(preempt, engine_grace_on_a_pooled_machine)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "fcfs";
	o.procs = 4;
	o.keys[0] = "how";
	o.vals[0] = "requeue";
	o.keys[1] = "grace";
	o.vals[1] = "300";
	o.nparams = 2;
	o.test_ops = &pf_ops;
	cs_run_result r;
	pf_shadow = -1;
	th_run_text("1 0 -1 1000 4 -1 -1 4 1000 -1 1 1 1 -1 0 -1 -1 -1\n"
		    "2 100 -1 100 4 -1 -1 4 100 -1 1 1 1 -1 1 -1 -1 -1\n",
		    &o, &r);
	cr_expect_eq(pf_shadow, 400);
	cr_expect_eq(th_start(&r, 2), 400);
	cr_expect_eq(th_start(&r, 1), 500);
	cr_expect_eq(th_job(&r, 1)->end_s, 1500);
	cr_expect_eq(th_job(&r, 1)->preempted_s, 400);
	cr_expect_eq(th_job(&r, 1)->preemptions, 1);
	cr_expect_eq(r.est.signalled, 1);
	cs_run_result_free(&r);
}

/* The engine's grace on the node model, killing: J1 and J2 are low (one
 * node each, 0..1000 and 10..1010); J3 (high) at 100 signals J2 (the
 * latest started) with grace 50: J2 is killed at 150 having run 140 s,
 * J3 runs 150-650, J1 is untouched. J3's plan (made before the signal:
 * 1000, J1's end) moves to 150 right after it: the plans' profile gives
 * J2's node back at its grace end. */
Test(preempt, engine_grace_then_kill_on_the_node_model)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "fcfs";
	o.keys[0] = "how";
	o.vals[0] = "kill";
	o.keys[1] = "grace";
	o.vals[1] = "50";
	o.nparams = 2;
	o.test_ops = &pf_ops;
	cs_run_result r;
	pf_plan = -1;
	th_run_on(two_yaml,
		  HDR "1,a,u,0,1,4,0,0,1000,1000,low,gpu,completed\n"
		      "2,a,u,10,1,4,0,0,1000,1000,low,gpu,completed\n"
		      "3,b,v,100,1,4,0,0,500,500,high,gpu,completed\n",
		  ".csv", &o, &r);
	cr_expect_eq(pf_plan, 150);
	cr_expect_eq(th_start(&r, 3), 150);
	cr_expect_eq(th_job(&r, 2)->end_s, 150);
	cr_expect_eq(th_job(&r, 2)->runtime_s, 140);
	cr_expect(th_job(&r, 2)->flags & CS_JOB_PREEMPT_KILLED);
	cr_expect_eq(th_job(&r, 1)->end_s, 1000);
	cs_run_result_free(&r);
}

/* multifactor's QoS preemption (preempt_mode, --accounts qos preempt lists)
 * on the tiny cluster of tests/test_nodemodel.c's kind: 3 GPU nodes. */
static const char three_yaml[] =
	"name: three\n"
	"site: {pue: 1}\n"
	"node_types:\n"
	"  - name: g4\n"
	"    count: 3\n"
	"    topology: \"pack:2 numa:1 core:4 pu:1\"\n"
	"    memory_gib: 64\n"
	"    gpus: {model: H100-SXM5-80GB, count: 4, per_package: 2, peak_tflops: {fp64: 34}}\n"
	"    power_w: {idle: 1000, peak: 5000}\n"
	"partitions:\n"
	"  - {name: gpu, node_types: [g4], max_time_s: 86400}\n";

static const char qos_accounts[] =
	"accounts:\n"
	"  - {name: a}\n"
	"  - {name: b}\n"
	"qos:\n"
	"  - {name: low, priority: 0}\n"
	"  - {name: high, priority: 100, preempt: [low]}\n";

/* multifactor with preempt_mode=mode and, if key, key=val */
static void run_mf_opt(const char *csv, const char *mode, const char *key, const char *val, const char *out_dir,
		       cs_run_result *r)
{
	char *a = th_write_tmp(qos_accounts, ".yaml");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.accounts = a;
	o.policy = "multifactor";
	o.keys[0] = "preempt_mode";
	o.vals[0] = mode;
	o.nparams = 1;
	if (key) {
		o.keys[1] = key;
		o.vals[1] = val;
		o.nparams = 2;
	}
	o.out_dir = out_dir;
	th_run_on(three_yaml, csv, ".csv", &o, r);
	th_unlink(a);
}

static void run_mf(const char *csv, const char *mode, const char *out_dir, cs_run_result *r)
{
	run_mf_opt(csv, mode, NULL, NULL, out_dir, r);
}

#define QOS_JOBS HDR "1,a,u,0,3,4,0,0,1000,1000,low,gpu,completed\n" \
		     "2,b,v,100,1,4,0,0,100,100,high,gpu,completed\n"

/* J2 (high) preempts J1 (low, all three nodes) at 100 and runs to 200;
 * J1, requeued, starts over at 200 and ends at 1200, having lost 100 s.
 * The recorder's GPU-hours (projects.csv) count the lost run too: 12 GPUs x
 * (100 + 1000) s for a, 4 x 100 s for b. */
Test(preempt, multifactor_qos_requeue)
{
	char dir[] = "/tmp/capsim-preempt-XXXXXX";
	th_mkdtemp(dir);
	cs_run_result r;
	run_mf(QOS_JOBS, "requeue", dir, &r);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_start(&r, 1), 200);
	cr_assert_eq(th_job(&r, 1)->end_s, 1200);
	cr_assert_eq(th_job(&r, 1)->preempted_s, 100);
	cr_assert_eq(th_job(&r, 1)->preemptions, 1);
	cs_run_result_free(&r);
	char path[256];
	th_in(path, sizeof path, dir, "projects.csv");
	char *text = th_slurp(path, NULL);
	cr_assert_not_null(text);
	/* header then one line per project: a's GPU-hours = 12 x 1100 / 3600 */
	cr_assert(strstr(text, "3.666") || strstr(text, "13200"), "%s", text);
	free(text);
	/* the fair-share window [0,1200) (docs/fairshare.md): demand a 12 x
	 * 1200, b 4 x 100; delivered a 12 x (100 + 1000) with the lost run, b
	 * 400, 13,600 in all; b's 400 fits under the level, a gets 13,200: each
	 * its own, nothing short */
	th_in(path, sizeof path, dir, "fairness.csv");
	text = th_slurp(path, NULL);
	cr_assert(text && strstr(text, "\n0,,1200,14400,14800,13600,0.0,0.000000,1.000000,2,0\n"), "%s", text);
	free(text);
	/* the preemption counts: J1 once */
	th_in(path, sizeof path, dir, "summary.json");
	text = th_slurp(path, NULL);
	cr_assert(text && strstr(text, "\"preempted_jobs\": {\n    \"jobs\": 1,\n    \"most\": 1,\n    \"times\": {\n      \"1\": 1,\n"
				      "      \"2-3\": 0,"), "%s", text);
	free(text);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* preempt_exempt_time=150: J1 has run 100 s when J2 arrives, so it is
 * not a victim yet; a pass comes at 150, J2 preempts it then and runs
 * 150-250, and J1 starts over at 250 (150 s lost). */
Test(preempt, exempt_time_delays_the_preemption)
{
	cs_run_result r;
	run_mf_opt(QOS_JOBS, "requeue", "preempt_exempt_time", "150", NULL, &r);
	cr_expect_eq(th_start(&r, 2), 150);
	cr_expect_eq(th_start(&r, 1), 250);
	cr_expect_eq(th_job(&r, 1)->preempted_s, 150);
	cr_expect_eq(th_job(&r, 1)->preemptions, 1);
	cs_run_result_free(&r);
	/* without preemption it is refused, not ignored */
	char *a = th_write_tmp(qos_accounts, ".yaml");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.accounts = a;
	o.policy = "multifactor";
	o.keys[0] = "preempt_exempt_time";
	o.vals[0] = "150";
	o.nparams = 1;
	char err[CS_ERRLEN];
	char *w = th_write_tmp(QOS_JOBS, ".csv"), *y = th_write_tmp(three_yaml, ".yaml");
	o.workload = w;
	o.cluster = y;
	cr_assert_eq(cs_run(&o, &r, err, sizeof err), -CS_EINVAL);
	cr_expect(strstr(err, "preempt_exempt_time applies with preempt_mode=requeue or kill"), "%s", err);
	th_unlink(w);
	th_unlink(y);
	th_unlink(a);
}

/* Kill: J1 ends at 100 after 100 s and never runs again. */
Test(preempt, multifactor_qos_kill)
{
	cs_run_result r;
	run_mf(QOS_JOBS, "kill", NULL, &r);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_job(&r, 1)->end_s, 100);
	cr_assert(th_job(&r, 1)->flags & CS_JOB_PREEMPT_KILLED);
	cs_run_result_free(&r);
}

/* Without preempt_mode (the default, off) J2 waits for J1. */
Test(preempt, multifactor_no_preemption_by_default)
{
	cs_run_result r;
	run_mf(QOS_JOBS, "off", NULL, &r);
	cr_assert_eq(th_start(&r, 2), 1000);
	cr_assert_eq(th_job(&r, 1)->preemptions, 0);
	cs_run_result_free(&r);
}

/* ---- a grace before the stop (cs_ctx_preempt_after; Slurm's GraceTime) ---- */

/* multifactor with preempt_mode=mode, the accounts file `accounts` and the
 * further options kv (key, value, ..., NULL); outputs in out_dir if set. */
static void run_grace(const char *accounts, const char *csv, const char *mode, const char *const *kv,
		      const char *out_dir, cs_run_result *r)
{
	char *a = th_write_tmp(accounts, ".yaml");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.accounts = a;
	o.policy = "multifactor";
	o.keys[0] = "preempt_mode";
	o.vals[0] = mode;
	o.nparams = 1;
	for (size_t i = 0; kv && kv[i]; i += 2) {
		o.keys[o.nparams] = kv[i];
		o.vals[o.nparams++] = kv[i + 1];
	}
	o.out_dir = out_dir;
	th_run_on(three_yaml, csv, ".csv", &o, r);
	th_unlink(a);
}

static const char *const grace600[] = { "preempt_grace_time", "600", NULL };

/* Grace 600 (preempt_grace_time): J2 (high) arrives at 100 and chooses J1
 * (low, all three nodes); J1 is signalled and runs on until 100 + 600 =
 * 700, when it is requeued; J2 holds its reservation at 700 and runs
 * 700-800; J1 starts over at 800 (J2's end) and ends at 1800. It lost the
 * 700 s it ran, which projects.csv counts as used: a 12 GPUs x (700 +
 * 1000) s = 20,400 GPU-s, b 4 x 100. The same with one queue for every
 * partition. */
Test(preempt, grace_time_keeps_the_victim_running_until_its_end)
{
	static const char *const global[] = { "preempt_grace_time", "600", "queue", "global", NULL };
	char dir[] = "/tmp/capsim-grace-XXXXXX";
	th_mkdtemp(dir);
	for (int q = 0; q < 2; q++) {
		cs_run_result r;
		run_grace(qos_accounts, QOS_JOBS, "requeue", q ? global : grace600, q ? NULL : dir, &r);
		cr_expect_eq(th_job(&r, 2)->reservation_s, 700);
		cr_expect_eq(th_start(&r, 2), 700);
		cr_expect_eq(th_job(&r, 2)->end_s, 800);
		cr_expect_eq(th_start(&r, 1), 800);
		cr_expect_eq(th_job(&r, 1)->end_s, 1800);
		cr_expect_eq(th_job(&r, 1)->preempted_s, 700);
		cr_expect_eq(th_job(&r, 1)->preemptions, 1);
		cr_expect_eq(r.est.preemptions, 1);
		cr_expect_eq(r.est.requeues, 1);
		cr_expect_eq(r.est.signalled, 1);
		cr_expect_eq(r.est.grace_ends, 0);
		cs_run_result_free(&r);
	}
	char path[256];
	th_in(path, sizeof path, dir, "projects.csv");
	char *text = th_slurp(path, NULL);
	cr_expect(text && strstr(text, "\na,1,20400,") && strstr(text, "\nb,1,400,"), "%s", text);
	free(text);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* Kill with grace 600: J1 is stopped at 700 having run 700 s (its
 * runtime), J2 runs 700-800, J1 never runs again. */
Test(preempt, grace_time_then_kill_counts_the_run_to_the_stop)
{
	cs_run_result r;
	run_grace(qos_accounts, QOS_JOBS, "kill", grace600, NULL, &r);
	cr_expect_eq(th_start(&r, 2), 700);
	cr_expect_eq(th_start(&r, 1), 0);
	cr_expect_eq(th_job(&r, 1)->end_s, 700);
	cr_expect_eq(th_job(&r, 1)->runtime_s, 700);
	cr_expect(th_job(&r, 1)->flags & CS_JOB_PREEMPT_KILLED);
	cr_expect_eq(th_job(&r, 1)->preempted_s, 0);
	cr_expect_eq(r.est.requeues, 0);
	cs_run_result_free(&r);
}

/* J1 (time limit 1000, runs 500) is signalled at 100 with grace 600 (stop
 * at 700) and ends on its own at 500, inside its grace: it simply ends (as
 * Slurm's job does when it exits before its grace's end), unpreempted. J2,
 * reserved for 700, starts at 500 (the pass J1's end brings) and ends at
 * 600. The summary counts J1 as ended in its grace. */
Test(preempt, a_victim_that_ends_within_its_grace_ends_normally)
{
	char dir[] = "/tmp/capsim-grace-XXXXXX";
	th_mkdtemp(dir);
	cs_run_result r;
	run_grace(qos_accounts,
		  HDR "1,a,u,0,3,4,0,0,1000,500,low,gpu,completed\n"
		      "2,b,v,100,1,4,0,0,100,100,high,gpu,completed\n",
		  "requeue", grace600, dir, &r);
	cr_expect_eq(th_job(&r, 2)->reservation_s, 700);
	cr_expect_eq(th_start(&r, 2), 500);
	cr_expect_eq(th_job(&r, 2)->end_s, 600);
	cr_expect_eq(th_start(&r, 1), 0);
	cr_expect_eq(th_job(&r, 1)->end_s, 500);
	cr_expect_eq(th_job(&r, 1)->runtime_s, 500);
	cr_expect_eq(th_job(&r, 1)->preemptions, 0);
	cr_expect_eq(th_job(&r, 1)->preempted_s, 0);
	cr_expect_eq(r.est.preemptions, 0);
	cr_expect_eq(r.est.signalled, 1);
	cr_expect_eq(r.est.grace_ends, 1);
	cs_run_result_free(&r);
	char path[256];
	th_in(path, sizeof path, dir, "summary.json");
	char *text = th_slurp(path, NULL);
	cr_expect(text && strstr(text, "\"preempted_jobs\": {\n    \"jobs\": 0,") && strstr(text, "\"ended_in_grace\": 1\n") &&
			  strstr(text, "\"signalled\": 1\n"),
		  "%s", text);
	free(text);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* The victim's QoS's grace_time wins over preempt_grace_time: low's 300
 * stops J1 at 400; J2 runs 400-500, J1 again 500-1500 (lost 400 s). A
 * grace_time of 0 is a grace of 0 (J2 at 100, as without any), not "use
 * the default". */
Test(preempt, the_qos_grace_time_wins_over_the_default)
{
	static const char acc300[] = "accounts:\n  - {name: a}\n  - {name: b}\n"
				     "qos:\n  - {name: low, priority: 0, grace_time: 300}\n"
				     "  - {name: high, priority: 100, preempt: [low]}\n";
	static const char acc0[] = "accounts:\n  - {name: a}\n  - {name: b}\n"
				   "qos:\n  - {name: low, priority: 0, grace_time: 0}\n"
				   "  - {name: high, priority: 100, preempt: [low]}\n";
	cs_run_result r;
	run_grace(acc300, QOS_JOBS, "requeue", grace600, NULL, &r);
	cr_expect_eq(th_start(&r, 2), 400);
	cr_expect_eq(th_start(&r, 1), 500);
	cr_expect_eq(th_job(&r, 1)->preempted_s, 400);
	cs_run_result_free(&r);
	run_grace(acc300, QOS_JOBS, "requeue", NULL, NULL, &r); /* the QoS's alone */
	cr_expect_eq(th_start(&r, 2), 400);
	cs_run_result_free(&r);
	run_grace(acc0, QOS_JOBS, "requeue", grace600, NULL, &r);
	cr_expect_eq(th_start(&r, 2), 100);
	cr_expect_eq(th_job(&r, 1)->preempted_s, 100);
	cr_expect_eq(r.est.signalled, 0);
	cs_run_result_free(&r);
}

/* Three low jobs, one node each: J1 at 0, J2 at 10, J3 at 20, 1000 s. J4
 * (high, one node) at 100 signals J3 only (the latest started; its node
 * covers J4) with grace 600. J5 (low) arriving at 200 brings a pass in
 * which J4, still waiting, must not choose J2 as well: J3 under grace
 * already makes room. J4 runs 700-800 on J3's node. */
Test(preempt, victims_under_grace_count_as_room_to_come)
{
	cs_run_result r;
	run_grace(qos_accounts,
		  HDR "1,a,u,0,1,4,0,0,1000,1000,low,gpu,completed\n"
		      "2,a,u,10,1,4,0,0,1000,1000,low,gpu,completed\n"
		      "3,a,u,20,1,4,0,0,1000,1000,low,gpu,completed\n"
		      "4,b,v,100,1,4,0,0,100,100,high,gpu,completed\n"
		      "5,a,u,200,1,4,0,0,100,100,low,gpu,completed\n",
		  "requeue", grace600, NULL, &r);
	cr_expect_eq(th_start(&r, 4), 700);
	cr_expect_eq(th_job(&r, 3)->preemptions, 1);
	cr_expect_eq(th_job(&r, 3)->preempted_s, 680);
	cr_expect_eq(th_job(&r, 2)->preemptions, 0);
	cr_expect_eq(th_job(&r, 1)->preemptions, 0);
	cr_expect_eq(th_start(&r, 2), 10);
	cr_expect_eq(r.est.signalled, 1);
	cs_run_result_free(&r);
}

/* Victims of two QoS, one without grace: J1 and J2 (lowg, grace 600) start
 * at 0 and 10, J3 (low0, grace 0) at 20, one node each. J4 (high, two
 * nodes) at 100 takes the latest started first: J3 stops at once (J4
 * still does not fit), then J2 is signalled, which with J3's node covers
 * J4: J1 is spared. J4 is reserved for 700 and runs 700-800 on J3's and
 * J2's nodes; J3 lost 80 s, J2 690 s. */
Test(preempt, a_victim_without_grace_stops_at_once_beside_one_with)
{
	static const char acc[] = "accounts:\n  - {name: a}\n  - {name: b}\n"
				  "qos:\n  - {name: lowg, priority: 0, grace_time: 600}\n"
				  "  - {name: low0, priority: 0, grace_time: 0}\n"
				  "  - {name: high, priority: 100, preempt: [lowg, low0]}\n";
	cs_run_result r;
	run_grace(acc,
		  HDR "1,a,u,0,1,4,0,0,1000,1000,lowg,gpu,completed\n"
		      "2,a,u,10,1,4,0,0,1000,1000,lowg,gpu,completed\n"
		      "3,a,u,20,1,4,0,0,1000,1000,low0,gpu,completed\n"
		      "4,b,v,100,2,4,0,0,100,100,high,gpu,completed\n",
		  "requeue", NULL, NULL, &r);
	cr_expect_eq(th_job(&r, 4)->reservation_s, 700);
	cr_expect_eq(th_start(&r, 4), 700);
	cr_expect_eq(th_job(&r, 3)->preempted_s, 80);
	cr_expect_eq(th_job(&r, 2)->preempted_s, 690);
	cr_expect_eq(th_job(&r, 1)->preemptions, 0);
	cr_expect_eq(th_job(&r, 1)->end_s, 1000);
	cr_expect_eq(r.est.signalled, 1);
	cr_expect_eq(r.est.preemptions, 2);
	cs_run_result_free(&r);
}

/* The same inputs give the same files, byte for byte, with a grace. */
Test(preempt, a_run_with_grace_is_deterministic)
{
	char d1[] = "/tmp/capsim-grace1-XXXXXX", d2[] = "/tmp/capsim-grace2-XXXXXX";
	th_mkdtemp(d1);
	th_mkdtemp(d2);
	const char *jobs = HDR "1,a,u,0,1,4,0,0,1000,1000,low,gpu,completed\n"
			       "2,a,u,10,1,4,0,0,1000,400,low,gpu,completed\n"
			       "3,a,u,20,1,4,0,0,1000,1000,low,gpu,completed\n"
			       "4,b,v,100,2,4,0,0,100,100,high,gpu,completed\n"
			       "5,b,v,150,1,4,0,0,100,100,high,gpu,completed\n";
	cs_run_result r;
	run_grace(qos_accounts, jobs, "requeue", grace600, d1, &r);
	cs_run_result_free(&r);
	run_grace(qos_accounts, jobs, "requeue", grace600, d2, &r);
	cs_run_result_free(&r);
	/* (summary.json names the temporary input files, which differ) */
	th_expect_same_file(d1, d2, "jobs.csv");
	th_expect_same_file(d1, d2, "timeseries.csv");
	th_expect_same_file(d1, d2, "projects.csv");
	th_expect_same_file(d1, d2, "fairness.csv");
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s %s", d1, d2);
	cr_assert_eq(system(cmd), 0);
}

/* A run expected to fail with a message containing want. */
static void expect_refused(const char *cluster_yaml, const char *workload, const char *suffix,
			   const char *const *kv, int with_accounts, const char *want)
{
	char *a = with_accounts ? th_write_tmp(qos_accounts, ".yaml") : NULL;
	char *w = th_write_tmp(workload, suffix);
	char *y = cluster_yaml ? th_write_tmp(cluster_yaml, ".yaml") : NULL;
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.accounts = a;
	o.policy = "multifactor";
	o.workload = w;
	o.cluster = y;
	if (!y)
		o.procs = 8;
	for (size_t i = 0; kv[i]; i += 2) {
		o.keys[o.nparams] = kv[i];
		o.vals[o.nparams++] = kv[i + 1];
	}
	char err[CS_ERRLEN] = "";
	cs_run_result r;
	cr_expect_eq(cs_run(&o, &r, err, sizeof err), -CS_EINVAL);
	cr_expect(strstr(err, want), "got '%s', want '%s'", err, want);
	th_unlink(w);
	if (y)
		th_unlink(y);
	if (a)
		th_unlink(a);
}

/* Suspend is refused, with the reason: on a node model a suspended job
 * keeps its GPUs and memory (Slurm releases neither); on a pooled machine
 * Slurm's preempt/qos would time-slice (gang scheduling), not modelled.
 * preempt_grace_time without preemption, or beyond 2^40 s, or negative,
 * is refused too. */
Test(preempt, suspend_and_stray_grace_options_are_refused)
{
	static const char *const susp[] = { "preempt_mode", "suspend", NULL };
	expect_refused(three_yaml, QOS_JOBS, ".csv", susp, 1,
		       "policy multifactor: preempt_mode=suspend: a suspended job keeps its GPUs and memory (Slurm "
		       "releases neither), so it frees nothing for a GPU job; use requeue or kill");
	expect_refused(NULL, SWF_JOB(1, 0, 100, 4, 100) SWF_JOB(2, 10, 100, 4, 100), ".swf", susp, 0,
		       "policy multifactor: preempt_mode=suspend: with QoS preemption Slurm time-slices a preemptor "
		       "and the jobs it suspends (gang scheduling), which capsim does not model; use requeue or kill");
	static const char *const stray[] = { "preempt_grace_time", "600", NULL };
	expect_refused(three_yaml, QOS_JOBS, ".csv", stray, 1,
		       "policy multifactor: preempt_grace_time applies with preempt_mode=requeue or kill");
	static const char *const huge[] = { "preempt_mode", "requeue", "preempt_grace_time", "2e12", NULL };
	expect_refused(three_yaml, QOS_JOBS, ".csv", huge, 1,
		       "policy multifactor: preempt_grace_time: '2e12' is more than 2^40 s");
	static const char *const neg[] = { "preempt_mode", "requeue", "preempt_grace_time", "-1", NULL };
	expect_refused(three_yaml, QOS_JOBS, ".csv", neg, 1,
		       "policy multifactor: preempt_grace_time: '-1' is not a number >= 0");
}

/* The engine's per-time passes and a stale end event. J1 (low, 0..500)
 * and J2 (low, 10..500) each hold a node; J3 (high, 1000 s) at 100
 * preempts J2 and runs 100..1100; J2 waits. At 500 J1 ends, then J2's
 * stopped run's end event, ignored, comes last at 500: the pass J1's end
 * owes is made at 500 all the same, and J2 starts on J1's node then (not
 * at J3's end, 1100). */
Test(preempt, a_stale_end_event_last_at_its_time_keeps_the_pass_owed)
{
	cs_run_result r;
	run_two(HDR "1,a,u,0,1,4,0,0,500,500,low,gpu,completed\n"
		    "2,a,u,10,1,4,0,0,490,490,low,gpu,completed\n"
		    "3,b,v,100,1,4,0,0,1000,1000,high,gpu,completed\n",
		"requeue", &r);
	cr_assert_eq(th_start(&r, 3), 100);
	cr_assert_eq(th_job(&r, 1)->end_s, 500);
	cr_assert_eq(th_job(&r, 2)->preemptions, 1);
	cr_expect_eq(th_start(&r, 2), 500);
	cr_expect_eq(th_job(&r, 2)->end_s, 990);
	cs_run_result_free(&r);
}

/* ---- victims chosen so that the head fits (cs_ctx_fits_without) ---- */

/* 2 nodes x 8 GPUs, 16 cores, 64 GiB. */
static const char two8_yaml[] =
	"name: two8\n"
	"site: {pue: 1}\n"
	"node_types:\n"
	"  - name: g8\n"
	"    count: 2\n"
	"    topology: \"pack:2 numa:1 core:8 pu:1\"\n"
	"    memory_gib: 64\n"
	"    gpus: {model: H100-SXM5-80GB, count: 8, per_package: 4, peak_tflops: {fp64: 34}}\n"
	"    power_w: {idle: 1000, peak: 5000}\n"
	"partitions:\n"
	"  - {name: gpu, node_types: [g8], max_time_s: 86400}\n";

static const char mid_accounts[] = "accounts:\n  - {name: a}\n  - {name: b}\n"
				   "qos:\n  - {name: low, priority: 0}\n  - {name: mid, priority: 0}\n"
				   "  - {name: high, priority: 100, preempt: [low]}\n";

static void run_two8(const char *csv, cs_run_result *r)
{
	char *a = th_write_tmp(mid_accounts, ".yaml");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.accounts = a;
	o.policy = "multifactor";
	o.keys[0] = "preempt_mode";
	o.vals[0] = "requeue";
	o.nparams = 1;
	th_run_on(two8_yaml, csv, ".csv", &o, r);
	th_unlink(a);
}

/* The GPUs add up machine-wide but no node would be free. V1 (low, 4
 * GPUs, 40 GiB) starts at 0 on one node, V2 (low, the same) at 10 on the
 * other (the 40 GiB do not fit twice on a node); F1 and F2 (mid, not
 * preemptible, 4 GPUs, 8 GiB) at 20 and 30 fill the other 4 GPUs of each.
 * H (high, one whole 8-GPU node) at 100: free 0 + the victims' 8 = 8 GPUs,
 * but stopping both would leave each node with 4 free, so nothing is
 * stopped. H waits for a whole node: V1 and V2 end at 1000 and 1010, F1
 * at 1020 empties its node, and H runs 1020..1120. */
Test(preempt, nothing_is_stopped_when_no_node_would_come_free)
{
	cs_run_result r;
	run_two8(HDR "1,a,u,0,1,4,0,40960,1000,1000,low,gpu,completed\n"
		     "2,a,u,10,1,4,0,40960,1000,1000,low,gpu,completed\n"
		     "3,a,u,20,1,4,0,8192,1000,1000,mid,gpu,completed\n"
		     "4,a,u,30,1,4,0,8192,1000,1000,mid,gpu,completed\n"
		     "5,b,v,100,1,8,0,0,100,100,high,gpu,completed\n",
		 &r);
	cr_expect_eq(r.est.preemptions, 0);
	cr_expect_eq(th_job(&r, 1)->preemptions, 0);
	cr_expect_eq(th_job(&r, 2)->preemptions, 0);
	cr_expect_eq(th_start(&r, 5), 1020);
	cs_run_result_free(&r);
}

/* Stopping one specific victim suffices, and it is not the latest
 * started. V1 (low, 8 GPUs) starts at 0 on one node; V2 (low, 4 GPUs) at
 * 10 and F (mid, 4 GPUs) at 20 share the other. H (high, a whole 8-GPU
 * node) at 100: stopping V2, the latest started, would leave F on its
 * node; stopping V1 frees a whole node. Only V1 is requeued (it lost
 * 100 s); H runs 100..200 on its node; V1 starts over at 200. The old
 * rule (the latest started first until the GPUs add up, then on until
 * the head starts) stopped V2 as well. */
Test(preempt, only_the_victim_whose_node_the_head_needs_is_stopped)
{
	cs_run_result r;
	run_two8(HDR "1,a,u,0,1,8,0,0,1000,1000,low,gpu,completed\n"
		     "2,a,u,10,1,4,0,0,1000,1000,low,gpu,completed\n"
		     "3,a,u,20,1,4,0,0,1000,1000,mid,gpu,completed\n"
		     "4,b,v,100,1,8,0,0,100,100,high,gpu,completed\n",
		 &r);
	cr_expect_eq(th_start(&r, 4), 100);
	cr_expect_eq(r.est.preemptions, 1);
	cr_expect_eq(th_job(&r, 1)->preemptions, 1);
	cr_expect_eq(th_job(&r, 1)->preempted_s, 100);
	cr_expect_eq(th_start(&r, 1), 200);
	cr_expect_eq(th_job(&r, 2)->preemptions, 0);
	cr_expect_eq(th_start(&r, 2), 10);
	cr_expect_eq(th_job(&r, 2)->end_s, 1010);
	cs_run_result_free(&r);
}

/* The what-if itself, from a policy: on the layout of
 * nothing_is_stopped_when_no_node_would_come_free at 100, H does not fit
 * without V1 and V2 (GPUs add up, no node comes free) nor without one of
 * them; on that of only_the_victim_whose_node_the_head_needs_is_stopped,
 * it fits without V1 alone (on_nodes: V1 yes), not without V2, and
 * without both only V1's node is the one it would use. Nothing changes:
 * the free GPUs are the same after each query, and the schedule is
 * FCFS's without preemption. */
static int wi_case;
static int wi_checked;

static void wi_pass(void *state, cs_sched_ctx *ctx)
{
	pf *p = state;
	if (cs_ctx_now(ctx) == 100 && !wi_checked) {
		uint32_t h, v1 = 0, v2 = 1; /* the job table's indices */
		uint32_t free0 = cs_ctx_free(ctx);
		uint32_t both[] = { v2, v1, v2 }; /* a repeated victim counts once */
		uint8_t on[3];
		if (wi_case == 0) {
			h = 4;
			cr_expect_eq(cs_ctx_fits_without(ctx, h, both, 3, on), 0);
			cr_expect_eq(cs_ctx_fits_without(ctx, h, &v1, 1, NULL), 0);
			cr_expect_eq(cs_ctx_fits_without(ctx, h, &v2, 1, NULL), 0);
		} else {
			h = 3;
			cr_expect_eq(cs_ctx_fits_without(ctx, h, &v1, 1, on), 1);
			cr_expect_eq(on[0], 1);
			cr_expect_eq(cs_ctx_fits_without(ctx, h, &v2, 1, NULL), 0);
			cr_expect_eq(cs_ctx_fits_without(ctx, h, both, 3, on), 1);
			cr_expect(on[0] == 0 && on[1] == 1 && on[2] == 0, "on %d %d %d", on[0], on[1], on[2]);
		}
		cr_expect_eq(cs_ctx_fits_without(ctx, h, NULL, 0, NULL), 0);
		cr_expect_eq(cs_ctx_fits_without(ctx, 99, NULL, 0, NULL), -CS_EINVAL);
		cr_expect_eq(cs_ctx_free(ctx), free0);
		wi_checked = 1;
	}
	while (p->n && cs_ctx_start(ctx, p->q[0], CS_START_HEAD) == 0)
		memmove(p->q, p->q + 1, --p->n * sizeof *p->q);
}

static const cs_policy_ops wi_ops = { .abi = CS_POLICY_ABI, .name = "wi", .summary = "test", .params = pf_params,
				      .init = pf_init, .submit = pf_submit, .pass = wi_pass, .destroy = pf_destroy };

Test(preempt, the_what_if_changes_nothing)
{
	static const char *const csv[2] = {
		HDR "1,a,u,0,1,4,0,40960,1000,1000,low,gpu,completed\n"
		    "2,a,u,10,1,4,0,40960,1000,1000,low,gpu,completed\n"
		    "3,a,u,20,1,4,0,8192,1000,1000,mid,gpu,completed\n"
		    "4,a,u,30,1,4,0,8192,1000,1000,mid,gpu,completed\n"
		    "5,b,v,100,1,8,0,0,100,100,high,gpu,completed\n",
		HDR "1,a,u,0,1,8,0,0,1000,1000,low,gpu,completed\n"
		    "2,a,u,10,1,4,0,0,1000,1000,low,gpu,completed\n"
		    "3,a,u,20,1,4,0,0,1000,1000,mid,gpu,completed\n"
		    "4,b,v,100,1,8,0,0,100,100,high,gpu,completed\n",
	};
	static const cs_time head_start[2] = { 1020, 1000 };
	for (wi_case = 0; wi_case < 2; wi_case++) {
		cs_run_opts o;
		cs_run_opts_default(&o);
		o.policy = "fcfs";
		o.test_ops = &wi_ops;
		cs_run_result r;
		wi_checked = 0;
		th_run_on(two8_yaml, csv[wi_case], ".csv", &o, &r);
		cr_expect_eq(wi_checked, 1);
		cr_expect_eq(th_start(&r, wi_case ? 4 : 5), head_start[wi_case]);
		cs_run_result_free(&r);
	}
}

/* The what-if on a pooled machine (4 processors): J1 and J2 (2 each) run
 * from 0; J3 (4) waits at 100. Without J1 alone 2 + 0 free < 4: no; a
 * repeated J1 still counts once; without both, yes, and both free
 * processors (on_nodes 1). */
static int wp_checked;

static void wp_pass(void *state, cs_sched_ctx *ctx)
{
	pf *p = state;
	if (cs_ctx_now(ctx) == 100 && !wp_checked) {
		uint32_t one[] = { 0, 0 }, both[] = { 0, 1 };
		uint8_t on[2] = { 9, 9 };
		cr_expect_eq(cs_ctx_fits_without(ctx, 2, one, 2, on), 0);
		cr_expect(on[0] == 0 && on[1] == 0);
		cr_expect_eq(cs_ctx_fits_without(ctx, 2, both, 2, on), 1);
		cr_expect(on[0] == 1 && on[1] == 1);
		cr_expect_eq(cs_ctx_free(ctx), 0);
		wp_checked = 1;
	}
	while (p->n && cs_ctx_start(ctx, p->q[0], CS_START_HEAD) == 0)
		memmove(p->q, p->q + 1, --p->n * sizeof *p->q);
}

static const cs_policy_ops wp_ops = { .abi = CS_POLICY_ABI, .name = "wp", .summary = "test", .params = pf_params,
				      .init = pf_init, .submit = pf_submit, .pass = wp_pass, .destroy = pf_destroy };

Test(preempt, the_what_if_on_a_pooled_machine)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "fcfs";
	o.procs = 4;
	o.test_ops = &wp_ops;
	cs_run_result r;
	wp_checked = 0;
	th_run_text("1 0 -1 1000 2 -1 -1 2 1000 -1 1 1 1 -1 0 -1 -1 -1\n"
		    "2 0 -1 1000 2 -1 -1 2 1000 -1 1 1 1 -1 0 -1 -1 -1\n"
		    "3 100 -1 100 4 -1 -1 4 100 -1 1 1 1 -1 1 -1 -1 -1\n",
		    &o, &r);
	cr_expect_eq(wp_checked, 1);
	cr_expect_eq(th_start(&r, 3), 1000);
	cs_run_result_free(&r);
}
