/* capsim: the Slurm sacct reader (sacct --parsable2 output -> cs_trace).
 * Every rule this file applies is listed in docs/sacct.md. */
#include "capsim/lines.h"
#include "capsim/sacct.h"
#include "civil.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { C_JOBID, C_SUBMIT, C_STATE, C_NNODES, C_ELAPSED, C_START, C_END, C_TIMELIMIT,
       C_REQTRES, C_ALLOCTRES, C_ACCOUNT, C_USER, C_QOS, C_PARTITION, C_REQMEM, C_NCPUS,
       C_REQCPUS, C_N };
static const char *const col_names[C_N] = { "JobID", "Submit", "State", "NNodes", "Elapsed",
					     "Start", "End", "Timelimit", "ReqTRES", "AllocTRES",
					     "Account", "User", "QOS", "Partition", "ReqMem",
					     "NCPUS", "ReqCPUS" };
#define C_REQUIRED C_ELAPSED /* columns before this one are required */

#define MAX_GPUS_PER_NODE 1024     /* the native format's bounds: every trace */
#define MAX_CORES_PER_NODE (1 << 20) /* read here can be written and read back */

typedef struct rd {
	const char *path;
	uint32_t line;
	char *err;
	size_t errlen;
} rd;

__attribute__((format(printf, 3, 4)))
static int perr(const rd *r, int col, const char *fmt, ...)
{
	int o = snprintf(r->err, r->errlen, "%s:%u: column %s: ", r->path, r->line, col_names[col]);
	if (o > 0 && (size_t)o < r->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->err + o, r->errlen - (size_t)o, fmt, ap);
		va_end(ap);
	}
	return -CS_EPARSE;
}

/* sacct writes "Unknown" or "None" for a time or value it does not have. */
static int is_unknown(const char *s)
{
	return !*s || strcmp(s, "Unknown") == 0 || strcmp(s, "None") == 0;
}

/* Digits in [s, e) as an unsigned value; -1 if empty, not all digits, or > max. */
static int parse_uint(const char *s, const char *e, uint64_t max, uint64_t *v)
{
	if (s == e)
		return -1;
	uint64_t x = 0;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
		if (x > max)
			return -1;
	}
	*v = x;
	return 0;
}

/* --- times --- */

/* n digits at *p into *v, advancing *p; -1 if any is not a digit. */
static int fixed_digits(const char **p, int n, int *v)
{
	uint64_t x;
	if (strnlen(*p, (size_t)n) < (size_t)n || parse_uint(*p, *p + n, 99999, &x) < 0)
		return -1;
	*p += n;
	*v = (int)x;
	return 0;
}

/* "YYYY-MM-DDTHH:MM:SS" with an optional "Z" or "+HH:MM"/"-HH:MM"; no zone
 * means UTC. 0 with the Unix time in *t, 1 unknown, -1 malformed. */
static int parse_time(const char *s, int64_t *t)
{
	if (is_unknown(s))
		return 1;
	const char *p = s;
	int y, mo, d, h, mi, se;
	if (fixed_digits(&p, 4, &y) || *p++ != '-' || fixed_digits(&p, 2, &mo) || *p++ != '-' ||
	    fixed_digits(&p, 2, &d) || *p++ != 'T' || fixed_digits(&p, 2, &h) || *p++ != ':' ||
	    fixed_digits(&p, 2, &mi) || *p++ != ':' || fixed_digits(&p, 2, &se))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > cs_civil_month_days(y, mo) || h > 23 || mi > 59 || se > 59)
		return -1;
	int64_t off = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if (fixed_digits(&p, 2, &oh) || *p++ != ':' || fixed_digits(&p, 2, &om) || oh > 23 ||
		    om > 59)
			return -1;
		off = sign * (oh * 3600 + om * 60);
	}
	if (*p)
		return -1;
	/* local = UTC + offset */
	*t = cs_civil_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	return *t < 0 ? -1 : 0;
}

/* --- durations --- */

/* [DD-]HH:MM:SS, MM:SS, DD-HH, DD-HH:MM, and MM (bare minutes) when
 * bare_minutes. The first number is unbounded (9 digits at most); the ones
 * after it are < 60, hours < 24 after a day count. 0 with seconds in *v,
 * 1 unknown ("UNLIMITED", "Partition_Limit", "INVALID", "Unknown", "None",
 * empty), -1 malformed. */
static int parse_duration(const char *s, int bare_minutes, int64_t *v)
{
	if (is_unknown(s) || strcmp(s, "UNLIMITED") == 0 || strcmp(s, "Partition_Limit") == 0 ||
	    strcmp(s, "INVALID") == 0)
		return 1;
	uint64_t days = 0, n[3];
	int k = 0;
	const char *p = s, *dash = strchr(s, '-');
	if (dash) {
		if (parse_uint(p, dash, 999999999, &days) < 0)
			return -1;
		p = dash + 1;
	}
	for (;;) {
		const char *e = p + strcspn(p, ":");
		if (k == 3 || parse_uint(p, e, k == 0 ? 999999999 : 59, &n[k]) < 0)
			return -1;
		k++;
		if (!*e)
			break;
		p = e + 1;
	}
	uint64_t h = 0, m = 0, sec = 0;
	if (dash) { /* DD-HH, DD-HH:MM, DD-HH:MM:SS */
		h = n[0];
		m = k > 1 ? n[1] : 0;
		sec = k > 2 ? n[2] : 0;
		if (h > 23)
			return -1;
	} else if (k == 3) {
		h = n[0], m = n[1], sec = n[2];
	} else if (k == 2) {
		m = n[0], sec = n[1];
	} else if (bare_minutes) {
		m = n[0];
	} else {
		return -1;
	}
	*v = (int64_t)(((days * 24 + h) * 60 + m) * 60 + sec);
	return 0;
}

/* --- sizes and TRES --- */

/* A memory size "<int>[.<frac>][K|M|G|T|P]" (units of 1024, no suffix: M)
 * in [s, e), rounded up to whole MiB. -1 if malformed or too large. */
static int parse_mem(const char *s, const char *e, uint64_t *mib)
{
	uint64_t kib_per_unit = 1024; /* M */
	if (e > s && strchr("KMGTP", e[-1])) {
		kib_per_unit = 1;
		for (const char *u = "KMGTP"; *u != e[-1]; u++)
			kib_per_unit *= 1024;
		e--;
	}
	const char *dot = memchr(s, '.', (size_t)(e - s));
	uint64_t ip, fp = 0, scale = 1;
	if (parse_uint(s, dot ? dot : e, 1000000000000ULL, &ip) < 0)
		return -1;
	if (dot) {
		if (e - dot - 1 > 6 || parse_uint(dot + 1, e, 999999, &fp) < 0)
			return -1;
		for (const char *q = dot + 1; q < e; q++)
			scale *= 10;
	}
	/* value = (ip * scale + fp) / scale units; MiB = ceil(value * kib_per_unit / 1024) */
	uint64_t num = ip * scale + fp, den = scale * 1024, x;
	if (__builtin_mul_overflow(num, kib_per_unit, &x))
		return -1;
	*mib = x / den + (x % den != 0);
	return *mib <= INT64_MAX ? 0 : -1;
}

typedef struct tres {
	int64_t cpu;       /* -1: absent */
	int64_t gpu;       /* gres/gpu, -1: absent */
	int64_t gpu_typed; /* sum of gres/gpu:TYPE, -1: none */
	int64_t mem_mib;   /* -1: absent */
} tres;

/* "name=value,..." (e.g. "billing=4,cpu=8,gres/gpu=4,mem=64G,node=2"). Every
 * entry must be name=value; cpu and gres/gpu[:TYPE] values are integers,
 * mem a size; other names are ignored. An empty or unknown field: no entries. */
static int parse_tres(const rd *r, int col, const char *s, tres *t)
{
	*t = (tres){ -1, -1, -1, -1 };
	if (is_unknown(s))
		return 0;
	const char *p = s;
	for (;;) {
		const char *e = p + strcspn(p, ","), *eq = memchr(p, '=', (size_t)(e - p));
		int nl = eq ? (int)(eq - p) : (int)(e - p);
		if (!eq || eq == p || eq + 1 == e)
			return perr(r, col, "entry \"%.*s\" is not name=value (in \"%s\")", (int)(e - p), p, s);
		uint64_t v;
		int64_t *dst = NULL;
		if (nl == 3 && strncmp(p, "cpu", 3) == 0)
			dst = &t->cpu;
		else if (nl == 8 && strncmp(p, "gres/gpu", 8) == 0)
			dst = &t->gpu;
		else if (nl > 9 && strncmp(p, "gres/gpu:", 9) == 0)
			dst = &t->gpu_typed;
		if (dst) {
			if (parse_uint(eq + 1, e, 1u << 30, &v) < 0)
				return perr(r, col, "%.*s: \"%.*s\" is not a count", nl, p, (int)(e - eq - 1), eq + 1);
			*dst = (dst == &t->gpu_typed && *dst > 0 ? *dst : 0) + (int64_t)v;
		} else if (nl == 3 && strncmp(p, "mem", 3) == 0) {
			if (parse_mem(eq + 1, e, &v) < 0)
				return perr(r, col, "mem: \"%.*s\" is not a size (a number with K, M, G, T or P)",
					    (int)(e - eq - 1), eq + 1);
			t->mem_mib = (int64_t)v;
		}
		if (!*e)
			return 0;
		p = e + 1;
	}
}

/* A count column (NCPUS, ReqCPUS): -1 unknown, else the value. */
static int parse_count(const rd *r, int col, const char *s, int64_t *v)
{
	uint64_t x;
	*v = -1;
	if (is_unknown(s))
		return 0;
	if (parse_uint(s, s + strlen(s), 1u << 30, &x) < 0)
		return perr(r, col, "\"%s\" is not a count", s);
	*v = (int64_t)x;
	return 0;
}

/* --- ids and states --- */

/* J, J_T, J_[range], J+O; a '.' makes it a step (J.batch, J_T.0, J+O.extern).
 * 0 with the packed id, 1 a step, -1 malformed. */
static int parse_jobid(const char *s, int64_t *id)
{
	const char *dot = strchr(s, '.'), *end = dot ? dot : s + strlen(s);
	if (dot && !dot[1])
		return -1;
	const char *p = s;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	uint64_t j, k = 0;
	if (parse_uint(s, p, UINT32_MAX, &j) < 0 || j == 0)
		return -1;
	int64_t base = 0;
	if (p == end) {
		*id = (int64_t)j;
	} else if (*p == '_' && p[1] == '[') {
		/* a pending range "[5-9]", "[1,4-7%2]": one record, its first index */
		const char *q = p + 2, *d = q;
		while (d < end && *d >= '0' && *d <= '9')
			d++;
		if (parse_uint(q, d, CS_SACCT_SLOT - 1, &k) < 0 || end[-1] != ']' || end - 1 < d)
			return -1;
		for (; d < end - 1; d++)
			if (!strchr("0123456789-,:%", *d))
				return -1;
		base = CS_SACCT_ARRAY_BASE;
	} else if (*p == '_' || *p == '+') {
		if (parse_uint(p + 1, end, CS_SACCT_SLOT - 1, &k) < 0)
			return -1;
		base = *p == '_' ? CS_SACCT_ARRAY_BASE : CS_SACCT_HET_BASE;
	} else {
		return -1;
	}
	if (base)
		*id = base + (int64_t)j * CS_SACCT_SLOT + (int64_t)k;
	return dot ? 1 : 0;
}

/* Slurm's job state words; -1 for one not listed. "not_finished": the job
 * had not ended when sacct ran (its times are not a run). */
static int map_state(const char *w, size_t n, int *not_finished)
{
	static const struct { const char *name; int state; int not_finished; } m[] = {
		{ "COMPLETED", CS_STATE_COMPLETED, 0 },   { "FAILED", CS_STATE_FAILED, 0 },
		{ "CANCELLED", CS_STATE_CANCELLED, 0 },   { "TIMEOUT", CS_STATE_TIMEOUT, 0 },
		{ "NODE_FAIL", CS_STATE_NODE_FAIL, 0 },   { "OUT_OF_MEMORY", CS_STATE_OUT_OF_MEMORY, 0 },
		{ "PREEMPTED", CS_STATE_PREEMPTED, 0 },   { "BOOT_FAIL", CS_STATE_FAILED, 0 },
		{ "DEADLINE", CS_STATE_FAILED, 0 },       { "PENDING", CS_STATE_UNKNOWN, 1 },
		{ "RUNNING", CS_STATE_UNKNOWN, 1 },       { "REQUEUED", CS_STATE_UNKNOWN, 1 },
		{ "SUSPENDED", CS_STATE_UNKNOWN, 1 },     { "RESIZING", CS_STATE_UNKNOWN, 1 },
	};
	for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
		if (strlen(m[i].name) == n && strncasecmp(m[i].name, w, n) == 0) {
			*not_finished = m[i].not_finished;
			return m[i].state;
		}
	}
	return -1;
}

/* --- the reader --- */

static uint32_t per_node(int64_t total, uint32_t nodes)
{
	return (uint32_t)((total + nodes - 1) / nodes);
}

/* A name column; a Partition list "a,b" (a job submitted to several, until
 * it starts) is kept whole, the job's set of partitions (workload.h), and
 * counts in *multi. */
static int intern_name(const rd *r, int col, cs_names *ns, char *s, int32_t *dst, size_t *multi)
{
	*dst = -1;
	char *comma = strchr(s, ',');
	if (comma && col == C_PARTITION) {
		size_t n = strlen(s);
		if (s[0] == ',' || s[n - 1] == ',' || strstr(s, ",,"))
			return perr(r, col, "\"%s\" has an empty name in its list (expected a,b,...)", s);
		(*multi)++;
	} else if (comma) {
		return perr(r, col, "\"%s\" contains ',' (not a Slurm name)", s);
	}
	if (*s && (*dst = cs_names_intern(ns, s, strlen(s))) < 0) {
		snprintf(r->err, r->errlen, "out of memory");
		return -CS_ENOMEM;
	}
	return 0;
}

typedef struct idline {
	int64_t id;
	uint32_t line;
} idline;

static int idline_cmp(const void *a, const void *b)
{
	const idline *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

/* Two records with one id (sacct -D prints every run of a requeued job). */
static int check_unique(const rd *r, const cs_trace *t)
{
	if (t->n < 2)
		return 0;
	idline *v = malloc(t->n * sizeof *v);
	if (!v) {
		snprintf(r->err, r->errlen, "out of memory");
		return -CS_ENOMEM;
	}
	for (size_t i = 0; i < t->n; i++)
		v[i] = (idline){ t->jobs[i].id, t->jobs[i].line };
	qsort(v, t->n, sizeof *v, idline_cmp);
	int rc = 0;
	for (size_t i = 1; i < t->n && !rc; i++) {
		if (v[i].id == v[i - 1].id) {
			rd at = *r;
			at.line = v[i].line;
			rc = perr(&at, C_JOBID, "job id %" PRId64 " again (first on line %u; export "
				  "without sacct -D)", v[i].id, v[i - 1].line);
		}
	}
	free(v);
	return rc;
}

/* One job line (fields f, columns col) into *j with absolute times. 0 a
 * record, 1 a step, or -CS_E*. */
static int read_job(const rd *r, cs_trace *t, char **f, const int *col, cs_jrec *j, size_t *multi)
{
	int rc;
	*j = (cs_jrec){ .start_s = -1, .runtime_s = -1, .time_limit_s = -1, .line = r->line };
	const char *s = f[col[C_JOBID]];
	if ((rc = parse_jobid(s, &j->id)) < 0)
		return perr(r, C_JOBID, "\"%s\" is not a job id (J, J_T, J_[range], J+O, each "
			    "optionally .step; 0 < J < 2^32, T, O < %lld)", s, CS_SACCT_SLOT);
	if (rc == 1)
		return 1;

	s = f[col[C_SUBMIT]];
	if ((rc = parse_time(s, &j->submit_s)) != 0)
		return perr(r, C_SUBMIT, rc > 0 ? "no submit time (\"%s\")" :
			    "\"%s\" is not a time YYYY-MM-DDTHH:MM:SS[Z|+HH:MM] after 1970", s);
	int64_t start = -1, end = -1, elapsed = -1;
	int have_start = 0, have_end = 0, have_elapsed = 0;
	if (col[C_START] >= 0) {
		s = f[col[C_START]];
		if ((rc = parse_time(s, &start)) < 0)
			return perr(r, C_START, "\"%s\" is not a time YYYY-MM-DDTHH:MM:SS[Z|+HH:MM] after 1970", s);
		have_start = rc == 0;
		if (have_start && start < j->submit_s)
			return perr(r, C_START, "\"%s\" is before the Submit time", s);
	}
	if (col[C_END] >= 0) {
		s = f[col[C_END]];
		if ((rc = parse_time(s, &end)) < 0)
			return perr(r, C_END, "\"%s\" is not a time YYYY-MM-DDTHH:MM:SS[Z|+HH:MM] after 1970", s);
		have_end = rc == 0;
		if (have_end && have_start && end < start)
			return perr(r, C_END, "\"%s\" is before the Start time", s);
	}
	if (col[C_ELAPSED] >= 0) {
		s = f[col[C_ELAPSED]];
		if ((rc = parse_duration(s, 0, &elapsed)) < 0)
			return perr(r, C_ELAPSED, "\"%s\" is not a duration [DD-]HH:MM:SS or MM:SS", s);
		have_elapsed = rc == 0;
	}
	if (col[C_TIMELIMIT] >= 0) {
		s = f[col[C_TIMELIMIT]];
		if ((rc = parse_duration(s, 1, &j->time_limit_s)) < 0)
			return perr(r, C_TIMELIMIT, "\"%s\" is not a time limit (MM, MM:SS, [DD-]HH:MM:SS, "
				    "DD-HH, DD-HH:MM, UNLIMITED)", s);
		if (rc > 0 || j->time_limit_s == 0) /* --time=0: no limit */
			j->time_limit_s = -1;
	}

	s = f[col[C_STATE]];
	size_t wl = strcspn(s, " ");
	int not_finished = 0, st = map_state(s, wl, &not_finished);
	if (st < 0 || (s[wl] && (st != CS_STATE_CANCELLED || strncmp(s + wl, " by ", 4) != 0 || !s[wl + 4])))
		return perr(r, C_STATE, "unknown state \"%s\" (expected COMPLETED, FAILED, CANCELLED"
			    "[ by UID], TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, PREEMPTED, BOOT_FAIL, DEADLINE, "
			    "PENDING, RUNNING, REQUEUED, SUSPENDED or RESIZING)", s);
	j->state = (uint8_t)st;
	/* a pending job has not started, whatever (expected) Start sacct prints */
	int pending = wl == 7 && strncasecmp(s, "PENDING", 7) == 0;
	if (pending)
		have_start = 0;
	int started = col[C_START] >= 0 ? have_start : !pending;

	if (have_start) {
		j->start_s = start;
		if (!not_finished)
			j->runtime_s = have_elapsed ? elapsed : have_end ? end - start : -1;
	} else if (col[C_START] < 0 && !not_finished && have_elapsed) {
		j->runtime_s = elapsed; /* no Start column: Elapsed alone */
	}

	s = f[col[C_NNODES]];
	const char *dash = strchr(s, '-');
	uint64_t nodes, nmax;
	if (parse_uint(s, dash ? dash : s + strlen(s), INT32_MAX, &nodes) < 0 || nodes < 1 ||
	    (dash && (parse_uint(dash + 1, dash + strlen(dash), INT32_MAX, &nmax) < 0 || nmax < nodes)))
		return perr(r, C_NNODES, "\"%s\" is not a node count >= 1 (or a range MIN-MAX)", s);
	j->nodes = (uint32_t)nodes;

	tres req = { -1, -1, -1, -1 }, alloc = req, *use = &req;
	if (col[C_REQTRES] >= 0 && (rc = parse_tres(r, C_REQTRES, f[col[C_REQTRES]], &req)) < 0)
		return rc;
	if (col[C_ALLOCTRES] >= 0 && (rc = parse_tres(r, C_ALLOCTRES, f[col[C_ALLOCTRES]], &alloc)) < 0)
		return rc;
	int tres_col = C_REQTRES;
	if (started && col[C_ALLOCTRES] >= 0 && !is_unknown(f[col[C_ALLOCTRES]])) {
		use = &alloc;
		tres_col = C_ALLOCTRES;
	}
	int64_t gpus = use->gpu >= 0 ? use->gpu : use->gpu_typed >= 0 ? use->gpu_typed : 0;
	if (per_node(gpus, j->nodes) > MAX_GPUS_PER_NODE)
		return perr(r, tres_col, "%" PRId64 " GPUs on %u nodes: more than %d per node", gpus,
			    j->nodes, MAX_GPUS_PER_NODE);
	j->gpus_per_node = per_node(gpus, j->nodes);

	int64_t cores = use->cpu, ncpus = -1, reqcpus = -1;
	if (col[C_NCPUS] >= 0 && (rc = parse_count(r, C_NCPUS, f[col[C_NCPUS]], &ncpus)) < 0)
		return rc;
	if (col[C_REQCPUS] >= 0 && (rc = parse_count(r, C_REQCPUS, f[col[C_REQCPUS]], &reqcpus)) < 0)
		return rc;
	int cores_col = tres_col;
	if (cores < 0) {
		cores = ncpus > 0 ? ncpus : reqcpus;
		cores_col = ncpus > 0 ? C_NCPUS : C_REQCPUS;
	}
	if (cores > 0 && per_node(cores, j->nodes) > MAX_CORES_PER_NODE)
		return perr(r, cores_col, "%" PRId64 " CPUs on %u nodes: more than %d per node", cores,
			    j->nodes, MAX_CORES_PER_NODE);
	j->cores_per_node = cores > 0 ? per_node(cores, j->nodes) : 0;

	if (use->mem_mib >= 0) {
		j->mem_per_node_mib = per_node(use->mem_mib, j->nodes);
	} else if (col[C_REQMEM] >= 0 && !is_unknown(s = f[col[C_REQMEM]])) {
		/* "64G": the job's total (Slurm >= 21.08); "4000Mn" per node, "2Gc" per CPU (older) */
		size_t n = strlen(s);
		char kind = s[n - 1] == 'n' || s[n - 1] == 'c' ? s[n - 1] : 't';
		uint64_t mib, x = 0;
		if (parse_mem(s, s + n - (kind != 't'), &mib) < 0)
			return perr(r, C_REQMEM, "\"%s\" is not a size (a number with K, M, G, T or P, then "
				    "n per node or c per CPU)", s);
		if (kind == 'c' && j->cores_per_node == 0)
			return perr(r, C_REQMEM, "\"%s\" is per CPU but the CPU count is unknown (add NCPUS "
				    "or AllocTRES)", s);
		if (kind == 'c' && __builtin_mul_overflow(mib, (uint64_t)j->cores_per_node, &x))
			return perr(r, C_REQMEM, "\"%s\": too large", s);
		j->mem_per_node_mib = kind == 't' ? per_node((int64_t)mib, j->nodes)
				      : kind == 'n' ? mib : x;
	}

	struct { int c; cs_names *ns; int32_t *dst; } names[] = {
		{ C_ACCOUNT, &t->projects, &j->project }, { C_USER, &t->users, &j->user },
		{ C_QOS, &t->qos, &j->qos }, { C_PARTITION, &t->partitions, &j->partition } };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		*names[i].dst = -1;
		if (col[names[i].c] >= 0 &&
		    (rc = intern_name(r, names[i].c, names[i].ns, f[col[names[i].c]], names[i].dst, multi)) < 0)
			return rc;
	}
	return 0;
}

/* The header: every known column's field index (-1 absent). */
static int read_header(const rd *r, char *line, int *col, size_t *ncols, char ***fields)
{
	size_t n = 1;
	for (const char *p = line; *p; p++)
		n += *p == '|';
	char **f = malloc((n + 1) * sizeof *f);
	if (!f) {
		snprintf(r->err, r->errlen, "out of memory");
		return -CS_ENOMEM;
	}
	*fields = f;
	*ncols = cs_lines_split(line, '|', f, n);
	for (int c = 0; c < C_N; c++)
		col[c] = -1;
	for (size_t i = 0; i < *ncols; i++) {
		for (int c = 0; c < C_N; c++) {
			if (strcasecmp(f[i], col_names[c]) != 0)
				continue;
			if (col[c] >= 0)
				return perr(r, c, "appears twice in the header (fields %d and %zu)", col[c] + 1, i + 1);
			col[c] = (int)i;
		}
	}
	for (int c = 0; c < C_REQUIRED; c++)
		if (col[c] < 0)
			return perr(r, c, "missing from the header (JobID, Submit, State and NNodes are "
				    "required; is this sacct --parsable2 output?)");
	if (col[C_ELAPSED] < 0 && (col[C_START] < 0 || col[C_END] < 0))
		return perr(r, col[C_START] < 0 ? C_START : col[C_END] < 0 ? C_END : C_ELAPSED,
			    "missing from the header (need Elapsed, or Start and End)");
	return 0;
}

int cs_sacct_read(cs_trace *t, const char *path, char *err, size_t errlen)
{
	cs_lines l;
	int rc = cs_lines_open(&l, path, err, errlen);
	if (rc < 0)
		return rc;
	rd r = { path, 0, err, errlen };
	int col[C_N];
	size_t ncols = 0, steps = 0, multi = 0;
	char **f = NULL, *line;
	size_t len;
	while ((rc = cs_lines_next(&l, &line, &len, err, errlen)) == 1) {
		r.line = l.lineno;
		if (len == 0)
			continue;
		if (!f) {
			if ((rc = read_header(&r, line, col, &ncols, &f)) < 0)
				goto out;
			continue;
		}
		size_t n = cs_lines_split(line, '|', f, ncols);
		if (n != ncols) {
			snprintf(err, errlen, "%s:%u: %s%zu fields, the header has %zu", path, r.line,
				 n > ncols ? "more than " : "", n > ncols ? ncols : n, ncols);
			rc = -CS_EPARSE;
			goto out;
		}
		cs_jrec j;
		if ((rc = read_job(&r, t, f, col, &j, &multi)) < 0)
			goto out;
		if (rc == 1) {
			steps++;
			continue;
		}
		if (cs_trace_push(t, &j) < 0)
			goto oom;
	}
	if (rc < 0)
		goto out;
	if (!f) {
		snprintf(err, errlen, "%s: empty file: no header line (expected sacct --parsable2 output "
			 "starting \"JobID|...\")", path);
		rc = -CS_EPARSE;
		goto out;
	}
	if ((rc = check_unique(&r, t)) < 0)
		goto out;
	t->epoch = 0;
	for (size_t i = 0; i < t->n; i++)
		if (i == 0 || t->jobs[i].submit_s < t->epoch)
			t->epoch = t->jobs[i].submit_s;
	for (size_t i = 0; i < t->n; i++) {
		t->jobs[i].submit_s -= t->epoch;
		if (t->jobs[i].start_s >= 0)
			t->jobs[i].start_s -= t->epoch;
	}
	char b[32];
	snprintf(b, sizeof b, "%" PRId64, t->epoch);
	if (cs_trace_meta_set(t, "source", path) < 0 || cs_trace_meta_set(t, "epoch", b) < 0)
		goto oom;
	if (cs_trace_meta_count(t, "skipped_steps", steps) < 0 ||
	    (multi && cs_trace_meta_count(t, "multi_partition_jobs", multi) < 0))
		goto oom;
	rc = 0;
out:
	free(f);
	cs_lines_close(&l);
	if (rc < 0) {
		cs_trace_free(t);
		cs_trace_init(t);
	}
	return rc;
oom:
	snprintf(err, errlen, "out of memory");
	rc = -CS_ENOMEM;
	goto out;
}
