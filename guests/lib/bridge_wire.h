/*
 * bridge_wire.h: the frames bridges exchange on the wire (docs/remote.md),
 * and the checks a bridge makes on every one it receives, apart from the
 * hardware so that the host's unit tests can feed them every malformed
 * frame (tests/unit/test_bridge_wire.c).
 *
 * A wire frame is an Ethernet frame of type BRIDGE_ETHERTYPE:
 *
 *   Ethernet  dst MAC (a bridge's, or broadcast), src MAC, type 0x88B5
 *   header    struct bridge_hdr: who sends (its machine number), what
 *             (HELLO or DATA), and a CRC-32 over header and payload
 *   payload   HELLO: the names of the stations on the sender's LAN,
 *             BRIDGE_NAME bytes each; DATA: a piece of one LAN frame
 *
 * A LAN frame carries up to 4092 bytes and the wire 1500, so DATA frames
 * carry fragments: every fragment of one LAN frame has the same msg
 * number, its byte offset (frag) and the whole frame's length (total).
 * Nothing here is reliable: a bridge is a bridge, as on Ethernet. A lost
 * fragment loses its LAN frame, counted; the LAN reports losses as it
 * always has (a sender sees no reply), and protocols that need every
 * byte have their own acknowledgements.
 */
#ifndef SV_BRIDGE_WIRE_H
#define SV_BRIDGE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BRIDGE_ETHERTYPE	0x88B5	/* IEEE 802 "local experimental" */
#define BRIDGE_VERSION		1
#define BRIDGE_NAME		16	/* a station name on the wire, NUL-padded */
#define BRIDGE_HELLO		1
#define BRIDGE_DATA		2
#define ETH_HDR_LEN		14
#define WIRE_MTU		1500	/* Ethernet payload */
#define BRIDGE_MAX_STATIONS	8	/* names in one HELLO */
#define BRIDGE_MAX_MSG		4092	/* a LAN frame's payload, at most (LAN_MAX_PAYLOAD) */

struct bridge_hdr {
	uint8_t magic[2];		/* 'S', 'V' */
	uint8_t version;		/* BRIDGE_VERSION */
	uint8_t kind;			/* BRIDGE_HELLO or BRIDGE_DATA */
	uint32_t machine;		/* the sender's machine number, not 0 */
	uint32_t seq;			/* the sender's wire frames, counted (for traces:
					 * a unicast to another machine is not seen here) */
	uint16_t len;			/* payload bytes after this header */
	uint16_t msg;			/* DATA: which LAN frame */
	uint16_t frag;			/* DATA: this piece's offset in it */
	uint16_t total;			/* DATA: its length */
	char src[BRIDGE_NAME];		/* DATA: the sending station */
	char dst[BRIDGE_NAME];		/* DATA: the receiving station; "" broadcast */
	uint32_t crc;			/* CRC-32 of header (this field 0) and payload */
} __attribute__((packed));

#define BRIDGE_MAX_PAYLOAD	(WIRE_MTU - sizeof(struct bridge_hdr))

/* Why a received wire frame was dropped (or BRIDGE_OK). */
enum bridge_verdict {
	BRIDGE_OK,
	BRIDGE_NOT_OURS,	/* another ethertype, or too short for our header */
	BRIDGE_MALFORMED,	/* version, kind, lengths or names that do not add up */
	BRIDGE_BAD_CRC,		/* damaged on the way */
	BRIDGE_FROM_US,		/* claims our own machine number */
};

/* Is name (BRIDGE_NAME bytes) a station name: printable, NUL-padded, not
 * empty unless empty_ok? */
static inline bool bridge_name_ok(const char *name, bool empty_ok)
{
	size_t n = 0;
	while (n < BRIDGE_NAME && name[n])
		n++;
	if (n == BRIDGE_NAME || (n == 0 && !empty_ok))
		return false;		/* no NUL, or empty */
	for (size_t i = 0; i < n; i++)
		if (name[i] <= ' ' || name[i] > '~')
			return false;
	for (size_t i = n; i < BRIDGE_NAME; i++)
		if (name[i])
			return false;	/* bytes after the NUL: a covert channel, refused */
	return true;
}

/*
 * Check frame (len bytes, as the NIC delivered it) with crc32 the CRC
 * function; me: our machine number. On BRIDGE_OK, *h points at the
 * header inside frame and the payload follows it.
 */
static inline enum bridge_verdict bridge_check(const uint8_t *frame, size_t len, uint32_t me,
					       uint32_t (*crc32)(const void *, size_t),
					       const struct bridge_hdr **hp)
{
	if (len < ETH_HDR_LEN + sizeof(struct bridge_hdr) ||
	    frame[12] != (BRIDGE_ETHERTYPE >> 8) || frame[13] != (BRIDGE_ETHERTYPE & 0xFF))
		return BRIDGE_NOT_OURS;
	const struct bridge_hdr *h = (const struct bridge_hdr *)(frame + ETH_HDR_LEN);
	size_t room = len - ETH_HDR_LEN - sizeof(*h);	/* may include the wire's padding */
	if (h->magic[0] != 'S' || h->magic[1] != 'V' || h->version != BRIDGE_VERSION ||
	    h->len > room || h->len > BRIDGE_MAX_PAYLOAD || h->machine == 0)
		return BRIDGE_MALFORMED;
	struct bridge_hdr copy = *h;
	copy.crc = 0;
	uint8_t buf[WIRE_MTU];
	__builtin_memcpy(buf, &copy, sizeof(copy));
	__builtin_memcpy(buf + sizeof(copy), h + 1, h->len);
	if (crc32(buf, sizeof(copy) + h->len) != h->crc)
		return BRIDGE_BAD_CRC;
	if (h->machine == me)
		return BRIDGE_FROM_US;
	if (h->kind == BRIDGE_HELLO) {
		if (h->len % BRIDGE_NAME || h->len / BRIDGE_NAME > BRIDGE_MAX_STATIONS)
			return BRIDGE_MALFORMED;
		for (size_t i = 0; i < h->len; i += BRIDGE_NAME)
			if (!bridge_name_ok((const char *)(h + 1) + i, false))
				return BRIDGE_MALFORMED;
	} else if (h->kind == BRIDGE_DATA) {
		if (h->total == 0 || h->total > BRIDGE_MAX_MSG || h->len == 0 ||
		    (uint32_t)h->frag + h->len > h->total ||
		    !bridge_name_ok(h->src, false) || !bridge_name_ok(h->dst, true))
			return BRIDGE_MALFORMED;
	} else {
		return BRIDGE_MALFORMED;
	}
	*hp = h;
	return BRIDGE_OK;
}

#endif /* SV_BRIDGE_WIRE_H */
