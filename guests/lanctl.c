/*
 * lanctl: domain 0 of the LAN demo. It creates the LAN share (one page:
 * the control area of guests/lib/lan.h), grants it to every domain named
 * on its command line, waits until they have all ended, destroys the
 * share, and checks that every frame came back.
 *
 *   module line: lanctl.elf name=lanctl lan=ping,pong [fuzz=NAME,...] [lan2=NAME,...]
 *
 * fuzz=NAME,...: also create two shares (1 and 4 pages; ids 33 and 34)
 * for the domains named, so that hostile guests (tests/guests/fuzzer.c)
 * have shares to abuse, each other's mappings, lists and watches
 * included, without being on the LAN itself.
 *
 * lan2=NAME,...: a second LAN share, created last (id 33, or 35 after
 * the fuzz shares), for more stations than one share has peers
 * (SV_SHARE_MAX_PEERS): its stations say lan=33.
 *
 * The guests learn the share's id from their own command line (lan=32):
 * lanctl is the first to create a share in a fresh boot, so it gets the
 * first id, slot 0 of generation 1 = SV_MAX_SHARES. lanctl checks that.
 */
#include "sv.h"

#define LAN_SHARE_ID SV_MAX_SHARES

static struct sv_domain_info doms[SV_MAX_DOMAINS];

static uint32_t free_frames(void)
{
	struct sv_mem_info mi;
	sv_mem_info(&mi);
	return mi.free_frames;
}

static void on_event(uint32_t port)
{
	(void)port;	/* SV_PORT_DOMAIN_EXIT: sv_others_ended() will look */
}

int main(const struct sv_start_info *si)
{
	char lan[128];
	uint32_t free_before = free_frames();
	int n = sv_domain_list(doms, SV_MAX_DOMAINS);
	uint32_t others_pages = 0;

	for (int i = 0; i < n; i++)
		if (doms[i].domid != si->domid)
			others_pages += doms[i].pages;
	events_init(on_event);
	if (!sv_cmdline_get("lan", lan, sizeof(lan))) {
		printf("no lan= on the command line: nothing to do\n");
		return 1;
	}
	sv_share_t share = sv_share_create(1);
	if (share != LAN_SHARE_ID) {
		printf("the LAN share got id %d, not %d: the guests would not find it\n",
		       share, LAN_SHARE_ID);
		return 1;
	}
	sv_share_grant_each(share, lan, "LAN share");

	/* fuzz=: two shares for the hostile guests to abuse. */
	char fuzz[64];
	sv_share_t fuzz_shares[2] = { -1, -1 };
	if (sv_cmdline_get("fuzz", fuzz, sizeof(fuzz))) {
		for (int i = 0; i < 2; i++) {
			fuzz_shares[i] = sv_share_create(i ? 4 : 1);
			sv_share_grant_each(fuzz_shares[i], fuzz, "fuzz share");
		}
	}

	/* lan2=: a second LAN, for the stations the first has no room for. */
	sv_share_t share2 = -1;
	if (sv_cmdline_get("lan2", lan, sizeof(lan))) {
		share2 = sv_share_create(1);
		sv_share_grant_each(share2, lan, "LAN share");
	}

	sv_block_until(sv_others_ended);	/* woken by SV_PORT_DOMAIN_EXIT */
	sv_share_destroy(share);
	for (int i = 0; i < 2; i++)
		if (fuzz_shares[i] >= 0)
			sv_share_destroy(fuzz_shares[i]);
	if (share2 >= 0)
		sv_share_destroy(share2);
	uint32_t free_after = free_frames();
	printf("all stations done; free frames %u before, %u after (+%u given back)\n",
	       free_before, free_after, others_pages);
	return free_after == free_before + others_pages ? 0 : 1;
}
