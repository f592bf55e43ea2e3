#!/bin/sh
# tools/linux9p/jobs/demo.sh: a job for the Linux 9P client VM (it runs
# as /job.sh, see tools/linux9p/init.sh). Mounts the 9P2000 server at
# the other end of ttyS1, lists the tree, checksums every file, unmounts.
#
# Output, one section per "@@NAME" line, so a test can pick them apart
# (linuxvm.sections()):
#   @@MOUNT ok|failed     then mount's own error, if any
#   @@LS                  ls -lR of the tree
#   @@MD5                 "md5  /mnt/path" of every file, sorted by path
#   @@UMOUNT ok|failed
#   @@TIME t_mount=.. t_ls=.. t_md5=.. t_umount=..   (seconds, 0.01 s
#                         resolution, from /proc/uptime; up=.. is the
#                         time since the kernel started, at the mount)
#
# Parameters (kernel command-line words, see linuxvm.py --append):
#   sv9p_msize=N      the msize Linux asks for (default 32768, the
#                     Sharevisor file service's MSG_MAX)
#   sv9p_version=V    9p2000 (default), 9p2000.u or 9p2000.L

msize=${sv9p_msize:-32768}
version=${sv9p_version:-9p2000}

. /lib/sv9p.sh		# now, secs (jobs/lib.sh)

mkdir -p /mnt
t0=$(now)
# fd 3 is ttyS1, open for reading and writing: the fd transport reads
# and writes the 9P messages through it (rfdno and wfdno).
if mount -t 9p -o "trans=fd,rfdno=3,wfdno=3,version=$version,msize=$msize" \
	none /mnt 3<>/dev/ttyS1; then
	echo "@@MOUNT ok"
else
	echo "@@MOUNT failed"
	exit 1
fi
t1=$(now)

echo "@@LS"
ls -lR /mnt
rc=$?
t2=$(now)

echo "@@MD5"
find /mnt -type f | sort | while read -r f; do
	md5sum "$f" || echo "md5sum failed: $f"
done
t3=$(now)

if umount /mnt; then
	echo "@@UMOUNT ok"
else
	echo "@@UMOUNT failed"
	rc=1
fi
t4=$(now)
echo "@@TIME up=$(secs 0 "$t0") t_mount=$(secs "$t0" "$t1") t_ls=$(secs "$t1" "$t2")" \
	"t_md5=$(secs "$t2" "$t3") t_umount=$(secs "$t3" "$t4")"
exit $rc
