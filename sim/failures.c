/* capsim: the reliability model of a run (capsim/failures.h): its setup
 * (failure sources, checkpoints, maintenance windows) and its side of the
 * engine (engine_int.h): failures that take GPUs and nodes down and stop
 * the jobs on them, repairs that give them back.
 *
 * What is down is held on the allocator, as a job would hold it, so no
 * placement (a start, a hold, a plan due now, a what-if) can use it; a
 * hold's search and the plans' profile get it back at its repair's end
 * (cs_fail_pieces). */
#include "failures_int.h"
#include "cluster_int.h"

#include <math.h>
#include <string.h>

/* ---- random draws ---------------------------------------------------------- */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Draw k of stream s, uniform in (0, 1]: splitmix64 seeded per stream,
 * so a component's draws do not depend on when others draw, and the
 * workload's generator never sees this stream. */
static double unif(uint64_t seed, uint64_t s, uint64_t k)
{
	uint64_t h = mix64(seed + 0x9e3779b97f4a7c15ULL * (s + 1));
	return (double)((mix64(h + 0x9e3779b97f4a7c15ULL * (k + 1)) >> 11) + 1) * 0x1.0p-53;
}

/* A time from law L on source s's stream: whole seconds, at least 1. */
static cs_time law_draw(const cs_failsim *f, fsrc *s, uint32_t id, const cs_law *L)
{
	double u = unif(f->seed, id, s->draws++), t;
	switch (L->kind) {
	case CS_LAW_FIXED: t = L->mean_s; break;
	case CS_LAW_EXPONENTIAL: t = -L->mean_s * log(u); break;
	case CS_LAW_WEIBULL: t = L->mean_s / tgamma(1 + 1 / L->shape) * pow(-log(u), 1 / L->shape); break;
	default: {
		/* lognormal with this mean: mu = ln(mean) - sigma^2 / 2 (Box-Muller) */
		double v = unif(f->seed, id, s->draws++);
		double z = sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
		t = exp(log(L->mean_s) - L->shape * L->shape / 2 + L->shape * z);
		break;
	}
	}
	if (!(t < (double)CS_TIME_LIMIT))
		return CS_TIME_LIMIT;
	return t < 1.5 ? 1 : (cs_time)llround(t);
}

/* ---- setup ------------------------------------------------------------------- */

static int fail_at(char *err, size_t errlen, const cs_fail_pos *at, const char *key, const char *msg)
{
	snprintf(err, errlen, "%s:%d:%d: %s: %s", at->file, at->line, at->col, key, msg);
	return -CS_EINVAL;
}


/* The processes' components, one source each (and one for a trace). */
static int make_sources(cs_failsim *f, const cs_cluster *c)
{
	const cs_fail_config *cfg = f->cfg;
	uint64_t n = cfg->trace ? 1 : 0;
	f->nst = cfg->trace ? CS_FAIL_NCOMP : (uint32_t)cfg->nprocs;
	f->st = calloc(f->nst + 1, sizeof *f->st);
	if (!f->st)
		return -CS_ENOMEM;
	for (size_t p = 0; p < cfg->nprocs; p++)
		for (uint32_t v = 0; v < f->nnodes; v++)
			if (cs_fail_proc_covers(c, &cfg->procs[p], f->node_type[v]))
				f->st[p].components += cfg->procs[p].comp == CS_FAIL_GPU ? f->type_gpus[f->node_type[v]] : 1;
	for (size_t p = 0; p < cfg->nprocs; p++)
		n += f->st[p].components;
	if (n >= UINT32_MAX)
		return -CS_ENOMEM;
	f->src = malloc((n + 1) * sizeof *f->src);
	if (!f->src)
		return -CS_ENOMEM;
	for (size_t p = 0; p < cfg->nprocs; p++)
		for (uint32_t v = 0; v < f->nnodes; v++) {
			if (!cs_fail_proc_covers(c, &cfg->procs[p], f->node_type[v]))
				continue;
			int gpu = cfg->procs[p].comp == CS_FAIL_GPU;
			for (uint32_t g = 0; g < (gpu ? f->type_gpus[f->node_type[v]] : 1); g++)
				f->src[f->nsrc++] = (fsrc){ (uint32_t)p, v, gpu ? (int32_t)g : -1, 0, f->t0 };
		}
	if (cfg->trace)
		f->src[f->nsrc++] = (fsrc){ UINT32_MAX, 0, -1, 0, f->t0 };
	return 0;
}

/* Failures per second of one node of type t for each component kind. */
static void type_rates(const cs_failsim *f, const cs_cluster *c, uint32_t t, double *gpu, double *node)
{
	*gpu = *node = 0;
	for (size_t p = 0; p < f->cfg->nprocs; p++) {
		const cs_fail_proc *pr = &f->cfg->procs[p];
		if (!cs_fail_proc_covers(c, pr, (int)t))
			continue;
		if (pr->comp == CS_FAIL_GPU)
			*gpu += 1 / pr->ttf.mean_s;
		else
			*node += 1 / pr->ttf.mean_s;
	}
}

/* Job j's failure rate (per second): its nodes' and GPUs', on the node
 * type it may use whose rate is highest. */
static double job_rate(const cs_failsim *f, const cs_fail_setup *s, const cs_job *j)
{
	int32_t set = cs_partset_of(s->sets, j->partition);
	double best = 0;
	for (uint32_t t = 0; t < f->ntypes; t++) {
		int may = j->partition < 0;
		for (uint32_t i = set >= 0 ? s->sets->first[set] : 0; !may && i < (set >= 0 ? s->sets->first[set + 1] : 1);
		     i++) {
			int32_t p = set >= 0 ? s->sets->parts[i] : j->partition;
			for (uint32_t k = s->part_first[p]; k < s->part_first[p + 1]; k++)
				may |= s->part_types[k] < 0 || (uint32_t)s->part_types[k] == t;
		}
		if (!may)
			continue;
		double g, n;
		type_rates(f, s->cluster, t, &g, &n);
		double r = (double)j->nodes * ((double)j->gpus_per_node * g + n);
		best = r > best ? r : best;
	}
	return best;
}

/* Does rule r match job j? */
static int rule_matches(const cs_fail_setup *s, const cs_ckpt_rule *r, const cs_job *j)
{
	if (r->min_gpus && (uint64_t)j->nodes * j->gpus_per_node < r->min_gpus)
		return 0;
	if (r->qos && (j->queue < 0 || strcmp(cs_names_get(&s->names->qos, j->queue), r->qos) != 0))
		return 0;
	if (!r->partition)
		return 1;
	int32_t set = cs_partset_of(s->sets, j->partition);
	for (uint32_t i = set >= 0 ? s->sets->first[set] : 0; i < (set >= 0 ? s->sets->first[set + 1] : 1); i++) {
		int32_t p = set >= 0 ? s->sets->parts[i] : j->partition;
		if (p >= 0 && p < cs_cluster_npartitions(s->cluster) &&
		    strcmp(cs_cluster_partition_at(s->cluster, p)->name, r->partition) == 0)
			return 1;
	}
	return 0;
}

/* x + cost x checkpoints in x, or -1 past CS_TIME_LIMIT. */
static cs_time with_ckpts(cs_time x, cs_time tau, cs_time cost)
{
	cs_time n = cs_fail_nckpt(x, tau), extra;
	if (__builtin_mul_overflow(n, cost, &extra) || extra > CS_TIME_LIMIT - x)
		return -1;
	return x + extra;
}

/* Each job's checkpoints (the first rule that matches it): its run and its
 * estimate grow by their cost. */
static int checkpoints(cs_failsim *f, const cs_fail_setup *s, char *err, size_t errlen)
{
	const cs_fail_config *cfg = f->cfg;
	for (size_t i = 0; i < f->njobs; i++) {
		cs_job *j = &f->jobs[i];
		f->work_left[i] = j->runtime_s;
		size_t r = 0;
		while (r < cfg->nckpt && !rule_matches(s, &cfg->ckpt[r], j))
			r++;
		if (r == cfg->nckpt)
			continue;
		const cs_ckpt_rule *ru = &cfg->ckpt[r];
		cs_time tau = ru->interval_s;
		if (ru->young_daly) {
			/* Young (1974): the interval that loses least, sqrt(2 x cost x MTBF) */
			double rate = job_rate(f, s, j);
			tau = rate > 0 ? (cs_time)llround(sqrt(2.0 * (double)ru->cost_s / rate)) : 0;
			tau = tau > CS_TIME_LIMIT ? CS_TIME_LIMIT : tau < 1 && rate > 0 ? 1 : tau;
		}
		if (tau <= 0)
			continue; /* young_daly on node types no process covers: nothing to fail */
		f->rule_jobs[r]++;
		f->rule_interval[r] += (cs_time)tau; /* a sum here; the mean at the end */
		f->ck_int[i] = tau;
		f->ck_cost[i] = ru->cost_s;
		cs_time run = with_ckpts(j->runtime_s, tau, ru->cost_s), est = with_ckpts(j->estimate_s, tau, ru->cost_s);
		if (run < 0 || est < 0) {
			snprintf(err, errlen, "job %lld (line %u): checkpoints every %lld s at %lld s each (%s:%d) make its run "
				 "longer than 2^40 s", (long long)j->id, j->line, (long long)tau, (long long)ru->cost_s,
				 ru->at.file, ru->at.line);
			return -CS_EINVAL;
		}
		j->runtime_s = run;
		j->estimate_s = est;
	}
	for (size_t r = 0; r < cfg->nckpt; r++)
		if (f->rule_jobs[r])
			f->rule_interval[r] = (cs_time)llround((double)f->rule_interval[r] / (double)f->rule_jobs[r]);
	return 0;
}

/* ---- maintenance windows ------------------------------------------------------- */

typedef struct nodes_acc {
	uint32_t *v;
	uint32_t n, cap;
	int oom;
} nodes_acc;

static void add_node(void *ctx, uint32_t node)
{
	nodes_acc *a = ctx;
	if (a->n == a->cap) {
		uint32_t cap = a->cap ? 2 * a->cap : 64;
		uint32_t *v = realloc(a->v, cap * sizeof *v);
		if (!v) {
			a->oom = 1;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = node;
}

/* Window w's nodes on the run's cluster. */
static int window_nodes(cs_failsim *f, const cs_cluster *c, const cs_maint *w, nodes_acc *a, char *err, size_t errlen)
{
	char msg[CS_ERRLEN];
	if (w->nodes) {
		if (cs_fail_hostlist(c, w->nodes, add_node, a, msg, sizeof msg) < 0)
			return fail_at(err, errlen, &w->at, "maintenance.nodes", msg);
	} else {
		int p = 0;
		while (p < cs_cluster_npartitions(c) && strcmp(cs_cluster_partition_at(c, p)->name, w->partition))
			p++;
		const cs_cluster_partition *pt = cs_cluster_partition_at(c, p);
		for (uint32_t v = 0; pt && v < f->nnodes; v++)
			for (int k = 0; k < pt->nnode_types; k++)
				if ((uint32_t)pt->node_types[k] == f->node_type[v])
					add_node(a, v);
	}
	return a->oom ? -CS_ENOMEM : 0;
}

#define MAINT_MAX_WINDOWS 100000u

/* The windows' starts: from start_s every every_s, while a start is at
 * most until_s (else the last submission), count at most. */
static size_t window_count(const cs_maint *w, cs_time last_submit)
{
	if (!w->every_s)
		return 1;
	cs_time until = w->until_s >= 0 ? w->until_s : last_submit;
	size_t n = until >= w->start_s ? (size_t)((until - w->start_s) / w->every_s) + 1 : 1;
	if (w->count && (size_t)w->count < n)
		n = (size_t)w->count;
	return n;
}

static int maintenance(cs_failsim *f, const cs_cluster *c, char *err, size_t errlen)
{
	const cs_fail_config *cfg = f->cfg;
	cs_time last = f->njobs ? f->jobs[f->njobs - 1].submit_s : 0;
	size_t total = 0;
	for (size_t i = 0; i < cfg->nmaint; i++)
		total += window_count(&cfg->maint[i], last);
	if (total > MAINT_MAX_WINDOWS) {
		snprintf(err, errlen, "%s: maintenance: %zu windows, more than %u: give a longer every_s, a count or "
			 "until_s", cfg->maint[0].at.file, total, MAINT_MAX_WINDOWS);
		return -CS_EINVAL;
	}
	f->nmaint = cfg->nmaint;
	f->maint_nodes = calloc(cfg->nmaint + 1, sizeof *f->maint_nodes);
	f->maint_n = calloc(cfg->nmaint + 1, sizeof *f->maint_n);
	f->resv = malloc((total + 1) * sizeof *f->resv);
	if (!f->maint_nodes || !f->maint_n || !f->resv)
		return -CS_ENOMEM;
	for (size_t i = 0; i < cfg->nmaint; i++) {
		const cs_maint *w = &cfg->maint[i];
		nodes_acc a = { 0 };
		int rc = window_nodes(f, c, w, &a, err, errlen);
		f->maint_nodes[i] = a.v;
		f->maint_n[i] = a.n;
		if (rc < 0)
			return rc;
		size_t n = window_count(w, last);
		for (size_t k = 0; k < n; k++) {
			cs_time s = w->start_s + (cs_time)k * w->every_s;
			f->resv[f->nresv++] = (cs_resv){ .name = w->name, .start = s, .end = s + w->duration_s,
							 .nodes = a.v, .nnodes = a.n, .project = -1 };
		}
	}
	return 0;
}

int cs_failsim_resv(cs_failsim *f, const cs_resv *extra, size_t nextra, const cs_resv **resv, size_t *n)
{
	free(f->all_resv);
	f->all_resv = malloc((nextra + f->nresv + 1) * sizeof *f->all_resv);
	if (!f->all_resv)
		return -CS_ENOMEM;
	if (nextra)
		memcpy(f->all_resv, extra, nextra * sizeof *extra);
	if (f->nresv)
		memcpy(f->all_resv + nextra, f->resv, f->nresv * sizeof *f->resv);
	*resv = f->all_resv;
	*n = nextra + f->nresv;
	return 0;
}

int cs_failsim_new(cs_failsim **out, const cs_fail_setup *s, char *err, size_t errlen)
{
	*out = NULL;
	cs_failsim *f = calloc(1, sizeof *f);
	if (!f)
		goto oom;
	*out = f;
	/* the config's strings are the cluster's: it stays until the model goes */
	f->cluster = (cs_cluster *)s->cluster; /* the reference count is not part of the value */
	atomic_fetch_add(&f->cluster->refs, 1);
	f->cfg = s->cfg;
	f->seed = s->seed_given ? s->seed : s->cfg->seed;
	f->requeue = s->requeue;
	f->jobs = s->jobs;
	f->njobs = s->njobs;
	f->nnodes = s->nnodes;
	f->ntypes = (uint32_t)cs_cluster_nnode_types(s->cluster);
	f->t0 = f->njobs ? f->jobs[0].submit_s : 0;
	f->t_end = f->t0;
	size_t N = f->njobs + 1, V = (size_t)f->nnodes + 1;
	f->node_type = malloc(V * sizeof *f->node_type);
	f->type_gpus = malloc((f->ntypes + 1) * sizeof *f->type_gpus);
	f->node_down = calloc(V, sizeof *f->node_down);
	f->gpu_down = calloc(V * CS_ALLOC_MAX_GPUS, sizeof *f->gpu_down);
	f->held = calloc(V, sizeof *f->held);
	f->downs = malloc(V * sizeof *f->downs);
	f->freed = malloc(V * sizeof *f->freed);
	f->victims = malloc(N * sizeof *f->victims);
	f->stale_n = calloc(N, sizeof *f->stale_n);
	f->ck_int = calloc(N, sizeof *f->ck_int);
	f->ck_cost = calloc(N, sizeof *f->ck_cost);
	f->work_left = calloc(N, sizeof *f->work_left);
	f->lost_s = calloc(N, sizeof *f->lost_s);
	f->ckpt_s = calloc(N, sizeof *f->ckpt_s);
	f->fail_run_s = calloc(N, sizeof *f->fail_run_s);
	f->kills = calloc(N, sizeof *f->kills);
	f->ckpt_n = calloc(N, sizeof *f->ckpt_n);
	f->rule_jobs = calloc(s->cfg->nckpt + 1, sizeof *f->rule_jobs);
	f->rule_interval = calloc(s->cfg->nckpt + 1, sizeof *f->rule_interval);
	if (!f->node_type || !f->type_gpus || !f->node_down || !f->gpu_down || !f->held || !f->downs || !f->freed ||
	    !f->victims || !f->stale_n || !f->ck_int || !f->ck_cost || !f->work_left || !f->lost_s || !f->ckpt_s ||
	    !f->fail_run_s || !f->kills || !f->ckpt_n || !f->rule_jobs || !f->rule_interval)
		goto oom;
	memcpy(f->node_type, s->node_type, f->nnodes * sizeof *f->node_type);
	memcpy(f->type_gpus, s->type_gpus, f->ntypes * sizeof *f->type_gpus);
	for (uint32_t v = 0; v < f->nnodes; v++)
		f->held[v].node = v;
	/* a trace's lines name nodes of the cluster as configured: this run's may have fewer */
	if (s->cfg->nrecs && !(f->rec_node = malloc(s->cfg->nrecs * sizeof *f->rec_node)))
		goto oom;
	for (size_t i = 0; i < s->cfg->nrecs; i++) {
		const cs_fail_rec *r = &s->cfg->recs[i];
		int t = cs_cluster_node_type_find(s->cluster, r->type);
		if (t >= 0)
			f->rec_node[i] = cs_cluster__first_node(s->cluster, t) + r->index;
		if (t < 0 || r->index >= (uint32_t)cs_cluster_node_type_at(s->cluster, t)->count) {
			snprintf(err, errlen, "%s:%u: node: %s-%u is not a node of this run's cluster (%s%s%s)",
				 s->cfg->trace, r->line, r->type, r->index, cs_cluster_name(s->cluster),
				 *cs_cluster_scaled_by(s->cluster) ? " scaled by " : "", cs_cluster_scaled_by(s->cluster));
			return -CS_EINVAL;
		}
	}
	int rc = make_sources(f, s->cluster);
	if (rc == 0)
		rc = checkpoints(f, s, err, errlen);
	if (rc == 0)
		rc = maintenance(f, s->cluster, err, errlen);
	if (rc == -CS_ENOMEM)
		goto oom;
	return rc;
oom:
	snprintf(err, errlen, "out of memory");
	return -CS_ENOMEM;
}

void cs_failsim_free(cs_failsim *f)
{
	if (!f)
		return;
	for (size_t i = 0; f->maint_nodes && i < f->nmaint; i++)
		free(f->maint_nodes[i]);
	void *p[] = { f->node_type, f->type_gpus, f->src, f->st, f->node_down, f->gpu_down, f->held, f->downs,
		      f->log, f->changes, f->pieces, f->stale, f->stale_n, f->victims, f->freed, f->ck_int, f->ck_cost,
		      f->work_left, f->lost_s, f->ckpt_s, f->fail_run_s, f->kills, f->ckpt_n, f->rule_jobs, f->rule_interval,
		      f->resv, f->all_resv, f->maint_nodes, f->maint_n, f->rec_node };
	for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
		free(p[i]);
	cs_cluster_free(f->cluster);
	free(f);
}

/* ---- the engine's side ---------------------------------------------------------- */

/* The next failure of source k after its repair ends at `from`. */
static int push_next(cs_sched_ctx *c, uint32_t k, cs_time from)
{
	cs_failsim *f = c->fs;
	fsrc *s = &f->src[k];
	cs_time t;
	if (s->proc == UINT32_MAX) {
		if (f->next_rec >= f->cfg->nrecs)
			return 0;
		t = f->cfg->recs[f->next_rec].t;
	} else {
		t = from + law_draw(f, s, k, &f->cfg->procs[s->proc].ttf);
	}
	f->pending++;
	return cs_evq_push(&c->evq, t, WAKE_CLASS, EV_FAIL, k);
}

int cs_fail_begin(cs_sched_ctx *c)
{
	for (uint32_t k = 0; k < c->fs->nsrc; k++)
		if (push_next(c, k, c->fs->t0) < 0)
			return -CS_ENOMEM;
	return 0;
}

static void log_down(cs_failsim *f, cs_time t, int32_t delta)
{
	if (!delta)
		return;
	f->down_gpus += delta;
	if (f->nlog && f->log[f->nlog - 1].t == t) {
		f->log[f->nlog - 1].gpus = f->down_gpus;
		return;
	}
	if (grow((void **)&f->log, &f->caplog, f->nlog + 1, sizeof *f->log) < 0)
		return; /* the down hours only: counted as out of memory at the end */
	f->log[f->nlog++] = (fdown){ t, f->down_gpus };
}

/* delta GPUs of node v go out of (> 0) or back into service now: the
 * totals' log, and the node's change for timeseries.csv. */
static void note_down(cs_sched_ctx *c, uint32_t v, int32_t delta)
{
	cs_failsim *f = c->fs;
	if (!delta)
		return;
	log_down(f, c->now, delta);
	if (grow((void **)&f->changes, &f->capchanges, f->nchanges + 1, sizeof *f->changes) < 0) {
		c->failed = -CS_ENOMEM;
		return;
	}
	f->changes[f->nchanges++] = (cs_fail_down){ c->now, v, delta };
}

/* Take part (free now) of node v for the model. */
static void hold(cs_sched_ctx *c, cs_slot *part)
{
	cs_failsim *f = c->fs;
	if (!part->gpu_mask && !part->cores && !part->mem_mib)
		return;
	cs_placement p = { part, 1, 1 };
	cs_alloc_take(c->A, &p); /* cannot fail: free now */
	cs_place_node_changed(c, part->node, 0);
	cs_slot *h = &f->held[part->node];
	if (!h->gpu_mask && !h->cores && !h->mem_mib)
		f->downs[f->ndowns++] = part->node;
	cs_slot_add(h, part);
	note_down(c, part->node, (int32_t)cs_slot_gpus(part));
}

/* Does job jid hold anything on node v (any GPU of mask, or anything if mask is 0)? */
static int on_node(const cs_sched_ctx *c, uint32_t jid, uint32_t v, uint16_t mask)
{
	const cs_slot *s = c->slots + c->off[jid];
	for (uint32_t i = 0; i < c->jobs[jid].nodes; i++)
		if (s[i].node == v && (!mask || (s[i].gpu_mask & mask)))
			return 1;
	return 0;
}

/* Job jid stops: what its run kept (the work up to its last checkpoint)
 * and lost; requeued to resume from that checkpoint, or ended NODE_FAIL. */
static void stop_job(cs_sched_ctx *c, uint32_t jid)
{
	cs_failsim *f = c->fs;
	cs_job *j = &c->jobs[jid];
	cs_time e = c->now - j->start_s, tau = f->ck_int[jid], C = f->ck_cost[jid], R = f->work_left[jid];
	cs_time k = tau > 0 ? e / (tau + C) : 0, most = cs_fail_nckpt(R, tau);
	k = k < most ? k : most;
	f->ckpt_s[jid] += k * C;
	f->ckpt_n[jid] += (uint32_t)k;
	f->lost_s[jid] += e - k * (tau + C);
	f->kills[jid]++;
	if (!f->requeue) {
		cs_ctx_stop_run(c, jid, 0, CS_JOB_NODE_FAIL, CS_OBS_END);
		return;
	}
	/* its END event is still queued: consumed when it pops (the next run
	 * may end at the same time) */
	if (grow((void **)&f->stale, &f->capstale, f->nstale + 1, sizeof *f->stale) < 0) {
		c->failed = -CS_ENOMEM;
		return;
	}
	f->stale[f->nstale++] = (struct fstale){ j->end_s, jid };
	f->stale_n[jid]++;
	f->fail_run_s[jid] += e;
	cs_ctx_stop_run(c, jid, 1, 0, CS_OBS_PREEMPT);
	f->work_left[jid] = R - k * tau;
	j->runtime_s = R - k * tau + C * cs_fail_nckpt(R - k * tau, tau);
}

/* Stop the running jobs on node v (on the GPUs of mask; 0: all): how many. */
static uint32_t stop_on(cs_sched_ctx *c, uint32_t v, uint16_t mask)
{
	cs_failsim *f = c->fs;
	uint32_t n = 0;
	cs_runset_it w;
	for (const run_ent *re = cs_runset_begin(&w, &c->run); re; re = cs_runset_next(&w))
		if (on_node(c, re->jid, v, mask))
			f->victims[n++] = re->jid;
	for (uint32_t i = 0; i < n; i++)
		stop_job(c, f->victims[i]);
	return n;
}

/* The down state changes: the plans' profile follows (remove, change, add). */
static void change_begin(cs_sched_ctx *c)
{
	if (c->pl)
		cs_plan_down(c, 0);
}

static void change_end(cs_sched_ctx *c)
{
	c->fs->dirty = 1;
	if (c->pl)
		cs_plan_down(c, 1);
}

/* A failure of comp on node v (GPU g), repaired after d: 1 if jobs stopped. */
static int apply(cs_sched_ctx *c, cs_fail_comp comp, uint32_t v, int g, cs_time d)
{
	cs_failsim *f = c->fs;
	cs_time until = c->now + d;
	uint32_t stopped = 0;
	change_begin(c);
	if (comp != CS_FAIL_GPU) {
		stopped = stop_on(c, v, 0);
		cs_slot rest;
		cs_alloc_node_free(c->A, v, &rest);
		hold(c, &rest);
		f->node_down[v] = f->node_down[v] > until ? f->node_down[v] : until;
	} else {
		cs_time *gd = &f->gpu_down[(size_t)v * CS_ALLOC_MAX_GPUS + (uint32_t)g];
		*gd = *gd > until ? *gd : until;
		uint16_t bit = (uint16_t)(1u << g);
		if (!(f->held[v].gpu_mask & bit)) {
			stopped = stop_on(c, v, bit);
			cs_slot one = { .node = v, .gpu_mask = bit };
			hold(c, &one);
		}
	}
	f->pending++;
	if (cs_evq_push(&c->evq, until, WAKE_CLASS, EV_REPAIR, v) < 0)
		c->failed = -CS_ENOMEM;
	change_end(c);
	cs_plan_broken(c);
	cs_place_node_changed(c, v, 0); /* less free there, and a later repair: kept holds go */
	return stopped > 0;
}

/* Give back what is repaired by now, on every node holding something. */
static int repair(cs_sched_ctx *c)
{
	cs_failsim *f = c->fs;
	uint32_t nf = 0, k = 0;
	change_begin(c);
	for (uint32_t i = 0; i < f->ndowns; i++) {
		uint32_t v = f->downs[i];
		cs_slot *h = &f->held[v];
		if (f->node_down[v] > c->now) {
			f->downs[k++] = v;
			continue;
		}
		uint16_t keep = 0;
		for (unsigned g = 0; g < CS_ALLOC_MAX_GPUS; g++)
			if ((h->gpu_mask >> g & 1) && f->gpu_down[(size_t)v * CS_ALLOC_MAX_GPUS + g] > c->now)
				keep |= (uint16_t)(1u << g);
		cs_slot back = *h;
		back.gpu_mask &= (uint16_t)~keep;
		if (back.gpu_mask || back.cores || back.mem_mib) {
			cs_placement p = { &back, 1, 1 };
			cs_alloc_release(c->A, &p);
			cs_place_node_changed(c, v, 1);
			note_down(c, v, -(int32_t)cs_slot_gpus(&back));
			f->freed[nf++] = v;
		}
		*h = (cs_slot){ .node = v, .gpu_mask = keep };
		if (keep)
			f->downs[k++] = v;
	}
	f->ndowns = k;
	change_end(c);
	if (nf)
		cs_plan_freed(c, NULL, f->freed, nf);
	return nf > 0 && c->waiting > 0;
}

int cs_fail_event(cs_sched_ctx *c, const cs_event *e, int submitted)
{
	cs_failsim *f = c->fs;
	f->pending--;
	if (e->type == EV_REPAIR)
		return repair(c);
	/* Over: every job has been submitted and nothing runs, and either
	 * nothing waits, or what waits never will start: nothing is down and
	 * only failures are left to happen (a policy that starts nothing on
	 * the whole machine; the engine then says so). */
	int over = submitted && !c->run.n &&
		   (!c->waiting || (!f->ndowns && cs_evq_len(&c->evq) == (size_t)f->pending));
	if (over) {
		if (f->src[e->data].proc == UINT32_MAX)
			f->recs_after += f->cfg->nrecs - f->next_rec;
		return 0; /* no more failures: the workload is done */
	}
	fsrc *s = &f->src[e->data];
	cs_fail_comp comp;
	uint32_t v;
	int g;
	cs_time d;
	fstat *st;
	if (s->proc == UINT32_MAX) {
		const cs_fail_rec *r = &f->cfg->recs[f->next_rec];
		comp = r->comp;
		v = f->rec_node[f->next_rec++];
		g = r->gpu;
		d = r->repair_s;
		st = &f->st[comp];
	} else {
		const cs_fail_proc *p = &f->cfg->procs[s->proc];
		comp = p->comp;
		v = s->node;
		g = s->gpu;
		d = law_draw(f, s, e->data, &p->repair);
		st = &f->st[s->proc];
		st->up_s += (double)(c->now - s->up_since);
		s->up_since = c->now + d;
	}
	st->failures++;
	st->repair_s += (double)d;
	int stopped = apply(c, comp, v, g, d);
	if (push_next(c, e->data, c->now + d) < 0)
		c->failed = -CS_ENOMEM;
	return stopped;
}

int cs_fail_stale_end(cs_sched_ctx *c, uint32_t jid, cs_time t)
{
	cs_failsim *f = c->fs;
	if (!f->stale_n[jid])
		return 0;
	for (size_t i = 0; i < f->nstale; i++)
		if (f->stale[i].jid == jid && f->stale[i].t == t) {
			f->stale[i] = f->stale[--f->nstale];
			f->stale_n[jid]--;
			return 1;
		}
	return 0;
}

static int by_piece(const void *a, const void *b)
{
	const struct cs_fail_piece *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->s.node != y->s.node)
		return x->s.node < y->s.node ? -1 : 1;
	return x->s.gpu_mask < y->s.gpu_mask ? -1 : x->s.gpu_mask > y->s.gpu_mask;
}

static void add_piece(cs_failsim *f, cs_time t, const cs_slot *s)
{
	f->pieces[f->npieces++] = (struct cs_fail_piece){ t, *s };
}

size_t cs_fail_pieces(cs_sched_ctx *c, struct cs_fail_piece **out)
{
	cs_failsim *f = c->fs;
	if (f->dirty) {
		/* at most a node-level piece and one per GPU on each node */
		if (grow((void **)&f->pieces, &f->cappieces, (size_t)f->ndowns * (CS_ALLOC_MAX_GPUS + 1) + 1,
			    sizeof *f->pieces) < 0) {
			c->failed = -CS_ENOMEM;
			f->npieces = 0;
		} else {
			f->npieces = 0;
			for (uint32_t i = 0; i < f->ndowns; i++) {
				uint32_t v = f->downs[i];
				const cs_slot *h = &f->held[v];
				const cs_time *gd = &f->gpu_down[(size_t)v * CS_ALLOC_MAX_GPUS];
				cs_time tn = f->node_down[v] > c->now ? f->node_down[v] : 0;
				uint16_t later = 0; /* GPUs still down when the node comes back */
				for (unsigned g = 0; g < CS_ALLOC_MAX_GPUS; g++)
					if ((h->gpu_mask >> g & 1) && gd[g] > tn)
						later |= (uint16_t)(1u << g);
				if (tn) {
					cs_slot rest = *h;
					rest.gpu_mask &= (uint16_t)~later;
					add_piece(f, tn, &rest);
				}
				for (unsigned g = 0; g < CS_ALLOC_MAX_GPUS; g++)
					if (later >> g & 1) {
						cs_slot one = { .node = v, .gpu_mask = (uint16_t)(1u << g) };
						add_piece(f, gd[g], &one);
					}
			}
			qsort(f->pieces, f->npieces, sizeof *f->pieces, by_piece);
		}
		f->dirty = 0;
	}
	*out = f->pieces;
	return f->npieces;
}
