/*
 * fake_kernel.c: domains, events, page tables and physical memory for the
 * host test of the share IPC (see fake_kernel.h).
 */
#include <sanitizer/asan_interface.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "device.h"
#include "domain.h"
#include "fake_kernel.h"
#include "frame.h"
#include "memmap.h"
#include "share.h"

/* Named as kernel/domain.c's table, which domain.h's inline domain_get
 * reads; only the first FAKE_NDOMS are ever used. */
struct domain domains[SV_MAX_DOMAINS];
_Static_assert(FAKE_NDOMS <= SV_MAX_DOMAINS, "the fake domains fit the table");
uint32_t fake_raises_ignored;
uint32_t fake_bad_phys;
uint32_t fake_share_ptes_at_death;
int fake_page_map_fail_after = -1;

static uint32_t raises[FAKE_NDOMS][SV_NR_PORTS];
static uint8_t *arena;			/* physical [0, FAKE_PHYS_BYTES) */
static struct frame *table;

/* One address space: the guest half's page tables, allocated on demand.
 * The domain's pgdir pointer is the address of its struct fake_as. */
#define GUEST_TABLES	(KERNBASE >> 22)
struct fake_as {
	pte_t *tables[GUEST_TABLES];
	uint16_t present[GUEST_TABLES];	/* entries present in each table */
	uint32_t busy[GUEST_TABLES / 32];	/* bit t: present[t] > 0 */
};
static struct fake_as spaces[FAKE_NDOMS];

/* A broken test or a use of a bad pgdir: stop with a failing check. */
static void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fflush(stdout);
	printf("not ok - fake kernel: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	exit(1);
}

/* ---- physical memory ---- */

static bool guest_or_share(uint32_t pfn)
{
	const struct frame *f = frame_info(pfn);
	return f && (f->type == FRAME_GUEST || f->type == FRAME_SHARE);
}

void *fake_p2v(uint64_t pa)
{
	if (pa >= FAKE_PHYS_BYTES)
		fatal("P2V(%#llx): beyond physical memory", (unsigned long long)pa);
	uint32_t pfn = (uint32_t)(pa >> PAGE_SHIFT);
	if (!guest_or_share(pfn)) {
		/* Not unpoisoned: if it is a free frame, touching it is an
		 * ASan error too. */
		fake_bad_phys++;
		printf("# fake kernel: P2V(%#llx) of a %s frame\n", (unsigned long long)pa,
		       frame_info(pfn) ? frame_type_name(frame_info(pfn)->type) : "?");
	} else {
		ASAN_UNPOISON_MEMORY_REGION(arena + ((size_t)pfn << PAGE_SHIFT), PAGE_SIZE);
	}
	return arena + pa;
}

uint32_t fake_v2p(const void *va)
{
	const uint8_t *p = va;
	if (p < arena || p >= arena + FAKE_PHYS_BYTES)
		fatal("V2P(%p): not in physical memory", va);
	return (uint32_t)(p - arena);
}

void *fake_phys(uint32_t pa)
{
	if (pa >= FAKE_PHYS_BYTES)
		fatal("fake_phys(%#x): beyond physical memory", pa);
	return arena + pa;
}

void fake_phys_sync(void)
{
	for (uint32_t pfn = 0; pfn < frames_total(); pfn++) {
		uint8_t *page = arena + ((size_t)pfn << PAGE_SHIFT);
		if (frame_info(pfn)->type == FRAME_FREE)
			ASAN_POISON_MEMORY_REGION(page, PAGE_SIZE);
		else
			ASAN_UNPOISON_MEMORY_REGION(page, PAGE_SIZE);
	}
}

/* ---- the frame table against the page tables ---- */

/* Count each frame's mappings, then check every frame's entry against
 * its count: a FREE frame is unowned, unreferenced and unmapped; a guest
 * frame is mapped once, by its living owner; a share frame's refcount is
 * 1 (the share) + its mappings. */
const char *fake_check_frames(uint32_t *pfn)
{
	static uint16_t maps[FAKE_PHYS_BYTES >> PAGE_SHIFT];
	uint32_t nfree = 0;

	memset(maps, 0, sizeof(maps));
	for (uint32_t id = 0; id < FAKE_NDOMS; id++) {
		if (!domains[id].pgdir)	/* released: nothing mapped */
			continue;
		for (uint32_t t = 0; t < GUEST_TABLES; t++) {
			if (!spaces[id].busy[t / 32]) {
				t |= 31;	/* 32 empty tables */
				continue;
			}
			const pte_t *pt = spaces[id].tables[t];
			/* Stop at the last present entry: the check is run often. */
			for (uint32_t i = 0, n = 0; n < spaces[id].present[t]; i++) {
				if (i == NPTENTRIES)
					return "a page table has fewer entries than counted";
				if (!(pt[i] & PTE_P))
					continue;
				n++;
				*pfn = pt[i] >> PAGE_SHIFT;
				if (*pfn >= frames_total())
					return "mapped, but beyond the frame table";
				const struct frame *f = &table[*pfn];
				if (f->type == FRAME_GUEST && f->owner != id)
					return "a guest frame mapped by a domain that does not own it";
				if (f->type != FRAME_GUEST && f->type != FRAME_SHARE)
					return "mapped into a guest, but neither guest nor share";
				maps[*pfn]++;
			}
		}
	}
	for (*pfn = 0; *pfn < frames_total(); (*pfn)++) {
		const struct frame *f = &table[*pfn];
		if (f->mapcount != maps[*pfn])
			return "mapcount is not the number of page-table entries";
		if (f->type == FRAME_FREE) {
			nfree++;
			if (f->owner != DOMID_NONE || f->refcount || maps[*pfn])
				return "free, but owned, referenced or mapped";
		} else if (f->type == FRAME_GUEST) {
			if (f->owner >= FAKE_NDOMS || !domain_alive(&domains[f->owner]))
				return "a guest frame whose owner is gone (leaked)";
			if (maps[*pfn] != 1)
				return "a guest frame not mapped exactly once";
		} else if (f->type == FRAME_SHARE) {
			if (f->owner != DOMID_HYPERVISOR)
				return "a share frame not owned by the hypervisor";
			if (f->refcount != 1u + maps[*pfn])
				return "share refcount is not 1 + its mappings";
		}
	}
	*pfn = FRAME_NONE;
	if (nfree != frames_free())
		return "the number of FREE frames is not frames_free()";
	return NULL;
}

/* ---- domains and events ---- */

struct domain *fake_dom(uint32_t id)
{
	if (id >= FAKE_NDOMS)
		fatal("no fake domain %u", id);
	return &domains[id];
}

static uint32_t index_of(const struct domain *d)
{
	if (d < domains || d >= domains + FAKE_NDOMS)
		fatal("a struct domain that is not one of the fake domains: %p", (const void *)d);
	return (uint32_t)(d - domains);
}

void event_raise(struct domain *d, uint32_t port)
{
	uint32_t i = index_of(d);
	if (!domain_alive(d) || port >= SV_NR_PORTS) {
		fake_raises_ignored++;
		return;
	}
	raises[i][port]++;
}

uint32_t fake_raises(uint32_t dom, uint32_t port)
{
	return dom < FAKE_NDOMS && port < SV_NR_PORTS ? raises[dom][port] : 0;
}

uint32_t fake_raises_total(void)
{
	uint32_t n = 0;
	for (uint32_t d = 0; d < FAKE_NDOMS; d++)
		for (uint32_t p = 0; p < SV_NR_PORTS; p++)
			n += raises[d][p];
	return n;
}

void fake_raises_clear(void)
{
	memset(raises, 0, sizeof(raises));
}

/* ---- page tables ---- */

static struct fake_as *as_of(pde_t *pgdir)
{
	for (uint32_t i = 0; i < FAKE_NDOMS; i++)
		if (pgdir == (pde_t *)&spaces[i] && domains[i].pgdir == pgdir)
			return &spaces[i];
	fatal("page table operation on pgdir %p, which no live fake domain has", (void *)pgdir);
}

static pte_t *walk(pde_t *pgdir, uint32_t va, bool create)
{
	struct fake_as *as = as_of(pgdir);
	pte_t **t = &as->tables[va >> 22];
	if (!*t) {
		if (!create)
			return NULL;
		*t = calloc(NPTENTRIES, sizeof(pte_t));
		if (!*t)
			fatal("out of host memory");
	}
	return &(*t)[PTX(va)];
}

int page_map(pde_t *pgdir, uint32_t va, uint32_t pa, uint32_t flags)
{
	if (va % PAGE_SIZE || va >= KERNBASE || pa % PAGE_SIZE)
		return SV_EINVAL;
	if (fake_page_map_fail_after == 0)
		return SV_ENOMEM;	/* "no frame for a page table" */
	if (fake_page_map_fail_after > 0)
		fake_page_map_fail_after--;
	pte_t *pte = walk(pgdir, va, true);
	if (*pte & PTE_P)
		return SV_EEXIST;
	if (!guest_or_share(pa >> PAGE_SHIFT)) {
		fake_bad_phys++;
		printf("# fake kernel: page_map of frame %#x, which is neither guest nor share\n",
		       pa >> PAGE_SHIFT);
	} else {
		frame_mapped(pa >> PAGE_SHIFT, +1);	/* as mm/paging.c does */
	}
	*pte = pa | (flags & (PTE_W | PTE_U)) | PTE_P;
	struct fake_as *as = as_of(pgdir);
	as->present[va >> 22]++;
	as->busy[va >> 27] |= 1u << (va >> 22) % 32;
	return SV_OK;
}

int page_unmap(pde_t *pgdir, uint32_t va, uint32_t *old_pa)
{
	if (va % PAGE_SIZE || va >= KERNBASE)
		return SV_EINVAL;
	pte_t *pte = walk(pgdir, va, false);
	if (!pte || !(*pte & PTE_P))
		return SV_ENOENT;
	if (old_pa)
		*old_pa = PTE_ADDR(*pte);
	if (guest_or_share(PTE_ADDR(*pte) >> PAGE_SHIFT))
		frame_mapped(PTE_ADDR(*pte) >> PAGE_SHIFT, -1);
	*pte = 0;
	unmap_epoch++;	/* as mm/paging.c does: cached translations go stale */
	struct fake_as *as = as_of(pgdir);
	if (--as->present[va >> 22] == 0)
		as->busy[va >> 27] &= ~(1u << (va >> 22) % 32);
	return SV_OK;
}

pte_t *page_lookup(pde_t *pgdir, uint32_t va)
{
	if (va >= KERNBASE)
		return NULL;
	pte_t *pte = walk(pgdir, va, false);
	return pte && (*pte & PTE_P) ? pte : NULL;
}

uint64_t unmap_epoch;

/* The reference version, a lookup per page (mm/paging.c's reads each
 * table once). */
bool page_range_frames(pde_t *pgdir, uint32_t va, uint32_t last, uint32_t flags,
		       uint32_t *frames)
{
	for (uint32_t page = va & ~(PAGE_SIZE - 1); ; page += PAGE_SIZE) {
		pte_t *pte = page_lookup(pgdir, page);
		if (!pte || (*pte & flags) != flags)
			return false;
		if (frames)
			*frames++ = PTE_ADDR(*pte);
		if (page == (last & ~(PAGE_SIZE - 1)))
			return true;
	}
}

/* ---- starting and ending domains ---- */

static void map_new_page(struct domain *d, uint32_t va, uint32_t pfn, uint32_t flags)
{
	if (page_map(d->pgdir, va, pfn << PAGE_SHIFT, flags) != SV_OK)
		fatal("mapping guest page %#x of domain %u", va, d->id);
	memset(fake_p2v((uint64_t)pfn << PAGE_SHIFT), 0, PAGE_SIZE);
	d->pages++;
}

static uint32_t alloc_guest_frame(uint32_t id)
{
	uint32_t pfn = frame_alloc((uint16_t)id, FRAME_GUEST);
	if (pfn == FRAME_NONE)
		fatal("no frame left for domain %u", id);
	return pfn;
}

void fake_domain_start(uint32_t id)
{
	if (id >= FAKE_NDOMS)
		fatal("no fake domain %u", id);
	struct domain *d = &domains[id];
	if (d->state != DOM_UNUSED && domain_alive(d))
		fatal("domain %u is already running", id);
	memset(d, 0, sizeof(*d));
	d->id = (sv_domid_t)id;
	d->state = DOM_RUNNABLE;
	d->privileged = id == 0;
	snprintf(d->name, sizeof(d->name), "dom%u", id);
	d->pgdir = (pde_t *)&spaces[id];
	event_ports_init(d->ports);	/* the real port table (kernel/ports.c) */

	uint32_t pfns[FAKE_RAM_PAGES];
	for (uint32_t i = 0; i < FAKE_RAM_PAGES; i++)
		pfns[i] = alloc_guest_frame(id);
	for (uint32_t i = 0; i < FAKE_RAM_PAGES; i++)	/* reverse order */
		map_new_page(d, SV_GUEST_BASE + i * PAGE_SIZE, pfns[FAKE_RAM_PAGES - 1 - i],
			     PTE_U | PTE_W);
	map_new_page(d, SV_START_INFO, alloc_guest_frame(id), PTE_U);
	map_new_page(d, SV_SHARED_INFO, alloc_guest_frame(id), PTE_U | PTE_W);
}

/* Like domain_release_memory: unmap everything, free the frames it owns. */
static void release_memory(struct domain *d)
{
	struct fake_as *as = as_of(d->pgdir);
	for (uint32_t t = 0; t < GUEST_TABLES; t++) {
		if (!as->tables[t])
			continue;
		for (uint32_t i = 0; i < NPTENTRIES; i++) {
			pte_t e = as->tables[t][i];
			if (!(e & PTE_P))
				continue;
			uint32_t pfn = e >> PAGE_SHIFT;
			const struct frame *f = frame_info(pfn);
			if (guest_or_share(pfn))
				frame_mapped(pfn, -1);
			if (f->type == FRAME_GUEST && f->owner == d->id)
				frame_free(pfn);
			else if (f->type == FRAME_SHARE)
				fake_share_ptes_at_death++;
		}
		free(as->tables[t]);
		as->tables[t] = NULL;
		as->present[t] = 0;
	}
	memset(as->busy, 0, sizeof(as->busy));
	unmap_epoch++;
	d->pgdir = NULL;
	d->pages = 0;
}

void fake_domain_die(uint32_t id)
{
	if (id >= FAKE_NDOMS || !domain_alive(&domains[id]))
		fatal("domain %u is not running", id);
	struct domain *d = &domains[id];
	/* The order of kernel/domain.c's domain_end. */
	share_domain_dies(d);
	d->state = DOM_KILLED;
	release_memory(d);
}

void fake_init(void)
{
	arena = aligned_alloc(PAGE_SIZE, FAKE_PHYS_BYTES);
	table = malloc(frame_table_bytes(FAKE_PHYS_BYTES));
	if (!arena || !table)
		fatal("out of host memory");
	memset(arena, 0xA5, FAKE_PHYS_BYTES);	/* dirty: shares must come zeroed */
	struct range_list usable, reserved;
	ranges_init(&usable);
	ranges_add(&usable, 0, FAKE_PHYS_BYTES, 0);
	ranges_init(&reserved);
	frame_init(table, &usable, &reserved);
	for (uint32_t id = 0; id < FAKE_NDOMS; id++)
		fake_domain_start(id);
	fake_phys_sync();
}

void fake_fini(void)
{
	for (uint32_t id = 0; id < FAKE_NDOMS; id++)
		if (domains[id].pgdir)
			release_memory(&domains[id]);
	ASAN_UNPOISON_MEMORY_REGION(arena, FAKE_PHYS_BYTES);
	free(arena);
	free(table);
	arena = NULL;
	table = NULL;
}

/* ---- guest memory, for the tests ---- */

void *fake_gptr(uint32_t dom, uint32_t va, bool write)
{
	const struct domain *d = domain_get(dom);
	if (!d || !d->pgdir || va >= KERNBASE)
		return NULL;
	pte_t *pte = page_lookup(d->pgdir, va);
	if (!pte || !(*pte & PTE_U) || (write && !(*pte & PTE_W)))
		return NULL;
	return (uint8_t *)fake_p2v(PTE_ADDR(*pte)) + (va & (PAGE_SIZE - 1));
}

uint32_t fake_pa_of(uint32_t dom, uint32_t va)
{
	const struct domain *d = domain_get(dom);
	pte_t *pte = d && d->pgdir ? page_lookup(d->pgdir, va) : NULL;
	return pte ? PTE_ADDR(*pte) | (va & (PAGE_SIZE - 1)) : 0xFFFFFFFFu;
}

/* Walk [va, va + len) of dom page by page, calling fn on each piece. */
static void each_piece(uint32_t dom, uint32_t va, uint32_t len, bool write,
		       void (*fn)(uint8_t *guest, uint32_t n, void *arg), void *arg)
{
	while (len > 0) {
		uint32_t n = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		n = n < len ? n : len;
		uint8_t *g = fake_gptr(dom, va, write);
		if (!g)
			fatal("test access to domain %u address %#x: not mapped%s", dom, va,
			      write ? " writable" : "");
		fn(g, n, arg);
		va += n;
		len -= n;
	}
}

static void put_piece(uint8_t *g, uint32_t n, void *arg)
{
	const uint8_t **src = arg;
	memcpy(g, *src, n);
	*src += n;
}

static void get_piece(uint8_t *g, uint32_t n, void *arg)
{
	uint8_t **dst = arg;
	memcpy(*dst, g, n);
	*dst += n;
}

static void fill_piece(uint8_t *g, uint32_t n, void *arg)
{
	memset(g, *(int *)arg, n);
}

void fake_gwrite(uint32_t dom, uint32_t va, const void *src, uint32_t len)
{
	const uint8_t *p = src;
	each_piece(dom, va, len, true, put_piece, &p);
}

void fake_gread(uint32_t dom, uint32_t va, void *dst, uint32_t len)
{
	uint8_t *p = dst;
	each_piece(dom, va, len, false, get_piece, &p);
}

void fake_gfill(uint32_t dom, uint32_t va, int byte, uint32_t len)
{
	each_piece(dom, va, len, true, fill_piece, &byte);
}

void fake_put32(uint32_t dom, uint32_t va, uint32_t v)
{
	fake_gwrite(dom, va, &v, sizeof(v));
}

uint32_t fake_get32(uint32_t dom, uint32_t va)
{
	uint32_t v;
	fake_gread(dom, va, &v, sizeof(v));
	return v;
}
