/*
 * profile.c: the stage profiler of profile.h, compiled only into the
 * profiling build (make PROFILE=1). One CPU, interrupts off in the
 * hypervisor: plain globals are enough.
 */
#ifdef SV_PROFILE
#include "domain.h"
#include "klib.h"
#include "profile.h"
#include "x86.h"

#define OPS	(SV_OP_COUNT + 1)	/* every hypercall, then interrupts and faults */
#define OTHER	SV_OP_COUNT

static const char *const stage_names[PROF_STAGES] = {
	"guest", "entry", "handler", "copy", "notify", "return", "schedule", "switch", "deliver",
	"idle",
};

static uint64_t spent[OPS][PROF_STAGES];	/* instructions, by op and stage */
static uint32_t calls[OPS];
static uint64_t guest_spent;	/* in the guests, between traps */
static uint32_t guest_runs;
static enum prof_stage stage = PROF_GUEST;
static uint32_t op = OTHER;
static uint64_t last;
static uint32_t mark_cost;	/* what one mark adds to the interval it ends */

void profile_stage(enum prof_stage s)
{
	uint64_t now = rdtsc();
	uint64_t d = now - last;
	d = d > mark_cost ? d - mark_cost : 0;
	if (stage == PROF_GUEST) {
		guest_spent += d;
		guest_runs++;
	} else {
		spent[op][stage] += d;
	}
	if (s == PROF_ENTRY)
		op = OTHER;	/* until the hypercall says which it is */
	else if (s == PROF_GUEST)
		calls[op]++;
	stage = s;
	last = rdtsc();
}

void profile_op(uint32_t o)
{
	op = o < SV_OP_COUNT ? o : OTHER;
}

/* Two marks in a row: the second interval is the mark's own cost. */
void profile_init(void)
{
	uint32_t best = ~0u;
	for (int i = 0; i < 16; i++) {
		mark_cost = 0;
		stage = PROF_GUEST;
		profile_stage(PROF_HANDLER);
		uint64_t before = spent[OTHER][PROF_HANDLER];
		profile_stage(PROF_HANDLER);
		uint32_t c = (uint32_t)(spent[OTHER][PROF_HANDLER] - before);
		if (c < best)
			best = c;
	}
	memset(spent, 0, sizeof(spent));
	memset(calls, 0, sizeof(calls));
	guest_spent = guest_runs = 0;
	mark_cost = best;
	op = OTHER;
	stage = PROF_GUEST;
	last = rdtsc();
	printk("profile: stage marks on (make PROFILE=1); a mark costs %u instructions, "
	       "taken off each stage\n", mark_cost);
}

/* One line per hypercall that was made: calls, then the instructions of
 * each stage summed over its calls. bench/run.py divides by the rounds. */
void profile_report(void)
{
	printk("profile: guest %llu %u\n", (unsigned long long)guest_spent, guest_runs);
	printk("profile: op calls");
	for (int s = 0; s < PROF_STAGES; s++)
		printk(" %s", stage_names[s]);
	printk("\n");
	for (uint32_t o = 0; o < OPS; o++) {
		if (!calls[o])
			continue;
		printk("profile: %s %u", o == OTHER ? "interrupt" : hypercall_name(o), calls[o]);
		for (int s = 0; s < PROF_STAGES; s++)
			printk(" %llu", (unsigned long long)spent[o][s]);
		printk("\n");
	}
}
#endif /* SV_PROFILE */
