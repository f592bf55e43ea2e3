/*
 * clock.h: TSC ticks to nanoseconds, the arithmetic shared by the
 * hypervisor (which calibrates the TSC at boot and chooses the scale)
 * and the guests (which apply it to every rdtsc). Header-only, so that
 * both include it; it needs nothing but <stdint.h>.
 *
 * The formula is Xen's (struct vcpu_time_info in Xen's public xen.h):
 *
 *	ns = system_time + ((((tsc - tsc_timestamp) << shift) * mul_frac) >> 32)
 *
 * where a negative shift means a shift right by -shift, and the product
 * is taken in full (a 64-bit delta times a 32-bit multiplier is 96 bits)
 * before its low 32 bits are dropped. mul_frac is a fraction: mul_frac /
 * 2^32 lies in [1/2, 1), and 2^shift * mul_frac / 2^32 is 1e9 / tsc_hz
 * (the nanoseconds per tick) to 32 bits.
 *
 * Why a multiply and a shift: the guest reads the time often and without
 * a hypercall, so its path must be short. Dividing by tsc_hz there would
 * be a 64-bit division, which i386 does not have (a loop in
 * lib/divide.c). The one division happens once, in the hypervisor, when
 * it chooses the scale (clock_compute_scale); the guest pays for a shift
 * and two 32x32->64 multiplies.
 *
 * Precision, for a scale from clock_compute_scale: the result is never
 * ahead of the exact delta * 1e9 / tsc_hz, and is behind it by less than
 * 2 ns + 0.47 ns per second of delta (mul_frac is rounded down and is at
 * least 2^31, so it is low by less than 1 part in 2^31 = 4.7e-10; the
 * bits shifted out on the right are less than a nanosecond's worth of
 * ticks; the final >> 32 drops less than 1 ns). That is a relative
 * error below 1e-8 for any delta of 0.21 s or more, and a few
 * nanoseconds for short ones: far below the error of the calibration
 * itself. For a fixed scale, the result never decreases as delta grows.
 *
 * Wrap: the caller computes delta = tsc_now - tsc_timestamp in uint64_t.
 * Unsigned subtraction is modulo 2^64, so a TSC that wrapped past 2^64 - 1
 * between the two reads still gives the right delta (a 64-bit TSC wraps
 * after 58 years at 10 GHz). What it cannot give is a negative delta: a
 * tsc_now older than tsc_timestamp comes out as a huge one. Shifted left
 * (tsc_hz up to 1 GHz), delta must stay below 2^(64 - shift) ticks
 * (570 years at 1 MHz, shift 10); bits shifted out are lost, as in Xen.
 */
#ifndef SV_CLOCK_H
#define SV_CLOCK_H

#include <stdint.h>

#define CLOCK_NS_PER_SEC	1000000000ull
/* The TSC rates the scale is designed and tested for (1 MHz to 10 GHz). */
#define CLOCK_TSC_HZ_MIN	1000000ull
#define CLOCK_TSC_HZ_MAX	10000000000ull

/*
 * ((delta << shift) * mul_frac) >> 32, with shift < 0 meaning >> -shift,
 * exactly as the 96-bit product gives it. Only 32x32->64 multiplies: no
 * __int128 and no libgcc call, on i386 and on the host. A shift of 64 or
 * more either way shifts every bit out (the result is 0).
 */
static inline uint64_t clock_scale_delta(uint64_t delta, uint32_t mul_frac, int8_t shift)
{
	if (shift < 0)
		delta = shift > -64 ? delta >> -shift : 0;
	else
		delta = shift < 64 ? delta << shift : 0;

	/*
	 * With delta = hi * 2^32 + lo:
	 *   (delta * mul_frac) >> 32 = hi * mul_frac + ((lo * mul_frac) >> 32)
	 * exactly, since hi * mul_frac * 2^32 has no bits below bit 32. The
	 * sum fits: at most (2^32 - 1)^2 + 2^32 - 1 < 2^64.
	 */
	uint32_t lo = (uint32_t)delta, hi = (uint32_t)(delta >> 32);
	return (uint64_t)hi * mul_frac + ((uint64_t)lo * mul_frac >> 32);
}

/*
 * Choose the scale for a TSC of tsc_hz ticks per second, as Xen's
 * set_time_scale does: shift is the power of two that brings
 * tsc_hz * 2^shift into (1e9, 2e9], and
 *
 *	mul_frac = floor(1e9 * 2^32 / (tsc_hz * 2^shift)),
 *
 * which therefore lies in [2^31, 2^32): the largest multiplier, 32 bits
 * of precision. Unlike Xen, which drops the low bits of tsc_hz as it
 * shifts it right, the division here is exact for every shift (Xen's
 * mul_frac can be up to 4 higher, and when tsc_hz is just above 2e9 * 2^k
 * its shift is 1 higher and its mul_frac 2^31).
 *
 * Designed for CLOCK_TSC_HZ_MIN to CLOCK_TSC_HZ_MAX (shift 10 to -3).
 * Any other nonzero tsc_hz still gives a correct scale (shift 30 for
 * 1 Hz, -34 for 2^64 - 1), but left shifts overflow sooner (see the top
 * of this file). tsc_hz == 0 gives mul_frac 0 and shift 0: every delta
 * then scales to 0 ns. Boot-time code: it divides 64-bit numbers
 * (__udivdi3 and __umoddi3, from lib/divide.c on i386).
 */
static inline void clock_compute_scale(uint64_t tsc_hz, uint32_t *mul_frac, int8_t *shift)
{
	const uint64_t ns_fixed = CLOCK_NS_PER_SEC << 32;	/* 1e9 * 2^32 */
	uint64_t q, r;
	int s = 0;

	if (tsc_hz == 0) {
		*mul_frac = 0;
		*shift = 0;
		return;
	}

	if (tsc_hz <= CLOCK_NS_PER_SEC) {
		while ((tsc_hz << s) <= CLOCK_NS_PER_SEC)	/* cannot overflow: <= 2e9 */
			s++;
		q = ns_fixed / (tsc_hz << s);
	} else {
		/* tsc_hz * 2^s > 2e9, that is tsc_hz >= 2e9 * 2^-s + 1, that
		 * is (tsc_hz - 1) >> -s >= 2e9: a test that cannot overflow. */
		while (((tsc_hz - 1) >> -s) >= 2 * CLOCK_NS_PER_SEC)
			s--;
		/* floor(ns_fixed * 2^-s / tsc_hz) by long division: one more
		 * quotient bit per step, with 0 <= r < tsc_hz all along (r is
		 * doubled as r - (tsc_hz - r) or r + r, so it never overflows). */
		q = ns_fixed / tsc_hz;
		r = ns_fixed % tsc_hz;
		for (int i = 0; i < -s; i++) {
			q <<= 1;
			if (r >= tsc_hz - r) {
				q |= 1;
				r -= tsc_hz - r;
			} else {
				r += r;
			}
		}
	}
	*mul_frac = (uint32_t)q;
	*shift = (int8_t)s;
}

/*
 * Nanoseconds at tsc_now, from the time information that the hypervisor
 * published: system_time ns at tsc_timestamp, and the scale. The caller
 * reads the fields consistently (the shared page's version counter:
 * even, and the same before and after the reads).
 */
static inline uint64_t clock_ns_from_tsc(uint64_t tsc_now, uint64_t tsc_timestamp,
					 uint64_t system_time, uint32_t mul_frac, int8_t shift)
{
	return system_time + clock_scale_delta(tsc_now - tsc_timestamp, mul_frac, shift);
}

#endif /* SV_CLOCK_H */
