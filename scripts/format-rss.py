#!/usr/bin/env python3
"""Peak memory of `mailproof verify` per output format on one large mbox.

    scripts/format-rss.py [MESSAGES] [WORKDIR]    (default 200000, target/format-rss)

Builds the release binary and the sample messages (examples/render_samples.rs,
signed with the throwaway test keys), writes an mbox of MESSAGES copies of the
signed samples (each with its own unsigned X-Seq header, so that every message
differs), runs `verify --format F` for each format with stdout to /dev/null,
and reads each run's peak resident set size from the kernel (wait4's
ru_maxrss). JSONL is the peer: it streams one line per message. Fails
(status 1) when a format peaks above 2x the JSONL run's peak.
"""
import os
import subprocess
import sys
import time

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
work = sys.argv[2] if len(sys.argv) > 2 else "target/format-rss"
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(root)
os.makedirs(work, exist_ok=True)
samples = os.path.join(work, "samples")
subprocess.run(["cargo", "build", "-q", "--release"], check=True)
subprocess.run(["cargo", "run", "-q", "--release", "--example", "render_samples", "--", samples], check=True)
msgs = sorted(os.listdir(os.path.join(samples, "messages")))
bodies = [open(os.path.join(samples, "messages", m), "rb").read() for m in msgs]
mbox = os.path.join(work, f"dump-{n}.mbox")
if not os.path.exists(mbox):
    with open(mbox + ".tmp", "wb") as f:
        for i in range(n):
            b = bodies[i % len(bodies)]
            f.write(b"From sender@example.com Mon Jun  1 12:00:00 2015\n")
            f.write(b"X-Seq: %d\r\n" % i)
            f.write(b)
            if not b.endswith(b"\n"):
                f.write(b"\n")
            f.write(b"\n")
    os.rename(mbox + ".tmp", mbox)
binary = os.path.join(root, "target", "release", "mailproof")
keys = os.path.join(samples, "keys.zone")


def peak(fmt):
    start = time.monotonic()
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen(
            [binary, "verify", "--quiet", "--no-builtin-keys", "--keys", keys, "--format", fmt, mbox],
            stdout=null,
        )
        _, status, usage = os.wait4(p.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"format-rss: --format {fmt} exited {code}")
    return usage.ru_maxrss / 1024, time.monotonic() - start


print(f"{n} messages, {os.path.getsize(mbox) / 2**20:.0f} MiB mbox")
base, secs = peak("jsonl")
print(f"{'jsonl':<9} {base:7.1f} MiB peak RSS  1.00x  ({secs:.0f} s)")
worst = 0.0
for fmt in ["json", "html", "markdown", "text"]:
    rss, secs = peak(fmt)
    worst = max(worst, rss / base)
    print(f"{fmt:<9} {rss:7.1f} MiB peak RSS  {rss / base:.2f}x  ({secs:.0f} s)")
if worst > 2:
    sys.exit(f"format-rss: a format peaks at {worst:.2f}x the JSONL run (limit 2x)")
