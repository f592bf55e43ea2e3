#!/usr/bin/env python3
"""tests/fuzz/make_corpus.py: write the seed inputs of tests/fuzz/corpus/.

Each seed is a short, meaningful conversation over shares in the input
format of tests/fuzz/fuzz_share.c, so that the fuzzer starts from deep
states (a share mapped by two peers, watches, registered lists) instead
of finding each step by chance. The numbers below must match enum op and
enum sel there. Check a seed with
    FUZZ_SHARE_TRACE=1 build/fuzz/fuzz_share tests/fuzz/corpus/NAME
"""
import os
import struct

OPS = ["create", "grant", "destroy", "get", "drop", "map", "unmap", "info",
       "watch", "unwatch", "trigger", "sg_register", "sg_unregister", "sg_xfer",
       "die", "start", "poke", "map_fail", "seq_skip", "rearm"]
SELS = ["raw", "small", "id", "domid", "ram", "page_edge", "kernbase", "top",
        "start_info", "hole", "map_area", "list", "list_n", "handle", "port", "word"]
SV_SG_IN, SV_SG_OUT, SV_XFER_SEND, SV_XFER_RECV = 1, 2, 1, 2
KEPT = 16                   # a direction of 16 + d registers d | SV_SG_KEEP


def sel(name, *payload):
    return bytes([SELS.index(name)]) + b"".join(payload)


def u8(v):
    return bytes([v & 0xFF])


def u16(v):
    return struct.pack("<H", v)


def raw(v):
    return sel("raw", struct.pack("<I", v & 0xFFFFFFFF))


def small(v):
    return sel("small", u8(v))


def share(k=0):             # the k-th id share_create returned in this input
    return sel("id", u8(k))


def dom(d):
    return sel("domid", u8(d))


def ram(off):
    return sel("ram", u16(off))


def word(i):                # RAM + 4 * i
    return sel("word", u8(i))


def edge(page, delta):      # RAM + page * 4096 + delta, -8 <= delta < 8
    return sel("page_edge", u8(page), u8(delta + 8))


def port(p):
    return sel("port", u8(p - 2))


def handle(k=0):
    return sel("handle", u8(k))


def map_area(slot, off=0):
    return sel("map_area", u8(slot), u16(off))


def entry(addr, length):
    """An sg entry: any address argument, and a length of 1..256 or raw."""
    if 1 <= length <= 256:
        return b"\x00" + addr + b"\x00" + u8(length - 1)
    return b"\x00" + addr + b"\x03" + struct.pack("<I", length)


def overlap(delta, length):
    """An entry starting delta bytes after the one before."""
    return b"\x01" + u8(delta) + b"\x03" + struct.pack("<I", length)


def wrapping(addr, past):
    """An entry whose end wraps past 4 GiB by past bytes."""
    return b"\x02" + addr + u8(past)


def sg_list(entries, place=0):
    return sel("list", u8(place), u8(len(entries) - 1), *entries)


def op(d, name, *args):
    return bytes([d, OPS.index(name)]) + b"".join(args)


def common_setup():
    """Domain 0 makes a 2-page share for 1 and 2, which get and map it."""
    return [
        op(0, "create", small(2)),
        op(0, "grant", share(), dom(1)),
        op(0, "grant", share(), dom(2)),
        op(1, "get", share(), port(5)),             # peer 0
        op(2, "get", share(), port(6)),             # peer 1
        op(1, "map", share(), map_area(0), small(0)),
        op(2, "map", share(), map_area(1), small(0)),
    ]


SEEDS = {
    # create, grant, get, map, watch, trigger, sg_register, sg_xfer, destroy
    "lifecycle": common_setup() + [
        op(1, "poke", word(0), raw(2)),             # counter: one event per 2 triggers
        op(1, "watch", share(), small(16), word(0)),
        op(2, "trigger", share(), small(16)),
        op(2, "trigger", share(), small(16)),
        op(1, "info", share(), word(8)),
        op(1, "sg_register", share(), small(SV_SG_IN),
           sg_list([entry(ram(0x2000), 200), entry(ram(0x5000), 0x1800)]),
           sel("list_n", u8(1)), word(1)),
        op(2, "sg_xfer", share(), small(SV_XFER_SEND), small(0),
           sg_list([entry(ram(0x8000), 100), entry(map_area(1, 0x10), 0x900)]),
           sel("list_n", u8(1)), ),
        op(0, "destroy", share()),
        op(1, "unwatch", share(), small(16), word(0)),
        op(1, "drop", share()),
        op(2, "unmap", share()),
        op(2, "drop", share()),
    ],
    # lists naming the share's own pages, overlapping and repeated entries;
    # a receive from an OUT list; a handle unregistered
    "sg-share-pages": common_setup() + [
        op(2, "sg_register", share(), small(SV_SG_OUT),
           sg_list([entry(map_area(1, 0xFF0), 0x20), overlap(8, 0x30), b"\x03"], place=1),
           sel("list_n", u8(1)), word(2)),
        op(2, "sg_register", share(), small(SV_SG_IN),
           sg_list([entry(map_area(1, 0), 0x2000)], place=2 | 1 << 2),  # in slot 1
           small(1), sel("word", u8(3))),
        op(1, "sg_xfer", share(), small(SV_XFER_RECV), small(1),
           sg_list([entry(map_area(0, 0x100), 0x40), overlap(4, 0x40)]),
           sel("list_n", u8(1))),
        op(1, "sg_xfer", share(), small(SV_XFER_SEND), small(1),
           sg_list([entry(ram(0x3000 - 8), 16)]), small(1)),
        op(2, "sg_register", share(), small(SV_SG_IN),
           sg_list([entry(ram(0x6000), 64)]), small(1), word(4)),
        op(2, "sg_unregister", share(), handle(2)),
        op(2, "sg_unregister", share(), handle(2)),  # SV_ENOENT now
        op(0, "destroy", share()),
    ],
    # a peer dies with its mapping, watch and lists; offset 0 tells the
    # other; it restarts; domain 0 dies with the share
    "death": common_setup() + [
        op(1, "watch", share(), small(0), word(0)),
        op(2, "watch", share(), small(0), map_area(1, 0x40)),
        op(2, "sg_register", share(), small(SV_SG_IN),
           sg_list([entry(ram(0x2000), 256)]), small(1), word(1)),
        op(2, "die"),
        op(1, "sg_xfer", share(), small(SV_XFER_SEND), small(1),
           sg_list([entry(ram(0x2000), 10)]), small(1)),
        op(2, "start"),
        op(0, "grant", share(), dom(2)),
        op(2, "get", share(), port(7)),
        op(0, "die"),
        op(1, "trigger", share(), small(0)),
        op(0, "start"),
    ],
    # bad addresses of every kind, a page table that cannot be had, limits
    "bad-args": common_setup() + [
        op(1, "unmap", share()),
        op(0, "map_fail", small(1)),
        op(1, "map", share(), map_area(2), small(0)),
        op(1, "map", share(), sel("kernbase", u8(1), u8(0xFE)), small(0)),
        op(1, "map", share(), sel("hole", u8(0)), small(0)),
        op(1, "info", share(), sel("start_info", u8(0))),
        op(1, "watch", share(), small(4), sel("top", u8(3))),
        op(1, "watch", share(), sel("raw", struct.pack("<I", 0x2000)), word(0)),
        op(1, "sg_register", share(), small(SV_SG_IN),
           sg_list([wrapping(sel("top", u8(0x0F)), 0x10)]), small(1), word(1)),
        op(1, "sg_register", share(), small(SV_SG_IN),
           sg_list([entry(sel("start_info", u8(0)), 8)]), small(1), word(1)),
        op(1, "sg_register", share(), small(SV_SG_OUT),
           sg_list([entry(sel("page_edge", u8(48), u8(4)), 8)], place=3),
           small(1), word(1)),
        op(1, "sg_register", share(), small(3),
           sg_list([entry(ram(0), 8)]), small(17), word(1)),
        op(0, "create", small(16)),
        op(0, "create", small(17)),
        op(3, "create", small(1)),
        op(0, "grant", share(1), dom(4)),
        op(4, "get", share(1), port(9)),
    ],
    # the sg sequence number wraps between two lists: the older goes first
    # (the fuzzer's first find; test_sg_seq_wrap in tests/unit/test_share.c)
    "sg-seq-wrap": common_setup() + [
        op(0, "seq_skip", small(1)),
        op(1, "sg_register", share(), small(SV_SG_IN),
           sg_list([entry(ram(0x2000), 16)]), small(1), word(1)),
        op(1, "sg_register", share(), small(SV_SG_IN),
           sg_list([entry(ram(0x3000), 16)]), small(1), word(2)),
        op(2, "sg_xfer", share(), small(SV_XFER_SEND), small(0),
           sg_list([entry(ram(0x2000), 8)]), small(1)),
    ],
    # kept lists (SV_SG_KEEP): filled, spent (SV_EAGAIN), re-armed, used
    # in turn with a plain list and with each other; one over the share
    # mapping, with its length word across a page edge, whose share is
    # unmapped and another mapped in its place, then nothing; a kept
    # SV_SG_OUT list drained twice; one whose length word is in the share
    # mapping, replaced by another share's; bad directions
    "sg-keep": common_setup() + [
        op(1, "poke", word(1), raw(0)),
        op(1, "poke", edge(5, -2), raw(0)),
        op(1, "sg_register", share(), small(KEPT + SV_SG_IN),
           sg_list([entry(ram(0x2000), 64)]), small(1), word(1)),          # kept A
        op(1, "sg_register", share(), small(SV_SG_IN),
           sg_list([entry(ram(0x2100), 64)]), small(1), word(2)),          # plain B
        op(1, "sg_register", share(), small(KEPT + SV_SG_IN),
           sg_list([entry(map_area(0, 0x100), 0x80)]), small(1), edge(5, -2)),  # kept C
        op(2, "sg_xfer", share(), small(SV_XFER_SEND), small(0),
           sg_list([entry(ram(0x8000), 40)]), small(1)),                   # A
        op(2, "sg_xfer", share(), small(SV_XFER_SEND), small(0),
           sg_list([entry(ram(0x8000), 40)]), small(1)),                   # B
        op(2, "sg_xfer", share(), small(SV_XFER_SEND), small(0),
           sg_list([entry(ram(0x8000), 40)]), small(1)),                   # C
        op(2, "sg_xfer", share(), small(SV_XFER_SEND), small(0),
           sg_list([entry(ram(0x8000), 40)]), small(1)),                   # SV_EAGAIN
        op(1, "rearm", small(0)),                                          # A
        op(1, "rearm", small(1)),                                          # C
        op(2, "sg_xfer", share(), small(SV_XFER_SEND), small(0),
           sg_list([entry(ram(0x8000), 40)]), small(1)),                   # A (used first)
        op(0, "create", small(2)),
        op(0, "grant", share(1), dom(1)),
        op(1, "get", share(1), port(8)),
        op(1, "unmap", share()),
        op(1, "map", share(1), map_area(0), small(0)),
        op(1, "rearm", small(0)),                                          # A
        op(1, "rearm", small(1)),                                          # C
        # both armed: C first (A, used since, is behind it), into share 1
        op(2, "sg_xfer", share(), small(SV_XFER_SEND), small(0),
           sg_list([entry(ram(0x8000), 0x100)]), small(1)),                # C
        op(2, "sg_xfer", share(), small(SV_XFER_SEND), small(0),
           sg_list([entry(ram(0x8000), 0x100)]), small(1)),                # A
        op(1, "unmap", share(1)),
        op(1, "rearm", small(0)),
        op(1, "rearm", small(1)),
        op(2, "sg_xfer", share(), small(SV_XFER_SEND), small(0),
           sg_list([entry(ram(0x8000), 0x100)]), small(1)),                # C: SV_EFAULT
        op(2, "sg_xfer", share(), small(SV_XFER_SEND), small(0),
           sg_list([entry(ram(0x8000), 0x100)]), small(1)),                # A
        op(1, "poke", word(4), raw(0)),
        op(1, "sg_register", share(), small(KEPT + SV_SG_OUT),
           sg_list([entry(ram(0x3000), 32)]), small(1), word(4)),          # kept D
        op(2, "sg_xfer", share(), small(SV_XFER_RECV), small(0),
           sg_list([entry(ram(0x9000), 64)]), small(1)),                   # D
        op(2, "sg_xfer", share(), small(SV_XFER_RECV), small(0),
           sg_list([entry(ram(0x9000), 64)]), small(1)),                   # SV_EAGAIN
        op(1, "rearm", small(1)),                                          # D
        op(2, "sg_xfer", share(), small(SV_XFER_RECV), small(0),
           sg_list([entry(ram(0x9000), 64)]), small(1)),                   # D
        op(1, "map", share(), map_area(0), small(0)),
        op(1, "poke", map_area(0, 0xFFE), raw(0)),
        op(1, "sg_register", share(), small(KEPT + SV_SG_IN),
           sg_list([entry(ram(0x4000), 16)]), small(1), map_area(0, 0xFFE)),  # kept E
        op(1, "unmap", share()),
        op(1, "map", share(1), map_area(0), small(0)),                     # E's word: share 1's
        op(2, "sg_xfer", share(), small(SV_XFER_SEND), small(0),
           sg_list([entry(ram(0x8000), 16)]), small(1)),                   # E
        op(1, "unmap", share(1)),
        op(2, "sg_xfer", share(), small(SV_XFER_SEND), small(0),
           sg_list([entry(ram(0x8000), 16)]), small(1)),                   # E: SV_EFAULT
        op(1, "sg_unregister", share(), handle(0)),                        # A, spent
        op(1, "sg_unregister", share(), handle(0)),                        # SV_ENOENT
        op(1, "sg_register", share(), small(KEPT),
           sg_list([entry(ram(0x2000), 8)]), small(1), word(1)),           # SV_EINVAL
        op(1, "sg_register", share(), small(KEPT + 3),
           sg_list([entry(ram(0x2000), 8)]), small(1), word(1)),           # SV_EINVAL
        op(1, "sg_register", share(), raw(0x200 | SV_SG_IN),
           sg_list([entry(ram(0x2000), 8)]), small(1), word(1)),           # SV_EINVAL
        op(0, "destroy", share()),
    ],
    # every per-share and per-domain limit, one past it (SV_ENOSPC)
    "limits": (
        [op(0, "create", small(1)) for _ in range(33)] +
        [op(0, "grant", share(0), dom(d)) for d in range(10)] +
        [op(d, "get", share(0), port(2 + d)) for d in range(10)] +
        [op(0, "grant", share(k), dom(1)) for k in range(1, 8)] +
        [op(1, "get", share(k), port(10 + k)) for k in range(1, 8)] +
        [op(0, "grant", raw(32), dom(1)), op(1, "get", raw(32), port(20))] +
        [op(1, "watch", share(0), small(0), word(i)) for i in range(33)] +
        [op(1, "sg_register", share(0), small(SV_SG_IN),
            sg_list([entry(ram(0x2000), 8)]), small(1), word(40)) for _ in range(17)]),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, ops in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(b"".join(ops))


if __name__ == "__main__":
    main()
