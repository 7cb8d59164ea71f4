/* capsim: an interned list of names (sim/names.c): index <-> string, as a
 * trace keeps its projects, users, QoS and partitions. */
#ifndef CAPSIM_NAMES_H
#define CAPSIM_NAMES_H

#include "capsim/types.h"

typedef struct cs_names {
	char **v;
	size_t n, cap;
	uint32_t *hash; /* open addressing over indices + 1; size hcap (power of 2) */
	size_t hcap;
} cs_names;

/* Index of s[0..len) in ns, adding it if new: >= 0, or -CS_ENOMEM. */
int32_t cs_names_intern(cs_names *ns, const char *s, size_t len);
/* Index of s, or -1. */
int32_t cs_names_find(const cs_names *ns, const char *s);
/* The name at i, or "" for i < 0. */
const char *cs_names_get(const cs_names *ns, int32_t i);
void cs_names_free(cs_names *ns);

#endif
