/*
 * fpu_math: floating point in C, as a guest writer would use it, gives
 * the same bits as on the host, beside neighbours that hammer the FPU
 * with other rounding modes and precisions.
 *
 * Unlike every other guest, this one is compiled with SSE allowed
 * (-msse2 -mfpmath=sse -fno-math-errno, so sqrt is one sqrtsd; not
 * -mgeneral-regs-only: see the Makefile), so
 * the compiler keeps doubles and floats in xmm registers and long
 * doubles on the x87 stack, live across the timer's preemptions. Each
 * result is computed ROUNDS times, with a yield between rounds, and
 * must come out the same every time; tests/boot_tests.py computes the
 * same expressions in Python (IEEE double, float and the x87's 64-bit
 * significand) and compares the bits printed as
 *
 *     RESULT name 0xHEX
 *
 * A neighbour's MXCSR rounding mode, flush-to-zero bit or x87 precision
 * leaking in would change the last bits, and the logistic maps, which
 * are chaotic, turn any such change into a different number.
 *
 *   module line: fpu_math.elf name=NAME [rounds=20]
 */
#include "xtf.h"

struct results {
	double inverse_squares;	/* sum of 1/k^2, k = 1..2000 */
	double roots;		/* sum of sqrt(k), k = 1..500 */
	double logistic;	/* x = 3.9 x (1 - x), 1000 steps from 0.25 */
	float harmonic_f;	/* sum of 1/k in float, k = 1..2000 */
	long double logistic_x87;	/* the map in 80 bits, 300 steps from 0.25 */
};

static void __attribute__((noinline)) compute(struct results *r)
{
	double s = 0.0;
	for (int k = 1; k <= 2000; k++)
		s += 1.0 / ((double)k * (double)k);
	r->inverse_squares = s;

	double q = 0.0;
	for (int k = 1; k <= 500; k++)
		q += __builtin_sqrt((double)k);
	r->roots = q;

	double x = 0.25;
	for (int i = 0; i < 1000; i++)
		x = 3.9 * x * (1.0 - x);
	r->logistic = x;

	float f = 0.0f;
	for (int k = 1; k <= 2000; k++)
		f += 1.0f / (float)k;
	r->harmonic_f = f;

	long double y = 0.25L;
	for (int i = 0; i < 300; i++)
		y = 3.9L * y * (1.0L - y);
	r->logistic_x87 = y;
}

static uint64_t bits64(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof(u));
	return u;
}

int main(const struct sv_start_info *si)
{
	(void)si;
	uint32_t rounds = sv_cmdline_uint("rounds", 20);
	struct results first, r;

	compute(&first);
	for (uint32_t i = 1; i < rounds; i++) {
		sv_yield();
		compute(&r);
		CHECK(memcmp(&r, &first, offsetof(struct results, logistic_x87) + 10) == 0,
		      "round %u differs from round 0", i);
	}
	uint32_t f;
	uint16_t top;
	uint64_t low;
	memcpy(&f, &first.harmonic_f, 4);
	memcpy(&low, &first.logistic_x87, 8);
	memcpy(&top, (const uint8_t *)&first.logistic_x87 + 8, 2);
	printf("RESULT inverse_squares %#llx\n", (unsigned long long)bits64(first.inverse_squares));
	printf("RESULT roots %#llx\n", (unsigned long long)bits64(first.roots));
	printf("RESULT logistic %#llx\n", (unsigned long long)bits64(first.logistic));
	printf("RESULT harmonic_f %#x\n", f);
	printf("RESULT logistic_x87 %#x%016llx\n", top, (unsigned long long)low);
	printf("fpu_math: %u rounds\n", rounds);
	return xtf_verdict("fpu_math");
}
