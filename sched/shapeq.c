/* capsim: waiting jobs grouped by request shape (sched/shapeq.h). */
#include "shapeq.h"

#include <stdlib.h>
#include <string.h>

static int same_shape(const cs_job *x, const cs_job *y)
{
	return x->partition == y->partition && x->nodes == y->nodes && x->gpus_per_node == y->gpus_per_node &&
	       x->cores_per_node == y->cores_per_node && x->mem_per_node_mib == y->mem_per_node_mib &&
	       x->topo == y->topo && x->max_leaves == y->max_leaves;
}

static const cs_job *sort_jobs; /* qsort's context, during init only */

/* The memo's key (sim/shape.c's struct shape_key), then the index. */
static int by_shape(const void *a, const void *b)
{
	uint32_t i = *(const uint32_t *)a, k = *(const uint32_t *)b;
	const cs_job *x = &sort_jobs[i], *y = &sort_jobs[k];
#define CMP(f)                               \
	if (x->f != y->f)                     \
		return x->f < y->f ? -1 : 1
	CMP(partition);
	CMP(nodes);
	CMP(gpus_per_node);
	CMP(cores_per_node);
	CMP(mem_per_node_mib);
	CMP(topo);
	CMP(max_leaves);
#undef CMP
	return i < k ? -1 : i > k;
}

static uint32_t shape_hash(const cs_job *j)
{
	uint32_t h = (uint32_t)j->partition * 0x9e3779b1u ^ j->nodes * 0x85ebca6bu ^ j->gpus_per_node * 0xc2b2ae35u ^
		     j->cores_per_node * 0x27d4eb2fu ^ j->mem_per_node_mib * 0x165667b1u ^
		     ((uint32_t)j->topo | (uint32_t)j->max_leaves << 8) * 0x61c88647u;
	return h ^ h >> 15;
}

/* Number jobs[0..n)'s distinct shapes in order of first appearance:
 * id[j] for each job, rep[k] a job of shape k; returns how many, or -1
 * (no memory). An open-addressed table of shape numbers, doubled at half
 * full: the shapes are few (tens in the generated years). */
static long number_shapes(const cs_job *jobs, size_t n, uint32_t *id, uint32_t *rep)
{
	size_t cap = 64, used = 0;
	uint32_t *tab = malloc(cap * sizeof *tab); /* shape + 1; 0 empty */
	if (!tab)
		return -1;
	memset(tab, 0, cap * sizeof *tab);
	for (size_t i = 0; i < n; i++) {
		size_t k = shape_hash(&jobs[i]) & (cap - 1);
		while (tab[k] && !same_shape(&jobs[rep[tab[k] - 1]], &jobs[i]))
			k = (k + 1) & (cap - 1);
		if (tab[k]) {
			id[i] = tab[k] - 1;
			continue;
		}
		rep[used] = (uint32_t)i;
		id[i] = (uint32_t)used++;
		tab[k] = (uint32_t)used;
		if (2 * used < cap)
			continue;
		/* rehash into twice the room */
		free(tab);
		cap *= 2;
		if (!(tab = calloc(cap, sizeof *tab)))
			return -1;
		for (size_t u = 0; u < used; u++) {
			size_t q = shape_hash(&jobs[rep[u]]) & (cap - 1);
			while (tab[q])
				q = (q + 1) & (cap - 1);
			tab[q] = (uint32_t)u + 1;
		}
	}
	free(tab);
	return (long)used;
}

/* The shapes numbered in key order: shape[i] each job's, and how many
 * (-1: no memory). The shapes numbered as they come, their few
 * representatives sorted by key. */
static long rank_shapes(const cs_job *jobs, size_t n, uint32_t *shape)
{
	uint32_t *rep = malloc((n ? n : 1) * sizeof *rep);
	long ns = rep ? number_shapes(jobs, n, shape, rep) : -1;
	uint32_t *rank = ns >= 0 ? malloc(((size_t)ns + 1) * sizeof *rank) : NULL;
	if (!rank) {
		free(rep);
		return -1;
	}
	sort_jobs = jobs;
	qsort(rep, (size_t)ns, sizeof *rep, by_shape);
	sort_jobs = NULL;
	for (uint32_t r = 0; r < (uint32_t)ns; r++)
		rank[shape[rep[r]]] = r;
	for (size_t i = 0; i < n; i++)
		shape[i] = rank[shape[i]];
	free(rep);
	free(rank);
	return ns;
}

int cs_shapeq_shapes(const cs_job *jobs, size_t n, uint32_t *shape, uint32_t *nshapes)
{
	long ns = rank_shapes(jobs, n, shape);
	if (ns < 0)
		return -CS_ENOMEM;
	*nshapes = (uint32_t)ns;
	return 0;
}

/* Jobs in slots sorted by (shape key, index): the shapes ranked
 * (rank_shapes) and the jobs counted into their shapes' runs in index
 * order. */
static int sort_by_shape(cs_shapeq *q, const cs_job *jobs, size_t n)
{
	long ns = rank_shapes(jobs, n, q->shape);
	uint32_t *next = ns >= 0 ? malloc(((size_t)ns + 1) * sizeof *next) : NULL;
	if (!next)
		return -CS_ENOMEM;
	/* first[r]: run r's start (counts, then their prefix sums) */
	memset(q->first, 0, ((size_t)ns + 1) * sizeof *q->first);
	for (size_t i = 0; i < n; i++)
		q->first[q->shape[i] + 1]++;
	for (uint32_t r = 0; r < (uint32_t)ns; r++)
		q->first[r + 1] += q->first[r];
	for (uint32_t r = 0; r < (uint32_t)ns; r++)
		next[r] = q->first[r]; /* next free slot of each run */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t at = next[q->shape[i]]++;
		q->jid_at[at] = i;
		q->slot[i] = at;
	}
	q->nshapes = (uint32_t)ns;
	free(next);
	return 0;
}

int cs_shapeq_init(cs_shapeq *q, const cs_job *jobs, size_t n)
{
	memset(q, 0, sizeof *q);
	q->jobs = jobs;
	size_t m = n ? n : 1;
	q->shape = malloc(m * sizeof *q->shape);
	q->slot = malloc(m * sizeof *q->slot);
	q->jid_at = malloc(m * sizeof *q->jid_at);
	q->first = malloc((m + 1) * sizeof *q->first);
	if (!q->shape || !q->slot || !q->jid_at || !q->first || cs_qtree_init(&q->t, m) < 0 ||
	    sort_by_shape(q, jobs, n) < 0) {
		cs_shapeq_free(q);
		return -CS_ENOMEM;
	}
	q->nwait = calloc(q->nshapes + 1, sizeof *q->nwait);
	q->head = malloc((q->nshapes + 1) * sizeof *q->head);
	q->heap = malloc((q->nshapes + 1) * sizeof *q->heap); /* one entry a shape at most */
	if (!q->nwait || !q->head || !q->heap) {
		cs_shapeq_free(q);
		return -CS_ENOMEM;
	}
	for (uint32_t k = 0; k < q->nshapes; k++)
		q->head[k] = q->first[k + 1]; /* none waiting */
	return 0;
}

void cs_shapeq_free(cs_shapeq *q)
{
	free(q->first);
	free(q->shape);
	free(q->slot);
	free(q->jid_at);
	free(q->nwait);
	free(q->head);
	free(q->heap);
	cs_qtree_free(&q->t);
	memset(q, 0, sizeof *q);
}

void cs_shapeq_push(cs_shapeq *q, uint32_t jid)
{
	uint32_t s = q->shape[jid], k = q->slot[jid];
	cs_qtree_set(&q->t, k, 1, q->jobs[jid].estimate_s);
	q->nwait[s]++;
	if (q->head[s] != UINT32_MAX && k < q->head[s]) /* (an unknown head stays to be found) */
		q->head[s] = k;
}

void cs_shapeq_remove(cs_shapeq *q, uint32_t jid)
{
	uint32_t s = q->shape[jid], k = q->slot[jid];
	if (!cs_qtree_present(&q->t, k))
		return;
	cs_qtree_clear(&q->t, k);
	q->nwait[s]--;
	if (k == q->head[s])
		q->head[s] = UINT32_MAX;
}

/* The first waiting job in slots [from, first[s+1]) with estimate <= est_max. */
static long find_in(const cs_shapeq *q, uint32_t s, uint32_t from, cs_time est_max)
{
	if (from >= q->first[s + 1])
		return -1;
	/* size 1 where waiting (fit 1 leaves the empty slots out): extra 1 takes
	 * any job, extra 0 only those with est <= est_max */
	long k = cs_qtree_find_in(&q->t, from, q->first[s + 1], 1, est_max == CS_TIME_MAX ? 1 : 0, est_max);
	return k >= 0 ? (long)q->jid_at[k] : -1;
}

long cs_shapeq_first(cs_shapeq *q, uint32_t s, uint32_t from)
{
	if (!q->nwait[s])
		return -1;
	if (q->head[s] == UINT32_MAX) {
		long k = find_in(q, s, q->first[s], CS_TIME_MAX);
		if (k < 0)
			return -1; /* cannot happen: nwait counts one */
		q->head[s] = q->slot[k];
	}
	if (q->jid_at[q->head[s]] >= from)
		return q->jid_at[q->head[s]];
	uint32_t lo = q->head[s], hi = q->first[s + 1];
	while (lo < hi) { /* the first slot whose job's index is >= from */
		uint32_t mid = lo + (hi - lo) / 2;
		if (q->jid_at[mid] < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	return find_in(q, s, lo, CS_TIME_MAX);
}

long cs_shapeq_after(const cs_shapeq *q, uint32_t s, uint32_t jid, cs_time est_max)
{
	return find_in(q, s, q->slot[jid] + 1, est_max);
}

void cs_shapeq_heap_clear(cs_shapeq *q) { q->nheap = 0; }

void cs_shapeq_heap_push(cs_shapeq *q, uint32_t jid, uint32_t s)
{
	uint64_t v = (uint64_t)jid << 32 | s;
	size_t i = q->nheap++;
	while (i > 0 && q->heap[(i - 1) / 2] > v) {
		q->heap[i] = q->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	q->heap[i] = v;
}

int cs_shapeq_heap_pop(cs_shapeq *q, uint32_t *jid, uint32_t *s)
{
	if (!q->nheap)
		return 0;
	uint64_t top = q->heap[0], v = q->heap[--q->nheap];
	size_t i = 0, n = q->nheap;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && q->heap[c + 1] < q->heap[c])
			c++;
		if (q->heap[c] >= v)
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (n)
		q->heap[i] = v;
	*jid = (uint32_t)(top >> 32);
	*s = (uint32_t)top;
	return 1;
}
