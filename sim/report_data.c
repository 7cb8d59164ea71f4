/* capsim: a run's files read into what the report pages draw
 * (report_data.h): summary.json, and from the CSV outputs the series,
 * waits, projects, fair share and occupancy as one JSON object. */
#include "report_data_int.h"
#include "capsim/csvout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void cs_report_csv_free(csv *c)
{
	free(c->fields);
	free(c->rows);
	free(c->nf);
	free(c->buf);
	free(c->slot);
	memset(c, 0, sizeof *c);
}

/* The file into c->buf (NUL-terminated): 1, 0 if there is no such file,
 * or -CS_E*. */
static int csv_slurp(csv *c, const char *dir, const char *name, char *err, size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s: %s", path, strerror(errno)), -CS_EIO);
	struct stat st;
	size_t cap = fstat(fileno(f), &st) == 0 && st.st_size > 0 ? (size_t)st.st_size + 1 : 1 << 16, len = 0, got;
	c->buf = malloc(cap + 1); /* (the file's size and one: a read that fills it finds the end) */
	while (c->buf && (got = fread(c->buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			char *nb = realloc(c->buf, 2 * cap + 1);
			if (!nb) {
				free(c->buf);
				c->buf = NULL;
				break;
			}
			c->buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!c->buf) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	c->buf[len] = 0;
	return 1;
}

/* Split the line at s (NUL-terminated) in place: field k into fl[slot[k]]
 * (every field into fl[k] without slots; a field past the slots, or in
 * none, is passed over). A quoted field (RFC 4180: the outputs quote names
 * and host lists holding commas) loses its quotes. Returns the fields;
 * with slots, past the last kept column (last) the rest of the line is
 * not looked at and the count is ncols. */
static size_t split_line(char *s, char **fl, const int *slot, size_t ncols, size_t last)
{
	size_t k = 0;
	char *q = s;
	for (;;) {
		if (slot && k > last)
			return ncols > k ? ncols : k;
		int keep = !slot || (k < ncols && slot[k] >= 0);
		char *w = q;
		if (keep)
			fl[slot ? (size_t)slot[k] : k] = w;
		k++;
		if (*q == '"') {
			for (q++; *q; q++) {
				if (*q == '"' && q[1] == '"')
					q++;
				else if (*q == '"') {
					q++;
					break;
				}
				*w++ = *q;
			}
			while (*q && *q != ',')
				q++;
		} else if (keep) {
			while (*q && *q != ',')
				*w++ = *q++;
		} else {
			while (*q && *q != ',') /* short fields: no call */
				q++;
			w = q;
		}
		int more = *q == ',';
		if (keep)
			*w = 0;
		if (!more)
			return k;
		q++;
	}
}

/* Read a run's CSV file: its header, and of every other line the columns
 * named in want (NULL-terminated; NULL: every column). 1: read; 0: no such
 * file; -CS_E*: error. */
int cs_report_csv_read_cols(csv *c, const char *dir, const char *name, const char *const *want, char *err,
			    size_t errlen)
{
	memset(c, 0, sizeof *c);
	int rc = csv_slurp(c, dir, name, err, errlen);
	if (rc <= 0 || !*c->buf)
		return rc; /* (an empty file: no lines) */
	size_t lines = 0, commas = 0, last = 0;
	for (const char *q = c->buf; (q = strchr(q, '\n')) != NULL; q++)
		lines++;
	/* the header: every column, its commas counted */
	char *s = c->buf, *e = strchr(s, '\n');
	if (e)
		*e = 0;
	for (const char *q = s; *q; q++)
		commas += *q == ',';
	char **head = malloc((commas + 1) * sizeof *head);
	c->rows = calloc(lines + 2, sizeof *c->rows);
	c->nf = calloc(lines + 2, sizeof *c->nf);
	if (!head || !c->rows || !c->nf)
		goto oom;
	c->ncols = split_line(s, head, NULL, 0, 0);
	if (want) {
		c->slot = malloc((c->ncols + 1) * sizeof *c->slot);
		if (!c->slot)
			goto oom;
		for (size_t k = 0; k < c->ncols; k++) {
			c->slot[k] = -1;
			for (size_t w = 0; want[w]; w++)
				if (strcmp(head[k], want[w]) == 0) {
					c->slot[k] = (int)c->nslots++;
					last = k;
				}
		}
	} else {
		commas = 0;
		for (const char *q = c->buf + (e ? (size_t)(e - c->buf) + 1 : strlen(c->buf)); *q; q++)
			commas += *q == ',';
		c->nslots = 0; /* every line holds its commas + 1 */
	}
	size_t nfields = want ? (lines + 1) * c->nslots : lines + commas + 2;
	c->fields = malloc((nfields + c->ncols + 1) * sizeof *c->fields);
	if (!c->fields)
		goto oom;
	memcpy(c->fields, head, c->ncols * sizeof *head);
	free(head);
	head = NULL;
	c->rows[0] = c->fields;
	c->nf[0] = c->ncols;
	c->n = 1;
	char **fl = c->fields + c->ncols;
	for (s = e ? e + 1 : NULL; s && *s;) {
		e = strchr(s, '\n');
		if (e)
			*e = 0;
		size_t k = split_line(s, fl, c->slot, c->ncols, last);
		c->rows[c->n] = fl;
		c->nf[c->n++] = k;
		fl += want ? c->nslots : k;
		s = e ? e + 1 : NULL;
	}
	return 1;
oom:
	free(head);
	cs_report_csv_free(c);
	snprintf(err, errlen, "out of memory");
	return -CS_ENOMEM;
}

int cs_report_csv_read(csv *c, const char *dir, const char *name, char *err, size_t errlen)
{
	return cs_report_csv_read_cols(c, dir, name, NULL, err, errlen);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Projects (projects.csv): their service (delivered / fair share) as a
 * CDF over projects (D.service.cdf, at most 400 points) and, with full,
 * per project [fair share, service] for the scatter and the 30 largest
 * projects' delivered and fair-share hours (D.projects). */
static int load_projects(run_data *rd, const char *dir, int full, char *err, size_t errlen)
{
	csv c;
	int rc = cs_report_csv_read(&c, dir, "projects.csv", err, errlen);
	if (rc <= 0)
		return rc;
	/* shares and entitlements count GPU-hours on a machine with GPUs, else
	 * core-hours (docs/outputs.md) */
	int cg = csv_col(&c, "gpu_hours"), cf = csv_col(&c, "fair_hours"), cx = csv_col(&c, "service");
	double gsum = 0;
	for (size_t i = 1; i < c.n; i++)
		gsum += num(fld(&c, i, cg));
	int cu = gsum > 0 ? cg : csv_col(&c, "core_hours");
	const char *unit = gsum > 0 ? "GPU-hours" : "core-hours";
	/* with TRESBillingWeights the fair shares are billing-unit-hours, and
	 * so is what was delivered (docs/fairshare.md#billing) */
	const json_t *fu = cs_report_json_at(rd->summary, "recorder.fairness.unit");
	if (fu && json_is_string(fu) && strcmp(json_string_value(fu), "billing") == 0 &&
	    csv_col(&c, "billed_hours") >= 0) {
		cu = csv_col(&c, "billed_hours");
		unit = "billing-unit-hours";
	}
	double *xs = malloc((c.n + 1) * sizeof *xs);
	if (!xs) {
		cs_report_csv_free(&c);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	json_t *names = json_array(), *used = json_array(), *fair = json_array(), *pts = json_array();
	size_t nx = 0;
	for (size_t i = 1; i < c.n; i++) {
		if (c.nf[i] < 2)
			continue;
		if (full && json_array_size(names) < 30) {
			json_array_append_new(names, json_string(fld(&c, i, 0)));
			json_array_append_new(used, jr(num(fld(&c, i, cu))));
			json_array_append_new(fair, jr(num(fld(&c, i, cf))));
		}
		if (cx < 0 || !*fld(&c, i, cx))
			continue; /* no fair share: nothing to serve */
		double x = num(fld(&c, i, cx));
		xs[nx++] = x;
		if (full) {
			json_t *pt = json_array();
			json_array_append_new(pt, jr(num(fld(&c, i, cf))));
			json_array_append_new(pt, jr(x));
			json_array_append_new(pt, json_string(fld(&c, i, 0)));
			json_array_append_new(pts, pt);
		}
	}
	qsort(xs, nx, sizeof *xs, cmp_double);
	json_t *cdf = json_array();
	size_t npts = nx < 400 ? nx : 400;
	for (size_t k = 0; k < npts; k++) {
		size_t i = npts > 1 ? k * (nx - 1) / (npts - 1) : 0;
		json_t *pt = json_array();
		json_array_append_new(pt, jr(xs[i]));
		json_array_append_new(pt, jr((double)(i + 1) / (double)nx));
		json_array_append_new(cdf, pt);
	}
	json_t *sv = json_object();
	json_object_set_new(sv, "cdf", cdf);
	json_object_set_new(sv, "points", pts);
	json_object_set_new(sv, "unit", json_string(unit));
	json_object_set_new(rd->d, "service", sv);
	if (full) {
		json_t *p = json_object();
		json_object_set_new(p, "names", names);
		json_object_set_new(p, "used", used);
		json_object_set_new(p, "fair", fair);
		json_object_set_new(p, "unit", json_string(unit));
		json_object_set_new(rd->d, "projects", p);
	} else {
		json_decref(names);
		json_decref(used);
		json_decref(fair);
	}
	free(xs);
	cs_report_csv_free(&c);
	return 0;
}

/* The fair-share windows (fairness.csv): per window its start, the
 * distance from fair share, the share of its projects under-served and
 * Jain's index over their service: D.fair. */
static int load_fairness(run_data *rd, const char *dir, char *err, size_t errlen)
{
	csv c;
	int rc = cs_report_csv_read(&c, dir, "fairness.csv", err, errlen);
	if (rc <= 0)
		return rc;
	int ct = csv_col(&c, "t"), cl = csv_col(&c, "length_s"), cd = csv_col(&c, "distance"),
	    cj = csv_col(&c, "jain"), cp = csv_col(&c, "projects"), cu = csv_col(&c, "under_served_projects");
	json_t *t = json_array(), *dist = json_array(), *under = json_array(), *jain = json_array();
	double len = 0;
	for (size_t i = 1; i < c.n; i++) {
		if (c.nf[i] < 2)
			continue;
		if (i == 1)
			len = num(fld(&c, i, cl));
		double np = num(fld(&c, i, cp));
		json_array_append_new(t, json_integer((json_int_t)num(fld(&c, i, ct))));
		json_array_append_new(dist, np > 0 ? jr(num(fld(&c, i, cd))) : json_null());
		json_array_append_new(under, np > 0 ? jr(num(fld(&c, i, cu)) / np) : json_null());
		json_array_append_new(jain, *fld(&c, i, cj) ? jr(num(fld(&c, i, cj))) : json_null());
	}
	json_t *f = json_object();
	json_object_set_new(f, "window_s", json_integer((json_int_t)len));
	json_object_set_new(f, "t", t);
	json_object_set_new(f, "distance", dist);
	json_object_set_new(f, "under", under);
	json_object_set_new(f, "jain", jain);
	json_object_set_new(rd->d, "fair", f);
	cs_report_csv_free(&c);
	return 0;
}

size_t cs_report_share_json(char *buf, double v)
{
	double k = (double)(long long)(v / 0.01 + (v < 0 ? -0.5 : 0.5)); /* round_to(v, 0.01) / 0.01 */
	if (!(k >= 0 && k < 1e6)) {
		/* (not a share of a node) jansson's own text */
		json_t *r = json_real(round_to(v, 0.01));
		char *s = json_dumps(r, JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));
		size_t n = s ? strlen(s) : 0;
		memcpy(buf, s ? s : "", n);
		free(s);
		json_decref(r);
		return n;
	}
	/* k hundredths has at most six significant digits, all of them in
	 * "%.6g", which drops trailing zeros; jansson then adds ".0" to a
	 * whole number */
	long long h = (long long)k;
	char *p = cs_put_int(buf, h / 100);
	*p++ = '.';
	*p++ = (char)('0' + h / 10 % 10);
	if (h % 10)
		*p++ = (char)('0' + h % 10);
	return (size_t)(p - buf);
}

/* The node occupancy heatmap: [column, row, share] for non-zero cells,
 * the cells as text (rd->heat_cells) for the page to write as they are:
 * they are most of it (a year: over a hundred thousand). */
static int load_occupancy(run_data *rd, const char *dir, char *err, size_t errlen)
{
	csv c;
	int rc = cs_report_csv_read(&c, dir, "occupancy.csv", err, errlen);
	if (rc <= 0)
		return rc;
	json_t *cols = json_array(), *rows = json_array(), *types = json_array();
	for (size_t k = 2; k < c.nf[0]; k++)
		json_array_append_new(cols, json_integer((json_int_t)num(c.rows[0][k])));
	size_t cap = 4096, len = 0, nrows = 0;
	char *cells = malloc(cap);
	if (cells)
		cells[len++] = '[';
	for (size_t i = 1; cells && i < c.n; i++) {
		if (c.nf[i] < 2)
			continue;
		json_array_append_new(rows, json_string(fld(&c, i, 0)));
		json_array_append_new(types, json_string(fld(&c, i, 1)));
		for (size_t k = 2; cells && k < c.nf[i]; k++) {
			double v = num(c.rows[i][k]);
			if (v <= 0)
				continue;
			if (cap - len < 3 * CS_PUT_INT_MAX + 400) {
				char *nc = realloc(cells, 2 * cap);
				if (!nc) {
					free(cells);
					cells = NULL;
					break;
				}
				cells = nc;
				cap *= 2;
			}
			char *p = cells + len;
			if (len > 1)
				*p++ = ',';
			*p++ = '[';
			p = cs_put_int(p, (int64_t)(k - 2));
			*p++ = ',';
			p = cs_put_int(p, (int64_t)nrows);
			*p++ = ',';
			p += cs_report_share_json(p, v);
			*p++ = ']';
			len = (size_t)(p - cells);
		}
		nrows++;
	}
	if (!cells) {
		json_decref(cols);
		json_decref(rows);
		json_decref(types);
		cs_report_csv_free(&c);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	cells[len++] = ']';
	json_t *h = json_object();
	json_object_set_new(h, "cols", cols);
	json_object_set_new(h, "rows", rows);
	json_object_set_new(h, "types", types);
	json_object_set_new(rd->d, "heat", h);
	rd->heat_cells = cells;
	rd->heat_len = len;
	cs_report_csv_free(&c);
	return 0;
}

void cs_run_data_free(run_data *rd)
{
	json_decref(rd->summary);
	json_decref(rd->d);
	free(rd->heat_cells);
	rd->summary = rd->d = NULL;
	rd->heat_cells = NULL;
}

int cs_run_data_load(run_data *rd, const char *dir, const char *name, int full, const cs_report_rows *rows,
		     char *err, size_t errlen)
{
	memset(rd, 0, sizeof *rd);
	char path[4096];
	snprintf(path, sizeof path, "%s/summary.json", dir);
	json_error_t je;
	rd->summary = json_load_file(path, 0, &je);
	if (!rd->summary) {
		snprintf(err, errlen, "%s: not a capsim run directory (summary.json: %s)", dir, je.text);
		return -CS_EIO;
	}
	const char *s = strrchr(dir, '/');
	while (s && s[1] == 0 && s > dir) { /* "dir/" */
		const char *p = s - 1;
		while (p > dir && *p != '/')
			p--;
		s = *p == '/' ? p : NULL;
	}
	snprintf(rd->name, sizeof rd->name, "%s", name ? name : s ? s + 1 : dir);
	size_t l = strlen(rd->name);
	if (l && rd->name[l - 1] == '/')
		rd->name[l - 1] = 0;
	rd->d = json_object();
	json_object_set_new(rd->d, "name", json_string(rd->name));
	/* the calendar: x axes in dates where the workload has an epoch */
	json_t *ep = json_object_get(rd->summary, "epoch");
	json_object_set_new(rd->d, "epoch", json_is_integer(ep) ? json_integer(json_integer_value(ep)) : json_null());
	int rc = cs_report_load_timeseries(rd, dir, rows ? rows->rec : NULL, err, errlen);
	if (rc == 0)
		rc = load_projects(rd, dir, full, err, errlen);
	if (rc == 0)
		rc = cs_report_load_waits(rd, dir, full, rows, err, errlen);
	if (rc == 0)
		rc = load_fairness(rd, dir, err, errlen);
	if (rc == 0 && full)
		rc = load_occupancy(rd, dir, err, errlen);
	if (rc == 0 && full)
		rc = cs_report_load_power(rd, dir, rows, err, errlen);
	if (rc == 0 && full)
		rc = cs_report_load_storage(rd, dir, rows, err, errlen);
	if (rc < 0)
		cs_run_data_free(rd);
	return rc;
}

/* A value of summary.json at a dotted path, or NULL. */
const json_t *cs_report_json_at(const json_t *root, const char *path)
{
	char key[128];
	const json_t *v = root;
	const char *p = path;
	while (v && *p) {
		const char *dot = strchr(p, '.');
		size_t kl = dot ? (size_t)(dot - p) : strlen(p);
		snprintf(key, sizeof key, "%.*s", (int)kl, p);
		v = json_object_get(v, key);
		p = dot ? dot + 1 : p + kl;
	}
	return v && !json_is_null(v) ? v : NULL;
}

int cs_report_json_num(const json_t *root, const char *path, double *out)
{
	const json_t *v = cs_report_json_at(root, path);
	if (!v || !json_is_number(v))
		return 0;
	*out = json_number_value(v);
	return 1;
}
