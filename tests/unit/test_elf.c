/*
 * test_elf.c: kernel/elf.c, the check every guest module passes before the
 * domain builder loads anything from it. Builds small ELF images in memory
 * (a good one, then one broken thing at a time) and checks that each bad
 * one is refused with its own reason and the good one is described
 * exactly.
 */
#include <stdlib.h>
#include <string.h>

#include "elf.h"
#include "unit.h"

#define LO	0x00400000u
#define HI	0x00500000u

/* An image with a text segment (R+X) and a data segment (R+W, with bss). */
struct test_elf {
	struct elf32_ehdr eh;
	struct elf32_phdr ph[3];
	uint8_t text[64];
	uint8_t data[32];
};

static struct test_elf good(void)
{
	struct test_elf e;
	memset(&e, 0, sizeof(e));
	memcpy(e.eh.e_ident, "\x7f" "ELF\x01\x01\x01", 7);
	e.eh.e_type = ELF_ET_EXEC;
	e.eh.e_machine = ELF_EM_386;
	e.eh.e_version = 1;
	e.eh.e_entry = LO + 0x10;
	e.eh.e_phoff = offsetof(struct test_elf, ph);
	e.eh.e_phentsize = sizeof(struct elf32_phdr);
	e.eh.e_phnum = 3;
	e.ph[0] = (struct elf32_phdr){ .p_type = ELF_PT_LOAD,
		.p_offset = offsetof(struct test_elf, text), .p_vaddr = LO,
		.p_filesz = 64, .p_memsz = 64, .p_flags = ELF_PF_X | 4 };
	e.ph[1] = (struct elf32_phdr){ .p_type = ELF_PT_LOAD,
		.p_offset = offsetof(struct test_elf, data), .p_vaddr = LO + 0x1000,
		.p_filesz = 32, .p_memsz = 0x2000, .p_flags = ELF_PF_W | 4 };
	e.ph[2] = (struct elf32_phdr){ .p_type = 0x6474e551 /* PT_GNU_STACK */ };
	return e;
}

static const char *check(const struct test_elf *e, uint32_t size, struct elf_image *img)
{
	/* A heap copy of exactly size bytes, so ASan catches any read past it. */
	void *copy = malloc(size ? size : 1);
	memcpy(copy, e, size);
	const char *why = elf_check(copy, size, LO, HI, img);
	free(copy);
	return why;
}

static void expect_refused(struct test_elf e, uint32_t size, const char *reason, const char *what)
{
	struct elf_image img;
	const char *why = check(&e, size, &img);
	CHECK_STR(why ? why : "(accepted)", reason, "%s", what);
}

static void test_good(void)
{
	struct test_elf e = good();
	struct elf_image img;
	CHECK(check(&e, sizeof(e), &img) == NULL, "a good image is accepted");
	CHECK_EQ(img.entry, LO + 0x10, "entry point");
	CHECK_EQ(img.nsegs, 2, "two loadable segments (PT_GNU_STACK skipped)");
	CHECK_EQ(img.seg[1].memsz, 0x2000, "data segment memsz includes bss");
	CHECK_EQ(img.seg[1].filesz, 32, "data segment filesz");
	CHECK_EQ(img.end, LO + 0x3000, "end is the top of the highest segment");
}

static void test_header(void)
{
	struct test_elf e = good();
	expect_refused(e, 10, "too short for an ELF header", "10 bytes");
	expect_refused(e, 0, "too short for an ELF header", "0 bytes");
	e = good(); e.eh.e_ident[1] = 'X';
	expect_refused(e, sizeof(e), "not an ELF file (bad magic)", "bad magic");
	e = good(); e.eh.e_ident[4] = 2;
	expect_refused(e, sizeof(e), "not a 32-bit ELF file", "ELFCLASS64");
	e = good(); e.eh.e_ident[5] = 2;
	expect_refused(e, sizeof(e), "not a little-endian ELF file", "big-endian");
	e = good(); e.eh.e_type = 3;
	expect_refused(e, sizeof(e), "not an executable (ET_EXEC) ELF file", "ET_DYN");
	e = good(); e.eh.e_machine = 62;
	expect_refused(e, sizeof(e), "not an i386 ELF file (wrong machine)", "x86-64 machine");
	e = good(); e.eh.e_phentsize = 16;
	expect_refused(e, sizeof(e), "unexpected program header size", "phentsize 16");
	e = good(); e.eh.e_phnum = 0;
	expect_refused(e, sizeof(e), "no program headers", "phnum 0");
	e = good(); e.eh.e_phoff = 0xFFFFFFF0u;
	expect_refused(e, sizeof(e), "the program headers run past the end of the file",
		       "phoff near 4 GiB (wraps)");
	e = good(); e.eh.e_phnum = 0xFFFF;
	expect_refused(e, sizeof(e), "the program headers run past the end of the file",
		       "65535 program headers");
	e = good();
	expect_refused(e, offsetof(struct test_elf, ph) + 40,
		       "the program headers run past the end of the file", "cut in the phdrs");
}

static void test_segments(void)
{
	struct test_elf e = good();
	e.ph[0].p_filesz = 65;
	expect_refused(e, sizeof(e), "a segment has more file bytes than memory bytes",
		       "filesz > memsz");
	e = good();
	expect_refused(e, sizeof(e) - 1, "a segment runs past the end of the file (truncated?)",
		       "file one byte short");
	e = good(); e.ph[1].p_offset = 0xFFFFFFF0u;
	expect_refused(e, sizeof(e), "a segment runs past the end of the file (truncated?)",
		       "offset + filesz wraps");
	e = good(); e.ph[0].p_vaddr = 0x100; e.eh.e_entry = 0x110;
	expect_refused(e, sizeof(e), "a segment lies outside the guest's memory", "below LO");
	e = good(); e.ph[1].p_vaddr = HI - 0x1000;
	expect_refused(e, sizeof(e), "a segment lies outside the guest's memory",
		       "ends past HI");
	e = good(); e.ph[1].p_vaddr = 0xFFFFF000u;
	expect_refused(e, sizeof(e), "a segment lies outside the guest's memory",
		       "vaddr + memsz wraps");
	e = good(); e.ph[1].p_memsz = 0xFFFFFFFFu;
	expect_refused(e, sizeof(e), "a segment lies outside the guest's memory", "huge memsz");
	e = good(); e.ph[1].p_vaddr = LO + 32;
	expect_refused(e, sizeof(e), "two segments overlap", "overlapping segments");
	e = good(); e.ph[0].p_type = 0; e.ph[1].p_type = 0;
	expect_refused(e, sizeof(e), "no loadable segment", "no PT_LOAD");
	e = good(); e.eh.e_entry = LO + 0x1000;
	expect_refused(e, sizeof(e), "the entry point is not in an executable segment",
		       "entry in the data segment");
	e = good(); e.eh.e_entry = LO + 64;
	expect_refused(e, sizeof(e), "the entry point is not in an executable segment",
		       "entry just past the text segment");
	e = good(); e.ph[1].p_memsz = 0; e.ph[1].p_filesz = 0;
	struct elf_image img;
	CHECK(check(&e, sizeof(e), &img) == NULL && img.nsegs == 1,
	      "an empty PT_LOAD is skipped, not refused");
}

int main(void)
{
	test_good();
	test_header();
	test_segments();
	return unit_done();
}
