/* capsim tests: the running set in blocks (sim/runset.c) against a flat
 * sorted array: the same entries in the same order (est_end, ties in the
 * order they entered) after every insert, removal and erase, walked
 * across block edges and read by index; blocks none empty, each one's
 * last est_end kept. */
#include <criterion/criterion.h>

#include "../sim/runset.h"

#include <stdlib.h>
#include <string.h>

/* The flat reference: what the engine kept before the blocks. */
typedef struct flat {
	run_ent e[4096];
	size_t n;
} flat;

static void flat_insert(flat *f, run_ent v)
{
	size_t i = f->n;
	while (i > 0 && f->e[i - 1].est_end > v.est_end)
		i--;
	memmove(f->e + i + 1, f->e + i, (f->n - i) * sizeof *f->e);
	f->e[i] = v;
	f->n++;
}

static void flat_remove_at(flat *f, size_t i)
{
	memmove(f->e + i, f->e + i + 1, (f->n - i - 1) * sizeof *f->e);
	f->n--;
}

/* v into the set and into the reference alike */
static void insert_both(cs_runset *r, flat *f, run_ent v)
{
	cr_assert_eq(cs_runset_insert(r, v), 0);
	flat_insert(f, v);
}

/* r holds f's entries in f's order, read by a walk and by index; its
 * blocks are none empty, within their room, and last[] is right. */
static void same(const cs_runset *r, const flat *f)
{
	cr_assert_eq(r->n, f->n);
	size_t total = 0;
	for (uint32_t k = 0; k < r->nb; k++) {
		const cs_runset_blk *b = r->b[k];
		cr_assert(b->n > 0, "block %u empty", k);
		cr_assert(b->lo + b->n <= CS_RUNSET_BLK);
		cr_assert_eq(r->last[k], b->e[b->lo + b->n - 1].est_end, "last of block %u", k);
		total += b->n;
	}
	cr_assert_eq(total, f->n);
	cs_runset_it w;
	size_t i = 0;
	for (const run_ent *re = cs_runset_begin(&w, r); re; re = cs_runset_next(&w), i++) {
		cr_assert(i < f->n);
		cr_assert_eq(re->jid, f->e[i].jid, "entry %zu", i);
		cr_assert_eq(re->est_end, f->e[i].est_end);
		cr_assert_eq(re->size, f->e[i].size);
	}
	cr_assert_eq(i, f->n);
	for (i = 0; i < f->n; i++)
		cr_assert_eq(cs_runset_at(r, i)->jid, f->e[i].jid, "at %zu", i);
	cr_assert_eq(r->first_end, f->n ? f->e[0].est_end : CS_TIME_MAX, "first_end");
}

/* Five jobs end at 100, entered 0..4 with 200 and 50 between them: the
 * tied ones come out in the order they entered, between 50 and 200. */
Test(runset, ties_keep_the_order_they_entered)
{
	cs_runset r;
	cr_assert_eq(cs_runset_init(&r), 0);
	uint32_t jid = 0;
	cr_assert_eq(cs_runset_insert(&r, (run_ent){ 200, 100, 1 }), 0);
	for (; jid < 5; jid++)
		cr_assert_eq(cs_runset_insert(&r, (run_ent){ 100, jid, 1 }), 0);
	cr_assert_eq(cs_runset_insert(&r, (run_ent){ 50, 101, 1 }), 0);
	uint32_t want[] = { 101, 0, 1, 2, 3, 4, 100 };
	cs_runset_it w;
	size_t i = 0;
	for (const run_ent *re = cs_runset_begin(&w, &r); re; re = cs_runset_next(&w))
		cr_assert_eq(re->jid, want[i++]);
	cr_assert_eq(i, 7);
	/* the middle tie leaves; the others keep their order */
	cr_assert_eq(cs_runset_remove(&r, 100, 2), 1);
	cr_assert_eq(cs_runset_remove(&r, 100, 2), 0, "gone already");
	cr_assert_eq(cs_runset_remove(&r, 100, 77), 0, "never there");
	uint32_t want2[] = { 101, 0, 1, 3, 4, 100 };
	i = 0;
	for (const run_ent *re = cs_runset_begin(&w, &r); re; re = cs_runset_next(&w))
		cr_assert_eq(re->jid, want2[i++]);
	cr_assert_eq(i, 6);
	cs_runset_free(&r);
}

/* 1,000 ties, then 1,000 more at an earlier time each entered in turn
 * from the end: the blocks split many times, and a walk and look-ups by
 * index cross every block edge in order. */
Test(runset, a_walk_crosses_block_edges_in_order)
{
	static flat f;
	f.n = 0;
	cs_runset r;
	cr_assert_eq(cs_runset_init(&r), 0);
	for (uint32_t j = 0; j < 1000; j++) {
		run_ent v = { 500, j, j % 7 };
		insert_both(&r, &f, v);
	}
	for (uint32_t j = 1000; j < 2000; j++) {
		run_ent v = { 2000 - (cs_time)j, j, 1 };
		insert_both(&r, &f, v);
	}
	cr_assert(r.nb > 2000 / CS_RUNSET_BLK, "%u blocks", r.nb);
	same(&r, &f);
	/* index look-ups out of order start again from the first block */
	for (size_t i = f.n; i-- > 0;)
		cr_assert_eq(cs_runset_at(&r, i)->jid, f.e[i].jid);
	cs_runset_free(&r);
}

/* Erasing during a walk: every entry with an odd job out, the walk goes on
 * to the entry after each, across blocks that empty, join and go. */
Test(runset, erase_goes_on_to_the_next_entry)
{
	static flat f;
	f.n = 0;
	cs_runset r;
	cr_assert_eq(cs_runset_init(&r), 0);
	for (uint32_t j = 0; j < 1500; j++) {
		run_ent v = { (cs_time)(j * 7919 % 613), j, 1 };
		insert_both(&r, &f, v);
	}
	cs_runset_it w;
	size_t fi = 0;
	for (const run_ent *re = cs_runset_begin(&w, &r); re;) {
		cr_assert_eq(re->jid, f.e[fi].jid);
		if (re->jid % 2 || re->jid % 5 == 0) {
			re = cs_runset_erase(&r, &w);
			flat_remove_at(&f, fi);
		} else {
			re = cs_runset_next(&w);
			fi++;
		}
	}
	cr_assert_eq(fi, f.n);
	same(&r, &f);
	cs_runset_free(&r);
}

/* 200,000 random operations on a set of up to about 3,000 entries over a
 * few hundred distinct times (many ties): inserts, removals by job and
 * erases in a walk, checked against the flat reference throughout. */
Test(runset, random_operations_match_a_flat_sorted_array)
{
	static flat f;
	f.n = 0;
	cs_runset r;
	cr_assert_eq(cs_runset_init(&r), 0);
	srand(12345);
	uint32_t next = 0;
	size_t want = 0;
	for (int op = 0; op < 200000; op++) {
		if (op % 20000 == 0)
			want = (size_t)(rand() % 3000); /* the size drifts: blocks grow, split, join */
		int r3 = rand() % 16;
		if (f.n < want ? r3 < 11 : r3 < 5) {
			run_ent v = { (cs_time)(rand() % 400), next++, (uint32_t)(rand() % 64) };
			insert_both(&r, &f, v);
		} else if (f.n && r3 < 15) {
			size_t i = (size_t)rand() % f.n;
			cr_assert_eq(cs_runset_remove(&r, f.e[i].est_end, f.e[i].jid), 1);
			flat_remove_at(&f, i);
		} else if (f.n) {
			/* erase the first entry at or after a random time, in a walk */
			cs_time t = rand() % 400;
			cs_runset_it w;
			const run_ent *re = cs_runset_begin(&w, &r);
			size_t fi = 0;
			while (re && re->est_end < t) {
				re = cs_runset_next(&w);
				fi++;
			}
			if (re) {
				cr_assert_eq(re->jid, f.e[fi].jid);
				re = cs_runset_erase(&r, &w);
				flat_remove_at(&f, fi);
				if (fi < f.n)
					cr_assert_eq(re->jid, f.e[fi].jid, "the walk goes on to the next");
				else
					cr_assert_null(re);
			}
		}
		if (op % 97 == 0 || f.n < 70)
			same(&r, &f);
	}
	same(&r, &f);
	while (f.n) {
		cr_assert_eq(cs_runset_remove(&r, f.e[0].est_end, f.e[0].jid), 1);
		flat_remove_at(&f, 0);
	}
	same(&r, &f);
	cr_assert_eq(r.nb, 0);
	cs_runset_free(&r);
}

/* CS_RUNSET_EMPTY (each partition's list starts so) works without a kept place
 * for look-ups by index. */
Test(runset, a_zeroed_set_works_without_a_kept_place)
{
	static flat f;
	f.n = 0;
	cs_runset r = CS_RUNSET_EMPTY;
	for (uint32_t j = 0; j < 300; j++) {
		run_ent v = { (cs_time)(j % 13), j, 2 };
		insert_both(&r, &f, v);
	}
	same(&r, &f);
	cs_runset_free(&r);
}
