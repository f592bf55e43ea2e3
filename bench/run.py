#!/usr/bin/env python3
"""bench/run.py: the Sharevisor benchmarks (run by `make bench`).

Primary figures: bench guests booted under QEMU -icount shift=0,sleep=off,
where one TSC tick is one guest instruction, so every figure is an exact,
repeatable path length in instructions (hypervisor and guests together).
Each figure is the median of the guest's samples; the icount boots are
repeated RUNS times to show the figures do not move. Ratios are to
baselines measured in the same guest in the same run (function call,
memcpy). A second run under plain TCG gives emulated wall-clock ticks
(the host's TSC rate: emulation speed, not real hardware). With KVM=1 on
a machine with hardware virtualization the same figures are cycles.

Also writes build/bench.json. Linux's own figures, measured in the same
emulator and mode, come from ../shared/peer-linux/README.md if present.

Usage: bench/run.py [RUNS] [--quick]     (--quick: few samples, one boot,
                                           no TCG run; for make test)
"""
import json
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HV = os.path.join(TOP, "build", "sharevisor.elf")
BASE = ["qemu-system-i386", "-m", "32M", "-display", "none", "-monitor", "none",
        "-serial", "stdio", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
MODES = {
    "icount": ["-icount", "shift=0,sleep=off", "-rtc", "clock=vm,base=2026-01-01T00:00:00"],
    "tcg": ["-accel", "tcg"],
    "kvm": ["-accel", "kvm", "-cpu", "host"],
}
# (configuration, [(guest, module arguments)])
CONFIGS = {
    "hcbench": [("hcbench", "name=hcbench")],
    "lanbench": [("lanbench", "name=ping role=ping"), ("lanbench", "name=echo role=echo")],
    "msgbench": [("../guests/msgns", "name=ns"), ("msgbench", "name=echo role=echo"),
                 ("msgbench", "name=ping role=ping")],
    "filebench": [("../guests/msgns", "name=ns"), ("../guests/fileserver", "name=fileserver exit_after_clients=1"),
                  ("filebench", "name=filebench")],
    "fpubench": [("fpubench", "name=ping role=ping"), ("fpubench", "name=echo role=echo")],
    "fpubench-lazy": [("fpubench", "name=ping role=ping"), ("fpubench", "name=echo role=echo")],
}
# Configurations booted with a hypervisor command line; their figures get
# the suffix, e.g. switch_fpu_lazy.
HV_ARGS = {"fpubench-lazy": ("fpu=lazy", "_lazy")}
# Configurations booted on several CPUs (QEMU -smp), figures suffixed:
# ping and echo pinned to different CPUs, every round trip crosses.
CONFIGS["lanbench-smp2"] = [("lanbench", "name=ping role=ping cpu=0"),
                            ("lanbench", "name=echo role=echo cpu=1")]
SMP_CONFIGS = {"lanbench-smp2": (2, "_smp2")}
ROWS = [  # (figure, what it is, baseline figure or None)
    ("function_call", "call of an empty function (baseline)", None),
    ("memcpy_64", "memcpy 64 B in a guest (baseline)", None),
    ("memcpy_1024", "memcpy 1 KiB in a guest (baseline)", None),
    ("memcpy_4096", "memcpy 4 KiB in a guest (baseline)", None),
    ("memcpy_65536", "memcpy 64 KiB in a guest (baseline)", None),
    ("null_hypercall", "null hypercall round trip", "function_call"),
    ("event_self", "event to self, upcall and return", "function_call"),
    ("yield_alone", "yield with nobody else runnable", "function_call"),
    ("event_latency", "trigger in one guest -> upcall in the other", "function_call"),
    ("switch_plain", "yield to another domain and back: 2 switches, no FPU use", "yield_alone"),
    ("switch_fpu", "the same, both domains using the FPU (eager, the default)", "switch_plain"),
    ("switch_plain_lazy", "2 switches, no FPU use, with fpu=lazy", "switch_plain"),
    ("switch_fpu_lazy", "2 switches, both using the FPU, with fpu=lazy", "switch_fpu"),
    ("device_query", "device query (state only)", "null_hypercall"),
    ("device_grab_release", "grab an idle COM2 and release it", "null_hypercall"),
    ("com2_outb_owner", "outb to COM2 by its owner (passthrough)", "null_hypercall"),
    ("sg_xfer_4096", "sg_xfer 4 KiB (bulk)", "memcpy_4096"),
    ("sg_xfer_65536", "sg_xfer 64 KiB (bulk)", "memcpy_65536"),
    ("rtt_64", "ping-pong round trip, 64 B", "memcpy_64"),
    ("rtt_1024", "ping-pong round trip, 1 KiB", "memcpy_1024"),
    ("rtt_4096", "ping-pong round trip, 4 KiB", "memcpy_4096"),
    ("rtt_65536", "ping-pong round trip, 64 KiB", "memcpy_65536"),
    ("rtt_64_smp2", "ping-pong round trip, 64 B, ping and echo on two CPUs", "rtt_64"),
    ("event_latency_smp2", "trigger -> upcall, the two on two CPUs", "event_latency"),
    ("msg_rtt_64", "msg transport round trip, 64 B", "rtt_64"),
    ("msg_rtt_1024", "msg transport round trip, 1 KiB", "rtt_1024"),
    ("msg_rtt_8192", "msg transport round trip, 8 KiB", "memcpy_4096"),
    ("msg_connect", "msg connect + close, introducer included", "null_hypercall"),
    ("p9_read_iounit", "9P Tread of one iounit (32744 B) and its Rread", "msg_rtt_8192"),
    ("file_read_big", "9P read of a 100 KiB file: walk, open, 5 reads, clunk", "memcpy_65536"),
    ("file_read_64k", "9P file read, per 64 KiB", "memcpy_65536"),
]
LINUX = [  # (our figure, Linux metric in peer-linux's table, what)
    ("null_hypercall", "syscall_getppid_cyc", "getppid"),
    ("rtt_64", "pipe_rt_64B_cyc", "pipe round trip 64 B"),
    ("rtt_64", "futex_rt_cyc", "futex ping-pong"),
    ("msg_rtt_64", "pipe_rt_64B_cyc", "pipe round trip 64 B (msg)"),
    ("sg_xfer_65536", "pipe_bulk_64K_cyc (per 64 KiB)", "pipe bulk per 64 KiB"),
    ("file_read_64k", "pipe_bulk_64K_cyc (per 64 KiB)", "pipe bulk per 64 KiB (9P)"),
]


def boot(config, mode, extra_args=""):
    mods = ",".join(("%s %s %s" % (os.path.join(TOP, "build", "bench", g + ".elf"), a,
                                   extra_args)).replace(",", ",,")
                    for g, a in CONFIGS[config])
    hv_args, suffix = HV_ARGS.get(config, ("", ""))
    cpus, smp_suffix = SMP_CONFIGS.get(config, (1, ""))
    suffix += smp_suffix
    p = subprocess.run(["qemu-system-i386"] + BASE[1:] + MODES[mode] + ["-smp", str(cpus)] +
                       ["-kernel", HV, "-append", hv_args, "-initrd", mods],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = p.stdout.decode("latin-1")
    if p.returncode != 1:     # (0 << 1) | 1: the hypervisor's exit status 0
        sys.exit("bench: %s under %s failed (QEMU exit %d):\n%s"
                 % (config, mode, p.returncode, out[-3000:]))
    return {m.group(1) + suffix: [int(x) for x in m.group(2, 3, 4)]
            for m in re.finditer(r"^\[\w+\] BENCH (\w+) (\d+) (\d+) (\d+)", out, re.M)}


def measure(mode, runs, extra_args=""):
    """All figures under mode; True if every boot gave the same figures."""
    figures, stable = {}, True
    for config in CONFIGS:
        results = [boot(config, mode, extra_args) for _ in range(runs)]
        stable &= all(r == results[0] for r in results)
        figures.update(results[0])
    return figures, stable


PROFILE_DIR = os.path.join(TOP, "build", "profile")
PROFILE_ROUNDS = 101


def profile_rtt64():
    """One 64-byte round trip broken down by stage: the profiling build
    (make PROFILE=1, kernel/profile.h) boots lanbench with size=64, and
    every stage of every hypercall on the path is divided by the rounds.
    Returns (stages, rows, guest, rtt): rows are (op, calls, [per stage])
    per round trip, for the ops made at least once a round."""
    subprocess.run(["make", "-s", "PROFILE=1", "build/profile/sharevisor.elf",
                    "build/profile/bench/lanbench.elf"], cwd=TOP, check=True,
                   stdout=subprocess.DEVNULL)     # errors still show (stderr)
    elf = os.path.join(PROFILE_DIR, "bench", "lanbench.elf")
    mods = "%s name=ping role=ping size=64 rounds=%d,%s name=echo role=echo" % (
        elf, PROFILE_ROUNDS, elf)
    p = subprocess.run(["qemu-system-i386"] + BASE[1:] + MODES["icount"] +
                       ["-kernel", os.path.join(PROFILE_DIR, "sharevisor.elf"), "-initrd", mods],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = p.stdout.decode("latin-1").replace("\r", "")
    head = re.search(r"^profile: op calls (.*)$", out, re.M)
    guest = re.search(r"^profile: guest (\d+) (\d+)$", out, re.M)
    rtt = re.search(r"^\[ping\] BENCH rtt_64 (\d+)", out, re.M)
    if p.returncode != 1 or not head or not guest or not rtt:
        sys.exit("bench: the profiling run failed (QEMU exit %d):\n%s" % (p.returncode, out[-3000:]))
    stages = head.group(1).split()[1:-1]          # without "guest" and "idle"
    rows = []
    for m in re.finditer(r"^profile: (\w+) (\d+) (.*)$", out, re.M):
        if m.group(1) in ("op", "guest") or int(m.group(2)) < PROFILE_ROUNDS:
            continue
        vals = [int(v) for v in m.group(3).split()]
        rows.append((m.group(1), int(m.group(2)) / PROFILE_ROUNDS,
                     [v / PROFILE_ROUNDS for v in vals[1:-1]]))
    return stages, rows, int(guest.group(1)) / PROFILE_ROUNDS, int(rtt.group(1))


def print_profile(stages, rows, guest, rtt_profiled, rtt):
    print("One 64-byte round trip (rtt_64) by stage, instructions per round trip "
          "(make PROFILE=1, marks taken off; kernel/profile.h):")
    print("  %-14s %5s" % ("hypercall", "calls") + "".join(" %8s" % s for s in stages) +
          " %8s" % "total")
    total = 0.0
    for op, calls, vals in rows:
        total += sum(vals)
        print("  %-14s %5.1f" % (op, calls) + "".join(" %8.0f" % v for v in vals) +
              " %8.0f" % sum(vals))
    sums = [sum(r[2][i] for r in rows) for i in range(len(stages))]
    print("  %-14s %5s" % ("all", "") + "".join(" %8.0f" % v for v in sums) + " %8.0f" % total)
    print("  in the guests between traps (library, bench loop, trap entry and iret): about %.0f"
          % guest)
    print("  rtt_64: %d in this build, %s in the normal one" % (rtt_profiled, rtt))


def linux_peer():
    """peer-linux's icount column: {metric: value}."""
    path = os.path.join(TOP, "..", "shared", "peer-linux", "README.md")
    table = {}
    if os.path.exists(path):
        for line in open(path):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 4 and "_cyc" in cells[0]:
                try:
                    table[cells[0]] = float(cells[3])
                except ValueError:
                    pass
    return table


def table(title, fig, unit):
    print(title)
    print("  %-62s %8s %8s %8s %10s" % ("operation", "median", "min", "max", "x baseline"))
    for name, what, base in ROWS:
        if name not in fig:
            continue
        med, lo, hi = fig[name]
        ratio = "%10.2f" % (med / fig[base][0]) if base and fig.get(base, [0])[0] else "%10s" % "-"
        print("  %-62s %8d %8d %8d %s" % (what + " [" + name + "]", med, lo, hi, ratio))
    print("  (%s; baselines measured in the same guest in the same run)" % unit)


# Aggregate throughput of two LAN ping/pong pairs (guests/ping.c and
# pong.c, 2000 frames of 1 to 4080 bytes each, checksummed) on one CPU,
# and on two with each pair on its own CPU; emulated time under TCG, where
# QEMU runs each vCPU in a host thread of its own (MTTCG).
PAIR_FRAMES = 2000


def pairs_throughput(cpus, mode="tcg"):
    """Frames per million TSC ticks, summed over the two pairs."""
    guests = os.path.join(TOP, "build", "guests")
    pin = (lambda n: " cpu=%d" % n) if cpus > 1 else (lambda n: "")
    mods = [("lanctl", "name=lanctl lan=p1,q1,p2,q2"),
            ("ping", "name=p1 lan=32 peer=q1 count=%d%s" % (PAIR_FRAMES, pin(0))),
            ("ping", "name=p2 lan=32 peer=q2 count=%d%s" % (PAIR_FRAMES, pin(1))),
            ("pong", "name=q1 lan=32%s" % pin(0)),
            ("pong", "name=q2 lan=32%s" % pin(1))]
    initrd = ",".join(("%s %s" % (os.path.join(guests, g + ".elf"), a)).replace(",", ",,")
                      for g, a in mods)
    p = subprocess.run(["qemu-system-i386"] + BASE[1:] + MODES[mode] + ["-smp", str(cpus)] +
                       ["-kernel", HV, "-initrd", initrd],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = p.stdout.decode("latin-1")
    got = re.findall(r"^\[(p\d)\] exchange: (\d+) frames back in (\d+) TSC ticks", out, re.M)
    if p.returncode != 1 or len(got) != 2:
        sys.exit("bench: two pairs on %d CPU(s) failed (QEMU exit %d):\n%s"
                 % (cpus, p.returncode, out[-3000:]))
    return sum(int(n) * 1e6 / int(t) for _, n, t in got)


REMOTE_FRAMES = 200


def rtt_us(log):
    """The median round trip ping reports, in microseconds (the TSC's
    rate from the hypervisor's own boot line)."""
    khz = re.search(r"^clock: TSC at (\d+) kHz", log, re.M)
    rtt = re.search(r"^\[ping\] round trip \(TSC ticks\): min \d+, median (\d+)", log, re.M)
    if not khz or not rtt:
        sys.exit("bench: no round trip or TSC rate in:\n%s" % log[-3000:])
    return int(rtt.group(1)) * 1000.0 / int(khz.group(1))


def one_machine(mods):
    """Boot mods ("PATH ARGS" each) on one machine under TCG: its console."""
    p = subprocess.run(["qemu-system-i386"] + BASE[1:] + MODES["tcg"] +
                       ["-kernel", HV, "-initrd", ",".join(m.replace(",", ",,") for m in mods)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    return p.stdout.decode("latin-1").replace("\r", "")


def two_machines(a, b):
    """Boot machines A and B (their modules) on one wire (tools/remote.py):
    A's console."""
    logdir = os.path.join(TOP, "build", "bench-remote")
    p = subprocess.run([sys.executable, os.path.join(TOP, "tools", "remote.py"), "--hv", HV,
                        "--log-dir", logdir, "--machine", "A"] + a + ["--machine", "B"] + b,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    if p.returncode:
        sys.exit("bench: the two machines failed:\n%s" % p.stdout.decode()[-3000:])
    return open(os.path.join(logdir, "A.log"), encoding="latin-1").read().replace("\r", "")


def guest(name, args):
    return "%s %s" % (os.path.join(TOP, "build", "guests", name + ".elf"), args)


def lan_rtt_64(remote):
    """ping's median round trip for 64-byte LAN frames (12 bytes of
    ping's header, 52 of data), under TCG: ping and pong on one machine,
    or (remote) on two machines joined by the wire, each with its bridge."""
    ping = guest("ping", "name=ping lan=32 peer=pong count=%d size=52" % REMOTE_FRAMES)
    pong = guest("pong", "name=pong lan=32")
    if not remote:
        return rtt_us(one_machine([guest("lanctl", "name=lanctl lan=ping,pong"), ping, pong]))
    machine = lambda n, app: [
        guest("lanctl", "name=lanctl lan=%s,bridge%d" % ("ping" if n == 1 else "pong", n)),
        app, guest("bridge", "name=bridge%d lan=32 machine=%d" % (n, n))]
    return rtt_us(two_machines(machine(1, ping), machine(2, pong)))


FILE_ROUNDS = 11


def bench_us(log, name, who):
    """Figure name ([who] BENCH name median ...) in microseconds."""
    khz = re.search(r"^clock: TSC at (\d+) kHz", log, re.M)
    fig = re.search(r"^\[%s\] BENCH %s (\d+)" % (who, name), log, re.M)
    if not khz or not fig:
        sys.exit("bench: no %s or TSC rate in:\n%s" % (name, log[-3000:]))
    return int(fig.group(1)) * 1000.0 / int(khz.group(1))


def file_read_64k_us(remote):
    """9P read time per 64 KiB (filebench's file_read_64k) under TCG: the
    server on the same machine, or (remote) on another, through both
    gateways, bridges and NE2000s (guests/gateway.c)."""
    fb = "%s name=filebench rounds=%d" % (os.path.join(TOP, "build", "bench", "filebench.elf"),
                                          FILE_ROUNDS)
    fs = guest("fileserver", "name=fileserver exit_after_clients=1")
    if not remote:
        log = one_machine([guest("msgns", "name=ns"), fs, fb])
    else:
        machine = lambda n, app: [
            guest("msgns", "name=ns lan=gw%d,bridge%d" % (n, n)), app,
            guest("gateway", "name=gw%d lan=33 circuits=1 mem=2M" % n),
            guest("bridge", "name=bridge%d lan=33 machine=%d" % (n, n))]
        log = two_machines(machine(1, fb), machine(2, fs))
    return bench_us(log, "file_read_64k", "filebench")


def main():
    quick = "--quick" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--quick"]
    runs = 1 if quick else int(args[0]) if args else 3
    extra = "rounds=11" if quick else ""
    result = {"icount": {}, "linux_peer_icount": {}}

    fig, stable = measure("icount", runs, extra)
    result["icount"] = fig
    table("Sharevisor under QEMU -icount shift=0 (instructions, median of %s samples)"
          % ("11" if quick else "101"), fig, "exact path lengths")
    print("  %d boot(s) per configuration: figures %s" % (
        runs, "identical in every boot" if stable else "DIFFER between boots"))

    if not quick:
        prof = profile_rtt64()
        print_profile(*prof[:3], prof[3], fig.get("rtt_64", ["?"])[0])
        result["profile_rtt_64"] = {"stages": prof[0], "guest": prof[2],
                                    "ops": {op: {"calls": c, "per_stage": v}
                                            for op, c, v in prof[1]}}

    peer = linux_peer()
    rows = [(ours, metric, what) for ours, metric, what in LINUX if metric in peer and ours in fig]
    if rows:
        print("Linux 6.1 in the same emulator and mode (../shared/peer-linux):")
        for ours, metric, what in rows:
            result["linux_peer_icount"][metric] = peer[metric]
            print("  %-30s %10.1f   Sharevisor %-14s %8d   ratio %.2f"
                  % (what, peer[metric], ours, fig[ours][0], fig[ours][0] / peer[metric]))

    if not quick:
        mode = "kvm" if os.environ.get("KVM") == "1" else "tcg"
        fig2, _ = measure(mode, 1)
        result[mode] = fig2
        table("Sharevisor under QEMU %s: %s" % (mode.upper(), "cycles" if mode == "kvm" else
              "emulated time, host TSC ticks (emulation speed, not hardware)"), fig2,
              "cycles" if mode == "kvm" else "emulated time")
        # Median of three boots each: TCG time depends on the host's load.
        one = sorted(pairs_throughput(1) for _ in range(3))[1]
        two = sorted(pairs_throughput(2) for _ in range(3))[1]
        result["pairs_throughput"] = {"one_cpu": one, "two_cpus": two, "ratio": two / one}
        print("Two LAN ping/pong pairs, %d frames each, under QEMU TCG (emulated time; MTTCG: "
              "a host thread per vCPU):" % PAIR_FRAMES)
        print("  one CPU: %.1f frames per million TSC ticks; two CPUs, a pair on each: %.1f; "
              "ratio %.2f" % (one, two, two / one))
        # Median of three runs each: TCG time is the host's.
        local = sorted(lan_rtt_64(False) for _ in range(3))[1]
        remote = sorted(lan_rtt_64(True) for _ in range(3))[1]
        result["remote"] = {"lan_rtt_64_us": local, "remote_rtt_64_us": remote,
                            "ratio": remote / local}
        print("LAN round trip of a 64-byte frame, ping to pong and back, under QEMU TCG "
              "(emulated time = host time: each machine a QEMU process, the wire a UDP hub "
              "on localhost; median of %d frames, median of 3 runs):" % REMOTE_FRAMES)
        print("  one machine: %.0f us; two machines, through both bridges, NE2000s and the "
              "wire: %.0f us; ratio %.1f" % (local, remote, remote / local))
        f_local = sorted(file_read_64k_us(False) for _ in range(3))[1]
        f_remote = sorted(file_read_64k_us(True) for _ in range(3))[1]
        result["remote"].update({"file_read_64k_us": f_local,
                                 "remote_file_read_64k_us": f_remote})
        print("9P read of 64 KiB (filebench's file_read_64k, median of %d rounds, median of 3 "
              "runs), TCG:" % FILE_ROUNDS)
        print("  server on the same machine: %.0f us (%.1f MB/s); on another, through both "
              "gateways, bridges and NE2000s: %.0f us (%.1f MB/s); ratio %.1f"
              % (f_local, 65536 / f_local, f_remote, 65536 / f_remote, f_remote / f_local))

    out = os.path.join(TOP, "build", "bench.json")
    with open(out, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
    print("written: %s" % os.path.relpath(out, TOP))


if __name__ == "__main__":
    main()
