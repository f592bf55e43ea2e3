/*
 * hostile_maprefs: every peer a share can have maps and unmaps it, over
 * and over, at once, while domain 0 destroys it under them. Each page's
 * reference count is 1 + its mappings; the test pushes on it from every
 * side a guest has (a mapping per peer, a second mapping refused, mapping
 * after a destroy, mappings that need new page tables each time) and then
 * sees every frame where it must be: held while anyone maps the share,
 * back on the free list when the last holder lets go, never before.
 *
 *   module lines: hostile_maprefs.elf name=NAME role=dom0 cycles=N
 *                 hostile_maprefs.elf name=mI role=mapper share=32 cycles=N   (x 7)
 *
 * Domain 0 creates S (4 pages), gets it (peer 0), maps it, writes a
 * pattern, notes the free frames plus the others' pages (HELD), and
 * grants S to the 7 mappers one at a time: peer ids 1..7, so all 8 peer
 * ids are taken. It starts them all (PORT_GO) and destroys S at once.
 * Each mapper, N times: map S (read-write at MAP_RW on even cycles,
 * read-only at MAP_RO on odd ones, across a 4 MiB boundary: two page
 * tables made and freed each time), read a word of the pattern, write
 * its own word (read-write cycles), map again at the same place and
 * elsewhere (SV_EEXIST both, nothing mapped), unmap, unmap again
 * (SV_ENOENT). Then it maps S once more, writes N into its word and
 * triggers OFF_DONE.
 *
 * With all 8 mapping it (every page's count at 9, the most there can
 * be), domain 0 checks share_info (peers 0xFF, destroyed), each mapper's
 * word, and that the free frames plus the others' pages are still HELD.
 * The mappers unmap, drop and exit: still HELD, since domain 0 maps S.
 * When domain 0 unmaps it, all but the 4 pages are back; when it drops
 * it, they come back too: the count is where it was before S. It prints "7 mappers x N cycles".
 */
#include "shares.h"

#define NPAGES		4
#define BYTES		(NPAGES * SV_PAGE_SIZE)
#define WORDS		(BYTES / 4)
#define MARKS		8		/* words 0..7: one per peer id */
#define MAPPERS		7
#define OFF_DONE	8
#define PORT		5
#define PORT_GO		9		/* domain 0 -> the mappers */
#define DOM0_VA		0x30000000u
#define MAP_RW		0x10000000u
#define MAP_RO		0x107FE000u	/* 2 pages each side of 0x10800000 */

static uint32_t pattern(uint32_t w)
{
	return 0x9E3779B9u * w + 0x7F4A7C15u;
}

/* ---- domain 0 */

static int dom0(sv_share_t want_id)
{
	static uint32_t done = MAPPERS;
	volatile uint32_t *s = (volatile uint32_t *)DOM0_VA;
	uint32_t n = sv_cmdline_uint("cycles", 10000);
	uint32_t base = free_and_others();

	sv_share_t id = own_share(NPAGES, PORT, DOM0_VA);
	if (!CHECK_EQ(id, want_id))
		return xtf_verdict("hostile_maprefs");
	for (uint32_t w = MARKS; w < WORDS; w++)
		s[w] = pattern(w);
	uint32_t held = free_and_others();
	for (uint32_t d = 1; d <= MAPPERS; d++) {
		CHECK_RC(sv_share_grant(id, (sv_domid_t)d), SV_OK);
		CHECK(WAIT_UNTIL(peers_of(id) == (2u << d) - 1), "domain %u never got S", d);
	}
	CHECK_RC(sv_watch(id, OFF_DONE, &done), SV_OK);
	for (uint32_t d = 1; d <= MAPPERS; d++)
		CHECK_RC(sv_event_send((sv_domid_t)d, PORT_GO), SV_OK);
	CHECK_RC(sv_share_destroy(id), SV_OK);	/* under their feet */

	CHECK(WAIT_UNTIL(done == 0), "%u mappers never finished", done);
	CHECK_STATUS(id, .npages = NPAGES, .peer_id = 0, .port = PORT, .peers = 0xFF,
		     .mapped_at = DOM0_VA, .destroyed = 1);
	for (uint32_t p = 1; p <= MAPPERS; p++)
		CHECK(s[p] == n, "mapper %u's word is %u, expected %u", p, s[p], n);
	CHECK_EQ(free_and_others(), held);

	for (uint32_t d = 1; d <= MAPPERS; d++)
		CHECK_RC(sv_event_send((sv_domid_t)d, PORT_GO), SV_OK);
	CHECK(WAIT_UNTIL(others_ended()), "the mappers did not end");
	CHECK_EQ(free_and_others(), held);	/* domain 0 still maps it */
	uint32_t bad = 0;
	for (uint32_t w = MARKS; w < WORDS; w++)
		bad += s[w] != pattern(w);
	CHECK(bad == 0, "%u words of the pattern changed", bad);
	CHECK_RC(sv_share_unmap(id), SV_OK);
	CHECK_EQ(free_and_others(), base - NPAGES);	/* not dropped: only the pages are out */
	CHECK_RC(sv_share_drop(id), SV_OK);
	uint32_t end = free_and_others();
	printf("%u mappers x %u cycles; free frames and the others' pages: %u before S, %u "
	       "while held, %u at the end\n", MAPPERS, n, base, held, end);
	CHECK_EQ(end, base);
	return xtf_verdict("hostile_maprefs");
}

/* ---- a mapper */

static void cycle(sv_share_t id, uint32_t i, uint32_t me)
{
	bool rw = i % 2 == 0;
	uint32_t va = rw ? MAP_RW : MAP_RO;
	const volatile uint32_t *s = (const volatile uint32_t *)va;
	uint32_t w = MARKS + (i * 1237u) % (WORDS - MARKS);

	CHECK_RC(sv_share_map(id, va, rw ? 0 : SV_MAP_READONLY), SV_OK);
	CHECK(s[w] == pattern(w), "cycle %u: word %u is %#x, expected %#x", i, w, s[w],
	      pattern(w));
	if (rw)
		*(volatile uint32_t *)&s[me] = i;
	CHECK_RC(sv_share_map(id, va, 0), SV_EEXIST);
	CHECK_RC(sv_share_map(id, rw ? MAP_RO : MAP_RW, 0), SV_EEXIST);
	if (i % 1024 == 1) {
		CHECK_EQ(status_of(id).mapped_at, va);
		CHECK(!writable(va), "cycle %u: the read-only mapping is writable", i);
	}
	CHECK_RC(sv_share_unmap(id), SV_OK);
	CHECK_RC(sv_share_unmap(id), SV_ENOENT);
}

static int mapper(sv_share_t id)
{
	uint32_t n = sv_cmdline_uint("cycles", 10000);
	int32_t me = get_when_granted(id, PORT);
	if (!CHECK(me >= 1 && me <= MAPPERS, "get: %d (%s)", me, sv_strerror(me)))
		return xtf_verdict("hostile_maprefs");
	CHECK(WAIT_UNTIL(port_events[PORT_GO] >= 1), "domain 0 never said go");
	for (uint32_t i = 0; i < n && xtf_failed == 0; i++)
		cycle(id, i, (uint32_t)me);
	CHECK_EQ(status_of(id).mapped_at, 0);
	CHECK_RC(sv_share_map(id, MAP_RW, 0), SV_OK);
	((volatile uint32_t *)MAP_RW)[me] = n;
	CHECK(WAIT_UNTIL(status_of(id).destroyed), "domain 0 never destroyed S");
	CHECK_STATUS(id, .npages = NPAGES, .peer_id = (uint32_t)me, .port = PORT, .peers = 0xFF,
		     .mapped_at = MAP_RW, .destroyed = 1);
	CHECK(signal_peer(id, OFF_DONE, 1), "domain 0 never watched OFF_DONE");
	CHECK(WAIT_UNTIL(port_events[PORT_GO] >= 2), "domain 0 never said go again");
	CHECK_RC(sv_share_unmap(id), SV_OK);
	CHECK_RC(sv_share_drop(id), SV_OK);
	CHECK_RC(sv_share_map(id, MAP_RW, 0), SV_ENOENT);	/* not held: nothing to map */
	CHECK(!writable(MAP_RW), "a mapping is left after the drop");
	printf("peer %d: %u cycles\n", me, n);
	return xtf_verdict("hostile_maprefs");
}

int main(const struct sv_start_info *start)
{
	static const struct role roles[] = { { "dom0", dom0 }, { "mapper", mapper } };

	(void)start;
	return run_role("hostile_maprefs", roles, sizeof(roles) / sizeof(roles[0]));
}
