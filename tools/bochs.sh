#!/usr/bin/env bash
# tools/bochs.sh: boot an ISO in Bochs, headless, until the hypervisor
# powers off.
#
#   tools/bochs.sh ISO WORKDIR [MEGS]
#
# WORKDIR receives bochsrc, com1.log (the serial console), com2.log (the
# second serial port, the passthrough device of docs/devices.md) and
# bochs.log. With BOCHS_COM2=HOST:PORT, COM2 is a TCP server there
# instead (Bochs waits for a client to connect before it starts): the
# test harness's COM2 peer. With BOCHS_NE2K=ETHMOD the machine has an
# NE2000 at 0x300, IRQ 10 (docs/remote.md), on that Bochs network backend
# (null: what it sends goes nowhere, nothing comes).
# Bochs's own exit status is always 1, so this script reads the
# hypervisor's "sharevisor: exit status N" line from com1.log and exits
# with N (or 125 if there is no such line). When run on a terminal, the
# serial console is shown as it is written; otherwise it is printed at the
# end (unless BOCHS_QUIET is set, as the test harness does).
set -u
iso=$1 work=$2 megs=${3:-64}
mkdir -p "$work"
work=$(cd "$work" && pwd)
rm -f "$work/com1.log" "$work/com2.log"

# The Debian build has no "nogui" display; RFB with timeout=0 runs
# headless and does not wait for a viewer. Its debugger is compiled in,
# so Bochs would stop at its prompt first: cont.rc answers "c".
cat >"$work/bochsrc" <<RC
megs: $megs
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=cdrom, path=$(realpath "$iso"), status=inserted
boot: cdrom
cpu: count=${BOCHS_CPUS:-1}, ips=50000000, reset_on_triple_fault=0
clock: sync=none
com1: enabled=1, mode=file, dev=$work/com1.log
$(if [ -n "${BOCHS_COM2:-}" ]; then
	echo "com2: enabled=1, mode=socket-server, dev=$BOCHS_COM2"
else
	echo "com2: enabled=1, mode=file, dev=$work/com2.log"
fi)
$(if [ -n "${BOCHS_NE2K:-}" ]; then
	echo "ne2k: enabled=1, ioaddr=0x300, irq=10, mac=52:54:00:12:34:56, ethmod=$BOCHS_NE2K"
fi)
port_e9_hack: enabled=1
display_library: rfb, options="timeout=0"
sound: driver=dummy
speaker: enabled=0
log: $work/bochs.log
panic: action=fatal
magic_break: enabled=1
RC
echo c >"$work/cont.rc"

if [ -t 1 ]; then
	touch "$work/com1.log"
	tail -f "$work/com1.log" &
	tail_pid=$!
fi
bochs -q -f "$work/bochsrc" -rc "$work/cont.rc" </dev/null >"$work/bochs.out" 2>&1
if [ -n "${tail_pid:-}" ]; then
	sleep 0.2
	kill "$tail_pid"
elif [ -z "${BOCHS_QUIET:-}" ]; then
	cat "$work/com1.log" 2>/dev/null	# not on a terminal: show it at the end
fi

status=$(sed -n 's/^sharevisor: exit status \([0-9]*\).*/\1/p' "$work/com1.log" 2>/dev/null | tail -n 1)
if [ -z "$status" ]; then
	echo "bochs.sh: no exit line in $work/com1.log (see $work/bochs.log)" >&2
	exit 125
fi
exit "$status"
