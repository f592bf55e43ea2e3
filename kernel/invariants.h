/*
 * invariants.h: the debug check mode (kernel/invariants.c), switched on
 * by check=invariants on the hypervisor's command line.
 */
#ifndef SV_INVARIANTS_H
#define SV_INVARIANTS_H

#include "debug.h"	/* DEBUG_INVARIANTS in debug_flags switches it on */

/* Verify the frame table against every page table; panic naming after
 * (e.g. the hypercall just made) if anything disagrees. */
void invariants_check(const char *after);

#endif /* SV_INVARIANTS_H */
