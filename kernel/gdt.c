/*
 * gdt.c: the global descriptor table and the two task-state segments.
 *
 * main_tss supplies the ring-0 stack for traps from guests (ss0:esp0),
 * and its I/O permission bitmap says which I/O ports ring 3 may use:
 * none, except a passthrough device's while its owner runs
 * (kernel/device.c opens and closes them).
 * double_fault_tss is a whole second task: a double fault (typically the
 * hypervisor overflowing its stack) switches to it through a task gate,
 * onto a fresh stack, so we can still print a report instead of the CPU
 * triple-faulting and resetting silently.
 */
#include <stddef.h>
#include "klib.h"
#include "memlayout.h"
#include "segment.h"
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

/*
 * The I/O permission bitmap follows the TSS: bit p set means an in/out
 * on port p from ring 3 is a #GP (Intel SDM vol. 1, 19.5.2; our guests
 * run with IOPL 0, so the CPU consults it for every in/out). It covers
 * ports 0 .. IO_BITMAP_PORTS-1; a port past its end, beyond the TSS
 * limit, faults too. The CPU may read a byte past the last one it needs,
 * so the bitmap ends with a byte of all ones.
 */
#define IO_BITMAP_PORTS	0x400		/* the ISA range: COM1, COM2, PIC, PIT... */

static struct {
	struct tss tss;
	uint8_t io_bitmap[IO_BITMAP_PORTS / 8];
	uint8_t io_bitmap_end;		/* 0xFF */
} __attribute__((packed)) main_tss_io;

struct tss *const main_tss = &main_tss_io.tss;
static struct tss double_fault_tss;
static uint8_t double_fault_stack[4096] __attribute__((aligned(16)));

/* Indexed by selector / 8; memlayout.h gives the selectors. */
static struct seg_desc gdt[] = {
	[0] = { 0 },
	[SEL_KCODE / 8] = SEG(0, 0xFFFFF, SEG_PRESENT | SEG_CODEDATA | SEG_EXEC | SEG_RW, SEG_FLAT_FLAGS),
	[SEL_KDATA / 8] = SEG(0, 0xFFFFF, SEG_PRESENT | SEG_CODEDATA | SEG_RW, SEG_FLAT_FLAGS),
	[SEL_UCODE / 8] = SEG(0, 0xFFFFF, SEG_PRESENT | SEG_DPL3 | SEG_CODEDATA | SEG_EXEC | SEG_RW, SEG_FLAT_FLAGS),
	[SEL_UDATA / 8] = SEG(0, 0xFFFFF, SEG_PRESENT | SEG_DPL3 | SEG_CODEDATA | SEG_RW, SEG_FLAT_FLAGS),
	[SEL_TSS / 8] = { 0 },		/* filled in by gdt_init: base is an address */
	[SEL_DFTSS / 8] = { 0 },
};

static void set_tss_descriptor(int sel, void *t, uint32_t size)
{
	uint32_t base = (uint32_t)(uintptr_t)t;
	struct seg_desc d = SEG(base, size - 1, SEG_PRESENT | SEG_TSS32, 0);
	gdt[sel / 8] = d;
}

/* The double-fault task's entry point, in kernel/trap.c. */
void double_fault_task(void) __attribute__((noreturn));

void gdt_init(void)
{
	main_tss->ss0 = SEL_KDATA;
	main_tss->iomap_base = offsetof(typeof(main_tss_io), io_bitmap);
	memset(main_tss_io.io_bitmap, 0xFF, sizeof(main_tss_io.io_bitmap));	/* no port */
	main_tss_io.io_bitmap_end = 0xFF;
	set_tss_descriptor(SEL_TSS, &main_tss_io, sizeof(main_tss_io));

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

	struct descriptor_ptr p = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt };
	lgdt(&p);
	/* Reload every segment register so the new table takes effect. */
	__asm__ volatile("ljmp %0, $1f\n1:\n"
			 "mov %1, %%ds\n mov %1, %%es\n mov %1, %%ss\n"
			 "mov %1, %%fs\n mov %1, %%gs\n"
			 : : "i"(SEL_KCODE), "r"(SEL_KDATA) : "memory");
	ltr(SEL_TSS);
}

void tss_io_ports(uint32_t first, uint32_t count, bool open)
{
	for (uint32_t p = first; p < first + count && p < IO_BITMAP_PORTS; p++) {
		if (open)
			main_tss_io.io_bitmap[p / 8] &= (uint8_t)~(1u << (p % 8));
		else
			main_tss_io.io_bitmap[p / 8] |= (uint8_t)(1u << (p % 8));
	}
}

bool tss_io_port_open(uint32_t port)
{
	return port < IO_BITMAP_PORTS && !(main_tss_io.io_bitmap[port / 8] & (1u << (port % 8)));
}
