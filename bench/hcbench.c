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
 *   memcpy_65536    memcpy of 64 KiB inside the guest (baseline)
 *   sg_xfer_4096    SV_OP_SG_XFER of one page into a registered list
 *   sg_xfer_65536   SV_OP_SG_XFER of 64 KiB (16 entries of one page)
 *
 * The sg figures time the transfer hypercall alone: the receiving list
 * is registered (SV_OP_SG_REGISTER) before each sample, outside the
 * timed region. The guest is domain 0 and transfers to itself: it
 * creates a share, grants it to itself and gets it, so the copy runs
 * the same frame-to-frame path as between two domains.
 */
#include "bench.h"

#define ROUNDS 101

static uint32_t samples[ROUNDS];
static uint8_t src[65536] __attribute__((aligned(4096)));
static uint8_t dst[65536] __attribute__((aligned(4096)));
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

/* Time one operation ROUNDS times; report median, min, max minus the
 * empty-pair overhead. */
#define MEASURE(name, overhead, op) MEASURE_PREPARED(name, overhead, , op)
/* The same, running prepare (untimed) before each sample. */
#define MEASURE_PREPARED(name, overhead, prepare, op)			\
	do {								\
		for (int r_ = 0; r_ < ROUNDS; r_++) {			\
			prepare;					\
			uint64_t t0_ = rdtsc();				\
			op;						\
			uint64_t t1_ = rdtsc();				\
			samples[r_] = (uint32_t)(t1_ - t0_);		\
		}							\
		bench_sort(samples, ROUNDS);				\
		printf("BENCH %s %u %u %u\n", name,			\
		       bench_net(samples[ROUNDS / 2], overhead),	\
		       bench_net(samples[0], overhead),			\
		       bench_net(samples[ROUNDS - 1], overhead));	\
	} while (0)

/* A list of n one-page entries over buf. */
static void page_list(struct sv_sg *list, uint8_t *buf, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		list[i] = (struct sv_sg){ (uint32_t)(buf + i * 4096), 4096 };
}

static int32_t share;
static uint32_t received;
static struct sv_sg in_list[16], out_list[16];

static void register_in(uint32_t pages)
{
	sv_hypercall(SV_OP_SG_REGISTER, (uint32_t)share, SV_SG_IN, (uint32_t)in_list,
		     pages, (uint32_t)&received);
}

static int32_t xfer(uint32_t pages)
{
	return sv_hypercall(SV_OP_SG_XFER, (uint32_t)share, SV_XFER_SEND, 0,
			    (uint32_t)out_list, pages);
}

/* A byte to the UART's scratch register: a passthrough device's cost. */
static inline void com2_scratch_out(uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"((uint16_t)(SV_COM2_IO_BASE + 7)));
}

static void grab_release(void)
{
	sv_device_grab(SV_DEV_COM2, SV_PORT_FIRST_FREE + 2, 0);
	sv_device_release(SV_DEV_COM2);
}

/* Share set-up: create one page, grant it to ourselves, get it. */
static bool share_setup(void)
{
	share = sv_hypercall(SV_OP_SHARE_CREATE, 1, 0, 0, 0, 0);
	return share >= 0 &&
	       sv_hypercall(SV_OP_SHARE_GRANT, (uint32_t)share, start_info->domid, 0, 0, 0) == 0 &&
	       sv_hypercall(SV_OP_SHARE_GET, (uint32_t)share, SV_PORT_FIRST_FREE + 1, 0, 0, 0) == 0;
}

int main(const struct sv_start_info *si)
{
	(void)si;
	/* The cost of the measurement itself: an empty rdtsc pair. */
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = rdtsc();
		uint64_t t1 = rdtsc();
		samples[r] = (uint32_t)(t1 - t0);
	}
	bench_sort(samples, ROUNDS);
	uint32_t overhead = samples[ROUNDS / 2];
	printf("BENCH rdtsc_pair %u %u %u\n", overhead, samples[0], samples[ROUNDS - 1]);

	events_init(on_event);
	MEASURE("function_call", overhead, empty_function());
	MEASURE("memcpy_64", overhead, memcpy(dst, src, 64));
	MEASURE("memcpy_1024", overhead, memcpy(dst, src, 1024));
	MEASURE("memcpy_4096", overhead, memcpy(dst, src, 4096));
	MEASURE("null_hypercall", overhead, sv_version());
	MEASURE("event_self", overhead, sv_event_send(SV_DOMID_SELF, SV_PORT_FIRST_FREE));
	MEASURE("yield_alone", overhead, sv_yield());
	printf("BENCH events_seen %u %u %u\n", events_seen, events_seen, events_seen);
	bool events_ok = events_seen == ROUNDS;

	MEASURE("device_query", overhead, sv_device_query(SV_DEV_COM2, 0));
	MEASURE("device_grab_release", overhead, grab_release());
	if (sv_device_grab(SV_DEV_COM2, SV_PORT_FIRST_FREE + 2, 0) != SV_GRAB_OWNED) {
		printf("could not grab COM2\n");
		return 1;
	}
	MEASURE("com2_outb_owner", overhead, com2_scratch_out(0x5A));
	sv_device_release(SV_DEV_COM2);

	MEASURE("memcpy_65536", overhead, memcpy(dst, src, 65536));
	if (!share_setup()) {
		printf("share set-up failed\n");
		return 1;
	}
	for (uint32_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 1);
	event_mask(SV_PORT_FIRST_FREE + 1);	/* the transfers' events: not timed */
	page_list(in_list, dst, 16);
	page_list(out_list, src, 16);
	MEASURE_PREPARED("sg_xfer_4096", overhead, register_in(1), xfer(1));
	MEASURE_PREPARED("sg_xfer_65536", overhead, register_in(16), xfer(16));
	/* The last transfer must have delivered every byte. */
	if (received != 65536 || memcmp(src, dst, 65536) != 0) {
		printf("sg_xfer moved %u bytes, or the bytes differ\n", received);
		return 1;
	}
	return events_ok ? 0 : 1;
}
