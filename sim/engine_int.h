/* capsim: the engine's inside, shared by its files and private to them.
 *
 * The engine is five files around one context, struct cs_sched_ctx (below):
 *   engine.c     the event loop: events, passes, job ends; cs_engine_run*
 *   ctx.c        the context a policy's pass sees (include/capsim/sched.h):
 *                starting, rejecting, holding, preempting; the running set
 *   place.c      node-model placement: a job on the allocator now, under
 *                the pass's holds and the advance reservations
 *   hold.c       the hold's search: the earliest time and nodes at which
 *                a waiting job fits as running jobs end; holds kept
 *                across passes
 *   shape.c      what is known of each request shape: that it did not
 *                fit, in this pass or while that still stands
 *   plan.c       the conservative planner (cs_ctx_plan): every waiting
 *                job's plan, and when a plan is searched again
 *   plan_prof.c  the planner's state, its node availability profile and
 *                the plans a pass visits (plan_int.h: shared by the two)
 *   plan_find.c  the planner's search: the earliest time and the nodes at
 *                which a job fits, given every other plan
 *   plan_nowin.c what the planner knows of each node's free runs: that
 *                no window starts before a time
 *   powercap.c   the site's power cap (capsim/power.h): what a job draws,
 *                whether it may start now, when a hold or a plan leaves it
 *                room
 * The running set (c->run) and each partition's list of it (c->prun) are
 * runset.h's sets: sorted by estimated end, in blocks.
 * Each file's functions that the others call are declared here, prefixed
 * by their file (cs_ctx_, cs_place_, cs_hold_, cs_shape_, cs_plan_, cs_pcap_). */
#ifndef CAPSIM_SIM_ENGINE_INT_H
#define CAPSIM_SIM_ENGINE_INT_H

#include "capsim/engine.h"
#include "capsim/evq.h"
#include "capsim/power.h"
#include "nodeprof.h"
#include "runset.h"
#include "capsim/hbm.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* EV_CANCEL: a cancellation (cs_cancel), in the wakeups' class: after the
 * submissions and ends of its time. */
/* EV_STOP: a job signalled for preemption (cs_ctx_preempt_after) is
 * stopped at its grace's end, unless it ended by then. EV_FAIL and
 * EV_REPAIR: the failure model's (failures.c), in the wakeups' class: a
 * job that ends when a failure strikes has ended. */
enum { EV_SUBMIT = 0, EV_END = 1, EV_WAKE = 2, EV_STOP = 3, EV_FAIL = 4, EV_REPAIR = 5,
       /* the staging model's (stage.c): a tier's transfer is due, a job's
	* work is done, a job's time limit */
       EV_XFER = 6, EV_WORK = 7, EV_LIMIT = 8,
       EV_CANCEL = 9 /* a cancellation (cs_cancel) */ };

/* A wakeup a policy asked for comes after the ends and submissions of its
 * time, so the pass it triggers sees them all; so does a grace's end
 * (EV_STOP), so a job whose own end falls on it ends as it would have. */
#define WAKE_CLASS 2u

struct cs_sched_ctx {
	cs_job *jobs;
	size_t njobs;
	uint32_t total, free;
	cs_time now;
	cs_evq evq;
	unsigned end_cls;
	cs_time released_at; /* release=estimate: the time early_release last ran */
	cs_runset run;   /* the running set: sorted by est_end; ties in start order */
	/* the jobs that left the running set since the last pass ended, in
	 * the order they left (cs_ctx_nleft); grown on demand */
	uint32_t *left;
	size_t nleft, left_cap;
	size_t waiting;  /* submitted, not started */
	cs_engine_stats *st;
	int failed;      /* a policy asked for something impossible */
	/* the hold of this pass (cs_ctx_hold) */
	int hold_on;
	uint32_t hold_jid;
	cs_time hold_time;
	uint32_t hold_extra;   /* pooled: processors a job running past hold_time may take */
	/* node model: nm != NULL */
	const cs_node_machine *nm;
	cs_alloc *A;
	const unsigned char *arec; /* cs_alloc_records(A) */
	cs_slot *slots;        /* job j's placement: slots[off[j] .. off[j] + nodes) */
	size_t *off;
	cs_slot *hold_slots;   /* the hold's placement (at hold_time) */
	uint32_t hold_n;
	/* Each placement a hold's search finds gets a new stamp from stamps
	 * (cs_hold_find); one kept from an earlier pass keeps its own. Equal
	 * stamps, the same slots (shape.c compares a shape's kept hold so) */
	uint64_t hold_stamp, stamps;
	cs_slot *tmp_slots;    /* the part of the hold free now, set aside during a start */
	int hold_lazy;         /* hold asked for, placement not computed yet (node model) */
	/* What is known of each request shape (node model; shape.c's struct
	 * shape_ent), the shapes numbered as met: shp_idx finds a shape's
	 * number by its key (open addressing, shp_idx_cap slots, a power of
	 * 2; UINT32_MAX: empty), job_shape[j] is job j's as last met
	 * (UINT32_MAX: not yet). What a pass learns is its memo_gen's. */
	struct shape_ent *shp;
	uint32_t nshp, shp_cap;
	uint32_t *shp_idx;
	uint32_t shp_idx_cap;
	uint32_t *job_shape;
	uint32_t memo_gen;
	/* per partition (shape.c's struct dom_list): the least shapes that
	 * did not fit what was free since it last got anything back */
	struct dom_list *dom;
	uint32_t dom_ver;
	/* a backfill was asked for (cs_ctx_start_in): only then are the lists
	 * kept (and so read: dom_ver stays 0 till then), as only a job tried
	 * beside a failed one may be refused by it (under fcfs and sjf the
	 * head alone is tried, the lists refuse nothing, and keeping them
	 * only costs) */
	int dom_on;
	const cs_observer *obs;
	uint32_t nnodes;
	cs_slot *snap;         /* the hold: what is free now, node by node */
	uint32_t *snap_lost;   /* the hold's search: scratch for its snapshot (hold.c), NULL under the plain engine */
	int dry;               /* tries only find their placement (cs_place_types); 2: only
				* whether there is one (its slots are not filled) */
	uint32_t *requeued;    /* jobs requeued in this pass: resubmitted after it */
	size_t nrequeued;
	cs_time *resv_ends;    /* the reservations' ends, sorted */
	size_t nresv_ends;
	cs_slot *resv_slots;   /* advance reservations' nodes kept off during a try */
	/* plans (cs_ctx_plan): a waiting job's reservation with its placement,
	 * kept in the job's slots, across passes */
	cs_time *plan_start;   /* per job, -1: none */
	uint32_t *planned, *plan_pos; /* the planned jobs; a job's index in planned */
	size_t nplanned;
	struct planner *pl;    /* the plans' profile, made on the first cs_ctx_plan */
	int plan_all;          /* cs_ctx_plan_search: every plan searched, over every node */
	int plan_bounds;       /* cs_ctx_plan_bounds: -1 auto, 0 off, 1 on */
	uint32_t resv_cap;
	int resv_hit;          /* the last try kept some off */
	uint64_t *resv_block;  /* per job: the pass in which only a reservation kept it off */
	cs_slot *tmp_slots2;   /* scratch for that check */
	/* holds beyond the first in this pass (cs_ctx_hold_add; node model):
	 * each placed given the running jobs and every earlier hold */
	struct xhold {
		uint32_t jid;      /* UINT32_MAX once it started */
		int lazy;          /* placed only once a job that may use its node types needs it */
		cs_time time, end; /* the hold's start and its estimated end */
		size_t first;      /* its placement: xh_slots[first .. first + n) */
		uint32_t n;
		uint64_t mask;     /* the node types its job may use (cs_place_mask) */
		uint64_t stamp;    /* its placement's (hold_stamp) */
	} *xh;
	size_t nxh, xh_cap;
	cs_slot *xh_slots;
	size_t xh_nslots, xh_slots_cap;
	cs_slot *xh_aside;     /* scratch: the holds' parts kept off during a try */
	size_t xh_aside_cap;
	/* cs_place_start's try beside the holds as a what-if (place.c; NULL
	 * under the plain engine): per node its entry in aw_free (UINT32_MAX:
	 * none), the entries (what is free on a node less the holds' parts),
	 * aw_n of them, pointers to them for the allocator */
	uint32_t *aw_of;
	cs_slot *aw_free;
	const cs_slot **aw_fr;
	uint32_t aw_n;
	/* what the entries were made for (wi_aside's last): the machine's
	 * version (cs_place_ver of every type), the job's partition, the
	 * parts set aside and the stamps of the holds set aside, in order
	 * (aw_nkey of them; UINT32_MAX: nothing kept) */
	uint64_t aw_ver;
	int32_t aw_part;
	uint32_t aw_k, aw_nkey;
	uint64_t aw_key[8];
	int xh_building;       /* cs_hold_find is placing extra hold xh_upto: keep off the earlier ones */
	size_t xh_upto;
	uint64_t hold_mask;    /* the first hold's node types */
	uint64_t *part_mask;   /* per partition (npart of them): its node types, one bit each */
	/* The partitions' node types: the machine's; with jobs submitted to
	 * several partitions (sets, cs_node_machine.sets), then one per set
	 * (its partitions' node types, each once, in the job's order) and a
	 * scratch one (some of a set's partitions: cs_ctx_hold_in). */
	uint32_t npart;
	const uint32_t *pfirst; /* npart + 1 */
	const int32_t *ptypes;
	const cs_partsets *sets; /* NULL: none */
	uint32_t *pfirst_own;
	int32_t *ptypes_own;
	double *billing;       /* cs_node_machine.billing, .bill_cluster */
	const struct cs_cluster *bill_cluster;
	int32_t *set_part;     /* per job: its set's partition index, -1 for other jobs (a
				* requeued job gets it back) */
	cs_time *xh_ends;      /* scratch: the earlier holds' ends, sorted, as times to try */
	size_t xh_ends_cap;
	/* preemption with a grace (cs_ctx_preempt_after): per job, the time
	 * it is to be stopped (-1: not signalled) and how (CS_PREEMPT_*);
	 * NULL until the first such preemption */
	cs_time *stop_at;
	uint8_t *stop_how;
	/* cs_ctx_fits_without's scratch: the head's what-if placement, the
	 * victims it took out, and which entries those were */
	cs_slot *wi_slots;
	size_t wi_slots_cap;
	uint32_t *wi_jobs;
	size_t wi_jobs_cap;
	uint8_t *wi_took;
	size_t wi_took_cap;
	/* the hold's search (cs_hold_find): each node's type, and whether a
	 * job's placement depends on its node types' nodes alone */
	uint16_t *node_type;
	uint32_t *pnodes;        /* the nodes of each of the machine's partitions' node types, */
	uint32_t *pnodes_first;  /* in node order: partition p's from pnodes_first[p] */
	int types_apart;
	int plain;               /* cs_engine_plain: none of what follows is used */
	/* the running set by partition (hold.c): prun[p] holds the entries of
	 * run whose jobs may use a node type of the machine's partition p, in
	 * run's order, so a hold's search on p's node types walks only the
	 * running jobs it gives back; NULL: none kept (then it walks run),
	 * made at the first search while prun_want */
	cs_runset *prun;
	int prun_want;
	/* holds kept across passes (cs_hold_find): a hold stands while
	 * nothing changed on its node types; type_ver[t] counts the changes
	 * on node type t (cs_place_changed), the last entry those of a
	 * cluster of more than 64 types; ver_all, their sum (every type's) */
	uint64_t *type_ver;
	uint64_t ver_all;
	/* request shapes that did not fit what was free, kept across passes
	 * (shape.c): type_freed[t] counts the times node type t got
	 * resources back; until then what is free there only shrinks */
	uint64_t *type_freed;
	uint64_t freed_all;      /* the sum of type_freed: it grows with each entry */
	/* per partition but the scratch one: type_freed summed over its node
	 * types (all of them: part_mask ~0), added to as type_freed grows,
	 * through type_parts[type_pfirst[t] .. type_pfirst[t + 1]), the
	 * partitions that hold node type t */
	uint64_t *part_freed;
	uint32_t *type_pfirst, *type_parts;
	uint32_t ntypes;
	struct hold_memo *hmemo; /* HMEMO_SIZE entries, by job */
	/* the changes on node types counted (hseq), the last HLOG_SIZE of
	 * them in a ring (hlog[hseq % HLOG_SIZE] the last), each the node
	 * types and the job started, or UINT32_MAX for any other change; NULL:
	 * none kept (cs_hold_log) */
	uint64_t hseq;
	struct hold_log *hlog;
	struct hold_wi *hwi;     /* the hold's search without the allocator (hold.c), NULL: none */
	/* the site's power cap (powercap.c); pc NULL: none. Draws are mW above
	 * the site's idle draw, as cs_power_cap counts them. */
	const struct cs_power_cap *pc;
	int64_t pw_used;       /* what the running jobs draw now */
	int64_t *pw_draw;      /* per job: what it draws while it runs */
	int64_t *pw_need;      /* per job: the most it could draw on a node type it may use (what
				* its hold or plan reserves) */
	int64_t *pw_least;     /* per job: the least it could draw (in pw_need's block) */
	uint64_t *pw_block;    /* per job: the pass in which only the cap kept it from starting */
	uint8_t *pw_late;      /* per job: its plan is later than its nodes alone would make it */
	int pw_deferred;       /* a plan search met a time with the nodes but not the power */
	struct pw_ev { cs_time t; int64_t d; } *pw_plans; /* the plans' draws (+ at start, - at end),
							   * sorted by time */
	size_t pw_nplans, pw_plans_cap;
	struct pw_ev *pw_tmp;  /* scratch: the holds' draws */
	size_t pw_tmp_cap;
	struct cs_failsim *fs;  /* the failure model (cs_node_machine.fail), or NULL */
	struct cs_stagesim *sg; /* the staging model (cs_node_machine.stage), or NULL */
	/* the event loop between calls (engine.c; a live run advances it in
	 * steps: cs_engine_advance) */
	struct cs_loop {
		const cs_engine_conv *cv;
		const cs_policy_ops *ops;
		void *ps;
		unsigned submit_cls;
		cs_submit_pass submit_pass;
		size_t next_submit;    /* the next job to submit */
		int pending;           /* per-time: a pass is owed at the end of this time */
		uint32_t min_new_size; /* per-time, if-fits: smallest job submitted now */
		int deferred;          /* the policy deferred this pass (cs_ctx_defer) */
	} loop;
};

/* A running job's estimated end as the scheduler sees it: its start plus
 * its estimate, or its grace's end if it was signalled for preemption and
 * that comes first. The running set (c->run) is sorted by it. */
static inline cs_time cs_run_est_end(const cs_sched_ctx *c, uint32_t jid)
{
	const cs_job *j = &c->jobs[jid];
	cs_time e = j->start_s + j->estimate_s;
	if (c->stop_at && c->stop_at[jid] >= 0 && c->stop_at[jid] < e)
		e = c->stop_at[jid];
	return e;
}

/* Is job jid not a waiting job (out of range, started, not yet submitted,
 * rejected or cancelled)? What a policy may start, hold or plan. */
static inline int cs_ctx_not_waiting(const cs_sched_ctx *c, uint32_t jid)
{
	return jid >= c->njobs || c->jobs[jid].start_s >= 0 || c->jobs[jid].submit_s > c->now ||
	       (c->jobs[jid].flags & (CS_JOB_REJECTED | CS_JOB_CANCELLED));
}

static inline void observe(const cs_sched_ctx *c, unsigned what, uint32_t jid)
{
	if (c->obs)
		c->obs->event(c->obs->ctx, c->now, what, jid);
}

static inline cs_placement placement_of(const cs_sched_ctx *c, uint32_t jid)
{
	uint32_t n = c->jobs[jid].nodes;
	return (cs_placement){ c->slots + c->off[jid], n, n };
}

/* --- engine.c: a node-model run in steps (the live service, sim/live.c) ---
 * cs_engine_open_nodes sets up a run as cs_engine_run_nodes does (the same
 * checks; the context is heap-allocated, jobs and m must outlive it);
 * cs_engine_advance handles every event before `until`, each time's pass
 * after its events, and returns 0, or 1 when the policy deferred a pass
 * (cs_ctx_defer: the run stops inside it until cs_loop_resume calls the
 * pass again, 0 once it ends, 1 if deferred again), or -CS_ENOMEM.
 * Advancing in steps handles the same events in the same order as one
 * cs_engine_run_nodes: a time's events are never split between steps. */
int cs_engine_open_nodes(cs_sched_ctx **out, cs_job *jobs, size_t n, const cs_node_machine *m,
			 const cs_engine_conv *cv, const cs_policy_ops *ops, void *ps, cs_engine_stats *st,
			 char *err, size_t errlen);
int cs_engine_advance(cs_sched_ctx *c, cs_time until);
int cs_loop_resume(cs_sched_ctx *c);
/* During a pass: the policy cannot decide yet (it waits for an external
 * scheduler); the pass stays open when it returns. */
void cs_ctx_defer(cs_sched_ctx *c);
/* Queue a cancellation of job jid at time t (cs_cancel; t no earlier
 * than the last event handled, jid < the run's jobs): 0 or -CS_ENOMEM. The
 * policy must have a cancel op should the job wait then. */
int cs_engine_cancel(cs_sched_ctx *c, uint32_t jid, cs_time t);
/* The time of the next event, or CS_TIME_MAX if none is queued. */
cs_time cs_engine_next_time(const cs_sched_ctx *c);
void cs_engine_close(cs_sched_ctx *c);

/* --- ctx.c --- */

/* The bookkeeping of a start whose resources are taken (node model: the
 * job's slots hold its placement): its end event, the running set. 0 or
 * -CS_ENOMEM. */
int cs_ctx_commit_start(cs_sched_ctx *c, uint32_t jid, unsigned how, int long_run);
/* Job jid stops holding its resources now: they go back to the machine
 * (and, with plans, out of the profile). */
void cs_ctx_free_resources(cs_sched_ctx *c, uint32_t jid);
/* Take job jid out of the running set. */
void cs_ctx_run_remove(cs_sched_ctx *c, uint32_t jid);
/* Take the entry at hand in w's walk through the running set out; its job
 * is noted for cs_ctx_left (c->failed set if out of memory). The walk goes
 * on to the next entry: that one, or NULL. */
const run_ent *cs_ctx_run_erase(cs_sched_ctx *c, cs_runset_it *w);
/* Running job jid stops now: out of the running set, its resources back.
 * requeue: back to the queue (resubmitted after the pass), the run's
 * seconds added to its preempted_s; else it ends now, `flag` set. The
 * observer is told `what`. The caller counts it. */
void cs_ctx_stop_run(cs_sched_ctx *c, uint32_t jid, int requeue, uint32_t flag, unsigned what);
/* A cancellation of job jid now (an EV_CANCEL event; cs_cancel): a
 * running job stops, a waiting one leaves the policy's queue (its cancel
 * op, which the run has) and the engine's books; else nothing. 1 if the
 * job was cancelled (a pass is owed), else 0. */
int cs_ctx_cancel_due(cs_sched_ctx *c, uint32_t jid);
/* The grace of a job signalled for preemption ends now (an EV_STOP
 * event): stop it as cs_ctx_preempt would, unless it already ended or was
 * stopped otherwise. 1 if it was stopped, else 0. */
int cs_ctx_stop_due(cs_sched_ctx *c, uint32_t jid);

/* --- powercap.c (every function but cs_pcap_init and cs_pcap_free needs c->pc) --- */

/* Per-job state for the cap, at the start of a run (after cs_place_masks):
 * 0 or -CS_ENOMEM. Without a cap nothing is allocated. */
int cs_pcap_init(cs_sched_ctx *c);
void cs_pcap_free(cs_sched_ctx *c);
/* At job jid's submission: if its draw alone could exceed the cap, reject
 * it (reason CS_WAIT_POWERCAP; the observer sees SUBMIT then REJECT) and
 * return 1, else 0. */
int cs_pcap_refuse(cs_sched_ctx *c, uint32_t jid);
/* cs_place_start, and the job's draw under the cap: 0 (placed), or
 * -CS_ENOFIT with nothing taken, or cs_place_start's error. */
int cs_pcap_place_start(cs_sched_ctx *c, uint32_t jid);
/* 1 if job jid could not start now on any nodes: the least it could draw
 * is over what the cap leaves now. */
static inline int cs_pcap_hopeless(const cs_sched_ctx *c, uint32_t jid)
{
	return c->pc && c->pw_used + c->pw_least[jid] > c->pc->budget_mw;
}
/* May job jid start now on slots[0 .. its nodes) (taken)? 0, or
 * -CS_ENOFIT (and the cap is noted as what kept it waiting in this pass). */
int cs_pcap_admit(cs_sched_ctx *c, uint32_t jid, const cs_slot *slots);
/* Job jid starts (add != 0) or stops holding its nodes: the site's draw. */
void cs_pcap_run(cs_sched_ctx *c, uint32_t jid, int add);
/* The earliest t >= from at which the site leaves job jid room for `need`
 * throughout [t, t + d), given the running jobs until their estimated ends
 * (one past its estimate: until now + late), the pass's holds and the
 * plans, jid's own left out; CS_TIME_MAX if never. */
cs_time cs_pcap_earliest(cs_sched_ctx *c, uint32_t jid, cs_time from, cs_time d, int64_t need, int late);
/* Job jid's plan (c->plan_start) is made (add != 0) or dropped. */
void cs_pcap_plan(cs_sched_ctx *c, uint32_t jid, int add);
/* What slots[0 .. n) draw, mW. */
int64_t cs_pcap_draw(const cs_sched_ctx *c, const cs_slot *slots, uint32_t n);

/* --- place.c --- */

/* Job jid's resources, or its place in the running set, changed (it
 * started, ended or was stopped, or its estimated end moved): holds on
 * its node types made before no longer stand; freed: its resources came
 * back, so shapes that did not fit there may fit now. Whatever else
 * changes what the allocator holds or the running set between passes must
 * call it. */
void cs_place_changed(cs_sched_ctx *c, uint32_t jid, int freed);
/* cs_place_changed(c, jid, 0) for a job that just started (and entered
 * the running set at its start plus its estimate). */
void cs_place_started(cs_sched_ctx *c, uint32_t jid);
/* The same for what is free on one node (the failure model took it down,
 * or gave it back: freed). */
void cs_place_node_changed(cs_sched_ctx *c, uint32_t node, int freed);
/* The changes on the node types in mask (all bits: every type), type_ver
 * summed: equal sums, nothing changed on them since (the counts only
 * grow). Every type's sum is kept as the counts move (ver_all); a mask's
 * types are read one bit at a time, those under 64 that the machine has,
 * as cs_place_changed counts them: the same sum as over every type in
 * order testing each against the mask. */
static inline uint64_t cs_place_ver(const cs_sched_ctx *c, uint64_t mask)
{
	if (mask == ~0ull)
		return c->ver_all;
	if (c->ntypes < 64)
		mask &= (1ull << c->ntypes) - 1;
	uint64_t v = 0;
	for (; mask; mask &= mask - 1)
		v += c->type_ver[__builtin_ctzll(mask)];
	return v;
}
/* What cs_place_masks made, the kept holds and what is known of shapes. */
void cs_place_free_memo(cs_sched_ctx *c);
/* cs_ctx_nofit_bound on a node model. */
int cs_place_nofit_bound(cs_sched_ctx *c, uint32_t jid, cs_time *est_max);
/* Place job jid on the allocator now: on its partition's node types (in
 * order, or as the fragmentation-aware fit ranks them); with c->dry, only
 * the placement, nothing taken (cs_alloc_find_types), and with c->dry 2
 * only whether there is one (cs_alloc_fits_types). */
int cs_place_types(cs_sched_ctx *c, uint32_t jid, cs_placement *p);
/* s[0 .. n) into *buf, grown to hold them (*cap slots): 0, or -1 out of
 * memory with *buf as it was. */
int cs_place_copy_slots(cs_slot **buf, uint32_t *cap, const cs_slot *s, uint32_t n);
/* cs_place_types, keeping off the nodes of advance reservations the job
 * may not use if it ran from `at` for its estimate. */
int cs_place_try_at(cs_sched_ctx *c, uint32_t jid, cs_placement *p, cs_time at);
/* Place jid now (into its slots), keeping off what the hold needs if the
 * job would still run at the hold's time. 0, -CS_ENOFIT, or the
 * allocator's -CS_EINVAL for a request it cannot take. */
int cs_place_start(cs_sched_ctx *c, uint32_t jid);
/* (tests: a start's what-if entries beside the holds, when kept from the
 * last, made afresh too and compared: how many were kept, and differed) */
void cs_place_aw_check(int on);
uint64_t cs_place_aw_kept(void);
uint64_t cs_place_aw_differ(void);
/* Take what the pass's holds need of what is free now, for a job jid that
 * would run over [a, b): the first hold's and each extra hold's whose
 * interval meets [a, b) (not jid's own). Into aside (room for every
 * hold's slots); the caller releases it. */
void cs_place_aside_holds(cs_sched_ctx *c, uint32_t jid, cs_time a, cs_time b, cs_placement *aside);
/* c->pfirst, c->ptypes (with the sets') and c->part_mask from the
 * machine's partitions (at the start of a run): 0 or -CS_ENOMEM. */
int cs_place_masks(cs_sched_ctx *c);
/* The node types job jid may use, one bit each (all bits: any type, or a
 * cluster of more than 64 types): holds on types a job cannot use never
 * keep it off anything. */
static inline uint64_t cs_place_mask(const cs_sched_ctx *c, uint32_t jid)
{
	int32_t p = c->jobs[jid].partition;
	return p < 0 || (uint32_t)p >= c->npart ? ~0ull : c->part_mask[p];
}
/* Does job jid's partition stand for several (a set, or the scratch one)? */
static inline int cs_place_multi(const cs_sched_ctx *c, uint32_t jid)
{
	return c->sets && c->jobs[jid].partition >= 0 && (uint32_t)c->jobs[jid].partition >= c->sets->base;
}
/* The position, in set s, of the first of the partitions chosen by which
 * whose node types hold node `node` (where a placement of a job of set s
 * lies), or -1. */
int cs_place_member(const cs_sched_ctx *c, int32_t s, uint64_t which, uint32_t node);
/* Make the scratch partition the node types of the partitions of set s
 * chosen by which; returns its index. */
int32_t cs_place_scratch(cs_sched_ctx *c, int32_t s, uint64_t which);
/* The first hold, asked for lazily, is placed now (on failure, which
 * cannot happen, c->hold_on drops). */
void cs_place_first_hold(cs_sched_ctx *c);
/* Place extra hold k (a lazy one, or the one being added), given the
 * first hold and the extra holds before k. 0 or -CS_EINVAL. */
int cs_place_xhold(cs_sched_ctx *c, size_t k);

/* --- hold.c --- */

/* A hold's time and placement (into out[0 .. *nout)) for jid, and the
 * placement's stamp (hold_stamp: a new one, or the one it had when kept
 * from an earlier pass): 0, or -CS_EINVAL. With c->xh_building, given
 * every earlier hold of the pass. */
int cs_hold_find(cs_sched_ctx *c, uint32_t jid, cs_slot *out, uint32_t *nout, cs_time *when, uint64_t *stamp);
#define HMEMO_SIZE 64u /* holds kept, by job number: a pass holds a few */
#define HLOG_SIZE 128u /* changes noted (a power of two) */
struct hold_log {
	uint64_t mask;
	uint32_t jid;
};
/* A change on the node types in mask (all bits: every type): job jid
 * started, or (UINT32_MAX) anything else changed what is free or the
 * running set there. Inlined: one a start or an end. */
static inline void cs_hold_log(cs_sched_ctx *c, uint64_t mask, uint32_t jid)
{
	c->hlog[++c->hseq & (HLOG_SIZE - 1)] = (struct hold_log){ mask, jid };
}
/* (tests: holds kept past starts searched again too, and compared) */
void cs_hold_past_check(int on);
uint64_t cs_hold_past_kept(void);
uint64_t cs_hold_past_differ(void);
/* Job jid will never hold again (it was cancelled): its kept hold goes. */
void cs_hold_forget(cs_sched_ctx *c, uint32_t jid);
/* The kept holds (c->hmemo), empty: 0 or -CS_ENOMEM. */
int cs_hold_init(cs_sched_ctx *c);
void cs_hold_free(cs_sched_ctx *c);
/* Job jid entered the running set at est_end (after every entry with
 * est_end <= it), or left it from there: c->prun follows (out of memory,
 * it is dropped). */
void cs_hold_run_in(cs_sched_ctx *c, uint32_t jid, cs_time est_end);
void cs_hold_run_out(cs_sched_ctx *c, uint32_t jid, cs_time est_end);

/* --- shape.c --- */

/* The table of request shapes (c->shp), empty: 0 or -CS_ENOMEM. */
int cs_shape_init(cs_sched_ctx *c);
void cs_shape_free(cs_sched_ctx *c);
/* A new memo: what failed before no longer stands (a pass, a hold or a
 * preemption changed what may be used). */
void cs_shape_memo_reset(cs_sched_ctx *c);
/* Is it known that job j's shape does not fit: mask 1, what is free now
 * (in this pass, or kept from an earlier one while none of its node types
 * got anything back); mask 2, beside the one hold on its node types in
 * this pass? */
int cs_shape_failed(cs_sched_ctx *c, const cs_job *j, unsigned mask);
/* cs_ctx_nofit_key: cs_shape_part_key when job jid's shape keeps a
 * failure on what was free that stands now (then cs_shape_failed(c, j, 1)
 * holds while that key stays), else 0. */
uint64_t cs_shape_kept_key(cs_sched_ctx *c, uint32_t jid);
/* 1 + the count of give-backs on job jid's node types (0: nothing kept for
 * its shape: the plain engine, the scratch partition). */
uint64_t cs_shape_part_key(cs_sched_ctx *c, uint32_t jid);
/* Job j did not fit (bit = 1: what was free; 2: beside the one hold on
 * its node types): noted for its shape in this pass; the first also kept
 * across passes. */
void cs_shape_fail(cs_sched_ctx *c, const cs_job *j, unsigned bit);
/* (tests: every refusal of a shape by one of its partition that failed
 * and asks no more of anything (shape.c dom_failed) tried as well, dry:
 * how many were refused, and how many of those fitted) */
void cs_shape_dom_check(int on);
uint64_t cs_shape_dom_refused(void);
uint64_t cs_shape_dom_differ(void);
/* Job j fitted what was free, its node types at version ver
 * (cs_place_ver): kept for its shape. */
void cs_shape_fit(cs_sched_ctx *c, const cs_job *j, uint64_t ver);
/* Did job j's shape fit what was free with its node types at version ver
 * (cs_shape_fit)? Then it fits now: nothing changed on them since. */
int cs_shape_fits(cs_sched_ctx *c, const cs_job *j, uint64_t ver);
/* Did job jid's shape fail beside the one hold on its node types, in this
 * pass or in an earlier one beside the same hold with nothing freed on
 * those types since? */
int cs_shape_hold_failed(cs_sched_ctx *c, uint32_t jid);
/* cs_shape_hold_failed where the caller knows the one hold on jid's node
 * types (what one_hold in shape.c finds: its slots s, n of them, and its
 * stamp). */
int cs_shape_hold_failed_on(cs_sched_ctx *c, uint32_t jid, const cs_slot *s, uint32_t n, uint64_t stamp);
/* Job jid did not fit beside the one hold on its node types: noted for
 * this pass and kept for later ones. */
void cs_shape_hold_fail(cs_sched_ctx *c, uint32_t jid);
/* 0 if job jid fits the empty machine (before the run; uses the memo:
 * reset it after), else the allocator's error. */
int cs_shape_fits_empty(cs_sched_ctx *c, uint32_t jid);

/* --- plan.c, plan_prof.c, plan_find.c, plan_nowin.c --- */

struct pwin {
	cs_time a, z;  /* start times [a, z] */
	uint32_t node;
};

/* A node's windows in one search: from the profile one at a time, or
 * (a node under advance reservations) all at once, cut, in win[wi..wn). */
struct pnode {
	cs_nprof_iter it;
	cs_time first; /* its first window's start (CS_TIME_MAX: none before the search's bound) */
	uint32_t node, wi, wn;
	int eager;
};

struct hent {
	cs_time key, a, z;
	uint32_t idx;
};

#define LB_LEVELS 5u /* the bounds' GPU counts: 1, 2, 4, 8, 16 (cores: 1, 8, 32, 64, 128) */
#define LB_SPANS 5u  /* and durations: 1 s, 1 h, 4 h, 16 h, 64 h */
#define LB_TREES (LB_LEVELS * LB_SPANS)
_Static_assert(LB_LEVELS <= CS_NPROF_MAX_COUNTS, "cs_nprof_first_runs takes this many GPU counts");
_Static_assert(LB_TREES <= 32, "a bound's refresh keeps its changed trees in 32 bits");
/* The bounds cost upkeep on every profile change; they pay off only when
 * a search would otherwise start very many nodes (measured: 60 generated
 * days on the default 354 nodes 4.8 s without, 5.6 s with; 10k nodes with
 * 1k queued 795 -> 47 us a pass). */
#define LB_MIN_NODES 1024u
#define NEAR_CAP 64u /* the most nodes kept in pl->near_of for a plan */
#define NW_SLOTS 4u  /* levels kept per node by cs_plan_nowin */

/* A node's runs of at least some GPUs (cores) free, for cs_plan_nowin:
 * from a to z (CS_TIME_MAX: for ever) and the longest length up to each
 * (len), n of them. */
struct nwslot {
	/* the first run's start and its longest length up to it (len[0]),
	 * and the longest of all (len[n - 1]); INT64_MIN lengths: no run.
	 * nowin_first reads these, the arrays only past the first run */
	cs_time a0, len0, lenmax;
	cs_time *a, *z, *len;
	size_t cap;
	uint32_t n;
};

/* What cs_plan_nowin knows of a node: valid while its profile version,
 * the time and its free amounts are these (at a later time, the same runs
 * but the first one's start, while no event of the node has come due:
 * cs_nprof_runs_advance); the level of each slot (0: empty;
 * cs_plan_nowin_level), lastlv the last used one's (lvl[last]), and when
 * each was last used; open: bit k, slot k's first run starts at now (the
 * runs a move in time changes: no other run starts at a later now, as
 * every event of the node is after it). What a look-up checks is in its
 * first 64-byte line, each slot in one of its own (pl->nw is aligned). */
struct nwnode {
	_Alignas(64) uint64_t ver;
	cs_time now;
	cs_nprof_amt f;
	int64_t lastlv;
	uint32_t last, open, clock;
	_Alignas(64) int64_t lvl[NW_SLOTS];
	uint32_t used[NW_SLOTS];
	struct nwslot _Alignas(64) s[NW_SLOTS];
};
_Static_assert(sizeof(struct nwslot) <= 64, "a slot in one line");
_Static_assert(offsetof(struct nwnode, clock) + sizeof(uint32_t) <= 64, "a look-up's fields in one line");

struct planner {
	cs_nprof prof;
	uint64_t epoch;
	uint64_t *epoch_of;         /* per job: the epoch its plan was made in */
	/* per job with a plan of several nodes: at most this many of its
	 * nodes could hold it together at any time before its plan (counted
	 * by the search that made it, or that and the nodes freed since when
	 * a plan stood without one). Nodes not freed since hold no more, so a
	 * plan can move earlier only if this and the freed nodes that hold
	 * it before the plan make its node count. */
	uint32_t *open_max;
	uint32_t search_open;       /* the search's most windows open at once, short of a fit */
	/* per job with a plan of several nodes: the nodes that could hold
	 * it before its plan when its last search made it (those whose first
	 * window started before the plan), and the nodes freed since it
	 * stood without a search, but for those seen then to hold none
	 * before it; NULL: not kept (more than NEAR_CAP, or
	 * none made yet). Every other node holds no more than then, so a
	 * search for an earlier plan looks at these and the nodes freed
	 * since, and finds what a search of every node would. */
	uint32_t **near_of;         /* (njobs of them) */
	uint32_t *near_n;
	size_t njobs;
	uint32_t *near, nnear;      /* the search's such nodes */
	uint32_t *only;             /* scratch: the nodes a search looks at */
	/* beside the engine's planned[] (same order): each plan's start and
	 * its job's node types, for a scan of the plans without a look at
	 * their jobs */
	cs_time *pstart;
	uint64_t *pmask;
	/* and per node type t, a bit per place in planned[]: set where the
	 * plan's job may use t (its pmask), for a scan of those plans alone
	 * (pwords words a type; NULL with more than 64 types) */
	uint64_t *pbits;
	size_t pwords;
	uint64_t overdue_pass;      /* the pass whose overdue jobs started an epoch */
	uint64_t worse_epoch;       /* the latest epoch that may have broken plans (overdue jobs) */
	uint64_t *type_freed_epoch; /* per node type: the latest epoch that freed one of its nodes */
	/* nodes given capacity back, by epoch */
	struct pfreed { uint64_t epoch; uint32_t node; } *freed;
	size_t nfreed, freed_cap;
	/* with tplan, the same per node type, each node once: per node its
	 * latest freeing's epoch and its place in all freeings (seq, from 1;
	 * 0: never freed), and the nodes of its type freed before and after
	 * it last (older, newer; UINT32_MAX: none newer); a freeing moves its
	 * node to the front, so a type's list is in the order of the nodes'
	 * latest freeings, the latest (tlast[t]) first, as the log read from
	 * its end with each node taken once. Every list ends at the entry
	 * after the nodes' (flast[nnodes], epoch 0: never after a plan's, seq
	 * 0), so a walk while the epoch is after a plan's needs no test of
	 * the end (tlast[t] is it where none of the type was freed) */
	struct pflast { uint64_t epoch, seq; uint32_t older, newer; } *flast;
	uint32_t *tlast;
	uint64_t fseq;
	uint32_t *fnodes;           /* scratch: the nodes freed since a plan was made */
	/* the last such list made (freed_since): the epoch it was made in,
	 * the plan's epoch and node types it was for; it stands until an
	 * epoch starts (the only change of the freed nodes). Plans visited in
	 * a pass are mostly of one epoch and node types. */
	uint32_t *fs_nodes, fs_n;
	uint64_t fs_epoch, fs_e, fs_mask;
	/* the list as first made in that epoch for that mask, for fs_eb:
	 * fs_nb nodes, each with its latest freeing's epoch (fs_ep); the list
	 * for a later plan epoch is its first nodes (fs_n of them) */
	uint64_t *fs_ep, fs_eb;
	uint32_t fs_nb;
	int fs_ok;
	/* that list's stamp (a new one each time it is made), the count of
	 * profile changes of its nodes (fs_touch, lb_touch: fs_listed says
	 * which nodes are in it), and per tree of bounds, GPUs'
	 * then cores', as of a stamp and count (or of an epoch, mask and
	 * profile clock: a list made again for another plan's epoch starts
	 * with the same nodes), the least bound of the list's first nodes, up
	 * to at (fs_before in plan.c) */
	uint32_t fs_ver;
	uint64_t fs_touch;
	struct fsleast {
		uint64_t touch, epoch, mask, clock;
		cs_time least;
		uint32_t ver, at;
	} fsl[2 * LB_TREES];
	/* Lower bounds that let a search skip nodes: per GPU count g = 1, 2,
	 * 4, 8, 16 and duration D = 1 s, 1 h, 4 h, 16 h, 64 h, a min tree
	 * over the nodes (in type_nodes order) of the first time each has g
	 * GPUs free for D seconds on end. A node's first window for a job of
	 * g or more GPUs for D or more seconds starts no earlier, so a search
	 * starts nodes in that order and only while they could still matter.
	 * (With GPU counts alone, a queue planned deep into the future started
	 * nearly every node per search: short gaps between plans made the
	 * bounds early.) Kept up lazily: a node whose profile changed is marked
	 * and its bounds redone when read, a row (a count: its LB_SPANS trees)
	 * at a time: most changes see one row read before the next. */
	uint32_t P;                 /* leaves per tree: a power of two >= nodes */
	cs_time *lb;                /* [2P][LB_TREES]: tree k * LB_SPANS + s for 2^k GPUs over lb_span[s] */
	/* per row and node type: the nodes whose row is to be redone, or was
	 * by cs_plan_lb since they were listed (row r's of type y at
	 * lb_dirty[r * nlb_nodes + type_first[y] ..], nlb_dirty[r * ntypes +
	 * y] of them: a search reads one type's nodes); per node, bit t: tree
	 * t's entry is to be redone, with its row (lb_stale), and bit r: it is
	 * listed in row r (lb_listed; stale rows are listed) */
	uint32_t *lb_dirty, *nlb_dirty;
	uint32_t *lb_stale;
	uint8_t *lb_listed;
	uint32_t *lb_pend;          /* per node: the trees whose entries above its leaf are to be redone */
	/* per tree: the nodes pending in it (lb_tlist[t * nlb_nodes ..], lb_tn[t] of them) */
	uint32_t *lb_tlist, lb_tn[LB_TREES], nlb_nodes;
	/* per node type: its bounds count cores, not GPUs, at lb_cores (a
	 * type whose nodes have no GPUs to give, as of the first plan: a
	 * search of a job without GPUs on it uses them, one with GPUs does
	 * not) */
	uint8_t *lb_cores;
	/* per node: its leaf in the trees (P + its place in type_nodes) times
	 * 2 plus its type's lb_cores, the one read of the node for its bounds
	 * (cs_plan_lb, the rows and the trees' upkeep) beside its stale bits */
	uint32_t *lb_leaf;
	uint8_t *lb_job;            /* per job: its tree of bounds (cs_plan_lb_job) */
	struct hent *sh;            /* the search's frontier: tree nodes (idx: tree node), or nodes by their runs (idx: node) */
	uint32_t ntypes;
	uint32_t *type_first, *type_nodes; /* nodes by type */
	uint32_t *resv_first, *resv_of;    /* advance reservations by node */
	struct pwin *win;
	size_t nwin, win_cap;
	cs_time *wa, *wz;           /* one node's windows */
	size_t w_cap;
	uint32_t *nodes, *old_nodes; /* chosen nodes; a plan's nodes before it is made again */
	uint32_t *muted;            /* a muted plan's events' indices in the profile (start, end per node) */
	struct pcand { int64_t g; cs_time a, z; uint32_t node; } *cand;
	struct pnode *pn;           /* a search's nodes */
	struct hent *h1, *h2;       /* its heaps: next windows by start, open windows by end */
	uint32_t *mark, gen;
	/* per node: its profile's stamp, a new one (++pclock) at each change,
	 * and the one before a mute again once the plan is given back (the
	 * profile as it was: what was known of it holds again) */
	uint64_t *pver, pclock;
	uint64_t *mver;             /* a muted plan's nodes' stamps before the mute */
	struct nwnode *nw;          /* per node: its runs (cs_plan_nowin) */
	/* cs_plan_nowin_spans' spans (nsp) as their edges, each one number
	 * that sorts them by time, an end before a start: 2 t + 1 at a span's
	 * first start t (in sp), 2 t just after its last (t, in sp_end) */
	int64_t *sp, *sp_end, *sp_tmp; /* (sp_tmp: room for a sort's merges) */
	size_t nsp, sp_cap, sp_end_cap, sp_tmp_cap;
	/* nodes nothing_earlier walked without finding a window before the
	 * plan, stamped with its call's nowin_gen: the search that may follow
	 * leaves them out (the plan's own nodes are never stamped, so muting
	 * it changes none of theirs) */
	uint32_t *nowin, nowin_gen;
	uint32_t wb_at;             /* windows_in's last call looked at its nodes' first wb_at (it stops at enough) */
	cs_slot *aside;
	/* jobs with a topology rule (one leaf, k leaves, one block): */
	uint32_t nleaves, lpb;      /* the allocator's leaves, leaves per block (0: none) */
	uint32_t *lcnt, *bcnt;      /* scratch: candidates per leaf and per block, zero between uses */
	uint32_t *ltouch, *lorder;  /* scratch: the leaves counted; leaves in the order taken */
	uint32_t *tnodes;           /* scratch: the candidates' nodes */
	/* The plans a pass visits (cs_ctx_plan_next): a plan stands as it is
	 * while it is not due and no node type its job may use got anything
	 * back since it was made or last visited. tplan[t]: the planned jobs
	 * that may use node type t (NULL with more than 64 types: every plan
	 * is visited); allp: every planned job; tovisit: the plans to visit,
	 * those whose start came (taken from dheap, plans by start, stale
	 * entries skipped) and those on a node type freed since they were
	 * made or last visited (visits_of_freed: those a freeing may move). A walk
	 * that passed every plan (nx_full) ends what overdue jobs broke. */
	cs_hbm *tplan, allp, tovisit;
	/* The nodes freed since the walk's last step (fpend_in[node]:
	 * listed), each once, in fpend[0 .. nfpend): its next step, or the
	 * next walk's first, adds to tovisit only the plans they may move
	 * (cs_plan_freed, visits_of_freed; NULL with more than 64 node
	 * types). */
	uint32_t *fpend, nfpend;
	uint8_t *fpend_in;
	uint32_t *fpend_t;          /* scratch: those of one type */
	/* per job with a plan, set as it is made: what visits_of_freed asks
	 * of it without its job's record or slots (bloom: bit node % 64 of
	 * each of its nodes; lv: cs_plan_nowin_level of its need; d: its
	 * plan_len) */
	struct pvis { uint64_t bloom; int64_t lv; cs_time d; uint32_t nodes; } *pvis;
	cs_nprof_amt *fpend_f;      /* scratch: their free amounts now */
	/* The plans a freeing may move without asking each (plan_index.c;
	 * with tplan, with bounds kept or not): per node type, its plans by their need's level (pvis
	 * lv; a group per level), each group's by length (len: key d) and by
	 * start (start: key the plan's start), sorted by (key, jid); per node,
	 * the plans on it (ix_node, ix_nnodes nodes); the plans whose last
	 * search saw enough nodes open (ix_open: open_max at least their node
	 * count, kept as seen() leaves them, ix_nopen of them); ix_sl: scratch, the freed nodes'
	 * runs. */
	struct ixtype {
		struct ixgroup {
			int64_t lv;
			struct ixarr { struct ixent { cs_time key; uint32_t jid; } *e; uint32_t n; size_t cap; } len, start;
		} *g;
		uint32_t n;
		size_t cap;
	} *ix_type;
	struct ixnode { uint32_t *j; uint32_t n; size_t cap; } *ix_node;
	uint32_t ix_nnodes;
	cs_hbm ix_open;
	uint32_t ix_nopen;          /* ix_open's count */
	const struct nwslot **ix_sl;
	cs_time *ix_ao;             /* scratch: their runs open for ever's starts, ascending */
	/* per job: how many more of the nodes freed since its plan was made
	 * or last visited must be found that may count as holding it (its
	 * own, or one whose runs show a window before its start; a node freed
	 * twice counts twice) before it is to visit: set by seen() to its
	 * node count less its open_max (1 for a plan of one node), 0 once it
	 * is to visit (or in ix_open) */
	uint32_t *ix_left;
	/* the job whose plan cs_ctx_plan drops to make it again later (a
	 * move: the same level and length), or UINT32_MAX: its entries by
	 * length stay in the sets across the drop, and the new plan adds none */
	uint32_t ix_moving;
	/* (tests, made when the check is first asked: plan_prof.c's
	 * ix_scratch) visits_of_freed's plans asked one by one, and their
	 * answers (per job: 0 not asked, 1 stands, 2 may move) */
	uint32_t *ix_want;
	uint8_t *ix_mark;
	uint32_t *ix_sum;           /* (per job: its counts so far over a freeing's types) */
	struct pdue { cs_time t; uint32_t jid; } *dheap;
	size_t ndheap, dheap_cap;
	uint64_t nx_pass, wsnap, swept_worse;
	uint32_t nx_from;
	int nx_full;
};

static inline cs_time plan_len(const cs_job *j)
{
	return j->estimate_s > 0 ? j->estimate_s : 1;
}

/* What a job needs of each of its nodes, as a profile amount. */
static inline cs_nprof_amt job_need(const cs_job *j)
{
	return (cs_nprof_amt){ j->gpus_per_node, j->cores_per_node, j->mem_per_node_mib };
}

/* What is free on a node now, as a profile amount. */
static inline cs_nprof_amt node_free_now(const cs_sched_ctx *c, uint32_t node)
{
	uint32_t gpus, cores, mem;
	cs_alloc_rec_counts(c->arec, node, &gpus, &cores, &mem);
	return (cs_nprof_amt){ gpus, cores, mem };
}

/* Make room for need elements of size bytes in *p (*cap of them now),
 * doubling: 0, or -1 (out of memory; *p as it was). */
static inline int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 64;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * size);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

/* The planner and everything it holds (NULL: nothing). */
void cs_plan_free(struct planner *pl);
/* Add (add != 0) or remove a running job's give-backs at its estimated
 * end in the plans' profile. */
void cs_plan_running(cs_sched_ctx *c, uint32_t jid, int add);
/* Job jid's plan is gone (it starts, is rejected, or is made again). */
void cs_plan_drop(cs_sched_ctx *c, uint32_t jid);
/* Capacity came back on these nodes (slots, or node numbers): a new
 * epoch, in which plans may move earlier, onto one of them. */
void cs_plan_freed(cs_sched_ctx *c, const cs_slot *slots, const uint32_t *nodes, uint32_t n);
/* The earliest time before bound at which jid fits (its nodes in
 * pl->nodes), or CS_TIME_MAX (plan_find.c). */
cs_time cs_plan_find(cs_sched_ctx *c, uint32_t jid, cs_time bound, const uint32_t *only, uint32_t nonly);
/* The level cs_plan_nowin looks a job's need up at: 2 v for v GPUs, or
 * without GPUs 2 v + 1 for v cores, the most 2^k at most its (fewer
 * levels, each proving for more jobs); 0: none (a job needing neither). */
static inline int64_t cs_plan_nowin_level(cs_nprof_amt need)
{
	if (need.g > 0)
		return 2 * need.g;
	return need.c > 0 ? ((int64_t)2 << (63 - __builtin_clzll((unsigned long long)need.c))) + 1 : 0;
}
/* Node's runs for level lv (free amounts f now), made if need be (NULL:
 * out of memory); plan_int.h's cs_plan_nowin asks it when the last level
 * asked of the node is not still known. (plan_nowin.c) */
struct nwslot *cs_plan_nowin_slot(cs_sched_ctx *c, uint32_t node, int64_t lv, const cs_nprof_amt *f);
void cs_plan_nowin_free(struct planner *pl);
/* Add (add != 0) or remove the failure model's down resources' give-backs
 * at their repairs (cs_fail_pieces) in the plans' profile. */
void cs_plan_down(cs_sched_ctx *c, int add);
/* A failure took resources plans counted on: every plan is searched again. */
void cs_plan_broken(cs_sched_ctx *c);

/* --- failures.c: the failure model's side of the engine --- */

/* Down resources coming back: s at its repair's end t. */
struct cs_fail_piece {
	cs_time t;
	cs_slot s;
};
/* The first failures into the event queue: 0 or -CS_ENOMEM. */
int cs_fail_begin(cs_sched_ctx *c);
/* An EV_FAIL or EV_REPAIR event; submitted: every job has been
 * submitted (once the workload is done, no failure is applied and none is
 * drawn). 1 if a pass is owed (jobs stopped, or resources back with jobs
 * waiting). Out of memory sets c->failed. */
int cs_fail_event(cs_sched_ctx *c, const cs_event *e, int submitted);
/* Is this END event (job jid at t) that of a run a failure stopped? Then
 * it is consumed: 1. */
int cs_fail_stale_end(cs_sched_ctx *c, uint32_t jid, cs_time t);
/* What is down, as pieces given back at their repairs, sorted by time. */
size_t cs_fail_pieces(cs_sched_ctx *c, struct cs_fail_piece **out);

/* --- stage.c: stage-in and stage-out (capsim/stage.h; needs c->sg) --- */

/* Does job jid move data (then its run is staged: cs_stage_begin)? */
int cs_stage_staged(const cs_sched_ctx *c, uint32_t jid);
/* Job jid starts now, its nodes taken: its stage-in begins (or its work,
 * without input). 0 or -CS_ENOMEM. */
int cs_stage_begin(cs_sched_ctx *c, uint32_t jid);
/* Job jid's run stops now (a preemption or a failure): its transfer under
 * way is cancelled. 0 or -CS_ENOMEM. */
int cs_stage_stop(cs_sched_ctx *c, uint32_t jid);
/* An EV_XFER, EV_WORK or EV_LIMIT event; a job whose run is over gets its
 * END event at this second. Out of memory sets c->failed. */
void cs_stage_event(cs_sched_ctx *c, const cs_event *e);

#endif
