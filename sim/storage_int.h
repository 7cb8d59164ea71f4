/* capsim: the storage model's slope changes in time order (sim/storage.c),
 * here for tests/test_storage.c. Private to sim/. */
#ifndef CAPSIM_SIM_STORAGE_INT_H
#define CAPSIM_SIM_STORAGE_INT_H

#include "capsim/cluster.h"
#include "capsim/job.h"

#include <stddef.h>
#include <stdint.h>

/* A change of a use's slope, TB/s, at time t. */
typedef struct cs_sev {
	cs_time t;
	double d;
	uint32_t job; /* whose change: the accounts' allocations take their jobs' */
} cs_sev;

/* The starts and ends of the jobs of jobs[0..n) that ran for a while, by
 * time: at t0 + dt[i], of job key[i] >> 2, its end if key[i] & 1, holding
 * units[i] GPUs (key[i] & 2) or cores. Every tier's changes come in this
 * order, and its retention's in the same order shifted. */
typedef struct cs_storage_order {
	cs_time t0;
	uint64_t *dt;
	uint32_t *key;
	double *units;
	size_t n;
	double least[2]; /* the fewest units of an entry holding cores [0] or GPUs [1] (+inf: none) */
} cs_storage_order;
/* 0 or -CS_ENOMEM. */
int cs_storage_order_build(cs_storage_order *o, const cs_job *jobs, size_t n);
void cs_storage_order_free(cs_storage_order *o);

/* Tier k's slope changes from o (retention r seconds, 0: none) in order
 * of time, then change: a time's at a time (cs_storage_changes_next). */
typedef struct cs_storage_changes {
	const cs_cluster_storage *k;
	const cs_storage_order *o;
	cs_time r;
	size_t i, q;     /* the next writers, as they are and shifted r */
	/* the entries of o that change the tier (found at the first call), m
	 * of them: their times from o->t0, keys and units (o's own when every
	 * entry writes, else the compact copies own_*); each one's change is
	 * worked out as a cursor takes it (+ at a start, - at an end) */
	const uint64_t *dt;
	const uint32_t *key;
	const double *units;
	uint64_t *own_dt;
	uint32_t *own_key;
	double *own_units;
	size_t m;
	int found;       /* the writers are found */
	cs_sev *run;     /* the last time's changes */
	size_t cap;
} cs_storage_changes;
void cs_storage_changes_start(cs_storage_changes *c, const cs_cluster_storage *k, const cs_storage_order *o,
			      cs_time r);
/* The next time's changes into c->run: how many; 0 when none are left,
 * (size_t)-1 when out of memory. */
size_t cs_storage_changes_next(cs_storage_changes *c);
/* The same, but a time with one change gives it in *one, not c->run
 * (nothing copied or sorted); one holds the time's first either way. */
size_t cs_storage_time_next(cs_storage_changes *c, cs_sev *one);
void cs_storage_changes_free(cs_storage_changes *c);

/* What a walk of a use found: at the end, at its highest, and the first
 * time it reached its level (-1: not by the walk's end). */
typedef struct cs_storage_use {
	double end, peak;
	cs_time full;
} cs_storage_use;

/* A walk under way, for many at once (each use's changes taken as they
 * come among others'): the use u at time at, changing at slope a second. */
typedef struct cs_storage_walker {
	double u, slope, level;
	cs_time at;
	cs_storage_use out;
} cs_storage_walker;
cs_storage_walker cs_storage_walker_start(double u0, double level, cs_time t0);
/* A change of d at time t, no earlier than the last and before the walk's
 * end; the first of its time takes the walk there. */
void cs_storage_walker_take(cs_storage_walker *w, cs_time t, double d);
/* The walk to t1. */
cs_storage_use cs_storage_walker_end(cs_storage_walker *w, cs_time t1);

#endif
