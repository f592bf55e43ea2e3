#!/usr/bin/env python3
"""tests/run.py: the Sharevisor test harness (run by `make test`).

It runs the host unit tests (build/unit/test_*) and a short seeded run of
the share fuzzer (build/fuzz/fuzz_share, tests/fuzz), then every boot test in
tests/boot_tests.py under QEMU and under Bochs: for each test it builds an
ISO with the test's hypervisor command line and modules, boots it headless
with the serial console captured to a file, enforces a timeout, and checks
the log (the exit status the hypervisor printed, and whatever the test's
check function looks for). One verdict line per test; at the end

    N passed, N failed

and a non-zero exit status if anything failed. The serial logs of failed
runs are kept in build/test-logs/ (all logs with --keep-logs).

--long runs boot_tests.LONG_TESTS instead (make fuzz-guests: many seeds
of the fuzzer guests, and the longest hostile runs), with nothing else.

After the boot tests, tests/gdb_session.py attaches gdb in batch mode to a
halted QEMU booting the LAN demo (breakpoints, bt across a hypercall, the
sv-* commands of tools/gdb/sharevisor.py), then tests/gdb_tour.py sets
every breakpoint of docs/tour.md; `-k gdb` runs only those two.

Usage: tests/run.py [-j JOBS] [-k SUBSTRING] [--emulator qemu|bochs]
                    [--no-unit | --host | --long] [--keep-logs] [--list]
"""
import argparse
import concurrent.futures
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(TOP, "build")
HV = os.path.join(BUILD, "sharevisor.elf")
LOGS = os.path.join(BUILD, "test-logs")
sys.path.insert(0, os.path.join(TOP, "tests"))

import boot_tests  # noqa: E402  (the test definitions)
import wirehub  # noqa: E402  (the wire between machines)
import gdb_session  # noqa: E402  (gdb attached to a halted QEMU)

QEMU_TIMEOUT = 60    # seconds: a backstop; every boot powers off by itself
BOCHS_TIMEOUT = 120
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def clean_log(raw):
    """Serial bytes -> text lines: drop GRUB's terminal escapes and CRs."""
    text = raw.decode("latin-1")
    return ANSI.sub("", text).replace("\r", "")


def exit_status(log):
    """The hypervisor's own verdict: the last 'sharevisor: exit status N'."""
    found = re.findall(r"^sharevisor: exit status (\d+)", log, re.M)
    return int(found[-1]) if found else None


class Run:
    """One boot of one test under one emulator."""

    def __init__(self, test, emulator, cpus=1):
        self.test, self.emulator, self.cpus = test, emulator, cpus
        self.name = "%s [%s%s]" % (test.name, emulator, "" if cpus == 1 else " smp%d" % cpus)
        self.errors = []
        self.log = ""
        self.seconds = 0.0


ISO_LOCKS = {}       # test name -> lock: one ISO per test, shared by emulators


def build_iso(test, workroot):
    """Build the test's ISO once (the QEMU and Bochs runs share it)."""
    with ISO_LOCKS.setdefault(test.name, threading.Lock()):
        isodir = os.path.join(workroot, re.sub(r"\W", "_", test.name))
        iso = os.path.join(isodir, "test.iso")
        if not os.path.exists(iso):
            os.makedirs(isodir, exist_ok=True)
            args = ["tools/mkiso.sh", iso, HV, test.hv_args]
            for path, margs in test.module_files(isodir):
                args += [path, margs]
            p = subprocess.run(args, cwd=TOP, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
            if p.returncode:
                raise RuntimeError("mkiso.sh failed: " + p.stdout.decode()[-2000:])
        return iso


def read_log(path):
    return clean_log(open(path, "rb").read()) if os.path.exists(path) else ""


class Com2Peer:
    """The test's program at the other end of COM2 (Test.com2_peer), run in
    a thread beside the emulator: connect(), with retries while the
    emulator starts, then the peer function. Its result or its error is
    kept for the check."""

    def __init__(self, test, emulator, connect, console_path):
        self.result, self.error = None, None
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       args=(test, emulator, connect, console_path))
        self.thread.start()

    def _run(self, test, emulator, connect, console_path):
        conn = None
        if isinstance(connect, str):    # a peer that connects itself (a Linux VM)
            try:
                self.result = test.com2_peer(connect, lambda: read_log(console_path), emulator)
            except Exception as e:  # noqa: BLE001
                self.error = "COM2 peer: %r" % e
            return
        try:
            for _ in range(400):            # up to 40 s for the emulator to listen
                try:
                    conn = connect()
                    break
                except OSError:
                    time.sleep(0.1)
            if conn is None:
                raise RuntimeError("the emulator's COM2 never accepted a connection")
            self.result = test.com2_peer(conn, lambda: read_log(console_path), emulator)
        except Exception as e:  # noqa: BLE001  (reported as the test's error)
            self.error = "COM2 peer: %r" % e
        finally:
            if conn is not None:
                conn.close()

    def finish(self, errors):
        self.thread.join(timeout=30)
        if self.thread.is_alive():
            errors.append("COM2 peer still running after the emulator stopped")
        elif self.error:
            errors.append(self.error)
        return self.result


def unix_connector(path):
    def connect():
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(path)
        except OSError:
            s.close()
            raise
        return s
    return connect


def tcp_connector(port):
    def connect():
        return socket.create_connection(("127.0.0.1", port), timeout=1)
    return connect


def free_tcp_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NIC_MAC = "52:54:00:12:34:56"   # the NE2000's address in tests with a NIC


def boot_qemu(test, workdir, iso, cpus=1):
    """Returns (COM1 text, errors, COM2 text, COM2 peer's result)."""
    log = os.path.join(workdir, "qemu-com1.log")
    com2 = os.path.join(workdir, "qemu-com2.log")   # the passthrough device
    if test.com2_peer:      # COM2 is a socket, and the test's peer its other end
        sock = os.path.join(workdir, "com2.sock")
        com2_args = ["-chardev", "socket,id=com2,path=%s,server=on,wait=off" % sock,
                     "-serial", "chardev:com2"]
    else:
        com2_args = ["-serial", "file:" + com2]
    cmd = ["qemu-system-i386", "-accel", "tcg", "-m", "%dM" % test.mem_mb,
           "-display", "none", "-serial", "file:" + log] + com2_args + [
           "-no-reboot",
           "-monitor", "none",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-smp", str(cpus)]
    if test.qemu_cpu:
        cmd += ["-cpu", test.qemu_cpu]
    if test.nic == "loop":  # an NE2000 whose wire is a UDP socket that sends to itself
        port = free_udp_port()
        cmd += ["-netdev", "socket,id=n0,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d" % (port, port),
                "-device", "ne2k_isa,netdev=n0,iobase=0x300,irq=10,mac=%s" % NIC_MAC]
    if test.direct:     # QEMU's own Multiboot loader instead of GRUB
        cmd += ["-kernel", HV, "-append", test.hv_args]
        # -initrd separates modules with commas; ",," is a literal comma.
        mods = ",".join(("%s %s" % (p, a)).replace(",", ",,")
                        for p, a in test.module_files(workdir))
        if mods:
            cmd += ["-initrd", mods]
    else:
        cmd += ["-cdrom", iso]
    peer = None
    try:
        p = subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        if test.com2_peer:      # given the socket's path, or connected to it
            peer = Com2Peer(test, "qemu", sock if getattr(test.com2_peer, "wants_path", False)
                            else unix_connector(sock), log)
        _, stderr = p.communicate(timeout=QEMU_TIMEOUT)
        rc = p.returncode
        stderr = stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        rc, stderr = None, ""
    text = read_log(log)
    errors = []
    peer_result = peer.finish(errors) if peer else None
    if rc is None:
        errors.append("timed out after %d s" % QEMU_TIMEOUT)
    elif rc % 2 == 0:
        errors.append("QEMU exited with %d (reset, triple fault or error) %s"
                      % (rc, stderr.strip()))
    elif exit_status(text) is not None and rc >> 1 != exit_status(text):
        errors.append("QEMU's exit code %d does not match the printed status %d"
                      % (rc, exit_status(text)))
    return text, errors, read_log(com2), peer_result


def bochs_exit_message(bdir):
    """Bochs's own reason for stopping ("Bochs is exiting with the
    following message: ..."), or ""."""
    try:
        out = open(os.path.join(bdir, "bochs.out"), errors="replace").read()
    except OSError:
        return ""
    m = re.search(r"following message:\n(.*)", out)
    return m.group(1).strip() if m else ""


def boot_bochs(test, workdir, iso, cpus=1):
    """Returns (COM1 text, errors, COM2 text, COM2 peer's result)."""
    # Bochs sometimes stops before the hypervisor has printed a byte (seen
    # once in CI, 1 s in, with no log kept). Such a run is tried once more,
    # saying so: an early hypervisor crash fails the second time too.
    notes = []
    peer_result, peer_errors = None, []
    for attempt in (1, 2):
        bdir = os.path.join(workdir, "bochs%d" % attempt)
        env = dict(os.environ, BOCHS_QUIET="1", BOCHS_CPUS=str(cpus))
        if test.nic == "null":      # an NE2000 on a wire to nowhere
            env["BOCHS_NE2K"] = "null"
        peer = None
        if test.com2_peer:      # COM2 a TCP server, the test's peer its client
            port = free_tcp_port()
            env["BOCHS_COM2"] = "127.0.0.1:%d" % port
        try:
            p = subprocess.Popen([os.path.join(TOP, "tools/bochs.sh"), iso, bdir,
                                  str(test.mem_mb)], cwd=workdir, env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if test.com2_peer:
                peer = Com2Peer(test, "bochs", tcp_connector(port),
                                os.path.join(bdir, "com1.log"))
            p.wait(timeout=BOCHS_TIMEOUT)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            rc = None
            subprocess.run(["pkill", "-f", bdir + "/bochsrc"])
            p.wait()
        if peer:
            peer_errors = []
            peer_result = peer.finish(peer_errors)
        text = read_log(os.path.join(bdir, "com1.log"))
        if rc is None or text:
            break
        notes.append("bochs stopped before any output (attempt %d): %s"
                     % (attempt, bochs_exit_message(bdir) or "no message"))
    errors = []
    if rc is None:
        errors.append("timed out after %d s" % BOCHS_TIMEOUT)
    elif not text:
        errors += notes
    elif notes:
        print("note: %s [bochs]: %s" % (test.name, notes[0]))
    return text, errors + peer_errors, read_log(os.path.join(bdir, "com2.log")), peer_result


def run_one(run, workroot):
    test = run.test
    workdir = tempfile.mkdtemp(prefix=re.sub(r"\W", "_", run.name) + ".", dir=workroot)
    start = time.time()
    try:
        iso = None if test.direct else build_iso(test, workroot)
        boot = boot_qemu if run.emulator == "qemu" else boot_bochs
        run.log, run.errors, com2, peer = boot(test, workdir, iso, run.cpus)
        status = exit_status(run.log)
        if status is None:
            run.errors.append("no 'sharevisor: exit status' line in the serial log")
        elif status != test.expect_status:
            run.errors.append("exit status %d, expected %d" % (status, test.expect_status))
        # Every run: when the last domain ends, every frame is back.
        leak = re.search(r"^frames: (\d+) free after all domains ended, (\d+) before",
                         run.log, re.M)
        if leak and leak.group(1) != leak.group(2):
            run.errors.append("frames leaked: " + leak.group(0))
        elif not leak and re.search(r"^boot: starting \d+ domains$", run.log, re.M) \
                and status is not None and status != 2:
            run.errors.append("domains ran, but the final frame count is missing")
        ctx = boot_tests.Context(run.log, run.emulator, test.mem_mb, workdir, HV, com2, peer,
                                 run.cpus)
        run.errors += test.check(ctx) or []
    except Exception as e:  # a harness bug must still give a verdict
        run.errors.append("harness error: %r" % e)
    run.seconds = time.time() - start
    shutil.rmtree(workdir, ignore_errors=True)
    return run


class NetRun:
    """One run of a network test (boot_tests.Network): its machines, each
    a QEMU, on one wire (tests/wirehub.py), all at once."""

    def __init__(self, net):
        self.test = net
        self.name = "%s [qemu x%d]" % (net.name, len(net.machines))
        self.errors = []
        self.log = ""
        self.seconds = 0.0


def run_net(run, workroot):
    """Boot every machine of run.test on a fresh hub; act on its events
    (a line on a machine's console that stops that machine dead); check
    each machine's own expectations, then the test's."""
    net = run.test
    start = time.time()
    hub = wirehub.WireHub(len(net.machines), net.reorder_every)
    workdir = tempfile.mkdtemp(prefix=re.sub(r"\W", "_", run.name) + ".", dir=workroot)
    procs, logs = [], []
    try:
        hub.start()
        for i, m in enumerate(net.machines):
            mdir = os.path.join(workdir, "m%d" % i)
            os.makedirs(mdir)
            log = os.path.join(mdir, "com1.log")
            mods = ["%s %s" % (p, a) for p, a in m.module_files(mdir)]
            cmd = hub.qemu_cmd(i, HV, m.hv_args, mods, log, m.mem_mb, m.cpus)
            procs.append(subprocess.Popen(cmd, cwd=mdir, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.PIPE))
            logs.append(log)
        stopped, done = set(), set()
        deadline = time.time() + net.timeout
        while time.time() < deadline and any(p.poll() is None for p in procs):
            events = [("stop", e) for e in net.stop_when] + [("inject", e) for e in net.inject]
            for k, (kind, (watched, pattern, what)) in enumerate(events):
                if k in done or not re.search(pattern, read_log(logs[watched]), re.M):
                    continue
                done.add(k)
                if kind == "stop":
                    procs[what].kill()      # stops dead: no goodbye on the wire
                    hub.cut_off(what)
                    stopped.add(what)
                else:
                    for to, frame in what:
                        hub.inject(frame, to)
            time.sleep(0.05)
        for i, p in enumerate(procs):
            if p.poll() is None:
                p.kill()
                if i not in stopped:
                    run.errors.append("machine %d timed out after %d s" % (i, net.timeout))
            p.wait()
        ctxs = []
        for i, (m, p) in enumerate(zip(net.machines, procs)):
            text = read_log(logs[i])
            run.log += "==== machine %d ====\n%s" % (i, text)
            ctx = boot_tests.Context(text, "qemu", m.mem_mb, workdir, HV, cpus=m.cpus)
            ctxs.append(ctx)
            if i in stopped:
                continue
            status = exit_status(text)
            if status != m.expect_status:
                run.errors.append("machine %d: exit status %s, expected %d"
                                  % (i, status, m.expect_status))
            leak = re.search(r"^frames: (\d+) free after all domains ended, (\d+) before",
                             text, re.M)
            if not leak or leak.group(1) != leak.group(2):
                run.errors.append("machine %d: frames leaked or not counted: %s"
                                  % (i, leak and leak.group(0)))
            run.errors += ["machine %d: %s" % (i, e) for e in (m.check(ctx) or [])]
        run.errors += net.check(ctxs, hub) or []
    except Exception as e:  # a harness bug must still give a verdict
        run.errors.append("harness error: %r" % e)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        hub.stop()
    run.seconds = time.time() - start
    shutil.rmtree(workdir, ignore_errors=True)
    return run


def save_log(run, keep_all):
    if run.errors or keep_all:
        os.makedirs(LOGS, exist_ok=True)
        path = os.path.join(LOGS, re.sub(r"[^\w.-]", "_", run.name) + ".log")
        with open(path, "w") as f:
            f.write(run.log)
        return path
    return None


def run_unit_tests():
    """Each 'ok ...' / 'not ok ...' line of a unit test binary is one test."""
    passed = failed = 0
    unit_dir = os.path.join(BUILD, "unit")
    binaries = sorted(f for f in os.listdir(unit_dir)) if os.path.isdir(unit_dir) else []
    if not binaries:
        print("FAIL unit tests: none built in build/unit (run make unit)")
        return 0, 1
    for name in binaries:
        p = subprocess.run([os.path.join(unit_dir, name)], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        out = p.stdout.decode(errors="replace")
        ok = len(re.findall(r"^ok ", out, re.M))
        bad = re.findall(r"^not ok .*$", out, re.M)
        passed += ok
        failed += len(bad)
        for line in bad:
            print("FAIL unit %s: %s" % (name, line))
        if p.returncode != 0 and not bad:
            failed += 1
            print("FAIL unit %s: exit code %d\n%s" % (name, p.returncode, out[-3000:]))
        print("unit %-16s %d checks passed%s" % (name, ok, ", %d failed" % len(bad) if bad else ""))
    return passed, failed


FUZZ = os.path.join(BUILD, "fuzz", "fuzz_share")
FUZZ_SEEDS = os.path.join(TOP, "tests", "fuzz", "corpus")
FUZZ_RUNS = 10000    # about 20 s on one core


def run_fuzz_quick():
    """FUZZ_RUNS inputs of the share fuzzer from the seed corpus, seed 1:
    no invariant broken, no sanitizer report. The same inputs every time
    (-reload=0, and no address randomization: libFuzzer hashes PCs)."""
    if not os.path.exists(FUZZ):
        print("FAIL fuzz_share: not built (make %s)" % os.path.relpath(FUZZ, TOP))
        return False
    corpus = tempfile.mkdtemp(prefix="sv-fuzz.")    # never the committed seeds
    for name in os.listdir(FUZZ_SEEDS):
        shutil.copy(os.path.join(FUZZ_SEEDS, name), corpus)
    cmd = [FUZZ, "-runs=%d" % FUZZ_RUNS, "-seed=1", "-reload=0",
           "-artifact_prefix=" + os.path.join(BUILD, "fuzz") + "/", corpus]
    norandom = ["setarch", platform.machine(), "-R"]
    if shutil.which("setarch") and subprocess.run(norandom + ["true"]).returncode == 0:
        cmd = norandom + cmd
    start = time.time()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    shutil.rmtree(corpus, ignore_errors=True)
    out = p.stdout.decode(errors="replace")
    done = re.search(r"^#\d+\s+DONE\s+(cov: \d+ ft: \d+ corp: \S+)", out, re.M)
    print("%s fuzz_share: %d inputs, seed 1%s %5.1fs"
          % ("PASS" if p.returncode == 0 else "FAIL", FUZZ_RUNS,
             ", " + done.group(1) if done else "", time.time() - start))
    if p.returncode != 0:
        print(out[-3000:])
    return p.returncode == 0


def run_bench_quick():
    """make bench's short mode runs to completion (figures not asserted)."""
    p = subprocess.run([sys.executable, os.path.join(TOP, "bench", "run.py"), "--quick"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = p.stdout.decode(errors="replace")
    print("%s bench --quick" % ("PASS" if p.returncode == 0 else "FAIL"))
    if p.returncode != 0:
        print(out[-3000:])
    return p.returncode == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-j", "--jobs", type=int, default=max(2, os.cpu_count() or 2))
    ap.add_argument("-k", dest="pattern", default="", help="only tests whose name contains this")
    ap.add_argument("--emulator", choices=["qemu", "bochs"], help="only this emulator")
    ap.add_argument("--no-smp", action="store_true",
                    help="not the second run of every QEMU test with -smp 2")
    ap.add_argument("--no-unit", action="store_true",
                    help="skip the host unit tests and the fuzz run")
    ap.add_argument("--host", action="store_true",
                    help="only the host unit tests and the fuzz run")
    ap.add_argument("--long", action="store_true",
                    help="only the long boot tests (make fuzz-guests)")
    ap.add_argument("--keep-logs", action="store_true", help="keep the logs of passed runs too")
    ap.add_argument("--list", action="store_true", help="list the boot tests and exit")
    args = ap.parse_args()

    global QEMU_TIMEOUT
    if args.long:
        args.no_unit = True
        QEMU_TIMEOUT = 600
    suite = boot_tests.LONG_TESTS if args.long else boot_tests.TESTS
    tests = [t for t in suite if args.pattern in t.name]
    # Every test under each of its emulators with one CPU, and again under
    # QEMU with two (the SMP run of the whole suite), and as the test asks.
    runs = [Run(t, e) for t in tests for e in t.emulators
            if not args.emulator or e == args.emulator]
    runs += [Run(t, "qemu", 2) for t in tests if "qemu" in t.emulators and t.smp_too
             and args.emulator in (None, "qemu") and not args.no_smp]
    runs += [Run(t, e, n) for t in tests for e, n in t.extra_cpus
             if not args.emulator or e == args.emulator]
    if not args.long and args.emulator in (None, "qemu"):
        runs += [NetRun(n) for n in boot_tests.NETWORKS if args.pattern in n.name]
    if args.list:
        for r in runs:
            print(r.name)
        return 0

    start = time.time()
    passed = failed = 0
    if (not args.no_unit and not args.pattern) or args.host:
        passed, failed = run_unit_tests()
        ok = run_fuzz_quick()
        passed, failed = passed + ok, failed + (not ok)
    if args.host:
        print("%d passed, %d failed" % (passed, failed))
        return 1 if failed else 0

    if os.path.isdir(LOGS):
        shutil.rmtree(LOGS)
    workroot = tempfile.mkdtemp(prefix="sv-tests.")
    # Bochs runs are the slowest: start them first so they overlap the rest.
    runs.sort(key=lambda r: getattr(r, "emulator", "qemu") != "bochs")
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_net if isinstance(r, NetRun) else run_one, r, workroot)
                   for r in runs]
        for future in concurrent.futures.as_completed(futures):
            run = future.result()
            path = save_log(run, args.keep_logs)
            if run.errors:
                failed += 1
                print("FAIL %-40s %5.1fs" % (run.name, run.seconds))
                for e in run.errors:
                    print("     " + e)
                print("     serial log: %s" % os.path.relpath(path, TOP))
            else:
                passed += 1
                print("PASS %-40s %5.1fs" % (run.name, run.seconds))
            sys.stdout.flush()
    shutil.rmtree(workroot, ignore_errors=True)
    # QEMU halted, gdb attached: tests/gdb_session.py, then docs/tour.md's
    # breakpoints (tests/gdb_tour.py). `-k gdb` runs both.
    import gdb_tour  # noqa: E402
    for name, gdb_run in (("gdb-session", gdb_session.run), ("gdb-tour", gdb_tour.run)):
        if args.pattern in name and args.emulator != "bochs" and not args.long:
            try:
                ok = gdb_run()
            except Exception as e:  # a harness bug must still give a verdict
                print("FAIL %s: harness error %r" % (name.replace("-", " "), e))
                ok = False
            passed, failed = passed + ok, failed + (not ok)
    if not args.pattern and not args.emulator and not args.long:
        ok = run_bench_quick()
        passed, failed = passed + ok, failed + (not ok)
    print("tests took %.0f s" % (time.time() - start))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
