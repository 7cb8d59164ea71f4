/* capsim: node-model placement for the engine (see engine_int.h): a job on
 * the allocator now, on its partition's node types, keeping off the nodes
 * of advance reservations it may not use and what the pass's hold needs;
 * the hold itself; and a memo of the request shapes that did not fit in
 * this pass. */
#include "engine_int.h"

#include <string.h>

static struct memo_ent *memo_find(cs_sched_ctx *c, const cs_job *j, int insert)
{
	uint32_t topo = j->topo | (uint32_t)j->max_leaves << 8;
	uint32_t h = (uint32_t)j->partition * 0x9e3779b1u ^ j->nodes * 0x85ebca6bu ^ j->gpus_per_node * 0xc2b2ae35u ^
		     j->cores_per_node * 0x27d4eb2fu ^ j->mem_per_node_mib * 0x165667b1u ^ topo * 0x61c88647u;
	h ^= h >> 15;
	for (uint32_t k = 0; k < MEMO_SIZE; k++) {
		struct memo_ent *e = &c->memo[(h + k) & (MEMO_SIZE - 1)];
		if (e->gen != c->memo_gen) {
			if (!insert || c->memo_used >= MEMO_SIZE / 2)
				return NULL;
			c->memo_used++;
			*e = (struct memo_ent){ c->memo_gen, 0, j->partition, j->nodes, j->gpus_per_node,
						j->cores_per_node, j->mem_per_node_mib, topo };
			return e;
		}
		if (e->part == j->partition && e->nodes == j->nodes && e->gpus == j->gpus_per_node &&
		    e->cores == j->cores_per_node && e->mem == j->mem_per_node_mib && e->topo == topo)
			return e;
	}
	return NULL;
}

void cs_place_memo_reset(cs_sched_ctx *c)
{
	c->memo_gen++;
	c->memo_used = 0;
}

static int memo_failed(cs_sched_ctx *c, const cs_job *j, unsigned mask)
{
	struct memo_ent *e = memo_find(c, j, 0);
	return e && (e->failed & mask);
}

static void memo_fail(cs_sched_ctx *c, const cs_job *j, unsigned bit)
{
	if (c->resv_hit)
		return; /* the failure depended on the job's estimate, not only its shape */
	struct memo_ent *e = memo_find(c, j, 1);
	if (e)
		e->failed |= (uint8_t)bit;
}

/* Place job jid on the allocator now: on its partition's node types (in
 * order, or as the fragmentation-aware fit ranks them). */
int cs_place_types(cs_sched_ctx *c, uint32_t jid, cs_placement *p)
{
	const cs_job *j = &c->jobs[jid];
	cs_request rq = cs_job_request(j);
	if (j->partition < 0 || (uint32_t)j->partition >= c->npart)
		return cs_alloc_try(c->A, &rq, p);
	uint32_t k0 = c->pfirst[j->partition];
	return cs_alloc_try_types(c->A, &rq, c->ptypes + k0, c->pfirst[j->partition + 1] - k0, p);
}

/* cs_place_types, keeping off the nodes of advance reservations the job may
 * not use if it ran from `at` for its estimate (c->resv_hit says whether
 * any was kept off). */
static void take_parts(cs_sched_ctx *c, const cs_slot *slots, uint32_t n, cs_placement *aside)
{
	for (uint32_t i = 0; i < n; i++) {
		cs_slot part;
		cs_alloc_free_part(c->A, &slots[i], &part);
		if (!part.gpu_mask && !part.cores && !part.mem_mib)
			continue;
		cs_placement one = { &part, 1, 1 };
		cs_alloc_take(c->A, &one); /* cannot fail: free now */
		aside->slots[aside->n++] = part;
	}
}

static uint64_t types_mask(const cs_sched_ctx *c, uint32_t p)
{
	uint64_t mask = 0;
	for (uint32_t k = c->pfirst[p]; k < c->pfirst[p + 1]; k++) {
		int32_t t = c->ptypes[k];
		if (t < 0 || t >= 64)
			return ~0ull;
		mask |= 1ull << t;
	}
	return mask;
}

/* Append partition p's node types not yet among types[from .. *n). */
static void add_types(const cs_sched_ctx *c, int32_t p, int32_t *types, uint32_t from, uint32_t *n)
{
	const cs_node_machine *m = c->nm;
	for (uint32_t k = m->part_first[p]; k < m->part_first[p + 1]; k++) {
		uint32_t i = from;
		while (i < *n && types[i] != m->part_types[k])
			i++;
		if (i == *n)
			types[(*n)++] = m->part_types[k];
	}
}

int cs_place_masks(cs_sched_ctx *c)
{
	const cs_node_machine *m = c->nm;
	const cs_partsets *ps = m->sets && m->sets->n ? m->sets : NULL;
	c->npart = m->npartitions;
	c->pfirst = m->part_first;
	c->ptypes = m->part_types;
	if (ps) {
		/* each set's node types, then room for the scratch partition's */
		uint32_t base = m->npartitions, nt = m->part_first[base], most = 0;
		for (uint32_t s = 0; s < ps->n; s++) {
			uint32_t k = 0;
			for (uint32_t i = ps->first[s]; i < ps->first[s + 1]; i++)
				k += m->part_first[ps->parts[i] + 1] - m->part_first[ps->parts[i]];
			nt += k;
			most = k > most ? k : most;
		}
		c->pfirst_own = malloc((base + ps->n + 2) * sizeof *c->pfirst_own);
		c->ptypes_own = malloc((nt + most + 1) * sizeof *c->ptypes_own);
		if (!c->pfirst_own || !c->ptypes_own)
			return -CS_ENOMEM;
		memcpy(c->pfirst_own, m->part_first, (base + 1) * sizeof *c->pfirst_own);
		memcpy(c->ptypes_own, m->part_types, m->part_first[base] * sizeof *c->ptypes_own);
		uint32_t n = m->part_first[base];
		for (uint32_t s = 0; s < ps->n; s++) {
			uint32_t from = n;
			for (uint32_t i = ps->first[s]; i < ps->first[s + 1]; i++)
				add_types(c, ps->parts[i], c->ptypes_own, from, &n);
			c->pfirst_own[base + s + 1] = n;
		}
		c->pfirst_own[base + ps->n + 1] = n; /* the scratch partition: empty until used */
		c->npart = base + ps->n + 1;
		c->pfirst = c->pfirst_own;
		c->ptypes = c->ptypes_own;
		c->sets = ps;
	}
	c->part_mask = malloc((c->npart + 1) * sizeof *c->part_mask);
	if (!c->part_mask)
		return -CS_ENOMEM;
	for (uint32_t p = 0; p < c->npart; p++)
		c->part_mask[p] = types_mask(c, p);
	return 0;
}

int cs_place_member(const cs_sched_ctx *c, int32_t s, uint64_t which, uint32_t node)
{
	const cs_partsets *ps = c->sets;
	int32_t t = (int32_t)cs_alloc_node_type(c->A, node);
	for (uint32_t i = 0; i < ps->first[s + 1] - ps->first[s]; i++) {
		int32_t p = ps->parts[ps->first[s] + i];
		if (!(which >> i & 1))
			continue;
		for (uint32_t k = c->pfirst[p]; k < c->pfirst[p + 1]; k++)
			if (c->ptypes[k] < 0 || c->ptypes[k] == t)
				return (int)i;
	}
	return -1;
}

int32_t cs_place_scratch(cs_sched_ctx *c, int32_t s, uint64_t which)
{
	const cs_partsets *ps = c->sets;
	uint32_t S = c->npart - 1, from = c->pfirst_own[S], n = from;
	for (uint32_t i = 0; i < ps->first[s + 1] - ps->first[s]; i++)
		if (which >> i & 1)
			add_types(c, ps->parts[ps->first[s] + i], c->ptypes_own, from, &n);
	c->pfirst_own[S + 1] = n;
	c->part_mask[S] = types_mask(c, S);
	return (int32_t)S;
}

void cs_place_aside_holds(cs_sched_ctx *c, uint32_t jid, cs_time a, cs_time b, cs_placement *aside)
{
	uint64_t mask = cs_place_mask(c, jid);
	if (c->hold_on && !c->hold_lazy && jid != c->hold_jid && (mask & c->hold_mask)) {
		cs_time ha = c->hold_time, hb = ha + c->jobs[c->hold_jid].estimate_s;
		if (a < hb && b > ha)
			take_parts(c, c->hold_slots, c->hold_n, aside);
	}
	size_t upto = c->xh_building ? c->xh_upto : c->nxh;
	for (size_t i = 0; i < upto; i++) {
		const struct xhold *h = &c->xh[i];
		if (h->jid != UINT32_MAX && !h->lazy && h->jid != jid && (mask & h->mask) && a < h->end && b > h->time)
			take_parts(c, c->xh_slots + h->first, h->n, aside);
	}
}

/* Would cs_place_aside_holds set aside a hold for job jid (node types in
 * mask) running over [a, b), if that hold's parts were free? */
static int meets_hold_in_time(const cs_sched_ctx *c, uint32_t jid, uint64_t mask, cs_time a, cs_time b)
{
	if (c->hold_on && !c->hold_lazy && jid != c->hold_jid && (mask & c->hold_mask)) {
		cs_time ha = c->hold_time, hb = ha + c->jobs[c->hold_jid].estimate_s;
		if (a < hb && b > ha)
			return 1;
	}
	size_t upto = c->xh_building ? c->xh_upto : c->nxh;
	for (size_t i = 0; i < upto; i++) {
		const struct xhold *h = &c->xh[i];
		if (h->jid != UINT32_MAX && !h->lazy && h->jid != jid && (mask & h->mask) && a < h->end && b > h->time)
			return 1;
	}
	return 0;
}

int cs_place_xhold(cs_sched_ctx *c, size_t k)
{
	struct xhold *h = &c->xh[k];
	cs_time t;
	uint32_t n = 0;
	c->xh_building = 1;
	c->xh_upto = k;
	int rc = cs_place_hold(c, h->jid, c->xh_slots + h->first, &n, &t);
	c->xh_building = 0;
	if (rc < 0)
		return rc;
	h->n = n;
	h->time = t;
	h->end = t + c->jobs[h->jid].estimate_s;
	h->lazy = 0;
	return 0;
}

static int try_at(cs_sched_ctx *c, uint32_t jid, cs_placement *p, cs_time at);

int cs_place_try_at(cs_sched_ctx *c, uint32_t jid, cs_placement *p, cs_time at)
{
	if (!c->xh_building)
		return try_at(c, jid, p, at);
	/* an extra hold being placed keeps off the earlier holds it would meet */
	cs_placement aside = { c->xh_aside, c->xh_aside_cap, 0 };
	cs_place_aside_holds(c, jid, at, at + c->jobs[jid].estimate_s, &aside);
	int rc = try_at(c, jid, p, at);
	cs_alloc_release(c->A, &aside);
	return rc;
}

static int try_at(cs_sched_ctx *c, uint32_t jid, cs_placement *p, cs_time at)
{
	const cs_job *j = &c->jobs[jid];
	const cs_node_machine *m = c->nm;
	c->resv_hit = 0;
	if (!m->nresv)
		return cs_place_types(c, jid, p);
	cs_placement aside = { c->resv_slots, c->resv_cap, 0 };
	for (size_t r = 0; r < m->nresv; r++) {
		const cs_resv *v = &m->resv[r];
		if (v->project >= 0 && v->project == j->group)
			continue;
		if (at >= v->end || at + j->estimate_s <= v->start)
			continue;
		for (uint32_t i = 0; i < v->nnodes; i++) {
			cs_slot s;
			cs_alloc_node_free(c->A, v->nodes[i], &s);
			if (!s.gpu_mask && !s.cores && !s.mem_mib)
				continue;
			cs_placement one = { &s, 1, 1 };
			cs_alloc_take(c->A, &one); /* what is free on it */
			aside.slots[aside.n++] = s;
		}
	}
	c->resv_hit = aside.n > 0;
	int rc = cs_place_types(c, jid, p);
	cs_alloc_release(c->A, &aside);
	if (rc == -CS_ENOFIT && c->resv_hit && at == c->now) {
		/* would it fit but for the reservations? (for the pending reason) */
		cs_placement q = { c->tmp_slots2, j->nodes, 0 };
		if (cs_place_types(c, jid, &q) == 0) {
			cs_alloc_release(c->A, &q);
			c->resv_block[jid] = c->st->passes;
		}
	}
	return rc;
}

static int node_try(cs_sched_ctx *c, uint32_t jid, cs_placement *p)
{
	return cs_place_try_at(c, jid, p, c->now);
}

/* 0 if jid fits now (nothing taken), else its -CS_ENOFIT (remembered) or error. */
static int fits_now(cs_sched_ctx *c, uint32_t jid, cs_placement *p)
{
	int rc = node_try(c, jid, p);
	if (rc < 0) {
		if (rc == -CS_ENOFIT)
			memo_fail(c, &c->jobs[jid], 1);
		return rc;
	}
	cs_alloc_release(c->A, p);
	p->n = 0;
	return 0;
}

void cs_place_first_hold(cs_sched_ctx *c)
{
	cs_time t;
	if (cs_place_hold(c, c->hold_jid, c->hold_slots, &c->hold_n, &t) < 0) {
		c->hold_on = 0; /* cannot happen: every job fits the empty machine */
	} else {
		c->hold_time = t;
		c->hold_lazy = 0;
	}
}

/* Node model: place jid now, keeping off what the hold needs if the job
 * would still run at the hold's time. */
int cs_place_start(cs_sched_ctx *c, uint32_t jid)
{
	const cs_job *j = &c->jobs[jid];
	cs_placement p = { c->slots + c->off[jid], j->nodes, 0 };
	if (memo_failed(c, j, 1))
		return -CS_ENOFIT;
	if (!c->nxh && c->hold_on && c->hold_lazy && jid != c->hold_jid) {
		/* the hold matters only to a job that fits now: find out first */
		int rc = fits_now(c, jid, &p);
		if (rc < 0)
			return rc;
		cs_place_first_hold(c);
	}
	if (c->nxh) {
		/* several holds: keep off each one the job would meet on its node
		 * types; the lazy ones it may meet are placed first, once it is
		 * known to fit now */
		uint64_t mask = cs_place_mask(c, jid);
		int first = c->hold_on && jid != c->hold_jid && (mask & c->hold_mask);
		int lazy = first && c->hold_lazy;
		size_t nint = (size_t)first;
		for (size_t i = 0; i < c->nxh; i++)
			if (c->xh[i].jid != UINT32_MAX && c->xh[i].jid != jid && (mask & c->xh[i].mask)) {
				nint++;
				lazy |= c->xh[i].lazy;
			}
		if (lazy) {
			int rc = fits_now(c, jid, &p);
			if (rc < 0)
				return rc;
			if (first && c->hold_lazy)
				cs_place_first_hold(c);
			for (size_t i = 0; i < c->nxh; i++)
				if (c->xh[i].lazy && c->xh[i].jid != UINT32_MAX && c->xh[i].jid != jid &&
				    (mask & c->xh[i].mask) && cs_place_xhold(c, i) < 0)
					c->xh[i].jid = UINT32_MAX; /* cannot happen, as above */
		}
		/* One hold on its types that it would meet in time, and the
		 * shape failed beside it already: it fails again (resources only
		 * shrink in a pass, so what is free off the hold only shrinks),
		 * without setting the hold's parts aside to find out. Kept to
		 * machines without advance reservations, where a try has no
		 * side note (the pending reason's resv_block). */
		if (nint == 1 && !c->nm->nresv && memo_failed(c, j, 2) &&
		    meets_hold_in_time(c, jid, mask, c->now, c->now + j->estimate_s))
			return -CS_ENOFIT;
		cs_placement aside = { c->xh_aside, c->xh_aside_cap, 0 };
		cs_place_aside_holds(c, jid, c->now, c->now + j->estimate_s, &aside);
		if (!aside.n) {
			int rc = node_try(c, jid, &p);
			if (rc == -CS_ENOFIT)
				memo_fail(c, j, 1);
			return rc;
		}
		/* with one hold on its types, the hold's memo stands as for one hold */
		if (nint <= 1 && memo_failed(c, j, 2)) {
			cs_alloc_release(c->A, &aside);
			return -CS_ENOFIT;
		}
		int rc = node_try(c, jid, &p);
		cs_alloc_release(c->A, &aside);
		if (rc == -CS_ENOFIT && nint <= 1)
			memo_fail(c, j, 2);
		return rc;
	}
	if (!c->hold_on || jid == c->hold_jid || c->now + j->estimate_s <= c->hold_time) {
		int rc = node_try(c, jid, &p);
		if (rc == -CS_ENOFIT)
			memo_fail(c, j, 1);
		return rc;
	}
	if (memo_failed(c, j, 2))
		return -CS_ENOFIT;
	cs_placement aside = { c->tmp_slots, c->hold_n, 0 };
	for (uint32_t i = 0; i < c->hold_n; i++) {
		cs_slot part;
		cs_alloc_free_part(c->A, &c->hold_slots[i], &part);
		if (part.gpu_mask || part.cores || part.mem_mib)
			aside.slots[aside.n++] = part;
	}
	cs_alloc_take(c->A, &aside); /* cannot fail: each part is free now */
	int rc = node_try(c, jid, &p);
	cs_alloc_release(c->A, &aside);
	if (rc == -CS_ENOFIT)
		memo_fail(c, j, 2);
	return rc;
}

/* cs_place_start's refusals without a try, for every job of jid's shape
 * that holds nothing: the memo's failure now (bit 1), or beside the one
 * hold on its node types for a job that would meet that hold in time (bit
 * 2). Holds not yet placed (lazy) are placed by a job that fits now, so
 * then only bit 1 is known. */
int cs_place_nofit_bound(cs_sched_ctx *c, uint32_t jid, cs_time *est_max)
{
	const cs_job *j = &c->jobs[jid];
	if (memo_failed(c, j, 1)) {
		*est_max = -1;
		return 1;
	}
	if (!memo_failed(c, j, 2) || (c->hold_on && jid == c->hold_jid))
		return 0; /* (a job that holds sees the holds but its own) */
	if (!c->nxh) {
		if (!c->hold_on || c->hold_lazy)
			return 0;
		*est_max = c->hold_time - c->now; /* past it: refused (cs_place_start's last case) */
		return 1;
	}
	uint64_t mask = cs_place_mask(c, jid);
	int first = c->hold_on && jid != c->hold_jid && (mask & c->hold_mask);
	if (first && c->hold_lazy)
		return 0;
	size_t nint = (size_t)first, at = SIZE_MAX;
	for (size_t i = 0; i < c->nxh; i++)
		if (c->xh[i].jid == jid)
			return 0;
		else if (c->xh[i].jid != UINT32_MAX && (mask & c->xh[i].mask)) {
			if (c->xh[i].lazy)
				return 0;
			nint++;
			at = i;
		}
	if (nint != 1 || c->nm->nresv)
		return 0;
	cs_time ht = first ? c->hold_time : c->xh[at].time;
	cs_time he = first ? ht + c->jobs[c->hold_jid].estimate_s : c->xh[at].end;
	if (!(c->now < he))
		return 0;
	*est_max = ht - c->now; /* meets the hold in time: refused before the aside */
	return 1;
}

/* The hold's search: free-now snapshot slots [0, g) are handed back, the
 * rest set aside. Moves from g_old to g_new. */
static void hand_back(cs_sched_ctx *c, uint32_t g_old, uint32_t g_new)
{
	if (g_new > g_old) {
		cs_placement p = { c->snap + g_old, g_new - g_old, g_new - g_old };
		cs_alloc_release(c->A, &p);
	} else if (g_new < g_old) {
		cs_placement p = { c->snap + g_new, g_old - g_new, g_old - g_new };
		cs_alloc_take(c->A, &p); /* cannot fail: free now, and releases only add */
	}
}

/* cs_place_try_at for a hold of jid at t, under the power cap no earlier
 * than the site leaves room for the most jid could draw: *room is the
 * earliest such time found so far (worked out again once t passes it). */
static int hold_try_at(cs_sched_ctx *c, uint32_t jid, cs_placement *hp, cs_time t, cs_time *room)
{
	if (c->pc) {
		if (t > *room)
			*room = cs_pcap_earliest(c, jid, t, c->jobs[jid].estimate_s, c->pw_need[jid], 0);
		if (t < *room)
			return -CS_ENOFIT;
	}
	return cs_place_try_at(c, jid, hp, t);
}

/* Node model: give back running jobs in order of estimated end, a time at
 * a time, until jid fits (under the power cap, until the cap leaves it
 * room too: the times tried include every earlier hold's end): that time
 * is the hold's. Its placement prefers
 * what running jobs give back over what is free now (what is free now is
 * what backfilling can use): with everything free now set aside, node by
 * node in node order, the fewest of those nodes are handed back (a binary
 * search) for jid to fit. Then the running jobs' slots are taken back
 * exactly. */
int cs_place_hold(cs_sched_ctx *c, uint32_t jid, cs_slot *out, uint32_t *nout, cs_time *when)
{
	cs_placement hp = { out, c->jobs[jid].nodes, 0 };
	cs_time t = c->now;
	size_t k = 0;
	/* what is free now, node by node */
	uint32_t ns = 0;
	for (uint32_t n = 0; n < c->nnodes; n++) {
		cs_alloc_node_free(c->A, n, &c->snap[ns]);
		if (c->snap[ns].gpu_mask || c->snap[ns].cores || c->snap[ns].mem_mib)
			ns++;
	}
	/* an extra hold: the earlier holds' ends may free nodes too */
	size_t nhe = 0, nh = 0;
	if (c->xh_building) {
		uint64_t mask = cs_place_mask(c, jid);
		if (c->hold_on && !c->hold_lazy && ((mask & c->hold_mask) || c->pc))
			c->xh_ends[nhe++] = c->hold_time + c->jobs[c->hold_jid].estimate_s;
		for (size_t i = 0; i < c->xh_upto; i++)
			if (c->xh[i].jid != UINT32_MAX && !c->xh[i].lazy && ((mask & c->xh[i].mask) || c->pc))
				c->xh_ends[nhe++] = c->xh[i].end;
		for (size_t i = 1; i < nhe; i++) /* a few: insertion sort */
			for (size_t q = i; q > 0 && c->xh_ends[q - 1] > c->xh_ends[q]; q--) {
				cs_time x = c->xh_ends[q];
				c->xh_ends[q] = c->xh_ends[q - 1];
				c->xh_ends[q - 1] = x;
			}
	}
	cs_time room = -1;
	int rc = hold_try_at(c, jid, &hp, t, &room);
	size_t nr = 0; /* advance reservations' ends passed (they may free nodes) */
	/* what failures took comes back at each repair's end */
	struct cs_fail_piece *pc = NULL;
	size_t np = c->fs ? cs_fail_pieces(c, &pc) : 0, nd = 0;
	while (rc == -CS_ENOFIT && (k < c->nrun || nr < c->nresv_ends || nh < nhe || nd < np)) {
		cs_time tr = k < c->nrun ? (c->run[k].est_end > c->now ? c->run[k].est_end : c->now) : CS_TIME_MAX;
		while (nr < c->nresv_ends && c->resv_ends[nr] <= t)
			nr++;
		while (nh < nhe && c->xh_ends[nh] <= t)
			nh++;
		cs_time te = nr < c->nresv_ends ? c->resv_ends[nr] : CS_TIME_MAX;
		cs_time th = nh < nhe ? c->xh_ends[nh] : CS_TIME_MAX;
		cs_time td = nd < np ? pc[nd].t : CS_TIME_MAX;
		t = tr < te ? tr : te;
		t = th < t ? th : t;
		t = td < t ? td : t;
		if (t == CS_TIME_MAX)
			break;
		for (; k < c->nrun && (c->run[k].est_end > c->now ? c->run[k].est_end : c->now) == t; k++) {
			cs_placement p = placement_of(c, c->run[k].jid);
			cs_alloc_release(c->A, &p);
		}
		for (; nd < np && pc[nd].t <= t; nd++) {
			cs_placement p = { &pc[nd].s, 1, 1 };
			cs_alloc_release(c->A, &p);
		}
		while (nr < c->nresv_ends && c->resv_ends[nr] <= t)
			nr++;
		rc = hold_try_at(c, jid, &hp, t, &room);
	}
	if (rc == -CS_ENOFIT && c->pc && room > t && room < CS_TIME_MAX) {
		/* every job and hold ended by t: the first room the cap leaves (plans aside, it
		 * left room at t already) */
		t = room;
		rc = cs_place_try_at(c, jid, &hp, t);
	}
	if (rc == 0)
		cs_alloc_release(c->A, &hp);
	if (rc == 0 && (k > 0 || nd > 0) && ns > 0) {
		/* the fewest free-now nodes handed back: lo fails, hi fits */
		cs_placement tp = { c->tmp_slots, c->jobs[jid].nodes, 0 };
		uint32_t lo = 0, hi = ns, g = ns;
		hand_back(c, g, 0);
		g = 0;
		if (cs_place_try_at(c, jid, &tp, t) == 0) {
			cs_alloc_release(c->A, &tp);
			hi = 0;
		}
		while (hi > 0 && hi - lo > 1) {
			uint32_t mid = lo + (hi - lo) / 2;
			hand_back(c, g, mid);
			g = mid;
			tp.n = 0;
			if (cs_place_try_at(c, jid, &tp, t) == 0) {
				cs_alloc_release(c->A, &tp);
				hi = mid;
			} else {
				lo = mid;
			}
		}
		hand_back(c, g, hi);
		g = hi;
		hp.n = 0;
		if (cs_place_try_at(c, jid, &hp, t) == 0)
			cs_alloc_release(c->A, &hp);
		else
			rc = -CS_EINVAL; /* cannot happen: hi fits */
		hand_back(c, g, ns);
	}
	for (size_t i = 0; i < k; i++) {
		cs_placement p = placement_of(c, c->run[i].jid);
		cs_alloc_take(c->A, &p); /* cannot fail: exactly what was given back */
	}
	for (size_t i = 0; i < nd; i++) {
		cs_placement p = { &pc[i].s, 1, 1 };
		cs_alloc_take(c->A, &p); /* the same */
	}
	if (rc < 0)
		return -CS_EINVAL;
	*nout = hp.n;
	*when = t;
	return 0;
}
