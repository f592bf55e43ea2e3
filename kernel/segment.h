/*
 * segment.h: the GDT, the task-state segments and the IDT.
 *
 * Segmentation is flat (base 0, limit 4 GiB) for every segment: protection
 * comes from paging's U/S bit. The GDT exists for the privilege levels
 * (ring 0 for the hypervisor, ring 3 for guests) and for the TSS, which
 * tells the CPU which stack to use when a ring-3 guest traps.
 */
#ifndef SV_SEGMENT_H
#define SV_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

/* The hardware task-state segment (Intel SDM vol. 3, 8.2.1). */
struct tss {
	uint32_t link;
	uint32_t esp0, ss0;	/* stack for traps from ring 3 */
	uint32_t esp1, ss1, esp2, ss2;
	uint32_t cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs;
	uint32_t ldt;
	uint16_t trap, iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "TSS layout is fixed by the CPU");

/* kernel/gdt.c */
void gdt_init(void);			/* the boot CPU: every CPU's TSS, then its own */
void gdt_init_ap(uint32_t index);	/* another CPU, as it starts */
/* Open (or close) ports [first, first + count) to ring 3 in this CPU's
 * I/O permission bitmap; is one open now? */
struct cpu;
void tss_io_ports(struct cpu *c, uint32_t first, uint32_t count, bool open);
bool tss_io_port_open(const struct cpu *c, uint32_t port);
/* Where the CPU saves a ring-3 guest's registers when it traps: just past
 * the running domain's struct trapframe (kernel/sched.c's switch_to). */
static inline void tss_set_kernel_stack(struct tss *t, uint32_t esp0)
{
	t->esp0 = esp0;
}

/* The double-fault task: the CPU whose task the fault left (its TSS
 * holds the state), or NULL. */
struct cpu;
struct cpu *double_fault_interrupted(void);

/* kernel/trap.c */
void idt_init(void);
void idt_load(void);	/* another CPU, as it starts: the same table */
void idt_hypercall_smp(void);	/* the hypercall gate to the entry that locks */

#endif /* SV_SEGMENT_H */
