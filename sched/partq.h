/* capsim: a policy's waiting jobs by partition (sched/partq.c), private to
 * sched/: what lets fcfs, easy and multifactor block and reserve per
 * partition as Slurm's schedulers do (docs/policies.md#partitions).
 *
 * A job's queue key is its partition (cs_job.partition + 1; key 0 is "any
 * partition", and a GPU job placed by a --gpu-map rule has its rule's
 * index past the cluster's partitions: its own key). A job submitted to
 * several partitions (a set, capsim/job.h) has the key of each, as Slurm
 * queues one record per job and partition: it is a candidate in each, and
 * bit i of its key masks below stands for its set's i-th. Over one arrival-
 * order queue (cs_fifo), each key keeps the index below which none of its
 * jobs waits, so finding a key's oldest waiting job is amortised O(1) per
 * job of the run, and a pass that starts the oldest job of the unblocked
 * keys in arrival order costs O(keys) per step.
 */
#ifndef CAPSIM_SCHED_PARTQ_H
#define CAPSIM_SCHED_PARTQ_H

#include "capsim/sched.h"
#include "fifo.h"

typedef struct cs_partq {
	uint32_t nkeys;      /* keys 0..nkeys-1 */
	uint32_t used;       /* keys that some job of the run has */
	const cs_job *jobs;
	size_t *head;        /* per key: no waiting job of the key below this index */
	uint8_t *blocked;    /* per key: its oldest waiting job could not start in this pass */
	uint32_t *reserved;  /* per key: reservations made in this pass */
	const cs_partsets *sets; /* NULL: every job has one key */
} cs_partq;

/* The key of a job of one partition. */
static inline uint32_t cs_partq_key(const cs_partq *q, uint32_t jid)
{
	int32_t p = q->jobs[jid].partition;
	return p < 0 ? 0 : (uint32_t)p + 1;
}

/* How many keys job jid has (1, or its set's size), and its i-th. */
static inline uint32_t cs_partq_nkeys_of(const cs_partq *q, uint32_t jid)
{
	int32_t s = cs_partset_of(q->sets, q->jobs[jid].partition);
	return s < 0 ? 1 : q->sets->first[s + 1] - q->sets->first[s];
}
static inline uint32_t cs_partq_key_at(const cs_partq *q, uint32_t jid, uint32_t i)
{
	int32_t s = cs_partset_of(q->sets, q->jobs[jid].partition);
	return s < 0 ? cs_partq_key(q, jid) : (uint32_t)q->sets->parts[q->sets->first[s] + i] + 1;
}

/* The keys of jobs[0..n), sets (NULL: none) giving those of a job of
 * several partitions. 0 or -CS_ENOMEM. */
int cs_partq_init(cs_partq *q, const cs_job *jobs, size_t n, const cs_partsets *sets);
void cs_partq_free(cs_partq *q);
/* jid entered the queue f (after cs_fifo_push). */
void cs_partq_push(cs_partq *q, uint32_t jid);
/* Clear the blocks and the reservation counts: a new pass. */
void cs_partq_pass(cs_partq *q);
/* Oldest waiting job of key k in f, or -1. */
long cs_partq_head(cs_partq *q, const cs_fifo *f, uint32_t k);
/* Oldest waiting job, in arrival order, of the keys not blocked, or -1. */
long cs_partq_next_unblocked(cs_partq *q, const cs_fifo *f);
/* Job jid's keys not blocked in this pass, as a mask (bit i: its i-th). */
uint64_t cs_partq_open(const cs_partq *q, uint32_t jid);
/* Block job jid's keys in mask (inline: a pass blocks a head in its
 * first loop, most often of one key). */
static inline void cs_partq_block(cs_partq *q, uint32_t jid, uint64_t mask)
{
	int32_t s = cs_partset_of(q->sets, q->jobs[jid].partition);
	if (s < 0) { /* one key */
		if (mask & 1)
			q->blocked[cs_partq_key(q, jid)] = 1;
		return;
	}
	for (uint32_t x = 0; x < q->sets->first[s + 1] - q->sets->first[s]; x++)
		if (mask >> x & 1)
			q->blocked[q->sets->parts[q->sets->first[s] + x] + 1] = 1;
}

/* The partition parameters of easy and multifactor (fcfs has only queue). */
#define CS_QUEUE_PARAM                                                                                     \
	{ "queue", "partition", "partition: a job that cannot start holds back the later jobs of its "       \
				"partition only (node model, jobs of several partitions); global: of every partition" }
#define CS_PARTITION_PARAMS                                                                                \
	CS_QUEUE_PARAM,                                                                                    \
	{ "reserve", "1", "per partition, how many waiting jobs that cannot start hold a reservation in a "   \
			  "pass (node model, queue=partition): 1 is EASY, more is Slurm's backfill depth" },     \
	{ "reserve_user", "0", "per user, the most reservations in a pass (0: no limit)" },                   \
	{ "reserve_total", "0", "the most reservations in a pass in all (0: no limit)" }

/* The reservations of a pass: who holds one, and the budget per
 * partition, per user and in all. */
typedef struct cs_resv_budget {
	uint32_t per_part, per_user, total; /* per_user, total: 0 = no limit */
	uint32_t nheld;                      /* holds made in this pass */
	uint32_t pass;                       /* the pass's stamp */
	uint32_t *held;                      /* per job: the stamp of the pass it holds in */
	uint32_t *user_stamp, *user_n;       /* per user: holds in the stamped pass */
	uint32_t nusers;
	const cs_job *jobs;
} cs_resv_budget;

/* Read queue (cs_queue_mode), reserve, reserve_user and reserve_total.
 * Returns whether the policy queues per partition (1 also for one
 * partition when more than one reservation is asked for), or -CS_EINVAL
 * (a bad value, or a budget given where it cannot apply: a pooled machine
 * or queue=global), -CS_ENOMEM. */
int cs_resv_budget_init(cs_resv_budget *b, const cs_policy_env *env, const cs_partq *pq,
			const char *policy, char *err, size_t errlen);
void cs_resv_budget_free(cs_resv_budget *b);
void cs_resv_budget_pass(cs_resv_budget *b);
static inline int cs_resv_budget_holds(const cs_resv_budget *b, uint32_t jid)
{
	return b->held && b->held[jid] == b->pass;
}
/* Give waiting job jid a hold if the budget allows (its partition's, its
 * user's, the pass's). A job of several partitions holds in the one of
 * them with room in its budget where it can start the earliest
 * (cs_ctx_hold_in), and counts in that one's. 1 if it holds, 0 if not. */
int cs_resv_budget_hold(cs_resv_budget *b, cs_partq *q, cs_sched_ctx *ctx, uint32_t jid);

/* The `queue` parameter of env (partition, the default, or global): 1 if
 * the policy queues per partition (a node model whose jobs use two keys or
 * more, and queue=partition), 0 if as one queue, or -CS_EINVAL with err
 * naming the policy and the value. */
int cs_queue_mode(const cs_policy_env *env, const cs_partq *pq, const char *policy, char *err,
		  size_t errlen);

#endif
