#!/bin/sh
# tools/linux9p/jobs/test.sh: the job of make test's linux-9p test (see
# tests/boot_tests.py, check_linux_9p). Everything the test compares with
# tools/mkfstree.py's tree, in "@@NAME" sections:
#
#   @@MOUNT1 ok|failed    the first mount
#   @@FIND                find /mnt, sorted
#   @@LS                  ls -ln of every file (-n: numbers, not names)
#   @@MD5                 md5sum of every file, sorted by path
#   @@ODD                 md5sum of dd's reads at odd offsets of big.bin:
#                         "skip count md5"
#   @@TWICE               big.bin read a second time: its md5
#   @@DIR                 the entries of /mnt/data, from ls -a
#   @@WRITE               what a write, a create and a remove got (the
#                         tree is read-only: each must fail)
#   @@UMOUNT1 ok|failed
#   @@MOUNT2 / @@AGAIN / @@UMOUNT2   mounted again, msize 4096: one file's md5
#   @@MANY                the names in /many, whose listing takes more than
#                         one Rread at that msize
#   @@TIME                seconds for each part (/proc/uptime)

. /lib/sv9p.sh		# now, secs (jobs/lib.sh)
opts="trans=fd,rfdno=3,wfdno=3,version=9p2000,msize=${sv9p_msize:-32768}"
mkdir -p /mnt

t0=$(now)
if mount -t 9p -o "$opts" none /mnt 3<>/dev/ttyS1; then echo "@@MOUNT1 ok"; else
	echo "@@MOUNT1 failed"
	exit 1
fi
t1=$(now)
echo "@@FIND"
find /mnt | sort
echo "@@LS"
find /mnt -type f | sort | while read -r f; do ls -ln "$f"; done
t2=$(now)
echo "@@MD5"
find /mnt -type f | sort | while read -r f; do md5sum "$f"; done
t3=$(now)
echo "@@ODD"
for sc in "1 1" "4095 2" "4097 3" "12345 1000" "32743 2" "32744 1" "102400 100"; do
	set -- $sc
	echo "$1 $2 $(dd if=/mnt/data/big.bin bs=1 skip="$1" count="$2" 2>/dev/null | md5sum | cut -d' ' -f1)"
done
echo "@@TWICE"
md5sum /mnt/data/big.bin
echo "@@DIR"
ls -a /mnt/data
echo "@@WRITE"
echo x 2>&1 >>/mnt/README | sed 's/^/append: /'
echo x 2>&1 >/mnt/newfile | sed 's/^/create: /'
rm /mnt/docs/one.txt 2>&1 | sed 's/^/remove: /'
mkdir /mnt/newdir 2>&1 | sed 's/^/mkdir: /'
t4=$(now)
if umount /mnt; then echo "@@UMOUNT1 ok"; else echo "@@UMOUNT1 failed"; fi

# Again, with msize 4096: /many's listing then takes more than one Rread.
opts="trans=fd,rfdno=3,wfdno=3,version=9p2000,msize=4096"
if mount -t 9p -o "$opts" none /mnt 3<>/dev/ttyS1; then echo "@@MOUNT2 ok"; else
	echo "@@MOUNT2 failed"
	exit 1
fi
echo "@@AGAIN"
md5sum /mnt/docs/guide/ch2.txt
echo "@@MANY"
ls /mnt/many | tr '\n' ' '
echo
if umount /mnt; then echo "@@UMOUNT2 ok"; else echo "@@UMOUNT2 failed"; fi
t5=$(now)
echo "@@TIME t_mount=$(secs "$t0" "$t1") t_ls=$(secs "$t1" "$t2") t_md5=$(secs "$t2" "$t3")" \
	"t_rest=$(secs "$t3" "$t4") t_remount=$(secs "$t4" "$t5")"
