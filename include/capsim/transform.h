/* capsim: workload transforms (sim/transform.c), applied as a workload is
 * read, before the filter rules, in this order:
 *  1. job-id range: keep jobs with id_min <= id <= id_max;
 *  2. time window: keep jobs submitted in [from, to) (seconds from the
 *     trace origin; times are kept, not shifted);
 *  3. projects scale F: each project becomes floor(F) or floor(F) + 1
 *     projects, so that the expected count is F times as many: copy k of a
 *     project (k >= 1) is named "NAME~k", its jobs get ids above every id
 *     in the trace and the same submit times; with F < 1 a project is kept
 *     with probability F. Which projects get the extra copy (or are kept)
 *     is decided by a hash of the project's name and `seed`, so the choice
 *     is reproducible and independent of the order of records;
 *  4. load scale F: submit times are divided by F (F > 1: arrivals come F
 *     times as fast, offering F times the load; F < 1 stretches them),
 *     rounded down to the second.
 */
#ifndef CAPSIM_TRANSFORM_H
#define CAPSIM_TRANSFORM_H

#include "capsim/trace.h"

typedef struct cs_transform {
	int64_t id_min, id_max;   /* INT64_MIN / INT64_MAX: all */
	cs_time from, to;         /* 0 / CS_TIME_MAX: all */
	double projects_scale;    /* 1: unchanged; > 0 */
	double load_scale;        /* 1: unchanged; > 0 */
	uint64_t seed;            /* for projects_scale */
} cs_transform;

void cs_transform_default(cs_transform *tf);
int cs_transform_is_identity(const cs_transform *tf);
/* Apply to t in place (jobs stay sorted by submit). Counts what it dropped
 * and added in t's metadata ("transform_dropped", "transform_added"). 0 or
 * -CS_ENOMEM / -CS_EINVAL (a scale <= 0, an empty window). */
int cs_transform_apply(cs_trace *t, const cs_transform *tf, char *err, size_t errlen);

/* The same transforms on SWF records (a pooled replay), in place: projects
 * are SWF groups, named "g<N>" as cs_format_read names them (group -1: ""). */
struct cs_swf;
int cs_transform_swf(struct cs_swf *s, const cs_transform *tf, char *err, size_t errlen);

#endif
