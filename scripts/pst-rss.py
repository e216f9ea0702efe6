#!/usr/bin/env python3
"""Peak memory of `mailproof verify` over Outlook PST files, against one .eml.

    scripts/pst-rss.py [--copies N] [--workdir DIR] [--no-build] FILE.pst...

Builds the release binary (unless --no-build), then runs `verify --format jsonl --quiet` (stdout
counted, not kept) in this order: one real signed .eml (the peer,
fixtures/real-world/Meeting for coffee.eml), each PST on its own, and one
run over a directory holding N copies (default 100) of every PST given.
Each run's peak resident set size is read by GNU time (`/usr/bin/time`,
Debian package `time`). Fails (status 1) when a run loses records (the directory run
must give N times the records of the single runs) or when the directory run
peaks above 2x the largest single-PST run: memory must not grow with the
number of items read.
"""
import os
import shutil
import subprocess
import sys

args = sys.argv[1:]
copies = 100
work = "target/pst-rss"
build = True
while args and args[0].startswith("--"):
    opt = args.pop(0)
    if opt == "--copies":
        copies = int(args.pop(0))
    elif opt == "--workdir":
        work = args.pop(0)
    elif opt == "--no-build":
        build = False
    else:
        sys.exit(f"pst-rss: unknown option {opt}")
if not args:
    sys.exit(__doc__)
psts = [os.path.abspath(p) for p in args]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(root)
os.makedirs(work, exist_ok=True)
if build:
    subprocess.run(["cargo", "build", "-q", "--release"], check=True)
binary = os.path.join(root, "target", "release", "mailproof")
eml = os.path.join(root, "fixtures", "real-world", "Meeting for coffee.eml")


def run(path):
    """(peak RSS in MiB, records written) of one `verify` run.

    Measured by GNU time (`/usr/bin/time -f %M`), whose own small process
    starts the run: a child forked from this Python process would start
    with a copy of its memory, which the kernel counts into the child's
    peak (ru_maxrss) even after exec."""
    out = os.path.join(work, "records.jsonl")
    peak = os.path.join(work, "peak.txt")
    with open(out, "wb") as f:
        code = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", peak, binary, "verify", "--quiet", "--format", "jsonl", path],
            stdout=f,
        ).returncode
    if code not in (0, 1):
        sys.exit(f"pst-rss: verify {path} exited {code}")
    with open(out, "rb") as f:
        records = sum(1 for _ in f)
    with open(peak) as f:
        kib = int(f.read().split()[-1])
    os.remove(out)
    return kib / 1024, records


def size(path):
    return os.path.getsize(path) / 2**20


peer, _ = run(eml)
print(f"peer: one .eml: {peer:.1f} MiB")
single_peak = 0.0
single_records = 0
for p in psts:
    rss, n = run(p)
    single_peak = max(single_peak, rss)
    single_records += n
    print(f"{os.path.basename(p)} ({size(p):.1f} MiB, {n} records): {rss:.1f} MiB ({rss / peer:.2f}x the .eml)")

many = os.path.join(work, "copies")
shutil.rmtree(many, ignore_errors=True)
os.makedirs(many)
total = 0
for i in range(copies):
    for j, p in enumerate(psts):
        dst = os.path.join(many, f"{i:04}-{j}.pst")
        shutil.copyfile(p, dst)
        total += os.path.getsize(dst)
rss, n = run(many)
shutil.rmtree(many, ignore_errors=True)
print(
    f"{copies} copies of each ({copies * len(psts)} files, {total / 2**20:.0f} MiB, {n} records): "
    f"{rss:.1f} MiB ({rss / peer:.2f}x the .eml, {rss / single_peak:.2f}x the largest single PST run)"
)
failed = False
if n != copies * single_records:
    print(f"pst-rss: {copies * single_records - n} records lost")
    failed = True
if rss > 2 * single_peak:
    print("pst-rss: memory grows with the number of items read")
    failed = True
sys.exit(1 if failed else 0)
