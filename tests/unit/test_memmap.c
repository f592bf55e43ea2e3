/*
 * test_memmap.c: mm/memmap.c, the physical range lists: add and
 * normalize (sort, merge overlapping and touching ranges), subtract
 * (split, front, back, whole, several ranges), clip, total, contain,
 * overlap, find_free (alignment, reserved ranges, no room, no wrap-around)
 * and the RANGE_LIST_MAX overflow.
 */
#include <stdlib.h>
#include "klib.h"
#include "memmap.h"
#include "unit.h"

/* A list from pairs: list_of(&l, 2, (uint64_t[]){ s0, e0, s1, e1 }) */
static void list_of(struct range_list *l, int n, const uint64_t *pairs)
{
	ranges_init(l);
	for (int i = 0; i < n; i++)
		ranges_add(l, pairs[2 * i], pairs[2 * i + 1], 0);
}

/* Does l hold exactly the n ranges in pairs, in that order? */
static bool list_is(const struct range_list *l, int n, const uint64_t *pairs)
{
	if (l->n != n)
		return false;
	for (int i = 0; i < n; i++)
		if (l->r[i].start != pairs[2 * i] || l->r[i].end != pairs[2 * i + 1])
			return false;
	return true;
}

/* "[a,b) [c,d)" for failure messages */
static const char *show(const struct range_list *l)
{
	static char buf[512];
	size_t n = 0;
	buf[0] = '\0';
	for (int i = 0; i < l->n && n < sizeof(buf) - 48; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "[%#llx,%#llx) ",
				      (unsigned long long)l->r[i].start,
				      (unsigned long long)l->r[i].end);
	return l->n ? buf : "(empty)";
}

#define CHECK_LIST(l, n, pairs, ...) \
	unit_check(list_is((l), (n), (pairs)), __FILE__, __LINE__, show(l), __VA_ARGS__)

static void test_add(void)
{
	struct range_list l;
	ranges_init(&l);
	CHECK(l.n == 0 && !l.overflow, "ranges_init: empty list, no overflow");
	CHECK(ranges_add(&l, 0x5000, 0x5000, 7) && l.n == 0,
	      "ranges_add: an empty range is accepted and ignored");
	CHECK(ranges_add(&l, 0x6000, 0x5000, 7) && l.n == 0,
	      "ranges_add: a backwards range (start > end) is ignored");
	CHECK(ranges_add(&l, 0x1000, 0x2000, 7) && l.n == 1 &&
	      l.r[0].start == 0x1000 && l.r[0].end == 0x2000 && l.r[0].type == 7,
	      "ranges_add: stores start, end and type");
}

static void test_normalize(void)
{
	struct range_list l;

	/* unsorted; [0x3000,0x5000) overlaps [0x4000,0x6000); [0x6000,0x7000)
	 * touches it; [0x10000,0x11000) is inside [0x8000,0x20000) */
	list_of(&l, 6, (uint64_t[]){ 0x8000, 0x20000, 0x6000, 0x7000,
				    0x3000, 0x5000, 0x10000, 0x11000,
				    0x4000, 0x6000, 0x30000, 0x31000 });
	ranges_normalize(&l);
	CHECK_LIST(&l, 3, ((uint64_t[]){ 0x3000, 0x7000, 0x8000, 0x20000,
					0x30000, 0x31000 }),
		   "normalize: sorts, merges overlapping, touching and nested ranges");

	list_of(&l, 2, (uint64_t[]){ 0x5000, 0x6000, 0x1000, 0x2000 });
	ranges_normalize(&l);
	CHECK_LIST(&l, 2, ((uint64_t[]){ 0x1000, 0x2000, 0x5000, 0x6000 }),
		   "normalize: separate ranges are only sorted");

	list_of(&l, 3, (uint64_t[]){ 0x1000, 0x2000, 0x1000, 0x2000, 0x1000, 0x1800 });
	ranges_normalize(&l);
	CHECK_LIST(&l, 1, ((uint64_t[]){ 0x1000, 0x2000 }),
		   "normalize: duplicates collapse into one range");

	ranges_init(&l);
	ranges_normalize(&l);
	CHECK_EQ(l.n, 0, "normalize: an empty list stays empty");
}

static void test_subtract(void)
{
	struct range_list l;

	list_of(&l, 1, (uint64_t[]){ 0x1000, 0x9000 });
	l.r[0].type = 5;
	ranges_subtract(&l, 0x3000, 0x4000);
	ranges_normalize(&l);
	CHECK_LIST(&l, 2, ((uint64_t[]){ 0x1000, 0x3000, 0x4000, 0x9000 }),
		   "subtract from the middle splits the range in two");
	CHECK(l.r[0].type == 5 && l.r[1].type == 5, "subtract: both halves keep the type");

	list_of(&l, 1, (uint64_t[]){ 0x1000, 0x9000 });
	ranges_subtract(&l, 0x0, 0x2000);
	CHECK_LIST(&l, 1, ((uint64_t[]){ 0x2000, 0x9000 }), "subtract cuts the front");

	list_of(&l, 1, (uint64_t[]){ 0x1000, 0x9000 });
	ranges_subtract(&l, 0x1000, 0x2000);
	CHECK_LIST(&l, 1, ((uint64_t[]){ 0x2000, 0x9000 }),
		   "subtract cuts the front (same start)");

	list_of(&l, 1, (uint64_t[]){ 0x1000, 0x9000 });
	ranges_subtract(&l, 0x8000, 0xa000);
	CHECK_LIST(&l, 1, ((uint64_t[]){ 0x1000, 0x8000 }), "subtract cuts the back");

	list_of(&l, 1, (uint64_t[]){ 0x1000, 0x9000 });
	ranges_subtract(&l, 0x8000, 0x9000);
	CHECK_LIST(&l, 1, ((uint64_t[]){ 0x1000, 0x8000 }),
		   "subtract cuts the back (same end)");

	list_of(&l, 2, (uint64_t[]){ 0x1000, 0x9000, 0x10000, 0x11000 });
	ranges_subtract(&l, 0x1000, 0x9000);
	CHECK_LIST(&l, 1, ((uint64_t[]){ 0x10000, 0x11000 }),
		   "subtract removes a whole range (exact bounds)");

	list_of(&l, 3, (uint64_t[]){ 0x1000, 0x2000, 0x3000, 0x4000, 0x5000, 0x6000 });
	ranges_subtract(&l, 0x0, 0x10000);
	CHECK_EQ(l.n, 0, "subtract of a superset empties the list");

	/* [0x1000,0x3000) [0x4000,0x6000) [0x7000,0x9000) [0xa000,0xb000)
	 * minus [0x2000,0x8000): back of the first, all of the second,
	 * front of the third, nothing of the fourth */
	list_of(&l, 4, (uint64_t[]){ 0x1000, 0x3000, 0x4000, 0x6000,
				    0x7000, 0x9000, 0xa000, 0xb000 });
	ranges_subtract(&l, 0x2000, 0x8000);
	CHECK_LIST(&l, 3, ((uint64_t[]){ 0x1000, 0x2000, 0x8000, 0x9000, 0xa000, 0xb000 }),
		   "subtract across several ranges");

	list_of(&l, 1, (uint64_t[]){ 0x1000, 0x9000 });
	ranges_subtract(&l, 0x9000, 0xa000);
	ranges_subtract(&l, 0x0, 0x1000);
	ranges_subtract(&l, 0x5000, 0x5000);
	ranges_subtract(&l, 0x6000, 0x5000);
	CHECK_LIST(&l, 1, ((uint64_t[]){ 0x1000, 0x9000 }),
		   "subtract of touching, empty or backwards ranges changes nothing");

	/* A split with no room for the tail drops the tail: losing RAM is
	 * safe, keeping reserved memory is not. */
	ranges_init(&l);
	for (int i = 0; i < RANGE_LIST_MAX; i++)
		ranges_add(&l, 0x10000ull * (i + 1), 0x10000ull * (i + 1) + 0x8000, 0);
	ranges_subtract(&l, 0x10000 + 0x2000, 0x10000 + 0x3000);
	CHECK(l.n == RANGE_LIST_MAX && l.overflow && l.r[0].start == 0x10000 &&
	      l.r[0].end == 0x12000 && !ranges_overlap(&l, 0x12000, 0x18000),
	      "subtract on a full list: the tail is dropped, never the hole kept");
}

static void test_clip(void)
{
	struct range_list l;

	list_of(&l, 4, (uint64_t[]){ 0x0, 0x9fc00, 0x100000, 0x200000,
				    0x300000, 0x400000, 0x500000, 0x600000 });
	ranges_clip(&l, 0x100000, 0x380000);
	CHECK_LIST(&l, 2, ((uint64_t[]){ 0x100000, 0x200000, 0x300000, 0x380000 }),
		   "clip keeps only the parts inside [lo, hi)");

	list_of(&l, 2, (uint64_t[]){ 0x1000, 0x2000, 0x3000, 0x4000 });
	ranges_clip(&l, 0x5000, 0x5000);
	CHECK_EQ(l.n, 0, "clip to an empty window empties the list");
}

static void test_total(void)
{
	struct range_list l;
	list_of(&l, 3, (uint64_t[]){ 0x0, 0x9fc00, 0x100000, 0x1fe0000, 0x2000000, 0x2000001 });
	CHECK_EQ(ranges_total(&l), 0x9fc00 + 0x1ee0000 + 1, "total sums the lengths");
	ranges_init(&l);
	CHECK_EQ(ranges_total(&l), 0, "total of an empty list is 0");
}

static void test_contain(void)
{
	struct range_list l;
	/* two adjacent ranges kept as separate entries (not normalized) */
	list_of(&l, 3, (uint64_t[]){ 0x1000, 0x3000, 0x3000, 0x5000, 0x8000, 0x9000 });

	CHECK(ranges_contain(&l, 0x1000, 0x3000), "contain: a whole entry");
	CHECK(ranges_contain(&l, 0x1800, 0x2000), "contain: inside an entry");
	CHECK(!ranges_contain(&l, 0x2000, 0x4000),
	      "contain: a range over two adjacent but separate entries is not contained");
	CHECK(!ranges_contain(&l, 0x7000, 0x8800), "contain: sticking out in front");
	CHECK(!ranges_contain(&l, 0x8800, 0x9001), "contain: sticking out behind");
	CHECK(!ranges_contain(&l, 0x6000, 0x7000), "contain: in a hole");
	CHECK(!ranges_contain(&l, 0x2000, 0x1000), "contain: start > end is refused");
	CHECK(!ranges_contain(&l, 0x8800, 0x8000),
	      "contain: start > end is refused even with both ends in one entry");
	ranges_normalize(&l);
	CHECK(ranges_contain(&l, 0x2000, 0x4000),
	      "contain: after normalize the merged entry contains it");
}

static void test_overlap(void)
{
	struct range_list l;
	list_of(&l, 2, (uint64_t[]){ 0x1000, 0x3000, 0x8000, 0x9000 });

	CHECK(ranges_overlap(&l, 0x2fff, 0x3001) == &l.r[0], "overlap: the last byte counts");
	CHECK(ranges_overlap(&l, 0x0, 0x1001) == &l.r[0], "overlap: the first byte counts");
	CHECK(ranges_overlap(&l, 0x7000, 0xa000) == &l.r[1], "overlap: a superset overlaps");
	CHECK(ranges_overlap(&l, 0x0, 0xa000) == &l.r[0],
	      "overlap: returns the first overlapping entry");
	CHECK(!ranges_overlap(&l, 0x3000, 0x8000), "overlap: touching at both ends is not overlap");
	CHECK(!ranges_overlap(&l, 0x5000, 0x5000) && !ranges_overlap(&l, 0x3000, 0x3000),
	      "overlap: an empty range in a hole or at an end overlaps nothing");
	/* No caller asks about empty ranges; inside an entry the answer is
	 * the conservative one (the entry). */
	CHECK(ranges_overlap(&l, 0x2000, 0x2000) == &l.r[0],
	      "overlap: an empty range strictly inside an entry reports the entry");
}

static void test_find_free(void)
{
	struct range_list usable, avoid;

	list_of(&usable, 2, (uint64_t[]){ 0x0, 0x9fc00, 0x100000, 0x1000000 });
	ranges_init(&avoid);
	CHECK_EQ(ranges_find_free(&usable, &avoid, 0x1000, 0x1000), 0x1000,
		 "find_free never returns address 0 (first page skipped)");
	CHECK_EQ(ranges_find_free(&usable, &avoid, 0x10, 1), 0x1000,
		 "find_free with align 1 still skips the first page");
	CHECK_EQ(ranges_find_free(&usable, &avoid, 0x10, 16), 0x1000,
		 "find_free with align 16 still skips the first page");

	list_of(&usable, 1, (uint64_t[]){ 0x100800, 0x1000000 });
	CHECK_EQ(ranges_find_free(&usable, &avoid, 0x3000, 0x1000), 0x101000,
		 "find_free rounds an unaligned range start up");
	CHECK_EQ(ranges_find_free(&usable, &avoid, 0x1000, 0x400000), 0x400000,
		 "find_free honours a 4 MiB alignment");

	/* the image [0x100000,0x180000) and a module [0x180000,0x183001) */
	list_of(&usable, 2, (uint64_t[]){ 0x0, 0x9fc00, 0x100000, 0x1000000 });
	list_of(&avoid, 3, (uint64_t[]){ 0x0, 0x9fc00, 0x100000, 0x180000, 0x180000, 0x183001 });
	CHECK_EQ(ranges_find_free(&usable, &avoid, 0x2000, 0x1000), 0x184000,
		 "find_free skips reserved ranges and re-aligns after them");
	CHECK_EQ(ranges_find_free(&usable, &avoid, 0x80000, 0x100000), 0x200000,
		 "find_free: aligned past a reserved range");

	/* no room: the only hole is too small */
	list_of(&usable, 1, (uint64_t[]){ 0x100000, 0x200000 });
	list_of(&avoid, 2, (uint64_t[]){ 0x100000, 0x150000, 0x151000, 0x200000 });
	CHECK_EQ(ranges_find_free(&usable, &avoid, 0x1000, 0x1000), 0x150000,
		 "find_free fits exactly into a one-page hole");
	CHECK_EQ(ranges_find_free(&usable, &avoid, 0x2000, 0x1000), 0,
		 "find_free with no room returns 0");
	ranges_init(&avoid);
	CHECK_EQ(ranges_find_free(&usable, &avoid, 0x100001, 0x1000), 0,
		 "find_free: larger than every usable range returns 0");
	CHECK_EQ(ranges_find_free(&usable, &avoid, 0xfffffffffffff000ull, 0x1000), 0,
		 "find_free: a huge size does not wrap around (returns 0)");
	CHECK_EQ(ranges_find_free(&usable, &avoid, 0, 0x1000), 0, "find_free: size 0 returns 0");
	CHECK_EQ(ranges_find_free(&usable, &avoid, 0x1000, 0x3000), 0,
		 "find_free: an alignment that is not a power of two returns 0");
	CHECK_EQ(ranges_find_free(&usable, &avoid, 0x1000, 0), 0, "find_free: align 0 returns 0");

	/* A reserved range up to the top of the address space: rounding its
	 * end up must not wrap to 0 and restart below the usable range. */
	list_of(&usable, 1, (uint64_t[]){ 0x10000, UINT64_MAX });
	list_of(&avoid, 2, (uint64_t[]){ 0x0, 0x1000, 0x10000, UINT64_MAX - 1 });
	CHECK_EQ(ranges_find_free(&usable, &avoid, 0x1000, 0x1000), 0,
		 "find_free: no wrap-around past the top of the address space");
}

static void test_overflow(void)
{
	/* Guard entries after the list catch a write past RANGE_LIST_MAX. */
	struct {
		struct range_list l;
		struct mem_range guard[2];
	} *s = calloc(1, sizeof(*s));
	struct range_list *l = &s->l;
	bool all_added = true;

	ranges_init(l);
	for (int i = 0; i < RANGE_LIST_MAX; i++)
		all_added &= ranges_add(l, 0x2000ull * i, 0x2000ull * i + 0x1000, 1);
	CHECK(all_added && l->n == RANGE_LIST_MAX && !l->overflow,
	      "RANGE_LIST_MAX (%d) ranges fit without overflow", RANGE_LIST_MAX);
	CHECK(!ranges_add(l, 0x900000, 0x901000, 1), "one more range: ranges_add returns false");
	CHECK(l->overflow && l->n == RANGE_LIST_MAX, "overflow is set, n stays RANGE_LIST_MAX");
	CHECK(ranges_add(l, 0x900000, 0x900000, 1), "an empty range is still fine when full");
	for (int i = 0; i < 10; i++)
		ranges_add(l, 0xa00000 + i * 0x2000, 0xa01000 + i * 0x2000, 1);
	/* subtract in the middle of every range: all tails must be dropped */
	for (int i = 0; i < RANGE_LIST_MAX; i++)
		ranges_subtract(l, 0x2000ull * i + 0x400, 0x2000ull * i + 0x800);
	CHECK(s->guard[0].start == 0 && s->guard[0].end == 0 && s->guard[1].end == 0 &&
	      l->n == RANGE_LIST_MAX && l->r[RANGE_LIST_MAX - 1].end == 0x2000ull * 63 + 0x400,
	      "nothing is written past RANGE_LIST_MAX");
	free(s);
}

int main(void)
{
	test_add();
	test_normalize();
	test_subtract();
	test_clip();
	test_total();
	test_contain();
	test_overlap();
	test_find_free();
	test_overflow();
	return unit_done();
}
