/*
 * deadlock: blocks with no timer armed and nobody to send it an event.
 * With every other domain gone, nothing can ever wake it: the hypervisor
 * must notice, kill it ("deadlock") and end the run instead of hanging.
 */
#include "sv.h"

int main(const struct sv_start_info *si)
{
	printf("%s: blocking with nothing to wake me\n", si->name);
	sv_block();
	printf("woken up, which should be impossible\n");
	return 1;
}
