/*
 * builder.c: the domain builder. Turns boot module N into domain N:
 *
 *   1. read name=, mem= and cpu= from the module's command line;
 *   2. check the ELF image (kernel/elf.c) against the guest's range;
 *   3. make a page directory and give the domain its memory: the stack
 *      below SV_STACK_TOP, then mem - SV_STACK_SIZE bytes from
 *      SV_GUEST_BASE, every frame owned by the domain in the frame table;
 *   4. copy the segments in and make the pages of read-only segments
 *      read-only;
 *   5. fill the start-info page, map it and the shared-info page;
 *   6. set the registers: eip = entry, esp = SV_STACK_TOP, ring 3.
 *
 * A module that fails any check is refused with a line that names it and
 * says why; the other modules are still built.
 */
#include "cmdline.h"
#include "domain.h"
#include "elf.h"
#include "frame.h"
#include "klib.h"
#include "memlayout.h"
#include "multiboot.h"
#include "usercopy.h"
#include "tsc.h"
#include "x86.h"

/* Parse a size: decimal digits with an optional K or M suffix. */
static bool parse_size(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (uint32_t)(s[i] - '0');
		if (v > 0xFFFFFFFFu)
			return false;
	}
	if (i == 0)
		return false;
	if (i < n && (s[i] == 'K' || s[i] == 'M')) {
		v <<= s[i] == 'K' ? 10 : 20;
		i++;
	}
	if (i != n || v > 0xFFFFFFFFu)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* name=, mem= and cpu= from the command line. NULL, or what is wrong. */
static const char *parse_module_cmdline(const char *cmdline, char *name, uint32_t *mem,
					int *pin)
{
	const char *p = cmdline, *end = cmdline + strlen(cmdline), *w;
	size_t n;
	while ((w = next_word(&p, end, &n))) {
		if (n > 5 && strncmp(w, "name=", 5) == 0) {
			if (n - 5 >= SV_NAME_MAX)
				return "name= is longer than 15 characters";
			for (size_t i = 5; i < n; i++)
				if (!name_char(w[i]))
					return "name= may hold only letters, digits, '-', '_' and '.'";
			memcpy(name, w + 5, n - 5);
			name[n - 5] = '\0';
		} else if (n >= 4 && strncmp(w, "mem=", 4) == 0) {
			if (!parse_size(w + 4, n - 4, mem))
				return "mem= is not a size (such as 512K or 4M)";
			if (*mem % PAGE_SIZE)
				return "mem= is not a whole number of pages";
			if (*mem > SV_MEM_MAX)
				return "mem= is more than the 64M a domain may have";
			if (*mem < SV_STACK_SIZE + PAGE_SIZE)
				return "mem= is too small for a stack and an image";
		} else if (n >= 4 && strncmp(w, "cpu=", 4) == 0) {
			uint32_t cpu;
			if (!parse_size(w + 4, n - 4, &cpu) || w[n - 1] == 'K' || w[n - 1] == 'M')
				return "cpu= is not a CPU number";
			if (cpu >= ncpus)
				return ncpus == 1 ? "cpu= names a CPU that is not running (1 CPU runs)"
						  : "cpu= names a CPU that is not running";
			*pin = (int)cpu;
		}
	}
	return NULL;
}

/* A fresh zeroed frame, owned by d, mapped at va. */
static int map_new_page(struct domain *d, uint32_t va, uint32_t flags)
{
	uint32_t pfn = frame_alloc(d->id, FRAME_GUEST);
	if (pfn == FRAME_NONE)
		return SV_ENOMEM;
	memset(P2V(pfn << PAGE_SHIFT), 0, PAGE_SIZE);
	int rc = page_map(d->pgdir, va, pfn << PAGE_SHIFT, flags);
	if (rc != SV_OK) {
		frame_free(pfn);
		return rc;
	}
	d->pages++;
	return SV_OK;
}

static int map_range(struct domain *d, uint32_t start, uint32_t end, uint32_t flags)
{
	for (uint32_t va = start; va < end; va += PAGE_SIZE) {
		int rc = map_new_page(d, va, flags);
		if (rc != SV_OK)
			return rc;
	}
	return SV_OK;
}

/* Copy the segments in, then take write access away from every page that
 * only read-only segments touch. */
static void load_image(struct domain *d, const struct boot_module *m,
		       const struct elf_image *img)
{
	for (uint32_t i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->seg[i];
		if (copy_to_guest(d->pgdir, s->vaddr, P2V(m->start + s->offset), s->filesz) != SV_OK)
			panic("load_image: segment %u of domain %u not mapped", i, d->id);
	}
	for (uint32_t i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->seg[i];
		if (s->flags & ELF_PF_W)
			continue;
		for (uint32_t va = ROUNDDOWN(s->vaddr, PAGE_SIZE); va < s->vaddr + s->memsz;
		     va += PAGE_SIZE) {
			bool writable_too = false;
			for (uint32_t j = 0; j < img->nsegs; j++) {
				const struct elf_segment *w = &img->seg[j];
				if ((w->flags & ELF_PF_W) && va < w->vaddr + w->memsz &&
				    w->vaddr < va + PAGE_SIZE)
					writable_too = true;
			}
			if (!writable_too)
				page_protect(d->pgdir, va, PTE_U);
		}
	}
}

static void fill_start_info(struct domain *d, const struct boot_module *m,
			    const struct elf_image *img, uint32_t mem)
{
	struct sv_start_info *si = d->start_info;
	uint32_t heap_end = SV_GUEST_BASE + mem - SV_STACK_SIZE;

	si->magic = SV_START_MAGIC;
	si->abi_version = SV_ABI_VERSION;
	si->domid = d->id;
	si->flags = d->privileged ? SV_SIF_PRIVILEGED : 0;
	memcpy(si->name, d->name, sizeof(si->name));
	memcpy(si->cmdline, m->cmdline, MIN(sizeof(si->cmdline), sizeof(m->cmdline)));
	si->cmdline[sizeof(si->cmdline) - 1] = '\0';
	si->mem_bytes = mem;
	si->image_start = SV_GUEST_BASE;
	si->image_end = img->end;
	si->heap_start = ROUNDUP(img->end, PAGE_SIZE);
	si->heap_end = heap_end;
	si->stack_bottom = SV_STACK_TOP - SV_STACK_SIZE;
	si->stack_top = SV_STACK_TOP;
	si->shared_info = SV_SHARED_INFO;
}

/* The hypervisor's view of the page mapped at guest va. */
static void *page_view(struct domain *d, uint32_t va)
{
	return P2V(PTE_ADDR(*page_lookup(d->pgdir, va)));
}

static bool refuse(const struct boot_module *m, const char *name, const char *why)
{
	printk("domain builder: module %u (%s) refused: %s\n", m->index, name, why);
	return false;
}

bool domain_build(const struct boot_module *m)
{
	/* Zeroed: all SV_NAME_MAX bytes go into the domain and its
	 * start-info page, and what followed the NUL was this stack's. */
	char name[SV_NAME_MAX] = { 0 };
	uint32_t mem = SV_MEM_DEFAULT;
	int pin = -1;
	struct elf_image img;

	snprintf(name, sizeof(name), "dom%u", m->index);
	if (m->index >= SV_MAX_DOMAINS)
		return refuse(m, name, "more modules than domains");
	const char *why = parse_module_cmdline(m->cmdline, name, &mem, &pin);
	if (why)
		return refuse(m, name, why);
	uint32_t ram_end = SV_GUEST_BASE + mem - SV_STACK_SIZE;
	why = elf_check(P2V(m->start), m->end - m->start, SV_GUEST_BASE, ram_end, &img);
	if (why)
		return refuse(m, name, why);

	struct domain *d = domain_alloc(m->index);
	memcpy(d->name, name, sizeof(d->name));
	d->privileged = m->index == 0;
	d->pin = (int8_t)pin;
	d->upcall_epoch = UINT64_MAX;	/* no upcall page remembered yet */
	for (uint32_t i = 0; pin >= 0 && i < MAX_CPUS; i++)	/* runs only there */
		if (i != (uint32_t)pin)
			cpus[i].not_here |= 1u << d->id;
	d->pgdir = pgdir_create();
	int rc = d->pgdir ? SV_OK : SV_ENOMEM;
	if (rc == SV_OK)
		rc = map_range(d, SV_STACK_TOP - SV_STACK_SIZE, SV_STACK_TOP, PTE_W | PTE_U);
	if (rc == SV_OK)
		rc = map_range(d, SV_GUEST_BASE, ram_end, PTE_W | PTE_U);
	if (rc == SV_OK)
		rc = map_new_page(d, SV_START_INFO, PTE_U);	/* read-only to the guest */
	if (rc == SV_OK)
		rc = map_new_page(d, SV_SHARED_INFO, PTE_W | PTE_U);
	if (rc != SV_OK) {
		domain_release_memory(d);
		domain_set_state(d, DOM_UNUSED);
		return refuse(m, name, "not enough free memory for mem=");
	}
	d->start_info = page_view(d, SV_START_INFO);
	d->shared = page_view(d, SV_SHARED_INFO);
	tsc_fill_time_info(&d->shared->clock);	/* its clock, read with rdtsc */
	load_image(d, m, &img);
	fill_start_info(d, m, &img, mem);

	d->ctx = (struct trapframe){
		.eip = img.entry, .esp = SV_STACK_TOP, .eflags = EFLAGS_IF | 0x2,
		.cs = SEL_UCODE, .ss = SEL_UDATA, .ds = SEL_UDATA, .es = SEL_UDATA,
		.fs = SEL_UDATA, .gs = SEL_UDATA,
	};
	fpu_state_init(&d->fpu);	/* fninit's state, every register zero */
	event_ports_init(d->ports);		/* port 0 the timer, 1 domain exit, the rest free */
	domain_set_state(d, DOM_RUNNABLE);
	printk("domain %u (%s): %u KiB, image [%#x-%#x), entry %#x%s", d->id, d->name,
	       mem >> 10, SV_GUEST_BASE, img.end, img.entry, d->privileged ? ", privileged" : "");
	if (pin >= 0)
		printk(", on CPU %d only", pin);
	printk("\n");
	return true;
}
