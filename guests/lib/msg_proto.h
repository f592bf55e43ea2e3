/*
 * msg_proto.h: what the message transport (guests/lib/msg.c) and the
 * introducer (guests/msgns.c) agree on: the layout of the introducer's
 * share and of a connection's share, and the introducer's requests.
 * Guests use msg.h; only those two files include this one.
 *
 * The introducer's share (MSG_NS_SHARE, one page, never mapped):
 *   peer 0 is the introducer (domain 0 gets it before it grants it);
 *   requests go to peer 0 by sg_xfer, replies come back the same way
 *   into the one reply buffer the requester registered first;
 *   offset NS_DOORBELL(p) is triggered by the introducer when peer p has
 *   a connection waiting to be accepted.
 *
 * A connection's share (one page, mapped by both sides):
 *   peer 0 is the introducer, until both sides have joined; the two
 *   sides are peers 1 and 2, in whichever order they got it;
 *   offset 0 is triggered by the hypervisor when a peer leaves;
 *   offset CONN_JOIN(p): peer p has its receive buffers registered (and
 *   has set joined[p]);
 *   offset CONN_CREDIT(p): peer p has posted a receive buffer again
 *   (after posted[p] grew), rung only when the other side has set its
 *   wants_credit flag (it is waiting for one), which p then clears.
 */
#ifndef SV_GUEST_MSG_PROTO_H
#define SV_GUEST_MSG_PROTO_H

#include <stdint.h>
#include "msg.h"

#define NS_MAGIC	0x4D53474Eu	/* "NGSM" */
#define NS_PEER		0		/* the introducer's peer id on its share */
#define NS_DOORBELL(p)	(8u + 4u * (p))

enum ns_op {
	NS_LISTEN = 1,		/* name: register it to the caller */
	NS_UNLISTEN = 2,	/* name: forget it */
	NS_CONNECT = 3,		/* name: make a connection to its listener */
	NS_ACCEPT = 4,		/* name: hand over the next connection waiting */
	NS_LIST = 5,		/* other = i: the i-th name listened under (for a gateway,
				 * docs/remote.md); MSG_ENOTFOUND past the last */
};

/* A request, and the reply to it (the same struct). */
struct ns_msg {
	uint32_t magic;		/* NS_MAGIC */
	uint32_t op;		/* enum ns_op */
	uint32_t domid;		/* request: the caller's domain id */
	uint32_t peer;		/* request: the caller's peer id on the introducer's share */
	int32_t status;		/* reply: 0 or an error (MSG_E*, SV_E*) */
	int32_t share;		/* reply to CONNECT and ACCEPT: the connection's share */
	uint32_t other;		/* reply to CONNECT and ACCEPT: the other side's domain id */
	char name[MSG_NAME_MAX];
};

#define CONN_PEER_INTRODUCER	0
#define CONN_JOIN(p)		(16u + 4u * (p))
#define CONN_CREDIT(p)		(48u + 4u * (p))

/* The connection share's page: side p writes only its own entries. */
struct conn_page {
	uint32_t doorbells[32];			/* offsets 0..127: watched, never written */
	volatile uint32_t joined[SV_SHARE_MAX_PEERS];	/* 1: buffers registered */
	volatile uint32_t posted[SV_SHARE_MAX_PEERS];	/* receive buffers ever posted */
	volatile uint32_t wants_credit[SV_SHARE_MAX_PEERS];	/* 1: p waits for a buffer of
							   the other side's (the other clears it) */
};

/* Every message is a header and the payload: one sg transfer. */
struct msg_hdr {
	uint32_t len;		/* payload bytes, 0 .. MSG_MAX */
};

#endif /* SV_GUEST_MSG_PROTO_H */
