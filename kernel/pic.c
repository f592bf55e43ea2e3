/*
 * pic.c: the 8259A pair. The BIOS leaves them raising IRQ 0-7 on vectors
 * 8-15, which collide with CPU exceptions (a timer tick would look like a
 * double fault), so we remap them to 32-47 and mask every line until a
 * driver asks for it.
 */
#include "pic.h"
#include "trap.h"
#include "x86.h"

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xA0
#define PIC2_DATA	0xA1
#define PIC_CASCADE_IRQ	2

#define ICW1_INIT_ICW4	0x11	/* edge triggered, cascade, ICW4 follows */
#define ICW4_8086	0x01
#define OCW2_EOI	0x20
#define OCW3_READ_ISR	0x0B

static uint16_t irq_mask = 0xFFFF & ~(1u << PIC_CASCADE_IRQ);

static void write_mask(void)
{
	outb(PIC1_DATA, irq_mask & 0xFF);
	outb(PIC2_DATA, irq_mask >> 8);
}

/* The ELCR (edge/level control, PIIX and its kin): one bit per IRQ, set
 * for level-triggered. Firmware sets it for the IRQs it gives to PCI
 * (QEMU's SeaBIOS: 5, 9, 10, 11), but our devices are ISA and raise edges.
 * It matters for isolation too: a level-triggered line that a device
 * holds high interrupts again after every EOI until the device is
 * acknowledged, so a passthrough device's owner that never acknowledges
 * would keep the CPU in the hypervisor. Edge-triggered, it gets no more
 * interrupts until it does. So pic_init makes every line edge-triggered:
 * nothing here is PCI. */
#define ELCR1		0x4D0
#define ELCR2		0x4D1

void pic_init(void)
{
	outb(PIC1_DATA, 0xFF);			/* mask all while we program */
	outb(PIC2_DATA, 0xFF);
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, T_IRQ0);		/* ICW2: vector base */
	outb(PIC1_DATA, 1 << PIC_CASCADE_IRQ);	/* ICW3: slave on IRQ 2 */
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC2_DATA, T_IRQ0 + 8);
	outb(PIC2_DATA, PIC_CASCADE_IRQ);	/* ICW3: slave identity */
	outb(PIC2_DATA, ICW4_8086);
	outb(ELCR1, 0);				/* every line edge-triggered */
	outb(ELCR2, 0);
	write_mask();
}

void pic_unmask(int irq)
{
	irq_mask &= ~(1u << irq);
	write_mask();
}

void pic_mask(int irq)
{
	irq_mask |= 1u << irq;
	write_mask();
}

void pic_eoi(int irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}

/* IRQ 7 and 15 also arrive when a line drops before the CPU acknowledged
 * it. The in-service register tells a real interrupt from such a ghost;
 * a ghost on the slave still needs an EOI on the master. */
bool pic_is_spurious(int irq)
{
	if (irq != 7 && irq != 15)
		return false;
	uint16_t cmd = irq == 7 ? PIC1_CMD : PIC2_CMD;
	outb(cmd, OCW3_READ_ISR);
	if (inb(cmd) & 0x80)
		return false;
	if (irq == 15)
		outb(PIC1_CMD, OCW2_EOI);
	return true;
}
