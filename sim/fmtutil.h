/* capsim: helpers the workload readers share (sim/fmtutil.c). Private to
 * sim/. */
#ifndef CAPSIM_SIM_FMTUTIL_H
#define CAPSIM_SIM_FMTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "capsim/trace.h"

/* The bounds the native format accepts, so every trace read writes back. */
#define CS_FMT_MAX_GPUS_PER_NODE 1024
#define CS_FMT_MAX_CORES_PER_NODE (1 << 20)

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (the
 * "days from civil" count over 400-year eras, March-based years so the
 * leap day ends a year). No mktime: nothing depends on TZ. */
int64_t cs_days_from_civil(int64_t y, int m, int d);
int cs_days_in_month(int64_t y, int m);

/* The length (1-4) of the well-formed UTF-8 sequence at s[0 .. len), its
 * code point in *cp; 0 if malformed, truncated, overlong, a surrogate or
 * above U+10FFFF. */
size_t cs_utf8_seq(const unsigned char *s, size_t len, uint32_t *cp);

/* Job ids as read, to refuse duplicates (as the sacct and Batsim readers
 * do): push each record's id and line, then check once at the end. */
typedef struct cs_idset {
	struct cs_idline { int64_t id; uint32_t line; } *v;
	size_t n, cap;
} cs_idset;
int cs_idset_push(cs_idset *s, int64_t id, uint32_t line); /* 0 or -CS_ENOMEM */
/* 0, or -CS_EPARSE with "PATH:LINE: FIELD: job id N already on line M"
 * for the duplicate found first in the file; -CS_ENOMEM. Frees s. */
int cs_idset_check(cs_idset *s, const char *path, const char *field, char *err, size_t errlen);
void cs_idset_free(cs_idset *s);

/* "PATH:LINE: column COL: <fmt...>" into err; returns -CS_EPARSE. */
int cs_col_err(char *err, size_t errlen, const char *path, uint32_t line, const char *col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* An empty field, or pandas' / Python's marks for a missing value (None,
 * NaN, nan). */
int cs_is_missing(const char *s);

/* A decimal integer, optionally negative, nothing around it: 0 or -1. */
int cs_parse_int(const char *s, int64_t *v);

/* A header row f[0 .. n) of file path at line: col[c] = the field named
 * names[c] (c < nnames). Every name must be there once; a field naming
 * none of them is an error unless allow_unknown. Errors read "PATH:LINE:
 * header: column X is missing (HAS)", "... appears twice" and "unknown
 * column "X" (HAS)", where HAS says what the format's header holds.
 * 0 or -CS_EPARSE. */
int cs_header_columns(const char *path, uint32_t line, char *const *f, size_t n, const char *const *names,
		      int nnames, int allow_unknown, const char *has, int *col, char *err, size_t errlen);

/* Metadata entry KEY = the count v. 0 or -CS_ENOMEM. */
int cs_meta_count(cs_trace *t, const char *key, uint64_t v);

#endif
