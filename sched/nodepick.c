/* capsim: a node type's locality groups. See nodepick.h. */
#include "nodepick.h"

#include <stdlib.h>
#include <string.h>

#define B2(n) n, n + 1, n + 1, n + 2
#define B4(n) B2(n), B2(n + 1), B2(n + 1), B2(n + 2)
#define B6(n) B4(n), B4(n + 1), B4(n + 1), B4(n + 2)
const uint8_t cs_pop8[256] = { B6(0), B6(1), B6(1), B6(2) };

int cs_nodepick_init(cs_nodepick *p, const cs_alloc_type *t)
{
	memset(p, 0, sizeof *p);
	/* group ids in order of first appearance: GPUs' first, then cores' */
	int idx[256];
	for (unsigned i = 0; i < 256; i++)
		idx[i] = -1;
	for (unsigned i = 0; i < t->gpus; i++) {
		uint8_t id = t->gpu_group[i];
		if (idx[id] < 0)
			idx[id] = p->n++;
		p->gmask[idx[id]] |= (uint16_t)(1u << i);
		p->gpu_grp[i] = (uint8_t)idx[id];
	}
	p->ngpu = p->n;
	if (t->cores == 0 || t->cores > CS_ALLOC_MAX_CORES)
		return 0; /* no core mask: cores are a count */
	p->cw = (uint8_t)((t->cores + 63) / 64);
	for (unsigned i = 0; i < t->cores; i++)
		if (idx[t->core_group[i]] < 0)
			idx[t->core_group[i]] = p->n++;
	p->cmask = calloc(p->n ? p->n : 1, sizeof *p->cmask);
	if (!p->cmask)
		return -CS_ENOMEM;
	for (unsigned i = 0; i < t->cores; i++) {
		p->cmask[idx[t->core_group[i]]][i / 64] |= 1ULL << (i % 64);
		p->all[i / 64] |= 1ULL << (i % 64);
	}
	return 0;
}

void cs_nodepick_free(cs_nodepick *p)
{
	free(p->cmask);
	p->cmask = NULL;
}
