/* capsim: statistics of any workload trace (`capsim workload stats`) and the
 * metrics a model's targets are checked with. */
#include "capsim/wstats.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const cs_wstats_metric_names[] = {
	"jobs", "gpu_job_share", "single_gpu_share", "gpus_p50", "gpus_mean", "nodes_p50", "runtime_p50",
	"runtime_p90", "runtime_mean", "overestimate_p50", "completed_share", "failed_share", "cancelled_share",
	"timeout_share", "load", "projects", "users_per_project", "active_projects", "top1pct_projects_share",
	"top10pct_projects_share", "workhours_share", "weekend_share", NULL
};

/* ---- helpers ---- */

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int u64cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

typedef struct summ {
	size_t n;
	double p10, p50, p90, p99, mean;
} summ;

/* Sorts v in place. Nearest-rank percentiles. */
static summ summarize(double *v, size_t n)
{
	summ s = { .n = n };
	if (!n)
		return s;
	qsort(v, n, sizeof *v, dcmp);
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	const double q[4] = { 0.10, 0.50, 0.90, 0.99 };
	double *o[4] = { &s.p10, &s.p50, &s.p90, &s.p99 };
	for (int k = 0; k < 4; k++) {
		size_t r = (size_t)ceil(q[k] * (double)n);
		*o[k] = v[r ? r - 1 : 0];
	}
	s.mean = sum / (double)n;
	return s;
}

static double gpu_hours(const cs_jrec *r)
{
	return r->runtime_s > 0 ? (double)r->runtime_s / 3600.0 * r->nodes * r->gpus_per_node : 0;
}

static int64_t origin_time(const cs_trace *t, const cs_jrec *r) { return t->epoch + r->submit_s; }
static int hour_of(int64_t u) { return (int)(((u % 86400) + 86400) % 86400 / 3600); }
/* 0 = Monday (1970-01-01 was a Thursday). */
static int weekday_of(int64_t u)
{
	int64_t d = u >= 0 ? u / 86400 : -((-u + 86399) / 86400);
	return (int)(((d + 3) % 7 + 7) % 7);
}

/* Span of the trace in days: its "days" metadata, else first to last submit. */
static double span_days(const cs_trace *t)
{
	const char *d = cs_trace_meta_get(t, "days");
	char *end;
	if (d) {
		double v = strtod(d, &end);
		if (end != d && !*end && v > 0)
			return v;
	}
	if (!t->n)
		return 0;
	int64_t lo = t->jobs[0].submit_s, hi = lo;
	for (size_t i = 1; i < t->n; i++) {
		lo = t->jobs[i].submit_s < lo ? t->jobs[i].submit_s : lo;
		hi = t->jobs[i].submit_s > hi ? t->jobs[i].submit_s : hi;
	}
	return (double)(hi - lo) / 86400.0;
}

/* Capacity of a partition (NULL: all) in GPUs, or nodes if it has no GPUs;
 * *gpus says which. 0 if unknown. */
static double capacity(const cs_cluster *c, const cs_gen_model *m, const char *part, int *gpus)
{
	double g = 0, n = 0;
	if (c) {
		for (int i = 0; i < cs_cluster_npartitions(c); i++) {
			const cs_cluster_partition *p = cs_cluster_partition_at(c, i);
			if (part && strcmp(p->name, part) != 0)
				continue;
			for (int k = 0; k < p->nnode_types; k++) {
				const cs_cluster_node_type *nt = cs_cluster_node_type_at(c, p->node_types[k]);
				g += (double)nt->count * nt->gpus;
				n += nt->count;
			}
		}
	} else if (m) {
		const cs_gen_spec *s = cs_gen_model_spec(m);
		for (int i = 0; i < s->nparts; i++) {
			if (part && strcmp(s->parts[i].name, part) != 0)
				continue;
			g += (double)s->parts[i].nodes * s->parts[i].gpus_per_node;
			n += s->parts[i].nodes;
		}
	}
	*gpus = g > 0 || !part;
	return *gpus ? g : n;
}

/* The jobs matching the filters: an index array (malloc'ed), or NULL with
 * *n = 0 if none (or out of memory: *oom set). */
static size_t *select_jobs(const cs_trace *t, const char *part, const char *qos, size_t *n, int *oom)
{
	int32_t pi = part ? cs_names_find(&t->partitions, part) : -1, qi = qos ? cs_names_find(&t->qos, qos) : -1;
	*n = 0;
	*oom = 0;
	if ((part && pi < 0) || (qos && qi < 0) || !t->n)
		return NULL;
	size_t *ix = malloc(t->n * sizeof *ix);
	if (!ix) {
		*oom = 1;
		return NULL;
	}
	for (size_t i = 0; i < t->n; i++)
		if ((!part || t->jobs[i].partition == pi) && (!qos || t->jobs[i].qos == qi))
			ix[(*n)++] = i;
	return ix;
}

/* Per-project GPU-hours (index = project name), sorted descending. */
static double *project_hours(const cs_trace *t, const size_t *ix, size_t n, size_t *np)
{
	double *h = calloc(t->projects.n ? t->projects.n : 1, sizeof *h);
	if (!h)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (t->jobs[ix[i]].project >= 0)
			h[t->jobs[ix[i]].project] += gpu_hours(&t->jobs[ix[i]]);
	size_t k = 0;
	for (size_t i = 0; i < t->projects.n; i++)
		if (h[i] > 0)
			h[k++] = h[i];
	qsort(h, k, sizeof *h, dcmp);
	for (size_t i = 0; i < k / 2; i++) {
		double x = h[i];
		h[i] = h[k - 1 - i];
		h[k - 1 - i] = x;
	}
	*np = k;
	return h;
}

static double top_share(const double *h, size_t np, double frac)
{
	double all = 0, top = 0;
	size_t k = (size_t)ceil(frac * (double)np);
	for (size_t i = 0; i < np; i++) {
		all += h[i];
		if (i < k)
			top += h[i];
	}
	return all > 0 ? top / all : 0;
}

/* Projects with jobs among ix, and the mean number of distinct users per
 * such project (a job without a project or user counts for neither). */
static int project_users(const cs_trace *t, const size_t *ix, size_t n, double *nproj, double *users_mean)
{
	uint64_t *pairs = malloc((n ? n : 1) * sizeof *pairs);
	if (!pairs)
		return -CS_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const cs_jrec *r = &t->jobs[ix[i]];
		if (r->project >= 0 && r->user >= 0)
			pairs[k++] = (uint64_t)(uint32_t)r->project << 32 | (uint32_t)r->user;
	}
	qsort(pairs, k, sizeof *pairs, u64cmp);
	double np = 0, nu = 0;
	for (size_t i = 0; i < k; i++) {
		nu += i == 0 || pairs[i] != pairs[i - 1];
		np += i == 0 || pairs[i] >> 32 != pairs[i - 1] >> 32;
	}
	free(pairs);
	*nproj = np;
	*users_mean = np > 0 ? nu / np : 0;
	return 0;
}

/* Mean over the days of the span of projects whose first..last submission
 * covers the day's noon. */
static double active_projects(const cs_trace *t, const size_t *ix, size_t n, int *oom)
{
	size_t np = t->projects.n;
	double days = span_days(t);
	int nd = (int)ceil(days);
	if (!np || nd < 1)
		return 0;
	int64_t *first = malloc(np * sizeof *first), *last = malloc(np * sizeof *last);
	int64_t *diff = calloc((size_t)nd + 1, sizeof *diff);
	double mean = 0;
	if (!first || !last || !diff) {
		*oom = 1;
		goto out;
	}
	for (size_t p = 0; p < np; p++)
		first[p] = INT64_MAX, last[p] = INT64_MIN;
	for (size_t i = 0; i < n; i++) {
		const cs_jrec *r = &t->jobs[ix[i]];
		if (r->project < 0)
			continue;
		first[r->project] = r->submit_s < first[r->project] ? r->submit_s : first[r->project];
		last[r->project] = r->submit_s > last[r->project] ? r->submit_s : last[r->project];
	}
	for (size_t p = 0; p < np; p++) {
		if (first[p] > last[p])
			continue;
		int64_t a = (first[p] - 43200 + 86399) / 86400, b = (last[p] - 43200) / 86400;
		if (first[p] < 43200)
			a = 0;
		if (last[p] < 43200)
			continue;
		if (b >= nd)
			b = nd - 1;
		if (a > b)
			continue;
		diff[a]++;
		diff[b + 1]--;
	}
	int64_t cur = 0, sum = 0;
	for (int d = 0; d < nd; d++)
		sum += (cur += diff[d]);
	mean = (double)sum / nd;
out:
	free(first);
	free(last);
	free(diff);
	return mean;
}

int cs_wstats_metric(const cs_trace *t, const cs_cluster *c, const cs_gen_model *m, const char *metric,
		     const char *partition, const char *qos, double *out, char *err, size_t errlen)
{
	int known = 0;
	for (const char *const *k = cs_wstats_metric_names; *k && !known; k++)
		known = strcmp(*k, metric) == 0;
	if (!known) {
		snprintf(err, errlen, "unknown metric '%s'", metric);
		return -CS_EINVAL;
	}
	size_t n;
	int oom;
	size_t *ix = select_jobs(t, partition, qos, &n, &oom);
	int rc = 0;
	double *v = NULL;
	if (oom)
		goto nomem;
	if (!strcmp(metric, "jobs")) {
		*out = (double)n;
		goto done;
	}
	if (!n) {
		snprintf(err, errlen, "%s: no jobs%s%s%s%s", metric, partition ? " in partition " : "",
			 partition ? partition : "", qos ? " with qos " : "", qos ? qos : "");
		rc = -CS_EINVAL;
		goto done;
	}
	if (!(v = malloc(n * sizeof *v)))
		goto nomem;
	size_t k = 0;
	double a = 0, b = 0;
	if (!strcmp(metric, "gpu_job_share") || !strcmp(metric, "single_gpu_share")) {
		for (size_t i = 0; i < n; i++) {
			const cs_jrec *r = &t->jobs[ix[i]];
			a += r->gpus_per_node > 0;
			b += r->gpus_per_node > 0 && (uint64_t)r->nodes * r->gpus_per_node == 1;
		}
		*out = metric[0] == 'g' ? a / (double)n : a > 0 ? b / a : 0;
	} else if (!strncmp(metric, "gpus_", 5) || !strcmp(metric, "nodes_p50")) {
		int gpus = metric[0] == 'g';
		for (size_t i = 0; i < n; i++) {
			const cs_jrec *r = &t->jobs[ix[i]];
			if (!gpus)
				v[k++] = r->nodes;
			else if (r->gpus_per_node)
				v[k++] = (double)r->nodes * r->gpus_per_node;
		}
		summ s = summarize(v, k);
		*out = strstr(metric, "mean") ? s.mean : s.p50;
	} else if (!strncmp(metric, "runtime_", 8)) {
		for (size_t i = 0; i < n; i++)
			if (t->jobs[ix[i]].runtime_s >= 0)
				v[k++] = (double)t->jobs[ix[i]].runtime_s;
		summ s = summarize(v, k);
		*out = !strcmp(metric, "runtime_p50") ? s.p50 : !strcmp(metric, "runtime_p90") ? s.p90 : s.mean;
	} else if (!strcmp(metric, "overestimate_p50")) {
		for (size_t i = 0; i < n; i++) {
			const cs_jrec *r = &t->jobs[ix[i]];
			if (r->state == CS_STATE_COMPLETED && r->runtime_s > 0 && r->time_limit_s > 0)
				v[k++] = (double)r->time_limit_s / (double)r->runtime_s;
		}
		*out = summarize(v, k).p50;
	} else if (!strcmp(metric, "completed_share") || !strcmp(metric, "failed_share") ||
		   !strcmp(metric, "cancelled_share") || !strcmp(metric, "timeout_share")) {
		int st = metric[0] == 'f' ? CS_STATE_FAILED : metric[1] == 'a' ? CS_STATE_CANCELLED
			 : metric[0] == 't' ? CS_STATE_TIMEOUT : CS_STATE_COMPLETED;
		for (size_t i = 0; i < n; i++)
			a += t->jobs[ix[i]].state == st;
		*out = a / (double)n;
	} else if (!strcmp(metric, "load")) {
		int gpus;
		double cap = capacity(c, m, partition, &gpus), days = span_days(t);
		for (size_t i = 0; i < n; i++) {
			const cs_jrec *r = &t->jobs[ix[i]];
			if (r->runtime_s > 0)
				a += gpus ? gpu_hours(r) : (double)r->runtime_s / 3600.0 * r->nodes;
		}
		if (cap <= 0 || days <= 0) {
			snprintf(err, errlen, "load: %s", cap <= 0 ? "no capacity known for the partition (give a cluster)"
								   : "the trace spans no time");
			rc = -CS_EINVAL;
		} else
			*out = a / (cap * days * 24.0);
	} else if (!strcmp(metric, "projects") || !strcmp(metric, "users_per_project")) {
		double np, um;
		if (project_users(t, ix, n, &np, &um) < 0)
			goto nomem;
		*out = metric[0] == 'p' ? np : um;
	} else if (!strcmp(metric, "active_projects")) {
		*out = active_projects(t, ix, n, &oom);
		if (oom)
			goto nomem;
	} else if (!strncmp(metric, "top", 3)) {
		size_t np;
		double *h = project_hours(t, ix, n, &np);
		if (!h)
			goto nomem;
		*out = top_share(h, np, metric[3] == '1' && metric[4] == 'p' ? 0.01 : 0.10);
		free(h);
	} else { /* workhours_share, weekend_share */
		for (size_t i = 0; i < n; i++) {
			int64_t u = origin_time(t, &t->jobs[ix[i]]);
			a += metric[0] == 'w' && metric[1] == 'o' ? hour_of(u) >= 9 && hour_of(u) < 18 : weekday_of(u) >= 5;
		}
		*out = a / (double)n;
	}
done:
	free(ix);
	free(v);
	return rc;
nomem:
	free(ix);
	free(v);
	snprintf(err, errlen, "out of memory");
	return -CS_ENOMEM;
}

int cs_wstats_window(cs_trace *t, int64_t from_s, int64_t to_s, char *err, size_t errlen)
{
	int64_t end = 0;
	const char *d = cs_trace_meta_get(t, "days");
	char *e, b[64];
	double days = d ? strtod(d, &e) : 0;
	if (d && e != d && !*e && days > 0)
		end = (int64_t)ceil(days * 86400);
	else
		for (size_t i = 0; i < t->n; i++)
			end = t->jobs[i].submit_s + 1 > end ? t->jobs[i].submit_s + 1 : end;
	if (to_s > end)
		to_s = end;
	if (from_s < 0 || from_s >= to_s) {
		snprintf(err, errlen, "window: empty: from %" PRId64 " s to %" PRId64 " s (the trace spans 0 to %" PRId64
			 " s)", from_s, to_s, end);
		return -CS_EINVAL;
	}
	size_t k = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->jobs[i].submit_s >= from_s && t->jobs[i].submit_s < to_s) {
			t->jobs[k] = t->jobs[i];
			t->jobs[k++].submit_s -= from_s;
		}
	t->n = k;
	t->epoch += from_s;
	snprintf(b, sizeof b, "%.17g", (double)(to_s - from_s) / 86400.0);
	int rc = cs_trace_meta_set(t, "days", b);
	snprintf(b, sizeof b, "%" PRId64 "-%" PRId64, from_s, to_s);
	rc = rc ? rc : cs_trace_meta_set(t, "window_s", b);
	snprintf(b, sizeof b, "%" PRId64, t->epoch);
	rc = rc ? rc : cs_trace_meta_set(t, "epoch", b);
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	return rc < 0 ? -CS_ENOMEM : 0;
}

/* ---- the report ---- */

typedef struct rep {
	FILE *f;
	json_t *root; /* JSON mode */
} rep;

static json_t *summ_json(const summ *s)
{
	return json_pack("{s:I,s:f,s:f,s:f,s:f,s:f}", "n", (json_int_t)s->n, "p10", s->p10, "p50", s->p50, "p90", s->p90,
			 "p99", s->p99, "mean", s->mean);
}

static void summ_line(rep *r, const char *key, const char *label, const summ *s, const char *unit)
{
	if (r->root)
		json_object_set_new(r->root, key, summ_json(s));
	else if (s->n)
		fprintf(r->f, "  %-34s %10.4g %10.4g %10.4g %10.4g %10.4g  (%zu %s)\n", label, s->p10, s->p50, s->p90,
			s->p99, s->mean, s->n, unit);
	else
		fprintf(r->f, "  %-34s (no jobs)\n", label);
}

/* Distributions over all jobs: nodes, GPUs, run time, limit, over-estimate. */
static int distributions(rep *r, const cs_trace *t)
{
	double *v = malloc((t->n ? t->n : 1) * sizeof *v);
	if (!v)
		return -CS_ENOMEM;
	if (!r->root)
		fprintf(r->f, "\n%-36s %10s %10s %10s %10s %10s\n", "sizes and durations:", "p10", "p50", "p90", "p99",
			"mean");
	size_t k;
	summ s;
	for (int what = 0; what < 6; what++) {
		k = 0;
		for (size_t i = 0; i < t->n; i++) {
			const cs_jrec *j = &t->jobs[i];
			switch (what) {
			case 0: v[k++] = j->nodes; break;
			case 1: if (j->gpus_per_node) v[k++] = (double)j->nodes * j->gpus_per_node; break;
			case 2: if (j->runtime_s >= 0) v[k++] = (double)j->runtime_s; break;
			case 3: if (j->time_limit_s > 0) v[k++] = (double)j->time_limit_s; break;
			case 4:
				if (j->state == CS_STATE_COMPLETED && j->runtime_s > 0 && j->time_limit_s > 0)
					v[k++] = (double)j->time_limit_s / (double)j->runtime_s;
				break;
			default: if (j->gpus_per_node && j->runtime_s > 0) v[k++] = gpu_hours(j); break;
			}
		}
		s = summarize(v, k);
		static const char *const keys[] = { "nodes", "gpus", "runtime_s", "time_limit_s", "overestimate",
						    "gpu_hours_per_job" };
		static const char *const labels[] = { "nodes per job", "GPUs per GPU job", "run time (s)",
						      "time limit (s)", "limit / run time (completed)",
						      "GPU-hours per GPU job" };
		summ_line(r, keys[what], labels[what], &s, "jobs");
	}
	free(v);
	return 0;
}

/* Jobs, GPU-hours and load per name of a list (partitions or qos). */
static int per_name(rep *r, const cs_trace *t, const cs_cluster *c, const cs_gen_model *m, int by_part)
{
	const cs_names *ns = by_part ? &t->partitions : &t->qos;
	size_t nn = ns->n + 1; /* last: none given */
	double *jobs = calloc(nn, sizeof *jobs), *gh = calloc(nn, sizeof *gh), *nh = calloc(nn, sizeof *nh);
	if (!jobs || !gh || !nh) {
		free(jobs), free(gh), free(nh);
		return -CS_ENOMEM;
	}
	for (size_t i = 0; i < t->n; i++) {
		const cs_jrec *j = &t->jobs[i];
		int32_t x = by_part ? j->partition : j->qos;
		size_t k = x >= 0 ? (size_t)x : ns->n;
		jobs[k]++;
		gh[k] += gpu_hours(j);
		nh[k] += j->runtime_s > 0 ? (double)j->runtime_s / 3600.0 * j->nodes : 0;
	}
	double days = span_days(t);
	json_t *arr = r->root ? json_array() : NULL;
	if (!r->root)
		fprintf(r->f, "\nby %s:\n  %-12s %10s %7s %14s %14s %8s\n", by_part ? "partition" : "qos",
			by_part ? "partition" : "qos", "jobs", "share", "GPU-hours", "node-hours", by_part ? "load" : "");
	for (size_t k = 0; k < nn; k++) {
		if (!jobs[k])
			continue;
		const char *name = k < ns->n ? ns->v[k] : "(none)";
		double load = NAN;
		if (by_part && k < ns->n && days > 0) {
			int gpus;
			double cap = capacity(c, m, name, &gpus);
			if (cap > 0)
				load = (gpus ? gh[k] : nh[k]) / (cap * days * 24.0);
		}
		if (arr) {
			json_t *o = json_pack("{s:s,s:f,s:f,s:f,s:f}", "name", name, "jobs", jobs[k], "share",
					      jobs[k] / (double)t->n, "gpu_hours", gh[k], "node_hours", nh[k]);
			if (by_part)
				json_object_set_new(o, "load", isnan(load) ? json_null() : json_real(load));
			json_array_append_new(arr, o);
		} else {
			fprintf(r->f, "  %-12s %10.0f %6.1f%% %14.0f %14.0f", name, jobs[k], 100 * jobs[k] / (double)t->n,
				gh[k], nh[k]);
			if (by_part && !isnan(load))
				fprintf(r->f, " %8.3f", load);
			fputc('\n', r->f);
		}
	}
	if (arr)
		json_object_set_new(r->root, by_part ? "partitions" : "qos", arr);
	free(jobs), free(gh), free(nh);
	return 0;
}

static void states(rep *r, const cs_trace *t)
{
	double cnt[CS_STATE_N] = { 0 };
	for (size_t i = 0; i < t->n; i++)
		cnt[t->jobs[i].state < CS_STATE_N ? t->jobs[i].state : 0]++;
	json_t *o = r->root ? json_object() : NULL;
	if (!o)
		fprintf(r->f, "\nstates:");
	for (int s = 0; s < CS_STATE_N; s++) {
		if (!cnt[s])
			continue;
		if (o)
			json_object_set_new(o, cs_state_names[s], json_real(cnt[s] / (double)t->n));
		else
			fprintf(r->f, " %s %.1f%%", cs_state_names[s], 100 * cnt[s] / (double)t->n);
	}
	if (o)
		json_object_set_new(r->root, "states", o);
	else
		fputc('\n', r->f);
}

static int projects(rep *r, const cs_trace *t)
{
	size_t *ix = malloc((t->n ? t->n : 1) * sizeof *ix), np;
	if (!ix)
		return -CS_ENOMEM;
	for (size_t i = 0; i < t->n; i++)
		ix[i] = i;
	double *h = project_hours(t, ix, t->n, &np);
	int oom = 0;
	double act = active_projects(t, ix, t->n, &oom), nproj = 0, upp = 0, nusers = 0;
	uint8_t *seen = calloc(t->users.n ? t->users.n : 1, 1);
	if (!seen || project_users(t, ix, t->n, &nproj, &upp) < 0)
		oom = 1;
	for (size_t i = 0; seen && i < t->n; i++)
		if (t->jobs[i].user >= 0 && !seen[t->jobs[i].user]) {
			seen[t->jobs[i].user] = 1;
			nusers++;
		}
	free(seen);
	double *tot = calloc(t->projects.n ? t->projects.n : 1, sizeof *tot);
	size_t *order = malloc((t->projects.n ? t->projects.n : 1) * sizeof *order);
	if (!h || oom || !tot || !order) {
		free(ix), free(h), free(tot), free(order);
		return -CS_ENOMEM;
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->jobs[i].project >= 0)
			tot[t->jobs[i].project] += gpu_hours(&t->jobs[i]);
	/* top 10 by GPU-hours, ties by name index: a selection, n is small */
	size_t ntop = 0;
	for (size_t k = 0; k < 10 && k < t->projects.n; k++) {
		size_t best = SIZE_MAX;
		for (size_t p = 0; p < t->projects.n; p++) {
			int taken = 0;
			for (size_t q = 0; q < ntop && !taken; q++)
				taken = order[q] == p;
			if (!taken && tot[p] > 0 && (best == SIZE_MAX || tot[p] > tot[best]))
				best = p;
		}
		if (best == SIZE_MAX)
			break;
		order[ntop++] = best;
	}
	double *hs = malloc((np ? np : 1) * sizeof *hs);
	if (!hs) {
		free(ix), free(h), free(tot), free(order);
		return -CS_ENOMEM;
	}
	memcpy(hs, h, np * sizeof *hs);
	summ s = summarize(hs, np);
	double t1 = top_share(h, np, 0.01), t10 = top_share(h, np, 0.10);
	if (r->root) {
		json_t *o = json_pack("{s:I,s:I,s:f,s:f,s:f,s:f}", "projects", (json_int_t)nproj, "users",
				      (json_int_t)nusers, "users_per_project", upp, "active_mean", act, "top1pct_share", t1,
				      "top10pct_share", t10);
		json_object_set_new(o, "gpu_hours", summ_json(&s));
		json_t *top = json_array();
		for (size_t k = 0; k < ntop; k++)
			json_array_append_new(top, json_pack("{s:s,s:f}", "project", t->projects.v[order[k]], "gpu_hours",
							     tot[order[k]]));
		json_object_set_new(o, "top10", top);
		json_object_set_new(r->root, "projects", o);
	} else {
		fprintf(r->f, "\nprojects with jobs: %.0f (users %.0f; %.2f per project), active at once (first..last "
			"job) %.0f on average\n", nproj, nusers, upp, act);
		fprintf(r->f, "  GPU-hours held by the top 1%% of projects %.1f%%, top 10%% %.1f%%\n", 100 * t1, 100 * t10);
		summ_line(r, "", "GPU-hours per project", &s, "projects");
		fprintf(r->f, "  top 10 by GPU-hours:");
		for (size_t k = 0; k < ntop; k++)
			fprintf(r->f, " %s %.0f%s", t->projects.v[order[k]], tot[order[k]], k + 1 < ntop ? "," : "");
		fputc('\n', r->f);
	}
	free(ix), free(h), free(tot), free(order), free(hs);
	return 0;
}

static void arrivals(rep *r, const cs_trace *t)
{
	double hr[24] = { 0 }, wd[7] = { 0 }, n = t->n ? (double)t->n : 1;
	for (size_t i = 0; i < t->n; i++) {
		int64_t u = origin_time(t, &t->jobs[i]);
		hr[hour_of(u)]++;
		wd[weekday_of(u)]++;
	}
	if (r->root) {
		json_t *h = json_array(), *d = json_array();
		for (int i = 0; i < 24; i++)
			json_array_append_new(h, json_real(hr[i] / n));
		for (int i = 0; i < 7; i++)
			json_array_append_new(d, json_real(wd[i] / n));
		json_object_set_new(r->root, "hour_of_day_share", h);
		json_object_set_new(r->root, "day_of_week_share", d);
		return;
	}
	fprintf(r->f, "\narrivals (%% of jobs; clock of the trace's epoch, UTC):\n  hour 00-23:");
	for (int i = 0; i < 24; i++)
		fprintf(r->f, " %.1f", 100 * hr[i] / n);
	static const char *const dn[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	fprintf(r->f, "\n  weekday:");
	for (int i = 0; i < 7; i++)
		fprintf(r->f, " %s %.1f", dn[i], 100 * wd[i] / n);
	fputc('\n', r->f);
}

static int targets(rep *r, const cs_trace *t, const cs_cluster *c, const cs_gen_model *m, char *err, size_t errlen)
{
	const cs_gen_spec *s = cs_gen_model_spec(m);
	json_t *arr = r->root ? json_array() : NULL;
	int miss = 0;
	if (!arr)
		fprintf(r->f, "\ntargets of model %s (%s):\n  %-38s %12s %12s %10s  %s\n", s->name, cs_gen_model_path(m),
			"metric", "target", "measured", "tolerance", "");
	for (int i = 0; i < s->ntargets; i++) {
		const cs_gen_target *g = &s->targets[i];
		double v = 0;
		char e[CS_ERRLEN] = "";
		int rc = cs_wstats_metric(t, c, m, g->metric, g->partition, g->qos, &v, e, sizeof e);
		if (rc == -CS_ENOMEM) {
			snprintf(err, errlen, "%s", e);
			json_decref(arr);
			return rc;
		}
		int ok = rc == 0 && fabs(v - g->value) <= g->tol * (1 + 1e-12) + 1e-12;
		miss += !ok;
		char label[128];
		snprintf(label, sizeof label, "%s%s%s%s%s%s", g->metric, g->partition || g->qos ? " [" : "",
			 g->partition ? g->partition : "", g->partition && g->qos ? " " : "", g->qos ? g->qos : "",
			 g->partition || g->qos ? "]" : "");
		if (arr) {
			json_t *o = json_pack("{s:s,s:f,s:f,s:b}", "metric", label, "target", g->value, "tolerance", g->tol,
					      "ok", ok);
			json_object_set_new(o, "measured", rc == 0 ? json_real(v) : json_null());
			json_array_append_new(arr, o);
		} else if (rc == 0)
			fprintf(r->f, "  %-38s %12.4g %12.4g %10.3g  %s\n", label, g->value, v, g->tol, ok ? "ok" : "MISS");
		else
			fprintf(r->f, "  %-38s %12.4g %12s %10.3g  MISS (%s)\n", label, g->value, "-", g->tol, e);
	}
	if (arr) {
		json_object_set_new(r->root, "targets", arr);
		json_object_set_new(r->root, "targets_missed", json_integer(miss));
	} else
		fprintf(r->f, "  %d of %d targets met\n", s->ntargets - miss, s->ntargets);
	return 0;
}

int cs_wstats_print(FILE *f, const cs_trace *t, const cs_cluster *c, const cs_gen_model *m, int json, char *err,
		    size_t errlen)
{
	rep r = { .f = f, .root = json ? json_object() : NULL };
	if (json && !r.root)
		goto nomem;
	size_t gpu_jobs = 0;
	for (size_t i = 0; i < t->n; i++)
		gpu_jobs += t->jobs[i].gpus_per_node > 0;
	double days = span_days(t);
	const char *src = cs_trace_meta_get(t, "model");
	if (r.root) {
		json_object_set_new(r.root, "jobs", json_integer((json_int_t)t->n));
		json_object_set_new(r.root, "gpu_jobs", json_integer((json_int_t)gpu_jobs));
		json_object_set_new(r.root, "span_days", json_real(days));
		json_object_set_new(r.root, "cluster", c ? json_string(cs_cluster_name(c)) : json_null());
		json_object_set_new(r.root, "cluster_scale", c && *cs_cluster_scaled_by(c)
								     ? json_string(cs_cluster_scaled_by(c)) : json_null());
	} else {
		fprintf(f, "jobs: %zu (%zu GPU jobs, %zu CPU-only) over %.1f days%s%s\n", t->n, gpu_jobs, t->n - gpu_jobs,
			days, src ? ", generated from " : "", src ? src : "");
		if (c)
			fprintf(f, "offered load against cluster %s%s%s\n", cs_cluster_name(c),
				*cs_cluster_scaled_by(c) ? " scaled by --scale " : "", cs_cluster_scaled_by(c));
	}
	int rc = 0;
	if ((rc = per_name(&r, t, c, m, 1)) < 0 || (rc = per_name(&r, t, c, m, 0)) < 0 || (rc = distributions(&r, t)) < 0)
		goto fail;
	states(&r, t);
	if ((rc = projects(&r, t)) < 0)
		goto fail;
	arrivals(&r, t);
	if (m && (rc = targets(&r, t, c, m, err, errlen)) < 0)
		goto fail;
	if (r.root) {
		if (json_dumpf(r.root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) < 0)
			rc = -CS_EIO;
		fputc('\n', f);
		json_decref(r.root);
	}
	if (rc == 0 && ferror(f))
		rc = -CS_EIO;
	if (rc == -CS_EIO)
		snprintf(err, errlen, "stats: cannot write the output");
	return rc;
fail:
	json_decref(r.root);
	if (rc == -CS_ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
nomem:
	snprintf(err, errlen, "out of memory");
	return -CS_ENOMEM;
}
