/* capsim: report.html and compare.html (report.h), from a run's files as
 * sim/report_data.c reads them.
 *
 * The page is one file: the summary table as HTML, the data as one JSON
 * object, Apache ECharts (third_party/echarts, embedded in the library at
 * build time) inlined, and a fixed script that draws the charts with it
 * (SVG renderer, no animation). The same files give the same bytes.
 */
#include "report_data.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

extern const unsigned char cs_echarts_js[];
extern const size_t cs_echarts_js_len;

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

void cs_report_html_text(FILE *f, const char *s) { html_text(f, s); }

/* ---- numbers as a person reads them (docs/outputs.md) ---------------------- */

/* An integer with thousands separators: 358,125. */
static void fmt_int(char *b, size_t len, double v)
{
	char d[32];
	snprintf(d, sizeof d, "%.0f", v < 0 ? -v : v);
	size_t n = strlen(d), o = 0;
	if (v < 0 && o + 1 < len)
		b[o++] = '-';
	for (size_t i = 0; i < n && o + 1 < len; i++) {
		if (i && (n - i) % 3 == 0 && o + 1 < len)
			b[o++] = ',';
		b[o++] = d[i];
	}
	b[o < len ? o : len - 1] = 0;
}

/* A duration in seconds, in the unit that reads best: 45 s, 31.6 min,
 * 3.3 h, 12.4 days (hours from one hour, days from two). */
static void fmt_dur(char *b, size_t len, double s)
{
	if (s < 120)
		snprintf(b, len, "%.0f s", s);
	else if (s < 3600)
		snprintf(b, len, "%.1f min", s / 60);
	else if (s < 172800)
		snprintf(b, len, "%.1f h", s / 3600);
	else
		snprintf(b, len, "%.1f days", s / 86400);
}

enum { K_TEXT, K_INT, K_DUR, K_PCT, K_NUM, K_KWH, K_KW, K_CMD };

/* One summary value, formatted by kind; 0 if summary.json lacks it. The
 * exact figure (seconds, the ratio) goes to *exact for a tooltip. */
static int fmt_value(const json_t *sm, const char *path, int kind, char *b, size_t len, char *exact, size_t elen)
{
	*exact = 0;
	const json_t *v = cs_report_json_at(sm, path);
	if (!v)
		return 0;
	if (json_is_string(v)) {
		snprintf(b, len, "%s", json_string_value(v));
		return *b != 0;
	}
	if (!json_is_number(v))
		return 0;
	double x = json_number_value(v);
	char e[64];
	switch (kind) {
	case K_INT: fmt_int(b, len, x); break;
	case K_DUR:
		fmt_dur(b, len, x);
		fmt_int(e, sizeof e, x);
		snprintf(exact, elen, "%s s", e);
		break;
	case K_PCT:
		snprintf(b, len, "%.1f %%", 100 * x);
		snprintf(exact, elen, "%.6f", x);
		break;
	case K_KWH:
		if (x >= 1e6)
			snprintf(b, len, "%.2f GWh", x / 1e6);
		else if (x >= 1e3)
			snprintf(b, len, "%.1f MWh", x / 1e3);
		else
			snprintf(b, len, "%.1f kWh", x);
		break;
	case K_KW:
		if (x >= 1e3)
			snprintf(b, len, "%.2f MW", x / 1e3);
		else
			snprintf(b, len, "%.0f kW", x);
		break;
	default:
		if (x >= 1e4 || x <= -1e4)
			fmt_int(b, len, x);
		else
			snprintf(b, len, "%.4g", x);
		break;
	}
	return 1;
}

typedef struct trow {
	const char *label, *path;
	int kind;
} trow;

static const trow table_rows[] = {
	{ "workload", "workload", K_TEXT },
	{ "policy", "policy", K_TEXT },
	{ "cluster", "machine.cluster", K_TEXT },
	{ "cluster scaled by --scale", "machine.scale", K_TEXT },
	{ "jobs", "jobs", K_INT },
	{ "rejected by the policy", "rejected_by_policy", K_INT },
	{ "makespan", "makespan", K_DUR },
	{ "utilization", "utilization", K_PCT },
	{ "core utilization", "recorder.core_utilization", K_PCT },
	{ "mean wait", "mean_wait", K_DUR },
	{ "median wait", "median_wait", K_DUR },
	{ "p95 wait", "p95_wait", K_DUR },
	{ "longest wait", "max_wait", K_DUR },
	{ "mean bounded slowdown", "mean_bounded_slowdown", K_NUM },
	{ "backfilled jobs", "backfilled_jobs", K_INT },
	{ "jobs preempted", "preempted_jobs.jobs", K_INT },
	{ "most preemptions of one job", "preempted_jobs.most", K_INT },
	{ "projects", "recorder.projects", K_INT },
	{ "fair share counted in", "recorder.fairness.unit", K_TEXT },
	{ "billed (whole run)", "billing.total_hours", K_NUM },
	{ "granted accounts", "grants.accounts", K_INT },
	{ "granted work delivered in its grant", "grants.delivery", K_PCT },
	{ "Jain's index over service", "recorder.fairness.jain_service", K_NUM },
	{ "distance from fair share", "recorder.fairness.distance", K_PCT },
	{ "the same, window by window", "recorder.fairness.window_distance", K_PCT },
	{ "projects under 80 % of fair share", "recorder.fairness.under_served", K_PCT },
	{ "median project's service", "recorder.fairness.median_service", K_NUM },
	{ "mean fragmented GPUs", "recorder.fragmentation.mean_fragmented", K_NUM },
	{ "energy (IT)", "recorder.energy_kwh", K_KWH },
	{ "mean power (IT)", "recorder.mean_power_kw", K_KW },
	{ "energy (facility: IT x PUE)", "energy.facility_energy_kwh", K_KWH },
	{ "energy cost", "energy.cost", K_NUM },
	{ "peak power (facility)", "energy.peak_facility_power_kw", K_KW },
	{ "power cap (facility)", "energy.power_cap_kw", K_KW },
	{ "jobs that last waited for power", "last_pending_reason.PowerCap", K_INT },
	{ "capsim version", "inputs.capsim_version", K_TEXT },
	{ "command", "inputs.command", K_CMD },
};
#define NTABLE (sizeof table_rows / sizeof table_rows[0])

static void table_row(FILE *f, const char *label, const char *value, const char *exact, int cmd)
{
	fputs("<tr><th>", f);
	html_text(f, label);
	fputs(cmd ? "</th><td class=\"cmd\"" : "</th><td", f);
	if (*exact) {
		fputs(" title=\"", f);
		html_text(f, exact);
		fputc('"', f);
	}
	fputc('>', f);
	html_text(f, value);
	fputs("</td></tr>\n", f);
}

/* The summary table: the machine and the simulated period spelt out, then
 * the rows above that summary.json has. */
static void summary_table(FILE *f, const json_t *sm)
{
	char v[4096], e[128], a[64], b[64];
	fputs("<table id=\"summary\">\n", f);
	for (size_t i = 0; i < NTABLE; i++) {
		if (strcmp(table_rows[i].path, "jobs") == 0) {
			double g, c, n, p;
			if (cs_report_json_num(sm, "machine.gpus", &g) && cs_report_json_num(sm, "machine.cores", &c) && cs_report_json_num(sm, "machine.nodes", &n)) {
				char gs[32], cs[32], ns[32];
				fmt_int(gs, sizeof gs, g);
				fmt_int(cs, sizeof cs, c);
				fmt_int(ns, sizeof ns, n);
				snprintf(v, sizeof v, "%s GPUs and %s cores on %s nodes", gs, cs, ns);
				table_row(f, "machine", v, "", 0);
			} else if (cs_report_json_num(sm, "machine.processors", &p)) {
				fmt_int(a, sizeof a, p);
				snprintf(v, sizeof v, "%s processors (pooled)", a);
				table_row(f, "machine", v, "", 0);
			}
			const json_t *s0 = cs_report_json_at(sm, "first_submit_time"), *s1 = cs_report_json_at(sm, "last_end_time");
			if (s0 && s1 && json_is_string(s0) && json_is_string(s1)) {
				/* dates and times, UTC */
				snprintf(a, sizeof a, "%.10s %.5s", json_string_value(s0), json_string_value(s0) + 11);
				snprintf(b, sizeof b, "%.10s %.5s", json_string_value(s1), json_string_value(s1) + 11);
				snprintf(v, sizeof v, "%s to %s UTC", a, b);
				table_row(f, "period (first submission to last end)", v, "", 0);
			}
		}
		if (!fmt_value(sm, table_rows[i].path, table_rows[i].kind, v, sizeof v, e, sizeof e))
			continue;
		if (strcmp(table_rows[i].path, "recorder.fairness.unit") == 0) {
			/* docs/fairshare.md#billing */
			table_row(f, table_rows[i].label, strcmp(v, "billing") == 0 ? "billing units (the partitions' "
				  "TRESBillingWeights)" : strcmp(v, "gpus") == 0 ? "GPU-hours" : "core-hours", "", 0);
			continue;
		}
		if (strcmp(table_rows[i].path, "billing.total_hours") == 0 || strcmp(table_rows[i].path, "energy.cost") == 0) {
			const json_t *u = cs_report_json_at(sm, table_rows[i].path[0] == 'b' ? "billing.unit" : "energy.currency");
			char bv[4352];
			snprintf(bv, sizeof bv, "%s %s", v, u && json_is_string(u) ? json_string_value(u) : "");
			table_row(f, table_rows[i].label, bv, e, 0);
			continue;
		}
		const json_t *res = cs_report_json_at(sm, "recorder.resource");
		if (strcmp(table_rows[i].path, "recorder.fragmentation.mean_fragmented") == 0 && res &&
		    json_is_string(res) && strcmp(json_string_value(res), "gpus") != 0) {
			table_row(f, "mean fragmented cores", v, e, 0);
			continue;
		}
		if (table_rows[i].kind == K_INT && strcmp(v, "0") == 0 &&
		    (strcmp(table_rows[i].path, "rejected_by_policy") == 0 ||
		     strcmp(table_rows[i].path, "last_pending_reason.PowerCap") == 0 ||
		     strncmp(table_rows[i].path, "preempted_jobs.", 15) == 0))
			continue;
		table_row(f, table_rows[i].label, v, e, table_rows[i].kind == K_CMD);
	}
	fputs("</table>\n", f);
}

/* summary.json's "reliability" (docs/failures.md): the GPU-hours' books,
 * then per component its failures against what its rate expected. */
static const trow rel_rows[] = {
	{ "goodput (useful / delivered GPU-hours)", "reliability.goodput", K_PCT },
	{ "GPU-hours delivered", "reliability.gpu_hours.delivered", K_NUM },
	{ "useful", "reliability.gpu_hours.useful", K_NUM },
	{ "lost to failures (work since the last checkpoint)", "reliability.gpu_hours.lost_to_failures", K_NUM },
	{ "spent writing checkpoints", "reliability.gpu_hours.checkpoints", K_NUM },
	{ "lost to preemption", "reliability.gpu_hours.lost_to_preemption", K_NUM },
	{ "GPU-hours down for repair", "reliability.gpu_hours.down_for_repair", K_NUM },
	{ "GPU-hours in maintenance windows", "reliability.gpu_hours.maintenance", K_NUM },
	{ "maintenance windows", "reliability.maintenance.windows", K_INT },
	{ "failure model", "reliability.failures.model", K_TEXT },
	{ "failures", "reliability.failures.total", K_INT },
	{ "times a failure stopped a job", "reliability.failures.jobs_stopped", K_INT },
	{ "jobs that ended NODE_FAIL", "reliability.failures.jobs_node_fail", K_INT },
	{ "jobs checkpointing", "reliability.checkpoints.jobs", K_INT },
	{ "checkpoints taken", "reliability.checkpoints.taken", K_INT },
};

static void reliability_section(FILE *f, const json_t *sm)
{
	static const char *const cols[][2] = { { "components", "components" }, { "failures", "failures" },
					       { "expected", "expected" }, { "MTBF configured (h)", "mtbf_h" },
					       { "MTBF observed (h)", "mtbf_h_observed" },
					       { "mean repair (h)", "repair_h_mean" } };
	char v[256], e[128];
	fputs("<h2>Failures, checkpoints and maintenance</h2>\n<table id=\"reliability\">\n", f);
	for (size_t i = 0; i < sizeof rel_rows / sizeof rel_rows[0]; i++)
		if (fmt_value(sm, rel_rows[i].path, rel_rows[i].kind, v, sizeof v, e, sizeof e))
			table_row(f, rel_rows[i].label, v, e, 0);
	fputs("</table>\n", f);
	const json_t *comps = cs_report_json_at(sm, "reliability.failures.components");
	if (!comps || !json_object_size(comps))
		return;
	fputs("<table id=\"failures\">\n<tr><th>component</th>", f);
	for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++)
		fprintf(f, "<th class=\"num\">%s</th>", cols[k][0]);
	fputs("</tr>\n", f);
	const char *name;
	const json_t *c;
	json_object_foreach((json_t *)comps, name, c) {
		fputs("<tr><td>", f);
		html_text(f, name);
		fputs("</td>", f);
		for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
			const json_t *x = json_object_get(c, cols[k][1]);
			if (x && json_is_number(x))
				snprintf(v, sizeof v, json_is_integer(x) ? "%.0f" : "%.1f", json_number_value(x));
			else
				snprintf(v, sizeof v, "-");
			fprintf(f, "<td class=\"num\">%s</td>", v);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<p class=\"note\">Expected: the components' hours up over the run divided by their "
	      "configured MTBF; observed MTBF: those hours divided by the failures. Definitions: "
	      "docs/failures.md.</p>\n", f);
}

static const char style[] =
	"body{font-family:'DejaVu Sans',sans-serif;margin:20px;color:#222;max-width:1040px}"
	"h1{font-size:20px}h2{font-size:16px;margin-top:28px}p.note{font-size:12px;color:#555;margin:4px 0}"
	"p.warn{background:#fff3cd;border:1px solid #e0c060;padding:6px 10px;font-size:13px}"
	"table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
	"td.num,th.num{text-align:right}"
	"td.cmd{font-family:monospace;font-size:11px;max-width:860px;word-break:break-all}"
	".chart{width:1000px;height:340px;margin:8px 0}.tall{height:560px}"
	".grid{display:flex;flex-wrap:wrap;gap:4px;width:1000px}.small{width:330px;height:200px}";

static void page_head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
	html_text(f, title);
	fprintf(f, "</title>\n<style>%s</style>\n<script>\n", style);
	/* Apache ECharts, Apache License 2.0 (third_party/echarts/LICENSE) */
	fwrite(cs_echarts_js, 1, cs_echarts_js_len, f);
	fputs("\n</script>\n</head>\n<body>\n", f);
}

#define PAGE_JSON (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ESCAPE_SLASH | JSON_REAL_PRECISION(6))

/* v as json_dumps writes it on the page. */
static void page_json(FILE *f, const json_t *v)
{
	char *s = json_dumps(v, PAGE_JSON | JSON_ENCODE_ANY);
	fputs(s ? s : "null", f);
	free(s);
}

/* The page's data object D: d as json_dumps writes it, with heat.cells
 * (heat_cells, its text) after heat's members. */
static void page_data(FILE *f, const json_t *d, const char *heat_cells, size_t heat_len)
{
	fputs("<script>\nconst D = ", f);
	if (!heat_cells) {
		char *s = json_dumps(d, PAGE_JSON);
		fputs(s ? s : "{}", f);
		free(s);
	} else {
		const char *key;
		const json_t *v;
		int first = 1;
		fputc('{', f);
		json_object_foreach((json_t *)d, key, v) {
			if (!first)
				fputc(',', f);
			first = 0;
			json_t *k = json_string(key);
			page_json(f, k);
			json_decref(k);
			fputc(':', f);
			if (strcmp(key, "heat") != 0) {
				page_json(f, v);
				continue;
			}
			char *s = json_dumps(v, PAGE_JSON); /* "{...}": the cells before its '}' */
			size_t n = s ? strlen(s) : 0;
			if (n > 2)
				fwrite(s, 1, n - 1, f);
			else
				fputc('{', f);
			fputs(n > 2 ? ",\"cells\":" : "\"cells\":", f);
			fwrite(heat_cells, 1, heat_len, f);
			fputc('}', f);
			free(s);
		}
		fputc('}', f);
	}
	fputs(";\n</script>\n", f);
}

/* What both pages' scripts share: the x axis (dates where the workload has
 * an epoch, else days from the first interval), number formats, and a
 * chart maker (SVG, no animation). */
static const char common_js[] =
	"const CS={\n"
	"opt:{renderer:'svg'},\n"
	"mk(id,o){const el=document.getElementById(id);if(!el)return;o.animation=false;"
	"if(o.title)o.title.textStyle={fontSize:14};o.tooltip=o.tooltip||{trigger:'axis'};"
	"echarts.init(el,null,CS.opt).setOption(o);},\n"
	/* x of simulated second t: ms since 1970 with an epoch, else days from t0 */
	"xs(d,t){const t0=d.ts.t.length?d.ts.t[0]:0;return d.epoch!=null?t.map(s=>(d.epoch+s)*1000):t.map(s=>(s-t0)/86400);},\n"
	"xaxis(d){return d.epoch!=null?{type:'time',axisLabel:{hideOverlap:true,"
	"formatter:{year:'{yyyy}',month:'{MMM} {yyyy}',day:'{d} {MMM}',hour:'{HH}:{mm}',minute:'{HH}:{mm}'}}}:"
	"{type:'value',name:'days',minInterval:1,axisLabel:{formatter:v=>Number.isInteger(v)?String(v):''}};},\n"
	"pair(x,v){return x.map((a,i)=>[a,v[i]]);},\n"
	"int(v){return v==null?'':Math.round(v).toLocaleString('en-US');},\n"
	/* a log axis' label: 0.01, 0.1, 1, 10, 1,000 */
	"num(v){return v<1?String(+v.toPrecision(2)):CS.int(v);},\n"
	"pct(v){return v==null?'':(100*v).toFixed(1)+' %';},\n"
	/* a duration in hours, in the unit that reads best */
	"dur(h){const s=h*3600;return s<120?s.toFixed(0)+' s':s<3600?(s/60).toFixed(1)+' min':"
	"s<172800?(s/3600).toFixed(1)+' h':(s/86400).toFixed(1)+' days';},\n"
	/* an axis label: round figures, no trailing .0 */
	"tick(h){const s=h*3600,r=v=>String(+v.toFixed(v<10?1:0));return s<120?r(s)+' s':s<3600?r(s/60)+' min':"
	"s<172800?r(s/3600)+' h':r(s/86400)+' days';},\n"
	"wnote(w){return w==86400?'daily windows':w%3600==0?'windows of '+w/3600+' h':'windows of '+w+' s';},\n"
	"binnote(d){const b=d.ts.bin_s;return b==3600?'hourly means':b==86400?'daily means':b==604800?'weekly means':"
	"b%3600==0?'means over '+b/3600+' h':'means over '+b+' s';},\n"
	"};\n";

/* The charts of one run (ids below); only the ones its data has. */
static const char report_js[] =
	"<script>\n"
	"(function(){\n"
	"const ts=D.ts,x=CS.xs(D,ts.t),xa=()=>CS.xaxis(D);\n"
	"const u=[];\n"
	"if(ts.gpus>0)u.push({name:'GPUs ('+CS.int(ts.gpus)+')',type:'line',showSymbol:false,data:CS.pair(x,ts.gpu_util)});\n"
	"if(ts.cores>0)u.push({name:'cores ('+CS.int(ts.cores)+')',type:'line',showSymbol:false,data:CS.pair(x,ts.core_util)});\n"
	"const yp={type:'value',min:0,max:1,axisLabel:{formatter:v=>(100*v).toFixed(0)+' %'}};\n"
	"const tp={trigger:'axis',valueFormatter:CS.pct};\n"
	"CS.mk('chart-util',{title:{text:'Utilization of the machine ('+CS.binnote(D)+')'},legend:{top:32},grid:{top:72},"
	"tooltip:tp,xAxis:xa(),yAxis:yp,series:u});\n"
	"(ts.types||[]).forEach((ty,i)=>CS.mk('chart-type-'+i,{title:{text:ty.name+': '+ty.unit+' busy',left:'center'},"
	"grid:{top:34,left:44,right:12,bottom:28},tooltip:tp,xAxis:Object.assign(xa(),{name:''}),yAxis:yp,"
	"series:[{name:ty.name,type:'line',showSymbol:false,lineStyle:{width:1},areaStyle:{opacity:0.15},data:CS.pair(x,ty.util)}]}));\n"
	"const gu=ts.gpus>0,un=gu?'GPUs':'cores';\n"
	"CS.mk('chart-queue',{title:{text:'Queue: jobs waiting and queued demand ('+CS.binnote(D)+')'},legend:{top:32},grid:{top:70},"
	"xAxis:xa(),yAxis:[{type:'value',name:'jobs'},{type:'value',name:un}],"
	"series:[{name:'queued jobs',type:'line',showSymbol:false,data:CS.pair(x,ts.queued)},"
	"{name:'queued '+un,type:'line',showSymbol:false,yAxisIndex:1,data:CS.pair(x,gu?ts.queued_gpus:ts.queued_cores)},"
	"{name:'fragmented '+un,type:'line',showSymbol:false,yAxisIndex:1,data:CS.pair(x,gu?ts.frag_gpus:ts.frag_cores)}]});\n"
	"if(ts.power_kw.length)CS.mk('chart-power',{title:{text:'IT power, kW ('+CS.binnote(D)+')'},grid:{top:50},xAxis:xa(),"
	"yAxis:{type:'value',min:0},tooltip:{trigger:'axis',valueFormatter:v=>CS.int(v)+' kW'},"
	"series:[{name:'power',type:'line',showSymbol:false,data:CS.pair(x,ts.power_kw)}]});\n"
	"CS.mk('chart-wait',{title:{text:'Wait time: share of jobs that waited at most',"
	"subtext:'log scale; waits under a minute are drawn at one minute'},grid:{top:60},"
	"tooltip:{trigger:'axis',formatter:p=>CS.pct(p[0].value[1])+' of jobs waited at most '+CS.dur(p[0].value[0])},"
	"xAxis:{type:'log',name:'wait',min:1/60,axisLabel:{formatter:CS.tick}},yAxis:yp,"
	"series:[{name:'jobs',type:'line',step:'end',showSymbol:false,"
	"data:(D.cdf||[]).map(p=>[Math.max(p[0],1/60),p[1]])}]});\n"
	/* waits by partition: boxes p25-p75, median, whiskers p5-p95 */
	"if(D.waits&&D.waits.length>1){const W=D.waits;"
	"CS.mk('chart-waits',{title:{text:'Wait by partition (box: p25, median, p75; whiskers: p5, p95)',"
	"subtext:'waits under a minute are drawn at one minute (log scale)'},grid:{top:60},"
	"tooltip:{trigger:'item',formatter:p=>{const w=W[p.dataIndex];return w.name+': '+CS.int(w.jobs)+' jobs<br>median '+"
	"CS.dur(w.p50/3600)+', p95 '+CS.dur(w.p95/3600)+', mean '+CS.dur(w.mean/3600);}},"
	"xAxis:{type:'category',data:W.map(w=>w.name)},"
	"yAxis:{type:'log',name:'wait',min:1/60,axisLabel:{formatter:CS.tick}},"
	"series:[{type:'boxplot',data:W.map(w=>w.box.map(v=>Math.max(v/3600,1/60)))}]});}\n"
	"if(D.projects){const P=D.projects;CS.mk('chart-projects',{title:{text:'Largest projects: delivered and fair-share '+P.unit+' (log scale)',"
	"subtext:'fair share: each window\\'s delivery divided by max-min fairness among the projects waiting or running, capped at their demand'},"
	"legend:{top:56},grid:{top:92,bottom:110,left:70},tooltip:{trigger:'axis',valueFormatter:v=>CS.int(v)+' h'},"
	"xAxis:{type:'category',data:P.names,axisLabel:{rotate:60,fontSize:9}},"
	"yAxis:{type:'log',name:P.unit,min:v=>Math.pow(10,Math.floor(Math.log10(Math.max(v.min,1)))),axisLabel:{formatter:CS.num}},"
	"series:[{name:'delivered',type:'bar',data:P.used},{name:'fair share',type:'bar',data:P.fair}]});}\n"
	/* fairness: distance over time, service per project, the largest
	 * projects' waits and bounded slowdowns */
	"if(D.fair&&D.fair.t.length){const F=D.fair,fx=CS.xs(D,F.t);"
	"CS.mk('chart-fair-time',{title:{text:'Fair share over time ('+CS.wnote(F.window_s)+')',"
	"subtext:'distance: share of the window\\'s delivered '+(gu?'GPU':'core')+'-hours that went beyond projects\\' fair shares; under-served: projects given under 80 % of theirs'},"
	"legend:{top:56},grid:{top:92},tooltip:tp,xAxis:xa(),yAxis:yp,"
	"series:[{name:'distance from fair share',type:'line',showSymbol:false,data:CS.pair(fx,F.distance)},"
	"{name:'projects under-served',type:'line',showSymbol:false,data:CS.pair(fx,F.under)}]});}\n"
	"if(D.service&&D.service.points.length){const S=D.service,cl=v=>Math.min(100,Math.max(0.01,v));"
	"CS.mk('chart-fair-service',{title:{text:'Service per project: delivered / fair share (log scales)',"
	"subtext:'one point per project; 1: served its fair share; drawn between 0.01 and 100'},grid:{top:64,left:70,right:30},"
	"tooltip:{trigger:'item',formatter:p=>p.value[3]+': fair share '+CS.int(p.value[0])+' h, service '+p.value[2].toFixed(3)}," 
	"xAxis:{type:'log',name:'fair share, '+S.unit,nameLocation:'middle',nameGap:28,axisLabel:{formatter:CS.num}},"
	"yAxis:{type:'log',name:'service',min:0.01,max:100,axisLabel:{formatter:CS.num}},"
	"series:[{type:'scatter',symbolSize:3,data:S.points.map(p=>[Math.max(p[0],0.01),cl(p[1]),p[1],p[2]]),"
	"markLine:{symbol:'none',silent:true,lineStyle:{color:'#888'},data:[{yAxis:1},{yAxis:0.8}],label:{position:'insideEndTop',formatter:p=>p.value==1?'fair share':'80 %'}}}]});}\n"
	"if(D.pboxes&&D.projects){const B=D.pboxes,P=D.projects,nm=P.names.map((n,i)=>n+' ('+CS.int(B.jobs[i])+')');"
	"CS.mk('chart-fair-waits',{title:{text:'Largest projects: wait (box: p25, median, p75; whiskers: p5, p95)',"
	"subtext:'jobs in brackets; log scale, waits under a minute drawn at one minute'},grid:{top:60,bottom:120,left:70},"
	"tooltip:{trigger:'item',formatter:p=>{const b=B.wait[p.dataIndex];return nm[p.dataIndex]+'<br>median '+CS.dur(b[2]/3600)+', p95 '+CS.dur(b[4]/3600);}},"
	"xAxis:{type:'category',data:nm,axisLabel:{rotate:60,fontSize:9}},yAxis:{type:'log',name:'wait',min:1/60,axisLabel:{formatter:CS.tick}},"
	"series:[{type:'boxplot',data:B.wait.map(b=>b.map(v=>Math.max(v/3600,1/60)))}]});"
	"CS.mk('chart-fair-bsld',{title:{text:'Largest projects: bounded slowdown (box: p25, median, p75; whiskers: p5, p95)',"
	"subtext:'(wait + run) / max(run, '+B.tau+' s), at least 1; log scale'},grid:{top:60,bottom:120,left:70},"
	"tooltip:{trigger:'item',formatter:p=>{const b=B.bsld[p.dataIndex];return nm[p.dataIndex]+'<br>median '+b[2].toFixed(2)+', p95 '+b[4].toFixed(2);}},"
	"xAxis:{type:'category',data:nm,axisLabel:{rotate:60,fontSize:9}},yAxis:{type:'log',name:'bounded slowdown',min:1},"
	"series:[{type:'boxplot',data:B.bsld}]});}\n"
	/* the heatmap: one label per node type (its first row), dates or days
	 * under the columns, a colour scale with numbers */
	"if(D.heat){const H=D.heat,first=new Set(),size={};H.types.forEach(t=>size[t]=(size[t]||0)+1);"
	/* a label at each type's first row, if its block is tall enough to hold one */
	"H.types.forEach((t,i)=>{if((i==0||H.types[i-1]!=t)&&size[t]*40>=H.types.length)first.add(i);});"
	"const cx=H.cols.map(s=>D.epoch!=null?new Date((D.epoch+s)*1000).toISOString().slice(0,10):"
	"'day '+Math.floor((s-H.cols[0])/86400));"
	"const step=Math.max(1,Math.ceil(cx.length/10));"
	"CS.mk('chart-heatmap',{title:{text:'Node occupancy: share of each node\\'s GPUs (cores, without GPUs) allocated'},"
	"tooltip:{position:'top',formatter:p=>H.rows[p.value[1]]+', '+cx[p.value[0]]+': '+CS.pct(p.value[2])},"
	"grid:{left:90,top:40,bottom:90,right:20},"
	"xAxis:{type:'category',data:cx,axisLabel:{fontSize:10,interval:i=>i%step==0},axisTick:{interval:i=>i%step==0}},"
	"yAxis:{type:'category',data:H.rows,inverse:true,axisTick:{show:false},"
	"axisLabel:{fontSize:11,interval:i=>first.has(i),formatter:(v,i)=>H.types[i]}},"
	"visualMap:{type:'continuous',min:0,max:1,calculable:false,orient:'horizontal',left:'center',bottom:8,"
	"text:['100 % allocated','0 %'],inRange:{color:['#f0f4ff','#3050c8','#0b1a5c']}},"
	"series:[{type:'heatmap',data:H.cells,progressive:0}]});}\n"
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

/* The waits table: per partition, jobs and the wait percentiles. */
static void waits_table(FILE *f, const json_t *waits)
{
	static const char *const cols[][2] = { { "mean", "mean" }, { "median", "p50" }, { "p90", "p90" },
					      { "p95", "p95" }, { "p99", "p99" }, { "longest", "max" } };
	fputs("<table id=\"waits\">\n<tr><th>partition</th><th class=\"num\">jobs</th>", f);
	for (size_t k = 0; k < 6; k++)
		fprintf(f, "<th class=\"num\">%s</th>", cols[k][0]);
	fputs("</tr>\n", f);
	size_t i;
	const json_t *w;
	char b[64];
	json_array_foreach(waits, i, w) {
		fputs("<tr><td>", f);
		html_text(f, json_string_value(json_object_get(w, "name")));
		fmt_int(b, sizeof b, json_number_value(json_object_get(w, "jobs")));
		fprintf(f, "</td><td class=\"num\">%s</td>", b);
		for (size_t k = 0; k < 6; k++) {
			double s = json_number_value(json_object_get(w, cols[k][1]));
			fmt_dur(b, sizeof b, s);
			fprintf(f, "<td class=\"num\" title=\"%.0f s\">%s</td>", s, b);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

int cs_report_html_named(const char *dir, const char *name, char *err, size_t errlen)
{
	return cs_report_html_rows(dir, name, NULL, err, errlen);
}

int cs_report_html_rows(const char *dir, const char *name, const cs_report_rows *rows, char *err, size_t errlen)
{
	run_data rd;
	int rc = cs_run_data_load(&rd, dir, name, 1, rows, err, errlen);
	if (rc < 0)
		return rc;
	char path[4096], v[4096];
	snprintf(path, sizeof path, "%s/report.html", dir);
	FILE *f = open_page(path, err, errlen);
	if (!f) {
		cs_run_data_free(&rd);
		return -CS_EIO;
	}
	char title[4400];
	const json_t *pol = cs_report_json_at(rd.summary, "policy");
	snprintf(v, sizeof v, "%s", pol && json_is_string(pol) ? json_string_value(pol) : "?");
	snprintf(title, sizeof title, "capsim report: %s (%s)", rd.name, v);
	page_head(f, title);
	fputs("<h1>", f);
	html_text(f, title);
	fputs("</h1>\n<h2>Summary</h2>\n", f);
	summary_table(f, rd.summary);
	fputs("<p class=\"note\">Durations in the unit that reads best; hover a value for the exact figure. "
	      "Dates are UTC. Column by column: docs/outputs.md.</p>\n", f);
	if (cs_report_json_at(rd.summary, "reliability"))
		reliability_section(f, rd.summary);
	fputs("<h2>Over time</h2>\n<div id=\"chart-util\" class=\"chart\"></div>\n", f);
	const json_t *types = json_object_get(json_object_get(rd.d, "ts"), "types");
	if (types && json_array_size(types)) {
		fputs("<div class=\"grid\">\n", f);
		for (size_t i = 0; i < json_array_size(types); i++)
			fprintf(f, "<div id=\"chart-type-%zu\" class=\"small\"></div>\n", i);
		fputs("</div>\n", f);
	}
	fputs("<div id=\"chart-queue\" class=\"chart\"></div>\n", f);
	const json_t *pw = json_object_get(json_object_get(rd.d, "ts"), "power_kw");
	if (pw && json_array_size(pw))
		fputs("<div id=\"chart-power\" class=\"chart\"></div>\n", f);
	fputs("<h2>Waiting</h2>\n", f);
	const json_t *waits = json_object_get(rd.d, "waits");
	if (waits)
		waits_table(f, waits);
	if (waits && json_array_size(waits) > 1)
		fputs("<div id=\"chart-waits\" class=\"chart\"></div>\n", f);
	fputs("<div id=\"chart-wait\" class=\"chart\"></div>\n", f);
	/* fairness: docs/fairshare.md */
	const json_t *fair = json_object_get(rd.d, "fair"), *svc = json_object_get(rd.d, "service");
	if (fair || svc) {
		fputs("<h2>Fairness</h2>\n<p class=\"note\">Fair share: in each window, the service the machine "
		      "delivered divided by max-min fairness among the projects with jobs waiting or running (weight 1, "
		      "or multifactor's shares), none entitled to more than its jobs could hold. Service: delivered / "
		      "fair share. Definitions: docs/fairshare.md.</p>\n", f);
		if (fair && json_array_size(json_object_get(fair, "t")))
			fputs("<div id=\"chart-fair-time\" class=\"chart\"></div>\n", f);
		if (svc && json_array_size(json_object_get(svc, "points")))
			fputs("<div id=\"chart-fair-service\" class=\"chart tall\"></div>\n", f);
	}
	fputs("<h2>Projects</h2>\n<div id=\"chart-projects\" class=\"chart tall\"></div>\n", f);
	if (json_object_get(rd.d, "pboxes"))
		fputs("<div id=\"chart-fair-waits\" class=\"chart tall\"></div>\n"
		      "<div id=\"chart-fair-bsld\" class=\"chart tall\"></div>\n", f);
	if (json_object_get(rd.d, "heat"))
		fputs("<h2>Nodes</h2>\n<div id=\"chart-heatmap\" class=\"chart tall\"></div>\n", f);
	cs_report_site_html(f, &rd);
	page_data(f, rd.d, rd.heat_cells, rd.heat_len);
	fprintf(f, "<script>\n%s</script>\n", common_js);
	fputs(report_js, f);
	fputs(cs_report_site_js, f);
	fputs("</body>\n</html>\n", f);
	cs_run_data_free(&rd);
	return close_page(f, path, err, errlen);
}

/* ---- compare ------------------------------------------------------------- */

static const trow cmp_cols[] = {
	{ "policy", "policy", K_TEXT },
	{ "jobs", "jobs", K_INT },
	{ "utilization", "utilization", K_PCT },
	{ "mean wait", "mean_wait", K_DUR },
	{ "p95 wait", "p95_wait", K_DUR },
	{ "mean bsld", "mean_bounded_slowdown", K_NUM },
	{ "jain", "recorder.fairness.jain_service", K_NUM },
	{ "distance", "recorder.fairness.distance", K_PCT },
	{ "under-served", "recorder.fairness.under_served", K_PCT },
	{ "energy", "recorder.energy_kwh", K_KWH },
};
#define NCMP (sizeof cmp_cols / sizeof cmp_cols[0])

static const char compare_js[] =
	"<script>\n"
	"(function(){\n"
	"const R=D.runs,yp={type:'value',min:0,max:1,axisLabel:{formatter:v=>(100*v).toFixed(0)+' %'}};\n"
	/* runs of different workloads or calendars share one axis only in days */
	"const cal=R.every(r=>r.epoch!=null&&r.epoch==R[0].epoch);\n"
	"const X=r=>cal?CS.xs(r,r.ts.t):CS.xs(Object.assign({},r,{epoch:null}),r.ts.t);\n"
	"const xa=()=>CS.xaxis(cal?R[0]:{epoch:null});\n"
	"const util=r=>r.ts.gpus>0?r.ts.gpu_util:r.ts.core_util;\n"
	"CS.mk('chart-util',{title:{text:'Utilization ('+CS.binnote(R[0])+')'},legend:{top:32},grid:{top:72},"
	"tooltip:{trigger:'axis',valueFormatter:CS.pct},xAxis:xa(),yAxis:yp,"
	"series:R.map(r=>({name:r.name,type:'line',showSymbol:false,data:CS.pair(X(r),util(r))}))});\n"
	"CS.mk('chart-queue',{title:{text:'Queued jobs ('+CS.binnote(R[0])+')'},legend:{top:32},grid:{top:72},xAxis:xa(),"
	"yAxis:{type:'value'},series:R.map(r=>({name:r.name,type:'line',showSymbol:false,data:CS.pair(X(r),r.ts.queued)}))});\n"
	"CS.mk('chart-wait',{title:{text:'Wait time: share of jobs that waited at most'},legend:{top:32},grid:{top:72},"
	"xAxis:{type:'log',name:'wait',min:1/60,axisLabel:{formatter:CS.tick}},yAxis:yp,"
	"series:R.map(r=>({name:r.name,type:'line',step:'end',showSymbol:false,data:r.cdf.map(p=>[Math.max(p[0],1/60),p[1]])}))});\n"
	"const FR=R.filter(r=>r.fair&&r.fair.t.length);\n"
	"if(FR.length)CS.mk('chart-fair-time',{title:{text:'Distance from fair share ('+CS.wnote(FR[0].fair.window_s)+')',"
	"subtext:'share of each window\\'s delivered service that went beyond projects\\' fair shares'},legend:{top:56},grid:{top:92},"
	"tooltip:{trigger:'axis',valueFormatter:CS.pct},xAxis:xa(),yAxis:yp,"
	"series:FR.map(r=>({name:r.name,type:'line',showSymbol:false,"
	"data:CS.pair(CS.xs(cal?r:Object.assign({},r,{epoch:null}),r.fair.t),r.fair.distance)}))});\n"
	"const SR=R.filter(r=>r.service&&r.service.cdf.length);\n"
	"if(SR.length)CS.mk('chart-fair-service',{title:{text:'Service per project: share of projects served at most (delivered / fair share)',"
	"subtext:'log scale; 1: served its fair share'},legend:{top:56},grid:{top:92},"
	"tooltip:{trigger:'axis',valueFormatter:CS.pct},xAxis:{type:'log',name:'service',min:0.01,max:100,axisLabel:{formatter:CS.num}},yAxis:yp,"
	"series:SR.map(r=>({name:r.name,type:'line',step:'end',showSymbol:false,data:r.service.cdf.map(p=>[Math.min(100,Math.max(p[0],0.01)),p[1]])}))});\n"
	"})();\n"
	"</script>\n";

/* The runs' workloads differ (inputs.jobs_digest, else the job count):
 * the message for the table and the page, or "" when they agree. */
static void workload_warning(const run_data *rd, size_t n, char *b, size_t len)
{
	*b = 0;
	for (size_t i = 1; i < n; i++) {
		const json_t *d0 = cs_report_json_at(rd[0].summary, "inputs.jobs_digest"), *di = cs_report_json_at(rd[i].summary, "inputs.jobs_digest");
		double j0 = 0, ji = 0;
		cs_report_json_num(rd[0].summary, "jobs", &j0);
		cs_report_json_num(rd[i].summary, "jobs", &ji);
		int differ = d0 && di ? !json_equal(d0, di) : j0 != ji;
		if (differ) {
			snprintf(b, len, "these runs replay different workloads (%s and %s differ%s): their differences "
				 "mix the workload's with the policy's", rd[0].name, rd[i].name,
				 j0 != ji ? " in their number of jobs" : " in their jobs");
			return;
		}
	}
}

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
		rc = cs_run_data_load(&rd[loaded], dirs[loaded], NULL, 0, NULL, err, errlen);
	if (rc < 0) {
		loaded--;
		goto out;
	}
	char v[4096], e[128], warn[1024];
	workload_warning(rd, n, warn, sizeof warn);
	if (table) {
		fprintf(table, "%-24s", "run");
		for (size_t k = 0; k < NCMP; k++)
			fprintf(table, " %12s", cmp_cols[k].label);
		fputc('\n', table);
		for (size_t i = 0; i < n; i++) {
			fprintf(table, "%-24s", rd[i].name);
			for (size_t k = 0; k < NCMP; k++) {
				if (!fmt_value(rd[i].summary, cmp_cols[k].path, cmp_cols[k].kind, v, sizeof v, e, sizeof e))
					snprintf(v, sizeof v, "-");
				fprintf(table, " %12s", v);
			}
			fputc('\n', table);
		}
		if (*warn)
			fprintf(table, "note: %s\n", warn);
	}
	if (out_html) {
		FILE *f = open_page(out_html, err, errlen);
		if (!f) {
			rc = -CS_EIO;
			goto out;
		}
		page_head(f, "capsim compare");
		fputs("<h1>capsim compare</h1>\n", f);
		if (*warn) {
			fputs("<p class=\"warn\" id=\"workload-warning\">Note: ", f);
			html_text(f, warn);
			fputs(".</p>\n", f);
		}
		fputs("<table id=\"compare\">\n<tr><th>run</th>", f);
		for (size_t k = 0; k < NCMP; k++) {
			fputs("<th>", f);
			html_text(f, cmp_cols[k].label);
			fputs("</th>", f);
		}
		fputs("</tr>\n", f);
		json_t *d = json_object(), *runs = json_array();
		for (size_t i = 0; i < n; i++) {
			fputs("<tr><td>", f);
			html_text(f, rd[i].name);
			fputs("</td>", f);
			for (size_t k = 0; k < NCMP; k++) {
				if (!fmt_value(rd[i].summary, cmp_cols[k].path, cmp_cols[k].kind, v, sizeof v, e, sizeof e))
					*v = *e = 0;
				fputs(*e ? "<td title=\"" : "<td", f);
				if (*e) {
					html_text(f, e);
					fputc('"', f);
				}
				fputc('>', f);
				html_text(f, v);
				fputs("</td>", f);
			}
			fputs("</tr>\n", f);
			json_array_append(runs, rd[i].d);
		}
		json_object_set_new(d, "runs", runs);
		fputs("</table>\n<div id=\"chart-util\" class=\"chart\"></div>\n"
		      "<div id=\"chart-queue\" class=\"chart\"></div>\n<div id=\"chart-wait\" class=\"chart\"></div>\n"
		      "<div id=\"chart-fair-time\" class=\"chart\"></div>\n<div id=\"chart-fair-service\" class=\"chart\"></div>\n",
		      f);
		page_data(f, d, NULL, 0);
		json_decref(d);
		fprintf(f, "<script>\n%s</script>\n", common_js);
		fputs(compare_js, f);
		fputs("</body>\n</html>\n", f);
		rc = close_page(f, out_html, err, errlen);
	}
out:
	for (size_t i = 0; i < loaded; i++)
		cs_run_data_free(&rd[i]);
	free(rd);
	return rc;
}
