/*
 * fpubench: what a domain switch costs, with and without FPU state.
 *
 * Two copies run, role=ping (domain 0, measures) and role=echo (domain
 * 1), and nobody else: each SV_OP_YIELD hands the CPU to the other, so
 * one sample, from ping's rdtsc before its yield to its rdtsc after, is
 * two domain switches and echo's turn in between (its loop and its own
 * yield). Both run the same two phases, in step:
 *
 *   switch_plain  neither domain touches the FPU
 *   switch_fpu    each executes one SSE instruction (addps) after every
 *                 return from its yield, inside the timed region: with
 *                 lazy switching (fpu=lazy) that is where the #NM comes
 *
 * bench/run.py boots the pair with the default eager switching and
 * again with fpu=lazy, and prints both (docs/domains.md, section 6).
 * Each figure is the median of ROUNDS samples minus an empty rdtsc
 * pair, printed as "BENCH name median min max".
 */
#include "bench.h"

#define ROUNDS	101
#define WARMUP	10

static uint32_t samples[ROUNDS];

static inline void use_fpu(void)
{
	__asm__ volatile("addps %%xmm1, %%xmm0" ::: "memory");
}

/* One phase: WARMUP + rounds yields, each followed by one FPU
 * instruction if fpu; ping times the last rounds of them. */
static void phase(bool ping, bool fpu, uint32_t rounds, uint32_t overhead, const char *name)
{
	for (uint32_t i = 0; i < WARMUP + rounds; i++) {
		uint64_t t0 = rdtsc();
		sv_yield();
		if (fpu)
			use_fpu();
		uint64_t t1 = rdtsc();
		if (i >= WARMUP)
			samples[i - WARMUP] = bench_net((uint32_t)(t1 - t0), overhead);
	}
	if (ping)
		bench_report(name, samples, rounds);
}

int main(const struct sv_start_info *si)
{
	(void)si;
	bool ping = bench_is_ping();
	uint32_t rounds = bench_rounds(ROUNDS);

	/* The cost of the measurement itself: an empty rdtsc pair. */
	for (uint32_t r = 0; r < rounds; r++) {
		uint64_t t0 = rdtsc();
		uint64_t t1 = rdtsc();
		samples[r] = (uint32_t)(t1 - t0);
	}
	if (ping)
		bench_report("fpu_rdtsc_pair", samples, rounds);
	else
		bench_sort(samples, rounds);
	uint32_t overhead = samples[rounds / 2];

	phase(ping, false, rounds, overhead, "switch_plain");
	phase(ping, true, rounds, overhead, "switch_fpu");
	return 0;
}
