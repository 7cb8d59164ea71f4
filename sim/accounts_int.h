/* capsim: the accounts file's loaded form, shared by its loader
 * (sim/accounts.c) and its binding to a job table (sim/accounts_bind.c).
 * Not part of the library's interface (see include/capsim/accounts.h). */
#ifndef CAPSIM_ACCOUNTS_INT_H
#define CAPSIM_ACCOUNTS_INT_H

#include "capsim/accounts.h"

typedef struct anode {
	char *name;
	double shares;
	int32_t parent;
	uint8_t kind;
	int32_t lim; /* index into cs_accounts.lims, -1: the entry sets no limit */
	cs_grant grant; /* hours < 0: none */
} anode;

typedef struct prio {
	cs_names names; /* index = entry */
	double *factor; /* priority / the largest */
	uint8_t *preempts; /* qos only: [a * n + b] = 1 if a may preempt b */
	cs_time *grace;    /* qos only: grace_time, seconds (-1: not given) */
} prio;

/* Every member of cs_accounts, anode and prio is sent back from the
 * loading child by sim/accounts_child.c (put_accounts, get_accounts) and
 * compared by tests/test_fairshare.c
 * a_file_loaded_in_a_child_is_its_text_loaded_here: a member added here is
 * added there (accounts_child.c asserts the sizes it was written for). */
struct cs_accounts {
	anode *nodes; /* preorder: a parent before its children; 0 is the root */
	uint32_t n, cap;
	cs_names accounts; /* account names -> index into acct_node */
	uint32_t *acct_node;
	prio qos, parts;
	cs_assoc_limit *lims; /* the entries' limits */
	uint32_t nlims, caplims;
	int lim_line;         /* the first line that sets one */
	uint32_t ngrants;
	cs_storage_alloc *stor; /* storage_tb entries, in file order (tiers owned) */
	uint32_t nstor, capstor;
};

/* cs_accounts_load in this process (which sim/accounts_child.c runs in a
 * child): the file is parsed first in a child of its own (sim/yaml.c)
 * unless `contained`, when this process is already one under
 * cs_child_limits. */
int cs_accounts_load_here(cs_accounts **out, const char *path, int contained, char *err, size_t errlen);

#endif
