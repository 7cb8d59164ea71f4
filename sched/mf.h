/* capsim: multifactor's state and what its files share, private to
 * sched/ (sched/multifactor.c: the pass; sched/mfcert.c: the kept order
 * from certificates; sched/mfinit.c: parameters, limits, accounts and
 * setup; sched/mfrun.c: the running jobs, their charge and QoS
 * preemption). */
#ifndef CAPSIM_SCHED_MF_H
#define CAPSIM_SCHED_MF_H

#include <stdlib.h>

#include "capsim/fairtree.h"
#include "capsim/sched.h"
#include "fifo.h"
#include "assoc.h"
#include "dense.h"
#include "partq.h"
#include "priosort.h"
#include "rateclass.h"
#include "shapeq.h"
#include "isort.h"

typedef struct mf {
	cs_fifo q;
	cs_partq pq;        /* per partition (queue=partition on a node model) */
	int per_partition;
	cs_resv_budget rb;
	const cs_job *jobs;
	size_t njobs;
	uint32_t total;
	double w_age, w_fs, w_size, max_age, half_life;
	double preempt_exempt; /* seconds a job runs before it may be preempted (Slurm's PreemptExemptTime) */
	/* association limits and budgets (sched/assoc.h): the accounts
	 * file's, with the global parameters as defaults */
	cs_limits lim;
	uint8_t *admitted;      /* per job: passed the submit limits */
	int reject_over_budget;
	cs_time woken_for;      /* the period start a wakeup was asked for */
	cs_time *started;       /* per job: when this policy started it */
	uint32_t *acct;       /* per job: account index */
	uint32_t nacct;
	int64_t *acct_id;     /* per account: its group (or user) id */
	/* Decay multiplies every account's usage by the same factor, so usage is
	 * kept as usage[a] x scale: a decay only updates scale, and the
	 * fair-share factor needs only usage[a] / usage_total, where scale
	 * cancels. usage[nacct] is the gone entries' (GONE): charged by the
	 * walks that skip no entry, read by nobody. */
	double *usage, usage_total, scale;
	/* With a tree usage is read only at a Fair Tree computation, so a
	 * running job is charged there (mfrun_charge_ran) and when it stops,
	 * its whole decayed run since its last charge in one addition:
	 * rate x decay_k x (inv - from), inv = 1 / scale (the decayed
	 * seconds in [a, b) are decay_k x (1/scale(b) - 1/scale(a)) in
	 * usage's units, the sum of each pass's charges between), from being
	 * inv at its last charge, kept in its running entry (run, beside its
	 * rate: the computation's walk reads the entries in order). late:
	 * charged so; 0 without a tree (every pass charges, as the flat
	 * fair-share factor reads usage at every pass). */
	double inv, decay_k;
	int late;
	/* Without a tree (NULL with one: cs_fairtree_factor keeps each
	 * user's factor): per account its share, normalised to sum 1, and
	 * its fair-share factor, valid when fs_pass == pass */
	double *share;
	double *fs;
	uint64_t *fs_pass;
	uint64_t pass;
	cs_time last;         /* time of the last usage update */
	/* jobs this policy started and believes running, with what the
	 * charge of each pass reads (kept here: no job record to fetch), in
	 * the order they started; one that stopped running keeps its place
	 * with its user GONE(p) until the list is packed (by a pass's charges once an
	 * eighth of it is gone, else once half of it is),
	 * so a job leaves in O(1) and the charges keep their order; an entry
	 * holds its user's usage by address (run_user), so the walk adds to it
	 * without working the address out */
	struct running { double *up; uint32_t cls, jid; double rate, from; } *run; /* cls: CS_NO_CLASS if none;
										  * from: with late */
	size_t nrun;          /* entries, gone ones included */
	size_t ngone;         /* of those, gone */
	uint32_t *run_at;     /* per job: its entry in run while it runs */
	cs_rateclass rc;      /* the running jobs' rates, for each pass's charges (none kept when late) */
	uint32_t nclassless;  /* running jobs without a class (CS_NO_CLASS; 0 when late) */
	/* per job, what its priority adds up, in one record: submission,
	 * the size term, the QoS and partition terms (0 without a tree) and
	 * the account its fair-share is read for */
	/* (with a tree, its fair-share term too, w_fs x its user's factor,
	 * as of computation calc) */
	struct prio_in { cs_time submit; double size, extra, wfs; uint64_t calc; uint32_t fs_acct, key; } *pin;
	/* per job, its estimate, apart from pin: the walk's and refused()'s
	 * bound tests read nothing else of the job (8 bytes a job, not
	 * pin's 48: the waiting jobs' are a few lines) */
	cs_time *est;
	/* Refusals a pass has learnt (cs_ctx_nofit_bound) per request shape
	 * (sched/shapeq.h; node model), so the later jobs of a shape that
	 * cannot start now are refused without asking the engine: a job's
	 * shape (NO_SHAPE: of several partitions), and per shape the pass,
	 * fit generation and estimate bound of the last refusal learnt. */
	uint32_t *shape;
	struct nofit { uint64_t pass; uint32_t gen; cs_time est_max; uint64_t out_key; } *nofit;
	/* A refusal for any estimate (est_max < 0: the shape fits nowhere in
	 * what is free now) stands for the rest of the pass whatever the fit
	 * generation, as holds take nothing that is free now and only starts
	 * change it within a pass, until a preemption frees something: nofit's
	 * pass is this epoch's (bumped at each pass and each job this policy
	 * stops), not the pass's number. */
	uint64_t nofit_epoch;
	/* A refusal for any estimate that the engine made from what it keeps
	 * across passes leaves the shape's out_key (cs_ctx_nofit_key, not 0):
	 * while its partition's cs_ctx_part_key is that key, in this pass or
	 * a later one, cs_ctx_nofit_bound would refuse every job of the shape
	 * again, and the pass takes that refusal without asking (kept_out).
	 * Per partition key, its cs_ctx_part_key as of epoch: looked at once
	 * an epoch, as nothing is given back within one (the key moves only
	 * when a node type gets something back), and read again only when
	 * cs_ctx_given_back has moved since it was read (at: that count + 1,
	 * 0 before the first read). */
	struct pkey { uint64_t epoch, key, at; } *pkeys;
	/* per shape s, at s + 1 (0: the jobs of several partitions, never
	 * marked), the walk (pass_partitions' backfill steps) in which its
	 * later jobs are all passed over (== dead_walk), as one of them was
	 * refused for any estimate and could not hold */
	uint64_t *dead;
	uint64_t dead_walk;
	/* per slot (as dead), a shape refused beyond est_max in the walk's
	 * generation (stamp == bound_walk) that could not hold: its later
	 * jobs over est_max are passed over (a copy of nofit's, dropped when
	 * learn() writes nofit) */
	struct bound { uint64_t stamp; cs_time est_max; } *bound;
	uint64_t bound_walk;
	/* On a node model (shape), a job's prio_in key and order entries'
	 * aux are its shape's slot (s + 1, 0 for NO_SHAPE), and slot_key the
	 * slot's partition key (UINT32_MAX for 0); else aux is the key
	 * itself (entry_key()). */
	uint32_t *slot_key;
	uint32_t *wkeys;      /* scratch: the partition keys with waiting jobs */
	/* the jobs in q: per partition key those of one partition, and how
	 * many of several (queue_in, queue_out) */
	uint32_t *nwait, nwait_multi;
	cs_ranked *order;          /* queued jobs (aux: prio_in's key, see slot_key); between
				    * passes the last pass's order (started jobs' jids kept, or UINT32_MAX) */
	cs_ranked *order2;         /* scratch: the radix sort's other buffer */
	cs_ranked *sort_tmp;       /* scratch: sort_few's merges (sort_cap entries) */
	size_t sort_cap;
	/* Without limits the pass reads the queue from the last order: its
	 * jobs still waiting, then the jobs submitted since (arrived, each
	 * once: fresh); with limits, the queue in arrival order (its holds
	 * and admissions are made in that order) and the last order as a
	 * hint. */
	int keep_order;
	size_t nkept;              /* the last order's length */
	uint64_t kept_calc;        /* with a tree: the computation its priorities were worked out in */
	uint32_t *arrived;
	size_t narrived;
	uint8_t *fresh;
	cs_prio_hint hint;
	/* With a tree, the kept order's certificates (queue_certified,
	 * sched/mfcert.c): until[i], a time before which o[i] goes
	 * before o[i + 1] whatever the time (as of computation cert_calc);
	 * cert_e, a bound on a priority's rounding error (0: not worked out
	 * yet, < 0: no certificates); fixes, scratch (places to check). The
 * certificates carry over a computation for the jobs whose term stands. */
	cs_time *until;
	/* order and until start base entries into their allocations, which
	 * have ORDER_ROOM more (so that a packing may move the shorter side
	 * of a gap: queue_certified) */
	cs_ranked *order_mem;
	cs_time *until_mem;
	size_t base;
	/* per UNTIL_BLOCK entries of until_mem (block q / UNTIL_BLOCK), a
	 * time before which no certificate in the block's part of until[0 ..
	 * nkept - 1) ends: a pass reads only the blocks whose bound is not
	 * later than now (queue_certified) */
	cs_time *ubound;
	uint32_t *fixes;
	uint32_t *moved;      /* scratch: jobs whose fair-share term moved at a computation */
	uint32_t *near;       /* per job taken out so: its place in the order left, where insert_now's
			       * search starts (UINT32_MAX: none, a binary search) */
	/* With a tree and a kept order: the waiting jobs by user, so that a
	 * computation reads each waiting user's factor once and goes through
	 * the jobs of those whose term moved only (refresh_terms): per user
	 * its first waiting job (wu_first; a list through wj_next and
	 * wj_prev, per job; UINT32_MAX ends it) and its place in wusers[0 ..
	 * nwusers) while it has one (wu_at); uterm[u], w_fs x its factor as
	 * of computation calc (its last refresh); scratch: wmark (one bit
	 * a job, clear between refreshes) and wuchg (users). NULL without. */
	uint32_t *wu_first, *wu_at, *wusers, *wj_next, *wj_prev, *wuchg;
	double *wfac;         /* scratch: the waiting users' factors (cs_fairtree_factors), as wusers */
	uint32_t nwusers;
	struct uterm { uint64_t calc; double term; } *uterm;
	uint64_t *wmark;
	double cert_e;
	uint64_t cert_calc;   /* the computation the certificates are of (0: none) */
	/* the backfill walk ran over the order (nkept entries) and listed in
	 * gaps the places of the ngaps jobs started (in it or before);
	 * min_until: no certificate ends before it */
	int walked;
	uint32_t *gaps;
	size_t ngaps;
	cs_time min_until;
	/* with an accounts file: accounts are the tree's nodes; a job's
	 * limits and budget count on its project's node (acct), its usage on
	 * its user's node (uacct); without, uacct is acct */
	const cs_account_tree *tree;
	uint32_t *uacct;      /* per job: the account its usage is charged to */
	cs_fairtree *ft;      /* its factors (cs_fairtree_factor) are the last computation's */
	uint32_t *changed;    /* users whose usage may have grown since the last computation (charged
			       * then: listed once as their jobs stop, and at the computation those running,
			       * rusers; 2 x nodes) */
	uint32_t nchanged;
	uint64_t *changed_at; /* per node: the computation it was listed for (+1) */
	/* with a tree: the users with running jobs (rusers[0 .. nrusers), in
	 * no particular order), per node its running jobs (nrunning) and its
	 * place in rusers while it has some, so that a computation lists a
	 * user once, not once a running job (the order of changed does not
	 * matter to cs_fairtree_update) */
	uint32_t *rusers, *nrunning, *rusers_at;
	uint32_t nrusers;
	uint64_t ncalc;       /* computations so far */
	int all_changed;      /* every usage moved (the scale was folded in) */
	double calc_period;
	int preempt_mode;     /* 0 off, 1 + CS_PREEMPT_REQUEUE / CS_PREEMPT_KILL */
	cs_time preempt_grace; /* seconds a victim runs on when its QoS gives no grace_time (Slurm's GraceTime) */
	cs_time *stop_at;     /* per job: the end of its grace once signalled (-1: not signalled) */
	struct victim { cs_time started; uint32_t jid; } *victims; /* scratch: running jobs a head may preempt */
	uint32_t *chosen;     /* scratch: the what-if set (signalled victims, then the chosen ones); at
			       * a pass's start, the entries of the jobs that stopped running */
	uint8_t *on_nodes;    /* scratch: which of them the head's placement meets */
	cs_time last_calc;
	double w_qos, w_part;
	const double *billing; /* per job: usage charged per second of run (cs_policy_env.billing); NULL: size */
} mf;

/* The partition key of an order entry's aux, with slot_key sk (NULL: the
 * aux is the key). */
static inline uint32_t key_of_slot(const uint32_t *sk, uint32_t aux)
{
	return sk ? sk[aux] : aux;
}

/* The partition key of an order entry's aux (slot_key). */
static inline uint32_t entry_key(const mf *p, uint32_t aux)
{
	return key_of_slot(p->slot_key, aux);
}

enum { ORDER_ROOM = 4096 }; /* order's and until's entries before base's most */
enum { UNTIL_BLOCK = 32 };  /* until_mem's entries a bound of ubound covers */

/* A running entry's user once its job stopped: past every account. */
#define GONE(p) ((p)->nacct)

/* A running entry's user (GONE(p) once its job stopped): the account
 * whose usage it charges (usage has nacct + 1 entries, allocated once at
 * init, so an entry's address stands). */
static inline uint32_t run_user(const mf *p, const struct running *r)
{
	return (uint32_t)(r->up - p->usage);
}

enum { NO_SHAPE = UINT32_MAX }; /* a job's shape when it has several partitions */

static inline int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* a[0 .. n) ascending, as qsort with cmp_u32 leaves it (the sorted
 * values are one array, whatever the sort): by insertion where there
 * are few, as a pass's lists mostly have (none or one job), where
 * qsort's call costs more than the sort. */
static inline void sort_u32(uint32_t *a, size_t n)
{
	if (n > 16) {
		qsort(a, n, sizeof *a, cmp_u32);
		return;
	}
	CS_ISORT(uint32_t, a, n, CS_ISORT_LT);
}

/* The priority of x's job now, its fair-share term given (w_fs x its
 * factor), with its QoS and partition terms when tree: the one sum,
 * whose order of operations fixes the bits. */
static inline double prio_sum(double w_age, double max_age, cs_time now, const struct prio_in *x, double fs, int tree)
{
	double age = (double)(now - x->submit) / max_age;
	double prio = w_age * (age < 1 ? age : 1) + fs + x->size;
	return tree ? prio + x->extra : prio;
}

/* sched/multifactor.c's priorities and queue, shared with sched/mfcert.c
 * (the kept order from certificates): the classic fair-share factor of
 * account a worked out for the pass; the kept order's full sort (every
 * priority worked out: its length); and the small steps both take
 * (inline: once a pass or once a job, as they were in one file) */
double mf_fairshare_calc(mf *p, uint32_t a);
size_t mf_queue_kept(mf *p, cs_sched_ctx *ctx, cs_time now);

/* Slurm's classic fair-share factor of account a, 2^(-U/S), worked out
 * at its first read in a pass (mf_fairshare_calc) and read inline at
 * every later job's priority in the pass (a pass reads about 1.6 jobs an
 * account). */
static inline double mf_fairshare(mf *p, uint32_t a)
{
	return p->fs_pass[a] == p->pass ? p->fs[a] : mf_fairshare_calc(p, a);
}

/* Job jid into its user's waiting list (wu_first), and back out. */
static inline void wuser_in(mf *p, uint32_t jid)
{
	uint32_t u = p->pin[jid].fs_acct, h = p->wu_first[u];
	p->wj_prev[jid] = UINT32_MAX;
	p->wj_next[jid] = h;
	if (h != UINT32_MAX)
		p->wj_prev[h] = jid;
	else
		cs_dense_add(p->wusers, p->wu_at, &p->nwusers, u);
	p->wu_first[u] = jid;
}

static inline void wuser_out(mf *p, uint32_t jid)
{
	uint32_t u = p->pin[jid].fs_acct, a = p->wj_prev[jid], b = p->wj_next[jid];
	if (b != UINT32_MAX)
		p->wj_prev[b] = a;
	if (a != UINT32_MAX) {
		p->wj_next[a] = b;
		return;
	}
	p->wu_first[u] = b;
	if (b == UINT32_MAX)
		cs_dense_remove(p->wusers, p->wu_at, &p->nwusers, u);
}

/* Job jid enters q (waiting), or leaves it if there: nwait counted. */
static inline void queue_in(mf *p, uint32_t jid)
{
	if (cs_fifo_has(&p->q, jid))
		return;
	uint32_t k = entry_key(p, p->pin[jid].key);
	if (k == UINT32_MAX)
		p->nwait_multi++;
	else
		p->nwait[k]++;
	cs_fifo_push(&p->q, jid);
	if (p->wu_first)
		wuser_in(p, jid);
}

static inline void queue_out(mf *p, uint32_t jid)
{
	if (!cs_fifo_has(&p->q, jid))
		return;
	uint32_t k = entry_key(p, p->pin[jid].key);
	if (k == UINT32_MAX)
		p->nwait_multi--;
	else
		p->nwait[k]--;
	cs_fifo_remove(&p->q, jid);
	if (p->wu_first)
		wuser_out(p, jid);
}

/* Waiting job k, first seen in this pass, through the submit limits
 * (which count the association's running and admitted waiting jobs; a
 * job larger than a limit or a whole period's budget on its own could
 * never run): 0 if admitted, -1 if rejected. */
static inline int admit(mf *p, cs_sched_ctx *ctx, uint32_t k)
{
	unsigned why = cs_limits_admit(&p->lim, k);
	if (why) {
		cs_ctx_reject(ctx, k, why);
		queue_out(p, k);
		return -1;
	}
	p->admitted[k] = 1;
	return 0;
}

/* The jobs submitted since the last pass are seen. */
static inline void drop_arrived(mf *p)
{
	for (size_t i = 0; i < p->narrived; i++)
		p->fresh[p->arrived[i]] = 0;
	p->narrived = 0;
}

/* With a tree, job k's fair-share term (w_fs x its user's factor, as
 * the last computation left it: cs_fairtree_factor, which keeps each
 * user's once read) is kept for the computation (the same product):
 * brought up to date. */
static inline void fs_term(mf *p, struct prio_in *x)
{
	if (x->calc != p->ncalc) {
		x->wfs = p->w_fs * cs_fairtree_factor(p->ft, x->fs_acct);
		x->calc = p->ncalc;
	}
}

/* Job k's priority now. */
static inline double priority(mf *p, uint32_t k, cs_time now)
{
	struct prio_in *x = &p->pin[k];
	if (!p->tree)
		return prio_sum(p->w_age, p->max_age, now, x, p->w_fs * mf_fairshare(p, x->fs_acct), 0);
	fs_term(p, x);
	return prio_sum(p->w_age, p->max_age, now, x, x->wfs, 1);
}

/* The jobs submitted since the last pass that still wait, in jid order,
 * admitted (those a limit refuses left out), appended to o[n..) with
 * their priorities now, and the list of them emptied: the new count. */
static inline size_t take_arrived(mf *p, cs_sched_ctx *ctx, cs_time now, cs_ranked *o, size_t n)
{
	sort_u32(p->arrived, p->narrived);
	for (size_t i = 0; i < p->narrived; i++) {
		uint32_t k = p->arrived[i];
		if (!cs_fifo_has(&p->q, k) || (!p->admitted[k] && admit(p, ctx, k) < 0))
			continue;
		o[n++] = (cs_ranked){ priority(p, k, now), k, p->pin[k].key };
	}
	drop_arrived(p);
	return n;
}

/* sched/mfcert.c: the pass's order with the kept order (from its
 * certificates where they stand, else mf_queue_kept's, certified): its
 * length */
size_t mfcert_queue_ordered(mf *p, cs_sched_ctx *ctx, cs_time now);

/* sched/mfinit.c: the policy's init and destroy (cs_policy_ops) */
int mfinit_init(void **state, const cs_policy_env *env, char *err, size_t errlen);
void mfinit_destroy(void *state);

/* sched/mfrun.c: decay all usage to now and charge the jobs that ran since
 * the last pass; start a job (in the partitions `which` chooses) and book
 * it; QoS preemption for a head job (0 if it started) */
void mfrun_account(mf *p, cs_sched_ctx *ctx, cs_time now);
/* with a tree, before a Fair Tree computation: charge each running job
 * its decayed run since its last charge (p->late), then list the users of
 * the running jobs in changed (the jobs that stopped since listed theirs) */
void mfrun_charge_ran(mf *p);
void mfrun_list_charged(mf *p);
int mfrun_start_in(mf *p, cs_sched_ctx *ctx, uint32_t jid, uint64_t which, unsigned how);
int mfrun_start(mf *p, cs_sched_ctx *ctx, uint32_t jid, unsigned how);
int mfrun_preempt_for(mf *p, cs_sched_ctx *ctx, uint32_t head);

/* sched/multifactor.c, for tests: the partitions' backfill walk with
 * its dead marks on (the default) or off (every job checked: their
 * oracle); marks made so far in this thread */
void mf_walk_marks(int on);
uint64_t mf_walk_marked(void);
uint64_t mf_walk_bounded(void); /* (bound marks made so far in this thread) */
uint64_t mf_walk_kept(void);    /* (refusals taken from a kept key, kept_out) */
/* (tests: at every pass, the keys with waiting jobs from the counts
 * (nwait) checked against the queue's; keys that disagreed so far in
 * this thread) */
void mf_wait_check(int on);
uint64_t mf_wait_misses(void);
/* (tests: a partition's key kept across passes, while cs_ctx_given_back
 * stands, checked against cs_ctx_part_key; keys kept and keys that
 * differed so far in this thread) */
void mf_key_check(int on);
uint64_t mf_key_reused(void);
uint64_t mf_key_misses(void);
/* (tests: a partition's head asks the engine before its try, as before
 * (known_nofit: the oracle of kept_nofit's heads tried without asking);
 * heads the engine's answer refused (not kept_nofit's refusals), so far
 * in this thread) */
void mf_head_asks(int on);
uint64_t mf_head_refused(void);
/* (tests: a failed backfill's try is asked about after it (learn), as
 * before: the oracle of tries that teach nothing; how often it was, so
 * far in this thread) */
void mf_fail_learns(int on);
uint64_t mf_fail_learnt(void);
/* (mf_fail_learns' switch, and its ask after a failed try started as how) */
extern _Thread_local int mf_fail_learning;
void mf_fail_learn(mf *p, cs_sched_ctx *ctx, uint32_t jid, unsigned how);
/* sched/mfcert.c, for tests: the kept order's certificates on (the
 * default) or off (every priority worked out at every pass: their
 * oracle); passes that read the order from them so far in this thread */
void mf_certs(int on);
uint64_t mf_certified(void);
/* (tests: every certified pass's order checked pair by pair against the
 * priorities worked out, and each pair's certificate against now (ended
 * ones are all mended) and its block's bound (ubound), and each job's
 * fair-share term against w_fs x its user's factor now (refresh_terms
 * writes only the terms that moved); pairs found out of order, ended or
 * under a later bound, and terms found stale, so far in this thread) */
void mf_certs_check(int on);
uint64_t mf_certs_wrong(void);
/* (tests: the certificate of jobs a before b (p->pin's, with a tree) at
 * tau, with p's weights and max_age; cert_e worked out if 0) */
cs_time mf_certify(mf *p, cs_time tau, uint32_t a, uint32_t b);
/* (tests: the room pack_gaps may move the order's start into, at most
 * ORDER_ROOM (0: that); rebases, gaps closed and insertions made from the
 * start's side so far in this thread) */
void mf_order_room(size_t room);
uint64_t mf_order_rebased(void);
uint64_t mf_order_up(void);
uint64_t mf_order_down(void);
/* sched/mfrun.c, for tests: a computation lists the users with running
 * jobs from rusers (on, the default) or from the running list (off: their
 * oracle, which also counts where rusers and the running list disagree,
 * in this thread) */
void mf_user_list(int on);
uint64_t mf_user_list_misses(void);
/* (tests: with a tree, a policy made while on charges every running job
 * at every pass, as without one (their oracle); off, the default, at
 * computations and stops (p->late); jobs charged that way so far in this
 * thread) */
void mf_charge_each_pass(int on);
int mf_charging_each_pass(void);
uint64_t mf_charged_late(void);

#endif
