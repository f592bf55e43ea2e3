/*
 * hc_regs: a hypercall changes eax and nothing else. ebx, ecx, edx, esi,
 * edi, ebp, esp and the direction flag are as they were, even when the
 * call gives the CPU to another domain (yield) or sleeps (block, and
 * wait with upcalls masked, which must leave the timer's port pending).
 *
 * The direction flag matters twice over. A guest may leave it set when it
 * traps, and the hypervisor's own string copies must not run backwards
 * because of that (they would write below the buffer they were given:
 * into another frame or the hypervisor). And the event callback is C
 * code, which needs it clear, whatever the code it interrupted had.
 *
 *   module line: hc_regs.elf name=NAME
 *
 * It prints "copied forwards with DF set": tests/boot_tests.py checks
 * that line arrived intact.
 */
#include "xtf.h"

#define MS		1000000ull
#define EFLAGS_DF	0x400u

/* hypercall_with: make the hypercall hc_in describes and record every
 * register afterwards.
 *   hc_in:  eax (the operation), ebx, ecx, edx, esi, edi, ebp, DF (0 or 1)
 *   hc_out: eax, ebx, ecx, edx, esi, edi, ebp, eflags, esp before, esp after */
void hypercall_with(void);
uint32_t hc_in[8], hc_out[10];

__asm__(
	"	.text\n"
	"	.globl hypercall_with\n"
	"hypercall_with:\n"
	"	pushl %ebp\n"
	"	pushl %ebx\n"
	"	pushl %esi\n"
	"	pushl %edi\n"
	"	movl %esp, hc_out+32\n"
	"	cmpl $0, hc_in+28\n"
	"	je 1f\n"
	"	std\n"
	"1:	movl hc_in+4, %ebx\n"
	"	movl hc_in+8, %ecx\n"
	"	movl hc_in+12, %edx\n"
	"	movl hc_in+16, %esi\n"
	"	movl hc_in+20, %edi\n"
	"	movl hc_in+24, %ebp\n"
	"	movl hc_in, %eax\n"
	"	int $0x82\n"
	"	movl %eax, hc_out\n"
	"	movl %ebx, hc_out+4\n"
	"	movl %ecx, hc_out+8\n"
	"	movl %edx, hc_out+12\n"
	"	movl %esi, hc_out+16\n"
	"	movl %edi, hc_out+20\n"
	"	movl %ebp, hc_out+24\n"
	"	pushfl\n"
	"	popl hc_out+28\n"
	"	movl %esp, hc_out+36\n"
	"	cld\n"
	"	popl %edi\n"
	"	popl %esi\n"
	"	popl %ebx\n"
	"	popl %ebp\n"
	"	ret\n");

static const char *const reg_names[7] = { "eax", "ebx", "ecx", "edx", "esi", "edi", "ebp" };

/* One hypercall with arguments a1..a3 (unused registers get patterns),
 * with DF as given; check every register afterwards. */
static void call_and_check(const char *what, uint32_t op, uint32_t a1, uint32_t a2,
			   uint32_t a3, bool df, int32_t want)
{
	uint32_t in[8] = { op, a1, a2, a3, 0x5151E5E5u, 0xD1D1EDED, 0xB0B0EBEB, df };
	memcpy(hc_in, in, sizeof(in));
	hypercall_with();

	CHECK((int32_t)hc_out[0] == want, "%s: returned %d, expected %d", what,
	      (int32_t)hc_out[0], want);
	for (int r = 1; r < 7; r++)
		CHECK(hc_out[r] == in[r], "%s: %s is %#x, expected %#x", what, reg_names[r],
		      hc_out[r], in[r]);
	CHECK(!!(hc_out[7] & EFLAGS_DF) == df, "%s: DF is %u, expected %u", what,
	      !!(hc_out[7] & EFLAGS_DF), df);
	CHECK(hc_out[9] == hc_out[8], "%s: esp moved from %#x to %#x", what, hc_out[8],
	      hc_out[9]);
}

/* ---- events: count them, and note if the handler ever ran with DF set */

static volatile uint32_t timer_events, handler_df;

static void on_event(uint32_t port)
{
	uint32_t eflags;
	__asm__ volatile("pushfl; popl %0" : "=r"(eflags));
	if (eflags & EFLAGS_DF)
		handler_df++;
	if (port == SV_PORT_TIMER)
		timer_events++;
}

static void test_registers(void)
{
	static uint64_t t;
	const char *msg = "copied forwards with DF set\n";

	for (int df = 0; df <= 1; df++) {
		call_and_check("version", SV_OP_VERSION, 1, 2, 3, df, SV_ABI_VERSION);
		call_and_check("yield", SV_OP_YIELD, 1, 2, 3, df, SV_OK);
		call_and_check("time_get", SV_OP_TIME_GET, (uint32_t)&t, 0, 0, df, SV_OK);
		call_and_check("bad op", 200, 1, 2, 3, df, SV_ENOSYS);
		call_and_check("bad pointer", SV_OP_TIME_GET, 0xC0000000u, 0, 0, df, SV_EFAULT);
		/* Sleep: another domain runs, then the timer's upcall, then us. */
		sv_timer_set(sv_now() + 20 * MS);
		uint32_t before = timer_events;
		call_and_check("block", SV_OP_BLOCK, 1, 2, 3, df, SV_OK);
		CHECK_EQ(timer_events, before + 1);
		/* The same with SV_OP_WAIT and upcalls masked: no upcall at
		 * all, the timer's port left pending, the registers intact. */
		sv_timer_set(sv_now() + 20 * MS);
		events_disable();
		call_and_check("wait", SV_OP_WAIT, 1, 2, 3, df, SV_OK);
		CHECK(event_test_and_clear(SV_PORT_TIMER), "wait returned with no timer event");
		events_enable();
		CHECK_EQ(timer_events, before + 1);
	}
	call_and_check("console_write", SV_OP_CONSOLE_WRITE, (uint32_t)msg, strlen(msg), 3,
		       true, (int32_t)strlen(msg));
	CHECK_EQ(handler_df, 0);
}

/* With DF set, time_get must write its 8 bytes forwards, exactly there. */
static void test_copy_direction(void)
{
	static uint8_t buf[32];

	memset(buf, 0x55, sizeof(buf));
	uint64_t before = sv_now();
	call_and_check("time_get", SV_OP_TIME_GET, (uint32_t)&buf[12], 0, 0, true, SV_OK);
	uint64_t got;
	memcpy(&got, &buf[12], sizeof(got));
	CHECK(got >= before && got <= sv_now(), "time_get with DF set wrote %#llx", got);
	for (int i = 0; i < 32; i++)
		if (i < 12 || i >= 20)
			CHECK(buf[i] == 0x55, "byte %d beside the output became %#x", i - 12,
			      buf[i]);
}

int main(const struct sv_start_info *si)
{
	(void)si;
	events_init(on_event);
	test_copy_direction();
	test_registers();
	return xtf_verdict("hc_regs");
}
