/* capsim: rate classes (sched/rateclass.c), private to sched/: the
 * distinct usage rates of multifactor's running jobs (a few hundred:
 * partitions x request shapes), so that a pass works out each class's
 * charge, rate x charge / scale, once rather than a division per running
 * job (the same double either way). */
#ifndef CAPSIM_SCHED_RATECLASS_H
#define CAPSIM_SCHED_RATECLASS_H

#include <stdint.h>

enum { CS_NO_CLASS = UINT32_MAX };

typedef struct cs_rateclass {
	double *rate, *charge;
	uint64_t *stamp;  /* per class: the stamp its charge is for (0: none) */
	uint32_t n, cap;
	uint32_t *slot;   /* hash of the rates' bits, at most half full: class + 1, 0 empty */
	uint32_t mask;
} cs_rateclass;

/* 0 or -1 (out of memory). */
int cs_rateclass_init(cs_rateclass *c);
void cs_rateclass_free(cs_rateclass *c);
/* Rate r's class (rates are told apart by their bits), added if new; or
 * CS_NO_CLASS when the table could not grow (out of memory). */
uint32_t cs_rateclass_of(cs_rateclass *c, double r);
/* Class k's rate x charge / scale, worked out once per stamp (!= 0). */
static inline double cs_rateclass_charge(cs_rateclass *c, uint32_t k, double charge, double scale, uint64_t stamp)
{
	if (c->stamp[k] != stamp) {
		c->stamp[k] = stamp;
		c->charge[k] = c->rate[k] * charge / scale;
	}
	return c->charge[k];
}

#endif
