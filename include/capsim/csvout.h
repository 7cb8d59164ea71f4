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

/* ---- rows built in memory ------------------------------------------------
 * The cs_put_* functions write a field at p and return the byte after it
 * (no NUL): the same bytes as the cs_csv_* function of the same name. A
 * row is built in a cs_wbuf's room (cs_wbuf_room: enough for its longest
 * form, the maxima below) and handed to stdio a block at a time, instead
 * of a dozen stdio calls per row. */
/* The most bytes each may touch (a NUL written past the field counted). */
#define CS_PUT_INT_MAX 20                /* "-9223372036854775808" */
#define CS_PUT_FIXED_MAX CS_FMT_FIXED_LEN /* printf's "%.*f" where it goes printf's way */
#define CS_PUT_UTC_MAX 32                /* 20 for years of four digits */
char *cs_put_int(char *p, int64_t v);
char *cs_put_fixed(char *p, double x, int prec);
char *cs_put_utc(char *p, int64_t epoch, int64_t t);
/* The text cs_put_fixed(x, prec) writes, read back as a run's files are
 * read (sim/field.h: cs_field_decimal, the double nearest a decimal of up
 * to 15 digits), without the text: 0 and *v, or -1 where the text must be
 * written and read (printf's way, or more digits). */
int cs_fixed_value(double x, int prec, double *v);
/* s (len bytes) as cs_csv_field writes it: at most 2 * len + 2 bytes. */
char *cs_put_field(char *p, const char *s, size_t len);

/* An output file's bytes on their way to stdio. */
typedef struct cs_wbuf {
	FILE *f;
	char *buf, *p; /* the buffer; where the next byte goes */
	size_t cap;
	int oom;       /* a row did not fit and the buffer could not grow */
} cs_wbuf;
/* A buffer in front of f (its writes go to f in blocks of up to 128 KiB). */
void cs_wbuf_init(cs_wbuf *w, FILE *f);
/* Where up to n bytes may go now (earlier rows passed to stdio first);
 * the caller puts them there and sets w->p past them. NULL when out of
 * memory (w->oom set). */
char *cs_wbuf_room(cs_wbuf *w, size_t n);
/* The rows so far to stdio (before a write to the FILE itself). */
void cs_wbuf_flush(cs_wbuf *w);
/* The rows so far to stdio, and the buffer freed: 0, or -CS_ENOMEM if a
 * row was lost for want of memory. */
int cs_wbuf_finish(cs_wbuf *w);

/* Open DIR/NAME for writing (its path into path, plen bytes): the file, or
 * NULL with "PATH: cannot write: REASON" in err. */
FILE *cs_csv_open(const char *dir, const char *name, char *path, size_t plen, char *err, size_t errlen);
/* Close an output opened so: 0, or -CS_EIO with "PATH: write failed:
 * REASON" if any write or the close failed. */
int cs_csv_close(FILE *f, const char *path, char *err, size_t errlen);
/* End an output written through w (opened by cs_csv_open): the buffer's
 * rest written and freed, the file closed (cs_csv_close). rc < 0 (a row
 * lost for want of memory, the caller's or the buffer's) comes first, as
 * "out of memory"; else cs_csv_close's result. */
int cs_wbuf_close(cs_wbuf *w, int rc, const char *path, char *err, size_t errlen);

#endif
