/* capsim: Slurm's TRESBillingWeights, one partition's (sim/billing.c).
 *
 * A partition's weights say what a job on it is billed per second of run
 * (Slurm's `billing` TRES): with PriorityFlags=MAX_TRES unset, the sum over
 * the TRES it holds of weight x amount (docs/clusters.md#billing):
 *
 *   rate = CPU x cores + Mem x memory + Node x nodes
 *          + (GRES/gpu + GRES/gpu:TYPE) x GPUs        (TYPE: its GPUs' model)
 *
 * The spec is Slurm's own syntax, "CPU=1.0,Mem=0.25G,GRES/gpu=2.0": TRES
 * names case-insensitive; Mem's weight is per MB (Slurm's base unit, which
 * is a MiB) unless a K, M, G, T or P suffix makes it per KB ... PB, each
 * 1024 times the one before; a GPU of type TYPE counts as both gres/gpu and
 * gres/gpu:TYPE, as Slurm records both TRES for a typed request, so both
 * weights apply. Any other TRES (Energy, License/..., BB/..., FS/..., a
 * GRES other than gpu) is refused: capsim does not model it.
 */
#ifndef CAPSIM_BILLING_H
#define CAPSIM_BILLING_H

#include <stddef.h>
#include <stdint.h>

#define CS_BILLING_MAX_TYPES 16 /* GRES/gpu:TYPE entries in one spec */

typedef struct cs_billing {
	int given;        /* 0: the partition has no weights (a job bills its size) */
	double cpu;       /* per allocated core */
	double mem_mib;   /* per MiB of allocated memory */
	double node;      /* per allocated node */
	double gpu;       /* per GPU, any model (GRES/gpu) */
	int ntypes;       /* GRES/gpu:TYPE weights, added to gpu for a GPU of that model */
	char type[CS_BILLING_MAX_TYPES][64]; /* TYPE as written */
	double type_w[CS_BILLING_MAX_TYPES];
} cs_billing;

/* Parse spec into *out (given = 1). 0, or -CS_EPARSE with err saying which
 * entry is wrong and what was expected ("Mem=x: 'x' is not a weight ..."),
 * without file or line: the caller adds where the spec was. */
int cs_billing_parse(const char *spec, cs_billing *out, char *err, size_t errlen);
/* The GRES/gpu:TYPE weight for GPU model `model` (TYPE matched
 * case-insensitively), or -1 if none names it. */
double cs_billing_type_weight(const cs_billing *b, const char *model);
/* Weight of one GPU of `model`: GRES/gpu plus its GRES/gpu:TYPE weight. */
double cs_billing_gpu_weight(const cs_billing *b, const char *model);
/* Billing units per second of run of an allocation of `nodes` nodes each
 * holding gpus_per_node GPUs of `model`, cores_per_node cores and
 * mem_per_node_mib MiB. */
double cs_billing_rate(const cs_billing *b, uint32_t nodes, uint32_t gpus_per_node, uint32_t cores_per_node,
		       uint64_t mem_per_node_mib, const char *model);
/* The weights back in Slurm's syntax, in a fixed order (CPU, Mem per G,
 * Node, GRES/gpu, then the types as given), 0 weights left out; "" if
 * not given. */
void cs_billing_format(const cs_billing *b, char *buf, size_t len);

#endif
