/* capsim: basic types and error codes shared by every module. */
#ifndef CAPSIM_TYPES_H
#define CAPSIM_TYPES_H

#include <stddef.h>
#include <stdint.h>

/* capsim's version: `capsim --version` prints it, summary.json records it. */
#define CS_VERSION "0.9.0"

/* Simulated time: integer seconds (since the trace's first submit, or as
 * given by the workload). Never a float. */
typedef int64_t cs_time;

#define CS_TIME_MAX INT64_MAX

/* The largest submit time, run time, time limit or wait a workload may
 * hold: 2^40 s (about 34,800 years). The readers refuse larger values, so
 * the engine's sums (a start plus a run time, the queue's run times one
 * after another) stay far from overflow; the engine checks the total too. */
#define CS_TIME_LIMIT ((int64_t)1 << 40)

/* Error codes: functions return 0 or the negative of one of these, and
 * write a one-line message (FILE:LINE: field: what is wrong) into a
 * caller-provided buffer. Only the command layer prints. */
enum {
	CS_EINVAL = 1, /* bad argument or option value */
	CS_ENOMEM = 2, /* allocation failed */
	CS_EIO = 3,    /* file missing, unreadable or empty */
	CS_EPARSE = 4, /* malformed input */
	CS_ENOFIT = 5, /* request does not fit now */
	CS_EABI = 6    /* plugin built for another ABI */
};

#define CS_ERRLEN 512

/* What an error code says ("out of memory"; sim/types.c), for a code or its
 * negation. */
const char *cs_strerror(int err);

#endif
