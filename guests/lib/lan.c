/*
 * lan.c: the LAN driver (see lan.h for the design). Read it as a device
 * driver: attach maps the "device registers" (the control area), the
 * receive ring is a pool of buffers handed to the "device" (registered
 * sg lists), the "interrupt" is the share's event port, and sending is
 * one "DMA" (sg_xfer) straight into the receiver's buffer.
 */
#include "lan.h"
#include "sv.h"

#define LAN_OFF_LEAVE	0		/* triggered by the hypervisor when a peer leaves */
#define LAN_OFF_JOIN	4		/* triggered by a driver that has just attached */
#define LAN_MAP_VA	0x10000000u	/* where we map the control area */
#define ATTACH_TRIES	500		/* x 10 ms waiting for domain 0's grant */

/* The control area: the share's first page. Station p is written by the
 * driver that holds peer id p; the others only read it. */
struct station {
	volatile uint32_t up;
	char name[SV_NAME_MAX];
};
struct lan_control {
	uint32_t doorbells[2];		/* offsets 0 and 4: watched, never written */
	struct station station[SV_SHARE_MAX_PEERS];
	volatile uint32_t bridge;	/* 1 + the bridge's peer id; 0: no bridge */
	struct station remote[LAN_MAX_REMOTE];	/* written by the bridge */
};
_Static_assert(sizeof(struct lan_control) <= 4096, "the control area is one page");

struct lan_stats lan_stats;

static sv_share_t lan_share = -1;
static uint32_t self;
static struct lan_control *ctl;
static bool known[SV_SHARE_MAX_PEERS];		/* stations we consider up */
static bool known_remote[LAN_MAX_REMOTE];	/* ... and those on other machines */
static uint32_t bridge_peer = SV_SHARE_MAX_PEERS;	/* the bridge's id, if up */
static uint32_t leave_counter, join_counter;	/* watch counters: 0 = rang */
static volatile bool lan_event_seen;
static void (*other_handler)(uint32_t port);

/* The receive pool: buffers registered in this order are filled in this
 * order (the hypervisor uses a peer's oldest list first). */
static uint8_t rx_buf[LAN_RX_BUFFERS][LAN_MAX_FRAME] __attribute__((aligned(4096)));
static volatile uint32_t rx_len[LAN_RX_BUFFERS];	/* written by the hypervisor */
static uint32_t rx_ring[LAN_RX_BUFFERS], rx_head, rx_posted;
static uint32_t rx_parked[LAN_RX_BUFFERS], rx_nparked;	/* held back while paused */
static bool rx_paused;

static void on_event(uint32_t port)
{
	if (port == LAN_PORT)
		lan_event_seen = true;
	else if (other_handler)
		other_handler(port);
}

/* Hand buffer i to the "device": one hypercall. */
static void post(uint32_t i)
{
	struct sv_sg sg = { (uint32_t)rx_buf[i], LAN_MAX_FRAME };
	rx_len[i] = 0;
	if (sv_sg_register(lan_share, SV_SG_IN, &sg, 1, (uint32_t *)&rx_len[i]) < 0) {
		printf("lan: cannot post receive buffer %u\n", i);
		return;
	}
	rx_ring[(rx_head + rx_posted) % LAN_RX_BUFFERS] = i;
	rx_posted++;
}

/* Compare the stations with the hypervisor's list of peers and say what
 * changed. A station is up only while its peer holds the share, so one
 * that died without cleaning up counts as gone. Its stale "up" is not
 * cleared here: that would race with a new station that has just got the
 * share and set "up" after our share_info looked (we would clear its
 * flag, then miss it for good); a new station clears "up" itself before
 * it writes its name (lan_attach). */
static void rescan(void)
{
	struct sv_share_status st;
	if (sv_share_info(lan_share, &st) < 0)
		return;
	for (uint32_t p = 0; p < SV_SHARE_MAX_PEERS; p++) {
		if (p == self)
			continue;
		bool holds = st.peers & (1u << p);
		bool up = holds && ctl->station[p].up;
		if (up && !known[p])
			printf("lan: station %u (%s) is up\n", p, ctl->station[p].name);
		else if (!up && known[p])
			printf("lan: station %u (%s) left; no more frames for it\n", p,
			       ctl->station[p].name);
		known[p] = up;
	}
	/* The bridge's stations are up while it is (a bridge that died
	 * takes the other machines with it) and it lists them. */
	uint32_t b = ctl->bridge;
	bridge_peer = b >= 1 && b <= SV_SHARE_MAX_PEERS && (known[b - 1] || b - 1 == self) ?
		      b - 1 : SV_SHARE_MAX_PEERS;
	for (uint32_t i = 0; i < LAN_MAX_REMOTE; i++) {
		bool up = bridge_peer < SV_SHARE_MAX_PEERS && ctl->remote[i].up;
		if (up && !known_remote[i])
			printf("lan: station %u (%.15s) is up, on another machine (via %s)\n",
			       LAN_REMOTE_BASE + i, ctl->remote[i].name, ctl->station[bridge_peer].name);
		else if (!up && known_remote[i])
			printf("lan: station %u (%.15s) left; no more frames for it\n",
			       LAN_REMOTE_BASE + i, ctl->remote[i].name);
		known_remote[i] = up;
	}
}

/* Is id a remote station's, and that station up? */
static bool remote_up(uint32_t id)
{
	return id >= LAN_REMOTE_BASE && id < LAN_REMOTE_BASE + LAN_MAX_REMOTE &&
	       known_remote[id - LAN_REMOTE_BASE];
}

/* Did a doorbell ring? Re-arm it first, then look: a ring that comes
 * in between is not lost, it just makes us look twice. */
static void check_doorbells(void)
{
	if (leave_counter == 0 || join_counter == 0) {
		leave_counter = 1;
		join_counter = 1;
		rescan();
	}
}

int32_t lan_attach(sv_share_t share, const char *name, void (*other_events)(uint32_t port))
{
	int32_t peer = SV_ENOENT;

	other_handler = other_events;
	events_init(on_event);
	for (int tries = 0; tries < ATTACH_TRIES; tries++) {
		peer = sv_share_get(share, LAN_PORT);
		if (peer != SV_EPERM && peer != SV_ENOENT)
			break;
		sv_sleep_ns(10 * 1000 * 1000);	/* domain 0 has not granted it yet */
	}
	if (peer < 0)
		return peer;
	lan_share = share;
	self = (uint32_t)peer;
	int32_t rc = sv_share_map(share, LAN_MAP_VA, 0);
	if (rc < 0)
		return rc;
	ctl = (struct lan_control *)LAN_MAP_VA;
	leave_counter = join_counter = 1;
	sv_watch(share, LAN_OFF_LEAVE, &leave_counter);
	sv_watch(share, LAN_OFF_JOIN, &join_counter);
	for (uint32_t i = 0; i < LAN_RX_BUFFERS; i++)
		post(i);

	struct station *me = &ctl->station[self];
	me->up = 0;				/* a dead station's may be left */
	__asm__ volatile("" ::: "memory");
	memset(me->name, 0, sizeof(me->name));
	memcpy(me->name, name, strnlen(name, sizeof(me->name) - 1));
	__asm__ volatile("" ::: "memory");	/* the name before "up" */
	me->up = 1;
	sv_trigger(share, LAN_OFF_JOIN);	/* tell the others */
	rescan();				/* and learn who is there */
	return peer;
}

void lan_detach(void)
{
	if (lan_share >= 0)
		sv_share_drop(lan_share);
	lan_share = -1;
}

bool lan_up(uint32_t peer)
{
	check_doorbells();
	return (peer < SV_SHARE_MAX_PEERS && known[peer]) || remote_up(peer);
}

const char *lan_name(uint32_t peer)
{
	if (peer < SV_SHARE_MAX_PEERS)
		return ctl->station[peer].name;
	if (peer >= LAN_REMOTE_BASE && peer < LAN_REMOTE_BASE + LAN_MAX_REMOTE)
		return ctl->remote[peer - LAN_REMOTE_BASE].name;
	return "?";
}

int lan_find(const char *name)
{
	check_doorbells();
	for (uint32_t p = 0; p < SV_SHARE_MAX_PEERS; p++)
		if (known[p] && strncmp(ctl->station[p].name, name, SV_NAME_MAX) == 0)
			return (int)p;
	for (uint32_t i = 0; i < LAN_MAX_REMOTE; i++)	/* on another machine */
		if (known_remote[i] && strncmp(ctl->remote[i].name, name, SV_NAME_MAX - 1) == 0)
			return (int)(LAN_REMOTE_BASE + i);
	return -1;
}

/* One frame to one station, dst: the header and the payload go as two sg
 * entries, so the payload is copied once, by the hypervisor. src is us
 * (or, from the bridge, the remote station it speaks for); wire_dst what
 * the header says the frame is for (dst, broadcast, or a remote station
 * the bridge at dst is to carry it to). */
static int32_t send_one(uint32_t dst, uint32_t src, uint32_t wire_dst, const void *data,
			uint32_t len)
{
	struct lan_hdr hdr = { (uint8_t)src, (uint8_t)wire_dst, (uint16_t)len };
	struct sv_sg sg[2] = { { (uint32_t)&hdr, sizeof(hdr) }, { (uint32_t)data, len } };
	int32_t rc = sv_sg_xfer(lan_share, SV_XFER_SEND, dst, sg, len ? 2 : 1);
	if (rc == SV_EAGAIN)
		lan_stats.full++;
	else if (rc == SV_ENOENT)
		check_doorbells();	/* it left: the leave doorbell says so too */
	else if (rc >= 0)
		lan_stats.sent++;
	return rc < 0 ? rc : (int32_t)len;
}

int32_t lan_send(uint32_t dst, const void *data, uint32_t len)
{
	if (len > LAN_MAX_PAYLOAD)
		return SV_EINVAL;
	check_doorbells();
	if (remote_up(dst))		/* through the bridge, addressed to dst */
		return send_one(bridge_peer, self, dst, data, len);
	if (dst != LAN_BROADCAST)
		return dst < SV_SHARE_MAX_PEERS && known[dst] ? send_one(dst, self, dst, data, len)
							      : SV_ENOENT;
	for (uint32_t p = 0; p < SV_SHARE_MAX_PEERS; p++)
		if (known[p])
			send_one(p, self, LAN_BROADCAST, data, len);
	return (int32_t)len;
}

int32_t lan_send_retry(uint32_t dst, const void *data, uint32_t len, uint32_t tries)
{
	int32_t rc;
	while ((rc = lan_send(dst, data, len)) == SV_EAGAIN && tries-- > 0)
		sv_yield();	/* let the receiver drain its buffers */
	return rc;
}

static bool rx_ready(void)
{
	return rx_posted && rx_len[rx_ring[rx_head]] != 0;
}

/* The next frame: its payload into buf, *src, and *dst. A header that
 * does not add up, or names no station, is counted bad. For
 * a station, only frames for it (or broadcast); for the bridge (any_dst),
 * frames for remote stations too. */
static int32_t receive(uint32_t *src, uint32_t *dst, void *buf, uint32_t max, bool any_dst)
{
	check_doorbells();
	while (rx_ready()) {
		uint32_t i = rx_ring[rx_head];
		uint32_t n = rx_len[i];
		const struct lan_hdr *h = (const struct lan_hdr *)rx_buf[i];
		rx_head = (rx_head + 1) % LAN_RX_BUFFERS;
		rx_posted--;

		/* A sender may have left since (a remote one too: its bridge
		 * delivered the frame before it heard so): still its frame. */
		bool from_remote = h->src >= LAN_REMOTE_BASE &&
				   h->src < LAN_REMOTE_BASE + LAN_MAX_REMOTE;
		bool sane = n >= sizeof(*h) && h->len == n - sizeof(*h) &&
			    (h->src < SV_SHARE_MAX_PEERS || from_remote) &&
			    (h->dst == self || h->dst == LAN_BROADCAST ||
			     (any_dst && remote_up(h->dst)));
		uint32_t len = sane ? h->len : 0;
		if (sane) {
			*src = h->src;
			*dst = h->dst;
			memcpy(buf, h + 1, len < max ? len : max);
			lan_stats.received++;
		} else {
			lan_stats.bad++;
		}
		if (rx_paused)
			rx_parked[rx_nparked++] = i;
		else
			post(i);	/* back to the device: one hypercall */
		if (sane)
			return (int32_t)len;
	}
	return 0;
}

int32_t lan_recv(uint32_t *src, void *buf, uint32_t max)
{
	uint32_t dst;
	return receive(src, &dst, buf, max, false);
}

/* ---- the bridge's side */

int32_t lan_attach_bridge(sv_share_t share, const char *name, void (*other_events)(uint32_t))
{
	int32_t peer = lan_attach(share, name, other_events);
	if (peer >= 0) {
		for (uint32_t i = 0; i < LAN_MAX_REMOTE; i++)
			ctl->remote[i].up = 0;	/* a dead bridge's may be left */
		ctl->bridge = (uint32_t)peer + 1;
		sv_trigger(share, LAN_OFF_JOIN);
	}
	return peer;
}

void lan_bridge_set_remote(uint32_t i, const char *name, bool up)
{
	if (i >= LAN_MAX_REMOTE)
		return;
	struct station *r = &ctl->remote[i];
	if (up) {
		r->up = 0;
		__asm__ volatile("" ::: "memory");
		memset(r->name, 0, sizeof(r->name));
		memcpy(r->name, name, strnlen(name, sizeof(r->name) - 1));
		__asm__ volatile("" ::: "memory");	/* the name before "up" */
	}
	r->up = up;
	sv_trigger(lan_share, up ? LAN_OFF_JOIN : LAN_OFF_LEAVE);
	rescan();
}

int32_t lan_bridge_recv(uint32_t *src, uint32_t *dst, void *buf, uint32_t max)
{
	return receive(src, dst, buf, max, true);
}

int32_t lan_bridge_send(uint32_t dst, uint32_t as_src, const void *data, uint32_t len)
{
	if (len > LAN_MAX_PAYLOAD)
		return SV_EINVAL;
	check_doorbells();
	if (!remote_up(as_src) || dst >= SV_SHARE_MAX_PEERS || !known[dst])
		return SV_ENOENT;
	return send_one(dst, as_src, dst, data, len);
}

void lan_rx_pause(bool paused)
{
	rx_paused = paused;
	if (!paused)
		while (rx_nparked)
			post(rx_parked[--rx_nparked]);
}

void lan_wait(void)
{
	/* Mask upcalls while deciding to sleep: an event that arrives
	 * between the check and SV_OP_BLOCK stays pending, and BLOCK then
	 * returns at once (it unmasks and delivers it). */
	events_disable();
	if (!lan_event_seen && !rx_ready() && leave_counter && join_counter)
		sv_block();
	lan_event_seen = false;
	events_enable();
	check_doorbells();
}
