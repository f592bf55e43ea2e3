/*
 * test_clock.c: lib/clock.h, TSC ticks to nanoseconds. clock_scale_delta
 * against the 96-bit product computed with the host's unsigned __int128,
 * on the boundaries and on many random values; clock_compute_scale on
 * real TSC rates (1 MHz to 10 GHz): the shift's window, mul_frac exactly
 * floor(1e9 * 2^(32 - shift) / tsc_hz), and the error of 1 ms, 1 s and
 * 1 hour of ticks against the bound that clock.h promises; and a TSC
 * that wraps between the timestamp and now.
 */
#include <stdint.h>
#include <stdio.h>
#include "clock.h"
#include "unit.h"

typedef unsigned __int128 u128;

/* What clock_scale_delta must return, from the full product. */
static uint64_t scale_ref(uint64_t delta, uint32_t mul, int shift)
{
	if (shift < 0)
		delta = shift > -64 ? delta >> -shift : 0;
	else
		delta = shift < 64 ? delta << shift : 0;
	return (uint64_t)(((u128)delta * mul) >> 32);
}

static int failures;

/* Count a wrong product; print the first few. */
static void check_scale(uint64_t delta, uint32_t mul, int shift)
{
	uint64_t got = clock_scale_delta(delta, mul, (int8_t)shift);
	uint64_t want = scale_ref(delta, mul, shift);
	if (got != want && failures++ < 5)
		CHECK(false, "scale %#llx by %#x shift %d: got %#llx, want %#llx",
		      (unsigned long long)delta, mul, shift, (unsigned long long)got,
		      (unsigned long long)want);
}

static void test_scale_edges(void)
{
	static const uint64_t deltas[] = {
		0, 1, 2, 3, 1000, 0x7FFFFFFFull, 0xFFFFFFFFull, 0x100000000ull,
		0x100000001ull, 0x1FFFFFFFFull, 0x00FFFFFFFFFFFFFFull,
		0x123456789ABCDEF0ull, 0x7FFFFFFFFFFFFFFFull, 0x8000000000000000ull,
		0xFFFFFFFF00000000ull, 0xFFFFFFFFFFFFFFFEull, 0xFFFFFFFFFFFFFFFFull,
	};
	static const uint32_t muls[] = {
		0, 1, 2, 0x7FFFFFFFu, 0x80000000u, 0x80000001u, 0xC0000000u,
		0x9ABCDEF1u, 0xFFFFFFFEu, 0xFFFFFFFFu,
	};
	int cases = 0;

	failures = 0;
	for (size_t i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++)
		for (size_t j = 0; j < sizeof(muls) / sizeof(muls[0]); j++)
			for (int shift = -8; shift <= 8; shift++, cases++)
				check_scale(deltas[i], muls[j], shift);
	/* Shifts that clock_compute_scale gives for 1 Hz and for 2^64 - 1 Hz,
	 * and those that shift every bit out. */
	static const int far_shifts[] = { -128, -64, -63, -34, 30, 63, 64, 127 };
	for (size_t i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++)
		for (size_t j = 0; j < sizeof(muls) / sizeof(muls[0]); j++)
			for (size_t k = 0; k < sizeof(far_shifts) / sizeof(far_shifts[0]); k++, cases++)
				check_scale(deltas[i], muls[j], far_shifts[k]);
	CHECK(failures == 0, "scale_delta: %d of %d boundary cases differ from the 96-bit product",
	      failures, cases);

	CHECK_EQ(clock_scale_delta(~0ull, 0xFFFFFFFFu, 0), 0xFFFFFFFEFFFFFFFFull,
		 "(2^64 - 1) * (2^32 - 1) >> 32, the largest product");
	CHECK_EQ(clock_scale_delta(0x123456789ull, 0x80000000u, 0), 0x123456789ull >> 1,
		 "mul_frac 2^31 halves");
	CHECK_EQ(clock_scale_delta(~0ull, 0, 5), 0, "mul_frac 0 gives 0");
	CHECK_EQ(clock_scale_delta(~0ull, 0xFFFFFFFFu, 64), 0, "shift 64 shifts every bit out");
	CHECK_EQ(clock_scale_delta(~0ull, 0xFFFFFFFFu, -64), 0, "shift -64 shifts every bit out");
}

static void test_scale_random(void)
{
	int n = 300000, not_monotonic = 0;

	failures = 0;
	for (int i = 0; i < n; i++) {
		uint64_t delta = unit_random() >> (unit_random() % 64);
		uint32_t mul = (uint32_t)unit_random() >> (unit_random() % 4 == 0 ? unit_random() % 32 : 0);
		int shift = (int)(unit_random() % 17) - 8;
		if (i % 8 == 0)		/* now and then any shift an int8_t holds */
			shift = (int)(int8_t)unit_random();
		check_scale(delta, mul, shift);
		/* One more tick never gives fewer nanoseconds, as long as the
		 * left shift keeps every bit. */
		if (delta != ~0ull && (shift <= 0 || (shift < 64 && ((delta + 1) << shift) >> shift == delta + 1))
		    && clock_scale_delta(delta + 1, mul, (int8_t)shift) <
		       clock_scale_delta(delta, mul, (int8_t)shift))
			not_monotonic++;
	}
	CHECK(failures == 0, "scale_delta: %d of %d random cases differ from the 96-bit product",
	      failures, n);
	CHECK(not_monotonic == 0, "scale_delta: %d of %d random deltas scale below delta - 1",
	      not_monotonic, n);
}

/* The scale chosen for hz: shift puts hz * 2^shift in (1e9, 2e9] and
 * mul_frac is exactly floor(1e9 * 2^(32 - shift) / hz). */
static bool scale_is_right(uint64_t hz, uint32_t mul, int8_t shift)
{
	u128 x_num = shift >= 0 ? (u128)hz << shift : hz;	/* hz * 2^shift = x_num / x_den */
	u128 x_den = shift >= 0 ? 1 : (u128)1 << -shift;
	u128 ns = CLOCK_NS_PER_SEC;
	if (shift < -40 || shift > 40)
		return false;
	if (!(x_num > ns * x_den && x_num <= 2 * ns * x_den))
		return false;
	return mul == (uint64_t)(((ns << 32) * x_den) / x_num);
}

/*
 * Convert ns_wanted worth of ticks at hz: the result must not be ahead of
 * the exact ticks * 1e9 / hz, and behind by less than 2 ns + exact / 2^31
 * (clock.h's bound). Returns the relative error.
 */
static double check_duration(uint64_t hz, uint32_t mul, int8_t shift, uint64_t ns_wanted,
			     const char *what)
{
	uint64_t ticks = (uint64_t)((u128)hz * ns_wanted / CLOCK_NS_PER_SEC);
	uint64_t got = clock_scale_delta(ticks, mul, shift);
	u128 exact_hz = (u128)ticks * CLOCK_NS_PER_SEC;	/* exact ns, times hz */
	u128 got_hz = (u128)got * hz;
	double exact = (double)exact_hz / (double)hz;
	double behind = got_hz <= exact_hz ? (double)(exact_hz - got_hz) / (double)hz : -1;
	double rel = behind / exact;

	CHECK(got_hz <= exact_hz && (exact_hz - got_hz) * ((u128)1 << 31) <
	      (u128)hz * ((u128)2 << 31) + exact_hz,
	      "%llu Hz, %s (%llu ticks): %llu ns, %.3f ns behind %.3f (bound 2 ns + %.3f ns), relative %.2e",
	      (unsigned long long)hz, what, (unsigned long long)ticks, (unsigned long long)got,
	      behind, exact, exact / 2147483648.0, rel);
	return rel;
}

static void test_compute_scale(void)
{
	static const uint64_t rates[] = {
		1000000ull, 14318180ull, 100000000ull, 1000000000ull, 2400000000ull,
		3000000000ull, 3999999999ull, 10000000000ull,
	};
	double worst_rel = 0;

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		uint64_t hz = rates[i];
		uint32_t mul = 0;
		int8_t shift = 0;
		clock_compute_scale(hz, &mul, &shift);
		CHECK(mul >= 0x80000000u && scale_is_right(hz, mul, shift),
		      "%llu Hz: mul_frac %#x (>= 2^31), shift %d, exactly the scale wanted",
		      (unsigned long long)hz, mul, shift);
		check_duration(hz, mul, shift, 1000000ull, "1 ms");
		double rel_s = check_duration(hz, mul, shift, CLOCK_NS_PER_SEC, "1 s");
		double rel_h = check_duration(hz, mul, shift, 3600 * CLOCK_NS_PER_SEC, "1 hour");
		if (rel_s > worst_rel)
			worst_rel = rel_s;
		if (rel_h > worst_rel)
			worst_rel = rel_h;
	}
	CHECK(worst_rel < 1e-8, "relative error of 1 s and 1 hour at every rate below 1e-8 (worst %.2e)",
	      worst_rel);

	/* The edges of the shift's window, and rates far outside the range. */
	static const struct { uint64_t hz; uint32_t mul; int8_t shift; } exact[] = {
		{ 1000000000ull, 0x80000000u, 1 },	/* 1 GHz: 2e9 ns per 2^32 */
		{ 2000000000ull, 0x80000000u, 0 },
		{ 4000000000ull, 0x80000000u, -1 },
		{ 1000000001ull, 0xFFFFFFFBu, 0 },	/* just above 1e9: largest mul */
		{ 1ull, 0xEE6B2800u, 30 },		/* 1 Hz: 4e9 = 1e9 * 2^32 / 2^30 */
	};
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
		uint32_t mul = 0;
		int8_t shift = 0;
		clock_compute_scale(exact[i].hz, &mul, &shift);
		CHECK(mul == exact[i].mul && shift == exact[i].shift,
		      "%llu Hz: mul_frac %#x shift %d (want %#x, %d)", (unsigned long long)exact[i].hz,
		      mul, shift, exact[i].mul, exact[i].shift);
	}
	static const uint64_t odd_rates[] = {
		2000000001ull, 4000000001ull, 8000000003ull, 0xFFFFFFFFFFFFFFFFull,
		0x8000000000000000ull, 1717986918400000000ull, 12345ull,
	};
	for (size_t i = 0; i < sizeof(odd_rates) / sizeof(odd_rates[0]); i++) {
		uint32_t mul = 0;
		int8_t shift = 0;
		clock_compute_scale(odd_rates[i], &mul, &shift);
		CHECK(scale_is_right(odd_rates[i], mul, shift), "%llu Hz: mul_frac %#x shift %d",
		      (unsigned long long)odd_rates[i], mul, shift);
	}

	uint32_t mul = 123;
	int8_t shift = 7;
	clock_compute_scale(0, &mul, &shift);
	CHECK(mul == 0 && shift == 0, "0 Hz: mul_frac 0, shift 0");

	/* Random rates in the designed range and anywhere in uint64_t. */
	int n = 100000, wrong = 0;
	for (int i = 0; i < n; i++) {
		uint64_t hz = i % 2 ? CLOCK_TSC_HZ_MIN + unit_random() % (CLOCK_TSC_HZ_MAX - CLOCK_TSC_HZ_MIN + 1)
				    : unit_random() >> (unit_random() % 64);
		if (hz == 0)
			continue;
		clock_compute_scale(hz, &mul, &shift);
		if (!scale_is_right(hz, mul, shift) && wrong++ < 5)
			CHECK(false, "%llu Hz: mul_frac %#x shift %d", (unsigned long long)hz, mul, shift);
	}
	CHECK(wrong == 0, "compute_scale: %d of %d random rates give another scale than wanted",
	      wrong, n);
}

/* The TSC wraps past 2^64 - 1 between the timestamp and now. */
static void test_wrap(void)
{
	uint32_t mul;
	int8_t shift;

	clock_compute_scale(1000000000ull, &mul, &shift);	/* 1 GHz: exact */
	uint64_t stamp = ~0ull - 999, now = 500;		/* 1500 ticks apart */
	CHECK_EQ(now - stamp, 1500, "a wrapped TSC: the delta in uint64_t is right");
	CHECK_EQ(clock_ns_from_tsc(now, stamp, 7000000000ull, mul, shift), 7000001500ull,
		 "1 GHz, 1500 ticks across the wrap: 1500 ns after the timestamp");

	clock_compute_scale(3000000000ull, &mul, &shift);
	stamp = ~0ull - 1499999;				/* 0.5 ms before the wrap */
	now = 1500000;						/* 0.5 ms after it */
	uint64_t ns = clock_ns_from_tsc(now, stamp, 5000000000ull, mul, shift);
	CHECK(ns <= 5001000000ull && ns + 2 >= 5001000000ull,
	      "3 GHz, 1 ms across the wrap: %llu ns (want 5001000000 less at most 2)",
	      (unsigned long long)ns);
	CHECK_EQ(ns, 5000000000ull + clock_scale_delta(3000000, mul, shift),
		 "3 GHz: the same as 3000000 ticks without a wrap");
}

int main(void)
{
	test_scale_edges();
	test_scale_random();
	test_compute_scale();
	test_wrap();
	return unit_done();
}
