#!/bin/sh
# tools/linux9p/jobs/restart.sh: the job of make test's linux-9p-restart.
# The server dies in the middle of the cat (die_after_reads); another
# takes the line over and says so. Linux must fail the cat (EIO), not
# hang, and a new mount must read the file whole.
#
#   @@MOUNT1 ok|failed
#   @@CAT1 <cat's status> <its error message>
#   @@UMOUNT1 <umount's status>
#   @@MOUNT2 ok|failed
#   @@MD5                 big.bin, read from the new server
#   @@UMOUNT2 ok|failed

. /lib/sv9p.sh		# now, secs (jobs/lib.sh)
opts="trans=fd,rfdno=3,wfdno=3,version=9p2000,msize=${sv9p_msize:-32768}"
mkdir -p /mnt
if mount -t 9p -o "$opts" none /mnt 3<>/dev/ttyS1; then echo "@@MOUNT1 ok"; else
	echo "@@MOUNT1 failed"
	exit 1
fi
t0=$(now)
cat /mnt/data/big.bin >/dev/null 2>/tmp/cat.err
echo "@@CAT1 $? $(cat /tmp/cat.err)"
t1=$(now)
umount /mnt 2>/dev/null
echo "@@UMOUNT1 $?"
if mount -t 9p -o "$opts" none /mnt 3<>/dev/ttyS1; then echo "@@MOUNT2 ok"; else
	echo "@@MOUNT2 failed"
	exit 1
fi
echo "@@MD5"
md5sum /mnt/data/big.bin
if umount /mnt; then echo "@@UMOUNT2 ok"; else echo "@@UMOUNT2 failed"; fi
echo "@@TIME t_cat_failed=$(secs "$t0" "$t1")"
