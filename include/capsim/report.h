/* capsim: a run's outputs. sim/report.c: the summary printed, summary.json
 * and the names of the conventions as the command line and
 * summary.json spell them; sim/outputs.c: jobs.csv, grants.csv and the
 * --out directory (written beside it, renamed into place whole);
 * sim/report_batsim.c: batsim_jobs.csv;
 * sim/report_html.c: report.html and the page that sets runs side by side
 * (sim/report_data.c, report_series.c and report_waits.c read the run's
 * files for them).
 * Files and columns: docs/outputs.md. */
#ifndef CAPSIM_REPORT_H
#define CAPSIM_REPORT_H

#include <stdio.h>

#include "capsim/run.h"

/* Names of the convention values, as the command line and summary.json
 * spell them, indexed by the enum values. */
extern const char *const cs_convert_names[2];  /* capsim pyss */
extern const char *const cs_size_names[3];     /* allocated requested max */
extern const char *const cs_est_names[2];      /* requested exact */
extern const char *const cs_missing_names[3];  /* runtime drop pyss */
extern const char *const cs_overrun_names[3];  /* kill continue raise */
extern const char *const cs_same_names[2];     /* end-first submit-first */
extern const char *const cs_pass_names[2];     /* per-time per-event */
extern const char *const cs_submit_names[2];   /* always if-fits */
extern const char *const cs_release_names[2];  /* event estimate */
extern const char *const cs_fit_names[4];      /* first best topo frag (cs_fit) */
/* Index of s in names[0..n), or -1. */
int cs_name_lookup(const char *const *names, size_t n, const char *s);

/* The summary printed after a run, and the files --out writes. */
void cs_run_print_summary(FILE *f, const cs_run_opts *o, const cs_run_result *r);
int cs_run_write_outputs(const cs_run_opts *o, const cs_run_result *r, char *err, size_t errlen);
/* summary.json's object (a jansson json_t *, new reference; NULL if out
 * of memory): what a sweep keeps of a point. */
struct json_t;
struct json_t *cs_run_summary_json(const cs_run_opts *o, const cs_run_result *r);
/* Before a run: 0 if `dir` is a writable directory or can be created (its
 * parent is one), else -CS_EIO with "DIR: cannot ..." in err. */
int cs_run_check_out_dir(const char *dir, char *err, size_t errlen);

/* batsim_jobs.csv's resources (cs_batsim_unit): "processors", "nodes", "gpus",
 * "cores", "shared_nodes" */
extern const char *const cs_batsim_unit_names[CS_BATSIM_N];
/* The schedule as Batsim's jobs.csv (sim/report_batsim.c; --out writes it
 * as DIR/batsim_jobs.csv). */
int cs_run_write_batsim(const char *path, const cs_run_result *r, char *err, size_t errlen);
/* After a node-model run on nm: choose r->batsim_unit (and fill
 * r->unit_first) from where the jobs ran. 0 or -CS_ENOMEM. */
struct cs_nodemodel;
int cs_run_batsim_units(cs_run_result *r, const struct cs_nodemodel *nm);

/* Pages from a run's files (sim/report_html.c). */
/* DIR/report.html from DIR/summary.json, timeseries.csv, projects.csv,
 * fairness.csv, jobs.csv and occupancy.csv (those present). 0 or -CS_E* with err. */
int cs_report_html(const char *dir, char *err, size_t errlen);
/* The same, the run named `name` on the page (NULL: dir's last part), for
 * a page written before its directory takes its final name. */
int cs_report_html_named(const char *dir, const char *name, char *err, size_t errlen);
/* Several runs side by side: an HTML page at out_html (a table and
 * overlaid charts) and, if table is not NULL, the table as text there. */
int cs_report_compare(const char *const *dirs, size_t n, const char *out_html, FILE *table,
		      char *err, size_t errlen);

#endif
