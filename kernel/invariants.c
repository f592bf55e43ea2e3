/*
 * invariants.c: the debug check mode (check=invariants on the command
 * line). After every hypercall, verify that the frame table and the page
 * tables agree:
 *
 *   - a frame is FREE exactly when it is on the free list, owned by
 *     nobody and unreferenced;
 *   - every FRAME_GUEST frame is mapped exactly once, by its owner, and
 *     its owner is alive;
 *   - every FRAME_SHARE frame has refcount 1 (the share) + the number of
 *     page-table entries that map it, in any domain;
 *   - a domain maps nothing but its own guest frames and share frames.
 *
 * Any break is a hypervisor bug: it panics with what it found. Slow (it
 * reads every frame and page table), so it is for tests, not for speed.
 */
#include "domain.h"
#include "frame.h"
#include "invariants.h"
#include "klib.h"
#include "memlayout.h"

bool invariants_enabled;

static void __attribute__((noreturn)) broken(const char *after, uint32_t pfn, const char *what)
{
	struct frame *f = frame_info(pfn);
	panic("invariant broken after %s: frame %#x (%s, owner %#x, refcount %u): %s", after,
	      pfn, f ? frame_type_name(f->type) : "?", f ? f->owner : 0, f ? f->refcount : 0,
	      what);
}

/* Count, in each frame's scratch byte, the page-table entries mapping it. */
static void count_mappings(const char *after)
{
	for (uint32_t pfn = 0; pfn < frames_total(); pfn++)
		frame_info(pfn)->scratch = 0;
	for (uint32_t id = 0; id < SV_MAX_DOMAINS; id++) {
		struct domain *d = domain_get(id);
		if (!d || !domain_alive(d))
			continue;
		for (uint32_t i = 0; i < PDX(KERNBASE); i++) {
			if (!(d->pgdir[i] & PTE_P))
				continue;
			pte_t *table = P2V(PTE_ADDR(d->pgdir[i]));
			for (uint32_t j = 0; j < NPTENTRIES; j++) {
				if (!(table[j] & PTE_P))
					continue;
				uint32_t pfn = PTE_ADDR(table[j]) >> PAGE_SHIFT;
				struct frame *f = frame_info(pfn);
				if (!f)
					broken(after, pfn, "mapped, but beyond the frame table");
				if (f->type == FRAME_GUEST && f->owner != d->id)
					broken(after, pfn, "a guest frame mapped by a domain that does not own it");
				if (f->type != FRAME_GUEST && f->type != FRAME_SHARE)
					broken(after, pfn, "mapped into a guest, but neither guest nor share");
				f->scratch++;
			}
		}
	}
}

void invariants_check(const char *after)
{
	uint32_t nfree = 0;

	count_mappings(after);
	for (uint32_t pfn = 0; pfn < frames_total(); pfn++) {
		struct frame *f = frame_info(pfn);
		switch (f->type) {
		case FRAME_FREE:
			nfree++;
			if (f->owner != DOMID_NONE || f->refcount || f->scratch)
				broken(after, pfn, "free, but owned, referenced or mapped");
			break;
		case FRAME_GUEST: {
			struct domain *d = domain_get(f->owner);
			if (!d || !domain_alive(d))
				broken(after, pfn, "a guest frame whose owner is gone (leaked)");
			if (f->scratch != 1)
				broken(after, pfn, "a guest frame not mapped exactly once");
			break;
		}
		case FRAME_SHARE:
			if (f->refcount != 1u + f->scratch)
				broken(after, pfn, "share refcount is not 1 + its mappings");
			break;
		default:
			break;
		}
	}
	if (nfree != frames_free())
		panic("invariant broken after %s: %u frames are FREE but the free list has %u",
		      after, nfree, frames_free());
}
