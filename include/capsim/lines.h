/* capsim: reading text files line by line, plain or gzip, through zlib
 * (sim/lines.c), and splitting a line into its fields. */
#ifndef CAPSIM_LINES_H
#define CAPSIM_LINES_H

#include "capsim/types.h"

typedef struct cs_lines {
	void *gz;          /* gzFile */
	const char *path;
	char *buf;         /* the file read ahead: [pos, end) not yet returned */
	size_t cap, pos, end;
	int eof;
	uint32_t lineno;   /* of the line last returned, from 1 */
} cs_lines;
/* 0, or -CS_EIO with "PATH: reason" in err. */
int cs_lines_open(cs_lines *l, const char *path, char *err, size_t errlen);
/* The longest line the line reader takes (bytes, with its newline). */
#define CS_LINE_MAX (1 << 20)
/* Bytes read from the file at a time (zlib's buffer is half of it). */
#define CS_LINES_BLOCK (1 << 17)
/* Bytes past the NUL of a line cs_lines_next returns that a reader may
 * load (a word at a time): the next line's, or zeros past the file's data. */
#define CS_LINES_PAD 8
/* Next line without its "\n" (and "\r"), NUL-terminated, in l->buf (valid
 * until the next call), CS_LINES_PAD bytes readable past its NUL; *len its
 * length. 1: a line; 0: end of file; -CS_EIO (read error, a truncated or
 * corrupt gzip stream) or -CS_EPARSE (a NUL byte in the line, a line longer
 * than CS_LINE_MAX) with "PATH:LINE: reason" in err. */
int cs_lines_next(cs_lines *l, char **line, size_t *len, char *err, size_t errlen);
void cs_lines_close(cs_lines *l);
/* How far a plain (not gzip) regular file has been read: its bytes up to
 * the next line (*done) and after (*left). 0, or -1 where that is not
 * known (a gzip stream, no size from stat). For sizing a table ahead. */
int cs_lines_progress(const cs_lines *l, uint64_t *done, uint64_t *left);

/* Split a line in place on `sep` (no quoting: fields must not contain it);
 * at most max fields; returns the count, or max + 1 if there are more. */
size_t cs_lines_split(char *line, char sep, char **fields, size_t max);
/* cs_lines_split of a line cs_lines_next returned (CS_LINES_PAD bytes
 * readable past its NUL), searched a word at a time, with each field's
 * length in lens[]: the same fields and count. */
size_t cs_lines_split_len(char *line, char sep, char **fields, size_t *lens, size_t max);

#endif
