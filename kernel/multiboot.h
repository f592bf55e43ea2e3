/*
 * multiboot.h: the Multiboot (version 1) information structure that GRUB
 * or QEMU hands us, and the checked summary we turn it into.
 *
 * The loader's structures are input, not truth: entries can overlap, run
 * past 4 GiB, have zero length; module addresses can point anywhere. The
 * parser (kernel/multiboot.c) reads them only through boot_phys(), which
 * refuses any range it cannot map, and produces a struct boot_info whose
 * every field has been checked. Nothing after the parser reads the
 * loader's structures again.
 */
#ifndef SV_MULTIBOOT_H
#define SV_MULTIBOOT_H

#include <stdint.h>
#include "memmap.h"
#include "param.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002

/* multiboot_info.flags: which fields are valid */
#define MBI_MEMORY	(1u << 0)	/* mem_lower, mem_upper */
#define MBI_CMDLINE	(1u << 2)
#define MBI_MODS	(1u << 3)
#define MBI_MMAP	(1u << 6)
#define MBI_LOADER_NAME	(1u << 9)

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;	/* KiB below 1 MiB, KiB from 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;		/* physical address of a C string */
	uint32_t mods_count, mods_addr;	/* array of struct multiboot_module */
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	/* APM and video fields follow; we do not use them. */
};

struct multiboot_module {
	uint32_t mod_start, mod_end;	/* physical [start, end) */
	uint32_t cmdline;
	uint32_t pad;
};

/* A memory map entry. "size" counts the bytes after itself, so the next
 * entry is at (entry + size + 4); it is at least 20. */
struct multiboot_mmap_entry {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

#define MMAP_AVAILABLE 1

/* A boot module the parser accepted. */
struct boot_module {
	uint32_t index;			/* its position in the loader's list */
	uint32_t start, end;		/* physical [start, end) */
	char cmdline[MAX_CMDLINE];
};

/* Everything the rest of the hypervisor learns from the boot loader. */
struct boot_info {
	char cmdline[MAX_CMDLINE];	/* the hypervisor's command line */
	char loader[48];		/* boot loader name, if given */
	struct range_list usable;	/* RAM we may use, sorted and merged */
	uint64_t ram_ignored;		/* usable bytes beyond DIRECTMAP_LIMIT */
	uint32_t mods_given;		/* modules the loader listed */
	uint32_t nmods;			/* modules accepted, in mods[] */
	struct boot_module mods[MAX_MODULES];
	struct range_list reserved;	/* what the frame allocator must skip */
	uint32_t warnings;		/* problems reported and survived */
};

/*
 * Read the Multiboot information at physical mbi_pa into bi. image is the
 * hypervisor image's physical range (modules must not overlap it).
 * Prints the memory map and every module as it goes, and a line for each
 * problem. Returns 0, or -1 when there is no usable memory information at
 * all (the caller cannot go on).
 */
int multiboot_parse(uint32_t mbi_pa, uint64_t image_start, uint64_t image_end,
		    struct boot_info *bi);

/*
 * Supplied by the caller: a pointer through which [pa, pa + len) can be
 * read, or NULL if the range is not readable (beyond the direct map,
 * wrapping around). The hypervisor maps it through the direct map; the
 * unit tests through a fake physical memory.
 */
const void *boot_phys(uint64_t pa, uint64_t len);

#endif /* SV_MULTIBOOT_H */
