/* capsim: a live run's engine runs (live_run.h): one over the submissions
 * as they stand, its wrapper policy, the replay of what happened, and an
 * external scheduler's decisions. */
#include "capsim/report.h"
#include "engine_int.h"
#include "live_int.h"
#include "live_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int pinned(const cs_live *L, uint32_t in)
{
	return L->pin_first && in < L->nin && L->pin_first[in + 1] > L->pin_first[in];
}

/* --- the wrapper policy: what a pass of a live run does --- */

static void live_submit(void *state, uint32_t jid)
{
	struct lrun *R = state;
	const cs_live *L = R->L;
	uint32_t in = R->in_of[jid];
	if (in != UINT32_MAX && pinned(L, in))
		R->pinq[R->npinq++] = jid;
	else if (!L->o.external)
		L->ops->submit(R->ips, jid);
}

/* A twin's running jobs start where they run, before anything else. A
 * snapshot whose jobs do not fit together (a node listed past its size)
 * leaves the rest to the policy. */
static void start_pinned(struct lrun *R, cs_sched_ctx *c)
{
	const cs_live *L = R->L;
	char why[CS_ERRLEN];
	for (size_t i = 0; i < R->npinq; i++) {
		uint32_t jid = R->pinq[i], in = R->in_of[jid];
		size_t a = L->pin_first[in], b = L->pin_first[in + 1];
		if (cs_live_ctx_start_on(c, jid, L->pin_nodes + a, (uint32_t)(b - a), CS_START_HEAD, why, sizeof why) < 0 &&
		    !L->o.external)
			L->ops->submit(R->ips, jid);
	}
	R->npinq = 0;
}

static int apply(struct lrun *R, cs_sched_ctx *c, const struct live_dec *d, const uint32_t *nodes, char *why,
		 size_t len);

static void live_pass(void *state, cs_sched_ctx *c)
{
	struct lrun *R = state;
	cs_live *L = R->L;
	if (R->resuming) {
		R->resuming = 0;
		return;
	}
	R->pass++;
	if (R->npinq)
		start_pinned(R, c);
	if (!L->o.external) {
		L->ops->pass(R->ips, c);
		return;
	}
	if (R->dec_next < L->npass && L->passes[R->dec_next].pass == R->pass) {
		/* a pass the scheduler answered: its decisions again */
		const struct live_pass *p = &L->passes[R->dec_next++];
		char why[CS_ERRLEN];
		for (size_t k = p->first; k < p->first + p->n; k++) {
			const struct live_dec *d = &L->decs[k];
			if (apply(R, c, d, d->nnodes ? L->dec_nodes + d->node_first : NULL, why, sizeof why) < 0)
				R->diverged = 1;
		}
		return;
	}
	if (c->waiting > 0)
		cs_ctx_defer(c);
}

/* An external scheduler's queue is the engine's waiting jobs: nothing to
 * do. A capsim policy has a cancel op: cs_live_cancel and the replay
 * refuse a waiting job's cancellation otherwise. */
static void live_cancel(void *state, uint32_t jid)
{
	struct lrun *R = state;
	const cs_live *L = R->L;
	cs_policy_cancel_fn *f = L->o.external ? NULL : cs_policy_cancel_op(L->ops);
	if (f)
		f(R->ips, jid);
}

static const cs_policy_ops live_ops = {
	.abi = CS_POLICY_ABI,
	.name = "live",
	.summary = "a live run's wrapper: pinned jobs, an external scheduler, or the policy asked for",
	.submit = live_submit,
	.pass = live_pass,
	.cancel = live_cancel,
};

static void live_observe(void *ctx, cs_time now, unsigned what, uint32_t jid)
{
	const struct lrun *R = ctx;
	const cs_live *L = R->L;
	/* (a cancellation was told when it was asked for: cs_live_cancel) */
	if (R->muted || !L->obs_fn || what == CS_OBS_PASS || what == CS_OBS_CANCEL || R->in_of[jid] == UINT32_MAX)
		return;
	L->obs_fn(L->obs_ctx, now, what, L->in[R->in_of[jid]].id);
}

/* --- a run --- */

static const cs_live *sort_live;
static const cs_job *sort_extra;

/* (submit, arrival): index nin is the what-if job, after the inputs */
static cs_time submit_of(uint32_t i)
{
	return i < sort_live->nin ? sort_live->in[i].submit_s : sort_extra->submit_s;
}

static int by_submit(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	cs_time sx = submit_of(x), sy = submit_of(y);
	if (sx != sy)
		return sx < sy ? -1 : 1;
	return (x > y) - (x < y);
}

/* The policy's state over R's jobs (with the accounts tree bound to them). */
static int policy_init(cs_live *L, struct lrun *R, char *err, size_t errlen)
{
	if (L->o.external)
		return 0;
	cs_policy_env env = { .jobs = R->jobs, .njobs = R->n, .nparams = L->o.nparams, .keys = L->o.keys,
			      .vals = L->o.vals, .node_model = 1, .billing = R->billing,
			      .partsets = R->sets.n ? &R->sets : NULL };
	uint64_t units = L->nm.total_gpus ? L->nm.total_gpus : L->nm.total_cores;
	env.total_procs = units > UINT32_MAX ? UINT32_MAX : (uint32_t)units;
	if (L->acc) {
		cs_account_names an = { &L->names.projects, &L->names.users, &L->names.qos, L->pnames, L->gm.ncluster };
		cs_account_stats st;
		int rc = cs_accounts_bind(L->acc, R->jobs, R->n, &an, &R->tree, &st, err, errlen);
		if (rc < 0)
			return rc;
		if (R->tree.limits && strcmp(L->ops->name, "multifactor") != 0) {
			snprintf(err, errlen, "%s:%d: association limits are enforced by policy multifactor only; policy %s "
				 "would ignore them", L->o.accounts, R->tree.limits_line, L->ops->name);
			return -CS_EINVAL;
		}
		env.accounts = &R->tree;
	}
	int rc = L->ops->init(&R->ips, &env, err, errlen);
	if (rc == -CS_ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
}

/* R's job table: the inputs not dropped (and the what-if job), in
 * (submit, arrival) order, with their placements' room and billing. */
static int lay_out(cs_live *L, struct lrun *R, const cs_job *extra)
{
	size_t n = 0;
	for (size_t i = 0; i < L->nin; i++)
		n += !(L->inflag[i] & IN_DROPPED);
	n += extra != NULL;
	uint32_t *order = malloc((n + 1) * sizeof *order);
	R->jobs = malloc((n + 1) * sizeof *R->jobs);
	R->in_of = malloc((n + 1) * sizeof *R->in_of);
	R->jid_of = malloc((L->nin + 1) * sizeof *R->jid_of);
	R->off = malloc((n + 1) * sizeof *R->off);
	if (!order || !R->jobs || !R->in_of || !R->jid_of || !R->off) {
		free(order);
		return -CS_ENOMEM;
	}
	size_t k = 0;
	for (uint32_t i = 0; i < L->nin; i++) {
		R->jid_of[i] = UINT32_MAX;
		if (!(L->inflag[i] & IN_DROPPED))
			order[k++] = i;
	}
	if (extra)
		order[k++] = (uint32_t)L->nin;
	sort_live = L;
	sort_extra = extra;
	qsort(order, n, sizeof *order, by_submit);
	R->n = n;
	R->off[0] = 0;
	for (uint32_t jid = 0; jid < n; jid++) {
		uint32_t i = order[jid];
		R->jobs[jid] = i < L->nin ? L->in[i] : *extra;
		R->in_of[jid] = i < L->nin ? i : UINT32_MAX;
		if (i < L->nin)
			R->jid_of[i] = jid;
		else
			R->extra_jid = jid;
		R->off[jid + 1] = R->off[jid] + R->jobs[jid].nodes;
	}
	free(order);
	R->slots = malloc((R->off[n] + 1) * sizeof *R->slots);
	R->pinq = malloc((n + 1) * sizeof *R->pinq);
	if (!R->slots || !R->pinq)
		return -CS_ENOMEM;
	if (!cs_cluster_has_billing(L->c))
		return 0;
	if (!(R->billing = malloc((n + 1) * sizeof *R->billing)))
		return -CS_ENOMEM;
	for (size_t j = 0; j < n; j++) {
		const cs_job *x = &R->jobs[j];
		int p = cs_gpumap_billing_partition(L->c, &L->gm, &R->sets, x);
		R->billing[j] = cs_cluster_billing_rate(L->c, p, x->nodes, x->gpus_per_node, x->cores_per_node,
							x->mem_per_node_mib, x->size);
	}
	return 0;
}

int cs_lrun_open(cs_live *L, const cs_job *extra, struct lrun **out, char *err, size_t errlen)
{
	*out = NULL;
	struct lrun *R = calloc(1, sizeof *R);
	if (!R) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	R->L = L;
	R->nin = L->nin;
	R->extra_jid = UINT32_MAX;
	R->muted = extra != NULL;
	int rc = cs_partsets_copy(&R->sets, &L->sets);
	if (rc == 0)
		rc = lay_out(L, R, extra);
	if (rc == 0)
		rc = cs_alloc_new(&R->A, &L->nm.layout, L->o.fit, err, errlen);
	if (rc == 0)
		rc = policy_init(L, R, err, errlen);
	if (rc == 0) {
		R->m = cs_nodemodel_machine(&L->nm, R->A);
		R->m.npartitions = L->gm.npartitions;
		R->m.part_first = L->gm.part_first;
		R->m.part_types = L->gm.part_types;
		R->m.billing = R->billing;
		R->m.bill_cluster = L->c;
		R->m.placements = R->slots;
		R->m.placement_off = R->off;
		R->m.sets = R->sets.n ? &R->sets : NULL;
		R->obs = (cs_observer){ R, live_observe };
		R->m.obs = &R->obs;
		rc = cs_engine_open_nodes(&R->E, R->jobs, R->n, &R->m, &L->o.econv, &live_ops, R, &R->st, err, errlen);
	}
	if (rc == -CS_ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc < 0) {
		cs_lrun_free(R);
		return rc;
	}
	*out = R;
	return 0;
}

void cs_lrun_free(struct lrun *R)
{
	if (!R)
		return;
	cs_engine_close(R->E);
	if (R->ips)
		R->L->ops->destroy(R->ips);
	cs_account_tree_free(&R->tree);
	cs_alloc_free(R->A);
	free(R->jobs);
	free(R->in_of);
	free(R->jid_of);
	free(R->off);
	free(R->slots);
	free(R->billing);
	free(R->pinq);
	cs_partsets_free(&R->sets);
	free(R);
}

int cs_lrun_cancellable(const struct lrun *R, uint32_t jid, cs_time t)
{
	if (jid == UINT32_MAX)
		return 0;
	const cs_job *j = &R->jobs[jid];
	return j->start_s >= 0 ? j->end_s > t : cs_live_ctx_waiting(R->E, jid);
}

int cs_lrun_cancel(struct lrun *R, uint32_t jid, cs_time t) { return cs_engine_cancel(R->E, jid, t); }

int cs_lrun_replay(cs_live *L, struct lrun *R, cs_time upto, char *err, size_t errlen)
{
	int muted = R->muted, rc = 0;
	R->muted = 1;
	for (size_t k = 0; k < L->ncancel && rc == 0 && L->cancels[k].t <= upto; k++) {
		const struct live_cancel *x = &L->cancels[k];
		rc = cs_engine_advance(R->E, x->t);
		uint32_t jid = R->jid_of[x->in];
		if (rc != 0)
			break;
		if (!cs_lrun_cancellable(R, jid, x->t)) {
			R->diverged = 1;
			continue;
		}
		if (!L->o.external && R->jobs[jid].start_s < 0 && !cs_policy_cancel_op(L->ops)) {
			R->muted = muted;
			return cs_live_no_cancel(L, L->in[x->in].id, err, errlen);
		}
		rc = cs_lrun_cancel(R, jid, x->t);
	}
	if (rc == 0)
		rc = cs_engine_advance(R->E, upto);
	R->muted = muted;
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	if (R->diverged) {
		snprintf(err, errlen, "state: the logged cancellations and decisions no longer apply to the run made "
			 "again (a policy that does not replay its past)");
		return -CS_EINVAL;
	}
	return rc;
}

int cs_lrun_same_past(const cs_live *L, const struct lrun *old, const struct lrun *R, char *err, size_t errlen)
{
	for (size_t in = 0; in < old->nin; in++) {
		uint32_t jo = old->jid_of[in], jn = R->jid_of[in];
		if (jo == UINT32_MAX || old->jobs[jo].submit_s >= L->now)
			continue; /* not submitted yet: free to go elsewhere */
		const cs_job *a = &old->jobs[jo], *b = jn == UINT32_MAX ? NULL : &R->jobs[jn];
		const uint32_t gone = CS_JOB_REJECTED | CS_JOB_CANCELLED;
		int same = b && a->start_s == b->start_s && (a->flags & gone) == (b->flags & gone);
		if (same && a->start_s >= 0) {
			same = a->end_s == b->end_s;
			const cs_slot *x = old->slots + old->off[jo], *y = R->slots + R->off[jn];
			for (uint32_t k = 0; same && k < a->nodes; k++)
				same = cs_slot_same(&x[k], &y[k]);
		}
		if (!same) {
			snprintf(err, errlen, "state: job %lld started at %lld before the latest submissions and at %lld "
				 "once they were added: policy %s does not keep the past when jobs arrive (the run "
				 "goes on as the batch run of every job submitted would)", (long long)a->id,
				 (long long)a->start_s, b ? (long long)b->start_s : -1LL, cs_live_policy_name(L));
			return -CS_EINVAL;
		}
	}
	return 0;
}

/* --- an external scheduler's decisions --- */

static int apply(struct lrun *R, cs_sched_ctx *c, const struct live_dec *d, const uint32_t *nodes, char *why,
		 size_t len)
{
	uint32_t jid = R->jid_of[d->in];
	if (jid == UINT32_MAX || !cs_live_ctx_waiting(c, jid)) {
		snprintf(why, len, "job: job %lld is not waiting", (long long)R->L->in[d->in].id);
		return -CS_EINVAL;
	}
	int rc = 0;
	switch (d->verb) {
	case CS_LIVE_START:
		if (nodes)
			return cs_live_ctx_start_on(c, jid, nodes, d->nnodes, d->how, why, len);
		rc = cs_ctx_start(c, jid, d->how);
		if (rc == -CS_ENOFIT)
			snprintf(why, len, "start: job %lld does not fit now", (long long)R->jobs[jid].id);
		else if (rc < 0)
			snprintf(why, len, "start: job %lld cannot start", (long long)R->jobs[jid].id);
		return rc;
	case CS_LIVE_REJECT:
		cs_ctx_reject(c, jid, R->jobs[jid].reason);
		return 0;
	case CS_LIVE_RESERVE:
		if (d->time < cs_ctx_now(c)) {
			snprintf(why, len, "time: %lld is before the pass's time %lld", (long long)d->time,
				 (long long)cs_ctx_now(c));
			return -CS_EINVAL;
		}
		cs_ctx_reserve(c, jid, d->time);
		return 0;
	default:
		if (d->reason >= CS_WAIT_N) {
			snprintf(why, len, "reason: not one of Slurm's reasons capsim knows");
			return -CS_EINVAL;
		}
		cs_ctx_pending(c, jid, d->reason);
		return 0;
	}
}

/* Room for one more decision (and its nodes) in the log. */
static int log_room(cs_live *L, uint32_t nnodes)
{
	size_t cap = L->capdec;
	if (cs_live_grow((void **)&L->decs, &cap, L->ndec + 1, sizeof *L->decs) < 0)
		return -CS_ENOMEM;
	L->capdec = cap;
	cap = L->capdec_nodes;
	if (cs_live_grow((void **)&L->dec_nodes, &cap, L->ndec_nodes + nnodes + 1, sizeof *L->dec_nodes) < 0)
		return -CS_ENOMEM;
	L->capdec_nodes = cap;
	cap = L->cappass;
	if (cs_live_grow((void **)&L->passes, &cap, L->npass + 1, sizeof *L->passes) < 0)
		return -CS_ENOMEM;
	L->cappass = cap;
	return 0;
}

int cs_live_decide(cs_live *L, const cs_live_decision *d, size_t n, int stop_at_refusal, int done, uint8_t *ok,
		   char (*why)[CS_ERRLEN], char *err, size_t errlen)
{
	if (!L->waiting_pass) {
		snprintf(err, errlen, "op: no pass waits for decisions");
		return -CS_EINVAL;
	}
	struct lrun *R = L->run;
	if (L->npass == 0 || L->passes[L->npass - 1].pass != R->pass) {
		if (log_room(L, 0) < 0)
			goto oom;
		L->passes[L->npass++] = (struct live_pass){ R->pass, L->ndec, 0 };
	}
	int applied = 0, refused = 0;
	for (size_t i = 0; i < n; i++) {
		ok[i] = 0;
		if (refused && stop_at_refusal) {
			snprintf(why[i], CS_ERRLEN, "skipped: an earlier decision was refused");
			continue;
		}
		int64_t in = cs_live_input_of(L, d[i].id);
		if (in < 0) {
			snprintf(why[i], CS_ERRLEN, "job: no job %lld", (long long)d[i].id);
			refused = 1;
			continue;
		}
		if (log_room(L, d[i].nnodes) < 0)
			goto oom;
		struct live_dec x = { .verb = (uint8_t)d[i].verb, .how = (uint8_t)d[i].how, .in = (uint32_t)in,
				      .reason = d[i].reason, .time = d[i].time, .node_first = L->ndec_nodes,
				      .nnodes = d[i].nodes ? d[i].nnodes : 0 };
		if (apply(R, R->E, &x, d[i].nodes, why[i], CS_ERRLEN) < 0) {
			refused = 1;
			continue;
		}
		if (x.nnodes)
			memcpy(L->dec_nodes + L->ndec_nodes, d[i].nodes, x.nnodes * sizeof *d[i].nodes);
		L->ndec_nodes += x.nnodes;
		L->decs[L->ndec++] = x;
		L->passes[L->npass - 1].n++;
		ok[i] = 1;
		applied++;
	}
	if (done) {
		R->resuming = 1;
		R->dec_next = L->npass;
		L->waiting_pass = 0;
		if (cs_loop_resume(R->E) < 0)
			goto oom;
	}
	return applied;
oom:
	snprintf(err, errlen, "out of memory");
	return -CS_ENOMEM;
}
