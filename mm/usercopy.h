/*
 * usercopy.h: the only way the hypervisor touches guest memory.
 *
 * A guest address is hostile until checked. These routines walk the
 * guest's page tables (not the CPU's current ones, so they work for any
 * domain) and copy through the direct map. They never fault: every byte
 * must lie below SV_GUEST_LIMIT on a present user page (writable, for
 * copies to the guest), and the range must not wrap, or they return
 * SV_EFAULT having copied nothing.
 */
#ifndef SV_USERCOPY_H
#define SV_USERCOPY_H

#include <stdbool.h>
#include <stdint.h>
#include "memlayout.h"
#include "paging.h"
#include "sharevisor.h"

/* SV_OK if all of [va, va + len) is accessible (writable if write). */
int guest_range_check(pde_t *pgdir, uint32_t va, uint32_t len, bool write);
/* The same, and frames[i] (if not NULL) gets the physical address of the
 * range's i-th page: GUEST_PAGES(va, len) of them. A caller may keep
 * them while unmap_epoch (paging.h) does not move. */
static inline int guest_range_frames(pde_t *pgdir, uint32_t va, uint32_t len, bool write,
				     uint32_t *frames)
{
	if (len == 0)
		return SV_OK;
	if (va >= SV_GUEST_LIMIT || len > SV_GUEST_LIMIT - va)
		return SV_EFAULT;	/* hypervisor half, or wraps */
	uint32_t need = PTE_P | PTE_U | (write ? PTE_W : 0);
	if (((va ^ (va + len - 1)) >> PAGE_SHIFT) == 0) {	/* within one page: one lookup */
		pte_t *pte = page_lookup(pgdir, va);
		if (!pte || (*pte & need) != need)
			return SV_EFAULT;
		if (frames)
			*frames = PTE_ADDR(*pte);
		return SV_OK;
	}
	return page_range_frames(pgdir, va, va + len - 1, PTE_U | (write ? PTE_W : 0), frames) ?
	       SV_OK : SV_EFAULT;
}
#define GUEST_PAGES(va, len) \
	((len) ? (((va) + (len) - 1) >> PAGE_SHIFT) - ((va) >> PAGE_SHIFT) + 1 : 0)
/* The hypervisor's pointer to guest va (valid to the end of its page),
 * or NULL if that page is not accessible (writable, if write). */
static inline void *guest_ptr(pde_t *pgdir, uint32_t va, bool write)
{
	pte_t *pte = page_lookup(pgdir, va);	/* (NULL for the hypervisor's half) */
	if (!pte || !(*pte & PTE_U) || (write && !(*pte & PTE_W)))
		return NULL;
	return (uint8_t *)P2V(PTE_ADDR(*pte)) + (va & (PAGE_SIZE - 1));
}
int copy_checked(pde_t *pgdir, uint32_t va, uint8_t *buf, uint32_t len, bool to_guest);
static inline int copy_from_guest(pde_t *pgdir, void *dst, uint32_t src_va, uint32_t len)
{
	return copy_checked(pgdir, src_va, dst, len, false);
}
static inline int copy_to_guest(pde_t *pgdir, uint32_t dst_va, const void *src, uint32_t len)
{
	return copy_checked(pgdir, dst_va, (uint8_t *)src, len, true);
}

#endif /* SV_USERCOPY_H */
