/*
 * paging.c: build and change page tables (see paging.h).
 *
 * Page tables are frames from the frame allocator, typed FRAME_PAGETABLE,
 * reached through the direct map. Changing an entry of the directory in
 * use needs its TLB entry flushed (invlpg), or the CPU keeps using the
 * old translation.
 */
#include "frame.h"
#include "klib.h"
#include "memlayout.h"
#include "paging.h"
#include "sharevisor.h"
#include "lock.h"
#include "smp.h"
#include "x86.h"

pde_t *kernel_pgdir;
uint64_t unmap_epoch;

/* A zeroed frame for a page table or directory, or NULL. */
static void *alloc_table(void)
{
	uint32_t pfn = frame_alloc(DOMID_HYPERVISOR, FRAME_PAGETABLE);
	if (pfn == FRAME_NONE)
		return NULL;
	void *p = P2V((uint32_t)pfn << PAGE_SHIFT);
	memset(p, 0, PAGE_SIZE);
	return p;
}

static void free_table(void *table)
{
	frame_free(V2P(table) >> PAGE_SHIFT);
}

static bool is_current(pde_t *pgdir)
{
	return read_cr3() == V2P(pgdir);
}

/* pgdir lost a mapping or a right. Another CPU that runs its domain may
 * still have the old entry in its TLB: it flushes before we go on, so
 * the frame can be freed (kernel/smp.c). A dying domain's pgdir_unmap_all
 * needs none of this: no CPU runs it any more (domain.c). */
static void tlb_shootdown(pde_t *pgdir)
{
	if (smp_on)
		smp_flush_tlb_others(pgdir);
}

void pgdir_switch(pde_t *pgdir)
{
	write_cr3(V2P(pgdir));
}

void paging_init(uint64_t ram_end)
{
	extern char _readonly_start[], _readonly_end[], boot_stack_guard[], _end[];
	uint32_t image_top = V2P(_end);

	if (image_top > LARGE_PAGE_SIZE)
		panic("paging_init: the image ends at %#x, past the first 4 MiB", image_top);
	kernel_pgdir = alloc_table();
	pte_t *low = alloc_table();
	if (!kernel_pgdir || !low)
		panic("paging_init: no frames for the hypervisor page tables");

	/* The first 4 MiB in 4 KiB pages, so that each part of the image
	 * gets its own protection. */
	for (uint32_t i = 0; i < NPTENTRIES; i++) {
		uint32_t va = KERNBASE + i * PAGE_SIZE;
		uint32_t flags = PTE_P | PTE_W;
		if (va >= (uint32_t)(uintptr_t)_readonly_start &&
		    va < (uint32_t)(uintptr_t)_readonly_end)
			flags = PTE_P;
		if (va == (uint32_t)(uintptr_t)boot_stack_guard || smp_is_stack_guard(va))
			flags = 0;
		low[i] = (i * PAGE_SIZE) | flags;
	}
	kernel_pgdir[PDX(KERNBASE)] = V2P(low) | PTE_P | PTE_W;

	/* The rest of RAM in 4 MiB pages. */
	uint64_t top = MIN(ROUNDUP(ram_end, LARGE_PAGE_SIZE), (uint64_t)DIRECTMAP_LIMIT);
	for (uint64_t pa = LARGE_PAGE_SIZE; pa < top; pa += LARGE_PAGE_SIZE)
		kernel_pgdir[PDX(KERNBASE + pa)] = (uint32_t)pa | PTE_P | PTE_W | PTE_PS;

	pgdir_switch(kernel_pgdir);
}

int paging_map_mmio(uint32_t va, uint32_t pa)
{
	if (va < KERNBASE + DIRECTMAP_LIMIT)
		panic("paging_map_mmio: %#x is in the direct map", va);
	pde_t *pde = &kernel_pgdir[PDX(va)];
	if (!(*pde & PTE_P)) {
		pte_t *table = alloc_table();
		if (!table)
			return SV_ENOMEM;
		*pde = V2P(table) | PTE_P | PTE_W;	/* no PTE_U: the hypervisor's */
	}
	pte_t *table = P2V(PTE_ADDR(*pde));
	table[PTX(va)] = PTE_ADDR(pa) | PTE_P | PTE_W | PTE_PCD | PTE_PWT;
	invlpg(va);
	return 0;
}

pde_t *pgdir_create(void)
{
	pde_t *pgdir = alloc_table();
	if (!pgdir)
		return NULL;
	for (uint32_t i = PDX(KERNBASE); i < NPDENTRIES; i++)
		pgdir[i] = kernel_pgdir[i];
	return pgdir;
}

void pgdir_destroy(pde_t *pgdir)
{
	if (pgdir == kernel_pgdir || is_current(pgdir))
		panic("pgdir_destroy: %p is in use", (void *)pgdir);
	for (uint32_t i = 0; i < PDX(KERNBASE); i++)
		if (pgdir[i] & PTE_P)
			free_table(P2V(PTE_ADDR(pgdir[i])));
	free_table(pgdir);
}

/* The page-table entry slot for va, creating its table if asked. */
static pte_t *walk(pde_t *pgdir, uint32_t va, bool create)
{
	pde_t *pde = &pgdir[PDX(va)];
	if (!(*pde & PTE_P)) {
		if (!create)
			return NULL;
		pte_t *table = alloc_table();
		if (!table)
			return NULL;
		/* The directory entry is as permissive as any page under it
		 * may need; the table entries decide. */
		*pde = V2P(table) | PTE_P | PTE_W | PTE_U;
	}
	pte_t *table = P2V(PTE_ADDR(*pde));
	return &table[PTX(va)];
}

static bool valid_guest_page(uint32_t va)
{
	return va % PAGE_SIZE == 0 && va < KERNBASE;
}

int page_map(pde_t *pgdir, uint32_t va, uint32_t pa, uint32_t flags)
{
	if (!valid_guest_page(va) || pa % PAGE_SIZE)
		return SV_EINVAL;
	pte_t *pte = walk(pgdir, va, true);
	if (!pte)
		return SV_ENOMEM;
	if (*pte & PTE_P)
		return SV_EEXIST;
	*pte = pa | (flags & (PTE_W | PTE_U)) | PTE_P;
	frame_mapped(pa >> PAGE_SHIFT, +1);
	/* A not-present entry is never cached in the TLB: no flush needed. */
	return SV_OK;
}

int page_unmap(pde_t *pgdir, uint32_t va, uint32_t *old_pa)
{
	if (!valid_guest_page(va))
		return SV_EINVAL;
	pte_t *pte = walk(pgdir, va, false);
	if (!pte || !(*pte & PTE_P))
		return SV_ENOENT;
	if (old_pa)
		*old_pa = PTE_ADDR(*pte);
	frame_mapped(PTE_ADDR(*pte) >> PAGE_SHIFT, -1);
	*pte = 0;
	unmap_epoch++;

	/* A page table with nothing left in it goes back too, so that
	 * mapping and unmapping (shares) never leaves frames behind. */
	pte_t *table = P2V(PTE_ADDR(pgdir[PDX(va)]));
	bool empty = true;
	for (uint32_t i = 0; i < NPTENTRIES && empty; i++)
		empty = !(table[i] & PTE_P);
	if (empty)
		pgdir[PDX(va)] = 0;
	if (is_current(pgdir)) {
		if (empty)
			write_cr3(V2P(pgdir));	/* drop cached directory entries too */
		else
			invlpg(va);
	}
	tlb_shootdown(pgdir);	/* before the table can be reused */
	if (empty)
		free_table(table);
	return SV_OK;
}

pte_t *page_lookup(pde_t *pgdir, uint32_t va)
{
	if (va >= KERNBASE)
		return NULL;
	/* walk(pgdir, va, false), written out: every guest copy comes here */
	pde_t pde = pgdir[PDX(va)];
	if (!(pde & PTE_P))
		return NULL;
	pte_t *pte = (pte_t *)P2V(PTE_ADDR(pde)) + PTX(va);
	return *pte & PTE_P ? pte : NULL;
}

bool page_range_frames(pde_t *pgdir, uint32_t va, uint32_t last, uint32_t flags,
		       uint32_t *frames)
{
	uint32_t need = flags | PTE_P;
	/* Pages by number: page / 1024 is the directory index, page % 1024
	 * the index in that table. */
	uint32_t page = va >> PAGE_SHIFT, final = last >> PAGE_SHIFT;

	for (;;) {
		pde_t pde = pgdir[page / NPTENTRIES];
		if (!(pde & PTE_P))
			return false;
		const pte_t *pte = (const pte_t *)P2V(PTE_ADDR(pde)) + page % NPTENTRIES;
		/* This table's pages of the range: up to its end or the range's.
		 * (A range in one page, the common short buffer, seldom comes
		 * here: usercopy.h's guest_range_frames looks it up itself.) */
		uint32_t n = MIN(final, page | (NPTENTRIES - 1)) - page + 1;
		for (uint32_t i = 0; i < n; i++) {
			if ((pte[i] & need) != need)
				return false;
			if (frames)
				*frames++ = PTE_ADDR(pte[i]);
		}
		page += n;
		if (page > final)
			return true;
	}
}

uint32_t pgdir_frames(pde_t *pgdir)
{
	uint32_t n = 1;
	for (uint32_t i = 0; i < PDX(KERNBASE); i++)
		n += (pgdir[i] & PTE_P) != 0;
	return n;
}

int page_protect(pde_t *pgdir, uint32_t va, uint32_t flags)
{
	pte_t *pte = page_lookup(pgdir, va);
	if (!pte)
		return SV_ENOENT;
	*pte = (*pte & ~(uint32_t)(PTE_W | PTE_U)) | (flags & (PTE_W | PTE_U));
	unmap_epoch++;	/* it may have lost PTE_W or PTE_U */
	if (is_current(pgdir))
		invlpg(va);
	tlb_shootdown(pgdir);
	return SV_OK;
}

void pgdir_unmap_all(pde_t *pgdir, void (*release)(uint32_t pa, void *arg), void *arg)
{
	for (uint32_t i = 0; i < PDX(KERNBASE); i++) {
		if (!(pgdir[i] & PTE_P))
			continue;
		pte_t *table = P2V(PTE_ADDR(pgdir[i]));
		for (uint32_t j = 0; j < NPTENTRIES; j++) {
			if (!(table[j] & PTE_P))
				continue;
			uint32_t pa = PTE_ADDR(table[j]);
			table[j] = 0;
			frame_mapped(pa >> PAGE_SHIFT, -1);
			release(pa, arg);
		}
	}
	unmap_epoch++;
	if (is_current(pgdir))
		write_cr3(V2P(pgdir));	/* flush the whole guest half */
}
