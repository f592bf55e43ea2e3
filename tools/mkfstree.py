#!/usr/bin/env python3
"""tools/mkfstree.py: the read-only tree of the 9P file service.

    tools/mkfstree.py OUTDIR

writes two C headers into OUTDIR (the Makefile uses build/fstree):

  fstree_server.h   for guests/fileserver.c: every node (name, parent,
                    directory or file, size) and the files' contents
  fstree_client.h   for guests/fileclient.c: each file's path, size and
                    CRC-32, and each directory's path and entry names;
                    no contents, so the client can only pass by reading
                    the right bytes from the server

The tree is the same on every run (contents come from SHA-256), and
tests/boot_tests.py imports this file to compare what the guests print
with files() and directories().
"""
import hashlib
import os
import sys
import zlib

MSIZE = 32768         # guests/lib/msg.h MSG_MAX: the msize the client asks for
IOHDRSZ = 24          # guests/lib/ninep.h P9_IOHDRSZ
IOUNIT = MSIZE - IOHDRSZ
MTIME = 1700000000    # every node's atime and mtime

WORDS = ("share watch transfer domain page frame event port peer grant hypercall "
         "message walk fid qid stat read open clunk tree file byte").split()


def noise(n, seed):
    """n pseudo-random bytes, the same on every run: SHA-256 in counter mode."""
    out = bytearray()
    for block in range((n + 31) // 32):
        out += hashlib.sha256(b"mkfstree %d %d" % (seed, block)).digest()
    return bytes(out[:n])


def text(n, seed):
    """About n bytes of lines of words, the same every time."""
    lines, size, r = [], 0, noise(n, seed)
    i = 0
    while size < n:
        words = [WORDS[r[(i + k) % n] % len(WORDS)] for k in range(1 + r[i % n] % 9)]
        line = "%d %s\n" % (len(lines) + 1, " ".join(words))
        lines.append(line)
        size += len(line)
        i += 11
    return "".join(lines).encode()


# (path, contents); a path ending in "/" is a directory. Parents come
# before their children; a directory lists its entries in this order.
TREE = [
    ("/", None),
    ("/README", b"The tree of the 9P file service (tools/mkfstree.py).\n" + text(300, 1)),
    ("/empty", b""),
    ("/docs/", None),
    ("/docs/intro.txt", text(1500, 2)),
    ("/docs/one.txt", b"1"),
    ("/docs/guide/", None),
    ("/docs/guide/ch1.txt", text(3000, 3)),
    ("/docs/guide/ch2.txt", text(5000, 4)),
    ("/data/", None),
    # many messages: 100 KiB and a little, so the last read is short
    ("/data/big.bin", noise(100 * 1024 + 37, 5)),
    # exactly one full read at msize MSIZE: the next read returns 0 bytes
    ("/data/iounit.bin", noise(IOUNIT, 6)),
    ("/data/deep/", None),
    ("/data/deep/a/", None),
    ("/data/deep/a/b/", None),
    ("/data/deep/a/b/c/", None),
    ("/data/deep/a/b/c/leaf.txt", text(200, 7)),
    # a directory whose listing (a stat entry is 59 bytes for a name of
    # 4) takes more than one Rread at msize 4096 (4085 bytes of data)
    ("/many/", None),
] + [("/many/e%03d" % i, b"%d\n" % i) for i in range(100)]


class Node:
    def __init__(self, index, path, data):
        self.index, self.path, self.data = index, path.rstrip("/") or "/", data
        self.is_dir = data is None
        self.name = "" if self.path == "/" else self.path.rsplit("/", 1)[1]
        parent = self.path.rsplit("/", 1)[0] or "/"
        self.parent_path = "/" if self.path == "/" else parent


def nodes():
    out = [Node(i, p, d) for i, (p, d) in enumerate(TREE)]
    index = {n.path: n.index for n in out}
    for n in out:
        n.parent = index[n.parent_path]
        assert n.parent < n.index or n.index == 0, n.path
    return out


def files():
    """[(path, contents)] of every file, in tree order."""
    return [(n.path, n.data) for n in nodes() if not n.is_dir]


def directories():
    """[(path, [entry names])] of every directory, in tree order."""
    ns = nodes()
    return [(d.path, [n.name for n in ns if n.parent == d.index and n.index != 0])
            for d in ns if d.is_dir]


def c_string(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


HEAD = "/* %s: written by tools/mkfstree.py; do not edit, do not commit. */\n"


def server_header():
    ns = nodes()
    blob, offsets = bytearray(), {}
    for n in ns:
        if not n.is_dir:
            offsets[n.index] = len(blob)
            blob += n.data
    out = [HEAD % "fstree_server.h",
           "/* The read-only tree guests/fileserver.c serves: %d nodes, %d bytes"
           " of contents. */\n" % (len(ns), len(blob)),
           "#include \"ninep_serve.h\"\n\n",
           "#define FSTREE_MTIME %d\n\n" % MTIME,
           "static const uint8_t fstree_data[%d] = {\n" % max(len(blob), 1)]
    for i in range(0, len(blob), 16):
        out.append("\t" + " ".join("0x%02x," % b for b in blob[i:i + 16]) + "\n")
    out.append("};\n\n/* name, parent, directory, size, contents */\n")
    out.append("static const struct p9_node fstree_nodes[%d] = {\n" % len(ns))
    for n in ns:
        data = "fstree_data + %d" % offsets[n.index] if not n.is_dir else "0"
        size = 0 if n.is_dir else len(n.data)
        out.append("\t{ %s, %d, %s, %d, %s },\t/* %s */\n"
                   % (c_string(n.name), n.parent, "true" if n.is_dir else "false", size,
                      data, n.path))
    out.append("};\n")
    return "".join(out)


def client_header():
    fs, ds = files(), directories()
    out = [HEAD % "fstree_client.h",
           "/* What guests/fileclient.c must find in the file service: each file's\n"
           " * size and CRC-32 (not its contents), each directory's entries. */\n",
           "#include <stdint.h>\n\n",
           "#define FSTREE_FILES %d\n" % len(fs),
           "#define FSTREE_BYTES %d\n" % sum(len(d) for _, d in fs),
           "#define FSTREE_MAX_FILE %d\n" % max(len(d) for _, d in fs),
           "#define FSTREE_DIRS %d\n" % len(ds),
           "#define FSTREE_ENTRIES %d\n\n" % sum(len(e) for _, e in ds),
           "struct fstree_file {\n\tconst char *path;\n\tuint32_t size, crc32;\n};\n\n",
           "static const struct fstree_file fstree_files[FSTREE_FILES] = {\n"]
    for path, data in fs:
        out.append("\t{ %s, %d, 0x%08x },\n" % (c_string(path), len(data), zlib.crc32(data)))
    out.append("};\n\n")
    out.append("/* names: the entries in the order the server lists them, one space apart */\n")
    out.append("struct fstree_dir {\n\tconst char *path;\n\tuint32_t entries;\n"
               "\tconst char *names;\n};\n\n")
    out.append("static const struct fstree_dir fstree_dirs[FSTREE_DIRS] = {\n")
    for path, entries in ds:
        out.append("\t{ %s, %d, %s },\n" % (c_string(path), len(entries),
                                            c_string(" ".join(entries))))
    out.append("};\n")
    return "".join(out)


def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tools/mkfstree.py OUTDIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    write(os.path.join(sys.argv[1], "fstree_server.h"), server_header())
    write(os.path.join(sys.argv[1], "fstree_client.h"), client_header())


if __name__ == "__main__":
    main()
