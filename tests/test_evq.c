/* Event queue: order by time, then class, then insertion; no loss. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "capsim/evq.h"

Test(evq, pops_in_time_then_class_then_insertion_order)
{
	cs_evq q;
	cr_assert_eq(cs_evq_init(&q, 2), 0);
	/* pushed out of order; class 0 before class 1 at equal times */
	cs_evq_push(&q, 10, 1, 0, 1); /* seq 0 */
	cs_evq_push(&q, 5, 1, 0, 2);
	cs_evq_push(&q, 10, 0, 0, 3);
	cs_evq_push(&q, 10, 1, 0, 4); /* same time and class as 1: after it */
	cs_evq_push(&q, 10, 0, 0, 5);
	cs_evq_push(&q, 0, 7, 0, 6);
	int want[] = { 6, 2, 3, 5, 1, 4 };
	cs_event e;
	for (int i = 0; i < 6; i++) {
		cr_assert_eq(cs_evq_pop(&q, &e), 0);
		cr_assert_eq(e.data, (uint32_t)want[i], "pop %d gave %u, want %d", i, e.data, want[i]);
	}
	cr_assert_eq(cs_evq_pop(&q, &e), -1, "empty queue pops nothing");
	cs_evq_free(&q);
}

Test(evq, rejects_a_class_out_of_range)
{
	cs_evq q;
	cs_evq_init(&q, 1);
	cr_assert_eq(cs_evq_push(&q, 1, CS_EVQ_MAX_CLASS + 1, 0, 0), -CS_EINVAL);
	cr_assert_eq(cs_evq_len(&q), 0);
	cs_evq_free(&q);
}

typedef struct { cs_time t; unsigned cls; uint32_t seq; } ref_ev;
static int ref_cmp(const void *a, const void *b)
{
	const ref_ev *x = a, *y = b;
	if (x->t != y->t) return x->t < y->t ? -1 : 1;
	if (x->cls != y->cls) return x->cls < y->cls ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

Test(evq, matches_a_sorted_reference_on_random_interleavings)
{
	/* fixed seed: random pushes and pops; each pop must be the least
	 * (time, class, seq) among the events pushed and not yet popped */
	unsigned long long s = 0x9e3779b97f4a7c15ULL;
	cs_evq q;
	cs_evq_init(&q, 1);
	enum { N = 20000 };
	ref_ev *pend = malloc(N * sizeof *pend);
	size_t np = 0;
	uint32_t seq = 0;
	for (int step = 0; step < N; step++) {
		s ^= s << 13; s ^= s >> 7; s ^= s << 17;
		if (np == 0 || (s % 3) != 0) {
			cs_time t = (cs_time)((s >> 8) % 50);
			unsigned cls = (unsigned)((s >> 20) % 3);
			cr_assert_eq(cs_evq_push(&q, t, cls, 0, seq), 0);
			pend[np++] = (ref_ev){ t, cls, seq++ };
		} else {
			qsort(pend, np, sizeof *pend, ref_cmp);
			cs_event e;
			cr_assert_eq(cs_evq_pop(&q, &e), 0);
			cr_assert_eq(e.data, pend[0].seq, "step %d: popped %u, want %u", step, e.data, pend[0].seq);
			cr_assert_eq(e.time, pend[0].t);
			pend[0] = pend[--np];
		}
		cr_assert_eq(cs_evq_len(&q), np);
	}
	free(pend);
	cs_evq_free(&q);
}
