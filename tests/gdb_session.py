#!/usr/bin/env python3
"""tests/gdb_session.py: an automated gdb session (run by tests/run.py).

Boots the LAN demo (ping count=3) in QEMU halted with a gdb stub on a free
port, and runs gdb in batch mode with the .gdbinit that `make qemu-gdb`
would write (tools/gdbinit.tmpl) and tests/gdb/session.gdb: a breakpoint
in the sg copy (share/sg.c copy_sg) and one in pong's lan_recv, backtraces
across the hypercall, a few steps, and every sv-* command. Then it checks
gdb's output against what the guests print on the serial console, and that
the run still ends with status 0. One verdict line: PASS or FAIL.

Usage: tests/gdb_session.py [-v]   (-v: print gdb's output)
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(TOP, "build")
HV = os.path.join(BUILD, "sharevisor.elf")
GUESTS = [("lanctl", "name=lanctl lan=ping,pong"),
          ("ping", "name=ping lan=32 peer=pong count=3"),
          ("pong", "name=pong lan=32")]
TIMEOUT = 60
LAN_HDR = 4          # guests/lib/lan.h: struct lan_hdr
MSG_HDR = 12         # guests/ping.c: struct msg before its data


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    """Is something listening on this TCP port (QEMU's gdb stub)?"""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            if state == "0A" and int(local.split(":")[1], 16) == port:
                return True
    return False


def gdbinit(port):
    guests = "\n".join("sv-guest %s build/guests/%s.elf" % (g, g) for g, _ in GUESTS)
    text = open(os.path.join(TOP, "tools", "gdbinit.tmpl")).read()
    return (text.replace("@GDBPORT@", str(port)).replace("@HV@", "build/sharevisor.elf")
            .replace("@GUESTS@", guests))


def sections(out):
    """gdb's output cut at the '=== name' lines of session.gdb."""
    parts, name = {}, "start"
    for line in out.splitlines():
        m = re.match(r"^=== (\S+)$", line)
        if m:
            name = m.group(1)
            parts[name] = ""
        else:
            parts[name] = parts.get(name, "") + line + "\n"
    return parts


def check(out, log, qemu_rc):
    """Every failure found, as sentences."""
    errors = []

    def expect(cond, message):
        if not cond:
            errors.append(message)

    s = sections(out)
    for name in ("xfer", "step", "recv", "sv-domains", "sv-shares", "sv-watches", "sv-sg",
                 "sv-events", "sv-devices", "sv-fpu", "end"):
        expect(name in s, "gdb never reached section %s" % name)
    expect(re.search(r"^Breakpoint 1, copy_sg \(", out, re.M), "the breakpoint in copy_sg was not hit")
    expect(re.search(r"^Breakpoint 2, lan_recv \(", out, re.M),
           "the breakpoint in pong's lan_recv was not hit")

    # What ping says it sends: its first frame has the smallest size.
    m = re.search(r"^\[ping\] sending (\d+) frames of (\d+) to \d+ bytes to pong \(station (\d+)\)",
                  log, re.M)
    expect(m, "ping did not print its 'sending' line")
    count, first, station = (int(g) for g in m.groups()) if m else (3, 1, 1)
    xfer, recv = s.get("xfer", ""), s.get("recv", "")
    expect(re.search(r"^\$1 = %d$" % (LAN_HDR + MSG_HDR + first), xfer, re.M),
           "copy_sg's byte count is not %d (header + ping's first frame)"
           % (LAN_HDR + MSG_HDR + first))
    # bt in the hypervisor goes on through the trap frame into ping.
    frames = re.findall(r"^#\d+\s+(?:0x[0-9a-f]+ in )?(\w+) ", xfer, re.M)
    for fn in ("copy_sg", "sg_xfer", "hypercall", "hypercall_trap", "hypercall_common",
               "sv_sg_xfer", "send_one", "main"):
        expect(fn in frames, "bt in copy_sg does not show %s: %s" % (fn, frames))
    expect(re.search(r"^#\d+ .* main \(.*\) at guests/ping\.c:\d+", xfer, re.M),
           "bt in copy_sg does not end in ping's main (guests/ping.c)")
    expect("hypercall sg_xfer (op 25)" in xfer or "(op 25)" in xfer,
           "sv-trap does not name the sg_xfer hypercall")
    expect(re.search(r"^\$2 = %d$" % LAN_HDR, s.get("step", ""), re.M),
           "after stepping, copy_sg's first chunk is not the %d-byte LAN header" % LAN_HDR)
    expect(re.search(r"^#0\s+lan_recv .* at guests/lib/lan\.c", recv, re.M) and
           re.search(r"^#1\s+0x[0-9a-f]+ in main .* at guests/pong\.c", recv, re.M),
           "bt in pong's lan_recv does not show pong's main")
    expect(re.search(r"^\$3 = 4092$", recv, re.M), "lan_recv's max is not sizeof(pong's msg)")
    expect(re.search(r"^Value returned is \$4 = %d$" % (MSG_HDR + first), recv, re.M),
           "lan_recv did not return ping's first frame (%d bytes)" % (MSG_HDR + first))

    # The helper commands, against the console.
    doms = s.get("sv-domains", "")
    # lanctl and ping are usually blocked here, but either may still be
    # runnable (preempted before it blocked): only pong's state is sure.
    for domid, name, state, note in ((0, "lanctl", "(?:blocked|runnable)", "privileged"),
                                     (1, "ping", "(?:blocked|runnable)", ""),
                                     (2, "pong", "runnable", "current")):
        expect(re.search(r"^%d\s+%s\s+%s\s+\d+\s+%s" % (domid, name, state, note), doms, re.M),
               "sv-domains does not show domain %d %s %s %s" % (domid, name, state, note))
        expect(re.search(r"^\s+%d %s\s+exited with status 0$" % (domid, name), log, re.M),
               "the final report does not show domain %d %s" % (domid, name))
    shares = s.get("sv-shares", "")
    expect(re.search(r"^share 32: 1 pages from frame 0x[0-9a-f]+, granted to 0x6$", shares, re.M),
           "sv-shares does not show share 32 granted to ping and pong")
    expect(re.search(r"^  peer %d: domain 2 \(pong\), port \d+, mapped at 0x10000000$" % station,
                     shares, re.M),
           "sv-shares does not show pong as peer %d (ping's station) mapped at 0x10000000"
           % station)
    expect(re.search(r"^  peer \d: domain 1 \(ping\), port \d+, mapped at 0x10000000$", shares,
                     re.M), "sv-shares does not show ping's peer")
    watches = s.get("sv-watches", "")
    for dom in ("1 (ping)", "2 (pong)"):
        for off in (0, 4):
            expect(re.search(r"^domain %s: share 32 offset %d, counter at 0x00[0-9a-f]{6}$"
                             % (re.escape(dom), off), watches, re.M),
                   "sv-watches lacks domain %s's watch at offset %d" % (dom, off))
    expect("4 watches" in watches, "sv-watches does not count 4 watches")
    sg = s.get("sv-sg", "")
    ping_lists = re.findall(r"^domain 1 \(ping\): share 32 in handle 0x[0-9a-f]+ #\d+, "
                            r"4096 bytes in 1 segment: 0x[0-9a-f]+\+4096$", sg, re.M)
    expect(len(ping_lists) == 8, "sv-sg shows %d of ping's 8 receive buffers" % len(ping_lists))
    expect(re.search(r"^domain 2 \(pong\): share 32 in ", sg, re.M), "sv-sg shows no list of pong")
    events = s.get("sv-events", "")
    for dom in ("0 (lanctl)", "1 (ping)", "2 (pong)"):
        expect(re.search(r"^domain %s: pending [-\d ]+; masked [-\d ]+; upcalls (on|masked); "
                         r"callback 0x4[0-9a-f]{5}$" % re.escape(dom), events, re.M),
               "sv-events does not show domain %s" % dom)
    # The port table: the timer and domain-exit ports in every domain, and
    # LAN_PORT (3) bound to the LAN share (32) in ping and pong.
    for dom, bound in (("0 (lanctl)", "0 timer, 1 domain-exit"),
                       ("1 (ping)", "0 timer, 1 domain-exit, 3 share 32"),
                       ("2 (pong)", "0 timer, 1 domain-exit, 3 share 32")):
        expect(re.search(r"^domain %s: .*\n  bound: %s$" % (re.escape(dom), bound), events,
                         re.M), "sv-events does not show domain %s's ports bound: %s"
               % (dom, bound))
    # Nobody in the LAN demo owns COM2: idle, its ports closed, and the
    # command agrees with the final report's grant count (0).
    devices = s.get("sv-devices", "")
    expect(re.search(r"^device 0 COM2: idle \(ports 0x2f8-0x2ff, IRQ 3\), slice \d+ ms, "
                     r"grace \d+ ms$", devices, re.M), "sv-devices does not show COM2 idle")
    expect(re.search(r"^  I/O bitmap: ports closed for the running domain 2$", devices, re.M),
           "sv-devices does not show COM2's ports closed while pong runs")
    expect("DISAGREES" not in devices, "sv-devices: the bitmap disagrees with the owner")
    # The demo guests never touch the FPU: each saved state is still the
    # clean start, fninit's words and MXCSR's default; pong runs.
    fpu = s.get("sv-fpu", "")
    expect(re.search(r"^FPU state kept with fxsave, eager switching$", fpu, re.M),
           "sv-fpu does not say fxsave, eager")
    for dom in ("0 (lanctl)", "1 (ping)", "2 (pong)"):
        expect(re.search(r"^domain %s: fcw 0x037f fsw 0x0000 ftw 0x00 mxcsr 0x1f80%s$"
                         % (re.escape(dom), "; its registers are the CPU's now"
                            if dom.startswith("2") else ""), fpu, re.M),
               "sv-fpu does not show domain %s's clean state" % dom)
    expect(re.search(r"^device: COM2: 0 grants, 0 revoked", log, re.M),
           "the report does not count 0 grants of COM2")

    # And the run went on to the end as without gdb.
    expect(re.search(r"^\[ping\] summary: sent %d, received %d, bad 0" % (count, count), log, re.M),
           "ping's summary is missing or wrong")
    expect(re.search(r"^\[pong\] summary: received %d," % count, log, re.M),
           "pong's summary is missing or wrong")
    expect(re.search(r"^sharevisor: exit status 0 \(ok\)$", log, re.M), "no exit status 0")
    expect(qemu_rc == 1, "QEMU exited with %s, not 1 (status 0)" % qemu_rc)
    return errors


def boot_and_attach(gdb_args):
    """Boot the LAN demo (GUESTS) in QEMU halted with a gdb stub on a free
    port, and run gdb in batch mode in the project folder: the .gdbinit
    `make qemu-gdb` would write (it connects), then gdb_args (-x FILE, ...).
    Returns (gdb's output, the serial console as text, QEMU's exit code or
    None if it had to be killed)."""
    work = tempfile.mkdtemp(prefix="sv-gdb.")
    iso, log, init = (os.path.join(work, f) for f in ("demo.iso", "com1.log", "init.gdb"))
    args = ["tools/mkiso.sh", iso, HV, ""]
    for name, margs in GUESTS:
        args += [os.path.join(BUILD, "guests", name + ".elf"), margs]
    subprocess.run(args, cwd=TOP, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    with open(init, "w") as f:
        f.write(gdbinit(port))
    qemu = subprocess.Popen(["qemu-system-i386", "-accel", "tcg", "-m", "32M", "-display", "none",
                             "-serial", "file:" + log, "-no-reboot", "-monitor", "none",
                             "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                             "-cdrom", iso, "-S", "-gdb", "tcp:127.0.0.1:%d" % port],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    out, qemu_rc = "", None
    try:
        deadline = time.time() + 10
        while not listening(port) and time.time() < deadline and qemu.poll() is None:
            time.sleep(0.05)
        gdb = subprocess.run(["gdb", "-nx", "-batch", "-x", init] + gdb_args,
                             cwd=TOP, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=TIMEOUT)
        out = gdb.stdout.decode(errors="replace")
        qemu_rc = qemu.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        out += "\n(timed out)"
    finally:
        if qemu.poll() is None:
            qemu.kill()
            qemu.wait()
    text = open(log, "rb").read().decode("latin-1").replace("\r", "") if os.path.exists(log) else ""
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    subprocess.run(["rm", "-rf", work])
    return out, text, qemu_rc


def save_logs(name, out, serial):
    """gdb's output and the serial log, as build/test-logs/NAME.gdb.log and
    NAME.serial.log."""
    os.makedirs(os.path.join(BUILD, "test-logs"), exist_ok=True)
    for suffix, text in ((".gdb.log", out), (".serial.log", serial)):
        with open(os.path.join(BUILD, "test-logs", name + suffix), "w") as f:
            f.write(text)
    print("     logs: build/test-logs/%s.gdb.log, %s.serial.log" % (name, name))


def run(verbose=False):
    """Boot, attach, check; True if everything passed."""
    start = time.time()
    out, text, qemu_rc = boot_and_attach(["-x", os.path.join(TOP, "tests", "gdb", "session.gdb")])
    errors = check(out, text, qemu_rc)
    print("%s gdb session %5.1fs" % ("FAIL" if errors else "PASS", time.time() - start))
    for e in errors:
        print("     " + e)
    if errors or verbose:
        save_logs("gdb-session", out, text)
    if verbose:
        print(out)
    return not errors


if __name__ == "__main__":
    sys.exit(0 if run("-v" in sys.argv[1:]) else 1)
