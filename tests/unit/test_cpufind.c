/*
 * test_cpufind.c: kernel/cpufind.c, the reader of the ACPI MADT and the
 * MP table. Each scenario builds the firmware's tables in the fake
 * physical memory (tests/unit/unit.c) the way SeaBIOS lays them out
 * under QEMU, with checksums computed here, then damages them on
 * purpose, and checks the struct cpu_topology that cpufind makes of
 * them: the CPUs, the local APIC address, the I/O APIC, the ISA
 * overrides and the PIC flags, and one "cpufind: " line (counted in
 * warnings) for every defect, while what was good before it is kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpufind.h"
#include "klib.h"
#include "unit.h"

/* Where the tables go. */
#define EBDA_PA		0x9FC00		/* EBDA segment 0x9FC0, as SeaBIOS */
#define BASE_KIB	639		/* base memory: its last KiB at 0x9F800 */
#define BASE_LAST_KIB	0x9F800
#define RSDP_PA		0xF5A00		/* in the BIOS area */
#define MPFP_PA		0xF5B00
#define RSDT_PA		0x100000
#define XSDT_PA		0x100800
#define FACP_PA		0x101000
#define MADT_PA		0x102000
#define MADT2_PA	0x103000
#define MPC_PA		0x104000
#define HOLE_PA		0x200000	/* made unreadable where a test says so */
#define FAR_PA		0x2000000	/* beyond the fake memory */

#define LAPIC		0xFEE00000u
#define IOAPIC		0xFEC00000u

static struct cpu_topology t;

/* ---- building tables ---- */

struct table {
	uint8_t b[2048];
	uint32_t len;
	uint16_t count;		/* MP table entries */
};

static void emit(struct table *tb, const void *p, size_t n)
{
	if (tb->len + n > sizeof(tb->b)) {
		printf("not ok - test bug: table full\n");
		exit(1);
	}
	memcpy(tb->b + tb->len, p, n);
	tb->len += (uint32_t)n;
}

/* Little-endian, as the host (x86) is. */
static void emit8(struct table *tb, uint8_t v) { emit(tb, &v, 1); }
static void emit16(struct table *tb, uint16_t v) { emit(tb, &v, 2); }
static void emit32(struct table *tb, uint32_t v) { emit(tb, &v, 4); }
static void emit64(struct table *tb, uint64_t v) { emit(tb, &v, 8); }

/* Set p[at] so that the bytes p[0, len) add up to 0 (mod 256). */
static void fix_checksum(uint8_t *p, size_t len, size_t at)
{
	uint8_t s = 0;
	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		s += p[i];
	p[at] = (uint8_t)-s;
}

/* Flip a byte of fake memory: its table's checksum no longer adds up. */
static void damage(uint64_t pa)
{
	*(uint8_t *)unit_phys(pa, 1) ^= 0x40;
}

/* ACPI: a table header; its length and checksum are set by sdt_put. */
static void sdt_begin(struct table *tb, const char *sig)
{
	memset(tb, 0, sizeof(*tb));
	emit(tb, sig, 4);
	emit32(tb, 0);			/* length */
	emit8(tb, 1);			/* revision */
	emit8(tb, 0);			/* checksum */
	emit(tb, "BOCHS ", 6);
	emit(tb, "BXPC    ", 8);
	emit32(tb, 1);			/* OEM revision */
	emit(tb, "BXPC", 4);
	emit32(tb, 1);
}

static void sdt_put(uint64_t pa, struct table *tb)
{
	memcpy(tb->b + 4, &tb->len, 4);
	fix_checksum(tb->b, tb->len, 9);
	unit_phys_put(pa, tb->b, tb->len);
}

static void madt_begin(struct table *m, uint32_t lapic, uint32_t flags)
{
	sdt_begin(m, "APIC");
	emit32(m, lapic);
	emit32(m, flags);		/* bit 0: PCAT_COMPAT */
}

static void madt_cpu(struct table *m, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	emit8(m, 0);
	emit8(m, 8);
	emit8(m, uid);
	emit8(m, apic_id);
	emit32(m, flags);		/* bit 0 enabled, bit 1 online capable */
}

static void madt_ioapic(struct table *m, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	emit8(m, 1);
	emit8(m, 12);
	emit8(m, id);
	emit8(m, 0);
	emit32(m, addr);
	emit32(m, gsi_base);
}

static void madt_override(struct table *m, uint8_t bus, uint8_t irq, uint32_t gsi,
			  uint16_t flags)
{
	emit8(m, 2);
	emit8(m, 10);
	emit8(m, bus);
	emit8(m, irq);
	emit32(m, gsi);
	emit16(m, flags);
}

static void madt_lapic_override(struct table *m, uint64_t addr)
{
	emit8(m, 5);
	emit8(m, 12);
	emit16(m, 0);
	emit64(m, addr);
}

/* Local APIC NMI on LINT1 of every CPU, as QEMU lists it. */
static void madt_lapic_nmi(struct table *m)
{
	emit8(m, 4);
	emit8(m, 6);
	emit8(m, 0xff);
	emit16(m, 0);
	emit8(m, 1);
}

/* QEMU's MADT for n CPUs with APIC ids 0..n-1 (hw/i386/acpi-common.c). */
static void qemu_madt(struct table *m, int n)
{
	madt_begin(m, LAPIC, 1);
	for (int i = 0; i < n; i++)
		madt_cpu(m, (uint8_t)i, (uint8_t)i, 1);
	madt_ioapic(m, 0, IOAPIC, 0);
	madt_override(m, 0, 0, 2, 0);			/* the timer on input 2 */
	madt_override(m, 0, 5, 5, 0xd);			/* PCI links: level, active high */
	madt_override(m, 0, 9, 9, 0xd);
	madt_override(m, 0, 10, 10, 0xd);
	madt_override(m, 0, 11, 11, 0xd);
	madt_lapic_nmi(m);
}

static void put_rsdt(uint64_t pa, const uint32_t *tables, int n)
{
	struct table tb;
	sdt_begin(&tb, "RSDT");
	for (int i = 0; i < n; i++)
		emit32(&tb, tables[i]);
	sdt_put(pa, &tb);
}

static void put_xsdt(uint64_t pa, const uint64_t *tables, int n)
{
	struct table tb;
	sdt_begin(&tb, "XSDT");
	for (int i = 0; i < n; i++)
		emit64(&tb, tables[i]);
	sdt_put(pa, &tb);
}

/* An RSDP: 20 bytes for revision 0, 36 with the XSDT from revision 2. */
static void put_rsdp(uint64_t pa, uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
	uint8_t r[36] = { 0 };
	uint32_t len = 36;
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "BOCHS ", 6);
	r[15] = revision;
	memcpy(r + 16, &rsdt, 4);
	fix_checksum(r, 20, 8);
	if (revision >= 2) {
		memcpy(r + 20, &len, 4);
		memcpy(r + 24, &xsdt, 8);
		fix_checksum(r, 36, 32);	/* bytes 0-19 unchanged: both hold */
	}
	unit_phys_put(pa, r, revision >= 2 ? 36 : 20);
}

/* The ACPI tables SeaBIOS gives: RSDP (revision 0) -> RSDT -> FACP, MADT. */
static void acpi_with(struct table *madt)
{
	struct table facp;
	sdt_begin(&facp, "FACP");
	sdt_put(FACP_PA, &facp);
	sdt_put(MADT_PA, madt);
	put_rsdt(RSDT_PA, (uint32_t[]){ FACP_PA, MADT_PA }, 2);
	put_rsdp(RSDP_PA, 0, RSDT_PA, 0);
}

/* MP: the configuration table header; length, count and checksum are
 * set by mpc_put. */
static void mpc_begin(struct table *tb, uint32_t lapic)
{
	memset(tb, 0, sizeof(*tb));
	emit(tb, "PCMP", 4);
	emit16(tb, 0);			/* base table length */
	emit8(tb, 4);			/* spec revision 1.4 */
	emit8(tb, 0);			/* checksum */
	emit(tb, "BOCHSCPU", 8);
	emit(tb, "0.1         ", 12);
	emit32(tb, 0);			/* OEM table */
	emit16(tb, 0);
	emit16(tb, 0);			/* entry count */
	emit32(tb, lapic);
	emit16(tb, 0);			/* extended table */
	emit8(tb, 0);
	emit8(tb, 0);
}

static void mp_cpu(struct table *tb, uint8_t apic_id, uint8_t flags)
{
	emit8(tb, 0);
	emit8(tb, apic_id);
	emit8(tb, 0x14);		/* local APIC version */
	emit8(tb, flags);		/* bit 0 enabled, bit 1 boot processor */
	emit32(tb, 0x663);		/* CPU signature */
	emit32(tb, 0x201);		/* CPUID features */
	emit32(tb, 0);
	emit32(tb, 0);
	tb->count++;
}

static void mp_bus(struct table *tb, uint8_t id, const char *type)
{
	emit8(tb, 1);
	emit8(tb, id);
	emit(tb, type, 6);
	tb->count++;
}

static void mp_ioapic(struct table *tb, uint8_t id, uint8_t flags, uint32_t addr)
{
	emit8(tb, 2);
	emit8(tb, id);
	emit8(tb, 0x11);		/* version */
	emit8(tb, flags);		/* bit 0 enabled */
	emit32(tb, addr);
	tb->count++;
}

static void mp_interrupt(struct table *tb, uint8_t type, uint8_t kind, uint16_t flags,
			 uint8_t bus, uint8_t irq, uint8_t ioapic, uint8_t pin)
{
	emit8(tb, type);		/* 3 I/O interrupt, 4 local interrupt */
	emit8(tb, kind);		/* 0 INT, 1 NMI, 2 SMI, 3 ExtINT */
	emit16(tb, flags);
	emit8(tb, bus);
	emit8(tb, irq);
	emit8(tb, ioapic);
	emit8(tb, pin);
	tb->count++;
}

static void mpc_put(uint64_t pa, struct table *tb)
{
	uint16_t len = (uint16_t)tb->len;
	memcpy(tb->b + 4, &len, 2);
	memcpy(tb->b + 34, &tb->count, 2);
	fix_checksum(tb->b, tb->len, 7);
	unit_phys_put(pa, tb->b, tb->len);
}

/* The floating pointer, 16 bytes, pointing to the table at config. */
static void put_mpfp(uint64_t pa, uint32_t config, uint8_t feature1, uint8_t feature2)
{
	uint8_t f[16] = { '_', 'M', 'P', '_' };
	memcpy(f + 4, &config, 4);
	f[8] = 1;			/* 16-byte units */
	f[9] = 4;			/* spec 1.4 */
	f[11] = feature1;
	f[12] = feature2;		/* bit 7: IMCR present */
	fix_checksum(f, 16, 10);
	unit_phys_put(pa, f, 16);
}

/* SeaBIOS's MP table for two CPUs: APIC ids 0 (BP) and 1, one ISA bus,
 * the I/O APIC (id 0), the ISA IRQs, IRQ 0 on input 2. */
static void mp_two_cpus(void)
{
	struct table tb;
	mpc_begin(&tb, LAPIC);
	mp_cpu(&tb, 0, 3);
	mp_cpu(&tb, 1, 1);
	mp_bus(&tb, 0, "ISA   ");
	mp_ioapic(&tb, 0, 1, IOAPIC);
	mp_interrupt(&tb, 3, 0, 0, 0, 0, 0, 2);
	mp_interrupt(&tb, 3, 0, 0, 0, 1, 0, 1);
	mpc_put(MPC_PA, &tb);
	put_mpfp(MPFP_PA, MPC_PA, 0, 0);
}

/* ---- running it ---- */

/* Fresh memory with a BIOS data area that names the EBDA and base memory
 * as SeaBIOS does; no tables yet. */
static void begin(void)
{
	uint16_t ebda_segment = EBDA_PA >> 4, base_kib = BASE_KIB;
	unit_phys_reset();
	unit_phys_put(0x40E, &ebda_segment, 2);
	unit_phys_put(0x413, &base_kib, 2);
	memset(&t, 0xAA, sizeof(t));	/* cpufind must set every field */
}

static bool run(void)
{
	unit_log_clear();
	return cpufind(&t);
}

/* Every problem is one "cpufind: " line and one warning. */
static void check_warnings(uint32_t want, const char *scenario)
{
	CHECK_EQ(t.warnings, want, "%s: %u warning(s)", scenario, want);
	CHECK_EQ(unit_log_count("cpufind: "), t.warnings,
		 "%s: one 'cpufind:' line per warning", scenario);
}

static bool cpus_are(const uint8_t *ids, int n)
{
	if (t.ncpus != n)
		return false;
	for (int i = 0; i < n; i++)
		if (t.cpus[i].apic_id != ids[i])
			return false;
	return true;
}

static const char *show_cpus(void)
{
	static char buf[200];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "%d CPUs:", t.ncpus);
	for (int i = 0; i < t.ncpus && i < CPUFIND_MAX_CPUS && n < sizeof(buf) - 8; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %u", t.cpus[i].apic_id);
	return buf;
}

#define CHECK_CPUS(ids, ...) \
	unit_check(cpus_are((ids), (int)sizeof(ids)), __FILE__, __LINE__, show_cpus(), __VA_ARGS__)

static bool override_is(int i, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	return i < t.noverrides && t.overrides[i].isa_irq == irq && t.overrides[i].gsi == gsi &&
	       t.overrides[i].flags == flags;
}

/* Nothing of a refused table is left in t. */
static bool empty(void)
{
	return t.source == NULL && t.lapic_addr == 0 && t.ncpus == 0 && t.boot == -1 &&
	       t.extra_cpus == 0 && t.disabled_cpus == 0 && !t.has_ioapic && t.nioapics == 0 &&
	       t.noverrides == 0 && !t.legacy_pics && !t.imcr;
}

/* ---- ACPI ---- */

static void test_qemu_two_cpus(void)
{
	struct table m;
	begin();
	qemu_madt(&m, 2);
	acpi_with(&m);
	CHECK(run(), "QEMU's MADT, 2 CPUs: cpufind succeeds");
	CHECK_STR(t.source, "ACPI MADT", "QEMU's MADT: the source is the MADT");
	CHECK_EQ(t.lapic_addr, LAPIC, "QEMU's MADT: the local APIC address");
	CHECK_CPUS(((uint8_t[]){ 0, 1 }), "QEMU's MADT: CPUs with APIC ids 0 and 1, in order");
	CHECK_EQ(t.boot, -1, "QEMU's MADT: the boot CPU is not marked (ACPI never does)");
	CHECK(t.extra_cpus == 0 && t.disabled_cpus == 0, "QEMU's MADT: none extra, none disabled");
	CHECK(t.has_ioapic && t.ioapic.id == 0 && t.ioapic.addr == IOAPIC &&
	      t.ioapic.gsi_base == 0 && t.nioapics == 1,
	      "QEMU's MADT: one I/O APIC, id 0 at 0xfec00000, GSI base 0");
	CHECK(t.legacy_pics && !t.imcr, "QEMU's MADT: PCAT_COMPAT gives the 8259s; no IMCR");
	check_warnings(0, "QEMU's MADT");

	/* The interrupt source overrides */
	CHECK_EQ(t.noverrides, 5, "QEMU's MADT: 5 ISA overrides");
	CHECK(override_is(0, 0, 2, 0), "override: ISA IRQ 0 -> GSI 2, bus default flags");
	CHECK(override_is(1, 5, 5, 0xd) && override_is(2, 9, 9, 0xd) &&
	      override_is(3, 10, 10, 0xd) && override_is(4, 11, 11, 0xd),
	      "override: ISA IRQs 5, 9, 10, 11 keep their GSI, flags 0xd");
	CHECK(INTI_POLARITY(t.overrides[2].flags) == INTI_ACTIVE_HIGH &&
	      INTI_TRIGGER(t.overrides[2].flags) == INTI_LEVEL,
	      "override: flags 0xd decode as active high, level triggered");

	unit_log_clear();
	cpufind_report(&t);
	CHECK_LOG("cpu: 2 CPUs from the ACPI MADT, local APIC at 0xfee00000\n",
		  "report: the summary line");
	CHECK_LOG("cpu 0: APIC id 0\ncpu 1: APIC id 1\n", "report: a line per CPU");
	CHECK_LOG("cpu: I/O APIC id 0 at 0xfec00000, GSI base 0 (1 I/O APIC)\n",
		  "report: the I/O APIC line");
	CHECK_LOG("cpu: ISA IRQ 0 -> GSI 2, bus polarity, bus trigger\n", "report: IRQ 0's override");
	CHECK_LOG("cpu: ISA IRQ 9 -> GSI 9, active high, level\n", "report: IRQ 9's override");
	CHECK_LOG("cpu: legacy 8259 PICs present\n", "report: the PICs");
}

static void test_eight_cpus(void)
{
	struct table m;
	begin();
	madt_begin(&m, LAPIC, 0);			/* no PCAT_COMPAT */
	for (int i = 0; i < 8; i++)
		madt_cpu(&m, (uint8_t)i, (uint8_t)(2 * i), 1);
	sdt_put(MADT_PA, &m);
	put_rsdt(RSDT_PA, (uint32_t[]){ MADT_PA }, 1);
	put_rsdp(EBDA_PA + 0x40, 0, RSDT_PA, 0);	/* found in the EBDA */
	CHECK(run(), "8 CPUs, RSDP in the EBDA: cpufind succeeds");
	CHECK_CPUS(((uint8_t[]){ 0, 2, 4, 6, 8, 10, 12, 14 }),
		   "8 CPUs: all stored, sparse APIC ids kept as given");
	CHECK_EQ(t.extra_cpus, 0, "8 CPUs: none extra");
	CHECK(!t.has_ioapic && t.nioapics == 0 && t.noverrides == 0,
	      "8 CPUs: no I/O APIC, no overrides");
	CHECK(!t.legacy_pics, "8 CPUs: no PCAT_COMPAT, no 8259s");
	check_warnings(0, "8 CPUs");
	unit_log_clear();
	cpufind_report(&t);
	CHECK_LOG("cpu: 8 CPUs from the ACPI MADT", "report: 8 CPUs");
	CHECK_LOG("cpu 7: APIC id 14\n", "report: the eighth CPU");
	CHECK_LOG("cpu: no I/O APIC\n", "report: no I/O APIC");
	CHECK_LOG("cpu: legacy 8259 PICs absent\n", "report: no PICs");
}

static void test_nine_cpus(void)
{
	struct table m;
	begin();
	qemu_madt(&m, 9);
	acpi_with(&m);
	CHECK(run(), "9 CPUs: cpufind succeeds");
	CHECK_CPUS(((uint8_t[]){ 0, 1, 2, 3, 4, 5, 6, 7 }), "9 CPUs: the first 8 are stored");
	CHECK_EQ(t.extra_cpus, 1, "9 CPUs: the ninth is counted in extra_cpus");
	CHECK(t.has_ioapic && t.noverrides == 5, "9 CPUs: the entries after the CPUs are still read");
	CHECK_LOG("cpufind: the MADT lists 1 more usable CPU(s) than the 8 kept: not used\n",
		  "9 CPUs: the extra CPU is reported");
	check_warnings(1, "9 CPUs");
	unit_log_clear();
	cpufind_report(&t);
	CHECK_LOG("cpu: 1 more CPU(s) not used (at most 8)\n", "report: the extra CPU");
}

static void test_disabled_cpus(void)
{
	struct table m;
	begin();
	madt_begin(&m, LAPIC, 1);
	madt_cpu(&m, 0, 0, 1);
	madt_cpu(&m, 1, 1, 0);				/* disabled */
	madt_cpu(&m, 2, 2, 1);
	madt_cpu(&m, 3, 3, 2);				/* online capable, not enabled */
	madt_cpu(&m, 4, 0xff, 0);			/* a placeholder, as firmware lists them */
	acpi_with(&m);
	CHECK(run(), "disabled CPUs: cpufind succeeds");
	CHECK_CPUS(((uint8_t[]){ 0, 2 }), "disabled CPUs: only the enabled ones are used");
	CHECK_EQ(t.disabled_cpus, 3, "disabled CPUs: 3 counted as disabled");
	check_warnings(0, "disabled CPUs are not a problem");
	unit_log_clear();
	cpufind_report(&t);
	CHECK_LOG("cpu: 3 disabled CPU(s) skipped\n", "report: the disabled CPUs");
}

static void test_duplicates(void)
{
	struct table m;
	begin();
	madt_begin(&m, LAPIC, 1);
	madt_cpu(&m, 0, 0, 1);				/* offset 44 */
	madt_cpu(&m, 1, 1, 1);				/* 52 */
	madt_cpu(&m, 2, 1, 1);				/* 60: APIC id 1 again */
	madt_cpu(&m, 3, 2, 1);				/* 68 */
	madt_cpu(&m, 4, 0xff, 1);			/* 76: the broadcast id, enabled */
	madt_ioapic(&m, 1, 0, 0);			/* 84: at address 0 */
	madt_ioapic(&m, 0, IOAPIC, 0);			/* 96 */
	madt_ioapic(&m, 0, IOAPIC + 0x1000, 24);	/* 108: id 0 again */
	madt_ioapic(&m, 2, IOAPIC + 0x2000, 24);	/* 120 */
	madt_override(&m, 0, 0, 2, 0);			/* 132 */
	madt_override(&m, 0, 0, 5, 0);			/* 142: IRQ 0 again */
	madt_override(&m, 0, 16, 16, 0);		/* 152: no ISA IRQ 16 */
	madt_override(&m, 1, 3, 3, 0);			/* 162: not the ISA bus */
	madt_override(&m, 0, 4, 4, 0x2);		/* 172: reserved polarity */
	acpi_with(&m);
	CHECK(run(), "duplicates: cpufind succeeds");
	CHECK_CPUS(((uint8_t[]){ 0, 1, 2 }), "duplicates: a repeated APIC id is refused, 0xff too");
	CHECK_LOG("cpufind: MADT entry at offset 60: APIC id 1 is listed twice: "
		  "the second CPU is refused\n", "duplicates: the repeated CPU is reported");
	CHECK_LOG("cpufind: MADT entry at offset 76: APIC id 0xff is the broadcast id",
		  "duplicates: APIC id 0xff is reported");
	CHECK(t.has_ioapic && t.ioapic.id == 0 && t.ioapic.addr == IOAPIC && t.nioapics == 2,
	      "duplicates: I/O APIC at 0 and repeated I/O APIC id refused; 2 left, id 0 first");
	CHECK_LOG("cpufind: MADT entry at offset 84: I/O APIC 1 at address 0: refused\n",
		  "duplicates: the I/O APIC at 0 is reported");
	CHECK_LOG("cpufind: MADT entry at offset 108: I/O APIC id 0 is listed twice",
		  "duplicates: the repeated I/O APIC is reported");
	CHECK(t.noverrides == 1 && override_is(0, 0, 2, 0),
	      "duplicates: only the first, valid override is kept");
	CHECK_LOG("offset 142: a second override for ISA IRQ 0: skipped", "... a second IRQ 0");
	CHECK_LOG("offset 152: ISA IRQ 16 does not exist: skipped", "... IRQ 16");
	CHECK_LOG("offset 162: an override for bus 1, not ISA (0): skipped", "... bus 1");
	CHECK_LOG("offset 172: ISA IRQ 4 has reserved flags 0x2: skipped", "... reserved flags");
	check_warnings(8, "duplicates");
}

static void test_bad_rsdp(void)
{
	struct table m;
	begin();
	qemu_madt(&m, 2);
	acpi_with(&m);
	damage(RSDP_PA + 12);				/* in the OEM id */
	mp_two_cpus();
	CHECK(run(), "a bad RSDP checksum: cpufind succeeds with the MP table");
	CHECK_STR(t.source, "MP table", "a bad RSDP checksum: the MP table is used");
	CHECK(t.ncpus == 2 && t.boot == 0, "a bad RSDP checksum: the MP table's 2 CPUs, BP first");
	CHECK_LOG("cpufind: an RSDP at 0xf5a00 has a bad checksum: ignored\n",
		  "a bad RSDP checksum: reported");
	CHECK_LOG("cpufind: no ACPI RSDP (\"RSD PTR \") with a valid checksum\n",
		  "a bad RSDP checksum: then no RSDP");
	check_warnings(2, "bad RSDP");
}

static void test_bad_madt(void)
{
	struct table m;
	begin();
	qemu_madt(&m, 2);
	acpi_with(&m);
	damage(MADT_PA + 44 + 3);			/* the first CPU's APIC id */
	CHECK(!run(), "a bad MADT checksum, no MP table: cpufind fails");
	CHECK(empty(), "a bad MADT checksum: nothing in the topology");
	CHECK_LOG("cpufind: the MADT at 0x102000 has a bad checksum: refused\n",
		  "a bad MADT checksum: reported");
	CHECK_LOG("cpufind: no valid MADT in the ACPI tables (RSDP at 0xf5a00)\n",
		  "a bad MADT checksum: no MADT left");
	CHECK_LOG("cpufind: no MP floating pointer", "a bad MADT checksum: no MP table either");
	CHECK_LOG("cpufind: no valid ACPI MADT or MP table: running on one CPU\n",
		  "a bad MADT checksum: the verdict");
	check_warnings(4, "bad MADT");

	begin();
	madt_begin(&m, LAPIC, 1);
	madt_cpu(&m, 0, 0, 1);
	m.b[4] = 40;					/* length shorter than the MADT header */
	m.b[5] = 0;
	fix_checksum(m.b, 40, 9);
	unit_phys_put(MADT_PA, m.b, 40);
	put_rsdt(RSDT_PA, (uint32_t[]){ MADT_PA }, 1);
	put_rsdp(RSDP_PA, 0, RSDT_PA, 0);
	CHECK(!run(), "a MADT of 40 bytes: cpufind fails");
	CHECK_LOG("cpufind: the MADT at 0x102000 claims 40 bytes (44 to 65536 make sense): refused\n",
		  "a MADT of 40 bytes: reported");
}

static void test_madt_zero_length_entry(void)
{
	struct table m;
	begin();
	madt_begin(&m, LAPIC, 1);
	madt_cpu(&m, 0, 0, 1);
	madt_cpu(&m, 1, 1, 1);
	emit8(&m, 0);					/* offset 60: type 0, length 0 */
	emit8(&m, 0);
	madt_cpu(&m, 2, 2, 1);
	madt_ioapic(&m, 0, IOAPIC, 0);
	acpi_with(&m);
	CHECK(run(), "a MADT entry of length 0: cpufind succeeds with what came before");
	CHECK_CPUS(((uint8_t[]){ 0, 1 }), "length 0: the two CPUs before it are kept");
	CHECK(!t.has_ioapic, "length 0: nothing after it is read");
	CHECK_LOG("cpufind: MADT entry at offset 60 (type 0) has length 0: "
		  "the rest of the MADT is ignored\n", "length 0: reported");
	check_warnings(1, "length 0");

	begin();
	madt_begin(&m, LAPIC, 1);
	madt_cpu(&m, 0, 0, 1);
	emit8(&m, 0);					/* offset 52: type 0, length 1 */
	emit8(&m, 1);
	madt_cpu(&m, 1, 1, 1);
	acpi_with(&m);
	CHECK(run(), "a MADT entry of length 1: cpufind succeeds with what came before");
	CHECK_CPUS(((uint8_t[]){ 0 }), "length 1: the CPU before it is kept, none after");
	CHECK_LOG("cpufind: MADT entry at offset 52 (type 0) has length 1: "
		  "the rest of the MADT is ignored\n", "length 1: reported");
}

static void test_madt_entry_past_end(void)
{
	struct table m;
	begin();
	madt_begin(&m, LAPIC, 1);
	madt_cpu(&m, 0, 0, 1);				/* 44 */
	madt_ioapic(&m, 0, IOAPIC, 0);			/* 52 */
	madt_override(&m, 0, 0, 2, 0);			/* 64 */
	emit(&m, (uint8_t[]){ 0, 8, 1, 1 }, 4);		/* 74: 8 bytes claimed, 4 left */
	acpi_with(&m);
	CHECK(run(), "a MADT entry running past the table: cpufind succeeds");
	CHECK_CPUS(((uint8_t[]){ 0 }), "past the end: the CPU in it is not used");
	CHECK(t.has_ioapic && t.noverrides == 1 && override_is(0, 0, 2, 0),
	      "past the end: the I/O APIC and override before it are kept");
	CHECK_LOG("cpufind: MADT entry at offset 74 (type 0, 8 bytes) runs past the table's "
		  "end at 78: ignored\n", "past the end: reported");
	check_warnings(1, "past the end");

	/* An entry too short for its type is skipped; the walk goes on. */
	begin();
	madt_begin(&m, LAPIC, 1);
	madt_cpu(&m, 0, 0, 1);				/* 44 */
	emit(&m, (uint8_t[]){ 1, 6, 9, 0, 0, 0 }, 6);	/* 52: an I/O APIC in 6 bytes */
	madt_cpu(&m, 1, 1, 1);				/* 58 */
	emit8(&m, 0x7f);				/* 66: a stray byte */
	acpi_with(&m);
	CHECK(run(), "a short MADT entry: cpufind succeeds");
	CHECK_CPUS(((uint8_t[]){ 0, 1 }), "a short entry: the CPUs around it are used");
	CHECK(!t.has_ioapic, "a short entry: the short I/O APIC is not");
	CHECK_LOG("cpufind: MADT entry at offset 52 (type 1) is 6 bytes, less than 12: skipped\n",
		  "a short entry: reported");
	CHECK_LOG("cpufind: MADT: a stray byte at offset 66", "a stray last byte: reported");
	check_warnings(2, "short entry");
}

static void test_rsdt_unreadable(void)
{
	struct table m;
	begin();
	qemu_madt(&m, 2);
	sdt_put(MADT_PA, &m);
	put_rsdp(RSDP_PA, 0, HOLE_PA, 0);
	unit_phys_hole(HOLE_PA, HOLE_PA + 0x1000);
	CHECK(!run(), "an RSDT in a hole: cpufind fails");
	CHECK(empty(), "an RSDT in a hole: nothing in the topology");
	CHECK_LOG("cpufind: the RSDT at 0x200000 is unreadable\n", "an RSDT in a hole: reported");
	check_warnings(4, "RSDT in a hole");

	begin();
	put_rsdp(RSDP_PA, 0, FAR_PA, 0);
	CHECK(!run(), "an RSDT beyond memory: cpufind fails");
	CHECK_LOG("cpufind: the RSDT at 0x2000000 is unreadable\n", "an RSDT beyond memory: reported");

	/* An RSDT entry in the hole is skipped; the MADT after it is used. */
	begin();
	qemu_madt(&m, 2);
	sdt_put(MADT_PA, &m);
	put_rsdt(RSDT_PA, (uint32_t[]){ HOLE_PA, MADT_PA }, 2);
	put_rsdp(RSDP_PA, 0, RSDT_PA, 0);
	unit_phys_hole(HOLE_PA, HOLE_PA + 0x1000);
	CHECK(run(), "an RSDT entry in a hole: cpufind succeeds");
	CHECK_EQ(t.ncpus, 2, "an RSDT entry in a hole: the MADT after it is used");
	CHECK_LOG("cpufind: RSDT entry 0 points to 0x200000, which is unreadable: skipped\n",
		  "an RSDT entry in a hole: reported");
	check_warnings(1, "RSDT entry in a hole");

	/* A MADT whose header is readable but whose length runs into the hole. */
	begin();
	qemu_madt(&m, 2);
	sdt_put(HOLE_PA - 48, &m);
	put_rsdt(RSDT_PA, (uint32_t[]){ HOLE_PA - 48 }, 1);
	put_rsdp(RSDP_PA, 0, RSDT_PA, 0);
	unit_phys_hole(HOLE_PA, HOLE_PA + 0x1000);
	CHECK(!run(), "a MADT running into a hole: cpufind fails");
	CHECK_LOG("cpufind: the MADT at 0x1fffd0 runs into unreadable memory", "and says so");
}

static void test_xsdt(void)
{
	struct table m, m2;
	begin();
	qemu_madt(&m, 2);
	sdt_put(MADT_PA, &m);
	qemu_madt(&m2, 3);
	sdt_put(MADT2_PA, &m2);
	put_rsdt(RSDT_PA, (uint32_t[]){ MADT_PA }, 1);
	put_xsdt(XSDT_PA, (uint64_t[]){ MADT2_PA }, 1);
	put_rsdp(RSDP_PA, 2, RSDT_PA, XSDT_PA);
	CHECK(run(), "an ACPI 2.0 RSDP: cpufind succeeds");
	CHECK_EQ(t.ncpus, 3, "an ACPI 2.0 RSDP: the XSDT's MADT (3 CPUs) is used");
	check_warnings(0, "XSDT");

	begin();
	sdt_put(MADT_PA, &m);
	put_rsdt(RSDT_PA, (uint32_t[]){ MADT_PA }, 1);
	put_rsdp(RSDP_PA, 2, RSDT_PA, 0x100000000ull + XSDT_PA);
	CHECK(run(), "an XSDT above 4 GiB: cpufind succeeds");
	CHECK_EQ(t.ncpus, 2, "an XSDT above 4 GiB: the RSDT's MADT is used");
	CHECK_LOG("cpufind: the XSDT at 0x100100800 is above 4 GiB: using the RSDT\n",
		  "an XSDT above 4 GiB: reported");
	check_warnings(1, "XSDT above 4 GiB");

	begin();
	sdt_put(MADT_PA, &m);
	sdt_put(MADT2_PA, &m2);
	put_rsdt(RSDT_PA, (uint32_t[]){ MADT_PA }, 1);
	put_xsdt(XSDT_PA, (uint64_t[]){ MADT2_PA }, 1);
	put_rsdp(RSDP_PA, 2, RSDT_PA, XSDT_PA);
	damage(RSDP_PA + 33);				/* reserved, after the first 20 bytes */
	CHECK(run(), "a bad extended RSDP checksum: cpufind succeeds");
	CHECK_EQ(t.ncpus, 2, "a bad extended checksum: the RSDT is used");
	CHECK_LOG("cpufind: the RSDP at 0xf5a00 has a bad extended checksum: using the RSDT\n",
		  "a bad extended checksum: reported");
}

static void test_lapic_override(void)
{
	struct table m;
	begin();
	qemu_madt(&m, 2);
	madt_lapic_override(&m, 0xFED00000);
	acpi_with(&m);
	CHECK(run(), "a local APIC address override: cpufind succeeds");
	CHECK_EQ(t.lapic_addr, 0xFED00000, "the override replaces the MADT's local APIC address");
	check_warnings(0, "local APIC override");

	begin();
	qemu_madt(&m, 2);
	madt_lapic_override(&m, 0x100000000ull + LAPIC);
	acpi_with(&m);
	CHECK(run(), "an override above 4 GiB: cpufind succeeds");
	CHECK_EQ(t.lapic_addr, LAPIC, "an override above 4 GiB is ignored");
	CHECK_LOG("local APIC address override 0x1fee00000 is 0 or above 4 GiB: ignored\n",
		  "an override above 4 GiB: reported");
	check_warnings(1, "local APIC override above 4 GiB");
}

/* A MADT refused whole (local APIC at 0): the MP table is used, and
 * nothing the MADT walk had gathered is left. */
static void test_lapic_zero(void)
{
	struct table m;
	begin();
	madt_begin(&m, 0, 1);
	madt_cpu(&m, 0, 5, 1);
	madt_ioapic(&m, 7, IOAPIC, 0);
	madt_override(&m, 0, 3, 9, 0);
	acpi_with(&m);
	mp_two_cpus();
	CHECK(run(), "a MADT with local APIC 0 and an MP table: cpufind succeeds");
	CHECK_LOG("cpufind: the MADT gives local APIC address 0: refused\n",
		  "local APIC 0: reported");
	CHECK_STR(t.source, "MP table", "local APIC 0: the MP table is used");
	CHECK_CPUS(((uint8_t[]){ 0, 1 }), "local APIC 0: only the MP table's CPUs");
	CHECK(t.ioapic.id == 0 && t.nioapics == 1 && t.noverrides == 1 && override_is(0, 0, 2, 0),
	      "local APIC 0: only the MP table's I/O APIC and override");
	check_warnings(1, "local APIC 0");

	begin();
	madt_begin(&m, LAPIC + 0x10, 1);
	madt_cpu(&m, 0, 0, 1);
	acpi_with(&m);
	CHECK(!run(), "a local APIC address not 4 KiB aligned, no MP table: cpufind fails");
	CHECK_LOG("cpufind: the MADT gives local APIC address 0xfee00010, not 4 KiB aligned",
		  "an unaligned local APIC: reported");

	begin();
	madt_begin(&m, LAPIC, 1);
	madt_cpu(&m, 0, 0, 0);
	acpi_with(&m);
	CHECK(!run(), "a MADT with no enabled CPU, no MP table: cpufind fails");
	CHECK_LOG("cpufind: the MADT lists no usable CPU: refused\n", "no usable CPU: reported");
}

/* ---- the MP table ---- */

static void test_mp_only(void)
{
	struct table tb;
	begin();
	mpc_begin(&tb, LAPIC);
	mp_cpu(&tb, 1, 1);
	mp_cpu(&tb, 0, 3);				/* the boot processor */
	mp_cpu(&tb, 2, 1);
	mp_cpu(&tb, 3, 1);
	mp_cpu(&tb, 4, 0);				/* disabled */
	mp_bus(&tb, 0, "PCI   ");
	mp_bus(&tb, 1, "ISA   ");
	mp_ioapic(&tb, 2, 1, IOAPIC);
	mp_ioapic(&tb, 3, 0, IOAPIC + 0x1000);		/* disabled */
	mp_interrupt(&tb, 3, 3, 0, 1, 0, 2, 0);		/* ExtINT: the 8259s on input 0 */
	mp_interrupt(&tb, 3, 0, 0, 1, 0, 2, 2);		/* IRQ 0 on input 2 */
	mp_interrupt(&tb, 3, 0, 0, 1, 1, 2, 1);		/* IRQ 1 as by default */
	mp_interrupt(&tb, 3, 0, 0xf, 1, 9, 2, 9);	/* IRQ 9 level, active low */
	mp_interrupt(&tb, 3, 0, 0xf, 0, 0x0c, 2, 16);	/* a PCI interrupt */
	mp_interrupt(&tb, 3, 0, 0, 1, 4, 3, 4);		/* for the other I/O APIC */
	mp_interrupt(&tb, 4, 3, 0, 1, 0, 0xff, 0);	/* local: ExtINT to LINT0 */
	mpc_put(MPC_PA, &tb);
	put_mpfp(BASE_LAST_KIB + 0x100, MPC_PA, 0, 0x80);	/* IMCR present */
	CHECK(run(), "MP table only, 4 CPUs: cpufind succeeds");
	CHECK_STR(t.source, "MP table", "MP only: the source is the MP table");
	CHECK_EQ(t.lapic_addr, LAPIC, "MP only: the local APIC address");
	CHECK_CPUS(((uint8_t[]){ 1, 0, 2, 3 }), "MP only: the 4 enabled CPUs, in table order");
	CHECK_EQ(t.boot, 1, "MP only: the BP flag marks cpus[1] (APIC id 0)");
	CHECK_EQ(t.disabled_cpus, 1, "MP only: one disabled CPU");
	CHECK(t.has_ioapic && t.ioapic.id == 2 && t.ioapic.addr == IOAPIC &&
	      t.ioapic.gsi_base == 0 && t.nioapics == 1,
	      "MP only: the enabled I/O APIC, id 2, GSI base 0");
	CHECK_EQ(t.noverrides, 2, "MP only: two ISA IRQs are not wired by default");
	CHECK(override_is(0, 0, 2, 0), "MP only: ISA IRQ 0 -> GSI 2");
	CHECK(override_is(1, 9, 9, 0xf), "MP only: ISA IRQ 9 -> GSI 9, level, active low");
	CHECK(t.legacy_pics && t.imcr, "MP only: the 8259s, behind an IMCR");
	CHECK_LOG("cpufind: no ACPI RSDP", "MP only: no RSDP is reported");
	check_warnings(1, "MP only");

	unit_log_clear();
	cpufind_report(&t);
	CHECK_LOG("cpu: 4 CPUs from the MP table, local APIC at 0xfee00000\n", "report: MP summary");
	CHECK_LOG("cpu 0: APIC id 1\ncpu 1: APIC id 0 (boot processor)\n",
		  "report: the boot processor is named");
	CHECK_LOG("cpu: ISA IRQ 9 -> GSI 9, active low, level\n", "report: IRQ 9");
	CHECK_LOG("cpu: legacy 8259 PICs present, behind an IMCR (PIC mode)\n", "report: the IMCR");
}

static void test_mp_bad(void)
{
	struct table tb;

	/* More entries announced than fit */
	begin();
	mpc_begin(&tb, LAPIC);
	mp_cpu(&tb, 0, 3);
	mp_cpu(&tb, 1, 1);
	tb.count = 5;
	mpc_put(MPC_PA, &tb);
	put_mpfp(MPFP_PA, MPC_PA, 0, 0);
	CHECK(run(), "an MP table announcing too many entries: cpufind succeeds");
	CHECK(t.ncpus == 2 && t.boot == 0, "too many entries: the two that fit are used");
	CHECK_LOG("cpufind: the MP table announces 5 entries, but only 2 fit in its 84 bytes\n",
		  "too many entries: reported");
	check_warnings(2, "too many MP entries");

	/* A length that cuts the last entry in two */
	begin();
	mpc_begin(&tb, LAPIC);
	mp_cpu(&tb, 0, 3);				/* 44 */
	mp_cpu(&tb, 1, 1);				/* 64: only 10 of its 20 bytes in */
	tb.len -= 10;
	mpc_put(MPC_PA, &tb);
	put_mpfp(MPFP_PA, MPC_PA, 0, 0);
	CHECK(run(), "an MP table cutting its last entry: cpufind succeeds");
	CHECK_CPUS(((uint8_t[]){ 0 }), "a cut entry: the CPU in it is not used");
	CHECK_LOG("cpufind: MP table entry at offset 64 (type 0) runs past the table's end "
		  "at 74: ignored\n", "a cut entry: reported");
	check_warnings(2, "cut MP entry");

	/* No CPU marked as the boot processor */
	begin();
	mpc_begin(&tb, LAPIC);
	mp_cpu(&tb, 0, 1);
	mp_cpu(&tb, 1, 1);
	mpc_put(MPC_PA, &tb);
	put_mpfp(MPFP_PA, MPC_PA, 0, 0);
	CHECK(run() && t.ncpus == 2 && t.boot == -1, "no BP flag: both CPUs, boot is -1");
	CHECK_LOG("cpufind: the MP table marks no CPU as the boot processor\n",
		  "no BP flag: reported");

	/* An unknown entry type stops the walk; an interrupt entry whose bus
	 * comes later is still understood (the buses are read first). */
	begin();
	mpc_begin(&tb, LAPIC);
	mp_cpu(&tb, 0, 3);				/* 44 */
	mp_interrupt(&tb, 3, 0, 0, 4, 0, 0, 2);		/* 64: IRQ 0 of bus 4, on input 2 */
	mp_bus(&tb, 4, "ISA   ");			/* 72 */
	mp_ioapic(&tb, 0, 1, IOAPIC);			/* 80 */
	emit(&tb, (uint8_t[]){ 9, 0, 0, 0, 0, 0, 0, 0 }, 8);	/* 88: type 9 */
	tb.count++;
	mp_cpu(&tb, 1, 1);				/* 96: after it, not read */
	mpc_put(MPC_PA, &tb);
	put_mpfp(MPFP_PA, MPC_PA, 0, 0);
	CHECK(run(), "an unknown MP entry type: cpufind succeeds");
	CHECK_CPUS(((uint8_t[]){ 0 }), "unknown type: the CPU after it is not used");
	CHECK(t.has_ioapic && t.noverrides == 1 && override_is(0, 0, 2, 0),
	      "unknown type: the entries before it are used, the ISA override too");
	CHECK_LOG("cpufind: MP table entry at offset 88 has unknown type 9: "
		  "the rest of the table is ignored\n", "unknown type: reported");

	/* A bad configuration table checksum */
	begin();
	mp_two_cpus();
	damage(MPC_PA + 8);
	CHECK(!run(), "a bad MP configuration table checksum: cpufind fails");
	CHECK(empty(), "a bad MP checksum: nothing in the topology");
	CHECK_LOG("cpufind: the MP configuration table at 0x104000 has a bad checksum: refused\n",
		  "a bad MP checksum: reported");

	/* A default configuration: no table to read */
	begin();
	put_mpfp(MPFP_PA, 0, 5, 0);
	CHECK(!run(), "an MP default configuration: cpufind fails");
	CHECK_LOG("names default configuration 5, which is not supported",
		  "a default configuration: reported");

	/* Two boot processors */
	begin();
	mpc_begin(&tb, LAPIC);
	mp_cpu(&tb, 0, 3);
	mp_cpu(&tb, 1, 3);
	mpc_put(MPC_PA, &tb);
	put_mpfp(MPFP_PA, MPC_PA, 0, 0);
	CHECK(run() && t.ncpus == 2 && t.boot == 0, "two BP flags: the first one counts");
	CHECK_LOG("a second boot processor (APIC id 1): its BP flag is ignored",
		  "two BP flags: reported");
}

static void test_boot_cpu_kept(void)
{
	struct table tb;
	begin();
	mpc_begin(&tb, LAPIC);
	for (int i = 0; i < 9; i++)
		mp_cpu(&tb, (uint8_t)i, i == 8 ? 3 : 1);	/* the BP listed ninth */
	mpc_put(MPC_PA, &tb);
	put_mpfp(MPFP_PA, MPC_PA, 0, 0);
	CHECK(run(), "9 MP CPUs, the BP last: cpufind succeeds");
	CHECK_CPUS(((uint8_t[]){ 0, 1, 2, 3, 4, 5, 6, 8 }),
		   "the BP listed ninth takes the last place, the eighth is left out");
	CHECK(t.boot == 7 && t.extra_cpus == 1, "... it is marked boot, one CPU counted extra");
}

static void test_nothing(void)
{
	begin();
	CHECK(!run(), "no tables at all: cpufind fails");
	CHECK(empty(), "no tables: the topology is empty");
	CHECK_LOG("cpufind: no ACPI RSDP (\"RSD PTR \") with a valid checksum\n", "no tables: no RSDP");
	CHECK_LOG("cpufind: no MP floating pointer (\"_MP_\") with a valid checksum\n",
		  "no tables: no MP floating pointer");
	CHECK_LOG("cpufind: no valid ACPI MADT or MP table: running on one CPU\n",
		  "no tables: the verdict");
	check_warnings(3, "no tables");
	unit_log_clear();
	cpufind_report(&t);
	CHECK_LOG("cpu: no CPU table: running on the boot CPU alone\n", "report: no tables");

	/* Not even a BIOS data area */
	begin();
	unit_phys_reset();
	CHECK(!run(), "no BIOS data area either: cpufind fails");
	CHECK_LOG("cpufind: base memory of 0 KiB (the BIOS data area's word at 0x413): "
		  "its last KiB not searched\n", "no BIOS data area: reported");
	check_warnings(4, "no BIOS data area");

	/* Signatures without valid structures behind them */
	begin();
	unit_phys_put(0xE0010, "RSD PTR ", 8);
	unit_phys_put(0xE0020, "_MP_", 4);
	CHECK(!run(), "bare signatures: cpufind fails");
	CHECK_LOG("cpufind: an RSDP at 0xe0010 has a bad checksum: ignored\n",
		  "a bare RSDP signature: reported");
	CHECK_LOG("cpufind: an MP floating pointer at 0xe0020 is 0 bytes long, or unreadable",
		  "a bare _MP_ signature: reported");
}

int main(void)
{
	test_qemu_two_cpus();
	test_eight_cpus();
	test_nine_cpus();
	test_disabled_cpus();
	test_duplicates();
	test_bad_rsdp();
	test_bad_madt();
	test_madt_zero_length_entry();
	test_madt_entry_past_end();
	test_rsdt_unreadable();
	test_xsdt();
	test_lapic_override();
	test_lapic_zero();
	test_mp_only();
	test_mp_bad();
	test_boot_cpu_kept();
	test_nothing();
	return unit_done();
}
