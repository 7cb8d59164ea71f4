/* capsim: a policy's waiting jobs by partition (sched/partq.h). */
#include "partq.h"

#include "capsim/sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cs_partq_init(cs_partq *q, const cs_job *jobs, size_t n)
{
	memset(q, 0, sizeof *q);
	q->jobs = jobs;
	uint32_t nk = 1;
	for (size_t i = 0; i < n; i++) {
		uint32_t k = cs_partq_key(q, (uint32_t)i);
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
		seen[cs_partq_key(q, (uint32_t)i)] = 1;
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
	uint32_t k = cs_partq_key(q, jid);
	if (jid < q->head[k]) /* a requeued job comes back below the key's mark */
		q->head[k] = jid;
}

void cs_partq_pass(cs_partq *q)
{
	memset(q->blocked, 0, q->nkeys);
	memset(q->reserved, 0, q->nkeys * sizeof *q->reserved);
}

long cs_partq_head(cs_partq *q, const cs_fifo *f, uint32_t k)
{
	size_t i = q->head[k] > f->head ? q->head[k] : f->head;
	for (; i < f->end; i++)
		if (f->in[i] && cs_partq_key(q, (uint32_t)i) == k)
			break;
	q->head[k] = i;
	return i < f->end ? (long)i : -1;
}

long cs_partq_next_unblocked(cs_partq *q, const cs_fifo *f)
{
	long best = -1;
	for (uint32_t k = 0; k < q->nkeys; k++) {
		if (q->blocked[k])
			continue;
		long h = cs_partq_head(q, f, k);
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
