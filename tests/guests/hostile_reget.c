/*
 * hostile_reget: peers drop a share and get it again, thousands of times,
 * alone and all at once. Peer ids stay the lowest free ones, the peers
 * bitmask never shows a stale or doubled id, the port is free again
 * after each drop, the mapping goes with each drop and the next one shows
 * the same frames, every drop triggers offset 0 exactly once, and no
 * frame is lost or freed early.
 *
 *   module lines: hostile_reget.elf name=NAME role=dom0
 *                 hostile_reget.elf name=p1 role=leaver share=32 cycles=N
 *                 hostile_reget.elf name=p2 role=steady share=32 cycles=N
 *                 hostile_reget.elf name=p3 role=cycler share=32 cycles=N
 *
 * Domain 0 holds S as peer 0 and watches offset 0 with a counter of
 * START: each drop takes one off. It grants S to domains 1, 2, 3 one at
 * a time (peer ids 1, 2, 3), then, each phase started by an event to the
 * domains it concerns (PORT_GO) and ended by their trigger of OFF_DONE:
 *
 *   A  the cycler, alone, N times: map, write its word, drop (the mapping
 *      is gone), get: peer id 3 again, and share_info exactly right
 *   B  the leaver drops (peers 0xD); the cycler, N times: drop and get,
 *      and gets 1 each time, the lowest free id, not its old 3; then the
 *      leaver gets S again and gets 3
 *   C  all three at once, N times each: whatever id a get returns, the
 *      caller's share_info agrees with it and the peers bitmask has it,
 *      peer 0 and nothing above 3; each one's word in S (written through
 *      the previous mapping) is still there through the next. Afterwards
 *      the peers are 0xF again: three distinct ids.
 *
 * Then they drop S and exit. Domain 0's counter must have dropped by
 * exactly 5N + 4 (N + 1 + N + 3N drops, and the 3 at the end); its free
 * frames and the others' pages are what they were before S.
 */
#include "shares.h"

#define START		1000000u	/* domain 0's offset-0 counter */
#define OFF_DONE	8
#define PORT		5		/* every domain's port for S */
#define PORT_GO		9		/* domain 0 -> a peer: next phase */
#define VA		0x10000000u
#define ANY		0xFFu		/* a get may return any id 1..3 */

/* ---- domain 0 */

static uint32_t done;

static void go(uint32_t domid)
{
	CHECK_RC(sv_event_send((sv_domid_t)domid, PORT_GO), SV_OK);
}

/* Wait for n triggers of OFF_DONE. */
static void await_done(sv_share_t id, uint32_t n, const char *phase)
{
	done = n;
	CHECK_RC(sv_watch(id, OFF_DONE, &done), SV_OK);
	CHECK(WAIT_UNTIL(done == 0), "phase %s: %u peers never finished", phase, done);
	CHECK_RC(sv_unwatch(id, OFF_DONE, &done), SV_OK);
}

static int dom0(sv_share_t want_id)
{
	static uint32_t drops = START;
	uint32_t base = free_and_others();

	sv_share_t id = own_share(1, PORT, 0);
	if (!CHECK_EQ(id, want_id))
		return xtf_verdict("hostile_reget");
	CHECK_RC(sv_watch(id, 0, &drops), SV_OK);
	for (uint32_t d = 1; d <= 3; d++) {
		CHECK_RC(sv_share_grant(id, (sv_domid_t)d), SV_OK);
		CHECK(WAIT_UNTIL(peers_of(id) == (1u << (d + 1)) - 1), "domain %u never got S", d);
	}

	go(3);					/* A */
	await_done(id, 1, "A");
	CHECK_EQ(peers_of(id), 0xF);
	go(1);					/* B: the leaver leaves */
	CHECK(WAIT_UNTIL(peers_of(id) == 0xD), "the leaver never dropped S: %#x", peers_of(id));
	go(3);
	await_done(id, 1, "B");
	CHECK_EQ(peers_of(id), 0x7);		/* the cycler holds 1 now */
	go(1);					/* the leaver comes back */
	await_done(id, 1, "B, back");
	CHECK_EQ(peers_of(id), 0xF);
	for (uint32_t d = 1; d <= 3; d++)	/* C */
		go(d);
	await_done(id, 3, "C");
	CHECK_EQ(peers_of(id), 0xF);

	for (uint32_t d = 1; d <= 3; d++)
		go(d);
	CHECK(WAIT_UNTIL(others_ended()), "the peers did not end");
	CHECK_EQ(peers_of(id), 0x1);
	uint32_t n = sv_cmdline_uint("cycles", 1000);
	printf("offset 0 fired %u times, expected 5 x %u + 4\n", START - drops, n);
	CHECK_EQ(START - drops, 5 * n + 4);
	drop_and_destroy(id);
	check_frames_back(base);
	return xtf_verdict("hostile_reget");
}

/* ---- the peers */

static uint32_t word;		/* what this domain last wrote into S */

static void await_go(uint32_t n)
{
	CHECK(WAIT_UNTIL(port_events[PORT_GO] >= n), "domain 0 never said go (%u)", n);
}

static void done_phase(sv_share_t id)
{
	CHECK(signal_peer(id, OFF_DONE, 1), "domain 0 never watched OFF_DONE");
}

/* Map S, find our word as we left it, write the next; drop; get again,
 * wanting peer id want (or ANY of 1..3) and a view that agrees. Returns
 * the id got. */
static int32_t reget(sv_share_t id, uint32_t want, uint32_t cycle)
{
	volatile uint32_t *mine = (volatile uint32_t *)VA + start_info->domid;

	CHECK_RC(sv_share_map(id, VA, 0), SV_OK);
	CHECK(*mine == word, "cycle %u: my word in S is %#x, I wrote %#x", cycle, *mine, word);
	*mine = word = 0xC0DE0000u + cycle;
	CHECK_RC(sv_share_drop(id), SV_OK);
	CHECK(!writable(VA), "cycle %u: S is still mapped after the drop", cycle);
	int32_t p = sv_share_get(id, PORT);
	if (want != ANY) {
		CHECK_EQ(p, want);
		CHECK_STATUS(id, .npages = 1, .peer_id = want, .port = PORT,
			     .peers = want == 1 ? 0x7 : 0xF);
		return p;
	}
	struct sv_share_status st = status_of(id);
	CHECK(p >= 1 && p <= 3 && st.peer_id == (uint32_t)p && (st.peers & (1u << p)) &&
	      (st.peers & 1) && !(st.peers & ~0xFu) && st.mapped_at == 0 && st.port == PORT,
	      "cycle %u: got %d; share_info says peer %u, peers %#x, mapped at %#x, port %u",
	      cycle, p, st.peer_id, st.peers, st.mapped_at, st.port);
	return p;
}

static void cycles(sv_share_t id, uint32_t n, uint32_t want, const char *phase)
{
	uint32_t took[4] = { 0 };
	for (uint32_t i = 0; i < n; i++) {
		int32_t p = reget(id, want, i);
		took[p >= 1 && p <= 3 ? p : 0]++;
	}
	printf("phase %s: %u cycles, took id 1 %u times, 2 %u, 3 %u, other %u\n", phase, n,
	       took[1], took[2], took[3], took[0]);
}

/* Wait for go number k, run the cycles of a phase, and say so. */
static void cycle_phase(sv_share_t id, uint32_t k, uint32_t want, const char *phase)
{
	await_go(k);
	cycles(id, sv_cmdline_uint("cycles", 1000), want, phase);
	done_phase(id);
}

/* Wait for go number k, then drop the share for good. */
static int leave_at(sv_share_t id, uint32_t k)
{
	await_go(k);
	CHECK_RC(sv_share_drop(id), SV_OK);
	return xtf_verdict("hostile_reget");
}

static int cycler(sv_share_t id)
{
	CHECK_EQ(get_when_granted(id, PORT), 3);
	cycle_phase(id, 1, 3, "A");
	cycle_phase(id, 2, 1, "B");
	cycle_phase(id, 3, ANY, "C");
	return leave_at(id, 4);
}

static int leaver(sv_share_t id)
{
	CHECK_EQ(get_when_granted(id, PORT), 1);
	await_go(1);
	CHECK_RC(sv_share_drop(id), SV_OK);
	await_go(2);
	CHECK_EQ(sv_share_get(id, PORT), 3);
	CHECK_STATUS(id, .npages = 1, .peer_id = 3, .port = PORT, .peers = 0xF);
	done_phase(id);
	cycle_phase(id, 3, ANY, "C");
	return leave_at(id, 4);
}

static int steady(sv_share_t id)
{
	CHECK_EQ(get_when_granted(id, PORT), 2);
	cycle_phase(id, 1, ANY, "C");
	return leave_at(id, 2);
}

int main(const struct sv_start_info *start)
{
	static const struct role roles[] = {
		{ "dom0", dom0 }, { "leaver", leaver }, { "steady", steady }, { "cycler", cycler },
	};

	(void)start;
	return run_role("hostile_reget", roles, sizeof(roles) / sizeof(roles[0]));
}
