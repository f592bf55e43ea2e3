/*
 * devrace: the seed's race. Several copies of this guest each, many
 * times: query COM2 (idle?), yield (so the others run between the look
 * and the grab), and grab without waiting. The query may say idle and the
 * grab still fail with SV_EBUSY; the hypervisor must keep the answer
 * consistent: whoever got SV_GRAB_OWNED is the one owner (query names
 * it, and its I/O ports work: it writes its id to the UART's scratch
 * register and reads it back), and whoever got SV_EBUSY sees another
 * owner.
 *
 * Round-robin scheduling with yields makes the race happen in most
 * rounds; each copy counts the rounds where it lost it and prints
 *
 *     devrace: ROUNDS rounds, W won, L lost after seeing idle, B busy at the look
 *
 * and the test checks that the copies together lost it at least once.
 *
 *   module line: devrace.elf name=NAME [rounds=N]
 */
#include "portio.h"
#include "xtf.h"

#define DEV_PORT	(SV_PORT_FIRST_FREE + 2)
#define COM2_SCRATCH	(SV_COM2_IO_BASE + 7)

int main(const struct sv_start_info *si)
{
	uint32_t rounds = sv_cmdline_uint("rounds", 40);
	uint32_t won = 0, lost = 0, busy = 0;
	struct sv_device_status st;

	for (uint32_t r = 0; r < rounds; r++) {
		if (sv_device_query(SV_DEV_COM2, NULL) != SV_DEVICE_IDLE) {
			busy++;
			sv_yield();
			continue;
		}
		sv_yield();		/* the others look now too */
		int32_t rc = sv_device_grab(SV_DEV_COM2, DEV_PORT, 0);
		int32_t state = sv_device_query(SV_DEV_COM2, &st);
		if (rc == SV_GRAB_OWNED) {
			CHECK_RC(state, SV_DEVICE_BUSY);
			won++;
			CHECK(st.owner == si->domid, "round %u: grab said owned, the owner is %u",
			      r, st.owner);
			CHECK_EQ(shared_info->device[SV_DEV_COM2], SV_DEVF_OWNER);
			outb(COM2_SCRATCH, (uint8_t)(si->domid * 16 + r % 16));
			sv_yield();	/* the losers run while we hold it */
			CHECK_EQ(inb(COM2_SCRATCH), (uint8_t)(si->domid * 16 + r % 16));
			CHECK_RC(sv_device_release(SV_DEV_COM2), SV_OK);
		} else {
			lost++;
			CHECK(rc == SV_EBUSY, "round %u: grab returned %d (%s)", r, rc,
			      sv_strerror(rc));
			/* (A tick may let the winner release before our query.) */
			CHECK(st.owner != si->domid, "round %u: lost, but we are the owner", r);
			CHECK_EQ(shared_info->device[SV_DEV_COM2], 0);
		}
		sv_yield();
	}
	printf("devrace: %u rounds, %u won, %u lost after seeing idle, %u busy at the look\n",
	       rounds, won, lost, busy);
	return xtf_verdict("devrace");
}
