/*
 * hcbench: path lengths of the basic operations, measured inside a guest
 * with rdtsc. Under QEMU -icount shift=0 one TSC tick is one guest
 * instruction (hypervisor included), so each figure is the exact number
 * of instructions from one rdtsc to the next; bench/run.py boots this
 * guest that way and prints the table.
 *
 * Each figure is the median of ROUNDS samples, minus the cost of an empty
 * rdtsc pair. Printed as: "BENCH name median min max".
 *
 *   null_hypercall  SV_OP_VERSION: int $0x82, dispatch, iret
 *   function_call   a call to an empty out-of-line function (baseline)
 *   memcpy_64       memcpy of 64 bytes inside the guest (baseline)
 *   memcpy_4096     memcpy of one page inside the guest (baseline)
 *   event_self      send an event to ourselves and take the upcall:
 *                   send hypercall + upcall entry + handler + event return
 *   yield_alone     SV_OP_YIELD with no other runnable domain
 */
#include "sv.h"

#define ROUNDS 101

static uint32_t samples[ROUNDS];
static uint8_t src[4096], dst[4096];
static volatile uint32_t events_seen;

static void __attribute__((noinline)) empty_function(void)
{
	__asm__ volatile("");
}

static void on_event(uint32_t port)
{
	(void)port;
	events_seen++;
}

static void sort(uint32_t *a, int n)
{
	for (int i = 1; i < n; i++) {
		uint32_t x = a[i];
		int j = i - 1;
		for (; j >= 0 && a[j] > x; j--)
			a[j + 1] = a[j];
		a[j + 1] = x;
	}
}

/* Time one operation ROUNDS times; report median, min, max minus the
 * empty-pair overhead. */
#define MEASURE(name, overhead, op)					\
	do {								\
		for (int r_ = 0; r_ < ROUNDS; r_++) {			\
			uint64_t t0_ = rdtsc();				\
			op;						\
			uint64_t t1_ = rdtsc();				\
			samples[r_] = (uint32_t)(t1_ - t0_);		\
		}							\
		sort(samples, ROUNDS);					\
		printf("BENCH %s %u %u %u\n", name,			\
		       samples[ROUNDS / 2] - (overhead),		\
		       samples[0] - (overhead), samples[ROUNDS - 1] - (overhead)); \
	} while (0)

int main(const struct sv_start_info *si)
{
	(void)si;
	/* The cost of the measurement itself: an empty rdtsc pair. */
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = rdtsc();
		uint64_t t1 = rdtsc();
		samples[r] = (uint32_t)(t1 - t0);
	}
	sort(samples, ROUNDS);
	uint32_t overhead = samples[ROUNDS / 2];
	printf("BENCH rdtsc_pair %u %u %u\n", overhead, samples[0], samples[ROUNDS - 1]);

	events_init(on_event);
	MEASURE("function_call", overhead, empty_function());
	MEASURE("memcpy_64", overhead, memcpy(dst, src, 64));
	MEASURE("memcpy_4096", overhead, memcpy(dst, src, 4096));
	MEASURE("null_hypercall", overhead, sv_version());
	MEASURE("event_self", overhead, sv_event_send(SV_DOMID_SELF, SV_PORT_FIRST_FREE));
	MEASURE("yield_alone", overhead, sv_yield());
	printf("BENCH events_seen %u %u %u\n", events_seen, events_seen, events_seen);
	return events_seen == ROUNDS ? 0 : 1;
}
