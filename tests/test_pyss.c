/* --compat pyss reproduces pyss's own schedules job for job on two real
 * traces (the reference checksums in tests/data/pyss_reference.txt). */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "helpers.h"

typedef struct { int64_t id; cs_time start, end; } sched_row;
static int row_cmp(const void *a, const void *b)
{
	const sched_row *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

ParameterizedTestParameters(pyss, same_schedule_as_pyss)
{
	static int lines[] = { 0, 1, 2, 3, 4, 5 };
	return cr_make_param_array(int, lines, 6);
}

ParameterizedTest(int *which, pyss, same_schedule_as_pyss)
{
	char path[1024], trace[256], policy[16], want_crc[16];
	size_t want_jobs;
	snprintf(path, sizeof path, "%s/tests/data/pyss_reference.txt", th_root());
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s missing", path);
	char line[512];
	int k = -1;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		if (++k == *which)
			break;
	}
	fclose(f);
	cr_assert_eq(k, *which);
	cr_assert_eq(sscanf(line, "%255s %15s %zu %15s", trace, policy, &want_jobs, want_crc), 4);

	snprintf(path, sizeof path, "%s/traces/%s", th_shared(), trace);
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = path;
	o.policy = strcmp(policy, "fcfs") == 0 ? "fcfs" : "easy";
	if (strcmp(policy, "sjbf") == 0) {
		o.keys[0] = "order";
		o.vals[0] = "sjbf";
		o.nparams = 1;
	}
	cs_compat_apply("pyss", o.policy, &o.wconv, &o.econv);
	cs_run_result r;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_run(&o, &r, err, sizeof err), 0, "%s", err);
	cr_assert_eq(r.njobs, want_jobs);
	sched_row *rows = malloc(r.njobs * sizeof *rows);
	for (size_t i = 0; i < r.njobs; i++)
		rows[i] = (sched_row){ r.jobs[i].id, r.jobs[i].start_s, r.jobs[i].end_s };
	qsort(rows, r.njobs, sizeof *rows, row_cmp);
	uLong crc = crc32(0L, Z_NULL, 0);
	for (size_t i = 0; i < r.njobs; i++) {
		char b[96];
		int n = snprintf(b, sizeof b, "%lld,%lld,%lld\n", (long long)rows[i].id,
				 (long long)rows[i].start, (long long)rows[i].end);
		crc = crc32(crc, (const Bytef *)b, (uInt)n);
	}
	char got[16];
	snprintf(got, sizeof got, "%08lx", crc);
	cr_assert_str_eq(got, want_crc, "%s %s: schedule differs from pyss's", trace, policy);
	free(rows);
	cs_run_result_free(&r);
}
