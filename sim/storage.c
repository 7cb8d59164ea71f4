/* capsim: storage over a run (include/capsim/storage.h).
 *
 * A tier's use is a piecewise linear function of time: each job adds its
 * rate (TB a second) to the slope while it runs, and with a retention of
 * R seconds takes it off again over [start + R, end + R). So the use is
 * walked once over the slope changes, sorted by time, and the first time
 * it reaches a level is found exactly inside the segment that crosses it
 * (rounded up to the second). */
#include "capsim/storage.h"
#include "capsim/csvout.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A change of a use's slope, TB/s, at time t. */
typedef struct sev {
	cs_time t;
	double d;
	uint32_t job; /* whose change: the accounts' allocations take their jobs' */
} sev;

struct cs_storage_run {
	cs_time t0, t1, sample_s;
	size_t ntiers, nsamples;
	cs_storage_tier *tiers;
	double *samples;          /* [tier * nsamples + k]: use at t0 + k x sample_s, the last at t1 */
	size_t naccounts;
	cs_storage_account *accounts;
	char **names;             /* owned copies of the tier and account names */
	size_t nnames;
};

int cs_storage_tier_find(const cs_cluster *c, const char *name)
{
	int n = cs_cluster_nstorage(c);
	for (int k = 0; k < n; k++)
		if (strcmp(cs_cluster_storage_at(c, k)->name, name) == 0)
			return k;
	return -1;
}

const char *cs_storage_tiers_text(const cs_cluster *c, char *buf, size_t len)
{
	int n = cs_cluster_nstorage(c);
	snprintf(buf, len, "%s", n ? "its tiers: " : "it has no storage tiers");
	for (int j = 0; j < n; j++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", j ? ", " : "", cs_cluster_storage_at(c, j)->name);
	return buf;
}

int cs_storage_check(const cs_cluster *c, const cs_account_tree *tree, const char *accounts_path, char *err,
		     size_t errlen)
{
	for (uint32_t i = 0; tree && i < tree->nstorage; i++) {
		const cs_storage_alloc *a = &tree->storage[i];
		if (!c) {
			snprintf(err, errlen, "%s:%d:%d: %s.storage_tb.%s: storage is modelled on the node model only, and "
				 "this run pools its processors: give --node-model (and a --cluster with storage tiers), or "
				 "drop the allocations", accounts_path ? accounts_path : "accounts", a->line, a->col,
				 tree->name[a->node], a->tier);
			return -CS_EINVAL;
		}
		if (cs_storage_tier_find(c, a->tier) >= 0)
			continue;
		char list[512];
		snprintf(err, errlen, "%s:%d:%d: %s.storage_tb.%s: no storage tier '%s' in cluster %s (%s)",
			 accounts_path ? accounts_path : "accounts", a->line, a->col, tree->name[a->node], a->tier,
			 a->tier, cs_cluster_name(c), cs_storage_tiers_text(c, list, sizeof list));
		return -CS_EINVAL;
	}
	return 0;
}

void cs_storage_free(cs_storage_run *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nnames; i++)
		free(s->names[i]);
	free(s->names);
	free(s->tiers);
	free(s->samples);
	free(s->accounts);
	free(s);
}

static int sev_cmp(const void *a, const void *b)
{
	const sev *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->d > y->d) - (x->d < y->d);
}

/* ev[0..n) by time, then slope change (equal pairs are alike, so the
 * order is the one sev_cmp gives): an LSD radix sort by time, 11 bits a
 * pass, then each run of one time (a few events) by its changes; qsort
 * where that cannot be. */
static void sort_events(sev *ev, size_t n)
{
	if (n < 2)
		return;
	cs_time tmin = ev[0].t, tmax = ev[0].t;
	for (size_t i = 1; i < n; i++) {
		tmin = ev[i].t < tmin ? ev[i].t : tmin;
		tmax = ev[i].t > tmax ? ev[i].t : tmax;
	}
	sev *tmp = tmin < 0 && tmax > INT64_MAX + tmin ? NULL : malloc(n * sizeof *tmp);
	if (!tmp) {
		qsort(ev, n, sizeof *ev, sev_cmp);
		return;
	}
	uint64_t span = (uint64_t)(tmax - tmin);
	/* digits of 11 bits, or of 8 for the many short lists, whose time
	 * would otherwise go to clearing and summing the counts */
	const unsigned bits = n < 4096 ? 8 : 11;
	const size_t nb = (size_t)1 << bits, mask = nb - 1;
	size_t at[1 << 11];
	for (unsigned shift = 0; shift < 64 && (span >> shift); shift += bits) {
		memset(at, 0, nb * sizeof *at);
		for (size_t i = 0; i < n; i++)
			at[((uint64_t)(ev[i].t - tmin) >> shift) & mask]++;
		for (size_t d = 0, sum = 0; d < nb; d++) {
			size_t c = at[d];
			at[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[at[((uint64_t)(ev[i].t - tmin) >> shift) & mask]++] = ev[i];
		memcpy(ev, tmp, n * sizeof *ev);
	}
	free(tmp);
	for (size_t a = 0, b; a < n; a = b) {
		for (b = a + 1; b < n && ev[b].t == ev[a].t; b++)
			;
		if (b - a > 16)
			qsort(ev + a, b - a, sizeof *ev, sev_cmp);
		else
			for (size_t i = a + 1; i < b; i++)
				for (size_t k = i; k > a && sev_cmp(&ev[k - 1], &ev[k]) > 0; k--) {
					sev x = ev[k];
					ev[k] = ev[k - 1];
					ev[k - 1] = x;
				}
	}
}

/* A job's rate on tier k: TB a second. */
static double job_rate(const cs_cluster_storage *k, const cs_job *j)
{
	if (j->start_s < 0)
		return 0;
	if (j->gpus_per_node)
		return (double)j->nodes * j->gpus_per_node * k->tb_per_gpu_hour / 3600.0;
	return (double)j->nodes * j->cores_per_node * k->tb_per_core_hour / 3600.0;
}

/* Append job j's slope changes on tier k (retention r seconds, 0: none). */
static size_t job_events(const cs_cluster_storage *k, const cs_job *jobs, uint32_t j, cs_time r, sev *out)
{
	double v = job_rate(k, &jobs[j]);
	cs_time a = jobs[j].start_s, b = jobs[j].end_s;
	if (v <= 0 || b <= a)
		return 0;
	out[0] = (sev){ a, v, j };
	out[1] = (sev){ b, -v, j };
	if (!r)
		return 2;
	out[2] = (sev){ a + r, -v, j };
	out[3] = (sev){ b + r, v, j };
	return 4;
}

/* What a walk found. */
typedef struct usage {
	double end, peak;
	cs_time full;  /* first time use >= level; -1: not by t1 */
} usage;

/* The use from u0 at t0 through the sorted slope changes e[0..n), up to
 * t1: at the end, at its highest, and when it first reaches level; the
 * use at each sample time into samples (NULL: none). */
static usage walk(const sev *e, size_t n, double u0, double level, cs_time t0, cs_time t1, cs_time step,
		  double *samples, size_t nsamples)
{
	usage out = { u0, u0, u0 >= level ? t0 : -1 };
	double u = u0, slope = 0;
	cs_time at = t0;
	size_t i = 0, k = 0;
	for (;;) {
		cs_time next = i < n && e[i].t < t1 ? e[i].t : t1;
		/* the samples in [at, next) */
		for (; samples && k < nsamples; k++) {
			cs_time ts = k + 1 == nsamples ? t1 : t0 + (cs_time)k * step;
			if (ts >= next && !(ts == t1 && next == t1))
				break;
			samples[k] = u + slope * (double)(ts - at);
		}
		double v = u + slope * (double)(next - at);
		if (out.full < 0 && slope > 0 && v >= level) {
			cs_time dt = (cs_time)ceil((level - u) / slope - 1e-9);
			out.full = at + (dt < 0 ? 0 : dt > next - at ? next - at : dt);
		}
		u = v;
		at = next;
		if (u > out.peak)
			out.peak = u;
		if (next == t1)
			break;
		for (; i < n && e[i].t == next; i++)
			slope += e[i].d;
		if (out.full < 0 && u >= level)
			out.full = at;
	}
	out.end = u;
	return out;
}

static char *own_name(cs_storage_run *s, const char *name)
{
	char *d = strdup(name ? name : "");
	if (d)
		s->names[s->nnames++] = d;
	return d;
}

/* The allocations on tier k (tier[i] == k) over the run: use[i], from
 * ev[0..ne), the tier's changes of every job in order. Each change goes
 * to the allocations of its job's account and the account's ancestors
 * (at[v] .. at[v + 1] of of[]: node v's; up[v]: v or the nearest of its
 * ancestors with allocations, -1 for none), in that order, so each
 * allocation's changes are in order too: the ones a sort of them alone
 * gives (equal changes at one time are alike). -CS_ENOMEM or 0. */
static int allocations_use(const cs_account_tree *tree, size_t k, const uint32_t *tier, const uint32_t *at,
			   const uint32_t *of, const int32_t *up, const sev *ev, size_t ne, cs_time t0, cs_time t1,
			   usage *use)
{
	uint32_t A = tree->nstorage;
	size_t *pos = calloc((size_t)A + 1, sizeof *pos);
	if (!pos)
		return -CS_ENOMEM;
	for (size_t e = 0; e < ne; e++)
		for (int32_t v = up[tree->job_account[ev[e].job]]; v >= 0; v = tree->parent[v] >= 0 ? up[tree->parent[v]] : -1)
			for (uint32_t q = at[v]; q < at[v + 1]; q++)
				pos[of[q] + 1] += tier[of[q]] == k;
	for (uint32_t i = 0; i < A; i++)
		pos[i + 1] += pos[i];
	sev *aev = malloc((pos[A] + 1) * sizeof *aev);
	if (!aev) {
		free(pos);
		return -CS_ENOMEM;
	}
	for (size_t e = 0; e < ne; e++)
		for (int32_t v = up[tree->job_account[ev[e].job]]; v >= 0; v = tree->parent[v] >= 0 ? up[tree->parent[v]] : -1)
			for (uint32_t q = at[v]; q < at[v + 1]; q++)
				if (tier[of[q]] == k)
					aev[pos[of[q]]++] = ev[e];
	/* (pos[i] now ends allocation i's changes: pos[i - 1] starts them) */
	for (uint32_t i = 0; i < A; i++)
		if (tier[i] == k) {
			size_t from = i ? pos[i - 1] : 0;
			use[i] = walk(aev + from, pos[i] - from, 0, tree->storage[i].tb, t0, t1, 1, NULL, 0);
		}
	free(aev);
	free(pos);
	return 0;
}

int cs_storage_compute(cs_storage_run **out, const cs_cluster *c, const cs_job *jobs, size_t n,
		       const cs_account_tree *tree, cs_time sample_s, char *err, size_t errlen)
{
	*out = NULL;
	size_t T = (size_t)cs_cluster_nstorage(c), A = tree ? tree->nstorage : 0;
	cs_storage_run *s = calloc(1, sizeof *s);
	sev *ev = malloc((4 * n + 1) * sizeof *ev);
	if (!s || !ev)
		goto oom;
	s->t0 = n ? jobs[0].submit_s : 0;
	s->t1 = s->t0;
	for (size_t j = 0; j < n; j++) {
		cs_time e = jobs[j].start_s >= 0 ? jobs[j].end_s : jobs[j].submit_s;
		s->t1 = e > s->t1 ? e : s->t1;
	}
	s->sample_s = sample_s > 0 ? sample_s : 3600;
	s->nsamples = (size_t)((s->t1 - s->t0 + s->sample_s - 1) / s->sample_s) + 1;
	s->ntiers = T;
	s->naccounts = A;
	s->tiers = calloc(T + 1, sizeof *s->tiers);
	s->samples = malloc((T * s->nsamples + 1) * sizeof *s->samples);
	s->accounts = calloc(A + 1, sizeof *s->accounts);
	s->names = calloc(T + 2 * A + 1, sizeof *s->names);
	if (!s->tiers || !s->samples || !s->accounts || !s->names)
		goto oom;
	/* per allocation its tier (T: none of the cluster's), and the
	 * allocations of each node of the tree (at, of) */
	uint32_t *tier = A ? malloc(A * sizeof *tier) : NULL, *of = A ? malloc(A * sizeof *of) : NULL;
	uint32_t *at = A ? calloc((size_t)tree->nnodes + 2, sizeof *at) : NULL;
	int32_t *up = A ? malloc(((size_t)tree->nnodes + 1) * sizeof *up) : NULL;
	usage *use = A ? malloc(A * sizeof *use) : NULL;
	uint8_t *tier_used = calloc(T + 1, 1);
	int rc = 0;
	if (!tier_used || (A && (!tier || !of || !at || !up || !use))) {
		rc = -CS_ENOMEM;
		goto done;
	}
	for (uint32_t i = 0; i < A; i++) {
		const char *name = tree->storage[i].tier;
		uint32_t k = 0;
		while (k < T && strcmp(cs_cluster_storage_at(c, (int)k)->name ? cs_cluster_storage_at(c, (int)k)->name : "",
				       name) != 0)
			k++;
		tier[i] = k;
		at[tree->storage[i].node + 2]++;
	}
	for (uint32_t v = 0; A && v < tree->nnodes; v++)
		at[v + 2] += at[v + 1];
	for (uint32_t i = 0; i < A; i++)
		of[at[tree->storage[i].node + 1]++] = i;
	for (uint32_t v = 0; A && v < tree->nnodes; v++) /* (a parent comes before its children) */
		up[v] = at[v] < at[v + 1] ? (int32_t)v : tree->parent[v] >= 0 ? up[tree->parent[v]] : -1;
	for (uint32_t i = 0; i < A; i++)
		tier_used[tier[i]] = 1;
	double span = (double)(s->t1 - s->t0);
	for (size_t k = 0; k < T && rc == 0; k++) {
		const cs_cluster_storage *st = cs_cluster_storage_at(c, (int)k);
		cs_storage_tier *o = &s->tiers[k];
		cs_time r = (cs_time)llround(st->retention_days * 86400.0);
		size_t ne = 0;
		for (size_t j = 0; j < n; j++)
			ne += job_events(st, jobs, (uint32_t)j, r, ev + ne);
		sort_events(ev, ne);
		double cap = st->capacity_pb * 1000.0, u0 = st->used_pb * 1000.0;
		usage u = walk(ev, ne, u0, cap, s->t0, s->t1, s->sample_s, s->samples + k * s->nsamples, s->nsamples);
		*o = (cs_storage_tier){ .name = own_name(s, st->name), .capacity_tb = cap, .used_start_tb = u0,
					.used_end_tb = u.end, .peak_tb = u.peak, .tb_per_gpu_hour = st->tb_per_gpu_hour,
					.tb_per_core_hour = st->tb_per_core_hour, .retention_days = st->retention_days,
					.full_t = u.full, .forecast_t = -1 };
		if (!o->name)
			rc = -CS_ENOMEM;
		/* TB a second, over the run; a tier that purges settles where writes and
		 * deletions balance, so a straight line says nothing about it */
		double rate = span > 0 && !(st->retention_days > 0) ? (u.end - u0) / span : 0;
		if (u.full < 0 && rate > 0)
			o->forecast_t = s->t1 + (cs_time)ceil((cap - u.end) / rate - 1e-9);
		if (rc == 0 && tier_used[k])
			rc = allocations_use(tree, k, tier, at, of, up, ev, ne, s->t0, s->t1, use);
	}
	for (uint32_t i = 0; rc == 0 && i < A; i++) {
		const cs_storage_alloc *a = &tree->storage[i];
		size_t k = tier[i];
		cs_storage_account *o = &s->accounts[i];
		if (!(o->account = own_name(s, tree->name[a->node])) || !(o->tier = own_name(s, a->tier))) {
			rc = -CS_ENOMEM;
			break;
		}
		o->allocated_tb = a->tb;
		o->full_t = -1;
		if (k == T)
			continue; /* not checked against the cluster: counts nothing */
		o->used_end_tb = use[i].end;
		o->peak_tb = use[i].peak;
		o->full_t = use[i].full;
		s->tiers[k].allocated_tb += a->tb;
		s->tiers[k].allocations++;
		s->tiers[k].allocations_full += use[i].full >= 0;
	}
done:
	free(tier);
	free(of);
	free(at);
	free(up);
	free(use);
	free(tier_used);
	if (rc < 0)
		goto oom;
	free(ev);
	*out = s;
	return 0;
oom:
	free(ev);
	cs_storage_free(s);
	snprintf(err, errlen, "out of memory");
	return -CS_ENOMEM;
}

size_t cs_storage_ntiers(const cs_storage_run *s) { return s->ntiers; }
const cs_storage_tier *cs_storage_tier_at(const cs_storage_run *s, size_t i)
{
	return i < s->ntiers ? &s->tiers[i] : NULL;
}
size_t cs_storage_naccounts(const cs_storage_run *s) { return s->naccounts; }
const cs_storage_account *cs_storage_account_at(const cs_storage_run *s, size_t i)
{
	return i < s->naccounts ? &s->accounts[i] : NULL;
}

static void put_time(FILE *f, int64_t epoch, cs_time t)
{
	if (t >= 0)
		cs_csv_int(f, t);
	fputc(',', f);
	cs_csv_utc(f, epoch, t);
}

/* ",v[0],v[1],..." with prec[k] decimals each, as printf's "%.*f" (one
 * write: storage.csv has a row per tier and sample). */
static void put_decimals(FILE *f, const double *v, const int *prec, size_t n)
{
	char b[3 * (CS_PUT_FIXED_MAX + 1)], *p = b;
	for (size_t k = 0; k < n && k < 3; k++) {
		*p++ = ',';
		p = cs_put_fixed(p, v[k], prec[k]);
	}
	fwrite(b, 1, (size_t)(p - b), f);
}

int cs_storage_write(const cs_storage_run *s, const char *dir, int64_t epoch, char *err, size_t errlen)
{
	char path[4096];
	FILE *f = cs_csv_open(dir, "storage.csv", path, sizeof path, err, errlen);
	if (!f)
		return -CS_EIO;
	fputs("t,time,tier,used_tb,capacity_tb,used_share\n", f);
	for (size_t k = 0; k < s->nsamples; k++) {
		cs_time t = k + 1 == s->nsamples ? s->t1 : s->t0 + (cs_time)k * s->sample_s;
		for (size_t i = 0; i < s->ntiers; i++) {
			const cs_storage_tier *o = &s->tiers[i];
			double u = s->samples[i * s->nsamples + k];
			put_time(f, epoch, t);
			fputc(',', f);
			cs_csv_field(f, o->name);
			put_decimals(f, (const double[]){ u, o->capacity_tb, o->capacity_tb > 0 ? u / o->capacity_tb : 0 },
				     (const int[]){ 3, 3, 6 }, 3);
			fputc('\n', f);
		}
	}
	int rc = cs_csv_close(f, path, err, errlen);
	if (rc < 0 || !s->naccounts)
		return rc;
	if (!(f = cs_csv_open(dir, "storage_allocations.csv", path, sizeof path, err, errlen)))
		return -CS_EIO;
	fputs("account,tier,allocated_tb,used_end_tb,peak_tb,full_t,full_time\n", f);
	for (size_t i = 0; i < s->naccounts; i++) {
		const cs_storage_account *a = &s->accounts[i];
		cs_csv_field(f, a->account);
		fputc(',', f);
		cs_csv_field(f, a->tier);
		put_decimals(f, (const double[]){ a->allocated_tb, a->used_end_tb, a->peak_tb }, (const int[]){ 3, 3, 3 },
			     3);
		fputc(',', f);
		put_time(f, epoch, a->full_t);
		fputc('\n', f);
	}
	return cs_csv_close(f, path, err, errlen);
}

static json_t *time_json(int64_t epoch, cs_time t)
{
	char b[40];
	cs_utc_string(b, sizeof b, epoch, t);
	return t >= 0 && *b ? json_string(b) : json_null();
}

json_t *cs_storage_json(const cs_storage_run *s, int64_t epoch)
{
	json_t *o = json_object(), *tiers = json_object();
	double cap = 0, used = 0, alloc = 0;
	for (size_t i = 0; i < s->ntiers; i++) {
		const cs_storage_tier *t = &s->tiers[i];
		json_t *x = json_object();
		json_object_set_new(x, "capacity_tb", json_real(t->capacity_tb));
		json_object_set_new(x, "used_start_tb", json_real(t->used_start_tb));
		json_object_set_new(x, "used_end_tb", json_real(t->used_end_tb));
		json_object_set_new(x, "peak_tb", json_real(t->peak_tb));
		json_object_set_new(x, "headroom_tb", json_real(t->capacity_tb - t->used_end_tb));
		json_object_set_new(x, "tb_per_gpu_hour", json_real(t->tb_per_gpu_hour));
		json_object_set_new(x, "tb_per_core_hour", json_real(t->tb_per_core_hour));
		json_object_set_new(x, "retention_days", t->retention_days > 0 ? json_real(t->retention_days) : json_null());
		json_object_set_new(x, "full_t", t->full_t >= 0 ? json_integer(t->full_t) : json_null());
		json_object_set_new(x, "full_time", time_json(epoch, t->full_t));
		json_object_set_new(x, "forecast_full_t", t->forecast_t >= 0 ? json_integer(t->forecast_t) : json_null());
		json_object_set_new(x, "forecast_full_time", time_json(epoch, t->forecast_t));
		json_object_set_new(x, "allocated_tb", json_real(t->allocated_tb));
		json_object_set_new(x, "allocations", json_integer(t->allocations));
		json_object_set_new(x, "allocations_full", json_integer(t->allocations_full));
		json_object_set_new(tiers, t->name, x); /* keyed by name: sweeps tabulate storage.tiers.NAME.* */
		cap += t->capacity_tb;
		used += t->used_end_tb;
		alloc += t->allocated_tb;
	}
	json_object_set_new(o, "capacity_tb", json_real(cap));
	json_object_set_new(o, "used_end_tb", json_real(used));
	json_object_set_new(o, "allocated_tb", json_real(alloc));
	json_object_set_new(o, "headroom_tb", json_real(cap - used));
	json_object_set_new(o, "tiers", tiers);
	return o;
}
