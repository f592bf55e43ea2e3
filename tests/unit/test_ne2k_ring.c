/*
 * test_ne2k_ring.c: guests/lib/ne2k_ring.h, the NE2000 driver's belief
 * in what the card wrote. Every header a card could write at every page
 * of the ring is judged against a reference that walks the ring page by
 * page; and the cases by name: a frame that wraps past the ring's end; a
 * next page outside the ring or on the frame's own page, or more bytes
 * than the pages up to next (start the ring afresh); a runt, a frame too
 * long (a datagram bigger than Ethernet's), one the card flagged as bad
 * (step over it); and the page arithmetic at the ring's ends.
 */
#include <stdint.h>
#include <stdio.h>
#include "ne2k_ring.h"
#include "unit.h"

#define START	0x46
#define STOP	0x80

static struct ne2k_rx_header hdr(uint8_t status, uint8_t next, uint16_t count)
{
	return (struct ne2k_rx_header){ status, next, count };
}

static enum ne2k_rx_verdict judge(struct ne2k_rx_header h, uint8_t page, uint32_t *len)
{
	return ne2k_rx_check(&h, page, START, STOP, len);
}

static bool ok(struct ne2k_rx_header h, uint8_t page, uint32_t *len)
{
	return judge(h, page, len) == NE2K_RX_FRAME;
}

static bool skip(struct ne2k_rx_header h, uint8_t page)
{
	uint32_t len;
	return judge(h, page, &len) == NE2K_RX_SKIP;
}

static bool reset(struct ne2k_rx_header h, uint8_t page)
{
	uint32_t len;
	return judge(h, page, &len) == NE2K_RX_RESET;
}

static void test_named_cases(void)
{
	uint32_t len = 0;
	CHECK(ok(hdr(1, 0x47, 64), 0x46, &len) && len == 60, "a 60-byte frame in one page");
	CHECK(ok(hdr(1, 0x4C, 1518), 0x46, &len) && len == 1514, "a 1514-byte frame in 6 pages");
	CHECK(ok(hdr(1, 0x4D, 1518), 0x46, &len), "... or in 7 (QEMU counts a page more)");
	CHECK(reset(hdr(1, 0x4B, 1518), 0x46), "1518 bytes do not fit 5 pages: reset");
	CHECK(ok(hdr(1, 0x48, 1000), 0x7E, &len) && len == 996,
	      "a frame from the ring's last pages on from its first (0x7e -> 0x48)");
	CHECK(reset(hdr(1, 0x47, 1000), 0x7E), "... but not in 3 pages: reset");
	CHECK(skip(hdr(0, 0x47, 64), 0x46), "the card flagged it bad (status 0): skipped");
	CHECK(ok(hdr(0x21, 0x47, 64), 0x46, &len), "other status bits with 'intact' are fine");
	CHECK(reset(hdr(1, 0x46, 64), 0x46), "next is the frame's own page: reset");
	CHECK(reset(hdr(1, 0x45, 64), 0x46), "next before the ring: reset");
	CHECK(reset(hdr(1, 0x80, 64), 0x46), "next at PSTOP (outside): reset");
	CHECK(reset(hdr(1, 0xFF, 64), 0x46), "next far outside: reset");
	CHECK(skip(hdr(1, 0x47, 17), 0x46), "a runt (no room for an Ethernet header): skipped");
	CHECK(ok(hdr(1, 0x47, 18), 0x46, &len) && len == 14, "count of exactly a bare Ethernet header");
	CHECK(skip(hdr(1, 0x4D, 1519), 0x46), "one byte past the largest frame: skipped");
	CHECK(skip(hdr(1, 0x4D, 1608), 0x46), "a 1604-byte datagram, as QEMU stores it: skipped");
	CHECK(reset(hdr(1, 0x4D, 0xFFFF), 0x46), "count 65535 in 7 pages: reset");
	CHECK(skip(hdr(1, 0x47, 0), 0x46), "count 0: skipped");
	CHECK(reset(hdr(1, 0x47, 64), 0x45), "read at a page before the ring: reset");
	CHECK(reset(hdr(1, 0x47, 64), 0x80), "read at PSTOP: reset");
	struct ne2k_rx_header h = hdr(1, 0x47, 64);
	CHECK(ne2k_rx_check(&h, 0x46, 0x80, 0x46, &len) == NE2K_RX_RESET,
	      "a ring with PSTART above PSTOP");
	CHECK(ne2k_rx_check(&h, 0x46, 0x46, 0x46, &len) == NE2K_RX_RESET, "an empty ring");
}

static void test_page_arithmetic(void)
{
	CHECK_EQ(ne2k_ring_after(0x46, START, STOP), 0x47, "after the first page");
	CHECK_EQ(ne2k_ring_after(0x7F, START, STOP), 0x46, "after the last: the first");
	CHECK_EQ(ne2k_ring_before(0x46, START, STOP), 0x7F, "before the first: the last");
	CHECK_EQ(ne2k_ring_before(0x47, START, STOP), 0x46, "before the second");
	CHECK_EQ(ne2k_ring_distance(0x46, 0x46, START, STOP), 0, "no distance");
	CHECK_EQ(ne2k_ring_distance(0x7F, 0x46, START, STOP), 1, "across the end: one page");
	CHECK_EQ(ne2k_ring_distance(0x47, 0x46, START, STOP), STOP - START - 1, "all but one");
}

/* The reference: walk from page to next, a page at a time, counting. */
static enum ne2k_rx_verdict reference(uint8_t status, uint8_t next, uint16_t count, uint8_t page)
{
	if (next < START || next >= STOP || next == page)
		return NE2K_RX_RESET;
	uint32_t pages = 0;
	for (uint8_t p = page; p != next; p = (uint8_t)(p + 1 == STOP ? START : p + 1))
		pages++;
	if (count > pages * 256)
		return NE2K_RX_RESET;
	if (!(status & 1) || count < 18 || count > 1518)
		return NE2K_RX_SKIP;
	return NE2K_RX_FRAME;
}

static void test_exhaustive(void)
{
	static const uint16_t counts[] = { 0, 17, 18, 64, 255, 256, 257, 511, 512, 513, 1000,
					   1517, 1518, 1519, 1800, 4096, 0xFFFF };
	uint32_t wrong = 0, tried = 0;
	for (uint32_t page = START; page < STOP; page++)
		for (uint32_t next = 0; next < 256; next++)
			for (uint32_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
				for (uint8_t status = 0; status < 2; status++) {
					uint32_t len = 0xDEAD;
					struct ne2k_rx_header h = hdr(status, (uint8_t)next, counts[c]);
					enum ne2k_rx_verdict got =
						ne2k_rx_check(&h, (uint8_t)page, START, STOP, &len);
					enum ne2k_rx_verdict want =
						reference(status, (uint8_t)next, counts[c], (uint8_t)page);
					tried++;
					if (got != want || (got == NE2K_RX_FRAME && len != counts[c] - 4u)) {
						if (wrong++ < 5)
							CHECK(false, "page %#x next %#x count %u status %u: %d, "
							      "want %d", page, next, counts[c], status, got, want);
					}
				}
	CHECK(wrong == 0, "%u headers at every page of the ring judged as the page walk says",
	      tried);
}

int main(void)
{
	test_named_cases();
	test_page_arithmetic();
	test_exhaustive();
	return unit_done();
}
