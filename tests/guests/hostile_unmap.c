/*
 * hostile_unmap: a peer unmaps or drops the share its registered lists
 * point into, just before the other side transfers into them. A list is
 * checked again when it is used, so the transfer either copies whole into
 * memory that is still the peer's, or fails with its documented error
 * having copied nothing; a frame that was freed is never written.
 *
 *   module lines: hostile_unmap.elf name=NAME role=dom0 peer=1 [cover=0]
 *                 hostile_unmap.elf name=NAME role=peer share=32 rounds=N
 *
 * Both map S (2 pages): domain 0 at DOM0_VA, the peer at PEER_VA, so
 * domain 0 sees through its own mapping what lands in the peer's lists.
 * Each step starts with domain 0's trigger of OFF_STEP(k) and is ready
 * when the peer triggers OFF_READY(k):
 *
 *   1. buffer unmapped: the peer registers an IN list in S across the page
 *      boundary, then one in its own memory, and unmaps S. SEND is
 *      SV_EFAULT and S is unchanged; SEND again fills the second list.
 *   2. length word unmapped: an IN list in its own memory whose length
 *      word is in S; S unmapped: SV_EFAULT, and the buffer is untouched.
 *   3. source unmapped: an OUT list in S, S unmapped: RECV is SV_EFAULT
 *      and domain 0's buffer is untouched.
 *   4. dropped: an IN and an OUT list in S, then the peer drops S (domain
 *      0's offset-0 watch fires): SEND and RECV are SV_ENOENT, S is
 *      unchanged. Told by an event (PORT_REGET), the peer gets S again as
 *      peer 1, without lists: SV_EAGAIN both ways.
 *   5. freed and reused: the peer gets a second share T (id 33), maps it
 *      at T_VA, registers two IN lists of S in T's pages and drops T;
 *      domain 0 destroys T, so T's frames are free. Domain 0 creates U
 *      (id 65) of the same size: first fit from the top of RAM gives it
 *      T's frames. It maps U and fills it. SEND on S: SV_EFAULT, and U is
 *      unchanged: the old frames were not written. Then the peer gets U
 *      and maps it where T was: SEND on S copies into U, the peer's memory
 *      at that address now, and domain 0 sees exactly those bytes there.
 *   6. the race: the peer runs rounds= rounds of map, register, then unmap
 *      or drop and get again, yielding between steps in four patterns,
 *      while domain 0 sends into S, yielding after each try. Before each
 *      try it marks the target bytes in S; after it they must hold the new
 *      bytes if the transfer returned the count, and still the mark if it
 *      returned SV_EFAULT (list gone bad), SV_EAGAIN (no list) or
 *      SV_ENOENT (the peer was between drop and get). Nothing else may
 *      come back. It prints the tally.
 *
 * At the end the free frames and the peer's pages are what they were
 * before S was created.
 */
#include "shares.h"

#define NPAGES		2
#define BYTES		(NPAGES * SV_PAGE_SIZE)
#define OFF_STEP(k)	(64 + 8 * (k))
#define OFF_READY(k)	(68 + 8 * (k))
#define OFF_RACE_DONE	200
#define DOM0_PORT	4
#define PEER_PORT	5
#define PEER_PORT2	6
#define PORT_REGET	7	/* domain 0 -> peer, by SV_OP_EVENT_SEND */
#define DOM0_VA		0x10000000u
#define DOM0_U_VA	0x11000000u
#define PEER_VA		0x20000000u
#define T_VA		0x21000000u
#define T_ID		(FIRST_SHARE_ID + 1)
#define U_ID		(T_ID + SV_MAX_SHARES)	/* T's slot, next generation */
#define UNSET		0xFFFFFFFFu
#define XFER_AT		4000		/* where the lists lie in S: across the pages */
#define XFER_LEN	300

static sv_share_t S;
static uint8_t buf[2][XFER_LEN];	/* each side's own memory */

static int32_t xfer(sv_share_t id, uint32_t dir, uint32_t n, uint8_t *mem)
{
	const struct sv_sg sg = { (uint32_t)mem, n };
	return sv_sg_xfer(id, dir, 1, &sg, 1);
}

/* ---- domain 0 */

static uint8_t s_was[BYTES];

static void s_mark(uint32_t seed)
{
	fill_stream((uint8_t *)DOM0_VA, BYTES, seed);
	memcpy(s_was, (const void *)DOM0_VA, BYTES);
}

#define S_UNCHANGED(what) CHECK_BYTES(what, DOM0_VA, s_was, BYTES)

static void step(uint32_t k)
{
	CHECK(signal_peer(S, OFF_STEP(k), 1), "the peer never waited for step %u", k);
	CHECK(await_trigger(S, OFF_READY(k)), "the peer never finished step %u", k);
}

static void steps_unmapped(void)
{
	static uint8_t want[XFER_LEN];

	step(1);
	s_mark(1);
	fill_stream(buf[0], XFER_LEN, 2);
	CHECK_RC(xfer(S, SV_XFER_SEND, XFER_LEN, buf[0]), SV_EFAULT);
	S_UNCHANGED("step 1, S after SV_EFAULT");
	CHECK_EQ(xfer(S, SV_XFER_SEND, XFER_LEN, buf[0]), XFER_LEN);	/* the second list */

	step(2);
	s_mark(3);
	CHECK_RC(xfer(S, SV_XFER_SEND, XFER_LEN, buf[0]), SV_EFAULT);
	S_UNCHANGED("step 2, S after SV_EFAULT");

	step(3);
	fill_stream(buf[1], XFER_LEN, 4);
	memcpy(want, buf[1], XFER_LEN);
	CHECK_RC(xfer(S, SV_XFER_RECV, XFER_LEN, buf[1]), SV_EFAULT);
	CHECK_BYTES("step 3, domain 0's buffer after SV_EFAULT", buf[1], want, XFER_LEN);
}

static void step_dropped(uint32_t peer, uint32_t *left)
{
	*left = 1;
	s_mark(5);
	CHECK(signal_peer(S, OFF_STEP(4), 1), "the peer never waited for step 4");
	CHECK(WAIT_UNTIL(*left == 0), "the peer never dropped S");
	CHECK_EQ(peers_of(S), 0x1);
	CHECK_RC(xfer(S, SV_XFER_SEND, XFER_LEN, buf[0]), SV_ENOENT);
	CHECK_RC(xfer(S, SV_XFER_RECV, XFER_LEN, buf[1]), SV_ENOENT);
	S_UNCHANGED("step 4, S after SV_ENOENT");
	CHECK_RC(sv_event_send((sv_domid_t)peer, PORT_REGET), SV_OK);
	CHECK(await_trigger(S, OFF_READY(4)), "the peer never got S again");
	CHECK_EQ(peers_of(S), 0x3);
	CHECK_RC(xfer(S, SV_XFER_SEND, XFER_LEN, buf[0]), SV_EAGAIN);
	CHECK_RC(xfer(S, SV_XFER_RECV, XFER_LEN, buf[1]), SV_EAGAIN);
}

static void step_reused(uint32_t peer)
{
	static uint8_t u_want[BYTES];
	uint32_t before = free_and_others();

	sv_share_t t = sv_share_create(NPAGES);
	CHECK_EQ(t, T_ID);
	CHECK_RC(sv_share_grant(t, (sv_domid_t)peer), SV_OK);
	step(5);
	CHECK_RC(sv_share_destroy(t), SV_OK);		/* the peer dropped it: freed */
	CHECK_EQ(free_and_others(), before);

	sv_share_t u = own_share(NPAGES, PEER_PORT2, DOM0_U_VA);
	CHECK_EQ(u, U_ID);
	fill_stream((uint8_t *)DOM0_U_VA, BYTES, 6);
	memcpy(u_want, (const void *)DOM0_U_VA, BYTES);
	fill_stream(buf[0], XFER_LEN, 7);
	CHECK_RC(xfer(S, SV_XFER_SEND, XFER_LEN, buf[0]), SV_EFAULT);
	CHECK_BYTES("step 5, U after SV_EFAULT", DOM0_U_VA, u_want, BYTES);

	CHECK_RC(sv_share_grant(u, (sv_domid_t)peer), SV_OK);
	step(6);
	CHECK_EQ(xfer(S, SV_XFER_SEND, XFER_LEN, buf[0]), XFER_LEN);
	memcpy(u_want + 100, buf[0], XFER_LEN);
	CHECK_BYTES("step 5, U after the transfer", DOM0_U_VA, u_want, BYTES);
	CHECK(signal_peer(S, OFF_STEP(7), 1), "the peer never waited for step 7");
	CHECK(WAIT_UNTIL(status_of(u).peers == 0x1), "the peer never dropped U");
	drop_and_destroy(u);
	CHECK_EQ(free_and_others(), before);
}

enum { COPIED, GONE_BAD, NO_LIST, NO_PEER, OTHER, OUTCOMES };

static void race(void)
{
	static uint32_t done = 1, tally[OUTCOMES];
	static uint8_t mark[XFER_LEN];
	const volatile uint8_t *target = (const volatile uint8_t *)(DOM0_VA + XFER_AT);

	CHECK_RC(sv_watch(S, OFF_RACE_DONE, &done), SV_OK);
	CHECK(signal_peer(S, OFF_STEP(8), 1), "the peer never waited for the race");
	for (uint32_t i = 0; done; i++) {
		fill_stream(mark, XFER_LEN, 1000 + 2 * (i % 1000));
		fill_stream(buf[0], XFER_LEN, 1001 + 2 * (i % 1000));
		memcpy((void *)target, mark, XFER_LEN);
		int32_t rc = xfer(S, SV_XFER_SEND, XFER_LEN, buf[0]);
		uint32_t o = rc == XFER_LEN ? COPIED : rc == SV_EFAULT ? GONE_BAD :
			     rc == SV_EAGAIN ? NO_LIST : rc == SV_ENOENT ? NO_PEER : OTHER;
		tally[o]++;
		if (!CHECK(o != OTHER, "try %u: %d (%s)", i, rc, sv_strerror(rc)))
			break;
		if (!CHECK_BYTES(o == COPIED ? "the bytes sent" : "the mark", target,
				 o == COPIED ? buf[0] : mark, XFER_LEN))
			break;
		sv_yield();
	}
	CHECK_RC(sv_unwatch(S, OFF_RACE_DONE, &done), SV_OK);
	printf("race: %u copied whole, %u SV_EFAULT, %u SV_EAGAIN, %u SV_ENOENT, %u other\n",
	       tally[COPIED], tally[GONE_BAD], tally[NO_LIST], tally[NO_PEER], tally[OTHER]);
	/* On one CPU the yields interleave the two so that every state
	 * comes up; on two the interleaving is the CPUs' (cover=0). */
	if (sv_cmdline_uint("cover", 1))
		CHECK(tally[COPIED] && tally[GONE_BAD] && tally[NO_LIST] && tally[NO_PEER],
		      "the race did not reach every state");
	CHECK_EQ(tally[OTHER], 0);
}

static int dom0(sv_share_t want_id)
{
	static uint32_t left;
	uint32_t peer = sv_cmdline_uint("peer", 1);
	uint32_t base = free_and_others();

	S = own_share(NPAGES, DOM0_PORT, DOM0_VA);
	if (!CHECK_EQ(S, want_id))
		return xtf_verdict("hostile_unmap");
	CHECK_RC(sv_watch(S, 0, &left), SV_OK);
	CHECK_RC(sv_share_grant(S, (sv_domid_t)peer), SV_OK);
	CHECK(WAIT_UNTIL(peers_of(S) == 0x3), "the peer never got S");

	steps_unmapped();
	step_dropped(peer, &left);
	step_reused(peer);
	race();

	CHECK(WAIT_UNTIL(others_ended()), "the peer did not end");
	drop_and_destroy(S);
	check_frames_back(base);
	return xtf_verdict("hostile_unmap");
}

/* ---- the peer */

static uint32_t lens[4];

static int32_t reg(uint32_t dir, uint32_t va, uint32_t *len)
{
	*len = UNSET;
	int32_t h = sv_sg_register(S, dir, &(struct sv_sg){ va, XFER_LEN }, 1, len);
	CHECK(h >= 0, "sg_register(%#x): %d (%s)", va, h, sv_strerror(h));
	return h;
}

static void await_step(uint32_t k)
{
	CHECK(await_trigger(S, OFF_STEP(k)), "domain 0 never started step %u", k);
}

static void ready(uint32_t k)
{
	CHECK(signal_peer(S, OFF_READY(k), 1), "domain 0 never waited for step %u", k);
}

static void peer_steps(void)
{
	static uint8_t untouched[XFER_LEN], sent[XFER_LEN];

	await_step(1);
	CHECK_RC(sv_share_map(S, PEER_VA, 0), SV_OK);
	int32_t h0 = reg(SV_SG_IN, PEER_VA + XFER_AT, &lens[0]);
	int32_t h1 = reg(SV_SG_IN, (uint32_t)buf[0], &lens[1]);
	CHECK_RC(sv_share_unmap(S), SV_OK);
	ready(1);

	await_step(2);
	CHECK_EQ(lens[0], UNSET);		/* thrown away unwritten */
	CHECK_EQ(lens[1], XFER_LEN);
	fill_stream(sent, XFER_LEN, 2);
	CHECK_BYTES("step 1, the second list", buf[0], sent, XFER_LEN);
	CHECK_RC(sv_sg_unregister(S, h0), SV_ENOENT);
	CHECK_RC(sv_sg_unregister(S, h1), SV_ENOENT);
	CHECK_RC(sv_share_map(S, PEER_VA, 0), SV_OK);
	fill_stream(buf[1], XFER_LEN, 8);
	memcpy(untouched, buf[1], XFER_LEN);
	CHECK(sv_sg_register(S, SV_SG_IN, &(struct sv_sg){ (uint32_t)buf[1], XFER_LEN }, 1,
			     (uint32_t *)(PEER_VA + 8)) >= 0, "an IN list with its word in S");
	CHECK_RC(sv_share_unmap(S), SV_OK);
	ready(2);

	await_step(3);
	CHECK_BYTES("step 2, the buffer after SV_EFAULT", buf[1], untouched, XFER_LEN);
	CHECK_RC(sv_share_map(S, PEER_VA, 0), SV_OK);
	reg(SV_SG_OUT, PEER_VA + 100, &lens[2]);
	CHECK_RC(sv_share_unmap(S), SV_OK);
	ready(3);

	await_step(4);
	CHECK_EQ(lens[2], UNSET);
	CHECK_RC(sv_share_map(S, PEER_VA, 0), SV_OK);
	reg(SV_SG_IN, PEER_VA + XFER_AT, &lens[0]);
	reg(SV_SG_OUT, PEER_VA + XFER_AT, &lens[1]);
	CHECK_RC(sv_share_drop(S), SV_OK);
	CHECK(WAIT_UNTIL(port_events[PORT_REGET] > 0), "domain 0 never said PORT_REGET");
	CHECK_EQ(sv_share_get(S, PEER_PORT), 1);
	CHECK_STATUS(S, .npages = NPAGES, .peer_id = 1, .port = PEER_PORT, .peers = 0x3);
	ready(4);
}

static void peer_reused(void)
{
	await_step(5);
	CHECK_EQ(sv_share_get(T_ID, PEER_PORT2), 0);
	CHECK_RC(sv_share_map(T_ID, T_VA, 0), SV_OK);
	reg(SV_SG_IN, T_VA + 100, &lens[0]);
	reg(SV_SG_IN, T_VA + 100, &lens[1]);
	CHECK_RC(sv_share_drop(T_ID), SV_OK);
	CHECK(!writable(T_VA), "T is still mapped after the drop");
	ready(5);

	await_step(6);
	CHECK_EQ(get_when_granted(U_ID, PEER_PORT2), 1);
	CHECK_RC(sv_share_map(U_ID, T_VA, 0), SV_OK);
	ready(6);

	await_step(7);
	CHECK_EQ(lens[0], UNSET);
	CHECK_EQ(lens[1], XFER_LEN);
	CHECK_RC(sv_share_drop(U_ID), SV_OK);
}

/* The race's rounds: a list in S, then its pages taken away in one of
 * four ways, with yields where domain 0 gets to try. */
static void peer_race(uint32_t rounds)
{
	int32_t h = -1;

	await_step(8);
	for (uint32_t r = 0; r < rounds; r++) {
		sv_sg_unregister(S, h);		/* at most one list at a time */
		CHECK_RC(sv_share_map(S, PEER_VA, 0), SV_OK);
		h = reg(SV_SG_IN, PEER_VA + XFER_AT, &lens[3]);
		switch (r % 4) {
		case 0:
			sv_yield();
			CHECK_RC(sv_share_unmap(S), SV_OK);
			break;
		case 1:
			CHECK_RC(sv_share_unmap(S), SV_OK);
			break;
		case 2:
			CHECK_RC(sv_share_drop(S), SV_OK);
			CHECK_EQ(sv_share_get(S, PEER_PORT), 1);
			break;
		default:
			sv_yield();
			CHECK_RC(sv_share_drop(S), SV_OK);
			sv_yield();
			CHECK_EQ(sv_share_get(S, PEER_PORT), 1);
			break;
		}
		sv_yield();
	}
	CHECK(signal_peer(S, OFF_RACE_DONE, 1), "domain 0 never watched OFF_RACE_DONE");
}

static int peer(sv_share_t id)
{
	S = id;
	CHECK_EQ(get_when_granted(id, PEER_PORT), 1);
	peer_steps();
	peer_reused();
	peer_race(sv_cmdline_uint("rounds", 200));
	CHECK_RC(sv_share_drop(S), SV_OK);
	return xtf_verdict("hostile_unmap");
}

int main(const struct sv_start_info *start)
{
	static const struct role roles[] = { { "dom0", dom0 }, { "peer", peer } };

	(void)start;
	return run_role("hostile_unmap", roles, sizeof(roles) / sizeof(roles[0]));
}
