#!/usr/bin/env bash
# tools/linux9p/fetch.sh: fetch Debian's i386 Linux kernel and a static
# busybox, the parts of the Linux VM that is a 9P client of Sharevisor.
#
#   tools/linux9p/fetch.sh          fetch what is missing, print the paths
#
# Idempotent: the second run finds everything in the cache and touches
# neither apt nor the network. It writes $CACHE/paths.env, lines
# NAME=path that tools/linux9p/linuxvm.py reads:
#   KERNEL   the kernel (vmlinuz)
#   BUSYBOX  the static busybox
#   MODULES  the five 9P modules, space-separated, in the order they must
#            be loaded (each needs the ones before it)
#   KPKG     the kernel package, KREL its release (uname -r)
#
# Environment:
#   SV_LINUX_CACHE       the cache (default /var/cache/sharevisor-linux)
#   SV_LINUX_KERNEL_PKG  pin a kernel package (default: the one that
#                        linux-image-686:i386 depends on, resolved once
#                        and remembered in $CACHE/kernel-package.txt)
#
# Why Debian's packages: apt is the one registry every developer and CI
# machine reaches, and the kernel ships the 9P client (9pnet_fd is the
# transport over a file descriptor, here the serial port) as modules.
set -u -o pipefail

CACHE=${SV_LINUX_CACHE:-/var/cache/sharevisor-linux}
ARCH=i386
# The 9P client's modules, in load order: 9p.ko uses netfs (and fscache),
# and 9pnet_fd registers the "fd" transport with 9pnet.
MODS="fs/netfs/netfs fs/fscache/fscache net/9p/9pnet net/9p/9pnet_fd fs/9p/9p"

log() { printf 'linux9p fetch: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# When root, apt's download sandbox user (_apt) cannot write into our
# cache: run the download as root instead of getting a warning.
APT=(apt-get -q)
[ "$(id -u)" = 0 ] && APT+=(-o APT::Sandbox::User=root)

# Fast path: everything already there. No apt, no dpkg, no network.
if [ -s "$CACHE/paths.env" ]; then
	ok=1
	# shellcheck disable=SC1091
	. "$CACHE/paths.env"
	for f in "${KERNEL:-}" "${BUSYBOX:-}" ${MODULES:-}; do
		[ -n "$f" ] && [ -s "$f" ] || ok=0
	done
	[ -n "${SV_LINUX_KERNEL_PKG:-}" ] && [ "$SV_LINUX_KERNEL_PKG" != "${KPKG:-}" ] && ok=0
	if [ "$ok" = 1 ] && [ "${MODULES:-}" ]; then
		cat "$CACHE/paths.env"
		exit 0
	fi
fi

mkdir -p "$CACHE/debs" "$CACHE/root" "$CACHE/modules" 2>/dev/null && [ -w "$CACHE" ] ||
	die "cannot create or write $CACHE (not root? set SV_LINUX_CACHE to a folder of yours)"

apt_updated=0
apt_update() {
	[ "$apt_updated" = 1 ] && return 0
	log "apt-get update"
	# A source that fails to update (one mirror down) must not stop us if
	# the rest works: the look-ups below say clearly what is missing.
	"${APT[@]}" update >/dev/null 2>&1 || log "warning: apt-get update reported errors"
	apt_updated=1
}

# Host tools: dpkg-deb extracts the packages; xz or zstd decompress the
# modules if Debian ships them compressed (busybox insmod cannot).
need=()
command -v dpkg-deb >/dev/null || need+=(dpkg)
command -v xz >/dev/null || need+=(xz-utils)
command -v zstd >/dev/null || need+=(zstd)
if [ ${#need[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "missing host packages ${need[*]}: apt-get install them as root"
	apt_update
	log "apt-get install ${need[*]}"
	"${APT[@]}" install -y --no-remove "${need[@]}" >/dev/null ||
		die "apt-get install ${need[*]} failed"
fi

# The packages are i386: apt must know the architecture to download them.
if ! dpkg --print-foreign-architectures | grep -qx "$ARCH" &&
   [ "$(dpkg --print-architecture)" != "$ARCH" ]; then
	[ "$(id -u)" = 0 ] || die "dpkg does not know $ARCH: run 'dpkg --add-architecture $ARCH && apt-get update' as root"
	log "dpkg --add-architecture $ARCH"
	dpkg --add-architecture "$ARCH" || die "dpkg --add-architecture $ARCH failed"
	apt_updated=0
	apt_update
fi

# Which kernel: the one the meta-package points at today, remembered so
# that later runs (and the modules' paths) stay the same.
# (A pin is remembered too, once its download has worked.)
KFILE=$CACHE/kernel-package.txt
if [ -n "${SV_LINUX_KERNEL_PKG:-}" ]; then
	KPKG=$SV_LINUX_KERNEL_PKG
elif [ -s "$KFILE" ]; then
	KPKG=$(cat "$KFILE")
else
	resolve() {
		apt-cache depends "linux-image-686:$ARCH" 2>/dev/null |
			awk '/Depends: linux-image-[0-9]/ { sub(/:.*/, "", $2); print $2; exit }'
	}
	kp=$(resolve)
	[ -n "$kp" ] || { apt_update; kp=$(resolve); }
	[ -n "$kp" ] || die "apt-cache cannot resolve linux-image-686:$ARCH (apt-get update failed? no network?)"
	KPKG=$kp
fi

# fetch PACKAGE: DEB=the .deb in $CACHE/debs, downloaded if absent. (Not
# in a $(subshell): apt_update must remember that it ran.)
fetch() {
	local p=$1
	DEB=$(ls "$CACHE/debs/${p}_"*"_$ARCH.deb" 2>/dev/null | head -1)
	if [ -z "$DEB" ]; then
		log "apt-get download $p:$ARCH"
		(cd "$CACHE/debs" && "${APT[@]}" download "$p:$ARCH" >/dev/null 2>&1) || {
			apt_update     # the package lists may be old or missing
			(cd "$CACHE/debs" && "${APT[@]}" download "$p:$ARCH" >/dev/null) ||
				die "apt-get download $p:$ARCH failed"
		}
		DEB=$(ls "$CACHE/debs/${p}_"*"_$ARCH.deb" 2>/dev/null | head -1)
		[ -n "$DEB" ] || die "apt-get download $p:$ARCH left no .deb in $CACHE/debs"
	fi
}
# unpack DEB [PATTERN...]: the package's files (only those matching the
# tar PATTERNs, if any) under $CACHE/root/NAME. The kernel package is
# 190 MB unpacked and we need 6 MB of it. Unpacked to NAME.tmp and
# renamed, so an interrupted run leaves no tree that looks complete.
unpack() {
	local deb=$1 d
	d=$CACHE/root/$(basename "$deb" .deb)
	shift
	if [ ! -d "$d" ]; then
		log "unpacking $(basename "$deb")"
		rm -rf "$d.tmp" && mkdir -p "$d.tmp" || die "cannot create $d.tmp"
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$d.tmp" --wildcards "$@" ||
			die "cannot unpack ${*:-everything} from $deb"
		mv "$d.tmp" "$d" || die "cannot rename $d.tmp"
	fi
	echo "$d"
}

fetch "$KPKG"
KDEB=$DEB
echo "$KPKG" >"$KFILE"
fetch busybox-static
BDEB=$DEB
kpat=("./boot/vmlinuz-*")
for m in $MODS; do kpat+=("*/modules/*/kernel/$m.ko*"); done
KROOT=$(unpack "$KDEB" "${kpat[@]}") || exit 1
BROOT=$(unpack "$BDEB") || exit 1

KERNEL=$(ls "$KROOT"/boot/vmlinuz-* 2>/dev/null | head -1)
[ -s "$KERNEL" ] || die "no boot/vmlinuz-* in $KDEB"
KREL=${KERNEL##*/vmlinuz-}
BUSYBOX=$BROOT/bin/busybox
[ -x "$BUSYBOX" ] || die "no bin/busybox in $BDEB"

# The modules, uncompressed, in $CACHE/modules/KREL/ (the kernel's tree
# is lib/modules/KREL or usr/lib/modules/KREL: find them either way).
OUT=$CACHE/modules/$KREL
mkdir -p "$OUT"
MODULES=""
for m in $MODS; do
	name=${m##*/}.ko
	dst=$OUT/$name
	if [ ! -s "$dst" ]; then
		src=$(find "$KROOT" -path "*/modules/$KREL/kernel/$m.ko*" | head -1)
		case "$src" in
		*.ko) cp "$src" "$dst.tmp" ;;
		*.ko.xz) xz -dc "$src" >"$dst.tmp" ;;
		*.ko.zst) zstd -qdc "$src" >"$dst.tmp" ;;
		*) die "module $m.ko(.xz|.zst) not in $KDEB (its 9P client may be built in or renamed)" ;;
		esac || die "cannot copy or decompress $src into $dst"
		mv "$dst.tmp" "$dst"
	fi
	MODULES="$MODULES${MODULES:+ }$dst"
done

{
	echo "KPKG=\"$KPKG\""
	echo "KREL=\"$KREL\""
	echo "KERNEL=\"$KERNEL\""
	echo "BUSYBOX=\"$BUSYBOX\""
	echo "MODULES=\"$MODULES\""
} >"$CACHE/paths.env.tmp" && mv "$CACHE/paths.env.tmp" "$CACHE/paths.env" ||
	die "cannot write $CACHE/paths.env"
log "ready in $CACHE ($(du -sh "$CACHE" | cut -f1))"
cat "$CACHE/paths.env"
