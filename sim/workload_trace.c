/* capsim: jobs for a node model from a cs_trace. See workload.h. */
#include "capsim/trace.h"
#include "capsim/workload.h"
#include "hugemem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_job(const void *a, const void *b)
{
	const cs_job *x = a, *y = b;
	if (x->submit_s != y->submit_s)
		return x->submit_s < y->submit_s ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* fits' answers by request shape: a year's jobs come in a few hundred
 * shapes, each tried on the empty machine once. */
typedef struct fit_key {
	int32_t partition;
	uint32_t nodes, gpus_per_node, cores_per_node, mem_per_node_mib;
	uint16_t max_leaves;
	uint8_t topo, pad;
} fit_key;
typedef struct fit_memo {
	cs_fits_fn fits;
	void *ctx;
	struct fit_slot { fit_key k; int8_t ans; } *v; /* ans -1: empty slot */
	size_t cap, n;
} fit_memo;

static fit_key key_of(const cs_job *j)
{
	return (fit_key){ .partition = j->partition, .nodes = j->nodes, .gpus_per_node = j->gpus_per_node,
			  .cores_per_node = j->cores_per_node, .mem_per_node_mib = j->mem_per_node_mib,
			  .max_leaves = j->max_leaves, .topo = j->topo };
}

_Static_assert(sizeof(fit_key) == 24, "a key is three words, no padding");

/* A key's three words (every byte of it a member's: pad is zero). */
static inline void key_words(const fit_key *k, uint64_t w[3])
{
	memcpy(w, k, sizeof *k);
}

static size_t key_hash(const uint64_t w[3])
{
	uint64_t h = 0x9e3779b97f4a7c15u;
	for (size_t i = 0; i < 3; i++)
		h = (h ^ w[i]) * 0xff51afd7ed558ccdu;
	return (size_t)(h ^ h >> 32);
}

/* The slot of k in m->v (empty when k is not there). */
static struct fit_slot *memo_slot(fit_memo *m, const fit_key *k)
{
	uint64_t w[3], v[3];
	key_words(k, w);
	for (size_t i = key_hash(w) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (m->v[i].ans < 0)
			return &m->v[i];
		key_words(&m->v[i].k, v);
		if (v[0] == w[0] && v[1] == w[1] && v[2] == w[2])
			return &m->v[i];
	}
}

/* Room for one more key: 0, or -1 out of memory. */
static int memo_room(fit_memo *m)
{
	if (2 * (m->n + 1) <= m->cap)
		return 0;
	size_t oc = m->cap, nc = oc ? 2 * oc : 256;
	struct fit_slot *ov = m->v, *nv = malloc(nc * sizeof *nv);
	if (!nv)
		return -1;
	for (size_t i = 0; i < nc; i++)
		nv[i].ans = -1;
	m->v = nv;
	m->cap = nc;
	for (size_t i = 0; i < oc; i++)
		if (ov[i].ans >= 0)
			*memo_slot(m, &ov[i].k) = ov[i];
	free(ov);
	return 0;
}

/* fits(j), asked once per shape (asked each time when out of memory). */
static int memo_fits(fit_memo *m, const cs_job *j)
{
	if (memo_room(m) < 0)
		return m->fits(m->ctx, j);
	fit_key k = key_of(j);
	struct fit_slot *sl = memo_slot(m, &k);
	if (sl->ans < 0) {
		*sl = (struct fit_slot){ k, (int8_t)(m->fits(m->ctx, j) != 0) };
		m->n++;
	}
	return sl->ans;
}

/* 1 if jobs[0..n) are in cmp_job's order already (a file in submit order). */
static int in_order(const cs_job *jobs, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (cmp_job(&jobs[i - 1], &jobs[i]) > 0)
			return 0;
	return 1;
}

static uint32_t state_flags(uint8_t state)
{
	switch (state) {
	case CS_STATE_FAILED:
	case CS_STATE_NODE_FAIL:
	case CS_STATE_OUT_OF_MEMORY:
		return CS_JOB_TRACE_FAILED;
	case CS_STATE_CANCELLED:
	case CS_STATE_PREEMPTED:
		return CS_JOB_TRACE_CANCELLED;
	case CS_STATE_TIMEOUT:
		return CS_JOB_TRACE_TIMEOUT;
	default:
		return 0;
	}
}

void cs_partsets_free(cs_partsets *ps)
{
	free(ps->first);
	free(ps->parts);
	ps->first = NULL;
	ps->parts = NULL;
	ps->n = 0;
}

int cs_partsets_copy(cs_partsets *dst, const cs_partsets *src)
{
	*dst = (cs_partsets){ .base = src->base };
	if (!src->n)
		return 0;
	uint32_t np = src->first[src->n];
	dst->first = malloc((src->n + 1) * sizeof *dst->first);
	dst->parts = malloc((np + 1) * sizeof *dst->parts);
	if (!dst->first || !dst->parts) {
		cs_partsets_free(dst);
		return -CS_ENOMEM;
	}
	memcpy(dst->first, src->first, (src->n + 1) * sizeof *dst->first);
	memcpy(dst->parts, src->parts, np * sizeof *dst->parts);
	dst->n = src->n;
	return 0;
}

static int32_t partition_index(const char *name, size_t len, const char *const *names, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (strlen(names[k]) == len && strncmp(name, names[k], len) == 0)
			return (int32_t)k;
	return -1;
}

/* The cluster partitions a trace partition "a,b,..." names, each once, in
 * its order, into parts (room for CS_PARTSET_MAX): how many (0 if it is
 * not a list or none is the cluster's), or -1 with *bad at the first one
 * the cluster lacks (when another is the cluster's) or -2 (too many). */
static int list_parts(const char *name, const char *const *names, size_t n, int32_t *parts, const char **bad,
		      size_t *badlen)
{
	if (!strchr(name, ','))
		return 0;
	int k = 0, known = 0;
	*bad = NULL;
	for (const char *p = name;;) {
		size_t len = strcspn(p, ",");
		int32_t x = partition_index(p, len, names, n);
		if (x < 0 && !*bad) {
			*bad = p;
			*badlen = len;
		}
		int dup = 0;
		for (int i = 0; i < k; i++)
			dup |= parts[i] == x;
		if (x >= 0 && !dup) {
			if (k == CS_PARTSET_MAX)
				return -2;
			parts[k++] = x;
			known = 1;
		}
		if (!p[len])
			break;
		p += len + 1;
	}
	if (!known)
		return 0; /* none is the cluster's: an unknown partition, as one name would be */
	return *bad ? -1 : k;
}

int cs_partsets_intern(cs_partsets *ps, const int32_t *parts, uint32_t k, size_t *cap, uint32_t *out)
{
	for (uint32_t s = 0; s < ps->n; s++)
		if (ps->first[s + 1] - ps->first[s] == k &&
		    memcmp(ps->parts + ps->first[s], parts, k * sizeof *parts) == 0) {
			*out = s;
			return 0;
		}
	uint32_t at = ps->first ? ps->first[ps->n] : 0;
	if (at + k > *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		while (nc < at + k)
			nc *= 2;
		int32_t *np = realloc(ps->parts, nc * sizeof *np);
		if (!np)
			return -CS_ENOMEM;
		ps->parts = np;
		*cap = nc;
	}
	uint32_t *nf = realloc(ps->first, (ps->n + 2) * sizeof *nf);
	if (!nf)
		return -CS_ENOMEM;
	ps->first = nf;
	ps->first[ps->n] = at;
	memcpy(ps->parts + at, parts, k * sizeof *parts);
	ps->first[ps->n + 1] = at + k;
	*out = ps->n++;
	return 0;
}

int cs_workload_from_trace(const cs_trace *t, const cs_workload_conv *cv,
			   const char *const *partition_names, size_t npartitions, const int32_t *gpu_part,
			   cs_partsets *sets, cs_fits_fn fits, void *fits_ctx,
			   cs_job **jobs, size_t *njobs, cs_workload_stats *st, char *err, size_t errlen)
{
	return cs_workload_from_trace_recs(t, cv, partition_names, npartitions, gpu_part, sets, fits, fits_ctx, jobs,
					   njobs, NULL, st, err, errlen);
}

int cs_workload_from_trace_recs(const cs_trace *t, const cs_workload_conv *cv,
				const char *const *partition_names, size_t npartitions, const int32_t *gpu_part,
				cs_partsets *sets, cs_fits_fn fits, void *fits_ctx, cs_job **jobs, size_t *njobs,
				uint32_t **rec_of, cs_workload_stats *st, char *err, size_t errlen)
{
	memset(st, 0, sizeof *st);
	*jobs = NULL;
	*njobs = 0;
	if (rec_of)
		*rec_of = NULL;
	if (sets) {
		sets->n = 0;
		sets->first = NULL;
		sets->parts = NULL;
	}
	size_t scap = 0;
	int rc;
	fit_memo memo = { .fits = fits, .ctx = fits_ctx };
	const char *src = cs_trace_meta_get(t, "source");
	/* trace partition index -> cluster partition index, or -1; a list
	 * a,b,... naming the cluster's: its partitions */
	int32_t *pmap = malloc((t->partitions.n + 1) * sizeof *pmap);
	uint32_t *lfirst = malloc((t->partitions.n + 1) * sizeof *lfirst);
	int32_t *lparts = NULL;
	size_t nl = 0;
	cs_job *out = malloc((t->n + 1) * sizeof *out);
	if (!pmap || !lfirst || !out)
		goto oom;
	cs_huge_hint(out, (t->n + 1) * sizeof *out);
	lfirst[0] = 0;
	for (size_t i = 0; i < t->partitions.n; i++) {
		pmap[i] = partition_index(t->partitions.v[i], strlen(t->partitions.v[i]), partition_names,
					  npartitions);
		int32_t buf[CS_PARTSET_MAX];
		const char *bad = NULL;
		size_t badlen = 0;
		int k = sets ? list_parts(t->partitions.v[i], partition_names, npartitions, buf, &bad, &badlen) : 0;
		if (k < 0) {
			/* the first job that names it, for the message */
			uint32_t line = 0;
			for (size_t r = 0; r < t->n && !line; r++)
				if (t->jobs[r].partition == (int32_t)i)
					line = t->jobs[r].line;
			if (k == -2)
				snprintf(err, errlen, "%s:%u: partition: \"%s\" names more than %d partitions",
					 src ? src : "workload", line, t->partitions.v[i], CS_PARTSET_MAX);
			else
				snprintf(err, errlen, "%s:%u: partition: \"%.*s\" (in \"%s\") is not a partition of "
					 "the cluster", src ? src : "workload", line, (int)badlen, bad, t->partitions.v[i]);
			rc = -CS_EINVAL;
			goto fail;
		}
		if (k > 0) {
			int32_t *np = realloc(lparts, (nl + (size_t)k) * sizeof *np);
			if (!np)
				goto oom;
			lparts = np;
			memcpy(lparts + nl, buf, (size_t)k * sizeof *buf);
			nl += (size_t)k;
		}
		lfirst[i + 1] = (uint32_t)nl;
	}
	size_t n = 0;
	cs_time prev = INT64_MIN;
	for (size_t i = 0; i < t->n; i++) {
		const cs_jrec *r = &t->jobs[i];
		/* every reader bounds its times; this holds for any trace */
		const char *big = r->submit_s > CS_TIME_LIMIT ? "submit" : r->runtime_s > CS_TIME_LIMIT ? "runtime"
				  : r->time_limit_s > CS_TIME_LIMIT ? "time_limit" : NULL;
		if (big) {
			snprintf(err, errlen, "%s:%u: %s: more than 2^40 s (about 34,800 years), capsim's limit for a time",
				 src ? src : "workload", r->line, big);
			rc = -CS_EPARSE;
			goto fail;
		}
		st->records++;
		if (r->submit_s < prev)
			st->unsorted++;
		prev = r->submit_s;
		if (r->submit_s < 0) {
			st->dropped[CS_DROP_NEGATIVE_SUBMIT]++;
			continue;
		}
		if (r->runtime_s <= 0) {
			st->dropped[CS_DROP_RUNTIME]++;
			continue;
		}
		if (r->nodes == 0) {
			st->dropped[CS_DROP_SIZE]++;
			continue;
		}
		uint32_t cores = r->cores_per_node ? r->cores_per_node : (r->gpus_per_node ? 0 : 1);
		uint64_t mem = r->mem_per_node_mib;
		int32_t part = r->partition >= 0 ? pmap[r->partition] : -1;
		/* a list a,b,...: the partitions the job could run in on the empty
		 * machine (none: it is dropped as for its first) */
		uint32_t nk = 0;
		int32_t kept[CS_PARTSET_MAX];
		if (r->partition >= 0 && lfirst[r->partition + 1] > lfirst[r->partition]) {
			cs_job probe = { .nodes = r->nodes, .gpus_per_node = r->gpus_per_node,
					 .cores_per_node = r->cores_per_node ? r->cores_per_node : (r->gpus_per_node ? 0 : 1),
					 .mem_per_node_mib = r->mem_per_node_mib > UINT32_MAX ? UINT32_MAX
											      : (uint32_t)r->mem_per_node_mib,
					 .topo = r->topo, .max_leaves = r->max_leaves };
			for (uint32_t k = lfirst[r->partition]; k < lfirst[r->partition + 1]; k++) {
				probe.partition = lparts[k];
				if (r->mem_per_node_mib <= UINT32_MAX && memo_fits(&memo, &probe))
					kept[nk++] = lparts[k];
			}
			part = nk ? kept[0] : lparts[lfirst[r->partition]];
		}
		int any_partition = part < 0, held = 0;
		if (any_partition && r->gpus_per_node && gpu_part) {
			part = gpu_part[r->partition >= 0 ? (size_t)r->partition : t->partitions.n];
			held = part >= 0;
		}
		cs_job j = { .id = r->id, .submit_s = r->submit_s, .trace_runtime_s = r->runtime_s,
			     .reqtime_s = r->time_limit_s, .line = r->line, .nodes = r->nodes,
			     .gpus_per_node = r->gpus_per_node, .cores_per_node = cores,
			     .mem_per_node_mib = mem > UINT32_MAX ? UINT32_MAX : (uint32_t)mem,
			     .user = r->user, .group = r->project, .queue = r->qos,
			     .partition = part,
			     .start_s = -1, .end_s = -1, .reservation_s = -1, .topo = r->topo,
			     .max_leaves = r->max_leaves, .flags = state_flags(r->state) };
		uint64_t size = r->gpus_per_node ? (uint64_t)r->nodes * r->gpus_per_node
						 : (uint64_t)r->nodes * cores;
		j.size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
		if (nk >= 2) {
			uint32_t s;
			if (cs_partsets_intern(sets, kept, nk, &scap, &s) < 0)
				goto oom;
			j.partition = (int32_t)(sets->base + s);
		} else if (mem > UINT32_MAX || !memo_fits(&memo, &j)) {
			/* the first rule it breaks: its topology, its GPUs' kind, its size */
			cs_job any = j;
			any.topo = 0;
			any.max_leaves = 0;
			int why = CS_DROP_TOO_LARGE;
			if (mem <= UINT32_MAX && j.topo && memo_fits(&memo, &any)) {
				why = CS_DROP_TOPOLOGY;
			} else if (mem <= UINT32_MAX && held) {
				any.partition = -1;
				if (memo_fits(&memo, &any))
					why = CS_DROP_GPU_KIND;
			}
			st->dropped[why]++;
			continue;
		}
		st->any_partition += any_partition;
		st->gpu_held += held;
		if (r->time_limit_s <= 0) {
			if (cv->missing_reqtime == CS_MISSING_DROP) {
				st->dropped[CS_DROP_REQTIME]++;
				continue;
			}
			st->reqtime_fallback++;
			j.flags |= CS_JOB_REQTIME_FALLBACK;
		}
		j.runtime_s = r->runtime_s;
		if (r->time_limit_s > 0 && r->runtime_s > r->time_limit_s) {
			st->overran++;
			j.flags |= CS_JOB_OVERRAN;
			if (cv->overrun == CS_OVERRUN_KILL) {
				j.runtime_s = r->time_limit_s;
				j.flags |= CS_JOB_KILLED;
				st->killed++;
			}
		}
		/* the estimate: the time limit; the runtime when exact, when the
		 * limit is unknown, or when --overrun raise lifts it to a longer run */
		j.estimate_s = cv->estimates == CS_EST_EXACT || r->time_limit_s <= 0 ||
			       (cv->overrun == CS_OVERRUN_RAISE && j.runtime_s > r->time_limit_s)
			? j.runtime_s : r->time_limit_s;
		j.reservation_s = (cs_time)i; /* its record, through the sort (reset below) */
		out[n++] = j;
	}
	uint32_t *recs = rec_of ? malloc((n + 1) * sizeof *recs) : NULL;
	if (rec_of && !recs)
		goto oom;
	free(pmap);
	free(lfirst);
	free(lparts);
	free(memo.v);
	if (!in_order(out, n))
		qsort(out, n, sizeof *out, cmp_job);
	for (size_t i = 0; i < n; i++) {
		if (recs)
			recs[i] = (uint32_t)out[i].reservation_s;
		out[i].reservation_s = -1;
	}
	if (rec_of)
		*rec_of = recs;
	*jobs = out;
	*njobs = n;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	rc = -CS_ENOMEM;
fail:
	free(pmap);
	free(lfirst);
	free(lparts);
	free(memo.v);
	free(out);
	if (sets)
		cs_partsets_free(sets);
	return rc;
}
