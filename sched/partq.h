/* capsim: a policy's waiting jobs by partition (sched/partq.c), private to
 * sched/: what lets fcfs, easy and multifactor block and reserve per
 * partition as Slurm's schedulers do (docs/policies.md#partitions).
 *
 * A job's queue key is its partition (cs_job.partition + 1; key 0 is "any
 * partition", and a GPU job placed by a --gpu-map rule has its rule's
 * index past the cluster's partitions: its own key). Over one arrival-
 * order queue (cs_fifo), each key keeps the index below which none of its
 * jobs waits, so finding a key's oldest waiting job is amortised O(1) per
 * job of the run, and a pass that starts the oldest job of the unblocked
 * keys in arrival order costs O(keys) per step.
 */
#ifndef CAPSIM_SCHED_PARTQ_H
#define CAPSIM_SCHED_PARTQ_H

#include "capsim/job.h"
#include "fifo.h"

typedef struct cs_partq {
	uint32_t nkeys;      /* keys 0..nkeys-1 */
	uint32_t used;       /* keys that some job of the run has */
	const cs_job *jobs;
	size_t *head;        /* per key: no waiting job of the key below this index */
	uint8_t *blocked;    /* per key: its oldest waiting job could not start in this pass */
	uint32_t *reserved;  /* per key: reservations made in this pass */
} cs_partq;

static inline uint32_t cs_partq_key(const cs_partq *q, uint32_t jid)
{
	int32_t p = q->jobs[jid].partition;
	return p < 0 ? 0 : (uint32_t)p + 1;
}

/* The keys of jobs[0..n). 0 or -CS_ENOMEM. */
int cs_partq_init(cs_partq *q, const cs_job *jobs, size_t n);
void cs_partq_free(cs_partq *q);
/* jid entered the queue f (after cs_fifo_push). */
void cs_partq_push(cs_partq *q, uint32_t jid);
/* Clear the blocks and the reservation counts: a new pass. */
void cs_partq_pass(cs_partq *q);
/* Oldest waiting job of key k in f, or -1. */
long cs_partq_head(cs_partq *q, const cs_fifo *f, uint32_t k);
/* Oldest waiting job, in arrival order, of the keys not blocked, or -1. */
long cs_partq_next_unblocked(cs_partq *q, const cs_fifo *f);

/* The `queue` parameter of env (partition, the default, or global): 1 if
 * the policy queues per partition (a node model whose jobs use two keys or
 * more, and queue=partition), 0 if as one queue, or -CS_EINVAL with err
 * naming the policy and the value. */
struct cs_policy_env;
int cs_queue_mode(const struct cs_policy_env *env, const cs_partq *pq, const char *policy, char *err,
		  size_t errlen);

#endif
