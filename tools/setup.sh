#!/usr/bin/env bash
# tools/setup.sh: make sure every tool that `make`, `make run`, `make test`,
# `make bench` and `make fuzz` need is on this machine, installing only what
# is missing.
#
# Debian 12 is the reference host. Each requirement is a command to look for
# and the Debian package that provides it. Packages are installed with
# `apt-get install --no-remove`, so apt refuses (and we stop) rather than
# remove anything already installed: gcc-multilib and gcc-i686-linux-gnu,
# for instance, conflict, so we never install either; the 32-bit libgcc
# (lib32gcc-12-dev) is enough for host `gcc -m32`.
#
# Usage: tools/setup.sh [--check]   (--check: report only, install nothing)
set -eu

check_only=0
[ "${1:-}" = "--check" ] && check_only=1

missing_pkgs=()

# need COMMAND-OR-FILE PACKAGE: queue PACKAGE if the command (or file) is absent.
need() {
	local what=$1 pkg=$2
	if [ "${what#/}" != "$what" ]; then
		[ -e "$what" ] && return 0
	else
		command -v "$what" >/dev/null 2>&1 && return 0
	fi
	echo "setup: missing $what (Debian package $pkg)"
	missing_pkgs+=("$pkg")
}

# A 32-bit GCC. tools/toolchain.sh also accepts clang, but we want the same
# compiler everywhere so that instruction counts in `make bench` compare
# across machines: unless a cross gcc is present, install the 32-bit libgcc
# for host `gcc -m32`, the one choice that removes nothing when installed.
if ! command -v i686-elf-gcc >/dev/null 2>&1 &&
   ! command -v i686-linux-gnu-gcc >/dev/null 2>&1; then
	need gcc gcc
	need "$(dirname "$(gcc -print-libgcc-file-name 2>/dev/null || echo /usr/lib/gcc/x86_64-linux-gnu/12/libgcc.a)")/32/libgcc.a" lib32gcc-12-dev
fi
need ld binutils
need nasm nasm
need make make
need grub-mkrescue grub-common
need /usr/lib/grub/i386-pc/multiboot.mod grub-pc-bin
need xorriso xorriso
need mformat mtools
need qemu-system-i386 qemu-system-x86
need bochs bochs
need /usr/share/bochs/BIOS-bochs-latest bochsbios
need /usr/share/vgabios/vgabios.bin vgabios
need gdb gdb
need python3 python3
# make trace-diagram renders the sequence diagram with Graphviz.
need dot graphviz
# The share fuzzer (make fuzz, and its short run in make test): clang with
# libFuzzer and the sanitizer runtimes; llvm-profdata and llvm-cov for
# make fuzz-coverage.
need clang clang
rt_dir=$(clang -print-runtime-dir 2>/dev/null || echo /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux)
need "$rt_dir/libclang_rt.fuzzer-x86_64.a" libclang-rt-14-dev
need llvm-profdata-14 llvm-14
need llvm-cov-14 llvm-14

if [ ${#missing_pkgs[@]} -eq 0 ]; then
	exit 0
fi
if [ $check_only -eq 1 ]; then
	echo "setup: would install: ${missing_pkgs[*]}"
	exit 1
fi

sudo=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo=sudo
	else
		echo "setup: need root to install: ${missing_pkgs[*]}" >&2
		exit 1
	fi
fi
# Unique package names, in order.
pkgs=$(printf '%s\n' "${missing_pkgs[@]}" | awk '!seen[$0]++' | tr '\n' ' ')
echo "setup: installing: $pkgs"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends --no-remove $pkgs
echo "setup: done"
