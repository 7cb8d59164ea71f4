/* capsim: fair share over time windows (sim/fairness.c).
 *
 * Fair share as operators judge it under contention: in each window (one
 * day by default) the service the machine delivered is divided among the
 * projects that wanted it by weighted max-min fairness (water-filling), no
 * project entitled to more than it asked for; a project's service is what
 * it got against that entitlement. Jain et al. (DEC-TR-301, 1984) define
 * their index over such normalised allocations x = delivered / fair, the
 * fair one being max-min, and not over raw usage, whose spread is the
 * workload's. Dividing what was delivered (not the capacity) compares
 * shares, as Slurm's fair-share compares normalised usage with normalised
 * shares: capacity left idle is the utilization's concern, and a machine of
 * several partitions idles some GPUs that no waiting job could use.
 * Definitions, their reasons and measured figures: docs/fairshare.md.
 *
 * For a window w = [t, t + len) and a project p:
 *   demand(p,w)    resource-seconds its jobs present in the system
 *                  (submitted and not yet ended: waiting or running) would
 *                  hold in w: the sum over them of units x |[submit, end) ∩ w|
 *   delivered(p,w) resource-seconds its jobs held in w (runs a requeue
 *                  threw away included: they were delivered)
 *   entitled(p,w)  min(demand(p,w), lambda x weight(p)), lambda such that
 *                  the entitlements add up to the delivered sum (which is at
 *                  most the demands' sum)
 * A resource is a GPU on the node model, a processor (counted as a core)
 * on a pooled machine; with TRESBillingWeights on the cluster, a billing
 * unit (the billed amount counts, docs/fairshare.md#billing). Plain computation over a finished run's job table:
 * O(jobs + lost runs + windows) to bucket the changes by window, plus
 * O(k log k) per window for its k projects with demand.
 */
#ifndef CAPSIM_FAIRNESS_H
#define CAPSIM_FAIRNESS_H

#include <stddef.h>
#include <stdint.h>

#include "capsim/job.h"

#define CS_FAIR_WINDOW_S 86400 /* the window: one day, whatever --sample is */
#define CS_FAIR_UNDER 0.8      /* a project served below this share of its entitlement is under-served */
#define CS_FAIR_NONE UINT32_MAX /* a job of no project counted (cs_fair_in.project) */
/* Billing units are counted in integer millionths (a job's rate rounded to
 * the nearest 1e-6 unit per second), so that sums stay exact and in any
 * order the same. */
#define CS_FAIR_BILLING_SCALE 1000000

/* A run of a job that a requeue threw away: [from, to). */
typedef struct cs_fair_run {
	uint32_t job;
	cs_time from, to;
} cs_fair_run;

typedef struct cs_fair_in {
	const cs_job *jobs;        /* a finished run's jobs: started ones count, from submit to end */
	size_t n;
	const uint32_t *project;   /* per job: its project 0..nprojects-1, or CS_FAIR_NONE */
	const uint64_t *units;     /* per job: resources it holds (0: it counts nowhere); in billing
				    * units, millionths of one per second (CS_FAIR_BILLING_SCALE) */
	const double *weight;      /* per project, > 0 */
	size_t nprojects;
	const cs_fair_run *lost;   /* runs a requeue threw away (NULL if nlost is 0) */
	size_t nlost;
	uint64_t capacity;         /* resources of the machine (for the windows' capacity_s) */
	cs_time t0, t1;            /* windows cover [t0, t1): t0 + k x window_s, the last one cut at t1 */
	cs_time window_s;          /* > 0 */
} cs_fair_in;

/* One project over the run: sums over the windows. */
typedef struct cs_fair_project {
	int64_t demand_s, delivered_s; /* resource-seconds */
	double entitled_s;             /* resource-seconds */
	double shortfall_s;            /* sum over windows of max(0, entitled - delivered) */
	uint32_t windows;              /* windows in which it had demand */
	uint32_t short_windows;        /* of which delivered < CS_FAIR_UNDER x entitled */
} cs_fair_project;

/* One window, the whole machine. */
typedef struct cs_fair_window {
	cs_time t, len;
	int64_t capacity_s, demand_s, delivered_s; /* resource-seconds; entitlements add up to delivered_s */
	double shortfall_s;            /* sum over projects of max(0, entitled - delivered): what went elsewhere */
	double distance;               /* shortfall_s / delivered_s = sum |delivered - entitled| / (2 delivered_s);
					* 0 if nothing was delivered */
	double jain;                   /* Jain's index over its projects' delivered / entitled; -1 if none entitled */
	uint32_t projects;             /* with demand */
	uint32_t under_served;         /* of which delivered < CS_FAIR_UNDER x entitled */
} cs_fair_window;

typedef struct cs_fair {
	cs_fair_project *proj;         /* nprojects, in the input's order */
	size_t nproj;
	cs_fair_window *win;
	size_t nwin;
	cs_time window_s;
	size_t counted;                /* projects entitled to something */
	/* over the counted projects, x = delivered / entitled: */
	double jain;                   /* Jain's index (sum x)^2 / (n sum x^2); 1 if none counted */
	double distance;               /* sum max(0, entitled - delivered) / sum entitled, run totals
					* (= sum |delivered - entitled| / (2 sum entitled): the sums agree) */
	double window_distance;        /* window by window: the windows' shortfalls / sum entitled */
	double under_served;           /* share of them with x < CS_FAIR_UNDER */
	double median_service;         /* median x */
} cs_fair;

/* Called for each window once with project CS_FAIR_NONE (the machine: its
 * sums), then once per project with demand, in index order; NULL: not
 * called. */
typedef void (*cs_fair_visit_fn)(void *ctx, const cs_fair_window *w, uint32_t project, int64_t demand_s,
				 int64_t delivered_s, double entitled_s);

/* Fill *out (free with cs_fair_free). 0, or -CS_EINVAL / -CS_ENOMEM with err
 * (*out is then empty). */
int cs_fair_compute(const cs_fair_in *in, cs_fair *out, cs_fair_visit_fn visit, void *ctx, char *err,
		    size_t errlen);
void cs_fair_free(cs_fair *f);

/* Entitlements of k claimants sharing an amount by weighted max-min
 * fairness, each capped at its demand: ent[i] = min(demand[i], lambda x
 * weight[i]), the sum min(amount, sum of demands). order: k scratch
 * indices. Exposed for the tests. */
void cs_fair_waterfill(size_t k, const double *demand, const double *weight, double amount, double *ent,
		       uint32_t *order);

#endif
