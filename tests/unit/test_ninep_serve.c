/*
 * test_ninep_serve.c: guests/lib/ninep_serve.c, the 9P2000 service of a
 * read-only tree, driven request by request without a transport: version
 * negotiation, attach, walks that succeed, fail at the first name or
 * stop part-way, open modes, reads of files at every edge (offsets at
 * and past the end, counts cut to msize), directory reads in whole
 * entries, stat, clunk, fid limits, and malformed requests, each of
 * which must get an Rerror with the request's tag. Each request is
 * answered by p9_serve and by p9_serve_gather, which must agree.
 */
#include <stdlib.h>
#include <string.h>

#include "ninep_serve.h"
#include "unit.h"

static uint8_t big[1000], small[10] = "0123456789";

/* /  a.txt  dir/  dir/big.bin  dir/sub/  empty */
static const struct p9_node nodes[] = {
	{ "", 0, true, 0, NULL },
	{ "a.txt", 0, false, sizeof(small), small },
	{ "dir", 0, true, 0, NULL },
	{ "big.bin", 2, false, sizeof(big), big },
	{ "sub", 2, true, 0, NULL },
	{ "empty", 0, false, 0, small },
};
static const struct p9_tree tree = { nodes, 6, 1700000000 };

#define MSIZE 512
static struct p9_session s;
static uint8_t reply[P9_SERVE_MAX_MSIZE];	/* r's strings and data point into it */
static uint16_t next_tag = 1;

/* Send raw bytes; decode the reply into *r. Returns the reply's length.
 * Every request is answered both ways, p9_serve on a copy of the
 * session and p9_serve_gather on it: the bytes must be the same, and
 * only an Rread may have data apart from its header. */
static uint32_t raw(const uint8_t *req, uint32_t len, struct p9_fcall *r)
{
	static uint8_t head[P9_SERVE_MAX_MSIZE];
	struct p9_session copy = s;
	struct p9_reply g;
	uint32_t n = p9_serve(&copy, req, len, reply);
	p9_serve_gather(&s, req, len, head, &g);
	bool same = g.head_len + g.data_len == n && memcmp(head, reply, g.head_len) == 0 &&
		    (g.data_len == 0 || memcmp(g.data, reply + g.head_len, g.data_len) == 0);
	bool split = g.data_len == 0 || (reply[4] == P9_RREAD && g.head_len == P9_RREAD_HDRSZ);
	if (!same || !split)
		CHECK(false, "a %u-byte request: p9_serve's %u bytes, p9_serve_gather's %u + %u",
		      len, n, g.head_len, g.data_len);
	if (p9_decode(reply, n, r) != 0) {
		CHECK(false, "the reply to a %u-byte request decodes", len);
		exit(1);
	}
	return n;
}

static void rpc(struct p9_fcall *t, struct p9_fcall *r)
{
	uint8_t req[P9_SERVE_MAX_MSIZE];
	t->tag = t->type == P9_TVERSION ? P9_NOTAG : next_tag++;
	int32_t n = p9_encode(t, req, sizeof(req));
	if (n < 0) {
		CHECK(false, "request type %u encodes: %s", t->type, p9_strerror(n));
		exit(1);
	}
	raw(req, (uint32_t)n, r);
	if (r->tag != t->tag)
		CHECK(false, "the reply to type %u has tag %u, not %u", t->type, r->tag, t->tag);
}

/* The Rerror's text, or "" when the reply was not an Rerror. */
static const char *error_of(const struct p9_fcall *r)
{
	static char text[256];
	if (r->type != P9_RERROR)
		return "";
	memcpy(text, r->ename.s, r->ename.len);
	text[r->ename.len] = '\0';
	return text;
}

static struct p9_fcall version(uint32_t msize, const char *v)
{
	struct p9_fcall t = { .type = P9_TVERSION, .msize = msize, .version = p9_cstr(v) }, r;
	rpc(&t, &r);
	return r;
}

static struct p9_fcall attach(uint32_t fid)
{
	struct p9_fcall t = { .type = P9_TATTACH, .fid = fid, .afid = P9_NOFID,
			      .uname = p9_cstr("test"), .aname = p9_cstr("") }, r;
	rpc(&t, &r);
	return r;
}

/* Walk fid to newfid through names separated by '/' ("" for none). */
static struct p9_fcall walk(uint32_t fid, uint32_t newfid, const char *path)
{
	static char copy[256];
	struct p9_fcall t = { .type = P9_TWALK, .fid = fid, .newfid = newfid }, r;
	strcpy(copy, path);
	for (char *p = copy, *name; *path && (name = strsep(&p, "/")); )
		t.wname[t.nwname++] = p9_cstr(name);
	rpc(&t, &r);
	return r;
}

static struct p9_fcall fid_op(uint8_t type, uint32_t fid)
{
	struct p9_fcall t = { .type = type, .fid = fid }, r;
	rpc(&t, &r);
	return r;
}

static struct p9_fcall open_fid(uint32_t fid, uint8_t mode)
{
	struct p9_fcall t = { .type = P9_TOPEN, .fid = fid, .mode = mode }, r;
	rpc(&t, &r);
	return r;
}

static struct p9_fcall read_fid(uint32_t fid, uint64_t offset, uint32_t count)
{
	struct p9_fcall t = { .type = P9_TREAD, .fid = fid, .offset = offset, .count = count }, r;
	rpc(&t, &r);
	return r;
}

/* A fresh session, versioned and attached as fid 0 at the root. */
static void start(void)
{
	p9_session_init(&s, &tree, MSIZE);
	version(MSIZE, P9_VERSION);
	attach(0);
}

static void test_version(void)
{
	p9_session_init(&s, &tree, MSIZE);
	struct p9_fcall r = attach(0);
	CHECK_STR(error_of(&r), "version not negotiated", "Tattach before Tversion");
	r = version(100, P9_VERSION);
	CHECK_STR(error_of(&r), "msize too small", "Tversion msize=100");
	r = version(65536, P9_VERSION);
	CHECK(r.type == P9_RVERSION && r.msize == MSIZE && p9_str_eq(r.version, "9P2000"),
	      "Tversion msize=65536 is cut to the server's %d", MSIZE);
	r = version(300, "9P2000.L");
	CHECK(r.type == P9_RVERSION && r.msize == 300 && p9_str_eq(r.version, "9P2000"),
	      "Tversion \"9P2000.L\" msize=300: answered \"9P2000\", msize 300");
	r = version(MSIZE, "9P1999");
	CHECK(r.type == P9_RVERSION && p9_str_eq(r.version, "unknown"),
	      "Tversion \"9P1999\": answered \"unknown\"");
	r = attach(0);
	CHECK_STR(error_of(&r), "version not negotiated", "... and the session is unversioned");

	start();
	r = walk(0, 1, "dir");
	version(MSIZE, P9_VERSION);
	r = fid_op(P9_TSTAT, 1);
	CHECK_STR(error_of(&r), "fid unknown or out of range", "a second Tversion clunks every fid");
}

static void test_attach(void)
{
	p9_session_init(&s, &tree, MSIZE);
	version(MSIZE, P9_VERSION);
	struct p9_fcall t = { .type = P9_TATTACH, .fid = 0, .afid = 5 }, r;
	rpc(&t, &r);
	CHECK_STR(error_of(&r), "authentication not required", "Tattach with an afid");
	r = attach(0);
	CHECK(r.type == P9_RATTACH && r.qid.type == P9_QTDIR && r.qid.path == 0,
	      "Tattach: the root's qid (directory, path 0)");
	r = attach(0);
	CHECK_STR(error_of(&r), "fid already in use", "a second Tattach on fid 0");
	r = attach(P9_NOFID);
	CHECK_STR(error_of(&r), "fid already in use", "Tattach with fid NOFID");
}

static void test_walk(void)
{
	start();
	struct p9_fcall r = walk(0, 1, "dir/big.bin");
	CHECK(r.type == P9_RWALK && r.nwqid == 2 && r.wqid[0].type == P9_QTDIR &&
	      r.wqid[0].path == 2 && r.wqid[1].type == P9_QTFILE && r.wqid[1].path == 3,
	      "walk dir/big.bin: two qids, a directory then a file");
	r = fid_op(P9_TSTAT, 1);
	CHECK(r.type == P9_RSTAT && p9_str_eq(r.stat.name, "big.bin"), "newfid is big.bin");

	r = walk(0, 2, "nothing");
	CHECK_STR(error_of(&r), "file does not exist", "walk to a missing first name: Rerror");
	r = walk(0, 2, "dir/nothing/more");
	CHECK(r.type == P9_RWALK && r.nwqid == 1 && r.wqid[0].path == 2,
	      "walk dir/nothing/more: an Rwalk of 1 qid, as far as it got");
	r = fid_op(P9_TSTAT, 2);
	CHECK_STR(error_of(&r), "fid unknown or out of range", "... and newfid was not made");
	r = walk(0, 2, "a.txt/x");
	CHECK(r.type == P9_RWALK && r.nwqid == 1, "walk through a file: stops after it");
	r = walk(1, 2, "x");
	CHECK_STR(error_of(&r), "not a directory", "walk from a file: Rerror");

	r = walk(0, 1, "dir");
	CHECK_STR(error_of(&r), "fid already in use", "walk to a newfid in use");
	r = walk(9, 2, "dir");
	CHECK_STR(error_of(&r), "fid unknown or out of range", "walk from an unknown fid");
	r = walk(0, 2, "");
	CHECK(r.type == P9_RWALK && r.nwqid == 0, "walk of no names clones the fid");
	r = walk(2, 2, "dir/sub/../sub/..");
	CHECK(r.type == P9_RWALK && r.nwqid == 5 && r.wqid[4].path == 2,
	      "walk newfid = fid through .., in place: ends at dir");
	r = walk(0, 3, "..");
	CHECK(r.type == P9_RWALK && r.nwqid == 1 && r.wqid[0].path == 0,
	      "the root's .. is the root");
	r = walk(0, 4, "../../../../../../../../../../../../../../../..");
	CHECK(r.type == P9_RWALK && r.nwqid == 16, "16 names in one walk");
}

static void test_open(void)
{
	start();
	walk(0, 1, "a.txt");
	static const uint8_t refused[] = { P9_OWRITE, P9_ORDWR, P9_OREAD | P9_OTRUNC,
					   P9_OREAD | P9_ORCLOSE, 0x80 };
	int opened = 0;
	for (size_t i = 0; i < sizeof(refused); i++) {
		struct p9_fcall r = open_fid(1, refused[i]);
		/* writing: the string Linux turns into EROFS; the rest EACCES */
		opened += strcmp(error_of(&r), i < 2 ? "Read-only file system" : "permission denied") != 0;
	}
	CHECK_EQ(opened, 0, "open for writing, truncating, remove-on-close: refused");
	struct p9_fcall r = read_fid(1, 0, 10);
	CHECK_STR(error_of(&r), "bad use of fid", "read before open");
	r = open_fid(1, P9_OREAD);
	CHECK(r.type == P9_ROPEN && r.qid.path == 1 && r.iounit == MSIZE - P9_IOHDRSZ,
	      "open OREAD: the file's qid, iounit = msize - 24");
	r = open_fid(1, P9_OREAD);
	CHECK_STR(error_of(&r), "file already open for I/O", "open twice");
	r = walk(1, 2, "");
	CHECK_STR(error_of(&r), "file already open for I/O", "walk from an open fid");
	walk(0, 2, "dir");
	r = open_fid(2, P9_OEXEC);
	CHECK_STR(error_of(&r), "permission denied", "OEXEC of a directory");
}

static void test_read_file(void)
{
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 3);
	start();
	walk(0, 1, "dir/big.bin");
	open_fid(1, P9_OREAD);
	struct p9_fcall r = read_fid(1, 0, 0xFFFFFFFFu);
	CHECK(r.type == P9_RREAD && r.count == MSIZE - P9_RREAD_HDRSZ &&
	      memcmp(r.data, big, r.count) == 0,
	      "read count 2^32-1: cut to msize - 11 = %d bytes, the right ones", MSIZE - 11);
	r = read_fid(1, 990, 100);
	CHECK(r.count == 10 && memcmp(r.data, big + 990, 10) == 0, "read across the end: 10 bytes");
	r = read_fid(1, 1000, 100);
	CHECK(r.type == P9_RREAD && r.count == 0, "read at the end: 0 bytes");
	r = read_fid(1, 1ull << 40, 100);
	CHECK(r.type == P9_RREAD && r.count == 0, "read at offset 2^40: 0 bytes");
	r = read_fid(1, 5, 0);
	CHECK(r.type == P9_RREAD && r.count == 0, "read of count 0");
	CHECK_EQ(s.file_bytes, MSIZE - P9_RREAD_HDRSZ + 10, "the session counted the bytes read");
	CHECK_EQ(s.reads, 5, "... and the Rreads");

	walk(0, 2, "empty");
	open_fid(2, P9_OREAD);
	r = read_fid(2, 0, 100);
	CHECK(r.type == P9_RREAD && r.count == 0, "the empty file: 0 bytes");
}

/* Read a directory in reads of count; the names, space-separated. */
static void read_dir_names(uint32_t fid, uint32_t count, char *names, int *reads)
{
	uint64_t offset = 0;
	names[0] = '\0';
	for (*reads = 0;; (*reads)++) {
		struct p9_fcall r = read_fid(fid, offset, count);
		if (r.type != P9_RREAD || r.count == 0)
			return;
		for (uint32_t at = 0; at < r.count;) {
			struct p9_stat st;
			int32_t n = p9_stat_decode(r.data + at, r.count - at, &st);
			if (n < 0)
				return;
			strncat(names, st.name.s, st.name.len);
			strcat(names, " ");
			at += (uint32_t)n;
		}
		offset += r.count;
	}
}

static void test_read_dir(void)
{
	start();
	walk(0, 1, "");
	open_fid(1, P9_OREAD);
	char names[256];
	int reads;
	read_dir_names(1, MSIZE, names, &reads);
	CHECK(strcmp(names, "a.txt dir empty ") == 0 && reads == 1,
	      "the root lists a.txt, dir and empty in one read (got '%s' in %d)", names, reads);
	read_dir_names(1, 60, names, &reads);
	CHECK(strcmp(names, "a.txt dir empty ") == 0 && reads == 3,
	      "... and in three reads of one entry each (got '%s' in %d)", names, reads);
	struct p9_fcall r = read_fid(1, 0, 10);
	CHECK(r.type == P9_RREAD && r.count == 0,
	      "a read of 10 bytes: no entry fits, 0 bytes (as Linux's last read of a buffer)");
	uint32_t first = read_fid(1, 0, MSIZE).count;
	r = read_fid(1, 0, 60);			/* one entry */
	uint32_t one = r.count;
	r = read_fid(1, one, 1);			/* the rest of a buffer: 1 byte */
	CHECK(r.type == P9_RREAD && r.count == 0 && one > 0 && one < first,
	      "a read of 1 byte where the 2nd entry begins: 0 bytes, not an error");
	r = read_fid(1, 3, MSIZE);
	CHECK_STR(error_of(&r), "bad offset in directory read", "a read at offset 3");
	r = read_fid(1, 100000, MSIZE);
	CHECK_STR(error_of(&r), "bad offset in directory read", "a read past the end");

	walk(0, 2, "dir/sub");
	open_fid(2, P9_OREAD);
	r = read_fid(2, 0, MSIZE);
	CHECK(r.type == P9_RREAD && r.count == 0, "an empty directory: 0 bytes");
}

static void test_stat_clunk(void)
{
	start();
	struct p9_fcall r = fid_op(P9_TSTAT, 0);
	CHECK(r.type == P9_RSTAT && p9_str_eq(r.stat.name, "/") &&
	      r.stat.mode == (P9_DMDIR | 0555) && r.stat.qid.type == P9_QTDIR &&
	      r.stat.length == 0 && r.stat.mtime == 1700000000 && p9_str_eq(r.stat.uid, "sv"),
	      "stat of the root: \"/\", a directory, mode 0555");
	walk(0, 1, "a.txt");
	r = fid_op(P9_TSTAT, 1);
	CHECK(r.type == P9_RSTAT && p9_str_eq(r.stat.name, "a.txt") && r.stat.mode == 0444 &&
	      r.stat.length == 10 && r.stat.qid.path == 1, "stat of a.txt: 10 bytes, mode 0444");
	r = fid_op(P9_TCLUNK, 1);
	CHECK_EQ(r.type, P9_RCLUNK, "clunk");
	r = fid_op(P9_TCLUNK, 1);
	CHECK_STR(error_of(&r), "fid unknown or out of range", "clunk twice");
	r = fid_op(P9_TSTAT, 1);
	CHECK_STR(error_of(&r), "fid unknown or out of range", "stat of a clunked fid");

	for (uint32_t f = 1; f < P9_SERVE_FIDS; f++)
		walk(0, f, "");
	r = walk(0, 100, "");
	CHECK_STR(error_of(&r), "too many fids", "the 17th fid");
	fid_op(P9_TCLUNK, 5);
	r = walk(0, 100, "");
	CHECK_EQ(r.type, P9_RWALK, "... and one more after a clunk");
}

/* Bad bytes: each gets an Rerror, with the tag when there is one, and
 * the session goes on. */
static void test_malformed(void)
{
	start();
	struct p9_fcall r;
	uint8_t msg[64] = { 0 };
	raw(msg, 0, &r);
	CHECK(r.type == P9_RERROR && r.tag == P9_NOTAG &&
	      strcmp(error_of(&r), p9_strerror(P9_ESHORT)) == 0, "an empty message: Rerror, NOTAG");
	uint8_t bad_size[] = { 99, 0, 0, 0, P9_TCLUNK, 7, 0, 0, 0, 0, 0 };
	raw(bad_size, sizeof(bad_size), &r);
	CHECK(r.type == P9_RERROR && strcmp(error_of(&r), p9_strerror(P9_ESIZE)) == 0,
	      "size[4] that lies: Rerror '%s'", p9_strerror(P9_ESIZE));
	uint8_t walk17[17] = { 17, 0, 0, 0, P9_TWALK, 0x21, 0x43, 0, 0, 0, 0, 1, 0, 0, 0, 17, 0 };
	raw(walk17, sizeof(walk17), &r);
	CHECK(r.type == P9_RERROR && r.tag == 0x4321 &&
	      strcmp(error_of(&r), p9_strerror(P9_ECOUNT)) == 0,
	      "Twalk nwname 17: Rerror with the request's tag");
	uint8_t garbage[9] = { 9, 0, 0, 0, 0xEE, 1, 0, 0xAB, 0xCD };
	raw(garbage, sizeof(garbage), &r);
	CHECK(r.type == P9_RERROR && r.tag == 1 && strcmp(error_of(&r), p9_strerror(P9_ETYPE)) == 0,
	      "type 0xEE: Rerror '%s'", p9_strerror(P9_ETYPE));
	uint8_t rclunk[7] = { 7, 0, 0, 0, P9_RCLUNK, 2, 0 };
	raw(rclunk, sizeof(rclunk), &r);
	CHECK_STR(error_of(&r), "not a request", "an Rclunk sent as a request");
	char name[250];
	memset(name, 'x', sizeof(name));
	struct p9_fcall t = { .type = P9_TWALK, .tag = 3, .fid = 0, .newfid = 9, .nwname = 2,
			      .wname = { { name, sizeof(name) }, { name, sizeof(name) } } };
	uint8_t toobig[MSIZE + 100];
	int32_t n = p9_encode(&t, toobig, sizeof(toobig));
	raw(toobig, (uint32_t)n, &r);
	CHECK(n > MSIZE && r.tag == 3 && strcmp(error_of(&r), "message longer than msize") == 0,
	      "a well-formed Twalk of %d bytes, more than msize %d: Rerror", n, MSIZE);
	CHECK_EQ(s.malformed, 4, "the session counted the 4 that did not decode");
	r = fid_op(P9_TSTAT, 0);
	CHECK_EQ(r.type, P9_RSTAT, "after all that, the session still works");
}

/* What would change the tree is refused with the string Linux turns into
 * EROFS (net/9p/error.c). Tremove clunks its fid all the same (remove(5):
 * Linux's rm counts on it), and the requests the decoder does not take
 * apart (Twrite, Tcreate, Twstat) are answered, with their tag, not
 * counted as malformed. */
static void test_read_only(void)
{
	start();
	walk(0, 1, "a.txt");
	struct p9_fcall r = fid_op(P9_TREMOVE, 1);
	CHECK(r.type == P9_RERROR, "Tremove of a file: Rerror");
	CHECK_STR(error_of(&r), "Read-only file system", "Tremove: EROFS's string");
	r = fid_op(P9_TCLUNK, 1);
	CHECK_STR(error_of(&r), "fid unknown or out of range", "... and Tremove clunked the fid");
	r = fid_op(P9_TREMOVE, 7);
	CHECK_STR(error_of(&r), "fid unknown or out of range", "Tremove of an unknown fid");
	static const uint8_t types[] = { P9_TWRITE, P9_TCREATE, P9_TWSTAT };
	uint32_t malformed = s.malformed;
	for (size_t i = 0; i < sizeof(types); i++) {
		uint8_t msg[32] = { 32, 0, 0, 0, types[i], 0x34, 0x12, 0 };	/* fid 0 */
		raw(msg, sizeof(msg), &r);
		CHECK(r.type == P9_RERROR && r.tag == 0x1234 &&
		      strcmp(error_of(&r), "Read-only file system") == 0,
		      "type %u: Rerror 'Read-only file system', tag kept", types[i]);
	}
	CHECK_EQ(s.malformed, malformed, "none of them counted as malformed");
}

int main(void)
{
	test_version();
	test_attach();
	test_walk();
	test_open();
	test_read_file();
	test_read_dir();
	test_stat_clunk();
	test_malformed();
	test_read_only();
	return unit_done();
}
