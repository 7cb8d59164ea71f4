/* capsim: one search of a plan, replayed from its points (capsim/capplan.h,
 * docs/plan.md): the counts' ends give each target its direction, a
 * bisection over the "at least" targets finds the smallest count that
 * meets them, the "at most" targets are checked at that count, and every
 * target's values over the counts evaluated are checked to be monotone.
 * The same replay runs the points a worker lacks (cs_capplan_search_run)
 * and reads them back for the results, so both take the same steps. */
#include "capsim/capplan.h"
#include "capsim/types.h"
#include "capplan_int.h"
#include "sweep_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cp_point_read(const char *dir, size_t point, json_t **summary, char *err, size_t errlen)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/points/%06zu.json", dir, point);
	if (access(path, F_OK) != 0)
		return 1;
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je), *sum = json_object_get(j, "summary");
	if (!json_is_object(sum) || json_integer_value(json_object_get(j, "point")) != (json_int_t)point) {
		snprintf(err, errlen, "%s: %s", path, j ? "not a point file (point, summary)" : je.text);
		json_decref(j);
		return -CS_EINVAL;
	}
	*summary = json_incref(sum);
	json_decref(j);
	return 0;
}

/* The number at a dotted path ("partitions.h100.p95_wait"): 0, or -1 */
static int value_at(json_t *o, const char *path, double *v)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *tok = buf, *dot; o; tok = dot + 1) {
		dot = strchr(tok, '.');
		if (dot)
			*dot = '\0';
		o = json_object_get(o, tok);
		if (!dot)
			break;
	}
	if (!json_is_number(o))
		return -1;
	*v = json_number_value(o);
	return 0;
}

static int met(const cp_target *t, double v)
{
	switch (t->op) {
	case CP_LE: return v <= t->bound;
	case CP_GE: return v >= t->bound;
	case CP_LT: return v < t->bound;
	default: return v > t->bound;
	}
}

/* The evaluation at count c (read, or run by get): 0 and *out, 1 missing, or an error. */
static int eval_at(const cp_def *d, cp_search *s, int64_t c, cp_getter get, void *ctx, const cp_eval **out, char *err,
		   size_t errlen)
{
	for (size_t i = 0; i < s->nev; i++)
		if (s->ev[i].count == c) {
			*out = &s->ev[i];
			return 0;
		}
	if (s->nev == CP_MAX_EVALS) {
		snprintf(err, errlen, "search %zu: more than %d counts evaluated", s->k, CP_MAX_EVALS);
		return -CS_EINVAL;
	}
	cp_eval *e = &s->ev[s->nev];
	e->count = c;
	e->point = cp_point(d, c, s->k);
	json_t *sum = NULL;
	int rc = get(ctx, e->point, c, &sum, err, errlen);
	if (rc != 0)
		return rc;
	for (size_t t = 0; t < d->nt && rc == 0; t++)
		if (value_at(sum, d->t[t].metric, &e->v[t]) < 0) {
			snprintf(err, errlen, "%s: metric %s is not in the summary of point %zu (%s:=%lld, %s, policy %s, seed "
				 "%llu)%s", d->t[t].where, d->t[t].metric, e->point, d->type, (long long)c,
				 d->lev_label[s->lev], d->pol_label[s->pol], (unsigned long long)d->seed[s->seed_i],
				 strncmp(d->t[t].metric, "grants.", 7) ? "" : ": the accounts give no grants");
			rc = -CS_EINVAL;
		}
	if (rc == 0 && value_at(sum, "recorder.mean_power_kw", &e->mean_power_kw) < 0)
		e->mean_power_kw = 0;
	json_decref(sum);
	if (rc == 0) {
		s->nev++;
		*out = e;
	}
	return rc;
}

int cs_capplan_monotone(const double *v, size_t n, int dir, size_t *at)
{
	for (size_t i = 0; i + 1 < n; i++) {
		double dv = v[i + 1] - v[i];
		if ((dir > 0 && dv < 0) || (dir < 0 && dv > 0) || (dir == 0 && dv != 0)) {
			*at = i;
			return 0;
		}
	}
	return 1;
}

void cp_fmt_value(const cp_target *t, double v, char *buf, size_t len)
{
	if (t->duration)
		snprintf(buf, len, "%.4gh", v / 3600);
	else
		snprintf(buf, len, "%.4g%s%s", v, *t->unit ? " " : "", t->unit);
}

static int by_count(const void *a, const void *b)
{
	const cp_eval *x = *(const cp_eval *const *)a, *y = *(const cp_eval *const *)b;
	return (x->count > y->count) - (x->count < y->count);
}

/* Each target's values over the counts evaluated, in the direction its
 * bound and direction imply: an "at least" target of a `<=` bound (a wait)
 * should fall as the count rises; one met at either end, or at neither,
 * should follow its ends (and stay put if they are equal). */
static void check_monotone(const cp_def *d, cp_search *s)
{
	const cp_eval *ev[CP_MAX_EVALS];
	double v[CP_MAX_EVALS];
	for (size_t i = 0; i < s->nev; i++)
		ev[i] = &s->ev[i];
	qsort(ev, s->nev, sizeof *ev, by_count);
	s->monotone = 1;
	for (size_t t = 0; t < d->nt; t++) {
		for (size_t i = 0; i < s->nev; i++)
			v[i] = ev[i]->v[t];
		int le = d->t[t].op == CP_LE || d->t[t].op == CP_LT, dir;
		if (s->dir[t] == CP_DIR_UP)
			dir = le ? -1 : 1;
		else if (s->dir[t] == CP_DIR_DOWN)
			dir = le ? 1 : -1;
		else
			dir = (v[s->nev - 1] > v[0]) - (v[s->nev - 1] < v[0]);
		size_t at;
		if (cs_capplan_monotone(v, s->nev, dir, &at))
			continue;
		char a[64], b[64];
		cp_fmt_value(&d->t[t], v[at], a, sizeof a);
		cp_fmt_value(&d->t[t], v[at + 1], b, sizeof b);
		if (s->monotone)
			snprintf(s->mono_note, sizeof s->mono_note, "%s is %s at %lld %s nodes but %s at %lld (expected %s as "
				 "the count rises)", d->t[t].metric, a, (long long)ev[at]->count, d->type, b,
				 (long long)ev[at + 1]->count, dir > 0 ? "never to fall" : dir < 0 ? "never to rise" : "to stay put");
		s->monotone = 0;
	}
}

static int all_up_met(const cp_def *d, const cp_search *s, const cp_eval *e)
{
	for (size_t t = 0; t < d->nt; t++)
		if (s->dir[t] == CP_DIR_UP && !met(&d->t[t], e->v[t]))
			return 0;
	return 1;
}

int cp_search_replay(const cp_def *d, size_t k, cp_getter get, void *ctx, cp_search *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	s->k = k;
	s->seed_i = k % d->nseed;
	s->pol = k / d->nseed % d->npol;
	s->lev = k / d->nseed / d->npol;
	const cp_eval *lo, *hi, *mid;
	int rc = eval_at(d, s, d->min, get, ctx, &lo, err, errlen);
	if (rc == 0)
		rc = eval_at(d, s, d->max, get, ctx, &hi, err, errlen);
	if (rc != 0)
		return rc;
	int never = -1, any_up = 0;
	for (size_t t = 0; t < d->nt; t++) {
		int at_min = met(&d->t[t], lo->v[t]), at_max = met(&d->t[t], hi->v[t]);
		s->dir[t] = at_min && at_max ? CP_DIR_ALWAYS : at_max ? CP_DIR_UP : at_min ? CP_DIR_DOWN : CP_DIR_NEVER;
		if (s->dir[t] == CP_DIR_NEVER && never < 0)
			never = (int)t;
		any_up |= s->dir[t] == CP_DIR_UP;
	}
	if (never >= 0) {
		s->status = CP_UNMET;
		s->failed = never;
		check_monotone(d, s);
		return 0;
	}
	/* the smallest count meeting every "at least" target: each fails at
	 * min and holds at max, so the bisection keeps lo failing, hi meeting */
	int64_t a = 0, b = any_up ? (d->max - d->min) / d->step : 0; /* steps from min */
	while (b - a > 1) {
		int64_t m = a + (b - a) / 2;
		if ((rc = eval_at(d, s, d->min + m * d->step, get, ctx, &mid, err, errlen)) != 0)
			return rc;
		if (all_up_met(d, s, mid))
			b = m;
		else
			a = m;
	}
	s->answer = d->min + b * d->step;
	s->status = CP_ANSWER;
	/* the "at most" targets (met at min, not at max) at that count */
	if ((rc = eval_at(d, s, s->answer, get, ctx, &mid, err, errlen)) != 0)
		return rc;
	for (size_t t = 0; t < d->nt; t++)
		if (s->dir[t] == CP_DIR_DOWN && !met(&d->t[t], mid->v[t])) {
			s->status = CP_CONFLICT;
			s->failed = (int)t;
			break;
		}
	check_monotone(d, s);
	return 0;
}

/* ---- the worker's side ---- */

typedef struct runctx {
	const cs_capplan *p;
	const char *dir;
	int run;
} runctx;

static int get_point(void *ctx, size_t point, int64_t count, json_t **sum, char *err, size_t errlen)
{
	runctx *rc = ctx;
	(void)count;
	int r = cp_point_read(rc->dir, point, sum, err, errlen);
	if (r != 1 || !rc->run)
		return r;
	if ((r = cs_sweep_point_run(rc->p->s, rc->dir, point, err, errlen)) < 0)
		return r;
	return cp_point_read(rc->dir, point, sum, err, errlen);
}

int cs_capplan_search_done(const cs_capplan *p, const char *dir, size_t k)
{
	runctx c = { .p = p, .dir = dir };
	cp_search *s = malloc(sizeof *s);
	char err[CS_ERRLEN];
	int rc = s ? cp_search_replay(&p->d, k, get_point, &c, s, err, sizeof err) : -CS_ENOMEM;
	free(s);
	return rc == 0;
}

int cs_capplan_search_prepare(const cs_capplan *p) { return cs_sweep_point_prepare(p->s); }

/* Search k's count min is the sweep's point k (cp_point), whose workload
 * is the search's level and seed: the sweep's own ordering and inputs. */
void cs_capplan_order_by_inputs(const cs_capplan *p, size_t *k, size_t n) { cs_sweep_order_by_inputs(p->s, k, n); }

int cs_capplan_search_inputs(const cs_capplan *p, size_t k, char *err, size_t errlen)
{
	return cs_sweep_point_inputs(p->s, cp_point(&p->d, p->d.min, k), err, errlen);
}

int cs_capplan_search_run(const cs_capplan *p, const char *dir, size_t k, char *err, size_t errlen)
{
	if (k >= cs_capplan_nsearches(p)) {
		snprintf(err, errlen, "--search: %zu is not a search of this plan (0 to %zu)", k, cs_capplan_nsearches(p) - 1);
		return -CS_EINVAL;
	}
	runctx c = { .p = p, .dir = dir, .run = 1 };
	cp_search *s = malloc(sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	int rc = cp_search_replay(&p->d, k, get_point, &c, s, err, errlen);
	free(s);
	return rc < 0 ? rc : 0;
}

/* ---- Student's t ---- */

/* The continued fraction of the regularized incomplete beta function
 * (Lentz's method, as in Numerical Recipes' betacf). */
static double betacf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, dd = 1 - (a + b) * x / (a + 1);
	dd = fabs(dd) < tiny ? tiny : dd;
	dd = 1 / dd;
	double h = dd;
	for (int m = 1; m <= 300; m++) {
		double m2 = 2.0 * m, aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
		dd = 1 + aa * dd;
		dd = fabs(dd) < tiny ? tiny : dd;
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		dd = 1 / dd;
		h *= dd * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		dd = 1 + aa * dd;
		dd = fabs(dd) < tiny ? tiny : dd;
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		dd = 1 / dd;
		double del = dd * c;
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return h;
}

static double ibeta(double a, double b, double x)
{
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(1 - x));
	if (x < (a + 1) / (a + b + 2))
		return front * betacf(a, b, x) / a;
	return 1 - front * betacf(b, a, 1 - x) / b;
}

/* P(T <= t), t >= 0 */
static double t_cdf(double t, double df) { return 1 - 0.5 * ibeta(df / 2, 0.5, df / (df + t * t)); }

double cs_capplan_t_quantile(double q, double df)
{
	if (q < 0.5)
		return -cs_capplan_t_quantile(1 - q, df);
	double a = 0, b = 1;
	while (t_cdf(b, df) < q && b < 1e12)
		b *= 2;
	for (int i = 0; i < 200 && b - a > 1e-12 * (1 + b); i++) {
		double m = (a + b) / 2;
		if (t_cdf(m, df) < q)
			a = m;
		else
			b = m;
	}
	return (a + b) / 2;
}
