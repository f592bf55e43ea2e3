/*
 * gdt.c: the global descriptor table and the two task-state segments.
 *
 * Each CPU has a TSS (struct cpu_tss, kernel/smp.h): it tells the CPU
 * where to save a guest's registers when it traps (esp0: the running
 * domain's frame, kernel/sched.c), and its I/O permission bitmap says
 * which I/O ports ring 3 may use on that CPU: none, except a passthrough
 * device's while its owner runs there (kernel/device.c opens and closes
 * them).
 * double_fault_tss is a whole second task: a double fault (typically the
 * hypervisor overflowing its stack) switches to it through a task gate,
 * onto a fresh stack, so we can still print a report instead of the CPU
 * triple-faulting and resetting silently.
 */
#include <stddef.h>
#include "klib.h"
#include "memlayout.h"
#include "segment.h"
#include "smp.h"
#include "x86.h"

/* Access byte bits. */
#define SEG_PRESENT	0x80
#define SEG_DPL3	0x60
#define SEG_CODEDATA	0x10	/* a code or data segment, not a system one */
#define SEG_EXEC	0x08
#define SEG_RW		0x02	/* readable code / writable data */
#define SEG_TSS32	0x09	/* available 32-bit TSS */
/* Flags nibble: 4 KiB granularity, 32-bit. */
#define SEG_FLAT_FLAGS	0xC

struct seg_desc {
	uint16_t limit_lo;
	uint16_t base_lo;
	uint8_t base_mid;
	uint8_t access;
	uint8_t limit_hi_flags;
	uint8_t base_hi;
} __attribute__((packed));

#define SEG(base, limit, acc, flags) {					\
	.limit_lo = (limit) & 0xFFFF, .base_lo = (base) & 0xFFFF,	\
	.base_mid = ((base) >> 16) & 0xFF, .access = (acc),		\
	.limit_hi_flags = (((limit) >> 16) & 0xF) | ((flags) << 4),	\
	.base_hi = ((base) >> 24) & 0xFF }

static struct tss double_fault_tss;
static uint8_t double_fault_stack[4096] __attribute__((aligned(16)));

/* Indexed by selector / 8; memlayout.h gives the selectors. */
static struct seg_desc gdt[] = {
	[0] = { 0 },
	[SEL_KCODE / 8] = SEG(0, 0xFFFFF, SEG_PRESENT | SEG_CODEDATA | SEG_EXEC | SEG_RW, SEG_FLAT_FLAGS),
	[SEL_KDATA / 8] = SEG(0, 0xFFFFF, SEG_PRESENT | SEG_CODEDATA | SEG_RW, SEG_FLAT_FLAGS),
	[SEL_UCODE / 8] = SEG(0, 0xFFFFF, SEG_PRESENT | SEG_DPL3 | SEG_CODEDATA | SEG_EXEC | SEG_RW, SEG_FLAT_FLAGS),
	[SEL_UDATA / 8] = SEG(0, 0xFFFFF, SEG_PRESENT | SEG_DPL3 | SEG_CODEDATA | SEG_RW, SEG_FLAT_FLAGS),
	[SEL_TSS / 8 ... SEL_TSS / 8 + MAX_CPUS - 1] = { 0 },	/* filled in by gdt_init: */
	[SEL_DFTSS / 8] = { 0 },				/* a base is an address */
};

_Static_assert(SEL_TSS + 8 * MAX_CPUS == SEL_DFTSS, "one TSS per CPU, then the double-fault task");

static void set_tss_descriptor(int sel, void *t, uint32_t size)
{
	uint32_t base = (uint32_t)(uintptr_t)t;
	struct seg_desc d = SEG(base, size - 1, SEG_PRESENT | SEG_TSS32, 0);
	gdt[sel / 8] = d;
}

/* The double-fault task's entry point, in kernel/trap.c. */
void double_fault_task(void) __attribute__((noreturn));

/* Load the GDT on this CPU, reload every segment register so that the
 * new table takes effect, and load CPU index's TSS. */
static void gdt_load(uint32_t index)
{
	struct descriptor_ptr p = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt };
	lgdt(&p);
	__asm__ volatile("ljmp %0, $1f\n1:\n"
			 "mov %1, %%ds\n mov %1, %%es\n mov %1, %%ss\n"
			 "mov %1, %%fs\n mov %1, %%gs\n"
			 : : "i"(SEL_KCODE), "r"(SEL_KDATA) : "memory");
	ltr((uint16_t)(SEL_TSS + 8 * index));
}

void gdt_init(void)
{
	for (uint32_t i = 0; i < MAX_CPUS; i++) {
		struct cpu_tss *t = &cpus[i].tss;
		cpus[i].index = i;
		t->tss.ss0 = SEL_KDATA;
		t->tss.iomap_base = offsetof(struct cpu_tss, io_bitmap);
		memset(t->io_bitmap, 0xFF, sizeof(t->io_bitmap));	/* no port */
		t->io_bitmap_end = 0xFF;
		set_tss_descriptor(SEL_TSS + 8 * i, t, sizeof(*t));
	}

	double_fault_tss = (struct tss){
		.eip = (uint32_t)(uintptr_t)double_fault_task,
		.esp = (uint32_t)(uintptr_t)(double_fault_stack + sizeof(double_fault_stack)),
		.cr3 = read_cr3(),
		.eflags = 0x2,			/* bit 1 is always set; IF clear */
		.cs = SEL_KCODE, .ss = SEL_KDATA, .ds = SEL_KDATA,
		.es = SEL_KDATA, .fs = SEL_KDATA, .gs = SEL_KDATA,
		.iomap_base = sizeof(struct tss),
	};
	set_tss_descriptor(SEL_DFTSS, &double_fault_tss, sizeof(double_fault_tss));
	gdt_load(0);
}

void gdt_init_ap(uint32_t index)
{
	gdt_load(index);
}

struct cpu *double_fault_interrupted(void)
{
	uint32_t sel = double_fault_tss.link;	/* the task the CPU left */
	if (sel < SEL_TSS || sel >= SEL_TSS + 8 * MAX_CPUS)
		return NULL;
	return &cpus[(sel - SEL_TSS) / 8];
}

void tss_io_ports(struct cpu *c, uint32_t first, uint32_t count, bool open)
{
	uint8_t *bitmap = c->tss.io_bitmap;
	for (uint32_t p = first; p < first + count && p < IO_BITMAP_PORTS; p++) {
		if (open)
			bitmap[p / 8] &= (uint8_t)~(1u << (p % 8));
		else
			bitmap[p / 8] |= (uint8_t)(1u << (p % 8));
	}
}

bool tss_io_port_open(const struct cpu *c, uint32_t port)
{
	return port < IO_BITMAP_PORTS && !(c->tss.io_bitmap[port / 8] & (1u << (port % 8)));
}
