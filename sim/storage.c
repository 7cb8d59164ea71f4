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
#include "radix.h"
#include "storage_int.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef cs_sev sev;
typedef cs_storage_use usage;
typedef cs_storage_walker walker;

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

/* ev[0..n), changes of one time (a few), by change: the order sev_cmp
 * gives (equal pairs are alike, so which of them comes first changes no
 * sum). A shell sort, its last gap an insertion sort (all a time of 16
 * or fewer needs); qsort's call per comparison cost more on the hundreds
 * that start or end together. */
static void sort_changes(sev *ev, size_t n)
{
	static const size_t gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };
	if (n > 4096) {
		qsort(ev, n, sizeof *ev, sev_cmp);
		return;
	}
	for (size_t g = n > 16 ? 0 : sizeof gaps / sizeof *gaps - 1; g < sizeof gaps / sizeof *gaps; g++) {
		size_t h = gaps[g];
		for (size_t i = h; i < n; i++) {
			sev x = ev[i];
			size_t k = i;
			for (; k >= h && ev[k - h].d > x.d; k -= h)
				ev[k] = ev[k - h];
			ev[k] = x;
		}
	}
}

/* Whether job j ran for a while (a run a requeue threw away leaves nothing:
 * its last run counts). */
static int ran(const cs_job *j) { return j->start_s >= 0 && j->end_s > j->start_s; }

int cs_storage_order_build(cs_storage_order *o, const cs_job *jobs, size_t n)
{
	*o = (cs_storage_order){ 0 };
	size_t m = 0;
	for (size_t j = 0; j < n; j++)
		if (ran(&jobs[j])) {
			o->t0 = m && o->t0 < jobs[j].start_s ? o->t0 : jobs[j].start_s;
			m += 2;
		}
	uint64_t *tdt = malloc((m + 1) * sizeof *tdt);
	uint32_t *tkey = malloc((m + 1) * sizeof *tkey);
	o->dt = malloc((m + 1) * sizeof *o->dt);
	o->key = malloc((m + 1) * sizeof *o->key);
	o->units = malloc((m + 1) * sizeof *o->units);
	double *units = malloc((n + 1) * sizeof *units); /* per job, read back in time order */
	if (!tdt || !tkey || !o->dt || !o->key || !o->units || !units) {
		free(tdt);
		free(tkey);
		free(units);
		cs_storage_order_free(o);
		return -CS_ENOMEM;
	}
	o->least[0] = o->least[1] = INFINITY;
	for (size_t j = 0; j < n; j++)
		if (ran(&jobs[j])) {
			const cs_job *x = &jobs[j];
			uint32_t key = (uint32_t)j << 2 | (x->gpus_per_node ? 2 : 0);
			units[j] = (double)x->nodes * (x->gpus_per_node ? x->gpus_per_node : x->cores_per_node);
			if (units[j] < o->least[key >> 1 & 1])
				o->least[key >> 1 & 1] = units[j];
			o->dt[o->n] = (uint64_t)(x->start_s - o->t0);
			o->key[o->n++] = key;
			o->dt[o->n] = (uint64_t)(x->end_s - o->t0);
			o->key[o->n++] = key | 1;
		}
	cs_radix_pairs(o->dt, o->key, tdt, tkey, o->n);
	for (size_t i = 0; i < o->n; i++)
		o->units[i] = units[o->key[i] >> 2];
	free(tdt);
	free(tkey);
	free(units);
	return 0;
}

void cs_storage_order_free(cs_storage_order *o)
{
	free(o->dt);
	free(o->key);
	free(o->units);
	*o = (cs_storage_order){ 0 };
}

/* An entry holding u units (GPUs if `gpus`, else cores) as a change of a
 * tier with these rates a GPU- and a core-hour: + at its start and - at
 * its end, v = u times the rate, a second; v <= 0: none. */
static inline double rate_of(double u, int gpus, double per_gpu_hour, double per_core_hour)
{
	return u * (gpus ? per_gpu_hour : per_core_hour) / 3600.0;
}

/* Entry a's change (units[a], key[a]: cs_storage_order's). */
static inline double change_of(const double *units, const uint32_t *key, size_t a, double per_gpu_hour,
			       double per_core_hour)
{
	double v = rate_of(units[a], key[a] & 2, per_gpu_hour, per_core_hour);
	return key[a] & 1 ? -v : v;
}

void cs_storage_changes_start(cs_storage_changes *c, const cs_cluster_storage *k, const cs_storage_order *o,
			      cs_time r)
{
	*c = (cs_storage_changes){ .k = k, .o = o, .r = r };
}

/* Whether every entry of kind g (0: cores, 1: GPUs) of o writes on tier k,
 * known without looking at each: a rate above 0 times a count is never
 * less than the rate times the fewest (rounding keeps order), so when the
 * fewest write, all do. Else (a rate of 0, below, NaN; none of that kind)
 * 0, and each entry is looked at. */
static int all_write(const cs_cluster_storage *k, const cs_storage_order *o, int g)
{
	double rate = g ? k->tb_per_gpu_hour : k->tb_per_core_hour;
	return rate > 0 && rate_of(o->least[g], g, k->tb_per_gpu_hour, k->tb_per_core_hour) > 0;
}

/* c's writers (cs_storage_changes): 0 or -CS_ENOMEM. */
static int writers(cs_storage_changes *c)
{
	const cs_storage_order *o = c->o;
	c->found = 1;
	c->dt = o->dt;
	c->key = o->key;
	c->units = o->units;
	c->m = o->n;
	double g = c->k->tb_per_gpu_hour, k = c->k->tb_per_core_hour;
	if (all_write(c->k, o, 0) && all_write(c->k, o, 1))
		return 0;
	size_t m = 0;
	for (size_t i = 0; i < o->n; i++)
		m += !(rate_of(o->units[i], o->key[i] & 2, g, k) <= 0);
	if (m == o->n)
		return 0;
	c->own_dt = malloc((m + 1) * sizeof *c->own_dt);
	c->own_key = malloc((m + 1) * sizeof *c->own_key);
	c->own_units = malloc((m + 1) * sizeof *c->own_units);
	if (!c->own_dt || !c->own_key || !c->own_units)
		return -CS_ENOMEM;
	for (size_t i = 0, w = 0; i < o->n; i++)
		if (!(rate_of(o->units[i], o->key[i] & 2, g, k) <= 0)) {
			c->own_dt[w] = o->dt[i];
			c->own_key[w] = o->key[i];
			c->own_units[w++] = o->units[i];
		}
	c->dt = c->own_dt;
	c->key = c->own_key;
	c->units = c->own_units;
	c->m = m;
	return 0;
}

/* The writers from *at on at dt from o->t0 into c->run from n on, their
 * changes negated if shifted (the retention's); *at past them. The count
 * in c->run, (size_t)-1 when out of memory. */
static inline size_t take_time(cs_storage_changes *c, size_t *at, size_t n, cs_time t, int shifted)
{
	size_t a = *at;
	uint64_t dt = c->dt[a];
	do {
		if (n == c->cap) {
			size_t cap = c->cap ? 2 * c->cap : 64;
			sev *g = realloc(c->run, cap * sizeof *g);
			if (!g)
				return (size_t)-1;
			c->run = g;
			c->cap = cap;
		}
		double d = change_of(c->units, c->key, a, c->k->tb_per_gpu_hour, c->k->tb_per_core_hour);
		c->run[n++] = (sev){ t, shifted ? -d : d, c->key[a] >> 2 };
		a++;
	} while (a < c->m && c->dt[a] == dt);
	*at = a;
	return n;
}

/* With a retention r, what a job wrote goes as it was written: the same
 * changes negated r later, in the same order (a second cursor, q, r behind
 * the first). Each time's changes, gathered from both, by change. */
static inline size_t changes_next(cs_storage_changes *c)
{
	if (!c->found && writers(c) < 0)
		return (size_t)-1;
	int has_i = c->i < c->m, has_q = c->r && c->q < c->m;
	if (!has_i && !has_q)
		return 0;
	cs_time t0 = c->o->t0;
	cs_time ti = has_i ? t0 + (cs_time)c->dt[c->i] : 0, tq = has_q ? t0 + (cs_time)c->dt[c->q] + c->r : 0;
	cs_time t = !has_q || (has_i && ti <= tq) ? ti : tq;
	size_t n = 0;
	if (has_i && ti == t)
		n = take_time(c, &c->i, n, t, 0);
	if (has_q && tq == t && n != (size_t)-1)
		n = take_time(c, &c->q, n, t, 1);
	if (n > 1 && n != (size_t)-1)
		sort_changes(c->run, n);
	return n;
}

size_t cs_storage_changes_next(cs_storage_changes *c) { return changes_next(c); }

void cs_storage_changes_free(cs_storage_changes *c)
{
	free(c->run);
	free(c->own_dt);
	free(c->own_key);
	free(c->own_units);
	*c = (cs_storage_changes){ 0 };
}

walker cs_storage_walker_start(double u0, double level, cs_time t0)
{
	return (walker){ .u = u0, .level = level, .at = t0, .out = { u0, u0, u0 >= level ? t0 : -1 } };
}

/* w on to time next at its slope: its highest, and when it reaches the
 * level on the way (rounded up to the second). */
static inline void walker_to(walker *w, cs_time next)
{
	double v = w->u + w->slope * (double)(next - w->at);
	if (w->out.full < 0 && w->slope > 0 && v >= w->level) {
		cs_time dt = (cs_time)ceil((w->level - w->u) / w->slope - 1e-9);
		w->out.full = w->at + (dt < 0 ? 0 : dt > next - w->at ? next - w->at : dt);
	}
	w->u = v;
	w->at = next;
	if (v > w->out.peak)
		w->out.peak = v;
}

static inline __attribute__((always_inline)) void walker_take(walker *w, cs_time t, double d)
{
	if (t != w->at) {
		walker_to(w, t);
		if (w->out.full < 0 && w->u >= w->level)
			w->out.full = w->at;
	}
	w->slope += d;
}

void cs_storage_walker_take(walker *w, cs_time t, double d) { walker_take(w, t, d); }

cs_storage_use cs_storage_walker_end(walker *w, cs_time t1)
{
	walker_to(w, t1);
	w->out.end = w->u;
	return w->out;
}

static char *own_name(cs_storage_run *s, const char *name)
{
	char *d = strdup(name ? name : "");
	if (d)
		s->names[s->nnames++] = d;
	return d;
}

/* Per node v of the tree, the allocations on tier k of v and its
 * ancestors, nearest first, each node's in its order in of[] (at[u] ..
 * at[u + 1]: node u's; up[u]: u or the nearest of its ancestors with
 * allocations, -1 for none): list[lo[v] .. lo[v + 1]). list holds room for
 * `room` entries; the count needed, which is more than room when it did
 * not fit. */
static size_t tier_lists(const cs_account_tree *tree, uint32_t k, const uint32_t *tier, const uint32_t *at,
			 const uint32_t *of, const int32_t *up, uint32_t *lo, uint32_t *list, size_t room)
{
	size_t m = 0;
	for (uint32_t v = 0; v < tree->nnodes; v++) {
		lo[v] = (uint32_t)m;
		for (int32_t u = up[v]; u >= 0; u = tree->parent[u] >= 0 ? up[tree->parent[u]] : -1)
			for (uint32_t q = at[u]; q < at[u + 1]; q++)
				if (tier[of[q]] == k) {
					if (m < room)
						list[m] = of[q];
					m++;
				}
	}
	lo[tree->nnodes] = (uint32_t)m;
	return m;
}

/* A tier's writers as a walk reads them (c's, once its writers are worked
 * out) and its two cursors: a copy the compiler can hold in registers. */
typedef struct cursor {
	const uint64_t *dt;
	const uint32_t *key;
	const double *units;
	double per_gpu_hour, per_core_hour;
	size_t m, i, q;
	cs_time t0, r;
} cursor;

static cursor cursor_of(const cs_storage_changes *c)
{
	return (cursor){ c->dt, c->key, c->units, c->k->tb_per_gpu_hour, c->k->tb_per_core_hour, c->m, c->i, c->q,
			 c->o->t0, c->r };
}

/* c's next time's changes, from the cursors in k (c's writers worked out),
 * as changes_next gives them, into *one when there is one (nothing copied
 * or sorted; k's cursor moved past it), else into c->run by changes_next:
 * how many, 0 when none are left, (size_t)-1 when out of memory. Most times
 * hold one change. `retained`: c->r > 0 (a constant in a walk's copy, so a
 * tier without a retention never looks at the second cursor). */
static inline __attribute__((always_inline)) size_t next_time(cs_storage_changes *c, cursor *k, int retained,
								sev *one)
{
	int has_i = k->i < k->m, has_q = retained && k->q < k->m;
	cs_time ti = has_i ? k->t0 + (cs_time)k->dt[k->i] : 0, tq = has_q ? k->t0 + (cs_time)k->dt[k->q] + k->r : 0;
	/* alone at its time: the next of its cursor is later, and the other
	 * cursor's next is later still (or there is none) */
	if (has_i && (!has_q || ti < tq) && (k->i + 1 == k->m || k->dt[k->i + 1] != k->dt[k->i])) {
		*one = (sev){ ti, change_of(k->units, k->key, k->i, k->per_gpu_hour, k->per_core_hour), k->key[k->i] >> 2 };
		k->i++;
		return 1;
	}
	if (has_q && (!has_i || tq < ti) && (k->q + 1 == k->m || k->dt[k->q + 1] != k->dt[k->q])) {
		*one = (sev){ tq, -change_of(k->units, k->key, k->q, k->per_gpu_hour, k->per_core_hour),
			      k->key[k->q] >> 2 };
		k->q++;
		return 1;
	}
	if (!has_i && !has_q)
		return 0;
	c->i = k->i;
	c->q = k->q;
	size_t n = changes_next(c);
	k->i = c->i;
	k->q = c->q;
	if (n != 0 && n != (size_t)-1)
		*one = c->run[0];
	return n;
}

size_t cs_storage_time_next(cs_storage_changes *c, cs_sev *one)
{
	if (!c->found && writers(c) < 0)
		return (size_t)-1;
	cursor k = cursor_of(c);
	size_t n = next_time(c, &k, c->r != 0, one);
	c->i = k.i;
	c->q = k.q;
	return n;
}

/* Samples ks.. of a use taken at times before t into samples[]: the use
 * at each, u at `at` plus the slope since (the walk's state stands from
 * its last change on). The next sample. */
static __attribute__((noinline)) size_t fill_samples(double u, double slope, cs_time at, size_t ks, cs_time t,
						      cs_time t0, cs_time t1, cs_time step, double *samples, size_t ns)
{
	for (cs_time ts = ks + 1 == ns ? t1 : t0 + (cs_time)ks * step; ks < ns && ts < t;
	     ks++, ts = ks + 1 == ns ? t1 : t0 + (cs_time)ks * step)
		samples[ks] = u + slope * (double)(ts - at);
	return ks;
}

/* A change d of job `job` at time t: the tier's use (w) takes it, and so
 * do the allocations of the job's account and its ancestors (tree NULL:
 * none), list[lo[v] .. lo[v + 1]) for account v (tier_lists). */
static inline __attribute__((always_inline)) void take_change(walker *w, const uint32_t *job_account,
								 const uint32_t *lo, const uint32_t *list, walker *aw,
								 cs_time t, double d, uint32_t job)
{
	walker_take(w, t, d);
	if (job_account)
		for (uint32_t a = job_account[job], q = lo[a]; q < lo[a + 1]; q++)
			walker_take(&aw[list[q]], t, d);
}

/* The changes of tier k in order (ch's, as cs_storage_time_next gives
 * them: a time alone taken straight from its cursor, else the time's
 * changes gathered and sorted by changes_next), each the use of the tier
 * (w, sampled into samples[0..ns) at t0 + i x step and the last at t1)
 * and of its allocations (aw[i]) take. A use takes its changes in order as
 * they come, a time's first taking it there (a sample between two times
 * is the use at the earlier plus the slope since). `retained`: ch has a
 * retention (ch->r > 0; a constant in each copy, so the walk of a tier
 * without one never looks at the second cursor). -CS_ENOMEM or 0. */
static inline __attribute__((always_inline)) int walk_changes(cs_storage_changes *ch, walker *w,
								const cs_account_tree *tree, const uint32_t *lo,
								const uint32_t *list, walker *aw, cs_time t0,
								cs_time t1, cs_time step, double *samples, size_t ns,
								int retained)
{
	if (!ch->found && writers(ch) < 0)
		return -CS_ENOMEM;
	const uint32_t *job_account = tree ? tree->job_account : NULL;
	cursor k = cursor_of(ch);
	size_t ks = 0, ng;
	cs_time ts = ns == 1 ? t1 : t0; /* sample ks's time */
	sev one;
	while ((ng = next_time(ch, &k, retained, &one)) != 0 && ng != (size_t)-1) {
		cs_time t = one.t;
		if (t >= t1)
			break;
		if (ts < t) {
			ks = fill_samples(w->u, w->slope, w->at, ks, t, t0, t1, step, samples, ns);
			ts = ks + 1 >= ns ? t1 : t0 + (cs_time)ks * step;
		}
		take_change(w, job_account, lo, list, aw, t, one.d, one.job);
		for (size_t g = 1; g < ng; g++)
			take_change(w, job_account, lo, list, aw, t, ch->run[g].d, ch->run[g].job);
	}
	for (; ks < ns; ks++, ts = ks + 1 == ns ? t1 : t0 + (cs_time)ks * step)
		samples[ks] = w->u + w->slope * (double)(ts - w->at);
	return ng == (size_t)-1 ? -CS_ENOMEM : 0;
}

/* (Out of line: inlined into cs_storage_compute, the walk's state lived
 * on the stack.) */
static __attribute__((noinline)) int walk_tier(cs_storage_changes *ch, walker *w, const cs_account_tree *tree,
						const uint32_t *lo, const uint32_t *list, walker *aw, cs_time t0,
						cs_time t1, cs_time step, double *samples, size_t ns)
{
	if (ch->r)
		return walk_changes(ch, w, tree, lo, list, aw, t0, t1, step, samples, ns, 1);
	return walk_changes(ch, w, tree, lo, list, aw, t0, t1, step, samples, ns, 0);
}

int cs_storage_compute(cs_storage_run **out, const cs_cluster *c, const cs_job *jobs, size_t n,
		       const cs_account_tree *tree, cs_time sample_s, char *err, size_t errlen)
{
	*out = NULL;
	size_t T = (size_t)cs_cluster_nstorage(c), A = tree ? tree->nstorage : 0;
	cs_storage_run *s = calloc(1, sizeof *s);
	if (!s)
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
	walker *aw = A ? malloc(A * sizeof *aw) : NULL;
	uint32_t *lo = A ? malloc(((size_t)tree->nnodes + 1) * sizeof *lo) : NULL, *list = NULL;
	size_t room = 0;
	uint8_t *tier_used = calloc(T + 1, 1);
	cs_storage_order order;
	int rc = cs_storage_order_build(&order, jobs, n);
	if (rc < 0 || !tier_used || (A && (!tier || !of || !at || !up || !aw || !lo))) {
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
		double cap = st->capacity_pb * 1000.0, u0 = st->used_pb * 1000.0;
		walker w = cs_storage_walker_start(u0, cap, s->t0);
		for (uint32_t i = 0; i < A; i++)
			if (tier[i] == k)
				aw[i] = cs_storage_walker_start(0, tree->storage[i].tb, s->t0);
		if (tier_used[k]) {
			size_t m = tier_lists(tree, (uint32_t)k, tier, at, of, up, lo, list, room);
			if (m > room) {
				uint32_t *g = realloc(list, m * sizeof *g);
				if (!g) {
					rc = -CS_ENOMEM;
					break;
				}
				list = g;
				room = m;
				tier_lists(tree, (uint32_t)k, tier, at, of, up, lo, list, room);
			}
		}
		cs_storage_changes ch;
		cs_storage_changes_start(&ch, st, &order, r);
		rc = walk_tier(&ch, &w, tier_used[k] ? tree : NULL, lo, list, aw, s->t0, s->t1, s->sample_s,
			       s->samples + k * s->nsamples, s->nsamples);
		cs_storage_changes_free(&ch);
		usage u = cs_storage_walker_end(&w, s->t1);
		for (uint32_t i = 0; i < A; i++)
			if (tier[i] == k)
				aw[i].out = cs_storage_walker_end(&aw[i], s->t1);
		*o = (cs_storage_tier){ .name = own_name(s, st->name), .capacity_tb = cap, .used_start_tb = u0,
					.used_end_tb = u.end, .peak_tb = u.peak, .tb_per_gpu_hour = st->tb_per_gpu_hour,
					.tb_per_core_hour = st->tb_per_core_hour, .retention_days = st->retention_days,
					.full_t = u.full, .forecast_t = -1 };
		if (rc == 0 && !o->name)
			rc = -CS_ENOMEM;
		/* TB a second, over the run; a tier that purges settles where writes and
		 * deletions balance, so a straight line says nothing about it */
		double rate = span > 0 && !(st->retention_days > 0) ? (u.end - u0) / span : 0;
		if (u.full < 0 && rate > 0)
			o->forecast_t = s->t1 + (cs_time)ceil((cap - u.end) / rate - 1e-9);
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
		o->used_end_tb = aw[i].out.end;
		o->peak_tb = aw[i].out.peak;
		o->full_t = aw[i].out.full;
		s->tiers[k].allocated_tb += a->tb;
		s->tiers[k].allocations++;
		s->tiers[k].allocations_full += aw[i].out.full >= 0;
	}
done:
	cs_storage_order_free(&order);
	free(tier);
	free(of);
	free(at);
	free(up);
	free(aw);
	free(lo);
	free(list);
	free(tier_used);
	if (rc < 0)
		goto oom;
	*out = s;
	return 0;
oom:
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

size_t cs_storage_nrows(const cs_storage_run *s) { return s->nsamples * s->ntiers; }

void cs_storage_row(const cs_storage_run *s, size_t i, cs_time *t, const char **tier, double *used_tb,
		    double *capacity_tb)
{
	size_t k = i / s->ntiers, j = i % s->ntiers;
	*t = k + 1 == s->nsamples ? s->t1 : s->t0 + (cs_time)k * s->sample_s;
	*tier = s->tiers[j].name;
	*used_tb = s->samples[j * s->nsamples + k];
	*capacity_tb = s->tiers[j].capacity_tb;
}

int cs_storage_write(const cs_storage_run *s, const char *dir, int64_t epoch, char *err, size_t errlen)
{
	char path[4096];
	FILE *f = cs_csv_open(dir, "storage.csv", path, sizeof path, err, errlen);
	if (!f)
		return -CS_EIO;
	fputs("t,time,tier,used_tb,capacity_tb,used_share\n", f);
	/* each row built whole (the fields as put_time, cs_csv_field and
	 * put_decimals write them) and written at once */
	size_t longest = 0;
	for (size_t k = 0; k < s->ntiers; k++) {
		size_t len = s->tiers[k].name ? strlen(s->tiers[k].name) : 0;
		longest = len > longest ? len : longest;
	}
	char *line = malloc(CS_PUT_INT_MAX + CS_PUT_UTC_MAX + 2 * longest + 3 * (CS_PUT_FIXED_MAX + 1) + 8);
	if (!line) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	for (size_t r = 0, nr = cs_storage_nrows(s); r < nr; r++) {
		cs_time t;
		const char *name;
		double u, cap;
		cs_storage_row(s, r, &t, &name, &u, &cap);
		char *p = line;
		if (t >= 0)
			p = cs_put_int(p, t);
		*p++ = ',';
		p = cs_put_utc(p, epoch, t);
		*p++ = ',';
		p = cs_put_field(p, name, strlen(name));
		const double v[] = { u, cap, cap > 0 ? u / cap : 0 };
		const int prec[] = { 3, 3, 6 };
		for (size_t k = 0; k < 3; k++) {
			*p++ = ',';
			p = cs_put_fixed(p, v[k], prec[k]);
		}
		*p++ = '\n';
		fwrite(line, 1, (size_t)(p - line), f);
	}
	free(line);
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
