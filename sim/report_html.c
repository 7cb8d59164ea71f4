/* capsim: report.html and compare.html from a run's files (recorder.h).
 *
 * The page is one file: the summary table as HTML, the data as one JSON
 * object, Apache ECharts (third_party/echarts, embedded in the library at
 * build time) inlined, and a fixed script that draws the charts with it
 * (SVG renderer, no animation). The same files give the same bytes.
 */
#include "capsim/recorder.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

extern const unsigned char cs_echarts_js[];
extern const size_t cs_echarts_js_len;

/* ---- reading a run's files --------------------------------------------- */

typedef struct csv {
	char *buf;
	char ***rows;   /* rows[i][k]: field k of line i (line 0: the header) */
	size_t *nf;
	size_t n;
} csv;

static void csv_free(csv *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->rows[i]);
	free(c->rows);
	free(c->nf);
	free(c->buf);
	memset(c, 0, sizeof *c);
}

/* 1: read; 0: no such file; -CS_E*: error. */
static int csv_read(csv *c, const char *dir, const char *name, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s: %s", path, strerror(errno)), -CS_EIO);
	size_t cap = 1 << 16, len = 0, got;
	c->buf = malloc(cap + 1);
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
	if (!c->buf)
		goto oom;
	c->buf[len] = 0;
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += c->buf[i] == '\n';
	c->rows = calloc(lines + 2, sizeof *c->rows);
	c->nf = calloc(lines + 2, sizeof *c->nf);
	if (!c->rows || !c->nf)
		goto oom;
	for (char *s = c->buf; *s;) {
		char *e = strchr(s, '\n');
		if (e)
			*e = 0;
		size_t nf = 1;
		for (char *q = s; *q; q++)
			nf += *q == ',';
		char **fl = malloc(nf * sizeof *fl);
		if (!fl)
			goto oom;
		/* fields split in place; a quoted field (RFC 4180: the outputs
		 * quote names and host lists holding commas) loses its quotes */
		size_t k = 0;
		char *q = s;
		for (;;) {
			char *w = q;
			fl[k++] = w;
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
			} else {
				while (*q && *q != ',')
					*w++ = *q++;
			}
			int more = *q == ',';
			*w = 0;
			if (!more || k == nf)
				break;
			q++;
		}
		nf = k;
		c->rows[c->n] = fl;
		c->nf[c->n++] = nf;
		if (!e)
			break;
		s = e + 1;
	}
	return 1;
oom:
	csv_free(c);
	snprintf(err, errlen, "out of memory");
	return -CS_ENOMEM;
}

/* Column index of name in the header, or -1. */
static int csv_col(const csv *c, const char *name)
{
	for (size_t k = 0; c->n && k < c->nf[0]; k++)
		if (strcmp(c->rows[0][k], name) == 0)
			return (int)k;
	return -1;
}

static const char *fld(const csv *c, size_t i, int k)
{
	return k >= 0 && (size_t)k < c->nf[i] ? c->rows[i][k] : "";
}

static double num(const char *s) { return *s ? strtod(s, NULL) : 0; }

/* One run's data for the pages. */
typedef struct run_data {
	json_t *summary;    /* summary.json */
	json_t *d;          /* the page's data object */
	char name[256];
} run_data;

static double round_to(double v, double q) { return (double)(long long)(v / q + (v < 0 ? -0.5 : 0.5)) * q; }

static json_t *jr(double v) { return json_real(round_to(v, 1e-4)); }

/* Series of the machine over time, and utilization per node type. */
static int load_timeseries(run_data *rd, const char *dir, char *err, size_t errlen)
{
	csv c;
	int rc = csv_read(&c, dir, "timeseries.csv", err, errlen);
	if (rc <= 0)
		return rc;
	int ct = csv_col(&c, "t"), csc = csv_col(&c, "scope"), cn = csv_col(&c, "name");
	int cg = csv_col(&c, "gpus"), ck = csv_col(&c, "cores");
	int cgb = csv_col(&c, "gpus_busy"), ckb = csv_col(&c, "cores_busy");
	/* the machine's unit: GPUs if it has any, else cores (every row of a
	 * scope has the same capacity) */
	int gpu = 0;
	for (size_t i = 1; i < c.n && !gpu; i++)
		gpu = num(fld(&c, i, cg)) > 0;
	const char *u = gpu ? "gpu" : "core";
	int ccap = gpu ? cg : ck, cb = gpu ? cgb : ckb;
	char col[64];
	snprintf(col, sizeof col, "queued_%ss", u);
	int cd = csv_col(&c, col);
	snprintf(col, sizeof col, "fragmented_%ss", u);
	int cf = csv_col(&c, col);
	int cq = csv_col(&c, "queued_jobs"), cr = csv_col(&c, "running_jobs"), cp = csv_col(&c, "power_w");
	json_t *m = json_object(), *t = json_array(), *busy = json_array(), *q = json_array(), *dem = json_array(),
	       *frag = json_array(), *pw = json_array(), *run = json_array(), *types = json_array();
	double t0 = c.n > 1 ? num(fld(&c, 1, ct)) : 0, cap = 0;
	for (size_t i = 1; i < c.n; i++) {
		const char *sc = fld(&c, i, csc);
		if (strcmp(sc, "machine") == 0) {
			cap = num(fld(&c, i, ccap));
			json_array_append_new(t, jr((num(fld(&c, i, ct)) - t0) / 86400.0));
			json_array_append_new(busy, jr(num(fld(&c, i, cb))));
			json_array_append_new(q, json_integer((json_int_t)num(fld(&c, i, cq))));
			json_array_append_new(dem, json_integer((json_int_t)num(fld(&c, i, cd))));
			json_array_append_new(frag, json_integer((json_int_t)num(fld(&c, i, cf))));
			json_array_append_new(run, json_integer((json_int_t)num(fld(&c, i, cr))));
			if (cp >= 0)
				json_array_append_new(pw, jr(num(fld(&c, i, cp)) / 1000.0));
		} else if (strcmp(sc, "node_type") == 0) {
			const char *name = fld(&c, i, cn);
			/* a node type without GPUs: its cores */
			double tg = num(fld(&c, i, cg));
			double tc = tg > 0 ? tg : num(fld(&c, i, ck));
			int tb = tg > 0 ? cgb : ckb;
			json_t *ty = NULL;
			size_t k;
			json_t *v;
			json_array_foreach(types, k, v)
				if (strcmp(json_string_value(json_object_get(v, "name")), name) == 0)
					ty = v;
			if (!ty) {
				ty = json_object();
				json_object_set_new(ty, "name", json_string(name));
				json_object_set_new(ty, "util", json_array());
				json_array_append_new(types, ty);
			}
			json_array_append_new(json_object_get(ty, "util"),
					      jr(tc > 0 ? num(fld(&c, i, tb)) / tc : 0));
		}
	}
	json_object_set_new(m, "unit", json_string(gpu ? "GPUs" : "cores"));
	json_object_set_new(m, "capacity", json_real(cap));
	json_object_set_new(m, "t", t);
	json_object_set_new(m, "busy", busy);
	json_object_set_new(m, "queued", q);
	json_object_set_new(m, "demand", dem);
	json_object_set_new(m, "frag", frag);
	json_object_set_new(m, "running", run);
	json_object_set_new(m, "power_kw", pw);
	json_object_set_new(m, "types", types);
	json_object_set_new(rd->d, "ts", m);
	csv_free(&c);
	return 0;
}

static int cmp_time(const void *a, const void *b)
{
	cs_time x = *(const cs_time *)a, y = *(const cs_time *)b;
	return x < y ? -1 : x > y;
}

/* The wait-time CDF from jobs.csv, at most 400 points (quantiles). */
static int load_waits(run_data *rd, const char *dir, char *err, size_t errlen)
{
	csv c;
	int rc = csv_read(&c, dir, "jobs.csv", err, errlen);
	if (rc <= 0)
		return rc;
	int cw = csv_col(&c, "wait"), cs = csv_col(&c, "start");
	cs_time *w = malloc((c.n + 1) * sizeof *w);
	if (!w) {
		csv_free(&c);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	size_t n = 0;
	for (size_t i = 1; i < c.n; i++)
		if (c.nf[i] > 1 && num(fld(&c, i, cs)) >= 0)
			w[n++] = (cs_time)num(fld(&c, i, cw));
	qsort(w, n, sizeof *w, cmp_time);
	json_t *pts = json_array();
	size_t npts = n < 400 ? n : 400;
	for (size_t k = 0; k < npts; k++) {
		size_t i = npts > 1 ? k * (n - 1) / (npts - 1) : 0;
		json_t *p = json_array();
		json_array_append_new(p, jr((double)w[i] / 3600.0));
		json_array_append_new(p, jr((double)(i + 1) / (double)n));
		json_array_append_new(pts, p);
	}
	json_object_set_new(rd->d, "cdf", pts);
	free(w);
	csv_free(&c);
	return 0;
}

/* The 30 largest projects: usage and entitlement, hours. */
static int load_projects(run_data *rd, const char *dir, char *err, size_t errlen)
{
	csv c;
	int rc = csv_read(&c, dir, "projects.csv", err, errlen);
	if (rc <= 0)
		return rc;
	/* shares and entitlements count GPU-hours on a machine with GPUs, else
	 * core-hours (docs/outputs.md) */
	int cg = csv_col(&c, "gpu_hours"), ce = csv_col(&c, "entitled_hours");
	double gsum = 0;
	for (size_t i = 1; i < c.n; i++)
		gsum += num(fld(&c, i, cg));
	int cu = gsum > 0 ? cg : csv_col(&c, "core_hours");
	json_t *names = json_array(), *used = json_array(), *ent = json_array();
	for (size_t i = 1; i < c.n && i <= 30; i++) {
		if (c.nf[i] < 2)
			continue;
		json_array_append_new(names, json_string(fld(&c, i, 0)));
		json_array_append_new(used, jr(num(fld(&c, i, cu))));
		json_array_append_new(ent, jr(num(fld(&c, i, ce))));
	}
	json_t *p = json_object();
	json_object_set_new(p, "names", names);
	json_object_set_new(p, "used", used);
	json_object_set_new(p, "entitled", ent);
	json_object_set_new(rd->d, "projects", p);
	csv_free(&c);
	return 0;
}

/* The node occupancy heatmap: [column, row, share] for non-zero cells. */
static int load_occupancy(run_data *rd, const char *dir, char *err, size_t errlen)
{
	csv c;
	int rc = csv_read(&c, dir, "occupancy.csv", err, errlen);
	if (rc <= 0)
		return rc;
	json_t *cols = json_array(), *rows = json_array(), *cells = json_array();
	double t0 = c.nf[0] > 2 ? num(c.rows[0][2]) : 0;
	for (size_t k = 2; k < c.nf[0]; k++)
		json_array_append_new(cols, jr((num(c.rows[0][k]) - t0) / 86400.0));
	for (size_t i = 1; i < c.n; i++) {
		if (c.nf[i] < 2)
			continue;
		char lab[160];
		snprintf(lab, sizeof lab, "%s %s", fld(&c, i, 1), fld(&c, i, 0));
		json_array_append_new(rows, json_string(lab));
		for (size_t k = 2; k < c.nf[i]; k++) {
			double v = num(c.rows[i][k]);
			if (v <= 0)
				continue;
			json_t *cell = json_array();
			json_array_append_new(cell, json_integer((json_int_t)(k - 2)));
			json_array_append_new(cell, json_integer((json_int_t)(json_array_size(rows) - 1)));
			json_array_append_new(cell, json_real(round_to(v, 0.01)));
			json_array_append_new(cells, cell);
		}
	}
	json_t *h = json_object();
	json_object_set_new(h, "cols", cols);
	json_object_set_new(h, "rows", rows);
	json_object_set_new(h, "cells", cells);
	json_object_set_new(rd->d, "heat", h);
	csv_free(&c);
	return 0;
}

static void run_data_free(run_data *rd)
{
	json_decref(rd->summary);
	json_decref(rd->d);
	rd->summary = rd->d = NULL;
}

static int run_data_load(run_data *rd, const char *dir, const char *name, int full, char *err, size_t errlen)
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
	int rc = load_timeseries(rd, dir, err, errlen);
	if (rc == 0)
		rc = load_waits(rd, dir, err, errlen);
	if (rc == 0 && full)
		rc = load_projects(rd, dir, err, errlen);
	if (rc == 0 && full)
		rc = load_occupancy(rd, dir, err, errlen);
	if (rc < 0)
		run_data_free(rd);
	return rc;
}

/* ---- writing the pages --------------------------------------------------- */

static void html_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

/* A value of summary.json at a dotted path, as text ("" if absent). */
static void sval(const json_t *root, const char *path, char *buf, size_t len)
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
	if (!v || json_is_null(v))
		snprintf(buf, len, "%s", "");
	else if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%.4g", json_real_value(v));
	else
		snprintf(buf, len, "%s", "");
}

static const char *const table_rows[][2] = {
	{ "workload", "workload" },
	{ "policy", "policy" },
	{ "cluster", "machine.cluster" },
	{ "processors / GPUs", "recorder.capacity" },
	{ "jobs", "jobs" },
	{ "makespan (s)", "makespan" },
	{ "utilization", "utilization" },
	{ "core utilization", "recorder.core_utilization" },
	{ "mean wait (s)", "mean_wait" },
	{ "p95 wait (s)", "p95_wait" },
	{ "mean bounded slowdown", "mean_bounded_slowdown" },
	{ "backfilled jobs", "backfilled_jobs" },
	{ "projects", "recorder.projects" },
	{ "Jain's fairness (usage / entitlement)", "recorder.jain_fairness" },
	{ "mean fragmented", "recorder.fragmentation.mean_fragmented" },
	{ "energy (kWh, IT)", "recorder.energy_kwh" },
	{ "mean power (kW, IT)", "recorder.mean_power_kw" },
	{ "capsim version", "inputs.capsim_version" },
	{ "command", "inputs.command" },
};
#define NTABLE (sizeof table_rows / sizeof table_rows[0])

static const char style[] =
	"body{font-family:'DejaVu Sans',sans-serif;margin:20px;color:#222}"
	"h1{font-size:20px}h2{font-size:16px;margin-top:24px}"
	"table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
	"td.cmd{font-family:monospace;font-size:11px;max-width:900px;word-break:break-all}"
	".chart{width:1000px;height:340px;margin:8px 0}.tall{height:560px}";

static void page_head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
	html_text(f, title);
	fprintf(f, "</title>\n<style>%s</style>\n<script>\n", style);
	/* Apache ECharts, Apache License 2.0 (third_party/echarts/LICENSE) */
	fwrite(cs_echarts_js, 1, cs_echarts_js_len, f);
	fputs("\n</script>\n</head>\n<body>\n", f);
}

static void page_data(FILE *f, json_t *d)
{
	char *s = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ESCAPE_SLASH | JSON_REAL_PRECISION(6));
	fputs("<script>\nconst D = ", f);
	fputs(s ? s : "{}", f);
	fputs(";\n</script>\n", f);
	free(s);
}

/* The charts of one run; ids chart-util, chart-queue, chart-wait,
 * chart-projects, chart-heatmap (the last only on a node model). */
static const char report_js[] =
	"<script>\n"
	"(function(){\n"
	"const opt={renderer:'svg'};\n"
	"function mk(id,o){const el=document.getElementById(id);if(!el)return;o.animation=false;"
	"if(o.title)o.title.textStyle={fontSize:14};if(o.legend)o.legend.top=30;"
	"o.tooltip=o.tooltip||{trigger:'axis'};echarts.init(el,null,opt).setOption(o);}\n"
	"function xy(t,v){return t.map((x,i)=>[x,v[i]]);}\n"
	"const ts=D.ts||{t:[],busy:[],types:[],queued:[],demand:[],frag:[],power_kw:[]};\n"
	"const cap=ts.capacity||1;\n"
	"const us=[{name:'machine',type:'line',showSymbol:false,data:xy(ts.t,ts.busy.map(b=>b/cap))}];\n"
	"ts.types.forEach(ty=>us.push({name:ty.name,type:'line',showSymbol:false,lineStyle:{width:1},data:xy(ts.t,ty.util)}));\n"
	"mk('chart-util',{title:{text:'Utilization over time ('+ts.unit+' busy / capacity)'},legend:{top:24},grid:{top:70},"
	"xAxis:{type:'value',name:'days'},yAxis:{type:'value',min:0,max:1},series:us});\n"
	"mk('chart-queue',{title:{text:'Queue: jobs waiting and queued demand'},legend:{top:24},grid:{top:70},"
	"xAxis:{type:'value',name:'days'},yAxis:[{type:'value',name:'jobs'},{type:'value',name:ts.unit}],"
	"series:[{name:'queued jobs',type:'line',showSymbol:false,data:xy(ts.t,ts.queued)},"
	"{name:'queued '+ts.unit,type:'line',showSymbol:false,yAxisIndex:1,data:xy(ts.t,ts.demand)},"
	"{name:'fragmented '+ts.unit,type:'line',showSymbol:false,yAxisIndex:1,data:xy(ts.t,ts.frag)}]});\n"
	"if(ts.power_kw.length)mk('chart-power',{title:{text:'IT power (kW)'},xAxis:{type:'value',name:'days'},"
	"yAxis:{type:'value',min:0},series:[{name:'power',type:'line',showSymbol:false,data:xy(ts.t,ts.power_kw)}]});\n"
	"mk('chart-wait',{title:{text:'Wait time CDF'},xAxis:{type:'log',name:'wait (h)',min:0.001},"
	"yAxis:{type:'value',min:0,max:1},series:[{name:'jobs',type:'line',step:'end',showSymbol:false,"
	"data:(D.cdf||[]).map(p=>[Math.max(p[0],0.001),p[1]])}]});\n"
	"if(D.projects)mk('chart-projects',{title:{text:'Largest projects: usage and entitlement ('+ts.unit.replace(/s$/,'')+'-hours)'},"
	"legend:{top:24},grid:{top:64,bottom:120},tooltip:{trigger:'axis'},"
	"xAxis:{type:'category',data:D.projects.names,axisLabel:{rotate:60,fontSize:9}},yAxis:{type:'value'},"
	"series:[{name:'used',type:'bar',data:D.projects.used},{name:'entitled',type:'bar',data:D.projects.entitled}]});\n"
	"if(D.heat)mk('chart-heatmap',{title:{text:'Node occupancy (share allocated)'},tooltip:{position:'top'},"
	"grid:{left:130,top:40,bottom:70},xAxis:{type:'category',data:D.heat.cols,name:'days',axisLabel:{fontSize:9}},"
	"yAxis:{type:'category',data:D.heat.rows,axisLabel:{fontSize:8}},"
	"visualMap:{min:0,max:1,calculable:false,orient:'horizontal',left:'center',bottom:0},"
	"series:[{type:'heatmap',data:D.heat.cells,progressive:0}]});\n"
	"})();\n"
	"</script>\n";

static FILE *open_page(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (!f)
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
	return f;
}

static int close_page(FILE *f, const char *path, char *err, size_t errlen)
{
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		snprintf(err, errlen, "%s: write failed", path);
		return -CS_EIO;
	}
	return 0;
}

int cs_report_html(const char *dir, char *err, size_t errlen)
{
	return cs_report_html_named(dir, NULL, err, errlen);
}

int cs_report_html_named(const char *dir, const char *name, char *err, size_t errlen)
{
	run_data rd;
	int rc = run_data_load(&rd, dir, name, 1, err, errlen);
	if (rc < 0)
		return rc;
	char path[4096], v[4096];
	snprintf(path, sizeof path, "%s/report.html", dir);
	FILE *f = open_page(path, err, errlen);
	if (!f) {
		run_data_free(&rd);
		return -CS_EIO;
	}
	char title[4400];
	sval(rd.summary, "policy", v, sizeof v);
	snprintf(title, sizeof title, "capsim report: %s (%s)", rd.name, v);
	page_head(f, title);
	fputs("<h1>", f);
	html_text(f, title);
	fputs("</h1>\n<h2>Summary</h2>\n<table id=\"summary\">\n", f);
	for (size_t i = 0; i < NTABLE; i++) {
		sval(rd.summary, table_rows[i][1], v, sizeof v);
		if (!*v)
			continue;
		fputs("<tr><th>", f);
		html_text(f, table_rows[i][0]);
		fputs(strcmp(table_rows[i][1], "inputs.command") ? "</th><td>" : "</th><td class=\"cmd\">", f);
		html_text(f, v);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	fputs("<h2>Over time</h2>\n<div id=\"chart-util\" class=\"chart\"></div>\n"
	      "<div id=\"chart-queue\" class=\"chart\"></div>\n", f);
	const json_t *pw = json_object_get(json_object_get(rd.d, "ts"), "power_kw");
	if (pw && json_array_size(pw))
		fputs("<div id=\"chart-power\" class=\"chart\"></div>\n", f);
	fputs("<h2>Waiting</h2>\n<div id=\"chart-wait\" class=\"chart\"></div>\n"
	      "<h2>Projects</h2>\n<div id=\"chart-projects\" class=\"chart tall\"></div>\n", f);
	if (json_object_get(rd.d, "heat"))
		fputs("<h2>Nodes</h2>\n<div id=\"chart-heatmap\" class=\"chart tall\"></div>\n", f);
	page_data(f, rd.d);
	fputs(report_js, f);
	fputs("</body>\n</html>\n", f);
	run_data_free(&rd);
	return close_page(f, path, err, errlen);
}

/* ---- compare ------------------------------------------------------------- */

static const char *const cmp_cols[][2] = {
	{ "policy", "policy" },
	{ "jobs", "jobs" },
	{ "capacity", "recorder.capacity" },
	{ "utilization", "utilization" },
	{ "mean wait s", "mean_wait" },
	{ "p95 wait s", "p95_wait" },
	{ "mean bsld", "mean_bounded_slowdown" },
	{ "jain", "recorder.jain_fairness" },
	{ "energy kWh", "recorder.energy_kwh" },
};
#define NCMP (sizeof cmp_cols / sizeof cmp_cols[0])

static const char compare_js[] =
	"<script>\n"
	"(function(){\n"
	"const opt={renderer:'svg'};\n"
	"function mk(id,o){o.animation=false;o.tooltip={trigger:'axis'};o.legend={top:30};o.grid={top:70};"
	"o.title.textStyle={fontSize:14};"
	"echarts.init(document.getElementById(id),null,opt).setOption(o);}\n"
	"function xy(t,v){return t.map((x,i)=>[x,v[i]]);}\n"
	"const R=D.runs;\n"
	"mk('chart-util',{title:{text:'Utilization over time'},xAxis:{type:'value',name:'days'},yAxis:{type:'value',min:0,max:1},"
	"series:R.map(r=>({name:r.name,type:'line',showSymbol:false,data:xy(r.ts.t,r.ts.busy.map(b=>b/(r.ts.capacity||1)))}))});\n"
	"mk('chart-queue',{title:{text:'Queued jobs'},xAxis:{type:'value',name:'days'},yAxis:{type:'value'},"
	"series:R.map(r=>({name:r.name,type:'line',showSymbol:false,data:xy(r.ts.t,r.ts.queued)}))});\n"
	"mk('chart-wait',{title:{text:'Wait time CDF'},xAxis:{type:'log',name:'wait (h)',min:0.001},yAxis:{type:'value',min:0,max:1},"
	"series:R.map(r=>({name:r.name,type:'line',step:'end',showSymbol:false,data:r.cdf.map(p=>[Math.max(p[0],0.001),p[1]])}))});\n"
	"})();\n"
	"</script>\n";

int cs_report_compare(const char *const *dirs, size_t n, const char *out_html, FILE *table,
		      char *err, size_t errlen)
{
	run_data *rd = calloc(n + 1, sizeof *rd);
	if (!rd) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	int rc = 0;
	size_t loaded = 0;
	for (; loaded < n && rc == 0; loaded++)
		rc = run_data_load(&rd[loaded], dirs[loaded], NULL, 0, err, errlen);
	if (rc < 0) {
		loaded--;
		goto out;
	}
	char v[4096];
	if (table) {
		fprintf(table, "%-24s", "run");
		for (size_t k = 0; k < NCMP; k++)
			fprintf(table, " %12s", cmp_cols[k][0]);
		fputc('\n', table);
		for (size_t i = 0; i < n; i++) {
			fprintf(table, "%-24s", rd[i].name);
			for (size_t k = 0; k < NCMP; k++) {
				sval(rd[i].summary, cmp_cols[k][1], v, sizeof v);
				fprintf(table, " %12s", *v ? v : "-");
			}
			fputc('\n', table);
		}
	}
	if (out_html) {
		FILE *f = open_page(out_html, err, errlen);
		if (!f) {
			rc = -CS_EIO;
			goto out;
		}
		page_head(f, "capsim compare");
		fputs("<h1>capsim compare</h1>\n<table id=\"compare\">\n<tr><th>run</th>", f);
		for (size_t k = 0; k < NCMP; k++) {
			fputs("<th>", f);
			html_text(f, cmp_cols[k][0]);
			fputs("</th>", f);
		}
		fputs("</tr>\n", f);
		json_t *d = json_object(), *runs = json_array();
		for (size_t i = 0; i < n; i++) {
			fputs("<tr><td>", f);
			html_text(f, rd[i].name);
			fputs("</td>", f);
			for (size_t k = 0; k < NCMP; k++) {
				sval(rd[i].summary, cmp_cols[k][1], v, sizeof v);
				fputs("<td>", f);
				html_text(f, v);
				fputs("</td>", f);
			}
			fputs("</tr>\n", f);
			json_array_append(runs, rd[i].d);
		}
		json_object_set_new(d, "runs", runs);
		fputs("</table>\n<div id=\"chart-util\" class=\"chart\"></div>\n"
		      "<div id=\"chart-queue\" class=\"chart\"></div>\n<div id=\"chart-wait\" class=\"chart\"></div>\n", f);
		page_data(f, d);
		json_decref(d);
		fputs(compare_js, f);
		fputs("</body>\n</html>\n", f);
		rc = close_page(f, out_html, err, errlen);
	}
out:
	for (size_t i = 0; i < loaded; i++)
		run_data_free(&rd[i]);
	free(rd);
	return rc;
}
