/*
 * share_sg: scatter-gather transfers copy exactly the right bytes, both
 * ways, between lists of many small buffers of odd sizes that straddle
 * page boundaries, and tell the list's owner.
 *
 *   module lines: share_sg.elf name=NAME role=dom0 peer=1
 *                 share_sg.elf name=NAME role=peer share=32
 *
 * Each list lives in an "arena" (5 pages, filled with FILL): its entries
 * are laid out from offset 1 with a 3-byte gap between them, so most of
 * them cross a page boundary, and no two lists on the two sides have the
 * same entry sizes (so the copy's chunks end at a different place on each
 * side). A transfer carries a stream: byte k is stream(seed, k). After
 * each transfer the whole arena is compared with what it must be: the
 * first N bytes of the stream in the entries, FILL everywhere else (the
 * gaps, the unused tail of a list).
 *
 *   domain 0                                  peer
 *   gets the share, grants it, waits          gets it (peer id 1)
 *   SEND/RECV to the peer: SV_EAGAIN
 *     (no list yet), to itself too
 *   registers DL (SV_SG_IN, 2 entries)
 *   signal STEP_REGISTER  ------------------> registers X (IN), L1 (IN, 16),
 *                                             O1 (OUT, 16), unregisters X,
 *                                             registers L2 (IN, 2) in X's
 *                                             slot: L2 is newer than L1
 *                         <------------------ signal STEP_READY
 *   SEND 16 entries, 18464 bytes: cut to L1 (15336): the oldest list
 *   SEND 3 entries, 4105 bytes: into L2 (6000), not filled
 *   SEND again: SV_EAGAIN (both used)
 *   RECV 16 entries (17940 bytes) from O1: 15924 bytes
 *   RECV again: SV_EAGAIN                     sees each length word, its
 *                                             port's event, every byte;
 *                                             the used handles are gone
 *                                             SEND 5000 bytes into DL
 *   sees DL's length word, its port's
 *   event, every byte
 *
 * The peer's checks come after it saw the length words change, and it has
 * no watch set meanwhile: so its port's events there come from the
 * transfers alone (the same holds for domain 0 and DL).
 */
#include "shares.h"

#define NPAGES		1
#define DOM0_PORT	4
#define PEER_PORT	5
#define STEP_REGISTER	16
#define STEP_READY	20

#define FILL		0xEE
#define GAP		3
#define ARENA_BYTES	(5 * SV_PAGE_SIZE)
#define UNSET		0xFFFFFFFFu	/* a length word nobody wrote */

/* The sizes of every list: all odd, all different. */
static const uint32_t L1_SIZES[16] = { 1, 3, 4095, 17, 4097, 5, 333, 1, 7, 2049, 99, 3, 4093, 11,
				       513, 9 };		/* 15336 bytes */
static const uint32_t L2_SIZES[2] = { 3001, 2999 };	/* 6000 */
static const uint32_t O1_SIZES[16] = { 5, 4093, 1, 3, 701, 4097, 9, 1, 2049, 15, 3, 333, 4095, 7,
				       1, 511 };		/* 15924 */
static const uint32_t SEND16_SIZES[16] = { 7, 4099, 1, 1001, 3, 5, 2047, 4097, 15, 1, 777, 3,
					   4095, 9, 255, 2049 };	/* 18464 */
static const uint32_t SEND3_SIZES[3] = { 1, 4095, 9 };	/* 4105 */
static const uint32_t RECV16_SIZES[16] = { 4097, 1, 3, 2047, 11, 4095, 5, 1, 999, 3, 4099, 7, 1,
					   513, 9, 2049 };	/* 17940 */
static const uint32_t DL_SIZES[2] = { 2500, 3500 };	/* 6000 */
static const uint32_t PSEND_SIZES[3] = { 1000, 3000, 1000 };	/* 5000 */

#define N(a)	(sizeof(a) / sizeof((a)[0]))

enum { SEED_SEND16 = 1, SEED_SEND3, SEED_O1, SEED_PSEND };

/* ---- arenas */

struct arena {
	uint8_t *base;
	struct sv_sg sg[SV_SG_MAX_ENTRIES];
	uint32_t n, total;
	uint32_t len;		/* the length word, when the list is registered */
};

static uint8_t stream(uint32_t seed, uint32_t k)
{
	return (uint8_t)(((k + (seed << 16)) * 2654435761u) >> 24);
}

/* Lay the entries out in a FILL-ed arena; with seed != 0, write the
 * stream into them (a list that sends). */
static void arena_init(struct arena *a, uint8_t *base, const uint32_t *sizes, uint32_t n,
		       uint32_t seed)
{
	a->base = base;
	a->n = n;
	a->total = 0;
	a->len = UNSET;
	memset(base, FILL, ARENA_BYTES);
	for (uint32_t i = 0, off = 1; i < n; off += sizes[i++] + GAP) {
		a->sg[i] = (struct sv_sg){ (uint32_t)base + off, sizes[i] };
		if (seed)
			for (uint32_t j = 0; j < sizes[i]; j++)
				base[off + j] = stream(seed, a->total + j);
		a->total += sizes[i];
	}
}

/* The arena holds the first bytes of stream seed, FILL elsewhere. */
static void arena_check(int line, const char *what, const struct arena *a, uint32_t seed,
			uint32_t bytes)
{
	static uint8_t want[ARENA_BYTES];
	memset(want, FILL, sizeof(want));
	for (uint32_t i = 0, k = 0; i < a->n && k < bytes; i++)
		for (uint32_t j = 0; j < a->sg[i].len && k < bytes; j++, k++)
			want[a->sg[i].addr - (uint32_t)a->base + j] = stream(seed, k);
	uint32_t bad = 0, first = 0;
	for (uint32_t i = 0; i < ARENA_BYTES; i++)
		if (a->base[i] != want[i] && bad++ == 0)
			first = i;
	xtf_check(bad == 0, line, "%s: %u bytes differ, the first at arena offset %#x: %#x, "
		  "expected %#x", what, bad, first, a->base[first], want[first]);
}

#define ARENA_CHECK(what, a, seed, bytes) arena_check(__LINE__, what, a, seed, bytes)

static int32_t register_list(sv_share_t id, uint32_t dir, struct arena *a)
{
	int32_t h = sv_sg_register(id, dir, a->sg, a->n, &a->len);
	CHECK(h >= 0, "sg_register(%s, %u entries): %d (%s)", dir == SV_SG_IN ? "IN" : "OUT",
	      a->n, h, sv_strerror(h));
	return h;
}

static uint8_t arena_mem[4][ARENA_BYTES] __attribute__((aligned(SV_PAGE_SIZE)));

/* ---- domain 0 */

static void dom0_transfers(sv_share_t id)
{
	static struct arena send16, send3, recv16;
	const uint32_t peer = 1;

	arena_init(&send16, arena_mem[0], SEND16_SIZES, N(SEND16_SIZES), SEED_SEND16);
	arena_init(&send3, arena_mem[1], SEND3_SIZES, N(SEND3_SIZES), SEED_SEND3);
	arena_init(&recv16, arena_mem[2], RECV16_SIZES, N(RECV16_SIZES), 0);

	/* Sent: cut to the oldest IN list, L1. */
	CHECK_EQ(sv_sg_xfer(id, SV_XFER_SEND, peer, send16.sg, send16.n), 15336);
	ARENA_CHECK("send16 after sending", &send16, SEED_SEND16, send16.total);
	/* Then L2, of which only the first 4105 bytes are filled. */
	CHECK_EQ(sv_sg_xfer(id, SV_XFER_SEND, peer, send3.sg, send3.n), send3.total);
	CHECK_RC(sv_sg_xfer(id, SV_XFER_SEND, peer, send3.sg, send3.n), SV_EAGAIN);

	/* Received: all of O1, into more room than it has. */
	CHECK_EQ(sv_sg_xfer(id, SV_XFER_RECV, peer, recv16.sg, recv16.n), 15924);
	ARENA_CHECK("recv16", &recv16, SEED_O1, 15924);
	CHECK_RC(sv_sg_xfer(id, SV_XFER_RECV, peer, recv16.sg, recv16.n), SV_EAGAIN);
	printf("sent 15336 of %u bytes and %u bytes, received 15924 into %u\n", send16.total,
	       send3.total, recv16.total);
}

static int dom0(sv_share_t want_id)
{
	static struct arena dl, any;
	uint32_t peer = sv_cmdline_uint("peer", 1);
	uint32_t free0 = free_and_others();

	sv_share_t id = sv_share_create(NPAGES);
	if (!CHECK_EQ(id, want_id))
		return xtf_verdict("share_sg");
	CHECK_RC(sv_share_grant(id, (sv_domid_t)start_info->domid), SV_OK);
	CHECK_EQ(sv_share_get(id, DOM0_PORT), 0);
	CHECK_RC(sv_share_grant(id, (sv_domid_t)peer), SV_OK);
	CHECK(WAIT_UNTIL(peers_of(id) == 0x3), "the peer never got the share");

	/* No list anywhere yet. */
	arena_init(&any, arena_mem[3], SEND3_SIZES, N(SEND3_SIZES), SEED_SEND3);
	CHECK_RC(sv_sg_xfer(id, SV_XFER_SEND, 1, any.sg, any.n), SV_EAGAIN);
	CHECK_RC(sv_sg_xfer(id, SV_XFER_RECV, 1, any.sg, any.n), SV_EAGAIN);
	CHECK_RC(sv_sg_xfer(id, SV_XFER_SEND, 0, any.sg, any.n), SV_EAGAIN);
	CHECK_RC(sv_sg_xfer(id, SV_XFER_RECV, 0, any.sg, any.n), SV_EAGAIN);

	arena_init(&dl, arena_mem[3], DL_SIZES, N(DL_SIZES), 0);
	register_list(id, SV_SG_IN, &dl);
	CHECK(signal_peer(id, STEP_REGISTER, 1), "the peer never waited for STEP_REGISTER");
	CHECK(await_trigger(id, STEP_READY), "the peer never said it was ready");

	uint32_t events0 = port_events[DOM0_PORT];
	dom0_transfers(id);
	CHECK(WAIT_UNTIL(dl.len != UNSET), "the peer never sent into DL");
	CHECK_EQ(dl.len, 5000);
	CHECK(port_events[DOM0_PORT] > events0, "no event on port %u for the transfer into DL",
	      DOM0_PORT);
	ARENA_CHECK("DL", &dl, SEED_PSEND, 5000);

	CHECK(WAIT_UNTIL(others_ended()), "the peer did not end");
	CHECK_RC(sv_share_drop(id), SV_OK);
	CHECK_RC(sv_share_destroy(id), SV_OK);
	CHECK_EQ(free_and_others(), free0);
	return xtf_verdict("share_sg");
}

/* ---- the peer */

static struct arena l1, l2, o1, x;

/* X, L1, O1, then L2 in X's slot: by age L1 comes before L2. */
static void peer_register(sv_share_t id, int32_t h[3])
{
	arena_init(&x, arena_mem[1], L2_SIZES, N(L2_SIZES), 0);
	arena_init(&l1, arena_mem[0], L1_SIZES, N(L1_SIZES), 0);
	arena_init(&o1, arena_mem[2], O1_SIZES, N(O1_SIZES), SEED_O1);
	int32_t hx = register_list(id, SV_SG_IN, &x);
	h[0] = register_list(id, SV_SG_IN, &l1);
	h[1] = register_list(id, SV_SG_OUT, &o1);
	CHECK_RC(sv_sg_unregister(id, hx), SV_OK);
	CHECK_RC(sv_sg_unregister(id, hx), SV_ENOENT);
	arena_init(&l2, arena_mem[1], L2_SIZES, N(L2_SIZES), 0);
	h[2] = register_list(id, SV_SG_IN, &l2);
	CHECK(h[2] != hx, "L2's handle %d is X's old one", h[2]);
}

static void peer_check_received(sv_share_t id, const int32_t h[3])
{
	CHECK_EQ(l1.len, 15336);
	ARENA_CHECK("L1", &l1, SEED_SEND16, 15336);
	CHECK_EQ(l2.len, 4105);
	ARENA_CHECK("L2", &l2, SEED_SEND3, 4105);
	CHECK_EQ(o1.len, 15924);
	ARENA_CHECK("O1 after it was read", &o1, SEED_O1, o1.total);
	for (uint32_t i = 0; i < 3; i++)	/* used lists are unregistered */
		CHECK_RC(sv_sg_unregister(id, h[i]), SV_ENOENT);
}

static int peer(sv_share_t id)
{
	static struct arena psend;
	int32_t h[3];

	CHECK_EQ(get_when_granted(id, PEER_PORT), 1);
	CHECK(await_trigger(id, STEP_REGISTER), "domain 0 never said STEP_REGISTER");
	peer_register(id, h);

	uint32_t events0 = port_events[PEER_PORT];
	CHECK(signal_peer(id, STEP_READY, 1), "domain 0 never waited for STEP_READY");
	CHECK(WAIT_UNTIL(l1.len != UNSET && l2.len != UNSET && o1.len != UNSET),
	      "the transfers never came: length words %#x %#x %#x", l1.len, l2.len, o1.len);
	CHECK(port_events[PEER_PORT] > events0, "no event on port %u for the transfers",
	      PEER_PORT);
	peer_check_received(id, h);

	arena_init(&psend, arena_mem[3], PSEND_SIZES, N(PSEND_SIZES), SEED_PSEND);
	CHECK_EQ(sv_sg_xfer(id, SV_XFER_SEND, 0, psend.sg, psend.n), 5000);
	CHECK_RC(sv_sg_xfer(id, SV_XFER_SEND, 0, psend.sg, psend.n), SV_EAGAIN);
	ARENA_CHECK("psend after sending", &psend, SEED_PSEND, 5000);
	printf("received 15336, 4105 of 6000, gave 15924, sent 5000\n");
	CHECK_RC(sv_share_drop(id), SV_OK);
	return xtf_verdict("share_sg");
}

int main(const struct sv_start_info *start)
{
	static const struct role roles[] = { { "dom0", dom0 }, { "peer", peer } };

	(void)start;
	return run_role("share_sg", roles, sizeof(roles) / sizeof(roles[0]));
}
