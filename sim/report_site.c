/* capsim: the report's power and storage sections (report.html, beside
 * sim/report_html.c): facility power over time against the cap, each
 * storage tier's use, when it fills and the accounts' allocations, and
 * what staging cost, from power.csv, storage.csv and summary.json
 * (docs/outputs.md). */
#include "report_data.h"

#include <string.h>

/* TB as a person reads them: 812.5 TB, 38.30 PB. */
static void fmt_tb(char *b, size_t len, double tb)
{
	if (tb >= 1000)
		snprintf(b, len, "%.2f PB", tb / 1000);
	else
		snprintf(b, len, "%.1f TB", tb);
}

/* A date from summary.json ("2025-03-01T08:00:00Z" -> "2025-03-01 08:00
 * UTC"), a second count where the run has no calendar, or `none`. */
static void fmt_when(char *b, size_t len, const json_t *x, const char *time_key, const char *t_key, const char *none)
{
	const json_t *s = json_object_get(x, time_key), *t = json_object_get(x, t_key);
	if (json_is_string(s))
		snprintf(b, len, "%.10s %.5s UTC", json_string_value(s), json_string_value(s) + 11);
	else if (json_is_integer(t))
		snprintf(b, len, "at %lld s", (long long)json_integer_value(t));
	else
		snprintf(b, len, "%s", none);
}

static double jnum(const json_t *x, const char *key)
{
	const json_t *v = json_object_get(x, key);
	return json_is_number(v) ? json_number_value(v) : 0;
}

/* The storage table: per tier, what it held and when it fills. */
static void storage_table(FILE *f, const json_t *tiers)
{
	fputs("<table id=\"storage\">\n<tr><th>tier</th><th class=\"num\">capacity</th><th class=\"num\">at the start"
	      "</th><th class=\"num\">at the end</th><th class=\"num\">TB a GPU-hour</th><th>full</th>"
	      "<th>at the run's growth</th><th class=\"num\">allocated</th><th class=\"num\">allocations full</th>"
	      "</tr>\n", f);
	const char *name;
	const json_t *x;
	json_object_foreach((json_t *)tiers, name, x) {
		char cap[64], a[64], z[64], full[64], fc[64], al[64];
		fmt_tb(cap, sizeof cap, jnum(x, "capacity_tb"));
		fmt_tb(a, sizeof a, jnum(x, "used_start_tb"));
		fmt_tb(z, sizeof z, jnum(x, "used_end_tb"));
		fmt_when(full, sizeof full, x, "full_time", "full_t", "not within the run");
		fmt_when(fc, sizeof fc, x, "forecast_full_time", "forecast_full_t",
			 json_is_number(json_object_get(x, "retention_days")) ? "(purged: no trend)" : "-");
		fmt_tb(al, sizeof al, jnum(x, "allocated_tb"));
		fputs("<tr><td>", f);
		cs_report_html_text(f, name);
		fprintf(f, "</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
			   "<td class=\"num\">%g</td><td>%s</td><td>%s</td><td class=\"num\">%s (%lld)</td>"
			   "<td class=\"num\">%lld</td></tr>\n",
			cap, a, z, jnum(x, "tb_per_gpu_hour"), full, fc, al, (long long)jnum(x, "allocations"),
			(long long)jnum(x, "allocations_full"));
	}
	fputs("</table>\n", f);
}

/* summary.json's "staging" (docs/storage.md, "Staging"): what it held,
 * then per tier what moved and how crowded it was. */
static void staging_section(FILE *f, const json_t *st)
{
	char in[64], out[64];
	double tin = 0, tout = 0;
	const json_t *tiers = json_object_get(st, "tiers"), *x;
	const char *name;
	json_object_foreach((json_t *)tiers, name, x) {
		tin += jnum(x, "in_tb");
		tout += jnum(x, "out_tb");
	}
	fmt_tb(in, sizeof in, tin);
	fmt_tb(out, sizeof out, tout);
	fprintf(f, "<h2>Staging</h2>\n<p>%lld jobs read %s when they started and wrote %s when their work was done, "
		   "holding their nodes: %.1f GPU-hours (%.3f %% of those jobs held). Stage-in took %.1f s on "
		   "average (at most %.0f s), stage-out %.1f s (at most %.0f s); %lld jobs outlasted their time "
		   "limit and were killed at it.</p>\n",
		(long long)jnum(st, "jobs"), in, out, jnum(st, "gpu_hours"), 100 * jnum(st, "share_of_gpu_hours"),
		jnum(st, "stage_in_s_mean"), jnum(st, "stage_in_s_max"), jnum(st, "stage_out_s_mean"),
		jnum(st, "stage_out_s_max"), (long long)jnum(st, "killed_at_time_limit"));
	fputs("<table id=\"staging\">\n<tr><th>tier</th><th class=\"num\">bandwidth</th><th class=\"num\">jobs</th>"
	      "<th class=\"num\">in</th><th class=\"num\">out</th><th class=\"num\">busy</th>"
	      "<th class=\"num\">transfers at once (mean, peak)</th><th class=\"num\">stretch</th></tr>\n", f);
	json_object_foreach((json_t *)tiers, name, x) {
		fmt_tb(in, sizeof in, jnum(x, "in_tb"));
		fmt_tb(out, sizeof out, jnum(x, "out_tb"));
		fputs("<tr><td>", f);
		cs_report_html_text(f, name);
		fprintf(f, "</td><td class=\"num\">%g GB/s</td><td class=\"num\">%lld</td><td class=\"num\">%s</td>"
			   "<td class=\"num\">%s</td><td class=\"num\">%.1f h</td><td class=\"num\">%.2f, %lld</td>"
			   "<td class=\"num\">%.3f</td></tr>\n",
			jnum(x, "bandwidth_gbs"), (long long)jnum(x, "jobs"), in, out, jnum(x, "busy_h"),
			jnum(x, "mean_transfers"), (long long)jnum(x, "peak_transfers"), jnum(x, "stretch"));
	}
	fputs("</table>\n<p class=\"note\">The transfers under way on a tier share its bandwidth max-min fairly, "
	      "each at most its nodes' storage_gbs; \"stretch\": the seconds the finished transfers took over "
	      "what each would have taken alone on its tier (docs/storage.md, \"Staging\").</p>\n", f);
}

void cs_report_site_html(FILE *f, const run_data *rd)
{
	const json_t *st = cs_report_json_at(rd->summary, "staging");
	if (json_object_get(rd->d, "power"))
		fputs("<h2>Power</h2>\n<div id=\"chart-site-power\" class=\"chart\"></div>\n"
		      "<p class=\"note\">Facility power: IT power (the node types' idle and peak draw by the share "
		      "of their GPUs held) x PUE; the cap, where the site has one, is never exceeded "
		      "(docs/energy.md).</p>\n", f);
	const json_t *tiers = cs_report_json_at(rd->summary, "storage.tiers");
	if (!tiers || !json_object_size(tiers)) {
		if (st)
			staging_section(f, st);
		return;
	}
	fputs("<h2>Storage</h2>\n", f);
	storage_table(f, tiers);
	fputs("<p class=\"note\">Jobs write on each tier at its rate for every GPU-hour (core-hour without GPUs) "
	      "they run; a tier with a retention deletes what is older. \"At the run's growth\": when the tier "
	      "would be full past the run at the run's mean net growth. Allocations: the accounts file's "
	      "storage_tb, with how many its jobs filled (docs/storage.md).</p>\n", f);
	if (json_object_get(rd->d, "storage"))
		fputs("<div id=\"chart-storage\" class=\"chart\"></div>\n", f);
	if (st)
		staging_section(f, st);
}

const char cs_report_site_js[] =
	"<script>\n"
	"(function(){\n"
	"if(D.power&&D.power.t.length){const P=D.power,x=CS.xs(D,P.t),cap=P.cap_kw;"
	"const note=CS.binnote({ts:{bin_s:P.bin_s}});"
	"CS.mk('chart-site-power',{title:{text:'Facility power, kW ('+note+', and the peak in each)'},legend:{top:32},"
	"grid:{top:72},xAxis:CS.xaxis(D),yAxis:{type:'value',min:0,max:v=>cap!=null?Math.max(v.max,cap)*1.05:null},"
	"tooltip:{trigger:'axis',valueFormatter:v=>CS.int(v)+' kW'},"
	"series:[{name:'mean',type:'line',showSymbol:false,data:CS.pair(x,P.mean_kw)},"
	"{name:'peak',type:'line',showSymbol:false,lineStyle:{width:1},data:CS.pair(x,P.peak_kw),"
	"markLine:cap!=null?{symbol:'none',silent:true,lineStyle:{color:'#c00',type:'dashed'},data:[{yAxis:cap}],"
	"label:{position:'insideEndTop',formatter:'cap '+CS.int(cap)+' kW'}}:undefined}]});}\n"
	"if(D.storage&&D.storage.t.length){const S=D.storage,x=CS.xs(D,S.t);"
	"CS.mk('chart-storage',{title:{text:'Storage: each tier\\'s use, share of its capacity'},legend:{top:32},"
	"grid:{top:72},xAxis:CS.xaxis(D),yAxis:{type:'value',min:0,max:v=>Math.max(1,v.max),"
	"axisLabel:{formatter:v=>(100*v).toFixed(0)+' %'}},tooltip:{trigger:'axis',valueFormatter:CS.pct},"
	"series:S.tiers.map((k,i)=>({name:k.name+' ('+CS.int(k.capacity_tb)+' TB)',type:'line',showSymbol:false,"
	"data:CS.pair(x,k.used_tb.map(u=>k.capacity_tb>0?u/k.capacity_tb:0)),"
	"markLine:i?undefined:{symbol:'none',silent:true,lineStyle:{color:'#888'},data:[{yAxis:1}],"
	"label:{position:'insideEndTop',formatter:'full'}}}))});}\n"
	"})();\n"
	"</script>\n";
