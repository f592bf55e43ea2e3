/*
 * test_multiboot.c: kernel/multiboot.c, the Multiboot information parser.
 * Each scenario builds a struct multiboot_info, a memory map, a module
 * table and strings in the fake physical memory (tests/unit/unit.c) and
 * checks the struct boot_info that multiboot_parse makes of it: the
 * usable ranges, the reserved ranges, the accepted modules, and one
 * reported problem (a "boot: " line, counted in warnings) for every
 * defect, while everything good around the defect is still used.
 */
#include <stdlib.h>
#include <string.h>
#include "frame.h"
#include "klib.h"
#include "memlayout.h"
#include "multiboot.h"
#include "unit.h"

/* Where the loader's structures go (above 1 MiB, as GRUB puts them, so
 * that the frame allocator would otherwise hand them out). */
#define IMAGE_START	0x100000
#define IMAGE_END	0x180000
#define MBI_PA		0x200000
#define MMAP_PA		0x200100
#define CMDLINE_PA	0x201000
#define LOADER_PA	0x201800
#define MODS_PA		0x202000
#define STRINGS_PA	0x203000	/* module i's command line at + 0x200 * i */
#define FAR_PA		0x1800000	/* usable RAM in the QEMU map, not in fake memory */

static struct multiboot_info mbi;
static uint64_t mmap_end;
static struct multiboot_module mods[MAX_MODULES + 4];
static int nmods;
static struct boot_info bi;

/* ---- building the loader's information ---- */

static void begin(void)
{
	unit_phys_reset();
	memset(&mbi, 0, sizeof(mbi));
	mmap_end = MMAP_PA;
	nmods = 0;
}

/* Append a memory map entry whose size field is size (normally 20). */
static void map_sized(uint32_t size, uint64_t addr, uint64_t len, uint32_t type)
{
	mmap_end = unit_phys_put_mmap_entry(mmap_end, size, addr, len, type);
	mbi.flags |= MBI_MMAP;
	mbi.mmap_addr = MMAP_PA;
	mbi.mmap_length = (uint32_t)(mmap_end - MMAP_PA);
}

static void map(uint64_t addr, uint64_t len, uint32_t type)
{
	map_sized(20, addr, len, type);
}

#define USABLE		1
#define RESERVED	2

/* The map QEMU gives a 32 MiB machine. */
static void qemu_map(void)
{
	map(0x0, 0x9fc00, USABLE);
	map(0x9fc00, 0x400, RESERVED);
	map(0xf0000, 0x10000, RESERVED);
	map(0x100000, 0x1ee0000, USABLE);
	map(0x1fe0000, 0x20000, RESERVED);
	map(0xfffc0000, 0x40000, RESERVED);
}

static void cmdline(const char *s)
{
	unit_phys_put_str(CMDLINE_PA, s);
	mbi.flags |= MBI_CMDLINE;
	mbi.cmdline = CMDLINE_PA;
}

/* Append a module whose command line is at cmd_pa. */
static void module_at(uint32_t start, uint32_t end, uint32_t cmd_pa)
{
	mods[nmods++] = (struct multiboot_module){ start, end, cmd_pa, 0 };
	unit_phys_put_modules(MODS_PA, mods, nmods);
	mbi.flags |= MBI_MODS;
	mbi.mods_addr = MODS_PA;
	mbi.mods_count = (uint32_t)nmods;
}

static uint32_t string_pa(int i)
{
	return STRINGS_PA + 0x200 * (uint32_t)i;
}

static void module(uint32_t start, uint32_t end, const char *cmd)
{
	unit_phys_put_str(string_pa(nmods), cmd);
	module_at(start, end, string_pa(nmods));
}

/* Write the mbi and parse it, with a clean log. */
static int parse(void)
{
	unit_phys_put_mbi(MBI_PA, &mbi);
	unit_log_clear();
	return multiboot_parse(MBI_PA, IMAGE_START, IMAGE_END, &bi);
}

/* ---- looking at the result ---- */

static bool usable_is(int n, const uint64_t *pairs)
{
	if (bi.usable.n != n)
		return false;
	for (int i = 0; i < n; i++)
		if (bi.usable.r[i].start != pairs[2 * i] || bi.usable.r[i].end != pairs[2 * i + 1])
			return false;
	return true;
}

static const char *show_usable(void)
{
	static char buf[400];
	size_t n = 0;
	buf[0] = '\0';
	for (int i = 0; i < bi.usable.n && n < sizeof(buf) - 48; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "[%#llx,%#llx) ",
				      (unsigned long long)bi.usable.r[i].start,
				      (unsigned long long)bi.usable.r[i].end);
	return bi.usable.n ? buf : "(empty)";
}

#define CHECK_USABLE(n, pairs, ...) \
	unit_check(usable_is((n), (pairs)), __FILE__, __LINE__, show_usable(), __VA_ARGS__)

/* Is [start, end) of type an entry of bi.reserved? */
static bool reserved_has(uint64_t start, uint64_t end, uint32_t type)
{
	for (int i = 0; i < bi.reserved.n; i++)
		if (bi.reserved.r[i].start == start && bi.reserved.r[i].end == end &&
		    bi.reserved.r[i].type == type)
			return true;
	return false;
}

static int reserved_of_type(uint32_t type)
{
	int n = 0;
	for (int i = 0; i < bi.reserved.n; i++)
		n += bi.reserved.r[i].type == type;
	return n;
}

/* Every problem is one "boot: " line and one warning. */
static void check_warnings(uint32_t want, const char *scenario)
{
	CHECK_EQ(bi.warnings, want, "%s: %u warning(s)", scenario, want);
	CHECK_EQ(unit_log_count("boot: "), bi.warnings, "%s: one 'boot:' line per warning", scenario);
}

/* ---- the memory map ---- */

static void test_qemu(void)
{
	begin();
	qemu_map();
	cmdline("selftest=frames crash=divide");
	unit_phys_put_str(LOADER_PA, "QEMU");
	mbi.flags |= MBI_LOADER_NAME;
	mbi.boot_loader_name = LOADER_PA;
	unit_phys_put(0x400000, "GUEST-ONE", 9);
	unit_phys_put(0x402000, "GUEST-TWO", 9);
	module(0x400000, 0x401234, "guest1 arg=1");
	module(0x402000, 0x500000, "/boot/guest2");

	CHECK_EQ(parse(), 0, "QEMU map: multiboot_parse succeeds");
	CHECK_USABLE(2, ((uint64_t[]){ 0x0, 0x9fc00, 0x100000, 0x1fe0000 }),
		     "QEMU map: exactly the two usable ranges");
	CHECK_EQ(ranges_total(&bi.usable), 0x9fc00 + 0x1ee0000, "QEMU map: total usable bytes");
	CHECK_EQ(bi.ram_ignored, 0, "QEMU map: no RAM ignored");
	check_warnings(0, "QEMU map");
	CHECK_LOG("memory map from the boot loader:\n", "the map is printed");
	CHECK_LOG("  [0x0000000000100000-0x0000000001fe0000) usable\n", "a usable entry is printed");
	CHECK_LOG("  [0x00000000fffc0000-0x0000000100000000) reserved\n", "a reserved entry is printed");

	CHECK_STR(bi.cmdline, "selftest=frames crash=divide", "the command line is copied exactly");
	CHECK_STR(bi.loader, "QEMU", "the boot loader name is copied");

	CHECK(bi.mods_given == 2 && bi.nmods == 2, "two modules given, two accepted");
	CHECK(bi.mods[0].index == 0 && bi.mods[0].start == 0x400000 && bi.mods[0].end == 0x401234,
	      "module 0: index, start, end");
	CHECK(bi.mods[1].index == 1 && bi.mods[1].start == 0x402000 && bi.mods[1].end == 0x500000,
	      "module 1: index, start, end");
	CHECK_STR(bi.mods[0].cmdline, "guest1 arg=1", "module 0's command line");
	CHECK_STR(bi.mods[1].cmdline, "/boot/guest2", "module 1's command line");
	const void *m0 = boot_phys(bi.mods[0].start, bi.mods[0].end - bi.mods[0].start);
	CHECK(m0 && memcmp(m0, "GUEST-ONE", 9) == 0, "module 0's contents are where it says");

	/* What the frame allocator must skip */
	CHECK(reserved_has(IMAGE_START, IMAGE_END, FRAME_HYPERVISOR), "reserved: the image");
	CHECK(reserved_has(MBI_PA, MBI_PA + sizeof(struct multiboot_info), FRAME_BOOTINFO),
	      "reserved: the multiboot_info structure");
	CHECK(reserved_has(MMAP_PA, MMAP_PA + 6 * 24, FRAME_BOOTINFO), "reserved: the memory map");
	CHECK(reserved_has(CMDLINE_PA, CMDLINE_PA + 29, FRAME_BOOTINFO),
	      "reserved: the command line with its NUL");
	CHECK(reserved_has(LOADER_PA, LOADER_PA + 5, FRAME_BOOTINFO), "reserved: the loader name");
	CHECK(reserved_has(MODS_PA, MODS_PA + 2 * 16, FRAME_BOOTINFO), "reserved: the module table");
	CHECK(reserved_has(string_pa(0), string_pa(0) + 13, FRAME_BOOTINFO) &&
	      reserved_has(string_pa(1), string_pa(1) + 13, FRAME_BOOTINFO),
	      "reserved: the module command lines");
	CHECK(reserved_has(0x400000, 0x401234, FRAME_MODULE) &&
	      reserved_has(0x402000, 0x500000, FRAME_MODULE), "reserved: the modules");
	CHECK_EQ(bi.reserved.n, 10, "reserved: nothing else");

	/* The frame allocator built from this hands out none of it:
	 * 0x100..0x1fdf usable, minus the image (0x80 frames), the boot
	 * information (frames 0x200..0x203) and the modules (2 + 0xfe). */
	uint64_t ram_end = bi.usable.r[bi.usable.n - 1].end;
	struct frame *table = malloc(frame_table_bytes(ram_end));
	CHECK_EQ(frame_init(table, &bi.usable, &bi.reserved), 0x1ee0 - 0x80 - 4 - 2 - 0xfe,
		 "frame_init on the parsed information: the free frame count");
	CHECK(frame_info(0x200)->type == FRAME_BOOTINFO && frame_info(0x203)->type == FRAME_BOOTINFO &&
	      frame_info(0x401)->type == FRAME_MODULE && frame_info(0x17f)->type == FRAME_HYPERVISOR &&
	      frame_info(0x204)->type == FRAME_FREE,
	      "the boot information, modules and image frames are not free");
	free(table);
}

static void test_overlapping_entries(void)
{
	begin();
	/* reserved entries first, then usable ones they cut into */
	map(0x800000, 0x100000, RESERVED);
	map(0xff0000, 0x110000, RESERVED);		/* over the end of RAM */
	map(0x9f000, 0x1000, RESERVED);			/* over the end of low RAM */
	map(0x100000, 0xf00000, USABLE);
	map(0x0, 0x9fc00, USABLE);
	map(0x2000000, 0x1000000, USABLE);		/* two overlapping usable */
	map(0x2800000, 0x1000000, USABLE);
	CHECK_EQ(parse(), 0, "overlapping entries: parse succeeds");
	CHECK_USABLE(4, ((uint64_t[]){ 0x0, 0x9f000, 0x100000, 0x800000, 0x900000, 0xff0000,
				      0x2000000, 0x3800000 }),
		     "overlapping entries: reserved wins, overlapping usable entries merge");
	check_warnings(0, "overlapping entries");
}

static void test_above_4g(void)
{
	begin();
	map(0x100000, 0xf00000, USABLE);
	map(0x100000000ull, 0x100000000ull, USABLE);
	map(0x180000000ull, 0x1000, RESERVED);
	CHECK_EQ(parse(), 0, "entries above 4 GiB: parse succeeds");
	CHECK_USABLE(1, ((uint64_t[]){ 0x100000, 0x1000000 }), "entries above 4 GiB are ignored");
	CHECK_EQ(bi.ram_ignored, 0, "RAM above 4 GiB is not counted as ignored either");
	check_warnings(0, "above 4 GiB");

	begin();
	map(0x100000, 0xf00000, USABLE);
	map(0xfff00000, 0x200000, USABLE);		/* across 4 GiB */
	CHECK_EQ(parse(), 0, "an entry across 4 GiB: parse succeeds");
	CHECK_USABLE(1, ((uint64_t[]){ 0x100000, 0x1000000 }),
		     "an entry across 4 GiB is beyond the direct map");
	CHECK_EQ(bi.ram_ignored, 0x100000, "only its part below 4 GiB counts as ignored");
}

static void test_no_wrap(void)
{
	begin();
	map(0x100000, 0xf00000, USABLE);
	map(0x800000, UINT64_MAX, RESERVED);		/* addr + len overflows */
	CHECK_EQ(parse(), 0, "an entry whose end overflows: parse succeeds");
	CHECK_USABLE(1, ((uint64_t[]){ 0x100000, 0x800000 }),
		     "a reserved entry whose end overflows reserves up to the top, not wrap");
	CHECK_LOG("  [0x0000000000800000-0xffffffffffffffff) reserved\n",
		  "its end is printed saturated");

	begin();
	map(0x100000, UINT64_MAX - 0x1000, USABLE);
	CHECK_EQ(parse(), 0, "a usable entry whose end overflows: parse succeeds");
	CHECK_USABLE(1, ((uint64_t[]){ 0x100000, DIRECTMAP_LIMIT }),
		     "a usable entry whose end overflows reaches the direct map's limit");
	CHECK_EQ(bi.ram_ignored, 0x100000000ull - DIRECTMAP_LIMIT,
		 "... and the rest up to 4 GiB is counted as ignored");
}

static void test_zero_length(void)
{
	begin();
	map(0x100000, 0xf00000, USABLE);
	map(0x2000000, 0, USABLE);
	map(0x200000, 0, RESERVED);			/* inside usable RAM */
	map(0x1000000, 0x1000000, USABLE);
	CHECK_EQ(parse(), 0, "zero-length entries: parse succeeds");
	CHECK_USABLE(1, ((uint64_t[]){ 0x100000, 0x2000000 }),
		     "zero-length entries are skipped, the others used");
	CHECK_LOG("boot: memory map entry 1 has zero length: ignored\n", "entry 1: zero length");
	CHECK_LOG("boot: memory map entry 2 has zero length: ignored\n", "entry 2: zero length");
	check_warnings(2, "zero-length entries");
}

static void test_entry_sizes(void)
{
	begin();
	map(0x100000, 0x700000, USABLE);
	map_sized(12, 0x800000, 0x800000, USABLE);
	map(0x1000000, 0x1000000, USABLE);
	CHECK_EQ(parse(), 0, "an entry with size < 20: parse succeeds");
	CHECK_USABLE(1, ((uint64_t[]){ 0x100000, 0x800000 }),
		     "an entry with size < 20 stops the map; the entries before it count");
	CHECK_LOG("boot: memory map entry 1 has size 12 (less than 20): "
		  "ignoring it and the rest of the map\n", "size < 20: the message");
	check_warnings(1, "size < 20");

	begin();
	map_sized(24, 0x100000, 0x700000, USABLE);	/* ACPI 3.0 entries are 24 */
	map(0x800000, 0x800000, USABLE);
	CHECK_EQ(parse(), 0, "an entry with size 24: parse succeeds");
	CHECK_USABLE(1, ((uint64_t[]){ 0x100000, 0x1000000 }),
		     "entries are stepped by their size field (24, then 20)");
	check_warnings(0, "size 24");

	begin();
	map(0x100000, 0x700000, USABLE);
	map(0x800000, 0x800000, USABLE);
	mbi.mmap_length = 24 + 10;			/* cuts the second entry */
	CHECK_EQ(parse(), 0, "a map that cuts its last entry: parse succeeds");
	CHECK_USABLE(1, ((uint64_t[]){ 0x100000, 0x800000 }), "the cut entry is not used");
	CHECK_LOG("boot: memory map entry 1 runs past the map's end: ignored\n",
		  "the cut entry: the message");
	check_warnings(1, "cut entry");
}

static void test_unreadable_map(void)
{
	begin();
	mbi.flags = MBI_MMAP | MBI_MEMORY;
	mbi.mmap_addr = 0x2000000;			/* beyond the fake memory */
	mbi.mmap_length = 48;
	mbi.mem_lower = 639;
	mbi.mem_upper = 31744;				/* KiB from 1 MiB: 32 MiB RAM */
	CHECK_EQ(parse(), 0, "an unreadable map with mem_lower/mem_upper: parse succeeds");
	CHECK_LOG("boot: memory map at 0x2000000 (48 bytes) is unreadable: ignored\n",
		  "the unreadable map is reported");
	CHECK_USABLE(2, ((uint64_t[]){ 0x0, 0x9fc00, 0x100000, 0x2000000 }),
		     "... and mem_lower/mem_upper are used instead");
	CHECK_EQ(reserved_of_type(FRAME_BOOTINFO), 1, "the unreadable map is not reserved");
	check_warnings(1, "unreadable map");

	begin();
	mbi.flags = MBI_MMAP;
	mbi.mmap_addr = FAKE_PHYS_SIZE - 24;		/* runs off the end */
	mbi.mmap_length = 48;
	CHECK_EQ(parse(), -1, "an unreadable map and no MBI_MEMORY: -1");
	CHECK_LOG("is unreadable: ignored", "the map is reported");
	CHECK_LOG("boot: no usable RAM\n", "and then that there is no RAM");
	check_warnings(2, "unreadable map, no memory");
}

static void test_no_map(void)
{
	begin();
	mbi.flags = MBI_MEMORY;
	mbi.mem_lower = 1000;				/* more than 640 KiB: capped */
	mbi.mem_upper = 64512;
	CHECK_EQ(parse(), 0, "no map but MBI_MEMORY: parse succeeds");
	CHECK_LOG("boot: no memory map: using mem_lower=1000K mem_upper=64512K\n",
		  "the fallback is reported");
	CHECK_USABLE(2, ((uint64_t[]){ 0x0, 0xa0000, 0x100000, 0x4000000 }),
		     "mem_lower (capped at 640 KiB) and mem_upper give the RAM");
	check_warnings(1, "no map");

	begin();
	mbi.flags = MBI_MEMORY;
	mbi.mem_lower = 640;
	mbi.mem_upper = 0xffffffff;			/* 4 TiB: capped, no wrap */
	CHECK_EQ(parse(), 0, "a huge mem_upper: parse succeeds");
	CHECK_USABLE(2, ((uint64_t[]){ 0x0, 0xa0000, 0x100000, DIRECTMAP_LIMIT }),
		     "a huge mem_upper is capped at 4 GiB, then at the direct map");
	CHECK_EQ(bi.ram_ignored, 0x100000000ull - DIRECTMAP_LIMIT, "the rest counts as ignored");

	begin();
	map(0x100000, 0, USABLE);			/* no entry survives */
	mbi.flags |= MBI_MEMORY;
	mbi.mem_lower = 639;
	mbi.mem_upper = 15360;
	CHECK_EQ(parse(), 0, "a map with no valid entry and MBI_MEMORY: parse succeeds");
	CHECK_USABLE(2, ((uint64_t[]){ 0x0, 0x9fc00, 0x100000, 0x1000000 }),
		     "mem_lower/mem_upper are used when no map entry survived");

	begin();
	mbi.flags = 0;
	CHECK_EQ(parse(), -1, "no map and no MBI_MEMORY: -1");
	CHECK_LOG("boot: the boot loader gave no memory information\n", "the message");
	CHECK_EQ(bi.usable.n, 0, "no usable RAM at all");

	begin();
	map(0x0, 0xa0000, RESERVED);
	map(0x100000, 0x1000000, RESERVED);
	CHECK_EQ(parse(), -1, "a map with only reserved entries: -1");
	CHECK_LOG("boot: no usable RAM\n", "only reserved: the message");
}

static void test_directmap_limit(void)
{
	begin();
	map(0x0, 0x9fc00, USABLE);
	map(0x100000, 0x3ff00000, USABLE);		/* 1 GiB machine */
	CHECK_EQ(parse(), 0, "1 GiB of RAM: parse succeeds");
	CHECK_USABLE(2, ((uint64_t[]){ 0x0, 0x9fc00, 0x100000, DIRECTMAP_LIMIT }),
		     "RAM is cut at DIRECTMAP_LIMIT");
	CHECK_EQ(bi.ram_ignored, 0x40000000 - DIRECTMAP_LIMIT, "ram_ignored: the 128 MiB above it");
	CHECK_LOG("boot: 131072 KiB of RAM above 896 MiB is not used (beyond the direct map)\n",
		  "the ignored RAM is reported");
	check_warnings(1, "1 GiB");
}

static void test_unreadable_mbi(void)
{
	begin();
	unit_log_clear();
	CHECK_EQ(multiboot_parse(0x2000000, IMAGE_START, IMAGE_END, &bi), -1,
		 "an unreadable mbi: -1");
	CHECK_LOG("boot: the Multiboot information at 0x2000000 is unreadable\n", "the message");
	CHECK(bi.usable.n == 0 && bi.nmods == 0 && bi.reserved.n == 1 &&
	      reserved_has(IMAGE_START, IMAGE_END, FRAME_HYPERVISOR),
	      "an unreadable mbi: nothing usable, only the image reserved");

	CHECK_EQ(multiboot_parse(FAKE_PHYS_SIZE - 8, IMAGE_START, IMAGE_END, &bi), -1,
		 "an mbi running off the end of memory: -1");
	CHECK_EQ(multiboot_parse(0xfffffff0u, IMAGE_START, IMAGE_END, &bi), -1,
		 "an mbi across 4 GiB: -1");
}

/* More reserved entries than a range list holds: the RAM above the first
 * dropped one must not be used, even if a later usable entry covers it. */
static void test_too_many_reserved(void)
{
	begin();
	map(0x100000, 0x7f00000, USABLE);
	for (int i = 0; i < RANGE_LIST_MAX; i++)	/* fill the list, below 1 MiB */
		map(0xa0000 + 0x1000 * (uint64_t)i, 0x1000, RESERVED);
	map(0x4000000, 0x100000, RESERVED);		/* entry 65: dropped */
	map(0x3800000, 0x1800000, USABLE);		/* covers entry 65 */
	CHECK_EQ(parse(), 0, "too many reserved entries: parse succeeds");
	CHECK_LOG("boot: memory map entry 65: too many entries; "
		  "treating all RAM above 0x4000000 as reserved\n", "the overflow is reported");
	CHECK_USABLE(1, ((uint64_t[]){ 0x100000, 0x4000000 }),
		     "no RAM above the dropped reserved entry, even from a later usable entry");
	check_warnings(1, "too many reserved");
}

static void test_too_many_usable(void)
{
	begin();
	for (int i = 0; i < RANGE_LIST_MAX + 2; i++)
		map(0x100000 + 0x20000 * (uint64_t)i, 0x10000, USABLE);
	CHECK_EQ(parse(), 0, "too many usable entries: parse succeeds");
	CHECK(bi.usable.n == RANGE_LIST_MAX &&
	      bi.usable.r[RANGE_LIST_MAX - 1].end == 0x100000 + 0x20000 * 63 + 0x10000,
	      "the first RANGE_LIST_MAX usable entries are kept");
	CHECK_LOG("boot: memory map entry 64: too many entries, ignored\n", "entry 64 reported");
	CHECK_LOG("boot: memory map entry 65: too many entries, ignored\n", "entry 65 reported");
	check_warnings(2, "too many usable");
}

/* ---- command lines ---- */

static void test_cmdlines(void)
{
	char longer[301];
	memset(longer, 'k', 300);
	longer[300] = '\0';

	begin();
	qemu_map();
	cmdline(longer);
	CHECK_EQ(parse(), 0, "a long command line: parse succeeds");
	CHECK(strlen(bi.cmdline) == MAX_CMDLINE - 1 && strspn(bi.cmdline, "k") == MAX_CMDLINE - 1,
	      "a long command line is cut to MAX_CMDLINE - 1 bytes and NUL-terminated");
	CHECK_LOG("boot: the command line is longer than 255 bytes: cut\n", "the cut is reported");
	CHECK(reserved_has(CMDLINE_PA, CMDLINE_PA + MAX_CMDLINE, FRAME_BOOTINFO),
	      "the part read is reserved");
	check_warnings(1, "long command line");

	begin();
	qemu_map();
	cmdline("selftest=frames and then no NUL before the hole");
	unit_phys_hole(CMDLINE_PA + 16, CMDLINE_PA + 0x100);
	CHECK_EQ(parse(), 0, "a command line running into unreadable memory: parse succeeds");
	CHECK_STR(bi.cmdline, "", "an unreadable command line is dropped whole");
	CHECK_LOG("boot: the command line at 0x201000 is unreadable: ignored\n", "and reported");
	check_warnings(1, "unreadable command line");

	begin();
	qemu_map();
	unit_phys_put_str(LOADER_PA, "GRUB 2.06 with a very long name that does not fit in 48");
	mbi.flags |= MBI_LOADER_NAME;
	mbi.boot_loader_name = LOADER_PA;
	CHECK_EQ(parse(), 0, "a long loader name: parse succeeds");
	CHECK_STR(bi.loader, "GRUB 2.06 with a very long name that does not f",
		  "a long loader name is cut to 47 bytes");
}

/* ---- modules ---- */

static void test_bad_modules(void)
{
	begin();
	qemu_map();
	module(0x400000, 0x401000, "good0");
	module(0x501000, 0x500000, "backwards");
	module(0x500000, 0x500000, "empty");
	module(0x600000, 0x600000 + MAX_MODULE_BYTES + 1, "huge");
	module(0xf0000, 0xf1000, "bios");
	module(FAR_PA, FAR_PA + 0x1000, "far");
	module(0x170000, 0x190000, "image");
	module(0x400800, 0x402000, "dup");
	module_at(0x800000, 0x801000, 0x3000000);	/* unreadable command line */
	module(0x700000, 0x703000, "good9");
	module(0x1fd0000, 0x1ff0000, "straddle");	/* over the end of RAM */
	module(0x702000, 0x704000, "dup9");

	CHECK_EQ(parse(), 0, "bad modules: parse succeeds");
	CHECK_EQ(bi.mods_given, 12, "bad modules: 12 given");
	CHECK_EQ(bi.nmods, 2, "bad modules: only the two good ones accepted");
	CHECK(bi.mods[0].index == 0 && bi.mods[0].start == 0x400000 &&
	      bi.mods[1].index == 9 && bi.mods[1].start == 0x700000 && bi.mods[1].end == 0x703000,
	      "the accepted modules keep their index in the loader's list (0 and 9)");
	CHECK_STR(bi.mods[1].cmdline, "good9", "module 9's command line");
	CHECK_LOG("boot: module 1 'backwards' refused: it ends (0x500000) before it starts "
		  "(0x501000)\n", "end < start: refused");
	CHECK_LOG("boot: module 2 'empty' refused: it is empty\n", "empty: refused");
	CHECK_LOG("boot: module 3 'huge' refused: it is too large: 16777217 bytes, "
		  "the limit is 16777216\n", "larger than MAX_MODULE_BYTES: refused");
	CHECK_LOG("boot: module 4 'bios' refused: [0xf0000-0xf1000) is not in usable RAM\n",
		  "in reserved memory: refused");
	CHECK_LOG("boot: module 5 'far' refused: [0x1800000-0x1801000) is not in usable RAM\n",
		  "usable but unreadable: refused");
	CHECK_LOG("boot: module 6 'image' refused: it overlaps the hypervisor image\n",
		  "overlapping the image: refused");
	CHECK_LOG("boot: module 7 'dup' refused: it overlaps module 0\n",
		  "overlapping an earlier module: refused");
	CHECK_LOG("boot: module 8 refused: its command line at 0x3000000 is unreadable\n",
		  "unreadable command line: refused");
	CHECK_LOG("boot: module 10 'straddle' refused: [0x1fd0000-0x1ff0000) is not in usable RAM\n",
		  "across the end of RAM: refused");
	CHECK_LOG("boot: module 11 'dup9' refused: it overlaps module 9\n",
		  "overlap names the loader's index of the module");
	check_warnings(10, "bad modules");
	CHECK(reserved_of_type(FRAME_MODULE) == 2 && reserved_has(0x400000, 0x401000, FRAME_MODULE) &&
	      reserved_has(0x700000, 0x703000, FRAME_MODULE),
	      "only the accepted modules are reserved as modules");
}

static void test_module_list_out_of_ram(void)
{
	static const uint32_t where[] = { 0xf0000, FAR_PA, 0xfffffff8u };
	static const char *const what[] = { "in reserved memory", "unreadable", "across 4 GiB" };

	for (int i = 0; i < 3; i++) {
		begin();
		qemu_map();
		module(0x400000, 0x401000, "a");
		module(0x402000, 0x403000, "b");
		if (where[i] < FAKE_PHYS_SIZE)
			unit_phys_put_modules(where[i], mods, nmods);
		mbi.mods_addr = where[i];
		CHECK_EQ(parse(), 0, "module list %s: parse succeeds", what[i]);
		CHECK(bi.nmods == 0 && bi.mods_given == 2 && reserved_of_type(FRAME_MODULE) == 0,
		      "module list %s: all modules refused", what[i]);
		char msg[100];
		snprintf(msg, sizeof(msg), "boot: the module list at %#x is not in usable RAM: "
			 "all 2 modules refused\n", where[i]);
		CHECK_LOG(msg, "module list %s: the message", what[i]);
		check_warnings(1, "module list out of RAM");
	}
}

static void test_too_many_modules(void)
{
	begin();
	qemu_map();
	for (int i = 0; i < MAX_MODULES + 1; i++) {
		char name[16];
		snprintf(name, sizeof(name), "m%d", i);
		module(0x400000 + 0x1000 * (uint32_t)i, 0x400800 + 0x1000 * (uint32_t)i, name);
	}
	CHECK_EQ(parse(), 0, "MAX_MODULES + 1 modules: parse succeeds");
	CHECK_LOG("boot: 17 modules given; only the first 16 are used\n", "the warning");
	CHECK(bi.mods_given == MAX_MODULES + 1 && bi.nmods == MAX_MODULES &&
	      bi.mods[MAX_MODULES - 1].index == MAX_MODULES - 1,
	      "only the first MAX_MODULES are examined and accepted");
	CHECK_STR(bi.mods[MAX_MODULES - 1].cmdline, "m15", "the last one is m15");
	CHECK(reserved_has(MODS_PA, MODS_PA + 16 * MAX_MODULES, FRAME_BOOTINFO),
	      "the part of the module table read is reserved");
	CHECK(!bi.reserved.overflow, "the reserved list did not overflow");
	check_warnings(1, "too many modules");
}

static void test_module_long_cmdline(void)
{
	char longer[301];
	memset(longer, 'a', 300);
	longer[300] = '\0';

	begin();
	qemu_map();
	module(0x400000, 0x401000, longer);
	CHECK_EQ(parse(), 0, "a module with a long command line: parse succeeds");
	CHECK_EQ(bi.nmods, 1, "the module is still accepted");
	CHECK(strlen(bi.mods[0].cmdline) == MAX_CMDLINE - 1 &&
	      strspn(bi.mods[0].cmdline, "a") == MAX_CMDLINE - 1,
	      "its command line is cut to MAX_CMDLINE - 1 bytes and NUL-terminated");
	CHECK_LOG("boot: module 0: command line longer than 255 bytes, cut\n", "the cut is reported");
	CHECK(reserved_has(string_pa(0), string_pa(0) + MAX_CMDLINE, FRAME_BOOTINFO),
	      "the part read is reserved");
	check_warnings(1, "module long command line");
}

int main(void)
{
	test_qemu();
	test_overlapping_entries();
	test_above_4g();
	test_no_wrap();
	test_zero_length();
	test_entry_sizes();
	test_unreadable_map();
	test_no_map();
	test_directmap_limit();
	test_unreadable_mbi();
	test_too_many_reserved();
	test_too_many_usable();
	test_cmdlines();
	test_bad_modules();
	test_module_list_out_of_ram();
	test_too_many_modules();
	test_module_long_cmdline();
	return unit_done();
}
