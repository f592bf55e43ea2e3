/*
 * main.c: kmain, the hypervisor's C entry point, called by boot/entry.asm
 * on the boot stack with paging on. It brings the machine up in an order
 * where each step can rely on the ones before:
 *
 *   console          so that everything after can report
 *   GDT, IDT         so that a fault gets a register dump, not a reset
 *   Multiboot info   what memory and modules we have, all checked
 *   CPU tables       how many CPUs, where their APICs are (ACPI or MP)
 *   frames, paging   the frame table and the final address space
 *   PIC, PIT         interrupts, then sti
 *   devices          the passthrough devices, quiet and owned by nobody
 *   other CPUs       started, waiting for work
 *   self-tests       the ones the command line selected
 *   domains          one per boot module (kernel/builder.c)
 *
 * and hands the CPU to the scheduler (kernel/sched.c), which runs the
 * domains until none is left and then powers off with an exit status
 * the test harness reads.
 */
#include "cmdline.h"
#include "console.h"
#include "cpu.h"
#include "cpufind.h"
#include "fpu.h"
#include "crc32.h"
#include "device.h"
#include "domain.h"
#include "frame.h"
#include "invariants.h"
#include "trace.h"
#include "tsc.h"
#include "klib.h"
#include "lapic.h"
#include "lock.h"
#include "memlayout.h"
#include "multiboot.h"
#include "paging.h"
#include "pic.h"
#include "power.h"
#include "profile.h"
#include "segment.h"
#include "selftest.h"
#include "smp.h"
#include "timer.h"
#include "x86.h"

#define SHAREVISOR_VERSION "0.1"

static struct boot_info boot_info;	/* checked copy of the loader's information */
static struct cpu_topology topology;	/* checked copy of the firmware's CPU tables */
static struct boot_options options;

/* Before paging_init, boot_pgdir maps all of [0, DIRECTMAP_LIMIT), so
 * anything below the limit can be read through the direct map. */
const void *boot_phys(uint64_t pa, uint64_t len)
{
	if (pa >= DIRECTMAP_LIMIT || len > DIRECTMAP_LIMIT - pa)
		return NULL;
	return P2V((uint32_t)pa);
}

static void print_boot_info(const struct boot_info *bi)
{
	uint64_t top = bi->usable.r[bi->usable.n - 1].end;

	printk("memory: %llu KiB usable in %d ranges, up to %#llx\n",
	       (unsigned long long)(ranges_total(&bi->usable) / 1024), bi->usable.n,
	       (unsigned long long)top);
	printk("command line: '%s'\n", bi->cmdline);
	printk("modules: %u given, %u accepted\n", bi->mods_given, bi->nmods);
	for (uint32_t i = 0; i < bi->nmods; i++) {
		const struct boot_module *m = &bi->mods[i];
		printk("module %u: [%#010x-%#010x) %u bytes crc32=%#010x cmdline='%s'\n",
		       m->index, m->start, m->end, m->end - m->start,
		       crc32(P2V(m->start), m->end - m->start), m->cmdline);
	}
}

/* Place the frame table in free RAM, build it, and switch to the final
 * page tables. */
static void memory_init(struct boot_info *bi)
{
	uint64_t ram_end = bi->usable.r[bi->usable.n - 1].end;
	uint32_t bytes = frame_table_bytes(ram_end);
	struct range_list above_1mib = bi->usable;	/* the first MiB stays firmware's */

	ranges_clip(&above_1mib, LOW_MEMORY_END, ram_end);
	uint64_t at = ranges_find_free(&above_1mib, &bi->reserved, bytes, PAGE_SIZE);

	if (!at)
		panic("no room for the frame table (%u bytes)", bytes);
	ranges_add(&bi->reserved, at, at + bytes, FRAME_FRAMETABLE);
	if (bi->reserved.overflow)
		panic("too many reserved ranges");
	frame_init(P2V((uint32_t)at), &bi->usable, &bi->reserved);
	paging_init(ram_end);
	smp_map_apic(&topology);	/* before the count below, and before any domain */

	printk("frames: %u total, %u free", frames_total(), frames_free());
	for (int t = FRAME_FIRMWARE; t < FRAME_NTYPES; t++) {
		uint32_t n = frames_of_type(t);
		if (n)
			printk(", %u %s", n, frame_type_name(t));
	}
	printk("\n");
}

/* Module N becomes domain N; a refused module leaves its id unused. */
static uint32_t build_domains(const struct boot_info *bi)
{
	uint32_t built = 0;
	for (uint32_t i = 0; i < bi->nmods; i++)
		built += domain_build(&bi->mods[i]);
	return built;
}

static bool run_selftests(void)
{
	bool ok = true;
	if (options.selftest_frames)
		ok &= selftest_frames(&boot_info);
	if (options.selftest_paging)
		ok &= selftest_paging();
	if (options.selftest_timer)
		ok &= selftest_timer();
	return ok;
}

/* Recurse until the stack runs into its guard page. (The volatile
 * limit is never reached; it only hides the recursion from the compiler.) */
static volatile int never_reached = -1;

static int __attribute__((noinline)) overflow_stack(int depth)
{
	volatile char pad[256];
	if (depth == never_reached)
		return 0;
	pad[0] = (char)depth;
	return overflow_stack(depth + 1) + pad[0];
}

/* crash=...: fault on purpose, to show (and test) the panic report.
 * Not inlined, so that the report names this function. */
static void __attribute__((noinline)) crash_on_purpose(enum crash_kind kind)
{
	uint32_t zero = 0, quotient, remainder;

	switch (kind) {
	case CRASH_PAGEFAULT:
		printk("crash: writing to unmapped address 0x00bad000\n");
		*(volatile uint32_t *)0x00bad000 = 1;
		break;
	case CRASH_DIVIDE:
		printk("crash: dividing by zero\n");
		/* An explicit div: GCC compiles "1 / x" without one. */
		__asm__ volatile("divl %2"
				 : "=a"(quotient), "=d"(remainder)
				 : "r"(zero), "0"(1), "1"(0));
		printk("%u %u\n", quotient, remainder);
		break;
	case CRASH_STACK_OVERFLOW:
		printk("crash: recursing until the stack overflows\n");
		overflow_stack(0);
		break;
	case CRASH_LOCK_TWICE:
		/* With check=invariants the lock checker stops the second
		 * take; without it the CPU would spin for ever. */
		printk("crash: taking the hypervisor lock twice\n");
		if (smp_on) {
			hv_lock_take(this_cpu());
			hv_lock_take(this_cpu());
		}
		break;
	case CRASH_NONE:
		return;
	}
	panic("crash=%d did not fault", kind);
}

/* Called by boot/entry.asm with the loader's EAX and EBX. */
/* Once the domains run: tickless, each CPU's APIC timer armed for what
 * is due next (kernel/sched.c), and the PIT's interrupt masked; or, with
 * tick=periodic or no APIC timer, the PIT's 100 Hz tick as during boot. */
static void start_keeping_time(const struct boot_options *o)
{
	if (o->tick_periodic || !lapic_timer_present()) {
		printk("time: the PIT's tick at %d Hz checks slices and deadlines (%s)\n", HZ,
		       o->tick_periodic ? "tick=periodic" : "no local APIC timer");
		sched_keep_time(false);
		return;
	}
	pic_mask(IRQ_TIMER);
	sched_keep_time(true);
	printk("time: tickless: each CPU's APIC timer is armed for what is due next; "
	       "the PIT's interrupt is masked\n");
}

void kmain(uint32_t magic, uint32_t mbi_pa) __attribute__((noreturn));

void kmain(uint32_t magic, uint32_t mbi_pa)
{
	extern char _image_start_phys[], _image_end_phys[];
	uint64_t tsc_at_entry = rdtsc();

	console_init();
	printk("Sharevisor %s: a share-model hypervisor for x86\n", SHAREVISOR_VERSION);
	gdt_init();
	smp_init_boot_cpu();
	idt_init();

	if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
		printk("boot: not started by a Multiboot loader (eax=%#x, expected %#x)\n",
		       magic, MULTIBOOT_BOOTLOADER_MAGIC);
		power_off(EXIT_BADBOOT);
	}
	if (multiboot_parse(mbi_pa, (uintptr_t)_image_start_phys,
			    (uintptr_t)_image_end_phys, &boot_info) < 0)
		power_off(EXIT_BADBOOT);
	if (boot_info.loader[0])
		printk("boot loader: %s\n", boot_info.loader);
	print_boot_info(&boot_info);
	if (boot_info.nmods == 0)
		printk("boot: no module was loaded, so there is no domain to run\n");
	cmdline_parse(boot_info.cmdline, &options);
	if (options.check_invariants) {
		debug_flags |= DEBUG_INVARIANTS;
		printk("check: frame-table invariants verified after every hypercall\n");
	}
	if (options.trace_hypercalls) {
		debug_flags |= DEBUG_TRACE;
		printk("tracing every hypercall, event raised and upcall (trace=hypercalls)\n");
	}
	cpu_init();
	fpu_init(options.fpu_lazy ? FPU_LAZY : FPU_EAGER);
	/* The firmware's tables may lie outside RAM: read them while the
	 * boot page directory still maps everything below DIRECTMAP_LIMIT. */
	cpufind(&topology);	/* smp_start reports what it found */
	memory_init(&boot_info);

	pic_init();
	timer_init();
	device_init(options.dev_slice_ms, options.dev_grace_ms);
	sti();
	tsc_init();		/* the TSC's rate, against the PIT */
	smp_init_apic();	/* and the local APIC timer's */
	smp_start(&topology);

	bool ok = run_selftests();
	crash_on_purpose(options.crash);
	sched_snapshot_memory();
	uint32_t built = build_domains(&boot_info);

	/* Under QEMU -icount shift=0 TSC ticks are instructions (plus time
	 * spent halted, e.g. in selftest=timer). */
	printk("boot: complete, %u warnings, %llu TSC ticks since kmain\n",
	       boot_info.warnings + (uint32_t)options.problems,
	       (unsigned long long)(rdtsc() - tsc_at_entry));
	if (!ok)
		power_off(EXIT_FAILED);
	if (built == 0) {
		printk("boot: no domain to run\n");
		power_off(boot_info.nmods == 0 ? EXIT_OK : EXIT_FAILED);
	}
	printk("boot: starting %u domains\n", built);
#ifdef SV_PROFILE
	profile_init();
#endif
	start_keeping_time(&options);
	smp_release_aps();	/* the other CPUs join in */
	sched_start();
}
