/* capsim: power and energy on the node model (sim/power.c; docs/energy.md).
 *
 * The power rule (IT power, without PUE): a node of type t draws
 *     idle_t + (peak_t - idle_t) x u,
 * u the share of its GPUs that jobs hold (k of its G GPUs: k / G), or of
 * its cores for a type without GPUs; idle_t and peak_t are the type's
 * `power_w` in the cluster config. A job holding the share u of a node is
 * charged peak_t x u for as long as it holds it: its part of the node's
 * idle draw plus what its load adds. What no job holds draws idle power,
 * the site's idle energy. So over a run, exactly,
 *     IT energy = the jobs' energy + the idle energy of what was free,
 * facility energy = IT energy x PUE, and its cost = facility energy x
 * site.energy_price_per_kwh.
 *
 * The site's power cap (site.power_cap_kw) bounds facility power, IT power
 * x PUE. The engine enforces it (cs_node_machine.power): a job starts only
 * if the site stays at or under the cap with it, over its whole estimated
 * run, given the running jobs (until their estimated ends) and the
 * reservations of the pass (holds) and of conservative backfilling
 * (plans), each reserving the most its job could draw on a node type it
 * may use. A job whose draw alone could exceed the cap is rejected when it
 * is submitted. Power is counted in whole milliwatts, each GPU's (core's)
 * share of its node's draw above idle rounded up, so the sums are exact
 * and never below the power rule's.
 */
#ifndef CAPSIM_POWER_H
#define CAPSIM_POWER_H

#include <stdint.h>
#include <stdio.h>

#include "capsim/alloc.h"
#include "capsim/engine.h"
#include "capsim/job.h"

/* The node types' power figures (plain data, in the allocator's order:
 * the cluster config's). */
typedef struct cs_power_types {
	uint32_t ntypes;
	const uint32_t *count;          /* nodes of the type */
	const uint32_t *gpus, *cores;   /* per node */
	const double *idle_w, *peak_w;  /* per node, IT power */
} cs_power_types;

/* The share u of a node of type t that a slot of `gpus` GPUs and `cores`
 * cores holds (the power rule's): gpus / G, or cores / C on a type
 * without GPUs; 0 for a type with neither. */
double cs_power_share(const cs_power_types *pt, uint32_t t, uint32_t gpus, uint32_t cores);

/* ---- the cap, as the engine enforces it ------------------------------------- */

typedef struct cs_power_cap {
	double cap_kw;           /* facility power cap */
	double pue;
	int64_t idle_mw;         /* the site's idle IT draw, mW (rounded up) */
	int64_t budget_mw;       /* IT draw running jobs may add to it: cap / PUE - idle, mW (rounded down) */
	uint32_t ntypes;
	const int64_t *unit_mw;  /* per node type: what one held GPU adds to its node's draw (one core,
				  * on a type without GPUs), mW, rounded up */
	const uint32_t *gpus, *cores, *count; /* per node type: per node; nodes */
} cs_power_cap;

/* The cap for the node types pt: cap_kw > 0 facility kW at PUE pue (>= 1).
 * 0, or -CS_EINVAL if the site's idle draw alone reaches the cap (the
 * message names both), -CS_ENOMEM. Free with cs_power_cap_free. */
int cs_power_cap_new(cs_power_cap **out, const cs_power_types *pt, double cap_kw, double pue, char *err,
		     size_t errlen);
void cs_power_cap_free(cs_power_cap *pc);
/* What a slot adds to its node's draw under the cap's counting, mW. */
int64_t cs_power_cap_slot_mw(const cs_power_cap *pc, uint32_t type, uint32_t gpus, uint32_t cores);

/* ---- the meter: energy and power over a run --------------------------------- */

typedef struct cs_power_meter cs_power_meter; /* opaque */

/* The site as the meter reports it. */
typedef struct cs_power_site {
	double pue;              /* >= 1 */
	double cap_kw;           /* facility power cap; 0: none */
	double price_per_kwh;    /* 0: none given */
	const char *currency;    /* "" if none given (copied) */
} cs_power_site;

/* A meter for jobs[0..n) (sorted by submit) on nodes of the types pt
 * (node_type per node, nnodes of them; both copied), where the engine
 * fills placements/placement_off (cs_node_machine). Intervals of sample_s
 * seconds from the first submission, as the recorder's. 0, or -CS_EINVAL /
 * -CS_ENOMEM with err. */
int cs_power_meter_new(cs_power_meter **out, const cs_job *jobs, size_t n, const cs_power_types *pt,
		       const uint16_t *node_type, uint32_t nnodes, const cs_slot *placements,
		       const size_t *placement_off, const cs_power_site *site, cs_time sample_s, char *err,
		       size_t errlen);
void cs_power_meter_free(cs_power_meter *m);
/* The observer to give the engine; each event goes on to `next` (may be
 * NULL) once the meter has seen it. */
const cs_observer *cs_power_meter_observer(cs_power_meter *m, const cs_observer *next);
/* After the replay: close the last interval at the last event. 0 or -CS_ENOMEM. */
int cs_power_meter_finish(cs_power_meter *m, char *err, size_t errlen);
/* Meter a run already made from its job table (a live run's result,
 * which has no observer): each job's last run, its start and end, ends
 * before starts at one time; then cs_power_meter_finish. A run a requeue
 * threw away is not in the table, so not counted. 0 or -CS_ENOMEM. */
int cs_power_meter_replay(cs_power_meter *m, char *err, size_t errlen);

/* Whole-run figures (after cs_power_meter_finish). */
typedef struct cs_power_totals {
	cs_time first, last;     /* first submission, last event */
	double it_j;             /* integral of the site's IT power */
	double jobs_j;           /* sum of the jobs' energy */
	double idle_free_j;      /* idle draw of what no job held */
	double peak_it_w;        /* the most IT power at any time */
	cs_time peak_t;          /* when it was first reached */
} cs_power_totals;
void cs_power_meter_totals(const cs_power_meter *m, cs_power_totals *t);
/* Per job, its IT energy in joules (runs a requeue threw away included);
 * valid while m lives. */
const double *cs_power_meter_job_energy(const cs_power_meter *m);

/* The rows of power.csv: how many, and row i's values before they are
 * written (the interval's start and length, the facility's mean and peak
 * power in W, and the cap in W, 0 for none). */
size_t cs_power_meter_nrows(const cs_power_meter *m);
void cs_power_meter_row(const cs_power_meter *m, size_t i, cs_time *t, cs_time *len, double *it_w, double *it_peak_w,
			double *facility_w, double *facility_peak_w, double *cap_w);
/* DIR/power.csv (docs/outputs.md): per interval the site's mean and peak
 * IT and facility power and the cap. epoch: Unix time of time 0 (0: none). */
int cs_power_meter_write(const cs_power_meter *m, const char *dir, int64_t epoch, char *err, size_t errlen);
/* summary.json's "energy" object (new reference; NULL on allocation failure). */
struct json_t;
struct json_t *cs_power_meter_json(const cs_power_meter *m, int64_t epoch);

/* ---- a run ---------------------------------------------------------------------- */

struct cs_cluster;
struct cs_nodemodel;
/* For a run of jobs[0..n) on cluster c's node model nm (its node types in
 * the cluster's order), placements filled by the engine: the cap to give
 * the engine (*cap; NULL if the site has none) and, if want_meter, a meter
 * (*meter; else NULL). 0, or -CS_EINVAL (a cap not above the site's idle
 * draw: the message names the cluster), -CS_ENOMEM. */
int cs_power_for_run(const struct cs_cluster *c, const struct cs_nodemodel *nm, const cs_job *jobs, size_t n,
		     const cs_slot *placements, const size_t *placement_off, int want_meter, cs_time sample_s,
		     cs_power_cap **cap, cs_power_meter **meter, char *err, size_t errlen);

#endif
