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
 * certificates instead (sched/mfcert.c: each pair of neighbours keeps
 * its order until a time known from its gap, its ages and the rounding
 * bound) and works out only the priorities of the pairs whose certificate
 * ran out and of the jobs submitted since; the charge is worked out once
 * per rate class (sched/rateclass.c), and the jobs that stopped running
 * are the engine's report (cs_ctx_left), not a walk of the running set;
 * Fair Tree is updated along the charged users' paths (sched/fairtree.c);
 * a backfill whose request shape the pass has learnt cannot start is
 * refused without asking the engine (in later passes too, while the
 * engine's kept refusal of the shape stands: its partition's key), and
 * once its shape is refused for any estimate the walk passes over its
 * later jobs on a mark.
 *
 * Files: this one, the pass (priorities, the queue's order, partitions,
 * backfill); sched/mfcert.c, the kept order from certificates;
 * sched/mfinit.c, the parameters, limits, accounts and the state's setup;
 * sched/mfrun.c, the running jobs, their charge and QoS preemption;
 * sched/mf.h, the state they share.
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
	queue_in(p, jid);
	cs_partq_push(&p->pq, jid);
}

/* An admitted job no longer counts against its association's submit
 * limits (MaxSubmitJobs, GrpSubmitJobs), as when Slurm cancels it. */
static void mf_cancel(void *state, uint32_t jid)
{
	mf *p = state;
	queue_out(p, jid);
	if (p->admitted[jid])
		cs_limits_drop(&p->lim, jid);
}

/* mf_fairshare's factor of account a, worked out for this pass. */
double mf_fairshare_calc(mf *p, uint32_t a)
{
	double u = p->usage_total > 0 ? p->usage[a] / p->usage_total : 0;
	p->fs[a] = exp2(-u / p->share[a]);
	p->fs_pass[a] = p->pass;
	return p->fs[a];
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

/* (tests: the walk's marks off, and how many it made) */
static _Thread_local int walk_marks = 1;
static _Thread_local uint64_t walk_marked, walk_bounded, walk_kept;
void mf_walk_marks(int on) { walk_marks = on; }
uint64_t mf_walk_marked(void) { return walk_marked; }
uint64_t mf_walk_bounded(void) { return walk_bounded; }
uint64_t mf_walk_kept(void) { return walk_kept; }
/* (tests: a partition key kept across epochs also read from the engine,
 * and how often it was kept, and differed) */
static _Thread_local int key_check;
static _Thread_local uint64_t key_reused, key_misses;
void mf_key_check(int on) { key_check = on; }
uint64_t mf_key_reused(void) { return key_reused; }
uint64_t mf_key_misses(void) { return key_misses; }
/* (tests: a head asks first, known_nofit, and how often the engine's
 * answer refused it: no refusal stood for the pass, none was kept) */
static _Thread_local int head_asks;
static _Thread_local uint64_t head_refused;
void mf_head_asks(int on) { head_asks = on; }
uint64_t mf_head_refused(void) { return head_refused; }

/* Would backfill refuse jid without a try (fit generation gen)? A
 * refusal for any estimate stands whatever the generation while nothing
 * was freed (nofit_epoch, sched/mf.h); one bounded by the estimate only
 * in its generation (the holds' times bound it). (With the walk's marks
 * off, as before either: the oracle's.) */
/* Does refusal m stand for the rest of the pass: one for any estimate,
 * learnt since anything was freed (with the walk's marks on)? */
static inline int refused_for_pass(const mf *p, const struct nofit *m)
{
	return m->pass == p->nofit_epoch && m->est_max < 0 && walk_marks;
}

/* Job jid's shape (NO_SHAPE without a node model), and an order
 * entry's: its aux is the slot s + 1 (0 for NO_SHAPE, which wraps). */
static inline uint32_t shape_of(const mf *p, uint32_t jid)
{
	return p->shape ? p->shape[jid] : NO_SHAPE;
}

static inline uint32_t entry_shape(const mf *p, const cs_ranked *e)
{
	return p->shape ? e->aux - 1 : NO_SHAPE;
}

/* (s: jid's shape) */
static inline int refused(const mf *p, uint32_t jid, uint32_t s, uint32_t gen)
{
	const struct nofit *m = s != NO_SHAPE ? &p->nofit[s] : NULL;
	if (!m || m->pass != p->nofit_epoch)
		return 0;
	if (refused_for_pass(p, m))
		return 1;
	return m->gen == gen && (m->est_max < 0 || p->est[jid] > m->est_max);
}

/* What the engine has learnt refuses jid's shape (cs_ctx_nofit_bound),
 * kept as the pass's for the shape: 1 if it refuses jid. (Inlined in
 * nofit_ask, its one caller but the tests' mf_fail_learn: out of line its
 * call cost 33 M on the year.) */
static inline __attribute__((always_inline)) int learn(mf *p, cs_sched_ctx *ctx, uint32_t jid, struct nofit *m)
{
	cs_time est;
	if (!cs_ctx_nofit_bound(ctx, jid, &est))
		return 0;
	m->pass = p->nofit_epoch;
	m->gen = cs_ctx_fit_gen(ctx);
	m->est_max = est;
	m->out_key = est < 0 ? cs_ctx_nofit_key(ctx, jid) : 0;
	p->bound[m - p->nofit + 1].stamp = 0; /* (a bound mark copies m: gone) */
	return est < 0 || p->est[jid] > est;
}

/* Is shape s (job jid's, of one partition; m its refusals) refused for
 * any estimate from what the engine keeps: its out_key (sched/mf.h) is
 * its partition's key now? Then the refusal is taken as learn() takes
 * cs_ctx_nofit_bound's (the same answer; its generation is not read:
 * refused_for_pass() answers first). (Not with the walk's marks off: their
 * oracle asks.) */
static inline int kept_out(mf *p, cs_sched_ctx *ctx, uint32_t jid, uint32_t s, struct nofit *m)
{
	if (!m->out_key || !walk_marks)
		return 0;
	struct pkey *k = &p->pkeys[p->slot_key[s + 1]];
	if (k->epoch != p->nofit_epoch) {
		uint64_t at = cs_ctx_given_back(ctx) + 1;
		if (k->at != at) {
			k->key = cs_ctx_part_key(ctx, jid);
			k->at = at;
		} else if (key_check) {
			key_reused++;
			key_misses += k->key != cs_ctx_part_key(ctx, jid);
		}
		k->epoch = p->nofit_epoch;
	}
	if (k->key != m->out_key)
		return 0;
	m->pass = p->nofit_epoch;
	m->est_max = -1;
	p->bound[s + 1].stamp = 0;
	walk_kept++;
	return 1;
}

/* known_nofit's answer where no refusal stands for the pass: a kept one,
 * else the engine's (out of line: the usual answer needs no registers
 * saved). */
static __attribute__((noinline)) int nofit_ask(mf *p, cs_sched_ctx *ctx, uint32_t jid, uint32_t s)
{
	struct nofit *m = &p->nofit[s];
	return kept_out(p, ctx, jid, s, m) || learn(p, ctx, jid, m);
}

/* Does what the engine has learnt refuse jid (of shape s) now (learn(),
 * for a job of one partition, unless a refusal for any estimate stands:
 * refused(), or is kept: kept_out(), here where its partition's key was
 * read in this epoch)? Then its start would fail with no other effect. */
static inline int known_nofit(mf *p, cs_sched_ctx *ctx, uint32_t jid, uint32_t s)
{
	if (s == NO_SHAPE)
		return 0;
	struct nofit *m = &p->nofit[s];
	if (refused_for_pass(p, m))
		return 1;
	const struct pkey *k = &p->pkeys[p->slot_key[s + 1]];
	if (m->out_key && k->epoch == p->nofit_epoch && k->key == m->out_key && walk_marks)
		return kept_out(p, ctx, jid, s, m);
	return nofit_ask(p, ctx, jid, s);
}

/* Is jid (of shape s) refused from what the pass keeps, without asking the
 * engine: a refusal for any estimate that stands (refused_for_pass), or one
 * the engine keeps across passes (kept_out)? A partition's head asks no
 * more (pass_partitions): its try's first steps are the engine's own
 * refusals (cs_place_start asks the shape's memos before it places
 * anything), and a refused try has no other effect, so asking first only
 * made them twice for a head that was then tried (most were), where a
 * backfill's failed try is asked again anyway (backfill). */
static inline int kept_nofit(mf *p, cs_sched_ctx *ctx, uint32_t jid, uint32_t s)
{
	if (s == NO_SHAPE)
		return 0;
	struct nofit *m = &p->nofit[s];
	return refused_for_pass(p, m) || kept_out(p, ctx, jid, s, m);
}

/* (tests: a failed backfill's try asked about after it (learn), as
 * before: mfrun_start_in calls mf_fail_learn after each failed try; how
 * often it asked, so far in this thread) */
_Thread_local int mf_fail_learning;
static _Thread_local uint64_t fail_learnt;
void mf_fail_learns(int on) { mf_fail_learning = on; }
uint64_t mf_fail_learnt(void) { return fail_learnt; }
void mf_fail_learn(mf *p, cs_sched_ctx *ctx, uint32_t jid, unsigned how)
{
	uint32_t s = shape_of(p, jid);
	if (how == CS_START_BACKFILL && s != NO_SHAPE) {
		fail_learnt++;
		learn(p, ctx, jid, &p->nofit[s]);
	}
}

/* Start jid as a backfill (may it delay no hold): 0 if it started, -1 if
 * not. The callers ask refused() first: a refusal the pass has learnt for
 * the shape (cs_ctx_nofit_bound, under the same fit generation: its answer
 * is cs_ctx_start's) refuses the job without a try. Else what the engine
 * knows already (as EASY's shape_out asks: a shape that failed in an
 * earlier pass and fits no better since) refuses it before a try. A
 * failed try is not asked about after it: the next job of the shape in
 * the pass asks before its own try (known_nofit), and gets the answer
 * the ask after the failure would have kept, or a newer one of a later
 * fit generation; either refuses only what a start would refuse, and a
 * refused start has no other effect. (On the year the asks after failed
 * tries were 588,798, 145 M; without them the walk asks 368,310 times
 * more before a try, 72 M, and tries as often.) */
static int backfill(mf *p, cs_sched_ctx *ctx, uint32_t jid, uint32_t s)
{
	if (known_nofit(p, ctx, jid, s))
		return -1;
	if (mfrun_start(p, ctx, jid, CS_START_BACKFILL) == 0)
		return 0;
	return -1;
}

/* backfill_walk's visit of e (a job not passed over on a mark): 1 if it
 * started. (Inlined: a call for each visit costs about 5 % of a backlog's
 * passes.) */
static inline __attribute__((always_inline)) int walk_visit(mf *p, cs_sched_ctx *ctx, const cs_ranked *e, uint32_t *gen,
							    uint64_t walk)
{
	uint32_t jid = e->jid, s = entry_shape(p, e);
	int no = refused(p, jid, s, *gen);
	if (no && !may_hold(p, entry_key(p, e->aux))) {
		if (p->nofit[s].est_max < 0 && walk_marks) {
			p->dead[s + 1] = walk;
			walk_marked++;
		} else if (walk_marks) {
			p->bound[s + 1] = (struct bound){ p->bound_walk, p->nofit[s].est_max };
			walk_bounded++;
		}
		return 0;
	}
	if (cs_resv_budget_holds(&p->rb, jid) || over_limit(p, jid))
		return 0;
	int started = !no && backfill(p, ctx, jid, s) == 0;
	if (!started && may_hold(p, entry_key(p, e->aux)))
		cs_resv_budget_hold(&p->rb, &p->pq, ctx, jid);
	uint32_t g = cs_ctx_fit_gen(ctx);
	if (g != *gen) { /* (a new generation: no bound mark stands) */
		*gen = g;
		p->bound_walk++;
	}
	return started;
}

/* pass_partitions' backfill steps over the jobs of p->order[0 .. n)
 * not started in its first loop: each may start if it delays no hold,
 * or hold if the budget allows. A job refused() without a try that
 * could not hold either is passed over before the checks, which change
 * nothing. A shape refused for any estimate (est_max < 0) whose job
 * could not hold has every later job passed over too: the refusal stands
 * for the whole walk, whatever holds it makes (they take nothing free
 * now, and in the walk only starts change what is free: refused()), and
 * its partition's reservations only grow in a pass. It is marked dead for
 * the rest of the walk, which then passes over its jobs on the mark
 * alone. A shape refused beyond an estimate bound (est_max >= 0) whose job
 * could not hold is bound-marked for the generation (bound_walk, bumped
 * when a hold or a new walk changes it): its later jobs over the bound
 * are passed over on the mark (refused() would refuse them, and they
 * could not hold either), the others visited. */
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
				walk_visit(p, ctx, &o[i], &gen, walk);
		return;
	}
	/* With a kept order, the places of the jobs started (in the walk or
	 * before it) are listed for queue_certified's packing. An entry's
	 * aux is its shape's slot, whose mark is read directly; the places
	 * started in the first loop are slot 0's (NO_SHAPE's mark, dead[0],
	 * is never made), as are four sentinels at o[n .. n + 4), so that
	 * the loop passing over marked entries (four at a time) tests nothing
	 * else. */
	uint32_t *gaps = p->gaps;
	size_t ng = 0;
	const struct bound *bound = p->bound;
	const cs_time *est = p->est;
	p->bound_walk++;
	for (size_t k = 0; k < 4; k++)
		o[n + k] = (cs_ranked){ 0, UINT32_MAX, 0 };
	for (cs_ranked *e = o;; e++) {
		while (dead[e[0].aux] == walk && dead[e[1].aux] == walk && dead[e[2].aux] == walk &&
		       dead[e[3].aux] == walk)
			e += 4;
		while (dead[e[0].aux] == walk)
			e++;
		/* (a bound mark's shape refuses e's job in this generation,
		 * and it could not hold: walk_visit would pass it over; slot 0,
		 * a gap's and the sentinels', is never bound-marked) */
		const struct bound *b = &bound[e->aux];
		if (b->stamp == p->bound_walk && est[e->jid] > b->est_max)
			continue;
		if (e->jid == UINT32_MAX) {
			if (e == o + n)
				break;
		} else if (!walk_visit(p, ctx, e, &gen, walk)) {
			continue;
		}
		e->jid = UINT32_MAX;
		gaps[ng++] = (uint32_t)(e - o);
	}
	p->ngaps = ng;
	p->nkept = n;
	p->walked = 1;
}

static _Thread_local int wait_check;
static _Thread_local uint64_t wait_misses;
void mf_wait_check(int on) { wait_check = on; }
uint64_t mf_wait_misses(void) { return wait_misses; }

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
	 * partition open: the first loop is over (the keys with one from
	 * the counts, without a job of several partitions waiting) */
	size_t nw = 0;
	for (uint32_t k = 0; k < pq->nkeys; k++) {
		if (wait_check) /* (tests: the counts against the queue) */
			wait_misses += (p->nwait_multi || p->nwait[k] > 0) != (cs_partq_head(pq, &p->q, k) >= 0);
		if (p->nwait_multi ? cs_partq_head(pq, &p->q, k) >= 0 : p->nwait[k] > 0)
			p->wkeys[nw++] = k;
	}
	int done = all_blocked(p, nw); /* (only a block below changes it) */
	/* (the order, the keys and the blocks read once: the loop passes
	 * over the jobs of blocked partitions, the most common) */
	cs_ranked *o = p->order;
	const uint32_t *sk = p->slot_key;
	const uint8_t *blocked = pq->blocked;
	for (size_t i = 0; i < n && !done; i++) {
		uint32_t jid = o[i].jid, key = key_of_slot(sk, o[i].aux);
		/* (a job of one partition: its key's bit, cs_partq_open's) */
		uint64_t open = key != UINT32_MAX ? !blocked[key] : cs_partq_open(pq, jid);
		if (!open)
			continue;
		/* (a gap's aux is slot 0's, never dead: backfill_walk) */
		unsigned lim = over_limit(p, jid);
		if (lim) { /* its account reached a limit in this pass */
			hold(p, ctx, jid, lim);
			o[i] = (cs_ranked){ 0, UINT32_MAX, 0 };
			continue;
		}
		uint32_t s = entry_shape(p, &o[i]);
		int no;
		if (head_asks) { /* (the oracle: known_nofit, as before) */
			int stood = s != NO_SHAPE && refused_for_pass(p, &p->nofit[s]);
			uint64_t kept = walk_kept;
			no = known_nofit(p, ctx, jid, s);
			head_refused += no && !stood && walk_kept == kept; /* (the engine's answer, learn) */
		} else {
			no = kept_nofit(p, ctx, jid, s);
		}
		if ((!no && mfrun_start_in(p, ctx, jid, open, CS_START_HEAD) == 0) ||
		    (p->preempt_mode && mfrun_preempt_for(p, ctx, jid) == 0)) {
			o[i] = (cs_ranked){ 0, UINT32_MAX, 0 };
			continue;
		}
		cs_ctx_pending(ctx, jid, CS_WAIT_RESOURCES);
		cs_partq_block(pq, jid, open);
		cs_resv_budget_hold(&p->rb, pq, ctx, jid);
		done = all_blocked(p, nw);
	}
	backfill_walk(p, ctx, n);
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
			queue_out(p, k);
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

/* queue_walk's order without limits (no holds; admission rejects none,
 * still asked in arrival order), from the last pass's: its jobs still
 * waiting in its order, then the jobs submitted since in jid order (a
 * job requeued since comes back among them), sorted from there. Its
 * length. */
size_t mf_queue_kept(mf *p, cs_sched_ctx *ctx, cs_time now)
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
		o[n].prio = prio_sum(w_age, max_age, now, x, tree ? x->wfs : w_fs * mf_fairshare(p, x->fs_acct), tree);
		o[n].jid = k;
		o[n].aux = x->key;
		n++;
	}
	n = take_arrived(p, ctx, now, o, n);
	cs_prio_sort_kept(o, p->order2, n);
	p->nkept = n;
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
		mfrun_charge_ran(p);
		if (!p->all_changed)
			mfrun_list_charged(p);
		cs_fairtree_update(p->ft, p->usage, NULL, p->all_changed ? NULL : p->changed, p->nchanged);
		p->ncalc++;
		p->nchanged = 0;
		p->all_changed = 0;
		p->last_calc = now;
	}
	size_t n = p->keep_order ? mfcert_queue_ordered(p, ctx, now) : queue_walk(p, ctx, now);
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
		if (jid == UINT32_MAX || refused(p, jid, shape_of(p, jid), gen) || over_limit(p, jid))
			continue;
		backfill(p, ctx, jid, shape_of(p, jid));
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
