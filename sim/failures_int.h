/* capsim: the reliability model's inside (capsim/failures.h), shared by
 * sim/failures.c (the model: setup, checkpoints, the engine's failure and
 * repair events) and sim/failures_out.c (the books and the outputs).
 * Private to those two. */
#ifndef CAPSIM_SIM_FAILURES_INT_H
#define CAPSIM_SIM_FAILURES_INT_H

#include "capsim/failures.h"
#include "engine_int.h"

/* A component that fails on its own (a process's GPU, node or link), or
 * the failure trace (proc == UINT32_MAX). */
typedef struct fsrc {
	uint32_t proc;
	uint32_t node;
	int32_t gpu;          /* gpu components: its index on the node, else -1 */
	uint32_t draws;       /* draws taken from its random stream */
	cs_time up_since;     /* up since (its last repair's end, or the start) */
} fsrc;

/* What each failure process (or, for a trace, each component kind) did. */
typedef struct fstat {
	uint64_t failures;
	double up_s;          /* component-seconds up, over the workload's span */
	double repair_s;      /* drawn repair times of its failures */
	uint32_t components;
} fstat;

/* A change of the GPUs out of service, for the down GPU-hours. */
typedef struct fdown {
	cs_time t;
	int32_t gpus;         /* GPUs down from t on */
} fdown;

struct cs_failsim {
	cs_cluster *cluster;   /* a reference held: cfg is its */
	const cs_fail_config *cfg;
	uint64_t seed;
	int requeue;
	cs_job *jobs;
	size_t njobs;
	uint32_t nnodes, ntypes;
	uint16_t *node_type;
	uint32_t *type_gpus;
	cs_time t0, t_end;     /* the first submission, the last end (after finish) */
	int finished;          /* cs_failsim_finish closed the books */
	/* the failure sources: one pending EV_FAIL each */
	fsrc *src;
	uint32_t nsrc;
	size_t next_rec;       /* the trace's next line */
	uint64_t pending;      /* EV_FAIL and EV_REPAIR events in the queue */
	size_t recs_after;     /* trace lines not applied: the workload was over */
	fstat *st;             /* per process; for a trace, per component kind */
	uint32_t nst;
	/* what is down: per node its node-level repair's end, its GPUs'
	 * (CS_ALLOC_MAX_GPUS a node), and what the model holds of it on the
	 * allocator; the nodes holding anything */
	cs_time *node_down, *gpu_down;
	cs_slot *held;
	uint32_t *downs;
	uint32_t ndowns;
	int32_t down_gpus;
	fdown *log;
	size_t nlog, caplog;
	cs_fail_down *changes;  /* per node, in time order (cs_failsim_down_changes) */
	size_t nchanges, capchanges;
	/* the down resources' give-backs at their repairs, by time
	 * (cs_fail_pieces), made again when dirty */
	struct cs_fail_piece *pieces;
	size_t npieces, cappieces;
	int dirty;
	/* END events of runs a failure stopped and requeued: consumed when they pop */
	struct fstale { cs_time t; uint32_t jid; } *stale;
	size_t nstale, capstale;
	uint16_t *stale_n;     /* per job */
	uint32_t *victims;     /* scratch: the jobs a failure stops */
	uint32_t *freed;       /* scratch: the nodes a repair gives back */
	/* per job: checkpoint interval and cost (0: none), work left at its
	 * current run's start, and what failures and checkpoints cost it */
	cs_time *ck_int, *ck_cost, *work_left, *lost_s, *ckpt_s, *fail_run_s;
	uint32_t *kills, *ckpt_n; /* times a failure stopped it; checkpoints it wrote */
	size_t *rule_jobs;     /* per checkpoint rule: the jobs it matched that checkpoint */
	cs_time *rule_interval; /* per rule: the interval (young_daly: the jobs' mean) */
	uint32_t *rec_node;    /* per trace line: its node's number in this run */
	/* maintenance: the windows as advance reservations, their nodes; and
	 * the run's own reservations with them (cs_failsim_resv) */
	cs_resv *resv, *all_resv;
	size_t nresv;
	uint32_t **maint_nodes;
	uint32_t *maint_n;
	size_t nmaint;
};

/* Checkpoints taken in R seconds of work every tau (none at the end). */
static inline cs_time cs_fail_nckpt(cs_time R, cs_time tau)
{
	return tau > 0 && R > 0 ? (R - 1) / tau : 0;
}

#endif
