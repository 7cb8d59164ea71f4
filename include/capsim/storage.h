/* capsim: storage over a run (sim/storage.c; docs/storage.md).
 *
 * Each storage tier of the cluster config holds used_pb when the run
 * starts. While a job runs it adds data to every tier at that tier's rate:
 * tb_per_gpu_hour for each GPU it holds, or, for a job without GPUs,
 * tb_per_core_hour for each core, evenly over its run (its last run: a run
 * a requeue threw away leaves nothing). A tier with retention_days deletes
 * data once it is that old (a scratch file system's purge). A tier is full
 * when its use reaches its capacity; the report gives when that happens
 * within the run, and past the run (a tier without retention) a forecast
 * at the run's mean net growth. The accounts file's storage allocations (storage_tb, capsim/
 * accounts.h) are measured against what the jobs of each account's
 * subtree wrote on the tier (used_pb belongs to no account). A tier's
 * filling does not change the schedule: nothing waits for space. Stage-in
 * and stage-out through a tier's bandwidth, which do, are capsim/stage.h's.
 */
#ifndef CAPSIM_STORAGE_H
#define CAPSIM_STORAGE_H

#include <stdint.h>
#include <stdio.h>

#include "capsim/accounts.h"
#include "capsim/cluster.h"
#include "capsim/job.h"

typedef struct cs_storage_run cs_storage_run; /* opaque */

/* Every allocation of tree (NULL: none) names a tier of cluster c: 0, or
 * -CS_EINVAL with "ACCOUNTS:LINE:COL: ACCOUNT.storage_tb.TIER: no storage
 * tier TIER in cluster NAME (its tiers: ...)". c NULL (a pooled run, which
 * has no storage): any allocation is refused. */
int cs_storage_check(const cs_cluster *c, const cs_account_tree *tree, const char *accounts_path, char *err,
		     size_t errlen);

/* Cluster c's storage tier `name`: its index, or -1. */
int cs_storage_tier_find(const cs_cluster *c, const char *name);
/* "its tiers: a, b" (or "it has no storage tiers"), for a message, in buf. */
const char *cs_storage_tiers_text(const cs_cluster *c, char *buf, size_t len);

/* Storage over the run of jobs[0..n) (results filled, sorted by submit)
 * on cluster c (its tiers), with tree's allocations (NULL: none, or
 * checked by cs_storage_check), sampled every sample_s seconds from the
 * first submission. 0 or -CS_ENOMEM with err. */
int cs_storage_compute(cs_storage_run **out, const cs_cluster *c, const cs_job *jobs, size_t n,
		       const cs_account_tree *tree, cs_time sample_s, char *err, size_t errlen);
void cs_storage_free(cs_storage_run *s);

/* One tier's figures over the run (TB; times on the workload's clock). */
typedef struct cs_storage_tier {
	const char *name;
	double capacity_tb, used_start_tb, used_end_tb, peak_tb;
	double tb_per_gpu_hour, tb_per_core_hour, retention_days; /* the config's; retention 0: none */
	cs_time full_t;      /* the first time its use reached its capacity; -1: not within the run */
	cs_time forecast_t;  /* past the run, at the run's mean net growth, when it would be full;
			      * -1: no growth, full within the run, or a tier with a retention */
	double allocated_tb; /* the accounts' allocations on it */
	uint32_t allocations, allocations_full; /* how many; of which reached within the run */
} cs_storage_tier;
size_t cs_storage_ntiers(const cs_storage_run *s);
const cs_storage_tier *cs_storage_tier_at(const cs_storage_run *s, size_t i);

/* One allocation's figures. */
typedef struct cs_storage_account {
	const char *account, *tier;
	double allocated_tb, used_end_tb, peak_tb;
	cs_time full_t;      /* -1: not reached within the run */
} cs_storage_account;
size_t cs_storage_naccounts(const cs_storage_run *s);
const cs_storage_account *cs_storage_account_at(const cs_storage_run *s, size_t i);

/* The rows of storage.csv, a row per sample and tier: how many, and row
 * i's time, tier and its use and capacity (TB) before they are written. */
size_t cs_storage_nrows(const cs_storage_run *s);
void cs_storage_row(const cs_storage_run *s, size_t i, cs_time *t, const char **tier, double *used_tb,
		    double *capacity_tb);
/* DIR/storage.csv (each tier's use at every sample) and, with
 * allocations, DIR/storage_allocations.csv (docs/outputs.md). epoch: Unix
 * time of time 0 (0: none). */
int cs_storage_write(const cs_storage_run *s, const char *dir, int64_t epoch, char *err, size_t errlen);
/* summary.json's "storage" object (new reference; NULL on allocation failure). */
struct json_t;
struct json_t *cs_storage_json(const cs_storage_run *s, int64_t epoch);

#endif
