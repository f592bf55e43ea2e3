/*
 * trap.c: the interrupt descriptor table and trap(), where every
 * interrupt and exception arrives (through kernel/trapentry.asm).
 *
 * Hardware interrupts go to the handler registered for their IRQ. An
 * exception in hypervisor mode is always our bug: it is reported with
 * the full register state and the hypervisor powers off (panic.c).
 */
#include "klib.h"
#include "memlayout.h"
#include "panic.h"
#include "pic.h"
#include "segment.h"
#include "trap.h"
#include "x86.h"

#define GATE_INTR32	0xE	/* interrupt gate: IF cleared on entry */
#define GATE_TASK	0x5
#define GATE_PRESENT	0x80

struct gate_desc {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t zero;
	uint8_t type_attr;	/* present, DPL, type */
	uint16_t offset_hi;
} __attribute__((packed));

static struct gate_desc idt[256];
static irq_handler_t irq_handlers[PIC_NUM_IRQS];
extern uint32_t trap_vectors[256];	/* kernel/trapentry.asm */

static void set_gate(int vector, uint32_t offset, uint16_t sel, int type, int dpl)
{
	idt[vector] = (struct gate_desc){
		.offset_lo = offset & 0xFFFF,
		.selector = sel,
		.type_attr = GATE_PRESENT | (dpl << 5) | type,
		.offset_hi = offset >> 16,
	};
}

void idt_init(void)
{
	/* Every vector gets an entry, so even a stray interrupt is reported
	 * rather than turning into a #GP on a missing descriptor. Only ring 0
	 * may raise them with "int": guests get their gate in a later layer. */
	for (int v = 0; v < 256; v++)
		set_gate(v, trap_vectors[v], SEL_KCODE, GATE_INTR32, 0);
	/* A double fault switches task, onto a known-good stack (gdt.c). */
	set_gate(T_DBLFLT, 0, SEL_DFTSS, GATE_TASK, 0);

	struct descriptor_ptr p = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };
	lidt(&p);
}

void irq_register(int irq, irq_handler_t handler)
{
	if (irq < 0 || irq >= PIC_NUM_IRQS)
		panic("irq_register: no IRQ %d", irq);
	irq_handlers[irq] = handler;
	pic_unmask(irq);
}

void trap(struct trapframe *tf)
{
	if (tf->trapno >= T_IRQ0 && tf->trapno < T_IRQ0 + PIC_NUM_IRQS) {
		int irq = tf->trapno - T_IRQ0;
		if (pic_is_spurious(irq))
			return;
		if (irq_handlers[irq])
			irq_handlers[irq](tf);
		else
			printk("trap: IRQ %d with no handler (masked now)\n", irq);
		pic_eoi(irq);
		return;
	}
	/* Guests do not exist yet: everything else is a hypervisor fault. */
	fatal_trap(tf);
}
