/* capsim: what the accounts file's grants were delivered (sim/grants.c;
 * docs/fairshare.md#grants).
 *
 * A grant is billing units x hours awarded to an account over [from, to)
 * (capsim/accounts.h). Over a run, each granted account's subtree has a
 * demand, the billed amount of its jobs submitted in the window (rate x
 * simulated run time, a job the policy rejected included), and a delivery,
 * the billed amount its jobs ran inside the window (rate x the overlap of
 * [start, end) with [from, to); a requeued job's lost runs are not
 * counted). What counts is capped at the grant: with asked = min(demand,
 * grant), the run's grant delivery is
 *   sum over grants of min(delivered, asked) / sum of asked,
 * the share of the granted work the projects asked for that the site
 * delivered while their grants ran (1 when no granted work was asked for).
 */
#ifndef CAPSIM_GRANTS_H
#define CAPSIM_GRANTS_H

#include "capsim/accounts.h"
#include "capsim/job.h"

typedef struct cs_grant_row {
	const char *account;    /* the tree's name (owned by the report) */
	cs_grant grant;
	size_t jobs;            /* jobs of its subtree submitted in the window */
	double demand_h;        /* billed hours they asked for */
	double delivered_h;     /* billed hours its jobs ran in the window */
} cs_grant_row;

typedef struct cs_grant_report {
	size_t n;               /* granted accounts, in tree order; 0: no grants */
	cs_grant_row *rows;
	double granted_h;       /* sum of the grants */
	double asked_h;         /* sum of min(demand, grant) */
	double delivered_h;     /* sum of min(delivered, asked) */
	double delivery;        /* delivered_h / asked_h, 1 if asked_h is 0 */
} cs_grant_report;

/* The grants of t over jobs[0..n) (bound to t; billing: per job units per
 * second, NULL: its size). 0 or -CS_ENOMEM; out zeroed without grants. */
int cs_grants_compute(const cs_account_tree *t, const cs_job *jobs, size_t n, const double *billing,
		      cs_grant_report *out);
void cs_grant_report_free(cs_grant_report *g);

#endif
