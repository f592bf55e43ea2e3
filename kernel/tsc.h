/*
 * tsc.h: the hypervisor's clock: nanoseconds since boot from the TSC,
 * whose rate kernel/tsc.c measures against the PIT at boot. Guests get
 * the same clock through their shared-info page (struct sv_time_info,
 * include/sharevisor.h) and read it without a hypercall.
 */
#ifndef SV_TSC_H
#define SV_TSC_H

#include <stdint.h>
#include "sharevisor.h"

void tsc_init(void);			/* after the PIT runs: measure the TSC */
uint64_t tsc_now_ns(void);		/* nanoseconds since tsc_init */
void tsc_fill_time_info(struct sv_time_info *t);	/* a domain's copy of the scale */

#endif /* SV_TSC_H */
