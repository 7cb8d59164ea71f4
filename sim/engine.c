/* capsim: the discrete-event engine.
 *
 * Two event types: SUBMIT (job enters the policy's queue) and END (job
 * leaves the machine). Submissions are fed lazily: one pending SUBMIT sits
 * in the queue at a time, the next pushed when it pops, so the heap holds
 * at most (running jobs + 1) events. Because the class decides order before
 * the insertion sequence, this gives exactly the order of pushing all
 * submissions up front.
 */
#include "capsim/engine.h"
#include "capsim/evq.h"
#include "nodeprof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EV_SUBMIT = 0, EV_END = 1, EV_WAKE = 2 };

/* A wakeup a policy asked for comes after the ends and submissions of its
 * time, so the pass it triggers sees them all. */
#define WAKE_CLASS 2u

/* A running job as the scheduler sees it, kept sorted by estimated end. */
typedef struct run_ent {
	cs_time est_end;
	uint32_t jid;
	uint32_t size;
} run_ent;

struct cs_sched_ctx {
	cs_job *jobs;
	size_t njobs;
	uint32_t total, free;
	cs_time now;
	cs_evq evq;
	unsigned end_cls;
	cs_time released_at; /* release=estimate: the time early_release last ran */
	run_ent *run;    /* sorted by est_end; ties in start order */
	size_t nrun;
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
	cs_slot *slots;        /* job j's placement: slots[off[j] .. off[j] + nodes) */
	size_t *off;
	cs_slot *hold_slots;   /* the hold's placement (at hold_time) */
	uint32_t hold_n;
	cs_slot *tmp_slots;    /* the part of the hold free now, set aside during a start */
	int hold_lazy;         /* hold asked for, placement not computed yet (node model) */
	/* Requests that failed in this pass (node model): resources only
	 * shrink during a pass, so a request shape that did not fit stays
	 * unfit until the pass ends. */
	struct memo_ent {
		uint32_t gen;
		uint8_t failed;    /* bit 0: without the hold's aside; bit 1: with it */
		int32_t part;
		uint32_t nodes, gpus, cores, mem;
		uint32_t topo;     /* rule | max_leaves << 8 */
	} *memo;
	uint32_t memo_gen, memo_used;
	const cs_observer *obs;
	uint32_t nnodes;
	cs_slot *snap;         /* the hold: what is free now, node by node */
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
};

static inline void observe(const cs_sched_ctx *c, unsigned what, uint32_t jid)
{
	if (c->obs)
		c->obs->event(c->obs->ctx, c->now, what, jid);
}

#define MEMO_SIZE 4096u

static struct memo_ent *memo_find(cs_sched_ctx *c, const cs_job *j, int insert)
{
	uint32_t topo = j->topo | (uint32_t)j->max_leaves << 8;
	uint32_t h = (uint32_t)j->partition * 0x9e3779b1u ^ j->nodes * 0x85ebca6bu ^ j->gpus_per_node * 0xc2b2ae35u ^
		     j->cores_per_node * 0x27d4eb2fu ^ j->mem_per_node_mib * 0x165667b1u ^ topo * 0x61c88647u;
	h ^= h >> 15;
	for (uint32_t k = 0; k < MEMO_SIZE; k++) {
		struct memo_ent *e = &c->memo[(h + k) & (MEMO_SIZE - 1)];
		if (e->gen != c->memo_gen) {
			if (!insert || c->memo_used >= MEMO_SIZE / 2)
				return NULL;
			c->memo_used++;
			*e = (struct memo_ent){ c->memo_gen, 0, j->partition, j->nodes, j->gpus_per_node,
						j->cores_per_node, j->mem_per_node_mib, topo };
			return e;
		}
		if (e->part == j->partition && e->nodes == j->nodes && e->gpus == j->gpus_per_node &&
		    e->cores == j->cores_per_node && e->mem == j->mem_per_node_mib && e->topo == topo)
			return e;
	}
	return NULL;
}

static void memo_reset(cs_sched_ctx *c)
{
	c->memo_gen++;
	c->memo_used = 0;
}

static int memo_failed(cs_sched_ctx *c, const cs_job *j, unsigned mask)
{
	struct memo_ent *e = memo_find(c, j, 0);
	return e && (e->failed & mask);
}

static void memo_fail(cs_sched_ctx *c, const cs_job *j, unsigned bit)
{
	if (c->resv_hit)
		return; /* the failure depended on the job's estimate, not only its shape */
	struct memo_ent *e = memo_find(c, j, 1);
	if (e)
		e->failed |= (uint8_t)bit;
}

static int node_hold(cs_sched_ctx *c, uint32_t jid, cs_time *when);

cs_time cs_ctx_now(const cs_sched_ctx *c) { return c->now; }
uint32_t cs_ctx_free(const cs_sched_ctx *c)
{
	if (c->nm) {
		uint64_t f = cs_alloc_free_gpus(c->A);
		return f > UINT32_MAX ? UINT32_MAX : (uint32_t)f;
	}
	return c->free;
}
uint32_t cs_ctx_total(const cs_sched_ctx *c) { return c->total; }
int cs_ctx_node_model(const cs_sched_ctx *c) { return c->nm != NULL; }

static cs_placement placement_of(const cs_sched_ctx *c, uint32_t jid)
{
	uint32_t n = c->jobs[jid].nodes;
	return (cs_placement){ c->slots + c->off[jid], n, n };
}

/* Place job jid on the allocator now: on its partition's node types (in
 * order, or as the fragmentation-aware fit ranks them). */
static int place_types(cs_sched_ctx *c, uint32_t jid, cs_placement *p)
{
	const cs_job *j = &c->jobs[jid];
	cs_request rq = cs_job_request(j);
	const cs_node_machine *m = c->nm;
	if (j->partition < 0 || (uint32_t)j->partition >= m->npartitions)
		return cs_alloc_try(c->A, &rq, p);
	uint32_t k0 = m->part_first[j->partition];
	return cs_alloc_try_types(c->A, &rq, m->part_types + k0, m->part_first[j->partition + 1] - k0, p);
}

/* place_types, keeping off the nodes of advance reservations the job may
 * not use if it ran from `at` for its estimate (c->resv_hit says whether
 * any was kept off). */
static int node_try_at(cs_sched_ctx *c, uint32_t jid, cs_placement *p, cs_time at)
{
	const cs_job *j = &c->jobs[jid];
	const cs_node_machine *m = c->nm;
	c->resv_hit = 0;
	if (!m->nresv)
		return place_types(c, jid, p);
	cs_placement aside = { c->resv_slots, c->resv_cap, 0 };
	for (size_t r = 0; r < m->nresv; r++) {
		const cs_resv *v = &m->resv[r];
		if (v->project >= 0 && v->project == j->group)
			continue;
		if (at >= v->end || at + j->estimate_s <= v->start)
			continue;
		for (uint32_t i = 0; i < v->nnodes; i++) {
			cs_slot s;
			cs_alloc_node_free(c->A, v->nodes[i], &s);
			if (!s.gpu_mask && !s.cores && !s.mem_mib)
				continue;
			cs_placement one = { &s, 1, 1 };
			cs_alloc_take(c->A, &one); /* what is free on it */
			aside.slots[aside.n++] = s;
		}
	}
	c->resv_hit = aside.n > 0;
	int rc = place_types(c, jid, p);
	cs_alloc_release(c->A, &aside);
	if (rc == -CS_ENOFIT && c->resv_hit && at == c->now) {
		/* would it fit but for the reservations? (for the pending reason) */
		cs_placement q = { c->tmp_slots2, j->nodes, 0 };
		if (place_types(c, jid, &q) == 0) {
			cs_alloc_release(c->A, &q);
			c->resv_block[jid] = c->st->passes;
		}
	}
	return rc;
}

static int node_try(cs_sched_ctx *c, uint32_t jid, cs_placement *p)
{
	return node_try_at(c, jid, p, c->now);
}

/* Node model: place jid now, keeping off what the hold needs if the job
 * would still run at the hold's time. */
static int node_start(cs_sched_ctx *c, uint32_t jid)
{
	const cs_job *j = &c->jobs[jid];
	cs_placement p = { c->slots + c->off[jid], j->nodes, 0 };
	if (memo_failed(c, j, 1))
		return -CS_ENOFIT;
	if (c->hold_on && c->hold_lazy && jid != c->hold_jid) {
		/* the hold matters only to a job that fits now: find out first */
		int rc = node_try(c, jid, &p);
		if (rc < 0) {
			if (rc == -CS_ENOFIT)
				memo_fail(c, j, 1);
			return rc;
		}
		cs_alloc_release(c->A, &p);
		p.n = 0;
		cs_time t;
		if (node_hold(c, c->hold_jid, &t) < 0) {
			c->hold_on = 0; /* cannot happen: every job fits the empty machine */
		} else {
			c->hold_time = t;
			c->hold_lazy = 0;
		}
	}
	if (!c->hold_on || jid == c->hold_jid || c->now + j->estimate_s <= c->hold_time) {
		int rc = node_try(c, jid, &p);
		if (rc == -CS_ENOFIT)
			memo_fail(c, j, 1);
		return rc;
	}
	if (memo_failed(c, j, 2))
		return -CS_ENOFIT;
	cs_placement aside = { c->tmp_slots, c->hold_n, 0 };
	for (uint32_t i = 0; i < c->hold_n; i++) {
		cs_slot part;
		cs_alloc_free_part(c->A, &c->hold_slots[i], &part);
		if (part.gpu_mask || part.cores || part.mem_mib)
			aside.slots[aside.n++] = part;
	}
	cs_alloc_take(c->A, &aside); /* cannot fail: each part is free now */
	int rc = node_try(c, jid, &p);
	cs_alloc_release(c->A, &aside);
	if (rc == -CS_ENOFIT)
		memo_fail(c, j, 2);
	return rc;
}

static size_t run_lower_bound(const cs_sched_ctx *c, cs_time t)
{
	size_t lo = 0, hi = c->nrun;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->run[mid].est_end < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int commit_start(cs_sched_ctx *c, uint32_t jid, unsigned how, int long_run);
static void plan_drop(cs_sched_ctx *c, uint32_t jid);
static void plan_freed(cs_sched_ctx *c, const cs_slot *slots, const uint32_t *nodes, uint32_t n);
static void prof_running(cs_sched_ctx *c, uint32_t jid, int add);

int cs_ctx_start(cs_sched_ctx *c, uint32_t jid, unsigned how)
{
	if (jid >= c->njobs)
		return -CS_EINVAL;
	cs_job *j = &c->jobs[jid];
	if (j->start_s >= 0 || j->submit_s > c->now || (j->flags & CS_JOB_REJECTED))
		return -CS_EINVAL;
	int long_run = c->hold_on && !c->hold_lazy && jid != c->hold_jid && c->now + j->estimate_s > c->hold_time;
	if (c->plan_start && c->plan_start[jid] >= 0) {
		plan_drop(c, jid); /* started otherwise: its plan's place is free */
		plan_freed(c, c->slots + c->off[jid], NULL, j->nodes);
	}
	if (c->nm) {
		int rc = node_start(c, jid);
		if (rc < 0)
			return rc == -CS_ENOFIT ? rc : -CS_EINVAL;
	} else if (j->size > c->free || (long_run && j->size > c->hold_extra)) {
		return -CS_ENOFIT;
	}
	return commit_start(c, jid, how, long_run);
}

/* The bookkeeping of a start whose resources are taken (node model: the
 * job's slots hold its placement). */
static int commit_start(cs_sched_ctx *c, uint32_t jid, unsigned how, int long_run)
{
	cs_job *j = &c->jobs[jid];
	if (cs_evq_push(&c->evq, c->now + j->runtime_s, c->end_cls, EV_END, jid) < 0) {
		if (c->nm) {
			cs_placement p = placement_of(c, jid);
			cs_alloc_release(c->A, &p);
		}
		c->failed = -CS_ENOMEM;
		return -CS_ENOMEM;
	}
	if (!c->nm) {
		c->free -= j->size;
		if (long_run)
			c->hold_extra -= j->size;
	}
	if (jid == c->hold_jid)
		c->hold_on = 0;
	j->start_s = c->now;
	j->flags &= ~(uint32_t)CS_JOB_RELEASED;
	if (j->start_s == j->submit_s)
		j->reason = CS_WAIT_NONE;
	j->end_s = c->now + j->runtime_s;
	if (how == CS_START_BACKFILL)
		j->flags |= CS_JOB_BACKFILLED;
	c->waiting--;
	/* insert after every entry with est_end <= ours: ties keep start order */
	cs_time est_end = c->now + j->estimate_s;
	size_t pos = run_lower_bound(c, est_end + 1);
	memmove(&c->run[pos + 1], &c->run[pos], (c->nrun - pos) * sizeof *c->run);
	c->run[pos] = (run_ent){ est_end, jid, j->size };
	c->nrun++;
	if (c->pl)
		prof_running(c, jid, 1);
	observe(c, CS_OBS_START, jid);
	return 0;
}

int cs_ctx_shadow(const cs_sched_ctx *c, uint32_t procs, cs_time *when, uint32_t *free_then)
{
	if (c->nm || procs > c->total)
		return -CS_EINVAL;
	uint64_t f = c->free;
	if (procs <= f) {
		*when = c->now;
		*free_then = (uint32_t)f;
		return 0;
	}
	size_t i = 0;
	for (; i < c->nrun; i++) {
		f += c->run[i].size;
		if (f >= procs)
			break;
	}
	/* i < nrun: the machine can hold procs once all running jobs end */
	cs_time t = c->run[i].est_end > c->now ? c->run[i].est_end : c->now;
	for (i++; i < c->nrun; i++) {
		cs_time e = c->run[i].est_end > c->now ? c->run[i].est_end : c->now;
		if (e != t)
			break;
		f += c->run[i].size;
	}
	*when = t;
	*free_then = (uint32_t)f;
	return 0;
}

const char *const cs_wait_names[CS_WAIT_N] = { "None", "Priority", "Resources", "AssocGrpCpuLimit",
						"AssocMaxJobsLimit", "AssocMaxSubmitJobLimit",
						"AssocGrpCPUMinutesLimit", "Reservation" };

void cs_ctx_pending(cs_sched_ctx *c, uint32_t jid, unsigned reason)
{
	if (jid >= c->njobs || reason >= CS_WAIT_N || c->jobs[jid].start_s >= 0)
		return;
	/* a job held off only by an advance reservation in this pass */
	if (reason == CS_WAIT_RESOURCES && c->resv_block && c->resv_block[jid] == c->st->passes)
		reason = CS_WAIT_RESERVATION;
	c->jobs[jid].reason = (uint8_t)reason;
}

void cs_ctx_reject(cs_sched_ctx *c, uint32_t jid, unsigned reason)
{
	if (jid >= c->njobs || c->jobs[jid].start_s >= 0 || (c->jobs[jid].flags & CS_JOB_REJECTED) ||
	    c->jobs[jid].submit_s > c->now)
		return;
	c->jobs[jid].flags |= CS_JOB_REJECTED;
	if (c->plan_start && c->plan_start[jid] >= 0) {
		plan_drop(c, jid);
		plan_freed(c, c->slots + c->off[jid], NULL, c->jobs[jid].nodes);
	}
	if (reason < CS_WAIT_N)
		c->jobs[jid].reason = (uint8_t)reason;
	c->waiting--;
	c->st->rejected++;
	observe(c, CS_OBS_REJECT, jid);
}

int cs_ctx_wakeup(cs_sched_ctx *c, cs_time when)
{
	if (when <= c->now)
		return -CS_EINVAL;
	if (cs_evq_push(&c->evq, when, WAKE_CLASS, EV_WAKE, 0) < 0) {
		c->failed = -CS_ENOMEM;
		return -CS_ENOMEM;
	}
	return 0;
}

size_t cs_ctx_nrunning(const cs_sched_ctx *c) { return c->nrun; }

void cs_ctx_running(const cs_sched_ctx *c, size_t i, cs_time *est_end, uint32_t *size, uint32_t *jid)
{
	*est_end = c->run[i].est_end;
	*size = c->run[i].size;
	if (jid)
		*jid = c->run[i].jid;
}

/* The hold's search: free-now snapshot slots [0, g) are handed back, the
 * rest set aside. Moves from g_old to g_new. */
static void hand_back(cs_sched_ctx *c, uint32_t g_old, uint32_t g_new)
{
	if (g_new > g_old) {
		cs_placement p = { c->snap + g_old, g_new - g_old, g_new - g_old };
		cs_alloc_release(c->A, &p);
	} else if (g_new < g_old) {
		cs_placement p = { c->snap + g_new, g_old - g_new, g_old - g_new };
		cs_alloc_take(c->A, &p); /* cannot fail: free now, and releases only add */
	}
}

/* Node model: give back running jobs in order of estimated end, a time at
 * a time, until jid fits: that time is the hold's. Its placement prefers
 * what running jobs give back over what is free now (what is free now is
 * what backfilling can use): with everything free now set aside, node by
 * node in node order, the fewest of those nodes are handed back (a binary
 * search) for jid to fit. Then the running jobs' slots are taken back
 * exactly. */
static int node_hold(cs_sched_ctx *c, uint32_t jid, cs_time *when)
{
	cs_placement hp = { c->hold_slots, c->jobs[jid].nodes, 0 };
	cs_time t = c->now;
	size_t k = 0;
	/* what is free now, node by node */
	uint32_t ns = 0;
	for (uint32_t n = 0; n < c->nnodes; n++) {
		cs_alloc_node_free(c->A, n, &c->snap[ns]);
		if (c->snap[ns].gpu_mask || c->snap[ns].cores || c->snap[ns].mem_mib)
			ns++;
	}
	int rc = node_try_at(c, jid, &hp, t);
	size_t nr = 0; /* advance reservations' ends passed (they may free nodes) */
	while (rc == -CS_ENOFIT && (k < c->nrun || nr < c->nresv_ends)) {
		cs_time tr = k < c->nrun ? (c->run[k].est_end > c->now ? c->run[k].est_end : c->now) : CS_TIME_MAX;
		while (nr < c->nresv_ends && c->resv_ends[nr] <= t)
			nr++;
		cs_time te = nr < c->nresv_ends ? c->resv_ends[nr] : CS_TIME_MAX;
		t = tr < te ? tr : te;
		if (t == CS_TIME_MAX)
			break;
		for (; k < c->nrun && (c->run[k].est_end > c->now ? c->run[k].est_end : c->now) == t; k++) {
			cs_placement p = placement_of(c, c->run[k].jid);
			cs_alloc_release(c->A, &p);
		}
		while (nr < c->nresv_ends && c->resv_ends[nr] <= t)
			nr++;
		rc = node_try_at(c, jid, &hp, t);
	}
	if (rc == 0)
		cs_alloc_release(c->A, &hp);
	if (rc == 0 && k > 0 && ns > 0) {
		/* the fewest free-now nodes handed back: lo fails, hi fits */
		cs_placement tp = { c->tmp_slots, c->jobs[jid].nodes, 0 };
		uint32_t lo = 0, hi = ns, g = ns;
		hand_back(c, g, 0);
		g = 0;
		if (node_try_at(c, jid, &tp, t) == 0) {
			cs_alloc_release(c->A, &tp);
			hi = 0;
		}
		while (hi > 0 && hi - lo > 1) {
			uint32_t mid = lo + (hi - lo) / 2;
			hand_back(c, g, mid);
			g = mid;
			tp.n = 0;
			if (node_try_at(c, jid, &tp, t) == 0) {
				cs_alloc_release(c->A, &tp);
				hi = mid;
			} else {
				lo = mid;
			}
		}
		hand_back(c, g, hi);
		g = hi;
		hp.n = 0;
		if (node_try_at(c, jid, &hp, t) == 0)
			cs_alloc_release(c->A, &hp);
		else
			rc = -CS_EINVAL; /* cannot happen: hi fits */
		hand_back(c, g, ns);
	}
	for (size_t i = 0; i < k; i++) {
		cs_placement p = placement_of(c, c->run[i].jid);
		cs_alloc_take(c->A, &p); /* cannot fail: exactly what was given back */
	}
	if (rc < 0)
		return -CS_EINVAL;
	c->hold_n = hp.n;
	*when = t;
	return 0;
}

int cs_ctx_hold(cs_sched_ctx *c, uint32_t jid, cs_time *when)
{
	if (jid >= c->njobs || c->jobs[jid].start_s >= 0 || c->jobs[jid].submit_s > c->now ||
	    (c->jobs[jid].flags & CS_JOB_REJECTED))
		return -CS_EINVAL;
	c->hold_on = 0;
	c->hold_lazy = 0;
	cs_time t;
	if (c->nm) {
		memo_reset(c); /* failures against the old hold's aside no longer hold */
		if (!when && c->jobs[jid].reservation_s >= 0) {
			/* computed when a job that fits now needs it (node_start) */
			c->hold_on = c->hold_lazy = 1;
			c->hold_jid = jid;
			return 0;
		}
		int rc = node_hold(c, jid, &t);
		if (rc < 0)
			return rc;
	} else {
		uint32_t f;
		int rc = cs_ctx_shadow(c, c->jobs[jid].size, &t, &f);
		if (rc < 0)
			return rc;
		c->hold_extra = f - c->jobs[jid].size;
	}
	c->hold_on = 1;
	c->hold_jid = jid;
	c->hold_time = t;
	if (when)
		*when = t;
	cs_ctx_reserve(c, jid, t);
	return 0;
}

/* --- plans (cs_ctx_plan): conservative backfilling on the node model ---
 *
 * Every waiting job's plan is a start time and a set of nodes with its
 * per-node share, kept in the node availability profile (nodeprof.h)
 * beside the running jobs' give-backs. A plan is the earliest time at
 * which the job's nodes can hold it for its whole estimate with every
 * other plan, the running jobs (until their estimated ends) and the
 * advance reservations it may not use kept off.
 *
 * Plans hold while nothing frees capacity: a job ending before its
 * estimate, a job past its estimate (its expected end moves), a plan
 * dropped or moved. Each of those starts a new epoch; a plan made in an
 * older epoch is made again when asked for (in queue order, with every
 * other plan held, so no plan moves later: the compression), and a plan
 * of the current epoch is returned as it is, so a pass in which nothing
 * was freed costs O(queue). */

struct pwin {
	cs_time a, z;  /* start times [a, z] */
	uint32_t node;
};

/* A node's windows in one search: from the profile one at a time, or
 * (a node under advance reservations) all at once, cut, in win[wi..wn). */
struct pnode {
	cs_nprof_iter it;
	uint32_t node, wi, wn;
	int eager;
};

struct hent {
	cs_time key, a, z;
	uint32_t idx;
};

#define LB_LEVELS 5u /* the bounds' GPU counts: 1, 2, 4, 8, 16 */
#define LB_SPANS 5u  /* and durations: 1 s, 1 h, 4 h, 16 h, 64 h */
static const int64_t lb_gpus[LB_LEVELS] = { 1, 2, 4, 8, 16 };
static const cs_time lb_span[LB_SPANS] = { 1, 3600, 4 * 3600, 16 * 3600, 64 * 3600 };
#define LB_TREES (LB_LEVELS * LB_SPANS)
_Static_assert(LB_LEVELS <= CS_NPROF_MAX_COUNTS, "cs_nprof_first_runs takes this many GPU counts");
/* The bounds cost upkeep on every profile change; they pay off only when
 * a search would otherwise start very many nodes (measured: 60 generated
 * days on the default 354 nodes 4.8 s without, 5.6 s with; 10k nodes with
 * 1k queued 795 -> 47 us a pass). */
#define LB_MIN_NODES 1024u

struct planner {
	cs_nprof prof;
	uint64_t epoch;
	uint64_t *epoch_of;         /* per job: the epoch its plan was made in */
	uint64_t overdue_pass;      /* the pass whose overdue jobs started an epoch */
	uint64_t worse_epoch;       /* the latest epoch that may have broken plans (overdue jobs) */
	struct pfreed { uint64_t epoch; uint32_t node; } *freed; /* nodes given capacity back, by epoch */
	size_t nfreed, freed_cap;
	uint32_t *fnodes;           /* scratch: the nodes freed since a plan was made */
	/* Lower bounds that let a search skip nodes: per GPU count g = 1, 2,
	 * 4, 8, 16 and duration D = 1 s, 1 h, 4 h, 16 h, 64 h, a min tree
	 * over the nodes (in type_nodes order) of the first time each has g
	 * GPUs free for D seconds on end. A node's first window for a job of
	 * g or more GPUs for D or more seconds starts no earlier, so a search
	 * starts nodes in that order and only while they could still matter.
	 * (With GPU counts alone, a queue planned deep into the future started
	 * nearly every node per search: short gaps between plans made the
	 * bounds early.) Kept up lazily: a node whose profile changed is marked
	 * and its bounds redone before a search. */
	uint32_t P;                 /* leaves per tree: a power of two >= nodes */
	cs_time *lb;                /* [LB_TREES][2P]: tree k * LB_SPANS + s for 2^k GPUs over lb_span[s] */
	uint32_t *pos_of;           /* node -> its position in type_nodes */
	uint32_t *lb_dirty, nlb_dirty;
	uint8_t *lb_mark;
	struct hent *sh;            /* the search's frontier of tree nodes (idx: tree node) */
	uint32_t ntypes;
	uint32_t *type_first, *type_nodes; /* nodes by type */
	uint32_t *resv_first, *resv_of;    /* advance reservations by node */
	struct pwin *win;
	size_t nwin, win_cap;
	cs_time *wa, *wz;           /* one node's windows */
	size_t w_cap;
	uint32_t *nodes, *old_nodes; /* chosen nodes; a plan's nodes before it is made again */
	struct pcand { int64_t g; cs_time a, z; uint32_t node; } *cand;
	struct pnode *pn;           /* a search's nodes */
	struct hent *h1, *h2;       /* its heaps: next windows by start, open windows by end */
	uint32_t *mark, gen;
	cs_slot *aside;
	/* jobs with a topology rule (one leaf, k leaves, one block): */
	uint32_t nleaves, lpb;      /* the allocator's leaves, leaves per block (0: none) */
	uint32_t *lcnt, *bcnt;      /* scratch: candidates per leaf and per block, zero between uses */
	uint32_t *ltouch, *lorder;  /* scratch: the leaves counted; leaves in the order taken */
	uint32_t *tnodes;           /* scratch: the candidates' nodes */
};

static void planner_free(struct planner *pl)
{
	if (!pl)
		return;
	cs_nprof_free(&pl->prof);
	free(pl->epoch_of);
	free(pl->type_first);
	free(pl->type_nodes);
	free(pl->resv_first);
	free(pl->resv_of);
	free(pl->win);
	free(pl->wa);
	free(pl->wz);
	free(pl->nodes);
	free(pl->old_nodes);
	free(pl->cand);
	free(pl->pn);
	free(pl->freed);
	free(pl->fnodes);
	free(pl->lb);
	free(pl->pos_of);
	free(pl->lb_dirty);
	free(pl->lb_mark);
	free(pl->sh);
	free(pl->h1);
	free(pl->h2);
	free(pl->mark);
	free(pl->aside);
	free(pl->lcnt);
	free(pl->bcnt);
	free(pl->ltouch);
	free(pl->lorder);
	free(pl->tnodes);
	free(pl);
}

static inline cs_time plan_len(const cs_job *j)
{
	return j->estimate_s > 0 ? j->estimate_s : 1;
}

/* Add (add != 0) or remove the profile events of one slot's share. */
static void prof_event(cs_sched_ctx *c, const cs_slot *s, cs_time t, int sign, uint32_t running, int add)
{
	cs_nprof_ev e = { t, sign * (int32_t)cs_slot_gpus(s), sign * (int32_t)s->cores,
			  sign * (int32_t)s->mem_mib, running };
	if (add) {
		if (cs_nprof_add(&c->pl->prof, s->node, &e) < 0)
			c->failed = -CS_ENOMEM;
	} else {
		cs_nprof_remove(&c->pl->prof, s->node, &e);
	}
	struct planner *pl = c->pl;
	if (pl->lb_mark && !pl->lb_mark[s->node]) {
		pl->lb_mark[s->node] = 1;
		pl->lb_dirty[pl->nlb_dirty++] = s->node;
	}
}

/* A running job's give-backs at its estimated end. */
static void prof_running(cs_sched_ctx *c, uint32_t jid, int add)
{
	const cs_job *j = &c->jobs[jid];
	cs_placement p = placement_of(c, jid);
	for (uint32_t k = 0; k < p.n; k++)
		prof_event(c, &p.slots[k], j->start_s + j->estimate_s, +1, 1, add);
}

/* A plan's take at its start and give-back at its end. */
static void prof_plan(cs_sched_ctx *c, uint32_t jid, int add)
{
	const cs_job *j = &c->jobs[jid];
	cs_placement p = placement_of(c, jid);
	cs_time s = c->plan_start[jid];
	for (uint32_t k = 0; k < p.n; k++) {
		prof_event(c, &p.slots[k], s, -1, 0, add);
		prof_event(c, &p.slots[k], s + plan_len(j), +1, 0, add);
	}
}

static void plan_drop(cs_sched_ctx *c, uint32_t jid)
{
	if (c->pl)
		prof_plan(c, jid, 0);
	size_t i = c->plan_pos[jid];
	c->planned[i] = c->planned[--c->nplanned];
	c->plan_pos[c->planned[i]] = (uint32_t)i;
	c->plan_start[jid] = -1;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
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

/* Capacity came back on these nodes (slots, or node numbers): a new
 * epoch, in which plans may move earlier, onto one of them. */
static void plan_freed(cs_sched_ctx *c, const cs_slot *slots, const uint32_t *nodes, uint32_t n)
{
	struct planner *pl = c->pl;
	if (!pl)
		return;
	pl->epoch++;
	if (pl->nfreed + n > pl->freed_cap) {
		/* what every plan has seen is not needed any more */
		uint64_t lo = pl->epoch;
		for (size_t i = 0; i < c->nplanned; i++)
			lo = pl->epoch_of[c->planned[i]] < lo ? pl->epoch_of[c->planned[i]] : lo;
		size_t k = 0;
		for (size_t i = 0; i < pl->nfreed; i++)
			if (pl->freed[i].epoch > lo)
				pl->freed[k++] = pl->freed[i];
		pl->nfreed = k;
		if (grow((void **)&pl->freed, &pl->freed_cap, pl->nfreed + n, sizeof *pl->freed) < 0) {
			c->failed = -CS_ENOMEM;
			return;
		}
	}
	for (uint32_t i = 0; i < n; i++)
		pl->freed[pl->nfreed++] = (struct pfreed){ pl->epoch, slots ? slots[i].node : nodes[i] };
}

static int planner_on(cs_sched_ctx *c)
{
	struct planner *pl = calloc(1, sizeof *pl);
	if (!pl)
		return -CS_ENOMEM;
	c->pl = pl;
	uint32_t nn = c->nnodes, maxn = 1;
	for (size_t i = 0; i < c->njobs; i++)
		maxn = c->jobs[i].nodes > maxn ? c->jobs[i].nodes : maxn;
	for (uint32_t i = 0; i < nn; i++) {
		uint32_t t = cs_alloc_node_type(c->A, i);
		pl->ntypes = t + 1 > pl->ntypes ? t + 1 : pl->ntypes;
	}
	const cs_node_machine *m = c->nm;
	size_t nref = 0;
	for (size_t r = 0; r < m->nresv; r++)
		nref += m->resv[r].nnodes;
	pl->epoch_of = calloc(c->njobs + 1, sizeof *pl->epoch_of);
	pl->type_first = calloc((size_t)pl->ntypes + 2, sizeof *pl->type_first);
	pl->type_nodes = malloc(((size_t)nn + 1) * sizeof *pl->type_nodes);
	pl->resv_first = calloc((size_t)nn + 2, sizeof *pl->resv_first);
	pl->resv_of = malloc((nref + 1) * sizeof *pl->resv_of);
	pl->nodes = malloc(maxn * sizeof *pl->nodes);
	pl->old_nodes = malloc(maxn * sizeof *pl->old_nodes);
	pl->cand = malloc(((size_t)nn + 1) * sizeof *pl->cand);
	pl->pn = malloc(((size_t)nn + 1) * sizeof *pl->pn);
	pl->fnodes = malloc(((size_t)nn + 1) * sizeof *pl->fnodes);
	int lb_on = c->plan_bounds < 0 ? nn >= LB_MIN_NODES : c->plan_bounds;
	for (pl->P = 1; pl->P < nn; pl->P *= 2)
		;
	if (lb_on) {
		pl->lb = malloc((size_t)LB_TREES * 2 * pl->P * sizeof *pl->lb);
		pl->pos_of = malloc(((size_t)nn + 1) * sizeof *pl->pos_of);
		pl->lb_dirty = malloc(((size_t)nn + 1) * sizeof *pl->lb_dirty);
		pl->lb_mark = calloc((size_t)nn + 1, 1);
		pl->sh = malloc((2 * (size_t)pl->P + 1) * sizeof *pl->sh);
	}
	pl->h1 = malloc(((size_t)nn + 1) * sizeof *pl->h1);
	pl->h2 = malloc((2 * (size_t)nn + 1) * sizeof *pl->h2);
	pl->mark = calloc((size_t)nn + 1, sizeof *pl->mark);
	pl->aside = malloc(((size_t)nn + 1) * sizeof *pl->aside);
	pl->nleaves = cs_alloc_nleaves(c->A);
	pl->lpb = cs_alloc_leaves_per_block(c->A);
	pl->lcnt = calloc((size_t)pl->nleaves + 1, sizeof *pl->lcnt);
	pl->bcnt = calloc((size_t)pl->nleaves + 1, sizeof *pl->bcnt);
	pl->ltouch = malloc(((size_t)pl->nleaves + 1) * sizeof *pl->ltouch);
	pl->lorder = malloc(((size_t)pl->nleaves + 1) * sizeof *pl->lorder);
	pl->tnodes = malloc(((size_t)nn + 1) * sizeof *pl->tnodes);
	if (!pl->lcnt || !pl->bcnt || !pl->ltouch || !pl->lorder || !pl->tnodes)
		return -CS_ENOMEM;
	if (cs_nprof_init(&pl->prof, nn) < 0 || !pl->epoch_of || !pl->type_first || !pl->type_nodes ||
	    !pl->resv_first || !pl->resv_of || !pl->nodes || !pl->old_nodes || !pl->cand || !pl->pn || !pl->fnodes ||
	    (lb_on && (!pl->lb || !pl->pos_of || !pl->lb_dirty || !pl->lb_mark || !pl->sh)) || !pl->h1 || !pl->h2 || !pl->mark || !pl->aside)
		return -CS_ENOMEM;
	pl->overdue_pass = UINT64_MAX;
	/* nodes by type, ascending within a type */
	for (uint32_t i = 0; i < nn; i++)
		pl->type_first[cs_alloc_node_type(c->A, i) + 2]++;
	for (uint32_t t = 0; t < pl->ntypes; t++)
		pl->type_first[t + 2] += pl->type_first[t + 1];
	for (uint32_t i = 0; i < nn; i++)
		pl->type_nodes[pl->type_first[cs_alloc_node_type(c->A, i) + 1]++] = i;
	for (uint32_t k = 0; lb_on && k < nn; k++) {
		pl->pos_of[pl->type_nodes[k]] = k;
		pl->lb_mark[k] = 1; /* every bound to be worked out */
		pl->lb_dirty[pl->nlb_dirty++] = k;
	}
	for (size_t k = 0; lb_on && k < (size_t)LB_TREES * 2 * pl->P; k++)
		pl->lb[k] = CS_TIME_MAX;
	/* reservations by node */
	for (size_t r = 0; r < m->nresv; r++)
		for (uint32_t i = 0; i < m->resv[r].nnodes; i++)
			pl->resv_first[m->resv[r].nodes[i] + 2]++;
	for (uint32_t i = 0; i < nn; i++)
		pl->resv_first[i + 2] += pl->resv_first[i + 1];
	for (size_t r = 0; r < m->nresv; r++)
		for (uint32_t i = 0; i < m->resv[r].nnodes; i++)
			pl->resv_of[pl->resv_first[m->resv[r].nodes[i] + 1]++] = (uint32_t)r;
	for (size_t i = 0; i < c->nrun; i++)
		prof_running(c, c->run[i].jid, 1);
	return c->failed ? -CS_ENOMEM : 0;
}


static cs_nprof_amt node_free_now(const cs_sched_ctx *c, uint32_t node)
{
	uint32_t gpus, cores, mem;
	cs_alloc_node_counts(c->A, node, &gpus, &cores, &mem);
	return (cs_nprof_amt){ gpus, cores, mem };
}

static inline int hless(const struct hent *x, const struct hent *y)
{
	return x->key < y->key || (x->key == y->key && x->idx < y->idx);
}

static void hpush(struct hent *h, size_t *n, struct hent e)
{
	size_t i = (*n)++;
	while (i > 0 && hless(&e, &h[(i - 1) / 2])) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = e;
}

static struct hent hpop(struct hent *h, size_t *n)
{
	struct hent top = h[0], last = h[--*n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct hent *best = &last;
		if (l < *n && hless(&h[l], best)) {
			m = l;
			best = &h[l];
		}
		if (r < *n && hless(&h[r], best))
			m = r;
		if (m == i)
			break;
		h[i] = h[m];
		i = m;
	}
	if (*n)
		h[i] = last;
	return top;
}

/* The next window of pn[k]: 1 and it in *a, *z, or 0. */
static int pnode_next(struct planner *pl, uint32_t k, cs_time *a, cs_time *z)
{
	struct pnode *q = &pl->pn[k];
	if (!q->eager)
		return cs_nprof_iter_next(&q->it, a, z);
	if (q->wi == q->wn)
		return 0;
	*a = pl->win[q->wi].a;
	*z = pl->win[q->wi].z;
	q->wi++;
	return 1;
}

static int win_cmp(const void *x, const void *y)
{
	const struct pwin *a = x, *b = y;
	return (a->a > b->a) - (a->a < b->a);
}

/* What a job needs of each of its nodes, as a profile amount. */
static inline cs_nprof_amt job_need(const cs_job *j)
{
	return (cs_nprof_amt){ j->gpus_per_node, j->cores_per_node, j->mem_per_node_mib };
}

/* All of node's start windows for jid (d seconds) in pl->win, cut by the
 * advance reservations it may not use, ascending. *free_now_but_resv: it
 * would hold the job now but for a reservation. */
static int node_windows(cs_sched_ctx *c, const cs_job *j, uint32_t node, cs_time d, int *free_now_but_resv)
{
	struct planner *pl = c->pl;
	cs_nprof_amt need = job_need(j);
	cs_nprof_amt f = node_free_now(c, node);
	size_t k = cs_nprof_windows(&pl->prof, node, f, c->now, need, d, pl->wa, pl->wz, pl->w_cap);
	if (k > pl->w_cap) {
		size_t cap = pl->w_cap;
		if (grow((void **)&pl->wa, &cap, k, sizeof *pl->wa) < 0 ||
		    grow((void **)&pl->wz, &pl->w_cap, k, sizeof *pl->wz) < 0)
			return -1;
		cs_nprof_windows(&pl->prof, node, f, c->now, need, d, pl->wa, pl->wz, pl->w_cap);
	}
	uint32_t nr = pl->resv_first[node + 1] - pl->resv_first[node];
	if (grow((void **)&pl->win, &pl->win_cap, pl->nwin + k + nr + 1, sizeof *pl->win) < 0)
		return -1;
	size_t w0 = pl->nwin;
	for (size_t i = 0; i < k; i++)
		pl->win[pl->nwin++] = (struct pwin){ pl->wa[i], pl->wz[i], node };
	int cut = 0;
	for (uint32_t q = pl->resv_first[node]; q < pl->resv_first[node + 1]; q++) {
		const cs_resv *v = &c->nm->resv[pl->resv_of[q]];
		if ((v->project >= 0 && v->project == j->group) || v->end <= c->now)
			continue;
		/* no start t with [t, t + d) meeting [start, end) */
		cs_time lo = v->start - d + 1, hi = v->end - 1;
		for (size_t i = w0; i < pl->nwin;) {
			struct pwin *w = &pl->win[i];
			if (w->z < lo || w->a > hi) {
				i++;
				continue;
			}
			cut = 1;
			struct pwin right = { hi + 1, w->z, node };
			int has_left = w->a < lo, has_right = w->z > hi;
			if (has_left) {
				w->z = lo - 1;
				i++;
			} else {
				*w = pl->win[--pl->nwin];
			}
			if (has_right)
				pl->win[pl->nwin++] = right; /* beyond this reservation */
		}
	}
	qsort(pl->win + w0, pl->nwin - w0, sizeof *pl->win, win_cmp);
	if (cut && k && pl->wa[0] == c->now)
		*free_now_but_resv = 1;
	return 0;
}

/* Work out again the bounds of the nodes whose profile changed. */
static void lb_refresh(cs_sched_ctx *c)
{
	struct planner *pl = c->pl;
	uint32_t P = pl->P;
	for (uint32_t k = 0; k < pl->nlb_dirty; k++) {
		uint32_t node = pl->lb_dirty[k];
		pl->lb_mark[node] = 0;
		cs_time first[LB_TREES];
		cs_nprof_first_runs(&pl->prof, node, node_free_now(c, node), c->now, lb_gpus, LB_LEVELS, lb_span,
				    LB_SPANS, first);
		for (unsigned lv = 0; lv < LB_TREES; lv++) {
			cs_time *tr = pl->lb + (size_t)lv * 2 * P;
			size_t i = P + pl->pos_of[node];
			if (tr[i] == first[lv])
				continue;
			tr[i] = first[lv];
			for (i /= 2; i >= 1; i /= 2) {
				cs_time v = tr[2 * i] < tr[2 * i + 1] ? tr[2 * i] : tr[2 * i + 1];
				if (tr[i] == v)
					break; /* nothing above changes */
				tr[i] = v;
			}
		}
	}
	pl->nlb_dirty = 0;
}

/* --- topology rules in plans ---
 * A job with a rule (one leaf switch, at most k, one block) is planned at
 * the earliest time whose candidate nodes satisfy it, and takes its nodes
 * as the allocator's topology-aware fit would: the tightest leaf (or
 * block) that holds it, else the leaves with the most candidates first;
 * inside, candidates in the usual order. */

/* Count nodes[0 .. n) per leaf (pl->lcnt; the leaves in pl->ltouch) and
 * per block; returns the leaves touched. The caller clears with topo_clear. */
static uint32_t topo_count(cs_sched_ctx *c, const uint32_t *nodes, size_t n)
{
	struct planner *pl = c->pl;
	uint32_t nt = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t lf = cs_alloc_node_leaf(c->A, nodes[i]);
		if (pl->lcnt[lf]++ == 0)
			pl->ltouch[nt++] = lf;
		if (pl->lpb)
			pl->bcnt[lf / pl->lpb]++;
	}
	return nt;
}

static void topo_clear(struct planner *pl, uint32_t nt)
{
	for (uint32_t i = 0; i < nt; i++) {
		pl->lcnt[pl->ltouch[i]] = 0;
		if (pl->lpb)
			pl->bcnt[pl->ltouch[i] / pl->lpb] = 0;
	}
}

static _Thread_local struct planner *sort_pl; /* qsort has no context argument */
static int leaf_more(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	if (sort_pl->lcnt[a] != sort_pl->lcnt[b])
		return sort_pl->lcnt[a] < sort_pl->lcnt[b] ? 1 : -1;
	return (a > b) - (a < b);
}

/* With the counts made: the leaf (ONE_LEAF) or block (ONE_BLOCK) to take
 * from, or 0 for MAX_LEAVES; -1 if the rule cannot be met with N nodes. */
static long topo_pick(struct planner *pl, const cs_job *j, uint32_t nt)
{
	uint32_t N = j->nodes;
	long best = -1;
	switch (j->topo) {
	case CS_TOPO_ONE_LEAF:
		for (uint32_t i = 0; i < nt; i++) {
			uint32_t lf = pl->ltouch[i], k = pl->lcnt[lf];
			if (k >= N && (best < 0 || k < pl->lcnt[best] || (k == pl->lcnt[best] && lf < (uint32_t)best)))
				best = lf;
		}
		return best;
	case CS_TOPO_ONE_BLOCK:
		for (uint32_t i = 0; pl->lpb && i < nt; i++) {
			uint32_t b = pl->ltouch[i] / pl->lpb, k = pl->bcnt[b];
			if (k >= N && (best < 0 || k < pl->bcnt[best] || (k == pl->bcnt[best] && b < (uint32_t)best)))
				best = b;
		}
		return best;
	case CS_TOPO_MAX_LEAVES: {
		/* the k largest counts, by a histogram of counts (a leaf holds
		 * at most CS_ALLOC_MAX_LEAF_NODES): no sort in the search */
		uint32_t hist[CS_ALLOC_MAX_LEAF_NODES + 1] = { 0 };
		for (uint32_t i = 0; i < nt; i++)
			hist[pl->lcnt[pl->ltouch[i]]]++;
		uint64_t got = 0;
		uint32_t left = j->max_leaves;
		for (uint32_t v = CS_ALLOC_MAX_LEAF_NODES; v > 0 && left && got < N; v--) {
			uint32_t take = hist[v] < left ? hist[v] : left;
			got += (uint64_t)take * v;
			left -= take;
		}
		return got >= N ? 0 : -1;
	}
	}
	return 0;
}

/* Do the nodes of the open windows h2[0 .. n) meet jid's rule? */
static int topo_holds(cs_sched_ctx *c, const cs_job *j, size_t n)
{
	struct planner *pl = c->pl;
	for (size_t i = 0; i < n; i++)
		pl->tnodes[i] = pl->pn[pl->h2[i].idx].node;
	uint32_t nt = topo_count(c, pl->tnodes, n);
	long r = topo_pick(pl, j, nt);
	topo_clear(pl, nt);
	return r >= 0;
}

/* The job's nodes from pl->cand[0 .. nc) (sorted) into pl->nodes: the
 * leaves to take from in order (the one leaf; the block's leaves, or for
 * at most k leaves all of them, the most candidates first), and in each
 * its candidates in their order. */
static void topo_choose(cs_sched_ctx *c, const cs_job *j, size_t nc)
{
	struct planner *pl = c->pl;
	for (size_t i = 0; i < nc; i++)
		pl->tnodes[i] = pl->cand[i].node;
	uint32_t nt = topo_count(c, pl->tnodes, nc);
	long r = topo_pick(pl, j, nt); /* >= 0: the search stopped where the rule holds */
	uint32_t nl = 0;
	if (j->topo == CS_TOPO_ONE_LEAF) {
		pl->lorder[nl++] = (uint32_t)r;
	} else {
		for (uint32_t i = 0; i < nt; i++)
			if (j->topo == CS_TOPO_MAX_LEAVES || pl->ltouch[i] / pl->lpb == (uint32_t)r)
				pl->lorder[nl++] = pl->ltouch[i];
		sort_pl = pl;
		qsort(pl->lorder, nl, sizeof *pl->lorder, leaf_more);
	}
	uint32_t got = 0;
	for (uint32_t i = 0; i < nl && got < j->nodes; i++)
		for (size_t k = 0; k < nc && got < j->nodes; k++)
			if (cs_alloc_node_leaf(c->A, pl->cand[k].node) == pl->lorder[i])
				pl->nodes[got++] = pl->cand[k].node;
	topo_clear(pl, nt);
}

/* The earliest time before bound at which jid fits on n nodes of a type
 * (type < 0: any), or CS_TIME_MAX; the windows
 * holding that time in pl->h2[0 .. *ncand). A merge of every node's
 * windows in time order that stops at the answer. */
static cs_time group_earliest(cs_sched_ctx *c, const cs_job *j, int32_t type, cs_time d, cs_time bound,
			      const uint32_t *only, uint32_t nonly, size_t *ncand, int *but_resv)
{
	struct planner *pl = c->pl;
	uint32_t lo = type < 0 ? 0 : pl->type_first[type], hi = type < 0 ? c->nnodes : pl->type_first[type + 1];
	if (only) {
		lo = 0;
		hi = nonly;
	}
	cs_nprof_amt need = job_need(j);
	size_t n1 = 0, n2 = 0, ns = 0;
	uint32_t np = 0, now_ok = 0, now_resv = 0;
	pl->nwin = 0;
	*ncand = 0;
	/* Nodes in the order of their bounds, started only while a bound is
	 * before the next window and before bound (a job with GPUs, no
	 * reservations: their windows are cut, and the pending reason wants
	 * every node). */
	const cs_time *tr = NULL;
	if (pl->lb && !only && j->gpus_per_node >= 1 && j->gpus_per_node <= 16 && !c->nm->nresv) {
		lb_refresh(c);
		unsigned k = 0, sp = 0; /* the most GPUs 2^k <= the job's, the longest span <= its d */
		while (k + 1 < LB_LEVELS && (1u << (k + 1)) <= j->gpus_per_node)
			k++;
		while (sp + 1 < LB_SPANS && lb_span[sp + 1] <= d)
			sp++;
		tr = pl->lb + ((size_t)k * LB_SPANS + sp) * 2 * pl->P;
		for (uint32_t l = lo + pl->P, r = hi + pl->P; l < r; l /= 2, r /= 2) {
			if ((l & 1) && tr[l] != CS_TIME_MAX)
				hpush(pl->sh, &ns, (struct hent){ tr[l], 0, 0, l });
			if (l & 1)
				l++;
			if (r & 1) {
				r--;
				if (tr[r] != CS_TIME_MAX)
					hpush(pl->sh, &ns, (struct hent){ tr[r], 0, 0, r });
			}
		}
		lo = hi; /* no eager start below */
	}
	for (uint32_t i = lo; i < hi; i++) {
		uint32_t node = only ? only[i] : type < 0 ? i : pl->type_nodes[i];
		if (only && type >= 0 && cs_alloc_node_type(c->A, node) != (uint32_t)type)
			continue;
		struct pnode *q = &pl->pn[np];
		q->node = node;
		q->eager = pl->resv_first[node + 1] > pl->resv_first[node];
		if (q->eager) {
			int flag = 0;
			q->wi = (uint32_t)pl->nwin;
			if (node_windows(c, j, node, d, &flag) < 0) {
				c->failed = -CS_ENOMEM;
				return CS_TIME_MAX;
			}
			q->wn = (uint32_t)pl->nwin;
			now_resv += (uint32_t)flag;
		} else {
			cs_nprof_iter_start(&q->it, &pl->prof, node, node_free_now(c, node), c->now, need, d);
		}
		cs_time a, z;
		if (pnode_next(pl, np, &a, &z)) {
			hpush(pl->h1, &n1, (struct hent){ a, a, z, np });
			now_ok += a == c->now;
		}
		np++;
	}
	if (now_resv && now_ok + now_resv >= j->nodes)
		*but_resv = 1;
	for (;;) {
		while (ns && pl->sh[0].key < bound && (!n1 || pl->sh[0].key <= pl->h1[0].key)) {
			struct hent e = hpop(pl->sh, &ns);
			if (e.idx < pl->P) {
				for (uint32_t ch = 2 * e.idx; ch <= 2 * e.idx + 1; ch++)
					if (tr[ch] != CS_TIME_MAX)
						hpush(pl->sh, &ns, (struct hent){ tr[ch], 0, 0, ch });
				continue;
			}
			uint32_t node = pl->type_nodes[e.idx - pl->P];
			struct pnode *q = &pl->pn[np];
			q->node = node;
			q->eager = 0;
			cs_nprof_iter_start(&q->it, &pl->prof, node, node_free_now(c, node), c->now, need, d);
			cs_time a, z;
			if (pnode_next(pl, np, &a, &z))
				hpush(pl->h1, &n1, (struct hent){ a, a, z, np });
			np++;
		}
		if (!n1)
			break;
		cs_time t = pl->h1[0].key;
		if (t >= bound)
			break;
		while (n1 && pl->h1[0].key == t) {
			struct hent e = hpop(pl->h1, &n1);
			hpush(pl->h2, &n2, (struct hent){ e.z, e.a, e.z, e.idx });
			cs_time a, z;
			if (pnode_next(pl, e.idx, &a, &z))
				hpush(pl->h1, &n1, (struct hent){ a, a, z, e.idx });
		}
		while (n2 && pl->h2[0].key < t)
			hpop(pl->h2, &n2);
		if (n2 >= j->nodes && (!j->topo || j->nodes == 1 || topo_holds(c, j, n2))) {
			*ncand = n2;
			return t;
		}
	}
	return CS_TIME_MAX;
}

static int cand_cmp(const void *x, const void *y)
{
	const struct pcand *a = x, *b = y;
	if (a->g != b->g)
		return (a->g > b->g) - (a->g < b->g);
	if (a->a != b->a)
		return (a->a < b->a) - (a->a > b->a); /* free the latest: the earlier free stay for others */
	if (a->z != b->z)
		return (a->z > b->z) - (a->z < b->z);
	return (a->node > b->node) - (a->node < b->node);
}

/* The earliest time before bound at which jid fits, or CS_TIME_MAX; its nodes in pl->nodes: of
 * those that can hold it then, the ones with the fewest GPUs free then,
 * then the ones that become free the latest, then those whose room ends
 * the soonest, then the lowest numbered. */
static cs_time plan_find(cs_sched_ctx *c, uint32_t jid, cs_time bound, const uint32_t *only, uint32_t nonly)
{
	struct planner *pl = c->pl;
	const cs_job *j = &c->jobs[jid];
	const cs_node_machine *m = c->nm;
	cs_time d = plan_len(j);
	int any_part = j->partition < 0 || (uint32_t)j->partition >= m->npartitions;
	uint32_t g0 = any_part ? 0 : m->part_first[j->partition];
	uint32_t g1 = any_part ? 1 : m->part_first[j->partition + 1];
	cs_time best = CS_TIME_MAX;
	size_t nc = 0;
	int but_resv = 0;
	for (uint32_t g = g0; g < g1; g++) {
		int32_t type = any_part ? -1 : m->part_types[g];
		if (type >= (int32_t)pl->ntypes)
			continue;
		size_t n;
		cs_time t = group_earliest(c, j, type, d, best < bound ? best : bound, only, nonly, &n, &but_resv);
		if (c->failed)
			return CS_TIME_MAX;
		if (t < best) {
			best = t;
			nc = n;
			for (size_t i = 0; i < n; i++) {
				const struct hent *e = &pl->h2[i];
				pl->cand[i] = (struct pcand){ 0, e->a, e->z, pl->pn[e->idx].node };
			}
		}
	}
	if (best > c->now && but_resv)
		c->resv_block[jid] = c->st->passes;
	if (best == CS_TIME_MAX)
		return best;
	{ /* also when there are just enough: their order is the placement's */
		for (size_t i = 0; i < nc; i++) {
			uint32_t node = pl->cand[i].node;
			pl->cand[i].g = cs_nprof_min(&pl->prof, node, node_free_now(c, node), c->now, best, best + 1).g;
		}
		qsort(pl->cand, nc, sizeof *pl->cand, cand_cmp);
	}
	if (j->topo && j->nodes > 1) {
		topo_choose(c, j, nc);
		return best;
	}
	for (uint32_t k = 0; k < j->nodes; k++)
		pl->nodes[k] = pl->cand[k].node;
	return best;
}

/* Place jid now with what other plans need over its estimate kept off,
 * node by node (the allocator's fit strategy chooses among the rest). */
static int plan_place_now(cs_sched_ctx *c, uint32_t jid, cs_placement *p)
{
	struct planner *pl = c->pl;
	const cs_job *j = &c->jobs[jid];
	cs_time e = c->now + plan_len(j);
	if (++pl->gen == 0) {
		memset(pl->mark, 0, c->nnodes * sizeof *pl->mark);
		pl->gen = 1;
	}
	cs_placement aside = { pl->aside, c->nnodes, 0 };
	for (size_t i = 0; i < c->nplanned; i++) {
		uint32_t q = c->planned[i];
		if (c->plan_start[q] >= e)
			continue;
		cs_placement pq = placement_of(c, q);
		for (uint32_t k = 0; k < pq.n; k++) {
			uint32_t node = pq.slots[k].node;
			if (pl->mark[node] == pl->gen)
				continue;
			pl->mark[node] = pl->gen;
			cs_nprof_amt f = node_free_now(c, node);
			cs_nprof_amt lo = cs_nprof_min(&pl->prof, node, f, c->now, c->now, e);
			int64_t xg = f.g - lo.g, xc = f.c - lo.c, xm = f.m - lo.m;
			if (xg <= 0 && xc <= 0 && xm <= 0)
				continue;
			/* that many of the lowest free GPUs and cores, and memory */
			cs_slot part;
			cs_alloc_node_free(c->A, node, &part);
			uint16_t gm = 0;
			for (unsigned b = 0; b < CS_ALLOC_MAX_GPUS && xg > 0; b++)
				if (part.gpu_mask >> b & 1) {
					gm |= (uint16_t)(1u << b);
					xg--;
				}
			part.gpu_mask = gm;
			int masked = 0;
			for (unsigned w = 0; w < CS_ALLOC_CORE_WORDS; w++)
				masked |= part.core_mask[w] != 0;
			if (masked) {
				uint32_t got = 0;
				for (unsigned w = 0; w < CS_ALLOC_CORE_WORDS; w++) {
					uint64_t keep = 0;
					for (unsigned b = 0; b < 64 && (int64_t)got < xc; b++)
						if (part.core_mask[w] >> b & 1) {
							keep |= 1ULL << b;
							got++;
						}
					part.core_mask[w] = keep;
				}
				part.cores = got;
			} else {
				part.cores = xc <= 0 ? 0 : (xc < part.cores ? (uint32_t)xc : part.cores);
			}
			part.mem_mib = xm <= 0 ? 0 : (xm < part.mem_mib ? (uint32_t)xm : part.mem_mib);
			aside.slots[aside.n++] = part;
		}
	}
	cs_alloc_take(c->A, &aside); /* cannot fail: each part is free now */
	int rc = node_try_at(c, jid, p, c->now);
	cs_alloc_release(c->A, &aside);
	return rc;
}

static int same_nodes(const cs_sched_ctx *c, uint32_t jid, const uint32_t *nodes)
{
	cs_placement p = placement_of(c, jid);
	for (uint32_t k = 0; k < p.n; k++)
		if (p.slots[k].node != nodes[k])
			return 0;
	return 1;
}

void cs_ctx_plan_search(cs_sched_ctx *c, int all) { c->plan_all = all != 0; }
void cs_ctx_plan_bounds(cs_sched_ctx *c, int mode) { c->plan_bounds = mode < 0 ? -1 : mode != 0; }

/* The nodes freed after epoch e, once each, in pl->fnodes. */
static uint32_t freed_since(cs_sched_ctx *c, uint64_t e)
{
	struct planner *pl = c->pl;
	if (++pl->gen == 0) {
		memset(pl->mark, 0, c->nnodes * sizeof *pl->mark);
		pl->gen = 1;
	}
	uint32_t n = 0;
	for (size_t i = pl->nfreed; i-- > 0 && pl->freed[i].epoch > e;) {
		uint32_t node = pl->freed[i].node;
		if (pl->mark[node] != pl->gen) {
			pl->mark[node] = pl->gen;
			pl->fnodes[n++] = node;
		}
	}
	return n;
}

/* Does one of pl->fnodes[0 .. n) hold a node's share of j for its
 * estimate at some time before bound? */
static int any_window_before(cs_sched_ctx *c, const cs_job *j, uint32_t n, cs_time bound)
{
	struct planner *pl = c->pl;
	cs_nprof_amt need = job_need(j);
	for (uint32_t i = 0; i < n; i++) {
		cs_nprof_iter it;
		cs_time a, z;
		cs_nprof_iter_start(&it, &pl->prof, pl->fnodes[i], node_free_now(c, pl->fnodes[i]), c->now, need,
				    plan_len(j));
		if (cs_nprof_iter_next(&it, &a, &z) && a < bound)
			return 1;
	}
	return 0;
}

int cs_ctx_plan(cs_sched_ctx *c, uint32_t jid, unsigned how, cs_time *when)
{
	if (!c->nm || jid >= c->njobs || c->jobs[jid].start_s >= 0 || c->jobs[jid].submit_s > c->now ||
	    (c->jobs[jid].flags & CS_JOB_REJECTED))
		return -CS_EINVAL;
	if (!c->pl && planner_on(c) < 0) {
		c->failed = -CS_ENOMEM;
		return -CS_ENOMEM;
	}
	struct planner *pl = c->pl;
	const cs_job *j = &c->jobs[jid];
	/* a job past its estimate is expected a second from now, every time */
	if (c->nrun && c->run[0].est_end <= c->now && pl->overdue_pass != c->st->passes) {
		pl->overdue_pass = c->st->passes;
		pl->epoch++;
		pl->worse_epoch = pl->epoch;
	}
	cs_request rq = cs_job_request(j);
	cs_placement p = { c->slots + c->off[jid], j->nodes, 0 };
	cs_time old = c->plan_start[jid];
	int keep_ok = 0; /* the old plan still holds: only a better one replaces it */
	if (old >= 0) {
		cs_placement q = placement_of(c, jid);
		for (uint32_t k = 0; k < q.n; k++)
			pl->old_nodes[k] = q.slots[k].node;
		keep_ok = pl->epoch_of[jid] >= pl->worse_epoch;
		/* with advance reservations made again every pass: the pending
		 * reason says whether only a reservation keeps it off now */
		if (pl->epoch_of[jid] == pl->epoch && old > c->now && !c->nm->nresv && !c->plan_all) {
			if (when)
				*when = old;
			return 0;
		}
		plan_drop(c, jid);
		if (keep_ok && old == c->now &&
		    cs_alloc_try_on(c->A, &rq, pl->old_nodes, j->nodes, &p) == 0) {
			if (when)
				*when = old;
			return commit_start(c, jid, how, 0) < 0 ? -CS_ENOMEM : 1;
		}
	}
	if (old < 0) {
		/* a new job: now, if it fits now, is the earliest (most do) */
		if (plan_place_now(c, jid, &p) == 0) {
			cs_ctx_reserve(c, jid, c->now);
			if (when)
				*when = c->now;
			return commit_start(c, jid, how, 0) < 0 ? -CS_ENOMEM : 1;
		}
		p.n = 0;
	}
	cs_time bound = keep_ok && old > c->now ? old : CS_TIME_MAX;
	cs_time t;
	if (bound != CS_TIME_MAX && !c->nm->nresv && !c->plan_all) {
		/* Only a node freed since the plan was made can take it
		 * earlier: the others (its own old ones too) hold no more than
		 * when it was made, and then nothing before old held it. */
		uint32_t nf = freed_since(c, pl->epoch_of[jid]);
		if (j->nodes == 1)
			t = plan_find(c, jid, bound, pl->fnodes, nf);
		else
			t = any_window_before(c, j, nf, bound) ? plan_find(c, jid, bound, NULL, 0) : CS_TIME_MAX;
	} else {
		t = plan_find(c, jid, bound, NULL, 0);
	}
	if (c->failed)
		return -CS_ENOMEM;
	if (t == CS_TIME_MAX && bound != CS_TIME_MAX) {
		t = old; /* nothing earlier: the same plan */
		memcpy(pl->nodes, pl->old_nodes, j->nodes * sizeof *pl->nodes);
	}
	if (t == CS_TIME_MAX)
		return -CS_EINVAL; /* cannot happen: the empty machine holds every job */
	cs_ctx_reserve(c, jid, t);
	if (when)
		*when = t;
	if (t == c->now) {
		int rc = plan_place_now(c, jid, &p);
		if (rc != 0)
			rc = cs_alloc_try_on(c->A, &rq, pl->nodes, j->nodes, &p);
		if (rc != 0)
			return -CS_EINVAL; /* cannot happen: the profile says it fits */
		for (uint32_t k = 0; k < p.n; k++)
			pl->nodes[k] = p.slots[k].node;
		if (old >= 0 && (old != t || !same_nodes(c, jid, pl->old_nodes)))
			plan_freed(c, NULL, pl->old_nodes, j->nodes);
		return commit_start(c, jid, how, 0) < 0 ? -CS_ENOMEM : 1;
	}
	/* the plan: its share on each chosen node */
	cs_slot *s = c->slots + c->off[jid];
	for (uint32_t k = 0; k < j->nodes; k++)
		s[k] = (cs_slot){ .node = pl->nodes[k], .gpu_mask = (uint16_t)((1u << j->gpus_per_node) - 1),
				  .cores = j->cores_per_node, .mem_mib = j->mem_per_node_mib };
	c->plan_start[jid] = t;
	c->plan_pos[jid] = (uint32_t)c->nplanned;
	c->planned[c->nplanned++] = jid;
	prof_plan(c, jid, 1);
	if (old >= 0 && (old != t || !same_nodes(c, jid, pl->old_nodes)))
		plan_freed(c, NULL, pl->old_nodes, j->nodes);
	pl->epoch_of[jid] = pl->epoch;
	return c->failed ? -CS_ENOMEM : 0;
}

void cs_ctx_reserve(cs_sched_ctx *c, uint32_t jid, cs_time when)
{
	if (jid < c->njobs && c->jobs[jid].reservation_s < 0)
		c->jobs[jid].reservation_s = when;
}

static void run_remove(cs_sched_ctx *c, uint32_t jid)
{
	cs_job *j = &c->jobs[jid];
	size_t i = run_lower_bound(c, j->start_s + j->estimate_s);
	while (i < c->nrun && c->run[i].jid != jid)
		i++;
	if (i == c->nrun)
		return; /* cannot happen: every started job is in the set */
	memmove(&c->run[i], &c->run[i + 1], (c->nrun - i - 1) * sizeof *c->run);
	c->nrun--;
}

static void free_resources(cs_sched_ctx *c, uint32_t jid)
{
	cs_job *j = &c->jobs[jid];
	j->flags |= CS_JOB_RELEASED;
	if (c->nm) {
		cs_placement p = placement_of(c, jid);
		cs_alloc_release(c->A, &p);
		if (c->pl) {
			prof_running(c, jid, 0);
			if (c->now < j->start_s + j->estimate_s)
				plan_freed(c, p.slots, NULL, p.n); /* before its estimated end */
		}
	} else {
		c->free += j->size;
	}
}

static void give_back(cs_sched_ctx *c, uint32_t jid)
{
	free_resources(c, jid);
	observe(c, CS_OBS_END, jid);
}

static void release(cs_sched_ctx *c, uint32_t jid)
{
	give_back(c, jid);
	run_remove(c, jid);
}

int cs_ctx_preempt(cs_sched_ctx *c, uint32_t jid, unsigned how)
{
	if (jid >= c->njobs || how > CS_PREEMPT_KILL)
		return -CS_EINVAL;
	cs_job *j = &c->jobs[jid];
	if (j->start_s < 0 || (j->flags & CS_JOB_RELEASED) || j->end_s <= c->now)
		return -CS_EINVAL;
	if (how == CS_PREEMPT_REQUEUE && !c->requeued)
		return -CS_ENOMEM;
	run_remove(c, jid);
	free_resources(c, jid);
	j->preemptions++;
	c->st->preemptions++;
	/* what was free grew: failures remembered in this pass and the hold
	 * no longer stand */
	memo_reset(c);
	c->hold_on = c->hold_lazy = 0;
	if (how == CS_PREEMPT_KILL) {
		j->runtime_s = c->now - j->start_s;
		j->end_s = c->now;
		j->flags |= CS_JOB_PREEMPT_KILLED;
		observe(c, CS_OBS_PREEMPT, jid);
		return 0;
	}
	c->st->requeues++;
	j->preempted_s += c->now - j->start_s;
	j->start_s = j->end_s = -1;
	j->flags &= ~(uint32_t)CS_JOB_BACKFILLED;
	j->reason = CS_WAIT_PRIORITY;
	c->waiting++;
	c->requeued[c->nrequeued++] = jid;
	observe(c, CS_OBS_PREEMPT, jid);
	return 0;
}

/* release=estimate: before the scheduler looks, count as finished every
 * running job whose estimated end has been reached and whose end event is
 * due now but not yet handled. */
static void early_release(cs_sched_ctx *c)
{
	/* Once per time is enough: a job started now ends later, and end events
	 * only remove running jobs, so a second scan at the same time would find
	 * nothing new (it would only walk past the overdue jobs again). */
	if (c->released_at == c->now)
		return;
	c->released_at = c->now;
	size_t i = 0;
	while (i < c->nrun && c->run[i].est_end <= c->now) {
		uint32_t jid = c->run[i].jid;
		if (c->jobs[jid].end_s == c->now) {
			give_back(c, jid);
			memmove(&c->run[i], &c->run[i + 1], (c->nrun - i - 1) * sizeof *c->run);
			c->nrun--;
			c->st->early_releases++;
		} else {
			i++;
		}
	}
}

static void reset_results(cs_job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		jobs[i].start_s = jobs[i].end_s = jobs[i].reservation_s = -1;
		jobs[i].reason = CS_WAIT_NONE;
		jobs[i].preemptions = 0;
		jobs[i].preempted_s = 0;
		jobs[i].flags &= ~(uint32_t)(CS_JOB_BACKFILLED | CS_JOB_RELEASED | CS_JOB_REJECTED |
					     CS_JOB_PREEMPT_KILLED);
	}
}

/* The event loop, on a context set up by cs_engine_run or
 * cs_engine_run_nodes (run and evq sized for the most jobs that can run at
 * once). */
static int run_loop(cs_sched_ctx *c, const cs_engine_conv *cv, const cs_policy_ops *ops, void *ps,
		    char *err, size_t errlen)
{
	cs_job *jobs = c->jobs;
	size_t n = c->njobs;
	cs_engine_stats *st = c->st;
	unsigned submit_cls = cv->same_time == CS_SAME_SUBMIT_FIRST ? 0 : 1;
	c->end_cls = 1 - submit_cls;
	/* on a node model a new job's fit is the allocator's to tell: the
	 * if-fits submission rule falls back to always */
	cs_submit_pass submit_pass = c->nm ? CS_SUBMIT_ALWAYS : cv->submit_pass;
	size_t next_submit = 0;
	if (n)
		cs_evq_push(&c->evq, jobs[0].submit_s, submit_cls, EV_SUBMIT, 0);
	int pending = 0;            /* per-time: a pass is owed at the end of this time */
	uint32_t min_new_size = UINT32_MAX; /* per-time, if-fits: smallest job submitted now */
	cs_event e;
	while (cs_evq_pop(&c->evq, &e) == 0) {
		c->now = e.time;
		st->events++;
		int trigger = 0;
		if (e.type == EV_SUBMIT) {
			next_submit++;
			if (next_submit < n &&
			    cs_evq_push(&c->evq, jobs[next_submit].submit_s, submit_cls, EV_SUBMIT,
					(uint32_t)next_submit) < 0)
				goto oom;
			c->waiting++;
			jobs[e.data].reason = CS_WAIT_PRIORITY;
			if (c->waiting > st->max_queue)
				st->max_queue = c->waiting;
			observe(c, CS_OBS_SUBMIT, e.data);
			ops->submit(ps, e.data);
			if (submit_pass == CS_SUBMIT_ALWAYS) {
				trigger = 1;
			} else if (cv->pass == CS_PASS_PER_EVENT) {
				if (cv->release == CS_RELEASE_ESTIMATE)
					early_release(c);
				trigger = jobs[e.data].size <= c->free;
			} else if (jobs[e.data].size < min_new_size) {
				min_new_size = jobs[e.data].size;
			}
		} else if (e.type == EV_END) {
			if (jobs[e.data].end_s != e.time) {
				/* the end of a run a preemption stopped: nothing happens */
				st->events--;
				continue;
			}
			if (!(jobs[e.data].flags & CS_JOB_RELEASED))
				release(c, e.data);
			trigger = 1;
		} else {
			st->wakeups++;
			trigger = c->waiting > 0;
		}
		if (cv->pass == CS_PASS_PER_EVENT) {
			if (!trigger)
				continue;
		} else {
			pending |= trigger;
			const cs_event *nx = cs_evq_peek(&c->evq);
			if (nx && nx->time == c->now)
				continue;
			if (cv->release == CS_RELEASE_ESTIMATE)
				early_release(c);
			if (min_new_size <= c->free)
				pending = 1;
			min_new_size = UINT32_MAX;
			if (!pending)
				continue;
			pending = 0;
		}
		if (cv->release == CS_RELEASE_ESTIMATE)
			early_release(c);
		st->passes++;
		if (c->nm)
			memo_reset(c);
		observe(c, CS_OBS_PASS, 0);
		ops->pass(ps, c);
		c->hold_on = 0;
		c->hold_lazy = 0;
		for (size_t i = 0; i < c->nrequeued; i++) {
			observe(c, CS_OBS_SUBMIT, c->requeued[i]);
			ops->submit(ps, c->requeued[i]);
		}
		c->nrequeued = 0;
		if (c->failed)
			goto oom;
	}
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].start_s < 0 && !(jobs[i].flags & CS_JOB_REJECTED)) {
			snprintf(err, errlen, "policy %s never started job %lld (line %u): "
				 "the queue was left non-empty", ops->name, (long long)jobs[i].id,
				 jobs[i].line);
			return -CS_EINVAL;
		}
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -CS_ENOMEM;
}

int cs_engine_run(cs_job *jobs, size_t n, uint32_t procs, const cs_engine_conv *cv,
		  const cs_policy_ops *ops, void *ps, cs_engine_stats *st,
		  char *err, size_t errlen)
{
	return cs_engine_run_observed(jobs, n, procs, cv, ops, ps, NULL, st, err, errlen);
}

/* Every time the engine computes is at most the last submission plus the
 * jobs' run times (or estimates, if longer) one after another: refuse a
 * workload where that could come near overflow. The readers bound each
 * time (CS_TIME_LIMIT); this bounds their sum. */
static int check_time_sum(const cs_job *jobs, size_t n, char *err, size_t errlen)
{
	const int64_t lim = INT64_MAX / 4;
	int64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t d = jobs[i].runtime_s > jobs[i].estimate_s ? jobs[i].runtime_s : jobs[i].estimate_s;
		if (jobs[i].submit_s > lim || d > lim || __builtin_add_overflow(sum, d, &sum) || sum > lim ||
		    jobs[i].submit_s > lim - sum) {
			snprintf(err, errlen, "job %lld (line %u): the workload's submissions and run times add up to "
				 "more than 2^61 s, beyond what the engine can add safely", (long long)jobs[i].id,
				 jobs[i].line);
			return -CS_EINVAL;
		}
	}
	return 0;
}

int cs_engine_run_observed(cs_job *jobs, size_t n, uint32_t procs, const cs_engine_conv *cv,
			   const cs_policy_ops *ops, void *ps, const cs_observer *obs,
			   cs_engine_stats *st, char *err, size_t errlen)
{
	memset(st, 0, sizeof *st);
	if (n > UINT32_MAX - 1) {
		snprintf(err, errlen, "too many jobs (%zu)", n);
		return -CS_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].size == 0 || jobs[i].size > procs || jobs[i].runtime_s <= 0 ||
		    jobs[i].estimate_s <= 0 || (i && jobs[i].submit_s < jobs[i - 1].submit_s)) {
			snprintf(err, errlen, "job %lld (line %u): not runnable on %u processors "
				 "(size %u, runtime %lld, estimate %lld) or out of submit order",
				 (long long)jobs[i].id, jobs[i].line, procs, jobs[i].size,
				 (long long)jobs[i].runtime_s, (long long)jobs[i].estimate_s);
			return -CS_EINVAL;
		}
	}
	if (check_time_sum(jobs, n, err, errlen) < 0)
		return -CS_EINVAL;
	reset_results(jobs, n);
	cs_sched_ctx c = { .jobs = jobs, .njobs = n, .total = procs, .free = procs, .st = st, .released_at = -1,
			   .obs = obs };
	/* at most one running job per processor */
	c.run = malloc(((size_t)procs + 1) * sizeof *c.run);
	c.requeued = malloc((n + 1) * sizeof *c.requeued);
	if (!c.run || !c.requeued || cs_evq_init(&c.evq, (size_t)procs + 2) < 0) {
		free(c.run);
		free(c.requeued);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	int rc = run_loop(&c, cv, ops, ps, err, errlen);
	cs_evq_free(&c.evq);
	free(c.run);
	free(c.requeued);
	return rc;
}

int cs_engine_run_nodes(cs_job *jobs, size_t n, const cs_node_machine *m, const cs_engine_conv *cv,
			const cs_policy_ops *ops, void *ps, cs_engine_stats *st,
			char *err, size_t errlen)
{
	memset(st, 0, sizeof *st);
	if (n > UINT32_MAX - 1) {
		snprintf(err, errlen, "too many jobs (%zu)", n);
		return -CS_EINVAL;
	}
	if (check_time_sum(jobs, n, err, errlen) < 0)
		return -CS_EINVAL;
	cs_sched_ctx c = { .jobs = jobs, .njobs = n, .st = st, .released_at = -1, .plan_bounds = -1, .nm = m, .A = m->alloc, .memo_gen = 1,
			   .obs = m->obs, .total = m->total_gpus > UINT32_MAX ? UINT32_MAX : (uint32_t)m->total_gpus };
	int rc = -CS_ENOMEM;
	int own = !m->placements || !m->placement_off;
	c.off = own ? malloc((n + 1) * sizeof *c.off) : m->placement_off;
	if (!c.off)
		goto done;
	uint32_t maxn = 1;
	c.off[0] = 0;
	for (size_t i = 0; i < n; i++) {
		c.off[i + 1] = c.off[i] + jobs[i].nodes;
		if (jobs[i].nodes > maxn)
			maxn = jobs[i].nodes;
	}
	size_t rcap = 0;
	for (size_t r = 0; r < m->nresv; r++)
		rcap += m->resv[r].nnodes;
	c.resv_cap = (uint32_t)rcap;
	c.nnodes = cs_alloc_nnodes(c.A);
	c.slots = own ? malloc((c.off[n] + 1) * sizeof *c.slots) : m->placements;
	c.hold_slots = malloc(maxn * sizeof *c.hold_slots);
	c.tmp_slots = malloc(maxn * sizeof *c.tmp_slots);
	c.run = malloc((n + 1) * sizeof *c.run);
	c.requeued = malloc((n + 1) * sizeof *c.requeued);
	c.memo = calloc(MEMO_SIZE, sizeof *c.memo);
	c.snap = malloc(((size_t)c.nnodes + 1) * sizeof *c.snap);
	c.resv_slots = malloc((rcap + 1) * sizeof *c.resv_slots);
	c.plan_start = malloc((n + 1) * sizeof *c.plan_start);
	c.planned = malloc((n + 1) * sizeof *c.planned);
	c.plan_pos = malloc((n + 1) * sizeof *c.plan_pos);
	c.resv_block = calloc(n + 1, sizeof *c.resv_block);
	c.tmp_slots2 = malloc(maxn * sizeof *c.tmp_slots2);
	c.resv_ends = malloc((m->nresv + 1) * sizeof *c.resv_ends);
	if (!c.slots || !c.hold_slots || !c.tmp_slots || !c.run || !c.requeued || !c.memo || !c.snap ||
	    !c.resv_slots || !c.resv_ends || !c.plan_start || !c.planned || !c.plan_pos ||
	    !c.resv_block || !c.tmp_slots2 || cs_evq_init(&c.evq, n + 2) < 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		c.plan_start[i] = -1;
	rc = 0;
	for (size_t r = 0; r < m->nresv && rc == 0; r++) {
		const cs_resv *v = &m->resv[r];
		int bad = v->start >= v->end || v->start < 0;
		for (uint32_t i = 0; i < v->nnodes && !bad; i++)
			bad = v->nodes[i] >= c.nnodes;
		if (bad) {
			snprintf(err, errlen, "reservation %s: empty window [%lld, %lld) or a node out of range",
				 v->name ? v->name : "?", (long long)v->start, (long long)v->end);
			rc = -CS_EINVAL;
			break;
		}
		/* insertion: reservations are few */
		size_t k = c.nresv_ends++;
		while (k > 0 && c.resv_ends[k - 1] > v->end) {
			c.resv_ends[k] = c.resv_ends[k - 1];
			k--;
		}
		c.resv_ends[k] = v->end;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		cs_placement p = { c.slots + c.off[i], jobs[i].nodes, 0 };
		int r = jobs[i].nodes == 0 || jobs[i].size == 0 ? -CS_EINVAL : place_types(&c, (uint32_t)i, &p);
		if (r == 0)
			cs_alloc_release(c.A, &p);
		if (r < 0 || jobs[i].runtime_s <= 0 || jobs[i].estimate_s <= 0 ||
		    (i && jobs[i].submit_s < jobs[i - 1].submit_s)) {
			snprintf(err, errlen, "job %lld (line %u): not runnable on the empty machine "
				 "(%u nodes x %u GPUs, %u cores, %u MiB; runtime %lld, estimate %lld) "
				 "or out of submit order", (long long)jobs[i].id, jobs[i].line, jobs[i].nodes,
				 jobs[i].gpus_per_node, jobs[i].cores_per_node, jobs[i].mem_per_node_mib,
				 (long long)jobs[i].runtime_s, (long long)jobs[i].estimate_s);
			rc = -CS_EINVAL;
		}
	}
	/* a pass when each reservation ends: its nodes come back */
	for (size_t r = 0; rc == 0 && r < c.nresv_ends; r++)
		if (cs_evq_push(&c.evq, c.resv_ends[r], WAKE_CLASS, EV_WAKE, 0) < 0)
			rc = -CS_ENOMEM;
	if (rc == 0) {
		reset_results(jobs, n);
		rc = run_loop(&c, cv, ops, ps, err, errlen);
	}
done:
	if (rc == -CS_ENOMEM)
		snprintf(err, errlen, "out of memory");
	cs_evq_free(&c.evq);
	if (own) {
		free(c.off);
		free(c.slots);
	}
	free(c.hold_slots);
	free(c.tmp_slots);
	free(c.run);
	free(c.requeued);
	free(c.memo);
	free(c.snap);
	free(c.resv_slots);
	free(c.resv_ends);
	free(c.plan_start);
	free(c.planned);
	free(c.plan_pos);
	planner_free(c.pl);
	free(c.resv_block);
	free(c.tmp_slots2);
	return rc;
}
