/* capsim: job ids as a reader reads them, to refuse duplicates (the SWF and
 * native readers) (sim/idset.c). Private to sim/. */
#ifndef CAPSIM_SIM_IDSET_H
#define CAPSIM_SIM_IDSET_H

#include <stddef.h>
#include <stdint.h>

/* Push each record's id and line, then check once at the end. */
typedef struct cs_idset {
	struct cs_idline { int64_t id; uint32_t line; } *v;
	size_t n, cap;
} cs_idset;
int cs_idset_push(cs_idset *s, int64_t id, uint32_t line); /* 0 or -CS_ENOMEM */
/* 0, or -CS_EPARSE with "PATH:LINE: FIELD: job id N already on line M"
 * for the duplicate found first in the file; -CS_ENOMEM. Frees s. */
int cs_idset_check(cs_idset *s, const char *path, const char *field, char *err, size_t errlen);
void cs_idset_free(cs_idset *s);

#endif
