#!/usr/bin/env bash
# tools/qemu-status.sh: run QEMU and exit with the hypervisor's status.
#
#   tools/qemu-status.sh qemu-system-i386 [QEMU OPTIONS]...
#
# The hypervisor powers off through QEMU's isa-debug-exit device, which
# makes QEMU exit with (status << 1) | 1. Exit code 0 from QEMU means the
# guest reset or triple-faulted (with -no-reboot), never success.
"$@"
rc=$?
if [ $((rc % 2)) -eq 1 ]; then
	exit $((rc >> 1))
fi
echo "qemu-status.sh: QEMU exited with $rc: the machine reset, triple-faulted or was stopped" >&2
exit 124
