/*
 * msghostile: a peer that breaks the transport's protocol on purpose,
 * speaking it by hand (guests/lib/msg_proto.h) instead of through
 * guests/lib/msg.c. Its victims must give clear errors and carry on:
 *
 *   1. garbage to the introducer: a short request, a wrong magic, a
 *      peer id that is the introducer's or past the end, a domain id
 *      past the end, a name with no NUL, an unknown operation. The
 *      malformed ones get no reply; the unknown operation gets SV_EINVAL;
 *      the introducer then still serves a good request.
 *   2. a connection to the echo server (tests/guests/msgtest.c role=echo)
 *      joined by hand, then messages whose header lies about their length
 *      (longer than what came; past MSG_MAX; a bare header short of four
 *      bytes): the server's msg_recv returns MSG_EPROTO for each and goes
 *      on. Then a good message, which must come back echoed.
 *
 *   module line: msghostile.elf name=hostile [service=echo]
 */
#include "msg_proto.h"
#include "xtf.h"

#define NS_PORT		(SV_PORT_FIRST_FREE + 1)
#define CONN_PORT	(SV_PORT_FIRST_FREE + 2)
#define CONN_VA		0x30000000u
#define MS		1000000ull

static sv_share_t ns = MSG_NS_SHARE;
static uint32_t self;
static struct ns_msg reply;
static uint32_t reply_len;

/* Send len bytes of *m to the introducer; wait up to 300 ms for a reply.
 * Returns whether one came. */
static bool ns_raw(const void *m, uint32_t len)
{
	struct sv_sg in = { (uint32_t)&reply, sizeof(reply) }, out = { (uint32_t)m, len };
	reply_len = 0;
	int32_t h = sv_sg_register(ns, SV_SG_IN, &in, 1, &reply_len);
	CHECK(h >= 0, "register the reply buffer: %d", h);
	int32_t rc;
	while ((rc = sv_sg_xfer(ns, SV_XFER_SEND, NS_PEER, &out, 1)) == SV_EAGAIN)
		sv_sleep_ns(MS);
	CHECK(rc == (int32_t)len, "send %u bytes to the introducer: %d", len, rc);
	for (int i = 0; i < 30 && reply_len == 0; i++)
		sv_sleep_ns(10 * MS);
	if (reply_len == 0)
		sv_sg_unregister(ns, h);
	return reply_len != 0;
}

static struct ns_msg good(uint32_t op, const char *name)
{
	struct ns_msg m = { .magic = NS_MAGIC, .op = op, .domid = start_info->domid,
			    .peer = self };
	snprintf(m.name, sizeof(m.name), "%s", name);
	return m;
}

static void test_introducer(void)
{
	struct ns_msg m = good(NS_CONNECT, "echo");
	CHECK(!ns_raw(&m, 8), "a short request was answered");
	m.magic = 0x12345678;
	CHECK(!ns_raw(&m, sizeof(m)), "a wrong magic was answered");
	m = good(NS_CONNECT, "echo");
	m.peer = NS_PEER;
	CHECK(!ns_raw(&m, sizeof(m)), "a request claiming the introducer's peer id was answered");
	m.peer = 77;
	CHECK(!ns_raw(&m, sizeof(m)), "a request from peer 77 was answered");
	m = good(NS_CONNECT, "echo");
	m.domid = 999;
	CHECK(!ns_raw(&m, sizeof(m)), "a request from domain 999 was answered");
	m = good(99, "echo");
	CHECK(ns_raw(&m, sizeof(m)) && reply.status == SV_EINVAL,
	      "an unknown operation: reply %u bytes, status %d", reply_len, reply.status);
	/* A name with no NUL is cut at its last byte: no such listener. */
	m = good(NS_CONNECT, "");
	memset(m.name, 'e', sizeof(m.name));
	CHECK(ns_raw(&m, sizeof(m)) && reply.status == MSG_ENOTFOUND,
	      "a name with no NUL: reply %u bytes, status %d", reply_len, reply.status);
}

/* Join a connection by hand, with one receive buffer; returns the other
 * side's peer id. */
static uint32_t join(sv_share_t share, struct conn_page *page, struct sv_sg *rx, uint32_t *len)
{
	int32_t rc = sv_share_get(share, CONN_PORT);
	CHECK(rc == 1 || rc == 2, "get the connection: %d", rc);
	uint32_t me = (uint32_t)rc;
	CHECK_RC(sv_share_map(share, (uint32_t)page, 0), SV_OK);
	CHECK(sv_sg_register(share, SV_SG_IN, rx, 1, len) >= 0, "post a buffer");
	page->posted[me] = 1;
	page->joined[me] = 1;
	sv_trigger(share, CONN_JOIN(me));
	return me == 1 ? 2 : 1;
}

static int32_t raw_send(sv_share_t share, uint32_t peer, uint32_t claimed, const void *data,
			uint32_t len)
{
	struct msg_hdr hdr = { .len = claimed };
	struct sv_sg sg[2] = { { (uint32_t)&hdr, sizeof(hdr) }, { (uint32_t)data, len } };
	int32_t rc;
	for (int i = 0; i < 300; i++) {
		rc = sv_sg_xfer(share, SV_XFER_SEND, peer, sg, len ? 2 : 1);
		if (rc != SV_EAGAIN)
			return rc;
		sv_sleep_ns(MS);
	}
	return rc;
}

static void test_lying_peer(void)
{
	char service[MSG_NAME_MAX] = "echo";
	sv_cmdline_get("service", service, sizeof(service));
	struct ns_msg m = good(NS_CONNECT, service);
	for (int i = 0; i < 100 && (!ns_raw(&m, sizeof(m)) || reply.status == MSG_ENOTFOUND); i++)
		sv_sleep_ns(10 * MS);
	if (!CHECK(reply.status == 0, "connect by hand: %d", reply.status))
		return;
	sv_share_t share = reply.share;
	struct conn_page *page = (struct conn_page *)CONN_VA;
	static uint8_t buf[64], echo[4 + 64];
	uint32_t echo_len = 0;
	struct sv_sg in = { (uint32_t)echo, sizeof(echo) };
	uint32_t other = join(share, page, &in, &echo_len);
	for (int i = 0; i < 300 && !page->joined[other]; i++)
		sv_sleep_ns(MS);
	CHECK(page->joined[other], "the echo server never joined");

	memset(buf, 'h', sizeof(buf));
	CHECK_EQ(raw_send(share, other, 100, buf, 10), 14);		/* says 100, sends 10 */
	CHECK_EQ(raw_send(share, other, MSG_MAX + 1, buf, 60), 64);	/* past MSG_MAX */
	CHECK_EQ(raw_send(share, other, 0xFFFFFFFFu, NULL, 0), 4);	/* a header, no data */
	struct sv_sg two = { (uint32_t)buf, 2 };
	CHECK_EQ(sv_sg_xfer(share, SV_XFER_SEND, other, &two, 1), 2);	/* short of a header */
	/* Then a good one: it must come back. */
	memcpy(buf, "still here", 10);
	CHECK_EQ(raw_send(share, other, 10, buf, 10), 14);
	for (int i = 0; i < 300 && echo_len == 0; i++)
		sv_sleep_ns(MS);
	struct msg_hdr h;
	memcpy(&h, echo, sizeof(h));
	CHECK(echo_len == 14 && h.len == 10 && memcmp(echo + 4, "still here", 10) == 0,
	      "the echo of the good message: %u bytes, header %u", echo_len, h.len);
	CHECK_RC(sv_share_drop(share), SV_OK);
}

int main(const struct sv_start_info *si)
{
	(void)si;
	int32_t rc = SV_ENOENT;
	for (int i = 0; i < 300 && (rc == SV_ENOENT || rc == SV_EPERM); i++) {
		rc = sv_share_get(ns, NS_PORT);
		if (rc < 0)
			sv_sleep_ns(10 * MS);
	}
	if (!CHECK(rc > 0, "get the introducer's share: %d", rc))
		return xtf_verdict("msghostile");
	self = (uint32_t)rc;
	test_introducer();
	test_lying_peer();
	return xtf_verdict("msghostile");
}
