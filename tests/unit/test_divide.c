/*
 * test_divide.c: lib/divide.c, the 64-bit division GCC calls on i386.
 * Built here under other names (see the Makefile), beside the host's own
 * 64-bit divide, which gives the answer for every pair: the boundaries
 * (0, 1, 2^32 - 1, 2^32, 2^64 - 1, powers of two) and many random ones.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "unit.h"

uint64_t k_udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t k_udivdi3(uint64_t n, uint64_t d);
uint64_t k_umoddi3(uint64_t n, uint64_t d);

static int failures;

static void check_pair(uint64_t n, uint64_t d)
{
	uint64_t r = ~0ull;
	uint64_t q = k_udivmoddi4(n, d, &r);
	if (q != n / d || r != n % d || k_udivdi3(n, d) != n / d || k_umoddi3(n, d) != n % d) {
		if (failures++ < 10)
			CHECK(false, "%#llx / %#llx: got %#llx rem %#llx, want %#llx rem %#llx",
			      (unsigned long long)n, (unsigned long long)d, (unsigned long long)q,
			      (unsigned long long)r, (unsigned long long)(n / d),
			      (unsigned long long)(n % d));
	}
}

int main(void)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 7, 10, 16, 0x7FFFFFFFull, 0xFFFFFFFFull, 0x100000000ull,
		0x100000001ull, 0xFFFFFFFFFFFull, 0x8000000000000000ull,
		0xFFFFFFFFFFFFFFFEull, 0xFFFFFFFFFFFFFFFFull, 1000000000ull,
	};
	const int n_edges = sizeof(edges) / sizeof(edges[0]);

	for (int i = 0; i < n_edges; i++)
		for (int j = 0; j < n_edges; j++)
			if (edges[j])
				check_pair(edges[i], edges[j]);
	for (int b = 0; b < 64; b++)
		for (int c = 0; c < 64; c++)
			check_pair(1ull << b, 1ull << c), check_pair((1ull << b) - 1 + (b == 0), 1ull << c);
	for (int i = 0; i < 200000; i++) {
		uint64_t n = unit_random() >> (unit_random() % 64);
		uint64_t d = unit_random() >> (unit_random() % 64);
		if (d)
			check_pair(n, d);
	}
	/* A NULL remainder pointer is allowed (that is how __udivdi3 asks). */
	CHECK_EQ(k_udivmoddi4(100, 7, NULL), 14, "100 / 7 with no remainder pointer");
	CHECK(failures == 0, "%d pairs divided wrongly", failures);
	return unit_done();
}
