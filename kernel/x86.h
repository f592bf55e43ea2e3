/*
 * x86.h: inline wrappers for the privileged instructions the hypervisor
 * uses. Every in/out, control-register access and descriptor-table load
 * goes through here, so the rest of the C code reads as plain C and a
 * reader finds all the "magic" in one file (as in xv6's x86.h).
 */
#ifndef SV_X86_H
#define SV_X86_H

#include <stdint.h>
#include "portio.h"	/* inb, outb, outw */

static inline uint32_t read_cr0(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint32_t read_cr2(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint32_t read_cr3(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint32_t pa)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(pa) : "memory");
}

static inline uint32_t read_cr4(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline uint32_t read_ebp(void)
{
	uint32_t v;
	__asm__ volatile("mov %%ebp, %0" : "=r"(v));
	return v;
}

static inline uint32_t read_eflags(void)
{
	uint32_t v;
	__asm__ volatile("pushfl; popl %0" : "=r"(v));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Flush one page's translation from the TLB. */
static inline void invlpg(uint32_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }

/* Enable interrupts and halt in one step: sti's one-instruction shadow
 * means no interrupt can slip in between and leave us halted forever. */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

struct descriptor_ptr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

static inline void lgdt(const struct descriptor_ptr *p)
{
	__asm__ volatile("lgdt (%0)" : : "r"(p) : "memory");
}

static inline void lidt(const struct descriptor_ptr *p)
{
	__asm__ volatile("lidt (%0)" : : "r"(p) : "memory");
}

static inline void ltr(uint16_t sel)
{
	__asm__ volatile("ltr %0" : : "r"(sel));
}

#define EFLAGS_IF 0x00000200u	/* interrupts enabled */

#endif /* SV_X86_H */
