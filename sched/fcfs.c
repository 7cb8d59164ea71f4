/* capsim: strict first-come first-served, no backfilling. The oldest
 * waiting job starts as soon as it fits; nothing overtakes it.
 *
 * On a node model whose jobs use several partitions the order is kept
 * within each partition, as Slurm's main scheduler does: the pass starts
 * jobs in arrival order, and a job that cannot start stops the later jobs
 * of its partition only (queue=global: of every partition). A job
 * submitted to several partitions is a candidate in each: it starts in the
 * first of them, in its order, that is not blocked and where it fits, and
 * if it fits in none it blocks each of them.
 */
#include "capsim/sched.h"
#include "fifo.h"
#include "partq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fcfs {
	cs_fifo q;
	cs_partq pq;
	int per_partition;
	const cs_job *jobs;
} fcfs;

static void fcfs_destroy(void *state);

static int fcfs_init(void **state, const cs_policy_env *env, char *err, size_t errlen)
{
	fcfs *p = calloc(1, sizeof *p);
	if (!p || cs_fifo_init(&p->q, env->njobs) < 0 || cs_partq_init(&p->pq, env->jobs, env->njobs, env->partsets) < 0) {
		fcfs_destroy(p);
		return -CS_ENOMEM;
	}
	p->jobs = env->jobs;
	int m = cs_queue_mode(env, &p->pq, "fcfs", err, errlen);
	if (m < 0) {
		fcfs_destroy(p);
		return m;
	}
	p->per_partition = m;
	*state = p;
	return 0;
}

static void fcfs_submit(void *state, uint32_t jid)
{
	fcfs *p = state;
	cs_fifo_push(&p->q, jid);
	cs_partq_push(&p->pq, jid);
}

/* A cancelled job's bit goes: the partitions' marks (cs_partq) only say
 * that none of their jobs waits below them, which still holds. */
static void fcfs_cancel(void *state, uint32_t jid)
{
	fcfs *p = state;
	cs_fifo_remove(&p->q, jid);
}

static void fcfs_pass(void *state, cs_sched_ctx *ctx)
{
	fcfs *p = state;
	long h;
	if (p->per_partition) {
		cs_partq_pass(&p->pq);
		while ((h = cs_partq_next_unblocked(&p->pq, &p->q)) >= 0) {
			/* in the first of its partitions not blocked where it fits;
			 * else it blocks them all */
			uint64_t open = cs_partq_open(&p->pq, (uint32_t)h);
			if (cs_ctx_start_in(ctx, (uint32_t)h, open, CS_START_HEAD) < 0) {
				cs_ctx_pending(ctx, (uint32_t)h, CS_WAIT_RESOURCES);
				cs_partq_block(&p->pq, (uint32_t)h, open);
			} else {
				cs_fifo_remove(&p->q, (uint32_t)h);
			}
		}
		return;
	}
	while ((h = cs_fifo_head(&p->q)) >= 0) {
		if (cs_ctx_start(ctx, (uint32_t)h, CS_START_HEAD) < 0) {
			cs_ctx_pending(ctx, (uint32_t)h, CS_WAIT_RESOURCES);
			break;
		}
		cs_fifo_remove(&p->q, (uint32_t)h);
	}
}

static void fcfs_destroy(void *state)
{
	fcfs *p = state;
	if (!p)
		return;
	cs_fifo_free(&p->q);
	cs_partq_free(&p->pq);
	free(p);
}

static const cs_policy_param fcfs_params[] = {
	CS_QUEUE_PARAM,
	{ NULL, NULL, NULL },
};

const cs_policy_ops cs_policy_fcfs = {
	.abi = CS_POLICY_ABI,
	.name = "fcfs",
	.summary = "first-come first-served, no backfilling",
	.params = fcfs_params,
	.init = fcfs_init,
	.submit = fcfs_submit,
	.pass = fcfs_pass,
	.destroy = fcfs_destroy,
	.cancel = fcfs_cancel,
};
