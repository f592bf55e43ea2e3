/*
 * share_bad: every bad argument to the share operations is refused with
 * the error include/sharevisor.h documents for it, and changes nothing:
 * no mapping appears, no watch or list is added, no frame is lost, and a
 * peer's list that a failed transfer named is still there for the next.
 *
 *   module lines: share_bad.elf name=NAME role=dom0 other=1
 *                 share_bad.elf name=NAME role=other
 *
 * Domain 0 creates S (id 32), never granted to the other domain, and T
 * (id 33), which it gets and then grants to it. The other domain checks
 * what only domain 0 may do (create, grant, destroy: SV_EPERM whatever
 * the arguments), that S is not granted to it (SV_EPERM), gets T, and
 * drops it when told (OFF_GO). Meanwhile domain 0 goes through each
 * operation's arguments on S, each group in a function of its own, and
 * checks after each group that the free frames (plus the other domain's
 * pages) did not move. Domain 0 uses T to see a transfer to a live peer
 * without lists (SV_EAGAIN) and to one that has left (SV_ENOENT).
 *
 * The limits (SV_ENOSPC) are tested in share_limits.c.
 */
#include "shares.h"

#define S_ID		32	/* first share of the boot: never granted to the other */
#define T_ID		33	/* the second: granted to the other */
#define NPAGES		2
#define BYTES		(NPAGES * SV_PAGE_SIZE)
#define OFF_GO		12
#define PORT		4
#define PORT2		5
#define OTHER_PORT	5
#define VA		0x10000000u

static sv_share_t S, T;
static const struct sv_start_info *si;
static uint8_t buf[64], buf2[64];
static uint32_t len;

/* An address far from anything mapped, and the edges of our memory. */
#define UNMAPPED	0x20000000u
#define TEXT		(si->image_start)

/* ---- domain 0: bad share ids */

/* Every operation on an id that names no share, or one we do not hold. */
static void check_not_held(sv_share_t id, bool exists)
{
	static uint32_t c;
	struct sv_sg sg = { (uint32_t)buf, sizeof(buf) };

	if (!exists) {
		CHECK_RC(sv_share_get(id, PORT2), SV_ENOENT);
		CHECK_RC(sv_share_grant(id, (sv_domid_t)si->domid), SV_ENOENT);
		CHECK_RC(sv_share_destroy(id), SV_ENOENT);
	}
	CHECK_RC(sv_share_drop(id), SV_ENOENT);
	CHECK_RC(sv_share_map(id, VA, 0), SV_ENOENT);
	CHECK_RC(sv_share_unmap(id), SV_ENOENT);
	CHECK_RC(sv_share_info(id, &(struct sv_share_status){ 0 }), SV_ENOENT);
	CHECK_RC(sv_watch(id, 0, &c), SV_ENOENT);
	CHECK_RC(sv_unwatch(id, 0, &c), SV_ENOENT);
	CHECK_RC(sv_trigger(id, 0), SV_ENOENT);
	CHECK_RC(sv_sg_register(id, SV_SG_IN, &sg, 1, &len), SV_ENOENT);
	CHECK_RC(sv_sg_unregister(id, 16), SV_ENOENT);
	CHECK_RC(sv_sg_xfer(id, SV_XFER_SEND, 0, &sg, 1), SV_ENOENT);
	CHECK(!writable(VA), "a failed map of share %d mapped something at %#x", id, VA);
}

static void test_ids(void)
{
	/* Never created: slot 0 generation 0, other slots, a later
	 * generation, the top of the range, and "negative" ids. */
	static const uint32_t unknown[] = { 0, 1, 31, 34, 63, 32 + 32 * 5, 0x7FFFFFFFu,
					    0x80000000u, 0xFFFFFFFFu };
	for (uint32_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		check_not_held((sv_share_t)unknown[i], false);

	/* Exists, not granted to us: get is SV_EPERM, the rest SV_ENOENT. */
	sv_share_t u = sv_share_create(1);
	CHECK(u >= 0, "create: %d", u);
	CHECK_RC(sv_share_get(u, PORT2), SV_EPERM);
	check_not_held(u, true);

	/* Destroyed while nobody held it: gone at once. */
	CHECK_RC(sv_share_destroy(u), SV_OK);
	check_not_held(u, false);

	/* Destroyed but still held by us: no more grants, no second destroy,
	 * and after the drop no get (it had been granted). */
	sv_share_t w = sv_share_create(1);
	CHECK_RC(sv_share_grant(w, (sv_domid_t)si->domid), SV_OK);
	CHECK_EQ(sv_share_get(w, PORT2), 0);
	CHECK_RC(sv_share_destroy(w), SV_OK);
	CHECK_RC(sv_share_grant(w, (sv_domid_t)si->domid), SV_ENOENT);
	CHECK_RC(sv_share_destroy(w), SV_ENOENT);
	CHECK_RC(sv_share_drop(w), SV_OK);
	check_not_held(w, false);

	/* Stale: the slot is reused by the next share, with a new id. */
	sv_share_t again = sv_share_create(1);
	CHECK(again >= 0 && again != w && again != u, "create after destroy: %d (old %d, %d)",
	      again, u, w);
	check_not_held(w, false);
	CHECK_RC(sv_share_destroy(again), SV_OK);
}

static void test_create_grant(void)
{
	CHECK_RC(sv_share_create(0), SV_EINVAL);
	CHECK_RC(sv_share_create(SV_SHARE_MAX_PAGES + 1), SV_EINVAL);
	CHECK_RC(sv_share_create(0x80000000u), SV_EINVAL);
	CHECK_RC(sv_share_create(0xFFFFFFFFu), SV_EINVAL);
	/* No such domain: never built, out of range. */
	CHECK_RC(sv_share_grant(S, 15), SV_ENOENT);
	CHECK_RC(sv_share_grant(S, SV_MAX_DOMAINS), SV_ENOENT);
	CHECK_RC(sv_share_grant(S, 0xFFFF), SV_ENOENT);
	CHECK_RC(sv_share_grant(S, (sv_domid_t)si->domid), SV_OK);
	CHECK_RC(sv_share_grant(S, (sv_domid_t)si->domid), SV_OK);	/* twice is fine */
}

/* ---- domain 0: get */

static void test_get(void)
{
	static const uint32_t bad_ports[] = { 0, 1, SV_NR_PORTS, 0x80000000u, 0xFFFFFFFFu };
	for (uint32_t i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++)
		CHECK_RC(sv_share_get(S, bad_ports[i]), SV_EINVAL);
	CHECK_RC(sv_share_info(S, &(struct sv_share_status){ 0 }), SV_ENOENT);	/* not got */

	CHECK_EQ(sv_share_get(S, PORT), 0);
	CHECK_RC(sv_share_get(S, PORT), SV_EEXIST);
	CHECK_RC(sv_share_get(S, PORT2), SV_EEXIST);
	CHECK_STATUS(S, .npages = NPAGES, .peer_id = 0, .port = PORT, .peers = 0x1);

	/* PORT is S's: another share cannot have it. */
	sv_share_t v = sv_share_create(1);
	CHECK_RC(sv_share_grant(v, (sv_domid_t)si->domid), SV_OK);
	CHECK_RC(sv_share_get(v, PORT), SV_EBUSY);
	CHECK_EQ(sv_share_get(v, SV_NR_PORTS - 1), 0);	/* the last port is fine */
	CHECK_RC(sv_share_drop(v), SV_OK);
	CHECK_RC(sv_share_destroy(v), SV_OK);
}

/* ---- domain 0: map and unmap */

struct bad_map {
	uint32_t va, flags;
	int32_t rc;
};

static void test_map(void)
{
	const struct bad_map bad[] = {
		{ VA + 1, 0, SV_EINVAL }, { VA + 0x800, 0, SV_EINVAL },
		{ VA, 2, SV_EINVAL }, { VA, 0xFFFFFFFFu, SV_EINVAL },
		{ 0, 0, SV_EFAULT }, { SV_START_INFO, 0, SV_EFAULT },
		{ SV_GUEST_BASE - SV_PAGE_SIZE, 0, SV_EFAULT },	/* the stack's top page */
		{ SV_GUEST_LIMIT - SV_PAGE_SIZE, 0, SV_EFAULT },	/* its 2nd page reaches it */
		{ SV_GUEST_LIMIT, 0, SV_EFAULT }, { 0xFFFFF000u, 0, SV_EFAULT },	/* wraps */
		{ SV_GUEST_BASE, 0, SV_EEXIST },			/* our image */
		{ si->heap_end - SV_PAGE_SIZE, 0, SV_EEXIST },	/* our last page */
	};
	for (uint32_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int32_t rc = sv_share_map(S, bad[i].va, bad[i].flags);
		CHECK(rc == bad[i].rc, "share_map(%#x, flags %#x): %d (%s), expected %d (%s)",
		      bad[i].va, bad[i].flags, rc, sv_strerror(rc), bad[i].rc,
		      sv_strerror(bad[i].rc));
		CHECK_EQ(status_of(S).mapped_at, 0);
	}
	CHECK(!writable(VA) && !writable(SV_GUEST_LIMIT - SV_PAGE_SIZE),
	      "a failed map left a page mapped");
	CHECK_RC(sv_share_unmap(S), SV_ENOENT);			/* not mapped */

	/* The highest place it fits; then a second mapping is refused. */
	uint32_t top = SV_GUEST_LIMIT - BYTES;
	CHECK_RC(sv_share_map(S, top, 0), SV_OK);
	CHECK_EQ(status_of(S).mapped_at, top);
	CHECK_RC(sv_share_map(S, VA, 0), SV_EEXIST);
	CHECK(!writable(VA), "a second mapping was made at %#x", VA);
	CHECK_RC(sv_share_unmap(S), SV_OK);
	CHECK_RC(sv_share_unmap(S), SV_ENOENT);

	/* Overlapping another share's mapping, from either side. */
	sv_share_t v = sv_share_create(1);
	CHECK_RC(sv_share_grant(v, (sv_domid_t)si->domid), SV_OK);
	CHECK_EQ(sv_share_get(v, PORT2), 0);
	CHECK_RC(sv_share_map(v, VA + SV_PAGE_SIZE, 0), SV_OK);
	CHECK_RC(sv_share_map(S, VA, 0), SV_EEXIST);
	CHECK_RC(sv_share_map(S, VA + SV_PAGE_SIZE, 0), SV_EEXIST);
	CHECK(!writable(VA), "a failed overlapping map left %#x mapped", VA);
	CHECK_EQ(status_of(S).mapped_at, 0);
	CHECK_RC(sv_share_map(S, VA + 2 * SV_PAGE_SIZE, 0), SV_OK);	/* just after it: fine */
	CHECK_RC(sv_share_unmap(S), SV_OK);
	CHECK_RC(sv_share_drop(v), SV_OK);
	CHECK_RC(sv_share_destroy(v), SV_OK);
}

static void test_info(void)
{
	const uint32_t bad[] = { 0, SV_START_INFO, TEXT, SV_GUEST_LIMIT, UNMAPPED,
				 si->heap_end - 8 };
	for (uint32_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(sv_share_info(S, (struct sv_share_status *)bad[i]) == SV_EFAULT,
		      "share_info(%#x) is not SV_EFAULT", bad[i]);
}

/* ---- domain 0: watches */

static void test_watch(void)
{
	static uint32_t c = 7, other[2];
	const uint32_t bad_counter[] = { SV_START_INFO, TEXT, 0, SV_GUEST_LIMIT, 0xFFFFFFFCu,
					 UNMAPPED };

	CHECK_RC(sv_watch(S, BYTES, &c), SV_EINVAL);
	CHECK_RC(sv_watch(S, 0xFFFFFFFFu, &c), SV_EINVAL);
	CHECK_RC(sv_watch(S, 100, (uint32_t *)((uint8_t *)other + 1)), SV_EINVAL);
	CHECK_RC(sv_watch(S, 100, (uint32_t *)((uint8_t *)other + 2)), SV_EINVAL);
	for (uint32_t i = 0; i < sizeof(bad_counter) / sizeof(bad_counter[0]); i++)
		CHECK(sv_watch(S, 100, (uint32_t *)bad_counter[i]) == SV_EFAULT,
		      "watch with the counter at %#x is not SV_EFAULT", bad_counter[i]);
	CHECK_EQ(sv_trigger(S, 100), 0);		/* none of those was added */
	CHECK_EQ(c, 7);

	CHECK_RC(sv_watch(S, 100, &c), SV_OK);
	CHECK_RC(sv_watch(S, 100, &c), SV_EEXIST);
	CHECK_EQ(sv_trigger(S, 100), 1);		/* one watch, counted once */
	CHECK_EQ(c, 6);
	CHECK_RC(sv_unwatch(S, 101, &c), SV_ENOENT);
	CHECK_RC(sv_unwatch(S, 100, &other[0]), SV_ENOENT);
	CHECK_RC(sv_unwatch(S, 100, &c), SV_OK);
	CHECK_RC(sv_unwatch(S, 100, &c), SV_ENOENT);

	CHECK_RC(sv_trigger(S, BYTES), SV_EINVAL);
	CHECK_RC(sv_trigger(S, 0xFFFFFFFFu), SV_EINVAL);
	CHECK_EQ(c, 6);
}

/* ---- domain 0: sg_register and sg_unregister */

#define A_HANDLE	INT32_MAX	/* "any handle": success */

/* With everything else right, each list must give rc (for dir). */
static void register_expect(int line, uint32_t dir, const struct sv_sg *sg, uint32_t n,
			    uint32_t *len_va, int32_t rc)
{
	int32_t got = sv_sg_register(S, dir, sg, n, len_va);
	xtf_check(rc == A_HANDLE ? got >= 0 : got == rc, line,
		  "sg_register(dir %u, list %p, %u entries, len %p): %d (%s), expected %s",
		  dir, (const void *)sg, n, (void *)len_va, got, sv_strerror(got),
		  rc == A_HANDLE ? "a handle" : sv_strerror(rc));
	if (got >= 0)
		sv_sg_unregister(S, got);
}

#define REGISTER(dir, sg, n, len_va, rc) register_expect(__LINE__, dir, sg, n, len_va, rc)
#define ONE(addr, size) ((const struct sv_sg[]){ { (uint32_t)(addr), (size) } })

static void test_sg_register(void)
{
	static struct sv_sg many[SV_SG_MAX_ENTRIES + 1];
	const struct sv_sg good = { (uint32_t)buf, sizeof(buf) };
	uint32_t heap = si->heap_start;

	REGISTER(0, &good, 1, &len, SV_EINVAL);
	REGISTER(3, &good, 1, &len, SV_EINVAL);
	REGISTER(SV_SG_IN, &good, 0, &len, SV_EINVAL);
	for (uint32_t i = 0; i <= SV_SG_MAX_ENTRIES; i++)
		many[i] = (struct sv_sg){ heap + i * SV_PAGE_SIZE, SV_PAGE_SIZE };
	REGISTER(SV_SG_IN, many, SV_SG_MAX_ENTRIES + 1, &len, SV_EINVAL);
	REGISTER(SV_SG_IN, many, SV_SG_MAX_ENTRIES, &len, A_HANDLE);	/* exactly 64 KiB: fine */
	REGISTER(SV_SG_IN, ((const struct sv_sg[]){ good, { (uint32_t)buf2, 0 } }), 2, &len,
		 SV_EINVAL);
	REGISTER(SV_SG_IN, ((const struct sv_sg[]){ { heap, 32768 }, { heap, 32769 } }), 2, &len,
		 SV_EINVAL);
	REGISTER(SV_SG_OUT, ONE(heap, SV_SG_MAX_BYTES + 1), 1, &len, SV_EINVAL);

	/* Bad buffers. */
	REGISTER(SV_SG_OUT, ONE(0xFFFFF000u, 0x2000), 1, &len, SV_EFAULT);	/* wraps */
	REGISTER(SV_SG_OUT, ONE(0xFFFFFFF0u, 0x20), 1, &len, SV_EFAULT);
	REGISTER(SV_SG_OUT, ONE(SV_GUEST_LIMIT, 16), 1, &len, SV_EFAULT);
	REGISTER(SV_SG_OUT, ONE(0xC0100000u, 16), 1, &len, SV_EFAULT);
	REGISTER(SV_SG_OUT, ONE(SV_GUEST_LIMIT - 8, 16), 1, &len, SV_EFAULT);
	REGISTER(SV_SG_OUT, ONE(UNMAPPED, 16), 1, &len, SV_EFAULT);
	REGISTER(SV_SG_OUT, ONE(si->heap_end - 8, 16), 1, &len, SV_EFAULT);
	REGISTER(SV_SG_OUT, ONE(si->stack_bottom - 8, 16), 1, &len, SV_EFAULT);
	REGISTER(SV_SG_IN, ((const struct sv_sg[]){ good, { UNMAPPED, 1 } }), 2, &len, SV_EFAULT);
	/* Read-only memory: fine to send from, not to receive into. */
	REGISTER(SV_SG_IN, ONE(SV_START_INFO, 16), 1, &len, SV_EFAULT);
	REGISTER(SV_SG_IN, ONE(TEXT, 16), 1, &len, SV_EFAULT);
	REGISTER(SV_SG_OUT, ONE(SV_START_INFO, 16), 1, &len, A_HANDLE);
	REGISTER(SV_SG_OUT, ONE(TEXT, 16), 1, &len, A_HANDLE);

	/* A bad array, a bad length word. */
	REGISTER(SV_SG_IN, NULL, 1, &len, SV_EFAULT);
	REGISTER(SV_SG_IN, (const struct sv_sg *)SV_GUEST_LIMIT, 1, &len, SV_EFAULT);
	REGISTER(SV_SG_IN, (const struct sv_sg *)(si->heap_end - 4), 1, &len, SV_EFAULT);
	REGISTER(SV_SG_IN, &good, 1, NULL, SV_EFAULT);
	REGISTER(SV_SG_IN, &good, 1, (uint32_t *)SV_START_INFO, SV_EFAULT);
	REGISTER(SV_SG_IN, &good, 1, (uint32_t *)TEXT, SV_EFAULT);
	REGISTER(SV_SG_IN, &good, 1, (uint32_t *)SV_GUEST_LIMIT, SV_EFAULT);
	REGISTER(SV_SG_IN, &good, 1, (uint32_t *)0xFFFFFFFEu, SV_EFAULT);
	REGISTER(SV_SG_IN, &good, 1, (uint32_t *)(si->heap_end - 2), SV_EFAULT);

	/* No list was left behind by any of those. */
	CHECK_RC(sv_sg_xfer(S, SV_XFER_SEND, 0, &good, 1), SV_EAGAIN);
	CHECK_RC(sv_sg_xfer(S, SV_XFER_RECV, 0, &good, 1), SV_EAGAIN);
}

static void test_sg_unregister(void)
{
	const struct sv_sg in = { (uint32_t)buf, sizeof(buf) }, out = { (uint32_t)buf2, 8 };
	static const uint32_t bogus[] = { 0, 15, 0x7FFFFFF0u, 0x7FFFFFFFu, 0x80000000u,
					  0xFFFFFFFFu };

	for (uint32_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++)
		CHECK(sv_sg_unregister(S, (int32_t)bogus[i]) == SV_ENOENT,
		      "sg_unregister(%#x) is not SV_ENOENT", bogus[i]);
	int32_t h = sv_sg_register(S, SV_SG_IN, &in, 1, &len);
	CHECK(h >= 0, "sg_register: %d", h);
	CHECK_RC(sv_sg_unregister(S, h), SV_OK);
	CHECK_RC(sv_sg_unregister(S, h), SV_ENOENT);		/* twice */

	/* Used by a transfer: gone. */
	h = sv_sg_register(S, SV_SG_IN, &in, 1, &len);
	CHECK_EQ(sv_sg_xfer(S, SV_XFER_SEND, 0, &out, 1), 8);
	CHECK_RC(sv_sg_unregister(S, h), SV_ENOENT);

	/* With SV_XFER_WAIT, to ourselves: the transfer raises our own
	 * port, so the wait that follows ends at once, and the count comes
	 * back; with upcalls masked, the port is left pending for us. */
	h = sv_sg_register(S, SV_SG_IN, &in, 1, &len);
	events_disable();
	event_test_and_clear(PORT);	/* earlier transfers' events */
	CHECK_EQ(sv_sg_xfer(S, SV_XFER_SEND | SV_XFER_WAIT, 0, &out, 1), 8);
	CHECK(event_test_and_clear(PORT), "no event on port %u after the transfer", PORT);
	events_enable();
	CHECK_RC(sv_sg_unregister(S, h), SV_ENOENT);

	/* Another share's handle. */
	sv_share_t v = sv_share_create(1);
	CHECK_RC(sv_share_grant(v, (sv_domid_t)si->domid), SV_OK);
	CHECK_EQ(sv_share_get(v, PORT2), 0);
	h = sv_sg_register(v, SV_SG_IN, &in, 1, &len);
	CHECK(h >= 0, "sg_register on another share: %d", h);
	CHECK_RC(sv_sg_unregister(S, h), SV_ENOENT);
	CHECK_RC(sv_sg_unregister(v, h), SV_OK);
	CHECK_RC(sv_share_drop(v), SV_OK);
	CHECK_RC(sv_share_destroy(v), SV_OK);
}

/* ---- domain 0: sg_xfer */

#define XFER(dir, peer, sg, n, rc) CHECK_RC(sv_sg_xfer(S, dir, peer, sg, n), rc)

static void test_xfer_args(void)
{
	static struct sv_sg many[SV_SG_MAX_ENTRIES + 1];
	static uint8_t in_buf[64], out_buf[64];
	static uint32_t in_len, out_len;
	const struct sv_sg good = { (uint32_t)buf, sizeof(buf) };

	/* Lists that every bad transfer below must leave alone. */
	memset(in_buf, 0, sizeof(in_buf));
	memset(out_buf, 0x5A, sizeof(out_buf));
	memset(buf, 0xA5, sizeof(buf));
	in_len = out_len = 0xFFFFFFFFu;
	CHECK(sv_sg_register(S, SV_SG_IN, ONE(in_buf, 64), 1, &in_len) >= 0, "IN list");
	CHECK(sv_sg_register(S, SV_SG_OUT, ONE(out_buf, 64), 1, &out_len) >= 0, "OUT list");

	XFER(0, 0, &good, 1, SV_EINVAL);
	XFER(3, 0, &good, 1, SV_EINVAL);
	/* SV_XFER_WAIT needs a direction, and no other bit is known; a
	 * transfer that fails does not wait. With nothing pending, a wait
	 * would last until the timer armed here: the clock and the timer's
	 * port say it did not happen. */
	uint64_t t0 = 0, t1 = 0;
	events_take_pending();
	sv_time_get(&t0);
	CHECK_RC(sv_timer_set(t0 + 50 * MS), SV_OK);
	XFER(SV_XFER_WAIT, 0, &good, 1, SV_EINVAL);
	XFER(3 | SV_XFER_WAIT, 0, &good, 1, SV_EINVAL);
	XFER(SV_XFER_SEND | 0x200, 0, &good, 1, SV_EINVAL);
	XFER(SV_XFER_SEND | SV_XFER_WAIT, 3, &good, 1, SV_ENOENT);
	sv_time_get(&t1);
	CHECK(t1 < t0 + 50 * MS && !event_test_and_clear(SV_PORT_TIMER),
	      "a failing SV_XFER_WAIT transfer slept: %llu ns", t1 - t0);
	CHECK_RC(sv_timer_set(0), SV_OK);
	XFER(SV_XFER_SEND, 3, &good, 1, SV_ENOENT);		/* never was a peer */
	XFER(SV_XFER_SEND, SV_SHARE_MAX_PEERS, &good, 1, SV_ENOENT);
	XFER(SV_XFER_RECV, 0xFFFFFFFFu, &good, 1, SV_ENOENT);
	XFER(SV_XFER_SEND, 0, &good, 0, SV_EINVAL);
	for (uint32_t i = 0; i <= SV_SG_MAX_ENTRIES; i++)
		many[i] = good;
	XFER(SV_XFER_SEND, 0, many, SV_SG_MAX_ENTRIES + 1, SV_EINVAL);
	XFER(SV_XFER_SEND, 0, ((const struct sv_sg[]){ good, { (uint32_t)buf2, 0 } }), 2,
	     SV_EINVAL);
	XFER(SV_XFER_SEND, 0, ONE(si->heap_start, SV_SG_MAX_BYTES + 1), 1, SV_EINVAL);
	XFER(SV_XFER_SEND, 0, ONE(SV_GUEST_LIMIT, 16), 1, SV_EFAULT);
	XFER(SV_XFER_SEND, 0, ONE(0xFFFFF000u, 0x2000), 1, SV_EFAULT);
	XFER(SV_XFER_SEND, 0, ONE(UNMAPPED, 16), 1, SV_EFAULT);
	XFER(SV_XFER_SEND, 0, ((const struct sv_sg[]){ good, { si->heap_end - 8, 16 } }), 2,
	     SV_EFAULT);
	XFER(SV_XFER_SEND, 0, NULL, 1, SV_EFAULT);
	XFER(SV_XFER_RECV, 0, ONE(SV_START_INFO, 16), 1, SV_EFAULT);	/* read-only */
	XFER(SV_XFER_RECV, 0, ONE(TEXT, 16), 1, SV_EFAULT);

	/* Nothing moved, and both lists are still there. */
	CHECK_EQ(in_len, 0xFFFFFFFFu);
	CHECK_EQ(out_len, 0xFFFFFFFFu);
	CHECK_EQ(in_buf[0], 0);
	CHECK_EQ(sv_sg_xfer(S, SV_XFER_SEND, 0, &good, 1), 64);
	CHECK_EQ(in_len, 64);
	CHECK(memcmp(in_buf, buf, 64) == 0, "the good SEND did not arrive");
	CHECK_EQ(sv_sg_xfer(S, SV_XFER_RECV, 0, ONE(buf2, 64), 1), 64);
	CHECK_EQ(out_len, 64);
	CHECK(memcmp(buf2, out_buf, 64) == 0, "the good RECV did not arrive");
	CHECK_RC(sv_sg_xfer(S, SV_XFER_SEND, 0, &good, 1), SV_EAGAIN);
}

/* The peer's oldest list went bad (its page was unmapped since): that
 * list is thrown away unwritten, SV_EFAULT, and the next list is used. */
static void test_xfer_stale_list(void)
{
	static uint32_t bad_len, good_len;
	static uint8_t good_buf[64];
	const struct sv_sg src = { (uint32_t)buf, sizeof(buf) };

	CHECK_RC(sv_share_map(S, VA, 0), SV_OK);
	bad_len = good_len = 0xFFFFFFFFu;
	int32_t hbad = sv_sg_register(S, SV_SG_IN, ONE(VA + 100, 64), 1, &bad_len);
	int32_t hgood = sv_sg_register(S, SV_SG_IN, ONE(good_buf, 64), 1, &good_len);
	CHECK(hbad >= 0 && hgood >= 0, "sg_register: %d, %d", hbad, hgood);
	CHECK_RC(sv_share_unmap(S), SV_OK);
	CHECK_RC(sv_sg_xfer(S, SV_XFER_SEND, 0, &src, 1), SV_EFAULT);
	CHECK_EQ(bad_len, 0xFFFFFFFFu);
	CHECK_RC(sv_sg_unregister(S, hbad), SV_ENOENT);	/* thrown away */
	CHECK_EQ(sv_sg_xfer(S, SV_XFER_SEND, 0, &src, 1), 64);
	CHECK_EQ(good_len, 64);
	CHECK_RC(sv_sg_unregister(S, hgood), SV_ENOENT);	/* used */
}

/* A live peer without lists (SV_EAGAIN), then one that has left
 * (SV_ENOENT), on T with the other domain. */
static void test_xfer_peers(uint32_t other)
{
	static uint32_t left = 1;
	const struct sv_sg sg = { (uint32_t)buf, sizeof(buf) };

	CHECK_EQ(sv_share_get(T, PORT2), 0);
	CHECK_RC(sv_watch(T, 0, &left), SV_OK);
	CHECK_RC(sv_share_grant(T, (sv_domid_t)other), SV_OK);
	CHECK(WAIT_UNTIL(peers_of(T) == 0x3), "the other domain never got T");
	CHECK_RC(sv_sg_xfer(T, SV_XFER_SEND, 1, &sg, 1), SV_EAGAIN);
	CHECK_RC(sv_sg_xfer(T, SV_XFER_RECV, 1, &sg, 1), SV_EAGAIN);
	CHECK(signal_peer(T, OFF_GO, 1), "the other domain never waited for OFF_GO");
	CHECK(WAIT_UNTIL(left == 0), "the other domain never dropped T");
	CHECK_EQ(peers_of(T), 0x1);
	CHECK_RC(sv_sg_xfer(T, SV_XFER_SEND, 1, &sg, 1), SV_ENOENT);
	CHECK_RC(sv_sg_xfer(T, SV_XFER_RECV, 1, &sg, 1), SV_ENOENT);
	CHECK_RC(sv_share_drop(T), SV_OK);
	CHECK_RC(sv_share_destroy(T), SV_OK);
}

static int dom0(sv_share_t id)
{
	(void)id;
	uint32_t other = sv_cmdline_uint("other", 1);
	uint32_t base = free_and_others();

	S = sv_share_create(NPAGES);
	T = sv_share_create(NPAGES);
	if (!CHECK_EQ(S, S_ID) || !CHECK_EQ(T, T_ID))
		return xtf_verdict("share_bad");
	CHECK_RC(sv_share_grant(T, (sv_domid_t)si->domid), SV_OK);

	group("ids", test_ids);
	group("create and grant", test_create_grant);
	group("get", test_get);
	group("map", test_map);
	group("info", test_info);
	group("watch", test_watch);
	group("sg_register", test_sg_register);
	group("sg_unregister", test_sg_unregister);
	group("sg_xfer arguments", test_xfer_args);
	group("sg_xfer to a list gone bad", test_xfer_stale_list);
	test_xfer_peers(other);

	CHECK(WAIT_UNTIL(others_ended()), "the other domain did not end");
	CHECK_RC(sv_share_grant(S, (sv_domid_t)other), SV_ENOENT);	/* not running */
	CHECK_RC(sv_share_drop(S), SV_OK);
	CHECK_RC(sv_share_drop(S), SV_ENOENT);
	CHECK_RC(sv_share_destroy(S), SV_OK);
	CHECK_EQ(free_and_others(), base);
	printf("%u checks\n", xtf_checks);
	return xtf_verdict("share_bad");
}

/* ---- the other domain: not privileged */

static int other(sv_share_t id)
{
	(void)id;
	/* Only domain 0 may, whatever the arguments. */
	CHECK_RC(sv_share_create(1), SV_EPERM);
	CHECK_RC(sv_share_create(0), SV_EPERM);
	CHECK_RC(sv_share_create(SV_SHARE_MAX_PAGES + 1), SV_EPERM);
	CHECK_RC(sv_share_grant(S_ID, (sv_domid_t)si->domid), SV_EPERM);
	CHECK_RC(sv_share_grant(T_ID, 0), SV_EPERM);
	CHECK_RC(sv_share_grant(12345, 99), SV_EPERM);
	CHECK_RC(sv_share_destroy(S_ID), SV_EPERM);
	CHECK_RC(sv_share_destroy(12345), SV_EPERM);

	/* S exists (once domain 0 made it) but is never granted to us. */
	int32_t rc = SV_ENOENT;
	for (uint32_t i = 0; i < POLL_TRIES && rc == SV_ENOENT; i++) {
		rc = sv_share_get(S_ID, OTHER_PORT);
		if (rc == SV_ENOENT)
			sv_sleep_ns(POLL_NS);
	}
	CHECK_RC(rc, SV_EPERM);

	CHECK_EQ(get_when_granted(T_ID, OTHER_PORT), 1);
	CHECK_STATUS(T_ID, .npages = NPAGES, .peer_id = 1, .port = OTHER_PORT, .peers = 0x3);
	CHECK_RC(sv_share_get(S_ID, OTHER_PORT + 1), SV_EPERM);	/* still not granted */
	CHECK_RC(sv_share_get(T_ID, OTHER_PORT + 1), SV_EEXIST);
	CHECK_RC(sv_share_destroy(T_ID), SV_EPERM);
	CHECK(await_trigger(T_ID, OFF_GO), "domain 0 never said OFF_GO");
	CHECK_RC(sv_share_drop(T_ID), SV_OK);
	CHECK_RC(sv_share_drop(T_ID), SV_ENOENT);
	return xtf_verdict("share_bad");
}

int main(const struct sv_start_info *start)
{
	static const struct role roles[] = { { "dom0", dom0 }, { "other", other } };

	si = start;
	return run_role("share_bad", roles, sizeof(roles) / sizeof(roles[0]));
}
