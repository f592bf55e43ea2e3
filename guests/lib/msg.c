/*
 * msg.c: the message transport (msg.h is the contract, msg_proto.h the
 * wire layout, docs/msg.md the story).
 *
 * A connection is a share of one page that the introducer made for the
 * two sides. Messages never go through that page: each side keeps
 * MSG_RX_SLOTS receive buffers registered as SV_SG_IN lists, and a send
 * is one SV_OP_SG_XFER of [header, payload] into the receiver's oldest
 * free buffer. The page only carries flags (joined, buffers posted) and
 * the offsets watched as doorbells. So:
 *
 *   message boundaries   one transfer fills one buffer, and the length
 *                        word says how much; the header says it again
 *   order                the hypervisor fills a peer's oldest list first,
 *                        and we post buffers again in the order we use them
 *   flow control         no free buffer: SV_EAGAIN; the sender waits for
 *                        the receiver's credit doorbell
 *   failure              the hypervisor triggers offset 0 when a peer
 *                        leaves, for whatever reason; share_info's peer
 *                        mask then says whether it was the other side
 *
 * The library owns the guest's event handler (msg_init installs it): the
 * wake-ups all come through watches and sg transfers, and every wait
 * looks at its condition with upcalls masked before it blocks.
 */
#include "msg_proto.h"
#include "sv.h"

#define NS_PORT		(SV_PORT_FIRST_FREE + 5)	/* our port on the introducer's share */
#define CONN_PORT(h)	(SV_PORT_FIRST_FREE + 6 + (h))	/* connection h's port */
#define CONN_VA(h)	(0x20000000u + (h) * SV_PAGE_SIZE)
#define MS		1000000ull
#define NS_REPLY_TIMEOUT_NS	(2000 * MS)
#define NS_BUSY_TRIES	200	/* x 1 ms: the introducer has no request buffer free */

enum kind { FREE = 0, LISTENER, CONN };

struct rx_slot {
	struct msg_hdr hdr;		/* the header lands here ... */
	uint8_t data[MSG_MAX];		/* ... and the payload right after it */
};

struct handle {
	enum kind kind;
	char name[MSG_NAME_MAX];	/* LISTENER */
	sv_share_t share;		/* CONN: the connection's share */
	uint32_t self, other;		/* CONN: peer ids on it */
	sv_domid_t peer_dom;
	struct conn_page *page;
	bool reset;			/* the other side is gone */
	uint32_t sent;			/* messages we sent: compare with posted[other] */
	uint32_t ring[MSG_RX_SLOTS], head;	/* slots in the order they fill */
	/* Watch counters: the hypervisor decrements them (0 = it rang). */
	uint32_t leave_counter, join_counter, credit_counter;
};

static struct handle handles[MSG_MAX_HANDLES];
static struct rx_slot rx[MSG_MAX_HANDLES][MSG_RX_SLOTS];
static volatile uint32_t rx_len[MSG_MAX_HANDLES][MSG_RX_SLOTS];	/* by the hypervisor */

static sv_share_t ns_share = -1;
static uint32_t ns_self;
static uint32_t ns_doorbell;		/* NS_DOORBELL(ns_self) rang: 0 */
static struct ns_msg ns_reply;
static volatile uint32_t ns_reply_len;

/* Ports raised, kept for msg_poll's MSG_POLL_PORT entries: from upcalls,
 * and from the waits that take pending ports themselves. */
static uint32_t ports_seen;

static void on_event(uint32_t port)
{
	ports_seen |= 1u << port;	/* every wait looks at its own condition */
}

const char *msg_strerror(int32_t err)
{
	static const char *const names[] = {
		[1] = "MSG_ECONNRESET", [2] = "MSG_EWOULDBLOCK", [3] = "MSG_ENOTFOUND",
		[4] = "MSG_ETIMEDOUT", [5] = "MSG_EMSGSIZE", [6] = "MSG_EBADF",
		[7] = "MSG_EADDRINUSE", [8] = "MSG_ENOINTRO", [9] = "MSG_EPROTO",
		[10] = "MSG_ENFILE",
	};
	if (err <= -101 && err >= -110)
		return names[-err - 100];
	return sv_strerror(err);
}

/* ---- waiting */

/* Block until ready(h) or the deadline (0: none). ready is looked at with
 * upcalls masked, so a wake-up between the look and the wait is not
 * lost, and they stay masked across SV_OP_WAIT: a wake-up is no upcall
 * frame and no SV_OP_EVENT_RETURN, just its pending bits, which we take
 * as the upcall would have (on_event has nothing to do for any port).
 * Returns ready(h)'s last answer. */
static bool wait_for(bool (*ready)(struct handle *), struct handle *h, uint64_t deadline)
{
	bool ok;
	if (deadline)
		sv_timer_set(deadline);
	for (;;) {
		events_disable();
		ok = ready(h);
		if (ok || (deadline && sv_now() >= deadline))
			break;
		sv_wait();
		ports_seen |= events_take_pending();
	}
	events_enable();
	return ok;
}

static uint64_t deadline_after(uint64_t ns)
{
	return sv_now() + ns;
}

/* ---- the introducer */

int32_t msg_init(sv_share_t share)
{
	int32_t rc = SV_ENOENT;
	events_init(on_event);
	/* Domain 0 may not have made or granted its share yet. */
	for (int i = 0; i < 500; i++) {
		rc = sv_share_get(share, NS_PORT);
		if (rc != SV_ENOENT && rc != SV_EPERM)
			break;
		sv_sleep_ns(10 * MS);
	}
	if (rc < 0)
		return rc == SV_ENOENT || rc == SV_EPERM ? MSG_ENOINTRO : rc;
	ns_share = share;
	ns_self = (uint32_t)rc;
	ns_doorbell = 1;
	rc = sv_watch(ns_share, NS_DOORBELL(ns_self), &ns_doorbell);
	return rc < 0 ? rc : 0;
}

static bool ns_replied(struct handle *unused)
{
	(void)unused;
	return ns_reply_len != 0;
}

/* One request to the introducer and its reply (in *out). */
static int32_t ns_call_arg(uint32_t op, const char *name, uint32_t arg, struct ns_msg *out)
{
	if (ns_share < 0)
		return MSG_ENOINTRO;
	struct ns_msg req = { .magic = NS_MAGIC, .op = op, .domid = start_info->domid,
			      .peer = ns_self, .other = arg };
	snprintf(req.name, sizeof(req.name), "%s", name);

	struct sv_sg reply = { (uint32_t)&ns_reply, sizeof(ns_reply) };
	ns_reply_len = 0;
	int32_t handle = sv_sg_register(ns_share, SV_SG_IN, &reply, 1, (uint32_t *)&ns_reply_len);
	if (handle < 0)
		return handle;
	struct sv_sg sg = { (uint32_t)&req, sizeof(req) };
	int32_t rc = SV_EAGAIN;
	for (int i = 0; i < NS_BUSY_TRIES && rc == SV_EAGAIN; i++) {
		rc = sv_sg_xfer(ns_share, SV_XFER_SEND, NS_PEER, &sg, 1);
		if (rc == SV_EAGAIN)
			sv_sleep_ns(MS);	/* every request buffer is taken */
	}
	if (rc < 0 || !wait_for(ns_replied, NULL, deadline_after(NS_REPLY_TIMEOUT_NS))) {
		sv_sg_unregister(ns_share, handle);
		return MSG_ENOINTRO;
	}
	*out = ns_reply;
	if (ns_reply_len != sizeof(ns_reply) || out->magic != NS_MAGIC || out->op != op)
		return MSG_EPROTO;
	return out->status;
}

static int32_t ns_call(uint32_t op, const char *name, struct ns_msg *out)
{
	return ns_call_arg(op, name, 0, out);
}

int32_t msg_list(uint32_t i, char name[MSG_NAME_MAX], uint32_t *domid)
{
	struct ns_msg r;
	int32_t rc = ns_call_arg(NS_LIST, "", i, &r);
	if (rc == 0) {
		memcpy(name, r.name, MSG_NAME_MAX);
		name[MSG_NAME_MAX - 1] = '\0';
		*domid = r.other;
	}
	return rc;
}

/* ---- handles */

static struct handle *get_handle(int32_t h, enum kind kind)
{
	if (h < 0 || h >= MSG_MAX_HANDLES || handles[h].kind != kind)
		return NULL;
	return &handles[h];
}

static int32_t new_handle(void)
{
	for (int32_t h = 0; h < MSG_MAX_HANDLES; h++)
		if (handles[h].kind == FREE)
			return h;
	return MSG_ENFILE;
}

static bool valid_name(const char *name)
{
	size_t n = name ? strnlen(name, MSG_NAME_MAX) : 0;
	return n > 0 && n < MSG_NAME_MAX;
}

/* A free handle for what the introducer says to request op on name:
 * the handle, or the error. */
static int32_t named_request(uint32_t op, const char *name, struct ns_msg *r)
{
	if (!valid_name(name))
		return SV_EINVAL;
	int32_t h = new_handle();
	if (h < 0)
		return h;
	int32_t rc = ns_call(op, name, r);
	return rc < 0 ? rc : h;
}

int32_t msg_listen(const char *name)
{
	struct ns_msg r;
	int32_t h = named_request(NS_LISTEN, name, &r);
	if (h < 0)
		return h;
	handles[h] = (struct handle){ .kind = LISTENER };
	snprintf(handles[h].name, sizeof(handles[h].name), "%s", name);
	return h;
}

/* ---- a connection's share */

static uint32_t h_index(const struct handle *c)
{
	return (uint32_t)(c - handles);
}

/* Register a receive buffer, once: a kept list (SV_SG_KEEP), which the
 * hypervisor fills again whenever its length word is 0 (post). */
static void register_slot(struct handle *c, uint32_t slot)
{
	uint32_t h = h_index(c);
	struct sv_sg sg = { (uint32_t)&rx[h][slot], sizeof(rx[h][slot]) };
	rx_len[h][slot] = 0;
	if (sv_sg_register(c->share, SV_SG_IN | SV_SG_KEEP, &sg, 1,
			   (uint32_t *)&rx_len[h][slot]) < 0)
		c->reset = true;	/* the share is gone under us */
	c->page->posted[c->self]++;
}

/* Post a slot again once its message is taken: its length word back to
 * 0, no hypercall. A used kept list went behind the others when it was
 * filled, so the slots still fill in ring order. */
static void post(struct handle *c, uint32_t slot)
{
	__atomic_store_n(&rx_len[h_index(c)][slot], 0, __ATOMIC_SEQ_CST);
	c->page->posted[c->self]++;
}

/* Has the other side left? Looked at when the leave doorbell rang. */
static void check_leave(struct handle *c)
{
	if (c->leave_counter != 0 || c->reset)
		return;
	c->leave_counter = 1;		/* re-arm before looking: no leave is missed */
	struct sv_share_status st;
	if (sv_share_info(c->share, &st) < 0 ||
	    (c->page->joined[c->other] && !(st.peers & (1u << c->other))) ||
	    (st.destroyed && !(st.peers & (1u << c->other))))
		c->reset = true;
}

/* Get the share, map its page, post our buffers, watch the doorbells,
 * and say we have joined. */
static int32_t attach(int32_t h, sv_share_t share, sv_domid_t other_dom)
{
	struct handle *c = &handles[h];
	*c = (struct handle){ .kind = CONN, .share = share, .peer_dom = other_dom,
			      .page = (struct conn_page *)CONN_VA(h) };
	int32_t rc = sv_share_get(share, CONN_PORT(h));
	if (rc == SV_ENOENT)
		rc = MSG_ECONNRESET;	/* the introducer gave up on it: the other side died */
	if (rc < 0)
		goto fail;
	c->self = (uint32_t)rc;
	c->other = c->self == 1 ? 2 : 1;
	if (c->self != 1 && c->self != 2) {
		rc = MSG_EPROTO;
		goto drop;
	}
	rc = sv_share_map(share, CONN_VA(h), 0);
	if (rc < 0)
		goto drop;
	c->leave_counter = c->join_counter = c->credit_counter = 1;
	if ((rc = sv_watch(share, 0, &c->leave_counter)) < 0 ||
	    (rc = sv_watch(share, CONN_JOIN(c->other), &c->join_counter)) < 0 ||
	    (rc = sv_watch(share, CONN_CREDIT(c->other), &c->credit_counter)) < 0)
		goto drop;
	for (uint32_t s = 0; s < MSG_RX_SLOTS; s++) {
		c->ring[s] = s;
		register_slot(c, s);
	}
	c->page->joined[c->self] = 1;
	sv_trigger(share, CONN_JOIN(c->self));
	/* The other side may have joined and left before our leave watch
	 * existed (a client whose connect timed out): look once now. */
	c->leave_counter = 0;
	check_leave(c);
	return h;
drop:
	sv_share_drop(share);	/* unmaps and removes the watches and lists */
fail:
	c->kind = FREE;
	return rc;
}

static bool other_joined_or_gone(struct handle *c)
{
	check_leave(c);
	return c->page->joined[c->other] || c->reset;
}

/* Wait for the other side to join; MSG_ETIMEDOUT or MSG_ECONNRESET. */
static int32_t await_other(int32_t h, uint64_t timeout_ns)
{
	struct handle *c = &handles[h];
	bool ok = wait_for(other_joined_or_gone, c, deadline_after(timeout_ns));
	if (ok && !c->reset)
		return h;
	int32_t err = c->reset ? MSG_ECONNRESET : MSG_ETIMEDOUT;
	msg_close(h);
	return err;
}

int32_t msg_connect(const char *name, uint32_t flags)
{
	struct ns_msg r;
	if (flags != 0)
		return SV_EINVAL;	/* no MSG_NONBLOCK: see msg.h */
	int32_t h = named_request(NS_CONNECT, name, &r);
	if (h < 0)
		return h;
	int32_t rc = attach(h, r.share, (sv_domid_t)r.other);
	return rc < 0 ? rc : await_other(h, MSG_CONNECT_TIMEOUT_NS);
}

static bool doorbell_rang(struct handle *unused)
{
	(void)unused;
	return ns_doorbell == 0;
}

int32_t msg_accept(int32_t listener, uint32_t flags)
{
	struct handle *l = get_handle(listener, LISTENER);
	struct ns_msg r;
	if (!l)
		return MSG_EBADF;
	if (flags & ~MSG_NONBLOCK)
		return SV_EINVAL;
	int32_t h = new_handle();
	if (h < 0)
		return h;
	uint64_t deadline = deadline_after(MSG_ACCEPT_TIMEOUT_NS);
	for (;;) {
		ns_doorbell = 1;	/* re-arm before asking: a connect after it rings */
		int32_t rc = ns_call(NS_ACCEPT, l->name, &r);
		if (rc == MSG_EWOULDBLOCK) {
			if (flags & MSG_NONBLOCK)
				return MSG_EWOULDBLOCK;
			if (!wait_for(doorbell_rang, NULL, deadline))
				return MSG_ETIMEDOUT;
			continue;
		}
		if (rc < 0)
			return rc;
		ns_doorbell = 0;	/* more may be waiting: the next poll says so */
		rc = attach(h, r.share, (sv_domid_t)r.other);
		if (rc >= 0)
			rc = await_other(h, MSG_CONNECT_TIMEOUT_NS);
		/* A client that gave up before we came: take the next one. */
		if (rc != MSG_ECONNRESET || sv_now() >= deadline)
			return rc;
	}
}

int32_t msg_peer(int32_t h)
{
	struct handle *c = get_handle(h, CONN);
	return c ? c->peer_dom : MSG_EBADF;
}

/* ---- messages */

/* Has the other side a buffer free for us? If not, ask it to ring the
 * credit doorbell when it posts one, and look again. The receiver posts,
 * then reads the flag (consume); we set the flag, then read posted: with
 * both orders kept (seq_cst: a full barrier), one of us sees the other,
 * so a credit is never missed. Without the flag every message cost a
 * trigger and an upcall (make bench's msg_rtt_64: 9795 before, 8763 after). */
static bool window_open(struct handle *c)
{
	if (c->page->posted[c->other] > c->sent)
		return true;
	__atomic_store_n(&c->page->wants_credit[c->self], 1, __ATOMIC_SEQ_CST);
	return c->page->posted[c->other] > c->sent;
}

static bool can_send(struct handle *c)
{
	check_leave(c);
	return c->reset || c->credit_counter == 0 || window_open(c);
}

/* Send the message whose sg list is sg[0 .. entries): sg[0] is its
 * header, of hdr->len payload bytes in the entries after it. Inlined
 * into both sends: as a call it cost 20 instructions a send (make
 * bench's msg_rtt_64). */
static inline __attribute__((always_inline))
int32_t send_sg(struct handle *c, const struct msg_hdr *hdr, const struct sv_sg *sg,
		uint32_t entries, uint32_t flags)
{
	for (;;) {
		check_leave(c);
		if (c->reset)
			return MSG_ECONNRESET;
		c->credit_counter = 1;	/* re-arm before trying: a credit after it rings */
		int32_t rc;
		if (flags & MSG_CALL) {	/* send, then wait masked, as wait_for does */
			events_disable();
			rc = sv_sg_xfer(c->share, SV_XFER_SEND | SV_XFER_WAIT, c->other, sg, entries);
			ports_seen |= events_take_pending();
			events_enable();
		} else {
			rc = sv_sg_xfer(c->share, SV_XFER_SEND, c->other, sg, entries);
		}
		if (rc >= 0) {
			c->sent++;
			return rc == (int32_t)(sizeof(*hdr) + hdr->len) ? (int32_t)hdr->len
									  : MSG_EPROTO;
		}
		if (rc == SV_ENOENT) {		/* the other side has left */
			c->reset = true;
			return MSG_ECONNRESET;
		}
		if (rc != SV_EAGAIN)
			return rc;		/* e.g. SV_EFAULT: a piece is bad; nothing was sent */
		if (flags & MSG_NONBLOCK)
			return MSG_EWOULDBLOCK;
		wait_for(can_send, c, 0);	/* a credit, or the other side left */
	}
}

/* Both sends check the same things in the same order. The hypervisor
 * refuses an empty sg entry, so an empty piece gets none (an empty
 * message is the header alone). */
int32_t msg_send(int32_t h, const void *buf, uint32_t len, uint32_t flags)
{
	struct handle *c = get_handle(h, CONN);
	if (!c)
		return MSG_EBADF;
	if (flags & ~(MSG_NONBLOCK | MSG_CALL))
		return SV_EINVAL;
	if (len > MSG_MAX)
		return MSG_EMSGSIZE;
	struct msg_hdr hdr = { .len = len };
	struct sv_sg sg[2] = { { (uint32_t)&hdr, sizeof(hdr) }, { (uint32_t)buf, len } };
	return send_sg(c, &hdr, sg, len ? 2 : 1, flags);
}

int32_t msg_sendv(int32_t h, const struct msg_iov *iov, uint32_t n, uint32_t flags)
{
	struct handle *c = get_handle(h, CONN);
	if (!c)
		return MSG_EBADF;
	if (n > MSG_MAX_IOV || flags & ~(MSG_NONBLOCK | MSG_CALL))
		return SV_EINVAL;
	struct msg_hdr hdr = { .len = 0 };
	struct sv_sg sg[1 + MSG_MAX_IOV];	/* (not zeroed: only entries are read) */
	uint32_t entries = 1;
	sg[0] = (struct sv_sg){ (uint32_t)&hdr, sizeof(hdr) };
	for (uint32_t i = 0; i < n; i++) {
		if (iov[i].len > MSG_MAX - hdr.len)	/* no sum that wraps */
			return MSG_EMSGSIZE;
		hdr.len += iov[i].len;
		if (iov[i].len)
			sg[entries++] = (struct sv_sg){ (uint32_t)iov[i].base, iov[i].len };
	}
	return send_sg(c, &hdr, sg, entries, flags);
}

static bool has_message(struct handle *c)
{
	return rx_len[h_index(c)][c->ring[c->head]] != 0;
}

static bool can_recv(struct handle *c)
{
	check_leave(c);
	return has_message(c) || c->reset;
}

/* Give the first slot back: posted again, it is the newest (the ring
 * order stays the fill order), and a sender that waits for a buffer
 * gets its credit doorbell. */
static void consume(struct handle *c)
{
	uint32_t slot = c->ring[c->head];
	c->head = (c->head + 1) % MSG_RX_SLOTS;
	post(c, slot);
	if (__atomic_exchange_n(&c->page->wants_credit[c->other], 0, __ATOMIC_SEQ_CST))
		sv_trigger(c->share, CONN_CREDIT(c->self));	/* see window_open */
}

/* The first message, where it landed: its length, or an error. A header
 * that lies about the length (a broken peer) drops the message. Its slot
 * is not posted, so nobody writes into it until consume. */
static int32_t peek(struct handle *c, const void **msg, uint32_t flags)
{
	if (flags & ~MSG_NONBLOCK)
		return SV_EINVAL;
	if (!can_recv(c)) {
		if (flags & MSG_NONBLOCK)
			return MSG_EWOULDBLOCK;
		wait_for(can_recv, c, 0);
	}
	if (!has_message(c))
		return MSG_ECONNRESET;	/* gone, and everything before it delivered */
	uint32_t h = h_index(c), slot = c->ring[c->head];
	struct rx_slot *m = &rx[h][slot];
	uint32_t got = rx_len[h][slot], len = m->hdr.len;
	if (got != sizeof(m->hdr) + len || len > MSG_MAX) {
		consume(c);
		return MSG_EPROTO;
	}
	*msg = m->data;
	return (int32_t)len;
}

int32_t msg_peek(int32_t h, const void **msg, uint32_t flags)
{
	struct handle *c = get_handle(h, CONN);
	return c ? peek(c, msg, flags) : MSG_EBADF;
}

int32_t msg_consume(int32_t h)
{
	struct handle *c = get_handle(h, CONN);
	if (!c)
		return MSG_EBADF;
	check_leave(c);
	if (!has_message(c))
		return SV_ENOENT;
	consume(c);
	return 0;
}

int32_t msg_recv(int32_t h, void *buf, uint32_t max, uint32_t flags)
{
	struct handle *c = get_handle(h, CONN);
	if (!c)
		return MSG_EBADF;
	const void *m;
	int32_t len = peek(c, &m, flags);
	if (len < 0)
		return len;
	if ((uint32_t)len > max)
		return MSG_EMSGSIZE;	/* it stays first in line */
	memcpy(buf, m, (uint32_t)len);
	consume(c);
	return len;
}

int32_t msg_close(int32_t h)
{
	struct handle *x = h >= 0 && h < MSG_MAX_HANDLES ? &handles[h] : NULL;
	if (!x || x->kind == FREE)
		return MSG_EBADF;
	if (x->kind == LISTENER) {
		struct ns_msg r;
		ns_call(NS_UNLISTEN, x->name, &r);
	} else {
		sv_share_drop(x->share);	/* the other side's leave doorbell rings */
	}
	x->kind = FREE;
	return 0;
}

/* ---- poll */

static uint32_t ready_events(const struct msg_pollfd *f)
{
	if (f->handle >= MSG_POLL_PORT(0) && f->handle < MSG_POLL_PORT(SV_NR_PORTS)) {
		uint32_t port = (uint32_t)(f->handle - MSG_POLL_PORT(0));
		if (event_test_and_clear(port))
			ports_seen |= 1u << port;	/* pending, not delivered yet */
		return ports_seen & (1u << port) ? MSG_POLLIN & f->events : 0;
	}
	struct handle *c = get_handle(f->handle, CONN);
	uint32_t r = 0;
	if (c) {
		if (can_recv(c))
			r |= MSG_POLLIN;
		if (c->reset)
			r |= MSG_POLLHUP;
		else if ((f->events & MSG_POLLOUT) && window_open(c))
			r |= MSG_POLLOUT;	/* (asked for: so the credit rings) */
	} else if (get_handle(f->handle, LISTENER) && ns_doorbell == 0) {
		r |= MSG_POLLACCEPT;
	}
	return r & (f->events | MSG_POLLHUP);
}

static struct msg_pollfd *poll_fds;
static uint32_t poll_n;

static bool any_ready(struct handle *unused)
{
	(void)unused;
	bool any = false;
	for (uint32_t i = 0; i < poll_n; i++) {
		poll_fds[i].revents = ready_events(&poll_fds[i]);
		any |= poll_fds[i].revents != 0;
	}
	return any;
}

int32_t msg_poll(struct msg_pollfd *fds, uint32_t n, uint64_t timeout_ns)
{
	if (n > MSG_POLL_MAX)
		return SV_EINVAL;
	poll_fds = fds;
	poll_n = n;
	/* A listener's doorbell rings once for each connect: look again. */
	if (!any_ready(NULL) && timeout_ns)
		wait_for(any_ready, NULL, deadline_after(timeout_ns));
	int32_t count = 0;
	for (uint32_t i = 0; i < n; i++) {
		count += fds[i].revents != 0;
		if (fds[i].revents && fds[i].handle >= MSG_POLL_PORT(0))
			ports_seen &= ~(1u << (fds[i].handle - MSG_POLL_PORT(0)));	/* reported */
	}
	return count;
}
