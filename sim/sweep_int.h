/* capsim: the sweep's loaded spec, shared by sim/sweep*.c (private). */
#ifndef CAPSIM_SIM_SWEEP_INT_H
#define CAPSIM_SIM_SWEEP_INT_H

#include "capsim/sweep.h"
#include "yaml.h"

#define CS_SWEEP_MAX_OPTS 16

typedef struct cs_sweep_policy {
	const char *name, *opts, *label;
	size_t nopts;
	const char *keys[CS_SWEEP_MAX_OPTS], *vals[CS_SWEEP_MAX_OPTS];
} cs_sweep_policy;

struct cs_sweep {
	const char *path, *dir;            /* the spec, and its directory ("" or ending in '/') */
	const char *cluster_text, *cluster_path; /* as written; resolved ("default" kept) */
	int gen;                           /* 1: workload generated per point; 0: a trace file */
	int days;
	const char *model_text, *model_path;     /* NULL: the built-in model */
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

#endif
