/*
 * hostile_alias: sg lists that name the share's own pages on both sides
 * of a transfer. Domain 0 and a peer both map share S; the peer's lists
 * and their length words lie in its mapping, domain 0's lists in its own
 * mapping: the hypervisor copies from S's frames into S's frames, reached
 * through two page tables at two different addresses, and must not be
 * confused by it.
 *
 *   module lines: hostile_alias.elf name=NAME role=dom0 peer=1
 *                 hostile_alias.elf name=NAME role=peer share=32
 *
 * The peer gets S (peer id 1), maps it at PEER_VA, registers the lists
 * below, every length word in S too, and triggers OFF_READY. Domain 0,
 * which maps S at DOM0_VA, then makes one transfer per list (the oldest
 * list of a kind goes first) and checks all of S and its own buffers
 * after each:
 *
 *   IN  "disjoint"      S[3000..5000) <- S[7000..9000)
 *   IN  "the same"      S[4000..4300) <- S[4000..4300): nothing changes
 *   IN  "mixed"         two pieces of S <- domain 0's memory, S, its memory
 *   IN  "up by one"     S[4001..5001) <- S[4000..5000)
 *   OUT "disjoint"      S[500..2000) <- S[8000..9500)
 *   OUT "the same"      two pieces of S onto themselves
 *   OUT "down by one"   S[4999..5899) <- S[5000..5900)
 *
 * Where source and destination do not overlap, or are the same bytes, the
 * result is exact (sg_model in shares.h). Where they overlap shifted, the
 * header does not say what lands in the overlap: the test checks the
 * count, the length word and that nothing outside the destination
 * changed, and prints which of two readings the bytes match (the source
 * as it was before the copy, or a copy front to back byte by byte).
 *
 * Then the peer finds every list used, drops S and exits; domain 0
 * drops and destroys S and finds the free frames (and the peer's pages)
 * back where they were.
 */
#include "shares.h"

#define NPAGES		3
#define BYTES		(NPAGES * SV_PAGE_SIZE)
#define LEN_OFF		(BYTES - 64)	/* the peer's length words, one per list */
#define OFF_READY	16
#define OFF_DONE	20
#define DOM0_PORT	4
#define PEER_PORT	5
#define DOM0_VA		0x10000000u
#define PEER_VA		0x20000000u
#define PRIV		2048		/* domain 0's own buffer */

enum exactness { EXACT, SHIFTED };

/* One list of the peer's (offsets in S) and the list domain 0 uses
 * against it: offsets in S, or in domain 0's own buffer if tagged MINE. */
#define MINE		0x80000000u
struct acase {
	const char *name;
	uint32_t kind;			/* the peer's list: SV_SG_IN or SV_SG_OUT */
	enum exactness exact;
	uint32_t npeer, nmine;
	struct sv_sg peer[3], mine[3];
};

static const struct acase cases[] = {
	{ "disjoint", SV_SG_IN, EXACT, 1, 1, { { 3000, 2000 } }, { { 7000, 2000 } } },
	{ "the same bytes", SV_SG_IN, EXACT, 1, 1, { { 4000, 300 } }, { { 4000, 300 } } },
	{ "mixed", SV_SG_IN, EXACT, 2, 3, { { 100, 700 }, { 9000, 700 } },
	  { { MINE | 0, 500 }, { 5000, 400 }, { MINE | 600, 500 } } },
	{ "up by one", SV_SG_IN, SHIFTED, 1, 1, { { 4001, 1000 } }, { { 4000, 1000 } } },
	{ "disjoint", SV_SG_OUT, EXACT, 1, 1, { { 8000, 1500 } }, { { 500, 1500 } } },
	{ "the same bytes", SV_SG_OUT, EXACT, 2, 2, { { 2000, 100 }, { 6000, 100 } },
	  { { 2000, 100 }, { 6000, 100 } } },
	{ "down by one", SV_SG_OUT, SHIFTED, 1, 1, { { 5000, 900 } }, { { 4999, 900 } } },
};
#define NCASES	(sizeof(cases) / sizeof(cases[0]))

/* Each side's entries as its own addresses. */
static void peer_list(const struct acase *c, struct sv_sg *out)
{
	for (uint32_t i = 0; i < c->npeer; i++)
		out[i] = (struct sv_sg){ PEER_VA + c->peer[i].addr, c->peer[i].len };
}

/* ---- domain 0 */

static uint8_t priv[PRIV];
/* The model: S and domain 0's buffer as they must be, and as they were. */
static uint8_t want_s[BYTES], want_priv[PRIV], was_s[BYTES], was_priv[PRIV];

static void mine_list(const struct acase *c, struct sv_sg *out)
{
	for (uint32_t i = 0; i < c->nmine; i++) {
		uint32_t a = c->mine[i].addr;
		out[i] = (struct sv_sg){ a & MINE ? (uint32_t)priv + (a & ~MINE) : DOM0_VA + a,
					 c->mine[i].len };
	}
}

/* A guest address of either side -> its byte in the model (or in the
 * snapshot of how things were). */
static uint8_t *in_model(uint32_t va, uint8_t *s, uint8_t *p)
{
	if (va - DOM0_VA < BYTES)
		return &s[va - DOM0_VA];
	if (va - PEER_VA < BYTES)
		return &s[va - PEER_VA];
	if (va - (uint32_t)priv < PRIV)
		return &p[va - (uint32_t)priv];
	CHECK(false, "the model was asked for %#x", va);
	return &p[0];
}

static uint8_t *model_at(uint32_t va) { return in_model(va, want_s, want_priv); }
static uint8_t *as_it_was(uint32_t va) { return in_model(va, was_s, was_priv); }

/* Is byte i of S inside one of the entries (S offsets)? */
static bool covered(const struct sv_sg *e, uint32_t n, uint32_t i)
{
	for (uint32_t k = 0; k < n; k++)
		if (i - e[k].addr < e[k].len)
			return true;
	return false;
}

/* Source and destination overlap, shifted: the count, the length word,
 * nothing touched outside the destination; then which reading it is. */
static void check_shifted(const struct acase *c, const struct sv_sg *dst_off,
			  const struct sv_sg *src, uint32_t nsrc, const struct sv_sg *dst,
			  uint32_t ndst, uint32_t bytes, uint32_t index)
{
	const volatile uint8_t *s = (const volatile uint8_t *)DOM0_VA;
	uint32_t outside = 0, len_at = LEN_OFF + 4 * index;
	for (uint32_t i = 0; i < BYTES; i++)
		if (!covered(dst_off, ndst, i) && i - len_at >= 4 && s[i] != was_s[i])
			outside++;
	CHECK(outside == 0, "%s: %u bytes outside the destination changed", c->name, outside);
	CHECK_EQ(*(volatile uint32_t *)(DOM0_VA + LEN_OFF + 4 * index), bytes);

	memcpy(want_s, was_s, BYTES);
	sg_model(as_it_was, model_at, src, nsrc, dst, ndst);
	bool as_was = memcmp((const void *)DOM0_VA, want_s, LEN_OFF) == 0;
	memcpy(want_s, was_s, BYTES);
	sg_model(model_at, model_at, src, nsrc, dst, ndst);
	bool forward = memcmp((const void *)DOM0_VA, want_s, LEN_OFF) == 0;
	printf("%s, %s: the destination holds the source as it was: %s; "
	       "a front-to-back byte copy: %s\n", c->name, c->kind == SV_SG_IN ? "SEND" : "RECV",
	       as_was ? "yes" : "no", forward ? "yes" : "no");
}

static void transfer(const struct acase *c, uint32_t index)
{
	struct sv_sg theirs[3], mine[3];
	bool send = c->kind == SV_SG_IN;

	peer_list(c, theirs);
	mine_list(c, mine);
	fill_stream((uint8_t *)DOM0_VA, BYTES, 10 + index);
	fill_stream(priv, PRIV, 20 + index);
	memcpy(was_s, (const void *)DOM0_VA, BYTES);
	memcpy(was_priv, priv, PRIV);
	memcpy(want_s, was_s, BYTES);
	memcpy(want_priv, was_priv, PRIV);

	const struct sv_sg *src = send ? mine : theirs, *dst = send ? theirs : mine;
	uint32_t nsrc = send ? c->nmine : c->npeer, ndst = send ? c->npeer : c->nmine;
	uint32_t bytes = sg_model(model_at, model_at, src, nsrc, dst, ndst);
	memcpy(&want_s[LEN_OFF + 4 * index], &bytes, 4);

	int32_t rc = sv_sg_xfer(FIRST_SHARE_ID, send ? SV_XFER_SEND : SV_XFER_RECV, 1, mine,
				c->nmine);
	if (!CHECK(rc == (int32_t)bytes, "%s, %s: transfer %d (%s), expected %u", c->name,
		   send ? "SEND" : "RECV", rc, sv_strerror(rc), bytes))
		return;
	if (c->exact == SHIFTED) {
		check_shifted(c, send ? c->peer : c->mine, src, nsrc, dst, ndst, bytes, index);
		return;
	}
	char what[64];
	snprintf(what, sizeof(what), "%s, %s: S", c->name, send ? "SEND" : "RECV");
	CHECK_BYTES(what, DOM0_VA, want_s, BYTES);
	snprintf(what, sizeof(what), "%s, %s: domain 0's buffer", c->name,
		 send ? "SEND" : "RECV");
	CHECK_BYTES(what, priv, want_priv, PRIV);
}

static int dom0(sv_share_t want_id)
{
	uint32_t peer = sv_cmdline_uint("peer", 1);
	uint32_t base = free_and_others();

	sv_share_t id = own_share(NPAGES, DOM0_PORT, DOM0_VA);
	if (!CHECK_EQ(id, want_id))
		return xtf_verdict("hostile_alias");
	CHECK_RC(sv_share_grant(id, (sv_domid_t)peer), SV_OK);
	CHECK(await_trigger(id, OFF_READY), "the peer never registered its lists");

	for (uint32_t i = 0; i < NCASES; i++)
		transfer(&cases[i], i);
	const struct sv_sg one = { (uint32_t)priv, 1 };
	CHECK_RC(sv_sg_xfer(id, SV_XFER_SEND, 1, &one, 1), SV_EAGAIN);	/* all used */
	CHECK_RC(sv_sg_xfer(id, SV_XFER_RECV, 1, &one, 1), SV_EAGAIN);

	CHECK(signal_peer(id, OFF_DONE, 1), "the peer never waited for OFF_DONE");
	CHECK(WAIT_UNTIL(others_ended()), "the peer did not end");
	printf("%u transfers\n", (uint32_t)NCASES);
	drop_and_destroy(id);
	check_frames_back(base);
	return xtf_verdict("hostile_alias");
}

/* ---- the peer: lists and length words in its mapping of S */

static int peer(sv_share_t id)
{
	int32_t h[NCASES];

	CHECK_EQ(get_when_granted(id, PEER_PORT), 1);
	CHECK_RC(sv_share_map(id, PEER_VA, 0), SV_OK);
	for (uint32_t i = 0; i < NCASES; i++) {
		struct sv_sg list[3];
		peer_list(&cases[i], list);
		h[i] = sv_sg_register(id, cases[i].kind, list, cases[i].npeer,
				      (uint32_t *)(PEER_VA + LEN_OFF + 4 * i));
		CHECK(h[i] >= 0, "list %u (%s): %d (%s)", i, cases[i].name, h[i], sv_strerror(h[i]));
	}
	CHECK(signal_peer(id, OFF_READY, 1), "domain 0 never waited for OFF_READY");
	CHECK(await_trigger(id, OFF_DONE), "domain 0 never said OFF_DONE");
	for (uint32_t i = 0; i < NCASES; i++)
		CHECK_RC(sv_sg_unregister(id, h[i]), SV_ENOENT);	/* every one used */
	CHECK(port_events[PEER_PORT] > 0, "no event for the transfers");	/* they coalesce */
	CHECK_RC(sv_share_drop(id), SV_OK);
	return xtf_verdict("hostile_alias");
}

int main(const struct sv_start_info *start)
{
	static const struct role roles[] = { { "dom0", dom0 }, { "peer", peer } };

	(void)start;
	return run_role("hostile_alias", roles, sizeof(roles) / sizeof(roles[0]));
}
