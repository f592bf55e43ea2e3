/*
 * selftest.h: boot-time self-tests, selected with selftest=LIST on the
 * command line (cmdline.h). Each prints one line
 *     selftest NAME: PASS: <figures>      or
 *     selftest NAME: FAIL: <reason> ...
 * that tests/run.py reads and checks, and returns true on PASS.
 */
#ifndef SV_SELFTEST_H
#define SV_SELFTEST_H

#include <stdbool.h>
#include "multiboot.h"

bool selftest_frames(const struct boot_info *bi);
bool selftest_paging(void);
bool selftest_timer(void);

#endif /* SV_SELFTEST_H */
