/*
 * bridge: the NIC driver domain. It owns the machine's NE2000 and is a
 * station on the machine's LAN share, and it carries frames between the
 * two, so that stations on different machines find each other by name
 * and exchange frames through the unchanged LAN API (docs/remote.md).
 *
 *   module line: bridge.elf name=bridge-a lan=32 machine=1
 *                [loss=PCT] [corrupt=PCT] [hello_ms=50] [dead_ms=300]
 *
 * Every hello_ms it broadcasts a HELLO on the wire: its machine number
 * and the names of the stations on its LAN. From the HELLOs it hears it
 * keeps the stations of the other machines, lists them in the LAN's
 * control area (lan_bridge_set_remote) and learns each machine's MAC (a
 * DATA frame from a station no HELLO has named yet teaches it too). A
 * machine not heard for dead_ms is gone: its stations leave the LAN, so
 * a sender learns of it as of a local station that left.
 *
 * A LAN frame for a remote station goes to that machine's bridge in
 * fragments of at most BRIDGE_MAX_PAYLOAD bytes (a broadcast one to
 * every machine); the bridge there puts the pieces together and hands
 * the frame to the station named, as from the remote sender's station.
 * Frames from the wire that are not ours, malformed, damaged (CRC), from
 * our own machine number, or from a station whose name is one of ours
 * are dropped and counted, never delivered.
 *
 * loss= and corrupt= make the bridge drop, or flip a byte in, that
 * percentage of the DATA frames it sends (after the CRC is computed):
 * the tests' lossy wire.
 *
 * It ends once every station of its own LAN has come and gone.
 */
#include "bridge_wire.h"
#include "crc32.h"
#include "lan.h"
#include "ne2k.h"
#include "sv.h"

_Static_assert(BRIDGE_MAX_MSG == LAN_MAX_PAYLOAD, "a LAN frame fits a wire message");
_Static_assert(BRIDGE_MAX_MSG / BRIDGE_MAX_PAYLOAD < 32, "a frame's pieces fit a 32-bit mask");

#define NIC_PORT	(SV_PORT_FIRST_FREE + 2)
#define MAX_MACHINES	8
#define MS		1000000ull
#define SEND_TRIES	1000		/* yields while a local receiver is full */

struct machine {
	uint32_t number;		/* 0: slot free */
	uint8_t mac[ETH_ALEN];
	uint64_t heard_ns;
	/* Reassembly of one LAN frame at a time (a machine's bridge sends
	 * one frame's pieces back to back), the pieces in any order. */
	uint16_t msg, total;
	uint32_t have;			/* bit k: piece k is here */
	bool assembling;
	char src[BRIDGE_NAME], dst[BRIDGE_NAME];
	uint8_t data[BRIDGE_MAX_MSG];
};

struct remote {
	uint32_t machine;		/* 0: slot free */
	char name[BRIDGE_NAME];
	bool listed;			/* in the latest HELLO */
};

static struct {
	uint32_t lan_to_wire, wire_to_lan;	/* LAN frames carried each way */
	uint32_t fragments_out, fragments_in;
	uint32_t hellos_out, hellos_in;
	/* from the wire, dropped: not our ethertype; malformed; damaged; our
	 * own machine number; naming a station of ours; no room to learn it */
	uint32_t not_ours, malformed, bad_crc, from_us, spoofed, unknown;
	uint32_t incomplete, receiver_full, no_station;
	uint32_t injected_loss, injected_corrupt;
	uint32_t machines_lost;
} st;

static uint32_t me;			/* our machine number */
static uint32_t self;			/* our station id on the LAN */
static uint8_t my_mac[ETH_ALEN];
static struct machine machines[MAX_MACHINES];
static struct remote remotes[LAN_MAX_REMOTE];
static uint32_t loss_pct, corrupt_pct, seq_out;
static uint16_t msg_out;
static uint8_t wire[WIRE_MTU + ETH_HDR_LEN + 64], lan_buf[LAN_MAX_PAYLOAD];
static const uint8_t broadcast_mac[ETH_ALEN] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
static uint32_t rng = 0x2545F491u;

static uint32_t random_pct(void)	/* xorshift: the same run each time */
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng % 100;
}

static void name_copy(char out[BRIDGE_NAME], const char *name)
{
	memset(out, 0, BRIDGE_NAME);
	memcpy(out, name, strnlen(name, BRIDGE_NAME - 1));
}

/* Is name one of the stations of our own LAN (ourselves included)? */
static bool local_name(const char *name)
{
	for (uint32_t p = 0; p < SV_SHARE_MAX_PEERS; p++)
		if (lan_up(p) && strncmp(lan_name(p), name, BRIDGE_NAME) == 0)
			return true;
	return false;
}

/* Put a wire frame together in wire[] and send it to mac. */
static void wire_send(const uint8_t *mac, uint8_t kind, const struct bridge_hdr *fields,
		      const void *payload, uint16_t len)
{
	struct bridge_hdr h = *fields;
	h.magic[0] = 'S';
	h.magic[1] = 'V';
	h.version = BRIDGE_VERSION;
	h.kind = kind;
	h.machine = me;
	h.seq = seq_out++;
	h.len = len;
	h.crc = 0;
	memcpy(wire, mac, ETH_ALEN);
	memcpy(wire + ETH_ALEN, my_mac, ETH_ALEN);
	wire[12] = BRIDGE_ETHERTYPE >> 8;
	wire[13] = BRIDGE_ETHERTYPE & 0xFF;
	memcpy(wire + ETH_HDR_LEN, &h, sizeof(h));
	memcpy(wire + ETH_HDR_LEN + sizeof(h), payload, len);
	h.crc = crc32(wire + ETH_HDR_LEN, sizeof(h) + len);
	memcpy(wire + ETH_HDR_LEN + offsetof(struct bridge_hdr, crc), &h.crc, sizeof(h.crc));
	uint32_t n = ETH_HDR_LEN + sizeof(h) + len;
	if (kind == BRIDGE_DATA && loss_pct && random_pct() < loss_pct) {
		st.injected_loss++;
		return;				/* "lost on the wire" */
	}
	if (kind == BRIDGE_DATA && corrupt_pct && random_pct() < corrupt_pct) {
		st.injected_corrupt++;
		wire[ETH_HDR_LEN + sizeof(h) + rng % (len ? len : 1)] ^= 0x20;
	}
	ne2k_send(wire, n);
}

/* HELLO: our machine and the names of our LAN's stations but us. */
static void send_hello(void)
{
	char names[BRIDGE_MAX_STATIONS][BRIDGE_NAME];
	uint32_t n = 0;
	for (uint32_t p = 0; p < SV_SHARE_MAX_PEERS && n < BRIDGE_MAX_STATIONS; p++)
		if (p != self && lan_up(p))
			name_copy(names[n++], lan_name(p));
	struct bridge_hdr h = { 0 };
	wire_send(broadcast_mac, BRIDGE_HELLO, &h, names, (uint16_t)(n * BRIDGE_NAME));
	st.hellos_out++;
}

/* A LAN frame from local station src to dst (a remote station, or
 * broadcast): to the wire in fragments. (lan_bridge_recv never gives an
 * empty one: the LAN cannot tell an empty frame from none.) */
static void to_wire(uint32_t src, uint32_t dst, const uint8_t *data, uint32_t len)
{
	struct bridge_hdr h = { 0 };
	const uint8_t *mac = broadcast_mac;
	if (dst != LAN_BROADCAST) {
		struct remote *r = &remotes[dst - LAN_REMOTE_BASE];
		struct machine *m = NULL;
		for (uint32_t i = 0; i < MAX_MACHINES; i++)
			if (machines[i].number && machines[i].number == r->machine)
				m = &machines[i];
		if (!r->machine || !m) {
			st.no_station++;
			return;
		}
		mac = m->mac;
		name_copy(h.dst, r->name);
	}
	name_copy(h.src, lan_name(src));
	h.msg = msg_out++;
	h.total = (uint16_t)len;
	for (uint32_t off = 0; off < len; off += BRIDGE_MAX_PAYLOAD) {
		uint32_t piece = len - off < BRIDGE_MAX_PAYLOAD ? len - off : BRIDGE_MAX_PAYLOAD;
		h.frag = (uint16_t)off;
		wire_send(mac, BRIDGE_DATA, &h, data + off, (uint16_t)piece);
		st.fragments_out++;
	}
	st.lan_to_wire++;
}

static struct machine *machine_of(uint32_t number, const uint8_t *mac, uint64_t now)
{
	struct machine *free_slot = NULL;
	for (uint32_t i = 0; i < MAX_MACHINES; i++) {
		if (machines[i].number == number) {
			machines[i].heard_ns = now;
			return &machines[i];
		}
		if (!machines[i].number && !free_slot)
			free_slot = &machines[i];
	}
	if (!free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->number = number;
	memcpy(free_slot->mac, mac, ETH_ALEN);
	free_slot->heard_ns = now;
	printf("machine %u is up (MAC %02x:%02x:%02x:%02x:%02x:%02x)\n", number, mac[0], mac[1],
	       mac[2], mac[3], mac[4], mac[5]);
	return free_slot;
}

static int remote_slot(uint32_t machine, const char *name)
{
	for (uint32_t i = 0; i < LAN_MAX_REMOTE; i++)
		if (remotes[i].machine == machine &&
		    strncmp(remotes[i].name, name, BRIDGE_NAME) == 0)
			return (int)i;
	return -1;
}

static void remote_gone(uint32_t i)
{
	lan_bridge_set_remote(i, remotes[i].name, false);
	remotes[i].machine = 0;
}

/* The slot of station name on machine m, made (and the station put up on
 * our LAN) if it is new; -1 if every slot is taken. */
static int learn_station(struct machine *m, const char *name)
{
	int i = remote_slot(m->number, name);
	for (uint32_t j = 0; j < LAN_MAX_REMOTE && i < 0; j++) {
		if (!remotes[j].machine) {
			i = (int)j;
			remotes[i].machine = m->number;
			name_copy(remotes[i].name, name);
			lan_bridge_set_remote((uint32_t)i, remotes[i].name, true);
		}
	}
	return i;
}

/* A HELLO from m: its stations, as they are now. */
static void hello_from(struct machine *m, const struct bridge_hdr *h)
{
	const char *names = (const char *)(h + 1);
	st.hellos_in++;
	for (uint32_t i = 0; i < LAN_MAX_REMOTE; i++)
		if (remotes[i].machine == m->number)
			remotes[i].listed = false;
	for (uint32_t k = 0; k < h->len / BRIDGE_NAME; k++) {
		const char *name = names + k * BRIDGE_NAME;
		if (local_name(name)) {		/* a name of ours: not theirs to claim */
			st.spoofed++;
			continue;
		}
		int i = learn_station(m, name);
		if (i >= 0)			/* else no room: it stays unknown here */
			remotes[i].listed = true;
	}
	for (uint32_t i = 0; i < LAN_MAX_REMOTE; i++)
		if (remotes[i].machine == m->number && !remotes[i].listed)
			remote_gone(i);		/* it left that machine's LAN */
}

/* The LAN frame in m's reassembly buffer is whole: to the station it
 * names, or (broadcast) to every station here but us. */
static void deliver(struct machine *m, uint32_t total)
{
	/* Learned from the frame itself if no HELLO has named it yet (it
	 * may have joined its LAN since): its bridge vouches for it, and no
	 * station of ours can be named (data_from checked). */
	int from = learn_station(m, m->src);
	if (from < 0) {
		st.unknown++;			/* no room for one more station */
		return;
	}
	uint32_t as = LAN_REMOTE_BASE + (uint32_t)from;
	bool broadcast = m->dst[0] == 0, found = false;
	for (uint32_t p = 0; p < SV_SHARE_MAX_PEERS; p++) {
		if (p == self || !lan_up(p))
			continue;
		if (!broadcast && strncmp(lan_name(p), m->dst, BRIDGE_NAME) != 0)
			continue;
		found = true;
		int32_t rc;
		uint32_t tries = 0;
		while ((rc = lan_bridge_send(p, as, m->data, total)) == SV_EAGAIN &&
		       tries++ < SEND_TRIES)
			sv_yield();		/* its receive buffers are all full */
		if (rc == SV_EAGAIN)
			st.receiver_full++;
		else if (rc >= 0)
			st.wire_to_lan++;
		if (!broadcast)
			break;
	}
	if (!found && !broadcast)
		st.no_station++;		/* nobody here by that name */
}

/* A DATA fragment from m: piece k of its frame covers bytes from
 * k * BRIDGE_MAX_PAYLOAD, all but the last that long. A piece of another
 * frame ends the one being put together (it lost a piece); a copy of a
 * piece we have is ignored. */
static void data_from(struct machine *m, const struct bridge_hdr *h)
{
	st.fragments_in++;
	if (local_name(h->src)) {
		st.spoofed++;
		return;
	}
	uint32_t k = h->frag / BRIDGE_MAX_PAYLOAD;
	uint32_t pieces = (h->total + BRIDGE_MAX_PAYLOAD - 1) / BRIDGE_MAX_PAYLOAD;
	uint32_t rest = (uint32_t)h->total - h->frag;	/* bridge_check: frag + len <= total */
	uint32_t want = rest < BRIDGE_MAX_PAYLOAD ? rest : BRIDGE_MAX_PAYLOAD;
	if (h->frag % BRIDGE_MAX_PAYLOAD || h->len != want) {
		st.malformed++;			/* not how a bridge cuts a frame */
		return;
	}
	if (!m->assembling || h->msg != m->msg || h->total != m->total ||
	    memcmp(m->src, h->src, BRIDGE_NAME) != 0 || memcmp(m->dst, h->dst, BRIDGE_NAME) != 0) {
		if (m->assembling)
			st.incomplete++;	/* the last one lost a piece */
		m->assembling = true;
		m->msg = h->msg;
		m->total = h->total;
		m->have = 0;
		memcpy(m->src, h->src, BRIDGE_NAME);
		memcpy(m->dst, h->dst, BRIDGE_NAME);
	}
	if (m->have & 1u << k)
		return;				/* a copy */
	memcpy(m->data + h->frag, h + 1, h->len);
	m->have |= 1u << k;
	if (m->have == (1u << pieces) - 1) {
		m->assembling = false;
		deliver(m, m->total);
	}
}

static void from_wire(const uint8_t *frame, uint32_t len, uint64_t now)
{
	const struct bridge_hdr *h = NULL;
	switch (bridge_check(frame, len, me, crc32, &h)) {
	case BRIDGE_OK:
		break;
	case BRIDGE_NOT_OURS:
		st.not_ours++;
		return;
	case BRIDGE_MALFORMED:
		st.malformed++;
		return;
	case BRIDGE_BAD_CRC:
		st.bad_crc++;
		return;
	case BRIDGE_FROM_US:
		st.from_us++;
		return;
	}
	struct machine *m = machine_of(h->machine, frame + ETH_ALEN, now);
	if (!m)
		return;
	if (h->kind == BRIDGE_HELLO)
		hello_from(m, h);
	else
		data_from(m, h);
}

/* Machines not heard for dead_ms: gone, and their stations with them. */
static void expire(uint64_t now, uint64_t dead_ns)
{
	for (uint32_t i = 0; i < MAX_MACHINES; i++) {
		struct machine *m = &machines[i];
		if (!m->number || now - m->heard_ns < dead_ns)
			continue;
		printf("machine %u is gone: no HELLO for %llu ms\n", m->number,
		       (unsigned long long)((now - m->heard_ns) / MS));
		for (uint32_t r = 0; r < LAN_MAX_REMOTE; r++)
			if (remotes[r].machine == m->number)
				remote_gone(r);
		m->number = 0;
		st.machines_lost++;
	}
}

static uint32_t local_stations(uint32_t self)
{
	uint32_t n = 0;
	for (uint32_t p = 0; p < SV_SHARE_MAX_PEERS; p++)
		n += p != self && lan_up(p);
	return n;
}

static void on_other_event(uint32_t port)
{
	(void)port;	/* the NIC's or the timer's: the loop looks at both */
}

int main(const struct sv_start_info *si)
{
	me = sv_cmdline_uint("machine", 0);
	loss_pct = sv_cmdline_uint("loss", 0);
	corrupt_pct = sv_cmdline_uint("corrupt", 0);
	uint64_t hello_ns = sv_cmdline_uint("hello_ms", 50) * MS;
	uint64_t dead_ns = sv_cmdline_uint("dead_ms", 300) * MS;
	if (me == 0 || loss_pct > 100 || corrupt_pct > 100) {
		printf("machine= must be a number above 0; loss= and corrupt= percentages\n");
		return 1;
	}
	int32_t peer = lan_attach_bridge((sv_share_t)sv_cmdline_uint("lan", SV_MAX_SHARES),
					 si->name, on_other_event);
	if (peer < 0) {
		printf("cannot attach to the LAN: %s\n", sv_strerror(peer));
		return 1;
	}
	self = (uint32_t)peer;
	int32_t rc = ne2k_open(NIC_PORT);
	if (rc < 0) {
		printf("no NIC: %s\n", sv_strerror(rc));
		lan_detach();
		return 1;
	}
	ne2k_mac(my_mac);
	printf("machine %u: bridging LAN station %d and the NE2000 "
	       "(%02x:%02x:%02x:%02x:%02x:%02x)%s\n", me, self, my_mac[0], my_mac[1], my_mac[2],
	       my_mac[3], my_mac[4], my_mac[5], loss_pct || corrupt_pct ? ", a lossy wire" : "");

	uint64_t next_hello = 0;
	bool had_stations = false;
	for (;;) {
		bool busy = false;
		int32_t n;
		while ((n = ne2k_receive(wire, sizeof(wire))) > 0) {
			from_wire(wire, (uint32_t)n, sv_now());
			busy = true;
		}
		/* The LAN's frames before a HELLO: a station that sent its
		 * last frame and left must not be announced gone before that
		 * frame is on the wire. */
		uint32_t src, dst;
		while ((n = lan_bridge_recv(&src, &dst, lan_buf, sizeof(lan_buf))) > 0) {
			to_wire(src, dst, lan_buf, (uint32_t)n);
			busy = true;
		}
		uint64_t now = sv_now();
		if (now >= next_hello) {
			send_hello();
			next_hello = now + hello_ns;
		}
		expire(now, dead_ns);
		uint32_t stations = local_stations(self);
		had_stations |= stations > 0;
		if (had_stations && stations == 0)
			break;			/* everyone here has come and gone */
		if (!busy) {
			sv_timer_set(next_hello);
			lan_wait();		/* a frame, a join or leave, the NIC, the timer */
		}
	}
	send_hello();		/* our stations are gone: tell the others */
	printf("summary: LAN frames to the wire %u (%u fragments), from the wire %u "
	       "(%u fragments); HELLOs %u out, %u in\n", st.lan_to_wire, st.fragments_out,
	       st.wire_to_lan, st.fragments_in, st.hellos_out, st.hellos_in);
	printf("dropped from the wire: %u not ours, %u malformed, %u bad CRC, %u from us, "
	       "%u spoofed, %u no room\n", st.not_ours, st.malformed, st.bad_crc, st.from_us,
	       st.spoofed, st.unknown);
	printf("lost: %u LAN frames incomplete, %u receiver full, %u for no station\n",
	       st.incomplete, st.receiver_full, st.no_station);
	printf("injected: %u lost, %u corrupted; machines lost: %u\n", st.injected_loss,
	       st.injected_corrupt, st.machines_lost);
	const struct ne2k_stats *ns = ne2k_stats();
	printf("nic: sent %u, received %u, %u tx errors, %u rx errors, %u skipped, "
	       "%u bad headers, %u overruns\n", ns->sent, ns->received, ns->tx_errors,
	       ns->rx_errors, ns->skipped, ns->bad_headers, ns->overruns);
	ne2k_close();
	lan_detach();
	return 0;
}
