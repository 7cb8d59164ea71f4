/* capsim: strict first-come first-served, no backfilling. The oldest
 * waiting job starts as soon as it fits; nothing overtakes it. */
#include "capsim/sched.h"
#include "fifo.h"

#include <stdlib.h>

typedef struct fcfs {
	cs_fifo q;
	const cs_job *jobs;
} fcfs;

static int fcfs_init(void **state, const cs_policy_env *env, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	fcfs *p = calloc(1, sizeof *p);
	if (!p || cs_fifo_init(&p->q, env->njobs) < 0) {
		free(p);
		return -CS_ENOMEM;
	}
	p->jobs = env->jobs;
	*state = p;
	return 0;
}

static void fcfs_submit(void *state, uint32_t jid)
{
	fcfs *p = state;
	cs_fifo_push(&p->q, jid);
}

static void fcfs_pass(void *state, cs_sched_ctx *ctx)
{
	fcfs *p = state;
	long h;
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
	free(p);
}

static const cs_policy_param fcfs_params[] = { { NULL, NULL, NULL } };

const cs_policy_ops cs_policy_fcfs = {
	.abi = CS_POLICY_ABI,
	.name = "fcfs",
	.summary = "first-come first-served, no backfilling",
	.params = fcfs_params,
	.init = fcfs_init,
	.submit = fcfs_submit,
	.pass = fcfs_pass,
	.destroy = fcfs_destroy,
};
