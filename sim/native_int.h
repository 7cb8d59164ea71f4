/* capsim: the native CSV reader's two paths (sim/native.c). Private to
 * sim/ and its tests. */
#ifndef CAPSIM_SIM_NATIVE_INT_H
#define CAPSIM_SIM_NATIVE_INT_H

#include "capsim/trace.h"

#include <stddef.h>

/* cs_native_read, its record lines read in one pass where they can be
 * (fast) or all by the general path that splits the line first (!fast):
 * the same trace, return code and message either way. */
int cs_native_read_with(cs_trace *t, const char *path, int fast, char *err, size_t errlen);

#endif
