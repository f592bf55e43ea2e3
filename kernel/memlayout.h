/*
 * memlayout.h: where things are, physically and virtually. One place for
 * the memory map of the hypervisor, as in xv6's memlayout.h.
 *
 *   virtual                         what
 *   0x00000000 .. 0xBFFFFFFF        guest half: each domain's own mappings
 *   0xC0000000 .. +DIRECTMAP_LIMIT  all usable RAM, direct-mapped
 *                                   (phys p at KERNBASE + p), supervisor only
 *   0xC0100000                      the hypervisor image (phys 0x00100000)
 *
 * The direct map uses 4 MiB pages (PSE) and is shared by every address
 * space. RAM above DIRECTMAP_LIMIT is ignored (and reported at boot).
 * This file is also read by NASM through build/asmdefs.inc (see Makefile),
 * so it holds only #define lines of plain numbers.
 */
#ifndef SV_MEMLAYOUT_H
#define SV_MEMLAYOUT_H

#define KERNBASE	0xC0000000	/* start of the hypervisor half */
#define KERNLOAD	0x00100000	/* physical load address of the image */
#define DIRECTMAP_LIMIT	0x38000000	/* 896 MiB of RAM at most */

#define PAGE_SIZE	4096
#define PAGE_SHIFT	12
#define LARGE_PAGE_SIZE	0x400000	/* 4 MiB PSE page */
#define LARGE_PAGE_SHIFT 22

/* Segment selectors (index * 8 | RPL); the GDT in kernel/gdt.c matches. */
#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_UCODE	0x1B	/* ring 3 */
#define SEL_UDATA	0x23	/* ring 3 */
#define SEL_TSS		0x28	/* CPU i's TSS is SEL_TSS + 8 * i, i < MAX_CPUS */
#define SEL_DFTSS	0x68	/* task for the double-fault handler */

#define AP_TRAMPOLINE	0x7000	/* boot/apstart.asm runs here (real mode, < 1 MiB) */
#define BOOT_STACK_SIZE	16384	/* each CPU's hypervisor stack (the boot CPU's is boot_stack) */
#define TRAPFRAME_SIZE	76	/* sizeof(struct trapframe), for trapentry.asm */
#define TRAPFRAME_CS	60	/* offsetof(struct trapframe, cs) */

#ifndef __ASSEMBLER__
#include <stdint.h>
#define P2V(pa)	((void *)((uintptr_t)(pa) + KERNBASE))
#define V2P(va)	((uint32_t)((uintptr_t)(va) - KERNBASE))
#endif

#endif /* SV_MEMLAYOUT_H */
