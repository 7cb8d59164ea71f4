/* batsim_jobs.csv (sim/report_batsim.c): the schedule in Batsim's jobs.csv
 * layout, its final states and, for rejected jobs, the empty fields Batsim
 * writes; small workloads worked out by hand. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsim/report.h"
#include "capsim/sched.h"
#include "helpers.h"

/* 1 node x 4 GPUs, 4 cores. */
static const char one_yaml[] =
	"name: one\n"
	"site: {pue: 1}\n"
	"node_types:\n"
	"  - name: g4\n"
	"    count: 1\n"
	"    topology: \"pack:1 core:4 pu:1\"\n"
	"    memory_gib: 64\n"
	"    gpus: {model: H100-SXM5-80GB, count: 4, per_package: 4, peak_tflops: {fp64: 34}}\n"
	"    power_w: {idle: 100, peak: 500}\n"
	"partitions:\n"
	"  - {name: gpu, node_types: [g4]}\n";


/* FCFS that refuses, at its first pass, any job asking for more than 1000
 * s (a site limit), and whose head, when of QoS index 1 ("urgent": the
 * second QoS name in the file) and not fitting, kills the running job with
 * the latest estimated end. */
typedef struct lim {
	uint32_t *q;
	size_t n;
	const cs_job *jobs;
} lim;

static int lim_init(void **state, const cs_policy_env *env, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	lim *p = calloc(1, sizeof *p);
	p->q = calloc(env->njobs + 1, sizeof *p->q);
	p->jobs = env->jobs;
	*state = p;
	return 0;
}

static void lim_submit(void *state, uint32_t jid)
{
	lim *p = state;
	p->q[p->n++] = jid;
}

static void lim_pass(void *state, cs_sched_ctx *ctx)
{
	lim *p = state;
	size_t k = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (p->jobs[p->q[i]].estimate_s > 1000)
			cs_ctx_reject(ctx, p->q[i], CS_WAIT_NONE);
		else
			p->q[k++] = p->q[i];
	}
	p->n = k;
	while (p->n) {
		uint32_t jid = p->q[0];
		if (cs_ctx_start(ctx, jid, CS_START_HEAD) != 0) {
			size_t nr = cs_ctx_nrunning(ctx);
			if (p->jobs[jid].queue != 1 || nr == 0)
				break;
			cs_time end;
			uint32_t size, victim;
			cs_ctx_running(ctx, nr - 1, &end, &size, &victim);
			cr_assert_eq(cs_ctx_preempt(ctx, victim, CS_PREEMPT_KILL), 0);
			continue;
		}
		memmove(p->q, p->q + 1, --p->n * sizeof *p->q);
	}
}

static void lim_destroy(void *state)
{
	lim *p = state;
	free(p->q);
	free(p);
}

static const cs_policy_ops lim_ops = {
	.abi = CS_POLICY_ABI,
	.name = "limit",
	.summary = "test: FCFS refusing jobs over 1000 s; urgent heads kill",
	.init = lim_init,
	.submit = lim_submit,
	.pass = lim_pass,
	.destroy = lim_destroy,
};

/* The run's batsim_jobs.csv (malloc'ed), the workload run on one_yaml
 * under lim_ops; its resource unit in *unit unless NULL. */
static char *batsim_jobs_of(const char *csv, cs_batsim_unit *unit)
{
	char dir[] = "/tmp/capsim-bsj-XXXXXX";
	th_mkdtemp(dir);
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.test_ops = &lim_ops;
	o.out_dir = dir;
	cs_run_result r;
	th_run_on(one_yaml, csv, ".csv", &o, &r);
	if (unit)
		*unit = r.batsim_unit;
	cs_run_result_free(&r);
	char path[512];
	th_in(path, sizeof path, dir, "batsim_jobs.csv");
	char *b = th_slurp(path, NULL);
	cr_assert_not_null(b);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	cr_assert_eq(system(path), 0);
	return b;
}

/* Column `name` of job `id`'s row (a static copy). */
static const char *col(const char *csv, long long id, const char *name)
{
	static char v[256];
	char key[32];
	snprintf(key, sizeof key, "\n%lld,", id);
	const char *row = strstr(csv, key);
	cr_assert_not_null(row, "no row for job %lld in\n%s", id, csv);
	row++; /* at the id */
	size_t c = 0;
	for (const char *h = csv; *h != '\n'; c++) {
		size_t len = strcspn(h, ",\n");
		if (len == strlen(name) && strncmp(h, name, len) == 0)
			break;
		h += len + (h[len] == ',');
		cr_assert_neq(*h, '\n', "no column %s", name);
	}
	for (size_t k = 0; k < c; k++)
		row += strcspn(row, ",\n") + 1;
	size_t len = strcspn(row, ",\n");
	cr_assert_lt(len, sizeof v);
	memcpy(v, row, len);
	v[len] = 0;
	return v;
}

/* Every job 1 node x 1 GPU x 1 core on the 4-GPU node:
 *   1 completed   0..50                  COMPLETED_SUCCESSFULLY, success 1
 *   2 failed      0..30                  COMPLETED_FAILED
 *   3 cancelled   0..20                  COMPLETED_KILLED
 *   4 timeout     0..100 (its limit)     COMPLETED_WALLTIME_REACHED
 *   5 completed, runs 60 s over a 40 s limit: waits for a GPU (3 ends at
 *                 20), cut at 20 + 40    COMPLETED_WALLTIME_REACHED
 *   6 asks 5000 s: refused at 10         REJECTED
 * The trace's run times stand: 2 and 3 end when the trace says they did. */
Test(batsim_jobs, final_states_follow_the_simulation_then_the_trace)
{
	char *b = batsim_jobs_of(TH_CSV_HDR "1,p,u,0,1,1,1,0,100,50,normal,gpu,completed\n"
				     "2,p,u,0,1,1,1,0,100,30,normal,gpu,failed\n"
				     "3,p,u,0,1,1,1,0,100,20,normal,gpu,cancelled\n"
				     "4,p,u,0,1,1,1,0,100,100,normal,gpu,timeout\n"
				     "5,p,u,10,1,1,1,0,40,60,normal,gpu,completed\n"
				     "6,p,u,10,1,1,1,0,5000,10,normal,gpu,completed\n", NULL);
	const struct { long long id; const char *state, *success, *start, *exec; } want[] = {
		{ 1, "COMPLETED_SUCCESSFULLY", "1", "0", "50" },
		{ 2, "COMPLETED_FAILED", "0", "0", "30" },
		{ 3, "COMPLETED_KILLED", "0", "0", "20" },
		{ 4, "COMPLETED_WALLTIME_REACHED", "0", "0", "100" },
		{ 5, "COMPLETED_WALLTIME_REACHED", "0", "20", "40" },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		cr_assert_str_eq(col(b, want[i].id, "final_state"), want[i].state, "job %lld", want[i].id);
		cr_assert_str_eq(col(b, want[i].id, "success"), want[i].success, "job %lld", want[i].id);
		cr_assert_str_eq(col(b, want[i].id, "starting_time"), want[i].start, "job %lld", want[i].id);
		cr_assert_str_eq(col(b, want[i].id, "execution_time"), want[i].exec, "job %lld", want[i].id);
	}
	free(b);
}

/* Batsim leaves a rejected job's times, stretch, resources and energy
 * empty (its export.cpp); the request stays. */
Test(batsim_jobs, a_rejected_job_has_empty_times_and_no_resources)
{
	char *b = batsim_jobs_of(TH_CSV_HDR "1,p,u,0,1,1,1,0,100,50,normal,gpu,completed\n"
				     "6,p,u,10,1,1,1,0,5000,10,normal,gpu,completed\n", NULL);
	cr_assert(strstr(b, "\n6,w0,delay,10,1,5000,0,REJECTED,,,,,,,,,\n"), "%s", b);
	free(b);
}

/* Node states the trace spells otherwise: node_fail and out_of_memory are
 * failures, preempted a kill, unknown a success (nothing says otherwise). */
Test(batsim_jobs, every_trace_state_has_a_batsim_state)
{
	char *b = batsim_jobs_of(TH_CSV_HDR "1,p,u,0,1,1,1,0,100,50,normal,gpu,node_fail\n"
				     "2,p,u,0,1,1,1,0,100,50,normal,gpu,out_of_memory\n"
				     "3,p,u,0,1,1,1,0,100,50,normal,gpu,preempted\n"
				     "4,p,u,0,1,1,1,0,100,50,normal,gpu,unknown\n", NULL);
	cr_assert_str_eq(col(b, 1, "final_state"), "COMPLETED_FAILED");
	cr_assert_str_eq(col(b, 2, "final_state"), "COMPLETED_FAILED");
	cr_assert_str_eq(col(b, 3, "final_state"), "COMPLETED_KILLED");
	cr_assert_str_eq(col(b, 4, "final_state"), "COMPLETED_SUCCESSFULLY");
	cr_assert_str_eq(col(b, 4, "success"), "1");
	free(b);
}

/* 1 holds 4 GPUs 0..100 (est. 100); 2 (urgent, 4 GPUs) arrives at 10 and
 * kills it: 1 ran 10 s and ends COMPLETED_KILLED, killed by the decision
 * process in Batsim's words; 2 runs 10..20. */
Test(batsim_jobs, a_job_killed_by_preemption_is_completed_killed)
{
	char *b = batsim_jobs_of(TH_CSV_HDR "1,p,u,0,1,4,1,0,100,100,normal,gpu,completed\n"
				     "2,p,u,10,1,4,1,0,10,10,urgent,gpu,completed\n", NULL);
	cr_assert_str_eq(col(b, 1, "final_state"), "COMPLETED_KILLED");
	cr_assert_str_eq(col(b, 1, "execution_time"), "10");
	cr_assert_str_eq(col(b, 2, "final_state"), "COMPLETED_SUCCESSFULLY");
	cr_assert_str_eq(col(b, 2, "starting_time"), "10");
	free(b);
}

/* An SWF replay (pooled): status 0 is failed, 5 cancelled, 1 completed. */
Test(batsim_jobs, swf_status_gives_the_final_state)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	cs_run_result r;
	th_run_text("; MaxProcs: 4\n"
		    "1 0 -1 10 1 -1 -1 1 20 -1 1 1 1 -1 -1 -1 -1 -1\n"
		    "2 0 -1 10 1 -1 -1 1 20 -1 0 1 1 -1 -1 -1 -1 -1\n"
		    "3 0 -1 10 1 -1 -1 1 20 -1 5 1 1 -1 -1 -1 -1 -1\n", &o, &r);
	char *p = th_write_tmp("", ".csv");
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_run_write_batsim(p, &r, err, sizeof err), 0, "%s", err);
	char *b = th_slurp(p, NULL);
	cr_assert_str_eq(col(b, 1, "final_state"), "COMPLETED_SUCCESSFULLY");
	cr_assert_str_eq(col(b, 2, "final_state"), "COMPLETED_FAILED");
	cr_assert_str_eq(col(b, 3, "final_state"), "COMPLETED_KILLED");
	free(b);
	th_unlink(p);
	cs_run_result_free(&r);
}

/* --- resources: what a number in allocated_resources is --- */

typedef struct row {
	long long start, finish, requested;
	uint32_t *res; /* the resources, expanded */
	size_t nres;
} row;

typedef struct tev {
	long long t;
	int start; /* ends sort first at equal times: a resource is free again at its finish */
	size_t row;
} tev;

static int tev_cmp(const void *a, const void *b)
{
	const tev *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->start != y->start)
		return x->start - y->start;
	return (x->row > y->row) - (x->row < y->row);
}

/* Every job of csv (a batsim_jobs.csv) holds as many resources as it asked
 * for, and no resource is held by two jobs at once. Returns the jobs that
 * ran. */
static size_t check_no_shared_resource(const char *csv)
{
	size_t cap = 16, n = 0;
	row *rows = calloc(cap, sizeof *rows);
	uint32_t maxres = 0;
	for (const char *l = strchr(csv, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
		const char *f[17];
		const char *p = l + 1;
		for (int k = 0; k < 17; k++) {
			f[k] = p;
			p += strcspn(p, ",\n") + (k < 16);
		}
		if (f[8][0] == ',') /* rejected: no times */
			continue;
		if (n == cap)
			rows = realloc(rows, (cap *= 2) * sizeof *rows);
		row *r = &rows[n++];
		r->start = atoll(f[8]);
		r->finish = atoll(f[10]);
		r->requested = atoll(f[4]);
		r->res = NULL;
		r->nres = 0;
		size_t rcap = 0;
		for (const char *q = f[14]; *q != ',';) {
			char *e;
			unsigned long a = strtoul(q, &e, 10), b = a;
			if (*e == '-')
				b = strtoul(e + 1, &e, 10);
			cr_assert(b >= a && (*e == ' ' || *e == ','), "bad interval set in %.80s", f[14]);
			for (unsigned long v = a; v <= b; v++) {
				if (r->nres == rcap)
					r->res = realloc(r->res, (rcap = rcap * 2 + 16) * sizeof *r->res);
				r->res[r->nres++] = (uint32_t)v;
				if (v > maxres)
					maxres = (uint32_t)v;
			}
			q = e + (*e == ' ');
		}
		cr_assert_eq((long long)r->nres, r->requested, "job %.20s holds %zu resources, asked for %lld", l + 1,
			     r->nres, r->requested);
	}
	tev *ev = malloc(2 * n * sizeof *ev);
	for (size_t i = 0; i < n; i++) {
		ev[2 * i] = (tev){ rows[i].start, 1, i };
		ev[2 * i + 1] = (tev){ rows[i].finish, 0, i };
	}
	qsort(ev, 2 * n, sizeof *ev, tev_cmp);
	unsigned char *busy = calloc(maxres + 1, 1);
	for (size_t k = 0; k < 2 * n; k++) {
		row *r = &rows[ev[k].row];
		for (size_t q = 0; q < r->nres; q++) {
			if (ev[k].start)
				cr_assert(!busy[r->res[q]], "resource %u held twice at %lld", r->res[q], ev[k].t);
			busy[r->res[q]] = (unsigned char)ev[k].start;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(rows[i].res);
	free(rows);
	free(ev);
	free(busy);
	return n;
}

/* Three jobs on the one 4-GPU node at once (1, 1 and 2 GPUs): each gets
 * its own GPU numbers, and asks for GPUs. */
Test(batsim_jobs, gpu_jobs_sharing_a_node_get_their_own_gpu_numbers)
{
	cs_batsim_unit u;
	char *b = batsim_jobs_of(TH_CSV_HDR "1,p,u,0,1,1,1,0,100,50,normal,gpu,completed\n"
				     "2,p,u,0,1,1,1,0,100,50,normal,gpu,completed\n"
				     "3,p,u,0,1,2,1,0,100,50,normal,gpu,completed\n", &u);
	cr_assert_eq(u, CS_BATSIM_GPUS);
	cr_assert_str_eq(col(b, 3, "requested_number_of_resources"), "2");
	cr_assert_eq(check_no_shared_resource(b), 3);
	free(b);
}

/* A CPU-only job beside a GPU job: not every job holds a GPU, but each
 * holds cores: core numbers (the node's 4). */
Test(batsim_jobs, cpu_and_gpu_jobs_on_one_node_get_core_numbers)
{
	cs_batsim_unit u;
	char *b = batsim_jobs_of(TH_CSV_HDR "1,p,u,0,1,2,1,0,100,50,normal,gpu,completed\n"
				     "2,p,u,0,1,0,2,0,100,50,normal,gpu,completed\n", &u);
	cr_assert_eq(u, CS_BATSIM_CORES);
	cr_assert_str_eq(col(b, 1, "requested_number_of_resources"), "1");
	cr_assert_str_eq(col(b, 2, "requested_number_of_resources"), "2");
	cr_assert_eq(check_no_shared_resource(b), 2);
	free(b);
}

/* A GPU job with no cores (unknown: none asked) beside a CPU-only job: no
 * unit both hold, so node numbers, and both hold node 0 at once (the
 * documented overlap). A job holding the whole node: node numbers, exact. */
Test(batsim_jobs, with_no_unit_common_to_every_job_jobs_sharing_a_node_overlap)
{
	cs_batsim_unit u;
	char *b = batsim_jobs_of(TH_CSV_HDR "1,p,u,0,1,2,0,0,100,50,normal,gpu,completed\n"
				     "2,p,u,0,1,0,2,0,100,50,normal,gpu,completed\n", &u);
	cr_assert_eq(u, CS_BATSIM_SHARED_NODES);
	cr_assert_str_eq(col(b, 1, "allocated_resources"), "0");
	cr_assert_str_eq(col(b, 2, "allocated_resources"), "0");
	cr_assert_str_eq(col(b, 2, "starting_time"), "0");
	free(b);
	b = batsim_jobs_of(TH_CSV_HDR "1,p,u,0,1,4,4,0,100,50,normal,gpu,completed\n"
			       "2,p,u,0,1,4,4,0,100,50,normal,gpu,completed\n", &u);
	cr_assert_eq(u, CS_BATSIM_NODES);
	cr_assert_str_eq(col(b, 2, "starting_time"), "50");
	cr_assert_eq(check_no_shared_resource(b), 2);
	free(b);
}

/* The same two jobs the other way round: the CPU-only job first already
 * rules out whole nodes and GPUs, and the GPU job with no cores after it
 * still rules out cores (the units' walk goes on over the cores alone). */
Test(batsim_jobs, a_job_without_cores_after_the_last_other_unit_went_rules_out_cores)
{
	cs_batsim_unit u;
	char *b = batsim_jobs_of(TH_CSV_HDR "1,p,u,0,1,0,2,0,100,50,normal,gpu,completed\n"
				     "2,p,u,0,1,2,0,0,100,50,normal,gpu,completed\n", &u);
	cr_assert_eq(u, CS_BATSIM_SHARED_NODES);
	free(b);
}

/* A Batsim workload on its own hosts: nodes, exactly Batsim's resources;
 * the hand-worked EASY schedule of test_batsim_machine.c (A on 3 hosts,
 * C backfilled on the 4th, ...). */
Test(batsim_jobs, a_batsim_workload_on_its_hosts_numbers_them)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/data/jsontrace/batsim_queue4.json", th_root());
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = path;
	cs_run_result r;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_run(&o, &r, err, sizeof err), 0, "%s", err);
	cr_assert_eq(r.batsim_unit, CS_BATSIM_NODES);
	char *p = th_write_tmp("", ".csv");
	cr_assert_eq(cs_run_write_batsim(p, &r, err, sizeof err), 0, "%s", err);
	char *b = th_slurp(p, NULL);
	cr_assert_eq(check_no_shared_resource(b), 7);
	cr_assert_str_eq(col(b, 1, "allocated_resources"), "0-2");
	cr_assert_str_eq(col(b, 3, "allocated_resources"), "3");
	cr_assert_str_eq(col(b, 1, "requested_number_of_resources"), "3");
	free(b);
	th_unlink(p);
	cs_run_result_free(&r);
}

/* Two days of the generated AI workload on the default data centre: GPU
 * and CPU-only jobs on shared nodes, numbered by cores; no core is ever
 * held by two jobs at once, each job holds what it asked for. */
Test(batsim_jobs, a_generated_workload_never_gives_one_resource_to_two_jobs)
{
	char dir[] = "/tmp/capsim-bsj-XXXXXX";
	th_mkdtemp(dir);
	char w[512], path[512];
	th_in(w, sizeof w, dir, "w.csv");
	char *out, *err;
	cr_assert_eq(th_exec((const char *const[]){ "workload", "generate", "--seed", "1", "--days", "2", "--out", w,
						    NULL }, &out, &err), 0, "%s", err);
	free(out);
	free(err);
	char od[480];
	th_in(od, sizeof od, dir, "out");
	cr_assert_eq(th_exec((const char *const[]){ "run", "--workload", w, "--out", od, NULL }, &out, &err), 0,
		     "%s", err);
	free(out);
	free(err);
	th_in(path, sizeof path, od, "summary.json");
	char *js = th_slurp(path, NULL);
	cr_assert(strstr(js, "\"batsim_resources\": \"cores\""), "%s", js);
	free(js);
	th_in(path, sizeof path, od, "batsim_jobs.csv");
	char *b = th_slurp(path, NULL);
	cr_assert_gt(check_no_shared_resource(b), 1000);
	free(b);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	cr_assert_eq(system(path), 0);
}
