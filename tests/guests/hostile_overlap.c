/*
 * hostile_overlap: sg lists whose entries name the same bytes more than
 * once. The rule that defines such a transfer is "copy the entries in
 * order": the source entries, read in order, make one stream of bytes;
 * the stream is written into the destination entries in order, so where
 * two destination entries overlap the later one's bytes stay; the count
 * goes into the length word after the data. Every byte that lands is
 * checked against that rule (sg_model in shares.h), and every byte
 * around it is checked to be untouched.
 *
 *   module line: hostile_overlap.elf name=NAME   (domain 0, alone)
 *
 * Domain 0 gets a share and transfers to itself (peer 0) between two
 * arenas of its own memory, SRC and DST, 3 pages each, so the overlaps
 * are within one side of a transfer. Each case runs in both directions:
 *
 *   SEND  our list is the source, a registered SV_SG_IN list the
 *         destination
 *   RECV  a registered SV_SG_OUT list is the source, our list the
 *         destination
 *
 * so that each overlapping list is used both as the caller's list and as
 * a registered one. The array given to sg_register is overwritten right
 * after the call (the hypervisor must use its own copy). Then the lists
 * that overlap their own bookkeeping: a length word inside the
 * destination (it ends up holding the count) or inside the source (the
 * data is copied first), and a caller's list array inside the very bytes
 * the transfer overwrites (the entries are the ones given at the call).
 *
 * It prints "N transfers, N events, B bytes" at the end: 16, 16, 7600.
 */
#include "shares.h"

#define PORT		6
#define ARENA		(3 * SV_PAGE_SIZE)
#define UNSET		0xFFFFFFFFu
#define NONE		0	/* where a length word or list array lives: */
#define SRC		1	/* in the SRC arena */
#define DST		2	/* in the DST arena */
#define BOTH		(1u << SV_XFER_SEND | 1u << SV_XFER_RECV)

/* Entries are offsets into their arena: source entries into SRC,
 * destination entries into DST. */
struct ocase {
	const char *name;
	uint32_t dirs;			/* 1 << SV_XFER_SEND, 1 << SV_XFER_RECV */
	uint32_t nsrc, ndst;
	struct sv_sg src[SV_SG_MAX_ENTRIES], dst[SV_SG_MAX_ENTRIES];
	uint32_t len_in, len_at;	/* the registered list's length word */
	uint32_t array_in, array_at;	/* the caller's list array */
};

static const struct ocase cases[] = {
	{ .name = "a destination entry twice", .dirs = BOTH,
	  .nsrc = 1, .src = { { 0, 200 } },
	  .ndst = 2, .dst = { { 4000, 100 }, { 4000, 100 } } },
	{ .name = "a source entry three times", .dirs = BOTH,
	  .nsrc = 3, .src = { { 4050, 100 }, { 4050, 100 }, { 4050, 100 } },
	  .ndst = 1, .dst = { { 10, 300 } } },
	{ .name = "partial overlaps, cut to the destination", .dirs = BOTH,
	  .nsrc = 3, .src = { { 4090, 10 }, { 4085, 20 }, { 4000, 200 } },
	  .ndst = 4, .dst = { { 8190, 30 }, { 8170, 40 }, { 8200, 5 }, { 0, 50 } } },
	{ .name = "nested and backwards", .dirs = BOTH,
	  .nsrc = 3, .src = { { 8000, 500 }, { 8100, 50 }, { 7900, 300 } },
	  .ndst = 3, .dst = { { 100, 800 }, { 300, 100 }, { 50, 10 } } },
	{ .name = "the same two bytes sixteen times", .dirs = BOTH,
	  .nsrc = 16, .src = { [0 ... 15] = { 4095, 2 } },
	  .ndst = 16, .dst = { [0 ... 15] = { 8191, 2 } } },
	{ .name = "the length word inside the destination", .dirs = 1u << SV_XFER_SEND,
	  .nsrc = 1, .src = { { 0, 100 } }, .ndst = 1, .dst = { { 100, 100 } },
	  .len_in = DST, .len_at = 196 },
	{ .name = "the length word inside the source", .dirs = 1u << SV_XFER_RECV,
	  .nsrc = 1, .src = { { 0, 100 } }, .ndst = 1, .dst = { { 0, 100 } },
	  .len_in = SRC, .len_at = 40 },
	{ .name = "our list inside the destination", .dirs = 1u << SV_XFER_SEND,
	  .nsrc = 2, .src = { { 0, 40 }, { 1000, 24 } }, .ndst = 1, .dst = { { 0, 64 } },
	  .array_in = DST, .array_at = 0 },
	{ .name = "our list inside the destination", .dirs = 1u << SV_XFER_RECV,
	  .nsrc = 1, .src = { { 500, 64 } }, .ndst = 1, .dst = { { 0, 64 } },
	  .array_in = DST, .array_at = 8 },
};

static sv_share_t id;
static uint8_t arena[2][ARENA] __attribute__((aligned(SV_PAGE_SIZE)));	/* SRC, DST */
static uint8_t want[2][ARENA];		/* what the arenas must hold after */
static uint32_t len, transfers, moved;

static uint8_t *place(uint32_t in, uint32_t at)
{
	return in == NONE ? NULL : &arena[in - 1][at];
}

/* The model's byte for a guest address in one of the arenas. */
static uint8_t *model_at(uint32_t va)
{
	for (uint32_t a = 0; a < 2; a++)
		if (va - (uint32_t)arena[a] < ARENA)
			return &want[a][va - (uint32_t)arena[a]];
	CHECK(false, "the model was asked for %#x, outside the arenas", va);
	return &want[0][0];
}

static void absolute(struct sv_sg *out, const struct sv_sg *in, uint32_t n, const uint8_t *base)
{
	for (uint32_t i = 0; i < n; i++)
		out[i] = (struct sv_sg){ (uint32_t)base + in[i].addr, in[i].len };
}

/* One case in one direction: set up, model, transfer, compare. */
static void run(const struct ocase *c, uint32_t dir, uint32_t seed)
{
	static struct sv_sg src[SV_SG_MAX_ENTRIES], dst[SV_SG_MAX_ENTRIES];
	static struct sv_sg reg[SV_SG_MAX_ENTRIES];	/* given to sg_register */
	bool send = dir == SV_XFER_SEND;
	uint32_t *len_va = c->len_in ? (uint32_t *)place(c->len_in, c->len_at) : &len;
	struct sv_sg *mine = c->array_in ? (struct sv_sg *)place(c->array_in, c->array_at)
					 : (send ? src : dst);

	fill_stream(arena[0], ARENA, seed);
	fill_stream(arena[1], ARENA, seed + 1);
	len = UNSET;
	absolute(src, c->src, c->nsrc, arena[0]);
	absolute(dst, c->dst, c->ndst, arena[1]);
	memcpy(mine, send ? src : dst, (send ? c->nsrc : c->ndst) * sizeof(*mine));
	memcpy(want, arena, sizeof(want));
	uint32_t bytes = sg_model(model_at, model_at, src, c->nsrc, dst, c->ndst);
	if (c->len_in)
		memcpy(model_at((uint32_t)len_va), &bytes, 4);	/* after the data */

	memcpy(reg, send ? dst : src, (send ? c->ndst : c->nsrc) * sizeof(reg[0]));
	int32_t h = sv_sg_register(id, send ? SV_SG_IN : SV_SG_OUT, reg, send ? c->ndst : c->nsrc,
				   len_va);
	for (uint32_t i = 0; i < SV_SG_MAX_ENTRIES; i++)
		reg[i] = (struct sv_sg){ (uint32_t)arena[1], 1 };	/* must not matter now */
	int32_t rc = sv_sg_xfer(id, dir, 0, mine, send ? c->nsrc : c->ndst);

	const char *way = send ? "SEND" : "RECV";
	if (!CHECK(h >= 0 && rc == (int32_t)bytes, "%s, %s: register %d, transfer %d (%s), "
		   "expected %u bytes", c->name, way, h, rc, sv_strerror(rc), bytes))
		return;
	if (!c->len_in)
		CHECK(len == bytes, "%s, %s: length word %u, expected %u", c->name, way, len, bytes);
	char what[96];
	snprintf(what, sizeof(what), "%s, %s: SRC", c->name, way);
	CHECK_BYTES(what, arena[0], want[0], ARENA);
	snprintf(what, sizeof(what), "%s, %s: DST", c->name, way);
	CHECK_BYTES(what, arena[1], want[1], ARENA);
	CHECK_RC(sv_sg_unregister(id, h), SV_ENOENT);	/* used up */
	transfers++;
	moved += bytes;
}

/* Sixteen entries a side, each somewhere in a 500-byte window across a
 * page boundary (source) or 400 bytes (destination): they overlap
 * everywhere. */
static struct ocase random_case(void)
{
	struct ocase c = { .name = "sixteen random overlapping entries a side", .dirs = BOTH,
			   .nsrc = 16, .ndst = 16 };
	uint32_t x = 12345;
	for (uint32_t i = 0; i < 16; i++) {
		x = x * 1103515245u + 12345u;
		c.src[i].len = 1 + (x >> 16) % 300;
		c.src[i].addr = 3900 + (x >> 8) % (500 - c.src[i].len);
		x = x * 1103515245u + 12345u;
		c.dst[i].len = 1 + (x >> 16) % 300;
		c.dst[i].addr = 8000 + (x >> 8) % (400 - c.dst[i].len);
	}
	return c;
}

int main(const struct sv_start_info *start)
{
	(void)start;
	events_init(count_event);
	uint32_t free0 = free_frames();
	id = own_share(1, PORT, 0);
	if (id < 0)
		return xtf_verdict("hostile_overlap");

	static struct ocase rnd;
	rnd = random_case();
	uint32_t seed = 1;
	for (uint32_t i = 0; i <= sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ocase *c = i < sizeof(cases) / sizeof(cases[0]) ? &cases[i] : &rnd;
		for (uint32_t dir = SV_XFER_SEND; dir <= SV_XFER_RECV; dir++, seed += 2)
			if (c->dirs & (1u << dir))
				run(c, dir, seed);
	}

	/* No list is left, and every transfer raised our port once. */
	const struct sv_sg one = { (uint32_t)arena[0], 1 };
	CHECK_RC(sv_sg_xfer(id, SV_XFER_SEND, 0, &one, 1), SV_EAGAIN);
	CHECK_RC(sv_sg_xfer(id, SV_XFER_RECV, 0, &one, 1), SV_EAGAIN);
	CHECK_EQ(port_events[PORT], transfers);
	drop_and_destroy(id);
	CHECK_EQ(free_frames(), free0);
	printf("%u transfers, %u events, %u bytes\n", transfers, port_events[PORT], moved);
	return xtf_verdict("hostile_overlap");
}
