/*
 * filebench: the 9P file service's read cost (guests/fileserver.c over
 * the message transport), measured with rdtsc (one tick is one
 * instruction under QEMU -icount shift=0). Domain 0 is the introducer
 * (guests/msgns), the server is guests/fileserver, this is the client:
 *
 *   p9_read_iounit  one Tread of a full iounit (32744 bytes) and its
 *                   Rread: encode, two message transfers, decode, the
 *                   server's lookup and copies
 *   file_read_big   /data/big.bin (100 KiB) whole: Twalk, Topen, the
 *                   Treads until one returns 0, Tclunk
 *   file_read_64k   the same scaled to 64 KiB moved, to set next to
 *                   memcpy_65536 and Linux's pipe bulk per 64 KiB
 *
 * Every read's bytes are checked against the CRC-32 that
 * tools/mkfstree.py built in (outside the timed part), so a figure can
 * only come from reading the right file.
 */
#include "bench.h"
#include "crc32.h"
#include "fstree_client.h"
#include "ninep_client.h"

#define MAX_ROUNDS	101
#define ROOT_FID	0
#define FID		1
#define BIG		"/data/big.bin"

static struct p9_client c;
static uint8_t contents[FSTREE_MAX_FILE], first_read[MSG_MAX];
static uint32_t samples[MAX_ROUNDS], rounds;

static const struct fstree_file *find(const char *path)
{
	for (uint32_t i = 0; i < FSTREE_FILES; i++)
		if (strncmp(fstree_files[i].path, path, sizeof(BIG)) == 0)
			return &fstree_files[i];
	return NULL;
}

/* One request whose reply must be of type want; false (and a line) if not. */
static bool call(struct p9_fcall *t, struct p9_fcall *r, uint8_t want)
{
	int32_t rc = p9c_rpc(&c, t, r);
	if (rc == 0 && r->type == want)
		return true;
	printf("filebench: request type %u: %s, reply type %u\n", t->type,
	       rc ? p9c_strerror(&c, rc) : "no error", rc ? 0 : r->type);
	return false;
}

/* Walk FID to /data/big.bin and open it for reading. */
static bool open_big(void)
{
	struct p9_fcall t = { .type = P9_TWALK, .fid = ROOT_FID, .newfid = FID, .nwname = 2 }, r;
	t.wname[0] = (struct p9_str){ "data", 4 };
	t.wname[1] = (struct p9_str){ "big.bin", 7 };
	if (!call(&t, &r, P9_RWALK) || r.nwqid != 2)
		return false;
	t = (struct p9_fcall){ .type = P9_TOPEN, .fid = FID, .mode = P9_OREAD };
	return call(&t, &r, P9_ROPEN);
}

/* Read FID from offset 0 into contents until a read returns 0: the
 * bytes read, or -1. */
static int32_t read_all(void)
{
	struct p9_fcall t = { .type = P9_TREAD, .fid = FID, .count = c.iounit }, r;
	uint32_t got = 0;
	for (;;) {
		t.offset = got;
		if (!call(&t, &r, P9_RREAD) || r.count > sizeof(contents) - got)
			return -1;
		if (r.count == 0)
			return (int32_t)got;
		memcpy(contents + got, r.data, r.count);
		got += r.count;
	}
}

static bool clunk(void)
{
	struct p9_fcall t = { .type = P9_TCLUNK, .fid = FID }, r;
	return call(&t, &r, P9_RCLUNK);
}

/* Did the whole file arrive? */
static bool check(const struct fstree_file *f, uint32_t got)
{
	uint32_t crc = crc32(contents, got);
	if (got == f->size && crc == f->crc32)
		return true;
	printf("filebench: %s: %u bytes, crc32 0x%08x (expected %u, 0x%08x)\n", f->path, got,
	       crc, f->size, f->crc32);
	return false;
}

int main(const struct sv_start_info *si)
{
	(void)si;
	const struct fstree_file *big = find(BIG);
	rounds = bench_rounds(MAX_ROUNDS);
	if (!big || msg_init(MSG_NS_SHARE) < 0 || p9c_connect(&c, "files", 20000) < 0 ||
	    p9c_attach(&c, ROOT_FID, "bench") < 0 || !open_big())
		return 1;

	/* One full Tread at offset 0, again and again. */
	struct p9_fcall t = { .type = P9_TREAD, .fid = FID, .count = c.iounit }, r;
	for (uint32_t i = 0; i < rounds; i++) {
		uint64_t t0 = rdtsc();
		bool ok = call(&t, &r, P9_RREAD);
		samples[i] = (uint32_t)(rdtsc() - t0);
		if (!ok || r.count != c.iounit)
			return 1;
	}
	memcpy(first_read, r.data, r.count);	/* checked against the whole file below */
	bench_report("p9_read_iounit", samples, rounds);
	if (!clunk())
		return 1;

	/* The whole file, from the walk to the clunk. */
	for (uint32_t i = 0; i < rounds; i++) {
		memset(contents, 0, sizeof(contents));
		uint64_t t0 = rdtsc();
		int32_t got = open_big() ? read_all() : -1;
		bool ok = got >= 0 && clunk();
		samples[i] = (uint32_t)(rdtsc() - t0);
		if (!ok || !check(big, (uint32_t)got))
			return 1;
	}
	if (memcmp(first_read, contents, c.iounit) != 0) {
		printf("filebench: the repeated Tread returned other bytes than the file's first\n");
		return 1;
	}
	bench_report("file_read_big", samples, rounds);
	for (uint32_t i = 0; i < rounds; i++)
		samples[i] = (uint32_t)((uint64_t)samples[i] * 65536 / big->size);
	bench_report("file_read_64k", samples, rounds);
	p9c_close(&c);
	return 0;
}
