/*
 * spinner: a guest that never yields or blocks. It spins, reading the
 * TSC clock of its shared-info page (no hypercall), for spin_ms
 * milliseconds, then prints "done". Beside it, other domains must still
 * run: while one waits, the hypervisor takes the CPU back at the end of
 * every time slice.
 *
 *   module line: spinner.elf name=NAME [spin_ms=500]
 */
#include "sv.h"

int main(const struct sv_start_info *si)
{
	uint64_t ms = sv_cmdline_uint("spin_ms", 500);
	uint64_t start = sv_now(), end = start + ms * 1000000;
	uint64_t now, last = start;
	uint32_t changes = 0;

	printf("%s: spinning for %u ms\n", si->name, (uint32_t)ms);
	while ((now = sv_now()) < end) {
		if (now != last)
			changes++;	/* we were interrupted and re-entered */
		last = now;
	}
	printf("done after %u ms, the time changed %u times while spinning\n",
	       (uint32_t)((now - start) / 1000000), changes);
	return 0;
}
