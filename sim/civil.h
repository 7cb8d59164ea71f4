/* capsim: calendar dates as day counts (sim/civil.c), for the readers of
 * formats with dates (sacct, Helios, Philly). Private to sim/. */
#ifndef CAPSIM_SIM_CIVIL_H
#define CAPSIM_SIM_CIVIL_H

#include <stdint.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (the
 * "days from civil" count over 400-year eras, March-based years so the
 * leap day ends a year). No mktime: nothing depends on TZ. */
int64_t cs_civil_days(int64_t y, int m, int d);
/* The date of day z from 1970-01-01: cs_civil_days's inverse. */
void cs_civil_from_days(int64_t z, int64_t *y, int *m, int *d);
/* The days in month m (1-12) of year y. */
int cs_civil_month_days(int64_t y, int m);

#endif
