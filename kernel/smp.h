/*
 * smp.h: the CPUs. Each has a struct cpu: its index (0 is the boot CPU),
 * its local APIC id, its TSS (with its own I/O permission bitmap), its
 * hypervisor stack, and the domain it runs. kernel/smp.c finds them and
 * starts them; kernel/sched.c runs domains on them.
 *
 * this_cpu() finds the running CPU's struct by its task register: CPU i
 * loaded SEL_TSS + 8 * i at start (kernel/gdt.c), so `str` names it with
 * no memory access and no per-CPU segment.
 */
#ifndef SV_SMP_H
#define SV_SMP_H

#include <stdbool.h>
#include <stdint.h>
#include "memlayout.h"
#include "param.h"
#include "segment.h"
#include "x86.h"

struct domain;

/* The TSS and, right after it, the I/O permission bitmap it points at:
 * bit p set means an in/out on port p from ring 3 is a #GP (Intel SDM
 * vol. 1, 19.5.2; guests run with IOPL 0, so the CPU consults it for
 * every in/out). It covers ports 0 .. IO_BITMAP_PORTS-1; a port past
 * its end, beyond the TSS limit, faults too. The CPU may read a byte
 * past the last one it needs, so the bitmap ends with a byte of ones. */
#define IO_BITMAP_PORTS	0x400		/* the ISA range: COM1, COM2, PIC, PIT... */
struct cpu_tss {
	struct tss tss;
	uint8_t io_bitmap[IO_BITMAP_PORTS / 8];
	uint8_t io_bitmap_end;		/* 0xFF */
} __attribute__((packed));

struct cpu {
	uint32_t index;			/* cpus[index]; 0 is the boot CPU */
	uint32_t apic_id;		/* its local APIC's id (IPIs are sent to it) */
	struct domain *running;		/* the domain it runs, or last ran while it idles */
	union {				/* the way out looks at both at once */
		struct {
			bool need_resched;	/* switch on the way out (slice over, yield) */
			bool need_slice;	/* someone waits for it now: start a slice */
		};
		uint16_t attention;
	};
	uint64_t slice_end_ns;		/* current's slice ends (0: nobody waits) */
	uint32_t stack_top;		/* its hypervisor stack */
	volatile bool online;		/* it has started and runs the hypervisor */
	volatile bool idle;		/* halted, waiting for something to run */
	volatile uint32_t requests;	/* REQ_* another CPU waits for (smp_request) */
	uint32_t not_here;		/* domains pinned to other CPUs (cpu=N) */
	uint32_t kicks;			/* IPIs it was sent, for the report */
	uint32_t ran;			/* bit id: domain id ran here (with several CPUs) */
	uint64_t timer_at;		/* its APIC timer fires then (TSC ns); 0 idle */
	uint32_t timer_irqs;		/* timer interrupts it took, for the report */
	struct cpu_tss tss __attribute__((aligned(8)));
} __attribute__((aligned(512)));	/* cpus[i] is a shift away: this_cpu() */

_Static_assert(sizeof(struct cpu) == 512, "struct cpu outgrew its 512 bytes");

extern struct cpu cpus[MAX_CPUS];
extern uint32_t ncpus;			/* CPUs started, the boot CPU included */

/* What a CPU may be asked to do to its own hardware by the holder of the
 * hypervisor lock, who waits until it is done (kernel/lock.h). */
#define REQ_LEAVE	(1u << 0)	/* its domain is dead: stop using its CR3 */
#define REQ_FLUSH_TLB	(1u << 1)	/* a mapping of its domain was removed */
#define REQ_IO_RELOAD	(1u << 2)	/* device owners changed: reload the I/O bitmap */

/* kernel/smp.c */
void smp_init_boot_cpu(void);		/* kmain, right after gdt_init */
struct cpu_topology;
/* Start the CPUs that t lists (kernel/cpufind.h), after the PIT runs. */
void smp_start(const struct cpu_topology *t);
void smp_map_apic(const struct cpu_topology *t);	/* right after paging_init */
void smp_init_apic(void);		/* the boot CPU's APIC and its timer, after tsc_init */
bool smp_is_stack_guard(uint32_t va);	/* for paging_init: leave it unmapped */
/* Ask t to do req (REQ_*) and wait until it has: with the lock held. */
void smp_request(struct cpu *t, uint32_t req);
/* Do what other CPUs asked of c: from its IPI, or while it spins. */
void smp_serve_requests(struct cpu *c);
void smp_kick(struct cpu *t);		/* an IPI: look again at what to run */
/* pgdir lost a mapping: every other CPU that runs it flushes its TLB. */
void smp_flush_tlb_others(const void *pgdir);
/* The other CPUs, waiting in ap_main, start running domains. */
void smp_release_aps(void);
void smp_report(void);			/* at power-off: what each CPU did */
extern uint32_t on_cpu_mask;		/* bit id: domain id runs on some CPU */

static inline struct cpu *this_cpu(void)
{
	return &cpus[(uint32_t)(str() - SEL_TSS) / 8];
}

#endif /* SV_SMP_H */
