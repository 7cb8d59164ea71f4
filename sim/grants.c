/* capsim: grant delivery (capsim/grants.h). */
#include "capsim/grants.h"

#include <stdlib.h>
#include <string.h>

int cs_grants_compute(const cs_account_tree *t, const cs_job *jobs, size_t n, const double *billing,
		      cs_grant_report *out)
{
	memset(out, 0, sizeof *out);
	if (!t || !t->grants)
		return 0;
	int32_t *row = malloc((t->nnodes ? t->nnodes : 1) * sizeof *row);
	if (!row)
		return -CS_ENOMEM;
	for (uint32_t v = 0; v < t->nnodes; v++) {
		/* a node's grant, else its nearest granted ancestor's (parents
		 * come first, and grants do not nest) */
		row[v] = t->grants[v].hours >= 0 ? (int32_t)out->n++ : v > 0 ? row[t->parent[v]] : -1;
	}
	out->rows = calloc(out->n ? out->n : 1, sizeof *out->rows);
	if (!out->rows) {
		free(row);
		return -CS_ENOMEM;
	}
	for (uint32_t v = 0; v < t->nnodes; v++)
		if (t->grants[v].hours >= 0) {
			if (!(out->rows[row[v]].account = strdup(t->name[v]))) {
				free(row);
				cs_grant_report_free(out);
				return -CS_ENOMEM;
			}
			out->rows[row[v]].grant = t->grants[v];
		}
	for (size_t i = 0; i < n && i < t->njobs; i++) {
		int32_t k = row[t->job_user[i]];
		if (k < 0)
			continue;
		cs_grant_row *g = &out->rows[k];
		const cs_job *j = &jobs[i];
		double rate = billing ? billing[i] : (double)j->size;
		if (j->submit_s >= g->grant.from && j->submit_s < g->grant.to) {
			g->jobs++;
			g->demand_h += rate * (double)j->runtime_s / 3600.0;
		}
		if (j->start_s >= 0 && j->end_s > j->start_s) {
			cs_time a = j->start_s > g->grant.from ? j->start_s : g->grant.from;
			cs_time b = j->end_s < g->grant.to ? j->end_s : g->grant.to;
			if (b > a)
				g->delivered_h += rate * (double)(b - a) / 3600.0;
		}
	}
	free(row);
	for (size_t k = 0; k < out->n; k++) {
		const cs_grant_row *g = &out->rows[k];
		double asked = g->demand_h < g->grant.hours ? g->demand_h : g->grant.hours;
		out->granted_h += g->grant.hours;
		out->asked_h += asked;
		out->delivered_h += g->delivered_h < asked ? g->delivered_h : asked;
	}
	out->delivery = out->asked_h > 0 ? out->delivered_h / out->asked_h : 1;
	return 0;
}

void cs_grant_report_free(cs_grant_report *g)
{
	for (size_t k = 0; g->rows && k < g->n; k++)
		free((void *)g->rows[k].account);
	free(g->rows);
	memset(g, 0, sizeof *g);
}
