/* capsim: the workload generator's own declarations, shared by its files
 * (sim/gen_model.c loads a model, sim/gen.c generates from it). Not part of
 * the library's interface (see include/capsim/gen.h). */
#ifndef CAPSIM_GEN_INT_H
#define CAPSIM_GEN_INT_H

#include "capsim/gen.h"

struct cs_gen_model {
	char *path;
	cs_gen_spec s;
	void **owned;       /* every string and array of s */
	size_t nowned, capowned;
	double *mean_hours; /* per partition, from cs_gen_model_calibrate; NULL: not yet */
};

#endif
