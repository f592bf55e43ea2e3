"""tests/serial9p.py: a 9P2000 client over a byte stream, for the tests of
the file server on COM2 (guests/fileserver.c serial=1, docs/msg-9p.md).

The tests/run.py harness joins it to the hypervisor's COM2 (a unix socket
under QEMU, a TCP socket under Bochs) and calls a peer function from
here in a thread while the hypervisor runs. The client writes messages
as Linux's trans=fd does, reads the replies by their size field, and
checks every byte against tools/mkfstree.py; the hostile parts send what
no client should, and check that the server is still there after.
"""
import os
import re
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))
import mkfstree  # noqa: E402

NOTAG, NOFID = 0xFFFF, 0xFFFFFFFF
TVERSION, TATTACH, TERROR, TWALK, TOPEN, TCREATE, TREAD, TWRITE, TCLUNK, TREMOVE, TSTAT = (
    100, 104, 106, 110, 112, 114, 116, 118, 120, 122, 124)
RERROR = 107
MSIZE = 32768
IOUNIT = MSIZE - 24


class Fail(Exception):
    pass


def s9(text):
    b = text.encode()
    return struct.pack("<H", len(b)) + b


def message(mtype, tag, body=b""):
    return struct.pack("<IBH", 7 + len(body), mtype, tag) + body


class Client:
    """One 9P session on the line."""

    def __init__(self, conn, timeout=30):
        self.conn, self.tag = conn, 0
        conn.settimeout(timeout)

    def recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.conn.recv(n - len(data))
            if not chunk:
                raise Fail("the line closed after %d of %d bytes" % (len(data), n))
            data += chunk
        return data

    def reply(self):
        """(type, tag, body) of the next message on the line."""
        size = struct.unpack("<I", self.recv_exact(4))[0]
        if not 7 <= size <= MSIZE:
            raise Fail("a reply with size field %d" % size)
        rest = self.recv_exact(size - 4)
        return rest[0], struct.unpack("<H", rest[1:3])[0], rest[3:]

    def send(self, mtype, body, tag=None):
        if tag is None:
            self.tag = (self.tag + 1) % NOTAG
            tag = self.tag
        self.conn.sendall(message(mtype, tag, body))
        return tag

    def rpc(self, mtype, body, tag=None):
        tag = self.send(mtype, body, tag)
        rtype, rtag, rbody = self.reply()
        if rtag != tag:
            raise Fail("a reply with tag %d to a request with tag %d" % (rtag, tag))
        if rtype == RERROR:
            return rtype, rbody[2:2 + struct.unpack("<H", rbody[:2])[0]].decode()
        if rtype != mtype + 1:
            raise Fail("an R-message of type %d for a T-message of type %d" % (rtype, mtype))
        return rtype, rbody

    def ok(self, mtype, body, what):
        rtype, rbody = self.rpc(mtype, body)
        if rtype == RERROR:
            raise Fail("%s: Rerror '%s'" % (what, rbody))
        return rbody

    def version(self, msize=MSIZE):
        body = self.ok(TVERSION, struct.pack("<I", msize) + s9("9P2000"), "Tversion")
        return struct.unpack("<I", body[:4])[0]

    def attach(self, fid=0):
        self.ok(TATTACH, struct.pack("<II", fid, NOFID) + s9("tester") + s9(""), "Tattach")

    def walk(self, fid, newfid, path):
        names = [n for n in path.split("/") if n]
        body = struct.pack("<IIH", fid, newfid, len(names)) + b"".join(s9(n) for n in names)
        got = self.ok(TWALK, body, "Twalk to " + path)
        if struct.unpack("<H", got[:2])[0] != len(names):
            raise Fail("Twalk to %s: a short Rwalk" % path)

    def open(self, fid, mode=0):
        return self.rpc(TOPEN, struct.pack("<IB", fid, mode))

    def read(self, fid, offset, count):
        body = self.ok(TREAD, struct.pack("<IQI", fid, offset, count), "Tread")
        n = struct.unpack("<I", body[:4])[0]
        return body[4:4 + n]

    def read_all(self, fid):
        data = b""
        while True:
            chunk = self.read(fid, len(data), IOUNIT)
            if not chunk:
                return data
            data += chunk

    def clunk(self, fid):
        self.ok(TCLUNK, struct.pack("<I", fid), "Tclunk")


def whole_tree(c):
    """Every file read whole and compared, some at odd offsets; every
    directory listed. Returns (files, bytes)."""
    files = total = 0
    for path, data in mkfstree.files():
        c.walk(0, 1, path)
        rtype, _ = c.open(1)
        if rtype == RERROR:
            raise Fail("Topen of %s refused" % path)
        got = c.read_all(1)
        if got != data:
            raise Fail("%s: %d bytes read, %d in the tree, or other bytes" % (path, len(got), len(data)))
        for off in (1, 4095, 4097, 12345, len(data) - 1):    # dd skip=, at odd places
            if 0 <= off < len(data) and c.read(1, off, 1000) != data[off:off + 1000]:
                raise Fail("%s: a read at offset %d returned other bytes" % (path, off))
        c.clunk(1)
        files, total = files + 1, total + len(got)
    for path, names in mkfstree.directories():
        c.walk(0, 2, path)
        c.open(2)
        listing = c.read_all(2)     # stat structures, one after another
        got, pos = [], 0
        while pos < len(listing):
            size = struct.unpack("<H", listing[pos:pos + 2])[0]
            stat = listing[pos + 2:pos + 2 + size]
            name_len = struct.unpack("<H", stat[39:41])[0]
            got.append(stat[41:41 + name_len].decode())
            pos += 2 + size
        if got != list(names):
            raise Fail("directory %s lists %s, not %s" % (path, got, names))
        c.clunk(2)
    return files, total


def refused_writes(c):
    """Writing, creating and removing on a read-only tree: Rerror each."""
    errors = []
    path = mkfstree.files()[0][0]
    c.walk(0, 3, path)
    rtype, msg = c.open(3, 1)                       # OWRITE
    errors.append(msg if rtype == RERROR else None)
    rtype, msg = c.rpc(TWRITE, struct.pack("<IQI", 3, 0, 4) + b"data")
    errors.append(msg if rtype == RERROR else None)
    c.walk(0, 4, "/")
    rtype, msg = c.rpc(TCREATE, struct.pack("<I", 4) + s9("new") + struct.pack("<IB", 0o644, 1))
    errors.append(msg if rtype == RERROR else None)
    rtype, msg = c.rpc(TREMOVE, struct.pack("<I", 3))   # remove clunks the fid, even refused
    errors.append(msg if rtype == RERROR else None)
    c.clunk(4)
    if None in errors:
        raise Fail("a write, create or remove was not refused: %s" % errors)
    return errors


def wait_quiet(seconds):
    time.sleep(seconds)


def hostile(conn, emulator):
    """What no client sends. Each is followed by a real session, which must
    work: the server dropped only the broken one."""
    notes = []
    slow = 4 if emulator == "bochs" else 1
    for size in (0, 6, 0xFFFFFFFF):
        conn.sendall(struct.pack("<I", size) + b"garbage after the size field" * 3)
        wait_quiet(0.6 * slow)                      # the server waits 200 ms of quiet
        c = Client(conn)
        c.version()
        c.attach()
        c.clunk(0)
        notes.append("size %d: the next session works" % size)
    # Half a message, then silence: the server drops it after 2 s.
    conn.sendall(message(TVERSION, NOTAG, struct.pack("<I", MSIZE) + s9("9P2000"))[:9])
    wait_quiet(2.6 + slow)
    c = Client(conn)
    c.version()
    c.attach()
    path, data = mkfstree.files()[0]
    c.walk(0, 1, path)
    c.open(1)
    if c.read_all(1) != data:
        raise Fail("after a message cut in half, %s read wrong" % path)
    c.clunk(1)
    c.clunk(0)
    notes.append("a message cut in half: dropped, and the next session works")
    return notes


def wait_for_line(console, text, timeout):
    deadline = time.time() + timeout
    while text not in console():
        if time.time() > deadline:
            raise Fail("the console never said '%s'" % text)
        time.sleep(0.1)


def stuck_reader(conn, console, timeout):
    """A client that sends requests and stops reading the replies. The
    server must go on with its other clients: the msg transport's
    fileclient, which waits start_after_ms before it starts, must finish
    its whole tree while this client is stuck. Then read everything.
    Returns (replies read late, whether the fileclient had finished
    before this client got stuck: it must not have)."""
    c = Client(conn)
    c.version()
    c.attach()
    path, data = [f for f in mkfstree.files() if len(f[1]) > 2 * IOUNIT][0]
    c.walk(0, 1, path)
    c.open(1)
    sent = []
    for _ in range(60):                         # 60 x 32 KiB: more than the line holds
        sent.append(c.send(TREAD, struct.pack("<IQI", 1, 0, IOUNIT)))
    done = re.compile(r"fileclient: \d+ directories, \d+ entries, all listings match")
    done_before = bool(done.search(console()))
    deadline = time.time() + timeout
    while not done.search(console()):
        if time.time() > deadline:
            raise Fail("the msg transport's client did not finish while the serial "
                       "client was not reading")
        time.sleep(0.2)
    for tag in sent:                            # now read: every reply, in order
        rtype, rtag, body = c.reply()
        if rtag != tag or rtype != TREAD + 1 or body[4:] != data[:IOUNIT]:
            raise Fail("a reply read late is not the Rread it should be")
    c.clunk(1)
    c.clunk(0)
    return len(sent), done_before


def peer_fs_serial(conn, console, emulator):
    """fs-serial's COM2 peer: (QEMU: a client that stops reading, while the
    msg transport's client reads the tree), a whole tree read and checked,
    refused writes, then hostile bytes, each followed by a good session."""
    result = {}
    # A byte sent before the server has set the UART up is lost (its FIFO
    # is cleared then), as on a real line: start when it says it serves.
    wait_for_line(console, "fileserver: serving 9P on COM2 too",
                  240 if emulator == "bochs" else 30)
    if emulator == "qemu":
        result["stuck_replies"], result["client_done_before_stuck"] = \
            stuck_reader(conn, console, 60)
    c = Client(conn, timeout=120 if emulator == "bochs" else 30)
    result["msize"] = c.version()
    c.attach()
    result["files"], result["bytes"] = whole_tree(c)
    result["refused"] = refused_writes(c)
    c.clunk(0)                                  # the end of that session
    result["hostile"] = hostile(conn, emulator)
    return result
