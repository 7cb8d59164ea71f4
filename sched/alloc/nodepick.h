/* capsim: choosing GPUs and cores inside one node (sched/alloc/nodepick.c),
 * private to the allocator (sched/alloc/alloc.c, choose.c).
 *
 * A node type's locality groups (NUMA domains or packages, as the layout
 * numbers them): the GPUs and the cores of each. A job's GPUs come from as
 * few groups as possible; its cores from its GPUs' groups first, a
 * CPU-only job's from the one group with the fewest free cores that holds
 * them. The choice is on masks; whether the node fits was decided before,
 * on counts.
 *
 * Bit counts are written out rather than __builtin_popcount: the build
 * targets baseline x86-64, where that is a library call. */
#ifndef CAPSIM_SCHED_NODEPICK_H
#define CAPSIM_SCHED_NODEPICK_H

#include "capsim/alloc.h"
#include "../bits.h"

#include <string.h>

#define CS_CW CS_ALLOC_CORE_WORDS

/* Functions compiled for x86-64 extensions (target attributes), chosen at
 * run time by cs_have_bmi2. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CS_HAVE_X86_TARGETS 1
#else
#define CS_HAVE_X86_TARGETS 0
#endif

typedef struct cs_nodepick {
	uint16_t ngpu;              /* GPU groups: groups [0, ngpu) */
	uint16_t n;                 /* all groups: then the groups that have cores only */
	uint8_t cw;                 /* words of the core mask in use; 0: no core mask */
	uint16_t gmask[CS_ALLOC_MAX_GPUS];
	uint8_t gpu_grp[CS_ALLOC_MAX_GPUS]; /* each GPU's group */
	uint64_t (*cmask)[CS_CW];   /* cores of group k, n entries */
	uint64_t all[CS_CW];        /* every core */
	uint8_t *gtab;              /* node types of up to CS_NODEPICK_TAB_GPUS GPUs: the
				     * choice for free mask f and count g at
				     * gtab[f * (CS_NODEPICK_TAB_GPUS + 1) + g] (NULL above) */
	uint64_t (*ptab)[CS_CW];    /* with gtab and a core mask: per GPU mask, the cores of
				     * those GPUs' groups (the cores a job holding them prefers) */
	uint8_t tab2;               /* gtab and ptab, and at most two core words: the BMI2 take inline */
} cs_nodepick;

#define CS_NODEPICK_TAB_GPUS 8u

/* 0, or -CS_ENOMEM. */
int cs_nodepick_init(cs_nodepick *p, const cs_alloc_type *t);
void cs_nodepick_free(cs_nodepick *p);
/* cs_alloc_portable. */
void cs_nodepick_portable(int on);

extern const uint8_t cs_pop8[256];
/* cs_sel8[b * 8 + r]: the position of the (r+1)-th lowest set bit of byte
 * b (filled by the first cs_nodepick_init). */
extern uint8_t cs_sel8[256 * 8];

static inline unsigned cs_pop16(uint32_t x) { return (unsigned)cs_pop8[x & 0xff] + cs_pop8[(x >> 8) & 0xff]; }

static inline unsigned cs_pop_mask(const uint64_t *m, unsigned cw)
{
	unsigned k = 0;
	for (unsigned w = 0; w < cw; w++)
		k += m[w] ? cs_pop64(m[w]) : 0;
	return k;
}

/* Add to out the `need` lowest bits of avail (or all of them if fewer);
 * returns how many are still needed. The k-th set bit of a word is found
 * from prefix sums of its byte counts (bytes compared to k at once, SWAR),
 * then cs_sel8 inside its byte. */
static inline unsigned cs_take_low_swar(const uint64_t *avail, unsigned cw, unsigned need, uint64_t *out)
{
	const uint64_t L = 0x0101010101010101ULL, H = 0x8080808080808080ULL;
	for (unsigned w = 0; w < cw && need; w++) {
		uint64_t x = avail[w];
		if (!x)
			continue;
		uint64_t pre = cs_pop_bytes(x) * L; /* byte i: set bits in bytes 0..i */
		unsigned k = (unsigned)(pre >> 56);
		if (k <= need) {
			out[w] |= x;
			need -= k;
			continue;
		}
		/* first byte whose prefix exceeds need (prefixes are <= 64) */
		unsigned i = (unsigned)__builtin_ctzll(((pre | H) - (uint64_t)(need + 1) * L) & H) / 8;
		unsigned r = need - (unsigned)(((pre << 8) >> (8 * i)) & 0xff);
		unsigned byte = (unsigned)(x >> (8 * i)) & 0xff;
		out[w] |= x & ((1ULL << (8 * i + cs_sel8[byte * 8 + r])) - 1);
		need = 0;
	}
	return need;
}

/* Where the CPU has BMI2 and POPCNT (cs_have_bmi2, set by the first
 * cs_nodepick_init), the same choices are made with pdep, which deposits
 * the `need` lowest set bits of a word at once. Baseline x86-64 has
 * neither instruction, so they are written as inline assembly: the code
 * inlines into any caller, whatever it is compiled for, and runs only
 * behind a cs_have_bmi2 check. */
extern int cs_have_bmi2;

#if CS_HAVE_X86_TARGETS
/* popcnt, for code that runs only where cs_have_bmi2 is set (64 bits
 * wide, so a count used in 64-bit arithmetic needs no extension). */
static inline __attribute__((always_inline)) uint64_t cs_popcnt_asm(uint64_t x)
{
	uint64_t k;
	__asm__("popcnt %1, %0" : "=r"(k) : "r"(x));
	return k;
}

/* Up to *need of the bits of x, lowest first, with no branch on the counts
 * (BZHI keeps all 64 bits when the count is 64). */
static inline __attribute__((always_inline)) uint64_t cs_take_word(uint64_t x, uint64_t *need)
{
	uint64_t k = cs_popcnt_asm(x), low, r;
	uint64_t t = *need < k ? *need : k; /* 64-bit throughout: no zero extensions */
	*need -= t;
	__asm__("bzhi %2, %1, %0" : "=r"(low) : "r"(~0ULL), "r"(t)); /* the t lowest bits */
	__asm__("pdep %2, %1, %0" : "=r"(r) : "r"(low), "r"(x));      /* onto x's set bits */
	return r;
}

/* cs_take_low_swar with pdep. */
static inline unsigned cs_take_low_bmi2(const uint64_t *avail, unsigned cw, unsigned need, uint64_t *out)
{
	uint64_t left = need;
	for (unsigned w = 0; w < cw && left; w++)
		out[w] |= cs_take_word(avail[w], &left);
	return (unsigned)left;
}

/* cs_nodepick_take for a job holding GPUs on a node type of up to 128
 * cores (two mask words): pref is the GPUs' groups' cores (the type's ptab
 * entry); all CS_CW words of out are written. Written out, with no loop
 * and no branch on the counts unless the GPUs' groups are short of cores. */
static inline __attribute__((always_inline)) void cs_nodepick_take_bmi2(const uint64_t *pref, uint64_t *free,
									  unsigned c, uint64_t *out)
{
	uint64_t need = c;
	uint64_t f0 = free[0], f1 = free[1];
	uint64_t o0 = cs_take_word(f0 & pref[0], &need), o1 = cs_take_word(f1 & pref[1], &need);
	if (need) {
		o0 |= cs_take_word(f0 & ~pref[0], &need);
		o1 |= cs_take_word(f1 & ~pref[1], &need);
	}
	out[0] = o0;
	out[1] = o1;
	out[2] = out[3] = 0;
	free[0] = f0 & ~o0;
	free[1] = f1 & ~o1;
}

#else /* never called: cs_have_bmi2 is 0 */
static inline unsigned cs_take_low_bmi2(const uint64_t *avail, unsigned cw, unsigned need, uint64_t *out)
{
	return cs_take_low_swar(avail, cw, need, out);
}
static inline void cs_nodepick_take_bmi2(const uint64_t *pref, uint64_t *free, unsigned c, uint64_t *out)
{
	(void)pref, (void)free, (void)c, (void)out;
}
static inline uint64_t cs_popcnt_asm(uint64_t x)
{
	return cs_pop64(x);
}
#endif

static inline unsigned cs_take_low(const uint64_t *avail, unsigned cw, unsigned need, uint64_t *out)
{
	if (cs_have_bmi2)
		return cs_take_low_bmi2(avail, cw, need, out);
	return cs_take_low_swar(avail, cw, need, out);
}

/* GPUs for a job of g on a node with free mask `free`: from one locality
 * group if one has enough (the one with the fewest that do), else from the
 * fullest groups first. Out of line: node types of up to
 * CS_NODEPICK_TAB_GPUS GPUs read the choice from their table. */
uint16_t cs_nodepick_gpus_calc(const cs_nodepick *p, uint16_t free, unsigned g);

/* The same choice, from the node type's table when it has one. */
static inline uint16_t cs_nodepick_gpus(const cs_nodepick *p, uint16_t free, unsigned g)
{
	if (p->gtab)
		return p->gtab[(unsigned)free * (CS_NODEPICK_TAB_GPUS + 1) + g];
	return cs_nodepick_gpus_calc(p, free, g);
}

/* The cores of the groups of GPUs `gpus` (cw words; the rest left as they
 * are): what a job holding them prefers. The node type's ptab holds this
 * per GPU mask. */
static inline void cs_nodepick_pref(const cs_nodepick *p, uint16_t gpus, uint64_t *out)
{
	for (unsigned k = 0; k < p->ngpu; k++)
		if (gpus & p->gmask[k])
			for (unsigned w = 0; w < p->cw; w++)
				out[w] |= p->cmask[k][w];
}

/* c cores (c <= the free count) out of `free`, for a job given the GPUs
 * `gpus`, into out (p->cw words; the rest left zero): the lowest free
 * cores of the GPUs' groups, then the lowest other free ones. */
static inline __attribute__((always_inline)) void cs_nodepick_cores(const cs_nodepick *p, const uint64_t *free, uint16_t gpus, unsigned c,
				     uint64_t *out)
{
	for (unsigned w = 0; w < CS_CW; w++)
		out[w] = 0;
	if (c == 0)
		return;
	unsigned cw = p->cw;
	uint64_t pbuf[CS_CW] = { 0 }, avail[CS_CW] = { 0 };
	const uint64_t *pref = pbuf;
	if (p->ptab && gpus) {
		pref = p->ptab[gpus];
	} else if (gpus) {
		cs_nodepick_pref(p, gpus, pbuf); /* node types of more GPUs than the tables hold */
	} else {
		/* CPU-only: the tightest group that holds c, kept in one piece */
		unsigned bestc = ~0u;
		int best = -1;
		for (unsigned k = 0; k < p->n; k++) {
			unsigned f = 0;
			for (unsigned w = 0; w < cw; w++)
				f += cs_pop64(free[w] & p->cmask[k][w]);
			if (f >= c && f < bestc) {
				bestc = f;
				best = (int)k;
			}
		}
		for (unsigned w = 0; best >= 0 && w < cw; w++)
			pbuf[w] = p->cmask[best][w];
	}
	for (unsigned w = 0; w < cw; w++)
		avail[w] = free[w] & pref[w];
	unsigned need = cs_take_low(avail, cw, c, out);
	if (need) {
		for (unsigned w = 0; w < cw; w++)
			avail[w] = free[w] & ~pref[w];
		cs_take_low(avail, cw, need, out);
	}
}

/* cs_nodepick_cores, and the chosen cores taken out of `free` (p->cw
 * words of a node's free mask; its other words are zero). */
void cs_nodepick_take_call(const cs_nodepick *p, uint64_t *free, uint16_t gpus, unsigned c, uint64_t *out);

/* The same, inline. `bmi` is a compile-time constant: 1 in code that runs
 * only where cs_have_bmi2 is set, which takes the two-word BMI2 form inline
 * and calls the rest (CPU-only jobs, node types without tables or of more
 * than 128 cores, which cs_nodepick_cores serves with pdep too) out of
 * line, keeping its caller small; 0 elsewhere. */
static inline __attribute__((always_inline)) void cs_nodepick_take(const cs_nodepick *p, uint64_t *free, uint16_t gpus,
								    unsigned c, uint64_t *out, int bmi)
{
	if (bmi) {
		if (p->tab2 && gpus)
			cs_nodepick_take_bmi2(p->ptab[gpus], free, c, out);
		else
			cs_nodepick_take_call(p, free, gpus, c, out);
		return;
	}
	cs_nodepick_cores(p, free, gpus, c, out);
	for (unsigned w = 0; w < p->cw; w++)
		free[w] &= ~out[w];
}

/* A job's GPUs and cores on one node: g of the free GPUs gfree (the mask
 * chosen is returned) and c cores taken out of the node's free core mask
 * cfree into out (all CS_CW words written; zero without a core mask or
 * with c 0). `bmi` as in cs_nodepick_take: with it, a node type with both
 * tables and at most two core words (tab2) reads the GPUs from gtab
 * without testing for it and takes a GPU job's cores with the BMI2 form
 * inline. */
static inline __attribute__((always_inline)) uint16_t cs_nodepick_choose(const cs_nodepick *p, uint16_t gfree,
									   unsigned g, uint64_t *cfree, unsigned c,
									   uint64_t *out, int bmi)
{
	if (bmi && p->tab2) {
		uint16_t gpus = p->gtab[(unsigned)gfree * (CS_NODEPICK_TAB_GPUS + 1) + g];
		if (c && g)
			cs_nodepick_take_bmi2(p->ptab[gpus], cfree, c, out);
		else if (c)
			cs_nodepick_take_call(p, cfree, gpus, c, out);
		else
			memset(out, 0, CS_CW * sizeof *out);
		return gpus;
	}
	uint16_t gpus = cs_nodepick_gpus(p, gfree, g);
	if (p->cw && c)
		cs_nodepick_take(p, cfree, gpus, c, out, bmi);
	else
		memset(out, 0, CS_CW * sizeof *out);
	return gpus;
}

#endif
