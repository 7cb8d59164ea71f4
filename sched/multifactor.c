/* capsim: multifactor priority with fair-share, and EASY backfilling under
 * it (after Slurm's priority/multifactor plugin).
 *
 * priority = weight_age x age + weight_fairshare x fairshare + weight_size x size
 *            + weight_qos x qos + weight_partition x partition
 *   age       = min(1, waited / max_age)
 *   size      = job processors / machine processors
 *   fairshare = 2^(-U / S), Slurm's classic formula: U is the account's
 *               share of all usage, S its share of all shares; with an
 *               accounts file (cs_policy_env.accounts), Slurm's Fair Tree
 *               over its tree (capsim/fairtree.h), recomputed at most
 *               every calc_period seconds (Slurm's PriorityCalcPeriod)
 *   qos, partition = the job's QoS and partition factors from the
 *               accounts file (priority / the table's largest), 0 without
 * Usage is processor-seconds, decayed with a half-life: at each pass every
 * account's usage is multiplied by 2^(-dt / half_life) and every running job
 * adds its processors times the decayed interval, size x (1 - 2^(-dt/h)) x
 * h / ln 2; with TRESBillingWeights on the cluster's partitions
 * (cs_policy_env.billing) its billing rate replaces size: usage is then
 * billing-seconds, as Slurm's fair-share counts them. Without an accounts file, accounts are the SWF group ids
 * (projects on a node model; the user id where the group is missing), with
 * equal shares unless `shares` says otherwise ("ACCOUNT:WEIGHT,...").
 * With one, usage is kept per user node of the tree, and the per-account
 * limits and budgets count per project (the account node a job's project
 * names). Ties in priority go to the earlier arrival.
 *
 * Each pass works out every waiting job's priority and sorts them from
 * the last pass's order (sched/priosort.c); with a tree, between two
 * computations, the pass reads the order from the last one's
 * certificates instead (queue_certified: each pair of neighbours keeps
 * its order until a time known from its gap, its ages and the rounding
 * bound) and works out only the priorities of the pairs whose certificate
 * ran out and of the jobs submitted since; the charge is worked out once
 * per rate class (sched/rateclass.c), and the jobs that stopped running
 * are the engine's report (cs_ctx_left), not a walk of the running set;
 * Fair Tree is updated along the charged users' paths (sched/fairtree.c);
 * a backfill whose request shape the pass has learnt cannot start is
 * refused without asking the engine, and once its shape is refused for
 * any estimate the walk passes over its later jobs on a mark.
 *
 * Files: this one, the pass (priorities, the queue's order, partitions,
 * backfill); sched/mfinit.c, the parameters, limits, accounts and the
 * state's setup; sched/mfrun.c, the running jobs, their charge and QoS
 * preemption; sched/mf.h, the state they share.
 */
#include "mf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void mf_submit(void *state, uint32_t jid)
{
	mf *p = state;
	if (p->admitted[jid]) /* back after a requeue: waiting again */
		cs_limits_resubmit(&p->lim, jid);
	p->stop_at[jid] = -1;
	if (p->keep_order && !p->fresh[jid]) {
		p->fresh[jid] = 1;
		p->arrived[p->narrived++] = jid;
	}
	cs_fifo_push(&p->q, jid);
	cs_partq_push(&p->pq, jid);
}

/* An admitted job no longer counts against its association's submit
 * limits (MaxSubmitJobs, GrpSubmitJobs), as when Slurm cancels it. */
static void mf_cancel(void *state, uint32_t jid)
{
	mf *p = state;
	cs_fifo_remove(&p->q, jid);
	if (p->admitted[jid])
		cs_limits_drop(&p->lim, jid);
}

/* Slurm's classic fair-share factor of account a, 2^(-U/S), once a pass. */
static double fairshare(mf *p, uint32_t a)
{
	if (p->fs_pass[a] != p->pass) {
		double u = p->usage_total > 0 ? p->usage[a] / p->usage_total : 0;
		p->fs[a] = exp2(-u / p->share[a]);
		p->fs_pass[a] = p->pass;
	}
	return p->fs[a];
}

/* User u's Fair Tree factor in the last computation, read once a
 * computation (here: the pass reads it for every waiting job). */
static inline double tree_factor(mf *p, uint32_t u)
{
	if (p->fs_pass[u] != p->ncalc) {
		p->fs[u] = cs_fairtree_factor(p->ft, u);
		p->fs_pass[u] = p->ncalc;
	}
	return p->fs[u];
}

/* The limit starting jid would break (CS_WAIT_*), or 0 (at once
 * without limits: asked of every waiting job in every pass). */
static inline unsigned over_limit(const mf *p, uint32_t jid)
{
	return p->lim.any ? cs_limits_check(&p->lim, jid) : 0;
}

/* Keep jid waiting for a limit; a budget frees up only when the next
 * period starts, and nothing else may happen before then: ask for a pass
 * at that time. */
static void hold(mf *p, cs_sched_ctx *ctx, uint32_t jid, unsigned lim)
{
	cs_ctx_pending(ctx, jid, lim);
	cs_time next = cs_limits_next_period(&p->lim);
	if (cs_limits_is_budget(lim) && p->woken_for != next) {
		p->woken_for = next;
		cs_ctx_wakeup(ctx, next);
	}
}

/* Every key of p->wkeys[0 .. nw) blocked in this pass? (Not known
 * without any.) */
static int all_blocked(const mf *p, size_t nw)
{
	if (!nw)
		return 0;
	for (size_t k = 0; k < nw; k++)
		if (!p->pq.blocked[p->wkeys[k]])
			return 0;
	return 1;
}

/* Could cs_resv_budget_hold give a job of partition key k (its
 * prio_in's) a hold (as it first checks: its partition's budget not used
 * up; asked for a job of several)? */
static int may_hold(const mf *p, uint32_t k)
{
	return k == UINT32_MAX || p->pq.reserved[k] < p->rb.per_part;
}

/* Would backfill refuse jid without a try (fit generation gen)? */
static inline int refused(const mf *p, uint32_t jid, uint32_t gen)
{
	uint32_t s = p->shape ? p->shape[jid] : NO_SHAPE;
	const struct nofit *m = s != NO_SHAPE ? &p->nofit[s] : NULL;
	return m && m->pass == p->pass && m->gen == gen && (m->est_max < 0 || p->pin[jid].estimate > m->est_max);
}

/* What the engine has learnt refuses jid's shape (cs_ctx_nofit_bound),
 * kept as the pass's for the shape: 1 if it refuses jid. */
static int learn(mf *p, cs_sched_ctx *ctx, uint32_t jid, struct nofit *m)
{
	cs_time est;
	if (!cs_ctx_nofit_bound(ctx, jid, &est))
		return 0;
	m->pass = p->pass;
	m->gen = cs_ctx_fit_gen(ctx);
	m->est_max = est;
	return est < 0 || p->pin[jid].estimate > est;
}

/* Does what the engine has learnt refuse jid now (learn(), for a job of
 * one partition)? Then its start would fail with no other effect. */
static int known_nofit(mf *p, cs_sched_ctx *ctx, uint32_t jid)
{
	uint32_t s = p->shape ? p->shape[jid] : NO_SHAPE;
	return s != NO_SHAPE && learn(p, ctx, jid, &p->nofit[s]);
}

/* Start jid as a backfill (may it delay no hold): 0 if it started, -1 if
 * not. The callers ask refused() first: a refusal the pass has learnt for
 * the shape (cs_ctx_nofit_bound, under the same fit generation: its answer
 * is cs_ctx_start's) refuses the job without a try. Else what the engine
 * knows already (as EASY's shape_out asks: a shape that failed in an
 * earlier pass and fits no better since) refuses it before a try, and a
 * refused try teaches the pass its shape's bound. */
static int backfill(mf *p, cs_sched_ctx *ctx, uint32_t jid)
{
	uint32_t s = p->shape ? p->shape[jid] : NO_SHAPE;
	struct nofit *m = s != NO_SHAPE ? &p->nofit[s] : NULL;
	if (known_nofit(p, ctx, jid))
		return -1;
	if (mfrun_start(p, ctx, jid, CS_START_BACKFILL) == 0)
		return 0;
	if (m)
		learn(p, ctx, jid, m);
	return -1;
}

/* (tests: the walk's marks off, and how many it made) */
static _Thread_local int walk_marks = 1;
static _Thread_local uint64_t walk_marked;
void mf_walk_marks(int on) { walk_marks = on; }
uint64_t mf_walk_marked(void) { return walk_marked; }

/* backfill_walk's visit of e (a job not passed over on a mark): 1 if it
 * started. (Inlined: a call for each visit costs about 5 % of a backlog's
 * passes.) */
static inline __attribute__((always_inline)) int walk_visit(mf *p, cs_sched_ctx *ctx, const cs_ranked *e, uint32_t *gen,
							    uint64_t *walk)
{
	uint32_t jid = e->jid;
	uint32_t s = p->shape ? p->shape[jid] : NO_SHAPE;
	int no = refused(p, jid, *gen);
	if (no && !may_hold(p, e->aux)) {
		if (p->nofit[s].est_max < 0 && walk_marks) {
			p->dead[s + 1] = *walk;
			walk_marked++;
		}
		return 0;
	}
	if (cs_resv_budget_holds(&p->rb, jid) || over_limit(p, jid))
		return 0;
	int started = !no && backfill(p, ctx, jid) == 0;
	if (!started && may_hold(p, e->aux))
		cs_resv_budget_hold(&p->rb, &p->pq, ctx, jid);
	if (cs_ctx_fit_gen(ctx) != *gen) {
		*gen = cs_ctx_fit_gen(ctx);
		*walk = ++p->dead_walk;
	}
	return started;
}

/* pass_partitions' backfill steps over the jobs of p->order[0 .. n)
 * not started in its first loop: each may start if it delays no hold,
 * or hold if the budget allows. A job refused() without a try that
 * could not hold either is passed over before the checks, which change
 * nothing. While the fit generation stands, a shape refused for any
 * estimate (est_max < 0) whose job could not hold has every later job
 * passed over too (its refusal is learnt only from its own jobs, and its
 * partition's reservations only grow in a pass): it is marked dead for
 * the rest of the walk, which then passes over its jobs on the mark
 * alone (a new generation starts a new walk: no shape dead). */
static void backfill_walk(mf *p, cs_sched_ctx *ctx, size_t n)
{
	uint32_t gen = cs_ctx_fit_gen(ctx);
	uint64_t walk = ++p->dead_walk;
	const uint64_t *dead = p->dead;
	const uint32_t *shape = p->shape;
	cs_ranked *o = p->order;
	cs_time *until = p->until;
	if (!shape || !until) {
		for (size_t i = 0; i < n; i++)
			if (o[i].jid != UINT32_MAX && !(shape && dead[shape[o[i].jid] + 1] == walk))
				walk_visit(p, ctx, &o[i], &gen, &walk);
		return;
	}
	/* With a kept order, the places of the jobs started (in the walk or
	 * before it) are listed for queue_certified's packing. */
	uint32_t *gaps = p->gaps;
	size_t ng = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t jid = o[i].jid;
		/* (NO_SHAPE's mark is dead[0], never made) */
		if (jid == UINT32_MAX || (dead[shape[jid] + 1] != walk && walk_visit(p, ctx, &o[i], &gen, &walk))) {
			o[i].jid = UINT32_MAX;
			gaps[ng++] = (uint32_t)i;
		}
	}
	p->ngaps = ng;
	p->nkept = n;
	p->walked = 1;
}

/* Per partition, over the n jobs of p->order (priority order): first the
 * jobs of the partitions not yet blocked, each partition's first that
 * cannot start (after preempting, if its QoS may) blocking it and holding
 * its reservation; then every other job may start if it delays no hold,
 * with more reservations as the budget allows (docs/policies.md#partitions).
 * A job submitted to several partitions is a candidate in those not yet
 * blocked: it starts in the first where it fits, or blocks them all. */
static void pass_partitions(mf *p, cs_sched_ctx *ctx, size_t n)
{
	cs_partq *pq = &p->pq;
	cs_partq_pass(pq);
	cs_resv_budget_pass(&p->rb);
	/* once every key with a waiting job is blocked, no later job has a
	 * partition open: the first loop is over */
	size_t nw = 0;
	for (uint32_t k = 0; k < pq->nkeys; k++)
		if (cs_partq_head(pq, &p->q, k) >= 0)
			p->wkeys[nw++] = k;
	int done = all_blocked(p, nw); /* (only a block below changes it) */
	for (size_t i = 0; i < n && !done; i++) {
		uint32_t jid = p->order[i].jid, key = p->order[i].aux;
		/* (a job of one partition: its key's bit, cs_partq_open's) */
		uint64_t open = key != UINT32_MAX ? !pq->blocked[key] : cs_partq_open(pq, jid);
		if (!open)
			continue;
		unsigned lim = over_limit(p, jid);
		if (lim) { /* its account reached a limit in this pass */
			hold(p, ctx, jid, lim);
			p->order[i].jid = UINT32_MAX;
			continue;
		}
		if ((!known_nofit(p, ctx, jid) && mfrun_start_in(p, ctx, jid, open, CS_START_HEAD) == 0) ||
		    (p->preempt_mode && mfrun_preempt_for(p, ctx, jid) == 0)) {
			p->order[i].jid = UINT32_MAX;
			continue;
		}
		cs_ctx_pending(ctx, jid, CS_WAIT_RESOURCES);
		cs_partq_block(pq, jid, open);
		cs_resv_budget_hold(&p->rb, pq, ctx, jid);
		done = all_blocked(p, nw);
	}
	backfill_walk(p, ctx, n);
}

/* With a tree, job k's fair-share term (w_fs x its user's factor) is
 * kept for the computation (the same product): brought up to date. */
static inline void fs_term(mf *p, struct prio_in *x)
{
	if (x->calc != p->ncalc) {
		x->wfs = p->w_fs * tree_factor(p, x->fs_acct);
		x->calc = p->ncalc;
	}
}

/* Job k's priority now. */
static inline double priority(mf *p, uint32_t k, cs_time now)
{
	struct prio_in *x = &p->pin[k];
	if (!p->tree)
		return prio_sum(p->w_age, p->max_age, now, x, p->w_fs * fairshare(p, x->fs_acct), 0);
	fs_term(p, x);
	return prio_sum(p->w_age, p->max_age, now, x, x->wfs, 1);
}

/* Waiting job k, first seen in this pass, through the submit limits
 * (which count the association's running and admitted waiting jobs; a
 * job larger than a limit or a whole period's budget on its own could
 * never run): 0 if admitted, -1 if rejected. */
static int admit(mf *p, cs_sched_ctx *ctx, uint32_t k)
{
	unsigned why = cs_limits_admit(&p->lim, k);
	if (why) {
		cs_ctx_reject(ctx, k, why);
		cs_fifo_remove(&p->q, k);
		return -1;
	}
	p->admitted[k] = 1;
	return 0;
}

/* The queue into p->order in priority order, walked in arrival order:
 * the jobs first seen are admitted, those held by a limit neither run
 * nor block others (or are rejected when over budget). Its length. */
static size_t queue_walk(mf *p, cs_sched_ctx *ctx, cs_time now)
{
	size_t n = 0;
	for (long kk = cs_fifo_head(&p->q); kk >= 0; kk = cs_fifo_next(&p->q, (uint32_t)kk + 1)) {
		uint32_t k = (uint32_t)kk;
		if (!p->admitted[k] && admit(p, ctx, k) < 0)
			continue;
		unsigned lim = over_limit(p, k);
		if (lim && p->reject_over_budget && cs_limits_is_budget(lim)) {
			cs_ctx_reject(ctx, k, lim);
			cs_fifo_remove(&p->q, k);
			cs_limits_drop(&p->lim, k);
			continue;
		}
		if (lim) {
			hold(p, ctx, k, lim);
			continue;
		}
		p->order[n++] = (cs_ranked){ priority(p, k, now), k, p->pin[k].key };
	}
	cs_prio_sort_hinted(&p->hint, p->order, p->order2, n);
	return n;
}

/* The jobs submitted since the last pass are seen. */
static void drop_arrived(mf *p)
{
	for (size_t i = 0; i < p->narrived; i++)
		p->fresh[p->arrived[i]] = 0;
	p->narrived = 0;
}

/* queue_walk's order without limits (no holds; admission rejects none,
 * still asked in arrival order), from the last pass's: its jobs still
 * waiting in its order, then the jobs submitted since in jid order (a
 * job requeued since comes back among them), sorted from there. Its
 * length. */
static size_t queue_kept(mf *p, cs_sched_ctx *ctx, cs_time now)
{
	size_t n = 0;
	/* (priority()'s expression, its operands read once) */
	cs_ranked *o = p->order;
	struct prio_in *pin = p->pin;
	const uint8_t *fresh = p->fresh;
	const double w_age = p->w_age, w_fs = p->w_fs, max_age = p->max_age;
	const int tree = p->tree != NULL;
	/* with a tree, every job of the order has its fair-share term as of
	 * the computation its priority was worked out in: after a new one,
	 * the kept jobs' are brought up to date first (the loop below then
	 * calls nothing) */
	if (tree && p->kept_calc != p->ncalc) {
		for (size_t i = 0, nk = p->nkept; i < nk; i++) {
			uint32_t k = o[i].jid;
			if (k != UINT32_MAX && !fresh[k] && cs_fifo_has(&p->q, k))
				fs_term(p, &pin[k]);
		}
		p->kept_calc = p->ncalc;
	}
	for (size_t i = 0, nk = p->nkept; i < nk; i++) {
		uint32_t k = o[i].jid;
		if (k == UINT32_MAX || fresh[k] || !cs_fifo_has(&p->q, k))
			continue;
		const struct prio_in *x = &pin[k];
		/* (priority()'s, fs_term() made above) */
		o[n].prio = prio_sum(w_age, max_age, now, x, tree ? x->wfs : w_fs * fairshare(p, x->fs_acct), tree);
		o[n].jid = k;
		o[n].aux = x->key;
		n++;
	}
	qsort(p->arrived, p->narrived, sizeof *p->arrived, cmp_u32);
	for (size_t i = 0; i < p->narrived; i++) {
		uint32_t k = p->arrived[i];
		if (!cs_fifo_has(&p->q, k) || (!p->admitted[k] && admit(p, ctx, k) < 0))
			continue;
		o[n++] = (cs_ranked){ priority(p, k, now), k, p->pin[k].key };
	}
	drop_arrived(p);
	cs_prio_sort_kept(o, p->order2, n);
	p->nkept = n;
	return n;
}

/* The kept order's certificates (with a tree). Between two Fair Tree
 * computations a job's priority is p(t) = fl(fl(fl(w_age x fl(min(1,
 * (t - submit) / max_age))) + wfs) + size) + extra) and its real value
 * R(t) (the same sum, exact) moves only with its age: w_age / max_age a
 * second until t = submit + max_age, then not at all. The pass's order
 * sorts the p's (ties to the lower jid). Each p is within 5.2 u T of its
 * R (u = 2^-53, T = |w_age| + |wfs| + |size| + |extra|); E = 2^-48 T over
 * every job (cert_e) is more than six times that. A pair a before b
 * (compared at tau) is certified to stay in that order at every time
 * before until[], as of this computation:
 *   - both capped at tau (prio_sum's age test): forever, their p's are
 *     the same bits from then on;
 *   - twins (the same submit, wfs, size and extra): forever, the same
 *     bits at every time, and a has the lower jid;
 *   - g = p_a - p_b > 16E: R_a - R_b > g - 2E/6 at tau, and it shrinks
 *     only while a is capped and b not, at w_age / max_age a second, so
 *     it stays above 2E/6 (p_a > p_b) for (g - 16E) x max_age / w_age
 *     seconds of that (less 2^-20 of it and 2 s for the rounding);
 *   - else: only at tau (until = tau + 1).
 * An order whose neighbours are all in order at t is sorted at t. Across
 * a job that left, the pair takes the sooner of its two certificates
 * (both in order at t: so is the pair). */
static _Thread_local int certs_on = 1, certs_checked;
static _Thread_local uint64_t certs_used, certs_wrong;
void mf_certs(int on) { certs_on = on; }
uint64_t mf_certified(void) { return certs_used; }
void mf_certs_check(int on) { certs_checked = on; }
uint64_t mf_certs_wrong(void) { return certs_wrong; }

enum { CERT_ARRIVALS = 32 }; /* more jobs submitted since: the full sort */

/* Job k's priority now (its fair-share term current: with a tree). */
static inline double prio_now(const mf *p, uint32_t k, cs_time now)
{
	return prio_sum(p->w_age, p->max_age, now, &p->pin[k], p->pin[k].wfs, 1);
}

/* Does a (priority pa) go before b (pb)? (cs_prio_cmp's order) */
static inline int before(uint32_t a, double pa, uint32_t b, double pb)
{
	return pa > pb || (pa == pb && a < b);
}

/* cert_e, worked out once: 2^-48 T (see above), or -1 where it is not
 * finite (no certificates). */
static void cert_bound(mf *p)
{
	double size = 0, extra = 0;
	for (size_t k = 0; k < p->njobs; k++) {
		double s = fabs(p->pin[k].size), e = fabs(p->pin[k].extra);
		size = s > size ? s : size;
		extra = e > extra ? e : extra;
	}
	double t = fabs(p->w_age) + fabs(p->w_fs) + size + extra;
	p->cert_e = isfinite(t) && p->max_age > 0 ? (t > 0 ? ldexp(t, -48) : 0x1p-1000) : -1;
}

/* Is x capped at tau (prio_sum's age test)? */
static inline int capped(const mf *p, const struct prio_in *x, cs_time tau)
{
	return !((double)(tau - x->submit) / p->max_age < 1);
}

/* certify_pair's, x and y a's and b's inputs, ca and cb capped(). */
static cs_time certify_at(const mf *p, cs_time tau, const struct prio_in *x, double pa, int ca, const struct prio_in *y,
			  double pb, int cb)
{
	double g = pa - pb, e16 = 16 * p->cert_e;
	if (ca && cb) /* both capped: their p's stand (the age term is w_age x 1 from now on) */
		return INT64_MAX;
	if (!(g > e16)) {
		if (x->submit == y->submit && x->wfs == y->wfs && x->size == y->size && x->extra == y->extra)
			return INT64_MAX;
		return tau + 1;
	}
	if (p->w_age == 0)
		return INT64_MAX;
	double cap_a = (double)x->submit + p->max_age, cap_b = (double)y->submit + p->max_age;
	double start = cap_a > (double)tau ? cap_a : (double)tau;
	if (start >= cap_b)
		return INT64_MAX;
	double end = start + (g - e16) / p->w_age * p->max_age * (1 - 0x1p-20) - 2;
	if (!(end < 0x1p62))
		return INT64_MAX;
	/* (end >= tau + 1 >= 1: the conversion is floor) */
	return end >= (double)tau + 1 ? (cs_time)end : tau + 1;
}

/* The certificate of a (priority pa) before b (pb), both worked out at
 * tau and in that order: until when the pair keeps it (above). */
static cs_time certify_pair(const mf *p, cs_time tau, uint32_t a, double pa, uint32_t b, double pb)
{
	const struct prio_in *x = &p->pin[a], *y = &p->pin[b];
	return certify_at(p, tau, x, pa, capped(p, x, tau), y, pb, capped(p, y, tau));
}

cs_time mf_certify(mf *p, cs_time tau, uint32_t a, uint32_t b)
{
	if (p->cert_e == 0)
		cert_bound(p);
	return certify_pair(p, tau, a, prio_now(p, a, tau), b, prio_now(p, b, tau));
}

/* certify_pair's, kept in the bound p->min_until (no certificate ends
 * before it). */
static inline cs_time certify(mf *p, cs_time tau, uint32_t a, double pa, uint32_t b, double pb)
{
	cs_time t = certify_pair(p, tau, a, pa, b, pb);
	p->min_until = t < p->min_until ? t : p->min_until;
	return t;
}

/* After queue_kept (every o[].prio worked out now): certify every pair. */
static void certify_all(mf *p, cs_time now, size_t n)
{
	const cs_ranked *o = p->order;
	if (p->cert_e == 0)
		cert_bound(p);
	p->cert_calc = 0;
	if (p->cert_e < 0)
		return;
	const double wfs_max = fabs(p->w_fs);
	cs_time least = INT64_MAX, *until = p->until;
	const struct prio_in *y = n ? &p->pin[o[0].jid] : NULL;
	int cb = n ? capped(p, y, now) : 0;
	for (size_t i = 0; i < n; i++) {
		const struct prio_in *x = y;
		int ca = cb;
		if (fabs(x->wfs) > wfs_max) { /* (a factor above 1: T is not a bound) */
			p->cert_e = -1;
			return;
		}
		if (i + 1 == n)
			break;
		y = &p->pin[o[i + 1].jid];
		cb = capped(p, y, now);
		cs_time t = certify_at(p, now, x, o[i].prio, ca, y, o[i + 1].prio, cb);
		until[i] = t;
		least = t < least ? t : least;
	}
	p->min_until = least;
	p->cert_calc = p->ncalc;
}

/* Pair i - 1, i of o[0 .. n) is not certified now: compare it, and move
 * o[i] up where it goes before o[i - 1]; the pairs made are certified now
 * (those passed over keep theirs: certified now, as fixes go up the
 * order). 1 if o[i] moved: then the pair i, i + 1 (if any) is not known
 * to be in order, and must be fixed next. */
static int fix_pair(mf *p, cs_time now, size_t i)
{
	cs_ranked *o = p->order;
	cs_time *until = p->until;
	uint32_t a = o[i - 1].jid, x = o[i].jid;
	double pa = prio_now(p, a, now), px = prio_now(p, x, now);
	if (before(a, pa, x, px)) {
		until[i - 1] = certify(p, now, a, pa, x, px);
		return 0;
	}
	cs_ranked xe = o[i];
	size_t k = i - 1;
	double pk = pa; /* o[k]'s, x goes before it */
	while (k > 0) {
		double pb = prio_now(p, o[k - 1].jid, now);
		if (before(o[k - 1].jid, pb, x, px)) {
			until[k - 1] = certify(p, now, o[k - 1].jid, pb, x, px);
			break;
		}
		pk = pb;
		k--;
	}
	memmove(&o[k + 1], &o[k], (i - k) * sizeof *o);
	if (i - 1 > k)
		memmove(&until[k + 1], &until[k], (i - 1 - k) * sizeof *until);
	o[k] = xe;
	until[k] = certify(p, now, x, px, o[k + 1].jid, pk);
	return 1; /* (o[i] is the old o[i - 1], next to o[i + 1] for the first time) */
}

/* Put the k waiting jobs of add[] (priorities now) into o[0 .. n),
 * sorted now: add[] sorted, each place found by a binary search in o (at
 * or after the last one's), then the blocks between moved once, from the
 * end; the pairs made are certified. The new length. */
static size_t insert_now(mf *p, cs_time now, cs_ranked *add, size_t k, size_t n)
{
	cs_ranked *o = p->order;
	cs_time *until = p->until;
	if (!k)
		return n;
	qsort(add, k, sizeof *add, cs_prio_cmp);
	uint32_t *at = p->fixes; /* (scratch: done with) */
	for (size_t j = 0, lo = 0; j < k; j++) {
		size_t hi = n; /* the first place add[j] goes before */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (before(o[mid].jid, prio_now(p, o[mid].jid, now), add[j].jid, add[j].prio))
				lo = mid + 1;
			else
				hi = mid;
		}
		at[j] = (uint32_t)lo;
	}
	size_t end = n; /* o[at[j] .. end) moves up by j + 1 */
	for (size_t j = k; j-- > 0;) {
		memmove(&o[at[j] + j + 1], &o[at[j]], (end - at[j]) * sizeof *o);
		memmove(&until[at[j] + j + 1], &until[at[j]], (end - at[j]) * sizeof *until);
		o[at[j] + j] = add[j];
		end = at[j];
	}
	n += k;
	for (size_t j = 0; j < k; j++) {
		size_t q = at[j] + j;
		if (q > 0)
			until[q - 1] = certify(p, now, o[q - 1].jid, prio_now(p, o[q - 1].jid, now), o[q].jid, add[j].prio);
		if (q + 1 < n)
			until[q] = certify(p, now, o[q].jid, add[j].prio, o[q + 1].jid, prio_now(p, o[q + 1].jid, now));
	}
	return n;
}

/* After a new computation, o[0 .. n) (the kept jobs, each certified with
 * its fair-share term as it was): every job's term brought up to date,
 * and those whose term moved taken out into p->moved (a pair across one
 * takes the sooner certificate; the others' stand, their inputs being
 * the same). The jobs left; a factor above 1 (T is not a bound) turns
 * the certificates off (cert_e < 0). */
static size_t refresh_terms(mf *p, size_t n, size_t *nmoved)
{
	cs_ranked *o = p->order;
	cs_time *until = p->until, acc = INT64_MAX;
	const double wfs_max = fabs(p->w_fs);
	size_t m = 0;
	*nmoved = 0;
	for (size_t i = 0; i < n; i++) {
		struct prio_in *x = &p->pin[o[i].jid];
		double was = x->wfs;
		fs_term(p, x);
		if (x->wfs == was) {
			if (m != i) {
				if (m)
					until[m - 1] = acc;
				o[m] = o[i];
				acc = until[i];
			}
			m++;
			continue;
		}
		if (fabs(x->wfs) > wfs_max)
			p->cert_e = -1;
		p->moved[(*nmoved)++] = o[i].jid;
		if (m == i)
			acc = m ? until[i - 1] : INT64_MAX;
		acc = until[i] < acc ? until[i] : acc;
	}
	return m;
}

/* queue_kept's order from the certificates (few jobs submitted since):
 * the jobs still waiting in the last order; after a new computation,
 * those whose fair-share term moved taken out; the pairs whose
 * certificate ran out compared and mended; then each job taken out, and
 * each submitted since (in jid order, admitted as queue_kept admits), put
 * in its place by a binary search. No other priority is worked out. Its
 * length, or SIZE_MAX where too many terms moved (then o[0 .. nkept)
 * holds every waiting job but those submitted since, for queue_kept). */
static size_t queue_certified(mf *p, cs_sched_ctx *ctx, cs_time now, int walked)
{
	cs_ranked *o = p->order;
	cs_time *until = p->until;
	const uint8_t *fresh = p->fresh;
	size_t n = 0, nfix = 0, nk = p->nkept;
	/* after the walk: if the order's entries but its gaps are as many as
	 * the jobs waiting but those submitted since, they are those jobs
	 * (they hold every one of them, each once) */
	size_t nfresh = 0;
	for (size_t i = 0; i < p->narrived; i++)
		nfresh += cs_fifo_has(&p->q, p->arrived[i]);
	if (walked && nk - p->ngaps + nfresh == p->q.count) {
		/* the blocks between the gaps moved down, a pair across a gap
		 * taking the sooner certificate */
		size_t i = 0;
		for (size_t h = 0; h < p->ngaps; h++) {
			size_t g = p->gaps[h];
			if (n != i) {
				memmove(&o[n], &o[i], (g - i) * sizeof *o);
				memmove(&until[n], &until[i], (g - i) * sizeof *until);
			}
			n += g - i;
			if (n)
				until[n - 1] = until[g] < until[n - 1] ? until[g] : until[n - 1];
			i = g + 1;
		}
		if (n != i) {
			memmove(&o[n], &o[i], (nk - i) * sizeof *o);
			memmove(&until[n], &until[i], (nk - i) * sizeof *until);
		}
		n += nk - i;
	} else {
		cs_time acc = INT64_MAX, least = INT64_MAX; /* acc: from o[n - 1] to the next job kept */
		for (size_t i = 0; i < nk; i++) {
			uint32_t k = o[i].jid;
			cs_time u = until[i];
			if (k == UINT32_MAX || fresh[k] || !cs_fifo_has(&p->q, k)) {
				acc = u < acc ? u : acc;
				continue;
			}
			if (n) {
				until[n - 1] = acc;
				least = acc < least ? acc : least;
			}
			o[n++] = o[i];
			acc = u;
		}
		p->min_until = least;
	}
	size_t nmoved = 0;
	if (p->cert_calc != p->ncalc) {
		size_t m = refresh_terms(p, n, &nmoved);
		if (p->cert_e < 0 || nmoved > CERT_ARRIVALS + m / 4) { /* (queue_kept's then) */
			for (size_t i = 0; i < nmoved; i++)
				o[m + i] = (cs_ranked){ 0, p->moved[i], p->pin[p->moved[i]].key };
			p->nkept = m + nmoved;
			return SIZE_MAX;
		}
		n = m;
		p->kept_calc = p->cert_calc = p->ncalc;
	}
	/* only the pairs whose certificate ended need a look */
	if (p->min_until <= now) {
		cs_time lo = INT64_MAX;
		for (size_t i = 1; i < n; i++)
			if (until[i - 1] <= now)
				p->fixes[nfix++] = (uint32_t)i;
			else
				lo = until[i - 1] < lo ? until[i - 1] : lo;
		p->min_until = lo; /* (and the fixes' new ones) */
	}
	for (size_t f = 0; f < nfix; f++)
		for (size_t i = p->fixes[f]; fix_pair(p, now, i) && ++i < n;)
			if (f + 1 < nfix && p->fixes[f + 1] == i)
				f++; /* (fixed here) */
	cs_ranked *add = p->order2;
	size_t nadd = 0;
	for (size_t i = 0; i < nmoved; i++) {
		uint32_t k = p->moved[i];
		add[nadd++] = (cs_ranked){ prio_now(p, k, now), k, p->pin[k].key };
	}
	qsort(p->arrived, p->narrived, sizeof *p->arrived, cmp_u32);
	for (size_t i = 0; i < p->narrived; i++) {
		uint32_t k = p->arrived[i];
		if (!cs_fifo_has(&p->q, k) || (!p->admitted[k] && admit(p, ctx, k) < 0))
			continue;
		add[nadd++] = (cs_ranked){ priority(p, k, now), k, p->pin[k].key };
	}
	drop_arrived(p);
	n = insert_now(p, now, add, nadd, n);
	p->nkept = n;
	certs_used++;
	return n;
}

/* The pass's order with the kept order: from its certificates where
 * they stand, else queue_kept's full sort (certified for the next). */
static size_t queue_ordered(mf *p, cs_sched_ctx *ctx, cs_time now)
{
	int walked = p->walked;
	p->walked = 0; /* (until this pass's walk) */
	if (p->tree && certs_on && p->cert_calc && p->cert_e > 0 && p->narrived <= CERT_ARRIVALS) {
		size_t n = queue_certified(p, ctx, now, walked);
		for (size_t i = 1; certs_checked && n != SIZE_MAX && i < n; i++) /* (tests) */
			certs_wrong += !before(p->order[i - 1].jid, prio_now(p, p->order[i - 1].jid, now), p->order[i].jid,
					       prio_now(p, p->order[i].jid, now));
		if (n != SIZE_MAX)
			return n;
	}
	size_t n = queue_kept(p, ctx, now);
	if (p->tree && certs_on)
		certify_all(p, now, n);
	else
		p->cert_calc = 0;
	return n;
}

static void mf_pass(void *state, cs_sched_ctx *ctx)
{
	mf *p = state;
	cs_time now = cs_ctx_now(ctx);
	mfrun_account(p, ctx, now);
	cs_limits_period(&p->lim, now); /* a new period: every budget starts from zero */
	if (!p->q.count) {
		drop_arrived(p); /* (none waits) */
		return;
	}
	if (p->tree && (p->last_calc < 0 || (double)(now - p->last_calc) >= p->calc_period)) {
		/* only the users charged since the last computation moved */
		if (!p->all_changed)
			mfrun_list_charged(p);
		cs_fairtree_update(p->ft, p->usage, NULL, p->all_changed ? NULL : p->changed, p->nchanged);
		p->ncalc++;
		p->nchanged = 0;
		p->all_changed = 0;
		p->last_calc = now;
	}
	size_t n = p->keep_order ? queue_ordered(p, ctx, now) : queue_walk(p, ctx, now);
	if (p->per_partition) {
		pass_partitions(p, ctx, n);
		return;
	}
	size_t i = 0;
again:
	for (; i < n; i++) {
		uint32_t jid = p->order[i].jid;
		unsigned lim = over_limit(p, jid);
		if (lim) { /* its account reached a limit in this pass */
			hold(p, ctx, jid, lim);
			p->order[i].jid = UINT32_MAX;
			continue;
		}
		if (mfrun_start(p, ctx, jid, CS_START_HEAD) < 0)
			break;
	}
	if (i == n)
		return;
	uint32_t head = p->order[i].jid;
	if (p->preempt_mode && mfrun_preempt_for(p, ctx, head) == 0) {
		i++;
		goto again;
	}
	cs_ctx_pending(ctx, head, CS_WAIT_RESOURCES);
	/* EASY under priority order: the head holds what it needs at its
	 * reservation (node-level on a node model); a later job may start now
	 * if it fits and, should it still run then, does not use that. */
	if (cs_ctx_hold(ctx, head, NULL) < 0)
		return;
	int node_model = cs_ctx_node_model(ctx);
	uint32_t gen = cs_ctx_fit_gen(ctx);
	for (size_t k = i + 1; k < n; k++) {
		uint32_t jid = p->order[k].jid;
		if (!node_model && cs_ctx_free(ctx) == 0)
			break;
		if (jid == UINT32_MAX || refused(p, jid, gen) || over_limit(p, jid))
			continue;
		backfill(p, ctx, jid);
		gen = cs_ctx_fit_gen(ctx);
	}
}

static const cs_policy_param mf_params[] = {
	{ "preempt_mode", "off", "off, requeue or kill: a head job whose QoS may preempt others (--accounts qos "
				 "preempt lists) stops the fewest of their running jobs (the latest started first) "
				 "whose release lets it be placed, and none if none do (suspend: refused, "
				 "docs/policies.md)" },
	{ "preempt_grace_time", "0", "seconds a chosen victim runs on, holding its resources, before it is "
				     "stopped (Slurm's GraceTime), for a QoS without grace_time in --accounts; the "
				     "head is reserved for the stop" },
	{ "preempt_exempt_time", "0", "seconds a job must have run before it may be preempted (Slurm's "
				      "PreemptExemptTime); a pass comes when the first such job may go" },
	{ "weight_age", "1000", "weight of the age factor, min(1, waited / max_age)" },
	{ "weight_fairshare", "10000", "weight of the fair-share factor, 2^(-usage share / share); with --accounts "
				       "Slurm's Fair Tree (rank / users)" },
	{ "weight_size", "0", "weight of the size factor, processors / machine" },
	{ "max_age", "604800", "seconds of waiting at which the age factor reaches 1" },
	{ "half_life", "604800", "seconds in which past usage loses half its weight" },
	{ "shares", "", "ACCOUNT:WEIGHT,... (accounts are SWF group ids); others weigh 1 "
			"(not with --accounts: the file gives the shares)" },
	{ "weight_qos", "0", "weight of the QoS factor (the QoS's priority in --accounts / the largest)" },
	{ "weight_partition", "0", "weight of the partition factor (the partition's priority in --accounts / the largest)" },
	{ "calc_period", "300", "with --accounts: seconds between Fair Tree computations (Slurm's PriorityCalcPeriod)" },
	{ "max_running_procs", "0", "per project (account without --accounts): most processors (cores) its running "
				    "jobs may hold, the default GrpTRES=cpu (0: none); a larger job is rejected" },
	{ "max_running_gpus", "0", "per project: most GPUs its running jobs may hold, the default GrpTRES=gres/gpu "
				   "(AssocGrpGRES; node model only)" },
	{ "max_jobs", "0", "per association (user with --accounts, else account): most running jobs, the default "
			   "MaxJobs (0: none); others wait (AssocMaxJobsLimit)" },
	{ "max_submit_jobs", "0", "per association: most running + waiting jobs, the default MaxSubmitJobs (0: none); "
				  "beyond, jobs are rejected (AssocMaxSubmitJobLimit)" },
	{ "budget_procsec", "0", "per project and period: processor-seconds it may be billed, the default "
				 "GrpTRESMins=cpu in seconds (0: none); a job is billed cores x estimate at its start, "
				 "refunded the unused part at its end" },
	{ "budget_gpu_hours", "0", "per project and period: GPU-hours, the default GrpTRESMins=gres/gpu in hours "
				   "(AssocGrpGRESMinutes; node model only)" },
	{ "budget_billing_hours", "0", "per project and period: billing units x hours, the default "
				       "GrpTRESMins=billing in hours (AssocGrpBillingMinutes)" },
	{ "budget_period", "2592000", "length of an allocation period, seconds (periods start at time 0)" },
	{ "over_budget", "wait", "a job the budget cannot cover: wait (for the next period) or reject" },
	CS_PARTITION_PARAMS,
	{ NULL, NULL, NULL },
};

const cs_policy_ops cs_policy_multifactor = {
	.abi = CS_POLICY_ABI,
	.name = "multifactor",
	.summary = "Slurm-like multifactor priority (age, fair-share, size, QoS, partition) with EASY backfilling",
	.params = mf_params,
	.init = mfinit_init,
	.submit = mf_submit,
	.pass = mf_pass,
	.destroy = mfinit_destroy,
	.cancel = mf_cancel,
};
