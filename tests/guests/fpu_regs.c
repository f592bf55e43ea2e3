/*
 * fpu_regs: a domain's x87, MMX and SSE registers are its own.
 *
 * Each round fills the FPU with this domain's pattern, then lets the
 * hypervisor run others while the values are live, and checks after
 * every return that the whole FPU state (fpu.h's fpu_dump: every
 * register, the control, status and tag words, MXCSR, the last
 * instruction's pointers) is byte for byte what it was. The rounds
 * alternate between two fillings:
 *
 *   MMX   mm0-mm7 with movq
 *   x87   fninit, a control word of our own (rounding and precision),
 *         then st7..st0 pushed with fldt
 *
 * and xmm0-xmm7 (movups) with an MXCSR of our own (rounding, flush to
 * zero) in both, where the CPU has SSE. Then one of four ways to give
 * up the CPU, with the values live:
 *
 *   yield     SV_OP_YIELD, three times
 *   sleep     the timer, SV_OP_BLOCK, the timer's upcall
 *   preempt   spin, checking all along, until the timer has taken the
 *             CPU away twice (a gap in rdtsc a hundred times the
 *             loop's shortest turn) or 100 ms have passed
 *   upcall    arm the timer and spin, checking all along, until its
 *             upcall has come and gone
 *
 * Every word of the pattern carries its domain, (0xD0 + domid) in its
 * top byte, so a failed check says whose value it found:
 *
 *   check failed (line N): after yield, round 3: xmm2 word 1 is 0xd2030a5a
 *   (domain 2's), expected 0xd1030a5a
 *
 * At the end: "fpu_regs: 16 rounds, N checks, P preemptions seen".
 *
 *   module line: fpu_regs.elf name=NAME [rounds=16]
 */
#include "xtf.h"
#include "fpu.h"

#define MS		1000000ull
#define PREEMPT_MAX	(100 * MS)

enum filling { FILL_MMX, FILL_X87 };
enum pause { PAUSE_YIELD, PAUSE_SLEEP, PAUSE_PREEMPT, PAUSE_UPCALL, PAUSES };

static struct fpu_features feat;
static struct fpu_image want, got;
static uint32_t domid, checks, preemptions;
static volatile uint32_t timer_upcalls;

static uint64_t mm_vals[8];
static uint8_t st_vals[8][10];
static uint32_t xmm_vals[8][4];

/* Word slot of round r: this domain's, and recognisable as such. */
static uint32_t pattern(uint32_t dom, uint32_t round, uint32_t slot)
{
	return (0xD0u + dom) << 24 | (round & 0xFF) << 16 | (slot & 0xFF) << 8 | 0x5A;
}

static void on_event(uint32_t port)
{
	if (port == SV_PORT_TIMER)
		timer_upcalls++;
}

/* The name of the image field at byte offset at, e.g. "xmm3 word 2". */
static void field_name(uint32_t at, char *buf, size_t size)
{
	static const char *const head[8] = { "fcw/fsw", "ftw/fop", "fip", "fcs",
					     "fdp", "fds", "mxcsr", "mxcsr_mask" };
	if (!feat.fxsr)
		snprintf(buf, size, at < 28 ? "environment byte %u" : "st%u byte %u",
			 at < 28 ? at : (at - 28) / 10, (at - 28) % 10);
	else if (at < 32)
		snprintf(buf, size, "%s", head[at / 4]);
	else if (at < 160)
		snprintf(buf, size, "st%u/mm%u word %u", (at - 32) / 16, (at - 32) / 16,
			 (at % 16) / 4);
	else
		snprintf(buf, size, "xmm%u word %u", (at - 160) / 16, (at % 16) / 4);
}

/* Whose pattern word w is, or -1. */
static int whose(uint32_t w)
{
	return (w >> 28) == 0xD && (w & 0xFF) == 0x5A ? (int)((w >> 24) & 0xF) : -1;
}

/* The FPU state must be exactly as fill() left it. */
static bool still_ours(const char *when, uint32_t round)
{
	checks++;
	fpu_dump(&got, feat.fxsr);
	uint32_t used = fpu_image_used(feat.fxsr);
	if (!feat.fxsr) {
		/* QEMU's frstor does not load the last instruction's and
		 * operand's pointers (fnsave's bytes 12-27): after our own
		 * fnsave+frstor they read 0 even with no switch at all. So
		 * without FXSR they are left out of the comparison. */
		memset(&got.b[FN_POINTERS], 0, FN_POINTERS_LEN);
		memset(&want.b[FN_POINTERS], 0, FN_POINTERS_LEN);
	}
	if (memcmp(&got, &want, used) == 0)
		return true;
	/* Say what differs: the first few words, with whose value they hold. */
	for (uint32_t at = 0, told = 0; at < used && told < 4; at += 4) {
		uint32_t g = get32(&got, at), w = get32(&want, at);
		if (g == w)
			continue;
		told++;
		char field[32], owner[24] = "";
		field_name(at, field, sizeof(field));
		if (whose(g) >= 0 && whose(g) != (int)domid)
			snprintf(owner, sizeof(owner), " (domain %d's)", whose(g));
		CHECK(false, "after %s, round %u: %s is %#x%s, expected %#x", when, round, field,
		      g, owner, w);
	}
	return false;
}

static void make_values(uint32_t round)
{
	for (uint32_t i = 0; i < 8; i++) {
		mm_vals[i] = (uint64_t)pattern(domid, round, 2 * i) << 32 |
			     pattern(domid, round, 2 * i + 1);
		/* An 80-bit normal: the 64-bit significand (its top bit, the
		 * explicit integer bit, is set: 0xD.. is), a positive
		 * exponent near 1.0. */
		uint64_t significand = (uint64_t)pattern(domid, round, 16 + 2 * i) << 32 |
				       pattern(domid, round, 17 + 2 * i);
		uint16_t exponent = (uint16_t)(0x3FFF + i);
		memcpy(st_vals[i], &significand, 8);
		memcpy(st_vals[i] + 8, &exponent, 2);
		for (uint32_t w = 0; w < 4; w++)
			xmm_vals[i][w] = pattern(domid, round, 32 + 4 * i + w);
	}
}

/* Fill the FPU with this round's pattern; want = its picture. */
static void fill(enum filling how, uint32_t round)
{
	uint32_t mxcsr = MXCSR_INIT | ((domid + round) & 3) << 13 | (round & 1) << 15;
	uint16_t fcw = (uint16_t)((FCW_INIT & ~0x0F00u) | ((domid + round) & 3) << 10 |
				  (round & 1 ? 0x200u : 0x300u));

	make_values(round);
	if (feat.sse) {
		__asm__ volatile("movups 0(%0), %%xmm0\n movups 16(%0), %%xmm1\n"
				 "movups 32(%0), %%xmm2\n movups 48(%0), %%xmm3\n"
				 "movups 64(%0), %%xmm4\n movups 80(%0), %%xmm5\n"
				 "movups 96(%0), %%xmm6\n movups 112(%0), %%xmm7\n"
				 "ldmxcsr %1"
				 : : "r"(xmm_vals), "m"(mxcsr) : "memory");
	}
	if (how == FILL_MMX) {
		__asm__ volatile("movq 0(%0), %%mm0\n movq 8(%0), %%mm1\n"
				 "movq 16(%0), %%mm2\n movq 24(%0), %%mm3\n"
				 "movq 32(%0), %%mm4\n movq 40(%0), %%mm5\n"
				 "movq 48(%0), %%mm6\n movq 56(%0), %%mm7\n"
				 : : "r"(mm_vals) : "memory");
	} else {
		__asm__ volatile("fninit\n fldcw %0" : : "m"(fcw));
		for (int i = 7; i >= 0; i--)	/* st7 first: st0 is pushed last */
			__asm__ volatile("fldt %0" : : "m"(st_vals[i]));
	}
	fpu_dump(&want, feat.fxsr);

	/* The picture must show what was loaded: else the comparisons after
	 * would prove nothing. */
	for (uint32_t i = 0; i < 8; i++) {
		uint32_t st = feat.fxsr ? FX_ST(i) : FN_ST(i);
		if (how == FILL_MMX)
			CHECK(memcmp(&want.b[st], &mm_vals[i], 8) == 0, "mm%u not loaded", i);
		else
			CHECK(memcmp(&want.b[st], st_vals[i], 10) == 0, "st%u not loaded", i);
		if (feat.sse)
			CHECK(memcmp(&want.b[FX_XMM(i)], xmm_vals[i], 16) == 0, "xmm%u not loaded", i);
	}
	if (feat.sse)
		CHECK_EQ(get32(&want, FX_MXCSR), mxcsr);
	if (how == FILL_X87)
		CHECK_EQ(get16(&want, feat.fxsr ? FX_FCW : FN_FCW), fcw);
}

/* Spin, checking, until the timer has preempted us twice (or the time
 * is up); count the preemptions. */
static void spin_until_preempted(uint32_t round)
{
	uint64_t end = sv_now() + PREEMPT_MAX, shortest = ~0ull, last = rdtsc();
	uint32_t seen = 0;

	while (seen < 2 && sv_now() < end) {
		if (!still_ours("preempt", round))
			return;
		uint64_t now = rdtsc(), turn = now - last;
		last = now;
		if (turn < shortest)
			shortest = turn;
		else if (turn > 100 * shortest)
			seen++;
	}
	preemptions += seen;
}

static void spin_until_upcall(uint32_t round)
{
	uint32_t before = timer_upcalls;
	CHECK_RC(sv_timer_set(sv_now() + 5 * MS), SV_OK);
	while (timer_upcalls == before)
		if (!still_ours("upcall", round))
			return;
	still_ours("upcall", round);
}

int main(const struct sv_start_info *si)
{
	uint32_t rounds = sv_cmdline_uint("rounds", 16);

	domid = si->domid;
	feat = fpu_features();
	printf("fpu_regs: domain %u, %s%s%s\n", domid, feat.mmx ? "MMX " : "",
	       feat.fxsr ? "fxsave" : "fnsave", feat.sse ? ", SSE" : "");
	events_init(on_event);

	for (uint32_t r = 0; r < rounds; r++) {
		enum filling how = feat.mmx && r % 2 == 0 ? FILL_MMX : FILL_X87;
		enum pause pause = (enum pause)(r / 2 % PAUSES);
		fill(how, r);
		switch (pause) {
		case PAUSE_YIELD:
			for (int i = 0; i < 3; i++) {
				CHECK_RC(sv_yield(), SV_OK);
				still_ours("yield", r);
			}
			break;
		case PAUSE_SLEEP:
			sv_sleep_ns(10 * MS);
			still_ours("sleep", r);
			break;
		case PAUSE_PREEMPT:
			spin_until_preempted(r);
			break;
		case PAUSE_UPCALL:
			spin_until_upcall(r);
			break;
		case PAUSES:
			break;
		}
	}
	printf("fpu_regs: %u rounds, %u checks, %u preemptions seen\n", rounds, checks,
	       preemptions);
	CHECK(preemptions > 0, "the timer never preempted us while the FPU was live");
	return xtf_verdict("fpu_regs");
}
