/*
 * param.h: the hypervisor's tunables and fixed limits, in one place.
 * Every bound that protects the hypervisor from bad boot input or (later)
 * from guests lives here with the reason for its value.
 */
#ifndef SV_PARAM_H
#define SV_PARAM_H

#define HZ			100	/* timer interrupts per second */

/* CPUs: more than the tables list are counted and left halted. Each has a
 * TSS (its own I/O bitmap), a hypervisor stack and a struct cpu. */
#define MAX_CPUS		8

/* Boot input (Multiboot information from the loader). */
#define MAX_MODULES		16	/* one per domain; more are refused */
#define MAX_MODULE_BYTES	(16u << 20) /* a guest image larger than this is refused */
#define MAX_CMDLINE		256	/* kernel and module command lines, with NUL */
#define MAX_MMAP_ENTRIES	64	/* memory map entries kept; the rest ignored */
#define MAX_RAM_RANGES		32	/* usable ranges after merging */
#define MAX_RESERVED		(8 + 2 * MAX_MODULES) /* ranges the allocator must not hand out */

#endif /* SV_PARAM_H */
