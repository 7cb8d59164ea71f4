/* capsim: the capacity planner, `capsim plan` (docs/plan.md).
 *
 * A plan spec is a sweep spec (capsim/sweep.h: cluster, workload and its
 * growth levels, accounts, policies, seeds) with a searched node type
 * count, `search: {type, min, max}`, and `targets:`, bounds on summary
 * metrics. For each level x policy x seed (a search) the planner finds by
 * bisection the smallest count in [min, max] meeting every target; across
 * the seeds it gives the mean answer with its Student-t confidence
 * interval and the count it recommends, with that count's cost, power
 * and energy.
 *
 * Every count it runs is a point of a sweep whose scale axis is the counts
 * min..max (`TYPE:=N`), written as a sweep's point file DIR/points/K.json
 * (sim/sweep_point.c) with K = (((N - min) * W + level) * P + policy) * S
 * + seed. A search is replayed from those files: cs_capplan_search_run
 * runs the points its bisection needs and has not got, and the results
 * (cs_capplan_results_write) replay every search from the files alone,
 * with the plan's settings in DIR/plan-spec.json. So a killed plan resumes
 * where it stopped, -j changes nothing written, and shard directories
 * merge (cs_capplan_merge) into exactly the single machine's result.
 *
 * sim/capplan.c reads the spec and writes and reads plan-spec.json;
 * sim/capplan_search.c replays a search (the bisection, the targets'
 * directions, the monotonicity check) and the statistics across seeds;
 * sim/capplan_out.c writes plan.json, plan.csv, plan_points.csv, plan.html
 * and the text answer, and merges shards. */
#ifndef CAPSIM_CAPPLAN_H
#define CAPSIM_CAPPLAN_H

#include <stddef.h>
#include <stdio.h>

typedef struct cs_capplan cs_capplan; /* a loaded spec: opaque */

/* Load and check a plan spec: every static error before any run, as
 * "FILE:LINE:COL: KEY: what is wrong" (-CS_EPARSE, -CS_EINVAL, -CS_EIO):
 * those of a sweep spec, an unknown or absent node type, an empty range
 * (min > max), a count the cluster cannot take, an unknown metric, a
 * malformed bound or duration, an impossible bound (utilization >= 1.5, a
 * wait <= -1h), grants.delivery without accounts, a confidence outside
 * (0, 1). */
int cs_capplan_load(cs_capplan **out, const char *path, char *err, size_t errlen);
void cs_capplan_free(cs_capplan *p);
/* The searches: levels x policies x seeds, numbered (level * P + policy) *
 * S + seed. */
size_t cs_capplan_nsearches(const cs_capplan *p);
/* Is search k in shard i of n? k % n == i - 1. */
int cs_capplan_in_shard(size_t k, size_t i, size_t n);

/* Make or check the results directory as a sweep's (cs_sweep_dir_prepare:
 * created, locked, refused if it holds another spec's results) and write
 * plan-spec.json. */
int cs_capplan_dir_prepare(const cs_capplan *p, const char *dir, int *lock_fd, char *err, size_t errlen);
/* cs_sweep_dir_check for the plan's directory. */
int cs_capplan_dir_check(const cs_capplan *p, const char *dir, char *err, size_t errlen);
/* Has search k every point its bisection needs in dir? 1 yes, 0 no. */
int cs_capplan_search_done(const cs_capplan *p, const char *dir, size_t k);
/* What every search's points compute the same, computed now
 * (cs_sweep_point_prepare). -CS_ENOMEM. */
int cs_capplan_search_prepare(const cs_capplan *p);
/* The searches k[0..n) in the order that runs those sharing a generated
 * workload (a level and seed: they differ by policy) one after another;
 * and, in this process, that workload made for search k
 * (cs_sweep_point_inputs: a search forked from here inherits it). */
void cs_capplan_order_by_inputs(const cs_capplan *p, size_t *k, size_t n);
int cs_capplan_search_inputs(const cs_capplan *p, size_t k, char *err, size_t errlen);
/* Run search k: the points its bisection needs, each written as it ends,
 * those present read instead. 0 or an error. */
int cs_capplan_search_run(const cs_capplan *p, const char *dir, size_t k, char *err, size_t errlen);

/* The results of dir (from plan-spec.json and the point files alone):
 * plan.json, plan.csv, plan_points.csv, plan.html; the text answer on
 * `text` (NULL: none); the warnings (a metric not monotone in the count)
 * and the unmet targets, one line each, on `diag`. 0; 1 when a level has
 * no answer (a target no count in [min, max] meets, or targets no one
 * count meets together); or an error (a search missing points:
 * unfinished, or a shard missing). */
int cs_capplan_results_write(const char *dir, FILE *text, FILE *diag, char *err, size_t errlen);
/* Join shard directories into out (new, or empty): the same plan, every
 * point at most once; then the results as cs_capplan_results_write. */
int cs_capplan_merge(const char *const *dirs, size_t n, const char *out, FILE *text, FILE *diag, char *err,
		     size_t errlen);

/* The Student-t quantile: t with P(T <= t) = q for df degrees of freedom
 * (0 < q < 1, df >= 1); to about 1e-10. */
double cs_capplan_t_quantile(double q, double df);
/* Are v[0..n) (the values at increasing counts) monotone in the
 * direction dir (+1 never falling, -1 never rising, 0 constant)? 1 yes;
 * 0 no, with *at the first i where v[i+1] goes against it. */
int cs_capplan_monotone(const double *v, size_t n, int dir, size_t *at);

#endif
