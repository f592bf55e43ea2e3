/*
 * msgtest: the message transport (guests/lib/msg.h) between real
 * domains, one role per module. Domain 0 is the introducer (msgns).
 *
 *   role=echo [service=N] [clients=K] [die_after=M] [start_after_ms=T]
 *          listen under N (default "echo"), echo every message back, and
 *          exit 0 after K connections (default 1) have ended. die_after=M:
 *          exit with status 3 after echoing M messages, without closing
 *          (a crash, as far as the client can tell). start_after_ms: wait
 *          that long before listening (a server that restarts).
 *   role=client [service=N] [rounds=R]
 *          every size from 0 to MSG_MAX in steps, each echoed and compared
 *          (every other one sent with MSG_CALL, the send that waits);
 *          a full window sent before reading any echo (order and
 *          boundaries); MSG_EMSGSIZE both ways; gather sends (msg_sendv)
 *          arrive as one message, their pieces joined, and bad ones are
 *          refused with nothing sent; msg_peek sees a message in place
 *          until msg_consume drops it
 *   role=survivor [service=N]
 *          talks to a server that dies: every pending and later call gets
 *          MSG_ECONNRESET, nothing hangs; then connects again under the
 *          same name (a new server) and finishes
 *   role=impatient [service=N]
 *          its first connect gives up (the server accepts only after
 *          accept_after_ms=2500 on its command line): MSG_ETIMEDOUT; the
 *          second is accepted, past the first one's leftover connection
 *   role=sink / role=source
 *          flow control: source sends COUNT numbered messages as fast as
 *          it can to sink, which reads them slowly; nothing is lost or
 *          reordered, the source is held back (MSG_EWOULDBLOCK seen with
 *          MSG_NONBLOCK; then in turn a blocking send waits, or msg_poll
 *          waits for MSG_POLLOUT)
 *   role=badapi
 *          bad handles, bad buffers, bad names, sizes, every handle in
 *          use: each its error
 */
#include "msg.h"
#include "xtf.h"

#define MS		1000000ull
#define FLOW_COUNT	200

static uint8_t out[MSG_MAX + 8], in[MSG_MAX + 8];
static char service[MSG_NAME_MAX] = "echo";

static void fill(uint8_t *b, uint32_t n, uint32_t seed)
{
	for (uint32_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 31 + seed * 7 + 1);
}

/* CHECK_RC for the transport's results (each argument evaluated once). */
#define CHECK_MSG(got, want) check_msg((got), (want), #got, __LINE__)

static bool check_msg(int32_t got, int32_t want, const char *expr, int line)
{
	return xtf_check(got == want, line, "%s: expected %d (%s), got %d (%s)", expr, want,
			 msg_strerror(want), got, msg_strerror(got));
}

/* connect, retrying while the server is not (yet) listening */
static int32_t connect_retry(const char *name)
{
	int32_t c = MSG_ENOTFOUND;
	for (int i = 0; i < 300 && c == MSG_ENOTFOUND; i++) {
		c = msg_connect(name, 0);
		if (c == MSG_ENOTFOUND)
			sv_sleep_ns(10 * MS);
	}
	return c;
}

static int echo(void)
{
	uint32_t clients = sv_cmdline_uint("clients", 1), die_after = sv_cmdline_uint("die_after", 0);
	uint32_t echoed = 0, ended = 0, malformed = 0, accepted = 0;
	uint32_t start_after = sv_cmdline_uint("start_after_ms", 0);
	if (start_after)
		sv_sleep_ns(start_after * MS);
	int32_t l = msg_listen(service);
	if (!CHECK(l >= 0, "listen '%s': %s", service, msg_strerror(l)))
		return xtf_verdict("msgtest");
	uint32_t accept_after = sv_cmdline_uint("accept_after_ms", 0);
	if (accept_after)
		sv_sleep_ns(accept_after * MS);	/* a slow server: connects queue up */
	struct msg_pollfd fds[MSG_MAX_HANDLES] = { { .handle = l, .events = MSG_POLLACCEPT } };
	uint32_t n = 1;
	while (ended < clients) {
		if (msg_poll(fds, n, 1000 * MS) == 0)
			continue;
		for (uint32_t i = 1; i < n; i++) {
			if (!fds[i].revents)
				continue;
			int32_t len = msg_recv(fds[i].handle, in, sizeof(in), MSG_NONBLOCK);
			if (len == MSG_ECONNRESET) {
				msg_close(fds[i].handle);
				fds[i--] = fds[--n];
				ended++;
				continue;
			}
			malformed += len == MSG_EPROTO;
			if (len < 0)
				continue;
			CHECK_MSG(msg_send(fds[i].handle, in, (uint32_t)len, 0), len);
			if (die_after && ++echoed == die_after) {
				printf("dying after %u messages, connection open\n", echoed);
				sv_exit(3);
			}
		}
		if (fds[0].revents & MSG_POLLACCEPT) {
			int32_t c = msg_accept(l, MSG_NONBLOCK);
			accepted += c >= 0;
			if (c >= 0 && n < MSG_MAX_HANDLES)
				fds[n++] = (struct msg_pollfd){ .handle = c, .events = MSG_POLLIN };
			else if (c >= 0)
				msg_close(c);
		}
	}
	msg_close(l);
	printf("echo: %u accepted, %u connections ended, %u malformed messages refused\n",
	       accepted, ended, malformed);
	return xtf_verdict("msgtest");
}

static bool round_trip(int32_t c, uint32_t len, uint32_t seed)
{
	fill(out, len, seed);
	memset(in, 0xEE, sizeof(in));
	/* Every other size sends as a request (MSG_CALL): the send waits
	 * for the echo in the same hypercall; the receive then finds it. */
	int32_t rc = msg_send(c, out, len, seed % 2 ? MSG_CALL : 0);
	if (!CHECK(rc == (int32_t)len, "send %u bytes: %d (%s)", len, rc, msg_strerror(rc)))
		return false;
	rc = msg_recv(c, in, sizeof(in), 0);
	return CHECK(rc == (int32_t)len && memcmp(in, out, len) == 0,
		     "echo of %u bytes: got %d (%s)%s", len, rc, msg_strerror(rc),
		     rc == (int32_t)len ? ", bytes differ" : "");
}

/* msg_sendv: pieces joined into one message, echoed back whole. The
 * messages echoed intact; their bytes are added to *bytes. */
static uint32_t gather(int32_t c, uint32_t *bytes)
{
	static const struct { uint32_t n, lens[MSG_MAX_IOV]; } cases[] = {
		{ 4, { 10, 0, 4000, 1 } },			/* an empty piece among them */
		{ 8, { 4096, 4096, 4096, 4096, 4096, 4096, 4096, 4096 } },	/* MSG_MAX */
		{ 0, { 0 } },					/* no pieces: an empty message */
	};
	uint32_t ok = 0;
	for (uint32_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct msg_iov iov[MSG_MAX_IOV];
		uint32_t n = cases[k].n, total = 0;
		fill(out, MSG_MAX, 70 + k);
		for (uint32_t i = 0; i < n; i++) {
			/* each piece from its place in out, so the joined bytes are out's */
			iov[i] = (struct msg_iov){ out + total, cases[k].lens[i] };
			total += cases[k].lens[i];
		}
		memset(in, 0xEE, sizeof(in));
		CHECK_MSG(msg_sendv(c, iov, n, 0), (int32_t)total);
		int32_t rc = msg_recv(c, in, sizeof(in), 0);
		if (CHECK(rc == (int32_t)total && memcmp(in, out, total) == 0,
			  "gather %u: %u bytes in %u pieces, %d came back", k, total, n, rc)) {
			ok++;
			*bytes += total;
		}
	}
	struct msg_iov bad[MSG_MAX_IOV + 1];
	for (uint32_t i = 0; i <= MSG_MAX_IOV; i++)
		bad[i] = (struct msg_iov){ out, 1 };
	CHECK_MSG(msg_sendv(c, bad, MSG_MAX_IOV + 1, 0), SV_EINVAL);	/* too many pieces */
	CHECK_MSG(msg_sendv(c, bad, 1, 0x10), SV_EINVAL);
	CHECK_MSG(msg_send(c, out, 1, 4), SV_EINVAL);	/* no flag 4 */
	bad[1].len = MSG_MAX;						/* 1 + MSG_MAX */
	CHECK_MSG(msg_sendv(c, bad, 2, 0), MSG_EMSGSIZE);
	bad[1].len = 0xFFFFFFFFu;					/* a sum that would wrap */
	CHECK_MSG(msg_sendv(c, bad, 2, 0), MSG_EMSGSIZE);
	bad[1] = (struct msg_iov){ (const void *)0xC0100000u, 16 };	/* the hypervisor's */
	CHECK_MSG(msg_sendv(c, bad, 2, 0), SV_EFAULT);
	/* Nothing of the refused ones went out: the next echo is the next send's. */
	if (!round_trip(c, 77, 77))
		return ok;
	*bytes += 77;
	return ok + 1;
}

/* msg_peek and msg_consume: the message where it landed, the same one
 * until it is dropped, then the next; each misuse its error. The
 * messages seen intact; their bytes are added to *bytes. */
static uint32_t peeks(int32_t c, uint32_t *bytes)
{
	const void *m = NULL, *again = NULL;
	uint32_t ok = 0;
	CHECK_MSG(msg_consume(c), SV_ENOENT);			/* nothing there */
	CHECK_MSG(msg_peek(c, &m, MSG_NONBLOCK), MSG_EWOULDBLOCK);
	CHECK_MSG(msg_peek(c, &m, 0x10), SV_EINVAL);
	CHECK_MSG(msg_peek(MSG_MAX_HANDLES, &m, 0), MSG_EBADF);
	CHECK_MSG(msg_consume(-1), MSG_EBADF);
	for (uint32_t k = 0; k < 2; k++) {		/* two in flight: 500 and 501 bytes */
		fill(out, 500 + k, 90 + k);
		CHECK_MSG(msg_send(c, out, 500 + k, 0), (int32_t)(500 + k));
	}
	for (uint32_t k = 0; k < 2; k++) {
		fill(out, 500 + k, 90 + k);
		int32_t n = msg_peek(c, &m, 0), n2 = msg_peek(c, &again, 0);
		bool same = n == (int32_t)(500 + k) && n2 == n && again == m &&
			    memcmp(m, out, (uint32_t)n) == 0;
		CHECK(same, "peek %u: %d bytes at %p, then %d at %p", k, n, m, n2, again);
		CHECK_MSG(msg_recv(c, in, 10, 0), MSG_EMSGSIZE);	/* held: it is still first */
		CHECK_MSG(msg_consume(c), 0);
		if (same) {
			ok++;
			*bytes += 500 + k;
		}
	}
	CHECK_MSG(msg_peek(c, &m, MSG_NONBLOCK), MSG_EWOULDBLOCK);	/* both dropped */
	return ok;
}

static int client(void)
{
	int32_t c = connect_retry(service);
	if (!CHECK(c >= 0, "connect '%s': %s", service, msg_strerror(c)))
		return xtf_verdict("msgtest");
	CHECK(msg_peer(c) > 0, "peer domain %d", msg_peer(c));
	uint32_t msgs = 0, bytes = 0;
	static const uint32_t sizes[] = { 0, 1, 2, 3, 4, 5, 63, 64, 100, 1000, 4095, 4096,
					  4097, 8000, 8192, 20000, MSG_MAX - 1, MSG_MAX };
	for (uint32_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		msgs += round_trip(c, sizes[i], i);
		bytes += sizes[i];
	}
	msgs += gather(c, &bytes);
	msgs += peeks(c, &bytes);
	/* A full window before any echo is read: order and boundaries. */
	for (uint32_t k = 0; k < MSG_RX_SLOTS; k++) {
		fill(out, 100 + k, 50 + k);
		CHECK_MSG(msg_send(c, out, 100 + k, 0), (int32_t)(100 + k));
	}
	for (uint32_t k = 0; k < MSG_RX_SLOTS; k++) {
		fill(out, 100 + k, 50 + k);
		int32_t rc = msg_recv(c, in, sizeof(in), 0);
		CHECK(rc == (int32_t)(100 + k) && memcmp(in, out, 100 + k) == 0,
		      "pipelined message %u: %d bytes", k, rc);
		msgs++;
		bytes += 100 + k;
	}
	/* Too big to send; too big for the buffer given (it stays queued). */
	CHECK_MSG(msg_send(c, out, MSG_MAX + 1, 0), MSG_EMSGSIZE);
	fill(out, 300, 9);
	CHECK_MSG(msg_send(c, out, 300, 0), 300);
	CHECK_MSG(msg_recv(c, in, 299, 0), MSG_EMSGSIZE);
	CHECK_MSG(msg_recv(c, in, 300, 0), 300);
	CHECK(memcmp(in, out, 300) == 0, "the message refused for size changed");
	CHECK_MSG(msg_close(c), 0);
	CHECK_MSG(msg_send(c, out, 1, 0), MSG_EBADF);	/* closed */
	printf("client: %u messages, %u bytes, echoed intact\n", msgs, bytes);
	return xtf_verdict("msgtest");
}

static int survivor(void)
{
	int32_t c = connect_retry(service);
	if (!CHECK(c >= 0, "connect: %s", msg_strerror(c)))
		return xtf_verdict("msgtest");
	/* The server echoes a few, then dies with our next message unanswered:
	 * the recv waiting for its echo must end with the reset. */
	uint32_t ok = 0;
	int32_t rc;
	for (;;) {
		fill(out, 10, ok);
		rc = msg_send(c, out, 10, 0);
		if (rc < 0)
			break;
		rc = msg_recv(c, in, sizeof(in), 0);
		if (rc < 0)
			break;
		CHECK(rc == 10 && memcmp(in, out, 10) == 0, "echo %u: %d bytes", ok, rc);
		ok++;
	}
	CHECK_MSG(rc, MSG_ECONNRESET);
	CHECK(ok > 0, "no round trip before the reset");
	CHECK_MSG(msg_recv(c, in, sizeof(in), 0), MSG_ECONNRESET);
	CHECK_MSG(msg_send(c, out, 5, 0), MSG_ECONNRESET);
	CHECK_MSG(msg_recv(c, in, sizeof(in), MSG_NONBLOCK), MSG_ECONNRESET);
	struct msg_pollfd p = { .handle = c, .events = MSG_POLLIN | MSG_POLLOUT };
	CHECK_MSG(msg_poll(&p, 1, 0), 1);
	CHECK(p.revents & MSG_POLLHUP, "poll after the reset: revents %#x", p.revents);
	CHECK_MSG(msg_close(c), 0);
	printf("survivor: reset after %u round trips\n", ok);

	/* A new server under the same name. */
	c = connect_retry(service);
	if (!CHECK(c >= 0, "reconnect: %s", msg_strerror(c)))
		return xtf_verdict("msgtest");
	uint32_t again = 0;
	for (uint32_t i = 0; i < 20; i++)
		again += round_trip(c, 1000 + i, i);
	CHECK_MSG(msg_close(c), 0);
	printf("survivor: reconnected, %u round trips after\n", again);
	return xtf_verdict("msgtest");
}

static int impatient(void)
{
	int32_t c = connect_retry(service);
	CHECK_MSG(c, MSG_ETIMEDOUT);
	c = msg_connect(service, 0);
	if (!CHECK(c >= 0, "second connect: %s", msg_strerror(c)))
		return xtf_verdict("msgtest");
	uint32_t ok = 0;
	for (uint32_t i = 0; i < 10; i++)
		ok += round_trip(c, 200 + i, i);
	CHECK_MSG(msg_close(c), 0);
	printf("impatient: timed out once, then %u round trips\n", ok);
	return xtf_verdict("msgtest");
}

static int sink(void)
{
	int32_t l = msg_listen("sink");
	int32_t c = l >= 0 ? msg_accept(l, 0) : l;
	if (!CHECK(c >= 0, "sink: %s", msg_strerror(c)))
		return xtf_verdict("msgtest");
	uint32_t got = 0;
	for (;;) {
		int32_t rc = msg_recv(c, in, sizeof(in), 0);
		if (rc == MSG_ECONNRESET)
			break;
		uint32_t seq;
		memcpy(&seq, in, sizeof(seq));
		fill(out, (uint32_t)rc, seq);
		CHECK(rc >= 4 && seq == got && memcmp(in + 4, out + 4, (uint32_t)rc - 4) == 0,
		      "message %u: %d bytes, seq %u", got, rc, seq);
		got++;
		sv_sleep_ns(2 * MS);	/* a slow reader */
	}
	CHECK_EQ(got, FLOW_COUNT);
	printf("sink: %u messages in order\n", got);
	msg_close(c);
	msg_close(l);
	return xtf_verdict("msgtest");
}

static int source(void)
{
	int32_t c = connect_retry("sink");
	if (!CHECK(c >= 0, "source: %s", msg_strerror(c)))
		return xtf_verdict("msgtest");
	uint32_t would_block = 0, polled = 0;
	for (uint32_t seq = 0; seq < FLOW_COUNT; seq++) {
		uint32_t len = 4 + (seq * 37) % 2000;
		fill(out, len, seq);
		memcpy(out, &seq, sizeof(seq));
		int32_t rc = msg_send(c, out, len, MSG_NONBLOCK);
		if (rc == MSG_EWOULDBLOCK && would_block++ % 2) {
			rc = msg_send(c, out, len, 0);	/* now wait for room */
		} else if (rc == MSG_EWOULDBLOCK) {
			/* or wait in msg_poll: POLLOUT must come with the credit */
			struct msg_pollfd p = { .handle = c, .events = MSG_POLLOUT };
			int32_t n = msg_poll(&p, 1, 5000 * MS);
			CHECK(n == 1 && p.revents == MSG_POLLOUT, "poll for room: %d, revents %#x", n,
			      p.revents);
			polled++;
			rc = msg_send(c, out, len, MSG_NONBLOCK);
		}
		CHECK(rc == (int32_t)len, "message %u: %d (%s)", seq, rc, msg_strerror(rc));
	}
	CHECK(would_block > 0, "the sender was never held back");
	printf("source: %u messages, held back %u times, %u waited out in msg_poll\n",
	       FLOW_COUNT, would_block, polled);
	msg_close(c);
	return xtf_verdict("msgtest");
}

static int badapi(void)
{
	static const int32_t bad[] = { -1, MSG_MAX_HANDLES, 99, 0x7FFFFFFF };
	for (uint32_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_MSG(msg_send(bad[i], out, 1, 0), MSG_EBADF);
		CHECK_MSG(msg_recv(bad[i], in, 1, 0), MSG_EBADF);
		CHECK_MSG(msg_accept(bad[i], 0), MSG_EBADF);
		CHECK_MSG(msg_close(bad[i]), MSG_EBADF);
		CHECK_MSG(msg_peer(bad[i]), MSG_EBADF);
	}
	CHECK_MSG(msg_listen(""), SV_EINVAL);
	CHECK_MSG(msg_listen("a-name-far-too-long"), SV_EINVAL);
	CHECK_MSG(msg_listen(NULL), SV_EINVAL);
	CHECK_MSG(msg_connect("nobody-here", 0), MSG_ENOTFOUND);
	CHECK_MSG(msg_connect("x", 0x10), SV_EINVAL);
	CHECK_MSG(msg_connect("x", MSG_NONBLOCK), SV_EINVAL);	/* a connect always waits */

	int32_t l = msg_listen("badapi");
	CHECK(l >= 0, "listen: %s", msg_strerror(l));
	CHECK_MSG(msg_send(l, out, 1, 0), MSG_EBADF);		/* a listener is no connection */
	CHECK_MSG(msg_accept(l, MSG_NONBLOCK), MSG_EWOULDBLOCK);
	CHECK_MSG(msg_accept(l, 0x10), SV_EINVAL);
	struct msg_pollfd p = { .handle = l, .events = MSG_POLLACCEPT };
	CHECK_MSG(msg_poll(&p, 1, 20 * MS), 0);		/* nobody connects: a timeout */
	CHECK_MSG(msg_poll(&p, MSG_POLL_MAX + 1, 0), SV_EINVAL);
	/* An event port in the poll: ready once raised, once reported. */
	const uint32_t port = SV_PORT_FIRST_FREE + 12;
	struct msg_pollfd pp[2] = { { l, MSG_POLLACCEPT, 0 }, { MSG_POLL_PORT(port), MSG_POLLIN, 0 } };
	CHECK_MSG(msg_poll(pp, 2, 0), 0);			/* not raised yet */
	CHECK_MSG(sv_event_send(SV_DOMID_SELF, port), 0);
	CHECK_MSG(msg_poll(pp, 2, 20 * MS), 1);
	CHECK(pp[1].revents == MSG_POLLIN && pp[0].revents == 0, "the port's entry is the one ready");
	CHECK_MSG(msg_poll(pp, 2, 20 * MS), 0);		/* reported: not again */

	/* A connection to ourselves, to abuse. */
	int32_t c = msg_connect("badapi", 0);
	CHECK_MSG(c, MSG_ETIMEDOUT);	/* we never accept: connect gives up */
	CHECK_MSG(msg_close(l), 0);
	CHECK_MSG(msg_close(l), MSG_EBADF);

	/* Every handle taken: the next listen, connect or accept is
	 * MSG_ENFILE; one closed, and a listen works again. */
	int32_t ls[MSG_MAX_HANDLES];
	char name[8];
	for (uint32_t i = 0; i < MSG_MAX_HANDLES; i++) {
		snprintf(name, sizeof(name), "full%u", i);
		ls[i] = msg_listen(name);
		CHECK(ls[i] >= 0, "listen '%s': %s", name, msg_strerror(ls[i]));
	}
	CHECK_MSG(msg_listen("one-more"), MSG_ENFILE);
	CHECK_MSG(msg_connect("full0", 0), MSG_ENFILE);
	CHECK_MSG(msg_accept(ls[0], MSG_NONBLOCK), MSG_ENFILE);
	CHECK_MSG(msg_close(ls[MSG_MAX_HANDLES - 1]), 0);
	l = msg_listen("one-more");
	CHECK(l == ls[MSG_MAX_HANDLES - 1], "listen after a close: %d (%s), expected handle %d", l,
	      msg_strerror(l), ls[MSG_MAX_HANDLES - 1]);
	for (uint32_t i = 0; i < MSG_MAX_HANDLES; i++)
		CHECK_MSG(msg_close(ls[i]), 0);
	printf("badapi: done\n");
	return xtf_verdict("msgtest");
}

int main(const struct sv_start_info *si)
{
	(void)si;
	char role[12] = "";
	sv_cmdline_get("role", role, sizeof(role));
	sv_cmdline_get("service", service, sizeof(service));
	int32_t rc = msg_init((sv_share_t)sv_cmdline_uint("ns", MSG_NS_SHARE));
	if (!CHECK(rc == 0, "msg_init: %s", msg_strerror(rc)))
		return xtf_verdict("msgtest");
	static const struct { const char *name; int (*fn)(void); } roles[] = {
		{ "echo", echo }, { "client", client }, { "survivor", survivor },
		{ "sink", sink }, { "source", source }, { "badapi", badapi },
		{ "impatient", impatient },
	};
	for (uint32_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strncmp(role, roles[i].name, sizeof(role)) == 0)
			return roles[i].fn();
	printf("msgtest: unknown role '%s'\n", role);
	return 1;
}
