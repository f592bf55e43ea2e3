/*
 * invariants.c: the debug check mode (check=invariants on the command
 * line). After every hypercall, verify that the frame table, the counts
 * kept beside it and the page tables agree:
 *
 *   - a frame is FREE exactly when it is on the free list, owned by
 *     nobody, unreferenced and unmapped;
 *   - every FRAME_GUEST frame is mapped exactly once, and its owner is
 *     alive;
 *   - every FRAME_SHARE frame has refcount 1 (the share) + its mappings;
 *   - no other frame is mapped into a guest;
 *   - a frame's mapcount (kept by mm/paging.c) is the number of guest
 *     page-table entries that really map it, and a domain maps nothing
 *     but its own guest frames and share frames;
 *   - (with the full scan) the run queue holds exactly the runnable
 *     domains;
 *   - (with the full scan) every watch's watcher is the peer of its
 *     share that it remembers (share/watch.c);
 *   - (with the full scan) every sg list whose translation is current
 *     (share/sg.c) remembers the frames its buffers really have;
 *   - (with the full scan) each domain's event-port table binds to
 *     shares and devices exactly the ports its share peers, device
 *     ownerships and device waits use (kernel/ports.c).
 *
 * Checking all of that means reading every frame and every page table:
 * about 150,000 instructions with 32 MiB, too slow to do after every
 * call under Bochs. So the check is incremental, the way a journaling
 * file system's fsck is not run on every write:
 *
 *   after every call   the frames the call changed (mm/frame.c logs each
 *                      frame allocated, freed, referenced or (un)mapped)
 *                      are checked against their own counts: the share's
 *                      refcount against the paging layer's mapcount;
 *   every 64th call,   and whenever more than 64 frames changed (a domain
 *                      ended, a big share came or went), the full scan
 *                      counts the page-table entries themselves and
 *                      checks every frame: that catches an entry written
 *                      behind the paging layer's back.
 *
 * Any break is a hypervisor bug: it panics with what it found.
 */
#include "device.h"
#include "domain.h"
#include "fpu.h"
#include "frame.h"
#include "invariants.h"
#include "klib.h"
#include "memlayout.h"
#include "share.h"

#define FULL_SCAN_EVERY 64	/* calls between two full scans */

static void __attribute__((noreturn)) broken(const char *after, uint32_t pfn, const char *what)
{
	struct frame *f = frame_info(pfn);
	panic("invariant broken after %s: frame %#x (%s, owner %#x, refcount %u, mapcount %u): %s",
	      after, pfn, f ? frame_type_name(f->type) : "?", f ? f->owner : 0,
	      f ? f->refcount : 0, f ? f->mapcount : 0, what);
}

/* The invariants of one frame, given how many guest mappings it has. */
static void check_frame(const char *after, uint32_t pfn, uint32_t mappings)
{
	struct frame *f = frame_info(pfn);
	if (!f)
		broken(after, pfn, "changed, but beyond the frame table");
	switch (f->type) {
	case FRAME_FREE:
		if (f->owner != DOMID_NONE || f->refcount || mappings)
			broken(after, pfn, "free, but owned, referenced or mapped");
		break;
	case FRAME_GUEST: {
		struct domain *d = domain_get(f->owner);
		if (!d || !domain_alive(d))
			broken(after, pfn, "a guest frame whose owner is gone (leaked)");
		if (mappings != 1)
			broken(after, pfn, "a guest frame not mapped exactly once");
		break;
	}
	case FRAME_SHARE:
		if (f->refcount != 1u + mappings)
			broken(after, pfn, "share refcount is not 1 + its mappings");
		break;
	default:
		if (mappings)
			broken(after, pfn, "mapped into a guest, but neither guest nor share");
		break;
	}
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
				f->scratch++;
			}
		}
	}
}

static void full_scan(const char *after)
{
	uint32_t nfree = 0;

	count_mappings(after);
	for (uint32_t pfn = 0; pfn < frames_total(); pfn++) {
		struct frame *f = frame_info(pfn);
		if (f->scratch != f->mapcount)
			broken(after, pfn, "mapcount is not the number of page-table entries");
		check_frame(after, pfn, f->scratch);
		nfree += f->type == FRAME_FREE;
	}
	if (nfree != frames_free())
		panic("invariant broken after %s: %u frames are FREE but the free list has %u",
		      after, nfree, frames_free());
	if (!watches_consistent())
		panic("invariant broken after %s: a watch's watcher is not the peer it "
		      "remembers of its share", after);
	/* on_cpu_mask caches who runs where: each CPU's domain, on that CPU. */
	uint32_t on_cpus = 0;
	for (uint32_t i = 0; i < ncpus; i++) {
		const struct domain *r = cpus[i].running;
		if (r && (on_cpus & 1u << r->id))
			panic("invariant broken after %s: domain %u runs on two CPUs", after, r->id);
		if (r && r->cpu != &cpus[i])
			panic("invariant broken after %s: domain %u runs on CPU %u but names "
			      "another", after, r->id, i);
		on_cpus |= r ? 1u << r->id : 0;
	}
	if (on_cpus != on_cpu_mask)
		panic("invariant broken after %s: on_cpu_mask %#x, but the CPUs run %#x", after,
		      on_cpu_mask, on_cpus);
	for (uint32_t id = 0; id < SV_MAX_DOMAINS; id++) {
		struct domain *d = domain_get(id);
		bool queued = sched_runnable() & (1u << id);
		if (queued != (d && d->state == DOM_RUNNABLE))
			panic("invariant broken after %s: domain %u is %s the run queue but %s",
			      after, id, queued ? "in" : "not in",
			      d && d->state == DOM_RUNNABLE ? "runnable" : "not runnable");
		if (d && !share_ports_consistent(d))
			panic("invariant broken after %s: domain %u's ports bound to shares %#x "
			      "(or the shares' held masks) are not those of its share peers", after, id,
			      event_ports_bound(d->ports, PORT_SHARE, PORT_ANY_OBJECT));
		if (d && !sg_lists_consistent(d))
			panic("invariant broken after %s: an sg list of domain %u remembers "
			      "frames its buffers no longer have", after, id);
		if (d && !device_ports_consistent(d))
			panic("invariant broken after %s: domain %u's ports bound to devices %#x are "
			      "not those it owns or waits with", after, id,
			      event_ports_bound(d->ports, PORT_DEVICE, PORT_ANY_OBJECT));
	}
}

void invariants_check(const char *after)
{
	static uint32_t calls;
	const uint32_t *pfns;
	uint32_t n = frame_changes(&pfns);

	if (n == FRAME_CHANGES_OVERFLOW || ++calls % FULL_SCAN_EVERY == 0) {
		full_scan(after);
	} else {
		for (uint32_t i = 0; i < n; i++) {
			struct frame *f = frame_info(pfns[i]);
			check_frame(after, pfns[i], f ? f->mapcount : 0);
		}
	}
	frame_changes_clear();
	/* And the I/O bitmap: open for the running owner of a device only. */
	const char *bad = device_check_invariants(current);
	if (!bad)
		bad = fpu_check();	/* CR0 and CR4 as the FPU switching needs them */
	if (bad)
		panic("invariant broken after %s: %s", after, bad);
}
