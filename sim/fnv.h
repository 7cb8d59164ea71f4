/* capsim: FNV-1a (64 bits) over 64-bit values, private to sim/ (the jobs'
 * digest in summary.json). */
#ifndef CAPSIM_SIM_FNV_H
#define CAPSIM_SIM_FNV_H

#include <stddef.h>
#include <stdint.h>

#define CS_FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define CS_FNV_PRIME UINT64_C(0x100000001b3)

/* h on over the bytes of v[0..n) as they lie in memory (on a
 * little-endian machine: each value's low byte first), in fewer steps than
 * a byte a step: a zero byte only multiplies h by the prime, so a value's
 * zero bytes above its highest other one multiply it by a power of the
 * prime at once (mod 2^64, as each step does); a value below 256 is one
 * step and seven zero bytes, (h ^ v) P^8. */
static inline uint64_t cs_fnv_words(uint64_t h, const int64_t *v, size_t n)
{
	static const uint64_t prime_pow[9] = { UINT64_C(0x0000000000000001), UINT64_C(0x00000100000001b3),
					       UINT64_C(0x000366000002e329), UINT64_C(0x08a97b0004e7feab),
					       UINT64_C(0x9ffaac085635bc91), UINT64_C(0x0caee32a7d4f6a63),
					       UINT64_C(0xdc966432edf1c639), UINT64_C(0xc5527b8a51d3d2db),
					       UINT64_C(0x1efac7090aef4a21) };
	for (size_t i = 0; i < n; i++) {
		uint64_t u = (uint64_t)v[i];
		if (u < 256) { /* one step, then seven zero bytes: (h ^ u) P^8 */
			h = (h ^ u) * prime_pow[8];
			continue;
		}
		unsigned nb = u ? (unsigned)(71 - __builtin_clzll(u)) / 8 : 0; /* bytes to the highest non-zero */
		for (unsigned k = 0; k < nb; k++, u >>= 8)
			h = (h ^ (u & 0xff)) * CS_FNV_PRIME;
		h *= prime_pow[8 - nb];
	}
	return h;
}

#endif
