/* capsim: a policy's waiting jobs by partition (sched/partq.h). */
#include "partq.h"

#include "capsim/sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cs_partq_init(cs_partq *q, const cs_job *jobs, size_t n, const cs_partsets *sets)
{
	memset(q, 0, sizeof *q);
	q->jobs = jobs;
	q->sets = sets && sets->n ? sets : NULL;
	uint32_t nk = 1;
	for (size_t i = 0; i < n; i++)
		for (uint32_t x = 0; x < cs_partq_nkeys_of(q, (uint32_t)i); x++) {
			uint32_t k = cs_partq_key_at(q, (uint32_t)i, x);
			if (k + 1 > nk)
				nk = k + 1;
		}
	q->nkeys = nk;
	q->head = calloc(nk, sizeof *q->head);
	q->blocked = calloc(nk, 1);
	q->reserved = calloc(nk, sizeof *q->reserved);
	uint8_t *seen = calloc(nk, 1);
	if (!q->head || !q->blocked || !q->reserved || !seen) {
		free(seen);
		cs_partq_free(q);
		return -CS_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		for (uint32_t x = 0; x < cs_partq_nkeys_of(q, (uint32_t)i); x++)
			seen[cs_partq_key_at(q, (uint32_t)i, x)] = 1;
	for (uint32_t k = 0; k < nk; k++)
		q->used += seen[k];
	free(seen);
	return 0;
}

void cs_partq_free(cs_partq *q)
{
	free(q->head);
	free(q->blocked);
	free(q->reserved);
	q->head = NULL;
	q->blocked = NULL;
	q->reserved = NULL;
}

void cs_partq_push(cs_partq *q, uint32_t jid)
{
	for (uint32_t x = 0; x < cs_partq_nkeys_of(q, jid); x++) {
		uint32_t k = cs_partq_key_at(q, jid, x);
		if (jid < q->head[k]) /* a requeued job comes back below the key's mark */
			q->head[k] = jid;
	}
}

/* Does job jid have key k? */
static int has_key(const cs_partq *q, uint32_t jid, uint32_t k)
{
	int32_t s = cs_partset_of(q->sets, q->jobs[jid].partition);
	if (s < 0)
		return cs_partq_key(q, jid) == k;
	for (uint32_t i = q->sets->first[s]; i < q->sets->first[s + 1]; i++)
		if ((uint32_t)q->sets->parts[i] + 1 == k)
			return 1;
	return 0;
}

uint64_t cs_partq_open(const cs_partq *q, uint32_t jid)
{
	uint64_t m = 0;
	for (uint32_t x = 0; x < cs_partq_nkeys_of(q, jid); x++)
		if (!q->blocked[cs_partq_key_at(q, jid, x)])
			m |= 1ull << x;
	return m;
}

void cs_partq_pass(cs_partq *q)
{
	memset(q->blocked, 0, q->nkeys);
	memset(q->reserved, 0, q->nkeys * sizeof *q->reserved);
}

static int key_is(const cs_partq *q, uint32_t jid, uint32_t k)
{
	return q->sets ? has_key(q, jid, k) : cs_partq_key(q, jid) == k;
}

/* cs_partq_head when its mark answers: -1 when nothing waits at or past
 * the mark, the mark when its job still waits and has key k (none of k's
 * waits below it); -2: walk from the mark. */
static inline long head_at_mark(const cs_partq *q, const cs_fifo *f, uint32_t k)
{
	size_t h = q->head[k];
	if (h >= f->end)
		return -1;
	return cs_fifo_has(f, (uint32_t)h) && key_is(q, (uint32_t)h, k) ? (long)h : -2;
}

/* The walk from k's mark to its oldest waiting job, which becomes the
 * mark (the end of the queue when none waits). */
static long head_walk(cs_partq *q, const cs_fifo *f, uint32_t k)
{
	long i = cs_fifo_next(f, (uint32_t)q->head[k]);
	for (; i >= 0; i = cs_fifo_next(f, (uint32_t)i + 1))
		if (key_is(q, (uint32_t)i, k))
			break;
	q->head[k] = i >= 0 ? (size_t)i : f->end;
	return i;
}

/* cs_partq_head: the mark's answer, else the walk. */
static inline long head_of(cs_partq *q, const cs_fifo *f, uint32_t k)
{
	long m = head_at_mark(q, f, k);
	return m > -2 ? m : head_walk(q, f, k);
}

long cs_partq_head(cs_partq *q, const cs_fifo *f, uint32_t k) { return head_of(q, f, k); }

long cs_partq_next_unblocked(cs_partq *q, const cs_fifo *f)
{
	long best = -1;
	for (uint32_t k = 0; k < q->nkeys; k++) {
		if (q->blocked[k])
			continue;
		long h = head_of(q, f, k);
		if (h >= 0 && (best < 0 || h < best))
			best = h;
	}
	return best;
}

int cs_queue_mode(const cs_policy_env *env, const cs_partq *pq, const char *policy, char *err, size_t errlen)
{
	const char *v = cs_policy_param_get(env, "queue");
	if (v && strcmp(v, "partition") != 0 && strcmp(v, "global") != 0) {
		snprintf(err, errlen, "policy %s: queue: '%s' is not one of partition, global", policy, v);
		return -CS_EINVAL;
	}
	return (!v || strcmp(v, "partition") == 0) && env->node_model && pq->used > 1;
}

/* A whole number >= lo from parameter key (default def); -CS_EINVAL with err otherwise. */
static int param_u32(const cs_policy_env *env, const char *key, uint32_t def, uint32_t lo, const char *policy,
		     uint32_t *out, int *given, char *err, size_t errlen)
{
	const char *v = cs_policy_param_get(env, key);
	*out = def;
	*given = v != NULL;
	if (!v)
		return 0;
	char *end;
	unsigned long long x = strtoull(v, &end, 10);
	if (end == v || *end || *v == '-' || x < lo || x > 1000000) {
		snprintf(err, errlen, "policy %s: %s: '%s' is not a whole number from %u to 1000000", policy, key, v,
			 lo);
		return -CS_EINVAL;
	}
	*out = (uint32_t)x;
	return 0;
}

int cs_resv_budget_init(cs_resv_budget *b, const cs_policy_env *env, const cs_partq *pq, const char *policy,
			char *err, size_t errlen)
{
	memset(b, 0, sizeof *b);
	int per_partition = cs_queue_mode(env, pq, policy, err, errlen);
	if (per_partition < 0)
		return per_partition;
	int g1, g2, g3;
	if (param_u32(env, "reserve", 1, 1, policy, &b->per_part, &g1, err, errlen) < 0 ||
	    param_u32(env, "reserve_user", 0, 0, policy, &b->per_user, &g2, err, errlen) < 0 ||
	    param_u32(env, "reserve_total", 0, 0, policy, &b->total, &g3, err, errlen) < 0)
		return -CS_EINVAL;
	int given = g1 || g2 || g3;
	const char *qv = cs_policy_param_get(env, "queue");
	if (given && (!env->node_model || (qv && strcmp(qv, "global") == 0))) {
		snprintf(err, errlen, "policy %s: reserve, reserve_user and reserve_total apply on a node model with "
			 "queue=partition (%s)", policy, env->node_model ? "queue=global keeps one head" :
			 "a pooled machine has one head");
		return -CS_EINVAL;
	}
	/* one partition: the per-partition pass is the one-queue pass, with
	 * more reservations if asked for */
	if (!per_partition && !(given && (b->per_part > 1 || b->per_user || b->total)))
		return 0;
	size_t n = env->njobs ? env->njobs : 1;
	int32_t mu = -1;
	for (size_t i = 0; i < env->njobs; i++)
		if (env->jobs[i].user > mu)
			mu = env->jobs[i].user;
	b->nusers = (uint32_t)(mu + 1);
	b->jobs = env->jobs;
	b->held = calloc(n, sizeof *b->held);
	b->user_stamp = calloc(b->nusers + 1, sizeof *b->user_stamp);
	b->user_n = calloc(b->nusers + 1, sizeof *b->user_n);
	if (!b->held || !b->user_stamp || !b->user_n) {
		cs_resv_budget_free(b);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	return 1;
}

void cs_resv_budget_free(cs_resv_budget *b)
{
	free(b->held);
	free(b->user_stamp);
	free(b->user_n);
	memset(b, 0, sizeof *b);
}

void cs_resv_budget_pass(cs_resv_budget *b)
{
	b->pass++;
	b->nheld = 0;
}

int cs_resv_budget_hold(cs_resv_budget *b, cs_partq *q, cs_sched_ctx *ctx, uint32_t jid)
{
	uint32_t k = cs_partq_key(q, jid);
	uint64_t room = 0; /* a job of several partitions: those with room in their budget */
	if (cs_partset_of(q->sets, q->jobs[jid].partition) >= 0) {
		for (uint32_t x = 0; x < cs_partq_nkeys_of(q, jid); x++)
			if (q->reserved[cs_partq_key_at(q, jid, x)] < b->per_part)
				room |= 1ull << x;
		if (!room)
			return 0;
	} else if (q->reserved[k] >= b->per_part) {
		return 0;
	}
	if (b->total && b->nheld >= b->total)
		return 0;
	int32_t u = b->jobs[jid].user;
	uint32_t *un = NULL;
	if (b->per_user && u >= 0) {
		if (b->user_stamp[u] != b->pass) {
			b->user_stamp[u] = b->pass;
			b->user_n[u] = 0;
		}
		un = &b->user_n[u];
		if (*un >= b->per_user)
			return 0;
	}
	int rc;
	if (room) {
		rc = cs_ctx_hold_in(ctx, jid, room, NULL);
		if (rc >= 0)
			k = cs_partq_key_at(q, jid, (uint32_t)rc);
	} else {
		rc = b->nheld == 0 ? cs_ctx_hold(ctx, jid, NULL) : cs_ctx_hold_add(ctx, jid, NULL);
	}
	if (rc < 0)
		return 0;
	q->reserved[k]++;
	b->nheld++;
	b->held[jid] = b->pass;
	if (un)
		(*un)++;
	return 1;
}
