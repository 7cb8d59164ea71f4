/* capsim: a live run's state (sim/live.c) and its engine runs
 * (sim/live_run.c), private to sim/live*.c. */
#ifndef CAPSIM_SIM_LIVE_RUN_H
#define CAPSIM_SIM_LIVE_RUN_H

#include "capsim/accounts.h"
#include "capsim/gpumap.h"
#include "capsim/hostlist.h"
#include "capsim/live.h"
#include "capsim/nodemodel.h"
#include "capsim/trace.h"

/* The last time a run may advance to: past every time the engine computes
 * (its sums stay below 2^61). */
#define CS_LIVE_TIME_END ((cs_time)1 << 62)

enum { IN_DROPPED = 1, IN_CANCELLED = 2 };

/* A cancellation the runs replay: at time t, the running (or, under an
 * external scheduler, waiting) job of input `in` leaves. */
struct live_cancel {
	cs_time t;
	uint32_t in;
};

/* An external scheduler's pass: its number and its decisions, applied in
 * order (decs[first .. first + n)); kept for the runs to replay. */
struct live_pass {
	uint64_t pass;
	size_t first, n;
};
struct live_dec {
	uint8_t verb, how;   /* cs_live_verb; START: CS_START_* */
	uint32_t in;         /* the job's input */
	uint32_t reason;     /* PENDING_REASON */
	cs_time time;        /* RESERVE */
	size_t node_first;   /* START on nodes: dec_nodes[node_first .. + nnodes) */
	uint32_t nnodes;
};

/* One engine run over the submissions as they stood at its build. */
struct lrun {
	cs_live *L;
	cs_job *jobs;
	size_t n;
	uint32_t *in_of;        /* jid -> input */
	uint32_t *jid_of;       /* input -> jid (UINT32_MAX: not in this run), for the nin inputs */
	size_t nin;
	cs_slot *slots;         /* job j's placement: slots[off[j] ..] */
	size_t *off;
	double *billing;        /* per job, or NULL */
	cs_alloc *A;
	cs_node_machine m;
	cs_observer obs;
	cs_account_tree tree;
	void *ips;              /* the policy's state (not under an external scheduler) */
	cs_sched_ctx *E;
	cs_engine_stats st;
	int muted;              /* replaying: no events out */
	uint64_t pass;          /* passes begun */
	int resuming;           /* the waiting pass is being closed */
	size_t dec_next;        /* the next logged pass to replay */
	int diverged;           /* a logged decision failed on replay */
	/* waiting jobs in arrival order (an external scheduler's queue), and
	 * pinned jobs submitted, not yet started: doubly linked over jids */
	uint32_t *qnext, *qprev, qhead, qtail;
	uint32_t *pinq;
	size_t npinq;
	uint32_t extra_jid;     /* what-if: the job asked about */
	cs_partsets sets;       /* L's sets as they stood at its build */
};

struct cs_live {
	cs_live_opts o;
	cs_cluster *c;
	cs_nodemodel nm;
	cs_gpumap gm;
	cs_hostnames hosts;
	cs_gpumap_fit fit;       /* the empty machine (and its allocator) */
	const char **pnames;     /* the cluster's partitions */
	const cs_policy_ops *ops;
	void *handle;
	cs_accounts *acc;
	cs_trace names;          /* projects, users, QoS; the partitions are the cluster's */
	/* the submissions, in arrival order */
	cs_job *in;
	cs_jrec *rec;            /* as submitted */
	uint8_t *inflag;         /* IN_* */
	size_t nin, incap;
	int64_t next_id;
	uint32_t *idslot;        /* id -> input, open addressing */
	size_t idcap;
	/* what the runs replay */
	struct live_cancel *cancels;
	size_t ncancel, capcancel;
	struct live_pass *passes;
	size_t npass, cappass;
	struct live_dec *decs;
	size_t ndec, capdec;
	uint32_t *dec_nodes;
	size_t ndec_nodes, capdec_nodes;
	/* a twin's running jobs, pinned to their nodes: per input
	 * pin_first[in] .. pin_first[in + 1] in pin_nodes (NULL: none) */
	size_t *pin_first;
	uint32_t *pin_nodes;
	/* jobs submitted to several partitions: the sets, each once, in the
	 * order they first came (a run copies them: struct lrun) */
	cs_partsets sets;
	size_t sets_cap;
	cs_time now;
	int dirty;               /* submissions (or drops) since the run was built */
	int waiting_pass;
	struct lrun *run;
	cs_live_observer obs_fn;
	void *obs_ctx;
};

/* Grow *p (*cap entries of size bytes) to hold need: 0 or -CS_ENOMEM. */
int cs_live_grow(void **p, size_t *cap, size_t need, size_t size);
/* The input of job id, or -1. */
int64_t cs_live_input_of(const cs_live *L, int64_t id);

/* A run over every input not dropped, plus `extra` (a what-if job, or
 * NULL), set up at time 0. 0 or -CS_E* with err. */
int cs_lrun_open(cs_live *L, const cs_job *extra, struct lrun **out, char *err, size_t errlen);
void cs_lrun_free(struct lrun *R);
/* Replay R (muted) to `upto`: the cancellations at their times, the
 * logged decisions at their passes. 0; 1 if it stops at a pass waiting
 * for the external scheduler; -CS_E*. */
int cs_lrun_replay(cs_live *L, struct lrun *R, cs_time upto, char *err, size_t errlen);
/* Did the new run R replay what the old run did before now (every start,
 * end and placement; who waits)? 0, or -CS_EINVAL naming the first job
 * that differs. */
int cs_lrun_same_past(const cs_live *L, const struct lrun *old, const struct lrun *R, char *err, size_t errlen);
/* Would a cancellation at t, R advanced to t (every event before t
 * handled), find job jid (UINT32_MAX: not in R) waiting, or running past
 * t? (One whose run ends at t has ended by then: a cancellation comes
 * after the ends of its time.) */
int cs_lrun_cancellable(const struct lrun *R, uint32_t jid, cs_time t);
/* Cancel job jid of R at t (cs_cancel: an event at t, handled when R
 * advances past it): 0 or -CS_ENOMEM. */
int cs_lrun_cancel(struct lrun *R, uint32_t jid, cs_time t);
/* The error for cancelling waiting job `id` under a policy without a
 * cancel op: -CS_EINVAL with err naming the policy. */
int cs_live_no_cancel(const cs_live *L, int64_t id, char *err, size_t errlen);

#endif
