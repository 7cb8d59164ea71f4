/* capsim: writing the CSV outputs' fields (sim/csvout.c), as RFC 4180 and
 * ISO 8601 spell them. */
#ifndef CAPSIM_CSVOUT_H
#define CAPSIM_CSVOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* s, quoted (its quotes doubled) when it holds a comma, a quote or a line break. */
void cs_csv_field(FILE *f, const char *s);
/* v in decimal, as "%lld" writes it (without a format to read: the
 * outputs write millions). */
void cs_csv_int(FILE *f, int64_t v);
/* sep, then v[0], sep, v[1], ... sep, v[n-1]: n fields after a separator. */
void cs_csv_ints(FILE *f, char sep, const int64_t *v, size_t n);

/* x as "%.*f" writes it with precision prec, byte for byte (rounded half
 * to even from x's exact value), into buf (CS_FMT_FIXED_LEN bytes,
 * NUL-terminated); its length. Not locale-dependent: the C locale's
 * decimal point, as capsim runs in. */
#define CS_FMT_FIXED_LEN 352
size_t cs_fmt_fixed(char *buf, double x, int prec);
/* x as "%.*f" writes it with precision prec. */
void cs_csv_fixed(FILE *f, double x, int prec);

/* epoch + t as ISO 8601 UTC (2024-03-01T08:00:00Z); nothing when epoch is
 * 0 (the workload has no calendar) or t < 0 (never happened). */
void cs_csv_utc(FILE *f, int64_t epoch, int64_t t);
/* The same into buf (len >= 21), "" when there is nothing to write. */
void cs_utc_string(char *buf, size_t len, int64_t epoch, int64_t t);

/* Open DIR/NAME for writing (its path into path, plen bytes): the file, or
 * NULL with "PATH: cannot write: REASON" in err. */
FILE *cs_csv_open(const char *dir, const char *name, char *path, size_t plen, char *err, size_t errlen);
/* Close an output opened so: 0, or -CS_EIO with "PATH: write failed" if
 * any write or the close failed. */
int cs_csv_close(FILE *f, const char *path, char *err, size_t errlen);

#endif
