/*
 * fpu_fresh: a domain starts with a clean FPU, whatever ran before it.
 *
 *   role=dirty   fill every FPU register and the control words with
 *                0xDE.. patterns, then end: end=exit (SV_OP_EXIT),
 *                end=fault (ud2: killed with its FPU live) or end=yield
 *                (yield first, so that the next domain starts while
 *                this one still holds live values, then exit)
 *   role=fresh   first thing, before any FPU instruction but the
 *                picture itself: the whole FPU state (fpu.h) must be
 *                fninit's, with every register zero and MXCSR 0x1F80
 *                (include/sharevisor.h, section 2)
 *
 * Round robin runs the modules in order, so a fresh domain placed after
 * a dirty one first runs when the dirty one has ended (or yielded):
 * tests/boot_tests.py checks that order in the log. The fresh domain
 * prints "fresh: starting" (a hypercall, no FPU) before it looks.
 *
 *   module line: fpu_fresh.elf name=NAME role=dirty|fresh [end=exit|fault|yield]
 */
#include "xtf.h"
#include "fpu.h"

static struct fpu_image got, clean;

static void dirty(void)
{
	static const uint8_t junk[16] __attribute__((aligned(16))) = {
		0xDE, 0xAD, 0xBE, 0xEF, 0xDE, 0xAD, 0xBE, 0xEF,
		0xDE, 0xAD, 0xBE, 0xEF, 0xDE, 0xAD, 0x3F, 0xFF };
	static const uint16_t fcw = 0x0C7A;	/* round to zero, ZE unmasked */
	static const uint32_t mxcsr = 0x6F80;	/* round to zero, PM unmasked */
	struct fpu_features f = fpu_features();
	char end[8] = "exit";

	sv_cmdline_get("end", end, sizeof(end));
	__asm__ volatile("fninit\n fldcw %0" : : "m"(fcw));
	for (int i = 0; i < 8; i++)
		__asm__ volatile("fldt %0" : : "m"(junk));
	if (f.sse)
		__asm__ volatile("movaps %0, %%xmm0\n movaps %%xmm0, %%xmm1\n"
				 "movaps %%xmm0, %%xmm2\n movaps %%xmm0, %%xmm3\n"
				 "movaps %%xmm0, %%xmm4\n movaps %%xmm0, %%xmm5\n"
				 "movaps %%xmm0, %%xmm6\n movaps %%xmm0, %%xmm7\n"
				 "ldmxcsr %1" : : "m"(junk), "m"(mxcsr));
	printf("dirty: FPU filled, ending by %s\n", end);
	if (strncmp(end, "fault", sizeof(end)) == 0)
		__asm__ volatile("ud2");
	if (strncmp(end, "yield", sizeof(end)) == 0)
		sv_yield();
	sv_exit(0);
}

static int fresh(void)
{
	struct fpu_features f = fpu_features();

	printf("fresh: starting\n");
	fpu_dump(&got, f.fxsr);

	/* What fninit leaves, every register zero, MXCSR at its default. */
	memset(&clean, 0, sizeof(clean));
	if (f.fxsr) {
		memcpy(&clean.b[FX_FCW], &(uint16_t){ FCW_INIT }, 2);
		if (f.sse)
			memcpy(&clean.b[FX_MXCSR], &(uint32_t){ MXCSR_INIT }, 4);
		else
			memcpy(&clean.b[FX_MXCSR], &got.b[FX_MXCSR], 4);	/* no MXCSR */
		memcpy(&clean.b[FX_MXCSR + 4], &got.b[FX_MXCSR + 4], 4);	/* the CPU's mask */
	} else {
		/* fnsave's 32-bit fields have 16 bits each; the upper halves
		 * are the CPU's to fill. */
		memcpy(&clean.b[FN_FCW], &(uint16_t){ FCW_INIT }, 2);
		memcpy(&clean.b[FN_FTW], &(uint16_t){ 0xFFFF }, 2);	/* all empty */
		for (uint32_t at = 2; at < FN_POINTERS; at += 4)
			memcpy(&clean.b[at], &got.b[at], 2);
	}
	uint32_t used = fpu_image_used(f.fxsr);
	for (uint32_t at = 0, told = 0; at < used && told < 4; at += 4) {
		uint32_t g = get32(&got, at), w = get32(&clean, at);
		if (g != w) {
			CHECK(false, "byte %u of the %s image is %#x, expected %#x", at,
			      f.fxsr ? "fxsave" : "fnsave", g, w);
			told++;
		}
	}
	printf("fresh: %u bytes of FPU state checked\n", used);
	return xtf_verdict("fpu_fresh");
}

int main(const struct sv_start_info *si)
{
	(void)si;
	char role[8] = "";
	sv_cmdline_get("role", role, sizeof(role));
	if (strncmp(role, "dirty", sizeof(role)) == 0)
		dirty();
	return fresh();
}
