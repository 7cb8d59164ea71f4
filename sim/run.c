/* capsim: one replay, end to end. */
#include "capsim/format.h"
#include "capsim/run.h"
#include "capsim/cluster.h"
#include "capsim/failures.h"
#include "capsim/gpumap.h"
#include "capsim/power.h"
#include "capsim/recorder.h"
#include "capsim/stage.h"
#include "capsim/storage.h"
#include "capsim/topo.h"
#include "run_int.h"

#include <stdlib.h>
#include <string.h>

void cs_run_opts_default(cs_run_opts *o)
{
	memset(o, 0, sizeof *o);
	o->policy = "easy";
	cs_workload_conv_defaults(&o->wconv, CS_CONVERT_CAPSIM);
	o->econv = (cs_engine_conv){ .same_time = CS_SAME_END_FIRST,
				     .pass = CS_PASS_PER_TIME,
				     .submit_pass = CS_SUBMIT_ALWAYS,
				     .release = CS_RELEASE_EVENT };
	o->bsld_tau = 10;
	o->procs = o->nodes = o->ppn = -1;
	o->format = CS_FMT_AUTO;
	o->fit = CS_FIT_BEST;
	o->sample_s = CS_RECORDER_SAMPLE_S;
	o->requeue_on_failure = -1;
	o->failure_seed = -1;
	cs_transform_default(&o->tf);
}

int cs_compat_apply(const char *name, const char *policy, cs_workload_conv *w, cs_engine_conv *e)
{
	if (strcmp(name, "pyss") == 0) {
		/* pyss (predictsim's simulation/pyss): its own record
		 * conversion and its record rules (size = requested processors,
		 * else allocated; estimate = max(requested, run); runtime capped
		 * at the request; invalid records kept as 1 s jobs; see
		 * sim/workload.c).
		 * EventQueue order (timestamp, type, counter) with submissions
		 * before terminations; every event handler runs the scheduler;
		 * EASY runs it on a submission only if the new job fits the free
		 * processors (FCFS always); its CpuSnapshot frees a job's
		 * processors at its estimated end, before the termination event. */
		cs_workload_conv_defaults(w, CS_CONVERT_PYSS);
		e->same_time = CS_SAME_SUBMIT_FIRST;
		e->pass = CS_PASS_PER_EVENT;
		e->submit_pass = strcmp(policy, "fcfs") == 0 ? CS_SUBMIT_ALWAYS : CS_SUBMIT_IF_FITS;
		e->release = CS_RELEASE_ESTIMATE;
		return 0;
	}
	return -CS_EINVAL;
}

int cs_machine_resolve(const cs_swf_header *h, const cs_run_opts *o, cs_machine *m,
		       char *err, size_t errlen)
{
	const int64_t lim = 1 << 30;
	int64_t procs = -1, nodes = -1, ppn = -1;
	const char *src = NULL;
	if (o->procs > 0) {
		procs = o->procs;
		src = "--procs";
		if (o->nodes > 0 && o->ppn > 0 && o->nodes * o->ppn != procs) {
			snprintf(err, errlen, "--procs %lld contradicts --nodes %lld x --procs-per-node %lld",
				 (long long)procs, (long long)o->nodes, (long long)o->ppn);
			return -CS_EINVAL;
		}
		nodes = o->nodes > 0 ? o->nodes : o->ppn > 0 ? procs / o->ppn : procs;
		if (o->ppn > 0 && procs % o->ppn) {
			snprintf(err, errlen, "--procs %lld is not a multiple of --procs-per-node %lld",
				 (long long)procs, (long long)o->ppn);
			return -CS_EINVAL;
		}
		if (o->nodes > 0 && procs % o->nodes) {
			snprintf(err, errlen, "--procs %lld is not a multiple of --nodes %lld",
				 (long long)procs, (long long)o->nodes);
			return -CS_EINVAL;
		}
		ppn = procs / nodes;
	} else if (o->nodes > 0 || o->ppn > 0) {
		nodes = o->nodes > 0 ? o->nodes : h->max_nodes;
		if (nodes <= 0) {
			snprintf(err, errlen, "--procs-per-node needs --nodes: %s has no MaxNodes header", o->workload);
			return -CS_EINVAL;
		}
		if (o->ppn > 0)
			ppn = o->ppn;
		else if (h->max_procs > 0 && h->max_nodes > 0 && h->max_procs % h->max_nodes == 0)
			ppn = h->max_procs / h->max_nodes;
		else
			ppn = 1;
		procs = nodes * ppn;
		src = o->nodes > 0 && o->ppn > 0 ? "--nodes x --procs-per-node"
			: o->nodes > 0 ? "--nodes x header procs per node" : "header MaxNodes x --procs-per-node";
	} else if (h->max_procs > 0) {
		procs = h->max_procs;
		nodes = h->max_nodes > 0 && procs % h->max_nodes == 0 ? h->max_nodes : procs;
		ppn = procs / nodes;
		src = "header MaxProcs";
	} else if (h->max_nodes > 0) {
		procs = nodes = h->max_nodes;
		ppn = 1;
		src = "header MaxNodes (no MaxProcs: one processor per node)";
	} else {
		snprintf(err, errlen, "%s: no MaxProcs or MaxNodes header: give --procs, or --nodes and --procs-per-node",
			 o->workload);
		return -CS_EINVAL;
	}
	if (procs > lim || nodes > lim) {
		snprintf(err, errlen, "machine too large: %lld processors (at most %lld)",
			 (long long)procs, (long long)lim);
		return -CS_EINVAL;
	}
	m->procs = (uint32_t)procs;
	m->nodes = (uint32_t)nodes;
	m->ppn = (uint32_t)ppn;
	m->source = src;
	return 0;
}

int cs_run_open_cluster(const cs_run_opts *o, cs_cluster **out, char *err, size_t errlen)
{
	int rc = o->cluster_in ? (*out = cs_cluster_share(o->cluster_in), 0)
		: cs_cluster_open(out, o->cluster ? o->cluster : "default", NULL, err, errlen);
	if (rc < 0 || !o->scale)
		return rc;
	cs_cluster *s;
	rc = cs_cluster_scale(*out, o->scale, &s, err, errlen);
	cs_cluster_free(*out);
	*out = s;
	return rc;
}
/* A cluster config as the SWF replay's machine: one processor per core, pooled
 * (jobs from SWF traces ask for processors, not nodes or GPUs). */
static int machine_from_cluster(const cs_run_opts *o, cs_machine *m, char *err, size_t errlen)
{
	if (o->procs > 0 || o->nodes > 0 || o->ppn > 0) {
		snprintf(err, errlen, "--cluster sets the machine: drop --procs, --nodes and --procs-per-node");
		return -CS_EINVAL;
	}
	cs_cluster *c;
	int rc = cs_run_open_cluster(o, &c, err, errlen);
	if (rc < 0)
		return rc;
	if (cs_cluster_failures(c)) {
		snprintf(err, errlen, "%s: failures, checkpoints and maintenance take nodes and GPUs down: they need the "
			 "node model (--node-model)", o->cluster);
		cs_cluster_free(c);
		return -CS_EINVAL;
	}
	const cs_cluster_totals *t = cs_cluster_totals_of(c);
	if (cs_cluster_site_info(c)->power_cap_kw > 0) {
		snprintf(err, errlen, "%s: site.power_cap_kw: the power cap needs the node model, and %s runs on the "
			 "cluster's cores pooled: give --node-model, or drop the cap", o->cluster, o->workload);
		cs_cluster_free(c);
		return -CS_EINVAL;
	}
	int ppn = -1;
	for (int i = 0; i < cs_cluster_nnode_types(c); i++) {
		int cores = cs_topo_ncores(cs_cluster_node_type_at(c, i)->topo);
		ppn = ppn < 0 || ppn == cores ? cores : 0;
	}
	if (t->cores <= 0 || t->cores > (1 << 30)) {
		snprintf(err, errlen, "%s: %lld cores: not a machine capsim can replay a trace on",
			 o->cluster, (long long)t->cores);
		cs_cluster_free(c);
		return -CS_EINVAL;
	}
	m->procs = (uint32_t)t->cores;
	m->nodes = (uint32_t)t->nodes;
	m->ppn = ppn > 0 ? (uint32_t)ppn : 0;
	m->source = "cluster config (processors = cores)";
	cs_cluster_free(c);
	return 0;
}

void cs_run_result_free(cs_run_result *r)
{
	free(r->jobs);
	r->jobs = NULL;
	free(r->placements);
	free(r->placement_off);
	free(r->unit_first);
	free(r->billing);
	r->billing = NULL;
	cs_grant_report_free(&r->grants);
	cs_failsim_free(r->fail);
	r->fail = NULL;
	cs_stagesim_free(r->stage);
	r->stage = NULL;
	cs_hostnames_free(&r->hosts);
	r->placements = NULL;
	r->placement_off = NULL;
	r->unit_first = NULL;
	if (r->trace) {
		cs_trace_free(r->trace);
		free(r->trace);
		r->trace = NULL;
	}
	cs_recorder_free(r->rec);
	r->rec = NULL;
	cs_power_meter_free(r->power);
	r->power = NULL;
	cs_storage_free(r->storage);
	r->storage = NULL;
	if (r->gpumap) {
		cs_gpumap_free(r->gpumap);
		free(r->gpumap);
		r->gpumap = NULL;
	}
	cs_policy_unload(r->policy_handle);
	r->policy_handle = NULL;
	r->ops = NULL;
}

/* An SWF replay's records into its job table, made room for at the first
 * from the header's MaxJobs (at most 1 << 23 jobs, 1.1 GB of address
 * space, taken only as it is written). */
typedef struct swf_sink {
	cs_workload_builder *b;
	const cs_swf_header *hdr;
} swf_sink;

static int add_record(void *ctx, const cs_swf_rec *rec, char *err, size_t errlen)
{
	swf_sink *k = ctx;
	if (!k->b->n && k->hdr->max_jobs > 0)
		cs_workload_reserve(k->b, k->hdr->max_jobs < 1 << 23 ? (size_t)k->hdr->max_jobs : (size_t)1 << 23);
	if (cs_workload_add(k->b, rec) < 0) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const int64_t *x = a, *y = b; /* (id, index) pairs */
	return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] > y[1]) - (x[1] < y[1]);
}

/* o's cancellations by job index into *out (malloc'ed; NULL without):
 * 0, or -CS_E* with err naming an id the run does not hold once. */
int cs_run_cancels_of(const cs_run_opts *o, const cs_run_result *r, cs_cancel **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!o->ncancels)
		return 0;
	int64_t *ix = malloc(2 * (r->njobs + 1) * sizeof *ix);
	cs_cancel *c = malloc(o->ncancels * sizeof *c);
	int rc = ix && c ? 0 : -CS_ENOMEM;
	for (size_t i = 0; rc == 0 && i < r->njobs; i++) {
		ix[2 * i] = r->jobs[i].id;
		ix[2 * i + 1] = (int64_t)i;
	}
	if (rc == 0)
		qsort(ix, r->njobs, 2 * sizeof *ix, by_id);
	for (size_t k = 0; rc == 0 && k < o->ncancels; k++) {
		size_t lo = 0, hi = r->njobs;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (ix[2 * mid] < o->cancels[k].id)
				lo = mid + 1;
			else
				hi = mid;
		}
		size_t n = 0;
		while (lo + n < r->njobs && ix[2 * (lo + n)] == o->cancels[k].id)
			n++;
		if (n != 1) {
			snprintf(err, errlen, "cancel: job id %lld names %s of the run", (long long)o->cancels[k].id,
				 n ? "several jobs" : "no job");
			rc = -CS_EINVAL;
			break;
		}
		c[k] = (cs_cancel){ o->cancels[k].t, (uint32_t)ix[2 * lo + 1] };
	}
	free(ix);
	if (rc == -CS_ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc < 0)
		free(c);
	else
		*out = c;
	return rc;
}
/* A workload's epoch as the outputs' calendar: none before 1980, where a
 * trace's "time 0" is an anonymized origin (Alibaba PAI's times start near
 * 0), not a date. */
int64_t cs_run_calendar(int64_t epoch)
{
	return epoch >= 315532800 ? epoch : 0; /* 1980-01-01T00:00:00Z */
}
/* Association limits in the accounts file are multifactor's to enforce;
 * another policy would ignore them, so they are refused. */
int cs_run_limits_enforced(const cs_policy_ops *ops, const cs_account_tree *t, const char *path, char *err,
			   size_t errlen)
{
	if (!t->limits || strcmp(ops->name, "multifactor") == 0)
		return 0;
	snprintf(err, errlen, "%s:%d: association limits (GrpTRES, GrpTRESMins, GrpJobs, GrpSubmitJobs, MaxJobs, "
		 "MaxSubmitJobs, MaxTRESPerJob) are enforced by policy multifactor only; policy %s would ignore "
		 "them", path, t->limits_line, ops->name);
	return -CS_EINVAL;
}
int cs_run(const cs_run_opts *o, cs_run_result *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	const cs_policy_ops *ops;
	int rc = cs_policy_resolve(o->policy, &ops, &r->policy_handle, err, errlen);
	if (rc < 0)
		return rc;
	if (o->test_ops)
		ops = o->test_ops;
	r->ops = ops;
	cs_policy_env env = { .nparams = o->nparams, .keys = o->keys, .vals = o->vals };
	rc = cs_policy_check_params(ops, &env, err, errlen);
	if (rc < 0) {
		cs_run_result_free(r);
		return rc;
	}
	if (o->wconv.missing_reqtime == CS_MISSING_PYSS && o->wconv.conversion != CS_CONVERT_PYSS) {
		snprintf(err, errlen, "--missing-reqtime pyss applies with --convert pyss (or --compat pyss) only");
		cs_run_result_free(r);
		return -CS_EINVAL;
	}
	cs_format fmt = o->workload_in ? CS_FMT_NATIVE : o->format == CS_FMT_AUTO ? cs_format_guess(o->workload)
		: o->format;
	if (fmt == CS_FMT_AUTO) {
		snprintf(err, errlen, "%s: cannot tell the format from the name (.swf, .csv, .json, .sacct, "
			 "each optionally .gz): give --format", o->workload);
		cs_run_result_free(r);
		return -CS_EINVAL;
	}
	if (o->scale && !o->cluster && fmt == CS_FMT_SWF && !o->node_model) {
		snprintf(err, errlen, "--scale scales a cluster config's node types; %s runs on its own machine (the SWF "
			 "header's): size it with --procs or --nodes, or give --cluster", o->workload);
		cs_run_result_free(r);
		return -CS_EINVAL;
	}
	if ((o->requeue_on_failure >= 0 || o->failure_seed >= 0) && fmt == CS_FMT_SWF && !o->node_model) {
		snprintf(err, errlen, "--requeue-on-failure and --failure-seed apply to a cluster config's failure model: "
			 "it needs the node model (--node-model for an SWF trace)");
		cs_run_result_free(r);
		return -CS_EINVAL;
	}
	if ((o->staging > 0 || o->stage_tier) && fmt == CS_FMT_SWF && !o->node_model) {
		snprintf(err, errlen, "--staging and --stage-tier stage jobs' data through a cluster's storage tiers: "
			 "it needs the node model, and an SWF trace gives no data sizes");
		cs_run_result_free(r);
		return -CS_EINVAL;
	}
	if (o->nreserve && fmt == CS_FMT_SWF && !o->node_model) {
		snprintf(err, errlen, "--reserve holds nodes: it needs the node model (--node-model for an SWF trace)");
		cs_run_result_free(r);
		return -CS_EINVAL;
	}
	if (o->ngpu_map && fmt == CS_FMT_SWF && !o->node_model) {
		snprintf(err, errlen, "--gpu-map places GPU jobs on node types: it needs the node model (an SWF "
			 "trace's jobs are CPU jobs)");
		cs_run_result_free(r);
		return -CS_EINVAL;
	}
	if ((rc = cs_gpumap_check(o->gpu_map, o->ngpu_map, err, errlen)) < 0) {
		cs_run_result_free(r);
		return rc;
	}
	cs_accounts *own_acc = NULL; /* loaded here, freed here */
	if (o->accounts && !o->accounts_in && (rc = cs_accounts_load(&own_acc, o->accounts, err, errlen)) < 0) {
		cs_run_result_free(r);
		return rc;
	}
	const cs_accounts *acc = !o->accounts ? NULL : o->accounts_in ? o->accounts_in : own_acc;
	if (fmt != CS_FMT_SWF || o->node_model) {
		rc = cs_run_nodes(o, r, &env, fmt, acc, err, errlen);
		cs_accounts_free(own_acc);
		if (rc < 0)
			cs_run_result_free(r);
		return rc;
	}
	cs_workload_builder b;
	cs_workload_begin(&b, &o->wconv);
	cs_swf_header hdr;
	swf_sink sink = { &b, &hdr };
	if (cs_transform_is_identity(&o->tf)) {
		rc = cs_swf_scan(o->workload, &hdr, add_record, &sink, err, errlen);
	} else {
		/* transforms need every record first (ids, copies, order) */
		cs_swf s;
		rc = cs_swf_read(o->workload, &s, err, errlen);
		if (rc == 0) {
			hdr = s.hdr;
			rc = cs_transform_swf(&s, &o->tf, err, errlen);
			cs_workload_reserve(&b, s.n);
			for (size_t i = 0; rc == 0 && i < s.n; i++)
				rc = add_record(&sink, &s.recs[i], err, errlen);
			cs_swf_free(&s);
		}
	}
	if (rc == 0 && hdr.unix_start > 0)
		r->epoch = cs_run_calendar(hdr.unix_start);
	if (rc == 0)
		rc = o->cluster ? machine_from_cluster(o, &r->machine, err, errlen)
				: cs_machine_resolve(&hdr, o, &r->machine, err, errlen);
	if (rc < 0) {
		cs_workload_abort(&b);
		cs_accounts_free(own_acc);
		cs_run_result_free(r);
		return rc;
	}
	cs_workload_finish(&b, r->machine.procs, &r->jobs, &r->njobs, &r->wst);
	if (r->njobs == 0) {
		snprintf(err, errlen, "%s: every one of its %zu jobs was dropped by the filter rules "
			 "(see the summary's filtered counts; e.g. --missing-reqtime drop on a trace without requested times)",
			 o->workload, r->wst.records);
		cs_accounts_free(own_acc);
		cs_run_result_free(r);
		return -CS_EINVAL;
	}
	env.jobs = r->jobs;
	env.njobs = r->njobs;
	env.total_procs = r->machine.procs;
	/* --accounts on an SWF replay: the SWF reader's names (gN, uN, qN, pN) */
	cs_account_tree tree = { 0 };
	if (acc) {
		cs_account_names an = { 0 };
		rc = cs_accounts_bind(acc, r->jobs, r->njobs, &an, &tree, &r->acct, err, errlen);
		if (rc == 0 && ((rc = cs_run_limits_enforced(ops, &tree, o->accounts, err, errlen)) < 0 ||
				(rc = cs_storage_check(NULL, &tree, o->accounts, err, errlen)) < 0))
			cs_account_tree_free(&tree);
		cs_accounts_free(own_acc);
		if (rc < 0) {
			cs_run_result_free(r);
			return rc;
		}
		env.accounts = &tree;
	}
	void *ps = NULL;
	rc = ops->init(&ps, &env, err, errlen);
	if (rc < 0) {
		if (rc == -CS_ENOMEM)
			snprintf(err, errlen, "out of memory");
		cs_account_tree_free(&tree);
		cs_run_result_free(r);
		return rc;
	}
	if (cs_run_wants_recorder(o)) {
		rc = cs_recorder_new(&r->rec, r->jobs, r->njobs, r->machine.procs, NULL, NULL, NULL, o->sample_s,
				     err, errlen);
		if (rc < 0) {
			ops->destroy(ps);
			cs_run_result_free(r);
			return rc;
		}
		cs_recorder_set_progress(r->rec, o->progress, o->progress_ctx);
	}
	cs_cancel *cancels;
	rc = cs_run_cancels_of(o, r, &cancels, err, errlen);
	if (rc == 0)
		rc = cs_engine_run_cancels(r->jobs, r->njobs, r->machine.procs, &o->econv, ops, ps,
					   r->rec ? cs_recorder_observer(r->rec) : NULL, cancels, o->ncancels, &r->est,
					   err, errlen);
	free(cancels);
	ops->destroy(ps);
	if (rc == 0 && r->rec)
		rc = cs_recorder_finish(r->rec, err, errlen);
	if (rc == 0 && cs_grants_compute(&tree, r->jobs, r->njobs, NULL, &r->grants) < 0) {
		snprintf(err, errlen, "out of memory");
		rc = -CS_ENOMEM;
	}
	cs_account_tree_free(&tree);
	if (rc == 0 && cs_metrics_compute(r->jobs, r->njobs, r->machine.procs, o->bsld_tau, &r->m) < 0) {
		snprintf(err, errlen, "out of memory");
		rc = -CS_ENOMEM;
	}
	if (rc < 0)
		cs_run_result_free(r);
	return rc;
}
