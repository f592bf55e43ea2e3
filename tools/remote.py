#!/usr/bin/env python3
"""
remote.py: boot several Sharevisor machines at once, each a QEMU with an
NE2000, on one wire (tests/wirehub.py, a UDP repeater hub), and show
their consoles side by side, each line with its machine's name. `make
run-remote` uses it (docs/remote.md).

    tools/remote.py --hv build/sharevisor.elf [--append ARGS] \
        --machine A "build/guests/lanctl.elf name=lanctl lan=ping,bridge1" ... \
        --machine B ...

Each --machine is a name and its modules (an ELF path and its command
line, as one word each). The exit status is 0 if every machine powered
off with status 0.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests"))
import wirehub  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--hv", required=True)
    ap.add_argument("--append", default="", help="the hypervisor's command line")
    ap.add_argument("--machine", nargs="+", action="append", required=True,
                    metavar=("NAME", "MODULE"))
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--log-dir", help="keep each machine's console here (NAME.log)")
    args = ap.parse_args()

    hub = wirehub.WireHub(len(args.machine))
    hub.start()
    workdir = args.log_dir or tempfile.mkdtemp(prefix="sv-remote.")
    os.makedirs(workdir, exist_ok=True)
    procs, logs, names = [], [], []
    width = max(len(m[0]) for m in args.machine)
    for i, (name, *mods) in enumerate(args.machine):
        log = os.path.join(workdir, "%s.log" % name)
        open(log, "w").close()
        procs.append(subprocess.Popen(hub.qemu_cmd(i, args.hv, args.append, mods, log),
                                      stdout=subprocess.DEVNULL))
        logs.append(open(log, "rb"))
        names.append(name)
    print("%d machines on one wire (a UDP hub on 127.0.0.1:%d); consoles follow, each "
          "line with its machine's name" % (len(procs), hub.port))
    partial = [b""] * len(procs)
    deadline = time.time() + args.timeout

    def drain():
        for i, f in enumerate(logs):
            partial[i] += f.read()
            *lines, partial[i] = partial[i].split(b"\n")
            for line in lines:
                text = line.decode("latin-1").replace("\r", "")
                if text.strip():
                    print("%-*s | %s" % (width, names[i], text))
        sys.stdout.flush()

    while any(p.poll() is None for p in procs) and time.time() < deadline:
        drain()
        time.sleep(0.05)
    drain()
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    hub.stop()
    ok = True
    for i, f in enumerate(logs):
        f.seek(0)
        found = re.findall(rb"^sharevisor: exit status (\d+)", f.read(), re.M)
        status = int(found[-1]) if found else None
        print("%s: exit status %s" % (names[i], status))
        ok &= status == 0
    print("wire: %s frames sent by each machine" % hub.frames)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
