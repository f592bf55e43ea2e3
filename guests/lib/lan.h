/*
 * lan.h: a LAN segment over one share, driven like a network card.
 *
 * The share (created by domain 0, see guests/lanctl.c) is the segment.
 * Its first page is the control area: one "station" slot per peer id,
 * where each driver writes its name when it attaches. Frames never go
 * through the share's pages: each driver keeps a pool of receive buffers
 * in its own memory registered with SV_OP_SG_REGISTER, and a sender's
 * SV_OP_SG_XFER copies a frame straight into the receiver's oldest free
 * buffer. So a frame costs one hypercall to send and one to give the
 * buffer back, and nobody polls: the hypervisor raises the receiver's
 * port when a frame lands.
 *
 * Two address watches carry the rest:
 *   offset 0  the hypervisor triggers it when a peer leaves (drops or dies)
 *   offset 4  a driver triggers it after filling its station (a join)
 *
 * One LAN per guest; the driver owns the guest's event handler (other
 * ports go to the handler given to lan_attach).
 *
 * Stations on other machines (docs/remote.md): a bridge domain
 * (guests/bridge.c) is a station here and owns the machine's NIC. It
 * lists the stations it hears of on the wire in the control area, and
 * they appear to every driver as stations with ids from LAN_REMOTE_BASE,
 * found by name and sent to like any other: a frame for one goes to the
 * bridge, which carries it across. The API below does not change.
 */
#ifndef SV_LAN_H
#define SV_LAN_H

#include <stdbool.h>
#include <stdint.h>
#include "sharevisor.h"

#define LAN_MAX_FRAME	4096	/* bytes in one frame, header included */
#define LAN_RX_BUFFERS	8	/* receive buffers kept registered */
#define LAN_BROADCAST	0xFF	/* dst: every other station */
#define LAN_PORT	(SV_PORT_FIRST_FREE + 1)	/* the event port the driver binds */
#define LAN_REMOTE_BASE	16	/* station ids on other machines: 16 .. 16 + LAN_MAX_REMOTE - 1 */
#define LAN_MAX_REMOTE	32

/* Every frame starts with this header (the driver fills it in). */
struct lan_hdr {
	uint8_t src;		/* sender's peer id */
	uint8_t dst;		/* receiver's peer id, or LAN_BROADCAST */
	uint16_t len;		/* bytes after the header */
};

#define LAN_MAX_PAYLOAD	(LAN_MAX_FRAME - sizeof(struct lan_hdr))

struct lan_stats {
	uint32_t sent, received;	/* frames */
	uint32_t full;			/* sends refused: no buffer at the receiver */
	uint32_t bad;			/* frames received with an inconsistent header */
};

/* Join the LAN on share id share, as station name. Waits (up to a few
 * seconds) for domain 0 to grant it. Returns our peer id, or an error. */
int32_t lan_attach(sv_share_t share, const char *name, void (*other_events)(uint32_t port));
void lan_detach(void);

/* The peer id of the station called name, or -1 if none is up. */
int lan_find(const char *name);
bool lan_up(uint32_t peer);
const char *lan_name(uint32_t peer);

/* Send len bytes to peer dst (or LAN_BROADCAST: every other station).
 * Returns len; SV_EAGAIN if the receiver has no free buffer (try again
 * after it has drained some: see lan_send_retry); SV_ENOENT if dst is
 * not up. */
int32_t lan_send(uint32_t dst, const void *data, uint32_t len);
/* lan_send, yielding and retrying up to tries times while the receiver
 * is full; the refusals are counted in stats.full. */
int32_t lan_send_retry(uint32_t dst, const void *data, uint32_t len, uint32_t tries);

/* Take the next received frame, if any: copies its payload into buf
 * (up to max bytes) and gives the buffer back to the pool. Returns the
 * payload length and sets *src, or 0 if nothing has arrived. */
int32_t lan_recv(uint32_t *src, void *buf, uint32_t max);
/* Stop handing buffers back (a receiver that is "full") or resume. */
void lan_rx_pause(bool paused);

/* Sleep until something happens on the LAN (a frame, a join, a leave)
 * or another event arrives. */
void lan_wait(void);

extern struct lan_stats lan_stats;

/*
 * For the bridge only (guests/bridge.c): the one station that carries
 * frames to and from other machines.
 */
/* lan_attach, and say in the control area that we are the bridge. */
int32_t lan_attach_bridge(sv_share_t share, const char *name, void (*other_events)(uint32_t));
/* Remote station slot i (0 .. LAN_MAX_REMOTE - 1): up as name, or gone.
 * The other drivers hear of it by the join or leave doorbell. */
void lan_bridge_set_remote(uint32_t i, const char *name, bool up);
/* The next frame for anyone (a remote station, or broadcast): its
 * payload, *src (a local station) and *dst (LAN_REMOTE_BASE + i, or
 * LAN_BROADCAST); 0 if none. */
int32_t lan_bridge_recv(uint32_t *src, uint32_t *dst, void *buf, uint32_t max);
/* A frame from remote station as_src (LAN_REMOTE_BASE + i) to local
 * station dst. Returns len, or lan_send's errors. */
int32_t lan_bridge_send(uint32_t dst, uint32_t as_src, const void *data, uint32_t len);

#endif /* SV_LAN_H */
