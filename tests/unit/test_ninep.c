/*
 * test_ninep.c: guests/lib/ninep.c, the 9P2000 wire format of the file
 * service. Each message type of the subset is encoded, checked against
 * the bytes intro(5) prescribes for some, decoded and encoded again to
 * the same bytes. Then hostile input: every truncation of every message,
 * size fields larger and smaller than the message, strings running past
 * the end or holding a NUL, nwname and nwqid of 17, stat entries whose
 * two sizes disagree, zero-length and header-only messages, unknown and
 * unsupported types, and 20000 random mutations. Every decode works on a
 * heap copy of exactly the message's length, so ASan catches any read
 * past it.
 */
#include <stdlib.h>
#include <string.h>

#include "ninep.h"
#include "unit.h"

#define BUF 8192

/* Decode a heap copy of exactly len bytes. */
static int32_t decode(const uint8_t *msg, uint32_t len, struct p9_fcall *f)
{
	uint8_t *copy = malloc(len ? len : 1);
	memcpy(copy, msg, len);
	int32_t rc = p9_decode(copy, len, f);
	free(copy);	/* f's strings pointed into it: look only at numbers after */
	return rc;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* ---- samples: one message of each type */

static const char *const walk_names[] = { "data", "deep", "a", "b", "leaf.txt" };
static const uint8_t read_data[] = "0123456789abcdef";

static struct p9_stat sample_stat(void)
{
	return (struct p9_stat){ .type = 0x1234, .dev = 0xdeadbeef,
		.qid = { P9_QTFILE, 7, 0x0102030405060708ull }, .mode = 0444,
		.atime = 1000000000, .mtime = 1000000001, .length = 102437,
		.name = p9_cstr("big.bin"), .uid = p9_cstr("sv"), .gid = p9_cstr("sv"),
		.muid = p9_cstr("") };
}

#define NSAMPLES 15

static struct p9_fcall sample(int i)
{
	struct p9_fcall f;
	memset(&f, 0, sizeof(f));
	f.tag = (uint16_t)(0x100 + i);
	switch (i) {
	case 0: f.type = P9_TVERSION; f.tag = P9_NOTAG; f.msize = 8192;
		f.version = p9_cstr(P9_VERSION); break;
	case 1: f.type = P9_RVERSION; f.tag = P9_NOTAG; f.msize = 4096;
		f.version = p9_cstr(P9_VERSION); break;
	case 2: f.type = P9_TATTACH; f.fid = 1; f.afid = P9_NOFID; f.uname = p9_cstr("glenda");
		f.aname = p9_cstr(""); break;
	case 3: f.type = P9_RATTACH; f.qid = (struct p9_qid){ P9_QTDIR, 0, 0 }; break;
	case 4: f.type = P9_RERROR; f.ename = p9_cstr("file not found"); break;
	case 5: f.type = P9_TWALK; f.fid = 1; f.newfid = 2; f.nwname = 5;
		for (int k = 0; k < 5; k++)
			f.wname[k] = p9_cstr(walk_names[k]);
		break;
	case 6: f.type = P9_RWALK; f.nwqid = 3;
		for (int k = 0; k < 3; k++)
			f.wqid[k] = (struct p9_qid){ P9_QTDIR, (uint32_t)k, 10u + (uint64_t)k };
		break;
	case 7: f.type = P9_TOPEN; f.fid = 2; f.mode = P9_OREAD; break;
	case 8: f.type = P9_ROPEN; f.qid = (struct p9_qid){ P9_QTFILE, 3, 1ull << 40 };
		f.iounit = 8168; break;
	case 9: f.type = P9_TREAD; f.fid = 2; f.offset = 0x123456789ull; f.count = 8168; break;
	case 10: f.type = P9_RREAD; f.count = sizeof(read_data) - 1; f.data = read_data; break;
	case 11: f.type = P9_TSTAT; f.fid = 2; break;
	case 12: f.type = P9_RSTAT; f.stat = sample_stat(); break;
	case 13: f.type = P9_TCLUNK; f.fid = 2; break;
	default: f.type = P9_RCLUNK; break;
	}
	return f;
}

static uint32_t encode_sample(int i, uint8_t *buf)
{
	struct p9_fcall f = sample(i);
	int32_t n = p9_encode(&f, buf, BUF);
	if (n < 0) {
		CHECK(false, "sample %d (type %u) encodes: %s", i, f.type, p9_strerror(n));
		exit(1);
	}
	return (uint32_t)n;
}

/* ---- the wire format itself */

static void expect_bytes(const struct p9_fcall *f, const uint8_t *want, uint32_t n,
			 const char *what)
{
	uint8_t buf[BUF];
	int32_t got = p9_encode(f, buf, sizeof(buf));
	CHECK(got == (int32_t)n && memcmp(buf, want, n) == 0,
	      "%s is encoded byte for byte as intro(5) says (%d bytes, expected %u)", what, got, n);
}

static void test_known_bytes(void)
{
	struct p9_fcall f = sample(0);
	static const uint8_t tversion[] = { 19, 0, 0, 0, 100, 0xff, 0xff, 0x00, 0x20, 0, 0,
					    6, 0, '9', 'P', '2', '0', '0', '0' };
	expect_bytes(&f, tversion, sizeof(tversion), "Tversion msize=8192 \"9P2000\"");

	f = sample(5);
	f.nwname = 2;
	static const uint8_t twalk[] = { 29, 0, 0, 0, 110, 0x05, 0x01, 1, 0, 0, 0, 2, 0, 0, 0,
					 2, 0, 4, 0, 'd', 'a', 't', 'a', 4, 0, 'd', 'e', 'e', 'p' };
	expect_bytes(&f, twalk, sizeof(twalk), "Twalk fid=1 newfid=2 data/deep");

	f = sample(8);
	static const uint8_t ropen[] = { 24, 0, 0, 0, 113, 0x08, 0x01,
					 0x00, 3, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
					 0xe8, 0x1f, 0, 0 };
	expect_bytes(&f, ropen, sizeof(ropen), "Ropen qid=(file, 3, 2^40) iounit=8168");

	/* Rstat: n[2] = the entry's length, then the entry's own size[2] = n - 2. */
	uint8_t buf[BUF];
	f = sample(12);
	int32_t len = p9_encode(&f, buf, sizeof(buf));
	uint32_t n = P9_STATFIXLEN + 7 + 2 + 2 + 0;
	CHECK(len == (int32_t)(P9_HDRSZ + 2 + n) && buf[7] == n && buf[8] == 0 &&
	      buf[9] == n - 2 && buf[10] == 0,
	      "Rstat carries n[2]=%u, then the stat's size[2]=%u (len %d)", n, n - 2, len);
	CHECK_EQ(p9_stat_size(&f.stat), n, "p9_stat_size is STATFIXLEN + the strings");
}

/* Encode, decode, encode again: the same bytes, and the same fields. */
static void test_round_trips(void)
{
	for (int i = 0; i < NSAMPLES; i++) {
		uint8_t a[BUF], b[BUF];
		struct p9_fcall want = sample(i), got;
		uint32_t n = encode_sample(i, a);
		int32_t rc = p9_decode(a, n, &got);
		int32_t m = rc == 0 ? p9_encode(&got, b, sizeof(b)) : rc;
		CHECK(rc == 0 && m == (int32_t)n && memcmp(a, b, n) == 0 &&
		      got.type == want.type && got.tag == want.tag && got.fid == want.fid,
		      "type %u: %u bytes decode (%s) and encode again to the same bytes",
		      want.type, n, p9_strerror(rc));
	}
}

/* p9_encode_head: an Rread's header alone, its size counting the data
 * that is to follow; head and data together are p9_encode's bytes.
 * Every other type: p9_encode's bytes exactly. */
static void test_encode_head(void)
{
	for (int i = 0; i < NSAMPLES; i++) {
		uint8_t whole[BUF], head[BUF];
		struct p9_fcall f = sample(i);
		uint32_t n = encode_sample(i, whole);
		int32_t h = p9_encode_head(&f, head, sizeof(head));
		if (f.type == P9_RREAD)
			CHECK(h == P9_RREAD_HDRSZ && memcmp(head, whole, (uint32_t)h) == 0 &&
			      n == (uint32_t)h + f.count &&
			      memcmp(whole + h, f.data, f.count) == 0,
			      "Rread of %u bytes: a head of %d bytes, whose size says %u", f.count, h,
			      n);
		else
			CHECK(h == (int32_t)n && memcmp(head, whole, n) == 0,
			      "type %u: p9_encode_head gives p9_encode's %u bytes (%d)", f.type, n, h);
	}
	/* The data need not fit in the buffer: only the head is written. */
	struct p9_fcall f = { .type = P9_RREAD, .tag = 3, .count = 60000, .data = NULL };
	uint8_t head[P9_RREAD_HDRSZ];
	int32_t h = p9_encode_head(&f, head, sizeof(head));
	CHECK(h == P9_RREAD_HDRSZ && head[0] == (uint8_t)(60011 & 0xff) && head[1] == 60011 >> 8 &&
	      head[7] == (60000 & 0xff) && head[8] == 60000 >> 8,
	      "an Rread head of 60000 bytes: %d bytes, size 60011, count 60000", h);
	CHECK_EQ(p9_encode_head(&f, head, P9_RREAD_HDRSZ - 1), P9_ENOSPACE,
		 "a head that does not fit is P9_ENOSPACE");
}

/* The fields that decoding gives back, for the types with most of them. */
static void test_decoded_fields(void)
{
	uint8_t buf[BUF];
	struct p9_fcall f;
	uint32_t n = encode_sample(5, buf);
	CHECK(p9_decode(buf, n, &f) == 0 && f.fid == 1 && f.newfid == 2 && f.nwname == 5 &&
	      p9_str_eq(f.wname[0], "data") && p9_str_eq(f.wname[4], "leaf.txt"),
	      "Twalk: fid, newfid and the 5 names come back");

	n = encode_sample(6, buf);
	CHECK(p9_decode(buf, n, &f) == 0 && f.nwqid == 3 && f.wqid[2].type == P9_QTDIR &&
	      f.wqid[2].version == 2 && f.wqid[2].path == 12,
	      "Rwalk: 3 qids with their type, version and path");

	n = encode_sample(9, buf);
	CHECK(p9_decode(buf, n, &f) == 0 && f.offset == 0x123456789ull && f.count == 8168,
	      "Tread: a 64-bit offset and the count");

	n = encode_sample(10, buf);
	CHECK(p9_decode(buf, n, &f) == 0 && f.count == 16 && f.data == buf + P9_RREAD_HDRSZ &&
	      memcmp(f.data, read_data, 16) == 0, "Rread: the data points into the message");

	n = encode_sample(12, buf);
	struct p9_stat want = sample_stat();
	CHECK(p9_decode(buf, n, &f) == 0 && f.stat.type == want.type && f.stat.dev == want.dev &&
	      f.stat.qid.path == want.qid.path && f.stat.mode == want.mode &&
	      f.stat.atime == want.atime && f.stat.mtime == want.mtime &&
	      f.stat.length == want.length && p9_str_eq(f.stat.name, "big.bin") &&
	      p9_str_eq(f.stat.uid, "sv") && p9_str_eq(f.stat.muid, ""),
	      "Rstat: every field of the stat entry comes back");

	n = encode_sample(2, buf);
	CHECK(p9_decode(buf, n, &f) == 0 && f.afid == P9_NOFID && p9_str_eq(f.uname, "glenda") &&
	      f.aname.len == 0, "Tattach: afid NOFID, uname, an empty aname");
}

/* A directory's data: stat entries back to back. */
static void test_stat_entries(void)
{
	uint8_t buf[512];
	struct p9_stat a = sample_stat(), b = sample_stat(), got;
	b.name = p9_cstr("docs");
	b.qid.type = P9_QTDIR;
	b.mode = P9_DMDIR | 0555;
	int32_t na = p9_stat_encode(&a, buf, sizeof(buf));
	int32_t nb = na > 0 ? p9_stat_encode(&b, buf + na, sizeof(buf) - (uint32_t)na) : na;
	CHECK(na == (int32_t)p9_stat_size(&a) && nb == (int32_t)p9_stat_size(&b),
	      "two stat entries encode to their p9_stat_size");
	int32_t ra = p9_stat_decode(buf, (uint32_t)(na + nb), &got);
	CHECK(ra == na && p9_str_eq(got.name, "big.bin"), "the first entry decodes, %d bytes", ra);
	int32_t rb = p9_stat_decode(buf + na, (uint32_t)nb, &got);
	CHECK(rb == nb && p9_str_eq(got.name, "docs") && got.mode == (P9_DMDIR | 0555),
	      "the second decodes after it");
	CHECK_EQ(p9_stat_encode(&a, buf, (uint32_t)na - 1), P9_ENOSPACE,
		 "a stat entry one byte too big for the buffer: P9_ENOSPACE");
	int bad = 0;
	for (int32_t len = 0; len < na; len++)
		bad += p9_stat_decode(buf, (uint32_t)len, &got) >= 0;
	CHECK_EQ(bad, 0, "every truncation of a stat entry is refused");
}

/* ---- hostile input */

/* Every length short of the whole message, with size[4] as it was (so it
 * is larger than the message) and with size[4] patched to the length (so
 * a field inside runs past the end): always an error. */
static void test_truncations(void)
{
	for (int i = 0; i < NSAMPLES; i++) {
		uint8_t buf[BUF];
		struct p9_fcall f;
		uint32_t n = encode_sample(i, buf);
		int accepted = 0, wrong_code = 0;
		for (uint32_t len = 0; len < n; len++) {
			int32_t rc = decode(buf, len, &f);
			accepted += rc >= 0;
			wrong_code += rc != (len < 4 ? P9_ESHORT : P9_ESIZE);
			if (len >= 4) {
				uint8_t cut[BUF];
				memcpy(cut, buf, len);
				put32(cut, len);
				accepted += decode(cut, len, &f) >= 0;
			}
		}
		CHECK(accepted == 0 && wrong_code == 0,
		      "type %u: all %u truncations refused (original size: P9_ESIZE), %d accepted",
		      sample(i).type, n, accepted);
	}
}

static void test_size_field(void)
{
	uint8_t buf[BUF];
	struct p9_fcall f;
	uint32_t n = encode_sample(5, buf);
	put32(buf, n + 1);
	CHECK_EQ(decode(buf, n, &f), P9_ESIZE, "size[4] one larger than the message: P9_ESIZE");
	CHECK(f.type == P9_TWALK && f.tag == sample(5).tag, "... with the type and tag read");
	put32(buf, 0xFFFFFFFFu);
	CHECK_EQ(decode(buf, n, &f), P9_ESIZE, "size[4] = 2^32-1: P9_ESIZE");
	put32(buf, n - 1);
	CHECK_EQ(decode(buf, n, &f), P9_ESIZE, "size[4] one smaller than the message: P9_ESIZE");

	/* A byte more, counted by size[4] but by no field. */
	n = encode_sample(13, buf);
	buf[n] = 0;
	put32(buf, n + 1);
	CHECK_EQ(decode(buf, n + 1, &f), P9_ETRAILING, "Tclunk with a byte more: P9_ETRAILING");
	CHECK_EQ(f.tag, sample(13).tag, "... and the tag is still known, for the Rerror");
}

static void test_empty_and_header_only(void)
{
	struct p9_fcall f;
	uint8_t zero[7] = { 0 };
	CHECK_EQ(decode(zero, 0, &f), P9_ESHORT, "a zero-length message: P9_ESHORT");
	CHECK_EQ(f.tag, P9_NOTAG, "... with no header, the tag is NOTAG");
	CHECK_EQ(decode(zero, 7, &f), P9_ESIZE, "7 bytes with size[4] = 0: P9_ESIZE");
	uint8_t four[4] = { 4, 0, 0, 0 };
	CHECK_EQ(decode(four, 4, &f), P9_ESHORT, "size[4] = 4 and nothing else: P9_ESHORT");
	uint8_t rclunk[7] = { 7, 0, 0, 0, P9_RCLUNK, 0x34, 0x12 };
	CHECK(decode(rclunk, 7, &f) == 0 && f.tag == 0x1234, "Rclunk is the header alone");
	uint8_t tclunk[7] = { 7, 0, 0, 0, P9_TCLUNK, 0x34, 0x12 };
	CHECK_EQ(decode(tclunk, 7, &f), P9_ESHORT, "Tclunk without its fid: P9_ESHORT");
	uint8_t tremove[11] = { 11, 0, 0, 0, P9_TREMOVE, 0x34, 0x12, 9, 0, 0, 0 };
	CHECK(decode(tremove, 11, &f) == 0 && f.fid == 9 && f.tag == 0x1234,
	      "Tremove is its fid (the server clunks it and refuses)");
}

static void test_types(void)
{
	static const uint8_t bad[] = { 0, 1, 99, P9_TERROR, P9_TAUTH, P9_RAUTH, P9_TFLUSH,
				       P9_TCREATE, P9_TWRITE, P9_TWSTAT,
				       128, 200, 255 };
	int wrong = 0;
	for (size_t i = 0; i < sizeof(bad); i++) {
		uint8_t msg[16] = { 16, 0, 0, 0, bad[i], 0x22, 0x11 };
		struct p9_fcall f;
		wrong += decode(msg, 16, &f) != P9_ETYPE || f.tag != 0x1122 || f.type != bad[i];
	}
	CHECK_EQ(wrong, 0, "%zu unknown, unsupported and garbage types: P9_ETYPE, tag kept",
		 sizeof(bad));
	struct p9_fcall f = { .type = P9_TWRITE };
	uint8_t buf[64];
	CHECK_EQ(p9_encode(&f, buf, sizeof(buf)), P9_ETYPE, "encoding a Twrite: P9_ETYPE");
}

static void test_strings(void)
{
	uint8_t buf[BUF];
	struct p9_fcall f;
	uint32_t n = encode_sample(0, buf);	/* Tversion: the string is last */
	put16(buf + 11, 7);
	CHECK_EQ(decode(buf, n, &f), P9_ESTRING, "a string's len[2] one past the end: P9_ESTRING");
	put16(buf + 11, 0xFFFF);
	CHECK_EQ(decode(buf, n, &f), P9_ESTRING, "a string's len[2] = 65535: P9_ESTRING");
	put16(buf + 11, 5);
	CHECK_EQ(decode(buf, n, &f), P9_ETRAILING, "a string one shorter than the message: "
		 "P9_ETRAILING");
	put16(buf + 11, 6);
	buf[15] = '\0';
	CHECK_EQ(decode(buf, n, &f), P9_ENUL, "a NUL inside a string: P9_ENUL");

	n = encode_sample(5, buf);		/* Twalk: the second name's len, too long */
	put16(buf + 17 + 2 + 4, 200);
	CHECK_EQ(decode(buf, n, &f), P9_ESTRING, "a walk name running past the end: P9_ESTRING");
	CHECK_EQ(f.tag, sample(5).tag, "... the tag is still known");
}

static void test_counts(void)
{
	uint8_t buf[BUF];
	struct p9_fcall f = sample(5), g;
	f.nwname = 16;
	for (int k = 0; k < 16; k++)
		f.wname[k] = p9_cstr("..");
	int32_t n = p9_encode(&f, buf, sizeof(buf));
	CHECK(n > 0 && decode(buf, (uint32_t)n, &g) == 0 && g.nwname == 16,
	      "Twalk of 16 names, the most there may be");
	put16(buf + 15, 17);
	CHECK_EQ(decode(buf, (uint32_t)n, &g), P9_ECOUNT, "Twalk with nwname 17: P9_ECOUNT");
	put16(buf + 15, 0xFFFF);
	CHECK_EQ(decode(buf, (uint32_t)n, &g), P9_ECOUNT, "Twalk with nwname 65535: P9_ECOUNT");
	f.nwname = 17;
	CHECK_EQ(p9_encode(&f, buf, sizeof(buf)), P9_ECOUNT, "encoding nwname 17: P9_ECOUNT");

	f = sample(6);
	n = p9_encode(&f, buf, sizeof(buf));
	put16(buf + 7, 17);
	CHECK_EQ(decode(buf, (uint32_t)n, &g), P9_ECOUNT, "Rwalk with nwqid 17: P9_ECOUNT");
	put16(buf + 7, 4);
	CHECK_EQ(decode(buf, (uint32_t)n, &g), P9_ESHORT, "Rwalk with one qid more than sent: "
		 "P9_ESHORT");

	f = sample(10);
	n = p9_encode(&f, buf, sizeof(buf));
	put32(buf + 7, 17);
	CHECK_EQ(decode(buf, (uint32_t)n, &g), P9_ESHORT, "Rread whose count is one past the end: "
		 "P9_ESHORT");
	put32(buf + 7, 0xFFFFFFFFu);
	CHECK_EQ(decode(buf, (uint32_t)n, &g), P9_ESHORT, "Rread with count 2^32-1: P9_ESHORT");
}

static void test_rstat_sizes(void)
{
	uint8_t buf[BUF], orig[BUF];
	struct p9_fcall f;
	uint32_t n = encode_sample(12, orig);
	struct { uint32_t at; uint16_t delta; int32_t want; const char *what; } cases[] = {
		{ 7, 1, P9_ESTAT, "n[2] one larger than the entry" },
		{ 7, (uint16_t)-1, P9_ESTAT, "n[2] one smaller than the entry" },
		{ 9, 1, P9_ESTAT, "the entry's size[2] one larger than n[2] - 2" },
		{ 9, (uint16_t)-1, P9_ESHORT, "the entry's size[2] one smaller: muid's len[2] "
		  "runs past it" },
		{ 9 + 2 + 39, 1, P9_ESTRING, "the name's len[2] one past the entry" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(buf, orig, n);
		uint16_t v = (uint16_t)(buf[cases[i].at] | buf[cases[i].at + 1] << 8);
		put16(buf + cases[i].at, (uint16_t)(v + cases[i].delta));
		CHECK_EQ(decode(buf, n, &f), cases[i].want, "Rstat, %s: %s", cases[i].what,
			 p9_strerror(cases[i].want));
	}
}

/* Encoding into a buffer one byte too small, every size of it. */
static void test_no_space(void)
{
	int wrong = 0, total = 0;
	for (int i = 0; i < NSAMPLES; i++) {
		struct p9_fcall f = sample(i);
		uint8_t full[BUF];
		int32_t n = p9_encode(&f, full, sizeof(full));
		for (int32_t max = 0; max < n; max++, total++) {
			/* ASan: nothing may be written past max */
			uint8_t *buf = malloc(max ? (size_t)max : 1);
			wrong += p9_encode(&f, buf, (uint32_t)max) != P9_ENOSPACE;
			free(buf);
		}
	}
	CHECK_EQ(wrong, 0, "all %d too-small buffers: P9_ENOSPACE, nothing written past them",
		 total);
}

/* Random bytes changed, inserted or cut, in every sample: decoding never
 * reads past the end (ASan), and whatever it accepts encodes back to the
 * very same bytes (it was well-formed after all). */
static void test_mutations(void)
{
	uint32_t x = 12345, accepted = 0, same = 0, runs = 20000;
	for (uint32_t r = 0; r < runs; r++) {
		uint8_t buf[BUF], again[BUF];
		struct p9_fcall f;
		uint32_t n = encode_sample((int)(r % NSAMPLES), buf);
		for (int k = 0; k < 1 + (int)(r % 3); k++) {
			x = x * 1103515245 + 12345;
			uint32_t at = (x >> 8) % n;
			buf[at] = (uint8_t)(x >> 24);
			if (r % 5 == 0)
				n = at + 1;		/* and cut after it */
		}
		if (r % 7 == 0)
			put32(buf, n);			/* sometimes a size that agrees */
		if (decode(buf, n, &f) == 0) {
			accepted++;
			/* decode() freed its copy: decode buf itself to re-encode */
			p9_decode(buf, n, &f);
			int32_t m = p9_encode(&f, again, sizeof(again));
			same += m == (int32_t)n && memcmp(buf, again, n) == 0;
		}
	}
	CHECK(accepted > 0 && same == accepted,
	      "%u random mutations: %u accepted, each of them re-encodes to the same bytes "
	      "(%u did)", runs, accepted, same);
}

static void test_strings_helpers(void)
{
	struct p9_str s = p9_cstr("abc");
	CHECK(s.len == 3 && p9_str_eq(s, "abc") && !p9_str_eq(s, "ab") && !p9_str_eq(s, "abcd"),
	      "p9_cstr and p9_str_eq");
	CHECK(p9_str_eq((struct p9_str){ NULL, 0 }, ""), "an empty p9_str equals \"\"");
	CHECK_STR(p9_strerror(P9_ECOUNT), "more than 16 walk elements", "p9_strerror");
}

int main(void)
{
	test_known_bytes();
	test_round_trips();
	test_encode_head();
	test_decoded_fields();
	test_stat_entries();
	test_truncations();
	test_size_field();
	test_empty_and_header_only();
	test_types();
	test_strings();
	test_counts();
	test_rstat_sizes();
	test_no_space();
	test_mutations();
	test_strings_helpers();
	return unit_done();
}
