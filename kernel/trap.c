/*
 * trap.c: the interrupt descriptor table and trap(), where every
 * interrupt and exception arrives (through kernel/trapentry.asm).
 *
 * Hardware interrupts go to the handler registered for their IRQ. An
 * exception in hypervisor mode is always our bug: it is reported with
 * the full register state and the hypervisor powers off (panic.c).
 */
#include "device.h"
#include "domain.h"
#include "fpu.h"
#include "klib.h"
#include "lapic.h"
#include "lock.h"
#include "memlayout.h"
#include "panic.h"
#include "pic.h"
#include "profile.h"
#include "segment.h"
#include "trap.h"
#include "usercopy.h"
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
	/* The hypercall gate: the only vector ring 3 may raise with "int". */
	set_gate(SV_HYPERCALL_VECTOR, trap_vectors[SV_HYPERCALL_VECTOR], SEL_KCODE,
		 GATE_INTR32, 3);

	idt_load();
}

void idt_hypercall_smp(void)
{
	extern char vector_hypercall_smp[];	/* kernel/trapentry.asm */
	set_gate(SV_HYPERCALL_VECTOR, (uint32_t)(uintptr_t)vector_hypercall_smp, SEL_KCODE,
		 GATE_INTR32, 3);
}

/* Every CPU uses the one table. */
void idt_load(void)
{
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

static void handle_irq(struct trapframe *tf)
{
	int irq = tf->trapno - T_IRQ0;
	if (pic_is_spurious(irq))
		return;
	if (irq_handlers[irq])
		irq_handlers[irq](tf);
	else
		printk("trap: IRQ %d with no handler\n", irq);
	pic_eoi(irq);
}

/*
 * If the guest faulted on an in/out (the I/O permission bitmap refused
 * it: a #GP with error code 0), the first port of the access that it may
 * not use; else -1. Decodes in, out, ins and outs after any prefixes
 * (operand size, address size, rep, segment overrides). A 2- or 4-byte
 * access needs every one of its ports open, so an outw at 0x2FF by
 * COM2's owner faults on 0x300.
 */
static int64_t io_fault_port(const struct domain *d, const struct trapframe *tf)
{
	uint8_t op = 0;
	uint32_t width = 4;

	if (tf->trapno != T_GPFLT || tf->err != 0)
		return -1;
	for (uint32_t i = 0; i < 15; i++) {	/* 15 bytes: the longest x86 instruction */
		if (copy_from_guest(d->pgdir, &op, tf->eip + i, 1) != SV_OK)
			return -1;
		if (op == 0x66) {
			width = 2;
			continue;
		}
		if (op == 0x67 || op == 0xF2 || op == 0xF3 || op == 0x26 || op == 0x2E ||
		    op == 0x36 || op == 0x3E || op == 0x64 || op == 0x65)
			continue;		/* another prefix */
		uint32_t port;
		if (op >= 0xE4 && op <= 0xE7) {	/* in/out with an 8-bit port */
			uint8_t imm;
			if (copy_from_guest(d->pgdir, &imm, tf->eip + i + 1, 1) != SV_OK)
				return -1;
			port = imm;
		} else if ((op >= 0xEC && op <= 0xEF) || (op >= 0x6C && op <= 0x6F)) {
			port = tf->edx & 0xFFFF;	/* in/out/ins/outs with the port in dx */
		} else {
			return -1;
		}
		if (!(op & 1))
			width = 1;		/* the even opcodes move a byte */
		/* The bitmap is loaded for d, the domain that faulted. */
		for (uint32_t p = port; p < port + width; p++)
			if (!tss_io_port_open(this_cpu(), p & 0xFFFF))
				return p & 0xFFFF;
		return port;
	}
	return -1;
}

/* A guest fault it cannot handle: the domain dies, nobody else does. */
static void guest_fault(struct domain *d, struct trapframe *tf)
{
	char why[160], fate[40], what[64];
	int64_t port = io_fault_port(d, tf);

	if (port >= 0) {
		device_describe_port(d, (uint32_t)port, what, sizeof(what));
		snprintf(why, sizeof(why), "in/out on port %#x (%s) at eip %#x",
			 (uint32_t)port, what, tf->eip);
		snprintf(fate, sizeof(fate), "I/O port %#x not permitted", (uint32_t)port);
		domain_kill(d, tf, why, fate);
		return;
	}
	snprintf(why, sizeof(why), "%s (vector %u) at eip %#x",
		 exception_name(tf->trapno), tf->trapno, tf->eip);
	domain_kill(d, tf, why, exception_name(tf->trapno));
}

/*
 * A hypercall: vector SV_HYPERCALL_VECTOR, whose stub comes here
 * (through hypercall_common) rather than to trap(). Only ring 3 can
 * raise it (its gate is the one with DPL 3; the hypervisor never does).
 */
_Static_assert(SV_HYPERCALL_VECTOR == 0x82, "kernel/trapentry.asm's HYPERCALL_VECTOR");

static inline __attribute__((always_inline)) struct trapframe *
hypercall_entry(struct trapframe *tf, bool smp)
{
	if ((tf->cs & 3) != 3)
		fatal_trap(tf);		/* our own bug */
	struct domain *d = domain_of_frame(tf);
	struct cpu *c = d->cpu;		/* this CPU: it runs d */
	if (smp)
		hv_lock_take_slow(c);
	PROFILE_STAGE(PROF_ENTRY);
	if (!smp || d->state == DOM_RUNNABLE)	/* not killed by another CPU meanwhile */
		hypercall(d, tf);
	PROFILE_STAGE(PROF_RETURN);
	tf = sched_return_to_guest(tf);
	PROFILE_STAGE(PROF_GUEST);
	if (smp)
		hv_lock_drop(c);
	return tf;
}

/* Two entries, one body: with one CPU there is no lock to take, and the
 * IDT's hypercall gate points at the entry without it; smp_start points
 * it at the other when a second CPU starts (as Linux patches its own
 * code for one CPU or several at boot). */
struct trapframe *hypercall_trap(struct trapframe *tf)
{
	return hypercall_entry(tf, false);
}

struct trapframe *hypercall_trap_smp(struct trapframe *tf)
{
	return hypercall_entry(tf, true);
}

/*
 * Every interrupt and exception arrives here (hypercalls have their own
 * entry, above). From a guest
 * (ring 3), tf is the domain's registers, and on the way out the
 * scheduler decides whose registers tf holds when we iret. From the
 * hypervisor (ring 0: the idle loop), only interrupts are expected; an
 * exception there is our bug.
 */
struct trapframe *trap(struct trapframe *tf)
{
	bool from_guest = (tf->cs & 3) == 3;
	bool ipi = tf->trapno == T_IPI_KICK || tf->trapno == T_IPI_SPURIOUS;
	struct cpu *c = this_cpu();

	if (ipi) {
		/* Another CPU's kick: what it asked of this CPU's hardware is
		 * done first, without the lock (it may be waiting, holding
		 * it); the rest is the way out, which looks at what to run. */
		if (tf->trapno == T_IPI_KICK)
			lapic_eoi();	/* (the spurious vector takes none) */
		smp_serve_requests(c);
		if (!from_guest)
			return tf;	/* the idle loop looks again */
	}
	hv_lock_take(c);
	if (from_guest)
		PROFILE_STAGE(PROF_ENTRY);
	if (tf->trapno >= T_IRQ0 && tf->trapno < T_IRQ0 + PIC_NUM_IRQS) {
		handle_irq(tf);
	} else if (tf->trapno == T_LAPIC_TIMER) {
		lapic_eoi();
		sched_timer_interrupt();
	} else if (!from_guest) {
		fatal_trap(tf);
	} else if (ipi || !domain_alive(domain_of_frame(tf))) {
		;	/* a kick; or it was killed by another CPU as it trapped */
	} else if (tf->trapno == T_DEVICE && fpu_device_not_available(domain_of_frame(tf))) {
		;	/* lazy FPU switching: its state is loaded, it goes on */
	} else {
		guest_fault(domain_of_frame(tf), tf);
	}

	if (from_guest) {
		PROFILE_STAGE(PROF_RETURN);
		tf = sched_return_to_guest(tf);
		PROFILE_STAGE(PROF_GUEST);
	}
	hv_lock_drop(c);
	return tf;
}
