/* capsim's native CSV workload format (sim/native.c): every column and the
 * metadata read, a byte-identical round trip, and each kind of bad input
 * named by file, line and column. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/native.h"
#include "helpers.h"

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
