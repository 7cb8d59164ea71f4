/* capsim tests: a deliberately simple reference simulator for FCFS and
 * EASY, written independently of the engine (sim/) and the policies (sched/), to check the
 * fast implementation's schedules job by job. Quadratic, obvious, slow. */
#ifndef CAPSIM_TESTS_REF_SIM_H
#define CAPSIM_TESTS_REF_SIM_H

#include "capsim/engine.h"

typedef enum { REF_FCFS, REF_EASY, REF_EASY_SJBF, REF_SJF } ref_policy;

/* Fills start[i] for every job. */
void ref_run(const cs_job *jobs, size_t n, uint32_t procs, const cs_engine_conv *cv,
	     ref_policy pol, cs_time *start);

#endif
