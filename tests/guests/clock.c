/*
 * clock: the TSC clock of the shared-info page (include/sharevisor.h,
 * struct sv_time_info), read with rdtsc and no hypercall.
 *
 *   - The hypervisor published a scale: version even, a multiplier.
 *   - It never goes back, over many reads, and it moves between ticks:
 *     two reads a few instructions apart differ by far less than the
 *     10 ms of the old tick.
 *   - It agrees with the hypervisor: SV_OP_TIME_GET lies between two
 *     reads taken around it. The word that held time_ns (the tick's
 *     clock, gone since the hypervisor is tickless) reads 0.
 *   - A sleep of 30 ms takes at least 30 ms and at most two ticks more;
 *     sleeps of 3 ms end within 2 ms of their deadline (the median of
 *     15; ended by the next 10 ms tick, half of them would overshoot by
 *     5 ms or more): the deadline is the local APIC timer's. The median,
 *     because a loaded host may hold QEMU back now and then. Every port
 *     but the timer's is masked meanwhile, so each sleep blocks.
 *   - (tests/boot_tests.py) Each sleep blocked and was ended by a timer
 *     interrupt: the hypervisor's report counts them.
 *
 * Run on one CPU and on two (make test), where every CPU's TSC gives
 * the same clock.
 *
 *   module line: clock.elf name=NAME
 */
#include "xtf.h"

#define MS	1000000ull
#define TICK	(10 * MS)

int main(const struct sv_start_info *si)
{
	(void)si;
	const volatile struct sv_time_info *t = &shared_info->clock;

	CHECK((t->version & 1) == 0 && t->version != 0, "version %u: not published", t->version);
	CHECK(t->tsc_to_system_mul != 0, "no multiplier");

	uint64_t prev = sv_clock_ns(), smallest_step = ~0ull;
	uint32_t back = 0;
	for (uint32_t i = 0; i < 100000; i++) {
		uint64_t now = sv_clock_ns();
		if (now < prev)
			back++;
		else if (now > prev && now - prev < smallest_step)
			smallest_step = now - prev;
		prev = now;
	}
	CHECK_EQ(back, 0);
	CHECK(smallest_step < 100000, "the smallest step is %llu ns: no finer than a tick",
	      (unsigned long long)smallest_step);

	uint64_t before = sv_clock_ns(), got = 0;
	CHECK_RC(sv_time_get(&got), SV_OK);
	uint64_t after = sv_clock_ns();
	CHECK(before <= got && got <= after, "SV_OP_TIME_GET %llu is not between %llu and %llu",
	      (unsigned long long)got, (unsigned long long)before, (unsigned long long)after);

	CHECK(shared_info->reserved == 0, "the reserved word (was time_ns) is %llu, not 0",
	      (unsigned long long)shared_info->reserved);

	/* Only the timer may end a sleep: another pending port (the
	 * bystander's exit raises SV_PORT_DOMAIN_EXIT here, and we have no
	 * handler to clear it) would make every block return at once, and
	 * the sleeps would spin instead of waiting for the deadline. */
	shared_info->event_mask = ~(1u << SV_PORT_TIMER);
	uint64_t t0 = sv_clock_ns();
	sv_sleep_ns(30 * MS);
	uint64_t slept = sv_clock_ns() - t0;
	CHECK(slept >= 30 * MS && slept <= 30 * MS + 2 * TICK, "a sleep of 30 ms took %llu ns",
	      (unsigned long long)slept);
	uint64_t over[15];
	for (uint32_t i = 0; i < 15; i++) {
		uint64_t s0 = sv_clock_ns();
		sv_sleep_ns(3 * MS);
		over[i] = sv_clock_ns() - s0 - 3 * MS;
	}
	for (uint32_t i = 1; i < 15; i++)	/* sort, for the median */
		for (uint32_t j = i; j > 0 && over[j] < over[j - 1]; j--) {
			uint64_t x = over[j];
			over[j] = over[j - 1];
			over[j - 1] = x;
		}
	CHECK(over[7] < 2 * MS, "sleeps of 3 ms overshot by %llu ns (median): the tick's, not a "
	      "one-shot deadline's", (unsigned long long)over[7]);
	printf("smallest step %llu ns, slept %llu us for 30 ms, 3 ms sleeps overshot by %llu ns "
	       "(median)\n", (unsigned long long)smallest_step, (unsigned long long)(slept / 1000),
	       (unsigned long long)over[7]);
	return xtf_verdict("clock");
}
