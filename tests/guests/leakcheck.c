/*
 * leakcheck: when a domain ends, by exiting or by being killed, every
 * frame it held goes back to the hypervisor. Run as domain 0 beside
 * other guests: it notes the free frames and the pages each other domain
 * holds, waits until all of them have ended, and checks that the free
 * count grew by exactly the sum of those pages.
 *
 *   module line: leakcheck.elf name=NAME
 *
 * It prints "free at start F0, the others hold S" and "free at end F1";
 * PASS means F1 == F0 + S.
 */
#include "xtf.h"

static struct sv_domain_info doms[SV_MAX_DOMAINS];
static int32_t ndoms;
static volatile uint32_t exit_events;

static void on_event(uint32_t port)
{
	if (port == SV_PORT_DOMAIN_EXIT)
		exit_events++;
}

static bool alive(const struct sv_domain_info *d)
{
	return d->state == SV_DOM_RUNNABLE || d->state == SV_DOM_BLOCKED;
}

/* The domain list and the free count at one moment: read the list on
 * both sides of mem_info until no domain ended in between. */
static uint32_t snapshot(void)
{
	static struct sv_domain_info again[SV_MAX_DOMAINS];
	struct sv_mem_info mi;

	for (;;) {
		ndoms = sv_domain_list(doms, SV_MAX_DOMAINS);
		CHECK_RC(sv_mem_info(&mi), SV_OK);
		if (sv_domain_list(again, SV_MAX_DOMAINS) == ndoms &&
		    memcmp(doms, again, sizeof(doms)) == 0)
			return mi.free_frames;
	}
}

static bool others_gone(void)
{
	ndoms = sv_domain_list(doms, SV_MAX_DOMAINS);
	for (int32_t i = 0; i < ndoms; i++)
		if (doms[i].domid != start_info->domid && alive(&doms[i]))
			return false;
	return true;
}

int main(const struct sv_start_info *si)
{
	if (!CHECK(si->flags & SV_SIF_PRIVILEGED, "leakcheck must run as domain 0"))
		return xtf_verdict("leakcheck");
	events_init(on_event);

	uint32_t free0 = snapshot(), held = 0, others = 0;
	for (int32_t i = 0; i < ndoms; i++) {
		if (doms[i].domid == si->domid || !alive(&doms[i]))
			continue;
		held += doms[i].pages;
		others++;
	}
	printf("free at start %u, the others hold %u (%u domains)\n", free0, held, others);
	CHECK(others > 0, "no other domain is running");

	sv_block_until(others_gone);	/* every other domain has ended */
	uint32_t free1 = snapshot();
	for (int32_t i = 0; i < ndoms; i++) {
		if (doms[i].domid == si->domid)
			continue;
		printf("domain %u (%.16s): %s, status %d, %u pages\n", doms[i].domid,
		       doms[i].name, doms[i].state == SV_DOM_KILLED ? "killed" : "exited",
		       doms[i].exit_status, doms[i].pages);
		CHECK_EQ(doms[i].pages, 0);
	}
	printf("free at end %u, expected %u (difference %d)\n", free1, free0 + held,
	       (int32_t)(free1 - free0 - held));
	CHECK_EQ(free1, free0 + held);
	CHECK(exit_events > 0, "no SV_PORT_DOMAIN_EXIT event arrived");
	return xtf_verdict("leakcheck");
}
