/*
 * fpu.c: each domain's own x87/MMX/SSE registers.
 *
 * A trap saves a guest's general registers (the trap frame) but not its
 * floating-point unit, and the hypervisor itself never uses the FPU (it
 * is built with -mgeneral-regs-only). So the FPU's registers stay as the
 * last guest left them until somebody saves them: without this file, a
 * value one domain left in mm0 is there for the next one to read.
 *
 * What is saved: the x87 control, status and tag words, its instruction
 * and operand pointers, st0-st7 (which are also mm0-mm7) and, with FXSR
 * and SSE, xmm0-xmm7 and MXCSR. fxsave/fxrstor where the CPU has them
 * (CPUID.1:EDX.FXSR), else fnsave/frstor, which know no SSE.
 *
 * When, eager (the default): on every switch from one domain to another,
 * sched.c calls fpu_switch, which saves the leaving domain's state and
 * loads the arriving one's: two instructions. Lazy (fpu=lazy, kept to
 * measure the difference): a switch only sets CR0.TS; the first FPU
 * instruction of a domain that is not the registers' owner traps (#NM),
 * and then the owner's state is saved and the domain's loaded.
 * docs/domains.md, section 6, gives the figures and why eager is the
 * default (it is also what Linux and Xen settled on after LazyFP,
 * CVE-2018-3665).
 *
 * x87 errors arrive as #MF (CR0.NE), SIMD errors as #XM (CR4.OSXMMEXCPT),
 * both in the guest that caused them, which trap.c then kills. None of
 * the save and restore instructions waits for a pending x87 error, so a
 * guest that leaves one pending is switched out and back in like any
 * other and meets its #MF at its own next x87 instruction.
 */
#include "cpu.h"
#include "domain.h"
#include "fpu.h"
#include "klib.h"
#include "x86.h"

#define FCW_INIT	0x037F	/* fninit's: every exception masked, 64-bit precision */
#define FTW_ALL_EMPTY	0xFFFF	/* fnsave's full tag word: 11 for each register */
#define MXCSR_INIT	0x1F80	/* every SIMD exception masked, round to nearest */
#define MXCSR_MASK_DEFAULT 0xFFBF	/* when fxsave says 0: all but DAZ */

static enum fpu_switching switching;
static struct fpu_state clean_state;	/* every new domain starts from this */
static struct domain *fpu_owner;	/* lazy: whose state the registers hold */
static uint32_t mxcsr_mask = MXCSR_MASK_DEFAULT;	/* MXCSR bits that are not reserved */

/*
 * The state fninit leaves (control word 0x037F, status 0, every
 * register empty, no last instruction), with the register contents
 * zeroed too (fninit leaves them as they were: mm0 would still read the
 * last value), and MXCSR at its power-on value. Built by hand rather
 * than saved from the CPU after fninit, so that nothing the firmware,
 * the boot loader or an earlier domain left can be in it.
 */
static void build_clean_state(struct fpu_state *s)
{
	memset(s, 0, sizeof(*s));
	if (cpu_features.fxsr) {
		s->fx.fcw = FCW_INIT;
		s->fx.ftw = 0;			/* abridged: 0 = all empty */
		s->fx.mxcsr = MXCSR_INIT;
	} else {
		s->fn.fcw = FCW_INIT;
		s->fn.ftw = FTW_ALL_EMPTY;
	}
}

static void fpu_save(struct fpu_state *s)
{
	if (cpu_features.fxsr) {
		fxsave(&s->fx);
		/* A real CPU refuses reserved MXCSR bits (#GP at the guest's
		 * ldmxcsr), but an emulator may not (QEMU 7.2 keeps them), and
		 * in our fxrstor they would be a #GP in ring 0. Drop them. */
		s->fx.mxcsr &= mxcsr_mask;
	} else {
		fnsave(&s->fn);	/* also reinitialises the FPU: harmless here */
	}
}

static void fpu_restore(const struct fpu_state *s)
{
	if (cpu_features.fxsr && cpu_features.amd) {
		/* AMD's fxrstor loads the last instruction's pointers and
		 * opcode only when an x87 error is pending, so otherwise the
		 * previous domain's would stay visible. Point them at the
		 * hypervisor first, as Linux and Xen do (CVE-2006-1056):
		 * clear pending errors, free a slot, execute one x87 load. */
		static const uint32_t zero;
		__asm__ volatile("fnclex\n ffree %%st(7)\n fildl %0" : : "m"(zero));
	}
	if (cpu_features.fxsr) {
		fxrstor(&s->fx);
	} else {
		/* fninit first: QEMU's frstor leaves the last instruction's
		 * pointers as they were, which after a domain's death (no
		 * fnsave, which would have reset them) are the dead one's. */
		__asm__ volatile("fninit");
		frstor(&s->fn);
	}
}

/* The FPU's control bits on this CPU (the boot CPU, then each other). */
static void set_control_bits(void)
{
	uint32_t cr0 = read_cr0() & ~(CR0_EM | CR0_TS);

	if (!cpu_features.fpu) {
		/* Nothing to share, nothing to save: every FPU instruction
		 * faults in the guest that tries it. */
		write_cr0(cr0 | CR0_EM);
		return;
	}
	/* NE: x87 errors are #MF in the guest, not IRQ 13 through the PIC.
	 * MP: with TS set, fwait traps too (lazy switching needs that). */
	write_cr0(cr0 | CR0_MP | CR0_NE);
	if (cpu_features.fxsr)
		write_cr4(read_cr4() | CR4_OSFXSR | (cpu_features.sse ? CR4_OSXMMEXCPT : 0));
}

void fpu_init_ap(void)
{
	set_control_bits();
}

void fpu_init(enum fpu_switching how)
{
	switching = how;
	set_control_bits();
	if (!cpu_features.fpu) {
		printk("fpu: none on this CPU; a guest's FPU instruction is a fault\n");
		return;
	}
	if (cpu_features.fxsr) {
		/* Which MXCSR bits exist (SDM vol. 1, 11.6.6): fxsave says. */
		fxsave(&clean_state.fx);
		if (clean_state.fx.mxcsr_mask)
			mxcsr_mask = clean_state.fx.mxcsr_mask;
	}
	build_clean_state(&clean_state);	/* over what that fxsave left */
	printk("fpu: %s state per domain (%s), %s switching\n",
	       cpu_features.sse ? "x87/MMX/SSE" : cpu_features.mmx ? "x87/MMX" : "x87",
	       cpu_features.fxsr ? "fxsave/fxrstor" : "fnsave/frstor",
	       how == FPU_LAZY ? "lazy (CR0.TS, on #NM)" : "eager");
}

void fpu_state_init(struct fpu_state *s)
{
	*s = clean_state;
}

void fpu_switch(struct domain *from, struct domain *to)
{
	if (!cpu_features.fpu)
		return;
	if (switching == FPU_EAGER) {
		if (from)
			fpu_save(&from->fpu);
		fpu_restore(&to->fpu);
		return;
	}
	/* Lazy: the registers stay with their owner; anyone else traps on
	 * its first FPU instruction. */
	uint32_t cr0 = read_cr0();
	uint32_t want = to == fpu_owner ? cr0 & ~CR0_TS : cr0 | CR0_TS;
	if (want != cr0)
		write_cr0(want);
}

void fpu_leave(struct domain *d)
{
	if (cpu_features.fpu && switching == FPU_EAGER)
		fpu_save(&d->fpu);
	/* Lazy (one CPU only): the registers stay with their owner. */
}

void fpu_smp(uint32_t cpus)
{
	if (switching != FPU_LAZY)
		return;
	/* A domain's registers could stay behind in another CPU's FPU. */
	switching = FPU_EAGER;
	printk("fpu: lazy switching is for one CPU; eager with %u\n", cpus);
}

bool fpu_device_not_available(struct domain *d)
{
	if (!cpu_features.fpu || switching != FPU_LAZY)
		return false;	/* EM (no FPU), or a TS we never set: the guest's fault */
	clts();
	if (fpu_owner != d) {
		if (fpu_owner)
			fpu_save(&fpu_owner->fpu);
		fpu_restore(&d->fpu);
		fpu_owner = d;
	}
	return true;
}

void fpu_domain_dies(struct domain *d)
{
	if (fpu_owner == d)
		fpu_owner = NULL;	/* the registers are nobody's: the next user loads its own */
	memset(&d->fpu, 0, sizeof(d->fpu));
}

const char *fpu_check(void)
{
	uint32_t cr0 = read_cr0(), cr4 = read_cr4();

	if (!cpu_features.fpu)
		return cr0 & CR0_EM ? NULL : "CR0.EM is clear on a CPU without an FPU";
	if (cr0 & CR0_EM)
		return "CR0.EM is set: guests' FPU instructions would fault";
	if (!(cr0 & CR0_NE))
		return "CR0.NE is clear: x87 errors would reach the PIC, not the guest";
	if (cpu_features.fxsr && !(cr4 & CR4_OSFXSR))
		return "CR4.OSFXSR is clear: fxsave would not save the SSE registers";
	if (switching == FPU_EAGER && (cr0 & CR0_TS))
		return "CR0.TS is set with eager switching";
	return NULL;
}
