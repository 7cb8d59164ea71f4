/* capsim: generating a synthetic AI workload from a model (sim/gen_model.c).
 *
 * 1. Projects arrive as a Poisson process, from one maximum lifetime before
 *    day 0 on, so the number alive is stationary from day 0, at rate
 *    per_year / (mean lifetime + 365 days) (the projects alive at some time
 *    of a year start up to one lifetime before it), or active / mean
 *    lifetime. A lifetime is an award, renewed for another with a given
 *    probability up to a given number of times. Each project has a
 *    lognormal demand weight, a kind (CPU or GPU), its users, an
 *    organisation type and an organisation of that type (Zipf-like: a few
 *    organisations have many projects).
 * 2. Each partition gets N jobs so that its offered load is met:
 *    N = load x capacity x days / (mean GPU-hours, or node-hours, of one job),
 *    the mean estimated once per model by drawing jobs from a fixed stream.
 * 3. Day by day, each partition's jobs of the day (Poisson, weighted by the
 *    weekday) get an hour (weighted), a class (the partition's mix), and a
 *    project alive that day drawn by weight among those of the class's kind.
 * 4. A job's work is lognormal; it fails (after u^2 of its work), is
 *    cancelled (after u) or completes; its time limit is the work times a
 *    lognormal factor, rounded up and capped; a run past the limit is cut to
 *    it and becomes a timeout.
 * The PRNG is xoshiro256** seeded through splitmix64: same inputs, same trace.
 */
#include "capsim/gen.h"
#include "gen_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rng {
	uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in (0, 1]: never 0, so log() is finite. */
static double unif(rng *r) { return ((rng_next(r) >> 11) + 1) * 0x1.0p-53; }

static double normal(rng *r)
{
	double u = unif(r), v = unif(r);
	return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* lo..hi inclusive (the modulo bias is below 2^-40 for our ranges). */
static int64_t unif_int(rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)((rng_next(r) >> 11) % (uint64_t)(hi - lo + 1));
}

static int pick_w(rng *r, const double *w, int n, double wsum)
{
	double x = unif(r) * wsum;
	for (int i = 0; i < n; i++) {
		x -= w[i];
		if (x <= 0 && w[i] > 0)
			return i;
	}
	for (int i = n - 1; i >= 0; i--)
		if (w[i] > 0)
			return i;
	return 0;
}

/* ---- one job ---- */

typedef struct job {
	uint32_t nodes, gpn, cores, state;
	uint64_t mem_mib;
	int64_t limit, runtime;
} job;

/* Draw a job of class c on partition p; returns its resource-hours (GPU-hours,
 * or node-hours on a partition without GPUs). */
static double draw_job(rng *r, const cs_gen_class *c, const cs_gen_partition *p, job *j)
{
	int count = c->counts.v[pick_w(r, c->counts.w, c->counts.n, c->counts.wsum)];
	if (c->cpu) {
		j->nodes = (uint32_t)count;
		j->gpn = 0;
		j->cores = (uint32_t)p->cores_per_node;
		j->mem_mib = (uint64_t)p->mem_per_node_gib * 1024;
	} else {
		int g = p->gpus_per_node;
		j->nodes = (uint32_t)(count <= g ? 1 : count / g);
		j->gpn = (uint32_t)(count <= g ? count : g);
		j->cores = (uint32_t)((int64_t)p->cores_per_node * j->gpn / g);
		if (j->cores < 1)
			j->cores = 1;
		j->mem_mib = (uint64_t)p->mem_per_node_gib * 1024 * j->gpn / (uint64_t)g;
	}
	double work = c->runtime_median_s * exp(c->runtime_sigma * normal(r));
	if (work > 1e9)
		work = 1e9;
	int64_t w = (int64_t)llround(work);
	if (w < c->runtime_min_s)
		w = c->runtime_min_s;
	double f = c->limit_factor_median * exp(c->limit_factor_sigma * normal(r));
	double lim = ceil((double)w * f / (double)c->limit_round_s) * (double)c->limit_round_s;
	j->limit = lim > (double)p->max_time_s ? p->max_time_s : (int64_t)lim;
	if (j->limit < 1)
		j->limit = 1;
	double u = unif(r), v = unif(r);
	int64_t run = w;
	j->state = CS_STATE_COMPLETED;
	if (u <= c->failed) {
		run = (int64_t)llround((double)w * v * v);
		j->state = CS_STATE_FAILED;
	} else if (u <= c->failed + c->cancelled) {
		run = (int64_t)llround((double)w * v);
		j->state = CS_STATE_CANCELLED;
	}
	if (run < 1)
		run = 1;
	if (run > j->limit) {
		run = j->limit;
		j->state = CS_STATE_TIMEOUT;
	}
	j->runtime = run;
	return (double)run / 3600.0 * j->nodes * (c->cpu ? 1 : j->gpn);
}

/* Mean resource-hours of one job of partition p, from a fixed stream (the
 * same for every seed, so the job count depends on the model only). */
static double mean_job_hours(const cs_gen_spec *s, const cs_gen_partition *p)
{
	enum { N = 100000 };
	rng r;
	rng_seed(&r, 0x63617073696d00u + (uint64_t)(p - s->parts));
	double sum = 0;
	job j;
	for (int i = 0; i < N; i++) {
		const cs_gen_class *c = &s->classes[p->mix_class[pick_w(&r, p->mix_w, p->nmix, p->mix_wsum)]];
		sum += draw_job(&r, c, p, &j);
	}
	return sum / N;
}

int cs_gen_model_calibrate(cs_gen_model *m)
{
	if (m->mean_hours)
		return 0;
	const cs_gen_spec *s = &m->s;
	double *v = malloc(((size_t)s->nparts + 1) * sizeof *v);
	if (!v)
		return -CS_ENOMEM;
	for (int i = 0; i < s->nparts; i++)
		v[i] = mean_job_hours(s, &s->parts[i]);
	m->mean_hours = v;
	return 0;
}

/* ---- projects ---- */

typedef struct proj {
	double start, end; /* days */
	double weight;
	int cpu;
	int32_t first_user, nusers;
	int32_t name; /* index in the trace's projects, -1 until used */
	int type, org, renewals;
} proj;

typedef struct gen {
	const cs_gen_spec *s;
	rng r;
	proj *p;
	size_t np, cap;
	int32_t nusers;
	/* alive today, per kind: indices and cumulative weights */
	int32_t *alive[2];
	double *cum[2];
	size_t nalive[2];
	/* per organisation type: cumulative weights of its organisations */
	double **org_cum;
	int *norg;
	double type_wsum;
	char *err;
	size_t errlen;
} gen;

/* Mean lifetime in days: one award, renewed with probability r up to
 * max times, so 1 + r + ... + r^max awards on average. */
static double mean_life(const cs_gen_spec *s)
{
	double awards = 0, rk = 1;
	for (int k = 0; k <= s->renew_max; k++, rk *= s->renew_share)
		awards += rk;
	return (s->life_min_days + s->life_max_days) / 2.0 * awards;
}

/* Organisation k (from 0) of a type gets projects with weight 1 / (k+1)^zipf;
 * a type has count x scale organisations (at least 1). */
static int make_orgs(gen *g, double scale)
{
	const cs_gen_spec *s = g->s;
	if (!(g->org_cum = calloc((size_t)s->norgs, sizeof *g->org_cum)) ||
	    !(g->norg = calloc((size_t)s->norgs, sizeof *g->norg)))
		return -CS_ENOMEM;
	g->type_wsum = 0;
	for (int t = 0; t < s->norgs; t++) {
		const cs_gen_orgtype *o = &s->orgs[t];
		double n = ceil(o->count * scale);
		g->norg[t] = n > 1e6 ? 1000000 : (int)n;
		if (!(g->org_cum[t] = malloc((size_t)g->norg[t] * sizeof **g->org_cum)))
			return -CS_ENOMEM;
		double c = 0;
		for (int k = 0; k < g->norg[t]; k++)
			g->org_cum[t][k] = c += pow(k + 1.0, -o->zipf);
		g->type_wsum += o->projects;
	}
	return 0;
}

static int pick_cum(rng *r, const double *cum, int n)
{
	double x = unif(r) * cum[n - 1];
	int lo = 0, hi = n - 1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (cum[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int make_projects(gen *g, int days, double scale)
{
	const cs_gen_spec *s = g->s;
	double life = mean_life(s);
	/* per_year: the projects alive at some time of [0, 365) start in (-life, 365) */
	double rate = (s->per_year ? s->per_year / (life + 365.0) : s->active / life) * scale; /* per day */
	double longest = (double)s->life_max_days * (s->renew_max + 1);
	if (make_orgs(g, scale) < 0)
		goto oom;
	for (double t = -longest;;) {
		t += -log(unif(&g->r)) / rate;
		if (t >= days)
			break;
		proj q = { .start = t };
		q.end = t + (double)unif_int(&g->r, s->life_min_days, s->life_max_days);
		while (q.renewals < s->renew_max && unif(&g->r) <= s->renew_share) {
			q.end += (double)unif_int(&g->r, s->life_min_days, s->life_max_days);
			q.renewals++;
		}
		q.weight = exp(s->weight_sigma * normal(&g->r));
		q.cpu = unif(&g->r) <= s->cpu_share;
		q.nusers = s->users.v[pick_w(&g->r, s->users.w, s->users.n, s->users.wsum)];
		double x = unif(&g->r) * g->type_wsum;
		q.type = -1;
		for (int k = 0; k < s->norgs && q.type < 0; k++)
			if ((x -= s->orgs[k].projects) <= 0 && s->orgs[k].projects > 0)
				q.type = k;
		for (int k = s->norgs - 1; q.type < 0; k--) /* rounding: the last type with projects */
			if (s->orgs[k].projects > 0)
				q.type = k;
		q.org = pick_cum(&g->r, g->org_cum[q.type], g->norg[q.type]);
		if (q.end <= 0)
			continue;
		if (g->nusers > INT32_MAX - q.nusers)
			goto oom;
		q.first_user = g->nusers;
		g->nusers += q.nusers;
		q.name = -1;
		if (g->np == g->cap) {
			size_t cap = g->cap ? 2 * g->cap : 4096;
			proj *n = realloc(g->p, cap * sizeof *n);
			if (!n)
				goto oom;
			g->p = n;
			g->cap = cap;
		}
		g->p[g->np++] = q;
	}
	for (int k = 0; k < 2; k++) {
		g->alive[k] = malloc((g->np ? g->np : 1) * sizeof *g->alive[k]);
		g->cum[k] = malloc((g->np ? g->np : 1) * sizeof *g->cum[k]);
		if (!g->alive[k] || !g->cum[k])
			goto oom;
	}
	return 0;
oom:
	snprintf(g->err, g->errlen, "out of memory");
	return -CS_ENOMEM;
}

/* The projects alive at noon of day d, per kind. */
static void alive_on(gen *g, int d)
{
	double noon = d + 0.5;
	g->nalive[0] = g->nalive[1] = 0;
	for (size_t i = 0; i < g->np && g->p[i].start <= noon; i++) {
		const proj *q = &g->p[i];
		if (q->end <= noon)
			continue;
		size_t *n = &g->nalive[q->cpu];
		double prev = *n ? g->cum[q->cpu][*n - 1] : 0;
		g->alive[q->cpu][*n] = (int32_t)i;
		g->cum[q->cpu][*n] = prev + q->weight;
		(*n)++;
	}
}

/* A project for a job of kind cpu today: by weight among the alive ones of
 * that kind, else of the other kind, else the latest started before today. */
static size_t pick_project(gen *g, int cpu, int d)
{
	int k = g->nalive[cpu] ? cpu : !cpu;
	size_t n = g->nalive[k];
	if (!n) {
		size_t best = 0;
		for (size_t i = 0; i < g->np && g->p[i].start <= d + 0.5; i++)
			best = i;
		return best;
	}
	double x = unif(&g->r) * g->cum[k][n - 1];
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (g->cum[k][mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (size_t)g->alive[k][lo];
}

static int64_t poisson(rng *r, double mean)
{
	int64_t k = 0;
	for (double t = -log(unif(r)); t < mean; t += -log(unif(r)))
		k++;
	return k;
}

static int intern_fmt(cs_names *ns, int32_t *out, const char *fmt, long long v)
{
	char b[32];
	int n = snprintf(b, sizeof b, fmt, v);
	return (*out = cs_names_intern(ns, b, (size_t)n)) < 0 ? -CS_ENOMEM : 0;
}

static int set_meta(cs_trace *t, const cs_gen_model *m, uint64_t seed, int days, double scale)
{
	char b[64];
	int rc = cs_trace_meta_set(t, "generator", "capsim");
	rc = rc ? rc : cs_trace_meta_set(t, "model", cs_gen_model_path(m));
	rc = rc ? rc : cs_trace_meta_set(t, "model_name", cs_gen_model_spec(m)->name);
	snprintf(b, sizeof b, "%" PRIu64, seed);
	rc = rc ? rc : cs_trace_meta_set(t, "seed", b);
	snprintf(b, sizeof b, "%d", days);
	rc = rc ? rc : cs_trace_meta_set(t, "days", b);
	snprintf(b, sizeof b, "%g", scale);
	rc = rc ? rc : cs_trace_meta_set(t, "projects_scale", b);
	snprintf(b, sizeof b, "%" PRId64, t->epoch);
	rc = rc ? rc : cs_trace_meta_set(t, "epoch", b);
	return rc;
}

int cs_gen_generate(const cs_gen_model *m, uint64_t seed, int days, double projects_scale, cs_trace *out,
		    char *err, size_t errlen)
{
	return cs_gen_generate_projects(m, seed, days, projects_scale, out, NULL, err, errlen);
}

/* What was drawn for each project of the trace, by its name index. */
static int project_table(const gen *g, size_t n, cs_gen_project **out)
{
	cs_gen_project *v = calloc(n ? n : 1, sizeof *v);
	if (!v)
		return -CS_ENOMEM;
	for (size_t i = 0; i < g->np; i++) {
		const proj *q = &g->p[i];
		if (q->name >= 0)
			v[q->name] = (cs_gen_project){ .type = q->type, .org = q->org, .weight = q->weight,
						       .start_day = q->start, .end_day = q->end,
						       .renewals = q->renewals };
	}
	*out = v;
	return 0;
}

/* One data size of a job (bytes, whole MB) from the staging stream. */
static int64_t draw_size(rng *r, const cs_gen_size *z, const cs_jrec *rec)
{
	double n = z->per == CS_GEN_PER_GPU ? (double)rec->nodes * rec->gpus_per_node
		   : z->per == CS_GEN_PER_NODE ? (double)rec->nodes : 1;
	double mb = z->median_gb * exp(z->sigma * normal(r)) * n * 1000.0;
	return mb >= 1e11 ? (int64_t)1e17 : (int64_t)llround(mb) * 1000000; /* below the CSV's 10^9 GB */
}

/* A job of class c stages (staging on, and c has data): its sizes and
 * tier. */
static int draw_data(rng *r, const cs_gen_class *c, cs_trace *out, cs_jrec *rec)
{
	if (!c->data_tier)
		return 0;
	rec->stage_in_b = draw_size(r, &c->data_in, rec);
	rec->stage_out_b = draw_size(r, &c->data_out, rec);
	int32_t k = cs_names_intern(&out->tiers, c->data_tier, strlen(c->data_tier));
	if (k < 0)
		return -CS_ENOMEM;
	rec->stage_tier = (uint32_t)k + 1;
	return 0;
}

int cs_gen_generate_projects(const cs_gen_model *m, uint64_t seed, int days, double projects_scale, cs_trace *out,
			     cs_gen_project **projects, char *err, size_t errlen)
{
	return cs_gen_generate_staged(m, seed, days, projects_scale, 0, out, projects, err, errlen);
}

int cs_gen_generate_staged(const cs_gen_model *m, uint64_t seed, int days, double projects_scale, int staging,
			   cs_trace *out, cs_gen_project **projects, char *err, size_t errlen)
{
	if (projects)
		*projects = NULL;
	if (!m || !out) {
		snprintf(err, errlen, "generate: no model or no output");
		return -CS_EINVAL;
	}
	if (days < 1 || days > 3660) {
		snprintf(err, errlen, "generate: days must be in 1..3660, got %d", days);
		return -CS_EINVAL;
	}
	if (!(projects_scale > 0 && projects_scale <= 100)) {
		snprintf(err, errlen, "generate: projects scale must be in (0, 100], got %g", projects_scale);
		return -CS_EINVAL;
	}
	const cs_gen_spec *s = cs_gen_model_spec(m);
	int with_data = 0;
	for (int c = 0; c < s->nclasses; c++)
		with_data |= s->classes[c].data_tier != NULL;
	if (staging && !with_data) {
		snprintf(err, errlen, "generate: --staging: no class of model %s has a data: section (what its jobs "
			 "stage; docs/gen.md)", s->name);
		return -CS_EINVAL;
	}
	gen g = { .s = s, .err = err, .errlen = errlen };
	rng_seed(&g.r, seed);
	/* the data sizes' own stream: the jobs drawn are the same with or without them */
	rng data_r;
	rng_seed(&data_r, seed ^ 0x7374616765000000u);
	int rc = make_projects(&g, days, projects_scale);
	double *per_day = calloc((size_t)s->nparts, sizeof *per_day);
	double daysum = 0;
	for (int i = 0; i < 7; i++)
		daysum += s->day_w[i];
	double hoursum = 0;
	for (int i = 0; i < 24; i++)
		hoursum += s->hour_w[i];
	if (rc == 0 && !per_day)
		rc = -CS_ENOMEM;
	for (int i = 0; rc == 0 && i < s->nparts; i++) {
		const cs_gen_partition *p = &s->parts[i];
		double cap = (double)p->nodes * (p->gpus_per_node ? p->gpus_per_node : 1) * 24.0;
		double mean = m->mean_hours ? m->mean_hours[i] : mean_job_hours(s, p);
		per_day[i] = p->load * projects_scale * cap / mean; /* jobs on a mean day */
	}
	out->epoch = s->start_epoch;
	int32_t qos_idx[64];
	for (int c = 0; rc == 0 && c < s->nclasses; c++) {
		int32_t q = cs_names_intern(&out->qos, s->classes[c].qos, strlen(s->classes[c].qos));
		if (q < 0)
			rc = -CS_ENOMEM;
		else if (c < 64)
			qos_idx[c] = q;
	}
	for (int d = 0; rc == 0 && d < days; d++) {
		alive_on(&g, d);
		double dw = s->day_w[d % 7] * 7 / daysum;
		for (int pi = 0; rc == 0 && pi < s->nparts; pi++) {
			const cs_gen_partition *p = &s->parts[pi];
			int32_t pname = cs_names_intern(&out->partitions, p->name, strlen(p->name));
			int64_t n = poisson(&g.r, per_day[pi] * dw);
			for (int64_t k = 0; rc == 0 && k < n && pname >= 0; k++) {
				int h = pick_w(&g.r, s->hour_w, 24, hoursum);
				int ci = p->mix_class[pick_w(&g.r, p->mix_w, p->nmix, p->mix_wsum)];
				const cs_gen_class *c = &s->classes[ci];
				proj *q = &g.p[pick_project(&g, c->cpu, d)];
				job j;
				draw_job(&g.r, c, p, &j);
				cs_jrec rec = { .id = (int64_t)out->n + 1,
						.submit_s = (int64_t)d * 86400 + h * 3600 + unif_int(&g.r, 0, 3599),
						.start_s = -1,
						.runtime_s = j.runtime,
						.time_limit_s = j.limit,
						.nodes = j.nodes,
						.gpus_per_node = j.gpn,
						.cores_per_node = j.cores,
						.mem_per_node_mib = j.mem_mib,
						.partition = pname,
						.state = (uint8_t)j.state };
				if (q->name < 0)
					rc = intern_fmt(&out->projects, &q->name, "p%04lld", (long long)out->projects.n + 1);
				rec.project = q->name;
				if (rc == 0)
					rc = intern_fmt(&out->users, &rec.user, "u%05lld",
							(long long)q->first_user + unif_int(&g.r, 0, q->nusers - 1) + 1);
				if (ci < 64)
					rec.qos = qos_idx[ci];
				else if ((rec.qos = cs_names_intern(&out->qos, c->qos, strlen(c->qos))) < 0)
					rc = -CS_ENOMEM;
				if (rc == 0 && staging)
					rc = draw_data(&data_r, c, out, &rec);
				if (rc == 0)
					rc = cs_trace_push(out, &rec);
			}
			if (pname < 0)
				rc = -CS_ENOMEM;
		}
	}
	if (rc == 0) {
		cs_trace_sort(out);
		for (size_t i = 0; i < out->n; i++)
			out->jobs[i].id = (int64_t)i + 1;
		rc = set_meta(out, m, seed, days, projects_scale);
		if (rc == 0 && staging)
			rc = cs_trace_meta_set(out, "staging", "yes");
	}
	if (rc == 0 && projects)
		rc = project_table(&g, out->projects.n, projects);
	if (rc == -CS_ENOMEM)
		snprintf(err, errlen, "out of memory");
	free(per_day);
	for (int k = 0; k < 2; k++) {
		free(g.alive[k]);
		free(g.cum[k]);
	}
	for (int t = 0; g.org_cum && t < s->norgs; t++)
		free(g.org_cum[t]);
	free(g.org_cum);
	free(g.norg);
	free(g.p);
	return rc;
}
