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
#include "paging.h"

/* SV_OK if all of [va, va + len) is accessible (writable if write). */
int guest_range_check(pde_t *pgdir, uint32_t va, uint32_t len, bool write);
/* The hypervisor's pointer to guest va (valid to the end of its page),
 * or NULL if that page is not accessible (writable, if write). */
void *guest_ptr(pde_t *pgdir, uint32_t va, bool write);
int copy_from_guest(pde_t *pgdir, void *dst, uint32_t src_va, uint32_t len);
int copy_to_guest(pde_t *pgdir, uint32_t dst_va, const void *src, uint32_t len);

#endif /* SV_USERCOPY_H */
