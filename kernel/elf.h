/*
 * elf.h: checking a guest's ELF image before anything is loaded from it.
 *
 * A module is input from the boot loader and must be treated as hostile:
 * every offset and size in it is checked against the file's size and the
 * guest's address range (kernel/elf.c). Pure logic: also in tests/unit.
 */
#ifndef SV_ELF_H
#define SV_ELF_H

#include <stdint.h>

#define ELF_MAX_SEGMENTS 8

/* The parts of ELF32 we read (the System V ABI, i386 supplement). */
struct elf32_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version, e_entry, e_phoff, e_shoff, e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf32_phdr {
	uint32_t p_type, p_offset, p_vaddr, p_paddr;
	uint32_t p_filesz, p_memsz, p_flags, p_align;
};

#define ELF_PT_LOAD	1
#define ELF_PF_X	1
#define ELF_PF_W	2
#define ELF_ET_EXEC	2
#define ELF_EM_386	3

/* A checked image: what the domain builder loads. */
struct elf_image {
	uint32_t entry;
	uint32_t end;			/* highest vaddr + memsz of any segment */
	uint32_t nsegs;
	struct elf_segment {
		uint32_t vaddr, memsz;	/* where, and how much memory */
		uint32_t offset, filesz; /* the bytes to copy from the file */
		uint32_t flags;		/* ELF_PF_W, ELF_PF_X */
	} seg[ELF_MAX_SEGMENTS];
};

/*
 * Check the ELF file [file, file + size): a 32-bit little-endian i386
 * executable whose loadable segments lie within [lo, hi), inside the file,
 * not overlapping each other, and whose entry point is in an executable
 * segment. Returns NULL and fills *img, or a message saying what is wrong.
 */
const char *elf_check(const void *file, uint32_t size, uint32_t lo, uint32_t hi,
		      struct elf_image *img);

#endif /* SV_ELF_H */
