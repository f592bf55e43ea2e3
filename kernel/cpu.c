/*
 * cpu.c: the CPU's features, and the control-register bits that decide
 * what a ring-3 guest can see of the machine beyond its own registers.
 *
 *   rdtsc      open (CR4.TSD clear): guests keep time from the TSC, as
 *              Xen's do (section 4 of include/sharevisor.h)
 *   rdpmc      closed (CR4.PCE clear): a #GP in ring 3
 *   sgdt, sidt, sldt, smsw, str
 *              closed (CR4.UMIP) where the CPU has UMIP; elsewhere they
 *              read the same fixed hypervisor values in every domain
 *   eflags.AC  no effect (CR0.AM clear): no alignment checks
 *   dr0-dr7    never armed (dr7 = 0); mov to or from them is a #GP in
 *              ring 3
 *
 * The floating-point unit is kernel/fpu.c's. docs/domains.md, section 6,
 * is the whole table.
 */
#include "cpu.h"
#include "klib.h"
#include "x86.h"

struct cpu_features cpu_features;

static void read_features(struct cpu_features *f)
{
	uint32_t max, a, b, c, d;

	cpuid(0, &max, &b, &c, &d);
	memcpy(f->vendor, &b, 4);
	memcpy(f->vendor + 4, &d, 4);
	memcpy(f->vendor + 8, &c, 4);
	f->vendor[12] = '\0';
	f->amd = strncmp(f->vendor, "AuthenticAMD", sizeof(f->vendor)) == 0;
	if (max >= 1) {
		cpuid(1, &a, &b, &c, &d);
		f->fpu = d & CPUID1_EDX_FPU;
		f->mmx = d & CPUID1_EDX_MMX;
		f->fxsr = d & CPUID1_EDX_FXSR;
		f->sse = f->fxsr && (d & CPUID1_EDX_SSE);
		f->sse2 = f->sse && (d & CPUID1_EDX_SSE2);
		f->apic = d & CPUID1_EDX_APIC;
	}
	if (max >= 7) {
		cpuid(7, &a, &b, &c, &d);
		f->umip = c & CPUID7_ECX_UMIP;
	}
}

/* What ring 3 may see of this CPU: every CPU gets the same. */
static void set_control_registers(void)
{
	uint32_t cr4 = read_cr4() & ~(CR4_TSD | CR4_PCE);
	if (cpu_features.umip)
		cr4 |= CR4_UMIP;
	write_cr4(cr4);
	write_cr0(read_cr0() & ~CR0_AM);
	write_dr7(0);	/* whatever the firmware or boot loader left armed */
}

void cpu_init_ap(void)
{
	set_control_registers();
}

void cpu_init(void)
{
	read_features(&cpu_features);
	set_control_registers();

	printk("cpu: %s, %s%s%s%s%s; rdtsc open, rdpmc closed; sgdt, sidt, sldt, smsw, str %s\n",
	       cpu_features.vendor, cpu_features.fpu ? "x87" : "no x87", cpu_features.mmx ? " MMX" : "",
	       cpu_features.fxsr ? " FXSR" : "", cpu_features.sse ? " SSE" : "",
	       cpu_features.sse2 ? " SSE2" : "",
	       cpu_features.umip ? "closed (UMIP)" : "open (no UMIP on this CPU)");
}
