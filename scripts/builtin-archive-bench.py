#!/usr/bin/env python3
"""Does verification stay cheap when the built-in archive grows? (issue 15 item 6)

    scripts/builtin-archive-bench.py [--records N] [--runs R] [--message EML]
                                     [--batch CORPUS] [--work DIR] [--limit X]

Writes a synthetic archive: the committed archive/builtin.jsonl plus N
(default 100,000) generated records (unique random 2048-bit RSA moduli,
e=65537, seeded, so the file is the same every time; each says it is
synthetic in its provenance), sorted as scripts/build-builtin-archive.py
sorts. Builds two release binaries that differ only in the compiled-in
archive (build.rs's MAILPROOF_BUILTIN_ARCHIVE), then, interleaved:

- single message: `verify --format json EML` (default the real-world
  "Meeting for coffee" message, whose key is built in), R pairs of runs;
  the figure is the median of the per-pair wall-time ratios, next to the
  ratio of valgrind/callgrind instruction counts when valgrind is installed
  (steadier on a loaded machine);
- batch (with --batch CORPUS, a ../shared/bench corpus): `verify --quiet
  --keys keys.zone -j 2 --output FILE msgs/` with the built-in archive on,
  so that every signature also asks the built-in archive (and misses).

Prints the load average and every ratio (large archive / today's archive).
Exits 1 when the single-message ratio (wall, and instructions when
measured) is above --limit (default 1.2), or the batch ratio above 1.1.
The binaries and the archive stay in WORK (default target/builtin-bench).
"""
import argparse
import base64
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--records", type=int, default=100_000)
ap.add_argument("--runs", type=int, default=40)
ap.add_argument("--message", default="fixtures/real-world/Meeting for coffee.eml")
ap.add_argument("--batch")
ap.add_argument("--batch-runs", type=int, default=3)
ap.add_argument("--work", default="target/builtin-bench")
ap.add_argument("--limit", type=float, default=1.2)
ap.add_argument("--no-build", action="store_true", help="reuse the binaries in WORK")
ap.add_argument("--archive-only", action="store_true", help="write the synthetic archive, print its path, stop")
args = ap.parse_args()

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(root)
os.makedirs(args.work, exist_ok=True)
work = os.path.abspath(args.work)

SPKI_PREFIX = bytes.fromhex("30820122300d06092a864886f70d01010105000382010f003082010a0282010100")
SPKI_SUFFIX = bytes.fromhex("0203010001")


def sort_key(r):
    # the order of scripts/build-builtin-archive.py and of the lookup index
    return (r["domain"].encode().lower(), r["selector"].encode().lower(), r["selector"], r["sha256"] or "")


def synthetic_archive(n):
    path = os.path.join(work, f"builtin-{n}.jsonl")
    if os.path.exists(path):
        return path
    rng = random.Random(20261130)
    lines = []
    for line in open("archive/builtin.jsonl", encoding="utf-8"):
        if line.strip():
            lines.append((sort_key(json.loads(line)), line.rstrip("\n")))
    for i in range(n):
        modulus = bytearray(rng.getrandbits(2048).to_bytes(256, "big"))
        modulus[0] |= 0x80
        modulus[-1] |= 1
        der = SPKI_PREFIX + bytes(modulus) + SPKI_SUFFIX
        year = 2010 + i % 15
        rec = {
            "domain": f"d{i // 4:05d}.bench.example",
            "selector": f"s{year}{i % 4}",
            "record": "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode(),
            "sha256": hashlib.sha256(der).hexdigest(),
            "key_type": "rsa",
            "bits": 2048,
            "first_seen": f"{year}-01-01",
            "last_seen": f"{year}-12-31",
            "sources": [{"origin": f"synthetic benchmark record {i} (scripts/builtin-archive-bench.py, "
                         "random modulus, not a real key)", "seen": f"{year}-01-01"}],
            "notes": None,
        }
        lines.append((sort_key(rec), json.dumps(rec, ensure_ascii=False)))
    lines.sort(key=lambda x: x[0])
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        for _, line in lines:
            f.write(line + "\n")
    os.rename(path + ".tmp", path)
    return path


def build(archive, out):
    env = dict(os.environ)
    env.pop("MAILPROOF_BUILTIN_ARCHIVE", None)
    if archive:
        env["MAILPROOF_BUILTIN_ARCHIVE"] = archive
    subprocess.run(["cargo", "build", "-q", "--release", "--locked", "--bin", "mailproof"], check=True, env=env)
    shutil.copy2(os.path.join("target", "release", "mailproof"), out)


if args.archive_only:
    print(synthetic_archive(args.records))
    sys.exit(0)
big = os.path.join(work, f"mailproof-{args.records}")
today = os.path.join(work, "mailproof-today")
if not args.no_build:
    arch = synthetic_archive(args.records)
    print(f"synthetic archive: {arch} ({os.path.getsize(arch) / 2**20:.0f} MiB)", flush=True)
    build(arch, big)
    build(None, today)  # last, so target/release/mailproof is the ordinary build again


def run_wall(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def instructions(cmd):
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    m = re.search(r"Collected : (\d+)", p.stderr)
    return int(m.group(1)) if m else None


print(f"load average at start: {os.getloadavg()[0]:.1f}")
single = lambda b: [b, "verify", "--format", "json", args.message]
for b in (today, big):  # warm the page cache
    run_wall(single(b))
pairs = []
for i in range(args.runs):
    order = [(today, 0), (big, 1)] if i % 2 == 0 else [(big, 1), (today, 0)]
    t = [0.0, 0.0]
    for b, k in order:
        t[k] = run_wall(single(b))
    pairs.append(t)
wall_ratio = statistics.median(b / a for a, b in pairs)
med = [statistics.median(p[k] for p in pairs) for k in (0, 1)]
low = [min(p[k] for p in pairs) for k in (0, 1)]
print(f"single message, {args.runs} interleaved pairs: today's archive median {med[0] * 1e3:.1f} ms "
      f"(fastest {low[0] * 1e3:.1f}), {args.records:,} records median {med[1] * 1e3:.1f} ms "
      f"(fastest {low[1] * 1e3:.1f}); median pair ratio {wall_ratio:.2f}x, fastest-run ratio {low[1] / low[0]:.2f}x")
failed = wall_ratio > args.limit
if shutil.which("valgrind"):
    ir = [instructions(single(b)) for b in (today, big)]
    if None not in ir:
        print(f"single message, instructions (callgrind): today's archive {ir[0]:,}, "
              f"{args.records:,} records {ir[1]:,}; ratio {ir[1] / ir[0]:.2f}x")
        failed |= ir[1] / ir[0] > args.limit
if args.batch:
    corpus = os.path.abspath(args.batch)
    out = os.path.join(work, "batch.jsonl")
    batch = lambda b: [b, "verify", "--quiet", "--keys", os.path.join(corpus, "keys.zone"), "-j", "2",
                       "--output", out, os.path.join(corpus, "msgs")]
    t = {today: [], big: []}
    for i in range(args.batch_runs):
        for b in ((today, big) if i % 2 == 0 else (big, today)):
            t[b].append(run_wall(batch(b)))
    a, b = statistics.median(t[today]), statistics.median(t[big])
    print(f"batch {corpus} (built-in archive on), median of {args.batch_runs}: today's archive {a:.2f} s, "
          f"{args.records:,} records {b:.2f} s; ratio {b / a:.2f}x")
    failed |= b / a > 1.1
print(f"load average at end: {os.getloadavg()[0]:.1f}")
if failed:
    sys.exit(f"builtin-archive-bench: over the target ({args.limit}x single message, 1.1x batch)")
