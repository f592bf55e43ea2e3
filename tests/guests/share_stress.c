/*
 * share_stress: 50 full share lifetimes in a row leave nothing behind.
 *
 *   module line: share_stress.elf name=NAME   (domain 0, alone)
 *
 * Domain 0 grants each share to itself, so it is every party at once.
 * Cycle i creates a share of 1 + i % 16 pages, gets it, maps it (at
 * addresses that often straddle a 4 MiB page-table boundary, so the
 * mapping needs two page tables), fills it, watches its last word and
 * triggers it, registers an SV_SG_IN list in the mapping and sends into
 * it from its own memory (an sg_xfer to itself, peer 0), registers an
 * SV_SG_OUT list there and receives from it, and checks every byte.
 * Then it ends the share in one of four ways (unmap first or let the
 * drop unmap; destroy before or after the drop; two unused lists and a
 * watch left for the drop to remove: 24 lists in all, more than
 * SV_MAX_SG_LISTS, so one not removed shows), and checks:
 *
 *   - the free frames are exactly what they were before the first cycle
 *   - the old id is stale: get is SV_ENOENT; the next id is different
 *   - every notification came: 3 per cycle on its port
 *
 * It prints "50 cycles: free frames F before, F after, 150 events".
 */
#include "shares.h"

#define CYCLES		50
#define PORT		9
#define MAX_BYTES	(SV_SHARE_MAX_PAGES * SV_PAGE_SIZE)

static uint8_t src[MAX_BYTES], dst[MAX_BYTES];

static uint8_t byte_of(uint32_t cycle, uint32_t i)
{
	return (uint8_t)(((i + cycle * 977u) * 2654435761u) >> 24);
}

/* The mapping's address for cycle i: up to 7 pages below a 4 MiB
 * boundary, in a different 4 MiB region each time round. */
static uint32_t map_va(uint32_t i)
{
	return 0x10400000u + (i % 4) * 0x00400000u - (i % 8) * SV_PAGE_SIZE;
}

/* sg_xfer to ourselves: our buffer -> the mapping, then back. */
static void transfer(sv_share_t id, uint32_t cycle, uint32_t va, uint32_t bytes)
{
	static uint32_t len_in, len_out;
	uint32_t n = bytes - 2;
	struct sv_sg in_map = { va + 1, n }, mine_src = { (uint32_t)src, n };
	struct sv_sg mine_dst = { (uint32_t)dst, n };

	for (uint32_t i = 0; i < n; i++)
		src[i] = byte_of(cycle, i);
	len_in = len_out = 0;
	CHECK(sv_sg_register(id, SV_SG_IN, &in_map, 1, &len_in) >= 0, "cycle %u: IN list", cycle);
	CHECK_EQ(sv_sg_xfer(id, SV_XFER_SEND, 0, &mine_src, 1), n);
	CHECK_EQ(len_in, n);
	CHECK(memcmp((const void *)(va + 1), src, n) == 0, "cycle %u: sent bytes differ", cycle);

	memset(dst, 0, n);
	CHECK(sv_sg_register(id, SV_SG_OUT, &in_map, 1, &len_out) >= 0, "cycle %u: OUT list",
	      cycle);
	CHECK_EQ(sv_sg_xfer(id, SV_XFER_RECV, 0, &mine_dst, 1), n);
	CHECK_EQ(len_out, n);
	CHECK(memcmp(dst, src, n) == 0, "cycle %u: received bytes differ", cycle);
}

/* One share's whole life; returns its id. */
static sv_share_t cycle(uint32_t i, sv_share_t prev)
{
	static uint32_t counter, spare_len;
	uint32_t npages = 1 + i % SV_SHARE_MAX_PAGES, bytes = npages * SV_PAGE_SIZE;
	uint32_t va = map_va(i);

	sv_share_t id = sv_share_create(npages);
	if (!CHECK(id >= 0 && id != prev, "cycle %u: create gave %d (the last was %d)", i, id,
		   prev))
		return prev;
	CHECK_RC(sv_share_grant(id, (sv_domid_t)start_info->domid), SV_OK);
	CHECK_EQ(sv_share_get(id, PORT), 0);
	CHECK_RC(sv_share_map(id, va, 0), SV_OK);
	memset((void *)va, (int)i, bytes);

	counter = 1;
	CHECK_RC(sv_watch(id, bytes - 4, &counter), SV_OK);
	CHECK_EQ(sv_trigger(id, bytes - 4), 1);
	CHECK_EQ(counter, 0);
	transfer(id, i, va, bytes);

	switch (i % 4) {
	case 0:		/* tidy: unmap, unwatch, drop, destroy */
		CHECK_RC(sv_share_unmap(id), SV_OK);
		CHECK_RC(sv_unwatch(id, bytes - 4, &counter), SV_OK);
		CHECK_RC(sv_share_drop(id), SV_OK);
		CHECK_RC(sv_share_destroy(id), SV_OK);
		break;
	case 1:		/* destroy first: freed by the drop */
		CHECK_RC(sv_share_destroy(id), SV_OK);
		CHECK_RC(sv_share_drop(id), SV_OK);
		break;
	case 2:		/* leave two lists and the watch for the drop to remove */
		CHECK(sv_sg_register(id, SV_SG_IN, &(struct sv_sg){ va, 8 }, 1, &spare_len) >= 0,
		      "cycle %u: spare IN list", i);
		CHECK(sv_sg_register(id, SV_SG_OUT, &(struct sv_sg){ va, 8 }, 1, &spare_len) >= 0,
		      "cycle %u: spare OUT list", i);
		CHECK_RC(sv_share_drop(id), SV_OK);
		CHECK_RC(sv_share_destroy(id), SV_OK);
		break;
	default:	/* unmap, destroy, drop */
		CHECK_RC(sv_share_unmap(id), SV_OK);
		CHECK_RC(sv_share_destroy(id), SV_OK);
		CHECK_RC(sv_share_drop(id), SV_OK);
		break;
	}
	CHECK_RC(sv_share_get(id, PORT), SV_ENOENT);
	return id;
}

int main(const struct sv_start_info *si)
{
	sv_share_t id = -1;

	events_init(count_event);
	if (!CHECK(si->flags & SV_SIF_PRIVILEGED, "share_stress must run as domain 0"))
		return xtf_verdict("share_stress");
	uint32_t free0 = free_frames();
	for (uint32_t i = 0; i < CYCLES; i++) {
		id = cycle(i, id);
		uint32_t now = free_frames();
		CHECK(now == free0, "cycle %u: %u free frames, expected %u", i, now, free0);
	}
	CHECK_EQ(port_events[PORT], 3 * CYCLES);
	printf("%u cycles: free frames %u before, %u after, %u events\n", CYCLES, free0,
	       free_frames(), port_events[PORT]);
	return xtf_verdict("share_stress");
}
