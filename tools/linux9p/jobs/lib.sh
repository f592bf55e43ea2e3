# tools/linux9p/jobs/lib.sh: what the jobs share; it is /lib/sv9p.sh in
# the initramfs (linuxvm.py puts it there), and a job starts with
# ". /lib/sv9p.sh".

# Centiseconds since boot. /proc/uptime says "12.34 ..."; the "1" in
# front keeps a fraction such as "09" from being read as octal.
now() {
	read -r up _ </proc/uptime
	echo $((${up%.*} * 100 + 1${up#*.} - 100))
}

# secs T0 T1: T1 - T0 as seconds with two decimals
secs() {
	d=$(($2 - $1))
	printf '%d.%02d' $((d / 100)) $((d % 100))
}
