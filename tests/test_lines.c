/* The line reader (sim/lines.c) that the native, sacct, PAI and Helios
 * readers share, through the native reader: a truncated gzip stream and a
 * line over the cap are errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "capsim/lines.h"
#include "capsim/native.h"
#include "helpers.h"

/* A gzipped native CSV of 2,000 jobs cut short is an error naming the file
 * and the line where the data ends, never a shorter workload (the line
 * reader is the native, sacct, PAI and Helios readers' one). */
Test(lines, a_truncated_gzip_file_is_an_error_not_a_shorter_workload)
{
	char path[] = "/tmp/capsim-trunc-XXXXXX.csv.gz";
	int fd = mkstemps(path, 7);
	cr_assert_geq(fd, 0);
	gzFile g = gzdopen(fd, "wb");
	gzputs(g, TH_CSV_HDR);
	for (int i = 1; i <= 2000; i++)
		gzprintf(g, "%d,p%d,u%d,%d,1,1,0,0,%d,%d,,,completed\n", i, i % 7, i % 13, i * 10, 100 + i, 50 + i);
	cr_assert_eq(gzclose(g), Z_OK);
	cs_trace t;
	char err[CS_ERRLEN] = "";
	cs_trace_init(&t);
	cr_assert_eq(cs_native_read(&t, path, err, sizeof err), 0, "%s", err);
	cr_assert_eq(t.n, 2000);
	cs_trace_free(&t);
	size_t len;
	char *all = th_slurp(path, &len);
	cr_assert_gt(len, 4000);
	size_t cuts[] = { len / 3, len / 2, len - 9, len - 1 }; /* inside the stream, and in its trailer */
	for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
		FILE *f = fopen(path, "wb");
		cr_assert_eq(fwrite(all, 1, cuts[k], f), cuts[k]);
		fclose(f);
		cs_trace_init(&t);
		int rc = cs_native_read(&t, path, err, sizeof err);
		cr_expect_eq(rc, -CS_EIO, "cut at %zu of %zu bytes: rc %d (%zu jobs)", cuts[k], len, rc, t.n);
		cr_expect(strstr(err, path) && strstr(err, "truncated gzip data"), "%s", err);
		cr_expect_eq(t.n, 0, "nothing kept");
		cs_trace_free(&t);
	}
	free(all);
	unlink(path);
}

Test(lines, a_line_longer_than_the_cap_is_an_error)
{
	size_t n = CS_LINE_MAX + 10;
	char *text = malloc(n + 1);
	memset(text, 'x', n);
	text[n] = 0;
	cs_trace t;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(th_read_native(text, &t, err), -CS_EPARSE);
	cr_assert(strstr(err, ":1: line longer than 1048576 bytes"), "%s", err);
	cs_trace_free(&t);
	free(text);
}
