/*
 * cpufind.h: the machine's CPUs and interrupt controllers, as the
 * firmware describes them: the ACPI MADT ("APIC" table) if there is a
 * valid one, else the tables of the Intel MultiProcessor Specification
 * 1.4 (the "_MP_" floating pointer and its "PCMP" configuration table).
 *
 * The firmware's tables are input, not truth, like the boot loader's
 * (multiboot.h): kernel/cpufind.c reads them only through boot_phys(),
 * checks every checksum and every length against what was mapped and
 * against the enclosing table before reading an entry, refuses what
 * makes no sense (duplicate APIC ids, an APIC at address 0), and prints
 * a "cpufind: " line for each problem. What it returns has been checked;
 * nothing after it reads the firmware's tables again.
 *
 * Pure bookkeeping over boot_phys(): also compiled into tests/unit.
 */
#ifndef SV_CPUFIND_H
#define SV_CPUFIND_H

#include <stdbool.h>
#include <stdint.h>

#define CPUFIND_MAX_CPUS	8	/* CPUs stored; more are counted in extra_cpus */
#define CPUFIND_MAX_OVERRIDES	16	/* one per ISA IRQ at most */

/*
 * Polarity and trigger of an interrupt input: the "MPS INTI flags",
 * encoded the same way in the MADT's interrupt source overrides and in
 * the MP table's I/O interrupt entries. 0 means "as the bus does": for
 * ISA, active high and edge triggered. 2 is reserved in both fields.
 */
#define INTI_POLARITY(flags)	((flags) & 3)
#define INTI_TRIGGER(flags)	(((flags) >> 2) & 3)
#define INTI_BUS_DEFAULT	0
#define INTI_ACTIVE_HIGH	1	/* polarity */
#define INTI_ACTIVE_LOW		3
#define INTI_EDGE		1	/* trigger */
#define INTI_LEVEL		3

struct cpufind_cpu {
	uint8_t apic_id;		/* local APIC id: the target of its INIT and SIPI */
};

struct cpufind_ioapic {
	uint8_t id;			/* I/O APIC id */
	uint32_t addr;			/* physical address of its registers */
	uint32_t gsi_base;		/* global system interrupt of its input 0 */
};

/* ISA IRQ isa_irq arrives at global system interrupt gsi, not at gsi
 * isa_irq as it would by default (or arrives there with other flags). */
struct cpufind_override {
	uint8_t isa_irq;		/* 0..15 */
	uint32_t gsi;
	uint16_t flags;			/* INTI_POLARITY, INTI_TRIGGER */
};

struct cpu_topology {
	const char *source;		/* "ACPI MADT", "MP table"; NULL if none was valid */
	uint32_t lapic_addr;		/* physical base of every CPU's local APIC */

	int ncpus;			/* usable CPUs in cpus[], in table order */
	struct cpufind_cpu cpus[CPUFIND_MAX_CPUS];
	int boot;			/* index in cpus[] of the boot processor, or -1
					 * if the table does not say (the MADT never
					 * does: compare with your own APIC id) */
	int extra_cpus;			/* usable CPUs beyond CPUFIND_MAX_CPUS: not stored */
	int disabled_cpus;		/* CPUs the table lists as not usable: skipped */

	bool has_ioapic;
	struct cpufind_ioapic ioapic;	/* the first usable one in the table */
	int nioapics;			/* usable I/O APICs listed, the first included */

	int noverrides;			/* ISA IRQs not wired identically to GSIs */
	struct cpufind_override overrides[CPUFIND_MAX_OVERRIDES];

	/* The two 8259A PICs are there (MADT flag PCAT_COMPAT; an MP system
	 * is PC/AT compatible, so always true with the MP table): mask them
	 * before using the I/O APIC. */
	bool legacy_pics;
	/* MP feature byte 2, bit 7 (IMCRP): the machine starts in PIC mode
	 * behind an IMCR (ports 0x22/0x23) that must be switched to route
	 * interrupts through the APICs. The MADT has no such flag: false. */
	bool imcr;

	uint32_t warnings;		/* "cpufind: " lines printed */
};

/*
 * Find and read the firmware's tables into t: the ACPI MADT first, the
 * MP table if there is no valid MADT. Prints a "cpufind: " line for every
 * problem, the entry or table it was in and what was done about it.
 * Returns true if one of them gave at least one usable CPU and a local
 * APIC address; false, with t->source NULL and a line saying why, if
 * neither did: the caller then runs on the boot CPU alone.
 *
 * Reads physical memory through boot_phys(): call it while that can
 * reach the BIOS areas and the tables (before paging_init narrows the
 * direct map to RAM).
 */
bool cpufind(struct cpu_topology *t);

/* Print what t holds: a summary line, a line per CPU, the I/O APIC, the
 * ISA overrides and the PICs, each line beginning "cpu". */
void cpufind_report(const struct cpu_topology *t);

#endif /* SV_CPUFIND_H */
