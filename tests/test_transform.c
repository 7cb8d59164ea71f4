/* Workload transforms (sim/transform.c): windows, ids, load and project
 * scaling, on a trace and on an SWF replay. */
#include <criterion/criterion.h>
#include <string.h>

#include "capsim/transform.h"
#include "helpers.h"

static void tf_trace(cs_trace *t)
{
	cs_trace_init(t);
	const char *proj[] = { "alpha", "beta", "gamma", "delta" };
	for (int i = 0; i < 40; i++) {
		cs_jrec r = { .id = 100 + i, .submit_s = 10 * i, .start_s = -1, .runtime_s = 5, .time_limit_s = 9,
			      .nodes = 1, .gpus_per_node = 1, .user = -1, .qos = -1, .partition = -1,
			      .line = (uint32_t)i + 2 };
		r.project = cs_names_intern(&t->projects, proj[i % 4], strlen(proj[i % 4]));
		cr_assert_eq(cs_trace_push(t, &r), 0);
	}
}

Test(transform, window_ids_and_load_scale)
{
	cs_trace t;
	tf_trace(&t);
	cs_transform tf;
	cs_transform_default(&tf);
	cr_assert(cs_transform_is_identity(&tf));
	tf.id_min = 105;          /* submits 50.. */
	tf.id_max = 134;          /* ..340 */
	tf.from = 100;            /* ids 110.. */
	tf.to = 300;              /* ..129 */
	tf.load_scale = 4;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_transform_apply(&t, &tf, err, sizeof err), 0, "%s", err);
	cr_assert_eq(t.n, 20);
	cr_assert_eq(t.jobs[0].id, 110);
	cr_assert_eq(t.jobs[0].submit_s, 25);   /* 100 / 4 */
	cr_assert_eq(t.jobs[19].id, 129);
	cr_assert_eq(t.jobs[19].submit_s, 72);  /* floor(290 / 4) */
	cr_assert_str_eq(cs_trace_meta_get(&t, "transform_dropped"), "20");
	cs_trace_free(&t);
}

Test(transform, projects_scale_copies_whole_projects)
{
	cs_trace t;
	tf_trace(&t);
	cs_transform tf;
	cs_transform_default(&tf);
	tf.projects_scale = 2;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_transform_apply(&t, &tf, err, sizeof err), 0, "%s", err);
	cr_assert_eq(t.n, 80);
	cr_assert_eq(t.projects.n, 8);
	cr_assert_geq(cs_names_find(&t.projects, "gamma~1"), 0);
	/* copies keep submit times, get fresh ids, and the order stays by submit */
	int64_t seen = 0;
	for (size_t i = 0; i < t.n; i++) {
		cr_assert(i == 0 || t.jobs[i - 1].submit_s <= t.jobs[i].submit_s);
		if (t.jobs[i].id >= 140)
			seen++;
	}
	cr_assert_eq(seen, 40);
	cs_trace_free(&t);
	/* 1.5: each project gets a second copy or not, by its name and the seed;
	 * whole projects only, and the same choice every time */
	size_t n1 = 0;
	for (int k = 0; k < 2; k++) {
		tf_trace(&t);
		tf.projects_scale = 1.5;
		cr_assert_eq(cs_transform_apply(&t, &tf, err, sizeof err), 0, "%s", err);
		cr_assert_eq((t.n - 40) % 10, 0);
		if (k)
			cr_assert_eq(t.n, n1);
		n1 = t.n;
		cs_trace_free(&t);
	}
	/* 0.5: sampling whole projects */
	tf_trace(&t);
	tf.projects_scale = 0.5;
	cr_assert_eq(cs_transform_apply(&t, &tf, err, sizeof err), 0, "%s", err);
	cr_assert_eq(t.n % 10, 0);
	cr_assert_lt(t.n, 40);
	cs_trace_free(&t);
}

Test(transform, bad_values_are_refused)
{
	cs_trace t;
	tf_trace(&t);
	cs_transform tf;
	cs_transform_default(&tf);
	tf.load_scale = 0;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_transform_apply(&t, &tf, err, sizeof err), -CS_EINVAL);
	cs_transform_default(&tf);
	tf.from = 50;
	tf.to = 50;
	cr_assert_eq(cs_transform_apply(&t, &tf, err, sizeof err), -CS_EINVAL);
	cr_assert(strstr(err, "empty time window"), "%s", err);
	cr_assert_eq(t.n, 40);
	cs_trace_free(&t);
}

/* On an SWF replay: a doubled load halves every submit time. */
Test(transform, swf_replay_load_scale)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.tf.load_scale = 2;
	o.procs = 4;
	cs_run_result r;
	th_run_text(SWF_JOB(1, 0, 100, 4, 100) SWF_JOB(2, 100, 10, 4, 10) SWF_JOB(3, 301, 10, 4, 10), &o, &r);
	cr_assert_eq(th_job(&r, 2)->submit_s, 50);
	cr_assert_eq(th_start(&r, 2), 100);
	cr_assert_eq(th_job(&r, 3)->submit_s, 150);
	cs_run_result_free(&r);
}

/* On the node model (capsim run --load-scale F on a CSV): submit times are
 * divided by F, rounded down, and nothing else changes; without it the
 * trace runs as read. */
Test(transform, node_model_load_scale_divides_submit_times)
{
	const char *jobs = TH_CSV_HDR "1,p,u,0,3,4,1,0,100,100,,gpu,COMPLETED\n"
				      "2,p,u,101,3,4,1,0,50,50,,gpu,COMPLETED\n"
				      "3,p,u,301,1,0,4,0,10,10,,cpu,COMPLETED\n";
	cs_run_opts o;
	cs_run_opts_default(&o);
	cs_run_result r;
	th_run_on(th_two_partitions_yaml, jobs, ".csv", &o, &r);
	cr_assert_eq(th_job(&r, 2)->submit_s, 101);
	cr_assert_eq(th_start(&r, 2), 101);
	cs_run_result_free(&r);
	cs_run_opts_default(&o);
	o.tf.load_scale = 2;
	th_run_on(th_two_partitions_yaml, jobs, ".csv", &o, &r);
	cr_assert_eq(th_job(&r, 1)->submit_s, 0);
	cr_assert_eq(th_job(&r, 2)->submit_s, 50);  /* floor(101 / 2) */
	cr_assert_eq(th_start(&r, 2), 100);         /* job 1 still holds the 3 GPU nodes until 100 */
	cr_assert_eq(th_job(&r, 2)->runtime_s, 50);
	cr_assert_eq(th_job(&r, 3)->submit_s, 150); /* floor(301 / 2) */
	cs_run_result_free(&r);
}
