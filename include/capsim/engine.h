/* capsim: the discrete-event engine (sim/engine.c).
 *
 * Events: job submission and job end. Order of events at equal times: by
 * the same-time rule (ends first, or submissions first), then by insertion
 * sequence (submissions in (submit time, file order); ends in the order the
 * jobs were started). The scheduler (a policy) runs after events per the
 * pass rule, as documented in README.md ("Conventions").
 */
#ifndef CAPSIM_ENGINE_H
#define CAPSIM_ENGINE_H

#include "capsim/sched.h"

typedef enum { CS_SAME_END_FIRST, CS_SAME_SUBMIT_FIRST } cs_same_time;
typedef enum { CS_PASS_PER_TIME, CS_PASS_PER_EVENT } cs_pass_rule;
typedef enum { CS_SUBMIT_ALWAYS, CS_SUBMIT_IF_FITS } cs_submit_pass;
typedef enum { CS_RELEASE_EVENT, CS_RELEASE_ESTIMATE } cs_release;

typedef struct cs_engine_conv {
	cs_same_time same_time;
	cs_pass_rule pass;
	cs_submit_pass submit_pass;
	cs_release release;
} cs_engine_conv;

typedef struct cs_engine_stats {
	uint64_t events;       /* events handled */
	uint64_t passes;       /* scheduler passes */
	size_t max_queue;      /* most jobs waiting at once */
	uint64_t early_releases; /* jobs counted finished before their end event */
	size_t rejected;       /* jobs the policy refused (cs_ctx_reject) */
	uint64_t wakeups;      /* wakeups policies asked for (cs_ctx_wakeup) */
} cs_engine_stats;

/* Replay jobs[0..n) (sorted by submit, as cs_workload_from_swf gives them)
 * on a machine of `procs` processors under the policy. Fills each job's
 * start_s, end_s and reservation_s. Every job must fit the machine. */
int cs_engine_run(cs_job *jobs, size_t n, uint32_t procs, const cs_engine_conv *cv,
		  const cs_policy_ops *ops, void *policy_state, cs_engine_stats *st,
		  char *err, size_t errlen);

#endif
