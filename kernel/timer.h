/*
 * timer.h: the 8253/8254 programmable interval timer on IRQ 0, ticking
 * HZ times a second (param.h), and the time since boot.
 */
#ifndef SV_TIMER_H
#define SV_TIMER_H

#include <stdint.h>

void timer_init(void);
uint64_t timer_ticks(void);	/* timer interrupts since timer_init */

#endif /* SV_TIMER_H */
