/* capsim: a plan's results from its directory alone (plan-spec.json and
 * the point files): every search replayed, the answers across seeds with
 * their confidence interval, the recommended count's cost, power and
 * energy; plan.json, plan.csv, plan_points.csv, plan.html and the text
 * answer; and the merge of shard directories (capsim/capplan.h,
 * docs/plan.md). */
#include "capsim/capplan.h"
#include "capsim/types.h"
#include "capplan_int.h"
#include "sweep_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOURS_PER_YEAR 8760.0

/* One level x policy: its searches over the seeds, and what they add up to. */
typedef struct group {
	const cp_search *s0;  /* its first seed's search; the others follow */
	int status;           /* CP_ANSWER only if every seed has an answer */
	size_t bad_seed;      /* the first seed without */
	double mean, sd, lo, hi;
	int has_ci, clipped, monotone;
	int64_t rec, smax;
	double capital, cluster_cost, peak_mw, mean_mw, mwh_year, energy_cost;
} group;

typedef struct results {
	cp_def d;
	cp_search *s;   /* [nsearches] */
	group *g;       /* [nlev * npol] */
	size_t ns, ng;
} results;

static int get_read(void *ctx, size_t point, int64_t count, json_t **sum, char *err, size_t errlen)
{
	(void)count;
	return cp_point_read(ctx, point, sum, err, errlen);
}

static const cp_eval *eval_of(const cp_search *s, int64_t c)
{
	for (size_t i = 0; i < s->nev; i++)
		if (s->ev[i].count == c)
			return &s->ev[i];
	return NULL;
}

/* The seeds' answers: mean, Student-t interval, the count recommended
 * (the interval's upper end rounded up, within [min, max]), and at it the
 * cost, power and energy. */
static void group_stats(const cp_def *d, group *g, const cp_search *s)
{
	size_t n = d->nseed;
	g->s0 = s;
	g->status = CP_ANSWER;
	g->monotone = 1;
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		g->monotone &= s[i].monotone;
		if (s[i].status != CP_ANSWER && g->status == CP_ANSWER) {
			g->status = s[i].status;
			g->bad_seed = i;
		}
		sum += (double)s[i].answer;
		if (s[i].answer > g->smax)
			g->smax = s[i].answer;
	}
	if (g->status != CP_ANSWER)
		return;
	g->mean = sum / (double)n;
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += ((double)s[i].answer - g->mean) * ((double)s[i].answer - g->mean);
	g->rec = s[0].answer;
	if (n > 1) {
		g->sd = sqrt(ss / (double)(n - 1));
		double h = cs_capplan_t_quantile(0.5 + d->confidence / 2, (double)(n - 1)) * g->sd / sqrt((double)n);
		g->lo = g->mean - h, g->hi = g->mean + h, g->has_ci = 1;
		/* up to a count searched: min + a whole number of steps */
		g->rec = d->min + (int64_t)ceil((g->hi - (double)d->min) / (double)d->step - 1e-9) * d->step;
		if (g->rec > d->max)
			g->rec = d->max, g->clipped = 1;
	}
	/* power: the seeds' runs at their answers, measured, plus the idle
	 * power of the nodes the recommendation adds (capsim's power model
	 * is linear: a node draws idle power, and more while it runs work;
	 * the work is the same whatever the count) */
	double kw = 0;
	for (size_t i = 0; i < n; i++)
		kw += eval_of(&s[i], s[i].answer)->mean_power_kw + (double)(g->rec - s[i].answer) * d->idle_w / 1000;
	kw /= (double)n;
	g->mean_mw = kw * d->pue / 1000;
	g->peak_mw = (d->other_peak_w + (double)g->rec * d->peak_w) * d->pue / 1e6;
	g->mwh_year = g->mean_mw * HOURS_PER_YEAR;
	g->energy_cost = g->mwh_year * 1000 * d->price;
	g->capital = (double)g->rec * d->cost;
	g->cluster_cost = d->other_cost + g->capital;
}

static void results_free(results *r)
{
	free(r->s);
	free(r->g);
	json_decref(r->d.json);
}

static int results_load(results *r, const char *dir, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	char path[4200];
	json_error_t je;
	snprintf(path, sizeof path, "%s/plan-spec.json", dir);
	json_t *j = json_load_file(path, 0, &je);
	if (!j) {
		snprintf(err, errlen, "%s: cannot read (%s): not a plan's results directory?", path, je.text);
		return -CS_EIO;
	}
	int rc = cp_def_parse(&r->d, j, err, errlen);
	json_decref(j);
	if (rc < 0)
		return rc;
	const cp_def *d = &r->d;
	r->ns = d->nlev * d->npol * d->nseed;
	r->ng = d->nlev * d->npol;
	r->s = calloc(r->ns, sizeof *r->s);
	r->g = calloc(r->ng, sizeof *r->g);
	if (!r->s || !r->g) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	for (size_t k = 0; k < r->ns; k++) {
		rc = cp_search_replay(d, k, get_read, (void *)dir, &r->s[k], err, errlen);
		if (rc == 1) {
			const cp_search *s = &r->s[k];
			snprintf(err, errlen, "%s: search %zu (%s, policy %s, seed %llu) is unfinished: its point %zu (%s:=%lld) "
				 "is missing: run the plan again into it, or merge every shard", dir, k, d->lev_label[s->lev],
				 d->pol_label[s->pol], (unsigned long long)d->seed[s->seed_i], s->ev[s->nev].point, d->type,
				 (long long)s->ev[s->nev].count);
			return -CS_EINVAL;
		}
		if (rc < 0)
			return rc;
	}
	for (size_t g = 0; g < r->ng; g++)
		group_stats(d, &r->g[g], &r->s[g * d->nseed]);
	return 0;
}

static const char *status_name(int st)
{
	return st == CP_ANSWER ? "met" : st == CP_UNMET ? "not met at max" : "targets conflict";
}

/* a label short enough for the table: "projects x1.5", "... load x2" */
static void level_short(const results *r, size_t lev, char *buf, size_t len)
{
	json_t *l = json_array_get(json_object_get(r->d.json, "levels"), lev);
	double ps = json_number_value(json_object_get(l, "projects_scale")),
	       ls = json_number_value(json_object_get(l, "load_scale"));
	if (ls == 1)
		snprintf(buf, len, "projects x%g", ps);
	else
		snprintf(buf, len, "projects x%g load x%g", ps, ls);
}

/* a sum of money: "90.2 bn KRW", "n/a" when the config gives no cost */
static void money(double v, const char *cur, int given, char *buf, size_t len)
{
	if (!given)
		snprintf(buf, len, "n/a");
	else if (fabs(v) >= 1e9)
		snprintf(buf, len, "%.1f bn %s", v / 1e9, cur);
	else if (fabs(v) >= 1e6)
		snprintf(buf, len, "%.1f M %s", v / 1e6, cur);
	else
		snprintf(buf, len, "%.0f %s", v, cur);
}

static json_t *real_or_null(int ok, double v) { return ok ? json_real(v) : json_null(); }

static json_t *group_json(const results *r, const group *g)
{
	const cp_def *d = &r->d;
	const cp_search *s = g->s0;
	json_t *lev = json_array_get(json_object_get(d->json, "levels"), s->lev), *ans = json_array();
	for (size_t i = 0; i < d->nseed; i++) {
		json_t *ev = json_array();
		for (size_t e = 0; e < s[i].nev; e++)
			json_array_append_new(ev, json_integer(s[i].ev[e].count));
		json_array_append_new(ans, json_pack("{s:I, s:o, s:s, s:o, s:b, s:s}", "seed", (json_int_t)d->seed[i],
						     "answer", s[i].status == CP_ANSWER ? json_integer(s[i].answer) : json_null(),
						     "status", status_name(s[i].status), "evaluated", ev, "monotone",
						     s[i].monotone, "monotone_note", s[i].mono_note));
	}
	int ok = g->status == CP_ANSWER, cost = ok && d->cost > 0;
	json_t *o = json_object();
	json_object_set_new(o, "level", json_string(d->lev_label[s->lev]));
	json_object_set(o, "projects_scale", json_object_get(lev, "projects_scale"));
	json_object_set(o, "load_scale", json_object_get(lev, "load_scale"));
	json_object_set_new(o, "policy", json_string(d->pol_label[s->pol]));
	json_object_set_new(o, "status", json_string(status_name(g->status)));
	json_object_set_new(o, "seeds", ans);
	json_object_set_new(o, "mean", real_or_null(ok, g->mean));
	json_object_set_new(o, "sd", real_or_null(ok && g->has_ci, g->sd));
	json_object_set_new(o, "ci", ok && g->has_ci ? json_pack("[f, f]", g->lo, g->hi) : json_null());
	json_object_set_new(o, "max_over_seeds", ok ? json_integer(g->smax) : json_null());
	json_object_set_new(o, "recommended", ok ? json_integer(g->rec) : json_null());
	json_object_set_new(o, "clipped_to_max", json_boolean(g->clipped));
	json_object_set_new(o, "monotone", json_boolean(g->monotone));
	json_object_set_new(o, "capital_cost", real_or_null(cost, g->capital));
	json_object_set_new(o, "cluster_cost", real_or_null(cost, g->cluster_cost));
	json_object_set_new(o, "currency", json_string(d->currency));
	json_object_set_new(o, "peak_mw", real_or_null(ok, g->peak_mw));
	json_object_set_new(o, "mean_mw", real_or_null(ok, g->mean_mw));
	json_object_set_new(o, "energy_mwh_per_year", real_or_null(ok, g->mwh_year));
	json_object_set_new(o, "energy_cost_per_year", real_or_null(ok && d->price > 0, g->energy_cost));
	return o;
}

/* The evaluated points, search by search, by count. */
static int cmp_eval(const void *a, const void *b)
{
	const cp_eval *x = a, *y = b;
	return (x->count > y->count) - (x->count < y->count);
}

static int meets_all(const cp_def *d, const cp_eval *e)
{
	for (size_t t = 0; t < d->nt; t++) {
		double v = e->v[t], b = d->t[t].bound;
		int ok = d->t[t].op == CP_LE ? v <= b : d->t[t].op == CP_GE ? v >= b : d->t[t].op == CP_LT ? v < b : v > b;
		if (!ok)
			return 0;
	}
	return 1;
}

static json_t *points_json(const results *r)
{
	const cp_def *d = &r->d;
	json_t *a = json_array();
	for (size_t k = 0; k < r->ns; k++) {
		cp_search s = r->s[k];
		qsort(s.ev, s.nev, sizeof *s.ev, cmp_eval);
		for (size_t e = 0; e < s.nev; e++) {
			json_t *v = json_object();
			for (size_t t = 0; t < d->nt; t++)
				json_object_set_new(v, d->t[t].metric, json_real(s.ev[e].v[t]));
			json_array_append_new(a, json_pack("{s:I, s:I, s:I, s:s, s:s, s:I, s:o, s:b, s:f}", "point",
							   (json_int_t)s.ev[e].point, "search", (json_int_t)k, "count",
							   (json_int_t)s.ev[e].count, "level", d->lev_label[s.lev], "policy",
							   d->pol_label[s.pol], "seed", (json_int_t)d->seed[s.seed_i], "values", v,
							   "meets", meets_all(d, &s.ev[e]), "mean_power_kw", s.ev[e].mean_power_kw));
		}
	}
	return a;
}

static int write_json(const results *r, const char *dir, json_t *warnings, char *err, size_t errlen)
{
	const cp_def *d = &r->d;
	json_t *tg = json_array(), *groups = json_array();
	for (size_t t = 0; t < d->nt; t++)
		json_array_append_new(tg, json_string(d->t[t].text));
	for (size_t g = 0; g < r->ng; g++)
		json_array_append_new(groups, group_json(r, &r->g[g]));
	json_t *root = json_pack("{s:s, s:s, s:{s:s, s:I, s:I, s:I}, s:o, s:f, s:o, s:o, s:O}", "spec_hash", d->hash,
				 "cluster", d->cluster, "search", "type", d->type, "min", (json_int_t)d->min, "max",
				 (json_int_t)d->max, "step", (json_int_t)d->step, "targets", tg, "confidence", d->confidence,
				 "levels", groups, "points", points_json(r), "warnings", warnings);
	char path[4200];
	snprintf(path, sizeof path, "%s/plan.json", dir);
	return cs_sweep_dump(root, path, err, errlen);
}

static void csv_num(FILE *f, int ok, double v)
{
	fputc(',', f);
	if (ok)
		fprintf(f, "%.12g", v);
}

static FILE *open_out(const char *dir, const char *name, char *path, size_t len, char *err, size_t errlen)
{
	snprintf(path, len, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
	return f;
}

static int close_out(FILE *f, const char *path, char *err, size_t errlen)
{
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: cannot write", path);
		return -CS_EIO;
	}
	return 0;
}

static int write_csv(const results *r, const char *dir, char *err, size_t errlen)
{
	const cp_def *d = &r->d;
	char path[4200];
	FILE *f = open_out(dir, "plan.csv", path, sizeof path, err, errlen);
	if (!f)
		return -CS_EIO;
	fputs("level,projects_scale,load_scale,policy,status,answers,mean,ci_low,ci_high,recommended,max_over_seeds,"
	      "monotone,capital_cost,cluster_cost,currency,peak_mw,mean_mw,energy_mwh_per_year,energy_cost_per_year\n", f);
	json_t *levels = json_object_get(d->json, "levels");
	for (size_t i = 0; i < r->ng; i++) {
		const group *g = &r->g[i];
		const cp_search *s = g->s0;
		json_t *l = json_array_get(levels, s->lev);
		int ok = g->status == CP_ANSWER, cost = ok && d->cost > 0;
		cs_sweep_csv_field(f, d->lev_label[s->lev]);
		fprintf(f, ",%.12g,%.12g,", json_number_value(json_object_get(l, "projects_scale")),
			json_number_value(json_object_get(l, "load_scale")));
		cs_sweep_csv_field(f, d->pol_label[s->pol]);
		fprintf(f, ",%s,", status_name(g->status));
		for (size_t e = 0; e < d->nseed; e++) {
			if (s[e].status == CP_ANSWER)
				fprintf(f, "%s%lld", e ? ";" : "", (long long)s[e].answer);
			else
				fprintf(f, "%s-", e ? ";" : "");
		}
		csv_num(f, ok, g->mean);
		csv_num(f, ok && g->has_ci, g->lo);
		csv_num(f, ok && g->has_ci, g->hi);
		csv_num(f, ok, (double)g->rec);
		csv_num(f, ok, (double)g->smax);
		fprintf(f, ",%d", g->monotone);
		csv_num(f, cost, g->capital);
		csv_num(f, cost, g->cluster_cost);
		fputc(',', f);
		cs_sweep_csv_field(f, d->currency);
		csv_num(f, ok, g->peak_mw);
		csv_num(f, ok, g->mean_mw);
		csv_num(f, ok, g->mwh_year);
		csv_num(f, ok && d->price > 0, g->energy_cost);
		fputc('\n', f);
	}
	int rc = close_out(f, path, err, errlen);
	if (rc < 0 || !(f = open_out(dir, "plan_points.csv", path, sizeof path, err, errlen)))
		return rc < 0 ? rc : -CS_EIO;
	fputs("point,search,count,level,policy,seed", f);
	for (size_t t = 0; t < d->nt; t++)
		fprintf(f, ",%s", d->t[t].metric);
	fputs(",meets,mean_power_kw\n", f);
	for (size_t k = 0; k < r->ns; k++) {
		cp_search s = r->s[k];
		qsort(s.ev, s.nev, sizeof *s.ev, cmp_eval);
		for (size_t e = 0; e < s.nev; e++) {
			fprintf(f, "%zu,%zu,%lld,", s.ev[e].point, k, (long long)s.ev[e].count);
			cs_sweep_csv_field(f, d->lev_label[s.lev]);
			fputc(',', f);
			cs_sweep_csv_field(f, d->pol_label[s.pol]);
			fprintf(f, ",%llu", (unsigned long long)d->seed[s.seed_i]);
			for (size_t t = 0; t < d->nt; t++)
				fprintf(f, ",%.12g", s.ev[e].v[t]);
			fprintf(f, ",%d,%.12g\n", meets_all(d, &s.ev[e]), s.ev[e].mean_power_kw);
		}
	}
	return close_out(f, path, err, errlen);
}

/* ---- plan.html: the chart "nodes needed vs growth" and the tables ---- */

static void chart(FILE *f, const results *r)
{
	const cp_def *d = &r->d;
	enum { W = 900, H = 360, L = 70, R = 250, T = 30, B = 60, PAD = 50 };
	double lo = (double)d->max, hi = (double)d->min;
	for (size_t i = 0; i < r->ng; i++) {
		const group *g = &r->g[i];
		for (size_t e = 0; e < d->nseed; e++)
			if (g->s0[e].status == CP_ANSWER) {
				lo = fmin(lo, (double)g->s0[e].answer);
				hi = fmax(hi, (double)g->s0[e].answer);
			}
		if (g->status == CP_ANSWER && g->has_ci) {
			lo = fmin(lo, g->lo);
			hi = fmax(hi, fmax(g->hi, (double)g->rec));
		}
	}
	if (lo > hi)
		lo = (double)d->min, hi = (double)d->max;
	double span = hi - lo > 0 ? hi - lo : 1;
	lo -= span * 0.1, hi += span * 0.1;
	double pw = W - L - R, ph = H - T - B;
	size_t nl = d->nlev;
#define X(l, p) (L + PAD + (nl > 1 ? (pw - 2 * PAD) * (double)(l) / (double)(nl - 1) : pw / 2 - PAD) + \
		 ((double)(p) - (double)(d->npol - 1) / 2) * 8)
#define Y(v) (T + ph - ph * ((v) - lo) / (hi - lo))
	cs_sweep_svg_frame(f, W, H, L, T, pw, ph, lo, hi, "%.0f");
	for (size_t l = 0; l < nl; l++) {
		char lab[128];
		level_short(r, l, lab, sizeof lab);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", X(l, (double)(d->npol - 1) / 2), T + (int)ph + 16);
		cs_sweep_html_text(f, lab);
		fputs("</text>\n", f);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">growth level</text>\n<text x=\"14\" y=\"%.1f\" "
		   "transform=\"rotate(-90 14 %.1f)\" text-anchor=\"middle\">", L + pw / 2, H - 10, T + ph / 2, T + ph / 2);
	cs_sweep_html_text(f, d->type);
	fputs(" nodes needed</text>\n", f);
	for (size_t p = 0; p < d->npol; p++) {
		const char *col = cs_sweep_palette[p % 10];
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", col);
		int first = 1;
		for (size_t l = 0; l < nl; l++) {
			const group *g = &r->g[l * d->npol + p];
			if (g->status == CP_ANSWER) {
				fprintf(f, "%s%.1f,%.1f", first ? "" : " ", X(l, p), Y(g->mean));
				first = 0;
			}
		}
		fputs("\"/>\n", f);
		for (size_t l = 0; l < nl; l++) {
			const group *g = &r->g[l * d->npol + p];
			for (size_t e = 0; e < d->nseed; e++)
				if (g->s0[e].status == CP_ANSWER)
					fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"#999\"/>\n", X(l, p) + 5,
						Y((double)g->s0[e].answer));
			if (g->status != CP_ANSWER) {
				fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%s</text>\n", X(l, p),
					T + 12, col, status_name(g->status));
				continue;
			}
			if (g->has_ci)
				fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>",
					X(l, p), X(l, p), Y(g->lo), Y(g->hi), col);
			fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>"
				   "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>", X(l, p) - 6, X(l, p) + 6,
				Y((double)g->rec), Y((double)g->rec), col, X(l, p), Y(g->mean), col);
			cs_sweep_html_text(f, d->pol_label[p]);
			fprintf(f, ": mean %.1f", g->mean);
			if (g->has_ci)
				fprintf(f, ", %.0f %% CI [%.1f, %.1f]", d->confidence * 100, g->lo, g->hi);
			fprintf(f, ", recommended %lld</title></circle>\n", (long long)g->rec);
		}
		cs_sweep_svg_legend(f, L + pw + 12, T, p, d->pol_label[p]);
	}
	fprintf(f, "<text x=\"%.0f\" y=\"%zu\">dot: mean; bar: %.0f %% CI;</text><text x=\"%.0f\" y=\"%zu\">tick: "
		   "recommended; grey: seeds</text>\n", L + pw + 12, T + 14 * d->npol + 16, d->confidence * 100,
		L + pw + 12, T + 14 * d->npol + 30);
#undef X
#undef Y
	fputs("</svg>\n", f);
}

static void td(FILE *f, const char *s)
{
	fputs("<td>", f);
	cs_sweep_html_text(f, s);
	fputs("</td>", f);
}

static int write_html(const results *r, const char *dir, char *err, size_t errlen)
{
	const cp_def *d = &r->d;
	char path[4200], buf[256];
	FILE *f = open_out(dir, "plan.html", path, sizeof path, err, errlen);
	if (!f)
		return -CS_EIO;
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>capsim plan</title>\n"
	      "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:12px}"
	      "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style></head><body>\n<h1>capsim plan: ", f);
	cs_sweep_html_text(f, d->type);
	fputs(" nodes needed vs growth</h1>\n<p>cluster ", f);
	cs_sweep_html_text(f, d->cluster);
	fprintf(f, "; the smallest %s count in [%lld, %lld] meeting every target: ", d->type, (long long)d->min,
		(long long)d->max);
	for (size_t t = 0; t < d->nt; t++) {
		fputs(t ? ", " : "", f);
		cs_sweep_html_text(f, d->t[t].text);
	}
	fprintf(f, "; %zu seeds, %.0f %% confidence (spec hash %s).</p>\n", d->nseed, d->confidence * 100, d->hash);
	chart(f, r);
	fputs("<h2>answers</h2>\n<table><tr><th>level</th><th>policy</th><th>per seed</th><th>mean</th><th>CI</th>"
	      "<th>recommended</th><th>capital cost</th><th>peak MW</th><th>mean MW</th><th>GWh/yr</th>"
	      "<th>energy cost/yr</th><th>monotone</th></tr>\n", f);
	for (size_t i = 0; i < r->ng; i++) {
		const group *g = &r->g[i];
		const cp_search *s = g->s0;
		int ok = g->status == CP_ANSWER;
		fputs("<tr>", f);
		td(f, d->lev_label[s->lev]);
		td(f, d->pol_label[s->pol]);
		buf[0] = '\0';
		for (size_t e = 0; e < d->nseed; e++)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), e ? " %lld" : "%lld",
				 s[e].status == CP_ANSWER ? (long long)s[e].answer : -1LL);
		td(f, buf);
		if (!ok) {
			fprintf(f, "<td colspan=\"8\">%s</td>", status_name(g->status));
		} else {
			fprintf(f, "<td>%.1f</td><td>", g->mean);
			if (g->has_ci)
				fprintf(f, "[%.1f, %.1f]", g->lo, g->hi);
			fprintf(f, "</td><td>%lld</td>", (long long)g->rec);
			money(g->capital, d->currency, d->cost > 0, buf, sizeof buf);
			td(f, buf);
			fprintf(f, "<td>%.2f</td><td>%.2f</td><td>%.1f</td>", g->peak_mw, g->mean_mw, g->mwh_year / 1000);
			money(g->energy_cost, d->currency, d->price > 0, buf, sizeof buf);
			td(f, buf);
		}
		fprintf(f, "<td>%s</td></tr>\n", g->monotone ? "yes" : "NO");
	}
	fputs("</table>\n<h2>points evaluated</h2>\n<table><tr><th>point</th><th>count</th><th>level</th><th>policy</th>"
	      "<th>seed</th>", f);
	for (size_t t = 0; t < d->nt; t++) {
		fputs("<th>", f);
		cs_sweep_html_text(f, d->t[t].metric);
		fputs("</th>", f);
	}
	fputs("<th>meets all</th></tr>\n", f);
	for (size_t k = 0; k < r->ns; k++) {
		cp_search s = r->s[k];
		qsort(s.ev, s.nev, sizeof *s.ev, cmp_eval);
		for (size_t e = 0; e < s.nev; e++) {
			fprintf(f, "<tr><td>%zu</td><td>%lld</td>", s.ev[e].point, (long long)s.ev[e].count);
			td(f, d->lev_label[s.lev]);
			td(f, d->pol_label[s.pol]);
			fprintf(f, "<td>%llu</td>", (unsigned long long)d->seed[s.seed_i]);
			for (size_t t = 0; t < d->nt; t++)
				fprintf(f, d->t[t].duration ? "<td>%.3gh</td>" : "<td>%.4g</td>",
					d->t[t].duration ? s.ev[e].v[t] / 3600 : s.ev[e].v[t]);
			fprintf(f, "<td>%s</td></tr>\n", meets_all(d, &s.ev[e]) ? "yes" : "no");
		}
	}
	fputs("</table>\n</body></html>\n", f);
	return close_out(f, path, err, errlen);
}

/* ---- the text answer and the messages ---- */

static void write_text(const results *r, FILE *f)
{
	const cp_def *d = &r->d;
	char lab[128], ci[64], cost[64];
	fprintf(f, "plan: %s nodes needed, searched in [%lld, %lld]", d->type, (long long)d->min, (long long)d->max);
	if (d->step > 1)
		fprintf(f, " by steps of %lld", (long long)d->step);
	fputs(", for ", f);
	for (size_t t = 0; t < d->nt; t++)
		fprintf(f, "%s%s", t ? ", " : "", d->t[t].text);
	fprintf(f, "\n      %zu seed%s a level; mean of the seeds' answers [%.0f %% CI]; recommended: the CI's upper end, "
		   "rounded up\n", d->nseed, d->nseed == 1 ? "" : "s", d->confidence * 100);
	fprintf(f, "%-26s %-12s %-24s %6s %14s %8s %8s %7s %s\n", "level", "policy", "nodes [CI]", "rec.", "capital cost",
		"peak MW", "mean MW", "GWh/yr", "monotone");
	for (size_t i = 0; i < r->ng; i++) {
		const group *g = &r->g[i];
		const cp_search *s = g->s0;
		level_short(r, s->lev, lab, sizeof lab);
		if (g->status != CP_ANSWER) {
			fprintf(f, "%-26s %-12s %s (seed %llu)\n", lab, d->pol_label[s->pol], status_name(g->status),
				(unsigned long long)d->seed[g->bad_seed]);
			continue;
		}
		if (g->has_ci)
			snprintf(ci, sizeof ci, "%.1f [%.1f, %.1f]", g->mean, g->lo, g->hi);
		else
			snprintf(ci, sizeof ci, "%.0f", g->mean);
		money(g->capital, d->currency, d->cost > 0, cost, sizeof cost);
		fprintf(f, "%-26s %-12s %-24s %6lld %14s %8.2f %8.2f %7.1f %s\n", lab, d->pol_label[s->pol], ci,
			(long long)g->rec, cost, g->peak_mw, g->mean_mw, g->mwh_year / 1000,
			g->monotone ? "yes" : "NO (see stderr)");
	}
}

/* One line per group whose searches found no answer, naming the target's
 * spec line; one per search whose metric was not monotone. */
static int diagnostics(const results *r, FILE *f, json_t *warnings)
{
	const cp_def *d = &r->d;
	int unmet = 0;
	char line[2048], a[64], b[64];
	for (size_t k = 0; k < r->ns; k++) {
		const cp_search *s = &r->s[k];
		if (s->monotone)
			continue;
		snprintf(line, sizeof line, "warning: %s, policy %s, seed %llu: %s", d->lev_label[s->lev], d->pol_label[s->pol],
			 (unsigned long long)d->seed[s->seed_i], s->mono_note);
		json_array_append_new(warnings, json_string(line));
		if (f)
			fprintf(f, "capsim: plan: %s\n", line);
	}
	for (size_t i = 0; i < r->ng; i++) {
		const group *g = &r->g[i];
		if (g->status == CP_ANSWER)
			continue;
		unmet = 1;
		const cp_search *s = &g->s0[g->bad_seed];
		const cp_target *t = &d->t[s->failed];
		const cp_eval *lo = eval_of(s, d->min), *hi = eval_of(s, d->max);
		if (s->status == CP_UNMET) {
			cp_fmt_value(t, lo->v[s->failed], a, sizeof a);
			cp_fmt_value(t, hi->v[s->failed], b, sizeof b);
			snprintf(line, sizeof line, "%s: '%s' is met by no %s count in [%lld, %lld] (%s, policy %s, seed %llu: "
				 "%s at %lld, %s at %lld): widen the search's range, or relax the target", t->where, t->text,
				 d->type, (long long)d->min, (long long)d->max, d->lev_label[s->lev], d->pol_label[s->pol],
				 (unsigned long long)d->seed[s->seed_i], a, (long long)d->min, b, (long long)d->max);
		} else {
			cp_fmt_value(t, eval_of(s, s->answer)->v[s->failed], a, sizeof a);
			snprintf(line, sizeof line, "%s: '%s' is not met at %lld %s nodes (%s there), the fewest that meet the "
				 "other targets (%s, policy %s, seed %llu), and fewer nodes fail those: no count meets every "
				 "target", t->where, t->text, (long long)s->answer, d->type, a, d->lev_label[s->lev],
				 d->pol_label[s->pol], (unsigned long long)d->seed[s->seed_i]);
		}
		json_array_append_new(warnings, json_string(line));
		if (f)
			fprintf(f, "capsim: %s\n", line);
	}
	return unmet;
}

int cs_capplan_results_write(const char *dir, FILE *text, FILE *diag, char *err, size_t errlen)
{
	results r;
	int rc = results_load(&r, dir, err, errlen);
	json_t *warnings = json_array();
	int unmet = rc == 0 ? diagnostics(&r, diag, warnings) : 0;
	if (rc == 0)
		rc = write_json(&r, dir, warnings, err, errlen);
	if (rc == 0)
		rc = write_csv(&r, dir, err, errlen);
	if (rc == 0)
		rc = write_html(&r, dir, err, errlen);
	if (rc == 0 && text)
		write_text(&r, text);
	json_decref(warnings);
	results_free(&r);
	return rc < 0 ? rc : unmet;
}

int cs_capplan_merge(const char *const *dirs, size_t n, const char *out, FILE *text, FILE *diag, char *err,
		     size_t errlen)
{
	static const char *const same[] = { "sweep.json", "plan-spec.json" };
	int rc = cs_sweep_merge_points(dirs, n, out, same, 2, 1, err, errlen);
	return rc < 0 ? rc : cs_capplan_results_write(out, text, diag, err, errlen);
}
