/*
 * test_share.c: the share IPC (share/share.c, share/watch.c, share/sg.c;
 * the ABI is section 7 of include/sharevisor.h), linked with the real
 * frame allocator (mm/frame.c) and guest-copy routines (mm/usercopy.c)
 * over fake domains, events and page tables (tests/unit/fake_kernel.c).
 *
 * The share code keeps its state in static tables with no reset, so the
 * tests run in order, each ending with every share gone, and check that
 * the frame allocator is back at its baseline (check_clean): that is the
 * lifetime test of every group, not only of the lifetime group.
 *
 * Each fake domain has 48 pages of RAM at SV_GUEST_BASE, laid out here as:
 *   WORDS    counters and length words
 *   LISTS    sv_sg arrays (registered lists are copied in, so reusable)
 *   BUF      buffers, up to BUF_END
 *   SCRATCH  where share_info writes
 * plus a read-only page at SV_START_INFO; HOLE is never mapped.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "domain.h"
#include "fake_kernel.h"
#include "frame.h"
#include "klib.h"
#include "share.h"
#include "share_state.h"
#include "usercopy.h"
#include "unit.h"

#define RAM		SV_GUEST_BASE
#define RAM_END		FAKE_RAM_END
#define WORDS		(RAM + 0x0000u)
#define LISTS		(RAM + 0x1000u)
#define XLIST		(RAM + 0x1800u)		/* the caller's list for sg_xfer */
#define BUF		(RAM + 0x2000u)
#define BUF_END		(RAM_END - 0x1000u)
#define SCRATCH		(RAM_END - 0x1000u)
#define RO_PAGE		SV_START_INFO
#define HOLE		0x3000u
#define MAP_VA		0x10000000u
#define ALL_DOMS	((1u << FAKE_NDOMS) - 1)

static uint32_t baseline;	/* frames_free() with every domain started, no share */

static struct domain *D(uint32_t i)
{
	return fake_dom(i);
}

static const char *errname(int64_t rc)
{
	static const char *const names[] = {
		"SV_OK", "SV_EPERM", "SV_ENOENT", "SV_ENOMEM", "SV_EFAULT", "SV_EINVAL",
		"SV_EBUSY", "SV_EEXIST", "SV_ENOSPC", "SV_ENOSYS", "SV_ERANGE", "SV_EAGAIN",
	};
	return rc <= 0 && rc >= -SV_ERRNO_MAX ? names[-rc] : "a value";
}

/* CHECK_RC(got, want, desc...): exact equality of a signed result. */
static bool check_rc(int64_t got, int64_t want, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static bool check_rc(int64_t got, int64_t want, int line, const char *fmt, ...)
{
	char desc[256], details[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	snprintf(details, sizeof(details), "got %lld (%s), expected %lld (%s)",
		 (long long)got, errname(got), (long long)want, errname(want));
	return unit_check(got == want, __FILE__, line, details, "%s", desc);
}
#define CHECK_RC(got, want, ...) check_rc((got), (want), __LINE__, __VA_ARGS__)

/* A setup step that must work: silent when it does, a failed check if not. */
static int32_t req(int32_t rc, const char *what, int line)
{
	if (rc < 0)
		unit_check(false, __FILE__, line, errname(rc), "setup step %s", what);
	return rc;
}
#define REQ(expr) req((expr), #expr, __LINE__)

/* Create an npages share as domain 0 and grant it to every domain in mask. */
static int32_t new_share(uint32_t npages, uint32_t mask)
{
	int32_t id = REQ(share_create(D(0), npages));
	for (uint32_t d = 0; d < FAKE_NDOMS; d++)
		if (mask & (1u << d))
			REQ(share_grant(D(0), (uint32_t)id, d));
	return id;
}

/* Every live domain drops it, and domain 0 destroys it. */
static void end_share(int32_t id)
{
	for (uint32_t d = 0; d < FAKE_NDOMS; d++)
		if (domain_alive(D(d)))
			share_drop(D(d), (uint32_t)id);
	share_destroy(D(0), (uint32_t)id);
}

static void check_clean(const char *when)
{
	fake_phys_sync();
	CHECK_EQ(frames_of_type(FRAME_SHARE), 0, "%s: no share frame is left", when);
	CHECK_EQ(frames_free(), baseline, "%s: the free frame count is back at its baseline (%u)",
		 when, baseline);
	CHECK_EQ(fake_bad_phys, 0, "%s: nothing touched a frame that is no guest or share page",
		 when);
	uint32_t pfn;
	const char *broken = fake_check_frames(&pfn);
	char details[128];
	snprintf(details, sizeof(details), "frame %#x: %s", pfn, broken ? broken : "");
	unit_check(!broken, __FILE__, __LINE__, details,
		   "%s: the frame table agrees with the page tables", when);
}

static int32_t info(uint32_t dom, int32_t id, struct sv_share_status *st)
{
	fake_gfill(dom, SCRATCH, 0xCC, sizeof(*st));
	int32_t rc = share_info(D(dom), (uint32_t)id, SCRATCH);
	fake_gread(dom, SCRATCH, st, sizeof(*st));
	return rc;
}

/* The frame guest va of dom maps, or FRAME_NONE. */
static uint32_t pfn_at(uint32_t dom, uint32_t va)
{
	uint32_t pa = fake_pa_of(dom, va);
	return pa == 0xFFFFFFFFu ? FRAME_NONE : pa >> PAGE_SHIFT;
}

/* Are frames pfn..pfn+n-1 share frames with this reference count? */
static bool share_frames(uint32_t pfn, uint32_t n, uint32_t refcount)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct frame *f = frame_info(pfn + i);
		if (!f || f->type != FRAME_SHARE || f->owner != DOMID_HYPERVISOR ||
		    f->refcount != refcount)
			return false;
	}
	return true;
}

/* Is nothing mapped in dom at [va, va + n pages)? */
static bool unmapped(uint32_t dom, uint32_t va, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (page_lookup(D(dom)->pgdir, va + i * PAGE_SIZE))
			return false;
	return true;
}

/* Write a one-entry list at va. */
static void put_sg(uint32_t dom, uint32_t va, uint32_t addr, uint32_t len)
{
	struct sv_sg e = { addr, len };
	fake_gwrite(dom, va, &e, sizeof(e));
}

static void put_list(uint32_t dom, uint32_t va, const struct sv_sg *e, uint32_t n)
{
	fake_gwrite(dom, va, e, n * (uint32_t)sizeof(*e));
}

/* Register a one-entry list (array at LISTS). */
static int32_t reg1(uint32_t dom, int32_t id, uint32_t dir, uint32_t addr, uint32_t len,
		    uint32_t len_va)
{
	put_sg(dom, LISTS, addr, len);
	return sg_register(D(dom), (uint32_t)id, dir, LISTS, 1, len_va);
}

/* sg_xfer with a one-entry list (array at XLIST). */
static int32_t xfer1(uint32_t dom, int32_t id, uint32_t dir, uint32_t peer, uint32_t addr,
		     uint32_t len)
{
	put_sg(dom, XLIST, addr, len);
	return sg_xfer(D(dom), (uint32_t)id, dir, peer, XLIST, 1);
}

static uint8_t pattern(uint32_t seed, uint32_t i)
{
	uint32_t x = seed * 0x9E3779B1u + i * 0x85EBCA6Bu;
	x ^= x >> 15;
	x *= 0x2C1B3C6Du;
	x ^= x >> 12;
	return (uint8_t)x;
}

static void put_pattern(uint32_t dom, uint32_t va, uint32_t len, uint32_t seed)
{
	uint8_t *b = malloc(len);
	for (uint32_t i = 0; i < len; i++)
		b[i] = pattern(seed, i);
	fake_gwrite(dom, va, b, len);
	free(b);
}

/* Does [va, va + len) of dom hold pattern(seed, from), pattern(seed, from + 1)...? */
static bool has_pattern(uint32_t dom, uint32_t va, uint32_t len, uint32_t seed, uint32_t from)
{
	uint8_t *b = malloc(len ? len : 1);
	fake_gread(dom, va, b, len);
	bool ok = true;
	for (uint32_t i = 0; i < len && ok; i++)
		ok = b[i] == pattern(seed, from + i);
	free(b);
	return ok;
}

/* Is every byte of [va, va + len) of dom equal to byte? */
static bool all_bytes(uint32_t dom, uint32_t va, uint32_t len, uint8_t byte)
{
	uint8_t *b = malloc(len ? len : 1);
	fake_gread(dom, va, b, len);
	bool ok = true;
	for (uint32_t i = 0; i < len && ok; i++)
		ok = b[i] == byte;
	free(b);
	return ok;
}

/* ------------------------------------------------------------------ */

static void test_create(void)
{
	check_clean("at the start");
	CHECK_RC(share_create(D(1), 1), SV_EPERM, "create by domain 1: SV_EPERM");
	CHECK_RC(share_create(D(3), 4), SV_EPERM, "create by domain 3: SV_EPERM");
	CHECK_RC(share_create(D(0), 0), SV_EINVAL, "create of 0 pages: SV_EINVAL");
	CHECK_RC(share_create(D(0), SV_SHARE_MAX_PAGES + 1), SV_EINVAL,
		 "create of SV_SHARE_MAX_PAGES + 1 pages: SV_EINVAL");
	CHECK_RC(share_create(D(0), 0xFFFFFFFFu), SV_EINVAL, "create of 0xFFFFFFFF pages: SV_EINVAL");
	CHECK_EQ(frames_free(), baseline, "refused creates take no frame");

	int32_t a = share_create(D(0), 3);
	CHECK(a >= 0, "create of 3 pages returns an id (%d)", a);
	CHECK_EQ(frames_free(), baseline - 3, "it takes 3 frames");
	CHECK_EQ(frames_of_type(FRAME_SHARE), 3, "3 frames are FRAME_SHARE");
	uint32_t first = FRAME_NONE;
	for (uint32_t pfn = 0; pfn < frames_total() && first == FRAME_NONE; pfn++)
		if (frame_info(pfn)->type == FRAME_SHARE)
			first = pfn;
	CHECK(share_frames(first, 3, 1),
	      "the 3 frames are contiguous, owned by the hypervisor, refcount 1");
	bool zero = true;
	for (uint32_t i = 0; i < 3 * PAGE_SIZE; i++)
		zero &= ((uint8_t *)fake_phys(first << PAGE_SHIFT))[i] == 0;
	CHECK(zero, "and zeroed (the free frames were all 0xA5)");

	int32_t b = share_create(D(0), SV_SHARE_MAX_PAGES);
	CHECK(b >= 0 && b != a, "a second share of SV_SHARE_MAX_PAGES pages gets another id (%d)", b);
	CHECK_EQ(frames_of_type(FRAME_SHARE), 3 + SV_SHARE_MAX_PAGES, "19 share frames in all");
	REQ(share_grant(D(0), (uint32_t)b, 1));
	CHECK_RC(share_get(D(1), (uint32_t)b, 5), 0, "domain 1 gets the big share: peer 0");
	CHECK_RC(share_map(D(1), (uint32_t)b, MAP_VA, 0), SV_OK, "and maps it");
	uint32_t bfirst = pfn_at(1, MAP_VA);
	bool contiguous = true;
	for (uint32_t i = 0; i < SV_SHARE_MAX_PAGES; i++)
		contiguous &= pfn_at(1, MAP_VA + i * PAGE_SIZE) == bfirst + i;
	CHECK(contiguous, "page i of the mapping is frame first + i: the frames are contiguous");
	CHECK(share_frames(bfirst, SV_SHARE_MAX_PAGES, 2),
	      "each FRAME_SHARE with refcount 2 (the share + the mapping)");
	CHECK(bfirst + SV_SHARE_MAX_PAGES <= first || bfirst >= first + 3,
	      "the two shares have disjoint frames");
	CHECK(all_bytes(1, MAP_VA, SV_SHARE_MAX_PAGES * PAGE_SIZE, 0), "it reads as zeroes");
	fake_gfill(1, MAP_VA, 0xFF, SV_SHARE_MAX_PAGES * PAGE_SIZE);	/* dirty it */
	end_share(b);
	CHECK_EQ(frames_of_type(FRAME_SHARE), 3, "dropped and destroyed: its 16 frames are free");

	/* The same frames, dirty now, come back zeroed. */
	int32_t c = share_create(D(0), SV_SHARE_MAX_PAGES);
	REQ(share_grant(D(0), (uint32_t)c, 1));
	REQ(share_get(D(1), (uint32_t)c, 5));
	REQ(share_map(D(1), (uint32_t)c, MAP_VA, 0));
	CHECK_EQ(pfn_at(1, MAP_VA), bfirst, "a new share of the same size reuses those frames");
	CHECK(all_bytes(1, MAP_VA, SV_SHARE_MAX_PAGES * PAGE_SIZE, 0),
	      "and is zeroed again although they were dirty");
	end_share(c);
	end_share(a);
	check_clean("create");
}

/* A stale id names nothing, for every operation, even when its slot
 * holds a live share the caller holds. */
static void test_stale_ids(void)
{
	int32_t a = share_create(D(0), 1);
	CHECK_RC(share_destroy(D(0), (uint32_t)a), SV_OK, "destroy of an unused share");
	CHECK_EQ(frames_free(), baseline, "no peer: its frame is freed at once");
	CHECK_RC(share_destroy(D(0), (uint32_t)a), SV_ENOENT, "destroy again: SV_ENOENT");
	int32_t c = share_create(D(0), 2);
	CHECK(c >= 0 && c != a, "the next create gets a different id (%d, was %d)", c, a);
	CHECK_EQ((uint32_t)c % SV_MAX_SHARES, (uint32_t)a % SV_MAX_SHARES,
		 "in the same slot (so the stale id is really tested)");

	REQ(share_grant(D(0), (uint32_t)c, 1));
	REQ(share_grant(D(0), (uint32_t)c, 2));
	REQ(share_get(D(1), (uint32_t)c, 5));
	REQ(share_get(D(2), (uint32_t)c, 5));
	REQ(share_map(D(1), (uint32_t)c, MAP_VA, 0));
	fake_put32(1, WORDS, 1);
	REQ(watch_add(D(1), (uint32_t)c, 0, WORDS));
	put_sg(1, LISTS, BUF, 16);
	int32_t h = REQ(sg_register(D(1), (uint32_t)c, SV_SG_IN, LISTS, 1, WORDS + 4));
	put_sg(2, XLIST, BUF, 16);
	uint32_t s = (uint32_t)a;

	CHECK_RC(share_grant(D(0), s, 3), SV_ENOENT, "stale id: grant");
	CHECK_RC(share_destroy(D(0), s), SV_ENOENT, "stale id: destroy");
	CHECK_RC(share_get(D(2), s, 9), SV_ENOENT, "stale id: get");
	CHECK_RC(share_drop(D(1), s), SV_ENOENT, "stale id: drop");
	CHECK_RC(share_map(D(1), s, MAP_VA + 0x100000, 0), SV_ENOENT, "stale id: map");
	CHECK_RC(share_unmap(D(1), s), SV_ENOENT, "stale id: unmap");
	CHECK_RC(share_info(D(1), s, SCRATCH), SV_ENOENT, "stale id: info");
	CHECK_RC(watch_add(D(1), s, 0, WORDS + 8), SV_ENOENT, "stale id: watch");
	CHECK_RC(watch_remove(D(1), s, 0, WORDS), SV_ENOENT, "stale id: unwatch");
	CHECK_RC(watch_trigger(D(2), s, 0), SV_ENOENT, "stale id: trigger");
	CHECK_RC(sg_register(D(1), s, SV_SG_IN, LISTS, 1, WORDS + 4), SV_ENOENT,
		 "stale id: sg_register");
	CHECK_RC(sg_unregister(D(1), s, (uint32_t)h), SV_ENOENT, "stale id: sg_unregister");
	CHECK_RC(sg_xfer(D(2), s, SV_XFER_SEND, 0, XLIST, 1), SV_ENOENT, "stale id: sg_xfer");
	CHECK_RC(share_info(D(1), (uint32_t)c + SV_MAX_SHARES, SCRATCH), SV_ENOENT,
		 "a future id of the slot: SV_ENOENT");
	CHECK_RC(share_info(D(1), 0x80000000u | (uint32_t)c, SCRATCH), SV_ENOENT,
		 "an id with the sign bit: SV_ENOENT");
	CHECK_RC(share_get(D(2), 0xFFFFFFFFu, 9), SV_ENOENT, "id 0xFFFFFFFF: SV_ENOENT");

	/* None of that touched the live share. */
	struct sv_share_status st;
	CHECK_RC(info(1, c, &st), SV_OK, "the live share: info");
	CHECK(st.npages == 2 && st.peer_id == 0 && st.port == 5 && st.peers == 3 &&
	      st.mapped_at == MAP_VA && st.destroyed == 0, "the live share is untouched");
	CHECK_RC(sg_xfer(D(2), (uint32_t)c, SV_XFER_SEND, 0, XLIST, 1), 16,
		 "its sg list is still registered");
	CHECK_RC(watch_trigger(D(2), (uint32_t)c, 0), 1, "its watch is still there");
	end_share(c);
	check_clean("stale ids");
}

static void test_create_limits(void)
{
	/* SV_ENOMEM: no frame at all, then free frames but no two adjacent. */
	static uint32_t eaten[FAKE_PHYS_BYTES / PAGE_SIZE];
	uint32_t n = 0;
	for (uint32_t pfn; (pfn = frame_alloc(DOMID_HYPERVISOR, FRAME_SELFTEST)) != FRAME_NONE;)
		eaten[n++] = pfn;
	CHECK_RC(share_create(D(0), 1), SV_ENOMEM, "create with no free frame: SV_ENOMEM");
	for (uint32_t i = 0; i < n; i++)
		if (eaten[i] % 2 == 0)
			frame_free(eaten[i]);
	uint32_t free_now = frames_free();
	CHECK(free_now > 100, "%u isolated free frames", free_now);
	CHECK_RC(share_create(D(0), 2), SV_ENOMEM, "no run of 2 free frames: SV_ENOMEM");
	CHECK_EQ(frames_free(), free_now, "the refused create took no frame");
	int32_t one = share_create(D(0), 1);
	CHECK(one >= 0, "a 1-page share still fits");
	REQ(share_destroy(D(0), (uint32_t)one));
	for (uint32_t i = 0; i < n; i++)
		if (eaten[i] % 2 == 1)
			frame_free(eaten[i]);
	check_clean("SV_ENOMEM");

	/* SV_MAX_SHARES; the SV_ENOMEM failures above must not hold a slot. */
	int32_t ids[SV_MAX_SHARES];
	bool all_ok = true, distinct = true;
	for (uint32_t i = 0; i < SV_MAX_SHARES; i++) {
		ids[i] = share_create(D(0), 1);
		all_ok &= ids[i] >= 0;
		for (uint32_t j = 0; j < i; j++)
			distinct &= ids[i] != ids[j];
	}
	CHECK(all_ok, "SV_MAX_SHARES creates succeed");
	CHECK(distinct, "with distinct ids");
	CHECK_RC(share_create(D(0), 1), SV_ENOSPC, "one more: SV_ENOSPC");
	CHECK_EQ(frames_free(), baseline - SV_MAX_SHARES, "and it took no frame");
	REQ(share_destroy(D(0), (uint32_t)ids[7]));
	int32_t again = share_create(D(0), 1);
	CHECK(again >= 0 && again != ids[7], "after one destroy there is room again, with a new id");
	CHECK_RC(share_create(D(0), 1), SV_ENOSPC, "and then none");
	ids[7] = again;
	for (uint32_t i = 0; i < SV_MAX_SHARES; i++)
		REQ(share_destroy(D(0), (uint32_t)ids[i]));
	check_clean("SV_MAX_SHARES");
}

static void test_grant(void)
{
	int32_t s = share_create(D(0), 1);
	uint32_t id = (uint32_t)s;
	CHECK_RC(share_grant(D(1), id, 1), SV_EPERM, "grant by domain 1: SV_EPERM");
	CHECK_RC(share_grant(D(2), id, 0), SV_EPERM, "grant by domain 2 (to domain 0): SV_EPERM");
	CHECK_RC(share_destroy(D(2), id), SV_EPERM, "destroy by domain 2: SV_EPERM");
	CHECK_RC(share_grant(D(0), id, FAKE_NDOMS), SV_ENOENT, "grant to a domain that never was");
	CHECK_RC(share_grant(D(0), id, 40), SV_ENOENT, "grant to domain 40");
	CHECK_RC(share_grant(D(0), id, 0xFFFFFFFFu), SV_ENOENT, "grant to domain 0xFFFFFFFF");
	fake_domain_die(9);
	CHECK_RC(share_grant(D(0), id, 9), SV_ENOENT, "grant to a dead domain: SV_ENOENT");
	fake_domain_start(9);
	CHECK_RC(share_grant(D(0), id, 1), SV_OK, "grant to domain 1");
	CHECK_RC(share_grant(D(0), id, 1), SV_OK, "granting twice is not an error");
	CHECK_RC(share_get(D(2), id, 5), SV_EPERM, "get by domain 2, not granted: SV_EPERM");
	CHECK_RC(share_get(D(0), id, 5), SV_EPERM, "domain 0 too needs a grant");
	CHECK_RC(share_grant(D(0), id, 0), SV_OK, "domain 0 grants to itself");
	CHECK_RC(share_get(D(0), id, 5), 0, "and gets it: peer 0");
	CHECK_RC(share_destroy(D(0), id), SV_OK, "destroy while domain 0 holds it");
	CHECK_RC(share_grant(D(0), id, 2), SV_ENOENT, "grant of a destroyed share: SV_ENOENT");
	CHECK_RC(share_get(D(1), id, 5), SV_ENOENT,
		 "get of a destroyed share, granted before: SV_ENOENT");
	CHECK_RC(share_destroy(D(0), id), SV_ENOENT, "destroy twice: SV_ENOENT");
	struct sv_share_status st;
	CHECK_RC(info(0, s, &st), SV_OK, "domain 0 still holds it");
	CHECK_EQ(st.destroyed, 1, "info: destroyed is 1");
	CHECK_EQ(frames_of_type(FRAME_SHARE), 1, "its frame stays while domain 0 holds it");
	CHECK_RC(share_drop(D(0), id), SV_OK, "domain 0 drops it");
	CHECK_RC(share_drop(D(0), id), SV_ENOENT, "and it is gone");
	check_clean("grant");
}

static void test_peers(void)
{
	int32_t s = new_share(1, ALL_DOMS & ~1u);	/* domains 1..9 */
	uint32_t id = (uint32_t)s;
	struct sv_share_status st;

	CHECK_RC(share_get(D(1), id, 5), 0, "A gets peer id 0");
	CHECK_RC(share_get(D(2), id, 5), 1, "B gets peer id 1 (ports are per domain)");
	CHECK_RC(share_drop(D(1), id), SV_OK, "A drops");
	CHECK_RC(share_get(D(3), id, 7), 0, "C gets the lowest free id: 0");
	CHECK_RC(share_get(D(1), id, 5), 2, "A comes back as peer 2");
	CHECK_RC(info(2, s, &st), SV_OK, "info by B");
	CHECK(st.npages == 1 && st.peer_id == 1 && st.port == 5 && st.peers == 7 &&
	      st.mapped_at == 0 && st.destroyed == 0,
	      "info: npages 1, peer 1, port 5, peers 0b111, not mapped, not destroyed");
	CHECK_RC(info(3, s, &st), SV_OK, "info by C");
	CHECK(st.peer_id == 0 && st.port == 7 && st.peers == 7, "C: peer 0, port 7");
	CHECK_RC(info(4, s, &st), SV_ENOENT, "info by a domain that does not hold it: SV_ENOENT");

	CHECK_RC(share_get(D(2), id, 6), SV_EEXIST, "get twice: SV_EEXIST");
	CHECK_RC(share_get(D(2), id, 5), SV_EEXIST, "get twice, same port: SV_EEXIST");
	CHECK_RC(share_get(D(4), id, 0), SV_EINVAL, "port 0 (the timer): SV_EINVAL");
	CHECK_RC(share_get(D(4), id, 1), SV_EINVAL, "port 1: SV_EINVAL");
	CHECK_RC(share_get(D(4), id, SV_NR_PORTS), SV_EINVAL, "port 32: SV_EINVAL");
	CHECK_RC(share_get(D(4), id, 0xFFFFFFFFu), SV_EINVAL, "port 0xFFFFFFFF: SV_EINVAL");

	int32_t t = new_share(1, 1u << 4);
	CHECK_RC(share_get(D(4), (uint32_t)t, 9), 0, "domain 4 binds port 9 to another share");
	CHECK_RC(share_get(D(4), id, 9), SV_EBUSY, "port 9 for this one: SV_EBUSY");
	CHECK_RC(share_get(D(4), id, SV_NR_PORTS - 1), 3, "port 31 is fine: peer 3");
	CHECK_RC(share_get(D(5), id, SV_PORT_FIRST_FREE), 4, "port 2 is fine: peer 4");
	int32_t u = new_share(1, 0);
	CHECK_RC(share_get(D(1), (uint32_t)u, 9), SV_EPERM, "a share granted to nobody: SV_EPERM");

	CHECK_RC(share_get(D(6), id, 5), 5, "peer 5");
	CHECK_RC(share_get(D(7), id, 5), 6, "peer 6");
	CHECK_RC(share_get(D(8), id, 5), 7, "peer 7");
	CHECK_RC(share_get(D(9), id, 5), SV_ENOSPC, "a 9th peer: SV_ENOSPC");
	CHECK_RC(info(8, s, &st), SV_OK, "info");
	CHECK_EQ(st.peers, 0xFF, "peers: all 8 ids held");
	CHECK_RC(share_drop(D(6), id), SV_OK, "peer 5 drops");
	CHECK_RC(share_get(D(9), id, 5), 5, "now the 9th domain gets peer 5");

	/* SV_MAX_HELD_SHARES: domain 9 holds s; 7 more, then one too many. */
	int32_t more[SV_MAX_HELD_SHARES];
	bool all_ok = true;
	for (uint32_t i = 0; i < SV_MAX_HELD_SHARES; i++) {
		more[i] = new_share(1, 1u << 9);
		if (i < SV_MAX_HELD_SHARES - 1)
			all_ok &= share_get(D(9), (uint32_t)more[i], 10 + i) == 0;
	}
	CHECK(all_ok, "domain 9 gets 7 more shares: it holds SV_MAX_HELD_SHARES");
	CHECK_RC(share_get(D(9), (uint32_t)more[SV_MAX_HELD_SHARES - 1], 20), SV_ENOSPC,
		 "one more: SV_ENOSPC");
	CHECK_RC(info(9, more[SV_MAX_HELD_SHARES - 1], &st), SV_ENOENT, "and it does not hold it");
	CHECK_RC(share_drop(D(9), (uint32_t)more[0]), SV_OK, "after dropping one");
	CHECK_RC(share_get(D(9), (uint32_t)more[SV_MAX_HELD_SHARES - 1], 20), 0,
		 "it can get another");
	for (uint32_t i = 0; i < SV_MAX_HELD_SHARES; i++)
		end_share(more[i]);
	end_share(s);
	end_share(t);
	end_share(u);
	check_clean("peers");
}

static void test_map(void)
{
	int32_t s = new_share(4, 0xE);	/* domains 1, 2, 3 */
	uint32_t id = (uint32_t)s;
	REQ(share_get(D(1), id, 4));
	REQ(share_get(D(2), id, 4));
	REQ(share_get(D(3), id, 4));

	CHECK_RC(share_map(D(4), id, MAP_VA, 0), SV_ENOENT, "map by a domain that does not hold it");
	CHECK_RC(share_unmap(D(4), id), SV_ENOENT, "unmap by a domain that does not hold it");
	CHECK_RC(share_unmap(D(1), id), SV_ENOENT, "unmap before any map: SV_ENOENT");
	CHECK_RC(share_map(D(1), id, MAP_VA + 4, 0), SV_EINVAL, "unaligned address: SV_EINVAL");
	CHECK_RC(share_map(D(1), id, MAP_VA + 0x800, 0), SV_EINVAL, "address + 0x800: SV_EINVAL");
	CHECK_RC(share_map(D(1), id, MAP_VA, 2), SV_EINVAL, "flags 2: SV_EINVAL");
	CHECK_RC(share_map(D(1), id, MAP_VA, 3), SV_EINVAL, "flags 3: SV_EINVAL");
	CHECK_RC(share_map(D(1), id, MAP_VA, 0x80000000u), SV_EINVAL, "flags 1 << 31: SV_EINVAL");
	CHECK_RC(share_map(D(1), id, 0, 0), SV_EFAULT, "address 0: SV_EFAULT");
	CHECK_RC(share_map(D(1), id, HOLE, 0), SV_EFAULT, "below SV_GUEST_BASE: SV_EFAULT");
	CHECK_RC(share_map(D(1), id, SV_GUEST_BASE - 4 * PAGE_SIZE, 0), SV_EFAULT,
		 "ending exactly at SV_GUEST_BASE: SV_EFAULT");
	CHECK_RC(share_map(D(1), id, SV_GUEST_LIMIT, 0), SV_EFAULT, "at SV_GUEST_LIMIT: SV_EFAULT");
	CHECK_RC(share_map(D(1), id, SV_GUEST_LIMIT - 3 * PAGE_SIZE, 0), SV_EFAULT,
		 "4 pages from SV_GUEST_LIMIT - 3 pages reach the hypervisor: SV_EFAULT");
	CHECK_RC(share_map(D(1), id, 0xFFFFF000u, 0), SV_EFAULT, "at 0xFFFFF000 (wraps): SV_EFAULT");
	CHECK_RC(share_map(D(1), id, 0xFFFFC000u, 0), SV_EFAULT,
		 "at 0xFFFFC000 (ends at 4 GiB): SV_EFAULT");
	CHECK_RC(share_map(D(1), id, RAM, 0), SV_EEXIST, "over the guest's RAM: SV_EEXIST");
	CHECK_RC(share_map(D(1), id, RAM_END - 2 * PAGE_SIZE, 0), SV_EEXIST,
		 "over the last 2 pages of RAM: SV_EEXIST");
	CHECK(unmapped(1, RAM_END, 2), "and nothing was left mapped after the RAM");

	struct sv_share_status st;
	uint32_t top = SV_GUEST_LIMIT - 4 * PAGE_SIZE;
	CHECK_RC(share_map(D(1), id, top, 0), SV_OK,
		 "4 pages ending exactly at SV_GUEST_LIMIT: fine");
	uint32_t first = pfn_at(1, top);
	CHECK(share_frames(first, 4, 2), "every page now has refcount 2");
	CHECK_RC(share_unmap(D(1), id), SV_OK, "unmap");
	CHECK(share_frames(first, 4, 1), "refcounts back to 1");
	CHECK(unmapped(1, top, 4), "and the pages are gone");

	CHECK_RC(share_map(D(1), id, RAM_END, 0), SV_OK, "map right after the RAM");
	bool pages_ok = true;
	for (uint32_t i = 0; i < 4; i++) {
		pte_t *pte = page_lookup(D(1)->pgdir, RAM_END + i * PAGE_SIZE);
		pages_ok &= pte && PTE_ADDR(*pte) >> PAGE_SHIFT == first + i &&
			    (*pte & (PTE_U | PTE_W)) == (PTE_U | PTE_W);
	}
	CHECK(pages_ok, "page i maps frame first + i, user and writable");
	CHECK_RC(share_map(D(1), id, MAP_VA, 0), SV_EEXIST,
		 "a second mapping by the same peer: SV_EEXIST");
	CHECK_RC(share_map(D(1), id, RAM_END, 0), SV_EEXIST, "the same address again: SV_EEXIST");
	CHECK(share_frames(first, 4, 2) && unmapped(1, MAP_VA, 4), "neither changed anything");
	CHECK_RC(info(1, s, &st), SV_OK, "info");
	CHECK_EQ(st.mapped_at, RAM_END, "info: mapped_at");

	put_pattern(1, RAM_END, 4 * PAGE_SIZE, 77);
	CHECK_RC(share_map(D(2), id, MAP_VA, SV_MAP_READONLY), SV_OK, "domain 2 maps it read-only");
	CHECK(share_frames(first, 4, 3), "refcount 3");
	CHECK(has_pattern(2, MAP_VA, 4 * PAGE_SIZE, 77, 0), "domain 2 reads what domain 1 wrote");
	bool ro = true;
	for (uint32_t i = 0; i < 4; i++) {
		pte_t *pte = page_lookup(D(2)->pgdir, MAP_VA + i * PAGE_SIZE);
		ro &= pte && (*pte & (PTE_U | PTE_W)) == PTE_U;
	}
	CHECK(ro, "its page table entries are user, read-only");
	CHECK(guest_ptr(D(2)->pgdir, MAP_VA, false) && !guest_ptr(D(2)->pgdir, MAP_VA, true),
	      "usercopy: readable, not writable");
	uint32_t x = 1;
	CHECK_RC(copy_to_guest(D(2)->pgdir, MAP_VA + 8, &x, 4), SV_EFAULT,
		 "a copy into it: SV_EFAULT");
	/* Overlap further in: the first pages free, the third one taken. */
	int32_t w = new_share(1, 1u << 3);
	REQ(share_get(D(3), (uint32_t)w, 6));
	REQ(share_map(D(3), (uint32_t)w, MAP_VA + 2 * PAGE_SIZE, 0));
	CHECK_RC(share_map(D(3), id, MAP_VA, 0), SV_EEXIST,
		 "a range whose third page holds another share: SV_EEXIST");
	CHECK(share_frames(first, 4, 3) && unmapped(3, MAP_VA, 2) &&
	      unmapped(3, MAP_VA + 3 * PAGE_SIZE, 1), "nothing of it was left mapped or counted");
	REQ(share_drop(D(3), (uint32_t)w));
	end_share(w);
	CHECK_RC(share_map(D(3), id, MAP_VA, 0), SV_OK,
		 "domain 3 maps it at the same address of its own space");
	CHECK(share_frames(first, 4, 4), "refcount 4");

	/* A second share next to the first. */
	int32_t t = new_share(2, 1u << 1);
	REQ(share_get(D(1), (uint32_t)t, 6));
	CHECK_RC(share_map(D(1), (uint32_t)t, RAM_END + 3 * PAGE_SIZE, 0), SV_EEXIST,
		 "a share overlapping the last page of another: SV_EEXIST");
	CHECK(unmapped(1, RAM_END + 4 * PAGE_SIZE, 1), "nothing was mapped after it");
	CHECK_RC(share_map(D(1), (uint32_t)t, RAM_END + 4 * PAGE_SIZE, 0), SV_OK,
		 "right after it: fine");
	uint32_t tfirst = pfn_at(1, RAM_END + 4 * PAGE_SIZE);
	CHECK(share_frames(tfirst, 2, 2), "its pages: refcount 2 (the refused map left no count)");
	CHECK(share_frames(first, 4, 4), "the first share's counts are unchanged");

	CHECK_RC(share_unmap(D(3), id), SV_OK, "domain 3 unmaps");
	CHECK(share_frames(first, 4, 3) && unmapped(3, MAP_VA, 4), "refcount 3, its pages gone");
	CHECK_RC(share_unmap(D(3), id), SV_ENOENT, "unmap twice: SV_ENOENT");

	fake_page_map_fail_after = 2;
	CHECK_RC(share_map(D(3), id, MAP_VA, 0), SV_ENOMEM,
		 "page_map fails at the 3rd page: its error comes back");
	fake_page_map_fail_after = -1;
	CHECK(share_frames(first, 4, 3) && unmapped(3, MAP_VA, 4),
	      "the 2 pages it had mapped are undone, refcounts unchanged");
	CHECK_RC(info(3, s, &st), SV_OK, "info");
	CHECK_EQ(st.mapped_at, 0, "info: not mapped");
	CHECK_RC(share_map(D(3), id, MAP_VA, 0), SV_OK, "then the map works");
	CHECK(share_frames(first, 4, 4), "refcount 4");

	CHECK_RC(share_info(D(1), id, RO_PAGE), SV_EFAULT, "info into a read-only page: SV_EFAULT");
	CHECK_RC(share_info(D(1), id, HOLE), SV_EFAULT, "info into an unmapped page: SV_EFAULT");
	CHECK_RC(share_info(D(1), id, SV_SHARED_INFO + PAGE_SIZE - 8), SV_EFAULT,
		 "info straddling into an unmapped page: SV_EFAULT");
	CHECK_RC(share_info(D(1), id, 0xFFFFFFF0u), SV_EFAULT, "info at 0xFFFFFFF0: SV_EFAULT");
	CHECK_RC(share_info(D(2), id, MAP_VA), SV_EFAULT,
		 "info into its own read-only mapping: SV_EFAULT");

	CHECK_RC(share_drop(D(1), id), SV_OK, "domain 1 drops it while mapped");
	CHECK(share_frames(first, 4, 3) && unmapped(1, RAM_END, 4),
	      "its mapping went with it: refcount 3");
	CHECK(share_frames(tfirst, 2, 2), "its mapping of the other share stays");
	end_share(t);
	end_share(s);
	check_clean("map");
}

static void test_lifetimes(void)
{
	struct sv_share_status st;
	int32_t s = new_share(2, 0x6);
	uint32_t id = (uint32_t)s;
	REQ(share_get(D(1), id, 4));
	REQ(share_get(D(2), id, 4));
	REQ(share_map(D(1), id, MAP_VA, 0));
	REQ(share_map(D(2), id, MAP_VA + 0x100000, SV_MAP_READONLY));
	uint32_t first = pfn_at(1, MAP_VA);
	CHECK(share_frames(first, 2, 3), "two mappings: refcount 3");
	fake_gwrite(1, MAP_VA + 0xFF8, "still here", 11);
	CHECK_RC(share_destroy(D(0), id), SV_OK, "domain 0 destroys it while two peers map it");
	CHECK(share_frames(first, 2, 3), "the frames stay, refcount 3");
	CHECK_EQ(frames_free(), baseline - 2, "no frame was freed");
	CHECK_RC(info(1, s, &st), SV_OK, "the peers keep it");
	CHECK(st.destroyed == 1 && st.mapped_at == MAP_VA && st.peers == 3,
	      "info: destroyed, still mapped, both peers");
	char b[11];
	fake_gread(2, MAP_VA + 0x100000 + 0xFF8, b, 11);
	CHECK(memcmp(b, "still here", 11) == 0, "the data is intact (across the page boundary)");
	CHECK_RC(share_unmap(D(1), id), SV_OK, "domain 1 unmaps");
	CHECK(share_frames(first, 2, 2), "refcount 2");
	CHECK_RC(share_drop(D(1), id), SV_OK, "domain 1 drops");
	CHECK(share_frames(first, 2, 2) && frames_free() == baseline - 2,
	      "domain 2 still maps it: nothing freed");
	CHECK_RC(share_map(D(1), id, MAP_VA, 0), SV_ENOENT, "domain 1 cannot map it any more");
	CHECK_RC(share_drop(D(2), id), SV_OK, "the last peer drops it, still mapped");
	CHECK_EQ(frames_free(), baseline, "both frames are free now");
	CHECK(frame_info(first)->type == FRAME_FREE && frame_info(first + 1)->type == FRAME_FREE,
	      "exactly those two");
	CHECK(unmapped(2, MAP_VA + 0x100000, 2), "and domain 2's mapping is gone");
	check_clean("destroy while mapped");

	s = new_share(3, 0x2);
	id = (uint32_t)s;
	REQ(share_get(D(1), id, 4));
	CHECK_RC(share_drop(D(1), id), SV_OK, "the only peer drops a share not destroyed");
	CHECK_EQ(frames_of_type(FRAME_SHARE), 3, "it stays (it can still be got)");
	CHECK_RC(share_get(D(1), id, 4), 0, "got again: peer 0");
	CHECK_RC(share_destroy(D(0), id), SV_OK, "destroyed");
	CHECK_EQ(frames_of_type(FRAME_SHARE), 3, "held and unmapped: it stays");
	CHECK_RC(share_drop(D(1), id), SV_OK, "its peer drops it");
	check_clean("destroy while held");

	/* Leaving triggers offset 0 for the others. */
	s = new_share(1, 0xE);
	id = (uint32_t)s;
	REQ(share_get(D(1), id, 4));
	REQ(share_get(D(2), id, 6));
	REQ(share_get(D(3), id, 7));
	fake_put32(1, WORDS, 1);
	fake_put32(2, WORDS, 1);
	fake_put32(3, WORDS, 2);
	REQ(watch_add(D(1), id, 0, WORDS));
	REQ(watch_add(D(2), id, 0, WORDS));
	REQ(watch_add(D(3), id, 0, WORDS));
	fake_raises_clear();
	CHECK_RC(share_drop(D(1), id), SV_OK, "domain 1 drops");
	CHECK_EQ(fake_get32(2, WORDS), 0, "domain 2's offset-0 counter went 1 -> 0");
	CHECK_EQ(fake_raises(2, 6), 1, "and its port was raised once");
	CHECK_EQ(fake_get32(3, WORDS), 1, "domain 3's went 2 -> 1");
	CHECK_EQ(fake_get32(1, WORDS), 1, "domain 1's own counter was not touched");
	CHECK_EQ(fake_raises_total(), 1, "one raise in all");
	end_share(s);
	check_clean("drop triggers offset 0");
}

static void test_death(void)
{
	struct sv_share_status st;
	int32_t s = new_share(3, 0xE), t = new_share(1, 0xA);
	uint32_t si = (uint32_t)s, ti = (uint32_t)t;
	CHECK_RC(share_get(D(1), si, 3), 0, "domain 1: peer 0 of s");
	CHECK_RC(share_get(D(1), ti, 4), 0, "domain 1: peer 0 of t");
	CHECK_RC(share_get(D(2), si, 5), 1, "domain 2: peer 1 of s");
	CHECK_RC(share_get(D(3), ti, 6), 1, "domain 3: peer 1 of t");
	CHECK_RC(share_get(D(3), si, 7), 2, "domain 3: peer 2 of s");
	REQ(share_map(D(1), si, MAP_VA, 0));
	REQ(share_map(D(1), ti, MAP_VA + 0x10000, 0));
	uint32_t sfirst = pfn_at(1, MAP_VA), tfirst = pfn_at(1, MAP_VA + 0x10000);
	fake_put32(1, WORDS, 5);
	fake_put32(1, WORDS + 4, 5);
	fake_put32(1, MAP_VA + 0x40, 5);
	REQ(watch_add(D(1), si, 0, WORDS));
	REQ(watch_add(D(1), si, 8, WORDS));
	REQ(watch_add(D(1), si, 12, MAP_VA + 0x40));
	REQ(watch_add(D(1), ti, 0, WORDS + 4));
	REQ(reg1(1, s, SV_SG_IN, BUF, 64, WORDS + 8));
	REQ(reg1(1, s, SV_SG_OUT, BUF + 64, 64, WORDS + 8));
	REQ(reg1(1, t, SV_SG_IN, MAP_VA + 0x10000, 64, WORDS + 8));
	fake_put32(2, WORDS, 1);
	REQ(watch_add(D(2), si, 0, WORDS));
	fake_put32(3, WORDS, 1);
	fake_put32(3, WORDS + 4, 1);
	REQ(watch_add(D(3), ti, 0, WORDS));
	REQ(watch_add(D(3), si, 8, WORDS + 4));
	CHECK(share_frames(sfirst, 3, 2) && share_frames(tfirst, 1, 2),
	      "before: refcount 2 (domain 1's mappings)");

	fake_raises_clear();
	fake_share_ptes_at_death = 0;
	fake_domain_die(1);
	CHECK_EQ(fake_share_ptes_at_death, 0,
		 "domain 1 dies: when its memory goes, no share page is mapped any more");
	CHECK(share_frames(sfirst, 3, 1) && share_frames(tfirst, 1, 1),
	      "its mappings' references are given back: refcount 1");
	CHECK_EQ(frames_of_type(FRAME_SHARE), 4, "both shares live on (others hold them)");
	CHECK_RC(info(2, s, &st), SV_OK, "info on s");
	CHECK_EQ(st.peers, 0x6, "s: peer 0 (domain 1) is gone");
	CHECK_RC(info(3, t, &st), SV_OK, "info on t");
	CHECK_EQ(st.peers, 0x2, "t: peer 0 (domain 1) is gone");
	CHECK_EQ(fake_get32(2, WORDS), 0, "domain 2's offset-0 watch on s fired");
	CHECK_EQ(fake_raises(2, 5), 1, "its port for s was raised once");
	CHECK_EQ(fake_get32(3, WORDS), 0, "domain 3's offset-0 watch on t fired");
	CHECK_EQ(fake_raises(3, 6), 1, "its port for t was raised once");
	CHECK_EQ(fake_get32(3, WORDS + 4), 1, "domain 3's offset-8 watch did not");
	CHECK_EQ(fake_raises_total(), 2, "two raises in all");
	CHECK_EQ(fake_raises_ignored, 0, "none aimed at the dead domain");
	CHECK_RC(watch_trigger(D(3), si, 8), 1, "offset 8 of s fires only domain 3's watch now");
	CHECK_RC(watch_trigger(D(2), si, 12), 0, "offset 12: domain 1's watch is gone");
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), SV_ENOENT,
		 "sg_xfer to the dead domain's peer id: SV_ENOENT");
	CHECK_RC(xfer1(2, s, SV_XFER_RECV, 0, BUF, 16), SV_ENOENT, "either way");
	CHECK_RC(xfer1(3, t, SV_XFER_SEND, 0, BUF, 16), SV_ENOENT, "on t too");

	/* A new incarnation of domain 1 starts from nothing. */
	fake_domain_start(1);
	CHECK_RC(share_get(D(1), si, 3), SV_EPERM, "restarted, domain 1 is not granted s any more");
	REQ(share_grant(D(0), si, 1));
	CHECK_RC(share_get(D(1), si, 3), 0, "granted again: peer 0, freed by its death");
	bool ok = true;
	for (uint32_t i = 0; i < SV_MAX_WATCHES; i++)
		ok &= watch_add(D(1), si, 4 * i, WORDS + 4 * i) == SV_OK;
	CHECK(ok, "it can add SV_MAX_WATCHES watches: the dead one's do not count");
	CHECK_RC(watch_add(D(1), si, 200, WORDS), SV_ENOSPC, "and not one more");
	ok = true;
	for (uint32_t i = 0; i < SV_MAX_SG_LISTS; i++)
		ok &= reg1(1, s, SV_SG_IN, BUF + 16 * i, 16, WORDS + 0x200) >= 0;
	CHECK(ok, "it can register SV_MAX_SG_LISTS lists: the dead one's are gone");
	CHECK_RC(reg1(1, s, SV_SG_IN, BUF, 16, WORDS + 0x200), SV_ENOSPC, "and not one more");
	fake_put32(2, WORDS, 1);
	fake_raises_clear();
	fake_domain_die(1);
	CHECK_EQ(fake_get32(2, WORDS), 0, "it dies again with all that: offset 0 fires");
	CHECK_EQ(fake_raises_total(), 1, "one raise");
	fake_domain_start(1);
	REQ(share_grant(D(0), si, 1));
	CHECK_RC(share_get(D(1), si, 3), 0, "restarted again: peer 0");
	ok = true;
	for (uint32_t i = 0; i < SV_MAX_WATCHES; i++)
		ok &= watch_add(D(1), si, 4 * i, WORDS + 4 * i) == SV_OK;
	CHECK(ok, "SV_MAX_WATCHES watches once more");
	REQ(share_drop(D(1), si));

	/* Domain 0 ends: its shares are destroyed; the peers keep theirs. */
	fake_domain_die(0);
	CHECK_EQ(frames_of_type(FRAME_SHARE), 4, "domain 0 ended: the shares stay while held");
	CHECK_RC(info(2, s, &st), SV_OK, "info on s");
	CHECK_EQ(st.destroyed, 1, "s is destroyed");
	CHECK_RC(info(3, t, &st), SV_OK, "info on t");
	CHECK_EQ(st.destroyed, 1, "t is destroyed");
	fake_domain_start(0);
	CHECK_RC(share_grant(D(0), si, 1), SV_ENOENT, "the next domain 0 cannot grant it");
	CHECK_RC(share_destroy(D(0), si), SV_ENOENT, "nor destroy it");
	CHECK_RC(share_drop(D(2), si), SV_OK, "domain 2 drops s");
	CHECK_EQ(frames_of_type(FRAME_SHARE), 4, "domain 3 still holds it");
	CHECK_RC(share_drop(D(3), si), SV_OK, "domain 3 drops s");
	CHECK_EQ(frames_of_type(FRAME_SHARE), 1, "s is freed with its last peer");
	fake_domain_die(3);
	CHECK_EQ(frames_of_type(FRAME_SHARE), 0, "t is freed when its last peer dies");
	fake_domain_start(3);
	check_clean("death");

	int32_t u = new_share(2, 1), v = new_share(1, 0);
	REQ(share_get(D(0), (uint32_t)u, 3));
	REQ(share_map(D(0), (uint32_t)u, MAP_VA, 0));
	CHECK(u >= 0 && v >= 0, "domain 0 holds and maps one share and has another");
	fake_domain_die(0);
	CHECK_EQ(frames_of_type(FRAME_SHARE), 0, "domain 0's end frees both");
	CHECK_EQ(fake_share_ptes_at_death, 0, "its mapping was gone before its memory");
	fake_domain_start(0);
	check_clean("death of domain 0");
}

static void test_watch(void)
{
	int32_t s = new_share(2, 0x3E);	/* domains 1..5 */
	uint32_t id = (uint32_t)s;
	REQ(share_get(D(1), id, 10));
	REQ(share_get(D(2), id, 11));
	REQ(share_get(D(3), id, 12));
	fake_raises_clear();

	fake_put32(1, WORDS, 1);
	CHECK_RC(watch_add(D(1), id, 100, WORDS), SV_OK, "watch offset 100, counter 1");
	CHECK_RC(watch_trigger(D(2), id, 100), 1, "a trigger returns the number fired: 1");
	CHECK_EQ(fake_get32(1, WORDS), 0, "the counter went 1 -> 0");
	CHECK_EQ(fake_raises(1, 10), 1, "at 0 the watcher's port was raised");
	CHECK_EQ(fake_raises_total(), 1, "and nothing else");
	CHECK_RC(watch_trigger(D(2), id, 100), 1, "triggered again: fired");
	CHECK_EQ(fake_get32(1, WORDS), 0, "a counter at 0 stays 0");
	CHECK_EQ(fake_raises(1, 10), 2, "and raises again");

	fake_put32(1, WORDS + 4, 3);
	CHECK_RC(watch_add(D(1), id, 200, WORDS + 4), SV_OK, "watch offset 200, counter 3");
	CHECK_RC(watch_trigger(D(2), id, 200), 1, "trigger 1");
	CHECK(fake_get32(1, WORDS + 4) == 2 && fake_raises(1, 10) == 2, "3 -> 2, no event");
	CHECK_RC(watch_trigger(D(3), id, 200), 1, "trigger 2 (by another peer)");
	CHECK(fake_get32(1, WORDS + 4) == 1 && fake_raises(1, 10) == 2, "2 -> 1, no event");
	CHECK_RC(watch_trigger(D(1), id, 200), 1, "trigger 3 (by the watcher itself)");
	CHECK(fake_get32(1, WORDS + 4) == 0 && fake_raises(1, 10) == 3, "1 -> 0: the event");
	CHECK_RC(watch_trigger(D(2), id, 101), 0, "offset 101: nothing watched, 0 fired");
	CHECK_RC(watch_trigger(D(2), id, 0), 0, "offset 0: 0 fired");
	CHECK_EQ(fake_raises_total(), 3, "no stray raise");

	/* Several watchers of one offset. */
	fake_put32(1, WORDS + 8, 5);
	fake_put32(2, WORDS, 1);
	fake_put32(3, WORDS, 1);
	REQ(watch_add(D(1), id, 300, WORDS + 8));
	REQ(watch_add(D(2), id, 300, WORDS));
	REQ(watch_add(D(3), id, 300, WORDS));
	fake_raises_clear();
	CHECK_RC(watch_trigger(D(1), id, 300), 3, "three watchers of offset 300: 3 fired");
	CHECK(fake_get32(1, WORDS + 8) == 4 && fake_get32(2, WORDS) == 0 && fake_get32(3, WORDS) == 0,
	      "each counter went down by one");
	CHECK(fake_raises(2, 11) == 1 && fake_raises(3, 12) == 1 && fake_raises_total() == 2,
	      "the two at 0 raised their own ports");
	CHECK_RC(watch_remove(D(2), id, 300, WORDS), SV_OK, "unwatch");
	CHECK_RC(watch_remove(D(2), id, 300, WORDS), SV_ENOENT, "unwatch again: SV_ENOENT");
	fake_put32(2, WORDS, 1);
	fake_raises_clear();
	CHECK_RC(watch_trigger(D(1), id, 300), 2, "now 2 fire");
	CHECK(fake_get32(2, WORDS) == 1 && fake_raises(2, 11) == 0,
	      "the removed watch neither counts nor raises");

	CHECK_RC(watch_add(D(1), id, 100, WORDS), SV_EEXIST, "the same watch again: SV_EEXIST");
	CHECK_RC(watch_add(D(1), id, 100, WORDS + 12), SV_OK, "same offset, other counter: fine");
	CHECK_RC(watch_add(D(1), id, 101, WORDS), SV_OK, "same counter, other offset: fine");
	CHECK_RC(watch_add(D(1), id, 2 * PAGE_SIZE, WORDS), SV_EINVAL,
		 "offset npages * SV_PAGE_SIZE: SV_EINVAL");
	CHECK_RC(watch_add(D(1), id, 0xFFFFFFFFu, WORDS), SV_EINVAL, "offset 0xFFFFFFFF: SV_EINVAL");
	CHECK_RC(watch_add(D(1), id, 2 * PAGE_SIZE - 1, WORDS), SV_OK, "the last byte: fine");
	CHECK_RC(watch_trigger(D(2), id, 2 * PAGE_SIZE - 1), 1, "and it fires");
	CHECK_RC(watch_trigger(D(2), id, 2 * PAGE_SIZE), SV_EINVAL,
		 "trigger at npages * SV_PAGE_SIZE: SV_EINVAL");
	CHECK_RC(watch_trigger(D(2), id, 0xFFFFFFFFu), SV_EINVAL, "trigger at 0xFFFFFFFF: SV_EINVAL");
	CHECK_RC(watch_remove(D(1), id, 2 * PAGE_SIZE, WORDS), SV_ENOENT,
		 "unwatch of an offset outside: SV_ENOENT");
	CHECK_RC(watch_add(D(1), id, 400, WORDS + 2), SV_EINVAL, "counter 2-aligned: SV_EINVAL");
	CHECK_RC(watch_add(D(1), id, 400, WORDS + 1), SV_EINVAL, "counter odd: SV_EINVAL");
	CHECK_RC(watch_add(D(1), id, 400, RO_PAGE), SV_EFAULT, "counter read-only: SV_EFAULT");
	CHECK_RC(watch_add(D(1), id, 400, HOLE), SV_EFAULT, "counter unmapped: SV_EFAULT");
	CHECK_RC(watch_add(D(1), id, 400, RAM_END), SV_EFAULT, "counter just after RAM: SV_EFAULT");
	CHECK_RC(watch_add(D(1), id, 400, SV_GUEST_LIMIT), SV_EFAULT,
		 "counter in the hypervisor: SV_EFAULT");
	CHECK_RC(watch_add(D(1), id, 400, 0xFFFFFFFCu), SV_EFAULT, "counter at 0xFFFFFFFC: SV_EFAULT");
	CHECK_RC(watch_add(D(4), id, 400, WORDS), SV_ENOENT, "watch by a non-holder: SV_ENOENT");
	CHECK_RC(watch_remove(D(4), id, 100, WORDS), SV_ENOENT, "unwatch by a non-holder: SV_ENOENT");
	CHECK_RC(watch_trigger(D(4), id, 100), SV_ENOENT, "trigger by a non-holder: SV_ENOENT");
	CHECK_RC(watch_remove(D(2), id, 100, WORDS), SV_ENOENT,
		 "unwatch of another domain's watch: SV_ENOENT");

	/* A counter in a read-only mapping; a counter whose page goes. */
	REQ(share_map(D(2), id, MAP_VA, SV_MAP_READONLY));
	CHECK_RC(watch_add(D(2), id, 500, MAP_VA + 0x10), SV_EFAULT,
		 "counter in a read-only share mapping: SV_EFAULT");
	REQ(share_map(D(3), id, MAP_VA, 0));
	fake_put32(3, MAP_VA + 0x1010, 2);
	CHECK_RC(watch_add(D(3), id, 500, MAP_VA + 0x1010), SV_OK, "counter inside the share: fine");
	fake_put32(1, WORDS + 16, 1);
	REQ(watch_add(D(1), id, 500, WORDS + 16));
	fake_put32(1, WORDS + 20, 1);
	REQ(watch_add(D(1), id, 500, WORDS + 20));
	fake_raises_clear();
	CHECK_RC(watch_trigger(D(1), id, 500), 3, "3 watches on offset 500");
	CHECK_EQ(fake_get32(2, MAP_VA + 0x1010), 1, "the counter in the share went 2 -> 1");
	CHECK_RC(share_unmap(D(3), id), SV_OK, "its owner unmaps the share");
	fake_put32(1, WORDS + 16, 1);
	fake_put32(1, WORDS + 20, 1);
	CHECK_RC(watch_trigger(D(1), id, 500), 2,
		 "the watch whose counter is gone is not counted as fired");
	CHECK_EQ(fake_get32(2, MAP_VA + 0x1010), 1, "and its old counter was not written");
	CHECK(fake_get32(1, WORDS + 16) == 0 && fake_get32(1, WORDS + 20) == 0,
	      "the others around it fired");
	CHECK_EQ(fake_raises(3, 12), 0, "its owner got no event");
	CHECK_RC(watch_remove(D(3), id, 500, MAP_VA + 0x1010), SV_ENOENT, "it was removed");
	REQ(share_map(D(3), id, MAP_VA, 0));
	CHECK_RC(watch_trigger(D(1), id, 500), 2, "mapping the share again does not bring it back");
	CHECK_RC(watch_add(D(3), id, 500, MAP_VA + 0x1010), SV_OK, "it can be added again");
	CHECK_RC(watch_trigger(D(1), id, 500), 3, "and then fires");
	CHECK_EQ(fake_get32(3, MAP_VA + 0x1010), 0, "1 -> 0");
	REQ(share_unmap(D(3), id));
	REQ(share_map(D(3), id, MAP_VA, SV_MAP_READONLY));
	CHECK_RC(watch_trigger(D(1), id, 500), 2,
		 "the share mapped again read-only: the watch on it is not counted");
	REQ(share_unmap(D(3), id));
	REQ(share_map(D(3), id, MAP_VA, 0));
	CHECK_RC(watch_remove(D(3), id, 500, MAP_VA + 0x1010), SV_ENOENT,
		 "it was removed although its page is writable again");
	REQ(share_unmap(D(2), id));

	/* SV_MAX_WATCHES, per domain, across shares. */
	int32_t t = new_share(1, 1u << 4);
	REQ(share_get(D(4), id, 10));
	REQ(share_get(D(4), (uint32_t)t, 11));
	bool ok = true;
	for (uint32_t i = 0; i < SV_MAX_WATCHES - 4; i++)
		ok &= watch_add(D(4), id, 1000 + i, WORDS + 4 * i) == SV_OK;
	for (uint32_t i = 0; i < 4; i++)
		ok &= watch_add(D(4), (uint32_t)t, i, WORDS) == SV_OK;
	CHECK(ok, "domain 4 adds SV_MAX_WATCHES watches on two shares");
	CHECK_RC(watch_add(D(4), (uint32_t)t, 100, WORDS), SV_ENOSPC, "one more on t: SV_ENOSPC");
	CHECK_RC(watch_add(D(4), id, 999, WORDS), SV_ENOSPC, "one more on s: SV_ENOSPC");
	CHECK_RC(watch_add(D(1), id, 999, WORDS), SV_OK, "the limit is per domain: domain 1 can");
	CHECK_RC(watch_remove(D(4), id, 1005, WORDS + 20), SV_OK, "domain 4 removes one");
	CHECK_RC(watch_add(D(4), (uint32_t)t, 100, WORDS), SV_OK, "then it can add one");
	CHECK_RC(watch_add(D(4), (uint32_t)t, 101, WORDS), SV_ENOSPC, "but not two");
	CHECK_RC(share_drop(D(4), (uint32_t)t), SV_OK, "dropping t removes its 5 watches there");
	ok = true;
	for (uint32_t i = 0; i < 5; i++)
		ok &= watch_add(D(4), id, 2000 + i, WORDS) == SV_OK;
	CHECK(ok, "so 5 more fit on s");
	CHECK_RC(watch_add(D(4), id, 2005, WORDS), SV_ENOSPC, "and no more");
	end_share(t);
	end_share(s);
	check_clean("watch");
}

/* Chains in the hash table: many watches on one (share, offset) key, and
 * more distinct keys than the table has buckets. */
static void test_watch_chains(void)
{
	int32_t s = new_share(2, 0x1FE);	/* domains 1..8 */
	uint32_t id = (uint32_t)s;
	for (uint32_t d = 1; d <= 8; d++)
		REQ(share_get(D(d), id, 20));
	REQ(share_map(D(1), id, MAP_VA, 0));

	/* One key, 32 watches: one chain. Counters 5 and 20 are in the share
	 * mapping, which goes before the trigger. */
	bool ok = true;
	for (uint32_t i = 0; i < SV_MAX_WATCHES; i++) {
		uint32_t c = i == 5 || i == 20 ? MAP_VA + 4 * i : WORDS + 4 * i;
		fake_put32(1, c, 1);
		ok &= watch_add(D(1), id, 64, c) == SV_OK;
	}
	CHECK(ok, "32 watches on one offset");
	CHECK_RC(watch_remove(D(1), id, 64, WORDS + 4 * 15), SV_OK, "remove the 16th (mid-chain)");
	CHECK_RC(watch_remove(D(1), id, 64, WORDS + 4 * 0), SV_OK, "remove the first added");
	CHECK_RC(watch_remove(D(1), id, 64, WORDS + 4 * 31), SV_OK, "remove the last added");
	REQ(share_unmap(D(1), id));
	fake_raises_clear();
	CHECK_RC(watch_trigger(D(2), id, 64), 27, "trigger: 27 fire (3 removed, 2 counters gone)");
	ok = true;
	for (uint32_t i = 0; i < SV_MAX_WATCHES; i++) {
		if (i == 5 || i == 20)
			continue;
		bool removed = i == 0 || i == 15 || i == 31;
		ok &= fake_get32(1, WORDS + 4 * i) == (removed ? 1u : 0u);
	}
	CHECK(ok, "exactly the remaining watches' counters went to 0");
	CHECK_EQ(fake_raises(1, 20), 27, "27 raises of domain 1's port");
	CHECK_RC(watch_trigger(D(2), id, 64), 27, "trigger again: still 27");
	CHECK_RC(watch_remove(D(1), id, 64, MAP_VA + 4 * 5), SV_ENOENT,
		 "the watches whose counters went were removed");
	ok = true;
	for (uint32_t i = 1; i < 31; i++)
		if (i != 5 && i != 15 && i != 20)
			ok &= watch_remove(D(1), id, 64, WORDS + 4 * i) == SV_OK;
	CHECK(ok, "the other 27 unwatch one by one");
	CHECK_RC(watch_trigger(D(2), id, 64), 0, "then nothing fires");

	/* 8 domains x 32 watches = 256 distinct (share, offset) keys, added
	 * round-robin: with 256 keys, some buckets of any 128-bucket (or
	 * smaller) table hold several keys of several domains. */
#define NKEYS (8 * SV_MAX_WATCHES)
#define KEY_DOM(k) (1 + (k) % 8)
#define KEY_IDX(k) ((k) / 8)
#define KEY_OFF(k) (7 * (k) + 3)	/* never 0: drops fire offset 0 */
	ok = true;
	for (uint32_t k = 0; k < NKEYS; k++) {
		fake_put32(KEY_DOM(k), WORDS + 4 * KEY_IDX(k), 2);
		ok &= watch_add(D(KEY_DOM(k)), id, KEY_OFF(k), WORDS + 4 * KEY_IDX(k)) == SV_OK;
	}
	CHECK(ok, "256 watches on 256 offsets by 8 domains");
	ok = true;
	for (uint32_t k = 1; k < NKEYS; k += 3)
		ok &= watch_remove(D(KEY_DOM(k)), id, KEY_OFF(k), WORDS + 4 * KEY_IDX(k)) == SV_OK;
	CHECK(ok, "every third one is removed");
	fake_raises_clear();
	uint32_t bad = 0;
	for (uint32_t k = 0; k < NKEYS; k++)
		bad += watch_trigger(D(8), id, KEY_OFF(k)) != (k % 3 == 1 ? 0 : 1);
	CHECK_EQ(bad, 0, "each offset fires exactly its own watch (0 if removed)");
	bad = 0;
	for (uint32_t k = 0; k < NKEYS; k++)
		bad += fake_get32(KEY_DOM(k), WORDS + 4 * KEY_IDX(k)) != (k % 3 == 1 ? 2u : 1u);
	CHECK_EQ(bad, 0, "each kept counter went 2 -> 1, each removed one stayed 2");
	CHECK_EQ(fake_raises_total(), 0, "no counter reached 0: no raise");
	for (uint32_t k = 0; k < NKEYS; k++)
		watch_trigger(D(8), id, KEY_OFF(k));
	bad = 0;
	for (uint32_t d = 1; d <= 8; d++) {
		uint32_t kept = 0;
		for (uint32_t k = 0; k < NKEYS; k++)
			kept += KEY_DOM(k) == d && k % 3 != 1;
		bad += fake_raises(d, 20) != kept;
	}
	CHECK_EQ(bad, 0, "the second round raised each domain once per kept watch");

	/* Domains 1-4 leave: their watches go from the middle of mixed chains. */
	for (uint32_t d = 1; d <= 4; d++)
		REQ(share_drop(D(d), id));
	bad = 0;
	for (uint32_t k = 0; k < NKEYS; k++)
		bad += watch_trigger(D(8), id, KEY_OFF(k)) !=
		       (KEY_DOM(k) > 4 && k % 3 != 1 ? 1 : 0);
	CHECK_EQ(bad, 0, "after domains 1-4 drop, exactly domains 5-8's kept watches fire");
	for (uint32_t d = 5; d <= 8; d++)
		REQ(share_drop(D(d), id));
	REQ(share_get(D(1), id, 20));
	bad = 0;
	for (uint32_t k = 0; k < NKEYS; k++)
		bad += watch_trigger(D(1), id, KEY_OFF(k)) != 0;
	CHECK_EQ(bad, 0, "after all drop, no offset fires");
	ok = true;
	for (uint32_t i = 0; i < SV_MAX_WATCHES; i++)
		ok &= watch_add(D(1), id, KEY_OFF(i), WORDS + 4 * i) == SV_OK;
	CHECK(ok, "and domain 1 has its whole quota again");
	end_share(s);
	check_clean("watch chains");
}

static void test_sg_register(void)
{
	int32_t s = new_share(1, 0x6), t = new_share(1, 0x2);
	uint32_t id = (uint32_t)s;
	REQ(share_get(D(1), id, 13));
	REQ(share_get(D(2), id, 13));
	REQ(share_get(D(1), (uint32_t)t, 14));

	CHECK_RC(reg1(3, s, SV_SG_IN, BUF, 16, WORDS), SV_ENOENT, "register by a non-holder");
	CHECK_RC(reg1(1, s, 0, BUF, 16, WORDS), SV_EINVAL, "direction 0: SV_EINVAL");
	CHECK_RC(reg1(1, s, 3, BUF, 16, WORDS), SV_EINVAL, "direction 3: SV_EINVAL");
	struct sv_sg e[SV_SG_MAX_ENTRIES + 1];
	for (uint32_t i = 0; i <= SV_SG_MAX_ENTRIES; i++)
		e[i] = (struct sv_sg){ BUF + 32 * i, 16 };
	put_list(1, LISTS, e, SV_SG_MAX_ENTRIES + 1);
	CHECK_RC(sg_register(D(1), id, SV_SG_IN, LISTS, 0, WORDS), SV_EINVAL, "0 entries: SV_EINVAL");
	CHECK_RC(sg_register(D(1), id, SV_SG_IN, LISTS, SV_SG_MAX_ENTRIES + 1, WORDS), SV_EINVAL,
		 "SV_SG_MAX_ENTRIES + 1 entries: SV_EINVAL");
	CHECK_RC(sg_register(D(1), id, SV_SG_IN, LISTS, 0xFFFFFFFFu, WORDS), SV_EINVAL,
		 "0xFFFFFFFF entries: SV_EINVAL");
	int32_t h = sg_register(D(1), id, SV_SG_IN, LISTS, SV_SG_MAX_ENTRIES, WORDS);
	CHECK(h >= 0, "SV_SG_MAX_ENTRIES entries: a handle (%d)", h);
	REQ(sg_unregister(D(1), id, (uint32_t)h));

	struct sv_sg zero[3] = { { BUF, 10 }, { BUF + 100, 0 }, { BUF + 200, 10 } };
	put_list(1, LISTS, zero, 3);
	CHECK_RC(sg_register(D(1), id, SV_SG_IN, LISTS, 3, WORDS), SV_EINVAL,
		 "an entry of length 0: SV_EINVAL");
	struct sv_sg big[2] = { { BUF, 0x8000 }, { BUF + 0x8000, 0x8001 } };
	put_list(1, LISTS, big, 2);
	CHECK_RC(sg_register(D(1), id, SV_SG_IN, LISTS, 2, WORDS), SV_EINVAL,
		 "SV_SG_MAX_BYTES + 1 in all: SV_EINVAL");
	big[1].len = 0x8000;
	put_list(1, LISTS, big, 2);
	h = sg_register(D(1), id, SV_SG_IN, LISTS, 2, WORDS);
	CHECK(h >= 0, "exactly SV_SG_MAX_BYTES: fine");
	REQ(sg_unregister(D(1), id, (uint32_t)h));
	struct sv_sg huge[2] = { { BUF, 0x80000000u }, { BUF, 0x80000000u } };
	put_list(1, LISTS, huge, 2);
	CHECK_RC(sg_register(D(1), id, SV_SG_IN, LISTS, 2, WORDS), SV_EINVAL,
		 "two entries of 2 GiB (2^32 in all): SV_EINVAL");
	CHECK_RC(reg1(1, s, SV_SG_OUT, BUF, 0xFFFFFFFFu, WORDS), SV_EINVAL,
		 "one entry of 0xFFFFFFFF bytes: SV_EINVAL");

	CHECK_RC(reg1(1, s, SV_SG_IN, 0xFFFFF000u, 0x2000, WORDS), SV_EFAULT,
		 "an entry wrapping past 4 GiB: SV_EFAULT");
	CHECK_RC(reg1(1, s, SV_SG_OUT, 0xFFFFFFF0u, 0x20, WORDS), SV_EFAULT,
		 "an OUT entry wrapping: SV_EFAULT");
	CHECK_RC(reg1(1, s, SV_SG_IN, SV_GUEST_LIMIT - 0x10, 0x20, WORDS), SV_EFAULT,
		 "an entry reaching the hypervisor: SV_EFAULT");
	CHECK_RC(reg1(1, s, SV_SG_OUT, SV_GUEST_LIMIT, 0x10, WORDS), SV_EFAULT,
		 "an entry in the hypervisor: SV_EFAULT");
	CHECK_RC(reg1(1, s, SV_SG_IN, HOLE, 16, WORDS), SV_EFAULT, "an unmapped buffer: SV_EFAULT");
	CHECK_RC(reg1(1, s, SV_SG_OUT, RAM_END - 8, 16, WORDS), SV_EFAULT,
		 "a buffer running off the end of RAM: SV_EFAULT");
	CHECK_RC(reg1(1, s, SV_SG_OUT, RAM - 8, 16, WORDS), SV_EFAULT,
		 "a buffer starting below RAM: SV_EFAULT");
	CHECK_RC(reg1(1, s, SV_SG_IN, RO_PAGE, 16, WORDS), SV_EFAULT,
		 "a read-only buffer for SV_SG_IN: SV_EFAULT");
	h = reg1(1, s, SV_SG_OUT, RO_PAGE, 16, WORDS);
	CHECK(h >= 0, "a read-only buffer for SV_SG_OUT: fine");
	REQ(sg_unregister(D(1), id, (uint32_t)h));
	struct sv_sg second_bad[3] = { { BUF, 10 }, { RO_PAGE + 8, 10 }, { BUF + 100, 10 } };
	put_list(1, LISTS, second_bad, 3);
	CHECK_RC(sg_register(D(1), id, SV_SG_IN, LISTS, 3, WORDS), SV_EFAULT,
		 "the second of three entries read-only: SV_EFAULT");

	CHECK_RC(sg_register(D(1), id, SV_SG_IN, HOLE, 1, WORDS), SV_EFAULT,
		 "the array unmapped: SV_EFAULT");
	put_sg(1, RAM_END - 8, BUF, 16);
	CHECK_RC(sg_register(D(1), id, SV_SG_IN, RAM_END - 8, 2, WORDS), SV_EFAULT,
		 "the array's second entry unmapped: SV_EFAULT");
	CHECK_RC(sg_register(D(1), id, SV_SG_IN, 0xFFFFFFF8u, 2, WORDS), SV_EFAULT,
		 "the array wrapping: SV_EFAULT");
	struct sv_sg ro_entry = { BUF, 16 };
	memcpy(fake_phys(fake_pa_of(1, RO_PAGE + 0x100)), &ro_entry, sizeof(ro_entry));
	h = sg_register(D(1), id, SV_SG_IN, RO_PAGE + 0x100, 1, WORDS);
	CHECK(h >= 0, "the array in a read-only page: fine (it is only read)");
	REQ(sg_unregister(D(1), id, (uint32_t)h));

	CHECK_RC(reg1(1, s, SV_SG_IN, BUF, 16, HOLE), SV_EFAULT, "length word unmapped: SV_EFAULT");
	CHECK_RC(reg1(1, s, SV_SG_IN, BUF, 16, RO_PAGE), SV_EFAULT,
		 "length word read-only: SV_EFAULT");
	CHECK_RC(reg1(1, s, SV_SG_IN, BUF, 16, RAM_END - 2), SV_EFAULT,
		 "length word straddling the end of RAM: SV_EFAULT");
	CHECK_RC(reg1(1, s, SV_SG_IN, BUF, 16, 0xFFFFFFFEu), SV_EFAULT,
		 "length word at 0xFFFFFFFE: SV_EFAULT");
	CHECK_RC(reg1(1, s, SV_SG_OUT, BUF, 16, SV_GUEST_LIMIT), SV_EFAULT,
		 "length word in the hypervisor: SV_EFAULT");

	/* SV_MAX_SG_LISTS per domain, across shares; failures above took no slot. */
	bool ok = true;
	int32_t hs[SV_MAX_SG_LISTS];
	for (uint32_t i = 0; i < SV_MAX_SG_LISTS; i++) {
		hs[i] = reg1(1, i < 10 ? s : t, i % 2 ? SV_SG_OUT : SV_SG_IN, BUF + 64 * i, 64, WORDS);
		ok &= hs[i] >= 0;
	}
	CHECK(ok, "SV_MAX_SG_LISTS lists on two shares");
	CHECK_RC(reg1(1, s, SV_SG_IN, BUF, 16, WORDS), SV_ENOSPC, "one more on s: SV_ENOSPC");
	CHECK_RC(reg1(1, t, SV_SG_OUT, BUF, 16, WORDS), SV_ENOSPC, "one more on t: SV_ENOSPC");
	CHECK(reg1(2, s, SV_SG_IN, BUF, 16, WORDS) >= 0, "the limit is per domain: domain 2 can");
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)hs[3]), SV_OK, "unregister one");
	CHECK(reg1(1, t, SV_SG_IN, BUF, 16, WORDS) >= 0, "then one fits");
	CHECK_RC(reg1(1, t, SV_SG_IN, BUF, 16, WORDS), SV_ENOSPC, "but not two");
	CHECK_RC(share_drop(D(1), id), SV_OK, "dropping s removes its 9 lists there");
	ok = true;
	for (uint32_t i = 0; i < 9; i++)
		ok &= reg1(1, t, SV_SG_IN, BUF, 16, WORDS) >= 0;
	CHECK(ok, "so 9 more fit on t");
	CHECK_RC(reg1(1, t, SV_SG_IN, BUF, 16, WORDS), SV_ENOSPC, "and no more");
	CHECK_RC(sg_unregister(D(1), (uint32_t)t, (uint32_t)hs[10]), SV_OK,
		 "t's lists from before are still there");
	end_share(s);
	end_share(t);
	check_clean("sg_register");
}

static void test_sg_handles(void)
{
	int32_t s = new_share(1, 0x6), t = new_share(1, 0x2);
	uint32_t id = (uint32_t)s;
	REQ(share_get(D(1), id, 13));
	REQ(share_get(D(2), id, 13));
	REQ(share_get(D(1), (uint32_t)t, 14));

	int32_t h1 = reg1(1, s, SV_SG_IN, BUF, 16, WORDS);
	CHECK(h1 >= 0, "a handle");
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)h1), SV_OK, "unregister it");
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)h1), SV_ENOENT, "unregister twice: SV_ENOENT");
	int32_t h2 = reg1(1, s, SV_SG_IN, BUF, 16, WORDS);
	CHECK(h2 >= 0 && h2 != h1, "the next list gets another handle (%d, was %d)", h2, h1);
	CHECK_EQ((uint32_t)h2 % SV_MAX_SG_LISTS, (uint32_t)h1 % SV_MAX_SG_LISTS,
		 "in the same slot (so the stale handle is really tested)");
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)h1), SV_ENOENT,
		 "the stale handle of the reused slot: SV_ENOENT");
	CHECK_RC(sg_unregister(D(2), id, (uint32_t)h2), SV_ENOENT,
		 "another domain with the handle: SV_ENOENT");
	CHECK_RC(sg_unregister(D(1), (uint32_t)t, (uint32_t)h2), SV_ENOENT,
		 "the handle with another share: SV_ENOENT");
	CHECK_RC(sg_unregister(D(3), id, (uint32_t)h2), SV_ENOENT, "a non-holder: SV_ENOENT");
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)h2 + 1), SV_ENOENT,
		 "an unused slot: SV_ENOENT");
	CHECK_RC(sg_unregister(D(1), id, 0x7FFFFFFFu), SV_ENOENT, "0x7FFFFFFF: SV_ENOENT");
	CHECK_RC(sg_unregister(D(1), id, 0x80000000u | (uint32_t)h2), SV_ENOENT,
		 "the handle with the sign bit: SV_ENOENT");
	CHECK_RC(sg_unregister(D(1), id, 0xFFFFFFFFu), SV_ENOENT, "0xFFFFFFFF: SV_ENOENT");
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)h2), SV_OK, "the live handle still works");

	int32_t h3 = reg1(1, s, SV_SG_IN, BUF, 16, WORDS);
	REQ(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16));
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)h3), SV_ENOENT,
		 "a list a transfer used: SV_ENOENT");
	int32_t h4 = reg1(1, s, SV_SG_IN, BUF, 16, WORDS);
	REQ(share_drop(D(1), id));
	REQ(share_get(D(1), id, 13));
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)h4), SV_ENOENT,
		 "a list from before a drop and get: SV_ENOENT");
	end_share(s);
	end_share(t);
	check_clean("sg handles");
}

/*
 * The oldest list goes first even across a wrap of the sequence number
 * (found by tests/fuzz: with a 32-bit number, a list registered 2^32 - 1
 * registrations after another looked older than it, and was filled first).
 */
static void test_sg_seq_wrap(void)
{
	int32_t s = new_share(1, 0x6);
	uint32_t id = (uint32_t)s;
	REQ(share_get(D(1), id, 13));	/* peer 0: registers */
	REQ(share_get(D(2), id, 13));	/* peer 1: sends */
	fake_put32(1, WORDS, 0xFFFFFFFF);
	fake_put32(1, WORDS + 4, 0xFFFFFFFF);
	int32_t older = REQ(reg1(1, s, SV_SG_IN, BUF, 16, WORDS));
	share_state_skip_seq(UINT32_MAX - 1);
	int32_t newer = REQ(reg1(1, s, SV_SG_IN, BUF + 0x100, 16, WORDS + 4));
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 8), 8, "send 8 bytes");
	CHECK_EQ(fake_get32(1, WORDS), 8, "the older list got them");
	CHECK_EQ(fake_get32(1, WORDS + 4), 0xFFFFFFFF, "the newer list did not");
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)older), SV_ENOENT, "the older list is used");
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)newer), SV_OK, "the newer is still there");
	end_share(s);
	check_clean("sg sequence wrap");
}

static void test_sg_xfer(void)
{
	int32_t s = new_share(4, 0xE), t = new_share(1, 0x2);
	uint32_t id = (uint32_t)s;
	CHECK_RC(share_get(D(1), id, 15), 0, "domain 1: peer 0");
	CHECK_RC(share_get(D(2), id, 16), 1, "domain 2: peer 1");
	CHECK_RC(share_get(D(3), id, 17), 2, "domain 3: peer 2");
	REQ(share_get(D(1), (uint32_t)t, 18));

	/* The simplest transfer, with guards around the receiving buffer. */
	fake_gfill(1, BUF, 0xEE, 0x1000);
	fake_put32(1, WORDS, 0xDEADBEEF);
	int32_t h = reg1(1, s, SV_SG_IN, BUF + 0x10, 100, WORDS);
	put_pattern(2, BUF, 100, 1);
	fake_raises_clear();
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 100), 100, "send 100 bytes: 100 moved");
	CHECK(has_pattern(1, BUF + 0x10, 100, 1, 0), "they arrived exactly");
	CHECK(all_bytes(1, BUF, 0x10, 0xEE) && all_bytes(1, BUF + 0x74, 0x1000 - 0x74, 0xEE),
	      "not a byte more on either side");
	CHECK_EQ(fake_get32(1, WORDS), 100, "the length word says 100");
	CHECK_EQ(fake_raises(1, 15), 1, "the receiver's port was raised once");
	CHECK_EQ(fake_raises_total(), 1, "and nothing else");
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 100), SV_EAGAIN,
		 "the list was used up: the next send gets SV_EAGAIN");
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)h), SV_ENOENT, "and it is unregistered");
	CHECK(has_pattern(2, BUF, 100, 1, 0), "the sender's buffer is unchanged");

	/* Truncation to the shorter side. */
	struct sv_sg two[2] = { { BUF + 0x100, 200 }, { BUF + 0x400, 400 } };
	fake_gfill(1, BUF, 0xEE, 0x1000);
	put_list(1, LISTS, two, 2);
	REQ(sg_register(D(1), id, SV_SG_IN, LISTS, 2, WORDS));
	put_pattern(2, BUF, 1000, 2);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 1000), 600,
		 "send 1000 bytes to a list of 600: 600 moved");
	CHECK(has_pattern(1, BUF + 0x100, 200, 2, 0) && has_pattern(1, BUF + 0x400, 400, 2, 200),
	      "the first 600 bytes arrived, split 200 + 400");
	CHECK(all_bytes(1, BUF + 0x100 + 200, 0x400 - 0x100 - 200, 0xEE) &&
	      all_bytes(1, BUF + 0x400 + 400, 0x1000 - 0x400 - 400, 0xEE),
	      "nothing else was written");
	CHECK_EQ(fake_get32(1, WORDS), 600, "the length word says 600");
	fake_gfill(1, BUF, 0xEE, 0x1000);
	REQ(sg_register(D(1), id, SV_SG_IN, LISTS, 2, WORDS));
	put_pattern(2, BUF, 300, 3);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 300), 300,
		 "send 300 bytes to a list of 600: 300 moved");
	CHECK(has_pattern(1, BUF + 0x100, 200, 3, 0) && has_pattern(1, BUF + 0x400, 100, 3, 200),
	      "they filled the first entry and 100 bytes of the second");
	CHECK(all_bytes(1, BUF + 0x400 + 100, 0x1000 - 0x400 - 100, 0xEE),
	      "the rest of the second entry is untouched");
	CHECK_EQ(fake_get32(1, WORDS), 300, "the length word says 300");

	/* RECV from an SV_SG_OUT list. */
	struct sv_sg out[2] = { { BUF + 0x10, 10 }, { BUF + 0x1FFB, 20 } };
	put_list(1, LISTS, out, 2);
	put_pattern(1, BUF + 0x10, 10, 4);
	uint8_t tail[20];
	for (uint32_t i = 0; i < 20; i++)
		tail[i] = pattern(4, 10 + i);
	fake_gwrite(1, BUF + 0x1FFB, tail, 20);
	REQ(sg_register(D(1), id, SV_SG_OUT, LISTS, 2, WORDS + 4));
	fake_gfill(2, BUF + 0x3000, 0xEE, 64);
	fake_raises_clear();
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 30), SV_EAGAIN,
		 "send to a peer with only an SV_SG_OUT list: SV_EAGAIN");
	CHECK_RC(xfer1(2, s, SV_XFER_RECV, 0, BUF + 0x3000, 30), 30,
		 "receive 30 bytes from its SV_SG_OUT list");
	CHECK(has_pattern(2, BUF + 0x3000, 30, 4, 0) && all_bytes(2, BUF + 0x3000 + 30, 34, 0xEE),
	      "they arrived exactly (from across a page boundary)");
	CHECK(has_pattern(1, BUF + 0x10, 10, 4, 0), "the owner's buffers are unchanged");
	CHECK_EQ(fake_get32(1, WORDS + 4), 30, "the owner's length word says 30");
	CHECK(fake_raises(1, 15) == 1 && fake_raises_total() == 1,
	      "the owner's port was raised, once, and the receiver's not");
	CHECK_RC(xfer1(2, s, SV_XFER_RECV, 0, BUF + 0x3000, 30), SV_EAGAIN,
		 "receive again: SV_EAGAIN");

	/* The oldest list first, whatever its slot. */
	int32_t la = reg1(1, s, SV_SG_IN, BUF, 16, WORDS);
	int32_t lb = reg1(1, s, SV_SG_IN, BUF + 0x100, 16, WORDS + 4);
	REQ(sg_unregister(D(1), id, (uint32_t)la));
	int32_t lc = reg1(1, s, SV_SG_IN, BUF + 0x200, 16, WORDS + 8);
	int32_t lo = reg1(1, s, SV_SG_OUT, BUF + 0x300, 16, WORDS + 12);
	CHECK(lb >= 0 && lc >= 0 && lo >= 0 && (uint32_t)lc % 16 < (uint32_t)lb % 16,
	      "the newer list sits in a lower slot than the older one");
	fake_put32(1, WORDS + 4, 0);
	fake_put32(1, WORDS + 8, 0);
	put_pattern(2, BUF, 16, 5);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 8), 8, "send 8");
	CHECK(has_pattern(1, BUF + 0x100, 8, 5, 0) && fake_get32(1, WORDS + 4) == 8 &&
	      fake_get32(1, WORDS + 8) == 0, "it went to the oldest list");
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), 16, "send 16");
	CHECK(has_pattern(1, BUF + 0x200, 16, 5, 0) && fake_get32(1, WORDS + 8) == 16,
	      "it went to the next one");
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), SV_EAGAIN,
		 "then SV_EAGAIN (the SV_SG_OUT list is not for sends)");
	REQ(sg_unregister(D(1), id, (uint32_t)lo));
	REQ(reg1(1, t, SV_SG_IN, BUF, 16, WORDS));
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), SV_EAGAIN,
		 "a list for another share is not used: SV_EAGAIN");

	/* Who may transfer to whom. */
	REQ(reg1(1, s, SV_SG_IN, BUF, 16, WORDS));
	CHECK_RC(xfer1(4, s, SV_XFER_SEND, 0, BUF, 16), SV_ENOENT, "a non-holder: SV_ENOENT");
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 3, BUF, 16), SV_ENOENT, "an unused peer id: SV_ENOENT");
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, SV_SHARE_MAX_PEERS, BUF, 16), SV_ENOENT,
		 "peer id SV_SHARE_MAX_PEERS: SV_ENOENT");
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0xFFFFFFFFu, BUF, 16), SV_ENOENT,
		 "peer id 0xFFFFFFFF: SV_ENOENT");
	CHECK_RC(xfer1(2, s, 0, 0, BUF, 16), SV_EINVAL, "direction 0: SV_EINVAL");
	CHECK_RC(xfer1(2, s, 3, 0, BUF, 16), SV_EINVAL, "direction 3: SV_EINVAL");
	CHECK_RC(sg_xfer(D(2), id, SV_XFER_SEND, 0, XLIST, 0), SV_EINVAL, "0 entries: SV_EINVAL");
	CHECK_RC(sg_xfer(D(2), id, SV_XFER_SEND, 0, XLIST, SV_SG_MAX_ENTRIES + 1), SV_EINVAL,
		 "SV_SG_MAX_ENTRIES + 1 entries: SV_EINVAL");
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 0), SV_EINVAL, "an entry of 0 bytes: SV_EINVAL");
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, SV_SG_MAX_BYTES + 1), SV_EINVAL,
		 "SV_SG_MAX_BYTES + 1: SV_EINVAL");
	fake_gfill(1, BUF, 0xEE, 16);
	fake_put32(1, WORDS, 0x55555555);
	fake_raises_clear();
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, HOLE, 16), SV_EFAULT,
		 "sending from an unmapped buffer: SV_EFAULT");
	struct sv_sg half_bad[2] = { { BUF, 8 }, { RAM_END - 4, 8 } };
	put_list(2, XLIST, half_bad, 2);
	CHECK_RC(sg_xfer(D(2), id, SV_XFER_SEND, 0, XLIST, 2), SV_EFAULT,
		 "sending from a buffer running off RAM: SV_EFAULT");
	CHECK_RC(sg_xfer(D(2), id, SV_XFER_SEND, 0, HOLE, 1), SV_EFAULT,
		 "the caller's array unmapped: SV_EFAULT");
	CHECK(all_bytes(1, BUF, 16, 0xEE) && fake_get32(1, WORDS) == 0x55555555 &&
	      fake_raises_total() == 0, "nothing was copied, no length written, no event");
	put_pattern(2, BUF, 16, 6);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), 16,
		 "the peer's list stayed registered: a good send uses it");
	CHECK(has_pattern(1, BUF, 16, 6, 0), "and the data arrives");
	REQ(reg1(1, s, SV_SG_OUT, BUF, 16, WORDS));
	CHECK_RC(xfer1(2, s, SV_XFER_RECV, 0, RO_PAGE, 16), SV_EFAULT,
		 "receiving into a read-only buffer: SV_EFAULT");
	CHECK_RC(xfer1(2, s, SV_XFER_RECV, 0, BUF + 0x800, 16), 16,
		 "the list stayed: receiving into a good buffer works");

	/* The peer's list went bad after it was registered. */
	REQ(share_map(D(1), id, MAP_VA, 0));
	REQ(share_map(D(2), id, MAP_VA, SV_MAP_READONLY));
	struct sv_sg in_share[2] = { { BUF, 16 }, { MAP_VA + 0x100, 32 } };
	put_list(1, LISTS, in_share, 2);
	fake_gfill(1, BUF, 0xEE, 16);
	fake_put32(1, WORDS, 0x55555555);
	int32_t hbad = REQ(sg_register(D(1), id, SV_SG_IN, LISTS, 2, WORDS));
	int32_t hgood = reg1(1, s, SV_SG_IN, BUF + 0x1000, 16, WORDS + 4);
	REQ(share_unmap(D(1), id));
	fake_raises_clear();
	put_pattern(2, BUF, 48, 7);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 48), SV_EFAULT,
		 "the peer unmapped a buffer of its oldest list: SV_EFAULT");
	CHECK(all_bytes(1, BUF, 16, 0xEE) && all_bytes(2, MAP_VA + 0x100, 32, 0) &&
	      fake_get32(1, WORDS) == 0x55555555 && fake_raises_total() == 0,
	      "nothing was copied (not even to the good entry), no length, no event");
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)hbad), SV_ENOENT, "that list was dropped");
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 48), 16, "the next send uses the next list");
	CHECK_EQ(fake_get32(1, WORDS + 4), 16, "its length word says 16");
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)hgood), SV_ENOENT, "which is used up");
	REQ(share_map(D(1), id, MAP_VA, 0));
	put_sg(1, LISTS, MAP_VA + 0x2000, 64);
	REQ(sg_register(D(1), id, SV_SG_OUT, LISTS, 1, WORDS));
	REQ(share_unmap(D(1), id));
	CHECK_RC(xfer1(2, s, SV_XFER_RECV, 0, BUF, 64), SV_EFAULT,
		 "receiving from an SV_SG_OUT list that went bad: SV_EFAULT");
	CHECK_RC(xfer1(2, s, SV_XFER_RECV, 0, BUF, 64), SV_EAGAIN, "it was dropped: SV_EAGAIN");

	/* An SV_SG_IN buffer that became read-only: its page remapped so. */
	REQ(share_map(D(1), id, MAP_VA, 0));
	int32_t hro = REQ(reg1(1, s, SV_SG_IN, MAP_VA + 0x300, 16, WORDS));
	REQ(share_unmap(D(1), id));
	REQ(share_map(D(1), id, MAP_VA, SV_MAP_READONLY));
	fake_raises_clear();
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), SV_EFAULT,
		 "the peer's SV_SG_IN buffer is mapped read-only now: SV_EFAULT");
	CHECK(all_bytes(1, MAP_VA + 0x300, 16, 0) && fake_raises_total() == 0,
	      "it was not written, no event");
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)hro), SV_ENOENT, "and the list was dropped");
	REQ(share_unmap(D(1), id));

	/* The length word went: the list is as bad as a lost buffer. */
	REQ(share_map(D(1), id, MAP_VA, 0));
	int32_t hlw = REQ(reg1(1, s, SV_SG_IN, BUF, 16, MAP_VA + 0x200));
	REQ(share_unmap(D(1), id));
	fake_gfill(1, BUF, 0, 16);
	put_pattern(2, BUF, 16, 8);
	fake_raises_clear();
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), SV_EFAULT,
		 "the length word is unmapped: SV_EFAULT");
	CHECK(all_bytes(1, BUF, 16, 0) && fake_raises_total() == 0,
	      "nothing copied, no event");
	CHECK(all_bytes(2, MAP_VA + 0x200, 4, 0), "the share page the word was on is not written");
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)hlw), SV_ENOENT, "and the list was dropped");
	REQ(share_unmap(D(2), id));

	/* To itself, and from the share's own pages. */
	REQ(reg1(1, s, SV_SG_IN, BUF, 16, WORDS));
	put_pattern(1, BUF + 0x100, 16, 9);
	CHECK_RC(xfer1(1, s, SV_XFER_SEND, 0, BUF + 0x100, 16), 16,
		 "a peer may send to its own list");
	CHECK(has_pattern(1, BUF, 16, 9, 0), "the data arrives");
	REQ(share_map(D(3), id, MAP_VA, 0));
	put_pattern(3, MAP_VA + 0xFF0, 0x20, 10);
	REQ(reg1(1, s, SV_SG_IN, BUF + 0xFF8, 0x20, WORDS));
	CHECK_RC(xfer1(3, s, SV_XFER_SEND, 0, MAP_VA + 0xFF0, 0x20), 0x20,
		 "send from a buffer in the share mapping, across its page boundary");
	CHECK(has_pattern(1, BUF + 0xFF8, 0x20, 10, 0), "arrives across a RAM page boundary");

	/* The most there can be: 64 KiB, 16 unaligned pieces into one. */
	struct sv_sg sixteen[SV_SG_MAX_ENTRIES];
	for (uint32_t i = 0; i < SV_SG_MAX_ENTRIES; i++)
		sixteen[i] = (struct sv_sg){ BUF + 0x123 + i * 0x1100, 0x1000 };
	put_list(2, XLIST, sixteen, SV_SG_MAX_ENTRIES);
	for (uint32_t i = 0; i < SV_SG_MAX_ENTRIES; i++) {
		uint8_t piece[0x1000];
		for (uint32_t j = 0; j < 0x1000; j++)
			piece[j] = pattern(11, i * 0x1000 + j);
		fake_gwrite(2, sixteen[i].addr, piece, 0x1000);
	}
	REQ(reg1(1, s, SV_SG_IN, BUF + 0x801, SV_SG_MAX_BYTES, WORDS));
	CHECK_RC(sg_xfer(D(2), id, SV_XFER_SEND, 0, XLIST, SV_SG_MAX_ENTRIES), SV_SG_MAX_BYTES,
		 "64 KiB from 16 pieces into one buffer");
	CHECK(has_pattern(1, BUF + 0x801, SV_SG_MAX_BYTES, 11, 0), "arrive exactly");
	CHECK_EQ(fake_get32(1, WORDS), SV_SG_MAX_BYTES, "length word 65536");

	/* A peer that left. */
	REQ(reg1(3, s, SV_SG_IN, BUF, 16, WORDS));
	REQ(share_drop(D(3), id));
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 2, BUF, 16), SV_ENOENT,
		 "to the id of a peer that dropped the share: SV_ENOENT");
	REQ(share_get(D(3), id, 17));
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 2, BUF, 16), SV_EAGAIN,
		 "it comes back with the same id: its old list is gone (SV_EAGAIN)");
	end_share(s);
	end_share(t);
	check_clean("sg_xfer");
}

/* ---- kept lists (SV_SG_KEEP) ---- */

/* Which of two one-word length words says n, the other 0: 'A', 'B', or '?'. */
static char which_got(uint32_t dom, uint32_t wa, uint32_t wb, uint32_t n)
{
	uint32_t a = fake_get32(dom, wa), b = fake_get32(dom, wb);
	return a == n && b == 0 ? 'A' : b == n && a == 0 ? 'B' : '?';
}

/*
 * A list registered with SV_SG_KEEP stays after a transfer: the transfer
 * writes the count to its length word, and the list takes no other until
 * its owner writes 0 there; each use moves it behind the owner's other
 * lists. SV_OP_SG_UNREGISTER, a drop of the share or the owner's death
 * end it.
 */
static void test_sg_keep(void)
{
	int32_t s = new_share(2, 0x6);
	uint32_t id = (uint32_t)s;
	REQ(share_get(D(1), id, 15));	/* peer 0: owns the lists */
	REQ(share_get(D(2), id, 16));	/* peer 1: transfers */

	/* The direction: SV_SG_KEEP or'ed into SV_SG_IN or SV_SG_OUT, nothing else. */
	fake_put32(1, WORDS, 0);
	CHECK_RC(reg1(1, s, SV_SG_KEEP, BUF, 16, WORDS), SV_EINVAL, "SV_SG_KEEP alone: SV_EINVAL");
	CHECK_RC(reg1(1, s, 0x200 | SV_SG_IN, BUF, 16, WORDS), SV_EINVAL,
		 "0x200 | SV_SG_IN: SV_EINVAL");
	CHECK_RC(reg1(1, s, SV_SG_KEEP | 3, BUF, 16, WORDS), SV_EINVAL,
		 "SV_SG_KEEP | 3: SV_EINVAL");
	CHECK_RC(reg1(1, s, SV_SG_KEEP | 0x200 | SV_SG_IN, BUF, 16, WORDS), SV_EINVAL,
		 "SV_SG_KEEP | 0x200 | SV_SG_IN: SV_EINVAL");
	CHECK_RC(reg1(1, s, 0x80000000u | SV_SG_KEEP | SV_SG_OUT, BUF, 16, WORDS), SV_EINVAL,
		 "1 << 31 | SV_SG_KEEP | SV_SG_OUT: SV_EINVAL");
	CHECK_RC(reg1(1, s, SV_SG_KEEP | SV_SG_IN, RO_PAGE, 16, WORDS), SV_EFAULT,
		 "a kept SV_SG_IN list over a read-only page: SV_EFAULT, as any list");
	CHECK_RC(reg1(1, s, SV_SG_KEEP | SV_SG_IN, BUF, 16, RO_PAGE), SV_EFAULT,
		 "a kept list with a read-only length word: SV_EFAULT");
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), SV_EAGAIN,
		 "none of those was registered: a send gets SV_EAGAIN");
	int32_t h = reg1(1, s, SV_SG_KEEP | SV_SG_OUT, RO_PAGE, 16, WORDS);
	CHECK(h >= 0, "SV_SG_KEEP | SV_SG_OUT over a read-only page: a handle (%d)", h);
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)h), SV_OK,
		 "unregister a kept list never used");

	/* One kept SV_SG_IN list, filled, spent, re-armed, filled again. */
	fake_gfill(1, BUF, 0xEE, 0x200);
	fake_put32(1, WORDS, 0xFFFFFFFF);
	h = reg1(1, s, SV_SG_KEEP | SV_SG_IN, BUF + 0x10, 64, WORDS);
	CHECK(h >= 0, "SV_SG_KEEP | SV_SG_IN: a handle (%d)", h);
	put_pattern(2, BUF, 100, 21);
	fake_raises_clear();
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 40), SV_EAGAIN,
		 "registered with its length word not 0: not armed, SV_EAGAIN");
	CHECK(all_bytes(1, BUF, 0x200, 0xEE) && fake_get32(1, WORDS) == 0xFFFFFFFF &&
	      fake_raises_total() == 0, "nothing written, no event");
	fake_put32(1, WORDS, 0);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 40), 40,
		 "the owner writes 0: a send of 40 bytes fills it");
	CHECK(has_pattern(1, BUF + 0x10, 40, 21, 0) && all_bytes(1, BUF, 0x10, 0xEE) &&
	      all_bytes(1, BUF + 0x10 + 40, 0x200 - 0x10 - 40, 0xEE), "exactly those 40 bytes");
	CHECK_EQ(fake_get32(1, WORDS), 40, "its length word says 40");
	CHECK(fake_raises(1, 15) == 1 && fake_raises_total() == 1, "the owner's port was raised");
	CHECK(share_state_has_list(1, (uint32_t)h), "the kept list is still registered");
	put_pattern(2, BUF, 100, 22);
	fake_raises_clear();
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 100), SV_EAGAIN,
		 "its length word is 40 (spent): the next send gets SV_EAGAIN");
	CHECK(has_pattern(1, BUF + 0x10, 40, 21, 0) && all_bytes(1, BUF + 0x10 + 40, 24, 0xEE) &&
	      fake_get32(1, WORDS) == 40 && fake_raises_total() == 0,
	      "its buffer and length word are untouched, no event");
	CHECK(share_state_has_list(1, (uint32_t)h), "and it stays registered");
	fake_put32(1, WORDS, 0);
	fake_raises_clear();
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 100), 64,
		 "re-armed: a send of 100 bytes fills its 64");
	CHECK(has_pattern(1, BUF + 0x10, 64, 22, 0) && all_bytes(1, BUF, 0x10, 0xEE) &&
	      all_bytes(1, BUF + 0x10 + 64, 0x200 - 0x10 - 64, 0xEE), "the new bytes, exactly");
	CHECK_EQ(fake_get32(1, WORDS), 64, "its length word says 64");
	CHECK_EQ(fake_raises(1, 15), 1, "the owner's port was raised again");
	CHECK(share_state_has_list(1, (uint32_t)h), "still registered, under the same handle");
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)h), SV_OK,
		 "unregister the kept list while it is spent");
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)h), SV_ENOENT, "unregister twice: SV_ENOENT");
	fake_put32(1, WORDS, 0);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), SV_EAGAIN,
		 "once unregistered it takes nothing, even with its word 0");

	/* The order: a kept list goes behind the owner's other lists each time it is used. */
	fake_put32(1, WORDS, 0);
	fake_put32(1, WORDS + 4, 0x55555555);
	fake_put32(1, WORDS + 8, 0x55555555);
	int32_t a = REQ(reg1(1, s, SV_SG_KEEP | SV_SG_IN, BUF, 16, WORDS));
	int32_t b = REQ(reg1(1, s, SV_SG_IN, BUF + 0x100, 16, WORDS + 4));
	put_pattern(2, BUF, 16, 31);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), 16, "kept A, then plain B: transfer 1");
	CHECK(fake_get32(1, WORDS) == 16 && fake_get32(1, WORDS + 4) == 0x55555555 &&
	      has_pattern(1, BUF, 16, 31, 0), "went to A, the older");
	put_pattern(2, BUF, 16, 32);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), 16, "transfer 2");
	CHECK(fake_get32(1, WORDS + 4) == 16 && has_pattern(1, BUF + 0x100, 16, 32, 0) &&
	      has_pattern(1, BUF, 16, 31, 0) && fake_get32(1, WORDS) == 16,
	      "A is spent: B got it, A kept its bytes and count");
	CHECK(!share_state_has_list(1, (uint32_t)b) && share_state_has_list(1, (uint32_t)a),
	      "B (plain) is gone, A (kept) stays");
	fake_put32(1, WORDS, 0);
	put_pattern(2, BUF, 16, 33);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), 16, "the owner re-arms A: transfer 3");
	CHECK(fake_get32(1, WORDS) == 16 && has_pattern(1, BUF, 16, 33, 0), "went to A");
	/* Plain C registered after A's last use: A, re-armed, is older and goes
	 * first; re-armed at once after that, it waits behind C. */
	fake_put32(1, WORDS + 8, 0x55555555);
	int32_t c = REQ(reg1(1, s, SV_SG_IN, BUF + 0x200, 16, WORDS + 8));
	fake_put32(1, WORDS, 0);
	put_pattern(2, BUF, 16, 34);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), 16,
		 "then plain C registered, A re-armed: transfer 4");
	CHECK(fake_get32(1, WORDS) == 16 && fake_get32(1, WORDS + 8) == 0x55555555 &&
	      has_pattern(1, BUF, 16, 34, 0), "went to A, used before C was registered");
	fake_put32(1, WORDS, 0);
	put_pattern(2, BUF, 16, 35);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), 16, "A re-armed at once: transfer 5");
	CHECK(fake_get32(1, WORDS + 8) == 16 && fake_get32(1, WORDS) == 0 &&
	      has_pattern(1, BUF + 0x200, 16, 35, 0) && has_pattern(1, BUF, 16, 34, 0),
	      "went to C: A, armed and registered first, was moved behind C by its use");
	CHECK(!share_state_has_list(1, (uint32_t)c) && share_state_has_list(1, (uint32_t)a),
	      "C is gone, A stays");
	put_pattern(2, BUF, 16, 36);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), 16, "transfer 6");
	CHECK(fake_get32(1, WORDS) == 16 && has_pattern(1, BUF, 16, 36, 0), "went to A");
	REQ(sg_unregister(D(1), id, (uint32_t)a));

	/* Two kept lists, each re-armed after every use: they take turns. */
	fake_put32(1, WORDS, 0);
	fake_put32(1, WORDS + 4, 0);
	int32_t ka = REQ(reg1(1, s, SV_SG_KEEP | SV_SG_IN, BUF, 16, WORDS));
	int32_t kb = REQ(reg1(1, s, SV_SG_KEEP | SV_SG_IN, BUF + 0x100, 16, WORDS + 4));
	char seen[9] = { 0 };
	bool data_ok = true;
	for (uint32_t r = 0; r < 8; r++) {
		put_pattern(2, BUF, 16, 40 + r);
		int32_t rc = xfer1(2, s, SV_XFER_SEND, 0, BUF, 16);
		seen[r] = rc != 16 ? '!' : which_got(1, WORDS, WORDS + 4, 16);
		data_ok &= has_pattern(1, seen[r] == 'B' ? BUF + 0x100 : BUF, 16, 40 + r, 0);
		fake_put32(1, WORDS, 0);	/* the owner takes the bytes: both armed */
		fake_put32(1, WORDS + 4, 0);
	}
	CHECK_STR(seen, "ABABABAB", "kept A and B, both re-armed after each transfer: they alternate");
	CHECK(data_ok, "each transfer's bytes are in the list that took it");
	/* Only B re-armed: B takes every transfer while A stays spent; then A again. */
	put_pattern(2, BUF, 16, 50);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), 16, "one more transfer");
	CHECK_EQ(which_got(1, WORDS, WORDS + 4, 16), 'A', "went to A (B went last): A is spent now");
	for (uint32_t r = 0; r < 3; r++) {
		fake_put32(1, WORDS + 4, 0);
		put_pattern(2, BUF, 16, 51 + r);
		int32_t rc = xfer1(2, s, SV_XFER_SEND, 0, BUF, 16);
		seen[r] = rc != 16 ? '!' : fake_get32(1, WORDS + 4) == 16 ? 'B' : '?';
		data_ok &= has_pattern(1, BUF + 0x100, 16, 51 + r, 0);
	}
	seen[3] = 0;
	CHECK_STR(seen, "BBB", "A spent, B re-armed each time: B, B, B");
	CHECK(data_ok && has_pattern(1, BUF, 16, 50, 0) && fake_get32(1, WORDS) == 16,
	      "with the bytes in B, A untouched");
	fake_put32(1, WORDS, 0);
	fake_put32(1, WORDS + 4, 0);
	put_pattern(2, BUF, 16, 55);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), 16, "then both re-armed");
	CHECK_EQ(which_got(1, WORDS, WORDS + 4, 16), 'A', "A, passed over 3 times, goes first");
	REQ(sg_unregister(D(1), id, (uint32_t)ka));
	REQ(sg_unregister(D(1), id, (uint32_t)kb));

	/* A kept SV_SG_OUT list, drained by SV_XFER_RECV. */
	fake_put32(1, WORDS, 0);
	put_pattern(1, BUF + 0x300, 48, 60);
	int32_t ho = reg1(1, s, SV_SG_KEEP | SV_SG_OUT, BUF + 0x300, 48, WORDS);
	CHECK(ho >= 0, "SV_SG_KEEP | SV_SG_OUT: a handle (%d)", ho);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), SV_EAGAIN,
		 "a send finds no SV_SG_IN list: SV_EAGAIN");
	fake_gfill(2, BUF + 0x1000, 0xEE, 64);
	fake_raises_clear();
	CHECK_RC(xfer1(2, s, SV_XFER_RECV, 0, BUF + 0x1000, 64), 48,
		 "receive 64 from the kept SV_SG_OUT list of 48: 48");
	CHECK(has_pattern(2, BUF + 0x1000, 48, 60, 0) && all_bytes(2, BUF + 0x1000 + 48, 16, 0xEE),
	      "they arrived exactly");
	CHECK(fake_get32(1, WORDS) == 48 && share_state_has_list(1, (uint32_t)ho) &&
	      fake_raises(1, 15) == 1 && fake_raises_total() == 1,
	      "its length word says 48, it stays registered, the owner's port was raised");
	CHECK(has_pattern(1, BUF + 0x300, 48, 60, 0), "the owner's buffer is unchanged");
	fake_gfill(2, BUF + 0x1000, 0xEE, 64);
	CHECK_RC(xfer1(2, s, SV_XFER_RECV, 0, BUF + 0x1000, 64), SV_EAGAIN,
		 "receive again while it is spent: SV_EAGAIN");
	CHECK(all_bytes(2, BUF + 0x1000, 64, 0xEE), "nothing arrived");
	put_pattern(1, BUF + 0x300, 48, 61);	/* the owner offers new bytes */
	fake_put32(1, WORDS, 0);
	CHECK_RC(xfer1(2, s, SV_XFER_RECV, 0, BUF + 0x1000, 20), 20,
		 "re-armed: receive 20");
	CHECK(has_pattern(2, BUF + 0x1000, 20, 61, 0) && all_bytes(2, BUF + 0x1000 + 20, 44, 0xEE) &&
	      fake_get32(1, WORDS) == 20, "the new bytes, and the count 20");
	REQ(sg_unregister(D(1), id, (uint32_t)ho));

	/* Kept lists end with the share or the domain, spent or armed. */
	fake_put32(1, WORDS, 0);
	fake_put32(1, WORDS + 4, 0);
	int32_t k1 = REQ(reg1(1, s, SV_SG_KEEP | SV_SG_IN, BUF, 16, WORDS));
	int32_t k2 = REQ(reg1(1, s, SV_SG_KEEP | SV_SG_OUT, BUF + 0x100, 16, WORDS + 4));
	REQ(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16));	/* k1 spent, k2 armed */
	fake_put32(2, WORDS, 0);
	int32_t k3 = REQ(reg1(2, s, SV_SG_KEEP | SV_SG_IN, BUF, 16, WORDS));
	CHECK(share_state_has_list(1, (uint32_t)k1) && share_state_has_list(1, (uint32_t)k2),
	      "before the drop: both of domain 1's kept lists are registered");
	CHECK_RC(share_drop(D(1), id), SV_OK, "domain 1 drops the share");
	CHECK(!share_state_has_list(1, (uint32_t)k1) && !share_state_has_list(1, (uint32_t)k2),
	      "its kept lists went with it, the spent one and the armed one");
	CHECK(share_state_has_list(2, (uint32_t)k3), "domain 2's kept list stays");
	CHECK_RC(share_get(D(1), id, 15), 0, "domain 1 gets it again: peer 0");
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)k1), SV_ENOENT,
		 "the kept list's handle from before the drop: SV_ENOENT");
	CHECK_RC(xfer1(2, s, SV_XFER_RECV, 0, BUF, 16), SV_EAGAIN,
		 "and a receive finds no kept SV_SG_OUT list of domain 1");
	CHECK_RC(xfer1(1, s, SV_XFER_SEND, 1, BUF, 16), 16, "domain 1 sends to domain 2's kept list");
	fake_domain_die(2);
	CHECK(!share_state_has_list(2, (uint32_t)k3), "domain 2 dies (its list spent): it is gone");
	fake_domain_start(2);
	end_share(s);
	CHECK(share_state_leftover() == NULL, "no share, watch or sg list is left");
	check_clean("sg keep");
}

/*
 * A list's frames are taken when it is registered, and trusted until a
 * mapping goes anywhere (unmap_epoch). A list over a share's mapping,
 * that share unmapped and another mapped at the same address: a
 * transfer must reach what is mapped there now, never the old frames
 * (which are still another domain's share pages).
 */
static void test_sg_remap(void)
{
	int32_t p = new_share(2, 0x6), q = new_share(2, 0x6);
	uint32_t pi = (uint32_t)p, qi = (uint32_t)q;
	REQ(share_get(D(1), pi, 15));	/* peer 0 of both: owns the lists */
	REQ(share_get(D(2), pi, 16));	/* peer 1: transfers, and watches the pages */
	REQ(share_get(D(1), qi, 17));
	REQ(share_get(D(2), qi, 18));
	const uint32_t PV = MAP_VA, QV = MAP_VA + 0x10000;	/* domain 2's views */
	REQ(share_map(D(2), pi, PV, 0));
	REQ(share_map(D(2), qi, QV, 0));
	uint32_t ppfn = pfn_at(2, PV), qpfn = pfn_at(2, QV);
	fake_gfill(2, PV, 0xAA, 0x2000);
	fake_gfill(2, QV, 0xBB, 0x2000);

	/* Buffers in the mapping: a kept list K and a plain list L. */
	REQ(share_map(D(1), pi, MAP_VA, 0));
	fake_put32(1, WORDS, 0);
	fake_put32(1, WORDS + 4, 0x55555555);
	int32_t k = REQ(reg1(1, p, SV_SG_KEEP | SV_SG_IN, MAP_VA + 0x100, 64, WORDS));
	int32_t l = REQ(reg1(1, p, SV_SG_IN, MAP_VA + 0x800, 64, WORDS + 4));
	CHECK_RC(share_unmap(D(1), pi), SV_OK, "domain 1 unmaps share P under both lists");
	CHECK_RC(share_map(D(1), qi, MAP_VA, 0), SV_OK, "and maps share Q at the same address");
	CHECK(pfn_at(1, MAP_VA) == qpfn, "domain 1's MAP_VA is Q's first page now");
	put_pattern(2, BUF, 64, 70);
	fake_raises_clear();
	CHECK_RC(xfer1(2, p, SV_XFER_SEND, 0, BUF, 64), 64, "a send fills kept K");
	CHECK(has_pattern(2, QV + 0x100, 64, 70, 0) && has_pattern(1, MAP_VA + 0x100, 64, 70, 0),
	      "the bytes are in Q's page, now mapped there");
	CHECK(all_bytes(2, PV, 0x2000, 0xAA), "P's pages, mapped there before, are untouched");
	CHECK(all_bytes(2, QV, 0x100, 0xBB) && all_bytes(2, QV + 0x140, 0x2000 - 0x140, 0xBB),
	      "and nothing else of Q was written");
	CHECK_EQ(fake_get32(1, WORDS), 64, "K's length word says 64");
	CHECK(sg_lists_consistent(D(1)), "domain 1's lists' frames agree with its page tables");
	put_pattern(2, BUF, 64, 71);
	CHECK_RC(xfer1(2, p, SV_XFER_SEND, 0, BUF, 64), 64, "K is spent: the next send fills plain L");
	CHECK(has_pattern(2, QV + 0x800, 64, 71, 0) && all_bytes(2, PV, 0x2000, 0xAA) &&
	      fake_get32(1, WORDS + 4) == 64, "into Q's page too, P untouched, L's word 64");
	CHECK(!share_state_has_list(1, (uint32_t)l), "L is gone");
	fake_put32(1, WORDS, 0);
	put_pattern(2, BUF, 64, 72);
	CHECK_RC(xfer1(2, p, SV_XFER_SEND, 0, BUF, 64), 64, "K re-armed: filled again");
	CHECK(has_pattern(2, QV + 0x100, 64, 72, 0) && all_bytes(2, PV, 0x2000, 0xAA),
	      "again in Q, P untouched");
	REQ(sg_unregister(D(1), pi, (uint32_t)k));

	/* A kept SV_SG_OUT list: a receive reads what is mapped there now. */
	REQ(share_unmap(D(1), qi));
	REQ(share_map(D(1), pi, MAP_VA, 0));
	fake_put32(1, WORDS, 0);
	int32_t ko = REQ(reg1(1, p, SV_SG_KEEP | SV_SG_OUT, MAP_VA + 0x200, 32, WORDS));
	REQ(share_unmap(D(1), pi));
	REQ(share_map(D(1), qi, MAP_VA, 0));
	put_pattern(2, QV + 0x200, 32, 73);
	fake_gfill(2, BUF, 0xEE, 64);
	CHECK_RC(xfer1(2, p, SV_XFER_RECV, 0, BUF, 64), 32, "a receive from kept SV_SG_OUT over Q now");
	CHECK(has_pattern(2, BUF, 32, 73, 0) && all_bytes(2, BUF + 32, 32, 0xEE),
	      "it got Q's bytes, not P's");
	REQ(sg_unregister(D(1), pi, (uint32_t)ko));

	/* The length word in the mapping: the armed check reads it where it is now. */
	REQ(share_unmap(D(1), qi));
	REQ(share_map(D(1), pi, MAP_VA, 0));
	fake_put32(1, MAP_VA + 0xFF0, 0);	/* 0 in P: armed when registered */
	fake_gfill(1, BUF, 0xEE, 16);
	int32_t kw = REQ(reg1(1, p, SV_SG_KEEP | SV_SG_IN, BUF, 16, MAP_VA + 0xFF0));
	REQ(share_unmap(D(1), pi));
	REQ(share_map(D(1), qi, MAP_VA, 0));	/* Q holds 0xBBBBBBBB there */
	put_pattern(2, BUF + 0x100, 16, 74);
	CHECK_RC(xfer1(2, p, SV_XFER_SEND, 0, BUF + 0x100, 16), SV_EAGAIN,
		 "its length word is Q's 0xBBBBBBBB now, not P's 0: spent, SV_EAGAIN");
	CHECK(all_bytes(1, BUF, 16, 0xEE) && fake_get32(2, PV + 0xFF0) == 0 &&
	      fake_get32(2, QV + 0xFF0) == 0xBBBBBBBB, "nothing written, in P or Q");
	fake_put32(1, MAP_VA + 0xFF0, 0);	/* the owner re-arms it: in Q */
	CHECK_RC(xfer1(2, p, SV_XFER_SEND, 0, BUF + 0x100, 16), 16,
		 "re-armed through the new mapping: filled");
	CHECK(has_pattern(1, BUF, 16, 74, 0), "the bytes arrived");
	CHECK(fake_get32(2, QV + 0xFF0) == 16 && fake_get32(2, PV + 0xFF0) == 0,
	      "the count went into Q's page; P's word is still 0");
	CHECK(all_bytes(2, PV, 0xFF0, 0xAA) && all_bytes(2, PV + 0xFF4, 0x2000 - 0xFF4, 0xAA),
	      "and P's pages are otherwise untouched");
	REQ(sg_unregister(D(1), pi, (uint32_t)kw));

	/* Unmapped, and nothing mapped there: SV_EFAULT, and the list is gone. */
	fake_put32(1, WORDS, 0);
	fake_put32(1, WORDS + 4, 0x55555555);
	fake_put32(1, WORDS + 8, 0x55555555);
	fake_put32(1, MAP_VA + 0xFF0, 40);	/* in Q: spent */
	int32_t k2 = REQ(reg1(1, p, SV_SG_KEEP | SV_SG_IN, MAP_VA + 0x100, 64, WORDS));
	int32_t l2 = REQ(reg1(1, p, SV_SG_IN, MAP_VA + 0x800, 64, WORDS + 4));
	int32_t k3 = REQ(reg1(1, p, SV_SG_KEEP | SV_SG_IN, BUF, 16, MAP_VA + 0xFF0));
	int32_t g = REQ(reg1(1, p, SV_SG_IN, BUF + 0x100, 16, WORDS + 8));
	REQ(share_unmap(D(1), qi));
	CHECK(unmapped(1, MAP_VA, 2), "domain 1 has nothing at MAP_VA now");
	uint8_t pbefore[0x2000], qbefore[0x2000], pafter[0x2000], qafter[0x2000];
	fake_gread(2, PV, pbefore, sizeof(pbefore));
	fake_gread(2, QV, qbefore, sizeof(qbefore));
	fake_gfill(1, BUF, 0xEE, 0x200);
	put_pattern(2, BUF + 0x400, 64, 75);
	fake_raises_clear();
	CHECK_RC(xfer1(2, p, SV_XFER_SEND, 0, BUF + 0x400, 64), SV_EFAULT,
		 "kept K2's buffer is unmapped: SV_EFAULT");
	CHECK(!share_state_has_list(1, (uint32_t)k2), "and K2 is gone");
	CHECK_RC(sg_unregister(D(1), pi, (uint32_t)k2), SV_ENOENT, "its handle: SV_ENOENT");
	CHECK_RC(xfer1(2, p, SV_XFER_SEND, 0, BUF + 0x400, 64), SV_EFAULT,
		 "plain L2's buffer is unmapped: SV_EFAULT");
	CHECK(!share_state_has_list(1, (uint32_t)l2), "and L2 is gone");
	CHECK_RC(xfer1(2, p, SV_XFER_SEND, 0, BUF + 0x400, 64), SV_EFAULT,
		 "kept K3's length word (spent when mapped) is unmapped: SV_EFAULT, not SV_EAGAIN");
	CHECK(!share_state_has_list(1, (uint32_t)k3), "and K3 is gone");
	fake_gread(2, PV, pafter, sizeof(pafter));
	fake_gread(2, QV, qafter, sizeof(qafter));
	CHECK(memcmp(pafter, pbefore, sizeof(pafter)) == 0 &&
	      memcmp(qafter, qbefore, sizeof(qafter)) == 0 &&
	      fake_get32(2, QV + 0xFF0) == 40 && all_bytes(1, BUF, 0x200, 0xEE) &&
	      fake_get32(1, WORDS) == 0 && fake_get32(1, WORDS + 4) == 0x55555555 &&
	      fake_raises_total() == 0, "nothing was written anywhere, no event");
	CHECK_RC(xfer1(2, p, SV_XFER_SEND, 0, BUF + 0x400, 64), 16, "the next list, in RAM, works");
	CHECK(has_pattern(1, BUF + 0x100, 16, 75, 0) && fake_get32(1, WORDS + 8) == 16 &&
	      !share_state_has_list(1, (uint32_t)g), "its bytes and count");

	/* A spent kept list whose buffer goes while its word stays: it waits
	 * (SV_EAGAIN, not SV_EFAULT: its owner may be remapping), and fails
	 * once its owner re-arms it with the buffer still gone. */
	REQ(share_map(D(1), qi, MAP_VA, 0));
	fake_put32(1, WORDS, 0);
	int32_t kw2 = REQ(reg1(1, p, SV_SG_KEEP | SV_SG_IN, MAP_VA + 0x100, 16, WORDS));
	CHECK_RC(xfer1(2, p, SV_XFER_SEND, 0, BUF + 0x400, 16), 16, "a send fills it");
	REQ(share_unmap(D(1), qi));
	CHECK_RC(xfer1(2, p, SV_XFER_SEND, 0, BUF + 0x400, 16), SV_EAGAIN,
		 "spent, its buffer unmapped, its word 16: passed over (SV_EAGAIN)");
	CHECK(share_state_has_list(1, (uint32_t)kw2), "and it stays registered");
	fake_put32(1, WORDS, 0);
	CHECK_RC(xfer1(2, p, SV_XFER_SEND, 0, BUF + 0x400, 16), SV_EFAULT,
		 "re-armed with its buffer still gone: SV_EFAULT");
	CHECK(!share_state_has_list(1, (uint32_t)kw2) && fake_get32(1, WORDS) == 0,
	      "and it is gone, its word not written");

	/* Mapped again read-only: a kept SV_SG_IN list over it is bad. */
	REQ(share_map(D(1), qi, MAP_VA, 0));
	fake_put32(1, WORDS, 0);
	int32_t kr = REQ(reg1(1, p, SV_SG_KEEP | SV_SG_IN, MAP_VA + 0x100, 64, WORDS));
	REQ(share_unmap(D(1), qi));
	REQ(share_map(D(1), qi, MAP_VA, SV_MAP_READONLY));
	fake_gfill(2, QV + 0x100, 0xBB, 64);
	CHECK_RC(xfer1(2, p, SV_XFER_SEND, 0, BUF + 0x400, 64), SV_EFAULT,
		 "kept list over a page mapped read-only since: SV_EFAULT");
	CHECK(all_bytes(2, QV + 0x100, 64, 0xBB) && !share_state_has_list(1, (uint32_t)kr),
	      "not written, and the list is gone");
	CHECK(pfn_at(2, PV) == ppfn && pfn_at(2, QV) == qpfn,
	      "domain 2's views were P and Q throughout");
	end_share(p);
	end_share(q);
	CHECK(share_state_leftover() == NULL, "no share, watch or sg list is left");
	check_clean("sg remap");
}

/*
 * A kept list's length word across a page boundary (its two pages are
 * not adjacent frames): the count is written into both, and the armed
 * check reads both.
 */
static void test_sg_keep_straddle(void)
{
	int32_t s = new_share(1, 0x6);
	uint32_t id = (uint32_t)s;
	REQ(share_get(D(1), id, 15));
	REQ(share_get(D(2), id, 16));
	const uint32_t lw = BUF + 0x3000 - 2, big = BUF + 0x4000;
	CHECK(fake_pa_of(1, lw - 2) + PAGE_SIZE != fake_pa_of(1, lw + 2),
	      "the word's two pages are not adjacent frames (so both must be found)");
	/* What a write or read of 4 bytes at lw's frame would reach instead of
	 * the second page: zeroed, so that such a read would see an armed list. */
	memset(fake_phys((fake_pa_of(1, lw) & ~(PAGE_SIZE - 1)) + PAGE_SIZE), 0, 8);
	fake_gfill(1, lw - 2, 0xEE, 8);
	fake_put32(1, lw, 0);
	int32_t h = REQ(reg1(1, s, SV_SG_KEEP | SV_SG_IN, big, SV_SG_MAX_BYTES, lw));
	put_pattern(2, big, SV_SG_MAX_BYTES, 80);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, big, SV_SG_MAX_BYTES), SV_SG_MAX_BYTES,
		 "64 KiB into a kept list whose length word straddles a page boundary");
	CHECK(has_pattern(1, big, SV_SG_MAX_BYTES, 80, 0), "they arrived");
	CHECK_EQ(fake_get32(1, lw), 0x10000, "the count 0x10000: its nonzero byte in the second page");
	CHECK(all_bytes(1, lw - 2, 2, 0xEE) && all_bytes(1, lw + 4, 2, 0xEE),
	      "the bytes either side are untouched");
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), SV_EAGAIN,
		 "spent (0 in the first page, 1 in the second): SV_EAGAIN");
	fake_gfill(1, lw, 0, 2);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), SV_EAGAIN,
		 "zeroing the half in the first page does not re-arm it");
	fake_gfill(1, lw + 2, 0, 2);
	put_pattern(2, BUF, 0x1234, 81);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 0x1234), 0x1234,
		 "zeroing the half in the second page too does: 0x1234 bytes");
	CHECK(has_pattern(1, big, 0x1234, 81, 0), "they arrived");
	CHECK_EQ(fake_get32(1, lw), 0x1234, "the count 0x1234: its nonzero bytes in the first page");
	fake_gfill(1, lw + 2, 0, 2);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), SV_EAGAIN,
		 "spent (nonzero in the first page only): SV_EAGAIN");
	/* An unmap elsewhere: the list's frames, both of the word's, are taken again. */
	REQ(share_map(D(2), id, MAP_VA, 0));
	REQ(share_unmap(D(2), id));
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), SV_EAGAIN,
		 "after an unmap elsewhere, still spent");
	fake_put32(1, lw, 0);	/* one store across the boundary */
	put_pattern(2, big, SV_SG_MAX_BYTES, 82);
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, big, SV_SG_MAX_BYTES), SV_SG_MAX_BYTES,
		 "re-armed by one 4-byte store of 0 across the boundary: 64 KiB again");
	CHECK(has_pattern(1, big, SV_SG_MAX_BYTES, 82, 0) && fake_get32(1, lw) == 0x10000 &&
	      all_bytes(1, lw - 2, 2, 0xEE) && all_bytes(1, lw + 4, 2, 0xEE),
	      "the bytes, the count 0x10000, nothing either side");
	REQ(share_map(D(2), id, MAP_VA, 0));
	REQ(share_unmap(D(2), id));
	CHECK_RC(xfer1(2, s, SV_XFER_SEND, 0, BUF, 16), SV_EAGAIN,
		 "spent, seen through the frames taken again after another unmap");
	CHECK(share_state_has_list(1, (uint32_t)h) && sg_lists_consistent(D(1)),
	      "still registered, its frames those of its pages");
	CHECK_RC(sg_unregister(D(1), id, (uint32_t)h), SV_OK, "unregister it");
	end_share(s);
	check_clean("sg keep straddle");
}

/* ---- random layouts ---- */

static uint32_t rng_state;
static uint32_t rnd(uint32_t n)		/* 0 .. n - 1 */
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state % n;
}

struct layout {
	uint32_t n, total;
	struct sv_sg e[SV_SG_MAX_ENTRIES];
};

/* total bytes in up to n entries of random lengths, from base + a random
 * offset, with random gaps; all of it below limit. */
static void make_layout(struct layout *l, uint32_t total, uint32_t n, uint32_t base,
			uint32_t limit, uint32_t maxgap)
{
	uint32_t cuts[SV_SG_MAX_ENTRIES + 1];
	uint32_t k = 0;
	n = MIN(n, total);
	while (k + 1 < n) {	/* n - 1 distinct cut points in 1 .. total - 1 */
		uint32_t c = 1 + rnd(total - 1), i = k;
		bool dup = false;
		for (uint32_t j = 0; j < k; j++)
			dup |= cuts[j] == c;
		if (dup)
			continue;
		while (i > 0 && cuts[i - 1] > c) {
			cuts[i] = cuts[i - 1];
			i--;
		}
		cuts[i] = c;
		k++;
	}
	cuts[k] = total;
	l->n = k + 1;
	l->total = total;
	uint32_t at = base + rnd(PAGE_SIZE), prev = 0;
	for (uint32_t i = 0; i < l->n; i++) {
		l->e[i] = (struct sv_sg){ at, cuts[i] - prev };
		at += cuts[i] - prev + rnd(maxgap + 1);
		prev = cuts[i];
	}
	if (at > limit) {
		printf("not ok - test bug: layout of %u bytes runs past %#x\n", total, limit);
		exit(1);
	}
}

static uint32_t random_size(void)
{
	switch (rnd(3)) {
	case 0: return 1 + rnd(600);
	case 1: return 600 + rnd(12000);
	default: return 12000 + rnd(SV_SG_MAX_BYTES - 12000 + 1);
	}
}

/* Copy the bytes of the entries of l from/to a flat buffer, in guest dom. */
static void gather(uint32_t dom, const struct layout *l, uint8_t *flat)
{
	for (uint32_t i = 0; i < l->n; i++) {
		fake_gread(dom, l->e[i].addr, flat, l->e[i].len);
		flat += l->e[i].len;
	}
}

/*
 * Many rounds of one transfer each, between random layouts: both sides
 * 1-16 entries at unaligned addresses (the guest pages are not
 * physically adjacent, so each page crossing matters), sometimes in the
 * share mapping, sizes from 1 byte to 64 KiB, either side shorter. The
 * whole buffer area of both domains is compared afterwards with what it
 * must be: the data placed exactly, not a byte written elsewhere.
 */
static void test_sg_random(void)
{
	int32_t s = new_share(4, 0x6);
	uint32_t id = (uint32_t)s;
	REQ(share_get(D(1), id, 15));	/* peer 0: owns the lists */
	REQ(share_get(D(2), id, 16));	/* peer 1: calls sg_xfer */
	REQ(share_map(D(2), id, MAP_VA, 0));
	const uint32_t area = BUF_END - BUF, shbytes = 4 * PAGE_SIZE;
	uint8_t *before1 = malloc(area), *after1 = malloc(area);
	uint8_t *before2 = malloc(area), *after2 = malloc(area);
	uint8_t *shbefore = malloc(shbytes), *shafter = malloc(shbytes);
	uint8_t *src = malloc(SV_SG_MAX_BYTES);
	rng_state = 0x12345678;
	const int rounds = 60;
	int good = 0;

	for (int r = 0; r < rounds; r++) {
		bool send = r % 2 == 0;	/* else: domain 2 receives from an OUT list */
		uint32_t ssize = random_size();
		uint32_t rsize = rnd(2) ? ssize : random_size();
		struct layout owner, caller;
		/* the owner (domain 1) has its list; the caller (domain 2) its buffers */
		uint32_t owner_total = send ? rsize : ssize, caller_total = send ? ssize : rsize;
		make_layout(&owner, owner_total, 1 + rnd(SV_SG_MAX_ENTRIES), BUF, BUF_END, 300);
		if (caller_total <= 12000 && rnd(2))	/* in the share mapping */
			make_layout(&caller, caller_total, 1 + rnd(SV_SG_MAX_ENTRIES), MAP_VA,
				    MAP_VA + shbytes, 64);
		else
			make_layout(&caller, caller_total, 1 + rnd(SV_SG_MAX_ENTRIES), BUF,
				    BUF_END, 300);

		/* Fill both buffer areas and the share with noise: the sender's
		 * entries carry some of it. */
		for (uint32_t i = 0; i < area; i++) {
			before1[i] = (uint8_t)rnd(256);
			before2[i] = (uint8_t)rnd(256);
		}
		for (uint32_t i = 0; i < shbytes; i++)
			shbefore[i] = (uint8_t)rnd(256);
		fake_gwrite(1, BUF, before1, area);
		fake_gwrite(2, BUF, before2, area);
		fake_gwrite(2, MAP_VA, shbefore, shbytes);
		fake_put32(1, WORDS, 0xFFFFFFFF);

		/* What must happen: min(ssize, rsize) bytes of the sending
		 * side's entries go into the receiving side's, in order. */
		uint32_t moved = MIN(ssize, rsize);
		const struct layout *from = send ? &caller : &owner, *to = send ? &owner : &caller;
		uint32_t from_dom = send ? 2 : 1, to_dom = send ? 1 : 2;
		gather(from_dom, from, src);
		uint8_t *want_to = to_dom == 1 ? before1 : before2;
		uint32_t left = moved;
		const uint8_t *p = src;
		for (uint32_t i = 0; i < to->n && left; i++) {
			uint32_t n = MIN(left, to->e[i].len);
			uint32_t a = to->e[i].addr;
			if (a >= MAP_VA)
				memcpy(shbefore + (a - MAP_VA), p, n);
			else
				memcpy(want_to + (a - BUF), p, n);
			p += n;
			left -= n;
		}

		put_list(1, LISTS, owner.e, owner.n);
		put_list(2, XLIST, caller.e, caller.n);
		REQ(sg_register(D(1), id, send ? SV_SG_IN : SV_SG_OUT, LISTS, owner.n, WORDS));
		fake_raises_clear();
		int32_t rc = sg_xfer(D(2), id, send ? SV_XFER_SEND : SV_XFER_RECV, 0, XLIST,
				     caller.n);
		fake_gread(1, BUF, after1, area);
		fake_gread(2, BUF, after2, area);
		fake_gread(2, MAP_VA, shafter, shbytes);
		bool ok = rc == (int32_t)moved && fake_get32(1, WORDS) == moved &&
			  memcmp(after1, before1, area) == 0 && memcmp(after2, before2, area) == 0 &&
			  memcmp(shafter, shbefore, shbytes) == 0 &&
			  fake_raises(1, 15) == 1 && fake_raises_total() == 1;
		char details[200];
		snprintf(details, sizeof(details),
			 "returned %d, length word %u, raises %u/%u, memory %s/%s/%s",
			 rc, fake_get32(1, WORDS), fake_raises(1, 15), fake_raises_total(),
			 memcmp(after1, before1, area) ? "WRONG" : "ok",
			 memcmp(after2, before2, area) ? "WRONG" : "ok",
			 memcmp(shafter, shbefore, shbytes) ? "WRONG" : "ok");
		good += unit_check(ok, __FILE__, __LINE__, details,
				   "random %s %d: %u bytes in %u entries -> %u bytes in %u entries%s: "
				   "%u moved exactly",
				   send ? "send" : "recv", r, from->total, from->n, to->total, to->n,
				   caller.e[0].addr >= MAP_VA ? " (caller's in the share)" : "",
				   moved);
	}
	CHECK_EQ(good, rounds, "all %d random rounds", rounds);
	free(before1);
	free(after1);
	free(before2);
	free(after2);
	free(shbefore);
	free(shafter);
	free(src);
	end_share(s);
	check_clean("random transfers");
}

int main(void)
{
	fake_init();
	baseline = frames_free();
	test_create();
	test_stale_ids();
	test_create_limits();
	test_grant();
	test_peers();
	test_map();
	test_lifetimes();
	test_death();
	test_watch();
	test_watch_chains();
	test_sg_register();
	test_sg_handles();
	test_sg_seq_wrap();
	test_sg_xfer();
	test_sg_keep();
	test_sg_remap();
	test_sg_keep_straddle();
	test_sg_random();
	CHECK_EQ(fake_raises_ignored, 0, "no event was ever aimed at a dead domain");
	CHECK_EQ(fake_share_ptes_at_death, 0, "no dead domain ever had a share page still mapped");
	check_clean("at the end");
	fake_fini();
	return unit_done();
}
