/* capsim: rate classes (sched/rateclass.c), private to sched/: the
 * distinct usage rates of multifactor's running jobs (a few hundred:
 * partitions x request shapes), so that a pass works out each class's
 * charge, rate x charge / scale, once rather than a division per running
 * job (the same double either way): before its walk, for the classes
 * with running jobs (live), so the walk only reads it. */
#ifndef CAPSIM_SCHED_RATECLASS_H
#define CAPSIM_SCHED_RATECLASS_H

#include <stdint.h>

enum { CS_NO_CLASS = UINT32_MAX };

typedef struct cs_rateclass {
	double *rate, *charge;
	uint32_t *nrun;   /* per class: its running jobs (cs_rateclass_enter, _leave) */
	uint32_t *at;     /* per class with running jobs: its place in live */
	uint32_t *live;   /* the classes with running jobs, nlive of them */
	uint32_t n, cap, nlive;
	uint32_t *slot;   /* hash of the rates' bits, at most half full: class + 1, 0 empty */
	uint32_t mask;
} cs_rateclass;

/* 0 or -1 (out of memory). */
int cs_rateclass_init(cs_rateclass *c);
void cs_rateclass_free(cs_rateclass *c);
/* Rate r's class (rates are told apart by their bits), added if new (its
 * charge 0 until it is live at a cs_rateclass_charge_live); or
 * CS_NO_CLASS when the table could not grow (out of memory). */
uint32_t cs_rateclass_of(cs_rateclass *c, double r);
/* A job of class k starts running; one stops. */
void cs_rateclass_enter(cs_rateclass *c, uint32_t k);
void cs_rateclass_leave(cs_rateclass *c, uint32_t k);
/* Every live class's charge[k] = rate x charge / scale. */
void cs_rateclass_charge_live(cs_rateclass *c, double charge, double scale);
/* *t plus every live class's charge once for each of its running jobs,
 * the same double as those additions made one by one in any order gives
 * (the charges as cs_rateclass_charge_live left them): 0; or -1, *t
 * untouched, when that cannot be told without making them (*t zero or
 * tiny, a sum leaving *t's binade, or a charge halfway between two of
 * its doubles). */
int cs_rateclass_total(const cs_rateclass *c, double *t);

#endif
