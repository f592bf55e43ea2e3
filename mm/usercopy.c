/*
 * usercopy.c: checked copies between the hypervisor and guest memory
 * (see usercopy.h). Check the whole range first, then copy: the
 * hypervisor runs with interrupts off and nothing can change the guest's
 * page tables in between, so a copy never stops half-way.
 */
#include "klib.h"
#include "memlayout.h"
#include "sharevisor.h"
#include "usercopy.h"

/* page_lookup refuses the hypervisor half, which is exactly what a guest
 * may not name. */
_Static_assert(SV_GUEST_LIMIT == KERNBASE, "the guest limit is the hypervisor's base");

int guest_range_check(pde_t *pgdir, uint32_t va, uint32_t len, bool write)
{
	return guest_range_frames(pgdir, va, len, write, NULL);
}

/* Copy len bytes between guest va and hypervisor buf, page by page. */
static void copy_pages(pde_t *pgdir, uint32_t va, uint8_t *buf, uint32_t len, bool to_guest)
{
	while (len > 0) {
		uint32_t chunk = MIN(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		uint8_t *g = guest_ptr(pgdir, va, to_guest);
		if (to_guest)
			memcpy(g, buf, chunk);
		else
			memcpy(buf, g, chunk);
		va += chunk;
		buf += chunk;
		len -= chunk;
	}
}

/* Check, then copy. Most copies (an sg list, an upcall frame, a length
 * word) lie within one page: then one lookup both checks the page and
 * finds it, instead of a check and then a second walk to copy. */
int copy_checked(pde_t *pgdir, uint32_t va, uint8_t *buf, uint32_t len, bool to_guest)
{
	if (len > 0 && len <= PAGE_SIZE - (va & (PAGE_SIZE - 1)) && va < SV_GUEST_LIMIT) {
		uint8_t *g = guest_ptr(pgdir, va, to_guest);
		if (!g)
			return SV_EFAULT;
		if (to_guest)
			memcpy(g, buf, len);
		else
			memcpy(buf, g, len);
		return SV_OK;
	}
	int rc = guest_range_check(pgdir, va, len, to_guest);
	if (rc == SV_OK)
		copy_pages(pgdir, va, buf, len, to_guest);
	return rc;
}

