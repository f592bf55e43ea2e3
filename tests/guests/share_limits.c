/*
 * share_limits: each limit of section 7 of include/sharevisor.h is
 * exactly where the header says, returns SV_ENOSPC one past it, takes
 * nothing when it refuses, and frees up again when something is given
 * back.
 *
 *   module lines: share_limits.elf name=NAME role=dom0 peers=7 late=8
 *                 share_limits.elf name=NAME role=peer share=32   (x 7)
 *                 share_limits.elf name=NAME role=late share=32
 *
 * Domain 0, alone at first:
 *   SV_MAX_SHARES       32 shares exist (L, id 32, and 31 more); the 33rd
 *                       create is SV_ENOSPC and takes no frame; after a
 *                       destroy there is room for one again
 *   SV_MAX_HELD_SHARES  it gets 8 of them; the 9th get is SV_ENOSPC; after
 *                       a drop the 9th get works
 *   SV_MAX_WATCHES      32 watches; the 33rd is SV_ENOSPC, on this share
 *                       or another one, and is not added; after an unwatch
 *                       there is room for one
 *   SV_MAX_SG_LISTS     16 lists; the 17th is SV_ENOSPC on either share;
 *                       after an unregister there is room for one
 * Then SV_SHARE_MAX_PEERS, with the other domains: domain 0 is peer 0 of
 * L and grants it to the 7 "peer" domains, which take ids 1..7 and
 * trigger OFF_READY (domain 0's counter of 7 reaches 0 after the last);
 * then it grants L to the "late" domain, whose get is SV_ENOSPC. When the
 * late domain has exited, domain 0 makes holes: it tells peer 3 to leave
 * (a trigger of OFF_CMD(3), which only peer 3 watches), then peer 5 to
 * drop L and get it again: peer 5 must now get id 3, the lowest free one
 * (not its own 5 again, nor 8). Last, one trigger of OFF_DONE fires the
 * 6 remaining peers' watches and they drop L and exit. At the end the free frames (plus
 * the other domains' pages) are what they were at the start.
 */
#include "shares.h"

#define OFF_READY	8
#define OFF_DONE	12
#define OFF_CMD(p)	(64 + 4 * (p))	/* a command to peer p */
#define LEAVER		3		/* told to leave */
#define REGETTER	5		/* told to drop and get again */
#define L_PORT		2
#define PEER_PORT	5

static sv_share_t L;
static sv_share_t extra[SV_MAX_SHARES - 1];

static void test_max_shares(uint32_t base)
{
	for (uint32_t i = 0; i < SV_MAX_SHARES - 1; i++) {
		extra[i] = sv_share_create(1);
		CHECK(extra[i] >= 0, "share %u: create gave %d (%s)", i + 2, extra[i],
		      sv_strerror(extra[i]));
	}
	CHECK_EQ(free_and_others(), base - SV_MAX_SHARES);
	CHECK_RC(sv_share_create(1), SV_ENOSPC);
	CHECK_RC(sv_share_create(SV_SHARE_MAX_PAGES), SV_ENOSPC);
	CHECK_EQ(free_and_others(), base - SV_MAX_SHARES);	/* nothing taken */

	CHECK_RC(sv_share_destroy(extra[SV_MAX_SHARES - 2]), SV_OK);
	extra[SV_MAX_SHARES - 2] = sv_share_create(1);
	CHECK(extra[SV_MAX_SHARES - 2] >= 0, "create after a destroy: %d",
	      extra[SV_MAX_SHARES - 2]);
	CHECK_RC(sv_share_create(1), SV_ENOSPC);
}

/* L and extra[0..6] held: 8. */
static void test_max_held(void)
{
	const uint32_t n = SV_MAX_HELD_SHARES;
	for (uint32_t i = 0; i < n; i++)
		CHECK_RC(sv_share_grant(extra[i], (sv_domid_t)start_info->domid), SV_OK);
	for (uint32_t i = 0; i < n - 1; i++)
		CHECK_EQ(sv_share_get(extra[i], L_PORT + 1 + i), 0);
	CHECK_RC(sv_share_get(extra[n - 1], L_PORT + n), SV_ENOSPC);
	CHECK_RC(sv_share_info(extra[n - 1], &(struct sv_share_status){ 0 }), SV_ENOENT);
	CHECK_RC(sv_share_drop(extra[n - 2]), SV_OK);
	CHECK_EQ(sv_share_get(extra[n - 1], L_PORT + n), 0);
	CHECK_RC(sv_share_get(extra[n - 2], L_PORT + n - 1), SV_ENOSPC);
	CHECK_RC(sv_share_drop(extra[n - 1]), SV_OK);
	CHECK_EQ(sv_share_get(extra[n - 2], L_PORT + n - 1), 0);
}

static void test_max_watches(void)
{
	static uint32_t c[SV_MAX_WATCHES + 1];
	for (uint32_t i = 0; i < SV_MAX_WATCHES; i++) {
		c[i] = 100;
		CHECK_RC(sv_watch(L, 4 * i, &c[i]), SV_OK);
	}
	const uint32_t spare = 4 * SV_MAX_WATCHES;
	CHECK_RC(sv_watch(L, spare, &c[SV_MAX_WATCHES]), SV_ENOSPC);
	CHECK_RC(sv_watch(extra[0], 0, &c[SV_MAX_WATCHES]), SV_ENOSPC);	/* per domain */
	CHECK_EQ(sv_trigger(L, spare), 0);				/* not added */
	CHECK_EQ(sv_trigger(extra[0], 0), 0);

	CHECK_RC(sv_unwatch(L, 0, &c[0]), SV_OK);
	CHECK_RC(sv_watch(L, spare, &c[SV_MAX_WATCHES]), SV_OK);
	CHECK_RC(sv_watch(L, 0, &c[0]), SV_ENOSPC);
	CHECK_EQ(sv_trigger(L, spare), 1);
	for (uint32_t i = 1; i <= SV_MAX_WATCHES; i++)
		CHECK_RC(sv_unwatch(L, 4 * i, &c[i]), SV_OK);
}

static void test_max_lists(void)
{
	static uint8_t buf[SV_MAX_SG_LISTS + 1][8];
	static uint32_t len[SV_MAX_SG_LISTS + 1];
	int32_t h[SV_MAX_SG_LISTS + 1];
	struct sv_sg sg[SV_MAX_SG_LISTS + 1];

	for (uint32_t i = 0; i <= SV_MAX_SG_LISTS; i++)
		sg[i] = (struct sv_sg){ (uint32_t)buf[i], sizeof(buf[i]) };
	for (uint32_t i = 0; i < SV_MAX_SG_LISTS; i++) {
		h[i] = sv_sg_register(L, i % 2 ? SV_SG_OUT : SV_SG_IN, &sg[i], 1, &len[i]);
		CHECK(h[i] >= 0, "list %u: %d (%s)", i, h[i], sv_strerror(h[i]));
	}
	const uint32_t x = SV_MAX_SG_LISTS;
	CHECK_RC(sv_sg_register(L, SV_SG_IN, &sg[x], 1, &len[x]), SV_ENOSPC);
	CHECK_RC(sv_sg_register(extra[0], SV_SG_OUT, &sg[x], 1, &len[x]), SV_ENOSPC);
	CHECK_RC(sv_sg_xfer(extra[0], SV_XFER_SEND, 0, &sg[x], 1), SV_EAGAIN);	/* not added */

	CHECK_RC(sv_sg_unregister(L, h[0]), SV_OK);
	h[0] = sv_sg_register(L, SV_SG_IN, &sg[x], 1, &len[x]);
	CHECK(h[0] >= 0, "a list after an unregister: %d", h[0]);
	CHECK_RC(sv_sg_register(L, SV_SG_IN, &sg[0], 1, &len[0]), SV_ENOSPC);
	for (uint32_t i = 0; i < SV_MAX_SG_LISTS; i++)
		CHECK_RC(sv_sg_unregister(L, h[i]), SV_OK);
}

/* Peers 1..7 from the peer domains, then the late one is refused. Then
 * holes: peer LEAVER leaves, peer REGETTER drops and gets again, and
 * must get LEAVER's id, the lowest free one (not its own old one, nor
 * one past the highest). */
static void test_max_peers(uint32_t npeers, uint32_t late)
{
	static uint32_t ready, ready_again = 1;
	const uint32_t all = (1u << SV_SHARE_MAX_PEERS) - 1;

	ready = npeers;
	CHECK_RC(sv_watch(L, OFF_READY, &ready), SV_OK);
	for (uint32_t d = 1; d <= npeers; d++)
		CHECK_RC(sv_share_grant(L, (sv_domid_t)d), SV_OK);
	CHECK(WAIT_UNTIL(ready == 0), "only %u of %u peers got ready", npeers - ready, npeers);
	CHECK_EQ(peers_of(L), all);

	CHECK_RC(sv_share_grant(L, (sv_domid_t)late), SV_OK);
	CHECK(WAIT_UNTIL(domain_ended(late)), "the late domain did not end");
	struct sv_domain_info li = domain_info(late);
	CHECK_EQ(li.state, SV_DOM_EXITED);
	CHECK_EQ(li.exit_status, 0);
	CHECK_EQ(peers_of(L), all);

	CHECK_EQ(sv_trigger(L, OFF_CMD(LEAVER)), 1);
	CHECK(WAIT_UNTIL(peers_of(L) == (all & ~(1u << LEAVER))), "peer %u never left: peers %#x",
	      LEAVER, peers_of(L));
	CHECK_RC(sv_unwatch(L, OFF_READY, &ready), SV_OK);
	CHECK_RC(sv_watch(L, OFF_READY, &ready_again), SV_OK);
	CHECK_EQ(sv_trigger(L, OFF_CMD(REGETTER)), 1);
	CHECK(WAIT_UNTIL(ready_again == 0), "peer %u never got the share again", REGETTER);
	CHECK_EQ(peers_of(L), all & ~(1u << REGETTER));

	CHECK_EQ(sv_trigger(L, OFF_DONE), npeers - 1);
	CHECK(WAIT_UNTIL(others_ended()), "the peers did not end");
	CHECK_EQ(peers_of(L), 0x1);
}

static int dom0(sv_share_t id)
{
	(void)id;
	uint32_t npeers = sv_cmdline_uint("peers", SV_SHARE_MAX_PEERS - 1);
	uint32_t late = sv_cmdline_uint("late", SV_SHARE_MAX_PEERS);
	uint32_t base = free_and_others();

	L = sv_share_create(1);
	if (!CHECK_EQ(L, FIRST_SHARE_ID))
		return xtf_verdict("share_limits");
	CHECK_RC(sv_share_grant(L, (sv_domid_t)start_info->domid), SV_OK);
	CHECK_EQ(sv_share_get(L, L_PORT), 0);

	test_max_shares(base);
	test_max_held();
	test_max_watches();
	test_max_lists();
	for (uint32_t i = 0; i < SV_MAX_SHARES - 1; i++) {
		sv_share_drop(extra[i]);	/* the ones held */
		CHECK_RC(sv_share_destroy(extra[i]), SV_OK);
	}
	CHECK_EQ(free_and_others(), base - 1);

	test_max_peers(npeers, late);
	CHECK_RC(sv_share_drop(L), SV_OK);
	CHECK_RC(sv_share_destroy(L), SV_OK);
	CHECK_EQ(free_and_others(), base);
	return xtf_verdict("share_limits");
}

/* Wait for OFF_DONE, or for our own command (see test_max_peers). */
static int peer(sv_share_t id)
{
	static uint32_t done = 1, cmd = 1;
	int32_t p = get_when_granted(id, PEER_PORT);
	if (!CHECK(p >= 1 && p < SV_SHARE_MAX_PEERS, "peer id %d (%s)", p, sv_strerror(p)))
		return xtf_verdict("share_limits");
	CHECK_RC(sv_watch(id, OFF_DONE, &done), SV_OK);
	CHECK_RC(sv_watch(id, OFF_CMD(p), &cmd), SV_OK);
	CHECK_EQ(sv_trigger(id, OFF_READY), 1);
	CHECK(WAIT_UNTIL(done == 0 || cmd == 0), "domain 0 never triggered OFF_DONE");

	if (cmd == 0 && p == LEAVER) {
		CHECK_RC(sv_share_drop(id), SV_OK);
		printf("was peer %d, left\n", p);
		return xtf_verdict("share_limits");
	}
	if (cmd == 0) {		/* the re-getter: drop, get again, wait for OFF_DONE */
		CHECK_RC(sv_share_drop(id), SV_OK);
		int32_t q = sv_share_get(id, PEER_PORT);
		CHECK_EQ(q, LEAVER);
		printf("was peer %d, then %d\n", p, q);
		CHECK_RC(sv_watch(id, OFF_DONE, &done), SV_OK);
		CHECK_EQ(sv_trigger(id, OFF_READY), 1);
		CHECK(WAIT_UNTIL(done == 0), "domain 0 never triggered OFF_DONE");
	} else {
		printf("was peer %d\n", p);
	}
	CHECK_RC(sv_share_drop(id), SV_OK);
	return xtf_verdict("share_limits");
}

static int late(sv_share_t id)
{
	CHECK_RC(get_when_granted(id, PEER_PORT), SV_ENOSPC);
	CHECK_RC(sv_share_get(id, PEER_PORT), SV_ENOSPC);
	CHECK_RC(sv_share_info(id, &(struct sv_share_status){ 0 }), SV_ENOENT);
	return xtf_verdict("share_limits");
}

int main(const struct sv_start_info *start)
{
	static const struct role roles[] = { { "dom0", dom0 }, { "peer", peer }, { "late", late } };

	(void)start;
	return run_role("share_limits", roles, sizeof(roles) / sizeof(roles[0]));
}
