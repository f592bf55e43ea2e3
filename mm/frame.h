/*
 * frame.h: the frame table and the physical frame allocator.
 *
 * The frame table has one entry per 4 KiB physical frame, from frame 0 to
 * the end of the highest usable RAM. Each entry says what the frame is
 * (its type), who owns it (a domain id, or DOMID_HYPERVISOR), and how many
 * references it has. Later layers rely on it: a guest page is owned by its
 * domain; a share page counts every mapping of it, and is freed only when
 * the count drops to zero.
 *
 * Free frames are linked through their entries (next_free), so allocating
 * and freeing are O(1). The allocator never hands out a frame that was not
 * usable RAM in the boot memory map, nor one covered by a reserved range
 * (the hypervisor image, the Multiboot structures, the modules, the frame
 * table itself), nor anything below 1 MiB (BIOS data, the VGA hole).
 *
 * Pure bookkeeping, no hardware: also compiled into tests/unit.
 */
#ifndef SV_FRAME_H
#define SV_FRAME_H

#include <stdbool.h>
#include <stdint.h>
#include "memmap.h"

/* What a frame is. Stored in struct frame.type. */
enum frame_type {
	FRAME_ABSENT = 0,	/* not RAM (a hole, MMIO, above the direct map) */
	FRAME_FREE,		/* on the free list */
	FRAME_FIRMWARE,		/* below 1 MiB: BIOS data, option ROMs, VGA */
	FRAME_HYPERVISOR,	/* the hypervisor image and its own data */
	FRAME_BOOTINFO,		/* Multiboot structures the loader gave us */
	FRAME_MODULE,		/* a boot module (a guest image) */
	FRAME_FRAMETABLE,	/* the frame table itself */
	FRAME_PAGETABLE,	/* a page directory or page table */
	FRAME_SELFTEST,		/* held by the allocator self-test */
	FRAME_GUEST,		/* a page of a domain's memory (owner: the domain) */
	FRAME_SHARE,		/* a page of a share; refcount: the share + each mapping */
	FRAME_NTYPES
};

#define DOMID_HYPERVISOR 0x7FF2	/* owner of the hypervisor's own frames */
#define DOMID_NONE	 0x7FFF	/* owner of free and absent frames */

#define FRAME_NONE	 0xFFFFFFFFu	/* "no frame", returned by frame_alloc */
#define LOW_MEMORY_END	 0x100000	/* the first MiB is never allocated */

struct frame {
	uint32_t refcount;	/* references held by mappings (later layers) */
	uint32_t next_free;	/* neighbours on the free list, if FREE */
	uint32_t prev_free;
	uint16_t owner;		/* domain id, DOMID_HYPERVISOR or DOMID_NONE */
	uint8_t type;		/* enum frame_type */
	uint8_t scratch;	/* for checkers (kernel/invariants.c); no meaning */
	uint16_t mapcount;	/* guest page-table entries mapping it (mm/paging.c) */
	uint16_t unused;
};

/* Bytes needed for a frame table covering physical [0, ram_end). */
uint32_t frame_table_bytes(uint64_t ram_end);

/*
 * Build the frame table in table (frame_table_bytes(ram_end) bytes, where
 * ram_end is the end of the last usable range). Frames wholly inside a
 * usable range become FREE unless a reserved range touches them; those
 * take the reserved range's type. Returns the number of free frames.
 */
uint32_t frame_init(struct frame *table, const struct range_list *usable,
		    const struct range_list *reserved);

/* Take a free frame for owner, marking it with type (not FREE/ABSENT).
 * Returns its frame number, or FRAME_NONE when none is left. */
uint32_t frame_alloc(uint16_t owner, enum frame_type type);

/* Take n physically contiguous free frames (a share's pages). Returns the
 * first frame number, or FRAME_NONE if there is no such run. */
uint32_t frame_alloc_contig(uint32_t n, uint16_t owner, enum frame_type type);

/* Give a frame back. Freeing a frame that is free, absent, firmware's,
 * part of the frame table, or still referenced is a hypervisor bug: it
 * panics. */
void frame_free(uint32_t pfn);

/*
 * References (a share page: one for the share, one per mapping). Taking a
 * reference on a frame that is not in use, or dropping one that is not
 * there, is a hypervisor bug: both panic rather than let a count wrap.
 * frame_put frees the frame when the last reference goes.
 */
void frame_get(uint32_t pfn);
void frame_put(uint32_t pfn);

/* mm/paging.c counts each guest page-table entry it makes (+1) or removes
 * (-1) here, so that freeing a frame that is still mapped somewhere can
 * panic instead of handing a guest's page to someone else. */
void frame_mapped(uint32_t pfn, int delta);

/*
 * The change log: every frame allocated, freed, referenced or (un)mapped
 * since the last frame_changes_clear(), for the invariant checker, which
 * then looks at those frames only. Returns how many are in pfns, or
 * FRAME_CHANGES_OVERFLOW when there were more than FRAME_CHANGES_MAX
 * (then every frame must be looked at).
 */
#define FRAME_CHANGES_MAX	64
#define FRAME_CHANGES_OVERFLOW	0xFFFFFFFFu
uint32_t frame_changes(const uint32_t **pfns);
void frame_changes_clear(void);

/* The entry of frame pfn, or NULL if pfn is beyond the table. */
struct frame *frame_info(uint32_t pfn);

uint32_t frames_free(void);	/* frames on the free list now */
uint32_t frames_total(void);	/* entries in the table */
uint32_t frames_of_type(enum frame_type type);
/* Frames of type that frame_alloc* handed out and are not yet freed (the
 * hypervisor's dynamic memory: page tables, shares); *peak, if not NULL,
 * gets the most there ever were at once since frame_init. */
uint32_t frames_allocated(enum frame_type type, uint32_t *peak);
const char *frame_type_name(enum frame_type type);

/*
 * The allocator self-test (selected on the command line with
 * selftest=frames, and run by tests/unit). Allocates every free frame,
 * checking that each is distinct, below the table's end, outside every
 * reserved range and above LOW_MEMORY_END; calls visit(pfn) on each if
 * visit is not NULL (the hypervisor uses it to write to every frame);
 * frees them all and checks that the free count is back where it was.
 * Prints one line starting "selftest frames:" and returns true on success.
 */
bool frame_selftest(const struct range_list *reserved, void (*visit)(uint32_t pfn));

#endif /* SV_FRAME_H */
