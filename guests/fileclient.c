/*
 * fileclient: reads the whole tree of the 9P file service
 * (guests/fileserver.c) and checks it against what tools/mkfstree.py
 * put in it. The client knows each file's size and CRC-32 and each
 * directory's entries (fstree_client.h), not the contents: it passes
 * only by reading the right bytes.
 *
 *   module line: fileclient.elf name=client [ns=32] [service=files] [wait_ms=20000]
 *                [start_after_ms=T]
 *
 *   start_after_ms=T   wait T ms before connecting (a test's other client
 *                      gets its part done first)
 *
 * After Tversion and Tattach, for each file: one Twalk from the root to
 * it, Topen, Treads of iounit bytes until one returns 0, Tstat, Tclunk;
 * size, checksum and stat fields checked. Then each directory: Tread its
 * entries, stat structures, and compare their names. Then what must
 * fail: a walk to a missing name (Rerror "file does not exist"), a walk that
 * stops part-way (a short Rwalk, and newfid not made), an open for
 * writing, a read of a fid not opened.
 *
 * When the connection is reset (the server died), it connects again,
 * waiting for a server to listen under the name (perhaps another one,
 * started later), and goes on where it was: it walks again to the file
 * it was reading and reads on from the offset it had reached.
 *
 * A line per file and directory, then
 *   fileclient: 109 files, 145582 bytes, all checksums match, 1 reconnect
 *   fileclient: 9 directories, 117 entries, all listings match
 *   fileclient: 4 error replies, as expected
 * and exit status 0 only if every check passed.
 */
#include "crc32.h"
#include "fstree_client.h"
#include "ninep_client.h"
#include "sv.h"

#define ROOT_FID	0
#define FID		1	/* the file or directory at hand */
#define PROBE_FID	2	/* for what must fail */
#define MAX_RECONNECTS	3
#define NSTEPS		(FSTREE_FILES + FSTREE_DIRS + 1)	/* files, directories, errors */
#define EXPECTED_ERRORS	4

enum outcome { DONE, FAILED, RESET };

/* How far the step at hand got: kept across a reconnect. */
struct progress {
	uint32_t attempts;	/* 1 + the reconnects during this step */
	uint32_t offset;	/* a file: the bytes read so far */
	uint32_t reads;		/* a file: Rreads so far */
	uint32_t resumed_at;	/* a file: the offset the last attempt began at */
};

static struct p9_client c;
static uint8_t contents[FSTREE_MAX_FILE];
static uint32_t failures, files, bytes, mismatches, dirs, entries, listing_errors, errors_seen;

static enum outcome fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static enum outcome fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("fileclient: FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	failures++;
	return FAILED;
}

/* One request, whose reply must be of type want. */
static enum outcome call(struct p9_fcall *t, struct p9_fcall *r, uint8_t want, const char *what)
{
	int32_t rc = p9c_rpc(&c, t, r);
	if (rc == MSG_ECONNRESET)
		return RESET;
	if (rc < 0)
		return fail("%s: %s", what, p9c_strerror(&c, rc));
	if (r->type == want)
		return DONE;
	if (r->type == P9_RERROR)
		return fail("%s: Rerror '%.*s'", what, r->ename.len, r->ename.s);
	return fail("%s: a reply of type %u, expected %u", what, r->type, want);
}

/* Twalk from the root to path ("/a/b": the names between the slashes);
 * whole: every name must be walked. */
static enum outcome walk(const char *path, uint32_t newfid, uint8_t want, bool whole,
			 struct p9_fcall *r)
{
	struct p9_fcall t = { .type = P9_TWALK, .fid = ROOT_FID, .newfid = newfid };
	for (const char *p = path, *end; *p; p = end) {
		while (*p == '/')
			p++;
		for (end = p; *end && *end != '/'; end++)
			;
		if (end == p)
			break;
		if (t.nwname == P9_MAXWELEM)
			return fail("%s: more than %d names", path, P9_MAXWELEM);
		t.wname[t.nwname++] = (struct p9_str){ p, (uint16_t)(end - p) };
	}
	enum outcome o = call(&t, r, want, path);
	if (o == DONE && whole && r->nwqid != t.nwname)
		return fail("walk %s: %u of %u names walked", path, r->nwqid, t.nwname);
	return o;
}

static enum outcome fid_call(uint8_t type, uint32_t fid, uint8_t want, struct p9_fcall *r,
			     const char *what)
{
	struct p9_fcall t = { .type = type, .fid = fid, .mode = P9_OREAD };
	return call(&t, r, want, what);
}

static enum outcome read_at(uint64_t offset, struct p9_fcall *r, const char *what)
{
	struct p9_fcall t = { .type = P9_TREAD, .fid = FID, .offset = offset, .count = c.iounit };
	enum outcome o = call(&t, r, P9_RREAD, what);
	if (o == DONE && r->count > c.iounit)
		return fail("%s: a read of %u bytes returned %u", what, c.iounit, r->count);
	return o;
}

static const char *basename(const char *path)
{
	const char *slash = path;
	for (const char *p = path; *p; p++)
		if (*p == '/')
			slash = p + 1;
	return slash;
}

/* Its Rstat must say what the walk and the tree say. */
static enum outcome check_stat(const struct fstree_file *f, const struct p9_qid *qid)
{
	struct p9_fcall r;
	enum outcome o = fid_call(P9_TSTAT, FID, P9_RSTAT, &r, f->path);
	if (o != DONE)
		return o;
	const struct p9_stat *st = &r.stat;
	if (st->length != f->size || !p9_str_eq(st->name, basename(f->path)) ||
	    st->qid.path != qid->path || st->qid.type != P9_QTFILE || st->mode != 0444)
		return fail("%s: stat says %.*s, %llu bytes, qid %llu type %u, mode %o", f->path,
			    st->name.len, st->name.s, (unsigned long long)st->length,
			    (unsigned long long)st->qid.path, st->qid.type, st->mode);
	return DONE;
}

static enum outcome fetch_file(const struct fstree_file *f, struct progress *p)
{
	struct p9_fcall r;
	enum outcome o = walk(f->path, FID, P9_RWALK, true, &r);
	if (o != DONE)
		return o;
	struct p9_qid qid = r.wqid[r.nwqid - 1];
	if ((o = fid_call(P9_TOPEN, FID, P9_ROPEN, &r, f->path)) != DONE)
		return o;
	if (r.qid.path != qid.path || r.iounit != c.iounit)
		return fail("%s: Ropen qid %llu iounit %u, expected %llu and %u", f->path,
			    (unsigned long long)r.qid.path, r.iounit,
			    (unsigned long long)qid.path, c.iounit);
	p->resumed_at = p->offset;	/* 0, unless a reset cut the last attempt */
	for (;;) {
		if ((o = read_at(p->offset, &r, f->path)) != DONE)
			return o;
		p->reads++;
		if (r.count == 0)
			break;
		if (r.count > f->size - p->offset)
			return fail("%s: %u bytes at offset %u, past its %u", f->path, r.count,
				    p->offset, f->size);
		memcpy(contents + p->offset, r.data, r.count);
		p->offset += r.count;
	}
	if (p->offset != f->size)
		return fail("%s: %u bytes, expected %u", f->path, p->offset, f->size);
	if ((o = check_stat(f, &qid)) != DONE ||
	    (o = fid_call(P9_TCLUNK, FID, P9_RCLUNK, &r, f->path)) != DONE)
		return o;

	uint32_t crc = crc32(contents, f->size);
	char resumed[40] = "";
	if (p->attempts > 1)
		snprintf(resumed, sizeof(resumed), ", resumed at %u", p->resumed_at);
	printf("fileclient: %s: %u bytes in %u reads, crc32 0x%08x%s\n", f->path, f->size,
	       p->reads, crc, resumed);
	files++;
	bytes += f->size;
	if (crc != f->crc32) {
		mismatches++;
		return fail("%s: crc32 0x%08x, expected 0x%08x", f->path, crc, f->crc32);
	}
	return DONE;
}

#define LISTING_SHOWN	64	/* bytes of names printed in full */

/* A directory's data: its entries' stat structures, back to back. */
static enum outcome list_dir(const struct fstree_dir *d)
{
	struct p9_fcall r;
	static char names[2048];	/* every entry's name, one space apart */
	uint32_t n = 0, len = 0;
	names[0] = 0;
	uint64_t offset = 0;
	enum outcome o = walk(d->path, FID, P9_RWALK, true, &r);
	if (o != DONE || (o = fid_call(P9_TOPEN, FID, P9_ROPEN, &r, d->path)) != DONE)
		return o;
	while ((o = read_at(offset, &r, d->path)) == DONE && r.count > 0) {
		for (uint32_t at = 0; at < r.count; n++) {
			struct p9_stat st;
			int32_t size = p9_stat_decode(r.data + at, r.count - at, &st);
			if (size < 0)
				return fail("%s: entry %u: %s", d->path, n, p9_strerror(size));
			len += (uint32_t)snprintf(names + len, sizeof(names) - len, "%s%.*s",
						  n ? " " : "", st.name.len, st.name.s);
			len = len < sizeof(names) ? len : sizeof(names) - 1;
			at += (uint32_t)size;
		}
		offset += r.count;
	}
	if (o != DONE || (o = fid_call(P9_TCLUNK, FID, P9_RCLUNK, &r, d->path)) != DONE)
		return o;
	/* A long listing is shown by its names' CRC-32: a console line
	 * holds SV_CONSOLE_LINE bytes (tests/boot_tests.py does the same). */
	if (len <= LISTING_SHOWN)
		printf("fileclient: %s: %u entr%s: %s\n", d->path, n, n == 1 ? "y" : "ies", names);
	else
		printf("fileclient: %s: %u entries, their names' crc32 0x%08x\n", d->path, n,
		       crc32(names, len));
	dirs++;
	entries += n;
	if (n != d->entries || strncmp(names, d->names, sizeof(names)) != 0) {
		listing_errors++;
		return fail("%s: expected %u entries: %s", d->path, d->entries, d->names);
	}
	return DONE;
}

/* An Rerror, saying ename if that is not NULL. */
static enum outcome expect_rerror(enum outcome o, const struct p9_fcall *r, const char *ename,
				  const char *what, uint32_t *seen)
{
	if (o != DONE)
		return o;
	if (ename && !p9_str_eq(r->ename, ename))
		return fail("%s: Rerror '%.*s', expected '%s'", what, r->ename.len, r->ename.s,
			    ename);
	(*seen)++;
	return DONE;
}

static enum outcome expect_errors(void)
{
	struct p9_fcall r;
	uint32_t seen = 0;
	enum outcome o = walk("/nosuchfile", PROBE_FID, P9_RERROR, false, &r);
	if ((o = expect_rerror(o, &r, "file does not exist", "walk /nosuchfile", &seen)) != DONE)
		return o;
	/* walk(5): a later name that fails is a short Rwalk, not an Rerror */
	if ((o = walk("/docs/nosuch.txt", PROBE_FID, P9_RWALK, false, &r)) != DONE)
		return o;
	if (r.nwqid != 1)
		return fail("walk /docs/nosuch.txt: an Rwalk of %u qids, expected 1", r.nwqid);
	o = fid_call(P9_TCLUNK, PROBE_FID, P9_RERROR, &r, "clunk after a short walk");
	if ((o = expect_rerror(o, &r, "fid unknown or out of range", "clunk after a short walk", &seen)) != DONE)
		return o;
	if ((o = walk("/README", PROBE_FID, P9_RWALK, true, &r)) != DONE)
		return o;
	struct p9_fcall t = { .type = P9_TOPEN, .fid = PROBE_FID, .mode = P9_OWRITE };
	o = call(&t, &r, P9_RERROR, "open /README for writing");
	if ((o = expect_rerror(o, &r, NULL, "open /README for writing", &seen)) != DONE ||
	    (o = fid_call(P9_TCLUNK, PROBE_FID, P9_RCLUNK, &r, "clunk /README")) != DONE)
		return o;
	t = (struct p9_fcall){ .type = P9_TREAD, .fid = ROOT_FID, .count = 100 };
	o = call(&t, &r, P9_RERROR, "read the root, not opened");
	if ((o = expect_rerror(o, &r, "bad use of fid", "read the root, not opened", &seen)) != DONE)
		return o;
	errors_seen = seen;
	return DONE;
}

static enum outcome run_step(uint32_t step, struct progress *p)
{
	if (step < FSTREE_FILES)
		return fetch_file(&fstree_files[step], p);
	if (step < FSTREE_FILES + FSTREE_DIRS)
		return list_dir(&fstree_dirs[step - FSTREE_FILES]);
	return expect_errors();
}

static const char *step_name(uint32_t step)
{
	if (step < FSTREE_FILES)
		return fstree_files[step].path;
	if (step < FSTREE_FILES + FSTREE_DIRS)
		return fstree_dirs[step - FSTREE_FILES].path;
	return "the error checks";
}

static bool start_session(const char *service, uint32_t wait_ms)
{
	int32_t rc = p9c_connect(&c, service, wait_ms);
	if (rc == 0)
		rc = p9c_attach(&c, ROOT_FID, "fileclient");
	if (rc < 0) {
		fail("connect to '%s' and attach: %s", service, p9c_strerror(&c, rc));
		return false;
	}
	printf("fileclient: connected to '%s' (domain %d), msize %u\n", service,
	       msg_peer(c.conn), c.msize);
	return true;
}

int main(const struct sv_start_info *si)
{
	(void)si;
	char service[MSG_NAME_MAX] = "files";
	sv_cmdline_get("service", service, sizeof(service));
	uint32_t wait_ms = sv_cmdline_uint("wait_ms", 20000);
	uint32_t start_after_ms = sv_cmdline_uint("start_after_ms", 0);
	int32_t rc = msg_init((sv_share_t)sv_cmdline_uint("ns", MSG_NS_SHARE));
	if (rc < 0) {
		printf("fileclient: msg_init: %s\n", msg_strerror(rc));
		return 1;
	}
	if (start_after_ms)
		sv_sleep_ns(start_after_ms * 1000000ull);
	uint32_t reconnects = 0;
	struct progress p = { .attempts = 1 };
	bool up = start_session(service, wait_ms);
	for (uint32_t step = 0; up && step < NSTEPS;) {
		if (run_step(step, &p) != RESET) {
			step++;
			p = (struct progress){ .attempts = 1 };
			continue;
		}
		printf("fileclient: connection reset during %s; connecting again\n",
		       step_name(step));
		p9c_close(&c);
		p.attempts++;
		up = ++reconnects <= MAX_RECONNECTS && start_session(service, wait_ms);
	}
	p9c_close(&c);

	printf("fileclient: %u files, %u bytes, ", files, bytes);
	if (mismatches == 0 && files == FSTREE_FILES)
		printf("all checksums match");
	else
		printf("%u checksums differ, %u files not read", mismatches, FSTREE_FILES - files);
	printf(", %u reconnect%s\n", reconnects, reconnects == 1 ? "" : "s");
	bool listed = listing_errors == 0 && dirs == FSTREE_DIRS;
	printf("fileclient: %u directories, %u entries, %s\n", dirs, entries,
	       listed ? "all listings match" : "listings differ");
	printf("fileclient: %u error replies, %s\n", errors_seen,
	       errors_seen == EXPECTED_ERRORS ? "as expected" : "expected 4");
	bool ok = up && failures == 0 && errors_seen == EXPECTED_ERRORS;
	printf("fileclient: %s\n", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}
