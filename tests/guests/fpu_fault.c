/*
 * fpu_fault: a guest's floating-point faults are its own. Each mode ends
 * in one fault, which kills this domain and nobody else:
 *
 *   mode=mf       x87 division by zero with ZE unmasked: the error waits
 *                 in the status word (pending) across three yields, in
 *                 which other domains use the FPU, and fires as #MF
 *                 (vector 16) at our fwait, not in a neighbour and not
 *                 in the hypervisor's save or restore
 *   mode=xm       SSE division by zero with ZM unmasked in MXCSR: #XM
 *                 (vector 19) at the divss
 *   mode=mxcsr    ldmxcsr with MXCSR's reserved bits set: #GP (13), so
 *                 a guest cannot put such a value in its saved state
 *   mode=fxrstor  the same through fxrstor of an image of its own with a
 *                 reserved MXCSR: #GP, the only way a guest could ask
 *                 for an fxrstor that faults is its own
 *
 * Before faulting it prints "fault at 0xADDR", the address of the
 * instruction that must fault; tests/boot_tests.py checks the
 * hypervisor's report names that eip.
 *
 * An emulator may not model a fault: QEMU 7.2's TCG raises no #XM and
 * takes reserved MXCSR bits without a #GP. Then the guest says so
 * ("no fault: ..." with what MXCSR reads back), yields three times so
 * that the hypervisor saves and restores that state, and exits with
 * status 3; the boot test expects that under QEMU and the fault under
 * Bochs, which models them all. Under QEMU the reserved bits do reach
 * MXCSR (0xffff1f80), and the hypervisor drops them when it saves the
 * state (kernel/fpu.c), so after the switches MXCSR reads 0x1f80: the
 * one value that could have made its fxrstor fault never reaches it.
 *
 *   module line: fpu_fault.elf name=NAME mode=mf|xm|mxcsr|fxrstor
 */
#include "xtf.h"
#include "fpu.h"

/* The faulting instructions, each at a label whose address is printed. */
extern const char mf_at[], xm_at[], mxcsr_at[], fxrstor_at[];
static const double zero_d = 0.0;
static const float zero_f = 0.0f, one_f = 1.0f;
static const uint16_t fcw_ze_unmasked = FCW_INIT & ~0x0004;
static const uint32_t mxcsr_zm_unmasked = MXCSR_INIT & ~0x0200;
static const uint32_t mxcsr_reserved = 0xFFFF0000u | MXCSR_INIT;
static struct fpu_image img;

static void x87_pending_error(void)
{
	uint16_t sw;
	__asm__ volatile("fninit\n fldcw %1\n fld1\n fdivl %2\n fnstsw %0"
			 : "=m"(sw) : "m"(fcw_ze_unmasked), "m"(zero_d));
	/* ZE (bit 2) and ES (bit 7): an unmasked error waits. */
	printf("x87 status %#x after 1/0: error pending\n", sw);
	for (int i = 0; i < 3; i++)
		sv_yield();	/* switched out and in with the error pending */
	printf("fault at %p\n", (const void *)mf_at);
	__asm__ volatile(".globl mf_at\nmf_at: fwait");
}

static void sse_error(void)
{
	printf("fault at %p\n", (const void *)xm_at);
	__asm__ volatile("ldmxcsr %0\n movss %1, %%xmm0\n"
			 ".globl xm_at\nxm_at: divss %2, %%xmm0"
			 : : "m"(mxcsr_zm_unmasked), "m"(one_f), "m"(zero_f));
}

static void reserved_mxcsr(void)
{
	printf("fault at %p\n", (const void *)mxcsr_at);
	__asm__ volatile(".globl mxcsr_at\nmxcsr_at: ldmxcsr %0" : : "m"(mxcsr_reserved));
}

static void reserved_mxcsr_fxrstor(void)
{
	__asm__ volatile("fxsave %0" : "=m"(img));
	memcpy(&img.b[FX_MXCSR], &mxcsr_reserved, 4);
	printf("fault at %p\n", (const void *)fxrstor_at);
	__asm__ volatile(".globl fxrstor_at\nfxrstor_at: fxrstor %0" : : "m"(img));
}

int main(const struct sv_start_info *si)
{
	(void)si;
	char mode[12] = "";
	struct fpu_features f = fpu_features();

	sv_cmdline_get("mode", mode, sizeof(mode));
	if (strncmp(mode, "mf", sizeof(mode)) == 0)
		x87_pending_error();
	else if (!f.sse)
		printf("no SSE on this CPU: mode %s needs it\n", mode);
	else if (strncmp(mode, "xm", sizeof(mode)) == 0)
		sse_error();
	else if (strncmp(mode, "mxcsr", sizeof(mode)) == 0)
		reserved_mxcsr();
	else if (strncmp(mode, "fxrstor", sizeof(mode)) == 0)
		reserved_mxcsr_fxrstor();
	uint32_t mxcsr;
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	printf("no fault: mode=%s ran on, MXCSR reads %#x\n", mode, mxcsr);
	for (int i = 0; i < 3; i++)
		sv_yield();	/* the hypervisor saves and restores this state */
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	printf("no fault: after three switches MXCSR reads %#x\n", mxcsr);
	return 3;
}
