/*
 * fake_kernel.h: the rest of the hypervisor, faked for the host unit test
 * of the share IPC (tests/unit/test_share.c, which links share/share.c,
 * watch.c and sg.c and the real mm/frame.c, mm/memmap.c and
 * mm/usercopy.c with these fakes).
 *
 * The Makefile force-includes this header (-include) into every file of
 * that test, so it comes before anything else: it includes memlayout.h
 * itself (whose include guard then makes later includes no-ops) and
 * replaces its P2V/V2P, which add KERNBASE, by fake_p2v/fake_v2p: on the
 * host, "physical memory" is a malloc'd arena of FAKE_PHYS_BYTES.
 *
 * The event-port table is the real one (kernel/ports.c, linked in).
 * What is faked (kernel/domain.c, kernel/event.c, mm/paging.c):
 *   - FAKE_NDOMS domains with ids 0..FAKE_NDOMS-1, RUNNABLE, domain 0
 *     privileged; domain_get/domain_alive over them;
 *   - event_raise, which counts raises per (domain, port);
 *   - page_map/page_unmap/page_lookup on a two-level table per domain
 *     (the "pgdir" pointer names it), holding physical addresses like
 *     the real one, so the real mm/usercopy.c works unchanged; they
 *     count each guest or share frame's mappings (frame_mapped) as
 *     mm/paging.c does, so frame_free's "still mapped" panic can fire.
 * Each started domain has FAKE_RAM_PAGES pages of guest RAM at
 * SV_GUEST_BASE (frames of type FRAME_GUEST, mapped in reverse physical
 * order so that adjacent guest pages are never adjacent frames), a
 * read-only page at SV_START_INFO and a writable one at SV_SHARED_INFO.
 */
#ifndef SV_FAKE_KERNEL_H
#define SV_FAKE_KERNEL_H

#include <stdbool.h>
#include <stdint.h>
#include "memlayout.h"

void *fake_p2v(uint64_t pa);
uint32_t fake_v2p(const void *va);
#undef P2V
#undef V2P
#define P2V(pa)	fake_p2v((uint64_t)(pa))
#define V2P(va)	fake_v2p(va)

#define FAKE_PHYS_BYTES	(8u << 20)	/* frames 256.. are free (first MiB: firmware) */
#define FAKE_NDOMS	10
#define FAKE_RAM_PAGES	48
#define FAKE_RAM_END	(0x00400000u + FAKE_RAM_PAGES * 4096u)

struct domain;
struct domain *fake_dom(uint32_t id);	/* the slot, whatever its state */

/* Raises of (domain, port) on live domains since fake_raises_clear(); raises
 * on dead domains or bad ports are counted apart (the real event_raise
 * ignores them). */
uint32_t fake_raises(uint32_t dom, uint32_t port);
uint32_t fake_raises_total(void);
extern uint32_t fake_raises_ignored;
void fake_raises_clear(void);

/* P2V of a frame that is neither a guest page nor a share page (a freed
 * frame, say), and page_map of such a frame: counted, and printed. */
extern uint32_t fake_bad_phys;
/* Share pages still mapped when a dead domain's memory was released. */
extern uint32_t fake_share_ptes_at_death;
/* page_map fails with SV_ENOMEM after this many more successes; -1: never. */
extern int fake_page_map_fail_after;

/* Set up physical memory and the frame table, then start every domain. */
void fake_init(void);
void fake_fini(void);
/* Start (or restart, after it died) domain id with fresh memory. */
void fake_domain_start(uint32_t id);
/* End it as kernel/domain.c does: share_domain_dies, state KILLED, memory back. */
void fake_domain_die(uint32_t id);
/* Poison free frames for ASan (unpoisoned again when allocated and used). */
void fake_phys_sync(void);
/* The checks of kernel/invariants.c (check=invariants), over the fake page
 * tables: NULL if the frame table agrees with them, else what is broken,
 * with *pfn the frame (FRAME_NONE for a count). */
const char *fake_check_frames(uint32_t *pfn);

/* The host's pointer to guest va of domain dom (to the end of its page),
 * or NULL if not mapped (or, for write, read-only); from the fake page
 * tables, without mm/usercopy.c. */
void *fake_gptr(uint32_t dom, uint32_t va, bool write);
/* Test access to guest memory; abort the test (not ok) if unmapped. */
void fake_gwrite(uint32_t dom, uint32_t va, const void *src, uint32_t len);
void fake_gread(uint32_t dom, uint32_t va, void *dst, uint32_t len);
void fake_gfill(uint32_t dom, uint32_t va, int byte, uint32_t len);
void fake_put32(uint32_t dom, uint32_t va, uint32_t v);
uint32_t fake_get32(uint32_t dom, uint32_t va);
/* The physical address guest va of dom maps, or 0xFFFFFFFF. */
uint32_t fake_pa_of(uint32_t dom, uint32_t va);
/* The host's pointer to physical pa (no checks). */
void *fake_phys(uint32_t pa);

#endif /* SV_FAKE_KERNEL_H */
