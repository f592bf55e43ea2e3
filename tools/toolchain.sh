#!/usr/bin/env bash
# tools/toolchain.sh: find a compiler that builds freestanding i686 code,
# the way xv6's Makefile looks for one: try each candidate in turn, keep the
# first that compiles AND links a test file needing 64-bit division.
#
# Prints Makefile assignments (CC, LD, ARCH_CFLAGS, CC_INCLUDE, LIBGCC), or
# names the package to install on stderr and exits 1.
# Override with TOOLPREFIX=... (e.g. TOOLPREFIX=i686-elf-) to force one.
set -u

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/t.c" <<'C'
unsigned long long div64(unsigned long long a, unsigned long long b) { return a / b; }
void _start(void) { for (;;) div64(7, 3); }
C

# try NAME CC LD "ARCH_CFLAGS" LIBGCC
try() {
	local cc=$2 ld=$3 flags=$4 libgcc=$5
	command -v "${cc%% *}" >/dev/null 2>&1 || return 1
	command -v "$ld" >/dev/null 2>&1 || return 1
	[ -n "$libgcc" ] && [ -f "$libgcc" ] || return 1
	# shellcheck disable=SC2086
	$cc $flags -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
		-c "$tmp/t.c" -o "$tmp/t.o" 2>/dev/null || return 1
	"$ld" -m elf_i386 -e _start "$tmp/t.o" "$libgcc" -o "$tmp/t.elf" 2>/dev/null || return 1
	# The compiler's own headers (stdint.h, stdarg.h...), for -nostdinc.
	local inc
	inc=$($cc $flags -print-file-name=include 2>/dev/null)
	[ -f "$inc/stdint.h" ] || inc="$($cc -print-resource-dir 2>/dev/null)/include"
	[ -f "$inc/stdint.h" ] || return 1
	echo "# toolchain: $1"
	echo "CC := $cc"
	echo "LD := $ld"
	echo "ARCH_CFLAGS := $flags"
	echo "CC_INCLUDE := $inc"
	echo "LIBGCC := $libgcc"
	exit 0
}

libgcc_of() { $1 $2 -print-libgcc-file-name 2>/dev/null; }

if [ -n "${TOOLPREFIX:-}" ]; then
	try "$TOOLPREFIX" "${TOOLPREFIX}gcc" "${TOOLPREFIX}ld" "" "$(libgcc_of ${TOOLPREFIX}gcc "")"
	echo "toolchain: TOOLPREFIX=$TOOLPREFIX does not build i686 code" >&2
	exit 1
fi

try i686-elf-gcc i686-elf-gcc i686-elf-ld "" "$(libgcc_of i686-elf-gcc "")"
try i686-linux-gnu-gcc i686-linux-gnu-gcc i686-linux-gnu-ld "" "$(libgcc_of i686-linux-gnu-gcc "")"
try "gcc -m32" gcc ld "-m32" "$(libgcc_of gcc -m32)"
rt=$(clang --target=i386-pc-linux-gnu --rtlib=compiler-rt -print-libgcc-file-name 2>/dev/null)
try "clang --target=i686-elf" clang ld "--target=i686-elf" "$rt"

cat >&2 <<MSG
toolchain: no compiler for freestanding i686 code was found.
  Tried: i686-elf-gcc, i686-linux-gnu-gcc, gcc -m32 (+ 32-bit libgcc), clang --target=i686-elf.
  On Debian 12 install the 32-bit libgcc for the host gcc:
      apt-get install lib32gcc-12-dev
  (or run tools/setup.sh, which make run / make test call for you).
  Do not install gcc-multilib together with gcc-i686-linux-gnu: they conflict.
MSG
exit 1
