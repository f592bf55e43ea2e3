/*
 * frame.c: the frame table and the free-frame allocator (see frame.h).
 *
 * The table lives in physical memory chosen at boot (kernel/main.c asks
 * ranges_find_free for a hole), so its size follows the machine's RAM.
 * It is the one global of this file, set up by frame_init.
 */
#include "frame.h"
#include "klib.h"

#define PAGE_BYTES 4096u

static struct frame *frames;	/* frames[pfn] */
static uint32_t nframes;
static uint32_t free_head = FRAME_NONE;
static uint32_t nfree;
/* Frames handed out by frame_alloc*, by type: now, and the most ever. */
static uint32_t allocated[FRAME_NTYPES], allocated_peak[FRAME_NTYPES];

/* The change log (frame_changes): a saturating list of frame numbers. */
static uint32_t changed[FRAME_CHANGES_MAX];
static uint32_t nchanged;
static bool changes_overflowed;

static void count_alloc(enum frame_type type, uint32_t n)
{
	allocated[type] += n;
	allocated_peak[type] = MAX(allocated_peak[type], allocated[type]);
}

static void note_change(uint32_t pfn)
{
	if (nchanged < FRAME_CHANGES_MAX)
		changed[nchanged++] = pfn;
	else
		changes_overflowed = true;
}

static const char *const type_names[FRAME_NTYPES] = {
	[FRAME_ABSENT] = "absent",	[FRAME_FREE] = "free",
	[FRAME_FIRMWARE] = "firmware",	[FRAME_HYPERVISOR] = "hypervisor",
	[FRAME_BOOTINFO] = "bootinfo",	[FRAME_MODULE] = "module",
	[FRAME_FRAMETABLE] = "frametable", [FRAME_PAGETABLE] = "pagetable",
	[FRAME_SELFTEST] = "selftest",	[FRAME_GUEST] = "guest",
	[FRAME_SHARE] = "share",
};

const char *frame_type_name(enum frame_type type)
{
	return (unsigned)type < FRAME_NTYPES ? type_names[type] : "?";
}

uint32_t frame_table_bytes(uint64_t ram_end)
{
	uint64_t n = (ram_end + PAGE_BYTES - 1) / PAGE_BYTES;
	return (uint32_t)(n * sizeof(struct frame));
}

/* Mark frames first..last-1 (clamped to the table) with type. */
static void mark(uint64_t first, uint64_t last, enum frame_type type, uint16_t owner)
{
	last = MIN(last, (uint64_t)nframes);
	for (uint64_t pfn = first; pfn < last; pfn++) {
		frames[pfn].type = type;
		frames[pfn].owner = owner;
	}
}

/* The free list is doubly linked, so that frame_alloc_contig can take
 * frames out of its middle in O(1). */
static void push_free(uint32_t pfn)
{
	frames[pfn].next_free = free_head;
	frames[pfn].prev_free = FRAME_NONE;
	if (free_head != FRAME_NONE)
		frames[free_head].prev_free = pfn;
	free_head = pfn;
	nfree++;
}

/* Take pfn off the free list. A neighbour link that points outside the
 * table is corruption: it is not followed here, and frame_alloc panics
 * when it reaches it. */
static void unlink_free(uint32_t pfn)
{
	struct frame *f = &frames[pfn];
	if (f->prev_free == FRAME_NONE)
		free_head = f->next_free;
	else if (f->prev_free < nframes)
		frames[f->prev_free].next_free = f->next_free;
	if (f->next_free < nframes)
		frames[f->next_free].prev_free = f->prev_free;
	nfree--;
}

uint32_t frame_init(struct frame *table, const struct range_list *usable,
		    const struct range_list *reserved)
{
	uint64_t ram_end = 0;
	for (int i = 0; i < usable->n; i++)
		ram_end = MAX(ram_end, usable->r[i].end);

	frames = table;
	nframes = (uint32_t)((ram_end + PAGE_BYTES - 1) / PAGE_BYTES);
	memset(frames, 0, (size_t)nframes * sizeof(struct frame));
	memset(allocated, 0, sizeof(allocated));
	memset(allocated_peak, 0, sizeof(allocated_peak));
	mark(0, nframes, FRAME_ABSENT, DOMID_NONE);

	/* Usable RAM: only whole frames inside a range. */
	for (int i = 0; i < usable->n; i++)
		mark((usable->r[i].start + PAGE_BYTES - 1) / PAGE_BYTES,
		     usable->r[i].end / PAGE_BYTES, FRAME_FREE, DOMID_NONE);
	/* Reserved: every frame a reserved range touches. */
	for (int i = 0; i < reserved->n; i++)
		mark(reserved->r[i].start / PAGE_BYTES,
		     (reserved->r[i].end + PAGE_BYTES - 1) / PAGE_BYTES,
		     (enum frame_type)reserved->r[i].type, DOMID_HYPERVISOR);
	/* The first MiB stays with the firmware, whatever the map says. */
	for (uint32_t pfn = 0; pfn < LOW_MEMORY_END / PAGE_BYTES && pfn < nframes; pfn++)
		if (frames[pfn].type == FRAME_FREE)
			mark(pfn, pfn + 1, FRAME_FIRMWARE, DOMID_NONE);

	/* Link free frames, lowest first. */
	free_head = FRAME_NONE;
	nfree = 0;
	for (uint32_t pfn = nframes; pfn-- > 0;)
		if (frames[pfn].type == FRAME_FREE)
			push_free(pfn);
	return nfree;
}



uint32_t frame_alloc(uint16_t owner, enum frame_type type)
{
	if (type == FRAME_FREE || type == FRAME_ABSENT || type >= FRAME_NTYPES)
		panic("frame_alloc: bad type %d", type);
	if (free_head == FRAME_NONE)
		return FRAME_NONE;
	uint32_t pfn = free_head;
	if (pfn >= nframes)		/* the free list is corrupt */
		panic("frame_alloc: free list points to frame %#x, beyond the table", pfn);
	struct frame *f = &frames[pfn];
	if (f->type != FRAME_FREE)	/* the free list is corrupt */
		panic("frame_alloc: frame %#x on the free list is %s",
		      pfn, frame_type_name(f->type));
	unlink_free(pfn);
	*f = (struct frame){ .owner = owner, .type = type,
			     .next_free = FRAME_NONE, .prev_free = FRAME_NONE };
	note_change(pfn);
	count_alloc(type, 1);
	return pfn;
}

uint32_t frame_alloc_contig(uint32_t n, uint16_t owner, enum frame_type type)
{
	if (type == FRAME_FREE || type == FRAME_ABSENT || type >= FRAME_NTYPES || n == 0)
		panic("frame_alloc_contig: bad type %d or count %u", type, n);
	/* First fit from the top of RAM, away from where single frames are
	 * taken (the free list hands out low frames first). */
	uint32_t run = 0;
	for (uint32_t pfn = nframes; pfn-- > 0;) {
		run = frames[pfn].type == FRAME_FREE ? run + 1 : 0;
		if (run < n)
			continue;
		for (uint32_t i = pfn; i < pfn + n; i++) {
			unlink_free(i);
			frames[i] = (struct frame){ .owner = owner, .type = type,
						    .next_free = FRAME_NONE,
						    .prev_free = FRAME_NONE };
			note_change(i);
		}
		count_alloc(type, n);
		return pfn;
	}
	return FRAME_NONE;
}

void frame_free(uint32_t pfn)
{
	if (pfn >= nframes)
		panic("frame_free: frame %#x beyond the table (%u frames)", pfn, nframes);
	struct frame *f = &frames[pfn];
	/* Firmware frames and the frame table were never the allocator's to
	 * give, so they are never its to take back. */
	if (f->type == FRAME_FREE || f->type == FRAME_ABSENT ||
	    f->type == FRAME_FIRMWARE || f->type == FRAME_FRAMETABLE)
		panic("frame_free: frame %#x is %s", pfn, frame_type_name(f->type));
	if (f->refcount)
		panic("frame_free: frame %#x still has %u references", pfn, f->refcount);
	if (f->mapcount)
		panic("frame_free: frame %#x is still mapped %u times", pfn, f->mapcount);
	if (allocated[f->type])	/* boot-time frames (modules...) were never counted */
		allocated[f->type]--;
	*f = (struct frame){ .owner = DOMID_NONE, .type = FRAME_FREE };
	push_free(pfn);
	note_change(pfn);
}

/* The entry of an allocated frame, for a reference or a mapping. */
static struct frame *in_use(uint32_t pfn, const char *who)
{
	if (pfn >= nframes)
		panic("%s: frame %#x beyond the table (%u frames)", who, pfn, nframes);
	struct frame *f = &frames[pfn];
	if (f->type == FRAME_FREE || f->type == FRAME_ABSENT)
		panic("%s: frame %#x is %s", who, pfn, frame_type_name(f->type));
	note_change(pfn);
	return f;
}

void frame_get(uint32_t pfn)
{
	struct frame *f = in_use(pfn, "frame_get");
	if (f->refcount == UINT32_MAX)
		panic("frame_get: frame %#x has 2^32-1 references", pfn);
	f->refcount++;
}

void frame_put(uint32_t pfn)
{
	struct frame *f = in_use(pfn, "frame_put");
	if (f->refcount == 0)
		panic("frame_put: frame %#x has no reference to drop", pfn);
	if (--f->refcount == 0)
		frame_free(pfn);
}

void frame_mapped(uint32_t pfn, int delta)
{
	struct frame *f = in_use(pfn, "frame_mapped");
	if (delta < 0 ? f->mapcount < (uint32_t)-delta : f->mapcount > UINT16_MAX - delta)
		panic("frame_mapped: frame %#x mapped %u times, changed by %d", pfn,
		      f->mapcount, delta);
	f->mapcount = (uint16_t)(f->mapcount + delta);
}

uint32_t frame_changes(const uint32_t **pfns)
{
	*pfns = changed;
	return changes_overflowed ? FRAME_CHANGES_OVERFLOW : nchanged;
}

void frame_changes_clear(void)
{
	nchanged = 0;
	changes_overflowed = false;
}

struct frame *frame_info(uint32_t pfn)
{
	return pfn < nframes ? &frames[pfn] : NULL;
}

uint32_t frames_free(void) { return nfree; }
uint32_t frames_total(void) { return nframes; }

uint32_t frames_allocated(enum frame_type type, uint32_t *peak)
{
	if ((unsigned)type >= FRAME_NTYPES)
		return 0;
	if (peak)
		*peak = allocated_peak[type];
	return allocated[type];
}

uint32_t frames_of_type(enum frame_type type)
{
	uint32_t n = 0;
	for (uint32_t pfn = 0; pfn < nframes; pfn++)
		n += frames[pfn].type == type;
	return n;
}

bool frame_selftest(const struct range_list *reserved, void (*visit)(uint32_t pfn))
{
	uint32_t before = nfree, allocated = 0, freed = 0;
	const char *why = NULL;
	uint32_t bad = FRAME_NONE;

	for (;;) {
		uint32_t pfn = frame_alloc(DOMID_HYPERVISOR, FRAME_SELFTEST);
		if (pfn == FRAME_NONE)
			break;
		allocated++;
		uint64_t pa = (uint64_t)pfn * PAGE_BYTES;
		if (!why && pfn >= nframes)
			why = "frame beyond the table", bad = pfn;
		else if (!why && pa < LOW_MEMORY_END)
			why = "frame in the first MiB", bad = pfn;
		else if (!why && ranges_overlap(reserved, pa, pa + PAGE_BYTES))
			why = "frame inside a reserved range", bad = pfn;
		if (visit && pfn < nframes)
			visit(pfn);
	}
	/* A frame handed out twice would have been counted twice, so the
	 * number of distinct SELFTEST entries must equal the count. */
	uint32_t distinct = frames_of_type(FRAME_SELFTEST);
	if (!why && allocated != before)
		why = "allocated count differs from the free count";
	if (!why && distinct != allocated)
		why = "a frame was handed out twice";
	if (!why && nfree != 0)
		why = "free count not zero when the allocator is empty";

	for (uint32_t pfn = 0; pfn < nframes; pfn++) {
		if (frames[pfn].type == FRAME_SELFTEST) {
			frame_free(pfn);
			freed++;
		}
	}
	if (!why && (freed != allocated || nfree != before))
		why = "free count not restored";

	if (why) {
		printk("selftest frames: FAIL: %s (frame %#x); free before %u, "
		       "allocated %u, freed %u, free after %u\n",
		       why, bad, before, allocated, freed, nfree);
		return false;
	}
	printk("selftest frames: PASS: free before %u, allocated %u, freed %u, "
	       "free after %u\n", before, allocated, freed, nfree);
	return true;
}
