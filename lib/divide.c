/*
 * divide.c: 64-bit division on a 32-bit CPU. GCC turns a / or % of
 * uint64_t into calls of these (libgcc's names). They are ours, not
 * libgcc's, because everything here is built with -mregparm=3 (the first
 * three arguments in eax, edx, ecx, as Linux does on i386), and GCC
 * passes those arguments the same way, while a prebuilt libgcc expects
 * them on the stack. Only printing and a few slow paths divide 64-bit
 * numbers: a bit at a time is fast enough.
 */
#include "lib.h"

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0, r = 0;

	if (d >> 32 == 0 && n >> 32 == 0) {	/* the CPU's own divide */
		if (rem)
			*rem = (uint32_t)n % (uint32_t)d;
		return (uint32_t)n / (uint32_t)d;
	}
	for (int bit = 63; bit >= 0; bit--) {	/* long division, base 2 */
		r = r << 1 | ((n >> bit) & 1);
		if (r >= d) {
			r -= d;
			q |= 1ULL << bit;
		}
	}
	if (rem)
		*rem = r;
	return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
	return __udivmoddi4(n, d, NULL);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
	uint64_t r;
	__udivmoddi4(n, d, &r);
	return r;
}
