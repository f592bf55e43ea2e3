/*
 * shares.h: what the share test guests (tests/guests/share_*.c) have in
 * common, on top of xtf.h.
 *
 * Domains run side by side and start in no particular order, so every
 * wait here is a bounded poll that sleeps between looks (a sleeping
 * domain has a timer armed: the hypervisor never mistakes a waiting
 * guest for a deadlock). The handshake between two peers of a share uses
 * the share's own watches:
 *
 *   await_trigger(share, off)   watch off with a counter of 1, wait for
 *                               it to reach 0, unwatch
 *   signal_peer(share, off, n)  trigger off until it fires n watches: a
 *                               trigger before the other side's watch
 *                               exists fires nothing, so retrying loses
 *                               no wake-up
 *
 * The first share created after boot has id 32 (slot 0, generation 1),
 * the second 33; domain 0 checks that, and the other guests are told the
 * id on their command line (share=ID).
 */
#ifndef SHARES_H
#define SHARES_H

#include "xtf.h"

#define MS		1000000ull
#define POLL_NS		(10 * MS)
#define POLL_TRIES	1000		/* 10 s of guest time, then give up */
#define FIRST_SHARE_ID	32		/* slot 0 + 32 * generation 1 */

/* How many times each event port arrived (events_init(count_event)). */
static volatile uint32_t port_events[SV_NR_PORTS] __attribute__((unused));

static inline void count_event(uint32_t port)
{
	port_events[port]++;
}

/* Poll cond every POLL_NS until it holds (true) or POLL_TRIES pass
 * (false). A GNU statement expression, so cond is re-read each time. */
#define WAIT_UNTIL(cond) ({						\
	uint32_t _tries = 0;						\
	while (!(cond) && _tries++ < POLL_TRIES)			\
		sv_sleep_ns(POLL_NS);					\
	(bool)(cond);							\
})

/* Get a share that domain 0 may not have created or granted yet:
 * SV_ENOENT and SV_EPERM mean "not yet". Returns the last result. */
static inline int32_t get_when_granted(sv_share_t share, uint32_t port)
{
	int32_t rc = SV_ENOENT;
	for (uint32_t i = 0; i < POLL_TRIES; i++) {
		rc = sv_share_get(share, port);
		if (rc != SV_ENOENT && rc != SV_EPERM)
			break;
		sv_sleep_ns(POLL_NS);
	}
	return rc;
}

/* Trigger off until it fires exactly n watches (see the top). */
static inline bool signal_peer(sv_share_t share, uint32_t off, int32_t n)
{
	int32_t rc = 0;
	for (uint32_t i = 0; i < POLL_TRIES; i++) {
		rc = sv_trigger(share, off);
		if (rc == n)
			return true;
		if (rc < 0)
			break;
		sv_sleep_ns(POLL_NS);
	}
	printf("signal_peer(%d, %#x): trigger fired %d watches, wanted %d\n", share, off, rc, n);
	return false;
}

/* Wait for one trigger of off (see the top). */
static inline bool await_trigger(sv_share_t share, uint32_t off)
{
	uint32_t counter = 1;
	if (sv_watch(share, off, &counter) != SV_OK)
		return false;
	bool ok = WAIT_UNTIL(counter == 0);
	sv_unwatch(share, off, &counter);
	if (!ok)
		printf("await_trigger(%d, %#x): no trigger came\n", share, off);
	return ok;
}

/* ---- domain 0 only */

static inline uint32_t free_frames(void)
{
	struct sv_mem_info mi = { 0, 0 };
	sv_mem_info(&mi);
	return mi.free_frames;
}

static inline bool ended(const struct sv_domain_info *d)
{
	return d->state == SV_DOM_EXITED || d->state == SV_DOM_KILLED;
}

/* This domain's entry for domid (state, pages...), read now. */
static inline struct sv_domain_info domain_info(uint32_t domid)
{
	static struct sv_domain_info doms[SV_MAX_DOMAINS];
	struct sv_domain_info none = { .domid = domid };
	int32_t n = sv_domain_list(doms, SV_MAX_DOMAINS);
	for (int32_t i = 0; i < n && i < SV_MAX_DOMAINS; i++)
		if (doms[i].domid == domid)
			return doms[i];
	return none;
}

static inline bool domain_ended(uint32_t domid)
{
	struct sv_domain_info d = domain_info(domid);
	return ended(&d);
}

/* Have all domains but this one ended? */
static inline bool others_ended(void)
{
	static struct sv_domain_info doms[SV_MAX_DOMAINS];
	int32_t n = sv_domain_list(doms, SV_MAX_DOMAINS);
	for (int32_t i = 0; i < n && i < SV_MAX_DOMAINS; i++)
		if (doms[i].domid != start_info->domid && !ended(&doms[i]))
			return false;
	return true;
}

/* Pages the other domains hold now (their memory, info pages, tables). */
static inline uint32_t others_pages(void)
{
	static struct sv_domain_info doms[SV_MAX_DOMAINS];
	uint32_t sum = 0;
	int32_t n = sv_domain_list(doms, SV_MAX_DOMAINS);
	for (int32_t i = 0; i < n && i < SV_MAX_DOMAINS; i++)
		if (doms[i].domid != start_info->domid)
			sum += doms[i].pages;
	return sum;
}

/* The frames neither on the free list nor held by another domain: the
 * baseline for "every share frame came back". Another domain's mapping
 * of a share may add a page table to what it holds, and its death
 * returns what it held, so a share test compares this number, not the
 * free count alone. Read until no other domain changed in between. */
static inline uint32_t free_and_others(void)
{
	for (;;) {
		uint32_t before = others_pages(), free = free_frames();
		if (others_pages() == before)
			return free + before;
	}
}

/* Create a share of npages, grant it to ourselves and get it on port
 * (peer id 0); map it at va unless va is 0. Returns the id, or create's
 * error. */
static inline sv_share_t own_share(uint32_t npages, uint32_t port, uint32_t va)
{
	sv_share_t id = sv_share_create(npages);
	if (!CHECK(id >= 0, "share_create(%u): %d (%s)", npages, id, sv_strerror(id)))
		return id;
	CHECK_RC(sv_share_grant(id, (sv_domid_t)start_info->domid), SV_OK);
	CHECK_EQ(sv_share_get(id, port), 0);
	if (va)
		CHECK_RC(sv_share_map(id, va, 0), SV_OK);
	return id;
}

static inline void drop_and_destroy(sv_share_t id)
{
	CHECK_RC(sv_share_drop(id), SV_OK);
	CHECK_RC(sv_share_destroy(id), SV_OK);
}

/* At the end: the free frames plus the others' pages are base again. */
static inline void check_frames_back(uint32_t base)
{
	uint32_t end = free_and_others();
	printf("free frames and the others' pages: %u before, %u at the end\n", base, end);
	CHECK_EQ(end, base);
}

/* Run one group of checks (domain 0); no frame may go missing or appear. */
static inline void group(const char *name, void (*fn)(void))
{
	uint32_t before = free_and_others();
	fn();
	uint32_t after = free_and_others();
	CHECK(after == before, "%s: free frames and the others' pages %u before, %u after",
	      name, before, after);
}

/* ---- the caller's view of a share, every field checked at once */

static inline void check_status(int line, sv_share_t share, struct sv_share_status want)
{
	struct sv_share_status st;
	memset(&st, 0xAA, sizeof(st));
	int32_t rc = sv_share_info(share, &st);
	if (!xtf_check(rc == SV_OK, line, "share_info(%d): %d (%s)", share, rc, sv_strerror(rc)))
		return;
	xtf_check(memcmp(&st, &want, sizeof(st)) == 0, line,
		  "share_info(%d): npages %u peer_id %u port %u peers %#x mapped_at %#x "
		  "destroyed %u; expected %u %u %u %#x %#x %u", share,
		  st.npages, st.peer_id, st.port, st.peers, st.mapped_at, st.destroyed,
		  want.npages, want.peer_id, want.port, want.peers, want.mapped_at,
		  want.destroyed);
}

#define CHECK_STATUS(share, ...) \
	check_status(__LINE__, (share), (struct sv_share_status){ __VA_ARGS__ })

/* The caller's view of a share (all zero if it does not hold it). */
static inline struct sv_share_status status_of(sv_share_t share)
{
	struct sv_share_status st = { 0 };
	if (sv_share_info(share, &st) != SV_OK)
		memset(&st, 0, sizeof(st));
	return st;
}

/* The peers bitmask of a share the caller holds (0 if it does not). */
static inline uint32_t peers_of(sv_share_t share)
{
	return status_of(share).peers;
}

/* Is a page mapped (writable) in this domain? time_get writes 8 bytes
 * there if it is, and fails with SV_EFAULT if not. */
static inline bool writable(uint32_t va)
{
	return sv_hypercall(SV_OP_TIME_GET, va, 0, 0, 0, 0) == SV_OK;
}

/* ---- bytes: patterns, comparisons, and the sg copy rule */

/* Byte k of pattern seed (different seeds give different bytes). */
static inline uint8_t stream_byte(uint32_t seed, uint32_t k)
{
	return (uint8_t)(((k + (seed << 16)) * 2654435761u) >> 24);
}

static inline void fill_stream(volatile uint8_t *p, uint32_t n, uint32_t seed)
{
	for (uint32_t k = 0; k < n; k++)
		p[k] = stream_byte(seed, k);
}

/* n bytes at p must be want's: one check, naming the first difference. */
static inline bool check_bytes(int line, const char *what, const volatile uint8_t *p,
			       const uint8_t *want, uint32_t n)
{
	uint32_t bad = 0, first = 0;
	for (uint32_t i = 0; i < n; i++)
		if (p[i] != want[i] && bad++ == 0)
			first = i;
	return xtf_check(bad == 0, line, "%s: %u of %u bytes differ, the first at +%#x: %#x, "
			 "expected %#x", what, bad, n, first, bad ? p[first] : 0,
			 bad ? want[first] : 0);
}

#define CHECK_BYTES(what, p, want, n) \
	check_bytes(__LINE__, (what), (const volatile uint8_t *)(p), (const uint8_t *)(want), (n))

static inline uint32_t sg_total(const struct sv_sg *e, uint32_t n)
{
	uint32_t sum = 0;
	for (uint32_t i = 0; i < n; i++)
		sum += e[i].len;
	return sum;
}

/* What an sg transfer must do, byte by byte: the source entries, in
 * order, make one stream; it is written into the destination entries in
 * order (where two of them overlap, the later write stays), cut to the
 * shorter side. rd and wr say where the model keeps the byte of a guest
 * address: the same place when the copy may read what it wrote, a
 * snapshot in rd for "the source as it was before the copy". Returns the
 * bytes moved. */
static inline uint32_t sg_model(uint8_t *(*rd)(uint32_t va), uint8_t *(*wr)(uint32_t va),
				const struct sv_sg *src, uint32_t nsrc,
				const struct sv_sg *dst, uint32_t ndst)
{
	uint32_t si = 0, so = 0, di = 0, d_o = 0, bytes = 0;
	while (si < nsrc && di < ndst) {
		*wr(dst[di].addr + d_o) = *rd(src[si].addr + so);
		bytes++;
		if (++so == src[si].len) {
			si++;
			so = 0;
		}
		if (++d_o == dst[di].len) {
			di++;
			d_o = 0;
		}
	}
	return bytes;
}

/* A share test guest plays one role, named by role= on its command line;
 * each role is a function of the share id (share=, or FIRST_SHARE_ID).
 * Every role counts its events with count_event. */
struct role {
	const char *name;
	int (*run)(sv_share_t id);
};

static inline int run_role(const char *test, const struct role *roles, uint32_t n)
{
	char role[16] = "";
	sv_share_t id = (sv_share_t)sv_cmdline_uint("share", FIRST_SHARE_ID);

	events_init(count_event);
	sv_cmdline_get("role", role, sizeof(role));
	for (uint32_t i = 0; i < n; i++)
		if (strncmp(role, roles[i].name, sizeof(role)) == 0)
			return roles[i].run(id);
	CHECK(false, "unknown role '%s'", role);
	return xtf_verdict(test);
}

#endif /* SHARES_H */
