/*
 * hc_good: every hypercall, called with good arguments, does and returns
 * what include/sharevisor.h says. Run as domain 0 (domain_list and
 * mem_info are domain 0 only) with one other guest beside it, whose name
 * and memory it is told:
 *
 *   module line: hc_good.elf name=NAME peer=PEERNAME [peer_mem=1M]
 *
 * Last, an upcall that interrupts a loop restores every register (see
 * test_upcall_registers).
 *
 * It also prints two things that tests/boot_tests.py checks in the log:
 * the line "abcdef", written in two pieces (the console joins a partial
 * line), and exactly 16 lines of 63 '=' (a console write of
 * SV_CONSOLE_MAX + 100 bytes takes only the first SV_CONSOLE_MAX).
 */
#include "xtf.h"

#define MS	1000000ull
#define NONE	0xFFFFFFFFu

void upcall_entry(void);	/* guests/lib/upcall.asm: the library's callback */

/* ---- the event handler: how often each port arrived, and the last one */

static volatile uint32_t count[SV_NR_PORTS];
static volatile uint32_t last_port = NONE;

static void on_event(uint32_t port)
{
	count[port]++;
	last_port = port;
}

static bool pending(uint32_t port)
{
	return shared_info->event_pending & (1u << port);
}

/* ---- domain 0's view of the domains and of memory */

static void test_domain_list(const struct sv_start_info *si)
{
	struct sv_domain_info info[SV_MAX_DOMAINS], untouched;
	char peer[SV_NAME_MAX] = "";
	uint32_t peer_mem = sv_cmdline_uint("peer_mem", SV_MEM_DEFAULT);

	sv_cmdline_get("peer", peer, sizeof(peer));
	memset(info, 0xAA, sizeof(info));
	memset(&untouched, 0xAA, sizeof(untouched));

	int32_t n = sv_domain_list(info, SV_MAX_DOMAINS);
	if (!CHECK_EQ(n, 2))
		return;
	/* This domain: id 0, running, its memory plus start- and shared-info. */
	CHECK_EQ(info[0].domid, 0);
	CHECK_EQ(info[0].state, SV_DOM_RUNNABLE);
	CHECK(strncmp(info[0].name, si->name, SV_NAME_MAX) == 0,
	      "entry 0 is named '%.16s', expected '%s'", info[0].name, si->name);
	/* Past the names' NULs, zeros: nothing of the hypervisor's stack. */
	for (uint32_t i = 0; i < 2; i++) {
		const char *names[2] = { si->name, info[i].name };
		const char *nm = names[i];
		uint32_t len = (uint32_t)strnlen(nm, SV_NAME_MAX), junk = 0;
		for (uint32_t k = len; k < SV_NAME_MAX; k++)
			junk += nm[k] != 0;
		CHECK(junk == 0, "%s name '%.16s': %u non-zero bytes after its end",
		      i ? "the domain list's" : "the start-info", nm, junk);
	}
	CHECK(info[0].pages >= si->mem_bytes / SV_PAGE_SIZE + 2,
	      "entry 0 holds %u pages, expected at least %u", info[0].pages,
	      si->mem_bytes / SV_PAGE_SIZE + 2);
	/* The peer: it has not finished yet (it yields after every line). */
	CHECK_EQ(info[1].domid, 1);
	CHECK_EQ(info[1].state, SV_DOM_RUNNABLE);
	CHECK_EQ(info[1].exit_status, 0);
	CHECK(strncmp(info[1].name, peer, SV_NAME_MAX) == 0,
	      "entry 1 is named '%.16s', expected '%s'", info[1].name, peer);
	CHECK(info[1].pages >= peer_mem / SV_PAGE_SIZE + 2,
	      "entry 1 holds %u pages, expected at least %u", info[1].pages,
	      peer_mem / SV_PAGE_SIZE + 2);
	CHECK(memcmp(&info[2], &untouched, sizeof(untouched)) == 0,
	      "entry 2 was written, but there are only 2 domains");
	printf("domain_list: %d domains; %s holds %u pages, %s %u\n", n,
	       info[0].name, info[0].pages, info[1].name, info[1].pages);

	/* Only the count: no buffer at all. */
	CHECK_EQ(sv_domain_list(NULL, 0), 2);
	/* A short buffer gets the first entries and still the full count. */
	memset(info, 0xAA, sizeof(info));
	CHECK_EQ(sv_domain_list(info, 1), 2);
	CHECK_EQ(info[0].domid, 0);
	CHECK(memcmp(&info[1], &untouched, sizeof(untouched)) == 0,
	      "entry 1 was written with max=1");
}

static void test_mem_info(void)
{
	struct sv_mem_info mi = { 0, 0 };

	CHECK_RC(sv_mem_info(&mi), SV_OK);
	CHECK(mi.free_frames > 0, "free_frames is 0");
	CHECK(mi.total_frames >= mi.free_frames, "total_frames %u < free_frames %u",
	      mi.total_frames, mi.free_frames);
	printf("mem_info: %u frames, %u free\n", mi.total_frames, mi.free_frames);
}

/* ---- console, version, yield */

static void test_console(void)
{
	static char big[SV_CONSOLE_MAX + 100];
	const char *msg = "console: a whole line\n";

	CHECK_EQ(sv_version(), SV_ABI_VERSION);
	CHECK_EQ(sv_console_write(msg, strlen(msg)), strlen(msg));
	CHECK_EQ(sv_console_write(msg, 0), 0);
	/* Two pieces, one line: "abcdef". */
	CHECK_EQ(sv_console_write("abc", 3), 3);
	CHECK_EQ(sv_console_write("def\n", 4), 4);
	/* Lines of 63 '=' and a newline: the first SV_CONSOLE_MAX bytes are
	 * exactly 16 of them. The rest is never written. */
	for (uint32_t i = 0; i < sizeof(big); i++)
		big[i] = i % 64 == 63 ? '\n' : '=';
	CHECK_EQ(sv_console_write(big, sizeof(big)), SV_CONSOLE_MAX);
	CHECK_EQ(sv_yield(), 0);
}

/* ---- events */

static void test_event_send(void)
{
	/* An event raised before there is a callback only becomes pending... */
	CHECK_RC(sv_event_send(SV_DOMID_SELF, 7), SV_OK);
	CHECK(pending(7), "port 7 is not pending without a callback");
	CHECK_EQ(count[7], 0);
	/* ...and is delivered as the callback is set. */
	events_init(on_event);
	CHECK_EQ(count[7], 1);
	CHECK(!pending(7), "port 7 still pending after delivery");
	CHECK_RC(sv_event_callback(upcall_entry), SV_OK);

	/* Sending to ourselves: the handler runs before the call returns,
	 * once, with the right port. */
	last_port = NONE;
	CHECK_RC(sv_event_send(SV_DOMID_SELF, 8), SV_OK);
	CHECK_EQ(count[8], 1);
	CHECK_EQ(last_port, 8);
	/* Our own id works as well as SV_DOMID_SELF. */
	CHECK_RC(sv_event_send((sv_domid_t)start_info->domid, 9), SV_OK);
	CHECK_EQ(count[9], 1);
	CHECK_EQ(last_port, 9);
}

static void test_block_pending(void)
{
	/* With upcalls off, an event stays pending; block then returns at
	 * once, and turns upcalls on so the handler runs first. */
	events_disable();
	CHECK_RC(sv_event_send(SV_DOMID_SELF, 10), SV_OK);
	CHECK_EQ(count[10], 0);
	CHECK_RC(sv_block(), SV_OK);
	CHECK_EQ(count[10], 1);
	CHECK_EQ(shared_info->upcall_mask, 0);
}

static void test_timer(void)
{
	/* A cancelled timer never fires. */
	uint64_t start = sv_now();
	CHECK_RC(sv_timer_set(start + 20 * MS), SV_OK);
	CHECK_RC(sv_timer_set(0), SV_OK);
	while (sv_now() < start + 60 * MS)
		;	/* spin: the clock is the TSC's */
	CHECK_EQ(count[SV_PORT_TIMER], 0);

	/* A deadline in the past fires at the next tick. */
	CHECK_RC(sv_timer_set(1), SV_OK);
	for (int i = 0; i < 20 && count[SV_PORT_TIMER] == 0; i++)
		CHECK_RC(sv_block(), SV_OK);
	CHECK_EQ(count[SV_PORT_TIMER], 1);
	count[SV_PORT_TIMER] = 0;

	/* An armed timer fires once, at or after its deadline. */
	uint64_t deadline = sv_now() + 30 * MS;
	CHECK_RC(sv_timer_set(deadline), SV_OK);
	for (int i = 0; i < 20 && count[SV_PORT_TIMER] == 0; i++)
		CHECK_RC(sv_block(), SV_OK);
	CHECK_EQ(count[SV_PORT_TIMER], 1);
	CHECK(sv_now() >= deadline, "woken at %llu ns, before the deadline %llu",
	      sv_now(), deadline);
}

static void test_time_get(const struct sv_start_info *si)
{
	uint64_t t1 = 0, t2 = 0;
	uint64_t before = sv_now();

	CHECK_RC(sv_time_get(&t1), SV_OK);
	uint64_t after = sv_now();	/* refreshed as the call returned */
	CHECK(before <= t1 && t1 <= after, "time_get %llu is not within [%llu, %llu]",
	      t1, before, after);
	CHECK(after - before < 100 * MS, "time jumped by %llu ns in one call",
	      after - before);
	CHECK_RC(sv_time_get(&t2), SV_OK);
	CHECK(t2 >= t1, "time went back from %llu to %llu", t1, t2);

	/* An output that straddles two pages of the heap. */
	uint64_t *split = (uint64_t *)(si->heap_start + SV_PAGE_SIZE - 4);
	*split = 0;
	CHECK_RC(sv_time_get(split), SV_OK);
	CHECK(*split >= t2 && *split <= sv_now(), "time_get across a page boundary gave %llu",
	      *split);
}

/* ---- an upcall restores every register it interrupted
 *
 * spin_until_upcall loads known values into all seven registers, sets
 * the direction flag, and spins until upcall_flag becomes nonzero. Its
 * own callback, scribbling_upcall, sets the flag; it also records the
 * eflags it started with and the frame the hypervisor pushed, clears the
 * pending events, and overwrites every register before it returns with
 * SV_OP_EVENT_RETURN, so only the frame can bring the values back. Then
 * spin_until_upcall stores what the registers hold into spin_regs:
 * eax ebx ecx edx esi edi ebp, esp before, esp after, eflags. */
#define EFLAGS_DF 0x400u

void spin_until_upcall(void);
void scribbling_upcall(void);
volatile uint32_t upcall_flag;
extern const char spin_loop[], spin_loop_end[];
uint32_t spin_regs[10], upcall_eflags;
struct sv_upcall_frame upcall_frame;

__asm__(
	"	.text\n"
	"	.globl spin_until_upcall, spin_loop, spin_loop_end\n"
	"spin_until_upcall:\n"
	"	pushl %ebp\n"
	"	pushl %ebx\n"
	"	pushl %esi\n"
	"	pushl %edi\n"
	"	movl %esp, spin_regs+28\n"
	"	movl $0xA0A0A0A0, %eax\n"
	"	movl $0xB1B1B1B1, %ebx\n"
	"	movl $0xC2C2C2C2, %ecx\n"
	"	movl $0xD3D3D3D3, %edx\n"
	"	movl $0x5E5E5E5E, %esi\n"
	"	movl $0xD1D1D1D1, %edi\n"
	"	movl $0xBEBEBEBE, %ebp\n"
	"	std\n"
	"spin_loop:\n"
	"	cmpl $0, upcall_flag\n"
	"	je spin_loop\n"
	"spin_loop_end:\n"
	"	movl %eax, spin_regs\n"
	"	movl %ebx, spin_regs+4\n"
	"	movl %ecx, spin_regs+8\n"
	"	movl %edx, spin_regs+12\n"
	"	movl %esi, spin_regs+16\n"
	"	movl %edi, spin_regs+20\n"
	"	movl %ebp, spin_regs+24\n"
	"	movl %esp, spin_regs+32\n"
	"	pushfl\n"
	"	popl spin_regs+36\n"
	"	cld\n"
	"	popl %edi\n"
	"	popl %esi\n"
	"	popl %ebx\n"
	"	popl %ebp\n"
	"	ret\n"
	"\n"
	"	.globl scribbling_upcall\n"
	"scribbling_upcall:\n"
	"	pushfl\n"
	"	popl upcall_eflags\n"
	"	movl %esp, %esi\n"			/* copy the frame out */
	"	movl $upcall_frame, %edi\n"
	"	movl $10, %ecx\n"
	"	cld\n"
	"	rep movsl\n"
	"	xorl %eax, %eax\n"			/* take every pending event */
	"	xchgl %eax, 0x2000\n"			/* SV_SHARED_INFO: event_pending */
	"	movl $1, upcall_flag\n"
	"	movl $-1, %ecx\n"
	"	movl $-1, %edx\n"
	"	movl $-1, %esi\n"
	"	movl $-1, %edi\n"
	"	movl $-1, %ebp\n"
	"	movl %esp, %ebx\n"			/* the frame */
	"	movl $6, %eax\n"			/* SV_OP_EVENT_RETURN */
	"	int $0x82\n");

static void test_upcall_registers(void)
{
	upcall_flag = 0;
	CHECK_RC(sv_event_callback(scribbling_upcall), SV_OK);
	sv_timer_set(sv_now() + 20 * MS);
	spin_until_upcall();
	events_init(on_event);

	/* The frame: what the loop held, where it was. */
	const struct sv_upcall_frame *f = &upcall_frame;
	CHECK(f->eip >= (uint32_t)spin_loop && f->eip < (uint32_t)spin_loop_end,
	      "the upcall interrupted eip %#x, not the loop at %p", f->eip, spin_loop);
	CHECK_EQ(f->eax, 0xA0A0A0A0u);
	CHECK_EQ(f->ebx, 0xB1B1B1B1u);
	CHECK_EQ(f->ecx, 0xC2C2C2C2u);
	CHECK_EQ(f->edx, 0xD3D3D3D3u);
	CHECK_EQ(f->esi, 0x5E5E5E5Eu);
	CHECK_EQ(f->edi, 0xD1D1D1D1u);
	CHECK_EQ(f->ebp, 0xBEBEBEBEu);
	CHECK_EQ(f->esp, spin_regs[7]);
	CHECK(f->eflags & EFLAGS_DF, "the frame lost DF: eflags %#x", f->eflags);
	/* The callback starts with DF clear, as C code needs (i386 ABI). */
	CHECK(!(upcall_eflags & EFLAGS_DF), "the callback started with DF set");

	/* After SV_OP_EVENT_RETURN: every register as it was. */
	CHECK_EQ(spin_regs[0], 0xA0A0A0A0u);
	CHECK_EQ(spin_regs[1], 0xB1B1B1B1u);
	CHECK_EQ(spin_regs[2], 0xC2C2C2C2u);
	CHECK_EQ(spin_regs[3], 0xD3D3D3D3u);
	CHECK_EQ(spin_regs[4], 0x5E5E5E5Eu);
	CHECK_EQ(spin_regs[5], 0xD1D1D1D1u);
	CHECK_EQ(spin_regs[6], 0xBEBEBEBEu);
	CHECK_EQ(spin_regs[8], spin_regs[7]);
	CHECK(spin_regs[9] & EFLAGS_DF, "the direction flag was lost: eflags %#x", spin_regs[9]);
	printf("upcall: interrupted the loop at %#x, registers intact\n", f->eip);
}

int main(const struct sv_start_info *si)
{
	CHECK(si->flags & SV_SIF_PRIVILEGED, "hc_good must run as domain 0");
	test_domain_list(si);	/* first: the peer has not finished yet */
	test_mem_info();
	test_console();
	test_event_send();
	test_block_pending();
	test_timer();
	test_time_get(si);
	test_upcall_registers();
	return xtf_verdict("hc_good");
}
