/*
 * hostile_wrap: address/length pairs whose end wraps past 4 GiB (or whose
 * size in bytes wraps a 32-bit multiply or sum), in every share operation
 * that takes a guest range, and in console_write. Each is refused with the
 * error include/sharevisor.h documents, and changes nothing: no list, no
 * watch, no mapping, no byte written or printed, no frame lost.
 *
 *   module line: hostile_wrap.elf name=NAME   (domain 0, alone)
 *
 * Domain 0 gets S (4 pages) itself (peer 0). Groups, each followed by a
 * check that the free frames did not move:
 *
 *   sg lists    as the list of sg_register (both kinds) and of sg_xfer
 *               (both ways): an entry that runs past 4 GiB, one that ends
 *               exactly there, lengths that sum to 2^32 (+16), 16 entries
 *               of 2^28, an array that wraps or crosses 0xC0000000, 2^29
 *               entries (whose size in bytes is 2^32: 0 in 32 bits). After
 *               the registrations nothing is registered (SV_EAGAIN); the
 *               transfers leave a registered IN and OUT list untouched,
 *               usable afterwards. A length word that wraps. And exactly at
 *               the top: with S mapped at 0xBFFFC000, an entry that ends at
 *               0xC0000000 is fine, one byte more is SV_EFAULT.
 *   watches     counters at 0xFFFFFFFC/E/F, offsets up to 0xFFFFFFFF: no
 *               watch added, the counter not written
 *   share_map   at addresses from which 4 pages wrap or reach 0xC0000000
 *   share_info  a status that wraps, reaches 0xC0000000, or runs off the
 *               end of our memory (whose mapped part stays as it was)
 *   console     ranges that wrap, and 0xFFFFFFFF-byte lengths (taken as
 *               1024, which still runs off): each prints
 *               "console_write(WHAT) []", nothing between the brackets
 *
 * Where the header allows two errors (a length past SV_SG_MAX_BYTES that
 * also runs off mapped memory: "which of them is returned is not
 * specified"), either is accepted. It prints "N refusals".
 */
#include "shares.h"

#define NPAGES		4
#define BYTES		(NPAGES * SV_PAGE_SIZE)
#define PORT		4
#define TOP_VA		(SV_GUEST_LIMIT - BYTES)
#define UNSET		0xFFFFFFFFu

static sv_share_t S;
static const struct sv_start_info *si;
static uint32_t refusals;

static void refused(int line, const char *what, int32_t rc, int32_t want, int32_t or_this)
{
	refusals++;
	xtf_check(rc == want || rc == or_this, line, "%s: %d (%s), expected %s%s%s", what, rc,
		  sv_strerror(rc), sv_strerror(want), want == or_this ? "" : " or ",
		  want == or_this ? "" : sv_strerror(or_this));
}

#define REFUSED(what, rc, want) refused(__LINE__, (what), (rc), (want), (want))
#define REFUSED2(what, rc, want, or_this) refused(__LINE__, (what), (rc), (want), (or_this))

/* ---- sg lists */

struct wrap_list {
	const char *what;
	uint32_t n;		/* entries (the array is always good) */
	struct sv_sg e[SV_SG_MAX_ENTRIES];
	int32_t rc, or_this;
};

#define H	0x00400000u	/* replaced by our heap's start */

static struct wrap_list lists[] = {
	{ "an entry past 4 GiB", 1, { { 0xFFFFF000u, 0x2000 } }, SV_EFAULT, SV_EFAULT },
	{ "an entry of the last byte and one more", 1, { { 0xFFFFFFFFu, 2 } }, SV_EFAULT,
	  SV_EFAULT },
	{ "an entry that ends at 4 GiB", 1, { { 0xFFFFFF00u, 0x100 } }, SV_EFAULT, SV_EFAULT },
	{ "a good entry, then one that wraps", 2, { { H, 16 }, { 0xFFFFFFF0u, 0x20 } },
	  SV_EFAULT, SV_EFAULT },
	{ "two lengths summing to 2^32", 2, { { H, 0x80000000u }, { H, 0x80000000u } },
	  SV_EINVAL, SV_EFAULT },
	{ "two lengths summing to 2^32 + 16", 2, { { H, 0xFFFFFFF0u }, { H, 0x20 } },
	  SV_EINVAL, SV_EFAULT },
	{ "0xffffffff and 1", 2, { { H, 0xFFFFFFFFu }, { H, 1 } }, SV_EINVAL, SV_EFAULT },
	{ "sixteen entries of 2^28", 16, { [0 ... 15] = { H, 0x10000000u } }, SV_EINVAL,
	  SV_EFAULT },
};
#define NLISTS	(sizeof(lists) / sizeof(lists[0]))

/* Bad arrays: where they lie, how many entries. */
struct wrap_array {
	const char *what;
	uint32_t va, n;
	int32_t rc;
};

static struct sv_sg good[SV_SG_MAX_ENTRIES];	/* 16 good entries */

static const struct wrap_array arrays[] = {
	{ "an array that wraps", 0xFFFFFFF8u, 2, SV_EFAULT },
	{ "an array across 0xc0000000", 0xBFFFFFF8u, 2, SV_EFAULT },
	{ "2^29 entries (2^32 bytes)", 0, 0x20000000u, SV_EINVAL },
	{ "2^29 + 1 entries (8 bytes in 32 bits)", 0, 0x20000001u, SV_EINVAL },
	{ "0xffffffff entries", 0, 0xFFFFFFFFu, SV_EINVAL },
};
#define NARRAYS	(sizeof(arrays) / sizeof(arrays[0]))

static void test_sg_register(void)
{
	static uint32_t len = UNSET;
	for (uint32_t dir = SV_SG_IN; dir <= SV_SG_OUT; dir++) {
		for (uint32_t i = 0; i < NLISTS; i++)
			REFUSED2(lists[i].what, sv_sg_register(S, dir, lists[i].e, lists[i].n, &len),
				 lists[i].rc, lists[i].or_this);
		for (uint32_t i = 0; i < NARRAYS; i++) {
			uint32_t va = arrays[i].va ? arrays[i].va : (uint32_t)good;
			REFUSED(arrays[i].what, sv_hypercall(SV_OP_SG_REGISTER, (uint32_t)S, dir, va,
							     arrays[i].n, (uint32_t)&len),
				arrays[i].rc);
		}
	}
	static const uint32_t bad_len[] = { 0xFFFFFFFEu, 0xFFFFFFFCu, 0xBFFFFFFEu };
	for (uint32_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++)
		REFUSED("a length word that wraps or reaches 0xc0000000",
			sv_sg_register(S, SV_SG_IN, good, 1, (uint32_t *)bad_len[i]), SV_EFAULT);
	CHECK_EQ(len, UNSET);
	CHECK_RC(sv_sg_xfer(S, SV_XFER_SEND, 0, good, 1), SV_EAGAIN);	/* none registered */
	CHECK_RC(sv_sg_xfer(S, SV_XFER_RECV, 0, good, 1), SV_EAGAIN);
}

static void test_sg_xfer(void)
{
	static uint8_t in[64], out[64], mine[64], was_in[64];
	static uint32_t in_len = UNSET, out_len = UNSET;

	fill_stream(in, sizeof(in), 2);
	memcpy(was_in, in, sizeof(in));
	fill_stream(out, sizeof(out), 3);
	CHECK(sv_sg_register(S, SV_SG_IN, &(struct sv_sg){ (uint32_t)in, 64 }, 1, &in_len) >= 0,
	      "IN list");
	CHECK(sv_sg_register(S, SV_SG_OUT, &(struct sv_sg){ (uint32_t)out, 64 }, 1, &out_len) >= 0,
	      "OUT list");
	for (uint32_t dir = SV_XFER_SEND; dir <= SV_XFER_RECV; dir++) {
		for (uint32_t i = 0; i < NLISTS; i++)
			REFUSED2(lists[i].what, sv_sg_xfer(S, dir, 0, lists[i].e, lists[i].n),
				 lists[i].rc, lists[i].or_this);
		for (uint32_t i = 0; i < NARRAYS; i++) {
			uint32_t va = arrays[i].va ? arrays[i].va : (uint32_t)good;
			REFUSED(arrays[i].what, sv_hypercall(SV_OP_SG_XFER, (uint32_t)S, dir, 0, va,
							     arrays[i].n),
				arrays[i].rc);
		}
	}
	/* Both lists are still there, untouched, and work. */
	CHECK_EQ(in_len, UNSET);
	CHECK_EQ(out_len, UNSET);
	CHECK_BYTES("the IN list's buffer", in, was_in, 64);
	fill_stream(mine, sizeof(mine), 4);
	CHECK_EQ(sv_sg_xfer(S, SV_XFER_SEND, 0, &(struct sv_sg){ (uint32_t)mine, 64 }, 1), 64);
	CHECK_BYTES("the IN list after the refusals", in, mine, 64);
	CHECK_EQ(sv_sg_xfer(S, SV_XFER_RECV, 0, &(struct sv_sg){ (uint32_t)mine, 64 }, 1), 64);
	CHECK_BYTES("the OUT list after the refusals", mine, out, 64);
	CHECK_EQ(in_len + out_len, 128);
}

/* S mapped as high as it goes: entries may end exactly at the limit. */
static void test_sg_at_the_top(void)
{
	static uint32_t len, in_len;
	static uint8_t in[32];
	CHECK_RC(sv_share_map(S, TOP_VA, 0), SV_OK);
	int32_t h = sv_sg_register(S, SV_SG_IN, &(struct sv_sg){ SV_GUEST_LIMIT - 16, 16 }, 1,
				   &len);
	CHECK(h >= 0, "an entry ending at 0xc0000000: %d (%s)", h, sv_strerror(h));
	CHECK_RC(sv_sg_unregister(S, h), SV_OK);
	REFUSED("an entry one byte past 0xc0000000",
		sv_sg_register(S, SV_SG_IN, &(struct sv_sg){ SV_GUEST_LIMIT - 16, 17 }, 1, &len),
		SV_EFAULT);
	h = sv_sg_register(S, SV_SG_IN, &(struct sv_sg){ (uint32_t)in, 32 }, 1, &in_len);
	REFUSED("a transfer one byte past 0xc0000000",
		sv_sg_xfer(S, SV_XFER_SEND, 0, &(struct sv_sg){ SV_GUEST_LIMIT - 16, 17 }, 1),
		SV_EFAULT);
	CHECK_RC(sv_sg_unregister(S, h), SV_OK);		/* still there */
	CHECK_RC(sv_share_unmap(S), SV_OK);
}

/* ---- watches */

static void test_watch(void)
{
	static uint32_t c = 5;
	/* (0x80000000 is offset 0 with SV_TRIGGER_WAIT for a trigger: the
	 * others are past the share with the flag or without.) */
	static const uint32_t bad_offsets[] = { BYTES, 0x7FFFFFFFu, 0xFFFFF000u, 0xFFFFFFFCu,
						0xFFFFFFFFu, 0x80000000u | BYTES };

	REFUSED("a counter at 0xfffffffc", sv_watch(S, 100, (uint32_t *)0xFFFFFFFCu), SV_EFAULT);
	REFUSED("a counter at 0xbffffffc", sv_watch(S, 100, (uint32_t *)0xBFFFFFFCu), SV_EFAULT);
	REFUSED2("a counter at 0xfffffffe", sv_watch(S, 100, (uint32_t *)0xFFFFFFFEu), SV_EINVAL,
		 SV_EFAULT);
	REFUSED2("a counter at 0xffffffff", sv_watch(S, 100, (uint32_t *)0xFFFFFFFFu), SV_EINVAL,
		 SV_EFAULT);
	for (uint32_t i = 0; i < sizeof(bad_offsets) / sizeof(bad_offsets[0]); i++) {
		REFUSED("a watch on an offset past the share", sv_watch(S, bad_offsets[i], &c),
			SV_EINVAL);
		REFUSED("a trigger of an offset past the share", sv_trigger(S, bad_offsets[i]),
			SV_EINVAL);
		REFUSED("an unwatch of an offset past the share", sv_unwatch(S, bad_offsets[i], &c),
			SV_ENOENT);
	}
	CHECK_EQ(sv_trigger(S, 100), 0);		/* no watch was added */
	CHECK_EQ(sv_trigger(S, BYTES - 1), 0);
	CHECK_EQ(c, 5);
}

/* ---- share_map and share_info */

static void test_map(void)
{
	static const uint32_t wraps[] = { 0xFFFFF000u, 0xFFFFE000u, 0xFFFFC000u, TOP_VA + 0x1000,
					  SV_GUEST_LIMIT };
	for (uint32_t i = 0; i < sizeof(wraps) / sizeof(wraps[0]); i++) {
		REFUSED("a mapping that wraps or reaches 0xc0000000", sv_share_map(S, wraps[i], 0),
			SV_EFAULT);
		CHECK_EQ(status_of(S).mapped_at, 0);
	}
	REFUSED2("a mapping at 0xffffffff", sv_share_map(S, 0xFFFFFFFFu, 0), SV_EINVAL, SV_EFAULT);
	CHECK(!writable(TOP_VA), "a refused mapping left %#x mapped", TOP_VA);
	CHECK_RC(sv_share_map(S, TOP_VA, 0), SV_OK);		/* the highest that fits */
	CHECK(writable(SV_GUEST_LIMIT - 8), "the top of the mapping is not writable");
	CHECK_RC(sv_share_unmap(S), SV_OK);
}

static void test_info(void)
{
	static const uint32_t wraps[] = { 0xFFFFFFF0u, 0xFFFFFFE8u, 0xFFFFFFFFu, 0xBFFFFFF0u };
	for (uint32_t i = 0; i < sizeof(wraps) / sizeof(wraps[0]); i++)
		REFUSED("a status that wraps or reaches 0xc0000000",
			sv_share_info(S, (struct sv_share_status *)wraps[i]), SV_EFAULT);

	/* Half of it in our last page: refused, and that half untouched. */
	uint8_t *end = (uint8_t *)si->heap_end - 12;
	uint8_t was[12];
	fill_stream(end, 12, 5);
	memcpy(was, end, 12);
	REFUSED("a status that runs off our memory",
		sv_share_info(S, (struct sv_share_status *)end), SV_EFAULT);
	CHECK_BYTES("the end of our memory", end, was, 12);
}

/* ---- console */

struct wrap_write {
	const char *what;
	uint32_t va, len;
};

static void test_console(void)
{
	const struct wrap_write writes[] = {
		{ "0xfffffff0+0x20", 0xFFFFFFF0u, 0x20 },
		{ "0xffffffff+2", 0xFFFFFFFFu, 2 },
		{ "heap end-16+0xffffffff", si->heap_end - 16, 0xFFFFFFFFu },
		{ "0xbffffc00+0xffffffff", 0xBFFFFC00u, 0xFFFFFFFFu },
		{ "0xbffffff0+0x40000020", 0xBFFFFFF0u, 0x40000020u },
	};
	for (uint32_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		printf("console_write(%s) [", writes[i].what);
		int32_t rc = sv_hypercall(SV_OP_CONSOLE_WRITE, writes[i].va, writes[i].len, 0, 0, 0);
		printf("]\n");
		REFUSED(writes[i].what, rc, SV_EFAULT);
	}
}

int main(const struct sv_start_info *start)
{
	si = start;
	uint32_t base = free_frames();
	for (uint32_t i = 0; i < SV_SG_MAX_ENTRIES; i++)
		good[i] = (struct sv_sg){ si->heap_start + i * 64, 64 };
	for (uint32_t i = 0; i < NLISTS; i++)
		for (uint32_t k = 0; k < lists[i].n; k++)
			if (lists[i].e[k].addr == H)
				lists[i].e[k].addr = si->heap_start;

	S = own_share(NPAGES, PORT, 0);
	if (S < 0)
		return xtf_verdict("hostile_wrap");

	group("sg_register", test_sg_register);
	group("sg_xfer", test_sg_xfer);
	group("sg at the top", test_sg_at_the_top);
	group("watch", test_watch);
	group("share_map", test_map);
	group("share_info", test_info);
	group("console_write", test_console);

	drop_and_destroy(S);
	CHECK_EQ(free_frames(), base);
	printf("%u refusals\n", refusals);
	return xtf_verdict("hostile_wrap");
}
