/* capsim's native CSV workload format (sim/native.c): every column and the
 * metadata read, a byte-identical round trip, and each kind of bad input
 * named by file, line and column. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/gen.h"
#include "capsim/native.h"
#include "helpers.h"
#include "../sim/native_int.h"

Test(native, reads_every_column_and_metadata)
{
	cs_trace t;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(th_read_native("# generator: capsim\n# epoch: 1700000000\n"
			       "state,id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,"
			       "time_limit,runtime,qos,partition,start\n"
			       "completed,7,p1,alice,10,2,8,64,1048576,3600,1200,normal,h100,15\r\n"
			       "\n"
			       "TIMEOUT,8,,bob,20,1,0,4,0,-1,-1,,,-1\n",
			       &t, err), 0, "%s", err);
	cr_assert_eq(t.n, 2);
	cr_assert_eq(t.epoch, 1700000000);
	cr_assert_str_eq(cs_trace_meta_get(&t, "generator"), "capsim");
	const cs_jrec *a = &t.jobs[0], *b = &t.jobs[1];
	cr_assert_eq(a->id, 7);
	cr_assert_eq(a->submit_s, 10);
	cr_assert_eq(a->start_s, 15);
	cr_assert_eq(a->nodes, 2);
	cr_assert_eq(a->gpus_per_node, 8);
	cr_assert_eq(a->cores_per_node, 64);
	cr_assert_eq(a->mem_per_node_mib, 1048576);
	cr_assert_eq(a->time_limit_s, 3600);
	cr_assert_eq(a->runtime_s, 1200);
	cr_assert_str_eq(cs_names_get(&t.projects, a->project), "p1");
	cr_assert_str_eq(cs_names_get(&t.users, a->user), "alice");
	cr_assert_str_eq(cs_names_get(&t.qos, a->qos), "normal");
	cr_assert_str_eq(cs_names_get(&t.partitions, a->partition), "h100");
	cr_assert_eq(a->state, CS_STATE_COMPLETED);
	cr_assert_eq(a->line, 4);
	cr_assert_eq(b->project, -1);
	cr_assert_eq(b->qos, -1);
	cr_assert_eq(b->partition, -1);
	cr_assert_eq(b->time_limit_s, -1);
	cr_assert_eq(b->runtime_s, -1);
	cr_assert_eq(b->state, CS_STATE_TIMEOUT);
	cr_assert_eq(b->line, 6);
	cs_trace_free(&t);
}

Test(native, round_trip_is_byte_identical)
{
	const char *text = "# generator: capsim\n# seed: 3\n" TH_CSV_HDR
			   "1,p1,u1,0,1,8,112,2097152,7200,3600,normal,h100,completed\n"
			   "2,p2,u2,5,4,8,112,0,259200,259200,high,h100,timeout\n"
			   "3,,u3,9,1,0,16,0,-1,30,,cpu,failed\n"
			   "4,p2,u2,9,1,8,112,0,60,30,,h100|a100,completed\n";
	cs_trace t;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(th_read_native(text, &t, err), 0, "%s", err);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_eq(cs_native_write(&t, f), 0);
	fclose(f);
	cr_assert_str_eq(buf, text);
	free(buf);
	cs_trace_free(&t);
}

static void bad(const char *text, const char *want)
{
	cs_trace t;
	char err[CS_ERRLEN] = "";
	int rc = th_read_native(text, &t, err);
	cr_assert_eq(rc, -CS_EPARSE, "%s: rc %d (%s)", want, rc, err);
	cr_assert(strstr(err, want), "expected '%s' in: %s", want, err);
	cr_assert(strstr(err, "/tmp/capsim-test-"), "no file name in: %s", err);
	cs_trace_free(&t);
}

/* A job submitted to several partitions: a|b in the file, held as Slurm
 * spells the list, a,b (workload.h makes it a set). */
Test(native, a_partition_list_is_read_as_slurm_spells_it)
{
	cs_trace t;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(th_read_native(TH_CSV_HDR "1,p,u,0,1,8,0,0,100,50,,h100|a100,completed\n", &t, err), 0, "%s",
		     err);
	cr_assert_str_eq(cs_names_get(&t.partitions, t.jobs[0].partition), "h100,a100");
	cs_trace_free(&t);
}

Test(native, bad_input_names_file_line_and_column)
{
	bad(TH_CSV_HDR "1,p,u,0,1,8,0,0,100,50,,h100||a100,completed\n",
	    ":2: column partition: \"h100||a100\" has an empty name in its list (expected a|b|...)");
	bad(TH_CSV_HDR "1,p,u,0,1,8,0,0,100,50,,h100|,completed\n", ":2: column partition");
	bad("", "no header line");
	bad("# only a comment\n", "no header line");
	bad("id,project\n", "header: column user is missing");
	bad("id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,runtime,qos,"
	    "partition,state,colour\n", "unknown column \"colour\"");
	bad("id,id,project\n", "column \"id\" appears twice");
	bad(TH_CSV_HDR "1,p,u,0,1,8,0,0,100,50,,h100\n", ":2: 12 fields, the header has 13");
	bad(TH_CSV_HDR "x,p,u,0,1,8,0,0,100,50,,h100,completed\n", ":2: column id: not an integer");
	bad(TH_CSV_HDR "1,p,u,-5,1,8,0,0,100,50,,h100,completed\n", "column submit");
	bad(TH_CSV_HDR "1,p,u,0,0,8,0,0,100,50,,h100,completed\n", "column nodes");
	bad(TH_CSV_HDR "1,p,u,0,1,-1,0,0,100,50,,h100,completed\n", "column gpus_per_node");
	bad(TH_CSV_HDR "1,p,u,0,1,8,2.5,0,100,50,,h100,completed\n", "column cores_per_node");
	bad(TH_CSV_HDR "1,p,u,0,1,8,0,lots,100,50,,h100,completed\n", "column mem_per_node");
	bad(TH_CSV_HDR "1,p,u,0,1,8,0,0,0,50,,h100,completed\n", "column time_limit");
	bad(TH_CSV_HDR "1,p,u,0,1,8,0,0,100,-7,,h100,completed\n", "column runtime");
	bad(TH_CSV_HDR "1,p,u,0,1,8,0,0,100, 50,,h100,completed\n", "column runtime");
	bad(TH_CSV_HDR "1,p,u,0,1,8,0,0,100,50,,h100,exploded\n", "column state: unknown state \"exploded\"");
	/* a state's name compared as words: its bytes past the first 8, and
	 * the length, count */
	bad(TH_CSV_HDR "1,p,u,0,1,8,0,0,100,50,,h100,completes\n", "column state: unknown state \"completes\"");
	bad(TH_CSV_HDR "1,p,u,0,1,8,0,0,100,50,,h100,complete\n", "column state: unknown state \"complete\"");
	bad(TH_CSV_HDR "1,p,u,0,1,8,0,0,100,50,,h100,out_of_memoryy\n", "column state: unknown state");
	bad(TH_CSV_HDR "1,p,u,0,1,8,0,0,100,50,,h100,\n", "column state: unknown state \"\"");
	bad("# epoch: soon\n" TH_CSV_HDR, "epoch: not an integer");
	bad(TH_CSV_HDR "7,p,u,0,1,8,0,0,100,50,,h100,completed\n8,p,u,0,1,8,0,0,100,50,,h100,completed\n"
		"7,p,u,5,1,8,0,0,100,50,,h100,completed\n",
	    ":4: column id: job id 7 already on line 2: job ids must be unique");
	/* times the engine adds: at most 2^40 s (they overflowed it before) */
	bad(TH_CSV_HDR "1,p,u,0,1,8,0,0,-1,9223372036854775807,,h100,completed\n", "column runtime");
	bad(TH_CSV_HDR "1,p,u,1099511627777,1,8,0,0,-1,5,,h100,completed\n", "column submit");
	bad(TH_CSV_HDR "1,p,u,0,1,8,0,0,1099511627777,5,,h100,completed\n", "column time_limit");
}

Test(native, a_missing_file_is_an_io_error)
{
	cs_trace t;
	cs_trace_init(&t);
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_native_read(&t, "/nonexistent/jobs.csv", err, sizeof err), -CS_EIO);
	cr_assert(strstr(err, "/nonexistent/jobs.csv: cannot open"), "%s", err);
	cs_trace_free(&t);
}

/* a and b hold the same records, names, epoch and metadata. */
static void expect_same_trace(const cs_trace *a, const cs_trace *b)
{
	cr_assert_eq(a->n, b->n);
	cr_expect_eq(a->epoch, b->epoch);
	const cs_names *na[] = { &a->projects, &a->users, &a->qos, &a->partitions, &a->tiers, &a->meta_keys,
				 &a->meta_vals };
	const cs_names *nb[] = { &b->projects, &b->users, &b->qos, &b->partitions, &b->tiers, &b->meta_keys,
				 &b->meta_vals };
	for (size_t k = 0; k < sizeof na / sizeof *na; k++) {
		cr_assert_eq(na[k]->n, nb[k]->n, "name list %zu", k);
		for (size_t i = 0; i < na[k]->n; i++)
			cr_assert_str_eq(na[k]->v[i], nb[k]->v[i], "name list %zu, entry %zu", k, i);
	}
	for (size_t i = 0; i < a->n; i++) {
		const cs_jrec *x = &a->jobs[i], *y = &b->jobs[i];
		int64_t fx[] = { x->id, x->submit_s, x->start_s, x->runtime_s, x->time_limit_s, x->nodes,
				 x->gpus_per_node, x->cores_per_node, (int64_t)x->mem_per_node_mib, x->project, x->user,
				 x->qos, x->partition, x->state, x->topo, x->max_leaves, x->line, x->stage_in_b,
				 x->stage_out_b, x->stage_tier };
		int64_t fy[] = { y->id, y->submit_s, y->start_s, y->runtime_s, y->time_limit_s, y->nodes,
				 y->gpus_per_node, y->cores_per_node, (int64_t)y->mem_per_node_mib, y->project, y->user,
				 y->qos, y->partition, y->state, y->topo, y->max_leaves, y->line, y->stage_in_b,
				 y->stage_out_b, y->stage_tier };
		for (size_t k = 0; k < sizeof fx / sizeof *fx; k++)
			cr_assert_eq(fx[k], fy[k], "record %zu, field %zu: %lld against %lld", i, k, (long long)fx[k],
				     (long long)fy[k]);
	}
}

/* t written out and read back, against t made so in memory. */
static void expect_as_read(cs_trace *t)
{
	char *path = th_trace_tmp(t);
	cs_trace back;
	cs_trace_init(&back);
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_native_read(&back, path, err, sizeof err), 0, "%s", err);
	th_unlink(path);
	cr_assert_eq(cs_native_as_read(t, err, sizeof err), 0, "%s", err);
	expect_same_trace(&back, t);
	cs_trace_free(&back);
}

static int32_t name(cs_names *ns, const char *s) { return cs_names_intern(ns, s, strlen(s)); }

/* What the sweep and the planner skip the file for: the generator's
 * workloads (several seeds, lengths and loads, with the accounts' project
 * draw) as the CSV reads them back. */
Test(native, as_read_is_the_generated_workload_read_back)
{
	char err[CS_ERRLEN] = "";
	cs_gen_model *m;
	cr_assert_eq(cs_gen_model_load(&m, NULL, err, sizeof err), 0, "%s", err);
	const struct { uint64_t seed; int days; double scale; int projects; } cases[] = {
		{ 1, 3, 1.0, 0 }, { 2, 7, 1.5, 1 }, { 7, 2, 3.0, 1 } };
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		cs_trace t;
		cs_trace_init(&t);
		cs_gen_project *pr = NULL;
		cr_assert_eq(cs_gen_generate_projects(m, cases[c].seed, cases[c].days, cases[c].scale, &t,
						      cases[c].projects ? &pr : NULL, err, sizeof err), 0, "%s", err);
		cr_assert_gt(t.n, 100);
		expect_as_read(&t);
		free(pr);
		cs_trace_free(&t);
	}
	cs_gen_model_free(m);
}

/* Everything the file changes: names renumbered by first use with unused
 * ones and "" dropped, lines, the epoch's line, no start column, a rule
 * written one way, staging without the columns, a state out of range. */
Test(native, as_read_makes_what_the_file_changes)
{
	cs_trace t;
	cs_trace_init(&t);
	t.epoch = 1700000000;
	cs_trace_meta_set(&t, "generator", "test");
	name(&t.projects, "unused");
	int32_t pb = name(&t.projects, "b"), pa = name(&t.projects, "a"), pe = name(&t.projects, "");
	int32_t u = name(&t.users, "u"), q = name(&t.qos, "normal");
	int32_t part = name(&t.partitions, "h100,a100"), p2 = name(&t.partitions, "cpu");
	name(&t.tiers, "scratch");
	const cs_jrec rs[] = {
		{ .id = 5, .submit_s = 0, .start_s = -7, .runtime_s = 10, .time_limit_s = 60, .nodes = 1,
		  .project = pa, .user = u, .qos = -1, .partition = part, .state = 200, .topo = CS_TOPO_MAX_LEAVES,
		  .max_leaves = 1, .line = 99, .stage_tier = 1 },
		{ .id = 3, .submit_s = 4, .start_s = -1, .runtime_s = -1, .time_limit_s = -1, .nodes = 2,
		  .gpus_per_node = 8, .project = pb, .user = u, .qos = q, .partition = p2, .topo = 77,
		  .max_leaves = 9 },
		{ .id = 9, .submit_s = 4, .start_s = -1, .runtime_s = 5, .time_limit_s = 5, .nodes = 1,
		  .project = pe, .user = -1, .qos = q, .partition = part, .topo = CS_TOPO_ONE_BLOCK } };
	for (size_t i = 0; i < 3; i++)
		cr_assert_eq(cs_trace_push(&t, &rs[i]), 0);
	expect_as_read(&t);
	cr_expect_eq(t.projects.n, 2);
	cr_expect_str_eq(t.projects.v[0], "a");
	cr_expect_eq(t.jobs[2].project, -1);
	cr_expect_str_eq(cs_trace_meta_get(&t, "epoch"), "1700000000");
	cr_expect_eq(t.jobs[0].line, 4);
	cs_trace_free(&t);
}

/* A trace the file cannot hold as it is, or whose reading would fail, is
 * refused (the caller writes the file and reads it, for the reader's own
 * verdict). */
Test(native, as_read_refuses_what_the_file_would_not_give_back)
{
	const char *why[] = { "name", "meta key", "meta value", "list", "nodes", "limit", "start", "leaves",
			      "stage", "duplicate" };
	for (size_t k = 0; k < sizeof why / sizeof *why; k++) {
		cs_trace t;
		cs_trace_init(&t);
		cs_jrec r = { .id = 1, .submit_s = 10, .start_s = -1, .runtime_s = 5, .time_limit_s = 60, .nodes = 1,
			      .project = -1, .user = -1, .qos = -1, .partition = -1 };
		cs_jrec r2 = r;
		r2.id = 2;
		switch (k) {
		case 0: r.project = name(&t.projects, "a,b"); break;
		case 1: cs_trace_meta_set(&t, "a:b", "c"); break;
		case 2: cs_trace_meta_set(&t, "a", " c"); break;
		case 3: r.partition = name(&t.partitions, "a,,b"); break;
		case 4: r.nodes = 0; break;
		case 5: r.time_limit_s = 0; break;
		case 6: r.start_s = 3; break;
		case 7: r.topo = CS_TOPO_MAX_LEAVES; break;
		case 8: r.stage_in_b = -1; r.stage_out_b = 5; break;
		default: r2.id = 1; break;
		}
		cr_assert_eq(cs_trace_push(&t, &r), 0);
		cr_assert_eq(cs_trace_push(&t, &r2), 0);
		char err[CS_ERRLEN] = "";
		cr_expect_eq(cs_native_as_read(&t, err, sizeof err), -CS_EINVAL, "%s: accepted", why[k]);
		cr_expect_neq(*err, 0, "%s: no message", why[k]);
		cs_trace_free(&t);
	}
}

/* The reader's word paths (names of up to 8 bytes by their bytes as a
 * word, states compared as words, numbers of up to 8 digits read as a
 * word) read what the written values are: 4,000 records over 700 users
 * (the word tables grow), names that are prefixes of one another or share
 * their first 8 bytes, states in any case, numbers of 1 to 12 digits with
 * leading zeros; each name list in the order of first use. */
Test(native, names_states_and_numbers_read_as_words_are_the_values_written)
{
	enum { N = 4000, NP = 24, NU = 700 };
	static const char *const states[] = { "completed", "COMPLETED", "Failed", "cancelled", "timeout", "node_fail",
					      "Out_Of_Memory", "preempted", "unknown", "NODE_FAIL" };
	static const uint8_t state_of[] = { CS_STATE_COMPLETED, CS_STATE_COMPLETED, CS_STATE_FAILED, CS_STATE_CANCELLED,
					    CS_STATE_TIMEOUT, CS_STATE_NODE_FAIL, CS_STATE_OUT_OF_MEMORY,
					    CS_STATE_PREEMPTED, CS_STATE_UNKNOWN, CS_STATE_NODE_FAIL };
	char proj[NP][24], user[NU][24];
	for (int i = 0; i < NP; i++) /* a, ab, abc, ... past 8 bytes, then abcdefgh + a digit */
		if (i < 12)
			snprintf(proj[i], sizeof proj[i], "%.*s", i + 1, "abcdefghijkl");
		else
			snprintf(proj[i], sizeof proj[i], "abcdefgh%d", i - 12);
	for (int i = 0; i < NU; i++)
		snprintf(user[i], sizeof user[i], "%.*su%d", i % 5, "zzzzz", i);
	size_t cap = (size_t)N * 160 + 256, off = 0;
	char *text = malloc(cap);
	off += (size_t)snprintf(text + off, cap - off, "id,project,user,submit,nodes,gpus_per_node,cores_per_node,"
				"mem_per_node,time_limit,runtime,qos,partition,state\n");
	int *pi = malloc(N * sizeof *pi), *ui = malloc(N * sizeof *ui), *si = malloc(N * sizeof *si);
	int64_t *mem = malloc(N * sizeof *mem), *sub = malloc(N * sizeof *sub);
	unsigned x = 7;
	for (int i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		pi[i] = (int)((x >> 16) % NP);
		x = x * 1103515245u + 12345u;
		ui[i] = (int)((x >> 16) % NU);
		x = x * 1103515245u + 12345u;
		si[i] = (int)((x >> 16) % (sizeof states / sizeof *states));
		x = x * 1103515245u + 12345u;
		int digits = 1 + (int)((x >> 16) % 12);
		int64_t m = 0;
		for (int k = 0; k < digits; k++) {
			x = x * 1103515245u + 12345u;
			m = m * 10 + (x >> 16) % 10;
		}
		mem[i] = m;
		sub[i] = i * 37;
		off += (size_t)snprintf(text + off, cap - off, "%d,%s,%s,%0*lld,1,%d,0,%0*lld,-1,%d,q%d,p%d,%s\n", i + 1,
					proj[pi[i]], user[ui[i]], i % 7 + 1, (long long)sub[i], i % 9, digits,
					(long long)m, i % 2 ? -1 : i, i % 3, i % 2, states[si[i]]);
	}
	cs_trace t;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(th_read_native(text, &t, err), 0, "%s", err);
	cr_assert_eq(t.n, N);
	int pfirst[NP], ufirst[NU], np = 0, nu = 0;
	for (int i = 0; i < NP; i++)
		pfirst[i] = -1;
	for (int i = 0; i < NU; i++)
		ufirst[i] = -1;
	for (int i = 0; i < N; i++) {
		const cs_jrec *r = &t.jobs[i];
		if (pfirst[pi[i]] < 0)
			pfirst[pi[i]] = np++;
		if (ufirst[ui[i]] < 0)
			ufirst[ui[i]] = nu++;
		cr_assert_eq(r->project, pfirst[pi[i]], "record %d", i + 1);
		cr_assert_str_eq(cs_names_get(&t.projects, r->project), proj[pi[i]], "record %d", i + 1);
		cr_assert_eq(r->user, ufirst[ui[i]], "record %d", i + 1);
		cr_assert_str_eq(cs_names_get(&t.users, r->user), user[ui[i]], "record %d", i + 1);
		cr_assert_eq(r->state, state_of[si[i]], "record %d: %s", i + 1, states[si[i]]);
		cr_assert_eq(r->mem_per_node_mib, (uint64_t)mem[i], "record %d", i + 1);
		cr_assert_eq(r->submit_s, sub[i], "record %d", i + 1);
		cr_assert_eq(r->gpus_per_node, (uint32_t)(i % 9), "record %d", i + 1);
		cr_assert_eq(r->runtime_s, i % 2 ? -1 : i, "record %d", i + 1);
		cr_assert_str_eq(cs_names_get(&t.qos, r->qos), i % 3 == 0 ? "q0" : i % 3 == 1 ? "q1" : "q2");
	}
	cr_assert_eq(t.projects.n, (size_t)np);
	cr_assert_eq(t.users.n, (size_t)nu);
	cs_trace_free(&t);
	free(text);
	free(pi);
	free(ui);
	free(si);
	free(mem);
	free(sub);
}

/* The column values a one-pass record read meets, the edges of its word
 * reads among them: 8 and 9 digits, signs, bytes each side of '0' and '9'
 * (and 0xFA.., whose +6 carries), names of 8 and 9 bytes, lists, states
 * by their words' edges. */
static const char *const num_tokens[] = { "0", "1", "-1", "-0", "7", "42", "12345678", "99999999", "00000001",
					  "123456789", "100000000", "-12345678", "-123456789", "-", "", "1a", "a1",
					  " 5", "5 ", "+5", "0x10", "2.5", "1099511627776", "1099511627777",
					  "9223372036854775807", "9223372036854775808", "1024", "1025", "/", "9:",
					  "\x7f", "\xfa", "1\xff", "\xff\x31", "3\xfa", "--1", "-2", "65536" };
static const char *const name_tokens[] = { "p", "ab", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghijklmnopq", "",
					   "a|b", "|a", "a|", "a||b", "h100|a100", "\xff", "x\xfa", "None" };
static const char *const state_tokens[] = { "completed", "COMPLETED", "failed", "Failed", "cancelled", "timeout",
					    "node_fail", "out_of_memory", "preempted", "unknown", "exploded", "",
					    "completes", "complete", "out_of_memoryy", "failed\xff" };

/* A record's field for column c, mostly good, sometimes any token; the
 * token `force` if it is >= 0. */
static void field_for(char *b, size_t len, int c, unsigned *x, int line, int force)
{
	*x = *x * 1103515245u + 12345u;
	unsigned u = *x >> 16, any = u % 700 == 0;
	*x = *x * 1103515245u + 12345u;
	unsigned v = *x >> 16;
	const char *s;
	char tmp[32];
	if (force >= 0) {
		any = 1;
		v = (unsigned)force;
	}
	if (c == 1 || c == 2 || c == 10 || c == 11) { /* project, user, qos, partition */
		static const char *const good[] = { "p", "abcdefgh", "abcdefghi", "q9", "a100", "h100|a100" };
		s = any ? name_tokens[v % (sizeof name_tokens / sizeof *name_tokens)] : good[v % 6];
	} else if (c == 12) {
		s = any ? state_tokens[v % (sizeof state_tokens / sizeof *state_tokens)] : state_tokens[v % 10];
	} else if (any) {
		s = num_tokens[v % (sizeof num_tokens / sizeof *num_tokens)];
	} else {
		/* a value in its column's range: id the line, start >= submit */
		long long g = c == 0 ? line : c == 3 ? (long long)(v % 40000000) : c == 4 ? 1 + v % 4
			: c == 5 ? v % 9 : c == 6 ? v % 200 : c == 7 ? (long long)v * 97 % 100000000
			: c == 8 ? (v % 3 ? 1 + (long long)v * 13 : -1) : c == 9 ? (v % 3 ? (long long)v : -1)
			: (v % 3 ? 50000000 + (long long)v : -1);
		snprintf(tmp, sizeof tmp, "%lld", g);
		s = tmp;
	}
	snprintf(b, len, "%s", s);
}

/* The trace, return code and message of reading text with and without
 * the one-pass record read. */
static void expect_same_read(const char *text)
{
	char *path = th_write_tmp(text, ".csv");
	cs_trace a, b;
	cs_trace_init(&a);
	cs_trace_init(&b);
	char ea[CS_ERRLEN] = "", eb[CS_ERRLEN] = "";
	int ra = cs_native_read_with(&a, path, 1, ea, sizeof ea), rb = cs_native_read_with(&b, path, 0, eb, sizeof eb);
	th_unlink(path);
	cr_assert_eq(ra, rb, "%d against %d (%s / %s) in:\n%s", ra, rb, ea, eb, text);
	cr_assert_str_eq(ea, eb, "in:\n%s", text);
	expect_same_trace(&a, &b);
	cs_trace_free(&a);
	cs_trace_free(&b);
}

Test(native, a_record_read_in_one_pass_is_the_general_reads_record)
{
	/* the writer's 13 and 14 columns (read unrolled), another order, and
	 * one with a topology column (the general read alone) */
	static const char *const headers[] = {
		"id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,runtime,qos,"
		"partition,state",
		"id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,runtime,qos,"
		"partition,state,start",
		"start,state,partition,qos,runtime,time_limit,mem_per_node,cores_per_node,gpus_per_node,nodes,submit,"
		"user,project,id",
		"id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,runtime,qos,"
		"partition,state,topology" };
	/* the column of each header's fields, as field_for numbers them
	 * (13: start, 14: topology) */
	static const int cols[][14] = { { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 },
					 { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 },
					 { 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 },
					 { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14 } };
	static const int ncol[] = { 13, 14, 14, 14 };
	unsigned x = 11;
	size_t cap = 1 << 16;
	char *text = malloc(cap), f[64];
	int errors = 0, reads = 0;
	for (int h = 0; h < 4; h++) {
		for (int file = 0; file < 150; file++) {
			size_t off = (size_t)snprintf(text, cap, "%s\n", headers[h]);
			for (int line = 2; line < 40; line++) {
				x = x * 1103515245u + 12345u;
				unsigned shape = (x >> 16) % 1499; /* a field short, one more, a trailing comma */
				int n = ncol[h] - (shape == 0) + (shape == 1);
				for (int i = 0; i < n; i++) {
					int c = i < ncol[h] ? cols[h][i] : 5;
					if (c == 14)
						snprintf(f, sizeof f, "%s", x % 5 ? "" : "leaf");
					else
						field_for(f, sizeof f, c, &x, line, -1);
					off += (size_t)snprintf(text + off, cap - off, "%s%s", i ? "," : "", f);
				}
				off += (size_t)snprintf(text + off, cap - off, "%s\n", shape == 2 ? "," : "");
			}
			char err[CS_ERRLEN] = "";
			cs_trace t;
			errors += th_read_native(text, &t, err) < 0;
			cs_trace_free(&t);
			expect_same_read(text);
			reads++;
		}
	}
	/* each token in each column of a record between good ones */
	for (int h = 0; h < 4; h++)
		for (int i = 0; i < ncol[h]; i++)
			for (int k = 0; k < (int)(sizeof num_tokens / sizeof *num_tokens); k++) {
				size_t off = (size_t)snprintf(text, cap, "%s\n", headers[h]);
				for (int line = 2; line < 5; line++) {
					for (int j = 0; j < ncol[h]; j++) {
						int c = cols[h][j];
						if (c == 14)
							snprintf(f, sizeof f, "%s", k % 3 ? "" : "leaves:2");
						else
							field_for(f, sizeof f, c, &x, line, line == 3 && j == i ? k : -1);
						off += (size_t)snprintf(text + off, cap - off, "%s%s", j ? "," : "", f);
					}
					off += (size_t)snprintf(text + off, cap - off, "\n");
				}
				expect_same_read(text);
			}
	/* both kinds of file were met */
	cr_assert(errors > reads / 4 && errors < reads * 3 / 4, "%d of %d reads refused", errors, reads);
	free(text);
}

/* Job ids are kept for the duplicate check only from the first that does
 * not rise (the earlier ones taken from the records then): a repeat of an
 * id read while they rose is found, and ids that fall without a repeat
 * are read. */
Test(native, a_repeated_id_is_found_after_the_ids_stop_rising)
{
#define ROW(id) #id ",p,u,0,1,8,0,0,100,50,,h100,completed\n"
	bad(TH_CSV_HDR ROW(5) ROW(6) ROW(7) ROW(3) ROW(9) ROW(6), ":7: column id: job id 6 already on line 3");
	bad(TH_CSV_HDR ROW(5) ROW(6) ROW(7) ROW(5), ":5: column id: job id 5 already on line 2");
	bad(TH_CSV_HDR ROW(5) ROW(5), ":3: column id: job id 5 already on line 2");
	cs_trace t;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(th_read_native(TH_CSV_HDR ROW(9) ROW(4) ROW(7) ROW(1), &t, err), 0, "%s", err);
	cr_assert_eq(t.n, 4);
	cr_assert_eq(t.jobs[3].id, 1);
	cs_trace_free(&t);
#undef ROW
}
