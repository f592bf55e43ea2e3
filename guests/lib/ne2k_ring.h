/*
 * ne2k_ring.h: the arithmetic of the DP8390's receive ring, apart from
 * the hardware so that the host's unit tests can feed it every header a
 * broken or hostile card could write (tests/unit/test_ne2k_ring.c).
 *
 * The card's packet memory is counted in 256-byte pages. Received frames
 * go into a ring of pages [pstart, pstop): the card writes at CURR, we
 * read after BNRY (the boundary: the last page we have finished with),
 * and the card stops before it would overwrite BNRY. Each frame starts
 * on a page with a 4-byte header the card writes:
 *
 *   status  the receive status (RSR): bit 0, "received intact"
 *   next    the page where the following frame will start
 *   count   the header and the frame, in bytes (little endian)
 *
 * A card is a device, and a device can be wrong (or, passed between
 * domains, left in a state the last owner chose), and the wire can carry
 * anything: the driver takes a frame only if its header describes one
 * that fits the ring, steps over one it cannot take if the header still
 * says where the next begins, and otherwise starts the ring afresh.
 */
#ifndef SV_NE2K_RING_H
#define SV_NE2K_RING_H

#include <stdbool.h>
#include <stdint.h>

#define NE2K_PAGE		256
#define NE2K_HEADER		4
#define NE2K_MIN_FRAME		60	/* without the CRC: the card pads shorter ones */
#define NE2K_MAX_FRAME		1514	/* 14-byte header, 1500 bytes of payload */
#define NE2K_RSR_RXOK		0x01

struct ne2k_rx_header {
	uint8_t status;
	uint8_t next;
	uint16_t count;
};

/* The page after p in the ring [pstart, pstop). */
static inline uint8_t ne2k_ring_after(uint8_t p, uint8_t pstart, uint8_t pstop)
{
	return (uint8_t)(p + 1 >= pstop ? pstart : p + 1);
}

/* The page before p: where BNRY goes once the frame before p is read. */
static inline uint8_t ne2k_ring_before(uint8_t p, uint8_t pstart, uint8_t pstop)
{
	return (uint8_t)(p <= pstart ? pstop - 1 : p - 1);
}

/* Pages from a to b going forward around the ring (0 if a == b). */
static inline uint32_t ne2k_ring_distance(uint8_t a, uint8_t b, uint8_t pstart, uint8_t pstop)
{
	uint32_t size = (uint32_t)(pstop - pstart);
	return (uint32_t)(b - a + size) % size;
}

/* What to do with the frame whose header h was read at page. */
enum ne2k_rx_verdict {
	NE2K_RX_FRAME,		/* a whole, intact frame: *len bytes after the header */
	NE2K_RX_SKIP,		/* the card flagged it bad, or it is a runt or too long
				 * (a datagram bigger than Ethernet's, say), but the
				 * header holds together: step over it to h->next */
	NE2K_RX_RESET,		/* the header does not hold together (next outside the
				 * ring or on this page, more bytes than the pages up
				 * to next): nothing past it can be believed */
};

static inline enum ne2k_rx_verdict ne2k_rx_check(const struct ne2k_rx_header *h, uint8_t page,
						 uint8_t pstart, uint8_t pstop, uint32_t *len)
{
	if (pstart >= pstop || page < pstart || page >= pstop)
		return NE2K_RX_RESET;
	if (h->next < pstart || h->next >= pstop || h->next == page ||
	    h->count > ne2k_ring_distance(page, h->next, pstart, pstop) * NE2K_PAGE)
		return NE2K_RX_RESET;
	if (!(h->status & NE2K_RSR_RXOK) || h->count < NE2K_HEADER + 14 ||
	    h->count > NE2K_HEADER + NE2K_MAX_FRAME)
		return NE2K_RX_SKIP;
	*len = (uint32_t)h->count - NE2K_HEADER;
	return NE2K_RX_FRAME;
}

#endif /* SV_NE2K_RING_H */
