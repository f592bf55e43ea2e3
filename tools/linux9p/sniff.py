#!/usr/bin/env python3
"""tools/linux9p/sniff.py: listen where a 9P client will connect, and
show every 9P2000 message that passes.

    tools/linux9p/sniff.py SOCK [--reply none|version|fstree] [--once]

It listens on the unix socket SOCK, as Sharevisor's QEMU does for its
COM2, so tools/linux9p/linuxvm.py can run against it with no Sharevisor
at all. Each message is printed with its header (size[4] type[1]
tag[2], little-endian; size counts itself), its main fields and its
first bytes in hex. What it answers:

  none     nothing: shows what Linux sends first (a Tversion), and Linux
           then waits for ever (stop the VM with linuxvm.py's timeout)
  version  Rversion to Tversion, then Rerror "Permission denied" to all
           else: Linux's mount fails at once with EACCES
  fstree   serves tools/mkfstree.py's tree, read-only, the same subset
           and the same answers as guests/fileserver.c (docs/msg-9p.md):
           a reference to compare Sharevisor's file service with

The bytes of a serial line may start with noise (there is none with
QEMU's UART, but a test should see it if there were): a header whose
size is impossible is printed as one junk byte, and decoding goes on
from the next byte. Standard library only.
"""
import argparse
import os
import socket
import stat
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))   # tools/, for mkfstree

NAMES = {100: "Tversion", 102: "Tauth", 104: "Tattach", 106: "Terror",
         108: "Tflush", 110: "Twalk", 112: "Topen", 114: "Tcreate", 116: "Tread",
         118: "Twrite", 120: "Tclunk", 122: "Tremove", 124: "Tstat", 126: "Twstat"}
NAMES.update({t + 1: "R" + n[1:] for t, n in list(NAMES.items())})
NOTAG, NOFID = 0xFFFF, 0xFFFFFFFF
MAXMSG = 1 << 20          # a size above this is taken for noise
QTDIR, DMDIR = 0x80, 0x80000000
MTIME = 1700000000


# ---- the wire format: little-endian integers, strings as len[2] bytes

class Reader:
    def __init__(self, b):
        self.b, self.i = b, 0

    def int(self, n):
        v = int.from_bytes(self.b[self.i:self.i + n], "little")
        self.i += n
        return v

    def str(self):
        n = self.int(2)
        self.i += n
        return self.b[self.i - n:self.i].decode("utf-8", "replace")


def s(text):
    b = text.encode()
    return struct.pack("<H", len(b)) + b


def msg(mtype, tag, body=b""):
    return struct.pack("<IBH", 7 + len(body), mtype, tag) + body


def describe(m):
    """One line: the name, the tag and the fields worth seeing."""
    size, mtype, tag = struct.unpack_from("<IBH", m)
    r = Reader(m[7:])
    name = NAMES.get(mtype, "type%d" % mtype)
    f = ""
    try:
        if mtype in (100, 101):
            f = "msize=%d version=%r" % (r.int(4), r.str())
        elif mtype == 104:
            f = "fid=%d afid=%#x uname=%r aname=%r" % (r.int(4), r.int(4), r.str(), r.str())
        elif mtype == 110:
            fid, newfid, n = r.int(4), r.int(4), r.int(2)
            f = "fid=%d newfid=%d names=%r" % (fid, newfid, [r.str() for _ in range(n)])
        elif mtype == 112:
            f = "fid=%d mode=%#x" % (r.int(4), r.int(1))
        elif mtype == 116:
            f = "fid=%d offset=%d count=%d" % (r.int(4), r.int(8), r.int(4))
        elif mtype in (120, 124):
            f = "fid=%d" % r.int(4)
        elif mtype == 107:
            f = "ename=%r" % r.str()
        elif mtype == 117:
            f = "count=%d" % r.int(4)
    except (IndexError, UnicodeError):
        f = "(truncated fields)"
    return "%-8s tag=%-5d size=%-6d %s" % (name, tag, size, f)


# ---- the fstree service

class Tree:
    """tools/mkfstree.py's tree: node i's qid path is i."""
    def __init__(self):
        import mkfstree
        self.nodes = mkfstree.nodes()

    def qid(self, n):
        return struct.pack("<BIQ", QTDIR if n.is_dir else 0, 0, n.index)

    def stat(self, n):
        name = "/" if n.index == 0 else n.name
        mode = (DMDIR | 0o555) if n.is_dir else 0o444
        length = 0 if n.is_dir else len(n.data)
        body = (struct.pack("<HI", 0, 0) + self.qid(n) + struct.pack("<IIIQ", mode, MTIME, MTIME, length)
                + s(name) + s("sv") + s("sv") + s(""))
        return struct.pack("<H", len(body)) + body

    def children(self, n):
        return [c for c in self.nodes if c.parent == n.index and c.index != 0]

    def walk1(self, n, name):
        if name == "..":
            return self.nodes[n.parent]
        for c in self.children(n):
            if c.name == name:
                return c
        return None


class Session:
    """One connection's state: msize and fids. answer(request) -> reply."""
    def __init__(self, mode, max_msize):
        self.mode, self.max_msize = mode, max_msize
        self.tree = Tree() if mode == "fstree" else None
        self.msize, self.fids, self.opened = max_msize, {}, set()

    def answer(self, m):
        _, mtype, tag = struct.unpack_from("<IBH", m)
        r = Reader(m[7:])
        if mtype == 100:
            msize, version = r.int(4), r.str()
            self.msize = min(msize, self.max_msize)
            self.fids.clear()
            return msg(101, tag, struct.pack("<I", self.msize)
                       + s("9P2000" if version.startswith("9P2000") else "unknown"))
        if self.mode != "fstree":
            return msg(107, tag, s("Permission denied"))
        try:
            return self.serve(mtype, tag, r)
        except KeyError:
            return msg(107, tag, s("Bad file descriptor"))   # an unknown fid
        except IndexError:
            return msg(107, tag, s("Invalid argument"))      # a short message

    def serve(self, mtype, tag, r):
        t = self.tree
        err = lambda text: msg(107, tag, s(text))  # noqa: E731 (Linux's errno names)
        if mtype == 104:                           # Tattach
            fid, afid = r.int(4), r.int(4)
            if afid != NOFID:
                return err("Permission denied")
            self.fids[fid] = t.nodes[0]
            return msg(105, tag, t.qid(t.nodes[0]))
        if mtype == 110:                           # Twalk
            fid, newfid, n = r.int(4), r.int(4), r.int(2)
            node, qids = self.fids[fid], []
            for name in [r.str() for _ in range(n)]:
                node = t.walk1(node, name) if node.is_dir else None
                if node is None:
                    if not qids:
                        return err("No such file or directory")
                    return msg(111, tag, struct.pack("<H", len(qids)) + b"".join(qids))
                qids.append(t.qid(node))
            self.fids[newfid] = node
            self.opened.discard(newfid)
            return msg(111, tag, struct.pack("<H", len(qids)) + b"".join(qids))
        if mtype == 112:                           # Topen: read only
            fid, mode = r.int(4), r.int(1)
            if mode & ~0x03 or (mode & 3) not in (0, 3):
                return err("Read-only file system")
            self.opened.add(fid)
            return msg(113, tag, t.qid(self.fids[fid]) + struct.pack("<I", self.msize - 24))
        if mtype == 116:                           # Tread
            fid, offset, count = r.int(4), r.int(8), r.int(4)
            node, count = self.fids[fid], min(count, self.msize - 11)
            if fid not in self.opened:
                return err("Bad file descriptor")
            if not node.is_dir:
                data = node.data[offset:offset + count]
            else:                                  # whole stat entries only
                data, pos = b"", 0
                for c in t.children(node):
                    st = t.stat(c)
                    if pos >= offset and len(data) + len(st) <= count:
                        data += st
                    elif pos >= offset:
                        break
                    pos += len(st)
            return msg(117, tag, struct.pack("<I", len(data)) + data)
        if mtype == 124:                           # Tstat
            st = t.stat(self.fids[r.int(4)])
            return msg(125, tag, struct.pack("<H", len(st)) + st)
        if mtype == 120:                           # Tclunk
            fid = r.int(4)
            del self.fids[fid]
            self.opened.discard(fid)
            return msg(121, tag)
        if mtype == 108:                           # Tflush: nothing is pending
            return msg(109, tag)
        if mtype in (114, 118, 122, 126):          # Tcreate, Twrite, Tremove, Twstat
            return err("Read-only file system")
        return err("Operation not supported")


# ---- the connection

def serve(conn, mode="none", max_msize=32768, hexlen=48, out=sys.stdout):
    """Decode (and answer) messages on conn until it closes; returns the
    list of (direction, raw message) seen, for tests."""
    sess, buf, seen = Session(mode, max_msize), b"", []

    def show(direction, m):
        seen.append((direction, m))
        print("%s %s  %s%s" % (direction, describe(m), m[:hexlen].hex(" "),
                               " ..." if len(m) > hexlen else ""), file=out, flush=True)

    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 7:
            size = int.from_bytes(buf[:4], "little")
            if size < 7 or size > MAXMSG:
                print("junk     %02x" % buf[0], file=out, flush=True)
                buf = buf[1:]
                continue
            if len(buf) < size:
                break
            m, buf = buf[:size], buf[size:]
            show("->", m)
            if mode != "none":
                reply = sess.answer(m)
                conn.sendall(reply)
                show("<-", reply)
    if buf:
        print("closed with %d bytes of a partial message: %s" % (len(buf), buf[:hexlen].hex(" ")),
              file=out, flush=True)
    return seen


def listen(path):
    """A listening unix socket at path (a stale socket is replaced; any
    other file there is left alone, and bind fails)."""
    try:
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)
    except FileNotFoundError:
        pass
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(path)
    ls.listen(1)
    return ls


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sock", help="the unix socket to listen on")
    ap.add_argument("--reply", choices=("none", "version", "fstree"), default="none")
    ap.add_argument("--msize", type=int, default=32768,
                    help="the largest msize to agree to (default 32768)")
    ap.add_argument("--hex", type=int, default=48, help="bytes of each message shown in hex")
    ap.add_argument("--once", action="store_true", help="exit after the first connection")
    a = ap.parse_args()
    ls = listen(a.sock)
    print("sniff: listening on %s (reply: %s)" % (a.sock, a.reply), flush=True)
    try:
        while True:
            conn, _ = ls.accept()
            print("sniff: connected", flush=True)
            with conn:
                seen = serve(conn, a.reply, a.msize, a.hex)
            print("sniff: connection closed after %d messages" % len(seen), flush=True)
            if a.once:
                return 0
    except KeyboardInterrupt:
        return 0
    finally:
        ls.close()
        os.unlink(a.sock)


if __name__ == "__main__":
    sys.exit(main())
