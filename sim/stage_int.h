/* capsim: the staging model's inside (capsim/stage.h), shared by
 * sim/stage.c (the model and its events in the engine) and sim/stage_out.c
 * (the books and the outputs). Private to those two. */
#ifndef CAPSIM_SIM_STAGE_INT_H
#define CAPSIM_SIM_STAGE_INT_H

#include "capsim/stage.h"
#include "engine_int.h"

/* Where a job's current run is. */
enum { SP_IDLE, SP_IN, SP_WORK, SP_OUT };

typedef struct sjob {
	int64_t in_b, out_b;  /* what it moves */
	int64_t rem;          /* bytes left of the transfer under way */
	cs_time limit;        /* its time limit, start to end; 0: none */
	cs_time phase_t;      /* when the current phase began */
	cs_time work_end;     /* SP_WORK: when its work is done */
	cs_time in_s, out_s;  /* its last run's stage-in and stage-out, seconds */
	cs_time staged_s;     /* every run's seconds staging (runs a requeue threw away too) */
	int64_t cap;          /* the run's limit, bytes a second (its nodes'); 0: none */
	uint32_t tier;
	uint8_t phase;
	uint8_t capped;       /* in its tier's share: it runs at its limit */
	uint8_t killed;       /* its time limit stopped it */
} sjob;

/* A tier: its transfers under way, and its books. */
typedef struct stier {
	char *name;
	double gbs;
	int64_t bw;           /* bytes a second */
	cs_time last;         /* service counted up to here */
	cs_time due;          /* the pending EV_XFER's time; -1: none */
	int64_t rest, nrest;  /* the share: transfers not at their limit move rest / nrest bytes a second */
	uint32_t *act;        /* its transfers' jobs, in the order they began */
	size_t nact, capact;
	/* books */
	uint32_t jobs, peak;  /* jobs staging through it; most transfers at once */
	uint64_t transfers;   /* begun */
	int64_t in_b, out_b;  /* bytes moved (a transfer cut short: what it moved) */
	cs_time busy_s;       /* seconds with a transfer under way */
	double conc_s;        /* transfers x seconds */
	double took_s, alone_s; /* finished transfers: the seconds they took; alone on the tier (at
				 * the tier's bandwidth or their job's limit, the lower) */
} stier;

struct cs_stagesim {
	const cs_job *jobs;
	size_t njobs;
	sjob *j;
	stier *t;
	uint32_t ntiers;
	char *default_tier;
	uint32_t *done;       /* scratch: the transfers a tier event ends */
	size_t capdone;
	struct sorder { int64_t cap; uint32_t jid; } *order; /* scratch: a share's transfers by limit */
	size_t caporder;
	uint16_t *node_type;  /* per node */
	int64_t *type_bps;    /* per node type: one node's limit, bytes a second; 0: none */
	uint32_t nnodes, ntypes;
	uint64_t killed;      /* jobs their time limit stopped */
};

#endif
