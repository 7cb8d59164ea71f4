/* capsim: a run's files read for the report pages, shared by the reader
 * and the page's data (sim/report_data.c), its series (sim/report_series.c)
 * and its waits (sim/report_waits.c). Private to those files. */
#ifndef CAPSIM_SIM_REPORT_DATA_INT_H
#define CAPSIM_SIM_REPORT_DATA_INT_H

#include "report_data.h"
#include "field.h"

#include <stdlib.h>
#include <string.h>

typedef struct csv {
	char *buf;
	char ***rows;   /* rows[i]: line i's fields (line 0: the header), by slot */
	size_t *nf;     /* line i's fields */
	size_t n;
	char **fields;  /* every row's field pointers, one array */
	int *slot;      /* per header column: where a data line keeps it (-1: not kept); NULL: all, in order */
	size_t ncols, nslots;
} csv;

void cs_report_csv_free(csv *c);
/* Read a run's CSV file: its header, and of every other line the columns
 * named in want (NULL-terminated; NULL: every column). 1: read; 0: no such
 * file; -CS_E*: error. */
int cs_report_csv_read_cols(csv *c, const char *dir, const char *name, const char *const *want, char *err,
			    size_t errlen);
/* Every column. */
int cs_report_csv_read(csv *c, const char *dir, const char *name, char *err, size_t errlen);

/* Column index of name in the header, or -1. */
static inline int csv_col(const csv *c, const char *name)
{
	for (size_t k = 0; c->n && k < c->nf[0]; k++)
		if (strcmp(c->rows[0][k], name) == 0)
			return (int)k;
	return -1;
}

static inline const char *fld(const csv *c, size_t i, int k)
{
	if (k < 0 || (size_t)k >= c->nf[i])
		return "";
	if (!c->slot || i == 0)
		return c->rows[i][k];
	return (size_t)k < c->ncols && c->slot[k] >= 0 ? c->rows[i][c->slot[k]] : "";
}

static inline double num(const char *s)
{
	double v;
	return !*s ? 0 : cs_field_decimal(s, strlen(s), &v) == 0 ? v : strtod(s, NULL);
}

static inline double round_to(double v, double q) { return (double)(long long)(v / q + (v < 0 ? -0.5 : 0.5)) * q; }

static inline json_t *jr(double v) { return json_real(round_to(v, 1e-4)); }

/* Parts of the page's data object (rd->d), from the run in memory where
 * rows or rec say so, else from dir's files: 0 (also for a file that is
 * not there), or -CS_E* with err (sim/report_series.c, sim/report_waits.c). */
int cs_report_load_timeseries(run_data *rd, const char *dir, const cs_recorder *rec, char *err, size_t errlen);
int cs_report_load_power(run_data *rd, const char *dir, const cs_report_rows *rows, char *err, size_t errlen);
int cs_report_load_storage(run_data *rd, const char *dir, const cs_report_rows *rows, char *err, size_t errlen);
int cs_report_load_waits(run_data *rd, const char *dir, int full, const cs_report_rows *rows, char *err,
			 size_t errlen);

#endif
