/* capsim: stage-in and stage-out (sim/stage.c, sim/stage_out.c;
 * docs/storage.md#staging).
 *
 * Without a burst buffer a job moves its own data while it holds its
 * nodes: when it starts it reads its input (stage_in bytes) from a storage
 * tier, then does its work (its run time), then writes its output
 * (stage_out bytes) to the tier, and only then gives its nodes back. Its
 * time limit covers all three, as Slurm's does (the job's own I/O is part
 * of its run): a job whose staging makes it outlast its limit is killed
 * at it (state TIMEOUT), its transfer unfinished.
 *
 * Bandwidth is a fluid share with a limit per job: the transfers on a
 * tier at one time share its bandwidth max-min fairly, each at most its
 * job's own limit (the sum over its nodes of their node type's
 * storage_gbs, if every one has it; else none): the transfers whose limit
 * is below an equal share run at their limit, the others share the rest
 * equally (n transfers, no limits: bandwidth / n each). Rates change
 * whenever a transfer begins or ends on the tier. Integer arithmetic
 * throughout: over dt seconds a limited transfer moves limit x dt bytes,
 * each of the m others floor(rest x dt / m), and a transfer ends at the
 * first whole second by which it has moved its bytes, so the same run
 * gives the same seconds byte for byte. Not modelled: reads and writes
 * competing differently, the fabric between nodes and tiers, staging
 * before the job's nodes are allocated (Slurm's burst_buffer plugin), and
 * a tier's use growing by what is written (capsim/storage.h's rates model
 * that apart).
 */
#ifndef CAPSIM_STAGE_H
#define CAPSIM_STAGE_H

#include <stdint.h>
#include <stdio.h>

#include "capsim/job.h"

typedef struct cs_stagesim cs_stagesim; /* opaque */

/* What a run stages (plain data, copied by cs_stagesim_new). */
typedef struct cs_stage_setup {
	const cs_job *jobs;          /* the run's jobs (read after the run for the books) */
	size_t njobs;
	uint32_t ntiers;
	const char *const *tier_names;
	const double *tier_gbs;      /* per tier: its bandwidth, GB/s (10^9 bytes a second), > 0 */
	const int64_t *in_b, *out_b; /* per job: bytes read at its start, written at its end (>= 0) */
	const uint32_t *tier;        /* per job: the tier it stages through (any, if it moves nothing) */
	const cs_time *limit_s;      /* per job: the time limit its whole run keeps (start to end);
				      * 0: none. NULL: no job has one */
	const char *default_tier;    /* the run's --stage-tier (NULL: none), for the summary */
	uint32_t nnodes, ntypes;
	const uint16_t *node_type;   /* per node: its node type */
	const double *type_gbs;      /* per node type: the most one node moves, GB/s; 0: no limit */
} cs_stage_setup;

/* 0, or -CS_EINVAL (a tier without bandwidth, a job's tier out of range,
 * a negative size, or a tier's staging volume over 2^40 s of its
 * bandwidth) / -CS_ENOMEM with err. On failure *out is still to be freed. */
int cs_stagesim_new(cs_stagesim **out, const cs_stage_setup *s, char *err, size_t errlen);
void cs_stagesim_free(cs_stagesim *s);

/* The outputs (sim/stage_out.c), after the run. */
struct json_t;
/* summary.json's "staging" object (new reference; NULL if out of memory). */
struct json_t *cs_stagesim_summary_json(const cs_stagesim *s);
/* One line for the printed summary. */
void cs_stagesim_print(FILE *out, const cs_stagesim *s);
/* jobs.csv's extra columns: ",stage_tier,stage_in_gb,stage_out_gb,stage_in_s,stage_out_s"
 * and job i's values. */
void cs_stagesim_csv_header(FILE *out);
void cs_stagesim_csv_row(FILE *out, const cs_stagesim *s, size_t i);

#endif
