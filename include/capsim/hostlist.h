/* capsim: node names and Slurm-style host lists (sim/hostlist.c).
 *
 * On the node model, node n of node type T is named `T-K`, K its index
 * among T's nodes (from 0), zero-padded to the digits of T's last index:
 * the default cluster's H100 nodes are h100-000 ... h100-109. A set of
 * nodes is written as Slurm writes a NodeList: per node type in config
 * order, `T-K` for one node, `T-[K1-K2,K3]` for several, the types joined
 * by commas (`h100-[000-003,007],a100-4gpu-0`).
 */
#ifndef CAPSIM_HOSTLIST_H
#define CAPSIM_HOSTLIST_H

#include <stddef.h>
#include <stdint.h>

typedef struct cs_hostnames {
	uint32_t ntypes, nnodes;
	char **type_names;     /* per type, owned */
	uint32_t *type_first;  /* ntypes + 1: type t's nodes are [type_first[t], type_first[t+1]) */
	uint8_t *width;        /* per type: digits of its last index */
	size_t node_room;      /* the most bytes a node adds to a list */
} cs_hostnames;

/* Copy ntypes names and type_first[0..ntypes] (nodes grouped by type, in
 * order). 0 or -CS_ENOMEM / -CS_EINVAL (type_first not ascending). */
int cs_hostnames_init(cs_hostnames *h, uint32_t ntypes, const char *const *type_names,
		      const uint32_t *type_first);
void cs_hostnames_free(cs_hostnames *h);
/* Node n's type, or -1 past the last node. */
int32_t cs_hostnames_type(const cs_hostnames *h, uint32_t node);
/* Node n's name into buf (always NUL-terminated). Returns the length it
 * needs, as snprintf does; -1 for a node past the last. */
int cs_hostnames_name(const cs_hostnames *h, uint32_t node, char *buf, size_t len);
/* The host list of nodes[0..n) (any order, duplicates allowed) into buf,
 * NUL-terminated. Returns the length it needs (not counting the NUL), as
 * snprintf does, or -1 if a node is past the last. scratch: room for n
 * entries, where the nodes are sorted. A buffer of at least n x node_room
 * + 1 bytes takes the list in place; a shorter one (len 0 too) gets what
 * fits of it written apart, which may take memory: -CS_ENOMEM when none. */
long cs_hostnames_list(const cs_hostnames *h, const uint32_t *nodes, size_t n, uint32_t *scratch,
		       char *buf, size_t len);

/* The same into *buf, grown (realloc) to the length needed; *buf and *cap
 * as the caller keeps them between calls (NULL and 0 at first). Returns
 * the length, -1 for a node past the last, or -CS_ENOMEM (*buf as it was). */
long cs_hostnames_list_grow(const cs_hostnames *h, const uint32_t *nodes, size_t n, uint32_t *scratch,
			    char **buf, size_t *cap);

#endif
