#!/usr/bin/env python3
"""tools/stepprof.py: where a path's instructions go, function by function.

Boots the hypervisor under QEMU -icount (one TSC tick per instruction),
stops at the Nth hit of a hypervisor function, then single-steps the next
STEPS instructions with gdb and counts them by function: the hypervisor's
from its ELF, each guest's from its own (all guests are linked at the
same address, so the running domain, `current` (as a gdb macro:
cpus[i].running on gdb's thread i + 1), says whose they are).
A stepped `rep movs` counts once per repetition, as -icount does, so the
counts add up to what make bench measures.

    python3 tools/stepprof.py --start hc_sg_xfer --skip 60 --steps 1700 \\
        build/bench/hcbench.elf name=hcbench

    python3 tools/stepprof.py --start hc_trigger --cond 'current->id == 0' \\
        --skip 30 --steps 640 \\
        build/bench/lanbench.elf name=ping role=ping , \\
        build/bench/lanbench.elf name=echo role=echo

Modules are given as on a GRUB line, separated by a lone ",". It takes a
few seconds per thousand steps. docs/performance.md says how the figures
of issue 17 were found with it.
"""
import argparse
import collections
import os
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNBASE = 0xC0000000

GDB_SCRIPT = r'''
import gdb, json, os
gdb.execute("set pagination off")
gdb.execute("macro define current (cpus[$_thread - 1].running)")
gdb.execute("target remote :%(port)d")
gdb.execute("break %(start)s")
cond = %(cond)r
if cond:
    gdb.execute("condition 1 " + cond)
for _ in range(%(skip)d + 1):
    gdb.execute("continue", to_string=True)
gdb.execute("delete")
hv, guest = {}, {}
for _ in range(%(steps)d):
    pc = int(gdb.parse_and_eval("$pc")) & 0xffffffff
    if pc >= %(kernbase)d:
        b = gdb.block_for_pc(pc)
        while b is not None and b.function is None:
            b = b.superblock
        name = b.function.name if b is not None else "(asm)"
        hv[name] = hv.get(name, 0) + 1
    else:
        key = "%%d %%x" %% (int(gdb.parse_and_eval("current->id")), pc)
        guest[key] = guest.get(key, 0) + 1
    gdb.execute("stepi", to_string=True)
with open(%(out)r, "w") as f:
    json.dump({"hv": hv, "guest": guest}, f)
gdb.execute("kill")
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--start", required=True, help="hypervisor function to stop at")
    ap.add_argument("--skip", type=int, default=0, help="hits to let pass first")
    ap.add_argument("--steps", type=int, default=1000, help="instructions to count")
    ap.add_argument("--cond", default="", help="gdb condition on the breakpoint")
    ap.add_argument("--hv", default=os.path.join(TOP, "build", "sharevisor.elf"))
    ap.add_argument("--append", default="", help="the hypervisor's command line")
    ap.add_argument("--top", type=int, default=40, help="rows to print")
    ap.add_argument("modules", nargs="+", help="ELF and arguments, modules separated by ','")
    a = ap.parse_args()

    mods, cur = [], []
    for w in a.modules + [","]:
        if w == ",":
            if cur:
                mods.append(cur)
            cur = []
        else:
            cur.append(w)
    elves = [m[0] for m in mods]            # domain i is module i
    initrd = ",".join(" ".join(m).replace(",", ",,") for m in mods)
    port = free_port()
    out = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
    script = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)
    script.write(GDB_SCRIPT % {"port": port, "start": a.start, "cond": a.cond, "skip": a.skip,
                               "steps": a.steps, "kernbase": KERNBASE, "out": out})
    script.close()
    qemu = subprocess.Popen(
        ["qemu-system-i386", "-m", "32M", "-display", "none", "-monitor", "none",
         "-serial", "null", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
         "-icount", "shift=0,sleep=off", "-kernel", a.hv, "-append", a.append,
         "-initrd", initrd, "-gdb", "tcp::%d" % port, "-S"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        subprocess.run(["gdb", "-batch", "-nx", "-ex", "file " + a.hv, "-x", script.name],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=3600)
    finally:
        qemu.kill()
        os.unlink(script.name)
    import json
    try:
        with open(out) as f:
            data = json.load(f)
    except (OSError, ValueError):
        sys.exit("stepprof: gdb stopped early (did the run reach %s %d times?)"
                 % (a.start, a.skip + 1))
    finally:
        os.unlink(out)

    tally = collections.Counter({"hypervisor " + k: v for k, v in data["hv"].items()})
    by_dom = collections.defaultdict(dict)
    for key, n in data["guest"].items():
        dom, pc = key.split()
        by_dom[int(dom)][int(pc, 16)] = n
    for dom, pcs in by_dom.items():
        elf = elves[dom] if dom < len(elves) else None
        names = ["?"] * len(pcs)
        if elf:
            res = subprocess.run(["addr2line", "-f", "-e", elf] + ["%x" % p for p in pcs],
                                 stdout=subprocess.PIPE, text=True).stdout.split("\n")
            names = res[0::2]
        for (pc, n), name in zip(pcs.items(), names):
            tally["domain %d %s" % (dom, name)] += n
    total = sum(tally.values())
    print("%d instructions from hit %d of %s%s" % (
        total, a.skip + 1, a.start, " (%s)" % a.cond if a.cond else ""))
    sums = collections.Counter()
    for k, n in tally.items():
        sums[k.rsplit(" ", 1)[0]] += n
    print("  " + ", ".join("%s %d" % kv for kv in sorted(sums.items())))
    for k, n in tally.most_common(a.top):
        print("%7d  %s" % (n, k))


if __name__ == "__main__":
    main()
