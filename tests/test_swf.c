/* SWF (sim/swf.c, sim/swf_write.c): the reader's fields, headers, gzip and
 * every kind of bad line, and a round trip through the writers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "capsim/swf.h"
#include "helpers.h"

Test(swf, reads_all_18_fields_headers_and_decimals)
{
	char *p = th_write_tmp("; Version: 2.2\n; MaxNodes: 64\n; MaxProcs: 128\n; UnixStartTime: 893466664\n"
			       ";\n\n"
			       "   27   584826   6324     40    8   7.38    -1    8   1200    -1  1  34   7 13662  3 -1 -1 -1\r\n"
			       "28 584832 6361 311 8 259.00 12.5 16 2400 1024.5 0 35 8 9 2 4 27 60",
			       ".swf");
	cs_swf s;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_swf_read(p, &s, err, sizeof err), 0, "%s", err);
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.hdr.max_nodes, 64);
	cr_assert_eq(s.hdr.max_procs, 128);
	cr_assert_eq(s.hdr.unix_start, 893466664);
	const cs_swf_rec *r = &s.recs[1];
	cr_assert_eq(r->job, 28);
	cr_assert_eq(r->submit, 584832);
	cr_assert_eq(r->wait, 6361);
	cr_assert_eq(r->runtime, 311);
	cr_assert_eq(r->alloc_procs, 8);
	cr_assert_float_eq(r->avg_cpu, 259.0, 1e-9);
	cr_assert_float_eq(r->used_mem, 12.5, 1e-9);
	cr_assert_eq(r->req_procs, 16);
	cr_assert_eq(r->req_time, 2400);
	cr_assert_float_eq(r->req_mem, 1024.5, 1e-9);
	cr_assert_eq(r->status, 0);
	cr_assert_eq(r->user, 35);
	cr_assert_eq(r->group, 8);
	cr_assert_eq(r->exe, 9);
	cr_assert_eq(r->queue, 2);
	cr_assert_eq(r->partition, 4);
	cr_assert_eq(r->prev_job, 27);
	cr_assert_eq(r->think, 60);
	cr_assert_eq(r->line, 8);
	cr_assert_eq(s.recs[0].line, 7);
	cr_assert_float_eq(s.recs[0].avg_cpu, 7.38, 1e-9);
	cs_swf_free(&s);
	th_unlink(p);
}

Test(swf, reads_gzip_the_same_as_plain)
{
	const char *text = "; MaxProcs: 4\n" SWF_JOB(1, 0, 10, 2, 20) SWF_JOB(2, 5, 10, 4, 20);
	char *plain = th_write_tmp(text, ".swf");
	char gzpath[] = "/tmp/capsim-test-XXXXXX.swf.gz";
	int fd = mkstemps(gzpath, 7);
	gzFile g = gzdopen(fd, "wb");
	gzputs(g, text);
	gzclose(g);
	cs_swf a, b;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_swf_read(plain, &a, err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_swf_read(gzpath, &b, err, sizeof err), 0, "%s", err);
	cr_assert_eq(a.n, 2);
	cr_assert_eq(b.n, 2);
	cr_assert_eq(b.hdr.max_procs, 4);
	cr_assert_eq(memcmp(a.recs, b.recs, 2 * sizeof *a.recs), 0);
	cs_swf_free(&a);
	cs_swf_free(&b);
	th_unlink(plain);
	remove(gzpath);
}

static void expect_error(const char *text, int code, const char *want)
{
	char *p = th_write_tmp(text, ".swf");
	cs_swf s;
	char err[CS_ERRLEN] = "";
	int rc = cs_swf_read(p, &s, err, sizeof err);
	cr_assert_eq(rc, code, "rc %d, want %d (%s)", rc, code, err);
	/* the message names the file, then what was expected */
	cr_assert(strncmp(err, p, strlen(p)) == 0, "message should start with the path: %s", err);
	cr_assert(strstr(err, want), "message '%s' should contain '%s'", err, want);
	cr_assert_eq(s.n, 0);
	cr_assert_null(s.recs);
	th_unlink(p);
}

Test(swf, a_short_line_names_line_and_missing_field)
{
	expect_error("; MaxProcs: 4\n" SWF_JOB(1, 0, 10, 2, 20) "2 5 -1 10 4 -1 -1 4 20\n", -CS_EPARSE,
		     ":3: field 10 (requested memory): missing (the line has 9 fields, expected 18)");
}

Test(swf, a_long_line_is_an_error)
{
	expect_error("1 0 -1 10 2 -1 -1 2 20 -1 1 1 1 -1 -1 -1 -1 -1 99\n", -CS_EPARSE,
		     ":1: 19 fields or more, expected 18");
}

Test(swf, a_non_integer_field_names_field_and_value)
{
	expect_error("1 0 -1 1O 2 -1 -1 2 20 -1 1 1 1 -1 -1 -1 -1 -1\n", -CS_EPARSE,
		     ":1: field 4 (run time): '1O' is not an integer");
	expect_error("1 0 -1 10 2 -1 -1 2 20.5 -1 1 1 1 -1 -1 -1 -1 -1\n", -CS_EPARSE,
		     ":1: field 9 (requested time): '20.5' is not an integer");
	expect_error("1 0 -1 10 2 x -1 2 20 -1 1 1 1 -1 -1 -1 -1 -1\n", -CS_EPARSE,
		     ":1: field 6 (average CPU time): 'x' is not a number");
	expect_error("1 0 -1 99999999999999999999 2 -1 -1 2 20 -1 1 1 1 -1 -1 -1 -1 -1\n", -CS_EPARSE,
		     "field 4 (run time): '99999999999999999999' is not an integer of at most 18 digits");
}

/* Times the engine adds are bounded at the reader (they overflowed
 * now + runtime before: a utilization of 1e12). */
Test(swf, a_time_beyond_2_40_seconds_is_an_error)
{
	expect_error("1 0 -1 999999999999999999 2 -1 -1 2 20 -1 1 1 1 -1 -1 -1 -1 -1\n", -CS_EPARSE,
		     ":1: field 4 (run time): 999999999999999999 is not a time within +-2^40 s");
	expect_error("1 1099511627777 -1 10 2 -1 -1 2 20 -1 1 1 1 -1 -1 -1 -1 -1\n", -CS_EPARSE,
		     ":1: field 2 (submit time): 1099511627777 is not a time");
	expect_error("1 0 -1 10 2 -1 -1 2 -1099511627777 -1 1 1 1 -1 -1 -1 -1 -1\n", -CS_EPARSE,
		     ":1: field 9 (requested time)");
	/* 2^40 itself is taken */
	char *p = th_write_tmp("1 0 -1 1099511627776 2 -1 -1 2 1099511627776 -1 1 1 1 -1 -1 -1 -1 -1\n", ".swf");
	cs_swf s;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_swf_read(p, &s, err, sizeof err), 0, "%s", err);
	cr_assert_eq(s.recs[0].runtime, 1099511627776LL);
	cs_swf_free(&s);
	th_unlink(p);
}

Test(swf, a_bad_header_value_is_an_error)
{
	expect_error("; MaxProcs: many\n" SWF_JOB(1, 0, 10, 2, 20), -CS_EPARSE,
		     ":1: header MaxProcs: 'many' is not an integer");
}

Test(swf, empty_and_comment_only_files_are_errors)
{
	expect_error("", -CS_EIO, ": empty file");
	expect_error("; MaxProcs: 4\n;\n\n", -CS_EPARSE, ": no job lines");
}

Test(swf, binary_data_is_an_error)
{
	char text[] = "1 0 -1 10 2 -1 -1 2 20 -1 1 1 1 -1 -1 -1 -1 -1\nX\n";
	text[48] = 0; /* a NUL on line 2 */
	char path[] = "/tmp/capsim-test-XXXXXX.swf";
	int fd = mkstemps(path, 4);
	cr_assert_eq(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	cs_swf s;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_swf_read(path, &s, err, sizeof err), -CS_EPARSE);
	cr_assert(strstr(err, ":2: NUL byte"), "%s", err);
	remove(path);
}

Test(swf, a_missing_file_is_an_error)
{
	cs_swf s;
	char err[CS_ERRLEN];
	cr_assert_eq(cs_swf_read("/nonexistent/trace.swf", &s, err, sizeof err), -CS_EIO);
	cr_assert_str_eq(err, "/nonexistent/trace.swf: cannot open: No such file or directory");
}

Test(swf, a_truncated_gzip_is_an_error_not_a_short_trace)
{
	/* compress a trace, then cut the file in the middle of the stream */
	char path[] = "/tmp/capsim-test-XXXXXX.swf.gz";
	int fd = mkstemps(path, 7);
	gzFile g = gzdopen(fd, "wb");
	for (int i = 1; i <= 2000; i++)
		gzprintf(g, "%d %d -1 10 2 -1 -1 2 20 -1 1 1 1 -1 -1 -1 -1 -1\n", i, i * 7);
	gzclose(g);
	size_t len;
	char *all = th_slurp(path, &len);
	FILE *f = fopen(path, "wb");
	fwrite(all, 1, len / 2, f);
	fclose(f);
	free(all);
	cs_swf s;
	char err[CS_ERRLEN] = "";
	int rc = cs_swf_read(path, &s, err, sizeof err);
	cr_assert_eq(rc, -CS_EIO, "a cut gzip must not read as a shorter trace (rc %d, %zu jobs)", rc, s.n);
	cr_assert(strstr(err, "cannot read"), "%s", err);
	remove(path);
}

Test(swf, decimal_fields_read_exactly_as_strtod_does)
{
	/* the reader's fast decimal path must give strtod's correctly rounded
	 * value, bit for bit, on random decimals of every length */
	unsigned long long s = 88172645463325252ULL;
	char line[256], num[64], err[CS_ERRLEN];
	for (int i = 0; i < 20000; i++) {
		s ^= s << 13; s ^= s >> 7; s ^= s << 17;
		int ip = (int)(s % 1000000), fd = (int)((s >> 20) % 9);
		unsigned long long fr = (s >> 24) % 1000000000ULL;
		if (fd)
			snprintf(num, sizeof num, "%s%d.%0*llu", (s >> 60) & 1 ? "-" : "", ip, fd,
				 fr % (unsigned long long)(fd == 9 ? 1000000000ULL : 1ULL * (unsigned long long)__builtin_powi(10.0, fd)));
		else
			snprintf(num, sizeof num, "%d", ip);
		snprintf(line, sizeof line, "1 0 -1 10 2 %s -1 2 20 -1 1 1 1 -1 -1 -1 -1 -1", num);
		cs_swf_rec r;
		cr_assert_eq(cs_swf_parse_line("t", 1, line, strlen(line), &r, err, sizeof err), 0, "%s", err);
		double want = strtod(num, NULL);
		cr_assert(memcmp(&r.avg_cpu, &want, sizeof want) == 0, "%s: %.17g != %.17g", num, r.avg_cpu, want);
	}
}

/* Duplicate job numbers are refused, as the sacct and Batsim readers do:
 * the first repeat in the file is named with the line it repeats. */
Test(swf, a_duplicate_job_number_is_an_error)
{
	expect_error("; MaxProcs: 4\n" SWF_JOB(1, 0, 10, 2, 20) SWF_JOB(2, 1, 10, 2, 20) SWF_JOB(3, 2, 10, 2, 20)
		     SWF_JOB(2, 3, 10, 2, 20) SWF_JOB(1, 4, 10, 2, 20), -CS_EPARSE,
		     ":5: field 1 (job number): job id 2 already on line 3: job ids must be unique");
}

/* SWF -> capsim CSV -> SWF keeps every field the replay uses: the EASY
 * schedule of the round-tripped KTH trace is the original's, job for job. */
Test(swf, swf_native_swf_round_trip_keeps_the_schedule)
{
	char src[1024];
	snprintf(src, sizeof src, "%s/traces/pwa/KTH-SP2-1996-2.swf.gz", th_shared());
	char *csv = th_write_tmp("", ".csv"), *swf = th_write_tmp("", ".swf");
	char *out, *err;
	cr_assert_eq(th_exec((const char *const[]){ "workload", "convert", src, "--out", csv, NULL }, &out, &err), 0,
		     "%s", err);
	free(out);
	free(err);
	cr_assert_eq(th_exec((const char *const[]){ "workload", "convert", csv, "--out", swf, NULL }, &out, &err), 0,
		     "%s", err);
	free(out);
	free(err);
	cs_run_result a, b;
	cs_run_opts o;
	char e[CS_ERRLEN] = "";
	cs_run_opts_default(&o);
	o.workload = src;
	cr_assert_eq(cs_run(&o, &a, e, sizeof e), 0, "%s", e);
	o.workload = swf;
	cr_assert_eq(cs_run(&o, &b, e, sizeof e), 0, "%s", e);
	cr_assert_eq(a.machine.procs, b.machine.procs);
	cr_assert_eq(a.njobs, b.njobs);
	for (size_t i = 0; i < a.njobs; i++) {
		cr_assert_eq(a.jobs[i].id, b.jobs[i].id);
		cr_assert_eq(a.jobs[i].start_s, b.jobs[i].start_s, "job %lld", (long long)a.jobs[i].id);
		cr_assert_eq(a.jobs[i].end_s, b.jobs[i].end_s);
	}
	cs_run_result_free(&a);
	cs_run_result_free(&b);
	th_unlink(csv);
	th_unlink(swf);
}
