/*
 * hc_bad: bad hypercall arguments are refused with the documented error,
 * and never harm the hypervisor, another domain or the caller's own
 * read-only pages. Every pointer-taking hypercall gets every kind of bad
 * pointer (NULL, hypervisor memory, an unmapped page, a range that wraps
 * past 4 GiB, one that runs into the hypervisor, one that runs off the
 * end of mapped memory, and for outputs a read-only page) and must
 * return SV_EFAULT. Bad operation numbers, ports and callbacks too, and
 * an upcall frame forged to raise the guest's privileges.
 *
 * Run it as domain 0 and as an ordinary domain: it reads from start_info
 * which it is, and expects SV_EPERM for what only domain 0 may do.
 *
 *   module line: hc_bad.elf name=NAME
 *
 * For each bad console_write it prints the line "console_write(WHAT) []":
 * tests/boot_tests.py checks the brackets stayed empty (nothing printed).
 */
#include "xtf.h"

struct bad_range {
	const char *what;
	uint32_t va, len;
	bool edge;	/* the range straddles an edge at va + len/2 */
};

/* Bad places for a buffer of len bytes (inputs and outputs alike). The
 * last two depend on the domain's layout, so main fills them in. */
static struct bad_range bad[] = {
	{ "NULL", 0, 16, false },
	{ "hypervisor 0xc0000000", 0xC0000000u, 16, false },
	{ "hypervisor 0xc0100000", 0xC0100000u, 16, false },
	{ "unmapped 0x20000000", 0x20000000u, 16, false },
	{ "wrapping 0xfffffff0+0x20", 0xFFFFFFF0u, 0x20, true },
	{ "across 0xc0000000", 0xBFFFFFF8u, 16, true },
	{ "past the heap end", 0, 16, true },
	{ "below the stack", 0, 16, true },
};
#define NBAD (sizeof(bad) / sizeof(bad[0]))

/* Read-only pages, for outputs: the start-info page and our own text. */
#define NRO 2
static const char *const ro_what[NRO] = { "start-info page", "text segment" };
static uint32_t ro_va[NRO];
static uint8_t ro_copy[NRO][64];

/* Where an output of size bytes must fail: a range that straddles an
 * edge is centred on the same edge, whatever its size. */
static uint32_t out_va(const struct bad_range *b, uint32_t size)
{
	return b->edge ? b->va + b->len / 2 - size / 2 : b->va;
}

static void test_console_write(void)
{
	for (uint32_t i = 0; i < NBAD; i++) {
		printf("console_write(%s) [", bad[i].what);
		int32_t rc = sv_hypercall(SV_OP_CONSOLE_WRITE, bad[i].va, bad[i].len, 0, 0, 0);
		printf("]\n");
		CHECK(rc == SV_EFAULT, "console_write(%s): expected SV_EFAULT, got %d (%s)",
		      bad[i].what, rc, sv_strerror(rc));
	}
}

/* One output-taking operation against every bad place and read-only
 * page. a2 is its second argument (domain_list's count). */
static void test_output(const char *name, uint32_t op, uint32_t size, uint32_t a2)
{
	for (uint32_t i = 0; i < NBAD; i++) {
		uint32_t va = out_va(&bad[i], size);
		int32_t rc = sv_hypercall(op, va, a2, 0, 0, 0);
		CHECK(rc == SV_EFAULT, "%s(%s = %#x): expected SV_EFAULT, got %d (%s)",
		      name, bad[i].what, va, rc, sv_strerror(rc));
	}
	for (uint32_t i = 0; i < NRO; i++) {
		int32_t rc = sv_hypercall(op, ro_va[i], a2, 0, 0, 0);
		CHECK(rc == SV_EFAULT, "%s(%s): expected SV_EFAULT, got %d (%s)",
		      name, ro_what[i], rc, sv_strerror(rc));
	}
}

static void test_privileged_only(bool dom0)
{
	struct sv_domain_info info[SV_MAX_DOMAINS];
	struct sv_mem_info mi;

	if (dom0) {
		test_output("domain_list", SV_OP_DOMAIN_LIST, 2 * sizeof(info[0]), 2);
		test_output("mem_info", SV_OP_MEM_INFO, sizeof(mi), 0);
		return;
	}
	/* Not domain 0: refused whatever the pointer. */
	CHECK_RC(sv_domain_list(info, SV_MAX_DOMAINS), SV_EPERM);
	CHECK_RC(sv_domain_list(NULL, 0), SV_EPERM);
	CHECK_RC(sv_mem_info(&mi), SV_EPERM);
	CHECK_RC(sv_mem_info(NULL), SV_EPERM);
}

static void test_bad_numbers(bool dom0)
{
	static const uint32_t ops[] = { SV_OP_COUNT, 255, 0x80000000u, 0xFFFFFFFFu };
	for (uint32_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		int32_t rc = sv_hypercall(ops[i], 0, 0, 0, 0, 0);
		CHECK(rc == SV_ENOSYS, "operation %#x: expected SV_ENOSYS, got %d (%s)",
		      ops[i], rc, sv_strerror(rc));
	}

	CHECK_RC(sv_event_send(SV_DOMID_SELF, SV_NR_PORTS), SV_EINVAL);
	CHECK_RC(sv_hypercall(SV_OP_EVENT_SEND, SV_DOMID_SELF, 0xFFFFFFFFu, 0, 0, 0), SV_EINVAL);
	if (dom0) {
		CHECK_RC(sv_event_send(15, SV_PORT_FIRST_FREE), SV_ENOENT);
		CHECK_RC(sv_event_send(SV_MAX_DOMAINS, SV_PORT_FIRST_FREE), SV_ENOENT);
	} else {
		CHECK_RC(sv_event_send(0, SV_PORT_FIRST_FREE), SV_EPERM);
		CHECK_RC(sv_event_send(15, SV_PORT_FIRST_FREE), SV_EPERM);
	}
	/* Any domain may signal itself by its own id. */
	CHECK_RC(sv_event_send((sv_domid_t)start_info->domid, SV_PORT_FIRST_FREE), SV_OK);
	CHECK(event_test_and_clear(SV_PORT_FIRST_FREE), "the event to ourselves is not pending");

	CHECK_RC(sv_hypercall(SV_OP_EVENT_CALLBACK, 0xC0000000u, 0, 0, 0, 0), SV_EFAULT);
	CHECK_RC(sv_hypercall(SV_OP_EVENT_CALLBACK, 0xFFFFFFFFu, 0, 0, 0, 0), SV_EFAULT);
}

/* ---- a forged upcall frame cannot raise the guest's privileges */

/* forged_return: build a struct sv_upcall_frame on the stack that asks
 * for eflags with IOPL 3, TF, NT, AC, DF, CF and IF clear, and give it to
 * SV_OP_EVENT_RETURN. Execution continues at label 1 with the frame's
 * registers; there it records eax, ebx and eflags in forged_out. */
void forged_return(void);
uint32_t forged_out[3];

#define EFLAGS_CF	0x001u
#define EFLAGS_TF	0x100u
#define EFLAGS_IF	0x200u
#define EFLAGS_DF	0x400u
#define EFLAGS_IOPL	0x3000u
#define EFLAGS_NT	0x4000u
#define EFLAGS_AC	0x40000u

__asm__(
	"	.text\n"
	"	.globl forged_return\n"
	"forged_return:\n"
	"	pushl %ebp\n"
	"	pushl %ebx\n"
	"	pushl %esi\n"
	"	pushl %edi\n"
	"	movl %esp, %ecx\n"		/* the esp to come back with */
	"	subl $40, %esp\n"		/* the frame: eax ecx edx ebx esp ebp esi edi eip eflags */
	"	movl $0x0FED0FED, 0(%esp)\n"
	"	movl %ecx, 4(%esp)\n"
	"	movl $0, 8(%esp)\n"
	"	movl $0xB0B0B0B0, 12(%esp)\n"
	"	movl %ecx, 16(%esp)\n"
	"	movl %ebp, 20(%esp)\n"
	"	movl %esi, 24(%esp)\n"
	"	movl %edi, 28(%esp)\n"
	"	movl $1f, 32(%esp)\n"
	"	movl $0x00047501, 36(%esp)\n"	/* AC NT IOPL=3 DF TF CF; IF clear */
	"	movl %esp, %ebx\n"
	"	movl $6, %eax\n"			/* SV_OP_EVENT_RETURN */
	"	int $0x82\n"
	"1:	pushfl\n"
	"	popl forged_out+8\n"
	"	cld\n"
	"	movl %eax, forged_out\n"
	"	movl %ebx, forged_out+4\n"
	"	popl %edi\n"
	"	popl %esi\n"
	"	popl %ebx\n"
	"	popl %ebp\n"
	"	ret\n");

static void test_forged_frame(void)
{
	forged_return();
	uint32_t fl = forged_out[2];
	CHECK_EQ(forged_out[0], 0x0FED0FEDu);
	CHECK_EQ(forged_out[1], 0xB0B0B0B0u);
	CHECK((fl & EFLAGS_IOPL) == 0, "IOPL %u after a forged frame", (fl & EFLAGS_IOPL) >> 12);
	CHECK(fl & EFLAGS_IF, "interrupts are off after a forged frame: eflags %#x", fl);
	CHECK(!(fl & (EFLAGS_TF | EFLAGS_NT | EFLAGS_AC)),
	      "TF, NT or AC set by a forged frame: eflags %#x", fl);
	CHECK((fl & (EFLAGS_DF | EFLAGS_CF)) == (EFLAGS_DF | EFLAGS_CF),
	      "the frame's DF and CF were not taken: eflags %#x", fl);
}

int main(const struct sv_start_info *si)
{
	bool dom0 = si->flags & SV_SIF_PRIVILEGED;

	printf("hc_bad: domain %u, %s\n", si->domid, dom0 ? "domain 0" : "not privileged");
	bad[NBAD - 2].va = si->heap_end - 8;	/* the last 8 bytes, then unmapped */
	bad[NBAD - 1].va = si->stack_bottom - 8;	/* unmapped, then the stack */
	ro_va[0] = SV_START_INFO;
	ro_va[1] = si->image_start;		/* _start: run once, long ago */
	for (uint32_t i = 0; i < NRO; i++)
		memcpy(ro_copy[i], (const void *)ro_va[i], sizeof(ro_copy[i]));

	test_console_write();
	test_output("time_get", SV_OP_TIME_GET, sizeof(uint64_t), 0);
	test_privileged_only(dom0);
	test_bad_numbers(dom0);
	test_forged_frame();

	for (uint32_t i = 0; i < NRO; i++)
		CHECK(memcmp(ro_copy[i], (const void *)ro_va[i], sizeof(ro_copy[i])) == 0,
		      "the %s changed", ro_what[i]);
	return xtf_verdict("hc_bad");
}
