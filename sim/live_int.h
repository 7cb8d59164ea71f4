/* capsim: the live run's inside (sim/live*.c), private to them. */
#ifndef CAPSIM_SIM_LIVE_INT_H
#define CAPSIM_SIM_LIVE_INT_H

#include "capsim/alloc.h"
#include "capsim/sched.h"

/* --- live_ctx.c: the engine beyond a policy's context --- */
/* Is job jid submitted and neither started, rejected nor cancelled? */
int cs_live_ctx_waiting(const cs_sched_ctx *c, uint32_t jid);
/* Start waiting job jid now on exactly nodes[0..n) (its per-node share on
 * each), `how` as cs_ctx_start: 0; -CS_ENOFIT or -CS_EINVAL with the
 * reason in why, nothing changed. */
int cs_live_ctx_start_on(cs_sched_ctx *c, uint32_t jid, const uint32_t *nodes, uint32_t n, unsigned how, char *why,
			 size_t len);
/* The run's allocator (what is free, node by node). */
cs_alloc *cs_live_ctx_alloc(const cs_sched_ctx *c);

#endif
