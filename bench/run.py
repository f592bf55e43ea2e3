#!/usr/bin/env python3
"""bench/run.py: the Sharevisor benchmarks (run by `make bench`).

Boots bench guests under QEMU with -icount shift=0,sleep=off, where one TSC
tick is one guest instruction, so every figure is an exact, repeatable
path length in instructions (hypervisor and guest together). Each figure
is the median of the guest's samples; each boot is repeated RUNS times to
show that the figures do not move. Ratios are to baselines measured in
the same guest in the same run (a function call, memcpy).

Usage: bench/run.py [RUNS]
"""
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HV = os.path.join(TOP, "build", "sharevisor.elf")
QEMU = ["qemu-system-i386", "-icount", "shift=0,sleep=off",
        "-rtc", "clock=vm,base=2026-01-01T00:00:00", "-m", "32M",
        "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def boot(guest, args):
    mod = "%s %s" % (os.path.join(TOP, "build", "bench", guest + ".elf"), args)
    p = subprocess.run(QEMU + ["-kernel", HV, "-initrd", mod.replace(",", ",,")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    out = p.stdout.decode("latin-1")
    if p.returncode != 1:     # (0 << 1) | 1: the hypervisor's exit status 0
        sys.exit("bench: %s failed (QEMU exit %d):\n%s" % (guest, p.returncode, out[-3000:]))
    return {m.group(1): [int(x) for x in m.group(2, 3, 4)]
            for m in re.finditer(r"^\[\w+\] BENCH (\w+) (\d+) (\d+) (\d+)", out, re.M)}


def linux_peer(metric):
    """The icount figure for metric from ../shared/peer-linux/README.md
    (Linux measured in the same emulator and mode), or None."""
    path = os.path.join(TOP, "..", "shared", "peer-linux", "README.md")
    if not os.path.exists(path):
        return None
    for line in open(path):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == metric and len(cells) >= 4:
            return float(cells[3])
    return None


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    results = [boot("hcbench", "name=hcbench") for _ in range(runs)]
    first = results[0]
    stable = all(r == first for r in results)
    base = first["function_call"][0] or 1
    print("Sharevisor micro-benchmarks: instructions under QEMU -icount shift=0 "
          "(median of 101 samples in a guest, rdtsc pair subtracted)")
    print("%-16s %10s %8s %8s %14s" % ("operation", "median", "min", "max", "x function call"))
    for name in ("function_call", "memcpy_64", "memcpy_4096", "memcpy_65536",
                 "null_hypercall", "event_self", "yield_alone",
                 "sg_xfer_4096", "sg_xfer_65536"):
        med, lo, hi = first[name]
        print("%-16s %10d %8d %8d %14.1f" % (name, med, lo, hi, med / base))
    print("rdtsc pair overhead (subtracted): %d" % first["rdtsc_pair"][0])
    for size in (4096, 65536):
        print("sg_xfer of %d bytes / memcpy of the same in the guest: %.2f"
              % (size, first["sg_xfer_%d" % size][0] / first["memcpy_%d" % size][0]))
    peer = linux_peer("syscall_getppid_cyc")
    if peer:
        print("Linux 6.1 getppid in the same emulator and mode (shared/peer-linux): "
              "%.1f; null hypercall / getppid = %.2f"
              % (peer, first["null_hypercall"][0] / peer))
    pipe = linux_peer("pipe_bulk_64K_cyc (per 64 KiB)")
    if pipe:
        print("Linux 6.1 pipe bulk transfer per 64 KiB, same mode: %.1f; "
              "sg_xfer 64 KiB / pipe = %.2f" % (pipe, first["sg_xfer_65536"][0] / pipe))
    print("%d boots, figures %s" % (runs, "identical in every boot" if stable
                                     else "DIFFER between boots: %r" % results))


if __name__ == "__main__":
    main()
