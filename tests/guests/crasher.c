/*
 * crasher: a guest that does one forbidden thing, to show that the
 * hypervisor kills that domain alone (with the right exception in its
 * report) and every other domain carries on.
 *
 *   module line: crasher.elf name=NAME crash=KIND
 *
 * KIND              what it does                    expected death
 *   hvwrite         writes to 0xC0100000            #PF, cr2=0xc0100000
 *   cli, hlt        privileged instructions         #GP
 *   out             outb to port 0xf4               #GP (no I/O ports in ring 3)
 *   cr3             mov to cr3                      #GP
 *   int80           int $0x80 (gate for ring 0)     #GP, err=0x402
 *   div0            divl by zero                    #DE
 *   jump            calls 0x30000000 (unmapped)     #PF, cr2=0x30000000
 *   stackoverflow   unbounded recursion             #PF, cr2 below 0x003F8000
 *   badstack        sends itself an event with esp in the read-only
 *                   start-info page: no room for the upcall frame
 *   badreturn       SV_OP_EVENT_RETURN with a frame in hypervisor memory
 *
 * It first yields once, so that its neighbours are running when it dies.
 * If it survives, it says so and exits with status 2.
 */
#include "sv.h"

static void do_hvwrite(void)
{
	*(volatile uint32_t *)0xC0100000u = 0xDEADBEEF;
}

static void do_cli(void) { __asm__ volatile("cli"); }
static void do_hlt(void) { __asm__ volatile("hlt"); }
static void do_out(void) { __asm__ volatile("outb %%al, $0xf4" : : "a"(0)); }
static void do_cr3(void) { __asm__ volatile("movl %0, %%cr3" : : "r"(0u)); }
static void do_int80(void) { __asm__ volatile("int $0x80"); }

/* C division by a constant zero is undefined and GCC drops it: divide
 * in assembly, by a register that holds zero. */
static void do_div0(void)
{
	uint32_t lo = 1, hi = 0, divisor = 0;
	__asm__ volatile("divl %2" : "+a"(lo), "+d"(hi) : "c"(divisor));
}

static void do_jump(void)
{
	void (*nowhere)(void) = (void (*)(void))0x30000000u;
	nowhere();
}

/* Each call takes a frame of 256 bytes and more; it stops only at a depth
 * the compiler cannot see, so it cannot turn the recursion into a loop. */
static volatile uint32_t max_depth = 0xFFFFFFFFu;

static __attribute__((noinline)) uint32_t recurse(uint32_t depth)
{
	volatile uint8_t frame[256];
	frame[0] = (uint8_t)depth;
	if (depth == max_depth)
		return 0;
	return recurse(depth + 1) + frame[0];
}

static void do_stackoverflow(void)
{
	recurse(0);
}

/* With esp in a read-only page, send ourselves an event: the hypervisor
 * finds no room for the upcall frame as the hypercall returns. (The
 * hypercall itself needs no guest stack: the CPU switches to the
 * hypervisor's.) */
static void ignore(uint32_t port) { (void)port; }

static void do_badstack(void)
{
	events_init(ignore);
	__asm__ volatile("movl %0, %%esp\n"
			 "int $0x82\n"
			 "1: jmp 1b"
			 : : "i"(SV_START_INFO + 0x800), "a"(SV_OP_EVENT_SEND),
			   "b"(SV_DOMID_SELF), "c"(SV_PORT_FIRST_FREE) : "memory");
}

static void do_badreturn(void)
{
	sv_hypercall(SV_OP_EVENT_RETURN, 0xC0000000u, 0, 0, 0, 0);
}

static const struct {
	const char *kind;
	void (*crash)(void);
} kinds[] = {
	{ "hvwrite", do_hvwrite }, { "cli", do_cli }, { "hlt", do_hlt },
	{ "out", do_out }, { "cr3", do_cr3 }, { "int80", do_int80 },
	{ "div0", do_div0 }, { "jump", do_jump },
	{ "stackoverflow", do_stackoverflow }, { "badstack", do_badstack },
	{ "badreturn", do_badreturn },
};

int main(const struct sv_start_info *si)
{
	char kind[16] = "";

	sv_cmdline_get("crash", kind, sizeof(kind));
	for (uint32_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strncmp(kind, kinds[i].kind, sizeof(kind)) != 0)
			continue;
		printf("about to crash: %s\n", kind);
		sv_yield();
		kinds[i].crash();
		printf("survived %s\n", kind);
		return 2;
	}
	printf("%s: unknown crash kind '%s'\n", si->name, kind);
	return 3;
}
