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

/* text[0..len) into a new file from the template path (ending in
 * ".txt"): gzip-compressed if gz, else plain (zlib's transparent mode). */
static void write_text(char *path, const char *text, size_t len, int gz)
{
	int fd = mkstemps(path, 4);
	cr_assert_geq(fd, 0);
	gzFile g = gzdopen(fd, gz ? "wb" : "wbT");
	cr_assert_eq(gzwrite(g, text, (unsigned)len), (int)len);
	cr_assert_eq(gzclose(g), Z_OK);
}

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

/* Lines of every length from 0 to past twice the read block, some with
 * "\r\n" and the last without "\n", plain and gzipped: each comes back as
 * written, the block boundaries falling anywhere inside them. */
Test(lines, every_line_comes_back_across_block_boundaries)
{
	enum { N = 400 };
	size_t lens[N];
	unsigned x = 12345;
	size_t total = 0;
	for (int i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		lens[i] = i % 50 == 7 ? 3 * CS_LINES_BLOCK + (x >> 8) % 1000 : (x >> 8) % 3000;
		total += lens[i] + 2;
	}
	char *text = malloc(total + 1);
	size_t off = 0;
	for (int i = 0; i < N; i++) {
		for (size_t k = 0; k < lens[i]; k++)
			text[off++] = (char)('a' + (i + k) % 26);
		if (i % 3 == 1)
			text[off++] = '\r';
		if (i != N - 1)
			text[off++] = '\n';
	}
	for (int gz = 0; gz < 2; gz++) {
		char path[] = "/tmp/capsim-lines-XXXXXX.txt";
		write_text(path, text, off, gz);
		cs_lines l;
		char err[CS_ERRLEN] = "";
		cr_assert_eq(cs_lines_open(&l, path, err, sizeof err), 0, "%s", err);
		char *line;
		size_t len;
		for (int i = 0; i < N; i++) {
			cr_assert_eq(cs_lines_next(&l, &line, &len, err, sizeof err), 1, "line %d: %s", i + 1, err);
			cr_assert_eq(len, lens[i], "line %d (gz %d)", i + 1, gz);
			cr_assert_eq(l.lineno, (uint32_t)i + 1);
			cr_assert_eq(line[len], '\0');
			for (size_t k = 0; k < len; k++)
				cr_assert_eq(line[k], (char)('a' + (i + k) % 26), "line %d byte %zu", i + 1, k);
		}
		cr_assert_eq(cs_lines_next(&l, &line, &len, err, sizeof err), 0, "%s", err);
		cs_lines_close(&l);
		unlink(path);
	}
	free(text);
}

/* A NUL byte anywhere in a line, not only at its start, is an error naming
 * the line: never a line cut at the NUL or joined to the next. */
Test(lines, a_nul_byte_inside_a_line_is_an_error)
{
	static const char text[] = "ab\ncd\0ef\ngh\n";
	char path[] = "/tmp/capsim-nul-XXXXXX.txt";
	int fd = mkstemps(path, 4);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	cs_lines l;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_lines_open(&l, path, err, sizeof err), 0, "%s", err);
	char *line;
	size_t len;
	cr_assert_eq(cs_lines_next(&l, &line, &len, err, sizeof err), 1);
	cr_assert_str_eq(line, "ab");
	cr_assert_eq(cs_lines_next(&l, &line, &len, err, sizeof err), -CS_EPARSE);
	cr_expect(strstr(err, ":2: a NUL byte in the line"), "%s", err);
	cs_lines_close(&l);
	unlink(path);
}

/* cs_lines_split_len, which searches a word at a time, splits each line
 * cs_lines_next returns as cs_lines_split does (the same fields, the same
 * count, max + 1 past max fields), its lengths those of the fields: lines
 * of every length to 100 of separators, empty fields, bytes near the
 * separator's ('+', '-', 0x01, 0xff), the last line without "\n". */
Test(lines, a_line_split_a_word_at_a_time_is_split_as_before)
{
	enum { N = 5000 };
	static const char alphabet[] = ",,,,ab-+\x01\xff\x7f" "0123456789";
	char *text = malloc((size_t)N * 102), path[] = "/tmp/capsim-split-XXXXXX.csv";
	size_t off = 0;
	unsigned x = 99;
	for (int i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		size_t len = (x >> 16) % 101;
		for (size_t k = 0; k < len; k++) {
			x = x * 1103515245u + 12345u;
			text[off++] = alphabet[(x >> 16) % (sizeof alphabet - 1)];
		}
		if (i != N - 1)
			text[off++] = '\n';
	}
	int fd = mkstemps(path, 4);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, off), (ssize_t)off);
	close(fd);
	cs_lines l;
	char err[CS_ERRLEN] = "";
	cr_assert_eq(cs_lines_open(&l, path, err, sizeof err), 0, "%s", err);
	char *line, copy[128];
	size_t len;
	for (int i = 0; i < N; i++) {
		cr_assert_eq(cs_lines_next(&l, &line, &len, err, sizeof err), 1, "line %d: %s", i + 1, err);
		memcpy(copy, line, len + 1);
		size_t max = i % 2 ? 64 : 5, lens[64];
		char *a[64], *b[64];
		size_t na = cs_lines_split(copy, ',', a, max), nb = cs_lines_split_len(line, ',', b, lens, max);
		cr_assert_eq(nb, na, "line %d", i + 1);
		for (size_t k = 0; k < (na > max ? max : na); k++) {
			cr_assert_str_eq(b[k], a[k], "line %d field %zu", i + 1, k);
			cr_assert_eq(b[k] - line, a[k] - copy, "line %d field %zu", i + 1, k);
			cr_assert_eq(lens[k], strlen(a[k]), "line %d field %zu", i + 1, k);
		}
	}
	cr_assert_eq(cs_lines_next(&l, &line, &len, err, sizeof err), 0, "%s", err);
	cs_lines_close(&l);
	unlink(path);
	free(text);
}

/* cs_lines_progress on a plain file: after each line, the bytes up to
 * and with its "\n" (done) and the rest of the file (left), the lines
 * long enough to cross the read blocks; on a gzip stream: -1 (its size
 * is not known). */
Test(lines, progress_counts_the_bytes_of_the_lines_returned)
{
	enum { N = 300 };
	size_t lens[N], total = 0;
	unsigned x = 7;
	for (int i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		lens[i] = i % 40 == 3 ? CS_LINES_BLOCK + (x >> 8) % 5000 : (x >> 8) % 2000;
		total += lens[i] + 1;
	}
	char *text = malloc(total);
	for (size_t i = 0, off = 0; i < N; i++) {
		memset(text + off, 'a' + (int)(i % 26), lens[i]);
		off += lens[i];
		text[off++] = '\n';
	}
	for (int gz = 0; gz < 2; gz++) {
		char path[] = "/tmp/capsim-progress-XXXXXX.txt";
		write_text(path, text, total, gz);
		cs_lines l;
		char err[CS_ERRLEN] = "", *line;
		size_t len, at = 0;
		uint64_t done, left;
		cr_assert_eq(cs_lines_open(&l, path, err, sizeof err), 0, "%s", err);
		for (int i = 0; i < N; i++) {
			cr_assert_eq(cs_lines_next(&l, &line, &len, err, sizeof err), 1, "line %d: %s", i + 1, err);
			at += lens[i] + 1;
			if (gz) {
				cr_assert_eq(cs_lines_progress(&l, &done, &left), -1, "line %d", i + 1);
				continue;
			}
			cr_assert_eq(cs_lines_progress(&l, &done, &left), 0, "line %d", i + 1);
			cr_assert_eq(done, at, "line %d", i + 1);
			cr_assert_eq(left, total - at, "line %d", i + 1);
		}
		cs_lines_close(&l);
		unlink(path);
	}
	free(text);
}

/* The native reader sizes its record table from the file's size at the
 * rate of its first 4096 records: short first lines guess too many (the
 * table is never written past its records), long first lines too few (it
 * grows by doubling from the guess). Every record is read as written. */
Test(lines, a_record_table_sized_by_a_guess_holds_every_record)
{
	for (int longfirst = 0; longfirst < 2; longfirst++) {
		enum { N = 20000 };
		char path[] = "/tmp/capsim-guess-XXXXXX.csv";
		int fd = mkstemps(path, 4);
		cr_assert_geq(fd, 0);
		FILE *f = fdopen(fd, "w");
		fputs(TH_CSV_HDR, f);
		for (int i = 1; i <= N; i++) {
			int pad = (i <= 4096) == longfirst ? 1 : 0;
			fprintf(f, "%d,%s%d,u%d,%d,1,1,0,0,%d,%d,,,completed\n", i,
				pad ? "a-project-with-a-long-name-to-make-the-first-lines-wide-" : "p", i % 7, i % 13,
				i * 10, 100 + i, 50 + i);
		}
		cr_assert_eq(fclose(f), 0);
		cs_trace t;
		char err[CS_ERRLEN] = "";
		cs_trace_init(&t);
		cr_assert_eq(cs_native_read(&t, path, err, sizeof err), 0, "%s", err);
		cr_assert_eq(t.n, N);
		cr_assert_geq(t.cap, t.n);
		for (int i = 1; i <= N; i++) {
			const cs_jrec *r = &t.jobs[i - 1];
			cr_assert_eq(r->id, i);
			cr_assert_eq(r->submit_s, i * 10);
			cr_assert_eq(r->time_limit_s, 100 + i);
			cr_assert_eq(r->runtime_s, 50 + i, "record %d (long first lines %d)", i, longfirst);
			cr_assert_eq(r->line, (uint32_t)i + 1);
		}
		if (!longfirst)
			cr_expect_gt(t.cap, 2 * (size_t)N, "short first lines guess more than there are");
		cs_trace_free(&t);
		unlink(path);
	}
}
