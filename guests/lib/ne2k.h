/*
 * ne2k.h: a driver for the NE2000, the passthrough Ethernet card
 * (include/sharevisor.h section 8, SV_DEV_NE2000), written to be read
 * beside the LAN driver (lan.h): the same jobs, a receive ring, a
 * transmit path and interrupts, done by a real card's registers instead
 * of shares and sg lists.
 *
 *     ne2k_open(port);                grab the card, reset it, read its MAC
 *     ne2k_send(frame, len);          one frame out (waits for the card)
 *     n = ne2k_receive(buf, cap);     the next frame in, or 0 if none yet
 *     ne2k_wait(deadline_ns);         sleep until the card interrupts
 *     ne2k_close();                   stop it and give it back
 *
 * Frames are whole Ethernet frames (destination, source, type, payload)
 * without the CRC: 14 to NE2K_MAX_FRAME bytes; short ones are padded to
 * the 60 bytes the wire needs.
 */
#ifndef SV_GUEST_NE2K_H
#define SV_GUEST_NE2K_H

#include <stdbool.h>
#include <stdint.h>
#include "ne2k_ring.h"

#define ETH_ALEN	6
#define ETH_HEADER	14

struct ne2k_stats {
	uint32_t sent, received;	/* frames */
	uint32_t tx_errors;		/* the card gave up on a frame (TXE) */
	uint32_t rx_errors;		/* frames the card flagged bad (RXE) */
	uint32_t skipped;		/* frames stepped over: flagged bad, runts, too long */
	uint32_t bad_headers;		/* ring headers we did not believe: ring reset */
	uint32_t overruns;		/* the ring filled up (OVW) and was recovered */
	uint32_t interrupts;		/* events on our port with something in ISR */
	uint32_t missed;		/* the card's own count of frames it had no room for */
};

/* Grab the card (waiting behind its owner), reset and start it, read
 * its MAC address from the card's PROM. 0, or the grab's error (e.g.
 * SV_ENOENT: this machine has no NE2000). port: our event port for it. */
int32_t ne2k_open(uint32_t port);
void ne2k_mac(uint8_t mac[ETH_ALEN]);
/* Transmit one frame; waits until the card has sent it. 0, or
 * SV_EINVAL (bad length), SV_EAGAIN (the card reported a failure). */
int32_t ne2k_send(const void *frame, uint32_t len);
/* The next received frame, copied into buf: its length, 0 if there is
 * none, or SV_ERANGE if it is longer than cap (it is dropped). */
int32_t ne2k_receive(void *buf, uint32_t cap);
/* Block until the card has something for us (an interrupt) or the
 * clock passes deadline_ns (0: no deadline). */
void ne2k_wait(uint64_t deadline_ns);
/* Stop the card and release it. */
int32_t ne2k_close(void);
const struct ne2k_stats *ne2k_stats(void);

#endif /* SV_GUEST_NE2K_H */
