/*
 * timer.c: the PIT, channel 0, in rate-generator mode at HZ. Its tick
 * keeps time during the boot (the self-tests, the clocks measured
 * against its count); once the domains run, only with tick=periodic or
 * without an APIC timer (kernel/sched.c, sched_tick): tickless, its
 * interrupt is masked.
 */
#include "domain.h"
#include "param.h"
#include "timer.h"
#include "trap.h"
#include "x86.h"

#define PIT_CH0		0x40
#define PIT_CMD		0x43
#define PIT_HZ		1193182	/* the PIT's input clock */
#define PIT_CH0_RATE	0x34	/* channel 0, low then high byte, mode 2 */

static volatile uint64_t ticks;

static void timer_interrupt(struct trapframe *tf)
{
	(void)tf;
	ticks++;
	sched_tick();	/* domain timers and time slices */
}

void timer_init(void)
{
	uint16_t divisor = (PIT_HZ + HZ / 2) / HZ;

	outb(PIT_CMD, PIT_CH0_RATE);
	outb(PIT_CH0, divisor & 0xFF);
	outb(PIT_CH0, divisor >> 8);
	irq_register(IRQ_TIMER, timer_interrupt);
}

/* The PIT's channel 0 counts down from the divisor to 1 at PIT_HZ and
 * starts again; a latch command freezes the count for reading. */
static uint32_t pit_count(void)
{
	outb(PIT_CMD, 0x00);		/* latch channel 0 */
	uint32_t lo = inb(PIT_CH0);
	return lo | (uint32_t)inb(PIT_CH0) << 8;
}

void timer_delay_us(uint32_t us)
{
	uint32_t divisor = (PIT_HZ + HZ / 2) / HZ;
	uint64_t need = (uint64_t)us * PIT_HZ / 1000000 + 1, passed = 0;
	uint32_t prev = pit_count();

	while (passed < need) {
		uint32_t now = pit_count();
		passed += prev >= now ? prev - now : prev + divisor - now;
		prev = now;
	}
}

uint64_t timer_ticks(void)
{
	/* A 64-bit read is two loads; stop the tick from landing between. */
	uint32_t flags = read_eflags();
	cli();
	uint64_t t = ticks;
	if (flags & EFLAGS_IF)
		sti();
	return t;
}
