/* capsim: the reliability model's books (capsim/failures.h): what the
 * failures, checkpoints and maintenance of a run cost, for summary.json,
 * the printed summary and jobs.csv (docs/failures.md has the formulas). */
#include "failures_int.h"

#include <jansson.h>
#include <string.h>

/* The books, closed at the workload's last end. */
typedef struct books {
	double delivered, lost_fail, ckpt, lost_preempt, useful, down, maint_gpu, maint_node; /* GPU-seconds, node-s */
	uint64_t kills, hit, requeued, node_fail, ckpt_jobs, checkpoints;
} books;

static uint64_t job_gpus(const cs_job *j) { return (uint64_t)j->nodes * j->gpus_per_node; }

/* The checkpoints job i's last run took: as many as its elapsed time
 * held, at most those its work needs (a run a failure ended was counted
 * then). */
static cs_time last_run_ckpts(const cs_failsim *f, size_t i)
{
	const cs_job *j = &f->jobs[i];
	cs_time tau = f->ck_int[i], C = f->ck_cost[i];
	if (j->start_s < 0 || tau <= 0 || (j->flags & CS_JOB_NODE_FAIL))
		return 0;
	cs_time k = (j->end_s - j->start_s) / (tau + C), most = cs_fail_nckpt(f->work_left[i], tau);
	return k < most ? k : most;
}

/* Seconds of [a, b) inside [lo, hi). */
static double overlap(cs_time a, cs_time b, cs_time lo, cs_time hi)
{
	cs_time x = a > lo ? a : lo, y = b < hi ? b : hi;
	return y > x ? (double)(y - x) : 0;
}

void cs_failsim_finish(cs_failsim *f)
{
	if (f->finished++)
		return;
	cs_time end = f->t0;
	for (size_t i = 0; i < f->njobs; i++)
		if (f->jobs[i].start_s >= 0 && f->jobs[i].end_s > end)
			end = f->jobs[i].end_s;
	f->t_end = end;
	for (uint32_t k = 0; k < f->nsrc; k++)
		if (f->src[k].proc != UINT32_MAX && f->src[k].up_since < end)
			f->st[f->src[k].proc].up_s += (double)(end - f->src[k].up_since);
	for (size_t i = 0; i < f->njobs; i++) {
		cs_time k = last_run_ckpts(f, i);
		f->ckpt_s[i] += k * f->ck_cost[i];
		f->ckpt_n[i] += (uint32_t)k;
	}
}

static void close_books(const cs_failsim *f, books *b)
{
	memset(b, 0, sizeof *b);
	for (size_t i = 0; i < f->njobs; i++) {
		const cs_job *j = &f->jobs[i];
		double g = (double)job_gpus(j);
		double ran = (double)((j->start_s >= 0 ? j->end_s - j->start_s : 0) + j->preempted_s);
		b->delivered += g * ran;
		b->lost_fail += g * (double)f->lost_s[i];
		b->ckpt += g * (double)f->ckpt_s[i];
		b->lost_preempt += g * (double)(j->preempted_s - f->fail_run_s[i]);
		b->kills += f->kills[i];
		b->hit += f->kills[i] > 0;
		b->requeued += f->kills[i] > 0 && f->requeue;
		b->node_fail += (j->flags & CS_JOB_NODE_FAIL) != 0;
		b->ckpt_jobs += f->ck_int[i] > 0;
		b->checkpoints += f->ckpt_n[i];
	}
	b->useful = b->delivered - b->lost_fail - b->ckpt - b->lost_preempt;
	/* GPUs down, step by step, over the workload's span */
	for (size_t i = 0; i < f->nlog; i++) {
		cs_time to = i + 1 < f->nlog ? f->log[i + 1].t : CS_TIME_MAX;
		b->down += (double)f->log[i].gpus * overlap(f->log[i].t, to, f->t0, f->t_end);
	}
	for (size_t r = 0; r < f->nresv; r++) {
		const cs_resv *v = &f->resv[r];
		double s = overlap(v->start, v->end, f->t0, f->t_end), g = 0;
		for (uint32_t k = 0; k < v->nnodes; k++)
			g += f->type_gpus[f->node_type[v->nodes[k]]];
		b->maint_gpu += g * s;
		b->maint_node += (double)v->nnodes * s;
	}
}

static json_t *num_or_null(double num, double den) { return den > 0 ? json_real(num / den) : json_null(); }

static const char *types_text(const cs_fail_proc *p, char *buf, size_t len)
{
	if (!p->ntypes)
		return "all";
	size_t n = 0;
	buf[0] = 0;
	for (int i = 0; i < p->ntypes && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "," : "", p->types[i]);
	return buf;
}

/* One component kind over its processes (a trace: its failures of that
 * kind): failures, expected failures (the components' up hours / the
 * process's MTBF), up seconds, repair seconds, components. */
typedef struct kind_sum {
	double fails, expected, up, repair, count;
} kind_sum;

/* 0 if no process (or, for a trace, nothing) is of kind k. */
static int kind_totals(const cs_failsim *f, int k, kind_sum *t)
{
	int any = 0;
	memset(t, 0, sizeof *t);
	for (uint32_t p = 0; p < f->nst; p++) {
		const fstat *s = &f->st[p];
		if (f->cfg->trace ? (int)p != k : (int)f->cfg->procs[p].comp != k)
			continue;
		any = 1;
		t->fails += (double)s->failures;
		t->up += s->up_s;
		t->repair += s->repair_s;
		t->count += s->components;
		if (!f->cfg->trace)
			t->expected += s->up_s / f->cfg->procs[p].ttf.mean_s;
	}
	return any;
}

/* Per component kind: the totals above, and the MTBF configured
 * (rate-weighted over the kind's processes) and observed. */
static json_t *components_json(const cs_failsim *f)
{
	json_t *o = json_object();
	for (int k = 0; k < CS_FAIL_NCOMP; k++) {
		kind_sum t;
		if (!kind_totals(f, k, &t))
			continue;
		json_t *c = json_object();
		json_object_set_new(c, "failures", json_integer((json_int_t)t.fails));
		if (!f->cfg->trace) {
			json_object_set_new(c, "components", json_integer((json_int_t)t.count));
			json_object_set_new(c, "expected", json_real(t.expected));
			json_object_set_new(c, "up_hours", json_real(t.up / 3600));
			json_object_set_new(c, "mtbf_h", num_or_null(t.up / 3600, t.expected));
			json_object_set_new(c, "mtbf_h_observed", num_or_null(t.up / 3600, t.fails));
		}
		json_object_set_new(c, "repair_h_mean", num_or_null(t.repair / 3600, t.fails));
		json_object_set_new(o, cs_fail_comp_names[k], c);
	}
	return o;
}

static json_t *processes_json(const cs_failsim *f)
{
	json_t *a = json_array();
	for (size_t p = 0; p < f->cfg->nprocs; p++) {
		const cs_fail_proc *pr = &f->cfg->procs[p];
		const fstat *s = &f->st[p];
		char types[512];
		json_t *o = json_object();
		json_object_set_new(o, "component", json_string(cs_fail_comp_names[pr->comp]));
		json_object_set_new(o, "node_types", json_string(types_text(pr, types, sizeof types)));
		json_object_set_new(o, "components", json_integer(s->components));
		json_object_set_new(o, "distribution", json_string(cs_law_names[pr->ttf.kind]));
		json_object_set_new(o, "mtbf_h", json_real(pr->ttf.mean_s / 3600));
		json_object_set_new(o, "repair", json_string(cs_law_names[pr->repair.kind]));
		json_object_set_new(o, "repair_h", json_real(pr->repair.mean_s / 3600));
		json_object_set_new(o, "failures", json_integer((json_int_t)s->failures));
		json_object_set_new(o, "expected", json_real(s->up_s / pr->ttf.mean_s));
		json_object_set_new(o, "mtbf_h_observed", num_or_null(s->up_s / 3600, (double)s->failures));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *failures_json(const cs_failsim *f, const books *b)
{
	json_t *o = json_object();
	uint64_t total = 0;
	for (uint32_t p = 0; p < f->nst; p++)
		total += f->st[p].failures;
	json_object_set_new(o, "model", json_string(f->cfg->trace ? "trace" : f->cfg->nprocs ? "processes" : "none"));
	json_object_set_new(o, "seed", json_integer((json_int_t)f->seed));
	json_object_set_new(o, "requeue", json_boolean(f->requeue));
	json_object_set_new(o, "total", json_integer((json_int_t)total));
	json_object_set_new(o, "components", components_json(f));
	if (f->cfg->nprocs)
		json_object_set_new(o, "processes", processes_json(f));
	if (f->cfg->trace) {
		json_t *t = json_object();
		json_object_set_new(t, "file", json_string(f->cfg->trace));
		json_object_set_new(t, "lines", json_integer((json_int_t)f->cfg->nrecs));
		json_object_set_new(t, "after_the_workload", json_integer((json_int_t)f->recs_after));
		json_object_set_new(o, "trace", t);
	}
	json_object_set_new(o, "jobs_stopped", json_integer((json_int_t)b->kills));
	json_object_set_new(o, "jobs_hit", json_integer((json_int_t)b->hit));
	json_object_set_new(o, "jobs_requeued", json_integer((json_int_t)b->requeued));
	json_object_set_new(o, "jobs_node_fail", json_integer((json_int_t)b->node_fail));
	return o;
}

static json_t *checkpoints_json(const cs_failsim *f, const books *b)
{
	json_t *o = json_object(), *a = json_array();
	for (size_t r = 0; r < f->cfg->nckpt; r++) {
		const cs_ckpt_rule *ru = &f->cfg->ckpt[r];
		json_t *x = json_object();
		json_object_set_new(x, "qos", ru->qos ? json_string(ru->qos) : json_null());
		json_object_set_new(x, "partition", ru->partition ? json_string(ru->partition) : json_null());
		json_object_set_new(x, "min_gpus", json_integer(ru->min_gpus));
		json_object_set_new(x, "interval", ru->young_daly ? json_string("young_daly") : json_integer(ru->interval_s));
		json_object_set_new(x, "mean_interval_s", json_integer(f->rule_interval[r]));
		json_object_set_new(x, "cost_s", json_integer(ru->cost_s));
		json_object_set_new(x, "jobs", json_integer((json_int_t)f->rule_jobs[r]));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "rules", a);
	json_object_set_new(o, "jobs", json_integer((json_int_t)b->ckpt_jobs));
	json_object_set_new(o, "taken", json_integer((json_int_t)b->checkpoints));
	return o;
}

json_t *cs_failsim_summary_json(const cs_failsim *f)
{
	books b;
	close_books(f, &b);
	json_t *o = json_object(), *g = json_object(), *m = json_object();
	if (!o || !g || !m) {
		json_decref(o);
		json_decref(g);
		json_decref(m);
		return NULL;
	}
	json_object_set_new(o, "span_s", json_integer(f->t_end - f->t0));
	json_object_set_new(o, "goodput", num_or_null(b.useful, b.delivered));
	json_object_set_new(g, "delivered", json_real(b.delivered / 3600));
	json_object_set_new(g, "useful", json_real(b.useful / 3600));
	json_object_set_new(g, "lost_to_failures", json_real(b.lost_fail / 3600));
	json_object_set_new(g, "checkpoints", json_real(b.ckpt / 3600));
	json_object_set_new(g, "lost_to_preemption", json_real(b.lost_preempt / 3600));
	json_object_set_new(g, "down_for_repair", json_real(b.down / 3600));
	json_object_set_new(g, "maintenance", json_real(b.maint_gpu / 3600));
	json_object_set_new(o, "gpu_hours", g);
	json_object_set_new(o, "failures", failures_json(f, &b));
	json_object_set_new(o, "checkpoints", checkpoints_json(f, &b));
	json_object_set_new(m, "windows", json_integer((json_int_t)f->nresv));
	json_object_set_new(m, "node_hours", json_real(b.maint_node / 3600));
	json_object_set_new(m, "gpu_hours", json_real(b.maint_gpu / 3600));
	json_object_set_new(o, "maintenance", m);
	return o;
}

void cs_failsim_print(FILE *out, const cs_failsim *f)
{
	books b;
	close_books(f, &b);
	fprintf(out, "  reliability goodput %.4f: %.1f useful of %.1f GPU-hours delivered; lost to failures %.1f, "
		"checkpoints %.1f, preemption %.1f; GPU-hours down for repair %.1f, in maintenance %.1f (%zu window%s)\n",
		b.delivered > 0 ? b.useful / b.delivered : 0, b.useful / 3600, b.delivered / 3600, b.lost_fail / 3600,
		b.ckpt / 3600, b.lost_preempt / 3600, b.down / 3600, b.maint_gpu / 3600, f->nresv, f->nresv == 1 ? "" : "s");
	if (!f->nst) {
		fprintf(out, "  checkpoints %llu jobs checkpointing, %llu checkpoints\n", (unsigned long long)b.ckpt_jobs,
			(unsigned long long)b.checkpoints);
		return;
	}
	uint64_t total = 0;
	for (uint32_t p = 0; p < f->nst; p++)
		total += f->st[p].failures;
	fprintf(out, "  failures    %llu%s", (unsigned long long)total, f->cfg->trace ? " from the trace" : "");
	const char *sep = " (";
	for (int k = 0; k < CS_FAIL_NCOMP; k++) {
		kind_sum t;
		if (!kind_totals(f, k, &t))
			continue;
		fprintf(out, "%s%s %.0f", sep, cs_fail_comp_names[k], t.fails);
		if (!f->cfg->trace)
			fprintf(out, " of %.1f expected", t.expected);
		sep = ", ";
	}
	fprintf(out, "); they stopped jobs %llu times (%llu jobs, %s); %llu jobs checkpointing, %llu checkpoints\n",
		(unsigned long long)b.kills, (unsigned long long)b.hit, f->requeue ? "requeued" : "ended NODE_FAIL",
		(unsigned long long)b.ckpt_jobs, (unsigned long long)b.checkpoints);
}

void cs_failsim_csv_header(FILE *out) { fputs(",failures,failure_lost_s,checkpoint_s", out); }

void cs_failsim_csv_row(FILE *out, const cs_failsim *f, size_t i)
{
	fprintf(out, ",%u,%lld,%lld", f->kills[i], (long long)f->lost_s[i], (long long)f->ckpt_s[i]);
}

size_t cs_failsim_down_changes(const cs_failsim *f, const cs_fail_down **out)
{
	*out = f->changes;
	return f->nchanges;
}
