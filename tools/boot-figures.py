#!/usr/bin/env python3
"""tools/boot-figures.py: how long the default ISO takes to boot and power
off, and how many instructions that is.

    python3 tools/boot-figures.py [RUNS]      (after `make`)

Builds build/boot-figures.iso (the hypervisor with no modules: boot, check,
power off), and prints the median wall time of RUNS (default 5) boots of it
under QEMU TCG and under Bochs, and the TSC counts of RUNS boots under
QEMU -icount shift=0,sleep=off, where one TSC tick is one instruction:
"since reset" includes SeaBIOS and GRUB (not repeatable to the
instruction: CD-ROM timing varies), "since kmain" is the hypervisor's own
path (exact). Also the image size.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ISO = os.path.join(TOP, "build", "boot-figures.iso")
HV = os.path.join(TOP, "build", "sharevisor.elf")
QEMU = ["qemu-system-i386", "-m", "64M", "-cdrom", ISO, "-display", "none",
        "-no-reboot", "-monitor", "none",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def timed(cmd):
    t = time.time()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return time.time() - t, p.stdout.decode("latin-1")


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    subprocess.run([os.path.join(TOP, "tools", "mkiso.sh"), ISO, HV, ""], check=True)
    qemu_t, bochs_t, reset, kmain = [], [], [], []
    for _ in range(runs):
        t, out = timed(QEMU + ["-accel", "tcg", "-serial", "stdio"])
        assert "exit status 0" in out, out
        qemu_t.append(t)
        _, out = timed(QEMU + ["-icount", "shift=0,sleep=off", "-serial", "stdio",
                               "-rtc", "clock=vm,base=2026-01-01T00:00:00"])
        reset.append(int(re.search(r"(\d+) TSC ticks since reset", out).group(1)))
        kmain.append(int(re.search(r"(\d+) TSC ticks since kmain", out).group(1)))
        with tempfile.TemporaryDirectory() as d:
            t, _ = timed([os.path.join(TOP, "tools", "bochs.sh"), ISO, d, "64"])
            log = open(os.path.join(d, "com1.log"), "rb").read().decode("latin-1")
            assert "exit status 0" in log, log
            bochs_t.append(t)
    size = subprocess.run(["size", HV], stdout=subprocess.PIPE).stdout.decode()
    text, data, bss = (int(x) for x in size.splitlines()[1].split()[:3])
    print("boot to power-off, median of %d, ISO with no modules, -m 64M:" % runs)
    print("  QEMU TCG   %.2f s   (runs: %s)" % (statistics.median(qemu_t),
                                              " ".join("%.2f" % x for x in qemu_t)))
    print("  Bochs      %.2f s   (runs: %s)" % (statistics.median(bochs_t),
                                              " ".join("%.2f" % x for x in bochs_t)))
    print("  QEMU -icount shift=0: %d instructions since reset (median; min %d, max %d)"
          % (statistics.median(reset), min(reset), max(reset)))
    print("  of which the hypervisor, since kmain: %s" % sorted(set(kmain)))
    print("image: %s is %d bytes on disk; text %d, data %d, bss %d bytes"
          % (os.path.relpath(HV, TOP), os.path.getsize(HV), text, data, bss))


if __name__ == "__main__":
    main()
