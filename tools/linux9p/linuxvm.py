#!/usr/bin/env python3
"""tools/linux9p/linuxvm.py: a Linux VM that is a 9P client over its COM2.

    tools/linux9p/linuxvm.py --sock SOCK --job tools/linux9p/jobs/demo.sh

boots Debian's i386 Linux (tools/linux9p/fetch.sh fetches it) in QEMU
with a busybox initramfs, its second serial port (ttyS1) joined to the
unix socket SOCK, runs the job script in it, and prints the job's
output. The server side listens on SOCK: Sharevisor's QEMU with

    -chardev socket,id=c2,path=SOCK,server=on,wait=off
    -serial <COM1> -serial chardev:c2

or tools/linux9p/sniff.py. As a module, for tests:

    import linuxvm
    r = linuxvm.run(sock, "tools/linux9p/jobs/demo.sh", timeout=120)
    r.rc, r.console, r.output, r.status = r   # also r.times
    linuxvm.sections(r.output)["MD5"]        # the lines of one section

The VM's side of the protocol is tools/linux9p/init.sh (markers
@@SV9P-BEGIN, @@SV9P-STATUS n, @@SV9P-END on the console). Standard
library only.
"""
import argparse
import collections
import hashlib
import os
import selectors
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.join(ROOT, "build", "linux9p")
sys.path.insert(0, HERE)
import mkcpio  # noqa: E402

QEMU = "qemu-system-i386"
# quiet: the console carries the job's output, not the boot log.
# panic=-1: a panic reboots at once, and -no-reboot turns that into
# QEMU's exit, so a broken VM ends now instead of at the timeout.
APPEND = "console=ttyS0 quiet panic=-1"
# The busybox applets a job may call by name (others: "busybox NAME").
APPLETS = """sh ash mount umount insmod lsmod stty ls find md5sum sha256sum
cksum cat dd echo printf date sleep poweroff mkdir rmdir mknod rm cp mv ln
touch stat cut wc grep sed awk head tail xargs sort uniq tr od hexdump cmp
diff test [ true false uname dmesg time timeout seq expr basename dirname
readlink realpath env sync""".split()
BEGIN, STATUS, END, ERROR = "@@SV9P-BEGIN", "@@SV9P-STATUS", "@@SV9P-END", "@@SV9P-ERROR"


def fetch():
    """{KERNEL, BUSYBOX, MODULES (a list), KPKG, KREL}: runs fetch.sh,
    which returns at once when everything is already in its cache."""
    p = subprocess.run([os.path.join(HERE, "fetch.sh")], stdout=subprocess.PIPE,
                       text=True)
    if p.returncode != 0:
        raise RuntimeError("tools/linux9p/fetch.sh failed (status %d): see its "
                           "messages above" % p.returncode)
    paths = {}
    for line in p.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            paths[key] = value.strip('"')
    paths["MODULES"] = paths.get("MODULES", "").split()
    if not paths.get("KERNEL") or len(paths["MODULES"]) != 5:
        raise RuntimeError("fetch.sh printed no kernel or not five modules:\n" + p.stdout)
    return paths


def read(path):
    with open(path, "rb") as f:
        return f.read()


def build_initrd(job, paths=None):
    """The initramfs that runs the script `job` as /job.sh: its path,
    build/linux9p/initrd-HASH.cpio, HASH being that of its bytes, so a
    job (or init.sh, or a new busybox) gets its own file and an
    unchanged one is not written again."""
    paths = paths or fetch()
    c = mkcpio.Cpio()
    for d in ("/bin", "/dev", "/proc", "/sys", "/mnt", "/lib", "/lib/modules", "/tmp"):
        c.dir(d)
    # The kernel opens /dev/console for init's stdin, stdout and stderr
    # before devtmpfs is mounted: it must be in the archive.
    c.node("/dev/console", "c", 5, 1, 0o600)
    c.node("/dev/null", "c", 1, 3, 0o666)
    c.file("/bin/busybox", read(paths["BUSYBOX"]), 0o755)
    for a in APPLETS:
        c.symlink("/bin/" + a, "busybox")
    for m in paths["MODULES"]:
        c.file("/lib/modules/" + os.path.basename(m), read(m), 0o644)
    c.file("/init", read(os.path.join(HERE, "init.sh")), 0o755)
    c.file("/lib/sv9p.sh", read(os.path.join(HERE, "jobs", "lib.sh")), 0o644)
    c.file("/job.sh", read(job), 0o755)
    data = c.bytes()
    out = os.path.join(BUILD, "initrd-%s.cpio" % hashlib.sha256(data).hexdigest()[:16])
    if not os.path.exists(out):
        os.makedirs(BUILD, exist_ok=True)
        with open(out + ".tmp", "wb") as f:
            f.write(data)
        os.replace(out + ".tmp", out)
    return out


def command(sock, initrd, extra_append="", console="mon:stdio", paths=None,
            qemu_args=()):
    """The QEMU command line: COM1 (ttyS0) the console, COM2 (ttyS1) a
    client of the unix socket sock."""
    paths = paths or fetch()
    append = APPEND + (" " + extra_append if extra_append else "")
    return [QEMU, "-m", "256", "-accel", "tcg", "-nographic", "-no-reboot",
            "-kernel", paths["KERNEL"], "-initrd", initrd, "-append", append,
            "-serial", console, "-serial", "unix:" + sock, *qemu_args]


class Result(collections.namedtuple("Result", "rc console output status")):
    """rc: QEMU's exit status, or None if it was stopped at the timeout
    (0 proves nothing: a panic with -no-reboot also exits with 0).
    console: all the console said, without CRs. output: the job's lines
    between the markers. status: the job's exit status, None if it did
    not get that far. times: host seconds from QEMU's start to each
    marker line seen (begin, end) and to QEMU's exit (exit)."""


def wait_for_socket(sock, deadline):
    """Until deadline: wait for sock to be a socket file. QEMU's
    '-serial unix:' connects once, at start-up, and exits ("Failed to
    connect") if nobody listens, so start it only when the server may
    be there."""
    while True:
        try:
            if stat.S_ISSOCK(os.stat(sock).st_mode):
                return
        except FileNotFoundError:
            pass
        if time.monotonic() >= deadline:
            raise RuntimeError("no unix socket at %s: is the server (Sharevisor's QEMU "
                               "with -chardev socket,...,server=on) running?" % sock)
        time.sleep(0.1)


def run(sock, job, timeout=180, extra_append="", console_log=None, echo=False,
        connect_wait=15, qemu_args=()):
    """Boot the VM with the job, its COM2 on sock; wait for @@SV9P-END
    (then a few seconds for the power-off) or for timeout seconds.
    console_log: a file to copy the console to; echo: copy it to our
    stdout as it comes. connect_wait: how long to wait for the server to
    listen (the socket file to appear, then QEMU to connect)."""
    paths = fetch()
    initrd = build_initrd(job, paths)
    cmd = command(sock, initrd, extra_append, paths=paths, qemu_args=qemu_args)
    deadline = time.monotonic() + connect_wait
    wait_for_socket(sock, deadline)
    log = open(console_log, "wb") if console_log else None
    try:
        while True:
            r = _run_once(cmd, timeout, log, echo)
            # A socket file with nobody accepting yet: "Connection refused"
            # at once. Try again while the server may still be starting.
            if not (r.rc and "Failed to connect" in r.console
                    and time.monotonic() < deadline):
                return r
            time.sleep(0.2)
    finally:
        if log:
            log.close()


def _run_once(cmd, timeout, log, echo):
    t0 = time.monotonic()
    times = {}
    buf = bytearray()
    # stderr joins stdout: QEMU's own errors end up in r.console.
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    stop = t0 + timeout
    timed_out = False
    try:
        while True:
            left = stop - time.monotonic()
            if left <= 0:
                timed_out = "end" not in times and "error" not in times
                break
            if not sel.select(min(left, 1.0)):
                continue
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break                       # QEMU exited
            start = max(0, len(buf) - len(END) - 2)
            buf += chunk
            if log:
                log.write(chunk)
                log.flush()
            if echo:
                sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
            now = time.monotonic() - t0
            # Search from a little before the new bytes: a marker split
            # between two reads is found once its end has come.
            for name, mark in (("begin", BEGIN), ("end", END), ("error", ERROR)):
                if name not in times and mark.encode() in buf[max(0, start - 64):]:
                    times[name] = now
            if ("end" in times or "error" in times) and stop > time.monotonic() + 10:
                stop = time.monotonic() + 10   # now only the power-off is left
    finally:
        sel.close()
        rc = end_process(p, 5)
        p.stdout.close()
    times["exit"] = time.monotonic() - t0
    console = buf.decode("utf-8", "replace").replace("\r", "")
    output, status = parse(console)
    r = Result(None if timed_out else rc, console, output, status)
    r.times = times
    return r


def end_process(proc, grace):
    """End proc if it still runs: ask (SIGTERM), and after grace seconds
    kill it. Returns its exit status."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


def server_args(sock, com1="mon:stdio"):
    """What the server's QEMU (Sharevisor's) needs to listen on sock with
    its COM2. wait=off: it boots at once instead of waiting for us; it
    takes one connection at a time, and takes the next after a close."""
    return ["-chardev", "socket,id=sv9p,path=%s,server=on,wait=off" % sock,
            "-serial", com1, "-serial", "chardev:sv9p"]


def run_with_server(server_cmd, job, server_log=None, ready=None, ready_timeout=60, **kw):
    """Start server_cmd (a QEMU command line with no -serial option, for
    instance Sharevisor's with -cdrom ISO -display none), its COM1 into
    server_log (with QEMU's own messages) and its COM2 listening on a
    fresh unix socket; if ready is given, wait until that text is in
    server_log (the server guest says it listens); run the Linux VM
    against it (run()'s keyword arguments); then stop the server.
    Returns (Result, the server's console)."""
    server_log = server_log or os.path.join(BUILD, "server-console.log")
    os.makedirs(os.path.dirname(os.path.abspath(server_log)), exist_ok=True)
    # In /tmp: a unix socket's path must stay under 108 bytes, and a
    # clone's folder can be deep.
    tmp = tempfile.mkdtemp(prefix="sv9p-")
    sock = os.path.join(tmp, "com2.sock")
    with open(server_log, "wb") as log:
        srv = subprocess.Popen(list(server_cmd) + server_args(sock), stdin=subprocess.DEVNULL,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        if ready:
            wait_for_text(server_log, ready, srv, ready_timeout)
        try:
            r = run(sock, job, **kw)
        except RuntimeError:
            if srv.poll() is not None:    # the real reason: say it
                raise RuntimeError("the server exited (status %d): see %s"
                                   % (srv.returncode, server_log)) from None
            raise
    finally:
        try:            # a server that ends by itself (it counts its clients) may
            srv.wait(5)  # power off now: let it, and show its last words
        except subprocess.TimeoutExpired:
            pass
        end_process(srv, 10)
        shutil.rmtree(tmp, ignore_errors=True)
    with open(server_log, "rb") as f:
        return r, f.read().decode("utf-8", "replace").replace("\r", "")


def wait_for_text(path, text, proc, timeout):
    """Until text is in the file path; RuntimeError if proc ends first or
    timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        with open(path, "rb") as f:
            if text.encode() in f.read():
                return
        if proc.poll() is not None:
            raise RuntimeError("the server exited (status %d) before printing %r: see %s"
                               % (proc.returncode, text, path))
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not print %r in %g s: see %s"
                               % (text, timeout, path))
        time.sleep(0.1)


def parse(console):
    """(the job's output, its exit status) from the console text; the
    status is None if there is no @@SV9P-STATUS line."""
    lines = console.split("\n")
    # BEGIN may follow the firmware's escape sequences on one line (init.sh
    # prints a newline first, but a kernel message could come between).
    first = next((i + 1 for i, line in enumerate(lines) if line.endswith(BEGIN)), None)
    if first is None:
        return "", None
    out, status = [], None
    for line in lines[first:]:
        if line.startswith(STATUS + " "):
            try:
                status = int(line.split()[1])
            except ValueError:
                pass                       # a mangled line: no status
            break
        if line == END:
            break
        out.append(line)
    return "\n".join(out) + ("\n" if out else ""), status


def sections(output):
    """{NAME: [lines]} of a job's output, split at its "@@NAME ..." lines
    (the words after NAME stay as the section's first line, if any)."""
    out, name = {"": []}, ""
    for line in output.splitlines():
        if line.startswith("@@"):
            name, _, rest = line[2:].partition(" ")
            out[name] = [rest] if rest else []
        else:
            out[name].append(line)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sock", help="the unix socket of the 9P server (COM2's other end)")
    ap.add_argument("--server", help="instead of --sock: start this QEMU command line "
                    "(no -serial options) as the server, its COM2 on a fresh socket")
    ap.add_argument("--server-ready", help="with --server: start the Linux VM only "
                    "once the server's console shows this text")
    ap.add_argument("--server-log", help="with --server: the server's console "
                    "(default build/linux9p/server-console.log)")
    ap.add_argument("--job", default=os.path.join(HERE, "jobs", "demo.sh"),
                    help="the job script (default: jobs/demo.sh)")
    ap.add_argument("--timeout", type=float, default=180, help="seconds (default 180)")
    ap.add_argument("--append", default="", help="more kernel command-line words, "
                    "e.g. sv9p_msize=8192 (the job sees it as $sv9p_msize)")
    ap.add_argument("--console", help="also copy the whole console to this file")
    ap.add_argument("--connect-wait", type=float, default=15,
                    help="seconds to wait for the server to listen (default 15)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="show the whole console as it comes, not only the job's output")
    ap.add_argument("--initrd", action="store_true",
                    help="only build the initramfs and print its path")
    ap.add_argument("--print-command", action="store_true",
                    help="only print the QEMU command line")
    a = ap.parse_args()
    try:
        if a.initrd:
            print(build_initrd(a.job))
            return 0
        if not a.sock and not a.server:
            ap.error("--sock or --server is required")
        if a.print_command:
            print(shlex.join(command(a.sock or "SOCK", build_initrd(a.job), a.append)))
            return 0
        kw = dict(timeout=a.timeout, extra_append=a.append, console_log=a.console,
                  echo=a.verbose, connect_wait=a.connect_wait)
        if a.server:
            r, _ = run_with_server(shlex.split(a.server), a.job, a.server_log,
                                   a.server_ready, **kw)
            print("linuxvm: the server's console is in %s"
                  % (a.server_log or os.path.join(BUILD, "server-console.log")), file=sys.stderr)
        else:
            r = run(a.sock, a.job, **kw)
    except (RuntimeError, OSError) as e:
        print("linuxvm: %s" % e, file=sys.stderr)
        return 2
    if not a.verbose:
        sys.stdout.write(r.output)
    t = " ".join("%s=%.1fs" % kv for kv in r.times.items())
    if r.status is None:
        why = "timed out" if r.rc is None else "QEMU exited with status %s" % r.rc
        tail = "\n".join(r.console.rstrip("\n").split("\n")[-15:])
        print("linuxvm: the job did not finish (%s; %s). Last console lines:\n%s"
              % (why, t, tail), file=sys.stderr)
        return 2
    print("linuxvm: job status %d (%s)" % (r.status, t), file=sys.stderr)
    return r.status


if __name__ == "__main__":
    sys.exit(main())
