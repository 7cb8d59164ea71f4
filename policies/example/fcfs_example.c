/* An example external policy for capsim: strict first-come first-served,
 * written against the public plugin API only (include/capsim/sched.h).
 *
 * Build:  cc -std=c11 -fPIC -shared -I include policies/example/fcfs_example.c \
 *             -o fcfs_example.so
 * Run:    capsim run --workload TRACE --policy ./fcfs_example.so
 *
 * capsim dlopens the file and reads the ops table exported as
 * `capsim_policy`; the cs_ctx_* functions resolve against the capsim binary.
 * It must give the same schedule as the built-in `fcfs` (tests check it).
 * Its cancel op is optional: built with -DEXAMPLE_NO_CANCEL it has none,
 * and capsim refuses to cancel a waiting job under it. */
#include <stdlib.h>

#include "capsim/sched.h"

#ifndef EXAMPLE_ABI
#define EXAMPLE_ABI CS_POLICY_ABI
#endif

/* The waiting jobs in arrival order: a ring buffer of job indices. Jobs are
 * submitted in index order, so arrival order is submission order. A
 * cancelled job stays in the ring, marked, until it reaches the head. */
typedef struct example {
	uint32_t *q;
	size_t cap, head, len;
	unsigned char *gone; /* per job: cancelled while waiting */
} example;

static int ex_init(void **state, const cs_policy_env *env, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	example *p = calloc(1, sizeof *p);
	if (!p)
		return -CS_ENOMEM;
	p->cap = env->njobs ? env->njobs : 1;
	p->q = malloc(p->cap * sizeof *p->q);
	p->gone = calloc(p->cap, 1);
	if (!p->q || !p->gone) {
		free(p->q);
		free(p->gone);
		free(p);
		return -CS_ENOMEM;
	}
	*state = p;
	return 0;
}

static void ex_submit(void *state, uint32_t jid)
{
	example *p = state;
	p->q[(p->head + p->len++) % p->cap] = jid;
}

static void ex_pop(example *p)
{
	p->head = (p->head + 1) % p->cap;
	p->len--;
}

static void ex_pass(void *state, cs_sched_ctx *ctx)
{
	example *p = state;
	while (p->len && (p->gone[p->q[p->head]] || cs_ctx_start(ctx, p->q[p->head], CS_START_HEAD) == 0))
		ex_pop(p);
	if (p->len) /* the oldest waits for processors; the rest, behind it */
		cs_ctx_pending(ctx, p->q[p->head], CS_WAIT_RESOURCES);
}

#ifndef EXAMPLE_NO_CANCEL
static void ex_cancel(void *state, uint32_t jid)
{
	example *p = state;
	p->gone[jid] = 1;
}
#endif

static void ex_destroy(void *state)
{
	example *p = state;
	if (p) {
		free(p->q);
		free(p->gone);
	}
	free(p);
}

static const cs_policy_param ex_params[] = { { NULL, NULL, NULL } };

const cs_policy_ops capsim_policy = {
	.abi = EXAMPLE_ABI,
	.name = "fcfs-example",
	.summary = "first-come first-served, as an external plugin (policies/example)",
	.params = ex_params,
	.init = ex_init,
	.submit = ex_submit,
	.pass = ex_pass,
	.destroy = ex_destroy,
#ifndef EXAMPLE_NO_CANCEL
	.cancel = ex_cancel,
#endif
};
