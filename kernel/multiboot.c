/*
 * multiboot.c: turn the loader's Multiboot information into a checked
 * struct boot_info (see multiboot.h). Every problem is reported on the
 * console with what was wrong, and the parser goes on with what is left:
 * a bad memory map entry is skipped, a bad module is refused while the
 * others are kept. Only a machine with no usable memory information at
 * all stops the boot.
 *
 * Pure bookkeeping over boot_phys(): also compiled into tests/unit.
 */
#include "frame.h"
#include "klib.h"
#include "memlayout.h"
#include "multiboot.h"

#define FOUR_GIB 0x100000000ULL

static void warn(struct boot_info *bi, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct boot_info *bi, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("boot: %s\n", msg);
	bi->warnings++;
}

enum copy_result { COPY_OK, COPY_TRUNCATED, COPY_UNREADABLE };

/* Copy the C string at physical pa into dst[size], reserving the bytes it
 * occupies so that the frame allocator leaves them alone. */
static enum copy_result copy_string(struct boot_info *bi, uint32_t pa,
				    char *dst, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		const char *p = boot_phys((uint64_t)pa + i, 1);
		if (!p) {
			dst[0] = '\0';
			return COPY_UNREADABLE;
		}
		dst[i] = *p;
		if (!*p) {
			ranges_add(&bi->reserved, pa, (uint64_t)pa + i + 1, FRAME_BOOTINFO);
			return COPY_OK;
		}
	}
	dst[size - 1] = '\0';
	ranges_add(&bi->reserved, pa, (uint64_t)pa + size, FRAME_BOOTINFO);
	return COPY_TRUNCATED;
}

static const char *mmap_type_name(uint32_t type)
{
	switch (type) {
	case 1: return "usable";
	case 2: return "reserved";
	case 3: return "ACPI reclaimable";
	case 4: return "ACPI NVS";
	case 5: return "bad RAM";
	default: return "unknown type";
	}
}

/*
 * Walk the memory map: available entries go into avail, everything else
 * into firmware (which wins where the two overlap: using reserved memory
 * is a bug, losing a little RAM is not).
 */
static void read_memory_map(struct boot_info *bi, const struct multiboot_info *mbi,
			    struct range_list *avail, struct range_list *firmware)
{
	uint32_t off = 0;
	int index = 0;
	uint64_t ceiling = FOUR_GIB;	/* lowered when a reserved entry is dropped */

	if (!boot_phys(mbi->mmap_addr, mbi->mmap_length)) {
		warn(bi, "memory map at %#x (%u bytes) is unreadable: ignored",
		     mbi->mmap_addr, mbi->mmap_length);
		return;
	}
	ranges_add(&bi->reserved, mbi->mmap_addr,
		   (uint64_t)mbi->mmap_addr + mbi->mmap_length, FRAME_BOOTINFO);
	printk("memory map from the boot loader:\n");
	while (off + sizeof(uint32_t) <= mbi->mmap_length) {
		struct multiboot_mmap_entry e;
		uint32_t size;	/* the whole map was checked readable above */
		memcpy(&size, boot_phys((uint64_t)mbi->mmap_addr + off, 4), 4);
		if (size < sizeof(e) - sizeof(e.size)) {
			warn(bi, "memory map entry %d has size %u (less than 20): "
			     "ignoring it and the rest of the map", index, size);
			return;
		}
		if ((uint64_t)off + 4 + size > mbi->mmap_length) {
			warn(bi, "memory map entry %d runs past the map's end: ignored", index);
			return;
		}
		memcpy(&e, boot_phys((uint64_t)mbi->mmap_addr + off, sizeof(e)), sizeof(e));
		off += 4 + size;

		/* end = addr + len, saturating instead of wrapping */
		uint64_t end = e.len > UINT64_MAX - e.addr ? UINT64_MAX : e.addr + e.len;
		printk("  [%#018llx-%#018llx) %s\n", (unsigned long long)e.addr,
		       (unsigned long long)end, mmap_type_name(e.type));
		if (e.len == 0)
			warn(bi, "memory map entry %d has zero length: ignored", index);
		else if (e.addr >= FOUR_GIB)
			;	/* above 4 GiB: not addressable without PAE, silently unused */
		else if (e.type == MMAP_AVAILABLE) {
			if (!ranges_add(avail, e.addr, MIN(end, ceiling), 0))
				warn(bi, "memory map entry %d: too many entries, ignored", index);
		} else {
			if (!ranges_add(firmware, e.addr, MIN(end, FOUR_GIB), 0))
				warn(bi, "memory map entry %d: too many entries; "
				     "treating all RAM above %#llx as reserved", index,
				     (unsigned long long)e.addr);
			if (firmware->overflow) {	/* be safe: give up what we cannot check */
				ceiling = MIN(ceiling, e.addr);
				ranges_clip(avail, 0, ceiling);
			}
		}
		index++;
	}
}

static void read_memory(struct boot_info *bi, const struct multiboot_info *mbi)
{
	struct range_list avail, firmware;
	ranges_init(&avail);
	ranges_init(&firmware);

	if (mbi->flags & MBI_MMAP) {
		read_memory_map(bi, mbi, &avail, &firmware);
	} else if (mbi->flags & MBI_MEMORY) {
		warn(bi, "no memory map: using mem_lower=%uK mem_upper=%uK",
		     mbi->mem_lower, mbi->mem_upper);
	} else {
		warn(bi, "the boot loader gave no memory information");
	}
	/* Only fall back on mem_lower/mem_upper when no map entry survived. */
	if (avail.n == 0 && (mbi->flags & MBI_MEMORY)) {
		ranges_add(&avail, 0, MIN((uint64_t)mbi->mem_lower * 1024, 640 * 1024), 0);
		ranges_add(&avail, LOW_MEMORY_END,
			   MIN(LOW_MEMORY_END + (uint64_t)mbi->mem_upper * 1024, FOUR_GIB), 0);
	}

	ranges_normalize(&avail);
	for (int i = 0; i < firmware.n; i++)
		ranges_subtract(&avail, firmware.r[i].start, firmware.r[i].end);
	ranges_normalize(&avail);

	/* What lies beyond the direct map cannot be reached: count it, drop it. */
	struct range_list beyond = avail;
	ranges_clip(&beyond, DIRECTMAP_LIMIT, FOUR_GIB);
	bi->ram_ignored = ranges_total(&beyond);
	ranges_clip(&avail, 0, DIRECTMAP_LIMIT);
	bi->usable = avail;
	if (bi->ram_ignored)
		warn(bi, "%llu KiB of RAM above %u MiB is not used (beyond the direct map)",
		     (unsigned long long)(bi->ram_ignored / 1024), DIRECTMAP_LIMIT >> 20);
}

/* Check one module: NULL if it is acceptable, else the reason it is not. */
static const char *check_module(struct boot_info *bi, const struct multiboot_module *m,
				uint64_t image_start, uint64_t image_end)
{
	static char why[96];
	if (m->mod_end == m->mod_start)
		return "it is empty";
	if (m->mod_end < m->mod_start) {
		snprintf(why, sizeof(why), "it ends (%#x) before it starts (%#x)",
			 m->mod_end, m->mod_start);
		return why;
	}
	uint32_t size = m->mod_end - m->mod_start;
	if (size > MAX_MODULE_BYTES) {
		snprintf(why, sizeof(why), "it is too large: %u bytes, the limit is %u",
			 size, MAX_MODULE_BYTES);
		return why;
	}
	if (!ranges_contain(&bi->usable, m->mod_start, m->mod_end) ||
	    !boot_phys(m->mod_start, size)) {
		snprintf(why, sizeof(why), "[%#x-%#x) is not in usable RAM",
			 m->mod_start, m->mod_end);
		return why;
	}
	if (m->mod_start < image_end && m->mod_end > image_start)
		return "it overlaps the hypervisor image";
	for (uint32_t j = 0; j < bi->nmods; j++) {
		if (m->mod_start < bi->mods[j].end && m->mod_end > bi->mods[j].start) {
			snprintf(why, sizeof(why), "it overlaps module %u", bi->mods[j].index);
			return why;
		}
	}
	return NULL;
}

static void read_modules(struct boot_info *bi, const struct multiboot_info *mbi,
			 uint64_t image_start, uint64_t image_end)
{
	if (!(mbi->flags & MBI_MODS) || mbi->mods_count == 0)
		return;
	uint32_t count = mbi->mods_count;
	bi->mods_given = count;
	if (count > MAX_MODULES) {
		warn(bi, "%u modules given; only the first %d are used", count, MAX_MODULES);
		count = MAX_MODULES;
	}
	uint64_t table_end = (uint64_t)mbi->mods_addr + count * sizeof(struct multiboot_module);
	if (!ranges_contain(&bi->usable, mbi->mods_addr, table_end) ||
	    !boot_phys(mbi->mods_addr, table_end - mbi->mods_addr)) {
		warn(bi, "the module list at %#x is not in usable RAM: all %u modules refused",
		     mbi->mods_addr, bi->mods_given);
		return;
	}
	ranges_add(&bi->reserved, mbi->mods_addr, table_end, FRAME_BOOTINFO);

	for (uint32_t i = 0; i < count; i++) {
		struct multiboot_module m;
		memcpy(&m, boot_phys(mbi->mods_addr + i * sizeof(m), sizeof(m)), sizeof(m));
		struct boot_module *bm = &bi->mods[bi->nmods];

		enum copy_result r = copy_string(bi, m.cmdline, bm->cmdline, sizeof(bm->cmdline));
		if (r == COPY_UNREADABLE) {
			warn(bi, "module %u refused: its command line at %#x is unreadable",
			     i, m.cmdline);
			continue;
		}
		if (r == COPY_TRUNCATED)
			warn(bi, "module %u: command line longer than %d bytes, cut",
			     i, MAX_CMDLINE - 1);
		const char *why = check_module(bi, &m, image_start, image_end);
		if (why) {
			warn(bi, "module %u '%s' refused: %s", i, bm->cmdline, why);
			continue;
		}
		bm->index = i;
		bm->start = m.mod_start;
		bm->end = m.mod_end;
		ranges_add(&bi->reserved, m.mod_start, m.mod_end, FRAME_MODULE);
		bi->nmods++;
	}
}

int multiboot_parse(uint32_t mbi_pa, uint64_t image_start, uint64_t image_end,
		    struct boot_info *bi)
{
	struct multiboot_info mbi;

	memset(bi, 0, sizeof(*bi));
	ranges_init(&bi->usable);
	ranges_init(&bi->reserved);
	ranges_add(&bi->reserved, image_start, image_end, FRAME_HYPERVISOR);

	const void *p = boot_phys(mbi_pa, sizeof(mbi));
	if (!p) {
		warn(bi, "the Multiboot information at %#x is unreadable", mbi_pa);
		return -1;
	}
	memcpy(&mbi, p, sizeof(mbi));	/* copy first, then check the copy */
	ranges_add(&bi->reserved, mbi_pa, (uint64_t)mbi_pa + sizeof(mbi), FRAME_BOOTINFO);

	if (mbi.flags & MBI_CMDLINE) {
		enum copy_result r = copy_string(bi, mbi.cmdline, bi->cmdline, sizeof(bi->cmdline));
		if (r == COPY_UNREADABLE)
			warn(bi, "the command line at %#x is unreadable: ignored", mbi.cmdline);
		else if (r == COPY_TRUNCATED)
			warn(bi, "the command line is longer than %d bytes: cut", MAX_CMDLINE - 1);
	}
	if (mbi.flags & MBI_LOADER_NAME &&
	    copy_string(bi, mbi.boot_loader_name, bi->loader, sizeof(bi->loader)) ==
		    COPY_UNREADABLE)
		warn(bi, "the boot loader name at %#x is unreadable", mbi.boot_loader_name);

	read_memory(bi, &mbi);
	if (ranges_total(&bi->usable) == 0) {
		warn(bi, "no usable RAM");
		return -1;
	}
	read_modules(bi, &mbi, image_start, image_end);
	return 0;
}
