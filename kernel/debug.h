/*
 * debug.h: the debug modes chosen on the hypervisor's command line
 * (kernel/cmdline.h), as bits of one word, so that the hypercall path
 * pays a single test for all of them when none is on.
 */
#ifndef SV_DEBUG_H
#define SV_DEBUG_H

#include <stdint.h>

#define DEBUG_INVARIANTS	(1u << 0)	/* check=invariants: kernel/invariants.c */
#define DEBUG_TRACE		(1u << 1)	/* trace=hypercalls: kernel/trace.c */

extern uint32_t debug_flags;	/* set once by kmain, read everywhere */

#endif /* SV_DEBUG_H */
