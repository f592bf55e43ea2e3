/*
 * lapic.c: the local APIC (lapic.h), through its registers at LAPIC_VA.
 */
#include "klib.h"
#include "lapic.h"
#include "paging.h"
#include "timer.h"
#include "tsc.h"
#include "x86.h"

/* Register offsets (Intel SDM vol. 3, table 10-1). */
#define LAPIC_ID	0x020
#define LAPIC_TPR	0x080	/* task priority: 0 accepts every vector */
#define LAPIC_EOI	0x0B0
#define LAPIC_SVR	0x0F0	/* spurious vector; bit 8 enables the APIC */
#define LAPIC_ESR	0x280	/* error status */
#define LAPIC_ICR_LO	0x300	/* interrupt command: writing it sends */
#define LAPIC_ICR_HI	0x310	/* its destination, in bits 24-31 */
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_LVT_ERROR	0x370
#define LAPIC_TIMER_INIT 0x380	/* one-shot: counts down from this to 0 */
#define LAPIC_TIMER_CUR	0x390
#define LAPIC_TIMER_DIV	0x3E0
#define TIMER_DIV_16	0x3	/* the bus clock divided by 16 */

#define SVR_ENABLE	(1u << 8)
#define LVT_MASKED	(1u << 16)
#define ICR_FIXED	(0u << 8)
#define ICR_INIT	(5u << 8)
#define ICR_STARTUP	(6u << 8)
#define ICR_PENDING	(1u << 12)	/* delivery status: not yet accepted */
#define ICR_ASSERT	(1u << 14)

static inline uint32_t reg_read(uint32_t off)
{
	return *(volatile uint32_t *)(uintptr_t)(LAPIC_VA + off);
}

static inline void reg_write(uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(LAPIC_VA + off) = v;
}

/* The settings every CPU's APIC gets: enabled, every vector accepted,
 * its timer and error interrupts masked (the PIT drives time). LINT0 and
 * LINT1 stay as the firmware left them: on the boot CPU, LINT0 is the
 * PICs' line (virtual wire) and LINT1 the NMI. */
static void enable_this_apic(void)
{
	reg_write(LAPIC_SVR, SVR_ENABLE | T_IPI_SPURIOUS);
	reg_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	reg_write(LAPIC_LVT_TIMER, LVT_MASKED | T_LAPIC_TIMER);	/* one-shot, when armed */
	reg_write(LAPIC_LVT_ERROR, LVT_MASKED);
	reg_write(LAPIC_ESR, 0);	/* the ESR is written before it is read */
	reg_write(LAPIC_TPR, 0);
}

void lapic_map(uint32_t pa)
{
	if (paging_map_mmio(LAPIC_VA, pa) < 0)
		panic("lapic: no frame for the page table that maps it");
}

void lapic_init(void)
{
	enable_this_apic();
}

void lapic_init_ap(void)
{
	enable_this_apic();
}

/* The timer's counts per second, measured by the boot CPU (every APIC
 * counts the same bus clock). 0: not measured, no timer. */
static uint64_t timer_hz;

/* Against the TSC clock (kernel/tsc.c, measured already), not the PIT:
 * deadlines are TSC times, and a timer that ran even a little faster
 * than we think would fire before them, again and again. */
#define CALIBRATE_NS	10000000ull	/* 10 ms */

void lapic_timer_calibrate(void)
{
	uint64_t t0 = tsc_now_ns(), t1;
	reg_write(LAPIC_TIMER_INIT, 0xFFFFFFFFu);
	while ((t1 = tsc_now_ns()) - t0 < CALIBRATE_NS)
		;
	uint32_t left = reg_read(LAPIC_TIMER_CUR);
	reg_write(LAPIC_TIMER_INIT, 0);		/* stopped */
	timer_hz = (uint64_t)(0xFFFFFFFFu - left) * 1000000000ull / (t1 - t0);
	printk("lapic: timer at %llu kHz (bus clock / 16, against the TSC), one-shot deadlines\n",
	       (unsigned long long)(timer_hz / 1000));
}

bool lapic_timer_present(void)
{
	return timer_hz != 0;
}

/* At most this far ahead at once (about 4 s): a guest's deadline is any
 * 64-bit value, and ns * timer_hz must not wrap into a short count that
 * would fire again and again. A farther deadline is armed again when
 * this fires (kernel/sched.c). */
#define ARM_MAX_NS	(1ull << 32)

void lapic_timer_arm(uint64_t ns)
{
	if (ns > ARM_MAX_NS)
		ns = ARM_MAX_NS;
	/* A little long (1/32 more): a timer that ran even slightly faster
	 * than we measured would fire before the deadline, and again for the
	 * remainder, and again; late by 3% at most, it fires once. */
	uint64_t count = (ns + ns / 32) * timer_hz / 1000000000ull + 1;
	if (count > 0xFFFFFFFFu)
		count = 0xFFFFFFFFu;	/* a bus clock above 1 GHz: it fires early, and is armed again */
	reg_write(LAPIC_LVT_TIMER, T_LAPIC_TIMER);
	reg_write(LAPIC_TIMER_INIT, (uint32_t)count);
}

uint32_t lapic_id(void)
{
	return reg_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	reg_write(LAPIC_EOI, 0);
}

/* Send an interrupt command and wait until the APIC has accepted it. */
static void send(uint32_t apic_id, uint32_t command)
{
	reg_write(LAPIC_ICR_HI, apic_id << 24);
	reg_write(LAPIC_ICR_LO, command);
	while (reg_read(LAPIC_ICR_LO) & ICR_PENDING)
		pause();
}

void lapic_send_ipi(uint32_t apic_id, uint32_t vector)
{
	send(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

void lapic_send_init(uint32_t apic_id)
{
	send(apic_id, ICR_INIT | ICR_ASSERT);
}

void lapic_send_startup(uint32_t apic_id, uint32_t vector_page)
{
	send(apic_id, ICR_STARTUP | (vector_page & 0xFF));
}
