/* capsim: multifactor's running jobs (sched/mf.h): the list each pass
 * charges, in start order, starting and stopping jobs, and QoS preemption. */
#include "mf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* What a running job adds to its account's usage per second: its billing
 * rate (Slurm's billing TRES from the partition's TRESBillingWeights), or
 * its size without weights. */
static double usage_rate(const mf *p, uint32_t jid)
{
	return p->billing ? p->billing[jid] : (double)p->jobs[jid].size;
}

/* Is jid in this policy's running list? */
static int running_here(const mf *p, uint32_t jid)
{
	uint32_t i = p->run_at[jid];
	return i < p->nrun && p->run[i].jid == jid && p->run[i].up != p->usage + GONE(p);
}

/* With a tree: user u's usage may have moved since the last computation
 * (listed once). */
static inline void list_changed(mf *p, uint32_t u)
{
	if (p->changed_at[u] != p->ncalc + 1) {
		p->changed_at[u] = p->ncalc + 1;
		p->changed[p->nchanged++] = u;
	}
}

static _Thread_local int each_pass;
static _Thread_local uint64_t charged_late;
void mf_charge_each_pass(int on) { each_pass = on; }
int mf_charging_each_pass(void) { return each_pass; }
uint64_t mf_charged_late(void) { return charged_late; }

/* When late: what running entry r ran since its last charge, in
 * usage's units, and its charge now. */
static inline double charge_since(const mf *p, struct running *r)
{
	double c = r->rate * p->decay_k * (p->inv - r->from);
	r->from = p->inv;
	return c;
}

/* jid (running_here) stopped running now: its entry gone, its class and
 * limits counted off; its user charged since the last computation. */
static void run_drop(mf *p, uint32_t jid, cs_time now)
{
	struct running *r = &p->run[p->run_at[jid]];
	if (p->tree) {
		uint32_t u = run_user(p, r);
		if (p->late) { /* (its run since its last charge; now is inv's) */
			*r->up += charge_since(p, r);
			charged_late++;
		}
		list_changed(p, u);
		if (--p->nrunning[u] == 0)
			cs_dense_remove(p->rusers, p->rusers_at, &p->nrusers, u);
	}
	if (r->cls != CS_NO_CLASS)
		cs_rateclass_leave(&p->rc, r->cls);
	else if (!p->late)
		p->nclassless--;
	r->up = p->usage + GONE(p);
	p->ngone++;
	cs_limits_stop(&p->lim, jid, now, p->started[jid]);
}

/* Running entry i, not gone, moves to k <= i as the list is packed. */
static inline void keep(mf *p, size_t i, size_t k)
{
	if (k < i) {
		p->run_at[p->run[i].jid] = (uint32_t)k;
		p->run[k] = p->run[i];
	}
}

/* The running list without its gone entries, in order. */
static void pack(mf *p)
{
	size_t k = 0;
	for (size_t i = 0; i < p->nrun; i++)
		if (p->run[i].up != p->usage + GONE(p))
			keep(p, i, k++);
	p->nrun = k;
	p->ngone = 0;
}

/* Pack the running list once half of it is gone (a pass's charges pack
 * it as they walk it; this is for the passes without a charge). */
static void run_pack(mf *p)
{
	if (2 * p->ngone > p->nrun)
		pack(p);
}

/* A live class's step in cs_rateclass_total costs about as many
 * instructions as this many of the walk's additions to the total. */
enum { CLASS_COST = 32 };

/* Charge each running job, in the list's order, its class's charge of
 * this pass (worked out before the walk; its own without a class), into
 * its user's usage and, with sum, into *total (Fair Tree reads no total;
 * the users charged are listed for it at its computation,
 * mfrun_list_charged; without a tree the total is added up by class,
 * cs_rateclass_total, where that is cheaper). gone: the gone entries
 * are skipped (else they charge usage[GONE(p)], which nobody reads, and
 * add to no total); packing: the walk packs the list as it goes, returning the
 * entries kept; classes: every running job has a class. Written once and
 * inlined for each case as constants, so the walk holds no test of them;
 * the list, the charges and the total in locals (the same additions in the same
 * order, without reloads through p). */
static inline __attribute__((always_inline)) size_t charge_walk(mf *p, double charge, double scale, int sum,
								int gone, int packing, int classes,
								double *total)
{
	struct running *run = p->run;
	const double *cc = p->rc.charge;
	double t = *total;
	const double *g = p->usage + GONE(p);
	size_t n = p->nrun, k = 0;
#pragma GCC unroll 8 /* the loop's test once every eight entries */
	for (size_t i = 0; i < n; i++) {
		double *up = run[i].up;
		if (gone && up == g)
			continue;
		uint32_t cls = run[i].cls;
		double c = classes || cls != CS_NO_CLASS ? cc[cls] : run[i].rate * charge / scale;
		*up += c;
		if (sum)
			t += c;
		if (packing)
			keep(p, i, k++);
	}
	*total = t;
	return k;
}

/* charge_walk for every job with a class: packing once an eighth of the
 * list is gone; else skipping the gone entries only for the total. */
static inline __attribute__((always_inline)) void charge_classes(mf *p, int sum, double *total)
{
	if (8 * p->ngone > p->nrun) {
		p->nrun = charge_walk(p, 0, 1, sum, 1, 1, 1, total);
		p->ngone = 0;
	} else if (sum && p->ngone > 0) {
		charge_walk(p, 0, 1, sum, 1, 0, 1, total);
	} else {
		charge_walk(p, 0, 1, sum, 0, 0, 1, total);
	}
}

static _Thread_local int user_list = 1;
static _Thread_local uint64_t user_list_misses;
void mf_user_list(int on) { user_list = on; }
uint64_t mf_user_list_misses(void) { return user_list_misses; }

void mfrun_charge_ran(mf *p)
{
	if (!p->late)
		return;
	/* (a gone entry charges usage[GONE(p)], which nobody reads: a test
	 * of it, as likely either way, would be mispredicted half the time) */
	for (struct running *r = p->run, *e = r + p->nrun; r < e; r++)
		*r->up += charge_since(p, r);
	charged_late += p->nrun - p->ngone;
}

void mfrun_list_charged(mf *p)
{
	if (user_list) {
		/* (unstamped: a user the stops listed too is listed twice, which
		 * cs_fairtree_update takes as once; room for both lists) */
		memcpy(p->changed + p->nchanged, p->rusers, p->nrusers * sizeof *p->changed);
		p->nchanged += p->nrusers;
		return;
	}
	/* (the oracle: every running job's user, and rusers checked against
	 * the running list) */
	size_t live = 0, counted = 0;
	for (size_t i = 0; i < p->nrun; i++) {
		uint32_t u = run_user(p, &p->run[i]);
		if (u == GONE(p))
			continue;
		list_changed(p, u);
		live++;
		user_list_misses += p->nrunning[u] == 0;
	}
	for (uint32_t i = 0; i < p->nrusers; i++) {
		uint32_t u = p->rusers[i];
		user_list_misses += p->rusers_at[u] != i || p->nrunning[u] == 0;
		counted += p->nrunning[u];
	}
	user_list_misses += counted != live;
}

/* Decay all usage to now and charge the jobs that ran since the last pass. */
void mfrun_account(mf *p, cs_sched_ctx *ctx, cs_time now)
{
	if (p->last >= 0 && now > p->last) {
		double dt = (double)(now - p->last);
		double d = exp2(-dt / p->half_life);
		p->scale *= d;
		if (p->late) {
			p->inv = 1.0 / p->scale; /* (the charges wait: mfrun_charge_ran) */
		} else {
			double charge = (1.0 - d) * p->half_life / M_LN2; /* decayed seconds in [last, now) */
			double scale = p->scale;
			double total = p->usage_total;
			cs_rateclass_charge_live(&p->rc, charge, scale);
			if (p->nclassless > 0) { /* (out of memory: some job without a class) */
				p->nrun = charge_walk(p, charge, scale, !p->tree, 1, 1, 0, &total);
				p->ngone = 0;
			} else if (p->tree || (CLASS_COST * p->rc.nlive < p->nrun - p->ngone &&
					       cs_rateclass_total(&p->rc, &total) == 0)) {
				/* the total by class (the same double as the walk's
				 * additions) where that is cheaper than an addition
				 * per running job, and it can be */
				charge_classes(p, 0, &total);
			} else {
				charge_classes(p, 1, &total);
			}
			p->usage_total = total;
		}
		if (p->scale < 1e-100) { /* fold the scale in before it underflows */
			for (uint32_t a = 0; a < p->nacct; a++)
				p->usage[a] *= p->scale;
			if (p->late) /* (each waiting charge's start, in the new units) */
				for (size_t i = 0; i < p->nrun; i++)
					p->run[i].from *= p->scale;
			p->all_changed = 1;
			p->usage_total *= p->scale;
			p->scale = 1;
			p->inv = 1;
		}
	}
	p->last = now;
	p->pass++;
	p->nofit_epoch++;
	/* drop the jobs that left the running set since the last pass (they
	 * ended, or were stopped at a grace's end), in the list's order (as
	 * their limits count them off) */
	size_t nl = cs_ctx_nleft(ctx), ng = 0;
	uint32_t *at = p->chosen;
	for (size_t i = 0; i < nl; i++) {
		uint32_t jid = cs_ctx_left(ctx, i);
		if (running_here(p, jid))
			at[ng++] = p->run_at[jid];
	}
	sort_u32(at, ng);
	for (size_t i = 0; i < ng; i++)
		run_drop(p, p->run[at[i]].jid, now);
	run_pack(p);
}

/* Start jid in the first of the partitions `which` chooses where it fits
 * (cs_ctx_start_in), and book it. */
int mfrun_start_in(mf *p, cs_sched_ctx *ctx, uint32_t jid, uint64_t which, unsigned how)
{
	if (cs_ctx_start_in(ctx, jid, which, how) < 0) {
		if (mf_fail_learning) /* (tests: the oracle, as before) */
			mf_fail_learn(p, ctx, jid, how);
		return -1;
	}
	queue_out(p, jid);
	double r = usage_rate(p, jid); /* (as billed where it started) */
	if (p->nrun == p->njobs) /* (full: some entry is gone, as at most every job runs) */
		pack(p);
	uint32_t cls = p->late ? CS_NO_CLASS : cs_rateclass_of(&p->rc, r); /* (classes: each pass's charges) */
	if (cls != CS_NO_CLASS)
		cs_rateclass_enter(&p->rc, cls);
	else if (!p->late)
		p->nclassless++;
	uint32_t u = p->uacct[jid];
	if (p->tree && p->nrunning[u]++ == 0)
		cs_dense_add(p->rusers, p->rusers_at, &p->nrusers, u);
	p->run_at[jid] = (uint32_t)p->nrun;
	p->run[p->nrun++] = (struct running){ &p->usage[u], cls, jid, r, p->inv };
	p->started[jid] = cs_ctx_now(ctx);
	cs_limits_start(&p->lim, jid, p->started[jid]);
	return 0;
}

int mfrun_start(mf *p, cs_sched_ctx *ctx, uint32_t jid, unsigned how)
{
	return mfrun_start_in(p, ctx, jid, ~0ull, how);
}

/* Victim order: the latest started first (they lose the least work), then
 * the higher job index. */
static int by_youngest(const void *a, const void *b)
{
	const struct victim *x = a, *y = b;
	if (x->started != y->started)
		return x->started > y->started ? -1 : 1;
	return x->jid > y->jid ? -1 : x->jid < y->jid;
}

/* This policy's books for a job the engine stopped now, as at its end (a
 * requeued one counts as waiting again when it is resubmitted, mf_submit;
 * one stopped at its grace's end is taken off by account(), as ended). */
static void stopped(mf *p, uint32_t jid, cs_time now)
{
	p->nofit_epoch++; /* what was free grew: no refusal learnt stands */
	run_drop(p, jid, now);
	run_pack(p);
}

/* A victim's grace: its QoS's grace_time, else preempt_grace_time. */
static cs_time grace_of(const mf *p, uint32_t v)
{
	int32_t q = p->tree->job_qos_id[v];
	if (q >= 0 && p->tree->qos_grace && p->tree->qos_grace[q] >= 0)
		return p->tree->qos_grace[q];
	return p->preempt_grace;
}

/* Would the head fit were the first n jobs of p->chosen stopped
 * (cs_ctx_fits_without)? */
static int fits_without(mf *p, cs_sched_ctx *ctx, uint32_t head, size_t n, uint8_t *on_nodes)
{
	return cs_ctx_fits_without(ctx, head, p->chosen, n, on_nodes) == 1;
}

/* QoS preemption (Slurm's preempt/qos with select/cons_tres's choice of
 * preemptees): the head, if its QoS may preempt others (the accounts
 * file's qos preempt lists), may stop running jobs of those QoS in its
 * partition; the candidates are taken the latest started first. Victims
 * are stopped only as a set whose release lets the head be placed, tested
 * on the real allocator before anyone is stopped (cs_ctx_fits_without),
 * and nothing is stopped if no such set exists:
 *   1. jobs signalled already (under grace) count as freed: if they make
 *      room the head waits for them and none more is chosen; if the head
 *      would fit with nothing stopped (only the pass's holds keep it off)
 *      none is chosen either;
 *   2. the fewest candidates, in their order, whose release with the
 *      signalled ones lets the head fit (by bisection on the count; none
 *      if all of them do not);
 *   3. of those, only the ones on the nodes the head would then be placed
 *      on (Slurm preempts the candidates whose resources the preemptor
 *      uses), if the head still fits without the others;
 *   4. then each one the head does not need is spared, the earliest
 *      started first (it would lose the most run): what is stopped is a
 *      set every member of which the head needs.
 * A victim with a grace (its QoS's grace_time, else preempt_grace_time;
 * Slurm's GraceTime) is signalled and runs on until its grace ends
 * (cs_ctx_preempt_after), the head reserved for then; one without stops
 * now. If none of the victims chosen now has a grace, the head tries to
 * start. 0 if the head started. */
int mfrun_preempt_for(mf *p, cs_sched_ctx *ctx, uint32_t head)
{
	const cs_account_tree *t = p->tree;
	if (!t || !t->qos_preempts || t->job_qos_id[head] < 0)
		return -1;
	uint32_t qa = (uint32_t)t->job_qos_id[head], nq = t->nqos;
	const cs_job *h = &p->jobs[head];
	size_t nv = 0, nsig = 0;
	cs_time now = cs_ctx_now(ctx), exempt_until = -1;
	for (size_t i = 0; i < p->nrun; i++) {
		uint32_t v = p->run[i].jid;
		if (p->run[i].up == p->usage + GONE(p))
			continue;
		int32_t qb = t->job_qos_id[v];
		if (qb < 0 || !t->qos_preempts[(size_t)qa * nq + (uint32_t)qb])
			continue;
		if (h->partition >= 0 && p->jobs[v].partition != h->partition)
			continue;
		if (p->stop_at[v] >= 0) { /* signalled: its grace runs */
			p->chosen[nsig++] = v;
			continue;
		}
		if ((double)(now - p->started[v]) < p->preempt_exempt) {
			/* not yet: it may be preempted from started + exempt on */
			cs_time at = p->started[v] + (cs_time)ceil(p->preempt_exempt);
			if (exempt_until < 0 || at < exempt_until)
				exempt_until = at;
			continue;
		}
		p->victims[nv++] = (struct victim){ p->started[v], v };
	}
	/* a pass when the first exempt victim may go, should this one fail */
	if (exempt_until > now)
		cs_ctx_wakeup(ctx, exempt_until);
	if (!nv || fits_without(p, ctx, head, nsig, NULL))
		return -1; /* 1: the victims under grace make room, or none is in the way */
	qsort(p->victims, nv, sizeof *p->victims, by_youngest);
	uint32_t *set = p->chosen + nsig;
	for (size_t i = 0; i < nv; i++)
		set[i] = p->victims[i].jid;
	if (!fits_without(p, ctx, head, nsig + nv, NULL))
		return -1; /* 2: not even all of them make room */
	size_t lo = 0, hi = nv; /* lo does not fit, hi does */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (fits_without(p, ctx, head, nsig + mid, NULL))
			hi = mid;
		else
			lo = mid;
	}
	size_t m = hi;
	/* 3: only those on the head's nodes */
	fits_without(p, ctx, head, nsig + m, p->on_nodes);
	size_t k = 0;
	for (size_t i = 0; i < m; i++)
		if (p->on_nodes[nsig + i])
			set[k++] = set[i];
	if (k < m && (k == 0 || !fits_without(p, ctx, head, nsig + k, NULL))) {
		for (size_t i = 0; i < m; i++) /* (cannot happen: the head's place is free) */
			set[i] = p->victims[i].jid;
		k = m;
	}
	m = k;
	/* 4: spare whom the head does not need, the earliest started first */
	for (size_t i = m; i-- > 0 && m > 1;) {
		uint32_t v = set[i];
		memmove(&set[i], &set[i + 1], (m - i - 1) * sizeof *set);
		if (fits_without(p, ctx, head, nsig + m - 1, NULL)) {
			m--;
			continue;
		}
		memmove(&set[i + 1], &set[i], (m - i - 1) * sizeof *set);
		set[i] = v;
	}
	unsigned how = (unsigned)(p->preempt_mode - 1);
	int waits = 0;
	for (size_t i = 0; i < m; i++) {
		uint32_t v = set[i];
		cs_time g = grace_of(p, v);
		if (g > 0) {
			if (cs_ctx_preempt_after(ctx, v, how, g) == 0) {
				p->stop_at[v] = now + g;
				waits = 1;
			}
		} else if (cs_ctx_preempt(ctx, v, how) == 0) {
			stopped(p, v, now);
		}
	}
	if (waits)
		return -1; /* the head's hold lands on the graces' ends */
	return mfrun_start(p, ctx, head, CS_START_HEAD) == 0 ? 0 : -1;
}
