#!/bin/sh
# tools/linux9p/init.sh: /init of the Linux VM that is a 9P client over
# its second serial port (busybox sh, PID 1). tools/linux9p/linuxvm.py
# packs it into the initramfs with busybox, the 9P modules and /job.sh.
#
# What the host reads on the console (ttyS0), every line its own:
#   @@SV9P-BEGIN          the job starts
#   ...                   the job's output (stdout and stderr)
#   @@SV9P-STATUS n       the job's exit status
#   @@SV9P-END            the job is over
# then the kernel messages logged while the job ran, then power off.
# If the VM cannot get as far as the job, it prints @@SV9P-ERROR and a
# reason instead, and powers off.
#
# Kernel command-line words NAME=VALUE that the kernel does not know
# reach us (and so the job) as environment variables: linuxvm.py's
# extra_append passes the job its parameters that way.
export PATH=/bin

fail() {
	echo "@@SV9P-ERROR $*"
	poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
# devtmpfs gives every device node the kernel knows, ttyS1 included.
# Without it (a kernel built without DEVTMPFS), make the few we need:
# major 4 is the serial ttys, their minors start at 64.
if ! mount -t devtmpfs devtmpfs /dev 2>/dev/null; then
	mknod -m 600 /dev/ttyS0 c 4 64
	mknod -m 600 /dev/ttyS1 c 4 65
	mknod -m 666 /dev/null c 1 3
fi
exec </dev/console >/dev/console 2>&1

# The 9P client: the file system, its transports' core, the "fd"
# transport (9P over any file descriptor), in dependency order.
for m in netfs fscache 9pnet 9pnet_fd 9p; do
	insmod /lib/modules/$m.ko || fail "insmod $m.ko failed"
done

# ttyS1 carries 9P's binary messages: no line editing, no echo, no
# CR/LF translation, no XON/XOFF flow control, or bytes would be eaten
# or added on the way. 115200 is the port's usual speed (QEMU's UART
# moves bytes as fast as it can whatever the divisor says).
stty -F /dev/ttyS1 115200 raw -echo -echoe -echok -echoctl -echoke \
	-ixon -ixoff -opost || fail "stty on /dev/ttyS1 failed"

# Kernel messages would land in the middle of the job's lines: keep the
# console for the job (level 1: emergencies only), print them after.
echo 1 >/proc/sys/kernel/printk
kmsg_before=$(dmesg | wc -l)

# The empty line first: what the firmware left on the console (escape
# sequences without a newline) must not share the marker's line.
echo
echo "@@SV9P-BEGIN"
sh /job.sh
echo "@@SV9P-STATUS $?"
echo "@@SV9P-END"
dmesg | tail -n +$((kmsg_before + 1))
poweroff -f
