/*
 * fshostile: a hostile client of the 9P file service (guests/fileserver.c).
 * Over one connection it sends requests out of order, messages broken
 * in each way guests/lib/ninep.c checks for, and 300 random ones; every
 * one must get a reply that decodes (an Rerror naming what was wrong,
 * with the request's tag when the message had one), and the session must
 * still work at the end: the server neither crashes nor hangs.
 *
 *   module line: fshostile.elf name=hostile [ns=32] [service=files]
 *
 * It counts what it sent, how many of those do not decode, and the
 * Rerrors it got, for the test to compare with the server's summary:
 *   fshostile: 331 requests, 309 malformed, 326 error replies
 */
#include "ninep_client.h"
#include "xtf.h"

static struct p9_client c;
static uint32_t requests, malformed, rerrors;
static uint8_t msg[MSG_MAX];

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/* A reply, for a failed check's line. */
static const char *describe(const struct p9_fcall *r)
{
	static char text[120];
	snprintf(text, sizeof(text), "type %u tag %#x '%.*s'", r->type, r->tag,
		 r->type == P9_RERROR ? r->ename.len : 0, r->type == P9_RERROR ? r->ename.s : "");
	return text;
}

/* Send len bytes of msg; the reply, which must decode, in *r. */
static bool send_msg(uint32_t len, struct p9_fcall *r, const char *what)
{
	struct p9_fcall t;
	requests++;
	/* As the server counts: a Twrite, Tcreate or Twstat it does not take
	 * apart is refused (the tree is read-only), not malformed. */
	int32_t d = p9_decode(msg, len, &t);
	malformed += d < 0 && !(d == P9_ETYPE && (t.type == P9_TWRITE || t.type == P9_TCREATE ||
						  t.type == P9_TWSTAT));
	int32_t rc = p9c_rpc_raw(&c, msg, len, r);
	rerrors += rc == 0 && r->type == P9_RERROR;
	return CHECK(rc == 0, "%s: no reply that decodes: %s", what, p9c_strerror(&c, rc));
}

/* Send len bytes of msg: an Rerror saying why (NULL: anything), tag tag. */
static void expect_rerror(uint32_t len, const char *why, uint16_t tag, const char *what)
{
	struct p9_fcall r;
	if (!send_msg(len, &r, what))
		return;
	CHECK(r.type == P9_RERROR && r.tag == tag && (!why || p9_str_eq(r.ename, why)),
	      "%s: reply %s, expected an Rerror tag %#x '%s'", what, describe(&r), tag,
	      why ? why : "");
}

/* Encode f into msg; its length. */
static uint32_t encode(struct p9_fcall f)
{
	int32_t n = p9_encode(&f, msg, sizeof(msg));
	CHECK(n > 0, "encode type %u: %s", f.type, p9_strerror(n));
	return n > 0 ? (uint32_t)n : 0;
}

/* A whole request made here; the reply must be of type want. */
static struct p9_fcall expect_reply(struct p9_fcall f, uint8_t want, const char *what)
{
	struct p9_fcall r = { 0 };
	if (send_msg(encode(f), &r, what))
		CHECK(r.type == want && r.tag == f.tag, "%s: reply %s, expected type %u tag %#x",
		      what, describe(&r), want, f.tag);
	return r;
}

static struct p9_fcall tversion(uint32_t msize)
{
	return (struct p9_fcall){ .type = P9_TVERSION, .tag = P9_NOTAG, .msize = msize,
				  .version = p9_cstr(P9_VERSION) };
}

static struct p9_fcall tattach(uint16_t tag)
{
	return (struct p9_fcall){ .type = P9_TATTACH, .tag = tag, .fid = 0, .afid = P9_NOFID,
				  .uname = p9_cstr("hostile"), .aname = p9_cstr("") };
}

static void out_of_order(void)
{
	uint32_t n = encode(tattach(1));
	expect_rerror(n, "version not negotiated", 1, "Tattach before Tversion");
	n = encode(tversion(100));
	expect_rerror(n, "msize too small", P9_NOTAG, "Tversion msize=100");
	struct p9_fcall r = expect_reply(tversion(MSG_MAX), P9_RVERSION, "Tversion");
	CHECK_EQ(r.msize, MSG_MAX);
	expect_reply(tattach(2), P9_RATTACH, "Tattach");
	n = encode((struct p9_fcall){ .type = P9_RREAD, .tag = 3 });
	expect_rerror(n, "not a request", 3, "an Rread sent to the server");
}

/* Each way a message can be broken, one at a time. */
static void broken(void)
{
	expect_rerror(0, p9_strerror(P9_ESHORT), P9_NOTAG, "a zero-length message");
	msg[0] = 3;
	expect_rerror(3, p9_strerror(P9_ESHORT), P9_NOTAG, "3 bytes");

	struct p9_fcall clunk = { .type = P9_TCLUNK, .tag = 0x77, .fid = 5 };
	uint32_t n = encode(clunk);
	put32(msg, n + 1);
	expect_rerror(n, p9_strerror(P9_ESIZE), 0x77, "size[4] one larger than the message");
	put32(msg, n - 1);
	expect_rerror(n, p9_strerror(P9_ESIZE), 0x77, "size[4] one smaller than the message");
	put32(msg, n + 1);
	msg[n] = 0;
	expect_rerror(n + 1, p9_strerror(P9_ETRAILING), 0x77, "a byte after the last field");

	struct p9_fcall walk = { .type = P9_TWALK, .tag = 0x78, .fid = 0, .newfid = 1,
				 .nwname = P9_MAXWELEM };
	for (int i = 0; i < P9_MAXWELEM; i++)
		walk.wname[i] = p9_cstr("x");
	n = encode(walk);
	put16(msg + 15, 17);
	expect_rerror(n, p9_strerror(P9_ECOUNT), 0x78, "Twalk with nwname 17");
	walk.nwname = 1;
	walk.wname[0] = (struct p9_str){ "a\0b", 3 };
	n = encode(walk);
	expect_rerror(n, p9_strerror(P9_ENUL), 0x78, "a walk name with a NUL in it");

	n = encode(tversion(MSG_MAX));
	put16(msg + 11, 7);
	expect_rerror(n, p9_strerror(P9_ESTRING), P9_NOTAG, "a string one byte past the end");

	memset(msg, 0, 16);
	msg[0] = 16;
	msg[4] = 0xEE;
	put16(msg + 5, 0x79);
	expect_rerror(16, p9_strerror(P9_ETYPE), 0x79, "type 0xEE");
	msg[4] = P9_TWRITE;
	expect_rerror(16, "Read-only file system", 0x79, "a Twrite: the tree is read-only");
}

/* A smaller msize bounds both ways: requests longer are refused, and
 * reads are cut to it. */
static void small_msize(void)
{
	expect_reply(tversion(512), P9_RVERSION, "Tversion msize=512");
	expect_reply(tattach(4), P9_RATTACH, "Tattach");
	char name[250];
	memset(name, 'y', sizeof(name));
	struct p9_fcall walk = { .type = P9_TWALK, .tag = 5, .fid = 0, .newfid = 1, .nwname = 3 };
	for (int i = 0; i < 3; i++)
		walk.wname[i] = (struct p9_str){ name, sizeof(name) };
	expect_rerror(encode(walk), "message longer than msize", 5, "a Twalk of 773 bytes");
	walk.nwname = 2;
	walk.wname[0] = p9_cstr("data");
	walk.wname[1] = p9_cstr("big.bin");
	expect_reply(walk, P9_RWALK, "walk data/big.bin");
	expect_reply((struct p9_fcall){ .type = P9_TOPEN, .tag = 6, .fid = 1 }, P9_ROPEN, "open");
	struct p9_fcall r = expect_reply((struct p9_fcall){ .type = P9_TREAD, .tag = 7, .fid = 1,
							    .count = 100000 }, P9_RREAD, "read");
	CHECK(r.count == 512 - P9_RREAD_HDRSZ, "a read of 100000 at msize 512 returned %u",
	      r.count);
}

/* Random bytes, often with a size that agrees, sometimes a request's type. */
static void random_messages(uint32_t count)
{
	static const uint8_t types[] = { P9_TVERSION, P9_TATTACH, P9_TWALK, P9_TOPEN, P9_TREAD,
					 P9_TSTAT, P9_TCLUNK };
	uint32_t x = 2718281;
	for (uint32_t i = 0; i < count; i++) {
		x = x * 1103515245 + 12345;
		uint32_t len = (x >> 16) % 48;
		for (uint32_t k = 0; k < len; k++) {
			x = x * 1103515245 + 12345;
			msg[k] = (uint8_t)(x >> 16);
		}
		if (i % 2 && len >= 4)
			put32(msg, len);
		if (i % 3 == 0 && len >= 5)
			msg[4] = types[(x >> 24) % sizeof(types)];
		struct p9_fcall r;
		if (!send_msg(len, &r, "a random message"))
			return;
		uint16_t tag = len >= 7 ? (uint16_t)(msg[5] | msg[6] << 8) : P9_NOTAG;
		CHECK(r.tag == tag && (r.type == P9_RERROR || (len >= 5 && r.type == msg[4] + 1)),
		      "random message %u (%u bytes, type %u): reply %s", i, len,
		      len >= 5 ? msg[4] : 0, describe(&r));
	}
}

/* After all that, the session still works, and holds 16 fids, no more. */
static void still_serving(void)
{
	expect_reply(tversion(MSG_MAX), P9_RVERSION, "Tversion again");
	expect_reply(tattach(8), P9_RATTACH, "Tattach again");
	struct p9_fcall walk = { .type = P9_TWALK, .tag = 9, .fid = 0, .nwname = 0 };
	for (uint32_t fid = 1; fid < 16; fid++) {
		walk.newfid = fid;
		expect_reply(walk, P9_RWALK, "clone fid 0");
	}
	walk.newfid = 16;
	expect_rerror(encode(walk), "too many fids", 9, "the 17th fid");
	expect_reply((struct p9_fcall){ .type = P9_TSTAT, .tag = 10, .fid = 15 }, P9_RSTAT, "stat");
}

int main(const struct sv_start_info *si)
{
	(void)si;
	char service[MSG_NAME_MAX] = "files";
	sv_cmdline_get("service", service, sizeof(service));
	int32_t rc = msg_init((sv_share_t)sv_cmdline_uint("ns", MSG_NS_SHARE));
	if (CHECK(rc == 0, "msg_init: %s", msg_strerror(rc)))
		rc = p9c_connect(&c, service, 20000);
	if (!CHECK(rc == 0, "connect '%s': %s", service, msg_strerror(rc)))
		return xtf_verdict("fshostile");
	out_of_order();
	broken();
	small_msize();
	random_messages(300);
	still_serving();
	p9c_close(&c);
	printf("fshostile: %u requests, %u malformed, %u error replies\n", requests, malformed,
	       rerrors);
	return xtf_verdict("fshostile");
}
