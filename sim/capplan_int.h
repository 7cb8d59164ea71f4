/* capsim: the planner's settings and searches, shared by sim/capplan*.c
 * (private). */
#ifndef CAPSIM_SIM_CAPPLAN_INT_H
#define CAPSIM_SIM_CAPPLAN_INT_H

#include "capsim/capplan.h"
#include "capsim/sweep.h"

#include <jansson.h>
#include <stdint.h>

#define CP_MAX_TARGETS 32

enum { CP_LE, CP_GE, CP_LT, CP_GT };
extern const char *const cp_op_names[4];

typedef struct cp_target {
	const char *text;   /* as written: "p95_wait <= 4h" */
	const char *metric; /* a summary.json path, dotted */
	int op;             /* CP_LE ... */
	double bound;       /* seconds for a duration */
	int duration;       /* 1: the metric is in seconds */
	const char *where;  /* "SPEC:LINE:COL: targets[I]", for the messages of a run */
} cp_target;

/* Everything the results need, as plan-spec.json keeps it (strings owned
 * by json). */
typedef struct cp_def {
	json_t *json;
	const char *hash, *cluster, *type;
	int64_t min, max, step; /* the counts searched: min, min + step, ..., max */
	size_t nlev, npol, nseed, nt;
	const char *lev_label[1000];
	const char *pol_label[1000];
	uint64_t seed[1000];
	cp_target t[CP_MAX_TARGETS];
	double confidence;
	double cost, idle_w, peak_w;     /* the searched type's, per node */
	double other_peak_w, other_cost; /* the other node types', in all */
	double pue, price;               /* price per kWh, 0: none given */
	const char *currency;
} cp_def;

struct cs_capplan {
	cs_sweep *s;
	json_t *spec;  /* plan-spec.json's object */
	cp_def d;
};

/* plan-spec.json's object into d (d->json holds a reference). */
int cp_def_parse(cp_def *d, json_t *j, char *err, size_t errlen);
/* The point of count c in search k. */
size_t cp_point(const cp_def *d, int64_t c, size_t k);

/* A search replayed: which counts it evaluated and what it found. */
enum { CP_DIR_ALWAYS, CP_DIR_UP, CP_DIR_DOWN, CP_DIR_NEVER };
enum { CP_ANSWER, CP_UNMET, CP_CONFLICT };
#define CP_MAX_EVALS 64
typedef struct cp_eval {
	int64_t count;
	size_t point;
	double v[CP_MAX_TARGETS];
	double mean_power_kw; /* the run's mean IT power (recorder.mean_power_kw) */
} cp_eval;

typedef struct cp_search {
	size_t k, lev, pol, seed_i;
	int status;            /* CP_ANSWER, CP_UNMET, CP_CONFLICT */
	int64_t answer;        /* with CP_ANSWER */
	int dir[CP_MAX_TARGETS];
	int failed;            /* CP_UNMET: a target never met; CP_CONFLICT: the one not met at the answer */
	cp_eval ev[CP_MAX_EVALS];
	size_t nev;
	int monotone;
	char mono_note[512];   /* the first breach: metric and counts */
} cp_search;

/* Where a search's points come from: 0 and the point's summary object (a
 * new reference), 1 missing, or an error. */
typedef int (*cp_getter)(void *ctx, size_t point, int64_t count, json_t **summary, char *err, size_t errlen);
int cp_search_replay(const cp_def *d, size_t k, cp_getter get, void *ctx, cp_search *s, char *err, size_t errlen);
/* v as a target's metric is written: hours for a wait ("3.2h") */
void cp_fmt_value(const cp_target *t, double v, char *buf, size_t len);
/* Read DIR/points/K.json's summary: 0, 1 missing, or an error. */
int cp_point_read(const char *dir, size_t point, json_t **summary, char *err, size_t errlen);

#endif
