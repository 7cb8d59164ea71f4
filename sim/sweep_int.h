/* capsim: the sweep's loaded spec, shared by sim/sweep*.c (private). */
#ifndef CAPSIM_SIM_SWEEP_INT_H
#define CAPSIM_SIM_SWEEP_INT_H

#include "capsim/cluster.h"
#include "capsim/gen.h"
#include "capsim/accounts.h"
#include "capsim/sweep.h"
#include "capsim/trace.h"
#include "yaml.h"

#include <jansson.h>
#include <stdio.h>

#define CS_SWEEP_MAX_OPTS 16

typedef struct cs_sweep_policy {
	const char *name, *opts, *label;
	size_t nopts;
	const char *keys[CS_SWEEP_MAX_OPTS], *vals[CS_SWEEP_MAX_OPTS];
} cs_sweep_policy;

struct cs_sweep {
	const char *what;                  /* "sweep spec", or an extension's ("plan spec"): in messages */
	const char *noun, *one;            /* "sweep" and its one-unit flag "--point", or an extension's */
	const char *path, *dir;            /* the spec, and its directory ("" or ending in '/') */
	const char *cluster_text, *cluster_path; /* as written; resolved ("default" kept) */
	cs_cluster *cluster;      /* cluster_path, open: every point's (cs_run_opts.cluster_in) */
	int gen;                           /* 1: workload generated per point; 0: a trace file */
	int days;
	const char *model_text, *model_path;     /* NULL: the built-in model */
	cs_gen_model *model;      /* the model, loaded (every point's; calibrated at the first) */
	struct cs_sweep_inputs *keep; /* the generated inputs of the last point made (cs_sweep_point_inputs) */
	const char *trace_text, *trace_path;
	const char *accounts_text, *accounts_path; /* accounts_path NULL with accounts_gen */
	int accounts_gen;
	double *pscale, *lscale;           /* the workload axes: projects_scale, load_scale */
	size_t npscale, nlscale, nwork;
	const char **work_label;
	const char **scale_text;           /* canonical --scale spellings, "" for as configured */
	size_t nscales;
	cs_sweep_policy *pol;
	size_t npol;
	uint64_t *seeds;
	size_t nseeds;
	const char **metrics;
	size_t nmetrics;
	size_t npoints;
	uint64_t h;
	char hash[17];
	cs_yaml y;
	void **owned;
	size_t nowned, capowned;
};

/* A spec that extends a sweep's (capsim plan): the same cluster, workload,
 * accounts, policies and seeds keys, its own other keys (no scale or
 * metrics), and load, called after the seeds, which reads them and sets
 * the scale axis (scale_text, nscales) and hashes what it read
 * (cs_sweep_hash_add). */
typedef struct cs_sweep_ext {
	const char *what;                 /* "plan spec" */
	const char *noun, *one;           /* "plan", "--search": in messages */
	const char *const *keys;          /* the top-level keys it takes, NULL-terminated */
	int (*load)(cs_sweep *s, struct fy_node *root, const cs_cluster *cl, void *ctx);
	void *ctx;
} cs_sweep_ext;
int cs_sweep_load_ext(cs_sweep **out, const char *path, const cs_sweep_ext *ext, char *err, size_t errlen);
void cs_sweep_hash_add(cs_sweep *s, const void *p, size_t n);
char *cs_sweep_own_str(cs_sweep *s, const char *t); /* a copy freed with the sweep; NULL when out of memory */
void *cs_sweep_own(cs_sweep *s, void *p);          /* p freed with the sweep; NULL (p freed) when out of memory */

/* Shared with the planner (sim/capplan*.c): */
/* A point's generated inputs, kept for the points that share its workload
 * and seed (cs_sweep_point_inputs). */
typedef struct cs_sweep_inputs {
	int have;            /* 1: the fields below hold (workload_i, seed)'s inputs */
	size_t workload_i;
	uint64_t seed;
	cs_trace t;          /* the workload, as capsim's CSV reads it back when in_mem */
	int in_mem;          /* 0: the CSV would change it: each point writes it and reads it back */
	cs_accounts *acc;    /* the generated accounts, loaded; NULL: none */
	char acc_name[192];  /* what names them (no file holds them): in messages, as cs_run_opts.accounts */
} cs_sweep_inputs;
void cs_sweep_inputs_free(cs_sweep_inputs *in);
/* json written to path by way of path.tmp.PID and a rename */
int cs_sweep_dump_atomic(json_t *j, const char *path, size_t flags, char *err, size_t errlen);
/* s, HTML-escaped */
void cs_sweep_html_text(FILE *f, const char *s);
/* s as one CSV field, quoted if it holds a comma, quote or newline */
void cs_sweep_csv_field(FILE *f, const char *s);
extern const char *const cs_sweep_palette[10];
/* An SVG chart's frame: the svg element (w x h), the plot's box at (l, t),
 * pw x ph, and five grid lines from lo to hi labelled with yfmt (a printf
 * format of one double). */
void cs_sweep_svg_frame(FILE *f, int w, int h, int l, int t, double pw, double ph, double lo, double hi,
			const char *yfmt);
/* Legend entry i at x (the plot's top t): a swatch of palette colour i and the label */
void cs_sweep_svg_legend(FILE *f, double x, int t, size_t i, const char *label);
/* Copy the points of shard directories into out (new, or an empty
 * directory), refusing a point in two of them and directories whose files
 * same[0..nsame) differ (copied too; same[0] is sweep.json); with sparse 0,
 * also a point of the grid in none of them. */
int cs_sweep_merge_points(const char *const *dirs, size_t n, const char *out, const char *const *same, size_t nsame,
			  int sparse, char *err, size_t errlen);
/* Write root (its reference taken) to path as results.json and plan.json
 * are written: indented, in order, numbers with 12 significant digits. */
int cs_sweep_dump(json_t *root, const char *path, char *err, size_t errlen);

#endif
