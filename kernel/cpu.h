/*
 * cpu.h: what the CPU has, and what ring 3 may see of it (kernel/cpu.c).
 *
 * docs/domains.md has the table of every piece of CPU state a guest can
 * read or change, and what the hypervisor does with each; this is where
 * the control registers are set to match it.
 */
#ifndef SV_CPU_H
#define SV_CPU_H

#include <stdbool.h>
#include <stdint.h>

struct cpu_features {
	char vendor[13];	/* "GenuineIntel", "AuthenticAMD", ... */
	bool amd;
	bool fpu;	/* an x87 at all */
	bool mmx;
	bool fxsr;	/* fxsave/fxrstor */
	bool sse, sse2;
	bool umip;	/* CR4.UMIP: sgdt & co. can be closed to ring 3 */
	bool apic;	/* a local APIC (kernel/lapic.c): needed for more CPUs */
};

extern struct cpu_features cpu_features;

/* At boot, after the GDT and IDT: read CPUID, set CR0 and CR4 for
 * guests (UMIP on where there is one, rdpmc closed, no debug registers
 * armed), print one line. */
void cpu_init(void);
/* The same control-register settings on another CPU as it starts. */
void cpu_init_ap(void);

#endif /* SV_CPU_H */
