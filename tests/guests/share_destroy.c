/*
 * share_destroy: domain 0 destroys a share while a peer still maps it.
 * The peer keeps what it has (the mapping reads and writes, watches and
 * transfers still work); nobody can get the share any more; and the
 * pages are freed only when the last holder has unmapped and dropped it,
 * at which point the free frames are exactly what they were before the
 * share was created.
 *
 *   module lines: share_destroy.elf name=NAME role=dom0 holder=1
 *                 share_destroy.elf name=NAME role=holder share=32
 *
 *   domain 0                                 holder
 *   base = free frames + the holder's pages
 *   creates 3 pages (free: base - 3), gets
 *   it, watches OFF_MAPPED, grants it        gets it (peer id 1), maps it
 *                                            read-write, fills it, triggers
 *                          <---------------- OFF_MAPPED
 *   destroys it: a second destroy, grants
 *   and its own get again are SV_ENOENT;
 *   drops it: still base - 3 (mapped)
 *   event PORT_DESTROYED   ----------------> sees destroyed = 1 and peers
 *                                            0x2; reads its bytes, writes
 *                                            new ones; a watch and an sg
 *                                            transfer to itself still work;
 *                                            unmaps, drops
 *   polls until free == base, while the
 *   holder is still alive; now the id is
 *   stale: get, info, grant, destroy are
 *   SV_ENOENT
 *
 * ("free" is the free frames plus the pages the holder holds, so the
 * holder's own page table for the mapping does not count.)
 *
 * Then domain 0's end destroys the shares it made. It creates Z (id 64:
 * slot 0 again, generation 2), gets it, grants it to the holder, and
 * sends PORT_NEXT; the holder gets and maps Z, watches offset 0 and
 * triggers OFF_MAPPED; domain 0 exits. Its end drops its peer (the
 * holder's offset-0 watch fires) and destroys Z: the holder sees
 * destroyed = 1, still uses its mapping, drops Z and exits, and run.py's
 * leak check sees Z's frames back.
 */
#include "shares.h"

#define NPAGES		3
#define BYTES		(NPAGES * SV_PAGE_SIZE)
#define OFF_MAPPED	40
#define DOM0_PORT	4
#define HOLDER_PORT	5
#define PORT_DESTROYED	7	/* domain 0 -> holder, by SV_OP_EVENT_SEND */
#define PORT_NEXT	8
#define Z_ID		(FIRST_SHARE_ID + SV_MAX_SHARES)	/* slot 0, generation 2 */
#define MAP_VA		0x10000000u

static bool alive(uint32_t domid)
{
	uint32_t state = domain_info(domid).state;
	return state == SV_DOM_RUNNABLE || state == SV_DOM_BLOCKED;
}

static int dom0(sv_share_t want_id)
{
	static uint32_t mapped = 1;
	uint32_t holder = sv_cmdline_uint("holder", 1);
	uint32_t base = free_and_others();

	sv_share_t id = sv_share_create(NPAGES);
	if (!CHECK_EQ(id, want_id))
		return xtf_verdict("share_destroy");
	CHECK_EQ(free_and_others(), base - NPAGES);
	CHECK_RC(sv_share_grant(id, (sv_domid_t)start_info->domid), SV_OK);
	CHECK_EQ(sv_share_get(id, DOM0_PORT), 0);
	CHECK_RC(sv_watch(id, OFF_MAPPED, &mapped), SV_OK);
	CHECK_RC(sv_share_grant(id, (sv_domid_t)holder), SV_OK);
	CHECK(WAIT_UNTIL(mapped == 0), "the holder never mapped the share");

	CHECK_RC(sv_share_destroy(id), SV_OK);
	CHECK_RC(sv_share_destroy(id), SV_ENOENT);
	CHECK_RC(sv_share_grant(id, (sv_domid_t)holder), SV_ENOENT);
	CHECK_RC(sv_share_grant(id, (sv_domid_t)start_info->domid), SV_ENOENT);
	CHECK_STATUS(id, .npages = NPAGES, .peer_id = 0, .port = DOM0_PORT, .peers = 0x3,
		     .destroyed = 1);
	CHECK_RC(sv_share_drop(id), SV_OK);
	CHECK_RC(sv_share_get(id, DOM0_PORT), SV_ENOENT);	/* granted once, destroyed now */
	CHECK_EQ(free_and_others(), base - NPAGES);	/* the holder still has it */

	CHECK_RC(sv_event_send((sv_domid_t)holder, PORT_DESTROYED), SV_OK);
	CHECK(WAIT_UNTIL(free_and_others() == base), "the share's frames never came back: "
	      "%u, expected %u", free_and_others(), base);
	CHECK(alive(holder), "the holder ended before its pages came back");
	printf("free frames and the holder's pages: %u before the share, %u after\n", base,
	       free_and_others());

	/* The share is gone: its id names nothing. */
	CHECK_RC(sv_share_get(id, DOM0_PORT), SV_ENOENT);
	CHECK_RC(sv_share_info(id, &(struct sv_share_status){ 0 }), SV_ENOENT);
	CHECK_RC(sv_share_grant(id, (sv_domid_t)holder), SV_ENOENT);
	CHECK_RC(sv_share_destroy(id), SV_ENOENT);

	/* Second share, Z: domain 0 ends while the holder maps it. */
	static uint32_t mapped_z = 1;
	sv_share_t z = sv_share_create(2);
	CHECK_EQ(z, Z_ID);
	CHECK_RC(sv_share_grant(z, (sv_domid_t)start_info->domid), SV_OK);
	CHECK_EQ(sv_share_get(z, DOM0_PORT), 0);
	CHECK_RC(sv_watch(z, OFF_MAPPED, &mapped_z), SV_OK);
	CHECK_RC(sv_share_grant(z, (sv_domid_t)holder), SV_OK);
	CHECK_RC(sv_event_send((sv_domid_t)holder, PORT_NEXT), SV_OK);
	CHECK(WAIT_UNTIL(mapped_z == 0), "the holder never mapped Z");
	printf("ending, the holder still maps share %d\n", z);
	return xtf_verdict("share_destroy");
}

static uint8_t pattern(uint32_t i, uint32_t seed)
{
	return (uint8_t)(((i + seed) * 2654435761u) >> 24);
}

static void fill(uint32_t seed)
{
	for (uint32_t i = 0; i < BYTES; i++)
		((volatile uint8_t *)MAP_VA)[i] = pattern(i, seed);
}

static void check_fill(uint32_t seed)
{
	uint32_t bad = 0;
	for (uint32_t i = 0; i < BYTES; i++)
		bad += ((volatile uint8_t *)MAP_VA)[i] != pattern(i, seed);
	CHECK(bad == 0, "%u bytes of the mapping differ (seed %u)", bad, seed);
}

/* Watches and transfers on the destroyed share still work. */
static void still_works(sv_share_t id)
{
	static uint8_t src[5000];
	static uint32_t counter = 1, len;
	struct sv_sg in = { MAP_VA + 2000, 5000 }, out = { (uint32_t)src, sizeof(src) };

	CHECK_RC(sv_watch(id, 8, &counter), SV_OK);
	CHECK_EQ(sv_trigger(id, 8), 1);
	CHECK_EQ(counter, 0);
	CHECK_RC(sv_unwatch(id, 8, &counter), SV_OK);

	for (uint32_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 3);
	CHECK(sv_sg_register(id, SV_SG_IN, &in, 1, &len) >= 0, "sg_register into the mapping");
	CHECK_EQ(sv_sg_xfer(id, SV_XFER_SEND, 1, &out, 1), sizeof(src));	/* to itself */
	CHECK_EQ(len, sizeof(src));
	CHECK(memcmp((const void *)(MAP_VA + 2000), src, sizeof(src)) == 0,
	      "the transfer into the mapping did not arrive");
}

/* Z: domain 0 ends while we map it. Its end drops its peer (offset 0
 * fires) and destroys Z; we keep our mapping until we drop it. */
static void outlive_dom0(void)
{
	static uint32_t left = 1;
	sv_share_t z = Z_ID;

	CHECK_EQ(get_when_granted(z, HOLDER_PORT), 1);
	CHECK_RC(sv_share_map(z, MAP_VA, 0), SV_OK);
	CHECK_RC(sv_watch(z, 0, &left), SV_OK);
	memset((void *)MAP_VA, 0x5A, 2 * SV_PAGE_SIZE);
	CHECK_EQ(sv_trigger(z, OFF_MAPPED), 1);
	CHECK(WAIT_UNTIL(left == 0), "the offset-0 watch did not fire when domain 0 ended");
	CHECK(WAIT_UNTIL(status_of(z).destroyed), "domain 0's end did not destroy Z");
	CHECK_STATUS(z, .npages = 2, .peer_id = 1, .port = HOLDER_PORT, .peers = 0x2,
		     .mapped_at = MAP_VA, .destroyed = 1);
	CHECK_EQ(((volatile uint8_t *)MAP_VA)[2 * SV_PAGE_SIZE - 1], 0x5A);
	((volatile uint8_t *)MAP_VA)[0] = 1;
	CHECK_RC(sv_share_drop(z), SV_OK);
	CHECK(!writable(MAP_VA), "Z is still mapped after the drop");
}

static int holder(sv_share_t id)
{
	CHECK_EQ(get_when_granted(id, HOLDER_PORT), 1);
	CHECK_RC(sv_share_map(id, MAP_VA, 0), SV_OK);
	fill(1);
	CHECK_EQ(sv_trigger(id, OFF_MAPPED), 1);

	CHECK(WAIT_UNTIL(port_events[PORT_DESTROYED] > 0), "domain 0 never destroyed the share");
	CHECK_STATUS(id, .npages = NPAGES, .peer_id = 1, .port = HOLDER_PORT, .peers = 0x2,
		     .mapped_at = MAP_VA, .destroyed = 1);
	check_fill(1);
	fill(2);
	check_fill(2);
	still_works(id);

	CHECK_RC(sv_share_unmap(id), SV_OK);
	CHECK_RC(sv_share_unmap(id), SV_ENOENT);
	CHECK_RC(sv_share_drop(id), SV_OK);
	CHECK(WAIT_UNTIL(port_events[PORT_NEXT] > 0), "domain 0 never said PORT_NEXT");
	outlive_dom0();
	return xtf_verdict("share_destroy");
}

int main(const struct sv_start_info *start)
{
	static const struct role roles[] = { { "dom0", dom0 }, { "holder", holder } };

	(void)start;
	return run_role("share_destroy", roles, sizeof(roles) / sizeof(roles[0]));
}
