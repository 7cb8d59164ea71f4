/* capsim: a run's files as the report pages read them (sim/report_data.c;
 * the series sim/report_series.c, the waits sim/report_waits.c), private to
 * the report's files. */
#ifndef CAPSIM_SIM_REPORT_DATA_H
#define CAPSIM_SIM_REPORT_DATA_H

#include "capsim/power.h"
#include "capsim/recorder.h"
#include "capsim/report.h"
#include "capsim/storage.h"
#include "capsim/types.h"

#include <jansson.h>

/* One run's data for the pages. */
typedef struct run_data {
	json_t *summary;    /* summary.json */
	json_t *d;          /* the page's data object */
	char *heat_cells;   /* d's heat.cells, as JSON text (NULL: none) */
	size_t heat_len;
	char name[256];
} run_data;

/* What the pages draw from the run in memory rather than its files read
 * back. Its jobs (row NULL: jobs.csv's): n jobs, and row(ctx, i, ...) 0 for
 * a job that never started, else 1 with the values of its jobs.csv
 * columns wait, runtime, partition and project (the text unquoted; "" for
 * none). rec: the recorder whose rows timeseries.csv holds (NULL: read the
 * file, and power.csv and storage.csv). With rec, power and storage: the
 * run's power meter and storage, whose rows power.csv and storage.csv hold
 * (NULL: the run has none, and wrote no such file). */
typedef struct cs_report_rows {
	size_t n;
	int (*row)(const void *ctx, size_t i, cs_time *wait, cs_time *runtime, const char **partition,
		   const char **project);
	const void *ctx;
	const cs_recorder *rec;
	const cs_power_meter *power;
	const cs_storage_run *storage;
} cs_report_rows;

/* Read dir's summary.json and, into rd->d, its series and waits (and with
 * full, its projects, fair share and occupancy); name (NULL: dir's last
 * component) labels the run; rows (NULL: read the files) its jobs and series. 0 or
 * -CS_E* with err. */
int cs_run_data_load(run_data *rd, const char *dir, const char *name, int full, const cs_report_rows *rows,
		     char *err, size_t errlen);
/* v rounded to hundredths (a share of a node in the heatmap) as
 * json_dumps writes the real with JSON_REAL_PRECISION(6), into buf (at
 * least 64 bytes; no NUL): its length. */
size_t cs_report_share_json(char *buf, double v);
/* report.html of the run in dir, as cs_report_html_named, its jobs from
 * rows (NULL: from jobs.csv). */
int cs_report_html_rows(const char *dir, const char *name, const cs_report_rows *rows, char *err, size_t errlen);
void cs_run_data_free(run_data *rd);
/* A value of summary.json at a dotted path ("recorder.fairness.distance"),
 * or NULL (absent or null). */
const json_t *cs_report_json_at(const json_t *root, const char *path);
/* 1 and *out if the value at path is a number, else 0. */
int cs_report_json_num(const json_t *root, const char *path, double *out);
/* s with <, >, & and " escaped (sim/report_html.c). */
void cs_report_html_text(FILE *f, const char *s);

/* sim/report_site.c: the power and storage sections of report.html (the
 * placeholders and the storage table), and the script that draws them
 * (after the page's data and common script). */
void cs_report_site_html(FILE *f, const run_data *rd);
extern const char cs_report_site_js[];

#endif
