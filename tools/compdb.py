#!/usr/bin/env python3
"""tools/compdb.py: write compile_commands.json (make compile_commands.json).

clangd and other C tools want, for each source file, the exact command
that compiles it. This asks make itself: `make -Bn V=1` prints every
command of a full build (the hypervisor, the guest library, every guest,
the host unit tests and the share fuzzer) without running any, and each
compiler command that names .c files becomes one entry per file: the
same flags (less make's dependency files), with "-c FILE" (a host test that compiles and links several
files at once gives each of them its flags). Nothing is built.

Usage: tools/compdb.py [MAKE] > compile_commands.json
"""
import json
import os
import shlex
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = ["all", "unit", "build/fuzz/fuzz_share"]
COMPILERS = ("gcc", "cc", "clang", "i686-elf-gcc", "i686-linux-gnu-gcc")


def commands(make):
    env = dict(os.environ, MAKEFLAGS="", MAKELEVEL="")
    out = subprocess.run([make, "-Bn", "V=1"] + TARGETS, cwd=TOP, env=env, check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()
    return out.replace("\\\n", " ").splitlines()


def entries(line):
    try:
        words = shlex.split(line)
    except ValueError:
        return []
    if not words or os.path.basename(words[0]) not in COMPILERS:
        return []
    sources = [w for w in words[1:] if w.endswith(".c")]
    flags, skip = [], False
    for w in words[1:]:
        if skip:
            skip = False
        elif w == "-o":
            skip = True
        elif w not in sources and w not in ("-c", "-MMD", "-MP") and \
                not w.endswith((".o", ".a")):
            flags.append(w)
    return [{"directory": TOP, "file": src,
             "arguments": [words[0]] + flags + ["-c", src, "-o", "/dev/null"]}
            for src in sources]


def main():
    make = sys.argv[1] if len(sys.argv) > 1 else "make"
    seen, db = set(), []
    for line in commands(make):
        for e in entries(line):
            if e["file"] not in seen:     # a file built twice keeps its first command
                seen.add(e["file"])
                db.append(e)
    json.dump(db, sys.stdout, indent=1)
    sys.stdout.write("\n")
    print("compdb: %d files" % len(db), file=sys.stderr)


if __name__ == "__main__":
    main()
