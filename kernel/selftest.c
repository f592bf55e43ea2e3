/*
 * selftest.c: the boot-time self-tests (see selftest.h). They exercise the
 * real code paths on the real (emulated) machine, where the host unit
 * tests in tests/unit cannot: writing to every frame, switching address
 * spaces, taking timer interrupts.
 */
#include "crc32.h"
#include "frame.h"
#include "klib.h"
#include "memlayout.h"
#include "paging.h"
#include "param.h"
#include "selftest.h"
#include "sharevisor.h"
#include "timer.h"
#include "x86.h"

#define SELFTEST_FILL 0xA5

/* Fill a frame the allocator handed out. If it overlapped the image, a
 * module or the frame table, the damage shows below (or crashes). */
static void scribble_frame(uint32_t pfn)
{
	memset(P2V((uint32_t)pfn << PAGE_SHIFT), SELFTEST_FILL, PAGE_SIZE);
}

bool selftest_frames(const struct boot_info *bi)
{
	uint32_t crc_before[MAX_MODULES];

	for (uint32_t i = 0; i < bi->nmods; i++)
		crc_before[i] = crc32(P2V(bi->mods[i].start), bi->mods[i].end - bi->mods[i].start);
	if (!frame_selftest(&bi->reserved, scribble_frame))
		return false;
	for (uint32_t i = 0; i < bi->nmods; i++) {
		uint32_t crc = crc32(P2V(bi->mods[i].start), bi->mods[i].end - bi->mods[i].start);
		if (crc != crc_before[i]) {
			printk("selftest frames: FAIL: module %u changed (crc32 %#x -> %#x)\n",
			       bi->mods[i].index, crc_before[i], crc);
			return false;
		}
	}
	printk("selftest frames: PASS: %u modules unchanged after writing every free frame\n",
	       bi->nmods);
	return true;
}

#define PROBE_VA	0x00400000u	/* a guest-half address for the test */
#define PROBE_VALUE	0x5AFE1234u

bool selftest_paging(void)
{
	uint32_t free_before = frames_free();
	const char *why = NULL;
	int rc;

	pde_t *pd = pgdir_create();
	uint32_t pfn = frame_alloc(DOMID_HYPERVISOR, FRAME_SELFTEST);
	if (!pd || pfn == FRAME_NONE) {
		printk("selftest paging: FAIL: out of frames\n");
		return false;
	}
	uint32_t pa = pfn << PAGE_SHIFT;
	for (uint32_t i = PDX(KERNBASE); i < NPDENTRIES && !why; i++)
		if (pd[i] != kernel_pgdir[i])
			why = "the hypervisor half differs from kernel_pgdir";

	if (!why && (rc = page_map(pd, PROBE_VA, pa, PTE_W | PTE_U)) != SV_OK)
		why = "page_map failed";
	if (!why && page_map(pd, PROBE_VA, pa, PTE_W) != SV_EEXIST)
		why = "mapping twice was not refused with SV_EEXIST";
	if (!why && page_map(pd, KERNBASE, pa, PTE_W) != SV_EINVAL)
		why = "mapping in the hypervisor half was not refused";
	if (!why && page_map(pd, PROBE_VA + 1, pa, PTE_W) != SV_EINVAL)
		why = "an unaligned address was not refused";
	pte_t *pte = why ? NULL : page_lookup(pd, PROBE_VA);
	if (!why && (!pte || PTE_ADDR(*pte) != pa || !(*pte & PTE_U)))
		why = "page_lookup does not show the mapping";

	if (!why) {
		/* Write through the new mapping, read through the direct map. */
		*(volatile uint32_t *)P2V(pa) = 0;
		pgdir_switch(pd);
		*(volatile uint32_t *)PROBE_VA = PROBE_VALUE;
		pgdir_switch(kernel_pgdir);
		if (*(volatile uint32_t *)P2V(pa) != PROBE_VALUE)
			why = "a write through the mapping did not reach the frame";
	}
	/* page_range_present across two page tables: the frame at three
	 * pages, 0x7FE000 and 0x800000 writable, 0x7FF000 read-only. */
	const uint32_t lo = 0x007FE000u, mid = 0x007FF000u, hi = 0x00800000u;
	if (!why && (page_map(pd, lo, pa, PTE_W | PTE_U) != SV_OK ||
		     page_map(pd, mid, pa, PTE_U) != SV_OK || page_map(pd, hi, pa, PTE_W | PTE_U) != SV_OK))
		why = "mapping the range probe pages failed";
	if (!why && !page_range_present(pd, lo + 5, hi + PAGE_SIZE - 1, PTE_U))
		why = "page_range_present: three mapped user pages over two tables not present";
	if (!why && page_range_present(pd, lo, hi + PAGE_SIZE - 1, PTE_U | PTE_W))
		why = "page_range_present: a read-only page in the middle counted as writable";
	if (!why && !page_range_present(pd, hi, hi + 100, PTE_U | PTE_W))
		why = "page_range_present: one writable page not present";
	if (!why && page_range_present(pd, hi, hi + PAGE_SIZE, PTE_U))
		why = "page_range_present: a range running into an unmapped page is present";
	if (!why && page_range_present(pd, lo - PAGE_SIZE, lo, PTE_U))
		why = "page_range_present: a range starting in an unmapped page is present";
	if (!why && page_range_present(pd, 0x01000000u, 0x01000010u, 0))
		why = "page_range_present: a range with no page table is present";
	if (page_lookup(pd, lo))
		page_unmap(pd, lo, NULL);
	if (page_lookup(pd, mid))
		page_unmap(pd, mid, NULL);
	if (page_lookup(pd, hi))
		page_unmap(pd, hi, NULL);

	uint32_t old = 0;
	if (!why && (page_unmap(pd, PROBE_VA, &old) != SV_OK || old != pa))
		why = "page_unmap did not return the mapped frame";
	if (!why && page_lookup(pd, PROBE_VA))
		why = "the mapping is still there after page_unmap";
	if (!why && page_unmap(pd, PROBE_VA, NULL) != SV_ENOENT)
		why = "unmapping twice was not refused with SV_ENOENT";

	pgdir_destroy(pd);
	frame_free(pfn);
	if (!why && frames_free() != free_before)
		why = "frames leaked";
	if (why) {
		printk("selftest paging: FAIL: %s (free frames %u before, %u after)\n",
		       why, free_before, frames_free());
		return false;
	}
	printk("selftest paging: PASS: free frames %u before, %u after\n",
	       free_before, frames_free());
	return true;
}

#define TIMER_TEST_TICKS 10

bool selftest_timer(void)
{
	uint64_t start = timer_ticks();
	uint64_t tsc0 = rdtsc();

	/* Wait with the CPU halted: only an interrupt can wake it. Bounded,
	 * in case interrupts never come. */
	for (int spins = 0; timer_ticks() - start < TIMER_TEST_TICKS; spins++) {
		if (spins > 1000) {
			printk("selftest timer: FAIL: %llu ticks after 1000 halts\n",
			       (unsigned long long)(timer_ticks() - start));
			return false;
		}
		sti_hlt();
	}
	printk("selftest timer: PASS: %d ticks at %d Hz, %llu TSC cycles\n",
	       TIMER_TEST_TICKS, HZ, (unsigned long long)(rdtsc() - tsc0));
	return true;
}
