/*
 * test_frame.c: mm/frame.c, the frame table and the frame allocator:
 * frame_init (partial frames at unaligned edges are not free, reserved
 * ranges mark every frame they touch, the first MiB is never free),
 * frame_alloc/frame_free (distinct frames, counts, the panics on misuse),
 * references and mapping counts (frame_get/put/mapped) and the change log,
 * and frame_selftest on a sane table and on corrupted ones.
 */
#include <stdlib.h>
#include <string.h>
#include "frame.h"
#include "klib.h"
#include "unit.h"

/*
 * The test machine, chosen so that every rule shows:
 *
 *   usable [0, 0x9fc00)          frames 0..0x9e firmware (first MiB),
 *                                0x9f partial: absent
 *   usable [0x100800, 0x180000)  0x100 partial: absent; 0x101..0x17f
 *   usable [0x200000, 0x2ff800)  0x200..0x2fe; 0x2ff partial: absent
 *
 *   reserved [0x120000, 0x123001) hypervisor: 0x120..0x123 (0x123 touched)
 *   reserved [0x250800, 0x251000) module:     0x250 (partial start)
 *   reserved [0x17fff0, 0x180010) bootinfo:   0x17f and 0x180 (a hole)
 *   reserved [0x400000, 0x401000) frametable: beyond the table, ignored
 *
 * ram_end = 0x2ff800, so the table has 0x300 = 768 entries.
 */
#define NFRAMES		0x300u
#define NFREE		376u	/* 0x101..0x17f (127) - 5, 0x200..0x2fe (255) - 1 */
#define NFIRMWARE	159u	/* 0..0x9e */
#define NABSENT		226u	/* 0x9f..0x100, 0x181..0x1ff, 0x2ff */
#define FIRST_FREE	0x101u

static struct range_list usable, reserved;
static struct frame *table;

static void build_lists(void)
{
	ranges_init(&usable);
	ranges_add(&usable, 0x0, 0x9fc00, 0);
	ranges_add(&usable, 0x100800, 0x180000, 0);
	ranges_add(&usable, 0x200000, 0x2ff800, 0);
	ranges_init(&reserved);
	ranges_add(&reserved, 0x120000, 0x123001, FRAME_HYPERVISOR);
	ranges_add(&reserved, 0x250800, 0x251000, FRAME_MODULE);
	ranges_add(&reserved, 0x17fff0, 0x180010, FRAME_BOOTINFO);
	ranges_add(&reserved, 0x400000, 0x401000, FRAME_FRAMETABLE);
}

/* A fresh table (the previous one is freed). Returns frame_init's count. */
static uint32_t setup(void)
{
	free(table);
	table = malloc(frame_table_bytes(0x2ff800));	/* exactly: ASan checks */
	memset(table, 0xA5, frame_table_bytes(0x2ff800));	/* frame_init must clear */
	return frame_init(table, &usable, &reserved);
}

static enum frame_type type_of(uint32_t pfn)
{
	return (enum frame_type)frame_info(pfn)->type;
}

static void test_init(void)
{
	CHECK_EQ(frame_table_bytes(0x2ff800), NFRAMES * sizeof(struct frame),
		 "frame_table_bytes rounds a partial last frame up");
	CHECK_EQ(frame_table_bytes(0x100000000ull), (1u << 20) * sizeof(struct frame),
		 "frame_table_bytes for 4 GiB");

	CHECK_EQ(setup(), NFREE, "frame_init returns the number of free frames");
	CHECK_EQ(frames_free(), NFREE, "frames_free after init");
	CHECK_EQ(frames_total(), NFRAMES, "frames_total: up to the end of the last usable range");
	CHECK_EQ(frames_of_type(FRAME_FREE), NFREE, "free frames in the table");
	CHECK_EQ(frames_of_type(FRAME_FIRMWARE), NFIRMWARE,
		 "usable frames in the first MiB become firmware");
	CHECK_EQ(frames_of_type(FRAME_ABSENT), NABSENT, "absent frames (holes, partial frames)");
	CHECK_EQ(frames_of_type(FRAME_HYPERVISOR), 4,
		 "hypervisor: 4 frames (the partial last one included)");
	CHECK_EQ(frames_of_type(FRAME_MODULE), 1, "module: the one frame it touches");
	CHECK_EQ(frames_of_type(FRAME_BOOTINFO), 2, "bootinfo: both frames it touches");
	CHECK_EQ(frames_of_type(FRAME_FRAMETABLE), 0,
		 "a reserved range beyond the table marks nothing");

	CHECK_EQ(type_of(0x9f), FRAME_ABSENT, "a partial frame at a range end is not free");
	CHECK_EQ(type_of(0x100), FRAME_ABSENT, "a partial frame at a range start is not free");
	CHECK_EQ(type_of(0x101), FRAME_FREE, "the first whole frame of a range is free");
	CHECK_EQ(type_of(0x2fe), FRAME_FREE, "the last whole frame of a range is free");
	CHECK_EQ(type_of(0x2ff), FRAME_ABSENT, "the partial last frame is not free");
	CHECK_EQ(type_of(0x0), FRAME_FIRMWARE, "frame 0 is firmware");
	CHECK_EQ(type_of(0x123), FRAME_HYPERVISOR, "a frame a reserved range only touches is reserved");
	CHECK_EQ(type_of(0x124), FRAME_FREE, "the frame after a reserved range is free");
	CHECK_EQ(type_of(0x17f), FRAME_BOOTINFO, "a reserved range's partial first frame is reserved");
	CHECK_EQ(type_of(0x180), FRAME_BOOTINFO, "a reserved range over a hole still marks it");
	CHECK_EQ(frame_info(0x120)->owner, DOMID_HYPERVISOR, "reserved frames belong to the hypervisor");
	CHECK_EQ(frame_info(0x101)->owner, DOMID_NONE, "free frames belong to nobody");
	CHECK_EQ(frame_info(0x101)->refcount, 0, "free frames have no references");
	CHECK(frame_info(NFRAMES - 1) != NULL && frame_info(NFRAMES) == NULL &&
	      frame_info(FRAME_NONE) == NULL, "frame_info is NULL exactly beyond the table");

	uint32_t below = 0;
	for (uint32_t pfn = 0; pfn < LOW_MEMORY_END / 4096; pfn++)
		below += type_of(pfn) == FRAME_FREE;
	CHECK_EQ(below, 0, "no frame below 1 MiB is free");
}

static void test_init_without_ram(void)
{
	struct range_list none;
	struct frame dummy;
	ranges_init(&none);
	CHECK_EQ(frame_init(&dummy, &none, &reserved), 0, "frame_init with no RAM: nothing free");
	CHECK(frames_total() == 0 && frame_alloc(1, FRAME_PAGETABLE) == FRAME_NONE,
	      "with no RAM: an empty table, frame_alloc returns FRAME_NONE");
}

static void test_alloc_all(void)
{
	static uint8_t seen[NFRAMES];
	bool distinct = true, usable_only = true, counts_down = true, marked = true;
	uint32_t n = 0, pfn, first;

	setup();
	memset(seen, 0, sizeof(seen));
	first = frame_alloc(7, FRAME_PAGETABLE);
	CHECK_EQ(first, FIRST_FREE, "frame_alloc hands out the lowest free frame first");
	CHECK(frame_info(first)->type == FRAME_PAGETABLE && frame_info(first)->owner == 7 &&
	      frame_info(first)->refcount == 0,
	      "an allocated frame has the type and owner asked for, no references");
	frame_free(first);
	CHECK_EQ(frames_free(), NFREE, "frame_free gives it back");

	while ((pfn = frame_alloc(7, FRAME_PAGETABLE)) != FRAME_NONE) {
		n++;
		if (pfn >= NFRAMES || seen[pfn]++)
			distinct = false;
		else if (pfn < 0x100 || ranges_overlap(&reserved, pfn * 4096ull, pfn * 4096ull + 4096))
			usable_only = false;
		if (frames_free() != NFREE - n)
			counts_down = false;
		if (pfn < NFRAMES && frame_info(pfn)->type != FRAME_PAGETABLE)
			marked = false;
	}
	CHECK_EQ(n, NFREE, "frame_alloc hands out every free frame, then FRAME_NONE");
	CHECK(distinct, "every allocated frame is distinct and inside the table");
	CHECK(usable_only, "no allocated frame is below 1 MiB or in a reserved range");
	CHECK(counts_down, "frames_free counts down by one per allocation");
	CHECK(marked, "every allocated frame is marked with its type");
	CHECK_EQ(frames_free(), 0, "frames_free is 0 when the allocator is empty");
	CHECK_EQ(frame_alloc(7, FRAME_PAGETABLE), FRAME_NONE, "and frame_alloc keeps saying FRAME_NONE");

	for (pfn = 0; pfn < NFRAMES; pfn++)
		if (seen[pfn])
			frame_free(pfn);
	CHECK_EQ(frames_free(), NFREE, "freeing them all restores the free count");
	CHECK_EQ(frames_of_type(FRAME_FREE), NFREE, "and they are all FREE again");
	CHECK(frame_info(0x2fe)->owner == DOMID_NONE && frame_info(0x2fe)->type == FRAME_FREE,
	      "a freed frame belongs to nobody");
	pfn = frame_alloc(1, FRAME_SELFTEST);
	CHECK_EQ(pfn, 0x2fe, "the last frame freed is the next handed out (LIFO)");
}

/* Each misuse below is a hypervisor bug: frame_free/frame_alloc panic. */
static void test_misuse(void)
{
	setup();
	uint32_t pfn = frame_alloc(1, FRAME_PAGETABLE);
	frame_free(pfn);
	CHECK(EXPECT_PANIC(frame_free(pfn)), "double free panics");
	CHECK_STR(unit_panic_msg, "frame_free: frame 0x101 is free", "double free: the message");
	CHECK_EQ(frames_free(), NFREE, "double free: the count is unchanged");

	CHECK(EXPECT_PANIC(frame_free(0x100)), "freeing an absent frame panics");
	CHECK_STR(unit_panic_msg, "frame_free: frame 0x100 is absent", "absent: the message");
	CHECK(EXPECT_PANIC(frame_free(NFRAMES)), "freeing the frame just beyond the table panics");
	CHECK(unit_log_contains("beyond the table (768 frames)"), "beyond the table: the message");
	CHECK(EXPECT_PANIC(frame_free(FRAME_NONE)), "freeing FRAME_NONE panics");
	CHECK(EXPECT_PANIC(frame_free(0x10)), "freeing a firmware frame panics");
	CHECK_STR(unit_panic_msg, "frame_free: frame 0x10 is firmware", "firmware: the message");
	CHECK_EQ(type_of(0x10), FRAME_FIRMWARE, "the firmware frame stays firmware's");
	CHECK_EQ(frames_free(), NFREE, "refused frees add nothing to the free list");

	pfn = frame_alloc(1, FRAME_PAGETABLE);
	frame_info(pfn)->refcount = 2;
	CHECK(EXPECT_PANIC(frame_free(pfn)), "freeing a frame with references panics");
	CHECK(unit_log_contains("still has 2 references"), "references: the message");
	CHECK_EQ(frame_info(pfn)->type, FRAME_PAGETABLE, "the referenced frame is still allocated");
	frame_info(pfn)->refcount = 0;
	CHECK(!EXPECT_PANIC(frame_free(pfn)), "once the references are gone it can be freed");
	CHECK_EQ(frames_free(), NFREE, "all frames free again");

	CHECK(EXPECT_PANIC(frame_alloc(1, FRAME_FREE)), "frame_alloc of type FRAME_FREE panics");
	CHECK(EXPECT_PANIC(frame_alloc(1, FRAME_ABSENT)), "frame_alloc of type FRAME_ABSENT panics");
	CHECK(EXPECT_PANIC(frame_alloc(1, FRAME_NTYPES)), "frame_alloc of an unknown type panics");
	CHECK_EQ(frames_free(), NFREE, "a refused frame_alloc takes nothing");

	while (frame_alloc(1, FRAME_PAGETABLE) != FRAME_NONE)
		;
	CHECK(EXPECT_PANIC(frame_alloc(1, FRAME_FREE)),
	      "frame_alloc of type FRAME_FREE panics even when nothing is free");
}

/* frame_get/frame_put/frame_mapped: counts that can neither wrap nor be
 * taken on a frame that is not in use; the last put frees. */
static void test_references(void)
{
	setup();
	uint32_t pfn = frame_alloc(DOMID_HYPERVISOR, FRAME_SHARE);
	frame_get(pfn);
	frame_get(pfn);
	CHECK_EQ(frame_info(pfn)->refcount, 2, "two frame_gets: refcount 2");
	frame_put(pfn);
	CHECK_EQ(frame_info(pfn)->type, FRAME_SHARE, "one reference left: still allocated");
	frame_put(pfn);
	CHECK_EQ(frame_info(pfn)->type, FRAME_FREE, "the last frame_put frees the frame");
	CHECK_EQ(frames_free(), NFREE, "and it is back on the free list");
	CHECK(EXPECT_PANIC(frame_put(pfn)), "frame_put on a free frame panics");
	CHECK_STR(unit_panic_msg, "frame_put: frame 0x101 is free", "frame_put on free: the message");
	CHECK(EXPECT_PANIC(frame_get(pfn)), "frame_get on a free frame panics");
	CHECK(EXPECT_PANIC(frame_get(NFRAMES)), "frame_get beyond the table panics");

	pfn = frame_alloc(DOMID_HYPERVISOR, FRAME_SHARE);
	CHECK(EXPECT_PANIC(frame_put(pfn)), "frame_put with no reference panics (never negative)");
	CHECK(unit_log_contains("has no reference to drop"), "negative: the message");
	frame_info(pfn)->refcount = UINT32_MAX;
	CHECK(EXPECT_PANIC(frame_get(pfn)), "a reference count at 2^32-1 refuses to wrap");
	CHECK_EQ(frame_info(pfn)->refcount, UINT32_MAX, "and is left as it was");
	frame_info(pfn)->refcount = 0;

	frame_mapped(pfn, +1);
	CHECK_EQ(frame_info(pfn)->mapcount, 1, "frame_mapped +1: mapcount 1");
	CHECK(EXPECT_PANIC(frame_free(pfn)), "freeing a frame that is still mapped panics");
	CHECK(unit_log_contains("is still mapped 1 times"), "still mapped: the message");
	frame_mapped(pfn, -1);
	CHECK(EXPECT_PANIC(frame_mapped(pfn, -1)), "unmapping more often than mapped panics");
	frame_info(pfn)->mapcount = UINT16_MAX;
	CHECK(EXPECT_PANIC(frame_mapped(pfn, +1)), "a mapcount at its top refuses to wrap");
	frame_info(pfn)->mapcount = 0;
	frame_free(pfn);
	CHECK_EQ(frames_free(), NFREE, "all frames free again");
}

/* The change log names each frame changed, then saturates. */
static void test_change_log(void)
{
	const uint32_t *pfns;
	setup();
	frame_changes_clear();
	CHECK_EQ(frame_changes(&pfns), 0, "a cleared log is empty");
	uint32_t a = frame_alloc(1, FRAME_SHARE);
	frame_get(a);
	uint32_t n = frame_changes(&pfns);
	CHECK(n == 2 && pfns[0] == a && pfns[1] == a, "alloc and get are logged (%u entries)", n);
	frame_put(a);
	CHECK_EQ(frame_changes(&pfns), 4, "put and the free it led to are logged");
	frame_changes_clear();
	for (uint32_t i = 0; i < FRAME_CHANGES_MAX; i++)
		frame_free(frame_alloc(1, FRAME_SHARE));
	CHECK_EQ(frame_changes(&pfns), FRAME_CHANGES_OVERFLOW,
		 "more than FRAME_CHANGES_MAX changes: overflow, not a partial list");
	frame_changes_clear();
	CHECK_EQ(frame_changes(&pfns), 0, "clearing ends the overflow");
	CHECK_EQ(frames_free(), NFREE, "all frames free again");
}

static uint32_t visits[NFRAMES];

static void count_visit(uint32_t pfn)
{
	if (pfn < NFRAMES)
		visits[pfn]++;
}

static void test_selftest_sane(void)
{
	setup();
	memset(visits, 0, sizeof(visits));
	unit_log_clear();
	CHECK(frame_selftest(&reserved, count_visit), "frame_selftest passes on a sane table");
	CHECK_LOG("selftest frames: PASS: free before 376, allocated 376, freed 376, free after 376\n",
		  "frame_selftest: the PASS line with the counts");

	bool once = true;
	for (uint32_t pfn = 0; pfn < NFRAMES; pfn++)
		if (visits[pfn] != (type_of(pfn) == FRAME_FREE ? 1u : 0u))
			once = false;
	CHECK(once, "visit is called exactly once per free frame, on no other frame");
	CHECK_EQ(frames_free(), NFREE, "frame_selftest leaves every frame free");
	CHECK_EQ(frames_of_type(FRAME_SELFTEST), 0, "no frame stays marked selftest");
	CHECK(frame_selftest(&reserved, NULL), "frame_selftest without visit passes too");
}

/*
 * Changing a frame's type alone is invisible to the allocator, which only
 * walks the free list. The corruption the self-test can see is a bad
 * entry on that list, so splice_after puts frame bad after frame prev,
 * in place of prev's successor (which is left out, so the count is kept).
 */
static void splice_after(uint32_t prev, uint32_t bad)
{
	uint32_t skipped = frame_info(prev)->next_free;
	frame_info(bad)->type = FRAME_FREE;
	frame_info(bad)->next_free = frame_info(skipped)->next_free;
	frame_info(prev)->next_free = bad;
}

static void test_selftest_corrupt(void)
{
	setup();
	splice_after(FIRST_FREE, 0x120);	/* a hypervisor frame */
	unit_log_clear();
	CHECK(!frame_selftest(&reserved, NULL),
	      "frame_selftest fails when a reserved frame is on the free list");
	CHECK_LOG("selftest frames: FAIL: frame inside a reserved range (frame 0x120)",
		  "the failure names the reason and the frame");

	setup();
	splice_after(FIRST_FREE, 0x10);		/* a firmware frame */
	unit_log_clear();
	CHECK(!frame_selftest(&reserved, NULL),
	      "frame_selftest fails when a first-MiB frame is on the free list");
	CHECK_LOG("FAIL: frame in the first MiB (frame 0x10)", "the failure names the frame");

	setup();
	frame_info(0x110)->next_free = FRAME_NONE;	/* the list is cut short */
	unit_log_clear();
	CHECK(!frame_selftest(&reserved, NULL), "frame_selftest fails on a truncated free list");
	CHECK_LOG("FAIL: allocated count differs from the free count", "the truncation reason");
	CHECK_LOG("free before 376, allocated 16,", "the counts show what was lost");

	/* A reserved list that covers frames frame_init made free. */
	setup();
	struct range_list more = reserved;
	ranges_add(&more, 0x200000, 0x201000, FRAME_MODULE);
	unit_log_clear();
	CHECK(!frame_selftest(&more, NULL),
	      "frame_selftest fails when a free frame is inside a reserved range");
	CHECK_LOG("FAIL: frame inside a reserved range (frame 0x200)", "it names frame 0x200");
}

/* Corruption that frame_alloc itself must catch rather than follow. */
static void test_free_list_corrupt(void)
{
	setup();
	frame_info(FIRST_FREE)->next_free = 0x5000;	/* far beyond the table */
	CHECK_EQ(frame_alloc(1, FRAME_PAGETABLE), FIRST_FREE, "the head is still handed out");
	CHECK(EXPECT_PANIC(frame_alloc(1, FRAME_PAGETABLE)),
	      "frame_alloc panics on a free list pointing beyond the table");
	CHECK(unit_log_contains("frame 0x5000, beyond the table"), "and names the frame");

	setup();
	frame_info(FIRST_FREE + 1)->next_free = FIRST_FREE;	/* a cycle */
	CHECK(EXPECT_PANIC(frame_selftest(&reserved, NULL)),
	      "a cycle in the free list makes frame_alloc panic (no endless loop)");
	CHECK_STR(unit_panic_msg, "frame_alloc: frame 0x101 on the free list is selftest",
		  "the cycle: the message");
}

static void test_type_names(void)
{
	CHECK_STR(frame_type_name(FRAME_FREE), "free", "frame_type_name(FRAME_FREE)");
	CHECK_STR(frame_type_name(FRAME_FRAMETABLE), "frametable", "frame_type_name(FRAME_FRAMETABLE)");
	CHECK_STR(frame_type_name(FRAME_SELFTEST), "selftest", "frame_type_name(FRAME_SELFTEST)");
	CHECK_STR(frame_type_name(FRAME_NTYPES), "?", "frame_type_name of an unknown type");
	CHECK_STR(frame_type_name((enum frame_type)-1), "?", "frame_type_name(-1)");
}

int main(void)
{
	build_lists();
	test_init();
	test_init_without_ram();
	test_alloc_all();
	test_misuse();
	test_references();
	test_change_log();
	test_selftest_sane();
	test_selftest_corrupt();
	test_free_list_corrupt();
	test_type_names();
	free(table);
	return unit_done();
}
