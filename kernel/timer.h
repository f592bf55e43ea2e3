/*
 * timer.h: the 8253/8254 programmable interval timer on IRQ 0, ticking
 * HZ times a second (param.h), and the time since boot.
 */
#ifndef SV_TIMER_H
#define SV_TIMER_H

#include <stdint.h>

void timer_init(void);
uint64_t timer_ticks(void);	/* timer interrupts since timer_init */
/* Wait at least us microseconds, counting the PIT's own count (so with
 * interrupts on or off): for the start-up of the other CPUs. */
void timer_delay_us(uint32_t us);

#endif /* SV_TIMER_H */
