/*
 * bench.h: what the benchmark guests share: the figure line that
 * bench/run.py reads, "BENCH name median min max".
 */
#ifndef SV_BENCH_H
#define SV_BENCH_H

#include "sv.h"

/* Sort the n samples in a, in place. */
static inline void bench_sort(uint32_t *a, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		uint32_t x = a[i], j = i;
		for (; j > 0 && a[j - 1] > x; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

/* Sort the n samples in a (in place) and print the figure. */
static inline void bench_report(const char *name, uint32_t *a, uint32_t n)
{
	bench_sort(a, n);
	printf("BENCH %s %u %u %u\n", name, a[n / 2], a[0], a[n - 1]);
}

/* A sample minus the cost of an empty rdtsc pair, never below 0: under
 * plain TCG a sample can come out shorter than the median empty pair. */
static inline uint32_t bench_net(uint32_t sample, uint32_t overhead)
{
	return sample > overhead ? sample - overhead : 0;
}

/* rounds= from the command line, 1 .. max (max if absent or out of range). */
static inline uint32_t bench_rounds(uint32_t max)
{
	uint32_t r = sv_cmdline_uint("rounds", max);
	return r == 0 || r > max ? max : r;
}

/* Is this the measuring side (role=ping)? The other is role=echo. */
static inline bool bench_is_ping(void)
{
	char role[8] = "";
	sv_cmdline_get("role", role, sizeof(role));
	return strncmp(role, "ping", sizeof(role)) == 0;
}

#endif /* SV_BENCH_H */
