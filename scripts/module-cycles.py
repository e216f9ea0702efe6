#!/usr/bin/env python3
"""Import cycles between the files of src/ (each .rs file is one node).

An edge A -> B for every path in file A that names an item of file B:
`crate::x::y`, `super::x`, `self::x`, and in a module's own file a path
starting with the name of one of its child modules (`use parse::{...}`).
`mod x;` declarations are not edges (they only say where a file is).
Prints each strongly connected component of more than one file and exits 1
if there is any.

Usage: python3 scripts/module-cycles.py [src]
"""
import os
import re
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "src"
files = {}  # module path tuple -> file path
for root, _, names in os.walk(src):
    for n in names:
        if not n.endswith(".rs"):
            continue
        p = os.path.join(root, n)
        rel = os.path.relpath(p, src)[:-3].split(os.sep)
        if rel[-1] == "mod":
            rel = rel[:-1]
        if rel in (["lib"], ["main"]):
            rel = []
        files[tuple(rel)] = p


def resolve(parts):
    """The file holding the longest prefix of a module path."""
    for k in range(len(parts), -1, -1):
        if tuple(parts[:k]) in files:
            return tuple(parts[:k])
    return None


edges = {m: set() for m in files}
for mod, path in files.items():
    text = open(path, encoding="utf-8", errors="replace").read()
    text = re.sub(r"//[^\n]*", "", text)
    is_dir_module = path.endswith("mod.rs") or path.endswith("lib.rs")
    # the module a `super::` in this file refers to
    here = list(mod)
    children = {c[-1] for c in files if len(c) == len(mod) + 1 and c[: len(mod)] == mod}
    targets = []
    for m in re.finditer(r"\b((?:super::)+|crate::|self::)([\w:]+(?:::\{[^;]*?\})?)", text):
        head, rest = m.group(1), m.group(2)
        if head == "crate::":
            base = []
        elif head == "self::":
            base = list(here)
        else:
            # each `super` goes up one module
            base = here[: max(0, len(here) - head.count("super"))]
        rest_parts = [p for p in rest.split("{")[0].split("::") if p]
        if "{" in rest and "}" in rest:
            inner = rest[rest.index("{") + 1 : rest.rindex("}")]
            for item in re.split(r"[,\s]+", inner):
                item = item.strip()
                if item:
                    targets.append(base + rest_parts + item.split("::"))
        targets.append(base + rest_parts)
    if is_dir_module or not children:
        for m in re.finditer(r"\buse\s+(\w+)::", text):
            if m.group(1) in children:
                targets.append(here + [m.group(1)])
        for m in re.finditer(r"\bpub(?:\([^)]*\))?\s+use\s+(\w+)::", text):
            if m.group(1) in children:
                targets.append(here + [m.group(1)])
    for t in targets:
        f = resolve(t)
        if f is not None and f != mod:
            edges[mod].add(f)

index, low, on, stack, sccs, counter = {}, {}, set(), [], [], [0]
sys.setrecursionlimit(10000)


def strong(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in edges[v]:
        if w not in index:
            strong(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        sccs.append(comp)


for v in sorted(files):
    if v not in index:
        strong(v)
big = [sorted(files[m] for m in c) for c in sccs if len(c) > 1]
for c in big:
    print("cycle: " + " <-> ".join(c))
print(f"{len(files)} files, {sum(len(e) for e in edges.values())} import edges, {len(big)} cycles")
sys.exit(1 if big else 0)
