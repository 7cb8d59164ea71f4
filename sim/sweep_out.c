/* capsim: a sweep's results (results.csv, results.json, sweep.html) from
 * its directory alone (sweep.json and points/K.json), in point order, and
 * the merge of shard directories (capsim/sweep.h, docs/sweep.md). */
#include "capsim/sweep.h"
#include "capsim/types.h"
#include "sweep_int.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A results table: the points present, and the metric columns. */
typedef struct table {
	json_t *sweep;        /* sweep.json */
	size_t npoints;       /* of the grid */
	json_t **pt;          /* [npoints]: the point's file, or NULL */
	json_t *cols;         /* array of metric names, in first-appearance order */
	json_t *colset;       /* name -> true */
	json_t **vals;        /* [npoints]: object name -> number */
	size_t present;
} table;

/* Subtrees of summary.json that hold settings, not results. */
static int is_setting(const char *key)
{
	static const char *const skip[] = { "inputs", "conventions", "transforms", "policy_params", NULL };
	for (const char *const *s = skip; *s; s++)
		if (!strcmp(*s, key))
			return 1;
	return 0;
}

/* Every number under j reached through objects, as dotted names. */
static void flatten(table *t, json_t *out, json_t *j, const char *prefix, int top)
{
	const char *k;
	json_t *v;
	json_object_foreach(j, k, v) {
		if (top && is_setting(k))
			continue;
		char name[512];
		snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", k);
		if (json_is_object(v))
			flatten(t, out, v, name, 0);
		else if (json_is_integer(v) || json_is_real(v)) {
			json_object_set(out, name, v);
			if (!json_object_get(t->colset, name)) {
				json_object_set_new(t->colset, name, json_true());
				json_array_append_new(t->cols, json_string(name));
			}
		}
	}
}

static void table_free(table *t)
{
	for (size_t k = 0; t->pt && k < t->npoints; k++) {
		json_decref(t->pt[k]);
		json_decref(t->vals[k]);
	}
	free(t->pt);
	free(t->vals);
	json_decref(t->sweep);
	json_decref(t->cols);
	json_decref(t->colset);
}

static int table_load(table *t, const char *dir, char *err, size_t errlen)
{
	memset(t, 0, sizeof *t);
	char path[4200];
	json_error_t je;
	snprintf(path, sizeof path, "%s/sweep.json", dir);
	if (!(t->sweep = json_load_file(path, 0, &je))) {
		snprintf(err, errlen, "%s: cannot read (%s): not a sweep's results directory?", path, je.text);
		return -CS_EIO;
	}
	json_int_t np = json_integer_value(json_object_get(t->sweep, "points"));
	const char *hash = json_string_value(json_object_get(t->sweep, "spec_hash"));
	if (np <= 0 || np > CS_SWEEP_MAX_POINTS || !hash) {
		snprintf(err, errlen, "%s: not a sweep's sweep.json (points, spec_hash)", path);
		return -CS_EINVAL;
	}
	t->npoints = (size_t)np;
	t->pt = calloc(t->npoints, sizeof *t->pt);
	t->vals = calloc(t->npoints, sizeof *t->vals);
	t->cols = json_array();
	t->colset = json_object();
	if (!t->pt || !t->vals || !t->cols || !t->colset) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	for (size_t k = 0; k < t->npoints; k++) {
		snprintf(path, sizeof path, "%s/points/%06zu.json", dir, k);
		if (access(path, F_OK) != 0)
			continue;
		json_t *p = json_load_file(path, 0, &je);
		const char *h = p ? json_string_value(json_object_get(p, "spec_hash")) : NULL;
		if (!p || !h || strcmp(h, hash) || json_integer_value(json_object_get(p, "point")) != (json_int_t)k ||
		    !json_is_object(json_object_get(p, "summary"))) {
			if (!p)
				snprintf(err, errlen, "%s: %s", path, je.text);
			else
				snprintf(err, errlen, "%s: not point %zu of this sweep (point, spec_hash, summary)", path, k);
			json_decref(p);
			return -CS_EINVAL;
		}
		t->pt[k] = p;
		t->vals[k] = json_object();
		flatten(t, t->vals[k], json_object_get(p, "summary"), "", 1);
		t->present++;
	}
	return 0;
}

void cs_sweep_csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void num(FILE *f, json_t *v)
{
	if (json_is_integer(v))
		fprintf(f, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		fprintf(f, "%.12g", json_real_value(v));
}

static const char *const config_cols[] = { "scale", "workload", "projects_scale", "load_scale", "policy",
					   "policy_opts", "seed" };
#define NCONFIG (sizeof config_cols / sizeof *config_cols)

static int write_csv(const table *t, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		return -CS_EIO;
	}
	fputs("point", f);
	for (size_t i = 0; i < NCONFIG; i++)
		fprintf(f, ",%s", config_cols[i]);
	size_t i;
	json_t *c;
	json_array_foreach(t->cols, i, c)
		fprintf(f, ",%s", json_string_value(c));
	fputc('\n', f);
	for (size_t k = 0; k < t->npoints; k++) {
		if (!t->pt[k])
			continue;
		json_t *cfg = json_object_get(t->pt[k], "config");
		fprintf(f, "%zu", k);
		for (size_t j = 0; j < NCONFIG; j++) {
			json_t *v = json_object_get(cfg, config_cols[j]);
			fputc(',', f);
			if (json_is_string(v))
				cs_sweep_csv_field(f, json_string_value(v));
			else
				num(f, v);
		}
		json_array_foreach(t->cols, i, c) {
			fputc(',', f);
			num(f, json_object_get(t->vals[k], json_string_value(c)));
		}
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: cannot write", path);
		return -CS_EIO;
	}
	return 0;
}

static int write_json(const table *t, const char *path, char *err, size_t errlen)
{
	json_t *root = json_object(), *pts = json_array();
	json_object_set(root, "spec_hash", json_object_get(t->sweep, "spec_hash"));
	json_object_set_new(root, "points", json_integer((json_int_t)t->npoints));
	json_object_set_new(root, "present", json_integer((json_int_t)t->present));
	json_object_set(root, "metrics", t->cols);
	for (size_t k = 0; k < t->npoints; k++) {
		if (!t->pt[k])
			continue;
		json_t *p = json_object();
		json_object_set_new(p, "point", json_integer((json_int_t)k));
		json_object_set(p, "config", json_object_get(t->pt[k], "config"));
		json_object_set(p, "metrics", t->vals[k]);
		json_array_append_new(pts, p);
	}
	json_object_set_new(root, "results", pts);
	return cs_sweep_dump(root, path, err, errlen);
}

int cs_sweep_dump(json_t *root, const char *path, char *err, size_t errlen)
{
	int rc = json_dump_file(root, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	json_decref(root);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot write", path);
		return -CS_EIO;
	}
	return 0;
}

/* ---- sweep.html: inline SVG, no script ---- */

void cs_sweep_html_text(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
}

const char *const cs_sweep_palette[10] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
				       "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };

static size_t axis_len(const table *t, const char *axis)
{
	return json_array_size(json_object_get(json_object_get(t->sweep, "axes"), axis));
}

static const char *axis_label(const table *t, const char *axis, size_t i)
{
	return json_string_value(json_array_get(json_object_get(json_object_get(t->sweep, "axes"), axis), i));
}

void cs_sweep_svg_frame(FILE *f, int w, int h, int l, int t, double pw, double ph, double lo, double hi,
			const char *yfmt)
{
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
		   "font-size=\"11\">\n", w, h);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#999\"/>\n", l, t, pw,
		ph);
	for (int i = 0; i <= 4; i++) {
		double v = lo + (hi - lo) * i / 4, y = t + ph - ph * (v - lo) / (hi - lo);
		fprintf(f, "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/><text x=\"%d\" y=\"%.1f\" "
			   "text-anchor=\"end\">", l, l + pw, y, y, l - 4, y + 4);
		fprintf(f, yfmt, v);
		fputs("</text>\n", f);
	}
}

void cs_sweep_svg_legend(FILE *f, double x, int t, size_t i, const char *label)
{
	fprintf(f, "<rect x=\"%.0f\" y=\"%zu\" width=\"12\" height=\"3\" fill=\"%s\"/><text x=\"%.0f\" y=\"%zu\">", x,
		(size_t)t + 14 * i + 4, cs_sweep_palette[i % 10], x + 16, (size_t)t + 14 * i + 8);
	cs_sweep_html_text(f, label);
	fputs("</text>\n", f);
}

/* A metric's value at point k, or NAN */
static double value_at(const table *t, size_t k, const char *metric)
{
	if (!t->pt[k])
		return NAN;
	json_t *v = json_object_get(t->vals[k], metric);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* One chart: metric against the cluster variants, a line per policy (the
 * mean over seeds), a bar from the least to the greatest seed's value. */
static void chart(FILE *f, const table *t, size_t w, const char *metric)
{
	size_t ns = axis_len(t, "scale"), nw = axis_len(t, "workload"), npol = axis_len(t, "policy"),
	       nseed = axis_len(t, "seed");
	enum { W = 900, H = 320, L = 70, R = 330, T = 30, B = 50, PAD = 40 };
	double lo = INFINITY, hi = -INFINITY;
	double *mean = calloc(ns * npol * 3, sizeof *mean);
	if (!mean)
		return;
	for (size_t s = 0; s < ns; s++)
		for (size_t p = 0; p < npol; p++) {
			double sum = 0, mn = INFINITY, mx = -INFINITY;
			size_t n = 0;
			for (size_t e = 0; e < nseed; e++) {
				double v = value_at(t, ((s * nw + w) * npol + p) * nseed + e, metric);
				if (isnan(v))
					continue;
				sum += v, n++;
				mn = v < mn ? v : mn;
				mx = v > mx ? v : mx;
			}
			double *m = &mean[(s * npol + p) * 3];
			m[0] = n ? sum / (double)n : NAN;
			m[1] = mn, m[2] = mx;
			if (n) {
				lo = mn < lo ? mn : lo;
				hi = mx > hi ? mx : hi;
			}
		}
	fprintf(f, "<h3>");
	cs_sweep_html_text(f, metric);
	fprintf(f, "</h3>\n");
	if (!(lo <= hi)) {
		fprintf(f, "<p>no values</p>\n");
		free(mean);
		return;
	}
	if (lo > 0)
		lo = 0;
	if (hi == lo)
		hi = lo + 1;
	double pw = W - L - R, ph = H - T - B;
#define X(s) (L + PAD + (ns > 1 ? (pw - 2 * PAD) * (double)(s) / (double)(ns - 1) : pw / 2 - PAD))
#define Y(v) (T + ph - ph * ((v) - lo) / (hi - lo))
	cs_sweep_svg_frame(f, W, H, L, T, pw, ph, lo, hi, "%.4g");
	for (size_t s = 0; s < ns; s++) {
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", X(s), T + (int)ph + 16);
		cs_sweep_html_text(f, *axis_label(t, "scale", s) ? axis_label(t, "scale", s) : "as configured");
		fputs("</text>\n", f);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">cluster variant (scale)</text>\n", L + pw / 2,
		H - 8);
	for (size_t p = 0; p < npol; p++) {
		const char *col = cs_sweep_palette[p % 10];
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", col);
		for (size_t s = 0; s < ns; s++) {
			double *m = &mean[(s * npol + p) * 3];
			if (!isnan(m[0]))
				fprintf(f, "%s%.1f,%.1f", s ? " " : "", X(s), Y(m[0]));
		}
		fputs("\"/>\n", f);
		for (size_t s = 0; s < ns; s++) {
			double *m = &mean[(s * npol + p) * 3];
			if (isnan(m[0]))
				continue;
			fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
				   "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>",
				X(s), X(s), Y(m[1]), Y(m[2]), col, X(s), Y(m[0]), col);
			cs_sweep_html_text(f, axis_label(t, "policy", p));
			fprintf(f, ": mean %.6g, min %.6g, max %.6g</title></circle>\n", m[0], m[1], m[2]);
		}
		cs_sweep_svg_legend(f, L + pw + 12, T, p, axis_label(t, "policy", p));
	}
#undef X
#undef Y
	fputs("</svg>\n", f);
	free(mean);
}

static int write_html(const table *t, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		return -CS_EIO;
	}
	json_t *metrics = json_object_get(t->sweep, "metrics");
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>capsim sweep</title>\n"
	      "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:12px}"
	      "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style></head><body>\n", f);
	fprintf(f, "<h1>capsim sweep</h1>\n<p>cluster ");
	cs_sweep_html_text(f, json_string_value(json_object_get(t->sweep, "cluster")));
	fprintf(f, ", workload ");
	cs_sweep_html_text(f, json_string_value(json_object_get(t->sweep, "workload")));
	fprintf(f, "; %zu of %zu points (spec hash %s). Each line: a policy's mean over the seeds; each bar: "
		   "the least to the greatest seed's value.</p>\n",
		t->present, t->npoints, json_string_value(json_object_get(t->sweep, "spec_hash")));
	size_t nw = axis_len(t, "workload");
	for (size_t w = 0; w < nw; w++) {
		fprintf(f, "<h2>workload ");
		cs_sweep_html_text(f, axis_label(t, "workload", w));
		fputs("</h2>\n", f);
		size_t i;
		json_t *m;
		json_array_foreach(metrics, i, m)
			chart(f, t, w, json_string_value(m));
	}
	fputs("<h2>points</h2>\n<table><tr><th>point</th>", f);
	for (size_t i = 0; i < NCONFIG; i++)
		fprintf(f, "<th>%s</th>", config_cols[i]);
	size_t i;
	json_t *m;
	json_array_foreach(metrics, i, m) {
		fputs("<th>", f);
		cs_sweep_html_text(f, json_string_value(m));
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (size_t k = 0; k < t->npoints; k++) {
		if (!t->pt[k])
			continue;
		json_t *cfg = json_object_get(t->pt[k], "config");
		fprintf(f, "<tr><td>%zu</td>", k);
		for (size_t j = 0; j < NCONFIG; j++) {
			json_t *v = json_object_get(cfg, config_cols[j]);
			fputs("<td>", f);
			if (json_is_string(v))
				cs_sweep_html_text(f, json_string_value(v));
			else
				num(f, v);
			fputs("</td>", f);
		}
		json_array_foreach(metrics, i, m) {
			fputs("<td>", f);
			num(f, json_object_get(t->vals[k], json_string_value(m)));
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n</body></html>\n", f);
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: cannot write", path);
		return -CS_EIO;
	}
	return 0;
}

int cs_sweep_results_write(const char *dir, size_t *npoints_out, char *err, size_t errlen)
{
	table t;
	int rc = table_load(&t, dir, err, errlen);
	char path[4200];
	if (rc == 0) {
		snprintf(path, sizeof path, "%s/results.csv", dir);
		rc = write_csv(&t, path, err, errlen);
	}
	if (rc == 0) {
		snprintf(path, sizeof path, "%s/results.json", dir);
		rc = write_json(&t, path, err, errlen);
	}
	if (rc == 0) {
		snprintf(path, sizeof path, "%s/sweep.html", dir);
		rc = write_html(&t, path, err, errlen);
	}
	if (npoints_out)
		*npoints_out = t.present;
	table_free(&t);
	return rc;
}

/* ---- merge ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	size_t r;
	while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *nb = realloc(b, cap *= 2);
			if (!nb) {
				free(b);
				b = NULL;
			}
			b = nb;
		}
	}
	fclose(f);
	*len = n;
	return b;
}

static int put(const char *path, const char *b, size_t n, char *err, size_t errlen)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
		snprintf(err, errlen, "%s: cannot write", path);
		return -CS_EIO;
	}
	return 0;
}

int cs_sweep_merge_points(const char *const *dirs, size_t n, const char *out, const char *const *same, size_t nsame,
			  int sparse, char *err, size_t errlen)
{
	char path[4200];
	size_t len0[8] = { 0 }, len;
	char *first[8] = { NULL };
	int rc = 0;
	if (nsame > 8)
		nsame = 8;
	for (size_t f = 0; f < nsame && rc == 0; f++)
		for (size_t i = 0; i < n && rc == 0; i++) {
			snprintf(path, sizeof path, "%s/%s", dirs[i], same[f]);
			char *b = slurp(path, &len);
			if (!b) {
				snprintf(err, errlen, "%s: cannot read: not a %s's results directory?", path,
					 nsame > 1 ? "plan" : "sweep");
				rc = -CS_EIO;
			} else if (!first[f]) {
				first[f] = b, len0[f] = len;
				continue;
			} else if (len != len0[f] || memcmp(b, first[f], len)) {
				snprintf(err, errlen, "%s: another %s than %s's (their %s differ: the spec, a file it reads or "
					 "the metrics charted)", dirs[i], nsame > 1 ? "plan" : "sweep", dirs[0], same[f]);
				rc = -CS_EINVAL;
			}
			free(b);
		}
	json_t *sw = rc == 0 ? json_loadb(first[0], len0[0], 0, NULL) : NULL;
	json_int_t np = json_integer_value(json_object_get(sw, "points"));
	json_decref(sw);
	if (rc == 0 && (np <= 0 || np > CS_SWEEP_MAX_POINTS)) {
		snprintf(err, errlen, "%s/sweep.json: not a sweep's (points)", dirs[0]);
		rc = -CS_EINVAL;
	}
	size_t *from = rc == 0 ? malloc((size_t)np * sizeof *from) : NULL;
	if (rc == 0 && !from) {
		snprintf(err, errlen, "out of memory");
		rc = -CS_ENOMEM;
	}
	for (size_t k = 0; rc == 0 && k < (size_t)np; k++) {
		from[k] = n;
		for (size_t i = 0; i < n && rc == 0; i++) {
			snprintf(path, sizeof path, "%s/points/%06zu.json", dirs[i], k);
			if (access(path, F_OK) != 0)
				continue;
			if (from[k] < n) {
				snprintf(err, errlen, "point %zu is in both %s and %s", k, dirs[from[k]], dirs[i]);
				rc = -CS_EINVAL;
			}
			from[k] = i;
		}
		if (rc == 0 && from[k] == n && !sparse) {
			snprintf(err, errlen, "point %zu is in none of the directories (of %lld points): a shard is "
				 "missing or unfinished", k, (long long)np);
			rc = -CS_EINVAL;
		}
	}
	struct stat st;
	if (rc == 0 && stat(out, &st) == 0) {
		snprintf(path, sizeof path, "%s/sweep.json", out);
		if (!S_ISDIR(st.st_mode) || access(path, F_OK) == 0 || rmdir(out) < 0) {
			snprintf(err, errlen, "%s: exists (not an empty directory): merge writes a new directory", out);
			rc = -CS_EIO;
		}
	}
	if (rc == 0 && mkdir(out, 0777) < 0) {
		snprintf(err, errlen, "%s: cannot create: %s", out, strerror(errno));
		rc = -CS_EIO;
	}
	snprintf(path, sizeof path, "%s/points", out);
	if (rc == 0 && mkdir(path, 0777) < 0) {
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
		rc = -CS_EIO;
	}
	for (size_t f = 0; f < nsame && rc == 0; f++) {
		snprintf(path, sizeof path, "%s/%s", out, same[f]);
		rc = put(path, first[f], len0[f], err, errlen);
	}
	for (size_t k = 0; rc == 0 && k < (size_t)np; k++) {
		if (from[k] == n)
			continue;
		snprintf(path, sizeof path, "%s/points/%06zu.json", dirs[from[k]], k);
		char *b = slurp(path, &len);
		if (!b) {
			snprintf(err, errlen, "%s: cannot read", path);
			rc = -CS_EIO;
			break;
		}
		snprintf(path, sizeof path, "%s/points/%06zu.json", out, k);
		rc = put(path, b, len, err, errlen);
		free(b);
	}
	free(from);
	for (size_t f = 0; f < nsame; f++)
		free(first[f]);
	return rc;
}

int cs_sweep_merge(const char *const *dirs, size_t n, const char *out, char *err, size_t errlen)
{
	static const char *const same[] = { "sweep.json" };
	int rc = cs_sweep_merge_points(dirs, n, out, same, 1, 0, err, errlen);
	if (rc == 0)
		rc = cs_sweep_results_write(out, NULL, err, errlen);
	return rc;
}
