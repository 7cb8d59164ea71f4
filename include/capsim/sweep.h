/* capsim: sweeps, many runs over a grid (docs/sweep.md).
 *
 * sim/sweep.c reads a sweep spec (YAML) into a grid: cluster variants
 * (scales per node type) x workload variants (load and project scales) x
 * policies (with their options) x seeds, each combination a point numbered
 * k = ((scale * W + workload) * P + policy) * S + seed. sim/sweep_point.c
 * runs one point (its workload generated or read, cs_run) and writes its
 * result file DIR/points/K.json atomically; sim/sweep_out.c writes a
 * results directory's tables (results.csv, results.json) and page
 * (sweep.html) from the point files alone, and merges shard directories;
 * sim/sweep_exec.c runs points in parallel in forked worker processes
 * (libuv reaps them). */
#ifndef CAPSIM_SWEEP_H
#define CAPSIM_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#define CS_SWEEP_MAX_POINTS 1000000 /* points in a grid (point files are named %06zu.json) */
#define CS_SWEEP_MAX_AXIS 1000      /* values on one axis */

typedef struct cs_sweep cs_sweep;   /* a loaded spec: opaque */

/* One point of the grid, as plain data (strings owned by the sweep). */
typedef struct cs_sweep_point {
	size_t k;                   /* its number */
	size_t scale_i, workload_i, policy_i, seed_i; /* its index on each axis */
	const char *scale;          /* the cluster variant, canonical --scale spelling ("" unscaled) */
	const char *workload;       /* the workload variant's label */
	double projects_scale, load_scale;
	const char *policy;         /* the policy's name */
	const char *policy_opts;    /* its options as "KEY=VAL;KEY=VAL" in the spec's order ("" none) */
	const char *policy_label;   /* name, or "name(KEY=VAL;...)" */
	uint64_t seed;
} cs_sweep_point;

/* Load and check a spec: every error before any run, as
 * "FILE:LINE:COL: KEY: what is wrong" (-CS_EPARSE, -CS_EINVAL, -CS_EIO). */
int cs_sweep_load(cs_sweep **out, const char *path, char *err, size_t errlen);
void cs_sweep_free(cs_sweep *s);
size_t cs_sweep_npoints(const cs_sweep *s);
void cs_sweep_point_get(const cs_sweep *s, size_t k, cs_sweep_point *p);
/* The spec's hash (16 hex digits): the grid, every setting and the bytes of
 * every file it reads (cluster, trace, model, accounts). */
const char *cs_sweep_hash(const cs_sweep *s);
/* Is point k in shard i of n (1 <= i <= n)? k % n == i - 1. */
int cs_sweep_in_shard(size_t k, size_t i, size_t n);

/* Make or check the results directory: create it (its parent must exist)
 * with points/, write sweep.json (the hash, the axes, the metrics), or, if
 * it holds one, refuse it unless the hash is the spec's. Clears tmp/.
 * Locks it (flock on DIR/sweep.lock, *lock_fd: close it when done): a
 * second sweep into the same directory is refused. */
int cs_sweep_dir_prepare(const cs_sweep *s, const char *dir, int *lock_fd, char *err, size_t errlen);
/* Refuse (-CS_EINVAL, the reason in err) a directory that is not this
 * spec's results directory: no sweep.json, or another spec's. 0 if it is. */
int cs_sweep_dir_check(const cs_sweep *s, const char *dir, char *err, size_t errlen);
/* Does DIR/points/K.json exist? */
int cs_sweep_point_done(const char *dir, size_t k);
/* What every point would compute the same, computed now (the generator's
 * calibration): a process that forks its points does it once, before.
 * -CS_ENOMEM. */
int cs_sweep_point_prepare(const cs_sweep *s);
/* Make point k's generated workload and accounts now and keep them in the
 * sweep for the points of the same workload and seed (the last made is
 * kept): a point whose inputs are kept runs on a copy instead of
 * generating them again, here or in a process forked from here. 0 (also
 * for a trace file's sweep), or an error. */
int cs_sweep_point_inputs(const cs_sweep *s, size_t k, char *err, size_t errlen);
/* k[0..n) (point numbers) in the order that runs the points sharing a
 * workload and seed one after another, in number order among them. */
void cs_sweep_order_by_inputs(const cs_sweep *s, size_t *k, size_t n);
/* Run point k and write DIR/points/K.json (temporary file, then rename). */
int cs_sweep_point_run(const cs_sweep *s, const char *dir, size_t k, char *err, size_t errlen);

/* results.csv, results.json and sweep.html in dir, from dir/sweep.json and
 * the point files there, in point order; *npoints_out: how many. */
int cs_sweep_results_write(const char *dir, size_t *npoints_out, char *err, size_t errlen);
/* Join shard directories into out (created; must not exist, or be empty):
 * the same sweep (hash), every point exactly once. Then the results. */
int cs_sweep_merge(const char *const *dirs, size_t n, const char *out, char *err, size_t errlen);

/* Run the units (a sweep's points, a plan's searches) todo[0..ntodo), up
 * to `jobs` at once, each in a child process forked from this one: the
 * child calls run(run_ctx, K) and exits with what it returns (0 done, 2
 * bad input, 1 otherwise), so the units share what this process loaded
 * before and nothing a unit does reaches another. The children are reaped
 * in one libuv loop (SIGCHLD). A child that fails stops the launching of
 * others; those in flight are waited for; err names the unit ("point K").
 * progress (if not NULL) is called as units end and every second. *ran:
 * units finished. before (if not NULL) is called here, in this process,
 * as each unit is about to start, with run_ctx: what it makes the child
 * inherits (a sweep's generated inputs, cs_sweep_point_inputs); an error
 * from it fails that unit as a child's would (err its message). The
 * caller must be single-threaded. */
typedef struct cs_sweep_progress {
	size_t done, total;         /* points finished this run, of those to run */
	double elapsed_s, eta_s;    /* eta_s < 0: not known yet */
	int final;                  /* 1: the last call */
} cs_sweep_progress;
typedef int (*cs_sweep_unit_fn)(void *run_ctx, size_t k);
typedef int (*cs_sweep_before_fn)(void *run_ctx, size_t k, char *err, size_t errlen);
int cs_sweep_exec(cs_sweep_unit_fn run, cs_sweep_before_fn before, void *run_ctx, const char *unit, const size_t *todo,
		  size_t ntodo, int jobs, void (*progress)(void *ctx, const cs_sweep_progress *p), void *ctx, size_t *ran,
		  char *err, size_t errlen);

/* The metrics a spec's `metrics:` may chart (NULL-terminated). */
extern const char *const cs_sweep_metric_names[];

#endif
