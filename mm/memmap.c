/*
 * memmap.c: physical range lists (see memmap.h). Lists are small (at most
 * RANGE_LIST_MAX), so simple quadratic algorithms are the clearest.
 */
#include "klib.h"
#include "memmap.h"

void ranges_init(struct range_list *l)
{
	l->n = 0;
	l->overflow = false;
}

bool ranges_add(struct range_list *l, uint64_t start, uint64_t end, uint32_t type)
{
	if (start >= end)
		return true;
	if (l->n == RANGE_LIST_MAX) {
		l->overflow = true;
		return false;
	}
	l->r[l->n++] = (struct mem_range){ start, end, type };
	return true;
}

void ranges_normalize(struct range_list *l)
{
	/* insertion sort by start */
	for (int i = 1; i < l->n; i++) {
		struct mem_range x = l->r[i];
		int j = i - 1;
		for (; j >= 0 && l->r[j].start > x.start; j--)
			l->r[j + 1] = l->r[j];
		l->r[j + 1] = x;
	}
	/* merge neighbours that overlap or touch */
	int out = 0;
	for (int i = 0; i < l->n; i++) {
		if (out > 0 && l->r[i].start <= l->r[out - 1].end) {
			l->r[out - 1].end = MAX(l->r[out - 1].end, l->r[i].end);
			continue;
		}
		l->r[out++] = l->r[i];
	}
	l->n = out;
}

static void remove_at(struct range_list *l, int i)
{
	memmove(&l->r[i], &l->r[i + 1], (l->n - i - 1) * sizeof(l->r[0]));
	l->n--;
}

void ranges_subtract(struct range_list *l, uint64_t start, uint64_t end)
{
	if (start >= end)
		return;
	for (int i = 0; i < l->n; i++) {
		struct mem_range *r = &l->r[i];
		if (end <= r->start || start >= r->end)
			continue;			/* no overlap */
		if (start > r->start && end < r->end) {	/* hole in the middle */
			uint64_t tail_end = r->end;
			r->end = start;
			/* If there is no room for the tail we drop it: losing
			 * RAM is safe, handing out reserved memory is not. */
			ranges_add(l, end, tail_end, r->type);
			continue;
		}
		if (start <= r->start && end >= r->end) {	/* all of it */
			remove_at(l, i--);
			continue;
		}
		if (start <= r->start)
			r->start = end;			/* cut the front */
		else
			r->end = start;			/* cut the back */
	}
}

void ranges_clip(struct range_list *l, uint64_t lo, uint64_t hi)
{
	for (int i = 0; i < l->n; i++) {
		struct mem_range *r = &l->r[i];
		r->start = MAX(r->start, lo);
		r->end = MIN(r->end, hi);
		if (r->start >= r->end)
			remove_at(l, i--);
	}
}

uint64_t ranges_total(const struct range_list *l)
{
	uint64_t total = 0;
	for (int i = 0; i < l->n; i++)
		total += l->r[i].end - l->r[i].start;
	return total;
}

bool ranges_contain(const struct range_list *l, uint64_t start, uint64_t end)
{
	if (start > end)
		return false;
	for (int i = 0; i < l->n; i++)
		if (start >= l->r[i].start && end <= l->r[i].end)
			return true;
	return false;
}

const struct mem_range *ranges_overlap(const struct range_list *l,
				       uint64_t start, uint64_t end)
{
	for (int i = 0; i < l->n; i++)
		if (start < l->r[i].end && end > l->r[i].start)
			return &l->r[i];
	return NULL;
}

uint64_t ranges_find_free(const struct range_list *usable,
			  const struct range_list *avoid,
			  uint64_t size, uint64_t align)
{
	if (size == 0 || align == 0 || (align & (align - 1)))
		return 0;
	for (int i = 0; i < usable->n; i++) {
		uint64_t end = usable->r[i].end;
		/* Never in the first page. Rounding up wraps to 0 only past
		 * the top of the address space, and a + size must not wrap. */
		uint64_t a = ROUNDUP(MAX(usable->r[i].start, 4096), align);
		while (a != 0 && a <= end && size <= end - a) {
			const struct mem_range *o = ranges_overlap(avoid, a, a + size);
			if (!o)
				return a;
			a = ROUNDUP(o->end, align);
		}
	}
	return 0;
}
