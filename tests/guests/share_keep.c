/*
 * share_keep: kept sg lists (SV_SG_KEEP) between two domains, over the
 * real page tables. A kept receive list takes message after message, each
 * once its owner has written 0 to its length word, and refuses the next
 * (SV_EAGAIN) while that word is not 0. A list's memory is remembered
 * (mm/paging.h's unmap_epoch): a list over a share's mapping, that share
 * unmapped and another share mapped at the same address, must put the
 * bytes (and read its length word) in the share mapped there now, never
 * in the old one; with nothing mapped there, the transfer is SV_EFAULT and
 * the list is gone.
 *
 *   module lines: share_keep.elf name=dom0 role=dom0 peer=1
 *                 share_keep.elf name=peer role=peer share=32 q=33
 *
 * Domain 0 makes P (id 32) and Q (id 33), 2 pages each, maps both to see
 * every byte of them, fills P with 0xAA and Q with 0xBB, and grants them
 * to the peer; domain 0 sends, the peer owns the lists. Each step is a
 * handshake over P's watches (await_trigger / signal_peer), so that the
 * peer never re-arms a list before domain 0 has seen SV_EAGAIN.
 *
 *   domain 0                                  peer
 *                                             registers K: kept SV_SG_IN, 3
 *                                             entries across 2 page
 *                                             boundaries (3041 bytes), then
 *                         <------------------ plain B (100 bytes)
 *   round r = 1..5: SEND (seed r) -> K
 *     round 1 also: SEND -> B
 *     SEND: SV_EAGAIN (K spent)
 *                         ------------------> K's word and every byte of
 *                                             its arena (FILL in the gaps);
 *                                             FILL again, word 0 (round 5:
 *                         <------------------ unregisters K instead)
 *   SEND: SV_EAGAIN (no list)  -------------->
 *                                             maps P at VA, registers K2
 *                                             (kept, over VA + 0x100), unmaps
 *                         <------------------ P, maps Q at VA
 *   SEND 200 -> K2: in Q's pages, P's untouched
 *   SEND: SV_EAGAIN   ----------------------> K2's bytes at VA; unmaps Q,
 *                         <------------------ re-arms K2
 *   SEND: SV_EFAULT, then SV_EAGAIN; P and
 *   Q untouched       ----------------------> K2's handle: SV_ENOENT
 *                                             maps P at VA, word 0 at VA +
 *                                             0xFFE (across P's 2 pages),
 *                                             registers W (kept, that word),
 *                         <------------------ unmaps P, maps Q at VA
 *   SEND: SV_EAGAIN (Q's word 0xBBBBBBBB);
 *   P's word still 0  ----------------------> writes 0 at VA + 0xFFE (Q)
 *                         <------------------
 *   SEND 64 -> W: the count in Q's word, P's
 *   still 0; then SV_EAGAIN --------------->  W's bytes; unregisters W
 */
#include "shares.h"

#define NPAGES		2
#define BYTES		(NPAGES * SV_PAGE_SIZE)
#define DOM0_PORT_P	4
#define DOM0_PORT_Q	8
#define PEER_PORT_P	5
#define PEER_PORT_Q	6

#define DOM0_P_VA	0x30000000u	/* domain 0 sees P and Q here */
#define DOM0_Q_VA	0x30010000u
#define PEER_VA		0x10000000u	/* the peer maps P, then Q, here */

#define FILL		0xEE
#define UNSET		0xFFFFFFFFu
#define ROUNDS		5
#define WORD_OFF	0xFFE		/* a length word across P's (or Q's) two pages */

/* The handshake offsets in P: one per step and direction. */
#define TO_PEER(k)	(16 + 4 * (k))
#define TO_DOM0(k)	(0x400 + 4 * (k))

/* Round r's message, and what K (3041 bytes) takes of it. */
static const uint32_t SEND_SIZES[ROUNDS] = { 3041, 1, 100, 4096, 5000 };
static const uint32_t K_GOT[ROUNDS] = { 3041, 1, 100, 3041, 3041 };
#define K_BYTES		3041
#define B_BYTES		100
#define B_SENT		50
#define SEED_B		100
#define K2_BYTES	200
#define SEED_K2		11
#define SEED_K2_BAD	12
#define W_BYTES		64
#define SEED_W		13

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static void barrier(void)
{
	__asm__ volatile("" ::: "memory");
}

/* A 32-bit word read or written byte by byte, wherever it is (across a
 * page boundary, say). */
static uint32_t get_word(uintptr_t va)
{
	const volatile uint8_t *p = (const volatile uint8_t *)va;
	return p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_word(uintptr_t va, uint32_t v)
{
	volatile uint8_t *p = (volatile uint8_t *)va;
	for (uint32_t i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Do n bytes at p all hold byte? */
static bool all(const volatile uint8_t *p, uint32_t n, uint8_t byte)
{
	for (uint32_t i = 0; i < n; i++)
		if (p[i] != byte)
			return false;
	return true;
}

/* ---- domain 0: sends */

static uint8_t src[5000];

/* SEND n bytes of stream seed from one entry. */
static int32_t send(sv_share_t id, uint32_t n, uint32_t seed)
{
	fill_stream(src, n, seed);
	struct sv_sg e = { (uint32_t)src, n };
	return sv_sg_xfer(id, SV_XFER_SEND, 1, &e, 1);
}

/* Are P's pages still all 0xAA, but for the 4 bytes at WORD_OFF when
 * word (the peer wrote there while it had P mapped)? */
static bool p_untouched(bool word)
{
	const volatile uint8_t *p = (const volatile uint8_t *)DOM0_P_VA;
	if (!word)
		return all(p, BYTES, 0xAA);
	return all(p, WORD_OFF, 0xAA) && get_word(DOM0_P_VA + WORD_OFF) == 0 &&
	       all(p + WORD_OFF + 4, BYTES - WORD_OFF - 4, 0xAA);
}

/* Domain 0's side of the handshake: step k is done; wait for the peer's step k. */
static void dom0_done(sv_share_t p, uint32_t k)
{
	CHECK(signal_peer(p, TO_PEER(k), 1), "the peer never waited for step %u", k);
}

static void dom0_wait(sv_share_t p, uint32_t k)
{
	CHECK(await_trigger(p, TO_DOM0(k)), "the peer never finished step %u", k);
}

static int dom0(sv_share_t want_id)
{
	uint32_t peer = sv_cmdline_uint("peer", 1);
	uint32_t free0 = free_and_others();
	uint32_t sent = 0;

	sv_share_t p = own_share(NPAGES, DOM0_PORT_P, DOM0_P_VA);
	sv_share_t q = own_share(NPAGES, DOM0_PORT_Q, DOM0_Q_VA);
	if (!CHECK_EQ(p, want_id) || !CHECK_EQ(q, want_id + 1))
		return xtf_verdict("share_keep");
	memset((void *)DOM0_P_VA, 0xAA, BYTES);
	memset((void *)DOM0_Q_VA, 0xBB, BYTES);
	CHECK_RC(sv_share_grant(p, (sv_domid_t)peer), SV_OK);
	CHECK_RC(sv_share_grant(q, (sv_domid_t)peer), SV_OK);
	CHECK(WAIT_UNTIL(peers_of(p) == 0x3 && peers_of(q) == 0x3), "the peer never got the shares");
	dom0_wait(p, 0);	/* the peer registered K and B */

	/* One kept list, many messages. */
	for (uint32_t r = 1; r <= ROUNDS; r++) {
		int32_t got = send(p, SEND_SIZES[r - 1], r);
		CHECK(got == (int32_t)K_GOT[r - 1], "round %u: SEND %u bytes: %d, expected %u", r,
		      SEND_SIZES[r - 1], got, K_GOT[r - 1]);
		sent += got > 0 ? (uint32_t)got : 0;
		if (r == 1)	/* K is spent: the plain list after it */
			CHECK_EQ(send(p, B_SENT, SEED_B), B_SENT);
		got = send(p, 8, 99);
		CHECK(got == SV_EAGAIN, "round %u: SEND while K is spent: %d (%s), expected SV_EAGAIN",
		      r, got, sv_strerror(got));
		dom0_done(p, r);
		dom0_wait(p, r);	/* the peer checked, and re-armed K */
	}
	CHECK_RC(send(p, 8, 99), SV_EAGAIN);	/* K unregistered: no list */
	printf("sent %u messages, %u bytes, into one kept list\n", ROUNDS, sent);
	dom0_done(p, 6);

	/* Its buffer's share unmapped, another mapped at the same address. */
	dom0_wait(p, 10);	/* K2 registered over P, Q mapped in its place */
	CHECK_EQ(send(p, K2_BYTES, SEED_K2), K2_BYTES);
	CHECK_BYTES("Q at K2's buffer", (const uint8_t *)DOM0_Q_VA + 0x100, src, K2_BYTES);
	CHECK(all((const volatile uint8_t *)DOM0_Q_VA, 0x100, 0xBB) &&
	      all((const volatile uint8_t *)DOM0_Q_VA + 0x100 + K2_BYTES,
		  BYTES - 0x100 - K2_BYTES, 0xBB), "nothing else of Q was written");
	CHECK(p_untouched(false), "P, mapped under K2 when it was registered, is untouched");
	CHECK_RC(send(p, K2_BYTES, SEED_K2_BAD), SV_EAGAIN);
	dom0_done(p, 10);
	/* ... and nothing mapped there. */
	dom0_wait(p, 11);	/* Q unmapped, K2 re-armed */
	CHECK_RC(send(p, K2_BYTES, SEED_K2_BAD), SV_EFAULT);
	CHECK_RC(send(p, K2_BYTES, SEED_K2_BAD), SV_EAGAIN);	/* K2 is gone */
	fill_stream(src, K2_BYTES, SEED_K2);
	CHECK_BYTES("Q at K2's buffer, after the SV_EFAULT", (const uint8_t *)DOM0_Q_VA + 0x100,
		    src, K2_BYTES);
	CHECK(p_untouched(false), "P is untouched after the SV_EFAULT");
	dom0_done(p, 11);

	/* Its length word's share unmapped, another mapped at the same address. */
	dom0_wait(p, 12);	/* W registered with its word in P, Q mapped in its place */
	CHECK_RC(send(p, W_BYTES, SEED_W), SV_EAGAIN);
	CHECK_EQ(get_word(DOM0_Q_VA + WORD_OFF), 0xBBBBBBBB);
	CHECK(p_untouched(true), "P's word is still 0, the rest of P untouched");
	dom0_done(p, 12);
	dom0_wait(p, 13);	/* W's word (in Q) is 0 now */
	CHECK_EQ(send(p, W_BYTES, SEED_W), W_BYTES);
	CHECK_EQ(get_word(DOM0_Q_VA + WORD_OFF), W_BYTES);
	CHECK(p_untouched(true), "the count did not go to P's word");
	CHECK_RC(send(p, W_BYTES, SEED_W), SV_EAGAIN);
	dom0_done(p, 13);
	printf("a kept list over a share unmapped and replaced: bytes and count in the new one\n");

	CHECK(WAIT_UNTIL(others_ended()), "the peer did not end");
	CHECK_RC(sv_share_unmap(p), SV_OK);
	CHECK_RC(sv_share_unmap(q), SV_OK);
	drop_and_destroy(p);
	drop_and_destroy(q);
	check_frames_back(free0);
	return xtf_verdict("share_keep");
}

/* ---- the peer: owns the lists */

static uint8_t k_arena[3 * SV_PAGE_SIZE] __attribute__((aligned(SV_PAGE_SIZE)));
static uint8_t b_arena[B_BYTES + 16], w_arena[W_BYTES + 16];
/* K's entries: across the first page boundary, across the second, and one more. */
static const struct sv_sg *k_list(void)
{
	static struct sv_sg e[3];
	uint32_t base = (uint32_t)k_arena;
	e[0] = (struct sv_sg){ base + SV_PAGE_SIZE - 16, 32 };
	e[1] = (struct sv_sg){ base + SV_PAGE_SIZE + 100, 3000 };
	e[2] = (struct sv_sg){ base + 2 * SV_PAGE_SIZE - 4, 9 };
	return e;
}
static volatile uint32_t k_len, b_len, k2_len;

/* K's arena holds the first n bytes of stream seed in its entries, FILL elsewhere. */
static void check_k(uint32_t r, uint32_t n, uint32_t seed)
{
	static uint8_t want[sizeof(k_arena)];
	const struct sv_sg *e = k_list();
	memset(want, FILL, sizeof(want));
	for (uint32_t i = 0, k = 0; i < 3; i++)
		for (uint32_t j = 0; j < e[i].len && k < n; j++, k++)
			want[e[i].addr - (uint32_t)k_arena + j] = stream_byte(seed, k);
	CHECK(k_len == n, "round %u: K's length word %u, expected %u", r, k_len, n);
	CHECK_BYTES("K's arena", k_arena, want, sizeof(k_arena));
}

static void wait_step(sv_share_t p, uint32_t k)
{
	CHECK(await_trigger(p, TO_PEER(k)), "domain 0 never reached step %u", k);
}

static void done_step(sv_share_t p, uint32_t k)
{
	CHECK(signal_peer(p, TO_DOM0(k), 1), "domain 0 never waited after step %u", k);
}

static int peer(sv_share_t p)
{
	sv_share_t q = (sv_share_t)sv_cmdline_uint("q", FIRST_SHARE_ID + 1);
	uint32_t received = 0;

	CHECK_EQ(get_when_granted(p, PEER_PORT_P), 1);
	CHECK_EQ(get_when_granted(q, PEER_PORT_Q), 1);

	memset(k_arena, FILL, sizeof(k_arena));
	memset(b_arena, FILL, sizeof(b_arena));
	k_len = 0;
	b_len = UNSET;
	const struct sv_sg *e = k_list();
	CHECK_RC(sv_sg_register(p, SV_SG_KEEP, e, 3, (uint32_t *)&k_len), SV_EINVAL);
	CHECK_RC(sv_sg_register(p, SV_SG_KEEP | 3, e, 3, (uint32_t *)&k_len), SV_EINVAL);
	CHECK_RC(sv_sg_register(p, 0x200 | SV_SG_IN, e, 3, (uint32_t *)&k_len), SV_EINVAL);
	int32_t hk = sv_sg_register(p, SV_SG_IN | SV_SG_KEEP, e, 3, (uint32_t *)&k_len);
	CHECK(hk >= 0, "sg_register(SV_SG_IN | SV_SG_KEEP): %d (%s)", hk, sv_strerror(hk));
	struct sv_sg b = { (uint32_t)b_arena + 8, B_BYTES };
	int32_t hb = sv_sg_register(p, SV_SG_IN, &b, 1, (uint32_t *)&b_len);
	CHECK(hb >= 0, "sg_register(SV_SG_IN): %d (%s)", hb, sv_strerror(hb));
	done_step(p, 0);

	for (uint32_t r = 1; r <= ROUNDS; r++) {
		wait_step(p, r);
		check_k(r, K_GOT[r - 1], r);
		received += k_len;
		if (r == 1) {
			uint8_t want[B_BYTES];
			fill_stream(want, B_SENT, SEED_B);
			CHECK_EQ(b_len, B_SENT);
			CHECK_BYTES("B", b_arena + 8, want, B_SENT);
			CHECK(all(b_arena, 8, FILL) &&
			      all(b_arena + 8 + B_SENT, sizeof(b_arena) - 8 - B_SENT, FILL),
			      "nothing around B's bytes");
			CHECK_RC(sv_sg_unregister(p, hb), SV_ENOENT);	/* a plain list goes */
		}
		if (r < ROUNDS) {	/* take the bytes, re-arm */
			memset(k_arena, FILL, sizeof(k_arena));
			barrier();
			k_len = 0;
		} else {		/* or end it, spent */
			CHECK_RC(sv_sg_unregister(p, hk), SV_OK);
			CHECK_RC(sv_sg_unregister(p, hk), SV_ENOENT);
		}
		done_step(p, r);
	}
	printf("received %u bytes in %u messages through one kept list\n", received, ROUNDS);

	/* K2 over P's mapping; then Q mapped there instead. */
	wait_step(p, 6);	/* domain 0 saw that K is gone */
	CHECK_RC(sv_share_map(p, PEER_VA, 0), SV_OK);
	k2_len = 0;
	struct sv_sg k2 = { PEER_VA + 0x100, K2_BYTES };
	int32_t hk2 = sv_sg_register(p, SV_SG_IN | SV_SG_KEEP, &k2, 1, (uint32_t *)&k2_len);
	CHECK(hk2 >= 0, "sg_register(K2): %d (%s)", hk2, sv_strerror(hk2));
	CHECK_RC(sv_share_unmap(p), SV_OK);
	CHECK_RC(sv_share_map(q, PEER_VA, 0), SV_OK);
	done_step(p, 10);
	wait_step(p, 10);
	uint8_t want[K2_BYTES];
	fill_stream(want, K2_BYTES, SEED_K2);
	CHECK_EQ(k2_len, K2_BYTES);
	CHECK_BYTES("K2's buffer (in Q now)", (const uint8_t *)PEER_VA + 0x100, want, K2_BYTES);
	CHECK_RC(sv_share_unmap(q), SV_OK);	/* nothing at PEER_VA */
	k2_len = 0;
	done_step(p, 11);
	wait_step(p, 11);
	CHECK_RC(sv_sg_unregister(p, hk2), SV_ENOENT);	/* it went bad: gone */
	CHECK_EQ(k2_len, 0);

	/* W's length word in P's mapping; then Q mapped there instead. */
	CHECK_RC(sv_share_map(p, PEER_VA, 0), SV_OK);
	put_word(PEER_VA + WORD_OFF, 0);
	memset(w_arena, FILL, sizeof(w_arena));
	struct sv_sg w = { (uint32_t)w_arena + 8, W_BYTES };
	int32_t hw = sv_sg_register(p, SV_SG_IN | SV_SG_KEEP, &w, 1,
				    (uint32_t *)(PEER_VA + WORD_OFF));
	CHECK(hw >= 0, "sg_register(W): %d (%s)", hw, sv_strerror(hw));
	CHECK_RC(sv_share_unmap(p), SV_OK);
	CHECK_RC(sv_share_map(q, PEER_VA, 0), SV_OK);
	CHECK_EQ(get_word(PEER_VA + WORD_OFF), 0xBBBBBBBB);
	done_step(p, 12);
	wait_step(p, 12);
	CHECK(all(w_arena, sizeof(w_arena), FILL), "W took nothing while its word (in Q) was not 0");
	put_word(PEER_VA + WORD_OFF, 0);	/* re-armed, in Q */
	done_step(p, 13);
	wait_step(p, 13);
	uint8_t wwant[W_BYTES];
	fill_stream(wwant, W_BYTES, SEED_W);
	CHECK_EQ(get_word(PEER_VA + WORD_OFF), W_BYTES);
	CHECK_BYTES("W", w_arena + 8, wwant, W_BYTES);
	CHECK(all(w_arena, 8, FILL) && all(w_arena + 8 + W_BYTES, 8, FILL),
	      "nothing around W's bytes");
	CHECK_RC(sv_sg_unregister(p, hw), SV_OK);
	CHECK_RC(sv_share_unmap(q), SV_OK);
	CHECK_RC(sv_share_drop(p), SV_OK);
	CHECK_RC(sv_share_drop(q), SV_OK);
	printf("kept lists over a replaced share: the new share's bytes and word, "
	       "the old one untouched\n");
	return xtf_verdict("share_keep");
}

int main(const struct sv_start_info *start)
{
	static const struct role roles[] = { { "dom0", dom0 }, { "peer", peer } };

	(void)start;
	return run_role("share_keep", roles, sizeof(roles) / sizeof(roles[0]));
}
