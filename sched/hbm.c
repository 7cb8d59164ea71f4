/* capsim: hierarchical bitmap. */
#include "hbm.h"

#include <stdlib.h>

int cs_hbm_init(cs_hbm *b, uint32_t n)
{
	b->n = n;
	b->lo = n;
	b->n0 = (n + 63) / 64;
	b->n1 = (b->n0 + 63) / 64;
	b->n2 = (b->n1 + 63) / 64;
	b->l0 = calloc(b->n0 ? b->n0 : 1, 8);
	b->l1 = calloc(b->n1 ? b->n1 : 1, 8);
	b->l2 = calloc(b->n2 ? b->n2 : 1, 8);
	if (!b->l0 || !b->l1 || !b->l2) {
		cs_hbm_free(b);
		return -CS_ENOMEM;
	}
	return 0;
}

void cs_hbm_free(cs_hbm *b)
{
	free(b->l0);
	free(b->l1);
	free(b->l2);
	b->l0 = b->l1 = b->l2 = NULL;
}

