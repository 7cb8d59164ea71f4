/* capsim: a workload as a table of job records (sim/trace.c).
 *
 * Every reader (native CSV, SWF, Slurm sacct, Batsim JSON, the GPU-cluster
 * traces) produces a cs_trace; the generator produces one; the writers,
 * the transforms, `capsim workload stats` and the replay of GPU workloads
 * read one. Strings (projects, users, QoS, partitions) are interned: a
 * record holds indices into the trace's name lists (-1: none given).
 *
 * Times are integer seconds. submit_s counts from the trace's origin
 * (`epoch`, a Unix time, 0 when the source has none); readers of formats
 * with absolute dates set epoch to the earliest submission and store
 * submit_s relative to it.
 */
#ifndef CAPSIM_TRACE_H
#define CAPSIM_TRACE_H

#include "capsim/names.h"
#include "capsim/types.h"

/* A job's final state as the source recorded it (Slurm's names, lower case). */
typedef enum {
	CS_STATE_UNKNOWN,
	CS_STATE_COMPLETED,
	CS_STATE_FAILED,
	CS_STATE_CANCELLED,
	CS_STATE_TIMEOUT,
	CS_STATE_NODE_FAIL,
	CS_STATE_OUT_OF_MEMORY,
	CS_STATE_PREEMPTED,
	CS_STATE_N
} cs_state;
/* "unknown", "completed", "failed", "cancelled", "timeout", "node_fail",
 * "out_of_memory", "preempted" */
extern const char *const cs_state_names[CS_STATE_N];
/* A state by name, case-insensitive; -1 if none. */
int cs_state_lookup(const char *s, size_t len);

typedef struct cs_jrec {
	int64_t id;
	cs_time submit_s;          /* from the trace's origin */
	cs_time start_s;           /* recorded start (from the origin), -1 unknown */
	cs_time runtime_s;         /* recorded run time, -1 unknown */
	cs_time time_limit_s;      /* requested walltime, -1 unknown */
	uint32_t nodes;            /* >= 1; 0 only from SWF records without a size */
	uint32_t gpus_per_node;    /* 0: a CPU-only job */
	uint32_t cores_per_node;   /* 0: unknown */
	uint64_t mem_per_node_mib; /* 0: unknown */
	int32_t project, user, qos, partition; /* name indices, -1: none */
	uint8_t state;             /* cs_state */
	uint8_t topo;              /* where its nodes may lie: cs_topo_rule (capsim/alloc.h), 0: anywhere */
	uint16_t max_leaves;       /* with CS_TOPO_MAX_LEAVES: at most this many leaf switches */
	uint32_t line;             /* line (or record number) in the source */
	/* data staged (capsim/stage.h): bytes read from a storage tier at the
	 * job's start and written at its end (0: none), and the tier, 1 + an
	 * index into the trace's tiers (0: none named) */
	int64_t stage_in_b, stage_out_b;
	uint32_t stage_tier;
} cs_jrec;

typedef struct cs_trace {
	cs_jrec *jobs;
	size_t n, cap;
	cs_names projects, users, qos, partitions;
	cs_names tiers;    /* storage tiers the records stage through (stage_tier) */
	int64_t epoch;     /* Unix time of submit_s == 0; 0: none */
	/* Free-form metadata (the generator's model, seed and days; a reader's
	 * source), kept in order; the native writer emits them as "# key: value". */
	cs_names meta_keys, meta_vals;
} cs_trace;

void cs_trace_init(cs_trace *t);
void cs_trace_free(cs_trace *t);
/* dst (initialized, empty) made a copy of src: the records, every name
 * list with the same indices, and the metadata in its order. 0, or
 * -CS_ENOMEM with dst freed. */
int cs_trace_copy(cs_trace *dst, const cs_trace *src);
/* Append a record (copied). 0 or -CS_ENOMEM. */
int cs_trace_push(cs_trace *t, const cs_jrec *r);
/* Room made for cap records at once (nothing if it has that much), so
 * that a reader that can tell how many come does not grow the table by
 * copies. 0 or -CS_ENOMEM (the table as it was). */
int cs_trace_reserve(cs_trace *t, size_t cap);
/* Set (or replace) a metadata entry. 0 or -CS_ENOMEM. */
int cs_trace_meta_set(cs_trace *t, const char *key, const char *val);
/* Set (or replace) metadata entry KEY to the count v. 0 or -CS_ENOMEM. */
int cs_trace_meta_count(cs_trace *t, const char *key, uint64_t v);
const char *cs_trace_meta_get(const cs_trace *t, const char *key); /* NULL if absent */
/* Sort by (submit, id, line): stable and total, so output is reproducible. */
void cs_trace_sort(cs_trace *t);

#endif
