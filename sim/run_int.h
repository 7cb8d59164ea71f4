/* capsim: one replay's own declarations, shared by its files:
 *   sim/run.c        options, the SWF replay's machine, cs_run itself;
 *   sim/run_nodes.c  a replay on the node model (cs_run_nodes).
 * Not part of the library's interface (see include/capsim/run.h). */
#ifndef CAPSIM_RUN_INT_H
#define CAPSIM_RUN_INT_H

#include "capsim/run.h"

/* Does the run record (the --out files, --record, progress)? */
static inline int cs_run_wants_recorder(const cs_run_opts *o) { return o->out_dir || o->record || o->progress; }

/* The cluster a run uses: o->cluster_in, else o->cluster opened (a config,
 * "default", a slurm.conf; NULL: the default), with --scale's node counts
 * if given. */
int cs_run_open_cluster(const cs_run_opts *o, cs_cluster **out, char *err, size_t errlen);

/* o's cancellations by job index into *out (malloc'ed; NULL without):
 * 0, or -CS_E* with err naming an id the run does not hold once. */
int cs_run_cancels_of(const cs_run_opts *o, const cs_run_result *r, cs_cancel **out, char *err, size_t errlen);

/* A workload's epoch as the outputs' calendar (0 before 1980). */
int64_t cs_run_calendar(int64_t epoch);

/* Association limits are refused under a policy other than multifactor. */
int cs_run_limits_enforced(const cs_policy_ops *ops, const cs_account_tree *t, const char *path, char *err,
			   size_t errlen);

/* The replay on the node model: cs_run's work for GPU workloads, and for SWF
 * and Batsim workloads given --node-model. */
int cs_run_nodes(const cs_run_opts *o, cs_run_result *r, cs_policy_env *env, cs_format fmt, const cs_accounts *acc,
		 char *err, size_t errlen);

#endif
