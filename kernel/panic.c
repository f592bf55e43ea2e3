/*
 * panic.c: what the hypervisor does when it finds its own bug. A trap in
 * hypervisor mode, a broken invariant, a double fault: print everything a
 * reader needs to find the cause (registers, the faulting address, the
 * chain of return addresses), then power off with EXIT_PANIC.
 *
 * Turn an address into a source line with
 *     addr2line -f -e build/sharevisor.elf 0xc01xxxxx
 * or, in gdb, "info symbol 0xc01xxxxx" / "list *0xc01xxxxx".
 */
#include "klib.h"
#include "memlayout.h"
#include "panic.h"
#include "power.h"
#include "segment.h"
#include "smp.h"
#include "trap.h"
#include "x86.h"

#define BACKTRACE_MAX 16

static const char *const exception_names[T_NUM_EXCEPTIONS] = {
	[0] = "#DE divide error",	[1] = "#DB debug",
	[2] = "NMI",			[3] = "#BP breakpoint",
	[4] = "#OF overflow",		[5] = "#BR bound range",
	[6] = "#UD invalid opcode",	[7] = "#NM device not available",
	[8] = "#DF double fault",	[9] = "coprocessor segment overrun",
	[10] = "#TS invalid TSS",	[11] = "#NP segment not present",
	[12] = "#SS stack fault",	[13] = "#GP general protection",
	[14] = "#PF page fault",	[16] = "#MF x87 error",
	[17] = "#AC alignment check",	[18] = "#MC machine check",
	[19] = "#XM SIMD error",	[20] = "#VE virtualization",
	[21] = "#CP control protection",
};

const char *exception_name(uint32_t vector)
{
	if (vector < T_NUM_EXCEPTIONS && exception_names[vector])
		return exception_names[vector];
	return vector < T_NUM_EXCEPTIONS ? "reserved exception" : "interrupt";
}

/* Is [va, va+4) a hypervisor address we can read without faulting? The
 * frame-pointer chain may be garbage after a bug, so check each link. */
static bool readable_hv_word(uint32_t va)
{
	extern char _end[];
	return va % 4 == 0 && va >= KERNBASE &&
	       va < (uint32_t)(uintptr_t)_end;	/* image, .bss and boot stack */
}

void print_backtrace(uint32_t ebp)
{
	printk("  backtrace:");
	for (int i = 0; i < BACKTRACE_MAX && ebp; i++) {
		if (!readable_hv_word(ebp) || !readable_hv_word(ebp + 4)) {
			printk(" (frame pointer %08x is not in the hypervisor)", ebp);
			break;
		}
		uint32_t ret = ((uint32_t *)(uintptr_t)ebp)[1];
		ebp = ((uint32_t *)(uintptr_t)ebp)[0];
		if (!ret)
			break;
		printk(" %08x", ret);
	}
	printk("\n");
}

static void describe_page_fault_error(uint32_t err)
{
	printk(" [%s, %s, %s%s%s]", err & PF_WRITE ? "write" : "read",
	       err & PF_PRESENT ? "protection violation" : "page not present",
	       err & PF_USER ? "user" : "supervisor",
	       err & PF_IFETCH ? ", instruction fetch" : "",
	       err & PF_RSVD ? ", reserved bit set" : "");
}

void print_trapframe(const struct trapframe *tf)
{
	bool from_user = (tf->cs & 3) != 0;
	/* A trap from ring 0 pushes no esp/ss: the stack continued right
	 * above the frame. */
	uint32_t esp = from_user ? tf->esp : (uint32_t)(uintptr_t)&tf->esp;
	uint16_t ss = from_user ? tf->ss : SEL_KDATA;

	printk("  vector=%u err=0x%08x", tf->trapno, tf->err);
	if (tf->trapno == T_PGFLT)
		describe_page_fault_error(tf->err);
	printk("\n");
	printk("  eip=0x%08x cs=0x%04x eflags=0x%08x\n", tf->eip, tf->cs, tf->eflags);
	printk("  eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x\n",
	       tf->eax, tf->ebx, tf->ecx, tf->edx);
	printk("  esi=0x%08x edi=0x%08x ebp=0x%08x esp=0x%08x\n",
	       tf->esi, tf->edi, tf->ebp, esp);
	printk("  ds=0x%04x es=0x%04x fs=0x%04x gs=0x%04x ss=0x%04x\n",
	       tf->ds, tf->es, tf->fs, tf->gs, ss);
	printk("  cr0=0x%08x cr2=0x%08x cr3=0x%08x cr4=0x%08x\n",
	       read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

/* Every panic ends here: one "PANIC:" line, the return addresses that
 * led here (unless the caller's report already showed them), power off. */
static void __attribute__((noreturn)) die(const char *msg, bool backtrace)
{
	static int nested;
	static uint16_t first;	/* the task register of the first CPU to panic */

	cli();
	/* With several CPUs, one report: a second CPU that panics meanwhile
	 * (often because of the first's trouble) halts instead of printing
	 * into the middle of it. The same CPU again is a fault while
	 * printing, which `nested` handles. */
	uint16_t zero = 0, me = str();
	if (!__atomic_compare_exchange_n(&first, &zero, me, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST) && first != me)
		for (;;)
			hlt();
	printk("PANIC: %s\n", msg);
	if (backtrace && !nested++)	/* a fault while printing must not recurse */
		print_backtrace(read_ebp());
	power_off(EXIT_PANIC);
}

void fatal_trap(const struct trapframe *tf)
{
	printk("\nFATAL: %s (vector %u) in hypervisor mode\n",
	       exception_name(tf->trapno), tf->trapno);
	print_trapframe(tf);
	print_backtrace(tf->ebp);
	char msg[80];
	snprintf(msg, sizeof(msg), "unhandled %s at eip 0x%08x",
		 exception_name(tf->trapno), tf->eip);
	die(msg, false);
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	die(msg, true);
}

/*
 * The double-fault task (kernel/gdt.c). The CPU switched here through a
 * task gate, saving the state it could not handle into main_tss, so we
 * run on a stack of our own even when the hypervisor stack overflowed.
 */
void double_fault_task(void)
{
	struct cpu *c = double_fault_interrupted();
	printk("\nFATAL: %s (vector %u) in hypervisor mode\n",
	       exception_name(T_DBLFLT), T_DBLFLT);
	if (!c)
		die("double fault from an unknown task", false);
	const struct tss *t = &c->tss.tss;
	uint32_t stack_lo = c->stack_top - BOOT_STACK_SIZE;

	printk("  eip=0x%08x esp=0x%08x ebp=0x%08x eflags=0x%08x\n",
	       t->eip, t->esp, t->ebp, t->eflags);
	printk("  eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x\n",
	       t->eax, t->ebx, t->ecx, t->edx);
	printk("  cr2=0x%08x (the fault that could not be delivered)\n", read_cr2());
	if (t->esp >= stack_lo - PAGE_SIZE && t->esp < stack_lo + 256)
		printk("  the hypervisor stack overflowed (CPU %u's stack starts at 0x%08x)\n",
		       c->index, stack_lo);
	char msg[48];
	snprintf(msg, sizeof(msg), "double fault at eip 0x%08x", t->eip);
	die(msg, false);
}
