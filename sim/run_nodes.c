/* capsim: a replay on the node model: GPU workloads placed node by node
 * on a cluster config (or an SWF or Batsim workload's own machine), with
 * failures, staging, reservations, billing, power and storage. */
#include "capsim/format.h"
#include "capsim/lines.h"
#include "capsim/run.h"
#include "capsim/cluster.h"
#include "capsim/failures.h"
#include "capsim/gpumap.h"
#include "capsim/nodemodel.h"
#include "capsim/power.h"
#include "capsim/recorder.h"
#include "capsim/stage.h"
#include "capsim/storage.h"
#include "capsim/report.h"
#include "capsim/topo.h"
#include "hugemem.h"

#include <stdlib.h>
#include <string.h>
#include "run_int.h"

/* --- the node model: GPU workloads placed node by node --- */

/* Per job, billing units per second of run, if any partition has
 * tres_billing_weights (docs/clusters.md#billing); and the machine's. */
static int job_billing(cs_run_result *r, const cs_cluster *c, const cs_gpumap *gm, const cs_partsets *sets)
{
	if (!cs_cluster_has_billing(c))
		return 0;
	if (!(r->billing = malloc((r->njobs + 1) * sizeof *r->billing)))
		return -CS_ENOMEM;
	for (size_t i = 0; i < r->njobs; i++) {
		const cs_job *j = &r->jobs[i];
		r->billing[i] = cs_cluster_billing_rate(c, cs_gpumap_billing_partition(c, gm, sets, j), j->nodes, j->gpus_per_node,
							j->cores_per_node, j->mem_per_node_mib, j->size);
	}
	r->billing_capacity = 0;
	for (int t = 0; t < cs_cluster_nnode_types(c); t++)
		r->billing_capacity += cs_cluster_node_type_at(c, t)->count * cs_cluster_node_billing_rate(c, t);
	return 0;
}

void cs_run_node_utilization(cs_run_result *r)
{
	double gs = 0, cs = 0;
	for (size_t i = 0; i < r->njobs; i++) {
		const cs_job *j = &r->jobs[i];
		if (j->start_s < 0)
			continue;
		double t = (double)(j->end_s - j->start_s);
		gs += t * j->nodes * j->gpus_per_node;
		cs += t * j->nodes * j->cores_per_node;
	}
	double span = (double)r->m.makespan;
	r->gpu_utilization = span > 0 && r->machine.gpus ? gs / (span * (double)r->machine.gpus) : 0;
	r->core_utilization = span > 0 && r->machine.cores ? cs / (span * (double)r->machine.cores) : 0;
}

/* An SWF trace's own machine as a cluster: its nodes (header, or --nodes /
 * --procs-per-node / --procs) of one node type with one core per
 * processor, no GPUs and no memory limit, in one partition. Pooled replays
 * on it are the default; --node-model places jobs node by node on it. */
static int swf_header_cluster(const cs_run_opts *o, const cs_trace *t, cs_machine *mo, cs_cluster **c, char *err,
			      size_t errlen)
{
	cs_swf_header h = { -1, -1, -1, -1 };
	const char *mp = cs_trace_meta_get(t, "swf_max_procs"), *mn = cs_trace_meta_get(t, "swf_max_nodes");
	if (mp)
		h.max_procs = strtoll(mp, NULL, 10);
	if (mn)
		h.max_nodes = strtoll(mn, NULL, 10);
	cs_machine m;
	int rc = cs_machine_resolve(&h, o, &m, err, errlen);
	if (rc < 0)
		return rc;
	*mo = m;
	char yaml[1024];
	int len = snprintf(yaml, sizeof yaml,
			   "name: swf-header\n"
			   "site: {pue: 1}\n"
			   "node_types:\n"
			   "  - name: node\n"
			   "    count: %u\n"
			   "    topology: \"pack:1 core:%u pu:1\"\n"
			   "    memory_gib: 1048576\n"
			   "    power_w: {idle: 0, peak: 0}\n"
			   "partitions:\n"
			   "  - {name: all, node_types: [node]}\n",
			   m.nodes, m.ppn);
	return cs_cluster_load_text(c, yaml, (size_t)len, "<the SWF header's machine>", ".", err, errlen);
}

/* The most nodes a trace's own machine may have (the node model's limit). */
#define OWN_MACHINE_MAX_NODES (1 << 26)

/* A Batsim workload's own machine: Batsim's resources are hosts a job
 * holds whole, so nb_res nodes of one processor each (a job's `res` is its
 * node count, one core per node: every job has its nodes to itself).
 * --procs N or --nodes N give N nodes instead (both: they must agree). */
static int batsim_cluster(const cs_run_opts *o, const cs_trace *t, cs_machine *m, cs_cluster **c, char *err,
			  size_t errlen)
{
	const char *nb = cs_trace_meta_get(t, "nb_res");
	long long n = nb ? strtoll(nb, NULL, 10) : 0;
	m->source = "Batsim nb_res";
	if (o->ppn > 1) {
		snprintf(err, errlen, "%s: --procs-per-node %lld: a Batsim workload's resources are one-processor "
			 "nodes (give --procs or --nodes for their number)", o->workload, (long long)o->ppn);
		return -CS_EINVAL;
	}
	if (o->procs > 0 && o->nodes > 0 && o->procs != o->nodes) {
		snprintf(err, errlen, "%s: --procs %lld contradicts --nodes %lld: a Batsim workload's resources are "
			 "one-processor nodes, so both give their number", o->workload, (long long)o->procs,
			 (long long)o->nodes);
		return -CS_EINVAL;
	}
	if (o->procs > 0 || o->nodes > 0) {
		n = o->procs > 0 ? o->procs : o->nodes;
		m->source = o->procs > 0 ? "--procs" : "--nodes";
	}
	if (n < 1 || n > OWN_MACHINE_MAX_NODES) {
		snprintf(err, errlen, "%s: %s: %lld resources: capsim models at most %d nodes (--procs N sets "
			 "fewer; --cluster runs it on a cluster config)", o->workload, o->procs > 0 || o->nodes > 0 ? m->source : "field nb_res", n,
			 OWN_MACHINE_MAX_NODES);
		return -CS_EINVAL;
	}
	m->nodes = m->procs = (uint32_t)n;
	m->ppn = 1;
	char yaml[1024];
	int len = snprintf(yaml, sizeof yaml,
			   "name: batsim-nb_res\n"
			   "site: {pue: 1}\n"
			   "node_types:\n"
			   "  - name: host\n"
			   "    count: %u\n"
			   "    topology: \"pack:1 core:1 pu:1\"\n"
			   "    memory_gib: 1048576\n"
			   "    power_w: {idle: 0, peak: 0}\n"
			   "partitions:\n"
			   "  - {name: all, node_types: [host]}\n",
			   m->nodes);
	return cs_cluster_load_text(c, yaml, (size_t)len, "<the Batsim workload's machine>", ".", err, errlen);
}

/* SWF records on a node model: a job of P processors (read as P nodes x 1
 * core) asks for ceil(P / C) nodes x ceil(P / nodes) cores, C the most
 * cores a node of the cluster has; SWF memory is not a node limit here. */
static void swf_to_nodes(cs_trace *t, const cs_cluster *c)
{
	uint32_t C = 1;
	for (int i = 0; i < cs_cluster_nnode_types(c); i++) {
		int k = cs_topo_ncores(cs_cluster_node_type_at(c, i)->topo);
		if (k > 0 && (uint32_t)k > C)
			C = (uint32_t)k;
	}
	for (size_t i = 0; i < t->n; i++) {
		cs_jrec *r = &t->jobs[i];
		uint32_t P = r->nodes;
		if (P == 0)
			continue;
		r->nodes = (P + C - 1) / C;
		r->cores_per_node = (P + r->nodes - 1) / r->nodes;
		r->gpus_per_node = 0;
		r->mem_per_node_mib = 0;
	}
}

/* --reserve NAME:START-END:NODES[:PROJECT]: NODES is TYPE*N (the first N
 * nodes of node type TYPE) or FIRST-LAST (node indices, as batsim_jobs.csv
 * numbers them); PROJECT a project of the workload. */
static int parse_reserve(const char *spec, const cs_cluster *c, const cs_nodemodel *nm, const cs_trace *t,
			 cs_resv *v, uint32_t **nodes, char *name, size_t namelen, char *err, size_t errlen)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", spec);
	char *f[5];
	size_t n = cs_lines_split(buf, ':', f, 4);
	long long a, b;
	char tail;
	if (n < 3 || n > 4 || !*f[0] || sscanf(f[1], "%lld-%lld%c", &a, &b, &tail) != 2 || a < 0 || b <= a) {
		snprintf(err, errlen, "--reserve '%s': expected NAME:START-END:NODES[:PROJECT] with 0 <= START < END "
			 "(seconds), NODES TYPE*N or FIRST-LAST", spec);
		return -CS_EINVAL;
	}
	snprintf(name, namelen, "%s", f[0]);
	*v = (cs_resv){ .name = name, .start = a, .end = b, .project = -1 };
	uint32_t first, count;
	char *star = strchr(f[2], '*');
	long long x, y;
	if (star) {
		*star = '\0';
		int ty = cs_cluster_node_type_find(c, f[2]);
		if (ty < 0 || sscanf(star + 1, "%lld%c", &x, &tail) != 1 || x < 1 ||
		    x > (long long)(nm->type_first[ty + 1] - nm->type_first[ty])) {
			snprintf(err, errlen, "--reserve '%s': nodes: '%s*%s' is not TYPE*N with a node type of the "
				 "cluster and 1 <= N <= its count", spec, f[2], star + 1);
			return -CS_EINVAL;
		}
		first = nm->type_first[ty];
		count = (uint32_t)x;
	} else if (sscanf(f[2], "%lld-%lld%c", &x, &y, &tail) == 2 && x >= 0 && y >= x &&
		   y < (long long)nm->layout.nnodes) {
		first = (uint32_t)x;
		count = (uint32_t)(y - x + 1);
	} else {
		snprintf(err, errlen, "--reserve '%s': nodes: '%s' is not TYPE*N or FIRST-LAST within the %u nodes",
			 spec, f[2], nm->layout.nnodes);
		return -CS_EINVAL;
	}
	if (n == 4) {
		v->project = cs_names_find(&t->projects, f[3]);
		if (v->project < 0) {
			snprintf(err, errlen, "--reserve '%s': project '%s' has no job in the workload", spec, f[3]);
			return -CS_EINVAL;
		}
	}
	*nodes = malloc(count * sizeof **nodes);
	if (!*nodes) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	for (uint32_t i = 0; i < count; i++)
		(*nodes)[i] = first + i;
	v->nodes = *nodes;
	v->nnodes = count;
	return 0;
}

/* The recorder for a node-model run, if wanted (r->rec). */
static int recorder_nodes(const cs_run_opts *o, cs_run_result *r, const cs_cluster *c, const cs_nodemodel *nm,
			  char *err, size_t errlen)
{
	if (!cs_run_wants_recorder(o))
		return 0;
	uint32_t T = nm->layout.ntypes, P = nm->npartitions;
	const char **tn = malloc((T + 1) * sizeof *tn), **pn = malloc((P + 1) * sizeof *pn);
	uint32_t *g = malloc((T + 1) * sizeof *g), *k = malloc((T + 1) * sizeof *k);
	double *iw = malloc((T + 1) * sizeof *iw), *pw = malloc((T + 1) * sizeof *pw);
	int rc = -CS_ENOMEM;
	if (tn && pn && g && k && iw && pw) {
		for (uint32_t t = 0; t < T; t++) {
			const cs_cluster_node_type *ct = cs_cluster_node_type_at(c, (int)t);
			tn[t] = ct->name;
			g[t] = nm->types[t].gpus;
			k[t] = nm->types[t].cores;
			iw[t] = ct->idle_w;
			pw[t] = ct->peak_w;
		}
		for (uint32_t p = 0; p < P; p++)
			pn[p] = cs_cluster_partition_at(c, (int)p)->name;
		cs_rec_machine rm = { .nnodes = nm->layout.nnodes, .ntypes = T, .npartitions = P,
				      .node_type = nm->node_type, .type_names = tn, .type_gpus = g, .type_cores = k,
				      .type_idle_w = iw, .type_peak_w = pw, .part_names = pn,
				      .part_first = nm->part_first, .part_types = nm->part_types, .hosts = &r->hosts };
		rc = cs_recorder_new(&r->rec, r->jobs, r->njobs, nm->total_gpus, &rm, r->placements,
				     r->placement_off, o->sample_s, err, errlen);
		if (rc == 0) {
			cs_recorder_set_progress(r->rec, o->progress, o->progress_ctx);
			if (r->billing)
				cs_recorder_set_billing(r->rec, r->billing, r->billing_capacity);
		}
	} else {
		snprintf(err, errlen, "out of memory");
	}
	free(tn);
	free(pn);
	free(g);
	free(k);
	free(iw);
	free(pw);
	return rc;
}

/* The cluster's failures, checkpoints and maintenance for this run
 * (r->fail; docs/failures.md): the checkpoints' costs go into the jobs'
 * runs here, before the policy sees them. */
static int reliability(const cs_run_opts *o, cs_run_result *r, const cs_cluster *c, const cs_nodemodel *nm,
		       const cs_trace *t, const cs_gpumap *gm, const cs_partsets *sets, char *err, size_t errlen)
{
	const cs_fail_config *fc = cs_cluster_failures(c);
	if ((!fc || (!fc->nprocs && !fc->trace)) && (o->requeue_on_failure >= 0 || o->failure_seed >= 0)) {
		snprintf(err, errlen, "--requeue-on-failure and --failure-seed apply to a failure model: cluster %s has "
			 "no failures: section (docs/failures.md)", cs_cluster_name(c));
		return -CS_EINVAL;
	}
	if (!fc)
		return 0;
	uint32_t T = nm->layout.ntypes;
	uint32_t *tg = malloc((T + 1) * sizeof *tg);
	if (!tg) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	for (uint32_t k = 0; k < T; k++)
		tg[k] = nm->types[k].gpus;
	cs_fail_setup s = { .cfg = fc, .cluster = c, .hosts = &r->hosts, .nnodes = nm->layout.nnodes,
			    .node_type = nm->node_type, .type_gpus = tg, .jobs = r->jobs, .njobs = r->njobs,
			    .names = t, .npartitions = gm->npartitions, .part_first = gm->part_first,
			    .part_types = gm->part_types, .sets = sets->n ? sets : NULL,
			    .seed_given = o->failure_seed >= 0, .seed = (uint64_t)o->failure_seed,
			    .requeue = o->requeue_on_failure != 0 };
	int rc = cs_failsim_new(&r->fail, &s, err, errlen);
	free(tg);
	return rc;
}

/* Storage tier `name` of cluster c, able to stage (with a bandwidth): its
 * index, or -1 with err saying why not, after `where` (the column or the
 * option that names it). */
static int stage_tier_of(const cs_cluster *c, const char *name, const char *where, char *err, size_t errlen)
{
	int k = cs_storage_tier_find(c, name);
	if (k >= 0 && cs_cluster_storage_at(c, k)->bandwidth_gbs > 0)
		return k;
	char list[512];
	if (k >= 0)
		snprintf(err, errlen, "%s: storage tier '%s' of cluster %s has no bandwidth_gbs: nothing can be "
			 "staged through it", where, name, cs_cluster_name(c));
	else
		snprintf(err, errlen, "%s: no storage tier '%s' in cluster %s (%s)", where, name, cs_cluster_name(c),
			 cs_storage_tiers_text(c, list, sizeof list));
	return -1;
}

/* The jobs' data sizes, tiers and time limits, checked against the
 * cluster's tiers (t: the workload, rec_of: each job's record). */
static int stage_jobs(const cs_run_opts *o, const cs_run_result *r, const cs_cluster *c, const cs_trace *t,
		      const uint32_t *rec_of, int64_t *in, int64_t *out, uint32_t *tier, cs_time *limit, char *err,
		      size_t errlen)
{
	int def = -1;
	if (o->stage_tier && (def = stage_tier_of(c, o->stage_tier, "--stage-tier", err, errlen)) < 0)
		return -CS_EINVAL;
	int *of = malloc((t->tiers.n + 1) * sizeof *of); /* the trace's tiers: -2 not looked up yet */
	if (!of) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	for (size_t k = 0; k < t->tiers.n; k++)
		of[k] = -2;
	int rc = 0;
	for (size_t i = 0; i < r->njobs && rc == 0; i++) {
		const cs_jrec *rec = &t->jobs[rec_of[i]];
		const cs_job *j = &r->jobs[i];
		char where[4200];
		snprintf(where, sizeof where, "%s:%u: column stage_tier", o->workload, rec->line);
		in[i] = rec->stage_in_b;
		out[i] = rec->stage_out_b;
		/* the time limit covers the staging under --overrun kill, as it covers the work */
		limit[i] = o->wconv.overrun == CS_OVERRUN_KILL && j->reqtime_s > 0 ? j->reqtime_s : 0;
		int k = def;
		if (rec->stage_tier) {
			int *m = &of[rec->stage_tier - 1];
			if (*m == -2)
				*m = stage_tier_of(c, t->tiers.v[rec->stage_tier - 1], where, err, errlen);
			k = *m;
			if (k < 0)
				rc = -CS_EINVAL;
		} else if (k < 0 && (in[i] || out[i])) {
			snprintf(err, errlen, "%s: job %lld stages data but names no tier: name one there, or give "
				 "--stage-tier TIER", where, (long long)rec->id);
			rc = -CS_EINVAL;
		}
		tier[i] = k < 0 ? 0 : (uint32_t)k;
	}
	free(of);
	return rc;
}

/* Stage-in and stage-out for this run (r->stage; capsim/stage.h), if the
 * workload gives data sizes and --staging does not turn it off. */
static int staging(const cs_run_opts *o, cs_run_result *r, const cs_cluster *c, const cs_nodemodel *nm,
		   const cs_trace *t, const uint32_t *rec_of, char *err, size_t errlen)
{
	int data = 0;
	for (size_t i = 0; i < r->njobs && !data; i++)
		data = t->jobs[rec_of[i]].stage_in_b > 0 || t->jobs[rec_of[i]].stage_out_b > 0;
	if (o->staging < 0 && o->stage_tier) {
		snprintf(err, errlen, "--stage-tier names the tier of staging, which --staging no turns off");
		return -CS_EINVAL;
	}
	if (o->staging < 0 || (!data && !o->staging && !o->stage_tier))
		return 0;
	if (!data) {
		snprintf(err, errlen, "%s: %s: its jobs move no data (no stage_in_gb or stage_out_gb above 0: "
			 "docs/storage.md#staging)", o->staging > 0 ? "--staging yes" : "--stage-tier", o->workload);
		return -CS_EINVAL;
	}
	if (r->fail) {
		snprintf(err, errlen, "%s: staging on a cluster with failures, checkpoints or maintenance (%s) is not "
			 "modelled: give --staging no, or a cluster without them", o->workload, cs_cluster_name(c));
		return -CS_EINVAL;
	}
	size_t n = r->njobs;
	uint32_t T = (uint32_t)cs_cluster_nstorage(c);
	int64_t *in = malloc((n + 1) * sizeof *in), *out = malloc((n + 1) * sizeof *out);
	uint32_t *tier = malloc((n + 1) * sizeof *tier);
	cs_time *limit = malloc((n + 1) * sizeof *limit);
	const char **names = malloc((T + 1) * sizeof *names);
	double *gbs = malloc((T + 1) * sizeof *gbs), *node_gbs = malloc((nm->layout.ntypes + 1) * sizeof *node_gbs);
	int rc = -CS_ENOMEM;
	if (in && out && tier && limit && names && gbs && node_gbs) {
		for (uint32_t k = 0; k < T; k++) {
			names[k] = cs_cluster_storage_at(c, (int)k)->name;
			gbs[k] = cs_cluster_storage_at(c, (int)k)->bandwidth_gbs;
		}
		rc = stage_jobs(o, r, c, t, rec_of, in, out, tier, limit, err, errlen);
		for (uint32_t k = 0; k < nm->layout.ntypes; k++)
			node_gbs[k] = cs_cluster_node_type_at(c, (int)k)->storage_gbs;
		cs_stage_setup su = { .jobs = r->jobs, .njobs = n, .ntiers = T, .tier_names = names, .tier_gbs = gbs,
				      .in_b = in, .out_b = out, .tier = tier, .limit_s = limit,
				      .default_tier = o->stage_tier, .nnodes = nm->layout.nnodes,
				      .ntypes = nm->layout.ntypes, .node_type = nm->node_type, .type_gbs = node_gbs };
		if (rc == 0)
			rc = cs_stagesim_new(&r->stage, &su, err, errlen);
	} else {
		snprintf(err, errlen, "out of memory");
	}
	free(in);
	free(out);
	free(tier);
	free(limit);
	free(names);
	free(gbs);
	free(node_gbs);
	return rc;
}
int cs_run_nodes(const cs_run_opts *o, cs_run_result *r, cs_policy_env *env, cs_format fmt,
		     const cs_accounts *acc, char *err, size_t errlen)
{
	/* without --cluster, SWF and Batsim workloads run on the machine they describe */
	int own = !o->cluster && (fmt == CS_FMT_SWF || fmt == CS_FMT_BATSIM);
	if (o->scale && own) {
		snprintf(err, errlen, "--scale scales a cluster config's node types; %s runs on its own machine (%s): "
			 "size it with --nodes or --procs, or give --cluster", o->workload,
			 fmt == CS_FMT_SWF ? "the SWF header's" : "the Batsim workload's nb_res");
		return -CS_EINVAL;
	}
	if ((o->procs > 0 || o->nodes > 0 || o->ppn > 0) && !own) {
		if (o->cluster)
			snprintf(err, errlen, "--cluster sets the machine: drop --procs, --nodes and --procs-per-node");
		else
			snprintf(err, errlen, "--procs, --nodes and --procs-per-node size an SWF or Batsim workload's own "
				 "machine; %s (%s) runs on the node model of --cluster (default: the built-in data centre)",
				 o->workload, cs_format_names[fmt]);
		return -CS_EINVAL;
	}
	if (o->wconv.conversion == CS_CONVERT_PYSS) {
		snprintf(err, errlen, "--convert pyss / --compat pyss apply to SWF traces on a pooled machine only");
		return -CS_EINVAL;
	}
	if (o->nreserve > CS_MAX_PARAMS) {
		snprintf(err, errlen, "--reserve: at most %d reservations", CS_MAX_PARAMS);
		return -CS_EINVAL;
	}
	cs_trace *tp = calloc(1, sizeof *tp);
	if (!tp) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	r->trace = tp;
	cs_trace t_, *t = &t_;
	cs_trace_init(t);
	cs_cluster *c = NULL;
	cs_nodemodel nm = { 0 };
	cs_gpumap *gm = calloc(1, sizeof *gm);
	cs_alloc *A = NULL;
	cs_gpumap_fit fc = { 0 };
	const char **pnames = NULL;
	cs_resv resv[CS_MAX_PARAMS];
	uint32_t *resv_nodes[CS_MAX_PARAMS] = { 0 };
	char resv_names[CS_MAX_PARAMS][64];
	void *ps = NULL;
	cs_account_tree tree = { 0 };
	cs_partsets sets = { 0 };
	cs_power_cap *pcap = NULL;
	uint32_t *rec_of = NULL;
	if (!gm) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	r->gpumap = gm;
	int rc = 0;
	if (o->workload_in) { /* taken over: the records as the reader would give them */
		*t = *o->workload_in;
		cs_trace_init(o->workload_in);
	} else {
		rc = cs_format_read(t, o->workload, fmt, err, errlen);
	}
	if (rc == 0)
		rc = cs_transform_apply(t, &o->tf, err, errlen);
	cs_machine own_m = { .source = "cluster config (node model)" };
	if (rc == 0 && own && fmt == CS_FMT_SWF)
		rc = swf_header_cluster(o, t, &own_m, &c, err, errlen);
	else if (rc == 0 && own)
		rc = batsim_cluster(o, t, &own_m, &c, err, errlen);
	else if (rc == 0)
		rc = cs_run_open_cluster(o, &c, err, errlen);
	if (rc == 0 && fmt == CS_FMT_SWF)
		swf_to_nodes(t, c);
	if (rc == 0)
		rc = cs_nodemodel_build(&nm, c, err, errlen);
	if (rc == 0)
		rc = cs_nodemodel_hostnames(&nm, c, &r->hosts, err, errlen);
	if (rc == 0)
		rc = cs_gpumap_build(gm, c, t, o->workload, o->gpu_map, o->ngpu_map, err, errlen);
	if (rc == 0)
		rc = cs_alloc_new(&A, &nm.layout, o->fit, err, errlen);
	if (rc == 0)
		rc = cs_alloc_new(&fc.empty, &nm.layout, o->fit, err, errlen);
	if (rc < 0)
		goto out;
	fc.gm = gm;
	fc.cap = nm.layout.nnodes;
	fc.slots = malloc(fc.cap * sizeof *fc.slots);
	pnames = malloc((nm.npartitions + 1) * sizeof *pnames);
	if (!fc.slots || !pnames)
		goto oom;
	for (uint32_t i = 0; i < nm.npartitions; i++)
		pnames[i] = cs_cluster_partition_at(c, (int)i)->name;
	sets.base = gm->npartitions;
	rc = cs_workload_from_trace_recs(t, &o->wconv, pnames, nm.npartitions, gm->gpu_part, &sets, cs_gpumap_fits_empty,
					 &fc, &r->jobs, &r->njobs, &rec_of, &r->wst, err, errlen);
	if (rc < 0)
		goto out;
	if (r->njobs == 0) {
		snprintf(err, errlen, "%s: every one of its %zu jobs was dropped by the filter rules "
			 "(see the summary's filtered counts)", o->workload, r->wst.records);
		rc = -CS_EINVAL;
		goto out;
	}
	/* size units: GPUs, or cores on a machine without GPUs */
	uint64_t units = nm.total_gpus ? nm.total_gpus : nm.total_cores;
	r->machine = (cs_machine){ .procs = units > UINT32_MAX ? UINT32_MAX : (uint32_t)units,
				   .nodes = nm.layout.nnodes, .ppn = 0, .node_model = 1, .gpus = nm.total_gpus,
				   .cores = nm.total_cores, .source = own_m.source, .own = own };
	snprintf(r->machine.cluster, sizeof r->machine.cluster, "%s", cs_cluster_name(c));
	env->jobs = r->jobs;
	env->njobs = r->njobs;
	env->total_procs = r->machine.procs;
	env->node_model = 1;
	if ((rc = reliability(o, r, c, &nm, t, gm, &sets, err, errlen)) < 0 ||
	    (rc = staging(o, r, c, &nm, t, rec_of, err, errlen)) < 0)
		goto out;
	/* the records are read no more (only the names are, here and by the
	 * outputs): their memory, tens of MB already faulted in, goes to the
	 * policy's and the engine's tables instead of fresh pages */
	free(t->jobs);
	t->jobs = NULL;
	t->n = t->cap = 0;
	free(rec_of);
	rec_of = NULL;
	if (job_billing(r, c, gm, &sets) < 0)
		goto oom;
	env->billing = r->billing;
	env->partsets = sets.n ? &sets : NULL;
	if (acc) {
		cs_account_names an = { &t->projects, &t->users, &t->qos, pnames, nm.npartitions };
		if ((rc = cs_accounts_bind(acc, r->jobs, r->njobs, &an, &tree, &r->acct, err, errlen)) < 0 ||
		    (rc = cs_run_limits_enforced(r->ops, &tree, o->accounts, err, errlen)) < 0 ||
		    (rc = cs_storage_check(c, &tree, o->accounts, err, errlen)) < 0)
			goto out;
		env->accounts = &tree;
	}
	rc = r->ops->init(&ps, env, err, errlen);
	if (rc < 0) {
		if (rc == -CS_ENOMEM)
			snprintf(err, errlen, "out of memory");
		goto out;
	}
	cs_node_machine m = cs_nodemodel_machine(&nm, A);
	m.billing = r->billing;
	m.bill_cluster = c;
	m.npartitions = gm->npartitions;
	m.part_first = gm->part_first;
	m.part_types = gm->part_types;
	for (size_t i = 0; i < o->nreserve && rc == 0; i++)
		rc = parse_reserve(o->reserve[i], c, &nm, t, &resv[i], &resv_nodes[i], resv_names[i],
				   sizeof resv_names[i], err, errlen);
	if (rc < 0) {
		r->ops->destroy(ps);
		goto out;
	}
	m.resv = resv;
	m.nresv = o->nreserve;
	if (r->fail && cs_failsim_resv(r->fail, resv, o->nreserve, &m.resv, &m.nresv) < 0) {
		r->ops->destroy(ps);
		goto oom;
	}
	m.fail = r->fail;
	m.stage = r->stage;
	m.sets = sets.n ? &sets : NULL;
	size_t nslots = 0;
	for (size_t i = 0; i < r->njobs; i++)
		nslots += r->jobs[i].nodes;
	cs_huge_heap_more();
	r->placement_off = malloc((r->njobs + 1) * sizeof *r->placement_off);
	r->placements = malloc((nslots + 1) * sizeof *r->placements);
	cs_huge_hint(r->placements, (nslots + 1) * sizeof *r->placements);
	if (!r->placement_off || !r->placements) {
		r->ops->destroy(ps);
		goto oom;
	}
	m.placements = r->placements;
	m.placement_off = r->placement_off;
	rc = recorder_nodes(o, r, c, &nm, err, errlen);
	if (rc < 0) {
		r->ops->destroy(ps);
		goto out;
	}
	m.obs = r->rec ? cs_recorder_observer(r->rec) : NULL;
	rc = cs_power_for_run(c, &nm, r->jobs, r->njobs, r->placements, r->placement_off, cs_run_wants_recorder(o),
			      o->sample_s, &pcap, &r->power, err, errlen);
	if (rc < 0) {
		r->ops->destroy(ps);
		goto out;
	}
	m.power = pcap;
	if (r->power) {
		m.obs = cs_power_meter_observer(r->power, m.obs);
		if (r->rec)
			cs_recorder_set_energy(r->rec, cs_power_meter_job_energy(r->power));
	}
	cs_cancel *cancels;
	rc = cs_run_cancels_of(o, r, &cancels, err, errlen);
	m.cancels = cancels;
	m.ncancels = o->ncancels;
	if (rc == 0)
		rc = cs_engine_run_nodes(r->jobs, r->njobs, &m, &o->econv, r->ops, ps, &r->est, err, errlen);
	free(cancels);
	r->ops->destroy(ps);
	if (rc == 0 && r->fail) {
		cs_failsim_finish(r->fail);
		if (r->rec) {
			const cs_fail_down *down;
			size_t ndown = cs_failsim_down_changes(r->fail, &down);
			cs_recorder_set_down(r->rec, down, ndown);
		}
	}
	if (rc == 0 && r->rec)
		rc = cs_recorder_finish(r->rec, err, errlen);
	if (rc == 0 && r->power)
		rc = cs_power_meter_finish(r->power, err, errlen);
	if (rc == 0 && cs_run_wants_recorder(o) && cs_cluster_nstorage(c))
		rc = cs_storage_compute(&r->storage, c, r->jobs, r->njobs, acc ? &tree : NULL, o->sample_s, err, errlen);
	if (rc == 0 && cs_run_batsim_units(r, &nm) < 0)
		goto oom;
	if (rc == 0 && acc && cs_grants_compute(&tree, r->jobs, r->njobs, r->billing, &r->grants) < 0)
		goto oom;
	if (rc == 0 && cs_metrics_compute(r->jobs, r->njobs, r->machine.procs ? r->machine.procs : 1,
					  o->bsld_tau, &r->m) < 0)
		goto oom;
	if (rc == 0) {
		cs_run_node_utilization(r);
		/* a job's size counts GPUs or, for a CPU-only job, cores: the
		 * pooled formula would mix the two; on a node model the
		 * utilization reported is the GPUs' (the cores' on a machine
		 * without GPUs) */
		r->m.utilization = r->machine.gpus ? r->gpu_utilization : r->core_utilization;
	}
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
	rc = -CS_ENOMEM;
out:
	for (size_t i = 0; i < CS_MAX_PARAMS; i++)
		free(resv_nodes[i]);
	free(rec_of);
	cs_account_tree_free(&tree);
	cs_partsets_free(&sets);
	cs_power_cap_free(pcap);
	env->partsets = NULL;
	free(pnames);
	free(fc.slots);
	cs_alloc_free(fc.empty);
	cs_alloc_free(A);
	cs_nodemodel_free(&nm);
	/* the names stay with the result, for the outputs; jobs' partitions
	 * are the cluster's */
	cs_names_free(&t->partitions);
	for (int i = 0; c && i < cs_cluster_npartitions(c); i++) {
		const char *pn = cs_cluster_partition_at(c, i)->name;
		if (cs_names_intern(&t->partitions, pn, strlen(pn)) < 0 && rc == 0) {
			snprintf(err, errlen, "out of memory");
			rc = -CS_ENOMEM;
		}
	}
	r->epoch = cs_run_calendar(t->epoch);
	*tp = *t;
	free(tp->jobs);
	tp->jobs = NULL;
	tp->n = tp->cap = 0;
	cs_cluster_free(c);
	return rc;
}
