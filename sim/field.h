/* capsim: the fields of a text record as the readers parse them
 * (sim/field.c): a header row's columns, integers, missing values, and the
 * error that names a column. Private to sim/. */
#ifndef CAPSIM_SIM_FIELD_H
#define CAPSIM_SIM_FIELD_H

#include <stddef.h>
#include <stdint.h>

/* "PATH:LINE: column COL: <fmt...>" into err; returns -CS_EPARSE. */
int cs_field_err(char *err, size_t errlen, const char *path, uint32_t line, const char *col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* An empty field, or pandas' / Python's marks for a missing value (None,
 * NaN, nan). */
int cs_field_missing(const char *s);

/* A decimal integer, optionally negative, nothing around it: 0 or -1. */
int cs_field_int(const char *s, int64_t *v);

/* s[0 .. n) as [-]digits[.digits] with at most 15 digits: 0 and *v, the
 * double strtod reads from it; else -1 (*v left), and strtod must read it.
 * (strtod's general path is most of reading a file of decimals.) */
int cs_field_decimal(const char *s, size_t n, double *v);

/* A header row f[0 .. n) of file path at line: col[c] = the field named
 * names[c] (c < nnames). Every name must be there once; a field naming
 * none of them is an error unless allow_unknown. Errors read "PATH:LINE:
 * header: column X is missing (HAS)", "... appears twice" and "unknown
 * column "X" (HAS)", where HAS says what the format's header holds.
 * 0 or -CS_EPARSE. */
int cs_field_columns(const char *path, uint32_t line, char *const *f, size_t n, const char *const *names,
		     int nnames, int allow_unknown, const char *has, int *col, char *err, size_t errlen);

#endif
