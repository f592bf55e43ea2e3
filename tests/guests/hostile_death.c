/*
 * hostile_death: a guest dies by a fault holding everything a peer can
 * hold: two shares, both mapped (one read-only), sg lists of both kinds
 * in its own memory and in the mappings (one list of V in S's pages),
 * length words and watch counters in its own memory and in S, watches on
 * both shares. It dies while domain 0 and a third domain keep a transfer
 * loop going over the same share; they must not notice anything but the
 * departure, and every frame comes back.
 *
 *   module lines: hostile_death.elf name=NAME role=dom0 victim=1 partner=2
 *                 hostile_death.elf name=victim role=victim share=32
 *                 hostile_death.elf name=partner role=partner share=32
 *
 * Domain 0 creates S (3 pages) and V (2 pages), gets and maps S, watches
 * offset 0 of both, and grants S to the victim (peer 1) and the partner
 * (peer 2), V to the victim (peer 1). The victim maps S read-write and V
 * read-only, registers its lists and watches (see victim_setup), and
 * triggers OFF_READY. Domain 0 uses some of them (transfers both ways, a
 * trigger of each watch; the counters that live in S are seen to count),
 * triggers OFF_DIE, and at once goes on sending numbered rounds to the
 * partner, which checks every byte of each; at each round it triggers one
 * of the victim's watches too, which fires while the victim lives and
 * never after. The victim writes to its read-only mapping of V and is killed
 * (#PF at V_VA + 0x1008). After the death domain 0 sends AFTER more
 * rounds, then checks: offset 0 fired once on each share; the peers are
 * 0x5 on S and 0x1 on V; every one of the victim's watches is gone
 * (triggers fire nothing, its counters in S stay as they were); transfers
 * to peer 1 are SV_ENOENT on both shares, both ways; the bytes of S that
 * its lists named are untouched. The partner stops when told; domain 0
 * drops and destroys both shares and finds the free frames plus the other
 * domains' pages exactly as before it created them (the victim's own
 * frames included).
 */
#include "shares.h"

#define S_PAGES		3
#define V_PAGES		2
#define S_ID		FIRST_SHARE_ID
#define V_ID		(FIRST_SHARE_ID + 1)
#define OFF_READY	16
#define OFF_DIE		20
#define OFF_STOP	24
#define W_OWN		100		/* victim watches: counter in its memory */
#define W_IN_S		(SV_PAGE_SIZE + 4)	/* counter in S, at C_IN_S */
#define W_V		8		/* on V, counter in S at C_FOR_V */
#define C_IN_S		(S_PAGES * SV_PAGE_SIZE - 4)	/* S offsets of those counters: */
#define C_FOR_V		(2 * SV_PAGE_SIZE - 4)		/* each a page's last word */
#define LEN_IN_S	(2 * SV_PAGE_SIZE + 64)	/* a length word in S */
#define LIST_IN_S	(SV_PAGE_SIZE - 200)	/* victim's IN list in S: 400 bytes */
#define LIST_V_IN_S	(2 * SV_PAGE_SIZE + 1000)	/* its IN list of V, in S: 300 */
#define DOM0_PORT	4
#define DOM0_V_PORT	5
#define PEER_PORT	6
#define PEER_V_PORT	7
#define DOM0_VA		0x10000000u
#define S_VA		0x20000000u
#define V_VA		0x21000000u
#define ROUND		512
#define AFTER		50		/* rounds after the death */
#define UNSET		0xFFFFFFFFu

static uint8_t buf[ROUND];

static int32_t xfer(sv_share_t id, uint32_t dir, uint32_t peer, uint32_t n)
{
	return sv_sg_xfer(id, dir, peer, &(struct sv_sg){ (uint32_t)buf, n }, 1);
}

/* ---- domain 0 */

static volatile uint32_t *s_word(uint32_t off)
{
	return (volatile uint32_t *)(DOM0_VA + off);
}

/* What the victim set up is there and works: a transfer each way, its
 * watches (the counters in S count). */
static void use_victim(void)
{
	CHECK_EQ(xfer(S_ID, SV_XFER_SEND, 1, 64), 64);	/* its oldest IN: its memory */
	CHECK_EQ(xfer(S_ID, SV_XFER_RECV, 1, 64), 64);	/* its oldest OUT */
	CHECK_EQ(sv_trigger(S_ID, W_OWN), 1);
	CHECK_EQ(sv_trigger(S_ID, W_IN_S), 1);
	CHECK_EQ(*s_word(C_IN_S), 99);
	CHECK_EQ(sv_trigger(V_ID, W_V), 1);
	CHECK_EQ(*s_word(C_FOR_V), 99);
}

/* Round r to the partner (its list may not be back yet: SV_EAGAIN, try
 * again), and a try at the victim. Returns whether the victim answered. */
static bool one_round(uint32_t r, uint32_t partner_peer)
{
	int32_t rc;
	fill_stream(buf, ROUND, 100 + r);
	while ((rc = xfer(S_ID, SV_XFER_SEND, partner_peer, ROUND)) == SV_EAGAIN)
		sv_yield();
	CHECK(rc == ROUND, "round %u to the partner: %d (%s)", r, rc, sv_strerror(rc));
	rc = sv_trigger(S_ID, W_OWN);
	CHECK(rc == 1 || rc == 0, "round %u: a trigger of the victim's watch fired %d", r, rc);
	return rc == 1;
}

/* The victim is gone, and everything of it with it. */
static void check_gone(const uint8_t *s_before)
{
	uint32_t c_in_s = *s_word(C_IN_S), c_for_v = *s_word(C_FOR_V);
	CHECK_EQ(peers_of(S_ID), 0x5);
	CHECK_EQ(peers_of(V_ID), 0x1);
	CHECK_EQ(sv_trigger(S_ID, W_OWN), 0);
	CHECK_EQ(sv_trigger(S_ID, W_IN_S), 0);
	CHECK_EQ(sv_trigger(V_ID, W_V), 0);
	CHECK_EQ(*s_word(C_IN_S), c_in_s);
	CHECK_EQ(*s_word(C_FOR_V), c_for_v);
	for (uint32_t dir = SV_XFER_SEND; dir <= SV_XFER_RECV; dir++) {
		CHECK_RC(xfer(S_ID, dir, 1, 64), SV_ENOENT);
		CHECK_RC(xfer(V_ID, dir, 1, 64), SV_ENOENT);
	}
	CHECK_BYTES("S where the victim's lists were", DOM0_VA + LIST_IN_S, s_before + LIST_IN_S,
		    400);
	CHECK_BYTES("S where its list of V was", DOM0_VA + LIST_V_IN_S, s_before + LIST_V_IN_S,
		    300);
	CHECK_EQ(*s_word(LEN_IN_S), UNSET);
}

static void grant_and_wait(sv_share_t id, uint32_t domid, uint32_t peers)
{
	CHECK_RC(sv_share_grant(id, (sv_domid_t)domid), SV_OK);
	CHECK(WAIT_UNTIL(peers_of(id) == peers), "domain %u never got share %d", domid, id);
}

static int dom0(sv_share_t want_id)
{
	static uint32_t left_s = 1000, left_v = 1000;
	static uint8_t s_before[S_PAGES * SV_PAGE_SIZE];
	uint32_t victim = sv_cmdline_uint("victim", 1), partner = sv_cmdline_uint("partner", 2);
	uint32_t base = free_and_others(), r = 0, before_death = 0;

	if (!CHECK_EQ(own_share(S_PAGES, DOM0_PORT, DOM0_VA), want_id) ||
	    !CHECK_EQ(own_share(V_PAGES, DOM0_V_PORT, 0), V_ID))
		return xtf_verdict("hostile_death");
	fill_stream((uint8_t *)DOM0_VA, S_PAGES * SV_PAGE_SIZE, 1);
	*s_word(LEN_IN_S) = UNSET;
	CHECK_RC(sv_watch(S_ID, 0, &left_s), SV_OK);
	CHECK_RC(sv_watch(V_ID, 0, &left_v), SV_OK);
	grant_and_wait(S_ID, victim, 0x3);
	grant_and_wait(V_ID, victim, 0x3);
	grant_and_wait(S_ID, partner, 0x7);
	CHECK(await_trigger(S_ID, OFF_READY), "the victim never got ready");
	*s_word(C_IN_S) = *s_word(C_FOR_V) = 100;
	use_victim();
	memcpy(s_before, (const void *)DOM0_VA, sizeof(s_before));

	CHECK(signal_peer(S_ID, OFF_DIE, 1), "the victim never waited for OFF_DIE");
	while (before_death < 100000 && one_round(r++, 2))
		before_death++;
	CHECK(WAIT_UNTIL(domain_ended(victim)), "the victim did not die");
	for (uint32_t i = 0; i < AFTER; i++)
		CHECK(!one_round(r++, 2), "the victim's watch fired after its death");
	struct sv_domain_info vi = domain_info(victim);
	CHECK_EQ(vi.state, SV_DOM_KILLED);
	CHECK_EQ(vi.pages, 0);
	CHECK_EQ(1000 - left_s, 1);
	CHECK_EQ(1000 - left_v, 1);
	check_gone(s_before);

	CHECK(signal_peer(S_ID, OFF_STOP, 1), "the partner never waited for OFF_STOP");
	CHECK(WAIT_UNTIL(others_ended()), "the partner did not end");
	printf("%u rounds to the partner, %u of them while the victim lived\n", r, before_death);
	drop_and_destroy(S_ID);
	drop_and_destroy(V_ID);
	check_frames_back(base);
	return xtf_verdict("hostile_death");
}

/* ---- the victim */

static void victim_setup(void)
{
	static uint8_t own[4][256];
	static uint32_t own_len[4], c_own = 1000;
	const struct {
		sv_share_t id;
		uint32_t dir, va, n, *len;
	} lists[] = {
		{ S_ID, SV_SG_IN, (uint32_t)own[0], 256, &own_len[0] },
		{ S_ID, SV_SG_IN, S_VA + LIST_IN_S, 400, (uint32_t *)(S_VA + LEN_IN_S) },
		{ S_ID, SV_SG_OUT, (uint32_t)own[1], 256, &own_len[1] },
		{ S_ID, SV_SG_OUT, V_VA + SV_PAGE_SIZE - 50, 100, &own_len[2] },	/* in V */
		{ S_ID, SV_SG_IN, (uint32_t)own[2], 256, &own_len[3] },
		{ V_ID, SV_SG_IN, S_VA + LIST_V_IN_S, 300, &own_len[3] },
		{ V_ID, SV_SG_OUT, V_VA, 64, (uint32_t *)(S_VA + LEN_IN_S + 4) },
	};

	CHECK_RC(sv_share_map(S_ID, S_VA, 0), SV_OK);
	CHECK_RC(sv_share_map(V_ID, V_VA, SV_MAP_READONLY), SV_OK);
	for (uint32_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		int32_t h = sv_sg_register(lists[i].id, lists[i].dir,
					   &(struct sv_sg){ lists[i].va, lists[i].n }, 1, lists[i].len);
		CHECK(h >= 0, "list %u: %d (%s)", i, h, sv_strerror(h));
	}
	CHECK_RC(sv_watch(S_ID, 0, &c_own), SV_OK);
	CHECK_RC(sv_watch(S_ID, W_OWN, &c_own), SV_OK);
	CHECK_RC(sv_watch(S_ID, W_IN_S, (uint32_t *)(S_VA + C_IN_S)), SV_OK);
	CHECK_RC(sv_watch(V_ID, W_V, (uint32_t *)(S_VA + C_FOR_V)), SV_OK);
}

static int victim(sv_share_t id)
{
	CHECK_EQ(get_when_granted(id, PEER_PORT), 1);
	CHECK_EQ(get_when_granted(V_ID, PEER_V_PORT), 1);
	victim_setup();
	CHECK(signal_peer(id, OFF_READY, 1), "domain 0 never waited for OFF_READY");
	CHECK(await_trigger(id, OFF_DIE), "domain 0 never said OFF_DIE");
	if (xtf_verdict("hostile_death") != 0)
		return 1;
	for (uint32_t i = 0; i < 10; i++)	/* a few rounds go by */
		sv_yield();
	printf("writing to my read-only mapping of V at %#x\n", V_VA + SV_PAGE_SIZE + 8);
	*(volatile uint32_t *)(V_VA + SV_PAGE_SIZE + 8) = 0xDEAD;
	printf("survived a write to a read-only mapping\n");
	return 2;
}

/* ---- the partner: a receive loop over S with domain 0 */

static int partner(sv_share_t id)
{
	static uint8_t rx[ROUND], want[ROUND];
	static uint32_t len, stop = 1;
	uint32_t rounds = 0, bad = 0;

	CHECK_EQ(get_when_granted(id, PEER_PORT), 2);
	CHECK_RC(sv_watch(id, OFF_STOP, &stop), SV_OK);
	for (;;) {
		len = UNSET;
		int32_t h = sv_sg_register(id, SV_SG_IN, &(struct sv_sg){ (uint32_t)rx, ROUND }, 1,
					   &len);
		CHECK(h >= 0, "round %u: sg_register %d (%s)", rounds, h, sv_strerror(h));
		while (len == UNSET && stop)
			sv_yield();
		if (len == UNSET) {
			CHECK_RC(sv_sg_unregister(id, h), SV_OK);
			break;
		}
		fill_stream(want, ROUND, 100 + rounds);
		bad += !CHECK(len == ROUND && memcmp(rx, want, ROUND) == 0,
			      "round %u: %u bytes, or not the ones sent", rounds, len);
		rounds++;
	}
	printf("%u rounds received, %u bad\n", rounds, bad);
	CHECK_RC(sv_share_drop(id), SV_OK);
	return xtf_verdict("hostile_death");
}

int main(const struct sv_start_info *start)
{
	static const struct role roles[] = {
		{ "dom0", dom0 }, { "victim", victim }, { "partner", partner },
	};

	(void)start;
	return run_role("hostile_death", roles, sizeof(roles) / sizeof(roles[0]));
}
