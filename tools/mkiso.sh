#!/usr/bin/env bash
# tools/mkiso.sh: build a bootable GRUB ISO holding the hypervisor and its
# modules (the guests).
#
#   tools/mkiso.sh OUT.iso HYPERVISOR.elf "HV ARGS" [MODULE "MODULE ARGS"]...
#
# Module 0 is domain 0. Each module keeps its file name under /boot/; GRUB
# passes only the arguments (not the path) on the command line. A MODULE
# that names no existing file is still written into grub.cfg, so that a
# test can see what happens when GRUB cannot find it: GRUB says so on the
# console and boots without it.
set -eu
[ $# -ge 3 ] && [ $(( ($# - 3) % 2 )) -eq 0 ] || {
	echo "usage: $0 OUT.iso HYPERVISOR.elf \"HV ARGS\" [MODULE \"ARGS\"]..." >&2
	exit 2
}
out=$1 hv=$2 hvargs=$3
shift 3
top=$(cd "$(dirname "$0")/.." && pwd)

dir=$(mktemp -d "${TMPDIR:-/tmp}/sv-iso.XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/boot/grub"
cp "$hv" "$dir/boot/sharevisor.elf"
{
	cat "$top/iso/grub.cfg.in"
	echo 'menuentry "Sharevisor" {'
	echo "	multiboot /boot/sharevisor.elf $hvargs"
	i=0
	while [ $# -gt 0 ]; do
		name="m$i-$(basename "$1")"
		[ -f "$1" ] && cp "$1" "$dir/boot/$name"
		# A missing file would stop GRUB at "Press any key to continue"
		# for 10 s; say so on the console and boot without it instead.
		echo "	if [ -f /boot/$name ]; then"
		echo "		module /boot/$name $2"
		echo "	else"
		echo "		echo \"grub: module /boot/$name not found: booting without it\""
		echo "	fi"
		shift 2
		i=$((i + 1))
	done
	echo '}'
} >"$dir/boot/grub/grub.cfg"
log=$(mktemp "${TMPDIR:-/tmp}/sv-mkrescue.XXXXXX")
trap 'rm -rf "$dir" "$log"' EXIT
grub-mkrescue -o "$out" "$dir" >"$log" 2>&1 || {
	cat "$log" >&2
	exit 1
}
