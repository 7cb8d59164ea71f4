/* Workload statistics (sim/wstats.c) on a hand-made trace. */
#include <criterion/criterion.h>
#include <string.h>

#include "capsim/cluster.h"
#include "capsim/format.h"
#include "capsim/wstats.h"
#include "helpers.h"

static double metric(const cs_trace *t, const cs_cluster *c, const char *name, const char *part, const char *qos)
{
	double v = -1;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_wstats_metric(t, c, NULL, name, part, qos, &v, err, sizeof err), 0, "%s: %s", name, err);
	return v;
}

Test(wstats, metrics_of_a_small_native_trace)
{
	char *p = th_write_tmp("# days: 2\n"
			       "id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,"
			       "runtime,qos,partition,state\n"
			       "1,a,u,0,1,1,8,0,3600,1800,debug,h100,completed\n"
			       "2,a,u,50000,2,8,112,0,7200,3600,high,h100,failed\n"
			       "3,b,v,100000,1,0,112,0,600,600,normal,cpu,timeout\n"
			       "4,c,w,170000,1,2,16,0,400,100,debug,h100,cancelled\n",
			       ".csv");
	cs_trace t;
	cs_trace_init(&t);
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_format_read(&t, p, CS_FMT_AUTO, err, sizeof err), 0, "%s", err);
	cs_cluster *c;
	cr_assert_eq(cs_cluster_load_default(&c, err, sizeof err), 0, "%s", err);
	double v;
#define M(name, part, qos) metric(&t, c, name, part, qos)
	cr_assert_float_eq(M("jobs", NULL, NULL), 4, 1e-12);
	cr_assert_float_eq(M("gpu_job_share", NULL, NULL), 0.75, 1e-12);
	cr_assert_float_eq(M("single_gpu_share", NULL, NULL), 1.0 / 3, 1e-12);
	cr_assert_float_eq(M("gpus_p50", NULL, NULL), 2, 1e-12);
	cr_assert_float_eq(M("gpus_mean", NULL, NULL), 19.0 / 3, 1e-12);
	cr_assert_float_eq(M("runtime_p50", "h100", NULL), 1800, 1e-12);
	cr_assert_float_eq(M("runtime_p50", NULL, "debug"), 100, 1e-12);
	cr_assert_float_eq(M("overestimate_p50", NULL, NULL), 2, 1e-12);
	cr_assert_float_eq(M("timeout_share", NULL, NULL), 0.25, 1e-12);
	/* h100: 0.5 + 16 + 2/36 GPU-h over 880 GPUs x 48 h */
	cr_assert_float_eq(M("load", "h100", NULL), (0.5 + 16 + 200.0 / 3600) / (880 * 48.0), 1e-12);
	/* cpu: 600 s on 1 of 64 nodes over 48 h */
	cr_assert_float_eq(M("load", "cpu", NULL), (600 / 3600.0) / (64 * 48.0), 1e-12);
	/* a spans day 0's noon (submits at 0 and 50000); b and c span no noon: (1 + 0) / 2 days */
	cr_assert_float_eq(M("active_projects", NULL, NULL), 0.5, 1e-12);
	cr_assert_float_eq(M("top10pct_projects_share", NULL, NULL), 16.5 / (16.5 + 200.0 / 3600), 1e-12);
	cr_assert_float_eq(M("projects", NULL, NULL), 3, 1e-12);
	cr_assert_float_eq(M("projects", "h100", NULL), 2, 1e-12);
	cr_assert_float_eq(M("users_per_project", NULL, NULL), 1, 1e-12);
	/* the second day alone: b's and c's jobs, 1 day; cpu 600 s on 1 of 64 nodes over 24 h */
	int64_t epoch = t.epoch;
	cr_assert_eq(cs_wstats_window(&t, 86400, 1000000, err, sizeof err), 0, "%s", err);
	cr_assert_eq(t.n, 2);
	cr_assert_eq(t.jobs[0].submit_s, 100000 - 86400);
	cr_assert_eq(t.epoch, epoch + 86400);
	cr_assert_str_eq(cs_trace_meta_get(&t, "days"), "1");
	cr_assert_float_eq(M("load", "cpu", NULL), (600 / 3600.0) / (64 * 24.0), 1e-12);
	cr_assert_float_eq(M("projects", NULL, NULL), 2, 1e-12);
	cr_assert_eq(cs_wstats_window(&t, 86400, 90000, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "window: empty"), "%s", err);
#undef M
	cr_assert_eq(cs_wstats_metric(&t, c, NULL, "bogus", NULL, NULL, &v, err, sizeof err), -CS_EINVAL);
	cr_assert_eq(cs_wstats_metric(&t, c, NULL, "runtime_p50", "t4", NULL, &v, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "no jobs"), "%s", err);
	cs_cluster_free(c);
	cs_trace_free(&t);
	th_unlink(p);
}
