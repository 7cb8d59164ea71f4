/* capsim: a live run (capsim/live.h): the submissions as they come, and
 * the engine run over them, rebuilt when a job arrives.
 *
 * A run (struct lrun) is one engine over the job table as it stood at its
 * build: the submissions in (submit time, arrival) order, each converted
 * as capsim's CSV reader converts a record. Its policy is the wrapper
 * below (live_ops): it starts a twin's pinned jobs, takes an external
 * scheduler's decisions (live, or from the log when a run is rebuilt), or
 * hands over to the policy asked for. */
#include "capsim/live.h"
#include "capsim/accounts.h"
#include "capsim/failures.h"
#include "capsim/gpumap.h"
#include "capsim/hostlist.h"
#include "capsim/nodemodel.h"
#include "capsim/report.h"
#include "capsim/trace.h"
#include "engine_int.h"
#include "live_int.h"
#include "live_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cs_live_state_names[CS_LIVE_NSTATES] = { "pending", "waiting", "running", "done", "cancelled",
							   "rejected" };

void cs_live_opts_default(cs_live_opts *o)
{
	memset(o, 0, sizeof *o);
	o->policy = "easy";
	o->fit = CS_FIT_BEST;
	cs_workload_conv_defaults(&o->wconv, CS_CONVERT_CAPSIM);
	o->econv = (cs_engine_conv){ .same_time = CS_SAME_END_FIRST, .pass = CS_PASS_PER_TIME,
				     .submit_pass = CS_SUBMIT_ALWAYS, .release = CS_RELEASE_EVENT };
	o->max_jobs = CS_LIVE_MAX_JOBS_DEFAULT;
}

/* --- job ids: an open-addressing table, id -> input index --- */

static uint64_t id_hash(int64_t id)
{
	uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ull;
	return x ^ (x >> 29);
}

int64_t cs_live_input_of(const cs_live *L, int64_t id)
{
	if (!L->idcap)
		return -1;
	for (size_t k = id_hash(id) & (L->idcap - 1);; k = (k + 1) & (L->idcap - 1)) {
		if (L->idslot[k] == UINT32_MAX)
			return -1;
		if (L->in[L->idslot[k]].id == id)
			return L->idslot[k];
	}
}

static int id_put(cs_live *L, uint32_t in)
{
	if ((L->nin + 1) * 2 > L->idcap) {
		size_t nc = L->idcap ? L->idcap * 2 : 1024;
		uint32_t *ns = malloc(nc * sizeof *ns);
		if (!ns)
			return -CS_ENOMEM;
		memset(ns, 0xff, nc * sizeof *ns);
		for (size_t i = 0; i < L->idcap; i++) {
			if (L->idslot[i] == UINT32_MAX)
				continue;
			size_t k = id_hash(L->in[L->idslot[i]].id) & (nc - 1);
			while (ns[k] != UINT32_MAX)
				k = (k + 1) & (nc - 1);
			ns[k] = L->idslot[i];
		}
		free(L->idslot);
		L->idslot = ns;
		L->idcap = nc;
	}
	size_t k = id_hash(L->in[in].id) & (L->idcap - 1);
	while (L->idslot[k] != UINT32_MAX)
		k = (k + 1) & (L->idcap - 1);
	L->idslot[k] = in;
	return 0;
}

/* --- setup --- */

static int oom(char *err, size_t errlen)
{
	snprintf(err, errlen, "out of memory");
	return -CS_ENOMEM;
}

int cs_live_new(cs_live **out, const cs_live_opts *o, char *err, size_t errlen)
{
	*out = NULL;
	cs_live *L = calloc(1, sizeof *L);
	if (!L)
		return oom(err, errlen);
	L->o = *o;
	L->next_id = 1;
	cs_trace_init(&L->names);
	int rc = cs_cluster_open(&L->c, o->cluster ? o->cluster : "default", NULL, err, errlen);
	if (rc == 0 && cs_cluster_failures(L->c)) {
		/* a live run replays its past from time 0 at every new job:
		 * failures, checkpoints and maintenance are not in that replay */
		snprintf(err, errlen, "%s: failures, checkpoints and maintenance are not modelled by capsim serve "
			 "(capsim run models them)", o->cluster ? o->cluster : "default");
		rc = -CS_EINVAL;
	}
	if (rc == 0 && cs_cluster_site_info(L->c)->power_cap_kw > 0) {
		/* the live run's engine is not given the cap: refused, not ignored */
		snprintf(err, errlen, "%s: site.power_cap_kw: the power cap is not enforced by capsim serve (capsim run "
			 "enforces it, docs/energy.md); drop it", o->cluster ? o->cluster : "default");
		rc = -CS_EINVAL;
	}
	if (rc == 0)
		rc = cs_nodemodel_build(&L->nm, L->c, err, errlen);
	if (rc == 0)
		rc = cs_nodemodel_hostnames(&L->nm, L->c, &L->hosts, err, errlen);
	/* the trace's partitions are the cluster's, so a job's index is its
	 * cluster partition; the GPU rule (capsim/gpumap.h) for a GPU job of
	 * none is then the defaults', as in a batch run of such jobs */
	for (int p = 0; rc == 0 && p < cs_cluster_npartitions(L->c); p++) {
		const char *pn = cs_cluster_partition_at(L->c, p)->name;
		if (cs_names_intern(&L->names.partitions, pn, strlen(pn)) < 0)
			rc = oom(err, errlen);
	}
	if (rc == 0)
		rc = cs_gpumap_build(&L->gm, L->c, &L->names, "the submissions", NULL, 0, err, errlen);
	if (rc == 0)
		rc = cs_alloc_new(&L->fit.empty, &L->nm.layout, o->fit, err, errlen);
	if (rc < 0) {
		cs_live_free(L);
		return rc;
	}
	L->fit.gm = &L->gm;
	L->sets.base = L->gm.npartitions; /* the engine's partitions, then the sets */
	L->fit.cap = L->nm.layout.nnodes;
	L->fit.slots = malloc((L->fit.cap + 1) * sizeof *L->fit.slots);
	L->pnames = malloc(((size_t)L->gm.ncluster + 1) * sizeof *L->pnames);
	if (!L->fit.slots || !L->pnames) {
		cs_live_free(L);
		return oom(err, errlen);
	}
	for (uint32_t p = 0; p < L->gm.ncluster; p++)
		L->pnames[p] = cs_cluster_partition_at(L->c, (int)p)->name;
	if (!o->external) {
		rc = cs_policy_resolve(o->policy, &L->ops, &L->handle, err, errlen);
		cs_policy_env env = { .nparams = o->nparams, .keys = o->keys, .vals = o->vals };
		if (rc == 0)
			rc = cs_policy_check_params(L->ops, &env, err, errlen);
		if (rc == 0 && strcmp(L->ops->name, "multifactor") == 0 && !o->accounts) {
			snprintf(err, errlen, "--policy multifactor needs --accounts in serve: without an accounts file its "
				 "accounts are the projects of every job of the run, which a live run does not know ahead "
				 "(a new project would change every share, and so the past)");
			rc = -CS_EINVAL;
		}
	} else if (o->nparams) {
		snprintf(err, errlen, "--policy-opt: an external scheduler takes no policy parameters");
		rc = -CS_EINVAL;
	}
	if (rc == 0 && o->accounts)
		rc = cs_accounts_load(&L->acc, o->accounts, err, errlen);
	if (rc < 0) {
		cs_live_free(L);
		return rc;
	}
	*out = L;
	return 0;
}

void cs_live_free(cs_live *L)
{
	if (!L)
		return;
	cs_lrun_free(L->run);
	cs_policy_unload(L->handle);
	cs_accounts_free(L->acc);
	cs_alloc_free(L->fit.empty);
	free(L->fit.slots);
	free(L->pnames);
	cs_gpumap_free(&L->gm);
	cs_hostnames_free(&L->hosts);
	cs_nodemodel_free(&L->nm);
	cs_cluster_free(L->c);
	cs_trace_free(&L->names);
	free(L->in);
	free(L->rec);
	free(L->inflag);
	free(L->idslot);
	free(L->cancels);
	free(L->passes);
	free(L->decs);
	free(L->dec_nodes);
	free(L->pin_first);
	free(L->pin_nodes);
	cs_partsets_free(&L->sets);
	free(L);
}

cs_time cs_live_now(const cs_live *L) { return L->now; }
int cs_live_waiting_pass(const cs_live *L) { return L->waiting_pass; }
uint64_t cs_live_passes(const cs_live *L) { return L->run ? L->run->pass : 0; }
size_t cs_live_njobs(const cs_live *L) { return L->nin; }
const char *cs_live_cluster_name(const cs_live *L) { return cs_cluster_name(L->c); }
const char *cs_live_cluster_spec(const cs_live *L) { return L->o.cluster ? L->o.cluster : "default"; }
const char *cs_live_policy_name(const cs_live *L) { return L->o.external ? "external" : L->ops->name; }
void cs_live_observe(cs_live *L, cs_live_observer fn, void *ctx)
{
	L->obs_fn = fn;
	L->obs_ctx = ctx;
}

/* --- submissions --- */

static int name_index(cs_names *ns, const char *s, int32_t *out)
{
	*out = -1;
	if (!s || !*s)
		return 0;
	*out = cs_names_intern(ns, s, strlen(s));
	return *out < 0 ? -CS_ENOMEM : 0;
}

/* "partition: 'NAME'[ (in 'LIST')] is not a partition of CLUSTER (one of:
 * ...)": -CS_EINVAL. */
static int not_a_partition(const cs_live *L, const char *name, size_t len, const char *list, char *err, size_t errlen)
{
	char names[512] = "";
	for (uint32_t p = 0, w = 0; p < L->gm.ncluster && w < sizeof names; p++)
		w += (uint32_t)snprintf(names + w, sizeof names - w, "%s%s", p ? ", " : "", L->pnames[p]);
	snprintf(err, errlen, "partition: '%.*s'%s%s%s is not a partition of %s (one of: %s)", (int)len, name,
		 list ? " (in '" : "", list ? list : "", list ? "')" : "", cs_cluster_name(L->c), names);
	return -CS_EINVAL;
}

/* A job's partition: one of the cluster's, or a list of them (Slurm's
 * --partition=a,b: "a,b", or "a|b" as capsim's CSV writes it; each a
 * partition of the cluster, at most CS_PARTSET_MAX), held among the
 * trace's partition names as Slurm spells it, "a,b", as the CSV reader
 * holds it. *out its name's index (-1: none): 0 or -CS_E* with err. */
static int partition_of(cs_live *L, const char *name, int32_t *out, char *err, size_t errlen)
{
	*out = -1;
	if (!name || !*name)
		return 0;
	if (!strpbrk(name, ",|")) {
		*out = cs_names_find(&L->names.partitions, name);
		if (*out < 0 || (uint32_t)*out >= L->gm.ncluster)
			return not_a_partition(L, name, strlen(name), NULL, err, errlen);
		return 0;
	}
	char *list = strdup(name);
	if (!list)
		return oom(err, errlen);
	for (char *c = list; (c = strchr(c, '|')) != NULL;)
		*c = ',';
	int32_t seen[CS_PARTSET_MAX];
	int k = 0, rc = 0;
	for (const char *p = list; rc == 0;) {
		size_t len = strcspn(p, ",");
		int32_t x = -1;
		for (uint32_t q = 0; q < L->gm.ncluster && x < 0; q++)
			if (strlen(L->pnames[q]) == len && !strncmp(p, L->pnames[q], len))
				x = (int32_t)q;
		int dup = 0;
		for (int i = 0; i < k; i++)
			dup |= seen[i] == x;
		if (!len) {
			snprintf(err, errlen, "partition: '%s' has an empty name in its list (expected a,b,...)", name);
			rc = -CS_EINVAL;
		} else if (x < 0) {
			rc = not_a_partition(L, p, len, name, err, errlen);
		} else if (!dup && k == CS_PARTSET_MAX) {
			snprintf(err, errlen, "partition: '%s' names more than %d partitions", name, CS_PARTSET_MAX);
			rc = -CS_EINVAL;
		} else if (!dup) {
			seen[k++] = x;
		}
		if (!p[len])
			break;
		p += len + 1;
	}
	if (rc == 0 && (*out = cs_names_intern(&L->names.partitions, list, strlen(list))) < 0)
		rc = oom(err, errlen);
	free(list);
	return rc;
}

/* The record of submission j, checked (not yet accepted): its names
 * interned, its line the one it gets if accepted. */
static int make_record(cs_live *L, const cs_live_job *j, cs_jrec *r, char *err, size_t errlen)
{
	cs_time submit = j->submit_s < 0 ? L->now : j->submit_s;
	if (submit < L->now) {
		snprintf(err, errlen, "submit: %lld is before now (%lld): a job cannot be submitted in the past",
			 (long long)submit, (long long)L->now);
		return -CS_EINVAL;
	}
	const char *big = submit > CS_TIME_LIMIT ? "submit" : j->runtime_s > CS_TIME_LIMIT ? "runtime"
			  : j->time_limit_s > CS_TIME_LIMIT ? "time_limit" : NULL;
	if (big) {
		snprintf(err, errlen, "%s: more than 2^40 s (about 34,800 years), capsim's limit for a time", big);
		return -CS_EINVAL;
	}
	if (j->nodes < 1 || j->nodes > L->nm.layout.nnodes) {
		snprintf(err, errlen, "nodes: %u: must be from 1 to the machine's %u", j->nodes, L->nm.layout.nnodes);
		return -CS_EINVAL;
	}
	if (j->runtime_s <= 0) {
		snprintf(err, errlen, "runtime: %lld: must be > 0 (how long the job runs once started)",
			 (long long)j->runtime_s);
		return -CS_EINVAL;
	}
	if (j->time_limit_s == 0 || j->time_limit_s < -1) {
		snprintf(err, errlen, "time_limit: %lld: must be > 0, or -1 for none", (long long)j->time_limit_s);
		return -CS_EINVAL;
	}
	int32_t part;
	int rc = partition_of(L, j->partition, &part, err, errlen);
	if (rc < 0)
		return rc;
	*r = (cs_jrec){ .id = j->id, .submit_s = submit, .start_s = -1, .runtime_s = j->runtime_s,
			.time_limit_s = j->time_limit_s, .nodes = j->nodes, .gpus_per_node = j->gpus_per_node,
			.cores_per_node = j->cores_per_node, .mem_per_node_mib = j->mem_per_node_mib,
			.partition = part, .state = (uint8_t)j->state, .topo = j->topo, .max_leaves = j->max_leaves,
			.line = (uint32_t)L->nin + 2 };
	if (name_index(&L->names.projects, j->project, &r->project) < 0 ||
	    name_index(&L->names.users, j->user, &r->user) < 0 || name_index(&L->names.qos, j->qos, &r->qos) < 0)
		return oom(err, errlen);
	if (L->acc && (r->project < 0 || r->user < 0)) {
		snprintf(err, errlen, "%s: required with --accounts (a job's user and project are its account in the "
			 "tree)", r->project < 0 ? "project" : "user");
		return -CS_EINVAL;
	}
	return 0;
}

/* With --accounts, a job's project and user must be in the file: one it
 * does not name would be added to the tree, and a tree that grows as jobs
 * arrive changes every share (and so the past). */
static int in_accounts(const cs_live *L, const cs_job *job, char *err, size_t errlen)
{
	cs_account_names an = { &L->names.projects, &L->names.users, &L->names.qos, L->pnames, L->gm.ncluster };
	cs_account_tree t;
	cs_account_stats st;
	int rc = cs_accounts_bind(L->acc, job, 1, &an, &t, &st, err, errlen);
	if (rc < 0)
		return rc;
	cs_account_tree_free(&t);
	if (st.projects_added || st.users_added) {
		snprintf(err, errlen, "%s: '%s' is not in the accounts file %s (serve takes only its projects and users)",
			 st.projects_added ? "project" : "user",
			 st.projects_added ? cs_names_get(&L->names.projects, job->group)
					   : cs_names_get(&L->names.users, job->user), L->o.accounts);
		return -CS_EINVAL;
	}
	return 0;
}

/* Record r as a job, by the CSV reader's rules (workload_trace.c). */
static int convert(cs_live *L, const cs_jrec *r, cs_job *out, char *err, size_t errlen)
{
	cs_trace one = L->names;
	one.jobs = (cs_jrec *)r;
	one.n = one.cap = 1;
	cs_job *jobs;
	size_t n;
	cs_workload_stats st;
	cs_partsets one_set = { .base = L->sets.base };
	int rc = cs_workload_from_trace(&one, &L->o.wconv, L->pnames, L->gm.ncluster, L->gm.gpu_part, &one_set,
					cs_gpumap_fits_empty, &L->fit, &jobs, &n, &st, err, errlen);
	if (rc < 0)
		return rc;
	if (n == 1) {
		/* a job of several partitions: its set among the run's, the same
		 * set (the same partitions in the same order) the same index */
		*out = jobs[0];
		free(jobs);
		uint32_t s = 0;
		if (one_set.n)
			rc = cs_partsets_intern(&L->sets, one_set.parts, one_set.first[1], &L->sets_cap, &s);
		if (one_set.n && rc == 0)
			out->partition = (int32_t)(L->sets.base + s);
		cs_partsets_free(&one_set);
		return rc < 0 ? oom(err, errlen) : 0;
	}
	free(jobs);
	cs_partsets_free(&one_set);
	int why = 0;
	while (why < CS_DROP_N && !st.dropped[why])
		why++;
	snprintf(err, errlen, "nodes: the job could not run on the empty machine in its partition (%s: %s)",
		 why < CS_DROP_N ? cs_drop_names[why] : "dropped",
		 why == CS_DROP_TOPOLOGY ? "not under its topology rule" : why == CS_DROP_GPU_KIND
		 ? "no node type of its GPUs holds it" : why == CS_DROP_REQTIME ? "no time limit" :
		 "more nodes, GPUs, cores or memory than its node types have");
	return -CS_EINVAL;
}

int cs_live_grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap : 64;
	while (nc < need)
		nc *= 2;
	void *np = realloc(*p, nc * size);
	if (!np)
		return -CS_ENOMEM;
	*p = np;
	*cap = nc;
	return 0;
}

/* Accept record r (checked, converted to job): 0 or -CS_ENOMEM. */
static int accept(cs_live *L, const cs_jrec *r, const cs_job *job)
{
	size_t cap = L->incap;
	if (cs_live_grow((void **)&L->in, &cap, L->nin + 1, sizeof *L->in) < 0)
		return -CS_ENOMEM;
	cap = L->incap;
	if (cs_live_grow((void **)&L->rec, &cap, L->nin + 1, sizeof *L->rec) < 0)
		return -CS_ENOMEM;
	cap = L->incap;
	if (cs_live_grow((void **)&L->inflag, &cap, L->nin + 1, sizeof *L->inflag) < 0)
		return -CS_ENOMEM;
	L->incap = cap;
	uint32_t k = (uint32_t)L->nin;
	L->in[k] = *job;
	L->rec[k] = *r;
	L->inflag[k] = 0;
	if (id_put(L, k) < 0)
		return -CS_ENOMEM;
	L->nin++;
	if (job->id >= L->next_id)
		L->next_id = job->id == INT64_MAX ? INT64_MAX : job->id + 1;
	L->dirty = 1;
	return 0;
}

int cs_live_submit(cs_live *L, const cs_live_job *j, int64_t *id, char *err, size_t errlen)
{
	if (L->nin >= L->o.max_jobs || L->nin >= UINT32_MAX - 2) {
		snprintf(err, errlen, "job: the run holds at most %zu submissions (--max-jobs)", L->o.max_jobs);
		return -CS_EINVAL;
	}
	cs_live_job jj = *j;
	if (jj.id < 0)
		jj.id = L->next_id;
	if (cs_live_input_of(L, jj.id) >= 0) {
		snprintf(err, errlen, "id: job %lld was submitted already", (long long)jj.id);
		return -CS_EINVAL;
	}
	cs_jrec r;
	cs_job job;
	int rc = make_record(L, &jj, &r, err, errlen);
	if (rc == 0)
		rc = convert(L, &r, &job, err, errlen);
	if (rc == 0 && L->acc)
		rc = in_accounts(L, &job, err, errlen);
	if (rc == 0 && accept(L, &r, &job) < 0)
		rc = oom(err, errlen);
	if (rc == 0)
		*id = jj.id;
	return rc;
}

/* --- the state of a job --- */

static cs_live_state state_of(const cs_live *L, uint32_t in)
{
	if (L->inflag[in] & (IN_DROPPED | IN_CANCELLED))
		return CS_LIVE_CANCELLED;
	const struct lrun *R = L->run;
	if (!R || in >= R->nin || R->jid_of[in] == UINT32_MAX)
		return CS_LIVE_PENDING;
	const cs_job *j = &R->jobs[R->jid_of[in]];
	if (j->flags & CS_JOB_REJECTED)
		return CS_LIVE_REJECTED;
	if (j->start_s >= 0)
		return j->end_s < L->now ? CS_LIVE_DONE : CS_LIVE_RUNNING;
	return j->submit_s < L->now ? CS_LIVE_WAITING : CS_LIVE_PENDING;
}

/* The partition a job shows: the one it started in, for a job submitted
 * to several (as jobs.csv gives it), else as it was submitted. */
static const char *partition_shown(const cs_live *L, const cs_jrec *r, const cs_job *j, int ran)
{
	if (ran && r->partition >= 0 && (uint32_t)r->partition >= L->gm.ncluster && j->partition >= 0 &&
	    (uint32_t)j->partition < L->gm.ncluster)
		return L->pnames[j->partition];
	return cs_names_get(&L->names.partitions, r->partition);
}

int cs_live_info_of(const cs_live *L, int64_t id, cs_live_info *o)
{
	int64_t in = cs_live_input_of(L, id);
	if (in < 0)
		return -CS_EINVAL;
	const struct lrun *R = L->run;
	int inrun = R && (size_t)in < R->nin && R->jid_of[in] != UINT32_MAX;
	const cs_job *j = inrun ? &R->jobs[R->jid_of[in]] : &L->in[in];
	const cs_jrec *r = &L->rec[in];
	cs_live_state s = state_of(L, (uint32_t)in);
	int ran = inrun && j->start_s >= 0;
	*o = (cs_live_info){ .id = id, .state = s, .submit_s = j->submit_s, .start_s = ran ? j->start_s : -1,
			     .end_s = ran ? j->end_s : -1, .estimate_s = j->estimate_s, .runtime_s = j->runtime_s,
			     .reservation_s = inrun ? j->reservation_s : -1, .nodes = j->nodes,
			     .gpus_per_node = j->gpus_per_node, .cores_per_node = j->cores_per_node,
			     .mem_per_node_mib = j->mem_per_node_mib,
			     .reason = cs_wait_names[inrun && j->reason < CS_WAIT_N ? j->reason : 0],
			     .project = r->project >= 0 ? cs_names_get(&L->names.projects, r->project) : "",
			     .user = r->user >= 0 ? cs_names_get(&L->names.users, r->user) : "",
			     .qos = r->qos >= 0 ? cs_names_get(&L->names.qos, r->qos) : "",
			     .partition = partition_shown(L, r, j, ran),
			     .slots = ran ? R->slots + R->off[R->jid_of[in]] : NULL };
	return 0;
}

static size_t list_state(const cs_live *L, cs_live_state want, int64_t *ids, size_t max)
{
	const struct lrun *R = L->run;
	size_t k = 0;
	for (size_t jid = 0; R && jid < R->n; jid++) {
		uint32_t in = R->in_of[jid];
		if (state_of(L, in) != want)
			continue;
		if (k < max)
			ids[k] = L->in[in].id;
		k++;
	}
	return k;
}

size_t cs_live_waiting(const cs_live *L, int64_t *ids, size_t max) { return list_state(L, CS_LIVE_WAITING, ids, max); }
size_t cs_live_running(const cs_live *L, int64_t *ids, size_t max) { return list_state(L, CS_LIVE_RUNNING, ids, max); }

/* --- the machine --- */

/* The allocator as it stands now: the run's, or (before the first) the
 * empty one. */
static const cs_alloc *alloc_now(const cs_live *L) { return L->run ? L->run->A : L->fit.empty; }

uint32_t cs_live_nnodes(const cs_live *L) { return L->nm.layout.nnodes; }

void cs_live_node(const cs_live *L, uint32_t n, char *buf, size_t len, uint32_t *fg, uint32_t *fc, uint32_t *fm,
		  uint32_t *g, uint32_t *c, uint32_t *m)
{
	cs_hostnames_name(&L->hosts, n, buf, len);
	cs_alloc_node_counts(alloc_now(L), n, fg, fc, fm);
	const cs_alloc_type *t = &L->nm.types[L->nm.node_type[n]];
	*g = t->gpus;
	*c = t->cores;
	*m = t->mem_mib;
}

long cs_live_node_list(const cs_live *L, const cs_slot *slots, uint32_t n, char *buf, size_t len)
{
	uint32_t *nodes = malloc(2 * ((size_t)n + 1) * sizeof *nodes);
	if (!nodes)
		return -CS_ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		nodes[i] = slots[i].node;
	long k = cs_hostnames_list(&L->hosts, nodes, n, nodes + n + 1, buf, len);
	free(nodes);
	return k;
}

int64_t cs_live_node_find(const cs_live *L, const char *name)
{
	char buf[256];
	for (uint32_t n = 0; n < L->nm.layout.nnodes; n++) {
		cs_hostnames_name(&L->hosts, n, buf, sizeof buf);
		if (strcmp(buf, name) == 0)
			return n;
	}
	return -1;
}

void cs_live_usage_of(const cs_live *L, cs_live_usage *u)
{
	const cs_alloc *A = alloc_now(L);
	*u = (cs_live_usage){ .gpus = L->nm.total_gpus, .cores = L->nm.total_cores, .nodes = L->nm.layout.nnodes };
	u->gpus_busy = u->gpus - cs_alloc_free_gpus(A);
	u->nodes_busy = u->nodes - cs_alloc_idle_nodes(A);
	uint64_t free_cores = 0;
	for (uint32_t n = 0; n < u->nodes; n++) {
		uint32_t g, c, m;
		cs_alloc_node_counts(A, n, &g, &c, &m);
		free_cores += c;
	}
	u->cores_busy = u->cores - free_cores;
	u->waiting = cs_live_waiting(L, NULL, 0);
	u->running = cs_live_running(L, NULL, 0);
}

/* --- advancing --- */

/* The run made again over every submission, replayed to now and checked
 * against the one it replaces. */
static int rebuild(cs_live *L, char *err, size_t errlen)
{
	struct lrun *R;
	int rc = cs_lrun_open(L, NULL, &R, err, errlen);
	if (rc == 0)
		rc = cs_lrun_replay(L, R, L->now, err, errlen);
	if (rc == 1) {
		/* a pass at the time before now waits (a state saved then) */
		L->waiting_pass = 1;
		rc = 0;
	}
	if (rc == 0 && L->run)
		rc = cs_lrun_same_past(L, L->run, R, err, errlen);
	if (rc < 0 && rc != -CS_EINVAL) {
		cs_lrun_free(R);
		return rc;
	}
	/* a changed past is reported, but the new run stands: it is the batch
	 * run of these jobs */
	cs_lrun_free(L->run);
	L->run = R;
	L->dirty = 0;
	return rc;
}

static int ensure_run(cs_live *L, char *err, size_t errlen)
{
	if (L->run && !L->dirty)
		return 0;
	return rebuild(L, err, errlen);
}

int cs_live_advance(cs_live *L, cs_time until, char *err, size_t errlen)
{
	if (L->waiting_pass)
		return 1;
	if (until <= L->now || until > CS_LIVE_TIME_END) {
		snprintf(err, errlen, "time: %lld: must be after now (%lld) and at most 2^62", (long long)until,
			 (long long)L->now);
		return -CS_EINVAL;
	}
	int rc = ensure_run(L, err, errlen);
	if (rc < 0)
		return rc;
	rc = cs_engine_advance(L->run->E, until);
	if (rc < 0)
		return oom(err, errlen);
	if (rc == 1) {
		L->waiting_pass = 1;
		L->now = cs_ctx_now(L->run->E) + 1;
		return 1;
	}
	L->now = until;
	return 0;
}

int cs_live_next_event(cs_live *L, cs_time *t, char *err, size_t errlen)
{
	int rc = ensure_run(L, err, errlen);
	if (rc < 0)
		return rc;
	*t = cs_engine_next_time(L->run->E);
	return 0;
}

/* --- cancellations --- */

static void emit(cs_live *L, unsigned what, int64_t id)
{
	if (L->obs_fn)
		L->obs_fn(L->obs_ctx, L->now, what, id);
}

int cs_live_no_cancel(const cs_live *L, int64_t id, char *err, size_t errlen)
{
	snprintf(err, errlen, "job: job %lld is waiting and policy %s cannot cancel a waiting job (its ops table has "
		 "no cancel, include/capsim/sched.h): cancel it before its submission time or once it runs",
		 (long long)id, L->ops->name);
	return -CS_EINVAL;
}

int cs_live_cancel(cs_live *L, int64_t id, char *err, size_t errlen)
{
	int64_t in = cs_live_input_of(L, id);
	if (in < 0) {
		snprintf(err, errlen, "job: no job %lld", (long long)id);
		return -CS_EINVAL;
	}
	if (L->waiting_pass) {
		snprintf(err, errlen, "job: a pass waits for the external scheduler's decisions: decide first");
		return -CS_EINVAL;
	}
	cs_live_state s = state_of(L, (uint32_t)in);
	if (s == CS_LIVE_PENDING) {
		L->inflag[in] |= IN_DROPPED;
		L->dirty = 1;
		emit(L, CS_LIVE_OBS_CANCEL, id);
		return 0;
	}
	if (s == CS_LIVE_WAITING && !L->o.external && !cs_policy_cancel_op(L->ops))
		return cs_live_no_cancel(L, id, err, errlen);
	if (s != CS_LIVE_WAITING && s != CS_LIVE_RUNNING) {
		snprintf(err, errlen, "job: job %lld has ended (%s)", (long long)id, cs_live_state_names[s]);
		return -CS_EINVAL;
	}
	uint32_t jid = L->run->jid_of[in];
	if (!cs_lrun_cancellable(L->run, jid, L->now)) {
		/* its end at now comes before a cancellation at now */
		snprintf(err, errlen, "job: job %lld ends at now (%lld): there is no run left to cancel", (long long)id,
			 (long long)L->now);
		return -CS_EINVAL;
	}
	size_t cap = L->capcancel;
	if (cs_live_grow((void **)&L->cancels, &cap, L->ncancel + 1, sizeof *L->cancels) < 0)
		return oom(err, errlen);
	L->capcancel = cap;
	if (cs_lrun_cancel(L->run, jid, L->now) < 0)
		return oom(err, errlen);
	L->cancels[L->ncancel++] = (struct live_cancel){ L->now, (uint32_t)in };
	L->inflag[in] |= IN_CANCELLED;
	emit(L, CS_LIVE_OBS_CANCEL, id);
	return 0;
}

/* --- what-if --- */

int cs_live_whatif(cs_live *L, const cs_live_job *j, cs_time *start, cs_time *end, char *err, size_t errlen)
{
	if (L->o.external || L->waiting_pass) {
		snprintf(err, errlen, "whatif: under an external scheduler the passes to come are its to decide");
		return -CS_EINVAL;
	}
	cs_live_job jj = *j;
	if (jj.id < 0)
		jj.id = L->next_id;
	cs_jrec r;
	cs_job job;
	int rc = make_record(L, &jj, &r, err, errlen);
	if (rc == 0)
		rc = convert(L, &r, &job, err, errlen);
	if (rc < 0)
		return rc;
	struct lrun *R;
	rc = cs_lrun_open(L, &job, &R, err, errlen);
	if (rc == 0)
		rc = cs_lrun_replay(L, R, L->now, err, errlen);
	/* on until the job starts, is rejected, or nothing is left to happen */
	const cs_job *x = rc == 0 ? &R->jobs[R->extra_jid] : NULL;
	while (rc == 0 && x->start_s < 0 && !(x->flags & CS_JOB_REJECTED)) {
		cs_time t = cs_engine_next_time(R->E);
		if (t == CS_TIME_MAX)
			break;
		if (cs_engine_advance(R->E, t + 1) < 0)
			rc = oom(err, errlen);
	}
	if (rc == 0) {
		*start = x->start_s;
		*end = x->start_s >= 0 ? x->end_s : -1;
	}
	cs_lrun_free(R);
	return rc < 0 ? rc : 0;
}
