/*
 * share_state.h: the share IPC's private tables, for the host tests
 * (tests/unit/share_state.c; used by tests/fuzz/fuzz_share.c and
 * tests/unit/test_share.c).
 */
#ifndef SV_SHARE_STATE_H
#define SV_SHARE_STATE_H

#include <stdbool.h>
#include <stdint.h>

/* NULL if no share, watch or sg list is left in any table, else which. */
const char *share_state_leftover(void);
/* Back to the counters of a fresh boot; only when nothing is left. */
void share_state_reset(void);
/* As if n more sg lists had been registered (and used) since boot. */
void share_state_skip_seq(uint32_t n);
/* Is the list with this handle (from sg_register) still registered by dom? */
bool share_state_has_list(uint32_t dom, uint32_t handle);

#endif /* SV_SHARE_STATE_H */
