/*
 * hello: the smallest useful guest. It says who it is, what it was given,
 * then prints a few numbered lines, yielding the CPU after each so that
 * other domains take turns on the console, and exits with status 0.
 *
 *   module line: hello.elf name=NAME [lines=N]
 */
#include "sv.h"

int main(const struct sv_start_info *si)
{
	uint32_t lines = sv_cmdline_uint("lines", 5);

	printf("hello from domain %u (%s), %u KiB, ABI version %d\n",
	       si->domid, si->name, si->mem_bytes >> 10, sv_version());
	for (uint32_t i = 1; i <= lines; i++) {
		printf("line %u of %u\n", i, lines);
		sv_yield();
	}
	printf("goodbye\n");
	return 0;
}
