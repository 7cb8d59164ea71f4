/* capsim: shortest job first, by estimate, no backfilling. The waiting job
 * with the shortest estimate (ties: the earliest arrival) starts as soon as
 * it fits; nothing overtakes it. */
#include "capsim/sched.h"
#include "qtree.h"

#include <stdlib.h>

typedef struct sjf {
	cs_qtree t;
	const cs_job *jobs;
	uint32_t *pos, *at;
	long marked; /* the job last marked as waiting for resources, or -1 */
} sjf;

static void sjf_destroy(void *state)
{
	sjf *p = state;
	if (!p)
		return;
	cs_qtree_free(&p->t);
	free(p->pos);
	free(p->at);
	free(p);
}

static int sjf_init(void **state, const cs_policy_env *env, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	sjf *p = calloc(1, sizeof *p);
	size_t n = env->njobs ? env->njobs : 1;
	if (!p)
		return -CS_ENOMEM;
	p->jobs = env->jobs;
	p->marked = -1;
	p->pos = malloc(n * sizeof *p->pos);
	p->at = malloc(n * sizeof *p->at);
	if (!p->pos || !p->at || cs_qtree_init(&p->t, env->njobs) < 0 ||
	    cs_rank_by_estimate(env->jobs, env->njobs, p->at) < 0) {
		sjf_destroy(p);
		return -CS_ENOMEM;
	}
	for (uint32_t i = 0; i < env->njobs; i++)
		p->pos[p->at[i]] = i;
	*state = p;
	return 0;
}

static void sjf_submit(void *state, uint32_t jid)
{
	sjf *p = state;
	cs_qtree_set(&p->t, p->pos[jid], p->jobs[jid].size, p->jobs[jid].estimate_s);
}

static void sjf_cancel(void *state, uint32_t jid)
{
	sjf *p = state;
	cs_qtree_clear(&p->t, p->pos[jid]);
	if (p->marked == (long)jid)
		p->marked = -1; /* no later head should mark it back to Priority */
}

static void sjf_pass(void *state, cs_sched_ctx *ctx)
{
	sjf *p = state;
	long leaf;
	/* the first waiting job in (estimate, arrival) order */
	while ((leaf = cs_qtree_find(&p->t, 0, UINT32_MAX - 1, UINT32_MAX - 1, CS_TIME_MAX)) >= 0) {
		uint32_t jid = p->at[leaf];
		if (cs_ctx_start(ctx, jid, CS_START_HEAD) < 0) {
			/* a shorter arrival displaced the one marked before */
			if (p->marked >= 0 && p->marked != (long)jid)
				cs_ctx_pending(ctx, (uint32_t)p->marked, CS_WAIT_PRIORITY);
			cs_ctx_pending(ctx, jid, CS_WAIT_RESOURCES);
			p->marked = jid;
			break;
		}
		cs_qtree_clear(&p->t, (size_t)leaf);
	}
}

static const cs_policy_param sjf_params[] = { { NULL, NULL, NULL } };

const cs_policy_ops cs_policy_sjf = {
	.abi = CS_POLICY_ABI,
	.name = "sjf",
	.summary = "shortest job first by estimate (ties: arrival), no backfilling",
	.params = sjf_params,
	.init = sjf_init,
	.submit = sjf_submit,
	.pass = sjf_pass,
	.destroy = sjf_destroy,
	.cancel = sjf_cancel,
};
