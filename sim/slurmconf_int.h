/* capsim: the slurm.conf reader's own declarations, shared by its files:
 *   sim/slurmconf.c     the loader: owned memory, errors, node and partition
 *                       lines, Include, names to indices, cs_slurmconf_load;
 *   sim/slurm_syntax.c  Slurm's values: numbers, times, host lists;
 *   sim/slurm_read.c    a file's lines: comments, continuations, Key=Value;
 *   sim/slurm_topo.c    topology.conf: switches and blocks.
 * Not part of the library's interface (see include/capsim/slurmconf.h). */
#ifndef CAPSIM_SLURMCONF_INT_H
#define CAPSIM_SLURMCONF_INT_H

#include "capsim/slurmconf.h"

#include <limits.h>
#include <stddef.h>

#define INCLUDE_DEPTH 8

typedef struct name_idx {
	const char *name;
	int idx;
} name_idx;

typedef struct priv {
	void **owned; /* freed together by cs_slurmconf_free */
	size_t nowned, capowned;
	name_idx *node_by_name, *switch_by_name; /* sorted by name, for the *_find functions */
} priv;

typedef struct pair {
	const char *key, *val; /* val NULL: a bare word */
	int line;
} pair;

/* What a NodeName line (or the merged DEFAULT lines) says; unset fields take
 * the DEFAULT's, then Slurm's defaults. */
enum { N_BOARDS = 1, N_SPB = 2, N_SOCKETS = 4, N_CORES = 8, N_THREADS = 16, N_CPUS = 32, N_MEM = 64,
       N_GRES = 128, N_FEAT = 256, N_WEIGHT = 512, N_STATE = 1024 };
typedef struct nspec {
	unsigned set;
	int64_t boards, spb, sockets, cores, threads, cpus, mem, weight;
	const cs_slurm_gres *gres;
	int ngres;
	const char *const *features;
	int nfeatures;
	const char *state;
} nspec;

enum { P_NODES = 1, P_MAXTIME = 2, P_DEFTIME = 4, P_MAXNODES = 8, P_MINNODES = 16, P_DEFAULT = 32,
       P_STATE = 64, P_TIER = 128, P_JOBFACTOR = 256 };
typedef struct pspec {
	unsigned set;
	const char *nodes; /* the hostlist, resolved once every node is known */
	const char *nodes_file;
	int nodes_line;
	int64_t max_time, def_time, max_nodes, min_nodes, tier, job_factor;
	int is_default;
	const char *state;
	const char *billing; /* TRESBillingWeights as written */
	const char *billing_file;
	int billing_line;
} pspec;

typedef struct ld {
	char *err;
	size_t errlen;
	char dir[PATH_MAX]; /* slurm.conf's: Include and topology.conf are found from it */
	cs_slurmconf *c;
	priv *pv;
	const char *file; /* the file being read (owned copy) */
	cs_slurm_node *nodes;
	int nnodes, capnodes;
	cs_slurm_partition *parts;
	pspec *pspecs;
	int nparts, capparts, cappspecs;
	cs_slurm_ignored *ign;
	int nign, capign;
	nspec ndef;
	pspec pdef;
	int depth;        /* of Include */
	struct topo *topo; /* while topology.conf is read */
} ld;

/* What reads one line's pairs (pr[0] its first key). */
typedef int (*line_fn)(ld *l, const pair *pr, int np);

/* Memory freed with the model (cs_slurmconf_free): p, or NULL (p freed)
 * when it cannot be recorded. */
void *cs_sc_own(ld *l, void *p);
char *cs_sc_own_str(ld *l, const char *s);
/* Room for one more element in a growing array: 0 or -CS_ENOMEM. */
int cs_sc_grow(void *arrp, int *cap, int n, size_t size);
/* name_idx by name, then index (for qsort). */
int cs_sc_name_cmp(const void *a, const void *b);
/* "FILE:LINE: key: message" in l->err; returns rc. */
int cs_sc_fail(ld *l, int rc, int line, const char *key, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* "FILE: out of memory" in l->err; -CS_ENOMEM. */
int cs_sc_oom(ld *l);
/* p's value as an integer in [lo, hi], or an error naming p's line and key. */
int cs_sc_get_int(ld *l, const pair *p, const char *key, int64_t lo, int64_t hi, int64_t *out);
/* A hostlist of known node names to their indices (owned), or an error
 * naming line and key. */
int cs_sc_resolve_nodes(ld *l, const char *expr, int line, const char *key, const int **out, int *nout);

/* Read path line by line into fn (sim/slurm_read.c). include_line > 0:
 * named by an Include on that line of l->file, which a failure to open
 * then points at. */
int cs_sc_read_file(ld *l, const char *path, line_fn fn, int include_line);
/* topology.conf beside slurm.conf, if there is one (sim/slurm_topo.c). */
int cs_sc_load_topology(ld *l);

/* Decimal digits only, into [lo, hi]: 0 or -CS_EPARSE (sim/slurm_syntax.c). */
int cs_slurm_uint(const char *s, int64_t lo, int64_t hi, int64_t *out);
/* UNLIMITED or INFINITE, in any case. */
int cs_slurm_unlimited(const char *s);

#endif
