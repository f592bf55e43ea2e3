/*
 * test_ne2k_ring.c: guests/lib/ne2k_ring.h, the NE2000 driver's belief
 * in what the card wrote. Every header a card could write at every page
 * of a small ring is judged against a reference that walks the ring page
 * by page; and the cases by name: a frame that wraps past the ring's end,
 * a next page outside the ring or on the frame's own page, a count that
 * is too small, too large, or more than the pages it claims, a frame the
 * card flagged as bad; and the page arithmetic at the ring's ends.
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

static bool ok(struct ne2k_rx_header h, uint8_t page, uint32_t *len)
{
	return ne2k_rx_header_ok(&h, page, START, STOP, len);
}

static void test_named_cases(void)
{
	uint32_t len = 0;
	CHECK(ok(hdr(1, 0x47, 64), 0x46, &len) && len == 60, "a 60-byte frame in one page");
	CHECK(ok(hdr(1, 0x4C, 1518), 0x46, &len) && len == 1514, "a 1514-byte frame in 6 pages");
	CHECK(ok(hdr(1, 0x4D, 1518), 0x46, &len), "... or in 7 (QEMU counts a page more)");
	CHECK(!ok(hdr(1, 0x4B, 1518), 0x46, &len), "1518 bytes do not fit 5 pages");
	CHECK(ok(hdr(1, 0x48, 1000), 0x7E, &len) && len == 996,
	      "a frame from the ring's last pages on from its first (0x7e -> 0x48)");
	CHECK(!ok(hdr(1, 0x47, 1000), 0x7E, &len), "... but not in 3 pages");
	CHECK(!ok(hdr(0, 0x47, 64), 0x46, &len), "the card flagged it bad (status 0)");
	CHECK(ok(hdr(0x21, 0x47, 64), 0x46, &len), "other status bits with 'intact' are fine");
	CHECK(!ok(hdr(1, 0x46, 64), 0x46, &len), "next is the frame's own page");
	CHECK(!ok(hdr(1, 0x45, 64), 0x46, &len), "next before the ring");
	CHECK(!ok(hdr(1, 0x80, 64), 0x46, &len), "next at PSTOP (outside)");
	CHECK(!ok(hdr(1, 0xFF, 64), 0x46, &len), "next far outside");
	CHECK(!ok(hdr(1, 0x47, 17), 0x46, &len), "count shorter than a header and an Ethernet header");
	CHECK(ok(hdr(1, 0x47, 18), 0x46, &len) && len == 14, "count of exactly a bare Ethernet header");
	CHECK(!ok(hdr(1, 0x4D, 1519), 0x46, &len), "count one past the largest frame");
	CHECK(!ok(hdr(1, 0x4D, 0xFFFF), 0x46, &len), "count 65535");
	CHECK(!ok(hdr(1, 0x47, 0), 0x46, &len), "count 0");
	CHECK(!ok(hdr(1, 0x47, 64), 0x45, &len), "read at a page before the ring");
	CHECK(!ok(hdr(1, 0x47, 64), 0x80, &len), "read at PSTOP");
	struct ne2k_rx_header h = hdr(1, 0x47, 64);
	CHECK(!ne2k_rx_header_ok(&h, 0x46, 0x80, 0x46, &len), "a ring with PSTART above PSTOP");
	CHECK(!ne2k_rx_header_ok(&h, 0x46, 0x46, 0x46, &len), "an empty ring");
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
static bool ref_ok(uint8_t status, uint8_t next, uint16_t count, uint8_t page)
{
	if (!(status & 1) || next < START || next >= STOP || next == page)
		return false;
	if (count < 18 || count > 1518)
		return false;
	uint32_t pages = 0;
	for (uint8_t p = page; p != next; p = (uint8_t)(p + 1 == STOP ? START : p + 1))
		pages++;
	return count <= pages * 256;
}

static void test_exhaustive(void)
{
	static const uint16_t counts[] = { 0, 17, 18, 64, 255, 256, 257, 511, 512, 513, 1000,
					   1517, 1518, 1519, 4096, 0xFFFF };
	uint32_t wrong = 0, tried = 0;
	for (uint32_t page = START; page < STOP; page++)
		for (uint32_t next = 0; next < 256; next++)
			for (uint32_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
				for (uint8_t status = 0; status < 2; status++) {
					uint32_t len = 0xDEAD;
					struct ne2k_rx_header h = hdr(status, (uint8_t)next, counts[c]);
					bool got = ne2k_rx_header_ok(&h, (uint8_t)page, START, STOP, &len);
					bool want = ref_ok(status, (uint8_t)next, counts[c], (uint8_t)page);
					tried++;
					if (got != want || (got && len != counts[c] - 4u)) {
						if (wrong++ < 5)
							CHECK(false, "page %#x next %#x count %u status %u: %d",
							      page, next, counts[c], status, got);
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
