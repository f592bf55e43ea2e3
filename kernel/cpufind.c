/*
 * cpufind.c: read the CPUs, the local APIC address, the first I/O APIC,
 * the ISA interrupt overrides and the PIC flags from the firmware's
 * tables into a checked struct cpu_topology (see cpufind.h). ACPI first,
 * the MP table if ACPI gives nothing usable.
 *
 * Every read goes through boot_phys(). A table is mapped for its header,
 * then for the length the header claims, and its checksum is verified
 * before any entry is read; each entry's length is checked against what
 * is left of the table before the entry is read. A bad entry stops the
 * walk (what came before it is kept); a bad table is refused whole.
 *
 * Layouts, offsets in bytes, all little-endian as on x86:
 *   ACPI 6.5, section 5.2: RSDP (5.2.5.3), table header (5.2.6), RSDT
 *   (5.2.7), XSDT (5.2.8), MADT and its entries (5.2.12).
 *   MultiProcessor Specification 1.4, chapter 4: floating pointer (4.1),
 *   configuration table header (4.2), base entries (4.3).
 *
 * Pure bookkeeping over boot_phys(): also compiled into tests/unit.
 */
#include "cpufind.h"
#include "klib.h"
#include "multiboot.h"

#define FOUR_GIB	0x100000000ULL
#define MAX_TABLE_BYTES	0x10000	/* an RSDT, XSDT or MADT this large is refused */

/* Where the BIOS keeps what the searches need (BIOS data area). */
#define BDA_EBDA_SEGMENT	0x40E	/* u16: segment of the EBDA, 0 if none */
#define BDA_BASE_KIB		0x413	/* u16: KiB of base memory */
#define BASE_MEMORY_END		0xA0000	/* 640 KiB */
#define BIOS_AREA		0xE0000	/* to 0xFFFFF: the BIOS ROM area */
#define BIOS_AREA_LEN		0x20000

/* ACPI: the Root System Description Pointer. */
#define RSDP_V1_LEN		20	/* the ACPI 1.0 part, its checksum covers it */
#define RSDP_REVISION		15	/* u8: 0 for ACPI 1.0, 2 from ACPI 2.0 */
#define RSDP_RSDT		16	/* u32 */
#define RSDP_LENGTH		20	/* u32, revision >= 2: the whole RSDP */
#define RSDP_XSDT		24	/* u64, revision >= 2 */
#define RSDP_V2_LEN		36	/* with the extended checksum at 32 */

/* ACPI: the header every description table starts with. */
#define SDT_LENGTH		4	/* u32: the whole table, header included */
#define SDT_HEADER_LEN		36	/* checksum at 9 */

/* ACPI: the MADT (signature "APIC") and its entries (type u8, length u8). */
#define MADT_LAPIC_ADDR		36	/* u32 */
#define MADT_FLAGS		40	/* u32 */
#define MADT_PCAT_COMPAT	1u	/* flags: the two 8259As are there */
#define MADT_ENTRIES		44
#define MADT_LAPIC		0	/* 8: [2] ACPI uid, [3] APIC id, [4] u32 flags */
#define MADT_LAPIC_ENABLED	1u
#define MADT_IOAPIC		1	/* 12: [2] id, [4] u32 address, [8] u32 GSI base */
#define MADT_OVERRIDE		2	/* 10: [2] bus, [3] source, [4] u32 GSI, [8] u16 flags */
#define MADT_LAPIC_OVERRIDE	5	/* 12: [4] u64 local APIC address */

static const uint8_t madt_min_len[] = {
	[MADT_LAPIC] = 8, [MADT_IOAPIC] = 12, [MADT_OVERRIDE] = 10, [MADT_LAPIC_OVERRIDE] = 12,
};

/* MP: the floating pointer. */
#define MPFP_CONFIG		4	/* u32: the configuration table, 0 if none */
#define MPFP_LENGTH		8	/* u8: in 16-byte units, 1 */
#define MPFP_FEATURE1		11	/* u8: 0, or the default configuration used */
#define MPFP_FEATURE2		12	/* u8 */
#define MPFP_IMCRP		0x80	/* feature 2: an IMCR, the machine is in PIC mode */

/* MP: the configuration table header, then the base table's entries. */
#define MPC_LENGTH		4	/* u16: the base table, header included */
#define MPC_COUNT		34	/* u16: entries in the base table */
#define MPC_LAPIC_ADDR		36	/* u32 */
#define MPC_HEADER_LEN		44	/* checksum at 7 */
#define MP_PROCESSOR		0	/* 20: [1] APIC id, [3] flags */
#define MP_CPU_ENABLED		1
#define MP_CPU_BP		2
#define MP_BUS			1	/* 8: [1] bus id, [2] 6-byte type, "ISA   " */
#define MP_IOAPIC		2	/* 8: [1] id, [3] flags, [4] u32 address */
#define MP_IOAPIC_ENABLED	1
#define MP_IO_INTERRUPT		3	/* 8: [1] kind, [2] u16 flags, [4] bus, [5] IRQ,
					 *    [6] I/O APIC id, [7] its input */
#define MP_LOCAL_INTERRUPT	4	/* 8 */
#define MP_INT_VECTORED		0	/* kind: an ordinary interrupt (not NMI, SMI, ExtINT) */
#define MP_ALL_IOAPICS		0xFF	/* I/O APIC id: every I/O APIC */

/* Where a search for the RSDP or the MP floating pointer looks. */
struct area {
	uint32_t start, len;
	const char *name;
	bool mp_only;		/* searched for the MP floating pointer only */
};

/* State of one table's walk. */
struct parse {
	struct cpu_topology *t;
	const char *table;		/* "MADT", "MP table": names entries in messages */
	uint32_t cpu_ids[256 / 32];	/* local APIC ids taken (a bitmap) */
	uint32_t ioapic_ids[256 / 32];	/* I/O APIC ids taken */
	uint32_t isa_buses[256 / 32];	/* MP bus ids of type "ISA   " */
};

static void warn(struct cpu_topology *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct cpu_topology *t, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("cpufind: %s\n", msg);
	t->warnings++;
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* ACPI and MP checksums: all bytes, the checksum byte included, add up
 * to 0 (mod 256). */
static uint8_t sum(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;
	for (uint32_t i = 0; i < len; i++)
		s += p[i];
	return s;
}

static bool test_bit(const uint32_t *bits, uint8_t n)
{
	return bits[n / 32] & (1u << (n % 32));
}

static void set_bit(uint32_t *bits, uint8_t n)
{
	bits[n / 32] |= 1u << (n % 32);
}

/* The 4-byte signature at p, printable, for a message. */
static const char *show_sig(char buf[5], const uint8_t *p)
{
	for (int i = 0; i < 4; i++)
		buf[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	buf[4] = '\0';
	return buf;
}

/* Forget what a refused table gave, keeping the count of warnings. */
static void reset(struct cpu_topology *t)
{
	uint32_t warnings = t->warnings;
	memset(t, 0, sizeof(*t));
	t->boot = -1;
	t->warnings = warnings;
}

/* ---- searching the BIOS areas ---- */

/*
 * The areas both searches look in, in order: the first KiB of the EBDA,
 * the last KiB of base memory (MP only; the MP spec looks there when
 * there is no EBDA, and a few BIOSes put the pointer there anyway), and
 * the BIOS area 0xE0000-0xFFFFF (MP only asks for 0xF0000 up; it is
 * inside). Returns how many were put in a[3].
 */
static int bios_areas(struct cpu_topology *t, struct area a[3])
{
	int n = 0;
	const uint8_t *p = boot_phys(BDA_EBDA_SEGMENT, 2);
	if (!p) {
		warn(t, "the BIOS data area is unreadable: EBDA not searched");
	} else {
		uint32_t ebda = (uint32_t)get16(p) << 4;
		if (ebda && ebda + 1024 > BASE_MEMORY_END)
			warn(t, "the EBDA at %#x is not in base memory: not searched", ebda);
		else if (ebda)
			a[n++] = (struct area){ ebda, 1024, "the EBDA", false };
	}
	p = boot_phys(BDA_BASE_KIB, 2);
	uint32_t kib = p ? get16(p) : 0;
	if (kib == 0 || kib > BASE_MEMORY_END / 1024)
		warn(t, "base memory of %u KiB (the BIOS data area's word at %#x): "
		     "its last KiB not searched", kib, BDA_BASE_KIB);
	else
		a[n++] = (struct area){ (kib - 1) * 1024, 1024, "the last KiB of base memory", true };
	a[n++] = (struct area){ BIOS_AREA, BIOS_AREA_LEN, "the BIOS area", false };
	return n;
}

typedef bool (*check_fn)(struct cpu_topology *t, uint32_t pa);

/* Search area on 16-byte boundaries for sig at the start of a structure
 * that check() accepts; its physical address, or 0. */
static uint32_t scan(struct cpu_topology *t, const struct area *area, const char *sig,
		     check_fn check)
{
	size_t siglen = strlen(sig);
	const uint8_t *p = boot_phys(area->start, area->len);
	if (!p) {
		warn(t, "%s [%#x-%#x) is unreadable: not searched", area->name, area->start,
		     area->start + area->len);
		return 0;
	}
	for (uint32_t off = 0; off + siglen <= area->len; off += 16)
		if (memcmp(p + off, sig, siglen) == 0 && check(t, area->start + off))
			return area->start + off;
	return 0;
}

/* Search the areas in order; the first structure accepted, or 0. */
static uint32_t search(struct cpu_topology *t, const struct area *a, int n, bool mp,
		       const char *sig, check_fn check)
{
	for (int i = 0; i < n; i++) {
		if (a[i].mp_only && !mp)
			continue;
		uint32_t pa = scan(t, &a[i], sig, check);
		if (pa)
			return pa;
	}
	return 0;
}

/* ---- checks shared by both tables ---- */

static void add_cpu(struct parse *ps, uint8_t apic_id, bool boot, uint32_t off)
{
	struct cpu_topology *t = ps->t;

	if (apic_id == 0xFF) {
		warn(t, "%s entry at offset %u: APIC id 0xff is the broadcast id, "
		     "not a CPU's: refused", ps->table, off);
		return;
	}
	if (test_bit(ps->cpu_ids, apic_id)) {
		warn(t, "%s entry at offset %u: APIC id %u is listed twice: "
		     "the second CPU is refused", ps->table, off, apic_id);
		return;
	}
	set_bit(ps->cpu_ids, apic_id);
	if (boot && t->boot >= 0) {
		warn(t, "%s entry at offset %u: a second boot processor (APIC id %u): "
		     "its BP flag is ignored", ps->table, off, apic_id);
		boot = false;
	}
	if (t->ncpus < CPUFIND_MAX_CPUS) {
		if (boot)
			t->boot = t->ncpus;
		t->cpus[t->ncpus++].apic_id = apic_id;
	} else if (boot) {
		/* Keep the boot processor among the CPUs stored: it takes
		 * the last place, whose CPU is counted instead. */
		t->boot = CPUFIND_MAX_CPUS - 1;
		t->cpus[t->boot].apic_id = apic_id;
		t->extra_cpus++;
	} else {
		t->extra_cpus++;
	}
}

static void add_ioapic(struct parse *ps, uint8_t id, uint32_t addr, uint32_t gsi_base,
		       uint32_t off)
{
	struct cpu_topology *t = ps->t;

	if (addr == 0) {
		warn(t, "%s entry at offset %u: I/O APIC %u at address 0: refused",
		     ps->table, off, id);
		return;
	}
	if (test_bit(ps->ioapic_ids, id)) {
		warn(t, "%s entry at offset %u: I/O APIC id %u is listed twice: "
		     "the second is refused", ps->table, off, id);
		return;
	}
	set_bit(ps->ioapic_ids, id);
	t->nioapics++;
	if (!t->has_ioapic) {
		t->has_ioapic = true;
		t->ioapic = (struct cpufind_ioapic){ id, addr, gsi_base };
	}
}

static void add_override(struct parse *ps, uint8_t irq, uint32_t gsi, uint16_t flags,
			 uint32_t off)
{
	struct cpu_topology *t = ps->t;

	if (irq >= 16) {
		warn(t, "%s entry at offset %u: ISA IRQ %u does not exist: skipped",
		     ps->table, off, irq);
		return;
	}
	if (INTI_POLARITY(flags) == 2 || INTI_TRIGGER(flags) == 2) {
		warn(t, "%s entry at offset %u: ISA IRQ %u has reserved flags %#x: skipped",
		     ps->table, off, irq, flags);
		return;
	}
	for (int i = 0; i < t->noverrides; i++) {
		if (t->overrides[i].isa_irq == irq) {
			warn(t, "%s entry at offset %u: a second override for ISA IRQ %u: skipped",
			     ps->table, off, irq);
			return;
		}
	}
	/* at most 16 distinct IRQs below 16: there is room */
	t->overrides[t->noverrides++] = (struct cpufind_override){ irq, gsi, flags };
}

/* The end of a walk: is what the table gave enough to use? */
static bool accept(struct parse *ps, uint32_t lapic_addr)
{
	struct cpu_topology *t = ps->t;

	if (lapic_addr == 0) {
		warn(t, "the %s gives local APIC address 0: refused", ps->table);
		return false;
	}
	if (lapic_addr & 0xFFF) {
		warn(t, "the %s gives local APIC address %#x, not 4 KiB aligned: refused",
		     ps->table, lapic_addr);
		return false;
	}
	if (t->ncpus == 0) {
		warn(t, "the %s lists no usable CPU: refused", ps->table);
		return false;
	}
	if (t->extra_cpus)
		warn(t, "the %s lists %d more usable CPU(s) than the %d kept: not used",
		     ps->table, t->extra_cpus, CPUFIND_MAX_CPUS);
	t->lapic_addr = lapic_addr;
	return true;
}

/* ---- ACPI ---- */

static bool rsdp_ok(struct cpu_topology *t, uint32_t pa)
{
	const uint8_t *p = boot_phys(pa, RSDP_V1_LEN);
	if (!p) {
		warn(t, "an RSDP at %#x runs into unreadable memory: ignored", pa);
		return false;
	}
	if (sum(p, RSDP_V1_LEN) != 0) {
		warn(t, "an RSDP at %#x has a bad checksum: ignored", pa);
		return false;
	}
	return true;
}

/* The XSDT's address from an RSDP of revision 2 or more, or 0 if it
 * cannot be used (the RSDT is used then). */
static uint64_t xsdt_address(struct cpu_topology *t, uint32_t rsdp)
{
	const uint8_t *p = boot_phys(rsdp, RSDP_V2_LEN);
	uint32_t len = p ? get32(p + RSDP_LENGTH) : 0;
	if (!p || len < RSDP_V2_LEN || len > 4096 || !(p = boot_phys(rsdp, len))) {
		warn(t, "the RSDP at %#x: its ACPI 2.0 part (%u bytes) is unreadable "
		     "or too short: using the RSDT", rsdp, len);
		return 0;
	}
	if (sum(p, len) != 0) {
		warn(t, "the RSDP at %#x has a bad extended checksum: using the RSDT", rsdp);
		return 0;
	}
	uint64_t xsdt = get64(p + RSDP_XSDT);
	if (xsdt >= FOUR_GIB) {
		warn(t, "the XSDT at %#llx is above 4 GiB: using the RSDT",
		     (unsigned long long)xsdt);
		return 0;
	}
	return xsdt;
}

/*
 * Map the ACPI table at pa, whose signature must be sig: its header,
 * then the length the header claims, and check its checksum. Returns it
 * (its length in *len), or NULL after a message naming what was wrong.
 */
static const uint8_t *acpi_table(struct cpu_topology *t, uint64_t pa, const char *sig,
				 const char *name, uint32_t min_len, uint32_t *len)
{
	unsigned long long a = pa;
	char s[5];
	const uint8_t *p = boot_phys(pa, SDT_HEADER_LEN);
	if (!p) {
		warn(t, "the %s at %#llx is unreadable", name, a);
		return NULL;
	}
	if (memcmp(p, sig, 4) != 0) {
		warn(t, "the %s at %#llx has signature '%s', not '%s': refused", name, a,
		     show_sig(s, p), sig);
		return NULL;
	}
	*len = get32(p + SDT_LENGTH);
	if (*len < min_len || *len > MAX_TABLE_BYTES) {
		warn(t, "the %s at %#llx claims %u bytes (%u to %u make sense): refused",
		     name, a, *len, min_len, MAX_TABLE_BYTES);
		return NULL;
	}
	p = boot_phys(pa, *len);
	if (!p) {
		warn(t, "the %s at %#llx runs into unreadable memory (%u bytes): refused",
		     name, a, *len);
		return NULL;
	}
	if (sum(p, *len) != 0) {
		warn(t, "the %s at %#llx has a bad checksum: refused", name, a);
		return NULL;
	}
	return p;
}

/* Look through the RSDT (4-byte entries) or XSDT (8-byte entries) at pa
 * for the first valid MADT. */
static const uint8_t *find_madt(struct cpu_topology *t, uint64_t pa, const char *name,
				uint32_t entry_size, uint32_t *madt_len)
{
	uint32_t len;
	const uint8_t *sdt = acpi_table(t, pa, name, name, SDT_HEADER_LEN, &len);
	if (!sdt)
		return NULL;
	uint32_t n = (len - SDT_HEADER_LEN) / entry_size;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = sdt + SDT_HEADER_LEN + i * entry_size;
		uint64_t table = entry_size == 8 ? get64(e) : get32(e);
		const uint8_t *h = boot_phys(table, 4);
		if (!h) {
			warn(t, "%s entry %u points to %#llx, which is unreadable: skipped",
			     name, i, (unsigned long long)table);
			continue;
		}
		if (memcmp(h, "APIC", 4) != 0)
			continue;
		const uint8_t *madt = acpi_table(t, table, "APIC", "MADT", MADT_ENTRIES, madt_len);
		if (madt)
			return madt;
	}
	return NULL;
}

/* One MADT entry e, of length len (at least 2, inside the table). */
static void madt_entry(struct parse *ps, const uint8_t *e, uint32_t len, uint32_t off,
		       uint32_t *lapic_addr)
{
	struct cpu_topology *t = ps->t;
	uint8_t type = e[0];

	if (type < ARRAY_SIZE(madt_min_len) && len < madt_min_len[type]) {
		warn(t, "MADT entry at offset %u (type %u) is %u bytes, less than %u: skipped",
		     off, type, len, madt_min_len[type]);
		return;
	}
	switch (type) {
	case MADT_LAPIC:
		/*
		 * Only CPUs marked enabled (bit 0) are used. Bit 1, "online
		 * capable" (ACPI 6.3), on a CPU not enabled means firmware
		 * can bring it online later through ACPI hot-plug: until it
		 * does, the CPU may not be there at all, and with no AML
		 * interpreter we would never hear that it is. Such CPUs are
		 * counted as disabled.
		 *
		 * Firmware normally lists the boot processor first, but no
		 * flag marks it: boot stays -1 and the caller compares the
		 * ids with its own.
		 */
		if (!(get32(e + 4) & MADT_LAPIC_ENABLED))
			t->disabled_cpus++;
		else
			add_cpu(ps, e[3], false, off);
		break;
	case MADT_IOAPIC:
		add_ioapic(ps, e[2], get32(e + 4), get32(e + 8), off);
		break;
	case MADT_OVERRIDE:
		if (e[2] != 0)
			warn(t, "MADT entry at offset %u: an override for bus %u, not ISA (0): "
			     "skipped", off, e[2]);
		else
			add_override(ps, e[3], get32(e + 4), get16(e + 8), off);
		break;
	case MADT_LAPIC_OVERRIDE: {
		uint64_t addr = get64(e + 4);
		if (addr == 0 || addr >= FOUR_GIB)
			warn(t, "MADT entry at offset %u: local APIC address override %#llx "
			     "is 0 or above 4 GiB: ignored", off, (unsigned long long)addr);
		else
			*lapic_addr = (uint32_t)addr;
		break;
	}
	default:	/* NMI wiring, x2APIC CPUs (ids above 254), other architectures */
		break;
	}
}

static bool read_madt(struct cpu_topology *t, const uint8_t *m, uint32_t len)
{
	struct parse ps = { .t = t, .table = "MADT" };
	uint32_t lapic_addr = get32(m + MADT_LAPIC_ADDR);
	uint32_t off = MADT_ENTRIES;

	t->legacy_pics = get32(m + MADT_FLAGS) & MADT_PCAT_COMPAT;
	while (off < len) {
		if (len - off < 2) {
			warn(t, "MADT: a stray byte at offset %u, after the last entry: ignored", off);
			break;
		}
		uint8_t type = m[off], elen = m[off + 1];
		if (elen < 2) {
			warn(t, "MADT entry at offset %u (type %u) has length %u: "
			     "the rest of the MADT is ignored", off, type, elen);
			break;
		}
		if (elen > len - off) {
			warn(t, "MADT entry at offset %u (type %u, %u bytes) runs past the "
			     "table's end at %u: ignored", off, type, elen, len);
			break;
		}
		madt_entry(&ps, m + off, elen, off, &lapic_addr);
		off += elen;
	}
	return accept(&ps, lapic_addr);
}

static bool from_acpi(struct cpu_topology *t, const struct area *areas, int nareas)
{
	uint32_t rsdp = search(t, areas, nareas, false, "RSD PTR ", rsdp_ok);
	if (!rsdp) {
		warn(t, "no ACPI RSDP (\"RSD PTR \") with a valid checksum");
		return false;
	}
	const uint8_t *p = boot_phys(rsdp, RSDP_V1_LEN);	/* checked by rsdp_ok */
	uint32_t rsdt = get32(p + RSDP_RSDT);
	uint64_t xsdt = p[RSDP_REVISION] >= 2 ? xsdt_address(t, rsdp) : 0;
	const uint8_t *madt = NULL;
	uint32_t len = 0;

	if (xsdt)
		madt = find_madt(t, xsdt, "XSDT", 8, &len);
	if (!madt && rsdt)
		madt = find_madt(t, rsdt, "RSDT", 4, &len);
	if (!madt) {
		warn(t, "no valid MADT in the ACPI tables (RSDP at %#x)", rsdp);
		return false;
	}
	return read_madt(t, madt, len);
}

/* ---- the MultiProcessor Specification's tables ---- */

static bool mpfp_ok(struct cpu_topology *t, uint32_t pa)
{
	const uint8_t *p = boot_phys(pa, 16);
	uint32_t len = p ? p[MPFP_LENGTH] * 16u : 0;
	if (!p || len == 0 || !(p = boot_phys(pa, len))) {
		warn(t, "an MP floating pointer at %#x is %u bytes long, or unreadable: ignored",
		     pa, len);
		return false;
	}
	if (sum(p, len) != 0) {
		warn(t, "an MP floating pointer at %#x has a bad checksum: ignored", pa);
		return false;
	}
	return true;
}

/* Pass 1: processors, buses and I/O APICs. */
static void mp_entry(struct parse *ps, const uint8_t *e, uint32_t off)
{
	struct cpu_topology *t = ps->t;

	switch (e[0]) {
	case MP_PROCESSOR:
		if (!(e[3] & MP_CPU_ENABLED))
			t->disabled_cpus++;
		else
			add_cpu(ps, e[1], e[3] & MP_CPU_BP, off);
		break;
	case MP_BUS:
		if (memcmp(e + 2, "ISA   ", 6) == 0)
			set_bit(ps->isa_buses, e[1]);
		break;
	case MP_IOAPIC:
		/* The MP table has no GSI numbers: the first I/O APIC's
		 * inputs are GSIs 0 up, as Linux and ACPI count them. */
		if (e[3] & MP_IOAPIC_ENABLED)
			add_ioapic(ps, e[1], get32(e + 4), 0, off);
		break;
	}
}

/* Pass 2: an I/O interrupt entry, once all buses and I/O APICs are known. */
static void mp_interrupt(struct parse *ps, const uint8_t *e, uint32_t off)
{
	struct cpu_topology *t = ps->t;
	uint16_t flags = get16(e + 2);
	uint8_t bus = e[4], irq = e[5], ioapic = e[6], pin = e[7];

	/* NMI, SMI and ExtINT (the 8259s' output) entries, other buses
	 * and other I/O APICs' inputs are not what we keep. */
	if (e[1] != MP_INT_VECTORED || !test_bit(ps->isa_buses, bus) || !t->has_ioapic ||
	    (ioapic != t->ioapic.id && ioapic != MP_ALL_IOAPICS))
		return;
	if (pin == irq && flags == 0)
		return;		/* wired as by default: not an override */
	add_override(ps, irq, t->ioapic.gsi_base + pin, flags, off);
}

/*
 * Walk *count entries of the base table p[MPC_HEADER_LEN, len): in pass
 * 1, checking the layout, the processors, buses and I/O APICs; in pass 2
 * (over what pass 1 walked, whose layout is known good) the interrupt
 * entries, which name the buses and I/O APICs. Sets *count to the
 * entries walked; returns the offset after the last one.
 */
static uint32_t mp_walk(struct parse *ps, const uint8_t *p, uint32_t len, uint32_t *count,
			int pass)
{
	uint32_t off = MPC_HEADER_LEN, i;

	for (i = 0; i < *count; i++) {
		if (off >= len) {
			warn(ps->t, "the MP table announces %u entries, but only %u fit in "
			     "its %u bytes", *count, i, len);
			break;
		}
		uint8_t type = p[off];
		uint32_t size = type == MP_PROCESSOR ? 20 : type <= MP_LOCAL_INTERRUPT ? 8 : 0;
		if (size == 0) {
			warn(ps->t, "MP table entry at offset %u has unknown type %u: "
			     "the rest of the table is ignored", off, type);
			break;
		}
		if (size > len - off) {
			warn(ps->t, "MP table entry at offset %u (type %u) runs past the table's "
			     "end at %u: ignored", off, type, len);
			break;
		}
		if (pass == 1)
			mp_entry(ps, p + off, off);
		else if (type == MP_IO_INTERRUPT)
			mp_interrupt(ps, p + off, off);
		off += size;
	}
	*count = i;
	return off;
}

static bool from_mp(struct cpu_topology *t, const struct area *areas, int nareas)
{
	uint32_t fp = search(t, areas, nareas, true, "_MP_", mpfp_ok);
	if (!fp) {
		warn(t, "no MP floating pointer (\"_MP_\") with a valid checksum");
		return false;
	}
	const uint8_t *f = boot_phys(fp, 16);		/* checked by mpfp_ok */
	uint32_t pa = get32(f + MPFP_CONFIG);
	if (f[MPFP_FEATURE1] != 0) {
		warn(t, "the MP floating pointer at %#x names default configuration %u, "
		     "which is not supported", fp, f[MPFP_FEATURE1]);
		return false;
	}
	if (pa == 0) {
		warn(t, "the MP floating pointer at %#x gives no configuration table", fp);
		return false;
	}
	/* Multiprocessor systems are PC/AT compatible: the 8259As are
	 * there. IMCRP says whether they are also wired to the CPU now,
	 * in PIC mode, behind the IMCR. */
	t->legacy_pics = true;
	t->imcr = f[MPFP_FEATURE2] & MPFP_IMCRP;

	char s[5];
	const uint8_t *p = boot_phys(pa, MPC_HEADER_LEN);
	if (!p) {
		warn(t, "the MP configuration table at %#x is unreadable", pa);
		return false;
	}
	if (memcmp(p, "PCMP", 4) != 0) {
		warn(t, "the MP configuration table at %#x has signature '%s', not 'PCMP': "
		     "refused", pa, show_sig(s, p));
		return false;
	}
	uint32_t len = get16(p + MPC_LENGTH);
	if (len < MPC_HEADER_LEN || !(p = boot_phys(pa, len))) {
		warn(t, "the MP configuration table at %#x is %u bytes long, or unreadable: "
		     "refused", pa, len);
		return false;
	}
	if (sum(p, len) != 0) {
		warn(t, "the MP configuration table at %#x has a bad checksum: refused", pa);
		return false;
	}

	struct parse ps = { .t = t, .table = "MP table" };
	uint32_t count = get16(p + MPC_COUNT);
	uint32_t end = mp_walk(&ps, p, len, &count, 1);
	mp_walk(&ps, p, end, &count, 2);
	if (t->ncpus && t->boot < 0)
		warn(t, "the MP table marks no CPU as the boot processor");
	return accept(&ps, get32(p + MPC_LAPIC_ADDR));
}

/* ---- the interface ---- */

bool cpufind(struct cpu_topology *t)
{
	struct area areas[3];

	memset(t, 0, sizeof(*t));
	t->boot = -1;
	int n = bios_areas(t, areas);
	if (from_acpi(t, areas, n)) {
		t->source = "ACPI MADT";
		return true;
	}
	reset(t);
	if (from_mp(t, areas, n)) {
		t->source = "MP table";
		return true;
	}
	reset(t);
	warn(t, "no valid ACPI MADT or MP table: running on one CPU");
	return false;
}

static const char *polarity_name(uint16_t flags)
{
	static const char *const names[] = { "bus polarity", "active high", "?", "active low" };
	return names[INTI_POLARITY(flags)];
}

static const char *trigger_name(uint16_t flags)
{
	static const char *const names[] = { "bus trigger", "edge", "?", "level" };
	return names[INTI_TRIGGER(flags)];
}

void cpufind_report(const struct cpu_topology *t)
{
	if (!t->source) {
		printk("cpu: no CPU table: running on the boot CPU alone\n");
		return;
	}
	printk("cpu: %d CPU%s from the %s, local APIC at %#x\n", t->ncpus,
	       t->ncpus == 1 ? "" : "s", t->source, t->lapic_addr);
	for (int i = 0; i < t->ncpus; i++)
		printk("cpu %d: APIC id %u%s\n", i, t->cpus[i].apic_id,
		       i == t->boot ? " (boot processor)" : "");
	if (t->extra_cpus)
		printk("cpu: %d more CPU(s) not used (at most %d)\n", t->extra_cpus,
		       CPUFIND_MAX_CPUS);
	if (t->disabled_cpus)
		printk("cpu: %d disabled CPU(s) skipped\n", t->disabled_cpus);
	if (t->has_ioapic)
		printk("cpu: I/O APIC id %u at %#x, GSI base %u (%d I/O APIC%s)\n", t->ioapic.id,
		       t->ioapic.addr, t->ioapic.gsi_base, t->nioapics,
		       t->nioapics == 1 ? "" : "s");
	else
		printk("cpu: no I/O APIC\n");
	for (int i = 0; i < t->noverrides; i++)
		printk("cpu: ISA IRQ %u -> GSI %u, %s, %s\n", t->overrides[i].isa_irq,
		       t->overrides[i].gsi, polarity_name(t->overrides[i].flags),
		       trigger_name(t->overrides[i].flags));
	printk("cpu: legacy 8259 PICs %s%s\n", t->legacy_pics ? "present" : "absent",
	       t->imcr ? ", behind an IMCR (PIC mode)" : "");
}
