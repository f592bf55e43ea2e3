/*
 * paging.h: two-level i386 page tables (mm/paging.c).
 *
 * Every address space has a page directory of 1024 entries, each covering
 * 4 MiB. Entries 768-1023 (KERNBASE and up) are the hypervisor half: the
 * same in every directory, copied from kernel_pgdir when a directory is
 * created, supervisor-only. That copy stays valid because the hypervisor
 * never adds a directory entry in its half after boot.
 * Entries 0-767 are the guest half, built with page_map/page_unmap.
 */
#ifndef SV_PAGING_H
#define SV_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t pde_t;
typedef uint32_t pte_t;

#define PTE_P		0x001	/* present */
#define PTE_W		0x002	/* writable */
#define PTE_U		0x004	/* user (ring 3) may access */
#define PTE_PWT		0x008	/* write-through */
#define PTE_PCD		0x010	/* cache disabled: device registers */
#define PTE_PS		0x080	/* in a directory entry: a 4 MiB page */
#define PTE_FLAGS	0xFFF
#define PTE_ADDR(e)	((e) & ~(uint32_t)PTE_FLAGS)

#define PDX(va)		((uint32_t)(va) >> 22)		/* directory index */
#define PTX(va)		(((uint32_t)(va) >> 12) & 0x3FF) /* table index */
#define NPDENTRIES	1024
#define NPTENTRIES	1024

extern pde_t *kernel_pgdir;	/* the hypervisor-only address space */

/* Counts every removal of a guest mapping and every change of its rights
 * (page_unmap, page_protect, pgdir_unmap_all). A translation of guest
 * addresses to frames taken while it read E is still true while it
 * reads E: mappings are only ever added in between, and a frame is freed
 * only after its last mapping has gone. 64 bits, so that it never comes
 * back to an old value. */
extern uint64_t unmap_epoch;

/* Build kernel_pgdir: the image with text and rodata read-only, a guard
 * page below the boot stack, all RAM below ram_end direct-mapped; then
 * switch to it, dropping the boot identity mapping. */
void paging_init(uint64_t ram_end);

/* A new directory with the hypervisor half and an empty guest half, or
 * NULL when no frame is free. */
/* Map one page of device registers at va (in the hypervisor's half,
 * above the direct map) to physical pa, uncached, in kernel_pgdir: before
 * any domain's directory is made, which copies the hypervisor's half.
 * 0, or SV_ENOMEM without a frame for the table. */
int paging_map_mmio(uint32_t va, uint32_t pa);
pde_t *pgdir_create(void);
/* Free a directory and the page tables of its guest half. The frames its
 * pages map belong to their owners and are not touched. */
void pgdir_destroy(pde_t *pgdir);
void pgdir_switch(pde_t *pgdir);

/* Map the page at guest address va to physical pa with flags (PTE_W,
 * PTE_U). Returns SV_OK, SV_EINVAL (va or pa not page-aligned, or va in
 * the hypervisor half), SV_EEXIST (va already mapped) or SV_ENOMEM (no
 * frame for a new page table). */
int page_map(pde_t *pgdir, uint32_t va, uint32_t pa, uint32_t flags);
/* Remove the mapping at va; *old_pa (if not NULL) gets the frame it
 * mapped; a page table left empty is freed. Returns SV_OK, SV_EINVAL or
 * SV_ENOENT (nothing mapped). */
int page_unmap(pde_t *pgdir, uint32_t va, uint32_t *old_pa);
/* The present page-table entry for va, or NULL. */
pte_t *page_lookup(pde_t *pgdir, uint32_t va);
/* Is every page from the one holding va to the one holding last (both
 * below KERNBASE, va <= last) present, with every bit of flags (PTE_U,
 * PTE_W)? If so and frames is not NULL, frames[i] gets the physical
 * address of the i-th page. One directory entry per 4 MiB, then that
 * table's entries in a row, rather than a walk from the top per page. */
bool page_range_frames(pde_t *pgdir, uint32_t va, uint32_t last, uint32_t flags,
		       uint32_t *frames);
static inline bool page_range_present(pde_t *pgdir, uint32_t va, uint32_t last, uint32_t flags)
{
	return page_range_frames(pgdir, va, last, flags, NULL);
}
/* Frames used by the directory and the page tables of its guest half. */
uint32_t pgdir_frames(pde_t *pgdir);
/* Change the PTE_W/PTE_U flags of the mapping at va. SV_OK or SV_ENOENT. */
int page_protect(pde_t *pgdir, uint32_t va, uint32_t flags);
/* Unmap every page of the guest half, calling release(pa, arg) for each
 * frame that was mapped (the caller decides whether to free it). */
void pgdir_unmap_all(pde_t *pgdir, void (*release)(uint32_t pa, void *arg), void *arg);

#endif /* SV_PAGING_H */
