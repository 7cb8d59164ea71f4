/* capsim: what sim/report.c (the summary, summary.json) shares with
 * sim/outputs.c (jobs.csv, grants.csv, the --out directory). Not part of
 * the library's interface (see include/capsim/report.h). */
#ifndef CAPSIM_REPORT_INT_H
#define CAPSIM_REPORT_INT_H

#include "capsim/recorder.h"
#include "capsim/run.h"

#include <jansson.h>

/* summary.json; rp: the recorder's projects, worked out for the files too
 * (NULL: here). */
json_t *cs_report_summary_json(const cs_run_opts *o, const cs_run_result *r, const cs_rec_projects *rp);
/* multifactor's `shares` in force, or NULL: the recorder's entitlements. */
const char *cs_report_shares(const cs_run_opts *o, const cs_run_result *r);
/* What job i was billed, billing-unit-seconds (jobs.csv's billed column,
 * summary.json's billing; inline: both ask it of every job). */
static inline double cs_report_billed_s(const cs_run_result *r, size_t i)
{
	const cs_job *j = &r->jobs[i];
	cs_time ran = (j->start_s >= 0 ? j->end_s - j->start_s : 0) + j->preempted_s;
	return (r->billing ? r->billing[i] : (double)j->size) * (double)ran;
}

#endif
