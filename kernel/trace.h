/*
 * trace.h: the hypercall trace (kernel/trace.c), switched on by
 * trace=hypercalls on the hypervisor's command line. Every line starts
 * with "trace: "; docs/debugging.md documents the format and
 * tools/trace2diagram.py reads it.
 */
#ifndef SV_TRACE_H
#define SV_TRACE_H

#include <stdint.h>
#include "debug.h"	/* DEBUG_TRACE in debug_flags switches it on */

struct domain;

/* "trace: hc dom=1 ping sg_xfer(32, 1, 1, 0x2000a0c4, 2) = 1516": args
 * holds ebx, ecx, edx, esi, edi as they were on entry; argfmt has one
 * letter per argument the operation takes, 'd' (decimal) or 'x' (hex). */
void trace_hypercall(const struct domain *d, const char *op, const char *argfmt,
		     const uint32_t args[5], int32_t result);
/* "trace: raise dom=2 pong port=3": a port was set pending. */
void trace_raise(const struct domain *d, uint32_t port);
/* "trace: upcall dom=2 pong pending=0x8": the callback was entered with
 * these ports pending (unmasked or not). */
void trace_upcall(const struct domain *d, uint32_t pending);

#endif /* SV_TRACE_H */
