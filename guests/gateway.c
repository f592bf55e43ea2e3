/*
 * gateway: the message transport across machines (docs/remote.md). One
 * runs on each machine, a client of its machine's introducer and a
 * station on its machine's LAN, which the bridges carry to the others.
 *
 *   module line: gateway.elf name=gw1 lan=33 [circuits=N] [rto_ms=100] [window=2] mem=2M
 *
 * Names. Every ANNOUNCE_MS it asks its introducer what is listened under
 * here (msg_list) and broadcasts the names on the LAN. For a name another
 * gateway announces that nobody here listens under, it listens itself: a
 * proxy. So a client here connects to "files" on another machine exactly
 * as to a local server (msg_connect, MSG_ENOTFOUND while nobody anywhere
 * has it), and reaches this gateway.
 *
 * Circuits. Each connection accepted on a proxy becomes a circuit to the
 * gateway that announced the name: OPEN (the name), and that gateway
 * connects to the name on its own machine and answers OPENED (or
 * REFUSED, and the client's connection is closed: it sees a reset). Then
 * the messages of the two local connections go across as DATA segments
 * of up to SEG_MAX bytes. The wire may lose LAN frames (docs/remote.md:
 * the bridges are best-effort), so the circuit keeps the transport's
 * promises itself: segments are numbered in each direction, the receiver
 * takes only the next one in order and acknowledges everything up to it,
 * and the sender keeps at most `window` segments of one message
 * unacknowledged (two segments are six wire frames, within the nine a
 * receiving NE2000's ring holds), sends them again from the first
 * unacknowledged one after rto_ms without progress, and takes the next
 * message from its local connection only when all of this one is
 * acknowledged. Nothing is delivered twice, out of order, or
 * damaged (the LAN copies exactly; the bridges drop what fails the CRC).
 *
 * Resets. A local connection that resets is a CLOSE to the other side,
 * which closes its own. A gateway that leaves the LAN (its machine is
 * forgotten by the bridges, or it ended) resets every circuit through
 * it, and so does one that acknowledges nothing for DEAD_NS: the
 * transport's "reset on peer loss", across machines.
 *
 * circuits=N: end after N circuits have come and gone (a test's
 * gateways end once their one client is done); without it, serve for
 * ever.
 */
#include "lan.h"
#include "msg.h"
#include "sv.h"

#define GW_MAGIC	0x31595747u	/* "GWY1" */
#define MS		1000000ull
#define ANNOUNCE_MS	200
#define OPEN_TIMEOUT_NS	(3000 * MS)	/* OPEN unanswered: the client is reset */
#define DEAD_NS		(5000 * MS)	/* nothing acknowledged for this long: reset */
#define MAX_PROXIES	2		/* names we listen under for other machines */
#define MAX_CIRCUITS	2
#define MAX_NAMES	8		/* in one ANNOUNCE */
#define SEND_TRIES	200		/* yields while the LAN receiver is full */

enum gw_type { GW_ANNOUNCE = 1, GW_OPEN, GW_OPENED, GW_REFUSED, GW_DATA, GW_ACK, GW_CLOSE };

struct gw_hdr {
	uint32_t magic;			/* GW_MAGIC */
	uint8_t type;			/* enum gw_type */
	uint8_t from_opener;		/* 1: from the side that sent OPEN */
	uint16_t circuit;		/* the opener's number for it */
	uint32_t seq;			/* DATA: its number in this direction */
	uint32_t ack;			/* DATA, ACK: every segment before this one arrived */
	int32_t status;			/* REFUSED: why; DATA: 1 on a message's last segment */
	uint32_t len;			/* payload bytes after the header */
	char name[MSG_NAME_MAX];	/* OPEN: the name to connect to */
};

#define SEG_MAX		(LAN_MAX_PAYLOAD - sizeof(struct gw_hdr))

struct proxy {
	bool used, announced;
	char name[MSG_NAME_MAX];
	uint32_t peer;			/* the gateway (LAN station) that has it */
	int32_t listener;
};

struct circuit {
	bool used, open, mine;		/* mine: we sent the OPEN */
	uint16_t id;
	uint32_t peer;			/* the other gateway's station id */
	int32_t conn;			/* our local connection */
	char name[MSG_NAME_MAX];
	uint64_t opened_at, heard_at, sent_at;
	/* one message going across */
	bool sending;
	uint32_t out_len, first_seq, nsegs, acked;	/* acked: seq up to which all arrived */
	uint32_t next_seq;		/* the next segment not sent yet */
	uint8_t out[MSG_MAX];
	/* one coming in */
	bool complete;			/* in[] holds a whole message not yet delivered */
	uint32_t in_len, recv_next;
	uint8_t in[MSG_MAX];
};

static struct proxy proxies[MAX_PROXIES];
static struct circuit circuits[MAX_CIRCUITS];
static uint8_t frame[LAN_MAX_PAYLOAD];
static uint16_t next_id = 1;
static uint64_t rto_ns;
static uint32_t window;			/* segments unacknowledged at once */
static struct {
	uint32_t opened, refused, closed, reset_peer_gone, reset_silent;
	uint32_t segs_out, segs_again, segs_in, segs_dropped, msgs_out, msgs_in;
} st;

static int32_t send_frame(uint32_t peer, struct gw_hdr *h, const void *payload, uint32_t len)
{
	h->magic = GW_MAGIC;
	h->len = len;
	memcpy(frame, h, sizeof(*h));
	if (len)
		memcpy(frame + sizeof(*h), payload, len);
	return lan_send_retry(peer, frame, sizeof(*h) + len, SEND_TRIES);
}

/* A frame with no payload about circuit id, to peer. */
static void send_ctl_to(uint32_t peer, uint8_t type, bool from_opener, uint16_t id, int32_t status)
{
	struct gw_hdr h = { .type = type, .from_opener = from_opener, .circuit = id,
			    .status = status };
	send_frame(peer, &h, NULL, 0);
}

static void send_ctl(struct circuit *c, uint8_t type, int32_t status)
{
	send_ctl_to(c->peer, type, c->mine, c->id, status);
}

static void circuit_end(struct circuit *c, bool tell)
{
	if (tell)
		send_ctl(c, GW_CLOSE, 0);
	msg_close(c->conn);
	c->used = false;
	st.closed++;
}

static struct circuit *circuit_new(uint32_t peer, int32_t conn, bool mine, uint16_t id,
				   const char *name)
{
	for (uint32_t i = 0; i < MAX_CIRCUITS; i++) {
		struct circuit *c = &circuits[i];
		if (c->used)
			continue;
		memset(c, 0, offsetof(struct circuit, out));
		c->used = true;
		c->mine = mine;
		c->peer = peer;
		c->conn = conn;
		c->id = id;
		memcpy(c->name, name, MSG_NAME_MAX);
		c->opened_at = c->heard_at = sv_now();
		return c;
	}
	return NULL;
}

static struct circuit *circuit_of(uint32_t peer, const struct gw_hdr *h)
{
	for (uint32_t i = 0; i < MAX_CIRCUITS; i++) {
		struct circuit *c = &circuits[i];
		/* A frame from the opener is for our side that did not open. */
		if (c->used && c->peer == peer && c->id == h->circuit && c->mine != h->from_opener)
			return c;
	}
	return NULL;
}

/* ---- sending one message */

/* Send the message's segments from next_seq on, as far as the window
 * allows: at most `window` unacknowledged at once. */
static void send_segments(struct circuit *c)
{
	uint32_t end = c->first_seq + c->nsegs;
	if (end > c->acked + window)
		end = c->acked + window;
	for (uint32_t seq = c->next_seq; seq < end; seq++) {
		uint32_t k = seq - c->first_seq, off = k * SEG_MAX;
		uint32_t len = c->out_len - off < SEG_MAX ? c->out_len - off : SEG_MAX;
		struct gw_hdr h = { .type = GW_DATA, .from_opener = c->mine, .circuit = c->id,
				    .seq = seq, .ack = c->recv_next,
				    .status = k + 1 == c->nsegs };
		send_frame(c->peer, &h, c->out + off, len);
		st.segs_out++;
		c->next_seq = seq + 1;
		c->sent_at = sv_now();
	}
}

/* Take the next message from the local connection, if the last one has
 * all been acknowledged; retransmit if its acknowledgements are late. */
static void pump_out(struct circuit *c)
{
	if (c->sending) {
		if (c->acked >= c->first_seq + c->nsegs) {
			c->sending = false;
			st.msgs_out++;
		} else if (sv_now() - c->sent_at >= rto_ns) {
			st.segs_again += c->next_seq - c->acked;
			c->next_seq = c->acked;		/* go back to the first unacknowledged */
			send_segments(c);
			return;
		} else {
			send_segments(c);		/* as far as the acknowledgements let us */
			return;
		}
	}
	int32_t n = msg_recv(c->conn, c->out, sizeof(c->out), MSG_NONBLOCK);
	if (n == MSG_EWOULDBLOCK)
		return;
	if (n < 0) {				/* the local side closed or died */
		circuit_end(c, true);
		return;
	}
	c->sending = true;
	c->out_len = (uint32_t)n;
	c->first_seq = c->acked;
	c->nsegs = n == 0 ? 1 : ((uint32_t)n + SEG_MAX - 1) / SEG_MAX;
	c->next_seq = c->first_seq;
	send_segments(c);
}

/* A whole message came in: hand it to the local connection. */
static void pump_in(struct circuit *c)
{
	if (!c->complete)
		return;
	int32_t rc = msg_send(c->conn, c->in, c->in_len, MSG_NONBLOCK);
	if (rc == MSG_EWOULDBLOCK)
		return;				/* its window is full: again later */
	if (rc < 0) {
		circuit_end(c, true);
		return;
	}
	c->complete = false;
	c->in_len = 0;
	st.msgs_in++;
}

static void data_from(struct circuit *c, const struct gw_hdr *h, const uint8_t *payload)
{
	st.segs_in++;
	if (h->seq != c->recv_next || c->complete || c->in_len + h->len > MSG_MAX) {
		st.segs_dropped++;		/* a copy, out of order, or no room yet */
	} else {
		memcpy(c->in + c->in_len, payload, h->len);
		c->in_len += h->len;
		c->recv_next++;
		if (h->status == 1)
			c->complete = true;
	}
	struct gw_hdr ack = { .type = GW_ACK, .from_opener = c->mine, .circuit = c->id,
			      .ack = c->recv_next };
	send_frame(c->peer, &ack, NULL, 0);
	pump_in(c);
}

/* ---- frames from other gateways */

static void announce_from(uint32_t peer, const char *names, uint32_t n)
{
	for (uint32_t i = 0; i < MAX_PROXIES; i++)
		if (proxies[i].used && proxies[i].peer == peer)
			proxies[i].announced = false;
	for (uint32_t k = 0; k < n; k++) {
		const char *name = names + k * MSG_NAME_MAX;
		struct proxy *p = NULL, *free_slot = NULL;
		for (uint32_t i = 0; i < MAX_PROXIES; i++) {
			if (proxies[i].used && strncmp(proxies[i].name, name, MSG_NAME_MAX) == 0)
				p = &proxies[i];
			else if (!proxies[i].used && !free_slot)
				free_slot = &proxies[i];
		}
		if (p) {
			p->announced = p->peer == peer;
			continue;
		}
		if (!free_slot)
			continue;
		char copy[MSG_NAME_MAX];
		memcpy(copy, name, MSG_NAME_MAX);
		copy[MSG_NAME_MAX - 1] = '\0';
		int32_t l = msg_listen(copy);	/* refused if someone here has it */
		if (l < 0)
			continue;
		*free_slot = (struct proxy){ .used = true, .announced = true, .peer = peer,
					     .listener = l };
		memcpy(free_slot->name, copy, MSG_NAME_MAX);
		printf("'%s' is on another machine (gateway %s): listening for it here\n", copy,
		       lan_name(peer));
	}
	for (uint32_t i = 0; i < MAX_PROXIES; i++) {
		if (proxies[i].used && proxies[i].peer == peer && !proxies[i].announced) {
			printf("'%s' is gone from gateway %s\n", proxies[i].name, lan_name(peer));
			msg_close(proxies[i].listener);
			proxies[i].used = false;
		}
	}
}

static void open_from(uint32_t peer, const struct gw_hdr *h)
{
	struct circuit *c = circuit_of(peer, h);
	if (c) {				/* our OPENED was lost: again */
		send_ctl(c, GW_OPENED, 0);
		return;
	}
	char name[MSG_NAME_MAX];
	memcpy(name, h->name, MSG_NAME_MAX);
	name[MSG_NAME_MAX - 1] = '\0';
	int32_t conn = msg_connect(name, 0);
	c = conn >= 0 ? circuit_new(peer, conn, false, h->circuit, name) : NULL;
	if (!c) {
		if (conn >= 0)
			msg_close(conn);
		send_ctl_to(peer, GW_REFUSED, false, h->circuit, conn >= 0 ? MSG_ENFILE : conn);
		st.refused++;
		return;
	}
	c->open = true;
	st.opened++;
	printf("circuit %u from %s: connected to '%s' here\n", c->id, lan_name(peer), name);
	send_ctl(c, GW_OPENED, 0);
}

static void frame_from(uint32_t peer, const uint8_t *buf, uint32_t len)
{
	const struct gw_hdr *h = (const struct gw_hdr *)buf;
	if (len < sizeof(*h) || h->magic != GW_MAGIC || h->len != len - sizeof(*h))
		return;				/* not a gateway's */
	const uint8_t *payload = buf + sizeof(*h);
	if (h->type == GW_ANNOUNCE) {
		announce_from(peer, (const char *)payload,
			      h->len / MSG_NAME_MAX < MAX_NAMES ? h->len / MSG_NAME_MAX : MAX_NAMES);
		return;
	}
	if (h->type == GW_OPEN) {
		open_from(peer, h);
		return;
	}
	struct circuit *c = circuit_of(peer, h);
	if (!c) {
		if (h->type != GW_CLOSE)	/* a circuit we ended: say so again */
			send_ctl_to(peer, GW_CLOSE, !h->from_opener, h->circuit, 0);
		return;
	}
	c->heard_at = sv_now();
	if (h->type == GW_DATA || h->type == GW_ACK) {
		if (h->ack > c->acked && h->ack <= c->first_seq + c->nsegs)
			c->acked = h->ack;
	}
	switch (h->type) {
	case GW_OPENED:
		if (c->mine && !c->open) {
			c->open = true;
			st.opened++;
			printf("circuit %u to %s for '%s': open\n", c->id, lan_name(peer), c->name);
		}
		break;
	case GW_REFUSED:
		printf("circuit %u to %s for '%s': refused (%s)\n", c->id, lan_name(peer), c->name,
		       msg_strerror(h->status));
		st.refused++;
		circuit_end(c, false);
		break;
	case GW_DATA:
		data_from(c, h, payload);
		break;
	case GW_CLOSE:
		circuit_end(c, false);
		break;
	default:
		break;
	}
}

/* ---- the names this machine serves */

static void announce(void)
{
	char names[MAX_NAMES][MSG_NAME_MAX];
	uint32_t n = 0, domid;
	for (uint32_t i = 0; n < MAX_NAMES; i++) {
		if (msg_list(i, names[n], &domid) < 0)
			break;
		if (domid != start_info->domid)	/* not a proxy of ours */
			n++;
	}
	struct gw_hdr h = { .type = GW_ANNOUNCE };
	send_frame(LAN_BROADCAST, &h, names, n * MSG_NAME_MAX);
}

static void accept_clients(void)
{
	for (uint32_t i = 0; i < MAX_PROXIES; i++) {
		struct proxy *p = &proxies[i];
		if (!p->used)
			continue;
		int32_t conn = msg_accept(p->listener, MSG_NONBLOCK);
		if (conn < 0)
			continue;
		struct circuit *c = circuit_new(p->peer, conn, true, next_id++, p->name);
		if (!c) {
			msg_close(conn);		/* no room: the client sees a reset */
			continue;
		}
		struct gw_hdr h = { .type = GW_OPEN, .from_opener = 1, .circuit = c->id };
		memcpy(h.name, c->name, MSG_NAME_MAX);
		send_frame(c->peer, &h, NULL, 0);
		c->sent_at = sv_now();
	}
}

/* Circuits whose other gateway left, fell silent, or never answered. */
static void check_circuits(void)
{
	uint64_t now = sv_now();
	for (uint32_t i = 0; i < MAX_CIRCUITS; i++) {
		struct circuit *c = &circuits[i];
		if (!c->used)
			continue;
		if (!lan_up(c->peer)) {
			printf("circuit %u: gateway %s is gone: resetting '%s'\n", c->id,
			       lan_name(c->peer), c->name);
			st.reset_peer_gone++;
			circuit_end(c, false);
		} else if (!c->open && now - c->opened_at > OPEN_TIMEOUT_NS) {
			st.reset_silent++;
			circuit_end(c, true);
		} else if (!c->open && now - c->sent_at >= rto_ns) {
			struct gw_hdr h = { .type = GW_OPEN, .from_opener = 1, .circuit = c->id };
			memcpy(h.name, c->name, MSG_NAME_MAX);
			send_frame(c->peer, &h, NULL, 0);	/* OPEN or OPENED was lost */
			c->sent_at = now;
		} else if (c->open && c->sending && now - c->heard_at > DEAD_NS) {
			printf("circuit %u: nothing from %s for %llu ms: resetting\n", c->id,
			       lan_name(c->peer), (unsigned long long)((now - c->heard_at) / MS));
			st.reset_silent++;
			circuit_end(c, true);
		}
	}
	for (uint32_t i = 0; i < MAX_PROXIES; i++) {
		if (proxies[i].used && !lan_up(proxies[i].peer)) {
			printf("'%s' is gone with gateway %s\n", proxies[i].name,
			       lan_name(proxies[i].peer));
			msg_close(proxies[i].listener);
			proxies[i].used = false;
		}
	}
}

static uint32_t busy_circuits(void)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < MAX_CIRCUITS; i++)
		n += circuits[i].used;
	return n;
}

int main(const struct sv_start_info *si)
{
	uint32_t until = sv_cmdline_uint("circuits", 0);
	rto_ns = sv_cmdline_uint("rto_ms", 100) * MS;
	window = sv_cmdline_uint("window", 2);
	if (window == 0)
		window = 1;
	int32_t self = lan_attach((sv_share_t)sv_cmdline_uint("lan", SV_MAX_SHARES + 1), si->name,
				  NULL);
	if (self < 0) {
		printf("cannot attach to the LAN: %s\n", sv_strerror(self));
		return 1;
	}
	int32_t rc = msg_init((sv_share_t)sv_cmdline_uint("ns", MSG_NS_SHARE));
	if (rc < 0) {
		printf("no introducer: %s\n", msg_strerror(rc));
		return 1;
	}
	printf("gateway on LAN station %d\n", self);

	uint64_t next_announce = 0;
	for (;;) {
		uint64_t now = sv_now();
		if (now >= next_announce) {
			announce();
			next_announce = now + ANNOUNCE_MS * MS;
		}
		uint32_t src;
		int32_t n;
		while ((n = lan_recv(&src, frame, sizeof(frame))) > 0)
			frame_from(src, frame, (uint32_t)n);
		accept_clients();
		for (uint32_t i = 0; i < MAX_CIRCUITS; i++) {
			if (circuits[i].used && circuits[i].open)
				pump_in(&circuits[i]);
			if (circuits[i].used && circuits[i].open)
				pump_out(&circuits[i]);
		}
		check_circuits();

		if (until && st.closed >= until && busy_circuits() == 0)
			break;

		/* Sleep until a frame, a client, a message, or the next timeout. */
		struct msg_pollfd fds[MAX_PROXIES + MAX_CIRCUITS + 1];
		uint32_t nf = 0;
		for (uint32_t i = 0; i < MAX_PROXIES; i++)
			if (proxies[i].used)
				fds[nf++] = (struct msg_pollfd){ proxies[i].listener, MSG_POLLIN, 0 };
		for (uint32_t i = 0; i < MAX_CIRCUITS; i++)
			if (circuits[i].used && circuits[i].open && !circuits[i].sending)
				fds[nf++] = (struct msg_pollfd){ circuits[i].conn, MSG_POLLIN, 0 };
		fds[nf++] = (struct msg_pollfd){ MSG_POLL_PORT(LAN_PORT), MSG_POLLIN, 0 };
		bool waiting = false;
		for (uint32_t i = 0; i < MAX_CIRCUITS; i++)
			waiting |= circuits[i].used && (circuits[i].complete || circuits[i].sending ||
							!circuits[i].open);
		msg_poll(fds, nf, waiting ? rto_ns / 4 : ANNOUNCE_MS * MS);
	}
	printf("summary: %u circuits opened, %u refused, %u closed (%u with a gateway gone, %u "
	       "silent)\n", st.opened, st.refused, st.closed, st.reset_peer_gone, st.reset_silent);
	printf("segments: %u sent, %u sent again, %u received, %u dropped (copies, out of order); "
	       "messages %u out, %u in\n", st.segs_out, st.segs_again, st.segs_in, st.segs_dropped,
	       st.msgs_out, st.msgs_in);
	lan_detach();
	return 0;
}
