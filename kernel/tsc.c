/*
 * tsc.c: the TSC clock (tsc.h).
 *
 * At boot the TSC is counted over CALIBRATE_US of the PIT's own count
 * (timer_delay_us): its rate gives the scale, a multiplier and a shift
 * (lib/clock.h, as Xen's set_time_scale), so that converting ticks to
 * nanoseconds is a multiply, never a division. The origin is the TSC
 * at the end of the measurement.
 */
#include "clock.h"	/* lib/clock.h: the scale arithmetic */
#include "tsc.h"
#include "klib.h"
#include "timer.h"
#include "x86.h"

#define CALIBRATE_US	25000	/* 2.5 ticks of the PIT: about 1 in 30,000 */

static uint64_t origin_tsc;
static uint32_t mul_frac;
static int8_t shift;

void tsc_init(void)
{
	uint64_t t0 = rdtsc();
	timer_delay_us(CALIBRATE_US);
	uint64_t t1 = rdtsc();
	uint64_t hz = (t1 - t0) * (1000000 / CALIBRATE_US);

	if (hz < CLOCK_TSC_HZ_MIN || hz > CLOCK_TSC_HZ_MAX)	/* lib/clock.h's range */
		panic("clock: the TSC counted %llu ticks in %u us of the PIT: no clock to give "
		      "the domains", (unsigned long long)(t1 - t0), CALIBRATE_US);
	clock_compute_scale(hz, &mul_frac, &shift);
	origin_tsc = t1;
	printk("clock: TSC at %llu kHz (measured over %u us of the PIT), ns = "
	       "(ticks %s %d) * %#x >> 32\n", (unsigned long long)(hz / 1000), CALIBRATE_US,
	       shift >= 0 ? "<<" : ">>", shift >= 0 ? shift : -shift, mul_frac);
}

uint64_t tsc_now_ns(void)
{
	return clock_scale_delta(rdtsc() - origin_tsc, mul_frac, shift);
}

void tsc_fill_time_info(struct sv_time_info *t)
{
	t->version++;			/* odd: being written */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t->tsc_timestamp = origin_tsc;
	t->system_time_ns = 0;
	t->tsc_to_system_mul = mul_frac;
	t->tsc_shift = shift;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t->version++;			/* even: consistent */
}
