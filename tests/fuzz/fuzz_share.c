/*
 * fuzz_share.c: coverage-guided fuzzing of the share IPC on the host
 * (libFuzzer; `make fuzz`, docs/testing.md "Host fuzzing").
 *
 * The code under test is what tests/unit/test_share.c tests: share.c,
 * watch.c and sg.c (through tests/unit/share_state.c, which lets the
 * tests reset their counters and see their tables) with the real
 * mm/frame.c, memmap.c and usercopy.c, over the fake domains, events and
 * page tables of tests/unit/fake_kernel.c, all under ASan and UBSan. Each input is a sequence of operations:
 *
 *   op     := domain:u8 kind:u8 arg*       (as many args as the kind takes)
 *   arg    := selector:u8 payload          (payload: 0-4 bytes, by selector)
 *
 * The domain byte picks the caller (mod FAKE_NDOMS); a dead domain does
 * nothing but restart. The kinds are every share operation, "domain
 * dies" and "domain restarts" (as kernel/domain.c ends and builds one),
 * "the guest writes a word", "the next page_map fails" (a page table
 * that cannot be allocated), "sg lists came and went until their
 * sequence number is about to wrap" (as in a long-running hypervisor),
 * and "the owner re-arms a kept list" (writes 0 to the length word of
 * one of its SV_SG_KEEP lists). sg_register's direction, when it is 16
 * to 31, becomes that minus 16 with SV_SG_KEEP or'ed in (16 + SV_SG_IN
 * is a kept SV_SG_IN list). The selectors (enum sel) make the
 * arguments that reach deep states: ids and sg handles returned earlier
 * in this input, domain ids, ports, addresses in the caller's RAM, at
 * page edges, in the share mapping area, in the read-only start-info
 * page, in unmapped holes, around 0xC0000000 and 0xFFFFFFFF, and sv_sg
 * lists written into the caller's memory (write_list), whose entries
 * name RAM or the share's own pages, overlap, or wrap past 4 GiB.
 *
 * After every operation: its return value is >= 0 within its bound, or
 * an error include/sharevisor.h documents for it; the frame table agrees
 * with the page tables (fake_check_frames: what check=invariants checks
 * in the hypervisor); no freed frame was touched, no event went to a
 * dead domain; each domain's sg lists' remembered frames are those of its
 * page tables (sg_lists_consistent); an sg_xfer used at most one list,
 * the oldest armed one of its kind (a kept list is armed while its
 * length word reads 0, or once that word cannot be read), a kept list stays
 * and goes to the back, and SV_EAGAIN means that no list was armed
 * (check_xfer). After every input, the domains it used die and restart:
 * no share, watch or sg list may be left, and the free frame count must
 * be back where it started. Any break is reported and abort()s, which
 * libFuzzer saves as a crash-* file; replay one with
 *   build/fuzz/fuzz_share crash-...        (FUZZ_SHARE_TRACE=1 prints each op)
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

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM		SV_GUEST_BASE
#define RAM_BYTES	(FAKE_RAM_PAGES * PAGE_SIZE)
#define LISTS		(RAM + 0x1000u)		/* a list per argument, 0x100 apart */
#define EDGE		(RAM + 0x3000u)		/* lists that straddle a page edge */
#define HOLE		0x3000u			/* never mapped (up to the stack) */
#define MAP_AREA	0x10000000u		/* share mappings: 8 slots of 16 pages */
#define MAP_SLOTS	8
#define MAP_SLOT	(SV_SHARE_MAX_PAGES * PAGE_SIZE)
#define RING		8			/* ids and handles remembered */
#define MAX_OPS		200			/* per input: keeps each run short */

static bool trace;		/* FUZZ_SHARE_TRACE set: print every op */

/* ---- the rest of the hypervisor: its console and panic ---- */

void printk(const char *fmt, ...)
{
	va_list ap;
	if (!trace)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* A panic in share/ or mm/ is a hypervisor bug: a crash for libFuzzer. */
void panic(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "fuzz_share: PANIC: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/* ---- operations ---- */

enum op {
	OP_CREATE, OP_GRANT, OP_DESTROY, OP_GET, OP_DROP, OP_MAP, OP_UNMAP, OP_INFO,
	OP_WATCH, OP_UNWATCH, OP_TRIGGER, OP_SG_REGISTER, OP_SG_UNREGISTER, OP_SG_XFER,
	OP_DIE, OP_START, OP_POKE, OP_MAP_FAIL, OP_SEQ_SKIP, OP_REARM, NOPS
};

#define E(code)	(1u << -(code))

/* Each operation's arguments, the errors the header documents for it,
 * and its largest success value. */
static const struct op_desc {
	const char *name;
	uint32_t nargs, errors;
	int32_t max;
} ops[NOPS] = {
	[OP_CREATE] = { "share_create", 1, E(SV_EPERM) | E(SV_EINVAL) | E(SV_ENOSPC) | E(SV_ENOMEM),
			INT32_MAX },
	[OP_GRANT] = { "share_grant", 2, E(SV_EPERM) | E(SV_ENOENT), SV_OK },
	[OP_DESTROY] = { "share_destroy", 1, E(SV_EPERM) | E(SV_ENOENT), SV_OK },
	[OP_GET] = { "share_get", 2, E(SV_ENOENT) | E(SV_EPERM) | E(SV_EEXIST) | E(SV_EINVAL) |
		     E(SV_EBUSY) | E(SV_ENOSPC), SV_SHARE_MAX_PEERS - 1 },
	[OP_DROP] = { "share_drop", 1, E(SV_ENOENT), SV_OK },
	[OP_MAP] = { "share_map", 3, E(SV_ENOENT) | E(SV_EINVAL) | E(SV_EFAULT) | E(SV_EEXIST) |
		     E(SV_ENOMEM), SV_OK },	/* SV_ENOMEM: only with OP_MAP_FAIL */
	[OP_UNMAP] = { "share_unmap", 1, E(SV_ENOENT), SV_OK },
	[OP_INFO] = { "share_info", 2, E(SV_ENOENT) | E(SV_EFAULT), SV_OK },
	[OP_WATCH] = { "watch_add", 3, E(SV_ENOENT) | E(SV_EINVAL) | E(SV_EFAULT) | E(SV_EEXIST) |
		       E(SV_ENOSPC), SV_OK },
	[OP_UNWATCH] = { "watch_remove", 3, E(SV_ENOENT), SV_OK },
	[OP_TRIGGER] = { "watch_trigger", 2, E(SV_ENOENT) | E(SV_EINVAL),
			 SV_MAX_DOMAINS * SV_MAX_WATCHES },
	[OP_SG_REGISTER] = { "sg_register", 5, E(SV_ENOENT) | E(SV_EINVAL) | E(SV_EFAULT) |
			     E(SV_ENOSPC), INT32_MAX },
	[OP_SG_UNREGISTER] = { "sg_unregister", 2, E(SV_ENOENT), SV_OK },
	[OP_SG_XFER] = { "sg_xfer", 5, E(SV_ENOENT) | E(SV_EAGAIN) | E(SV_EINVAL) | E(SV_EFAULT),
			 SV_SG_MAX_BYTES },
	[OP_DIE] = { "domain dies", 0, 0, 0 },
	[OP_START] = { "domain restarts", 0, 0, 0 },
	[OP_POKE] = { "guest writes", 2, 0, 0 },
	[OP_MAP_FAIL] = { "page_map fails after", 1, 0, 0 },
	[OP_SEQ_SKIP] = { "sg lists come and go until 2^32 - 1 -", 1, 0, 0 },
	[OP_REARM] = { "re-arm its kept list number", 1, 0, 0 },
};

/* ---- decoding the input ---- */

struct input {
	const uint8_t *p, *end;
};

/* Past the end, every byte is 0. */
static uint8_t get8(struct input *in)
{
	return in->p < in->end ? *in->p++ : 0;
}

static uint32_t get16(struct input *in)
{
	uint32_t lo = get8(in);
	return lo | (uint32_t)get8(in) << 8;
}

static uint32_t get32(struct input *in)
{
	uint32_t lo = get16(in);
	return lo | get16(in) << 16;
}

/* What this input has been given back, for later arguments. */
static struct {
	uint32_t ids[RING], nids;		/* share_create results */
	uint32_t handles[RING], nhandles;	/* sg_register results */
	uint32_t list_n;			/* entries in the last list written */
	uint32_t used;				/* bit d: domain d made a call */
	struct reg {				/* every list registered, in order */
		uint32_t dom, share, dir, handle;	/* dir: SV_SG_IN or SV_SG_OUT */
		bool kept;			/* SV_SG_KEEP */
		uint32_t order;			/* the lowest is used first */
		uint32_t len_va, n;
		struct sv_sg e[SV_SG_MAX_ENTRIES];
	} regs[MAX_OPS];
	uint32_t nregs;
	uint32_t order;				/* the last reg's order */
	uint32_t seq;				/* sg.c's next_seq, mod 2^32 */
} st;

static uint32_t recent(const uint32_t *ring, uint32_t n, uint8_t b)
{
	return n ? ring[b % MIN(n, RING)] : b;
}

/* The guest writes len bytes at va, where its memory is writable: the
 * rest is left out, as a list that runs into a hole. */
static void poke(uint32_t dom, uint32_t va, const void *src, uint32_t len)
{
	const uint8_t *s = src;
	while (len > 0) {
		uint32_t n = MIN(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		uint8_t *g = fake_gptr(dom, va, true);
		if (g)
			memcpy(g, s, n);
		va += n;
		s += n;
		len -= n;
	}
}

enum sel {
	SEL_RAW, SEL_SMALL, SEL_ID, SEL_DOMID, SEL_RAM, SEL_PAGE_EDGE, SEL_KERNBASE, SEL_TOP,
	SEL_START_INFO, SEL_HOLE, SEL_MAP_AREA, SEL_LIST, SEL_LIST_N, SEL_HANDLE, SEL_PORT,
	SEL_WORD, NSEL
};

static uint32_t write_list(struct input *in, uint32_t dom, uint32_t argi);

/* One argument of a call by dom; argi places its list, if it is one. */
static uint32_t decode_value(struct input *in, uint32_t dom, uint32_t argi, bool lists)
{
	static const uint32_t odd_domids[] = { SV_DOMID_SELF, 31, 32, 0xFFFF };
	uint32_t b, v;

	switch ((enum sel)(get8(in) % NSEL)) {
	case SEL_RAW:
		return get32(in);
	case SEL_SMALL:		/* counts, peer ids, ports, directions, flags */
		return get8(in) % 32;
	case SEL_ID:
		return recent(st.ids, st.nids, get8(in));
	case SEL_DOMID:
		b = get8(in) % (FAKE_NDOMS + ARRAY_SIZE(odd_domids));
		return b < FAKE_NDOMS ? b : odd_domids[b - FAKE_NDOMS];
	case SEL_RAM:
		return RAM + get16(in) % RAM_BYTES;
	case SEL_PAGE_EDGE:	/* a few bytes either side of a page boundary */
		b = get8(in);
		return RAM + b % (FAKE_RAM_PAGES + 1) * PAGE_SIZE + get8(in) % 16 - 8;
	case SEL_KERNBASE:	/* bytes or pages either side of it */
		b = get8(in);
		v = (uint32_t)(int32_t)(int8_t)get8(in);
		return SV_GUEST_LIMIT + (b & 1 ? v * PAGE_SIZE : v);
	case SEL_TOP:
		return 0xFFFFFFFFu - get8(in);
	case SEL_START_INFO:	/* read-only */
		return SV_START_INFO + get8(in) * 16u;
	case SEL_HOLE:		/* the NULL page, or between the info pages and RAM */
		b = get8(in);
		return b < 16 ? b * 4u : HOLE + b * 64u;
	case SEL_MAP_AREA:
		b = get8(in);
		return MAP_AREA + b % MAP_SLOTS * MAP_SLOT + get16(in) % MAP_SLOT;
	case SEL_LIST:
		if (lists)
			return write_list(in, dom, argi);
		return RAM + get16(in) % RAM_BYTES;
	case SEL_LIST_N:	/* the last list's length, or one off */
		return st.list_n + get8(in) % 3 - 1;
	case SEL_HANDLE:
		return recent(st.handles, st.nhandles, get8(in));
	case SEL_PORT:
		return SV_PORT_FIRST_FREE + get8(in) % (SV_NR_PORTS - SV_PORT_FIRST_FREE);
	case SEL_WORD:		/* a 4-aligned word in RAM: counters, length words */
		return RAM + get8(in) * 4u;
	case NSEL:
		break;
	}
	return 0;
}

/* The length of an sg entry at addr. */
static uint32_t decode_len(struct input *in, uint32_t addr)
{
	uint32_t b;

	switch (get8(in) % 7) {
	case 0:
		return 1 + get8(in);
	case 1:
		return PAGE_SIZE - 8 + get8(in) % 16;
	case 2:
		return get8(in) * 256u;
	case 3:
		return get32(in);
	case 4:			/* 16 of these make exactly the limit, or one more */
		b = get8(in);
		return SV_SG_MAX_BYTES / (1 + b % 16) + (b >> 7);
	case 5:
		return PAGE_SIZE - (addr & (PAGE_SIZE - 1));
	default:
		return 0;
	}
}

/*
 * Write an sv_sg list into dom's memory and return its address: in RAM,
 * across a page edge, in the share mapping area (its own pages), or
 * running off the end of RAM. Each entry names any address; or overlaps
 * the one before; or wraps past 4 GiB; or repeats it.
 */
static uint32_t write_list(struct input *in, uint32_t dom, uint32_t argi)
{
	struct sv_sg e[SV_SG_MAX_ENTRIES];
	uint32_t place = get8(in), n = 1 + get8(in) % SV_SG_MAX_ENTRIES, va;

	switch (place % 4) {
	case 0:
		va = LISTS + argi * 0x100u;
		break;
	case 1:
		va = EDGE - 8 * (1 + (place >> 2) % SV_SG_MAX_ENTRIES);
		break;
	case 2:
		va = MAP_AREA + (place >> 2) % MAP_SLOTS * MAP_SLOT + (place >> 5) * 0x200u;
		break;
	default:
		va = RAM + RAM_BYTES - 8 * (1 + (place >> 2) % SV_SG_MAX_ENTRIES);
		break;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct sv_sg prev = i ? e[i - 1] : (struct sv_sg){ RAM, 1 };
		switch (get8(in) % 4) {
		case 0:
			e[i].addr = decode_value(in, dom, argi, false);
			e[i].len = decode_len(in, e[i].addr);
			break;
		case 1:
			e[i].addr = prev.addr + get8(in);
			e[i].len = decode_len(in, e[i].addr);
			break;
		case 2:
			e[i].addr = decode_value(in, dom, argi, false);
			e[i].len = 0u - e[i].addr + get8(in);
			break;
		default:
			e[i] = prev;
			break;
		}
	}
	poke(dom, va, e, n * (uint32_t)sizeof(e[0]));
	st.list_n = n;
	return va;
}

/* ---- checks ---- */

static char last_op[160];	/* the call being checked, for the report */

static void __attribute__((noreturn, format(printf, 1, 2))) broken(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "fuzz_share: after %s: ", last_op);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/* What check=invariants checks, and what the fakes count. */
static void check_invariants(void)
{
	uint32_t pfn;
	const char *what = fake_check_frames(&pfn);
	if (what)
		broken("frame %#x (%s, owner %#x, refcount %u): %s", pfn,
		       frame_info(pfn) ? frame_type_name(frame_info(pfn)->type) : "-",
		       frame_info(pfn) ? frame_info(pfn)->owner : 0,
		       frame_info(pfn) ? frame_info(pfn)->refcount : 0, what);
	if (fake_bad_phys)
		broken("a frame that is no guest or share page was touched");
	if (fake_raises_ignored)
		broken("an event was raised on a dead domain or a bad port");
	if (fake_share_ptes_at_death)
		broken("a domain died with a share page still mapped");
	for (uint32_t id = 0; id < FAKE_NDOMS; id++)
		if (domain_alive(fake_dom(id)) && !sg_lists_consistent(fake_dom(id)))
			broken("domain %u has an sg list whose frames are not its pages'", id);
	if (!watches_consistent())
		broken("a watch's watcher is not the peer of its share it remembers");
	for (uint32_t id = 0; id < FAKE_NDOMS; id++)
		if (!share_ports_consistent(fake_dom(id)))
			broken("domain %u's ports bound to shares %#x are not those its peers use", id,
			       event_ports_bound(fake_dom(id)->ports, PORT_SHARE, PORT_ANY_OBJECT));
}

static void check_result(enum op op, int32_t rc, uint32_t dom, const uint32_t *a,
			 bool map_fails)
{
	if (rc < 0 && (rc < -SV_ERRNO_MAX || !(ops[op].errors & E(rc))))
		broken("returned %d, an error its documentation does not list", rc);
	if (rc == SV_ENOMEM && op == OP_MAP && !map_fails)
		broken("returned SV_ENOMEM, but every page table could be allocated");
	if (rc > ops[op].max)
		broken("returned %d, more than %d", rc, ops[op].max);
	if (op == OP_SG_REGISTER && rc >= 0 && (a[1] & ~(uint32_t)SV_SG_KEEP) != SV_SG_IN &&
	    (a[1] & ~(uint32_t)SV_SG_KEEP) != SV_SG_OUT)
		broken("registered a list with direction %#x", a[1]);
	if (op == OP_INFO && rc == SV_OK) {
		struct sv_share_status s;
		fake_gread(dom, a[1], &s, sizeof(s));
		if (s.npages < 1 || s.npages > SV_SHARE_MAX_PAGES ||
		    s.peer_id >= SV_SHARE_MAX_PEERS || !(s.peers & 1u << s.peer_id) ||
		    s.peers >> SV_SHARE_MAX_PEERS || s.port < SV_PORT_FIRST_FREE ||
		    s.port >= SV_NR_PORTS || s.mapped_at % PAGE_SIZE || s.destroyed > 1)
			broken("status: npages %u, peer %u of %#x, port %u, at %#x, destroyed %u",
			       s.npages, s.peer_id, s.peers, s.port, s.mapped_at, s.destroyed);
	}
}

/* Is [va, va + len) of dom mapped (writable, if write)? From the fake
 * page tables, not through sg.c's remembered frames. */
static bool range_ok(uint32_t dom, uint32_t va, uint32_t len, bool write)
{
	uint32_t last = (va + len - 1) & ~(PAGE_SIZE - 1);
	for (uint32_t p = va & ~(PAGE_SIZE - 1);; p += PAGE_SIZE) {
		if (!fake_gptr(dom, p, write))
			return false;
		if (p == last)
			return true;
	}
}

/* Has list r's memory gone (a buffer or its length word unmapped, or an
 * SV_SG_IN buffer no longer writable)? A transfer that picks it fails. */
static bool reg_bad(const struct reg *r)
{
	for (uint32_t i = 0; i < r->n; i++)
		if (!range_ok(r->dom, r->e[i].addr, r->e[i].len, r->dir == SV_SG_IN))
			return true;
	return !range_ok(r->dom, r->len_va, 4, true);
}

/* r's length word, as its owner reads it now (it must be readable). */
static uint32_t reg_word(const struct reg *r)
{
	uint8_t b[4];
	for (uint32_t i = 0; i < 4; i++)
		b[i] = *(uint8_t *)fake_gptr(r->dom, r->len_va + i, false);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* The lists as an sg_xfer found them, and what it must do with them. */
struct before {
	bool live[MAX_OPS];	/* regs[i] was registered */
	bool bad[MAX_OPS];	/* its memory had gone */
	bool armed[MAX_OPS];	/* it could take a transfer: not kept, its word 0 or unreadable */
	uint32_t next;		/* the list it must use if it uses one; st.nregs: none armed */
	uint64_t caller_total;	/* the bytes in the caller's list */
	bool caller_ok;		/* its list is good: sg_xfer goes on to the peer's */
};

static void note_before(struct before *b, uint32_t dom, const uint32_t *a)
{
	struct share *s = share_held(fake_dom(dom), a[0], NULL);
	uint32_t peer_dom = s && a[2] < SV_SHARE_MAX_PEERS && s->peers[a[2]].used ?
			    s->peers[a[2]].dom : UINT32_MAX;
	uint32_t dir = a[1] == SV_XFER_SEND ? SV_SG_IN : a[1] == SV_XFER_RECV ? SV_SG_OUT : 0;

	b->next = st.nregs;
	for (uint32_t i = 0; i < st.nregs; i++) {
		const struct reg *r = &st.regs[i];
		b->live[i] = share_state_has_list(r->dom, r->handle);
		b->bad[i] = b->live[i] && reg_bad(r);
		b->armed[i] = b->live[i] && (!r->kept || !range_ok(r->dom, r->len_va, 4, false) ||
					     reg_word(r) == 0);
		if (b->armed[i] && r->dom == peer_dom && r->share == a[0] && r->dir == dir &&
		    (b->next == st.nregs || r->order < st.regs[b->next].order))
			b->next = i;
	}
	struct sv_sg e[SV_SG_MAX_ENTRIES];
	b->caller_total = 0;
	b->caller_ok = a[4] >= 1 && a[4] <= SV_SG_MAX_ENTRIES &&
		       copy_from_guest(fake_dom(dom)->pgdir, e, a[3],
				       a[4] * (uint32_t)sizeof(e[0])) == SV_OK;
	for (uint32_t i = 0; b->caller_ok && i < a[4]; i++) {
		b->caller_total += e[i].len;
		b->caller_ok = e[i].len && range_ok(dom, e[i].addr, e[i].len, dir == SV_SG_OUT);
	}
	b->caller_ok &= b->caller_total <= SV_SG_MAX_BYTES;
}

/*
 * An sg_xfer (rc) uses one list at most, and only the one the model
 * predicts: the oldest armed list of the peer's of its kind (oldest: by
 * registration, or by last use for a kept list). Moving bytes, it moves
 * min(caller's, list's) of them; a plain list is then gone, a kept one
 * stays with that count in its length word and goes to the back. Failing
 * with SV_EFAULT, it may drop that list only if its memory had gone.
 * SV_EAGAIN: no list was armed. Any other list stays.
 */
static void check_xfer(int32_t rc, const struct before *b)
{
	uint32_t gone = st.nregs;

	for (uint32_t i = 0; i < st.nregs; i++) {
		if (!b->live[i] || share_state_has_list(st.regs[i].dom, st.regs[i].handle))
			continue;
		if (gone < st.nregs)
			broken("lists %#x and %#x are both gone", st.regs[gone].handle,
			       st.regs[i].handle);
		gone = i;
	}
	if (gone < st.nregs && gone != b->next)
		broken("list %#x of dom%u is gone, but %s", st.regs[gone].handle, st.regs[gone].dom,
		       b->next < st.nregs ? "another was the oldest armed" : "none was armed");
	if (b->next == st.nregs) {
		if (rc >= 0)
			broken("moved %d bytes, but no list was armed", rc);
		return;
	}
	struct reg *r = &st.regs[b->next];
	if (rc == SV_EAGAIN)
		broken("SV_EAGAIN, but %slist %#x of dom%u was armed", r->kept ? "kept " : "",
		       r->handle, r->dom);
	if (rc == SV_EFAULT && gone == b->next && !b->bad[b->next])
		broken("SV_EFAULT, and list %#x of dom%u, which was good, is gone", r->handle, r->dom);
	if (b->caller_ok && b->bad[b->next] && (rc != SV_EFAULT || gone != b->next))
		broken("returned %d, and list %#x of dom%u, whose memory had gone, %s", rc,
		       r->handle, r->dom, gone == b->next ? "is gone" : "stays");
	if (b->caller_ok && !b->bad[b->next] && rc < 0)
		broken("failed (%d), but the caller's list and list %#x of dom%u were good", rc,
		       r->handle, r->dom);
	if (rc < 0)
		return;
	uint64_t total = 0;
	for (uint32_t i = 0; i < r->n; i++)
		total += r->e[i].len;
	if ((uint64_t)rc != MIN(total, b->caller_total))
		broken("moved %d bytes, not min(%llu, %llu)", rc, (unsigned long long)b->caller_total,
		       (unsigned long long)total);
	if (b->bad[b->next])
		broken("moved %d bytes with list %#x of dom%u, whose memory had gone", rc, r->handle,
		       r->dom);
	if (!r->kept && gone != b->next)
		broken("moved %d bytes, and list %#x of dom%u, the oldest armed, stays", rc,
		       r->handle, r->dom);
	if (r->kept && gone == b->next)
		broken("moved %d bytes, and kept list %#x of dom%u, the oldest armed, is gone", rc,
		       r->handle, r->dom);
	if (reg_word(r) != (uint32_t)rc)	/* where its word is mapped now */
		broken("moved %d bytes, but the length word of list %#x of dom%u says %u", rc,
		       r->handle, r->dom, reg_word(r));
	if (r->kept) {		/* to the back, with a new sequence number */
		r->order = ++st.order;
		st.seq++;
	}
}

/* ---- running an input ---- */

static int32_t call(enum op op, struct domain *d, const uint32_t *a)
{
	switch (op) {
	case OP_CREATE: return share_create(d, a[0]);
	case OP_GRANT: return share_grant(d, a[0], a[1]);
	case OP_DESTROY: return share_destroy(d, a[0]);
	case OP_GET: return share_get(d, a[0], a[1]);
	case OP_DROP: return share_drop(d, a[0]);
	case OP_MAP: return share_map(d, a[0], a[1], a[2]);
	case OP_UNMAP: return share_unmap(d, a[0]);
	case OP_INFO: return share_info(d, a[0], a[1]);
	case OP_WATCH: return watch_add(d, a[0], a[1], a[2]);
	case OP_UNWATCH: return watch_remove(d, a[0], a[1], a[2]);
	case OP_TRIGGER: return watch_trigger(d, a[0], a[1]);
	case OP_SG_REGISTER: return sg_register(d, a[0], a[1], a[2], a[3], a[4]);
	case OP_SG_UNREGISTER: return sg_unregister(d, a[0], a[1]);
	case OP_SG_XFER: return sg_xfer(d, a[0], a[1], a[2], a[3], a[4]);
	default: return 0;
	}
}

/* Decode and run one operation; the domain may be dead, or die. */
static void run_op(struct input *in, uint32_t n)
{
	uint32_t dom = get8(in) % FAKE_NDOMS, a[5] = { 0 };
	enum op op = (enum op)(get8(in) % NOPS);
	struct domain *d = fake_dom(dom);
	bool alive = domain_alive(d);
	int32_t rc = 0;

	for (uint32_t i = 0; i < ops[op].nargs; i++)
		a[i] = decode_value(in, dom, i, alive);
	if (op == OP_SG_REGISTER && a[1] >= 16 && a[1] < 32)	/* a kept list */
		a[1] = (a[1] - 16) | SV_SG_KEEP;
	snprintf(last_op, sizeof(last_op), "op %u: dom%u %s(%#x, %#x, %#x, %#x, %#x)", n, dom,
		 ops[op].name, a[0], a[1], a[2], a[3], a[4]);
	if (op == OP_START ? alive : !alive) {
		if (trace)
			printf("%s: skipped, dom%u is %s\n", last_op, dom, alive ? "alive" : "dead");
		return;
	}
	st.used |= 1u << dom;
	uint32_t free_before = frames_free();
	bool map_fails = fake_page_map_fail_after >= 0;
	switch (op) {
	case OP_DIE:
		fake_page_map_fail_after = -1;	/* page_map must work for a restart */
		fake_domain_die(dom);
		break;
	case OP_START:
		fake_page_map_fail_after = -1;
		fake_domain_start(dom);
		break;
	case OP_POKE:
		poke(dom, a[0], &a[1], sizeof(a[1]));
		break;
	case OP_MAP_FAIL:	/* for the next call only */
		fake_page_map_fail_after = (int)(a[0] % (SV_SHARE_MAX_PAGES + 1));
		break;
	case OP_SEQ_SKIP:	/* forward, to a[0] % 256 short of the 32-bit wrap */
		share_state_skip_seq(UINT32_MAX - a[0] % 256 - st.seq);
		st.seq = UINT32_MAX - a[0] % 256;
		break;
	case OP_REARM: {	/* the a[0]-th of its kept lists still registered */
		uint32_t kept[MAX_OPS], n = 0, zero = 0;
		for (uint32_t i = 0; i < st.nregs; i++)
			if (st.regs[i].dom == dom && st.regs[i].kept &&
			    share_state_has_list(dom, st.regs[i].handle))
				kept[n++] = i;
		if (n)
			poke(dom, st.regs[kept[a[0] % n]].len_va, &zero, sizeof(zero));
		break;
	}
	case OP_SG_XFER: {
		static struct before b;
		note_before(&b, dom, a);
		rc = call(op, d, a);
		check_xfer(rc, &b);
		break;
	}
	case OP_SG_UNREGISTER: {	/* ends a list of the caller's for that share, kept or not */
		bool listed = false;
		for (uint32_t i = 0; i < st.nregs; i++)
			listed |= st.regs[i].dom == dom && st.regs[i].handle == a[1] &&
				  st.regs[i].share == a[0] && share_state_has_list(dom, a[1]);
		rc = call(op, d, a);
		if (rc != (listed ? SV_OK : SV_ENOENT))
			broken("returned %d for %s", rc, listed ? "a list registered" : "no list");
		if (listed && share_state_has_list(dom, a[1]))
			broken("returned SV_OK, and the list stays");
		break;
	}
	default:
		rc = call(op, d, a);
		if (op == OP_CREATE && rc >= 0)
			st.ids[st.nids++ % RING] = (uint32_t)rc;
		if (op == OP_SG_REGISTER && rc >= 0) {
			/* The lists its slot held are gone, whatever their handles:
			 * after 2^27 registrations a handle comes back. */
			for (uint32_t i = 0; i < st.nregs; i++)
				if (st.regs[i].dom == dom &&
				    st.regs[i].handle % SV_MAX_SG_LISTS == (uint32_t)rc % SV_MAX_SG_LISTS)
					st.regs[i].handle = UINT32_MAX;	/* names no list */
			st.handles[st.nhandles++ % RING] = (uint32_t)rc;
			struct reg *r = &st.regs[st.nregs++];
			*r = (struct reg){ .dom = dom, .share = a[0],
					   .dir = a[1] & ~(uint32_t)SV_SG_KEEP,
					   .handle = (uint32_t)rc, .kept = a[1] & SV_SG_KEEP,
					   .order = ++st.order, .len_va = a[4], .n = a[3] };
			/* what sg_register copied in, from where it read it */
			if (copy_from_guest(d->pgdir, r->e, a[2], a[3] * (uint32_t)sizeof(r->e[0])))
				broken("registered a list whose array cannot be read");
			st.seq++;
		}
		break;
	}
	if (op != OP_MAP_FAIL)
		fake_page_map_fail_after = -1;
	if (trace)
		printf("%s = %d\n", last_op, rc);
	check_result(op, rc, dom, a, map_fails);
	if (frames_free() > free_before)
		fake_phys_sync();	/* poison what was freed, for ASan */
	check_invariants();
}

/* Every domain the input used dies and starts afresh: nothing may be
 * left of its shares, and every frame must be back. */
static uint32_t baseline;	/* frames_free() with every domain started */

static void end_input(void)
{
	snprintf(last_op, sizeof(last_op), "the end of the input (every domain it used died)");
	fake_page_map_fail_after = -1;
	for (uint32_t dom = 0; dom < FAKE_NDOMS; dom++)
		if (st.used & 1u << dom && domain_alive(fake_dom(dom)))
			fake_domain_die(dom);
	fake_phys_sync();
	check_invariants();
	const char *left = share_state_leftover();
	if (left)
		broken("%s is left", left);
	if (frames_of_type(FRAME_SHARE))
		broken("%u share frames are left", frames_of_type(FRAME_SHARE));
	share_state_reset();
	for (uint32_t dom = 0; dom < FAKE_NDOMS; dom++)
		if (!domain_alive(fake_dom(dom)))
			fake_domain_start(dom);
	if (frames_free() != baseline)
		broken("%u frames are free, %u before the input", frames_free(), baseline);
	fake_raises_clear();
	memset(&st, 0, sizeof(st));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	trace = getenv("FUZZ_SHARE_TRACE") != NULL;
	fake_init();
	baseline = frames_free();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, data + size };

	for (uint32_t n = 0; n < MAX_OPS && in.p < in.end; n++)
		run_op(&in, n);
	end_input();
	return 0;
}
