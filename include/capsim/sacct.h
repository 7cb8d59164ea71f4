/* capsim: reading Slurm accounting records (`sacct --parsable2` output)
 * into a cs_trace (sim/fmt_sacct.c). The rules are in docs/sacct.md. */
#ifndef CAPSIM_SACCT_H
#define CAPSIM_SACCT_H

#include "capsim/trace.h"

/* Job ids. A plain Slurm job id J (1 <= J < 2^32) stays J. Array tasks and
 * het-job components are packed into ranges no plain id can reach, so two
 * different JobIDs never give the same id:
 *   J_T (array task T)        -> CS_SACCT_ARRAY_BASE + J * CS_SACCT_SLOT + T
 *   J+O (het component O)     -> CS_SACCT_HET_BASE   + J * CS_SACCT_SLOT + O
 * with T, O < CS_SACCT_SLOT. In decimal: 1JJJJJJJJJJTTTTTTT (J zero-padded). */
#define CS_SACCT_SLOT 10000000LL               /* 10^7 > Slurm's MaxArraySize limit */
#define CS_SACCT_ARRAY_BASE 100000000000000000LL /* 10^17 > (2^32 - 1) * 10^7 + 10^7 */
#define CS_SACCT_HET_BASE 200000000000000000LL

/* Read sacct --parsable2 (or --parsable) output, plain or gzip, into t
 * (empty, from cs_trace_init). Job steps are skipped and counted in the
 * metadata "skipped_steps"; "source" (the path) and "epoch" are set too.
 * Records keep file order. On failure t is left empty. 0, or -CS_EIO /
 * -CS_ENOMEM / -CS_EPARSE with "FILE:LINE: column NAME: reason" in err. */
int cs_sacct_read(cs_trace *t, const char *path, char *err, size_t errlen);

#endif
