/*
 * share_state.c: share/share.c, watch.c and sg.c compiled as one unit,
 * so that the host tests can look into their static tables (the share
 * code itself has nothing for tests).
 *
 * When every domain has died, every share, watch and sg list is gone,
 * but two counters go on by design: each share slot's generation (in
 * ids) and the sg sequence number (in handles, and in "oldest list
 * first"). The fuzzer's next input would see other ids and handles than
 * a fresh process replaying it alone, so a crash found after many inputs
 * might not replay: share_state_reset puts them back to their boot
 * values, as a reboot would. share_state_skip_seq moves the sequence
 * number on, to reach the states of a long-running hypervisor.
 */
#include "../../share/share.c"
#include "../../share/watch.c"
#include "../../share/sg.c"
#include "share_state.h"

const char *share_state_leftover(void)
{
	for (uint32_t i = 0; i < SV_MAX_SHARES; i++)
		if (shares[i].used)
			return "a share";
	for (uint32_t i = 0; i < WATCH_POOL; i++)
		if (pool[i].used)
			return "a watch in the pool";
	for (uint32_t b = 0; b < WATCH_BUCKETS; b++)
		if (buckets[b] != NIL)
			return "a watch in a hash bucket";
	for (uint32_t d = 0; d < SV_MAX_DOMAINS; d++) {
		if (count_of[d])
			return "a domain's watch count";
		if (in_use[d])
			return "an sg list";
		if (queue_head[d] || queue_tail[d])
			return "an sg queue";
	}
	return NULL;
}

void share_state_reset(void)
{
	memset(generation, 0, sizeof(generation));
	next_seq = 0;
}

void share_state_skip_seq(uint32_t n)
{
	next_seq += n;
}

bool share_state_has_list(uint32_t dom, uint32_t handle)
{
	const struct sg_list *l = &lists[dom % SV_MAX_DOMAINS][handle % SV_MAX_SG_LISTS];
	return list_used(dom % SV_MAX_DOMAINS, handle % SV_MAX_SG_LISTS) &&
	       l->handle == (int32_t)handle;
}
