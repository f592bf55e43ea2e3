/*
 * cpu_probe: the CPU state a guest can reach beyond its registers is
 * either its own or closed (docs/domains.md, section 6). One mode each:
 *
 *   mode=flags   eflags bits a guest may set for itself (AC, ID, NT, and
 *                the arithmetic ones) are still set after yields to
 *                another domain and after an upcall; IF and IOPL cannot
 *                be changed by popf and stay as the hypervisor set them
 *   mode=rdpmc   rdpmc: #GP (CR4.PCE is clear), the domain is killed
 *   mode=dr      mov %dr7, %eax: #GP (debug registers are ring 0's)
 *   mode=sgdt    sgdt: #GP where the CPU has UMIP; elsewhere it reads
 *                the hypervisor's GDT (the same fixed address for every
 *                domain), says so, and exits with status 3
 *
 * The faulting modes print "fault at 0xADDR" first, for the boot test.
 *
 *   module line: cpu_probe.elf name=NAME mode=flags|rdpmc|dr|sgdt
 */
#include "xtf.h"

#define EFLAGS_CF	(1u << 0)
#define EFLAGS_ZF	(1u << 6)
#define EFLAGS_IF	(1u << 9)
#define EFLAGS_IOPL	(3u << 12)
#define EFLAGS_NT	(1u << 14)
#define EFLAGS_AC	(1u << 18)
#define EFLAGS_ID	(1u << 21)
#define MS		1000000ull

extern const char rdpmc_at[], dr_at[], sgdt_at[];
static volatile uint32_t timer_upcalls;

static void on_event(uint32_t port)
{
	if (port == SV_PORT_TIMER)
		timer_upcalls++;
}

static uint32_t read_eflags(void)
{
	uint32_t f;
	__asm__ volatile("pushfl; popl %0" : "=r"(f));
	return f;
}

static void write_eflags(uint32_t f)
{
	__asm__ volatile("pushl %0; popfl" : : "r"(f) : "cc", "memory");
}

static void flags(void)
{
	const uint32_t ours = EFLAGS_AC | EFLAGS_ID | EFLAGS_NT | EFLAGS_CF | EFLAGS_ZF;
	uint32_t before = read_eflags();

	CHECK(before & EFLAGS_IF, "IF is clear at start: %#x", before);
	CHECK_EQ(before & EFLAGS_IOPL, 0);
	events_init(on_event);

	/* Set ours, and try for IOPL 3 and IF clear: popf in ring 3
	 * silently leaves those two alone. */
	write_eflags((before | ours | EFLAGS_IOPL) & ~EFLAGS_IF);
	uint32_t set = read_eflags();
	CHECK_EQ(set & ours, ours);
	CHECK_EQ(set & (EFLAGS_IOPL | EFLAGS_IF), EFLAGS_IF);

	/* Across switches to the other domains. The flags are read right
	 * after each return, before C code can change the arithmetic ones. */
	for (int i = 0; i < 3; i++) {
		uint32_t after;
		__asm__ volatile("pushfl; orl $0x40241, (%%esp); popfl\n"	/* AC NT ZF CF */
				 "int $0x82\n pushfl; popl %0"
				 : "=r"(after) : "a"(SV_OP_YIELD) : "cc", "memory");
		CHECK((after & ours) == ours, "after a yield: eflags %#x, expected %#x set",
		      after, ours);
	}
	/* Across an upcall: the timer fires while we spin with them set. */
	uint32_t seen = timer_upcalls;
	CHECK_RC(sv_timer_set(sv_now() + 5 * MS), SV_OK);
	uint32_t during = 0;
	while (timer_upcalls == seen)
		__asm__ volatile("pushfl; orl $0x40241, (%%esp); popfl\n"
				 "pushfl; popl %0" : "=r"(during) : : "cc");
	__asm__ volatile("pushfl; popl %0" : "=r"(during));
	CHECK((during & (EFLAGS_AC | EFLAGS_ID | EFLAGS_NT)) ==
	      (EFLAGS_AC | EFLAGS_ID | EFLAGS_NT),
	      "after an upcall: eflags %#x, expected AC, ID and NT set", during);
	write_eflags(before);
	printf("flags: AC, ID, NT kept across 3 yields and an upcall; IF and IOPL unchanged\n");
}

int main(const struct sv_start_info *si)
{
	(void)si;
	char mode[8] = "";
	uint32_t v = 0;
	struct { uint16_t limit; uint32_t base; } __attribute__((packed)) gdtr = { 0, 0 };

	sv_cmdline_get("mode", mode, sizeof(mode));
	if (strncmp(mode, "flags", sizeof(mode)) == 0) {
		flags();
		return xtf_verdict("cpu_probe");
	}
	if (strncmp(mode, "rdpmc", sizeof(mode)) == 0) {
		printf("fault at %p\n", (const void *)rdpmc_at);
		__asm__ volatile(".globl rdpmc_at\nrdpmc_at: rdpmc" : "=a"(v) : "c"(0) : "edx");
	} else if (strncmp(mode, "dr", sizeof(mode)) == 0) {
		printf("fault at %p\n", (const void *)dr_at);
		__asm__ volatile(".globl dr_at\ndr_at: mov %%dr7, %0" : "=r"(v));
	} else if (strncmp(mode, "sgdt", sizeof(mode)) == 0) {
		printf("fault at %p\n", (const void *)sgdt_at);
		__asm__ volatile(".globl sgdt_at\nsgdt_at: sgdt %0" : "=m"(gdtr));
		printf("no fault: sgdt reads base %#x limit %#x\n", gdtr.base, gdtr.limit);
		return 3;
	}
	CHECK(false, "mode=%s: still running (read %#x)", mode, v);
	return xtf_verdict("cpu_probe");
}
