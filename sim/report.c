/* capsim: the human summary and summary.json (the run's other files:
 * outputs.c). */
#include "capsim/report.h"
#include "capsim/csvout.h"
#include "capsim/failures.h"
#include "capsim/stage.h"
#include "capsim/gpumap.h"
#include "capsim/power.h"
#include "capsim/recorder.h"
#include "capsim/storage.h"
#include "fnv.h"
#include "report_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cs_convert_names[2] = { "capsim", "pyss" };
const char *const cs_size_names[3] = { "allocated", "requested", "max" };
const char *const cs_est_names[2] = { "requested", "exact" };
const char *const cs_missing_names[3] = { "runtime", "drop", "pyss" };
const char *const cs_overrun_names[3] = { "kill", "continue", "raise" };
const char *const cs_same_names[2] = { "end-first", "submit-first" };
const char *const cs_pass_names[2] = { "per-time", "per-event" };
const char *const cs_submit_names[2] = { "always", "if-fits" };
const char *const cs_release_names[2] = { "event", "estimate" };
const char *const cs_fit_names[4] = { "first", "best", "topo", "frag" };

int cs_name_lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

static size_t dropped_total(const cs_workload_stats *w)
{
	size_t t = 0;
	for (int i = 0; i < CS_DROP_N; i++)
		t += w->dropped[i];
	return t;
}

/* A policy parameter's value in force: given with --policy-opt (the
 * registry's rule: the last one wins), else its default. */
static const char *param_value(const cs_run_opts *o, const cs_policy_param *p)
{
	cs_policy_env env = { .nparams = o->nparams, .keys = o->keys, .vals = o->vals };
	const char *v = cs_policy_param_get(&env, p->key);
	return v ? v : p->default_value;
}

static void print_params(FILE *f, const cs_run_opts *o, const cs_policy_ops *ops)
{
	int first = 1;
	for (const cs_policy_param *p = ops ? ops->params : NULL; p && p->key; p++) {
		fprintf(f, "%s%s=%s", first ? " (" : ", ", p->key, param_value(o, p));
		first = 0;
	}
	if (!first)
		fputc(')', f);
}

void cs_run_print_summary(FILE *f, const cs_run_opts *o, const cs_run_result *r)
{
	const cs_workload_stats *w = &r->wst;
	const cs_metrics *m = &r->m;
	fprintf(f, "capsim run: %s\n", o->workload);
	fprintf(f, "  policy      %s", o->policy);
	print_params(f, o, r->ops);
	fprintf(f, "%s%s\n", o->compat ? ", compat " : "", o->compat ? o->compat : "");
	if (o->accounts)
		fprintf(f, "  accounts    %s: %u accounts, %u users; added from the workload: %u projects "
			"(under the root, shares 1), %u users (shares 1); %zu jobs of a QoS and %zu of a partition "
			"not in its tables\n", o->accounts, r->acct.accounts, r->acct.users, r->acct.projects_added,
			r->acct.users_added, r->acct.jobs_qos_unlisted, r->acct.jobs_partition_unlisted);
	char scale[4096] = "";
	if (o->scale) {
		strcpy(scale, " scaled by --scale ");
		cs_cluster_scale_format(o->scale, scale + strlen(scale), sizeof scale - strlen(scale));
	}
	if (r->machine.node_model)
		fprintf(f, "  machine     %s%s, node by node: %u nodes, %llu GPUs, %llu cores (fit %s%s%s)\n",
			r->machine.cluster, scale, r->machine.nodes, (unsigned long long)r->machine.gpus,
			(unsigned long long)r->machine.cores, cs_fit_names[o->fit], r->machine.own ? "; from " : "",
			r->machine.own ? r->machine.source : "");
	else if (r->machine.ppn)
		fprintf(f, "  machine     %u processors (%u nodes x %u; from %s%s)\n", r->machine.procs,
			r->machine.nodes, r->machine.ppn, r->machine.source, scale);
	else
		fprintf(f, "  machine     %u processors (%u nodes of several sizes; from %s%s)\n",
			r->machine.procs, r->machine.nodes, r->machine.source, scale);
	fprintf(f, "  conventions convert=%s size=%s estimates=%s missing-reqtime=%s overrun=%s\n"
		   "              same-time=%s pass=%s submit-pass=%s release=%s bsld-tau=%llds\n",
		cs_convert_names[o->wconv.conversion], cs_size_names[o->wconv.size_field],
		cs_est_names[o->wconv.estimates], cs_missing_names[o->wconv.missing_reqtime],
		cs_overrun_names[o->wconv.overrun], cs_same_names[o->econv.same_time], cs_pass_names[o->econv.pass],
		cs_submit_names[o->econv.submit_pass], cs_release_names[o->econv.release],
		(long long)o->bsld_tau);
	if (!cs_transform_is_identity(&o->tf))
		fprintf(f, "  transforms  jobs %lld..%lld, submitted in [%lld, %lld), projects x%g (seed %llu), load x%g\n",
			(long long)o->tf.id_min, (long long)o->tf.id_max, (long long)o->tf.from,
			(long long)o->tf.to, o->tf.projects_scale, (unsigned long long)o->tf.seed, o->tf.load_scale);
	fprintf(f, "  jobs        %zu simulated of %zu records; %zu dropped", m->jobs, w->records,
		dropped_total(w));
	int any = 0;
	for (int i = 0; i < CS_DROP_N; i++)
		if (w->dropped[i]) {
			fprintf(f, "%s%s %zu", any ? ", " : " (", cs_drop_names[i], w->dropped[i]);
			any = 1;
		}
	fprintf(f, "%s\n", any ? ")" : "");
	fprintf(f, "  adjusted    size from the other field %zu, requested time from runtime %zu, "
		   "ran past requested time %zu (killed %zu)\n",
		w->size_fallback, w->reqtime_fallback, w->overran, w->killed);
	if (o->wconv.conversion == CS_CONVERT_PYSS)
		fprintf(f, "  pyss        %zu invalid records run as 1 s jobs, %zu sizes cut to the machine\n",
			w->placeholders, w->clamped);
	fprintf(f, "  makespan    %lld s (%.2f days)   utilization %.4f\n", (long long)m->makespan,
		(double)m->makespan / 86400.0, m->utilization);
	if (r->machine.node_model)
		fprintf(f, "  node model  GPU utilization %.4f, core utilization %.4f; %zu jobs without a "
			"partition of the cluster: %zu GPU jobs held to the node types of their GPU model, "
			"the rest on any node type\n", r->gpu_utilization, r->core_utilization, w->any_partition,
			w->gpu_held);
	for (size_t i = 0; r->gpumap && i < r->gpumap->nused; i++) {
		const cs_gpumap_use *u = &r->gpumap->used[i];
		fprintf(f, "%s%s=%s%s", i ? ", " : "  gpu map     ", u->model, *u->types ? u->types : "(none)",
			u->rule ? "" : " (default)");
		if (i + 1 == r->gpumap->nused)
			fputc('\n', f);
	}
	fprintf(f, "  wait        mean %.1f s, median %.1f s, p95 %.1f s, max %lld s\n", m->mean_wait,
		m->median_wait, m->p95_wait, (long long)m->max_wait);
	fprintf(f, "  response    mean %.1f s\n", m->mean_response);
	fprintf(f, "  slowdown    mean %.3f, bounded (tau %llds) mean %.3f, max %.1f\n", m->mean_slowdown,
		(long long)o->bsld_tau, m->mean_bounded_slowdown, m->max_bounded_slowdown);
	if (r->est.rejected)
		fprintf(f, "  rejected    %zu jobs refused by the policy (see jobs.csv reason; not in the metrics)\n",
			r->est.rejected);
	size_t over_cap = 0;
	for (size_t i = 0; i < r->njobs; i++)
		over_cap += (r->jobs[i].flags & CS_JOB_REJECTED) && r->jobs[i].reason == CS_WAIT_POWERCAP;
	if (over_cap)
		fprintf(f, "  power cap   %zu of them could each draw more than the site's power cap alone "
			"(reason PowerCap; docs/energy.md)\n", over_cap);
	if (r->est.cancelled_waiting || r->est.cancelled_running)
		fprintf(f, "  cancelled   %zu jobs while they waited (not in the metrics), %zu while they ran\n",
			r->est.cancelled_waiting, r->est.cancelled_running);
	fprintf(f, "  scheduler   %zu jobs backfilled, %llu passes, %llu events, longest queue %zu\n",
		m->backfilled, (unsigned long long)r->est.passes, (unsigned long long)r->est.events,
		r->est.max_queue);
	if (r->fail)
		cs_failsim_print(f, r->fail);
	if (r->stage)
		cs_stagesim_print(f, r->stage);
}

static json_t *jint(long long v) { return json_integer(v); }

/* multifactor's `shares` in force, or NULL: the recorder's entitlements. */
const char *cs_report_shares(const cs_run_opts *o, const cs_run_result *r)
{
	for (const cs_policy_param *p = r->ops ? r->ops->params : NULL; p && p->key; p++)
		if (strcmp(p->key, "shares") == 0)
			return param_value(o, p);
	return NULL;
}

/* epoch + t as an ISO 8601 UTC string, or null without an epoch. */
static json_t *utc_json(int64_t epoch, cs_time t)
{
	char b[40];
	cs_utc_string(b, sizeof b, epoch, t);
	return *b ? json_string(b) : json_null();
}

/* A digest of the jobs as simulated (FNV-1a, 64 bits, over each job's id,
 * submit time, recorded run time, requested time and shape): two runs
 * with the same digest replayed the same jobs, whatever the files were
 * called (capsim compare warns when they differ). */
static uint64_t jobs_digest(const cs_job *jobs, size_t n)
{
	uint64_t h = CS_FNV_OFFSET;
	for (size_t i = 0; i < n; i++) {
		const cs_job *j = &jobs[i];
		int64_t v[] = { j->id, j->submit_s, j->trace_runtime_s, j->reqtime_s, j->size,
				j->nodes, j->gpus_per_node, j->cores_per_node, j->mem_per_node_mib };
		h = cs_fnv_words(h, v, sizeof v / sizeof *v);
	}
	return h;
}

/* How often jobs were preempted: the jobs preempted at least once, the
 * most times one job was, and how many jobs were preempted 1, 2-3, 4-7,
 * 8-15, 16-31 and 32 or more times; then how many jobs chosen for
 * preemption with a grace ended on their own within it (not preemptions:
 * they ran to their own end). */
static json_t *preempted_json(const cs_run_result *r)
{
	static const char *const bucket[] = { "1", "2-3", "4-7", "8-15", "16-31", "32+" };
	size_t n[6] = { 0 }, jobs = 0;
	uint32_t most = 0;
	for (size_t i = 0; i < r->njobs; i++) {
		uint32_t k = r->jobs[i].preemptions;
		if (!k)
			continue;
		jobs++;
		if (k > most)
			most = k;
		size_t b = 0;
		while (b < 5 && k >= (2u << b))
			b++;
		n[b]++;
	}
	json_t *o = json_object(), *h = json_object();
	json_object_set_new(o, "jobs", jint((long long)jobs));
	json_object_set_new(o, "most", jint((long long)most));
	for (size_t b = 0; b < 6; b++)
		json_object_set_new(h, bucket[b], jint((long long)n[b]));
	json_object_set_new(o, "times", h);
	json_object_set_new(o, "ended_in_grace", jint((long long)r->est.grace_ends));
	return o;
}

/* What reproduces the run: the inputs and a command line. */
static json_t *inputs_json(const cs_run_opts *o, const cs_run_result *r)
{
	json_t *in = json_object();
	json_object_set_new(in, "capsim_version", json_string(CS_VERSION));
	json_object_set_new(in, "workload", json_string(o->workload));
	json_object_set_new(in, "format", json_string(cs_format_names[o->format]));
	json_object_set_new(in, "cluster", json_string(o->cluster ? o->cluster
					  : r->machine.node_model && !r->machine.own ? "default" : ""));
	char scale[4096] = "";
	if (o->scale)
		cs_cluster_scale_format(o->scale, scale, sizeof scale);
	json_object_set_new(in, "scale", o->scale ? json_string(scale) : json_null());
	json_object_set_new(in, "policy", json_string(o->policy));
	const char *wseed = r->trace ? cs_trace_meta_get(r->trace, "seed") : NULL;
	json_object_set_new(in, "workload_seed", wseed ? json_string(wseed) : json_null());
	json_object_set_new(in, "transform_seed", jint((long long)o->tf.seed));
	json_object_set_new(in, "sample_s", jint(o->sample_s));
	char dg[24];
	snprintf(dg, sizeof dg, "%016llx", (unsigned long long)jobs_digest(r->jobs, r->njobs));
	json_object_set_new(in, "jobs_digest", json_string(dg));
	char cmd[4096];
	size_t n = 0;
#define ADD(...) do { if (n < sizeof cmd) n += (size_t)snprintf(cmd + n, sizeof cmd - n, __VA_ARGS__); } while (0)
	ADD("capsim run --workload %s --policy %s", o->workload, o->policy);
	for (const cs_policy_param *p = r->ops ? r->ops->params : NULL; p && p->key; p++)
		ADD(" --policy-opt %s=%s", p->key, param_value(o, p));
	if (o->cluster)
		ADD(" --cluster %s", o->cluster);
	if (o->scale)
		ADD(" --scale '%s'", scale);
	for (size_t i = 0; i < o->ngpu_map; i++)
		ADD(" --gpu-map '%s'", o->gpu_map[i]);
	if (o->format != CS_FMT_AUTO)
		ADD(" --format %s", cs_format_names[o->format]);
	if (r->machine.node_model)
		ADD(" --fit %s", cs_fit_names[o->fit]);
	if (o->node_model)
		ADD(" --node-model");
	if (o->procs > 0)
		ADD(" --procs %lld", (long long)o->procs);
	if (o->nodes > 0)
		ADD(" --nodes %lld", (long long)o->nodes);
	if (o->ppn > 0)
		ADD(" --procs-per-node %lld", (long long)o->ppn);
	if (o->tf.id_min != INT64_MIN || o->tf.id_max != INT64_MAX) {
		ADD(" --jobs ");
		if (o->tf.id_min != INT64_MIN)
			ADD("%lld", (long long)o->tf.id_min);
		ADD("-");
		if (o->tf.id_max != INT64_MAX)
			ADD("%lld", (long long)o->tf.id_max);
	}
	if (o->tf.from)
		ADD(" --from %lld", (long long)o->tf.from);
	if (o->tf.to != CS_TIME_MAX)
		ADD(" --to %lld", (long long)o->tf.to);
	if (o->tf.projects_scale != 1)
		ADD(" --projects-scale %g --seed %llu", o->tf.projects_scale, (unsigned long long)o->tf.seed);
	if (o->tf.load_scale != 1)
		ADD(" --load-scale %g", o->tf.load_scale);
	if (o->requeue_on_failure >= 0)
		ADD(" --requeue-on-failure %s", o->requeue_on_failure ? "yes" : "no");
	if (o->failure_seed >= 0)
		ADD(" --failure-seed %lld", (long long)o->failure_seed);
	if (o->staging)
		ADD(" --staging %s", o->staging > 0 ? "yes" : "no");
	if (o->stage_tier)
		ADD(" --stage-tier %s", o->stage_tier);
	ADD(" --convert %s --job-size %s --estimates %s --missing-reqtime %s --overrun %s --same-time %s --pass %s"
	    " --submit-pass %s --release %s --bsld-tau %lld --sample %lld",
	    cs_convert_names[o->wconv.conversion], cs_size_names[o->wconv.size_field],
	    cs_est_names[o->wconv.estimates], cs_missing_names[o->wconv.missing_reqtime],
	    cs_overrun_names[o->wconv.overrun], cs_same_names[o->econv.same_time], cs_pass_names[o->econv.pass],
	    cs_submit_names[o->econv.submit_pass], cs_release_names[o->econv.release], (long long)o->bsld_tau,
	    (long long)o->sample_s);
#undef ADD
	json_object_set_new(in, "command", json_string(cmd));
	return in;
}

/* What job i was billed, billing-unit-seconds: its rate (its partition's
 * TRESBillingWeights, else its size) x the seconds it ran, runs a requeue
 * threw away included (they were charged to its fair-share usage too). */
/* summary.json's "billing": the unit, the run's and each project's billed
 * hours (billing-unit-hours; size-hours without weights), projects in
 * ascending order of their index (node model: the workload's first
 * mention; pooled: SWF group numbers), jobs of no project last. */
static json_t *billing_json(const cs_run_result *r)
{
	json_t *o = json_object(), *pj = json_object();
	/* each project's sum in job order, as a stable sort by project would
	 * add them; slot ng: jobs of no project */
	size_t ng = 0;
	for (size_t i = 0; i < r->njobs; i++)
		if (r->jobs[i].group >= 0 && (size_t)r->jobs[i].group + 1 > ng)
			ng = (size_t)r->jobs[i].group + 1;
	double *sum = calloc(ng + 1, sizeof *sum);
	size_t *jobs = calloc(ng + 1, sizeof *jobs);
	if (!o || !pj || !sum || !jobs) {
		free(sum);
		free(jobs);
		json_decref(o);
		json_decref(pj);
		return NULL;
	}
	for (size_t i = 0; i < r->njobs; i++) {
		size_t g = r->jobs[i].group >= 0 ? (size_t)r->jobs[i].group : ng;
		sum[g] += cs_report_billed_s(r, i);
		jobs[g]++;
	}
	double total = 0;
	for (size_t g = 0; g <= ng; g++) {
		if (!jobs[g])
			continue;
		char name[256];
		if (g == ng)
			snprintf(name, sizeof name, "(no project)");
		else if (r->trace)
			snprintf(name, sizeof name, "%s", cs_names_get(&r->trace->projects, (int32_t)g));
		else
			snprintf(name, sizeof name, "g%zu", g);
		json_object_set_new(pj, name, json_real(sum[g] / 3600.0));
		total += sum[g];
	}
	free(sum);
	free(jobs);
	json_object_set_new(o, "weights", json_boolean(r->billing != NULL));
	json_object_set_new(o, "unit", json_string(r->billing ? "billing-unit-hours (partitions' tres_billing_weights)"
						 : r->machine.node_model ? "size-hours (GPUs, cores for CPU-only jobs)"
						 : "processor-hours"));
	json_object_set_new(o, "total_hours", json_real(total / 3600.0));
	json_object_set_new(o, "projects", pj);
	return o;
}

/* summary.json's "grants" (capsim/grants.h): the run's delivery of the
 * accounts file's grants, in billing-unit-hours. */
static json_t *grants_json(const cs_run_result *r)
{
	const cs_grant_report *g = &r->grants;
	json_t *o = json_object();
	json_object_set_new(o, "accounts", jint((long long)g->n));
	json_object_set_new(o, "granted_hours", json_real(g->granted_h));
	json_object_set_new(o, "asked_hours", json_real(g->asked_h));
	json_object_set_new(o, "delivered_hours", json_real(g->delivered_h));
	json_object_set_new(o, "delivery", json_real(g->delivery));
	return o;
}

/* Each partition of the cluster's waits, keyed by its name in config
 * order (metrics.h: cs_metrics_by_partition); NULL when out of memory. */
static json_t *partitions_json(const cs_run_result *r)
{
	const cs_names *pn = &r->trace->partitions;
	cs_wait_stats *ws = calloc(pn->n ? pn->n : 1, sizeof *ws);
	if (!ws || cs_metrics_by_partition(r->jobs, r->njobs, pn->n, ws) < 0) {
		free(ws);
		return NULL;
	}
	json_t *o = json_object();
	for (size_t p = 0; p < pn->n; p++) {
		json_t *x = json_object();
		json_object_set_new(x, "jobs", jint((long long)ws[p].jobs));
		json_object_set_new(x, "mean_wait", json_real(ws[p].mean_wait));
		json_object_set_new(x, "median_wait", json_real(ws[p].median_wait));
		json_object_set_new(x, "p95_wait", json_real(ws[p].p95_wait));
		json_object_set_new(x, "p99_wait", json_real(ws[p].p99_wait));
		json_object_set_new(x, "max_wait", jint(ws[p].max_wait));
		json_object_set_new(o, pn->v[p], x);
	}
	free(ws);
	return o;
}

/* summary.json; rp: the recorder's projects, worked out for the files too (NULL: here). */
json_t *cs_report_summary_json(const cs_run_opts *o, const cs_run_result *r, const cs_rec_projects *rp)
{
	const cs_workload_stats *w = &r->wst;
	const cs_metrics *m = &r->m;
	json_t *root = json_object();
	json_object_set_new(root, "workload", json_string(o->workload));
	json_object_set_new(root, "policy", json_string(o->policy));
	json_t *params = json_object();
	const cs_policy_ops *ops = r->ops;
	for (const cs_policy_param *p = ops ? ops->params : NULL; p && p->key; p++)
		json_object_set_new(params, p->key, json_string(param_value(o, p)));
	json_object_set_new(root, "policy_params", params);
	if (o->accounts) {
		json_t *a = json_object();
		json_object_set_new(a, "file", json_string(o->accounts));
		json_object_set_new(a, "accounts", jint(r->acct.accounts));
		json_object_set_new(a, "users", jint(r->acct.users));
		json_object_set_new(a, "projects_added", jint(r->acct.projects_added));
		json_object_set_new(a, "users_added", jint(r->acct.users_added));
		json_object_set_new(a, "jobs_qos_unlisted", jint((long long)r->acct.jobs_qos_unlisted));
		json_object_set_new(a, "jobs_partition_unlisted", jint((long long)r->acct.jobs_partition_unlisted));
		json_object_set_new(root, "accounts", a);
	}
	json_object_set_new(root, "compat", o->compat ? json_string(o->compat) : json_null());
	json_object_set_new(root, "cluster", o->cluster ? json_string(o->cluster) : json_null());
	json_t *mach = json_object();
	json_object_set_new(mach, "processors", jint(r->machine.procs));
	json_object_set_new(mach, "nodes", jint(r->machine.nodes));
	json_object_set_new(mach, "processors_per_node", jint(r->machine.ppn));
	json_object_set_new(mach, "source", json_string(r->machine.source));
	json_object_set_new(mach, "batsim_resources", json_string(cs_batsim_unit_names[r->batsim_unit]));
	char scale[4096] = "";
	if (o->scale)
		cs_cluster_scale_format(o->scale, scale, sizeof scale);
	json_object_set_new(mach, "scale", o->scale ? json_string(scale) : json_null());
	if (r->machine.node_model) {
		json_object_set_new(mach, "cluster", json_string(r->machine.cluster));
		json_object_set_new(mach, "gpus", jint((long long)r->machine.gpus));
		json_object_set_new(mach, "cores", jint((long long)r->machine.cores));
		json_object_set_new(mach, "fit", json_string(cs_fit_names[o->fit]));
	}
	json_object_set_new(root, "machine", mach);
	json_t *cv = json_object();
	json_object_set_new(cv, "convert", json_string(cs_convert_names[o->wconv.conversion]));
	json_object_set_new(cv, "job_size", json_string(cs_size_names[o->wconv.size_field]));
	json_object_set_new(cv, "estimates", json_string(cs_est_names[o->wconv.estimates]));
	json_object_set_new(cv, "missing_reqtime", json_string(cs_missing_names[o->wconv.missing_reqtime]));
	json_object_set_new(cv, "overrun", json_string(cs_overrun_names[o->wconv.overrun]));
	json_object_set_new(cv, "same_time", json_string(cs_same_names[o->econv.same_time]));
	json_object_set_new(cv, "pass", json_string(cs_pass_names[o->econv.pass]));
	json_object_set_new(cv, "submit_pass", json_string(cs_submit_names[o->econv.submit_pass]));
	json_object_set_new(cv, "release", json_string(cs_release_names[o->econv.release]));
	json_object_set_new(cv, "bsld_tau", jint(o->bsld_tau));
	json_object_set_new(root, "conventions", cv);
	json_t *tf = json_object();
	json_object_set_new(tf, "jobs_first", o->tf.id_min == INT64_MIN ? json_null() : jint(o->tf.id_min));
	json_object_set_new(tf, "jobs_last", o->tf.id_max == INT64_MAX ? json_null() : jint(o->tf.id_max));
	json_object_set_new(tf, "from", jint(o->tf.from));
	json_object_set_new(tf, "to", o->tf.to == CS_TIME_MAX ? json_null() : jint(o->tf.to));
	json_object_set_new(tf, "projects_scale", json_real(o->tf.projects_scale));
	json_object_set_new(tf, "load_scale", json_real(o->tf.load_scale));
	json_object_set_new(tf, "seed", jint((long long)o->tf.seed));
	json_object_set_new(root, "transforms", tf);
	json_object_set_new(root, "records", jint((long long)w->records));
	json_object_set_new(root, "jobs", jint((long long)m->jobs));
	json_t *flt = json_object();
	for (int i = 0; i < CS_DROP_N; i++)
		json_object_set_new(flt, cs_drop_names[i], jint((long long)w->dropped[i]));
	json_object_set_new(root, "filtered", flt);
	json_object_set_new(root, "filtered_total", jint((long long)dropped_total(w)));
	json_t *fb = json_object();
	json_object_set_new(fb, "size_from_other_field", jint((long long)w->size_fallback));
	json_object_set_new(fb, "reqtime_from_runtime", jint((long long)w->reqtime_fallback));
	json_object_set_new(root, "fallbacks", fb);
	json_object_set_new(root, "overran_reqtime", jint((long long)w->overran));
	json_object_set_new(root, "killed_at_walltime", jint((long long)w->killed));
	json_object_set_new(root, "unsorted_records", jint((long long)w->unsorted));
	json_object_set_new(root, "pyss_placeholders", jint((long long)w->placeholders));
	json_object_set_new(root, "pyss_clamped", jint((long long)w->clamped));
	json_object_set_new(root, "first_submit", jint(m->first_submit));
	json_object_set_new(root, "last_end", jint(m->last_end));
	/* the calendar, where the workload has one */
	json_object_set_new(root, "epoch", r->epoch ? jint(r->epoch) : json_null());
	json_object_set_new(root, "first_submit_time", utc_json(r->epoch, m->first_submit));
	json_object_set_new(root, "last_end_time", utc_json(r->epoch, m->last_end));
	json_object_set_new(root, "makespan", jint(m->makespan));
	json_object_set_new(root, "utilization", json_real(m->utilization));
	if (r->machine.node_model) {
		json_object_set_new(root, "gpu_utilization", json_real(r->gpu_utilization));
		json_object_set_new(root, "core_utilization", json_real(r->core_utilization));
		json_object_set_new(root, "any_partition", jint((long long)w->any_partition));
		json_object_set_new(root, "gpu_held", jint((long long)w->gpu_held));
		json_t *gm = json_array();
		for (size_t i = 0; r->gpumap && i < r->gpumap->nused; i++) {
			const cs_gpumap_use *u = &r->gpumap->used[i];
			json_array_append_new(gm, json_pack("{s:s, s:s, s:s}", "model", u->model, "node_types", u->types,
							    "from", u->rule ? "--gpu-map" : "default"));
		}
		json_object_set_new(root, "gpu_map", gm);
	}
	json_object_set_new(root, "mean_wait", json_real(m->mean_wait));
	json_object_set_new(root, "median_wait", json_real(m->median_wait));
	json_object_set_new(root, "p95_wait", json_real(m->p95_wait));
	json_object_set_new(root, "max_wait", jint(m->max_wait));
	json_object_set_new(root, "p99_wait", json_real(m->p99_wait));
	json_object_set_new(root, "mean_response", json_real(m->mean_response));
	json_object_set_new(root, "mean_slowdown", json_real(m->mean_slowdown));
	json_object_set_new(root, "mean_bounded_slowdown", json_real(m->mean_bounded_slowdown));
	json_object_set_new(root, "max_bounded_slowdown", json_real(m->max_bounded_slowdown));
	json_object_set_new(root, "backfilled_jobs", jint((long long)m->backfilled));
	json_object_set_new(root, "rejected_by_policy", jint((long long)r->est.rejected));
	if (r->machine.node_model && r->trace) {
		json_t *pj = partitions_json(r);
		if (!pj) {
			json_decref(root);
			return NULL;
		}
		json_object_set_new(root, "partitions", pj);
	}
	json_t *why = json_object();
	size_t cnt[CS_WAIT_N] = { 0 };
	for (size_t i = 0; i < r->njobs; i++)
		cnt[r->jobs[i].reason < CS_WAIT_N ? r->jobs[i].reason : 0]++;
	for (int k = 0; k < CS_WAIT_N; k++)
		json_object_set_new(why, cs_wait_names[k], jint((long long)cnt[k]));
	json_object_set_new(root, "last_pending_reason", why);
	json_t *eng = json_object();
	json_object_set_new(eng, "events", jint((long long)r->est.events));
	json_object_set_new(eng, "passes", jint((long long)r->est.passes));
	json_object_set_new(eng, "max_queue", jint((long long)r->est.max_queue));
	json_object_set_new(eng, "early_releases", jint((long long)r->est.early_releases));
	json_object_set_new(eng, "preemptions", jint((long long)r->est.preemptions));
	json_object_set_new(eng, "requeues", jint((long long)r->est.requeues));
	json_object_set_new(eng, "signalled", jint((long long)r->est.signalled));
	json_object_set_new(root, "engine", eng);
	json_object_set_new(root, "preempted_jobs", preempted_json(r));
	if (r->est.cancelled_waiting || r->est.cancelled_running || r->est.cancels_missed)
		json_object_set_new(root, "cancelled_jobs",
				    json_pack("{s:I, s:I, s:I}", "waiting", (json_int_t)r->est.cancelled_waiting,
					      "running", (json_int_t)r->est.cancelled_running, "missed",
					      (json_int_t)r->est.cancels_missed));
	json_t *bj = billing_json(r);
	if (bj)
		json_object_set_new(root, "billing", bj);
	if (r->grants.n)
		json_object_set_new(root, "grants", grants_json(r));
	if (r->rec) {
		json_t *rj = rp ? cs_recorder_summary_json_with(r->rec, rp)
				: cs_recorder_summary_json(r->rec, cs_report_shares(o, r), o->bsld_tau);
		if (rj)
			json_object_set_new(root, "recorder", rj);
	}
	if (r->power) {
		json_t *ej = cs_power_meter_json(r->power, r->epoch);
		if (ej)
			json_object_set_new(root, "energy", ej);
	}
	if (r->storage) {
		json_t *sj = cs_storage_json(r->storage, r->epoch);
		if (sj)
			json_object_set_new(root, "storage", sj);
	}
	if (r->fail) /* only on a cluster with failures, checkpoints or maintenance */
		json_object_set_new(root, "reliability", cs_failsim_summary_json(r->fail));
	if (r->stage) /* only with staging on */
		json_object_set_new(root, "staging", cs_stagesim_summary_json(r->stage));
	json_object_set_new(root, "inputs", inputs_json(o, r));
	return root;
}

json_t *cs_run_summary_json(const cs_run_opts *o, const cs_run_result *r) { return cs_report_summary_json(o, r, NULL); }
