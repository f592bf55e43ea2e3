#!/usr/bin/env python3
"""tools/linux9p/mkcpio.py: write a Linux initramfs (a "newc" cpio archive).

    from mkcpio import Cpio
    c = Cpio()
    c.dir("/bin")
    c.file("/bin/busybox", data, 0o755)
    c.symlink("/bin/sh", "busybox")
    c.node("/dev/console", "c", 5, 1, 0o600)
    open("initrd.cpio", "wb").write(c.bytes())

or, from the command line, with the spec lines of the kernel's own
usr/gen_init_cpio (modes in octal):

    tools/linux9p/mkcpio.py OUT.cpio < SPEC
      dir   NAME MODE
      file  NAME SOURCE MODE
      slink NAME TARGET MODE
      nod   NAME MODE c|b MAJOR MINOR

Why our own: cpio(1) and gen_init_cpio take device nodes and owners
from real files, so they need root (mknod) or a kernel source tree. A
device node in an archive is only a header, so we write headers.

The output is deterministic: every entry is owned by uid 0, gid 0, has
the same mtime, and inode numbers count up from 1 in the order entries
are added. The same inputs give the same bytes, so a content hash of
the archive names it (tools/linux9p/linuxvm.py caches by that).
"""
import stat
import sys

MTIME = 1700000000   # every entry's mtime (the date means nothing)


class Cpio:
    def __init__(self):
        self.out = bytearray()
        self.ino = 0

    def _entry(self, name, mode, data=b"", nlink=1, rdev=(0, 0)):
        # newc: "070701", then 13 fields of 8 hex digits: ino, mode, uid,
        # gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor,
        # rdevminor, namesize (with its NUL), check (0: no checksum).
        # Names are relative ("bin/sh"): the kernel unpacks into "/".
        self.ino += 1
        name = name.lstrip("/").encode() + b"\0"
        fields = (self.ino, mode, 0, 0, nlink, MTIME, len(data),
                  0, 0, rdev[0], rdev[1], len(name), 0)
        self.out += b"070701" + b"".join(b"%08X" % f for f in fields) + name
        self._pad()                   # the header and name end on 4 bytes
        self.out += data
        self._pad()                   # so does the data

    def _pad(self):
        self.out += b"\0" * (-len(self.out) % 4)

    def dir(self, name, mode=0o755):
        self._entry(name, stat.S_IFDIR | mode, nlink=2)

    def file(self, name, data, mode=0o644):
        # nlink must be 1: the kernel treats a regular file with nlink > 1
        # as a hard link to an earlier entry with the same inode number.
        self._entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name, target, mode=0o777):
        self._entry(name, stat.S_IFLNK | mode, target.encode())

    def node(self, name, kind, major, minor, mode=0o600):
        kind = {"c": stat.S_IFCHR, "b": stat.S_IFBLK}[kind]
        self._entry(name, kind | mode, rdev=(major, minor))

    def bytes(self):
        """The archive: the entries, the trailer, padded to 512 bytes."""
        c = Cpio()
        c.ino = self.ino
        c.out = bytearray(self.out)
        c._entry("TRAILER!!!", 0)
        c.out += b"\0" * (-len(c.out) % 512)
        return bytes(c.out)


def from_spec(lines):
    """A Cpio from gen_init_cpio spec lines (see the module's doc)."""
    c = Cpio()
    for n, line in enumerate(lines, 1):
        w = line.split()
        if not w or w[0].startswith("#"):
            continue
        try:
            if w[0] == "dir" and len(w) == 3:
                c.dir(w[1], int(w[2], 8))
            elif w[0] == "file" and len(w) == 4:
                with open(w[2], "rb") as f:
                    c.file(w[1], f.read(), int(w[3], 8))
            elif w[0] == "slink" and len(w) == 4:
                c.symlink(w[1], w[2], int(w[3], 8))
            elif w[0] == "nod" and len(w) == 6 and w[3] in ("c", "b"):
                c.node(w[1], w[3], int(w[4]), int(w[5]), int(w[2], 8))
            else:
                raise ValueError("unknown or malformed line")
        except (ValueError, OSError) as e:
            sys.exit("mkcpio: line %d: %s: %s" % (n, line.strip(), e))
    return c


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tools/linux9p/mkcpio.py OUT.cpio < SPEC")
    data = from_spec(sys.stdin).bytes()
    with open(sys.argv[1], "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
