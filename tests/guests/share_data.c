/*
 * share_data: bytes written into a share by one domain are the bytes
 * another domain reads through its own mapping of it.
 *
 *   module lines: share_data.elf name=NAME role=dom0 writer=1 reader=2
 *                 share_data.elf name=NAME role=writer share=32
 *                 share_data.elf name=NAME role=reader share=32
 *
 * domain 0   creates a 4-page share (it must get id 32: the first of the
 *            boot), gets it itself (peer id 0), grants it to the writer,
 *            waits until the writer holds it, then grants it to the
 *            reader: so peer ids go 0, 1, 2. At the end, with both gone,
 *            it maps the share and finds the writer's bytes still there,
 *            drops and destroys it, and the free frames are back to
 *            where they were before the share was made.
 * writer     maps the share read-write and fills all 4 pages with a
 *            pattern, using 32-bit stores that straddle each page
 *            boundary; then triggers OFF_WRITTEN until the reader's
 *            watch fires, and drops the share.
 * reader     maps it read-only (and proves the mapping is read-only
 *            without dying: the hypervisor refuses it as an SV_SG_IN
 *            buffer or a watch counter), waits on OFF_WRITTEN, checks
 *            every byte and the straddling words, waits for the writer to
 *            leave, and gets the share again: it gets the lowest free
 *            peer id (1, the writer's), not its old one (2).
 *
 * Every step checks SV_OP_SHARE_INFO: pages, peer id, port, the peers
 * bitmask, where the caller mapped it.
 */
#include "shares.h"

#define NPAGES		4
#define BYTES		(NPAGES * SV_PAGE_SIZE)
#define OFF_WRITTEN	(SV_PAGE_SIZE + 12)	/* the writer is done */

#define DOM0_PORT	4
#define WRITER_PORT	5
#define READER_PORT	6

#define WRITER_VA	0x10000000u
#define READER_VA	0x20000000u
#define DOM0_VA		0x30000000u

/* The byte at offset i: differs from page to page, so pages mapped in the
 * wrong order would show. */
static uint8_t pattern(uint32_t i)
{
	return (uint8_t)(((i * 2654435761u) >> 24) ^ (i >> 12));
}

static uint32_t pattern_word(uint32_t off)
{
	return pattern(off) | pattern(off + 1) << 8 | (uint32_t)pattern(off + 2) << 16 |
	       (uint32_t)pattern(off + 3) << 24;
}

/* Fill the share with 32-bit stores from offset 2: every page boundary
 * falls in the middle of one of them. */
static void write_pattern(uint8_t *p)
{
	uint32_t off = 0;
	for (; off < 2; off++)
		p[off] = pattern(off);
	for (; off + 4 <= BYTES; off += 4)
		*(volatile uint32_t *)(p + off) = pattern_word(off);
	for (; off < BYTES; off++)
		p[off] = pattern(off);
}

/* Every byte, then the words across each page boundary. */
static void check_pattern(const char *who, const volatile uint8_t *p)
{
	uint32_t bad = 0, first = BYTES;
	for (uint32_t i = 0; i < BYTES; i++) {
		if (p[i] != pattern(i)) {
			bad++;
			first = first < i ? first : i;
		}
	}
	CHECK(bad == 0, "%s: %u of %u bytes differ, the first at offset %#x (%#x, expected %#x)",
	      who, bad, BYTES, first, bad ? p[first] : 0, pattern(first));
	for (uint32_t page = 1; page < NPAGES; page++) {
		uint32_t off = page * SV_PAGE_SIZE - 2;
		uint32_t got = *(const volatile uint32_t *)(p + off);
		CHECK(got == pattern_word(off), "%s: the word at %#x across a page boundary is %#x, "
		      "expected %#x", who, off, got, pattern_word(off));
	}
}

static int dom0(sv_share_t want_id)
{
	uint32_t writer = sv_cmdline_uint("writer", 1), reader = sv_cmdline_uint("reader", 2);
	uint32_t free0 = free_and_others();

	sv_share_t id = sv_share_create(NPAGES);
	if (!CHECK_EQ(id, want_id))
		return xtf_verdict("share_data");
	CHECK_EQ(free_and_others(), free0 - NPAGES);
	CHECK_RC(sv_share_grant(id, (sv_domid_t)start_info->domid), SV_OK);
	CHECK_EQ(sv_share_get(id, DOM0_PORT), 0);
	CHECK_STATUS(id, .npages = NPAGES, .peer_id = 0, .port = DOM0_PORT, .peers = 0x1);

	/* One grant at a time, so the peer ids come out in a known order. */
	CHECK_RC(sv_share_grant(id, (sv_domid_t)writer), SV_OK);
	CHECK(WAIT_UNTIL(peers_of(id) == 0x3), "the writer never got the share: peers %#x",
	      peers_of(id));
	CHECK_RC(sv_share_grant(id, (sv_domid_t)reader), SV_OK);
	/* On two CPUs the reader may get it, read, and leave (once the
	 * writer has gone) between two of these looks: then it has ended. */
	struct sv_domain_info r;
	CHECK(WAIT_UNTIL((peers_of(id) & 0x4) || (r = domain_info(reader), ended(&r))),
	      "the reader never got the share: peers %#x", peers_of(id));

	CHECK(WAIT_UNTIL(others_ended()), "the writer and the reader did not end");
	CHECK_STATUS(id, .npages = NPAGES, .peer_id = 0, .port = DOM0_PORT, .peers = 0x1);

	/* The share's pages outlive the domain that wrote them. */
	CHECK_RC(sv_share_map(id, DOM0_VA, 0), SV_OK);
	check_pattern("domain 0, at the end", (const uint8_t *)DOM0_VA);
	CHECK_RC(sv_share_drop(id), SV_OK);
	CHECK_RC(sv_share_info(id, &(struct sv_share_status){ 0 }), SV_ENOENT);
	CHECK_EQ(free_and_others(), free0 - NPAGES);	/* not destroyed: still there */
	CHECK_RC(sv_share_destroy(id), SV_OK);
	CHECK_EQ(free_and_others(), free0);
	printf("free frames (and the others' pages) %u before the share, %u after\n", free0,
	       free_and_others());
	return xtf_verdict("share_data");
}

static int writer(sv_share_t id)
{
	int32_t peer = get_when_granted(id, WRITER_PORT);
	if (!CHECK_EQ(peer, 1))
		return xtf_verdict("share_data");
	/* Domain 0 holds peer id 0; the reader may have joined since (2). */
	struct sv_share_status st = status_of(id);
	CHECK_EQ(st.npages, NPAGES);
	CHECK_EQ(st.peer_id, 1);
	CHECK_EQ(st.port, WRITER_PORT);
	CHECK(st.peers == 0x3 || st.peers == 0x7, "peers %#x, expected 0x3 or 0x7", st.peers);
	CHECK_EQ(st.mapped_at, 0);
	CHECK_EQ(st.destroyed, 0);

	CHECK_RC(sv_share_map(id, WRITER_VA, 0), SV_OK);
	CHECK_EQ(status_of(id).mapped_at, WRITER_VA);
	write_pattern((uint8_t *)WRITER_VA);
	check_pattern("the writer", (const uint8_t *)WRITER_VA);
	printf("wrote %u bytes at %#x\n", BYTES, WRITER_VA);

	CHECK(signal_peer(id, OFF_WRITTEN, 1), "the reader never watched OFF_WRITTEN");
	CHECK_RC(sv_share_drop(id), SV_OK);
	CHECK_RC(sv_share_info(id, &(struct sv_share_status){ 0 }), SV_ENOENT);
	return xtf_verdict("share_data");
}

/* A read-only mapping is refused wherever the hypervisor would write. */
static void check_read_only(sv_share_t id)
{
	static uint32_t len;
	struct sv_sg in = { READER_VA + 100, 64 };

	CHECK(!writable(READER_VA), "the read-only mapping at %#x is writable", READER_VA);
	CHECK_RC(sv_sg_register(id, SV_SG_IN, &in, 1, &len), SV_EFAULT);
	CHECK_RC(sv_watch(id, 0, (uint32_t *)(READER_VA + 8)), SV_EFAULT);
	/* Reading from it is fine: an SV_SG_OUT list may live there. */
	int32_t h = sv_sg_register(id, SV_SG_OUT, &in, 1, &len);
	CHECK(h >= 0, "an SV_SG_OUT list in the read-only mapping: %d (%s)", h, sv_strerror(h));
	CHECK_RC(sv_sg_unregister(id, h), SV_OK);
}

static int reader(sv_share_t id)
{
	uint32_t written = 1;

	int32_t peer = get_when_granted(id, READER_PORT);
	if (!CHECK_EQ(peer, 2))
		return xtf_verdict("share_data");
	CHECK_STATUS(id, .npages = NPAGES, .peer_id = 2, .port = READER_PORT, .peers = 0x7);
	CHECK_RC(sv_share_map(id, READER_VA, SV_MAP_READONLY), SV_OK);
	CHECK_STATUS(id, .npages = NPAGES, .peer_id = 2, .port = READER_PORT, .peers = 0x7,
		     .mapped_at = READER_VA);
	check_read_only(id);

	uint32_t events0 = port_events[READER_PORT];
	CHECK_RC(sv_watch(id, OFF_WRITTEN, &written), SV_OK);
	CHECK(WAIT_UNTIL(written == 0), "the writer never triggered OFF_WRITTEN");
	CHECK(port_events[READER_PORT] > events0, "no event on port %u when the watch fired",
	      READER_PORT);
	check_pattern("the reader", (const uint8_t *)READER_VA);
	printf("read %u bytes at %#x\n", BYTES, READER_VA);

	/* The writer leaves: its peer id 1 is free, and is the lowest one. */
	CHECK(WAIT_UNTIL(!(peers_of(id) & 0x2)), "the writer never dropped the share");
	CHECK_RC(sv_share_unmap(id), SV_OK);
	CHECK_RC(sv_share_drop(id), SV_OK);
	CHECK_EQ(sv_share_get(id, READER_PORT), 1);
	CHECK_STATUS(id, .npages = NPAGES, .peer_id = 1, .port = READER_PORT, .peers = 0x3);
	CHECK_RC(sv_share_drop(id), SV_OK);
	return xtf_verdict("share_data");
}

int main(const struct sv_start_info *start)
{
	static const struct role roles[] = { { "dom0", dom0 }, { "writer", writer }, { "reader", reader } };

	(void)start;
	return run_role("share_data", roles, sizeof(roles) / sizeof(roles[0]));
}
