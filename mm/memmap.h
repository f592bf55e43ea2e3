/*
 * memmap.h: lists of physical address ranges. The boot code describes
 * memory with two of them: the usable RAM (from the loader's memory map,
 * sorted and merged) and the ranges the frame allocator must never hand
 * out (the hypervisor image, Multiboot structures, modules, the frame
 * table), each labelled with the frame type it gets.
 *
 * Pure bookkeeping, no hardware: also compiled into tests/unit.
 */
#ifndef SV_MEMMAP_H
#define SV_MEMMAP_H

#include <stdbool.h>
#include <stdint.h>

#define RANGE_LIST_MAX 64

/* [start, end): end is exclusive, so an empty range has start == end. */
struct mem_range {
	uint64_t start, end;
	uint32_t type;		/* a FRAME_* type for reserved ranges */
};

struct range_list {
	struct mem_range r[RANGE_LIST_MAX];
	int n;
	bool overflow;		/* a range was dropped for lack of room */
};

void ranges_init(struct range_list *l);
/* Append [start, end); empty ranges are ignored. false if the list is full. */
bool ranges_add(struct range_list *l, uint64_t start, uint64_t end, uint32_t type);
/* Sort by start and merge overlapping or touching ranges. */
void ranges_normalize(struct range_list *l);
/* Remove [start, end) from every range (splitting one if needed). */
void ranges_subtract(struct range_list *l, uint64_t start, uint64_t end);
/* Keep only the parts inside [lo, hi). */
void ranges_clip(struct range_list *l, uint64_t lo, uint64_t hi);
uint64_t ranges_total(const struct range_list *l);
/* Does one range contain all of [start, end)? */
bool ranges_contain(const struct range_list *l, uint64_t start, uint64_t end);
/* The first range that overlaps [start, end), or NULL. */
const struct mem_range *ranges_overlap(const struct range_list *l,
				       uint64_t start, uint64_t end);
/* The lowest address a, aligned to align (a power of two), with
 * [a, a + size) inside usable and overlapping nothing in avoid; 0 if none
 * (address 0 is never a valid answer: the first page is always avoided). */
uint64_t ranges_find_free(const struct range_list *usable,
			  const struct range_list *avoid,
			  uint64_t size, uint64_t align);

#endif /* SV_MEMMAP_H */
