/* capsim: a node type's locality groups. See nodepick.h. */
#include "nodepick.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define B2(n) n, n + 1, n + 1, n + 2
#define B4(n) B2(n), B2(n + 1), B2(n + 1), B2(n + 2)
#define B6(n) B4(n), B4(n + 1), B4(n + 1), B4(n + 2)
const uint8_t cs_pop8[256] = { B6(0), B6(1), B6(1), B6(2) };
uint8_t cs_sel8[256 * 8];

int cs_have_bmi2;

/* The CPU's features as glibc found them when the process started
 * (<sys/platform/x86.h>, glibc 2.33 on). __builtin_cpu_supports would
 * instead link libgcc's start-up routine, which asks the CPU again, about
 * twenty cpuid instructions in every process that capsim starts (each a
 * trap to the hypervisor on a virtual machine: 0.05-0.2 ms a process, as
 * much as a small trace's whole replay takes to parse). */
#if CS_HAVE_X86_TARGETS && defined(__has_include)
#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
#define CS_GLIBC_CPU_FEATURES 1
#endif
#endif

#if CS_HAVE_X86_TARGETS && defined(CS_GLIBC_CPU_FEATURES)
static int cpu_has_bmi2(void)
{
	return CPU_FEATURE_ACTIVE(BMI1) && CPU_FEATURE_ACTIVE(BMI2) && CPU_FEATURE_ACTIVE(POPCNT);
}
#elif CS_HAVE_X86_TARGETS
static int cpu_has_bmi2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
}
#else
static int cpu_has_bmi2(void) { return 0; }
#endif

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static int portable; /* cs_nodepick_portable(1): never the BMI2 form */

/* Once per process: the select table and whether the CPU has BMI2. */
static void tables_fill(void)
{
	cs_have_bmi2 = cpu_has_bmi2() && !portable;
	for (unsigned b = 0; b < 256; b++)
		for (unsigned i = 0, r = 0; i < 8; i++)
			if (b >> i & 1)
				cs_sel8[b * 8 + r++] = (uint8_t)i;
}

int cs_nodepick_init(cs_nodepick *p, const cs_alloc_type *t)
{
	pthread_once(&tables_once, tables_fill);
	memset(p, 0, sizeof *p);
	/* group ids in order of first appearance: GPUs' first, then cores' */
	int idx[256];
	for (unsigned i = 0; i < 256; i++)
		idx[i] = -1;
	for (unsigned i = 0; i < t->gpus; i++) {
		uint8_t id = t->gpu_group[i];
		if (idx[id] < 0)
			idx[id] = p->n++;
		p->gmask[idx[id]] |= (uint16_t)(1u << i);
		p->gpu_grp[i] = (uint8_t)idx[id];
	}
	p->ngpu = p->n;
	if (t->gpus <= CS_NODEPICK_TAB_GPUS) {
		/* every (free mask, count) choice, worked out once */
		const unsigned W = CS_NODEPICK_TAB_GPUS + 1;
		p->gtab = calloc((1u << CS_NODEPICK_TAB_GPUS) * W, 1);
		if (!p->gtab)
			return -CS_ENOMEM;
		for (unsigned f = 0; f < 1u << t->gpus; f++)
			for (unsigned g = 1; g <= cs_pop16(f); g++)
				p->gtab[f * W + g] = (uint8_t)cs_nodepick_gpus_calc(p, (uint16_t)f, g);
	}
	if (t->cores == 0 || t->cores > CS_ALLOC_MAX_CORES)
		return 0; /* no core mask: cores are a count */
	p->cw = (uint8_t)((t->cores + 63) / 64);
	for (unsigned i = 0; i < t->cores; i++)
		if (idx[t->core_group[i]] < 0)
			idx[t->core_group[i]] = p->n++;
	p->cmask = calloc(p->n ? p->n : 1, sizeof *p->cmask);
	if (!p->cmask)
		return -CS_ENOMEM;
	for (unsigned i = 0; i < t->cores; i++) {
		p->cmask[idx[t->core_group[i]]][i / 64] |= 1ULL << (i % 64);
		p->all[i / 64] |= 1ULL << (i % 64);
	}
	if (p->gtab) {
		p->ptab = calloc(1u << t->gpus, sizeof *p->ptab);
		if (!p->ptab)
			return -CS_ENOMEM;
		for (unsigned f = 0; f < 1u << t->gpus; f++)
			cs_nodepick_pref(p, (uint16_t)f, p->ptab[f]);
		p->tab2 = p->cw <= 2;
	}
	return 0;
}

uint16_t cs_nodepick_gpus_calc(const cs_nodepick *p, uint16_t free, unsigned g)
{
	if (g == 0)
		return 0;
	unsigned cnt[CS_ALLOC_MAX_GPUS];
	int best = -1;
	for (unsigned k = 0; k < p->ngpu; k++) {
		cnt[k] = cs_pop16(free & p->gmask[k]);
		if (cnt[k] >= g && (best < 0 || cnt[k] < cnt[best]))
			best = (int)k;
	}
	uint16_t take = 0;
	unsigned need = g;
	while (need) {
		int k = best;
		if (k < 0)
			for (unsigned j = 0; j < p->ngpu; j++)
				if (cnt[j] && (k < 0 || cnt[j] > cnt[k]))
					k = (int)j;
		uint32_t avail = free & p->gmask[k], rest = avail;
		if (cnt[k] <= need) {
			need -= cnt[k];
			rest = 0;
		} else {
			for (; need; need--)
				rest &= rest - 1;
		}
		take |= (uint16_t)(avail & ~rest);
		cnt[k] = 0;
		best = -1;
	}
	return take;
}

void cs_nodepick_take_call(const cs_nodepick *p, uint64_t *free, uint16_t gpus, unsigned c, uint64_t *out)
{
	cs_nodepick_take(p, free, gpus, c, out, 0);
}

void cs_nodepick_portable(int on)
{
	portable = on != 0;
	pthread_once(&tables_once, tables_fill);
	cs_have_bmi2 = cpu_has_bmi2() && !portable;
}

void cs_nodepick_free(cs_nodepick *p)
{
	free(p->cmask);
	free(p->gtab);
	free(p->ptab);
	p->ptab = NULL;
	p->cmask = NULL;
	p->gtab = NULL;
}
