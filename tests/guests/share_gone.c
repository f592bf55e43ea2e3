/*
 * share_gone: when a peer leaves a share, by dropping it or by dying in
 * the middle of a conversation, the others learn it through offset 0,
 * everything the peer had on the share goes with it, and every frame
 * comes back.
 *
 *   module lines: share_gone.elf name=NAME role=dom0 dropper=1 crasher=2
 *                 share_gone.elf name=NAME role=dropper share=32
 *                 share_gone.elf name=NAME role=crasher share=32
 *
 * Domain 0 (the survivor) creates a share, gets it, watches offset 0 and
 * OFF_READY (counter 2: one trigger from each peer), then grants it to
 * the dropper and, once the dropper holds it, to the crasher: peer ids 1
 * and 2. Each peer maps the share (the crasher read-only), registers
 * three SV_SG_IN lists and two SV_SG_OUT lists, watches an offset of its
 * own, and triggers OFF_READY. Domain 0 talks to both (a transfer into each one's
 * first IN list, a trigger of each one's watch), then:
 *
 *   1. tells the dropper to drop (OFF_DROP): its offset-0 watch fires;
 *      transfers to peer 1 are SV_ENOENT (it has left), its watch is gone
 *      (the trigger fires 0), the peers bitmask is 0x5. The dropper checks
 *      that nothing of the share is left to it, and exits.
 *   2. tells the crasher to crash (OFF_CRASH): it writes to its read-only
 *      mapping and is killed (#PF). The offset-0 watch fires again; peer 2
 *      is SV_ENOENT for both directions though it still had lists
 *      registered; its watch is gone; the domain list says killed, 0 pages.
 *
 * Last, with both gone, domain 0 drops and destroys the share and finds
 * the free frames plus the other domains' pages what they were at the
 * start: the share's pages and the peers' page tables all came back.
 * The crasher prints its verdict (on its set-up) just before it faults.
 */
#include "shares.h"

#define NPAGES		2
#define OFF_READY	64
#define OFF_DROP	68
#define OFF_CRASH	72
#define OFF_DROPPER_W	(SV_PAGE_SIZE + 4)
#define OFF_CRASHER_W	(SV_PAGE_SIZE + 8)

#define DOM0_PORT	4
#define PEER_PORT	5
#define MAP_VA		0x10000000u

static uint8_t buf[2][300];	/* domain 0's side of the transfers */

static int32_t send_to(sv_share_t id, uint32_t peer)
{
	struct sv_sg sg = { (uint32_t)buf[0], 300 };
	return sv_sg_xfer(id, SV_XFER_SEND, peer, &sg, 1);
}

static int32_t recv_from(sv_share_t id, uint32_t peer)
{
	struct sv_sg sg = { (uint32_t)buf[1], 300 };
	return sv_sg_xfer(id, SV_XFER_RECV, peer, &sg, 1);
}

/* ---- domain 0, the survivor */

/* Re-arm the offset-0 watch, make peer leave (signal off), and see the
 * watch fire and the port raised. */
static void make_leave(sv_share_t id, uint32_t *left, uint32_t off, const char *who)
{
	*left = 1;
	uint32_t events0 = port_events[DOM0_PORT];
	CHECK(signal_peer(id, off, 1), "the %s never waited for its signal", who);
	CHECK(WAIT_UNTIL(*left == 0), "the offset-0 watch did not fire when the %s left", who);
	CHECK(port_events[DOM0_PORT] > events0, "no event on port %u when the %s left",
	      DOM0_PORT, who);
}

/* Peer p is gone: nothing to transfer with, its watch gone too. */
static void check_gone(sv_share_t id, uint32_t p, uint32_t its_watch)
{
	CHECK_RC(send_to(id, p), SV_ENOENT);
	CHECK_RC(recv_from(id, p), SV_ENOENT);
	CHECK_EQ(sv_trigger(id, its_watch), 0);
}

static int dom0(sv_share_t want_id)
{
	static uint32_t left = 1, ready = 2;
	uint32_t dropper = sv_cmdline_uint("dropper", 1), crasher = sv_cmdline_uint("crasher", 2);
	uint32_t base = free_and_others();

	sv_share_t id = sv_share_create(NPAGES);
	if (!CHECK_EQ(id, want_id))
		return xtf_verdict("share_gone");
	CHECK_RC(sv_share_grant(id, (sv_domid_t)start_info->domid), SV_OK);
	CHECK_EQ(sv_share_get(id, DOM0_PORT), 0);
	CHECK_RC(sv_watch(id, 0, &left), SV_OK);
	CHECK_RC(sv_watch(id, OFF_READY, &ready), SV_OK);
	CHECK_RC(sv_share_grant(id, (sv_domid_t)dropper), SV_OK);
	CHECK(WAIT_UNTIL(peers_of(id) == 0x3), "the dropper never got the share");
	CHECK_RC(sv_share_grant(id, (sv_domid_t)crasher), SV_OK);
	CHECK(WAIT_UNTIL(ready == 0), "the peers never got ready: ready %u", ready);
	CHECK_EQ(peers_of(id), 0x7);

	/* The conversation, while both are there. */
	for (uint32_t p = 1; p <= 2; p++) {
		CHECK_EQ(send_to(id, p), 300);
		CHECK_EQ(recv_from(id, p), 300);
	}
	CHECK_EQ(sv_trigger(id, OFF_DROPPER_W), 1);
	CHECK_EQ(sv_trigger(id, OFF_CRASHER_W), 1);

	make_leave(id, &left, OFF_DROP, "dropper");
	CHECK_EQ(peers_of(id), 0x5);
	check_gone(id, 1, OFF_DROPPER_W);
	CHECK_EQ(send_to(id, 2), 300);		/* the other one still takes data */

	make_leave(id, &left, OFF_CRASH, "crasher");
	CHECK_EQ(peers_of(id), 0x1);
	check_gone(id, 2, OFF_CRASHER_W);
	struct sv_domain_info ci = domain_info(crasher);
	CHECK_EQ(ci.state, SV_DOM_KILLED);
	CHECK_EQ(ci.pages, 0);

	CHECK(WAIT_UNTIL(others_ended()), "the peers did not end");
	CHECK_RC(sv_share_drop(id), SV_OK);
	CHECK_RC(sv_share_destroy(id), SV_OK);
	uint32_t end = free_and_others();
	printf("free frames and the others' pages: %u at the start, %u at the end\n", base, end);
	CHECK_EQ(end, base);
	return xtf_verdict("share_gone");
}

/* ---- the peers */

/* Map, three IN lists, two OUT lists (the first in the mapping: it may be
 * read-only), a watch; then say ready. Domain 0 uses two IN lists and one
 * OUT list while the peer is there, so some are left when it goes.
 * Returns the handle of the last OUT list. */
static int32_t peer_setup(sv_share_t id, uint32_t map_flags, uint32_t watch_off)
{
	static uint8_t in[3][300], out1[300];
	static uint32_t counter = 100, len[5];
	struct sv_sg out0 = { MAP_VA + SV_PAGE_SIZE - 100, 300 };	/* across the pages */

	CHECK_RC(sv_share_map(id, MAP_VA, map_flags), SV_OK);
	for (uint32_t i = 0; i < 3; i++) {
		struct sv_sg sg = { (uint32_t)in[i], sizeof(in[i]) };
		CHECK(sv_sg_register(id, SV_SG_IN, &sg, 1, &len[i]) >= 0, "IN list %u", i);
	}
	CHECK(sv_sg_register(id, SV_SG_OUT, &out0, 1, &len[3]) >= 0, "OUT list 0");
	int32_t h = sv_sg_register(id, SV_SG_OUT, &(struct sv_sg){ (uint32_t)out1, 300 }, 1,
				   &len[4]);
	CHECK(h >= 0, "OUT list 1: %d", h);
	CHECK_RC(sv_watch(id, watch_off, &counter), SV_OK);
	CHECK_EQ(sv_trigger(id, OFF_READY), 1);		/* domain 0's watch */
	return h;
}

static int dropper(sv_share_t id)
{
	CHECK_EQ(get_when_granted(id, PEER_PORT), 1);
	int32_t h = peer_setup(id, 0, OFF_DROPPER_W);
	CHECK(await_trigger(id, OFF_DROP), "domain 0 never said OFF_DROP");

	CHECK_RC(sv_share_drop(id), SV_OK);
	/* Nothing of it is left. */
	CHECK(!writable(MAP_VA), "the mapping at %#x is still there", MAP_VA);
	CHECK_RC(sv_share_info(id, &(struct sv_share_status){ 0 }), SV_ENOENT);
	CHECK_RC(sv_trigger(id, 0), SV_ENOENT);
	CHECK_RC(sv_share_unmap(id), SV_ENOENT);
	CHECK_RC(sv_sg_unregister(id, h), SV_ENOENT);
	CHECK_RC(send_to(id, 0), SV_ENOENT);
	CHECK_RC(sv_share_drop(id), SV_ENOENT);
	return xtf_verdict("share_gone");
}

static int crasher(sv_share_t id)
{
	CHECK_EQ(get_when_granted(id, PEER_PORT), 2);
	(void)peer_setup(id, SV_MAP_READONLY, OFF_CRASHER_W);
	CHECK(await_trigger(id, OFF_CRASH), "domain 0 never said OFF_CRASH");
	if (xtf_verdict("share_gone") != 0)
		return 1;
	printf("writing to my read-only mapping at %#x\n", MAP_VA);
	*(volatile uint32_t *)MAP_VA = 0xDEAD;
	printf("survived a write to a read-only mapping\n");
	return 2;
}

int main(const struct sv_start_info *start)
{
	static const struct role roles[] = { { "dom0", dom0 }, { "dropper", dropper }, { "crasher", crasher } };

	(void)start;
	return run_role("share_gone", roles, sizeof(roles) / sizeof(roles[0]));
}
