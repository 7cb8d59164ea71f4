/* capsim: a live run's state out and back (capsim/live.h): as a batch
 * run's result, in a file it is restored from, and a twin's snapshot. */
#include "capsim/metrics.h"
#include "capsim/native.h"
#include "capsim/power.h"
#include "capsim/recorder.h"
#include "capsim/report.h"
#include "live_json.h"
#include "live_run.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- as a batch run's result --- */

/* The first n names of from (all: SIZE_MAX) into to. */
static int copy_names(cs_names *to, const cs_names *from, size_t n)
{
	for (size_t i = 0; i < from->n && i < n; i++)
		if (cs_names_intern(to, from->v[i], strlen(from->v[i])) < 0)
			return -CS_ENOMEM;
	return 0;
}

int cs_live_result(cs_live *L, cs_run_result *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	cs_time t;
	int rc = cs_live_next_event(L, &t, err, errlen); /* the run, made again if jobs came */
	if (rc < 0)
		return rc;
	const struct lrun *R = L->run;
	uint64_t units = L->nm.total_gpus ? L->nm.total_gpus : L->nm.total_cores;
	r->machine = (cs_machine){ .procs = units > UINT32_MAX ? UINT32_MAX : (uint32_t)units,
				   .nodes = L->nm.layout.nnodes, .node_model = 1, .gpus = L->nm.total_gpus,
				   .cores = L->nm.total_cores, .source = "cluster config (node model)" };
	snprintf(r->machine.cluster, sizeof r->machine.cluster, "%s", cs_cluster_name(L->c));
	r->njobs = R->n;
	r->est = R->st;
	r->ops = L->o.external ? NULL : L->ops;
	r->jobs = malloc((R->n + 1) * sizeof *r->jobs);
	r->placement_off = malloc((R->n + 1) * sizeof *r->placement_off);
	r->placements = malloc((R->off[R->n] + 1) * sizeof *r->placements);
	r->trace = calloc(1, sizeof *r->trace);
	if (!r->jobs || !r->placement_off || !r->placements || !r->trace)
		goto oom;
	memcpy(r->jobs, R->jobs, R->n * sizeof *r->jobs);
	memcpy(r->placement_off, R->off, (R->n + 1) * sizeof *r->placement_off);
	memcpy(r->placements, R->slots, R->off[R->n] * sizeof *r->placements);
	cs_trace_init(r->trace);
	/* the partitions the cluster's (as a batch run's result holds them: a
	 * job of several that never started shows none) */
	if (copy_names(&r->trace->projects, &L->names.projects, SIZE_MAX) < 0 ||
	    copy_names(&r->trace->users, &L->names.users, SIZE_MAX) < 0 ||
	    copy_names(&r->trace->qos, &L->names.qos, SIZE_MAX) < 0 ||
	    copy_names(&r->trace->partitions, &L->names.partitions, L->gm.ncluster) < 0)
		goto oom;
	if (R->billing) {
		if (!(r->billing = malloc((R->n + 1) * sizeof *r->billing)))
			goto oom;
		memcpy(r->billing, R->billing, R->n * sizeof *r->billing);
		for (int k = 0; k < cs_cluster_nnode_types(L->c); k++)
			r->billing_capacity += cs_cluster_node_type_at(L->c, k)->count * cs_cluster_node_billing_rate(L->c, k);
	}
	if ((rc = cs_nodemodel_hostnames(&L->nm, L->c, &r->hosts, err, errlen)) < 0) {
		cs_run_result_free(r);
		return rc;
	}
	if (cs_run_batsim_units(r, &L->nm) < 0 || cs_metrics_compute(r->jobs, r->njobs, r->machine.procs, 10, &r->m) < 0)
		goto oom;
	cs_run_node_utilization(r);
	r->m.utilization = r->machine.gpus ? r->gpu_utilization : r->core_utilization;
	/* energy (jobs.csv's energy_kwh, summary.json's energy) from the runs as they ended */
	cs_power_cap *cap = NULL;
	if ((rc = cs_power_for_run(L->c, &L->nm, r->jobs, r->njobs, r->placements, r->placement_off, 1,
				   CS_RECORDER_SAMPLE_S, &cap, &r->power, err, errlen)) < 0 ||
	    (rc = cs_power_meter_replay(r->power, err, errlen)) < 0) {
		cs_power_cap_free(cap);
		cs_run_result_free(r);
		return rc;
	}
	cs_power_cap_free(cap);
	return 0;
oom:
	cs_run_result_free(r);
	snprintf(err, errlen, "out of memory");
	return -CS_ENOMEM;
}

/* --- the state in a file --- */

static const char *const verb_names[] = { "start", "reject", "reserve", "pending" };

static json_t *job_json(const cs_live *L, uint32_t in)
{
	const cs_jrec *r = &L->rec[in];
	char tb[32];
	return json_pack("{sI sI sI sI sI sI sI sI ss ss ss ss ss ss sb}", "id", (json_int_t)r->id, "submit",
			 (json_int_t)r->submit_s, "nodes", (json_int_t)r->nodes, "gpus_per_node",
			 (json_int_t)r->gpus_per_node, "cores_per_node", (json_int_t)r->cores_per_node, "mem_per_node",
			 (json_int_t)r->mem_per_node_mib, "time_limit", (json_int_t)r->time_limit_s, "runtime",
			 (json_int_t)r->runtime_s, "project", cs_names_get(&L->names.projects, r->project), "user",
			 cs_names_get(&L->names.users, r->user), "qos", cs_names_get(&L->names.qos, r->qos), "partition",
			 cs_names_get(&L->names.partitions, r->partition), "state", cs_state_names[r->state],
			 "topology", cs_native_topology_text(r->topo, r->max_leaves, tb, sizeof tb), "dropped",
			 (L->inflag[in] & IN_DROPPED) != 0);
}

static json_t *passes_json(const cs_live *L)
{
	json_t *a = json_array();
	for (size_t p = 0; a && p < L->npass; p++) {
		json_t *ds = json_array();
		for (size_t k = L->passes[p].first; ds && k < L->passes[p].first + L->passes[p].n; k++) {
			const struct live_dec *d = &L->decs[k];
			json_t *nodes = json_array();
			for (uint32_t i = 0; nodes && i < d->nnodes; i++)
				json_array_append_new(nodes, json_integer(L->dec_nodes[d->node_first + i]));
			json_array_append_new(ds, json_pack("{ss sI sI sI sI so}", "verb", verb_names[d->verb], "job",
							    (json_int_t)L->in[d->in].id, "how", (json_int_t)d->how,
							    "time", (json_int_t)d->time, "reason", (json_int_t)d->reason,
							    "nodes", nodes));
		}
		json_array_append_new(a, json_pack("{sI so}", "pass", (json_int_t)L->passes[p].pass, "decisions", ds));
	}
	return a;
}

static json_t *params_json(const cs_live *L)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < L->o.nparams; i++) {
		char kv[512];
		snprintf(kv, sizeof kv, "%s=%s", L->o.keys[i], L->o.vals[i]);
		json_array_append_new(a, json_string(kv));
	}
	return a;
}

int cs_live_save(cs_live *L, const char *path, char *err, size_t errlen)
{
	if (L->pin_first) {
		snprintf(err, errlen, "--save: a twin's state is its cluster's, read again at the next poll: not saved");
		return -CS_EINVAL;
	}
	json_t *jobs = json_array(), *cancels = json_array();
	for (uint32_t i = 0; jobs && i < L->nin; i++)
		json_array_append_new(jobs, job_json(L, i));
	for (size_t k = 0; cancels && k < L->ncancel; k++)
		json_array_append_new(cancels, json_pack("[II]", (json_int_t)L->cancels[k].t,
							 (json_int_t)L->in[L->cancels[k].in].id));
	json_t *root = json_pack("{si ss ss so sI sb so so so}", "capsim_live_state", 1, "cluster",
				 cs_cluster_name(L->c), "policy", cs_live_policy_name(L), "params", params_json(L), "now",
				 (json_int_t)L->now, "waiting_pass", L->waiting_pass, "jobs", jobs, "cancels", cancels,
				 "passes", passes_json(L));
	if (!root) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	/* written beside, then renamed: a failed save leaves the old file */
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int rc = json_dump_file(root, tmp, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (rc < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		snprintf(err, errlen, "%s: cannot write the state", path);
		return -CS_EIO;
	}
	return 0;
}

/* Restore's message: "PATH: WHERE: what". */
static int bad(char *err, size_t errlen, const char *path, const char *where, const char *what)
{
	char msg[CS_ERRLEN];
	snprintf(msg, sizeof msg, "%s", what);
	snprintf(err, errlen, "%s: %s: %s", path, where, msg);
	return -CS_EINVAL;
}

static int restore_jobs(cs_live *L, const json_t *jobs, const char *path, char *err, size_t errlen)
{
	static const char *const extra[] = { "dropped", NULL };
	char e[CS_ERRLEN], where[64];
	size_t k;
	const json_t *o;
	if (!json_is_array(jobs))
		return bad(err, errlen, path, "jobs", "must be an array");
	json_array_foreach(jobs, k, o) {
		snprintf(where, sizeof where, "jobs[%zu]", k);
		cs_live_job j;
		const char *field;
		int64_t id;
		if (cs_live_job_parse(o, &j, extra, &field, e, sizeof e) < 0 || cs_live_submit(L, &j, &id, e, sizeof e) < 0)
			return bad(err, errlen, path, where, e);
		const json_t *d = json_object_get(o, "dropped");
		if (d && !json_is_boolean(d))
			return bad(err, errlen, path, where, "dropped: must be true or false");
		if (json_is_true(d))
			L->inflag[L->nin - 1] |= IN_DROPPED;
	}
	return 0;
}

static int restore_cancels(cs_live *L, const json_t *cs, cs_time now, const char *path, char *err, size_t errlen)
{
	char where[64];
	size_t k;
	const json_t *x;
	if (!json_is_array(cs))
		return bad(err, errlen, path, "cancels", "must be an array");
	json_array_foreach(cs, k, x) {
		snprintf(where, sizeof where, "cancels[%zu]", k);
		json_int_t t, id;
		if (json_unpack((json_t *)x, "[II!]", &t, &id) < 0)
			return bad(err, errlen, path, where, "must be [TIME, JOB]");
		int64_t in = cs_live_input_of(L, id);
		if (in < 0 || t < 0 || t > now || (k && t < L->cancels[k - 1].t))
			return bad(err, errlen, path, where, "an unknown job, or a time out of order or after now");
		size_t cap = L->capcancel;
		if (cs_live_grow((void **)&L->cancels, &cap, L->ncancel + 1, sizeof *L->cancels) < 0)
			return -CS_ENOMEM;
		L->capcancel = cap;
		L->cancels[L->ncancel++] = (struct live_cancel){ t, (uint32_t)in };
		L->inflag[in] |= IN_CANCELLED;
	}
	return 0;
}

static int restore_decision(cs_live *L, const json_t *d, const char *where, const char *path, char *err,
			    size_t errlen)
{
	const char *verb;
	json_int_t id, how, time, reason;
	json_t *nodes;
	if (json_unpack((json_t *)d, "{ss sI sI sI sI so !}", "verb", &verb, "job", &id, "how", &how, "time", &time,
			"reason", &reason, "nodes", &nodes) < 0 || !json_is_array(nodes))
		return bad(err, errlen, path, where, "must be {verb, job, how, time, reason, nodes}");
	int v = 0;
	while (v < 4 && strcmp(verb_names[v], verb) != 0)
		v++;
	int64_t in = cs_live_input_of(L, id);
	if (v == 4 || in < 0 || how < 0 || how > 1 || reason < 0 || reason >= CS_WAIT_N)
		return bad(err, errlen, path, where, "an unknown verb, job, how or reason");
	size_t n = json_array_size(nodes), cap = L->capdec_nodes;
	if (cs_live_grow((void **)&L->dec_nodes, &cap, L->ndec_nodes + n + 1, sizeof *L->dec_nodes) < 0)
		return -CS_ENOMEM;
	L->capdec_nodes = cap;
	struct live_dec x = { .verb = (uint8_t)v, .how = (uint8_t)how, .in = (uint32_t)in, .reason = (uint32_t)reason,
			      .time = time, .node_first = L->ndec_nodes, .nnodes = (uint32_t)n };
	for (size_t i = 0; i < n; i++) {
		const json_t *nd = json_array_get(nodes, i);
		if (!json_is_integer(nd) || json_integer_value(nd) < 0 ||
		    json_integer_value(nd) >= (json_int_t)L->nm.layout.nnodes)
			return bad(err, errlen, path, where, "nodes: not node numbers of the cluster");
		L->dec_nodes[L->ndec_nodes++] = (uint32_t)json_integer_value(nd);
	}
	cap = L->capdec;
	if (cs_live_grow((void **)&L->decs, &cap, L->ndec + 1, sizeof *L->decs) < 0)
		return -CS_ENOMEM;
	L->capdec = cap;
	L->decs[L->ndec++] = x;
	return 0;
}

static int restore_passes(cs_live *L, const json_t *ps, const char *path, char *err, size_t errlen)
{
	char where[96];
	size_t k, i;
	const json_t *p, *d;
	if (!json_is_array(ps))
		return bad(err, errlen, path, "passes", "must be an array");
	json_array_foreach(ps, k, p) {
		snprintf(where, sizeof where, "passes[%zu]", k);
		json_int_t num;
		json_t *ds;
		if (json_unpack((json_t *)p, "{sI so !}", "pass", &num, "decisions", &ds) < 0 || !json_is_array(ds) ||
		    num < 1 || (k && (uint64_t)num <= L->passes[k - 1].pass))
			return bad(err, errlen, path, where, "must be {pass, decisions}, passes in order");
		size_t cap = L->cappass;
		if (cs_live_grow((void **)&L->passes, &cap, L->npass + 1, sizeof *L->passes) < 0)
			return -CS_ENOMEM;
		L->cappass = cap;
		L->passes[L->npass++] = (struct live_pass){ (uint64_t)num, L->ndec, json_array_size(ds) };
		json_array_foreach(ds, i, d) {
			snprintf(where, sizeof where, "passes[%zu].decisions[%zu]", k, i);
			int rc = restore_decision(L, d, where, path, err, errlen);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int cs_live_restore(cs_live *L, const char *path, char *err, size_t errlen)
{
	if (L->nin || L->run) {
		snprintf(err, errlen, "--restore: into a new run only");
		return -CS_EINVAL;
	}
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		return -CS_EPARSE;
	}
	int version = 0, waiting = 0;
	const char *cluster = NULL, *policy = NULL;
	json_t *params = NULL, *jobs = NULL, *cancels = NULL, *passes = NULL;
	json_int_t now = 0;
	int rc = 0;
	if (json_unpack(root, "{si ss ss so sI sb so so so !}", "capsim_live_state", &version, "cluster", &cluster,
			"policy", &policy, "params", &params, "now", &now, "waiting_pass", &waiting, "jobs", &jobs,
			"cancels", &cancels, "passes", &passes) < 0 || version != 1 || now < 0 || now > CS_LIVE_TIME_END) {
		rc = bad(err, errlen, path, "state", "not a capsim live state of version 1 (capsim_live_state, cluster, "
			 "policy, params, now, waiting_pass, jobs, cancels, passes)");
	} else if (strcmp(cluster, cs_cluster_name(L->c)) != 0 || strcmp(policy, cs_live_policy_name(L)) != 0) {
		char what[CS_ERRLEN];
		snprintf(what, sizeof what, "saved on cluster %s under policy %s: restore it with the same --cluster "
			 "and --policy", cluster, policy);
		rc = bad(err, errlen, path, "state", what);
	} else {
		json_t *mine = params_json(L);
		if (!json_equal(params, mine))
			rc = bad(err, errlen, path, "params", "the policy parameters differ from the saved run's "
				 "(--policy-opt)");
		json_decref(mine);
	}
	if (rc == 0)
		rc = restore_jobs(L, jobs, path, err, errlen);
	if (rc == 0)
		rc = restore_cancels(L, cancels, now, path, err, errlen);
	if (rc == 0)
		rc = restore_passes(L, passes, path, err, errlen);
	json_decref(root);
	if (rc == -CS_ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc < 0)
		return rc;
	L->now = now;
	cs_time t;
	return cs_live_next_event(L, &t, err, errlen);
}

/* --- a twin's snapshot --- */

/* Forget every job and log: a new run from time now. */
static void clear(cs_live *L, cs_time now)
{
	cs_lrun_free(L->run);
	L->run = NULL;
	L->nin = L->ncancel = L->npass = L->ndec = L->ndec_nodes = 0;
	L->next_id = 1;
	if (L->idslot)
		memset(L->idslot, 0xff, L->idcap * sizeof *L->idslot);
	L->waiting_pass = 0;
	L->dirty = 1;
	L->now = now;
	free(L->pin_first);
	free(L->pin_nodes);
	L->pin_first = NULL;
	L->pin_nodes = NULL;
}

int cs_live_load_snapshot(cs_live *L, cs_time now, const cs_live_snap_job *jobs, size_t n, char *err,
			  size_t errlen)
{
	if (L->o.external) {
		snprintf(err, errlen, "--follow: a twin runs a policy of capsim's, not an external scheduler");
		return -CS_EINVAL;
	}
	clear(L, now);
	size_t npin = 0;
	for (size_t i = 0; i < n; i++)
		npin += jobs[i].running ? jobs[i].nnodes : 0;
	L->pin_first = calloc(n + 1, sizeof *L->pin_first);
	L->pin_nodes = malloc((npin + 1) * sizeof *L->pin_nodes);
	if (!L->pin_first || !L->pin_nodes) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		cs_live_job j = jobs[i].job;
		j.submit_s = now;
		int64_t id;
		char e[CS_ERRLEN];
		if (cs_live_submit(L, &j, &id, e, sizeof e) < 0) {
			snprintf(err, errlen, "job %lld: %s", (long long)jobs[i].job.id, e);
			clear(L, now);
			return -CS_EINVAL;
		}
		if (jobs[i].running) {
			memcpy(L->pin_nodes + k, jobs[i].nodes, jobs[i].nnodes * sizeof *jobs[i].nodes);
			k += jobs[i].nnodes;
		}
		L->pin_first[L->nin] = k;
	}
	/* the submissions at now, and the pass that starts the running jobs */
	return cs_live_advance(L, now + 1, err, errlen);
}
