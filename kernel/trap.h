/*
 * trap.h: the trap frame, the picture of the interrupted CPU state that
 * kernel/trapentry.asm builds on the stack for every interrupt and
 * exception, and the vector numbers.
 */
#ifndef SV_TRAP_H
#define SV_TRAP_H

#include <stdint.h>
#include "memlayout.h"

/* CPU exceptions (Intel SDM vol. 3, table 6-1). */
#define T_DIVIDE	0	/* #DE divide error */
#define T_DEBUG		1
#define T_NMI		2
#define T_BRKPT		3
#define T_OFLOW		4
#define T_BOUND		5
#define T_ILLOP		6	/* #UD invalid opcode */
#define T_DEVICE	7
#define T_DBLFLT	8	/* #DF, handled by a task gate (kernel/gdt.c) */
#define T_TSS		10
#define T_SEGNP		11
#define T_STACK		12
#define T_GPFLT		13	/* #GP general protection */
#define T_PGFLT		14	/* #PF page fault */
#define T_FPERR		16
#define T_ALIGN		17
#define T_MCHK		18
#define T_SIMDERR	19
#define T_NUM_EXCEPTIONS 32

#define T_IRQ0		32	/* the PIC's IRQ 0..15 arrive at 32..47 */
#define IRQ_TIMER	0

/* Page-fault error code bits. */
#define PF_PRESENT	0x1	/* 0: page not present; 1: protection violation */
#define PF_WRITE	0x2
#define PF_USER		0x4
#define PF_RSVD		0x8
#define PF_IFETCH	0x10

/* Laid out by trapentry.asm, lowest address first. */
struct trapframe {
	/* pushad */
	uint32_t edi, esi, ebp;
	uint32_t esp_pushad;	/* ignored by popad */
	uint32_t ebx, edx, ecx, eax;
	/* segment registers, pushed as 32-bit words */
	uint16_t gs, pad_gs, fs, pad_fs, es, pad_es, ds, pad_ds;
	uint32_t trapno;
	uint32_t err;		/* the CPU's error code, or 0 */
	/* pushed by the CPU */
	uint32_t eip;
	uint16_t cs, pad_cs;
	uint32_t eflags;
	/* only when the trap came from ring 3 */
	uint32_t esp;
	uint16_t ss, pad_ss;
};

_Static_assert(sizeof(struct trapframe) == TRAPFRAME_SIZE, "must match kernel/trapentry.asm");
_Static_assert(__builtin_offsetof(struct trapframe, cs) == TRAPFRAME_CS,
	       "must match kernel/trapentry.asm");

/* Each returns the frame to resume: tf, or after a switch the frame of
 * the domain switched to (kernel/trapentry.asm). */
struct trapframe *trap(struct trapframe *tf);
struct trapframe *hypercall_trap(struct trapframe *tf);	/* vector SV_HYPERCALL_VECTOR */
struct trapframe *hypercall_trap_smp(struct trapframe *tf);	/* the same, several CPUs */

/* Interrupt handlers registered by other files (the timer, later devices). */
typedef void (*irq_handler_t)(struct trapframe *tf);
void irq_register(int irq, irq_handler_t handler);

#endif /* SV_TRAP_H */
