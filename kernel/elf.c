/*
 * elf.c: validate a guest ELF image (see elf.h). The header and each
 * program header are copied out of the file before they are checked.
 */
#include "elf.h"
#include "klib.h"

static bool ident_ok(const uint8_t *id)
{
	return id[0] == 0x7F && id[1] == 'E' && id[2] == 'L' && id[3] == 'F';
}

/* Check one PT_LOAD program header and append it to img. */
static const char *add_segment(const struct elf32_phdr *ph, uint32_t size,
			       uint32_t lo, uint32_t hi, struct elf_image *img)
{
	if (ph->p_filesz > ph->p_memsz)
		return "a segment has more file bytes than memory bytes";
	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
		return "a segment runs past the end of the file (truncated?)";
	if (ph->p_vaddr < lo || ph->p_vaddr >= hi || ph->p_memsz > hi - ph->p_vaddr)
		return "a segment lies outside the guest's memory";
	for (uint32_t i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->seg[i];
		if (ph->p_vaddr < s->vaddr + s->memsz && s->vaddr < ph->p_vaddr + ph->p_memsz)
			return "two segments overlap";
	}
	if (img->nsegs == ELF_MAX_SEGMENTS)
		return "too many loadable segments";
	img->seg[img->nsegs++] = (struct elf_segment){
		.vaddr = ph->p_vaddr, .memsz = ph->p_memsz,
		.offset = ph->p_offset, .filesz = ph->p_filesz, .flags = ph->p_flags,
	};
	img->end = MAX(img->end, ph->p_vaddr + ph->p_memsz);
	return NULL;
}

const char *elf_check(const void *file, uint32_t size, uint32_t lo, uint32_t hi,
		      struct elf_image *img)
{
	struct elf32_ehdr eh;

	memset(img, 0, sizeof(*img));
	if (size < sizeof(eh))
		return "too short for an ELF header";
	memcpy(&eh, file, sizeof(eh));
	if (!ident_ok(eh.e_ident))
		return "not an ELF file (bad magic)";
	if (eh.e_ident[4] != 1)
		return "not a 32-bit ELF file";
	if (eh.e_ident[5] != 1)
		return "not a little-endian ELF file";
	if (eh.e_type != ELF_ET_EXEC)
		return "not an executable (ET_EXEC) ELF file";
	if (eh.e_machine != ELF_EM_386)
		return "not an i386 ELF file (wrong machine)";
	if (eh.e_phentsize != sizeof(struct elf32_phdr))
		return "unexpected program header size";
	if (eh.e_phnum == 0)
		return "no program headers";
	if (eh.e_phoff > size || (uint32_t)eh.e_phnum * sizeof(struct elf32_phdr) > size - eh.e_phoff)
		return "the program headers run past the end of the file";

	for (uint32_t i = 0; i < eh.e_phnum; i++) {
		struct elf32_phdr ph;
		memcpy(&ph, (const uint8_t *)file + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != ELF_PT_LOAD || ph.p_memsz == 0)
			continue;
		const char *why = add_segment(&ph, size, lo, hi, img);
		if (why)
			return why;
	}
	if (img->nsegs == 0)
		return "no loadable segment";
	for (uint32_t i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->seg[i];
		if ((s->flags & ELF_PF_X) && eh.e_entry >= s->vaddr &&
		    eh.e_entry - s->vaddr < s->memsz) {
			img->entry = eh.e_entry;
			return NULL;
		}
	}
	return "the entry point is not in an executable segment";
}
