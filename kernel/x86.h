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

static inline void write_cr0(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
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

static inline void write_cr4(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline void write_dr7(uint32_t v)
{
	__asm__ volatile("mov %0, %%dr7" : : "r"(v));
}

/* CPUID leaf (with subleaf 0): a, b, c, d get eax, ebx, ecx, edx. */
static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "0"(leaf), "2"(0));
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

static inline void pause(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }

/* Enable interrupts and halt in one step: sti's one-instruction shadow
 * means no interrupt can slip in between and leave us halted forever. */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

/* The floating-point unit (kernel/fpu.c). None of these waits for a
 * pending x87 exception, so none can raise #MF in the hypervisor. */
static inline void clts(void) { __asm__ volatile("clts" ::: "memory"); }
static inline void fxsave(void *area) { __asm__ volatile("fxsave (%0)" : : "r"(area) : "memory"); }
static inline void fxrstor(const void *area) { __asm__ volatile("fxrstor (%0)" : : "r"(area) : "memory"); }
static inline void fnsave(void *area) { __asm__ volatile("fnsave (%0)" : : "r"(area) : "memory"); }
static inline void frstor(const void *area) { __asm__ volatile("frstor (%0)" : : "r"(area) : "memory"); }

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

/* The task register: the selector of this CPU's TSS (kernel/smp.h's
 * this_cpu). Not volatile: it never changes while the hypervisor runs. */
static inline uint16_t str(void)
{
	uint16_t sel;
	__asm__("str %0" : "=r"(sel));
	return sel;
}

static inline void ltr(uint16_t sel)
{
	__asm__ volatile("ltr %0" : : "r"(sel));
}

#define EFLAGS_IF 0x00000200u	/* interrupts enabled */

/* Control-register bits (Intel SDM vol. 3, 2.5). */
#define CR0_MP		(1u << 1)	/* monitor coprocessor: wait honours TS */
#define CR0_EM		(1u << 2)	/* no FPU: x87/MMX/SSE instructions give #NM or #UD */
#define CR0_TS		(1u << 3)	/* task switched: the next FPU instruction gives #NM */
#define CR0_NE		(1u << 5)	/* x87 errors as #MF, not through the PIC's IRQ 13 */
#define CR0_AM		(1u << 18)	/* eflags.AC checks alignment in ring 3 */
#define CR4_TSD		(1u << 2)	/* rdtsc only in ring 0 */
#define CR4_DE		(1u << 3)	/* debug extensions (I/O breakpoints) */
#define CR4_PCE		(1u << 8)	/* rdpmc in ring 3 */
#define CR4_OSFXSR	(1u << 9)	/* the OS saves SSE state with fxsave: SSE allowed */
#define CR4_OSXMMEXCPT	(1u << 10)	/* SIMD errors as #XM, not #UD */
#define CR4_UMIP	(1u << 11)	/* sgdt, sidt, sldt, smsw, str only in ring 0 */

/* CPUID feature bits. */
#define CPUID1_EDX_FPU	(1u << 0)
#define CPUID1_EDX_APIC	(1u << 9)	/* a local APIC */
#define CPUID1_EDX_MMX	(1u << 23)
#define CPUID1_EDX_FXSR	(1u << 24)
#define CPUID1_EDX_SSE	(1u << 25)
#define CPUID1_EDX_SSE2	(1u << 26)
#define CPUID7_ECX_UMIP	(1u << 2)

#endif /* SV_X86_H */
