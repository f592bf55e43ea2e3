/*
 * lapic.h: each CPU's local APIC (Intel SDM vol. 3, chapter 10), used for
 * what only it can do: start the other CPUs (INIT and STARTUP IPIs) and
 * send one CPU an interrupt from another (an IPI). Device interrupts keep
 * coming through the 8259 PICs to the boot CPU (kernel/smp.c says why).
 *
 * Every CPU's APIC answers at the same physical address, each CPU
 * reaching its own; the hypervisor maps it once, at LAPIC_VA, uncached.
 */
#ifndef SV_LAPIC_H
#define SV_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_VA	0xFEE00000u	/* above the direct map (memlayout.h) */
#define LAPIC_DEFAULT_PA 0xFEE00000u	/* where it is, unless a table says else */

/* Interrupt vectors of the IPIs (kernel/smp.c), above the PICs' 32-47. */
#define T_LAPIC_TIMER	0xEF	/* this CPU's one-shot timer: a domain's deadline */
#define T_IPI_KICK	0xF0	/* look again at what to run: an event, a wake, a kill */
#define T_IPI_SPURIOUS	0xFF	/* the APIC's spurious vector: no EOI, nothing to do */

/* Map the APICs' registers (physical base pa) at LAPIC_VA: once, before
 * any domain's page directory copies the hypervisor's half. */
void lapic_map(uint32_t pa);
void lapic_init(void);			/* the boot CPU: enable its APIC */
/* Every other CPU, as it starts (the mapping is shared). */
void lapic_init_ap(void);
uint32_t lapic_id(void);		/* this CPU's APIC id */
/* The timer: measure its rate against the PIT (the boot CPU, once); is
 * there one; fire T_LAPIC_TIMER on this CPU once, ns from now. */
void lapic_timer_calibrate(void);
bool lapic_timer_present(void);
void lapic_timer_arm(uint64_t ns);
void lapic_eoi(void);
/* An interrupt on vector to the CPU with APIC id apic_id. */
void lapic_send_ipi(uint32_t apic_id, uint32_t vector);
/* The start-up sequence for an AP: INIT, then STARTUP at page vector_page
 * (real-mode code at physical vector_page << 12). */
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint32_t vector_page);

#endif /* SV_LAPIC_H */
