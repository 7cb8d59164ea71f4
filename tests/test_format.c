/* Reading a workload in any format (sim/format.c): the format a file name
 * implies, and SWF records as a trace's CPU-only jobs. */
#include <criterion/criterion.h>
#include <string.h>

#include "capsim/format.h"
#include "helpers.h"

Test(format, swf_becomes_cpu_jobs)
{
	char *p = th_write_tmp("; UnixStartTime: 893466664\n"
			       "1 0 10 100 8 -1 -1 8 200 2048 1 5 3 -1 2 1 -1 -1\n"
			       "2 5 -1 50 -1 -1 -1 4 -1 -1 5 6 -1 -1 -1 -1 -1 -1\n", ".swf");
	cs_trace t;
	cs_trace_init(&t);
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_format_read(&t, p, CS_FMT_AUTO, err, sizeof err), 0, "%s", err);
	cr_assert_eq(t.n, 2);
	cr_assert_eq(t.epoch, 893466664);
	cr_assert_eq(t.jobs[0].nodes, 8);
	cr_assert_eq(t.jobs[0].cores_per_node, 1);
	cr_assert_eq(t.jobs[0].start_s, 10);
	cr_assert_eq(t.jobs[0].time_limit_s, 200);
	cr_assert_eq(t.jobs[0].mem_per_node_mib, 2);
	cr_assert_str_eq(cs_names_get(&t.projects, t.jobs[0].project), "g3");
	cr_assert_str_eq(cs_names_get(&t.users, t.jobs[0].user), "u5");
	cr_assert_str_eq(cs_names_get(&t.qos, t.jobs[0].qos), "q2");
	cr_assert_eq(t.jobs[0].state, CS_STATE_COMPLETED);
	cr_assert_eq(t.jobs[1].nodes, 4); /* requested, as allocated is missing */
	cr_assert_eq(t.jobs[1].start_s, -1);
	cr_assert_eq(t.jobs[1].project, -1);
	cr_assert_eq(t.jobs[1].state, CS_STATE_CANCELLED);
	cs_trace_free(&t);
	th_unlink(p);
}

Test(format, by_extension)
{
	cr_assert_eq(cs_format_guess("a.swf.gz"), CS_FMT_SWF);
	cr_assert_eq(cs_format_guess("dir.d/a.csv"), CS_FMT_NATIVE);
	cr_assert_eq(cs_format_guess("w.json"), CS_FMT_BATSIM);
	cr_assert_eq(cs_format_guess("acct.sacct.gz"), CS_FMT_SACCT);
	cr_assert_eq(cs_format_guess("cluster_log"), CS_FMT_AUTO);
	cs_trace t;
	cs_trace_init(&t);
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_format_read(&t, "cluster_log", CS_FMT_AUTO, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "--format"), "%s", err);
	cs_trace_free(&t);
}
