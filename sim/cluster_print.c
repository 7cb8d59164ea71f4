/* capsim: what a cluster config adds up to, as text or JSON (`capsim cluster show`). */
#include "capsim/cluster.h"
#include "capsim/failures.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Append to buf (len bytes) at *k; output past the end is dropped. */
__attribute__((format(printf, 4, 5)))
static void put(char *buf, size_t len, size_t *k, const char *fmt, ...)
{
	if (*k >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(buf + *k, len - *k, fmt, ap);
	va_end(ap);
	*k = w < 0 ? len : *k + (size_t)w;
}

/* "8 GPUs: 4 per package" or ": 3+1 by package, 2 not local to one package". */
static void gpu_placement(const cs_cluster_node_type *t, char *buf, size_t len, size_t *k)
{
	const cs_topo *topo = t->topo;
	int npkg = cs_topo_npackages(topo);
	if (cs_topo_is_synthetic(topo)) {
		if (t->gpus_per_package)
			put(buf, len, k, ": %d per package, declared in the config (synthetic topology)",
			    t->gpus_per_package);
		else
			put(buf, len, k, ": declared in the config, placement not given (synthetic topology)");
		return;
	}
	int placed = 0, same = 1;
	for (int p = 0; p < npkg; p++) {
		placed += cs_topo_package_ngpus(topo, p);
		same &= cs_topo_package_ngpus(topo, p) == cs_topo_package_ngpus(topo, 0);
	}
	if (npkg > 0 && same && placed == t->gpus) {
		put(buf, len, k, ": %d per package", cs_topo_package_ngpus(topo, 0));
	} else if (npkg > 0) {
		for (int p = 0; p < npkg; p++)
			put(buf, len, k, "%s%d", p ? "+" : ": ", cs_topo_package_ngpus(topo, p));
		put(buf, len, k, " by package");
		if (placed < t->gpus)
			put(buf, len, k, ", %d not local to one package", t->gpus - placed);
	}
}

/* The XML's GPU-to-GPU link matrix in a phrase. */
static void gpu_links(const cs_topo *topo, char *buf, size_t len, size_t *k)
{
	int n = cs_topo_ngpus(topo), pairs = 0, linked = 0;
	const char *name = cs_topo_gpu_links_name(topo);
	if (n < 2)
		return;
	if (!name) {
		put(buf, len, k, ", no GPU link matrix in the topology");
		return;
	}
	uint64_t lo = UINT64_MAX, hi = 0;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++) {
			uint64_t mbs = cs_topo_gpu_link_mbs(topo, i, j);
			pairs++;
			if (!mbs)
				continue;
			linked++;
			lo = mbs < lo ? mbs : lo;
			hi = mbs > hi ? mbs : hi;
		}
	if (linked == pairs)
		put(buf, len, k, ", %s all-to-all", name);
	else
		put(buf, len, k, ", %s between %d of %d GPU pairs", name, linked, pairs);
	if (linked && lo == hi)
		put(buf, len, k, ", %.1f GB/s per pair", (double)lo / 1000.0);
	else if (linked)
		put(buf, len, k, ", %.1f-%.1f GB/s per pair", (double)lo / 1000.0, (double)hi / 1000.0);
}

void cs_cluster_node_layout(const cs_cluster_node_type *t, char *buf, size_t len)
{
	const cs_topo *topo = t->topo;
	int npkg = cs_topo_npackages(topo), nnuma = cs_topo_nnuma(topo), same = 1;
	size_t k = 0;
	if (len)
		buf[0] = '\0';
	for (int p = 0; p < npkg; p++)
		same &= cs_topo_package_ncores(topo, p) == cs_topo_package_ncores(topo, 0);
	if (npkg == 0)
		put(buf, len, &k, "%d cores", cs_topo_ncores(topo));
	else if (npkg == 1)
		put(buf, len, &k, "1 package, %d cores", cs_topo_ncores(topo));
	else if (same)
		put(buf, len, &k, "%d packages, %dx%d cores", npkg, npkg, cs_topo_package_ncores(topo, 0));
	else {
		put(buf, len, &k, "%d packages, ", npkg);
		for (int p = 0; p < npkg; p++)
			put(buf, len, &k, "%s%d", p ? "+" : "", cs_topo_package_ncores(topo, p));
		put(buf, len, &k, " cores");
	}
	put(buf, len, &k, ", %d NUMA domain%s", nnuma, nnuma == 1 ? "" : "s");
	if (t->gpus == 0) {
		put(buf, len, &k, ", no GPUs");
		return;
	}
	put(buf, len, &k, ", %d GPU%s", t->gpus, t->gpus == 1 ? "" : "s");
	gpu_placement(t, buf, len, &k);
	if (!cs_topo_is_synthetic(topo))
		gpu_links(topo, buf, len, &k);
}

/* Fat-tree sizing from the levels: below the top, a switch of radix r and
 * oversubscription o (down:up bandwidth) has floor(r o / (1 + o)) ports
 * down and the rest up; the top level uses all r ports down. Level 0 takes
 * the nodes; each level above takes the uplinks of the one below. */
static void fabric_sizing(const cs_cluster *c, long long *switches, int *down)
{
	int nl = cs_cluster_nfabric_levels(c);
	long long below = cs_cluster_totals_of(c)->nodes;
	for (int i = 0; i < nl; i++) {
		const cs_cluster_fabric_level *l = cs_cluster_fabric_level_at(c, i);
		int d = i == nl - 1 ? l->radix : (int)((double)l->radix * l->oversubscription / (1.0 + l->oversubscription));
		if (d < 1)
			d = 1;
		switches[i] = (below + d - 1) / d;
		down[i] = d;
		below = switches[i] * (l->radix - d);
	}
}

int cs_cluster_leaf_nodes(const cs_cluster *c)
{
	int nl = cs_cluster_nfabric_levels(c);
	if (nl == 0 || nl > 64)
		return 0;
	long long sw[64];
	int down[64];
	fabric_sizing(c, sw, down);
	return down[0];
}

/* The unscaled cluster a scaled one comes from (through every scaling). */
static const cs_cluster *scale_root(const cs_cluster *c)
{
	const cs_cluster *b = c;
	while (cs_cluster_scale_base(b))
		b = cs_cluster_scale_base(b);
	return b;
}

/* Nodes of the root's node type t in c (0: scaled away). */
static int count_in(const cs_cluster *c, const cs_cluster_node_type *t)
{
	int i = cs_cluster_node_type_find(c, t->name);
	return i < 0 ? 0 : cs_cluster_node_type_at(c, i)->count;
}

int cs_cluster_print(FILE *f, const cs_cluster *c)
{
	const cs_cluster_totals *t = cs_cluster_totals_of(c);
	const cs_cluster_site *site = cs_cluster_site_info(c);
	fprintf(f, "cluster %s (%s)\n", cs_cluster_name(c), cs_cluster_path(c));
	if (cs_cluster_scale_base(c)) {
		const cs_cluster *root = scale_root(c);
		int any = 0;
		fprintf(f, "  scaled by --scale %s:", cs_cluster_scaled_by(c));
		for (int i = 0; i < cs_cluster_nnode_types(root); i++) {
			const cs_cluster_node_type *n = cs_cluster_node_type_at(root, i);
			int now = count_in(c, n);
			if (now == n->count)
				continue;
			fprintf(f, "%s %s %d -> %d%s", any ? "," : "", n->name, n->count, now, now ? "" : " (removed)");
			any = 1;
		}
		fprintf(f, "%s\n", any ? "" : " no count changed");
	}
	fprintf(f, "  %lld nodes, %lld cores, %lld GPUs", (long long)t->nodes, (long long)t->cores,
		(long long)t->gpus);
	for (int i = 0; i < cs_cluster_ngpu_models(c); i++) {
		const cs_cluster_gpu_count *g = cs_cluster_gpu_model_at(c, i);
		fprintf(f, "%s%lld %s", i ? ", " : " (", (long long)g->count, g->model);
		if (i + 1 == cs_cluster_ngpu_models(c))
			fputc(')', f);
	}
	fprintf(f, ", %.1f TiB memory, %.2f PB storage\n", t->memory_gib / 1024.0, t->storage_pb);
	fprintf(f, "  peak PF (dense):");
	for (int p = 0; p < CS_PREC_COUNT; p++)
		fprintf(f, " %s %.3f", cs_cluster_prec_name(p), t->peak_pflops[p]);
	fprintf(f, "\n  power: IT %.1f kW idle, %.1f kW peak; with PUE %.2f: %.1f / %.1f kW\n",
		t->idle_kw, t->peak_kw, site->pue, t->facility_idle_kw, t->facility_peak_kw);
	if (t->cost > 0)
		fprintf(f, "  cost: %.0f %s (the node types' per-node cost x count)\n", t->cost,
			*site->currency ? site->currency : "(no currency given)");
	if (site->power_cap_kw > 0)
		fprintf(f, "  power cap: %.1f kW facility (%.1f kW IT at PUE %.2f)\n", site->power_cap_kw,
			site->power_cap_kw / site->pue, site->pue);
	fprintf(f, "node types:\n");
	for (int i = 0; i < cs_cluster_nnode_types(c); i++) {
		const cs_cluster_node_type *n = cs_cluster_node_type_at(c, i);
		char layout[512];
		fprintf(f, "  %-12s x%-5d %d cores, %.0f GiB", n->name, n->count, cs_topo_ncores(n->topo),
			n->memory_gib);
		if (n->gpus)
			fprintf(f, ", %d x %s (%s)", n->gpus, n->gpu_model, n->gpu_vendor);
		fprintf(f, ", %.0f-%.0f W", n->idle_w, n->peak_w);
		if (n->cost > 0)
			fprintf(f, ", %.0f %s a node", n->cost, site->currency);
		if (n->storage_gbs > 0)
			fprintf(f, ", storage %g GB/s", n->storage_gbs);
		fputc('\n', f);
		cs_cluster_node_layout(n, layout, sizeof layout);
		fprintf(f, "  %-12s        %s\n", "", layout);
	}
	fprintf(f, "partitions:\n");
	for (int i = 0; i < cs_cluster_npartitions(c); i++) {
		const cs_cluster_partition *p = cs_cluster_partition_at(c, i);
		fprintf(f, "  %-12s", p->name);
		for (int k = 0; k < p->nnode_types; k++)
			fprintf(f, "%s%s", k ? "," : " ", cs_cluster_node_type_at(c, p->node_types[k])->name);
		if (p->max_time_s)
			fprintf(f, "  max time %lld s", (long long)p->max_time_s);
		if (p->max_nodes)
			fprintf(f, "  max nodes %d", p->max_nodes);
		if (p->billing.given) {
			char w[512];
			cs_billing_format(&p->billing, w, sizeof w);
			fprintf(f, "  billing %s", w);
			if (p->billing_gpu_model[0])
				fprintf(f, " (%g per %s)", cs_billing_gpu_weight(&p->billing, p->billing_gpu_model),
					p->billing_gpu_model);
		} else if (cs_cluster_has_billing(c)) {
			fprintf(f, "  billing size (no weights)");
		}
		fputc('\n', f);
	}
	long long sw[64];
	int down[64];
	if (cs_cluster_nfabric_levels(c) <= 64)
		fabric_sizing(c, sw, down);
	for (int i = 0; i < cs_cluster_nfabric_levels(c) && i < 64; i++) {
		const cs_cluster_fabric_level *l = cs_cluster_fabric_level_at(c, i);
		fprintf(f, "fabric level %d: %s, radix %d, oversubscription %.2f: %lld switches, %d %s down each\n",
			i, l->name, l->radix, l->oversubscription, sw[i], down[i], i ? "ports" : "nodes");
	}
	if (cs_cluster_fabric_block_nodes(c))
		fprintf(f, "fabric blocks: %d nodes\n", cs_cluster_fabric_block_nodes(c));
	for (int i = 0; i < cs_cluster_nstorage(c); i++) {
		const cs_cluster_storage *st = cs_cluster_storage_at(c, i);
		fprintf(f, "storage %s: %.2f PB", st->name, st->capacity_pb);
		if (st->bandwidth_gbs > 0)
			fprintf(f, ", %.0f GB/s", st->bandwidth_gbs);
		else
			fprintf(f, ", no bandwidth given");
		if (st->used_pb > 0)
			fprintf(f, ", %.2f PB used at the start", st->used_pb);
		if (st->tb_per_gpu_hour > 0 || st->tb_per_core_hour > 0)
			fprintf(f, ", %g TB a GPU-hour, %g TB a core-hour", st->tb_per_gpu_hour, st->tb_per_core_hour);
		if (st->retention_days > 0)
			fprintf(f, ", kept %g days", st->retention_days);
		fputc('\n', f);
	}
	cs_fail_print(f, c);
	return ferror(f) ? -CS_EIO : 0;
}

/* ---- JSON ------------------------------------------------------------------ */

/* A figure whose 0 means "not given" (see cluster.h): null then. */
static json_t *given(double v) { return v != 0 ? json_real(v) : json_null(); }

/* {"fp64": x, ...} over the precisions; skip_zero leaves out those not given. */
static json_t *peaks(const double *v, int skip_zero)
{
	json_t *o = json_object();
	for (int p = 0; p < CS_PREC_COUNT; p++)
		if (!skip_zero || v[p] != 0)
			json_object_set_new(o, cs_cluster_prec_name(p), json_real(v[p]));
	return o;
}

static json_t *totals_json(const cs_cluster *c)
{
	const cs_cluster_totals *t = cs_cluster_totals_of(c);
	json_t *o = json_object(), *by_model = json_object();
	json_object_set_new(o, "nodes", json_integer(t->nodes));
	json_object_set_new(o, "cores", json_integer(t->cores));
	json_object_set_new(o, "gpus", json_integer(t->gpus));
	for (int i = 0; i < cs_cluster_ngpu_models(c); i++) {
		const cs_cluster_gpu_count *g = cs_cluster_gpu_model_at(c, i);
		json_object_set_new(by_model, g->model, json_integer(g->count));
	}
	json_object_set_new(o, "gpus_by_model", by_model);
	json_object_set_new(o, "memory_gib", json_real(t->memory_gib));
	json_object_set_new(o, "storage_pb", json_real(t->storage_pb));
	json_object_set_new(o, "peak_pflops", peaks(t->peak_pflops, 0));
	json_object_set_new(o, "idle_kw", json_real(t->idle_kw));
	json_object_set_new(o, "peak_kw", json_real(t->peak_kw));
	json_object_set_new(o, "facility_idle_kw", json_real(t->facility_idle_kw));
	json_object_set_new(o, "facility_peak_kw", json_real(t->facility_peak_kw));
	json_object_set_new(o, "cost", given(t->cost));
	return o;
}

static json_t *node_type_json(const cs_cluster_node_type *n)
{
	const cs_topo *topo = n->topo;
	int synth = cs_topo_is_synthetic(topo);
	char layout[512];
	cs_cluster_node_layout(n, layout, sizeof layout);
	json_t *o = json_object(), *per_pkg = json_array();
	json_object_set_new(o, "name", json_string(n->name));
	json_object_set_new(o, "count", json_integer(n->count));
	json_object_set_new(o, "topology", json_string(cs_topo_spec(topo)));
	json_object_set_new(o, "synthetic", json_boolean(synth));
	json_object_set_new(o, "packages", json_integer(cs_topo_npackages(topo)));
	json_object_set_new(o, "numa_domains", json_integer(cs_topo_nnuma(topo)));
	json_object_set_new(o, "cores", json_integer(cs_topo_ncores(topo)));
	json_object_set_new(o, "pus", json_integer(cs_topo_npus(topo)));
	json_object_set_new(o, "memory_gib", json_real(n->memory_gib));
	json_object_set_new(o, "layout", json_string(layout));
	json_object_set_new(o, "gpus", json_integer(n->gpus));
	json_object_set_new(o, "gpu_model", n->gpus ? json_string(n->gpu_model) : json_null());
	json_object_set_new(o, "gpu_vendor", n->gpus ? json_string(n->gpu_vendor) : json_null());
	/* per package: the XML's placement, or the config's per_package (empty if not given) */
	for (int p = 0; n->gpus && (!synth || n->gpus_per_package) && p < cs_topo_npackages(topo); p++)
		json_array_append_new(per_pkg, json_integer(synth ? n->gpus_per_package : cs_topo_package_ngpus(topo, p)));
	json_object_set_new(o, "gpus_per_package", per_pkg);
	json_object_set_new(o, "gpu_links", cs_topo_gpu_links_name(topo) ? json_string(cs_topo_gpu_links_name(topo))
									  : json_null());
	json_object_set_new(o, "gpu_peak_tflops", peaks(n->gpu_peak_tflops, 1));
	json_object_set_new(o, "cpu_peak_tflops_fp64", given(n->cpu_peak_tflops_fp64));
	json_object_set_new(o, "power_w", json_pack("{s:f, s:f}", "idle", n->idle_w, "peak", n->peak_w));
	json_object_set_new(o, "cost", given(n->cost));
	json_object_set_new(o, "storage_gbs", given(n->storage_gbs));
	return o;
}

int cs_cluster_print_json(FILE *f, const cs_cluster *c)
{
	const cs_cluster_site *site = cs_cluster_site_info(c);
	json_t *root = json_object();
	if (!root)
		return -CS_ENOMEM;
	json_object_set_new(root, "name", json_string(cs_cluster_name(c)));
	json_object_set_new(root, "source", json_string(cs_cluster_path(c)));
	json_t *scale = json_null();
	if (cs_cluster_scale_base(c)) {
		const cs_cluster *r = scale_root(c);
		json_t *counts = json_array();
		for (int i = 0; i < cs_cluster_nnode_types(r); i++) {
			const cs_cluster_node_type *n = cs_cluster_node_type_at(r, i);
			json_array_append_new(counts, json_pack("{s:s, s:i, s:i}", "name", n->name, "count_before",
								 n->count, "count", count_in(c, n)));
		}
		scale = json_pack("{s:s, s:o}", "spec", cs_cluster_scaled_by(c), "node_types", counts);
	}
	json_object_set_new(root, "scale", scale);
	json_object_set_new(root, "site", json_pack("{s:f, s:o, s:o, s:o}", "pue", site->pue, "power_cap_kw",
						     given(site->power_cap_kw), "energy_price_per_kwh",
						     given(site->energy_price_per_kwh), "currency",
						     *site->currency ? json_string(site->currency) : json_null()));
	json_object_set_new(root, "totals", totals_json(c));
	json_t *types = json_array();
	for (int i = 0; i < cs_cluster_nnode_types(c); i++)
		json_array_append_new(types, node_type_json(cs_cluster_node_type_at(c, i)));
	json_object_set_new(root, "node_types", types);
	json_t *parts = json_array();
	for (int i = 0; i < cs_cluster_npartitions(c); i++) {
		const cs_cluster_partition *p = cs_cluster_partition_at(c, i);
		json_t *names = json_array();
		int64_t nodes = 0;
		for (int k = 0; k < p->nnode_types; k++) {
			const cs_cluster_node_type *n = cs_cluster_node_type_at(c, p->node_types[k]);
			json_array_append_new(names, json_string(n->name));
			nodes += n->count;
		}
		char w[512];
		cs_billing_format(&p->billing, w, sizeof w);
		json_array_append_new(parts, json_pack("{s:s, s:o, s:I, s:o, s:o, s:o}", "name", p->name, "node_types",
						       names, "nodes", (json_int_t)nodes, "max_time_s",
						       p->max_time_s ? json_integer(p->max_time_s) : json_null(),
						       "max_nodes", p->max_nodes ? json_integer(p->max_nodes) : json_null(),
						       "tres_billing_weights", p->billing.given ? json_string(w) : json_null()));
	}
	json_object_set_new(root, "partitions", parts);
	json_t *fabric = json_null();
	if (cs_cluster_nfabric_levels(c)) {
		json_t *levels = json_array();
		long long sw[64];
		int down[64];
		if (cs_cluster_nfabric_levels(c) <= 64)
			fabric_sizing(c, sw, down);
		for (int i = 0; i < cs_cluster_nfabric_levels(c) && i < 64; i++) {
			const cs_cluster_fabric_level *l = cs_cluster_fabric_level_at(c, i);
			json_array_append_new(levels, json_pack("{s:s, s:i, s:f, s:I, s:i}", "name", l->name, "radix",
								l->radix, "oversubscription", l->oversubscription,
								"switches", (json_int_t)sw[i], "down_ports", down[i]));
		}
		int block = cs_cluster_fabric_block_nodes(c);
		fabric = json_pack("{s:o, s:o}", "levels", levels, "block_nodes",
				   block ? json_integer(block) : json_null());
	}
	json_object_set_new(root, "fabric", fabric);
	json_t *storage = json_array();
	for (int i = 0; i < cs_cluster_nstorage(c); i++) {
		const cs_cluster_storage *s = cs_cluster_storage_at(c, i);
		json_array_append_new(storage, json_pack("{s:s, s:f, s:o, s:f, s:f, s:f, s:o}", "name", s->name,
							 "capacity_pb", s->capacity_pb, "bandwidth_gbs", given(s->bandwidth_gbs),
							 "used_pb", s->used_pb, "tb_per_gpu_hour", s->tb_per_gpu_hour,
							 "tb_per_core_hour", s->tb_per_core_hour, "retention_days",
							 given(s->retention_days)));
	}
	json_object_set_new(root, "storage", storage);
	int rc = json_dumpf(root, f, JSON_PRESERVE_ORDER);
	json_decref(root);
	fputc('\n', f);
	return rc < 0 || ferror(f) ? -CS_EIO : 0;
}
