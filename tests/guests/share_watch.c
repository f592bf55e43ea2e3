/*
 * share_watch: address watches count down, and raise the watcher's port
 * exactly when the counter is 0 after a trigger.
 *
 *   module line: share_watch.elf name=NAME   (domain 0, alone)
 *
 * Domain 0 creates a 2-page share, grants it to itself and gets it, so
 * it is both the watcher and the one that triggers. A trigger raises the
 * port before the hypercall returns, and every return from the
 * hypervisor delivers pending events, so "no event" can be checked right
 * after the trigger, with no waiting:
 *
 *   counter 1        one trigger: 0 and an event
 *   counter at 0     stays 0, and each trigger raises the port again
 *   counter 3        no event after the 1st and 2nd trigger, one after the 3rd
 *   two watches      on one offset: trigger returns 2; an offset with no
 *                    watch returns 0
 *   re-armed         the guest writes its counter again: the count starts over
 *   unwatch          the watch is gone (trigger no longer counts it); a
 *                    second unwatch is SV_ENOENT
 *   lost counter     a counter inside the share's own mapping: once the
 *                    share is unmapped the counter is not writable, and
 *                    the next trigger removes that watch (not counted, the
 *                    counter untouched when the page comes back, and
 *                    watching it again is not SV_EEXIST)
 *   freed counter    a counter in another share B's page: B is dropped and
 *                    destroyed, and share C made from its freed frame and
 *                    mapped elsewhere: the trigger removes the watch and C
 *                    is unchanged (a freed frame is never written). With C
 *                    mapped where B was, the counter is our memory again,
 *                    and the watch counts in C's page, as the address says
 *   page ends        counters in the last 4 bytes of a page: of our heap
 *                    (the next page mapped), of our memory, of a share
 *                    mapping with nothing after it, and at 0xBFFFFFFC, the
 *                    last word a guest can have. Each counts, and the bytes
 *                    around it stay as they were. A counter that would
 *                    straddle the end (not 4-aligned, so never a counter)
 *                    is SV_EINVAL, or SV_EFAULT where its second half is
 *                    unmapped too (the header leaves which); the first
 *                    byte after the end is SV_EFAULT
 *   trigger+wait     SV_TRIGGER_WAIT: the count as a trigger's, the wait
 *                    over at once (our own port is raised); a failing one
 *                    returns its error without waiting
 *
 * At the end the share is dropped (which removes the watch still on it
 * and an sg list: got again, the share has neither), destroyed, and the free frames are
 * what they were. It prints "N events on port 7": 15 in all.
 */
#include "shares.h"

#define NPAGES	2
#define PORT	7
#define MAP_VA	0x10000000u

static sv_share_t id;

/* Trigger off; check how many watches fired and whether PORT arrived. */
static void trigger_expect(int line, uint32_t off, int32_t fired, bool event)
{
	uint32_t before = port_events[PORT];
	int32_t rc = sv_trigger(id, off);
	uint32_t events = port_events[PORT] - before;
	xtf_check(rc == fired, line, "trigger(%#x): fired %d watches, expected %d", off, rc, fired);
	xtf_check(events == (event ? 1u : 0u), line, "trigger(%#x): %u events on port %u, "
		  "expected %u", off, events, PORT, event ? 1 : 0);
}

#define TRIGGER(off, fired, event) trigger_expect(__LINE__, (off), (fired), (event))

static void test_counter_one(void)
{
	static uint32_t c = 1;
	CHECK_RC(sv_watch(id, 100, &c), SV_OK);
	TRIGGER(100, 1, true);
	CHECK_EQ(c, 0);
	/* Already 0: it stays 0, and raises the port each time. */
	TRIGGER(100, 1, true);
	CHECK_EQ(c, 0);
	TRIGGER(100, 1, true);
	CHECK_EQ(c, 0);
	/* The guest re-arms it: two triggers to go. */
	c = 2;
	TRIGGER(100, 1, false);
	CHECK_EQ(c, 1);
	TRIGGER(100, 1, true);
	CHECK_EQ(c, 0);
	CHECK_RC(sv_unwatch(id, 100, &c), SV_OK);
}

static void test_counter_three(void)
{
	static uint32_t c = 3;
	CHECK_RC(sv_watch(id, 200, &c), SV_OK);
	TRIGGER(200, 1, false);
	CHECK_EQ(c, 2);
	TRIGGER(200, 1, false);
	CHECK_EQ(c, 1);
	TRIGGER(200, 1, true);
	CHECK_EQ(c, 0);
	CHECK_RC(sv_unwatch(id, 200, &c), SV_OK);
	TRIGGER(200, 0, false);
	CHECK_EQ(c, 0);
}

/* Two counters on one offset, and one counter on two offsets (each
 * (share, offset, counter) is its own watch). */
static void test_two_watches_and_unwatch(void)
{
	static uint32_t a = 1, b = 2;
	CHECK_RC(sv_watch(id, 300, &a), SV_OK);
	CHECK_RC(sv_watch(id, 300, &b), SV_OK);
	CHECK_RC(sv_watch(id, 2 * SV_PAGE_SIZE - 1, &b), SV_OK);	/* the last byte */
	TRIGGER(301, 0, false);			/* no watch there */
	TRIGGER(300, 2, true);			/* a reaches 0, b does not */
	CHECK_EQ(a, 0);
	CHECK_EQ(b, 1);
	CHECK_RC(sv_unwatch(id, 300, &a), SV_OK);
	CHECK_RC(sv_unwatch(id, 300, &a), SV_ENOENT);
	CHECK_RC(sv_unwatch(id, 301, &b), SV_ENOENT);	/* wrong offset */
	TRIGGER(300, 1, true);			/* only b now: 1 -> 0 */
	CHECK_EQ(a, 0);
	CHECK_EQ(b, 0);
	b = 1;
	TRIGGER(2 * SV_PAGE_SIZE - 1, 1, true);
	CHECK_EQ(b, 0);
	CHECK_RC(sv_unwatch(id, 300, &b), SV_OK);
	CHECK_RC(sv_unwatch(id, 2 * SV_PAGE_SIZE - 1, &b), SV_OK);
	TRIGGER(300, 0, false);
}

/* A counter whose page goes away: the watch is removed when it fires. */
static void test_lost_counter(void)
{
	static uint32_t mine = 5;
	uint32_t *in_share = (uint32_t *)(MAP_VA + SV_PAGE_SIZE + 8);

	CHECK_RC(sv_share_map(id, MAP_VA, 0), SV_OK);
	*in_share = 1;
	CHECK_RC(sv_watch(id, 400, in_share), SV_OK);
	CHECK_RC(sv_watch(id, 400, &mine), SV_OK);
	*in_share = 2;
	TRIGGER(400, 2, false);			/* both counted: 2 -> 1, 5 -> 4 */
	CHECK_EQ(*in_share, 1);
	CHECK_EQ(mine, 4);

	CHECK_RC(sv_share_unmap(id), SV_OK);
	TRIGGER(400, 1, false);			/* the lost one is not counted */
	CHECK_EQ(mine, 3);

	/* The page comes back (same share, same place): the counter was not
	 * touched, and no watch is left on it. */
	CHECK_RC(sv_share_map(id, MAP_VA, 0), SV_OK);
	CHECK_EQ(*in_share, 1);
	TRIGGER(400, 1, false);
	CHECK_EQ(*in_share, 1);
	CHECK_EQ(mine, 2);
	CHECK_RC(sv_unwatch(id, 400, in_share), SV_ENOENT);
	CHECK_RC(sv_watch(id, 400, in_share), SV_OK);	/* not SV_EEXIST */
	TRIGGER(400, 2, true);			/* 1 -> 0 raises */
	CHECK_EQ(*in_share, 0);
	CHECK_EQ(mine, 1);
	CHECK_RC(sv_unwatch(id, 400, in_share), SV_OK);
	/* mine stays watched: the drop must remove it. */
}

#define OTHER_PORT	8	/* for the other shares, one at a time */

/* A counter in a page that is freed and given to another share. */
static void test_freed_counter(void)
{
	static uint8_t c_was[SV_PAGE_SIZE];
	const uint32_t b_va = 0x20000000u, c_va = 0x21000000u, at = SV_PAGE_SIZE - 4;
	volatile uint32_t *counter = (volatile uint32_t *)(b_va + at);

	sv_share_t b = own_share(1, OTHER_PORT, b_va);
	*counter = 3;
	CHECK_RC(sv_watch(id, 500, (uint32_t *)counter), SV_OK);
	TRIGGER(500, 1, false);
	CHECK_EQ(*counter, 2);
	drop_and_destroy(b);				/* B's frame is free */
	sv_share_t c = own_share(1, OTHER_PORT, c_va);	/* first fit: B's frame again */
	fill_stream((uint8_t *)c_va, SV_PAGE_SIZE, 9);
	memcpy(c_was, (const void *)c_va, SV_PAGE_SIZE);
	TRIGGER(500, 0, false);			/* the counter is gone: so is the watch */
	CHECK_BYTES("C after the trigger", c_va, c_was, SV_PAGE_SIZE);
	CHECK_RC(sv_unwatch(id, 500, (uint32_t *)counter), SV_ENOENT);
	drop_and_destroy(c);

	/* The same, but C is mapped where B was: the address is ours again. */
	b = own_share(1, OTHER_PORT, b_va);
	*counter = 3;
	CHECK_RC(sv_watch(id, 500, (uint32_t *)counter), SV_OK);
	drop_and_destroy(b);
	c = own_share(1, OTHER_PORT, b_va);
	fill_stream((uint8_t *)b_va, SV_PAGE_SIZE, 10);
	*counter = 1;
	memcpy(c_was, (const void *)b_va, SV_PAGE_SIZE);
	TRIGGER(500, 1, true);
	c_was[at] = 0;				/* 1 -> 0, little-endian */
	CHECK_BYTES("C where B was, after the trigger", b_va, c_was, SV_PAGE_SIZE);
	CHECK_RC(sv_unwatch(id, 500, (uint32_t *)counter), SV_OK);
	drop_and_destroy(c);
}

/* Watch a counter at va (2 to go), trigger once, twice: it counts, and
 * the 8 bytes on each side are untouched (those that are mapped). */
static void count_at(int line, uint32_t va, bool before_mapped, bool after_mapped)
{
	volatile uint32_t *c = (volatile uint32_t *)va;
	uint8_t around[2][8];
	fill_stream(around[0], 8, (uint32_t)line);
	fill_stream(around[1], 8, (uint32_t)line + 1);
	if (before_mapped)
		memcpy((void *)(va - 8), around[0], 8);
	if (after_mapped)
		memcpy((void *)(va + 4), around[1], 8);
	*c = 2;
	xtf_check(sv_watch(id, 600, (uint32_t *)va) == SV_OK, line, "watch at %#x", va);
	trigger_expect(line, 600, 1, false);
	xtf_check(*c == 1, line, "the counter at %#x is %u, expected 1", va, *c);
	trigger_expect(line, 600, 1, true);
	xtf_check(*c == 0, line, "the counter at %#x is %u, expected 0", va, *c);
	xtf_check(sv_unwatch(id, 600, (uint32_t *)va) == SV_OK, line, "unwatch at %#x", va);
	if (before_mapped)
		check_bytes(line, "the 8 bytes before the counter", (const uint8_t *)(va - 8),
			    around[0], 8);
	if (after_mapped)
		check_bytes(line, "the 8 bytes after the counter", (const uint8_t *)(va + 4),
			    around[1], 8);
}

#define COUNT_AT(va, before, after) count_at(__LINE__, (va), (before), (after))

/* A page that ends where va + 4 does: straddling counters, the byte after. */
static void refused_at_end(uint32_t end, bool next_mapped)
{
	for (uint32_t off = 1; off < 4; off++) {
		uint32_t *c = (uint32_t *)(end - 4 + off);
		if (next_mapped)
			CHECK_RC(sv_watch(id, 600, c), SV_EINVAL);
		else
			CHECK_RC2(sv_watch(id, 600, c), SV_EINVAL, SV_EFAULT);
	}
	if (!next_mapped)
		CHECK_RC(sv_watch(id, 600, (uint32_t *)end), SV_EFAULT);
	TRIGGER(600, 0, false);			/* none of them was added */
}

static void test_page_ends(const struct sv_start_info *si)
{
	const uint32_t t_va = 0x22000000u;

	COUNT_AT(si->heap_start + SV_PAGE_SIZE - 4, true, true);
	refused_at_end(si->heap_start + SV_PAGE_SIZE, true);
	COUNT_AT(si->heap_end - 4, true, false);
	refused_at_end(si->heap_end, false);

	sv_share_t t = own_share(1, OTHER_PORT, t_va);
	COUNT_AT(t_va + SV_PAGE_SIZE - 4, true, false);
	refused_at_end(t_va + SV_PAGE_SIZE, false);
	CHECK_RC(sv_share_unmap(t), SV_OK);
	CHECK_RC(sv_share_map(t, SV_GUEST_LIMIT - SV_PAGE_SIZE, 0), SV_OK);
	COUNT_AT(SV_GUEST_LIMIT - 4, true, false);
	refused_at_end(SV_GUEST_LIMIT, false);
	drop_and_destroy(t);
}

/* SV_TRIGGER_WAIT: the trigger, then SV_OP_WAIT, in one hypercall.
 * With upcalls masked, our own watch raises PORT, so the wait ends at
 * once, and the event is delivered once upcalls are back on. A trigger
 * that fails does not wait: with nothing pending and no timer armed,
 * such a wait would never end (the hypervisor would kill us for a
 * deadlock), so getting past those lines is the proof. */
static void test_trigger_wait(void)
{
	static uint32_t c = 1;
	uint32_t before = port_events[PORT];
	CHECK_RC(sv_watch(id, 500, &c), SV_OK);
	events_disable();
	CHECK_RC(sv_trigger(id, 500 | SV_TRIGGER_WAIT), 1);
	CHECK_EQ(c, 0);
	CHECK(shared_info->event_pending & (1u << PORT), "the trigger raised PORT");
	event_test_and_clear(PORT);		/* nothing pending from here */
	CHECK_RC(sv_trigger(id, NPAGES * SV_PAGE_SIZE | SV_TRIGGER_WAIT), SV_EINVAL);
	CHECK_RC(sv_trigger(id + SV_MAX_SHARES, 500 | SV_TRIGGER_WAIT), SV_ENOENT);
	c = 1;
	CHECK_RC(sv_trigger(id, 500 | SV_TRIGGER_WAIT), 1);	/* raises again: woken */
	events_enable();
	CHECK_EQ(port_events[PORT] - before, 1);	/* the second raise, delivered */
	CHECK_RC(sv_unwatch(id, 500, &c), SV_OK);
}

int main(const struct sv_start_info *si)
{
	events_init(count_event);
	uint32_t free0 = free_frames();

	id = sv_share_create(NPAGES);
	if (!CHECK(id >= 0, "share_create: %d (%s)", id, sv_strerror(id)))
		return xtf_verdict("share_watch");
	CHECK_RC(sv_share_grant(id, (sv_domid_t)si->domid), SV_OK);
	CHECK_EQ(sv_share_get(id, PORT), 0);

	test_counter_one();
	test_counter_three();
	test_two_watches_and_unwatch();
	test_lost_counter();
	test_freed_counter();
	test_page_ends(si);
	test_trigger_wait();

	/* The drop removes the watch left on offset 400, and an sg list:
	 * got again, the share has neither. */
	static uint32_t len;
	static uint8_t buf[16];
	const struct sv_sg sg = { (uint32_t)buf, sizeof(buf) };
	CHECK(sv_sg_register(id, SV_SG_IN, &sg, 1, &len) >= 0, "sg_register");
	CHECK_RC(sv_share_drop(id), SV_OK);
	CHECK_RC(sv_trigger(id, 400), SV_ENOENT);	/* not held any more */
	CHECK_EQ(sv_share_get(id, PORT), 0);
	TRIGGER(400, 0, false);
	CHECK_RC(sv_sg_xfer(id, SV_XFER_SEND, 0, &sg, 1), SV_EAGAIN);
	CHECK_RC(sv_share_destroy(id), SV_OK);
	CHECK_RC(sv_share_drop(id), SV_OK);
	CHECK_EQ(free_frames(), free0);
	printf("%u events on port %u\n", port_events[PORT], PORT);
	return xtf_verdict("share_watch");
}
